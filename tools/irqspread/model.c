// SPDX-License-Identifier: GPL-2.0
/* The machine and its NICs, read from /proc and /sys. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "channels.h"
#include "irqbalance.h"
#include "irqname.h"
#include "model.h"
#include "sysroot.h"
#include "util.h"


/* A file that must be there: 0, or -1 with the reason in err. */
static int read_req(const char *rel, char **val, char *err, size_t errlen)
{
	int r = sr_read_value(rel, val);

	if (r) {
		errf(err, errlen, "%s: cannot read: %s", rel, strerror(-r));
		return -1;
	}
	return 0;
}

/* A file some kernels lack: 0 read, 1 absent, -1 error. */
static int read_opt(const char *rel, char **val, char *err, size_t errlen)
{
	int r = sr_read_value(rel, val);

	*val = r ? NULL : *val;
	if (r == -ENOENT)
		return 1;
	if (r) {
		errf(err, errlen, "%s: cannot read: %s", rel, strerror(-r));
		return -1;
	}
	return 0;
}

static int read_cpulist(const char *rel, struct cpuset *s, bool required,
			char *err, size_t errlen)
{
	char perr[96], *v;
	int r = required ? read_req(rel, &v, err, errlen) : read_opt(rel, &v, err, errlen);

	cpuset_zero(s);
	if (r)
		return r;
	/* nohz_full reads "(null)" when the kernel has it but it is not set. */
	if (strcmp(v, "(null)") != 0 &&
	    cpulist_parse(v, strlen(v), s, perr, sizeof(perr))) {
		errf(err, errlen, "%s: malformed cpulist '%.40s': %s", rel, v, perr);
		free(v);
		return -1;
	}
	free(v);
	return 0;
}

