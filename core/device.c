// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: dev handler registration and devices.
 *
 * A dev handler registers a struct ktgt_dev_type; the core then creates
 * /sys/kernel/config/ktgt/handlers/<name>/, in which mkdir creates a
 * struct ktgt_device and rmdir removes it. Every device also gets
 * /sys/kernel/ktgt/devices/<name>/ with its runtime state and counters.
 *
 * Lifetimes
 * ---------
 * A device is embedded in a struct ktgt_dev_node that its kobject owns:
 * the configfs item's release drops the kobject's reference, and the
 * kobject's release frees the memory. Each device holds a reference on
 * its handler's module (try_module_get() in mkdir, module_put() in the
 * item's release), so a handler with devices cannot be unloaded and
 * ktgt_unregister_dev_type() only ever runs once they are all gone.
 *
 * The per-handler struct ktgt_dev_type_reg holds the handlers/<name>
 * group and the config_item_type of its devices (generic + handler
 * attributes); it is freed by the group's release, after the last
 * reference to the group is gone.
 *
 * Locking
 * -------
 * node->state_mutex serialises a device's state changes: enable, disable,
 * resync_size, parameter stores and rmdir. The handler's ->enable,
 * ->disable and ->resync_size run under it, but not under
 * ktgt_cfg_mutex, so they may call ktgt_device_set_capacity(), which
 * takes ktgt_cfg_mutex to raise the unit attention. The fields the rest
 * of the core reads (enabled, params, nr_luns, the ktgt_devices list)
 * are only written under ktgt_cfg_mutex, taken inside state_mutex.
 *
 * Lock order: configfs su_mutex -> state_mutex -> ktgt_cfg_mutex.
 *
 * rmdir (ktgt_dev_drop()) waits, holding su_mutex and state_mutex but
 * not ktgt_cfg_mutex, on ktgt_dev_unmapped_wq until no LUN maps the
 * device; the unmapping (core/lun.c) takes ktgt_cfg_mutex only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include <asm/unaligned.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "pr_file.h"

/*
 * The 24-bit company id of the default NAA 6 identifiers: 0A-4B-54,
 * "KT" with the locally administered bit of the first octet set, so it
 * cannot collide with an IEEE-assigned OUI.
 */
#define KTGT_NAA_OUI	0x0a4b54ULL

LIST_HEAD(ktgt_devices);

/* Where a dropping device's rmdir waits for its last LUN to go. */
static DECLARE_WAIT_QUEUE_HEAD(ktgt_dev_unmapped_wq);

void ktgt_device_unmapped(struct ktgt_device *dev)
{
	lockdep_assert_held(&ktgt_cfg_mutex);
	WRITE_ONCE(dev->nr_luns, dev->nr_luns - 1);
	if (dev->dropping && !dev->nr_luns)
		wake_up_all(&ktgt_dev_unmapped_wq);
}

/* Registered dev handlers (struct ktgt_dev_type_reg), under ktgt_cfg_mutex. */
static LIST_HEAD(ktgt_dev_types);

/**
 * struct ktgt_dev_type_reg - the core's state for a registered dev handler
 * @dt: the handler
 * @entry: in ktgt_dev_types: handlers/<name>, and the number of devices
 * @dev_type: the config_item_type of the handler's devices
 * @attrs: its NULL-terminated attributes: the generic ones the handler
 *	does not override, then the handler's
 */
struct ktgt_dev_type_reg {
	struct ktgt_dev_type		*dt;
	struct ktgt_registry_entry	entry;
	struct config_item_type		dev_type;
	struct configfs_attribute	**attrs;
};

/**
 * struct ktgt_dev_node - a device and the core's private state for it
 * @dev: the device
 * @state_mutex: serialises the device's state changes (see the top of
 *	this file)
 * @allocated: the handler's ->dev_alloc succeeded, so ->dev_free is due
 */
struct ktgt_dev_node {
	struct ktgt_device	dev;
	struct mutex		state_mutex;	/* see the top of the file */
	bool			allocated;
};

static struct ktgt_dev_node *to_dev_node(struct ktgt_device *dev)
{
	return container_of(dev, struct ktgt_dev_node, dev);
}

/*
 * ---------------------------------------------------------------------
 * Accessors for handlers (include/ktgt/ktgt.h)
 * ---------------------------------------------------------------------
 */

const char *ktgt_device_name(const struct ktgt_device *dev)
{
	return dev->group.cg_item.ci_name;
}
EXPORT_SYMBOL_GPL(ktgt_device_name);

const struct ktgt_dev_params *ktgt_device_params(const struct ktgt_device *dev)
{
	return &dev->params;
}
EXPORT_SYMBOL_GPL(ktgt_device_params);

