// SPDX-License-Identifier: GPL-2.0
/*
 * Saved state (save, restore, and apply's safety copy) as versioned JSON.
 * Values are kept as the kernel printed them, so a restore writes back
 * the very bytes it read.
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irqbalance.h"
#include "state.h"
#include "util.h"

#define MAX_NICS 4096
#define MAX_QUEUES 65536
#define MAX_IRQS 65536
#define MAX_VALUE 65536

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *irqs_arr(const struct nic_irq *v, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t k = 0; arr && k < n; k++) {
		json_object *q = json_object_new_object();

		json_object_object_add(q, "irq", json_object_new_int(v[k].irq));
		json_object_object_add(q, "name", json_object_new_string(v[k].name));
		json_object_object_add(q, "smp_affinity_list",
				       json_object_new_string(v[k].aff_raw));
		json_object_array_add(arr, q);
	}
	return arr;
}

static json_object *nic_obj(const struct machine *m, const struct nic *nc)
{
	json_object *o = json_object_new_object(), *irqs = irqs_arr(nc->irqs, nc->nirq);
	json_object *other = irqs_arr(nc->other, nc->nother);
	json_object *rx = json_object_new_array(), *tx = json_object_new_array();

	if (!o || !irqs || !other || !rx || !tx) {
		json_object_put(o);
		json_object_put(irqs);
		json_object_put(other);
		json_object_put(rx);
		json_object_put(tx);
		return NULL;
	}
	json_object_object_add(o, "name", json_object_new_string(nc->name));
	json_object_object_add(o, "driver", json_object_new_string(nc->driver));
	json_object_object_add(o, "bus", json_object_new_string(nc->bus));
	json_object_object_add(o, "address", str_or_null(nc->address));
	if (nc->perm_address)
		json_object_object_add(o, "perm_address", json_object_new_string(nc->perm_address));
	if (m->boot_id)
		json_object_object_add(o, "boot_id", json_object_new_string(m->boot_id));
	if (nc->channels >= 0)
		json_object_object_add(o, "channels", json_object_new_int(nc->channels));
	json_object_object_add(o, "rx_queues", json_object_new_int(nc->nrx));
	json_object_object_add(o, "tx_queues", json_object_new_int(nc->ntx));
	json_object_object_add(o, "irqs", irqs);
	/* Not moved by any policy, but ethtool -L resets them: restore puts them back. */
	json_object_object_add(o, "other_irqs", other);
	for (int q = 0; q < nc->nrx; q++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "rps_cpus", str_or_null(nc->rx[q].rps_raw));
		json_object_object_add(e, "rps_flow_cnt", str_or_null(nc->rx[q].flow_raw));
		json_object_array_add(rx, e);
	}
	json_object_object_add(o, "rx", rx);
	for (int q = 0; q < nc->ntx; q++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "xps_cpus", str_or_null(nc->tx[q].xps_raw));
		json_object_array_add(tx, e);
	}
	json_object_object_add(o, "tx", tx);
	return o;
}

static char *to_text(json_object *root)
{
	const char *t = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
		JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);

	return t ? strdup(t) : NULL;
}

static json_object *file_obj(const char *path, const struct saved_file *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "content", str_or_null(f->text));
	return o;
}

char *state_dump(const struct machine *m, struct nic **nics, size_t n,
		 const struct saved_file *ibconf)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	char *online = cpulist_str(&m->online), *out = NULL;

	if (!root || !arr || !online)
		goto done;
	json_object_object_add(root, "schema", json_object_new_string(STATE_SCHEMA));
	json_object_object_add(root, "version", json_object_new_int(STATE_VERSION));
	json_object_object_add(root, "online", json_object_new_string(online));
	json_object_object_add(root, "rps_sock_flow_entries", str_or_null(m->rps_sock_raw));
	if (ibconf)
		json_object_object_add(root, "irqbalance_config", file_obj(IB_CONFIG, ibconf));
	for (size_t i = 0; i < n; i++) {
		json_object *o = nic_obj(m, nics[i]);

		if (!o)
			goto done;
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "nics", arr);
	arr = NULL;
	out = to_text(root);
done:
	json_object_put(arr);
	json_object_put(root);
	free(online);
	return out;
}

/* ---- loading: every field checked for type, size and syntax ---- */

struct ctx {
	char *err;
	size_t errlen;
};

static int bad(struct ctx *c, const char *where, const char *fmt, const char *arg)
{
	char why[160];

	snprintf(why, sizeof(why), fmt, arg);
	return errf(c->err, c->errlen, "%s: %s", where, why);
}

enum vkind { V_TEXT, V_NAME, V_CPULIST, V_MASK, V_COUNT };

