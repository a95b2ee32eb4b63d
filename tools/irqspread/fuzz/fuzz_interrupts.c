// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: /proc/interrupts parser. Every row must hold what it claims. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../interrupts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intr_table t;
	char err[128];

	if (intr_parse((const char *)data, size, &t, err, sizeof(err)))
		return 0;
	if (t.ncols < 1)
		abort();
	for (size_t i = 0; i < t.nrows; i++) {
		const struct intr_row *r = &t.rows[i];
		uint64_t sum = 0;

		if (r->ncounts < 0 || r->ncounts > t.ncols)
			abort();
		for (int k = 0; k < r->ncounts; k++)
			sum = sum > UINT64_MAX - r->counts[k] ? UINT64_MAX : sum + r->counts[k];
		if (sum != r->total || !r->name || !r->desc || strlen(r->label) >= sizeof(r->label))
			abort();
		/* intr_find is linear: spot-check, or big inputs time out. */
		if (i < 64 && r->irq >= 0 && intr_find(&t, r->irq) == NULL)
			abort();
	}
	intr_free(&t);
	return 0;
}
