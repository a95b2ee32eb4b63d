#!/usr/bin/env bash
# cross-root.sh ARCH: Debian's libc6, libjson-c5 and libjson-c-dev of ARCH
# (bookworm), each unpacked with its control files into a cache, for
# "make deb ARCH=arm64"; prints the directory that holds the three.
# irqspread links against them, and dpkg-shlibdeps takes its Depends from
# their own DEBIAN/symbols, as for a native build.  Uses the project's
# private apt (tests/vm/lib/apt.sh): no architecture is added to dpkg.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/vm/lib/apt.sh"

arch=${1:?usage: cross-root.sh ARCH (e.g. arm64)}
suite=${SUITE:-bookworm}
pkgs=(libc6 libjson-c5 libjson-c-dev)

apt_setup "$suite" "$arch" >&2
debs=()
for p in "${pkgs[@]}"; do
	debs+=("$(apt_fetch "$suite" "$arch" "$p")")
done
# Keyed by the exact .debs: a point release makes a new root.
key=$(printf '%s\n' "${debs[@]##*/}" | sha256sum | cut -c1-16)
dest="$TSQ_CACHE/cross-root/$suite-$arch-$key"
if [ ! -f "$dest/.ready" ]; then
	rm -rf "$dest"
	mkdir -p "$dest"
	for i in "${!pkgs[@]}"; do
		dpkg-deb -R "${debs[$i]}" "$dest/${pkgs[$i]}"
	done
	touch "$dest/.ready"
fi
echo "$dest"
