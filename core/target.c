// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: target driver registration, targets, initiator groups.
 *
 *   targets/<drv>/                      a registered target driver
 *       the driver's own attributes     &ktgt_tgt_template.driver_attrs
 *   targets/<drv>/<tgt>/                mkdir: a struct ktgt_target
 *       enable, driver attributes
 *       luns/<N>/                       the default LUN set (core/lun.c)
 *       groups/<g>/                     mkdir: a struct ktgt_group
 *           initiators/<pattern>/       mkdir: a struct ktgt_initiator
 *           luns/<N>/                   the group's LUN set
 *
 * Lifetimes
 * ---------
 * Each target holds a reference on its driver's module (mkdir to the
 * item's release), so ktgt_unregister_template() runs only once every
 * target is gone. configfs refuses rmdir of a target, a group or a LUN
 * directory that still has children or a device link (-ENOTEMPTY), so
 * a target is removed only when its LUN sets are empty and its groups
 * gone. rmdir of an enabled target disables it first.
 *
 * Locking
 * -------
 * A target's state_mutex serialises its enable/disable and removal. The
 * driver's ->target_create, ->target_enable and ->target_destroy run
 * without ktgt_cfg_mutex, so they may create and destroy sessions (which
 * take it). tgt->enabled is written under both: it is set before
 * ->target_enable(tgt, true) (so the driver may create sessions from it)
 * and cleared before ->target_enable(tgt, false) (so no new session can
 * start while the driver ends the old ones). Groups, initiator patterns
 * and the ktgt_targets list change under ktgt_cfg_mutex.
 *
 * Lock order: configfs su_mutex -> state_mutex -> ktgt_cfg_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "pattern.h"

/* The longest initiator name: an iSCSI name is at most 223 bytes. */
#define KTGT_MAX_INITIATOR_LEN	223

LIST_HEAD(ktgt_targets);

/* Registered target drivers (struct ktgt_tmpl_reg), under ktgt_cfg_mutex. */
static LIST_HEAD(ktgt_templates);

/**
 * struct ktgt_tmpl_reg - the core's state for a registered target driver
 * @tt: the driver
 * @entry: in ktgt_templates: targets/<name>, and the number of targets
 * @tgt_type: the config_item_type of the driver's targets
 * @grp_type: the config_item_type of the initiator groups of the
 *	driver's targets, with &ktgt_tgt_template.group_attrs
 * @drv_type: the config_item_type of targets/<name>/ itself, with
 *	&ktgt_tgt_template.driver_attrs
 * @attrs: their NULL-terminated attributes: enable, then the driver's
 */
struct ktgt_tmpl_reg {
	struct ktgt_tgt_template	*tt;
	struct ktgt_registry_entry	entry;
	struct config_item_type		tgt_type;
	struct config_item_type		grp_type;
	struct config_item_type		drv_type;
	struct configfs_attribute	**attrs;
};

/**
 * struct ktgt_target_node - a target and the core's private state for it
 * @tgt: the target
 * @state_mutex: serialises enable, disable and removal
 * @created: the driver's ->target_create succeeded
 * @reg: the driver's registration (iscsi-kern: for its group type)
 */
struct ktgt_target_node {
	struct ktgt_target	tgt;
	struct mutex		state_mutex;	/* see the top of the file */
	bool			created;
	struct ktgt_tmpl_reg	*reg;
};

static struct ktgt_target_node *to_target_node(struct ktgt_target *tgt)
{
	return container_of(tgt, struct ktgt_target_node, tgt);
}

/*
 * ---------------------------------------------------------------------
 * Accessors for drivers (include/ktgt/ktgt.h)
 * ---------------------------------------------------------------------
 */

const char *ktgt_target_name(const struct ktgt_target *tgt)
{
	return tgt->group.cg_item.ci_name;
}
EXPORT_SYMBOL_GPL(ktgt_target_name);

void ktgt_target_set_priv(struct ktgt_target *tgt, void *priv)
{
	tgt->priv = priv;
}
EXPORT_SYMBOL_GPL(ktgt_target_set_priv);

void *ktgt_target_priv(const struct ktgt_target *tgt)
{
	return tgt->priv;
}
EXPORT_SYMBOL_GPL(ktgt_target_priv);

struct ktgt_target *ktgt_target_from_item(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_target, group);
}
EXPORT_SYMBOL_GPL(ktgt_target_from_item);

