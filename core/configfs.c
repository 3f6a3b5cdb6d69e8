// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: the configfs tree at /sys/kernel/config/ktgt.
 *
 *   ktgt/handlers/   one group per registered dev handler (core/device.c)
 *   ktgt/targets/    one group per registered target driver (core/target.c)
 *   ktgt/alua/       ALUA device groups (core/alua.c)
 *
 * See Documentation/configfs.rst for the full layout, and
 * core/ktgt_internal.h for ktgt_cfg_mutex and the lock order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

/* Serialises configuration changes; see core/ktgt_internal.h. */
DEFINE_MUTEX(ktgt_cfg_mutex);

bool ktgt_cfg_lock_cmd(void)
{
	int tries = 0;

	might_sleep();
	while (!mutex_trylock(&ktgt_cfg_mutex)) {
		if (++tries > 50)
			return false;
		usleep_range(1000, 2000);
	}
	return true;
}

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

	/* alua/: device groups (core/alua.c) */
	ktgt_alua_configfs_init();
	configfs_add_default_group(&ktgt_alua_group, &ktgt_subsys.su_group);

	ret = configfs_register_subsystem(&ktgt_subsys);
	if (ret)
		pr_err("cannot register configfs subsystem: %d\n", ret);
	return ret;
}

void ktgt_configfs_exit(void)
{
	configfs_unregister_subsystem(&ktgt_subsys);
}

/**
 * ktgt_registry_add() - list a dev handler or target driver and create
 *	its configfs directory
 * @registry: the list of registered entries of its kind
 * @e: the entry, with @e->group initialised (named and typed). On
 *	failure the group's reference is dropped, which frees the
 *	structure @e is embedded in.
 * @parent: &ktgt_handlers_group or &ktgt_targets_group
 *
 * May sleep; takes ktgt_cfg_mutex.
 *
 * Return: 0; -EEXIST if an entry of that name is listed; configfs's error.
 */
int ktgt_registry_add(struct list_head *registry,
		      struct ktgt_registry_entry *e,
		      struct config_group *parent)
{
	struct ktgt_registry_entry *other;
	int ret = 0;

	mutex_lock(&ktgt_cfg_mutex);
	list_for_each_entry(other, registry, node) {
		if (!strcmp(other->name, e->name)) {
			ret = -EEXIST;
			break;
		}
	}
	if (!ret)
		list_add_tail(&e->node, registry);
	mutex_unlock(&ktgt_cfg_mutex);
	if (ret)
		goto out_put;

	/* Not under ktgt_cfg_mutex: configfs takes su_mutex, then mkdir ours. */
	ret = configfs_register_group(parent, &e->group);
	if (ret) {
		mutex_lock(&ktgt_cfg_mutex);
		list_del(&e->node);
		mutex_unlock(&ktgt_cfg_mutex);
		goto out_put;
	}
	pr_info("registered %s %s\n", e->what, e->name);
	return 0;

out_put:
	config_item_put(&e->group.cg_item);
	return ret;
}

/**
 * ktgt_registry_del() - remove what ktgt_registry_add() registered
 * @registry: the list it was added to
 * @key: the entry's @key
 *
 * Removes the configfs directory and drops the entry's reference. Every
 * device or target holds a reference on its module, so when this runs
 * from the module's exit none are left (a WARN otherwise). May sleep.
 */
void ktgt_registry_del(struct list_head *registry, const void *key)
{
	struct ktgt_registry_entry *e, *found = NULL;

	mutex_lock(&ktgt_cfg_mutex);
	list_for_each_entry(e, registry, node) {
		if (e->key == key) {
			found = e;
			break;
		}
	}
	if (found)
		WARN(found->nr_children, "%s %s unregistered with %u in use\n",
		     found->what, found->name, found->nr_children);
	mutex_unlock(&ktgt_cfg_mutex);
	if (WARN_ON(!found))
		return;

	configfs_unregister_group(&found->group);

	mutex_lock(&ktgt_cfg_mutex);
	list_del(&found->node);
	mutex_unlock(&ktgt_cfg_mutex);
	pr_info("unregistered %s %s\n", found->what, found->name);
	config_item_put(&found->group.cg_item);
}
