// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: saved-state loader (json-c underneath, our checks on top). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct saved s;
	char err[512];

	if (state_parse((const char *)data, size, &s, err, sizeof(err))) {
		if (!err[0])
			abort();	/* every refusal says why */
		return 0;
	}
	for (size_t i = 0; i < s.nnic; i++) {
		const struct saved_nic *n = &s.nics[i];

		if (!n->name || !n->driver || !n->bus || n->nrx < 0 || n->ntx < 0)
			abort();
		for (size_t k = 0; k < n->nirq; k++)
			if (!n->irqs[k].name || !n->irqs[k].aff || n->irqs[k].irq < 0)
				abort();
		for (size_t k = 0; k < n->nother; k++)
			if (!n->other || !n->other[k].name || !n->other[k].aff ||
			    n->other[k].irq < 0)
				abort();
	}
	state_free(&s);
	return 0;
}
