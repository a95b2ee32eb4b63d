/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_UTIL_H
#define IRQSPREAD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Write a one-line reason into err and return -1, for "return errf(...)". */
__attribute__((format(printf, 3, 4)))
static inline int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
