#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# irqspread host tests on the fixture trees: unit, golden, value, round-trip
# and bad-input checks. One TAP-style line per check, then "N passed, N failed".
# Every write lands in a copy of a fixture under a temp dir; the fixtures are
# never touched.
#
# usage: run.sh BIN UNIT FIXTURES MANPAGE
set -u

BIN=$1
UNIT=$2
FIX=$3
MAN=$4

n=0
passed=0
failed=0
# Hundreds of fixture copies: tmpfs when there is one, unless TMPDIR says otherwise.
base=${TMPDIR:-/tmp}
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
TMP=$(mktemp -d "$base/irqspread-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

ok() {
	n=$((n + 1)); passed=$((passed + 1))
	printf 'ok %d - irqspread: %s\n' "$n" "$*"
}

notok() {
	n=$((n + 1)); failed=$((failed + 1))
	printf 'not ok %d - irqspread: %s\n' "$n" "$*"
}

# diag FILE: show a file as TAP comments
diag() {
	sed -n '1,40s/^/# /p' "$1"
}

# t DESC CMD...: a check that passes when CMD succeeds
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

# fresh NAME: a private copy of a fixture, its path on stdout
fresh() {
	rm -rf "${TMP:?}/$1"
	cp -a "$FIX/$1" "$TMP/$1"
	echo "$TMP/$1"
}

same_tree() {
	diff -r --no-dereference "$1" "$2"
}

# same_live A B: the files irqspread reads and writes, not var/lib/irqspread
same_live() {
	same_tree "$1/proc" "$2/proc" && same_tree "$1/sys" "$2/sys"
}

# run SYSROOT ARGS...: irqspread with stdout in $TMP/out, stderr in $TMP/err, rc in $rc
run() {
	root=$1
	shift
	"$BIN" --sysroot "$root" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	cat "$TMP/err" >>"$TMP/all-stderr"
}

has() { grep -qF -- "$1" "$2"; }

fixtures=$(cd "$FIX" && for d in */; do [ -d "$d/proc" ] && echo "${d%/}"; done)

# ---- unit tests of the parsers and the loader ----
"$UNIT" >"$TMP/unit" 2>"$TMP/unit.err"
urc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "unit: ${line#ok - }" ;;
	"not ok - "*) notok "unit: ${line#not ok - }" ;;
	esac
done <"$TMP/unit"
if [ $urc -eq 0 ] && [ ! -s "$TMP/unit.err" ]; then
	ok "unit tests ran to the end, no sanitizer report"
else
	notok "unit tests ran to the end, no sanitizer report (rc $urc)"
	diag "$TMP/unit.err"
fi

# ---- goldens: show and plan, text and JSON ----
for f in $fixtures; do
	for g in show.txt show.json plan.txt plan.json; do
		exp="$FIX/$f/expected/$g"
		verb=${g%.*}
		json=
		[ "${g#*.}" = json ] && json=--json
		if [ ! -f "$exp" ]; then
			notok "$verb ${json:+--json }on $f fixture matches golden (no $exp)"
			continue
		fi
		"$BIN" --sysroot "$FIX/$f" "$verb" $json >"$TMP/golden" 2>"$TMP/golden.err"
		if cmp -s "$TMP/golden" "$exp"; then
			ok "$verb ${json:+--json }on $f fixture matches golden"
		else
			notok "$verb ${json:+--json }on $f fixture matches golden"
			diff -u "$exp" "$TMP/golden" | sed -n '1,30s/^/# /p'
			diag "$TMP/golden.err"
		fi
	done
done

# ---- values the policies must produce ----
G=$FIX/graviton
run "$G" plan
for q in 0 1 2 3 4 5 6 7; do
	irq=$((41 + q))
	has "/proc/irq/$irq/smp_affinity_list: 0-63 -> $q " "$TMP/out" ||
		{ notok "graviton: ens5-Tx-Rx-$q (IRQ $irq) goes to CPU $q"; continue; }
	ok "graviton: ens5-Tx-Rx-$q (IRQ $irq) goes to CPU $q"
done
t "graviton: ENA management IRQ 40 is left alone" sh -c "! grep -q '/proc/irq/40/' '$TMP/out'"
t "graviton: 8 queues < 64 CPUs: RPS to CPUs 8-63 on every rx queue" \
	test "$(grep -c 'rps_cpus: 00000000,00000000 -> ffffffff,ffffff00 ' "$TMP/out")" = 8
t "graviton: RFS 32768 flows / 8 queues = 4096 per queue" \
	test "$(grep -c 'rps_flow_cnt: 0 -> 4096 ' "$TMP/out")" = 8
t "graviton: rps_sock_flow_entries 0 -> 32768" has "rps_sock_flow_entries: 0 -> 32768 " "$TMP/out"
t "graviton: XPS tx-0 gets CPUs 0,8,...,56" has "tx-0/xps_cpus: 00000000,00000000 -> 01010101,01010101 " "$TMP/out"
t "graviton: XPS tx-7 gets CPUs 7,15,...,63" has "tx-7/xps_cpus: 00000000,00000000 -> 80808080,80808080 " "$TMP/out"
t "graviton: no irqbalance warning (irqbalance-ui is not irqbalance)" test ! -s "$TMP/err"
run "$G" plan --flows 1000
t "graviton: --flows 1000 rounds up: 128 per queue, table 1024" \
	sh -c "grep -q 'rps_flow_cnt: 0 -> 128 ' '$TMP/out' && grep -q 'rps_sock_flow_entries: 0 -> 1024 ' '$TMP/out'"
run "$G" plan --cpus 4-7
t "graviton: --cpus 4-7 puts queues 0-3 and 4-7 on CPUs 4-7" \
	sh -c "grep -q '/proc/irq/41/smp_affinity_list: 0-63 -> 4 ' '$TMP/out' && grep -q '/proc/irq/45/smp_affinity_list: 0-63 -> 4 ' '$TMP/out'"
t "graviton: --cpus 4-7: 8 queues >= 4 CPUs, RPS stays off" sh -c "! grep -q 'rps_cpus:' '$TMP/out' && grep -q 'RPS off: 8 rx queues >= 4 CPUs' '$TMP/out'"
run "$G" plan --policy irq-only
t "graviton: irq-only plans only smp_affinity_list files" \
	sh -c "test \$(grep -c '^  /' '$TMP/out') = 8 && test \$(grep -c 'smp_affinity_list' '$TMP/out') = 8"

M=$FIX/m7i
run "$M" plan
t "m7i: irqbalance warning names its pid on stderr" has "warning: irqbalance is running (pid 812)" "$TMP/err"
t "m7i: NIC on node 1 gets node 1 cores 24-47 first, then SMT siblings 72-79" \
	has "32 queue IRQs on CPUs 24-47,72-79, one per CPU" "$TMP/out"
t "m7i: ens5-Tx-Rx-25 lands on SMT sibling 73" has "/proc/irq/50/smp_affinity_list: 79 -> 73  # ens5-Tx-Rx-25 on CPU 73 (SMT sibling)" "$TMP/out"
t "m7i: 32 queues are not funnelled onto 80-95 (16 CPUs, siblings of IRQ cores): RPS off, said why" \
	sh -c "grep -q 'RPS off: only 16 CPUs without NIC IRQs on node 1 for its 32 rx queues' '$TMP/out' && ! grep -q 'rps_cpus:' '$TMP/out'"
t "m7i: ens5-Tx-Rx-4 already on CPU 28 is not rewritten" sh -c "! grep -q '/proc/irq/29/' '$TMP/out'"
run "$M" show
t "m7i: show prints the irqbalance warning line" has "  warning: irqbalance is running (pid 812)" "$TMP/out"
t "m7i: show lists SMT sibling threads 48-95" has "smt: 2 threads per core, sibling threads 48-95" "$TMP/out"

run "$FIX/isolcpus" plan
cpus=$(sed -n 's|.*smp_affinity_list: [^ ]* -> \([0-9]*\) .*|\1|p' "$TMP/out" | sort -un | tr '\n' ' ')
t "isolcpus: IRQs only on housekeeping CPUs 0,1,8,9 (got $cpus)" test "$cpus" = "0 1 8 9 "
t "isolcpus: 16 queues on 4 CPUs: RPS off" has "RPS off: 16 rx queues >= 4 CPUs" "$TMP/out"

run "$FIX/cpu256" plan
t "cpu256: RPS mask has 8 comma groups (80-127,208-255)" \
	has "-> ffffffff,ffff0000,00000000,00000000,ffffffff,ffff0000,00000000,00000000 " "$TMP/out"
t "cpu256: RPS leaves out 192-207, SMT siblings of the IRQ CPUs 64-79" \
	has "RPS on: 16 rx queues < 128 CPUs, steering to 80-127,208-255;" "$TMP/out"
t "cpu256: bnxt_en queue 15 on CPU 79 of node 1" has "ens2f0np0-TxRx-15 on CPU 79 (core)" "$TMP/out"
run "$FIX/cpu256" plan --cpus 0-7,128-135,64-79
t "cpu256: each rx queue steers within its IRQ CPU's node (rx-0 node 0: 128-135)" \
	has "rx-0/rps_cpus: 00000000,00000000,00000000,00000000,ffffffff,ffffffff,00000000,00000000 -> 00000000,00000000,00000000,000000ff,00000000,00000000,00000000,00000000  # RPS to CPUs without NIC IRQs on rx-0's node: 128-135" "$TMP/out"
t "cpu256: ... (rx-8 node 1: 72-79)" has "on rx-8's node: 72-79" "$TMP/out"
t "cpu256: siblings of IRQ CPUs (128-135) only because nothing else is left, and said" \
	has "RPS includes SMT siblings of IRQ CPUs (128-135): no other CPU is left" "$TMP/out"
run "$FIX/cpu256" plan --cpus 0-11,64-75
t "cpu256: node 0's 12 queues are not steered to node 1 (RPS off, said why)" \
	sh -c "grep -q 'RPS off: only 0 CPUs without NIC IRQs on node 0 for its 12 rx queues' '$TMP/out' && ! grep -q 'rps_cpus: .* -> .*[1-9a-f].*  # RPS to' '$TMP/out'"
run "$FIX/igb" plan
t "igb: 2 rx queues never steer to 1 CPU: RPS off" \
	sh -c "grep -q 'RPS off: only 1 CPU without NIC IRQs for 2 rx queues' '$TMP/out' && ! grep -q 'rps_cpus:.* -> [^0]' '$TMP/out'"
run "$FIX/mlx5" plan
t "mlx5: RPS steers to neither port's IRQ CPUs (0-15): 16-31, siblings, said" \
	test "$(grep -c 'RPS includes SMT siblings of IRQ CPUs (16-31): no other CPU is left' "$TMP/out")" = 2

run "$FIX/ena2" plan
t "ena2: two ENIs planned together: ens5 IRQs on cores 0-7" has "ens5-Tx-Rx-7 on CPU 7 (core)" "$TMP/out"
t "ena2: ... ens6 IRQs on cores 8-15, not stacked on 0-7" \
	sh -c "grep -q 'ens6-Tx-Rx-0 on CPU 8 (core)' '$TMP/out' && grep -q 'ens6-Tx-Rx-7 on CPU 15 (core)' '$TMP/out'"
t "ena2: each NIC says it was planned with the other" \
	sh -c "grep -q 'planned with ens6: IRQ CPUs of its own' '$TMP/out' && grep -q 'planned with ens5: IRQ CPUs of its own' '$TMP/out'"
t "ena2: RPS avoids both NICs' IRQ CPUs (16-31 left, siblings, said)" \
	test "$(grep -c 'RPS includes SMT siblings of IRQ CPUs (16-31): no other CPU is left' "$TMP/out")" = 2
run "$FIX/ena2" plan ens6
t "ena2: ens6 named alone is still planned beside ens5: cores 8-15, only ens6's files" \
	sh -c "grep -q 'ens6-Tx-Rx-0 on CPU 8 (core)' '$TMP/out' && ! grep -q '# ens5-' '$TMP/out'"