/* --- iscsi-kern: configfs hooks and the access query (ktgt.h) --- */

struct config_group *ktgt_target_cfs_group(struct ktgt_target *tgt)
{
	return &tgt->group;
}
EXPORT_SYMBOL_GPL(ktgt_target_cfs_group);

void *ktgt_group_priv_from_item(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_group,
			    group)->priv;
}
EXPORT_SYMBOL_GPL(ktgt_group_priv_from_item);

bool ktgt_target_access(struct ktgt_target *tgt, const char *initiator,
			void (*fn)(void *grp_priv, void *arg), void *arg)
{
	struct ktgt_initiator *ini;
	struct ktgt_group *grp;
	bool ok;

	mutex_lock(&ktgt_cfg_mutex);
	list_for_each_entry(grp, &tgt->groups, node) {
		list_for_each_entry(ini, &grp->initiators, node) {
			if (ktgt_pattern_match(ini->pattern, initiator)) {
				if (fn)
					fn(grp->priv, arg);
				mutex_unlock(&ktgt_cfg_mutex);
				return true;
			}
		}
	}
	if (fn)
		fn(NULL, arg);
	ok = !xa_empty(&tgt->luns.luns);
	mutex_unlock(&ktgt_cfg_mutex);
	return ok;
}
EXPORT_SYMBOL_GPL(ktgt_target_access);

/*
 * ---------------------------------------------------------------------
 * LUN set choice
 * ---------------------------------------------------------------------
 */

struct ktgt_lun_set *ktgt_lun_set_for_target(struct ktgt_target *tgt,
					     const char *initiator)
{
	struct ktgt_initiator *ini;
	struct ktgt_group *grp;

	lockdep_assert_held(&ktgt_cfg_mutex);

	list_for_each_entry(grp, &tgt->groups, node) {
		list_for_each_entry(ini, &grp->initiators, node) {
			if (ktgt_pattern_match(ini->pattern, initiator))
				return &grp->luns;
		}
	}
	return &tgt->luns;
}

/*
 * ---------------------------------------------------------------------
 * Initiator patterns: groups/<g>/initiators/<pattern>
 * ---------------------------------------------------------------------
 */

static struct ktgt_initiator *to_initiator(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_initiator,
			    group);
}

static void ktgt_initiator_release(struct config_item *item)
{
	kfree(to_initiator(item));
}

static struct configfs_item_operations ktgt_initiator_item_ops = {
	.release	= ktgt_initiator_release,
};

static const struct config_item_type ktgt_initiator_type = {
	.ct_item_ops	= &ktgt_initiator_item_ops,
	.ct_owner	= THIS_MODULE,
};

/* Printable ASCII without spaces, 1..223 characters ('/' cannot occur). */
static bool ktgt_valid_pattern(const char *name)
{
	size_t len = strlen(name);
	size_t i;

	if (!len || len > KTGT_MAX_INITIATOR_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] <= 0x20 || name[i] > 0x7e)
			return false;
	}
	return true;
}

static struct config_group *ktgt_initiator_make(struct config_group *group,
						const char *name)
{
	struct ktgt_group *grp =
		container_of(group, struct ktgt_group, initiators_group);
	struct ktgt_initiator *ini;

	if (!ktgt_valid_pattern(name))
		return ERR_PTR(-EINVAL);

	ini = kzalloc(sizeof(*ini), GFP_KERNEL);
	if (!ini)
		return ERR_PTR(-ENOMEM);
	config_group_init_type_name(&ini->group, name, &ktgt_initiator_type);
	ini->pattern = config_item_name(&ini->group.cg_item);

	mutex_lock(&ktgt_cfg_mutex);
	list_add_tail(&ini->node, &grp->initiators);
	ktgt_sessions_regroup(grp->tgt);
	mutex_unlock(&ktgt_cfg_mutex);
	return &ini->group;
}

static void ktgt_initiator_drop(struct config_group *group,
				struct config_item *item)
{
	struct ktgt_group *grp =
		container_of(group, struct ktgt_group, initiators_group);
	struct ktgt_initiator *ini = to_initiator(item);

	mutex_lock(&ktgt_cfg_mutex);
	list_del(&ini->node);
	ktgt_sessions_regroup(grp->tgt);
	mutex_unlock(&ktgt_cfg_mutex);
	config_item_put(item);
}