static int check_value(struct ctx *c, const char *where, const char *s, size_t len,
		       enum vkind k)
{
	char perr[96];
	struct cpuset set;

	if (len > MAX_VALUE || strlen(s) != len)
		return bad(c, where, "%s", "string too long or with a NUL byte");
	switch (k) {
	case V_TEXT:
		return 0;
	case V_NAME:
		if (!len || len > 64 || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, ".."))
			return bad(c, where, "'%.64s' is not a device name", s);
		return 0;
	case V_CPULIST:
		if (cpulist_parse(s, len, &set, perr, sizeof(perr)))
			return bad(c, where, "malformed cpulist: %s", perr);
		return 0;
	case V_MASK:
		if (cpumask_parse(s, len, &set, perr, sizeof(perr)))
			return bad(c, where, "malformed mask: %s", perr);
		return 0;
	case V_COUNT:
		if (!len || len > 10 || strspn(s, "0123456789") != len)
			return bad(c, where, "'%.16s' is not a count", s);
		return 0;
	}
	return 0;
}

/* A string field (or null when @nullable): copied into *out, or NULL for null. */
static int get_str(struct ctx *c, json_object *o, const char *where, const char *key,
		   enum vkind k, bool nullable, char **out)
{
	char path[192];
	json_object *v;

	*out = NULL;
	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!json_object_object_get_ex(o, key, &v))
		return bad(c, path, "%s", "missing");
	if (!v && nullable)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(c, path, "%s", nullable ? "not a string or null" : "not a string");
	if (check_value(c, path, json_object_get_string(v),
			(size_t)json_object_get_string_len(v), k))
		return -1;
	*out = strdup(json_object_get_string(v));
	if (!*out)
		return errf(c->err, c->errlen, "out of memory");
	return 0;
}

/* Like get_str, for a key older files lack: absent or null is NULL. */
static int get_opt_str(struct ctx *c, json_object *o, const char *where, const char *key,
		       enum vkind k, char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	return get_str(c, o, where, key, k, true, out);
}

static int get_int(struct ctx *c, json_object *o, const char *where, const char *key,
		   long lo, long hi, long *out)
{
	char path[192];
	json_object *v;
	int64_t x;

	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!json_object_object_get_ex(o, key, &v))
		return bad(c, path, "%s", "missing");
	if (!json_object_is_type(v, json_type_int))
		return bad(c, path, "%s", "not an integer");
	errno = 0;
	x = json_object_get_int64(v);
	if (errno || x < lo || x > hi)
		return bad(c, path, "%s", "out of range");
	*out = (long)x;
	return 0;
}

static int get_array(struct ctx *c, json_object *o, const char *where, const char *key,
		     size_t max, json_object **out, size_t *n)
{
	char path[192];

	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!json_object_object_get_ex(o, key, out))
		return bad(c, path, "%s", "missing");
	if (!json_object_is_type(*out, json_type_array))
		return bad(c, path, "%s", "not an array");
	*n = json_object_array_length(*out);
	if (*n > max)
		return bad(c, path, "%s", "too many entries");
	return 0;
}

static int object_at(struct ctx *c, json_object *arr, size_t i, const char *where,
		     const char *key, char *path, size_t plen, json_object **out)
{
	snprintf(path, plen, "%s.%s[%zu]", where, key, i);
	*out = json_object_array_get_idx(arr, i);
	if (!json_object_is_type(*out, json_type_object))
		return bad(c, path, "%s", "not an object");
	return 0;
}

/*
 * "other_irqs", absent (or null) in files of older versions. Names may
 * repeat (some drivers name every vector alike) or be empty (a vector
 * without a handler): restore matches them by name and number.
 */
static int parse_other(struct ctx *c, json_object *o, const char *where, struct saved_nic *n)
{
	json_object *arr, *e;
	size_t len = 0;
	long v = 0;
	char path[192];

	if (!json_object_object_get_ex(o, "other_irqs", &arr) || !arr)
		return 0;
	if (get_array(c, o, where, "other_irqs", MAX_IRQS, &arr, &len))
		return -1;
	n->other = calloc(len + 1, sizeof(*n->other));
	if (!n->other)
		return errf(c->err, c->errlen, "out of memory");
	for (size_t i = 0; i < len; i++) {
		struct saved_irq *q = &n->other[i];

		n->nother = i + 1;
		if (object_at(c, arr, i, where, "other_irqs", path, sizeof(path), &e) ||
		    get_int(c, e, path, "irq", 0, INT_MAX, &v) ||
		    get_str(c, e, path, "name", V_TEXT, false, &q->name) ||
		    get_str(c, e, path, "smp_affinity_list", V_CPULIST, false, &q->aff))
			return -1;
		q->irq = (int)v;
		/* One IRQ is one file: twice would be two writes to it. */
		for (size_t j = 0; j < i; j++)
			if (n->other[j].irq == q->irq)
				return errf(c->err, c->errlen, "%s: IRQ %d saved twice",
					    path, q->irq);
	}
	return 0;
}

