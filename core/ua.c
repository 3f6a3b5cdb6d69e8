// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: unit attention conditions (SAM-5 5.14, SPC-4 5.14).
 *
 * Every I_T_L nexus (struct ktgt_tgt_dev) has a queue of pending unit
 * attention conditions, each at most once, reported in priority order:
 * the portable bit set of core/ua_queue.h (host-tested by
 * tests/host/test_ua.c). Queueing allocates nothing, so conditions may be
 * established in any context (task management, the command path).
 *
 * Delivery follows the device's UA_INTLCK_CTRL (control mode page): a
 * command that is not allowed with a pending unit attention (everything
 * but INQUIRY, REPORT LUNS and REQUEST SENSE) completes with CHECK
 * CONDITION, UNIT ATTENTION and the highest priority condition, which is
 * dequeued for 00b and left pending for 10b and 11b; REQUEST SENSE
 * returns it as its parameter data and always dequeues it; REPORT LUNS
 * clears REPORTED LUNS DATA HAS CHANGED on every nexus of its session.
 *
 * The I_T_L nexus also holds the state SPC-4 and MMC-6 keep per nexus
 * for removable media: whether it prevents medium removal (PREVENT ALLOW
 * MEDIUM REMOVAL, executed by core/spc.c) and its pending media event
 * for GET EVENT STATUS NOTIFICATION. A handler reports a medium change
 * with ktgt_device_medium_changed(): NOT READY TO READY CHANGE, MEDIUM
 * MAY HAVE CHANGED and the media event then reach every nexus of the
 * device, not just the first to ask. Every 29h condition (power on, the
 * resets, I_T nexus loss) ends the nexus' prevention as it is queued.
 *
 * Locking: td->ua_lock protects td->ua_pending, td->prevent and
 * td->media_event. It is taken with spin_lock_irqsave() everywhere,
 * because commands may be submitted from atomic context and completed
 * from interrupts. It nests inside sess->lock and is never held while
 * taking another lock. The walks over every nexus of a device that
 * handlers trigger (a medium change, the prevention check) hold no
 * configuration mutex: sessions stay under ktgt_sessions' xa_lock, LUN
 * sets and nexuses under RCU, as in core/alua.c's alua_raise().
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
#include "ua_queue.h"

/* The public kinds, as condition codes of ua_queue.h. */
static const u8 ktgt_ua_kind_code[] = {
	[KTGT_UA_POWER_ON]		= KTGT_UAC_POWER_ON,
	[KTGT_UA_CAPACITY_CHANGED]	= KTGT_UAC_CAPACITY,
	[KTGT_UA_REPORTED_LUNS_CHANGED]	= KTGT_UAC_REPORTED_LUNS,
	[KTGT_UA_INQUIRY_CHANGED]	= KTGT_UAC_INQUIRY,
	[KTGT_UA_MODE_CHANGED]		= KTGT_UAC_MODE,
};

static unsigned int kind_code(enum ktgt_ua_kind kind)
{
	if (WARN_ON_ONCE((unsigned int)kind >= ARRAY_SIZE(ktgt_ua_kind_code)))
		return KTGT_UAC_NR;
	return ktgt_ua_kind_code[kind];
}

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
	t->td.ua_pending = 0;
	return &t->td;
}

void ktgt_tgt_dev_free(struct ktgt_tgt_dev *td)
{
	if (!td)
		return;
	kfree_rcu(container_of(td, struct ktgt_tgt_dev_rcu, td), rcu);
}

void ktgt_ua_queue_code(struct ktgt_session *sess, struct ktgt_tgt_dev *td,
			unsigned int code)
{
	unsigned long flags;

	spin_lock_irqsave(&td->ua_lock, flags);
	ktgt_uaq_add(&td->ua_pending, code);
	/*
	 * A reset or the loss of the I_T nexus ends its medium removal
	 * prevention (SPC-4 6.13, SBC-3 5.11), persistent or not.
	 */
	if (code < KTGT_UAC_NR && (BIT(code) & KTGT_UAC_RESET_MASK))
		td->prevent = 0;
	spin_unlock_irqrestore(&td->ua_lock, flags);
	ktgt_nl_ua(sess, td->lun, ktgt_uaq_asc(code));
}

void ktgt_ua_queue(struct ktgt_session *sess, struct ktgt_tgt_dev *td,
		   enum ktgt_ua_kind kind)
{
	ktgt_ua_queue_code(sess, td, kind_code(kind));
}

bool ktgt_ua_report(struct ktgt_tgt_dev *td, struct ktgt_sense_info *sense,
		    bool clear)
{
	unsigned long flags;
	int code;
	u16 asc;

	spin_lock_irqsave(&td->ua_lock, flags);
	code = ktgt_uaq_take(&td->ua_pending, clear);
	spin_unlock_irqrestore(&td->ua_lock, flags);
	if (code < 0)
		return false;
	asc = ktgt_uaq_asc(code);
	ktgt_sense_set(sense, KTGT_KEY_UNIT_ATTENTION, asc >> 8, asc & 0xff);
	return true;
}

