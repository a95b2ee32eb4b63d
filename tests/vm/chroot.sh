#!/usr/bin/env bash
# chroot.sh SUITE: a cached amd64 build chroot of a Debian suite with the
# compilers (native and aarch64 cross), pahole and sparse that its kernels'
# out-of-tree modules need. Newer kernels need their own suite's gcc and a
# newer glibc for objtool/pahole than the host has, so every cell builds in
# the chroot of its own suite. Prints the chroot's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"

suite=${1:?usage: chroot.sh SUITE}
root="$TSQ_CACHE/chroot/$suite"
pkgs=make,gcc,libc6-dev,gcc-aarch64-linux-gnu,libc6-dev-arm64-cross,dwarves,bc,kmod,libelf-dev,flex,bison,sparse,xz-utils,zstd,perl

apt_tree "$root" "$suite" "$pkgs" chroot
