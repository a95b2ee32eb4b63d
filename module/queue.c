// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU deferred-xmit queues, drained as NAPI polls.
 *
 * A sibling of RPS (net/core/dev.c): the enqueuing CPU links the socket
 * on the target CPU's queue and, when the queue turns non-empty, kicks
 * that CPU with a call_single_data IPI whose handler schedules the
 * queue's NAPI instance (enqueue_to_backlog(), rps_trigger_softirq()).
 * The poll runs the kernel's own deferred transmit for each socket, within
 * a budget and a time limit, and a poll that runs dry steals from the
 * longest queue it can see.
 *
 * since_ns is the age of the oldest unserved work: set when a queue turns
 * non-empty, moved to "now" by every poll that leaves work behind.  The
 * queue-wait histogram and the starvation rescue both read it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "compat.h"
#include "tsqsteal.h"
#include "trace.h"

struct tsq_queue **tsq_queues;
struct cpumask tsq_starving;
bool tsq_stopping;
static struct net_device *tsq_dev;

/* Link @n sockets of @list at the tail of @q; q->lock held. */
static bool tsq_add_locked(struct tsq_queue *q, struct list_head *list,
			   unsigned int n)
{
	bool was_empty = !q->len;

	list_splice_tail_init(list, &q->head);
	WRITE_ONCE(q->len, q->len + n);
	if (q->len > q->stats.max_qlen)
		q->stats.max_qlen = q->len;
	if (was_empty) {
		WRITE_ONCE(q->since_ns, tsq_now());
		tsq_rescue_arm(q);
	}
	return was_empty;
}

/* Unlink up to @n sockets from the head of @q into @list; q->lock held. */
static unsigned int tsq_take_locked(struct tsq_queue *q, struct list_head *list,
				    unsigned int n)
{
	struct list_head *pos = &q->head;
	unsigned int i;

	n = min(n, q->len);
	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		pos = pos->next;
	list_cut_position(list, &q->head, pos);
	WRITE_ONCE(q->len, q->len - n);
	return n;
}

/*
 * TSQ_KSOFTIRQD_DEFERS: a pending tasklet makes this CPU run its softirqs
 * at the next IRQ exit, NET_RX and so the drain included, even while its
 * ksoftirqd is runnable.  It stays pending while the drain has work left:
 * a poll that stops on its budget or time re-raises NET_RX only, and
 * __do_softirq() may run this tasklet after that poll in the same pass;
 * left alone, a CPU whose ksoftirqd never runs (a SCHED_FIFO hog) would
 * then hold the rest of its queue until the starvation rescue.
 */
static void tsq_nudge(struct tsq_queue *q)
{
	if (TSQ_KSOFTIRQD_DEFERS && !READ_ONCE(tsq_threaded))
		tasklet_schedule(&q->nudge);
}

static void tsq_nudge_fn(struct tasklet_struct *t)
{
	struct tsq_queue *q = from_tasklet(q, t, nudge);

	if (READ_ONCE(q->len) && q->cpu == smp_processor_id() &&
	    test_bit(NAPI_STATE_SCHED, &q->napi.state) &&
	    !READ_ONCE(tsq_stopping))
		tsq_nudge(q);
}

/*
 * BH or IRQs off.  Threaded, this wakes q's NAPI kthread from any CPU;
 * otherwise it runs on q's CPU and raises the drain there.
 */
static void tsq_schedule(struct tsq_queue *q)
{
	napi_schedule(&q->napi);
	tsq_nudge(q);
}

static void tsq_ipi(void *data)
{
	struct tsq_queue *q = data;

	/* The csd is already unlocked for async calls: allow the next kick. */
	clear_bit(0, &q->kick_pending);
	q->stats.kicks++;
	tsq_schedule(q);
}

void tsq_kick(struct tsq_queue *q)
{
	unsigned int cpu = get_cpu();

	if (q->cpu == cpu || READ_ONCE(tsq_threaded)) {
		/* Raised here: runs at the end of this BH/IRQ section. */
		if (in_interrupt() || irqs_disabled()) {
			tsq_schedule(q);
		} else {
			local_bh_disable();
			tsq_schedule(q);
			local_bh_enable();
		}
	} else if (!test_and_set_bit(0, &q->kick_pending)) {
		if (smp_call_function_single_async(q->cpu, &q->csd))
			clear_bit(0, &q->kick_pending);	/* CPU went offline */
	}
	put_cpu();
}

