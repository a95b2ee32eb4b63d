/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels tsqsteal supports (Debian 6.1,
 * 6.12 and 7.x) lives here, so the logic reads as if written for one.
 */
#ifndef _TSQSTEAL_COMPAT_H
#define _TSQSTEAL_COMPAT_H

#include <linux/version.h>
#include <linux/ftrace.h>
#include <linux/hrtimer.h>
#include <linux/kernel_stat.h>
#include <linux/netdevice.h>
#include <linux/ptrace.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/tick.h>
#include <net/sock.h>

/*
 * The kernel series the VM matrix runs (tests/vm/run.sh).  tsqsteal
 * replaces part of tcp_wfree(); on another series TSQ may have changed
 * under it, so it refuses to load there unless allow_untested_kernel=1.
 * A new series joins this list once the matrix passes on it.
 */
#define TSQ_TESTED_SERIES	"6.1, 6.12, 7.2"

static inline bool tsq_kernel_tested(void)
{
	switch (LINUX_VERSION_CODE >> 8) {
	case KERNEL_VERSION(6, 1, 0) >> 8:
	case KERNEL_VERSION(6, 12, 0) >> 8:
	case KERNEL_VERSION(7, 2, 0) >> 8:
		return true;
	default:
		return false;
	}
}

/*
 * The ftrace redirect.  Up to 6.1 arm64 has no DYNAMIC_FTRACE_WITH_ARGS and
 * 6.1 names the setter differently, so 6.1 saves full pt_regs (as livepatch
 * does without WITH_ARGS) and sets their instruction pointer.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0) || \
	!defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
#define TSQ_FTRACE_REGS_FLAG	FTRACE_OPS_FL_SAVE_REGS
static __always_inline void tsq_ftrace_set_ip(struct ftrace_regs *fregs,
					      unsigned long ip)
{
	instruction_pointer_set(ftrace_get_regs(fregs), ip);
}
#else
#define TSQ_FTRACE_REGS_FLAG	0
static __always_inline void tsq_ftrace_set_ip(struct ftrace_regs *fregs,
					      unsigned long ip)
{
	ftrace_regs_set_instruction_pointer(fregs, ip);
}
#endif

/*
 * The stock TSQ drain this kernel generation has: a per-CPU tasklet up to
 * 6.16, a BH work item on system_bh_wq from 6.17.  Only its name is used,
 * to refuse loading on a kernel whose TSQ is neither.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
#define TSQ_STOCK_HANDLER	"tcp_tasklet_func"
#else
#define TSQ_STOCK_HANDLER	"tcp_tsq_workfn"
#endif

/*
 * Up to 6.4 ("softirq: Let ksoftirqd do its job", reverted in 6.5), once a
 * CPU's ksoftirqd is runnable, softirqs raised there wait for it, unless
 * HI or TASKLET is among them.  Stock TSQ is a tasklet, so it runs at the
 * next IRQ exit even then, and takes the pending NET_RX with it; a NAPI
 * drain alone would wait behind ksoftirqd, which a busy or RT-hogged CPU
 * seldom runs.  On such kernels a kick also schedules a tasklet on the
 * drain's CPU, which keeps itself pending while the drain has work left
 * (queue.c), giving the drain the standing of the tasklet it replaces.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define TSQ_KSOFTIRQD_DEFERS	true
#else
#define TSQ_KSOFTIRQD_DEFERS	false
#endif

/*
 * PREEMPT_RT: a kick's IPI handler may run from the idle loop's
 * flush_smp_call_function_queue(), where raising NET_RX warns
 * (do_softirq_post_smp_call_flush()) and leaves it pending.  The kernel's
 * RPS switched to backlog threads on RT for this (6.10); tsqsteal drains
 * in its NAPI threads there, which a kick wakes without raising a softirq.
 */
#define TSQ_THREADED_ONLY	IS_ENABLED(CONFIG_PREEMPT_RT)

/*
 * get_cpu_idle_time_us() is declared in <linux/tick.h> up to 6.12 and in
 * <linux/kernel_stat.h> (nohz idle time kept in kernel_cpustat) later;
 * both are included above.
 */

/* hrtimer_setup() replaced hrtimer_init() + .function in 6.13. */
static inline void tsq_hrtimer_setup(struct hrtimer *t,
				     enum hrtimer_restart (*fn)(struct hrtimer *))
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
	hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	t->function = fn;
#else
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
#endif
}

/* The NAPI instances hang off a dummy netdev: embedded before 6.10. */
static inline struct net_device *tsq_alloc_dummy_netdev(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
	struct net_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (dev)
		init_dummy_netdev(dev);
	return dev;
#else
	return alloc_netdev_dummy(0);
#endif
}

static inline void tsq_free_dummy_netdev(struct net_device *dev)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
	kfree(dev);
#else
	free_netdev(dev);
#endif
}

/* Threaded NAPI took an enum (with a busy-poll mode) in 6.17. */
static inline int tsq_set_threaded(struct net_device *dev, bool on)
{
	int err;

	rtnl_lock();
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
	err = dev_set_threaded(dev, on);
#else
	err = dev_set_threaded(dev, on ? NETDEV_NAPI_THREADED_ENABLED :
					 NETDEV_NAPI_THREADED_DISABLED);
#endif
	rtnl_unlock();
	return err;
}

/*
 * The CPU RFS recorded for the flow at its last sendmsg()/recvmsg(), or -1
 * (RFS off, entry taken by another flow).  The table moved into
 * net_hotdata in 6.9 and became a tagged pointer of one-word entries
 * later; Kbuild probes the headers for the latter (TSQ_HAVE_RPS_TAG_PTR).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#include <net/hotdata.h>
#include <net/rps.h>
#endif

static inline int tsq_rfs_cpu(const struct sock *sk)
{
	u32 hash = READ_ONCE(sk->sk_rxhash), ident, cpu_mask;
	int cpu = -1;

	if (!hash)
		return -1;
	rcu_read_lock();
#if defined(TSQ_HAVE_RPS_TAG_PTR)
	{
		rps_tag_ptr tag = READ_ONCE(net_hotdata.rps_sock_flow_table);
		struct rps_sock_flow_table *t;

		cpu_mask = net_hotdata.rps_cpu_mask;
		if (!tag)
			goto out;
		t = rps_tag_to_table(tag);
		ident = READ_ONCE(t[hash & rps_tag_to_mask(tag)].ent);
	}
#else
	{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
		struct rps_sock_flow_table *t = rcu_dereference(net_hotdata.rps_sock_flow_table);

		cpu_mask = net_hotdata.rps_cpu_mask;
#else
		struct rps_sock_flow_table *t = rcu_dereference(rps_sock_flow_table);

		cpu_mask = rps_cpu_mask;
#endif
		if (!t)
			goto out;
		ident = READ_ONCE(t->ents[hash & t->mask]);
	}
#endif
	if (!((ident ^ hash) & ~cpu_mask) && (ident & cpu_mask) < nr_cpu_ids)
		cpu = ident & cpu_mask;
out:
	rcu_read_unlock();
	return cpu;
}

#endif /* _TSQSTEAL_COMPAT_H */
