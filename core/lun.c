// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: LUN sets and LUNs.
 *
 * A LUN set maps LUN numbers to struct ktgt_lun. Every target has one
 * (targets/<drv>/<tgt>/luns/, the default set) and so has each of its
 * initiator groups (.../groups/<g>/luns/).
 *
 * mkdir luns/<N> creates a LUN directory, which maps nothing yet. The LUN
 * becomes live when a symlink to an enabled device is created in it
 * (luns/<N>/device -> handlers/<h>/<dev>) and stops being live when the
 * link is removed. configfs refuses rmdir of a LUN directory that still
 * holds the link (-ENOTEMPTY) and rmdir of a device a link points to
 * (-EBUSY), so a live LUN's device cannot go away.
 *
 * Lifetimes and locking
 * ---------------------
 * The set's xarray holds the live LUNs only. Readers (the command path,
 * ktgt_lun_get()) look a LUN up under rcu_read_lock() and take
 * lun->ref with percpu_ref_tryget_live(). Writers hold ktgt_cfg_mutex.
 *
 * Mapping (allow_link): under ktgt_cfg_mutex, percpu_ref_init(), the
 * sessions' nexuses for it (ktgt_sessions_lun_nexus(), each with POWER
 * ON), xa_insert() (which publishes the LUN), ktgt_sessions_lun_added()
 * (REPORTED LUNS DATA HAS CHANGED on every LUN of those sessions, the
 * new one's behind its POWER ON).
 *
 * Unmapping (drop_link) is done in three steps:
 *
 * 1. Under ktgt_cfg_mutex: xa_erase() and percpu_ref_kill(). No new
 *    command finds the LUN from then on.
 * 2. Without any ktgt lock: wait until the commands holding the LUN are
 *    done (lun->drained), then synchronize_rcu(), so no reader still has
 *    the pointer, and percpu_ref_exit(). Not under ktgt_cfg_mutex: the
 *    commands may need it to end. A target driver takes it while holding
 *    its own locks (ktgt_target_access() from an iSCSI Text request or a
 *    login, under which the same connection's Data-Out or the teardown of
 *    a dead connection wait), so waiting with it held could deadlock, and
 *    an initiator withholding a WRITE's data would otherwise stall every
 *    configuration change. The wait is not bounded: the command ends when
 *    its initiator sends the data, or is aborted (TMF, connection or
 *    session teardown) like any other.
 * 3. Under ktgt_cfg_mutex again: ktgt_sessions_lun_removed() (the
 *    nexuses the commands used are freed only now), lun->dev = NULL and
 *    the device's nr_luns count, then the device item reference is put.
 *
 * In between, the LUN is no longer in the set but lun->dev is still set
 * and still counted in dev->nr_luns, so the device can be neither
 * disabled nor removed. Nothing else can map or unmap the LUN meanwhile:
 * the VFS holds luns/<N> locked during the unlink (as during the
 * symlink), the LUN number belongs to that directory alone, and configfs
 * refuses rmdir of luns/<N>, of its target or group, while the link
 * exists. A session created or regrouped in between simply does not see
 * the LUN.
 *
 * The struct itself belongs to the configfs directory and is freed when
 * that goes, which is after the unmapping; the directory may be mapped
 * again afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

static struct ktgt_lun *to_lun(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_lun, group);
}

/*
 * ---------------------------------------------------------------------
 * Lookups
 * ---------------------------------------------------------------------
 */

struct ktgt_lun *ktgt_lun_get(struct ktgt_lun_set *set, u64 lun)
{
	struct ktgt_lun *l;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "LUN lookup without RCU");
	if (!set || lun > KTGT_MAX_LUN)
		return NULL;

	l = xa_load(&set->luns, (unsigned long)lun);
	if (l && !percpu_ref_tryget_live(&l->ref))
		l = NULL;
	return l;
}

void ktgt_lun_put(struct ktgt_lun *lun)
{
	percpu_ref_put(&lun->ref);
}

void ktgt_lun_set_init(struct ktgt_lun_set *set, struct ktgt_target *tgt)
{
	xa_init(&set->luns);
	set->tgt = tgt;
}

void ktgt_lun_set_destroy(struct ktgt_lun_set *set)
{
	WARN_ON(!xa_empty(&set->luns));
	xa_destroy(&set->luns);
}

/*
 * ---------------------------------------------------------------------
 * Mapping: the device symlink
 * ---------------------------------------------------------------------
 */

static void ktgt_lun_ref_release(struct percpu_ref *ref)
{
	struct ktgt_lun *lun = container_of(ref, struct ktgt_lun, ref);

	complete(&lun->drained);
}

