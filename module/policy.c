// SPDX-License-Identifier: GPL-2.0
/*
 * Where deferred transmit work goes.
 *
 * local:  the CPU that freed the skb, as stock TSQ does: the A/B control.
 *         Every free is left to the kernel's own TSQ (the step-aside,
 *         below); what is still queued from before drains where it is,
 *         and the starvation rescue only re-kicks the queue's own CPU.
 * home:   the flow's own CPU: where RFS saw its last sendmsg/recvmsg (the
 *         application's CPU) when RFS is on, else where its receive
 *         processing last ran (sk_incoming_cpu, after RPS); spread when
 *         that CPU is not allowed or not usable.
 * spread: while the freeing CPU is less than busy_pct % busy, the work
 *         stays there: with room to spare it is the cheapest place (no
 *         IPI, the socket is cache-hot) and there is no pile-up to undo.
 *         Beyond that the flow's hash picks two allowed CPUs and the one
 *         with less work coming wins (power of two choices), so a burst
 *         does not pile on one CPU.
 *
 * "Work coming" is a CPU's cost: the sockets waiting in its queue plus
 * its TX-completion load, the TSQ events its own skb frees released per
 * tick, averaged.  Queue length alone is not enough: the CPUs that take
 * the NIC's TX completions poll most often, so their queues are the
 * shortest exactly when they are the busiest.  Placement, stealing and
 * the choice of a rescuer all compare costs, so work only flows from a
 * CPU with more coming to one with less.
 *
 * Allowed CPUs default to the housekeeping CPUs; isolcpus/nohz_full CPUs
 * are never chosen unless the cpus= parameter names them.
 *
 * Where the work would stay on the freeing CPU anyway -- local, or spread
 * while that CPU has room -- the kernel's own TSQ path does the same work
 * without the enqueue, the rescue timer, the kick and the NAPI drain, so
 * the redirect steps aside (tsq_redirect_here()) and tsqsteal costs only
 * the ftrace call.
 */
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "compat.h"
#include "tsqsteal.h"

/* Samples further apart than this replace the average instead of joining it. */
#define TSQ_BUSY_WINDOW_NS	(16 * NSEC_PER_MSEC)

/* spread takes a CPU's frees at busy_pct and lets go this many points below. */
#define TSQ_ASIDE_BAND		10

/*
 * The share of time this CPU was not idle since the last sample, from the
 * nohz idle accounting (exact, not tick-sampled: Debian kernels have no
 * IRQ_TIME_ACCOUNTING), averaged over a few samples.  Taken by the CPU
 * itself, at most once a tick.  A kernel without nohz idle accounting
 * (nohz=off) reports no idle time: the CPU then counts as fully busy and
 * spread always spreads.
 */
static void tsq_note_busy(struct tsq_queue *q)
{
	u64 idle = get_cpu_idle_time_us(q->cpu, NULL);
	u64 now = ktime_get_ns(), dt = now - q->busy_ns, di;
	unsigned int busy;

	if (idle == (u64)-1) {
		WRITE_ONCE(q->busy, TSQ_BUSY_ONE);
		return;
	}
	/* The idle time may step back (iowait is counted remotely): skip. */
	if (idle >= q->busy_idle_us && dt >= TSQ_BUSY_ONE) {
		di = (idle - q->busy_idle_us) * NSEC_PER_USEC;
		busy = di >= dt ? 0 : div64_u64(dt - di, div64_u64(dt, TSQ_BUSY_ONE));
		busy = min(busy, TSQ_BUSY_ONE);
		if (dt < TSQ_BUSY_WINDOW_NS)
			busy = (3 * q->busy + busy) / 4;
		WRITE_ONCE(q->busy, busy);
	}
	q->busy_ns = now;
	q->busy_idle_us = idle;
}

/* At load, from any CPU: counted as busy until its first sample. */
void tsq_busy_init(struct tsq_queue *q)
{
	q->busy_ns = ktime_get_ns();
	q->busy_idle_us = get_cpu_idle_time_us(q->cpu, NULL);
	q->busy = TSQ_BUSY_ONE;
	q->decide_stamp = jiffies - 1;
	q->redirect = true;
}

