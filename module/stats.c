// SPDX-License-Identifier: GPL-2.0
/*
 * Counters in /sys/kernel/debug/tsqsteal/stats, and the tracepoints.
 *
 * The file is a table: a header line naming the columns, one line per
 * possible CPU, and a "total" line, all whitespace-separated, so that a
 * person can read it and awk can parse it.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "tsqsteal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static struct dentry *tsq_debugfs;

/* Queue-wait buckets: upper bounds in microseconds, x4 apart. */
static const unsigned int tsq_wait_bound_us[TSQ_WAIT_BUCKETS - 1] = {
	16, 64, 256, 1024, 4096, 16384, 65536,
};

void tsq_stats_wait(struct tsq_queue *q, u64 wait_ns)
{
	u64 us = div_u64(wait_ns, NSEC_PER_USEC);
	unsigned int i;

	for (i = 0; i < TSQ_WAIT_BUCKETS - 1; i++)
		if (us < tsq_wait_bound_us[i])
			break;
	q->stats.wait_hist[i]++;
}

/* The counters, in column order: u64, or local64_t where marked. */
static const struct {
	const char *name;
	size_t off;
	bool local64;
} tsq_cols[] = {
	{ "enqueued",		offsetof(struct tsq_stats, enqueued) },
	{ "drained",		offsetof(struct tsq_stats, drained) },
	{ "deferred",		offsetof(struct tsq_stats, deferred) },
	{ "closed",		offsetof(struct tsq_stats, closed) },
	{ "stolen_from",	offsetof(struct tsq_stats, stolen_from) },
	{ "stolen_by",		offsetof(struct tsq_stats, stolen_by) },
	{ "rescued_from",	offsetof(struct tsq_stats, rescued_from) },
	{ "rescued_by",		offsetof(struct tsq_stats, rescued_by) },
	{ "rescues",		offsetof(struct tsq_stats, rescues) },
	{ "polls",		offsetof(struct tsq_stats, polls) },
	{ "budget_stops",	offsetof(struct tsq_stats, budget_stops) },
	{ "time_stops",		offsetof(struct tsq_stats, time_stops) },
	{ "kicks",		offsetof(struct tsq_stats, kicks) },
	{ "originated",		offsetof(struct tsq_stats, originated) },
	{ "kept_local",		offsetof(struct tsq_stats, kept_local) },
	{ "aside",		offsetof(struct tsq_stats, aside), true },
};

#define TSQ_NCOLS ARRAY_SIZE(tsq_cols)

static u64 tsq_col(struct tsq_stats *s, unsigned int i)
{
	void *p = (char *)s + tsq_cols[i].off;

	if (tsq_cols[i].local64)
		return local64_read((local64_t *)p);
	return READ_ONCE(*(u64 *)p);
}

static void tsq_stats_row(struct seq_file *m, const u64 *cols,
			  unsigned int max_qlen, unsigned int qlen,
			  unsigned int busy_pct, const u64 *hist)
{
	unsigned int i;

	for (i = 0; i < TSQ_NCOLS; i++)
		seq_printf(m, " %llu", cols[i]);
	seq_printf(m, " %u %u %u", max_qlen, qlen, busy_pct);
	for (i = 0; i < TSQ_WAIT_BUCKETS; i++)
		seq_printf(m, " %llu", hist[i]);
	seq_putc(m, '\n');
}

static int tsq_stats_show(struct seq_file *m, void *v)
{
	u64 cols[TSQ_NCOLS], sum[TSQ_NCOLS] = {};
	u64 hist[TSQ_WAIT_BUCKETS], sum_hist[TSQ_WAIT_BUCKETS] = {};
	unsigned int cpu, i, qlen = 0, max_qlen = 0, busy, busy_sum = 0, n = 0;

	seq_puts(m, "cpu");
	for (i = 0; i < TSQ_NCOLS; i++)
		seq_printf(m, " %s", tsq_cols[i].name);
	seq_puts(m, " max_qlen qlen busy_pct");
	for (i = 0; i < TSQ_WAIT_BUCKETS - 1; i++)
		seq_printf(m, " wait_lt_%uus", tsq_wait_bound_us[i]);
	seq_printf(m, " wait_ge_%uus\n", tsq_wait_bound_us[i - 1]);

	for_each_possible_cpu(cpu) {
		struct tsq_queue *q = tsq_queue_of(cpu);
		unsigned int mq = READ_ONCE(q->stats.max_qlen);
		unsigned int len = READ_ONCE(q->len);

		for (i = 0; i < TSQ_NCOLS; i++) {
			cols[i] = tsq_col(&q->stats, i);
			sum[i] += cols[i];
		}
		for (i = 0; i < TSQ_WAIT_BUCKETS; i++) {
			hist[i] = READ_ONCE(q->stats.wait_hist[i]);
			sum_hist[i] += hist[i];
		}
		max_qlen = max(max_qlen, mq);
		qlen += len;
		/* The estimate placement last used, not a fresh reading. */
		busy = READ_ONCE(q->busy) * 100 / TSQ_BUSY_ONE;
		busy_sum += busy;
		n++;
		seq_printf(m, "%u", cpu);
		tsq_stats_row(m, cols, mq, len, busy, hist);
	}
	seq_puts(m, "total");
	tsq_stats_row(m, sum, max_qlen, qlen, n ? busy_sum / n : 0, sum_hist);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tsq_stats);

int tsq_stats_init(void)
{
	tsq_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, tsq_debugfs, NULL, &tsq_stats_fops);
	return 0;
}

void tsq_stats_exit(void)
{
	debugfs_remove_recursive(tsq_debugfs);
}
