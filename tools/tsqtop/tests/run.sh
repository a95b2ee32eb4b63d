#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tsqtop on the fixtures of tests/fixtures/tsqtop (two readings a, b of a
# 4-CPU machine with tsqsteal, and nomod without it): the changes it
# reports, the Prometheus file, the missing module, bad arguments.
# TAP, then "N passed, N failed".
#
# usage: run.sh BIN FIXTURES MANPAGE
set -u
BIN=$1
FIX=$(cd "$2" && pwd)
MAN=$3
A=$FIX/a
B=$FIX/b
n=0
passed=0
failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tsqtop-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
unset TSQTOP_ROOT

ok() {
	n=$((n + 1)); passed=$((passed + 1))
	printf 'ok %d - tsqtop: %s\n' "$n" "$*"
}

notok() {
	n=$((n + 1)); failed=$((failed + 1))
	printf 'not ok %d - tsqtop: %s\n' "$n" "$*"
}

diag() { sed -n '1,30s/^/# /p' "$1"; }

# t DESC CMD...: passes when CMD succeeds; its output is shown when not.
t() {
	desc=$1
	shift
	if "$@" >"$TMP/t.out" 2>&1; then
		ok "$desc"
	else
		notok "$desc"
		diag "$TMP/t.out"
	fi
}

# run ARGS...: tsqtop; stdout in $TMP/out, stderr in $TMP/err, status in $rc.
run() {
	"$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	cat "$TMP/err" >>"$TMP/all-stderr"
}

# json EXPR: evaluate a jq filter on $TMP/out (one report); prints the result.
json() { jq -c "$1" "$TMP/out"; }

# eq DESC WANT GOT
eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1"
		printf '#   want: %s\n#   got:  %s\n' "$2" "$3"
	fi
}

# promcheck FILE: the text exposition format, as Prometheus reads it:
# every sample's family has one HELP and one TYPE line before its first
# sample, families are not split, names and labels are well formed,
# values are numbers, counters end in _total, no sample repeats.
promcheck() {
	awk '
	function fail(m) { print FILENAME ":" NR ": " m ": " $0; bad = 1 }
	/^# HELP / { if (help[$3]++) fail("second HELP"); next }
	/^# TYPE / {
		if (type[$3]) fail("second TYPE")
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("bad type")
		if (!help[$3]) fail("TYPE before HELP")
		type[$3] = $4; next
	}
	/^#/ { next }
	/^$/ { fail("empty line"); next }
	{
		if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { fail("bad name"); next }
		name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
		if (rest ~ /^\{/) {
			if (!match(rest, /^\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\}/)) {
				fail("bad labels"); next
			}
			labels = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
		} else labels = ""
		if (rest !~ /^ [-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/) fail("bad value")
		if (!type[name]) fail("sample without TYPE")
		if (type[name] == "counter" && name !~ /_total$/) fail("counter not named _total")
		if (name != last && done[name]) fail("family split")
		if (seen[name labels]++) fail("repeated sample")
		done[name] = 1; last = name; samples++
	}
	END { if (!samples) { print FILENAME ": no samples"; bad = 1 } exit bad }
	' "$1"
}

# ---- the changes between two readings ----
run --root "$A:$B" -i 0.1 --once --json
eq "--once --json on a:b exits 0 with one line" "0 1" "$rc $(wc -l <"$TMP/out")"
eq "four CPUs, tsqsteal true, no note" '[[0,1,2,3],true,null]' "$(json '[[.cpus[].cpu], .tsqsteal, .note]')"
eq "softirq% per CPU from /proc/stat (40, 5, no ticks 0, idle 0)" \
	'[40,5,0,0]' "$(json '[.cpus[].softirq_pct]')"
eq "NET_TX, NET_RX, TASKLET changes per CPU from /proc/softirqs" \
	'[[10,1000,5],[20,0,0],[30,0,0],[40,0,7]]' "$(json '[.cpus[].softirqs | [.NET_TX, .NET_RX, .TASKLET]]')"
eq "every softirq kind of /proc/softirqs is in the JSON, unchanged ones 0" \
	'[10,0]' "$(json '[(.cpus[0].softirqs | length), .cpus[3].softirqs.RCU]')"
eq "enqueued, drained, stolen_from, stolen_by, rescued_from, rescued_by changes per CPU" \
	'[[1000,990,400,0,3,0],[0,0,0,200,0,3],[10,10,0,0,0,0],[0,0,0,200,0,0]]' \
	"$(json '[.cpus[].tsqsteal | [.enqueued, .drained, .stolen_from, .stolen_by, .rescued_from, .rescued_by]]')"
eq "qlen and max_qlen are levels of the second reading, not changes" \
	'[[12,40],[0,8]]' "$(json '[.cpus[0:2][].tsqsteal | [.qlen, .max_qlen]]')"
eq "max_wait: the longest wait bucket with polls in the interval" \
	'["wait_ge_65536us",null,"wait_lt_16us",null]' "$(json '[.cpus[].tsqsteal.max_wait]')"
