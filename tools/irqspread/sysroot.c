// SPDX-License-Identifier: GPL-2.0
/* Reads and writes of /proc and /sys, optionally under a fixture tree. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysroot.h"

static char root[PATH_MAX];	/* "" for the real machine */

int sr_init(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	struct stat st;

	root[0] = '\0';
	if (!dir)
		return 0;
	if (!realpath(dir, buf)) {
		snprintf(err, errlen, "--sysroot %s: %s", dir, strerror(errno));
		return -1;
	}
	if (strcmp(buf, "/") == 0)
		return 0;
	if (strlen(buf) + 256 >= sizeof(root)) {
		snprintf(err, errlen, "--sysroot %s: path too long", dir);
		return -1;
	}
	memcpy(root, buf, strlen(buf) + 1);
	if (stat(sr_path("/proc"), &st) || !S_ISDIR(st.st_mode) ||
	    stat(sr_path("/sys"), &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--sysroot %s: no proc/ and sys/ directories in it", dir);
		root[0] = '\0';
		return -1;
	}
	return 0;
}

bool sr_is_fake(void)
{
	return root[0] != '\0';
}

const char *sr_path(const char *rel)
{
	static char slots[4][PATH_MAX * 2];
	static int next;
	char *p = slots[next++ % 4];

	snprintf(p, PATH_MAX * 2, "%s%s", root, rel);
	return p;
}

static const struct {
	int e;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ELOOP, "ELOOP" },
};

const char *errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].e == e)
			return errnames[i].name;
	return "E?";
}

static int errno_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strcmp(errnames[i].name, s) == 0)
			return errnames[i].e;
	{
		char *end;
		long v = strtol(s, &end, 10);

		return *s && !*end && v > 0 && v < 4096 ? (int)v : EIO;
	}
}

/*
 * IRQSPREAD_FAIL_WRITE / IRQSPREAD_FAIL_READ = PATH[:ERRNO][,PATH[:ERRNO]...]
 * make that access fail as a real /proc or /sys can (EIO for a managed IRQ).
 * Honoured only under --sysroot, so a stray variable never fakes a failure
 * on a real machine.
 */
static int injected(const char *var, const char *rel)
{
	const char *spec = getenv(var);
	size_t rl = strlen(rel);

	if (!spec || !sr_is_fake())
		return 0;
	while (*spec) {
		const char *end = strchr(spec, ',');
		size_t n = end ? (size_t)(end - spec) : strlen(spec);
		const char *colon = memchr(spec, ':', n);
		size_t pl = colon ? (size_t)(colon - spec) : n;

		if (pl == rl && memcmp(spec, rel, rl) == 0) {
			char name[32] = "EIO";

			if (colon && n - pl - 1 < sizeof(name)) {
				memcpy(name, colon + 1, n - pl - 1);
				name[n - pl - 1] = '\0';
			}
			return errno_from_name(name);
		}
		if (!end)
			break;
		spec = end + 1;
	}
	return 0;
}

