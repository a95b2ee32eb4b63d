# tsqsteal: kernel module, irqspread tool, VM tests and bench.
#
#   make             module (for the running kernel, or KDIR=...) and tools
#   make test        everything: host packages, static checks, unit tests,
#                    the VM matrix: six kernels, plus one igb cell (MATRIX="6.1/amd64 ..." QUICK=1)
#   make check       checkpatch, sparse/W=1, cppcheck/clang-tidy
#   make soak        the VM scenarios, longer (20 rmmod cycles, 20 s traffic)
#   make mutate      every tests/mutations/*.patch must fail the VM scenarios
#                    it names (CELL=6.1/amd64 MUTATIONS="name ...")
#   make bench       the wrk + nginx A/B in guests (ARCH=arm64, see bench/run -h)
#   make clean       build outputs;  make distclean  also the download cache

KDIR ?= /lib/modules/$(shell uname -r)/build
export MATRIX QUICK SOAK SCENARIOS
# Passed to bench/run only when set: an exported empty ARCH would break kbuild.
BENCH_VARS := ARCH KERNEL VCPUS QUEUES NIC CONNS DURATION REPEATS

all: module tools

module:
	$(MAKE) -C module KDIR=$(KDIR)

tools:
	$(MAKE) -C tools/irqspread

test:
	tests/run.sh

check:
	tests/vm/deps.sh
	TAP_DIR=$(CURDIR)/build/tap-check tests/check.sh

# Soak: the six kernel cells on e1000e unless MATRIX says otherwise.
SOAK_MATRIX := 6.1/amd64 6.1/arm64 6.12/amd64 6.12/arm64 7/amd64 7/arm64

soak:
	tests/vm/deps.sh
	SOAK=1 MATRIX="$(or $(MATRIX),$(SOAK_MATRIX))" tests/vm/run.sh

mutate:
	tests/vm/deps.sh
	tests/mutate.sh $(or $(CELL),6.1/amd64) $(MUTATIONS)

bench:
	tests/vm/deps.sh
	bench/run $(foreach v,$(BENCH_VARS),$(if $($(v)),$(v)=$($(v)))) $(BENCH_ARGS)

fuzz:
	$(MAKE) -C tools/irqspread fuzz

clean:
	rm -rf build
	-$(MAKE) -C tools/irqspread clean
	rm -f module/*.o module/*.ko module/*.mod module/*.mod.c module/.*.cmd \
		module/Module.symvers module/modules.order

distclean: clean
	rm -rf $${TSQ_CACHE:-$$HOME/.cache/tsqsteal} results

.PHONY: all module tools test check soak mutate bench fuzz clean distclean
