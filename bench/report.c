// SPDX-License-Identifier: GPL-2.0
/*
 * report: turn a bench run's raw samples into report.json, report.txt
 * and gnuplot data; check a report's schema; compare two reports.
 *
 *   report build DIR          DIR/meta.env, DIR/runs.tsv, DIR/<run>/{snap.0,snap.1,wrk.txt}
 *                             and DIR/<run>/bulk.txt when there was a bulk stream
 *   report check REPORT.json  schema and "every configuration produced traffic"
 *   report compare A.json B.json
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "metrics.h"
#include "parse.h"

#define SCHEMA "tsqsteal-bench/1"
#define MAX_CONFIGS 16
#define MAX_REPEATS 32

/* The scalar figures of a window, in report order. */
enum { M_REQ_S, M_MIB_S, M_BULK, M_P50, M_P99, M_P999, M_MAXMEAN, M_JAIN, M_TSQ_IRQ,
       M_TSQ_IRQ_TIME, M_BUSIEST, M_CPU_PER_MIB, M_CAP_REQ, M_CAP_MIB, M_ERRORS,
       M_REQUESTS, M_TQ_ENQ, M_TQ_DRAINED, M_TQ_STOLEN, M_TQ_RESCUED, M_TQ_RESCUES,
       M_TQ_KEPT_LOCAL, M_N };

static const char *const metric_names[M_N] = {
	"req_s", "mib_s", "bulk_mib_s", "p50_ms", "p99_ms", "p999_ms", "softirq_max_mean",
	"softirq_jain", "tsq_irq_share", "tsq_irq_share_time", "busiest_busy",
	"cpu_s_per_mib", "capacity_req_s", "capacity_mib_s", "errors", "requests",
	"tsq_enqueued", "tsq_drained", "tsq_stolen", "tsq_rescued", "tsq_rescues",
	"tsq_kept_local",
};

/* The figures paired against stock block by block, in report order. */
#define PM_N 4
static const int paired_metrics[PM_N] = { M_REQ_S, M_MIB_S, M_BULK, M_CPU_PER_MIB };
static const char *const paired_labels[PM_N] = { "req/s", "MiB/s", "bulk MiB/s", "cpus/MiB" };

/*
 * Per-CPU series, medians across repeats.  The P_SIRQ ones (traced softirq
 * time by kind, in SK_* order) are left out of report.json when no
 * window of the configuration had a usable split.
 */
enum { P_SOFTIRQ, P_BUSY, P_NET_RX, P_NET_TX, P_TASKLET, P_DRAINED, P_SIRQ,
       P_N = P_SIRQ + SK_N };
static const char *const percpu_names[P_N] = {
	"softirq_frac", "busy_frac", "net_rx", "net_tx", "tasklet", "tsq_drained",
	"sirq_net_rx_time", "sirq_net_tx_time", "sirq_tasklet_time", "sirq_other_time",
};

struct config {
	char name[64];
	char status[16];                /* ok, skipped, failed */
	char reason[256];
	char irq_cpus[64];
	int nrep, ncpu;
	int rep[MAX_REPEATS];           /* each window's block (runs.tsv REP); 0 unknown */
	int pos[MAX_REPEATS];           /* its position in the block (window.env); 0 unknown */
	double t0[MAX_REPEATS], t1[MAX_REPEATS]; /* its start and end, epoch s; NAN unknown */
	int discarded;                  /* windows whose server state was wrong */
	char discard_reason[256];       /* the last one's reason */
	int sirq_state[MAX_REPEATS];    /* SIRQ_* of each repeat's split */
	int sirq_ok, sirq_seen;         /* repeats with a split, with a sirqtime section */
	double v[MAX_REPEATS][M_N];
	double pc[MAX_REPEATS][P_N][BENCH_MAX_CPUS];
	double med[M_N], lo[M_N], hi[M_N];
	double pcmed[P_N][BENCH_MAX_CPUS];
	int paired;                     /* pr[] holds ratios against stock */
	struct paired pr[PM_N];
};

/*
 * Attribution (issue 17, item 1), paired per block like the rest: the
 * placement effect is tsq-spread (tsq-home) against tsq-local-queued, the
 * module's whole mechanism with no placement; the mechanism's own effect
 * is tsq-local-queued against stock; tsq-local against stock is what the
 * hook costs where every free steps aside.
 */
#define NATTRIB 4
static const struct {
	const char *claim, *config, *base;
} attrib_list[NATTRIB] = {
	{ "placement", "tsq-spread", "tsq-local-queued" },
	{ "placement", "tsq-home", "tsq-local-queued" },
	{ "mechanism", "tsq-local-queued", "stock" },
	{ "hook", "tsq-local", "stock" },
};

struct attrib {
	int which;                      /* index into attrib_list */
	struct paired req, cpu;         /* req/s and CPU per MiB, config / base */
};

struct run {
	char meta[8192];
	int nconf;
	struct config conf[MAX_CONFIGS];
	int vcpus, host_cores, oversubscribed;
	int nat;
	struct attrib at[NATTRIB];
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static char *slurp2(const char *dir, const char *sub, const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, file);
	return slurp(path);
}

static struct config *config_get(struct run *r, const char *name)
{
	for (int i = 0; i < r->nconf; i++)
		if (!strcmp(r->conf[i].name, name))
			return &r->conf[i];
	if (r->nconf == MAX_CONFIGS)
		return NULL;
	struct config *c = &r->conf[r->nconf++];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->status, sizeof(c->status), "skipped");
	return c;
}

static void window_values(const struct window *w, double *v, double pc[P_N][BENCH_MAX_CPUS])
{
	double tq[TQ_NCOLS] = { 0 };

	for (int i = 0; i < w->ncpu; i++) {
		const struct cpu_window *c = &w->cpu[i];

		pc[P_SOFTIRQ][i] = c->softirq;
		pc[P_BUSY][i] = c->busy;
		pc[P_NET_RX][i] = (double)c->si[SI_NET_RX];
		pc[P_NET_TX][i] = (double)c->si[SI_NET_TX];
		pc[P_TASKLET][i] = (double)c->si[SI_TASKLET];
		pc[P_DRAINED][i] = (double)c->tq[TQ_DRAINED];
		for (int k = 0; k < SK_N; k++)
			pc[P_SIRQ + k][i] = c->sirq[k];
		for (int k = 0; k < TQ_NCOLS; k++)
			tq[k] += (double)c->tq[k];
	}
	v[M_REQ_S] = w->req_s;
	v[M_MIB_S] = w->mib_s;
	v[M_BULK] = w->bulk_mib_s;
	v[M_P50] = w->p50_ms >= 0 ? w->p50_ms : NAN;
	v[M_P99] = w->p99_ms >= 0 ? w->p99_ms : NAN;
	v[M_P999] = w->p999_ms >= 0 ? w->p999_ms : NAN;
	v[M_MAXMEAN] = w->softirq_max_mean;
	v[M_JAIN] = w->softirq_jain;
	v[M_TSQ_IRQ] = w->tsq_irq_share;
	v[M_TSQ_IRQ_TIME] = w->tsq_irq_share_time;
	v[M_BUSIEST] = w->busiest;
	v[M_CPU_PER_MIB] = w->cpu_s_per_mib;
	v[M_CAP_REQ] = w->capacity_req_s;
	v[M_CAP_MIB] = w->capacity_mib_s;
	v[M_ERRORS] = (double)w->errors;
	v[M_REQUESTS] = (double)w->requests;
	v[M_TQ_ENQ] = tq[TQ_ENQUEUED];
	v[M_TQ_DRAINED] = tq[TQ_DRAINED];
	v[M_TQ_STOLEN] = tq[TQ_STOLEN_BY];
	v[M_TQ_RESCUED] = tq[TQ_RESCUED_BY];
	v[M_TQ_RESCUES] = tq[TQ_RESCUES];
	v[M_TQ_KEPT_LOCAL] = tq[TQ_KEPT_LOCAL];
}

/* runs.tsv's REP: a positive integer, else 0 (no block). */
static int block_number(const char *s)
{
	char *e;
	long n = strtol(s, &e, 10);

	return e != s && !*e && n > 0 && n <= INT_MAX ? (int)n : 0;
}

