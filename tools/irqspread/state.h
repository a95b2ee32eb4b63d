/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_STATE_H
#define IRQSPREAD_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "policy.h"

#define STATE_SCHEMA "irqspread-state"
#define STATE_VERSION 1

/* A saved file, checked for shape and syntax but not yet against the machine. */
struct saved_irq {
	int irq;
	char *name;
	char *aff;
};

struct saved_nic {
	char *name, *driver, *bus, *address;
	char *perm_address;	/* optional: NULL when not known or not saved */
	char *boot_id;		/* optional: the boot this entry was saved in */
	int nrx, ntx;
	int channels;		/* optional: combined channels when saved, -1 if not */
	size_t nirq;
	struct saved_irq *irqs;
	/*
	 * "other_irqs": the device's IRQs that carry no queue (link, misc,
	 * mgmnt vectors, the rest of msi_irqs). Optional: older files lack it.
	 */
	size_t nother;
	struct saved_irq *other;
	char **rps, **flow, **xps;	/* per queue; NULL where the file was absent */
};

/* A config file apply rewrites, as it was before: restore puts these bytes back. */
struct saved_file {
	bool saved;
	char *text;		/* NULL: the file did not exist */
};

struct saved {
	char *online;
	struct saved_file ibconf;	/* irqbalance's, with --irqbalance=coordinate */
	char *rps_sock;
	size_t nnic;
	struct saved_nic *nics;
};

/*
 * Every value a policy may write, with what identifies the NIC it belongs
 * to, and its channel count; the affinity of every other IRQ of the
 * device (ethtool -L may reset it); and @ibconf (NULL: not saved).
 */
char *state_dump(const struct machine *m, struct nic **nics, size_t n,
		 const struct saved_file *ibconf);
int state_parse(const char *buf, size_t len, struct saved *s, char *err, size_t errlen);
void state_free(struct saved *s);

/*
 * Check @s against the live machine (same NICs, queues, IRQ names, CPUs
 * online) and plan the writes that bring the saved values back. Loads the
 * NICs itself into *nics. @file only names the file in messages. A NIC
 * whose channel count differs from the saved one is checked and planned
 * only for its identity: restore sets its channels first, then plans again.
 * A saved IRQ without a queue that is not here does not stop the plan: it
 * is counted in p->ngone and named in the line p->gone. On PREEMPT_RT
 * before 6.10 (m->rps_warns_on_rt) a saved RPS or RFS value that is not
 * off is held back: its change is marked skip, counted in p->nskip and
 * said, per NIC, in p->warn.
 */
int state_plan(const struct saved *s, const char *file, const struct machine *m,
	       struct nic ***nics, size_t *nnic, struct plan *p,
	       char *err, size_t errlen);

/*
 * apply's safety copy in @file: the current state of @nics merged into the
 * saved state @old (NULL: none yet). An entry already saved for a NIC is
 * kept, so the file goes on holding every NIC's state from before the first
 * apply of this boot; an entry from an earlier boot of the same NIC (same
 * permanent MAC) is replaced by today's state. The result must pass every
 * check restore makes, and have been saved with the CPUs online now, or
 * the call fails and *out stays NULL. *out is NULL too when @old already
 * covers every NIC (nothing to write). @note gets what was done.
 * @ibconf (NULL: none) is saved unless @old already holds one: the config
 * from before the first apply is the one to go back to.
 */
int state_merge(const char *old, size_t oldlen, const char *file, const struct machine *m,
		struct nic **nics, size_t n, const struct saved_file *ibconf, char **out,
		char *note, size_t notelen, char *err, size_t errlen);

int write_file_atomic(const char *path, const char *text, char *err, size_t errlen);

#endif
