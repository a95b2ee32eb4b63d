// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the bench's parsers and statistics on fixture text; TAP. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "parse.h"

static int n_test, n_fail;

static void ok(int cond, const char *what)
{
	n_test++;
	if (!cond)
		n_fail++;
	printf("%sok %d - bench: %s\n", cond ? "" : "not ", n_test, what);
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-4 * (fabs(b) > 1 ? fabs(b) : 1);
}

static char *fixture(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;
	char *buf;
	long len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "unit: no fixture %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "unit: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return buf;
}

static void test_stats(void)
{
	double eq[4] = { 1, 1, 1, 1 }, one[4] = { 4, 0, 0, 0 }, m[5] = { 5, 1, NAN, 3, 2 };

	ok(near(jain_index(eq, 4), 1), "Jain's index of equal shares is 1");
	ok(near(jain_index(one, 4), 0.25), "Jain's index of one CPU taking all is 1/n");
	ok(near(max_over_mean(one, 4), 4), "max/mean of one CPU taking all is n");
	ok(isnan(max_over_mean(eq, 0)), "max/mean of nothing is NaN");
	ok(near(median(m, 5), 2.5), "median skips NaN and averages the middle pair");
}

static void test_parsers(const char *dir)
{
	static struct snapshot s;
	unsigned char set[BENCH_MAX_CPUS];
	struct wrk_result w;
	char *buf, v[64];

	buf = fixture(dir, "snap.0");
	ok(parse_snapshot(buf, &s) == 0 && s.ncpu == 2 && s.cpu[0].f[ST_SOFTIRQ] == 800 &&
	   s.cpu[1].f[ST_IDLE] == 5000, "/proc/stat per-CPU ticks");
	ok(s.si_ncpu == 2 && s.si[SI_TASKLET][0] == 2000 && s.si[SI_NET_RX][1] == 3000 &&
	   s.si[SI_NET_TX][0] == 1000, "/proc/softirqs NET_TX, NET_RX, TASKLET per CPU");
	ok(s.tq_ncpu == 0, "snapshot without tsqsteal has no module counters");
	free(buf);
	buf = fixture(dir, "tsq.1");
	ok(parse_snapshot(buf, &s) == 0 && s.tq_ncpu == 2 && s.tq[TQ_DRAINED][1] == 840 &&
	   s.tq[TQ_STOLEN_BY][1] == 45 && s.tq[TQ_RESCUED_BY][1] == 2 && s.tq[TQ_RESCUES][0] == 2,
	   "tsqsteal stats table by column name, total row ignored");
	free(buf);
	ok(parse_snapshot("==softirqs\nCPU0\n", &s) != 0, "snapshot without /proc/stat is rejected");
	ok(!parse_snapshot("==uptime\n1234.56 789.00\n==stat\ncpu0 1 0 1 1 0 0 1 0\n==end\n", &s) &&
	   near(s.uptime, 1234.56) && !parse_snapshot("==stat\ncpu0 1 0 1 1 0 0 1 0\n==end\n", &s) &&
	   s.uptime < 0 && !parse_snapshot("==uptime\nx\n==stat\ncpu0 1 0 1 1 0 0 1 0\n==end\n", &s) &&
	   s.uptime < 0, "snapshot: /proc/uptime read when present, absent or garbage ignored");

	buf = fixture(dir, "wrk-latency.txt");
	ok(parse_wrk(buf, &w) == 0 && w.requests == 250 && near(w.seconds, 10.02) &&
	   near(w.bytes, 250.0 * 1048576) && near(w.req_s, 24.95), "wrk summary");
	ok(near(w.p50_ms, 1580.123) && near(w.p99_ms, 2712) && near(w.p999_ms, 2899.999),
	   "wrk latency from the done() script wins over the rounded distribution");
	ok(w.errors == 5, "wrk socket errors and non-2xx counted");
	free(buf);
	buf = fixture(dir, "wrk-plain.txt");
	ok(parse_wrk(buf, &w) == 0 && near(w.p50_ms, 0.85) && near(w.p99_ms, 5.5) && w.p999_ms < 0 &&
	   near(w.bytes, 5.0 * 1073741824), "wrk --latency distribution in us/ms, GB read, no p99.9");
	free(buf);
	buf = fixture(dir, "wrk-broken.txt");
	ok(parse_wrk(buf, &w) != 0, "wrk output without a summary is rejected");
	free(buf);

	ok(parse_cpulist("0-2,5\n", set, 8) == 4 && set[2] && set[5] && !set[3], "CPU list ranges");
	ok(parse_cpulist("0,0,1", set, 8) == 2, "CPU list duplicates count once");
	ok(parse_cpulist("9", set, 8) < 0 && parse_cpulist("1-x", set, 8) < 0, "bad CPU lists rejected");
	ok(near(parse_duration_ms("2.5s"), 2500) && near(parse_duration_ms("1.00m"), 60000),
	   "wrk durations");
	ok(near(parse_size_bytes("1.5KB"), 1536) && parse_size_bytes("3XB") < 0, "wrk sizes");
	ok(kv_get("a=1\nvcpus=2\n", "vcpus", v, sizeof(v)) && !strcmp(v, "2") &&
	   !kv_get("vcpusx=3\n", "vcpus", v, sizeof(v)), "key=value lookup is exact");
}

