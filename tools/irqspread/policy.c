// SPDX-License-Identifier: GPL-2.0
/*
 * Policies: from the model to the list of files and values they want.
 * The vocabulary is perftune.py's: IRQ CPUs take the NIC's vectors, the
 * other housekeeping CPUs of the node take RPS work, isolated and
 * nohz_full CPUs take neither.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "sysroot.h"
#include "util.h"

static const char *const policy_names[] = {
	[POLICY_SPREAD] = "spread",
	[POLICY_IRQ_ONLY] = "irq-only",
	[POLICY_OFF] = "off",
	[POLICY_RESTORE] = "restore",
};

int policy_parse(const char *s, enum policy *p)
{
	for (int i = POLICY_SPREAD; i <= POLICY_OFF; i++)
		if (strcmp(s, policy_names[i]) == 0) {
			*p = (enum policy)i;
			return 0;
		}
	return -1;
}

const char *policy_name(enum policy p)
{
	return policy_names[p];
}

const char *kind_name(enum change_kind k)
{
	static const char *const names[] = {
		[CH_IRQ] = "irq", [CH_RPS] = "rps", [CH_FLOW] = "rfs",
		[CH_XPS] = "xps", [CH_SOCK] = "rfs",
	};

	return names[k];
}

int cpus_option(const char *arg, const struct machine *m, struct cpuset *out,
		char *err, size_t errlen)
{
	char perr[96], *list;
	int c;

	if (cpulist_parse(arg, strlen(arg), out, perr, sizeof(perr)))
		return errf(err, errlen, "--cpus '%s': malformed cpulist: %s", arg, perr);
	if (cpuset_empty(out))
		return errf(err, errlen, "--cpus '%s': names no CPU", arg);
	c = cpuset_first_not_in(out, &m->possible);
	if (c >= 0) {
		list = cpulist_str(&m->possible);
		errf(err, errlen, "--cpus '%s': CPU %d is out of range (possible CPUs %s)",
		     arg, c, list ? list : "?");
		free(list);
		return -1;
	}
	c = cpuset_first_not_in(out, &m->online);
	if (c >= 0) {
		list = cpulist_str(&m->online);
		errf(err, errlen, "--cpus '%s': CPU %d is offline (online CPUs %s)",
		     arg, c, list ? list : "?");
		free(list);
		return -1;
	}
	return 0;
}

static bool parse_long(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return !errno && end != s && !*end;
}

bool value_equal(enum change_kind k, const char *a, const char *b)
{
	struct cpuset x, y;
	long p, q;

	switch (k) {
	case CH_IRQ:
		if (cpulist_parse(a, strlen(a), &x, NULL, 0) ||
		    cpulist_parse(b, strlen(b), &y, NULL, 0))
			break;
		return cpuset_equal(&x, &y);
	case CH_RPS:
	case CH_XPS:
		if (cpumask_parse(a, strlen(a), &x, NULL, 0) ||
		    cpumask_parse(b, strlen(b), &y, NULL, 0))
			break;
		return cpuset_equal(&x, &y);
	case CH_FLOW:
	case CH_SOCK:
		if (!parse_long(a, &p) || !parse_long(b, &q))
			break;
		return p == q;
	}
	return strcmp(a, b) == 0;
}

bool value_off(enum change_kind k, const char *v)
{
	struct cpuset s;
	long n;

	switch (k) {
	case CH_RPS:
	case CH_XPS:
		return !cpumask_parse(v, strlen(v), &s, NULL, 0) && cpuset_empty(&s);
	case CH_FLOW:
	case CH_SOCK:
		return parse_long(v, &n) && n == 0;
	case CH_IRQ:
		break;
	}
	return false;
}

void plan_init(struct plan *p, enum policy policy, struct nic **nics, size_t nnic)
{
	memset(p, 0, sizeof(*p));
	p->policy = policy;
	p->nics = calloc(nnic + 1, sizeof(*p->nics));
	if (!p->nics)
		return;
	p->nnic = nnic;
	for (size_t i = 0; i < nnic; i++)
		p->nics[i].nic = nics[i];
}

int plan_add(struct plan *p, int nic, enum change_kind k, const char *path,
	     const char *old, char *new, const char *why)
{
	struct change *c;

	if (!new)
		return -1;
	if (!old) {
		free(new);
		return 0;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct change *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			free(new);
			return -1;
		}
		p->v = v;
		p->cap = cap;
	}
	c = &p->v[p->n];
	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	c->old = strdup(old);
	c->why = strdup(why);
	c->new = new;
	if (!c->path || !c->old || !c->why) {
		free(c->path);
		free(c->old);
		free(c->why);
		free(new);
		return -1;
	}
	c->kind = k;
	c->nic = nic;
	c->differs = !value_equal(k, old, new);
	p->ndiff += c->differs;
	p->n++;
	return 0;
}

int plan_note(struct plan *p, int nic, const char *fmt, ...)
{
	struct nic_plan *np = &p->nics[nic];
	char buf[512];
	va_list ap;

	if (np->nnotes >= sizeof(np->notes) / sizeof(np->notes[0]))
		return -1;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	np->notes[np->nnotes] = strdup(buf);
	if (!np->notes[np->nnotes])
		return -1;
	np->nnotes++;
	return 0;
}

int plan_warn(struct plan *p, const char *fmt, ...)
{
	size_t old = p->warn ? strlen(p->warn) : 0;
	char buf[1024], *v;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	len = (size_t)len < sizeof(buf) ? len : (int)sizeof(buf) - 1;
	v = realloc(p->warn, old + (size_t)len + 2);
	if (!v)
		return -1;
	memcpy(v + old, buf, (size_t)len);
	v[old + (size_t)len] = '\n';
	v[old + (size_t)len + 1] = '\0';
	p->warn = v;
	return 0;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].old);
		free(p->v[i].new);
		free(p->v[i].why);
	}
	for (size_t i = 0; p->nics && i < p->nnic; i++)
		for (size_t j = 0; j < p->nics[i].nnotes; j++)
			free(p->nics[i].notes[j]);
	free(p->v);
	free(p->nics);
	free(p->chan);
	free(p->ib_old);
	free(p->ib_new);
	free(p->gone);
	free(p->warn);
	memset(p, 0, sizeof(*p));
}

/* Every netdev, virtual ones too: they can have RFS of their own. */
static int nic_names_all(char ***names, size_t *n)
{
	return sr_list("/sys/class/net", names, n);
}

