# TAP-style results: one line per check, counted across the whole run.
# shellcheck shell=bash

TAP_DIR=${TAP_DIR:-$(mktemp -d)}
mkdir -p "$TAP_DIR"
: >"$TAP_DIR/pass"
: >"$TAP_DIR/fail"
: >"$TAP_DIR/skip"

tap_n() {
	echo $(($(wc -l <"$TAP_DIR/pass") + $(wc -l <"$TAP_DIR/fail") + $(wc -l <"$TAP_DIR/skip") + 1))
}

tap_ok() {
	echo "ok $(tap_n) - $*"
	echo "$*" >>"$TAP_DIR/pass"
}

# tap_fail DESC [DETAIL...]: details are printed as "# " lines.
tap_fail() {
	local desc=$1
	shift
	echo "not ok $(tap_n) - $desc"
	echo "$desc" >>"$TAP_DIR/fail"
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
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
tap_import() {
	local line desc
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*) desc=${line#ok * - }; tap_skip "${desc%% # SKIP*}" "${line##*# SKIP}" ;;
		"ok "*) desc=${line#ok }; tap_ok "${desc#* - }" ;;
		"not ok "*) desc=${line#not ok }; tap_fail "${desc#* - }" ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done
}

tap_summary() {
	local p f s
	p=$(wc -l <"$TAP_DIR/pass")
	f=$(wc -l <"$TAP_DIR/fail")
	s=$(wc -l <"$TAP_DIR/skip")
	if [ "$s" -gt 0 ]; then
		echo "$p passed, $f failed, $s skipped"
	else
		echo "$p passed, $f failed"
	fi
	[ "$f" -eq 0 ]
}
