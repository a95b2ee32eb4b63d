# CPU hotplug under traffic: offline a CPU whose queue is busy, then bring
# it back.  Its queue moves to an online CPU; nothing is lost.

victim=$(($(guest nproc) - 1))
check "$CELL: insmod for hotplug" tsq_load policy=spread
tmp=$(mktemp)
(bulk 64 >"$tmp") &
bp=$!
sleep 1
check "$CELL: CPU $victim offline under traffic" guest "echo 0 > /sys/devices/system/cpu/cpu$victim/online"
q=$(tsq_stat qlen "$victim")
check "$CELL: offline CPU $victim has an empty queue (qlen=$q)" test "$q" = 0
wait $bp && tap_ok "$CELL: hotplug: flows intact while CPU $victim was offline ($(cat "$tmp"))" ||
	tap_fail "$CELL: hotplug: flows intact while CPU $victim was offline" "$(cat "$tmp")"
check "$CELL: CPU $victim back online" guest "echo 1 > /sys/devices/system/cpu/cpu$victim/online"
check_bulk "$CELL: hotplug: flows intact after CPU $victim came back" 64
check "$CELL: rmmod after hotplug" tsq_unload
rm -f "$tmp"
