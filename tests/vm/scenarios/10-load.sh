# shellcheck shell=bash disable=SC2154
# Load-time checks: bad parameters are refused with one clear line and
# leave nothing loaded; a good load exposes parameters, counters and
# tracepoints; unload leaves nothing behind.

for bad in "policy=bogus" "budget=0" "budget=65" "drain_us=0" "starve_us=5" \
	"cpus=" "cpus=1-x" "cpus=63" "cpus=0,$(guest nproc)" "busy_pct=101" "enable=maybe" "step_aside=2"; do
	check "$CELL: insmod $bad is refused and loads nothing" \
		guest "! insmod $KO $bad && ! test -d /sys/module/tsqsteal"
done
check "$CELL: a refused load says why in one line" \
	guest "dmesg | grep -q 'tsqsteal: policy: unknown value .bogus.'"

# A kernel series outside the tested set: the module built as if none
# were tested (tests/vm/fixtures/untested-kernel.patch) refuses, in one
# line naming the override; the override loads it, and it works.
U=/opt/tsq/tsqsteal-untested.ko
# check_takes_work DESC: 8 flows' frees reach the loaded module's
# redirect: queued (enqueued) or, on a CPU with room under the default
# busy_pct, left to the kernel's TSQ by the step-aside (aside).  Either
# counter moves only if the ftrace handler ran.
seen() {
	guest "cat $STATS" | awk 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "enqueued") e = i; if ($i == "aside") a = i }; next }
		$1 == "total" && e && a { print $e + $a }'
}
check_takes_work() {
	local e0 e1
	e0=$(seen)
	bulk 8 >/dev/null
	e1=$(seen)
	check "$1 (enqueued + aside ${e0:-NA} -> ${e1:-NA})" test "${e1:-0}" -gt "${e0:-0}"
}
n0=$(guest "dmesg | wc -l")
check "$CELL: on an untested kernel series insmod is refused and loads nothing" \
	guest "! insmod $U && ! test -d /sys/module/tsqsteal"
# busybox insmod tries init_module() after a failed finit_module(), so
# the module's init runs twice: the same line twice is one message.
check_shown "$CELL: the refusal is one line naming the override" \
	guest "dmesg | tail -n +$((n0 + 1)) | grep 'tsqsteal:' | sed 's/^\[[ 0-9.]*\] //' | sort -u >/tmp/refusal
		cat /tmp/refusal; test \$(wc -l </tmp/refusal) = 1 &&
		grep -q 'tsqsteal: kernel .* is not in the tested series (.*): not loaded; allow_untested_kernel=1 loads it anyway' /tmp/refusal"
check "$CELL: allow_untested_kernel=1 loads it" guest "insmod $U allow_untested_kernel=1"
check "$CELL: allow_untested_kernel reads Y and cannot be written at runtime" \
	guest "test \$(cat $PARAMS/allow_untested_kernel) = Y && ! echo 0 2>/dev/null >$PARAMS/allow_untested_kernel"
check_takes_work "$CELL: the module loaded that way takes work"
check "$CELL: rmmod of the untested-kernel build" tsq_unload

check "$CELL: insmod with defaults" tsq_load
# The redirect is an ftrace ops marked permanent: kernel.ftrace_enabled=0
# is refused while it is registered (else TSQ would silently go back to
# stock with enable still 1), and allowed once enable=0 unregisters it.
check "$CELL: sysctl kernel.ftrace_enabled=0 refused while the redirect is on" \
	guest "! sysctl -qw kernel.ftrace_enabled=0 2>/dev/null && test \$(cat /proc/sys/kernel/ftrace_enabled) = 1"
check_takes_work "$CELL: the redirect still takes work after that"
check "$CELL: with enable=0, kernel.ftrace_enabled=0 is allowed again" \
	guest "echo 0 > $PARAMS/enable && sysctl -qw kernel.ftrace_enabled=0 && sysctl -qw kernel.ftrace_enabled=1 && echo 1 > $PARAMS/enable"
# threaded defaults to 0, to 1 on PREEMPT_RT (module/compat.h).
threaded_default=N
is_rt && threaded_default=Y
check "$CELL: defaults read back (spread, budget 64, drain 1000us, starve 2000us, busy 80 %, threaded $threaded_default, step aside)" \
	guest "test \"\$(cat $PARAMS/policy $PARAMS/budget $PARAMS/drain_us $PARAMS/starve_us $PARAMS/busy_pct $PARAMS/enable $PARAMS/threaded $PARAMS/step_aside | tr '\n' ' ')\" = 'spread 64 1000 2000 80 Y $threaded_default Y '"
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