void ktgt_device_set_priv(struct ktgt_device *dev, void *priv)
{
	dev->priv = priv;
}
EXPORT_SYMBOL_GPL(ktgt_device_set_priv);

void *ktgt_device_priv(const struct ktgt_device *dev)
{
	return dev->priv;
}
EXPORT_SYMBOL_GPL(ktgt_device_priv);

struct ktgt_device *ktgt_device_from_item(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_device, group);
}
EXPORT_SYMBOL_GPL(ktgt_device_from_item);

bool ktgt_device_enabled(const struct ktgt_device *dev)
{
	return READ_ONCE(dev->enabled);
}
EXPORT_SYMBOL_GPL(ktgt_device_enabled);

/*
 * May be called from the handler's ->enable (the device is not enabled
 * yet: no unit attention), from ->resync_size, or from any other process
 * context of the handler; it takes ktgt_cfg_mutex itself, so the caller
 * must not hold it.
 */
void ktgt_device_set_capacity(struct ktgt_device *dev, u64 nr_blocks)
{
	u64 old;

	might_sleep();
	mutex_lock(&ktgt_cfg_mutex);
	old = dev->nr_blocks;
	WRITE_ONCE(dev->nr_blocks, nr_blocks);
	if (old != nr_blocks && dev->enabled)
		ktgt_ua_raise_device(dev, KTGT_UA_CAPACITY_CHANGED);
	mutex_unlock(&ktgt_cfg_mutex);
}
EXPORT_SYMBOL_GPL(ktgt_device_set_capacity);

void ktgt_device_set_phys_block_size(struct ktgt_device *dev, u32 bytes)
{
	WRITE_ONCE(dev->phys_block_size, bytes);
}
EXPORT_SYMBOL_GPL(ktgt_device_set_phys_block_size);

void ktgt_device_set_nowait(struct ktgt_device *dev, bool nowait)
{
	WRITE_ONCE(dev->nowait, nowait);
}
EXPORT_SYMBOL_GPL(ktgt_device_set_nowait);

u64 ktgt_device_capacity(const struct ktgt_device *dev)
{
	return READ_ONCE(dev->nr_blocks);
}
EXPORT_SYMBOL_GPL(ktgt_device_capacity);

/*
 * ---------------------------------------------------------------------
 * Default identity
 * ---------------------------------------------------------------------
 */

