// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: SPC-4 persistent reservations (PERSISTENT RESERVE IN and
 * OUT), per logical unit (device), shared by every target and transport.
 *
 * State (in struct ktgt_device): dev->pr_regs, the registrations
 * (struct ktgt_pr_reg); dev->pr_type, the reservation's TYPE (0: none);
 * dev->pr_holder, the holding registration (for the ALL REGISTRANTS
 * types every registration holds it and pr_holder is the one that
 * reserved); dev->pr_gen, the PRgeneration, incremented by every
 * REGISTER, REGISTER AND IGNORE EXISTING KEY, CLEAR, PREEMPT and PREEMPT
 * AND ABORT that changes the registrations (SPC-4 6.15.2).
 *
 * An I_T nexus is named by its initiator port (ktgt_session_port_id():
 * the TransportID name a driver set, e.g. iSCSI "iqn...,i,0x<ISID>", or
 * the initiator name) and its target port (the ktgt target's name). A
 * registration made with ALL_TG_PT = 1 matches its initiator port
 * through every target port.
 *
 * Supported: REGISTER, REGISTER AND IGNORE EXISTING KEY (with
 * ALL_TG_PT), RESERVE, RELEASE, CLEAR, PREEMPT, PREEMPT AND ABORT, all
 * six types, READ KEYS, READ RESERVATION, REPORT CAPABILITIES, READ FULL
 * STATUS; the conflict rules of core/pr_table.c; the unit attentions
 * RESERVATIONS PREEMPTED, RESERVATIONS RELEASED and REGISTRATIONS
 * PREEMPTED. Not supported (refused as REPORT CAPABILITIES says, SIP_C =
 * 0, PTPL_C = 0): SPEC_I_PT, APTPL (INVALID FIELD IN PARAMETER LIST) and
 * REGISTER AND MOVE (INVALID FIELD IN CDB). PREEMPT AND ABORT marks the
 * preempted nexuses' tasks aborted and completes without waiting for
 * them.
 *
 * Locking: dev->pr_mutex serialises PERSISTENT RESERVE OUT (process
 * context); the state is changed under it and dev->resv_lock (irq-safe
 * spinlock), which the command path takes alone to check conflicts.
 * Registrations are freed only under pr_mutex, so holders of pr_mutex
 * may read the list without resv_lock. Lock order: pr_mutex ->
 * resv_lock; unit attentions are raised after resv_lock is dropped, with
 * ktgt_sessions' xa_lock (never under resv_lock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <asm/unaligned.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "pr_table.h"
#include "sense.h"
#include "ua_queue.h"

/* PERSISTENT RESERVE OUT service actions (SPC-4 table 170). */
#define PRO_REGISTER		0x00
#define PRO_RESERVE		0x01
#define PRO_RELEASE		0x02
#define PRO_CLEAR		0x03
#define PRO_PREEMPT		0x04
#define PRO_PREEMPT_ABORT	0x05
#define PRO_REGISTER_IGNORE	0x06
#define PRO_REGISTER_MOVE	0x07

/* PERSISTENT RESERVE IN service actions (SPC-4 table 161). */
#define PRI_READ_KEYS		0x00
#define PRI_READ_RESERVATION	0x01
#define PRI_REPORT_CAPS		0x02
#define PRI_READ_FULL_STATUS	0x03

#define ASC_INVALID_RELEASE	0x26	/* 26h/04h INVALID RELEASE OF PR */
#define ASCQ_INVALID_RELEASE	0x04

/**
 * struct ktgt_pr_reg - a registration
 * @node: in dev->pr_regs
 * @key: the reservation key (never 0)
 * @port: the initiator port name
 * @proto: its PROTOCOL IDENTIFIER
 * @tgt_name: the target port (ktgt target name)
 * @all_tg_pt: registered through every target port
 */
struct ktgt_pr_reg {
	struct list_head	node;
	u64			key;
	char			*port;
	u8			proto;
	char			*tgt_name;
	bool			all_tg_pt;
};

static void reg_free(struct ktgt_pr_reg *r)
{
	kfree(r->port);
	kfree(r->tgt_name);
	kfree(r);
}

static bool reg_matches(const struct ktgt_pr_reg *r,
			const struct ktgt_session *sess)
{
	if (strcmp(r->port, ktgt_session_port_id(sess, NULL)))
		return false;
	return r->all_tg_pt || !strcmp(r->tgt_name, ktgt_target_name(sess->tgt));
}

/* The registration of @sess's I_T nexus, or NULL. resv_lock or pr_mutex. */
static struct ktgt_pr_reg *reg_find(struct ktgt_device *dev,
				    const struct ktgt_session *sess)
{
	struct ktgt_pr_reg *r;

	list_for_each_entry(r, &dev->pr_regs, node)
		if (reg_matches(r, sess))
			return r;
	return NULL;
}

static bool reg_holds(struct ktgt_device *dev, const struct ktgt_pr_reg *r)
{
	if (!r || !dev->pr_type)
		return false;
	return ktgt_pr_type_all_reg(dev->pr_type) || dev->pr_holder == r;
}

void ktgt_pr_dev_init(struct ktgt_device *dev)
{
	INIT_LIST_HEAD(&dev->pr_regs);
	mutex_init(&dev->pr_mutex);
	dev->pr_gen = 0;
	dev->pr_type = 0;
	dev->pr_holder = NULL;
}

void ktgt_pr_dev_free(struct ktgt_device *dev)
{
	struct ktgt_pr_reg *r, *tmp;

	list_for_each_entry_safe(r, tmp, &dev->pr_regs, node) {
		list_del(&r->node);
		reg_free(r);
	}
	mutex_destroy(&dev->pr_mutex);
}

bool ktgt_pr_blocks_reserve(struct ktgt_device *dev)
{
	return !list_empty(&dev->pr_regs);
}

bool ktgt_pr_check(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	enum ktgt_pr_class cls;
	enum ktgt_pr_who who;
	struct ktgt_pr_reg *r;
	unsigned long flags;
	u8 type;

	if (!dev || !READ_ONCE(dev->pr_type))
		return false;
	cls = ktgt_pr_classify(cmd->cdb, cmd->cdb_len);
	if (cls == KTGT_PR_ALLOWED)
		return false;
	spin_lock_irqsave(&dev->resv_lock, flags);
	type = dev->pr_type;
	r = reg_find(dev, cmd->sess);
	if (!r)
		who = KTGT_PR_UNREGISTERED;
	else if (reg_holds(dev, r))
		who = KTGT_PR_HOLDER;
	else
		who = KTGT_PR_REGISTERED;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	return ktgt_pr_conflicts(type, who, cls);
}

/*
 * ---------------------------------------------------------------------
 * Unit attentions and aborts for the I_T nexuses of registrations
 * ---------------------------------------------------------------------
 */

/* Whether @sess is one of the nexuses of the registrations on @list. */
static bool sess_in_list(struct ktgt_session *sess, struct list_head *list)
{
	struct ktgt_pr_reg *r;

	list_for_each_entry(r, list, node)
		if (reg_matches(r, sess))
			return true;
	return false;
}

/*
 * Establish @code on the I_T_L nexuses through which @dev is seen of
 * every session matching a registration on @list, except @issuer.
 * pr_mutex held (for @list); not resv_lock.
 */
static void pr_ua(struct ktgt_device *dev, struct list_head *list,
		  struct ktgt_session *issuer, unsigned int code)
{
	struct ktgt_session *sess;
	struct ktgt_lun_set *set;
	struct ktgt_tgt_dev *td;
	struct ktgt_lun *lun;
	unsigned long id, idx;

	xa_lock(&ktgt_sessions);
	rcu_read_lock();
	xa_for_each(&ktgt_sessions, id, sess) {
		if (sess == issuer || !sess_in_list(sess, list))
			continue;
		set = rcu_dereference(sess->lun_set);
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
	rcu_read_unlock();
	xa_unlock(&ktgt_sessions);
}

struct pr_abort_arg {
	struct list_head	*list;
	struct ktgt_session	*issuer;
};

static bool pr_abort_match(struct ktgt_session *sess, void *arg)
{
	struct pr_abort_arg *a = arg;

	return sess != a->issuer && sess_in_list(sess, a->list);
}

/*
 * ---------------------------------------------------------------------
 * PERSISTENT RESERVE OUT
 * ---------------------------------------------------------------------
 */

static void pr_conflict(struct ktgt_cmd *cmd)
{
	cmd->status = KTGT_SAM_RESERVATION_CONFLICT;
	cmd->sense_len = 0;
	cmd->data_len = 0;
}

static struct ktgt_pr_reg *reg_new(struct ktgt_session *sess, u64 key,
				   bool all_tg_pt)
{
	struct ktgt_pr_reg *r = kzalloc(sizeof(*r), GFP_KERNEL);
	u8 proto;

	if (!r)
		return NULL;
	r->key = key;
	r->all_tg_pt = all_tg_pt;
	r->port = kstrdup(ktgt_session_port_id(sess, &proto), GFP_KERNEL);
	r->tgt_name = kstrdup(ktgt_target_name(sess->tgt), GFP_KERNEL);
	r->proto = proto;
	if (!r->port || !r->tgt_name) {
		reg_free(r);
		return NULL;
	}
	return r;
}

/* REGISTER and REGISTER AND IGNORE EXISTING KEY (SPC-4 5.13.7). */
static void pro_register(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
			 u64 res_key, u64 sa_key, bool ignore, bool all_tg_pt)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_pr_reg *r = NULL;
	unsigned long flags;
	bool released = false;

	if (!me) {
		if (!ignore && res_key) {
			pr_conflict(cmd);
			return;
		}
		if (!sa_key) {
			ktgt_cmd_good(cmd, 0);
			return;
		}
		r = reg_new(cmd->sess, sa_key, all_tg_pt);
		if (!r) {
			ktgt_cmd_io_error(cmd, -ENOMEM);
			return;
		}
		spin_lock_irqsave(&dev->resv_lock, flags);
		list_add_tail(&r->node, &dev->pr_regs);
		dev->pr_gen++;
		spin_unlock_irqrestore(&dev->resv_lock, flags);
		ktgt_cmd_good(cmd, 0);
		return;
	}
	if (!ignore && res_key != me->key) {
		pr_conflict(cmd);
		return;
	}
	spin_lock_irqsave(&dev->resv_lock, flags);
	dev->pr_gen++;
	if (sa_key) {
		me->key = sa_key;
		spin_unlock_irqrestore(&dev->resv_lock, flags);
		ktgt_cmd_good(cmd, 0);
		return;
	}
	/* Unregister; the reservation goes with its holder (5.13.11). */
	list_del(&me->node);
	if (dev->pr_type) {
		bool all_reg = ktgt_pr_type_all_reg(dev->pr_type);

		if (all_reg && !list_empty(&dev->pr_regs)) {
			if (dev->pr_holder == me)
				dev->pr_holder =
					list_first_entry(&dev->pr_regs,
							 struct ktgt_pr_reg,
							 node);
		} else if (all_reg || dev->pr_holder == me) {
			/* RO/AR: the other registrants learn of it. */
			released = ktgt_pr_type_reg_only(dev->pr_type);
			dev->pr_type = 0;
			dev->pr_holder = NULL;
		}
	}
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	/* pr_mutex keeps the list stable without resv_lock. */
	if (released)
		pr_ua(dev, &dev->pr_regs, cmd->sess, KTGT_UAC_RES_RELEASED);
	reg_free(me);
	ktgt_cmd_good(cmd, 0);
}

/* RESERVE (SPC-4 5.13.9). */
static void pro_reserve(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
			u8 type)
{
	struct ktgt_device *dev = cmd->core.dev;
	unsigned long flags;
	bool conflict = false;

	spin_lock_irqsave(&dev->resv_lock, flags);
	if (dev->pr_type) {
		/* Only the holder, with the same type, gets GOOD. */
		conflict = !reg_holds(dev, me) || dev->pr_type != type;
	} else if (READ_ONCE(dev->resv_holder)) {
		conflict = true;
	} else {
		dev->pr_type = type;
		dev->pr_holder = me;
	}
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	if (conflict)
		pr_conflict(cmd);
	else
		ktgt_cmd_good(cmd, 0);
}

/* RELEASE (SPC-4 5.13.11.2). */
static void pro_release(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
			u8 type)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_sense_info s;
	unsigned long flags;
	bool notify;

	spin_lock_irqsave(&dev->resv_lock, flags);
	if (!dev->pr_type || !reg_holds(dev, me)) {
		/* No reservation, or not the holder: nothing to do. */
		spin_unlock_irqrestore(&dev->resv_lock, flags);
		ktgt_cmd_good(cmd, 0);
		return;
	}
	if (dev->pr_type != type) {
		spin_unlock_irqrestore(&dev->resv_lock, flags);
		ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
			       ASC_INVALID_RELEASE, ASCQ_INVALID_RELEASE);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	notify = ktgt_pr_type_reg_only(dev->pr_type);
	dev->pr_type = 0;
	dev->pr_holder = NULL;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	if (notify)
		pr_ua(dev, &dev->pr_regs, cmd->sess, KTGT_UAC_RES_RELEASED);
	ktgt_cmd_good(cmd, 0);
}

