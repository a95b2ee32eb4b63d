# shellcheck shell=bash disable=SC2154
# Load-time checks: bad parameters are refused with one clear line and
# leave nothing loaded; a good load exposes parameters, counters and
# tracepoints; unload leaves nothing behind.

for bad in "policy=bogus" "budget=0" "budget=65" "drain_us=0" "starve_us=5" \
	"cpus=" "cpus=1-x" "cpus=63" "cpus=0,$(guest nproc)" "busy_pct=101" "enable=maybe"; do
	check "$CELL: insmod $bad is refused and loads nothing" \
		guest "! insmod $KO $bad && ! test -d /sys/module/tsqsteal"
done
check "$CELL: a refused load says why in one line" \
	guest "dmesg | grep -q 'tsqsteal: policy: unknown value .bogus.'"

check "$CELL: insmod with defaults" tsq_load
check "$CELL: defaults read back (spread, budget 64, drain 1000us, starve 2000us, busy 80 %)" \
	guest "test \"\$(cat $PARAMS/policy $PARAMS/budget $PARAMS/drain_us $PARAMS/starve_us $PARAMS/busy_pct $PARAMS/enable $PARAMS/threaded | tr '\n' ' ')\" = 'spread 64 1000 2000 80 Y N '"
check "$CELL: allowed CPUs default to all housekeeping CPUs" \
	guest "test \"\$(cat $PARAMS/cpus)\" = 0-\$((\$(nproc) - 1))"
check "$CELL: stats table has a header, one row per CPU and a total" \
	guest "awk -v n=\$(nproc) 'NR == 1 && \$1 != \"cpu\" { exit 1 } END { exit !(NR == n + 2) }' $STATS"
for ev in enqueue steal rescue drain; do
	check "$CELL: tracepoint tsqsteal:$ev exists" \
		guest "test -d /sys/kernel/tracing/events/tsqsteal/$ev || test -d /sys/kernel/debug/tracing/events/tsqsteal/$ev"
done
check "$CELL: module refcount is 0 when idle" guest "test \$(cat /sys/module/tsqsteal/refcnt) = 0"
check "$CELL: rmmod" tsq_unload
check "$CELL: nothing left after rmmod" \
	guest "! test -d /sys/module/tsqsteal && ! test -d /sys/kernel/debug/tsqsteal"
