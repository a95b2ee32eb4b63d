# Transports: how the bench reaches the server and the client.  Every
# mode runs the same bench code (lib/bench.sh); only these differ.
#
#   srv CMD       run a shell command on the server, print its output
#   cli CMD...    run a command on the client (wrk)
#   cli_file F    the path under which the client sees local file F
#
#   vm    server = the QEMU guest (tests/vm/lib/vm.sh's guest), client =
#         its network namespace on this host
#   host  server = this machine (sh -c), client = ssh SSH_TARGET
#   fake  canned answers from FAKE_DIR, every call logged (unit tests)
# shellcheck shell=bash disable=SC2317

transport_vm() {
	srv() { guest "$*"; }
	cli() { client "$@"; }
	cli_file() { echo "$1"; }
}

transport_host() {
	: "${SSH_TARGET:?host mode needs --client SSH_TARGET}"
	srv() { sh -c "$*"; }
	cli() { ssh -o BatchMode=yes "$SSH_TARGET" "$(printf '%q ' "$@")"; }
	cli_file() {
		local remote
		remote=/tmp/tsq-bench-$(basename "$1")
		scp -q -o BatchMode=yes "$1" "$SSH_TARGET:$remote" >&2 && echo "$remote"
	}
}

# fake: FAKE_DIR holds snap.0/snap.1 (alternately returned for snapshot
# reads), irq_cpus, wrk.txt; FAKE_DIR/fail-CMDWORD makes commands that
# contain CMDWORD fail.  Calls are appended to FAKE_DIR/calls.  The
# server's state (bench_state) follows insmod/rmmod and threaded as a
# server's would, unless FAKE_DIR/ignore-insmod exists (insmod succeeds,
# nothing loads); its layout is FAKE_DIR/layout, after the first read
# FAKE_DIR/layout-after when that exists (a layout that drifts).
transport_fake() {
	: "${FAKE_DIR:?fake transport needs FAKE_DIR}"
	FAKE_SNAP=0
	srv() {
		local f
		echo "srv $*" >>"$FAKE_DIR/calls"
		for f in "$FAKE_DIR"/fail-*; do
			[ -e "$f" ] || continue
			case "$*" in *"${f##*/fail-}"*) return 1 ;; esac
		done
		case "$*" in
		*"==state"*)
			echo "==state"
			echo "module $(cat "$FAKE_DIR/module" 2>/dev/null || echo none)"
			echo "threaded $(cat "$FAKE_DIR/threaded" 2>/dev/null || echo 0)"
			if [ -e "$FAKE_DIR/layout-after" ] && [ -e "$FAKE_DIR/layout-read" ]; then
				cat "$FAKE_DIR/layout-after"
			else
				cat "$FAKE_DIR/layout" 2>/dev/null
			fi
			: >"$FAKE_DIR/layout-read"
			;;
		"insmod "*)
			[ -e "$FAKE_DIR/ignore-insmod" ] ||
				echo "$*" | sed 's/.*policy=\([a-z]*\).*/\1/; /^insmod /s/.*/spread/' >"$FAKE_DIR/module"
			;;
		"rmmod tsqsteal") rm -f "$FAKE_DIR/module" ;;
		"echo 1 > /sys/class/net/"*/threaded) echo 1 >"$FAKE_DIR/threaded" ;;
		"echo 0 > /sys/class/net/"*/threaded) echo 0 >"$FAKE_DIR/threaded" ;;
		*"==stat"*)
			cat "$FAKE_DIR/snap.$FAKE_SNAP"
			FAKE_SNAP=$((1 - FAKE_SNAP))
			;;
		*/proc/irq/*) cat "$FAKE_DIR/irq_cpus" ;;
		*"nproc"*) echo 2 ;;
		*"uname -r"*) echo 6.1.0-fake ;;
		esac
	}
	cli() {
		echo "cli $*" >>"$FAKE_DIR/calls"
		case "$*" in *wrk*) cat "$FAKE_DIR/wrk.txt" ;; esac
	}
	cli_file() { echo "$1"; }
}
