# The bench proper, transport-independent: lay out the NIC, set up each
# configuration, sample the server around a wrk window, and hand the raw
# samples to report.  Needs srv/cli/cli_file (lib/transport.sh) and:
#   DEV SERVER_IP NCPU QUEUES NIC CONNS DURATION WARMUP REPEATS URLPATH
#   BULKPATH CONFIGS OUT  KO (module path on the server)
#   IRQSPREAD (its path on the server, or "")  SIRQTIME (1: softirq time
#   per vector through hist triggers)
#   LAYOUT=1 to set QUEUES channels, their IRQs and RPS (VM mode)
# shellcheck shell=bash

TSQ_STATS=/sys/kernel/debug/tsqsteal/stats
TRACEFS=/sys/kernel/tracing
SIRQ_EVENT=tsq_bench_sirq
# The three hist triggers, as written and (with a leading '!') removed.
SIRQ_ENTRY_TRIGGER='hist:keys=common_cpu:ts0=common_timestamp'
SIRQ_EXIT_TRIGGER="hist:keys=common_cpu:lat=common_timestamp-\$ts0:onmatch(irq.softirq_entry).trace($SIRQ_EVENT,\$lat,vec)"
SIRQ_HIST_TRIGGER='hist:keys=common_cpu,vec:vals=hitcount,lat:sort=common_cpu,vec:size=4096'

# The NIC's IRQ numbers with the queue each serves ("-" for the
# link/other vector): "IRQ QUEUE" per line.  Queue vectors are named
# DEV-rx-N, DEV-tx-N or DEV-TxRx-N (igb, ENA, virtio: DEV-input.N).
bench_irq_queues() {
	srv "awk -v d='$DEV' '\$NF ~ \"^\" d \"(-|\$)\" { i = \$1; sub(/:/, \"\", i); q = \$NF;
		if (match(q, /[-.][0-9]+\$/)) print i, substr(q, RSTART + 1); else print i, \"-\" }' /proc/interrupts"
}

# bench_channels: "MAX CURRENT" combined channels of DEV (ethtool -l lists
# the maximum first); nothing when the NIC does not say.
bench_channels() {
	srv "ethtool -l $DEV 2>/dev/null | awk '/^Combined:/ { c[n++] = \$2 } n == 2 { print c[0], c[1]; exit }'"
}

# bench_set_channels N: N combined channels, when the NIC can and has not.
bench_set_channels() {
	local max cur
	read -r max cur < <(bench_channels)
	[ -n "$cur" ] && [ "$cur" != "$1" ] || return 0
	srv "ethtool -L $DEV combined $1 && sleep 1" >/dev/null
}

# The seed's shape with QUEUES queues on NCPU CPUs: queue q's IRQs on the
# first CPU of its slice of NCPU/QUEUES CPUs, RPS of queue q on the rest
# of the slice, no XPS.  QUEUES=1 on 2 CPUs is AWS's documented
# one-queue setup: IRQs on CPU 0, RPS on CPU 1.
bench_layout() {
	local irq q cpu lo hi c mask
	[ "${LAYOUT:-0}" = 1 ] || return 0
	bench_set_channels "$QUEUES"
	while read -r irq q; do
		[ -n "$irq" ] || continue
		cpu=0
		[ "$q" = - ] || cpu=$((q * NCPU / QUEUES))
		srv "echo $cpu > /proc/irq/$irq/smp_affinity_list" >/dev/null
	done < <(bench_irq_queues)
	for q in $(seq 0 $((QUEUES - 1))); do
		lo=$((q * NCPU / QUEUES)) hi=$(((q + 1) * NCPU / QUEUES)) mask=0
		for c in $(seq $((lo + 1)) $((hi - 1))); do mask=$((mask | (1 << c))); done
		srv "echo $(printf '%x' $mask) > /sys/class/net/$DEV/queues/rx-$q/rps_cpus" >/dev/null 2>&1
	done
	srv "for x in /sys/class/net/$DEV/queues/tx-*/xps_cpus; do echo 0 > \$x; done 2>/dev/null; true" >/dev/null
}