static void test_window(const char *dir)
{
	static struct snapshot a, b;
	static struct window win;
	unsigned char irq[BENCH_MAX_CPUS];
	struct wrk_result w;
	char *s0 = fixture(dir, "snap.0"), *s1 = fixture(dir, "snap.1");
	char *wt = fixture(dir, "wrk-latency.txt");

	parse_cpulist("0", irq, BENCH_MAX_CPUS);
	ok(!parse_snapshot(s0, &a) && !parse_snapshot(s1, &b) && !parse_wrk(wt, &w) &&
	   !window_compute(&a, &b, irq, &w, &win), "stock window computes");
	ok(near(win.cpu[0].softirq, 890.0 / 1300) && near(win.cpu[1].busy, 750.0 / 1350),
	   "per-CPU softirq and busy fractions from tick deltas");
	ok(near(win.softirq_max_mean, 1.897335) && near(win.softirq_jain, 0.553947),
	   "softirq max/mean and Jain across CPUs");
	ok(!win.tsq_from_module && near(win.tsq_irq_share, 1.0) && win.cpu[0].si[SI_TASKLET] == 2000,
	   "stock TSQ share from TASKLET counts");
	ok(near(win.mib_s, 250 / 10.02) && near(win.capacity_req_s, 24.95) &&
	   near(win.cpu_s_per_mib, (1200.0 / 1300 + 350.0 / 1350) / (250 / 10.02)),
	   "throughput, capacity and CPU-seconds per MiB");
	free(s0);
	free(s1);
	s0 = fixture(dir, "tsq.0");
	s1 = fixture(dir, "tsq.1");
	ok(!parse_snapshot(s0, &a) && !parse_snapshot(s1, &b) &&
	   !window_compute(&a, &b, irq, &w, &win) && win.tsq_from_module &&
	   near(win.tsq_irq_share, 0.25) && win.tsq_total == 1000,
	   "tsqsteal TSQ share from drained per CPU");
	ok(window_compute(&a, &a, irq, &w, &win) != 0, "a window with no elapsed ticks is rejected");
	free(s0);
	free(s1);
	free(wt);
}

static int hist(const char *text, unsigned long long *dropped)
{
	static unsigned long long ns[SIRQ_NVEC][BENCH_MAX_CPUS];

	memset(ns, 0, sizeof(ns));
	return parse_hist_sirq(text, ns, dropped);
}