static int parse_nic(struct ctx *c, json_object *o, const char *where, struct saved_nic *n)
{
	json_object *arr, *e;
	size_t len = 0;
	long v = 0;
	char path[192];

	if (get_str(c, o, where, "name", V_NAME, false, &n->name) ||
	    get_str(c, o, where, "driver", V_TEXT, false, &n->driver) ||
	    get_str(c, o, where, "bus", V_TEXT, false, &n->bus) ||
	    get_str(c, o, where, "address", V_TEXT, true, &n->address) ||
	    get_opt_str(c, o, where, "perm_address", V_TEXT, &n->perm_address) ||
	    get_opt_str(c, o, where, "boot_id", V_TEXT, &n->boot_id))
		return -1;
	n->channels = -1;
	if (json_object_object_get_ex(o, "channels", NULL)) {
		if (get_int(c, o, where, "channels", 1, MAX_QUEUES, &v))
			return -1;
		n->channels = (int)v;
	}
	if (get_int(c, o, where, "rx_queues", 0, MAX_QUEUES, &v))
		return -1;
	n->nrx = (int)v;
	if (get_int(c, o, where, "tx_queues", 0, MAX_QUEUES, &v))
		return -1;
	n->ntx = (int)v;
	if (get_array(c, o, where, "irqs", MAX_IRQS, &arr, &len))
		return -1;
	n->irqs = calloc(len + 1, sizeof(*n->irqs));
	if (!n->irqs)
		return errf(c->err, c->errlen, "out of memory");
	for (size_t i = 0; i < len; i++) {
		struct saved_irq *q = &n->irqs[i];

		n->nirq = i + 1;
		if (object_at(c, arr, i, where, "irqs", path, sizeof(path), &e) ||
		    get_int(c, e, path, "irq", 0, INT_MAX, &v) ||
		    get_str(c, e, path, "name", V_TEXT, false, &q->name) ||
		    get_str(c, e, path, "smp_affinity_list", V_CPULIST, false, &q->aff))
			return -1;
		q->irq = (int)v;
		/* IRQs are restored by name: two entries for one name is a forgery. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(n->irqs[j].name, q->name) == 0)
				return bad(c, path, "IRQ name '%.64s' saved twice", q->name);
	}
	if (parse_other(c, o, where, n))
		return -1;
	if (get_array(c, o, where, "rx", MAX_QUEUES, &arr, &len))
		return -1;
	if (len != (size_t)n->nrx)
		return errf(c->err, c->errlen, "%s.rx: %zu entries for rx_queues %d", where, len, n->nrx);
	n->rps = calloc(len + 1, sizeof(char *));
	n->flow = calloc(len + 1, sizeof(char *));
	if (!n->rps || !n->flow)
		return errf(c->err, c->errlen, "out of memory");
	for (size_t i = 0; i < len; i++)
		if (object_at(c, arr, i, where, "rx", path, sizeof(path), &e) ||
		    get_str(c, e, path, "rps_cpus", V_MASK, true, &n->rps[i]) ||
		    get_str(c, e, path, "rps_flow_cnt", V_COUNT, true, &n->flow[i]))
			return -1;
	if (get_array(c, o, where, "tx", MAX_QUEUES, &arr, &len))
		return -1;
	if (len != (size_t)n->ntx)
		return errf(c->err, c->errlen, "%s.tx: %zu entries for tx_queues %d", where, len, n->ntx);
	n->xps = calloc(len + 1, sizeof(char *));
	if (!n->xps)
		return errf(c->err, c->errlen, "out of memory");
	for (size_t i = 0; i < len; i++)
		if (object_at(c, arr, i, where, "tx", path, sizeof(path), &e) ||
		    get_str(c, e, path, "xps_cpus", V_MASK, true, &n->xps[i]))
			return -1;
	return 0;
}

static int parse_root(struct ctx *c, json_object *root, struct saved *s)
{
	json_object *arr, *e;
	char *schema = NULL, path[64];
	size_t len = 0;
	long version = 0;

	if (!json_object_is_type(root, json_type_object))
		return errf(c->err, c->errlen, "the top level is not an object");
	if (get_str(c, root, "", "schema", V_TEXT, false, &schema))
		return -1;
	if (!schema || strcmp(schema, STATE_SCHEMA) != 0) {
		bad(c, "schema", "'%.40s' is not irqspread-state", schema ? schema : "");
		free(schema);
		return -1;
	}
	free(schema);
	if (get_int(c, root, "", "version", 0, INT_MAX, &version))
		return -1;
	if (version != STATE_VERSION)
		return errf(c->err, c->errlen, "version %ld, this irqspread reads version %d",
			    version, STATE_VERSION);
	if (get_str(c, root, "", "online", V_CPULIST, false, &s->online) ||
	    get_str(c, root, "", "rps_sock_flow_entries", V_COUNT, true, &s->rps_sock) ||
	    get_array(c, root, "", "nics", MAX_NICS, &arr, &len))
		return -1;
	if (json_object_object_get_ex(root, "irqbalance_config", &e)) {
		char *p = NULL;

		if (!json_object_is_type(e, json_type_object))
			return bad(c, "irqbalance_config", "%s", "not an object");
		if (get_str(c, e, "irqbalance_config", "path", V_TEXT, false, &p))
			return -1;
		/* Never a path from the file: restore writes only the one it knows. */
		if (!p || strcmp(p, IB_CONFIG) != 0) {
			bad(c, "irqbalance_config.path", "'%.64s' is not " IB_CONFIG, p ? p : "");
			free(p);
			return -1;
		}
		free(p);
		if (get_str(c, e, "irqbalance_config", "content", V_TEXT, true, &s->ibconf.text))
			return -1;
		s->ibconf.saved = true;
	}
	s->nics = calloc(len + 1, sizeof(*s->nics));
	if (!s->nics)
		return errf(c->err, c->errlen, "out of memory");
	for (size_t i = 0; i < len; i++) {
		s->nnic = i + 1;
		e = json_object_array_get_idx(arr, i);

		snprintf(path, sizeof(path), "nics[%zu]", i);
		if (!json_object_is_type(e, json_type_object))
			return bad(c, path, "%s", "not an object");
		if (parse_nic(c, e, path, &s->nics[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->nics[j].name, s->nics[i].name) == 0)
				return bad(c, path, "%s saved twice", s->nics[i].name);
	}
	return 0;
}

int state_parse(const char *buf, size_t len, struct saved *s, char *err, size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen };
	struct json_tokener *tok;
	json_object *root;
	enum json_tokener_error jerr;
	size_t end;
	int r;

	memset(s, 0, sizeof(*s));
	if (len > (64u << 20))
		return errf(err, errlen, "larger than 64 MiB");
	if (memchr(buf, '\0', len))
		return errf(err, errlen, "contains a NUL byte");
	tok = json_tokener_new();
	if (!tok)
		return errf(err, errlen, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			errf(err, errlen, "JSON ends early");
		else
			errf(err, errlen, "JSON error at byte %zu: %s", end,
			     json_tokener_error_desc(jerr));
		json_object_put(root);
		return -1;
	}
	for (; end < len; end++)
		if (!strchr(" \t\r\n", buf[end])) {
			json_object_put(root);
			return errf(err, errlen, "text after the JSON at byte %zu", end);
		}
	r = parse_root(&c, root, s);
	json_object_put(root);
	if (r)
		state_free(s);
	return r;
}

