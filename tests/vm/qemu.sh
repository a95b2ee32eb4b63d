#!/usr/bin/env bash
# qemu.sh: QEMU from Debian trixie (10.x) for the igb NIC, which bookworm's
# QEMU 7.2 does not have.  The host is never upgraded: trixie's QEMU lives
# in a cached tree ($TSQ_CACHE/qemu/trixie) and runs through that tree's
# own dynamic loader and libraries.
#
#   qemu.sh prepare            build the tree once; prints its path
#   qemu.sh exec BINARY ARGS   run qemu-system-x86_64/-aarch64 from the tree
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"

root="$TSQ_CACHE/qemu/trixie"
pkgs=qemu-system-x86,qemu-system-arm,seabios

prepare() { apt_tree "$root" trixie "$pkgs" qemu; }

case "${1:-}" in
prepare) prepare ;;
exec)
	bin=${2:?usage: qemu.sh exec qemu-system-ARCH ARGS...}
	shift 2
	[ -f "$root/.tsqsteal-ready" ] || { echo "qemu.sh: run 'qemu.sh prepare' first" >&2; exit 1; }
	case "$bin" in
	qemu-system-x86_64 | qemu-system-aarch64) ;;
	*) echo "qemu.sh: unknown binary '$bin'" >&2; exit 2 ;;
	esac
	lib="$root/usr/lib/x86_64-linux-gnu"
	# The firmware links in usr/share/qemu are absolute: point -L at the
	# tree's directories so nothing resolves to the host's older files.
	export QEMU_MODULE_DIR="$lib/qemu"
	exec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$lib:$root/lib/x86_64-linux-gnu" \
		"$root/usr/bin/$bin" -L "$root/usr/share/seabios" -L "$root/usr/share/qemu" "$@"
	;;
*)
	echo "usage: qemu.sh prepare | qemu.sh exec BINARY ARGS..." >&2
	exit 2
	;;
esac
