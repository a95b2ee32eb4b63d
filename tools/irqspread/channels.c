// SPDX-License-Identifier: GPL-2.0
/* ethtool -l / -L combined N, or their stand-ins in a fixture tree. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "channels.h"
#include "sysroot.h"

extern char **environ;

static int ethtool(const char *dev, void *data)
{
	struct ifreq ifr;
	int fd, r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = data;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(fd);
	return r;
}

static int fake_int(const char *dev, const char *what, int *out)
{
	char path[PATH_MAX], *v, *end;
	long x;
	int r;

	snprintf(path, sizeof(path), "/ethtool/%s/%s", dev, what);
	r = sr_read_value(path, &v);
	if (r)
		return r == -ENOENT ? -EOPNOTSUPP : r;
	errno = 0;
	x = strtol(v, &end, 10);
	r = errno || end == v || *end || x < 0 || x > 65535 ? -EINVAL : 0;
	free(v);
	*out = (int)x;
	return r;
}

int chan_get(const char *dev, struct channels *c)
{
	struct ethtool_channels ec;
	int r;

	memset(c, 0, sizeof(*c));
	if (sr_is_fake()) {
		r = fake_int(dev, "combined", &c->combined);
		return r ? r : fake_int(dev, "max_combined", &c->max_combined);
	}
	memset(&ec, 0, sizeof(ec));
	ec.cmd = ETHTOOL_GCHANNELS;
	r = ethtool(dev, &ec);
	if (r)
		return r;
	c->combined = (int)ec.combined_count;
	c->max_combined = (int)ec.max_combined;
	c->rx = (int)ec.rx_count;
	c->tx = (int)ec.tx_count;
	return 0;
}

/* The fixture's stand-in for the kernel: /ethtool/DEV/set-channels SYSROOT N. */
static int fake_hook(const char *dev, int combined)
{
	char rel[PATH_MAX], hook[PATH_MAX * 2], root[PATH_MAX * 2], num[16];
	char *argv[] = { hook, root, num, NULL };
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int st, r;

	snprintf(rel, sizeof(rel), "/ethtool/%s/set-channels", dev);
	snprintf(hook, sizeof(hook), "%s", sr_path(rel));
	snprintf(root, sizeof(root), "%s", sr_path(""));
	snprintf(num, sizeof(num), "%d", combined);
	if (access(hook, X_OK))
		return 0;
	fflush(stdout);
	sigemptyset(&none);
	if (posix_spawnattr_init(&attr))
		return -ENOMEM;
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	r = posix_spawn(&pid, hook, NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (r)
		return -r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int chan_set(const char *dev, int combined)
{
	struct ethtool_channels ec;
	int r;

	if (sr_is_fake()) {
		char path[PATH_MAX], val[16];

		snprintf(path, sizeof(path), "/ethtool/%s/combined", dev);
		snprintf(val, sizeof(val), "%d", combined);
		r = sr_write(path, val);
		return r ? r : fake_hook(dev, combined);
	}
	memset(&ec, 0, sizeof(ec));
	ec.cmd = ETHTOOL_GCHANNELS;
	r = ethtool(dev, &ec);
	if (r)
		return r;
	ec.cmd = ETHTOOL_SCHANNELS;
	ec.combined_count = (unsigned int)combined;
	return ethtool(dev, &ec);
}
