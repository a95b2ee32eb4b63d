#!/usr/bin/env bash
# fetch-jsonc.sh ARCH: unpack Debian's libjson-c-dev for ARCH (arm64, amd64)
# into a cache and print its path, for a static cross build:
#   make -C tools/irqspread static CC=aarch64-linux-gnu-gcc \
#        JSONC_PREFIX=$(tools/irqspread/fetch-jsonc.sh arm64)
# Uses the project's private apt (tests/vm/lib/apt.sh): nothing on the host
# changes and no architecture is added to dpkg.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tests/vm/lib/apt.sh"

arch=${1:?usage: fetch-jsonc.sh ARCH (arm64, amd64)}
suite=${SUITE:-bookworm}
dest="$TSQ_CACHE/jsonc/$suite-$arch"

if [ -f "$dest/.ready" ]; then
	echo "$dest"
	exit 0
fi
apt_setup "$suite" "$arch" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt_run "$suite" "$arch" apt-get download -q libjson-c-dev libjson-c5 >&2)
rm -rf "$dest"
mkdir -p "$dest"
for deb in "$work"/*.deb; do
	dpkg-deb -x "$deb" "$dest"
done
ls "$dest"/usr/lib/*/libjson-c.a >/dev/null
touch "$dest/.ready"
echo "$dest"
