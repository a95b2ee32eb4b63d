# tsqsteal: kernel module, irqspread tool, VM tests and bench.
#
#   make             module (for the running kernel, or KDIR=...) and tools
#   make test        everything: host packages, static checks, unit tests,
#                    the VM matrix: six kernels, two RT kernels, one igb
#                    cell (MATRIX="6.1/amd64 ..." QUICK=1)
#   make check       checkpatch, sparse/W=1, cppcheck/clang-tidy
#   make soak        the VM scenarios, longer (20 rmmod cycles, 20 s traffic),
#                    on every cell and the debug-kernel cell, and test-fleet
#   make test-debug  every scenario on the debug kernel (lockdep, KASAN,
#                    kmemleak; built once from Debian's linux-source-6.12,
#                    tests/vm/debugkernel.sh)
#   make test-fleet  install, DKMS, reboot, udev re-apply, purge on a booted
#                    Debian guest with systemd (tests/vm/systemd.sh)
#   make mutate      every tests/mutations/*.patch must fail the VM scenarios
#                    it names (CELL=6.1/amd64 MUTATIONS="name ...")
#   make bench       the wrk + nginx A/B in guests (ARCH=arm64, see bench/run -h)
#   make install     module, irqspread and its systemd units and udev rule,
#                    tsqtop, man pages, modprobe.d example (below)
#   make uninstall   what install put there (an edited modprobe.d file stays)
#   make dkms-install  module sources and dkms.conf to /usr/src, then dkms install
#   make deb         tsqsteal-dkms and irqspread .debs into build/deb (ARCH=arm64:
#                    irqspread for arm64, cross-built)
#   make clean       build outputs;  make distclean  also the download cache

VERSION := $(shell cat $(CURDIR)/VERSION)

# The kernel: KVER names it, KDIR has its headers.  Without KVER it is the
# kernel KO= was built for, else the one KDIR has headers for, else the
# running one.
ifndef KVER
ifdef KO
KVER := $(shell modinfo -F vermagic '$(KO)' 2>/dev/null | cut -d' ' -f1)
endif
endif
ifndef KVER
ifdef KDIR
KVER := $(shell cat '$(KDIR)/include/config/kernel.release' 2>/dev/null)
endif
endif
ifndef KVER
KVER := $(shell uname -r)
endif
KDIR ?= /lib/modules/$(KVER)/build
export MATRIX QUICK SOAK SCENARIOS
# Passed to bench/run only when set: an exported empty ARCH would break kbuild.
BENCH_VARS := ARCH KERNEL VCPUS QUEUES NIC CONNS DURATION REPEATS

all: module tools

module:
	@test -d '$(KDIR)' || { echo "module: no kernel headers at $(KDIR):" \
		"install linux-headers-$(KVER), or pass KDIR=, KO=path/tsqsteal.ko or SKIP_MODULE=1"; exit 1; }
	$(MAKE) -C module KDIR=$(KDIR)

tools:
	$(MAKE) -C tools/irqspread
	$(MAKE) -C tools/tsqtop

test:
	tests/run.sh

check:
	tests/vm/deps.sh
	TAP_DIR=$(CURDIR)/build/tap-check tests/check.sh

# Soak: the six kernel cells, the RT cells and the debug cell on e1000e
# unless MATRIX says otherwise.
SOAK_MATRIX := 6.1/amd64 6.1/arm64 6.12/amd64 6.12/arm64 7/amd64 7/arm64 6.1-rt/amd64 6.12-rt/arm64 \
	6.12-debug/amd64

soak:
	tests/vm/deps.sh
	SOAK=1 MATRIX="$(or $(MATRIX),$(SOAK_MATRIX))" tests/vm/run.sh
	tests/vm/systemd.sh 6.1/amd64
	tests/vm/systemd.sh 6.12/arm64

# The debug kernel: every scenario on 6.12-debug/amd64, with soak's
# scenario timeout (its first build takes 35-50 minutes on 2 cores, then
# it is cached).
test-debug:
	tests/vm/deps.sh
	MATRIX=6.12-debug/amd64 SCENARIOS="10 20 30 40 50 60 70 80" SCEN_TIMEOUT=1800 tests/vm/run.sh

