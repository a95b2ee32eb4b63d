# shellcheck shell=bash disable=SC2154
# Reliability: the module under what production does to it.  Every flow is
# SHA-256 checked; after the traffic parts every queued socket must have
# been handed back and sockets come back to their baseline; the runner
# scans the kernel log after the scenario.
#
#   parameter storm   enable/policy/cpus/threaded/budget rewritten every
#                     0.3 s under flows (T_STORM s)
#   rmmod racing      a parameter writer running while rmmod runs
#   insmod under      load while flows run, unload while they still run
#   idle cycles       T_IDLE_CYCLES insmod/rmmod, then nothing of the
#                     module left: ftrace hook, cpuhp state, NAPI threads,
#                     debugfs; percpu memory back where it was
#   hotplug           two CPUs at once; a CPU outside cpus=
#   churn and aborts  Connection: close, clients that hang up mid-body,
#                     sockets destroyed under load by ss -K
#   fq + BBR          pacing qdisc and BBR instead of pfifo_fast/cubic
#   netem             loss, reordering, delay and a rate limit on eth0
#   2000 connections  queues longer than the budget: steals happen
#   IPv6              bulk over IPv6
#   memory pressure   tcp_mem at its floor, nginx in a 48 MiB memcg, and
#                     400 MiB through tmpfs (no disk: not a page-cache
#                     flood): flows intact, no OOM kill

ncpu=$(guest nproc)
last=$((ncpu - 1))
base_tcp=$(tcp_inuse)
S=$(mktemp -d)
trap 'rm -rf "$S"' EXIT

# bg_bulk FLOWS FILE: bulk in the background; bg_wait DESC checks it.
bg_bulk() {
	(bulk "$1" "$2" >"$S/bulk.out") &
	BG=$!
}
bg_wait() {
	if wait "$BG"; then
		tap_ok "$CELL: $1: flows intact ($(cat "$S/bulk.out"))"
	else
		tap_fail "$CELL: $1: flows intact" "$(cat "$S/bulk.out")"
	fi
}

# threaded=0 is refused on PREEMPT_RT (module/compat.h): the storm still
# writes it (each refusal one log line), the tight loops below do not.
rt=0
is_rt && rt=1

# --- parameter storm -------------------------------------------------
part "parameter storm"
check "$CELL: storm: insmod" tsq_load policy=spread
# busy_pct 0/80/100 with local and spread: sockets go back and forth
# between tsqsteal's queues and the kernel's own TSQ (the step-aside).
guest "rm -f /tmp/storm.done; ( n=\$(( $T_STORM * 10 / 3 )); i=0
	while [ \$i -lt \$n ]; do
		case \$((i % 3)) in 0) echo 0 ;; 1) echo 80 ;; 2) echo 100 ;; esac > $PARAMS/busy_pct
		case \$((i % 8)) in
		0) echo 0 > $PARAMS/enable ;; 1) echo 1 > $PARAMS/enable ;;
		2) echo local > $PARAMS/policy ;; 3) echo home > $PARAMS/policy ;;
		4) echo spread > $PARAMS/policy; echo 1-$last > $PARAMS/cpus ;;
		5) echo 1 > $PARAMS/threaded; echo 0-$last > $PARAMS/cpus ;;
		6) echo 0 > $PARAMS/threaded; echo 4 > $PARAMS/budget ;;
		7) echo 64 > $PARAMS/budget ;;
		esac
		i=\$((i + 1)); sleep 0.3
	done >/tmp/storm.log 2>&1; touch /tmp/storm.done ) &" >/dev/null
t_end=$((SECONDS + T_STORM))
rounds=0 ok=0
while [ $SECONDS -lt $t_end ]; do
	rounds=$((rounds + 1))
	bulk 32 2m.bin >"$S/storm.$rounds" && ok=$((ok + 1))
