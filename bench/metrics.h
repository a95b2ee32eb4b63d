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

#endif