/* FNV-1a, 64 bit: stable across boots, kernels and architectures. */
static u64 ktgt_name_hash(const char *name, u64 seed)
{
	u64 h = 0xcbf29ce484222325ULL ^ seed;

	while (*name) {
		h ^= (u8)*name++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void ktgt_dev_default_params(struct ktgt_device *dev,
				    const struct ktgt_dev_type *dt,
				    const char *name)
{
	struct ktgt_dev_params *p = &dev->params;
	u64 hi, lo;
	size_t len;

	p->block_size = dt->pdt == TYPE_ROM ? 2048 : 512;
	strscpy(p->vendor_id, "KTGT", sizeof(p->vendor_id));
	strscpy(p->product_id, dt->name, sizeof(p->product_id));
	/* "0.1.0" -> "0.1": the first four characters, no trailing dot. */
	strscpy(p->revision, KTGT_VERSION, sizeof(p->revision));
	len = strlen(p->revision);
	while (len && p->revision[len - 1] == '.')
		p->revision[--len] = '\0';
	snprintf(p->serial, sizeof(p->serial), "%016llx",
		 ktgt_name_hash(name, 0));

	/* NAA 6: NAA(4) | company id(24) | vendor id(36) | extension(64) */
	hi = (6ULL << 60) | (KTGT_NAA_OUI << 36) |
	     (ktgt_name_hash(name, 1) & GENMASK_ULL(35, 0));
	lo = ktgt_name_hash(name, 2);
	put_unaligned_be64(hi, &p->naa_id[0]);
	put_unaligned_be64(lo, &p->naa_id[8]);
}

/*
 * ---------------------------------------------------------------------
 * Generic configfs attributes
 * ---------------------------------------------------------------------
 */

static size_t ktgt_strip_len(const char *page, size_t count)
{
	size_t len = strnlen(page, count);

	if (len && page[len - 1] == '\n')
		len--;
	return len;
}

static bool ktgt_valid_block_size(const struct ktgt_dev_type *dt, u32 bs)
{
	if (dt->pdt == TYPE_ROM)
		return bs == 2048;
	return bs == 512 || bs == 4096;
}

/* A boolean attribute takes exactly "0" or "1" (and a newline). */
static int ktgt_parse_bool(const char *page, size_t count, bool *val)
{
	size_t len = ktgt_strip_len(page, count);

	if (len != 1 || (page[0] != '0' && page[0] != '1'))
		return -EINVAL;
	*val = page[0] == '1';
	return 0;
}

/*
 * Copy a string of 1..@max printable ASCII characters (spaces only if
 * @spaces) into @out.
 */
static int ktgt_parse_string(const char *page, size_t count, char *out,
			     size_t max, bool spaces)
{
	size_t len = ktgt_strip_len(page, count);
	size_t i;

	if (!len || len > max)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (page[i] < (spaces ? 0x20 : 0x21) || page[i] > 0x7e)
			return -EINVAL;
	}
	memcpy(out, page, len);
	out[len] = '\0';
	return 0;
}

/*
 * ktgt_dev_apply()'s @live: the parameter only changes while the device
 * is disabled (KTGT_DEV_OFFLINE), changes live without a unit attention
 * (KTGT_DEV_LIVE), or is an enum ktgt_ua_kind: it changes live and a
 * change on an enabled device raises that unit attention.
 */
#define KTGT_DEV_OFFLINE	(-1)
#define KTGT_DEV_LIVE		(-2)

/*
 * Store a validated value into the parameter at @off of dev->params,
 * under state_mutex (so the device is not enabled or disabled meanwhile)
 * and ktgt_cfg_mutex (for readers that hold it). Writing the current
 * value always succeeds. Otherwise -EBUSY while enabled if @live is
 * KTGT_DEV_OFFLINE: the handler uses the value when it opens its
 * backing store, or the value names the logical unit. The live ones are
 * read by the command path without a lock: a bool changes at once, and
 * an INQUIRY that runs during a string's change may return a mix of the
 * old and new text; the unit attention raised after the change (on
 * every I_T_L nexus of the device) makes the initiator read it again.
 */
static ssize_t ktgt_dev_apply(struct config_item *item, size_t count,
			      size_t off, const void *val, size_t size,
			      int live)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);
	struct ktgt_dev_node *node = to_dev_node(dev);
	u8 *param = (u8 *)&dev->params + off;
	int ret = 0;

	mutex_lock(&node->state_mutex);
	mutex_lock(&ktgt_cfg_mutex);
	if (!memcmp(param, val, size))
		goto out;
	if (!dev->enabled) {
		memcpy(param, val, size);
		goto out;
	}
	if (live == KTGT_DEV_OFFLINE) {
		ret = -EBUSY;
		goto out;
	}
	memcpy(param, val, size);
	if (live != KTGT_DEV_LIVE)
		ktgt_ua_raise_device(dev, live);
	pr_debug("%s: parameter at %zu changed live\n", ktgt_device_name(dev),
		 off);
out:
	mutex_unlock(&ktgt_cfg_mutex);
	mutex_unlock(&node->state_mutex);
	return ret ? ret : count;
}

static ssize_t ktgt_dev_show_bool(struct config_item *item, char *page,
				  size_t off)
{
	const struct ktgt_device *dev = ktgt_device_from_item(item);
	const bool *val = (const void *)((const u8 *)&dev->params + off);

	return sprintf(page, "%d\n", *val);
}

static ssize_t ktgt_dev_store_bool(struct config_item *item, const char *page,
				   size_t count, size_t off, int live)
{
	bool val;

	if (ktgt_parse_bool(page, count, &val))
		return -EINVAL;
	return ktgt_dev_apply(item, count, off, &val, sizeof(val), live);
}

static ssize_t ktgt_dev_show_string(struct config_item *item, char *page,
				    size_t off)
{
	const struct ktgt_device *dev = ktgt_device_from_item(item);

	return sprintf(page, "%s\n", (const char *)&dev->params + off);
}

/* @size: the field's size, including the terminating NUL */
static ssize_t ktgt_dev_store_string(struct config_item *item,
				     const char *page, size_t count,
				     size_t off, size_t size, bool spaces,
				     int live)
{
	char val[64] = "";

	if (WARN_ON(size > sizeof(val)) ||
	    ktgt_parse_string(page, count, val, size - 1, spaces))
		return -EINVAL;
	return ktgt_dev_apply(item, count, off, val, size, live);
}

#define KTGT_PARAM_OFF(_field)	offsetof(struct ktgt_dev_params, _field)
#define KTGT_PARAM_SIZE(_field)	sizeof_field(struct ktgt_dev_params, _field)

/* enable */

static ssize_t ktgt_dev_enable_show(struct config_item *item, char *page)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);

	return sprintf(page, "%d\n", ktgt_device_enabled(dev));
}