/* Caller holds ktgt_cfg_mutex; @dev is enabled. */
static int ktgt_lun_map(struct ktgt_lun *lun, struct ktgt_device *dev)
{
	int ret;

	ret = percpu_ref_init(&lun->ref, ktgt_lun_ref_release, 0, GFP_KERNEL);
	if (ret)
		return ret;
	init_completion(&lun->drained);
	lun->dev = dev;

	/* The sessions' nexuses are not replaced if the number is taken. */
	if (xa_load(&lun->set->luns, (unsigned long)lun->lun)) {
		ret = -EEXIST;
		goto out_ref;
	}
	/* The nexuses first: a command finding the LUN finds its POWER ON. */
	ktgt_sessions_lun_nexus(lun->set, lun->lun, true);
	ret = xa_insert(&lun->set->luns, (unsigned long)lun->lun, lun,
			GFP_KERNEL);
	if (ret) {
		ktgt_sessions_lun_nexus(lun->set, lun->lun, false);
		if (ret == -EBUSY)
			ret = -EEXIST;
		goto out_ref;
	}
	WRITE_ONCE(dev->nr_luns, dev->nr_luns + 1);
	config_item_get(&dev->group.cg_item);
	ktgt_sessions_lun_added(lun->set, lun);
	pr_debug("LUN %llu of %s mapped to %s\n", lun->lun,
		 ktgt_target_name(lun->set->tgt), ktgt_device_name(dev));
	return 0;

out_ref:
	lun->dev = NULL;
	percpu_ref_exit(&lun->ref);
	return ret;
}

/*
 * Undo ktgt_lun_map(), in the three steps described at the top of this
 * file. Called without ktgt_cfg_mutex; the caller holds the LUN directory
 * locked (the VFS does, around ->drop_link).
 */
static void ktgt_lun_unmap(struct ktgt_lun *lun, struct config_item *target)
{
	struct ktgt_device *dev;

	mutex_lock(&ktgt_cfg_mutex);
	dev = lun->dev;
	if (!dev || &dev->group.cg_item != target) {
		mutex_unlock(&ktgt_cfg_mutex);
		return;
	}
	xa_erase(&lun->set->luns, (unsigned long)lun->lun);
	percpu_ref_kill(&lun->ref);
	mutex_unlock(&ktgt_cfg_mutex);

	if (!wait_for_completion_timeout(&lun->drained, 10 * HZ)) {
		pr_info("unmapping LUN %llu of %s: waiting for its commands\n",
			lun->lun, ktgt_target_name(lun->set->tgt));
		wait_for_completion(&lun->drained);
	}
	synchronize_rcu();
	percpu_ref_exit(&lun->ref);

	mutex_lock(&ktgt_cfg_mutex);
	ktgt_sessions_lun_removed(lun->set, lun->lun);
	lun->dev = NULL;
	ktgt_device_unmapped(dev);
	mutex_unlock(&ktgt_cfg_mutex);
	pr_debug("LUN %llu of %s unmapped from %s\n", lun->lun,
		 ktgt_target_name(lun->set->tgt), ktgt_device_name(dev));
	config_item_put(&dev->group.cg_item);
}

/*
 * configfs does not pass the link's name, so the name ("device" by
 * convention, see Documentation/configfs.rst) is not checked; a LUN
 * takes one link, to an enabled device that is not being removed.
 *
 * configfs calls this before it counts the link against the device's
 * rmdir, so an rmdir may pass its check meanwhile; configfs then fails
 * the link and calls ktgt_lun_drop_link(). ktgt_dev_drop() waits for that
 * (dev->nr_luns back to 0) and sets dev->dropping first, so that no new
 * mapping starts.
 */
static int ktgt_lun_allow_link(struct config_item *src,
			       struct config_item *target)
{
	struct ktgt_lun *lun = to_lun(src);
	struct ktgt_device *dev = ktgt_device_from_link(target);
	int ret;

	if (!dev)
		return -EINVAL;

	mutex_lock(&ktgt_cfg_mutex);
	if (lun->dev)
		ret = -EEXIST;
	else if (dev->dropping)
		ret = -ENOENT;
	else if (!dev->enabled)
		ret = -ENODEV;
	else
		ret = ktgt_lun_map(lun, dev);
	mutex_unlock(&ktgt_cfg_mutex);
	return ret;
}

static void ktgt_lun_drop_link(struct config_item *src,
			       struct config_item *target)
{
	ktgt_lun_unmap(to_lun(src), target);
}

/*
 * ---------------------------------------------------------------------
 * LUN attributes
 * ---------------------------------------------------------------------
 */