int sr_read(const char *rel, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *buf;
	int fd, e;

	e = injected("IRQSPREAD_FAIL_READ", rel);
	if (e)
		return -e;
	fd = open(sr_path(rel), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *n;

			if (cap >= (size_t)64 << 20) {
				e = EFBIG;
				goto fail;
			}
			n = realloc(buf, cap * 2);
			if (!n) {
				e = ENOMEM;
				goto fail;
			}
			buf = n;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return -e;
}

int sr_read_value(const char *rel, char **val)
{
	size_t len = 0;
	int r = sr_read(rel, val, &len);

	if (r)
		return r;
	while (len && ((*val)[len - 1] == '\n' || (*val)[len - 1] == ' ' ||
		       (*val)[len - 1] == '\t' || (*val)[len - 1] == '\r'))
		(*val)[--len] = '\0';
	return 0;
}

/*
 * IRQSPREAD_SIGNAL_AFTER_WRITE = PATH:SIG (INT, TERM or HUP): after writing
 * PATH the process sends itself SIG, as a Ctrl-C or a systemd stop in the
 * middle of an apply would. Honoured only under --sysroot, like the above.
 */
static void signal_after(const char *rel)
{
	const char *spec = getenv("IRQSPREAD_SIGNAL_AFTER_WRITE"), *colon;
	size_t rl = strlen(rel);

	if (!spec || !sr_is_fake())
		return;
	colon = strrchr(spec, ':');
	if (!colon || (size_t)(colon - spec) != rl || memcmp(spec, rel, rl) != 0)
		return;
	if (strcmp(colon + 1, "INT") == 0)
		raise(SIGINT);
	else if (strcmp(colon + 1, "TERM") == 0)
		raise(SIGTERM);
	else if (strcmp(colon + 1, "HUP") == 0)
		raise(SIGHUP);
}

int sr_write(const char *rel, const char *val)
{
	size_t n = strlen(val);
	char *buf;
	ssize_t w;
	int fd, e;

	e = injected("IRQSPREAD_FAIL_WRITE", rel);
	if (e)
		return -e;
	buf = malloc(n + 2);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, val, n);
	buf[n] = '\n';
	buf[n + 1] = '\0';
	/* O_TRUNC matters only for the fixture trees; sysfs ignores it. */
	fd = open(sr_path(rel), O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		free(buf);
		return -e;
	}
	w = write(fd, buf, n + 1);
	e = w < 0 ? errno : (w != (ssize_t)(n + 1) ? EIO : 0);
	free(buf);
	/* sysfs reports some store errors only at close. */
	if (close(fd) && !e)
		e = errno;
	if (!e)
		signal_after(rel);
	return -e;
}

bool sr_exists(const char *rel)
{
	struct stat st;

	return stat(sr_path(rel), &st) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	/* Natural order, so rx-10 sorts after rx-9 and /proc/100 after /proc/99. */
	while (*x && *y) {
		if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
			size_t lx = strspn(x, "0123456789"), ly = strspn(y, "0123456789");
			int c;

			while (lx > 1 && *x == '0') {
				x++;
				lx--;
			}
			while (ly > 1 && *y == '0') {
				y++;
				ly--;
			}
			if (lx != ly)
				return lx < ly ? -1 : 1;
			c = strncmp(x, y, lx);
			if (c)
				return c;
			x += lx;
			y += ly;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x - (unsigned char)*y;
		x++;
		y++;
	}
	return (unsigned char)*x - (unsigned char)*y;
}

int sr_list(const char *rel, char ***names, size_t *n)
{
	DIR *d = opendir(sr_path(rel));
	struct dirent *de;
	size_t cap = 0;
	char **v = NULL;
	int e = injected("IRQSPREAD_FAIL_READ", rel);

	*names = NULL;
	*n = 0;
	if (e) {
		if (d)
			closedir(d);
		return -e;
	}
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof(*nv));
			if (!nv)
				goto oom;
			v = nv;
		}
		v[*n] = strdup(de->d_name);
		if (!v[*n])
			goto oom;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_names);
	*names = v;
	return 0;
oom:
	closedir(d);
	sr_list_free(v, *n);
	*n = 0;
	return -ENOMEM;
}

void sr_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int sr_link_base(const char *rel, char *out, size_t outlen)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(sr_path(rel), buf, sizeof(buf) - 1);
	const char *b;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	b = strrchr(buf, '/');
	b = b ? b + 1 : buf;
	if (strlen(b) >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, b, strlen(b) + 1);
	return 0;
}

int sr_resolve(const char *rel, char *out, size_t outlen)
{
	char buf[PATH_MAX];
	size_t rl = strlen(root);

	if (!realpath(sr_path(rel), buf))
		return -errno;
	/* A link that leaves the tree would be a broken fixture. */
	if (rl && (strncmp(buf, root, rl) != 0 || buf[rl] != '/'))
		return -EXDEV;
	if (strlen(buf + rl) >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, buf + rl, strlen(buf + rl) + 1);
	return 0;
}
