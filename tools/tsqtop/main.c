// SPDX-License-Identifier: GPL-2.0
/* tsqtop: softirq load and tsqsteal's counters per CPU, live or exported. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "sample.h"

#ifndef TSQTOP_VERSION
#define TSQTOP_VERSION "unknown"	/* the Makefile passes VERSION's */
#endif
#define MAX_ROOTS 8

static const char usage[] =
"Usage: tsqtop [-i SECS] [-n COUNT | --once] [-j] [--prom FILE] [-q] [--root DIR[:DIR...]]\n"
"Per CPU, every SECS: softirq share of CPU time (/proc/stat), NET_TX, NET_RX\n"
"and TASKLET softirqs per second (/proc/softirqs), and tsqsteal's counters\n"
"per second from /sys/kernel/debug/tsqsteal/stats, when it is loaded.\n"
"\n"
"  -i, --interval SECS  between readings, 0.1 to 3600 (default 1)\n"
"  -n, --count N        print N reports, then exit (default: until interrupted)\n"
"      --once           the same as -n 1\n"
"  -j, --json           one JSON object per report: changes over the interval,\n"
"                       all softirq kinds and all tsqsteal columns\n"
"      --prom FILE      after each reading, write the counters to FILE in the\n"
"                       Prometheus text format (FILE.tmp, then renamed)\n"
"  -q, --quiet          no report on stdout (with --prom)\n"
"      --root DIR       read DIR/proc and DIR/sys (default: TSQTOP_ROOT, else /);\n"
"                       with DIR:DIR..., reading N uses the Nth, the last repeats\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"Exit status: 0 done or interrupted; 1 error.\n";

/* What C allows a signal handler to set (checkpatch's volatile rule is for the kernel). */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	double interval;
	long count;
	bool json, quiet;
	const char *prom;
	char *roots[MAX_ROOTS];
	int nroots;
	char *rootbuf;
};

static int bad(const char *fmt, const char *arg)
{
	fputs("tsqtop: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return -1;
}

/*
 * --name VALUE, --name=VALUE or -x VALUE: 1 if argv[*i] is that option,
 * with *val its value (NULL when it has none).
 */
static int opt(int argc, char **argv, int *i, const char *lng, const char *shrt,
	       const char **val)
{
	size_t n = strlen(lng);
	const char *a = argv[*i];

	*val = NULL;
	if (!strcmp(a, lng) || (shrt && !strcmp(a, shrt))) {
		if (*i + 1 < argc)
			*val = argv[++*i];
		return 1;
	}
	if (!strncmp(a, lng, n) && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	return 0;
}

static int set_roots(struct opts *o, const char *arg)
{
	char *tok, *save;

	free(o->rootbuf);
	o->rootbuf = strdup(arg);
	o->nroots = 0;
	if (!o->rootbuf)
		return bad("out of memory%s", "");
	for (tok = strtok_r(o->rootbuf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (o->nroots == MAX_ROOTS)
			return bad("--root '%s': more than 8 directories", arg);
		/* "/" is the machine itself: an empty prefix. */
		o->roots[o->nroots++] = strcmp(tok, "/") ? tok : "";
	}
	if (!o->nroots)
		return bad("--root '%s': want a directory", arg);
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	const char *env = getenv("TSQTOP_ROOT"), *v;
	char *end;

	memset(o, 0, sizeof(*o));
	o->interval = 1;
	if (set_roots(o, env && *env ? env : "/"))
		return -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("tsqtop %s\n", TSQTOP_VERSION);
			exit(0);
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(a, "--once")) {
			o->count = 1;
		} else if (opt(argc, argv, &i, "--interval", "-i", &v)) {
			if (!v)
				return bad("%s needs a value", a);
			errno = 0;
			o->interval = strtod(v, &end);
			if (errno || end == v || *end || !isfinite(o->interval) ||
			    o->interval < 0.1 || o->interval > 3600)
				return bad("--interval '%s': want seconds from 0.1 to 3600", v);
		} else if (opt(argc, argv, &i, "--count", "-n", &v)) {
			if (!v)
				return bad("%s needs a value", a);
			errno = 0;
			o->count = strtol(v, &end, 10);
			if (errno || end == v || *end || o->count < 1 || o->count > 1000000000)
				return bad("--count '%s': want a number from 1 to 1000000000", v);
		} else if (opt(argc, argv, &i, "--prom", NULL, &v)) {
			if (!v || !*v)
				return bad("%s needs a file name", a);
			o->prom = v;
		} else if (opt(argc, argv, &i, "--root", NULL, &v)) {
			if (!v)
				return bad("%s needs a directory", a);
			if (set_roots(o, v))
				return -1;
		} else {
			return bad("unknown argument '%s' (see tsqtop --help)", a);
		}
	}
	if (o->quiet && !o->prom)
		return bad("--quiet%s without --prom would show nothing", "");
	return 0;
}

static void nap(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs };

	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int emit(const struct opts *o, struct sample *a, struct sample *b)
{
	struct report r = { .a = a, .b = b, .secs = b->t - a->t };

	r.has_tq = a->has_tq && b->has_tq;
	if (!b->has_tq)
		r.note = b->tq_note;
	else if (!a->has_tq)
		r.note = "tsqsteal's stats appeared since the last reading: its columns from the next report";
	if (o->quiet)
		return 0;
	if (o->json)
		report_json(stdout, &r);
	else
		report_text(stdout, &r);
	fflush(stdout);
	return ferror(stdout) ? bad("cannot write to stdout%s", "") : 0;
}

static int run(const struct opts *o)
{
	struct sample s[2];
	char err[1024];
	long n = 0;
	int cur = 0, r = 0;

	if (sample_read(o->roots[0], &s[0], err, sizeof(err)))
		return bad("%s", err);
	if (o->prom && prom_write(o->prom, &s[0], err, sizeof(err))) {
		sample_free(&s[0]);
		return bad("%s", err);
	}
	for (long k = 1; !stop; k++) {
		int nxt = !cur;

		nap(o->interval);
		if (stop)
			break;
		if (sample_read(o->roots[k < o->nroots ? k : o->nroots - 1], &s[nxt], err, sizeof(err))) {
			r = bad("%s", err);
			break;
		}
		r = emit(o, &s[cur], &s[nxt]);
		if (!r && o->prom && prom_write(o->prom, &s[nxt], err, sizeof(err)))
			r = bad("%s", err);
		sample_free(&s[cur]);
		cur = nxt;
		if (r || (o->count && ++n >= o->count))
			break;
	}
	sample_free(&s[cur]);
	return r;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct opts o;
	int r;

	if (parse_args(argc, argv, &o)) {
		free(o.rootbuf);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = run(&o);
	free(o.rootbuf);
	return r ? 1 : 0;
}