static void test_hist(const char *dir)
{
	static unsigned long long ns[SIRQ_NVEC][BENCH_MAX_CPUS];
	static struct snapshot s;
	static const char *const garbage[] = {
		"hello\n",
		"{ common_cpu: 0, vec: 3 } hitcount: 1\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0, vec: 3 lat: 5\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0 } hitcount: 1 lat: 5\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0, vec: 3, common_pid: 7 } lat: 5\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0, vec: 3 } lat: 5\n{ common_cpu: 0, vec: 3 } lat: 5\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 256, vec: 3 } lat: 5\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0, vec: 16 } lat: 5\nTotals:\n Dropped: 0\n",
		"{ common_cpu: -1, vec: 3 } lat: 5\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0, vec: 3 } lat: 99999999999999999999999\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0, vec: 3 } lat: 5 junk\nTotals:\n Dropped: 0\n",
		"{ common_cpu: 0, vec: 3 } lat: 5\n",
		"Totals:\n Dropped: 0\nTotals:\n Dropped: 0\n",
		"    Hits: 0\n",
		"{",
		"{ common_cpu: 0, vec: 3 }",
	};
	unsigned long long dropped = 7;
	char *buf;
	int bad = 0;

	buf = fixture(dir, "hist-normal.txt");
	memset(ns, 0, sizeof(ns));
	ok(parse_hist_sirq(buf, ns, &dropped) == 4 && dropped == 0 && ns[1][0] == 829983 &&
	   ns[3][0] == 59268 && ns[7][1] == 3655310 && ns[6][1] == 18446744073ULL && ns[2][0] == 0,
	   "softirq time hist: entries by CPU and vector, comments and totals skipped");
	free(buf);
	memset(ns, 0, sizeof(ns));
	ok(parse_hist_sirq("{common_cpu:1,vec:3}hitcount:2 lat:1000\r\n"
			   "\t{ cpu: 2,  vec: 6 }   lat: 7   hitcount: 1\nTotals:\n\tDropped: 0\r\n",
			   ns, &dropped) == 2 && ns[3][1] == 1000 && ns[6][2] == 7,
	   "softirq time hist: tight or loose spacing, CRLF, the cpu alias, values in any order");
	buf = fixture(dir, "hist-empty.txt");
	ok(hist(buf, &dropped) == 0 && dropped == 0 && hist("", &dropped) == 0 &&
	   hist("# only a comment\n", &dropped) == 0, "softirq time hist: no entries is zero entries");
	free(buf);
	buf = fixture(dir, "hist-dropped.txt");
	ok(hist(buf, &dropped) == 4 && dropped == 3, "softirq time hist: Dropped count read");
	free(buf);
	buf = fixture(dir, "hist-garbage.txt");
	bad += hist(buf, &dropped) != -1;
	free(buf);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (hist(garbage[i], &dropped) != -1) {
			printf("# accepted: %s\n", garbage[i]);
			bad++;
		}
	ok(!bad, "softirq time hist: garbage, other keys, duplicates, cut-off reads rejected");

	buf = fixture(dir, "sirq.1");
	ok(!parse_snapshot(buf, &s) && s.sirq_state == SIRQ_OK && s.ncpu == 2 &&
	   s.sirq_ns[SIRQ_VEC_NET_RX][0] == 8200000000ULL && s.sirq_ns[7][1] == 135000000,
	   "snapshot ==sirqtime section between ==tsq and ==end");
	free(buf);
	buf = fixture(dir, "snap.1");
	ok(!parse_snapshot(buf, &s) && s.sirq_state == SIRQ_ABSENT, "snapshot without ==sirqtime");
	free(buf);
	ok(!parse_snapshot("==stat\ncpu0 1 0 1 1 0 0 1 0\n==tsq\n==sirqtime\n\n==end\n", &s) &&
	   s.sirq_state == SIRQ_ABSENT, "snapshot with an empty ==sirqtime");
	ok(!parse_snapshot("==stat\ncpu0 1 0 1 1 0 0 1 0\n==sirqtime\n{ garbage\n==end\n", &s) &&
	   s.sirq_state == SIRQ_INVALID && s.ncpu == 1 && !s.sirq_ns[3][0],
	   "snapshot with a garbage ==sirqtime keeps the rest, split marked invalid");
	buf = fixture(dir, "sirq-dropped.1");
	ok(!parse_snapshot(buf, &s) && s.sirq_state == SIRQ_DROPPED && s.sirq_dropped == 2,
	   "snapshot whose hist dropped entries");
	free(buf);
}