# ideal: one queue per CPU (as many as the NIC has), queue i's IRQs on
# CPU i, its transmits from CPU i (XPS), no RPS.
bench_ideal() {
	local max cur irq q n
	read -r max cur < <(bench_channels)
	n=$NCPU
	[ "${max:-0}" -lt "$n" ] && n=${max:-0}
	if [ "$n" -le "$QUEUES" ]; then
		echo "needs more than $QUEUES NIC queue(s); $NIC offers ${max:-0}"
		return 2
	fi
	srv "ethtool -L $DEV combined $n && sleep 1" >/dev/null || return 1
	while read -r irq q; do
		[ -n "$irq" ] || continue
		[ "$q" = - ] && q=0
		srv "echo $((q % NCPU)) > /proc/irq/$irq/smp_affinity_list" >/dev/null
	done < <(bench_irq_queues)
	for q in $(seq 0 $((n - 1))); do
		srv "echo 0 > /sys/class/net/$DEV/queues/rx-$q/rps_cpus
			echo $(printf '%x' $((1 << q))) > /sys/class/net/$DEV/queues/tx-$q/xps_cpus" >/dev/null || return 1
	done
}

# Softirq time per vector and CPU, from the kernel's own tracepoints: a
# hist trigger pairs softirq_entry/exit on each CPU into a synthetic event
# whose histogram sums the nanoseconds by (cpu, vector).  Best effort: a
# kernel without hist triggers leaves the section empty and the report
# falls back to /proc/softirqs counts.
bench_sirq_start() {
	[ "${SIRQTIME:-1}" = 1 ] || return 0
	srv "T=$TRACEFS; [ -e \$T/trace ] || mount -t tracefs nodev \$T 2>/dev/null
		echo '$SIRQ_EVENT u64 lat; unsigned int vec' >> \$T/synthetic_events &&
		echo '$SIRQ_ENTRY_TRIGGER' >> \$T/events/irq/softirq_entry/trigger &&
		echo '$SIRQ_EXIT_TRIGGER' >> \$T/events/irq/softirq_exit/trigger &&
		echo '$SIRQ_HIST_TRIGGER' >> \$T/events/synthetic/$SIRQ_EVENT/trigger" \
		>/dev/null 2>&1 || { echo "bench: softirq time per vector unavailable (hist triggers)" >&2; bench_sirq_stop; }
}

bench_sirq_stop() {
	[ "${SIRQTIME:-1}" = 1 ] || return 0
	srv "T=$TRACEFS
		echo '!$SIRQ_HIST_TRIGGER' >> \$T/events/synthetic/$SIRQ_EVENT/trigger
		echo '!$SIRQ_EXIT_TRIGGER' >> \$T/events/irq/softirq_exit/trigger
		echo '!$SIRQ_ENTRY_TRIGGER' >> \$T/events/irq/softirq_entry/trigger
		echo '!$SIRQ_EVENT' >> \$T/synthetic_events; true" >/dev/null 2>&1
}

# The CPUs the NIC's IRQs are delivered to, as a CPU list.
bench_irq_cpus() {
	srv "for i in \$(awk -F: '/$DEV/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do
		cat /proc/irq/\$i/effective_affinity_list 2>/dev/null || cat /proc/irq/\$i/smp_affinity_list; done" |
		tr -s ' \n' ',,' | sed 's/^,//; s/,$//'
}

bench_snapshot() {
	srv "echo ==uptime; cat /proc/uptime; echo ==stat; cat /proc/stat; echo ==softirqs; cat /proc/softirqs; echo ==tsq;
		cat $TSQ_STATS 2>/dev/null; echo ==sirqtime;
		cat $TRACEFS/events/synthetic/$SIRQ_EVENT/hist 2>/dev/null
		echo ==snmp; cat /proc/net/snmp; echo ==netstat; cat /proc/net/netstat
		echo ==netdev; cat /proc/net/dev; echo ==softnet; cat /proc/net/softnet_stat
		echo ==interrupts; cat /proc/interrupts; echo ==end"
}

