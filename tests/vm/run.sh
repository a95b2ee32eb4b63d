#!/usr/bin/env bash
# run.sh: the VM test matrix.  For each cell (kernel series / arch):
# fetch its Debian kernel, build the module in the suite's chroot, pack
# the guest, boot it with a multi-queue NIC and run tests/vm/scenarios/*.sh,
# each in a process of its own under a watchdog; after each, scan the
# kernel log written meanwhile and reset the guest.  One TAP line per check.
#
#   MATRIX="6.1/amd64 7/arm64"   cells to run (default: all six, two
#                                PREEMPT_RT cells and igb)
#   QUICK=1 / SOAK=1             shorter / longer traffic
#   SCENARIOS="10 20"            scenario prefixes to run (default: all)
#   TSQ_MODULE_SRC=DIR           module sources to test (default module/;
#                                tests/mutate.sh points it at a mutant)
#   SELFTEST=0                   skip the harness's own checks (the canary
#                                and a scenario that dies), run at the end
#                                of the first cell
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# SERIES-rt: Debian's PREEMPT_RT flavour of that series (fetch.sh).
MATRIX=${MATRIX:-"6.1/amd64 6.1/arm64 6.12/amd64 6.12/arm64 7/amd64 7/arm64 6.1-rt/amd64 6.12-rt/arm64 7/amd64/igb"}
# Longest scenario seen: 50-starve, 324 s in soak.  The watchdog catches a
# guest that stops answering long before this.
if [ -n "${SOAK:-}" ]; then SCEN_TIMEOUT=${SCEN_TIMEOUT:-1800}; else SCEN_TIMEOUT=${SCEN_TIMEOUT:-600}; fi
# make test's split of the two long scenarios (run_cell); soak runs both
# on every cell.  Reliability moves data (165 s on an arm64 cell, 105 on
# amd64), starvation waits out fixed windows (107 s on either): the arm64
# cells that pay more for data take the starvation scenario.  The RT
# cells run both in soak (and in the runs of docs/testing.md).
STARVE_CELLS=${STARVE_CELLS:-"6.1/arm64 6.12/amd64 7/arm64"}
RELIABILITY_CELLS=${RELIABILITY_CELLS:-"6.1/amd64 6.12/arm64 7/amd64"}
# A guest whose agent has not answered for this long is hung.
HANG_SECONDS=${HANG_SECONDS:-90}
export TSQ_RUN_DIR="$top/build/run"
LOGS="$top/build/test-logs"
rm -rf "$TSQ_RUN_DIR"
mkdir -p "$TSQ_RUN_DIR" "$LOGS"
export TAP_DIR="$TSQ_RUN_DIR/tap"
mkdir -p "$TAP_DIR"
# Guests of the test run throttle TSQ at 32 KiB (guest/init).
export TSQ_TLOB=${TSQ_TLOB:-32768}

. "$here/lib/tap.sh"
. "$here/lib/vm.sh"
. "$here/lib/helpers.sh"
. "$here/lib/scen.sh"

# Debug options Debian's kernels have but leave off: slab poisoning and
# red zones, page poisoning, a panic on a hung task or a soft lockup (the
# watchdog then sees the guest gone at once), KFENCE where built in.
# TSQ_DEBUG_APPEND replaces the list (the KFENCE part stays).
debug_append() {
	local cfg=$1 a=${TSQ_DEBUG_APPEND-"hung_task_panic=1 softlockup_panic=1 slub_debug=FZPU page_poison=1"}
	grep -q '^CONFIG_KFENCE=y' "$cfg" 2>/dev/null && a="$a kfence.sample_interval=100"
	echo "$a"
}

# guest_taint: the kernel's taint mask, or "?" if the guest does not answer.
guest_taint() {
	GUEST_TIMEOUT=20 guest "cat /proc/sys/kernel/tainted" 2>/dev/null | tr -dc 0-9 || true
}