/* CLEAR (SPC-4 5.13.11.3). */
static void pro_clear(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_pr_reg *r, *tmp;
	unsigned long flags;
	LIST_HEAD(gone);

	spin_lock_irqsave(&dev->resv_lock, flags);
	list_splice_init(&dev->pr_regs, &gone);
	dev->pr_type = 0;
	dev->pr_holder = NULL;
	dev->pr_gen++;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	pr_ua(dev, &gone, cmd->sess, KTGT_UAC_RES_PREEMPTED);
	list_for_each_entry_safe(r, tmp, &gone, node)
		reg_free(r);
	ktgt_cmd_good(cmd, 0);
}

/* PREEMPT and PREEMPT AND ABORT (SPC-4 5.13.11.4). */
static void pro_preempt(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
			u64 sa_key, u8 type, bool abort)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_pr_reg *r, *tmp;
	struct ktgt_sense_info s;
	unsigned long flags;
	bool take = false;
	LIST_HEAD(gone);

	spin_lock_irqsave(&dev->resv_lock, flags);
	if (!sa_key &&
	    !(dev->pr_type && ktgt_pr_type_all_reg(dev->pr_type))) {
		/* Key 0 preempts only an ALL REGISTRANTS reservation. */
		spin_unlock_irqrestore(&dev->resv_lock, flags);
		ktgt_sense_invalid_param(&s, 8, 7);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	if (!sa_key) {
		/* ALL REGISTRANTS, key 0: everyone else goes; we hold it. */
		list_for_each_entry_safe(r, tmp, &dev->pr_regs, node)
			if (r != me)
				list_move_tail(&r->node, &gone);
		take = true;
	} else {
		/* Preempting the holder's key takes the reservation. */
		take = dev->pr_type && !ktgt_pr_type_all_reg(dev->pr_type) &&
		       dev->pr_holder && dev->pr_holder->key == sa_key;
		list_for_each_entry_safe(r, tmp, &dev->pr_regs, node)
			if (r->key == sa_key && r != me)
				list_move_tail(&r->node, &gone);
		if (list_empty(&gone) && !take) {
			spin_unlock_irqrestore(&dev->resv_lock, flags);
			pr_conflict(cmd);
			return;
		}
	}
	if (take) {
		dev->pr_type = type;
		dev->pr_holder = me;
	}
	dev->pr_gen++;
	spin_unlock_irqrestore(&dev->resv_lock, flags);

	if (abort) {
		struct pr_abort_arg a = { .list = &gone, .issuer = cmd->sess };

		ktgt_abort_lu_tasks(dev, cmd->sess, pr_abort_match, &a);
	}
	pr_ua(dev, &gone, cmd->sess, KTGT_UAC_REG_PREEMPTED);
	list_for_each_entry_safe(r, tmp, &gone, node)
		reg_free(r);
	ktgt_cmd_good(cmd, 0);
}

