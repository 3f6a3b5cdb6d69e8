// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: the EXTENDED COPY copy manager of direct-access devices
 * (SPC-4 6.4 EXTENDED COPY(LID1), 6.18 RECEIVE COPY RESULTS).
 *
 * What it copies
 * ==============
 * Block device to block device segments (02h) between logical units the
 * issuing I_T nexus can see: each identification target descriptor (E4h)
 * names a logical unit by the NAA designator of its VPD page 83h, and is
 * looked up among the LUNs of the command's session (its LUN set). The
 * parameter list is parsed by the portable core/xcopy_data.c.
 *
 * How
 * ===
 * Through the handlers' own medium operations (->rw), with internal
 * commands (ktgt_sbc_io_dev(), core/sbc.c): a chunk of the source is read
 * into a buffer from the sgv pool and written to the destination, FUA if
 * the destination's write cache is off. The copy waits for each of
 * them in its worker, on ktgt_long_wq (core/cmd.c), never on
 * ktgt_exec_wq, whose rescuer would make the commands it takes with a
 * copy wait until the copy ends. The command is not re-entered
 * into the engine, so a copy is not ordered against other commands
 * writing the same blocks (SPC-4 does not require atomicity of a copy),
 * except that each write to the destination holds its device's
 * caw_rwsem shared, so that it never lands inside a COMPARE AND WRITE
 * or ORWRITE (core/sbc.c).
 * Before anything is read or written, each copy source is checked as if
 * the issuing I_T nexus had sent it a READ, each copy destination as if
 * it had sent a WRITE - ALUA state, persistent and SPC-2 reservations,
 * the engine's own checks - and the copy is aborted if one would be
 * refused (xcopy_check_access()). The same checks are made again before
 * each chunk is read and before it is written, with whether the
 * EXTENDED COPY was aborted and whether the LUNs are still the nexus'
 * own (xcopy_recheck()): a copy stops, between chunks, once its nexus is
 * fenced off a logical unit it copies from or to, once it is aborted,
 * or once a LUN it uses is unmapped. Each write holds its destination's
 * pr_fence shared from that check until it is done, so that a PREEMPT
 * AND ABORT (core/pr.c) completes only after a write that passed its
 * check before the preempt has landed.
 *
 * Lifetimes and locking
 * =====================
 * Each target descriptor's LUN is held (lun->ref, ktgt_lun_get()) from
 * its lookup until the copy ends, so neither the LUN nor its device can
 * go away under the copy; the device's parameters (block size, NAA id)
 * only change while it is disabled, which a mapped device cannot be.
 *
 * The copy operation (struct xcopy_op, with the parsed parameter list and
 * the internal command) comes from xcopy_op_pool, a mempool over a slab
 * cache of its own, not from kmalloc() per command: an EXTENDED COPY is
 * a per-I/O command for the initiators that clone with it, and
 * mempool_alloc(GFP_KERNEL) does not fail. Each command holds one
 * operation until it completes and waits on nothing that needs a
 * second, so XCOPY_OP_RESERVE reserved operations guarantee progress.
 * The pool is set up at module load, before any device exists
 * (ktgt_xcopy_init(), from ktgt_sbc_init()), and freed at unload.
 *
 * Every copy being executed is on xcopy_running, under xcopy_lock (an
 * irq-safe spinlock never held while sleeping), from the moment its
 * parameter list is parsed until it completes: the copy manager of a
 * logical unit runs at most KTGT_XCOPY_MAX_CONCURRENT copies at a time,
 * what RECEIVE COPY OPERATING PARAMETERS and VPD page 8Fh advertise as
 * TOTAL and MAXIMUM IDENTIFIED CONCURRENT COPIES, and refuses more with
 * ILLEGAL REQUEST, INSUFFICIENT RESOURCES; a copy whose LIST IDENTIFIER
 * (LIST ID USAGE 00b or 10b) is that of a copy still running on the same
 * I_T nexus and logical unit is refused with ILLEGAL REQUEST, OPERATION
 * IN PROGRESS - exactly, however many copies run. RECEIVE COPY RESULTS
 * of a running copy reads its progress there.
 * The outcome of a finished copy whose LIST ID USAGE asks for it (00b,
 * 10b) is kept for RECEIVE COPY RESULTS in a small table (xcopy_results,
 * under xcopy_lock), keyed by session id, LUN and LIST IDENTIFIER; the
 * oldest entry is reused when the table is full, and a new copy with
 * the same key discards the entry of the old one. Session ids are never
 * reused, so a stale entry is only ever found by nobody.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mempool.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"
