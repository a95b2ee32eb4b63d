/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_IRQNAME_H
#define IRQSPREAD_IRQNAME_H

#include "model.h"

/* What identifies a NIC's IRQs in /proc/interrupts. */
struct nic_id {
	const char *dev;	/* netdev name */
	const char *pci;	/* PCI function, or NULL */
	int virtio;		/* N of virtioN, or -1 */
};

/*
 * Does the IRQ action name @name belong to the NIC? Returns the role
 * (ROLE_OTHER for its non-queue vectors) and sets *queue, or returns -1.
 * *naming gets the scheme that matched:
 *   ena     <dev>-Tx-Rx-<n>, ena-mgmnt@pci:<pci> (other)
 *   virtio  virtio<N>-input.<n>, virtio<N>-output.<n>, virtio<N>-config (other)
 *   mlx5    mlx5_comp<n>@pci:<pci>, mlx5_*@pci:<pci> (other)
 *   TxRx    [<drv>-]<dev>-TxRx-<n>   (ice, i40e, ixgbe, igb, bnxt_en)
 *   rx/tx   [<drv>-]<dev>-rx-<n>, -tx-<n>  (e1000e and split vectors)
 * and <dev> alone, or <drv>-<pci>:misc, as other vectors.
 */
int irqname_match(const char *name, const struct nic_id *id, int *queue,
		  const char **naming);

#endif