static struct configfs_group_operations ktgt_initiators_group_ops = {
	.make_group	= ktgt_initiator_make,
	.drop_item	= ktgt_initiator_drop,
};

static const struct config_item_type ktgt_initiators_type = {
	.ct_group_ops	= &ktgt_initiators_group_ops,
	.ct_owner	= THIS_MODULE,
};

/*
 * ---------------------------------------------------------------------
 * Initiator groups: targets/<drv>/<tgt>/groups/<g>
 * ---------------------------------------------------------------------
 */

static struct ktgt_group *to_group(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_group, group);
}

static void ktgt_group_release(struct config_item *item)
{
	struct ktgt_group *grp = to_group(item);

	ktgt_lun_set_destroy(&grp->luns);
	kfree(grp->priv);
	kfree(grp);
}

static struct configfs_item_operations ktgt_group_item_ops = {
	.release	= ktgt_group_release,
};

static const struct config_item_type ktgt_group_type = {
	.ct_item_ops	= &ktgt_group_item_ops,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *ktgt_group_make(struct config_group *group,
					    const char *name)
{
	struct ktgt_target *tgt =
		container_of(group, struct ktgt_target, groups_group);
	struct ktgt_group *grp;

	grp = kzalloc(sizeof(*grp), GFP_KERNEL);
	if (!grp)
		return ERR_PTR(-ENOMEM);
	/* iscsi-kern: the driver's per-group state and attributes */
	if (tgt->tt->group_priv_size) {
		grp->priv = kzalloc(tgt->tt->group_priv_size, GFP_KERNEL);
		if (!grp->priv) {
			kfree(grp);
			return ERR_PTR(-ENOMEM);
		}
	}
	grp->tgt = tgt;
	ktgt_lun_set_init(&grp->luns, tgt);
	INIT_LIST_HEAD(&grp->initiators);

	config_group_init_type_name(&grp->group, name,
				    &to_target_node(tgt)->reg->grp_type);
	config_group_init_type_name(&grp->initiators_group, "initiators",
				    &ktgt_initiators_type);
	configfs_add_default_group(&grp->initiators_group, &grp->group);
	config_group_init_type_name(&grp->luns_group, "luns",
				    &ktgt_grp_luns_type);
	configfs_add_default_group(&grp->luns_group, &grp->group);

	mutex_lock(&ktgt_cfg_mutex);
	list_add_tail(&grp->node, &tgt->groups);
	ktgt_sessions_regroup(tgt);
	mutex_unlock(&ktgt_cfg_mutex);
	return &grp->group;
}

/*
 * configfs refuses rmdir while the group has initiator patterns or LUN
 * directories, so no session sees its (empty) LUN set any more.
 */
static void ktgt_group_drop(struct config_group *group,
			    struct config_item *item)
{
	struct ktgt_group *grp = to_group(item);

	mutex_lock(&ktgt_cfg_mutex);
	list_del(&grp->node);
	ktgt_sessions_regroup(grp->tgt);
	mutex_unlock(&ktgt_cfg_mutex);
	/* A command may still be looking at the set through a session. */
	synchronize_rcu();
	config_item_put(item);
}

static struct configfs_group_operations ktgt_groups_group_ops = {
	.make_group	= ktgt_group_make,
	.drop_item	= ktgt_group_drop,
};

static const struct config_item_type ktgt_groups_type = {
	.ct_group_ops	= &ktgt_groups_group_ops,
	.ct_owner	= THIS_MODULE,
};

/*
 * ---------------------------------------------------------------------
 * Target attributes
 * ---------------------------------------------------------------------
 */

static ssize_t ktgt_tgt_enable_show(struct config_item *item, char *page)
{
	struct ktgt_target *tgt = ktgt_target_from_item(item);

	return sprintf(page, "%d\n", READ_ONCE(tgt->enabled));
}

/* Called with state_mutex held. */
static int ktgt_target_set_enabled(struct ktgt_target *tgt, bool on)
{
	struct ktgt_tgt_template *tt = tgt->tt;
	int ret = 0;

	if (tgt->enabled == on)
		return 0;

	mutex_lock(&ktgt_cfg_mutex);
	WRITE_ONCE(tgt->enabled, on);
	mutex_unlock(&ktgt_cfg_mutex);

	if (tt->target_enable)
		ret = tt->target_enable(tgt, on);
	if (ret && on) {
		mutex_lock(&ktgt_cfg_mutex);
		WRITE_ONCE(tgt->enabled, false);
		mutex_unlock(&ktgt_cfg_mutex);
	} else if (ret) {
		/* The target is disabled whatever the driver says. */
		pr_warn("%s: disabling target %s failed: %d\n", tt->name,
			ktgt_target_name(tgt), ret);
		ret = 0;
	}
	return ret;
}

static ssize_t ktgt_tgt_enable_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct ktgt_target *tgt = ktgt_target_from_item(item);
	struct ktgt_target_node *node = to_target_node(tgt);
	size_t len = strnlen(page, count);
	int ret;

	if (len && page[len - 1] == '\n')
		len--;
	if (len != 1 || (page[0] != '0' && page[0] != '1'))
		return -EINVAL;

	mutex_lock(&node->state_mutex);
	ret = ktgt_target_set_enabled(tgt, page[0] == '1');
	mutex_unlock(&node->state_mutex);
	return ret ? ret : count;
}