#include "sense.h"
#include "sbc_io.h"
#include "xcopy.h"
#include "xcopy_data.h"

/* The parameter list bytes the parser may need: header and descriptors. */
#define XCOPY_PARAM_MAX		(KTGT_XCOPY_HDR_LEN + \
				 KTGT_XCOPY_MAX_DESC_LIST_LEN)
/* Bytes moved per internal read/write pair. */
#define XCOPY_CHUNK_BYTES	SZ_1M
/* Copy outcomes kept for RECEIVE COPY RESULTS. */
#define XCOPY_NR_RESULTS	32
/* Copy operations xcopy_op_pool keeps in reserve. */
#define XCOPY_OP_RESERVE	2

#define XCOPY_DESIG_TYPE_NAA	0x3
#define XCOPY_OP_READ_16	0x88
#define XCOPY_OP_WRITE_16	0x8a
#define XCOPY_ASC_OP_IN_PROGRESS	0x00	/* ASCQ 16h */
#define XCOPY_ASCQ_OP_IN_PROGRESS	0x16
#define XCOPY_ASC_INSUFFICIENT_RESOURCES	0x55	/* ASCQ 03h */
#define XCOPY_ASCQ_INSUFFICIENT_RESOURCES	0x03

/**
 * struct xcopy_result - what RECEIVE COPY RESULTS reports about a copy
 * @seq: when the copy ended (0: free entry), to find the oldest
 * @sess_id: the I_T nexus (ktgt_session.id)
 * @lun: the LUN the EXTENDED COPY was addressed to
 * @list_id: its LIST IDENTIFIER
 * @status: COPY MANAGER STATUS (KTGT_XCOPY_STATUS_*)
 * @segs: segments processed
 * @bytes: bytes written to destinations
 * @scsi_status: the status the EXTENDED COPY completed with
 * @sense_len: bytes in @sense
 * @sense: its sense data
 */
struct xcopy_result {
	u64	seq;
	u64	sess_id;
	u64	lun;
	u8	list_id;
	u8	status;
	u16	segs;
	u64	bytes;
	u8	scsi_status;
	u8	sense_len;
	u8	sense[KTGT_SENSE_LEN];
};

/* xcopy_running, xcopy_results, xcopy_seq */
static DEFINE_SPINLOCK(xcopy_lock);
static LIST_HEAD(xcopy_running);
static struct xcopy_result xcopy_results[XCOPY_NR_RESULTS];
static u64 xcopy_seq;

/**
 * struct xcopy_op - one EXTENDED COPY being executed
 * @x: the parsed parameter list
 * @luns: the LUN each target descriptor names, held
 * @io: the internal command
 * @node: its entry in xcopy_running (xcopy_lock)
 * @dev: the device the EXTENDED COPY was sent to (whose copy manager
 *	runs it); only compared, while the command holds it
 * @sess_id: the I_T nexus it came from (ktgt_session.id)
 * @lun: the LUN it was sent to
 * @identified: LIST ID USAGE 00b or 10b: @x.list_id names it
 * @segs: segments processed (written under xcopy_lock)
 * @bytes: bytes written (likewise)
 */
struct xcopy_op {
	struct ktgt_xcopy		x;
	struct ktgt_lun			*luns[KTGT_XCOPY_MAX_TGT_DESCS];
	struct sbc_io			io;
	struct list_head		node;
	const struct ktgt_device	*dev;
	u64				sess_id;
	u64				lun;
	bool				identified;
	u16				segs;
	u64				bytes;
};

static struct kmem_cache *xcopy_op_cache;
static mempool_t *xcopy_op_pool;

int ktgt_xcopy_init(void)
{
	xcopy_op_pool = ktgt_slab_pool_create("ktgt_xcopy_op",
					      sizeof(struct xcopy_op),
					      __alignof__(struct xcopy_op),
					      XCOPY_OP_RESERVE, &xcopy_op_cache);
	return xcopy_op_pool ? 0 : -ENOMEM;
}

void ktgt_xcopy_exit(void)
{
	ktgt_slab_pool_destroy(xcopy_op_pool, xcopy_op_cache);
}

static void xcopy_fail(struct ktgt_cmd *cmd, u8 key, u8 asc, u8 ascq)
{
	struct ktgt_sense_info err;

	ktgt_sense_set(&err, key, asc, ascq);
	ktgt_cmd_sense(cmd, &err);
}

/* The finished entry of (@sess_id, @lun, @list_id), or NULL. Locked. */
static struct xcopy_result *xcopy_find(u64 sess_id, u64 lun, u8 list_id)
{
	unsigned int i;

