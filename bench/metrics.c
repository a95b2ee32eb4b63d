// SPDX-License-Identifier: GPL-2.0
/* Window deltas and the statistics the report prints; see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* (sum x)^2 / (n * sum x^2): 1 when all equal, 1/n when one has it all. */
double jain_index(const double *x, int n)
{
	double s = 0, s2 = 0;

	for (int i = 0; i < n; i++) {
		s += x[i];
		s2 += x[i] * x[i];
	}
	return n > 0 && s2 > 0 ? s * s / (n * s2) : NAN;
}

double max_over_mean(const double *x, int n)
{
	double s = 0, m = 0;

	for (int i = 0; i < n; i++) {
		s += x[i];
		if (x[i] > m)
			m = x[i];
	}
	return n > 0 && s > 0 ? m / (s / n) : NAN;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of the non-NaN values (sorted in place); NaN if there are none. */
double median(double *x, int n)
{
	int m = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(x[i]))
			x[m++] = x[i];
	if (m == 0)
		return NAN;
	qsort(x, (size_t)m, sizeof(*x), cmp_double);
	return m % 2 ? x[m / 2] : (x[m / 2 - 1] + x[m / 2]) / 2;
}

double min_of(const double *x, int n)
{
	double m = NAN;

	for (int i = 0; i < n; i++)
		if (!isnan(x[i]) && (isnan(m) || x[i] < m))
			m = x[i];
	return m;
}

double max_of(const double *x, int n)
{
	double m = NAN;

	for (int i = 0; i < n; i++)
		if (!isnan(x[i]) && (isnan(m) || x[i] > m))
			m = x[i];
	return m;
}

static unsigned long long delta(unsigned long long a, unsigned long long b)
{
	return b >= a ? b - a : 0;
}

/*
 * TSQ work per CPU: tsqsteal's drained counter when the module moved any
 * (it then owns the work), otherwise the TASKLET softirq count, which
 * the TSQ tasklet (<= 6.16) or BH work (7.x) dominates under this load.
 */
static void tsq_share(struct window *out, const unsigned char *irq_cpus)
{
	unsigned long long on_irq = 0, all = 0;
	int i, k = TQ_DRAINED;

	for (i = 0; i < out->ncpu; i++)
		all += out->cpu[i].tq[k];
	out->tsq_from_module = all > 0;
	if (!all) {
		for (i = 0; i < out->ncpu; i++)
			all += out->cpu[i].si[SI_TASKLET];
	}
	for (i = 0; i < out->ncpu; i++)
		if (irq_cpus[i])
			on_irq += out->tsq_from_module ? out->cpu[i].tq[k] : out->cpu[i].si[SI_TASKLET];
	out->tsq_total = all;
	out->tsq_irq_share = all ? (double)on_irq / (double)all : NAN;
}

/* The state of a window's split from those of its two snapshots. */
static int sirq_window_state(const struct snapshot *a, const struct snapshot *b)
{
	if (a->sirq_state == SIRQ_ABSENT && b->sirq_state == SIRQ_ABSENT)
		return SIRQ_ABSENT;
	if (a->sirq_state == SIRQ_INVALID || b->sirq_state == SIRQ_INVALID ||
	    a->sirq_state == SIRQ_ABSENT || b->sirq_state == SIRQ_ABSENT)
		return SIRQ_INVALID;
	if (a->sirq_state == SIRQ_DROPPED || b->sirq_state == SIRQ_DROPPED)
		return SIRQ_DROPPED;
	return SIRQ_OK;
}

/*
 * Softirq time per CPU and kind from the hist trigger's cumulative ns, as
 * a fraction of the window's wall time (the snapshots' /proc/uptime), or
 * without it of the CPU's elapsed ticks[] (USER_HZ: 10^7 ns a tick).  The
 * wall time is the right base: a vCPU the host deschedules loses ticks, so
 * tick counts undercount its elapsed time, while the traced intervals
 * cannot add up to more than the wall time.  No
 * split (NaN) unless both snapshots have a clean histogram and no sum went
 * backwards (the trigger was re-created).
 */