done
check "$CELL: storm: parameters rewritten every 0.3 s for ${T_STORM}s: every batch intact ($ok of $rounds batches of 32 flows)" \
	test "$ok" -eq "$rounds" -a "$rounds" -gt 0
guest "for i in \$(seq 100); do [ -f /tmp/storm.done ] && exit 0; sleep 0.2; done; exit 1" >/dev/null
guest "echo 1 > $PARAMS/enable; echo spread > $PARAMS/policy; echo 0 > $PARAMS/threaded; echo 64 > $PARAMS/budget; echo 0-$last > $PARAMS/cpus; echo 80 > $PARAMS/busy_pct" >/dev/null
a=$(tsq_stat aside)
check "$CELL: storm: both paths served the flows (tsqsteal enqueued $(tsq_stat enqueued), left to the kernel's TSQ $a)" \
	test "$(tsq_stat enqueued)" -gt 0 -a "${a:-0}" -gt 0
check_shown "$CELL: storm: every queued socket was handed back" tsq_accounted
check "$CELL: storm: rmmod" tsq_unload

# --- rmmod racing a parameter writer ---------------------------------
part "rmmod racing a parameter writer"
fails=0
for i in $(seq "$T_CYCLES"); do
	tsq_load policy=spread busy_pct=0 >/dev/null || { fails=$((fails + 1)); continue; }
	bg_bulk 16 2m.bin
	sleep 0.5
	guest "( while :; do echo 1 > $PARAMS/threaded; echo local > $PARAMS/policy;
		echo $rt > $PARAMS/threaded; echo spread > $PARAMS/policy; done ) 2>/dev/null &
		w=\$!; rmmod tsqsteal; rc=\$?; kill \$w; wait \$w 2>/dev/null; exit \$rc" >/dev/null ||
		fails=$((fails + 1))
	wait "$BG" || fails=$((fails + 1))
done
check "$CELL: rmmod racing parameter writes, $T_CYCLES times under flows: every rmmod done, every flow intact ($fails failures)" \
	test "$fails" -eq 0
check "$CELL: module gone after the races" guest "! test -d /sys/module/tsqsteal"

# --- insmod under traffic --------------------------------------------
part "insmod under traffic"
# wrk keeps traffic going for the whole cycle (a 2 MiB batch alone ended
# before the module took any on 7/amd64); the batch checks the bytes.
# insmod under traffic took 3-4 s on 6.1-rt/amd64: wrk outlasts it there.
wdur=4
[ "$rt" = 1 ] && wdur=8
fails=0
for i in 1 2 3; do
	wrk_run "$wdur" 32 1m.bin >/dev/null &
	wp=$!
	bg_bulk 16 mid.bin
	sleep 0.3
	e=NA
	tl=$SECONDS
	if tsq_load policy=spread busy_pct=0 >/dev/null; then
		tl=$((SECONDS - tl))
		for j in $(seq 30); do
			e=$(tsq_stat enqueued)
			[ "$e" -gt 0 ] 2>/dev/null && break
			sleep 0.1
		done
		tsq_unload >/dev/null || fails=$((fails + 1))
	else
		fails=$((fails + 1))
	fi
	wait "$BG" || fails=$((fails + 1))
	wait "$wp"
	[ "$e" -gt 0 ] 2>/dev/null || fails=$((fails + 1))
	echo "# $CELL: insmod under traffic $i: took ${tl}s, enqueued $e before the unload"
done
check "$CELL: insmod under flows then rmmod, 3 times: took work, flows intact ($fails failures)" test "$fails" -eq 0

