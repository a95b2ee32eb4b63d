// SPDX-License-Identifier: GPL-2.0
/* What show and plan print: terse text for people, JSON for programs. */
#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "irqbalance.h"
#include "output.h"

/* cpulist_str() for printing: never NULL, "none" when empty. */
struct lstr {
	char *s;
};

static const char *L(struct lstr *l, const struct cpuset *set)
{
	free(l->s);
	l->s = cpulist_str(set);
	return !l->s ? "?" : *l->s ? l->s : "none";
}

static const char *role_name(enum irq_role r)
{
	switch (r) {
	case ROLE_TXRX:
		return "txrx";
	case ROLE_RX:
		return "rx";
	case ROLE_TX:
		return "tx";
	case ROLE_UNKNOWN:
		return "unknown";
	case ROLE_OTHER:
		break;
	}
	return "other";
}

void queue_warnings(FILE *f, struct nic *const *nics, size_t n, const char *indent)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nics[i]->nwarn; k++)
			fprintf(f, "%swarning: %s\n", indent, nics[i]->warn[k]);
}

void irqbalance_warning(FILE *f, const struct machine *m, const char *indent)
{
	if (m->irqbalance_pid)
		fprintf(f, "%swarning: irqbalance is running (pid %ld) and will overwrite IRQ affinity; "
			"stop it first (systemctl disable --now irqbalance)\n",
			indent, m->irqbalance_pid);
}

static void counts_text(FILE *f, const struct machine *m, const struct nic_irq *q)
{
	int shown = 0;

	if (!q->row) {
		fputs(" n/a", f);
		return;
	}
	for (int k = 0; k < q->row->ncounts; k++)
		if (q->row->counts[k]) {
			fprintf(f, " %d:%llu", m->intr.col_cpu[k],
				(unsigned long long)q->row->counts[k]);
			shown++;
		}
	if (!shown)
		fputs(" none", f);
}

static void irq_text(FILE *f, const struct machine *m, const struct nic_irq *q, bool other)
{
	struct lstr l = { 0 };

	/* A vector of msi_irqs without a handler has no row, so no name. */
	fprintf(f, "  irq %d %s: ", q->irq, *q->name ? q->name : "(not in /proc/interrupts)");
	if (other)
		fputs("not a queue vector, left alone; ", f);
	else if (q->queue >= 0)
		fprintf(f, "%s queue %d, ", role_name(q->role), q->queue);
	fprintf(f, "affinity %s, effective %s, interrupts", q->aff_raw,
		q->has_eff ? L(&l, &q->eff) : "n/a");
	counts_text(f, m, q);
	fputc('\n', f);
	free(l.s);
}

static void nic_text(FILE *f, const struct machine *m, const struct nic *n)
{
	struct lstr l = { 0 };

	fprintf(f, "%s: driver %s, bus %s, node %d, address %s\n", n->name, n->driver,
		n->bus, n->node, n->address ? n->address : "none");
	fprintf(f, "  queues: combined %d, rx %d, tx %d (sysfs rx %d, tx %d); "
		"IRQ naming %s; threaded NAPI %s\n",
		n->combined, n->rx_only, n->tx_only, n->nrx, n->ntx,
		n->naming ? n->naming : "none",
		n->threaded < 0 ? "n/a" : n->threaded ? "on" : "off");
	if (n->fallback)
		fprintf(f, "  notice: IRQ names of driver %s not recognised; using the %zu IRQs in %s/msi_irqs\n",
			n->driver, n->nirq, n->devpath);
	else if (!n->nirq)
		fprintf(f, "  notice: no queue IRQs found for %s\n", n->name);
	for (size_t i = 0; i < n->nwarn; i++)
		fprintf(f, "  warning: %s\n", n->warn[i]);
	for (size_t i = 0; i < n->nirq; i++)
		irq_text(f, m, &n->irqs[i], false);
	for (size_t i = 0; i < n->nother; i++)
		irq_text(f, m, &n->other[i], true);
	for (int q = 0; q < n->nrx; q++) {
		fprintf(f, "  rx-%d: rps_cpus ", q);
		if (n->rx[q].rps_raw)
			fprintf(f, "%s (%s)", n->rx[q].rps_raw, L(&l, &n->rx[q].rps));
		else
			fputs("n/a", f);
		fprintf(f, ", rps_flow_cnt %s\n", n->rx[q].flow_raw ? n->rx[q].flow_raw : "n/a");
	}
	for (int q = 0; q < n->ntx; q++) {
		fprintf(f, "  tx-%d: xps_cpus ", q);
		if (n->tx[q].xps_raw)
			fprintf(f, "%s (%s)\n", n->tx[q].xps_raw, L(&l, &n->tx[q].xps));
		else
			fputs("n/a\n", f);
	}
	free(l.s);
}

