// SPDX-License-Identifier: GPL-2.0
/* irqspread: show, plan, apply and roll back NIC IRQ affinity, RPS, XPS, RFS. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "apply.h"
#include "channels.h"
#include "irqbalance.h"
#include "model.h"
#include "output.h"
#include "policy.h"
#include "state.h"
#include "sysroot.h"
#include "util.h"

#ifndef IRQSPREAD_VERSION
#define IRQSPREAD_VERSION "unknown"	/* the Makefile passes VERSION's */
#endif
#define DEFAULT_SAVE "/var/lib/irqspread/saved.json"
#define DRIFT 10	/* check's "drifted", told apart from errors in main() */

static const char usage[] =
"Usage: irqspread [--sysroot DIR] VERB [ARGS] [OPTIONS]\n"
"Show, plan, apply and roll back NIC IRQ affinity, RPS, XPS and RFS.\n"
"\n"
"Verbs:\n"
"  show [DEV...] [--json]        NICs, queues, IRQs with affinity and counts,\n"
"                                RPS/XPS/RFS, CPUs, NUMA, SMT, isolation, irqbalance\n"
"  plan [DEV...] [--policy P] [--cpus LIST] [--flows N] [--channels N]\n"
"       [--irqbalance MODE] [--json]\n"
"                                what apply would write: old -> new, and why\n"
"  apply [DEV...] [--policy P] [--cpus LIST] [--flows N] [--channels N]\n"
"        [--irqbalance MODE] [--save FILE] [--replace-saved] [--dry-run]\n"
"                                save the current state, write the plan, and roll\n"
"                                back what was written if a write fails or a\n"
"                                signal (INT, TERM, HUP) comes\n"
"  check [DEV...] [--policy P] [--cpus LIST] [--flows N]\n"
"                                exit 0 if the live state matches, 1 if it drifted\n"
"  save FILE [DEV...]            write the current state to FILE as JSON\n"
"  restore FILE [--dry-run]      check FILE against this machine, then write it back\n"
"DEV defaults to every NIC backed by a device.\n"
"\n"
"Policies:\n"
"  spread    one IRQ per CPU of the NIC's NUMA node, cores before SMT siblings,\n"
"            CPUs of its own beside the machine's other NICs where they go round,\n"
"            isolated and nohz_full CPUs left out; RPS to the other housekeeping\n"
"            CPUs of the node, no SMT siblings of IRQ CPUs unless nothing else\n"
"            is left, when there are fewer rx queues than CPUs and at least as\n"
"            many of those CPUs as queues, off otherwise; RFS\n"
"            sized by --flows; XPS maps every CPU to one tx queue (the default)\n"
"  irq-only  the IRQ affinity part of spread only\n"
"  off       kernel defaults: IRQs on default_smp_affinity, no RPS, RFS or XPS\n"
"\n"
"Options:\n"
"  -j, --json          JSON output (show, plan, and apply or restore --dry-run)\n"
"  -p, --policy P      spread, irq-only or off\n"
"  -c, --cpus LIST     the CPUs the policy may use, instead of the NIC's node\n"
"      --flows N       connections to size RFS for (default 32768)\n"
"      --channels N    set N combined channels (ethtool -L) first, then plan\n"
"                      on the IRQs that brings; restore sets the saved count back\n"
"      --irqbalance MODE  when irqbalance runs: refuse (default: apply stops),\n"
"                      coordinate (ban the NIC IRQs in " IB_CONFIG "\n"
"                      with --banirq and restart irqbalance; restore undoes it),\n"
"                      ignore (apply anyway; irqbalance may move the IRQs)\n"
"      --save FILE     where apply saves the state first (default\n"
"                      " DEFAULT_SAVE "); an existing FILE is\n"
"                      checked against this machine, kept, and gets the NICs\n"
"                      it lacks; apply refuses a FILE restore would refuse\n"
"      --replace-saved apply: save the current state over FILE instead\n"
"  -n, --dry-run       apply, restore: print the plan and write nothing\n"
"      --sysroot DIR   use DIR/proc and DIR/sys instead of /proc and /sys\n"
"  -h, --help          this text\n"
"  -V, --version       print the version\n"
"\n"
"Exit status: 0 done; 1 error. check: 0 matches, 1 drifted, 2 error.\n";

enum {
	O_JSON = 1, O_POLICY = 2, O_CPUS = 4, O_FLOWS = 8, O_SAVE = 16, O_DRY = 32,
	O_REPLACE = 64, O_CHANNELS = 128, O_IRQBALANCE = 256,
};

