/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_CHANNELS_H
#define IRQSPREAD_CHANNELS_H

/*
 * A NIC's channel counts (ethtool -l / -L), through SIOCETHTOOL
 * ETHTOOL_GCHANNELS and ETHTOOL_SCHANNELS. Under --sysroot there is no
 * driver: the counts are the files /ethtool/DEV/{combined,max_combined}
 * of the fixture, and a set also runs its executable
 * /ethtool/DEV/set-channels SYSROOT N, which plays the kernel re-creating
 * the queues and IRQs (as soon or as late as the test wants).
 */
struct channels {
	int combined, max_combined;
	int rx, tx;		/* rx-only and tx-only channels */
};

/* 0, or -errno (-EOPNOTSUPP: the driver has no channel counts). */
int chan_get(const char *dev, struct channels *c);
/* Set the combined count, the others as they are; 0 or -errno. */
int chan_set(const char *dev, int combined);

#endif
