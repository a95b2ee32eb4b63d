// SPDX-License-Identifier: GPL-2.0
/* Buffer parsers for the bench's samples; see parse.h. */
#include "parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tq_col_names[TQ_NCOLS] = {
	"enqueued", "drained", "stolen_from", "stolen_by",
	"rescued_from", "rescued_by", "rescues",
};

const char *const si_kind_names[SI_NKINDS] = { "NET_TX", "NET_RX", "TASKLET" };

/* The next line of *p (without its newline) into line; 0 at the end. */
static int next_line(const char **p, char *line, size_t len)
{
	const char *s = *p, *e;
	size_t n;

	if (!s || !*s)
		return 0;
	e = strchr(s, '\n');
	n = e ? (size_t)(e - s) : strlen(s);
	*p = e ? e + 1 : s + n;
	if (n >= len)
		n = len - 1;
	memcpy(line, s, n);
	line[n] = '\0';
	return 1;
}

/* "cpuN user nice system idle iowait irq softirq steal ..." per CPU. */
int parse_proc_stat(const char *buf, struct cpu_ticks *cpu, int max)
{
	char line[1024];
	int n = 0;

	while (next_line(&buf, line, sizeof(line))) {
		struct cpu_ticks t;
		char *p, *end;
		long id;
		int i;

		if (strncmp(line, "cpu", 3) || !isdigit((unsigned char)line[3]))
			continue;
		id = strtol(line + 3, &p, 10);
		if (id < 0 || id >= max)
			return -1;
		memset(&t, 0, sizeof(t));
		for (i = 0; i < ST_NFIELDS; i++) {
			t.f[i] = strtoull(p, &end, 10);
			if (end == p)
				break;
			p = end;
		}
		if (i < ST_IDLE + 1)
			return -1;
		cpu[id] = t;
		if (id + 1 > n)
			n = (int)id + 1;
	}
	return n;
}

/* Header "CPU0 CPU1 ...", then "NAME: count count ..." rows. */
int parse_softirqs(const char *buf, unsigned long long si[SI_NKINDS][BENCH_MAX_CPUS])
{
	char line[4096];
	int ncpu = 0;

	if (!next_line(&buf, line, sizeof(line)))
		return -1;
	for (const char *p = line; (p = strstr(p, "CPU")); p += 3)
		ncpu++;
	if (ncpu == 0 || ncpu > BENCH_MAX_CPUS)
		return -1;
	while (next_line(&buf, line, sizeof(line))) {
		char *name = line, *p, *end;
		int k, c;

		while (*name == ' ')
			name++;
		p = strchr(name, ':');
		if (!p)
			continue;
		*p++ = '\0';
		for (k = 0; k < SI_NKINDS; k++)
			if (!strcmp(name, si_kind_names[k]))
				break;
		if (k == SI_NKINDS)
			continue;
		for (c = 0; c < ncpu; c++) {
			si[k][c] = strtoull(p, &end, 10);
			if (end == p)
				return -1;
			p = end;
		}
	}
	return ncpu;
}

/* Header "cpu col col ...", then "N v v ..." rows and a "total" row. */
int parse_tsq_stats(const char *buf, unsigned long long tq[TQ_NCOLS][BENCH_MAX_CPUS])
{
	char line[4096];
	int colidx[TQ_NCOLS], ncol = 0, n = 0;

	if (!next_line(&buf, line, sizeof(line)) || strncmp(line, "cpu", 3))
		return -1;
	for (int k = 0; k < TQ_NCOLS; k++)
		colidx[k] = -1;
	for (char *save = NULL, *tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save), ncol++)
		for (int k = 0; k < TQ_NCOLS; k++)
			if (!strcmp(tok, tq_col_names[k]))
				colidx[k] = ncol;
	while (next_line(&buf, line, sizeof(line))) {
		char *save = NULL, *tok = strtok_r(line, " \t", &save), *end;
		long id;
		int col = 0;

		if (!tok || !isdigit((unsigned char)*tok))
			continue;
		id = strtol(tok, &end, 10);
		if (*end || id < 0 || id >= BENCH_MAX_CPUS)
			return -1;
		for (tok = strtok_r(NULL, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			col++;
			for (int k = 0; k < TQ_NCOLS; k++)
				if (colidx[k] == col)
					tq[k][id] = strtoull(tok, NULL, 10);
		}
		if (id + 1 > n)
			n = (int)id + 1;
	}
	return n;
}

/*
 * A snapshot is the three files concatenated, each after a marker line:
 * "==stat", "==softirqs", "==tsq" (empty when the module is not loaded).
 */
static char *section(const char *buf, const char *name)
{
	char mark[32];
	const char *s, *e;
	char *out;

	snprintf(mark, sizeof(mark), "==%s\n", name);
	s = strstr(buf, mark);
	if (!s)
		return NULL;
	s += strlen(mark);
	e = strncmp(s, "==", 2) ? strstr(s, "\n==") : s - 1;
	if (!e)
		e = s + strlen(s);
	else
		e++;
	out = malloc((size_t)(e - s) + 1);
	if (!out)
		return NULL;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return out;
}

