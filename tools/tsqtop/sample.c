// SPDX-License-Identifier: GPL-2.0
/* Reading /proc/softirqs, /proc/stat and tsqsteal's stats under a root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sample.h"

#define MAX_FILE	(16 << 20)

static int slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t cap = 65536;

	*len = 0;
	*buf = NULL;
	if (!f)
		return -1;
	*buf = malloc(cap);
	while (*buf) {
		size_t r = fread(*buf + *len, 1, cap - *len, f);

		*len += r;
		if (r == 0)
			break;
		if (*len == cap) {
			char *n = cap < MAX_FILE ? realloc(*buf, cap * 2) : NULL;

			if (!n) {
				free(*buf);
				*buf = NULL;
				errno = EFBIG;
				break;
			}
			*buf = n;
			cap *= 2;
		}
	}
	if (*buf && ferror(f)) {
		free(*buf);
		*buf = NULL;
		errno = EIO;
	}
	fclose(f);
	return *buf ? 0 : -1;
}

/* read_root: ROOT/REL into a buffer; 0, or the errno (err says it). */
static int read_root(const char *root, const char *rel, char **buf, size_t *len,
		     char *err, size_t errlen)
{
	char path[4096];
	int e;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (slurp(path, buf, len) == 0)
		return 0;
	e = errno ? errno : EIO;
	snprintf(err, errlen, "%s%s: cannot read: %s", root, rel, strerror(e));
	return e;
}

/* The module's absence is normal: say why there are no tsqsteal columns. */
static void tq_missing(const char *root, int e, struct sample *s)
{
	char mod[4096];
	struct stat st;

	snprintf(mod, sizeof(mod), "%s/sys/module/tsqsteal", root);
	if (e == ENOENT && stat(mod, &st))
		snprintf(s->tq_note, sizeof(s->tq_note),
			 "tsqsteal is not loaded (no /sys/module/tsqsteal): softirq columns only");
	else if (e == ENOENT)
		snprintf(s->tq_note, sizeof(s->tq_note),
			 "tsqsteal is loaded but " STATS_PATH " is missing: is debugfs mounted?");
	else
		snprintf(s->tq_note, sizeof(s->tq_note),
			 "cannot read " STATS_PATH ": %s%s", strerror(e),
			 e == EACCES || e == EPERM ? " (debugfs is root's)" : "");
}

int sample_read(const char *root, struct sample *s, char *err, size_t errlen)
{
	struct timespec ts;
	char perr[256];
	size_t len;
	char *buf;
	int r, e;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->t = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	if (read_root(root, "/proc/softirqs", &buf, &len, err, errlen))
		return -1;
	r = parse_softirqs(buf, len, &s->si, perr, sizeof(perr));
	free(buf);
	if (r)
		goto bad;
	if (read_root(root, "/proc/stat", &buf, &len, err, errlen)) {
		softirqs_free(&s->si);
		return -1;
	}
	r = parse_cpustat(buf, len, &s->st, perr, sizeof(perr));
	free(buf);
	if (r) {
		softirqs_free(&s->si);
		goto bad;
	}
	e = read_root(root, STATS_PATH, &buf, &len, perr, sizeof(perr));
	if (e) {
		tq_missing(root, e, s);
		return 0;
	}
	/* Present but not the table we know: a note, not a stop. */
	if (parse_tsqstats(buf, len, &s->tq, perr, sizeof(perr)))
		snprintf(s->tq_note, sizeof(s->tq_note), "/sys/kernel/debug/tsqsteal/%s", perr);
	else
		s->has_tq = true;
	free(buf);
	return 0;
bad:
	snprintf(err, errlen, "%s/proc/%s", root, perr);
	return -1;
}

void sample_free(struct sample *s)
{
	softirqs_free(&s->si);
	tsqstats_free(&s->tq);
}

/* A counter that went back was reset (the module reloaded). */
uint64_t delta(uint64_t a, uint64_t b)
{
	return b >= a ? b - a : b;
}
