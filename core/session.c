// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: sessions (I_T nexuses) and their I_T_L nexuses.
 *
 * A target driver creates a session for every initiator port that logs
 * in to one of its targets. The session sees one LUN set: the first
 * initiator group of the target with a pattern matching the initiator
 * name, else the target's default set. For every LUN of that set it has
 * an I_T_L nexus (struct ktgt_tgt_dev, in sess->tgt_devs) with its unit
 * attention queue; a new nexus starts with POWER ON, RESET, OR BUS DEVICE
 * RESET OCCURRED.
 *
 * Lists and locks
 * ---------------
 * Sessions are in their target's tgt->sessions (under ktgt_cfg_mutex and
 * tgt->sess_lock: either is enough to walk it) and in ktgt_sessions, an
 * allocating xarray by id (under ktgt_cfg_mutex and its xa_lock; task
 * management walks it under the xa_lock). sess->lun_set and
 * sess->tgt_devs change only under ktgt_cfg_mutex; commands read both
 * under rcu_read_lock().
 *
 * Lifetime
 * --------
 * ktgt_session_create() to ktgt_session_destroy(); the memory belongs to
 * the session's kobject (/sys/kernel/ktgt/sessions/<id>/) and is freed by
 * its release. Destroy marks the session dying (new commands end with
 * TASK ABORTED), aborts the commands that have not started executing,
 * waits until the driver has released every command (sess->all_done,
 * completed by the last ->free_cmd()) and every TMF submitted on it has
 * had its ->tmf_done() (sess->nr_tmfs, sess->tmfs_done), and only then
 * unlinks and frees the session. The driver must keep answering ->rdy_to_xfer() and
 * ->xmit_response() (with ktgt_cmd_rx_done() / ktgt_cmd_xmit_done(),
 * errors allowed) until destroy returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>
#include <asm/unaligned.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"

/* The most commands one session may have in the core at a time. */
#define KTGT_MAX_QUEUE_DEPTH	65535

static unsigned int sess_queue_depth = 128;
module_param(sess_queue_depth, uint, 0644);
MODULE_PARM_DESC(sess_queue_depth,
		 "commands a new session may have outstanding before TASK SET FULL (default 128)");

DEFINE_XARRAY_ALLOC1(ktgt_sessions);
/*
 * The next session id to try, under ktgt_cfg_mutex:
 * ids are allocated cyclically, so an ended session's id is not given to
 * the next one (EXTENDED COPY results and sysfs names key on it).
 */
static u32 sess_next_id;

/**
 * struct ktgt_session_tid - the initiator port of a session for
 *	persistent reservations, as ktgt_session_port_id() returns it
 * @proto: its PROTOCOL IDENTIFIER (KTGT_PROTO_*)
 * @port: its name
 */
struct ktgt_session_tid {
	u8			proto;
	char			port[];
};

/**
 * struct ktgt_session_node - a session as allocated here
 * @sess: the session
 * @task_set_full: commands answered with TASK SET FULL
 * @busy: commands answered with BUSY
 * @tid: the initiator port for persistent reservations, or NULL for the
 *	initiator name. Other sessions' commands read it (persistent
 *	reservation walks, which take no lock of this session), so it is
 *	written only whole and only once: by ktgt_session_create_port()
 *	before the session is visible (in ktgt_sessions and its target's
 *	list), which is the way to name the port, or later by
 *	ktgt_session_set_transport_id(), which publishes it with
 *	cmpxchg() and never replaces it. Read with smp_load_acquire()
 *	(ktgt_session_port_id()); freed with the session.
 */
struct ktgt_session_node {
	struct ktgt_session	sess;
	atomic_long_t		task_set_full;
	atomic_long_t		busy;
	struct ktgt_session_tid	*tid;
};

static inline struct ktgt_session_node *to_node(struct ktgt_session *sess)
{
	return container_of(sess, struct ktgt_session_node, sess);
}

unsigned int ktgt_session_queue_depth(void)
{
	return clamp_t(unsigned int, READ_ONCE(sess_queue_depth), 1,
		       KTGT_MAX_QUEUE_DEPTH);
}

