# The bench proper, transport-independent: lay out the NIC, set up each
# configuration, sample the server around a wrk window, and hand the raw
# samples to report.  Needs srv/cli/cli_file (lib/transport.sh) and:
#   DEV SERVER_IP NCPU CONNS DURATION WARMUP REPEATS URLPATH CONFIGS OUT
#   KO (module path on the server)  IRQSPREAD (its path on the server, or "")
#   LAYOUT=1 to pin the NIC IRQs to CPU 0 and RPS to the rest (VM mode)
# shellcheck shell=bash

TSQ_STATS=/sys/kernel/debug/tsqsteal/stats

# Every NIC IRQ of DEV on CPU 0, RPS on every other CPU: the AWS-documented
# shape with one queue, so stock TSQ work lands on CPU 0.
bench_layout() {
	local mask
	[ "${LAYOUT:-0}" = 1 ] || return 0
	mask=$(printf '%x' $(((1 << NCPU) - 2)))
	srv "for i in \$(awk -F: '/$DEV/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do
		echo 0 > /proc/irq/\$i/smp_affinity_list; done
	for q in /sys/class/net/$DEV/queues/rx-*; do echo $mask > \$q/rps_cpus; done" >/dev/null
}

# The CPUs the NIC's IRQs are delivered to, as a CPU list.
bench_irq_cpus() {
	srv "for i in \$(awk -F: '/$DEV/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do
		cat /proc/irq/\$i/effective_affinity_list 2>/dev/null || cat /proc/irq/\$i/smp_affinity_list; done" |
		tr -s ' \n' ',,' | sed 's/^,//; s/,$//'
}

bench_snapshot() {
	srv "echo ==stat; cat /proc/stat; echo ==softirqs; cat /proc/softirqs; echo ==tsq;
		cat $TSQ_STATS 2>/dev/null; echo ==end"
}

# config_setup NAME: 0 ready, 1 failed, 2 not available here (reason on stdout).
config_setup() {
	case "$1" in
	stock) return 0 ;;
	threaded) srv "echo 1 > /sys/class/net/$DEV/threaded" >/dev/null ;;
	tsq-spread) srv "insmod $KO policy=spread" ;;
	tsq-home) srv "insmod $KO policy=home" ;;
	tsq-threaded) srv "insmod $KO policy=spread threaded=1" ;;
	# The module's time limits are for real hardware (a deferred xmit takes
	# microseconds); under TCG it takes ~100x longer, so a 1 ms poll limit
	# stops after a socket or two and a 2 ms starvation limit fires on every
	# host deschedule of a vCPU.  This row scales both by 10 and says so.
	tsq-spread-x10) srv "insmod $KO policy=spread drain_us=10000 starve_us=20000" ;;
	tuned | tsq+tuned)
		if [ -z "$IRQSPREAD" ] || ! srv "test -x $IRQSPREAD" >/dev/null; then
			echo "irqspread not in the guest image"
			return 2
		fi
		srv "$IRQSPREAD save /tmp/bench-irqspread.json $DEV && $IRQSPREAD apply $DEV --policy spread" || return 1
		[ "$1" = tuned ] || srv "insmod $KO policy=spread"
		;;
	ideal)
		echo "needs one NIC queue per vCPU; QEMU e1000e has one queue pair"
		return 2
		;;
	*)
		echo "unknown configuration"
		return 2
		;;
	esac
}

config_teardown() {
	case "$1" in
	threaded) srv "echo 0 > /sys/class/net/$DEV/threaded" >/dev/null ;;
	tsq-*) srv "rmmod tsqsteal" >/dev/null ;;
	tuned | tsq+tuned)
		[ "$1" = tuned ] || srv "rmmod tsqsteal" >/dev/null
		srv "$IRQSPREAD restore /tmp/bench-irqspread.json" >/dev/null
		;;
	esac
	bench_layout
}

bench_wrk() {
	cli wrk -t1 -c"$CONNS" -d"$1"s --latency --timeout 10s -s "$BENCH_LUA" \
		"http://$SERVER_IP/$URLPATH"
}

# bench_window CONFIG REP: one measured window into $OUT/CONFIG-REP/.
bench_window() {
	local cfg=$1 rep=$2 d="$OUT/$1-$2" irq why rc
	mkdir -p "$d"
	why=$(config_setup "$cfg" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		[ $rc -eq 2 ] && st=skipped || st=failed
		printf '%s\t%s\t-\t-\t%s\t%s\n' "$cfg" "$rep" "$st" "$(echo "$why" | tr '\t\n' '  ')" >>"$OUT/runs.tsv"
		[ $rc -eq 1 ] && config_teardown "$cfg" >/dev/null 2>&1
		echo "bench: $cfg: $st: $why" >&2
		return 0
	fi
	[ "$WARMUP" -gt 0 ] && bench_wrk "$WARMUP" >"$d/warmup.txt" 2>&1
	irq=$(bench_irq_cpus)
	bench_snapshot >"$d/snap.0"
	bench_wrk "$DURATION" >"$d/wrk.txt" 2>&1
	bench_snapshot >"$d/snap.1"
	config_teardown "$cfg"
	printf '%s\t%s\t%s\t%s\tok\n' "$cfg" "$rep" "$cfg-$rep" "${irq:-0}" >>"$OUT/runs.tsv"
	echo "bench: $cfg #$rep: $(awk '/^Requests\/sec/ { r = $2 } /^Transfer\/sec/ { t = $2 }
		END { print r " req/s, " t "/s" }' "$d/wrk.txt")" >&2
}

# bench_main: every configuration REPEATS times, the order rotated each
# repeat so no configuration always runs first (or right after a warm-up).
bench_main() {
	local rep i n cfgs
	read -r -a cfgs <<<"${CONFIGS//,/ }"
	n=${#cfgs[@]}
	: >"$OUT/runs.tsv"
	bench_layout
	for rep in $(seq "$REPEATS"); do
		for i in $(seq 0 $((n - 1))); do
			bench_window "${cfgs[$(((i + rep - 1) % n))]}" "$rep"
		done
	done
}