R=$(fresh ena2)
run "$R" apply ens5 --save "$TMP/ena2.json"
run "$R" apply ens6 --save "$TMP/ena2.json"
cp -a "$R" "$TMP/ena2.one-by-one"
R2=$(fresh ena2)
run "$R2" apply --save "$TMP/ena2-all.json"
t "ena2: apply ens5; apply ens6 lands where apply (both) does" same_live "$TMP/ena2.one-by-one" "$R2"
run "$R" check ens5
t "ena2: check ens5 after applying both finds no drift" test $rc -eq 0
rm -rf "$TMP/ena2.one-by-one"
run "$FIX/mlx5" plan
t "mlx5: both ports planned together: port 1 on cores 8-15" \
	sh -c "grep -q 'mlx5_comp0@pci:0000:08:00.1 on CPU 8 (core)' '$TMP/out' && grep -q 'mlx5_comp7@pci:0000:08:00.1 on CPU 15 (core)' '$TMP/out'"
run "$FIX/mlx5" plan --cpus 0-9
t "mlx5: too few CPUs for both apart: split 5 and 5" \
	sh -c "test \$(grep -c '16 queues of all NICs for 10 CPUs, 5 of them for this NIC' '$TMP/out') = 2 && grep -q '8 queue IRQs on CPUs 5-9,' '$TMP/out'"
run "$FIX/virtio" plan
t "virtio: virtio_net defaults already are spread: IRQs and XPS unchanged" \
	sh -c "! grep -q 'smp_affinity_list: .* -> \\|xps_cpus: .* -> ' '$TMP/out' && grep -q '16 already as planned' '$TMP/out'"
# RFS (item 7): 4 rx queues >= 4 CPUs turns RPS off, not RFS.
t "virtio: 4 rx queues >= 4 CPUs: RPS off, RFS kept (rps_flow_cnt 0 -> 8192 on every queue)" \
	test "$(grep -c 'rps_flow_cnt: 0 -> 8192  # RFS without RPS' "$TMP/out")" = 4
t "virtio: RFS alone still sizes rps_sock_flow_entries 0 -> 32768" \
	has "rps_sock_flow_entries: 0 -> 32768 " "$TMP/out"
t "virtio: the plan says why RFS stays, and that aRFS needs ntuple filters" \
	sh -c "grep -q 'RPS off: 4 rx queues >= 4 CPUs, the NIC spreads by itself; RFS kept' '$TMP/out' && grep -q 'aRFS also needs .ethtool -K eth0 ntuple on.' '$TMP/out'"
run "$FIX/isolcpus" plan
t "isolcpus: 16 queues on 4 CPUs: RFS kept, 32768 / 16 = 2048 per queue" \
	test "$(grep -c 'rps_flow_cnt: 0 -> 2048  # RFS without RPS' "$TMP/out")" = 16
run "$FIX/virtio" plan --policy irq-only
t "virtio: irq-only leaves RFS alone" sh -c "! grep -q 'rps_flow_cnt\\|rps_sock_flow_entries' '$TMP/out'"
run "$FIX/virtio" show
t "virtio: input.2 and output.2 are rx/tx queue 2" \
	sh -c "grep -q 'virtio0-input.2: rx queue 2' '$TMP/out' && grep -q 'virtio0-output.2: tx queue 2' '$TMP/out'"
t "virtio: virtio0-config is not a queue vector" has "virtio0-config: not a queue vector" "$TMP/out"

run "$FIX/mlx5" show
t "mlx5: port 1 owns mlx5_comp*@pci:0000:08:00.1 only" \
	sh -c "sed -n '/^enp8s0f1np1:/,\$p' '$TMP/out' | grep 'mlx5_comp' | grep -v -q '0000:08:00.0' && ! sed -n '/^enp8s0f1np1:/,\$p' '$TMP/out' | grep 'queue' | grep -q '08:00.0'"
t "mlx5: mlx5_async0 is not a queue vector" has "mlx5_async0@pci:0000:08:00.0: not a queue vector" "$TMP/out"

run "$FIX/e1000e" plan
# XPS/queue pairs (item 8): a queue's rx and tx vectors share a CPU.
t "e1000e: rx-0 and tx-0 (queue 0) both on CPU 0" \
	sh -c "grep -q 'eth0-rx-0 on CPU 0' '$TMP/out' && grep -q 'eth0-tx-0 on CPU 0' '$TMP/out'"
t "e1000e: single queue, 2 CPUs: RPS steers rx-0 to CPU 1, off its IRQ CPU" \
	has "rx-0/rps_cpus: 0 -> 2  # RPS to CPUs without NIC IRQs: 1" "$TMP/out"
run "$FIX/ccx" plan
t "ccx: queue 4's IRQ CPU 4 sends on tx-4, with 6 (its L3) and siblings 16, 18 (their L2)" \
	has "XPS: CPUs 4,6,16,18 send on tx-4" "$TMP/out"
t "ccx: tx-5: 5, 7 (L3 of CPU 5) and siblings 17, 19" has "XPS: CPUs 5,7,17,19 send on tx-5" "$TMP/out"
t "ccx: tx-0: IRQ CPU 0, its sibling 12, CPU 8 (no L3 with any queue) and 8's sibling 20" \
	has "XPS: CPUs 0,8,12,20 send on tx-0" "$TMP/out"
t "ccx: the plan says XPS follows the cache topology" \
	has "XPS: each of 24 online CPUs sends on one of 6 tx queues: the queue whose IRQ it takes, else one sharing its L2, else its L3, else the least used" "$TMP/out"
run "$FIX/e1000e" show
t "e1000e: single queue: xps_cpus n/a" has "tx-0: xps_cpus n/a" "$TMP/out"
run "$FIX/igb" show
t "igb: CPU 3 offline: 3 CPUs online" has "machine: 3 CPUs online (0-2), possible 0-3" "$TMP/out"
t "igb: link vector eth0 is not a queue vector" has "irq 24 eth0: not a queue vector" "$TMP/out"
run "$FIX/i40e" show
t "i40e: i40e-<dev>-TxRx-N recognised, misc vector left alone" \
	sh -c "grep -q 'IRQ naming TxRx' '$TMP/out' && grep -q 'i40e-0000:00:04.0:misc: not a queue vector' '$TMP/out'"
run "$FIX/ixgbe" show
t "ixgbe: <dev>-TxRx-N recognised" has "eth1-TxRx-1: txrx queue 1" "$TMP/out"
run "$FIX/unknown" show
t "unknown naming: falls back to msi_irqs and says so" \
	has "notice: IRQ names of driver foonic not recognised; using the 3 IRQs in /sys/devices/pci0000:00/0000:00:04.0/msi_irqs" "$TMP/out"

# ---- the msi_irqs fallback and device vectors (issue 16, item 9) ----
R=$(fresh graviton)
sed -i 's/ens5-Tx-Rx-/old0-Tx-Rx-/; s/ena-mgmnt@pci:0000:00:05.0/ena-mgmnt/' "$R/proc/interrupts"
run "$R" plan
t "msi_irqs fallback: ena-mgmnt (IRQ 40) is not taken for a queue vector" \
	sh -c "grep -q 'IRQ names of driver ena not recognised' '$TMP/out' && grep -q '8 queue IRQs on CPUs 0-7' '$TMP/out' && ! grep -q '/proc/irq/40/' '$TMP/out'"
t "msi_irqs fallback: ... and that is said" \
	has "irqspread: warning: IRQ 40 'ena-mgmnt' of ens5's msi_irqs is named as a device vector, not a queue's: left alone" "$TMP/err"
R=$(fresh graviton)
sed -i 's/ens5-Tx-Rx-/old0-Tx-Rx-/; s/ena-mgmnt@pci:0000:00:05.0/vec-x/' "$R/proc/interrupts"
run "$R" plan
t "msi_irqs fallback: more vectors than queues is warned about" \
	has "irqspread: warning: 9 msi_irqs vectors taken as queue vectors for 8 rx and 8 tx queues" "$TMP/err"

# ---- warnings for choices that undo the plan (issue 16, item 11) ----
run "$FIX/isolcpus" plan --cpus 0-3
t "--cpus naming isolated/nohz_full CPUs is warned about" \
	has "irqspread: warning: --cpus '0-3' names isolated or nohz_full CPUs 2-3: they will take NIC interrupts and RPS work" "$TMP/err"
run "$FIX/isolcpus" plan --cpus 0-1,8-9
t "--cpus of housekeeping CPUs only: no such warning" sh -c "! grep -q 'names isolated' '$TMP/err'"
R=$(fresh graviton)
echo 1 >"$R/sys/class/net/ens5/threaded"
run "$R" plan
t "threaded NAPI: plan warns that IRQ affinity no longer places the rx work" \
	has "irqspread: warning: ens5 has threaded NAPI on: its NAPI polls run in napi/ens5-* kthreads" "$TMP/err"
run "$R" show
t "threaded NAPI: show says it under the NIC" has "  warning: ens5 has threaded NAPI on:" "$TMP/out"