static long roundup_pow2(long v)
{
	long r = 1;

	while (r < v && r < (1L << 30))
		r <<= 1;
	return r;
}

/* A short cpulist for a message; "none" when empty. */
static const char *list_of(const struct cpuset *s, char *buf, size_t len)
{
	char *l = cpulist_str(s);

	snprintf(buf, len, "%s", !l ? "?" : *l ? l : "none");
	free(l);
	return buf;
}

/*
 * The CPUs a NIC may use: its node's online CPUs without isolated and
 * nohz_full ones. A node left with nothing (all isolated, or node -1)
 * widens to every node rather than giving up.
 */
static void candidates(const struct machine *m, struct plan *p, int i,
		       const struct plan_opts *o)
{
	struct nic_plan *np = &p->nics[i];
	const struct nic *n = np->nic;
	const struct node *nd = machine_node(m, n->node);
	struct cpuset busy, c;
	char a[256];

	if (o->has_cpus) {
		np->cands = o->cpus;
		plan_note(p, i, "CPUs %s from --cpus", list_of(&np->cands, a, sizeof(a)));
		return;
	}
	cpuset_or(&busy, &m->isolated, &m->nohz_full);
	if (nd && !cpuset_empty(&nd->cpus)) {
		cpuset_andnot(&c, &nd->cpus, &busy);
		if (!cpuset_empty(&c)) {
			np->cands = c;
			plan_note(p, i, "node %d: housekeeping CPUs %s%s", n->node,
				  list_of(&c, a, sizeof(a)),
				  cpuset_empty(&busy) ? "" : " (isolated and nohz_full CPUs left out)");
			return;
		}
	}
	cpuset_andnot(&c, &m->online, &busy);
	if (cpuset_empty(&c)) {
		np->cands = m->online;
		plan_note(p, i, "every online CPU is isolated or nohz_full: using all of them");
		return;
	}
	np->cands = c;
	plan_note(p, i, "%s: housekeeping CPUs %s%s",
		  n->node < 0 ? "no NUMA node" : "all nodes (none of the NIC's node is usable)",
		  list_of(&c, a, sizeof(a)),
		  cpuset_empty(&busy) ? "" : " (isolated and nohz_full CPUs left out)");
}

static const struct machine *sort_m;

static int cmp_core_first(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int rx = sort_m->thread_rank[x], ry = sort_m->thread_rank[y];

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Physical cores first, SMT siblings after them, each in CPU order. */
static int *ordered_cpus(const struct machine *m, const struct cpuset *s, int *n)
{
	int *v = malloc(sizeof(int) * ((size_t)cpuset_count(s) + 1));
	int c;

	*n = 0;
	if (!v)
		return NULL;
	for_each_cpu(c, s)
		if (c < m->nr_cpu_ids)
			v[(*n)++] = c;
	sort_m = m;
	qsort(v, (size_t)*n, sizeof(int), cmp_core_first);
	return v;
}

/*
 * The vector before @k that serves the same queue, or -1. A queue's rx and
 * tx vectors go to one CPU: virtio_net pairs rq[i] with sq[i], e1000e's
 * rx-0 and tx-0 are one queue, and ENA and mlx5 have one vector per pair
 * anyway. A vector whose queue is unknown (msi_irqs) stands alone.
 */
static long queue_mate(const struct nic *n, size_t k)
{
	const struct nic_irq *q = &n->irqs[k];

	if (q->queue < 0 || q->role == ROLE_UNKNOWN || q->role == ROLE_OTHER)
		return -1;
	for (size_t j = 0; j < k; j++)
		if (n->irqs[j].queue == q->queue && n->irqs[j].role != ROLE_UNKNOWN &&
		    n->irqs[j].role != ROLE_OTHER)
			return (long)j;
	return -1;
}

/* How many CPUs the NIC's vectors want: one per queue (pair). */
static size_t nic_slots(const struct nic *n)
{
	size_t s = 0;

	for (size_t k = 0; k < n->nirq; k++)
		s += queue_mate(n, k) < 0;
	return s;
}

static int plan_irqs(const struct machine *m, struct plan *p, int i, const int *ord,
		     int ncand, int *cpu_for)
{
	struct nic_plan *np = &p->nics[i];
	const struct nic *n = np->nic;
	size_t nslots = nic_slots(n), slot = 0;
	bool shared;
	char why[320], path[64];

	if (!ncand)
		return -1;
	shared = nslots > (size_t)ncand;
	for (size_t k = 0; k < n->nirq; k++) {
		const struct nic_irq *q = &n->irqs[k];
		long mate = queue_mate(n, k);
		/* One CPU per queue; more queues than CPUs wrap around. */
		int c = mate >= 0 ? cpu_for[mate] : ord[slot++ % (size_t)ncand];
		struct cpuset one;

		cpu_for[k] = c;
		cpuset_set(&np->irq_cpus, c);
		cpuset_zero(&one);
		cpuset_set(&one, c);
		snprintf(why, sizeof(why), "%s on CPU %d (%s%s%s)", q->name, c,
			 m->thread_rank[c] ? "SMT sibling" : "core",
			 mate >= 0 ? ", with its queue's other vector" : "",
			 shared ? ", more queues than CPUs" : "");
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", q->irq);
		if (plan_add(p, i, CH_IRQ, path, q->aff_raw, cpulist_str(&one), why))
			return -1;
	}
	if (n->nirq) {
		char a[256];

		plan_note(p, i, "%zu queue IRQs on CPUs %s, one %sper CPU%s%s", n->nirq,
			  list_of(&np->irq_cpus, a, sizeof(a)), nslots < n->nirq ? "queue " : "",
			  shared ? " until the CPUs run out, then they wrap around" : "",
			  nslots < n->nirq ? " (its rx and tx vectors together)" : "");
	} else {
		plan_note(p, i, "no queue IRQs found: affinity left alone");
	}
	return 0;
}

/* The index in m->nodes of @cpu's node, or -1. */
static int node_index(const struct machine *m, int cpu)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (cpuset_has(&m->nodes[i].cpus, cpu))
			return (int)i;
	return -1;
}

