// SPDX-License-Identifier: GPL-2.0
/* Writes with rollback: all of a plan lands, or none of it stays. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "sysroot.h"
#include "util.h"

static void rollback(const struct plan *p, const size_t *done, size_t ndone,
		     const char *when, char *note, size_t notelen)
{
	size_t failed = 0;
	int first_err = 0;
	const char *first_path = NULL;

	for (size_t i = ndone; i-- > 0;) {
		const struct change *c = &p->v[done[i]];
		int r = sr_write(c->path, c->old);

		if (r && !failed++) {
			first_err = -r;
			first_path = c->path;
		}
	}
	if (!failed)
		snprintf(note, notelen, "rolled back the %zu file%s written%s",
			 ndone, ndone == 1 ? "" : "s", when);
	else
		snprintf(note, notelen,
			 "rollback FAILED for %zu of %zu files (first: %s: %s (%s)); check them by hand",
			 failed, ndone, first_path, strerror(first_err), errno_name(first_err));
}

static void held_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void apply_hold_signals(void)
{
	sigset_t set;

	held_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* A held signal that came: taken off the pending set, its number; or 0. */
static int signal_came(void)
{
	static const struct timespec now = { 0, 0 };
	sigset_t set, pending;
	int sig;

	held_set(&set);
	if (sigpending(&pending))
		return 0;
	sig = sigismember(&pending, SIGINT) ? SIGINT :
	      sigismember(&pending, SIGTERM) ? SIGTERM :
	      sigismember(&pending, SIGHUP) ? SIGHUP : 0;
	if (sig) {
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigtimedwait(&set, NULL, &now);
	}
	return sig;
}

static const char *sig_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

int apply_plan(const struct plan *p, FILE *log, char *err, size_t errlen)
{
	size_t *done = calloc(p->n + 1, sizeof(*done)), ndone = 0;

	if (!done)
		return errf(err, errlen, "out of memory");
	apply_hold_signals();
	for (size_t i = 0; i <= p->n; i++) {
		const struct change *c;
		int r, sig;

		/* Before each write and after the last: stop asked for, none of it stays. */
		sig = signal_came();
		if (sig) {
			char note[512];

			if (ndone)
				rollback(p, done, ndone, "", note, sizeof(note));
			else
				snprintf(note, sizeof(note), "nothing was written");
			errf(err, errlen, "interrupted by %s; %s", sig_name(sig), note);
			free(done);
			return -1;
		}
		if (i == p->n)
			break;
		c = &p->v[i];
		if (!c->differs)
			continue;
		r = sr_write(c->path, c->new);
		if (r) {
			char note[512];

			if (ndone)
				rollback(p, done, ndone, " before it", note, sizeof(note));
			else
				snprintf(note, sizeof(note), "nothing else was written");
			errf(err, errlen, "%s: cannot write '%s': %s (%s); %s", c->path, c->new,
			     strerror(-r), errno_name(-r), note);
			free(done);
			return -1;
		}
		done[ndone++] = i;
	}
	/* Only once all of it stayed: a rolled-back write is no news. */
	for (size_t i = 0; i < ndone; i++)
		fprintf(log, "  %s: %s -> %s\n", p->v[done[i]].path, p->v[done[i]].old,
			p->v[done[i]].new);
	free(done);
	return (int)ndone;
}