void ktgt_session_count_status(struct ktgt_session *sess, u8 status)
{
	if (status == KTGT_SAM_TASK_SET_FULL)
		atomic_long_inc(&to_node(sess)->task_set_full);
	else if (status == KTGT_SAM_BUSY)
		atomic_long_inc(&to_node(sess)->busy);
}

void *ktgt_session_priv(const struct ktgt_session *sess)
{
	return sess->priv;
}
EXPORT_SYMBOL_GPL(ktgt_session_priv);

const char *ktgt_session_initiator(const struct ktgt_session *sess)
{
	return sess->initiator;
}
EXPORT_SYMBOL_GPL(ktgt_session_initiator);

/* A TransportID's port name, or an ERR_PTR(). */
static struct ktgt_session_tid *sess_tid_alloc(u8 proto, const char *port)
{
	struct ktgt_session_tid *tid;
	size_t len;

	if (!port || !*port)
		return ERR_PTR(-EINVAL);
	len = strlen(port);
	if (len > 255)
		return ERR_PTR(-EINVAL);
	tid = kmalloc(struct_size(tid, port, len + 1), GFP_KERNEL);
	if (!tid)
		return ERR_PTR(-ENOMEM);
	tid->proto = proto & 0x0f;
	memcpy(tid->port, port, len + 1);
	return tid;
}

