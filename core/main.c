// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: module initialisation.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

static int __init ktgt_core_init(void)
{
	int ret;

	ret = ktgt_sysfs_init();
	if (ret)
		return ret;

	ret = ktgt_configfs_init();
	if (ret)
		goto out_sysfs;

	pr_info("ktgt %s loaded\n", KTGT_VERSION);
	return 0;

out_sysfs:
	ktgt_sysfs_exit();
	return ret;
}

static void __exit ktgt_core_exit(void)
{
	ktgt_configfs_exit();
	ktgt_sysfs_exit();
	pr_info("ktgt unloaded\n");
}

module_init(ktgt_core_init);
module_exit(ktgt_core_exit);

MODULE_DESCRIPTION("ktgt SCSI target framework core");
MODULE_AUTHOR("The ktgt developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KTGT_VERSION);
