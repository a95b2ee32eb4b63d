#!/usr/bin/env bash
# check.sh: static checks, one TAP line each.
#   checkpatch.pl (from Debian's linux-source, cached) on module/
#   sparse (C=2) and W=1 builds of module/ for the bookworm 6.1 kernel
#   (the VM matrix builds every cell the same way)
#   ShellCheck on every shell file
#   cppcheck and clang-tidy on tools/ (through the tools' own check targets)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/vm/lib/apt.sh"
. "$here/vm/lib/tap.sh"

# checkpatch.pl and its data files, from the 6.1 source package.
cp_dir="$TSQ_CACHE/checkpatch"
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	apt_setup bookworm amd64 &&
		deb=$(apt_fetch bookworm amd64 linux-source-6.1) &&
		mkdir -p "$cp_dir" &&
		dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$cp_dir" --strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
fi
if [ -x "$cp_dir/scripts/checkpatch.pl" ]; then
	# compat.h exists to compare kernel versions; trace.h follows the
	# TRACE_EVENT layout every kernel trace header has.
	cp="$cp_dir/scripts/checkpatch.pl --no-tree --terse -q"
	srcs=()
	for f in "$top"/module/*.[ch]; do
		case "$f" in */compat.h | */trace.h) ;; *) srcs+=("$f") ;; esac
	done
	if out=$($cp --strict -f "${srcs[@]}" 2>&1 &&
		$cp --strict --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f "$top/module/compat.h" 2>&1 &&
		$cp -f "$top/module/trace.h" 2>&1); then
		tap_ok "check: checkpatch --strict clean on module/"
	else
		tap_fail "check: checkpatch --strict clean on module/" "$(echo "$out" | head -n 20)"
	fi
else
	tap_fail "check: checkpatch.pl available (from linux-source-6.1)"
fi

# sparse and W=1 on one kernel (the build of every cell also uses W=1).
cell=6.1/amd64
if out=$("$here/vm/build.sh" "$cell" W=1 C=2 2>&1); then
	log="$top/build/cells/6.1-amd64/build.log"
	bad=$(grep -E 'warning:|error:' "$log" | grep -v 'Skipping BTF' || true)
	if [ -z "$bad" ]; then
		tap_ok "check: $cell build with W=1 C=2 (sparse): no warnings"
	else
		tap_fail "check: $cell build with W=1 C=2 (sparse): no warnings" "$bad"
	fi
else
	tap_fail "check: $cell build with W=1 C=2 (sparse)" "$out"
fi

# ShellCheck on every shell file in the tree (SC2034: the libraries set
# variables that the files sourcing them use).
shfiles=()
while IFS= read -r f; do
	case "$f" in
	*.sh | .ci/run | bench/run | bench/compare | tests/vm/guest/init) shfiles+=("$top/$f") ;;
	esac
done < <(cd "$top" && { git ls-files 2>/dev/null || find . -type f -printf '%P\n'; } | sort -u)
if out=$(cd "$top" && shellcheck -x -S warning -e SC2034 "${shfiles[@]}" 2>&1); then
	tap_ok "check: shellcheck clean on ${#shfiles[@]} shell files"
else
	tap_fail "check: shellcheck clean on ${#shfiles[@]} shell files" "$(echo "$out" | head -n 30)"
fi

if [ -f "$top/tools/irqspread/Makefile" ]; then
	if out=$(make -s -C "$top/tools/irqspread" check 2>&1); then
		tap_ok "check: cppcheck and clang-tidy clean on tools/irqspread"
	else
		tap_fail "check: cppcheck and clang-tidy clean on tools/irqspread" "$(echo "$out" | tail -n 20)"
	fi
fi
if [ -f "$top/tools/tsqtop/Makefile" ]; then
	if out=$(make -s -C "$top/tools/tsqtop" check 2>&1); then
		tap_ok "check: cppcheck and clang-tidy clean on tools/tsqtop"
	else
		tap_fail "check: cppcheck and clang-tidy clean on tools/tsqtop" "$(echo "$out" | tail -n 20)"
	fi
fi
for f in "$top"/bench/*.c; do
	[ -f "$f" ] || continue
	if out=$(cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
		--std=c11 --inline-suppr "$f" 2>&1); then
		tap_ok "check: cppcheck clean on bench/$(basename "$f")"
	else
		tap_fail "check: cppcheck clean on bench/$(basename "$f")" "$out"
	fi
done
tap_summary