/* The CPU the rx work of queue @q is interrupted on, or -1. */
static int rx_irq_cpu(const struct nic *n, const int *cpu_for, int q)
{
	for (size_t k = 0; cpu_for && k < n->nirq; k++)
		if ((n->irqs[k].role == ROLE_TXRX || n->irqs[k].role == ROLE_RX) &&
		    n->irqs[k].queue == q)
			return cpu_for[k];
	return -1;
}

/*
 * Each rx queue steers to the RPS CPUs of its IRQ CPU's node (scaling.rst:
 * stay in the interrupting CPU's memory domain). Every node must have at
 * least as many of them as it has queues, or RPS would funnel the queues
 * onto fewer CPUs than RSS already uses. @masks gets one set per queue;
 * returns false, with the first node short in *short_node, when it fails.
 */
static bool rps_masks(const struct machine *m, const struct nic *n, const int *cpu_for,
		      const struct cpuset *pool, struct cpuset *masks, int *short_node,
		      int *have, int *need)
{
	int nn = (int)m->nnodes;
	int *queues = calloc((size_t)nn + 1, sizeof(int)), single = 0;

	if (!queues)
		return false;
	for (int q = 0; q < n->nrx; q++) {
		int c = rx_irq_cpu(n, cpu_for, q), x = c >= 0 ? node_index(m, c) : -1;

		if (x >= 0 && nn > 1) {
			cpuset_and(&masks[q], pool, &m->nodes[x].cpus);
			queues[x]++;
		} else {
			masks[q] = *pool;	/* one node, or the queue's CPU unknown */
			single++;
		}
	}
	*short_node = -2;
	if (single && cpuset_count(pool) < single) {
		*short_node = -1;
		*have = cpuset_count(pool);
		*need = single;
	}
	for (int x = 0; x < nn && *short_node == -2; x++) {
		struct cpuset on;

		cpuset_and(&on, pool, &m->nodes[x].cpus);
		if (queues[x] && cpuset_count(&on) < queues[x]) {
			*short_node = m->nodes[x].id;
			*have = cpuset_count(&on);
			*need = queues[x];
		}
	}
	free(queues);
	return *short_node == -2;
}

#define RFS_KEPT "; RFS kept: it steers each flow to the CPU of its socket, which RSS cannot"
/* The RFS part of an RPS-off note where rt_rps_warns() holds, any branch. */
#define RFS_RT_OFF "; RFS off too: PREEMPT_RT before 6.10 warns when RFS steers a flow to " \
	"another CPU (the same IPI as RPS)"

