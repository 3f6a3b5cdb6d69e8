// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: Asymmetric Logical Unit Access (SPC-4 5.15).
 *
 *   alua/<dg>/                          mkdir: a device group
 *       devices/<dev>                   symlink to handlers/<h>/<dev>
 *       target_groups/<tg>/             mkdir: a target port group
 *           group_id, state, preferred
 *           targets/<tgt>               symlink to targets/<drv>/<tgt>
 *   targets/<drv>/<tgt>/rel_tgt_id      (the attribute lives here)
 *
 * A device linked into a device group reports TPGS = 11b (implicit and
 * explicit ALUA), the target port group designator in VPD 83h (every
 * device reports the relative target port one, core/spc.c), and answers
 * REPORT and SET TARGET PORT GROUPS.
 * A command reaching it through a target that is in one of the group's
 * target port groups (with a non-zero group_id) is checked against that
 * group's state (alua_data.c: ktgt_alua_check()); through any other
 * target the device behaves as active/optimized. The data and the
 * per-state command lists are portable (core/alua_data.c, host-tested
 * by tests/host/test_alua.c).
 *
 * Objects and lifetimes
 * ---------------------
 * struct ktgt_alua_dg, struct ktgt_alua_tg and struct ktgt_alua_port
 * (one per target symlink) are freed with kfree_rcu(): the command path
 * reaches them under rcu_read_lock() only, from dev->alua_dg. configfs
 * refuses rmdir of a device group or target port group that still has
 * links or children, and rmdir of a device or target that a link points
 * to, so a device's alua_dg and a port's target stay valid while linked.
 *
 * Locking
 * -------
 * ktgt_alua_mutex serialises every change of the ALUA configuration and
 * state: configfs operations (which take it inside ktgt_cfg_mutex) and
 * SET TARGET PORT GROUPS (which takes it alone, on the command path: no
 * holder of it waits for commands, so it cannot deadlock with a LUN
 * being removed). REPORT TARGET PORT GROUPS takes it for a consistent
 * snapshot. Both run in process context (ktgt_spc_needs_thread()).
 * Writers publish with list_add_tail_rcu()/list_del_rcu(),
 * rcu_assign_pointer() and WRITE_ONCE(); the command path (the state
 * check, INQUIRY) reads with rcu_read_lock() and READ_ONCE() and never
 * sleeps. tgt->rel_tgt_id is written under ktgt_cfg_mutex while the
 * target is disabled, read with READ_ONCE().
 *
 * Lock order: ktgt_cfg_mutex -> ktgt_alua_mutex -> ktgt_sessions'
 * xa_lock -> tgt_dev->ua_lock.
 *
 * Unit attentions: a state change (configfs, or STPG except on the
 * issuing I_T nexus, SPC-4 5.15.2.2) and a change of a group's ports or
 * group_id queue ASYMMETRIC ACCESS STATE CHANGED on every I_T_L nexus of
 * every device in the device group; linking or unlinking a device
 * queues INQUIRY DATA HAS CHANGED on its nexuses (TPGS changed).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "alua_data.h"
#include "sense.h"
#include "spc_data.h"
#include "ua_queue.h"

/* See the top of the file. */
static DEFINE_MUTEX(ktgt_alua_mutex);

/**
 * struct ktgt_alua_dg - a device group: alua/<dg>
 * @group: its configfs group
 * @devices_group: devices/, holding the device links
 * @tgs_group: target_groups/
 * @tgs: its struct ktgt_alua_tg, RCU list, written under ktgt_alua_mutex
 * @nr_tgs: their number, under ktgt_alua_mutex
 * @rcu: for freeing
 */
struct ktgt_alua_dg {
	struct config_group	group;
	struct config_group	devices_group;
	struct config_group	tgs_group;
	struct list_head	tgs;
	unsigned int		nr_tgs;
	struct rcu_head		rcu;
};

/**
 * struct ktgt_alua_tg - a target port group: .../target_groups/<tg>
 * @group: its configfs group
 * @targets_group: targets/, holding the target links
 * @dg: its device group
 * @group_id: TARGET PORT GROUP, 0 while unset (the group is then ignored)
 * @state: KTGT_ALUA_*
 * @status: STATUS CODE for REPORT TARGET PORT GROUPS
 * @pref: PREF
 * @ports: struct ktgt_alua_port, RCU list
 * @nr_ports: their number
 * @node: in @dg->tgs
 * @rcu: for freeing
 *
 * Every field is written under ktgt_alua_mutex; the command path reads
 * them with READ_ONCE() under rcu_read_lock().
 */