/*
 * Called by tsq_enqueue() on the CPU whose skb free released the socket,
 * IRQs off: counts the event in this tick and, when the tick changed,
 * folds the last one into the average (halved per tick, so a CPU whose
 * NIC IRQs moved away sheds its load within a few ticks).
 */
void tsq_note_origin(struct tsq_queue *q)
{
	unsigned long now = jiffies, gap = now - q->origin_stamp;

	if (gap) {
		unsigned int load = (q->origin_load + q->origin_cur) / 2;

		WRITE_ONCE(q->origin_load, gap <= 32 ? load >> (gap - 1) : 0);
		WRITE_ONCE(q->origin_cur, 0);
		WRITE_ONCE(q->origin_stamp, now);
	}
	WRITE_ONCE(q->origin_cur, q->origin_cur + 1);
	q->stats.originated++;
}

/* Whether this CPU's frees go through tsqsteal now; IRQs off, own CPU. */
static bool tsq_decide(struct tsq_queue *q)
{
	unsigned int pct = READ_ONCE(tsq_busy_pct), on;
	struct tsq_cpuset *set;
	bool allowed;

	if (!READ_ONCE(tsq_step_aside))
		return true;	/* the mechanism's control: never aside */
	switch (READ_ONCE(tsq_policy)) {
	case TSQ_POLICY_LOCAL:
		return false;
	case TSQ_POLICY_HOME:
		return true;	/* the work belongs to the flow's CPU */
	default:
		break;
	}
	rcu_read_lock();
	set = rcu_dereference(tsq_cpuset);
	allowed = set && cpumask_test_cpu(q->cpu, &set->mask);
	rcu_read_unlock();
	if (!allowed || !pct)
		return true;	/* work must leave this CPU / pure spread */
	on = q->redirect ? (pct > TSQ_ASIDE_BAND ? pct - TSQ_ASIDE_BAND : 0) : pct;
	return READ_ONCE(q->busy) * 100 >= on * TSQ_BUSY_ONE;
}

/*
 * Called for every tcp_wfree() on this CPU, in any context, before the
 * redirect: false leaves the free to the kernel's own TSQ.  Decided at most
 * once a tick, with the CPU's busy share sampled then, and with a band so
 * that a CPU near busy_pct does not flap between the two paths.  A socket
 * queued by either path carries TSQF_QUEUED, which both paths honour and
 * both drains clear, so mixing them per CPU and per tick is safe.
 */
bool tsq_redirect_here(struct tsq_queue *q)
{
	unsigned long now = jiffies, flags;
	bool on;

	if (likely(READ_ONCE(q->decide_stamp) == now))
		return READ_ONCE(q->redirect);
	local_irq_save(flags);
	if (q->decide_stamp != now) {
		tsq_note_busy(q);
		WRITE_ONCE(q->redirect, tsq_decide(q));
		WRITE_ONCE(q->decide_stamp, now);
	}
	on = q->redirect;
	local_irq_restore(flags);
	return on;
}

/* Racy read from any CPU, decayed for the ticks it has not been updated. */
static unsigned int tsq_origin_load(const struct tsq_queue *q)
{
	unsigned long age = jiffies - READ_ONCE(q->origin_stamp);
	unsigned int load = READ_ONCE(q->origin_load);
	unsigned int cur = READ_ONCE(q->origin_cur);

	if (!age)
		return max(load, cur);
	if (age > 32)
		return 0;
	return ((load + cur) / 2) >> (age - 1);
}

unsigned int tsq_cost(const struct tsq_queue *q)
{
	return READ_ONCE(q->len) + tsq_origin_load(q);
}

static bool tsq_usable(struct tsq_queue *q)
{
	return READ_ONCE(q->online) &&
	       time_after_eq(jiffies, READ_ONCE(q->starved_until));
}

static bool tsq_allowed(struct tsq_cpuset *set, int cpu)
{
	return cpu >= 0 && cpu < nr_cpu_ids && cpumask_test_cpu(cpu, &set->mask) &&
	       tsq_usable(tsq_queue_of(cpu));
}

static struct tsq_queue *tsq_pick_spread(struct tsq_cpuset *set, struct sock *sk)
{
	u32 hash = READ_ONCE(sk->sk_txhash) ?: hash_ptr(sk, 32);
	unsigned int i = reciprocal_scale(hash, set->nr);
	struct tsq_queue *a = tsq_queue_of(set->cpus[i]), *b;