/* One line of runs.tsv: CONFIG REP SUBDIR IRQ_CPUS STATUS [REASON]. */
static int load_run(struct run *r, const char *dir, char *line)
{
	char *f[6] = { 0 }, *save = NULL;
	int n = 0;

	for (char *t = strtok_r(line, "\t", &save); t && n < 6; t = strtok_r(NULL, n == 5 ? "\n" : "\t", &save))
		f[n++] = t;
	if (n < 5)
		return -1;
	struct config *c = config_get(r, f[0]);

	if (!c)
		return -1;
	if (!strcmp(f[4], "discarded")) {
		c->discarded++;
		snprintf(c->discard_reason, sizeof(c->discard_reason), "%s", f[5] ? f[5] : "");
	}
	if (strcmp(f[4], "ok")) {
		/* A config keeps "ok" once one repeat worked; else the last word. */
		if (strcmp(c->status, "ok")) {
			snprintf(c->status, sizeof(c->status), "%s", f[4]);
			snprintf(c->reason, sizeof(c->reason), "%s", f[5] ? f[5] : "");
		}
		return 0;
	}
	if (c->nrep == MAX_REPEATS)
		return -1;

	char *s0 = slurp2(dir, f[2], "snap.0"), *s1 = slurp2(dir, f[2], "snap.1");
	char *wt = slurp2(dir, f[2], "wrk.txt"), *bt = slurp2(dir, f[2], "bulk.txt");
	char *we = slurp2(dir, f[2], "window.env"), kv[64];
	static struct snapshot a, b;
	struct wrk_result w;
	static struct window win;
	unsigned char irq[BENCH_MAX_CPUS];
	int rc = -1;

	if (!s0 || !s1 || !wt || parse_snapshot(s0, &a) || parse_snapshot(s1, &b) ||
	    parse_wrk(wt, &w) || parse_cpulist(f[3], irq, BENCH_MAX_CPUS) < 0 ||
	    window_compute(&a, &b, irq, &w, &win)) {
		fprintf(stderr, "report: %s/%s: unreadable samples, run skipped\n", dir, f[2]);
		if (strcmp(c->status, "ok")) {
			snprintf(c->status, sizeof(c->status), "failed");
			snprintf(c->reason, sizeof(c->reason), "unreadable samples in %s", f[2]);
		}
		goto out;
	}
	if (bt) {
		double bytes;
		int count;

		/*
		 * An empty bulk.txt is what bench/run leaves without a bulk
		 * stream (its last, cut download is always a line): absent.
		 */
		if (parse_bulk(bt, &bytes, &count))
			fprintf(stderr, "report: %s/%s/bulk.txt: unreadable, bulk_mib_s left out\n",
				dir, f[2]);
		else if (count)
			win.bulk_mib_s = bulk_mib_s(bytes, w.seconds);
	}
	if (win.sirq_state == SIRQ_DROPPED || win.sirq_state == SIRQ_INVALID)
		fprintf(stderr, "report: %s/%s: softirq time histogram %s, split left out\n", dir,
			f[2], win.sirq_state == SIRQ_DROPPED ? "dropped entries" :
			"unusable (unparsable, one-sided or reset)");
	window_values(&win, c->v[c->nrep], c->pc[c->nrep]);
	c->rep[c->nrep] = block_number(f[1]);
	if (!c->rep[c->nrep])
		fprintf(stderr, "report: %s/%s: repeat '%s' is not a block number, left out of "
			"the paired ratios\n", dir, f[2], f[1]);
	/* window.env: where and when the window ran (absent in older runs). */
	c->pos[c->nrep] = we && kv_get(we, "position", kv, sizeof(kv)) ? block_number(kv) : 0;
	c->t0[c->nrep] = we && kv_get(we, "start", kv, sizeof(kv)) ? strtod(kv, NULL) : NAN;
	c->t1[c->nrep] = we && kv_get(we, "end", kv, sizeof(kv)) ? strtod(kv, NULL) : NAN;
	c->sirq_state[c->nrep] = win.sirq_state;
	c->sirq_ok += win.sirq_state == SIRQ_OK;
	c->sirq_seen += win.sirq_state != SIRQ_ABSENT;
	c->ncpu = win.ncpu;
	c->nrep++;
	snprintf(c->status, sizeof(c->status), "ok");
	c->reason[0] = '\0';
	snprintf(c->irq_cpus, sizeof(c->irq_cpus), "%s", f[3]);
	rc = 0;
out:
	free(s0);
	free(s1);
	free(wt);
	free(bt);
	free(we);
	return rc;
}

static void summarise(struct config *c)
{
	double x[MAX_REPEATS];

	for (int m = 0; m < M_N; m++) {
		for (int i = 0; i < c->nrep; i++)
			x[i] = c->v[i][m];
		c->lo[m] = min_of(x, c->nrep);
		c->hi[m] = max_of(x, c->nrep);
		c->med[m] = median(x, c->nrep);
	}
	for (int p = 0; p < P_N; p++)
		for (int cpu = 0; cpu < c->ncpu; cpu++) {
			for (int i = 0; i < c->nrep; i++)
				x[i] = c->pc[i][p][cpu];
			c->pcmed[p][cpu] = median(x, c->nrep);
		}
}

static int meta_int(const struct run *r, const char *key)
{
	char v[64];

	return kv_get(r->meta, key, v, sizeof(v)) ? atoi(v) : 0;
}

static struct json_object *jnum(double x)
{
	return isnan(x) || isinf(x) ? NULL : json_object_new_double(round(x * 1e6) / 1e6);
}

static const struct config *find_ok(const struct run *r, const char *name)
{
	for (int i = 0; i < r->nconf; i++)
		if (!strcmp(r->conf[i].name, name) && !strcmp(r->conf[i].status, "ok"))
			return &r->conf[i];
	return NULL;
}

static int stock_valid(const struct run *r)
{
	const struct config *s = find_ok(r, "stock");

	return s && !isnan(s->med[M_TSQ_IRQ]) && s->med[M_TSQ_IRQ] >= 0.70;
}

/*
 * Whether stock has the bottleneck tsqsteal is for, not only its TSQ work
 * on the IRQ CPU (which pinning the IRQ makes true by construction): the
 * busiest IRQ CPU is >= 95 % busy while another CPU (another IRQ CPU
 * counts: tsqsteal moves work there too) has >= 20 % headroom, or TSQ
 * work (TASKLET time: the TSQ tasklet, or the BH work on >= 6.17) is the
 * largest softirq cost on that IRQ CPU.  On stock's per-CPU medians; the
 * second rule needs the traced split.
 */
struct bottleneck {
	int measured;           /* stock ran and its IRQ CPUs are known */
	int busy_rule, tsq_rule;
	int irq_cpu, free_cpu;  /* the busiest IRQ CPU; the idlest other CPU, -1 none */
	double irq_busy, headroom;
	double tsq_time, other_time; /* TASKLET and the largest other kind; NAN without a split */
};

static void stock_bottleneck(const struct run *r, struct bottleneck *b)
{
	const struct config *s = find_ok(r, "stock");
	unsigned char irq[BENCH_MAX_CPUS] = { 0 };

	memset(b, 0, sizeof(*b));
	b->irq_cpu = b->free_cpu = -1;
	b->tsq_time = b->other_time = NAN;
	if (!s || parse_cpulist(s->irq_cpus, irq, BENCH_MAX_CPUS) <= 0)
		return;
	for (int cpu = 0; cpu < s->ncpu; cpu++)
		if (irq[cpu] && (b->irq_cpu < 0 || s->pcmed[P_BUSY][cpu] > b->irq_busy)) {
			b->irq_cpu = cpu;
			b->irq_busy = s->pcmed[P_BUSY][cpu];
		}
	if (b->irq_cpu < 0)
		return;
	for (int cpu = 0; cpu < s->ncpu; cpu++)
		if (cpu != b->irq_cpu && (b->free_cpu < 0 || 1 - s->pcmed[P_BUSY][cpu] > b->headroom)) {
			b->free_cpu = cpu;
			b->headroom = 1 - s->pcmed[P_BUSY][cpu];
		}
	b->measured = 1;
	b->busy_rule = b->irq_busy >= 0.95 && b->free_cpu >= 0 && b->headroom >= 0.20;
	if (s->sirq_ok) {
		b->tsq_time = s->pcmed[P_SIRQ + SK_TASKLET][b->irq_cpu];
		b->other_time = fmax(s->pcmed[P_SIRQ + SK_NET_RX][b->irq_cpu],
				     fmax(s->pcmed[P_SIRQ + SK_NET_TX][b->irq_cpu],
					  s->pcmed[P_SIRQ + SK_OTHER][b->irq_cpu]));
		b->tsq_rule = b->tsq_time > 0 && b->tsq_time > b->other_time;
	}
}