# The fleet path on a booted Debian guest with systemd (tests/vm/systemd.sh):
# apt install of the .debs, beside irqbalance, DKMS, reboot, udev
# re-apply, a second kernel, purge.  CELL=6.12/arm64 for arm64.  About 8
# minutes under TCG on amd64, 13 on arm64; make soak runs both, make test
# 6.1/amd64 without the second kernel.
test-fleet:
	tests/vm/deps.sh
	tests/vm/systemd.sh $(or $(CELL),6.1/amd64)

mutate:
	tests/vm/deps.sh
	tests/mutate.sh $(or $(CELL),6.1/amd64) $(MUTATIONS)

bench:
	tests/vm/deps.sh
	bench/run $(foreach v,$(BENCH_VARS),$(if $($(v)),$(v)=$($(v)))) $(BENCH_ARGS)

fuzz:
	$(MAKE) -C tools/irqspread fuzz

# ---- install ----
# sudo make install: builds the module for KDIR and installs it for KVER,
# then runs depmod.  With DESTDIR (a staging tree) depmod is not run.
#   KO=path/tsqsteal.ko   install that module instead of building one
#   SKIP_MODULE=1         no module (e.g. DKMS provides it)
# Nothing is loaded, now or at boot: the modprobe.d file is all comments
# and the modules-load.d file is only an example under DOCDIR.  Nothing
# is enabled either: irqspread's units are installed, not enabled, and
# its udev rule acts only while irqspread.service is active.
PREFIX ?= /usr
SYSCONFDIR ?= /etc
DOCDIR ?= $(PREFIX)/share/doc/tsqsteal
SBINDIR = $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/irqspread
UNITDIR ?= /lib/systemd/system
UDEVRULESDIR ?= /lib/udev/rules.d
# A relative DESTDIR or KO would be wrong in the sub-makes and in cmp.
override DESTDIR := $(abspath $(DESTDIR))
ifdef KO
override KO := $(abspath $(KO))
endif
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/updates
MODPROBE_CONF = $(DESTDIR)$(SYSCONFDIR)/modprobe.d/tsqsteal.conf
LOAD_EXAMPLE = $(DESTDIR)$(DOCDIR)/examples/modules-load.d/tsqsteal.conf

install: $(if $(SKIP_MODULE),,install-module) install-tools install-data

install-module: $(if $(KO),,module)
	@test -n '$(KVER)' || { echo "install: no KVER"; exit 1; }
	@v=$$(modinfo -F vermagic '$(or $(KO),module/tsqsteal.ko)' 2>/dev/null | cut -d' ' -f1); \
	if [ -n "$$v" ] && [ "$$v" != '$(KVER)' ]; then \
		echo "install: $(or $(KO),module/tsqsteal.ko) is built for $$v, not KVER=$(KVER)"; exit 1; \
	fi
	install -D -m 0644 '$(or $(KO),module/tsqsteal.ko)' '$(MODDIR)/tsqsteal.ko'
	$(if $(DESTDIR),,depmod -a '$(KVER)')

install-tools: install-irqspread install-tsqtop

# irqspread, and what runs it at boot and after a NIC's queues change:
# the units name irqspread-unit, and it irqspread, where PREFIX put them.
UNITS := irqspread.service irqspread-reapply@.service irqspread-check.service irqspread-check.timer
UNIT_BUILD := build/systemd
DEFAULT_CONF = $(DESTDIR)$(SYSCONFDIR)/default/irqspread
SUBST = sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g'