void state_free(struct saved *s)
{
	for (size_t i = 0; i < s->nnic; i++) {
		struct saved_nic *n = &s->nics[i];

		for (size_t k = 0; n->irqs && k < n->nirq; k++) {
			free(n->irqs[k].name);
			free(n->irqs[k].aff);
		}
		for (size_t k = 0; n->other && k < n->nother; k++) {
			free(n->other[k].name);
			free(n->other[k].aff);
		}
		free(n->other);
		for (int q = 0; n->rps && n->flow && q < n->nrx; q++) {
			free(n->rps[q]);
			free(n->flow[q]);
		}
		for (int q = 0; n->xps && q < n->ntx; q++)
			free(n->xps[q]);
		free(n->irqs);
		free(n->rps);
		free(n->flow);
		free(n->xps);
		free(n->name);
		free(n->driver);
		free(n->bus);
		free(n->address);
		free(n->perm_address);
		free(n->boot_id);
	}
	free(s->nics);
	free(s->ibconf.text);
	free(s->online);
	free(s->rps_sock);
	memset(s, 0, sizeof(*s));
}

/* ---- checking against the live machine ---- */

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* CPUs a saved value names must exist; a mask's CPUs must be online. */
static int check_cpus(const struct machine *m, const char *file, const char *what,
		      const char *val, bool is_mask, char *err, size_t errlen)
{
	struct cpuset s, on;
	char *list;
	int c;

	if (is_mask ? cpumask_parse(val, strlen(val), &s, NULL, 0)
		    : cpulist_parse(val, strlen(val), &s, NULL, 0))
		return errf(err, errlen, "%s: %s: malformed value '%.40s'", file, what, val);
	c = cpuset_first_not_in(&s, &m->possible);
	if (c >= 0) {
		list = cpulist_str(&m->possible);
		errf(err, errlen, "%s: %s %.40s names CPU %d, out of range here (possible CPUs %s)",
		     file, what, val, c, list ? list : "?");
		free(list);
		return -1;
	}
	cpuset_and(&on, &s, &m->online);
	c = cpuset_first_not_in(&s, &m->online);
	/* An IRQ affinity may name offline CPUs (the default does) if one is online. */
	if ((is_mask && c >= 0) || (!is_mask && cpuset_empty(&on))) {
		list = cpulist_str(&m->online);
		errf(err, errlen, "%s: %s %.40s names CPU %d, which is offline (online CPUs %s)",
		     file, what, val, c, list ? list : "?");
		free(list);
		return -1;
	}
	return 0;
}

