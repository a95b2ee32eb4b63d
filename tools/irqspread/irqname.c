// SPDX-License-Identifier: GPL-2.0
/* Which /proc/interrupts names are a NIC's queue vectors, per driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqname.h"

/* A whole decimal number from @s to its end. */
static int number(const char *s, int *out)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	*out = (int)v;
	return 0;
}

static const char *skip_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* "<dev><tag><n>" or "<anything>-<dev><tag><n>": the driver prefix of ice and i40e. */
static int dev_tag(const char *name, const char *dev, const char *tag, int *queue)
{
	size_t dl = strlen(dev), tl = strlen(tag);
	const char *p = name;

	if (!dl)
		return -1;
	for (;;) {
		const char *hit = strstr(p, dev);

		if (!hit)
			return -1;
		if ((hit == name || hit[-1] == '-') &&
		    strncmp(hit + dl, tag, tl) == 0 &&
		    number(hit + dl + tl, queue) == 0)
			return 0;
		p = hit + 1;
	}
}

static int virtio_match(const char *name, int n, int *queue, const char **naming)
{
	char pre[32];
	const char *rest;

	snprintf(pre, sizeof(pre), "virtio%d-", n);
	rest = skip_prefix(name, pre);
	if (!rest)
		return -1;
	*naming = "virtio";
	if (skip_prefix(rest, "input.") && number(rest + 6, queue) == 0)
		return ROLE_RX;
	if (skip_prefix(rest, "output.") && number(rest + 7, queue) == 0)
		return ROLE_TX;
	*queue = -1;
	return ROLE_OTHER;	/* config, and the shared "virtqueues" vector */
}

static int at_pci(const char *name, const char *pci)
{
	const char *at = strstr(name, "@pci:");

	return at && pci && strcmp(at + 5, pci) == 0;
}

int irqname_match(const char *name, const struct nic_id *id, int *queue,
		  const char **naming)
{
	*queue = -1;
	if (id->virtio >= 0)
		return virtio_match(name, id->virtio, queue, naming);
	if (at_pci(name, id->pci)) {
		const char *rest = skip_prefix(name, "mlx5_comp");
		if (rest) {
			char num[8];
			size_t n = strcspn(rest, "@");

			*naming = "mlx5";
			if (n && n < sizeof(num)) {
				memcpy(num, rest, n);
				num[n] = '\0';
				if (number(num, queue) == 0)
					return ROLE_TXRX;
			}
		}
		/* ena-mgmnt@pci:, mlx5_async0@pci:, mlx5_ctrl@pci: ... */
		*queue = -1;
		return ROLE_OTHER;
	}
	if (dev_tag(name, id->dev, "-Tx-Rx-", queue) == 0) {
		*naming = "ena";
		return ROLE_TXRX;
	}
	if (dev_tag(name, id->dev, "-TxRx-", queue) == 0) {
		*naming = "TxRx";
		return ROLE_TXRX;
	}
	if (dev_tag(name, id->dev, "-rx-", queue) == 0) {
		*naming = "rx/tx";
		return ROLE_RX;
	}
	if (dev_tag(name, id->dev, "-tx-", queue) == 0) {
		*naming = "rx/tx";
		return ROLE_TX;
	}
	*queue = -1;
	/* igb, ixgbe and e1000e name the link vector after the netdev. */
	if (strcmp(name, id->dev) == 0)
		return ROLE_OTHER;
	/* ice-0000:17:00.0:misc, i40e-0000:00:04.0:misc */
	if (id->pci) {
		const char *hit = strstr(name, id->pci);

		if (hit && hit > name && hit[-1] == '-' &&
		    strcmp(hit + strlen(id->pci), ":misc") == 0)
			return ROLE_OTHER;
	}
	return -1;
}
