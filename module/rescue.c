// SPDX-License-Identifier: GPL-2.0
/*
 * Starvation rescue.
 *
 * A queue's drain is a NAPI poll on its CPU: softirq work that a
 * SCHED_FIFO hog (or a CPU stuck in the kernel) can defer to a ksoftirqd
 * that never runs.  Each queue has a hard-IRQ hrtimer, armed when the
 * queue turns non-empty, which still fires on such a CPU.  When the queue
 * has made no progress for starve_us, the timer flags it starving and
 * kicks another allowed CPU, whose poll takes the whole queue; placement
 * then avoids the starved CPU until its own poll runs again, or for a
 * hold: TSQ_STARVED_HOLD rescue periods, doubled at each rescue that
 * finds the CPU still not polling, up to TSQ_STARVED_HOLD_MAX_MS.  A CPU
 * that nothing is queued to never polls, and must not stay shunned for
 * good; one whose poll stays off the CPU (a pinned NAPI kthread under a
 * SCHED_FIFO hog) must not be handed new work every few ms, each piece
 * waiting starve_us.  Under policy=local nothing moves: the timer only
 * kicks the queue's own CPU.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>

#include "compat.h"
#include "tsqsteal.h"

#define TSQ_STARVED_HOLD	8
#define TSQ_STARVED_HOLD_MAX_MS	1000

/*
 * The timer re-arms itself with hrtimer_start() rather than by forwarding
 * and returning HRTIMER_RESTART: an enqueue on another CPU may start it
 * while this callback runs, and forwarding a queued timer is a bug.
 */
static enum hrtimer_restart tsq_starve_fn(struct hrtimer *t)
{
	struct tsq_queue *q = container_of(t, struct tsq_queue, starve_timer);
	u64 limit = (u64)READ_ONCE(tsq_starve_us) * NSEC_PER_USEC;
	u64 since = READ_ONCE(q->since_ns), age, hold, max;
	struct tsq_queue *rescuer;

	if (READ_ONCE(tsq_stopping) || !READ_ONCE(q->len) || !since)
		return HRTIMER_NORESTART;
	age = tsq_age(tsq_now(), since);
	if (age < limit) {
		hrtimer_start(t, ns_to_ktime(limit - age), HRTIMER_MODE_REL_HARD);
		return HRTIMER_NORESTART;
	}

	/* local moves nothing: wake the queue's own poll and look again. */
	if (!tsq_stealing()) {
		q->stats.rescues++;
		tsq_kick(q);
		hrtimer_start(t, ns_to_ktime(limit), HRTIMER_MODE_REL_HARD);
		return HRTIMER_NORESTART;
	}
	/*
	 * Reset by the queue's own poll.  A poll that runs between the read
	 * and the writes below is undone: its queue stays a rescue target for
	 * one hold.  Rare and bounded (TSQ_STARVED_HOLD_MAX_MS); no lock here.
	 */
	max = max_t(u64, div64_u64(TSQ_STARVED_HOLD_MAX_MS * NSEC_PER_MSEC, limit),
		    TSQ_STARVED_HOLD);
	hold = READ_ONCE(q->starved_hold);
	hold = hold ? min(2 * hold, max) : TSQ_STARVED_HOLD;
	WRITE_ONCE(q->starved_hold, hold);
	WRITE_ONCE(q->starved_until, jiffies + 1 + nsecs_to_jiffies(hold * limit));
	cpumask_set_cpu(q->cpu, &tsq_starving);
	q->stats.rescues++;
	rescuer = tsq_pick_rescuer(q->cpu);
	if (rescuer)
		tsq_kick(rescuer);
	hrtimer_start(t, ns_to_ktime(limit), HRTIMER_MODE_REL_HARD);
	return HRTIMER_NORESTART;
}

void tsq_rescue_init(struct tsq_queue *q)
{
	tsq_hrtimer_setup(&q->starve_timer, tsq_starve_fn);
}

/* Called with q->lock held when the queue turns non-empty. */
void tsq_rescue_arm(struct tsq_queue *q)
{
	if (READ_ONCE(tsq_stopping) || hrtimer_is_queued(&q->starve_timer))
		return;
	hrtimer_start(&q->starve_timer,
		      ns_to_ktime((u64)READ_ONCE(tsq_starve_us) * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
}

void tsq_rescue_cancel(struct tsq_queue *q)
{
	hrtimer_cancel(&q->starve_timer);
}