static const struct nic_irq *live_irq(const struct nic *n, const char *name)
{
	for (size_t i = 0; i < n->nirq; i++)
		if (strcmp(n->irqs[i].name, name) == 0)
			return &n->irqs[i];
	return NULL;
}

/* Its queues and IRQs are checked once restore has set the channels back. */
static bool channels_pending(const struct saved_nic *sn, const struct nic *n)
{
	return sn->channels >= 0 && n->channels >= 0 && sn->channels != n->channels;
}

static int check_nic(const struct saved_nic *sn, const char *file, const struct nic *n,
		     char *err, size_t errlen)
{
	if (!same(sn->driver, n->driver) || !same(sn->bus, n->bus) ||
	    !same(sn->address, n->address))
		return errf(err, errlen,
			    "%s: it is for %s (%s at %s, %s); here %s is %s at %s (%s)",
			    file, sn->name, sn->driver, sn->bus,
			    sn->address ? sn->address : "no address", n->name, n->driver,
			    n->bus, n->address ? n->address : "no address");
	if (sn->perm_address && n->perm_address && strcmp(sn->perm_address, n->perm_address) != 0)
		return errf(err, errlen,
			    "%s: it is for %s with permanent MAC %s; here %s has permanent MAC %s",
			    file, sn->name, sn->perm_address, n->name, n->perm_address);
	if (channels_pending(sn, n))
		return 0;
	if (sn->nrx != n->nrx || sn->ntx != n->ntx)
		return errf(err, errlen,
			    "%s: %s had %d rx and %d tx queues when saved, it has %d and %d now",
			    file, sn->name, sn->nrx, sn->ntx, n->nrx, n->ntx);
	if (sn->nirq != n->nirq)
		return errf(err, errlen,
			    "%s: %s had %zu queue IRQs when saved, it has %zu now",
			    file, sn->name, sn->nirq, n->nirq);
	/* IRQ numbers change across boots; the action names do not. */
	for (size_t k = 0; k < sn->nirq; k++)
		if (!live_irq(n, sn->irqs[k].name))
			return errf(err, errlen, "%s: %s: IRQ %s (%d when saved) is gone",
				    file, sn->name, sn->irqs[k].name, sn->irqs[k].irq);
	return 0;
}

/*
 * The live IRQ an "other_irqs" entry is: the one of its name and number,
 * else the only one of its name when the file has no other entry of that
 * name (numbers change across boots and when ethtool -L re-creates the
 * vectors). NULL: gone.
 */
static const struct nic_irq *live_other(const struct saved_nic *sn, size_t k,
					const struct nic *n)
{
	const struct saved_irq *so = &sn->other[k];
	const struct nic_irq *hit = NULL;
	size_t named = 0;

	for (size_t i = 0; i < n->nother; i++) {
		if (strcmp(n->other[i].name, so->name) != 0)
			continue;
		if (n->other[i].irq == so->irq)
			return &n->other[i];
		hit = &n->other[i];
		named++;
	}
	if (named != 1)
		return NULL;
	for (size_t j = 0; j < sn->nother; j++)
		if (j != k && strcmp(sn->other[j].name, so->name) == 0)
			return NULL;
	return hit;
}

/* A string as printf would print it, malloc'd; NULL when out of memory. */
__attribute__((format(printf, 1, 2)))
static char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = len < 0 ? NULL : malloc((size_t)len + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return s;
}

#define GONE_LISTED 8

