// SPDX-License-Identifier: GPL-2.0
/* irqbalance's config: irqspread's --banirq block in it, and its restart. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interrupts.h"
#include "irqbalance.h"
#include "state.h"
#include "sysroot.h"
#include "util.h"

#define BEGIN "# irqspread begin: IRQs irqspread pins, banned from irqbalance (irqspread restore takes this out)"
#define END "# irqspread end"
#define SYSTEMCTL "systemctl try-restart irqbalance.service"
#define MAX_BAN 4096

extern char **environ;

int ib_mode_parse(const char *s, enum ib_mode *mode)
{
	static const char *const names[] = { "refuse", "coordinate", "ignore" };

	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum ib_mode)i;
			return 0;
		}
	return -1;
}

const char *ib_mode_name(enum ib_mode mode)
{
	return mode == IB_COORDINATE ? "coordinate" : mode == IB_IGNORE ? "ignore" : "refuse";
}

long ib_pidfile(void)
{
	char *v, *end, path[64];
	long pid;

	if (sr_read_value(IB_PIDFILE, &v))
		return 0;
	errno = 0;
	pid = strtol(v, &end, 10);
	if (errno || end == v || *end || pid < 1) {
		free(v);
		return 0;
	}
	free(v);
	/* A pid file outlives a killed daemon: only a live pid counts. */
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	return sr_exists(path) ? pid : 0;
}

static bool has_int(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * The value of "IRQBALANCE_ARGS=..." (or "export IRQBALANCE_ARGS=..."), or
 * NULL if @line sets something else. Only what both systemd's
 * EnvironmentFile and a shell read the same way is taken: one word, or one
 * quoted string without $, `, \ or the other quote in it.
 */
static int args_value(const char *line, size_t len, char *val, size_t vlen, bool *is_args,
		      char *err, size_t errlen)
{
	static const char key[] = "IRQBALANCE_ARGS=";
	size_t i = strspn(line, " \t"), vs, ve;

	*is_args = false;
	if (i > len)
		return 0;
	if (len - i > 7 && strncmp(line + i, "export ", 7) == 0)
		i += 7;
	if (len - i < sizeof(key) - 1 || strncmp(line + i, key, sizeof(key) - 1) != 0)
		return 0;
	*is_args = true;
	vs = i + sizeof(key) - 1;
	ve = len;
	while (ve > vs && strchr(" \t\r", line[ve - 1]))
		ve--;
	if (ve >= vs + 2 && (line[vs] == '"' || line[vs] == '\'') && line[ve - 1] == line[vs]) {
		vs++;
		ve--;
	}
	for (size_t c = vs; c < ve; c++)
		if (strchr("$`\\\"'", line[c]) || (line[c] == '#' && c == vs))
			return errf(err, errlen, "%s: IRQBALANCE_ARGS=%.*s: cannot add --banirq to it safely "
				    "(quotes, $, ` or \\ in it); set IRQBALANCE_ARGS to plain words",
				    IB_CONFIG, (int)(len - i - (sizeof(key) - 1)), line + i + sizeof(key) - 1);
	if (ve - vs >= vlen)
		return errf(err, errlen, "%s: IRQBALANCE_ARGS is too long", IB_CONFIG);
	memcpy(val, line + vs, ve - vs);
	val[ve - vs] = '\0';
	return 0;
}

/* The N of each --banirq=N in a line of our block. */
static size_t block_bans(const char *line, size_t len, int *out, size_t n, size_t max)
{
	static const char opt[] = "--banirq=";
	const char *p = line, *e = line + len;

	for (; p + sizeof(opt) - 1 <= e && n < max; p++) {
		long v = 0;

		if (strncmp(p, opt, sizeof(opt) - 1) != 0)
			continue;
		p += sizeof(opt) - 1;
		while (p < e && *p >= '0' && *p <= '9' && v < 1000000)
			v = v * 10 + (*p++ - '0');
		if (!has_int(out, n, (int)v))
			out[n++] = (int)v;
		p--;
	}
	return n;
}

