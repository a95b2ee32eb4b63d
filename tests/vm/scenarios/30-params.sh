# shellcheck shell=bash disable=SC2154
# Runtime parameter writes: bad values get -EINVAL and one log line and
# change nothing (read back); good values are accepted and read back.
# What each value does to the traffic is asserted in 20-traffic.sh
# through the counters.

check "$CELL: insmod for parameter writes" tsq_load

# bad PARAM VALUE: the write fails and the value reads back unchanged.
bad() {
	check "$CELL: write $1='$2' is refused, value unchanged" guest "
		old=\$(cat $PARAMS/$1)
		! echo '$2' > $PARAMS/$1 && test \"\$(cat $PARAMS/$1)\" = \"\$old\""
}
bad policy bogus
bad policy ''
bad budget 0
bad budget 1000
bad budget -1
bad budget abc
bad drain_us 0
bad drain_us 100001
bad starve_us 99
bad starve_us 99999999999
bad cpus ''
bad cpus 'x-y'
bad cpus '3-1'
bad cpus 4095
# A CPU the machine does not have, next to one it has.
bad cpus "0,$(guest nproc)"
bad busy_pct 101
bad busy_pct -5
bad enable 2
bad threaded maybe
# PREEMPT_RT drains in NAPI threads only (module/compat.h).
if is_rt; then
	bad threaded 0
	check "$CELL: PREEMPT_RT: threaded=0 is refused with one line saying why" \
		guest "dmesg | grep -q 'tsqsteal: threaded: 0 is not supported on PREEMPT_RT'"
	check "$CELL: PREEMPT_RT: insmod threaded=0 is refused, nothing loaded" \
		guest "! insmod $KO threaded=0 2>/dev/null && test \"\$(cat $PARAMS/threaded)\" = Y"
fi
bad step_aside maybe
# One line: the echoed newline is not part of the logged value.
check "$CELL: a refused write logs one line naming the parameter and the value" \
	guest "dmesg | grep -q \"tsqsteal: cpus: invalid cpulist 'x-y' (want\" &&
		dmesg | grep -q \"tsqsteal: budget: invalid value 'abc' (want 1..64)\""
check "$CELL: a CPU the machine does not have is refused with one line" \
	guest "dmesg | grep -q -e 'tsqsteal: cpus: .0,[0-9]*. names a CPU this machine does not have' \
		-e 'tsqsteal: cpus: invalid cpulist .0,[0-9]*. '"

good() {
	check "$CELL: write $1=$2 is accepted and reads back" guest "
		echo $2 > $PARAMS/$1 && test \"\$(cat $PARAMS/$1)\" = '${3:-$2}'"
}
good policy home
good policy local
good policy spread
good budget 16
good budget 64
good drain_us 500
good starve_us 5000
good starve_us 2000
good busy_pct 0
good busy_pct 80
good step_aside 0 N
good step_aside 1 Y
good cpus 1-3
good cpus 0-3
check_bulk "$CELL: traffic after parameter changes arrives intact" 64
check "$CELL: rmmod after parameter writes" tsq_unload