struct opts {
	const char *sysroot, *policy, *cpus, *flows, *save, *channels, *irqbalance;
	unsigned int given;
	const char *verb;
	char **args;
	size_t nargs;
};

static const struct verb {
	const char *name;
	unsigned int allowed;
	size_t min_args;	/* FILE for save and restore */
} verbs[] = {
	{ "show", O_JSON, 0 },
	{ "plan", O_JSON | O_POLICY | O_CPUS | O_FLOWS | O_CHANNELS | O_IRQBALANCE, 0 },
	{ "apply", O_JSON | O_POLICY | O_CPUS | O_FLOWS | O_SAVE | O_DRY | O_REPLACE |
		   O_CHANNELS | O_IRQBALANCE, 0 },
	{ "check", O_POLICY | O_CPUS | O_FLOWS, 0 },
	{ "save", 0, 1 },
	{ "restore", O_DRY | O_JSON, 1 },
};

static const char *const opt_names[] = {
	"--json", "--policy", "--cpus", "--flows", "--save", "--dry-run", "--replace-saved",
	"--channels", "--irqbalance",
};

static int fail(const char *msg)
{
	fprintf(stderr, "irqspread: %s\n", msg);
	return 1;
}

/* --name VALUE and --name=VALUE */
static int take(int argc, char **argv, int *i, const char *lng, const char *shrt,
		const char **out, bool *err)
{
	size_t n = strlen(lng);
	const char *a = argv[*i];

	if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "irqspread: %s needs a value\n", a);
			*err = true;
			return 1;
		}
		*out = argv[++*i];
		return 1;
	}
	if (strncmp(a, lng, n) == 0 && a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	bool err = false, dashdash = false;

	memset(o, 0, sizeof(*o));
	o->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->args)
		return fail("out of memory");
	for (int i = 1; i < argc && !err; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			if (!o->verb)
				o->verb = a;
			else
				o->args[o->nargs++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("irqspread %s\n", IRQSPREAD_VERSION);
			exit(0);
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
			o->given |= O_JSON;
		} else if (strcmp(a, "-n") == 0 || strcmp(a, "--dry-run") == 0) {
			o->given |= O_DRY;
		} else if (strcmp(a, "--replace-saved") == 0) {
			o->given |= O_REPLACE;
		} else if (take(argc, argv, &i, "--sysroot", NULL, &o->sysroot, &err)) {
			continue;
		} else if (take(argc, argv, &i, "--policy", "-p", &o->policy, &err)) {
			o->given |= O_POLICY;
		} else if (take(argc, argv, &i, "--cpus", "-c", &o->cpus, &err)) {
			o->given |= O_CPUS;
		} else if (take(argc, argv, &i, "--flows", NULL, &o->flows, &err)) {
			o->given |= O_FLOWS;
		} else if (take(argc, argv, &i, "--save", NULL, &o->save, &err)) {
			o->given |= O_SAVE;
		} else if (take(argc, argv, &i, "--channels", NULL, &o->channels, &err)) {
			o->given |= O_CHANNELS;
		} else if (take(argc, argv, &i, "--irqbalance", NULL, &o->irqbalance, &err)) {
			o->given |= O_IRQBALANCE;
		} else {
			fprintf(stderr, "irqspread: unknown option '%s' (see irqspread --help)\n", a);
			return 1;
		}
	}
	return err ? 1 : 0;
}

static const struct verb *check_verb(const struct opts *o)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		const struct verb *v = &verbs[i];

		if (strcmp(o->verb, v->name) != 0)
			continue;
		for (size_t b = 0; b < sizeof(opt_names) / sizeof(opt_names[0]); b++)
			if ((o->given & (1u << b)) && !(v->allowed & (1u << b))) {
				fprintf(stderr, "irqspread: %s does not apply to %s\n",
					opt_names[b], v->name);
				return NULL;
			}
		if ((o->given & O_JSON) && !(o->given & O_DRY) &&
		    (strcmp(v->name, "apply") == 0 || strcmp(v->name, "restore") == 0)) {
			fprintf(stderr, "irqspread: --json applies to %s only with --dry-run\n", v->name);
			return NULL;
		}
		if (o->nargs < v->min_args) {
			fprintf(stderr, "irqspread: %s needs a FILE\n", v->name);
			return NULL;
		}
		return v;
	}
	fprintf(stderr, "irqspread: unknown verb '%s' (want show, plan, apply, check, save or restore)\n",
		o->verb);
	return NULL;
}

