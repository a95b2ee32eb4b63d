#!/usr/bin/env bash
# run.sh: the VM test matrix.  For each cell (kernel series / arch):
# fetch its Debian kernel, build the module in the suite's chroot, pack
# the guest, boot it with a multi-queue NIC, run tests/vm/scenarios/*.sh,
# scan the kernel log, power off.  One TAP line per check.
#
#   MATRIX="6.1/amd64 7/arm64"   cells to run (default: all six)
#   QUICK=1 / SOAK=1             shorter / longer traffic
#   SCENARIOS="10 20"            scenario prefixes to run (default: all)
#   BROKEN=1                     build a module that WARNs at load (proves
#                                the harness catches it)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

MATRIX=${MATRIX:-"6.1/amd64 6.1/arm64 6.12/amd64 6.12/arm64 7/amd64 7/arm64 7/amd64/igb"}
# Soak cells ran 1252-1330 s on 2026-12-02: give them an hour.
if [ -n "${SOAK:-}" ]; then CELL_TIMEOUT=${CELL_TIMEOUT:-3600}; else CELL_TIMEOUT=${CELL_TIMEOUT:-1200}; fi
export TSQ_RUN_DIR="$top/build/run"
LOGS="$top/build/test-logs"
rm -rf "$TSQ_RUN_DIR"
mkdir -p "$TSQ_RUN_DIR" "$LOGS"
export TAP_DIR="$TSQ_RUN_DIR/tap"
mkdir -p "$TAP_DIR"

. "$here/lib/tap.sh"
. "$here/lib/vm.sh"
. "$here/lib/helpers.sh"

# run_cell SERIES/ARCH[/NIC]: NIC e1000e (default) or igb.
run_cell() {
	local label=$1 series arch nic rest cell name dir log s
	IFS=/ read -r series arch nic rest <<<"$label"
	case "${nic:-e1000e}/$rest" in
	e1000e/ | igb/) ;;
	*)
		tap_fail "$label: matrix cell" "want SERIES/ARCH or SERIES/ARCH/igb|e1000e"
		return
		;;
	esac
	VM_NIC=${nic:-e1000e}
	cell=$series/$arch
	name=$series-$arch
	dir="$top/build/cells/$name"
	log="$LOGS/${label//\//-}"
	rm -rf "$log"
	mkdir -p "$log" "$dir"
	CELL=$label

	if ! "$here/fetch.sh" "$cell" >"$log/fetch.log" 2>&1; then
		tap_fail "$label: fetch kernel packages" "$(tail -n 5 "$log/fetch.log")"
		return
	fi
	# shellcheck disable=SC1091
	. "$dir/cell.env"
	tap_ok "$label: kernel $KVER ($KPKG_VERSION) from $SUITE fetched"

	local extra=""
	[ -n "${BROKEN:-}" ] && extra="TSQ_EXTRA_CFLAGS=-DTSQ_SELFTEST_BROKEN"
	if "$here/build.sh" "$cell" W=1 $extra >"$log/build.log" 2>&1 &&
		! grep -qi 'warning:' "$dir/build.log"; then
		tap_ok "$label: module builds with W=1, no warnings"
	else
		tap_fail "$label: module builds with W=1, no warnings" \
			"$(grep -i -m5 'warning:\|error' "$dir/build.log" "$log/build.log")"
		return
	fi
	if ! guest_helpers "$dir" "$ARCH" >"$log/helpers.log" 2>&1 ||
		! "$here/initramfs.sh" "$cell" >"$log/initramfs.log" 2>&1; then
		tap_fail "$label: guest image" "$(tail -n 5 "$log/initramfs.log" "$log/helpers.log")"
		return
	fi

	if ! vm_start "$dir" "$log"; then
		tap_fail "$label: guest boots" "$(tail -n 50 "$log/console.log")"
		vm_stop
		return
	fi
	CELL=$label     # cell.env, sourced by vm_start, names the kernel cell only
	tap_ok "$label: guest boots ($VM_ACCEL, $VM_CPUS vCPUs, $VM_NIC, ${VM_BOOT_SECONDS}s)"
	echo "ACCEL=$VM_ACCEL" >>"$log/cell.env"

	# ENA-like: every NIC interrupt on CPU 0, so TX completions, tcp_wfree
	# and stock TSQ work all land there.
	IRQ_CPUS=0
	guest "for i in \$(awk -F: '/eth0/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do
		echo $IRQ_CPUS > /proc/irq/\$i/smp_affinity_list; done" >/dev/null

	# The igb cell is there for the NIC: what does not depend on it (the
	# parameter checks, the starvation windows) runs on the e1000e cells,
	# and on igb too in soak.
	local skip=""
	[ "$VM_NIC" = igb ] && [ -z "${SOAK:-}" ] && skip=" 30 50 "
	local deadline=$((SECONDS + CELL_TIMEOUT))
	for s in "$here"/scenarios/*.sh; do
		if [ -n "${SCENARIOS:-}" ]; then
			case " $SCENARIOS " in *" $(basename "$s" | cut -c1-2) "*) ;; *) continue ;; esac
		fi
		case "$skip" in *" $(basename "$s" | cut -c1-2) "*)
			echo "# $label: scenario $(basename "$s") runs on the e1000e cells (and here in soak)"
			continue ;;
		esac
		if [ $SECONDS -gt $deadline ]; then
			tap_fail "$label: $(basename "$s"): cell over its CELL_TIMEOUT of ${CELL_TIMEOUT}s" \
				"$(tail -n 5 "$log/console.log")"
			break
		fi
		if ! vm_alive; then
			tap_fail "$label: $(basename "$s"): guest stopped answering" \
				"$(tail -n 50 "$log/console.log")"
			break
		fi
		echo "# $label: scenario $(basename "$s")"
		local s_t0=$SECONDS
		# shellcheck disable=SC1090
		. "$s"
		echo "# $label: scenario $(basename "$s") took $((SECONDS - s_t0))s"
	done

	guest dmesg >"$log/dmesg.log" 2>&1 || true
	vm_stop
	if klog_clean "$log/console.log" "$log/dmesg.log" >"$log/bad-lines.log"; then
		tap_ok "$label: kernel log clean (no WARN/BUG/lockdep/RCU stall)"
	else
		tap_fail "$label: kernel log clean (no WARN/BUG/lockdep/RCU stall)" \
			"$(head -n 20 "$log/bad-lines.log")"
	fi
}

. "$here/lib/scen.sh"
for cell in $MATRIX; do
	echo "# === $cell"
	cell_t0=$SECONDS
	run_cell "$cell"
	echo "# $cell took $((SECONDS - cell_t0))s"
done
tap_summary