/* A saved IRQ that is not here: counted, and the first few named in p->gone. */
static int gone_add(struct plan *p, const char *nic, const struct saved_irq *so)
{
	char *v;

	if (p->ngone++ >= GONE_LISTED)
		return 0;
	v = str_printf("%s%s%s IRQ %d '%.64s' (smp_affinity_list %.64s)",
		       p->gone ? p->gone : "", p->gone ? ", " : "", nic, so->irq, so->name,
		       so->aff);
	if (!v)
		return -1;
	free(p->gone);
	p->gone = v;
	return 0;
}

/* p->gone as the one line restore prints. */
static int gone_line(struct plan *p, const char *file)
{
	size_t more = p->ngone > GONE_LISTED ? p->ngone - GONE_LISTED : 0;
	char tail[48] = "", *v;

	if (!p->ngone)
		return 0;
	if (more)
		snprintf(tail, sizeof(tail), ", and %zu more", more);
	v = str_printf("%s: %zu saved IRQ%s not here, %s affinity not restored: %s%s",
		       file, p->ngone, p->ngone == 1 ? "" : "s",
		       p->ngone == 1 ? "its" : "their", p->gone, tail);
	if (!v)
		return -1;
	free(p->gone);
	p->gone = v;
	return 0;
}

static int plan_irq(const struct machine *m, const char *file, const char *nic,
		    const struct nic_irq *q, const char *aff, int idx, struct plan *p,
		    const char *why, char *err, size_t errlen)
{
	char path[64], what[320];

	snprintf(what, sizeof(what), "%s: IRQ %d (%s) smp_affinity_list", nic, q->irq, q->name);
	if (check_cpus(m, file, what, aff, false, err, errlen))
		return -1;
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", q->irq);
	if (plan_add(p, idx, CH_IRQ, path, q->aff_raw, strdup(aff), why))
		return errf(err, errlen, "out of memory");
	return 0;
}

static int plan_nic(const struct saved_nic *sn, const char *file, const struct machine *m,
		    const struct nic *n, int idx, struct plan *p, char *err, size_t errlen)
{
	char path[320], what[320], why[320];

	snprintf(why, sizeof(why), "saved in %s", file);
	for (size_t k = 0; k < sn->nirq; k++)
		if (plan_irq(m, file, sn->name, live_irq(n, sn->irqs[k].name), sn->irqs[k].aff,
			     idx, p, why, err, errlen))
			return -1;
	/* The device's other vectors: best effort, a vector gone is said, not fatal. */
	for (size_t k = 0; k < sn->nother; k++) {
		const struct nic_irq *q = live_other(sn, k, n);

		if (!q) {
			if (gone_add(p, sn->name, &sn->other[k]))
				return errf(err, errlen, "out of memory");
			continue;
		}
		if (plan_irq(m, file, sn->name, q, sn->other[k].aff, idx, p, why, err, errlen))
			return -1;
	}
	for (int q = 0; q < sn->nrx; q++) {
		if (sn->rps[q]) {
			snprintf(what, sizeof(what), "%s rx-%d rps_cpus", sn->name, q);
			if (check_cpus(m, file, what, sn->rps[q], true, err, errlen))
				return -1;
			if (!n->rx[q].rps_raw)
				return errf(err, errlen, "%s: %s: saved, but absent here", file, what);
			snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_cpus", n->name, q);
			if (plan_add(p, idx, CH_RPS, path, n->rx[q].rps_raw, strdup(sn->rps[q]), why))
				return errf(err, errlen, "out of memory");
		}
		if (sn->flow[q] && n->rx[q].flow_raw) {
			snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_flow_cnt",
				 n->name, q);
			if (plan_add(p, idx, CH_FLOW, path, n->rx[q].flow_raw, strdup(sn->flow[q]), why))
				return errf(err, errlen, "out of memory");
		}
	}
	for (int q = 0; q < sn->ntx; q++) {
		if (!sn->xps[q])
			continue;
		snprintf(what, sizeof(what), "%s tx-%d xps_cpus", sn->name, q);
		if (check_cpus(m, file, what, sn->xps[q], true, err, errlen))
			return -1;
		if (!n->tx[q].xps_raw)
			return errf(err, errlen, "%s: %s: saved, but absent here", file, what);
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/tx-%d/xps_cpus", n->name, q);
		if (plan_add(p, idx, CH_XPS, path, n->tx[q].xps_raw, strdup(sn->xps[q]), why))
			return errf(err, errlen, "out of memory");
	}
	return 0;
}

/*
 * Where rt_rps_warns() holds, a saved rps_cpus, rps_flow_cnt or
 * rps_sock_flow_entries that is not off is held back: writing it would
 * make the kernel warn again (a state saved under a non-RT boot of this
 * machine, or an admin's earlier RPS). Off (0) is written: it is what
 * stops the warning. The change stays in the plan, marked skip and not
 * differing, so apply_plan() passes it by and a dry run shows it; each NIC
 * that has one, and the table, get a warning line.
 */