static int plan_rps(const struct machine *m, struct plan *p, int i, long flows,
		    const int *cpu_for, const struct cpuset *all_irq)
{
	struct nic_plan *np = &p->nics[i];
	const struct nic *n = np->nic;
	int ncand = cpuset_count(&np->cands), c, short_node = -2, have = 0, need = 0;
	struct cpuset free_cpus, sib, pool, *masks;
	bool with_sib = false, rt_off, *core_irq;
	char why[512], path[320], a[256], b[256];
	const char *rfs_tail = m->rps_warns_on_rt ? RFS_RT_OFF : RFS_KEPT;

	if (!n->nrx)
		return 0;
	masks = calloc((size_t)n->nrx, sizeof(*masks));
	if (!masks)
		return -1;
	/* CPUs without NIC IRQs (of any NIC planned), then no SMT sibling of one. */
	cpuset_andnot(&free_cpus, &np->cands, all_irq);
	core_irq = calloc((size_t)m->nr_cpu_ids, sizeof(bool));
	if (!core_irq) {
		free(masks);
		return -1;
	}
	for_each_cpu(c, all_irq)
		if (c < m->nr_cpu_ids)
			core_irq[m->core_of[c]] = true;
	cpuset_zero(&sib);
	for_each_cpu(c, &free_cpus)
		if (c < m->nr_cpu_ids && core_irq[m->core_of[c]])
			cpuset_set(&sib, c);
	free(core_irq);
	cpuset_andnot(&pool, &free_cpus, &sib);
	cpuset_zero(&np->rps);
	np->rps_on = n->nrx < ncand &&
		     rps_masks(m, n, cpu_for, &pool, masks, &short_node, &have, &need);
	if (!np->rps_on && n->nrx < ncand && !cpuset_empty(&sib)) {
		/* Nothing else is left: siblings of IRQ CPUs, said so. */
		with_sib = rps_masks(m, n, cpu_for, &free_cpus, masks, &short_node, &have, &need);
		np->rps_on = with_sib;
	}
	/* Where RPS itself makes the kernel WARN (rt_rps_warns()), it stays off. */
	rt_off = np->rps_on && m->rps_warns_on_rt;
	if (rt_off)
		np->rps_on = false;
	/*
	 * RFS stays on whether RPS is or not: it steers a flow to the CPU its
	 * socket was last used on, which RSS cannot know (scaling.rst), and
	 * with aRFS the NIC does that in hardware using the IRQ affinity.
	 * Except where rt_rps_warns() holds, in every branch below: with a
	 * flow table and rps_sock_flow_entries set, get_rps_cpu() sends a flow
	 * to its socket's CPU even with an empty rps_cpus, and the cross-CPU
	 * enqueue_to_backlog() kicks that CPU with the same IPI as RPS.
	 */
	np->flow_cnt = m->rps_warns_on_rt ? 0 :
		       roundup_pow2(flows / n->nrx > 0 ? flows / n->nrx : 1);
	if (np->rps_on) {
		for (int q = 0; q < n->nrx; q++)
			cpuset_or(&np->rps, &np->rps, &masks[q]);
		list_of(&np->rps, a, sizeof(a));
		snprintf(why, sizeof(why), "RPS to CPUs without NIC IRQs%s: %s",
			 with_sib ? " (SMT siblings of IRQ CPUs: nothing else is left)" : "", a);
		plan_note(p, i, "RPS on: %d rx queue%s < %d CPUs, steering to %s; RFS %ld flows per queue",
			  n->nrx, n->nrx == 1 ? "" : "s", ncand, a, np->flow_cnt);
		if (with_sib)
			plan_note(p, i, "RPS includes SMT siblings of IRQ CPUs (%s): no other CPU is left",
				  list_of(&sib, b, sizeof(b)));
	} else if (rt_off) {
		snprintf(why, sizeof(why), "RPS off: PREEMPT_RT before 6.10 warns when RPS raises "
			 "NET_RX from the idle loop");
		plan_note(p, i, "RPS and RFS off: PREEMPT_RT before 6.10 (%s) warns when RPS or RFS "
			  "sends rx work to another CPU, whose IPI raises NET_RX from the idle loop "
			  "(kernel/softirq.c do_softirq_post_smp_call_flush): for RPS and RFS, a "
			  "kernel >= 6.10 (backlog threads on RT); else more channels (--channels) "
			  "so that RSS spreads",
			  m->osrelease ? m->osrelease : "release unknown");
	} else if (n->nrx < ncand && short_node != -2 && !cpuset_empty(&free_cpus)) {
		if (short_node >= 0)
			snprintf(b, sizeof(b), " on node %d", short_node);
		else
			b[0] = '\0';
		snprintf(why, sizeof(why), "RPS off: %d CPU%s without NIC IRQs%s for %d rx queue%s",
			 have, have == 1 ? "" : "s", b, need, need == 1 ? "" : "s");
		list_of(&free_cpus, a, sizeof(a));
		plan_note(p, i, "RPS off: only %d CPU%s without NIC IRQs%s for %s%d rx queue%s (%s%s): "
			  "RPS would funnel them onto fewer CPUs than RSS uses%s", have,
			  have == 1 ? "" : "s", b, short_node >= 0 ? "its " : "", need,
			  need == 1 ? "" : "s", short_node >= 0 ? "on any node: " : "", a, rfs_tail);
	} else if (n->nrx < ncand) {
		snprintf(why, sizeof(why), "RPS off: every usable CPU takes a NIC IRQ");
		plan_note(p, i, "RPS off: all %d usable CPUs take NIC IRQs, none is left to steer to%s",
			  ncand, rfs_tail);
	} else {
		snprintf(why, sizeof(why), "RPS off: %d rx queue%s for %d CPU%s", n->nrx,
			 n->nrx == 1 ? "" : "s", ncand, ncand == 1 ? "" : "s");
		plan_note(p, i, "RPS off: %d rx queue%s >= %d CPU%s, the NIC spreads by itself%s",
			  n->nrx, n->nrx == 1 ? "" : "s", ncand, ncand == 1 ? "" : "s", rfs_tail);
	}
	/*
	 * ntuple filters are an ethtool feature, not in sysfs: say, don't run
	 * it. aRFS needs RFS (rps_flow_cnt): no note where RFS is off.
	 */
	if (np->flow_cnt > 0)
		plan_note(p, i, "aRFS also needs `ethtool -K %s ntuple on` where the driver "
			  "supports it (irqspread cannot see or set ntuple-filters)", n->name);
	for (int q = 0; q < n->nrx; q++) {
		struct cpuset none;

		cpuset_zero(&none);
		if (np->rps_on && !cpuset_equal(&masks[q], &np->rps))
			snprintf(why, sizeof(why), "RPS to CPUs without NIC IRQs on rx-%d's node: %s",
				 q, list_of(&masks[q], a, sizeof(a)));
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_cpus", n->name, q);
		if (plan_add(p, i, CH_RPS, path, n->rx[q].rps_raw,
			     cpumask_str(np->rps_on ? &masks[q] : &none, m->nr_cpu_ids), why)) {
			free(masks);
			return -1;
		}
	}
	free(masks);
	if (m->rps_warns_on_rt)
		snprintf(why, sizeof(why), "RFS off: PREEMPT_RT before 6.10 warns when RFS steers "
			 "a flow to another CPU (the same IPI as RPS)");
	else if (np->rps_on)
		snprintf(why, sizeof(why), "RFS: %ld flows over %d rx queues", flows, n->nrx);
	else
		snprintf(why, sizeof(why), "RFS without RPS: %ld flows over %d rx queues, "
			 "each flow to the CPU its socket was last used on", flows, n->nrx);
	for (int q = 0; q < n->nrx; q++) {
		char num[32];

		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_flow_cnt", n->name, q);
		snprintf(num, sizeof(num), "%ld", np->flow_cnt);
		if (plan_add(p, i, CH_FLOW, path, n->rx[q].flow_raw, strdup(num), why))
			return -1;
	}
	return 0;
}