static int plan_opts(const struct opts *o, const struct machine *m,
		     struct plan_opts *po, char *err, size_t errlen)
{
	memset(po, 0, sizeof(*po));
	po->policy = POLICY_SPREAD;
	po->flows = DEFAULT_FLOWS;
	if (o->policy && policy_parse(o->policy, &po->policy))
		return errf(err, errlen, "--policy '%s': unknown policy (want spread, irq-only or off)",
			    o->policy);
	if (o->cpus) {
		struct cpuset busy;

		if (cpus_option(o->cpus, m, &po->cpus, err, errlen))
			return -1;
		po->has_cpus = true;
		/* Taken as asked, but those CPUs were set aside for a reason. */
		cpuset_or(&busy, &m->isolated, &m->nohz_full);
		cpuset_and(&busy, &busy, &po->cpus);
		if (!cpuset_empty(&busy)) {
			char *l = cpulist_str(&busy);

			fprintf(stderr, "irqspread: warning: --cpus '%s' names isolated or nohz_full CPUs %s: "
				"they will take NIC interrupts and RPS work\n", o->cpus, l ? l : "?");
			free(l);
		}
	}
	if (o->flows) {
		char *end;

		errno = 0;
		po->flows = strtol(o->flows, &end, 10);
		/* The kernel refuses rps_sock_flow_entries above 1 << 29 (EINVAL). */
		if (errno || end == o->flows || *end || po->flows < 1 || po->flows > (1L << 29))
			return errf(err, errlen, "--flows '%s': want a number from 1 to 536870912 (2^29, the kernel's limit)",
				    o->flows);
	}
	return 0;
}

static void summary(FILE *f, const struct plan *p, const char *what)
{
	fprintf(f, "%zu file%s %s, %zu already as planned", p->ndiff,
		p->ndiff == 1 ? "" : "s", what, p->n - p->ndiff - p->nskip);
	if (p->nskip)
		fprintf(f, ", %zu not written back (PREEMPT_RT before 6.10)", p->nskip);
	fputc('\n', f);
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX * 2];
	size_t n = strlen(dir);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

static int read_plain(const char *path, char **buf, size_t *len, char *err, size_t errlen);

/*
 * apply's safety copy, before anything else is written: the state restore
 * needs to undo this apply and every earlier one of this boot. An existing
 * file is checked as restore would check it and merged per NIC; one that
 * does not fit this machine stops apply unless --replace-saved.
 */
static int save_before(const struct opts *o, const struct machine *m, struct nic **nics,
		       size_t n, const struct saved_file *ibconf, char *err, size_t errlen)
{
	char path[PATH_MAX * 2], note[1024], inner[1024], *old = NULL, *text = NULL;
	size_t oldlen = 0;
	struct stat st;
	int r;

	if (o->save) {
		snprintf(path, sizeof(path), "%s", o->save);
	} else {
		char dir[PATH_MAX * 2];

		snprintf(path, sizeof(path), "%s", sr_path(DEFAULT_SAVE));
		snprintf(dir, sizeof(dir), "%s", sr_path("/var/lib/irqspread"));
		if (stat(path, &st) && mkdir_p(dir))
			return errf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
	}
	if (stat(path, &st) == 0 && !(o->given & O_REPLACE) &&
	    read_plain(path, &old, &oldlen, err, errlen))
		return -1;
	r = state_merge(old, oldlen, path, m, nics, n, ibconf, &text, note, sizeof(note),
			inner, sizeof(inner));
	free(old);
	if (r)
		return errf(err, errlen, "%s; nothing written (--replace-saved saves the current state over it)",
			    inner);
	if (text) {
		r = write_file_atomic(path, text, err, errlen);
		free(text);
		if (r)
			return -1;
	}
	printf("%s\n", note);
	return 0;
}

/* What apply does beside the policy's files, from --channels and --irqbalance. */
struct extra {
	int channels;		/* 0: not asked */
	enum ib_mode ib;
	bool ib_act;		/* coordinate, and irqbalance runs or its config exists */
	struct saved_file ibconf; /* the config as it is now, when ib_act */
};

static int extra_opts(const struct opts *o, const struct machine *m, struct extra *x,
		      char *err, size_t errlen)
{
	memset(x, 0, sizeof(*x));
	if (o->irqbalance && ib_mode_parse(o->irqbalance, &x->ib))
		return errf(err, errlen, "--irqbalance '%s': unknown mode (want refuse, coordinate or ignore)",
			    o->irqbalance);
	if (o->channels) {
		char *end;
		long v;

		errno = 0;
		v = strtol(o->channels, &end, 10);
		if (errno || end == o->channels || *end || v < 1 || v > 65535)
			return errf(err, errlen, "--channels '%s': want a number of combined channels from 1 to 65535",
				    o->channels);
		x->channels = (int)v;
	}
	x->ib_act = x->ib == IB_COORDINATE && (m->irqbalance_pid || sr_exists(IB_CONFIG));
	if (x->ib_act && ib_config_read(&x->ibconf.text, err, errlen))
		return -1;
	x->ibconf.saved = x->ib_act;
	return 0;
}

