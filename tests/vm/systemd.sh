#!/usr/bin/env bash
# systemd.sh [CELL]: the fleet path on a booted Debian guest.
#
# A disk image of the cell's suite (bookworm, trixie...) with systemd,
# udev, dkms and the cell's kernel and headers (mmdebstrap, cached per
# kernel package version), booted from disk on an igb NIC.  In it, as
# an operator would:
#   apt install the .debs of `make deb`   DKMS builds tsqsteal; modprobe
#   irqbalance running: irqspread apply refuses, then --irqbalance
#   coordinate bans the queue IRQs; ethtool -L, apply --channels, check,
#   restore                               every file, the channel count and
#                                         irqbalance's config as at the start
#   modprobe.d options + modules-load.d, irqspread.service enabled, reboot:
#                                         loaded with those options at boot,
#                                         irqspread check exits 0
#   ethtool -L eth0 combined 2            the udev rule re-applies (< 5 s)
#   a second kernel (the RT flavour)      DKMS builds for it
#   apt purge                             no file of the packages left, the
#                                         NIC's IRQ/RPS/XPS back as found
# amd64 or arm64: an arm64 image's maintainer scripts run through
# qemu-user-static (installed with apt and registered in binfmt_misc
# when missing), and irqspread and tsqtop are cross-built (make deb
# ARCH=arm64); DKMS builds the module in the guest on both.
# The packages come from build/deb (make deb), served to the guest over
# HTTP from the guest's network namespace.  SYSTEMD_IMAGE_ONLY=1 builds
# the image and stops there.  SYSTEMD_KERNEL2=0 leaves out the second
# kernel (its DKMS build is half the run): make test runs it that way,
# make test-fleet and make soak in full.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib/apt.sh"
. "$here/lib/tap.sh"
. "$here/lib/vm.sh"

cell=${1:-6.1/amd64}
series=${cell%/*}
arch=${cell#*/}
case "$arch" in
amd64 | arm64) ;;
*) tap_fail "systemd: $cell" "want amd64 or arm64"; tap_summary; exit 1 ;;
esac
export CELL="$cell/systemd"
label=$CELL
log="$top/build/test-logs/${series}-${arch}-systemd"
rm -rf "$log"
mkdir -p "$log"
t0=$SECONDS
# Under TCG an arm64 guest runs gcc (DKMS) about half as fast.
slow=1
[ "$arch" = amd64 ] || slow=2