# --- idle insmod/rmmod cycles, then nothing left ---------------------
part "idle insmod/rmmod cycles"
leftovers() {
	guest "tr=/sys/kernel/tracing; [ -d \$tr ] || tr=/sys/kernel/debug/tracing
		grep -l tsq \$tr/enabled_functions 2>/dev/null && echo ftrace: \$(grep tsq \$tr/enabled_functions)
		grep -q tsqsteal /sys/devices/system/cpu/hotplug/states && echo cpuhp: \$(grep tsqsteal /sys/devices/system/cpu/hotplug/states)
		ps | grep '[n]api/tsqsteal' && echo napi threads left
		test -e /sys/kernel/debug/tsqsteal && echo debugfs left
		test -e /sys/module/tsqsteal && echo module left
		true"
}
percpu() {
	guest "awk '/^Percpu:/ { print \$2 }' /proc/meminfo"
}
p0=$(percpu)
fails=0
for i in $(seq "$T_IDLE_CYCLES"); do
	guest "insmod $KO threaded=$((rt ? 1 : i % 2)) && rmmod tsqsteal" >/dev/null || fails=$((fails + 1))
done
left=$(leftovers)
p1=$(percpu)
check "$CELL: $T_IDLE_CYCLES idle insmod/rmmod cycles: all done, nothing left (${left:-none}; percpu $p0 -> $p1 kB)" \
	test "$fails" -eq 0 -a -z "$left" -a "$((p1 - p0))" -le 64

# --- hotplug: two CPUs at once, a CPU outside cpus= ------------------
part "hotplug"
if [ "$ncpu" -ge 4 ]; then
	check "$CELL: hotplug: insmod cpus=0-1" tsq_load policy=spread busy_pct=0 cpus=0-1
	traffic_start "$S/tr" 16 mid.bin
	sleep 1
	check "$CELL: hotplug: CPUs 2 and 3 offline at once (3 outside cpus=)" \
		guest "echo 0 > /sys/devices/system/cpu/cpu2/online & echo 0 > /sys/devices/system/cpu/cpu3/online; wait
			test \"\$(cat /sys/devices/system/cpu/online)\" = 0-1"
	# cpus= naming only offline CPUs: accepted or refused, the flows
	# must go on (checked below) and the kernel log stay clean.
	echo "# $CELL: hotplug: cpus=2-3 while both are offline: $(guest "echo 2-3 2>/dev/null > $PARAMS/cpus && echo accepted || echo refused" 2>&1)"
	guest "echo 0-1 > $PARAMS/cpus" >/dev/null
	check "$CELL: hotplug: CPUs 2 and 3 back online" \
		guest "echo 1 > /sys/devices/system/cpu/cpu2/online; echo 1 > /sys/devices/system/cpu/cpu3/online"
	traffic_stop "$S/tr" "$CELL: hotplug of two CPUs: flows intact"
	snap "$S/a"
	check_bulk "$CELL: hotplug: flows intact after" 32
	snap "$S/b"
	out=$(($(delta "$S/a" "$S/b" enqueued 2) + $(delta "$S/a" "$S/b" enqueued 3)))
	check "$CELL: hotplug: CPUs outside cpus=0-1 got no work after coming back ($out)" test "$out" -eq 0
	check_shown "$CELL: hotplug: every queued socket was handed back" tsq_accounted
	check "$CELL: hotplug: rmmod" tsq_unload
fi
f=/sys/devices/system/cpu/cpu$last/hotplug/fail
if guest "test -w $f" >/dev/null; then
	check "$CELL: hotplug: insmod for fail injection" tsq_load policy=spread busy_pct=0
	traffic_start "$S/tr" 16 mid.bin
	sleep 1
	# Fail the offline at the module's own state: the rollback must bring
	# the queue back online.
	st=$(guest "awk -F: '/tsqsteal/ { print \$1; exit }' /sys/devices/system/cpu/hotplug/states")
	guest "echo $st > $f; echo 0 > /sys/devices/system/cpu/cpu$last/online; echo -1 > $f; true" >/dev/null
	check "$CELL: hotplug: CPU $last still online after the injected failure" \
		guest "test \$(cat /sys/devices/system/cpu/cpu$last/online) = 1"
	traffic_stop "$S/tr" "$CELL: hotplug with injected failure: flows intact"
	snap "$S/a"
	bulk 32 >/dev/null
	snap "$S/b"
	check "$CELL: hotplug: CPU $last takes work after the rollback" \
		test "$(delta "$S/a" "$S/b" enqueued "$last")" -gt 0
	check "$CELL: hotplug: rmmod after fail injection" tsq_unload
