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
[ -s "$calls" ] && ! grep -q '> */proc/irq/' "$calls" && ! grep -q '> *[^ ]*/rps_cpus' "$calls" &&
	! grep -q 'ethtool -L' "$calls"
ok $? "fake transport: host mode leaves the IRQ layout and channels as found" \
	"$(grep -E '> */proc/irq/|rps_cpus|ethtool -L' "$calls" | head -n 5)"
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

# stock-aa (the A/A control) must be stock to the letter: the same calls,
# the server's in the same order (the client's bulk stream runs in the
# background beside wrk, so client calls are compared as sets).
fake_run onlystock --configs stock && fake_run onlyaa --configs stock-aa &&
	[ -s "$tmp/onlystock/fake/calls" ] &&
	cmp -s <(grep '^srv' "$tmp/onlystock/fake/calls") <(grep '^srv' "$tmp/onlyaa/fake/calls") &&
	cmp -s <(sort "$tmp/onlystock/fake/calls") <(sort "$tmp/onlyaa/fake/calls")
ok $? "fake transport: stock-aa is set up and torn down with exactly stock's calls" \
	"$(diff <(sort "$tmp/onlystock/fake/calls") <(sort "$tmp/onlyaa/fake/calls") 2>&1 | head -n 10)"
fake_run aa --configs stock,stock-aa,tsq-local
rc=$?
"$bin/report" check "$tmp/aa/out/report.json" >"$tmp/check6.log" 2>&1 && [ "$rc" -eq 0 ] &&
	[ "$(grep -c 'srv insmod .*tsqsteal.ko policy=local$' "$tmp/aa/fake/calls")" -eq 2 ] &&
	jq -e '(.configs[] | select(.name == "stock") | has("paired") | not) and
	(.configs[] | select(.name == "stock-aa") | .paired.req_s == {n: 2, ratio: 1, lo: 1, hi: 1}) and
	([.paired_targets[] | [.config, .base, .metric, .verdict]] ==
	 [["tsq-local", "stock", "req_s", "met"], ["tsq-local", "stock", "cpu_s_per_mib", "met"]])' \
		"$tmp/aa/out/report.json" >/dev/null 2>&1
ok $? "fake transport: stock,stock-aa,tsq-local run, paired by the blocks bench_main wrote" \
	"$(cat "$tmp/check6.log"; jq -c '.paired_targets' "$tmp/aa/out/report.json" 2>&1)"

FAKE_WRK=wrk-broken.txt fake_run notraffic --configs stock
! "$bin/report" check "$tmp/notraffic/out/report.json" >/dev/null 2>&1
ok $? "report check fails when a configuration produced no traffic"

# A run with the softirq time histogram (==sirqtime) and a bulk stream
# (bulk.txt), laid out by hand and handed to report build: stock with both,
# tsq-spread with one window whose histogram dropped entries and one
# without bulk.txt, threaded from snapshots without the section and an
# empty bulk.txt (what bench/run leaves without a bulk stream).
fx=$here/tests/fixtures sd=$tmp/split
mkdir -p "$sd"
printf '%s\n' arch=amd64 kver=6.1.0-fake accel=none host_cores=2 vcpus=2 nic=eth0 queues=1 \
	'scenario=2 vCPUs, 1 queue' >"$sd/meta.env"