bool ktgt_ua_take(struct ktgt_tgt_dev *td, struct ktgt_sense_info *sense)
{
	return ktgt_ua_report(td, sense, true);
}

void ktgt_ua_raise_session(struct ktgt_session *sess, unsigned int code)
{
	struct ktgt_tgt_dev *td;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&sess->tgt_devs, idx, td)
		ktgt_ua_queue_code(sess, td, code);
	rcu_read_unlock();
}

void ktgt_ua_clear_session(struct ktgt_session *sess, enum ktgt_ua_kind kind)
{
	unsigned int code = kind_code(kind);
	struct ktgt_tgt_dev *td;
	unsigned long flags, idx;

	rcu_read_lock();
	xa_for_each(&sess->tgt_devs, idx, td) {
		spin_lock_irqsave(&td->ua_lock, flags);
		ktgt_uaq_clear(&td->ua_pending, code);
		spin_unlock_irqrestore(&td->ua_lock, flags);
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
			ktgt_ua_queue_code(sess, td, code);
	}
}

void ktgt_ua_raise_lun_set(struct ktgt_lun_set *set, enum ktgt_ua_kind kind)
{
	ktgt_ua_raise_set_code(set, kind_code(kind));
}

bool ktgt_dev_walk_nexuses(struct ktgt_device *dev,
			   bool (*fn)(struct ktgt_session *sess,
				      struct ktgt_tgt_dev *td, void *arg),
			   void *arg)
{
	struct ktgt_session *sess;
	struct ktgt_lun_set *set;
	struct ktgt_tgt_dev *td;
	struct ktgt_lun *lun;
	unsigned long id, idx;
	bool stop = false;

	rcu_read_lock();
	xa_lock(&ktgt_sessions);
	xa_for_each(&ktgt_sessions, id, sess) {
		set = rcu_dereference(sess->lun_set);
		if (!set)
			continue;
		xa_for_each(&set->luns, idx, lun) {
			if (lun->dev != dev)
				continue;
			td = xa_load(&sess->tgt_devs, idx);
			if (td && fn(sess, td, arg)) {
				stop = true;
				goto out;
			}
		}
	}
out:
	xa_unlock(&ktgt_sessions);
	rcu_read_unlock();
	return stop;
}

/*
 * What ua_raise_fn() establishes, and on which nexus not. The nexus
 * skipped is named by its session and its LUN number, never by the
 * address of its struct ktgt_tgt_dev: no command holds its nexus past
 * rcu_read_unlock() (see "Lifetime" above), so the one a command found
 * may be freed (its LUN unmapped, its session regrouped) and another
 * one allocated at the same address, for another session or LUN, before
 * or while the walk runs, which would then be skipped instead. @except
 * itself cannot be reused so: the callers pass the session of a command
 * they are executing, which keeps it allocated until the command is
 * released (cmd_free() in core/cmd.c, ktgt_session_destroy()).
 */
struct ua_raise_arg {
	unsigned int			code;
	const struct ktgt_session	*except;	/* or NULL */
	bool				except_one;	/* only LUN @except_lun */
	u64				except_lun;
};

static bool ua_raise_fn(struct ktgt_session *sess, struct ktgt_tgt_dev *td,
			void *arg)
{
	const struct ua_raise_arg *a = arg;

	if (sess == a->except &&
	    (!a->except_one || td->lun == a->except_lun))
		return false;
	ktgt_ua_queue_code(sess, td, a->code);
	return false;
}

void ktgt_ua_raise_dev_code(struct ktgt_device *dev, unsigned int code,
			    const struct ktgt_session *except)
{
	struct ua_raise_arg a = { .code = code, .except = except };

	ktgt_dev_walk_nexuses(dev, ua_raise_fn, &a);
}

void ktgt_ua_raise_dev_except_cmd(struct ktgt_device *dev, unsigned int code,
				  const struct ktgt_cmd *cmd)
{
	struct ua_raise_arg a = { .code = code };

	if (cmd) {
		a.except = cmd->sess;
		a.except_one = true;
		a.except_lun = cmd->lun;
	}
	ktgt_dev_walk_nexuses(dev, ua_raise_fn, &a);
}

void ktgt_ua_raise_device(struct ktgt_device *dev, enum ktgt_ua_kind kind)
{
	ktgt_ua_raise_dev_code(dev, kind_code(kind), NULL);
}

void ktgt_ua_raise_lu_reset(struct ktgt_device *dev)
{
	ktgt_ua_raise_dev_code(dev, KTGT_UAC_LU_RESET, NULL);
}

