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
ok "$(grep -c '==stat;' "$calls" | grep -qx 16; echo $?)" \
	"fake transport: two snapshots per window (4 configs x 2 repeats)" "$(grep -c '==stat;' "$calls")"
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

# The blocked design: every block runs each configuration once, in an
# order shuffled by SEED (the same seed, the same orders; meta.env and the
# text report name it), and each window's block, position and times are
# in report.json.
order() { awk -F'\t' '{ printf "%s%s", $2 == b ? " " : (NR > 1 ? "|" : ""), $1; b = $2 }' "$1/out/runs.tsv"; }
five=stock,stock-aa,tsq-local,tsq-home,tsq-spread
fake_run seed1 --configs $five REPEATS=4 SEED=12345 && fake_run seed1b --configs $five REPEATS=4 SEED=12345 &&
	fake_run seed2 --configs $five REPEATS=4 SEED=777
o1=$(order "$tmp/seed1") o1b=$(order "$tmp/seed1b") o2=$(order "$tmp/seed2")
[ -n "$o1" ] && [ "$o1" = "$o1b" ] && [ "$o1" != "$o2" ] &&
	[ "$(echo "$o1" | tr '|' '\n' | sort -u | wc -l)" -gt 1 ] &&
	echo "$o1" | tr '|' '\n' | while read -r blk; do
		[ "$(echo "$blk" | tr ' ' '\n' | sort | tr '\n' ,)" = "stock,stock-aa,tsq-home,tsq-local,tsq-spread," ] || exit 1
	done
ok $? "blocks: each block runs every configuration once; the order is shuffled per block and follows from SEED" \
	"seed 12345: $o1; again: $o1b; seed 777: $o2"
grep -qx 'seed=12345' "$tmp/seed1/out/meta.env" && grep -q '^block order: .*seed 12345' "$tmp/seed1/out/report.txt" &&
	jq -e '[.configs[] | .runs[] | select(.block >= 1 and .block <= 4 and .position >= 1 and .position <= 5 and
		.start > 0 and .end >= .start)] | length == 20' "$tmp/seed1/out/report.json" >/dev/null &&
	jq -e '[.configs[] | .runs[] | [.block, .position]] | unique | length == 20' "$tmp/seed1/out/report.json" >/dev/null
ok $? "blocks: the seed in meta.env and report.txt; every window's block, position, start and end in report.json" \
	"$(grep seed "$tmp/seed1/out/meta.env"; jq -c '[.configs[] | .runs[] | [.block, .position, .start, .end]]' \
		"$tmp/seed1/out/report.json" 2>&1 | head -c 600)"
for bad in SEED=-1 SEED=x SEED=1234567890; do
	fake_run badseed --configs stock "$bad"
	[ $? -eq 2 ] && grep -q 'SEED must be an integer' "$tmp/badseed/log" && [ "$(wc -l <"$tmp/badseed/log")" -eq 1 ] ||
		break
done
ok $? "blocks: a bad SEED stops the run with one line ($bad)" "$(cat "$tmp/badseed/log")"

# The state check at the start of each window: a module that did not load
# with the configuration's policy, and a NIC layout that drifted from the
# start, discard the window and say so; the other windows stand.
mkdir -p "$tmp/ign/fake"
touch "$tmp/ign/fake/ignore-insmod"
fake_run ign --configs stock,tsq-spread
"$bin/report" check "$tmp/ign/out/report.json" >"$tmp/check-ign.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$(grep -c 'discarded' "$tmp/ign/out/runs.tsv")" -eq 2 ] &&
	grep -q '^tsq-spread.*discarded.*module policy none, want spread' "$tmp/ign/out/report.txt" &&
	jq -e '(.configs[] | select(.name == "tsq-spread") | .status == "discarded" and .discarded == 2) and
		(.configs[] | select(.name == "stock") | .status == "ok" and .repeats == 2)' \
		"$tmp/ign/out/report.json" >/dev/null &&
	grep -q 'tsq-spread: discarded' "$tmp/check-ign.log"
ok $? "state check: a module that did not load with its policy: windows discarded, said so, report check fails" \
	"$(cat "$tmp/ign/out/runs.tsv" "$tmp/check-ign.log"; grep discard "$tmp/ign/out/report.txt")"
mkdir -p "$tmp/drift/fake"
printf 'irq eth0-rx-0 0\nrx-0/rps_cpus 2\n' >"$tmp/drift/fake/layout"
printf 'irq eth0-rx-0 1\nrx-0/rps_cpus 2\n' >"$tmp/drift/fake/layout-after"
fake_run drift --configs stock,tuned
[ "$(grep -c $'^stock\t.*\tdiscarded\t.*NIC layout differs from the start' "$tmp/drift/out/runs.tsv")" -eq 2 ] &&
	! grep -q $'^tuned\t.*\tdiscarded' "$tmp/drift/out/runs.tsv"
ok $? "state check: a NIC layout that drifted from the start discards stock's windows, not tuned's (it sets its own)" \
	"$(cat "$tmp/drift/out/runs.tsv")"