static void pr_out(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u8 sa = cmd->cdb[1] & 0x1f, scope = cmd->cdb[2] >> 4;
	u8 type = cmd->cdb[2] & 0x0f;
	u32 plen = get_unaligned_be32(&cmd->cdb[5]);
	struct ktgt_sense_info s;
	struct ktgt_pr_reg *me;
	u64 res_key, sa_key;
	u8 *p, flags;

	might_sleep();
	if (sa == PRO_REGISTER_MOVE) {
		ktgt_sense_invalid_cdb(&s, 1, 4);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	if (plen != 24 || ktgt_spc_dout_len(cmd) < 24) {
		ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
			       KTGT_ASC_PARAM_LIST_LENGTH, 0);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	p = ktgt_cmd_buf(cmd, 24);
	if (!p) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		return;
	}
	res_key = get_unaligned_be64(p);
	sa_key = get_unaligned_be64(p + 8);
	flags = p[20];
	ktgt_cmd_buf_put(cmd, p);

	if (flags & 0x08) {		/* SPEC_I_PT: SIP_C = 0 */
		ktgt_sense_invalid_param(&s, 20, 3);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	if (flags & 0x01) {		/* APTPL: PTPL_C = 0 */
		ktgt_sense_invalid_param(&s, 20, 0);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	if (sa == PRO_RESERVE || sa == PRO_RELEASE || sa == PRO_PREEMPT ||
	    sa == PRO_PREEMPT_ABORT) {
		if (scope) {
			ktgt_sense_invalid_cdb(&s, 2, 7);
			ktgt_spc_fail(cmd, &s);
			return;
		}
		if (!ktgt_pr_type_valid(type)) {
			ktgt_sense_invalid_cdb(&s, 2, 3);
			ktgt_spc_fail(cmd, &s);
			return;
		}
	}

	mutex_lock(&dev->pr_mutex);
	me = reg_find(dev, cmd->sess);
	switch (sa) {
	case PRO_REGISTER:
	case PRO_REGISTER_IGNORE:
		pro_register(cmd, me, res_key, sa_key,
			     sa == PRO_REGISTER_IGNORE, flags & 0x04);
		break;
	case PRO_RESERVE:
	case PRO_RELEASE:
	case PRO_CLEAR:
	case PRO_PREEMPT:
	case PRO_PREEMPT_ABORT:
		/* Only a registered nexus, with its key (5.13.1). */
		if (!me || me->key != res_key) {
			pr_conflict(cmd);
			break;
		}
		if (sa == PRO_RESERVE)
			pro_reserve(cmd, me, type);
		else if (sa == PRO_RELEASE)
			pro_release(cmd, me, type);
		else if (sa == PRO_CLEAR)
			pro_clear(cmd);
		else
			pro_preempt(cmd, me, sa_key, type,
				    sa == PRO_PREEMPT_ABORT);
		break;
	default:
		ktgt_sense_invalid_cdb(&s, 1, 4);
		ktgt_spc_fail(cmd, &s);
		break;
	}
	mutex_unlock(&dev->pr_mutex);
}

/*
 * ---------------------------------------------------------------------
 * PERSISTENT RESERVE IN
 * ---------------------------------------------------------------------
 */

/* The TransportID of a registration: its length, written if @buf. */
static u32 reg_transport_id(const struct ktgt_pr_reg *r, u8 *buf)
{
	u32 n = strlen(r->port) + 1;
	u32 len = ALIGN(max_t(u32, n, 20), 4);
	/* iSCSI: FORMAT CODE 01b for "name,i,0x<ISID>", 00b for a name. */
	u8 fmt = strstr(r->port, ",i,0x") ? 0x40 : 0x00;

	if (buf) {
		memset(buf, 0, 4 + len);
		buf[0] = fmt | r->proto;
		put_unaligned_be16(len, buf + 2);
		memcpy(buf + 4, r->port, n);
	}
	return 4 + len;
}

static void pr_in(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u8 sa = cmd->cdb[1] & 0x1f;
	struct ktgt_pr_reg *r;
	u32 len = 8, off = 8;
	unsigned long flags;
	u8 *buf;

	/* Sizes only change under pr_mutex; hold it for a stable list. */
	mutex_lock(&dev->pr_mutex);
	switch (sa) {
	case PRI_READ_KEYS:
		list_for_each_entry(r, &dev->pr_regs, node)
			len += 8;
		break;
	case PRI_READ_RESERVATION:
		len += 16;
		break;
	case PRI_REPORT_CAPS:
		break;
	case PRI_READ_FULL_STATUS:
		list_for_each_entry(r, &dev->pr_regs, node)
			len += 24 + reg_transport_id(r, NULL);
		break;
	default:
		mutex_unlock(&dev->pr_mutex);
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 KTGT_ASC_INVALID_FIELD_IN_CDB, 0);
		return;
	}
	buf = kzalloc(len, GFP_KERNEL);
	if (!buf) {
		mutex_unlock(&dev->pr_mutex);
		ktgt_cmd_io_error(cmd, -ENOMEM);
		return;
	}
	spin_lock_irqsave(&dev->resv_lock, flags);
	put_unaligned_be32(dev->pr_gen, buf);
	switch (sa) {
	case PRI_READ_KEYS:
		list_for_each_entry(r, &dev->pr_regs, node) {
			put_unaligned_be64(r->key, buf + off);
			off += 8;
		}
		put_unaligned_be32(off - 8, buf + 4);
		break;
	case PRI_READ_RESERVATION:
		if (dev->pr_type) {
			/* ALL REGISTRANTS: the key is reported as 0. */
			if (!ktgt_pr_type_all_reg(dev->pr_type) &&
			    dev->pr_holder)
				put_unaligned_be64(dev->pr_holder->key,
						   buf + 8);
			buf[21] = dev->pr_type;	/* SCOPE 0: LU */
			put_unaligned_be32(16, buf + 4);
			off = 24;
		} else {
			off = 8;
		}
		break;
	case PRI_REPORT_CAPS:
		put_unaligned_be16(8, buf);
		buf[2] = 0x10 | 0x04;	/* CRH, ATP_C */
		buf[3] = 0x80;		/* TMV: the type mask is valid */
		buf[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;
		buf[5] = 0x01;		/* EX_AC_AR */
		off = 8;
		break;
	case PRI_READ_FULL_STATUS:
		list_for_each_entry(r, &dev->pr_regs, node) {
			u8 *d = buf + off;
			u32 tid = reg_transport_id(r, d + 24);

			put_unaligned_be64(r->key, d);
			if (r->all_tg_pt)
				d[12] |= 0x02;
			if (reg_holds(dev, r)) {
				d[12] |= 0x01;
				d[13] = dev->pr_type;
			}
			put_unaligned_be32(tid, d + 20);
			off += 24 + tid;
		}
		put_unaligned_be32(off - 8, buf + 4);
		break;
	}
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	mutex_unlock(&dev->pr_mutex);
	ktgt_spc_send(cmd, buf, off);
	kfree(buf);
}

bool ktgt_pr_exec(struct ktgt_cmd *cmd)
{
	switch (cmd->cdb[0]) {
	case 0x5e:
		pr_in(cmd);
		return true;
	case 0x5f:
		pr_out(cmd);
		return true;
	default:
		return false;
	}
}
