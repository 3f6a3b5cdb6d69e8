// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: unit attention conditions (SAM-5 5.14, SPC-4 5.14).
 *
 * Every I_T_L nexus (struct ktgt_tgt_dev) has a queue of pending unit
 * attention conditions, highest priority first, each condition at most
 * once. Configuration changes raise them (under ktgt_cfg_mutex, so the
 * queue entries are allocated with GFP_KERNEL); commands consume them on
 * the command path, in any context.
 *
 * Delivery follows UA_INTLCK_CTRL = 00b: a command that is not allowed
 * with a pending unit attention (everything but INQUIRY, REPORT LUNS and
 * REQUEST SENSE) completes with CHECK CONDITION, UNIT ATTENTION and the
 * highest priority condition, which is dequeued; REQUEST SENSE returns it
 * as its parameter data and dequeues it; REPORT LUNS clears REPORTED LUNS
 * DATA HAS CHANGED on every nexus of its session.
 *
 * Locking: td->ua_lock protects td->ua_list. It is taken with
 * spin_lock_irqsave() everywhere, because commands may be submitted from
 * atomic context and completed from interrupts. It nests inside
 * sess->lock and is never held while taking another lock or allocating.
 *
 * Lifetime: a struct ktgt_tgt_dev lives in its session's tgt_devs from
 * the moment its LUN becomes visible to the session until the LUN is
 * removed or the session regrouped or destroyed; commands find it with
 * xa_load() under rcu_read_lock() and never keep it past
 * rcu_read_unlock(), so it is freed after a grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "sense.h"

/*
 * Conditions, by code: the public kinds (enum ktgt_ua_kind) first, then
 * the ones only the core raises.
 */
#define KTGT_UA_CODE_LU_RESET	(KTGT_UA_MODE_CHANGED + 1)
#define KTGT_UA_NR_CODES	(KTGT_UA_CODE_LU_RESET + 1)

/**
 * struct ktgt_ua_code - how a condition is reported
 * @asc: additional sense code
 * @ascq: additional sense code qualifier
 * @prio: delivery priority, 0 first. Conditions of the same priority
 *	are the same event seen differently (a power on and a reset): only
 *	one of them is queued at a time.
 */
struct ktgt_ua_code {
	u8 asc;
	u8 ascq;
	u8 prio;
};

static const struct ktgt_ua_code ktgt_ua_codes[KTGT_UA_NR_CODES] = {
	/* POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
	[KTGT_UA_POWER_ON]		= { 0x29, 0x00, 0 },
	/* BUS DEVICE RESET FUNCTION OCCURRED */
	[KTGT_UA_CODE_LU_RESET]		= { 0x29, 0x03, 0 },
	/* CAPACITY DATA HAS CHANGED */
	[KTGT_UA_CAPACITY_CHANGED]	= { 0x2a, 0x09, 1 },
	/* REPORTED LUNS DATA HAS CHANGED */
	[KTGT_UA_REPORTED_LUNS_CHANGED]	= { 0x3f, 0x0e, 2 },
	/* INQUIRY DATA HAS CHANGED */
	[KTGT_UA_INQUIRY_CHANGED]	= { 0x3f, 0x03, 3 },
	/* MODE PARAMETERS CHANGED */
	[KTGT_UA_MODE_CHANGED]		= { 0x2a, 0x01, 4 },
};

/**
 * struct ktgt_ua - a pending unit attention condition
 * @node: in ktgt_tgt_dev.ua_list, under its ua_lock
 * @code: index in ktgt_ua_codes
 */
struct ktgt_ua {
	struct list_head	node;
	unsigned int		code;
};

/**
 * struct ktgt_tgt_dev_rcu - an I_T_L nexus as allocated here
 * @td: the nexus
 * @rcu: for freeing it after the commands that found it are done
 */
struct ktgt_tgt_dev_rcu {
	struct ktgt_tgt_dev	td;
	struct rcu_head		rcu;
};

struct ktgt_tgt_dev *ktgt_tgt_dev_alloc(u64 lun, gfp_t gfp)
{
	struct ktgt_tgt_dev_rcu *t = kzalloc(sizeof(*t), gfp);

	if (!t)
		return NULL;
	t->td.lun = lun;
	spin_lock_init(&t->td.ua_lock);
	INIT_LIST_HEAD(&t->td.ua_list);
	return &t->td;
}

void ktgt_tgt_dev_free(struct ktgt_tgt_dev *td)
{
	struct ktgt_tgt_dev_rcu *t = container_of(td, struct ktgt_tgt_dev_rcu,
						  td);
	struct ktgt_ua *ua, *tmp;
	unsigned long flags;
	LIST_HEAD(list);

	if (!td)
		return;
	spin_lock_irqsave(&td->ua_lock, flags);
	list_splice_init(&td->ua_list, &list);
	spin_unlock_irqrestore(&td->ua_lock, flags);
	list_for_each_entry_safe(ua, tmp, &list, node)
		kfree(ua);
	kfree_rcu(t, rcu);
}

