// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the buffer parsers, the IRQ naming, the saved-state
 * loader and the kernel release rule for RPS and RFS. Prints "ok - ..." /
 * "not ok - ..." lines; run.sh numbers them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cpuset.h"
#include "../interrupts.h"
#include "../irqbalance.h"
#include "../irqname.h"
#include "../model.h"
#include "../policy.h"
#include "../state.h"

static int failures;

__attribute__((format(printf, 2, 3)))
static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures += !cond;
}

static char *list_of(const char *in)
{
	struct cpuset s;

	if (cpulist_parse(in, strlen(in), &s, NULL, 0))
		return strdup("ERR");
	return cpulist_str(&s);
}

static void test_cpulist(void)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "0", "0" }, { "0-3", "0-3" }, { "0-3\n", "0-3" }, { "", "" },
		{ "\n", "" }, { "3,1,2", "1-3" }, { "0-3,8-11", "0-3,8-11" },
		{ "5,5,5", "5" }, { "0,2,4", "0,2,4" }, { "8191", "8191" },
		{ "0-8191", "0-8191" }, { "63-64", "63-64" },
	};
	static const char *const bad[] = {
		"x", "0-", "-1", "3-1", "0,,1", "0,", "1 2", "8192", "0-99999",
		"0x3", "1-2-3", " 1",
	};
	char err[128];
	struct cpuset s;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *o = list_of(good[i].in);

		char in[32];

		snprintf(in, sizeof(in), "%.*s%s", (int)strcspn(good[i].in, "\n"), good[i].in,
			 strchr(good[i].in, '\n') ? "\\n" : "");
		check(o && strcmp(o, good[i].out) == 0, "cpulist '%s' reads as '%s' (got '%s')",
		      in, good[i].out, o ? o : "NULL");
		free(o);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		check(cpulist_parse(bad[i], strlen(bad[i]), &s, err, sizeof(err)) == -1 && err[0],
		      "cpulist '%s' is refused with a reason (%s)", bad[i], err);
	}
	/* Not NUL-terminated: the length is the end. */
	check(cpulist_parse("1,2-9", 3, &s, NULL, 0) == 0 && cpuset_count(&s) == 2 &&
	      cpuset_has(&s, 2) && !cpuset_has(&s, 3), "cpulist stops at the given length");
}

