// SPDX-License-Identifier: GPL-2.0
/* Reports: text for people, JSON lines for scripts, a Prometheus textfile. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The kinds the text report shows; JSON has them all. */
static const char *const text_kinds[] = { "NET_TX", "NET_RX", "TASKLET" };
/* tsqsteal's columns the text report shows, as rates; then qlen, max_qlen. */
static const char *const text_cols[] = {
	"enqueued", "drained", "stolen_from", "stolen_by", "rescued_from", "rescued_by",
};

/* Columns that are levels, not counters; wait_* are a histogram. */
static int is_gauge(const char *col)
{
	return !strcmp(col, "max_qlen") || !strcmp(col, "qlen") || !strcmp(col, "busy_pct");
}

static int is_wait(const char *col)
{
	return !strncmp(col, "wait_", 5);
}

static int kind_idx(const struct softirqs *s, const char *kind)
{
	for (int i = 0; i < s->nkinds; i++)
		if (!strcmp(s->kind[i], kind))
			return i;
	return -1;
}

static int col_idx(const struct softirqs *s, int cpu)
{
	for (int i = 0; i < s->ncols; i++)
		if (s->cpu[i] == cpu)
			return i;
	return -1;
}

static uint64_t si_count(const struct softirqs *s, int kind, int col)
{
	return s->count[(size_t)kind * s->ncols + col];
}

/* Softirq share of CPU time between the two readings, or -1. */
static double sirq_pct(const struct report *r, int i)
{
	const struct cpustat *a = &r->a->st, *b = &r->b->st;
	uint64_t dt;

	for (int j = 0; j < a->ncpus; j++) {
		if (a->cpu[j] != b->cpu[i])
			continue;
		dt = delta(a->total[j], b->total[i]);
		return dt ? 100.0 * (double)delta(a->softirq[j], b->softirq[i]) / (double)dt : 0;
	}
	return -1;
}

/* How many times KIND ran on CPU between the readings. */
static int si_delta(const struct report *r, const char *kind, int cpu, uint64_t *d)
{
	const struct softirqs *a = &r->a->si, *b = &r->b->si;
	int ka = kind_idx(a, kind), kb = kind_idx(b, kind);
	int ca = col_idx(a, cpu), cb = col_idx(b, cpu);

	if (ka < 0 || kb < 0 || ca < 0 || cb < 0)
		return -1;
	*d = delta(si_count(a, ka, ca), si_count(b, kb, cb));
	return 0;
}

/* A tsqsteal column on CPU: the change for counters, the level for gauges. */
static int tq_value(const struct report *r, const char *col, int cpu, uint64_t *v)
{
	const struct tsqstats *a = &r->a->tq, *b = &r->b->tq;
	int ca = tsq_col(a, col), cb = tsq_col(b, col);
	int ra = tsq_row(a, cpu), rb = tsq_row(b, cpu);

	if (!r->has_tq || cb < 0 || rb < 0)
		return -1;
	if (is_gauge(col)) {
		*v = tsq_val(b, rb, cb);
		return 0;
	}
	if (ca < 0 || ra < 0)
		return -1;
	*v = delta(tsq_val(a, ra, ca), tsq_val(b, rb, cb));
	return 0;
}

/* The longest wait bucket with polls between the readings, or NULL. */
static const char *max_wait(const struct report *r, int cpu)
{
	const struct tsqstats *b = &r->b->tq;
	const char *best = NULL;
	uint64_t v;

	for (int c = 0; c < b->ncols; c++)
		if (is_wait(b->col[c]) && tq_value(r, b->col[c], cpu, &v) == 0 && v)
			best = b->col[c];
	return best;
}

static double rate(uint64_t d, double secs)
{
	return secs > 0 ? (double)d / secs : 0;
}