# ---- round trips: apply, apply again, check, restore ----
for f in $fixtures; do
	# Where irqbalance runs apply refuses by default (issue 16, item 12).
	ib=
	grep -qx irqbalance "$FIX/$f"/proc/*/comm 2>/dev/null && ib=--irqbalance=ignore
	for pol in spread irq-only off; do
		R=$(fresh "$f")
		cp -a "$R" "$TMP/$f.orig"
		S="$TMP/$f.$pol.saved.json"
		rm -f "$S"
		run "$R" apply --policy "$pol" --save "$S" $ib
		arc=$rc
		cp -a "$R" "$TMP/$f.applied"
		run "$R" apply --policy "$pol" --save "$TMP/unused.json" $ib
		if [ $arc -eq 0 ] && [ $rc -eq 0 ] && has "nothing to do" "$TMP/out" &&
			same_tree "$R" "$TMP/$f.applied" >/dev/null && [ ! -e "$TMP/unused.json" ]; then
			ok "$f: apply --policy $pol, then a second apply writes nothing and says so"
		else
			notok "$f: apply --policy $pol, then a second apply writes nothing and says so"
			diag "$TMP/out"
			diag "$TMP/err"
		fi
		run "$R" check --policy "$pol"
		t "$f: check --policy $pol exits 0 after apply" test $rc -eq 0
		if [ -f "$S" ]; then
			run "$R" restore "$S"
			what="restore after apply --policy $pol is byte-identical to the start"
		else
			# Nothing to do, so nothing saved: the tree must not have moved.
			rc=0
			what="apply --policy $pol had nothing to do and left the tree byte-identical"
		fi
		if [ $rc -eq 0 ] && same_tree "$TMP/$f.orig" "$R" >"$TMP/d"; then
			ok "$f: $what"
		else
			notok "$f: $what"
			diag "$TMP/d"
			diag "$TMP/err"
		fi
		rm -rf "$TMP/$f.orig" "$TMP/$f.applied" "$R"
	done
done

R=$(fresh graviton)
run "$R" check
t "graviton: check exits 1 when the live state drifted" test $rc -eq 1
t "graviton: check names the drifted files" has "drift: 33 of 33 files differ from policy spread" "$TMP/out"
run "$R" check nosuchdev
t "graviton: check exits 2 on an error" test $rc -eq 2
run "$R" apply
t "apply without --save keeps its copy under the sysroot" test -f "$R/var/lib/irqspread/saved.json"
run "$R" apply --policy off
t "a later apply keeps the first saved state" has "keeping the state saved earlier in" "$TMP/out"
run "$R" restore "$R/var/lib/irqspread/saved.json"
rm -rf "${R:?}/var"
t "restore from the default saved file brings back the start" same_tree "$FIX/graviton" "$R"
run "$R" save "$TMP/g.json"
run "$R" restore "$TMP/g.json" --dry-run
t "save then restore --dry-run plans nothing (33 files and the ENA management IRQ's)" \
	has "0 files to change, 34 already as planned" "$TMP/out"
run "$R" restore "$TMP/g.json"
t "restore of an unchanged machine says nothing to do" has "nothing to do" "$TMP/out"
t "graviton: apply --dry-run is plan" sh -c "'$BIN' --sysroot '$R' apply --dry-run >'$TMP/a' && '$BIN' --sysroot '$R' plan >'$TMP/b' && cmp '$TMP/a' '$TMP/b'"
t "apply --dry-run wrote nothing" same_tree "$FIX/graviton" "$R"

# ---- the way back (issue 16, items 1-3) ----
# refused DESC WANT FIXTURE ARGS...: apply on $R refused in one line, nothing
# written: live files as in FIXTURE, the saved file as it was.
refused() {
	desc=$1
	want=$2
	fx=$3
	shift 3
	D=$R/var/lib/irqspread/saved.json
	cp "$D" "$TMP/saved.before"
	run "$R" "$@"
	lines=$(wc -l <"$TMP/err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && has "$want" "$TMP/err" &&
		same_live "$FIX/$fx" "$R" >/dev/null && cmp -s "$D" "$TMP/saved.before"; then
		ok "saved state: $desc"
	else
		notok "saved state: $desc (rc $rc, $lines stderr lines)"
		diag "$TMP/err"
	fi
}
"$BIN" --sysroot "$FIX/graviton" save "$TMP/g-orig.json" >/dev/null
R=$(fresh graviton)
mkdir -p "$R/var/lib/irqspread"
printf '{"schema": "irqspread-state", "version": 1, "online": ' >"$R/var/lib/irqspread/saved.json"
refused "apply refuses a corrupt default saved file" \
	"irqspread: $R/var/lib/irqspread/saved.json: not a saved irqspread state: JSON ends early; nothing written (--replace-saved" \
	graviton apply
sed 's/"0a:1b:2c:3d:4e:5f"/"0a:99:2c:3d:4e:5f"/' "$TMP/g-orig.json" >"$R/var/lib/irqspread/saved.json"
refused "apply refuses a saved file of another MAC (baked into an image)" \
	"saved.json: it is for ens5 (ena at 0000:00:05.0, 0a:99:2c:3d:4e:5f); here ens5 is ena at 0000:00:05.0 (0a:1b:2c:3d:4e:5f); nothing written" \
	graviton apply
sed 's/"online": "0-63"/"online": "0-31"/' "$TMP/g-orig.json" >"$R/var/lib/irqspread/saved.json"
refused "apply refuses a saved file from another CPU count (vCPU resize)" \
	"saved.json: saved with CPUs 0-31 online, but CPUs 0-63 are online now; nothing written" \
	graviton apply
sed 's/"online": "0-63"/"online": "0-31"/' "$TMP/g-orig.json" >"$TMP/g-resized.json"
R2=$R
R=$(fresh graviton)
cp "$TMP/g-resized.json" "$TMP/g-resized.keep"
run "$R" apply --save "$TMP/g-resized.json"
t "saved state: apply --save FILE checks an existing FILE too" \
	sh -c "test $rc -ne 0 && grep -q 'saved with CPUs 0-31 online' '$TMP/err' && cmp -s '$TMP/g-resized.json' '$TMP/g-resized.keep'"
R=$R2
run "$R" apply --replace-saved
t "saved state: --replace-saved saves the current state over a bad file and applies" \
	sh -c "test $rc -eq 0 && grep -q 'applied policy spread: 33 files written' '$TMP/out'"
run "$R" restore "$R/var/lib/irqspread/saved.json"
t "saved state: ... and restore of it brings back the start" same_live "$FIX/graviton" "$R"

# Two NICs applied one at a time: the file holds both originals.
for how in default file; do
	R=$(fresh mlx5)
	S=$R/var/lib/irqspread/saved.json
	opt=
	[ $how = file ] && S=$TMP/mlx5-two.json && opt="--save $S" && rm -f "$S"
	run "$R" apply enp8s0f0np0 $opt
	a=$rc
	run "$R" apply enp8s0f1np1 $opt
	b=$rc
	has "added the current state of enp8s0f1np1 to the state saved in" "$TMP/out"
	c=$?
	run "$R" restore "$S"
	if [ $a -eq 0 ] && [ $b -eq 0 ] && [ $c -eq 0 ] && [ $rc -eq 0 ] && same_live "$FIX/mlx5" "$R" >"$TMP/d"; then
		ok "saved state ($how): NICs applied one at a time, restore brings back both"
	else
		notok "saved state ($how): NICs applied one at a time, restore brings back both (rc $a $b $c $rc)"
		diag "$TMP/d"
	fi
done

# A saved entry from an earlier boot is stale: this boot's state replaces it.
R=$(fresh graviton)
mkdir -p "$R/proc/sys/kernel/random"
echo 11111111-1111-1111-1111-111111111111 >"$R/proc/sys/kernel/random/boot_id"
run "$R" apply
rm -rf "$R/proc" "$R/sys"
cp -a "$FIX/graviton/proc" "$FIX/graviton/sys" "$R/"
mkdir -p "$R/proc/sys/kernel/random"
echo 22222222-2222-2222-2222-222222222222 >"$R/proc/sys/kernel/random/boot_id"
echo 5 >"$R/proc/irq/41/smp_affinity_list"	# this boot's start differs
cp -a "$R" "$TMP/g.boot2"
run "$R" apply
t "saved state: apply in a new boot replaces the entry of the earlier boot, and says so" \
	has "(its entry was from an earlier boot)" "$TMP/out"
run "$R" restore "$R/var/lib/irqspread/saved.json"
t "saved state: ... and restore brings back this boot's start" same_live "$TMP/g.boot2" "$R"
rm -rf "$TMP/g.boot2"

# A signal in the middle of apply: what was written is put back.
R=$(fresh graviton)
IRQSPREAD_SIGNAL_AFTER_WRITE=/sys/class/net/ens5/queues/rx-2/rps_cpus:TERM run "$R" apply --save "$TMP/sig.json"
t "SIGTERM mid-apply: exit non-zero, naming the signal and the rollback" \
	sh -c "test $rc -ne 0 && grep -q 'irqspread: interrupted by SIGTERM; rolled back the 11 files written' '$TMP/err'"
t "SIGTERM mid-apply: the tree is byte-identical to the start" same_live "$FIX/graviton" "$R"
t "SIGTERM mid-apply: the saved state is there and restorable" \
	sh -c "'$BIN' --sysroot '$R' restore '$TMP/sig.json' >/dev/null"
IRQSPREAD_SIGNAL_AFTER_WRITE=/proc/sys/net/core/rps_sock_flow_entries:INT run "$R" apply --save "$TMP/sig.json"
t "SIGINT after the last write: all 33 rolled back" \
	sh -c "test $rc -ne 0 && grep -q 'interrupted by SIGINT; rolled back the 33 files written' '$TMP/err'"
t "SIGINT after the last write: the tree is byte-identical to the start" same_live "$FIX/graviton" "$R"
run "$R" apply --save "$TMP/sig.json"
IRQSPREAD_SIGNAL_AFTER_WRITE=/proc/irq/44/smp_affinity_list:HUP run "$R" restore "$TMP/sig.json"
t "SIGHUP mid-restore: the applied state stays as it was" \
	sh -c "test $rc -ne 0 && '$BIN' --sysroot '$R' check >/dev/null"

# ---- machine-wide settings (issue 16, item 6) ----
SOCK=proc/sys/net/core/rps_sock_flow_entries
R=$(fresh mlx5)
run "$R" apply --save "$TMP/m-sock.json"
run "$R" apply --policy off enp8s0f1np1 --save "$TMP/m-sock.json"
t "machine-wide: off on one NIC keeps the RFS table another NIC uses (32768)" \
	test "$(cat "$R/$SOCK")" = 32768
run "$R" check enp8s0f0np0
t "machine-wide: ... so the other NIC still checks clean" test $rc -eq 0
R=$(fresh graviton)
echo 131072 >"$R/$SOCK"
run "$R" plan
t "machine-wide: spread does not shrink an admin's 131072 to 32768" \
	sh -c "! grep -q 'rps_sock_flow_entries: 131072 -> ' '$TMP/out'"
run "$R" apply --save "$TMP/g-sock.json"
t "machine-wide: ... and apply leaves 131072 there" test "$(cat "$R/$SOCK")" = 131072
R=$(fresh mlx5)
for q in 0 1 2 3 4 5 6 7; do
	echo 16384 >"$R/sys/class/net/enp8s0f1np1/queues/rx-$q/rps_flow_cnt"
done
run "$R" plan enp8s0f0np0
t "machine-wide: the table covers an unplanned NIC's RFS (8 x 16384 = 131072)" \
	has "rps_sock_flow_entries: 0 -> 131072  # RFS table for the 131072 flows enp8s0f1np1 is set up for" "$TMP/out"

# ---- PREEMPT_RT before 6.10: RPS and RFS raise NET_RX from the idle loop and WARN ----
# mkkernel ROOT RELEASE [REALTIME]: /proc/sys/kernel/osrelease, and /sys/kernel/realtime if given
mkkernel() {
	mkdir -p "$1/proc/sys/kernel"
	echo "$2" >"$1/proc/sys/kernel/osrelease"
	[ $# -lt 3 ] && return 0
	mkdir -p "$1/sys/kernel"
	echo "$3" >"$1/sys/kernel/realtime"
}
RTWHY='RPS off: PREEMPT_RT before 6.10 warns when RPS raises NET_RX from the idle loop'
RFSWHY='RFS off: PREEMPT_RT before 6.10 warns when RFS steers a flow to another CPU (the same IPI as RPS)'
# RPS set, and RFS as the plan before RPS and RFS were both held back left it
# (4096 per queue, table 0 -> 32768: the 2026-12-07 measurement's state).
R=$(fresh graviton)
mkkernel "$R" 6.1.0-57-rt-amd64 1
for q in 0 1 2 3 4 5 6 7; do
	echo ffffffff,ffffff00 >"$R/sys/class/net/ens5/queues/rx-$q/rps_cpus"
	echo 4096 >"$R/sys/class/net/ens5/queues/rx-$q/rps_flow_cnt"
done
echo 32768 >"$R/proc/sys/net/core/rps_sock_flow_entries"
# --flows above the table: RFS as before would grow it (32768 -> 131072).
run "$R" plan --flows 131072
t "rt 6.1: RPS set on every rx queue is planned off, with the reason" \
	test "$(grep -c "rps_cpus: ffffffff,ffffff00 -> 00000000,00000000  # $RTWHY\$" "$TMP/out")" = 8
t "rt 6.1: the note names the kernel, RPS and RFS, and what to do" \
	has "  RPS and RFS off: PREEMPT_RT before 6.10 (6.1.0-57-rt-amd64) warns when RPS or RFS sends rx work to another CPU, whose IPI raises NET_RX from the idle loop (kernel/softirq.c do_softirq_post_smp_call_flush): for RPS and RFS, a kernel >= 6.10" "$TMP/out"
t "rt 6.1: RFS planned off on every rx queue (4096 -> 0), with the reason; no aRFS note" \
	sh -c "test \$(grep -c 'rps_flow_cnt: 4096 -> 0  # $RFSWHY\$' '$TMP/out') = 8 && ! grep -q -e 'RFS kept' -e 'RFS without RPS' -e 'aRFS also needs' '$TMP/out'"
t "rt 6.1: rps_sock_flow_entries left as it is (no change planned, even for --flows 131072), XPS as before" \
	sh -c "! grep -q rps_sock_flow_entries '$TMP/out' && test \$(grep -c 'xps_cpus: ' '$TMP/out') = 8"
run "$R" plan --json
t "rt 6.1: plan --json: rps false, no RPS CPUs, the note and the why of each rps_cpus" \
	sh -c "grep -q '\"rps\": false,' '$TMP/out' && grep -q '\"rps_cpus\": \"\",' '$TMP/out' && grep -q '\"RPS and RFS off: PREEMPT_RT before 6.10 (6.1.0-57-rt-amd64) warns' '$TMP/out' && test \$(grep -c '\"why\": \"$RTWHY\"' '$TMP/out') = 8"
t "rt 6.1: plan --json: rfs false, rps_flow_cnt 0, the why of each rps_flow_cnt, no rps_sock_flow_entries" \
	sh -c "grep -q '\"rfs\": false,' '$TMP/out' && grep -q '\"rps_flow_cnt\": 0,' '$TMP/out' && test \$(grep -c '\"why\": \"$RFSWHY\"' '$TMP/out') = 8 && ! grep -q rps_sock_flow_entries '$TMP/out'"
run "$R" check
t "rt 6.1: check before apply calls RPS and RFS drift, as apply would write them" \
	sh -c "test $rc -eq 1 && grep -q '^drift: 32 of 32 files differ' '$TMP/out'"
run "$R" apply --flows 131072
t "rt 6.1: apply writes the empty mask to every rps_cpus and 0 to every rps_flow_cnt" \
	sh -c "test $rc -eq 0 && test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_cpus | grep -cx 00000000,00000000) = 8 && test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_flow_cnt | grep -cx 0) = 8"
t "rt 6.1: apply (--flows 131072) leaves rps_sock_flow_entries as it was (32768)" \
	test "$(cat "$R/proc/sys/net/core/rps_sock_flow_entries")" = 32768
run "$R" check
t "rt 6.1: check after apply finds no drift" sh -c "test $rc -eq 0 && grep -q '^ok: all 32 files match policy spread' '$TMP/out'"
run "$R" show
t "rt 6.1: show says PREEMPT_RT and that RPS and RFS stay off" \
	grep -qx '  kernel: 6.1.0-57-rt-amd64, PREEMPT_RT before 6.10: spread keeps RPS and RFS off' "$TMP/out"
run "$R" show --json
t "rt 6.1: show --json has the kernel, preempt_rt and rps_warns_on_rt" \
	sh -c "grep -q '\"release\": \"6.1.0-57-rt-amd64\",' '$TMP/out' && grep -q '\"preempt_rt\": true,' '$TMP/out' && grep -q '\"rps_warns_on_rt\": true' '$TMP/out'"
# restore of apply's safety copy, which holds the RPS and RFS set before it:
# written back they would warn again, so they are held back (the table
# saved is the live 32768: nothing to hold back there, no line for it).
RTSKIP='PREEMPT_RT before 6.10 warns when RPS or RFS steers (kernel 6.1.0-57-rt-amd64)'
run "$R" restore "$R/var/lib/irqspread/saved.json"
t "rt 6.1: restore of apply's copy holds back the saved RPS/RFS: one line for ens5, exit 0" \
	sh -c "test $rc -eq 0 && test \$(wc -l <'$TMP/err') = 1 && grep -qxF 'irqspread: warning: restore: ens5: saved RPS/RFS not written back (8 rps_cpus, 8 rps_flow_cnt): $RTSKIP' '$TMP/err'"
t "rt 6.1: ... RPS and RFS stay off, the table as it was; IRQs and XPS restored; stdout counts what was held back" \
	sh -c "test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_cpus | grep -cx 00000000,00000000) = 8 && test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_flow_cnt | grep -cx 0) = 8 && test \$(cat '$R/proc/sys/net/core/rps_sock_flow_entries') = 32768 && test \$(cat '$R/proc/irq/41/smp_affinity_list') = 0-63 && test \$(cat '$R/sys/class/net/ens5/queues/tx-0/xps_cpus') = 00000000,00000000 && grep -qx 'restored 16 files from $R/var/lib/irqspread/saved.json; 16 saved RPS/RFS values not written back (PREEMPT_RT before 6.10)' '$TMP/out'"
R=$(fresh graviton)
mkkernel "$R" 6.12.118+deb13-rt-arm64 1
run "$R" plan
t "rt 6.12: RPS and RFS planned as before (plan is the graviton golden)" \
	sh -c "test $rc -eq 0 && grep -q 'RPS on: 8 rx queues < 64 CPUs, steering to 8-63' '$TMP/out' && cmp -s '$TMP/out' '$FIX/graviton/expected/plan.txt'"
run "$R" plan --json
t "rt 6.12: plan --json is the graviton golden" \
	sh -c "test $rc -eq 0 && cmp -s '$TMP/out' '$FIX/graviton/expected/plan.json'"
run "$R" show
t "rt 6.12: show says PREEMPT_RT, RPS and RFS not held back" grep -qx '  kernel: 6.12.118+deb13-rt-arm64, PREEMPT_RT' "$TMP/out"
R=$(fresh graviton)
mkkernel "$R" 6.1.0-57-amd64
run "$R" plan
t "non-rt 6.1 (no /sys/kernel/realtime): RPS planned as before (plan is the graviton golden)" \
	sh -c "test $rc -eq 0 && grep -q 'RPS on: 8 rx queues < 64 CPUs' '$TMP/out' && cmp -s '$TMP/out' '$FIX/graviton/expected/plan.txt'"
run "$R" plan --json
t "non-rt 6.1: plan --json is the graviton golden" \
	sh -c "test $rc -eq 0 && cmp -s '$TMP/out' '$FIX/graviton/expected/plan.json'"
mkkernel "$R" 6.1.0-57-rt-amd64 0
run "$R" plan
t "realtime reading 0: not RT, RPS planned as before" \
	sh -c "test $rc -eq 0 && cmp -s '$TMP/out' '$FIX/graviton/expected/plan.txt'"
mkkernel "$R" 'not-a-release' 1
run "$R" plan
t "rt with an osrelease that does not parse: taken as before 6.10, RPS and RFS off, no crash" \
	sh -c "test $rc -eq 0 && grep -q 'RPS and RFS off: PREEMPT_RT before 6.10 (not-a-release) warns' '$TMP/out' && ! grep -q -e 'RPS on:' -e 'rps_cpus:' -e 'rps_flow_cnt:' -e rps_sock_flow_entries '$TMP/out'"
R=$(fresh igb)
mkkernel "$R" 6.1.0-57-rt-amd64 1
run "$R" plan
t "rt 6.1 where RPS is off anyway (igb): the topology's reason stays for RPS, RFS off for RT" \
	sh -c "test $rc -eq 0 && grep -qF 'RPS off: only 1 CPU without NIC IRQs for 2 rx queues (2): RPS would funnel them onto fewer CPUs than RSS uses; RFS off too: PREEMPT_RT before 6.10 warns when RFS steers a flow to another CPU (the same IPI as RPS)' '$TMP/out' && ! grep -q -e 'RPS and RFS off' -e 'RFS kept' -e 'aRFS also needs' -e rps_sock_flow_entries '$TMP/out'"
run "$R" plan --json
t "rt 6.1 on igb: plan --json: rfs false, rps_flow_cnt 0 on both rx queues with the RT why, no rps_sock_flow_entries" \
	sh -c "grep -q '\"rfs\": false,' '$TMP/out' && test \$(grep -c '\"why\": \"$RFSWHY\"' '$TMP/out') = 2 && test \$(grep -A2 '\"path\": \"/sys/class/net/eth0/queues/rx-[01]/rps_flow_cnt\",' '$TMP/out' | grep -c '\"new\": \"0\",') = 2 && ! grep -q rps_sock_flow_entries '$TMP/out'"
for q in 0 1; do echo 16384 >"$R/sys/class/net/eth0/queues/rx-$q/rps_flow_cnt"; done
run "$R" plan
t "rt 6.1 on igb, RFS set as the plan before this rule left it: planned 16384 -> 0 with the RT why" \
	sh -c "test $rc -eq 0 && test \$(grep -c 'rps_flow_cnt: 16384 -> 0  # $RFSWHY\$' '$TMP/out') = 2"
run "$R" apply
t "rt 6.1 on igb: apply writes rps_flow_cnt 0, table left at 0; check then clean" \
	sh -c "test $rc -eq 0 && test \$(cat '$R'/sys/class/net/eth0/queues/rx-*/rps_flow_cnt | grep -cx 0) = 2 && test \$(cat '$R/proc/sys/net/core/rps_sock_flow_entries') = 0 && '$BIN' --sysroot '$R' check >/dev/null"

