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
 * through every target port; one made for an iSCSI TransportID of
 * format 00b (a name without ISID) every ISID of that name.
 *
 * Supported: REGISTER (with SPEC_I_PT: TransportIDs parsed by
 * core/pr_data.c, all or nothing), REGISTER AND IGNORE EXISTING KEY
 * (both with ALL_TG_PT), RESERVE, RELEASE, CLEAR, PREEMPT, PREEMPT AND
 * ABORT (completes after the preempted nexuses' tasks on the logical
 * unit are aborted and released, and their EXTENDED COPY writes to it
 * already past their check have landed), REGISTER AND MOVE (the target port by
 * RELATIVE TARGET PORT IDENTIFIER, core/alua.c's rel_tgt_id), all six
 * types, READ KEYS, READ RESERVATION, REPORT CAPABILITIES, READ FULL
 * STATUS; the conflict rules of core/pr_table.c; the unit attentions
 * RESERVATIONS PREEMPTED, RESERVATIONS RELEASED and REGISTRATIONS
 * PREEMPTED.
 *
 * APTPL: the last REGISTER, REGISTER AND IGNORE EXISTING KEY or REGISTER
 * AND MOVE that succeeded sets dev->pr_aptpl from its APTPL bit. While
 * set, every PR OUT that succeeds rewrites the device's state file
 * (core/pr_file.h, format in core/pr_data.h) under pr_mutex, in process
 * context; clearing it removes the file. If that fails, the PR OUT is
 * undone: pr_out() copies the state first (struct pr_snap) and puts it
 * back, the command ends with INSUFFICIENT REGISTRATION RESOURCES, and
 * the unit attentions and aborts it would have caused are raised only
 * after the save succeeded. ktgt_pr_dev_enable() loads the file when the
 * device is enabled with no state in memory.
 *
 * Locking: dev->pr_mutex serialises PERSISTENT RESERVE OUT (process
 * context); the state is changed under it and dev->resv_lock (irq-safe
 * spinlock), which the command path takes alone to check conflicts.
 * Registrations are freed only under pr_mutex, so holders of pr_mutex
 * may read the list without resv_lock. Lock order: pr_mutex ->
 * resv_lock; ktgt_cfg_mutex is never held with pr_mutex (REGISTER AND
 * MOVE looks its target port up before taking pr_mutex); PREEMPT AND
 * ABORT aborts the tasks after dropping pr_mutex, and its command
 * completes once they are gone, parked in the meantime (struct pr_abort):
 * it holds no worker while it waits. Unit
 * attentions are raised after resv_lock is dropped, with ktgt_sessions'
 * xa_lock (never under resv_lock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <asm/unaligned.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "pr_data.h"
#include "pr_file.h"
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
#define ASC_INSUFF_REG_RES	0x55	/* 55h/04h INSUFFICIENT REGISTRATION */
#define ASCQ_INSUFF_REG_RES	0x04	/*	   RESOURCES */

/* The largest PR OUT parameter list accepted (SPEC_I_PT lists). */
#define PR_OUT_MAX_LEN		65536

/**
 * struct ktgt_pr_reg - a registration
 * @node: in dev->pr_regs
 * @key: the reservation key (never 0)
 * @port: the initiator port name
 * @proto: its PROTOCOL IDENTIFIER
 * @tgt_name: the target port (ktgt target name)
 * @all_tg_pt: registered through every target port
 * @rtpi: the RELATIVE TARGET PORT IDENTIFIER of @tgt_name when the
 *	registration was made (0 if unknown: loaded from an APTPL file);
 *	READ FULL STATUS prefers the live value (pr_reg_rtpi())
 */
struct ktgt_pr_reg {
	struct list_head	node;
	u64			key;
	char			*port;
	u8			proto;
	char			*tgt_name;
	bool			all_tg_pt;
	u16			rtpi;
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
	if (!ktgt_pr_port_matches(r->port, ktgt_session_port_id(sess, NULL)))
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

/*
 * While there is a reservation its holder is one of the registrations
 * (under ALL REGISTRANTS any one of them), and without one there is no
 * holder: a holder freed with its registration would be a dangling
 * pointer that pointer comparisons, a later type change or READ
 * RESERVATION could meet. Checked after every PERSISTENT RESERVE OUT
 * (at most KTGT_PR_MAX_REGS entries, pr_mutex held).
 */
static void pr_check_holder(struct ktgt_device *dev)
{
	struct ktgt_pr_reg *r;

	lockdep_assert_held(&dev->pr_mutex);
	if (!dev->pr_type) {
		WARN_ONCE(dev->pr_holder, "%s: holder without a reservation\n",
			  ktgt_device_name(dev));
		return;
	}
	list_for_each_entry(r, &dev->pr_regs, node)
		if (r == dev->pr_holder)
			return;
	WARN_ONCE(1, "%s: type %u reservation held by no registration\n",
		  ktgt_device_name(dev), dev->pr_type);
}

void ktgt_pr_dev_init(struct ktgt_device *dev)
{
	INIT_LIST_HEAD(&dev->pr_regs);
	mutex_init(&dev->pr_mutex);
	init_rwsem(&dev->pr_fence);
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

enum ktgt_pr_spc2 ktgt_pr_spc2(struct ktgt_device *dev,
			       struct ktgt_session *sess)
{
	struct ktgt_pr_reg *r;

	lockdep_assert_held(&dev->resv_lock);
	if (list_empty(&dev->pr_regs))
		return KTGT_PR_SPC2_NONE;
	r = reg_find(dev, sess);
	if (r && (reg_holds(dev, r) ||
		  (dev->pr_type && ktgt_pr_type_reg_only(dev->pr_type))))
		return KTGT_PR_SPC2_NOP;
	return KTGT_PR_SPC2_CONFLICT;
}

bool ktgt_pr_check(struct ktgt_cmd *cmd)
{
	if (!cmd->core.dev)
		return false;
	return ktgt_pr_check_nexus(cmd->core.dev, cmd->sess, cmd->cdb,
				   cmd->cdb_len);
}

bool ktgt_pr_check_nexus(struct ktgt_device *dev, struct ktgt_session *sess,
			 const u8 *cdb, unsigned int cdb_len)
{
	enum ktgt_pr_class cls;
	enum ktgt_pr_who who;
	struct ktgt_pr_reg *r;
	unsigned long flags;
	u8 type;

	if (!READ_ONCE(dev->pr_type))
		return false;
	cls = ktgt_pr_classify(cdb, cdb_len);
	if (cls == KTGT_PR_ALLOWED)
		return false;
	spin_lock_irqsave(&dev->resv_lock, flags);
	type = dev->pr_type;
	r = reg_find(dev, sess);
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

struct pr_ua_arg {
	struct list_head	*list;
	struct ktgt_session	*issuer;
	unsigned int		code;
};

static bool pr_ua_fn(struct ktgt_session *sess, struct ktgt_tgt_dev *td,
		     void *arg)
{
	struct pr_ua_arg *a = arg;

	if (sess != a->issuer && sess_in_list(sess, a->list))
		ktgt_ua_queue_code(sess, td, a->code);
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
	struct pr_ua_arg a = { .list = list, .issuer = issuer, .code = code };

	ktgt_dev_walk_nexuses(dev, pr_ua_fn, &a);
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
 * A PREEMPT AND ABORT whose command waits for the tasks it aborted:
 * @gone, the preempted registrations, which name the sessions whose tasks
 * it waits for (@a, the argument of @ab's pr_abort_match()), freed once
 * the tasks are gone. Allocated by pr_out() before the command changes
 * anything, so that without memory it fails having done nothing; owned by
 * the core from a ktgt_abort_lu_tasks() that returned true until
 * pr_abort_done(), which frees it. The command's LUN reference keeps the
 * device, and @ab.cmd its session.
 */
struct pr_abort {
	struct ktgt_lu_abort	ab;
	struct pr_abort_arg	a;
	struct list_head	gone;
};

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

static struct ktgt_pr_reg *reg_alloc(const char *port, u8 proto,
				     const char *tgt_name, u64 key,
				     bool all_tg_pt)
{
	struct ktgt_pr_reg *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->key = key;
	r->all_tg_pt = all_tg_pt;
	r->port = kstrdup(port, GFP_KERNEL);
	r->tgt_name = kstrdup(tgt_name, GFP_KERNEL);
	r->proto = proto;
	if (!r->port || !r->tgt_name) {
		reg_free(r);
		return NULL;
	}
	return r;
}

static struct ktgt_pr_reg *reg_new(struct ktgt_session *sess, u64 key,
				   bool all_tg_pt)
{
	struct ktgt_pr_reg *r;
	const char *port;
	u8 proto;

	port = ktgt_session_port_id(sess, &proto);
	r = reg_alloc(port, proto, ktgt_target_name(sess->tgt), key,
		      all_tg_pt);
	if (r)
		r->rtpi = READ_ONCE(sess->tgt->rel_tgt_id);
	return r;
}

static void reg_free_list(struct list_head *list)
{
	struct ktgt_pr_reg *r, *tmp;

	list_for_each_entry_safe(r, tmp, list, node) {
		list_del(&r->node);
		reg_free(r);
	}
}

static unsigned int reg_count(struct list_head *list)
{
	struct ktgt_pr_reg *r;
	unsigned int n = 0;

	list_for_each_entry(r, list, node)
		n++;
	return n;
}

/*
 * Whether a registration on @list already names (part of) the I_T
 * nexuses of initiator port @port through target port @tgt (every
 * target port if @all_tg_pt).
 */
static bool reg_overlaps(struct list_head *list, const char *port,
			 const char *tgt, bool all_tg_pt)
{
	struct ktgt_pr_reg *r;

	list_for_each_entry(r, list, node) {
		if (!ktgt_pr_port_matches(r->port, port) &&
		    !ktgt_pr_port_matches(port, r->port))
			continue;
		if (r->all_tg_pt || all_tg_pt || !strcmp(r->tgt_name, tgt))
			return true;
	}
	return false;
}

/*
 * ---------------------------------------------------------------------
 * APTPL: the state file (core/pr_data.c format, core/pr_file.c I/O)
 * ---------------------------------------------------------------------
 */

static void reg_to_file(const struct ktgt_pr_reg *r,
			struct ktgt_pr_file_reg *f)
{
	f->key = r->key;
	f->proto = r->proto;
	f->all_tg_pt = r->all_tg_pt;
	f->port = r->port;
	f->port_len = min_t(size_t, strlen(r->port), KTGT_PR_NAME_MAX);
	f->tgt = r->tgt_name;
	f->tgt_len = min_t(size_t, strlen(r->tgt_name), KTGT_PR_NAME_MAX);
}

/*
 * Save @dev's state to its file. pr_mutex held; process context.
 * Return: 0 or a negative errno (logged).
 */
static int pr_save(struct ktgt_device *dev)
{
	struct ktgt_pr_file_hdr h = { .gen = dev->pr_gen,
				      .type = dev->pr_type,
				      .holder = KTGT_PR_NO_HOLDER };
	struct ktgt_pr_file_reg f;
	struct ktgt_pr_reg *r;
	size_t total = KTGT_PR_FILE_HDR_LEN + 4, off;
	unsigned int i = 0;
	u8 *buf;
	int ret;

	list_for_each_entry(r, &dev->pr_regs, node) {
		reg_to_file(r, &f);
		total += ktgt_pr_file_reg_len(&f);
		if (r == dev->pr_holder)
			h.holder = i;
		i++;
	}
	h.nr_regs = i;
	if (h.type && h.holder == KTGT_PR_NO_HOLDER)
		h.holder = 0;	/* ALL REGISTRANTS: any registration */
	buf = kvmalloc(total, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto err;
	}
	off = ktgt_pr_file_put_hdr(buf, &h, total);
	list_for_each_entry(r, &dev->pr_regs, node) {
		reg_to_file(r, &f);
		off += ktgt_pr_file_put_reg(buf + off, &f);
	}
	ktgt_pr_file_put_crc(buf, total);
	ret = ktgt_pr_file_write(ktgt_device_name(dev), buf, total);
	kvfree(buf);
	if (!ret)
		return 0;
err:
	pr_err_ratelimited("%s: cannot save the persistent reservation state (APTPL) in the pr_dir directory: %d\n",
			   ktgt_device_name(dev), ret);
	return ret;
}

/*
 * A copy of a device's state taken before a PERSISTENT RESERVE OUT that
 * has to be saved (APTPL), put back if the save fails (pr_snap_restore()).
 * @regs: copies of the registrations, in order
 * @holder: the index of the holder in @regs, or -1
 */
struct pr_snap {
	struct list_head	regs;
	int			holder;
	u32			gen;
	u8			type;
	bool			aptpl;
};

/* pr_mutex held. Return: 0 or -ENOMEM. */
static int pr_snap_take(struct ktgt_device *dev, struct pr_snap *sn)
{
	struct ktgt_pr_reg *r, *c;
	int i = 0;

	INIT_LIST_HEAD(&sn->regs);
	sn->holder = -1;
	sn->gen = dev->pr_gen;
	sn->type = dev->pr_type;
	sn->aptpl = dev->pr_aptpl;
	list_for_each_entry(r, &dev->pr_regs, node) {
		c = reg_alloc(r->port, r->proto, r->tgt_name, r->key,
			      r->all_tg_pt);
		if (!c) {
			reg_free_list(&sn->regs);
			return -ENOMEM;
		}
		c->rtpi = r->rtpi;
		if (r == dev->pr_holder)
			sn->holder = i;
		list_add_tail(&c->node, &sn->regs);
		i++;
	}
	return 0;
}

/* Put @sn back as @dev's state, consuming it. pr_mutex held. */
static void pr_snap_restore(struct ktgt_device *dev, struct pr_snap *sn)
{
	struct ktgt_pr_reg *r, *holder = NULL;
	unsigned long flags;
	LIST_HEAD(cur);
	int i = 0;

	list_for_each_entry(r, &sn->regs, node)
		if (i++ == sn->holder)
			holder = r;
	spin_lock_irqsave(&dev->resv_lock, flags);
	list_splice_init(&dev->pr_regs, &cur);
	list_splice_init(&sn->regs, &dev->pr_regs);
	dev->pr_gen = sn->gen;
	dev->pr_type = sn->type;
	dev->pr_holder = sn->type ? holder : NULL;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	dev->pr_aptpl = sn->aptpl;
	/* Registrations are freed only under pr_mutex: nobody uses them. */
	reg_free_list(&cur);
}

struct pr_load_arg {
	struct list_head	list;
	unsigned int		n;
};

static int pr_load_reg(void *arg, const struct ktgt_pr_file_reg *f)
{
	struct pr_load_arg *a = arg;
	struct ktgt_pr_reg *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	r->key = f->key;
	r->proto = f->proto;
	r->all_tg_pt = f->all_tg_pt;
	r->port = kstrndup(f->port, f->port_len, GFP_KERNEL);
	r->tgt_name = kstrndup(f->tgt, f->tgt_len, GFP_KERNEL);
	if (!r->port || !r->tgt_name) {
		reg_free(r);
		return -ENOMEM;
	}
	list_add_tail(&r->node, &a->list);
	a->n++;
	return 0;
}

void ktgt_pr_dev_enable(struct ktgt_device *dev)
{
	const char *name = ktgt_device_name(dev);
	struct pr_load_arg a = { .list = LIST_HEAD_INIT(a.list) };
	struct ktgt_pr_reg *r, *holder = NULL;
	struct ktgt_pr_file_hdr h;
	const char *why = "";
	unsigned long flags;
	char *path = NULL;
	void *buf = NULL;
	unsigned int i = 0;
	ssize_t len;
	int ret;

	might_sleep();
	mutex_lock(&dev->pr_mutex);
	/* Disabled and enabled again: the state in memory is current. */
	if (!list_empty(&dev->pr_regs) || dev->pr_aptpl || dev->pr_gen)
		goto out;
	len = ktgt_pr_file_read(name, &buf, &path);
	if (len == -ENOENT)
		goto out;
	if (len == -EINVAL) {
		pr_err("%s: cannot read the persistent reservation file %s (not a regular file); starting without registrations\n",
		       name, path);
		goto out;
	}
	if (len < 0) {
		pr_err("%s: cannot read the persistent reservation file %s (%zd); starting without registrations\n",
		       name, path ? path : "", len);
		goto out;
	}
	ret = ktgt_pr_file_parse(buf, len, &h, pr_load_reg, &a, &why);
	if (ret) {
		reg_free_list(&a.list);
		pr_err("%s: ignoring the persistent reservation file %s: %s; starting without registrations\n",
		       name, path, ret == -EINVAL ? why : "out of memory");
		goto out;
	}
	list_for_each_entry(r, &a.list, node)
		if (i++ == h.holder)
			holder = r;
	spin_lock_irqsave(&dev->resv_lock, flags);
	list_splice_tail_init(&a.list, &dev->pr_regs);
	dev->pr_gen = h.gen;
	dev->pr_type = h.type;
	dev->pr_holder = h.type ? holder : NULL;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	dev->pr_aptpl = true;
	pr_info("%s: restored %u persistent reservation registrations (type %u) from %s\n",
		name, a.n, h.type, path);
out:
	mutex_unlock(&dev->pr_mutex);
	vfree(buf);
	kfree(path);
}

/*
 * SPEC_I_PT (SPC-4 5.13.7 / 6.16.3): the registrations for the
 * TransportIDs at @p (@tlen bytes, at offset 28 of the parameter list)
 * through the issuer's target port, on @list. A TransportID naming the
 * issuer's own port (or, an iSCSI name alone, every port of that name)
 * is skipped, as are repeats; a port already registered is an error.
 * pr_mutex held. Return: 0, or -EINVAL with @s set, or -ENOMEM.
 */
static int pr_spec_i_pt(struct ktgt_cmd *cmd, const u8 *p, u32 tlen,
			u64 key, bool all_tg_pt, struct list_head *list,
			struct ktgt_sense_info *s)
{
	struct ktgt_device *dev = cmd->core.dev;
	const char *tgt = ktgt_target_name(cmd->sess->tgt);
	struct ktgt_pr_tid *tid;
	struct ktgt_pr_reg *r;
	const char *self;
	u32 off = 0, n = 0;
	int len, ret = 0;
	u8 proto;

	self = ktgt_session_port_id(cmd->sess, &proto);
	tid = kmalloc(sizeof(*tid), GFP_KERNEL);
	if (!tid)
		return -ENOMEM;
	while (off < tlen) {
		len = ktgt_pr_tid_parse(p + off, tlen - off, tid);
		if (len == -EMSGSIZE) {
			ktgt_sense_set(s, KTGT_KEY_ILLEGAL_REQUEST,
				       KTGT_ASC_PARAM_LIST_LENGTH, 0);
			ret = -EINVAL;
			break;
		}
		if (len < 0 || tid->proto != proto) {
			/* Invalid, or not a port of this transport. */
			ktgt_sense_invalid_param(s, 28 + off +
						 (len < 0 ? tid->err_off : 0),
						 len < 0 ? tid->err_bit : 3);
			ret = -EINVAL;
			break;
		}
		/*
		 * The issuer's own port is registered anyway: skipped, also
		 * when named by an iSCSI name alone (format 00b, which
		 * covers the issuer's "<name>,i,0x<ISID>"), else the issuer
		 * would be registered twice.
		 */
		if (ktgt_pr_port_matches(tid->name, self) ||
		    ktgt_pr_port_matches(self, tid->name) ||
		    reg_overlaps(list, tid->name, tgt, all_tg_pt)) {
			off += len;
			continue;
		}
		if (reg_overlaps(&dev->pr_regs, tid->name, tgt, all_tg_pt)) {
			ktgt_sense_invalid_param(s, 28 + off, -1);
			ret = -EINVAL;
			break;
		}
		r = reg_alloc(tid->name, tid->proto, tgt, key, all_tg_pt);
		if (!r) {
			ret = -ENOMEM;
			break;
		}
		r->rtpi = READ_ONCE(cmd->sess->tgt->rel_tgt_id);
		list_add_tail(&r->node, list);
		n++;
		off += len;
	}
	if (!ret && reg_count(&dev->pr_regs) + n + 1 > KTGT_PR_MAX_REGS) {
		ktgt_sense_set(s, KTGT_KEY_ILLEGAL_REQUEST, ASC_INSUFF_REG_RES,
			       ASCQ_INSUFF_REG_RES);
		ret = -EINVAL;
	}
	kfree(tid);
	return ret;
}

/*
 * Whether @r, a registration of another I_T nexus than the issuer's,
 * is one of the issuer's initiator port through another target port,
 * which the issuer's REGISTER AND IGNORE EXISTING KEY with ALL_TG_PT
 * re-keys: the same initiator port name exactly.
 */
static bool pr_atp_replaces(struct ktgt_cmd *cmd, const struct ktgt_pr_reg *r)
{
	return !strcmp(r->port, ktgt_session_port_id(cmd->sess, NULL));
}

/*
 * ALL_TG_PT = 1 in a REGISTER or REGISTER AND IGNORE EXISTING KEY from an
 * unregistered I_T nexus: SPC-4 6.16.3 has the registration made "as if
 * the same registration request had been received individually through
 * each target port". Through a target port where the issuer's initiator
 * port is already registered, a REGISTER (whose RESERVATION KEY is 0
 * here) is one with the wrong key: RESERVATION CONFLICT, for the whole
 * command, as one of its registrations fails. A REGISTER AND IGNORE
 * EXISTING KEY there changes that registration's key: the registration
 * is replaced by the new one (*@replaced; pr_atp_replaces()), unless it
 * also names other initiator ports (an iSCSI name without ISID), whose
 * key the command must not change: RESERVATION CONFLICT too. Without
 * this, one I_T nexus would be registered twice, with two keys.
 * pr_mutex held. Return: true for RESERVATION CONFLICT.
 */
static bool pr_atp_overlaps(struct ktgt_cmd *cmd, bool ignore, bool *replaced)
{
	const char *self = ktgt_session_port_id(cmd->sess, NULL);
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_pr_reg *r;

	list_for_each_entry(r, &dev->pr_regs, node) {
		if (!ktgt_pr_port_matches(r->port, self) &&
		    !ktgt_pr_port_matches(self, r->port))
			continue;
		if (!ignore || !pr_atp_replaces(cmd, r))
			return true;
		*replaced = true;
	}
	return false;
}

/*
 * REGISTER and REGISTER AND IGNORE EXISTING KEY (SPC-4 5.13.7). Sets
 * *@released if the other registrants are to get RESERVATIONS RELEASED
 * (raised by the caller once the change is saved).
 */
static void pro_register(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
			 u64 res_key, u64 sa_key, bool ignore, bool all_tg_pt,
			 const u8 *tids, u32 tlen, bool *notify)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_pr_reg *r = NULL, *old, *tmp;
	struct ktgt_sense_info s;
	unsigned long flags;
	bool released = false, replaced = false;
	LIST_HEAD(extra);
	LIST_HEAD(gone);
	int ret;

	if (!me) {
		if (!ignore && res_key) {
			pr_conflict(cmd);
			return;
		}
		if (!sa_key) {
			ktgt_cmd_good(cmd, 0);
			return;
		}
		if (all_tg_pt && pr_atp_overlaps(cmd, ignore, &replaced)) {
			pr_conflict(cmd);
			return;
		}
		if (reg_count(&dev->pr_regs) >= KTGT_PR_MAX_REGS) {
			ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
				       ASC_INSUFF_REG_RES, ASCQ_INSUFF_REG_RES);
			ktgt_spc_fail(cmd, &s);
			return;
		}
		if (tids) {
			ret = pr_spec_i_pt(cmd, tids, tlen, sa_key, all_tg_pt,
					   &extra, &s);
			if (ret) {
				reg_free_list(&extra);
				if (ret == -EINVAL)
					ktgt_spc_fail(cmd, &s);
				else
					ktgt_cmd_io_error(cmd, ret);
				return;
			}
		}
		r = reg_new(cmd->sess, sa_key, all_tg_pt);
		if (!r) {
			reg_free_list(&extra);
			ktgt_cmd_io_error(cmd, -ENOMEM);
			return;
		}
		/*
		 * All or nothing: the issuer and every SPEC_I_PT port. The
		 * registrations an ALL_TG_PT one re-keys become part of it;
		 * a reservation one of them held is now held by it.
		 */
		spin_lock_irqsave(&dev->resv_lock, flags);
		list_for_each_entry_safe(old, tmp, &dev->pr_regs, node) {
			if (!replaced || !pr_atp_replaces(cmd, old))
				continue;
			list_move_tail(&old->node, &gone);
			if (dev->pr_holder == old)
				dev->pr_holder = r;
		}
		list_add_tail(&r->node, &dev->pr_regs);
		list_splice_tail_init(&extra, &dev->pr_regs);
		dev->pr_gen++;
		spin_unlock_irqrestore(&dev->resv_lock, flags);
		reg_free_list(&gone);
		ktgt_cmd_good(cmd, 0);
		return;
	}
	/* The key first: a wrong one conflicts whatever else is asked. */
	if (!ignore && res_key != me->key) {
		pr_conflict(cmd);
		return;
	}
	if (tids) {
		/* SPEC_I_PT from a registered I_T nexus (SPC-4 table 50). */
		ktgt_sense_invalid_param(&s, 20, 3);
		ktgt_spc_fail(cmd, &s);
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
	*notify = released;
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

/* RELEASE (SPC-4 5.13.11.2); *@notify as for pro_register(). */
static void pro_release(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
			u8 type, bool *notify)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_sense_info s;
	unsigned long flags;

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
	*notify = ktgt_pr_type_reg_only(dev->pr_type);
	dev->pr_type = 0;
	dev->pr_holder = NULL;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	ktgt_cmd_good(cmd, 0);
}

/*
 * CLEAR (SPC-4 5.13.11.3). Every registration moves to @cleared; the
 * caller tells their nexuses RESERVATIONS PREEMPTED once the change is
 * saved, and frees them.
 */
static void pro_clear(struct ktgt_cmd *cmd, struct list_head *cleared)
{
	struct ktgt_device *dev = cmd->core.dev;
	unsigned long flags;

	spin_lock_irqsave(&dev->resv_lock, flags);
	list_splice_init(&dev->pr_regs, cleared);
	dev->pr_type = 0;
	dev->pr_holder = NULL;
	dev->pr_gen++;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	ktgt_cmd_good(cmd, 0);
}

/* PREEMPT and PREEMPT AND ABORT (SPC-4 5.13.11.4). */
/*
 * The preempted registrations are moved to @gone; the caller aborts
 * their tasks (PREEMPT AND ABORT), raises REGISTRATIONS PREEMPTED and
 * frees them once pr_mutex is dropped (pr_preempted()). *@notify as for
 * pro_register(): set when the reservation taken has a new type.
 */
static void pro_preempt(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
			u64 sa_key, u8 type, struct list_head *gone,
			bool *notify)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_pr_reg *r, *tmp;
	struct ktgt_sense_info s;
	unsigned long flags;
	bool take = false;

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
				list_move_tail(&r->node, gone);
		take = true;
	} else {
		/* Preempting the holder's key takes the reservation. */
		take = dev->pr_type && !ktgt_pr_type_all_reg(dev->pr_type) &&
		       dev->pr_holder && dev->pr_holder->key == sa_key;
		list_for_each_entry_safe(r, tmp, &dev->pr_regs, node) {
			if (r->key != sa_key || r == me)
				continue;
			list_move_tail(&r->node, gone);
			/*
			 * Not taken, the holder's registration goes only
			 * under ALL REGISTRANTS, whose reservation stays
			 * with the registrants left (SPC-4 5.13.11.2.4.3),
			 * the issuer among them: it is the holder now, not
			 * the registration about to be freed.
			 */
			if (r == dev->pr_holder && !take)
				dev->pr_holder = me;
		}
		if (list_empty(gone) && !take) {
			spin_unlock_irqrestore(&dev->resv_lock, flags);
			pr_conflict(cmd);
			return;
		}
	}
	if (take) {
		/*
		 * A new type: the registrations left, but the issuer's, are
		 * told RESERVATIONS RELEASED (SPC-4 5.13.11.2.4.3 f).
		 */
		*notify = dev->pr_type != type;
		dev->pr_type = type;
		dev->pr_holder = me;
	}
	dev->pr_gen++;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	ktgt_cmd_good(cmd, 0);
}

/*
 * The end of a PREEMPT (AND ABORT) of the registrations on @gone, without
 * pr_mutex, once the victims' tasks are gone (@abort): wait for the
 * EXTENDED COPY writes to the logical unit that passed their reservation
 * check before the registrations went (dev->pr_fence; the copy itself may
 * have been sent to another logical unit), so the PREEMPT AND ABORT
 * completes after them; then tell each victim REGISTRATIONS PREEMPTED and
 * free the registrations.
 */
static void pr_preempt_end(struct ktgt_cmd *cmd, struct list_head *gone,
			   bool abort)
{
	struct ktgt_device *dev = cmd->core.dev;

	if (abort) {
		down_write(&dev->pr_fence);
		up_write(&dev->pr_fence);
	}
	pr_ua(dev, gone, cmd->sess, KTGT_UAC_REG_PREEMPTED);
	reg_free_list(gone);
}

/* ktgt_lu_abort.done: the tasks a PREEMPT AND ABORT aborted are gone. */
static void pr_abort_done(struct ktgt_lu_abort *ab)
{
	struct pr_abort *pa = container_of(ab, struct pr_abort, ab);
	struct ktgt_cmd *cmd = ab->cmd;

	pr_preempt_end(cmd, &pa->gone, true);
	kfree(pa);
	ktgt_cmd_done(cmd);
}

/*
 * After a PREEMPT (AND ABORT, with @pa), without pr_mutex (an aborted PR
 * OUT of a victim may be waiting for it): abort the victims' tasks on the
 * logical unit. If some are not released yet, the command completes once
 * they are (pr_abort_done()), holding no worker meanwhile; otherwise at
 * once, as PREEMPT does (pr_preempt_end()).
 *
 * Return: KTGT_EXEC_ASYNC if the command completes later, @pa taken with
 * @gone, or KTGT_EXEC_DONE.
 */
static enum ktgt_exec_status pr_preempted(struct ktgt_cmd *cmd,
					  struct list_head *gone,
					  struct pr_abort *pa)
{
	if (list_empty(gone))
		return KTGT_EXEC_DONE;
	if (pa) {
		list_splice_init(gone, &pa->gone);
		pa->a.list = &pa->gone;
		pa->a.issuer = cmd->sess;
		pa->ab.cmd = cmd;
		pa->ab.match = pr_abort_match;
		pa->ab.arg = &pa->a;
		pa->ab.done = pr_abort_done;
		if (ktgt_abort_lu_tasks(&pa->ab))
			return KTGT_EXEC_ASYNC;
		gone = &pa->gone;
	}
	pr_preempt_end(cmd, gone, pa);
	return KTGT_EXEC_DONE;
}

/*
 * The name of the target port with RELATIVE TARGET PORT IDENTIFIER
 * @rtpi (kmalloc'd) in *@name, or NULL. Call without pr_mutex. The
 * target list is only stable under ktgt_cfg_mutex, which the command
 * path may only try for (ktgt_cfg_lock_cmd()).
 *
 * Return: 0, or -EBUSY if a configuration change kept the mutex.
 */
static int pr_rtpi_target(u16 rtpi, char **name)
{
	struct ktgt_target *tgt;

	*name = NULL;
	if (!rtpi)
		return 0;
	if (!ktgt_cfg_lock_cmd())
		return -EBUSY;
	list_for_each_entry(tgt, &ktgt_targets, node) {
		if (READ_ONCE(tgt->rel_tgt_id) == rtpi) {
			*name = kstrdup(ktgt_target_name(tgt), GFP_KERNEL);
			break;
		}
	}
	mutex_unlock(&ktgt_cfg_mutex);
	return 0;
}

/*
 * REGISTER AND MOVE (SPC-4 5.13.8): the reservation goes to the I_T
 * nexus of @tid's initiator port through target port @tgt, registered
 * with @sa_key - re-keyed if it already is registered; with @unreg the
 * issuer's registration goes. @me is the issuer's registration, checked
 * (RESERVATION KEY) by the caller. pr_mutex held.
 */
static void pro_move(struct ktgt_cmd *cmd, struct ktgt_pr_reg *me,
		     u64 sa_key, bool unreg, const struct ktgt_pr_tid *tid,
		     const char *tgt, u16 rtpi)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_pr_reg *r, *dest = NULL, *new = NULL;
	struct ktgt_sense_info s;
	unsigned long flags;
	const char *self;
	u8 proto;

	/* No reservation to move: INVALID FIELD IN CDB (SPC-4 5.13.8). */
	if (!dev->pr_type) {
		ktgt_sense_invalid_cdb(&s, 1, 4);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	/* Only the holder of a reservation that is not ALL REGISTRANTS. */
	if (ktgt_pr_type_all_reg(dev->pr_type) || dev->pr_holder != me) {
		pr_conflict(cmd);
		return;
	}
	self = ktgt_session_port_id(cmd->sess, &proto);
	if (!sa_key) {
		ktgt_sense_invalid_param(&s, 8, -1);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	if (tid->proto != proto) {
		ktgt_sense_invalid_param(&s, 24, 3);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	if (!tgt) {
		ktgt_sense_invalid_param(&s, 18, -1);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	/*
	 * Not to the initiator port it came from, through whichever
	 * target port (SPC-4 5.13.8).
	 */
	if (ktgt_pr_port_matches(tid->name, self)) {
		ktgt_sense_invalid_param(&s, 24, -1);
		ktgt_spc_fail(cmd, &s);
		return;
	}
	/*
	 * The destination's registration, by the rule reg_matches() names
	 * a session's by: an iSCSI name alone (format 00b, as SPEC_I_PT
	 * may have registered it) covers each of its ISIDs.
	 */
	list_for_each_entry(r, &dev->pr_regs, node) {
		if (ktgt_pr_port_matches(r->port, tid->name) &&
		    (r->all_tg_pt || !strcmp(r->tgt_name, tgt))) {
			dest = r;
			break;
		}
	}
	if (!dest) {
		/*
		 * A new registration: within the limit REGISTER keeps
		 * to, else INSUFFICIENT REGISTRATION RESOURCES (SPC-4
		 * 6.16.1). With UNREG the issuer's registration goes, so
		 * the count stays.
		 */
		if (reg_count(&dev->pr_regs) - unreg >= KTGT_PR_MAX_REGS) {
			ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
				       ASC_INSUFF_REG_RES, ASCQ_INSUFF_REG_RES);
			ktgt_spc_fail(cmd, &s);
			return;
		}
		new = reg_alloc(tid->name, tid->proto, tgt, sa_key, false);
		if (!new) {
			ktgt_cmd_io_error(cmd, -ENOMEM);
			return;
		}
		new->rtpi = rtpi;
		dest = new;
	}
	spin_lock_irqsave(&dev->resv_lock, flags);
	/*
	 * The destination is associated with the service action key
	 * whether or not it was registered, with this key or another.
	 */
	if (new)
		list_add_tail(&new->node, &dev->pr_regs);
	else
		dest->key = sa_key;
	dev->pr_holder = dest;
	if (unreg && dest != me)
		list_del(&me->node);
	dev->pr_gen++;
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	if (unreg && dest != me)
		reg_free(me);
	ktgt_cmd_good(cmd, 0);
}

static void pr_length_error(struct ktgt_cmd *cmd)
{
	struct ktgt_sense_info s;

	ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
		       KTGT_ASC_PARAM_LIST_LENGTH, 0);
	ktgt_spc_fail(cmd, &s);
}

/*
 * Return: KTGT_EXEC_ASYNC for a PREEMPT AND ABORT waiting for the tasks it
 * aborted (@cmd is the core's then), else KTGT_EXEC_DONE.
 */
static enum ktgt_exec_status pr_out(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u8 sa = cmd->cdb[1] & 0x1f, scope = cmd->cdb[2] >> 4;
	u8 type = cmd->cdb[2] & 0x0f;
	u32 plen = get_unaligned_be32(&cmd->cdb[5]), tlen = 0;
	enum ktgt_exec_status st = KTGT_EXEC_DONE;
	struct ktgt_pr_tid *tid = NULL;
	struct pr_abort *pa = NULL;
	struct ktgt_sense_info s;
	struct ktgt_pr_reg *me;
	u64 res_key, sa_key;
	const u8 *tids = NULL;
	char *move_tgt = NULL;
	bool was_aptpl, notify = false, snap = false;
	struct pr_snap sn;
	int aptpl = -1;
	LIST_HEAD(cleared);
	LIST_HEAD(gone);
	u8 *p, flags;
	int ret;

	might_sleep();
	if (plen < 24 || plen > PR_OUT_MAX_LEN ||
	    ktgt_spc_dout_len(cmd) < plen) {
		pr_length_error(cmd);
		return KTGT_EXEC_DONE;
	}
	p = kmalloc(plen, GFP_KERNEL);
	if (!p) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		return KTGT_EXEC_DONE;
	}
	if (sg_copy_to_buffer(cmd->sg, cmd->sg_cnt, p, plen) != plen) {
		kfree(p);
		pr_length_error(cmd);
		return KTGT_EXEC_DONE;
	}
	res_key = get_unaligned_be64(p);
	sa_key = get_unaligned_be64(p + 8);
	flags = p[20];

	if (sa == PRO_REGISTER_MOVE) {
		/* SPC-4 6.16.4: UNREG, APTPL, RTPI, one TransportID */
		flags = p[17];
		aptpl = flags & 0x01;
		tlen = get_unaligned_be32(p + 20);
		if (tlen > plen - 24) {
			pr_length_error(cmd);
			goto out_free;
		}
		tid = kmalloc(sizeof(*tid), GFP_KERNEL);
		if (!tid) {
			ktgt_cmd_io_error(cmd, -ENOMEM);
			goto out_free;
		}
		ret = ktgt_pr_tid_parse(p + 24, tlen, tid);
		if (ret == -EMSGSIZE) {
			pr_length_error(cmd);
			goto out_free;
		}
		if (ret < 0) {
			ktgt_sense_invalid_param(&s, 24 + tid->err_off,
						 tid->err_bit);
			ktgt_spc_fail(cmd, &s);
			goto out_free;
		}
		if (pr_rtpi_target(get_unaligned_be16(p + 18), &move_tgt)) {
			/* A configuration change is under way: retry. */
			cmd->status = KTGT_SAM_BUSY;
			cmd->sense_len = 0;
			goto out_free;
		}
	} else if (flags & 0x08) {		/* SPEC_I_PT: REGISTER only */
		if (sa != PRO_REGISTER) {
			ktgt_sense_invalid_param(&s, 20, 3);
			ktgt_spc_fail(cmd, &s);
			goto out_free;
		}
		if (plen < 28) {
			pr_length_error(cmd);
			goto out_free;
		}
		tlen = get_unaligned_be32(p + 24);
		if (tlen > plen - 28) {
			pr_length_error(cmd);
			goto out_free;
		}
		tids = p + 28;
	} else if (plen != 24) {
		pr_length_error(cmd);
		goto out_free;
	}
	if (sa == PRO_REGISTER || sa == PRO_REGISTER_IGNORE)
		aptpl = flags & 0x01;
	if (sa == PRO_RESERVE || sa == PRO_RELEASE || sa == PRO_PREEMPT ||
	    sa == PRO_PREEMPT_ABORT) {
		if (scope) {
			ktgt_sense_invalid_cdb(&s, 2, 7);
			ktgt_spc_fail(cmd, &s);
			goto out_free;
		}
		if (!ktgt_pr_type_valid(type)) {
			ktgt_sense_invalid_cdb(&s, 2, 3);
			ktgt_spc_fail(cmd, &s);
			goto out_free;
		}
	}
	if (sa == PRO_PREEMPT_ABORT) {
		pa = kzalloc(sizeof(*pa), GFP_KERNEL);
		if (!pa) {
			ktgt_cmd_io_error(cmd, -ENOMEM);
			goto out_free;
		}
		INIT_LIST_HEAD(&pa->gone);
	}

	mutex_lock(&dev->pr_mutex);
	was_aptpl = dev->pr_aptpl;
	/* What may have to be put back if the state cannot be saved. */
	if (was_aptpl || aptpl == 1) {
		if (pr_snap_take(dev, &sn)) {
			mutex_unlock(&dev->pr_mutex);
			ktgt_cmd_io_error(cmd, -ENOMEM);
			goto out_free;
		}
		snap = true;
	}
	me = reg_find(dev, cmd->sess);
	/*
	 * A REGISTER of key 0 from an unregistered I_T nexus does nothing
	 * but return GOOD (SPC-4 5.13.7, tables 50 and 51): its APTPL bit
	 * must not turn persistence off for everyone else's registrations.
	 */
	if (!me && !sa_key)
		aptpl = -1;
	switch (sa) {
	case PRO_REGISTER:
	case PRO_REGISTER_IGNORE:
		pro_register(cmd, me, res_key, sa_key,
			     sa == PRO_REGISTER_IGNORE, flags & 0x04, tids,
			     tlen, &notify);
		break;
	case PRO_RESERVE:
	case PRO_RELEASE:
	case PRO_CLEAR:
	case PRO_PREEMPT:
	case PRO_PREEMPT_ABORT:
	case PRO_REGISTER_MOVE:
		/* Only a registered nexus, with its key (5.13.1). */
		if (!me || me->key != res_key) {
			pr_conflict(cmd);
			break;
		}
		if (sa == PRO_RESERVE)
			pro_reserve(cmd, me, type);
		else if (sa == PRO_RELEASE)
			pro_release(cmd, me, type, &notify);
		else if (sa == PRO_CLEAR)
			pro_clear(cmd, &cleared);
		else if (sa == PRO_REGISTER_MOVE)
			pro_move(cmd, me, sa_key, flags & 0x02, tid, move_tgt,
				 get_unaligned_be16(p + 18));
		else
			pro_preempt(cmd, me, sa_key, type, &gone, &notify);
		break;
	default:
		ktgt_sense_invalid_cdb(&s, 1, 4);
		ktgt_spc_fail(cmd, &s);
		break;
	}
	/*
	 * APTPL (SPC-4 5.13.5): the last valid APTPL bit received rules.
	 * A change that cannot be saved (or, APTPL cleared, whose file
	 * cannot be removed) did not happen: the state is put back and
	 * the command fails as one the device server lacks the resources
	 * to complete (SPC-4 6.16.1).
	 */
	if (cmd->status == KTGT_SAM_GOOD) {
		if (aptpl >= 0)
			dev->pr_aptpl = aptpl;
		ret = 0;
		if (dev->pr_aptpl) {
			ret = pr_save(dev);
		} else if (was_aptpl) {
			ret = ktgt_pr_file_remove(ktgt_device_name(dev));
			if (ret)
				pr_err_ratelimited("%s: cannot remove the persistent reservation file: %d\n",
						   ktgt_device_name(dev), ret);
		}
		if (ret && snap) {
			pr_snap_restore(dev, &sn);
			snap = false;
			reg_free_list(&cleared);
			reg_free_list(&gone);
			notify = false;
			ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
				       ASC_INSUFF_REG_RES, ASCQ_INSUFF_REG_RES);
			ktgt_spc_fail(cmd, &s);
		}
	}
	if (snap)
		reg_free_list(&sn.regs);
	/* pr_mutex keeps the lists stable without resv_lock. */
	if (notify)
		pr_ua(dev, &dev->pr_regs, cmd->sess, KTGT_UAC_RES_RELEASED);
	if (!list_empty(&cleared))
		pr_ua(dev, &cleared, cmd->sess, KTGT_UAC_RES_PREEMPTED);
	pr_check_holder(dev);
	mutex_unlock(&dev->pr_mutex);
	reg_free_list(&cleared);
	st = pr_preempted(cmd, &gone, pa);
	if (st == KTGT_EXEC_ASYNC)
		pa = NULL;	/* the core's, with @cmd */
out_free:
	kfree(pa);
	kfree(move_tgt);
	kfree(tid);
	kfree(p);
	return st;
}

/*
 * ---------------------------------------------------------------------
 * PERSISTENT RESERVE IN
 * ---------------------------------------------------------------------
 */

/* The TransportID of a registration: its length, written if @buf. */
static u32 reg_transport_id(const struct ktgt_pr_reg *r, u8 *buf)
{
	return ktgt_pr_tid_build(r->proto, r->port, buf);
}

/*
 * The RELATIVE TARGET PORT IDENTIFIER of @r's target port: that of the
 * live target of that name if one has a session (rel_tgt_id changes only
 * while a target is disabled, so it may differ from what was recorded),
 * else the one recorded with the registration. For an ALL_TG_PT
 * registration SPC-4 leaves the field undefined; it gets the port the
 * registration came through. pr_mutex held, not resv_lock (takes
 * ktgt_sessions' xa_lock).
 */
static u16 pr_reg_rtpi(const struct ktgt_pr_reg *r)
{
	struct ktgt_session *sess;
	unsigned long id;
	u16 rtpi = r->rtpi;

	xa_lock(&ktgt_sessions);
	xa_for_each(&ktgt_sessions, id, sess) {
		if (!strcmp(ktgt_target_name(sess->tgt), r->tgt_name)) {
			rtpi = READ_ONCE(sess->tgt->rel_tgt_id);
			break;
		}
	}
	xa_unlock(&ktgt_sessions);
	return rtpi;
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
	buf = kvzalloc(len, GFP_KERNEL);	/* READ FULL STATUS: to ~290 KB */
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
		buf[2] = 0x10 | 0x08 | 0x04 | 0x01; /* CRH SIP_C ATP_C PTPL_C */
		buf[3] = 0x80;		/* TMV: the type mask is valid */
		if (dev->pr_aptpl)
			buf[3] |= 0x01;	/* PTPL_A */
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
	if (sa == PRI_READ_FULL_STATUS) {
		/* pr_mutex keeps the list as it was just walked. */
		off = 8;
		list_for_each_entry(r, &dev->pr_regs, node) {
			put_unaligned_be16(pr_reg_rtpi(r), buf + off + 18);
			off += 24 + get_unaligned_be32(buf + off + 20);
		}
	}
	mutex_unlock(&dev->pr_mutex);
	ktgt_spc_send(cmd, buf, off);
	kvfree(buf);
}

bool ktgt_pr_exec(struct ktgt_cmd *cmd, enum ktgt_exec_status *st)
{
	switch (cmd->cdb[0]) {
	case 0x5e:
		pr_in(cmd);
		*st = KTGT_EXEC_DONE;
		return true;
	case 0x5f:
		*st = pr_out(cmd);
		return true;
	default:
		return false;
	}
}