/*
 * The tx queue for a CPU without a queue IRQ: the queue of a CPU sharing
 * its L2 (an SMT sibling, or one placed before it), else a queue whose IRQ
 * CPU shares its L3, else any; among those the one with the fewest CPUs,
 * then the lowest. Sharing a cache with the CPU that takes the queue's
 * completions keeps the queue's state warm; counts keep queues even.
 */
static int xps_pick(const struct machine *m, const struct nic *n, int c, const int *txq,
		    const bool *is_irq, const int *load, int *score)
{
	int d, best = -1;

	for (int q = 0; q < n->ntx; q++)
		score[q] = 2;
	for_each_cpu(d, &m->online) {
		if (d >= m->nr_cpu_ids)
			break;
		if (txq[d] < 0)
			continue;
		if (m->l2_of && m->l2_of[d] == m->l2_of[c])
			score[txq[d]] = 0;
		else if (is_irq[d] && m->l3_of && m->l3_of[c] >= 0 && m->l3_of[d] == m->l3_of[c] &&
			 score[txq[d]] > 1)
			score[txq[d]] = 1;
	}
	for (int q = 0; q < n->ntx; q++)
		if (best < 0 || score[q] < score[best] ||
		    (score[q] == score[best] && load[q] < load[best]))
			best = q;
	return best;
}

/*
 * XPS: every online CPU sends on exactly one tx queue. A CPU that takes
 * queue i's IRQ sends on tx-i, so its TX completions - and the TSQ work
 * they trigger - stay on it; the other CPUs go by cache (xps_pick()).
 */
static int plan_xps(const struct machine *m, struct plan *p, int i, const int *cpu_for)
{
	struct nic_plan *np = &p->nics[i];
	const struct nic *n = np->nic;
	struct cpuset *map;
	int *txq, *load, *score, c;
	bool *is_irq;
	char a[256], why[320], path[320];
	int rc = -1;

	if (n->ntx < 2)
		return 0;
	txq = malloc(sizeof(int) * (size_t)m->nr_cpu_ids);
	is_irq = calloc((size_t)m->nr_cpu_ids, sizeof(bool));
	map = calloc((size_t)n->ntx, sizeof(*map));
	load = calloc((size_t)n->ntx, sizeof(int));
	score = calloc((size_t)n->ntx, sizeof(int));
	if (!txq || !is_irq || !map || !load || !score)
		goto out;
	for (c = 0; c < m->nr_cpu_ids; c++)
		txq[c] = -1;
	for (size_t j = 0; cpu_for && j < n->nirq; j++) {
		const struct nic_irq *q = &n->irqs[j];

		if (q->role != ROLE_UNKNOWN && q->queue >= 0 && q->queue < n->ntx &&
		    cpu_for[j] >= 0 && cpu_for[j] < m->nr_cpu_ids && txq[cpu_for[j]] < 0 &&
		    cpuset_has(&m->online, cpu_for[j])) {
			txq[cpu_for[j]] = q->queue;
			is_irq[cpu_for[j]] = true;
			load[q->queue]++;
		}
	}
	for_each_cpu(c, &m->online) {
		if (c >= m->nr_cpu_ids)
			break;
		if (txq[c] < 0) {
			txq[c] = xps_pick(m, n, c, txq, is_irq, load, score);
			load[txq[c]]++;
		}
		cpuset_set(&map[txq[c]], c);
	}
	plan_note(p, i, "XPS: each of %d online CPUs sends on one of %d tx queues: the queue whose "
		  "IRQ it takes, else one sharing its L2, else its L3, else the least used",
		  cpuset_count(&m->online), n->ntx);
	for (int q = 0; q < n->ntx; q++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/tx-%d/xps_cpus", n->name, q);
		snprintf(why, sizeof(why), "XPS: CPUs %s send on tx-%d", list_of(&map[q], a, sizeof(a)), q);
		if (plan_add(p, i, CH_XPS, path, n->tx[q].xps_raw,
			     cpumask_str(&map[q], m->nr_cpu_ids), why))
			goto out;
	}
	rc = 0;
out:
	free(txq);
	free(is_irq);
	free(map);
	free(load);
	free(score);
	return rc;
}

