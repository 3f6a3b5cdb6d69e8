// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: runtime state in sysfs at /sys/kernel/ktgt.
 *
 *   version     the ktgt release
 *   sessions/   one directory per session (core/session.c)
 *   devices/    one directory per device (core/device.c)
 *   sgv/        the sgv pool's statistics (core/sgv.c)
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

struct kobject *ktgt_sysfs_root;
struct kobject *ktgt_sysfs_sessions;
struct kobject *ktgt_sysfs_devices;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", KTGT_VERSION);
}

static struct kobj_attribute ktgt_version_attr = __ATTR_RO(version);

static struct attribute *ktgt_root_attrs[] = {
	&ktgt_version_attr.attr,
	NULL,
};

static const struct attribute_group ktgt_root_group = {
	.attrs = ktgt_root_attrs,
};

int ktgt_sysfs_init(void)
{
	int ret;

	ktgt_sysfs_root = kobject_create_and_add("ktgt", kernel_kobj);
	if (!ktgt_sysfs_root)
		return -ENOMEM;

	ret = sysfs_create_group(ktgt_sysfs_root, &ktgt_root_group);
	if (ret)
		goto out_root;

	ret = -ENOMEM;
	ktgt_sysfs_sessions = kobject_create_and_add("sessions",
						     ktgt_sysfs_root);
	if (!ktgt_sysfs_sessions)
		goto out_group;
	ktgt_sysfs_devices = kobject_create_and_add("devices", ktgt_sysfs_root);
	if (!ktgt_sysfs_devices)
		goto out_sessions;
	return 0;

out_sessions:
	kobject_put(ktgt_sysfs_sessions);
	ktgt_sysfs_sessions = NULL;
out_group:
	sysfs_remove_group(ktgt_sysfs_root, &ktgt_root_group);
out_root:
	kobject_put(ktgt_sysfs_root);
	ktgt_sysfs_root = NULL;
	return ret;
}

void ktgt_sysfs_exit(void)
{
	kobject_put(ktgt_sysfs_devices);
	ktgt_sysfs_devices = NULL;
	kobject_put(ktgt_sysfs_sessions);
	ktgt_sysfs_sessions = NULL;
	sysfs_remove_group(ktgt_sysfs_root, &ktgt_root_group);
	kobject_put(ktgt_sysfs_root);
	ktgt_sysfs_root = NULL;
}