static int read_mask(const char *rel, char **raw, struct cpuset *s,
		     char *err, size_t errlen)
{
	char perr[96];
	int r = read_opt(rel, raw, err, errlen);

	cpuset_zero(s);
	if (r)
		return r;
	if (cpumask_parse(*raw, strlen(*raw), s, perr, sizeof(perr))) {
		errf(err, errlen, "%s: malformed mask '%.40s': %s", rel, *raw, perr);
		free(*raw);
		*raw = NULL;
		return -1;
	}
	return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int load_nodes(struct machine *m, char *err, size_t errlen)
{
	char **names, path[PATH_MAX];
	size_t n;
	int r = sr_list("/sys/devices/system/node", &names, &n);

	if (r == -ENOENT) {	/* !CONFIG_NUMA: one node with everything */
		m->nodes = calloc(1, sizeof(*m->nodes));
		if (!m->nodes)
			return errf(err, errlen, "out of memory");
		m->nnodes = 1;
		m->nodes[0].cpus = m->online;
		return 0;
	}
	if (r)
		return errf(err, errlen, "/sys/devices/system/node: cannot list: %s", strerror(-r));
	m->nodes = calloc(n ? n : 1, sizeof(*m->nodes));
	if (!m->nodes) {
		sr_list_free(names, n);
		return errf(err, errlen, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct node *nd = &m->nodes[m->nnodes];
		long id;

		if (strncmp(names[i], "node", 4) != 0 || parse_int(names[i] + 4, 0, 65535, &id))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/cpulist", names[i]);
		if (read_cpulist(path, &nd->cpus, true, err, errlen)) {
			sr_list_free(names, n);
			return -1;
		}
		cpuset_and(&nd->cpus, &nd->cpus, &m->online);
		nd->id = (int)id;
		m->nnodes++;
	}
	sr_list_free(names, n);
	return 0;
}

static int load_topology(struct machine *m, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int c;

	m->thread_rank = calloc((size_t)m->nr_cpu_ids, sizeof(int));
	m->core_of = calloc((size_t)m->nr_cpu_ids, sizeof(int));
	if (!m->thread_rank || !m->core_of)
		return errf(err, errlen, "out of memory");
	for (c = 0; c < m->nr_cpu_ids; c++)
		m->core_of[c] = c;
	m->threads_per_core = 1;
	for_each_cpu(c, &m->online) {
		struct cpuset sib;
		int r, rank = 0, s;

		if (c >= m->nr_cpu_ids)
			break;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		r = read_cpulist(path, &sib, false, err, errlen);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		for_each_cpu(s, &sib)
			if (s < c)
				rank++;
		m->thread_rank[c] = rank;
		s = cpuset_next(&sib, 0);
		if (s >= 0 && s < m->nr_cpu_ids)
			m->core_of[c] = s;
		if (rank)
			cpuset_set(&m->smt_siblings, c);
		if (cpuset_count(&sib) > m->threads_per_core)
			m->threads_per_core = cpuset_count(&sib);
	}
	return 0;
}

/*
 * Which CPUs share an L2 and an L3, from cpuN/cache/index*: XPS groups the
 * CPUs without a queue IRQ by them. Best effort: without cache/ (older
 * kernels, some VMs) SMT siblings are taken to share the L2 and the L3 is
 * unknown; a file that does not parse is skipped.
 */
static int load_caches(struct machine *m, char *err, size_t errlen)
{
	char path[PATH_MAX], *v;
	int c;

	m->l2_of = calloc((size_t)m->nr_cpu_ids, sizeof(int));
	m->l3_of = calloc((size_t)m->nr_cpu_ids, sizeof(int));
	if (!m->l2_of || !m->l3_of)
		return errf(err, errlen, "out of memory");
	for (c = 0; c < m->nr_cpu_ids; c++) {
		m->l2_of[c] = m->core_of[c];
		m->l3_of[c] = -1;
	}
	for_each_cpu(c, &m->online) {
		if (c >= m->nr_cpu_ids)
			break;
		for (int x = 0; x < 16; x++) {
			struct cpuset sh;
			long level;
			bool instr;
			int first;

			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", c, x);
			if (sr_read_value(path, &v))
				break;
			if (parse_int(v, 0, 9, &level))
				level = 0;
			free(v);
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/type", c, x);
			if (sr_read_value(path, &v))
				continue;
			instr = strcmp(v, "Instruction") == 0;
			free(v);
			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", c, x);
			if (instr || level < 2 || sr_read_value(path, &v))
				continue;
			first = cpulist_parse(v, strlen(v), &sh, NULL, 0) ? -1 : cpuset_next(&sh, 0);
			free(v);
			if (first < 0 || first >= m->nr_cpu_ids)
				continue;
			if (level == 2)
				m->l2_of[c] = first;
			else if (level == 3)
				m->l3_of[c] = first;
		}
	}
	return 0;
}

/* irqbalance rewrites smp_affinity every 10 s; find it by its comm. */
static void find_irqbalance(struct machine *m)
{
	char **names, path[64];
	size_t n;

	if (sr_list("/proc", &names, &n))
		return;
	for (size_t i = 0; i < n && !m->irqbalance_pid; i++) {
		long pid;
		char *comm;

		if (parse_int(names[i], 1, LONG_MAX, &pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (sr_read_value(path, &comm))
			continue;	/* gone meanwhile */
		if (strcmp(comm, "irqbalance") == 0)
			m->irqbalance_pid = pid;
		free(comm);
	}
	sr_list_free(names, n);
	/* Its pid file where irqbalance runs with --pid=/run/irqbalance.pid. */
	if (!m->irqbalance_pid)
		m->irqbalance_pid = ib_pidfile();
}

/* A decimal number of at most 5 digits at *s, *s moved past it: 0 or -1. */
static int parse_release_num(const char **s, int *v)
{
	const char *p = *s;
	int n = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (p - *s >= 5)
			return -1;
		n = n * 10 + (*p++ - '0');
	}
	*v = n;
	*s = p;
	return 0;
}

int osrelease_version(const char *s, int *major, int *minor)
{
	if (!s || parse_release_num(&s, major) || *s++ != '.' ||
	    parse_release_num(&s, minor))
		return -1;
	return 0;
}

bool rt_rps_warns(bool rt, const char *osrelease)
{
	int major, minor;

	if (!rt || !osrelease)
		return false;
	/* An RT release that does not parse counts as before 6.10: RPS and RFS off is safe. */
	if (osrelease_version(osrelease, &major, &minor))
		return true;
	return major < 6 || (major == 6 && minor < 10);
}

/*
 * The kernel's release and whether it is PREEMPT_RT, best effort: a file
 * that is absent or cannot be read counts as not RT, release unknown.
 */
static void load_kernel(struct machine *m)
{
	char *v;

	if (sr_read_value("/proc/sys/kernel/osrelease", &m->osrelease))
		m->osrelease = NULL;
	if (!sr_read_value("/sys/kernel/realtime", &v)) {
		m->preempt_rt = strcmp(v, "1") == 0;
		free(v);
	}
	m->rps_warns_on_rt = rt_rps_warns(m->preempt_rt, m->osrelease);
}

int machine_load(struct machine *m, char *err, size_t errlen)
{
	char *buf, perr[128];
	size_t len;
	int r;

	memset(m, 0, sizeof(*m));
	if (read_cpulist("/sys/devices/system/cpu/possible", &m->possible, true, err, errlen) ||
	    read_cpulist("/sys/devices/system/cpu/online", &m->online, true, err, errlen))
		goto fail;
	if (cpuset_empty(&m->online) || !cpuset_subset(&m->online, &m->possible)) {
		errf(err, errlen, "/sys/devices/system/cpu/online: does not fit /sys/devices/system/cpu/possible");
		goto fail;
	}
	m->nr_cpu_ids = cpuset_last(&m->possible) + 1;
	r = read_cpulist("/sys/devices/system/cpu/isolated", &m->isolated, false, err, errlen);
	if (r < 0)
		goto fail;
	m->has_isolated = r == 0;
	r = read_cpulist("/sys/devices/system/cpu/nohz_full", &m->nohz_full, false, err, errlen);
	if (r < 0)
		goto fail;
	m->has_nohz_full = r == 0;
	if (load_nodes(m, err, errlen) || load_topology(m, err, errlen) ||
	    load_caches(m, err, errlen))
		goto fail;
	buf = NULL;
	r = read_opt("/proc/irq/default_smp_affinity", &buf, err, errlen);
	if (r < 0)
		goto fail;
	m->default_aff = m->possible;
	if (!r) {
		if (cpumask_parse(buf, strlen(buf), &m->default_aff, perr, sizeof(perr))) {
			errf(err, errlen, "/proc/irq/default_smp_affinity: malformed mask: %s", perr);
			free(buf);
			goto fail;
		}
		free(buf);
	}
	if (read_opt("/proc/sys/net/core/rps_sock_flow_entries", &m->rps_sock_raw,
		     err, errlen) < 0)
		goto fail;
	if (read_opt("/proc/sys/kernel/random/boot_id", &m->boot_id, err, errlen) < 0)
		goto fail;
	load_kernel(m);
	find_irqbalance(m);
	r = sr_read("/proc/interrupts", &buf, &len);
	if (r) {
		errf(err, errlen, "/proc/interrupts: cannot read: %s", strerror(-r));
		goto fail;
	}
	r = intr_parse(buf, len, &m->intr, perr, sizeof(perr));
	free(buf);
	if (r) {
		errf(err, errlen, "/proc/interrupts: cannot parse: %s", perr);
		goto fail;
	}
	return 0;
fail:
	machine_free(m);
	return -1;
}

void machine_free(struct machine *m)
{
	free(m->nodes);
	free(m->thread_rank);
	free(m->core_of);
	free(m->l2_of);
	free(m->l3_of);
	free(m->rps_sock_raw);
	free(m->boot_id);
	free(m->osrelease);
	intr_free(&m->intr);
	memset(m, 0, sizeof(*m));
}

const struct node *machine_node(const struct machine *m, int id)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (m->nodes[i].id == id)
			return &m->nodes[i];
	return NULL;
}

int nic_names(char ***names, size_t *n, char *err, size_t errlen)
{
	char **all, path[PATH_MAX];
	size_t na, k = 0;
	int r = sr_list("/sys/class/net", &all, &na);

	if (r)
		return errf(err, errlen, "/sys/class/net: cannot list: %s", strerror(-r));
	for (size_t i = 0; i < na; i++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/device", all[i]);
		if (sr_exists(path))
			all[k++] = all[i];
		else
			free(all[i]);
	}
	*names = all;
	*n = k;
	return 0;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* %04x:%02x:%02x.%d as pci_name() prints it; VMD domains have 5 digits. */
static bool is_pci_name(const char *s)
{
	static const char tail[] = ":xx:xx.x";
	size_t n = strlen(s), d = n - (sizeof(tail) - 1);

	if (n < sizeof(tail) - 1 + 4)
		return false;
	for (size_t i = 0; i < d; i++)
		if (!is_hex(s[i]))
			return false;
	for (size_t i = 0; tail[i]; i++)
		if (tail[i] == 'x' ? !is_hex(s[d + i]) : s[d + i] != tail[i])
			return false;
	return true;
}

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static void parent_of(const char *path, char *out, size_t outlen)
{
	const char *b = strrchr(path, '/');
	size_t n = b ? (size_t)(b - path) : 0;

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

/*
 * The MAC the NIC was made with, which an admin or a bond does not change:
 * what a saved state is keyed by. sysfs does not show it; ethtool -P asks
 * the driver with ETHTOOL_GPERMADDR. Under --sysroot there is no driver to
 * ask: a fixture's address is its permanent one when addr_assign_type says
 * so (NET_ADDR_PERM, 0).
 */
static int load_perm_address(struct nic *n, char *err, size_t errlen)
{
	union {
		struct ethtool_perm_addr epa;
		unsigned char buf[sizeof(struct ethtool_perm_addr) + 32];
	} u;
	struct ifreq ifr;
	char out[3 * 32];
	bool zero = true;
	int fd, r;

	n->perm_address = NULL;
	if (sr_is_fake()) {
		char path[PATH_MAX], *v;

		snprintf(path, sizeof(path), "/sys/class/net/%s/addr_assign_type", n->name);
		r = read_opt(path, &v, err, errlen);
		if (r)
			return r < 0 ? -1 : 0;
		if (strcmp(v, "0") == 0 && n->address) {
			n->perm_address = strdup(n->address);
			if (!n->perm_address) {
				free(v);
				return errf(err, errlen, "out of memory");
			}
		}
		free(v);
		return 0;
	}
	memset(&u, 0, sizeof(u));
	memset(&ifr, 0, sizeof(ifr));
	u.epa.cmd = ETHTOOL_GPERMADDR;
	u.epa.size = 32;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->name);
	ifr.ifr_data = (char *)&u;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;	/* no permanent MAC known: the address stands in */
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (r || !u.epa.size || u.epa.size > 32)
		return 0;
	for (unsigned int i = 0; i < u.epa.size; i++) {
		/* "xx" then ":xx": byte i starts at 3 * i - 1 after the first. */
		snprintf(out + (i ? 3 * i - 1 : 0), sizeof(out) - (i ? 3 * i - 1 : 0), "%s%02x",
			 i ? ":" : "", u.epa.data[i]);
		zero &= u.epa.data[i] == 0;
	}
	if (zero)
		return 0;
	n->perm_address = strdup(out);
	return n->perm_address ? 0 : errf(err, errlen, "out of memory");
}

static int load_identity(struct nic *n, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], dev[PATH_MAX], parent[PATH_MAX], drv[128], *v;
	const char *bus;
	long node = -1;
	int r;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", n->name);
	r = sr_resolve(path, dev, sizeof(dev));
	if (r)
		return errf(err, errlen, "%s: cannot resolve: %s", path, strerror(-r));
	n->devpath = strdup(dev);
	bus = base_of(dev);
	n->bus = strdup(bus);
	parent_of(dev, parent, sizeof(parent));
	if (is_pci_name(bus))
		n->pci = strdup(bus);
	else if (is_pci_name(base_of(parent)))
		n->pci = strdup(base_of(parent));
	n->virtio = -1;
	if (strncmp(bus, "virtio", 6) == 0) {
		long vn;

		if (!parse_int(bus + 6, 0, 65535, &vn))
			n->virtio = (int)vn;
	}
	snprintf(path, sizeof(path), "%s/driver", dev);
	r = sr_link_base(path, drv, sizeof(drv));
	if (r)
		return errf(err, errlen, "%s: device %s has no driver bound (%s)", n->name, bus,
			   strerror(-r));
	n->driver = strdup(drv);
	/* A virtio device has no numa_node of its own; its PCI function has. */
	snprintf(path, sizeof(path), "%s/numa_node", dev);
	r = read_opt(path, &v, err, errlen);
	if (r > 0) {
		snprintf(path, sizeof(path), "%s/numa_node", parent);
		r = read_opt(path, &v, err, errlen);
	}
	if (r < 0)
		return -1;
	if (!r) {
		if (parse_int(v, -1, 65535, &node)) {
			errf(err, errlen, "%s: not a NUMA node number: '%.20s'", path, v);
			free(v);
			return -1;
		}
		free(v);
	}
	n->node = (int)node;
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", n->name);
	if (read_opt(path, &n->address, err, errlen) < 0 || load_perm_address(n, err, errlen))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/threaded", n->name);
	r = read_opt(path, &v, err, errlen);
	if (r < 0)
		return -1;
	n->threaded = -1;
	if (!r) {
		long t;

		n->threaded = parse_int(v, 0, 1, &t) ? -1 : (int)t;
		free(v);
	}
	if (!n->devpath || !n->bus || !n->driver || (is_pci_name(bus) && !n->pci))
		return errf(err, errlen, "out of memory");
	return 0;
}

static int count_queues(char **names, size_t n, const char *prefix, int *count,
			const char *dev, char *err, size_t errlen)
{
	size_t pl = strlen(prefix);
	int max = -1, seen = 0;

	for (size_t i = 0; i < n; i++) {
		long q;

		if (strncmp(names[i], prefix, pl) != 0 || parse_int(names[i] + pl, 0, 65535, &q))
			continue;
		seen++;
		if (q > max)
			max = (int)q;
	}
	if (seen != max + 1)
		return errf(err, errlen, "/sys/class/net/%s/queues: %s queues are not numbered 0..%d",
			   dev, prefix, max);
	*count = seen;
	return 0;
}

static int load_queues(struct nic *n, char *err, size_t errlen)
{
	char path[PATH_MAX], **names;
	size_t nn;
	int r;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", n->name);
	r = sr_list(path, &names, &nn);
	if (r)
		return errf(err, errlen, "%s: cannot list: %s", path, strerror(-r));
	r = count_queues(names, nn, "rx-", &n->nrx, n->name, err, errlen) ||
	    count_queues(names, nn, "tx-", &n->ntx, n->name, err, errlen);
	sr_list_free(names, nn);
	if (r)
		return -1;
	n->rx = calloc((size_t)n->nrx + 1, sizeof(*n->rx));
	n->tx = calloc((size_t)n->ntx + 1, sizeof(*n->tx));
	if (!n->rx || !n->tx)
		return errf(err, errlen, "out of memory");
	for (int q = 0; q < n->nrx; q++) {
		struct rxq *rx = &n->rx[q];

		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_cpus", n->name, q);
		if (read_mask(path, &rx->rps_raw, &rx->rps, err, errlen) < 0)
			return -1;
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_flow_cnt", n->name, q);
		r = read_opt(path, &rx->flow_raw, err, errlen);
		if (r < 0)
			return -1;
		if (!r && parse_int(rx->flow_raw, 0, LONG_MAX, &rx->flow_cnt))
			return errf(err, errlen, "%s: not a number: '%.20s'", path, rx->flow_raw);
	}
	for (int q = 0; q < n->ntx; q++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/tx-%d/xps_cpus", n->name, q);
		if (read_mask(path, &n->tx[q].xps_raw, &n->tx[q].xps, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static struct nic_irq *add_irq(struct nic_irq **v, size_t *n, int irq, const char *name)
{
	struct nic_irq *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return NULL;
	*v = nv;
	nv = &nv[(*n)++];
	memset(nv, 0, sizeof(*nv));
	nv->irq = irq;
	nv->queue = -1;
	nv->name = strdup(name);
	return nv->name ? nv : NULL;
}

static bool has_irq(const struct nic_irq *v, size_t n, int irq)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].irq == irq)
			return true;
	return false;
}

__attribute__((format(printf, 2, 3)))
static void nic_warn(struct nic *n, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (n->nwarn >= sizeof(n->warn) / sizeof(n->warn[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n->warn[n->nwarn] = strdup(buf);
	n->nwarn += n->warn[n->nwarn] != NULL;
}

/*
 * A vector that by its name serves the device, not a queue: ENA's
 * ena-mgmnt, mlx5's mlx5_async/ctrl, the misc/link/config/admin vectors
 * of Intel, virtio and others. In the msi_irqs fallback (names of the
 * driver not recognised) these must not be taken for queue vectors.
 */
static bool admin_name(const char *name)
{
	static const char *const words[] = {
		"mgmnt", "mgmt", "async", "ctrl", "misc", "config", "admin", "link",
		"-aq", "_aq", "ptp", "mbx", "mailbox",
	};
	char low[128];
	size_t i;

	for (i = 0; i < sizeof(low) - 1 && name[i]; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

/*
 * The device's msi_irqs directory, or its parent's (a virtio device's
 * vectors are its PCI function's): 0 listed, 1 there is none, -1 error.
 */
static int list_msi(const struct nic *n, char ***names, size_t *nn, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	int r;

	snprintf(path, sizeof(path), "%s/msi_irqs", n->devpath);
	r = sr_list(path, names, nn);
	if (r == -ENOENT) {
		char parent[PATH_MAX];

		parent_of(n->devpath, parent, sizeof(parent));
		snprintf(path, sizeof(path), "%s/msi_irqs", parent);
		r = sr_list(path, names, nn);
	}
	if (r == -ENOENT)
		return 1;
	if (r)
		return errf(err, errlen, "%s: cannot list: %s", path, strerror(-r));
	return 0;
}

/* Unknown naming: every MSI vector of the device, queue unknown. */
static int irqs_from_msi(const struct machine *m, struct nic *n, char *err, size_t errlen)
{
	char **names;
	size_t nn;
	int r = list_msi(n, &names, &nn, err, errlen);

	if (r)
		return r < 0 ? -1 : 0;
	for (size_t i = 0; i < nn; i++) {
		const struct intr_row *row;
		struct nic_irq *q;
		bool admin;
		long irq;

		if (parse_int(names[i], 0, INT_MAX, &irq) || has_irq(n->other, n->nother, (int)irq))
			continue;
		row = intr_find(&m->intr, (int)irq);
		admin = row && admin_name(row->name);
		if (admin)
			q = add_irq(&n->other, &n->nother, (int)irq, row->name);
		else
			q = add_irq(&n->irqs, &n->nirq, (int)irq, row ? row->name : "");
		if (!q) {
			sr_list_free(names, nn);
			return errf(err, errlen, "out of memory");
		}
		q->role = admin ? ROLE_OTHER : ROLE_UNKNOWN;
		q->row = row;
		if (admin)
			nic_warn(n, "IRQ %d '%s' of %s's msi_irqs is named as a device vector, "
				 "not a queue's: left alone", (int)irq, row->name, n->name);
	}
	sr_list_free(names, nn);
	n->fallback = true;
	n->naming = "msi_irqs";
	if (n->nirq > (size_t)(n->nrx > n->ntx ? n->nrx : n->ntx))
		nic_warn(n, "%zu msi_irqs vectors taken as queue vectors for %d rx and %d tx queues: "
			 "some may be device vectors (name the CPUs with --cpus, or use irq-only with care)",
			 n->nirq, n->nrx, n->ntx);
	return 0;
}

static int cmp_irq(const void *a, const void *b)
{
	const struct nic_irq *x = a, *y = b;

	if (x->queue != y->queue)
		return x->queue < y->queue ? -1 : 1;
	if (x->role != y->role)
		return x->role < y->role ? -1 : 1;
	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

/* 0, or -1; with @opt, 1 when the IRQ has no smp_affinity_list (gone meanwhile). */
static int load_affinity(struct nic_irq *q, bool opt, char *err, size_t errlen)
{
	char path[64], perr[96], *v;
	int r;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", q->irq);
	r = opt ? read_opt(path, &q->aff_raw, err, errlen) :
		  read_req(path, &q->aff_raw, err, errlen);
	if (r)
		return r;
	if (cpulist_parse(q->aff_raw, strlen(q->aff_raw), &q->aff, perr, sizeof(perr)))
		return errf(err, errlen, "%s: malformed cpulist '%.40s': %s", path, q->aff_raw, perr);
	snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", q->irq);
	r = read_opt(path, &v, err, errlen);
	if (r < 0)
		return -1;
	if (!r) {
		q->has_eff = cpulist_parse(v, strlen(v), &q->eff, perr, sizeof(perr)) == 0;
		free(v);
	}
	return 0;
}

/*
 * A row whose name is not one of the NIC's vectors alone, but has one in
 * it: "ens5-Tx-Rx-3, foo" (a shared IRQ, actions joined by ", ") or a name
 * with a space in it. The vector is not moved (another action shares it,
 * or the name is not the driver's), but that must not go unsaid. Returns
 * the queue, or -1.
 */
static int dropped_queue(const char *name, const struct nic_id *id)
{
	char buf[256], *save = NULL, *tok;
	const char *naming;
	int queue;

	if (!strpbrk(name, ", ") || strlen(name) >= sizeof(buf))
		return -1;
	memcpy(buf, name, strlen(name) + 1);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		int role = irqname_match(tok, id, &queue, &naming);

		if (role >= 0 && role != ROLE_OTHER && queue >= 0)
			return queue;
	}
	return -1;
}

/* Say which rx queues have no vector of their own, and why if known. */
static void check_queues(const struct machine *m, struct nic *n, const struct nic_id *id)
{
	bool *have, *dropped;
	size_t nq = (size_t)n->nrx;

	if (n->fallback || !n->nirq || !nq)
		return;
	have = calloc(nq, sizeof(bool));
	dropped = calloc(nq, sizeof(bool));
	if (!have || !dropped)
		goto out;
	for (size_t i = 0; i < n->nirq; i++)
		if ((n->irqs[i].role == ROLE_TXRX || n->irqs[i].role == ROLE_RX) &&
		    n->irqs[i].queue >= 0 && (size_t)n->irqs[i].queue < nq)
			have[n->irqs[i].queue] = true;
	for (size_t i = 0; i < m->intr.nrows; i++) {
		const struct intr_row *row = &m->intr.rows[i];
		int q;

		if (row->irq < 0)
			continue;
		q = dropped_queue(row->name, id);
		if (q < 0)
			continue;
		nic_warn(n, "IRQ %d '%s' is a queue vector of %s but not named as %s alone "
			 "(shared with another action, or a space in the name): left alone",
			 row->irq, row->name, n->name, n->naming ? n->naming : "its driver");
		if ((size_t)q < nq)
			dropped[q] = true;
	}
	for (size_t q = 0; q < nq; q++)
		if (!have[q] && !dropped[q])
			nic_warn(n, "rx-%zu has no IRQ of its own in /proc/interrupts "
				 "(%s naming): its IRQ, if any, is left alone", q,
				 n->naming ? n->naming : "no");
out:
	free(have);
	free(dropped);
}

/* The legacy (INTx) IRQ of the device or of its parent: the number, 0 for none, -1. */
static int legacy_irq(const struct nic *n, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], *v;
	long irq = 0;
	int r;

	snprintf(path, sizeof(path), "%s/irq", n->devpath);
	r = read_opt(path, &v, err, errlen);
	if (r > 0) {
		char parent[PATH_MAX];

		parent_of(n->devpath, parent, sizeof(parent));
		snprintf(path, sizeof(path), "%s/irq", parent);
		r = read_opt(path, &v, err, errlen);
	}
	if (r)
		return r < 0 ? -1 : 0;
	if (parse_int(v, 0, INT_MAX, &irq))
		irq = 0;
	free(v);
	return (int)irq;
}

/* One more IRQ of the device, unless it is known already or gone: 0 or -1. */
static int add_device_irq(const struct machine *m, struct nic *n, int irq,
			  char *err, size_t errlen)
{
	const struct intr_row *row;
	struct nic_irq *q;
	int r;

	if (irq <= 0 || has_irq(n->irqs, n->nirq, irq) || has_irq(n->other, n->nother, irq))
		return 0;
	row = intr_find(&m->intr, irq);
	q = add_irq(&n->other, &n->nother, irq, row ? row->name : "");
	if (!q)
		return errf(err, errlen, "out of memory");
	q->role = ROLE_OTHER;
	q->row = row;
	r = load_affinity(q, true, err, errlen);
	if (r > 0) {
		free(q->name);
		n->nother--;
	}
	return r < 0 ? -1 : 0;
}

/*
 * The rest of the device's IRQs, into n->other: its MSI vectors
 * (msi_irqs), or its legacy irq when it has none, that are neither queue
 * vectors nor named as the device's. No policy moves them, but ethtool -L
 * makes a driver such as igb free and request every vector again, at the
 * kernel's default affinity: the saved state holds theirs, so that restore
 * can put it back. A vector gone before its affinity is read is skipped.
 */
static int device_irqs(const struct machine *m, struct nic *n, char *err, size_t errlen)
{
	char **names = NULL;
	size_t nn = 0;
	int r = list_msi(n, &names, &nn, err, errlen);

	if (r < 0)
		return -1;
	for (size_t i = 0; !r && i < nn; i++) {
		long irq;

		if (!parse_int(names[i], 1, INT_MAX, &irq))
			r = add_device_irq(m, n, (int)irq, err, errlen);
	}
	if (r > 0 || (!r && !nn)) {
		r = legacy_irq(n, err, errlen);
		if (r > 0)
			r = add_device_irq(m, n, r, err, errlen);
	}
	sr_list_free(names, nn);
	return r < 0 ? -1 : 0;
}

static int load_irqs(const struct machine *m, struct nic *n, char *err, size_t errlen)
{
	struct nic_id id = { .dev = n->name, .pci = n->pci, .virtio = n->virtio };

	for (size_t i = 0; i < m->intr.nrows; i++) {
		const struct intr_row *row = &m->intr.rows[i];
		const char *naming = NULL;
		struct nic_irq *q;
		int queue, role;

		if (row->irq < 0)
			continue;
		role = irqname_match(row->name, &id, &queue, &naming);
		if (role < 0)
			continue;
		if (role == ROLE_OTHER)
			q = add_irq(&n->other, &n->nother, row->irq, row->name);
		else
			q = add_irq(&n->irqs, &n->nirq, row->irq, row->name);
		if (!q)
			return errf(err, errlen, "out of memory");
		q->role = (enum irq_role)role;
		q->queue = queue;
		q->row = row;
		if (role != ROLE_OTHER && !n->naming)
			n->naming = naming;
	}
	if (!n->nirq && irqs_from_msi(m, n, err, errlen))
		return -1;
	if (n->nirq)
		qsort(n->irqs, n->nirq, sizeof(*n->irqs), cmp_irq);
	for (size_t i = 0; i < n->nirq; i++) {
		if (load_affinity(&n->irqs[i], false, err, errlen))
			return -1;
		n->combined += n->irqs[i].role == ROLE_TXRX;
		n->rx_only += n->irqs[i].role == ROLE_RX;
		n->tx_only += n->irqs[i].role == ROLE_TX;
	}
	for (size_t i = 0; i < n->nother; i++)
		if (load_affinity(&n->other[i], false, err, errlen))
			return -1;
	if (device_irqs(m, n, err, errlen))
		return -1;
	check_queues(m, n, &id);
	return 0;
}

int nic_load(const struct machine *m, const char *name, struct nic **out,
	     char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct nic *n;

	*out = NULL;
	if (!*name || strlen(name) > 64 || strchr(name, '/') ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		errf(err, errlen, "%s: not a network device name", name);
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	if (!sr_exists(path)) {
		errf(err, errlen, "%s: no such network device (not in /sys/class/net)", name);
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	if (!sr_exists(path)) {
		errf(err, errlen, "%s: a virtual device (no /sys/class/net/%s/device): it has no IRQs to spread",
		    name, name);
		return -1;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return errf(err, errlen, "out of memory");
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return errf(err, errlen, "out of memory");
	}
	if (load_identity(n, err, errlen) || load_queues(n, err, errlen) ||
	    load_irqs(m, n, err, errlen)) {
		nic_free(n);
		return -1;
	}
	{
		struct channels c;

		n->channels = n->max_channels = -1;
		if (chan_get(name, &c) == 0) {
			n->channels = c.combined;
			n->max_channels = c.max_combined;
		}
	}
	if (n->threaded == 1)
		nic_warn(n, "%s has threaded NAPI on: its NAPI polls run in napi/%s-* kthreads "
			 "wherever the scheduler puts them, so IRQ affinity no longer decides "
			 "where rx work runs (pin the kthreads, or echo 0 > threaded)",
			 n->name, n->name);
	*out = n;
	return 0;
}

bool nic_settled(const struct nic *n, int want)
{
	int have = 0;

	if (n->channels != want || n->nrx < want)
		return false;
	/* msi_irqs does not say which vector is whose: any vector will do. */
	if (n->fallback)
		return n->nirq > 0;
	for (size_t i = 0; i < n->nirq; i++) {
		if (n->irqs[i].role != ROLE_TXRX && n->irqs[i].role != ROLE_RX)
			continue;
		if (n->irqs[i].queue >= want)
			return false;	/* an old vector not gone yet */
		have++;
	}
	return have >= want;
}

static void irqs_free(struct nic_irq *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].aff_raw);
	}
	free(v);
}

void nic_free(struct nic *n)
{
	if (!n)
		return;
	for (int q = 0; n->rx && q < n->nrx; q++) {
		free(n->rx[q].rps_raw);
		free(n->rx[q].flow_raw);
	}
	for (int q = 0; n->tx && q < n->ntx; q++)
		free(n->tx[q].xps_raw);
	free(n->rx);
	free(n->tx);
	irqs_free(n->irqs, n->nirq);
	irqs_free(n->other, n->nother);
	for (size_t i = 0; i < n->nwarn; i++)
		free(n->warn[i]);
	free(n->name);
	free(n->driver);
	free(n->address);
	free(n->perm_address);
	free(n->bus);
	free(n->pci);
	free(n->devpath);
	free(n);
}

int nics_load(const struct machine *m, char **names, size_t count,
	      struct nic ***out, size_t *n, char *err, size_t errlen)
{
	char **all = NULL;
	size_t nall = 0;
	struct nic **v;

	*out = NULL;
	*n = 0;
	if (!count) {
		if (nic_names(&all, &nall, err, errlen))
			return -1;
		names = all;
		count = nall;
	}
	v = calloc(count + 1, sizeof(struct nic *));
	if (!v) {
		sr_list_free(all, nall);
		return errf(err, errlen, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				errf(err, errlen, "%s: named twice", names[i]);
				goto fail;
			}
		if (nic_load(m, names[i], &v[*n], err, errlen))
			goto fail;
		(*n)++;
	}
	sr_list_free(all, nall);
	*out = v;
	return 0;
fail:
	sr_list_free(all, nall);
	nics_free(v, *n);
	*n = 0;
	return -1;
}

void nics_free(struct nic **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nic_free(v[i]);
	free(v);
}

long netdev_rfs_flows(const char *name)
{
	char path[PATH_MAX], **names, *v;
	size_t n;
	long sum = 0, cnt;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	if (sr_list(path, &names, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(names[i], "rx-", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/%s/rps_flow_cnt", name,
			 names[i]);
		if (sr_read_value(path, &v))
			continue;
		if (!parse_int(v, 0, 1L << 30, &cnt) && sum < (1L << 40))
			sum += cnt;
		free(v);
	}
	sr_list_free(names, n);
	return sum;
}