void report_text(FILE *f, const struct report *r)
{
	const struct cpustat *st = &r->b->st;
	uint64_t d;

	fprintf(f, "tsqtop: %.2f s; softirq kinds and tsqsteal counters per second\n", r->secs);
	if (r->note)
		fprintf(f, "note: %s\n", r->note);
	fprintf(f, "%4s %6s", "CPU", "sirq%");
	for (size_t k = 0; k < ARRAY_SIZE(text_kinds); k++)
		fprintf(f, " %9s", text_kinds[k]);
	if (r->has_tq) {
		for (size_t k = 0; k < ARRAY_SIZE(text_cols); k++)
			fprintf(f, " %12s", text_cols[k]);
		fprintf(f, " %5s %8s %10s", "qlen", "max_qlen", "max_wait");
	}
	fputc('\n', f);
	for (int i = 0; i < st->ncpus; i++) {
		int cpu = st->cpu[i];
		double pct = sirq_pct(r, i);

		fprintf(f, "%4d", cpu);
		if (pct < 0)
			fprintf(f, " %6s", "-");
		else
			fprintf(f, " %6.1f", pct);
		for (size_t k = 0; k < ARRAY_SIZE(text_kinds); k++)
			if (si_delta(r, text_kinds[k], cpu, &d))
				fprintf(f, " %9s", "-");
			else
				fprintf(f, " %9.0f", rate(d, r->secs));
		if (r->has_tq) {
			const char *w = max_wait(r, cpu);

			for (size_t k = 0; k < ARRAY_SIZE(text_cols); k++)
				if (tq_value(r, text_cols[k], cpu, &d))
					fprintf(f, " %12s", "-");
				else
					fprintf(f, " %12.0f", rate(d, r->secs));
			if (tq_value(r, "qlen", cpu, &d))
				fprintf(f, " %5s", "-");
			else
				fprintf(f, " %5" PRIu64, d);
			if (tq_value(r, "max_qlen", cpu, &d))
				fprintf(f, " %8s", "-");
			else
				fprintf(f, " %8" PRIu64, d);
			fprintf(f, " %10s", w ? w + 5 : "-");
		}
		fputc('\n', f);
	}
}

/* One JSON object per report, on one line. */
void report_json(FILE *f, const struct report *r)
{
	const struct cpustat *st = &r->b->st;
	const struct softirqs *si = &r->b->si;
	const struct tsqstats *tq = &r->b->tq;
	uint64_t d;

	fprintf(f, "{\"interval_s\":%.3f,\"tsqsteal\":%s,\"note\":", r->secs,
		r->has_tq ? "true" : "false");
	if (r->note) {
		fputc('"', f);
		for (const char *p = r->note; *p; p++)
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if ((unsigned char)*p >= 0x20)
				fputc(*p, f);
		fputc('"', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"cpus\":[", f);
	for (int i = 0; i < st->ncpus; i++) {
		int cpu = st->cpu[i], n = 0;
		double pct = sirq_pct(r, i);

		fprintf(f, "%s{\"cpu\":%d,\"softirq_pct\":", i ? "," : "", cpu);
		if (pct < 0)
			fputs("null", f);
		else
			fprintf(f, "%.2f", pct);
		fputs(",\"softirqs\":{", f);
		for (int k = 0; k < si->nkinds; k++)
			if (si_delta(r, si->kind[k], cpu, &d) == 0)
				fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "", si->kind[k], d);
		fputc('}', f);
		if (r->has_tq && tsq_row(tq, cpu) >= 0) {
			const char *w;

			n = 0;
			fputs(",\"tsqsteal\":{", f);
			for (int c = 0; c < tq->ncols; c++)
				if (tq_value(r, tq->col[c], cpu, &d) == 0)
					fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "", tq->col[c], d);
			w = max_wait(r, cpu);
			fprintf(f, "%s\"max_wait\":", n ? "," : "");
			if (w)
				fprintf(f, "\"%s\"", w);
			else
				fputs("null", f);
			fputc('}', f);
		}
		fputc('}', f);
	}
	fputs("]}\n", f);
}

static const struct {
	const char *col, *help;
} helps[] = {
	{ "enqueued", "Sockets placed on this CPU's queue." },
	{ "drained", "Deferred transmits run on this CPU." },
	{ "deferred", "Queued sockets owned by user, left to release_sock()." },
	{ "closed", "Sockets closed while queued." },
	{ "stolen_from", "Sockets other CPUs stole from this CPU's queue." },
	{ "stolen_by", "Sockets this CPU stole from other queues." },
	{ "rescued_from", "Sockets other CPUs took from this starving queue." },
	{ "rescued_by", "Sockets this CPU took from starving queues." },
	{ "rescues", "Times this queue's timer found it starving." },
	{ "polls", "Polls of this CPU's queue." },
	{ "budget_stops", "Polls ended by the budget." },
	{ "time_stops", "Polls ended by drain_us." },
	{ "kicks", "IPIs received to schedule this CPU's poll." },
	{ "originated", "TSQ events this CPU's skb frees released." },
	{ "kept_local", "Of those, left on this CPU by policy spread." },
	{ "aside", "tcp_wfree() calls left to the kernel's own TSQ (the step-aside)." },
	{ "max_qlen", "Longest queue seen on this CPU." },
	{ "qlen", "Current length of this CPU's queue." },
	{ "busy_pct", "This CPU's busy share as placement last saw it." },
};