/* Each NIC takes --channels N: it reports its channels and has N of them. */
static int check_channels(const struct extra *x, struct nic **nics, size_t n,
			  char *err, size_t errlen)
{
	for (size_t i = 0; x->channels && i < n; i++) {
		const struct nic *nc = nics[i];
		struct channels c;
		int r = chan_get(nc->name, &c);

		if (r)
			return errf(err, errlen, "--channels %d: %s: cannot read its channel counts (ETHTOOL_GCHANNELS): %s",
				    x->channels, nc->name, strerror(-r));
		if (c.max_combined < x->channels)
			return errf(err, errlen, "--channels %d: %s has at most %d combined channels (ethtool -l %s)",
				    x->channels, nc->name, c.max_combined, nc->name);
	}
	return 0;
}

static int wait_ms(void)
{
	const char *v = getenv("IRQSPREAD_CHANNELS_WAIT_MS");
	char *end;
	long ms;

	/* Tests shorten the wait; a real machine always gets 5 s. */
	if (!v || !sr_is_fake())
		return 5000;
	errno = 0;
	ms = strtol(v, &end, 10);
	return errno || end == v || *end || ms < 0 || ms > 60000 ? 5000 : (int)ms;
}

/*
 * ethtool -L re-creates the queues and their IRQs, not necessarily before
 * it returns (the driver may reset the device asynchronously): poll
 * /proc/interrupts until every queue of @want channels has its vector.
 */
static int wait_channels(const char *dev, int want, char *err, size_t errlen)
{
	const struct timespec step = { 0, 100L * 1000 * 1000 };
	int limit = wait_ms();
	char e[512] = "";

	for (int t = 0;; t += 100) {
		struct machine mm;
		struct nic *nc;
		bool ok = false;

		if (machine_load(&mm, e, sizeof(e)) == 0) {
			if (nic_load(&mm, dev, &nc, e, sizeof(e)) == 0) {
				ok = nic_settled(nc, want);
				nic_free(nc);
			}
			machine_free(&mm);
		}
		if (ok)
			return 0;
		if (t >= limit)
			return errf(err, errlen, "%s: the IRQs of %d combined channels did not show in /proc/interrupts within %d ms%s%s",
				    dev, want, limit, e[0] ? ": " : "", e);
		nanosleep(&step, NULL);
	}
}

/* Set each NIC of @p->chan; on failure the ones set are put back. */
static int set_channels(const struct plan *p, FILE *log, char *err, size_t errlen)
{
	for (size_t k = 0; k < p->nchan; k++) {
		const char *dev = p->nics[p->chan[k].nic].nic->name;
		int r = chan_set(dev, p->chan[k].new);

		if (r)
			errf(err, errlen, "%s: cannot set %d combined channels (ETHTOOL_SCHANNELS): %s",
			     dev, p->chan[k].new, strerror(-r));
		if (r || wait_channels(dev, p->chan[k].new, err, errlen)) {
			char back[160] = "";
			size_t used = strlen(err);

			for (size_t j = k + 1; j-- > 0;) {
				const char *d = p->nics[p->chan[j].nic].nic->name;

				if (j == k && r)
					continue;
				if (chan_set(d, p->chan[j].old) ||
				    wait_channels(d, p->chan[j].old, back, sizeof(back)))
					snprintf(back, sizeof(back), "; setting %s back to %d channels FAILED", d,
						 p->chan[j].old);
				else
					snprintf(back, sizeof(back), "; %s set back to %d channels", d,
						 p->chan[j].old);
				if (used < errlen)
					used += (size_t)snprintf(err + used, errlen - used, "%s", back);
			}
			return -1;
		}
		fprintf(log, "  %s: combined channels %d -> %d\n", dev, p->chan[k].old, p->chan[k].new);
	}
	return 0;
}

static int add_chan(struct plan *p, int nic, int old, int new)
{
	struct plan_chan *v = realloc(p->chan, (p->nchan + 1) * sizeof(*v));

	if (!v)
		return -1;
	p->chan = v;
	p->chan[p->nchan].nic = nic;
	p->chan[p->nchan].old = old;
	p->chan[p->nchan++].new = new;
	return 0;
}