void show_text(FILE *f, const struct machine *m, struct nic **nics, size_t n)
{
	struct lstr l = { 0 };

	fprintf(f, "machine: %d CPUs online (%s)", cpuset_count(&m->online), L(&l, &m->online));
	fprintf(f, ", possible %s, %zu NUMA node%s\n", L(&l, &m->possible), m->nnodes,
		m->nnodes == 1 ? "" : "s");
	for (size_t i = 0; i < m->nnodes; i++)
		fprintf(f, "  node %d: CPUs %s\n", m->nodes[i].id, L(&l, &m->nodes[i].cpus));
	/* Only where the kernel says: fixture trees without these files print as before. */
	if (m->osrelease || m->preempt_rt)
		fprintf(f, "  kernel: %s%s%s\n", m->osrelease ? m->osrelease : "n/a",
			m->preempt_rt ? ", PREEMPT_RT" : "",
			m->rps_warns_on_rt ? " before 6.10: spread keeps RPS and RFS off" : "");
	if (m->threads_per_core > 1)
		fprintf(f, "  smt: %d threads per core, sibling threads %s\n",
			m->threads_per_core, L(&l, &m->smt_siblings));
	else
		fputs("  smt: off\n", f);
	fprintf(f, "  isolated: %s", m->has_isolated ? L(&l, &m->isolated) : "n/a");
	fprintf(f, ", nohz_full: %s\n", m->has_nohz_full ? L(&l, &m->nohz_full) : "n/a");
	fprintf(f, "  default_smp_affinity: %s\n", L(&l, &m->default_aff));
	fprintf(f, "  rps_sock_flow_entries: %s\n", m->rps_sock_raw ? m->rps_sock_raw : "n/a");
	if (m->irqbalance_pid)
		fprintf(f, "  irqbalance: running (pid %ld)\n", m->irqbalance_pid);
	else
		fputs("  irqbalance: not running\n", f);
	irqbalance_warning(f, m, "  ");
	free(l.s);
	for (size_t i = 0; i < n; i++)
		nic_text(f, m, nics[i]);
}

/* ---- JSON ---- */

static json_object *jlist(const struct cpuset *s)
{
	char *l = cpulist_str(s);
	json_object *o = json_object_new_string(l ? l : "");

	free(l);
	return o;
}

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static int print_json(FILE *f, json_object *root)
{
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
		JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = s ? fprintf(f, "%s\n", s) < 0 : -1;

	json_object_put(root);
	return r ? -1 : 0;
}

static json_object *irq_json(const struct machine *m, const struct nic_irq *q, bool other)
{
	json_object *o = json_object_new_object(), *ic = json_object_new_object();
	json_object *per = json_object_new_object();

	json_object_object_add(o, "irq", json_object_new_int(q->irq));
	json_object_object_add(o, "name", json_object_new_string(q->name));
	if (!other) {
		json_object_object_add(o, "role", json_object_new_string(role_name(q->role)));
		json_object_object_add(o, "queue", q->queue >= 0 ? json_object_new_int(q->queue) : NULL);
	}
	json_object_object_add(o, "smp_affinity_list", json_object_new_string(q->aff_raw));
	json_object_object_add(o, "effective_affinity_list", q->has_eff ? jlist(&q->eff) : NULL);
	if (q->row) {
		for (int k = 0; k < q->row->ncounts; k++)
			if (q->row->counts[k]) {
				char key[16];

				snprintf(key, sizeof(key), "%d", m->intr.col_cpu[k]);
				json_object_object_add(per, key,
						       json_object_new_int64((int64_t)q->row->counts[k]));
			}
		json_object_object_add(ic, "total", json_object_new_int64((int64_t)q->row->total));
		json_object_object_add(ic, "per_cpu", per);
		json_object_object_add(o, "interrupts", ic);
	} else {
		json_object_put(per);
		json_object_put(ic);
		json_object_object_add(o, "interrupts", NULL);
	}
	return o;
}