static void test_split(const char *dir)
{
	static struct snapshot a, b;
	static struct window win;
	unsigned char irq[BENCH_MAX_CPUS];
	struct wrk_result w;
	char *s0 = fixture(dir, "sirq.0"), *s1 = fixture(dir, "sirq.1");
	char *wt = fixture(dir, "wrk-latency.txt"), *d1 = fixture(dir, "sirq-dropped.1");
	char *o0 = fixture(dir, "snap.0");
	const struct cpu_window *c0 = &win.cpu[0], *c1 = &win.cpu[1];

	parse_cpulist("0", irq, BENCH_MAX_CPUS);
	ok(!parse_snapshot(s0, &a) && !parse_snapshot(s1, &b) && !parse_wrk(wt, &w) &&
	   !window_compute(&a, &b, irq, &w, &win) && win.sirq_state == SIRQ_OK,
	   "window with softirq time on both sides computes");
	/* cpu0: 1300 ticks = 13 s; cpu1: 1350 ticks = 13.5 s. */
	ok(near(c0->sirq[SK_NET_RX], 0.40) && near(c0->sirq[SK_NET_TX], 0.05) &&
	   near(c0->sirq[SK_TASKLET], 0.20) && near(c0->sirq[SK_OTHER], 0.02),
	   "per-CPU time split: NET_RX, NET_TX, TASKLET, other vectors over elapsed ticks");
	ok(near(c1->sirq[SK_NET_RX], 0.02) && c1->sirq[SK_NET_TX] == 0 &&
	   near(c1->sirq[SK_TASKLET], 0.01) && near(c1->sirq[SK_OTHER], 0.01),
	   "per-CPU time split: a vector first seen in snap.1 counts from zero");
	ok(near(win.tsq_irq_share_time, 2.6 / 2.735) && near(win.tsq_irq_share, 1.0),
	   "TASKLET time share on the IRQ CPUs, count share unchanged");
	ok(near(win.softirq_max_mean, 1.897335) && isnan(win.bulk_mib_s),
	   "existing window figures unchanged by the split; no bulk by default");
	/* With /proc/uptime on both sides the base is the wall time (20 s). */
	a.uptime = 100.0;
	b.uptime = 120.0;
	ok(!window_compute(&a, &b, irq, &w, &win) && near(c0->sirq[SK_NET_RX], 0.40 * 13 / 20) &&
	   near(c1->sirq[SK_TASKLET], 0.01 * 13.5 / 20),
	   "per-CPU time split over the snapshots' wall time when they carry /proc/uptime");
	b.uptime = -1;
	ok(!window_compute(&a, &b, irq, &w, &win) && near(c0->sirq[SK_NET_RX], 0.40),
	   "per-CPU time split falls back to elapsed ticks without uptime on one side");
	b.sirq_ns[SIRQ_VEC_NET_RX][1] = 1;
	ok(!window_compute(&a, &b, irq, &w, &win) && win.sirq_state == SIRQ_INVALID &&
	   isnan(c0->sirq[SK_NET_RX]) && isnan(win.tsq_irq_share_time),
	   "a histogram sum going backwards (trigger re-created) leaves the split out");
	ok(!parse_snapshot(d1, &b) && !window_compute(&a, &b, irq, &w, &win) &&
	   win.sirq_state == SIRQ_DROPPED && isnan(c0->sirq[SK_TASKLET]) &&
	   isnan(win.tsq_irq_share_time) && near(win.softirq_max_mean, 1.897335),
	   "Dropped > 0 marks the window's split unavailable, the rest stays");
	ok(!parse_snapshot(o0, &a) && !window_compute(&a, &b, irq, &w, &win) &&
	   win.sirq_state == SIRQ_INVALID && isnan(c1->sirq[SK_OTHER]),
	   "a histogram on one side only leaves the split out");
	free(s1);
	s1 = fixture(dir, "snap.1");
	ok(!parse_snapshot(s1, &b) && !window_compute(&a, &b, irq, &w, &win) &&
	   win.sirq_state == SIRQ_ABSENT && isnan(c0->sirq[SK_NET_RX]) &&
	   isnan(win.tsq_irq_share_time) && near(win.tsq_irq_share, 1.0),
	   "snapshots without ==sirqtime: no split, everything else as before");
	free(s0);
	free(s1);
	free(d1);
	free(o0);
	free(wt);
}

