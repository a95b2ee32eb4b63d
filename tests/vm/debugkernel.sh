#!/usr/bin/env bash
# debugkernel.sh SERIES-debug/amd64   (today: 6.12-debug/amd64)
#
# The debug-kernel cell.  Debian's kernels have no lockdep, KASAN,
# kmemleak or DEBUG_ATOMIC_SLEEP, so no run on them can see a lock-order
# bug, a use-after-free, a leak or a sleep in atomic context.  This builds
# Debian's own linux-source-SERIES with Debian's config for that series
# plus tests/vm/fixtures/debug.config, natively on the host in the
# suite's build chroot (never under TCG), trimmed by localmodconfig to
# the modules the guest loads, without debug info or module signing.
#
# Cached: the kernel tree under $TSQ_CACHE/kernel/ and the build tree (the
# headers out-of-tree modules build against) in the chroot, keyed by the
# source package's version and the hash of the config fragment, the
# module list and this script.  About 35-50 minutes on 2 cores, once.
# Writes build/cells/SERIES-debug-ARCH/cell.env like fetch.sh.
#   DEBUG_JOBS=N   make -j (default: nproc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib/apt.sh"

cell=${1:?usage: debugkernel.sh SERIES-debug/amd64}
series=${cell%/*}
arch=${cell#*/}
base=${series%-debug}
[ "$base" != "$series" ] || { echo "debugkernel: $cell is not a SERIES-debug cell" >&2; exit 1; }
# x86 only: KASAN's outline build of an arm64 kernel is a cross build we
# have not needed; one arch finds what the code does wrong on both.
[ "$arch" = amd64 ] || { echo "debugkernel: the debug cell is amd64 only (asked: $arch)" >&2; exit 1; }
suite=$(suite_of "$base")
frag="$here/fixtures/debug.config"
out="$top/build/cells/${series}-${arch}"
mkdir -p "$out"

# The stock cell of the series: its config, its chroot (the suite's gcc,
# the one Debian built the kernel with) and its compiler package.
"$here/fetch.sh" "$base/$arch" >/dev/null
# shellcheck disable=SC1090,SC1091
. "$top/build/cells/${base}-${arch}/cell.env"
stock_cfg=$(dirname "$VMLINUZ")/config-$KVER
[ -f "$stock_cfg" ] || stock_cfg=$MODDIR/config
[ -f "$stock_cfg" ] || { echo "debugkernel: no config for $KVER" >&2; exit 1; }
stock_kver=$KVER

srcpkg=linux-source-$base
srcver=$(apt_version "$suite" amd64 "$srcpkg")
[ -n "$srcver" ] && [ "$srcver" != "(none)" ] ||
	{ echo "debugkernel: no $srcpkg in $suite" >&2; exit 1; }
# The module list: what initramfs.sh loads, and what those depend on.
mods="e1000e igb virtio_net net_failover failover sch_fq tcp_bbr sch_netem tcp_diag inet_diag ptp pps_core dca i2c_algo_bit"
key=$({ cat "$frag" "$0"; echo "$srcver $stock_kver $mods"; } | sha256sum | cut -c1-12)
localver=-tsqdebug
bld="/build/linux-debug-$key"
ktree="$TSQ_CACHE/kernel/$suite-$arch-debug-$key"

for p in libssl-dev openssl cpio; do
	chroot "$CHROOT" dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		need="${need:-} $p"
done
if [ -n "${need:-}" ]; then
	echo "debugkernel: installing$need in the $suite chroot" >&2
	cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
	chroot "$CHROOT" sh -c "apt-get update -q -o Acquire::Check-Valid-Until=false >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends$need >/dev/null"
fi