struct ktgt_alua_tg {
	struct config_group	group;
	struct config_group	targets_group;
	struct ktgt_alua_dg	*dg;
	u16			group_id;
	u8			state;
	u8			status;
	bool			pref;
	struct list_head	ports;
	unsigned int		nr_ports;
	struct list_head	node;
	struct rcu_head		rcu;
};

/**
 * struct ktgt_alua_port - a target in a target port group (a symlink)
 * @tgt: the target; the link keeps it from being removed
 * @node: in ktgt_alua_tg.ports
 * @rcu: for freeing
 */
struct ktgt_alua_port {
	struct ktgt_target	*tgt;
	struct list_head	node;
	struct rcu_head		rcu;
};

/*
 * ---------------------------------------------------------------------
 * Lookups and unit attentions
 * ---------------------------------------------------------------------
 */

/* The group of @dg that @tgt is in; under rcu_read_lock() or the mutex. */
static struct ktgt_alua_tg *alua_port_tg(struct ktgt_alua_dg *dg,
					 const struct ktgt_target *tgt)
{
	struct ktgt_alua_port *p;
	struct ktgt_alua_tg *tg;

	list_for_each_entry_rcu(tg, &dg->tgs, node,
				lockdep_is_held(&ktgt_alua_mutex)) {
		if (!READ_ONCE(tg->group_id))
			continue;
		list_for_each_entry_rcu(p, &tg->ports, node,
					lockdep_is_held(&ktgt_alua_mutex)) {
			if (p->tgt == tgt)
				return tg;
		}
	}
	return NULL;
}

/*
 * ASYMMETRIC ACCESS STATE CHANGED on every I_T_L nexus, of every session
 * but @except, whose LUN maps a device of @dg. Needs no configuration
 * mutex (sessions are stable under ktgt_sessions' xa_lock, LUN sets and
 * nexuses under RCU), so SET TARGET PORT GROUPS may call it. Process
 * context; caller holds ktgt_alua_mutex.
 */
static void alua_raise(struct ktgt_alua_dg *dg,
		       const struct ktgt_session *except)
{
	struct ktgt_session *sess;
	struct ktgt_lun_set *set;
	struct ktgt_tgt_dev *td;
	struct ktgt_lun *lun;
	unsigned long id, idx;

	lockdep_assert_held(&ktgt_alua_mutex);
	rcu_read_lock();
	xa_lock(&ktgt_sessions);
	xa_for_each(&ktgt_sessions, id, sess) {
		if (sess == except)
			continue;
		set = rcu_dereference(sess->lun_set);
		if (!set)
			continue;
		xa_for_each(&set->luns, idx, lun) {
			if (rcu_access_pointer(lun->dev->alua_dg) != dg)
				continue;
			td = xa_load(&sess->tgt_devs, idx);
			if (td)
				ktgt_ua_queue_code(sess, td, KTGT_UAC_ALUA_CHANGED);
		}
	}
	xa_unlock(&ktgt_sessions);
	rcu_read_unlock();
}

/*
 * ---------------------------------------------------------------------
 * The command path
 * ---------------------------------------------------------------------
 */

bool ktgt_alua_check_cmd(struct ktgt_cmd *cmd, struct ktgt_sense_info *s)
{
	return ktgt_alua_check_nexus(cmd->core.dev, cmd->sess, cmd->cdb,
				     cmd->cdb_len, s);
}

bool ktgt_alua_check_nexus(struct ktgt_device *dev, struct ktgt_session *sess,
			   const u8 *cdb, unsigned int cdb_len,
			   struct ktgt_sense_info *s)
{
	struct ktgt_alua_dg *dg;
	struct ktgt_alua_tg *tg;
	u8 state = KTGT_ALUA_ACTIVE;

