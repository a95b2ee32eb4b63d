/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TSQTOP_SAMPLE_H
#define TSQTOP_SAMPLE_H

#include <stdbool.h>

#include "parse.h"

#define STATS_PATH "/sys/kernel/debug/tsqsteal/stats"

/* One reading of the three files, at time t (CLOCK_MONOTONIC seconds). */
struct sample {
	double t;
	struct softirqs si;
	struct cpustat st;
	struct tsqstats tq;
	bool has_tq;
	char tq_note[512];	/* why has_tq is false */
};

/* Two readings a report compares. */
struct report {
	const struct sample *a, *b;
	double secs;
	bool has_tq;		/* both readings have tsqsteal's table */
	const char *note;	/* NULL, or why there are no tsqsteal columns */
};

int sample_read(const char *root, struct sample *s, char *err, size_t errlen);
void sample_free(struct sample *s);
uint64_t delta(uint64_t a, uint64_t b);

#endif
