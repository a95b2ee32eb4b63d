/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_CPUSET_H
#define IRQSPREAD_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NR_CPUS can be 8192 on x86_64; nothing larger ships. */
#define CPUSET_MAX 8192

struct cpuset {
	uint64_t w[CPUSET_MAX / 64];
};

void cpuset_zero(struct cpuset *s);
void cpuset_set(struct cpuset *s, int cpu);
void cpuset_set_range(struct cpuset *s, int first, int last);
void cpuset_clear(struct cpuset *s, int cpu);
bool cpuset_has(const struct cpuset *s, int cpu);
int cpuset_count(const struct cpuset *s);
bool cpuset_empty(const struct cpuset *s);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
/* Next member at or after @from, or -1. */
int cpuset_next(const struct cpuset *s, int from);
int cpuset_last(const struct cpuset *s);
void cpuset_or(struct cpuset *d, const struct cpuset *a, const struct cpuset *b);
void cpuset_and(struct cpuset *d, const struct cpuset *a, const struct cpuset *b);
void cpuset_andnot(struct cpuset *d, const struct cpuset *a, const struct cpuset *b);
bool cpuset_subset(const struct cpuset *sub, const struct cpuset *of);
/* First member of @a that is not in @b, or -1. */
int cpuset_first_not_in(const struct cpuset *a, const struct cpuset *b);

#define for_each_cpu(c, s) \
	for ((c) = cpuset_next((s), 0); (c) >= 0; (c) = cpuset_next((s), (c) + 1))

/*
 * Parsers take a buffer and its length (no NUL needed) so they can be fed
 * straight from a file, a JSON string or a fuzzer. Trailing whitespace,
 * as sysfs prints it, is accepted. On error they return -1 and write a
 * one-line reason to @err.
 */
int cpulist_parse(const char *buf, size_t len, struct cpuset *out,
		  char *err, size_t errlen);
int cpumask_parse(const char *buf, size_t len, struct cpuset *out,
		  char *err, size_t errlen);

/*
 * Formatters print what the kernel prints (%*pbl and %*pb with @nbits =
 * nr_cpu_ids), so a value written and read back compares equal as text.
 * They return a malloc'd string, or NULL when out of memory.
 */
char *cpulist_str(const struct cpuset *s);
char *cpumask_str(const struct cpuset *s, int nbits);

#endif
