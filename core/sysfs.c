// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: runtime state in sysfs at /sys/kernel/ktgt.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

struct kobject *ktgt_sysfs_root;

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
	if (ret) {
		kobject_put(ktgt_sysfs_root);
		ktgt_sysfs_root = NULL;
	}
	return ret;
}

void ktgt_sysfs_exit(void)
{
	sysfs_remove_group(ktgt_sysfs_root, &ktgt_root_group);
	kobject_put(ktgt_sysfs_root);
	ktgt_sysfs_root = NULL;
}