/* Called from tsq_wfree() with TSQF_QUEUED won and a wmem ref held. */
void tsq_enqueue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tsq_queue *q, *idle = NULL;
	unsigned long flags;
	unsigned int this, qlen;
	bool kick;
	LIST_HEAD(one);

	local_irq_save(flags);
	this = smp_processor_id();
	tsq_note_origin(tsq_queue_of(this));
	q = tsq_pick(sk, this);
	raw_spin_lock(&q->lock);
	if (unlikely(!q->online)) {
		/* Raced with the CPU going down: the local queue always works. */
		raw_spin_unlock(&q->lock);
		q = tsq_queue_of(this);
		raw_spin_lock(&q->lock);
	}
	list_add_tail(&tp->tsq_node, &one);
	kick = tsq_add_locked(q, &one, 1);
	q->stats.enqueued++;
	qlen = q->len;
	raw_spin_unlock(&q->lock);
	/* Crossing twice the budget: wake an idle CPU to steal half. */
	if (qlen == 2 * READ_ONCE(tsq_budget) && tsq_stealing())
		idle = tsq_pick_idle(q->cpu);
	local_irq_restore(flags);

	trace_enqueue(this, q->cpu, qlen);
	if (kick)
		tsq_kick(q);
	if (idle)
		tsq_kick(idle);
}

/*
 * Mirrors tcp_tasklet_func() + tcp_tsq_handler() for one socket.
 * tcp_tsq_write() is static; the exported way in is tcp_release_cb() with
 * TCP_TSQ_DEFERRED set, which runs it and drops the hold taken for it.
 * Called with BH disabled.
 */
static void tsq_xmit_one(struct tsq_queue *q, struct sock *sk)
{
	/* Order our reads of the socket before a new tcp_wfree() may queue it. */
	smp_mb__before_atomic();
	clear_bit(TSQ_QUEUED, &sk->sk_tsq_flags);

	/* Closed while queued (only sk_wmem_alloc pins it): nothing to send. */
	if (!refcount_inc_not_zero(&sk->sk_refcnt)) {
		q->stats.closed++;
		goto out;
	}
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		if (!test_and_set_bit(TCP_TSQ_DEFERRED, &sk->sk_tsq_flags))
			sock_hold(sk);
		tcp_prot.release_cb(sk);
		q->stats.drained++;
	} else {
		if (!test_and_set_bit(TCP_TSQ_DEFERRED, &sk->sk_tsq_flags))
			sock_hold(sk);
		q->stats.deferred++;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
out:
	sk_free(sk);
}

/*
 * Move up to @n sockets from @from's head to @to's tail.  The victim's
 * stolen_from/rescued_from are counted here, under its lock: several
 * thieves may take from one queue at once.
 */
static unsigned int tsq_move(struct tsq_queue *to, struct tsq_queue *from,
			     unsigned int n, bool rescue)
{
	unsigned long flags;
	LIST_HEAD(list);

	raw_spin_lock_irqsave(&from->lock, flags);
	n = tsq_take_locked(from, &list, n);
	if (n) {
		if (rescue)
			from->stats.rescued_from += n;
		else
			from->stats.stolen_from += n;
		if (!from->len)
			WRITE_ONCE(from->since_ns, 0);
	}
	raw_spin_unlock(&from->lock);
	if (n) {
		raw_spin_lock(&to->lock);
		tsq_add_locked(to, &list, n);
		raw_spin_unlock(&to->lock);
	}
	local_irq_restore(flags);
	return n;
}

