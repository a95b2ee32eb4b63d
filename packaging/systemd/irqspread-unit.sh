#!/bin/sh
# irqspread-unit: what irqspread's systemd units run.  It reads
# /etc/default/irqspread and turns it into one irqspread command line;
# every error is irqspread's own line, or one of ours naming the setting.
#   apply          irqspread.service start: save to STATE, apply the policy
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

case ${1:-} in
apply)
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