: >"$sd/runs.tsv"
window() { # NAME REP SNAP0 SNAP1 [BULK]
	mkdir -p "$sd/$1-$2"
	cp "$fx/$3" "$sd/$1-$2/snap.0"
	cp "$fx/$4" "$sd/$1-$2/snap.1"
	cp "$fx/wrk-latency.txt" "$sd/$1-$2/wrk.txt"
	[ -z "${5:-}" ] || cp "$fx/$5" "$sd/$1-$2/bulk.txt"
	printf '%s\t%s\t%s\t0\tok\n' "$1" "$2" "$1-$2" >>"$sd/runs.tsv"
}
window stock 1 sirq.0 sirq.1 bulk.txt
window stock 2 sirq.0 sirq.1 bulk.txt
window tsq-spread 1 sirq.0 sirq-dropped.1 bulk.txt
window tsq-spread 2 sirq.0 sirq.1
window threaded 1 snap.0 snap.1
: >"$sd/threaded-1/bulk.txt"
printf 'ideal\t1\t-\t-\tskipped\tone queue\n' >>"$sd/runs.tsv"
"$bin/report" build "$sd" >"$tmp/split.log" 2>&1
ok $? "split run: report builds with ==sirqtime and bulk.txt" "$(cat "$tmp/split.log")"
grep -q 'tsq-spread-1: softirq time histogram dropped entries' "$tmp/split.log"
ok $? "split run: a window whose histogram dropped entries is reported" "$(cat "$tmp/split.log")"
"$bin/report" check "$sd/report.json" >"$tmp/check3.log" 2>&1
ok $? "split run: report.json passes the check with the new fields" "$(cat "$tmp/check3.log")"
jq -e 'def near($x; $y): ($x - $y) < 1e-4 and ($y - $x) < 1e-4;
	.schema == "tsqsteal-bench/1" and .meta.scenario == "2 vCPUs, 1 queue" and
	(.configs[] | select(.name == "stock") |
	 near(.summary.bulk_mib_s.median; 250 / 10.02) and .sirq_windows == 2 and
	 .per_cpu.sirq_net_rx_time == [0.4, 0.02] and .per_cpu.sirq_net_tx_time == [0.05, 0] and
	 .per_cpu.sirq_tasklet_time == [0.2, 0.01] and .per_cpu.sirq_other_time == [0.02, 0.01] and
	 near(.summary.tsq_irq_share_time.median; 2.6 / 2.735) and .summary.tsq_irq_share.median == 1 and
	 ([.runs[].sirqtime] == ["ok", "ok"]) and near(.vs_stock.bulk_mib_s; 1)) and
	(.configs[] | select(.name == "tsq-spread") | .sirq_windows == 1 and
	 ([.runs[].sirqtime] == ["dropped", "ok"]) and .per_cpu.sirq_net_rx_time == [0.4, 0.02] and
	 near(.summary.bulk_mib_s.min; .summary.bulk_mib_s.max) and
	 ([.runs[].bulk_mib_s | type] == ["number", "null"])) and
	(.configs[] | select(.name == "threaded") | .sirq_windows == 0 and
	 (.per_cpu | has("sirq_net_rx_time") | not) and .summary.bulk_mib_s.median == null and
	 .summary.tsq_irq_share_time.median == null and .runs[0].sirqtime == "absent")' \
	"$sd/report.json" >/dev/null 2>&1
ok $? "split run: JSON has the per-CPU time split, TSQ time share and bulk MiB/s" \
	"$(jq -c '.configs[] | {name, summary: .summary.bulk_mib_s, w: .sirq_windows, pc: .per_cpu}' "$sd/report.json" 2>&1)"
txt=$sd/report.txt
grep -q '^kernel .*NIC eth0, queues 1$' "$txt" && grep -q '^scenario: 2 vCPUs, 1 queue$' "$txt" &&
	grep -q '^stock  *2  *24.9  *24.95  *24.95 ' "$txt" && grep -q '^threaded  *1  *24.9  *24.95  *- ' "$txt" &&
	grep -qx '  cpu0 softirq 68% = NET_RX 40 / NET_TX 5 / TASKLET(TSQ) 20 / other 2 (traced 67)' "$txt" &&
	grep -qx '  cpu1 softirq 4% = NET_RX 2 / NET_TX 0 / TASKLET(TSQ) 1 / other 1 (traced 4)' "$txt" &&
	grep -q '^stock  *split from 2 of 2 windows; TSQ@IRQ by time 95%$' "$txt" &&
	grep -q '^tsq-spread  *split from 1 of 2 windows, 1 with dropped entries; ' "$txt" &&
	grep -q '^threaded  *no softirq time histogram$' "$txt"