/*
 * The condition of the queue a device's ASC/ASCQ is established as: the
 * one reported with the same ASC/ASCQ; for a 29h code the queue does not
 * have (29h/01h POWER ON OCCURRED, 29h/02h SCSI BUS RESET OCCURRED, 29h/04h
 * DEVICE INTERNAL RESET, ...), 29h/00h POWER ON, RESET, OR BUS DEVICE
 * RESET OCCURRED, which SPC-4 defines as covering them all; else none
 * (KTGT_UAC_NR).
 */
static unsigned int ua_code_of(u8 asc, u8 ascq)
{
	u16 want = (u16)asc << 8 | ascq;
	unsigned int code;

	for (code = 0; code < KTGT_UAC_NR; code++)
		if (ktgt_uaq_asc(code) == want)
			return code;
	return asc == 0x29 ? KTGT_UAC_POWER_ON : KTGT_UAC_NR;
}

bool ktgt_device_ua(struct ktgt_device *dev, u8 asc, u8 ascq,
		    struct ktgt_cmd *except)
{
	unsigned int code = ua_code_of(asc, ascq);

	if (code >= KTGT_UAC_NR)
		return false;
	/*
	 * 29h: the device was reset (powered on, reset, lost its nexus to
	 * ktgt, which is every initiator's way to it). Its SPC-2
	 * reservation, which the core holds for it, goes as with a LOGICAL
	 * UNIT RESET (SPC-2 5.5.1; SCST's scst_process_reset() for its
	 * pass-through devices), before the condition is established, so
	 * that an initiator told of the reset finds it released.
	 *
	 * Persistent reservations stay: SPC-4 5.13 keeps registrations and
	 * the reservation across hard resets, logical unit resets and I_T
	 * nexus losses, and loses them (but with APTPL) only at a power on
	 * of the logical unit, which is ktgt's (core/pr.c keeps its state),
	 * not the device's behind it.
	 */
	if (asc == 0x29)
		ktgt_reserve_reset(dev);
	ktgt_ua_raise_dev_except_cmd(dev, code, except);
	return true;
}
EXPORT_SYMBOL_GPL(ktgt_device_ua);

/*
 * ---------------------------------------------------------------------
 * Removable media: per I_T_L nexus state
 * ---------------------------------------------------------------------
 */

static bool ua_medium_event(struct ktgt_session *sess,
			    struct ktgt_tgt_dev *td, void *arg)
{
	bool loaded = *(bool *)arg;
	unsigned long flags;

	spin_lock_irqsave(&td->ua_lock, flags);
	td->media_event = loaded ? KTGT_MEDIA_EV_NEW : KTGT_MEDIA_EV_REMOVAL;
	spin_unlock_irqrestore(&td->ua_lock, flags);
	if (loaded)
		ktgt_ua_queue_code(sess, td, KTGT_UAC_MEDIUM_CHANGED);
	return false;
}

void ktgt_device_medium_changed(struct ktgt_device *dev, u64 nr_blocks)
{
	bool loaded = nr_blocks != 0;

	WRITE_ONCE(dev->nr_blocks, nr_blocks);
	ktgt_dev_walk_nexuses(dev, ua_medium_event, &loaded);
}
EXPORT_SYMBOL_GPL(ktgt_device_medium_changed);

static bool ua_td_prevents(struct ktgt_session *sess,
			   struct ktgt_tgt_dev *td, void *arg)
{
	return READ_ONCE(td->prevent) != 0;
}

bool ktgt_device_removal_prevented(struct ktgt_device *dev)
{
	return ktgt_dev_walk_nexuses(dev, ua_td_prevents, NULL);
}
EXPORT_SYMBOL_GPL(ktgt_device_removal_prevented);

bool ktgt_cmd_set_prevent(struct ktgt_cmd *cmd, u8 set, u8 clear)
{
	struct ktgt_tgt_dev *td;
	unsigned long flags;

	rcu_read_lock();
	td = xa_load(&cmd->sess->tgt_devs, (unsigned long)cmd->lun);
	if (td) {
		spin_lock_irqsave(&td->ua_lock, flags);
		td->prevent = (td->prevent & ~clear) | set;
		spin_unlock_irqrestore(&td->ua_lock, flags);
	}
	rcu_read_unlock();
	return !!td;
}

enum ktgt_media_event ktgt_cmd_media_event(struct ktgt_cmd *cmd, bool take)
{
	enum ktgt_media_event ev = KTGT_MEDIA_EV_NONE;
	struct ktgt_tgt_dev *td;
	unsigned long flags;

	rcu_read_lock();
	td = xa_load(&cmd->sess->tgt_devs, (unsigned long)cmd->lun);
	if (td) {
		spin_lock_irqsave(&td->ua_lock, flags);
		ev = td->media_event;
		if (take)
			td->media_event = KTGT_MEDIA_EV_NONE;
		spin_unlock_irqrestore(&td->ua_lock, flags);
	}
	rcu_read_unlock();
	return ev;
}
EXPORT_SYMBOL_GPL(ktgt_cmd_media_event);
