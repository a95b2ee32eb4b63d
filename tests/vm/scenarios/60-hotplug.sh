# shellcheck shell=bash disable=SC2154
# CPU hotplug under traffic: start 16 flows of 2 MiB, take a CPU that
# deferred-xmit work is being placed on offline while they run, bring it
# back; three cycles (ten in soak), each with a batch of its own (batches
# may overlap).  Its queue moves to an online CPU; every flow arrives
# intact.

victim=$(($(guest nproc) - 1))
cycles=3
[ -n "${SOAK:-}" ] && cycles=10
pids=()
outs=()
hp_traffic() {
	local tmp
	tmp=$(mktemp)
	(bulk 16 2m.bin >"$tmp") &
	pids+=($!)
	outs+=("$tmp")
}

check "$CELL: insmod for hotplug" tsq_load policy=spread busy_pct=0
for cycle in $(seq "$cycles"); do
	e0=$(tsq_stat enqueued "$victim")
	hp_traffic
	# Busy: work is being placed on the victim's queue.
	e1=$e0
	for i in $(seq 100); do
		e1=$(tsq_stat enqueued "$victim")
		[ "$e1" -gt "$((e0 + 100))" ] 2>/dev/null && break
		sleep 0.1
	done
	check "$CELL: hotplug cycle $cycle: CPU $victim gets work before going offline (enqueued $e0 -> $e1)" \
		test "$e1" -gt "$e0"
	running=no
	kill -0 "${pids[${#pids[@]} - 1]}" 2>/dev/null && running=yes
	check "$CELL: hotplug cycle $cycle: CPU $victim offline" \
		guest "echo 0 > /sys/devices/system/cpu/cpu$victim/online"
	check "$CELL: hotplug cycle $cycle: flows were still running at offline" test "$running" = yes
	q=$(tsq_stat qlen "$victim")
	check "$CELL: hotplug cycle $cycle: offline CPU $victim has an empty queue (qlen=$q)" test "$q" = 0
	sleep 0.5
	check "$CELL: hotplug cycle $cycle: CPU $victim back online" \
		guest "echo 1 > /sys/devices/system/cpu/cpu$victim/online"
done
for i in "${!pids[@]}"; do
	if wait "${pids[i]}"; then
		tap_ok "$CELL: hotplug: flows of batch $((i + 1)) intact ($(cat "${outs[i]}"))"
	else
		tap_fail "$CELL: hotplug: flows of batch $((i + 1)) intact" "$(cat "${outs[i]}")"
	fi
	rm -f "${outs[i]}"
done
echo "# $CELL: hotplug: rescued_from per CPU after $cycles cycles: $(stat_row rescued_from)"
check_shown "$CELL: after hotplug, every queued socket was handed back" tsq_accounted
check "$CELL: rmmod after hotplug" tsq_unload
