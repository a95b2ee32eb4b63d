/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_IRQBALANCE_H
#define IRQSPREAD_IRQBALANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct intr_table;

/*
 * Working beside irqbalance instead of against it: its config file gets a
 * block of --banirq=N for the IRQs irqspread pins, then it is restarted.
 * Debian's irqbalance.service reads this file as an EnvironmentFile and
 * passes $IRQBALANCE_ARGS to irqbalance (1.9: --banirq is additive).
 */
#define IB_CONFIG "/etc/default/irqbalance"
#define IB_PIDFILE "/run/irqbalance.pid"

enum ib_mode { IB_REFUSE, IB_COORDINATE, IB_IGNORE };

int ib_mode_parse(const char *s, enum ib_mode *mode);
const char *ib_mode_name(enum ib_mode mode);

/* The pid /run/irqbalance.pid names if that process is alive, else 0. */
long ib_pidfile(void);

/*
 * @old (NULL: no file) with irqspread's block rebuilt: the IRQs banned by
 * an earlier block that @live still has (NULL: all of them) and @ban, less
 * @unban, appended to the admin's own IRQBALANCE_ARGS. No IRQ left: no
 * block. A ban outlives its IRQ when a NIC's vectors are re-created with
 * fewer queues (ethtool -L); the number may later name another device's. Buffer in, buffer out, so it is
 * unit-tested without a machine. *out is malloc'd; NULL when the result
 * is "no file" (old was NULL and nothing is banned).
 */
int ib_config_rewrite(const char *old, const int *ban, size_t nban, const int *unban,
		      size_t nunban, const struct intr_table *live, char **out, char *err,
		      size_t errlen);

/* IB_CONFIG under the sysroot: *text NULL when absent; 0, or -1 with err. */
int ib_config_read(char **text, char *err, size_t errlen);
/* Write @text atomically, or remove the file when @text is NULL. */
int ib_config_write(const char *text, char *err, size_t errlen);

/* The restart command as it is shown: IRQSPREAD_IRQBALANCE_RESTART or systemctl's. */
const char *ib_restart_cmd(void);
/*
 * Restart irqbalance so it reads the config again (a stopped one stays
 * stopped). Under --sysroot only IRQSPREAD_IRQBALANCE_RESTART is run,
 * never systemctl: a test must not restart the host's irqbalance.
 */
int ib_restart(FILE *log, char *err, size_t errlen);

#endif