# restore on PREEMPT_RT before 6.10: a saved RPS/RFS value that is not off
# is held back (one line per NIC, exit 0, dry run the same), off is written,
# and everything else is restored as saved.
R=$(fresh graviton)
run "$R" apply --save "$TMP/rt-first.json"	# a non-RT boot: RPS 8-63, RFS 4096, table 32768
echo 00000000,00000000 >"$R/sys/class/net/ens5/queues/rx-7/rps_cpus"
echo 0 >"$R/sys/class/net/ens5/queues/rx-7/rps_flow_cnt"
run "$R" save "$TMP/rt-nonrt.json"		# saved there: rx-0..6 with RPS and RFS, rx-7 off
mkkernel "$R" 6.1.0-57-rt-amd64 1		# now booted into 6.1-rt
for q in 0 1 2 3 4 5 6; do
	echo 00000000,00000000 >"$R/sys/class/net/ens5/queues/rx-$q/rps_cpus"
	echo 0 >"$R/sys/class/net/ens5/queues/rx-$q/rps_flow_cnt"
done
echo ffffffff,ffffff00 >"$R/sys/class/net/ens5/queues/rx-7/rps_cpus"	# an admin's RPS on the RT boot
echo 2048 >"$R/sys/class/net/ens5/queues/rx-7/rps_flow_cnt"
echo 0 >"$R/proc/sys/net/core/rps_sock_flow_entries"
echo 5 >"$R/proc/irq/41/smp_affinity_list"
cp -a "$R" "$TMP/rt-restore.orig"
RTNIC="irqspread: warning: restore: ens5: saved RPS/RFS not written back (7 rps_cpus, 7 rps_flow_cnt): $RTSKIP"
RTSOCK='irqspread: warning: restore: machine-wide: saved rps_sock_flow_entries 32768 not written back: PREEMPT_RT before 6.10 warns when RFS steers (kernel 6.1.0-57-rt-amd64)'
printf '%s\n%s\n' "$RTNIC" "$RTSOCK" >"$TMP/rt-restore.err"
run "$R" restore "$TMP/rt-nonrt.json" --dry-run
t "rt 6.1 restore --dry-run: one line for ens5 and one for the table on stderr, exit 0, nothing written" \
	sh -c "test $rc -eq 0 && cmp -s '$TMP/err' '$TMP/rt-restore.err' && diff -r --no-dereference '$TMP/rt-restore.orig' '$R'"
t "rt 6.1 restore --dry-run: each value held back is shown, not as a change, and counted" \
	sh -c "test \$(grep -c 'rps_cpus: 00000000,00000000, saved ffffffff,ffffff00 not written back  # PREEMPT_RT before 6.10 warns when RPS steers; saved in ' '$TMP/out') = 7 && test \$(grep -c 'rps_flow_cnt: 0, saved 4096 not written back  # PREEMPT_RT before 6.10 warns when RFS steers; saved in ' '$TMP/out') = 7 && grep -q 'rps_sock_flow_entries: 0, saved 32768 not written back  # PREEMPT_RT before 6.10 warns when RFS steers' '$TMP/out' && grep -qx '3 files to change, 16 already as planned, 15 not written back (PREEMPT_RT before 6.10)' '$TMP/out'"
t "rt 6.1 restore --dry-run: the saved off of rx-7 and the IRQ are planned as changes" \
	sh -c "grep -q 'rx-7/rps_cpus: ffffffff,ffffff00 -> 00000000,00000000  # saved in' '$TMP/out' && grep -q 'rx-7/rps_flow_cnt: 2048 -> 0  # saved in' '$TMP/out' && grep -q '/proc/irq/41/smp_affinity_list: 5 -> 0  # saved in' '$TMP/out'"
run "$R" restore "$TMP/rt-nonrt.json" --dry-run --json
t "rt 6.1 restore --dry-run --json: skipped 15, changed 3, each held back change skipped, the warnings" \
	sh -c "test $rc -eq 0 && grep -q '\"skipped\": 15$' '$TMP/out' && grep -q '\"changed\": 3,' '$TMP/out' && grep -q '\"unchanged\": 16,' '$TMP/out' && test \$(grep -c '\"skipped\": true,' '$TMP/out') = 15 && test \$(grep -B1 '\"skipped\": true,' '$TMP/out' | grep -c '\"change\": false,') = 15 && grep -qF '\"restore: ens5: saved RPS/RFS not written back (7 rps_cpus, 7 rps_flow_cnt)' '$TMP/out'"