static void prom_head(FILE *f, const char *name, const char *col, const char *type)
{
	const char *help = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(helps); i++)
		if (!strcmp(helps[i].col, col))
			help = helps[i].help;
	if (help)
		fprintf(f, "# HELP %s %s\n", name, help);
	else
		fprintf(f, "# HELP %s tsqsteal stats column %s.\n", name, col);
	fprintf(f, "# TYPE %s %s\n", name, type);
}

static void prom_body(FILE *f, const struct sample *s)
{
	const struct softirqs *si = &s->si;
	const struct tsqstats *tq = &s->tq;
	long hz = sysconf(_SC_CLK_TCK);
	char name[128];
	int c, r;

	fputs("# HELP tsqsteal_up Whether tsqsteal's debugfs stats were read (1) or not (0).\n"
	      "# TYPE tsqsteal_up gauge\n", f);
	fprintf(f, "tsqsteal_up %d\n", s->has_tq ? 1 : 0);
	for (c = 0; s->has_tq && c < tq->ncols; c++) {
		if (is_wait(tq->col[c]))
			continue;
		if (is_gauge(tq->col[c])) {
			snprintf(name, sizeof(name), "tsqsteal_%s", tq->col[c]);
			prom_head(f, name, tq->col[c], "gauge");
		} else {
			snprintf(name, sizeof(name), "tsqsteal_%s_total", tq->col[c]);
			prom_head(f, name, tq->col[c], "counter");
		}
		for (r = 0; r < tq->nrows; r++)
			fprintf(f, "%s{cpu=\"%d\"} %" PRIu64 "\n", name, tq->cpu[r], tsq_val(tq, r, c));
	}
	if (s->has_tq && tq->nrows) {
		int first = 1;

		for (c = 0; c < tq->ncols; c++) {
			if (!is_wait(tq->col[c]))
				continue;
			if (first)
				fputs("# HELP tsqsteal_wait_total Polls by how long the oldest queued socket had waited (bucket).\n"
				      "# TYPE tsqsteal_wait_total counter\n", f);
			first = 0;
			for (r = 0; r < tq->nrows; r++)
				fprintf(f, "tsqsteal_wait_total{cpu=\"%d\",bucket=\"%s\"} %" PRIu64 "\n",
					tq->cpu[r], tq->col[c] + 5, tsq_val(tq, r, c));
		}
	}
	fputs("# HELP tsqtop_softirqs_total Softirqs run, by kind, from /proc/softirqs.\n"
	      "# TYPE tsqtop_softirqs_total counter\n", f);
	for (int k = 0; k < si->nkinds; k++)
		for (c = 0; c < si->ncols; c++)
			fprintf(f, "tsqtop_softirqs_total{cpu=\"%d\",type=\"%s\"} %" PRIu64 "\n",
				si->cpu[c], si->kind[k], si_count(si, k, c));
	fputs("# HELP tsqtop_cpu_softirq_seconds_total CPU time in softirq, from /proc/stat.\n"
	      "# TYPE tsqtop_cpu_softirq_seconds_total counter\n", f);
	for (int i = 0; i < s->st.ncpus; i++)
		fprintf(f, "tsqtop_cpu_softirq_seconds_total{cpu=\"%d\"} %.2f\n", s->st.cpu[i],
			(double)s->st.softirq[i] / (double)(hz > 0 ? hz : 100));
}

/* PATH.tmp, then rename: the collector never reads half a file. */
int prom_write(const char *path, const struct sample *s, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "--prom %s: path too long", path);
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "--prom %s: cannot write %s: %s", path, tmp, strerror(errno));
		return -1;
	}
	prom_body(f, s);
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		snprintf(err, errlen, "--prom %s: cannot write %s: %s", path, tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) || rename(tmp, path)) {
		snprintf(err, errlen, "--prom %s: cannot rename %s to it: %s", path, tmp,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
