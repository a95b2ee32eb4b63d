# shellcheck shell=bash disable=SC2154
# rmmod under traffic: load, run batches of 32 flows of 1 MiB back to back,
# unload while they run.  Every flow must finish intact, the kernel log
# stay clean, and sockets and the module's refcount come back to their
# baseline.

base_tcp=$(tcp_inuse)
rm_dir=$(mktemp -d)
for cycle in $(seq "$T_CYCLES"); do
	tsq_load policy=spread busy_pct=0 >/dev/null || { tap_fail "$CELL: rmmod cycle $cycle: insmod"; continue; }
	traffic_start "$rm_dir" 32 mid.bin
	# Unload once the flows are going through tsqsteal (asserted), while they run.
	for i in $(seq 50); do
		[ "$(tsq_stat drained)" -gt 0 ] 2>/dev/null && break
		sleep 0.1
	done
	refs=$(guest "cat /sys/module/tsqsteal/refcnt")
	dr=$(tsq_stat drained)
	running=no
	traffic_running && running=yes
	t0=$(date +%s.%N)
	ok=no
	tsq_unload >/dev/null && ok=yes
	t=$(echo "$(date +%s.%N) - $t0" | bc)
	check "$CELL: rmmod cycle $cycle: the module drained work before the unload (drained=$dr)" \
		test "$dr" -gt 0
	check "$CELL: rmmod cycle $cycle: flows running, every batch intact so far, at rmmod" \
		test "$running" = yes
	check "$CELL: rmmod cycle $cycle under traffic (refcnt $refs before, rmmod ${t}s)" test "$ok" = yes
	traffic_stop "$rm_dir" "$CELL: rmmod cycle $cycle: every flow of every batch intact"
done
rm -rf "$rm_dir"
check "$CELL: module gone after the cycles" guest "! test -d /sys/module/tsqsteal"
tcp_settle "$CELL: TCP sockets back to baseline after rmmod cycles" "$base_tcp"
# TCP memory: sockstat's "mem" is the global counter, which since 6.0
# leaves out what each CPU holds in its per-CPU reserve (up to
# SK_MEMORY_PCPU_RESERVE, 1 MiB, either way; include/net/proto_memory.h).
# So with every socket gone it can stay above 0 for good (soak: 2 pages
# on 6.12/amd64, 95 on 6.1/amd64, 6 -> 6 sockets).  0 passes at once; a
# residue passes only within the possible CPUs' reserves, and the message
# says which it was.  The socket count above is the exact leak check.
tcp_mem_check() {
	guest "cpus=\$(awk -F- '{ print \$NF + 1 }' /sys/devices/system/cpu/possible)
		kb=\$(awk '/^KernelPageSize/ { print \$2; exit }' /proc/self/smaps)
		slack=\$((cpus * 1024 / kb))
		for i in 1 2 3 4 5 6 7 8 9 10; do
			mem=\$(awk '/^TCP:/ { print \$11 }' /proc/net/sockstat)
			[ \"\$mem\" = 0 ] && { echo \"0 pages\"; exit 0; }
			sleep 1
		done
		if [ \"\$mem\" -le \"\$slack\" ]; then
			echo \"\$mem pages, within the \$slack pages of \$cpus per-CPU reserves\"
			exit 0
		fi
		echo \"\$mem pages, over the \$slack pages of \$cpus per-CPU reserves\"
		cat /proc/net/sockstat
		exit 1"
}
check_shown "$CELL: TCP memory back to baseline after rmmod cycles" tcp_mem_check
