/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_INTERRUPTS_H
#define IRQSPREAD_INTERRUPTS_H

#include <stddef.h>
#include <stdint.h>

/* One line of /proc/interrupts. */
struct intr_row {
	char label[16];		/* "41", "NMI", "IPI0" */
	int irq;		/* -1 when the label is not a number */
	uint64_t total;
	int ncounts;		/* columns on the line: ncols, or fewer (ERR, MIS) */
	uint64_t *counts;	/* ncounts long; missing columns count 0 */
	char *desc;		/* everything after the counts, trimmed */
	char *name;		/* the action name(s): desc after its last double space */
};

struct intr_table {
	int ncols;
	int *col_cpu;		/* column -> CPU number, from the "CPUn" header */
	size_t nrows;
	struct intr_row *rows;
};

/*
 * Parse the text of /proc/interrupts. The header names only online CPUs,
 * so a column is not a CPU number. Short lines (ERR, MIS) get zeros.
 */
int intr_parse(const char *buf, size_t len, struct intr_table *t,
	       char *err, size_t errlen);
const struct intr_row *intr_find(const struct intr_table *t, int irq);
void intr_free(struct intr_table *t);

#endif
