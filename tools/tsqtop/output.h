/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TSQTOP_OUTPUT_H
#define TSQTOP_OUTPUT_H

#include <stdio.h>

#include "sample.h"

void report_text(FILE *f, const struct report *r);
void report_json(FILE *f, const struct report *r);
int prom_write(const char *path, const struct sample *s, char *err, size_t errlen);

#endif
