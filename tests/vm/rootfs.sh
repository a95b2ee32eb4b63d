#!/usr/bin/env bash
# rootfs.sh ARCH: the guest userland, Debian bookworm packages of ARCH
# unpacked (not installed: no maintainer scripts, so no emulation needed
# for arm64): busybox for the shell and tools, nginx to serve, ethtool,
# iproute2 for tc (netem) and ss -K.  Cached under $TSQ_CACHE/rootfs/ARCH,
# rebuilt when the package list changes; prints its path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"

arch=${1:?usage: rootfs.sh ARCH}
root="$TSQ_CACHE/rootfs/$arch"
pkgs=busybox-static,nginx,ethtool,iproute2,libc6

if [ "$(cat "$root/.tsqsteal-ready" 2>/dev/null)" = "$pkgs" ]; then
	echo "$root"
	exit 0
fi
rm -rf "$root"
mkdir -p "$(dirname "$root")"
echo "rootfs: unpacking bookworm $arch guest userland into $root (once)" >&2
mmdebstrap --quiet --mode=root --variant=extract --arch="$arch" \
	--include="$pkgs" bookworm "$root" "$TSQ_MIRROR" >&2
# The unpacked tree has no passwd/group: nginx resolves its user.
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo 'nogroup:x:65534:' >>"$root/etc/group"
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/var/cache/apt"
echo "$pkgs" >"$root/.tsqsteal-ready"
echo "$root"
