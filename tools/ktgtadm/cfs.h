/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgtadm: the running configuration in configfs: read it into a
 * struct kconf, and carry out a plan with undo.
 */
#ifndef KTGTADM_CFS_H
#define KTGTADM_CFS_H

#include "conf.h"
#include "plan.h"

/* The configfs root: $KTGTADM_CONFIGFS or /sys/kernel/config/ktgt. */
const char *cfs_root(void);
/* The sysfs root: $KTGTADM_SYSFS or /sys/kernel/ktgt. */
const char *sysfs_root(void);

/* Read the running configuration; -1 with @err set on failure. */
int cfs_read(struct kconf *conf, char *err, size_t errlen);

/*
 * Carry out @plan. On a failing step, undo the steps done, in reverse,
 * and report both on stderr. @verbose: print each step as it is done.
 * Return: 0; 1 if a step failed and everything was undone; 2 if the
 * undo failed too.
 */
int cfs_execute(const struct kplan *plan, int verbose);

/* Read a small file into @buf (trailing newlines removed); -1 on error. */
int read_small(const char *path, char *buf, size_t len);

#endif /* KTGTADM_CFS_H */