# klog_step NAME: the kernel log written since the last step (dmesg read
# and cleared in the guest, and the console from where the last step
# ended, for what a dying guest printed) scanned, and the taint bits that
# appeared: anything but O (4096, out-of-tree module) and E (8192,
# unsigned module) fails.  One TAP line naming the step.
KLOG_OFF=0
TAINT_LAST=0
klog_step() {
	local step=$1 f="$log/klog-$1.log" bad t new
	: >"$f"
	vm_alive && GUEST_TIMEOUT=20 guest "dmesg -c" >>"$f" 2>&1
	tail -c +"$((KLOG_OFF + 1))" "$log/console.log" >>"$f" 2>/dev/null
	KLOG_OFF=$(stat -c %s "$log/console.log" 2>/dev/null || echo 0)
	bad=$(grep -E "$KLOG_BAD" "$f" | head -n 20)
	t=$(guest_taint)
	new=0
	if [ -n "$t" ]; then
		new=$(((t & ~TAINT_LAST) & ~(4096 | 8192)))
		TAINT_LAST=$t
	fi
	if [ -z "$bad" ] && [ "$new" -eq 0 ]; then
		tap_ok "$CELL: $step: kernel log clean (scanned: $KLOG_SCANNED; taint ${t:-unread})"
	else
		tap_fail "$CELL: $step: kernel log clean (scanned: $KLOG_SCANNED; new taint bits $new)" "$bad"
	fi
}