/* Called with state_mutex held. */
static int ktgt_dev_enable(struct ktgt_device *dev)
{
	int ret;

	if (dev->enabled)
		return 0;
	WRITE_ONCE(dev->nowait, false);	/* ->enable says otherwise */
	ret = dev->type->enable(dev);
	if (ret)
		return ret;
	ktgt_pr_dev_enable(dev);	/* PR state saved with APTPL */
	mutex_lock(&ktgt_cfg_mutex);
	WRITE_ONCE(dev->enabled, true);
	mutex_unlock(&ktgt_cfg_mutex);
	pr_debug("device %s enabled, %llu blocks of %u bytes\n",
		 ktgt_device_name(dev), ktgt_device_capacity(dev),
		 dev->params.block_size);
	return 0;
}

/* Called with state_mutex held. */
static int ktgt_dev_disable(struct ktgt_device *dev)
{
	mutex_lock(&ktgt_cfg_mutex);
	if (!dev->enabled) {
		mutex_unlock(&ktgt_cfg_mutex);
		return 0;
	}
	if (dev->nr_luns) {
		mutex_unlock(&ktgt_cfg_mutex);
		return -EBUSY;
	}
	WRITE_ONCE(dev->enabled, false);
	mutex_unlock(&ktgt_cfg_mutex);
	dev->type->disable(dev);
	return 0;
}

static ssize_t ktgt_dev_enable_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);
	struct ktgt_dev_node *node = to_dev_node(dev);
	bool on;
	int ret;

	if (ktgt_parse_bool(page, count, &on))
		return -EINVAL;

	mutex_lock(&node->state_mutex);
	ret = on ? ktgt_dev_enable(dev) : ktgt_dev_disable(dev);
	mutex_unlock(&node->state_mutex);
	return ret ? ret : count;
}

/* size: capacity in bytes, read-only unless the handler overrides it */

static ssize_t ktgt_dev_size_show(struct config_item *item, char *page)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);

	return sprintf(page, "%llu\n",
		       ktgt_device_capacity(dev) * dev->params.block_size);
}

/* blocksize */

static ssize_t ktgt_dev_blocksize_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n",
		       ktgt_device_from_item(item)->params.block_size);
}

static ssize_t ktgt_dev_blocksize_store(struct config_item *item,
					const char *page, size_t count)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);
	char buf[12];
	size_t len = ktgt_strip_len(page, count);
	u32 bs;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, page, len);
	buf[len] = '\0';
	if (kstrtou32(buf, 10, &bs) || !ktgt_valid_block_size(dev->type, bs))
		return -EINVAL;
	return ktgt_dev_apply(item, count, KTGT_PARAM_OFF(block_size), &bs,
			      sizeof(bs), KTGT_DEV_OFFLINE);
}

/*
 * The boolean parameters. Live: read_only 0 -> 1 (the WP bit of MODE
 * SENSE: MODE PARAMETERS CHANGED; 1 -> 0 only while disabled, as the
 * handler opened its backing store read-only), write_through (WCE: MODE
 * PARAMETERS CHANGED), nv_cache (no data reports it) and rotational
 * (VPD B1h: INQUIRY DATA HAS CHANGED). thin_provisioned and removable
 * only change while disabled (the handler checks the backing store for
 * the one at enable; the initiator decides how to treat the medium from
 * the other when it scans).
 */

static ssize_t ktgt_dev_read_only_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_bool(item, page, KTGT_PARAM_OFF(read_only));
}

static ssize_t ktgt_dev_read_only_store(struct config_item *item,
					const char *page, size_t count)
{
	bool val;

	if (ktgt_parse_bool(page, count, &val))
		return -EINVAL;
	return ktgt_dev_apply(item, count, KTGT_PARAM_OFF(read_only), &val,
			      sizeof(val), val ? KTGT_UA_MODE_CHANGED :
			      KTGT_DEV_OFFLINE);
}

static ssize_t ktgt_dev_write_through_show(struct config_item *item,
					   char *page)
{
	return ktgt_dev_show_bool(item, page, KTGT_PARAM_OFF(write_through));
}

static ssize_t ktgt_dev_write_through_store(struct config_item *item,
					    const char *page, size_t count)
{
	return ktgt_dev_store_bool(item, page, count,
				   KTGT_PARAM_OFF(write_through), KTGT_UA_MODE_CHANGED);
}

static ssize_t ktgt_dev_nv_cache_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_bool(item, page, KTGT_PARAM_OFF(nv_cache));
}

static ssize_t ktgt_dev_nv_cache_store(struct config_item *item,
				       const char *page, size_t count)
{
	return ktgt_dev_store_bool(item, page, count,
				   KTGT_PARAM_OFF(nv_cache), KTGT_DEV_LIVE);
}

static ssize_t ktgt_dev_thin_provisioned_show(struct config_item *item,
					      char *page)
{
	return ktgt_dev_show_bool(item, page,
				  KTGT_PARAM_OFF(thin_provisioned));
}

