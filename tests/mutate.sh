#!/usr/bin/env bash
# mutate.sh: every check must be able to fail.  Each tests/mutations/*.patch
# breaks one promised behaviour of the module; this applies it to a scratch
# copy of module/, builds it for one cell, boots that cell and runs the
# scenarios the patch names.  A mutation is caught when the run fails and a
# failing check matches the patch's "caught-by" pattern.
#
#   tests/mutate.sh [CELL] [NAME...]     (default 6.1/amd64, every patch)
#   tests/mutate.sh --build-only PATCH CELL OUT.ko
#
# Patch header lines: "# scenarios: 20 40" (prefixes), "# caught-by: REGEX"
# (extended regex on the failing TAP lines), and "# equivalent: WHY" for a
# mutant that no schedule we could make reaches (the reasoning is in
# docs/testing.md).  An equivalent mutant still runs; it is reported as
# such, not as a miss, and if a check ever catches it the report says so.
# Report: build/mutate/report.md.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

# mutant PATCH DIR: module/ (or TSQ_MODULE_SRC: inside a mutation's run,
# the harness's own variants are built from the mutant) with PATCH
# applied, in DIR/module.
mutant() {
	rm -rf "$2"
	mkdir -p "$2"
	cp -r "${TSQ_MODULE_SRC:-$top/module}" "$2/module"
	rm -f "$2"/module/*.o "$2"/module/*.ko "$2"/module/*.mod* "$2"/module/.*.cmd
	patch -s -d "$2" -p1 <"$1"
}

if [ "${1:-}" = --build-only ]; then
	patch=${2:?patch} cell=${3:?cell} out=${4:?out.ko}
	d=$(mktemp -d)
	trap 'rm -rf "$d"' EXIT
	mutant "$patch" "$d" || { echo "mutate: $patch does not apply" >&2; exit 1; }
	TSQ_MODULE_SRC="$d/module" TSQ_KO_OUT="$out" "$here/vm/build.sh" "$cell"
	exit
fi

cell=${1:-6.1/amd64}
shift || true
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
	for p in "$here"/mutations/*.patch; do names+=("$(basename "$p" .patch)"); done
fi
out="$top/build/mutate"
mkdir -p "$out"
report="$out/report.md"
{
	echo "| mutation | what it breaks | scenarios | caught by | result |"
	echo "|---|---|---|---|---|"
} >"$report"
missed=0
for n in "${names[@]}"; do
	p="$here/mutations/$n.patch"
	[ -f "$p" ] || { echo "mutate: no $p" >&2; exit 2; }
	desc=$(sed -n '1s/^# //p' "$p")
	scen=$(sed -n 's/^# scenarios: //p' "$p")
	want=$(sed -n 's/^# caught-by: //p' "$p")
	equiv=$(sed -n 's/^# equivalent: //p' "$p")
	# A mutant only one kind of kernel can catch names its cell (PREEMPT_RT).
	pcell=$(sed -n 's/^# cell: //p' "$p")
	pcell=${pcell:-$cell}
	d="$out/$n"
	t0=$SECONDS
	if ! mutant "$p" "$d"; then
		echo "| $n | $desc | $scen | | does not apply |" >>"$report"
		missed=$((missed + 1))
		continue
	fi
	echo "# mutation $n: $pcell, scenarios $scen, expect a failing check matching /$want/"
	TSQ_MODULE_SRC="$d/module" MATRIX=$pcell SCENARIOS="$scen" SELFTEST=0 \
		"$here/vm/run.sh" >"$out/$n.log" 2>&1
	rc=$?
	hit=$(grep '^not ok' "$out/$n.log" | grep -E -m1 -- "$want" | sed 's/^not ok [0-9]* - //')
	if [ "$rc" -ne 0 ] && [ -n "$hit" ]; then
		res="caught ($((SECONDS - t0)) s)${equiv:+; marked equivalent: drop the mark}"
	elif [ -n "$equiv" ]; then
		res="equivalent, not caught as expected (exit $rc): $equiv"
	else
		res="**missed** (exit $rc, $(grep -c '^not ok' "$out/$n.log") failing checks)"
		missed=$((missed + 1))
	fi
	echo "# mutation $n: $res${hit:+: $hit}"
	echo "| $n | $desc | $scen | ${hit:-} | $res |" >>"$report"
done
cat "$report"
[ "$missed" -eq 0 ]