ok $? "split run: text header, bulk column and per-CPU split lines" "$(cat "$txt")"
jq 'del(.paired_targets) | .configs |= map(del(.summary.bulk_mib_s, .summary.tsq_irq_share_time,
	.sirq_windows, .runs[]?.sirqtime, .runs[]?.bulk_mib_s, .runs[]?.tsq_irq_share_time,
	.vs_stock.bulk_mib_s, .per_cpu.sirq_net_rx_time, .per_cpu.sirq_net_tx_time,
	.per_cpu.sirq_tasklet_time, .per_cpu.sirq_other_time, .paired))' \
	"$sd/report.json" >"$tmp/old.json" && ! grep -q paired "$tmp/old.json" &&
	"$bin/report" check "$tmp/old.json" >"$tmp/check4.log" 2>&1
ok $? "report check still accepts a report without the new fields" "$(cat "$tmp/check4.log")"
jq '(.configs[] | select(.name == "stock") | .summary.bulk_mib_s.median) = -1 |
	(.configs[] | select(.name == "stock") | .per_cpu.sirq_net_tx_time) = [0.1] |
	(.configs[] | select(.name == "threaded") | .runs[0].sirqtime) = "maybe" |
	(.configs[] | select(.name == "tsq-spread") | .summary.tsq_irq_share_time.max) = 1.5' \
	"$sd/report.json" >"$tmp/broken.json"
"$bin/report" check "$tmp/broken.json" >"$tmp/check5.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$(grep -c 'bulk_mib_s.median out of range\|sirq_net_tx_time is not one value per CPU\|sirqtime is not one of\|tsq_irq_share_time.max out of range' "$tmp/check5.log")" -eq 4 ]
ok $? "report check rejects malformed new fields" "$(cat "$tmp/check5.log")"
out=$("$bin/report" compare "$sd/report.json" "$sd/report.json" 2>&1)
echo "$out" | grep -q '^config .* bulk_mib_s .* tsq_irq_share_time ' &&
	echo "$out" | grep -q '^stock  *1.000  *1.000  *1.000 ' && echo "$out" | grep -q '^threaded  *1.000  *1.000  *- '
ok $? "compare: bulk MiB/s and TSQ time share columns" "$out"
if command -v gnuplot >/dev/null; then
	for d in "$sd" "$tmp/good/out"; do
		rm -f "$d/softirq.png" "$d/throughput.png"
		gnuplot -e "dir='$d'" "$here/plot.gp" >"$tmp/gnuplot.log" 2>&1 &&
			[ -s "$d/softirq.png" ] && [ -s "$d/throughput.png" ] && ! [ -s "$tmp/gnuplot.log" ]
		ok $? "plot.gp: softirq.png and throughput.png ($([ -s "$d/softirq_split.dat" ] &&
			echo stacked by kind || echo per-configuration bars))" "$(cat "$tmp/gnuplot.log")"
	done
else
	echo "# gnuplot not installed: plot.gp not exercised"
fi

