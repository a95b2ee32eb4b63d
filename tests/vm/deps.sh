#!/usr/bin/env bash
# Install the host packages the build, the VM tests, the bench and the
# packaging (make deb, tests/pkg.sh) need.
# Debian 12 host; everything comes from the host's own apt sources.
set -euo pipefail

pkgs=(
	make gcc libc6-dev bc bison flex libelf-dev libssl-dev kmod cpio xz-utils zstd
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-system-x86 qemu-system-arm qemu-utils
	busybox-static mmdebstrap debian-archive-keyring apt-utils
	sparse cppcheck clang clang-tidy libclang-rt-14-dev
	libjson-c-dev pkg-config
	iproute2 curl wrk netcat-openbsd socat ethtool
	gnuplot-nox jq python3 shellcheck
	dpkg-dev debhelper dh-dkms dkms lintian mandoc man-db file
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} host packages present"
	exit 0
fi
echo "deps: installing with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || echo "deps: apt-get update reported errors (continuing with cached lists)" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${#missing[@]} packages"