	for (i = 0; i < XCOPY_NR_RESULTS; i++) {
		struct xcopy_result *r = &xcopy_results[i];

		if (r->seq && r->sess_id == sess_id && r->lun == lun &&
		    r->list_id == list_id)
			return r;
	}
	return NULL;
}

/* The running identified copy (@sess_id, @lun, @list_id), or NULL. Locked. */
static struct xcopy_op *xcopy_find_running(u64 sess_id, u64 lun, u8 list_id)
{
	struct xcopy_op *op;

	list_for_each_entry(op, &xcopy_running, node) {
		if (op->identified && op->sess_id == sess_id &&
		    op->lun == lun && op->x.list_id == list_id)
			return op;
	}
	return NULL;
}

/*
 * Put @op, parsed, on xcopy_running; false if @cmd failed: a copy with
 * its list identifier is running on the I_T nexus and LU (OPERATION IN
 * PROGRESS), or the LU's copy manager already runs
 * KTGT_XCOPY_MAX_CONCURRENT copies (INSUFFICIENT RESOURCES). The
 * finished entry of an earlier copy with the same list identifier, if
 * any, is discarded: RECEIVE COPY RESULTS now reports the new copy.
 */
static bool xcopy_start(struct ktgt_cmd *cmd, struct xcopy_op *op)
{
	struct xcopy_result *r;
	unsigned long flags;
	struct xcopy_op *e;
	unsigned int n = 0;

	op->dev = cmd->core.dev;
	op->sess_id = cmd->sess->id;
	op->lun = cmd->lun;
	op->identified = op->x.list_id_usage != KTGT_XCOPY_LID_NONE;
	spin_lock_irqsave(&xcopy_lock, flags);
	if (op->identified &&
	    xcopy_find_running(op->sess_id, op->lun, op->x.list_id)) {
		spin_unlock_irqrestore(&xcopy_lock, flags);
		xcopy_fail(cmd, KTGT_KEY_ILLEGAL_REQUEST,
			   XCOPY_ASC_OP_IN_PROGRESS, XCOPY_ASCQ_OP_IN_PROGRESS);
		return false;
	}
	list_for_each_entry(e, &xcopy_running, node)
		n += e->dev == op->dev;
	if (n >= KTGT_XCOPY_MAX_CONCURRENT) {
		spin_unlock_irqrestore(&xcopy_lock, flags);
		xcopy_fail(cmd, KTGT_KEY_ILLEGAL_REQUEST,
			   XCOPY_ASC_INSUFFICIENT_RESOURCES,
			   XCOPY_ASCQ_INSUFFICIENT_RESOURCES);
		return false;
	}
	if (op->identified) {
		r = xcopy_find(op->sess_id, op->lun, op->x.list_id);
		if (r)
			r->seq = 0;
	}
	list_add_tail(&op->node, &xcopy_running);
	spin_unlock_irqrestore(&xcopy_lock, flags);
	return true;
}

/*
 * Record the progress of a running copy: COPY STATUS of a copy in
 * progress reports the segments processed and the bytes written so far
 * (SPC-4 6.18.3), not zeros until the copy ends.
 */
static void xcopy_progress(struct xcopy_op *op, u16 segs, u64 bytes)
{
	unsigned long flags;

	spin_lock_irqsave(&xcopy_lock, flags);
	op->segs = segs;
	op->bytes = bytes;
	spin_unlock_irqrestore(&xcopy_lock, flags);
}

/*
 * Take @op off xcopy_running, and keep the outcome of @cmd (already given
 * its status) if its list identifier names it: in a free entry, else in
 * the oldest.
 */
static void xcopy_end(struct ktgt_cmd *cmd, struct xcopy_op *op)
{
	struct xcopy_result *r = NULL;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&xcopy_lock, flags);
	list_del(&op->node);
	for (i = 0; op->identified && i < XCOPY_NR_RESULTS; i++) {
		struct xcopy_result *e = &xcopy_results[i];

		if (!r || e->seq < r->seq)
			r = e;
	}
	if (r) {
		memset(r, 0, sizeof(*r));
		r->seq = ++xcopy_seq;
		r->sess_id = op->sess_id;
		r->lun = op->lun;
		r->list_id = op->x.list_id;
		r->status = cmd->status == KTGT_SAM_GOOD ?
			    KTGT_XCOPY_STATUS_GOOD : KTGT_XCOPY_STATUS_ERROR;
		r->segs = op->segs;
		r->bytes = op->bytes;
		r->scsi_status = cmd->status;
		r->sense_len = min_t(u8, cmd->sense_len, sizeof(r->sense));
		memcpy(r->sense, cmd->sense, r->sense_len);
	}
	spin_unlock_irqrestore(&xcopy_lock, flags);
}