# A foreign image's maintainer scripts run through qemu-user (binfmt_misc).
# mmdebstrap wants arch-test for a foreign architecture.
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
	if ! dpkg-query -W -f='${Status}' qemu-user-static 2>/dev/null | grep -q 'ok installed' ||
		! dpkg-query -W -f='${Status}' arch-test 2>/dev/null | grep -q 'ok installed'; then
		echo "# systemd: installing qemu-user-static and arch-test with apt-get (for the $arch image)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			qemu-user-static arch-test >"$log/qemu-user.log" 2>&1
	fi
	[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null
	[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >>"$log/qemu-user.log" 2>&1 ||
		/usr/lib/systemd/systemd-binfmt /usr/lib/binfmt.d/qemu-aarch64.conf >>"$log/qemu-user.log" 2>&1
	if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
		tap_fail "$label: qemu-user-static registered for aarch64 (binfmt_misc)" "$(tail -n 5 "$log/qemu-user.log")"
		tap_summary
		exit 1
	fi
fi

if ! "$here/fetch.sh" "$cell" >"$log/fetch.log" 2>&1 ||
	! "$here/fetch.sh" "$series-rt/$arch" >"$log/fetch-rt.log" 2>&1; then
	tap_fail "$label: fetch kernel packages" "$(tail -n 5 "$log"/fetch*.log)"
	tap_summary
	exit 1
fi
celldir="$top/build/cells/${series}-${arch}"
# shellcheck disable=SC1090,SC1091
. "$top/build/cells/${series}-rt-${arch}/cell.env"
KVER2=$KVER
# shellcheck disable=SC1090,SC1091
. "$celldir/cell.env"

# The second kernel, as .debs the guest installs with dpkg: its image,
# headers and their common headers package.
kdebs=()
# shellcheck disable=SC2046
for p in "linux-image-$KVER2" "linux-headers-$KVER2" \
	$(apt_depends "$SUITE" "$arch" "linux-headers-$KVER2" | grep '^linux-headers-.*-common'); do
	kdebs+=("$(apt_fetch "$SUITE" "$arch" "$p")") || { tap_fail "$label: fetch $p"; tap_summary; exit 1; }
done

# --- the image -----------------------------------------------------------
pkgs="systemd-sysv,udev,kmod,dkms,gcc,make,libc6-dev,linux-image-$KVER,linux-headers-$KVER"
pkgs="$pkgs,initramfs-tools,ethtool,iproute2,procps,busybox-static,libjson-c5,irqbalance"
img="$TSQ_CACHE/systemd/$SUITE-$arch-$KVER-${KPKG_VERSION//[:~]/_}"
stamp="6 $pkgs"     # bump when the image's setup below changes
if [ "$(cat "$img/.ready" 2>/dev/null)" != "$stamp" ]; then
	echo "# $label: building the disk image (mmdebstrap, once per kernel package version)"
	rm -rf "$img"
	mkdir -p "$img"
	# The kernel of the cell may be a point release or security update.
	if ! mmdebstrap --quiet --mode=root --variant=minbase --arch="$arch" \
		--aptopt='Acquire::Check-Valid-Until "false"' --include="$pkgs" \
		"$SUITE" "$img/root" "deb $TSQ_MIRROR $SUITE main" "deb $TSQ_MIRROR $SUITE-updates main" \
		"deb $TSQ_SECURITY_MIRROR $SUITE-security main" >"$log/mmdebstrap.log" 2>&1; then
		tap_fail "$label: disk image (mmdebstrap)" "$(tail -n 10 "$log/mmdebstrap.log")"
		tap_summary
		exit 1
	fi
	r=$img/root
	echo tsqguest >"$r/etc/hostname"
	echo '/dev/vda / ext4 defaults 0 1' >"$r/etc/fstab"
	# The guest's end of the test network, and the agent tests/vm uses.
	mkdir -p "$r/etc/systemd/network" "$r/etc/tsq" "$r/bb"
	printf '[Match]\nName=eth0\n\n[Network]\nAddress=%s/24\nLinkLocalAddressing=no\n' \
		"$VM_GUEST_IP" >"$r/etc/systemd/network/eth0.network"
	# The agent of tests/vm, run by dash: busybox sh prefers its own
	# applets (dpkg, modprobe, modinfo...) to the system's.
	sed -e '1s|.*|#!/bin/sh|' -e 's|^\tsh -c "\$cmd"|\t/bin/sh -c "$cmd"|' \
		"$here/guest/agent.sh" >"$r/etc/tsq/agent.sh"
	chmod +x "$r/etc/tsq/agent.sh"
	chroot "$r" /bin/busybox --install -s /bb
	cat >"$r/etc/systemd/system/tsq-agent.service" <<'UNIT'
[Unit]
Description=tsqsteal test agent
After=network.target

[Service]
ExecStart=/bin/busybox nc -ll -p 7000 -e /etc/tsq/agent.sh
ExecStartPost=/bin/sh -c 'echo TSQ-GUEST-READY >/dev/console'
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
	chroot "$r" systemctl enable tsq-agent.service systemd-networkd.service >/dev/null 2>&1
	# irqbalance installed but not started at boot: the boots below test
	# irqspread.service alone; "beside irqbalance" starts it by hand.
	chroot "$r" systemctl disable irqbalance.service >/dev/null 2>&1
	# An admin's own irqbalance option, which --irqbalance coordinate must
	# keep: the default rebalance interval, spelled out (a shorter one lets
	# irqbalance move IRQs between the snapshots compared below).
	echo 'IRQBALANCE_ARGS="--interval=10"' >>"$r/etc/default/irqbalance"
	# No KVM inside a TCG guest: QEMU's default x86 CPU offers SVM, so udev
	# loads kvm_amd, whose init rewrites static calls with text_poke IPIs
	# to every vCPU; under TCG that stalled RCU for a minute in one boot.
	printf 'blacklist kvm_amd\nblacklist kvm_intel\nblacklist kvm\n' >"$r/etc/modprobe.d/tsq-test-nokvm.conf"
	chroot "$r" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service \
		systemd-networkd-wait-online.service >/dev/null 2>&1
	mkdir -p "$r/opt/tsq/kernel2"
	cp "${kdebs[@]}" "$r/opt/tsq/kernel2/"
	cp "$r/boot/initrd.img-$KVER" "$img/initrd.img"
	rm -rf "$r/var/cache/apt/archives"/*.deb
	if ! mke2fs -q -t ext4 -L root -d "$r" "$img/disk.raw" 4G >"$log/mke2fs.log" 2>&1; then
		tap_fail "$label: disk image (mke2fs)" "$(tail -n 5 "$log/mke2fs.log")"
		tap_summary
		exit 1
	fi
	rm -rf "$r"
	echo "$stamp" >"$img/.ready"
fi
tap_ok "$label: disk image: $SUITE, systemd, dkms, $KVER and its headers"
[ -n "${SYSTEMD_IMAGE_ONLY:-}" ] && { tap_summary; exit 0; }

# --- the packages --------------------------------------------------------
# tsqsteal-dkms is arch all; irqspread and tsqtop are cross-built for arm64.
if ! make -C "$top" deb >"$log/deb.log" 2>&1 ||
	{ [ "$arch" != "$(dpkg --print-architecture)" ] && ! make -C "$top" deb ARCH="$arch" >>"$log/deb.log" 2>&1; }; then
	tap_fail "$label: make deb" "$(tail -n 10 "$log/deb.log")"
	tap_summary
	exit 1
fi
debdir="$top/build/deb"
version=$(cat "$top/VERSION")

disk="$log/disk.qcow2"
qemu-img create -q -f qcow2 -F raw -b "$img/disk.raw" "$disk"
export VM_NIC=igb VM_INITRD="$img/initrd.img" VM_DRIVE="file=$disk,if=virtio,format=qcow2"
export VM_APPEND="root=/dev/vda rw systemd.show_status=0"
export VM_BOOT_TIMEOUT=300
# boot WHAT N: one boot from the disk.  When QEMU itself aborts (trixie's
# QEMU 10 under TCG has died here on an assertion in iotlb_to_section a
# second into a boot), the guest gets one more boot, and its line says so;
# a guest that fails to come up on its own is a failure at once.
boot() {
	local try=1 abort=""
	while ! vm_start "$celldir" "$log"; do
		vm_stop
		abort=$(grep -m1 'Assertion .* failed' "$log/qemu.log")
		if [ "$try" -eq 2 ] || [ -z "$abort" ]; then
			tap_fail "$label: $1: guest boots" "$(tail -n 30 "$log/console.log")" ${abort:+"QEMU: $abort"}
			return 1
		fi
		mv "$log/console.log" "$log/console-$2-qemu-abort.log"
		mv "$log/qemu.log" "$log/qemu-$2-abort.log"
		echo "# $label: $1: QEMU aborted during the boot ($abort); booting again"
		try=2
	done
	cp "$log/console.log" "$log/console-$2.log"
	tap_ok "$label: $1: guest boots from disk with systemd (${VM_BOOT_SECONDS}s${abort:+, boot 2 of 2 after QEMU aborted})"
}
# guest_long SECONDS CMD: CMD run in the background in the guest and
# polled until it ends (the agent's connection gives up after 10 s of
# silence; apt with a DKMS build is silent for a minute); prints its
# output, returns its status, 124 when it outlasts SECONDS.
# Each run has a name of its own: check runs this in a subshell, where a
# counter would not survive.
guest_long() {
	local limit=$1 rc="" i id
	shift
	id=/tmp/gl-$(date +%s%N)
	guest "echo $(printf '%s' "$*" | base64 -w0) | base64 -d >$id.sh
		(sh $id.sh >$id.out 2>&1; echo \$? >$id.rc) >/dev/null 2>&1 &" >/dev/null
	for i in $(seq "$limit"); do
		rc=$(guest "cat $id.rc 2>/dev/null")
		[ -n "$rc" ] && break
		sleep 1
	done
	guest "cat $id.out"
	[ -n "$rc" ] || return 124
	return "$rc"
}
httpd_pid=""
serve() {
	client python3 -m http.server 8000 --bind "$VM_HOST_IP" --directory "$debdir" >"$log/httpd.log" 2>&1 &
	httpd_pid=$!
	for _ in $(seq 50); do client bash -c "exec 3<>/dev/tcp/$VM_HOST_IP/8000" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
cleanup() {
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	vm_stop
}
trap cleanup EXIT

boot "first boot" 1 || { tap_summary; exit 1; }
serve || tap_fail "$label: HTTP server for the .debs in the guest's namespace"

# The NIC as the image booted it: what apt purge must bring back.  Its
# IRQs by name: ethtool -L re-creates the vectors, and the kernel may give
# them other numbers (a run here went from 24-32 to 29-37).
irqaff='grep eth0 /proc/interrupts | while read -r i rest; do
	echo "irq ${rest##* } $(cat /proc/irq/${i%:}/smp_affinity_list)"; done | sort'
state="$irqaff"'
	for f in /sys/class/net/eth0/queues/*/rps_cpus /sys/class/net/eth0/queues/*/xps_cpus; do
	echo "$f $(cat $f 2>/dev/null)"; done'
guest "$state" >"$log/state-stock"

# --- install -------------------------------------------------------------
t=$SECONDS
check "$label: apt install ./tsqsteal-dkms ./irqspread ./tsqtop (DKMS builds for $KVER)" \
	guest_long $((600 * slow)) "cd /tmp && for p in tsqsteal-dkms_${version}_all irqspread_${version}_$arch tsqtop_${version}_$arch; do
		busybox wget -q http://$VM_HOST_IP:8000/\$p.deb || exit 1; done
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./tsqsteal-dkms_${version}_all.deb \
			./irqspread_${version}_$arch.deb ./tsqtop_${version}_$arch.deb"
echo "# $label: install with the DKMS build took $((SECONDS - t)) s"
check "$label: dkms status: tsqsteal $version installed for $KVER" \
	guest "dkms status tsqsteal | grep -q '^tsqsteal/$version, $KVER, .*: installed'"
check "$label: installing loaded nothing" guest "! test -e /sys/module/tsqsteal"
check "$label: modprobe tsqsteal; modinfo says $version, from updates/dkms" \
	guest "modprobe tsqsteal && test \"\$(modinfo -F version tsqsteal)\" = $version &&
		modinfo -n tsqsteal | grep -q '/updates/dkms/tsqsteal.ko'"
check "$label: the module runs: its stats file lists every CPU" \
	guest "test \$(grep -c '^ *[0-9]' /sys/kernel/debug/tsqsteal/stats) -eq \$(nproc)"

# --- beside irqbalance ------------------------------------------------------
# As issue 16 asks: irqspread with irqbalance running (--irqbalance
# coordinate), the NIC's channel count changed under it, apply --channels,
# check, restore: everything as at the start.  The reboot below starts
# from a clean boot (irqbalance is not enabled in the image).
# ibstate: what apply, --channels and restore touch, with irqbalance's
# config by hash; banned: the IRQs the live irqbalance was started with
# --banirq for; queues: eth0's queue IRQs (igb: eth0-rx-N and eth0-tx-N).
ibstate="$irqaff"'
	for f in /sys/class/net/eth0/queues/*/rps_cpus /sys/class/net/eth0/queues/*/rps_flow_cnt \
		/sys/class/net/eth0/queues/*/xps_cpus /proc/sys/net/core/rps_sock_flow_entries; do
	echo "$f $(cat $f 2>/dev/null)"; done
	echo "channels $(ethtool -l eth0 | awk "/^Combined:/ { n = \$2 } END { print n }")"
	echo "/etc/default/irqbalance $(sha256sum </etc/default/irqbalance)"'
banned='p=$(pgrep -x irqbalance) && tr "\0" "\n" </proc/$p/cmdline | sed -n "s/^--banirq=//p" | sort -n | tr "\n" " "; echo'
queues='awk -F: "/eth0-/ { gsub(/ /, \"\", \$1); print \$1 }" /proc/interrupts | sort -n | tr "\n" " "; echo'
ib_settle() { sleep 12; }	# irqbalance places every 10 s, first 10 s after start
# ib_bans WANT: the live irqbalance's bans, polled for up to 5 s until
# they are WANT: systemctl try-restart returns once the new daemon is
# forked, and under TCG pgrep has missed it (arm64) just after.
ib_bans() {
	local b i
	for i in $(seq 10); do
		b=$(guest "$banned")
		[ "$b" = "$1" ] && break
		sleep 0.5
	done
	echo "$b"
}
check "$label: irqbalance: systemctl start irqbalance, running" \
	guest "systemctl start irqbalance && for i in \$(seq 50); do pgrep -x irqbalance >/dev/null && exit 0; sleep 0.1; done; exit 1"
ib_settle
guest "$ibstate" >"$log/ib-start"
check "$label: irqbalance: apply (--irqbalance refuse, the default): refused in one line, nothing saved" \
	guest "out=\$(irqspread apply eth0 --policy spread --save /tmp/ib-refused.json 2>&1); rc=\$?; echo \"\$out\"
		test \$rc -ne 0 && test \$(echo \"\$out\" | wc -l) -eq 1 && ! test -e /tmp/ib-refused.json"
guest "$ibstate" >"$log/ib-refused"
check "$label: irqbalance: the refused apply changed nothing" diff "$log/ib-start" "$log/ib-refused"
pid0=$(guest "pgrep -x irqbalance")
check "$label: irqbalance: apply --irqbalance coordinate" \
	guest "irqspread apply eth0 --policy spread --irqbalance coordinate --save /tmp/ib-saved.json"
q=$(guest "$queues")
b=$(ib_bans "$q")
check "$label: irqbalance: restarted (pid $pid0 -> $(guest "pgrep -x irqbalance")) with --banirq for every queue IRQ of eth0 ($q) and no other ($b)" \
	sh -c "test -n '$q' && test '$q' = '$b' && test '$pid0' != '$(guest "pgrep -x irqbalance")'"
check "$label: irqbalance: restarted with the admin's own IRQBALANCE_ARGS kept (--interval=10)" \
	guest 'tr "\0" "\n" </proc/$(pgrep -x irqbalance)/cmdline | grep -qx -- --interval=10'
ib_settle
check "$label: irqbalance: a rebalance interval later, irqspread check exits 0" guest "irqspread check eth0"
n0=$(guest "ethtool -l eth0 | awk '/^Combined/ { n = \$2 } END { print n }'")
if [ "${n0:-0}" -ge 4 ]; then
	n1=2 n2=3
	check "$label: irqbalance: ethtool -L eth0 combined $n1 (from $n0): irqspread check drifts" \
		guest "ethtool -L eth0 combined $n1 && sleep 2; irqspread check eth0; test \$? -eq 1"
	check "$label: irqbalance: apply --channels $n2 --irqbalance coordinate" \
		guest "irqspread apply eth0 --policy spread --irqbalance coordinate --channels $n2 --save /tmp/ib-saved.json"
	q=$(guest "$queues")
	b=$(ib_bans "$q")
	n=$(guest "ethtool -l eth0 | awk '/^Combined/ { n = \$2 } END { print n }'")
	check "$label: irqbalance: $n channels (want $n2); irqbalance bans their queue IRQs ($q) and no other ($b)" \
		sh -c "test '$n' = $n2 && test -n '$q' && test '$q' = '$b'"
	ib_settle
	check "$label: irqbalance: --channels $n2: irqspread check exits 0 a rebalance interval later" \
		guest "irqspread check eth0"
	check "$label: irqbalance: restore" guest "irqspread restore /tmp/ib-saved.json"
	ib_settle
	guest "$ibstate" >"$log/ib-end"
	check "$label: irqbalance: after restore: channels, IRQ affinity, RPS, XPS, RFS and /etc/default/irqbalance byte-identical to the start" \
		diff "$log/ib-start" "$log/ib-end"
	b=$(ib_bans "")
	check "$label: irqbalance: after restore it runs ($(guest "pgrep -x irqbalance")) with no --banirq ($b)" \
		sh -c "test -n '$(guest "pgrep -x irqbalance")' && test -z '$b'"
else
	tap_fail "$label: irqbalance: eth0 has $n0 channels, want at least 4 for ethtool -L and --channels"
fi
guest "systemctl stop irqbalance" >/dev/null

# --- configure, reboot ---------------------------------------------------
check "$label: configure: modprobe.d options, modules-load.d, irqspread.service enabled" \
	guest "echo 'options tsqsteal policy=home budget=32' >>/etc/modprobe.d/tsqsteal.conf &&
		cp \$(find /usr/share/doc/tsqsteal-dkms -path '*modules-load.d/tsqsteal.conf') /etc/modules-load.d/ &&
		sed -i 's/^#IRQSPREAD_DEVICES=.*/IRQSPREAD_DEVICES=eth0/' /etc/default/irqspread &&
		systemctl enable irqspread.service && rmmod tsqsteal"
guest "sync; (sleep 1; systemctl reboot) >/dev/null 2>&1 &" >/dev/null
for _ in $(seq 120); do vm_alive || break; sleep 1; done
vm_alive && tap_fail "$label: the guest rebooted (QEMU exits at reboot)"
kill "$httpd_pid" 2>/dev/null
vm_stop
boot "after reboot" 2 || { tap_summary; exit 1; }
check "$label: after reboot: tsqsteal loaded at boot with the configured options (policy home, budget 32)" \
	guest "test \"\$(cat /sys/module/tsqsteal/parameters/policy) \$(cat /sys/module/tsqsteal/parameters/budget)\" = 'home 32'"
check "$label: after reboot: irqspread.service applied the policy (active, irqspread check exits 0)" \
	guest "systemctl is-active -q irqspread.service && irqspread check eth0 ||
		{ systemctl status --no-pager irqspread.service; journalctl -b --no-pager -u irqspread.service | tail -n 20; exit 1; }"

# --- the NIC re-creates its IRQs ------------------------------------------
n0=$(guest "ethtool -l eth0 | awk '/^Combined/ { n = \$2 } END { print n }'")
check "$label: ethtool -L eth0 combined 2 (from $n0)" guest "ethtool -L eth0 combined 2"
check "$label: within 5 s the udev rule re-applied: irqspread check exits 0 on the new IRQs" \
	guest "for i in \$(seq 50); do sleep 0.1; irqspread check eth0 >/dev/null 2>&1 && exit 0; done; irqspread check eth0"
check "$label: ethtool -L eth0 combined $n0 again; re-applied within 5 s" \
	guest "ethtool -L eth0 combined $n0 && for i in \$(seq 50); do sleep 0.1; irqspread check eth0 >/dev/null 2>&1 && exit 0; done; irqspread check eth0"

# --- a kernel upgrade -------------------------------------------------------
# No initramfs for it (update-initramfs.conf): nothing boots it here, and
# making one took minutes under TCG; DKMS runs from the kernel's postinst
# hooks either way.  The module may be compressed as the kernel's are
# (trixie's: tsqsteal.ko.xz).
t=$SECONDS
if [ "${SYSTEMD_KERNEL2:-1}" = 0 ]; then
	tap_skip "$label: a second kernel ($KVER2): DKMS builds tsqsteal for it" "SYSTEMD_KERNEL2=0 (make test-fleet runs it)"
else
	check "$label: a second kernel ($KVER2): DKMS builds tsqsteal for it" \
		guest_long $((900 * slow)) "sed -i 's/^update_initramfs=.*/update_initramfs=no/' /etc/initramfs-tools/update-initramfs.conf &&
			cd /opt/tsq/kernel2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./*.deb >/tmp/kernel2.log 2>&1 ||
				{ tail -n 20 /tmp/kernel2.log; exit 1; }
			dkms status tsqsteal | grep -q '^tsqsteal/$version, $KVER2, .*: installed' &&
			ls /lib/modules/$KVER2/updates/dkms/tsqsteal.ko* >/dev/null 2>&1 ||
			{ dkms status tsqsteal; ls -l /lib/modules/$KVER2/updates/dkms/; exit 1; }"
	echo "# $label: second kernel with its DKMS build took $((SECONDS - t)) s"
fi

# --- remove ---------------------------------------------------------------
guest "dpkg -L tsqsteal-dkms irqspread tsqtop | sort -u >/tmp/pkgfiles" >/dev/null
check "$label: apt purge tsqsteal-dkms irqspread tsqtop" \
	guest_long 300 "{ ! test -e /sys/module/tsqsteal || rmmod tsqsteal; } && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q tsqsteal-dkms irqspread tsqtop"
left=$(guest "while read -r f; do [ -f \"\$f\" ] && echo \"\$f\"; done </tmp/pkgfiles
	ls -d /lib/modules/*/updates/dkms/tsqsteal.ko* /var/lib/dkms/tsqsteal /etc/modprobe.d/tsqsteal.conf 2>/dev/null
	true" | tr '\n' ' ')
check "$label: apt purge left no file of the packages, no module for either kernel (${left:-none})" test -z "$left"
guest "$state" >"$log/state-after"
check "$label: after purge the NIC's IRQ affinity, RPS and XPS are as the image booted" \
	diff "$log/state-stock" "$log/state-after"
check "$label: kernel log: no WARN, BUG or Oops" \
	guest "! dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace'"

echo "# $label took $((SECONDS - t0))s"
tap_summary