/*
 * irqbalance's config for @p: the queue IRQs of its NICs banned when the
 * policy pins them, unbanned when policy off gives them back.
 */
static int plan_ib(const struct extra *x, const struct machine *m, struct plan *p, char *err,
		   size_t errlen)
{
	size_t cap = 1, nb = 0;
	int *irqs;
	char *text;

	if (!x->ib_act)
		return 0;
	for (size_t i = 0; i < p->nnic; i++)
		cap += p->nics[i].nic->nirq;
	irqs = calloc(cap, sizeof(int));
	if (!irqs)
		return errf(err, errlen, "out of memory");
	for (size_t i = 0; i < p->nnic; i++)
		for (size_t k = 0; k < p->nics[i].nic->nirq; k++)
			irqs[nb++] = p->nics[i].nic->irqs[k].irq;
	if (p->policy == POLICY_OFF ?
	    ib_config_rewrite(x->ibconf.text, NULL, 0, irqs, nb, &m->intr, &text, err, errlen) :
	    ib_config_rewrite(x->ibconf.text, irqs, nb, NULL, 0, &m->intr, &text, err, errlen)) {
		free(irqs);
		return -1;
	}
	free(irqs);
	p->ib_mode = ib_mode_name(x->ib);
	p->ib_new = text;
	p->ib_old = x->ibconf.text ? strdup(x->ibconf.text) : NULL;
	if (x->ibconf.text && !p->ib_old)
		return errf(err, errlen, "out of memory");
	p->ib_differs = (!text) != (!x->ibconf.text) || (text && strcmp(text, x->ibconf.text) != 0);
	return 0;
}

/* Write irqbalance's planned config and restart it; on failure the old config is put back. */
static int write_ib(const struct plan *p, const char *old, bool has_old, FILE *log,
		    char *err, size_t errlen)
{
	if (!p->ib_differs)
		return 0;
	if (ib_config_write(p->ib_new, err, errlen))
		return -1;
	fprintf(log, "  %s: %s\n", IB_CONFIG, p->ib_new ? "written" : "removed");
	if (ib_restart(log, err, errlen)) {
		char e2[256];

		if (ib_config_write(has_old ? old : NULL, e2, sizeof(e2)) == 0) {
			size_t used = strlen(err);

			if (used < errlen)
				snprintf(err + used, errlen - used, "; %s put back", IB_CONFIG);
		}
		return -1;
	}
	return 0;
}

static void print_plan(const struct opts *o, const struct plan *p, const char *head,
		       bool notes, int *r)
{
	if (o->given & O_JSON) {
		*r = plan_json(stdout, p) ? 1 : 0;
		return;
	}
	printf("%s\n", head);
	plan_text(stdout, p, notes);
	plan_extra_text(stdout, p);
	summary(stdout, p, "to change");
	*r = 0;
}

/* Load the machine and the NICs again: after a channel change they differ. */
static int reload(const struct opts *o, struct machine *m, struct nic ***nics, size_t *n,
		  char *err, size_t errlen)
{
	nics_free(*nics, *n);
	*nics = NULL;
	*n = 0;
	machine_free(m);
	if (machine_load(m, err, errlen)) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return nics_load(m, o->args, o->nargs, nics, n, err, errlen);
}

static int do_plan(const struct opts *o, const struct verb *v, struct machine *m,
		   struct nic ***nicsp, size_t *np)
{
	bool apply = strcmp(v->name, "apply") == 0, real = apply && !(o->given & O_DRY), ch_done;
	struct plan_opts po;
	struct extra x;
	struct plan p;
	char err[1024], head[64];
	int r, done;

