# Boot one guest in QEMU behind a tap device in a network namespace of
# its own, and talk to it.  Sourced by run.sh and by the bench.
#
#   vm_start CELLDIR LOGDIR   boot; returns when the guest agent answers
#                             (VM_INITRD, VM_DRIVE: boot a disk image instead
#                             of the cell's initramfs, tests/vm/systemd.sh)
#   guest CMD                 run CMD in the guest, print its output, return its status
#   client CMD...             run CMD in the client namespace (the host side of the tap)
#   vm_stop                   power off, kill if needed, delete the namespace
#
# Traffic only ever flows between the guest and that namespace.
# shellcheck shell=bash

VM_HOST_IP=${VM_HOST_IP:-10.77.0.1}
VM_GUEST_IP=${VM_GUEST_IP:-10.77.0.2}
VM_AGENT_PORT=7000
VM_CPUS=${VM_CPUS:-4}
VM_MEM=${VM_MEM:-1536}
VM_NIC=${VM_NIC:-e1000e}
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-150}
VM_BOOT_BAD="rcu: INFO: rcu_.* detected stalls|timer wakeup didn't happen|Kernel panic|soft lockup"
VM_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# KVM exists here but Debian kernels hang under it: probe with a short
# timeout, fall back to TCG.  The answer belongs to the host (its kernel,
# /dev/kvm, the QEMU binary) and the probe costs 25 s when KVM hangs, so
# it is kept per host kernel and QEMU version, for a day.
# TSQ_ACCEL=tcg|kvm skips the probe.
vm_accel() {
	local arch=$1 cache
	[ "$arch" = amd64 ] || { echo tcg; return; }
	[ -n "${TSQ_ACCEL:-}" ] && [ "$TSQ_ACCEL" != auto ] && { echo "$TSQ_ACCEL"; return; }
	cache="${TSQ_CACHE:-$HOME/.cache/tsqsteal}/accel/$arch-$(uname -r)-$(qemu-system-x86_64 --version 2>/dev/null | awk 'NR == 1 { print $4 }')"
	mkdir -p "$(dirname "$cache")"
	[ -n "$(find "$cache" -mmin -1440 2>/dev/null)" ] && { cat "$cache"; return; }
	local a=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		# shellcheck disable=SC1091
		if timeout 25 qemu-system-x86_64 -accel kvm -M q35 -m 256 -nographic -no-reboot \
			-kernel "$VMLINUZ" -append "console=ttyS0 panic=-1 rdinit=/bin/does-not-exist" \
			-monitor none 2>/dev/null | grep -q -m1 "Kernel panic"; then
			a=kvm
		fi
	fi
	echo "$a" | tee "$cache"
}

vm_start() {
	local celldir=$1 logdir=$2 qemu machine console nicdev accel i wrap="" clock=""
	# shellcheck disable=SC1091
	. "$celldir/cell.env"
	VM_LOGDIR=$logdir
	VM_CONSOLE="$logdir/console.log"
	VM_NS="tsq-$$-${CELL//[\/.]/-}"
	mkdir -p "$logdir"
	: >"$VM_CONSOLE"
	accel=$(vm_accel "$ARCH")
	VM_ACCEL=$accel
	# No option ROM: the guest boots with -kernel, and trixie's QEMU tree
	# carries no NIC ROMs.
	nicdev="$VM_NIC,netdev=n0,mac=52:54:00:77:00:02,romfile="
	# x86 guests keep the TSC as their clocksource.  Under TCG the kernel's
	# sync check at CPU bring-up marks it unstable and falls back to HPET,
	# an emulated device whose every read (TCP reads the clock several
	# times per packet) is slow and serialised: measured on 6.1, stock
	# TCP sent ~32 KiB per skb and tsqsteal's queue path ~3 KiB, at
	# 138-225 against 17-19 MB/s (docs/testing.md).  Real x86 servers and
	# cloud VMs run on the TSC (or kvm-clock); TCG's TSC is one virtual
	# clock for all vCPUs.  VM_CLOCKSOURCE=hpet restores the fallback.
	case "$ARCH" in
	amd64)
		qemu=qemu-system-x86_64 machine="-M q35" console=ttyS0
		[ "${VM_CLOCKSOURCE:-tsc}" = tsc ] && clock="tsc=reliable clocksource=tsc"
		;;
	arm64) qemu=qemu-system-aarch64 machine="-M virt -cpu max,pauth-impdef=on" console=ttyAMA0 ;;
	esac
	[ "$accel" = kvm ] && machine="$machine -cpu host"
	# Guests run on trixie's QEMU 10 (qemu.sh), not the host's 7.2: igb
	# (the ENA-like NIC) needs QEMU >= 8, and 7.2's TCG breaks x86 INT3
	# text patching: a stock sid 7.2 amd64 guest died with "Oops: int3"
	# at a just-patched site within seconds of toggling ftrace on
	# tcp_wfree under traffic, and once at boot in a jump label, with no
	# module loaded; on QEMU 10 the same 60 s test (278 toggles) ran
	# clean.  VM_QEMU=host keeps the host's QEMU (not with igb).
	if [ "$VM_NIC" = igb ] || [ "${VM_QEMU:-trixie}" = trixie ]; then
		"$VM_LIBDIR/../qemu.sh" prepare >/dev/null || return 1
		wrap="$VM_LIBDIR/../qemu.sh exec"
	fi
	ip netns add "$VM_NS"
	ip -n "$VM_NS" link set lo up
	# shellcheck disable=SC2086
	ip netns exec "$VM_NS" $wrap $qemu $machine -accel "$accel" -smp "$VM_CPUS" -m "$VM_MEM" \
		-kernel "$VMLINUZ" -initrd "${VM_INITRD:-$celldir/initrd.cpio}" \
		${VM_DRIVE:+-drive "$VM_DRIVE"} \
		-append "console=$console loglevel=5 panic=-1 net.ifnames=0 $clock ${VM_APPEND:-}" \
		-netdev tap,id=n0,ifname=tsqtap0,script=no,downscript=no \
		-device "$nicdev" \
		-display none -monitor none -serial "file:$VM_CONSOLE" -no-reboot \
		>"$logdir/qemu.log" 2>&1 &
	VM_PID=$!
	for i in $(seq 50); do
		ip -n "$VM_NS" link show tsqtap0 >/dev/null 2>&1 && break
		sleep 0.2
	done
	ip -n "$VM_NS" addr add "$VM_HOST_IP/24" dev tsqtap0 2>/dev/null || true
	ip -n "$VM_NS" link set tsqtap0 up 2>/dev/null || true
	# A boot that stalls is given up at once (x86 TCG guests have lost a
	# vCPU's timer at boot: "rcu_preempt kthread timer wakeup didn't
	# happen"); the agent gets one short try per second, not guest()'s
	# five long ones.
	for i in $(seq "$VM_BOOT_TIMEOUT"); do
		if grep -q "TSQ-GUEST-READY" "$VM_CONSOLE" 2>/dev/null &&
			GUEST_TIMEOUT=5 guest true >/dev/null 2>&1; then
			VM_BOOT_SECONDS=$i
			return 0
		fi
		if grep -q -E "$VM_BOOT_BAD" "$VM_CONSOLE" 2>/dev/null; then
			echo "# boot: the console says: $(grep -m1 -E "$VM_BOOT_BAD" "$VM_CONSOLE")"
			return 1
		fi
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 1
	done
	return 1
}