int ib_config_rewrite(const char *old, const int *ban, size_t nban, const int *unban,
		      size_t nunban, const struct intr_table *live, char **out, char *err,
		      size_t errlen)
{
	char admin[4096] = "";
	int *bans = calloc(MAX_BAN, sizeof(int));
	size_t nb = 0, cap, used = 0, olen = old ? strlen(old) : 0;
	bool in_block = false, admin_set = false;
	char *text;

	*out = NULL;
	if (!bans)
		return errf(err, errlen, "out of memory");
	cap = olen + 2 * sizeof(admin) + 64 + 24 * (MAX_BAN + nban);
	text = malloc(cap);
	if (!text) {
		free(bans);
		return errf(err, errlen, "out of memory");
	}
	for (const char *p = old; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool is_args;

		if (len == strlen(BEGIN) && strncmp(p, BEGIN, len) == 0) {
			in_block = true;
		} else if (in_block) {
			if (len == strlen(END) && strncmp(p, END, len) == 0)
				in_block = false;
			else
				nb = block_bans(p, len, bans, nb, MAX_BAN);
		} else {
			char val[sizeof(admin)];

			if (args_value(p, len, val, sizeof(val), &is_args, err, errlen)) {
				free(bans);
				free(text);
				return -1;
			}
			if (is_args) {
				memcpy(admin, val, strlen(val) + 1);
				admin_set = true;
			}
			memcpy(text + used, p, len);
			used += len;
			text[used++] = '\n';
		}
		p = nl ? nl + 1 : p + len;
	}
	/*
	 * The admin's own --banirq stay theirs, in front of the block's; the
	 * block's bans of IRQs @live no longer has go.
	 */
	{
		int mine[256];
		size_t nm = block_bans(admin, strlen(admin), mine, 0, 256);

		for (size_t i = 0; i < nb;)
			if (has_int(mine, nm, bans[i]) || (live && !intr_find(live, bans[i])))
				bans[i] = bans[--nb];
			else
				i++;
	}
	for (size_t i = 0; i < nban && nb < MAX_BAN; i++)
		if (!has_int(bans, nb, ban[i]))
			bans[nb++] = ban[i];
	for (size_t i = 0; i < nb;)
		if (has_int(unban, nunban, bans[i]))
			bans[i] = bans[--nb];
		else
			i++;
	qsort(bans, nb, sizeof(int), cmp_int);
	/* An earlier block's admin value is the one before ours: keep it. */
	if (nb) {
		used += (size_t)snprintf(text + used, cap - used, "%s\nIRQBALANCE_ARGS=\"%s",
					 BEGIN, admin_set ? admin : "");
		for (size_t i = 0; i < nb; i++)
			used += (size_t)snprintf(text + used, cap - used, "%s--banirq=%d",
						 used && text[used - 1] != '"' ? " " : "", bans[i]);
		used += (size_t)snprintf(text + used, cap - used, "\"\n%s\n", END);
	}
	text[used] = '\0';
	free(bans);
	if (!old && !nb) {
		free(text);
		return 0;
	}
	/* A last line without its newline stays so when nothing is added. */
	if (old && !nb && olen && old[olen - 1] != '\n' && used)
		text[--used] = '\0';
	*out = text;
	return 0;
}

int ib_config_read(char **text, char *err, size_t errlen)
{
	size_t len = 0;
	int r = sr_read(IB_CONFIG, text, &len);

	if (r == -ENOENT) {
		*text = NULL;
		return 0;
	}
	if (r)
		return errf(err, errlen, "%s: cannot read: %s", IB_CONFIG, strerror(-r));
	if (strlen(*text) != len) {
		free(*text);
		*text = NULL;
		return errf(err, errlen, "%s: has a NUL byte: not an environment file", IB_CONFIG);
	}
	return 0;
}

int ib_config_write(const char *text, char *err, size_t errlen)
{
	const char *path = sr_path(IB_CONFIG);
	char full[4096];

	snprintf(full, sizeof(full), "%s", path);
	/* /etc/default is there on Debian; a fixture or another distribution may lack it. */
	if (text) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s", sr_path("/etc"));
		if (mkdir(dir, 0755) && errno != EEXIST)
			return errf(err, errlen, "/etc: cannot create: %s", strerror(errno));
		snprintf(dir, sizeof(dir), "%s", sr_path("/etc/default"));
		if (mkdir(dir, 0755) && errno != EEXIST)
			return errf(err, errlen, "/etc/default: cannot create: %s", strerror(errno));
	}
	if (!text) {
		if (unlink(full) && errno != ENOENT)
			return errf(err, errlen, "%s: cannot remove: %s", IB_CONFIG, strerror(errno));
		return 0;
	}
	return write_file_atomic(full, text, err, errlen);
}

const char *ib_restart_cmd(void)
{
	const char *cmd = getenv("IRQSPREAD_IRQBALANCE_RESTART");

	return cmd && *cmd ? cmd : SYSTEMCTL;
}

int ib_restart(FILE *log, char *err, size_t errlen)
{
	const char *cmd = ib_restart_cmd();
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int st, r;

	if (sr_is_fake() && strcmp(cmd, SYSTEMCTL) == 0) {
		fprintf(log, "  irqbalance: not restarted under --sysroot (%s is for the host)\n", SYSTEMCTL);
		return 0;
	}
	argv[2] = (char *)cmd;
	fflush(log);
	/* apply holds INT, TERM and HUP; the command must not inherit that. */
	sigemptyset(&none);
	if (posix_spawnattr_init(&attr))
		return errf(err, errlen, "%s: cannot run: out of memory", cmd);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	r = posix_spawn(&pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (r)
		return errf(err, errlen, "%s: cannot run: %s", cmd, strerror(r));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return errf(err, errlen, "%s: cannot wait: %s", cmd, strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return errf(err, errlen, "%s: failed (%s %d)", cmd,
			    WIFEXITED(st) ? "exit status" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	fprintf(log, "  irqbalance: restarted (%s)\n", cmd);
	return 0;
}