mkdir -p "$tmp/thr/fake"
fake_run thr --configs stock,threaded,tsq-home
! grep -q discarded "$tmp/thr/out/runs.tsv" && [ "$(grep -c $'\tok$' "$tmp/thr/out/runs.tsv")" -eq 6 ] &&
	grep -q '^srv for ip in .*tcp_metrics flush all' "$tmp/thr/fake/calls" &&
	[ "$(grep -c '^srv for ip in .*tcp_metrics flush all' "$tmp/thr/fake/calls")" -eq 6 ]
ok $? "state check: module, threaded NAPI and layout as configured pass; TCP metrics flushed before every window" \
	"$(cat "$tmp/thr/out/runs.tsv")"
mkdir -p "$tmp/noflush/fake"
touch "$tmp/noflush/fake/fail-tcp_metrics"
fake_run noflush --configs stock,tsq-spread
[ "$(grep -c $'\tdiscarded\tip tcp_metrics flush all failed$' "$tmp/noflush/out/runs.tsv")" -eq 4 ] &&
	! grep -q 'srv insmod' "$tmp/noflush/fake/calls" &&
	! "$bin/report" check "$tmp/noflush/out/report.json" >/dev/null 2>&1
ok $? "state check: a window whose TCP metrics could not be flushed is discarded before any setup" \
	"$(cat "$tmp/noflush/out/runs.tsv")"

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

# Attribution (issue 17, item 1): placement = tsq-spread / tsq-local-queued,
# mechanism = tsq-local-queued / stock, hook = tsq-local / stock, paired
# per block.  Per block: local-queued 0.88-0.90 x stock; spread 1.18-1.22 x
# local-queued; home 0.9-1.1 x local-queued; local = stock.
pd=$tmp/attr
mkdir -p "$pd"
cp "$tmp/paired/meta.env" "$pd/"
: >"$pd/runs.tsv"
pwin stock 1 1000; pwin tsq-local-queued 1 900; pwin tsq-spread 1 1080; pwin tsq-home 1 990; pwin tsq-local 1 1000
pwin stock 2 2000; pwin tsq-local-queued 2 1780; pwin tsq-spread 2 2172; pwin tsq-home 2 1602; pwin tsq-local 2 2000
pwin stock 3 4000; pwin tsq-local-queued 3 3560; pwin tsq-spread 3 4200; pwin tsq-home 3 3560; pwin tsq-local 3 4000
"$bin/report" build "$pd" >"$tmp/attr.log" 2>&1 && "$bin/report" check "$pd/report.json" >>"$tmp/attr.log" 2>&1 &&
	jq -e '[.attribution[] | [.claim, .config, .base, .effect, .req_s.n]] == [
		["placement", "tsq-spread", "tsq-local-queued", "gain", 3],
		["placement", "tsq-home", "tsq-local-queued", "not resolved", 3],
		["mechanism", "tsq-local-queued", "stock", "loss", 3],
		["hook", "tsq-local", "stock", "not resolved", 3]] and
		(.attribution[0].req_s.lo > 1) and (.attribution[2].req_s.hi < 1) and
		(.attribution[3].req_s == {n: 3, ratio: 1, lo: 1, hi: 1})' "$pd/report.json" >/dev/null &&
	grep -q '^  placement tsq-spread / tsq-local-queued  *req/s 1.2[0-9]* \[.*n=3 .* gain$' "$pd/report.txt" &&
	grep -q '^  mechanism tsq-local-queued / stock  *req/s 0.8[0-9]* \[.*n=3 .* loss$' "$pd/report.txt"
ok $? "attribution: placement, mechanism and hook ratios paired per block; gain or loss only outside 1" \
	"$(cat "$tmp/attr.log"; jq -c '.attribution' "$pd/report.json" 2>&1; sed -n '/^attribution/,/^$/p' "$pd/report.txt")"

# Does stock have the bottleneck (issue 17, item 5)?  The busy rule: the
# fake run's CPU 0 (its IRQ CPU) is 100 % busy and CPU 1 has 44 % headroom;
# with 500 more idle ticks on CPU 0 it is 72 % busy and neither rule
# holds.  The TSQ-largest rule on the traced split: the split run's CPU 0
# spends 20 % in TASKLET against 40 % in NET_RX (no); raised to 86 %, yes.
jq -e '.stock_bottleneck | .reproduced and .busy_rule and .irq_cpu == 0 and .irq_cpu_busy == 1 and
	.free_cpu == 1 and (.headroom * 1000 | round) == 444 and .tsq_time == null' \
	"$tmp/good/out/report.json" >/dev/null &&
	grep -q '^stock REPRODUCES the problem: IRQ CPU 0 100.0 % busy.*CPU 1 44.4 % headroom' "$tmp/good/out/report.txt"
ok $? "bottleneck: IRQ CPU >= 95 % busy with another CPU >= 20 % idle: stock reproduces the problem" \
	"$(jq -c .stock_bottleneck "$tmp/good/out/report.json"; grep '^stock .*the problem' "$tmp/good/out/report.txt")"