static int rt_skip(const struct machine *m, struct plan *p)
{
	const char *rel = m->osrelease ? m->osrelease : "release unknown";

	if (!m->rps_warns_on_rt)
		return 0;
	/* The NICs in their order, then the machine-wide table (nic -1). */
	for (size_t at = 0; at <= p->nnic; at++) {
		int i = at < p->nnic ? (int)at : -1;
		size_t rps = 0, flow = 0;
		const char *sock = NULL;

		for (size_t k = 0; k < p->n; k++) {
			struct change *c = &p->v[k];
			char *why;

			if (c->nic != i || !c->differs || c->kind == CH_IRQ || c->kind == CH_XPS ||
			    value_off(c->kind, c->new))
				continue;
			why = str_printf("PREEMPT_RT before 6.10 warns when %s steers; %s",
					 c->kind == CH_RPS ? "RPS" : "RFS", c->why);
			if (!why)
				return -1;
			free(c->why);
			c->why = why;
			c->differs = false;
			c->skip = true;
			p->ndiff--;
			p->nskip++;
			if (c->kind == CH_RPS)
				rps++;
			else if (c->kind == CH_FLOW)
				flow++;
			else
				sock = c->new;
		}
		if (sock && plan_warn(p, "restore: machine-wide: saved rps_sock_flow_entries %s "
				      "not written back: PREEMPT_RT before 6.10 warns when RFS "
				      "steers (kernel %s)", sock, rel))
			return -1;
		if (i >= 0 && rps + flow &&
		    plan_warn(p, "restore: %s: saved RPS/RFS not written back (%zu rps_cpus, "
			      "%zu rps_flow_cnt): PREEMPT_RT before 6.10 warns when RPS or RFS "
			      "steers (kernel %s)", p->nics[i].nic->name, rps, flow, rel))
			return -1;
	}
	return 0;
}

