// SPDX-License-Identifier: GPL-2.0
/* Buffer parsers for the bench's samples; see parse.h. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tq_col_names[TQ_NCOLS] = {
	"enqueued", "drained", "stolen_from", "stolen_by",
	"rescued_from", "rescued_by", "rescues", "kept_local",
};

const char *const si_kind_names[SI_NKINDS] = { "NET_TX", "NET_RX", "TASKLET" };

const char *const sirq_state_names[SIRQ_NSTATES] = { "absent", "ok", "dropped", "invalid" };

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
 * "NAME: VALUE" at *p (spaces before and after skipped): NAME into name,
 * the decimal VALUE into *v, *p past it.  0 if it is not that.
 */
static int hist_pair(const char **p, char *name, size_t len, unsigned long long *v)
{
	const char *s = *p;
	char *end;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (isalnum((unsigned char)*s) || *s == '_' || *s == '.') {
		if (n + 1 < len)
			name[n++] = *s;
		s++;
	}
	name[n] = '\0';
	if (!n || *s++ != ':')
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno)
		return 0;
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	*p = end;
	return 1;
}

/*
 * One entry of the histogram, "{ common_cpu: C, vec: V } hitcount: H  lat: NS":
 * the keys must be exactly the CPU (common_cpu, or its alias cpu) and the
 * vector; the values must include lat.  0 if the line is anything else.
 */
static int hist_entry(const char *s, long *cpu, long *vec, unsigned long long *lat)
{
	unsigned long long v;
	char name[64];
	int have_lat = 0;

	*cpu = *vec = -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s++ != '{')
		return 0;
	for (;;) {
		if (!hist_pair(&s, name, sizeof(name), &v) || v >= BENCH_MAX_CPUS)
			return 0;
		if ((!strcmp(name, "common_cpu") || !strcmp(name, "cpu")) && *cpu < 0)
			*cpu = (long)v;
		else if (!strcmp(name, "vec") && *vec < 0)
			*vec = (long)v;
		else
			return 0;
		if (*s == '}')
			break;
		if (*s++ != ',')
			return 0;
	}
	s++;
	if (*cpu < 0 || *vec < 0 || *vec >= SIRQ_NVEC)
		return 0;
	while (*s) {
		if (!hist_pair(&s, name, sizeof(name), &v))
			return 0;
		if (!strcmp(name, "lat")) {
			*lat = v;
			have_lat = 1;
		}
	}
	return have_lat;
}

/*
 * The text of a hist trigger file keyed by common_cpu and vec with a lat
 * value (summed ns in that softirq): entries added into ns[vec][cpu],
 * "Totals:" Dropped into *dropped.  Comment and blank lines are skipped.
 * The number of entries, or -1 for anything else: a line that is not an
 * entry, comment or total, other keys, a key seen twice, more than one
 * histogram, or entries without the totals (a cut-off read).
 */
int parse_hist_sirq(const char *buf, unsigned long long ns[SIRQ_NVEC][BENCH_MAX_CPUS],
		    unsigned long long *dropped)
{
	unsigned char seen[SIRQ_NVEC][BENCH_MAX_CPUS];
	char line[1024];
	int n = 0, totals = 0, have_dropped = 0;

	memset(seen, 0, sizeof(seen));
	*dropped = 0;
	while (next_line(&buf, line, sizeof(line))) {
		const char *p = line;
		unsigned long long v;
		char name[64];
		long cpu, vec;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			continue;
		if (*p == '{') {
			if (totals || !hist_entry(p, &cpu, &vec, &v) || seen[vec][cpu])
				return -1;
			seen[vec][cpu] = 1;
			ns[vec][cpu] += v;
			n++;
			continue;
		}
		if (!strncmp(p, "Totals:", 7)) {
			if (totals++)
				return -1;
			continue;
		}
		if (!totals || !hist_pair(&p, name, sizeof(name), &v) || *p)
			return -1;
		if (!strcmp(name, "Dropped")) {
			*dropped = v;
			have_dropped = 1;
		}
	}
	if (n && !have_dropped)
		return -1;
	return n;
}

/*
 * A snapshot is the files concatenated, each after a marker line:
 * "==stat", "==softirqs", "==tsq" (empty when the module is not loaded),
 * "==sirqtime" (the softirq-time hist trigger; absent or empty without
 * tracing), "==end".
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
	char *tq = section(buf, "tsq"), *st_hist = section(buf, "sirqtime");
	char *up = section(buf, "uptime"), *end;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->uptime = -1;
	if (up) {
		double v;

		errno = 0;
		v = strtod(up, &end);
		if (!errno && end != up && v >= 0 && (*end == ' ' || *end == '\n' || !*end))
			s->uptime = v;
	}
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
	/* Optional: garbage here spoils the softirq split, not the window. */
	if (st_hist && st_hist[strspn(st_hist, " \t\r\n")]) {
		if (parse_hist_sirq(st_hist, s->sirq_ns, &s->sirq_dropped) < 0) {
			memset(s->sirq_ns, 0, sizeof(s->sirq_ns));
			s->sirq_state = SIRQ_INVALID;
		} else {
			s->sirq_state = s->sirq_dropped ? SIRQ_DROPPED : SIRQ_OK;
		}
	}
	rc = 0;
out:
	free(st);
	free(si);
	free(tq);
	free(st_hist);
	free(up);
	return rc;
}

/*
 * bulk.txt: one "BYTES SECONDS" line per completed download (curl's
 * size_download and time_total); blank and '#' lines skipped.  The bytes
 * summed into *bytes and the downloads counted into *count; -1 if a line
 * is anything else.
 */
int parse_bulk(const char *buf, double *bytes, int *count)
{
	char line[1024];

	*bytes = 0;
	*count = 0;
	while (next_line(&buf, line, sizeof(line))) {
		char *p = line, *e;
		double b, t;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		b = strtod(p, &e);
		if (e == p || !isspace((unsigned char)*e))
			return -1;
		p = e;
		t = strtod(p, &e);
		if (e == p)
			return -1;
		while (isspace((unsigned char)*e))
			e++;
		if (*e || !isfinite(b) || !isfinite(t) || b < 0 || t < 0)
			return -1;
		*bytes += b;
		(*count)++;
	}
	return 0;
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