static struct json_object *bottleneck_json(const struct bottleneck *b)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "reproduced", json_object_new_boolean(b->busy_rule || b->tsq_rule));
	json_object_object_add(o, "busy_rule", json_object_new_boolean(b->busy_rule));
	json_object_object_add(o, "tsq_rule", json_object_new_boolean(b->tsq_rule));
	json_object_object_add(o, "irq_cpu", json_object_new_int(b->irq_cpu));
	json_object_object_add(o, "irq_cpu_busy", jnum(b->irq_busy));
	json_object_object_add(o, "free_cpu", b->free_cpu < 0 ? NULL : json_object_new_int(b->free_cpu));
	json_object_object_add(o, "headroom", b->free_cpu < 0 ? NULL : jnum(b->headroom));
	json_object_object_add(o, "tsq_time", jnum(b->tsq_time));
	json_object_object_add(o, "largest_other_time", jnum(b->other_time));
	return o;
}

static void bottleneck_text(FILE *out, const struct bottleneck *b)
{
	if (!b->measured)
		return;
	fprintf(out, "\nstock %s the problem: IRQ CPU %d %.1f %% busy (rule: >= 95)",
		b->busy_rule || b->tsq_rule ? "REPRODUCES" : "does NOT reproduce",
		b->irq_cpu, b->irq_busy * 100);
	if (b->free_cpu >= 0)
		fprintf(out, ", CPU %d %.1f %% headroom (>= 20)", b->free_cpu, b->headroom * 100);
	else
		fprintf(out, ", no other CPU");
	if (!isnan(b->tsq_time))
		fprintf(out, "; on CPU %d TSQ work %.1f %% of its time, the largest other softirq "
			"%.1f %% (TSQ largest: %s)", b->irq_cpu, b->tsq_time * 100,
			b->other_time * 100, b->tsq_rule ? "yes" : "no");
	else
		fprintf(out, "; no softirq time split (TSQ-largest rule not judged)");
	fputc('\n', out);
	if (!b->busy_rule && !b->tsq_rule)
		fprintf(out, "  Without that bottleneck, ratios to stock say what tsqsteal costs or "
			"gives here, not whether it removes the problem.\n");
}

/* Targets from the issue, judged on medians; NULL when not measurable. */
struct target {
	char name[160];
	double value, bound;
	int at_least, met;
};

static void add_target(struct target *t, int *n, const char *name, double value,
		       double bound, int at_least)
{
	if (*n >= 32 || isnan(value) || isnan(bound))
		return;
	snprintf(t[*n].name, sizeof(t[*n].name), "%s", name);
	t[*n].value = value;
	t[*n].bound = bound;
	t[*n].at_least = at_least;
	t[*n].met = at_least ? value >= bound : value <= bound;
	(*n)++;
}

/* The IRQ CPUs' share of all CPUs: where an even spread puts TSQ work. */
static double irq_cpu_share(const struct config *c)
{
	unsigned char set[BENCH_MAX_CPUS];
	int n = parse_cpulist(c->irq_cpus, set, BENCH_MAX_CPUS), k = 0;

	if (n < 0 || c->ncpu <= 0)
		return NAN;
	for (int i = 0; i < c->ncpu; i++)
		k += set[i] != 0;
	return (double)k / c->ncpu;
}

static int targets(const struct run *r, struct target *t)
{
	static const char *const ours[] = { "tsq-spread", "tsq-home", "tsq-spread-x10" };
	const struct config *stock = find_ok(r, "stock");
	const struct config *thr = find_ok(r, "threaded"), *tuned = find_ok(r, "tuned");
	const struct config *ideal = find_ok(r, "ideal"), *tideal = find_ok(r, "tsq-ideal");
	char name[160];
	int n = 0;

	if (!stock)
		return 0;
	add_target(t, &n, "stock: TSQ work on IRQ CPUs >= 70 %", stock->med[M_TSQ_IRQ], 0.70, 1);
	add_target(t, &n, "stock: softirq max/mean >= 1.8", stock->med[M_MAXMEAN], 1.8, 1);
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		const struct config *c = find_ok(r, ours[i]);
		double mm = r->oversubscribed ? 1.3 : 1.2;

		if (!c)
			continue;
		snprintf(name, sizeof(name), "%s: softirq max/mean <= %.1f", ours[i], mm);
		add_target(t, &n, name, c->med[M_MAXMEAN], mm, 0);
		/* "About their share of CPUs": at most 10 points above it. */
		snprintf(name, sizeof(name), "%s: TSQ work on IRQ CPUs <= their CPU share + 10 %%",
			 ours[i]);
		add_target(t, &n, name, c->med[M_TSQ_IRQ], irq_cpu_share(c) + 0.10, 0);
		snprintf(name, sizeof(name), "%s: capacity >= 1.3 x stock", ours[i]);
		add_target(t, &n, name, c->med[M_CAP_REQ] / stock->med[M_CAP_REQ], 1.3, 1);
		if (thr) {
			snprintf(name, sizeof(name), "%s: capacity >= threaded", ours[i]);
			add_target(t, &n, name, c->med[M_CAP_REQ] / thr->med[M_CAP_REQ], 1.0, 1);
		}
		if (tuned) {
			snprintf(name, sizeof(name), "%s: capacity >= tuned", ours[i]);
			add_target(t, &n, name, c->med[M_CAP_REQ] / tuned->med[M_CAP_REQ], 1.0, 1);
		}
		if (r->oversubscribed)
			continue;
		snprintf(name, sizeof(name), "%s: req/s >= 1.2 x stock", ours[i]);
		add_target(t, &n, name, c->med[M_REQ_S] / stock->med[M_REQ_S], 1.2, 1);
		if (ideal) {
			snprintf(name, sizeof(name), "%s: req/s >= 0.95 x ideal", ours[i]);
			add_target(t, &n, name, c->med[M_REQ_S] / ideal->med[M_REQ_S], 0.95, 1);
		}
	}
	/* No bottleneck (a queue per CPU): the module must cost nothing. */
	if (ideal && tideal) {
		add_target(t, &n, "tsq-ideal: req/s >= 0.98 x ideal",
			   tideal->med[M_REQ_S] / ideal->med[M_REQ_S], 0.98, 1);
		add_target(t, &n, "tsq-ideal: CPU per MiB <= 1.05 x ideal",
			   tideal->med[M_CPU_PER_MIB] / ideal->med[M_CPU_PER_MIB], 1.05, 0);
	}
	return n;
}

/* c over base for metric m, block by block (the repeat of bench_main). */
static void pair(const struct config *base, const struct config *c, int m, struct paired *p)
{
	double a[MAX_REPEATS], b[MAX_REPEATS];

	for (int i = 0; i < base->nrep; i++)
		a[i] = base->v[i][m];
	for (int i = 0; i < c->nrep; i++)
		b[i] = c->v[i][m];
	paired_ratio(base->rep, a, base->nrep, c->rep, b, c->nrep, p);
}

/* Every measured configuration but stock against stock, per block. */
static void pair_all(struct run *r)
{
	const struct config *stock = find_ok(r, "stock");

	for (int i = 0; stock && i < r->nconf; i++) {
		struct config *c = &r->conf[i];

		if (c == stock || strcmp(c->status, "ok"))
			continue;
		for (int k = 0; k < PM_N; k++)
			pair(stock, c, paired_metrics[k], &c->pr[k]);
		c->paired = 1;
	}
}