	if (likely(!rcu_access_pointer(dev->alua_dg)))
		return false;
	rcu_read_lock();
	dg = rcu_dereference(dev->alua_dg);
	tg = dg ? alua_port_tg(dg, sess->tgt) : NULL;
	if (tg)
		state = READ_ONCE(tg->state);
	rcu_read_unlock();
	return ktgt_alua_check(state, cdb, cdb_len, s) != 0;
}

void ktgt_alua_describe(const struct ktgt_cmd *cmd, struct ktgt_spc_dev *d)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_alua_dg *dg;
	struct ktgt_alua_tg *tg;

	if (likely(!rcu_access_pointer(dev->alua_dg)))
		return;
	rcu_read_lock();
	dg = rcu_dereference(dev->alua_dg);
	if (dg) {
		d->tpgs = 0x3;		/* implicit and explicit */
		tg = alua_port_tg(dg, cmd->sess->tgt);
		if (tg) {
			d->has_tpg = true;
			d->tpg = READ_ONCE(tg->group_id);
		}
	}
	rcu_read_unlock();
}

/* The RELATIVE TARGET PORT IDENTIFIERs of @tg's ports; the mutex held. */
static u8 alua_tg_ports(struct ktgt_alua_tg *tg, u16 *ports)
{
	struct ktgt_alua_port *p;
	u8 n = 0;

	list_for_each_entry(p, &tg->ports, node) {
		if (n == KTGT_ALUA_MAX_PORTS)
			break;
		ports[n++] = READ_ONCE(p->tgt->rel_tgt_id);
	}
	return n;
}

/* REPORT TARGET PORT GROUPS (SPC-4 6.27); process context. */
static void alua_rtpg(struct ktgt_cmd *cmd)
{
	bool ext = (cmd->cdb[1] >> 5) == 0x1;
	u16 ports[KTGT_ALUA_MAX_PORTS];
	struct ktgt_alua_tpg g;
	struct ktgt_alua_dg *dg;
	struct ktgt_alua_tg *tg;
	u32 desc_len = 0, full, len, off;
	u8 *buf = NULL;

	mutex_lock(&ktgt_alua_mutex);
	dg = rcu_dereference_protected(cmd->core.dev->alua_dg,
				       lockdep_is_held(&ktgt_alua_mutex));
	if (!dg) {
		mutex_unlock(&ktgt_alua_mutex);
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 KTGT_ASC_INVALID_OPCODE, 0);
		return;
	}
	list_for_each_entry(tg, &dg->tgs, node) {
		if (tg->group_id)
			desc_len += KTGT_ALUA_TPG_DESC_LEN +
				    min_t(u32, tg->nr_ports,
					  KTGT_ALUA_MAX_PORTS) *
				    KTGT_ALUA_TPORT_DESC_LEN;
	}
	full = ktgt_alua_rtpg_hdr(ext, 0, desc_len, NULL, 0) + desc_len;
	len = cmd->sg ? (u32)min_t(u64, cmd->bufflen, cmd->core.xfer_len) : 0;
	len = min(len, full);
	if (len) {
		buf = ktgt_cmd_buf(cmd, len);
		if (!buf) {
			mutex_unlock(&ktgt_alua_mutex);
			ktgt_cmd_io_error(cmd, -ENOMEM);
			return;
		}
	}
	/* Implicit transitions are immediate: IMPLICIT TRANSITION TIME 0. */
	off = ktgt_alua_rtpg_hdr(ext, 0, desc_len, buf, len);
	list_for_each_entry(tg, &dg->tgs, node) {
		if (!tg->group_id)
			continue;
		g.group_id = tg->group_id;
		g.state = tg->state;
		g.pref = tg->pref;
		g.status = tg->status;
		g.nr_ports = alua_tg_ports(tg, ports);
		g.ports = ports;
		off += ktgt_alua_rtpg_desc(&g, buf, len, off);
	}
	mutex_unlock(&ktgt_alua_mutex);
	ktgt_cmd_buf_put(cmd, buf);
	ktgt_cmd_good(cmd, len);
}

static struct ktgt_alua_tg *alua_find_gid(struct ktgt_alua_dg *dg, u16 gid)
{
	struct ktgt_alua_tg *tg;

	list_for_each_entry(tg, &dg->tgs, node) {
		if (tg->group_id == gid)
			return tg;
	}
	return NULL;
}

