#!/usr/bin/env bash
# tests/run.sh: every test, one TAP stream, ending "N passed, N failed".
#   1. host packages (apt, says what it installs)
#   2. static checks (tests/check.sh)
#   3. host unit tests of the userland code (irqspread, tsqtop, bench), and
#      of make install/uninstall, the units and the .debs (tests/pkg.sh)
#   4. the VM matrix (tests/vm/run.sh)
#   5. the fleet path on a booted systemd guest, 6.1/amd64, without the
#      second kernel (tests/vm/systemd.sh; make test-fleet runs it all)
#   6. the bench smoke (bench/run --smoke)
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

# The host's unit tests and packaging run beside the static checks, one
# after another in the background (they share tools/ build trees), each
# into a file of its own with its exit status, folded in below in order:
# two host cores, neither suite needs both (docs/testing.md, Stages).
host=$(mktemp -d)
# to FILE CMD...: CMD's output in FILE, its exit status in FILE.rc.
to() {
	local f=$1
	shift
	"$@" >"$f" 2>&1
	echo $? >"$f.rc"
}
# replay FILE: a finished suite's output and exit status, for tap_suite.
replay() {
	cat "$1"
	return "$(cat "$1.rc" 2>/dev/null || echo 1)"
}
(
	[ -f "$top/tools/irqspread/Makefile" ] && to "$host/irqspread" make -s -C "$top/tools/irqspread" test
	[ -f "$top/tools/tsqtop/Makefile" ] && to "$host/tsqtop" make -s -C "$top/tools/tsqtop" test
	[ -x "$top/bench/test.sh" ] && to "$host/bench" env TAP_DIR="$host/bench-tap" "$top/bench/test.sh"
	to "$host/packaging" env TAP_DIR="$host/packaging-tap" "$here/pkg.sh"
) &
host_pid=$!
phase "static checks (unit tests and packaging beside them)"
sub "static checks" "$here/check.sh"
wait "$host_pid"
phase "host unit tests and packaging: results"
[ -f "$top/tools/irqspread/Makefile" ] && tap_suite "irqspread unit tests" replay "$host/irqspread"
[ -f "$top/tools/tsqtop/Makefile" ] && tap_suite "tsqtop unit tests" replay "$host/tsqtop"
[ -x "$top/bench/test.sh" ] && tap_suite "bench unit tests" replay "$host/bench"
tap_suite "packaging" replay "$host/packaging"
rm -rf "$host"
phase "VM matrix: ${MATRIX:-six kernels and two PREEMPT_RT kernels x e1000e, plus 7/amd64 on igb}"
sub "VM matrix" "$here/vm/run.sh"

# The fleet path: the .debs installed with apt, DKMS, irqbalance,
# reboot, the udev re-apply and purge on one cell; the second kernel's
# DKMS build (half of its time) is left to make test-fleet and make soak.
phase "fleet: systemd guest, 6.1/amd64"
sub "fleet" env SYSTEMD_KERNEL2=0 "$here/vm/systemd.sh" 6.1/amd64

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