static void attribute(struct run *r)
{
	r->nat = 0;
	for (int i = 0; i < NATTRIB; i++) {
		const struct config *c = find_ok(r, attrib_list[i].config);
		const struct config *b = find_ok(r, attrib_list[i].base);
		struct attrib *a = &r->at[r->nat];

		if (!c || !b)
			continue;
		a->which = i;
		pair(b, c, M_REQ_S, &a->req);
		pair(b, c, M_CPU_PER_MIB, &a->cpu);
		r->nat++;
	}
}

/* An attribution's req/s reading: gain or loss when its interval excludes 1. */
static const char *effect(const struct paired *p)
{
	if (p->n < 2 || isnan(p->lo) || isnan(p->hi))
		return "not resolved";
	return p->lo > 1 ? "gain" : p->hi < 1 ? "loss" : "not resolved";
}

/*
 * Issue 18's no-regression targets ("tsqsteal never costs throughput"),
 * judged on the paired interval: met, missed or not resolved.
 */
#define MAX_PTARGETS 16
struct ptarget {
	char name[160];
	const char *config, *base;
	int metric, at_least, verdict;
	double bound;
	struct paired p;
};

static void add_ptarget(struct ptarget *t, int *n, const struct config *base,
			const struct config *c, int m, double bound, int at_least)
{
	struct ptarget *e;

	if (*n >= MAX_PTARGETS)
		return;
	e = &t[*n];
	snprintf(e->name, sizeof(e->name), "%s: %s %s %.2f x %s", c->name,
		 m == M_REQ_S ? "req/s" : "CPU per MiB", at_least ? ">=" : "<=", bound, base->name);
	e->config = c->name;
	e->base = base->name;
	e->metric = m;
	e->bound = bound;
	e->at_least = at_least;
	pair(base, c, m, &e->p);
	e->verdict = interval_verdict(&e->p, bound, at_least);
	(*n)++;
}

static int paired_targets(const struct run *r, struct ptarget *t)
{
	static const char *const ours[] = { "tsq-local", "tsq-spread", "tsq-home" };
	const struct config *stock = find_ok(r, "stock");
	const struct config *ideal = find_ok(r, "ideal"), *tideal = find_ok(r, "tsq-ideal");
	int n = 0;

	for (size_t i = 0; stock && i < sizeof(ours) / sizeof(ours[0]); i++) {
		const struct config *c = find_ok(r, ours[i]);

		if (!c)
			continue;
		add_ptarget(t, &n, stock, c, M_REQ_S, 0.98, 1);
		add_ptarget(t, &n, stock, c, M_CPU_PER_MIB, 1.05, 0);
	}
	/* With a queue per CPU the base is ideal, the same layout without the module. */
	if (ideal && tideal) {
		add_ptarget(t, &n, ideal, tideal, M_REQ_S, 0.98, 1);
		add_ptarget(t, &n, ideal, tideal, M_CPU_PER_MIB, 1.05, 0);
	}
	return n;
}

static struct json_object *paired_json(const struct paired *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int(p->n));
	json_object_object_add(o, "ratio", jnum(p->ratio));
	json_object_object_add(o, "lo", jnum(p->lo));
	json_object_object_add(o, "hi", jnum(p->hi));
	return o;
}

static struct json_object *config_json(const struct run *r, const struct config *c)
{
	struct json_object *o = json_object_new_object(), *s, *pc, *runs;
	const struct config *stock = find_ok(r, "stock");

	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "status", json_object_new_string(c->status));
	if (c->reason[0])
		json_object_object_add(o, "reason", json_object_new_string(c->reason));
	if (c->discarded) {
		json_object_object_add(o, "discarded", json_object_new_int(c->discarded));
		json_object_object_add(o, "discard_reason", json_object_new_string(c->discard_reason));
	}
	if (strcmp(c->status, "ok"))
		return o;
	json_object_object_add(o, "irq_cpus", json_object_new_string(c->irq_cpus));
	json_object_object_add(o, "repeats", json_object_new_int(c->nrep));
	json_object_object_add(o, "ncpu", json_object_new_int(c->ncpu));
	if (!strcmp(c->name, "stock"))
		json_object_object_add(o, "valid", json_object_new_boolean(stock_valid(r)));
	s = json_object_new_object();
	for (int m = 0; m < M_N; m++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "median", jnum(c->med[m]));
		json_object_object_add(e, "min", jnum(c->lo[m]));
		json_object_object_add(e, "max", jnum(c->hi[m]));
		json_object_object_add(s, metric_names[m], e);
	}
	json_object_object_add(o, "summary", s);
	pc = json_object_new_object();
	for (int p = 0; p < P_N; p++) {
		struct json_object *a;

		if (p >= P_SIRQ && !c->sirq_ok)
			continue;
		a = json_object_new_array();
		for (int cpu = 0; cpu < c->ncpu; cpu++)
			json_object_array_add(a, jnum(c->pcmed[p][cpu]));
		json_object_object_add(pc, percpu_names[p], a);
	}
	json_object_object_add(o, "per_cpu", pc);
	json_object_object_add(o, "sirq_windows", json_object_new_int(c->sirq_ok));
	if (stock) {
		static const int rm[] = { M_REQ_S, M_MIB_S, M_BULK, M_CAP_REQ, M_CAP_MIB,
					  M_CPU_PER_MIB, M_MAXMEAN, M_P99 };

		struct json_object *rat = json_object_new_object();

		for (size_t i = 0; i < sizeof(rm) / sizeof(rm[0]); i++)
			json_object_object_add(rat, metric_names[rm[i]],
					       jnum(c->med[rm[i]] / stock->med[rm[i]]));
		json_object_object_add(o, "vs_stock", rat);
	}
	if (c->paired) {
		struct json_object *pr = json_object_new_object();

		for (int k = 0; k < PM_N; k++)
			json_object_object_add(pr, metric_names[paired_metrics[k]],
					       paired_json(&c->pr[k]));
		json_object_object_add(o, "paired", pr);
	}
	runs = json_object_new_array();
	for (int i = 0; i < c->nrep; i++) {
		struct json_object *e = json_object_new_object(), *sc = json_object_new_array();

		for (int m = 0; m < M_N; m++)
			json_object_object_add(e, metric_names[m], jnum(c->v[i][m]));
		for (int cpu = 0; cpu < c->ncpu; cpu++)
			json_object_array_add(sc, jnum(c->pc[i][P_SOFTIRQ][cpu]));
		json_object_object_add(e, "softirq_frac", sc);
		json_object_object_add(e, "sirqtime",
				       json_object_new_string(sirq_state_names[c->sirq_state[i]]));
		json_object_object_add(e, "block", c->rep[i] ? json_object_new_int(c->rep[i]) : NULL);
		json_object_object_add(e, "position", c->pos[i] ? json_object_new_int(c->pos[i]) : NULL);
		json_object_object_add(e, "start", isnan(c->t0[i]) ? NULL :
				       json_object_new_double(round(c->t0[i] * 1e3) / 1e3));
		json_object_object_add(e, "end", isnan(c->t1[i]) ? NULL :
				       json_object_new_double(round(c->t1[i] * 1e3) / 1e3));
		json_object_array_add(runs, e);
	}
	json_object_object_add(o, "runs", runs);
	return o;
}

static struct json_object *meta_json(const struct run *r)
{
	struct json_object *o = json_object_new_object();
	const char *p = r->meta;
	char line[4096];

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *eq;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (e != NULL);
		eq = strchr(line, '=');
		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		json_object_object_add(o, line, json_object_new_string(eq + 1));
	}
	return o;
}

static void fmt(char *b, size_t n, double x, const char *f)
{
	if (isnan(x))
		snprintf(b, n, "-");
	else
		snprintf(b, n, f, x);
}

/* Whether any measured configuration had a sirqtime section. */
static int any_split(const struct run *r)
{
	for (int i = 0; i < r->nconf; i++)
		if (!strcmp(r->conf[i].status, "ok") && r->conf[i].sirq_seen)
			return 1;
	return 0;
}