static void test_bulk(const char *dir)
{
	struct wrk_result w;
	char *wt = fixture(dir, "wrk-latency.txt"), *bt = fixture(dir, "bulk.txt");
	char *bad = fixture(dir, "bulk-bad.txt");
	double bytes = -1;
	int n = -1;

	ok(!parse_bulk(bt, &bytes, &n) && n == 3 && near(bytes, 250.0 * 1048576),
	   "bulk.txt: bytes of completed downloads summed");
	ok(!parse_wrk(wt, &w) && near(bulk_mib_s(bytes, w.seconds), 250 / 10.02),
	   "bulk_mib_s: MiB over wrk's window seconds");
	ok(!parse_bulk("", &bytes, &n) && n == 0 && bytes == 0 &&
	   !parse_bulk("# c\n\n", &bytes, &n) && n == 0, "empty bulk.txt: no downloads");
	ok(parse_bulk(bad, &bytes, &n) && parse_bulk("12\n", &bytes, &n) &&
	   parse_bulk("-1 2\n", &bytes, &n) && parse_bulk("1 2 3\n", &bytes, &n) &&
	   parse_bulk("nan 1\n", &bytes, &n) && !parse_bulk(" 5 0.5 \r\n\n", &bytes, &n) &&
	   bytes == 5, "bulk.txt: malformed lines rejected, spacing tolerated");
	ok(isnan(bulk_mib_s(100, 0)), "bulk_mib_s without a wrk duration is NaN");
	free(wt);
	free(bt);
	free(bad);
}

static int interval_is(const struct paired *p, int n, double ratio, double lo, double hi)
{
	return p->n == n && near(p->ratio, ratio) && near(p->lo, lo) && near(p->hi, hi);
}

static void test_paired(void)
{
	/* Blocks 1-3: ratios 1.1, 0.9, 1.0, not in the order of the values. */
	static const int r3[] = { 1, 2, 3 }, r3x[] = { 3, 1, 2 };
	static const double s3[] = { 100, 110, 300 }, c3[] = { 110, 99, 300 };
	static const double c3x[] = { 300, 110, 99 };
	/* Rig drift: stock doubles each block, the config is 0.9 x stock in each. */
	static const int rs[] = { 1, 2, 3, 4 }, rc[] = { 3, 1, 5, 2 };
	static const double s4[] = { 100, 200, 400, 800 }, c4[] = { 360, 90, 10, 180 };
	static const int rd[] = { 1, 2, 2, 3 };
	static const double nan3[] = { 110, NAN, 300 }, neg3[] = { 110, 0, -3 };
	double a[4], b[4];
	struct paired p;

	ok(near(t975(1), 12.706205) && near(t975(2), 4.302653) && near(t975(10), 2.228139) &&
	   near(t975(31), 2.039513) && near(t975(60), 2.039513) && isnan(t975(0)),
	   "t(0.975, df): table for df 1..31, df 31's above it, none below 1");

	/*
	 * By hand: log ratios 0.0953102, -0.1053605, 0; mean -0.0033501, so the
	 * geometric mean is exp(mean) = 0.99^(1/3) = 0.9966555; sum of squared
	 * deviations 0.0201512, sd = sqrt(0.0201512 / 2) = 0.1003773; half width
	 * t(0.975, 2) x sd / sqrt(3) = 4.302653 x 0.0579529 = 0.2493510;
	 * exp(-0.0033501 -+ 0.2493510) = 0.7767000, 1.2789007.
	 */
	paired_ratio(r3, s3, 3, r3, c3, 3, &p);
	ok(interval_is(&p, 3, 0.9966555, 0.7767000, 1.2789007),
	   "paired n=3: geometric mean and Student-t interval as computed by hand");
	/* Paired by sorted value instead, 99/100, 110/110, 300/300: [0.9824, 1.0111]. */
	paired_ratio(r3, s3, 3, r3x, c3x, 3, &p);
	ok(interval_is(&p, 3, 0.9966555, 0.7767000, 1.2789007),
	   "paired: windows matched by block number, not by position or sorted value");

	paired_ratio(rs, s4, 4, rc, c4, 4, &p);
	memcpy(a, s4, sizeof(a));
	memcpy(b, c4, sizeof(b));
	ok(interval_is(&p, 3, 0.9, 0.9, 0.9) && near(median(b, 4) / median(a, 4), 135.0 / 300),
	   "paired: constant 0.9 per block under drift, where the unpaired medians give 0.45");
	paired_ratio(rc, c4, 4, rs, s4, 4, &p);
	ok(interval_is(&p, 3, 1 / 0.9, 1 / 0.9, 1 / 0.9),
	   "paired: a block with a window on one side only is left out, either side");

	paired_ratio(r3, s3, 3, r3, nan3, 3, &p);
	/* Log ratios ln 1.1 and 0: mean = sd / sqrt(2) = ln(1.1) / 2. */
	ok(interval_is(&p, 2, sqrt(1.1), exp(log(1.1) / 2 * (1 - 12.706205)),
		       exp(log(1.1) / 2 * (1 + 12.706205))),
	   "paired: a block whose figure is missing (NaN) is left out; n=2 uses t(0.975, 1)");
	paired_ratio(r3, s3, 3, r3, neg3, 3, &p);
	ok(p.n == 1 && near(p.ratio, 1.1) && isnan(p.lo) && isnan(p.hi),
	   "paired: non-positive values are left out; n=1 gives a ratio and no interval");
	paired_ratio(r3, s3, 3, rd, c4, 4, &p);
	/* Block 1: 360 / 100; block 2 twice: out; block 3: 180 / 300. */
	ok(p.n == 2 && near(p.ratio, sqrt(3.6 * 0.6)),
	   "paired: a block with two windows of one side is ambiguous and left out");
	paired_ratio(r3, s3, 0, r3, c3, 3, &p);
	ok(p.n == 0 && isnan(p.ratio) && isnan(p.lo) && isnan(p.hi),
	   "paired: no common block, no ratio");
}

