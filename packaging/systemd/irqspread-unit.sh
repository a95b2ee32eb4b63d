#!/bin/sh
# irqspread-unit: what irqspread's systemd units run.  It reads
# /etc/default/irqspread and turns it into one irqspread command line;
# every error is irqspread's own line, or one of ours naming the setting.
#   apply          irqspread.service start: once the NICs are up, save to
#                  STATE and apply the policy
#   restore        irqspread.service stop: put back what STATE holds
#   reapply IFACE  irqspread-reapply@IFACE.service (udev): apply again after
#                  IFACE's queues changed, saving to a file of its own
#   check          irqspread-check.service: exit 0 matches, 1 drifted, 2 error
# Tests point it elsewhere: IRQSPREAD_CONF, IRQSPREAD_BIN, IRQSPREAD_STATE
# and IRQSPREAD_SYS (the /sys that says whether a NIC has a device).
set -u
conf=${IRQSPREAD_CONF:-/etc/default/irqspread}
bin=${IRQSPREAD_BIN:-@SBINDIR@/irqspread}
state=${IRQSPREAD_STATE:-/run/irqspread/saved.json}
sys=${IRQSPREAD_SYS:-/sys}

die() {
	echo "irqspread-unit: $*" >&2
	exit 1
}

IRQSPREAD_DEVICES=""
IRQSPREAD_POLICY=spread
IRQSPREAD_OPTS=""
IRQSPREAD_IRQBALANCE=refuse
IRQSPREAD_WAIT=30
if [ -e "$conf" ]; then
	# shellcheck source=/dev/null
	. "$conf" || die "$conf: cannot be read as shell assignments"
fi
case $IRQSPREAD_IRQBALANCE in
refuse | coordinate | ignore) ;;
*) die "$conf: IRQSPREAD_IRQBALANCE='$IRQSPREAD_IRQBALANCE': want refuse, coordinate or ignore" ;;
esac

# IRQSPREAD_DEVICES and IRQSPREAD_OPTS are lists of words: split on purpose.
# shellcheck disable=SC2086
# apply SAVEFILE [OPTION]: irqspread apply, saving to SAVEFILE first.
apply() {
	save=$1
	shift
	exec "$bin" apply $IRQSPREAD_DEVICES --policy "$IRQSPREAD_POLICY" \
		--irqbalance="$IRQSPREAD_IRQBALANCE" --save "$save" $IRQSPREAD_OPTS "$@"
}

# wait_up: at boot this unit may run before networking opens the NICs, and
# a NIC requests its queue IRQs when opened (a booted Debian guest's igb:
# "/proc/irq/24/smp_affinity_list: cannot read").  Wait up to
# IRQSPREAD_WAIT seconds (default 30) for the NICs to place to be up
# (IFF_UP); one still down is left out, said in one line.  Sets $only to
# the NICs to name on the command line (empty: irqspread's default).
wait_up() {
	devs=$IRQSPREAD_DEVICES
	if [ -z "$devs" ]; then
		for d in "$sys"/class/net/*; do
			[ -e "$d/device" ] && devs="$devs ${d##*/}"
		done
	fi
	case $IRQSPREAD_WAIT in
	'' | *[!0-9]*) die "$conf: IRQSPREAD_WAIT='$IRQSPREAD_WAIT': want a number of seconds" ;;
	esac
	i=0
	while :; do
		up="" down=""
		for d in $devs; do
			# No flags file: nothing to wait for, irqspread says what is wrong.
			f=$(cat "$sys/class/net/$d/flags" 2>/dev/null) || f=1
			if [ $((f & 1)) = 1 ]; then up="$up $d"; else down="$down $d"; fi
		done
		[ -z "$down" ] || [ "$i" -ge $((IRQSPREAD_WAIT * 2)) ] && break
		sleep 0.5
		i=$((i + 1))
	done
	only=$IRQSPREAD_DEVICES
	if [ -n "$down" ]; then
		echo "irqspread-unit:$down still down after ${IRQSPREAD_WAIT}s: left out (irqspread-reapply@IFACE once up)"
		[ -n "$up" ] || exit 0
		only=$up
	fi
}

case ${1:-} in
apply)
	wait_up
	IRQSPREAD_DEVICES=$only
	apply "$state"
	;;
restore)
	[ -e "$state" ] || { echo "irqspread-unit: nothing saved in $state: nothing to restore"; exit 0; }
	exec "$bin" restore "$state"
	;;
reapply)
	dev=${2:-}
	[ -n "$dev" ] || die "reapply needs an interface name"
	if [ -n "$IRQSPREAD_DEVICES" ]; then
		case " $IRQSPREAD_DEVICES " in
		*" $dev "*) ;;
		*) echo "irqspread-unit: $dev is not in IRQSPREAD_DEVICES: left alone"; exit 0 ;;
		esac
	elif [ ! -e "$sys/class/net/$dev/device" ]; then
		echo "irqspread-unit: $dev is not backed by a device: left alone"
		exit 0
	fi
	# The boot's STATE no longer fits a NIC whose queues changed (restore
	# refuses it), so this apply saves over a file of its own; STATE
	# stays for the NICs that did not change.
	apply "${state%.json}-reapply.json" --replace-saved
	;;
check)
	# shellcheck disable=SC2086
	exec "$bin" check $IRQSPREAD_DEVICES --policy "$IRQSPREAD_POLICY" $IRQSPREAD_OPTS
	;;
*)
	die "usage: irqspread-unit apply | restore | reapply IFACE | check"
	;;
esac