/* Per configuration and CPU: softirq time split by kind, from the hist trigger. */
static void split_report(FILE *out, const struct run *r)
{
	if (!any_split(r))
		return;
	fprintf(out, "\nsoftirq time per CPU, %% of that CPU's time: /proc/stat's softirq = "
		"traced time by vector (medians of repeats):\n");
	for (int i = 0; i < r->nconf; i++) {
		const struct config *c = &r->conf[i];
		int dropped = 0, bad = 0;
		char share[16];

		if (strcmp(c->status, "ok"))
			continue;
		if (!c->sirq_seen) {
			fprintf(out, "%-13s no softirq time histogram\n", c->name);
			continue;
		}
		for (int k = 0; k < c->nrep; k++) {
			dropped += c->sirq_state[k] == SIRQ_DROPPED;
			bad += c->sirq_state[k] == SIRQ_INVALID;
		}
		fmt(share, sizeof(share), c->med[M_TSQ_IRQ_TIME] * 100, "%.0f%%");
		fprintf(out, "%-13s split from %d of %d windows", c->name, c->sirq_ok, c->nrep);
		if (dropped)
			fprintf(out, ", %d with dropped entries", dropped);
		if (bad)
			fprintf(out, ", %d unusable", bad);
		if (!c->sirq_ok) {
			fputc('\n', out);
			continue;
		}
		fprintf(out, "; TSQ@IRQ by time %s\n", share);
		for (int cpu = 0; cpu < c->ncpu; cpu++) {
			double x[SK_N], sum = 0;

			for (int k = 0; k < SK_N; k++) {
				x[k] = c->pcmed[P_SIRQ + k][cpu] * 100;
				sum += x[k];
			}
			fprintf(out, "  cpu%d softirq %.0f%% = NET_RX %.0f / NET_TX %.0f / "
				"TASKLET(TSQ) %.0f / other %.0f (traced %.0f)\n", cpu,
				c->pcmed[P_SOFTIRQ][cpu] * 100, x[SK_NET_RX], x[SK_NET_TX],
				x[SK_TASKLET], x[SK_OTHER], sum);
		}
	}
}

/* "0.970 [0.930, 1.010] n=3"; without an interval "0.970 n=1, no interval"; "-". */
static void paired_cell(char *b, size_t n, const struct paired *p)
{
	if (!p->n || isnan(p->ratio))
		snprintf(b, n, "-");
	else if (isnan(p->lo) || isnan(p->hi))
		snprintf(b, n, "%.3f n=%d, no interval", p->ratio, p->n);
	else
		snprintf(b, n, "%.3f [%.3f, %.3f] n=%d", p->ratio, p->lo, p->hi, p->n);
}

/* The length of s without its trailing blanks. */
static int trimmed(const char *s)
{
	int n = (int)strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		n--;
	return n;
}

/* The paired table, its A/A row (stock-aa: the noise floor) and the interval verdicts. */
static void paired_report(FILE *out, const struct run *r, const struct ptarget *pt, int npt)
{
	const struct config *aa = find_ok(r, "stock-aa");
	char b[64], line[256];
	int any = 0, len;

	for (int i = 0; i < r->nconf; i++)
		any |= r->conf[i].paired;
	if (!any)
		return;
	fprintf(out, "\npaired vs stock (per block), geometric mean [95 %% interval]:\n");
	len = snprintf(line, sizeof(line), "%-13s", "config");
	for (int k = 0; k < PM_N; k++)
		len += snprintf(line + len, sizeof(line) - len, " %-26s", paired_labels[k]);
	fprintf(out, "%.*s\n", trimmed(line), line);
	for (int i = 0; i < r->nconf; i++) {
		const struct config *c = &r->conf[i];

		if (!c->paired)
			continue;
		len = snprintf(line, sizeof(line), "%-13s", c->name);
		for (int k = 0; k < PM_N; k++) {
			paired_cell(b, sizeof(b), &c->pr[k]);
			len += snprintf(line + len, sizeof(line) - len, " %-26s", b);
		}
		fprintf(out, "%.*s%s\n", trimmed(line), line, c == aa ? "  A/A: the noise floor" : "");
	}
	fprintf(out, "Block k = repeat k, every configuration once; n = blocks where both it and "
		"stock have an ok window with the figure.\nInterval: exp(mean +- t(0.975, n-1) "
		"x sd / sqrt(n)) of the per-block log ratios; n < 2: no interval.\n");
	if (!aa)
		fprintf(out, "No stock-aa (A/A) in this run: the noise floor was not measured.\n");
	else
		fprintf(out, "stock-aa is stock set up again (A/A): its ratios and intervals are this "
			"rig's noise floor.\n");
	if (aa && aa->pr[0].n >= 2 && (aa->pr[0].lo > 1 || aa->pr[0].hi < 1))
		fprintf(out, "A/A req/s interval excludes 1: the blocks are not exchangeable "
			"(drift, order); distrust differences of its size.\n");
	if (r->nat) {
		fprintf(out, "\nattribution (paired per block, 95 %% intervals; gain or loss "
			"only when the req/s interval excludes 1):\n");
		for (int i = 0; i < r->nat; i++) {
			const struct attrib *a = &r->at[i];
			char c2[64], name[96];

			paired_cell(b, sizeof(b), &a->req);
			paired_cell(c2, sizeof(c2), &a->cpu);
			snprintf(name, sizeof(name), "%s / %s", attrib_list[a->which].config,
				 attrib_list[a->which].base);
			fprintf(out, "  %-9s %-30s req/s %-26s cpus/MiB %-26s %s\n",
				attrib_list[a->which].claim, name, b, c2, effect(&a->req));
		}
	}
	if (!npt)
		return;
	fprintf(out, "\nno-regression targets (paired 95 %% intervals): met when the whole "
		"interval is on the bound's side,\nmissed when all of it is beyond, "
		"otherwise not resolved:\n");
	for (int i = 0; i < npt; i++) {
		paired_cell(b, sizeof(b), &pt[i].p);
		fprintf(out, "  %-12s %-42s %s\n", verdict_names[pt[i].verdict], pt[i].name, b);
	}
}

