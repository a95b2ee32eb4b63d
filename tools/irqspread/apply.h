/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_APPLY_H
#define IRQSPREAD_APPLY_H

#include <stdio.h>

#include "policy.h"

/*
 * Write every change that differs, in plan order, reporting each to @log.
 * When a write fails, the ones already made are put back (newest first)
 * and the reason names the file and the errno. Returns the number of
 * files written, or -1.
 */
int apply_plan(const struct plan *p, FILE *log, char *err, size_t errlen);

#endif
