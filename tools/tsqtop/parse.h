/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TSQTOP_PARSE_H
#define TSQTOP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define MAX_CPUS	4096
#define MAX_KINDS	16
#define MAX_COLS	64
#define NAME_LEN	32

/* /proc/softirqs: how many times each kind ran, per CPU. */
struct softirqs {
	int nkinds, ncols;
	char kind[MAX_KINDS][NAME_LEN];
	int cpu[MAX_CPUS];			/* column -> CPU number */
	uint64_t *count;			/* [kind * ncols + col] */
};

/* /proc/stat cpuN lines, in USER_HZ ticks. */
struct cpustat {
	int ncpus;
	int cpu[MAX_CPUS];
	uint64_t softirq[MAX_CPUS], total[MAX_CPUS];
};

/* tsqsteal's debugfs stats: columns by header name, a row per CPU. */
struct tsqstats {
	int ncols, nrows;
	char col[MAX_COLS][NAME_LEN];		/* without the leading "cpu" */
	int cpu[MAX_CPUS];
	uint64_t *val;				/* [row * ncols + col] */
};

int parse_softirqs(const char *buf, size_t len, struct softirqs *s, char *err, size_t errlen);
int parse_cpustat(const char *buf, size_t len, struct cpustat *s, char *err, size_t errlen);
int parse_tsqstats(const char *buf, size_t len, struct tsqstats *t, char *err, size_t errlen);
void softirqs_free(struct softirqs *s);
void tsqstats_free(struct tsqstats *t);

int tsq_col(const struct tsqstats *t, const char *name);
int tsq_row(const struct tsqstats *t, int cpu);
uint64_t tsq_val(const struct tsqstats *t, int row, int col);

#endif