static void text_report(FILE *out, const struct run *r, const struct target *t, int nt,
			const struct ptarget *pt, int npt)
{
	char acc[64] = "?", kver[128] = "?", arch[32] = "?", nic[32] = "?", q[16], sc[256];
	const struct config *stock = find_ok(r, "stock");
	struct bottleneck bn;

	kv_get(r->meta, "accel", acc, sizeof(acc));
	kv_get(r->meta, "kver", kver, sizeof(kver));
	kv_get(r->meta, "arch", arch, sizeof(arch));
	kv_get(r->meta, "nic", nic, sizeof(nic));
	fprintf(out, "kernel %s (%s), accel %s, host cores %d, vCPUs %d, NIC %s",
		kver, arch, acc, r->host_cores, r->vcpus, nic);
	if (kv_get(r->meta, "queues", q, sizeof(q)) && q[0])
		fprintf(out, ", queues %s", q);
	fputc('\n', out);
	if (kv_get(r->meta, "scenario", sc, sizeof(sc)) && sc[0])
		fprintf(out, "scenario: %s\n", sc);
	if (kv_get(r->meta, "order", sc, sizeof(sc)) && sc[0])
		fprintf(out, "block order: %s\n", sc);
	if (r->oversubscribed)
		fprintf(out, "OVERSUBSCRIBED (vCPUs > host cores): throughput and latency "
			"comparisons are NOT meaningful; balance figures are.\n");
	if (!strcmp(acc, "tcg"))
		fprintf(out, "TCG emulation: absolute figures mean nothing; compare ratios.\n");
	fprintf(out, "\n%-13s %5s %8s %7s %10s %8s %8s %8s %6s %5s %6s %8s %9s %6s %8s  %s\n",
		"config", "reps", "req/s", "MiB/s", "bulk MiB/s", "p50ms", "p99ms", "p99.9ms",
		"max/mn", "jain", "TSQ@IRQ", "cpus/MiB", "cap req/s", "xstock", "stolen",
		"softirq% per CPU");
	for (int i = 0; i < r->nconf; i++) {
		const struct config *c = &r->conf[i];
		char b[16][32];

		if (c->discarded)
			fprintf(out, "%-13s %d window(s) discarded, server state wrong: %s\n",
				c->name, c->discarded, c->discard_reason);
		if (strcmp(c->status, "ok")) {
			fprintf(out, "%-13s %s: %s\n", c->name, c->status, c->reason);
			continue;
		}
		fmt(b[0], 32, c->med[M_REQ_S], "%.1f");
		fmt(b[1], 32, c->med[M_MIB_S], "%.2f");
		fmt(b[2], 32, c->med[M_P50], "%.0f");
		fmt(b[3], 32, c->med[M_P99], "%.0f");
		fmt(b[4], 32, c->med[M_P999], "%.0f");
		fmt(b[5], 32, c->med[M_MAXMEAN], "%.2f");
		fmt(b[6], 32, c->med[M_JAIN], "%.2f");
		fmt(b[7], 32, c->med[M_TSQ_IRQ] * 100, "%.0f%%");
		fmt(b[8], 32, c->med[M_CPU_PER_MIB], "%.3f");
		fmt(b[9], 32, c->med[M_CAP_REQ], "%.1f");
		fmt(b[10], 32, stock ? c->med[M_CAP_REQ] / stock->med[M_CAP_REQ] : NAN, "%.2f");
		fmt(b[11], 32, c->med[M_TQ_STOLEN], "%.0f");
		fmt(b[12], 32, c->med[M_BULK], "%.2f");
		fprintf(out, "%-13s %5d %8s %7s %10s %8s %8s %8s %6s %5s %6s%s %8s %9s %6s %8s ",
			c->name, c->nrep, b[0], b[1], b[12], b[2], b[3], b[4], b[5], b[6], b[7],
			c->med[M_TSQ_IRQ] >= 0 && !c->v[0][M_TQ_DRAINED] ? "t" : "d",
			b[8], b[9], b[10], b[11]);
		for (int cpu = 0; cpu < c->ncpu; cpu++)
			fprintf(out, " %.0f", c->pcmed[P_SOFTIRQ][cpu] * 100);
		if (!strcmp(c->name, "stock") && !stock_valid(r))
			fprintf(out, "  INVALID: TSQ share on IRQ CPUs < 70%%, stock problem not reproduced");
		fputc('\n', out);
	}
	split_report(out, r);
	stock_bottleneck(r, &bn);
	bottleneck_text(out, &bn);
	fprintf(out, "\nTSQ@IRQ: share of TSQ work on the IRQ CPUs, from TASKLET softirqs (t) "
		"or tsqsteal's drained counter (d).\n");
	fprintf(out, "cap: req/s divided by the busiest CPU's busy fraction. Medians of repeats; "
		"min-max in report.json.\n");
	fprintf(out, "bulk MiB/s: bulk stream downloads (bulk.txt) over wrk's duration; "
		"- without a bulk stream.\n");
	if (any_split(r))
		fprintf(out, "TASKLET(TSQ): the TSQ tasklet (<= 6.16) or BH work (>= 6.17); tsqsteal's "
			"drains are NAPI polls, so they count as NET_RX.\n");
	if (nt)
		fprintf(out, "\ntargets (medians):\n");
	for (int i = 0; i < nt; i++)
		fprintf(out, "  %-4s %-45s %.2f (%s %.2f)\n", t[i].met ? "met" : "MISS",
			t[i].name, t[i].value, t[i].at_least ? ">=" : "<=", t[i].bound);
	paired_report(out, r, pt, npt);
}

/*
 * softirq_split.dat: a block per configuration with a split (blocks two
 * blank lines apart, for gnuplot's index), a row per CPU: traced softirq
 * time by kind, % of the CPU.  Removed when no configuration has one, so
 * plot.gp falls back to the /proc/stat bars.
 */
static void split_data(const char *dir, const struct run *r)
{
	char path[4096];
	FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/softirq_split.dat", dir);
	for (int i = 0; i < r->nconf; i++) {
		const struct config *c = &r->conf[i];

		if (strcmp(c->status, "ok") || !c->sirq_ok)
			continue;
		if (!f) {
			f = fopen(path, "w");
			if (!f)
				return;
			fprintf(f, "# config cpu NET_RX NET_TX TASKLET(TSQ) other: traced softirq "
				"time, %% of the CPU, medians of repeats\n");
		} else {
			fputs("\n\n", f);
		}
		for (int cpu = 0; cpu < c->ncpu; cpu++) {
			fprintf(f, "%s CPU%d", c->name, cpu);
			for (int k = 0; k < SK_N; k++) {
				double x = c->pcmed[P_SIRQ + k][cpu];

				fprintf(f, " %.2f", isnan(x) ? 0 : x * 100);
			}
			fputc('\n', f);
		}
	}
	if (f)
		fclose(f);
	else if (remove(path) && errno != ENOENT)
		fprintf(stderr, "report: %s: %s\n", path, strerror(errno));
}

static void plot_data(const char *dir, const struct run *r)
{
	char path[4096];
	FILE *f;
	int maxcpu = 0;

	snprintf(path, sizeof(path), "%s/softirq.dat", dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "cpu");
	for (int i = 0; i < r->nconf; i++) {
		if (!strcmp(r->conf[i].status, "ok")) {
			fprintf(f, " %s", r->conf[i].name);
			if (r->conf[i].ncpu > maxcpu)
				maxcpu = r->conf[i].ncpu;
		}
	}
	fputc('\n', f);
	for (int cpu = 0; cpu < maxcpu; cpu++) {
		fprintf(f, "CPU%d", cpu);
		for (int i = 0; i < r->nconf; i++)
			if (!strcmp(r->conf[i].status, "ok"))
				fprintf(f, " %.2f", r->conf[i].pcmed[P_SOFTIRQ][cpu] * 100);
		fputc('\n', f);
	}
	fclose(f);
	split_data(dir, r);
	snprintf(path, sizeof(path), "%s/throughput.dat", dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "config req_s req_min req_max capacity cap_min cap_max\n");
	for (int i = 0; i < r->nconf; i++) {
		const struct config *c = &r->conf[i];

		if (!strcmp(c->status, "ok"))
			fprintf(f, "%s %.2f %.2f %.2f %.2f %.2f %.2f\n", c->name, c->med[M_REQ_S],
				c->lo[M_REQ_S], c->hi[M_REQ_S], c->med[M_CAP_REQ], c->lo[M_CAP_REQ],
				c->hi[M_CAP_REQ]);
	}
	fclose(f);
}

static int write_json(const char *dir, struct json_object *root)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/report.json", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	return fclose(f);
}