static void test_cpumask(void)
{
	struct cpuset s;
	char err[128], *o;

	check(cpumask_parse("f", 1, &s, NULL, 0) == 0 && cpuset_count(&s) == 4 &&
	      cpuset_has(&s, 3), "mask 'f' is CPUs 0-3");
	check(cpumask_parse("00000000,00000001\n", 18, &s, NULL, 0) == 0 &&
	      cpuset_count(&s) == 1 && cpuset_has(&s, 0), "mask 00000000,00000001 is CPU 0");
	check(cpumask_parse("1,00000000", 10, &s, NULL, 0) == 0 && cpuset_count(&s) == 1 &&
	      cpuset_has(&s, 32), "a short first group is the high one (CPU 32)");
	check(cpumask_parse("80000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000",
			    71, &s, NULL, 0) == 0 && cpuset_count(&s) == 1 && cpuset_has(&s, 255),
	      "256-CPU mask: 8 comma groups, top bit is CPU 255");
	check(cpumask_parse("ffffffff,ffffffff,00000000,00000000,ffffffff,ffff0000,00000000,00000000",
			    71, &s, NULL, 0) == 0 && cpuset_count(&s) == 112 &&
	      cpuset_has(&s, 80) && !cpuset_has(&s, 79) && cpuset_has(&s, 192) &&
	      !cpuset_has(&s, 191), "256-CPU mask with holes reads CPUs 80-127,192-255");
	check(cpumask_parse("ABCDEF01", 8, &s, NULL, 0) == 0 && cpuset_has(&s, 0) &&
	      cpuset_has(&s, 31), "upper-case hex is accepted");
	check(cpumask_parse("100000000", 9, &s, err, sizeof(err)) == -1,
	      "a group of 9 hex digits is refused (%s)", err);
	check(cpumask_parse("", 0, &s, err, sizeof(err)) == -1, "an empty mask is refused");
	check(cpumask_parse("f,,f", 4, &s, err, sizeof(err)) == -1, "an empty group is refused");
	check(cpumask_parse("fg", 2, &s, err, sizeof(err)) == -1, "'fg' is refused (%s)", err);
	check(cpumask_parse("0x3", 3, &s, err, sizeof(err)) == -1, "'0x3' is refused");
	/* 257 groups: bit 8192 and up cannot exist. */
	{
		size_t n = (size_t)257 * 9;
		char *big = malloc(n + 1);

		memcpy(big, "00000001", 8);
		for (size_t g = 1; g < 257; g++)
			memcpy(big + 8 + (g - 1) * 9, ",00000000", 9);
		check(cpumask_parse(big, n - 1, &s, err, sizeof(err)) == -1,
		      "a mask naming CPU 8192 is refused (%s)", err);
		big[7] = '0';
		check(cpumask_parse(big, n - 1, &s, NULL, 0) == 0 && cpuset_empty(&s),
		      "257 zero groups are just an empty mask");
		free(big);
	}
	cpuset_zero(&s);
	cpuset_set(&s, 0);
	o = cpumask_str(&s, 4);
	check(o && strcmp(o, "1") == 0, "4 CPUs print as one digit, like %%*pb (%s)", o);
	free(o);
	cpuset_zero(&s);
	cpuset_set_range(&s, 8, 63);
	o = cpumask_str(&s, 64);
	check(o && strcmp(o, "ffffffff,ffffff00") == 0, "CPUs 8-63 of 64 print as ffffffff,ffffff00 (%s)", o);
	free(o);
	o = cpumask_str(&s, 48);
	check(o && strcmp(o, "ffff,ffffff00") == 0, "a 48-bit mask has a short first group (%s)", o);
	free(o);
	cpuset_zero(&s);
	o = cpumask_str(&s, 256);
	check(o && strcmp(o, "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000") == 0,
	      "an empty 256-CPU mask prints 8 zero groups");
	free(o);
	/* Round trip over pseudo-random sets and widths. */
	{
		unsigned int seed = 12345;
		int okc = 0;

		for (int t = 0; t < 500; t++) {
			struct cpuset a, b;
			int nbits = 1 + (int)((seed = seed * 1103515245 + 12345) % CPUSET_MAX);
			char *m, *l;

			cpuset_zero(&a);
			for (int k = 0; k < 40; k++)
				cpuset_set(&a, (int)((seed = seed * 1103515245 + 12345) % (unsigned)nbits));
			m = cpumask_str(&a, nbits);
			l = cpulist_str(&a);
			okc += m && l && !cpumask_parse(m, strlen(m), &b, NULL, 0) && cpuset_equal(&a, &b) &&
			       !cpulist_parse(l, strlen(l), &b, NULL, 0) && cpuset_equal(&a, &b);
			free(m);
			free(l);
		}
		check(okc == 500, "mask and list print/parse round trips (%d/500)", okc);
	}
	check(value_equal(CH_RPS, "0", "00000000,00000000") &&
	      !value_equal(CH_RPS, "1", "00000000,00000000") &&
	      value_equal(CH_IRQ, "0-3", "0,1,2,3") && value_equal(CH_FLOW, "4096", "4096") &&
	      !value_equal(CH_FLOW, "0", "4096"), "values compare as the kernel reads them");
	/* restore holds back on PREEMPT_RT before 6.10 what value_off() is false for. */
	check(value_off(CH_RPS, "0") && value_off(CH_RPS, "00000000,00000000") &&
	      value_off(CH_XPS, "00000000") && value_off(CH_FLOW, "0") && value_off(CH_SOCK, "0"),
	      "an empty mask and a count of 0 are off");
	check(!value_off(CH_RPS, "1") && !value_off(CH_RPS, "00000001,00000000") &&
	      !value_off(CH_FLOW, "4096") && !value_off(CH_SOCK, "32768") &&
	      !value_off(CH_IRQ, "") && !value_off(CH_IRQ, "0") && !value_off(CH_RPS, "zz") &&
	      !value_off(CH_FLOW, "x"),
	      "a mask with a CPU, a count above 0, any IRQ affinity and garbage are not off");
}