int ktgt_session_set_transport_id(struct ktgt_session *sess, u8 proto,
				  const char *port)
{
	struct ktgt_session_tid *tid;

	might_sleep();
	tid = sess_tid_alloc(proto, port);
	if (IS_ERR(tid))
		return PTR_ERR(tid);
	/* Whole, once: readers hold on to what they read. */
	if (cmpxchg(&to_node(sess)->tid, NULL, tid)) {
		kfree(tid);
		return -EBUSY;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(ktgt_session_set_transport_id);

void ktgt_session_set_tpgt(struct ktgt_session *sess, u16 tpgt)
{
	WRITE_ONCE(sess->tpgt, tpgt);
	WRITE_ONCE(sess->has_tpgt, true);
}
EXPORT_SYMBOL_GPL(ktgt_session_set_tpgt);

const char *ktgt_session_port_id(const struct ktgt_session *sess, u8 *proto)
{
	const struct ktgt_session_node *node =
		container_of(sess, struct ktgt_session_node, sess);
	/* Pairs with the cmpxchg() of ktgt_session_set_transport_id(). */
	const struct ktgt_session_tid *tid = smp_load_acquire(&node->tid);

	if (proto)
		*proto = tid ? tid->proto : KTGT_PROTO_NONE;
	return tid ? tid->port : sess->initiator;
}

/*
 * ---------------------------------------------------------------------
 * I_T_L nexuses
 * ---------------------------------------------------------------------
 */

static struct ktgt_lun_set *sess_set(struct ktgt_session *sess)
{
	return rcu_dereference_protected(sess->lun_set,
					 lockdep_is_held(&ktgt_cfg_mutex));
}

/*
 * Give @sess a fresh nexus for LUN @lun, starting with unit attention
 * @kind, replacing any it had. ktgt_cfg_mutex held.
 */
static int sess_add_nexus(struct ktgt_session *sess, u64 lun,
			  enum ktgt_ua_kind kind)
{
	struct ktgt_tgt_dev *td, *old;

	td = ktgt_tgt_dev_alloc(lun, GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	ktgt_ua_queue(sess, td, kind);
	old = xa_store(&sess->tgt_devs, (unsigned long)lun, td, GFP_KERNEL);
	if (xa_is_err(old)) {
		ktgt_tgt_dev_free(td);
		return xa_err(old);
	}
	ktgt_tgt_dev_free(old);
	return 0;
}

static void sess_del_nexus(struct ktgt_session *sess, u64 lun)
{
	ktgt_tgt_dev_free(xa_erase(&sess->tgt_devs, (unsigned long)lun));
}

static void sess_del_all_nexuses(struct ktgt_session *sess)
{
	struct ktgt_tgt_dev *td;
	unsigned long idx;

	xa_for_each(&sess->tgt_devs, idx, td)
		ktgt_tgt_dev_free(xa_erase(&sess->tgt_devs, idx));
}

/* Queue @kind on every nexus of @sess but LUN @except (-1: none). */
static void sess_ua_all(struct ktgt_session *sess, enum ktgt_ua_kind kind,
			unsigned long except)
{
	struct ktgt_tgt_dev *td;
	unsigned long idx;

	xa_for_each(&sess->tgt_devs, idx, td)
		if (idx != except)
			ktgt_ua_queue(sess, td, kind);
}

void ktgt_sessions_lun_nexus(struct ktgt_lun_set *set, u64 lun, bool add)
{
	struct ktgt_session *sess;

	lockdep_assert_held(&ktgt_cfg_mutex);
	list_for_each_entry(sess, &set->tgt->sessions, node) {
		if (sess_set(sess) != set)
			continue;
		if (!add)
			sess_del_nexus(sess, lun);
		else if (sess_add_nexus(sess, lun, KTGT_UA_POWER_ON))
			pr_warn("session %llu: no memory for LUN %llu's unit attention state\n",
				sess->id, lun);
	}
}

/*
 * The new LUN's own nexus too: the logical unit inventory of the I_T
 * nexus changed, and where the LUN is the session's only one (a LUN
 * unmapped and mapped again, to another device, say) its nexus is the
 * only place the initiator can learn that from. It comes after the
 * nexus' POWER ON (priority order), and REPORT LUNS clears it.
 */
void ktgt_sessions_lun_added(struct ktgt_lun_set *set, struct ktgt_lun *lun)
{
	struct ktgt_session *sess;

	lockdep_assert_held(&ktgt_cfg_mutex);
	list_for_each_entry(sess, &set->tgt->sessions, node)
		if (sess_set(sess) == set)
			sess_ua_all(sess, KTGT_UA_REPORTED_LUNS_CHANGED, -1UL);
}

void ktgt_sessions_lun_removed(struct ktgt_lun_set *set, u64 lun)
{
	struct ktgt_session *sess;

	lockdep_assert_held(&ktgt_cfg_mutex);
	list_for_each_entry(sess, &set->tgt->sessions, node) {
		if (sess_set(sess) != set)
			continue;
		sess_del_nexus(sess, lun);
		sess_ua_all(sess, KTGT_UA_REPORTED_LUNS_CHANGED, -1UL);
	}
}

void ktgt_sessions_lun_ua(struct ktgt_lun_set *set, u64 lun,
			  enum ktgt_ua_kind kind)
{
	struct ktgt_session *sess;
	struct ktgt_tgt_dev *td;

	lockdep_assert_held(&ktgt_cfg_mutex);
	list_for_each_entry(sess, &set->tgt->sessions, node) {
		if (sess_set(sess) != set)
			continue;
		td = xa_load(&sess->tgt_devs, (unsigned long)lun);
		if (td)
			ktgt_ua_queue(sess, td, kind);
	}
}

/*
 * Move @sess to LUN set @set: REPORTED LUNS DATA HAS CHANGED on a nexus
 * per LUN of it. Where the LUN number maps the same device as before,
 * the nexus stays, with its pending unit attentions and medium removal
 * prevention: the I_T_L nexus is the same; if the LUN's read_only
 * differs, the WP bit changed (MODE PARAMETERS CHANGED, as for a
 * read_only store). Where the number is new to the session or now maps
 * another device, a fresh nexus gets POWER ON as well.
 */
static void sess_switch_set(struct ktgt_session *sess,
			    struct ktgt_lun_set *set)
{
	struct ktgt_lun_set *old = sess_set(sess);
	struct ktgt_lun *lun, *was;
	struct ktgt_tgt_dev *td;
	unsigned long idx;

	xa_for_each(&set->luns, idx, lun) {
		was = old ? xa_load(&old->luns, idx) : NULL;
		td = xa_load(&sess->tgt_devs, idx);
		if (td && was && was->dev == lun->dev) {
			ktgt_ua_queue(sess, td, KTGT_UA_REPORTED_LUNS_CHANGED);
			if (was->read_only != lun->read_only &&
			    !lun->dev->params.read_only)
				ktgt_ua_queue(sess, td, KTGT_UA_MODE_CHANGED);
			continue;
		}
		if (sess_add_nexus(sess, lun->lun,
				   KTGT_UA_REPORTED_LUNS_CHANGED)) {
			pr_warn("session %llu: no memory for LUN %llu's unit attention state\n",
				sess->id, lun->lun);
			continue;
		}
		if (!was || was->dev != lun->dev) {
			td = xa_load(&sess->tgt_devs, idx);
			ktgt_ua_queue(sess, td, KTGT_UA_POWER_ON);
		}
	}
	xa_for_each(&sess->tgt_devs, idx, td)
		if (!xa_load(&set->luns, idx))
			sess_del_nexus(sess, idx);
	rcu_assign_pointer(sess->lun_set, set);
}

void ktgt_sessions_regroup(struct ktgt_target *tgt)
{
	struct ktgt_session *sess;
	struct ktgt_lun_set *set;

	lockdep_assert_held(&ktgt_cfg_mutex);
	list_for_each_entry(sess, &tgt->sessions, node) {
		set = ktgt_lun_set_for_target(tgt, sess->initiator);
		if (set != sess_set(sess))
			sess_switch_set(sess, set);
	}
}

/*
 * ---------------------------------------------------------------------
 * REPORT LUNS
 * ---------------------------------------------------------------------
 */

/* Copy @n bytes of @src to offset @off of @buf, as far as @len allows. */
static void put_clipped(u8 *buf, u32 len, u32 off, const u8 *src, u32 n)
{
	if (off >= len)
		return;
	memcpy(buf + off, src, min(n, len - off));
}

u32 ktgt_report_luns(struct ktgt_session *sess, u8 *buf, u32 len)
{
	struct ktgt_lun_set *set;
	struct ktgt_lun *lun;
	unsigned long idx;
	u32 n = 0;
	u8 ent[8];

	rcu_read_lock();
	set = rcu_dereference(sess->lun_set);
	if (set) {
		xa_for_each(&set->luns, idx, lun) {
			/* SAM-5 4.7.7 single level: peripheral or flat. */
			memset(ent, 0, sizeof(ent));
			if (idx < 256) {
				ent[1] = idx;
			} else if (idx <= 0x3fff) {
				ent[0] = 0x40 | (idx >> 8);
				ent[1] = idx & 0xff;
			} else {
				continue;
			}
			put_clipped(buf, len, 8 + n * 8, ent, sizeof(ent));
			n++;
		}
	}
	rcu_read_unlock();

	memset(ent, 0, sizeof(ent));
	put_unaligned_be32(n * 8, ent);		/* LUN LIST LENGTH */
	put_clipped(buf, len, 0, ent, sizeof(ent));
	return 8 + n * 8;
}

/*
 * ---------------------------------------------------------------------
 * sysfs: /sys/kernel/ktgt/sessions/<id>/
 * ---------------------------------------------------------------------
 */

static struct ktgt_session *kobj_to_sess(struct kobject *kobj)
{
	return container_of(kobj, struct ktgt_session, kobj);
}

static ssize_t initiator_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_to_sess(kobj)->initiator);
}

static ssize_t target_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  ktgt_target_name(kobj_to_sess(kobj)->tgt));
}