/*
 * End @cmd with COPY ABORTED for an error met while processing a segment
 * descriptor (@a: its segment number, segment pointer and residual), in
 * the sense data format of the logical unit @cmd was sent to. SPC-4
 * (EXTENDED COPY, errors detected during processing of segment
 * descriptors) wants the number of that segment in the third and
 * fourth bytes of the COMMAND-SPECIFIC INFORMATION field, the residual
 * of the segment in the INFORMATION field if some of its data was
 * written, and the SENSE KEY SPECIFIC field in its segment pointer form:
 * the first byte of the target descriptor of a copy target that could
 * not be reached or failed, or the byte in error of the segment
 * descriptor (ktgt_xcopy_abort_sense()).
 */
static void xcopy_abort(struct ktgt_cmd *cmd, const struct ktgt_xcopy_abort *a)
{
	bool desc = cmd->core.dev && ktgt_spc_d_sense(cmd->core.dev);

	cmd->status = KTGT_SAM_CHECK_CONDITION;
	cmd->data_len = 0;
	cmd->resid = 0;
	cmd->sense_len = ktgt_xcopy_abort_sense(cmd->sense, sizeof(cmd->sense),
						desc, a);
}

/*
 * COPY ABORTED in segment @seg because of target descriptor @tgt (a
 * copy target that cannot be reached or failed): its first byte is the
 * segment pointer. @done of the segment's @nr blocks were written, from
 * its first block on, or from its last if @backward; SPC-4 counts the
 * residual from the first block, so a segment copied from its end
 * still has all its blocks to write.
 */
static void xcopy_abort_tgt(struct ktgt_cmd *cmd, u8 asc, u8 ascq, u16 seg,
			    u16 tgt, u32 done, bool backward, u32 nr)
{
	struct ktgt_xcopy_abort a = {
		.asc = asc, .ascq = ascq, .seg = seg,
		.has_field = true, .bit = -1, .field = ktgt_xcopy_tgt_off(tgt),
	};

	if (done) {
		a.has_resid = true;
		a.resid = backward ? nr : nr - min(done, nr);
	}
	xcopy_abort(cmd, &a);
}

static void xcopy_bad_param(struct ktgt_cmd *cmd, u32 field, int bit)
{
	struct ktgt_sense_info err;

	ktgt_sense_invalid_param(&err, (u16)field, bit);
	ktgt_cmd_sense(cmd, &err);
}

/*
 * The LUN of @cmd's session whose device has the NAA designator of @t,
 * held; NULL if there is none (or it is not a direct-access device).
 */
