// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: the configfs tree at /sys/kernel/config/ktgt.
 *
 *   ktgt/handlers/   one group per registered dev handler (core/device.c)
 *   ktgt/targets/    one group per registered target driver (core/target.c)
 *
 * See Documentation/configfs.rst for the full layout, and
 * core/ktgt_internal.h for ktgt_cfg_mutex and the lock order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/mutex.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

/* Serialises configuration changes; see core/ktgt_internal.h. */
DEFINE_MUTEX(ktgt_cfg_mutex);

static const struct config_item_type ktgt_fixed_group_type = {
	.ct_owner	= THIS_MODULE,
};

static const struct config_item_type ktgt_root_type = {
	.ct_owner	= THIS_MODULE,
};

/* Protected by configfs itself: the groups only change in init and exit. */
struct config_group ktgt_handlers_group;
struct config_group ktgt_targets_group;

static struct configfs_subsystem ktgt_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= "ktgt",
			.ci_type	= &ktgt_root_type,
		},
	},
};

int ktgt_configfs_init(void)
{
	int ret;

	config_group_init(&ktgt_subsys.su_group);
	mutex_init(&ktgt_subsys.su_mutex);

	config_group_init_type_name(&ktgt_handlers_group, "handlers",
				    &ktgt_fixed_group_type);
	configfs_add_default_group(&ktgt_handlers_group,
				   &ktgt_subsys.su_group);

	config_group_init_type_name(&ktgt_targets_group, "targets",
				    &ktgt_fixed_group_type);
	configfs_add_default_group(&ktgt_targets_group,
				   &ktgt_subsys.su_group);

	ret = configfs_register_subsystem(&ktgt_subsys);
	if (ret)
		pr_err("cannot register configfs subsystem: %d\n", ret);
	return ret;
}

void ktgt_configfs_exit(void)
{
	configfs_unregister_subsystem(&ktgt_subsys);
}