	memset(&p, 0, sizeof(p));
	if (plan_opts(o, m, &po, err, sizeof(err)) || extra_opts(o, m, &x, err, sizeof(err)) ||
	    check_channels(&x, *nicsp, *np, err, sizeof(err)))
		goto fail;
	/* irqbalance rewrites the affinity within 10 s: say so before anything is written. */
	if (apply && m->irqbalance_pid && x.ib == IB_REFUSE) {
		errf(err, sizeof(err), "irqbalance is running (pid %ld) and would undo apply: "
		     "--irqbalance=coordinate bans the NIC IRQs from it, --irqbalance=ignore applies anyway",
		     m->irqbalance_pid);
		goto fail;
	}
	/* A bad IRQBALANCE_ARGS stops apply here, before any change. */
	if (x.ib_act) {
		char *t = NULL;

		if (ib_config_rewrite(x.ibconf.text, NULL, 0, NULL, 0, NULL, &t, err, sizeof(err)))
			goto fail;
		free(t);
	}
	if (plan_build(m, *nicsp, *np, &po, &p, err, sizeof(err)))
		goto fail;
	for (size_t i = 0; x.channels && i < *np; i++)
		if ((*nicsp)[i]->channels != x.channels &&
		    add_chan(&p, (int)i, (*nicsp)[i]->channels, x.channels)) {
			errf(err, sizeof(err), "out of memory");
			goto fail;
		}
	if (x.ib != IB_COORDINATE)
		irqbalance_warning(stderr, m, "irqspread: ");
	queue_warnings(stderr, *nicsp, *np, "irqspread: ");
	plan_warnings(stderr, &p, "irqspread: ");
	if (strcmp(v->name, "check") == 0) {
		if (p.ndiff) {
			plan_text(stdout, &p, false);
			printf("drift: %zu of %zu files differ from policy %s\n", p.ndiff, p.n,
			       policy_name(po.policy));
		} else {
			printf("ok: all %zu files match policy %s\n", p.n, policy_name(po.policy));
		}
		r = p.ndiff ? DRIFT : 0;
		plan_free(&p);
		free(x.ibconf.text);
		return r;
	}
	if (!real) {
		if (plan_ib(&x, m, &p, err, sizeof(err)))
			goto fail;
		snprintf(head, sizeof(head), "policy %s", policy_name(po.policy));
		print_plan(o, &p, head, true, &r);
		plan_free(&p);
		free(x.ibconf.text);
		return r;
	}
	apply_hold_signals();
	ch_done = p.nchan > 0;
	if (ch_done) {
		/* The safety copy holds the channel count and IRQs from before. */
		if (save_before(o, m, *nicsp, *np, x.ib_act ? &x.ibconf : NULL, err, sizeof(err)) ||
		    set_channels(&p, stdout, err, sizeof(err)))
			goto fail;
		plan_free(&p);
		if (reload(o, m, nicsp, np, err, sizeof(err)) ||
		    plan_build(m, *nicsp, *np, &po, &p, err, sizeof(err)))
			goto fail;
	}
	if (plan_ib(&x, m, &p, err, sizeof(err)))
		goto fail;
	if (!p.ndiff && !p.ib_differs) {
		if (ch_done)
			printf("set %d combined channels; all %zu files already match policy %s\n",
			       x.channels, p.n, policy_name(po.policy));
		else
			printf("nothing to do: all %zu files already match policy %s\n", p.n,
			       policy_name(po.policy));
		plan_free(&p);
		free(x.ibconf.text);
		return 0;
	}
	if (!ch_done && save_before(o, m, *nicsp, *np, x.ib_act ? &x.ibconf : NULL, err, sizeof(err)))
		goto fail;
	/* irqbalance lets go of the IRQs before they are pinned, not after. */
	if (write_ib(&p, x.ibconf.text, x.ibconf.text != NULL, stdout, err, sizeof(err)))
		goto fail;
	done = apply_plan(&p, stdout, err, sizeof(err));
	if (done < 0) {
		char e2[256];

		if (p.ib_differs && ib_config_write(x.ibconf.text, e2, sizeof(e2)) == 0 &&
		    ib_restart(stdout, e2, sizeof(e2)) == 0) {
			size_t used = strlen(err);

			snprintf(err + used, sizeof(err) - used, "; %s put back", IB_CONFIG);
		}
		goto fail;
	}
	printf("applied policy %s: %d file%s written, %zu already as planned\n",
	       policy_name(po.policy), done, done == 1 ? "" : "s", p.n - p.ndiff);
	plan_free(&p);
	free(x.ibconf.text);
	return 0;
fail:
	plan_free(&p);
	free(x.ibconf.text);
	return fail(err);
}

static int read_plain(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096;

	*len = 0;
	if (!f)
		return errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	*buf = malloc(cap);
	while (*buf) {
		size_t r = fread(*buf + *len, 1, cap - *len, f);

		*len += r;
		if (r == 0)
			break;
		if (*len == cap) {
			char *n = cap < ((size_t)64 << 20) ? realloc(*buf, cap * 2) : NULL;

			if (!n) {
				free(*buf);
				*buf = NULL;
				break;
			}
			*buf = n;
			cap *= 2;
		}
	}
	if (!*buf || ferror(f)) {
		const char *why = *buf ? strerror(EIO) : "too large or out of memory";

		fclose(f);
		free(*buf);
		*buf = NULL;
		return errf(err, errlen, "%s: cannot read: %s", path, why);
	}
	fclose(f);
	return 0;
}