static int cmd_build(const char *dir)
{
	static struct run r;
	struct target t[32];
	struct ptarget pt[MAX_PTARGETS];
	struct bottleneck bn;
	char path[4096], line[8192], *meta, *runs, *p;
	struct json_object *root, *arr;
	FILE *f;
	int nt, npt;

	meta = slurp2(dir, ".", "meta.env");
	runs = slurp2(dir, ".", "runs.tsv");
	if (!meta || !runs) {
		fprintf(stderr, "report: %s: no meta.env or runs.tsv\n", dir);
		free(meta);
		free(runs);
		return 1;
	}
	snprintf(r.meta, sizeof(r.meta), "%s", meta);
	free(meta);
	for (p = runs; *p;) {
		char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (e != NULL);
		if (line[0] && line[0] != '#' && load_run(&r, dir, line) && !r.nconf)
			break;
	}
	free(runs);
	for (int i = 0; i < r.nconf; i++)
		summarise(&r.conf[i]);
	r.vcpus = meta_int(&r, "vcpus");
	r.host_cores = meta_int(&r, "host_cores");
	r.oversubscribed = r.host_cores > 0 && r.vcpus > r.host_cores;
	nt = targets(&r, t);
	pair_all(&r);
	npt = paired_targets(&r, pt);
	attribute(&r);

	root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string(SCHEMA));
	json_object_object_add(root, "meta", meta_json(&r));
	json_object_object_add(root, "vcpus", json_object_new_int(r.vcpus));
	json_object_object_add(root, "host_cores", json_object_new_int(r.host_cores));
	json_object_object_add(root, "oversubscribed", json_object_new_boolean(r.oversubscribed));
	json_object_object_add(root, "throughput_comparable", json_object_new_boolean(!r.oversubscribed));
	json_object_object_add(root, "stock_valid", json_object_new_boolean(stock_valid(&r)));
	stock_bottleneck(&r, &bn);
	if (bn.measured)
		json_object_object_add(root, "stock_bottleneck", bottleneck_json(&bn));
	arr = json_object_new_array();
	for (int i = 0; i < r.nconf; i++)
		json_object_array_add(arr, config_json(&r, &r.conf[i]));
	json_object_object_add(root, "configs", arr);
	arr = json_object_new_array();
	for (int i = 0; i < nt; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "target", json_object_new_string(t[i].name));
		json_object_object_add(e, "value", jnum(t[i].value));
		json_object_object_add(e, "bound", jnum(t[i].bound));
		json_object_object_add(e, "met", json_object_new_boolean(t[i].met));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "targets", arr);
	arr = json_object_new_array();
	for (int i = 0; i < npt; i++) {
		struct json_object *e = paired_json(&pt[i].p);

		json_object_object_add(e, "target", json_object_new_string(pt[i].name));
		json_object_object_add(e, "config", json_object_new_string(pt[i].config));
		json_object_object_add(e, "base", json_object_new_string(pt[i].base));
		json_object_object_add(e, "metric", json_object_new_string(metric_names[pt[i].metric]));
		json_object_object_add(e, "bound", jnum(pt[i].bound));
		json_object_object_add(e, "at_least", json_object_new_boolean(pt[i].at_least));
		json_object_object_add(e, "verdict",
				       json_object_new_string(verdict_names[pt[i].verdict]));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "paired_targets", arr);
	arr = json_object_new_array();
	for (int i = 0; i < r.nat; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "claim", json_object_new_string(attrib_list[r.at[i].which].claim));
		json_object_object_add(e, "config", json_object_new_string(attrib_list[r.at[i].which].config));
		json_object_object_add(e, "base", json_object_new_string(attrib_list[r.at[i].which].base));
		json_object_object_add(e, "req_s", paired_json(&r.at[i].req));
		json_object_object_add(e, "cpu_s_per_mib", paired_json(&r.at[i].cpu));
		json_object_object_add(e, "effect", json_object_new_string(effect(&r.at[i].req)));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "attribution", arr);
	if (write_json(dir, root)) {
		fprintf(stderr, "report: %s/report.json: %s\n", dir, strerror(errno));
		json_object_put(root);
		return 1;
	}
	json_object_put(root);
	plot_data(dir, &r);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	f = fopen(path, "w");
	if (f) {
		text_report(f, &r, t, nt, pt, npt);
		fclose(f);
	}
	text_report(stdout, &r, t, nt, pt, npt);
	return 0;
}

static struct json_object *get(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static double summary_median(struct json_object *conf, const char *metric)
{
	struct json_object *m = get(get(conf, "summary", json_type_object), metric, json_type_object);
	struct json_object *v;

	if (!m || !json_object_object_get_ex(m, "median", &v) || !v)
		return NAN;
	return json_object_get_double(v);
}

static int is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

/*
 * One paired summary {n, ratio, lo, hi} into p; 0 when well-formed: n >= 0,
 * ratio a positive number iff n > 0, lo <= ratio <= hi both present iff n >= 2.
 */
static int paired_from_json(struct json_object *o, struct paired *p)
{
	static const char *const k[] = { "ratio", "lo", "hi" };
	struct json_object *n = get(o, "n", json_type_int);
	double *x[] = { &p->ratio, &p->lo, &p->hi };

	if (!n || json_object_get_int(n) < 0)
		return -1;
	p->n = json_object_get_int(n);
	for (int i = 0; i < 3; i++) {
		struct json_object *v;

		*x[i] = NAN;
		if (!json_object_object_get_ex(o, k[i], &v))
			return -1;
		if (!v)
			continue;
		if (!is_number(v) || !(json_object_get_double(v) > 0))
			return -1;
		*x[i] = json_object_get_double(v);
	}
	if ((p->n > 0) != !isnan(p->ratio) || (p->n >= 2) != !isnan(p->lo) ||
	    (p->n >= 2) != !isnan(p->hi))
		return -1;
	return p->n >= 2 && !(p->lo <= p->ratio && p->ratio <= p->hi) ? -1 : 0;
}

/* A configuration's "paired" object: each figure, when present, well-formed. */
static int check_paired(struct json_object *c, const char *name)
{
	struct json_object *pr, *v;
	struct paired p;
	int bad = 0;

	if (!json_object_object_get_ex(c, "paired", &pr))
		return 0;
	if (!pr || !json_object_is_type(pr, json_type_object)) {
		printf("%s: paired is not an object\n", name);
		return 1;
	}
	for (int k = 0; k < PM_N; k++) {
		const char *m = metric_names[paired_metrics[k]];

		if (json_object_object_get_ex(pr, m, &v) &&
		    (!json_object_is_type(v, json_type_object) || paired_from_json(v, &p))) {
			printf("%s: paired.%s is not {n, ratio, lo, hi} with lo <= ratio <= hi\n",
			       name, m);
			bad++;
		}
	}
	return bad;
}

/*
 * paired_targets, when present: each a well-formed interval and a verdict
 * that follows from it (values within 1e-6 of the bound, where report.json's
 * rounding may tip it, pass either way).
 */
static int check_paired_targets(struct json_object *root)
{
	struct json_object *arr;
	struct paired p;
	int bad = 0;

	if (!json_object_object_get_ex(root, "paired_targets", &arr))
		return 0;
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		printf("paired_targets is not an array\n");
		return 1;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *b;
		struct json_object *v = get(e, "verdict", json_type_string);
		struct json_object *al = get(e, "at_least", json_type_boolean);
		int verdict = -1, want;

		if (!json_object_object_get_ex(e, "bound", &b) || !b || !is_number(b))
			b = NULL;
		for (int k = 0; v && k < VERDICT_N; k++)
			if (!strcmp(json_object_get_string(v), verdict_names[k]))
				verdict = k;
		if (!get(e, "target", json_type_string) || verdict < 0 || !b || !al ||
		    paired_from_json(e, &p)) {
			printf("paired_targets[%zu]: not {target, bound, at_least, n, ratio, lo, hi, "
			       "verdict: met|missed|not resolved}\n", i);
			bad++;
			continue;
		}
		want = interval_verdict(&p, json_object_get_double(b), json_object_get_boolean(al));
		if (want != verdict && !(fabs(p.lo - json_object_get_double(b)) < 1e-6 ||
					 fabs(p.hi - json_object_get_double(b)) < 1e-6)) {
			printf("paired_targets[%zu]: verdict %s, but the interval says %s\n", i,
			       verdict_names[verdict], verdict_names[want]);
			bad++;
		}
	}
	return bad;
}

/*
 * The fields added after the first reports (bulk stream, softirq time
 * split, paired ratios): absent is fine, present must be well-formed.
 * Problems printed, their number returned.
 */