eq "all 26 columns of the stats table, plus max_wait" '27' "$(json '.cpus[0].tsqsteal | length')"

run --root "$B:$A" -i 0.1 --once --json
eq "a counter that went back (module reloaded) counts from zero: CPU 0's enqueued is a's 100" \
	'[100,0]' "$(json '[.cpus[0:2][].tsqsteal.enqueued]')"

run --root "$A:$B:$B" -i 0.1 -n 2 --json
eq "-n 2 over a:b:b: two reports, the second with no change" \
	'2 [1000,0]' "$(wc -l <"$TMP/out") $(jq -c -s '[.[].cpus[0].tsqsteal.enqueued]' "$TMP/out")"

run --root "$A:$B" -i 0.1 --once
if [ "$rc" -eq 0 ] && head -n 3 "$TMP/out" | grep -q 'CPU.*sirq%.*NET_TX.*NET_RX.*TASKLET.*enqueued.*drained.*stolen_from.*stolen_by.*rescued_from.*rescued_by.*qlen.*max_qlen.*max_wait' &&
	grep -Eq '^ +0 +40\.0 .* 12 +40 +ge_65536us$' "$TMP/out" && [ "$(wc -l <"$TMP/out")" -eq 6 ]; then
	ok "text report: the real column names, CPU 0's row (40.0 % ... qlen 12, max_qlen 40, ge_65536us)"
else
	notok "text report: the real column names, CPU 0's row"
	diag "$TMP/out"
fi

TSQTOP_ROOT="$A:$B" "$BIN" -i 0.1 --once --json >"$TMP/out" 2>>"$TMP/all-stderr"
eq "TSQTOP_ROOT is read as --root is" '1000' "$(json '.cpus[0].tsqsteal.enqueued')"

# ---- the module missing ----
run --root "$FIX/nomod" -i 0.1 --once
if [ "$rc" -eq 0 ] && grep -qx 'note: tsqsteal is not loaded (no /sys/module/tsqsteal): softirq columns only' "$TMP/out" &&
	! grep -q enqueued "$TMP/out" && grep -Eq '^ +3 ' "$TMP/out"; then
	ok "no module: exit 0, one note line, softirq columns for every CPU"
else
	notok "no module: exit 0, one note line, softirq columns for every CPU (rc $rc)"
	diag "$TMP/out"
	diag "$TMP/err"
fi
run --root "$FIX/nomod" -i 0.1 --once --json
eq "no module, --json: tsqsteal false, the note, no tsqsteal objects" \
	'[false,true,0]' "$(json '[.tsqsteal, (.note | test("not loaded")), ([.cpus[] | select(.tsqsteal)] | length)]')"
cp -a "$FIX/nomod" "$TMP/nodebugfs"
mkdir -p "$TMP/nodebugfs/sys/module/tsqsteal"
run --root "$TMP/nodebugfs" -i 0.1 --once
t "loaded but no stats file: the note asks whether debugfs is mounted" \
	grep -qx 'note: tsqsteal is loaded but /sys/kernel/debug/tsqsteal/stats is missing: is debugfs mounted?' "$TMP/out"
run --root "$FIX/nomod:$B" -i 0.1 --once --json
eq "module loaded between the readings: no tsqsteal columns yet, a note says when" \
	'[false,true]' "$(json '[.tsqsteal, (.note | test("next report"))]')"

# ---- --prom ----
run --root "$A:$B" -i 0.1 --once -q --prom "$TMP/tsq.prom"
t "--prom -q: exit 0, nothing on stdout, FILE written, no FILE.tmp left" \
	test "$rc" -eq 0 -a ! -s "$TMP/out" -a -s "$TMP/tsq.prom" -a ! -e "$TMP/tsq.prom.tmp"
t "--prom: the file is valid exposition format (HELP, TYPE, names, labels, values)" promcheck "$TMP/tsq.prom"
got=$(grep -E '^(tsqsteal_up|tsqsteal_enqueued_total\{cpu="0"\}|tsqsteal_stolen_by_total\{cpu="1"\}|tsqsteal_qlen\{cpu="0"\}|tsqsteal_wait_total\{cpu="0",bucket="ge_65536us"\}|tsqtop_softirqs_total\{cpu="0",type="NET_RX"\}|tsqtop_cpu_softirq_seconds_total\{cpu="0"\}) ' "$TMP/tsq.prom" | tr '\n' ';')
eq "--prom: the second reading's counters under their names" \
	'tsqsteal_up 1;tsqsteal_enqueued_total{cpu="0"} 1100;tsqsteal_stolen_by_total{cpu="1"} 203;tsqsteal_qlen{cpu="0"} 12;tsqsteal_wait_total{cpu="0",bucket="ge_65536us"} 2;tsqtop_softirqs_total{cpu="0",type="NET_RX"} 5000;tsqtop_cpu_softirq_seconds_total{cpu="0"} 1.40;' \
	"$got"