/* The saved channel counts that differ from the live ones, as plan_chan entries of @p. */
static int restore_channels(const struct saved *s, const struct machine *m, struct plan *p,
			    char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nnic; i++) {
		struct nic *nc;
		int live;

		if (s->nics[i].channels < 0)
			continue;
		if (nic_load(m, s->nics[i].name, &nc, err, errlen))
			return -1;
		live = nc->channels;
		nic_free(nc);
		if (live >= 0 && live != s->nics[i].channels &&
		    add_chan(p, (int)i, live, s->nics[i].channels))
			return errf(err, errlen, "out of memory");
	}
	return 0;
}

/*
 * After restore set the channel counts back (and their queue IRQs came):
 * load the machine again and plan, once the saved IRQs without a queue
 * are back too (a driver may request its link or misc vector after the
 * queues') or after the wait for the queues' IRQs; those still missing
 * are in p->gone.
 */
static int plan_when_back(const struct saved *s, const char *file, struct machine *m,
			  struct nic ***nics, size_t *nnic, struct plan *p,
			  char *err, size_t errlen)
{
	const struct timespec step = { 0, 100L * 1000 * 1000 };
	int limit = wait_ms();

	for (int t = 0;; t += 100) {
		machine_free(m);
		if (machine_load(m, err, errlen)) {
			memset(m, 0, sizeof(*m));
			return -1;
		}
		if (state_plan(s, file, m, nics, nnic, p, err, errlen))
			return -1;
		if (!p->ngone || t >= limit)
			return 0;
		plan_free(p);
		nics_free(*nics, *nnic);
		*nics = NULL;
		*nnic = 0;
		nanosleep(&step, NULL);
	}
}

static int do_restore(const struct opts *o, struct machine *m)
{
	const char *file = o->args[0];
	struct saved s;
	struct plan p, chp;
	struct nic **nics = NULL;
	size_t nnic = 0, len;
	char err[1024], perr[512], head[PATH_MAX + 32], skipped[96], *buf = NULL, *live_ib = NULL;
	int done, r;

	memset(&chp, 0, sizeof(chp));
	memset(&p, 0, sizeof(p));
	if (o->nargs > 1)
		return fail("restore takes one FILE and no DEV: the file names its NICs");
	if (read_plain(file, &buf, &len, err, sizeof(err)))
		return fail(err);
	if (state_parse(buf, len, &s, perr, sizeof(perr))) {
		free(buf);
		snprintf(err, sizeof(err), "%s: not a saved irqspread state: %s", file, perr);
		return fail(err);
	}
	free(buf);
	/* The saved channel count first: the saved IRQs are those it had. */
	if (state_plan(&s, file, m, &nics, &nnic, &p, err, sizeof(err)))
		goto fail;
	chp.nics = p.nics;
	chp.nnic = p.nnic;
	if (restore_channels(&s, m, &chp, err, sizeof(err)) ||
	    (s.ibconf.saved && ib_config_read(&live_ib, err, sizeof(err))))
		goto fail;
	if (chp.nchan && !(o->given & O_DRY)) {
		apply_hold_signals();
		if (set_channels(&chp, stdout, err, sizeof(err)))
			goto fail;
		plan_free(&p);
		nics_free(nics, nnic);
		nics = NULL;
		nnic = 0;
		if (plan_when_back(&s, file, m, &nics, &nnic, &p, err, sizeof(err)))
			goto fail;
	} else {
		p.nchan = chp.nchan;
		p.chan = chp.chan;
		chp.chan = NULL;
		chp.nchan = 0;
	}
	if (s.ibconf.saved) {
		p.ib_mode = "restore";
		p.ib_old = live_ib;
		live_ib = NULL;
		p.ib_new = s.ibconf.text ? strdup(s.ibconf.text) : NULL;
		if (s.ibconf.text && !p.ib_new) {
			errf(err, sizeof(err), "out of memory");
			goto fail;
		}
		p.ib_differs = (!p.ib_old) != (!p.ib_new) ||
			       (p.ib_old && strcmp(p.ib_old, p.ib_new) != 0);
	}
	/* With its config saved, irqbalance gets that back: no warning then. */
	if (!s.ibconf.saved)
		irqbalance_warning(stderr, m, "irqspread: ");
	if (p.gone)
		fprintf(stderr, "irqspread: warning: %s\n", p.gone);
	/* Held back on PREEMPT_RT before 6.10: said the same way with --dry-run. */
	plan_warnings(stderr, &p, "irqspread: ");
	snprintf(skipped, sizeof(skipped), "; %zu saved RPS/RFS value%s not written back "
		 "(PREEMPT_RT before 6.10)", p.nskip, p.nskip == 1 ? "" : "s");
	if (!p.nskip)
		skipped[0] = '\0';
	if (o->given & O_DRY) {
		snprintf(head, sizeof(head), "restore from %s", file);
		print_plan(o, &p, head, false, &r);
		done = r ? -1 : 0;
	} else if (!p.ndiff && !p.ib_differs) {
		if (chp.nchan)
			printf("restored the channel counts; %s%zu files already hold the values saved in %s%s\n",
			       p.nskip ? "" : "all ", p.n - p.nskip, file, skipped);
		else if (p.nskip)
			printf("nothing written: %zu files already hold the values saved in %s%s\n",
			       p.n - p.nskip, file, skipped);
		else
			printf("nothing to do: all %zu files already hold the values saved in %s\n", p.n, file);
		done = 0;
	} else {
		apply_hold_signals();
		done = apply_plan(&p, stdout, err, sizeof(err));
		/* irqbalance gets its own config back once the IRQs are as they were. */
		if (done >= 0 && write_ib(&p, p.ib_old, p.ib_old != NULL, stdout, err, sizeof(err)))
			done = -1;
		if (done >= 0)
			printf("restored %d file%s from %s%s%s\n", done, done == 1 ? "" : "s", file,
			       p.ib_differs ? ", and " IB_CONFIG : "", skipped);
		else
			fprintf(stderr, "irqspread: %s\n", err);
	}
	free(chp.chan);
	plan_free(&p);
	nics_free(nics, nnic);
	state_free(&s);
	return done < 0 ? 1 : 0;
fail:
	free(live_ib);
	free(chp.chan);
	plan_free(&p);
	nics_free(nics, nnic);
	state_free(&s);
	return fail(err);
}