static ssize_t driver_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_to_sess(kobj)->tgt->tt->name);
}

static ssize_t nr_cmds_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(kobj_to_sess(kobj)->nr_cmds));
}

static ssize_t queue_depth_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(kobj_to_sess(kobj)->queue_depth));
}

static ssize_t queue_depth_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(buf, 0, &v);
	if (ret)
		return ret;
	if (!v || v > KTGT_MAX_QUEUE_DEPTH)
		return -EINVAL;
	WRITE_ONCE(kobj_to_sess(kobj)->queue_depth, v);
	return count;
}

static ssize_t luns_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct ktgt_session *sess = kobj_to_sess(kobj);
	struct ktgt_lun_set *set;
	struct ktgt_lun *lun;
	unsigned long idx;
	bool cut = false;
	char num[24];
	int len = 0, n;

	rcu_read_lock();
	set = rcu_dereference(sess->lun_set);
	if (set)
		xa_for_each(&set->luns, idx, lun) {
			n = snprintf(num, sizeof(num), "%s%lu", len ? " " : "",
				     idx);
			/* Room for this, " ...", the newline and the NUL. */
			if (len + n + 6 > PAGE_SIZE) {
				cut = true;
				break;
			}
			len += sysfs_emit_at(buf, len, "%s", num);
		}
	rcu_read_unlock();
	if (cut)
		len += sysfs_emit_at(buf, len, "%s...", len ? " " : "");
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static ssize_t task_set_full_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(kobj_to_sess(kobj))->task_set_full));
}