static ssize_t ktgt_dev_thin_provisioned_store(struct config_item *item,
					       const char *page, size_t count)
{
	return ktgt_dev_store_bool(item, page, count,
				   KTGT_PARAM_OFF(thin_provisioned), KTGT_DEV_OFFLINE);
}

static ssize_t ktgt_dev_rotational_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_bool(item, page, KTGT_PARAM_OFF(rotational));
}

static ssize_t ktgt_dev_rotational_store(struct config_item *item,
					 const char *page, size_t count)
{
	return ktgt_dev_store_bool(item, page, count,
				   KTGT_PARAM_OFF(rotational), KTGT_UA_INQUIRY_CHANGED);
}

static ssize_t ktgt_dev_removable_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_bool(item, page, KTGT_PARAM_OFF(removable));
}

static ssize_t ktgt_dev_removable_store(struct config_item *item,
					const char *page, size_t count)
{
	return ktgt_dev_store_bool(item, page, count,
				   KTGT_PARAM_OFF(removable), KTGT_DEV_OFFLINE);
}

/*
 * The identification strings: vendor_id, product_id and revision change
 * live (INQUIRY DATA HAS CHANGED); serial and naa_id name the logical
 * unit (multipath software matches paths by them), so they only change
 * while disabled.
 */

static ssize_t ktgt_dev_vendor_id_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_string(item, page, KTGT_PARAM_OFF(vendor_id));
}

static ssize_t ktgt_dev_vendor_id_store(struct config_item *item,
					const char *page, size_t count)
{
	return ktgt_dev_store_string(item, page, count,
				     KTGT_PARAM_OFF(vendor_id),
				     KTGT_PARAM_SIZE(vendor_id), true,
				     KTGT_UA_INQUIRY_CHANGED);
}

static ssize_t ktgt_dev_product_id_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_string(item, page, KTGT_PARAM_OFF(product_id));
}

static ssize_t ktgt_dev_product_id_store(struct config_item *item,
					 const char *page, size_t count)
{
	return ktgt_dev_store_string(item, page, count,
				     KTGT_PARAM_OFF(product_id),
				     KTGT_PARAM_SIZE(product_id), true,
				     KTGT_UA_INQUIRY_CHANGED);
}

static ssize_t ktgt_dev_revision_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_string(item, page, KTGT_PARAM_OFF(revision));
}

static ssize_t ktgt_dev_revision_store(struct config_item *item,
				       const char *page, size_t count)
{
	return ktgt_dev_store_string(item, page, count,
				     KTGT_PARAM_OFF(revision),
				     KTGT_PARAM_SIZE(revision), true,
				     KTGT_UA_INQUIRY_CHANGED);
}

static ssize_t ktgt_dev_serial_show(struct config_item *item, char *page)
{
	return ktgt_dev_show_string(item, page, KTGT_PARAM_OFF(serial));
}

static ssize_t ktgt_dev_serial_store(struct config_item *item,
				     const char *page, size_t count)
{
	return ktgt_dev_store_string(item, page, count,
				     KTGT_PARAM_OFF(serial),
				     KTGT_PARAM_SIZE(serial), false,
				     KTGT_DEV_OFFLINE);
}

/* naa_id: 32 hex digits, NAA 6 */

static ssize_t ktgt_dev_naa_id_show(struct config_item *item, char *page)
{
	return sprintf(page, "%16phN\n",
		       ktgt_device_from_item(item)->params.naa_id);
}

static ssize_t ktgt_dev_naa_id_store(struct config_item *item,
				     const char *page, size_t count)
{
	u8 naa[KTGT_PARAM_SIZE(naa_id)];

	if (ktgt_strip_len(page, count) != 2 * sizeof(naa) ||
	    hex2bin(naa, page, sizeof(naa)) || naa[0] >> 4 != 6)
		return -EINVAL;
	return ktgt_dev_apply(item, count, KTGT_PARAM_OFF(naa_id), naa,
			      sizeof(naa), KTGT_DEV_OFFLINE);
}

/* resync_size: write 1 on an enabled device */

static ssize_t ktgt_dev_resync_size_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);
	struct ktgt_dev_node *node = to_dev_node(dev);
	bool val;
	int ret;

	if (ktgt_parse_bool(page, count, &val) || !val)
		return -EINVAL;
	if (!dev->type->resync_size)
		return -EOPNOTSUPP;

	mutex_lock(&node->state_mutex);
	if (dev->enabled)
		ret = dev->type->resync_size(dev);
	else
		ret = -ENODEV;
	mutex_unlock(&node->state_mutex);
	return ret ? ret : count;
}