static const char x86[] =
"            CPU0       CPU1       CPU2       CPU3\n"
"   0:         36          0          0          0   IO-APIC    2-edge      timer\n"
"  24:          1          2          3          4   PCI-MSI 65536-edge      virtio0-config\n"
"  25:     500000          0          0          0   PCI-MSI 65537-edge      virtio0-input.0\n"
"  40:          0          0          0          0   PCI-MSI 1-edge\n"
"  41:          7          0          0          0   IO-APIC   11-fasteoi   uhci_hcd:usb1, eth1\n"
" NMI:          0          0          0          0   Non-maskable interrupts\n"
" ERR:          0\n"
" MIS:          0\n";

static const char arm64[] =
"           CPU0       CPU1       CPU4\n"
" 11:     123456       7890          5     GICv3  27 Level     arch_timer\n"
" 41:          0     999999          0   ITS-MSI 524329 Edge      ens5-Tx-Rx-0\n"
"IPI0:         1          2          3       Rescheduling interrupts\n"
"Err:          0\n";

static void test_interrupts(void)
{
	struct intr_table t;
	const struct intr_row *r;
	char err[128];
	static const char *const bad[] = {
		"", "nonsense\n", "  CPU0 CPUx\n", "  CPU1 CPU0\n",
		"  CPU0\n 1 0 timer\n", "  CPU0\n 1: 99999999999999999999999\n",
	};

	check(intr_parse(x86, strlen(x86), &t, err, sizeof(err)) == 0, "x86 /proc/interrupts parses (%s)",
	      err);
	check(t.ncols == 4 && t.nrows == 8, "x86: 4 columns, 8 rows (%d, %zu)", t.ncols, t.nrows);
	r = intr_find(&t, 25);
	check(r && strcmp(r->name, "virtio0-input.0") == 0 && r->counts[0] == 500000 &&
	      r->total == 500000, "x86: IRQ 25 is virtio0-input.0 with 500000 on CPU0");
	r = intr_find(&t, 24);
	check(r && r->total == 10 && r->counts[3] == 4, "x86: per-CPU counts add up");
	r = intr_find(&t, 41);
	check(r && strcmp(r->name, "uhci_hcd:usb1, eth1") == 0, "x86: shared IRQ keeps its action list");
	r = intr_find(&t, 40);
	check(r && strcmp(r->name, "1-edge") != 0 && r->irq == 40, "x86: an IRQ without action parses");
	check(t.rows[7].irq == -1 && strcmp(t.rows[7].label, "MIS") == 0 && t.rows[7].total == 0 &&
	      t.rows[7].ncounts == 1,
	      "x86: short MIS line parses with zeros");
	intr_free(&t);
	check(intr_parse(arm64, strlen(arm64), &t, err, sizeof(err)) == 0 && t.ncols == 3 &&
	      t.col_cpu[2] == 4, "arm64: header with an offline CPU maps column 2 to CPU4");
	r = intr_find(&t, 41);
	check(r && strcmp(r->name, "ens5-Tx-Rx-0") == 0 && r->counts[1] == 999999,
	      "arm64: ITS-MSI line gives ens5-Tx-Rx-0 on CPU1");
	check(t.nrows == 4 && t.rows[2].irq == -1, "arm64: IPI0 is not an IRQ number");
	intr_free(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		check(intr_parse(bad[i], strlen(bad[i]), &t, err, sizeof(err)) == -1 && err[0],
		      "malformed /proc/interrupts #%zu refused (%s)", i, err);
	}
}

