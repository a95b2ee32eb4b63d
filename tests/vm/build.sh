#!/usr/bin/env bash
# build.sh CELL [make args...]
#
# Builds module/ for one cell inside its suite's build chroot (the suite's
# own gcc, glibc, pahole), with the compiler version the kernel was built
# with, cross-compiling for arm64.  Leaves build/cells/CELLNAME/tsqsteal.ko
# and the build log beside it.  Extra make args go to kbuild (W=1, C=2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

cell=${1:?usage: build.sh SERIES/ARCH [make args]}
shift
name=${cell/\//-}
out="$top/build/cells/$name"
[ -f "$out/cell.env" ] || "$here/fetch.sh" "$cell" >/dev/null
# shellcheck disable=SC1091
. "$out/cell.env"

gccver=${GCCDEP#gcc-}
gccver=${gccver%%-*}
need=("gcc-$gccver")
cross=""
if [ "$ARCH" = arm64 ]; then
	need+=("gcc-$gccver-aarch64-linux-gnu")
	cross=aarch64-linux-gnu-
fi
missing=()
for p in "${need[@]}"; do
	chroot "$CHROOT" dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "build: installing ${missing[*]} in the $SUITE chroot" >&2
	cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
	chroot "$CHROOT" sh -c "apt-get update -q -o Acquire::Check-Valid-Until=false >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing[*]} >/dev/null"
fi

# The sources (TSQ_MODULE_SRC: a patched copy, for mutations and the
# canary) and where the module goes (TSQ_KO_OUT).  A build is cached by
# the hash of the sources, the kernel package's exact version and the
# make arguments: the static checks and the VM run build each cell once.
msrc=${TSQ_MODULE_SRC:-$top/module}
ko_out=${TSQ_KO_OUT:-$out/tsqsteal.ko}
log="${ko_out%.ko}.build.log"
[ "$ko_out" = "$out/tsqsteal.ko" ] && log="$out/build.log"
key=$({ cat "$msrc"/*.c "$msrc"/*.h "$msrc"/Kbuild "$top/VERSION"; echo "$KVER $KPKG_VERSION $ARCH $*"; } |
	sha256sum | cut -c1-24)
cache="${TSQ_CACHE:-$HOME/.cache/tsqsteal}/builds/$key"
if [ -f "$cache/tsqsteal.ko" ] && [ -f "$cache/build.log" ]; then
	cp "$cache/build.log" "$log"
	cp "$cache/tsqsteal.ko" "$ko_out"
	echo "build: $cell: cached build $key ($*)" >&2
	echo "$ko_out"
	exit 0
fi

src="/build/tsqsteal-$name-$$"
rm -rf "${CHROOT:?}$src"
mkdir -p "$CHROOT$src"
cp "$msrc"/*.c "$msrc"/*.h "$msrc"/Kbuild "$top/VERSION" "$CHROOT$src/"
trap 'rm -rf "${CHROOT:?}$src"' EXIT
karch=x86
[ "$ARCH" = arm64 ] && karch=arm64
# A private mount namespace: /proc inside the chroot, gone when make ends.
if ! unshare --mount --fork /bin/sh -c \
	"mount -t proc proc '$CHROOT/proc' && exec chroot '$CHROOT' \
	 make -C $HDR M=$src ARCH=$karch CROSS_COMPILE=$cross $* modules" >"$log" 2>&1; then
	echo "build: $cell failed, see $log" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
cp "$CHROOT$src/tsqsteal.ko" "$ko_out"
rm -rf "$cache.tmp"
mkdir -p "$cache.tmp"
cp "$CHROOT$src/tsqsteal.ko" "$cache.tmp/tsqsteal.ko" && cp "$log" "$cache.tmp/build.log" &&
	rm -rf "$cache" && mv "$cache.tmp" "$cache"
echo "$ko_out"
