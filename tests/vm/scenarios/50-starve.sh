# Starvation: a SCHED_FIFO 99 busy loop pinned to the NIC's IRQ CPU while
# flows run.  With tsqsteal the starvation timer must rescue the work
# queued there (rescued > 0) and flows keep at least half of their
# unhogged throughput.  The stock kernel's figures are shown beside it.
#
# "Unhogged" is the same busy loop at SCHED_IDLE: under TCG a spinning
# vCPU costs the host a core whatever its priority, so only an equal loop
# separates starvation from lost host capacity.
#
# Measured both with the NIC's NAPI in softirq and threaded (echo 1 >
# .../eth0/threaded); the check uses the threaded case: with the NIC's own
# completion processing in softirq on the hogged CPU, no placement of TSQ
# work can keep flows going, stock or not.

hog=$(echo "$IRQ_CPUS" | awk '{ print $1 }')
dur=$T_TRAFFIC
[ "$dur" -lt 5 ] && dur=5

# rate free|hog: MB/s of wrk on 1 MiB objects, 32 connections, beside an
# idle-class (free) or FIFO 99 (hog) busy loop on the IRQ CPU.
rate() {
	local r pol=idle
	[ "$1" = hog ] && pol=fifo
	guest "/opt/tsq/tsqhog $hog $((dur + 2)) $pol >/dev/null 2>&1 &" >/dev/null
	sleep 0.5
	r=$(wrk_run "$dur" 32 1m.bin | awk '{ print $2 }')
	sleep 2
	echo "$r"
}

for mode in 0 1; do
	guest "echo $mode > /sys/class/net/eth0/threaded" >/dev/null
	stock_free=$(rate free)
	stock_hog=$(rate hog)
	tsq_load policy=spread >/dev/null
	tsq_free=$(rate free)
	r0=$(tsq_stat rescued_by)
	tsq_hog=$(rate hog)
	r1=$(tsq_stat rescued_by)
	echo "# $CELL: NIC threaded=$mode: stock ${stock_free} MB/s unhogged, ${stock_hog} hogged;" \
		"tsqsteal ${tsq_free} unhogged, ${tsq_hog} hogged; rescued $r0 -> $r1"
	tsq_unload >/dev/null
done

check "$CELL: starvation: the hogged CPU's queue was rescued ($r0 -> $r1)" test "$r1" -gt "$r0"
check "$CELL: starvation: flows keep >= 50% of unhogged throughput with tsqsteal ($tsq_hog of $tsq_free MB/s; stock $stock_hog of $stock_free)" \
	awk -v h="$tsq_hog" -v f="$tsq_free" 'BEGIN { exit !(f > 0 && h >= 0.5 * f) }'
guest "echo 0 > /sys/class/net/eth0/threaded" >/dev/null
out=$(bulk 64) && tap_ok "$CELL: starvation: bulk flows intact after the hog ($out)" ||
	tap_fail "$CELL: starvation: bulk flows intact after the hog" "$out"