static struct ktgt_lun *xcopy_find_lun(struct ktgt_cmd *cmd,
				       const struct ktgt_xcopy_tgt *t)
{
	struct ktgt_lun *l, *found = NULL;
	struct ktgt_lun_set *set;
	unsigned long idx;

	if (t->type != XCOPY_DESIG_TYPE_NAA ||
	    t->len != sizeof(l->dev->params.naa_id))
		return NULL;
	rcu_read_lock();
	set = rcu_dereference(cmd->sess->lun_set);
	if (set) {
		xa_for_each(&set->luns, idx, l) {
			if (!l->dev->type->sbc ||
			    memcmp(l->dev->params.naa_id, t->desig, t->len))
				continue;
			found = ktgt_lun_get(set, idx);
			if (found)
				break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * Look up every target descriptor and check its DISK BLOCK LENGTH, a
 * parameter list error found before any segment is processed (ILLEGAL
 * REQUEST, INVALID FIELD IN PARAMETER LIST); false if @cmd failed.
 */
static bool xcopy_resolve(struct ktgt_cmd *cmd, struct xcopy_op *op)
{
	unsigned int i;

	for (i = 0; i < op->x.nr_tgts; i++) {
		const struct ktgt_xcopy_tgt *t = &op->x.tgts[i];
		u32 off = ktgt_xcopy_tgt_off(i);

		/*
		 * One that names no LU the nexus sees is an unreachable copy
		 * target for the segments using it (ktgt_xcopy_check_seg()).
		 */
		op->luns[i] = xcopy_find_lun(cmd, t);
		if (!op->luns[i])
			continue;
		if (t->block_size != op->luns[i]->dev->params.block_size) {
			xcopy_bad_param(cmd, off + 29, 7);
			return false;
		}
	}
	return true;
}

/*
 * Whether the issuing I_T nexus could itself read (@write false) or write
 * @l: the checks a READ(16) or WRITE(16) it sent to that LUN would pass in
 * ktgt_cmd_submit() - the asymmetric access state of the target port
 * group its target port is in for @l's device, then the persistent and
 * SPC-2 reservations. Only the operation code matters to them.
 */
static bool xcopy_may_access(struct ktgt_cmd *cmd, struct ktgt_lun *l,
			     bool write)
{
	u8 cdb[16] = { write ? XCOPY_OP_WRITE_16 : XCOPY_OP_READ_16 };
	struct ktgt_sense_info s;

	return !ktgt_alua_check_nexus(l->dev, cmd->sess, cdb, sizeof(cdb),
				      &s) &&
	       !ktgt_reserve_check_nexus(l->dev, cmd->sess, cdb, sizeof(cdb));
}

/*
 * Check segment @seg before any of its data moves (ktgt_xcopy_check_seg():
 * target indexes, copy targets found, ranges, write protection), then
 * whether the issuing I_T nexus may read its source and write its
 * destination (see below); false if @cmd failed, with COPY ABORTED
 * naming @seg and, in its segment pointer, the segment descriptor's
 * field or the target descriptor at fault.
 */
static bool xcopy_check_seg(struct ktgt_cmd *cmd, struct xcopy_op *op,
			    u16 seg)
{
	struct ktgt_xcopy_cscd t[KTGT_XCOPY_MAX_TGT_DESCS];
	const struct ktgt_xcopy_seg *s = &op->x.segs[seg];
	struct ktgt_xcopy_abort a;
	unsigned int i;

	memset(t, 0, sizeof(t));
	for (i = 0; i < op->x.nr_tgts; i++) {
		struct ktgt_lun *l = op->luns[i];

		if (!l)
			continue;
		t[i].found = true;
		t[i].read_only = l->read_only || l->dev->params.read_only;
		t[i].capacity = ktgt_device_capacity(l->dev);
	}
	if (ktgt_xcopy_check_seg(&op->x, seg, t, &a)) {
		xcopy_abort(cmd, &a);
		return false;
	}
	if (!s->nr_blocks)
		return true;
	if (!xcopy_may_access(cmd, op->luns[s->src], false)) {
		xcopy_abort_tgt(cmd, KTGT_ASC_COPY_TARGET_ERROR,
				KTGT_ASCQ_COPY_TARGET_NOT_REACHABLE, seg,
				s->src, 0, false, 0);
		return false;
	}
	if (!xcopy_may_access(cmd, op->luns[s->dst], true)) {
		xcopy_abort_tgt(cmd, KTGT_ASC_COPY_TARGET_ERROR,
				KTGT_ASCQ_COPY_TARGET_NOT_REACHABLE, seg,
				s->dst, 0, false, 0);
		return false;
	}
	return true;
}

/*
 * Check every access the segments will make, before any is made; false
 * if @cmd failed.
 *
 * The copy manager acts for the I_T nexus the EXTENDED COPY came from
 * (it finds the logical units through that nexus' LUNs), so it may read
 * a copy source only where that nexus may READ, and write a copy
 * destination only where it may WRITE: a reservation that fences the
 * nexus off a logical unit (SPC-4 5.13.1, table 52; SPC-2 5.5.1), or a
 * standby, unavailable, transitioning or offline target port group
 * (SPC-4 5.15.2.4), fences the copy off it too. Checking all of them
 * first, with everything else xcopy_check_seg() checks, means a refused
 * copy writes nothing; its sense names the segment that would have
 * failed, and RECEIVE COPY RESULTS reports no segment processed. The
 * same checks are made again when each segment is reached, as SPC-4
 * recommends (copy targets may change meanwhile).
 *
 * A refused access ends the command with CHECK CONDITION, COPY ABORTED,
 * COPY TARGET DEVICE NOT REACHABLE, not with RESERVATION CONFLICT (or
 * the target port group's NOT READY): that status and sense describe
 * the logical unit the EXTENDED COPY was addressed to, which accepted
 * it. SPC-4 (EXTENDED COPY, errors detected during processing of
 * segment descriptors) reports a copy source or destination that cannot
 * be reached, or that refuses the copy manager's command, with COPY
 * ABORTED - as this copy manager already does for a logical unit it
 * cannot find or a range past its end. The failure is kept for RECEIVE
 * COPY RESULTS like any other: no segment processed, no byte written.
 * (Linux's LIO, whose copy manager sends its reads and writes through
 * its reservation checks as an I_T nexus of its own, reports their
 * conflicts the same way.)
 * An access granted here can still race with a reservation being taken
 * meanwhile, as a command already past its checks can; xcopy_recheck()
 * makes the same checks again before every chunk.
 */
static bool xcopy_check_access(struct ktgt_cmd *cmd, struct xcopy_op *op)
{
	unsigned int i;

	for (i = 0; i < op->x.nr_segs; i++) {
		if (!xcopy_check_seg(cmd, op, i))
			return false;
	}
	return true;
}

/*
 * Whether @l is still one of the LUNs of @cmd's session: unmapping
 * takes it out of its set first (core/lun.c), and a session moved to
 * another initiator group sees another set.
 */
static bool xcopy_lun_mapped(struct ktgt_cmd *cmd, struct ktgt_lun *l)
{
	struct ktgt_lun_set *set;
	bool mapped;

	rcu_read_lock();
	set = rcu_dereference(cmd->sess->lun_set);
	mapped = set && xa_load(&set->luns, (unsigned long)l->lun) == l;
	rcu_read_unlock();
	return mapped;
}

/*
 * Whether the copy may go on with its next read of @src or write of
 * @dst; false if @cmd failed. Called before each chunk is read and
 * before it is written, in process context without locks; takes RCU and
 * the devices' resv_lock only inside the checks, as a command's own
 * checks do.
 *
 * xcopy_check_access() passed once, at the start; a reservation can be
 * taken, a registration preempted, a target port group made standby or
 * a LUN unmapped while the copy runs - for up to 16 segments of 64 MB.
 * A PREEMPT AND ABORT of the issuing nexus' registration on the
 * destination aborts that nexus' tasks on the destination, not an
 * EXTENDED COPY sent to another logical unit, yet it must fence the
 * copy's writes off the destination as it fences the nexus' own WRITEs:
 * so the access checks are made again here, and the copy ends as it
 * would have at the start (COPY ABORTED, COPY TARGET DEVICE NOT
 * REACHABLE), after the chunks already written (RECEIVE COPY RESULTS
 * counts them). The one chunk already past its check when the fence
 * came may still land, as an aborted command already past its checks
 * may, but before the PREEMPT AND ABORT completes: the check before a
 * write and the write hold the destination's pr_fence shared, which the
 * PREEMPT AND ABORT takes exclusively once before it completes.
 * An aborted EXTENDED COPY (task management, a PREEMPT AND ABORT on its
 * own logical unit, QErr, the end of its session) stops too: the engine
 * reports it as TASK ABORTED anyway, and its initiator, told so, must
 * not see its writes go on.
 */
static bool xcopy_recheck(struct ktgt_cmd *cmd, struct xcopy_op *op,
			  u16 seg, u32 done, bool backward)
{
	const struct ktgt_xcopy_seg *s = &op->x.segs[seg];
	struct ktgt_lun *src = op->luns[s->src], *dst = op->luns[s->dst];
	u16 bad;

	if (ktgt_cmd_is_aborted(cmd)) {
		cmd->status = KTGT_SAM_TASK_ABORTED;
		cmd->sense_len = 0;
		cmd->data_len = 0;
		return false;
	}
	if (!xcopy_lun_mapped(cmd, src) || !xcopy_may_access(cmd, src, false))
		bad = s->src;
	else if (!xcopy_lun_mapped(cmd, dst) ||
		 !xcopy_may_access(cmd, dst, true))
		bad = s->dst;
	else
		return true;
	xcopy_abort_tgt(cmd, KTGT_ASC_COPY_TARGET_ERROR,
			KTGT_ASCQ_COPY_TARGET_NOT_REACHABLE, seg, bad, done,
			backward, s->nr_blocks);
	return false;
}

/*
 * A read of a copy source (@write false) or a write of a copy destination
 * failed, and ktgt_sbc_io_dev() gave @cmd that transfer's status and sense
 * - those of another logical unit, or of this one at another LBA.
 * Reported as they are, a MEDIUM ERROR of the copy source would tell the
 * initiator that the logical unit it sent the EXTENDED COPY to failed,
 * with an INFORMATION field that is an LBA of the copy source. SPC-4
 * (EXTENDED COPY, errors detected during processing of segment
 * descriptors) ends the command with COPY ABORTED instead: here THIRD
 * PARTY DEVICE FAILURE, with the number of segment @seg, the target
 * descriptor @tgt of the copy target that failed as segment pointer, the
 * residual of the segment, and the status and sense that copy target
 * gave the copy manager (those of the internal command, op->io.cmd,
 * built in the sense format of that copy target's logical unit)
 * forwarded unchanged - appended to fixed format sense, in a forwarded
 * sense data descriptor of descriptor format (ktgt_xcopy_abort_sense()).
 * A status without sense (BUSY, TASK SET FULL) is kept, for the
 * initiator to retry the copy.
 */
static void xcopy_io_failed(struct ktgt_cmd *cmd, struct xcopy_op *op,
			    u16 seg, u16 tgt, u32 done, bool backward,
			    bool write)
{
	const struct ktgt_cmd *ic = &op->io.cmd;
	u32 nr = op->x.segs[seg].nr_blocks;
	struct ktgt_xcopy_abort a = {
		.asc = KTGT_ASC_COPY_TARGET_ERROR,
		.ascq = KTGT_ASCQ_THIRD_PARTY_DEVICE_FAILURE,
		.seg = seg, .has_field = true, .bit = -1,
		.field = ktgt_xcopy_tgt_off(tgt),
		.fwd = write ? KTGT_XCOPY_FWD_DEST : KTGT_XCOPY_FWD_SOURCE,
		.fwd_status = ic->status,
		.fwd_len = min_t(u8, ic->sense_len, sizeof(ic->sense)),
		.fwd_sense = ic->sense,
	};

	if (cmd->status != KTGT_SAM_CHECK_CONDITION)
		return;
	if (done) {
		a.has_resid = true;
		a.resid = backward ? nr : nr - min(done, nr);
	}
	xcopy_abort(cmd, &a);
}

static void xcopy_put_luns(struct xcopy_op *op)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(op->luns); i++)
		if (op->luns[i])
			ktgt_lun_put(op->luns[i]);
}

/* Copy segment @seg; false if @cmd failed. */
static bool xcopy_segment(struct ktgt_cmd *cmd, struct xcopy_op *op,
			  u16 seg)
{
	const struct ktgt_xcopy_seg *s = &op->x.segs[seg];
	u32 bs, chunk, n, done, off, flags = 0;
	struct ktgt_lun *src, *dst;
	struct scatterlist *sg;
	unsigned int nents;
	bool backward;
	void *h;
	int ret;

	/* Checked before the copy; again now that it is reached. */
	if (!xcopy_check_seg(cmd, op, seg))
		return false;
	if (!s->nr_blocks)
		return true;
	src = op->luns[s->src];
	dst = op->luns[s->dst];
	/*
	 * Equal block sizes and the segment's length were checked by the
	 * parser, against the target descriptors, whose DISK BLOCK LENGTH
	 * xcopy_resolve() checked against the LUs (a mapped device's block
	 * size does not change): never refused here, after earlier
	 * segments were copied.
	 */
	bs = src->dev->params.block_size;
	if (!ktgt_spc_wce(dst->dev))
		flags |= KTGT_CDB_FUA;

	/*
	 * The destination is a copy of the source as it was: a range
	 * copied onto a later, overlapping range of the same device is
	 * copied from its end, or a chunk would read blocks an earlier one
	 * already overwrote.
	 */
	backward = src->dev == dst->dev && s->dst_lba > s->src_lba &&
		   s->dst_lba - s->src_lba < s->nr_blocks;
	chunk = min_t(u32, s->nr_blocks, max(XCOPY_CHUNK_BYTES / bs, 1U));
	h = ktgt_sgv_alloc(chunk * bs, GFP_KERNEL, &sg, &nents);
	if (!h) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		return false;
	}
	for (done = 0; done < s->nr_blocks; done += n) {
		n = min_t(u32, s->nr_blocks - done, chunk);
		off = backward ? s->nr_blocks - done - n : done;
		if (!xcopy_recheck(cmd, op, seg, done, backward))
			break;
		if (ktgt_sbc_io_dev(cmd, &op->io, src->dev, src->lun,
				    KTGT_DIR_READ, s->src_lba + off, n, sg,
				    nents, 0)) {
			xcopy_io_failed(cmd, op, seg, s->src, done, backward,
					false);
			break;
		}
		/*
		 * The read may have waited long: fenced off meanwhile? The
		 * check and the write are one pr_fence section.
		 */
		down_read(&dst->dev->pr_fence);
		if (!xcopy_recheck(cmd, op, seg, done, backward)) {
			up_read(&dst->dev->pr_fence);
			break;
		}
		/* Not into a COMPARE AND WRITE (see core/sbc.c). */
		down_read(&dst->dev->caw_rwsem);
		ret = ktgt_sbc_io_dev(cmd, &op->io, dst->dev, dst->lun,
				      KTGT_DIR_WRITE, s->dst_lba + off, n, sg,
				      nents, flags);
		up_read(&dst->dev->caw_rwsem);
		up_read(&dst->dev->pr_fence);
		if (ret) {
			xcopy_io_failed(cmd, op, seg, s->dst, done, backward,
					true);
			break;
		}
		xcopy_progress(op, op->segs, op->bytes + (u64)n * bs);
	}
	ktgt_sgv_free(h);
	return done >= s->nr_blocks;
}