/* Kernel defaults: default_smp_affinity, no RPS, no RFS, no XPS. */
static int plan_off(const struct machine *m, struct plan *p, int i)
{
	const struct nic *n = p->nics[i].nic;
	struct cpuset none;
	char path[320];

	cpuset_zero(&none);
	p->nics[i].cands = m->online;
	for (size_t k = 0; k < n->nirq; k++) {
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", n->irqs[k].irq);
		if (plan_add(p, i, CH_IRQ, path, n->irqs[k].aff_raw,
			     cpulist_str(&m->default_aff), "kernel default (/proc/irq/default_smp_affinity)"))
			return -1;
	}
	for (int q = 0; q < n->nrx; q++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_cpus", n->name, q);
		if (plan_add(p, i, CH_RPS, path, n->rx[q].rps_raw,
			     cpumask_str(&none, m->nr_cpu_ids), "kernel default: no RPS"))
			return -1;
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_flow_cnt", n->name, q);
		if (plan_add(p, i, CH_FLOW, path, n->rx[q].flow_raw, strdup("0"),
			     "kernel default: no RFS"))
			return -1;
	}
	for (int q = 0; n->ntx > 1 && q < n->ntx; q++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/tx-%d/xps_cpus", n->name, q);
		if (plan_add(p, i, CH_XPS, path, n->tx[q].xps_raw,
			     cpumask_str(&none, m->nr_cpu_ids), "no XPS (drivers may set their own at probe)"))
			return -1;
	}
	plan_note(p, i, "kernel defaults: IRQs on default_smp_affinity, RPS, RFS and XPS off");
	return 0;
}

/*
 * rps_sock_flow_entries is one table for the whole machine: it must hold
 * the flows of every netdev with RFS, not just the ones planned, and what
 * an admin set is theirs. So it is the largest of the current value, what
 * the planned NICs ask for and what every other netdev's rps_flow_cnt adds
 * up to; it only grows, and "off" on one NIC never takes it from another.
 */
static int plan_sock(const struct machine *m, struct plan *p, struct nic **nics, size_t nnic)
{
	long cur = 0, want = roundup_pow2(p->flows), other = 0, target;
	char **names, why[320], num[32], who[80] = "";
	size_t n;

	/*
	 * Where rt_rps_warns() holds, every planned NIC gets rps_flow_cnt 0
	 * (plan_rps()): the machine-wide table is left as it is. That is
	 * harmless while they do: get_rps_cpu() reads it only for a queue with
	 * a flow table, whatever its size. Other netdevs' RFS: rt_rfs_left().
	 */
	if (!m->rps_sock_raw || m->rps_warns_on_rt)
		return 0;
	if (!parse_long(m->rps_sock_raw, &cur) || cur < 0)
		cur = 0;
	if (!nic_names_all(&names, &n)) {
		for (size_t i = 0; i < n; i++) {
			bool planned = false;
			long f;

			/* A planned NIC's flows are what the plan gives it. */
			for (size_t k = 0; k < nnic; k++)
				planned |= strcmp(nics[k]->name, names[i]) == 0;
			f = planned ? 0 : roundup_pow2(netdev_rfs_flows(names[i]));
			if (f > other && f > 1) {
				other = f;
				snprintf(who, sizeof(who), "%s", names[i]);
			}
		}
		sr_list_free(names, n);
	}
	target = want;
	if (other > target)
		target = other;
	if (cur > target)
		target = cur;
	if (target == want)
		snprintf(why, sizeof(why), "RFS table for %ld flows (machine-wide)", p->flows);
	else if (target == cur)
		snprintf(why, sizeof(why),
			 "RFS table kept at %ld, it covers %ld flows (machine-wide, only grown)",
			 cur, p->flows);
	else
		snprintf(why, sizeof(why), "RFS table for the %ld flows %s is set up for (machine-wide)",
			 other, who);
	snprintf(num, sizeof(num), "%ld", target);
	return plan_add(p, -1, CH_SOCK, "/proc/sys/net/core/rps_sock_flow_entries",
			m->rps_sock_raw, strdup(num), why);
}

/*
 * Where rt_rps_warns() holds, RFS still steers for every netdev that keeps
 * a flow table while rps_sock_flow_entries is set, and warns there. The
 * NICs named get rps_flow_cnt 0 (spread, off); the others and the table
 * are not written to stop it, but said: apply writes only the NICs named
 * ("apply A; apply B" lands where "apply" does), the table only grows
 * and may be the admin's (plan_sock()), and zeroing it would reach netdevs
 * a saved state cannot hold (virtual ones), so restore could not bring
 * them back. The table alone is harmless: get_rps_cpu() reads it only for
 * a queue with a flow table. irq-only leaves its NICs' RFS too.
 */
