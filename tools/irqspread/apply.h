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

/*
 * Hold SIGINT, SIGTERM and SIGHUP from here to exit: apply_plan checks for
 * one after every write and, if one came, puts back what it wrote and
 * fails naming the signal. Called before the safety copy is written, so a
 * signal never leaves half a file or half a plan. apply_plan calls it too.
 */
void apply_hold_signals(void);

#endif