int state_plan(const struct saved *s, const char *file, const struct machine *m,
	       struct nic ***nics, size_t *nnic, struct plan *p,
	       char *err, size_t errlen)
{
	char why[320], inner[512];
	struct nic **v = calloc(s->nnic + 1, sizeof(struct nic *));

	*nics = NULL;
	*nnic = 0;
	memset(p, 0, sizeof(*p));
	if (!v)
		return errf(err, errlen, "out of memory");
	for (size_t i = 0; i < s->nnic; i++) {
		const struct saved_nic *sn = &s->nics[i];

		if (nic_load(m, sn->name, &v[i], inner, sizeof(inner))) {
			errf(err, errlen, "%s: it is for %s (%s at %s), but here %s", file,
			     sn->name, sn->driver, sn->bus, inner);
			goto fail;
		}
		*nnic = i + 1;
		if (check_nic(sn, file, v[i], err, errlen))
			goto fail;
	}
	plan_init(p, POLICY_RESTORE, v, *nnic);
	if (!p->nics) {
		errf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < s->nnic; i++)
		if (!channels_pending(&s->nics[i], v[i]) &&
		    plan_nic(&s->nics[i], file, m, v[i], (int)i, p, err, errlen))
			goto fail;
	if (gone_line(p, file)) {
		errf(err, errlen, "out of memory");
		goto fail;
	}
	if (s->rps_sock && m->rps_sock_raw) {
		snprintf(why, sizeof(why), "saved in %s (machine-wide)", file);
		if (plan_add(p, -1, CH_SOCK, "/proc/sys/net/core/rps_sock_flow_entries",
			     m->rps_sock_raw, strdup(s->rps_sock), why)) {
			errf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (rt_skip(m, p)) {
		errf(err, errlen, "out of memory");
		goto fail;
	}
	*nics = v;
	return 0;
fail:
	plan_free(p);
	nics_free(v, *nnic);
	*nnic = 0;
	return -1;
}

/* ---- apply's safety copy: kept, merged per NIC, and always restorable ---- */

static json_object *parse_json(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root;

	if (!tok)
		return NULL;
	root = json_tokener_parse_ex(tok, buf, (int)len);
	json_tokener_free(tok);
	return root;
}

/* The MAC a NIC is known by: the permanent one when both sides know it. */
static bool same_nic(const struct saved_nic *sn, const struct nic *n)
{
	if (sn->perm_address && n->perm_address)
		return strcmp(sn->perm_address, n->perm_address) == 0;
	return same(sn->address, n->address) && same(sn->bus, n->bus);
}

static void add_name(char *buf, size_t len, const char *name)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

/* Would restore take @text? Its own checks, nothing written. */
static int restorable(const char *text, const char *file, const struct machine *m,
		      char *err, size_t errlen)
{
	struct saved s;
	struct plan p;
	struct nic **v;
	size_t nv;
	char perr[512];

	if (state_parse(text, strlen(text), &s, perr, sizeof(perr)))
		return errf(err, errlen, "%s: not a saved irqspread state: %s", file, perr);
	if (state_plan(&s, file, m, &v, &nv, &p, err, errlen)) {
		state_free(&s);
		return -1;
	}
	plan_free(&p);
	nics_free(v, nv);
	state_free(&s);
	return 0;
}

int state_merge(const char *old, size_t oldlen, const char *file, const struct machine *m,
		struct nic **nics, size_t n, const struct saved_file *ibconf, char **out,
		char *note, size_t notelen, char *err, size_t errlen)
{
	bool add_ib = false;
	char perr[512], added[256] = "", renewed[256] = "", *text = NULL, *l1, *l2;
	json_object *root = NULL, *arr;
	struct cpuset was;
	struct saved s;
	int r = -1;

	*out = NULL;
	snprintf(note, notelen, "saved the current state to %s", file);
	if (!old) {
		text = state_dump(m, nics, n, ibconf);
		if (!text)
			return errf(err, errlen, "out of memory");
		goto check;
	}
	if (state_parse(old, oldlen, &s, perr, sizeof(perr)))
		return errf(err, errlen, "%s: not a saved irqspread state: %s", file, perr);
	/* A file from before a vCPU resize has masks of another width. */
	if (s.online && cpulist_parse(s.online, strlen(s.online), &was, NULL, 0) == 0 &&
	    !cpuset_equal(&was, &m->online)) {
		l1 = cpulist_str(&m->online);
		errf(err, errlen, "%s: saved with CPUs %s online, but CPUs %s are online now",
		     file, s.online, l1 ? l1 : "?");
		free(l1);
		goto out;
	}
	root = parse_json(old, oldlen);
	if (!root || !json_object_object_get_ex(root, "nics", &arr)) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct saved_nic *sn = NULL;
		size_t j;
		json_object *o;

		for (j = 0; j < s.nnic; j++)
			if (s.nics[j].name && strcmp(s.nics[j].name, nics[i]->name) == 0) {
				sn = &s.nics[j];
				break;
			}
		/* Kept: this boot's state from before the first apply. */
		if (sn && (!sn->boot_id || !m->boot_id || !strcmp(sn->boot_id, m->boot_id) ||
			   !same_nic(sn, nics[i])))
			continue;
		o = nic_obj(m, nics[i]);
		if (!o) {
			errf(err, errlen, "out of memory");
			goto out;
		}
		if (sn) {
			json_object_array_put_idx(arr, j, o);
			add_name(renewed, sizeof(renewed), nics[i]->name);
		} else {
			json_object_array_add(arr, o);
			add_name(added, sizeof(added), nics[i]->name);
		}
	}
	if (ibconf && !s.ibconf.saved) {
		json_object_object_add(root, "irqbalance_config", file_obj(IB_CONFIG, ibconf));
		add_ib = true;
	}
	if (!added[0] && !renewed[0] && !add_ib) {
		snprintf(note, notelen, "keeping the state saved earlier in %s", file);
		text = strndup(old, oldlen);
	} else {
		text = to_text(root);
		l1 = added[0] ? added : NULL;
		l2 = renewed[0] ? renewed : NULL;
		snprintf(note, notelen, "%s%s%s%s%s%s%s%s to the state saved in %s",
			 l1 ? "added the current state of " : "", l1 ? l1 : "",
			 l1 && l2 ? ", and " : "",
			 l2 ? "the current state of " : "", l2 ? l2 : "",
			 l2 ? " (its entry was from an earlier boot)" : "",
			 add_ib && (l1 || l2) ? ", and " : "",
			 add_ib ? (l1 || l2 ? IB_CONFIG " as it is" : "added " IB_CONFIG " as it is") : "",
			 file);
	}
	if (!text) {
		errf(err, errlen, "out of memory");
		goto out;
	}
check:
	/* Never keep or write a state that restore would refuse. */
	if (restorable(text, file, m, err, errlen)) {
		free(text);
		text = NULL;
		goto out;
	}
	if (old && !added[0] && !renewed[0] && !add_ib) {
		free(text);
		text = NULL;
	}
	*out = text;
	r = 0;
out:
	json_object_put(root);
	if (old)
		state_free(&s);
	return r;
}

int write_file_atomic(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text), off = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return errf(err, errlen, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) || close(fd)) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path)) {
		errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	errf(err, errlen, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