static int rt_rfs_left(const struct machine *m, struct plan *p, struct nic **named,
		       size_t nnamed)
{
	long table = 0;
	char **names, who[256] = "", more[32] = "";
	size_t n, used = 0, count = 0, listed = 0;

	if (!m->rps_warns_on_rt || !m->rps_sock_raw || !parse_long(m->rps_sock_raw, &table) ||
	    table <= 0 || nic_names_all(&names, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		bool off = false;

		for (size_t k = 0; k < nnamed && p->policy != POLICY_IRQ_ONLY; k++)
			off |= strcmp(named[k]->name, names[i]) == 0;
		if (off || netdev_rfs_flows(names[i]) <= 0)
			continue;
		count++;
		if (used + strlen(names[i]) + 3 >= sizeof(who))
			continue;
		used += (size_t)snprintf(who + used, sizeof(who) - used, "%s%s",
					 used ? ", " : "", names[i]);
		listed++;
	}
	sr_list_free(names, n);
	if (!count)
		return 0;
	if (count > listed)
		snprintf(more, sizeof(more), " and %zu more", count - listed);
	return plan_warn(p, "PREEMPT_RT before 6.10 (%s): RFS stays on for %s%s "
			 "(rps_flow_cnt set, rps_sock_flow_entries %ld) and warns there as RPS "
			 "does; left as it is (only spread and off write RFS, only for the NICs "
			 "named, and the machine-wide table never shrinks): apply spread or off "
			 "to a NIC, or rps_sock_flow_entries 0 for every netdev, turns it off",
			 m->osrelease ? m->osrelease : "release unknown", who, more, table);
}

/* Names of the NICs in @grp but @self, for a note. */
static const char *others(struct nic **nics, const size_t *grp, size_t k, size_t self,
			  char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t g = 0; g < k && used < len; g++)
		if (grp[g] != self)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 nics[grp[g]]->name);
	return buf;
}

/*
 * NICs planned together get IRQ CPUs of their own: the NICs with the same
 * usable CPUs (one node, or --cpus) take consecutive slices of them, cores
 * first, each as many CPUs as it has queues (nic_slots()). When the CPUs
 * do not go round, they are split in proportion to the queues (at least
 * one each), and a NIC's queues wrap within its part. Only with more NICs
 * than CPUs do they share. ord[i]/nord[i] get each NIC's CPUs in order.
 */
static int share_cpus(const struct machine *m, struct plan *p, struct nic **nics, size_t nnic,
		      int **ord, int *nord)
{
	size_t *grp = calloc(nnic + 1, sizeof(size_t)), *idx = calloc(nnic + 1, sizeof(size_t));
	bool *done = calloc(nnic + 1, sizeof(bool));
	char names[256];

	if (!grp || !done || !idx)
		goto oom;
	/* By name, so the plan does not depend on which NICs were named first. */
	for (size_t i = 0; i < nnic; i++) {
		size_t at = i;

		while (at && strcmp(nics[idx[at - 1]]->name, nics[i]->name) > 0) {
			idx[at] = idx[at - 1];
			at--;
		}
		idx[at] = i;
	}
	for (size_t ii = 0; ii < nnic; ii++) {
		size_t i = idx[ii], k = 0, total = 0;
		int n, *all, off = 0, left;

		if (done[i])
			continue;
		for (size_t jj = ii; jj < nnic; jj++) {
			size_t j = idx[jj];

			if (!done[j] && cpuset_equal(&p->nics[j].cands, &p->nics[i].cands)) {
				grp[k++] = j;
				done[j] = true;
				total += nic_slots(nics[j]);
			}
		}
		all = ordered_cpus(m, &p->nics[i].cands, &n);
		if (!all)
			goto oom;
		left = n;
		for (size_t g = 0; g < k; g++) {
			size_t j = grp[g];
			int want;

			bool own = k > 1 && nics[j]->nirq && (size_t)k <= (size_t)n;

			if (!own) {
				want = n;	/* alone, too many NICs, or nothing to place */
			} else if (total <= (size_t)n) {
				want = (int)nic_slots(nics[j]);
			} else {
				/* Proportional, at least one, the rest to the first NICs. */
				want = (int)((size_t)n * nic_slots(nics[j]) / total);
				if (want < 1)
					want = 1;
				if (want > left - (int)(k - g - 1))
					want = left - (int)(k - g - 1);
				if (g == k - 1)
					want = left;
			}
			ord[j] = malloc(sizeof(int) * ((size_t)want + 1));
			if (!ord[j]) {
				free(all);
				goto oom;
			}
			memcpy(ord[j], all + (own ? off : 0), sizeof(int) * (size_t)want);
			nord[j] = want;
			if (own) {
				off += want;
				left -= want;
			}
			if (k == 1 || !nics[j]->nirq)
				continue;
			others(nics, grp, k, j, names, sizeof(names));
			if ((size_t)k > (size_t)n)
				plan_note(p, (int)j, "more NICs than CPUs: IRQ CPUs shared with %s", names);
			else if (total <= (size_t)n)
				plan_note(p, (int)j, "planned with %s: IRQ CPUs of its own", names);
			else
				plan_note(p, (int)j, "planned with %s: %zu queues of all NICs for %d CPUs, "
					  "%d of them for this NIC", names, total, n, want);
		}
		free(all);
	}
	free(grp);
	free(idx);
	free(done);
	return 0;
oom:
	free(grp);
	free(idx);
	free(done);
	return -1;
}

/*
 * The NICs not named, loaded so that a plan for some NICs is the plan for
 * all of them cut down: "apply A; apply B" lands where "apply" does, and
 * "check A" after "apply" finds no drift. A NIC that does not load is
 * left out of the sharing (it could not be applied either).
 */
