# shellcheck shell=bash disable=SC2154
# irqspread on a real NIC: apply the spread policy, see the kernel's files
# change as planned, check reports no drift, restore brings every value
# back.  Runs without tsqsteal loaded.

IS=/opt/tsq/irqspread
# A dump of every file irqspread may write, to compare before and after.
dump='for f in /proc/irq/*/smp_affinity_list /sys/class/net/eth0/queues/*/rps_cpus \
	/sys/class/net/eth0/queues/*/rps_flow_cnt /sys/class/net/eth0/queues/*/xps_cpus \
	/proc/sys/net/core/rps_sock_flow_entries; do
	[ -r "$f" ] && echo "$f $(cat "$f" 2>/dev/null)"; done'

check "$CELL: irqspread show eth0 names the NIC's queue IRQs" \
	guest "$IS show eth0 | grep -q 'eth0-tx-0'"
check "$CELL: irqspread show --json is JSON with the NIC" \
	guest "$IS show eth0 --json | grep -q '\"eth0\"'"
# The NIC's IRQs on every CPU (the kernel's default) rather than on the
# IRQ CPU the harness pinned them to: there a one-queue NIC (e1000e) may
# already be where spread puts it, and on a PREEMPT_RT kernel before 6.10,
# where spread leaves RPS and RFS off, apply then had nothing to write.
irqs_eth0="for i in \$(awk -F: '/eth0/ { gsub(/ /, \"\", \$1); print \$1 }' /proc/interrupts); do"
guest "$irqs_eth0 echo 0-$(($(guest nproc) - 1)) > /proc/irq/\$i/smp_affinity_list; done" >/dev/null
guest "$dump" >"$TSQ_RUN_DIR/irq-before"
check "$CELL: irqspread plan spread" guest "$IS plan eth0 --policy spread"
check "$CELL: irqspread apply spread (state saved first)" \
	guest "$IS apply eth0 --policy spread --save /tmp/irq-saved.json"
guest "$dump" >"$TSQ_RUN_DIR/irq-applied"
check "$CELL: apply changed the live files" \
	sh -c "! cmp -s '$TSQ_RUN_DIR/irq-before' '$TSQ_RUN_DIR/irq-applied'"
check "$CELL: irqspread check: live state matches spread" \
	guest "$IS check eth0 --policy spread"
check "$CELL: a second apply writes nothing" \
	guest "$IS apply eth0 --policy spread --save /tmp/irq-saved2.json | grep -qi 'nothing\\|0 files\\|already'"
check_bulk "$CELL: traffic under the spread policy arrives intact" 32
check "$CELL: irqspread restore" guest "$IS restore /tmp/irq-saved.json"
guest "$dump" >"$TSQ_RUN_DIR/irq-restored"
check "$CELL: restore brought every value back" \
	diff "$TSQ_RUN_DIR/irq-before" "$TSQ_RUN_DIR/irq-restored"
check "$CELL: irqspread check reports drift from spread after restore" \
	guest "$IS check eth0 --policy spread; test \$? -eq 1"

# --channels (ethtool -L through irqspread): on a NIC with one channel
# (e1000e) more is refused in one line and nothing changes; on one with
# several (igb) apply changes the count, plans on the new IRQs (check
# exits 0) and restore sets the count back and every value with it.
chan() { guest "ethtool -l eth0" | awk '/^Combined:/ { v[++n] = $2 } END { print v[1] + 0, v[2] + 0 }'; }
read -r cmax ccur <<<"$(chan)"
guest "$dump" >"$TSQ_RUN_DIR/ch-before"
if [ "${cmax:-0}" -le 1 ]; then
	check "$CELL: --channels 2 on a NIC with at most $cmax channel(s): refused in one line" \
		guest "out=\$($IS apply eth0 --policy spread --channels 2 2>&1); rc=\$?; echo \"\$out\"
			test \$rc -ne 0 && test \$(echo \"\$out\" | wc -l) -eq 1"
	guest "$dump" >"$TSQ_RUN_DIR/ch-after"
	check "$CELL: --channels refused: nothing changed" diff "$TSQ_RUN_DIR/ch-before" "$TSQ_RUN_DIR/ch-after"
else
	n=$((ccur > 1 ? ccur - 1 : 2))
	check "$CELL: irqspread apply --channels $n (from $ccur, max $cmax)" \
		guest "$IS apply eth0 --policy spread --channels $n --save /tmp/ch-saved.json"
	check "$CELL: --channels $n: the NIC has $n channels ($(chan | awk '{ print $2 }'))" \
		test "$(chan | awk '{ print $2 }')" = "$n"
	check "$CELL: --channels $n: check on the new IRQs matches spread" \
		guest "$IS check eth0 --policy spread"
	check_bulk "$CELL: --channels $n: traffic arrives intact" 32
	check "$CELL: --channels: restore" guest "$IS restore /tmp/ch-saved.json"
	check "$CELL: --channels: restore set $ccur channels back ($(chan | awk '{ print $2 }'))" \
		test "$(chan | awk '{ print $2 }')" = "$ccur"
	# igb re-creates every vector on ethtool -L, its link vector eth0
	# (pinned at boot) included, at the default 0-3; the saved state holds
	# it in other_irqs and restore puts it back (docs/testing.md).
	guest "$dump" >"$TSQ_RUN_DIR/ch-after"
	check "$CELL: --channels: restore brought every value back" \
		diff "$TSQ_RUN_DIR/ch-before" "$TSQ_RUN_DIR/ch-after"
fi

# Back where the harness pinned them.
guest "$irqs_eth0 echo $IRQ_CPUS > /proc/irq/\$i/smp_affinity_list; done" >/dev/null
