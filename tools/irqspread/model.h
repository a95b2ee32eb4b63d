/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_MODEL_H
#define IRQSPREAD_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"
#include "interrupts.h"

struct node {
	int id;
	struct cpuset cpus;	/* online CPUs of the node */
};

struct machine {
	int nr_cpu_ids;		/* mask width: highest possible CPU + 1 */
	struct cpuset possible, online, isolated, nohz_full, default_aff;
	bool has_isolated, has_nohz_full;
	size_t nnodes;
	struct node *nodes;
	int *thread_rank;	/* per CPU: 0 for a core's first thread, 1.. siblings */
	int *core_of;		/* per CPU: the lowest thread of its core */
	int threads_per_core;
	struct cpuset smt_siblings; /* every CPU that is not its core's first thread */
	int *l2_of;		/* per CPU: lowest CPU sharing its L2 (its core without cache/) */
	int *l3_of;		/* per CPU: lowest CPU sharing its L3, -1 when unknown */
	long irqbalance_pid;	/* 0 when not running */
	char *rps_sock_raw;	/* NULL without CONFIG_RFS */
	char *boot_id;		/* /proc/sys/kernel/random/boot_id, NULL if absent */
	char *osrelease;	/* /proc/sys/kernel/osrelease, NULL if absent */
	bool preempt_rt;	/* /sys/kernel/realtime reads 1 */
	bool rps_warns_on_rt;	/* rt_rps_warns(): spread keeps RPS and RFS off */
	struct intr_table intr;
};

enum irq_role {
	ROLE_TXRX,		/* one vector for rx-N and tx-N */
	ROLE_RX,
	ROLE_TX,
	ROLE_UNKNOWN,		/* from msi_irqs: queue unknown */
	ROLE_OTHER,		/* management, link, config: never moved */
};

struct nic_irq {
	int irq;
	char *name;
	enum irq_role role;
	int queue;		/* -1 when unknown */
	char *aff_raw;		/* smp_affinity_list as read */
	struct cpuset aff;
	bool has_eff;
	struct cpuset eff;
	const struct intr_row *row; /* NULL when /proc/interrupts lacks it */
};

struct rxq {
	char *rps_raw;		/* NULL when the file is absent */
	struct cpuset rps;
	char *flow_raw;
	long flow_cnt;
};

struct txq {
	char *xps_raw;		/* NULL when absent or ENOENT (single queue) */
	struct cpuset xps;
};

struct nic {
	char *name, *driver, *address;
	char *perm_address;	/* permanent MAC (ETHTOOL_GPERMADDR), NULL if unknown */
	char *bus;		/* the device's own name: 0000:00:05.0, virtio0 */
	char *pci;		/* the PCI function under it, or NULL */
	char *devpath;		/* /sys/devices/... of the device */
	int node;		/* -1: no NUMA affinity */
	int virtio;		/* N of virtioN, or -1 */
	int threaded;		/* -1: kernel without threaded NAPI */
	int nrx, ntx;
	struct rxq *rx;
	struct txq *tx;
	size_t nirq;		/* queue IRQs, in queue order */
	struct nic_irq *irqs;
	/*
	 * IRQs of the device that carry no queue: those named as the device's,
	 * then the rest of its msi_irqs (or its legacy irq). Never planned;
	 * saved, and restored, as "other_irqs".
	 */
	size_t nother;
	struct nic_irq *other;
	const char *naming;	/* which IRQ naming matched */
	bool fallback;		/* IRQs came from msi_irqs */
	size_t nwarn;		/* queues whose IRQ was not taken, and why */
	char *warn[8];
	int combined, rx_only, tx_only;
	/* ethtool channels: -1 when the driver does not say (ETHTOOL_GCHANNELS) */
	int channels, max_channels;
};

/*
 * The first two numbers of a kernel release, "6.12.118+deb13-rt-arm64" ->
 * 6, 12: 0, or -1 when it does not start with MAJOR.MINOR.
 */
int osrelease_version(const char *s, int *major, int *minor);
/*
 * PREEMPT_RT before 6.10 WARNs (kernel/softirq.c,
 * do_softirq_post_smp_call_flush) when RPS's IPI raises NET_RX from the
 * idle loop; RFS sends a flow to another CPU with the same IPI, so both
 * stay off. 6.10 moved RPS to backlog threads on RT (use_backlog_threads()).
 * Not RT, or no release: false.
 */
bool rt_rps_warns(bool rt, const char *osrelease);

/* Reasons land in @err as "OBJECT: reason". */
int machine_load(struct machine *m, char *err, size_t errlen);
void machine_free(struct machine *m);
const struct node *machine_node(const struct machine *m, int id);

/* The netdevs backed by a device (not lo, bridges, veths), sorted. */
int nic_names(char ***names, size_t *n, char *err, size_t errlen);
int nic_load(const struct machine *m, const char *name, struct nic **out,
	     char *err, size_t errlen);
void nic_free(struct nic *n);
/* Are the queues and IRQs of @want combined channels all there yet? */
bool nic_settled(const struct nic *n, int want);

/* All of @names, or every NIC when @count is 0. */
int nics_load(const struct machine *m, char **names, size_t count,
	      struct nic ***out, size_t *n, char *err, size_t errlen);
void nics_free(struct nic **v, size_t n);

/*
 * The RFS flows a netdev is set up for: the sum of its rx queues'
 * rps_flow_cnt (virtual devices too). Best effort: a queue that cannot be
 * read counts 0, as a netdev without RFS does.
 */
long netdev_rfs_flows(const char *name);

#endif