static void test_irqname(void)
{
	static const struct {
		const char *name, *dev, *pci;
		int virtio, role, queue;
		const char *naming;
	} cases[] = {
		{ "ens5-Tx-Rx-3", "ens5", "0000:00:05.0", -1, ROLE_TXRX, 3, "ena" },
		{ "ena-mgmnt@pci:0000:00:05.0", "ens5", "0000:00:05.0", -1, ROLE_OTHER, -1, NULL },
		{ "ena-mgmnt@pci:0000:00:06.0", "ens5", "0000:00:05.0", -1, -1, -1, NULL },
		{ "ens6-Tx-Rx-3", "ens5", "0000:00:05.0", -1, -1, -1, NULL },
		{ "virtio0-input.2", "eth0", "0000:00:03.0", 0, ROLE_RX, 2, "virtio" },
		{ "virtio0-output.11", "eth0", "0000:00:03.0", 0, ROLE_TX, 11, "virtio" },
		{ "virtio0-config", "eth0", "0000:00:03.0", 0, ROLE_OTHER, -1, "virtio" },
		{ "virtio1-input.0", "eth0", "0000:00:03.0", 0, -1, -1, NULL },
		{ "virtio10-input.0", "eth0", "0000:00:03.0", 1, -1, -1, NULL },
		{ "mlx5_comp7@pci:0000:08:00.1", "enp8s0f1np1", "0000:08:00.1", -1, ROLE_TXRX, 7, "mlx5" },
		{ "mlx5_comp7@pci:0000:08:00.1", "enp8s0f0np0", "0000:08:00.0", -1, -1, -1, NULL },
		{ "mlx5_async0@pci:0000:08:00.0", "enp8s0f0np0", "0000:08:00.0", -1, ROLE_OTHER, -1, NULL },
		{ "ice-ens1f0-TxRx-15", "ens1f0", "0000:17:00.0", -1, ROLE_TXRX, 15, "TxRx" },
		{ "ice-0000:17:00.0:misc", "ens1f0", "0000:17:00.0", -1, ROLE_OTHER, -1, NULL },
		{ "i40e-enp1s0f0-TxRx-0", "enp1s0f0", "0000:00:04.0", -1, ROLE_TXRX, 0, "TxRx" },
		{ "eth1-TxRx-1", "eth1", "0000:00:04.0", -1, ROLE_TXRX, 1, "TxRx" },
		{ "ens2f0np0-TxRx-9", "ens2f0np0", "0000:c1:00.0", -1, ROLE_TXRX, 9, "TxRx" },
		{ "eth0", "eth0", "0000:00:04.0", -1, ROLE_OTHER, -1, NULL },
		{ "eth0-rx-0", "eth0", "0000:00:04.0", -1, ROLE_RX, 0, "rx/tx" },
		{ "eth0-tx-0", "eth0", "0000:00:04.0", -1, ROLE_TX, 0, "rx/tx" },
		{ "veth0-TxRx-0", "eth0", "0000:00:04.0", -1, -1, -1, NULL },
		{ "eth0-TxRx-", "eth0", "0000:00:04.0", -1, -1, -1, NULL },
		{ "eth0-TxRx-1x", "eth0", "0000:00:04.0", -1, -1, -1, NULL },
		{ "eth0-TxRx-0", "eth", "0000:00:04.0", -1, -1, -1, NULL },
		{ "foonic-q0@0", "fn0", "0000:00:04.0", -1, -1, -1, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nic_id id = { cases[i].dev, cases[i].pci, cases[i].virtio };
		const char *naming = NULL;
		int q, role = irqname_match(cases[i].name, &id, &q, &naming);

		check(role == cases[i].role && q == cases[i].queue &&
		      (!cases[i].naming || (naming && strcmp(naming, cases[i].naming) == 0)),
		      "IRQ name '%s' for %s: role %d queue %d (got %d, %d)", cases[i].name,
		      cases[i].dev, cases[i].role, cases[i].queue, role, q);
	}
}

static const char good_state[] =
"{ \"schema\": \"irqspread-state\", \"version\": 1, \"online\": \"0-3\",\n"
"  \"rps_sock_flow_entries\": \"0\",\n"
"  \"nics\": [ { \"name\": \"eth0\", \"driver\": \"igb\", \"bus\": \"0000:00:04.0\",\n"
"    \"address\": null, \"rx_queues\": 2, \"tx_queues\": 1,\n"
"    \"irqs\": [ { \"irq\": 25, \"name\": \"eth0-TxRx-0\", \"smp_affinity_list\": \"0-3\" } ],\n"
"    \"other_irqs\": [ { \"irq\": 24, \"name\": \"eth0\", \"smp_affinity_list\": \"0\" },\n"
"                    { \"irq\": 27, \"name\": \"\", \"smp_affinity_list\": \"1\" } ],\n"
"    \"rx\": [ { \"rps_cpus\": \"0\", \"rps_flow_cnt\": \"0\" },\n"
"              { \"rps_cpus\": null, \"rps_flow_cnt\": null } ],\n"
"    \"tx\": [ { \"xps_cpus\": null } ] } ] }\n";

/* @in with its first @from replaced by @to, malloc'd. */
static char *replaced(const char *in, const char *from, const char *to)
{
	const char *at = strstr(in, from);
	size_t len = strlen(in) - strlen(from) + strlen(to) + 1;
	char *buf = malloc(len);

	if (!at || !buf)
		abort();
	snprintf(buf, len, "%.*s%s%s", (int)(at - in), in, to, at + strlen(from));
	return buf;
}

static void test_state(void)
{
	struct saved s;
	char err[256], *buf;
	static const struct {
		const char *from, *to, *what;
	} breaks[] = {
		{ "\"version\": 1", "\"version\": 2", "a future version" },
		{ "\"version\": 1", "\"version\": \"1\"", "a string version" },
		{ "irqspread-state", "other-state", "another schema" },
		{ "\"0-3\" } ]", "\"0-x\" } ]", "a malformed affinity" },
		{ "\"rps_cpus\": \"0\"", "\"rps_cpus\": \"zz\"", "a malformed mask" },
		{ "\"rps_flow_cnt\": \"0\"", "\"rps_flow_cnt\": \"-1\"", "a negative count" },
		{ "\"rx_queues\": 2", "\"rx_queues\": 3", "rx entries not matching rx_queues" },
		{ "\"name\": \"eth0\"", "\"name\": \"../x\"", "a path as device name" },
		{ "\"irq\": 25", "\"irq\": -1", "a negative IRQ" },
		{ "\"irq\": 25", "\"irq\": 2.5", "a fractional IRQ" },
		{ "\"driver\": \"igb\",", "", "a missing driver" },
		{ "\"nics\": [", "\"nics\": 5, \"x\": [", "nics not an array" },
		{ "\n", "\n}", "text after the JSON" },
		{ "\"bus\": \"0000:00:04.0\"", "\"bus\": \"a\\u0000b\"", "a NUL inside a string" },
		{ "\"other_irqs\": [", "\"other_irqs\": 5, \"x\": [", "other_irqs not an array" },
		{ "\"smp_affinity_list\": \"0\" }", "\"smp_affinity_list\": \"0-\" }",
		  "a malformed affinity of a device vector" },
		{ "{ \"irq\": 24, \"name\": \"eth0\", \"smp_affinity_list\": \"0\" }",
		  "{ \"irq\": 24, \"name\": \"eth0\" }", "a device vector without its affinity" },
		{ "\"irq\": 27", "\"irq\": 24", "one device vector saved twice" },
	};

	check(state_parse(good_state, strlen(good_state), &s, err, sizeof(err)) == 0,
	      "a saved state parses (%s)", err);
	check(s.nnic == 1 && s.nics[0].nrx == 2 && s.nics[0].nirq == 1 &&
	      s.nics[0].irqs[0].irq == 25 && strcmp(s.nics[0].irqs[0].aff, "0-3") == 0 &&
	      !s.nics[0].rps[1] && strcmp(s.nics[0].rps[0], "0") == 0 && !s.nics[0].address,
	      "saved state fields come back with nulls kept");
	check(s.nics[0].nother == 2 && s.nics[0].other[0].irq == 24 &&
	      strcmp(s.nics[0].other[0].name, "eth0") == 0 &&
	      strcmp(s.nics[0].other[0].aff, "0") == 0 && s.nics[0].other[1].irq == 27 &&
	      strcmp(s.nics[0].other[1].name, "") == 0,
	      "saved state: other_irqs (the link vector, an unnamed one) come back");
	state_free(&s);
	/* As irqspread wrote it before other_irqs (its lines cut out): still a saved state. */
	{
		const char *from = strstr(good_state, "\"other_irqs\"");
		const char *to = strstr(good_state, "\"rx\": [");
		int r;

		buf = malloc(strlen(good_state) + 1);
		if (!from || !to || !buf)
			abort();
		snprintf(buf, strlen(good_state) + 1, "%.*s%s", (int)(from - good_state),
			 good_state, to);
		err[0] = '\0';
		r = state_parse(buf, strlen(buf), &s, err, sizeof(err));
		check(r == 0 && s.nics[0].nother == 0 && !s.nics[0].other && s.nics[0].nirq == 1 &&
		      !strstr(buf, "other_irqs"),
		      "saved state without other_irqs (older files) parses, with none (%s)", err);
		if (r == 0)
			state_free(&s);
		free(buf);
	}
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		buf = replaced(good_state, breaks[i].from, breaks[i].to);
		err[0] = '\0';
		check(state_parse(buf, strlen(buf), &s, err, sizeof(err)) == -1 && err[0],
		      "saved state with %s is refused (%s)", breaks[i].what, err);
		free(buf);
	}
	for (size_t cut = 0; cut < strlen(good_state) - 2; cut += 37) {
		int r = state_parse(good_state, cut, &s, err, sizeof(err));

		if (r == 0)
			state_free(&s);
		check(r == -1, "saved state cut at byte %zu is refused (%s)", cut, err);
	}
}