# Paired ratios, laid out by hand: blocks 1-4, requests per 10 s window
# (req/s = requests / 10 = MiB/s; the same snapshots everywhere, so CPU
# per MiB goes as 1 / MiB/s).  stock drifts x2 a block; stock-aa is within
# 1 % of it; tsq-local is 0.9 x stock in every block it ran but failed in
# block 2, so its unpaired median is 1.2 x stock's; tsq-spread within 2 %;
# tsq-home 0.9-1.1 and a block 5 where stock failed; tsq-ideal 0.9 x ideal.
pd=$tmp/paired
mkdir -p "$pd"
printf '%s\n' arch=amd64 kver=6.1.0-fake accel=none host_cores=2 vcpus=2 nic=eth0 queues=1 >"$pd/meta.env"
: >"$pd/runs.tsv"
pwin() { # NAME REP REQUESTS [bulk]
	mkdir -p "$pd/$1-$2"
	cp "$fx/snap.0" "$pd/$1-$2/snap.0"
	cp "$fx/snap.1" "$pd/$1-$2/snap.1"
	sed -e "s/250 requests in 10.02s, 250.00MB read/$3 requests in 10.00s, $3.00MB read/" \
		-e '/^Requests\/sec/d' "$fx/wrk-latency.txt" >"$pd/$1-$2/wrk.txt"
	[ -z "${4:-}" ] || cp "$fx/bulk.txt" "$pd/$1-$2/bulk.txt"
	printf '%s\t%s\t%s\t0\tok\n' "$1" "$2" "$1-$2" >>"$pd/runs.tsv"
}
pfail() { printf '%s\t%s\t-\t-\tfailed\tinsmod: fake\n' "$1" "$2" >>"$pd/runs.tsv"; }
pwin stock 1 1000 bulk; pwin stock-aa 1 1010 bulk; pwin tsq-local 1 900; pwin tsq-spread 1 1000 bulk
pwin tsq-home 1 1000 bulk; pwin ideal 1 2000 bulk; pwin tsq-ideal 1 1800 bulk
pwin stock-aa 2 1980 bulk; pfail tsq-local 2; pwin tsq-spread 2 2040 bulk; pwin tsq-home 2 1800 bulk
pwin ideal 2 4000 bulk; pwin tsq-ideal 2 3600 bulk; pwin stock 2 2000 bulk
pwin tsq-local 3 3600; pwin tsq-spread 3 3960 bulk; pwin tsq-home 3 4400 bulk; pwin ideal 3 8000 bulk
pwin tsq-ideal 3 7200 bulk; pwin stock 3 4000 bulk; pwin stock-aa 3 4000 bulk
pwin tsq-spread 4 8080 bulk; pwin tsq-home 4 8000 bulk; pwin ideal 4 16000 bulk
pwin tsq-ideal 4 14400 bulk; pwin stock 4 8000 bulk; pwin stock-aa 4 8000 bulk; pwin tsq-local 4 7200
pfail stock 5; pwin tsq-home 5 100 bulk
"$bin/report" build "$pd" >"$tmp/paired.log" 2>&1 &&
	"$bin/report" check "$pd/report.json" >"$tmp/check7.log" 2>&1
ok $? "paired run: report builds and passes the check" "$(cat "$tmp/paired.log" "$tmp/check7.log")"
jq -e 'def near($x; $y): ($x - $y) < 1e-5 and ($y - $x) < 1e-5;
	def iv($p; $n; $r; $l; $h): $p.n == $n and near($p.ratio; $r) and near($p.lo; $l) and near($p.hi; $h);
	def conf($n): .configs[] | select(.name == $n);
	(conf("stock") | has("paired") | not) and
	(conf("tsq-local") | iv(.paired.req_s; 3; 0.9; 0.9; 0.9) and near(.vs_stock.req_s; 1.2) and
	 iv(.paired.cpu_s_per_mib; 3; 1 / 0.9; 1 / 0.9; 1 / 0.9) and
	 .paired.bulk_mib_s == {n: 0, ratio: null, lo: null, hi: null}) and
	(conf("stock-aa") | iv(.paired.req_s; 4; 0.999975; 0.987067; 1.013052) and
	 iv(.paired.bulk_mib_s; 4; 1; 1; 1)) and
	(conf("tsq-spread") | iv(.paired.req_s; 4; 1.004938; 0.984603; 1.025692)) and
	(conf("tsq-home") | iv(.paired.req_s; 4; 0.997491; 0.875506; 1.136471)) and
	(conf("tsq-ideal") | iv(.paired.req_s; 4; 1.8; 1.8; 1.8))' \
	"$pd/report.json" >/dev/null 2>&1
ok $? "paired run: per-block ratios, t intervals, failed blocks left out (JSON)" \
	"$(jq -c '.configs[] | {name, paired}' "$pd/report.json" 2>&1)"