CONFIGFS_ATTR(ktgt_tgt_, enable);

static struct configfs_attribute *ktgt_tgt_generic_attrs[] = {
	&ktgt_tgt_attr_enable,
	&ktgt_alua_attr_rel_tgt_id,	/* ALUA (core/alua.c) */
	NULL,
};

/*
 * ---------------------------------------------------------------------
 * mkdir / rmdir of targets/<drv>/<tgt>
 * ---------------------------------------------------------------------
 */

static void ktgt_target_release(struct config_item *item)
{
	struct ktgt_target *tgt = ktgt_target_from_item(item);
	struct module *owner = tgt->tt->owner;

	ktgt_lun_set_destroy(&tgt->luns);
	kfree(to_target_node(tgt));
	module_put(owner);
}

static struct configfs_item_operations ktgt_target_item_ops = {
	.release	= ktgt_target_release,
};

/* ALUA: for the targets/<tgt> links of a target port group. */
struct ktgt_target *ktgt_target_from_link(struct config_item *item)
{
	if (!item->ci_type || item->ci_type->ct_item_ops != &ktgt_target_item_ops)
		return NULL;
	return ktgt_target_from_item(item);
}

static struct config_group *ktgt_target_make(struct config_group *group,
					     const char *name)
{
	struct ktgt_tmpl_reg *reg =
		container_of(group, struct ktgt_tmpl_reg, entry.group);
	struct ktgt_tgt_template *tt = reg->tt;
	struct ktgt_target_node *node;
	struct ktgt_target *tgt;
	int ret;

	if (!try_module_get(tt->owner))
		return ERR_PTR(-ENODEV);

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node) {
		module_put(tt->owner);
		return ERR_PTR(-ENOMEM);
	}
	tgt = &node->tgt;
	mutex_init(&node->state_mutex);
	node->reg = reg;
	tgt->tt = tt;
	ktgt_lun_set_init(&tgt->luns, tgt);
	INIT_LIST_HEAD(&tgt->groups);
	spin_lock_init(&tgt->sess_lock);
	INIT_LIST_HEAD(&tgt->sessions);
	INIT_LIST_HEAD(&tgt->node);

	/* From here on, putting the item undoes everything. */
	config_group_init_type_name(&tgt->group, name, &reg->tgt_type);
	config_group_init_type_name(&tgt->luns_group, "luns",
				    &ktgt_tgt_luns_type);
	configfs_add_default_group(&tgt->luns_group, &tgt->group);
	config_group_init_type_name(&tgt->groups_group, "groups",
				    &ktgt_groups_type);
	configfs_add_default_group(&tgt->groups_group, &tgt->group);

	if (tt->target_create) {
		ret = tt->target_create(tgt);
		if (ret) {
			config_item_put(&tgt->group.cg_item);
			return ERR_PTR(ret);
		}
	}
	node->created = true;

	mutex_lock(&ktgt_cfg_mutex);
	tgt->rel_tgt_id = ktgt_alua_free_rel_tgt_id();
	list_add_tail(&tgt->node, &ktgt_targets);
	reg->entry.nr_children++;
	mutex_unlock(&ktgt_cfg_mutex);
	return &tgt->group;
}

