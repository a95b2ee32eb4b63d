#!/usr/bin/env bash
# textpoke-control.sh [SECONDS]: does this QEMU survive the kernel's own
# INT3 text patching under traffic, with no tsqsteal loaded?  Boots the
# cell's guest (CELL=7/amd64 by default; built by a previous tests/vm/run.sh
# of that cell), runs wrk against it and toggles plain ftrace on tcp_wfree
# (each toggle patches the call site twice) until SECONDS pass.  Prints the
# toggle count and ALIVE or DEAD with the oops.  VM_QEMU=host|trixie picks
# the QEMU (see lib/vm.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dur=${1:-60}
case "$dur" in '' | *[!0-9]*) echo "textpoke-control.sh: SECONDS must be a number" >&2; exit 2 ;; esac
cell=${CELL:-7/amd64}
dir="$top/build/cells/${cell/\//-}"
[ -f "$dir/initrd.cpio" ] || { echo "textpoke-control.sh: no guest image in $dir (run tests/vm/run.sh for $cell first)" >&2; exit 2; }
. "$here/lib/vm.sh"
export TSQ_ACCEL=tcg TSQ_RUN_DIR="$top/build/run" VM_CPUS=4
mkdir -p "$TSQ_RUN_DIR"
log="$top/build/textpoke-control"
if ! vm_start "$dir" "$log"; then
	echo "DEAD at boot"
	grep -m3 -E 'Oops|RIP' "$log/console.log"
	vm_stop
	exit 1
fi
client wrk -t2 -c64 -d"$dur"s "http://$VM_GUEST_IP/1m.bin" >"$log/wrk.txt" 2>&1 &
w=$!
sleep 2
# In the background: one agent request must not outlive the agent's
# connection timeout.
guest "T=/sys/kernel/tracing; [ -e \$T/trace ] || mount -t tracefs nodev \$T
	echo tcp_wfree > \$T/set_ftrace_filter
	(n=0 end=\$((\$(date +%s) + $dur - 5))
	while [ \$(date +%s) -lt \$end ]; do
		echo function > \$T/current_tracer; echo nop > \$T/current_tracer; n=\$((n + 1))
	done
	echo toggles=\$n > /tmp/toggles) >/dev/null 2>&1 &" >/dev/null
wait "$w"
rc=0
sleep 5
if vm_alive && guest true >/dev/null 2>&1; then
	guest "cat /tmp/toggles; dmesg | grep -c -E 'Oops|BUG:|WARNING:' | sed 's/^/kernel log problems: /'"
	echo ALIVE
else
	echo DEAD
	grep -m3 -E 'Oops|RIP' "$log/console.log"
	rc=1
fi
vm_stop
exit $rc