static void sirq_split(const struct snapshot *a, const struct snapshot *b,
		       const unsigned long long *ticks, const unsigned char *irq_cpus,
		       struct window *out)
{
	double on_irq = 0, all = 0;
	int i, v, k;

	out->tsq_irq_share_time = NAN;
	for (i = 0; i < out->ncpu; i++)
		for (k = 0; k < SK_N; k++)
			out->cpu[i].sirq[k] = NAN;
	out->sirq_state = sirq_window_state(a, b);
	if (out->sirq_state != SIRQ_OK)
		return;
	for (v = 0; v < SIRQ_NVEC; v++)
		for (i = 0; i < out->ncpu; i++)
			if (b->sirq_ns[v][i] < a->sirq_ns[v][i]) {
				out->sirq_state = SIRQ_INVALID;
				return;
			}
	for (i = 0; i < out->ncpu; i++) {
		double ns[SK_N] = { 0 }, elapsed = (double)ticks[i] * 1e7;

		if (a->uptime >= 0 && b->uptime > a->uptime)
			elapsed = (b->uptime - a->uptime) * 1e9;

		for (v = 0; v < SIRQ_NVEC; v++) {
			double d = (double)(b->sirq_ns[v][i] - a->sirq_ns[v][i]);

			k = v == SIRQ_VEC_NET_RX ? SK_NET_RX : v == SIRQ_VEC_NET_TX ? SK_NET_TX :
			    v == SIRQ_VEC_TASKLET ? SK_TASKLET : SK_OTHER;
			ns[k] += d;
		}
		for (k = 0; k < SK_N; k++)
			out->cpu[i].sirq[k] = ns[k] / elapsed;
		all += ns[SK_TASKLET];
		if (irq_cpus[i])
			on_irq += ns[SK_TASKLET];
	}
	out->tsq_irq_share_time = all > 0 ? on_irq / all : NAN;
}

/* MiB (2^20 B) of bulk downloads per second of the wrk window. */
double bulk_mib_s(double bytes, double seconds)
{
	return seconds > 0 && bytes >= 0 ? bytes / seconds / 1048576.0 : NAN;
}

int window_compute(const struct snapshot *a, const struct snapshot *b,
		   const unsigned char *irq_cpus, const struct wrk_result *w,
		   struct window *out)
{
	double soft[BENCH_MAX_CPUS], cpu_sum = 0, secs = 0;
	unsigned long long ticks[BENCH_MAX_CPUS];
	int n = a->ncpu, i, k;

	memset(out, 0, sizeof(*out));
	if (n <= 0 || n != b->ncpu)
		return -1;
	out->ncpu = n;
	for (i = 0; i < n; i++) {
		struct cpu_window *c = &out->cpu[i];
		unsigned long long d[ST_NFIELDS], tot = 0;

		for (k = 0; k < ST_NFIELDS; k++) {
			d[k] = delta(a->cpu[i].f[k], b->cpu[i].f[k]);
			tot += d[k];
		}
		if (tot == 0)
			return -1;
		ticks[i] = tot;
		c->busy = (double)(tot - d[ST_IDLE] - d[ST_IOWAIT]) / (double)tot;
		c->softirq = (double)d[ST_SOFTIRQ] / (double)tot;
		c->sys_irq_softirq = (double)(d[ST_SYSTEM] + d[ST_IRQ] + d[ST_SOFTIRQ]) / (double)tot;
		soft[i] = c->softirq;
		cpu_sum += c->sys_irq_softirq;
		secs += (double)tot / 100.0;    /* USER_HZ is 100 on every arch */
		if (c->busy > out->busiest)
			out->busiest = c->busy;
		if (i < a->si_ncpu && i < b->si_ncpu)
			for (k = 0; k < SI_NKINDS; k++)
				c->si[k] = delta(a->si[k][i], b->si[k][i]);
		if (i < a->tq_ncpu && i < b->tq_ncpu)
			for (k = 0; k < TQ_NCOLS; k++)
				c->tq[k] = delta(a->tq[k][i], b->tq[k][i]);
	}
	out->seconds = secs / n;
	out->softirq_max_mean = max_over_mean(soft, n);
	out->softirq_jain = jain_index(soft, n);
	tsq_share(out, irq_cpus);
	sirq_split(a, b, ticks, irq_cpus, out);