static int load_all(const struct machine *m, struct nic **nics, size_t nnic,
		    struct nic ***all, size_t *nall)
{
	char **names, err[256];
	size_t n;

	*nall = 0;
	*all = NULL;
	if (nic_names(&names, &n, err, sizeof(err))) {
		names = NULL;
		n = 0;
	}
	*all = calloc(nnic + n + 1, sizeof(struct nic *));
	if (!*all) {
		sr_list_free(names, n);
		return -1;
	}
	memcpy(*all, nics, nnic * sizeof(struct nic *));
	*nall = nnic;
	for (size_t i = 0; i < n; i++) {
		bool named = false;

		for (size_t k = 0; k < nnic; k++)
			named |= strcmp(nics[k]->name, names[i]) == 0;
		if (!named && !nic_load(m, names[i], &(*all)[*nall], err, sizeof(err)))
			(*nall)++;
	}
	sr_list_free(names, n);
	return 0;
}

/* Keep the changes and notes of the first @keep NICs and the machine's. */
static void plan_trim(struct plan *p, size_t keep)
{
	size_t w = 0;

	p->ndiff = 0;
	p->nskip = 0;
	for (size_t k = 0; k < p->n; k++) {
		struct change *c = &p->v[k];

		if (c->nic >= (int)keep) {
			free(c->path);
			free(c->old);
			free(c->new);
			free(c->why);
			continue;
		}
		p->v[w++] = *c;
		p->ndiff += c->differs;
		p->nskip += c->skip;
	}
	p->n = w;
	for (size_t i = keep; i < p->nnic; i++)
		for (size_t j = 0; j < p->nics[i].nnotes; j++)
			free(p->nics[i].notes[j]);
	if (p->nnic > keep)
		p->nnic = keep;
}

/* plan_build()'s scratch: per-NIC CPU orders, and the NICs it loaded itself. */
static void build_scratch_free(struct nic **nics, struct nic **named, size_t nnamed,
			       size_t nnic, int **ord, int *nord, int **cpu_for)
{
	for (size_t i = 0; ord && cpu_for && i < nnic; i++) {
		free(ord[i]);
		free(cpu_for[i]);
	}
	if (nics != named) {
		for (size_t i = nnamed; i < nnic; i++)
			nic_free(nics[i]);
		free(nics);
	}
	free(ord);
	free(nord);
	free(cpu_for);
}

int plan_build(const struct machine *m, struct nic **nics, size_t nnic,
	       const struct plan_opts *o, struct plan *p, char *err, size_t errlen)
{
	bool any_rfs = false;
	int **ord = NULL, *nord = NULL, **cpu_for = NULL;
	struct nic **named = nics;
	size_t nnamed = nnic;
	struct cpuset all_irq;

	plan_init(p, o->policy, nics, nnic);
	if (!p->nics)
		return errf(err, errlen, "out of memory");
	p->flows = o->flows > 0 ? o->flows : DEFAULT_FLOWS;
	if (o->policy == POLICY_OFF) {
		for (size_t i = 0; i < nnic; i++)
			if (plan_off(m, p, (int)i))
				goto oom;
		if (rt_rfs_left(m, p, nics, nnic))
			goto oom;
		return 0;
	}
	/* Planned with every NIC of the machine, the named ones first. */
	if (load_all(m, named, nnamed, &nics, &nnic))
		goto oom;
	plan_free(p);
	plan_init(p, o->policy, nics, nnic);
	if (!p->nics)
		goto oom;
	p->flows = o->flows > 0 ? o->flows : DEFAULT_FLOWS;
	ord = calloc(nnic + 1, sizeof(int *));
	nord = calloc(nnic + 1, sizeof(int));
	cpu_for = calloc(nnic + 1, sizeof(int *));
	if (!ord || !nord || !cpu_for)
		goto oom;
	for (size_t i = 0; i < nnic; i++)
		candidates(m, p, (int)i, o);
	if (share_cpus(m, p, nics, nnic, ord, nord))
		goto oom;
	cpuset_zero(&all_irq);
	for (size_t i = 0; i < nnic; i++) {
		cpu_for[i] = calloc(nics[i]->nirq + 1, sizeof(int));
		if (!cpu_for[i] || plan_irqs(m, p, (int)i, ord[i], nord[i], cpu_for[i]))
			goto oom;
		cpuset_or(&all_irq, &all_irq, &p->nics[i].irq_cpus);
	}
	for (size_t i = 0; o->policy == POLICY_SPREAD && i < nnic; i++) {
		const int *cf = nics[i]->fallback ? NULL : cpu_for[i];

		if (plan_rps(m, p, (int)i, p->flows, cf, &all_irq) || plan_xps(m, p, (int)i, cf))
			goto oom;
		any_rfs |= i < nnamed && p->nics[i].flow_cnt > 0;
	}
	plan_trim(p, nnamed);
	if ((o->policy == POLICY_SPREAD && any_rfs && plan_sock(m, p, named, nnamed)) ||
	    rt_rfs_left(m, p, named, nnamed))
		goto oom;
	build_scratch_free(nics, named, nnamed, nnic, ord, nord, cpu_for);
	return 0;
oom:
	build_scratch_free(nics, named, nnamed, nnic, ord, nord, cpu_for);
	plan_free(p);
	return errf(err, errlen, "out of memory");
}