/* SET TARGET PORT GROUPS (SPC-4 6.43); process context. */
static void alua_stpg(struct ktgt_cmd *cmd)
{
	const u32 cap = KTGT_ALUA_STPG_HDR_LEN +
			KTGT_ALUA_MAX_TPGS * KTGT_ALUA_STPG_DESC_LEN;
	u32 len = ktgt_spc_dout_len(cmd), nr, i, off;
	struct ktgt_sense_info err;
	struct ktgt_alua_dg *dg;
	struct ktgt_alua_tg *tg;
	bool changed = false;
	u8 *param = NULL;
	u8 state;
	u16 gid;

	might_sleep();
	if (len) {
		param = ktgt_cmd_param(cmd, min(len, cap));
		if (!param) {
			ktgt_cmd_io_error(cmd, -ENOMEM);
			return;
		}
	}
	mutex_lock(&ktgt_alua_mutex);
	dg = rcu_dereference_protected(cmd->core.dev->alua_dg,
				       lockdep_is_held(&ktgt_alua_mutex));
	if (!dg) {
		ktgt_sense_set(&err, KTGT_KEY_ILLEGAL_REQUEST,
			       KTGT_ASC_INVALID_OPCODE, 0);
		goto fail;
	}
	if (ktgt_alua_stpg_parse(param, len, &nr, &err))
		goto fail;
	/* Every group must exist before any changes. */
	for (i = 0; i < nr; i++) {
		off = ktgt_alua_stpg_desc(param, i, &state, &gid);
		if (!gid || !alua_find_gid(dg, gid)) {
			ktgt_sense_invalid_param(&err, off + 2, 7);
			goto fail;
		}
	}
	for (i = 0; i < nr; i++) {
		ktgt_alua_stpg_desc(param, i, &state, &gid);
		tg = alua_find_gid(dg, gid);
		/* ktgt_cmd_buf() gave a private copy: as checked above. */
		if (WARN_ON_ONCE(!tg))
			continue;
		if (tg->state != state)
			changed = true;
		WRITE_ONCE(tg->state, state);
		WRITE_ONCE(tg->status, KTGT_ALUA_STATUS_STPG);
	}
	if (changed)
		alua_raise(dg, cmd->sess);
	mutex_unlock(&ktgt_alua_mutex);
	ktgt_cmd_buf_put(cmd, param);
	pr_debug("%s: SET TARGET PORT GROUPS: %u groups\n",
		 ktgt_device_name(cmd->core.dev), nr);
	ktgt_cmd_good(cmd, 0);
	return;

fail:
	mutex_unlock(&ktgt_alua_mutex);
	ktgt_cmd_buf_put(cmd, param);
	ktgt_spc_fail(cmd, &err);
}

bool ktgt_alua_exec(struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *desc = cmd->core.desc;

	if (!desc || !(desc->flags & KTGT_CDB_F_SA) || desc->sa != 0x0a)
		return false;
	if (desc->opcode == 0xa3) {		/* REPORT TARGET PORT GROUPS */
		alua_rtpg(cmd);
		return true;
	}
	if (desc->opcode == 0xa4) {		/* SET TARGET PORT GROUPS */
		alua_stpg(cmd);
		return true;
	}
	return false;
}

/*
 * ---------------------------------------------------------------------
 * configfs: targets/<drv>/<tgt>/rel_tgt_id
 * ---------------------------------------------------------------------
 */

u16 ktgt_alua_free_rel_tgt_id(void)
{
	struct ktgt_target *t;
	u32 id;
	bool used;

	lockdep_assert_held(&ktgt_cfg_mutex);
	for (id = 1; id <= U16_MAX; id++) {
		used = false;
		list_for_each_entry(t, &ktgt_targets, node) {
			if (t->rel_tgt_id == id) {
				used = true;
				break;
			}
		}
		if (!used)
			return id;
	}
	return 0;
}

static ssize_t ktgt_alua_rel_tgt_id_show(struct config_item *item,
					 char *page)
{
	return sprintf(page, "%u\n",
		       READ_ONCE(ktgt_target_from_item(item)->rel_tgt_id));
}

