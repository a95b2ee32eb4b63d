# guest_helpers CELLDIR ARCH: the static programs the guest image carries
# beside busybox: tsqhog (the starvation scenario's busy loop) and
# irqspread (json-c linked statically; for arm64 from Debian's arm64
# libjson-c-dev, unpacked by tools/irqspread/fetch-jsonc.sh).
# Used by tests/vm/run.sh and bench/run.
# shellcheck shell=bash

guest_helpers() {
	local dir=$1 arch=$2 top cc=gcc sa=x86_64 jp=""
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
	if [ "$arch" = arm64 ]; then
		cc=aarch64-linux-gnu-gcc sa=aarch64
		jp=$("$top/tools/irqspread/fetch-jsonc.sh" arm64) || return 1
	fi
	$cc -static -O2 -Wall -Werror -o "$dir/tsqhog" "$top/tests/vm/guest/tsqhog.c" || return 1
	make -s -C "$top/tools/irqspread" static CC="$cc" ${jp:+JSONC_PREFIX="$jp"} || return 1
	cp "$top/tools/irqspread/irqspread.$sa" "$dir/irqspread"
}