CONFIGFS_ATTR(ktgt_dev_, enable);
CONFIGFS_ATTR_RO(ktgt_dev_, size);
CONFIGFS_ATTR(ktgt_dev_, blocksize);
CONFIGFS_ATTR(ktgt_dev_, read_only);
CONFIGFS_ATTR(ktgt_dev_, write_through);
CONFIGFS_ATTR(ktgt_dev_, nv_cache);
CONFIGFS_ATTR(ktgt_dev_, thin_provisioned);
CONFIGFS_ATTR(ktgt_dev_, rotational);
CONFIGFS_ATTR(ktgt_dev_, removable);
CONFIGFS_ATTR(ktgt_dev_, vendor_id);
CONFIGFS_ATTR(ktgt_dev_, product_id);
CONFIGFS_ATTR(ktgt_dev_, revision);
CONFIGFS_ATTR(ktgt_dev_, serial);
CONFIGFS_ATTR(ktgt_dev_, naa_id);
CONFIGFS_ATTR_WO(ktgt_dev_, resync_size);

static struct configfs_attribute *ktgt_dev_generic_attrs[] = {
	&ktgt_dev_attr_enable,
	&ktgt_dev_attr_size,
	&ktgt_dev_attr_blocksize,
	&ktgt_dev_attr_read_only,
	&ktgt_dev_attr_write_through,
	&ktgt_dev_attr_nv_cache,
	&ktgt_dev_attr_thin_provisioned,
	&ktgt_dev_attr_rotational,
	&ktgt_dev_attr_removable,
	&ktgt_dev_attr_vendor_id,
	&ktgt_dev_attr_product_id,
	&ktgt_dev_attr_revision,
	&ktgt_dev_attr_serial,
	&ktgt_dev_attr_naa_id,
	&ktgt_dev_attr_resync_size,
	NULL,
};

/*
 * ---------------------------------------------------------------------
 * sysfs: /sys/kernel/ktgt/devices/<name>
 * ---------------------------------------------------------------------
 */

static struct ktgt_device *kobj_to_dev(struct kobject *kobj)
{
	return container_of(kobj, struct ktgt_device, kobj);
}

static ssize_t stats_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return ktgt_io_stats_emit(kobj_to_dev(kobj)->stats, buf);
}

static ssize_t nr_luns_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(kobj_to_dev(kobj)->nr_luns));
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", ktgt_device_enabled(kobj_to_dev(kobj)));
}

static ssize_t capacity_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  ktgt_device_capacity(kobj_to_dev(kobj)));
}

/* The kobject is deleted before the handler can go away. */
static ssize_t handler_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_to_dev(kobj)->type->name);
}

/* Whether a transport's receive thread executes the device's commands. */
static ssize_t nowait_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct ktgt_device *dev = kobj_to_dev(kobj);

	return sysfs_emit(buf, "%d\n",
			  dev->type->exec_atomic || READ_ONCE(dev->nowait));
}

static struct kobj_attribute ktgt_dev_stats_attr = __ATTR_RO(stats);
static struct kobj_attribute ktgt_dev_nr_luns_attr = __ATTR_RO(nr_luns);
static struct kobj_attribute ktgt_dev_enabled_attr = __ATTR_RO(enabled);
static struct kobj_attribute ktgt_dev_capacity_attr = __ATTR_RO(capacity);
static struct kobj_attribute ktgt_dev_handler_attr = __ATTR_RO(handler);
static struct kobj_attribute ktgt_dev_nowait_attr = __ATTR_RO(nowait);

static struct attribute *ktgt_dev_sysfs_attrs[] = {
	&ktgt_dev_stats_attr.attr,
	&ktgt_dev_nr_luns_attr.attr,
	&ktgt_dev_enabled_attr.attr,
	&ktgt_dev_capacity_attr.attr,
	&ktgt_dev_handler_attr.attr,
	&ktgt_dev_nowait_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ktgt_dev_sysfs);

/* The last reference to a device is gone: free it. */
static void ktgt_dev_kobj_release(struct kobject *kobj)
{
	struct ktgt_device *dev = kobj_to_dev(kobj);

	free_percpu(dev->stats);
	ktgt_pr_dev_free(dev);
	kfree(to_dev_node(dev));
}

static const struct kobj_type ktgt_dev_ktype = {
	.release	= ktgt_dev_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= ktgt_dev_sysfs_groups,
};

/*
 * ---------------------------------------------------------------------
 * mkdir / rmdir of handlers/<type>/<name>
 * ---------------------------------------------------------------------
 */

/* Runs on the last put of the device's configfs item. */
static void ktgt_dev_release(struct config_item *item)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);
	struct ktgt_dev_type *dt = dev->type;
	struct module *owner = dt->owner;

	if (to_dev_node(dev)->allocated && dt->dev_free)
		dt->dev_free(dev);
	kobject_put(&dev->kobj);
	module_put(owner);
}