/* Queue condition @code on @td unless it (or its equivalent) is pending. */
static void ktgt_ua_queue_code(struct ktgt_tgt_dev *td, unsigned int code)
{
	const struct ktgt_ua_code *c = &ktgt_ua_codes[code];
	struct ktgt_ua *ua, *pos;
	unsigned long flags;

	/* On failure the initiator misses this condition; nothing else. */
	ua = kmalloc(sizeof(*ua), GFP_KERNEL);
	if (!ua)
		return;
	ua->code = code;

	spin_lock_irqsave(&td->ua_lock, flags);
	list_for_each_entry(pos, &td->ua_list, node) {
		const struct ktgt_ua_code *p = &ktgt_ua_codes[pos->code];

		if (p->prio == c->prio) {
			/* Already pending. */
			spin_unlock_irqrestore(&td->ua_lock, flags);
			kfree(ua);
			return;
		}
		if (p->prio > c->prio)
			break;
	}
	/* Before the first lower priority entry, or at the tail. */
	list_add_tail(&ua->node, &pos->node);
	spin_unlock_irqrestore(&td->ua_lock, flags);
}

void ktgt_ua_queue(struct ktgt_tgt_dev *td, enum ktgt_ua_kind kind)
{
	if (WARN_ON_ONCE((unsigned int)kind >= KTGT_UA_CODE_LU_RESET))
		return;
	ktgt_ua_queue_code(td, kind);
}

bool ktgt_ua_take(struct ktgt_tgt_dev *td, struct ktgt_sense_info *sense)
{
	const struct ktgt_ua_code *c;
	struct ktgt_ua *ua;
	unsigned long flags;

	spin_lock_irqsave(&td->ua_lock, flags);
	ua = list_first_entry_or_null(&td->ua_list, struct ktgt_ua, node);
	if (ua)
		list_del(&ua->node);
	spin_unlock_irqrestore(&td->ua_lock, flags);
	if (!ua)
		return false;

	c = &ktgt_ua_codes[ua->code];
	ktgt_sense_set(sense, KTGT_KEY_UNIT_ATTENTION, c->asc, c->ascq);
	kfree(ua);
	return true;
}

bool ktgt_ua_pending(struct ktgt_tgt_dev *td)
{
	/* A racy peek is fine: ktgt_ua_take() decides under the lock. */
	return !list_empty_careful(&td->ua_list);
}

void ktgt_ua_clear_session(struct ktgt_session *sess, enum ktgt_ua_kind kind)
{
	struct ktgt_tgt_dev *td;
	struct ktgt_ua *ua, *found;
	unsigned long flags, idx;

	rcu_read_lock();
	xa_for_each(&sess->tgt_devs, idx, td) {
		found = NULL;
		spin_lock_irqsave(&td->ua_lock, flags);
		list_for_each_entry(ua, &td->ua_list, node) {
			if (ua->code == (unsigned int)kind) {
				list_del(&ua->node);
				found = ua;
				break;
			}
		}
		spin_unlock_irqrestore(&td->ua_lock, flags);
		kfree(found);
	}
	rcu_read_unlock();
}

/* Every I_T_L nexus of the sessions seeing @set; ktgt_cfg_mutex held. */
static void ktgt_ua_raise_set_code(struct ktgt_lun_set *set, unsigned int code)
{
	struct ktgt_target *tgt = set->tgt;
	struct ktgt_session *sess;
	struct ktgt_tgt_dev *td;
	unsigned long idx;

	lockdep_assert_held(&ktgt_cfg_mutex);
	/* tgt->sessions only changes under ktgt_cfg_mutex too. */
	list_for_each_entry(sess, &tgt->sessions, node) {
		if (rcu_dereference_protected(sess->lun_set,
					      lockdep_is_held(&ktgt_cfg_mutex)) != set)
			continue;
		xa_for_each(&sess->tgt_devs, idx, td)
			ktgt_ua_queue_code(td, code);
	}
}

void ktgt_ua_raise_lun_set(struct ktgt_lun_set *set, enum ktgt_ua_kind kind)
{
	if (WARN_ON_ONCE((unsigned int)kind >= KTGT_UA_CODE_LU_RESET))
		return;
	ktgt_ua_raise_set_code(set, kind);
}

/* Every I_T_L nexus through which @dev is seen; ktgt_cfg_mutex held. */
static void ktgt_ua_raise_device_code(struct ktgt_device *dev,
				      unsigned int code)
{
	struct ktgt_session *sess;
	struct ktgt_lun_set *set;
	struct ktgt_tgt_dev *td;
	struct ktgt_lun *lun;
	unsigned long id, idx;

	lockdep_assert_held(&ktgt_cfg_mutex);
	xa_for_each(&ktgt_sessions, id, sess) {
		set = rcu_dereference_protected(sess->lun_set,
						lockdep_is_held(&ktgt_cfg_mutex));
		if (!set)
			continue;
		xa_for_each(&set->luns, idx, lun) {
			if (lun->dev != dev)
				continue;
			td = xa_load(&sess->tgt_devs, idx);
			if (td)
				ktgt_ua_queue_code(td, code);
		}
	}
}

void ktgt_ua_raise_device(struct ktgt_device *dev, enum ktgt_ua_kind kind)
{
	if (WARN_ON_ONCE((unsigned int)kind >= KTGT_UA_CODE_LU_RESET))
		return;
	ktgt_ua_raise_device_code(dev, kind);
}

void ktgt_ua_raise_lu_reset(struct ktgt_device *dev)
{
	ktgt_ua_raise_device_code(dev, KTGT_UA_CODE_LU_RESET);
}