void ktgt_xcopy_exec(struct ktgt_cmd *cmd)
{
	u32 len = ktgt_spc_dout_len(cmd), plen;
	struct ktgt_sense_info err;
	struct xcopy_op *op;
	unsigned int i;
	u8 *param;
	int ret;

	might_sleep();
	/* PARAMETER LIST LENGTH 0: nothing to do (SPC-4 6.4.1). */
	if (!len) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	/* Sleeps for a reserved operation rather than fail (see above). */
	op = mempool_alloc(xcopy_op_pool, GFP_KERNEL);
	memset(op, 0, sizeof(*op));
	/* The parser reads no further than header + descriptor lists. */
	plen = min_t(u32, len, XCOPY_PARAM_MAX);
	param = ktgt_cmd_buf(cmd, plen);
	if (!param) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		goto out;
	}
	ret = ktgt_xcopy_parse(param, plen, &op->x, &err);
	ktgt_cmd_buf_put(cmd, param);
	if (ret) {
		ktgt_cmd_sense(cmd, &err);
		goto out;
	}

	if (!xcopy_start(cmd, op))
		goto out;
	if (xcopy_resolve(cmd, op) && xcopy_check_access(cmd, op)) {
		for (i = 0; i < op->x.nr_segs; i++) {
			if (!xcopy_segment(cmd, op, i))
				break;
			xcopy_progress(op, op->segs + 1, op->bytes);
		}
		if (i == op->x.nr_segs)
			ktgt_cmd_good(cmd, 0);
	}
	xcopy_put_luns(op);
	xcopy_end(cmd, op);