static void test_ibconf(void)
{
	static const int ban[] = { 42, 41 }, unban[] = { 41 };
	char err[512], *out = NULL;
	int r;

	r = ib_config_rewrite(NULL, ban, 2, NULL, 0, NULL, &out, err, sizeof(err));
	check(r == 0 && out && strstr(out, "\nIRQBALANCE_ARGS=\"--banirq=41 --banirq=42\"\n# irqspread end\n"),
	      "irqbalance config: no file gets a block banning 41 and 42, sorted");
	free(out);
	r = ib_config_rewrite("#IRQBALANCE_ARGS=\nexport IRQBALANCE_ARGS='--debug --banirq=7'\n",
			      ban, 2, NULL, 0, NULL, &out, err, sizeof(err));
	check(r == 0 && out && strstr(out, "IRQBALANCE_ARGS=\"--debug --banirq=7 --banirq=41 --banirq=42\"") &&
	      strncmp(out, "#IRQBALANCE_ARGS=\nexport IRQBALANCE_ARGS='--debug --banirq=7'\n", 61) == 0,
	      "irqbalance config: the admin's exported, quoted args lead the block, their lines stay");
	{
		char *again = NULL, *back = NULL;

		r = ib_config_rewrite(out, ban, 1, NULL, 0, NULL, &again, err, sizeof(err));
		check(r == 0 && again && out && strcmp(again, out) == 0,
		      "irqbalance config: rewriting with IRQs already banned changes nothing");
		r = ib_config_rewrite(out, NULL, 0, unban, 1, NULL, &back, err, sizeof(err));
		check(r == 0 && back && !strstr(back, "--banirq=41") && strstr(back, "--banirq=7 --banirq=42\""),
		      "irqbalance config: unbanning 41 keeps 42 and the admin's 7");
		free(again);
		free(back);
	}
	free(out);
	r = ib_config_rewrite("A=1\n# irqspread begin: IRQs irqspread pins, banned from irqbalance (irqspread restore takes this out)\n"
			      "IRQBALANCE_ARGS=\"--banirq=41\"\n# irqspread end\n", NULL, 0, unban, 1, NULL, &out, err, sizeof(err));
	check(r == 0 && out && strcmp(out, "A=1\n") == 0, "irqbalance config: nothing left banned, no block");
	free(out);
	out = NULL;
	r = ib_config_rewrite("IRQBALANCE_ARGS=\"$X\"\n", ban, 1, NULL, 0, NULL, &out, err, sizeof(err));
	check(r == -1 && !out && strstr(err, "cannot add --banirq to it safely"),
	      "irqbalance config: a $ in IRQBALANCE_ARGS is refused (%s)", err);
	r = ib_config_rewrite("X=1", NULL, 0, NULL, 0, NULL, &out, err, sizeof(err));
	check(r == 0 && out && strcmp(out, "X=1") == 0,
	      "irqbalance config: a last line without newline is left so when nothing is banned");
	free(out);
	{
		/* ethtool -L 4 -> 2 re-created the vectors: 43 and 44 are gone. */
		static const char intr[] = "           CPU0       CPU1\n"
			" 41:          1          0  PCI-MSI 1-edge      eth0-TxRx-0\n"
			" 42:          1          0  PCI-MSI 2-edge      eth0-TxRx-1\n";
		static const int now[] = { 41, 42 };
		struct intr_table live;

		memset(&live, 0, sizeof(live));
		r = intr_parse(intr, sizeof(intr) - 1, &live, err, sizeof(err));
		check(r == 0, "irqbalance config: the live /proc/interrupts fixture parses (%s)", r ? err : "");
		r = ib_config_rewrite("IRQBALANCE_ARGS=\"--banirq=7\"\n"
				      "# irqspread begin: IRQs irqspread pins, banned from irqbalance (irqspread restore takes this out)\n"
				      "IRQBALANCE_ARGS=\"--banirq=7 --banirq=41 --banirq=42 --banirq=43 --banirq=44\"\n"
				      "# irqspread end\n", now, 2, NULL, 0, &live, &out, err, sizeof(err));
		check(r == 0 && out && strstr(out, "\nIRQBALANCE_ARGS=\"--banirq=7 --banirq=41 --banirq=42\"\n# irqspread end\n"),
		      "irqbalance config: the block's bans of IRQs gone (43, 44) are dropped, the admin's 7 stays (%s)",
		      out ? out : err);
		free(out);
		intr_free(&live);
	}
}