static ssize_t busy_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_node(kobj_to_sess(kobj))->busy));
}

static struct kobj_attribute ktgt_sess_initiator_attr = __ATTR_RO(initiator);
static struct kobj_attribute ktgt_sess_target_attr = __ATTR_RO(target);
static struct kobj_attribute ktgt_sess_driver_attr = __ATTR_RO(driver);
static struct kobj_attribute ktgt_sess_nr_cmds_attr = __ATTR_RO(nr_cmds);
static struct kobj_attribute ktgt_sess_queue_depth_attr =
	__ATTR_RW(queue_depth);
static struct kobj_attribute ktgt_sess_luns_attr = __ATTR_RO(luns);
static struct kobj_attribute ktgt_sess_task_set_full_attr =
	__ATTR_RO(task_set_full);
static struct kobj_attribute ktgt_sess_busy_attr = __ATTR_RO(busy);

static struct attribute *ktgt_sess_attrs[] = {
	&ktgt_sess_initiator_attr.attr,
	&ktgt_sess_target_attr.attr,
	&ktgt_sess_driver_attr.attr,
	&ktgt_sess_nr_cmds_attr.attr,
	&ktgt_sess_queue_depth_attr.attr,
	&ktgt_sess_luns_attr.attr,
	&ktgt_sess_task_set_full_attr.attr,
	&ktgt_sess_busy_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ktgt_sess);

static void ktgt_sess_release(struct kobject *kobj)
{
	struct ktgt_session *sess = kobj_to_sess(kobj);

	xa_destroy(&sess->tgt_devs);
	kfree(sess->initiator);
	kfree(to_node(sess)->tid);
	kfree(to_node(sess));
}

static const struct kobj_type ktgt_sess_ktype = {
	.release	= ktgt_sess_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= ktgt_sess_groups,
};

/*
 * ---------------------------------------------------------------------
 * Creation and destruction
 * ---------------------------------------------------------------------
 */

