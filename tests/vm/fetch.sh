#!/usr/bin/env bash
# fetch.sh CELL   (CELL = 6.1/amd64, 6.12/arm64, 7/amd64, 6.1-rt/amd64, ...;
#                  a SERIES-debug cell is built, not fetched: debugkernel.sh)
#
# Resolves the newest kernel of the cell's suite from the meta-packages
# (linux-image-ARCH, linux-headers-ARCH; linux-image-rt-ARCH for an -rt
# series, Debian's PREEMPT_RT flavour), never a fixed version, downloads
# image, modules, headers and the amd64 kbuild tools, and unpacks them:
#   kernel tree: $TSQ_CACHE/kernel/SUITE-ARCH-VERSION/   (boot files)
#   headers:     the suite's build chroot, at their packaged paths
# Writes the cell's facts to build/cells/CELLNAME/cell.env.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"

cell=${1:?usage: fetch.sh SERIES/ARCH}
series=${cell%/*}
arch=${cell#*/}
case "$series" in *-debug) exec "$here/debugkernel.sh" "$cell" ;; esac
case "$arch" in amd64 | arm64) ;; *) echo "fetch: unknown arch '$arch'" >&2; exit 1 ;; esac
suite=$(suite_of "$series")
base=${series%-rt}
flavour=$arch
[ "$base" = "$series" ] || flavour=rt-$arch
out="$here/../../build/cells/${series}-${arch}"
mkdir -p "$out"

apt_setup "$suite" "$arch"
apt_setup "$suite" amd64

image=$(apt_depends "$suite" "$arch" "linux-image-$flavour" | grep '^linux-image-' | head -n1)
headers=$(apt_depends "$suite" "$arch" "linux-headers-$flavour" | grep '^linux-headers-' | head -n1)
[ -n "$image" ] && [ -n "$headers" ] ||
	{ echo "fetch: cannot resolve linux-image/headers-$flavour in $suite" >&2; exit 1; }
kver=${image#linux-image-}
case "$base" in
7) case "$kver" in 7.*) ;; *) echo "fetch: $suite has $kver, not a 7.x kernel" >&2; exit 1 ;; esac ;;
*) case "$kver" in "$base".*) ;; *) echo "fetch: $suite has $kver, not $base" >&2; exit 1 ;; esac ;;
esac
case "$flavour:$kver" in
rt-*:*-rt-*) ;;
rt-*:*) echo "fetch: $kver is not a PREEMPT_RT kernel" >&2; exit 1 ;;
esac

# unpack DEB DIR: like dpkg-deb -x, but keeps DIR's /lib -> usr/lib
# symlinks (merged /usr) instead of replacing them with directories.
unpack() {
	dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"
}

# The kernel's own packages: follow Depends through linux-* names only.
declare -A seen=()
todo=("$image" "$headers")
pkgs=()
kbuild=""
gccdep=""
while [ "${#todo[@]}" -gt 0 ]; do
	p=${todo[0]}
	todo=("${todo[@]:1}")
	[ -n "${seen[$p]:-}" ] && continue
	seen[$p]=1
	case "$p" in
	linux-kbuild-*) kbuild=$p; continue ;;
	*-unsigned | linux-base | linux-initramfs-tool) continue ;;
	linux-*) pkgs+=("$p") ;;
	gcc-*) gccdep=${gccdep:-$p}; continue ;;
	*) continue ;;
	esac
	while read -r d; do todo+=("$d"); done < <(apt_depends "$suite" "$arch" "$p")
done
[ -n "$kbuild" ] || { echo "fetch: no linux-kbuild package for $kver" >&2; exit 1; }

echo "fetch: $cell -> $suite $kver ($(apt_version "$suite" "$arch" "$image"))" >&2
debs=()
for p in "${pkgs[@]}"; do debs+=("$(apt_fetch "$suite" "$arch" "$p")"); done
kbuild_deb=$(apt_fetch "$suite" amd64 "$kbuild")

# Keyed by the package version, not only the ABI name: Debian keeps the
# ABI name across point releases.
kpkgver=$(apt_version "$suite" "$arch" "$image")
ktree="$TSQ_CACHE/kernel/$suite-$arch-$kver-${kpkgver//[:~]/_}"
if [ ! -f "$ktree/.ready" ]; then
	rm -rf "$ktree"
	mkdir -p "$ktree"
	for d in "${debs[@]}"; do
		case "$(basename "$d")" in linux-headers-*) ;; *) unpack "$d" "$ktree" ;; esac
	done
	# Packages ship no modules.dep (depmod runs at install): make it.
	[ -e "$ktree/lib" ] || ln -s usr/lib "$ktree/lib"
	depmod -b "$ktree" "$kver" ||
		{ echo "fetch: depmod failed for $kver" >&2; exit 1; }
	touch "$ktree/.ready"
fi

root=$("$here/chroot.sh" "$suite")
stamp="$root/.tsqsteal-headers-$arch-$kver-${kpkgver//[:~]/_}"
if [ ! -f "$stamp" ]; then
	for d in "${debs[@]}"; do
		case "$(basename "$d")" in linux-headers-*) unpack "$d" "$root" ;; esac
	done
	unpack "$kbuild_deb" "$root"
	touch "$stamp"
fi

vmlinuz=$(find "$ktree/boot" "$ktree/usr/lib/modules/$kver" -maxdepth 1 -name 'vmlinuz*' 2>/dev/null | head -n1 || true)
moddir=$(find "$ktree/lib/modules" "$ktree/usr/lib/modules" -maxdepth 1 -name "$kver" 2>/dev/null | head -n1 || true)
[ -n "$vmlinuz" ] && [ -n "$moddir" ] ||
	{ echo "fetch: $kver: no vmlinuz or modules in the packages" >&2; exit 1; }
hdr="/usr/src/linux-headers-$kver"
[ -d "$root$hdr" ] || { echo "fetch: $kver: headers not at $hdr" >&2; exit 1; }

cat >"$out/cell.env" <<ENV
CELL=$cell
SERIES=$series
ARCH=$arch
SUITE=$suite
KVER=$kver
KPKG_VERSION=$kpkgver
VMLINUZ=$vmlinuz
MODDIR=$moddir
CHROOT=$root
HDR=$hdr
GCCDEP=$gccdep
ENV
echo "$out/cell.env"