run "$R" restore "$TMP/rt-nonrt.json"
t "rt 6.1 restore: the same two lines, exit 0, and stdout counts what was held back" \
	sh -c "test $rc -eq 0 && cmp -s '$TMP/err' '$TMP/rt-restore.err' && grep -qx 'restored 3 files from $TMP/rt-nonrt.json; 15 saved RPS/RFS values not written back (PREEMPT_RT before 6.10)' '$TMP/out'"
t "rt 6.1 restore: RPS and RFS stay off on rx-0..6 and the table stays 0" \
	sh -c "test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_cpus | grep -cx 00000000,00000000) = 8 && test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_flow_cnt | grep -cx 0) = 8 && test \$(cat '$R/proc/sys/net/core/rps_sock_flow_entries') = 0"
t "rt 6.1 restore: the saved off is written (the admin's rx-7 RPS and RFS), and the IRQ restored" \
	sh -c "test \$(cat '$R/sys/class/net/ens5/queues/rx-7/rps_cpus') = 00000000,00000000 && test \$(cat '$R/sys/class/net/ens5/queues/rx-7/rps_flow_cnt') = 0 && test \$(cat '$R/proc/irq/41/smp_affinity_list') = 0"
run "$R" restore "$TMP/rt-nonrt.json"
t "rt 6.1 restore again: nothing written, said with what is held back, exit 0" \
	sh -c "test $rc -eq 0 && cmp -s '$TMP/err' '$TMP/rt-restore.err' && grep -qx 'nothing written: 19 files already hold the values saved in $TMP/rt-nonrt.json; 15 saved RPS/RFS values not written back (PREEMPT_RT before 6.10)' '$TMP/out'"
rm -rf "$R"
cp -a "$TMP/rt-restore.orig" "$R"
mkkernel "$R" 6.12.118+deb13-rt-arm64 1
run "$R" restore "$TMP/rt-nonrt.json"
t "rt 6.12 restore of the same state: the saved RPS/RFS and table are written back, no warning" \
	sh -c "test $rc -eq 0 && test ! -s '$TMP/err' && grep -qx 'restored 18 files from $TMP/rt-nonrt.json' '$TMP/out' && test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_cpus | grep -cx ffffffff,ffffff00) = 7 && test \$(cat '$R'/sys/class/net/ens5/queues/rx-*/rps_flow_cnt | grep -cx 4096) = 7 && test \$(cat '$R/proc/sys/net/core/rps_sock_flow_entries') = 32768"
rm -rf "$TMP/rt-restore.orig" "$R"

# apply DEV on PREEMPT_RT before 6.10: the other NICs' RFS and the machine-wide
# table are left as they are (apply writes only the NICs named, the table
# never shrinks), and that RFS still steers there is said.
R=$(fresh mlx5)
mkkernel "$R" 6.1.0-57-rt-amd64 1
for q in 0 1 2 3 4 5 6 7; do
	echo 4096 >"$R/sys/class/net/enp8s0f0np0/queues/rx-$q/rps_flow_cnt"
	echo 16384 >"$R/sys/class/net/enp8s0f1np1/queues/rx-$q/rps_flow_cnt"
done
echo 131072 >"$R/proc/sys/net/core/rps_sock_flow_entries"
RFSLEFT='irqspread: warning: PREEMPT_RT before 6.10 (6.1.0-57-rt-amd64): RFS stays on for'
RFSTAIL='(rps_flow_cnt set, rps_sock_flow_entries 131072) and warns there as RPS does; left as it is (only spread and off write RFS, only for the NICs named, and the machine-wide table never shrinks): apply spread or off to a NIC, or rps_sock_flow_entries 0 for every netdev, turns it off'
run "$R" plan enp8s0f0np0
t "rt 6.1 plan DEV: one warning naming the other NIC whose RFS stays on, and the table" \
	sh -c "test $rc -eq 0 && test \$(wc -l <'$TMP/err') = 1 && grep -qxF '$RFSLEFT enp8s0f1np1 $RFSTAIL' '$TMP/err'"
t "rt 6.1 plan DEV: RFS off for DEV only; the other NIC's files and the table not planned" \
	sh -c "test \$(grep -c 'enp8s0f0np0/queues/rx-[0-7]/rps_flow_cnt: 4096 -> 0  # RFS off' '$TMP/out') = 8 && ! grep -q -e enp8s0f1np1/ -e rps_sock_flow_entries '$TMP/out'"
run "$R" plan enp8s0f0np0 --json
t "rt 6.1 plan DEV --json: the warning is in \"warnings\"" \
	sh -c "grep -q '^  \"warnings\": \[' '$TMP/out' && grep -qF '\"PREEMPT_RT before 6.10 (6.1.0-57-rt-amd64): RFS stays on for enp8s0f1np1 (rps_flow_cnt' '$TMP/out'"
run "$R" plan --policy irq-only enp8s0f0np0
t "rt 6.1 plan --policy irq-only DEV: its own RFS, left by irq-only, is named too" \
	grep -qxF "$RFSLEFT enp8s0f0np0, enp8s0f1np1 $RFSTAIL" "$TMP/err"
cp -a "$R/sys/class/net/enp8s0f1np1" "$TMP/rt-other.before"
run "$R" apply enp8s0f0np0 --save "$TMP/rt-mlx5.json"
t "rt 6.1 apply DEV: the warning, exit 0; DEV's RFS off, the other NIC and the table untouched" \
	sh -c "test $rc -eq 0 && grep -qxF '$RFSLEFT enp8s0f1np1 $RFSTAIL' '$TMP/err' && test \$(cat '$R'/sys/class/net/enp8s0f0np0/queues/rx-*/rps_flow_cnt | grep -cx 0) = 8 && diff -r --no-dereference '$TMP/rt-other.before' '$R/sys/class/net/enp8s0f1np1' && test \$(cat '$R/proc/sys/net/core/rps_sock_flow_entries') = 131072"
run "$R" check enp8s0f0np0
t "rt 6.1 check DEV after apply DEV: no drift, the warning still said" \
	sh -c "test $rc -eq 0 && grep -qxF '$RFSLEFT enp8s0f1np1 $RFSTAIL' '$TMP/err'"
run "$R" apply --save "$TMP/rt-mlx5.json"
t "rt 6.1 apply (every NIC): RFS off for both, the table left, no warning" \
	sh -c "test $rc -eq 0 && test ! -s '$TMP/err' && test \$(cat '$R'/sys/class/net/enp8s0f*/queues/rx-*/rps_flow_cnt | grep -cx 0) = 16 && test \$(cat '$R/proc/sys/net/core/rps_sock_flow_entries') = 131072"
mkdir -p "$R/sys/class/net/veth0/queues/rx-0"
echo 256 >"$R/sys/class/net/veth0/queues/rx-0/rps_flow_cnt"
run "$R" plan
t "rt 6.1: a virtual netdev with RFS (veth0) is named as well" \
	sh -c "test $rc -eq 0 && grep -qxF '$RFSLEFT veth0 $RFSTAIL' '$TMP/err'"
echo 0 >"$R/proc/sys/net/core/rps_sock_flow_entries"
run "$R" plan enp8s0f0np0
t "rt 6.1: with rps_sock_flow_entries 0 no RFS steers: no warning" \
	sh -c "test $rc -eq 0 && test ! -s '$TMP/err'"
R=$(fresh mlx5)
for q in 0 1 2 3 4 5 6 7; do echo 16384 >"$R/sys/class/net/enp8s0f1np1/queues/rx-$q/rps_flow_cnt"; done
echo 131072 >"$R/proc/sys/net/core/rps_sock_flow_entries"
run "$R" plan enp8s0f0np0
t "not RT: the other NIC's RFS is no warning" sh -c "test $rc -eq 0 && test ! -s '$TMP/err'"
rm -rf "$TMP/rt-other.before" "$R"

# ---- queue vectors not taken are said (issue 16, item 10) ----
t "dropped queues: no fixture warns (they name every queue)" \
	sh -c "! grep -q -e 'is a queue vector of' -e 'has no IRQ of its own' '$TMP/all-stderr'"
R=$(fresh graviton)
sed -i 's/ens5-Tx-Rx-3$/ens5-Tx-Rx-3, foo/; s/ens5-Tx-Rx-5$/ens5-Tx-Rx-5 x/; /ens5-Tx-Rx-7$/d' "$R/proc/interrupts"
run "$R" plan
t "dropped queues: a shared IRQ ('ens5-Tx-Rx-3, foo') is warned about on stderr" \
	has "irqspread: warning: IRQ 44 'ens5-Tx-Rx-3, foo' is a queue vector of ens5 but not named as ena alone (shared with another action, or a space in the name): left alone" "$TMP/err"
t "dropped queues: a name with a space ('ens5-Tx-Rx-5 x') is warned about" \
	has "warning: IRQ 46 'ens5-Tx-Rx-5 x' is a queue vector of ens5" "$TMP/err"
t "dropped queues: a queue without a /proc/interrupts row is warned about" \
	has "irqspread: warning: rx-7 has no IRQ of its own in /proc/interrupts (ena naming): its IRQ, if any, is left alone" "$TMP/err"
t "dropped queues: ... and neither is moved" sh -c "! grep -q -e '/proc/irq/44/' -e '/proc/irq/46/' '$TMP/out'"
run "$R" show
t "dropped queues: show lists the warnings under the NIC" \
	sh -c "test \$(grep -c '^  warning: ' '$TMP/out') = 3"
run "$R" show --json
t "dropped queues: show --json has them as warnings" has '"warnings": [' "$TMP/out"

# --flows at the kernel's limit is taken.
run "$FIX/graviton" plan --flows 536870912
t "--flows 536870912 (2^29) is taken: table 536870912, 67108864 per queue" \
	sh -c "test $rc -eq 0 && grep -q 'rps_sock_flow_entries: 0 -> 536870912 ' '$TMP/out' && grep -q 'rps_flow_cnt: 0 -> 67108864 ' '$TMP/out'"

