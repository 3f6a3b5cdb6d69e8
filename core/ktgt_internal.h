/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt core: declarations shared between the core's own files only.
 * Nothing here is part of the public API in include/ktgt/.
 */
#ifndef KTGT_INTERNAL_H
#define KTGT_INTERNAL_H

#include <linux/configfs.h>
#include <linux/kobject.h>

/*
 * The configfs root, /sys/kernel/config/ktgt, and its two fixed groups.
 * They live from ktgt_configfs_init() to ktgt_configfs_exit(); handlers
 * and target drivers register their groups below them while registered.
 */
int ktgt_configfs_init(void);
void ktgt_configfs_exit(void);

/*
 * The sysfs root, /sys/kernel/ktgt, for runtime state the kernel creates
 * (sessions, statistics). Valid from ktgt_sysfs_init() to
 * ktgt_sysfs_exit().
 */
extern struct kobject *ktgt_sysfs_root;
int ktgt_sysfs_init(void);
void ktgt_sysfs_exit(void);

#endif /* KTGT_INTERNAL_H */