/* Take every queue the starvation timer flagged (rescue.c). */
static unsigned int tsq_rescue_starving(struct tsq_queue *q)
{
	unsigned int cpu, n, total = 0, probes = 0;
	struct tsq_queue *v;

	/* A hint read without the lock: each bit found is claimed below. */
	for (cpu = -1; (cpu = data_race(cpumask_next(cpu, &tsq_starving))) < nr_cpu_ids;) {
		if (++probes > TSQ_STEAL_PROBES)
			break;
		if (cpu == q->cpu || !cpumask_test_and_clear_cpu(cpu, &tsq_starving))
			continue;
		v = tsq_queue_of(cpu);
		n = tsq_move(q, v, UINT_MAX, true);
		if (!n)
			continue;
		q->stats.rescued_by += n;
		total += n;
		trace_rescue(cpu, q->cpu, n);
	}
	return total;
}

/*
 * Among a bounded set of allowed CPUs, find the one whose cost (policy.c)
 * exceeds ours the most and take half the difference, at most half its
 * queue: work moves only from a CPU with more coming to one with less, so
 * a NIC IRQ CPU whose own queue ran dry does not pull work back.
 */
static unsigned int tsq_steal(struct tsq_queue *q)
{
	unsigned int i, n, mine = tsq_cost(q), best = 1, len = 0;
	struct tsq_queue *victim = NULL;
	struct tsq_cpuset *set;

	rcu_read_lock();
	set = rcu_dereference(tsq_cpuset);
	if (set && set->nr > 1) {
		unsigned int start = get_random_u32_below(set->nr);

		for (i = 0; i < min_t(unsigned int, set->nr, TSQ_STEAL_PROBES); i++) {
			unsigned int cpu = set->cpus[(start + i) % set->nr];
			struct tsq_queue *v = tsq_queue_of(cpu);
			unsigned int vlen = READ_ONCE(v->len), cost;

			if (v == q || !vlen)
				continue;
			cost = tsq_cost(v);
			if (cost > mine && cost - mine > best) {
				best = cost - mine;
				victim = v;
				len = vlen;
			}
		}
	}
	rcu_read_unlock();
	if (!victim)
		return 0;
	n = tsq_move(q, victim, min(DIV_ROUND_UP(len, 2), DIV_ROUND_UP(best, 2)),
		     false);
	if (n) {
		q->stats.stolen_by += n;
		trace_steal(q->cpu, victim->cpu, n);
	}
	return n;
}

static int tsq_poll(struct napi_struct *napi, int budget)
{
	struct tsq_queue *q = container_of(napi, struct tsq_queue, napi);
	unsigned int limit = min_t(unsigned int, READ_ONCE(tsq_budget), budget);
	u64 now = tsq_now();
	u64 deadline = now + READ_ONCE(tsq_drain_us) * NSEC_PER_USEC;
	u64 since = READ_ONCE(q->since_ns);
	unsigned int done = 0, n;
	struct tcp_sock *tp, *tmp;
	bool more = false, late = false;
	LIST_HEAD(batch);

	q->stats.polls++;
	WRITE_ONCE(q->starved_until, jiffies);
	WRITE_ONCE(q->starved_hold, 0);
	/* Served by its own poll: no longer a rescue target. */
	if (cpumask_test_cpu(q->cpu, &tsq_starving))
		cpumask_clear_cpu(q->cpu, &tsq_starving);
	if (since && READ_ONCE(q->len))
		tsq_stats_wait(q, tsq_age(now, since));

	while (done < limit && !late) {
		raw_spin_lock_irq(&q->lock);
		n = tsq_take_locked(q, &batch, limit - done);
		raw_spin_unlock_irq(&q->lock);
		if (!n && (!tsq_stealing() ||
			   (!tsq_rescue_starving(q) && !tsq_steal(q))))
			break;
		/* drain_us bounds the poll socket by socket. */
		list_for_each_entry_safe(tp, tmp, &batch, tsq_node) {
			list_del(&tp->tsq_node);
			tsq_xmit_one(q, (struct sock *)tp);
			done++;
			n--;
			now = tsq_now();
			/* Progress: the rescue timer measures from here. */
			WRITE_ONCE(q->since_ns, now);
			if ((s64)(now - deadline) > 0) {
				late = true;
				break;
			}
		}
	}
	if (late) {
		q->stats.time_stops++;
		/* What the poll took but did not send goes back to the head. */
		if (n) {
			raw_spin_lock_irq(&q->lock);
			if (!q->len)
				tsq_rescue_arm(q);
			list_splice(&batch, &q->head);
			WRITE_ONCE(q->len, q->len + n);
			raw_spin_unlock_irq(&q->lock);
		}
	}

	raw_spin_lock_irq(&q->lock);
	if (q->len) {
		more = true;
		WRITE_ONCE(q->since_ns, tsq_now());
	} else {
		WRITE_ONCE(q->since_ns, 0);
	}
	raw_spin_unlock_irq(&q->lock);
	trace_drain(q->cpu, done, READ_ONCE(q->len));

	if (more) {
		if (done >= limit)
			q->stats.budget_stops++;
		tsq_nudge(q);
		/* Yield to net_rx_action(), which polls us again in turn. */
		return budget;
	}
	if (done >= budget)
		return budget;
	napi_complete_done(napi, done);
	return done;
}