static ssize_t ktgt_alua_rel_tgt_id_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct ktgt_target *tgt = ktgt_target_from_item(item), *t;
	u16 id;
	int ret;

	ret = kstrtou16(page, 0, &id);
	if (ret || !id)
		return -EINVAL;
	mutex_lock(&ktgt_cfg_mutex);
	if (tgt->enabled) {
		ret = -EBUSY;
		goto out;
	}
	list_for_each_entry(t, &ktgt_targets, node) {
		if (t != tgt && t->rel_tgt_id == id) {
			ret = -EEXIST;
			goto out;
		}
	}
	WRITE_ONCE(tgt->rel_tgt_id, id);
out:
	mutex_unlock(&ktgt_cfg_mutex);
	return ret ? ret : count;
}

struct configfs_attribute ktgt_alua_attr_rel_tgt_id = {
	.ca_name	= "rel_tgt_id",
	.ca_owner	= THIS_MODULE,
	.ca_mode	= 0644,
	.show		= ktgt_alua_rel_tgt_id_show,
	.store		= ktgt_alua_rel_tgt_id_store,
};

/*
 * ---------------------------------------------------------------------
 * configfs: alua/<dg>/target_groups/<tg>
 * ---------------------------------------------------------------------
 */

static struct ktgt_alua_tg *to_tg(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_alua_tg, group);
}

static ssize_t ktgt_alua_tg_group_id_show(struct config_item *item,
					  char *page)
{
	return sprintf(page, "%u\n", READ_ONCE(to_tg(item)->group_id));
}

static ssize_t ktgt_alua_tg_group_id_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct ktgt_alua_tg *tg = to_tg(item), *other;
	u16 id;
	int ret = 0;

	if (kstrtou16(page, 0, &id))
		return -EINVAL;
	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	other = id ? alua_find_gid(tg->dg, id) : NULL;
	if (other && other != tg) {
		ret = -EEXIST;
	} else if (tg->group_id != id) {
		WRITE_ONCE(tg->group_id, id);
		if (tg->nr_ports)
			alua_raise(tg->dg, NULL);
	}
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
	return ret ? ret : count;
}

static ssize_t ktgt_alua_tg_state_show(struct config_item *item, char *page)
{
	return sprintf(page, "%s\n",
		       ktgt_alua_state_name(READ_ONCE(to_tg(item)->state)));
}

static ssize_t ktgt_alua_tg_state_store(struct config_item *item,
					const char *page, size_t count)
{
	struct ktgt_alua_tg *tg = to_tg(item);
	int state = ktgt_alua_state_parse(page, strnlen(page, count));

	if (state < 0)
		return -EINVAL;
	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	if (tg->state != state) {
		WRITE_ONCE(tg->state, state);
		WRITE_ONCE(tg->status, KTGT_ALUA_STATUS_IMPLICIT);
		alua_raise(tg->dg, NULL);
	}
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
	return count;
}

static ssize_t ktgt_alua_tg_preferred_show(struct config_item *item,
					   char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(to_tg(item)->pref));
}

static ssize_t ktgt_alua_tg_preferred_store(struct config_item *item,
					    const char *page, size_t count)
{
	struct ktgt_alua_tg *tg = to_tg(item);
	bool pref;

	if (kstrtobool(page, &pref))
		return -EINVAL;
	mutex_lock(&ktgt_alua_mutex);
	WRITE_ONCE(tg->pref, pref);
	mutex_unlock(&ktgt_alua_mutex);
	return count;
}

CONFIGFS_ATTR(ktgt_alua_tg_, group_id);
CONFIGFS_ATTR(ktgt_alua_tg_, state);
CONFIGFS_ATTR(ktgt_alua_tg_, preferred);

static struct configfs_attribute *ktgt_alua_tg_attrs[] = {
	&ktgt_alua_tg_attr_group_id,
	&ktgt_alua_tg_attr_state,
	&ktgt_alua_tg_attr_preferred,
	NULL,
};

static void ktgt_alua_tg_release(struct config_item *item)
{
	kfree_rcu(to_tg(item), rcu);
}

static struct configfs_item_operations ktgt_alua_tg_item_ops = {
	.release	= ktgt_alua_tg_release,
};

static const struct config_item_type ktgt_alua_tg_type = {
	.ct_item_ops	= &ktgt_alua_tg_item_ops,
	.ct_attrs	= ktgt_alua_tg_attrs,
	.ct_owner	= THIS_MODULE,
};

