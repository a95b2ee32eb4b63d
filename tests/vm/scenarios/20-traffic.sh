# Traffic through the hooked path: wrk over nginx plus 64 bulk flows with
# checksums under spread, then 32 flows per other setting; the counters
# must show the work went through tsqsteal, and with spread, off the
# NIC's IRQ CPU.

base_tcp=$(tcp_inuse)
check "$CELL: insmod policy=spread" tsq_load policy=spread

wrk_run "$T_TRAFFIC" 64 64k.bin >/dev/null &
wrk_pid=$!
out=$(bulk $((T_BULK_BLOBS * T_BULK_ROUNDS)))
rc=$?
wait $wrk_pid
if [ $rc -eq 0 ]; then
	tap_ok "$CELL: spread: bulk flows arrive intact ($out)"
else
	tap_fail "$CELL: spread: bulk flows arrive intact" "$out"
fi
d1=$(tsq_stat drained)
check "$CELL: spread: deferred xmit went through tsqsteal (drained=$d1)" test "$d1" -gt 0
off=$(stat_sum_except drained $IRQ_CPUS)
check "$CELL: spread: drains ran on CPUs other than the IRQ CPU $IRQ_CPUS ($off)" test "$off" -gt 0
echo "# $CELL: spread drained per CPU: $(stat_row drained)"
bulk 64 >/dev/null
d2=$(tsq_stat drained)
check "$CELL: spread: drained grows with traffic ($d1 -> $d2)" test "$d2" -gt "$d1"

# spread moves work only off a CPU without room for it (busy_pct): single
# downloads with pauses leave the freeing CPU mostly idle, so some of
# their work stays there; with busy_pct=0 nothing does.
k0=$(tsq_stat kept_local)
for i in 1 2 3 4 5 6; do
	bulk 1 >/dev/null
	sleep 0.3
done
k1=$(tsq_stat kept_local)
check "$CELL: spread: light traffic stays on the freeing CPU (kept_local $k0 -> $k1)" test "$k1" -gt "$k0"
guest "echo 0 > $PARAMS/busy_pct" >/dev/null
check_bulk "$CELL: spread, busy_pct=0: bulk flows arrive intact" 32
k2=$(tsq_stat kept_local)
check "$CELL: spread, busy_pct=0: nothing kept local ($k1 -> $k2)" test "$k2" -eq "$k1"
guest "echo 80 > $PARAMS/busy_pct" >/dev/null

# Same module, placement switched live: local keeps the work on the
# freeing CPU (stock placement), home follows the flow's receive CPU.
for pol in local home; do
	guest "echo $pol > $PARAMS/policy"
	before=$(stat_row drained)
	check_bulk "$CELL: $pol: bulk flows arrive intact" 32
	echo "# $CELL: $pol drained per CPU: before [$before] after [$(stat_row drained)]"
done

# Threaded NAPI drain: per-CPU kthreads the scheduler can move.
guest "echo spread > $PARAMS/policy"
check "$CELL: threaded=1 at runtime" guest "echo 1 > $PARAMS/threaded"
check "$CELL: threaded: NAPI kthreads exist" guest "ps | grep -q '[n]api/tsqsteal'"
d1=$(tsq_stat drained)
check_bulk "$CELL: threaded: bulk flows arrive intact" 32
d2=$(tsq_stat drained)
check "$CELL: threaded: drained grows ($d1 -> $d2)" test "$d2" -gt "$d1"
check "$CELL: threaded=0 at runtime" guest "echo 0 > $PARAMS/threaded"

# enable=0: stock path, counters stand still; enable=1: back through us.
check "$CELL: enable=0 at runtime" guest "echo 0 > $PARAMS/enable"
e1=$(tsq_stat enqueued)
check_bulk "$CELL: enable=0: bulk flows arrive intact" 32
e2=$(tsq_stat enqueued)
check "$CELL: enable=0: nothing enqueued to tsqsteal ($e1 -> $e2)" test "$e2" -eq "$e1"
check "$CELL: enable=1 at runtime" guest "echo 1 > $PARAMS/enable"
bulk 64 >/dev/null
e3=$(tsq_stat enqueued)
check "$CELL: enable=1: enqueues resume ($e2 -> $e3)" test "$e3" -gt "$e2"

# The tracepoints fire.
tr=/sys/kernel/tracing
guest "test -d $tr/events" >/dev/null || tr=/sys/kernel/debug/tracing
guest "echo 1 > $tr/events/tsqsteal/drain/enable; echo 1 > $tr/events/tsqsteal/enqueue/enable; echo > $tr/trace" >/dev/null
bulk 16 >/dev/null
check "$CELL: tracepoints tsqsteal:enqueue and tsqsteal:drain fire" \
	guest "grep -q ' enqueue: from=' $tr/trace && grep -q ' drain: cpu=' $tr/trace"
guest "echo 0 > $tr/events/tsqsteal/enable; echo > $tr/trace" >/dev/null

check_shown "$CELL: after traffic, every queued socket was handed back" tsq_accounted
check "$CELL: rmmod after traffic" tsq_unload
tcp_settle "$CELL: TCP sockets back to baseline" "$base_tcp"