jq -e '[.paired_targets[] | [.config, .base, .metric, .verdict]] == [
	["tsq-local", "stock", "req_s", "missed"], ["tsq-local", "stock", "cpu_s_per_mib", "missed"],
	["tsq-spread", "stock", "req_s", "met"], ["tsq-spread", "stock", "cpu_s_per_mib", "met"],
	["tsq-home", "stock", "req_s", "not resolved"],
	["tsq-home", "stock", "cpu_s_per_mib", "not resolved"],
	["tsq-ideal", "ideal", "req_s", "missed"], ["tsq-ideal", "ideal", "cpu_s_per_mib", "missed"]] and
	(.paired_targets[6] | .n == 4 and .ratio == 0.9 and .bound == 0.98 and .at_least)' \
	"$pd/report.json" >/dev/null 2>&1
ok $? "paired run: no-regression verdicts met, missed, not resolved; tsq-ideal against ideal" \
	"$(jq -c '.paired_targets[]' "$pd/report.json" 2>&1)"
txt=$pd/report.txt
grep -qx 'paired vs stock (per block), geometric mean \[95 % interval\]:' "$txt" &&
	grep -q '^stock-aa  *1.000 \[0.987, 1.013\] n=4 .* A/A: the noise floor$' "$txt" &&
	grep -q '^tsq-local  *0.900 \[0.900, 0.900\] n=3  .* -  .* 1.111 \[1.111, 1.111\] n=3 *$' "$txt" &&
	grep -q '^stock-aa is stock set up again (A/A)' "$txt" &&
	grep -qx '  missed  *tsq-local: req/s >= 0.98 x stock  *0.900 \[0.900, 0.900\] n=3' "$txt" &&
	grep -qx '  met  *tsq-spread: CPU per MiB <= 1.05 x stock  *0.995 \[0.975, 1.016\] n=4' "$txt" &&
	grep -qx '  not resolved  *tsq-home: req/s >= 0.98 x stock  *0.997 \[0.876, 1.136\] n=4' "$txt" &&
	grep -qx '  missed  *tsq-ideal: CPU per MiB <= 1.05 x ideal  *1.111 \[1.111, 1.111\] n=4' "$txt" &&
	! grep -q 'A/A req/s interval excludes 1' "$txt"
ok $? "paired run: text table, A/A row as the noise floor, verdict lines" "$(sed -n '/^paired/,$p' "$txt")"
jq '(.configs[] | select(.name == "tsq-home") | .paired.req_s.lo) = 2 |
	(.configs[] | select(.name == "stock-aa") | .paired.mib_s) = {n: 1, ratio: 1, lo: 0.9, hi: 1.1} |
	.paired_targets[0].verdict = "met" | .paired_targets[2].verdict = "maybe"' \
	"$pd/report.json" >"$tmp/pbroken.json"
"$bin/report" check "$tmp/pbroken.json" >"$tmp/check8.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q '^tsq-home: paired.req_s is not' "$tmp/check8.log" &&
	grep -q '^stock-aa: paired.mib_s is not' "$tmp/check8.log" &&
	grep -qx 'paired_targets\[0\]: verdict met, but the interval says missed' "$tmp/check8.log" &&
	grep -q '^paired_targets\[2\]: not {' "$tmp/check8.log" && [ "$(wc -l <"$tmp/check8.log")" -eq 4 ]
ok $? "report check rejects malformed paired ratios and verdicts that contradict the interval" \
	"$(cat "$tmp/check8.log")"

out=$("$here/compare" "$tmp/good/out/report.json" "$tmp/good/out/report.json" 2>&1)
echo "$out" | grep -q '^stock  *1.000  *1.000' && ! echo "$out" | grep -q '^ideal'
ok $? "compare: a report against itself is all 1.000, skipped configs left out" "$out"
jq '(.configs[] | select(.name == "stock") | .summary.req_s.median) *= 2' \
	"$tmp/good/out/report.json" >"$tmp/double.json"
"$here/compare" "$tmp/good/out/report.json" "$tmp/double.json" 2>&1 | grep -q '^stock  *2.000'
ok $? "compare: ratios are B/A"

echo "1..$n"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
