// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: cpulist parser. What parses must print and parse back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuset a, b;
	char err[128], *s;

	if (cpulist_parse((const char *)data, size, &a, err, sizeof(err)))
		return 0;
	s = cpulist_str(&a);
	if (!s)
		return 0;
	if (cpulist_parse(s, strlen(s), &b, err, sizeof(err)) || !cpuset_equal(&a, &b))
		abort();
	free(s);
	return 0;
}