/* rmdir: the LUN sets are empty and the groups gone (configfs checked). */
static void ktgt_target_drop(struct config_group *group,
			     struct config_item *item)
{
	struct ktgt_tmpl_reg *reg =
		container_of(group, struct ktgt_tmpl_reg, entry.group);
	struct ktgt_target *tgt = ktgt_target_from_item(item);
	struct ktgt_target_node *node = to_target_node(tgt);

	mutex_lock(&node->state_mutex);
	ktgt_target_set_enabled(tgt, false);
	mutex_lock(&ktgt_cfg_mutex);
	list_del_init(&tgt->node);
	reg->entry.nr_children--;
	mutex_unlock(&ktgt_cfg_mutex);
	if (node->created && reg->tt->target_destroy)
		reg->tt->target_destroy(tgt);
	node->created = false;
	mutex_unlock(&node->state_mutex);

	WARN_ON_ONCE(!list_empty(&tgt->sessions));
	synchronize_rcu();
	config_item_put(item);
}

/*
 * ---------------------------------------------------------------------
 * Target driver registration
 * ---------------------------------------------------------------------
 */

static void ktgt_tmpl_release(struct config_item *item)
{
	struct ktgt_tmpl_reg *reg =
		container_of(to_config_group(item), struct ktgt_tmpl_reg,
			     entry.group);

	kfree(reg->attrs);
	kfree(reg);
}

static struct configfs_item_operations ktgt_tmpl_item_ops = {
	.release	= ktgt_tmpl_release,
};

static struct configfs_group_operations ktgt_tmpl_group_ops = {
	.make_group	= ktgt_target_make,
	.drop_item	= ktgt_target_drop,
};

static const struct config_item_type ktgt_tmpl_type = {
	.ct_item_ops	= &ktgt_tmpl_item_ops,
	.ct_group_ops	= &ktgt_tmpl_group_ops,
	.ct_owner	= THIS_MODULE,
};

/**
 * ktgt_register_template() - register a target driver
 * @tt: the driver; must stay valid until ktgt_unregister_template()
 *
 * Creates /sys/kernel/config/ktgt/targets/<tt->name>/, in which mkdir
 * creates targets, with the driver's own @tt->driver_attrs. May sleep.
 *
 * Return: 0; -EINVAL if @tt lacks a name, ->xmit_response or ->free_cmd;
 * -EEXIST if a driver of that name is registered; -ENOMEM.
 */
int ktgt_register_template(struct ktgt_tgt_template *tt)
{
	struct ktgt_tmpl_reg *reg;

	if (!ktgt_valid_module_name(tt->name) || !tt->xmit_response ||
	    !tt->free_cmd)
		return -EINVAL;

	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return -ENOMEM;
	reg->tt = tt;
	reg->attrs = ktgt_attrs_merge(ktgt_tgt_generic_attrs, tt->target_attrs);
	if (!reg->attrs) {
		kfree(reg);
		return -ENOMEM;
	}
	reg->tgt_type.ct_item_ops = &ktgt_target_item_ops;
	reg->tgt_type.ct_attrs = reg->attrs;
	reg->tgt_type.ct_owner = tt->owner;
	reg->grp_type = ktgt_group_type;
	reg->grp_type.ct_attrs = tt->group_attrs;
	reg->drv_type = ktgt_tmpl_type;
	reg->drv_type.ct_attrs = tt->driver_attrs;
	INIT_LIST_HEAD(&tt->list);
	reg->entry.name = tt->name;
	reg->entry.key = tt;
	reg->entry.what = "target driver";
	config_group_init_type_name(&reg->entry.group, tt->name,
				    &reg->drv_type);
	return ktgt_registry_add(&ktgt_templates, &reg->entry,
				 &ktgt_targets_group);
}
EXPORT_SYMBOL_GPL(ktgt_register_template);

/**
 * ktgt_unregister_template() - unregister a target driver
 * @tt: a driver registered with ktgt_register_template()
 *
 * Removes targets/<tt->name>/. Every target of the driver holds a
 * reference on @tt->owner, so when this runs from the module's exit they
 * are all gone. May sleep.
 */
void ktgt_unregister_template(struct ktgt_tgt_template *tt)
{
	ktgt_registry_del(&ktgt_templates, tt);
}
EXPORT_SYMBOL_GPL(ktgt_unregister_template);
