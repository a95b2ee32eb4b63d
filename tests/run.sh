#!/usr/bin/env bash
# tests/run.sh: every test, one TAP stream, ending "N passed, N failed".
#   1. host packages (apt, says what it installs)
#   2. static checks (tests/check.sh)
#   3. host unit tests of the userland code (irqspread, tsqtop, bench), and
#      of make install/uninstall, the units and the .debs (tests/pkg.sh)
#   4. the VM matrix (tests/vm/run.sh)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
mkdir -p "$top/build"
export TAP_DIR="$top/build/tap-all"
rm -rf "$TAP_DIR"
mkdir -p "$TAP_DIR"
. "$here/vm/lib/tap.sh"

echo "# host packages"
if ! "$here/vm/deps.sh"; then
	tap_fail "host packages installed with apt"
	tap_summary
	exit 1
fi

# sub NAME CMD...: a sub-suite with TAP counts of its own, folded into
# ours; its exit status and plan line count (tap_suite).
sub() {
	local name=$1 d
	shift
	d=$(mktemp -d)
	tap_suite "$name" env TAP_DIR="$d" "$@"
	rm -rf "$d"
}

phase() { echo "# phase ${1}: started at +${SECONDS}s"; }
phase "static checks"
sub "static checks" "$here/check.sh"
if [ -f "$top/tools/irqspread/Makefile" ]; then
	phase "irqspread unit tests"
	tap_suite "irqspread unit tests" make -s -C "$top/tools/irqspread" test
fi
if [ -f "$top/tools/tsqtop/Makefile" ]; then
	phase "tsqtop unit tests"
	tap_suite "tsqtop unit tests" make -s -C "$top/tools/tsqtop" test
fi
if [ -x "$top/bench/test.sh" ]; then
	phase "bench unit tests"
	sub "bench unit tests" "$top/bench/test.sh"
fi
phase "packaging: make install, make deb, dkms.conf"
sub "packaging" "$here/pkg.sh"
phase "VM matrix: ${MATRIX:-six kernels and two PREEMPT_RT kernels x e1000e, plus 7/amd64 on igb}"
sub "VM matrix" "$here/vm/run.sh"

# The bench, short: one repeat of every configuration on one kernel; the
# report must pass its schema check and every configuration carry traffic.
phase "bench smoke"
smoke="$top/build/bench-smoke"
rm -rf "$smoke"
if "$top/bench/run" --smoke --out "$smoke" >"$top/build/bench-smoke.log" 2>&1; then
	tap_ok "bench: smoke run on 6.1/amd64: report schema valid, every configuration produced traffic"
else
	tap_fail "bench: smoke run on 6.1/amd64: report schema valid, every configuration produced traffic" \
		"$(tail -n 15 "$top/build/bench-smoke.log")"
fi
phase "end"
tap_summary
