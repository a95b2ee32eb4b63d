// SPDX-License-Identifier: GPL-2.0
/* /proc/interrupts, as show_interrupts() in kernel/irq/proc.c prints it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupts.h"

#define MAX_COLS 8192

static const char *next_line(const char *p, const char *end, const char **eol)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*eol = nl ? nl : end;
	return nl ? nl + 1 : end;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_blank(const char *p, const char *e)
{
	while (p < e && is_blank(*p))
		p++;
	return p;
}

static char *dup_range(const char *a, const char *b)
{
	char *s = malloc((size_t)(b - a) + 1);

	if (!s)
		return NULL;
	memcpy(s, a, (size_t)(b - a));
	s[b - a] = '\0';
	return s;
}

static int parse_header(const char *p, const char *e, struct intr_table *t,
			char *err, size_t errlen)
{
	int cap = 0;

	for (;;) {
		const char *w;
		long cpu = 0;

		p = skip_blank(p, e);
		if (p == e)
			break;
		if (e - p < 4 || memcmp(p, "CPU", 3) != 0) {
			snprintf(err, errlen, "header: expected CPUn column labels");
			return -1;
		}
		p += 3;
		w = p;
		while (p < e && *p >= '0' && *p <= '9') {
			cpu = cpu * 10 + (*p - '0');
			if (cpu >= MAX_COLS) {
				snprintf(err, errlen, "header: CPU number too large");
				return -1;
			}
			p++;
		}
		if (p == w || (p < e && !is_blank(*p))) {
			snprintf(err, errlen, "header: malformed CPU label");
			return -1;
		}
		if (t->ncols && cpu <= t->col_cpu[t->ncols - 1]) {
			snprintf(err, errlen, "header: CPU%ld out of order", cpu);
			return -1;
		}
		if (t->ncols == cap) {
			int *n;

			cap = cap ? cap * 2 : 16;
			n = realloc(t->col_cpu, (size_t)cap * sizeof(*n));
			if (!n) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			t->col_cpu = n;
		}
		t->col_cpu[t->ncols++] = (int)cpu;
	}
	if (!t->ncols) {
		snprintf(err, errlen, "header: no CPU columns");
		return -1;
	}
	return 0;
}

static void name_from_desc(struct intr_row *r)
{
	/* show_interrupts() prints "  " before the action list, and the chip
	 * and trigger fields before it are padded: the last double space wins.
	 * Without one, a single word is an action; "PCI-MSI 1-edge" is none. */
	const char *d = r->desc, *last = NULL, *p;

	for (p = d; *p; p++)
		if (p[0] == ' ' && p[1] == ' ')
			last = p;
	if (last) {
		while (*last == ' ')
			last++;
		r->name = strdup(last);
	} else {
		r->name = strdup(strchr(d, ' ') ? "" : d);
	}
}

static int parse_row(const char *p, const char *e, struct intr_table *t,
		     struct intr_row *r, char *err, size_t errlen, size_t lineno)
{
	const char *colon;
	size_t ll;
	int col = 0, cap = 0;

	p = skip_blank(p, e);
	colon = memchr(p, ':', (size_t)(e - p));
	if (!colon) {
		snprintf(err, errlen, "line %zu: no ':' after the label", lineno);
		return -1;
	}
	ll = (size_t)(colon - p);
	if (!ll || ll >= sizeof(r->label)) {
		snprintf(err, errlen, "line %zu: bad label length", lineno);
		return -1;
	}
	r->irq = 0;
	for (size_t i = 0; i < ll; i++) {
		char c = p[i];

		/* s390 has "I/O"; anything printable but blanks goes. */
		if (c <= ' ' || c >= 0x7f) {
			snprintf(err, errlen, "line %zu: bad label character", lineno);
			return -1;
		}
		if (r->irq >= 0 && c >= '0' && c <= '9' && r->irq < 100000000)
			r->irq = r->irq * 10 + (c - '0');
		else
			r->irq = -1;
	}
	memcpy(r->label, p, ll);
	r->label[ll] = '\0';
	p = colon + 1;
	while (col < t->ncols) {
		const char *q = skip_blank(p, e);
		uint64_t v = 0;
		const char *w = q;

		while (q < e && *q >= '0' && *q <= '9') {
			uint64_t d = (uint64_t)(*q - '0');

			if (v > (UINT64_MAX - d) / 10) {
				snprintf(err, errlen, "line %zu: count overflows", lineno);
				return -1;
			}
			v = v * 10 + d;
			q++;
		}
		if (q == w || (q < e && !is_blank(*q)))
			break;
		/* Grown as read, so memory follows the input, not rows x columns. */
		if (col == cap) {
			uint64_t *n;

			cap = cap ? cap * 2 : 8;
			if (cap > t->ncols)
				cap = t->ncols;
			n = realloc(r->counts, (size_t)cap * sizeof(*n));
			if (!n) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			r->counts = n;
		}
		r->counts[col++] = v;
		r->ncounts = col;
		if (r->total > UINT64_MAX - v)
			r->total = UINT64_MAX;
		else
			r->total += v;
		p = q;
	}
	p = skip_blank(p, e);
	while (e > p && is_blank(e[-1]))
		e--;
	r->desc = dup_range(p, e);
	if (!r->desc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	name_from_desc(r);
	if (!r->name) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int intr_parse(const char *buf, size_t len, struct intr_table *t,
	       char *err, size_t errlen)
{
	const char *p = buf, *e = buf + len, *eol;
	size_t cap = 0, lineno = 1;

	memset(t, 0, sizeof(*t));
	if (!len) {
		snprintf(err, errlen, "empty");
		return -1;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "contains a NUL byte");
		return -1;
	}
	p = next_line(p, e, &eol);
	if (parse_header(buf, eol, t, err, errlen))
		goto fail;
	while (p < e) {
		const char *line = p;
		struct intr_row *r;

		lineno++;
		p = next_line(p, e, &eol);
		if (skip_blank(line, eol) == eol)
			continue;
		if (t->nrows == cap) {
			struct intr_row *n;

			cap = cap ? cap * 2 : 64;
			n = realloc(t->rows, cap * sizeof(*n));
			if (!n) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			t->rows = n;
		}
		r = &t->rows[t->nrows++];
		memset(r, 0, sizeof(*r));
		if (parse_row(line, eol, t, r, err, errlen, lineno))
			goto fail;
	}
	return 0;
fail:
	intr_free(t);
	return -1;
}

const struct intr_row *intr_find(const struct intr_table *t, int irq)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].irq == irq)
			return &t->rows[i];
	return NULL;
}

void intr_free(struct intr_table *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		free(t->rows[i].counts);
		free(t->rows[i].desc);
		free(t->rows[i].name);
	}
	free(t->rows);
	free(t->col_cpu);
	memset(t, 0, sizeof(*t));
}
