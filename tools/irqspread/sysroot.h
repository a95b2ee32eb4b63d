/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IRQSPREAD_SYSROOT_H
#define IRQSPREAD_SYSROOT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Every /proc and /sys access goes through here, with paths as the kernel
 * spells them ("/proc/irq/41/smp_affinity_list"). With --sysroot DIR they
 * land in DIR/proc/... instead; that is how the tests run on fixture trees.
 */
int sr_init(const char *dir, char *err, size_t errlen);
bool sr_is_fake(void);
/* The real path of @rel; returns a static buffer rotating over 4 slots. */
const char *sr_path(const char *rel);

/* Whole file, NUL-terminated; 0 or -errno. */
int sr_read(const char *rel, char **buf, size_t *len);
/* Like sr_read, with trailing whitespace cut. */
int sr_read_value(const char *rel, char **val);
/* One write(2) of @val and a newline, as sysfs wants it; 0 or -errno. */
int sr_write(const char *rel, const char *val);
bool sr_exists(const char *rel);
/* Entry names of a directory, sorted; 0 or -errno. */
int sr_list(const char *rel, char ***names, size_t *n);
void sr_list_free(char **names, size_t n);
/* Last path component of a symlink's target. */
int sr_link_base(const char *rel, char *out, size_t outlen);
/* The link resolved, as a path under the sysroot ("/sys/devices/..."). */
int sr_resolve(const char *rel, char *out, size_t outlen);

const char *errno_name(int e);

#endif
