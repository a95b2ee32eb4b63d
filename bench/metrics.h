/* SPDX-License-Identifier: GPL-2.0 */
/* What one measurement window yields, and the statistics across windows. */
#ifndef BENCH_METRICS_H
#define BENCH_METRICS_H

#include "parse.h"

/* Per-CPU figures of one window (fractions of that CPU's elapsed ticks). */
struct cpu_window {
	double busy, softirq, sys_irq_softirq;
	unsigned long long si[SI_NKINDS];
	unsigned long long tq[TQ_NCOLS];
	double sirq[SK_N];              /* traced softirq time by kind; NaN if no split */
};

struct window {
	int ncpu;
	struct cpu_window cpu[BENCH_MAX_CPUS];
	double seconds;                 /* elapsed by /proc/stat */
	double softirq_max_mean;        /* max / mean of per-CPU softirq fraction */
	double softirq_jain;            /* Jain's index of the same */
	double busiest;                 /* highest per-CPU busy fraction */
	double tsq_irq_share;           /* TSQ work on IRQ CPUs / all TSQ work */
	int tsq_from_module;            /* share from tsqsteal drained, not TASKLET */
	unsigned long long tsq_total;
	int sirq_state;                 /* SIRQ_*: whether cpu[].sirq holds a split */
	double tsq_irq_share_time;      /* TASKLET time on IRQ CPUs / all TASKLET time */
	/* from wrk */
	double req_s, mib_s, p50_ms, p99_ms, p999_ms;
	unsigned long long requests, errors;
	double bulk_mib_s;              /* bulk.txt bytes / wrk seconds; NaN without */
	/* derived */
	double cpu_s_per_mib;           /* (sys + irq + softirq) CPU-seconds per MiB */
	double capacity_req_s, capacity_mib_s;
};

int window_compute(const struct snapshot *a, const struct snapshot *b,
		   const unsigned char *irq_cpus, const struct wrk_result *w,
		   struct window *out);
double bulk_mib_s(double bytes, double seconds);
double jain_index(const double *x, int n);
double max_over_mean(const double *x, int n);
double median(double *x, int n);
double min_of(const double *x, int n);
double max_of(const double *x, int n);

/*
 * Paired comparison by block (a repeat of bench_main runs every
 * configuration once): the geometric mean of b/a over the blocks where
 * both have a window, with a 95 % two-sided Student-t interval on the log
 * ratios.  n = 0: ratio NaN; n = 1: ratio, no interval (lo, hi NaN).
 */
struct paired {
	int n;
	double ratio, lo, hi;
};

/* How an interval stands against a bound. */
enum { VERDICT_MET, VERDICT_MISSED, VERDICT_OPEN, VERDICT_N };
extern const char *const verdict_names[VERDICT_N];

double t975(int df);
void paired_ratio(const int *arep, const double *a, int na, const int *brep,
		  const double *b, int nb, struct paired *p);
int interval_verdict(const struct paired *p, double bound, int at_least);

#endif
