// SPDX-License-Identifier: GPL-2.0
/*
 * The tcp_wfree() redirect.
 *
 * The kernel compares skb->destructor with tcp_wfree in its GSO and orphan
 * paths, so tcp_wfree stays the destructor and the function itself is
 * redirected, with the ftrace IPMODIFY mechanism livepatch uses, to
 * tsq_wfree(): the stock accounting line for line, then tsqsteal's queue
 * instead of the per-CPU TSQ list.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <net/tcp.h>

#include "compat.h"
#include "tsqsteal.h"

static DEFINE_PER_CPU(long, tsq_hook_inflight);
static bool tsq_hooked;

/* Mirrors tcp_wfree() (net/ipv4/tcp_output.c), queueing to tsqsteal. */
static void tsq_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	struct tsq_queue *q = tsq_queue_of(raw_smp_processor_id());
	unsigned long nval, oval;

	/* Keep one reference on sk_wmem_alloc; the drain's sk_free() drops it. */
	WARN_ON(refcount_sub_and_test(skb->truesize - 1, &sk->sk_wmem_alloc));

	/* Served by ksoftirqd: under stress, let the queues drain (stock). */
	if (refcount_read(&sk->sk_wmem_alloc) >= SKB_TRUESIZE(1) &&
	    READ_ONCE(q->ksoftirqd) == current)
		goto out;

	/* Pairs with the drain's clear of TSQ_QUEUED (tsq_xmit_one()). */
	oval = smp_load_acquire(&sk->sk_tsq_flags);
	do {
		if (!(oval & TSQF_THROTTLED) || (oval & TSQF_QUEUED))
			goto out;

		nval = (oval & ~TSQF_THROTTLED) | TSQF_QUEUED;
	} while (!try_cmpxchg(&sk->sk_tsq_flags, &oval, nval));

	tsq_enqueue(sk);
	this_cpu_dec(tsq_hook_inflight);
	return;
out:
	sk_free(sk);
	this_cpu_dec(tsq_hook_inflight);
}

static void notrace tsq_ftrace_handler(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct ftrace_regs *fregs)
{
	struct tsq_queue *q = tsq_queue_of(raw_smp_processor_id());

	/* Work that would stay here anyway: the kernel's TSQ does it as cheaply. */
	if (!tsq_redirect_here(q)) {
		local64_inc(&q->stats.aside);
		return;
	}
	/* Counted here, inside the RCU-tasks protected trampoline, so that
	 * unregistering and then waiting for zero leaves nobody in tsq_wfree().
	 */
	this_cpu_inc(tsq_hook_inflight);
	tsq_ftrace_set_ip(fregs, (unsigned long)tsq_wfree);
}

static struct ftrace_ops tsq_ftrace_ops = {
	.func	= tsq_ftrace_handler,
	.flags	= TSQ_FTRACE_REGS_FLAG | FTRACE_OPS_FL_IPMODIFY |
		  FTRACE_OPS_FL_RECURSION | FTRACE_OPS_FL_PERMANENT,
};

static unsigned long tsq_symbol_addr(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	unsigned long addr;

	/* A kprobe resolves any text symbol; nothing looked up is ever called. */
	if (register_kprobe(&kp))
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

/*
 * Refuse, with one line, a kernel whose TSQ is not the one compat.h
 * describes, rather than guess.
 */
int tsq_hook_check(void)
{
	char name[KSYM_SYMBOL_LEN];

	if (!tsq_symbol_addr("tcp_wfree")) {
		pr_err("unsupported kernel: tcp_wfree not found or not probeable\n");
		return -ENOENT;
	}
	if (!tsq_symbol_addr(TSQ_STOCK_HANDLER)) {
		pr_err("unsupported kernel: TSQ handler %s not found (TSQ changed?)\n",
		       TSQ_STOCK_HANDLER);
		return -ENOENT;
	}
	sprint_symbol_no_offset(name, (unsigned long)tcp_prot.release_cb);
	if (strcmp(name, "tcp_release_cb")) {
		pr_err("unsupported kernel: tcp_prot.release_cb is %s, not tcp_release_cb\n",
		       name);
		return -EINVAL;
	}
	return 0;
}

int tsq_hook_register(void)
{
	unsigned char filter[] = "tcp_wfree";
	int err;

	if (tsq_hooked)
		return 0;
	err = ftrace_set_filter(&tsq_ftrace_ops, filter, strlen(filter), 1);
	if (err) {
		pr_err("cannot filter ftrace on tcp_wfree: %d\n", err);
		return err;
	}
	err = register_ftrace_function(&tsq_ftrace_ops);
	if (err) {
		if (err == -EBUSY)
			pr_err("cannot redirect tcp_wfree: busy (a livepatch or another IPMODIFY user owns it, or sysctl kernel.ftrace_enabled is 0)\n");
		else
			pr_err("cannot redirect tcp_wfree: %d\n", err);
		return err;
	}
	tsq_hooked = true;
	return 0;
}

static long tsq_hook_inflight_sum(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(tsq_hook_inflight, cpu));
	return sum;
}

/* After this returns no CPU is in, or will enter, tsq_wfree(). */
void tsq_hook_unregister(void)
{
	if (!tsq_hooked)
		return;
	/* Waits for RCU-tasks: every handler call has finished counting. */
	unregister_ftrace_function(&tsq_ftrace_ops);
	while (tsq_hook_inflight_sum())
		usleep_range(100, 200);
	/* Let the last caller run tsq_wfree()'s epilogue after its decrement. */
	synchronize_rcu();
	tsq_hooked = false;
}

/*
 * At unload only: ftrace_free_filter() frees the ops' hashes without
 * resetting them, so the ops must not be filtered or registered again.
 */
void tsq_hook_exit(void)
{
	tsq_hook_unregister();
	/*
	 * A caller preempted after its decrement, still in tsq_wfree()'s
	 * epilogue (process context, preempt=full), now or at an earlier
	 * enable=0, is not waited for by synchronize_rcu(); an RCU-tasks grace
	 * period waits until every task has switched voluntarily, so none is
	 * left in this module's text.
	 */
	synchronize_rcu_tasks();
	ftrace_free_filter(&tsq_ftrace_ops);
}
