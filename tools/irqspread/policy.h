/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_POLICY_H
#define IRQSPREAD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum policy {
	POLICY_SPREAD,
	POLICY_IRQ_ONLY,
	POLICY_OFF,
	POLICY_RESTORE,		/* values from a saved file, not a policy */
};

enum change_kind { CH_IRQ, CH_RPS, CH_FLOW, CH_XPS, CH_SOCK };

/* One file: what it holds, what the plan wants there, and why. */
struct change {
	char *path;
	char *old, *new;
	char *why;
	enum change_kind kind;
	bool differs;
	bool skip;		/* restore: held back, not written (state_plan()) */
	int nic;		/* index in plan.nics, -1 machine-wide */
};

struct nic_plan {
	const struct nic *nic;
	struct cpuset cands;	/* CPUs the policy may use for this NIC */
	struct cpuset irq_cpus;
	struct cpuset rps;	/* empty when RPS is off; every rx queue's targets */
	bool rps_on;
	long flow_cnt;
	size_t nnotes;
	char *notes[8];
};

/* ethtool -L NIC combined NEW, before the files (which it changes). */
struct plan_chan {
	int nic;		/* index in plan.nics */
	int old, new;
};

struct plan {
	enum policy policy;
	long flows;
	size_t nnic;
	struct nic_plan *nics;
	size_t n, cap;
	struct change *v;
	size_t ndiff;
	size_t nskip;		/* changes with skip set: in neither ndiff nor "as planned" */
	/* Beside the files, filled in by the caller; plan_free frees them. */
	size_t nchan;
	struct plan_chan *chan;
	const char *ib_mode;	/* NULL: irqbalance's config is not planned */
	char *ib_old, *ib_new;	/* NULL: no such file (before, after) */
	bool ib_differs;
	/* restore: saved IRQs without a queue that are not here, in one line (NULL: none) */
	size_t ngone;
	char *gone;
	/* Warnings, one per line, printed after "warning: " (NULL: none) */
	char *warn;
};

struct plan_opts {
	enum policy policy;
	bool has_cpus;
	struct cpuset cpus;
	long flows;		/* expected concurrent connections, for RFS */
};

#define DEFAULT_FLOWS 32768L

int policy_parse(const char *s, enum policy *p);
const char *policy_name(enum policy p);
const char *kind_name(enum change_kind k);

/* --cpus: a cpulist of online CPUs. */
int cpus_option(const char *arg, const struct machine *m, struct cpuset *out,
		char *err, size_t errlen);

int plan_build(const struct machine *m, struct nic **nics, size_t nnic,
	       const struct plan_opts *o, struct plan *p, char *err, size_t errlen);
void plan_init(struct plan *p, enum policy policy, struct nic **nics, size_t nnic);
/* Takes @new (malloc'd); old may be NULL only if the file is absent, then nothing is added. */
int plan_add(struct plan *p, int nic, enum change_kind k, const char *path,
	     const char *old, char *new, const char *why);
int plan_note(struct plan *p, int nic, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add a line to p->warn. */
int plan_warn(struct plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void plan_free(struct plan *p);

/* Same value as the kernel sees it ("0-3" == "0,1,2,3", "0" == "00000000"). */
bool value_equal(enum change_kind k, const char *a, const char *b);
/* RPS, XPS or RFS off: an empty mask, a count of 0. Never for an IRQ. */
bool value_off(enum change_kind k, const char *v);

#endif