static json_object *nic_json(const struct machine *m, const struct nic *n)
{
	json_object *o = json_object_new_object(), *q = json_object_new_object();
	json_object *irqs = json_object_new_array(), *other = json_object_new_array();
	json_object *rx = json_object_new_array(), *tx = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "driver", json_object_new_string(n->driver));
	json_object_object_add(o, "bus", json_object_new_string(n->bus));
	json_object_object_add(o, "pci", jstr(n->pci));
	json_object_object_add(o, "address", jstr(n->address));
	json_object_object_add(o, "node", json_object_new_int(n->node));
	json_object_object_add(o, "threaded_napi",
			       n->threaded < 0 ? NULL : json_object_new_boolean(n->threaded));
	json_object_object_add(o, "irq_naming", jstr(n->naming));
	json_object_object_add(o, "msi_irqs_fallback", json_object_new_boolean(n->fallback));
	if (n->nwarn) {
		json_object *w = json_object_new_array();

		for (size_t i = 0; i < n->nwarn; i++)
			json_object_array_add(w, json_object_new_string(n->warn[i]));
		json_object_object_add(o, "warnings", w);
	}
	json_object_object_add(q, "combined", json_object_new_int(n->combined));
	json_object_object_add(q, "rx", json_object_new_int(n->rx_only));
	json_object_object_add(q, "tx", json_object_new_int(n->tx_only));
	json_object_object_add(q, "sysfs_rx", json_object_new_int(n->nrx));
	json_object_object_add(q, "sysfs_tx", json_object_new_int(n->ntx));
	json_object_object_add(o, "queues", q);
	for (size_t i = 0; i < n->nirq; i++)
		json_object_array_add(irqs, irq_json(m, &n->irqs[i], false));
	for (size_t i = 0; i < n->nother; i++)
		json_object_array_add(other, irq_json(m, &n->other[i], true));
	json_object_object_add(o, "irqs", irqs);
	json_object_object_add(o, "other_irqs", other);
	for (int i = 0; i < n->nrx; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "queue", json_object_new_int(i));
		json_object_object_add(e, "rps_cpus", jstr(n->rx[i].rps_raw));
		json_object_object_add(e, "rps_cpus_list", n->rx[i].rps_raw ? jlist(&n->rx[i].rps) : NULL);
		json_object_object_add(e, "rps_flow_cnt",
				       n->rx[i].flow_raw ? json_object_new_int64(n->rx[i].flow_cnt) : NULL);
		json_object_array_add(rx, e);
	}
	for (int i = 0; i < n->ntx; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "queue", json_object_new_int(i));
		json_object_object_add(e, "xps_cpus", jstr(n->tx[i].xps_raw));
		json_object_object_add(e, "xps_cpus_list", n->tx[i].xps_raw ? jlist(&n->tx[i].xps) : NULL);
		json_object_array_add(tx, e);
	}
	json_object_object_add(o, "rx", rx);
	json_object_object_add(o, "tx", tx);
	return o;
}

int show_json(FILE *f, const struct machine *m, struct nic **nics, size_t n)
{
	json_object *root = json_object_new_object(), *mo = json_object_new_object();
	json_object *nodes = json_object_new_array(), *ib = json_object_new_object();
	json_object *arr = json_object_new_array();

	json_object_object_add(mo, "nr_cpu_ids", json_object_new_int(m->nr_cpu_ids));
	json_object_object_add(mo, "possible", jlist(&m->possible));
	json_object_object_add(mo, "online", jlist(&m->online));
	json_object_object_add(mo, "isolated", m->has_isolated ? jlist(&m->isolated) : NULL);
	json_object_object_add(mo, "nohz_full", m->has_nohz_full ? jlist(&m->nohz_full) : NULL);
	for (size_t i = 0; i < m->nnodes; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "node", json_object_new_int(m->nodes[i].id));
		json_object_object_add(e, "cpus", jlist(&m->nodes[i].cpus));
		json_object_array_add(nodes, e);
	}
	json_object_object_add(mo, "nodes", nodes);
	json_object_object_add(mo, "threads_per_core", json_object_new_int(m->threads_per_core));
	json_object_object_add(mo, "smt_sibling_threads", jlist(&m->smt_siblings));
	json_object_object_add(mo, "default_smp_affinity", jlist(&m->default_aff));
	json_object_object_add(mo, "rps_sock_flow_entries",
			       m->rps_sock_raw ? json_object_new_int64(strtoll(m->rps_sock_raw, NULL, 10)) : NULL);
	json_object_object_add(ib, "running", json_object_new_boolean(m->irqbalance_pid != 0));
	json_object_object_add(ib, "pid", m->irqbalance_pid ? json_object_new_int64(m->irqbalance_pid) : NULL);
	json_object_object_add(mo, "irqbalance", ib);
	if (m->osrelease || m->preempt_rt) {
		json_object *k = json_object_new_object();

		json_object_object_add(k, "release", jstr(m->osrelease));
		json_object_object_add(k, "preempt_rt", json_object_new_boolean(m->preempt_rt));
		json_object_object_add(k, "rps_warns_on_rt",
				       json_object_new_boolean(m->rps_warns_on_rt));
		json_object_object_add(mo, "kernel", k);
	}
	json_object_object_add(root, "machine", mo);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, nic_json(m, nics[i]));
	json_object_object_add(root, "nics", arr);
	return print_json(f, root);
}

