/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_OUTPUT_H
#define IRQSPREAD_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "policy.h"

void show_text(FILE *f, const struct machine *m, struct nic **nics, size_t n);
int show_json(FILE *f, const struct machine *m, struct nic **nics, size_t n);

/*
 * The changes that differ, "path: old -> new  # why", grouped by NIC; one
 * held back (skip) as "path: old, saved new not written back  # why".
 */
void plan_text(FILE *f, const struct plan *p, bool notes);
int plan_json(FILE *f, const struct plan *p);
/* p->warn, one "warning: " line each. */
void plan_warnings(FILE *f, const struct plan *p, const char *indent);
/* The channel changes and irqbalance's config change of @p, if any. */
void plan_extra_text(FILE *f, const struct plan *p);

/* Each NIC's warnings about queue vectors not taken, one line each. */
void queue_warnings(FILE *f, struct nic *const *nics, size_t n, const char *indent);
void irqbalance_warning(FILE *f, const struct machine *m, const char *indent);

#endif