static int check_added(struct json_object *c, const char *name)
{
	static const struct { const char *metric; double lo, hi; } sm[] = {
		{ "bulk_mib_s", 0, INFINITY }, { "tsq_irq_share_time", 0, 1 },
	};
	static const char *const stat[] = { "median", "min", "max" };
	static const char *const pcs[] = {
		"sirq_net_rx_time", "sirq_net_tx_time", "sirq_tasklet_time", "sirq_other_time",
	};
	struct json_object *sum = get(c, "summary", json_type_object);
	struct json_object *pc = get(c, "per_cpu", json_type_object);
	struct json_object *nc = get(c, "ncpu", json_type_int), *runs = get(c, "runs", json_type_array);
	struct json_object *v;
	int bad = 0, npc = 0;

	for (size_t i = 0; sum && i < sizeof(sm) / sizeof(sm[0]); i++) {
		if (!json_object_object_get_ex(sum, sm[i].metric, &v))
			continue;
		if (!json_object_is_type(v, json_type_object)) {
			printf("%s: summary.%s is not an object\n", name, sm[i].metric);
			bad++;
			continue;
		}
		for (size_t k = 0; k < sizeof(stat) / sizeof(stat[0]); k++) {
			struct json_object *x;
			double d;

			if (!json_object_object_get_ex(v, stat[k], &x) || !x)
				continue;
			d = json_object_get_double(x);
			if (!is_number(x) || !(d >= sm[i].lo && d <= sm[i].hi)) {
				printf("%s: summary.%s.%s out of range\n", name, sm[i].metric, stat[k]);
				bad++;
			}
		}
	}
	for (size_t i = 0; pc && i < sizeof(pcs) / sizeof(pcs[0]); i++) {
		struct json_object *a = get(pc, pcs[i], json_type_array);

		if (!json_object_object_get_ex(pc, pcs[i], NULL))
			continue;
		npc++;
		if (!a || !nc || (int)json_object_array_length(a) != json_object_get_int(nc)) {
			printf("%s: per_cpu.%s is not one value per CPU\n", name, pcs[i]);
			bad++;
			continue;
		}
		for (size_t k = 0; k < json_object_array_length(a); k++) {
			struct json_object *x = json_object_array_get_idx(a, k);

			if (x && (!is_number(x) || !(json_object_get_double(x) >= 0))) {
				printf("%s: per_cpu.%s[%zu] is not a fraction\n", name, pcs[i], k);
				bad++;
				break;
			}
		}
	}
	if (npc && npc != (int)(sizeof(pcs) / sizeof(pcs[0]))) {
		printf("%s: per_cpu has only some of the sirq_*_time series\n", name);
		bad++;
	}
	if (json_object_object_get_ex(c, "sirq_windows", &v) &&
	    (!v || !json_object_is_type(v, json_type_int) || json_object_get_int(v) < 0 ||
	     (npc > 0) != (json_object_get_int(v) > 0))) {
		printf("%s: sirq_windows does not match the per-CPU split\n", name);
		bad++;
	}
	bad += check_paired(c, name);
	for (size_t i = 0; runs && i < json_object_array_length(runs); i++) {
		struct json_object *st;
		int known = 0;

		if (!json_object_object_get_ex(json_object_array_get_idx(runs, i), "sirqtime", &st))
			continue;
		for (int k = 0; st && json_object_is_type(st, json_type_string) && k < SIRQ_NSTATES; k++)
			known |= !strcmp(json_object_get_string(st), sirq_state_names[k]);
		if (!known) {
			printf("%s: runs[%zu].sirqtime is not one of absent, ok, dropped, invalid\n",
			       name, i);
			bad++;
		}
	}
	return bad;
}

/* stock_bottleneck, when present: its verdict follows from its two rules. */
static int check_bottleneck(struct json_object *root)
{
	struct json_object *b, *rep, *br, *tr;

	if (!json_object_object_get_ex(root, "stock_bottleneck", &b))
		return 0;
	rep = get(b, "reproduced", json_type_boolean);
	br = get(b, "busy_rule", json_type_boolean);
	tr = get(b, "tsq_rule", json_type_boolean);
	if (!rep || !br || !tr || !get(b, "irq_cpu", json_type_int) ||
	    json_object_get_boolean(rep) != (json_object_get_boolean(br) || json_object_get_boolean(tr))) {
		printf("stock_bottleneck: malformed, or reproduced is not busy_rule || tsq_rule\n");
		return 1;
	}
	return 0;
}

/* Exit status 0 when the schema holds and every configuration produced traffic. */
static int cmd_check(const char *path)
{
	static const char *const top[] = { "meta", "configs", "targets" };
	struct json_object *root = json_object_from_file(path), *v, *confs;
	int bad = 0, ok = 0;

	if (!root) {
		printf("not json: %s\n", path);
		return 1;
	}
	v = get(root, "schema", json_type_string);
	if (!v || strcmp(json_object_get_string(v), SCHEMA)) {
		printf("schema is not %s\n", SCHEMA);
		bad++;
	}
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (!json_object_object_get_ex(root, top[i], NULL)) {
			printf("missing %s\n", top[i]);
			bad++;
		}
	if (!get(root, "oversubscribed", json_type_boolean) || !get(root, "stock_valid", json_type_boolean)) {
		printf("missing oversubscribed/stock_valid\n");
		bad++;
	}
	bad += check_bottleneck(root);
	bad += check_paired_targets(root);
	confs = get(root, "configs", json_type_array);
	for (size_t i = 0; confs && i < json_object_array_length(confs); i++) {
		struct json_object *c = json_object_array_get_idx(confs, i);
		struct json_object *n = get(c, "name", json_type_string), *st = get(c, "status", json_type_string);
		const char *name = n ? json_object_get_string(n) : "?";

		if (!n || !st) {
			printf("config %zu: no name or status\n", i);
			bad++;
			continue;
		}
		if (!strcmp(json_object_get_string(st), "skipped")) {
			printf("%s: skipped\n", name);
			continue;
		}
		if (strcmp(json_object_get_string(st), "ok")) {
			printf("%s: %s\n", name, json_object_get_string(st));
			bad++;
			continue;
		}
		if (!get(c, "per_cpu", json_type_object) || !get(c, "runs", json_type_array)) {
			printf("%s: missing per_cpu or runs\n", name);
			bad++;
		}
		bad += check_added(c, name);
		if (!(summary_median(c, "req_s") > 0) || !(summary_median(c, "mib_s") > 0)) {
			printf("%s: no traffic\n", name);
			bad++;
			continue;
		}
		ok++;
	}
	if (!ok) {
		printf("no configuration with traffic\n");
		bad++;
	}
	json_object_put(root);
	return bad ? 1 : 0;
}

static int colw(const char *name)
{
	return strlen(name) > 14 ? (int)strlen(name) : 14;
}

static int cmd_compare(const char *pa, const char *pb)
{
	static const char *const ms[] = { "req_s", "mib_s", "bulk_mib_s", "capacity_req_s",
					  "softirq_max_mean", "softirq_jain", "tsq_irq_share",
					  "tsq_irq_share_time", "p99_ms", "cpu_s_per_mib" };
	struct json_object *a = json_object_from_file(pa), *b = json_object_from_file(pb);
	struct json_object *ca, *cb;
	int rc = 0;

	if (!a || !b) {
		fprintf(stderr, "compare: cannot read %s\n", a ? pb : pa);
		rc = 1;
		goto out;
	}
	ca = get(a, "configs", json_type_array);
	cb = get(b, "configs", json_type_array);
	printf("B/A ratio of medians (A = %s, B = %s)\n%-13s", pa, pb, "config");
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		printf(" %*s", colw(ms[i]), ms[i]);
	putchar('\n');
	for (size_t i = 0; ca && cb && i < json_object_array_length(ca); i++) {
		struct json_object *x = json_object_array_get_idx(ca, i);
		struct json_object *nx = get(x, "name", json_type_string);

		for (size_t j = 0; nx && j < json_object_array_length(cb); j++) {
			struct json_object *y = json_object_array_get_idx(cb, j);
			struct json_object *ny = get(y, "name", json_type_string);

			if (!ny || strcmp(json_object_get_string(nx), json_object_get_string(ny)) ||
			    !get(x, "summary", json_type_object) || !get(y, "summary", json_type_object))
				continue;
			printf("%-13s", json_object_get_string(nx));
			for (size_t k = 0; k < sizeof(ms) / sizeof(ms[0]); k++) {
				double r = summary_median(y, ms[k]) / summary_median(x, ms[k]);

				if (isnan(r) || isinf(r))
					printf(" %*s", colw(ms[k]), "-");
				else
					printf(" %*.3f", colw(ms[k]), r);
			}
			putchar('\n');
		}
	}
	if (get(a, "oversubscribed", json_type_boolean) &&
	    (json_object_get_boolean(get(a, "oversubscribed", json_type_boolean)) ||
	     json_object_get_boolean(get(b, "oversubscribed", json_type_boolean))))
		printf("an input is oversubscribed: throughput ratios are not meaningful\n");
out:
	json_object_put(a);
	json_object_put(b);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "build"))
		return cmd_build(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "compare"))
		return cmd_compare(argv[2], argv[3]);
	fprintf(stderr, "usage: report build DIR | check REPORT.json | compare A.json B.json\n");
	return 2;
}