# config_setup NAME: 0 ready, 1 failed, 2 not available here (reason on stdout).
config_setup() {
	case "$1" in
	# stock-aa is stock again, set up and torn down the same way: the A/A
	# control whose paired ratio to stock is the rig's noise floor.
	stock | stock-aa) return 0 ;;
	threaded) srv "echo 1 > /sys/class/net/$DEV/threaded" >/dev/null ;;
	tsq-spread) srv "insmod $KO policy=spread" ;;
	tsq-home) srv "insmod $KO policy=home" ;;
	# The mechanism alone: redirect, queue, kick and NAPI drain, every
	# socket on the CPU that freed it, as stock does (issue 18's control).
	tsq-local) srv "insmod $KO policy=local" ;;
	tsq-local-queued) srv "insmod $KO policy=local step_aside=0" ;;
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
	ideal | tsq-ideal)
		if [ "${LAYOUT:-0}" != 1 ]; then
			echo "changes the NIC's channels and IRQ layout; runs only with LAYOUT=1"
			return 2
		fi
		bench_ideal || return $?
		# No bottleneck to remove: the module as loaded by default must cost nothing.
		[ "$1" = ideal ] || srv "insmod $KO"
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

# URLPATH is one path or a comma list that wrk's requests cycle through
# (latency.lua); the first also forms the URL.
bench_wrk() {
	local paths
	read -r -a paths <<<"${URLPATH//,/ }"
	cli wrk -t1 -c"$CONNS" -d"$1"s --latency --timeout 10s -s "$BENCH_LUA" \
		"http://$SERVER_IP/${paths[0]}" -- "${paths[@]/#//}"
}

# bench_bulk SECONDS: one bulk TCP stream beside wrk, BULKPATH downloaded
# back to back until the window ends; one "BYTES SECONDS" line per
# download (the last one cut at the window's end, its bytes counted).
bench_bulk() {
	[ -n "${BULKPATH:-}" ] || return 0
	cli sh -c "end=\$((\$(date +%s) + $1))
		while now=\$(date +%s); [ \$now -lt \$end ]; do
			curl -s -o /dev/null --max-time \$((end - now)) -w '%{size_download} %{time_total}\\n' \
				http://$SERVER_IP/$BULKPATH
		done"
}

# bench_state: what a window's configuration is made of on the server:
# tsqsteal's policy (none when not loaded), the NIC's threaded NAPI, and
# the layout (every NIC IRQ's affinity by name, RPS and XPS per queue).
bench_state() {
	srv "echo ==state
		echo module \$(cat /sys/module/tsqsteal/parameters/policy 2>/dev/null || echo none)
		echo threaded \$(cat /sys/class/net/$DEV/threaded 2>/dev/null || echo 0)
		awk '/$DEV/ { i = \$1; sub(/:/, \"\", i); print i, \$NF }' /proc/interrupts | while read -r i n; do
			echo irq \$n \$(cat /proc/irq/\$i/smp_affinity_list); done | sort
		for f in /sys/class/net/$DEV/queues/*/rps_cpus /sys/class/net/$DEV/queues/*/xps_cpus; do
			echo \${f#/sys/class/net/$DEV/queues/} \$(cat \$f 2>/dev/null); done"
}

# layout_of: the layout lines of bench_state's output (stdin).
layout_of() { grep -v '^module \|^threaded \|^==state'; }

# bench_state_check CONFIG: 0 when the server is in CONFIG's state: the
# module loaded with CONFIG's policy or not at all, threaded NAPI only for
# `threaded`, and, for configurations that do not change the layout, the
# layout as bench_main recorded it at the start ($OUT/state.layout).
# Otherwise 1, with what is wrong on stdout.
bench_state_check() {
	local want thr=0 got
	case "$1" in
	tsq-spread | tsq-threaded | tsq-spread-x10 | tsq+tuned) want=spread ;;
	tsq-home) want=home ;;
	tsq-local | tsq-local-queued) want=local ;;
	tsq-ideal) want=any ;;
	*) want=none ;;
	esac
	[ "$1" = threaded ] && thr=1
	got=$(bench_state)
	case "$want $(echo "$got" | awk '$1 == "module" { print $2 }')" in
	"none none" | "any "[!n]* | "$want $want") ;;
	*) echo "module policy $(echo "$got" | awk '$1 == "module" { print $2 }'), want $want"; return 1 ;;
	esac
	if ! echo "$got" | grep -qx "threaded $thr"; then
		echo "threaded NAPI $(echo "$got" | awk '$1 == "threaded" { print $2 }'), want $thr"
		return 1
	fi
	case "$1" in tuned | tsq+tuned | ideal | tsq-ideal) return 0 ;; esac
	if [ "$(echo "$got" | layout_of)" != "$(cat "$OUT/state.layout")" ]; then
		echo "NIC layout differs from the start: $(diff "$OUT/state.layout" <(echo "$got" | layout_of) |
			grep '^[<>]' | tr '\n' ' ')"
		return 1
	fi
}

