#!/usr/bin/env bash
# initramfs.sh CELL: the guest's whole root filesystem as one uncompressed
# cpio: the arch's userland (rootfs.sh), the cell's NIC driver modules with
# their dependencies (decompressed: busybox insmod reads plain .ko), the
# tsqsteal module under test, the static helpers and the guest scripts.
# Leaves build/cells/CELLNAME/initrd.cpio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

cell=${1:?usage: initramfs.sh SERIES/ARCH}
name=${cell/\//-}
out="$top/build/cells/$name"
# shellcheck disable=SC1091
. "$out/cell.env"
nic_modules=${TSQ_NIC_MODULES:-e1000e igb virtio_net sch_fq tcp_bbr sch_netem tcp_diag}
guest_ip=${TSQ_GUEST_IP:-10.77.0.2}

rootfs=$("$here/rootfs.sh" "$ARCH")

# testdata: the files the guest's nginx serves, made once (random bytes
# cost seconds under TCG on every boot) and their SHA-256 sums.
testdata() {
	local d="${TSQ_CACHE:-$HOME/.cache/tsqsteal}/testdata-v3" i
	if [ ! -f "$d/.ready" ]; then
		rm -rf "$d"
		mkdir -p "$d/www/blob"
		for i in $(seq 64); do head -c 262144 /dev/urandom >"$d/www/blob/$i.bin"; done
		head -c 1048576 /dev/urandom >"$d/www/blob/mid.bin"
		head -c 2097152 /dev/urandom >"$d/www/blob/2m.bin"
		head -c 8388608 /dev/urandom >"$d/www/blob/big.bin"   # the bench's bulk stream
		(cd "$d/www/blob" && sha256sum ./*.bin >SHA256SUMS)
		head -c 65536 /dev/urandom >"$d/www/64k.bin"
		head -c 1048576 /dev/urandom >"$d/www/1m.bin"
		touch "$d/.ready"
	fi
	echo "$d"
}
stage="$out/initramfs"
rm -rf "$stage"
mkdir -p "$stage"
cp -a "$rootfs/." "$stage/"
mkdir -p "$stage/etc/tsq" "$stage/lib/tsq-modules" "$stage/opt/tsq"

# Module closure through modules.dep, dependencies first.
declare -A done_mod=()
order=()
add_module() {
	local rel dep
	rel=$(awk -F: -v m="/$1.ko" '{ p = $1; sub(/\.(xz|zst|gz)$/, "", p) }
		index(p, m) == length(p) - length(m) + 1 { print $1; exit }' "$MODDIR/modules.dep")
	[ -n "$rel" ] || return 0
	[ -n "${done_mod[$rel]:-}" ] && return 0
	done_mod[$rel]=1
	for dep in $(awk -F: -v r="$rel" '$1 == r { print $2 }' "$MODDIR/modules.dep"); do
		dep=$(basename "$dep")
		add_module "${dep%%.ko*}"
	done
	local base
	base=$(basename "$rel")
	case "$rel" in
	*.xz) xz -dc "$MODDIR/$rel" >"$stage/lib/tsq-modules/${base%.xz}" ;;
	*.zst) zstd -qdc "$MODDIR/$rel" >"$stage/lib/tsq-modules/${base%.zst}" ;;
	*) cp "$MODDIR/$rel" "$stage/lib/tsq-modules/$base" ;;
	esac
	order+=("${base%%.ko*}.ko")
}
for m in $nic_modules; do add_module "$m"; done
printf '%s\n' "${order[@]}" >"$stage/etc/tsq/modules.order"

cp "$out/tsqsteal.ko" "$stage/opt/tsq/tsqsteal.ko"
# The harness's own canary (a module that WARNs at load), where built.
[ -f "$out/tsqsteal-canary.ko" ] && cp "$out/tsqsteal-canary.ko" "$stage/opt/tsq/"
# The module built as if no kernel series were tested (10-load.sh).
[ -f "$out/tsqsteal-untested.ko" ] && cp "$out/tsqsteal-untested.ko" "$stage/opt/tsq/"
cp "$out/tsqhog" "$stage/opt/tsq/tsqhog"
[ -f "$out/irqspread" ] && cp "$out/irqspread" "$stage/opt/tsq/irqspread"
install -m 0755 "$here/guest/init" "$stage/init"
mkdir -p "$stage/srv"
cp -a "$(testdata)/www" "$stage/srv/"
install -m 0755 "$here/guest/agent.sh" "$stage/etc/tsq/agent.sh"
cp "$here/guest/nginx.conf" "$stage/etc/tsq/nginx.conf"
{
	echo "GUEST_IP=$guest_ip"
	echo "TLOB=${TSQ_TLOB:-}"
} >"$stage/etc/tsq/guest.env"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$out/initrd.cpio"
rm -rf "$stage"
echo "$out/initrd.cpio"