	out->req_s = w->req_s;
	out->mib_s = w->seconds > 0 ? w->bytes / w->seconds / 1048576.0 : 0;
	out->p50_ms = w->p50_ms;
	out->p99_ms = w->p99_ms;
	out->p999_ms = w->p999_ms;
	out->requests = w->requests;
	out->errors = w->errors;
	out->bulk_mib_s = NAN;          /* set by the caller from bulk.txt */
	/* CPU fractions summed over CPUs = CPU-seconds per second. */
	out->cpu_s_per_mib = out->mib_s > 0 ? cpu_sum / out->mib_s : NAN;
	out->capacity_req_s = out->busiest > 0 ? out->req_s / out->busiest : NAN;
	out->capacity_mib_s = out->busiest > 0 ? out->mib_s / out->busiest : NAN;
	return 0;
}

/* Student's t, 0.975 quantile (two-sided 95 %), df 1..31. */
static const double t975_table[] = {
	12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
	2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
	2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
	2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272, 2.039513,
};

#define T975_MAX_DF ((int)(sizeof(t975_table) / sizeof(t975_table[0])))

/* NaN for df < 1; above the table df 31's value (a little wide). */
double t975(int df)
{
	if (df < 1)
		return NAN;
	return t975_table[(df < T975_MAX_DF ? df : T975_MAX_DF) - 1];
}

/* How many of the n windows belong to block r. */
static int block_windows(const int *rep, int n, int r)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += rep[i] == r;
	return k;
}

/*
 * log(b[i] / a[j]) where a's window j is in the block of b's window i;
 * NaN when that block has no window of a, or more than one window of
 * either side (not a block of bench_main), or a value is not a positive
 * finite number.
 */
static double block_log_ratio(const int *arep, const double *a, int na, const int *brep,
			      const double *b, int nb, int i)
{
	int r = brep[i], j;

	if (r <= 0 || block_windows(brep, nb, r) != 1 || block_windows(arep, na, r) != 1)
		return NAN;
	for (j = 0; arep[j] != r; j++)
		;
	if (!(a[j] > 0) || !(b[i] > 0) || isinf(a[j]) || isinf(b[i]))
		return NAN;
	return log(b[i] / a[j]);
}

void paired_ratio(const int *arep, const double *a, int na, const int *brep,
		  const double *b, int nb, struct paired *p)
{
	double sum = 0, ss = 0, mean, half;

	p->n = 0;
	p->ratio = p->lo = p->hi = NAN;
	for (int i = 0; i < nb; i++) {
		double x = block_log_ratio(arep, a, na, brep, b, nb, i);

		if (!isnan(x)) {
			sum += x;
			p->n++;
		}
	}
	if (!p->n)
		return;
	mean = sum / p->n;
	p->ratio = exp(mean);
	if (p->n < 2)
		return;
	for (int i = 0; i < nb; i++) {
		double x = block_log_ratio(arep, a, na, brep, b, nb, i);

		if (!isnan(x))
			ss += (x - mean) * (x - mean);
	}
	half = t975(p->n - 1) * sqrt(ss / (p->n - 1) / p->n);
	p->lo = exp(mean - half);
	p->hi = exp(mean + half);
}

const char *const verdict_names[VERDICT_N] = { "met", "missed", "not resolved" };

/*
 * A bound the ratio must reach (at_least: ratio >= bound) is met when the
 * whole interval is on its side, missed when the whole interval is on the
 * other, and not resolved otherwise or without an interval.
 */
int interval_verdict(const struct paired *p, double bound, int at_least)
{
	if (p->n < 2 || isnan(p->lo) || isnan(p->hi) || isnan(bound))
		return VERDICT_OPEN;
	if (at_least)
		return p->lo >= bound ? VERDICT_MET : p->hi < bound ? VERDICT_MISSED : VERDICT_OPEN;
	return p->hi <= bound ? VERDICT_MET : p->lo > bound ? VERDICT_MISSED : VERDICT_OPEN;
}