int parse_snapshot(const char *buf, struct snapshot *s)
{
	char *st = section(buf, "stat"), *si = section(buf, "softirqs");
	char *tq = section(buf, "tsq");
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!st)
		goto out;
	s->ncpu = parse_proc_stat(st, s->cpu, BENCH_MAX_CPUS);
	if (s->ncpu <= 0)
		goto out;
	if (si && *si) {
		s->si_ncpu = parse_softirqs(si, s->si);
		if (s->si_ncpu < 0)
			goto out;
	}
	if (tq && *tq) {
		s->tq_ncpu = parse_tsq_stats(tq, s->tq);
		if (s->tq_ncpu < 0)
			goto out;
	}
	rc = 0;
out:
	free(st);
	free(si);
	free(tq);
	return rc;
}

/* wrk's durations: "850.00us", "1.20ms", "2.00s", "1.00m", "1.00h". */
double parse_duration_ms(const char *s)
{
	char *u;
	double v = strtod(s, &u);

	if (u == s)
		return -1;
	if (!strncmp(u, "us", 2))
		return v / 1000;
	if (!strncmp(u, "ms", 2))
		return v;
	if (*u == 's')
		return v * 1000;
	if (*u == 'm')
		return v * 60000;
	if (*u == 'h')
		return v * 3600000;
	return -1;
}

/* wrk's sizes are binary: "1.20GB" is 1.2 * 2^30 bytes. */
double parse_size_bytes(const char *s)
{
	static const char units[] = "BKMGT";
	char *u;
	double v = strtod(s, &u);
	const char *k;

	if (u == s)
		return -1;
	k = *u ? strchr(units, *u) : NULL;
	if (!k)
		return -1;
	for (long i = k - units; i > 0; i--)
		v *= 1024;
	return v;
}

/*
 * wrk --latency output, plus the "latency_us pNN VALUE" lines our done()
 * script prints (wrk's own distribution stops at 99 %).
 */
int parse_wrk(const char *buf, struct wrk_result *w)
{
	char line[1024];
	int in_dist = 0, have_summary = 0;

	memset(w, 0, sizeof(*w));
	w->p50_ms = w->p99_ms = w->p999_ms = -1;
	while (next_line(&buf, line, sizeof(line))) {
		char a[64], b[64], c[64];
		unsigned long long n, x[4];
		double pct, us;

		if (strstr(line, "Latency Distribution")) {
			in_dist = 1;
			continue;
		}
		if (in_dist && sscanf(line, " %lf%% %63s", &pct, a) == 2) {
			double ms = parse_duration_ms(a);

			if (pct == 50 && w->p50_ms < 0)
				w->p50_ms = ms;
			else if (pct == 99 && w->p99_ms < 0)
				w->p99_ms = ms;
			continue;
		}
		in_dist = 0;
		if (sscanf(line, "latency_us p%lf %lf", &pct, &us) == 2) {
			/* Exact percentiles from the script win over wrk's rounding. */
			if (pct == 50)
				w->p50_ms = us / 1000;
			else if (pct == 99)
				w->p99_ms = us / 1000;
			else if (pct > 99.85 && pct < 99.95)
				w->p999_ms = us / 1000;
		} else if (sscanf(line, " %llu requests in %63[^,], %63s read", &n, a, b) == 3) {
			w->requests = n;
			w->seconds = parse_duration_ms(a) / 1000;
			w->bytes = parse_size_bytes(b);
			have_summary = 1;
		} else if (sscanf(line, " Socket errors: connect %llu, read %llu, write %llu, timeout %llu",
				  &x[0], &x[1], &x[2], &x[3]) == 4) {
			w->errors += x[0] + x[1] + x[2] + x[3];
		} else if (sscanf(line, " Non-2xx or 3xx responses: %llu", &n) == 1) {
			w->errors += n;
		} else if (sscanf(line, "Requests/sec: %63s", c) == 1) {
			w->req_s = strtod(c, NULL);
		}
	}
	if (!have_summary || w->seconds <= 0 || w->bytes < 0)
		return -1;
	if (w->req_s <= 0)
		w->req_s = (double)w->requests / w->seconds;
	return 0;
}

/* "0-3,6,8-9" into set[cpu] = 1; the number of CPUs set, -1 if malformed. */
int parse_cpulist(const char *s, unsigned char *set, int max)
{
	int count = 0;

	memset(set, 0, (size_t)max);
	while (*s && *s != '\n') {
		char *e;
		long a = strtol(s, &e, 10), b;

		if (e == s || a < 0 || a >= max)
			return -1;
		b = a;
		s = e;
		if (*s == '-') {
			b = strtol(s + 1, &e, 10);
			if (e == s + 1 || b < a || b >= max)
				return -1;
			s = e;
		}
		for (long i = a; i <= b; i++) {
			count += !set[i];
			set[i] = 1;
		}
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return count;
}

/* The value of "KEY=value" in a key=value buffer, copied into out. */
const char *kv_get(const char *buf, const char *key, char *out, size_t len)
{
	char line[4096];
	size_t klen = strlen(key);

	while (next_line(&buf, line, sizeof(line))) {
		if (!strncmp(line, key, klen) && line[klen] == '=') {
			snprintf(out, len, "%s", line + klen + 1);
			return out;
		}
	}
	return NULL;
}