if [ ! -f "$ktree/.ready" ] || [ ! -f "$CHROOT$bld/.tsqsteal-built" ]; then
	deb=$(apt_fetch "$suite" amd64 "$srcpkg")
	echo "debugkernel: building $srcpkg $srcver with $(basename "$frag") ($key), once" >&2
	rm -rf "${CHROOT:?}$bld" "$ktree"
	mkdir -p "$CHROOT$bld"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb -x "$deb" "$tmp"
	tarball=$(find "$tmp/usr/src" -maxdepth 1 -name "linux-source-$base.tar.*" | head -n1)
	[ -n "$tarball" ] || { echo "debugkernel: no source tarball in $deb" >&2; exit 1; }
	tar -xf "$tarball" -C "$CHROOT$bld" --strip-components=1
	rm -rf "$tmp"
	cp "$stock_cfg" "$CHROOT$bld/.config"
	printf '%s 0 0 -\n' $mods | sed '1i Module Size Used' >"$CHROOT$bld/tsq-lsmod"
	cp "$frag" "$CHROOT$bld/tsq-debug.config"
	jobs=${DEBUG_JOBS:-$(nproc)}
	# localmodconfig drops every module the guest does not load; the
	# fragment goes on top, then olddefconfig settles what it implies.
	# Debian signs modules with its own keys and builds BTF from debug
	# info: neither is wanted here (and both cost build time).
	log="$out/kernel-build.log"
	if ! unshare --mount --fork /bin/sh -c \
		"mount -t proc proc '$CHROOT/proc' && exec chroot '$CHROOT' /bin/sh -ec '
		cd $bld
		yes \"\" | make LSMOD=tsq-lsmod localmodconfig >/dev/null
		scripts/kconfig/merge_config.sh -m .config tsq-debug.config >/dev/null
		scripts/config --set-str LOCALVERSION $localver --disable LOCALVERSION_AUTO \
			--set-str SYSTEM_TRUSTED_KEYS \"\" --set-str SYSTEM_REVOCATION_KEYS \"\" \
			--disable MODULE_SIG --disable MODULE_SIG_ALL --disable DEBUG_INFO_BTF \
			--disable DEBUG_INFO --enable DEBUG_INFO_NONE \
			--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_DWARF5
		make olddefconfig >/dev/null
		make -j$jobs KBUILD_BUILD_VERSION=1 bzImage modules
		'" >"$log" 2>&1; then
		echo "debugkernel: build failed, see $log" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	# Every option of the fragment must have survived olddefconfig: a
	# debug cell that silently lost KASAN would claim what it cannot see.
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		grep -qx "$line" "$CHROOT$bld/.config" ||
			{ echo "debugkernel: $line did not survive olddefconfig" >&2; exit 1; }
	done <"$frag"
	kver=$(cat "$CHROOT$bld/include/config/kernel.release")
	mkdir -p "$ktree/boot"
	cp "$CHROOT$bld/arch/x86/boot/bzImage" "$ktree/boot/vmlinuz-$kver"
	cp "$CHROOT$bld/.config" "$ktree/boot/config-$kver"
	chroot "$CHROOT" make -C "$bld" -s INSTALL_MOD_PATH=/build/modinst-$key INSTALL_MOD_STRIP=1 \
		modules_install >>"$log" 2>&1
	mkdir -p "$ktree/lib"
	mv "$CHROOT/build/modinst-$key/lib/modules" "$ktree/lib/modules"
	rm -rf "$CHROOT/build/modinst-$key"
	rm -f "$ktree/lib/modules/$kver/build" "$ktree/lib/modules/$kver/source"
	depmod -b "$ktree" "$kver"
	touch "$CHROOT$bld/.tsqsteal-built" "$ktree/.ready"
fi

kver=$(cat "$CHROOT$bld/include/config/kernel.release")
cat >"$out/cell.env" <<ENV
CELL=$cell
SERIES=$series
ARCH=$arch
SUITE=$suite
KVER=$kver
KPKG_VERSION=$srcver+debug-$key
VMLINUZ=$ktree/boot/vmlinuz-$kver
MODDIR=$ktree/lib/modules/$kver
CHROOT=$CHROOT
HDR=$bld
GCCDEP=$GCCDEP
ENV
echo "$out/cell.env"