/* targets/<tgt> -> targets/<drv>/<tgt> */
static int ktgt_alua_port_allow_link(struct config_item *src,
				     struct config_item *target)
{
	struct ktgt_alua_tg *tg = container_of(to_config_group(src),
					       struct ktgt_alua_tg,
					       targets_group);
	struct ktgt_target *tgt = ktgt_target_from_link(target);
	struct ktgt_alua_port *p;
	struct ktgt_alua_tg *t;
	int ret = 0;

	if (!tgt)
		return -EINVAL;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->tgt = tgt;
	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	/* A target port is in at most one group of a device group. */
	list_for_each_entry(t, &tg->dg->tgs, node) {
		struct ktgt_alua_port *q;

		list_for_each_entry(q, &t->ports, node) {
			if (q->tgt == tgt)
				ret = -EBUSY;
		}
	}
	if (!ret && tg->nr_ports >= KTGT_ALUA_MAX_PORTS)
		ret = -ENOSPC;
	if (!ret) {
		list_add_tail_rcu(&p->node, &tg->ports);
		tg->nr_ports++;
		if (tg->group_id)
			alua_raise(tg->dg, NULL);
	}
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
	if (ret)
		kfree(p);
	return ret;
}

static void ktgt_alua_port_drop_link(struct config_item *src,
				     struct config_item *target)
{
	struct ktgt_alua_tg *tg = container_of(to_config_group(src),
					       struct ktgt_alua_tg,
					       targets_group);
	struct ktgt_target *tgt = ktgt_target_from_link(target);
	struct ktgt_alua_port *p, *found = NULL;

	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	list_for_each_entry(p, &tg->ports, node) {
		if (p->tgt == tgt) {
			found = p;
			break;
		}
	}
	if (found) {
		list_del_rcu(&found->node);
		tg->nr_ports--;
		if (tg->group_id)
			alua_raise(tg->dg, NULL);
	}
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
	if (found)
		kfree_rcu(found, rcu);
}

static struct configfs_item_operations ktgt_alua_ports_item_ops = {
	.allow_link	= ktgt_alua_port_allow_link,
	.drop_link	= ktgt_alua_port_drop_link,
};