static int tsq_queue_init(unsigned int cpu)
{
	struct tsq_queue *q;

	q = kzalloc_node(sizeof(*q), GFP_KERNEL, cpu_to_node(cpu));
	if (!q)
		return -ENOMEM;
	raw_spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->head);
	q->cpu = cpu;
	WRITE_ONCE(q->online, cpu_online(cpu));
	q->starved_until = jiffies;
	INIT_CSD(&q->csd, tsq_ipi, q);
	tasklet_setup(&q->nudge, tsq_nudge_fn);
	tsq_busy_init(q);
	tsq_rescue_init(q);
	netif_napi_add(tsq_dev, &q->napi, tsq_poll);
	napi_enable(&q->napi);
	tsq_queues[cpu] = q;
	return 0;
}

/* Each CPU's ksoftirqd, for tcp_wfree()'s "serviced by ksoftirqd" test. */
static void tsq_find_ksoftirqd(void)
{
	struct task_struct *p;
	unsigned int cpu;

	rcu_read_lock();
	for_each_process(p) {
		if (!(p->flags & PF_KTHREAD) ||
		    sscanf(p->comm, "ksoftirqd/%u", &cpu) != 1 ||
		    cpu >= nr_cpu_ids || !tsq_queues[cpu] ||
		    tsq_queues[cpu]->ksoftirqd)
			continue;
		get_task_struct(p);
		WRITE_ONCE(tsq_queues[cpu]->ksoftirqd, p);
	}
	rcu_read_unlock();
}

int tsq_queues_init(void)
{
	unsigned int cpu;
	int err;

	tsq_queues = kcalloc(nr_cpu_ids, sizeof(*tsq_queues), GFP_KERNEL);
	if (!tsq_queues)
		return -ENOMEM;
	tsq_dev = tsq_alloc_dummy_netdev();
	if (!tsq_dev) {
		err = -ENOMEM;
		goto err_free;
	}
	strscpy(tsq_dev->name, "tsqsteal", sizeof(tsq_dev->name));
	for_each_possible_cpu(cpu) {
		err = tsq_queue_init(cpu);
		if (err)
			goto err_queues;
	}
	tsq_find_ksoftirqd();
	for_each_online_cpu(cpu) {
		if (!tsq_queues[cpu]->ksoftirqd) {
			pr_err("unsupported kernel: no ksoftirqd/%u thread found\n", cpu);
			err = -ENOENT;
			goto err_queues;
		}
	}
	if (READ_ONCE(tsq_threaded)) {
		err = tsq_set_threaded(tsq_dev, true);
		if (err) {
			pr_err("cannot start threaded NAPI: %d\n", err);
			goto err_queues;
		}
	}
	return 0;

err_queues:
	tsq_queues_stop();
	tsq_queues_free();
	return err;
err_free:
	kfree(tsq_queues);
	tsq_queues = NULL;
	return err;
}

int tsq_queues_set_threaded(bool on)
{
	return tsq_set_threaded(tsq_dev, on);
}

