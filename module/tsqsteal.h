/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsqsteal: TCP Small Queues deferred transmit on per-CPU work-stealing
 * queues, drained as NAPI polls.  See docs/design.md.
 */
#ifndef _TSQSTEAL_H
#define _TSQSTEAL_H

#include <asm/local64.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <net/sock.h>

#define TSQ_WAIT_BUCKETS	8	/* queue wait: <16us ... >=16ms, x4 */
#define TSQ_STEAL_PROBES	8	/* CPUs a thief looks at, at most */
#define TSQ_BUSY_ONE		1024	/* tsq_queue.busy of a CPU never idle */

enum tsq_policy {
	TSQ_POLICY_LOCAL,	/* stock placement: the freeing CPU */
	TSQ_POLICY_HOME,	/* the CPU that last received for the flow */
	TSQ_POLICY_SPREAD,	/* flow hash over allowed CPUs, shorter of two */
	TSQ_POLICY_MAX,
};

/*
 * Counters of one CPU's queue.  Fields written by the queue's own poll
 * (serialised by NAPI) and fields written under tsq_queue.lock are kept
 * apart only by comment; readers take no lock and accept a torn view.
 */
struct tsq_stats {
	/* under lock */
	u64 enqueued;
	u64 stolen_from;
	u64 rescued_from;
	u32 max_qlen;
	/* by the poll */
	u64 drained;		/* deferred xmit run here */
	u64 deferred;		/* socket owned by user: left to release_sock() */
	u64 closed;		/* socket already closed: nothing to send */
	u64 stolen_by;
	u64 rescued_by;
	u64 polls;
	u64 budget_stops;
	u64 time_stops;
	u64 wait_hist[TSQ_WAIT_BUCKETS];
	/* by the IPI handler */
	u64 kicks;
	/* by the starvation timer */
	u64 rescues;
	/* by this CPU's tcp_wfree(), IRQs off */
	u64 originated;		/* TSQ events its TX completions released */
	u64 kept_local;		/* spread: left here, this CPU had headroom */
	/* by this CPU's tcp_wfree() calls, any context */
	local64_t aside;	/* left to the kernel's own TSQ (tsq_redirect_here()) */
};

struct tsq_queue {
	/*
	 * head, len, online; enqueue stats.  Raw: taken with IRQs off in the
	 * free path, where PREEMPT_RT's sleeping spinlock_t is not allowed.
	 */
	raw_spinlock_t lock;
	struct list_head head;		/* tcp_sock.tsq_node, oldest first */
	unsigned int len;
	bool online;			/* false: CPU going down, do not add */
	unsigned long starved_until;	/* jiffies; placement avoids it till then */
	unsigned int starved_hold;	/* rescue periods of the next avoidance */
	u64 since_ns;			/* oldest unserved work (tsq_now()), see queue.c */
	unsigned int cpu;
	struct task_struct *ksoftirqd;	/* for tcp_wfree()'s stress test */

	/* TX-completion load of this CPU, see policy.c; own CPU writes */
	unsigned long origin_stamp;	/* jiffies that origin_cur counts */
	unsigned int origin_cur;	/* TSQ events released in that tick */
	unsigned int origin_load;	/* per-tick average before it */

	/* How busy this CPU is, see policy.c; own CPU writes */
	u64 busy_ns;			/* ktime of the last idle-time sample */
	u64 busy_idle_us;		/* its idle time then */
	unsigned int busy;		/* non-idle share, TSQ_BUSY_ONE = all */
	unsigned long decide_stamp;	/* jiffies of the last redirect decision */
	bool redirect;			/* that decision, see tsq_redirect_here() */

	struct napi_struct napi;
	call_single_data_t csd;
	unsigned long kick_pending;	/* bit 0: csd in flight */
	struct tasklet_struct nudge;	/* see TSQ_KSOFTIRQD_DEFERS */
	struct hrtimer starve_timer;

	struct tsq_stats stats;
} ____cacheline_aligned_in_smp;

/* Allowed CPUs, published with RCU: placement reads it on every enqueue. */
struct tsq_cpuset {
	struct rcu_head rcu;
	unsigned int nr;
	struct cpumask mask;
	unsigned int cpus[];
};

/* Parameters (main.c); read with READ_ONCE() on hot paths. */
extern unsigned int tsq_budget;
extern unsigned int tsq_drain_us;
extern unsigned int tsq_starve_us;
extern unsigned int tsq_busy_pct;
extern int tsq_policy;
extern bool tsq_threaded;
extern bool tsq_step_aside;
extern struct tsq_cpuset __rcu *tsq_cpuset;
extern const char * const tsq_policy_names[TSQ_POLICY_MAX];

/* queue.c */
extern struct tsq_queue **tsq_queues;
extern struct cpumask tsq_starving;
extern bool tsq_stopping;
int tsq_queues_init(void);
void tsq_queues_stop(void);
void tsq_queues_free(void);
void tsq_enqueue(struct sock *sk);
void tsq_kick(struct tsq_queue *q);
void tsq_queue_offline(unsigned int cpu);
void tsq_queue_online(unsigned int cpu);
void tsq_queues_sync_online(void);
int tsq_queues_set_threaded(bool on);

/*
 * The clock of queue ages and poll time limits.  local_clock() reads the
 * TSC or the arch counter even where the clocksource is slow (a VM whose
 * TSC the kernel marked unstable falls back to HPET, an emulated device
 * read per call), and these are read on every enqueue to an empty queue
 * and several times per poll.  The price: where the TSC is unstable,
 * CPUs agree only to within a tick, so an age measured across CPUs is
 * clamped at zero.
 */
static inline u64 tsq_now(void)
{
	return local_clock();
}

static inline u64 tsq_age(u64 now, u64 since)
{
	return (s64)(now - since) > 0 ? now - since : 0;
}

/* policy=local is stock placement for A/B: no stealing, only rescue. */
static inline bool tsq_stealing(void)
{
	return READ_ONCE(tsq_policy) != TSQ_POLICY_LOCAL;
}

static inline struct tsq_queue *tsq_queue_of(unsigned int cpu)
{
	return tsq_queues[cpu];
}

/* policy.c */
struct tsq_queue *tsq_pick(struct sock *sk, unsigned int this_cpu);
struct tsq_queue *tsq_pick_rescuer(unsigned int victim);
struct tsq_queue *tsq_pick_idle(unsigned int busy);
void tsq_note_origin(struct tsq_queue *q);
bool tsq_redirect_here(struct tsq_queue *q);
void tsq_busy_init(struct tsq_queue *q);
unsigned int tsq_cost(const struct tsq_queue *q);
struct tsq_cpuset *tsq_cpuset_build(const struct cpumask *mask);
void tsq_cpuset_publish(struct tsq_cpuset *set);

/* rescue.c */
void tsq_rescue_init(struct tsq_queue *q);
void tsq_rescue_arm(struct tsq_queue *q);
void tsq_rescue_cancel(struct tsq_queue *q);

/* hook.c */
int tsq_hook_check(void);
int tsq_hook_register(void);
void tsq_hook_unregister(void);
void tsq_hook_exit(void);

/* stats.c */
int tsq_stats_init(void);
void tsq_stats_exit(void);
void tsq_stats_wait(struct tsq_queue *q, u64 wait_ns);

#endif /* _TSQSTEAL_H */