else
	tap_skip "$CELL: hotplug fail injection" "no $f (CONFIG_CPU_HOTPLUG_STATE_CONTROL is off in Debian's kernels)"
fi

# --- churn and aborts ------------------------------------------------
part "churn and aborts"
# busy_pct=0 from here on: what follows tests the queues, which the
# step-aside would leave to the kernel wherever a CPU has room.
check "$CELL: churn: insmod" tsq_load policy=spread busy_pct=0
client sh -c "wrk -t2 -c64 -d${T_TRAFFIC}s --timeout 10s -H 'Connection: close' http://$VM_GUEST_IP/64k.bin" >"$S/wrk.close" 2>&1
req=$(awk '/requests in/ { print $1 }' "$S/wrk.close")
# Each request on a connection of its own: any request served means
# connections closed and reopened (6.1/arm64 served 66 in 5 s on a busy host).
check "$CELL: churn: Connection: close, a connection per request (${req:-0} requests)" test "${req:-0}" -gt 0
for i in $(seq 32); do
	client curl -s --max-time 0.$((RANDOM % 9 + 1)) -o /dev/null "http://$VM_GUEST_IP/blob/2m.bin" &
done
wait
check_bulk "$CELL: churn: flows intact after 32 clients hung up mid-body" 32
# ss -K: the admin destroys established sockets (tcp_abort) while their
# data is in flight, so some sit in a tsqsteal queue when they die.
snap "$S/a"
# Rate-limited by the client (8 MiB at 1 MB/s) so that a fast host cannot
# finish them before the kill (6.12/amd64 did, unlimited, within 1 s).
pids=()
for i in $(seq 16); do
	client curl -s --max-time 30 --limit-rate 1M -o /dev/null "http://$VM_GUEST_IP/blob/big.bin" &
	pids+=($!)
