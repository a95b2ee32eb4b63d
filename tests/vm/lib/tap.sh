# TAP-style results: one line per check, counted across the whole run.
# shellcheck shell=bash

# The counts live in TAP_DIR, so that scenario processes started by the
# VM runner add to its counts: a file that exists is kept, not emptied.
# Whoever owns a run starts it with a fresh TAP_DIR.
TAP_DIR=${TAP_DIR:-$(mktemp -d)}
mkdir -p "$TAP_DIR"
for _f in pass fail skip; do
	[ -f "$TAP_DIR/$_f" ] || : >"$TAP_DIR/$_f"
done
unset _f

tap_n() {
	echo $(($(wc -l <"$TAP_DIR/pass") + $(wc -l <"$TAP_DIR/fail") + $(wc -l <"$TAP_DIR/skip") + 1))
}

tap_ok() {
	echo "ok $(tap_n) - $*"
	echo "$*" >>"$TAP_DIR/pass"
}

# tap_fail DESC [DETAIL...]: details are printed as "# " lines.  It returns
# 1, so "if check ...; then" guards what only makes sense after a pass.
tap_fail() {
	local desc=$1
	shift
	echo "not ok $(tap_n) - $desc"
	echo "$desc" >>"$TAP_DIR/fail"
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
	return 1
}

tap_skip() {
	echo "ok $(tap_n) - $1 # SKIP ${2:-}"
	echo "$1" >>"$TAP_DIR/skip"
}

# check DESC CMD...: ok when CMD exits 0; its output is shown on failure.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_fail "$desc" "$(printf '%s\n' "$out" | tail -n 15)"
	fi
}

# Fold a sub-suite's TAP output (e.g. a host unit test) into our counts.
# It passes the suite's plan line through as "# plan 1..N" and leaves the
# number of results it read in $TAP_DIR/imported (tap_suite checks both).
tap_import() {
	local line desc n=0
	while IFS= read -r line; do
		case "$line" in
		"ok "* | "not ok "*) n=$((n + 1)) ;;
		esac
		case "$line" in
		1..[0-9]*) printf '# plan %s\n' "$line" ;;
		"ok "*"# SKIP"*) desc=${line#ok * - }; tap_skip "${desc%% # SKIP*}" "${line##*# SKIP}" ;;
		"ok "*) desc=${line#ok }; tap_ok "${desc#* - }" ;;
		"not ok "*) desc=${line#not ok }; tap_fail "${desc#* - }" ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done
	echo "$n" >"$TAP_DIR/imported"
}

# tap_suite NAME CMD...: run a sub-suite and fold its TAP into ours.  Its
# exit status and its plan count too: a suite that dies mid-way, prints
# no plan or a plan that does not match what it reported, or exits
# non-zero with no failing check, fails here with its name.
tap_suite() {
	local name=$1 out rc plan n nfail
	shift
	out=$(mktemp)
	"$@" 2>&1 | tee "$out" | tap_import
	rc=${PIPESTATUS[0]}
	n=$(cat "$TAP_DIR/imported")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | tail -n1)
	nfail=$(grep -c '^not ok ' "$out")
	rm -f "$out"
	if [ -z "$plan" ]; then
		tap_fail "$name: suite printed a plan line (exit $rc, $n results)"
	elif [ "$plan" != "$n" ]; then
		tap_fail "$name: suite's plan 1..$plan matches the $n results it printed (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		tap_fail "$name: suite exited $rc with no failing check"
	elif [ "$rc" -eq 0 ] && [ "$nfail" -gt 0 ]; then
		tap_fail "$name: suite exited 0 with $nfail failing checks"
	fi
	return 0
}

# tap_summary: the plan line (TAP allows it last) and the counts; fails
# when anything failed.
tap_summary() {
	local p f s
	p=$(wc -l <"$TAP_DIR/pass")
	f=$(wc -l <"$TAP_DIR/fail")
	s=$(wc -l <"$TAP_DIR/skip")
	echo "1..$((p + f + s))"
	if [ "$s" -gt 0 ]; then
		echo "$p passed, $f failed, $s skipped"
	else
		echo "$p passed, $f failed"
	fi
	[ "$f" -eq 0 ]
}
