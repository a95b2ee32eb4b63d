#!/usr/bin/env bash
# bench/test.sh: the bench's host unit tests, as TAP, ending "N passed, N failed".
# Parsers and statistics on fixture text (tests/unit.c), the run's glue
# through the fake transport, report check and compare.  Boots no VM.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=$top/build/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 pass=0 fail=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - bench: $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - bench: $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | head -n 20 | sed 's/^/#   /'
	fi
}

make -s -C "$here" OUT="$bin" >"$tmp/make.log" 2>&1
ok $? "report and unit tests build with -Wall -Wextra -Werror" "$(cat "$tmp/make.log")"

if [ -x "$bin/unit" ]; then
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "${line#ok * - bench: }" ;;
		"not ok "*) ok 1 "${line#not ok * - bench: }" ;;
		*) echo "# $line" ;;
		esac
	done < <("$bin/unit" "$here/tests/fixtures")
fi

# fake_run NAME ARGS...: bench/run through the fake transport into $tmp/NAME.
fake_run() {
	local name=$1
	shift
	mkdir -p "$tmp/$name/fake"
	cp "$here/tests/fixtures/snap.0" "$here/tests/fixtures/snap.1" "$tmp/$name/fake/"
	cp "$here/tests/fixtures/${FAKE_WRK:-wrk-latency.txt}" "$tmp/$name/fake/wrk.txt"
	echo 0 >"$tmp/$name/fake/irq_cpus"
	FAKE_DIR=$tmp/$name/fake "$here/run" --transport fake --dev eth0 --server-ip 192.0.2.10 \
		--out "$tmp/$name/out" REPEATS=2 DURATION=1 WARMUP=0 "$@" >"$tmp/$name/log" 2>&1
}

fake_run good --configs stock,threaded,tsq-spread,tsq-home,ideal
rc=$?
calls=$tmp/good/fake/calls
ok $rc "fake transport: run completes" "$(tail -n 20 "$tmp/good/log")"
"$bin/report" check "$tmp/good/out/report.json" >"$tmp/check.log" 2>&1
ok $? "fake transport: report.json passes the schema and traffic check" "$(cat "$tmp/check.log")"
ok "$(grep -c '==stat' "$calls" | grep -qx 16; echo $?)" \
	"fake transport: two snapshots per window (4 configs x 2 repeats)" "$(grep -c '==stat' "$calls")"
grep -q 'srv insmod .*tsqsteal.ko policy=spread' "$calls" && grep -q 'srv insmod .*policy=home' "$calls" &&
	[ "$(grep -c 'srv rmmod tsqsteal' "$calls")" -eq 4 ]
ok $? "fake transport: module loaded per window with its policy and removed after" "$(grep -E 'insmod|rmmod' "$calls")"
grep -q 'srv echo 1 > /sys/class/net/eth0/threaded' "$calls" && grep -q 'srv echo 0 > /sys/class/net/eth0/threaded' "$calls"
ok $? "fake transport: threaded NAPI switched on and back off"
grep -q '^cli wrk .*-c64 .*--latency .*http://192.0.2.10/1m.bin' "$calls"
ok $? "fake transport: wrk runs on the client against the server address" "$(grep '^cli' "$calls" | head -n 3)"
! grep -q 'smp_affinity_list; done' "$calls" || ! grep -q 'rps_cpus' "$calls"
ok $? "fake transport: host mode leaves the IRQ layout as found"
jq -e '.schema == "tsqsteal-bench/1" and .stock_valid == true and
	(.configs[] | select(.name == "ideal") | .status == "skipped") and
	(.configs[] | select(.name == "stock") | .repeats == 2 and .valid == true and
	 (.summary.tsq_irq_share.median == 1) and (.per_cpu.softirq_frac | length == 2))' \
	"$tmp/good/out/report.json" >/dev/null 2>&1
ok $? "fake transport: report has the stock validity, skips and per-CPU series"
[ -s "$tmp/good/out/report.txt" ] && grep -q '^stock ' "$tmp/good/out/report.txt" &&
	grep -q 'ideal .*skipped' "$tmp/good/out/report.txt"
ok $? "fake transport: text table" "$(cat "$tmp/good/out/report.txt" 2>/dev/null)"

mkdir -p "$tmp/bad/fake"
touch "$tmp/bad/fake/fail-insmod"
fake_run bad --configs stock,tsq-spread
ok $? "fake transport: a failed configuration does not stop the run" "$(tail -n 5 "$tmp/bad/log")"
"$bin/report" check "$tmp/bad/out/report.json" >"$tmp/check2.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'tsq-spread: failed' "$tmp/check2.log"
ok $? "report check fails when a configuration failed" "$(cat "$tmp/check2.log")"

FAKE_WRK=wrk-broken.txt fake_run notraffic --configs stock
! "$bin/report" check "$tmp/notraffic/out/report.json" >/dev/null 2>&1
ok $? "report check fails when a configuration produced no traffic"

out=$("$here/compare" "$tmp/good/out/report.json" "$tmp/good/out/report.json" 2>&1)
echo "$out" | grep -q '^stock  *1.000  *1.000' && ! echo "$out" | grep -q '^ideal'
ok $? "compare: a report against itself is all 1.000, skipped configs left out" "$out"
jq '(.configs[] | select(.name == "stock") | .summary.req_s.median) *= 2' \
	"$tmp/good/out/report.json" >"$tmp/double.json"
"$here/compare" "$tmp/good/out/report.json" "$tmp/double.json" 2>&1 | grep -q '^stock  *2.000'
ok $? "compare: ratios are B/A"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