# ---- irqbalance: refuse, coordinate, ignore (issue 16, item 12) ----
# refusedin R DESC WANT ARGS...: one stderr line, non-zero, the tree as it was
refusedin() {
	root=$1
	desc=$2
	want=$3
	shift 3
	rm -rf "$TMP/in.orig"
	cp -a "$root" "$TMP/in.orig"
	run "$root" "$@"
	lines=$(wc -l <"$TMP/err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && has "$want" "$TMP/err" &&
		same_tree "$TMP/in.orig" "$root" >/dev/null; then
		ok "$desc"
	else
		notok "$desc (rc $rc, $lines stderr lines)"
		diag "$TMP/err"
	fi
	rm -rf "$TMP/in.orig"
}
IBDEF=$FIX/irqbalance.default
RESTARTS=$TMP/restarts
export IRQSPREAD_IRQBALANCE_RESTART="echo restart >>'$RESTARTS'"
R=$(fresh m7i)
refusedin "$R" "irqbalance: apply refuses by default while it runs, naming the option" \
	"irqspread: irqbalance is running (pid 812) and would undo apply: --irqbalance=coordinate bans the NIC IRQs from it, --irqbalance=ignore applies anyway" \
	apply
refusedin "$R" "irqbalance: --irqbalance=refuse is the default, said the same way" \
	"irqbalance is running (pid 812) and would undo apply" apply --irqbalance=refuse
refusedin "$R" "irqbalance: an unknown --irqbalance mode is one line" \
	"irqspread: --irqbalance 'off': unknown mode (want refuse, coordinate or ignore)" apply --irqbalance=off
refusedin "$R" "irqbalance: --irqbalance does not apply to check" \
	"irqspread: --irqbalance does not apply to check" check --irqbalance=ignore
run "$R" apply --irqbalance=ignore --save "$TMP/ib-ignore.json"
t "irqbalance: --irqbalance=ignore applies as before, with the warning" \
	sh -c "test $rc -eq 0 && grep -q 'applied policy spread' '$TMP/out' && grep -q 'warning: irqbalance is running (pid 812)' '$TMP/err' && ! grep -q irqbalance_config '$TMP/ib-ignore.json'"
R=$(fresh graviton)
mkdir -p "$R/run"
echo 700 >"$R/run/irqbalance.pid"
refusedin "$R" "irqbalance: a live /run/irqbalance.pid counts as running" \
	"irqbalance is running (pid 700) and would undo apply" apply
echo 4242 >"$R/run/irqbalance.pid"
run "$R" apply
t "irqbalance: a stale /run/irqbalance.pid (no such process) does not" \
	sh -c "test $rc -eq 0 && grep -q 'applied policy spread' '$TMP/out'"

# coordinate with Debian's /etc/default/irqbalance (irqbalance 1.9.2)
R=$(fresh m7i)
mkdir -p "$R/etc/default"
cp "$IBDEF" "$R/etc/default/irqbalance"
cp -a "$R" "$TMP/m7i.orig"
rm -f "$RESTARTS"
run "$R" apply --irqbalance=coordinate --dry-run
t "coordinate --dry-run: shows the IRQBALANCE_ARGS it would add and the restart" \
	sh -c "grep -q '^irqbalance (coordinate): /etc/default/irqbalance rewritten, then echo restart' '$TMP/out' && grep -q '^    + IRQBALANCE_ARGS=\"--banirq=25 --banirq=26 .* --banirq=56\"$' '$TMP/out'"
t "coordinate --dry-run: wrote nothing, ran nothing" \
	sh -c "test $rc -eq 0 && same_tree() { diff -r --no-dereference \"\$1\" \"\$2\"; }; same_tree '$TMP/m7i.orig' '$R' >/dev/null && test ! -e '$RESTARTS'"
run "$R" plan --irqbalance=coordinate --json
t "coordinate: plan --json has the irqbalance config change" \
	sh -c "grep -q '\"irqbalance\": {' '$TMP/out' && grep -q '\"mode\": \"coordinate\"' '$TMP/out' && grep -q '\"restart\": \"echo restart' '$TMP/out'"
run "$R" apply --irqbalance=coordinate
t "coordinate: apply bans the 32 queue IRQs of ens5 in IRQBALANCE_ARGS" \
	sh -c "test $rc -eq 0 && test \$(grep '^IRQBALANCE_ARGS=' '$R/etc/default/irqbalance' | grep -o 'banirq=[0-9]*' | wc -l) = 32 && grep -q '^IRQBALANCE_ARGS=\"--banirq=25 .* --banirq=56\"$' '$R/etc/default/irqbalance'"
t "coordinate: ... the rest of the file is as it was" \
	sh -c "test $rc -eq 0 && sed '/^# irqspread begin/,/^# irqspread end/d' '$R/etc/default/irqbalance' | cmp -s - '$IBDEF'"
t "coordinate: ... irqbalance restarted once, after the config was written" test "$(cat "$RESTARTS" 2>/dev/null)" = restart
t "coordinate: ... and no 'stop irqbalance' warning" sh -c "test $rc -eq 0 && ! grep -q 'stop it first' '$TMP/err'"
t "coordinate: the saved state holds the config as it was" \
	grep -q '"irqbalance_config": {' "$R/var/lib/irqspread/saved.json"
run "$R" apply --irqbalance=coordinate
t "coordinate: a second apply has nothing to do and restarts nothing" \
	sh -c "test $rc -eq 0 && grep -q 'nothing to do' '$TMP/out' && test \$(wc -l <'$RESTARTS') = 1"
run "$R" restore "$R/var/lib/irqspread/saved.json"
t "coordinate: restore puts /etc/default/irqbalance back byte-identical" \
	sh -c "test $rc -eq 0 && grep -q 'and /etc/default/irqbalance' '$TMP/out' && cmp '$IBDEF' '$R/etc/default/irqbalance'"
t "coordinate: ... restarts irqbalance again" test "$(wc -l <"$RESTARTS")" = 2
rm -rf "${R:?}/var"
t "coordinate: ... and the whole tree is as at the start" \
	sh -c "test $rc -eq 0 && diff -r --no-dereference '$TMP/m7i.orig' '$R'"
rm -rf "$TMP/m7i.orig"

R=$(fresh m7i)
rm -f "$RESTARTS"
run "$R" apply --irqbalance=coordinate
t "coordinate without a config file: it is created with the block" \
	sh -c "test $rc -eq 0 && grep -q '^IRQBALANCE_ARGS=\"--banirq=25 ' '$R/etc/default/irqbalance'"
run "$R" restore "$R/var/lib/irqspread/saved.json"
t "coordinate without a config file: restore removes it again" \
	sh -c "test $rc -eq 0 && test ! -e '$R/etc/default/irqbalance' && test \$(wc -l <'$RESTARTS') = 2"

R=$(fresh m7i)
mkdir -p "$R/etc/default"
printf 'IRQBALANCE_ONESHOT=\nIRQBALANCE_ARGS="--hintpolicy=subset --banirq=7"\n' >"$R/etc/default/irqbalance"
run "$R" apply --irqbalance=coordinate
t "coordinate: the admin's IRQBALANCE_ARGS are kept in front of the bans" \
	grep -q '^IRQBALANCE_ARGS="--hintpolicy=subset --banirq=7 --banirq=25 ' "$R/etc/default/irqbalance"
run "$R" apply --irqbalance=coordinate --policy off
t "coordinate: policy off gives the IRQs back (no block left)" \
	sh -c "test $rc -eq 0 && ! grep -q 'irqspread begin' '$R/etc/default/irqbalance'"

R=$(fresh m7i)
mkdir -p "$R/etc/default"
echo 'IRQBALANCE_ARGS="$EXTRA --foo"' >"$R/etc/default/irqbalance"
refusedin "$R" "coordinate: IRQBALANCE_ARGS it cannot extend safely is one line, nothing changed" \
	"irqspread: /etc/default/irqbalance: IRQBALANCE_ARGS=\"\$EXTRA --foo\": cannot add --banirq to it safely" \
	apply --irqbalance=coordinate
cp "$IBDEF" "$R/etc/default/irqbalance"
IRQSPREAD_IRQBALANCE_RESTART="exit 3" run "$R" apply --irqbalance=coordinate --save "$TMP/ib-fail.json"
t "coordinate: a failed restart is one line and puts the config back" \
	sh -c "test $rc -ne 0 && test \$(wc -l <'$TMP/err') = 1 && grep -q 'irqspread: exit 3: failed (exit status 3); /etc/default/irqbalance put back' '$TMP/err' && cmp -s '$IBDEF' '$R/etc/default/irqbalance'"
t "coordinate: ... and no sysfs file was written" \
	sh -c "grep -q 'failed (exit status 3)' '$TMP/err' && diff -r --no-dereference '$FIX/m7i/proc' '$R/proc' && diff -r --no-dereference '$FIX/m7i/sys' '$R/sys'"

R=$(fresh ena2)
mkdir -p "$R/proc/9" "$R/etc/default"
echo irqbalance >"$R/proc/9/comm"
cp "$IBDEF" "$R/etc/default/irqbalance"
run "$R" apply ens5 --irqbalance=coordinate
run "$R" apply ens6 --irqbalance=coordinate
t "coordinate: NICs applied one at a time are all banned (ens5's and ens6's 16 IRQs)" \
	test "$(grep '^IRQBALANCE_ARGS=' "$R/etc/default/irqbalance" | grep -o 'banirq=' | wc -l)" = 16
run "$R" restore "$R/var/lib/irqspread/saved.json"
t "coordinate: ... one restore brings back the config from before the first" \
	sh -c "test $rc -eq 0 && cmp '$IBDEF' '$R/etc/default/irqbalance'"
unset IRQSPREAD_IRQBALANCE_RESTART

# ---- --channels N (issue 16, item 13) ----
# A fixture's ethtool stand-ins: channel counts as files, and a set-channels
# hook that plays the kernel: after DELAY (s) ens5 has N queues and IRQs,
# taken from the pristine graviton fixture (IRQ 41+q is ens5-Tx-Rx-q).
mkchan() {
	root=$1
	mkdir -p "$root/ethtool/ens5"
	echo 8 >"$root/ethtool/ens5/combined"
	echo 8 >"$root/ethtool/ens5/max_combined"
	cat >"$root/ethtool/ens5/set-channels" <<EOS
#!/bin/sh
root=\$1 n=\$2 pristine='$FIX/graviton'
[ -e "\$root/ethtool/ens5/never" ] && exit 0
(
	sleep \$(cat "\$root/ethtool/ens5/delay" 2>/dev/null || echo 0)
	q=0
	while [ \$q -lt 8 ]; do
		for d in sys/class/net/ens5/queues/rx-\$q sys/class/net/ens5/queues/tx-\$q proc/irq/\$((41 + q)); do
			rm -rf "\$root/\$d"
			[ \$q -lt \$n ] && cp -a "\$pristine/\$d" "\$root/\$d"
		done
		q=\$((q + 1))
	done
	awk -v n=\$n '/ens5-Tx-Rx-/ { split(\$NF, a, "-"); if (a[4] + 0 >= n) next } { print }' \
		"\$pristine/proc/interrupts" >"\$root/proc/interrupts.new"
	mv "\$root/proc/interrupts.new" "\$root/proc/interrupts"
) &
EOS
	chmod +x "$root/ethtool/ens5/set-channels"
}
R=$(fresh graviton)
mkchan "$R"
cp -a "$R" "$TMP/gch.orig"
run "$R" plan --channels 4
t "channels: plan shows ens5 combined 8 -> 4 first" \
	has "channels: ens5 combined 8 -> 4  # ethtool -L ens5 combined 4, first;" "$TMP/out"
run "$R" apply --channels 4 --dry-run --json
t "channels: apply --dry-run --json has the channel change" \
	sh -c "grep -q '\"channels\": \\[' '$TMP/out' && grep -A4 '\"channels\": \\[' '$TMP/out' | grep -q '\"new\": 4'"
t "channels: ... and changed nothing" \
	sh -c "test $rc -eq 0 && diff -r --no-dereference '$TMP/gch.orig' '$R'"
refusedin "$R" "channels: more than max_combined is one line, nothing changed" \
	"irqspread: --channels 9: ens5 has at most 8 combined channels (ethtool -l ens5)" apply --channels 9
refusedin "$R" "channels: not a number is one line" \
	"irqspread: --channels '0': want a number of combined channels from 1 to 65535" apply --channels 0
refusedin "$R" "channels: --channels does not apply to check" \
	"irqspread: --channels does not apply to check" check --channels 4
echo 1 >"$R/ethtool/ens5/delay"
run "$R" apply --channels 4
t "channels: apply sets 4 combined channels and waits for the new IRQs (1 s late)" \
	sh -c "test $rc -eq 0 && test \$(cat '$R/ethtool/ens5/combined') = 4 && grep -q 'ens5: combined channels 8 -> 4' '$TMP/out' && test ! -e '$R/proc/irq/45'"
t "channels: ... then plans on the 4 IRQs left (IRQ 44, queue 3, on CPU 3; RPS to 4-63)" \
	sh -c "test \$(cat '$R/proc/irq/44/smp_affinity_list') = 3 && test \$(cat '$R/sys/class/net/ens5/queues/rx-0/rps_cpus') = ffffffff,fffffff0"
t "channels: the saved state holds the 8 channels from before" \
	grep -q '"channels": 8' "$R/var/lib/irqspread/saved.json"
run "$R" restore "$R/var/lib/irqspread/saved.json"
rm -rf "${R:?}/var"
rm -f "$R/ethtool/ens5/delay" "$TMP/gch.orig/ethtool/ens5/delay"
t "channels: restore sets 8 channels back first; the tree is as at the start" \
	sh -c "test $rc -eq 0 && grep -q 'ens5: combined channels 4 -> 8' '$TMP/out'"
t "channels: ... byte-identical" sh -c "test $rc -eq 0 && diff -r --no-dereference '$TMP/gch.orig' '$R'"
touch "$R/ethtool/ens5/never"
IRQSPREAD_CHANNELS_WAIT_MS=300 run "$R" apply --channels 4 --save "$TMP/ch-never.json"
t "channels: IRQs that never show: one line, bounded wait, channels set back" \
	sh -c "test $rc -ne 0 && test \$(wc -l <'$TMP/err') = 1 && grep -q 'irqspread: ens5: the IRQs of 4 combined channels did not show in /proc/interrupts within 300 ms; ens5 set back to 8 channels' '$TMP/err' && test \$(cat '$R/ethtool/ens5/combined') = 8"
t "channels: ... and no sysfs file was written" \
	sh -c "grep -q 'did not show' '$TMP/err' && diff -r --no-dereference '$FIX/graviton/proc' '$R/proc' && diff -r --no-dereference '$FIX/graviton/sys' '$R/sys'"
rm -rf "$TMP/gch.orig"
# Both at once: the bans are for the IRQs the new channel count brings.
R=$(fresh graviton)
mkchan "$R"
mkdir -p "$R/proc/9" "$R/etc/default"
echo irqbalance >"$R/proc/9/comm"
cp "$IBDEF" "$R/etc/default/irqbalance"
cp -a "$R" "$TMP/gib.orig"
rm -f "$RESTARTS"
IRQSPREAD_IRQBALANCE_RESTART="echo restart >>'$RESTARTS'" run "$R" apply --channels 4 --irqbalance=coordinate
t "channels + coordinate: only the 4 new queue IRQs are banned, irqbalance restarted" \
	sh -c "test $rc -eq 0 && grep -q '^IRQBALANCE_ARGS=\"--banirq=41 --banirq=42 --banirq=43 --banirq=44\"$' '$R/etc/default/irqbalance' && test \$(wc -l <'$RESTARTS') = 1"
IRQSPREAD_IRQBALANCE_RESTART="echo restart >>'$RESTARTS'" run "$R" restore "$R/var/lib/irqspread/saved.json"
rm -rf "${R:?}/var"
t "channels + coordinate: restore brings back 8 channels and the config, byte-identical" \
	sh -c "test $rc -eq 0 && test \$(wc -l <'$RESTARTS') = 2 && diff -r --no-dereference '$TMP/gib.orig' '$R'"
rm -rf "$TMP/gib.orig" "$R"
R=$(fresh graviton)
refusedin "$R" "channels: a driver without channel counts is one line" \
	"irqspread: --channels 2: ens5: cannot read its channel counts (ETHTOOL_GCHANNELS): Operation not supported" \
	apply --channels 2

# ---- --channels on igb: every vector of the device comes back ----
# igb's ethtool -L (igb_reinit_queues) frees and requests every MSI-X
# vector again, the link vector "eth0" (IRQ 24) with the queue vectors, and
# each comes back at the kernel's default affinity: on 7/amd64/igb the link
# vector stayed at 0-3 after restore where it had been 0 (docs/testing.md).
# mkigbchan ROOT: eth0 of the igb fixture with 2 combined channels, and a
# set-channels hook that does the same to the tree: IRQs 24 and 25..24+N,
# their msi_irqs entries and /proc/interrupts rows re-created, every
# smp_affinity_list 0-3. With ethtool/eth0/link-gone the link vector does
# not come back; with link-late it comes 0.5 s after the queues'.
mkigbchan() {
	root=$1
	mkdir -p "$root/ethtool/eth0"
	echo 2 >"$root/ethtool/eth0/combined"
	echo 2 >"$root/ethtool/eth0/max_combined"
	cat >"$root/ethtool/eth0/set-channels" <<EOS
#!/bin/sh
root=\$1 n=\$2 pristine='$FIX/igb'
msi=sys/devices/pci0000:00/0000:00:04.0/msi_irqs
vec() {
	rm -rf "\${root:?}/proc/irq/\$1" "\${root:?}/\$msi/\$1"
	[ "\$2" = keep ] || return 0
	cp -a "\$pristine/proc/irq/\$1" "\$root/proc/irq/\$1"
	echo 0-3 >"\$root/proc/irq/\$1/smp_affinity_list"	# the kernel's default
	cp -a "\$pristine/\$msi/\$1" "\$root/\$msi/\$1"
}
rows() {
	awk -v n=\$n -v link="\$1" '/eth0-TxRx-/ { split(\$NF, a, "-"); if (a[3] + 0 >= n) next }
		\$NF == "eth0" && !link { next } { print }' "\$pristine/proc/interrupts" >"\$root/proc/interrupts.new"
	mv "\$root/proc/interrupts.new" "\$root/proc/interrupts"
}
q=0
while [ \$q -lt 2 ]; do
	for d in sys/class/net/eth0/queues/rx-\$q sys/class/net/eth0/queues/tx-\$q; do
		rm -rf "\${root:?}/\$d"
		[ \$q -lt \$n ] && cp -a "\$pristine/\$d" "\$root/\$d"
	done
	vec \$((25 + q)) "\$([ \$q -lt \$n ] && echo keep)"
	q=\$((q + 1))
done
if [ -e "\$root/ethtool/eth0/link-gone" ]; then
	vec 24 && rows ''
elif [ -e "\$root/ethtool/eth0/link-late" ]; then
	vec 24 && rows ''
	(sleep 0.5; vec 24 keep && rows 1) &
else
	vec 24 keep && rows 1
fi
EOS
	chmod +x "$root/ethtool/eth0/set-channels"
	# Pinned before the test, so that each value restore must write differs from 0-3.
	echo 0 >"$root/proc/irq/24/smp_affinity_list"
	echo 1 >"$root/proc/irq/25/smp_affinity_list"
	echo 2 >"$root/proc/irq/26/smp_affinity_list"
}
R=$(fresh igb)
mkigbchan "$R"
cp -a "$R" "$TMP/igbch.orig"
run "$R" save "$TMP/igbch-explicit.json"
run "$R" apply --channels 1 --save "$TMP/igbch.json"
t "igb channels: apply --channels 1: every vector re-created at 0-3, eth0-TxRx-0 then planned, the link vector left so" \
	sh -c "test $rc -eq 0 && test \$(cat '$R/ethtool/eth0/combined') = 1 && test ! -e '$R/proc/irq/26' && test \$(cat '$R/proc/irq/25/smp_affinity_list') = 0 && test \$(cat '$R/proc/irq/24/smp_affinity_list') = 0-3"
t "igb channels: the saved state holds the link vector's affinity (other_irqs: IRQ 24 eth0, 0)" \
	sh -c "grep -A5 '\"other_irqs\": \\[' '$TMP/igbch.json' | tr -d ' \\n' | grep -q '{\"irq\":24,\"name\":\"eth0\",\"smp_affinity_list\":\"0\"}'"
run "$R" restore "$TMP/igbch.json"
t "igb channels: restore sets 2 channels back, then the link vector's 0 (IRQ 24: 0-3 -> 0)" \
	sh -c "test $rc -eq 0 && grep -q 'eth0: combined channels 1 -> 2' '$TMP/out' && grep -q '/proc/irq/24/smp_affinity_list: 0-3 -> 0$' '$TMP/out' && test ! -s '$TMP/err'"
t "igb channels: ... every vector and file byte-identical to the start" same_tree "$TMP/igbch.orig" "$R"
run "$R" apply --channels 1 --save "$TMP/igbch2.json"
run "$R" restore "$TMP/igbch-explicit.json"
t "igb channels: restore of an explicit save taken before apply: byte-identical too" \
	sh -c "test $rc -eq 0 && diff -r --no-dereference '$TMP/igbch.orig' '$R'"
# A file saved before other_irqs (older irqspread) still restores what it holds.
run "$R" apply --channels 1 --save "$TMP/igbch3.json"
sed '/"other_irqs": \[/,/^      \],$/d' "$TMP/igbch3.json" >"$TMP/igbch-old.json"
run "$R" restore "$TMP/igbch-old.json"
t "igb channels: a saved file without other_irqs (older version) still restores channels and queue IRQs" \
	sh -c "test $rc -eq 0 && ! grep -q other_irqs '$TMP/igbch-old.json' && test \$(cat '$R/ethtool/eth0/combined') = 2 && test \$(cat '$R/proc/irq/25/smp_affinity_list') = 1 && test \$(cat '$R/proc/irq/26/smp_affinity_list') = 2 && test ! -s '$TMP/err'"
t "igb channels: ... and, not having it, leaves the link vector where the driver put it (0-3)" \
	test "$(cat "$R/proc/irq/24/smp_affinity_list")" = 0-3
rm -rf "$TMP/igbch.orig" "$R"
# A saved vector that is not there at restore: one line, the rest restored.
R=$(fresh igb)
mkigbchan "$R"
run "$R" apply --channels 1 --save "$TMP/igbch-gone.json"
touch "$R/ethtool/eth0/link-gone"
IRQSPREAD_CHANNELS_WAIT_MS=300 run "$R" restore "$TMP/igbch-gone.json"
t "igb channels: a saved link vector that does not come back is one warning line, not a failure" \
	sh -c "test $rc -eq 0 && test \$(wc -l <'$TMP/err') = 1 && grep -qx 'irqspread: warning: $TMP/igbch-gone.json: 1 saved IRQ not here, its affinity not restored: eth0 IRQ 24 .eth0. (smp_affinity_list 0)' '$TMP/err'"
t "igb channels: ... and the channels and queue vectors are restored" \
	sh -c "test \$(cat '$R/ethtool/eth0/combined') = 2 && test \$(cat '$R/proc/irq/25/smp_affinity_list') = 1 && test \$(cat '$R/proc/irq/26/smp_affinity_list') = 2 && test ! -e '$R/proc/irq/24'"
rm -f "$R/ethtool/eth0/link-gone"
run "$R" restore "$TMP/igbch-gone.json" --dry-run
t "igb channels: restore --dry-run of it says the same line (no channel change pending: at once)" \
	sh -c "test $rc -eq 0 && grep -q 'warning: .*1 saved IRQ not here, its affinity not restored: eth0 IRQ 24' '$TMP/err'"
rm -rf "$R"
# The link vector requested after the queues' (ixgbe does so): restore waits for it.
R=$(fresh igb)
mkigbchan "$R"
cp -a "$R" "$TMP/igbch.orig"
run "$R" apply --channels 1 --save "$TMP/igbch-late.json"
touch "$R/ethtool/eth0/link-late" "$TMP/igbch.orig/ethtool/eth0/link-late"
run "$R" restore "$TMP/igbch-late.json"
# The hook's late half ends with the row in /proc/interrupts: let it end
# before anything else uses the tree, passed or not.
i=0
while ! grep -q ' eth0$' "$R/proc/interrupts" && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
t "igb channels: a link vector that comes 0.5 s after the queues' is waited for and restored, byte-identical" \
	sh -c "test $rc -eq 0 && test ! -s '$TMP/err' && diff -r --no-dereference '$TMP/igbch.orig' '$R'"
rm -rf "$TMP/igbch.orig" "$R"
# Without --channels: a device vector gone since the save (say, another boot).
R=$(fresh igb)
mkigbchan "$R"
run "$R" save "$TMP/igb-gone.json"
rm -rf "$R/proc/irq/24" "$R/sys/devices/pci0000:00/0000:00:04.0/msi_irqs/24"
sed -i '/ eth0$/d' "$R/proc/interrupts"
echo 0-3 >"$R/proc/irq/25/smp_affinity_list"
run "$R" restore "$TMP/igb-gone.json"
t "saved device IRQ gone at restore: one warning line naming it, exit 0" \
	sh -c "test $rc -eq 0 && test \$(wc -l <'$TMP/err') = 1 && grep -qx 'irqspread: warning: $TMP/igb-gone.json: 1 saved IRQ not here, its affinity not restored: eth0 IRQ 24 .eth0. (smp_affinity_list 0)' '$TMP/err'"
t "saved device IRQ gone at restore: ... the queue vector is restored all the same" \
	sh -c "grep -q '/proc/irq/25/smp_affinity_list: 0-3 -> 1$' '$TMP/out' && test \$(cat '$R/proc/irq/25/smp_affinity_list') = 1"
rm -rf "$R"

# ---- failed writes roll back ----
R=$(fresh graviton)
IRQSPREAD_FAIL_WRITE=/sys/class/net/ens5/queues/rx-2/rps_cpus:EINVAL run "$R" apply --save "$TMP/rb.json"
t "a failed write makes apply exit non-zero" test $rc -ne 0
t "the error names the file, the value and the errno" \
	has "irqspread: /sys/class/net/ens5/queues/rx-2/rps_cpus: cannot write 'ffffffff,ffffff00': Invalid argument (EINVAL); rolled back the 10 files written before it" "$TMP/err"
t "after rollback the tree is byte-identical to the start" same_tree "$FIX/graviton" "$R"
IRQSPREAD_FAIL_WRITE=/proc/irq/41/smp_affinity_list:EIO run "$R" apply --save "$TMP/rb.json"
t "a managed IRQ (EIO) on the first write: nothing written" \
	sh -c "test $rc -ne 0 && grep -q '/proc/irq/41/smp_affinity_list: cannot write .0.: Input/output error (EIO); nothing else was written' '$TMP/err'"
t "... and the tree is unchanged" same_tree "$FIX/graviton" "$R"
run "$R" apply --save "$TMP/rb.json"
cp -a "$R" "$TMP/g.applied"
IRQSPREAD_FAIL_WRITE=/proc/sys/net/core/rps_sock_flow_entries:EPERM run "$R" restore "$TMP/rb.json"
t "a failed restore exits non-zero naming file and errno" \
	sh -c "test $rc -ne 0 && grep -q 'rps_sock_flow_entries: cannot write .0.: Operation not permitted (EPERM); rolled back the 32 files' '$TMP/err'"
t "a failed restore leaves the applied state as it was" same_tree "$TMP/g.applied" "$R"
rm -rf "$TMP/g.applied"
t "IRQSPREAD_FAIL_READ is ignored without --sysroot (never fakes a real failure)" \
	sh -c "IRQSPREAD_FAIL_READ=/proc/interrupts:EIO '$BIN' show >/dev/null 2>'$TMP/e'; ! grep -q 'interrupts: cannot read: Input/output error' '$TMP/e'"

# ---- bad input: one clear line, non-zero exit, nothing changed ----
# bad DESC EXPECTED FIXTURE ARGS...: run on a fresh copy, compare the tree after
bad() {
	desc=$1
	want=$2
	fx=$3
	shift 3
	R=$(fresh "$fx")
	run "$R" "$@"
	lines=$(wc -l <"$TMP/err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && has "$want" "$TMP/err" &&
		same_tree "$FIX/$fx" "$R" >/dev/null; then
		ok "bad input: $desc"
	else
		notok "bad input: $desc (rc $rc, $lines stderr lines)"
		diag "$TMP/err"
	fi
}

bad "unknown device" "irqspread: eth9: no such network device (not in /sys/class/net)" graviton apply eth9
bad "virtual device" "irqspread: lo: a virtual device (no /sys/class/net/lo/device)" graviton plan lo
bad "malformed cpulist" "irqspread: --cpus '0-3,x': malformed cpulist: expected a CPU number ('x' at offset 4)" graviton apply --cpus 0-3,x
bad "reversed range" "irqspread: --cpus '7-2': malformed cpulist: range ends before it starts" graviton apply --cpus 7-2
bad "CPU out of range" "irqspread: --cpus '0-64': CPU 64 is out of range (possible CPUs 0-63)" graviton apply --cpus 0-64
bad "CPU offline" "irqspread: --cpus '2-3': CPU 3 is offline (online CPUs 0-2)" igb apply --cpus 2-3
bad "unknown policy" "irqspread: --policy 'fast': unknown policy (want spread, irq-only or off)" graviton apply --policy fast
bad "bad --flows" "irqspread: --flows '0': want a number from 1 to 536870912 (2^29, the kernel's limit)" graviton apply --flows 0
bad "--flows above the kernel's 2^29" "irqspread: --flows '536870913': want a number from 1 to 536870912" graviton apply --flows 536870913
bad "--flows 2^30" "irqspread: --flows '1073741824': want a number from 1 to 536870912" graviton apply --flows 1073741824
bad "unknown verb" "irqspread: unknown verb 'spread'" graviton spread
bad "unknown option" "irqspread: unknown option '--force'" graviton apply --force
bad "option of another verb" "irqspread: --json does not apply to check" graviton check --json
bad "--json on a real apply" "irqspread: --json applies to apply only with --dry-run" graviton apply --json
bad "save without FILE" "irqspread: save needs a FILE" graviton save
bad "no such sysroot" "irqspread: --sysroot $TMP/nowhere: No such file or directory" graviton --sysroot "$TMP/nowhere" show
bad "device named twice" "irqspread: ens5: named twice" graviton apply ens5 ens5

IRQSPREAD_FAIL_READ=/sys/class/net/ens5/queues/rx-3/rps_cpus:EACCES \
	bad "unreadable sysfs file (EACCES)" "irqspread: /sys/class/net/ens5/queues/rx-3/rps_cpus: cannot read: Permission denied" graviton apply
IRQSPREAD_FAIL_READ=/proc/interrupts:EIO \
	bad "unreadable /proc/interrupts" "irqspread: /proc/interrupts: cannot read: Input/output error" graviton show
IRQSPREAD_FAIL_READ=/sys/class/net/ens5/queues:EACCES \
	bad "unlistable queues directory" "irqspread: /sys/class/net/ens5/queues: cannot list: Permission denied" graviton plan

# A directory where a file should be: a real unreadable sysfs entry, no variable.
mkbad() {
	rm -rf "$TMP/broken"
	cp -a "$FIX/$1" "$TMP/broken"
}
badtree() {
	desc=$1
	want=$2
	shift 2
	cp -a "$TMP/broken" "$TMP/broken.orig"
	"$BIN" --sysroot "$TMP/broken" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(wc -l <"$TMP/err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && has "$want" "$TMP/err" &&
		same_tree "$TMP/broken.orig" "$TMP/broken" >/dev/null; then
		ok "bad input: $desc"
	else
		notok "bad input: $desc (rc $rc, $lines stderr lines)"
		diag "$TMP/err"
	fi
	rm -rf "$TMP/broken.orig"
}
mkbad graviton
rm "$TMP/broken/proc/irq/43/smp_affinity_list"
mkdir "$TMP/broken/proc/irq/43/smp_affinity_list"
badtree "sysfs file that is a directory" "irqspread: /proc/irq/43/smp_affinity_list: cannot read: Is a directory" apply
mkbad graviton
echo "0-3,zz" >"$TMP/broken/proc/irq/44/smp_affinity_list"
badtree "garbage in smp_affinity_list" "irqspread: /proc/irq/44/smp_affinity_list: malformed cpulist '0-3,zz'" apply
mkbad graviton
echo "ffffffff,fffffg00" >"$TMP/broken/sys/class/net/ens5/queues/rx-1/rps_cpus"
badtree "garbage in rps_cpus" "irqspread: /sys/class/net/ens5/queues/rx-1/rps_cpus: malformed mask 'ffffffff,fffffg00': expected a hex digit" apply
mkbad graviton
printf 'garbage\n' >"$TMP/broken/proc/interrupts"
badtree "garbage /proc/interrupts" "irqspread: /proc/interrupts: cannot parse: header: expected CPUn column labels" plan
mkbad graviton
rm "$TMP/broken/sys/devices/system/cpu/online"
badtree "missing cpu/online" "irqspread: /sys/devices/system/cpu/online: cannot read: No such file or directory" show

# Saved files that are not, or not for this machine.
R=$(fresh graviton)
"$BIN" --sysroot "$R" save "$TMP/graviton.json" >/dev/null
printf '{"schema": "irqspread-state", "version": 1, "online": ' >"$TMP/trunc.json"
bad "truncated saved file" "irqspread: $TMP/trunc.json: not a saved irqspread state: JSON ends early" graviton restore "$TMP/trunc.json"
printf 'not json\n' >"$TMP/nojson.json"
bad "saved file that is not JSON" "irqspread: $TMP/nojson.json: not a saved irqspread state: JSON error at byte" graviton restore "$TMP/nojson.json"
sed 's/"version": 1/"version": 7/' "$TMP/graviton.json" >"$TMP/v7.json"
bad "saved file of a future version" "irqspread: $TMP/v7.json: not a saved irqspread state: version 7, this irqspread reads version 1" graviton restore "$TMP/v7.json"
bad "missing saved file" "irqspread: $TMP/none.json: cannot read: No such file or directory" graviton restore "$TMP/none.json"
bad "saved file for another machine's NIC" \
	"irqspread: $TMP/graviton.json: it is for ens5 (ena at 0000:00:05.0), but here ens5: no such network device" \
	virtio restore "$TMP/graviton.json"
R=$(fresh igb)
"$BIN" --sysroot "$R" save "$TMP/igb.json" >/dev/null
bad "saved file for another NIC of the same name" \
	"irqspread: $TMP/igb.json: it is for eth0 (igb at 0000:00:04.0, 52:54:00:00:04:10); here eth0 is e1000e at 0000:00:04.0 (52:54:00:00:04:20)" \
	e1000e restore "$TMP/igb.json"
sed 's/"rps_cpus": "0"/"rps_cpus": "8"/' "$TMP/igb.json" >"$TMP/igb-offline.json"
bad "saved mask naming an offline CPU" "irqspread: $TMP/igb-offline.json: eth0 rx-0 rps_cpus 8 names CPU 3, which is offline (online CPUs 0-2)" \
	igb restore "$TMP/igb-offline.json"
sed '0,/"smp_affinity_list": "0-63"/s//"smp_affinity_list": "0-70"/' "$TMP/graviton.json" >"$TMP/g-range.json"
bad "saved affinity naming CPU 64 of 64" "names CPU 64, out of range here (possible CPUs 0-63)" graviton restore "$TMP/g-range.json"
sed 's/"ens5-Tx-Rx-7"/"ens5-Tx-Rx-9"/' "$TMP/graviton.json" >"$TMP/g-gone.json"
bad "saved IRQ that is gone" "irqspread: $TMP/g-gone.json: ens5: IRQ ens5-Tx-Rx-9 (48 when saved) is gone" graviton restore "$TMP/g-gone.json"
awk '/"name": "ens5-Tx-Rx-6"/ { sub("ens5-Tx-Rx-6", "ens5-Tx-Rx-5") } { print }' "$TMP/graviton.json" >"$TMP/g-dup.json"
bad "saved file with one IRQ name twice" \
	"irqspread: $TMP/g-dup.json: not a saved irqspread state: nics[0].irqs[6]: IRQ name 'ens5-Tx-Rx-5' saved twice" \
	graviton restore "$TMP/g-dup.json"
bad "restore with a DEV" "irqspread: restore takes one FILE and no DEV" graviton restore "$TMP/graviton.json" ens5

# ---- --help and the man page tell the same story ----
"$BIN" --help >"$TMP/help"
missing=
for word in $(grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u) show plan apply check save restore spread irq-only off; do
	esc=$(printf '%s' "$word" | sed 's/-/\\-/g')
	grep -qF -- "$esc" "$MAN" || missing="$missing $word"
done
t "every option, verb and policy of --help is in the man page (missing:$missing)" test -z "$missing"
missing=
for word in $(grep '^\.BR \\-' "$MAN" | grep -o '\\-\\-[a-z][-a-z\\]*' | sed 's/\\f.*//; s/\\-/-/g' | sort -u); do
	grep -qF -- "$word" "$TMP/help" || missing="$missing $word"
done
t "every option of the man page is in --help (missing:$missing)" test -z "$missing"

# ---- the outputs pasted in docs/irqspread.md are the real ones ----
MD=${MAN%.8}.md
for v in show plan; do
	awk -v start="$ irqspread $v" '$0 == start { on = 1; next } on && /^```/ { exit } on { print }' \
		"$MD" >"$TMP/md-$v"
	t "docs/irqspread.md shows the Graviton fixture's $v output as the binary prints it" \
		cmp "$TMP/md-$v" "$FIX/graviton/expected/$v.txt"
done

if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/all-stderr"; then
	notok "no sanitizer report in any run"
	grep -m 5 -e 'Sanitizer' -e 'runtime error:' "$TMP/all-stderr" | sed 's/^/# /'
else
	ok "no sanitizer report in any run ($(wc -l <"$TMP/all-stderr") stderr lines checked)"
fi

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