done
killed=$(guest "for i in \$(seq 50); do
		[ \$(ss -Htn state established '( sport = :80 )' | wc -l) -ge 16 ] && break; sleep 0.1; done
	sleep 1; ss -K -Htn state established '( sport = :80 )' | wc -l")
wait "${pids[@]}"
snap "$S/b"
e=$(delta "$S/a" "$S/b" enqueued total)
check "$CELL: churn: ss -K destroyed sockets mid-transfer (${killed:-0} of 16; $e enqueued meanwhile)" \
	test "${killed:-0}" -gt 0 -a "$e" -gt 0
check_bulk "$CELL: churn: flows intact after ss -K" 32
check_shown "$CELL: churn: every queued socket was handed back" tsq_accounted

# --- fq + BBR --------------------------------------------------------
part "fq + BBR"
# No tc in the guest: the NIC driver is reloaded with fq as the default
# qdisc, so every TX queue gets one (mq + fq), then reloaded back.
renic() {
	guest "sysctl -qw net.core.default_qdisc=$1 && sysctl -qw net.ipv4.tcp_congestion_control=$2 || exit 1
		. /etc/tsq/guest.env
		drv=\$(basename \$(readlink /sys/class/net/eth0/device/driver))
		rmmod \$drv && insmod /lib/tsq-modules/\$drv.ko || exit 1
		for i in \$(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
		ip link set eth0 up && ip addr add \$GUEST_IP/24 dev eth0 || exit 1
		for i in \$(awk -F: '/eth0/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do
			echo $IRQ_CPUS > /proc/irq/\$i/smp_affinity_list; done" >/dev/null 2>&1 || return 1
	for i in $(seq 60); do
		client curl -s --max-time 2 -o /dev/null "http://$VM_GUEST_IP/64k.bin" && return 0
		sleep 1
	done
	return 1
}
if renic fq bbr; then
	snap "$S/a"
	check_bulk "$CELL: fq + BBR: bulk flows intact" 32
	snap "$S/b"
	e=$(delta "$S/a" "$S/b" enqueued total)
	check "$CELL: fq + BBR: fq in use, BBR on, the flows went through tsqsteal ($e enqueued)" \
		guest "test \$(cat /sys/module/sch_fq/refcnt) -gt 0 && grep -qx bbr /proc/sys/net/ipv4/tcp_congestion_control && test $e -gt 0"
else
	tap_fail "$CELL: fq + BBR: NIC reloaded with fq and BBR"
fi
check "$CELL: fq + BBR: NIC back to pfifo_fast and cubic" renic pfifo_fast cubic

# --- netem ----------------------------------------------------------
part "netem"
# The guest's own egress lossy, then also reordered, delayed and
# rate-limited: the module's sockets retransmit.  RetransSegs proves netem
# really dropped.  /sbin/tc by
# path: the guest's busybox sh runs its own tc applet (no netem) first.
retrans() {
	guest "awk '\$1 == \"Tcp:\" && \$2 ~ /^[0-9]/ { print \$13 }' /proc/net/snmp"
}
# netem with a delay or a rate orphans each skb at enqueue
# (skb_orphan_partial(): sk_wmem_alloc drops there, tcp_wfree() is not
# called for data), so few sockets reach the queues (22-74 in the cold run
# of b169692, 0 on the debug kernel).  Loss alone keeps TSQ and the
# module's queues in the path: that window asserts the queues saw the
# flows; the full one asserts the flows survive and the accounting.
# netem_window NAME NETEM-ARGS: 16 flows of 2 MiB through that qdisc,
# checked intact; leaves the segments retransmitted in $retx and the
# sockets enqueued in $e.  Returns 1 if the qdisc was refused.
netem_window() {
	local r0 r1
	check "$CELL: netem: $2 on eth0" guest "/sbin/tc qdisc replace dev eth0 root netem $2 limit 5000" || return 1
	snap "$S/a"
	r0=$(retrans)
	check_bulk "$CELL: $1: bulk flows intact" 16 2m.bin
	r1=$(retrans)
	snap "$S/b"
	retx=$((r1 - r0))
	e=$(delta "$S/a" "$S/b" enqueued total)
}
if netem_window "netem loss" "loss 1%"; then
	check "$CELL: netem loss: segments were lost and retransmitted (+$retx), the flows went through tsqsteal ($e enqueued)" \
		test "$retx" -gt 0 -a "$e" -gt 0
fi
if netem_window netem "delay 2ms loss 1% reorder 5% rate 200mbit"; then
	check "$CELL: netem: segments were lost and retransmitted (+$retx; $e enqueued)" test "$retx" -gt 0
	check_shown "$CELL: netem: every queued socket was handed back" tsq_accounted
fi
check "$CELL: netem: removed, eth0 back to its default qdisc" \
	guest "/sbin/tc qdisc del dev eth0 root; ! /sbin/tc qdisc show dev eth0 | grep -q netem"

# --- 2000 connections ------------------------------------------------
part "2000 connections"
snap "$S/a"
client sh -c "ulimit -n 8192; wrk -t2 -c2000 -d${T_TRAFFIC}s --timeout 20s http://$VM_GUEST_IP/64k.bin" >"$S/wrk.2000" 2>&1
snap "$S/b"
# Served: bytes read, not completed requests.  2000 connections share the
# link fairly, and at 10 MB/s (arm64 under TCG) a first round of 64 KiB
# each (128 MiB) outlasts the window: 6.1/arm64 completed none in 5 s.
req=$(awk '/requests in/ { print $1 }' "$S/wrk.2000")
rd=$(awk '/requests in/ { print $(NF - 1) + 0 }' "$S/wrk.2000")
st=$(delta "$S/a" "$S/b" stolen_by total)
mq=$(guest "cat $STATS" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "max_qlen") c = i } $1 == "total" { print $c }')
if awk -v r="${rd:-0}" -v s="$st" 'BEGIN { exit !(r > 0 && s > 0) }'; then
	tap_ok "$CELL: 2000 connections: served (${rd:-0} MB read, ${req:-0} requests complete), queues grew to $mq, steals +$st"
else
	tap_fail "$CELL: 2000 connections: served, steals > 0 (${rd:-0} MB read, steals +$st)" "$(cat "$S/wrk.2000")"
fi
check_shown "$CELL: 2000 connections: every queued socket was handed back" tsq_accounted

# --- IPv6 ------------------------------------------------------------
part "IPv6"
guest "echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad; ip -6 addr add fd77::2/64 dev eth0" >/dev/null 2>&1
client ip -6 addr add fd77::1/64 dev tsqtap0 nodad 2>/dev/null
snap "$S/a"
BULK_HOST="[fd77::2]" check_bulk "$CELL: IPv6: bulk flows intact" 32
snap "$S/b"
check "$CELL: IPv6: the flows went through tsqsteal ($(delta "$S/a" "$S/b" enqueued total) enqueued)" \
	test "$(delta "$S/a" "$S/b" enqueued total)" -gt 0
client ip -6 addr del fd77::1/64 dev tsqtap0 2>/dev/null
guest "ip -6 addr del fd77::2/64 dev eth0" >/dev/null 2>&1

# --- memory pressure -------------------------------------------------
part "memory pressure"
old_mem=$(guest "cat /proc/sys/net/ipv4/tcp_mem")
guest "echo '64 128 256' > /proc/sys/net/ipv4/tcp_mem" >/dev/null
check_bulk "$CELL: tcp_mem at 64/128/256 pages: flows intact" 16
guest "echo '$old_mem' > /proc/sys/net/ipv4/tcp_mem" >/dev/null
part "memcg"
if guest "mkdir -p /sys/fs/cgroup && (mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup) &&
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control && mkdir -p /sys/fs/cgroup/tsq &&
	echo 48M > /sys/fs/cgroup/tsq/memory.max &&
	for p in \$(pidof nginx); do echo \$p > /sys/fs/cgroup/tsq/cgroup.procs; done" >/dev/null 2>&1; then
	check_bulk "$CELL: nginx in a 48 MiB memcg: flows intact" 32
	oom=$(guest "awk '/^oom_kill / { print \$2 }' /sys/fs/cgroup/tsq/memory.events")
	guest "for p in \$(cat /sys/fs/cgroup/tsq/cgroup.procs); do echo \$p > /sys/fs/cgroup/cgroup.procs; done; rmdir /sys/fs/cgroup/tsq" >/dev/null
	check "$CELL: memcg: no OOM kill (${oom:-?})" test "${oom:-1}" = 0
else
	tap_fail "$CELL: memcg: cgroup v2 with the memory controller set up"
fi
part "tmpfs flood"
bg_bulk 32 2m.bin
guest "dd if=/dev/zero of=/tmp/flood bs=1M count=400 2>/dev/null; cat /tmp/flood >/dev/null; rm -f /tmp/flood" >/dev/null
bg_wait "400 MiB written to and read from tmpfs meanwhile (the guest has no disk)"
check "$CELL: memory pressure: nginx still up" guest "pidof nginx"
check_shown "$CELL: memory pressure: every queued socket was handed back" tsq_accounted
check "$CELL: reliability: rmmod" tsq_unload
part "settle"
# 2000 connections end at once: on 6.1/amd64 the guest still held 15 of
# them ESTABLISHED 31 s later, the client gone (FINs lost under the load,
# then retransmitted); give them 90 s.
tcp_settle "$CELL: reliability: TCP sockets back to baseline" "$base_tcp" 90
part
