#!/usr/bin/env bash
# unload-time.sh [KO...]: how long rmmod of an idle tsqsteal takes on a
# guest with many vCPUs (VM_CPUS, default 64: TCG boots them, slowly).
# Boots the cell's guest (CELL=6.1/amd64 by default; its image made by a
# previous tests/vm/run.sh of that cell) with each KO given added to the
# image (default: the image's own module), and for each, ROUNDS times
# (default 3), insmod then a timed rmmod.  Prints one line per module:
#   NAME: rmmod N ms, N ms, N ms (VM_CPUS vCPUs)
# No traffic: what is measured is the unload's own waiting.  A measurement
# tool, not a test (docs/testing.md has its runs).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cell=${CELL:-6.1/amd64}
rounds=${ROUNDS:-3}
case "$rounds" in '' | *[!0-9]* | 0) echo "unload-time.sh: ROUNDS must be a positive number" >&2; exit 2 ;; esac
dir="$top/build/cells/${cell/\//-}"
[ -f "$dir/initrd.cpio" ] ||
	{ echo "unload-time.sh: no guest image in $dir (run tests/vm/run.sh for $cell first)" >&2; exit 2; }
for ko in "$@"; do
	[ -f "$ko" ] || { echo "unload-time.sh: no module at $ko" >&2; exit 2; }
done
# A boot of 64 vCPUs under TCG takes minutes.
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-900}
. "$here/lib/vm.sh"
export TSQ_RUN_DIR="$top/build/run" VM_CPUS=${VM_CPUS:-64}
mkdir -p "$TSQ_RUN_DIR"
log="$top/build/unload-time"
rm -rf "$log"
mkdir -p "$log/extra/opt/tsq"

# The kernel takes concatenated cpio archives: the image, then the
# modules to time.
names=()
i=0
for ko in "$@"; do
	i=$((i + 1))
	cp "$ko" "$log/extra/opt/tsq/time-$i.ko"
	names+=("time-$i.ko=$ko")
done
[ "$#" -gt 0 ] || names=("tsqsteal.ko=image module")
(cd "$log/extra" && find . -print0 | cpio --null -o -H newc --quiet) >"$log/extra.cpio"
cat "$dir/initrd.cpio" "$log/extra.cpio" >"$log/initrd.cpio"
export VM_INITRD="$log/initrd.cpio"

t0=$SECONDS
if ! vm_start "$dir" "$log"; then
	echo "unload-time.sh: the guest did not boot (console: $log/console.log)" >&2
	vm_stop
	exit 1
fi
echo "# booted $VM_CPUS vCPUs in $((SECONDS - t0)) s"
rc=0
for n in "${names[@]}"; do
	f=${n%%=*}
	out=$(GUEST_TIMEOUT=600 guest "online=\$(grep -c ^processor /proc/cpuinfo); r=''
		for i in \$(seq $rounds); do
			insmod /opt/tsq/$f || exit 1
			sleep 1
			a=\$(cut -d' ' -f1 /proc/uptime); rmmod tsqsteal || exit 1; b=\$(cut -d' ' -f1 /proc/uptime)
			r=\"\$r \$(echo \"\$a \$b\" | awk '{ printf \"%d ms,\", (\$2 - \$1) * 1000 }')\"
		done
		echo \"rmmod\${r%,} (\$online vCPUs online)\"") || rc=1
	echo "${n#*=}: $out"
done
vm_stop
exit $rc