static void change_line(FILE *f, const struct change *c)
{
	if (c->skip)
		fprintf(f, "  %s: %s, saved %s not written back  # %s\n", c->path, c->old, c->new,
			c->why);
	else
		fprintf(f, "  %s: %s -> %s  # %s\n", c->path, c->old, c->new, c->why);
}

void plan_warnings(FILE *f, const struct plan *p, const char *indent)
{
	for (const char *l = p->warn; l && *l;) {
		const char *nl = strchr(l, '\n');
		int len = nl ? (int)(nl - l) : (int)strlen(l);

		fprintf(f, "%swarning: %.*s\n", indent, len, l);
		l = nl ? nl + 1 : l + len;
	}
}

/* Lines of @a that @b lacks, each after @mark. */
static void lines_not_in(FILE *f, const char *a, const char *b, const char *mark)
{
	for (const char *l = a; l && *l;) {
		const char *nl = strchr(l, '\n'), *hit = NULL;
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		for (const char *x = b; x && *x;) {
			const char *xn = strchr(x, '\n');
			size_t xl = xn ? (size_t)(xn - x) : strlen(x);

			if (xl == len && strncmp(x, l, len) == 0) {
				hit = x;
				break;
			}
			x = xn ? xn + 1 : x + xl;
		}
		if (!hit)
			fprintf(f, "    %s %.*s\n", mark, (int)len, l);
		l = nl ? nl + 1 : l + len;
	}
}

void plan_extra_text(FILE *f, const struct plan *p)
{
	for (size_t k = 0; k < p->nchan; k++) {
		const char *dev = p->nics[p->chan[k].nic].nic->name;

		fprintf(f, "channels: %s combined %d -> %d  # ethtool -L %s combined %d, first; "
			"it re-creates the IRQs, so the plan is made again on the new ones\n",
			dev, p->chan[k].old, p->chan[k].new, dev, p->chan[k].new);
	}
	if (!p->ib_mode || !p->ib_differs)
		return;
	fprintf(f, "irqbalance (%s): %s %s, then %s\n", p->ib_mode, IB_CONFIG,
		!p->ib_new ? "removed" : p->ib_old ? "rewritten" : "created", ib_restart_cmd());
	lines_not_in(f, p->ib_old, p->ib_new, "-");
	lines_not_in(f, p->ib_new, p->ib_old, "+");
}

void plan_text(FILE *f, const struct plan *p, bool notes)
{
	bool machine_hdr = false;

	for (size_t i = 0; i < p->nnic; i++) {
		const struct nic_plan *np = &p->nics[i];
		const struct nic *n = np->nic;

		fprintf(f, "%s: %s, node %d, %zu queue IRQs, rx %d, tx %d\n", n->name, n->driver,
			n->node, n->nirq, n->nrx, n->ntx);
		if (notes && n->fallback)
			fprintf(f, "  notice: IRQ names of driver %s not recognised; "
				"using %s/msi_irqs, queues unknown\n", n->driver, n->devpath);
		for (size_t k = 0; notes && k < np->nnotes; k++)
			fprintf(f, "  %s\n", np->notes[k]);
		for (size_t k = 0; k < p->n; k++)
			if (p->v[k].nic == (int)i && (p->v[k].differs || p->v[k].skip))
				change_line(f, &p->v[k]);
	}
	for (size_t k = 0; k < p->n; k++)
		if (p->v[k].nic < 0 && (p->v[k].differs || p->v[k].skip)) {
			if (!machine_hdr)
				fputs("machine-wide:\n", f);
			machine_hdr = true;
			change_line(f, &p->v[k]);
		}
}