mkdir -p "$tmp/idle/fake"
cp "$here/tests/fixtures/snap.0" "$tmp/idle/fake/"
sed 's/^cpu0 600 0 1300 5000 /cpu0 600 0 1300 5500 /' "$here/tests/fixtures/snap.1" >"$tmp/idle/fake/snap.1"
cp "$here/tests/fixtures/wrk-latency.txt" "$tmp/idle/fake/wrk.txt"
echo 0 >"$tmp/idle/fake/irq_cpus"
FAKE_DIR=$tmp/idle/fake "$here/run" --transport fake --dev eth0 --server-ip 192.0.2.10 \
	--out "$tmp/idle/out" REPEATS=2 DURATION=1 WARMUP=0 --configs stock,tsq-spread >"$tmp/idle/log" 2>&1
jq -e '.stock_bottleneck | (.reproduced | not) and (.busy_rule | not) and (.irq_cpu_busy * 100 | round) == 72' \
	"$tmp/idle/out/report.json" >/dev/null &&
	grep -q '^stock does NOT reproduce the problem: IRQ CPU 0 72.2 % busy' "$tmp/idle/out/report.txt" &&
	grep -q 'ratios to stock say what tsqsteal costs or gives here' "$tmp/idle/out/report.txt"
ok $? "bottleneck: an IRQ CPU 72 % busy without TSQ-dominated softirq does not reproduce it, and the report says so" \
	"$(jq -c .stock_bottleneck "$tmp/idle/out/report.json" 2>&1; grep -A1 '^stock .*the problem' "$tmp/idle/out/report.txt")"
mkdir -p "$tmp/twoirq/fake"
cp "$here/tests/fixtures/snap.0" "$here/tests/fixtures/snap.1" "$tmp/twoirq/fake/"
cp "$here/tests/fixtures/wrk-latency.txt" "$tmp/twoirq/fake/wrk.txt"
echo 0,1 >"$tmp/twoirq/fake/irq_cpus"
FAKE_DIR=$tmp/twoirq/fake "$here/run" --transport fake --dev eth0 --server-ip 192.0.2.10 \
	--out "$tmp/twoirq/out" REPEATS=2 DURATION=1 WARMUP=0 --configs stock >"$tmp/twoirq/log" 2>&1
jq -e '.stock_bottleneck | .reproduced and .irq_cpu == 0 and .free_cpu == 1' "$tmp/twoirq/out/report.json" >/dev/null
ok $? "bottleneck: with IRQs on both CPUs, the busiest (CPU 0) against the other IRQ CPU's headroom" \
	"$(jq -c .stock_bottleneck "$tmp/twoirq/out/report.json" 2>&1)"
jq -e '.stock_bottleneck | (.tsq_rule | not) and .tsq_time == 0.2 and .largest_other_time == 0.4' \
	"$sd/report.json" >/dev/null &&
	grep -q 'on CPU 0 TSQ work 20.0 % of its time, the largest other softirq 40.0 % (TSQ largest: no)' "$sd/report.txt"
ok $? "bottleneck: TSQ work 20 % against NET_RX 40 % on the IRQ CPU: not the largest" \
	"$(jq -c .stock_bottleneck "$sd/report.json" 2>&1)"
jq '.stock_bottleneck.reproduced = (.stock_bottleneck.reproduced | not)' "$tmp/good/out/report.json" >"$tmp/bn.json"
! "$bin/report" check "$tmp/bn.json" >"$tmp/check-bn.log" 2>&1 && grep -q '^stock_bottleneck: ' "$tmp/check-bn.log"
ok $? "bottleneck: report check rejects a verdict that does not follow from its rules" "$(cat "$tmp/check-bn.log")"
td=$tmp/tsqbig
mkdir -p "$td"
cp "$sd/meta.env" "$td/"
for r in 1 2; do
	mkdir -p "$td/stock-$r"
	cp "$fx/sirq.0" "$td/stock-$r/snap.0"
	sed 's/^\({ common_cpu: *0, vec: *6 } hitcount: *4000  lat: *\)3600000000/\19600000000/' \
		"$fx/sirq.1" >"$td/stock-$r/snap.1"
	cp "$fx/wrk-latency.txt" "$td/stock-$r/wrk.txt"
	printf 'stock\t%s\tstock-%s\t0\tok\n' "$r" "$r" >>"$td/runs.tsv"
done
"$bin/report" build "$td" >"$tmp/tsqbig.log" 2>&1 &&
	jq -e '.stock_bottleneck | .reproduced and .tsq_rule and .tsq_time > .largest_other_time' \
		"$td/report.json" >/dev/null &&
	grep -q '(TSQ largest: yes)' "$td/report.txt"
ok $? "bottleneck: TSQ work the largest softirq cost on the IRQ CPU: stock reproduces the problem" \
	"$(cat "$tmp/tsqbig.log"; jq -c .stock_bottleneck "$td/report.json" 2>&1)"

echo "1..$n"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