# vm_boot CELLDIR LOGDIR: vm_start, and once more if that boot does not
# come up.  Nothing of ours runs before the guest is ready (scenarios load
# the module), so a boot that hangs is the emulator's: CI of f9d3e97 lost
# 6.12/amd64 to a vCPU whose timer never fired at 4 s of a TCG boot, and
# a run here hit the same the day after.  The first console is kept as
# console-boot1.log; VM_BOOTS says how many boots it took.
vm_boot() {
	VM_BOOTS=1
	vm_start "$1" "$2" && return 0
	vm_stop
	mv "$2/console.log" "$2/console-boot1.log"
	echo "# first boot did not come up; its console, last lines:"
	tail -n 6 "$2/console-boot1.log" | cut -c1-160 | sed 's/^/#   /'
	VM_BOOTS=2
	vm_start "$1" "$2"
}

# guest CMD: the agent runs one shell command per connection.  Each
# request carries an ID; when an answer is lost the same request is sent
# again and the agent replays the stored answer (tests/vm/guest/agent.sh).
VM_REQ=0
guest() {
	local out rc id try enc
	VM_REQ=$((VM_REQ + 1))
	enc=$(printf '%s' "$*" | base64 -w0)
	id="r$$-${BASHPID:-0}-$VM_REQ-$RANDOM"
	for try in 1 2 3 4 5; do
		out=$(printf '%s %s\n' "$id" "$enc" | ip netns exec "$VM_NS" timeout "${GUEST_TIMEOUT:-300}" \
			nc -N -w 10 "$VM_GUEST_IP" "$VM_AGENT_PORT" 2>/dev/null) || true
		rc=$(printf '%s\n' "$out" | sed -n 's/^__tsq_rc=\([0-9]*\)$/\1/p' | tail -n1)
		[ -n "$rc" ] && break
		# A dead guest (panic, QEMU gone) answers nothing: do not wait.
		vm_alive || break
		[ "${GUEST_TIMEOUT:-300}" -le 5 ] && break
		sleep 1
	done
	printf '%s\n' "$out" | sed '/^__tsq_rc=[0-9]*$/d'
	[ -n "$rc" ] || return 255
	return "$rc"
}

client() {
	ip netns exec "$VM_NS" "$@"
}

vm_alive() {
	kill -0 "$VM_PID" 2>/dev/null
}

vm_stop() {
	local i
	# The guest has no disk (a disk guest's overlay is thrown away):
	# nothing to sync, so QEMU is just stopped (a poweroff cost 5 s).
	if vm_alive; then
		kill -TERM "$VM_PID" 2>/dev/null
		for i in $(seq 20); do vm_alive || break; sleep 0.25; done
		vm_alive && kill -9 "$VM_PID" 2>/dev/null
	fi
	wait "$VM_PID" 2>/dev/null || true
	ip netns del "$VM_NS" 2>/dev/null || true
}