	if (set->nr == 1)
		return a;
	i = (i + 1 + reciprocal_scale(hash >> 16 | hash << 16, set->nr - 1)) % set->nr;
	b = tsq_queue_of(set->cpus[i]);
	if (!tsq_usable(a))
		return b;
	if (tsq_usable(b) && tsq_cost(b) < tsq_cost(a))
		return b;
	return a;
}

struct tsq_queue *tsq_pick(struct sock *sk, unsigned int this_cpu)
{
	struct tsq_queue *q = tsq_queue_of(this_cpu);
	struct tsq_cpuset *set;
	int cpu;

	rcu_read_lock();
	set = rcu_dereference(tsq_cpuset);
	switch (READ_ONCE(tsq_policy)) {
	case TSQ_POLICY_LOCAL:
		goto out;
	case TSQ_POLICY_HOME:
		cpu = tsq_rfs_cpu(sk);
		if (!tsq_allowed(set, cpu))
			cpu = READ_ONCE(sk->sk_incoming_cpu);
		if (tsq_allowed(set, cpu)) {
			q = tsq_queue_of(cpu);
			goto out;
		}
		break;
	default:
		/* Room to spare here: nothing to move off this CPU. */
		if (tsq_allowed(set, this_cpu) &&
		    READ_ONCE(q->busy) * 100 < READ_ONCE(tsq_busy_pct) * TSQ_BUSY_ONE) {
			q->stats.kept_local++;
			goto out;
		}
		break;
	}
	/*
	 * Both picks starved: this CPU if it is allowed, else the starved
	 * pick, which stays inside cpus= and which the rescue serves.
	 */
	q = tsq_pick_spread(set, sk);
	if (!tsq_usable(q) && tsq_allowed(set, this_cpu))
		q = tsq_queue_of(this_cpu);
out:
	rcu_read_unlock();
	return q;
}

/* The cheapest usable allowed queue among a few, other than @victim's. */
static struct tsq_queue *tsq_pick_cheapest(unsigned int victim, bool empty_only)
{
	struct tsq_queue *best = NULL;
	unsigned int cost, best_cost = UINT_MAX;
	struct tsq_cpuset *set;
	unsigned int i, start;

	rcu_read_lock();
	set = rcu_dereference(tsq_cpuset);
	/*
	 * Vary where the probes start.  Not get_random_u32_below(): its
	 * local_lock sleeps on PREEMPT_RT, and callers here have IRQs off or
	 * run in the hard-IRQ rescue timer.
	 */
	start = reciprocal_scale(hash_64(tsq_now(), 32), set->nr);
	for (i = 0; i < min_t(unsigned int, set->nr, TSQ_STEAL_PROBES); i++) {
		struct tsq_queue *q = tsq_queue_of(set->cpus[(start + i) % set->nr]);

		if (q->cpu == victim || !tsq_usable(q) || !cpu_online(q->cpu))
			continue;
		if (empty_only && READ_ONCE(q->len))
			continue;
		cost = tsq_cost(q);
		if (cost < best_cost) {
			best = q;
			best_cost = cost;
		}
	}
	rcu_read_unlock();
	return best;
}

struct tsq_queue *tsq_pick_rescuer(unsigned int victim)
{
	return tsq_pick_cheapest(victim, false);
}

struct tsq_queue *tsq_pick_idle(unsigned int busy)
{
	return tsq_pick_cheapest(busy, true);
}

struct tsq_cpuset *tsq_cpuset_build(const struct cpumask *mask)
{
	struct tsq_cpuset *set;
	unsigned int cpu, n = 0;

	set = kzalloc(struct_size(set, cpus, cpumask_weight(mask)), GFP_KERNEL);
	if (!set)
		return NULL;
	cpumask_copy(&set->mask, mask);
	for_each_cpu(cpu, mask)
		set->cpus[n++] = cpu;
	set->nr = n;
	return set;
}

/* Caller serialises publishers (tsq_cfg_lock). */
void tsq_cpuset_publish(struct tsq_cpuset *set)
{
	struct tsq_cpuset *old = rcu_replace_pointer(tsq_cpuset, set, true);

	if (old)
		kfree_rcu(old, rcu);
}
