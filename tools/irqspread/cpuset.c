// SPDX-License-Identifier: GPL-2.0
/* CPU sets and the two ways the kernel spells them: cpulists and hex masks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"

void cpuset_zero(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void cpuset_set(struct cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < CPUSET_MAX)
		s->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

/* Word at a time: a fuzzer feeds "0-8191,0-8191,..." by the megabyte. */
void cpuset_set_range(struct cpuset *s, int first, int last)
{
	if (first < 0)
		first = 0;
	if (last >= CPUSET_MAX)
		last = CPUSET_MAX - 1;
	while (first <= last) {
		int bit = first % 64;
		int n = last - first + 1 < 64 - bit ? last - first + 1 : 64 - bit;
		uint64_t m = n == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << n) - 1) << bit;

		s->w[first / 64] |= m;
		first += n;
	}
}

void cpuset_clear(struct cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < CPUSET_MAX)
		s->w[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

bool cpuset_has(const struct cpuset *s, int cpu)
{
	if (cpu < 0 || cpu >= CPUSET_MAX)
		return false;
	return (s->w[cpu / 64] >> (cpu % 64)) & 1;
}

int cpuset_count(const struct cpuset *s)
{
	int n = 0;

	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

bool cpuset_empty(const struct cpuset *s)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (s->w[i])
			return false;
	return true;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

int cpuset_next(const struct cpuset *s, int from)
{
	if (from < 0)
		from = 0;
	for (int i = from / 64; i < CPUSET_MAX / 64; i++) {
		uint64_t w = s->w[i];

		if (i == from / 64)
			w &= ~UINT64_C(0) << (from % 64);
		if (w)
			return i * 64 + __builtin_ctzll(w);
	}
	return -1;
}

int cpuset_last(const struct cpuset *s)
{
	for (int i = CPUSET_MAX / 64 - 1; i >= 0; i--)
		if (s->w[i])
			return i * 64 + 63 - __builtin_clzll(s->w[i]);
	return -1;
}

void cpuset_or(struct cpuset *d, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		d->w[i] = a->w[i] | b->w[i];
}

void cpuset_and(struct cpuset *d, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		d->w[i] = a->w[i] & b->w[i];
}

void cpuset_andnot(struct cpuset *d, const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		d->w[i] = a->w[i] & ~b->w[i];
}

bool cpuset_subset(const struct cpuset *sub, const struct cpuset *of)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (sub->w[i] & ~of->w[i])
			return false;
	return true;
}

int cpuset_first_not_in(const struct cpuset *a, const struct cpuset *b)
{
	struct cpuset d;

	cpuset_andnot(&d, a, b);
	return cpuset_next(&d, 0);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t trim_len(const char *buf, size_t len)
{
	while (len && is_space(buf[len - 1]))
		len--;
	return len;
}

static void seterr(char *err, size_t errlen, const char *what, const char *buf,
		   size_t len, size_t at)
{
	if (!err || !errlen)
		return;
	if (at < len && buf[at] > ' ' && buf[at] < 0x7f)
		snprintf(err, errlen, "%s ('%c' at offset %zu)", what, buf[at], at);
	else if (at < len)
		snprintf(err, errlen, "%s (at offset %zu)", what, at);
	else
		snprintf(err, errlen, "%s (at the end)", what);
}

/* A decimal CPU number; leaves *pos after it. */
static int parse_cpu(const char *buf, size_t len, size_t *pos, int *cpu)
{
	size_t i = *pos;
	long v = 0;

	if (i >= len || buf[i] < '0' || buf[i] > '9')
		return -1;
	while (i < len && buf[i] >= '0' && buf[i] <= '9') {
		v = v * 10 + (buf[i] - '0');
		if (v >= CPUSET_MAX)
			return -2;
		i++;
	}
	*pos = i;
	*cpu = (int)v;
	return 0;
}

/* bitmap_parselist() grammar without the "N" and ":used/group" forms. */
int cpulist_parse(const char *buf, size_t len, struct cpuset *out,
		  char *err, size_t errlen)
{
	size_t i = 0;

	cpuset_zero(out);
	len = trim_len(buf, len);
	while (i < len) {
		int a, b, r;

		r = parse_cpu(buf, len, &i, &a);
		if (r == -2) {
			seterr(err, errlen, "CPU number too large", buf, len, i);
			return -1;
		}
		if (r) {
			seterr(err, errlen, "expected a CPU number", buf, len, i);
			return -1;
		}
		b = a;
		if (i < len && buf[i] == '-') {
			i++;
			r = parse_cpu(buf, len, &i, &b);
			if (r == -2) {
				seterr(err, errlen, "CPU number too large", buf, len, i);
				return -1;
			}
			if (r) {
				seterr(err, errlen, "expected the end of a range", buf, len, i);
				return -1;
			}
			if (b < a) {
				seterr(err, errlen, "range ends before it starts", buf, len, i - 1);
				return -1;
			}
		}
		cpuset_set_range(out, a, b);
		if (i == len)
			break;
		if (buf[i] != ',') {
			seterr(err, errlen, "expected ',' or '-'", buf, len, i);
			return -1;
		}
		i++;
		if (i == len) {
			seterr(err, errlen, "trailing ','", buf, len, i - 1);
			return -1;
		}
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * bitmap_parse(): 32-bit groups of at most 8 hex digits, most significant
 * group first, separated by commas. The number of groups tells where bit 0
 * is, so count them before placing any.
 */
int cpumask_parse(const char *buf, size_t len, struct cpuset *out,
		  char *err, size_t errlen)
{
	size_t ngroups = 1, i, start;
	size_t g;

	cpuset_zero(out);
	len = trim_len(buf, len);
	if (!len) {
		seterr(err, errlen, "empty mask", buf, len, 0);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (buf[i] == ',')
			ngroups++;
	start = 0;
	for (g = 0; g < ngroups; g++) {
		size_t end = start;
		uint32_t v = 0;
		size_t base = (ngroups - 1 - g) * 32;

		while (end < len && buf[end] != ',')
			end++;
		if (end == start) {
			seterr(err, errlen, "empty group", buf, len, start);
			return -1;
		}
		if (end - start > 8) {
			seterr(err, errlen, "group longer than 8 hex digits", buf, len, start);
			return -1;
		}
		for (i = start; i < end; i++) {
			int h = hexval(buf[i]);

			if (h < 0) {
				seterr(err, errlen, "expected a hex digit", buf, len, i);
				return -1;
			}
			v = (v << 4) | (uint32_t)h;
		}
		if (v && base >= CPUSET_MAX) {
			seterr(err, errlen, "mask names a CPU beyond 8191", buf, len, start);
			return -1;
		}
		for (int bit = 0; bit < 32; bit++)
			if ((v >> bit) & 1)
				cpuset_set(out, (int)base + bit);
		start = end + 1;
	}
	return 0;
}

char *cpulist_str(const struct cpuset *s)
{
	size_t cap = 64, n = 0;
	char *out = malloc(cap);
	int c;

	if (!out)
		return NULL;
	out[0] = '\0';
	for (c = cpuset_next(s, 0); c >= 0;) {
		int e = c;
		char tmp[32];
		int k;

		while (e + 1 < CPUSET_MAX && cpuset_has(s, e + 1))
			e++;
		if (e == c)
			k = snprintf(tmp, sizeof(tmp), "%s%d", n ? "," : "", c);
		else
			k = snprintf(tmp, sizeof(tmp), "%s%d-%d", n ? "," : "", c, e);
		if (n + (size_t)k + 1 > cap) {
			char *p;

			cap = (n + (size_t)k + 1) * 2;
			p = realloc(out, cap);
			if (!p) {
				free(out);
				return NULL;
			}
			out = p;
		}
		memcpy(out + n, tmp, (size_t)k + 1);
		n += (size_t)k;
		c = e + 1 < CPUSET_MAX ? cpuset_next(s, e + 1) : -1;
	}
	return out;
}

char *cpumask_str(const struct cpuset *s, int nbits)
{
	size_t ngroups, cap, n = 0;
	char *out;
	int left, hi;

	if (nbits < 1)
		nbits = 1;
	if (nbits > CPUSET_MAX)
		nbits = CPUSET_MAX;
	ngroups = ((size_t)nbits + 31) / 32;
	cap = ngroups * 9 + 1;
	out = malloc(cap);
	if (!out)
		return NULL;
	/* The first group is short when nbits is not a multiple of 32. */
	hi = nbits;
	left = nbits % 32 ? nbits % 32 : 32;
	while (hi > 0) {
		int base = hi - left;
		uint32_t v = 0;

		for (int b = 0; b < left; b++)
			if (cpuset_has(s, base + b))
				v |= UINT32_C(1) << b;
		n += (size_t)snprintf(out + n, cap - n, "%s%0*x", n ? "," : "",
				      (left + 3) / 4, (unsigned int)v);
		hi = base;
		left = 32;
	}
	return out;
}