eq "--prom: a HELP and TYPE line per family, one sample per CPU of each of the 18 columns" \
	"22 22 72" "$(grep -c '^# HELP' "$TMP/tsq.prom") $(grep -c '^# TYPE' "$TMP/tsq.prom") $(grep -c '^tsqsteal_[a-z_]*{cpu="[0-9]"} ' "$TMP/tsq.prom")"
run --root "$FIX/nomod" -i 0.1 --once -q --prom "$TMP/nomod.prom"
if [ "$rc" -eq 0 ] && promcheck "$TMP/nomod.prom" >"$TMP/t.out" 2>&1 && grep -qx 'tsqsteal_up 0' "$TMP/nomod.prom" &&
	! grep -q '^tsqsteal_enqueued' "$TMP/nomod.prom"; then
	ok "--prom without the module: valid, tsqsteal_up 0, softirq metrics only"
else
	notok "--prom without the module: valid, tsqsteal_up 0, softirq metrics only"
	diag "$TMP/t.out"
fi
cp "$TMP/tsq.prom" "$TMP/broken.prom"
sed -i '0,/^tsqsteal_enqueued_total/s//tsqsteal_enqueued/' "$TMP/broken.prom"
if promcheck "$TMP/broken.prom" >/dev/null 2>&1; then
	notok "the validator itself rejects a sample whose family has no TYPE"
else
	ok "the validator itself rejects a sample whose family has no TYPE"
fi

# ---- bad arguments and inputs: exit 1, one line on stderr, nothing on stdout ----
bad() {
	want=$1
	shift
	run "$@"
	if [ "$rc" -eq 1 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
		grep -q "^tsqtop: .*$want" "$TMP/err"; then
		ok "$* -> exit 1: $(cat "$TMP/err")"
	else
		notok "$* -> exit 1 and one line with '$want' (rc $rc)"
		diag "$TMP/err"
	fi
}
R="--root $A:$B"
# shellcheck disable=SC2086
{
	bad "want seconds from 0.1 to 3600" $R -i 0
	bad "want seconds from 0.1 to 3600" $R -i 0.05
	bad "want seconds from 0.1 to 3600" $R --interval=4000
	bad "want seconds from 0.1 to 3600" $R -i 1x
	bad "want seconds from 0.1 to 3600" $R -i nan
	bad "needs a value" $R -i
	bad "want a number from 1 to" $R -n 0
	bad "want a number from 1 to" $R --count=two
	bad "needs a file name" $R --prom
	bad "needs a file name" $R --prom=
	bad "without --prom would show nothing" $R -q
	bad "needs a directory" --root
	bad "unknown argument '--bogus'" $R --bogus
	bad "unknown argument 'extra'" $R extra
	bad "cannot write $TMP/no/such/dir/x.prom.tmp" $R --once -i 0.1 --prom "$TMP/no/such/dir/x.prom"
	bad "/nonexistent/proc/softirqs: cannot read: No such file or directory" --root /nonexistent --once
}
cp -a "$A" "$TMP/badstat"
echo "cpu0 1 2 x 4 5 6 7 8" >"$TMP/badstat/proc/stat"
bad "$TMP/badstat/proc/stat: line 1: 'x' is not a number" --root "$TMP/badstat" --once -i 0.1
cp -a "$A" "$TMP/badsi"
printf '  CPU0 CPU1\nNET_RX: 1\n' >"$TMP/badsi/proc/softirqs"
bad "$TMP/badsi/proc/softirqs: line 2: not NAME: and one count per CPU" --root "$TMP/badsi" --once -i 0.1
cp -a "$A" "$TMP/badtq"
echo "0 1 2" >>"$TMP/badtq/sys/kernel/debug/tsqsteal/stats"
run --root "$TMP/badtq" -i 0.1 --once
t "a stats table it cannot read is a note naming the line, not a stop" \
	grep -qx 'note: /sys/kernel/debug/tsqsteal/stats: line 7: not a CPU and one number per column' "$TMP/out"

# ---- help, version, man page ----
run --help
t "--help exits 0 and names every option" sh -c "[ $rc -eq 0 ] && for o in --interval --count --once --json --prom --quiet --root --help --version; do grep -q -- \"\$o\" '$TMP/out' || exit 1; done"
missing=
for o in $(grep -o -- '--[a-z][a-z]*' "$TMP/out" | sort -u) TSQTOP_ROOT; do
	grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$MAN" || missing="$missing $o"
done
t "every option of --help, and TSQTOP_ROOT, is in $(basename "$MAN") (missing:$missing)" test -z "$missing"
run -V
t "-V prints the version" grep -Eqx 'tsqtop [0-9]+\.[0-9]+\.[0-9]+' "$TMP/out"

if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/all-stderr"; then
	notok "no sanitizer report in any run"
	grep -m 5 -e 'Sanitizer' -e 'runtime error:' "$TMP/all-stderr" | sed 's/^/# /'
else
	ok "no sanitizer report in any run ($(wc -l <"$TMP/all-stderr") stderr lines checked)"
fi

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