install-irqspread:
	$(MAKE) -C tools/irqspread install DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)'
	@mkdir -p $(UNIT_BUILD)
	for u in $(UNITS); do \
		if [ -f "packaging/systemd/$$u.in" ]; then $(SUBST) "packaging/systemd/$$u.in"; \
		else cat "packaging/systemd/$$u"; fi >"$(UNIT_BUILD)/$$u" || exit 1; \
		install -D -m 0644 "$(UNIT_BUILD)/$$u" '$(DESTDIR)$(UNITDIR)/'"$$u" || exit 1; \
	done
	$(SUBST) packaging/systemd/irqspread-unit.sh >$(UNIT_BUILD)/irqspread-unit
	install -D -m 0755 $(UNIT_BUILD)/irqspread-unit '$(DESTDIR)$(LIBEXECDIR)/irqspread-unit'
	install -D -m 0644 packaging/udev/60-irqspread.rules '$(DESTDIR)$(UDEVRULESDIR)/60-irqspread.rules'
	@if [ -e '$(DEFAULT_CONF)' ] && ! cmp -s packaging/default/irqspread '$(DEFAULT_CONF)'; then \
		echo "install: kept $(DEFAULT_CONF): it differs from packaging/default/irqspread"; \
	else \
		echo "install -D -m 0644 packaging/default/irqspread $(DEFAULT_CONF)"; \
		install -D -m 0644 packaging/default/irqspread '$(DEFAULT_CONF)'; \
	fi

install-tsqtop:
	$(MAKE) -C tools/tsqtop install DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)'

# An existing modprobe.d/tsqsteal.conf that differs from ours is the
# administrator's: it is kept.
install-data:
	install -D -m 0644 docs/tsqsteal.4 '$(DESTDIR)$(PREFIX)/share/man/man4/tsqsteal.4'
	install -D -m 0644 packaging/modules-load.d/tsqsteal.conf '$(LOAD_EXAMPLE)'
	@if [ -e '$(MODPROBE_CONF)' ] && ! cmp -s packaging/modprobe.d/tsqsteal.conf '$(MODPROBE_CONF)'; then \
		echo "install: kept $(MODPROBE_CONF): it differs from packaging/modprobe.d/tsqsteal.conf"; \
	else \
		echo "install -D -m 0644 packaging/modprobe.d/tsqsteal.conf $(MODPROBE_CONF)"; \
		install -D -m 0644 packaging/modprobe.d/tsqsteal.conf '$(MODPROBE_CONF)'; \
	fi

uninstall:
	$(if $(SKIP_MODULE),,rm -f '$(MODDIR)/tsqsteal.ko')
	$(if $(SKIP_MODULE)$(DESTDIR),,depmod -a '$(KVER)')
	rm -f '$(DESTDIR)$(SBINDIR)/irqspread' '$(DESTDIR)$(PREFIX)/share/man/man8/irqspread.8' \
		'$(DESTDIR)$(SBINDIR)/tsqtop' '$(DESTDIR)$(PREFIX)/share/man/man8/tsqtop.8' \
		'$(DESTDIR)$(PREFIX)/share/man/man4/tsqsteal.4' '$(LOAD_EXAMPLE)' \
		$(foreach u,$(UNITS),'$(DESTDIR)$(UNITDIR)/$(u)') \
		'$(DESTDIR)$(LIBEXECDIR)/irqspread-unit' '$(DESTDIR)$(UDEVRULESDIR)/60-irqspread.rules'
	for d in '$(DESTDIR)$(DOCDIR)/examples/modules-load.d' '$(DESTDIR)$(DOCDIR)/examples' \
		'$(DESTDIR)$(DOCDIR)' '$(DESTDIR)$(LIBEXECDIR)'; do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done
	@if cmp -s packaging/default/irqspread '$(DEFAULT_CONF)'; then \
		echo "rm -f $(DEFAULT_CONF)"; rm -f '$(DEFAULT_CONF)'; \
	elif [ -e '$(DEFAULT_CONF)' ]; then \
		echo "uninstall: kept $(DEFAULT_CONF): it was edited"; \
	fi
	@if cmp -s packaging/modprobe.d/tsqsteal.conf '$(MODPROBE_CONF)'; then \
		echo "rm -f $(MODPROBE_CONF)"; rm -f '$(MODPROBE_CONF)'; \
	elif [ -e '$(MODPROBE_CONF)' ]; then \
		echo "uninstall: kept $(MODPROBE_CONF): it was edited"; \
	fi