int plan_json(FILE *f, const struct plan *p)
{
	json_object *root = json_object_new_object(), *nics = json_object_new_array();
	json_object *ch = json_object_new_array();

	json_object_object_add(root, "policy", json_object_new_string(policy_name(p->policy)));
	if (p->policy == POLICY_SPREAD)
		json_object_object_add(root, "flows", json_object_new_int64(p->flows));
	for (size_t i = 0; i < p->nnic; i++) {
		const struct nic_plan *np = &p->nics[i];
		json_object *o = json_object_new_object(), *notes = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(np->nic->name));
		if (p->policy == POLICY_SPREAD || p->policy == POLICY_IRQ_ONLY) {
			json_object_object_add(o, "cpus", jlist(&np->cands));
			json_object_object_add(o, "irq_cpus", jlist(&np->irq_cpus));
		}
		if (p->policy == POLICY_SPREAD) {
			json_object_object_add(o, "rps", json_object_new_boolean(np->rps_on));
			json_object_object_add(o, "rps_cpus", jlist(&np->rps));
			json_object_object_add(o, "rfs", json_object_new_boolean(np->flow_cnt > 0));
			json_object_object_add(o, "rps_flow_cnt", json_object_new_int64(np->flow_cnt));
		}
		for (size_t k = 0; k < np->nnotes; k++)
			json_object_array_add(notes, json_object_new_string(np->notes[k]));
		json_object_object_add(o, "notes", notes);
		json_object_array_add(nics, o);
	}
	json_object_object_add(root, "nics", nics);
	for (size_t k = 0; k < p->n; k++) {
		const struct change *c = &p->v[k];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "nic", c->nic >= 0 ?
				       json_object_new_string(p->nics[c->nic].nic->name) : NULL);
		json_object_object_add(o, "kind", json_object_new_string(kind_name(c->kind)));
		json_object_object_add(o, "path", json_object_new_string(c->path));
		json_object_object_add(o, "old", json_object_new_string(c->old));
		json_object_object_add(o, "new", json_object_new_string(c->new));
		json_object_object_add(o, "change", json_object_new_boolean(c->differs));
		/* restore: held back where the kernel would warn (state_plan()) */
		if (p->policy == POLICY_RESTORE)
			json_object_object_add(o, "skipped", json_object_new_boolean(c->skip));
		json_object_object_add(o, "why", json_object_new_string(c->why));
		json_object_array_add(ch, o);
	}
	json_object_object_add(root, "changes", ch);
	if (p->nchan) {
		json_object *a = json_object_new_array();

		for (size_t k = 0; k < p->nchan; k++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "nic", json_object_new_string(p->nics[p->chan[k].nic].nic->name));
			json_object_object_add(o, "old", json_object_new_int(p->chan[k].old));
			json_object_object_add(o, "new", json_object_new_int(p->chan[k].new));
			json_object_array_add(a, o);
		}
		json_object_object_add(root, "channels", a);
	}
	if (p->ib_mode) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "mode", json_object_new_string(p->ib_mode));
		json_object_object_add(o, "path", json_object_new_string(IB_CONFIG));
		json_object_object_add(o, "old", p->ib_old ? json_object_new_string(p->ib_old) : NULL);
		json_object_object_add(o, "new", p->ib_new ? json_object_new_string(p->ib_new) : NULL);
		json_object_object_add(o, "change", json_object_new_boolean(p->ib_differs));
		json_object_object_add(o, "restart", p->ib_differs ?
				       json_object_new_string(ib_restart_cmd()) : NULL);
		json_object_object_add(root, "irqbalance", o);
	}
	if (p->warn) {
		json_object *w = json_object_new_array();

		for (const char *l = p->warn; *l;) {
			const char *nl = strchr(l, '\n');
			size_t len = nl ? (size_t)(nl - l) : strlen(l);

			json_object_array_add(w, json_object_new_string_len(l, (int)len));
			l += len + (nl != NULL);
		}
		json_object_object_add(root, "warnings", w);
	}
	json_object_object_add(root, "changed", json_object_new_int64((int64_t)p->ndiff));
	json_object_object_add(root, "unchanged",
			       json_object_new_int64((int64_t)(p->n - p->ndiff - p->nskip)));
	if (p->policy == POLICY_RESTORE)
		json_object_object_add(root, "skipped", json_object_new_int64((int64_t)p->nskip));
	return print_json(f, root);
}
