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

#define TSQ_COLS(X)						\
	X(enqueued) X(drained) X(deferred) X(closed)		\
	X(stolen_from) X(stolen_by) X(rescued_from) X(rescued_by) \
	X(rescues) X(polls) X(budget_stops) X(time_stops) X(kicks)

static int tsq_stats_show(struct seq_file *m, void *v)
{
	struct tsq_stats sum = {};
	unsigned int cpu, i, qlen = 0;

	seq_puts(m, "cpu");
#define X(f) seq_puts(m, " " #f);
	TSQ_COLS(X)
#undef X
	seq_puts(m, " max_qlen qlen");
	for (i = 0; i < TSQ_WAIT_BUCKETS - 1; i++)
		seq_printf(m, " wait_lt_%uus", tsq_wait_bound_us[i]);
	seq_printf(m, " wait_ge_%uus\n", tsq_wait_bound_us[i - 1]);

	for_each_possible_cpu(cpu) {
		struct tsq_queue *q = tsq_queue_of(cpu);
		struct tsq_stats *s = &q->stats;
		unsigned int len = READ_ONCE(q->len);

		seq_printf(m, "%u", cpu);
#define X(f) seq_printf(m, " %llu", (unsigned long long)READ_ONCE(s->f)); \
		sum.f += READ_ONCE(s->f);
		TSQ_COLS(X)
#undef X
		seq_printf(m, " %u %u", READ_ONCE(s->max_qlen), len);
		sum.max_qlen = max(sum.max_qlen, READ_ONCE(s->max_qlen));
		qlen += len;
		for (i = 0; i < TSQ_WAIT_BUCKETS; i++) {
			seq_printf(m, " %llu", READ_ONCE(s->wait_hist[i]));
			sum.wait_hist[i] += READ_ONCE(s->wait_hist[i]);
		}
		seq_putc(m, '\n');
	}

	seq_puts(m, "total");
#define X(f) seq_printf(m, " %llu", (unsigned long long)sum.f);
	TSQ_COLS(X)
#undef X
	seq_printf(m, " %u %u", sum.max_qlen, qlen);
	for (i = 0; i < TSQ_WAIT_BUCKETS; i++)
		seq_printf(m, " %llu", sum.wait_hist[i]);
	seq_putc(m, '\n');
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