# ---- DKMS from the source tree ----
DKMS_SRC = $(DESTDIR)/usr/src/tsqsteal-$(VERSION)
MODULE_SRCS := $(wildcard module/*.c module/*.h) module/Kbuild module/Makefile

build/dkms/dkms.conf: packaging/dkms.conf.in VERSION
	@mkdir -p $(@D)
	sed 's/@VERSION@/$(VERSION)/' $< >$@

dkms-src: build/dkms/dkms.conf
	install -d '$(DKMS_SRC)'
	install -m 0644 $(MODULE_SRCS) VERSION build/dkms/dkms.conf '$(DKMS_SRC)/'

# dkms builds and installs for the running kernel now and for every new
# kernel of a tested series later (AUTOINSTALL); it loads nothing.
dkms-install: dkms-src
	$(if $(DESTDIR),,dkms install 'tsqsteal/$(VERSION)')

dkms-uninstall:
	-$(if $(DESTDIR),,dkms remove 'tsqsteal/$(VERSION)' --all)
	rm -rf '$(DKMS_SRC)'

# ---- Debian packages ----
# Built in a copy of the tree under build/deb, where dpkg-buildpackage
# leaves the .debs, .buildinfo and .changes.  ARCH=arm64 on an amd64 host
# cross-builds irqspread only (tsqsteal-dkms is Architecture: all) against
# Debian's arm64 libc6 and libjson-c unpacked by packaging/cross-root.sh:
# no foreign architecture is added to dpkg, so the build dependencies of
# the target are not there for dpkg-checkbuilddeps (-d); nothing of the
# target can run, hence the nocheck profile.
DEB_DIR := build/deb
DEB_TREE = $(DEB_DIR)/tsqsteal-$(VERSION)
DEB_FILES := Makefile VERSION module/*.[ch] module/Kbuild module/Makefile \
	tools/irqspread/*.[ch] tools/irqspread/Makefile docs/tsqsteal.4 docs/irqspread.8 \
	tools/tsqtop/*.[ch] tools/tsqtop/Makefile docs/tsqtop.8 packaging debian
DEB_HOST := $(shell dpkg --print-architecture 2>/dev/null)
DEB_CROSS := $(filter-out $(DEB_HOST),$(ARCH))

deb:
	rm -rf '$(DEB_TREE)'
	mkdir -p '$(DEB_TREE)'
	tar -cf - $(DEB_FILES) | tar -xf - -C '$(DEB_TREE)'
	packaging/changelog.sh '$(VERSION)' >'$(DEB_TREE)/debian/changelog'
ifeq ($(DEB_CROSS),)
	cd '$(DEB_TREE)' && dpkg-buildpackage -us -uc -b
else
	root=$$(packaging/cross-root.sh '$(DEB_CROSS)') && \
	cd '$(DEB_TREE)' && CROSS_ROOT="$$root" DEB_BUILD_OPTIONS="nocheck $(DEB_BUILD_OPTIONS)" \
		CC=$$(dpkg-architecture -a'$(DEB_CROSS)' -qDEB_HOST_GNU_TYPE 2>/dev/null)-gcc \
		dpkg-buildpackage -us -uc -B -d -a'$(DEB_CROSS)' -Pcross,nocheck
endif
	@ls -1 $(DEB_DIR)/*.deb

clean:
	rm -rf build
	-$(MAKE) -C tools/irqspread clean
	-$(MAKE) -C tools/tsqtop clean
	rm -f module/*.o module/*.ko module/*.mod module/*.mod.c module/.*.cmd \
		module/Module.symvers module/modules.order

distclean: clean
	rm -rf $${TSQ_CACHE:-$$HOME/.cache/tsqsteal} results

.PHONY: all module tools test check soak test-debug test-fleet mutate bench fuzz clean distclean \
	install install-module install-tools install-irqspread install-tsqtop install-data uninstall \
	dkms-src dkms-install dkms-uninstall deb