static void test_verdict(void)
{
	struct paired met = { 3, 1.0, 0.98, 1.02 }, miss = { 3, 0.95, 0.93, 0.9799 };
	struct paired open = { 3, 1.0, 0.97, 1.03 }, edge = { 3, 0.98, 0.97, 0.98 };
	struct paired one = { 1, 0.5, NAN, NAN }, cmet = { 4, 1.0, 0.9, 1.05 };
	struct paired cmiss = { 4, 1.1, 1.0501, 1.2 }, copen = { 4, 1.05, 1.0, 1.1 };
	struct paired cedge = { 4, 1.1, 1.05, 1.2 };

	ok(interval_verdict(&met, 0.98, 1) == VERDICT_MET &&
	   interval_verdict(&miss, 0.98, 1) == VERDICT_MISSED &&
	   interval_verdict(&open, 0.98, 1) == VERDICT_OPEN &&
	   interval_verdict(&edge, 0.98, 1) == VERDICT_OPEN,
	   "verdict >= 0.98: met when lo >= bound, missed when hi < bound, else not resolved");
	ok(interval_verdict(&cmet, 1.05, 0) == VERDICT_MET &&
	   interval_verdict(&cmiss, 1.05, 0) == VERDICT_MISSED &&
	   interval_verdict(&copen, 1.05, 0) == VERDICT_OPEN &&
	   interval_verdict(&cedge, 1.05, 0) == VERDICT_OPEN,
	   "verdict <= 1.05: met when hi <= bound, missed when lo > bound, else not resolved");
	ok(interval_verdict(&one, 0.98, 1) == VERDICT_OPEN &&
	   interval_verdict(&one, 1.05, 0) == VERDICT_OPEN,
	   "verdict without an interval (n < 2) is not resolved, whatever the ratio");
	ok(!strcmp(verdict_names[VERDICT_MET], "met") &&
	   !strcmp(verdict_names[VERDICT_MISSED], "missed") &&
	   !strcmp(verdict_names[VERDICT_OPEN], "not resolved"), "verdict names");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "bench/tests/fixtures";

	test_stats();
	test_parsers(dir);
	test_window(dir);
	test_hist(dir);
	test_split(dir);
	test_bulk(dir);
	test_paired();
	test_verdict();
	return n_fail ? 1 : 0;
}