# bench_window CONFIG REP POS: one measured window into $OUT/CONFIG-REP/,
# the POSth of block REP; its times, block and position in window.env.
bench_window() {
	local cfg=$1 rep=$2 d="$OUT/$1-$2" irq why rc bulk
	mkdir -p "$d"
	printf 'block=%s\nposition=%s\nstart=%s\n' "$rep" "$3" "$(date +%s.%N)" >"$d/window.env"
	# Each window starts without the TCP metrics the last one cached, or
	# is discarded.  ip by path: the guest's busybox sh would run its own
	# ip applet, which has no tcp_metrics.
	if ! srv "for ip in /sbin/ip /usr/sbin/ip /bin/ip /usr/bin/ip; do [ -x \$ip ] && exec \$ip tcp_metrics flush all; done; exit 1" \
		>/dev/null 2>&1; then
		printf '%s\t%s\t-\t-\tdiscarded\tip tcp_metrics flush all failed\n' "$cfg" "$rep" >>"$OUT/runs.tsv"
		echo "bench: $cfg #$rep: window discarded: ip tcp_metrics flush all failed" >&2
		return 0
	fi
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
	if ! why=$(bench_state_check "$cfg"); then
		printf '%s\t%s\t-\t-\tdiscarded\t%s\n' "$cfg" "$rep" "$(echo "$why" | tr '\t\n' '  ')" >>"$OUT/runs.tsv"
		config_teardown "$cfg" >/dev/null 2>&1
		echo "bench: $cfg #$rep: window discarded: $why" >&2
		return 0
	fi
	irq=$(bench_irq_cpus)
	bench_snapshot >"$d/snap.0"
	bench_bulk "$DURATION" >"$d/bulk.txt" 2>/dev/null &
	bulk=$!
	bench_wrk "$DURATION" >"$d/wrk.txt" 2>&1
	wait "$bulk"
	bench_snapshot >"$d/snap.1"
	echo "end=$(date +%s.%N)" >>"$d/window.env"
	config_teardown "$cfg"
	printf '%s\t%s\t%s\t%s\tok\n' "$cfg" "$rep" "$cfg-$rep" "${irq:-0}" >>"$OUT/runs.tsv"
	echo "bench: $cfg #$rep: $(awk '/^Requests\/sec/ { r = $2 } /^Transfer\/sec/ { t = $2 }
		END { print r " req/s, " t "/s" }' "$d/wrk.txt")" >&2
}

# bench_order SEED BLOCK N: a permutation of 0..N-1, block BLOCK's order
# (Fisher-Yates on a 31-bit LCG seeded by SEED and BLOCK: the same on
# every machine, so a run's orders follow from the seed it records).
bench_order() {
	local x=$((($1 * 1000003 + $2) % 2147483648)) n=$3 i j t
	local -a a
	for ((i = 0; i < n; i++)); do a[i]=$i; done
	for ((i = n - 1; i > 0; i--)); do
		x=$(((x * 1103515245 + 12345) % 2147483648))
		j=$(((x >> 16) % (i + 1)))
		t=${a[i]} a[i]=${a[j]} a[j]=$t
	done
	echo "${a[@]}"
}

# bench_main: REPEATS blocks, each running every configuration once in an
# order shuffled per block (bench_order, SEED), so no configuration
# always runs first, after a warm-up or after another.
bench_main() {
	local rep pos i cfgs
	read -r -a cfgs <<<"${CONFIGS//,/ }"
	: >"$OUT/runs.tsv"
	bench_layout
	bench_state | layout_of >"$OUT/state.layout"
	bench_sirq_start
	for rep in $(seq "$REPEATS"); do
		pos=0
		for i in $(bench_order "$SEED" "$rep" "${#cfgs[@]}"); do
			pos=$((pos + 1))
			bench_window "${cfgs[i]}" "$rep" "$pos"
		done
	done
	bench_sirq_stop
}