static ssize_t ktgt_lun_read_only_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(to_lun(item)->read_only));
}

/*
 * Applies at once: commands that look the LUN up afterwards see it. A
 * change on a mapped LUN changes the WP bit its initiators see in MODE
 * SENSE: MODE PARAMETERS CHANGED on its nexuses, as for the device's
 * read_only (core/device.c).
 */
static ssize_t ktgt_lun_read_only_store(struct config_item *item,
					const char *page, size_t count)
{
	struct ktgt_lun *lun = to_lun(item);
	size_t len = strnlen(page, count);
	bool ro;

	if (len && page[len - 1] == '\n')
		len--;
	if (len != 1 || (page[0] != '0' && page[0] != '1'))
		return -EINVAL;
	ro = page[0] == '1';

	mutex_lock(&ktgt_cfg_mutex);
	if (lun->read_only != ro) {
		WRITE_ONCE(lun->read_only, ro);
		/* A read-only device is write protected either way. */
		if (lun->dev && !lun->dev->params.read_only)
			ktgt_sessions_lun_ua(lun->set, lun->lun,
					     KTGT_UA_MODE_CHANGED);
	}
	mutex_unlock(&ktgt_cfg_mutex);
	return count;
}

CONFIGFS_ATTR(ktgt_lun_, read_only);

static struct configfs_attribute *ktgt_lun_attrs[] = {
	&ktgt_lun_attr_read_only,
	NULL,
};

/*
 * ---------------------------------------------------------------------
 * mkdir / rmdir of luns/<N>
 * ---------------------------------------------------------------------
 */

static void ktgt_lun_release(struct config_item *item)
{
	struct ktgt_lun *lun = to_lun(item);

	/* configfs refuses rmdir while the device link exists. */
	WARN_ON(lun->dev);
	kfree(lun);
}

static struct configfs_item_operations ktgt_lun_item_ops = {
	.allow_link	= ktgt_lun_allow_link,
	.drop_link	= ktgt_lun_drop_link,
	.release	= ktgt_lun_release,
};

static const struct config_item_type ktgt_lun_type = {
	.ct_item_ops	= &ktgt_lun_item_ops,
	.ct_attrs	= ktgt_lun_attrs,
	.ct_owner	= THIS_MODULE,
};

/* A LUN number: decimal, canonical (no sign, no leading zeros), in range. */
static int ktgt_parse_lun(const char *name, u64 *lun)
{
	char canon[8];
	unsigned int v;

	if (kstrtouint(name, 10, &v) || v > KTGT_MAX_LUN)
		return -EINVAL;
	snprintf(canon, sizeof(canon), "%u", v);
	if (strcmp(canon, name))
		return -EINVAL;
	*lun = v;
	return 0;
}

static struct config_group *ktgt_lun_make(struct ktgt_lun_set *set,
					  const char *name)
{
	struct ktgt_lun *lun;
	u64 nr;

	if (ktgt_parse_lun(name, &nr))
		return ERR_PTR(-EINVAL);

	lun = kzalloc(sizeof(*lun), GFP_KERNEL);
	if (!lun)
		return ERR_PTR(-ENOMEM);
	lun->lun = nr;
	lun->set = set;
	config_group_init_type_name(&lun->group, name, &ktgt_lun_type);
	return &lun->group;
}

static struct config_group *ktgt_tgt_luns_make(struct config_group *group,
					       const char *name)
{
	struct ktgt_target *tgt =
		container_of(group, struct ktgt_target, luns_group);

	return ktgt_lun_make(&tgt->luns, name);
}

static struct config_group *ktgt_grp_luns_make(struct config_group *group,
					       const char *name)
{
	struct ktgt_group *grp =
		container_of(group, struct ktgt_group, luns_group);

	return ktgt_lun_make(&grp->luns, name);
}

static void ktgt_luns_drop(struct config_group *group,
			   struct config_item *item)
{
	config_item_put(item);
}

static struct configfs_group_operations ktgt_tgt_luns_group_ops = {
	.make_group	= ktgt_tgt_luns_make,
	.drop_item	= ktgt_luns_drop,
};

static struct configfs_group_operations ktgt_grp_luns_group_ops = {
	.make_group	= ktgt_grp_luns_make,
	.drop_item	= ktgt_luns_drop,
};

const struct config_item_type ktgt_tgt_luns_type = {
	.ct_group_ops	= &ktgt_tgt_luns_group_ops,
	.ct_owner	= THIS_MODULE,
};

const struct config_item_type ktgt_grp_luns_type = {
	.ct_group_ops	= &ktgt_grp_luns_group_ops,
	.ct_owner	= THIS_MODULE,
};
