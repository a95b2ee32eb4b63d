// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers of /proc/softirqs, /proc/stat and tsqsteal's stats table.  They
 * take a buffer, not a path, so the tests feed them fixtures.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A line iterator over a buffer that need not end in a newline. */
struct lines {
	const char *p, *end;
	char line[65536];
	int no;
};

static int next_line(struct lines *l)
{
	const char *nl;
	size_t n;

	if (l->p >= l->end)
		return 0;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	n = (size_t)((nl ? nl : l->end) - l->p);
	if (n >= sizeof(l->line))
		n = sizeof(l->line) - 1;
	memcpy(l->line, l->p, n);
	l->line[n] = '\0';
	l->p = nl ? nl + 1 : l->end;
	l->no++;
	return 1;
}

static int parse_u64(const char *tok, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)*tok))
		return -1;
	errno = 0;
	*v = strtoull(tok, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_cpu(const char *tok, int *cpu)
{
	uint64_t v;

	if (parse_u64(tok, &v) || v >= MAX_CPUS)
		return -1;
	*cpu = (int)v;
	return 0;
}

/* Names become JSON keys and Prometheus label values: keep them plain. */
static int plain_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= NAME_LEN)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

int parse_softirqs(const char *buf, size_t len, struct softirqs *s, char *err, size_t errlen)
{
	struct lines l = { .p = buf, .end = buf + len };
	char *tok, *save;

	memset(s, 0, sizeof(*s));
	if (!next_line(&l))
		return errf(err, errlen, "softirqs: empty");
	for (tok = strtok_r(l.line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (strncmp(tok, "CPU", 3) != 0 || parse_cpu(tok + 3, &s->cpu[s->ncols]))
			return errf(err, errlen, "softirqs: line 1: '%.20s' is not CPUn", tok);
		if (++s->ncols >= MAX_CPUS)
			return errf(err, errlen, "softirqs: more than %d CPUs", MAX_CPUS);
	}
	if (!s->ncols)
		return errf(err, errlen, "softirqs: line 1 names no CPU");
	s->count = calloc((size_t)MAX_KINDS * s->ncols, sizeof(*s->count));
	if (!s->count)
		return errf(err, errlen, "out of memory");
	while (next_line(&l)) {
		char *colon = strchr(l.line, ':'), *name = l.line;
		int c = 0;

		if (!colon) {
			if (strspn(l.line, " \t") == strlen(l.line))
				continue;
			goto bad;
		}
		*colon = '\0';
		name += strspn(name, " \t");
		if (!plain_name(name))
			goto bad;
		if (s->nkinds == MAX_KINDS) {
			softirqs_free(s);
			return errf(err, errlen, "softirqs: more than %d kinds", MAX_KINDS);
		}
		snprintf(s->kind[s->nkinds], NAME_LEN, "%s", name);
		for (tok = strtok_r(colon + 1, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (c == s->ncols ||
			    parse_u64(tok, &s->count[(size_t)s->nkinds * s->ncols + c]))
				goto bad;
			c++;
		}
		if (c != s->ncols)
			goto bad;
		s->nkinds++;
	}
	return 0;
bad:
	softirqs_free(s);
	return errf(err, errlen, "softirqs: line %d: not NAME: and one count per CPU", l.no);
}

void softirqs_free(struct softirqs *s)
{
	free(s->count);
	s->count = NULL;
}

int parse_cpustat(const char *buf, size_t len, struct cpustat *s, char *err, size_t errlen)
{
	struct lines l = { .p = buf, .end = buf + len };

	memset(s, 0, sizeof(*s));
	while (next_line(&l)) {
		char *tok, *save;
		uint64_t v[8] = { 0 };
		int n = 0, cpu;

		tok = strtok_r(l.line, " \t", &save);
		if (!tok || strncmp(tok, "cpu", 3) != 0 || !tok[3])
			continue;	/* the "cpu" total and the other lines */
		if (parse_cpu(tok + 3, &cpu))
			return errf(err, errlen, "stat: line %d: '%.20s' is not cpuN", l.no, tok);
		/* user nice system idle iowait irq softirq steal; guest is in user. */
		while ((tok = strtok_r(NULL, " \t", &save)) && n < 8)
			if (parse_u64(tok, &v[n++]))
				return errf(err, errlen, "stat: line %d: '%.20s' is not a number",
					    l.no, tok);
		if (n < 7)
			return errf(err, errlen, "stat: line %d: %d fields, want at least 7", l.no, n);
		if (s->ncpus == MAX_CPUS)
			return errf(err, errlen, "stat: more than %d CPUs", MAX_CPUS);
		s->cpu[s->ncpus] = cpu;
		s->softirq[s->ncpus] = v[6];
		for (int i = 0; i < n; i++)
			s->total[s->ncpus] += v[i];
		s->ncpus++;
	}
	if (!s->ncpus)
		return errf(err, errlen, "stat: no cpuN line");
	return 0;
}

int parse_tsqstats(const char *buf, size_t len, struct tsqstats *t, char *err, size_t errlen)
{
	struct lines l = { .p = buf, .end = buf + len };
	char *tok, *save;
	size_t cap = 64;

	memset(t, 0, sizeof(*t));
	tok = next_line(&l) ? strtok_r(l.line, " \t", &save) : NULL;
	if (!tok || strcmp(tok, "cpu") != 0)
		return errf(err, errlen, "stats: line 1 is not a header starting with 'cpu'");
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (t->ncols == MAX_COLS)
			return errf(err, errlen, "stats: more than %d columns", MAX_COLS);
		if (!plain_name(tok))
			return errf(err, errlen, "stats: header: bad column name '%.20s'", tok);
		snprintf(t->col[t->ncols++], NAME_LEN, "%s", tok);
	}
	t->val = malloc(cap * t->ncols * sizeof(*t->val));
	if (!t->val)
		return errf(err, errlen, "out of memory");
	while (next_line(&l)) {
		int c = 0;

		tok = strtok_r(l.line, " \t", &save);
		if (!tok)
			continue;
		if (strcmp(tok, "total") == 0)
			continue;
		if (t->nrows == MAX_CPUS || parse_cpu(tok, &t->cpu[t->nrows]))
			goto bad;
		if ((size_t)t->nrows == cap) {
			uint64_t *n = realloc(t->val, cap * 2 * t->ncols * sizeof(*n));

			if (!n) {
				tsqstats_free(t);
				return errf(err, errlen, "out of memory");
			}
			t->val = n;
			cap *= 2;
		}
		while ((tok = strtok_r(NULL, " \t", &save))) {
			if (c == t->ncols ||
			    parse_u64(tok, &t->val[(size_t)t->nrows * t->ncols + c]))
				goto bad;
			c++;
		}
		if (c != t->ncols)
			goto bad;
		t->nrows++;
	}
	return 0;
bad:
	tsqstats_free(t);
	return errf(err, errlen, "stats: line %d: not a CPU and one number per column", l.no);
}

void tsqstats_free(struct tsqstats *t)
{
	free(t->val);
	t->val = NULL;
}

int tsq_col(const struct tsqstats *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->col[i], name) == 0)
			return i;
	return -1;
}

int tsq_row(const struct tsqstats *t, int cpu)
{
	for (int i = 0; i < t->nrows; i++)
		if (t->cpu[i] == cpu)
			return i;
	return -1;
}

uint64_t tsq_val(const struct tsqstats *t, int row, int col)
{
	return t->val[(size_t)row * t->ncols + col];
}
