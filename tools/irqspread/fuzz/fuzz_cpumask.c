// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: hex mask parser, comma groups and all (256 CPUs and beyond).
 * What parses must print at full width and parse back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuset a, b;
	char err[128], *s;

	if (cpumask_parse((const char *)data, size, &a, err, sizeof(err)))
		return 0;
	s = cpumask_str(&a, CPUSET_MAX);
	if (!s)
		return 0;
	if (cpumask_parse(s, strlen(s), &b, err, sizeof(err)) || !cpuset_equal(&a, &b))
		abort();
	free(s);
	return 0;
}