static struct configfs_item_operations ktgt_dev_item_ops = {
	.release	= ktgt_dev_release,
};

static struct config_group *ktgt_dev_make(struct config_group *group,
					  const char *name)
{
	struct ktgt_dev_type_reg *reg =
		container_of(group, struct ktgt_dev_type_reg, entry.group);
	struct ktgt_dev_type *dt = reg->dt;
	struct ktgt_dev_node *node;
	struct ktgt_device *dev, *other;
	int ret;

	/* The APTPL state files are named after devices (core/pr_file.h). */
	ret = ktgt_pr_file_check_name(name);
	if (ret == -EINVAL)
		pr_err("%s: device names may not start with '.' (the persistent reservation files reserve them)\n",
		       name);
	else if (ret)
		pr_err("%.32s...: device names have at most %d bytes (the persistent reservation files need the rest)\n",
		       name, KTGT_PR_DEV_NAME_MAX);
	if (ret)
		return ERR_PTR(ret);

	if (!try_module_get(dt->owner))
		return ERR_PTR(-ENODEV);

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node) {
		module_put(dt->owner);
		return ERR_PTR(-ENOMEM);
	}
	dev = &node->dev;
	/*
	 * From here on the kobject owns the memory, and once the item is
	 * initialised, putting it undoes everything (ktgt_dev_release()).
	 */
	kobject_init(&dev->kobj, &ktgt_dev_ktype);
	mutex_init(&node->state_mutex);
	dev->type = dt;
	spin_lock_init(&dev->order_lock);
	spin_lock_init(&dev->resv_lock);
	ktgt_pr_dev_init(dev);
	INIT_LIST_HEAD(&dev->deferred);
	INIT_LIST_HEAD(&dev->active);
	init_rwsem(&dev->caw_rwsem);
	INIT_LIST_HEAD(&dev->node);
	ktgt_dev_default_params(dev, dt, name);
	config_group_init_type_name(&dev->group, name, &reg->dev_type);

	ret = -ENOMEM;
	dev->stats = alloc_percpu(struct ktgt_io_stats);
	if (!dev->stats)
		goto out_put;

	if (dt->dev_alloc) {
		ret = dt->dev_alloc(dev);
		if (ret)
			goto out_put;
	}
	node->allocated = true;

	mutex_lock(&ktgt_cfg_mutex);
	list_for_each_entry(other, &ktgt_devices, node) {
		if (!strcmp(ktgt_device_name(other), name)) {
			ret = -EEXIST;
			goto out_unlock;
		}
	}
	ret = kobject_add(&dev->kobj, ktgt_sysfs_devices, "%s", name);
	if (ret)
		goto out_unlock;
	list_add_tail(&dev->node, &ktgt_devices);
	reg->entry.nr_children++;
	mutex_unlock(&ktgt_cfg_mutex);
	return &dev->group;

out_unlock:
	mutex_unlock(&ktgt_cfg_mutex);
out_put:
	config_item_put(&dev->group.cg_item);
	return ERR_PTR(ret);
}

/*
 * rmdir: configfs has already refused it (-EBUSY) if a LUN links to the
 * device. But a LUN may still map it for a moment: configfs calls
 * ->allow_link (which maps the LUN) before it counts the link, so this
 * rmdir may have passed its check in between; configfs then fails that
 * link (the device is dropping) and calls ->drop_link, which unmaps the
 * LUN, after the LUN's commands if any. So mark the device dropping,
 * which ktgt_lun_allow_link() refuses from then on, wait until those
 * mappings are undone, then disable it if enabled. This cannot fail.
 */
static void ktgt_dev_drop(struct config_group *group, struct config_item *item)
{
	struct ktgt_dev_type_reg *reg =
		container_of(group, struct ktgt_dev_type_reg, entry.group);
	struct ktgt_device *dev = ktgt_device_from_item(item);
	struct ktgt_dev_node *node = to_dev_node(dev);

	mutex_lock(&node->state_mutex);
	mutex_lock(&ktgt_cfg_mutex);
	dev->dropping = true;
	mutex_unlock(&ktgt_cfg_mutex);
	wait_event(ktgt_dev_unmapped_wq, !READ_ONCE(dev->nr_luns));
	WARN_ON(ktgt_dev_disable(dev));
	mutex_lock(&ktgt_cfg_mutex);
	list_del_init(&dev->node);
	reg->entry.nr_children--;
	/* Frees the sysfs name for a new device at once. */
	kobject_del(&dev->kobj);
	mutex_unlock(&ktgt_cfg_mutex);
	mutex_unlock(&node->state_mutex);

	config_item_put(item);
}