/* osrelease_version() and rt_rps_warns(): RPS off on PREEMPT_RT before 6.10. */
static void test_osrelease(void)
{
	static const struct {
		const char *rel;
		int major, minor;
	} good[] = {
		{ "6.1.0-57-rt-amd64", 6, 1 }, { "6.12.118+deb13-rt-arm64", 6, 12 },
		{ "7.2.13+deb14-amd64", 7, 2 }, { "6.10.0", 6, 10 }, { "5.15.0-1-rt", 5, 15 },
	};
	static const char *const bad[] = { "", "6", "6.", ".1", "x6.1", "6.x", "123456.1", " 6.1" };
	static const struct {
		const char *rel;
		bool rt, warns;
	} rule[] = {
		{ "6.1.0-57-rt-amd64", true, true }, { "6.9.12-rt", true, true },
		{ "5.15.0-1-rt", true, true }, { "6.10.0-rt", true, false },
		{ "6.12.118+deb13-rt-arm64", true, false }, { "7.2.13+deb14-amd64", true, false },
		{ "6.1.0-57-rt-amd64", false, false }, { NULL, true, false },
		{ "garbage", true, true }, { "garbage", false, false },
	};
	int major, minor;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = osrelease_version(good[i].rel, &major, &minor);

		check(r == 0 && major == good[i].major && minor == good[i].minor,
		      "osrelease '%s' is %d.%d", good[i].rel, good[i].major, good[i].minor);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(osrelease_version(bad[i], &major, &minor) == -1,
		      "osrelease '%s' does not parse", bad[i]);
	for (size_t i = 0; i < sizeof(rule) / sizeof(rule[0]); i++)
		check(rt_rps_warns(rule[i].rt, rule[i].rel) == rule[i].warns,
		      "%s %s: RPS %s", rule[i].rt ? "PREEMPT_RT" : "not RT",
		      rule[i].rel ? rule[i].rel : "(no osrelease)",
		      rule[i].warns ? "and RFS warn, kept off" : "and RFS planned as usual");
}

int main(void)
{
	test_cpulist();
	test_cpumask();
	test_interrupts();
	test_irqname();
	test_state();
	test_ibconf();
	test_osrelease();
	return failures ? 1 : 0;
}