out:
	mempool_free(op, xcopy_op_pool);
}

void ktgt_xcopy_results(struct ktgt_cmd *cmd)
{
	u8 buf[KTGT_RCR_FAILED_HDR_LEN + KTGT_SENSE_LEN];
	u8 sa = cmd->cdb[1] & 0x1f, list_id = cmd->cdb[2];
	struct ktgt_sense_info err;
	struct xcopy_result r = {};
	struct xcopy_result *e;
	struct xcopy_op *op;
	unsigned long flags;
	u32 n;

	if (sa == KTGT_RCR_OP_PARAMS) {
		n = ktgt_xcopy_op_params(buf, sizeof(buf));
		ktgt_spc_send(cmd, buf, n);
		return;
	}
	if (sa != KTGT_RCR_COPY_STATUS && sa != KTGT_RCR_FAILED_SEGMENT) {
		ktgt_sense_invalid_cdb(&err, 1, 4);
		ktgt_cmd_sense(cmd, &err);
		return;
	}

	/* A running copy first: its progress; else a finished one. */
	spin_lock_irqsave(&xcopy_lock, flags);
	op = xcopy_find_running(cmd->sess->id, cmd->lun, list_id);
	e = op ? NULL : xcopy_find(cmd->sess->id, cmd->lun, list_id);
	if (op) {
		r.status = KTGT_XCOPY_STATUS_RUNNING;
		r.segs = op->segs;
		r.bytes = op->bytes;
	} else if (e) {
		r = *e;
	}
	spin_unlock_irqrestore(&xcopy_lock, flags);
	/* No copy with that list identifier on this I_T nexus. */
	if (!op && !e) {
		ktgt_sense_invalid_cdb(&err, 2, 7);
		ktgt_cmd_sense(cmd, &err);
		return;
	}
	if (sa == KTGT_RCR_COPY_STATUS)
		n = ktgt_xcopy_copy_status(buf, sizeof(buf), r.status, r.segs,
					   r.bytes);
	else if (r.status == KTGT_XCOPY_STATUS_RUNNING)
		n = ktgt_xcopy_failed_segment(buf, sizeof(buf), 0, NULL, 0);
	else
		n = ktgt_xcopy_failed_segment(buf, sizeof(buf), r.scsi_status,
					      r.sense, r.sense_len);
	ktgt_spc_send(cmd, buf, n);
}