struct ktgt_session *ktgt_session_create_port(struct ktgt_target *tgt,
					      const char *initiator, u8 proto,
					      const char *port, void *priv)
{
	struct ktgt_session_tid *tid = NULL;
	struct ktgt_session_node *node;
	struct ktgt_session *sess;
	struct ktgt_lun_set *set;
	struct ktgt_lun *lun;
	unsigned long idx;
	u32 id;
	int ret;

	might_sleep();
	if (!tgt || !initiator)
		return ERR_PTR(-EINVAL);
	if (port) {
		tid = sess_tid_alloc(proto, port);
		if (IS_ERR(tid))
			return ERR_CAST(tid);
	}

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node) {
		kfree(tid);
		return ERR_PTR(-ENOMEM);
	}
	/* Before the session is visible: see struct ktgt_session_node. */
	node->tid = tid;
	sess = &node->sess;
	sess->tgt = tgt;
	sess->priv = priv;
	xa_init(&sess->tgt_devs);
	spin_lock_init(&sess->lock);
	INIT_LIST_HEAD(&sess->cmds);
	init_completion(&sess->all_done);
	init_waitqueue_head(&sess->tmfs_done);
	INIT_LIST_HEAD(&sess->node);
	sess->queue_depth = ktgt_session_queue_depth();
	atomic_long_set(&node->task_set_full, 0);
	atomic_long_set(&node->busy, 0);
	/* From here on the kobject's release frees the session. */
	kobject_init(&sess->kobj, &ktgt_sess_ktype);

	sess->initiator = kstrdup(initiator, GFP_KERNEL);
	if (!sess->initiator) {
		ret = -ENOMEM;
		goto out_put;
	}

	mutex_lock(&ktgt_cfg_mutex);
	if (!READ_ONCE(tgt->enabled)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/*
	 * The id first, reserved (lookups and walks see no session there
	 * yet): the POWER ON unit attention events of the new nexuses name
	 * the session by it.
	 */
	ret = xa_alloc_cyclic(&ktgt_sessions, &id, NULL, xa_limit_32b,
			      &sess_next_id, GFP_KERNEL);
	if (ret < 0)
		goto out_unlock;
	sess->id = id;
	set = ktgt_lun_set_for_target(tgt, sess->initiator);
	xa_for_each(&set->luns, idx, lun) {
		ret = sess_add_nexus(sess, lun->lun, KTGT_UA_POWER_ON);
		if (ret)
			goto out_nexus;
	}

	/* A reserved entry takes its pointer without allocating. */
	ret = xa_err(xa_store(&ktgt_sessions, id, sess, GFP_KERNEL));
	if (ret)
		goto out_nexus;
	ret = kobject_add(&sess->kobj, ktgt_sysfs_sessions, "%u", id);
	if (ret)
		goto out_nexus;

	rcu_assign_pointer(sess->lun_set, set);
	spin_lock(&tgt->sess_lock);
	list_add_tail(&sess->node, &tgt->sessions);
	spin_unlock(&tgt->sess_lock);
	mutex_unlock(&ktgt_cfg_mutex);

	ktgt_adm_session_created(sess);
	pr_debug("session %u: %s on %s\n", id, sess->initiator,
		 ktgt_target_name(tgt));
	return sess;

out_nexus:
	sess_del_all_nexuses(sess);
	xa_erase(&ktgt_sessions, id);
out_unlock:
	mutex_unlock(&ktgt_cfg_mutex);
out_put:
	kobject_put(&sess->kobj);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(ktgt_session_create_port);

struct ktgt_session *ktgt_session_create(struct ktgt_target *tgt,
					 const char *initiator, void *priv)
{
	return ktgt_session_create_port(tgt, initiator, KTGT_PROTO_NONE, NULL,
					priv);
}
EXPORT_SYMBOL_GPL(ktgt_session_create);

/*
 * Whether every TMF submitted on @sess has had its ->tmf_done(). Under
 * sess->lock: the TMF worker wakes the destroyer under it and then
 * unlocks, its last access to the session.
 */
static bool sess_tmfs_idle(struct ktgt_session *sess)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&sess->lock, flags);
	idle = !sess->nr_tmfs;
	spin_unlock_irqrestore(&sess->lock, flags);
	return idle;
}

void ktgt_session_destroy(struct ktgt_session *sess)
{
	struct ktgt_target *tgt = sess->tgt;
	unsigned long flags;
	bool busy;

	might_sleep();
	spin_lock_irqsave(&sess->lock, flags);
	sess->dying = true;
	busy = sess->nr_cmds != 0;
	spin_unlock_irqrestore(&sess->lock, flags);

	ktgt_cmd_abort_session(sess);
	if (busy) {
		while (!wait_for_completion_timeout(&sess->all_done, 10 * HZ))
			pr_warn("session %llu (%s): waiting for %u commands\n",
				sess->id, sess->initiator,
				READ_ONCE(sess->nr_cmds));
	}
	while (!wait_event_timeout(sess->tmfs_done, sess_tmfs_idle(sess),
				   10 * HZ))
		pr_warn("session %llu (%s): waiting for %u TMFs\n",
			sess->id, sess->initiator, READ_ONCE(sess->nr_tmfs));
	/* I_T nexus loss: its SPC-2 reservations go (SPC-2 5.5.1). */
	ktgt_reserve_nexus_loss(sess);

	mutex_lock(&ktgt_cfg_mutex);
	spin_lock(&tgt->sess_lock);
	list_del_init(&sess->node);
	spin_unlock(&tgt->sess_lock);
	xa_erase(&ktgt_sessions, (unsigned long)sess->id);
	RCU_INIT_POINTER(sess->lun_set, NULL);
	sess_del_all_nexuses(sess);
	mutex_unlock(&ktgt_cfg_mutex);

	pr_debug("session %llu ended\n", sess->id);
	ktgt_adm_session_destroyed(sess);
	kobject_del(&sess->kobj);
	kobject_put(&sess->kobj);
}
EXPORT_SYMBOL_GPL(ktgt_session_destroy);