static int do_save(const struct opts *o, const struct machine *m)
{
	struct nic **nics;
	size_t n;
	char err[1024], *text;
	int r;

	if (nics_load(m, o->args + 1, o->nargs - 1, &nics, &n, err, sizeof(err)))
		return fail(err);
	text = state_dump(m, nics, n, NULL);
	r = text ? write_file_atomic(o->args[0], text, err, sizeof(err)) : -1;
	if (!text)
		snprintf(err, sizeof(err), "out of memory");
	if (!r) {
		printf("saved %zu NIC%s to %s:", n, n == 1 ? "" : "s", o->args[0]);
		for (size_t i = 0; i < n; i++)
			printf(" %s", nics[i]->name);
		putchar('\n');
	}
	free(text);
	nics_free(nics, n);
	return r ? fail(err) : 0;
}

static int run(const struct opts *o, const struct verb *v)
{
	struct machine m;
	struct nic **nics;
	size_t n;
	char err[1024];
	int r;

	if (sr_init(o->sysroot, err, sizeof(err)) || machine_load(&m, err, sizeof(err)))
		return fail(err);
	if (strcmp(v->name, "restore") == 0) {
		r = do_restore(o, &m);
	} else if (strcmp(v->name, "save") == 0) {
		r = do_save(o, &m);
	} else if (nics_load(&m, o->args, o->nargs, &nics, &n, err, sizeof(err))) {
		r = fail(err);
	} else if (strcmp(v->name, "show") == 0) {
		r = 0;
		if (o->given & O_JSON)
			r = show_json(stdout, &m, nics, n) ? 1 : 0;
		else
			show_text(stdout, &m, nics, n);
		nics_free(nics, n);
	} else {
		if (n)
			r = do_plan(o, v, &m, &nics, &n);
		else
			r = fail("no NICs: nothing in /sys/class/net is backed by a device");
		nics_free(nics, n);
	}
	machine_free(&m);
	return r;
}

int main(int argc, char **argv)
{
	const struct verb *v;
	struct opts o;
	int r;

	if (parse_args(argc, argv, &o)) {
		free(o.args);
		return 1;
	}
	if (!o.verb) {
		fputs(usage, stderr);
		free(o.args);
		return 1;
	}
	v = check_verb(&o);
	r = v ? run(&o, v) : 1;
	/* check reserves 1 for drift: its errors are 2. */
	if (v && strcmp(v->name, "check") == 0)
		r = r == DRIFT ? 1 : r ? 2 : 0;
	free(o.args);
	if (fflush(stdout) || ferror(stdout))
		return fail("cannot write to stdout");
	return r;
}