static const struct config_item_type ktgt_alua_ports_type = {
	.ct_item_ops	= &ktgt_alua_ports_item_ops,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *ktgt_alua_tg_make(struct config_group *group,
					      const char *name)
{
	struct ktgt_alua_dg *dg = container_of(group, struct ktgt_alua_dg,
					       tgs_group);
	struct ktgt_alua_tg *tg;
	int ret = 0;

	tg = kzalloc(sizeof(*tg), GFP_KERNEL);
	if (!tg)
		return ERR_PTR(-ENOMEM);
	tg->dg = dg;
	tg->state = KTGT_ALUA_ACTIVE;
	INIT_LIST_HEAD(&tg->ports);
	config_group_init_type_name(&tg->group, name, &ktgt_alua_tg_type);
	config_group_init_type_name(&tg->targets_group, "targets",
				    &ktgt_alua_ports_type);
	configfs_add_default_group(&tg->targets_group, &tg->group);

	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	if (dg->nr_tgs >= KTGT_ALUA_MAX_TPGS) {
		ret = -ENOSPC;
	} else {
		list_add_tail_rcu(&tg->node, &dg->tgs);
		dg->nr_tgs++;
	}
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
	if (ret) {
		config_item_put(&tg->group.cg_item);
		return ERR_PTR(ret);
	}
	return &tg->group;
}

/* rmdir: configfs has checked that targets/ is empty. */
static void ktgt_alua_tg_drop(struct config_group *group,
			      struct config_item *item)
{
	struct ktgt_alua_tg *tg = to_tg(item);

	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	list_del_rcu(&tg->node);
	tg->dg->nr_tgs--;
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
	config_item_put(item);
}

static struct configfs_group_operations ktgt_alua_tgs_group_ops = {
	.make_group	= ktgt_alua_tg_make,
	.drop_item	= ktgt_alua_tg_drop,
};

static const struct config_item_type ktgt_alua_tgs_type = {
	.ct_group_ops	= &ktgt_alua_tgs_group_ops,
	.ct_owner	= THIS_MODULE,
};

/*
 * ---------------------------------------------------------------------
 * configfs: alua/<dg> and its devices/
 * ---------------------------------------------------------------------
 */

/* devices/<dev> -> handlers/<h>/<dev> */
static int ktgt_alua_dev_allow_link(struct config_item *src,
				    struct config_item *target)
{
	struct ktgt_alua_dg *dg = container_of(to_config_group(src),
					       struct ktgt_alua_dg,
					       devices_group);
	struct ktgt_device *dev = ktgt_device_from_link(target);
	int ret = 0;

	if (!dev)
		return -EINVAL;
	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	if (rcu_access_pointer(dev->alua_dg)) {
		ret = -EBUSY;	/* in at most one device group */
	} else {
		rcu_assign_pointer(dev->alua_dg, dg);
		ktgt_ua_raise_device(dev, KTGT_UA_INQUIRY_CHANGED);
	}
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
	return ret;
}

static void ktgt_alua_dev_drop_link(struct config_item *src,
				    struct config_item *target)
{
	struct ktgt_alua_dg *dg = container_of(to_config_group(src),
					       struct ktgt_alua_dg,
					       devices_group);
	struct ktgt_device *dev = ktgt_device_from_link(target);

	if (!dev)
		return;
	mutex_lock(&ktgt_cfg_mutex);
	mutex_lock(&ktgt_alua_mutex);
	if (rcu_access_pointer(dev->alua_dg) == dg) {
		RCU_INIT_POINTER(dev->alua_dg, NULL);
		ktgt_ua_raise_device(dev, KTGT_UA_INQUIRY_CHANGED);
	}
	mutex_unlock(&ktgt_alua_mutex);
	mutex_unlock(&ktgt_cfg_mutex);
}

static struct configfs_item_operations ktgt_alua_devs_item_ops = {
	.allow_link	= ktgt_alua_dev_allow_link,
	.drop_link	= ktgt_alua_dev_drop_link,
};

static const struct config_item_type ktgt_alua_devs_type = {
	.ct_item_ops	= &ktgt_alua_devs_item_ops,
	.ct_owner	= THIS_MODULE,
};

static struct ktgt_alua_dg *to_dg(struct config_item *item)
{
	return container_of(to_config_group(item), struct ktgt_alua_dg, group);
}

static void ktgt_alua_dg_release(struct config_item *item)
{
	kfree_rcu(to_dg(item), rcu);
}

static struct configfs_item_operations ktgt_alua_dg_item_ops = {
	.release	= ktgt_alua_dg_release,
};

static const struct config_item_type ktgt_alua_dg_type = {
	.ct_item_ops	= &ktgt_alua_dg_item_ops,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *ktgt_alua_dg_make(struct config_group *group,
					      const char *name)
{
	struct ktgt_alua_dg *dg;

	dg = kzalloc(sizeof(*dg), GFP_KERNEL);
	if (!dg)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&dg->tgs);
	config_group_init_type_name(&dg->group, name, &ktgt_alua_dg_type);
	config_group_init_type_name(&dg->devices_group, "devices",
				    &ktgt_alua_devs_type);
	configfs_add_default_group(&dg->devices_group, &dg->group);
	config_group_init_type_name(&dg->tgs_group, "target_groups",
				    &ktgt_alua_tgs_type);
	configfs_add_default_group(&dg->tgs_group, &dg->group);
	return &dg->group;
}

/* rmdir: configfs has checked that no device link or group is left. */
static void ktgt_alua_dg_drop(struct config_group *group,
			      struct config_item *item)
{
	config_item_put(item);
}

static struct configfs_group_operations ktgt_alua_root_group_ops = {
	.make_group	= ktgt_alua_dg_make,
	.drop_item	= ktgt_alua_dg_drop,
};

static const struct config_item_type ktgt_alua_root_type = {
	.ct_group_ops	= &ktgt_alua_root_group_ops,
	.ct_owner	= THIS_MODULE,
};

/* Protected by configfs itself: set up once before registration. */
struct config_group ktgt_alua_group;

void ktgt_alua_configfs_init(void)
{
	config_group_init_type_name(&ktgt_alua_group, "alua",
				    &ktgt_alua_root_type);
}
