// SPDX-License-Identifier: GPL-2.0
/* Writes with rollback: all of a plan lands, or none of it stays. */
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "sysroot.h"
#include "util.h"

static void rollback(const struct plan *p, const size_t *done, size_t ndone,
		     char *note, size_t notelen)
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
		snprintf(note, notelen, "rolled back the %zu file%s written before it",
			 ndone, ndone == 1 ? "" : "s");
	else
		snprintf(note, notelen,
			 "rollback FAILED for %zu of %zu files (first: %s: %s (%s)); check them by hand",
			 failed, ndone, first_path, strerror(first_err), errno_name(first_err));
}

int apply_plan(const struct plan *p, FILE *log, char *err, size_t errlen)
{
	size_t *done = calloc(p->n + 1, sizeof(*done)), ndone = 0;

	if (!done)
		return errf(err, errlen, "out of memory");
	for (size_t i = 0; i < p->n; i++) {
		const struct change *c = &p->v[i];
		int r;

		if (!c->differs)
			continue;
		r = sr_write(c->path, c->new);
		if (r) {
			char note[512];

			if (ndone)
				rollback(p, done, ndone, note, sizeof(note));
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