# guest_reset: what a scenario may have changed, put back, on failure
# too, so the next one starts from the cell's state: module unloaded,
# every CPU online, no hog, NIC IRQs on IRQ_CPUS, no RPS/RFS, nginx on
# every CPU, tracing off, RT throttling and TCP sysctls at their values.
guest_reset() {
	GUEST_TIMEOUT=60 guest "
		if pidof tsqhog >/dev/null; then
			echo 'reset: a tsqhog was still running'
			( $HOG_KILL ) || exit 1
		fi
		for c in /sys/devices/system/cpu/cpu[0-9]*/online; do
			[ \"\$(cat \$c)\" = 1 ] || echo 1 >\$c
		done
		if [ -d /sys/module/tsqsteal ]; then
			echo 'reset: tsqsteal was still loaded'
			rmmod tsqsteal || exit 1
		fi
		for i in \$(awk -F: '/eth0/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do
			echo $IRQ_CPUS >/proc/irq/\$i/smp_affinity_list
		done
		for q in /sys/class/net/eth0/queues/rx-*; do
			echo 0 >\$q/rps_cpus; echo 0 >\$q/rps_flow_cnt
		done
		echo 0 >/proc/sys/net/core/rps_sock_flow_entries
		all=\$(printf %x \$(((1 << \$(nproc)) - 1)))
		for p in \$(pidof nginx); do taskset -p \$all \$p >/dev/null; done
		tr=/sys/kernel/tracing; [ -d \$tr/events ] || tr=/sys/kernel/debug/tracing
		echo 0 >\$tr/events/enable; echo >\$tr/trace
		echo 950000 >/proc/sys/kernel/sched_rt_runtime_us
		sysctl -qw net.ipv4.tcp_congestion_control=cubic
		cat /etc/tsq/tcp_mem.boot >/proc/sys/net/ipv4/tcp_mem
		ip -6 addr flush dev eth0 scope global 2>/dev/null
		[ -n \"\$TLOB\" ] || . /etc/tsq/guest.env
		[ -z \"\$TLOB\" ] || echo \$TLOB >/proc/sys/net/ipv4/tcp_limit_output_bytes
		tc qdisc del dev eth0 root 2>/dev/null
		pidof nginx >/dev/null || { echo 'reset: nginx is gone'; exit 1; }
		exit 0"
}

# run_scenario FILE [NAME]: FILE in a process of its own (tests/vm/scenario.sh)
# with a watchdog: it fails, by name, when it dies before its end, runs
# over SCEN_TIMEOUT, or the guest stops answering for HANG_SECONDS or
# dies (a hung task or soft lockup panics it: hung_task_panic=1).
run_scenario() {
	local s=$1 name=${2:-$(basename "$1" .sh)} spid rc t0=$SECONDS why="" miss=0 last_ping=$SECONDS
	export TSQ_SCEN_SENTINEL="$TSQ_RUN_DIR/sentinel-$name"
	rm -f "$TSQ_SCEN_SENTINEL"
	setsid "$here/scenario.sh" "$s" &
	spid=$!
	while kill -0 "$spid" 2>/dev/null; do
		sleep 2
		if ! vm_alive; then
			why="the guest died (console: $log/console.log)"
		elif [ $((SECONDS - t0)) -gt "$SCEN_TIMEOUT" ]; then
			why="over its ${SCEN_TIMEOUT}s timeout"
		elif [ $((SECONDS - last_ping)) -ge 15 ]; then
			last_ping=$SECONDS
			if GUEST_TIMEOUT=15 guest true >/dev/null 2>&1; then
				miss=0
			else
				miss=$((miss + 15))
				[ "$miss" -ge "$HANG_SECONDS" ] && why="the guest did not answer for ${miss}s"
			fi
		fi
		if [ -n "$why" ]; then
			kill -TERM -- "-$spid" 2>/dev/null
			sleep 2
			kill -KILL -- "-$spid" 2>/dev/null
			break
		fi
	done
	wait "$spid"
	rc=$?
	echo "# $CELL: scenario $name took $((SECONDS - t0))s"
	if [ -n "$why" ]; then
		tap_fail "$CELL: scenario $name: stopped after $((SECONDS - t0))s: $why" \
			"$(tail -n 30 "$log/console.log")"
	elif [ ! -f "$TSQ_SCEN_SENTINEL" ]; then
		tap_fail "$CELL: scenario $name died before its end (exit $rc)"
	fi
	[ -z "$why" ] && [ -f "$TSQ_SCEN_SENTINEL" ]
}

# debug_checks CONFIG: on a kernel built with kmemleak or lockdep (the
# debug cell, debugkernel.sh), what they saw over the whole run.  kmemleak:
# two scans after the scenarios, and no unreferenced object whose
# allocation backtrace (one %pS per line) has a frame of the module: named
# tsqsteal while it is loaded, a bare 0x address once it is gone (nothing
# else is unloaded).
# lockdep: still on at the end, or a report turned it off (the log scan
# fails that report) and the rest of the run was not checked.
debug_checks() {
	local cfg=$1 f="$log/kmemleak.log" all mine
	if grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$cfg"; then
		GUEST_TIMEOUT=600 guest "k=/sys/kernel/debug/kmemleak
			echo scan >\$k && sleep 6 && echo scan >\$k && cat \$k && echo TSQ-KMEMLEAK-SCANNED" >"$f" 2>&1
		all=$(grep -c '^unreferenced object' "$f")
		mine=$(awk '/^unreferenced object/ { obj = $0; hit = 0 }
			/tsqsteal|^ +0x[0-9a-f]+$/ && !hit && obj != "" { print obj; hit = 1 }' "$f")
		if [ -z "$mine" ] && grep -q '^TSQ-KMEMLEAK-SCANNED$' "$f"; then
			tap_ok "$CELL: kmemleak: nothing of the module unreferenced after the scenarios ($all unreferenced objects in all: $f)"
		else
			tap_fail "$CELL: kmemleak: nothing of the module unreferenced after the scenarios" \
				"$(printf '%s\n' "$mine" | head -n 5; tail -n 5 "$f")"
		fi
	fi
	if grep -q '^CONFIG_LOCKDEP=y' "$cfg"; then
		check "$CELL: lockdep still on after the scenarios (debug_locks 1)" \
			guest "grep -Eq 'debug_locks: +1\$' /proc/lockdep_stats"
	fi
}

# selftest: the harness must fail what it exists to catch.  In a scratch
# TAP directory, so that the expected failures do not count: a scenario
# that dies of an unbound variable, then the canary (a module that WARNs
# at load, tests/mutations/canary-warn.patch), which taints the kernel
# and so runs last.
selftest() {
	local main_tap=$TAP_DIR scratch="$TSQ_RUN_DIR/selftest" out
	rm -rf "$scratch"
	mkdir -p "$scratch/tap"
	cat >"$scratch/99-dies.sh" <<'SCEN'
check "$CELL: selftest: a check before the crash" true
n=$(tsq_stat enqueued)   # NA: the module is not loaded
echo "$((n + undefined_counter))"
check "$CELL: selftest: a check after the crash" true
SCEN
	TAP_DIR="$scratch/tap"
	out=$(run_scenario "$scratch/99-dies.sh" 99-dies 2>&1)
	TAP_DIR=$main_tap
	if grep -q "not ok .*scenario 99-dies died before its end" <<<"$out" &&
		! grep -q "after the crash" <<<"$out"; then
		tap_ok "$CELL: selftest: a scenario that dies of an unbound variable fails by name"
	else
		tap_fail "$CELL: selftest: a scenario that dies of an unbound variable fails by name" "$out"
	fi
	if ! guest "test -f /opt/tsq/tsqsteal-canary.ko" >/dev/null; then
		tap_fail "$CELL: selftest: canary module in the guest image"
		return
	fi
	klog_step selftest-before-canary
	TAP_DIR="$scratch/tap"
	cat >"$scratch/98-canary.sh" <<'SCEN'
check "$CELL: canary: insmod" guest "insmod /opt/tsq/tsqsteal-canary.ko && rmmod tsqsteal"
SCEN
	out=$(run_scenario "$scratch/98-canary.sh" 98-canary 2>&1; klog_step canary 2>&1)
	TAP_DIR=$main_tap
	if grep -q "not ok .*canary: kernel log clean" <<<"$out" && grep -q "deliberately broken" "$log/klog-canary.log"; then
		tap_ok "$CELL: selftest: the canary's WARN fails the kernel-log scan"
	else
		tap_fail "$CELL: selftest: the canary's WARN fails the kernel-log scan" "$out"
	fi
}

# run_cell SERIES/ARCH[/NIC]: NIC e1000e (default) or igb.
run_cell() {
	local label=$1 series arch nic rest cell name dir log s
	IFS=/ read -r series arch nic rest <<<"$label"
	case "${nic:-e1000e}/$rest" in
	e1000e/ | igb/) ;;
	*)
		tap_fail "$label: matrix cell" "want SERIES/ARCH or SERIES/ARCH/igb|e1000e"
		return
		;;
	esac
	export VM_NIC=${nic:-e1000e}
	cell=$series/$arch
	name=$series-$arch
	dir="$top/build/cells/$name"
	log="$LOGS/${label//\//-}"
	rm -rf "$log"
	mkdir -p "$log" "$dir"
	export CELL=$label

	if ! "$here/fetch.sh" "$cell" >"$log/fetch.log" 2>&1; then
		tap_fail "$label: fetch kernel packages" "$(tail -n 5 "$log/fetch.log")"
		return
	fi
	# shellcheck disable=SC1091
	. "$dir/cell.env"
	tap_ok "$label: kernel $KVER (package $KPKG_VERSION) from $SUITE fetched"

	# W=1 and sparse on every cell; the static checks built 6.1/amd64
	# the same way, and the build cache hands that one back.
	if "$here/build.sh" "$cell" W=1 C=2 >"$log/build.log" 2>&1 &&
		! grep -E 'warning:|error:' "$dir/build.log" | grep -qv 'Skipping BTF'; then
		tap_ok "$label: module builds with W=1 and sparse (C=2), no warnings"
	else
		tap_fail "$label: module builds with W=1 and sparse (C=2), no warnings" \
			"$(grep -E -m5 'warning:|error' "$dir/build.log" "$log/build.log")"
		return
	fi
	rm -f "$dir/tsqsteal-canary.ko" "$dir/tsqsteal-untested.ko"
	# The module built as if no kernel series were tested (10-load.sh).
	if ! "$here/../mutate.sh" --build-only "$here/fixtures/untested-kernel.patch" "$cell" \
		"$dir/tsqsteal-untested.ko" >"$log/untested-build.log" 2>&1; then
		tap_fail "$label: the untested-kernel build of the module" "$(tail -n 10 "$log/untested-build.log")"
	fi
	local selftest_here=""
	if [ "${SELFTEST:-1}" = 1 ] && [ -z "${SELFTEST_DONE:-}" ] && [ -z "${TSQ_MODULE_SRC:-}" ]; then
		if "$here/../mutate.sh" --build-only "$top/tests/mutations/canary-warn.patch" "$cell" \
			"$dir/tsqsteal-canary.ko" >"$log/canary-build.log" 2>&1; then
			selftest_here=1
		else
			tap_fail "$label: selftest: canary module builds" "$(tail -n 10 "$log/canary-build.log")"
		fi
	fi
	if ! guest_helpers "$dir" "$ARCH" >"$log/helpers.log" 2>&1 ||
		! "$here/initramfs.sh" "$cell" >"$log/initramfs.log" 2>&1; then
		tap_fail "$label: guest image" "$(tail -n 5 "$log/initramfs.log" "$log/helpers.log")"
		return
	fi

	echo "# $label: fetch, builds and guest image took $((SECONDS - cell_t0))s"
	local kcfg
	kcfg=$(dirname "$VMLINUZ")/config-$KVER
	[ -f "$kcfg" ] || kcfg=$MODDIR/config     # sid: beside the modules
	klog_setup "$kcfg"
	VM_APPEND="$(debug_append "$kcfg") ${TSQ_VM_APPEND:-}"
	local t_boot=$SECONDS boot_timeout=$VM_BOOT_TIMEOUT
	# The debug kernel (KASAN, lockdep) boots several times slower.
	case "$series" in *-debug) VM_BOOT_TIMEOUT=$((boot_timeout * 4)) ;; esac
	if ! vm_boot "$dir" "$log"; then
		VM_BOOT_TIMEOUT=$boot_timeout
		tap_fail "$label: guest boots (2 tries)" "$(tail -n 50 "$log/console.log")"
		vm_stop
		return
	fi
	VM_BOOT_TIMEOUT=$boot_timeout
	export CELL=$label     # cell.env, sourced by vm_start, names the kernel cell only
	export VM_NS VM_PID VM_CONSOLE
	tap_ok "$label: guest boots ($VM_ACCEL, $VM_CPUS vCPUs, $VM_NIC, ${VM_BOOT_SECONDS}s, boot $VM_BOOTS of 2; $VM_APPEND)"
	echo "ACCEL=$VM_ACCEL" >>"$log/cell.env"
	KLOG_OFF=0
	TAINT_LAST=0

	# ENA-like: every NIC interrupt on CPU 0, so TX completions, tcp_wfree
	# and stock TSQ work all land there.
	export IRQ_CPUS=0
	guest "for i in \$(awk -F: '/eth0/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do
		echo $IRQ_CPUS > /proc/irq/\$i/smp_affinity_list; done" >/dev/null
	klog_step boot
	echo "# $label: boot to first scenario took $((SECONDS - t_boot))s"

	# The igb cell is there for the NIC: what does not depend on it (load
	# and parameter checks, starvation, hotplug, reliability) runs on the e1000e cells,
	# and on igb too in soak.
	local skip=""
	[ "$VM_NIC" = igb ] && [ -z "${SOAK:-}" ] && skip=" 10 30 50 60 80 "
	# The starvation (2-3 minutes a cell) and reliability (2-4) scenarios
	# split the e1000e cells between them in make test: each runs once per
	# kernel series, on both archs among them; soak runs both everywhere,
	# and so does a run whose SCENARIOS names them (tests/mutate.sh).
	if [ -z "${SOAK:-}" ] && [ -z "${SCENARIOS:-}" ] && [ "$VM_NIC" != igb ]; then
		case " $STARVE_CELLS " in *" $label "*) ;; *) skip="$skip 50 " ;; esac
		case " $RELIABILITY_CELLS " in *" $label "*) ;; *) skip="$skip 80 " ;; esac
	fi
	local rest_failed=""
	for s in "$here"/scenarios/*.sh; do
		local sn
		sn=$(basename "$s" .sh)
		if [ -n "${SCENARIOS:-}" ]; then
			case " $SCENARIOS " in *" ${sn:0:2} "*) ;; *) continue ;; esac
		fi
		case "$skip" in *" ${sn:0:2} "*)
			if [ "$VM_NIC" = igb ]; then
				tap_skip "$label: scenario $sn" "NIC-independent: runs on the e1000e cells (and here in soak)"
			else
				local on=$STARVE_CELLS
				[ "${sn:0:2}" = 80 ] && on=$RELIABILITY_CELLS
				tap_skip "$label: scenario $sn" "make test runs it on $on; soak on every cell"
			fi
			continue ;;
		esac
		if [ -n "$rest_failed" ]; then
			tap_fail "$label: scenario $sn not run: $rest_failed"
			continue
		fi
		echo "# $label: scenario $sn"
		run_scenario "$s"
		if ! vm_alive; then
			klog_step "$sn"
			rest_failed="the guest died in an earlier scenario"
			continue
		fi
		local r t_reset=$SECONDS
		if ! r=$(guest_reset 2>&1); then
			tap_fail "$label: $sn: guest state reset after the scenario" "$r"
		elif [ -n "$r" ]; then
			tap_fail "$label: $sn: scenario left the guest as it found it" "$r"
		fi
		klog_step "$sn"
		echo "# $label: reset and log scan after $sn took $((SECONDS - t_reset))s"
	done

	if vm_alive; then
		local t_dbg=$SECONDS
		debug_checks "$kcfg"
		echo "# $label: debug checks took $((SECONDS - t_dbg))s"
	fi
	if [ -n "$selftest_here" ] && vm_alive; then
		local t_self=$SECONDS
		selftest
		echo "# $label: selftest took $((SECONDS - t_self))s"
		SELFTEST_DONE=1
	fi
	guest dmesg >"$log/dmesg.log" 2>&1 || true
	local t_stop=$SECONDS
	vm_stop
	echo "# $label: guest stopped in $((SECONDS - t_stop))s"
}

for cell in $MATRIX; do
	echo "# === $cell"
	cell_t0=$SECONDS
	run_cell "$cell"
	echo "# $cell took $((SECONDS - cell_t0))s"
done
tap_summary