/*
 * Stop every source of polls: timers, IPIs in flight, NAPI.  The hook is
 * already gone, so nothing enqueues; what is still queued is drained here,
 * in process context with BH disabled, through the same tsq_xmit_one().
 */
void tsq_queues_stop(void)
{
	struct tcp_sock *tp, *tmp;
	struct tsq_queue *q;
	unsigned int cpu;
	LIST_HEAD(list);

	WRITE_ONCE(tsq_stopping, true);
	/* No poll runs after this, so nothing steals or re-arms timers. */
	for_each_possible_cpu(cpu)
		if (tsq_queues[cpu])
			napi_disable(&tsq_queues[cpu]->napi);
	for_each_possible_cpu(cpu) {
		q = tsq_queues[cpu];
		if (!q)
			continue;
		tsq_rescue_cancel(q);
		while (test_bit(0, &q->kick_pending))
			cpu_relax();
	}
	for_each_possible_cpu(cpu) {
		q = tsq_queues[cpu];
		if (!q)
			continue;
		raw_spin_lock_irq(&q->lock);
		tsq_take_locked(q, &list, UINT_MAX);
		raw_spin_unlock_irq(&q->lock);
		local_bh_disable();
		list_for_each_entry_safe(tp, tmp, &list, tsq_node) {
			list_del(&tp->tsq_node);
			tsq_xmit_one(q, (struct sock *)tp);
		}
		local_bh_enable();
	}
}

void tsq_queues_free(void)
{
	unsigned int cpu;
	struct tsq_queue *q;

	for_each_possible_cpu(cpu) {
		q = tsq_queues[cpu];
		if (!q)
			continue;
		/* Not netif_napi_del(): one grace period per CPU adds up. */
		__netif_napi_del(&q->napi);
		if (q->ksoftirqd)
			put_task_struct(q->ksoftirqd);
	}
	/*
	 * One grace period for all: the NAPIs' removal from the hash, and an
	 * IPI handler that cleared its pending bit and may still be running,
	 * IRQs off.  Its nudge may then still be pending; nothing schedules
	 * one after that.
	 */
	synchronize_net();
	for_each_possible_cpu(cpu) {
		if (tsq_queues[cpu])
			tasklet_kill(&tsq_queues[cpu]->nudge);
		kfree(tsq_queues[cpu]);
	}
	tsq_free_dummy_netdev(tsq_dev);
	tsq_dev = NULL;
	kfree(tsq_queues);
	tsq_queues = NULL;
}

/* cpuhp teardown, on the outgoing CPU: hand its queue to an online one. */
void tsq_queue_offline(unsigned int cpu)
{
	struct tsq_queue *q = tsq_queue_of(cpu), *to;
	unsigned int n;

	raw_spin_lock_irq(&q->lock);
	WRITE_ONCE(q->online, false);
	raw_spin_unlock_irq(&q->lock);
	cpumask_clear_cpu(cpu, &tsq_starving);

	to = tsq_pick_rescuer(cpu);
	if (!to)
		to = tsq_queue_of(cpumask_any_but(cpu_online_mask, cpu));
	n = tsq_move(to, q, UINT_MAX, true);
	if (n) {
		trace_rescue(cpu, to->cpu, n);
		tsq_kick(to);
	}
}

/*
 * With the CPU hotplug lock held by the caller: every queue's online flag
 * as it is now, whatever happened since tsq_queues_init() took its
 * snapshot; the cpuhp callbacks keep it from there.
 */
void tsq_queues_sync_online(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct tsq_queue *q = tsq_queue_of(cpu);

		if (cpu_online(cpu) && !q->ksoftirqd)
			tsq_find_ksoftirqd();
		raw_spin_lock_irq(&q->lock);
		WRITE_ONCE(q->online, cpu_online(cpu));
		raw_spin_unlock_irq(&q->lock);
	}
}

void tsq_queue_online(unsigned int cpu)
{
	struct tsq_queue *q = tsq_queue_of(cpu);

	if (!q->ksoftirqd)
		tsq_find_ksoftirqd();
	raw_spin_lock_irq(&q->lock);
	WRITE_ONCE(q->online, true);
	raw_spin_unlock_irq(&q->lock);
}