/*
 * ---------------------------------------------------------------------
 * Handler registration
 * ---------------------------------------------------------------------
 */

static void ktgt_dev_type_release(struct config_item *item)
{
	struct ktgt_dev_type_reg *reg =
		container_of(to_config_group(item), struct ktgt_dev_type_reg,
			     entry.group);

	kfree(reg->attrs);
	kfree(reg);
}

static struct configfs_item_operations ktgt_dev_type_item_ops = {
	.release	= ktgt_dev_type_release,
};

static struct configfs_group_operations ktgt_dev_type_group_ops = {
	.make_group	= ktgt_dev_make,
	.drop_item	= ktgt_dev_drop,
};

static const struct config_item_type ktgt_dev_type_type = {
	.ct_item_ops	= &ktgt_dev_type_item_ops,
	.ct_group_ops	= &ktgt_dev_type_group_ops,
	.ct_owner	= THIS_MODULE,
};

static bool ktgt_attr_listed(struct configfs_attribute **attrs,
			     const char *name)
{
	for (; attrs && *attrs; attrs++) {
		if (!strcmp((*attrs)->ca_name, name))
			return true;
	}
	return false;
}

struct configfs_attribute **ktgt_attrs_merge(struct configfs_attribute **generic,
					     struct configfs_attribute **extra)
{
	struct configfs_attribute **attrs, **a;
	size_t n = 1;

	for (a = generic; *a; a++)
		n++;
	for (a = extra; a && *a; a++)
		n++;
	attrs = kcalloc(n, sizeof(*attrs), GFP_KERNEL);
	if (!attrs)
		return NULL;
	n = 0;
	for (a = generic; *a; a++) {
		if (!ktgt_attr_listed(extra, (*a)->ca_name))
			attrs[n++] = *a;
	}
	for (a = extra; a && *a; a++)
		attrs[n++] = *a;
	return attrs;
}

bool ktgt_valid_module_name(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..") && strlen(name) < 64;
}

/**
 * ktgt_register_dev_type() - register a dev handler
 * @dt: the handler; must stay valid until ktgt_unregister_dev_type()
 *
 * Creates /sys/kernel/config/ktgt/handlers/<dt->name>/, in which mkdir
 * creates devices. May sleep; must not be called with ktgt_cfg_mutex
 * held.
 *
 * Return: 0; -EINVAL if @dt lacks a name, ->enable, ->disable, or both
 * ->sbc and ->exec; -EEXIST if a handler of that name is registered;
 * -ENOMEM.
 */
int ktgt_register_dev_type(struct ktgt_dev_type *dt)
{
	struct ktgt_dev_type_reg *reg;

	if (!ktgt_valid_module_name(dt->name) || !dt->enable ||
	    !dt->disable || (!dt->sbc && !dt->exec) ||
	    (dt->sbc && !dt->sbc->rw))
		return -EINVAL;

	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return -ENOMEM;
	reg->dt = dt;
	reg->attrs = ktgt_attrs_merge(ktgt_dev_generic_attrs, dt->dev_attrs);
	if (!reg->attrs) {
		kfree(reg);
		return -ENOMEM;
	}
	reg->dev_type.ct_item_ops = &ktgt_dev_item_ops;
	reg->dev_type.ct_attrs = reg->attrs;
	reg->dev_type.ct_owner = dt->owner;
	INIT_LIST_HEAD(&dt->list);
	reg->entry.name = dt->name;
	reg->entry.key = dt;
	reg->entry.what = "dev handler";
	config_group_init_type_name(&reg->entry.group, dt->name,
				    &ktgt_dev_type_type);
	return ktgt_registry_add(&ktgt_dev_types, &reg->entry,
				 &ktgt_handlers_group);
}
EXPORT_SYMBOL_GPL(ktgt_register_dev_type);

/**
 * ktgt_unregister_dev_type() - unregister a dev handler
 * @dt: a handler registered with ktgt_register_dev_type()
 *
 * Removes handlers/<dt->name>/. Every device of the handler holds a
 * reference on @dt->owner, so when this runs from the module's exit
 * they are all gone. May sleep.
 */
void ktgt_unregister_dev_type(struct ktgt_dev_type *dt)
{
	ktgt_registry_del(&ktgt_dev_types, dt);
}
EXPORT_SYMBOL_GPL(ktgt_unregister_dev_type);

/*
 * ---------------------------------------------------------------------
 * For LUN mapping (core/lun.c)
 * ---------------------------------------------------------------------
 */

struct ktgt_device *ktgt_device_from_link(struct config_item *item)
{
	if (!item->ci_type || item->ci_type->ct_item_ops != &ktgt_dev_item_ops)
		return NULL;
	return ktgt_device_from_item(item);
}
