// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: the command state machine.
 *
 * Every SCSI command a target driver receives passes through here, from
 * ktgt_cmd_submit() to ->free_cmd(). Documentation/api.rst describes the
 * life cycle for driver and handler writers; this comment is about how it
 * is implemented.
 *
 * Stages
 * ======
 *
 * submit (driver's context)
 *	enter the session (sess->cmds), TASK SET FULL past the session's
 *	queue depth, CDB length, LUN lookup (absent LUNs: only INQUIRY,
 *	REPORT LUNS and REQUEST SENSE are answered), CDB decode, unit
 *	attention, task attribute, LBA range, write protection, buffer
 *	reservation (BUSY past max_buffer_mb), then admission to the
 *	device's task set, which may defer the command (dev->deferred).
 * run (submit's context, or a worker after deferral)
 *	allocate the buffer from the sgv pool (in atomic context only from
 *	its cache; on a miss the command moves to a worker that allocates
 *	with GFP_KERNEL) unless the driver took it before submit
 *	(ktgt_cmd_alloc_buf(), KTGT_CF_EARLY_BUF), then for data-out ->rdy_to_xfer() and wait for
 *	ktgt_cmd_rx_done(). A data-in buffer the handler sizes itself
 *	(->exec_buf, KTGT_CF_EXEC_BUF: a variable-block tape READ) is
 *	neither reserved nor allocated before exec, where the handler
 *	takes it with ktgt_cmd_exec_buf().
 * exec (inline, or a worker when the context does not allow it)
 *	REPORT LUNS and REQUEST SENSE here; SBC devices through
 *	ktgt_sbc_exec(); the others through the handler's ->exec(), which
 *	passes what it does not implement to ktgt_spc_exec(). DONE or,
 *	later, ktgt_cmd_done().
 * finish
 *	leave the task set (restarting deferred commands it held back),
 *	replace the outcome by TASK ABORTED if the command was aborted,
 *	compute the residual, count statistics, ->xmit_response().
 * release
 *	ktgt_cmd_xmit_done() frees the buffer and drops the driver's
 *	reference; the last reference leaves the session, drops the LUN and
 *	calls ->free_cmd().
 *
 * Unit attention and all other checks happen at submit, before the data
 * phase: a command that is going to fail does not make the initiator
 * send its data first, and a pending unit attention is reported in the
 * order the commands arrived.
 *
 * Task ordering (SAM-5 8.6; rules in core/order.c)
 * =================================================
 *
 * A command enters its device's task set at submit, in arrival order, so
 * ordering follows the order the initiator sent the commands, not the
 * order their data arrived. Under dev->order_lock (irq-safe, never held
 * with another lock):
 *
 * - dev->nr_active counts the commands admitted and not finished,
 *   dev->nr_ordered the ORDERED ones among them, dev->nr_hoq the HEAD
 *   OF QUEUE ones;
 * - dev->active lists the admitted commands that write the medium, the
 *   only ones another command can be held back by for overlap;
 * - dev->deferred lists, in arrival order, the commands not admitted
 *   yet.
 *
 * A command is admitted if ktgt_order_must_wait() holds it back for
 * neither an admitted nor an earlier deferred command, and no HEAD OF
 * QUEUE command is admitted; HEAD OF QUEUE is unless
 * ktgt_order_excludes() holds it back for an admitted one.
 * COMPARE AND WRITE and ORWRITE (atomic, see order.h) are on dev->active
 * as writes, so a command of any I_T nexus accessing their blocks is
 * deferred until they finish, and they are deferred until the writes
 * admitted before them to their blocks finish: the atomicity SBC-3 5.2
 * asks for costs the plain READ/WRITE path nothing beyond the walk of
 * dev->active it already does. When a command finishes, the deferred
 * list is rescanned in order and every command that may now start is
 * admitted and restarted from the engine's workqueue (never inline, to
 * bound the stack).
 *
 * Contexts
 * ========
 *
 * With KTGT_CTX_THREAD everything runs inline in the caller's context.
 * With KTGT_CTX_ATOMIC the core executes inline only plain READ/WRITE
 * commands of a device whose handler sets exec_atomic (the nullio fast
 * path), the commands the core answers itself without a device (absent
 * LUNs, REPORT LUNS, REQUEST SENSE); KTGT_CTX_NOWAIT (a transport's
 * receive thread) adds those of a device set nowait (fileio on tmpfs,
 * blockio on a queue that takes REQ_NOWAIT), executed in a memalloc_noio
 * scope, and a handler that finds it would have to wait gives the
 * command back with ktgt_cmd_requeue(); everything else is queued with
 * queue_work() to ktgt_exec_wq, a per-CPU (bound) WQ_HIGHPRI |
 * WQ_MEM_RECLAIM workqueue, which runs it on the submitting CPU, except
 * the commands that wait in their worker for other commands' I/O, which
 * run on ktgt_long_wq (ktgt_spc_exec_long(); see where it is declared),
 * wherever they come from. Driver
 * callbacks are called in atomic context only if the driver sets
 * callbacks_atomic; otherwise they are bounced to the same workqueue.
 * ktgt_cmd_done() may be called in any context; it tells process context
 * from atomic context with preemptible(), which is always false (so
 * always bounces) on kernels without CONFIG_PREEMPT_COUNT.
 *
 * Each command has one work item; at most one stage of a command is
 * queued or running at a time, and core.state says which.
 *
 * Aborts
 * ======
 *
 * Task management and session teardown set KTGT_CF_ABORTED on commands
 * (with a reference, under sess->lock). The flag is tested at every
 * hand-over: a command that has not started executing ends with TASK
 * ABORTED without executing; deferred ones are pulled off dev->deferred
 * by a rescan; an executing one runs to completion and is then reported
 * as TASK ABORTED, without data. The TMF waits until every command it
 * aborted was released by the driver (ktgt_cmd_xmit_done()), and every
 * command of its own session it covers whose status was on its way
 * (KTGT_CS_XMIT, KTGT_CF_FENCE), then calls ->tmf_done(): the driver sees
 * those commands back before the TMF response, which then never
 * overtakes their status, even on another of the transport's
 * connections, nor when the TMF saw KTGT_CS_XMIT before the driver had
 * queued the status. A TMF covers only the commands its session
 * submitted before ktgt_tmf_submit() (core.sn below tmf->sn, numbered
 * under sess->lock), although it runs later, on ktgt_tmf_wq. It does not
 * sleep there while it waits: it is parked, and finished by a work item
 * of its own once a scan finds its tasks gone ("Functions that wait",
 * with the task management functions), so that waiting functions never
 * hold the workqueue's workers. PREEMPT AND ABORT
 * (ktgt_abort_lu_tasks()) is parked the same way, its command completed
 * only once its tasks are gone, holding no worker of ktgt_exec_wq.
 *
 * QErr 01b/11b (control mode page) aborts the same way, without waiting,
 * when a command is about to be sent with CHECK CONDITION
 * (cmd_qerr_abort(), from process context: a command finishing in atomic
 * context goes to a worker first), and before that command leaves the
 * task set, so none of the commands it held back starts before it is
 * marked.
 *
 * Locking
 * =======
 *
 * sess->lock (irq-safe): sess->cmds, sess->nr_cmds, sess->nr_tmfs,
 * sess->cmd_sn, sess->dying, core.sn.
 * tmf_wait_lock (process context, taken with no other lock, none taken
 * under it): tmf_waiting, the parked TMFs and PREEMPT AND ABORTs.
 * dev->order_lock (irq-safe): the ordering state above.
 * core.cflags: atomic bit operations. core.state: written by the stage
 * that owns the command, read locklessly (READ_ONCE) by aborts.
 * ktgt_sessions' xa_lock -> sess->lock when task management walks every
 * session.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bsearch.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu_counter.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"
#include "order.h"
#include "sense.h"
#include "spc_data.h"
#include "ua_queue.h"

/* core.state: where a command is; see the top of the file. */
enum ktgt_cmd_state {
	KTGT_CS_NEW,		/* filled by ktgt_cmd_init() */
	KTGT_CS_CHECK,		/* ktgt_cmd_submit() checking it */
	KTGT_CS_WAIT,		/* on dev->deferred */
	KTGT_CS_RUN,		/* admitted, getting its buffer (worker) */
	KTGT_CS_XFER,		/* ->rdy_to_xfer() to be called (worker) */
	KTGT_CS_DATA_OUT,	/* the driver is fetching the data-out */
	KTGT_CS_EXEC_Q,		/* queued for execution (worker) */
	KTGT_CS_EXEC,		/* executing */
	KTGT_CS_DONE,		/* finished; ->xmit_response() pending */
	KTGT_CS_XMIT,		/* ->xmit_response() called */
	KTGT_CS_RELEASED,	/* ktgt_cmd_xmit_done() called */
	KTGT_CS_FREE,		/* last reference gone; ->free_cmd() (worker) */
};

/* core.cflags bits. */
enum {
	KTGT_CF_ABORTED,	/* aborted by a TMF or session teardown */
	KTGT_CF_ADMITTED,	/* in the device's task set (nr_active) */
	KTGT_CF_ON_ACTIVE,	/* on dev->active */
	KTGT_CF_RESERVED,	/* bufflen counted in ktgt_buf_bytes */
	KTGT_CF_DATA_IN_SG,	/* data-out received into the buffer */
	KTGT_CF_ATOMIC_EXEC,	/* executing in atomic context */
	KTGT_CF_NOWAIT_EXEC,	/* executing with KTGT_CTX_NOWAIT */
	KTGT_CF_KICKED,		/* its abort was pushed through ordering */
	KTGT_CF_SILENT,		/* aborted with no status to send */
	KTGT_CF_QERR,		/* CHECK CONDITION: QErr aborts, then leaves */
	KTGT_CF_QERR_NEXUS,	/* ... with QErr 11b: its I_T nexus only */
	KTGT_CF_WRITE_CUT,	/* write cut to the blocks the transport sends */
	KTGT_CF_READ_CUT,	/* read cut to the blocks the transport takes */
	KTGT_CF_FENCE,		/* a TMF waits for its status to be sent */
	KTGT_CF_DO_ABORTED,	/* ->data_out_aborted() called for it */
	/* buffers taken before submit */
	KTGT_CF_EARLY_BUF,	/* buffer from ktgt_cmd_alloc_buf() */
	KTGT_CF_NO_BUF,		/* ktgt_cmd_alloc_buf() failed: BUSY */
	/* the handler takes the data-in buffer in ->exec() (->exec_buf) */
	KTGT_CF_EXEC_BUF,
};

#define KTGT_OP_REQUEST_SENSE	0x03
#define KTGT_OP_INQUIRY		0x12
#define KTGT_OP_REPORT_LUNS	0xa0

/* ASC/ASCQ the engine reports. */
#define KTGT_ASC_WRITE_ERROR		0x0c	/* 0Ch/00h WRITE ERROR */
#define KTGT_ASC_UNRECOVERED_READ	0x11	/* 11h/00h */
#define KTGT_ASC_LUN_NOT_SUPPORTED	0x25	/* 25h/00h */
#define KTGT_ASC_WRITE_PROTECTED	0x27	/* 27h/00h, 27h/07h */
/* 0Eh/03h INVALID FIELD IN COMMAND INFORMATION UNIT */
#define KTGT_ASC_INVALID_FIELD_IN_CIU	0x0e
#define KTGT_ASCQ_INVALID_FIELD_IN_CIU	0x03
#define KTGT_ASCQ_SPACE_ALLOC_FAILED	0x07
#define KTGT_ASC_INTERNAL_TARGET_FAILURE 0x44	/* 44h/00h */
#define KTGT_ASC_INVALID_MESSAGE	0x49	/* 49h/00h */
#define KTGT_ASC_DATA_PHASE_ERROR	0x4b	/* 4Bh/00h */
/* 47h/05h PROTOCOL SERVICE CRC ERROR */
#define KTGT_ASC_PROTOCOL_CRC_ERROR	0x47
#define KTGT_ASCQ_PROTOCOL_CRC_ERROR	0x05

static bool exec_nowait = true;
module_param(exec_nowait, bool, 0644);
MODULE_PARM_DESC(exec_nowait,
		 "execute the commands of a nowait device in a KTGT_CTX_NOWAIT submitter's thread (default 1; 0: on the workers, for comparison)");

static unsigned int max_buffer_mb;
module_param(max_buffer_mb, uint, 0644);
MODULE_PARM_DESC(max_buffer_mb,
		 "data buffer memory of all commands, in MiB, past which commands get BUSY (default 0: a quarter of RAM)");

/* The engine's workers; see "Contexts" above. */
static struct workqueue_struct *ktgt_exec_wq;
/*
 * The execution of the commands ktgt_spc_exec_long() names: EXTENDED
 * COPY, which waits in its worker for its internal reads and writes of
 * other logical units (and for a COMPARE AND WRITE there), and
 * PERSISTENT RESERVE IN/OUT, which wait for the APTPL file, for
 * pr_mutex, and in a PREEMPT AND ABORT for the copies writing to the LU
 * (dev->pr_fence). Not WQ_MEM_RECLAIM, and that is what it is for: the
 * rescuer of a WQ_MEM_RECLAIM workqueue, called when a new worker is
 * slow to come, takes every pending work item of the workqueue and runs
 * them one after the other, so on ktgt_exec_wq any command behind a
 * copy whose I/O is slow waited until that copy ended. No initiator's
 * writeback or swap-out depends on these commands (a page is written
 * with WRITE, and the kernel's block layer issues flushes, discards and
 * zeroing with SYNCHRONIZE CACHE, UNMAP and WRITE SAME, which stay on
 * ktgt_exec_wq): one whose worker is slow to come merely waits, and
 * holds up nothing on ktgt_exec_wq. Unbound: copies are long and need
 * no cache locality.
 */
static struct workqueue_struct *ktgt_long_wq;
/* Task management functions, which wait for commands. */
static struct workqueue_struct *ktgt_tmf_wq;
/*
 * Buffer bytes reserved by commands, and the default limit. A per-CPU
 * counter, so that a command's reservation and release write no cache
 * line shared with other CPUs: each CPU's delta is folded into the total
 * once it reaches KTGT_BUF_BATCH, and the limit is checked against the
 * exact sum only when the approximate one is within KTGT_BUF_BATCH per
 * online CPU of it (__percpu_counter_compare()).
 */
static struct percpu_counter ktgt_buf_bytes;
#define KTGT_BUF_BATCH	(32 << 20)
static u64 ktgt_buf_default_limit;
/*
 * Task management functions and PREEMPT AND ABORTs parked while they
 * wait for the tasks they aborted (struct ktgt_abort_wait), and their
 * scan; see "Functions that wait" further down.
 */
static LIST_HEAD(tmf_waiting);
static DEFINE_SPINLOCK(tmf_wait_lock);
static atomic_t tmf_nr_waiting = ATOMIC_INIT(0);
static void tmf_scan_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(tmf_scan_work, tmf_scan_fn);

static void cmd_finish(struct ktgt_cmd *cmd, bool may_sleep);
static void cmd_run(struct ktgt_cmd *cmd, enum ktgt_ctx ctx);
static void cmd_exec(struct ktgt_cmd *cmd, enum ktgt_ctx ctx);
static void cmd_release(struct kref *ref);
static void cmd_work_fn(struct work_struct *work);
static void cmd_qerr_abort(struct ktgt_cmd *cmd, unsigned int qerr);

static inline struct ktgt_tgt_template *cmd_tt(const struct ktgt_cmd *cmd)
{
	return cmd->sess->tgt->tt;
}

static inline bool cmd_aborted(const struct ktgt_cmd *cmd)
{
	return test_bit(KTGT_CF_ABORTED, &cmd->core.cflags);
}

static inline const struct ktgt_cdb_desc *cmd_desc(const struct ktgt_cmd *cmd)
{
	return cmd->core.desc;
}

/*
 * A READ or WRITE of a logical unit (ktgt_cdb_is_rw()): it skips the
 * tests of execution for what the engine answers itself, reservation
 * commands and commands that need a thread, all of which it is not.
 */
static inline bool cmd_is_rw(const struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *d = cmd_desc(cmd);

	return d && cmd->core.dev && ktgt_cdb_is_rw(d->opcode);
}

/*
 * Whether the current context may sleep. Without CONFIG_PREEMPT_COUNT
 * preemptible() is always 0 and callers bounce to a worker.
 */
static inline bool ctx_may_sleep(void)
{
	return preemptible() && in_task() && !rcu_preempt_depth();
}

/* Whether a driver calling with @ctx may be made to sleep. */
static inline bool ctx_sleeps(enum ktgt_ctx ctx)
{
	return ctx != KTGT_CTX_ATOMIC;
}

/*
 * End @cmd as aborted with no status to send: its nexus is gone, or the
 * driver gave its data phase up for a task management function.
 */
static void cmd_end_silently(struct ktgt_cmd *cmd, enum ktgt_ctx ctx)
{
	set_bit(KTGT_CF_SILENT, &cmd->core.cflags);
	set_bit(KTGT_CF_ABORTED, &cmd->core.cflags);
	/* Pairs with the barrier in ktgt_cmd_xmit_done(). */
	smp_mb__after_atomic();
	cmd_finish(cmd, ctx_sleeps(ctx));
}

/* Move @cmd to @state and run it from the engine's workqueue. */
static void cmd_queue(struct ktgt_cmd *cmd, unsigned int state)
{
	WRITE_ONCE(cmd->core.state, state);
	/* Bound workqueue: queue_work() runs it on this CPU. */
	queue_work(ktgt_exec_wq, &cmd->core.work);
}

/*
 * ---------------------------------------------------------------------
 * Status and sense
 * ---------------------------------------------------------------------
 */

/* Descriptor format if the device's control mode page asks for it. */
static void cmd_sense(struct ktgt_cmd *cmd, const struct ktgt_sense_info *s)
{
	bool desc = cmd->core.dev && ktgt_spc_d_sense(cmd->core.dev);

	cmd->status = KTGT_SAM_CHECK_CONDITION;
	cmd->data_len = 0;
	cmd->data_with_cc = false;
	cmd->resid = 0;
	cmd->sense_len = ktgt_sense_build(cmd->sense, sizeof(cmd->sense),
					  desc, s);
}

void ktgt_cmd_sense(struct ktgt_cmd *cmd, const struct ktgt_sense_info *s)
{
	cmd_sense(cmd, s);
}

bool ktgt_cmd_is_aborted(const struct ktgt_cmd *cmd)
{
	return cmd_aborted(cmd);
}

void ktgt_cmd_copy_status(struct ktgt_cmd *dst, const struct ktgt_cmd *src)
{
	dst->status = src->status;
	dst->data_len = 0;
	dst->resid = 0;
	dst->sense_len = min_t(u8, src->sense_len, sizeof(dst->sense));
	memcpy(dst->sense, src->sense, dst->sense_len);
}

bool ktgt_cmd_lun_read_only(const struct ktgt_cmd *cmd)
{
	const struct ktgt_lun *lun = cmd->core.lun_ref;

	return lun && lun->read_only;
}

static void cmd_status(struct ktgt_cmd *cmd, u8 status)
{
	cmd->status = status;
	cmd->data_len = 0;
	cmd->data_with_cc = false;
	cmd->resid = 0;
	cmd->sense_len = 0;
}

void ktgt_cmd_check_condition(struct ktgt_cmd *cmd, u8 key, u8 asc, u8 ascq)
{
	struct ktgt_sense_info s;

	ktgt_sense_set(&s, key, asc, ascq);
	cmd_sense(cmd, &s);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_check_condition);

/*
 * cmd->resid holds, until the command finishes, how many bytes of data-in
 * the command would have returned without truncation, for the overflow
 * residual.
 */
void ktgt_cmd_good(struct ktgt_cmd *cmd, u32 data_len)
{
	u64 wanted = 0;

	if (cmd->core.dir == KTGT_DIR_READ || cmd->core.dir == KTGT_DIR_BIDI)
		wanted = min_t(u64, data_len, cmd->core.xfer_len);
	cmd->status = KTGT_SAM_GOOD;
	cmd->sense_len = 0;
	cmd->data_with_cc = false;
	cmd->resid = (u32)wanted;
	cmd->data_len = min_t(u64, wanted, cmd->bufflen);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_good);

void ktgt_cmd_set_status(struct ktgt_cmd *cmd, u8 status, const u8 *sense,
			 unsigned int sense_len, u32 data_len)
{
	if (status == KTGT_SAM_GOOD || status == KTGT_SAM_CONDITION_MET) {
		ktgt_cmd_good(cmd, data_len);
		cmd->status = status;
	} else {
		cmd_status(cmd, status);
	}
	if (sense && sense_len) {
		cmd->sense_len = min_t(unsigned int, sense_len,
				       sizeof(cmd->sense));
		memcpy(cmd->sense, sense, cmd->sense_len);
	}
}
EXPORT_SYMBOL_GPL(ktgt_cmd_set_status);

/*
 * An errno of the backing store in SCSI terms. What the medium (or the
 * device under it, or the path to it) failed to do is a MEDIUM ERROR,
 * with the first logical block in error in the INFORMATION field when
 * the handler knows it (SBC-4 4.18.1: VALID = 1 and that LBA). A
 * temporary shortage is BUSY, which the initiator retries. Anything else
 * is the target's own failure (an invalid request to the store, a
 * buffer shorter than the command, an operation the store lacks): not
 * the medium's, so HARDWARE ERROR, INTERNAL TARGET FAILURE, as SCST
 * reports its internal errors.
 */
bool ktgt_io_error_medium(int err)
{
	switch (err) {
	case -EIO:		/* BLK_STS_IOERR, and a file that shrank */
	case -ENODATA:		/* BLK_STS_MEDIUM */
	case -EILSEQ:		/* BLK_STS_PROTECTION */
	case -EREMOTEIO:	/* BLK_STS_TARGET */
	case -ETIMEDOUT:	/* BLK_STS_TIMEOUT */
	case -ENOLINK:		/* BLK_STS_TRANSPORT */
	case -EBADE:		/* BLK_STS_NEXUS */
	case -ENODEV:		/* BLK_STS_OFFLINE */
		return true;
	default:
		return false;
	}
}
EXPORT_SYMBOL_GPL(ktgt_io_error_medium);

static void cmd_io_error(struct ktgt_cmd *cmd, int err, bool has_lba,
			 u64 lba)
{
	struct ktgt_sense_info s;

	if (ktgt_io_error_medium(err)) {
		ktgt_sense_set(&s, KTGT_KEY_MEDIUM_ERROR,
			       cmd->core.dir == KTGT_DIR_READ ?
			       KTGT_ASC_UNRECOVERED_READ : KTGT_ASC_WRITE_ERROR,
			       0);
		if (has_lba)
			ktgt_sense_set_info(&s, lba);
		cmd_sense(cmd, &s);
		return;
	}
	switch (err) {
	case -ENOSPC:
		ktgt_sense_set(&s, KTGT_KEY_DATA_PROTECT,
			       KTGT_ASC_WRITE_PROTECTED,
			       KTGT_ASCQ_SPACE_ALLOC_FAILED);
		break;
	case -EROFS:
		ktgt_sense_set(&s, KTGT_KEY_DATA_PROTECT,
			       KTGT_ASC_WRITE_PROTECTED, 0);
		break;
	case -ENOMEM:
	case -EBUSY:		/* BLK_STS_DEV_RESOURCE */
	case -EAGAIN:
		cmd_status(cmd, KTGT_SAM_BUSY);
		return;
	default:
		ktgt_sense_set(&s, KTGT_KEY_HARDWARE_ERROR,
			       KTGT_ASC_INTERNAL_TARGET_FAILURE, 0);
		break;
	}
	cmd_sense(cmd, &s);
}

void ktgt_cmd_io_error(struct ktgt_cmd *cmd, int err)
{
	cmd_io_error(cmd, err, false, 0);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_io_error);

void ktgt_cmd_io_error_lba(struct ktgt_cmd *cmd, int err, u64 lba)
{
	cmd_io_error(cmd, err, true, lba);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_io_error_lba);

/*
 * ---------------------------------------------------------------------
 * Linear access to the data buffer, for emulated commands
 * ---------------------------------------------------------------------
 */

/**
 * struct ktgt_bounce - a linear copy of a data buffer
 * @len: bytes in @data
 * @data: the copy
 */
struct ktgt_bounce {
	u32	len;
	u8	data[] __aligned(8);
};

static void *cmd_buf_direct(struct ktgt_cmd *cmd)
{
	struct scatterlist *sg = cmd->sg;

	if (!sg || !cmd->sg_cnt || PageHighMem(sg_page(sg)))
		return NULL;
	return page_address(sg_page(sg)) + sg->offset;
}

/*
 * The first @len bytes of the buffer, mapped in place when they lie in
 * its first (low memory) entry and @direct_ok, else copied to a bounce
 * buffer that ktgt_cmd_buf_put() copies back. @len may exceed bufflen:
 * emulated commands may build their full data and let ktgt_cmd_good()
 * truncate.
 */
static void *cmd_buf_map(struct ktgt_cmd *cmd, u32 len, bool direct_ok)
{
	struct ktgt_bounce *b;
	gfp_t gfp;
	void *p;

	if (!len || len > KTGT_MAX_XFER_BYTES)
		return NULL;
	p = cmd_buf_direct(cmd);
	if (p && direct_ok && len <= cmd->bufflen && len <= cmd->sg->length)
		return p;

	gfp = test_bit(KTGT_CF_ATOMIC_EXEC, &cmd->core.cflags) ?
		GFP_ATOMIC : GFP_KERNEL;
	b = kvzalloc(struct_size(b, data, len), gfp | __GFP_NOWARN);
	if (!b)
		return NULL;
	b->len = len;
	if (cmd->sg && cmd->bufflen)
		sg_copy_to_buffer(cmd->sg, cmd->sg_cnt, b->data,
				  min(len, cmd->bufflen));
	return b->data;
}

void *ktgt_cmd_buf(struct ktgt_cmd *cmd, u32 len)
{
	return cmd_buf_map(cmd, len, true);
}

/*
 * A driver's own buffer may be user pages that another thread rewrites
 * while the command runs: a parameter list checked, then applied, is
 * read from a private copy.
 */
void *ktgt_cmd_param(struct ktgt_cmd *cmd, u32 len)
{
	return cmd_buf_map(cmd, len, !(cmd->flags & KTGT_CMD_DRIVER_SG));
}

void ktgt_cmd_buf_put(struct ktgt_cmd *cmd, void *buf)
{
	struct ktgt_bounce *b;

	if (!buf || buf == cmd_buf_direct(cmd))
		return;
	b = container_of(buf, struct ktgt_bounce, data[0]);
	if (cmd->sg && cmd->bufflen && cmd->core.dir != KTGT_DIR_WRITE)
		sg_copy_from_buffer(cmd->sg, cmd->sg_cnt, b->data,
				    min(b->len, cmd->bufflen));
	kvfree(b);
}

/*
 * ---------------------------------------------------------------------
 * Task ordering
 * ---------------------------------------------------------------------
 */

static void cmd_order_desc(const struct ktgt_cmd *cmd,
			   struct ktgt_order_cmd *oc)
{
	ktgt_order_cmd_set(oc, cmd->sess, cmd->attr, cmd_desc(cmd),
			   cmd->core.lba, cmd->core.nr_blocks);
}

/*
 * Whether @oc must wait for an admitted command or for a deferred one
 * before @stop (all of them if @stop is NULL). dev->order_lock held.
 */
static bool order_blocked(struct ktgt_device *dev,
			  const struct ktgt_order_cmd *oc,
			  const struct ktgt_cmd *stop)
{
	struct ktgt_order_cmd other;
	struct ktgt_cmd *c;

	if (oc->attr == KTGT_TASK_HEAD_OF_QUEUE) {
		/* It overtakes the waiting, but not into an atomic command. */
		if (!oc->reads && !oc->writes)
			return false;
		list_for_each_entry(c, &dev->active, core.dev_node) {
			cmd_order_desc(c, &other);
			if (ktgt_order_excludes(&other, oc))
				return true;
		}
		return false;
	}
	/* SAM-5 8.6.2, 8.6.3: nothing overtakes the enabled ORDERED or HOQ */
	if (dev->nr_ordered || dev->nr_hoq)
		return true;
	if (oc->attr == KTGT_TASK_ORDERED && dev->nr_active)
		return true;
	if (oc->reads || oc->writes) {
		list_for_each_entry(c, &dev->active, core.dev_node) {
			cmd_order_desc(c, &other);
			if (ktgt_order_must_wait(&other, oc))
				return true;
		}
	}
	list_for_each_entry(c, &dev->deferred, core.dev_node) {
		if (c == stop)
			break;
		cmd_order_desc(c, &other);
		if (ktgt_order_must_wait(&other, oc))
			return true;
	}
	return false;
}

/* Admit @cmd to the task set. dev->order_lock held. */
static void order_enter(struct ktgt_device *dev, struct ktgt_cmd *cmd,
			const struct ktgt_order_cmd *oc)
{
	dev->nr_active++;
	if (cmd->attr == KTGT_TASK_ORDERED)
		dev->nr_ordered++;
	else if (cmd->attr == KTGT_TASK_HEAD_OF_QUEUE)
		dev->nr_hoq++;
	if (oc->writes) {
		list_add_tail(&cmd->core.dev_node, &dev->active);
		set_bit(KTGT_CF_ON_ACTIVE, &cmd->core.cflags);
	}
	set_bit(KTGT_CF_ADMITTED, &cmd->core.cflags);
}

/*
 * Start what the deferred list holds that may start now, and send the
 * aborted commands on it to their end. dev->order_lock held.
 */
static void order_rescan_locked(struct ktgt_device *dev)
{
	struct ktgt_order_cmd oc;
	struct ktgt_cmd *c, *tmp;

	list_for_each_entry_safe(c, tmp, &dev->deferred, core.dev_node) {
		if (cmd_aborted(c)) {
			list_del_init(&c->core.dev_node);
			cmd_queue(c, KTGT_CS_RUN);
			continue;
		}
		cmd_order_desc(c, &oc);
		if (order_blocked(dev, &oc, c))
			continue;
		list_del_init(&c->core.dev_node);
		order_enter(dev, c, &oc);
		cmd_queue(c, KTGT_CS_RUN);
	}
}

static void order_rescan(struct ktgt_device *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->order_lock, flags);
	order_rescan_locked(dev);
	spin_unlock_irqrestore(&dev->order_lock, flags);
}

/*
 * Enter @cmd into its device's task set, or defer it. Return: true if it
 * may go on now, false if it was deferred (a rescan restarts it).
 */
static bool order_admit(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_order_cmd oc;
	unsigned long flags;

	if (!dev)
		return true;
	cmd_order_desc(cmd, &oc);
	spin_lock_irqsave(&dev->order_lock, flags);
	if (!cmd_aborted(cmd) && order_blocked(dev, &oc, NULL)) {
		WRITE_ONCE(cmd->core.state, KTGT_CS_WAIT);
		list_add_tail(&cmd->core.dev_node, &dev->deferred);
		/*
		 * An abort marked since the check above may have looked at
		 * the state before WAIT, and so not kicked the command
		 * (abort_kick_session()): it would wait for a rescan that
		 * only another command's end brings. Look again; pairs with
		 * the barrier in cmd_mark_aborted().
		 */
		smp_mb();
		if (unlikely(cmd_aborted(cmd))) {
			list_del_init(&cmd->core.dev_node);
			spin_unlock_irqrestore(&dev->order_lock, flags);
			return true;
		}
		spin_unlock_irqrestore(&dev->order_lock, flags);
		return false;
	}
	if (!cmd_aborted(cmd))
		order_enter(dev, cmd, &oc);
	spin_unlock_irqrestore(&dev->order_lock, flags);
	return true;
}

/* @cmd leaves the task set; restart whoever it held back. */
static void order_leave(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	unsigned long flags;

	if (!test_and_clear_bit(KTGT_CF_ADMITTED, &cmd->core.cflags))
		return;
	spin_lock_irqsave(&dev->order_lock, flags);
	dev->nr_active--;
	if (cmd->attr == KTGT_TASK_ORDERED)
		dev->nr_ordered--;
	else if (cmd->attr == KTGT_TASK_HEAD_OF_QUEUE)
		dev->nr_hoq--;
	if (test_and_clear_bit(KTGT_CF_ON_ACTIVE, &cmd->core.cflags))
		list_del_init(&cmd->core.dev_node);
	if (!list_empty(&dev->deferred))
		order_rescan_locked(dev);
	spin_unlock_irqrestore(&dev->order_lock, flags);
}

/*
 * ---------------------------------------------------------------------
 * Submission and checks
 * ---------------------------------------------------------------------
 */

void ktgt_cmd_init(struct ktgt_cmd *cmd, struct ktgt_session *sess, u64 lun,
		   u64 tag, const u8 *cdb, unsigned int cdb_len,
		   enum ktgt_task_attr attr, enum ktgt_data_dir dir,
		   u32 exp_len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->sess = sess;
	cmd->lun = lun;
	cmd->tag = tag;
	if (cdb)
		memcpy(cmd->cdb, cdb, min_t(unsigned int, cdb_len,
					    KTGT_MAX_CDB_LEN));
	cmd->cdb_len = min_t(unsigned int, cdb_len, U8_MAX);
	cmd->attr = attr;
	cmd->exp_dir = dir;
	cmd->exp_len = exp_len;
	kref_init(&cmd->core.ref);
	INIT_LIST_HEAD(&cmd->core.sess_node);
	INIT_LIST_HEAD(&cmd->core.dev_node);
	INIT_WORK(&cmd->core.work, cmd_work_fn);
	cmd->core.state = KTGT_CS_NEW;
}
EXPORT_SYMBOL_GPL(ktgt_cmd_init);

void ktgt_cmd_init_internal(struct ktgt_cmd *ic, struct ktgt_cmd *parent)
{
	memset(ic, 0, sizeof(*ic));
	ic->sess = parent->sess;
	ic->lun = parent->lun;
	ic->tag = parent->tag;
	memcpy(ic->cdb, parent->cdb, sizeof(ic->cdb));
	ic->cdb_len = parent->cdb_len;
	ic->attr = parent->attr;
	kref_init(&ic->core.ref);
	INIT_LIST_HEAD(&ic->core.sess_node);
	INIT_LIST_HEAD(&ic->core.dev_node);
	INIT_WORK(&ic->core.work, cmd_work_fn);
	ic->core.state = KTGT_CS_EXEC;
	ic->core.dev = parent->core.dev;
	ic->core.desc = parent->core.desc;
	ic->core.tgt_dev = parent->core.tgt_dev;
	set_bit(KTGT_CF_SBC_INTERNAL, &ic->core.cflags);
}

/* Fail @cmd at submit; nothing was admitted or allocated yet. */
static void cmd_fail_sense(struct ktgt_cmd *cmd,
			   const struct ktgt_sense_info *s, enum ktgt_ctx ctx)
{
	cmd_sense(cmd, s);
	cmd_finish(cmd, ctx_sleeps(ctx));
}

static void cmd_fail(struct ktgt_cmd *cmd, u8 key, u8 asc, u8 ascq,
		     enum ktgt_ctx ctx)
{
	ktgt_cmd_check_condition(cmd, key, asc, ascq);
	cmd_finish(cmd, ctx_sleeps(ctx));
}

static u64 cmd_buf_limit(void)
{
	unsigned int mb = READ_ONCE(max_buffer_mb);

	return mb ? (u64)mb << 20 : ktgt_buf_default_limit;
}

static void cmd_buf_unreserve(u32 len)
{
	percpu_counter_add_batch(&ktgt_buf_bytes, -(s64)len, KTGT_BUF_BATCH);
}

/* Count @len bytes in ktgt_buf_bytes, unless that passes the limit. */
static bool cmd_buf_reserve(u32 len)
{
	percpu_counter_add_batch(&ktgt_buf_bytes, len, KTGT_BUF_BATCH);
	if (__percpu_counter_compare(&ktgt_buf_bytes, cmd_buf_limit(),
				     KTGT_BUF_BATCH) > 0) {
		cmd_buf_unreserve(len);
		return false;
	}
	return true;
}

/*
 * A WRITE or WRITE AND VERIFY whose transport expects less data than the
 * CDB's TRANSFER LENGTH (an iSCSI residual overflow) writes only the
 * whole blocks of the data that comes: RFC 7143 11.4.5.2 and SAM-5 let a
 * target transfer EDTL bytes and report the rest as residual overflow,
 * which is what libiscsi's iSCSIResiduals tests and tgt do. COMPARE AND
 * WRITE (two halves) and the other block writes keep refusing it.
 */
static bool cmd_write_cut_ok(const struct ktgt_cdb_desc *d)
{
	return d->dir == KTGT_DIR_WRITE && d->xfer == KTGT_XFER_BLOCKS &&
	       (d->rule == KTGT_RULE_NONE || d->rule == KTGT_RULE_RW6 ||
		d->rule == KTGT_RULE_WRITE_VERIFY);
}

/*
 * A READ of an SBC device the core executes (->sbc) whose TRANSFER LENGTH
 * is more than the transport expects reads only the blocks that hold the
 * EDTL bytes it sends: the rest would be read into a buffer, reserved
 * against max_buffer_mb, only to be dropped as residual overflow, and an
 * initiator could make the target hold 8 MiB per command with an EDTL of
 * a few bytes. The residual still counts the whole TRANSFER LENGTH. A
 * pass-through device gets the CDB as it is, and so the buffer it names.
 */
static bool cmd_read_cut_ok(const struct ktgt_cmd *cmd,
			    const struct ktgt_cdb_desc *d)
{
	return d->dir == KTGT_DIR_READ && d->xfer == KTGT_XFER_BLOCKS &&
	       (d->flags & KTGT_CDB_F_MEDIUM_READ) &&
	       (d->rule == KTGT_RULE_NONE || d->rule == KTGT_RULE_RW6) &&
	       cmd->core.dev && cmd->core.dev->type->sbc;
}

/* Whether @cmd's handler takes its data-in buffer in ->exec(). */
static bool cmd_exec_buf(const struct ktgt_cmd *cmd)
{
	const struct ktgt_device *dev = cmd->core.dev;

	return dev && dev->type->exec_buf && dev->type->exec_buf(cmd);
}

/*
 * Decide the size of the data buffer and reserve it against
 * max_buffer_mb. Transfers of logical blocks need the full CDB length
 * (the handler moves all of them): a write whose transport expects less
 * data, or a driver buffer too small, is refused, except that WRITE and
 * WRITE AND VERIFY are cut to the whole blocks the transport sends
 * (cmd_write_cut_ok()), and a READ to the blocks that hold what it takes
 * (cmd_read_cut_ok()). WRITE SAME's one block of data-out and COMPARE
 * AND WRITE's two halves must be exactly what the transport sends. Byte
 * counts (allocation and parameter list lengths, fixed-size data) are
 * capped by the transport's expected length. A command that needs
 * data-out the transport did not announce, or data-in when it announced
 * data-out, is refused (INVALID FIELD IN COMMAND INFORMATION UNIT).
 * Return: 0, -EBUSY (over the limit), or -EINVAL with @s set.
 */
static int cmd_plan_buffer(struct ktgt_cmd *cmd, struct ktgt_sense_info *s)
{
	const struct ktgt_cdb_desc *d = cmd_desc(cmd);
	bool driver_sg = (cmd->flags & KTGT_CMD_DRIVER_SG) ||
			 test_bit(KTGT_CF_EARLY_BUF, &cmd->core.cflags);
	u64 need = cmd->core.xfer_len;
	u32 bs;

	if (cmd->core.dir == KTGT_DIR_NONE)
		need = 0;
	/*
	 * The transport's own buffer moves data the way it announced only:
	 * the local driver's is the midlayer's, which may be user pages
	 * pinned for reading (SG_IO with SG_DXFER_TO_DEV), and a READ must
	 * not write into them, nor a WRITE store a buffer meant to receive.
	 * Nor is a WRITE to such a buffer cut to the data it has (below): a
	 * local caller gets no overflow residual, and would see GOOD.
	 */
	if ((cmd->flags & KTGT_CMD_DRIVER_SG) && need && cmd->bufflen &&
	    cmd->core.dir != cmd->exp_dir) {
		ktgt_sense_invalid_cdb(s, 0, -1);
		return -EINVAL;
	}
	if (!d || d->xfer == KTGT_XFER_BYTES || d->xfer == KTGT_XFER_FIXED) {
		need = min_t(u64, need, cmd->exp_len);
		need = min_t(u64, need, KTGT_MAX_XFER_BYTES);
	} else if (need) {
		bs = cmd->core.dev ? cmd->core.dev->params.block_size : 0;
		/* A driver's own buffer (ktgt_local) is never cut. */
		if (need > cmd->exp_len && need <= KTGT_MAX_XFER_BYTES && bs &&
		    !(cmd->flags & KTGT_CMD_DRIVER_SG)) {
			if (cmd_write_cut_ok(d)) {
				cmd->core.nr_blocks = cmd->exp_len / bs;
				need = (u64)cmd->core.nr_blocks * bs;
				set_bit(KTGT_CF_WRITE_CUT, &cmd->core.cflags);
			} else if (cmd_read_cut_ok(cmd, d)) {
				cmd->core.nr_blocks =
					DIV_ROUND_UP(cmd->exp_len, bs);
				need = (u64)cmd->core.nr_blocks * bs;
				set_bit(KTGT_CF_READ_CUT, &cmd->core.cflags);
			}
		}
		/*
		 * WRITE SAME (one block) and COMPARE AND WRITE (the verify
		 * and the write data): data-out of exactly that size.
		 */
		if ((d->rule == KTGT_RULE_WRITE_SAME ||
		     d->rule == KTGT_RULE_CAW) &&
		    cmd->core.dir == KTGT_DIR_WRITE && need != cmd->exp_len) {
			ktgt_sense_set(s, KTGT_KEY_ILLEGAL_REQUEST,
				       KTGT_ASC_INVALID_FIELD_IN_CIU,
				       KTGT_ASCQ_INVALID_FIELD_IN_CIU);
			return -EINVAL;
		}
		/* Blocks: the handler accesses all of them. */
		if (need > KTGT_MAX_XFER_BYTES ||
		    (cmd->core.dir != KTGT_DIR_READ && need > cmd->exp_len) ||
		    (driver_sg && need > cmd->bufflen)) {
			if (d && d->len_width)
				ktgt_sense_invalid_cdb(s, d->len_off, 7);
			else
				ktgt_sense_invalid_cdb(s, 0, -1);
			return -EINVAL;
		}
	}

	/*
	 * Data-out the transport did not announce never comes (an iSCSI
	 * command without the W bit gets no R2T, and would wait for ever),
	 * and data-in has nowhere to go in a command that announced
	 * data-out: the command information unit contradicts the CDB.
	 */
	if (need && cmd->core.dir != cmd->exp_dir &&
	    (cmd->core.dir == KTGT_DIR_WRITE ||
	     cmd->exp_dir == KTGT_DIR_WRITE)) {
		ktgt_sense_set(s, KTGT_KEY_ILLEGAL_REQUEST,
			       KTGT_ASC_INVALID_FIELD_IN_CIU,
			       KTGT_ASCQ_INVALID_FIELD_IN_CIU);
		return -EINVAL;
	}

	if (test_bit(KTGT_CF_NO_BUF, &cmd->core.cflags))
		return -EBUSY;
	if (driver_sg)
		return 0;
	/* Data-in of a length only the handler knows: it sizes it. */
	if (need && cmd->core.dir == KTGT_DIR_READ && cmd_exec_buf(cmd)) {
		set_bit(KTGT_CF_EXEC_BUF, &cmd->core.cflags);
		return 0;
	}
	cmd->bufflen = (u32)need;
	if (!need)
		return 0;
	if (!cmd_buf_reserve(need)) {
		cmd->bufflen = 0;
		return -EBUSY;
	}
	set_bit(KTGT_CF_RESERVED, &cmd->core.cflags);
	return 0;
}

/* A command to a LUN the session does not have. */
static void cmd_submit_no_lun(struct ktgt_cmd *cmd, enum ktgt_ctx ctx)
{
	const struct ktgt_cdb_table *tbl = ktgt_cdb_table_for_type(0x00);
	struct ktgt_cdb_limits lim = {};
	struct ktgt_sense_info s;
	struct ktgt_cdb c;
	int ret;

	switch (cmd->cdb[0]) {
	case KTGT_OP_INQUIRY:
	case KTGT_OP_REPORT_LUNS:
	case KTGT_OP_REQUEST_SENSE:
		break;
	default:
		cmd_fail(cmd, KTGT_KEY_ILLEGAL_REQUEST,
			 KTGT_ASC_LUN_NOT_SUPPORTED, 0, ctx);
		return;
	}
	if (!tbl) {
		cmd_fail(cmd, KTGT_KEY_ILLEGAL_REQUEST,
			 KTGT_ASC_LUN_NOT_SUPPORTED, 0, ctx);
		return;
	}
	ret = ktgt_cdb_decode(tbl, cmd->cdb, cmd->cdb_len, &lim, &c, &s);
	if (ret) {
		cmd_fail_sense(cmd, &s, ctx);
		return;
	}
	cmd->core.desc = c.desc;
	cmd->core.dir = c.dir;
	cmd->core.xfer_len = c.xfer_len;
	cmd->core.cdb_flags = c.flags;
	ret = cmd_plan_buffer(cmd, &s);
	if (ret == -EBUSY) {
		cmd_status(cmd, KTGT_SAM_BUSY);
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	if (ret) {
		cmd_fail_sense(cmd, &s, ctx);
		return;
	}
	cmd_run(cmd, ctx);
}

/* Dequeue a pending unit attention of @cmd's I_T_L nexus into @s. */
static bool cmd_take_ua(struct ktgt_cmd *cmd, struct ktgt_sense_info *s)
{
	struct ktgt_tgt_dev *td;
	bool ret = false;

	rcu_read_lock();
	td = xa_load(&cmd->sess->tgt_devs, (unsigned long)cmd->lun);
	if (td && ktgt_ua_pending(td))
		ret = ktgt_ua_take(td, s);
	rcu_read_unlock();
	return ret;
}

void ktgt_cmd_submit(struct ktgt_cmd *cmd, enum ktgt_ctx ctx)
{
	struct ktgt_session *sess = cmd->sess;
	struct ktgt_cdb_limits lim = {};
	const struct ktgt_cdb_table *tbl;
	struct ktgt_sense_info s, ua;
	struct ktgt_tgt_dev *td;
	struct ktgt_device *dev;
	struct ktgt_lun *lun;
	unsigned long flags;
	unsigned int nr;
	struct ktgt_cdb c;
	bool dying, ro, has_ua;
	int ret;

	cmd->core.start_jiffies = jiffies;
	WRITE_ONCE(cmd->core.state, KTGT_CS_CHECK);

	spin_lock_irqsave(&sess->lock, flags);
	list_add_tail(&cmd->core.sess_node, &sess->cmds);
	cmd->core.sn = sess->cmd_sn++;
	nr = ++sess->nr_cmds;
	dying = sess->dying;
	spin_unlock_irqrestore(&sess->lock, flags);

	if (unlikely(dying)) {
		cmd_end_silently(cmd, ctx);
		return;
	}
	if (nr > READ_ONCE(sess->queue_depth)) {
		cmd_status(cmd, KTGT_SAM_TASK_SET_FULL);
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	if (!cmd->cdb_len || cmd->cdb_len > KTGT_MAX_CDB_LEN) {
		ktgt_sense_invalid_cdb(&s, 0, -1);
		cmd_fail_sense(cmd, &s, ctx);
		return;
	}

	/*
	 * One RCU read section from the LUN's lookup to its nexus' unit
	 * attention check: the decode between them does not sleep, nor
	 * may ->xfer_block_size().
	 */
	rcu_read_lock();
	lun = ktgt_lun_get(rcu_dereference(sess->lun_set), cmd->lun);
	if (!lun) {
		rcu_read_unlock();
		cmd_submit_no_lun(cmd, ctx);
		return;
	}
	dev = lun->dev;
	cmd->core.lun_ref = lun;
	cmd->core.dev = dev;

	tbl = ktgt_cdb_table_for_type(dev->type->pdt);
	lim.block_size = dev->type->xfer_block_size ?
			 dev->type->xfer_block_size(dev) :
			 dev->params.block_size;
	if (lim.block_size)
		lim.max_xfer_blocks = KTGT_MAX_XFER_BYTES / lim.block_size;
	if (tbl) {
		ret = ktgt_cdb_decode(tbl, cmd->cdb, cmd->cdb_len, &lim, &c, &s);
	} else {
		memset(&c, 0, sizeof(c));
		ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
			       KTGT_ASC_INVALID_OPCODE, 0);
		ret = -EINVAL;
	}

	/*
	 * A pending unit attention comes before any other error, for every
	 * command but those allowed with one (SPC-4 5.14, UA_INTLCK_CTRL
	 * 00b: the condition is cleared by reporting it).
	 */
	td = xa_load(&sess->tgt_devs, (unsigned long)cmd->lun);
	/* Only an identity: the nexus may be freed after rcu_read_unlock(). */
	cmd->core.tgt_dev = td;
	has_ua = td && !(c.desc && (c.desc->flags & KTGT_CDB_F_ALLOW_UA)) &&
		 ktgt_ua_pending(td) &&
		 ktgt_ua_report(td, &ua, !ktgt_spc_ua_intlck(dev));
	rcu_read_unlock();
	if (has_ua) {
		cmd_fail_sense(cmd, &ua, ctx);
		return;
	}
	if (ret) {
		cmd_fail_sense(cmd, &s, ctx);
		return;
	}

	cmd->core.desc = c.desc;
	cmd->core.lba = c.lba;
	cmd->core.nr_blocks = c.nr_blocks;
	cmd->core.xfer_len = c.xfer_len;
	cmd->core.cdb_flags = c.flags;
	cmd->core.dir = c.dir;

	/*
	 * No ACA condition is ever established (NACA is refused by the
	 * decoder), so an ACA task is an error (SAM-5 5.8.2).
	 */
	if (cmd->attr > KTGT_TASK_HEAD_OF_QUEUE) {
		cmd_fail(cmd, KTGT_KEY_ILLEGAL_REQUEST,
			 KTGT_ASC_INVALID_MESSAGE, 0, ctx);
		return;
	}
	/* ALUA: the target port's asymmetric access state (SPC-4 5.15.2) */
	if (ktgt_alua_check_cmd(cmd, &s)) {
		cmd_fail_sense(cmd, &s, ctx);
		return;
	}
	if (ktgt_reserve_check(cmd)) {
		cmd_status(cmd, KTGT_SAM_RESERVATION_CONFLICT);
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	if (ktgt_cdb_check_range(&c, ktgt_device_capacity(dev), &s)) {
		cmd_fail_sense(cmd, &s, ctx);
		return;
	}
	ro = lun->read_only || dev->params.read_only;
	if (ro && (c.desc->flags & KTGT_CDB_F_MEDIUM_WRITE)) {
		cmd_fail(cmd, KTGT_KEY_DATA_PROTECT, KTGT_ASC_WRITE_PROTECTED,
			 0, ctx);
		return;
	}
	ret = cmd_plan_buffer(cmd, &s);
	if (ret == -EBUSY) {
		cmd_status(cmd, KTGT_SAM_BUSY);
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	if (ret) {
		cmd_fail_sense(cmd, &s, ctx);
		return;
	}

	if (!order_admit(cmd))
		return;
	cmd_run(cmd, ctx);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_submit);

/*
 * ---------------------------------------------------------------------
 * Buffer, data-out, execution
 * ---------------------------------------------------------------------
 */

static bool cmd_needs_data_out(const struct ktgt_cmd *cmd)
{
	return (cmd->core.dir == KTGT_DIR_WRITE ||
		cmd->core.dir == KTGT_DIR_BIDI) && cmd->bufflen;
}

static void cmd_rdy_to_xfer(struct ktgt_cmd *cmd, enum ktgt_ctx ctx)
{
	int ret;

	if (cmd_aborted(cmd)) {
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	WRITE_ONCE(cmd->core.state, KTGT_CS_DATA_OUT);
	/* The driver may complete the whole command before this returns. */
	ret = cmd_tt(cmd)->rdy_to_xfer(cmd);
	if (ret) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ABORTED_COMMAND,
					 KTGT_ASC_DATA_PHASE_ERROR, 0);
		cmd_finish(cmd, ctx_sleeps(ctx));
	}
}

/*
 * Whether @cmd may execute in @ctx: anything in KTGT_CTX_THREAD; in
 * atomic context what the core answers itself and what an exec_atomic
 * handler does; with KTGT_CTX_NOWAIT also what a nowait device does.
 */
static bool cmd_exec_inline_ok(const struct ktgt_cmd *cmd,
			       enum ktgt_ctx ctx)
{
	const struct ktgt_cdb_desc *d = cmd_desc(cmd);
	struct ktgt_device *dev = cmd->core.dev;

	if (ctx == KTGT_CTX_THREAD || !dev)
		return true;
	if (!d)
		return false;
	if (d->opcode == KTGT_OP_REPORT_LUNS ||
	    d->opcode == KTGT_OP_REQUEST_SENSE)
		return true;
	if (!dev->type->exec_atomic &&
	    !(ctx == KTGT_CTX_NOWAIT && READ_ONCE(dev->nowait) &&
	      READ_ONCE(exec_nowait)))
		return false;
	/* The emulation of some commands (not READ's, WRITE's) waits for I/O. */
	return ktgt_cdb_is_rw(d->opcode) || !ktgt_spc_needs_thread(cmd);
}

static void cmd_exec_start(struct ktgt_cmd *cmd, enum ktgt_ctx ctx)
{
	if (cmd_aborted(cmd)) {
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	/* Also from a worker of ktgt_exec_wq, which it must not hold. */
	if (!cmd_is_rw(cmd) && ktgt_spc_exec_long(cmd)) {
		WRITE_ONCE(cmd->core.state, KTGT_CS_EXEC_Q);
		queue_work(ktgt_long_wq, &cmd->core.work);
		return;
	}
	if (!cmd_exec_inline_ok(cmd, ctx)) {
		cmd_queue(cmd, KTGT_CS_EXEC_Q);
		return;
	}
	cmd_exec(cmd, ctx);
}

/* After admission: buffer, data-out, then execution. */
static void cmd_run(struct ktgt_cmd *cmd, enum ktgt_ctx ctx)
{
	struct ktgt_tgt_template *tt = cmd_tt(cmd);

	if (cmd_aborted(cmd)) {
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	WRITE_ONCE(cmd->core.state, KTGT_CS_RUN);

	if (cmd->bufflen && !(cmd->flags & KTGT_CMD_DRIVER_SG) &&
	    !cmd->core.sgv) {
		static const gfp_t gfp[] = {
			[KTGT_CTX_THREAD] = GFP_KERNEL,
			[KTGT_CTX_ATOMIC] = GFP_ATOMIC,
			[KTGT_CTX_NOWAIT] = GFP_NOWAIT,
		};

		cmd->core.sgv = ktgt_sgv_alloc(cmd->bufflen, gfp[ctx],
					       &cmd->sg, &cmd->sg_cnt);
		if (!cmd->core.sgv) {
			if (ctx != KTGT_CTX_THREAD) {
				cmd_queue(cmd, KTGT_CS_RUN);
				return;
			}
			ktgt_cmd_io_error(cmd, -ENOMEM);
			cmd_finish(cmd, true);
			return;
		}
	}

	if (cmd_needs_data_out(cmd)) {
		if (tt->rdy_to_xfer) {
			if (ctx == KTGT_CTX_ATOMIC && !tt->callbacks_atomic)
				cmd_queue(cmd, KTGT_CS_XFER);
			else
				cmd_rdy_to_xfer(cmd, ctx);
			return;
		}
		/* No ->rdy_to_xfer: the data came with the command. */
		set_bit(KTGT_CF_DATA_IN_SG, &cmd->core.cflags);
	}
	cmd_exec_start(cmd, ctx);
}

void ktgt_cmd_rx_done(struct ktgt_cmd *cmd, int error, enum ktgt_ctx ctx)
{
	if (error == -ECONNABORTED) {
		/*
		 * The task was aborted (a TMF the driver received ended its
		 * data phase) or its nexus is gone: it ends as aborted, with
		 * nothing to send. Not a CHECK CONDITION, which QErr would
		 * take for a reason to abort the other tasks of the LU. One
		 * the core aborted already (->data_out_aborted()) ends as
		 * that abort said: TASK ABORTED if another I_T nexus with
		 * TAS = 1 aborted it.
		 */
		if (cmd_aborted(cmd))
			cmd_finish(cmd, ctx_sleeps(ctx));
		else
			cmd_end_silently(cmd, ctx);
		return;
	}
	if (error) {
		if (error == -EBADMSG)
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ABORTED_COMMAND,
						 KTGT_ASC_PROTOCOL_CRC_ERROR,
						 KTGT_ASCQ_PROTOCOL_CRC_ERROR);
		else
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ABORTED_COMMAND,
						 KTGT_ASC_DATA_PHASE_ERROR, 0);
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	set_bit(KTGT_CF_DATA_IN_SG, &cmd->core.cflags);
	cmd_exec_start(cmd, ctx);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_rx_done);

/*
 * A buffer of @len bytes (at most KTGT_MAX_XFER_BYTES) for @cmd, which
 * has none, counted against max_buffer_mb. Return: 0, -EBUSY or -ENOMEM.
 */
static int cmd_take_buf(struct ktgt_cmd *cmd, u32 len, gfp_t gfp)
{
	if (!cmd_buf_reserve(len))
		return -EBUSY;
	cmd->core.sgv = ktgt_sgv_alloc(len, gfp, &cmd->sg, &cmd->sg_cnt);
	if (!cmd->core.sgv) {
		cmd_buf_unreserve(len);
		return -ENOMEM;
	}
	cmd->bufflen = len;
	set_bit(KTGT_CF_RESERVED, &cmd->core.cflags);
	return 0;
}

/* The data buffer taken before submit (ktgt_cmd_alloc_buf()) */
int ktgt_cmd_alloc_buf(struct ktgt_cmd *cmd, u32 len, gfp_t gfp)
{
	int ret;

	if (WARN_ON_ONCE(cmd->core.state != KTGT_CS_NEW || cmd->core.sgv ||
			 (cmd->flags & KTGT_CMD_DRIVER_SG)))
		return -EINVAL;
	if (!len)
		return 0;
	if (len > KTGT_MAX_XFER_BYTES)
		return -EINVAL;
	ret = cmd_take_buf(cmd, len, gfp);
	if (ret) {
		set_bit(KTGT_CF_NO_BUF, &cmd->core.cflags);
		return ret;
	}
	set_bit(KTGT_CF_EARLY_BUF, &cmd->core.cflags);
	return 0;
}
EXPORT_SYMBOL_GPL(ktgt_cmd_alloc_buf);

/* The data-in buffer a handler takes in ->exec() (->exec_buf) */
int ktgt_cmd_exec_buf(struct ktgt_cmd *cmd, u32 len)
{
	might_sleep();
	if (!test_bit(KTGT_CF_EXEC_BUF, &cmd->core.cflags))
		return 0;
	if (WARN_ON_ONCE(READ_ONCE(cmd->core.state) != KTGT_CS_EXEC ||
			 cmd->core.sgv || len > cmd->core.xfer_len))
		return -EINVAL;
	if (!len)
		return 0;
	/* cmd_plan_buffer() kept xfer_len within KTGT_MAX_XFER_BYTES. */
	return cmd_take_buf(cmd, len, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_exec_buf);

/* Return @cmd's buffer to the sgv pool and its size to max_buffer_mb. */
static void cmd_release_buf(struct ktgt_cmd *cmd)
{
	if (cmd->core.sgv) {
		ktgt_sgv_free(cmd->core.sgv);
		cmd->core.sgv = NULL;
		cmd->sg = NULL;
		cmd->sg_cnt = 0;
	}
	if (test_and_clear_bit(KTGT_CF_RESERVED, &cmd->core.cflags))
		cmd_buf_unreserve(cmd->bufflen);
}

void ktgt_cmd_free_buf(struct ktgt_cmd *cmd)
{
	if (WARN_ON_ONCE(cmd->core.state != KTGT_CS_NEW))
		return;
	cmd_release_buf(cmd);
	cmd->bufflen = 0;
}
EXPORT_SYMBOL_GPL(ktgt_cmd_free_buf);

/* INQUIRY to an absent LUN (SPC-4 6.6.2): PERIPHERAL QUALIFIER 011b. */
static enum ktgt_exec_status cmd_inquiry_no_lun(struct ktgt_cmd *cmd)
{
	u8 data[36];

	if (cmd->cdb[1] & 0x01) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 KTGT_ASC_LUN_NOT_SUPPORTED, 0);
		return KTGT_EXEC_DONE;
	}
	memset(data, ' ', sizeof(data));
	data[0] = 0x7f;			/* PQ 011b, PDT 1Fh */
	data[1] = 0;
	data[2] = 0x06;			/* SPC-4 */
	data[3] = 0x12;			/* HISUP, RESPONSE DATA FORMAT 2 */
	data[4] = sizeof(data) - 5;	/* ADDITIONAL LENGTH */
	data[5] = 0;
	data[6] = 0;
	data[7] = 0x02;			/* CMDQUE */
	memcpy(&data[8], "KTGT", 4);	/* T10 VENDOR IDENTIFICATION */
	/* Not past the ALLOCATION LENGTH: a driver's buffer may be larger. */
	if (cmd->sg && cmd->bufflen)
		sg_copy_from_buffer(cmd->sg, cmd->sg_cnt, data,
				    min3(sizeof(data), (size_t)cmd->bufflen,
					 (size_t)cmd->core.xfer_len));
	ktgt_cmd_good(cmd, sizeof(data));
	return KTGT_EXEC_DONE;
}

/* REQUEST SENSE (SPC-4 6.39): the pending UA, else NO SENSE. */
static enum ktgt_exec_status cmd_request_sense(struct ktgt_cmd *cmd)
{
	u8 data[KTGT_SENSE_MAX_LEN];
	struct ktgt_sense_info s;
	size_t n;

	if (!cmd->core.dev)
		ktgt_sense_set(&s, KTGT_KEY_ILLEGAL_REQUEST,
			       KTGT_ASC_LUN_NOT_SUPPORTED, 0);
	else if (!cmd_take_ua(cmd, &s))
		ktgt_sense_set(&s, KTGT_KEY_NO_SENSE, 0, 0);
	n = ktgt_sense_build(data, sizeof(data), cmd->cdb[1] & 0x01, &s);
	/* Not past the ALLOCATION LENGTH: a driver's buffer may be larger. */
	if (cmd->sg && cmd->bufflen)
		sg_copy_from_buffer(cmd->sg, cmd->sg_cnt, data,
				    min3(n, (size_t)cmd->bufflen,
					 (size_t)cmd->core.xfer_len));
	ktgt_cmd_good(cmd, n);
	return KTGT_EXEC_DONE;
}

/* REPORT LUNS (SPC-4 6.33). */
static enum ktgt_exec_status cmd_report_luns(struct ktgt_cmd *cmd)
{
	struct ktgt_sense_info s;
	u32 len, full = 8;
	bool all;
	u8 *buf;

	if (cmd->core.xfer_len < 16) {
		ktgt_sense_invalid_cdb(&s, 6, 7);
		cmd_sense(cmd, &s);
		return KTGT_EXEC_DONE;
	}
	/* Every LUN, or none: no well known LUs, no conglomerates. */
	if (ktgt_spc_report_luns_select(cmd->cdb[2], &all, &s)) {
		cmd_sense(cmd, &s);
		return KTGT_EXEC_DONE;
	}
	ktgt_ua_clear_session(cmd->sess, KTGT_UA_REPORTED_LUNS_CHANGED);

	/* What the buffer takes; the full length goes in the residual. */
	len = (u32)min_t(u64, cmd->core.xfer_len, cmd->bufflen);
	if (!len) {
		if (all)
			full = ktgt_report_luns(cmd->sess, NULL, 0);
		ktgt_cmd_good(cmd, full);
		return KTGT_EXEC_DONE;
	}
	buf = ktgt_cmd_buf(cmd, len);
	if (!buf) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		return KTGT_EXEC_DONE;
	}
	if (all)
		full = ktgt_report_luns(cmd->sess, buf, len);
	else
		memset(buf, 0, min_t(u32, len, 8));
	ktgt_cmd_buf_put(cmd, buf);
	ktgt_cmd_good(cmd, full);
	return KTGT_EXEC_DONE;
}

static enum ktgt_exec_status cmd_invalid_opcode(struct ktgt_cmd *cmd)
{
	ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
				 KTGT_ASC_INVALID_OPCODE, 0);
	return KTGT_EXEC_DONE;
}

static void cmd_exec(struct ktgt_cmd *cmd, enum ktgt_ctx ctx)
{
	const struct ktgt_cdb_desc *d = cmd_desc(cmd);
	struct ktgt_device *dev = cmd->core.dev;
	enum ktgt_exec_status st;
	unsigned int noio = 0;

	if (cmd_aborted(cmd)) {
		cmd_finish(cmd, ctx_sleeps(ctx));
		return;
	}
	WRITE_ONCE(cmd->core.state, KTGT_CS_EXEC);
	/* A transport's thread: its allocations must not wait for I/O. */
	if (ctx == KTGT_CTX_NOWAIT) {
		noio = memalloc_noio_save();
		set_bit(KTGT_CF_NOWAIT_EXEC, &cmd->core.cflags);
	} else {
		clear_bit(KTGT_CF_NOWAIT_EXEC, &cmd->core.cflags);
	}
	if (ctx == KTGT_CTX_ATOMIC)
		set_bit(KTGT_CF_ATOMIC_EXEC, &cmd->core.cflags);
	else
		clear_bit(KTGT_CF_ATOMIC_EXEC, &cmd->core.cflags);

	if (cmd_is_rw(cmd) && dev->type->sbc)
		st = ktgt_sbc_exec(cmd);	/* the usual case, first */
	else if (d && d->opcode == KTGT_OP_REPORT_LUNS)
		st = cmd_report_luns(cmd);
	else if (d && d->opcode == KTGT_OP_REQUEST_SENSE)
		st = cmd_request_sense(cmd);
	else if (!dev)
		st = cmd_inquiry_no_lun(cmd);
	else if (ktgt_reserve_exec(cmd, &st))
		;	/* @st: ASYNC for a PREEMPT AND ABORT that waits */
	else if (dev->type->sbc)
		st = ktgt_sbc_exec(cmd);
	else if (dev->type->exec)
		/* The handler decides; it passes on what ktgt_spc_exec() does. */
		st = dev->type->exec(cmd);
	else if (ktgt_spc_exec(cmd))
		st = KTGT_EXEC_DONE;
	else
		st = cmd_invalid_opcode(cmd);
	if (ctx == KTGT_CTX_NOWAIT)
		memalloc_noio_restore(noio);

	/* KTGT_EXEC_ASYNC: @cmd belongs to the handler now. */
	if (st == KTGT_EXEC_DONE)
		cmd_finish(cmd, ctx_sleeps(ctx));
}

void ktgt_cmd_done(struct ktgt_cmd *cmd)
{
	if (unlikely(test_bit(KTGT_CF_SBC_INTERNAL, &cmd->core.cflags))) {
		ktgt_sbc_internal_done(cmd);
		return;
	}
	cmd_finish(cmd, ctx_may_sleep());
}
EXPORT_SYMBOL_GPL(ktgt_cmd_done);

bool ktgt_cmd_exec_nowait(const struct ktgt_cmd *cmd)
{
	return test_bit(KTGT_CF_NOWAIT_EXEC, &cmd->core.cflags);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_exec_nowait);

void ktgt_cmd_requeue(struct ktgt_cmd *cmd)
{
	/* From a worker it would come back to the same handler, forever. */
	if (WARN_ON_ONCE(!ktgt_cmd_exec_nowait(cmd))) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_HARDWARE_ERROR,
					 KTGT_ASC_INTERNAL_TARGET_FAILURE, 0);
		ktgt_cmd_done(cmd);
		return;
	}
	cmd_queue(cmd, KTGT_CS_EXEC_Q);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_requeue);

/*
 * ---------------------------------------------------------------------
 * Completion and release
 * ---------------------------------------------------------------------
 */

/* SAM-5 / iSCSI residuals, from what the command moved and wanted. */
static void cmd_set_resid(struct ktgt_cmd *cmd)
{
	bool good = cmd->status == KTGT_SAM_GOOD ||
		    cmd->status == KTGT_SAM_CONDITION_MET;
	u64 wanted = 0, moved = 0;

	/* The handler's data-in with its CHECK CONDITION counts as moved. */
	if (cmd->status == KTGT_SAM_CHECK_CONDITION && cmd->data_with_cc) {
		cmd->data_len = (u32)min3((u64)cmd->data_len,
					  (u64)cmd->bufflen,
					  cmd->core.xfer_len);
		good = true;
	}
	switch (cmd->core.dir) {
	case KTGT_DIR_READ:
		if (!good) {
			cmd->data_len = 0;
			break;
		}
		cmd->data_len = min(cmd->data_len, cmd->exp_len);
		wanted = max_t(u64, cmd->resid, cmd->data_len);
		if (test_bit(KTGT_CF_READ_CUT, &cmd->core.cflags))
			wanted = max(wanted, cmd->core.xfer_len);
		moved = cmd->data_len;
		break;
	case KTGT_DIR_WRITE:
	case KTGT_DIR_BIDI:
		cmd->data_len = 0;
		if (test_bit(KTGT_CF_DATA_IN_SG, &cmd->core.cflags) ||
		    test_bit(KTGT_CF_WRITE_CUT, &cmd->core.cflags)) {
			wanted = cmd->core.xfer_len;
			moved = min_t(u64, wanted, cmd->exp_len);
		}
		break;
	default:
		cmd->data_len = 0;
		break;
	}

	if (wanted > cmd->exp_len) {
		cmd->resid_over = true;
		cmd->resid = (u32)min_t(u64, wanted - cmd->exp_len, U32_MAX);
	} else {
		cmd->resid_over = false;
		cmd->resid = cmd->exp_len - (u32)moved;
	}
}

static void cmd_account(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u64 lat = jiffies_to_nsecs(jiffies - cmd->core.start_jiffies);

	if (cmd->status == KTGT_SAM_TASK_SET_FULL ||
	    cmd->status == KTGT_SAM_BUSY)
		ktgt_session_count_status(cmd->sess, cmd->status);
	ktgt_stats_cmd_done(cmd, lat);
	if (dev && dev->stats)
		ktgt_io_stats_add(dev->stats, cmd, lat);
}

static void cmd_xmit(struct ktgt_cmd *cmd)
{
	WRITE_ONCE(cmd->core.state, KTGT_CS_XMIT);
	if (cmd_tt(cmd)->xmit_response(cmd))
		ktgt_cmd_xmit_done(cmd);
}

/*
 * UA_INTLCK_CTRL 11b (SPC-4 7.5.8): a command that ends with BUSY, TASK
 * SET FULL or RESERVATION CONFLICT establishes PREVIOUS BUSY / TASK SET
 * FULL / RESERVATION CONFLICT STATUS on its I_T_L nexus. Any context.
 */
static void cmd_prev_status_ua(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_lun *lun = NULL;
	struct ktgt_tgt_dev *td;
	unsigned int code;

	switch (cmd->status) {
	case KTGT_SAM_BUSY:
		code = KTGT_UAC_PREV_BUSY;
		break;
	case KTGT_SAM_TASK_SET_FULL:
		code = KTGT_UAC_PREV_TSF;
		break;
	case KTGT_SAM_RESERVATION_CONFLICT:
		code = KTGT_UAC_PREV_CONFLICT;
		break;
	default:
		return;
	}
	rcu_read_lock();
	/* TASK SET FULL is decided before the LUN is looked up. */
	if (!dev) {
		lun = ktgt_lun_get(rcu_dereference(cmd->sess->lun_set),
				   cmd->lun);
		dev = lun ? lun->dev : NULL;
	}
	if (dev && ktgt_spc_ua_intlck(dev) == 3) {
		td = xa_load(&cmd->sess->tgt_devs, (unsigned long)cmd->lun);
		if (td)
			ktgt_ua_queue_code(cmd->sess, td, code);
	}
	rcu_read_unlock();
	if (lun)
		ktgt_lun_put(lun);
}

/*
 * The end of every command that reached submit: leave the task set, set
 * the outcome and hand the response to the driver. @may_sleep: the
 * caller's context is process context.
 */
static void cmd_finish(struct ktgt_cmd *cmd, bool may_sleep)
{
	unsigned int qerr = 0;

	if (cmd_aborted(cmd))
		cmd_status(cmd, KTGT_SAM_TASK_ABORTED);
	/*
	 * QErr: the other tasks go before the CHECK CONDITION is sent, and
	 * before @cmd leaves the task set: order_leave() restarts the
	 * commands @cmd held back, which must not run first.
	 */
	if (unlikely(cmd->status == KTGT_SAM_CHECK_CONDITION) && cmd->core.dev)
		qerr = ktgt_spc_qerr(cmd->core.dev);
	if (cmd->core.dev && !qerr)
		order_leave(cmd);

	cmd_set_resid(cmd);
	cmd_account(cmd);
	if (unlikely(cmd->status != KTGT_SAM_GOOD))
		cmd_prev_status_ua(cmd);

	if (qerr) {
		if (!may_sleep) {
			/*
			 * Both done by the DONE stage (cmd_work_fn()), with
			 * the QErr read here: a MODE SELECT in between must
			 * not change what this CHECK CONDITION aborts.
			 */
			if (qerr == 3)
				set_bit(KTGT_CF_QERR_NEXUS, &cmd->core.cflags);
			set_bit(KTGT_CF_QERR, &cmd->core.cflags);
			cmd_queue(cmd, KTGT_CS_DONE);
			return;
		}
		cmd_qerr_abort(cmd, qerr);
		order_leave(cmd);
	}
	if (!may_sleep && !cmd_tt(cmd)->callbacks_atomic) {
		cmd_queue(cmd, KTGT_CS_DONE);
		return;
	}
	cmd_xmit(cmd);
}

bool ktgt_cmd_aborted_silently(const struct ktgt_cmd *cmd)
{
	return test_bit(KTGT_CF_SILENT, &cmd->core.cflags);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_aborted_silently);

void ktgt_cmd_xmit_done(struct ktgt_cmd *cmd)
{
	cmd_release_buf(cmd);

	WRITE_ONCE(cmd->core.state, KTGT_CS_RELEASED);
	/*
	 * Pairs with the barrier after an abort sets KTGT_CF_ABORTED, or a
	 * TMF KTGT_CF_FENCE (cmd_fence()).
	 */
	smp_mb();
	if (cmd_aborted(cmd) || test_bit(KTGT_CF_FENCE, &cmd->core.cflags)) {
		/* Ordered after the state by the barrier: see park_gen(). */
		atomic_inc(&cmd->sess->aborts_released);
		if (cmd->core.dev)
			atomic_inc(&cmd->core.dev->aborts_released);
		/* A parked abort may wait for it: see abort_park(). */
		if (atomic_read(&tmf_nr_waiting))
			mod_delayed_work(ktgt_tmf_wq, &tmf_scan_work, 0);
	}
	kref_put(&cmd->core.ref, cmd_release);
}
EXPORT_SYMBOL_GPL(ktgt_cmd_xmit_done);

/* The last reference is gone: leave the session, ->free_cmd(). */
static void cmd_free(struct ktgt_cmd *cmd)
{
	struct ktgt_session *sess = cmd->sess;
	struct ktgt_tgt_template *tt = sess->tgt->tt;
	struct ktgt_lun *lun = cmd->core.lun_ref;
	unsigned long flags;
	bool last;

	cmd->core.lun_ref = NULL;
	if (lun)
		ktgt_lun_put(lun);

	spin_lock_irqsave(&sess->lock, flags);
	list_del_init(&cmd->core.sess_node);
	last = !--sess->nr_cmds && sess->dying;
	spin_unlock_irqrestore(&sess->lock, flags);

	if (tt->free_cmd)
		tt->free_cmd(cmd);
	/* @sess may be freed once this completes. */
	if (last)
		complete(&sess->all_done);
}

static void cmd_release(struct kref *ref)
{
	struct ktgt_cmd *cmd = container_of(ref, struct ktgt_cmd, core.ref);

	if (cmd_tt(cmd)->callbacks_atomic || ctx_may_sleep())
		cmd_free(cmd);
	else
		cmd_queue(cmd, KTGT_CS_FREE);
}

/* The engine's worker: run the stage core.state names. */
static void cmd_work_fn(struct work_struct *work)
{
	struct ktgt_cmd *cmd = container_of(work, struct ktgt_cmd, core.work);

	switch (READ_ONCE(cmd->core.state)) {
	case KTGT_CS_RUN:
		cmd_run(cmd, KTGT_CTX_THREAD);
		break;
	case KTGT_CS_XFER:
		cmd_rdy_to_xfer(cmd, KTGT_CTX_THREAD);
		break;
	case KTGT_CS_EXEC_Q:
		cmd_exec(cmd, KTGT_CTX_THREAD);
		break;
	case KTGT_CS_DONE:
		if (test_and_clear_bit(KTGT_CF_QERR, &cmd->core.cflags)) {
			cmd_qerr_abort(cmd, test_bit(KTGT_CF_QERR_NEXUS,
						     &cmd->core.cflags) ? 3 : 1);
			order_leave(cmd);
		}
		cmd_xmit(cmd);
		break;
	case KTGT_CS_FREE:
		cmd_free(cmd);
		break;
	default:
		WARN_ONCE(1, "ktgt: command %llu queued in state %u\n",
			  cmd->tag, cmd->core.state);
		break;
	}
}

/*
 * ---------------------------------------------------------------------
 * Aborts and task management
 * ---------------------------------------------------------------------
 */

/* Mark @cmd aborted. Caller holds sess->lock and a reference. */
static void cmd_mark_aborted(struct ktgt_cmd *cmd)
{
	set_bit(KTGT_CF_ABORTED, &cmd->core.cflags);
	/* Pairs with the barrier in ktgt_cmd_xmit_done(). */
	smp_mb__after_atomic();
}

/*
 * A TMF is to wait for the release of @cmd, whose status is on its way
 * (KTGT_CS_XMIT): ktgt_cmd_xmit_done() kicks the scan of parked aborts
 * for it.
 */
static void cmd_fence(struct ktgt_cmd *cmd)
{
	set_bit(KTGT_CF_FENCE, &cmd->core.cflags);
	/* Pairs with the barrier in ktgt_cmd_xmit_done(). */
	smp_mb__after_atomic();
}

/*
 * Push every aborted, deferred command of @sess through ordering, so it
 * does not wait for the commands it would have waited for.
 */
static void abort_kick_session(struct ktgt_session *sess)
{
	struct ktgt_cmd *cmd, *found;
	unsigned long flags;

	do {
		found = NULL;
		spin_lock_irqsave(&sess->lock, flags);
		list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
			if (!cmd_aborted(cmd) || !cmd->core.dev ||
			    READ_ONCE(cmd->core.state) != KTGT_CS_WAIT)
				continue;
			if (test_and_set_bit(KTGT_CF_KICKED, &cmd->core.cflags))
				continue;
			if (kref_get_unless_zero(&cmd->core.ref)) {
				found = cmd;
				break;
			}
		}
		spin_unlock_irqrestore(&sess->lock, flags);
		if (found) {
			/* Our reference keeps the LUN, so the device. */
			order_rescan(found->core.dev);
			kref_put(&found->core.ref, cmd_release);
		}
	} while (found);
}

void ktgt_cmd_abort_session(struct ktgt_session *sess)
{
	struct ktgt_cmd *cmd;
	unsigned long flags;

	might_sleep();
	spin_lock_irqsave(&sess->lock, flags);
	list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
		if (READ_ONCE(cmd->core.state) < KTGT_CS_EXEC) {
			set_bit(KTGT_CF_SILENT, &cmd->core.cflags);
			cmd_mark_aborted(cmd);
		}
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	abort_kick_session(sess);
}

/*
 * Which commands a task management function (or a reservation's PREEMPT
 * AND ABORT) aborts. A command matches if it belongs to @sess (any
 * session if NULL) and to @dev (any device if NULL, but then to one of
 * the @nr_devs of @devs if @nr_devs, sorted by tmf_dev_cmp() and compared
 * by identity only), and, if @by_lun, addresses LUN @lun. A task
 * management function (@tmf) covers only the commands its own session
 * (@issuer) submitted before it: core.sn below @tmf->sn.
 */
struct tmf_scope {
	struct ktgt_session	*sess;
	struct ktgt_device	*dev;
	struct ktgt_device	**devs;
	size_t			nr_devs;
	bool			by_lun;
	u64			lun;
	/* The I_T nexus the function came from; TAS applies to the others. */
	struct ktgt_session	*issuer;
	/*
	 * The task management function, if it is one: it also waits for
	 * the tasks of @issuer it covers whose status is on its way.
	 */
	const struct ktgt_tmf	*tmf;
	/* If set, only sessions it returns true for (xa_lock held). */
	bool			(*match_sess)(struct ktgt_session *sess,
					      void *arg);
	void			*arg;
	/*
	 * QErr: the command whose CHECK CONDITION aborts the others; it
	 * and the commands whose status is on its way are not aborted, and
	 * the other tasks of its I_T nexus are aborted silently.
	 */
	const struct ktgt_cmd	*except;
};

/*
 * The order of a struct tmf_scope's @devs (sort(), bsearch()): by address.
 * The devices are compared, never dereferenced.
 */
static int tmf_dev_cmp(const void *a, const void *b)
{
	unsigned long x = (unsigned long)*(struct ktgt_device * const *)a;
	unsigned long y = (unsigned long)*(struct ktgt_device * const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Whether @cmd came after task management function @tmf on @tmf's own
 * session: the function does not apply to it. Under @cmd's sess->lock.
 */
static bool tmf_after(const struct ktgt_tmf *tmf, const struct ktgt_cmd *cmd)
{
	return tmf && cmd->sess == tmf->sess && cmd->core.sn >= tmf->sn;
}

/* Under @cmd's sess->lock. */
static bool tmf_match(const struct tmf_scope *sc, const struct ktgt_cmd *cmd)
{
	if (sc->except && (cmd == sc->except ||
			   READ_ONCE(cmd->core.state) >= KTGT_CS_DONE))
		return false;
	if (tmf_after(sc->tmf, cmd))
		return false;
	if (sc->by_lun && cmd->lun != sc->lun)
		return false;
	if (sc->dev)
		return cmd->core.dev == sc->dev;
	if (!sc->nr_devs)
		return true;
	return bsearch(&cmd->core.dev, sc->devs, sc->nr_devs,
		       sizeof(*sc->devs), tmf_dev_cmp);
}

/*
 * Mark the commands of @sess that @sc covers aborted. Those of the
 * issuing I_T nexus are aborted silently (no status: the TMF response,
 * or for QErr the CHECK CONDITION, covers them); so are those of another
 * I_T nexus on a device with TAS = 0, whose I_T_L nexus gets COMMANDS
 * CLEARED BY ANOTHER INITIATOR (SAM-5 5.6); with TAS = 1 the others end
 * with TASK ABORTED status. Return: how many were marked.
 */
static unsigned int tmf_mark_session(struct ktgt_session *sess,
				     const struct tmf_scope *sc)
{
	struct ktgt_tgt_dev *td;
	struct ktgt_cmd *cmd;
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&sess->lock, flags);
	list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
		if (!tmf_match(sc, cmd) ||
		    READ_ONCE(cmd->core.state) >= KTGT_CS_RELEASED ||
		    cmd_aborted(cmd))
			continue;
		if (sess == sc->issuer)
			set_bit(KTGT_CF_SILENT, &cmd->core.cflags);
		if (sc->issuer && sess != sc->issuer && cmd->core.dev &&
		    !ktgt_spc_tas(cmd->core.dev)) {
			set_bit(KTGT_CF_SILENT, &cmd->core.cflags);
			rcu_read_lock();
			td = xa_load(&sess->tgt_devs, (unsigned long)cmd->lun);
			if (td)
				ktgt_ua_queue_code(sess, td, KTGT_UAC_CLEARED);
			rcu_read_unlock();
		}
		cmd_mark_aborted(cmd);
		n++;
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	if (n)
		abort_kick_session(sess);
	return n;
}

/*
 * Mark every command @sc covers aborted. Sessions other than @sc->sess
 * are walked under ktgt_sessions' xa_lock, so their deferred commands are
 * pushed through ordering by a rescan of the devices instead: the caller
 * keeps @sc->dev and @sc->devs from going away.
 */
static unsigned int tmf_mark(const struct tmf_scope *sc)
{
	struct ktgt_session *sess;
	struct ktgt_tgt_dev *td;
	struct ktgt_cmd *cmd;
	unsigned long id, flags;
	unsigned int n = 0;
	size_t i;

	if (sc->sess)
		return tmf_mark_session(sc->sess, sc);

	xa_lock(&ktgt_sessions);
	xa_for_each(&ktgt_sessions, id, sess) {
		if (sc->match_sess && !sc->match_sess(sess, sc->arg))
			continue;
		spin_lock_irqsave(&sess->lock, flags);
		list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
			if (!tmf_match(sc, cmd) ||
			    READ_ONCE(cmd->core.state) >= KTGT_CS_RELEASED ||
			    cmd_aborted(cmd))
				continue;
			if (sess == sc->issuer)
				set_bit(KTGT_CF_SILENT, &cmd->core.cflags);
			if (sc->issuer && sess != sc->issuer &&
			    cmd->core.dev && !ktgt_spc_tas(cmd->core.dev)) {
				set_bit(KTGT_CF_SILENT, &cmd->core.cflags);
				rcu_read_lock();
				td = xa_load(&sess->tgt_devs,
					     (unsigned long)cmd->lun);
				if (td)
					ktgt_ua_queue_code(sess, td,
							   KTGT_UAC_CLEARED);
				rcu_read_unlock();
			}
			cmd_mark_aborted(cmd);
			n++;
		}
		spin_unlock_irqrestore(&sess->lock, flags);
	}
	xa_unlock(&ktgt_sessions);

	if (sc->dev)
		order_rescan(sc->dev);
	for (i = 0; i < sc->nr_devs; i++)
		order_rescan(sc->devs[i]);
	return n;
}

/*
 * QErr (SPC-4 7.5.8, control mode page; SAM-5 5.3): @cmd is about to be
 * sent with CHECK CONDITION. No ACA is ever established (NACA is
 * refused), so with QErr 01b every other task of the logical unit's task
 * set (TST 000b: all I_T nexuses) is aborted, those of other nexuses as
 * TAS says and those of @cmd's own silently; with 11b only those of
 * @cmd's I_T nexus. @qerr is the QErr read as @cmd finished: a MODE
 * SELECT since does not change what it aborts. Nothing waits for them:
 * they end with TASK ABORTED (or nothing) as they reach their next
 * stage. Process context (takes ktgt_sessions' xa_lock); the device is
 * held by @cmd's LUN reference.
 */
static void cmd_qerr_abort(struct ktgt_cmd *cmd, unsigned int qerr)
{
	struct tmf_scope sc = { .dev = cmd->core.dev, .issuer = cmd->sess,
				.except = cmd };

	if (qerr == 3)
		sc.sess = cmd->sess;
	tmf_mark(&sc);
}

/*
 * Whether a command @sc covers is aborted and not yet released; or, for a
 * task management function, one of its session whose status is on its
 * way: its response comes after those (RFC 7143 4.2.2.3 Response Fence,
 * which on an iSCSI session of several connections no per-connection
 * queue can give).
 */
static bool tmf_session_pending(struct ktgt_session *sess,
				const struct tmf_scope *sc)
{
	struct ktgt_cmd *cmd;
	unsigned long flags;
	bool pending = false;

	spin_lock_irqsave(&sess->lock, flags);
	list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
		unsigned int state = READ_ONCE(cmd->core.state);

		if (!tmf_match(sc, cmd) || state >= KTGT_CS_RELEASED)
			continue;
		if (cmd_aborted(cmd)) {
			pending = true;
			break;
		}
		if (sc->tmf && sess == sc->issuer && state >= KTGT_CS_XMIT) {
			cmd_fence(cmd);
			pending = true;
			break;
		}
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	return pending;
}

static bool tmf_pending(const struct tmf_scope *sc)
{
	struct ktgt_session *sess;
	unsigned long id;
	bool pending = false;

	if (sc->sess)
		return tmf_session_pending(sc->sess, sc);
	xa_lock(&ktgt_sessions);
	xa_for_each(&ktgt_sessions, id, sess) {
		if (sc->match_sess && !sc->match_sess(sess, sc->arg))
			continue;
		pending = tmf_session_pending(sess, sc);
		if (pending)
			break;
	}
	xa_unlock(&ktgt_sessions);
	return pending;
}

/*
 * The next aborted command of @sess waiting for its data-out that its
 * driver has not been told about, with a reference; NULL if none.
 */
static struct ktgt_cmd *abort_data_out_get(struct ktgt_session *sess)
{
	struct ktgt_cmd *cmd, *found = NULL;
	unsigned long flags;

	if (!sess->tgt->tt->data_out_aborted)
		return NULL;
	spin_lock_irqsave(&sess->lock, flags);
	list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
		if (!cmd_aborted(cmd) ||
		    READ_ONCE(cmd->core.state) != KTGT_CS_DATA_OUT ||
		    test_bit(KTGT_CF_DO_ABORTED, &cmd->core.cflags))
			continue;
		if (kref_get_unless_zero(&cmd->core.ref)) {
			set_bit(KTGT_CF_DO_ABORTED, &cmd->core.cflags);
			found = cmd;
			break;
		}
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	return found;
}

/*
 * Tell the drivers about every aborted command that waits for its
 * data-out (->data_out_aborted()), once per command: whoever aborted it
 * (a TMF or PREEMPT AND ABORT of another I_T nexus, QErr), the driver
 * would otherwise wait for data the initiator may never send, and the
 * abort for its release. Process context, no lock held; the command's
 * reference keeps it, its session and its driver's module.
 */
static void abort_notify_data_out(void)
{
	struct ktgt_session *sess;
	struct ktgt_cmd *found;
	unsigned long id;

	do {
		found = NULL;
		xa_lock(&ktgt_sessions);
		xa_for_each(&ktgt_sessions, id, sess) {
			found = abort_data_out_get(sess);
			if (found)
				break;
		}
		xa_unlock(&ktgt_sessions);
		if (found) {
			cmd_tt(found)->data_out_aborted(found);
			kref_put(&found->core.ref, cmd_release);
		}
	} while (found);
}

/* The device a TMF's LUN maps for its session, held by a LUN reference. */
static struct ktgt_lun *tmf_lun_get(struct ktgt_tmf *tmf)
{
	struct ktgt_lun *lun;

	rcu_read_lock();
	lun = ktgt_lun_get(rcu_dereference(tmf->sess->lun_set), tmf->lun);
	rcu_read_unlock();
	return lun;
}

/*
 * The task ABORT TASK or QUERY TASK @tmf names, submitted before it, with
 * a reference; NULL if there is none. *@sent: its status is on its way
 * (KTGT_CS_XMIT), and it is no longer in the task set; the caller waits
 * for its release before answering, so that the answer does not overtake
 * the status (RFC 7143 4.2.2.3, whichever connection of an iSCSI session
 * each goes on), and the core's KTGT_CS_XMIT, set before the transport
 * queues the status, never lets the answer be queued first. Otherwise
 * ABORT TASK (@abort) marks it aborted, silently.
 */
static struct ktgt_cmd *tmf_task_get(struct ktgt_tmf *tmf, bool *sent,
				     bool abort)
{
	struct ktgt_session *sess = tmf->sess;
	struct ktgt_cmd *cmd, *found = NULL, *xmit = NULL;
	unsigned long flags;

	*sent = false;
	spin_lock_irqsave(&sess->lock, flags);
	list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
		unsigned int state = READ_ONCE(cmd->core.state);

		if (cmd->tag != tmf->ref_tag || cmd->lun != tmf->lun ||
		    tmf_after(tmf, cmd) || state >= KTGT_CS_RELEASED)
			continue;
		/* The tag may be in use again once the status is sent. */
		if (state >= KTGT_CS_XMIT) {
			if (!xmit && kref_get_unless_zero(&cmd->core.ref))
				xmit = cmd;
			continue;
		}
		if (!abort && cmd_aborted(cmd))
			continue;
		if (kref_get_unless_zero(&cmd->core.ref)) {
			found = cmd;
			break;
		}
	}
	if (found && abort) {
		set_bit(KTGT_CF_SILENT, &found->core.cflags);
		cmd_mark_aborted(found);
	} else if (!found && xmit) {
		*sent = true;
		cmd_fence(xmit);
		found = xmit;
		xmit = NULL;
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	if (xmit)
		kref_put(&xmit->core.ref, cmd_release);
	return found;
}

/*
 * Functions that wait
 * -------------------
 *
 * A function that aborts tasks waits for them to be gone before it is
 * answered, but holds no worker of ktgt_tmf_wq meanwhile: however many
 * wait, and however long (a command held in a slow device, a write whose
 * data-out never comes), the functions with nothing to wait for on every
 * target still run at once. Its work item (tmf_work_fn()) starts it
 * (marks the tasks, takes what it needs until its end into tmf->core)
 * and, if something is still pending, parks it on tmf_waiting and
 * returns. tmf_scan_work re-evaluates every parked function's condition
 * (tmf_waits(): the same as a sleeping wait's, tmf_pending() over the
 * function's scope, or the release of the one task of ABORT TASK and
 * QUERY TASK) and queues the work item of each whose wait is over
 * again, to finish it (the reset side effects, which take
 * ktgt_cfg_mutex) and call ->tmf_done(), which may sleep: a short work
 * item, not a parked one. The scan runs when an aborted or fenced command
 * is released (ktgt_cmd_xmit_done(), any context: mod_delayed_work())
 * while a function is parked, and once a second while any is, telling
 * the drivers about aborted commands that reached their data-out
 * (abort_notify_data_out()) and warning every 10 s of a function's wait.
 *
 * PREEMPT AND ABORT (core/pr.c) waits the same way, on the same list:
 * its PERSISTENT RESERVE OUT, executing, is not completed until the tasks
 * it aborted are gone, but holds no worker of ktgt_exec_wq meanwhile.
 * ktgt_abort_lu_tasks() marks them (after the state change, in the order
 * of the commands as before) and parks its struct ktgt_lu_abort if any
 * is pending; the scan evaluates it as a function of the same scope
 * (tmf_pending() of the device, the sessions its match callback picks,
 * the issuer's never), and queues its work item on ktgt_tmf_wq once they
 * are gone, which calls its ->done(): the caller's end of the command,
 * ktgt_cmd_done() last. The list holds struct ktgt_abort_wait, of either
 * kind (park_waits(), park_over()).
 *
 * A scan does not evaluate again a function whose scope is a session or
 * a device when none of its aborted or fenced commands was released since
 * the function was last found waiting: each release counts itself in its
 * session's and its device's aborts_released, which the scan compares
 * with the count it saw then (park_gen(), park_still_waits()). A burst of
 * releases on one logical unit, or the periodic scan, costs a walk of
 * the sessions' commands only for the functions they may have ended.
 *
 * Lifetimes: a parked function is counted in sess->nr_tmfs until its
 * ->tmf_done() has returned, so its session, and with it the session's
 * place in ktgt_sessions that tmf_pending() walks, stays; it holds what
 * it held across its wait before: the LUN reference (tmf->core.lun_ref)
 * of ABORT TASK SET, CLEAR TASK SET and LOGICAL UNIT RESET, the reference
 * on the task of ABORT TASK and QUERY TASK (tmf->core.task), TARGET
 * RESET's device array (compared by identity only, never dereferenced).
 * A parked PREEMPT AND ABORT is its command's, which is executing and
 * so keeps its session, and its device by its LUN reference, until
 * ->done() completes it; the caller keeps its match argument until
 * then.
 * Locking: tmf_wait_lock (process context only, a leaf) protects
 * tmf_waiting; an abort on it is the scan's (tmf_scan_work is not
 * reentrant), which takes the list private while it evaluates them.
 * tmf_nr_waiting counts the parked aborts: a release reads it after
 * KTGT_CS_RELEASED, a function parking increments it, then kicks the
 * scan, which reads the states after that (ordered by the barriers on
 * both sides and the queueing of the scan).
 */
enum tmf_wait {
	TMF_WAIT_NONE,		/* starting, or nothing to wait for */
	TMF_WAIT_TASK,		/* for the release of tmf->core.task */
	TMF_WAIT_SCOPE,		/* for tmf_pending() of its scope to be false */
	TMF_WAIT_OVER,		/* back from the scan, to be finished */
};

/* struct ktgt_abort_wait's kind: what the parked abort is part of. */
enum {
	ABORT_WAIT_TMF,		/* struct ktgt_tmf, core.park */
	ABORT_WAIT_LU,		/* struct ktgt_lu_abort (PREEMPT AND ABORT) */
};

/* The name of a function that waits, for the warnings. */
static const char *tmf_name(const struct ktgt_tmf *tmf)
{
	switch (tmf->fn) {
	case KTGT_TMF_ABORT_TASK:
		return "ABORT TASK";
	case KTGT_TMF_ABORT_TASK_SET:
		return "ABORT TASK SET";
	case KTGT_TMF_CLEAR_TASK_SET:
		return "CLEAR TASK SET";
	case KTGT_TMF_LUN_RESET:
		return "LOGICAL UNIT RESET";
	case KTGT_TMF_TARGET_RESET:
		return "TARGET RESET";
	case KTGT_TMF_I_T_NEXUS_RESET:
		return "I_T NEXUS RESET";
	case KTGT_TMF_QUERY_TASK:
		return "QUERY TASK";
	default:
		return "task management";
	}
}

/* The scope of the tasks @tmf (TMF_WAIT_SCOPE) aborted and waits for. */
static void tmf_scope_of(const struct ktgt_tmf *tmf, struct tmf_scope *sc)
{
	*sc = (struct tmf_scope){ .issuer = tmf->sess, .tmf = tmf };
	switch (tmf->fn) {
	case KTGT_TMF_ABORT_TASK_SET:
		sc->sess = tmf->sess;
		sc->by_lun = true;
		sc->lun = tmf->lun;
		break;
	case KTGT_TMF_CLEAR_TASK_SET:
	case KTGT_TMF_LUN_RESET:
		sc->dev = tmf->core.dev;
		break;
	case KTGT_TMF_TARGET_RESET:
		sc->devs = tmf->core.devs;
		sc->nr_devs = tmf->core.nr_devs;
		break;
	case KTGT_TMF_I_T_NEXUS_RESET:
		sc->sess = tmf->sess;
		break;
	default:
		WARN_ONCE(1, "ktgt: TMF %d waits for a scope\n", tmf->fn);
		break;
	}
}

/* Whether @tmf, which waits, still has to. Process context. */
static bool tmf_waits(const struct ktgt_tmf *tmf)
{
	struct tmf_scope sc;

	if (tmf->core.wait == TMF_WAIT_TASK)
		return READ_ONCE(tmf->core.task->core.state) <
		       KTGT_CS_RELEASED;
	tmf_scope_of(tmf, &sc);
	return tmf_pending(&sc);
}

/* The scope of the tasks a PREEMPT AND ABORT aborts and waits for. */
static void lu_abort_scope(const struct ktgt_lu_abort *ab,
			   struct tmf_scope *sc)
{
	*sc = (struct tmf_scope){ .dev = ab->cmd->core.dev,
				  .issuer = ab->cmd->sess,
				  .match_sess = ab->match, .arg = ab->arg };
}

/* Whether the parked @w still waits. Process context. */
static bool park_waits(const struct ktgt_abort_wait *w)
{
	const struct ktgt_lu_abort *ab;
	struct tmf_scope sc;

	if (w->kind == ABORT_WAIT_TMF)
		return tmf_waits(container_of(w, struct ktgt_tmf, core.park));
	ab = container_of(w, struct ktgt_lu_abort, park);
	lu_abort_scope(ab, &sc);
	return tmf_pending(&sc);
}

/*
 * The count of released aborted commands that a release ending the wait
 * of the parked @w increments: that of its session (ABORT TASK SET, I_T
 * NEXUS RESET) or of its device (CLEAR TASK SET, LOGICAL UNIT RESET,
 * PREEMPT AND ABORT, the device held); NULL if @w is evaluated at every
 * scan (TARGET RESET, whose devices may be gone; the functions waiting
 * for one task, whose test costs no more than the count's).
 *
 * Only a release can end a wait (a pending command leaves its session's
 * list only once released), and it increments the counts after setting
 * KTGT_CS_RELEASED, then kicks the scan: a scan that reads the count
 * unchanged since @w was last found waiting, before it would evaluate
 * @w, knows @w still waits, and one that reads it changed evaluates @w
 * and sees the state of every command whose increment it saw.
 */
static atomic_t *park_gen(const struct ktgt_abort_wait *w)
{
	const struct ktgt_tmf *tmf;

	if (w->kind == ABORT_WAIT_LU)
		return &container_of(w, struct ktgt_lu_abort,
				     park)->cmd->core.dev->aborts_released;
	tmf = container_of(w, struct ktgt_tmf, core.park);
	if (tmf->core.wait != TMF_WAIT_SCOPE)
		return NULL;
	switch (tmf->fn) {
	case KTGT_TMF_ABORT_TASK_SET:
	case KTGT_TMF_I_T_NEXUS_RESET:
		return &tmf->sess->aborts_released;
	case KTGT_TMF_CLEAR_TASK_SET:
	case KTGT_TMF_LUN_RESET:
		return &tmf->core.dev->aborts_released;
	default:
		return NULL;
	}
}

/*
 * Whether the parked @w still waits, evaluated only if a release of its
 * scope happened since it was last found waiting (park_gen()). Process
 * context, from the scan.
 */
static bool park_still_waits(struct ktgt_abort_wait *w)
{
	atomic_t *count = park_gen(w);
	unsigned int gen = 0;

	if (count) {
		gen = atomic_read(count);
		if (w->gen_valid && gen == w->gen)
			return true;
		/* The count before the states: see park_gen(). */
		smp_rmb();
	}
	if (!park_waits(w))
		return false;
	w->gen = gen;
	w->gen_valid = !!count;
	return true;
}

/* What the parked @w is, for the warnings. */
static const char *park_name(const struct ktgt_abort_wait *w)
{
	if (w->kind == ABORT_WAIT_TMF)
		return tmf_name(container_of(w, struct ktgt_tmf, core.park));
	return "PREEMPT AND ABORT";
}

/*
 * The wait of @w, taken off tmf_waiting by the scan, is over: queue the
 * work item that finishes it.
 */
static void park_over(struct ktgt_abort_wait *w)
{
	struct ktgt_lu_abort *ab;
	struct ktgt_tmf *tmf;

	if (w->kind == ABORT_WAIT_TMF) {
		tmf = container_of(w, struct ktgt_tmf, core.park);
		tmf->core.wait = TMF_WAIT_OVER;
		queue_work(ktgt_tmf_wq, &tmf->work);
		return;
	}
	ab = container_of(w, struct ktgt_lu_abort, park);
	queue_work(ktgt_tmf_wq, &ab->work);
}

/*
 * Park @w (of @kind), whose tasks are still pending, for tmf_scan_work:
 * from here on it is the scan's, which may finish it before this returns.
 */
static void abort_park(struct ktgt_abort_wait *w, unsigned int kind)
{
	w->kind = kind;
	w->warn_at = jiffies + 10 * HZ;
	w->gen_valid = false;
	spin_lock(&tmf_wait_lock);
	list_add_tail(&w->node, &tmf_waiting);
	spin_unlock(&tmf_wait_lock);
	atomic_inc(&tmf_nr_waiting);
	/* Pairs with the barrier in ktgt_cmd_xmit_done(). */
	smp_mb__after_atomic();
	/* A task released before the increment was not seen by the scan. */
	mod_delayed_work(ktgt_tmf_wq, &tmf_scan_work, 0);
}

/* ktgt_lu_abort's work item: its tasks are gone. */
static void lu_abort_work_fn(struct work_struct *work)
{
	struct ktgt_lu_abort *ab = container_of(work, struct ktgt_lu_abort,
						work);

	ab->done(ab);
}

bool ktgt_abort_lu_tasks(struct ktgt_lu_abort *ab)
{
	struct tmf_scope sc;

	might_sleep();
	lu_abort_scope(ab, &sc);
	tmf_mark(&sc);
	/*
	 * Commands that reach their data-out after they were aborted are
	 * told about by the scan, within a second.
	 */
	abort_notify_data_out();
	if (!tmf_pending(&sc))
		return false;
	INIT_WORK(&ab->work, lu_abort_work_fn);
	abort_park(&ab->park, ABORT_WAIT_LU);
	return true;
}

/*
 * Evaluate every parked abort; queue those whose wait is over to be
 * finished. Then again in a second while any waits.
 */
static void tmf_scan_fn(struct work_struct *work)
{
	struct ktgt_abort_wait *w, *next;
	LIST_HEAD(scan);
	bool empty;

	abort_notify_data_out();
	spin_lock(&tmf_wait_lock);
	list_splice_init(&tmf_waiting, &scan);
	spin_unlock(&tmf_wait_lock);

	list_for_each_entry_safe(w, next, &scan, node) {
		if (park_still_waits(w)) {
			if (time_after_eq(jiffies, w->warn_at)) {
				pr_warn("%s: still waiting for aborted commands\n",
					park_name(w));
				w->warn_at = jiffies + 10 * HZ;
			}
			continue;
		}
		list_del(&w->node);
		atomic_dec(&tmf_nr_waiting);
		park_over(w);
	}

	spin_lock(&tmf_wait_lock);
	list_splice(&scan, &tmf_waiting);
	empty = list_empty(&tmf_waiting);
	spin_unlock(&tmf_wait_lock);
	/* Not sooner than a scan already queued by a release. */
	if (!empty)
		queue_delayed_work(ktgt_tmf_wq, &tmf_scan_work, HZ);
}

/*
 * ABORT TASK: start. The task is marked aborted (silently) and the
 * function waits for its release, holding a reference on it.
 */
static enum ktgt_tmf_response tmf_abort_task(struct ktgt_tmf *tmf)
{
	struct ktgt_cmd *found;
	bool sent;

	found = tmf_task_get(tmf, &sent, true);
	/*
	 * A task that does not exist (any more) is aborted: SAM-5 7.2. One
	 * whose status is on its way is no longer in the task set (as for
	 * QUERY TASK): it is not aborted, ABORT TASK reports it not found,
	 * once its status is sent (tmf_task_get()).
	 */
	tmf->task_found = found && !sent;
	if (!found)
		return KTGT_TMF_COMPLETE;

	if (!sent && found->core.dev)
		order_rescan(found->core.dev);
	tmf->core.task = found;
	tmf->core.wait = TMF_WAIT_TASK;
	return KTGT_TMF_COMPLETE;
}

/*
 * ABORT TASK SET, CLEAR TASK SET and LOGICAL UNIT RESET: start. The tasks
 * in the function's scope (tmf_scope_of()) are marked aborted and the
 * function waits for them. ABORT TASK SET (SAM-5 7.3): the tasks of this
 * I_T_L nexus only. CLEAR TASK SET (SAM-5 7.5; the task set is shared,
 * TST 000b) and LOGICAL UNIT RESET: every task of the logical unit from
 * every I_T nexus, the others' as TAS says; these two keep the LU's device
 * for their scope and their end.
 */
static enum ktgt_tmf_response tmf_lun_tasks(struct ktgt_tmf *tmf)
{
	struct ktgt_lun *lun = tmf_lun_get(tmf);
	struct tmf_scope sc;

	if (!lun)
		return KTGT_TMF_INCORRECT_LUN;
	tmf->core.lun_ref = lun;
	if (tmf->fn != KTGT_TMF_ABORT_TASK_SET)
		tmf->core.dev = lun->dev;
	tmf->core.wait = TMF_WAIT_SCOPE;
	tmf_scope_of(tmf, &sc);
	tmf_mark(&sc);
	return KTGT_TMF_COMPLETE;
}

/*
 * The reset side effects on a device once its tasks are gone: its SPC-2
 * reservation is released and every I_T_L nexus gets BUS DEVICE RESET
 * FUNCTION OCCURRED. ktgt_cfg_mutex held.
 */
static void tmf_reset_device(struct ktgt_device *dev)
{
	lockdep_assert_held(&ktgt_cfg_mutex);
	ktgt_reserve_reset(dev);
	ktgt_ua_raise_lu_reset(dev);
}

/* LOGICAL UNIT RESET: its tasks are gone. */
static void tmf_lun_reset_finish(struct ktgt_tmf *tmf)
{
	struct ktgt_device *dev = tmf->core.dev;
	struct ktgt_lun_set *set;
	struct ktgt_lun *lun;

	/* Not across the mutex: unmapping a LUN waits for its references. */
	ktgt_lun_put(tmf->core.lun_ref);
	tmf->core.lun_ref = NULL;

	mutex_lock(&ktgt_cfg_mutex);
	set = rcu_dereference_protected(tmf->sess->lun_set,
					lockdep_is_held(&ktgt_cfg_mutex));
	lun = set ? xa_load(&set->luns, (unsigned long)tmf->lun) : NULL;
	if (lun && lun->dev == dev)
		tmf_reset_device(dev);
	mutex_unlock(&ktgt_cfg_mutex);
}

/* How many LUNs @set maps. ktgt_cfg_mutex held. */
static size_t tmf_count_luns(struct ktgt_lun_set *set)
{
	struct ktgt_lun *lun;
	unsigned long idx;
	size_t n = 0;

	xa_for_each(&set->luns, idx, lun)
		n++;
	return n;
}

/* Add the devices @set maps to @sc->devs, which has room for them. */
static void tmf_add_devs(struct ktgt_lun_set *set, struct tmf_scope *sc)
{
	struct ktgt_lun *lun;
	unsigned long idx;

	xa_for_each(&set->luns, idx, lun)
		sc->devs[sc->nr_devs++] = lun->dev;
}

/*
 * Set in @mapped the bit of each of @sc->devs that @set maps now.
 * ktgt_cfg_mutex held.
 */
static void tmf_find_mapped(struct ktgt_lun_set *set,
			    const struct tmf_scope *sc, unsigned long *mapped)
{
	struct ktgt_device **found;
	struct ktgt_lun *lun;
	unsigned long idx;

	xa_for_each(&set->luns, idx, lun) {
		found = bsearch(&lun->dev, sc->devs, sc->nr_devs,
				sizeof(*sc->devs), tmf_dev_cmp);
		if (found)
			__set_bit(found - sc->devs, mapped);
	}
}

/*
 * Collect in @sc the devices of @tgt: those of its LUN set and of its
 * groups', sorted by tmf_dev_cmp(), each once; and allocate @mapped, a
 * zeroed bitmap with a bit for each. However many there are: the arrays
 * are sized by a count of the LUNs taken under ktgt_cfg_mutex but
 * allocated without it, so the LUNs are counted again once it is taken
 * back, and allocated again if there are more. The allocations do no I/O:
 * a SCSI host's error handler may be waiting for the TARGET RESET
 * (targets/local) while memory reclaim waits for that host's disks.
 *
 * Return: 0 with ktgt_cfg_mutex held, or -ENOMEM without it and with
 * nothing allocated.
 */
static int tmf_collect_devs(struct ktgt_target *tgt, struct tmf_scope *sc,
			    unsigned long **mapped)
{
	struct ktgt_group *grp;
	unsigned int noio;
	size_t room = 0, n, i;

	sc->devs = NULL;
	*mapped = NULL;
	for (;;) {
		mutex_lock(&ktgt_cfg_mutex);
		n = tmf_count_luns(&tgt->luns);
		list_for_each_entry(grp, &tgt->groups, node)
			n += tmf_count_luns(&grp->luns);
		if (n <= room)
			break;
		mutex_unlock(&ktgt_cfg_mutex);

		kvfree(sc->devs);
		kvfree(*mapped);
		noio = memalloc_noio_save();
		sc->devs = kvmalloc_array(n, sizeof(*sc->devs), GFP_KERNEL);
		*mapped = kvcalloc(BITS_TO_LONGS(n), sizeof(**mapped),
				   GFP_KERNEL);
		memalloc_noio_restore(noio);
		if (!sc->devs || !*mapped) {
			kvfree(sc->devs);
			kvfree(*mapped);
			return -ENOMEM;
		}
		room = n;
	}

	sc->nr_devs = 0;
	tmf_add_devs(&tgt->luns, sc);
	list_for_each_entry(grp, &tgt->groups, node)
		tmf_add_devs(&grp->luns, sc);
	sort(sc->devs, sc->nr_devs, sizeof(*sc->devs), tmf_dev_cmp, NULL);
	/* A device mapped by several LUNs is there once. */
	for (i = 0, n = 0; i < sc->nr_devs; i++)
		if (!n || sc->devs[i] != sc->devs[n - 1])
			sc->devs[n++] = sc->devs[i];
	sc->nr_devs = n;
	return 0;
}

/*
 * TARGET RESET (SAM-2; made obsolete by SAM-4, kept by iSCSI as TARGET
 * WARM RESET): a LOGICAL UNIT RESET of every logical unit of the target,
 * through any of its LUN sets, however many.
 * The devices are collected and their tasks marked under ktgt_cfg_mutex
 * (mapped devices cannot go away under it); the wait happens outside it,
 * matching commands by device identity only, as the devices may be
 * unmapped and freed meanwhile. Then, under the mutex again, the devices
 * still mapped are reset: those a LUN of the target maps now and that were
 * collected (by identity: the pointer dereferenced is the LUN's). A device
 * mapped only while the function waited is not reset, as its tasks were
 * not aborted either.
 */
static enum ktgt_tmf_response tmf_target_reset(struct ktgt_tmf *tmf)
{
	struct ktgt_target *tgt = tmf->sess->tgt;
	struct tmf_scope sc = { .issuer = tmf->sess, .tmf = tmf };
	unsigned long *mapped;

	if (tmf_collect_devs(tgt, &sc, &mapped))
		return KTGT_TMF_REJECTED;
	if (!sc.nr_devs) {
		/* Nothing to do; and a scope without devices matches all. */
		mutex_unlock(&ktgt_cfg_mutex);
		kvfree(mapped);
		kvfree(sc.devs);
		return KTGT_TMF_COMPLETE;
	}
	tmf->core.devs = sc.devs;
	tmf->core.nr_devs = sc.nr_devs;
	tmf->core.mapped = mapped;
	tmf->core.wait = TMF_WAIT_SCOPE;
	tmf_mark(&sc);
	mutex_unlock(&ktgt_cfg_mutex);
	return KTGT_TMF_COMPLETE;
}

/* TARGET RESET: the tasks are gone; reset the devices still mapped. */
static void tmf_target_reset_finish(struct ktgt_tmf *tmf)
{
	struct ktgt_target *tgt = tmf->sess->tgt;
	unsigned long *mapped = tmf->core.mapped;
	struct ktgt_group *grp;
	struct tmf_scope sc;
	unsigned long i;

	tmf_scope_of(tmf, &sc);
	mutex_lock(&ktgt_cfg_mutex);
	tmf_find_mapped(&tgt->luns, &sc, mapped);
	list_for_each_entry(grp, &tgt->groups, node)
		tmf_find_mapped(&grp->luns, &sc, mapped);
	for_each_set_bit(i, mapped, sc.nr_devs)
		tmf_reset_device(sc.devs[i]);
	mutex_unlock(&ktgt_cfg_mutex);
	kvfree(mapped);
	kvfree(sc.devs);
	tmf->core.mapped = NULL;
	tmf->core.devs = NULL;
}

/*
 * I_T NEXUS RESET (SAM-5 7.7): every task of the I_T nexus, on every
 * logical unit; then (tmf_finish()) I_T NEXUS LOSS OCCURRED on each of
 * its I_T_L nexuses and the release of the SPC-2 reservations it held.
 * Other nexuses are not affected.
 */
static enum ktgt_tmf_response tmf_nexus_reset(struct ktgt_tmf *tmf)
{
	struct tmf_scope sc;

	tmf->core.wait = TMF_WAIT_SCOPE;
	tmf_scope_of(tmf, &sc);
	tmf_mark(&sc);
	return KTGT_TMF_COMPLETE;
}

/*
 * QUERY TASK (SAM-5 7.9): whether the task is in the task set. One whose
 * status is on its way is not, and the answer waits for its release.
 */
static enum ktgt_tmf_response tmf_query_task(struct ktgt_tmf *tmf)
{
	struct ktgt_cmd *found;
	bool sent;

	/* A task whose status is on its way is no longer in the set. */
	found = tmf_task_get(tmf, &sent, false);
	tmf->task_found = found && !sent;
	if (!found)
		return KTGT_TMF_COMPLETE;
	if (sent) {
		tmf->core.task = found;
		tmf->core.wait = TMF_WAIT_TASK;
		return KTGT_TMF_COMPLETE;
	}
	kref_put(&found->core.ref, cmd_release);
	return KTGT_TMF_SUCCEEDED;
}

/* QUERY TASK SET (SAM-5 7.10): any task of this I_T_L nexus. */
static enum ktgt_tmf_response tmf_query_task_set(struct ktgt_tmf *tmf)
{
	struct ktgt_session *sess = tmf->sess;
	struct ktgt_lun *lun = tmf_lun_get(tmf);
	struct ktgt_cmd *cmd;
	unsigned long flags;
	bool found = false;

	if (!lun)
		return KTGT_TMF_INCORRECT_LUN;
	spin_lock_irqsave(&sess->lock, flags);
	list_for_each_entry(cmd, &sess->cmds, core.sess_node) {
		if (cmd->lun == tmf->lun && !tmf_after(tmf, cmd) &&
		    READ_ONCE(cmd->core.state) < KTGT_CS_XMIT &&
		    !cmd_aborted(cmd)) {
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	ktgt_lun_put(lun);
	return found ? KTGT_TMF_SUCCEEDED : KTGT_TMF_COMPLETE;
}

/*
 * QUERY ASYNCHRONOUS EVENT (SAM-5 7.11): whether a unit attention (the
 * only asynchronous event the core has; no deferred errors) is pending
 * on this I_T_L nexus. The condition is not cleared.
 */
static enum ktgt_tmf_response tmf_query_async_event(struct ktgt_tmf *tmf)
{
	struct ktgt_lun *lun = tmf_lun_get(tmf);
	struct ktgt_tgt_dev *td;
	bool pending;

	if (!lun)
		return KTGT_TMF_INCORRECT_LUN;
	rcu_read_lock();
	td = xa_load(&tmf->sess->tgt_devs, (unsigned long)tmf->lun);
	pending = td && ktgt_ua_pending(td);
	rcu_read_unlock();
	ktgt_lun_put(lun);
	return pending ? KTGT_TMF_SUCCEEDED : KTGT_TMF_COMPLETE;
}

/*
 * CLEAR ACA (SAM-5 7.4): the core never establishes an ACA condition (it
 * refuses NACA = 1 and the ACA task attribute), so there is none to
 * clear: FUNCTION COMPLETE with no effect, for an existing LUN.
 */
static enum ktgt_tmf_response tmf_clear_aca(struct ktgt_tmf *tmf)
{
	struct ktgt_lun *lun = tmf_lun_get(tmf);

	if (!lun)
		return KTGT_TMF_INCORRECT_LUN;
	ktgt_lun_put(lun);
	return KTGT_TMF_COMPLETE;
}

/*
 * The end of a function that waited (tmf->core.wait set by its start),
 * once its tasks are gone: what follows the wait, and the references and
 * memory it held across it. Process context, from its work item.
 */
static void tmf_finish(struct ktgt_tmf *tmf)
{
	switch (tmf->fn) {
	case KTGT_TMF_ABORT_TASK:
	case KTGT_TMF_QUERY_TASK:
		kref_put(&tmf->core.task->core.ref, cmd_release);
		tmf->core.task = NULL;
		break;
	case KTGT_TMF_ABORT_TASK_SET:
	case KTGT_TMF_CLEAR_TASK_SET:
		ktgt_lun_put(tmf->core.lun_ref);
		tmf->core.lun_ref = NULL;
		break;
	case KTGT_TMF_LUN_RESET:
		tmf_lun_reset_finish(tmf);
		break;
	case KTGT_TMF_TARGET_RESET:
		tmf_target_reset_finish(tmf);
		break;
	case KTGT_TMF_I_T_NEXUS_RESET:
		ktgt_reserve_nexus_loss(tmf->sess);
		ktgt_ua_raise_session(tmf->sess, KTGT_UAC_NEXUS_LOSS);
		break;
	default:
		break;
	}
	tmf->core.wait = TMF_WAIT_NONE;
}

/*
 * Run @tmf up to where it waits for tasks (setting tmf->core.wait), or
 * to its end. Return: its response.
 */
static enum ktgt_tmf_response tmf_start(struct ktgt_tmf *tmf)
{
	switch (tmf->fn) {
	case KTGT_TMF_ABORT_TASK:
		return tmf_abort_task(tmf);
	case KTGT_TMF_ABORT_TASK_SET:
	case KTGT_TMF_CLEAR_TASK_SET:
	case KTGT_TMF_LUN_RESET:
		return tmf_lun_tasks(tmf);
	case KTGT_TMF_TARGET_RESET:
		return tmf_target_reset(tmf);
	case KTGT_TMF_I_T_NEXUS_RESET:
		return tmf_nexus_reset(tmf);
	case KTGT_TMF_CLEAR_ACA:
		return tmf_clear_aca(tmf);
	case KTGT_TMF_QUERY_TASK:
		return tmf_query_task(tmf);
	case KTGT_TMF_QUERY_TASK_SET:
		return tmf_query_task_set(tmf);
	case KTGT_TMF_QUERY_ASYNC_EVENT:
		return tmf_query_async_event(tmf);
	default:
		return KTGT_TMF_NOT_SUPPORTED;
	}
}

/*
 * A function's work item: its start, and for one that waited, again once
 * its wait is over (TMF_WAIT_OVER, queued by tmf_scan_work); see
 * "Functions that wait" above.
 */
static void tmf_work_fn(struct work_struct *work)
{
	struct ktgt_tmf *tmf = container_of(work, struct ktgt_tmf, work);
	struct ktgt_session *sess = tmf->sess;
	struct ktgt_tgt_template *tt = sess->tgt->tt;
	unsigned long flags;

	if (tmf->core.wait != TMF_WAIT_OVER) {
		tmf->response = tmf_start(tmf);
		if (tmf->core.wait != TMF_WAIT_NONE) {
			/*
			 * Commands that reach their data-out after they were
			 * aborted are told about by the scan, within a second.
			 */
			abort_notify_data_out();
			if (tmf_waits(tmf)) {
				abort_park(&tmf->core.park, ABORT_WAIT_TMF);
				return;
			}
		}
	}
	if (tmf->core.wait != TMF_WAIT_NONE)
		tmf_finish(tmf);

	ktgt_nl_tmf(tmf);
	if (tt->tmf_done)
		tt->tmf_done(tmf);
	/*
	 * @tmf is the driver's again. ktgt_session_destroy() waits for this
	 * count under sess->lock, so the session lives until the unlock.
	 */
	spin_lock_irqsave(&sess->lock, flags);
	if (!--sess->nr_tmfs && sess->dying)
		wake_up(&sess->tmfs_done);
	spin_unlock_irqrestore(&sess->lock, flags);
}

void ktgt_tmf_submit(struct ktgt_tmf *tmf)
{
	struct ktgt_session *sess = tmf->sess;
	unsigned long flags;

	memset(&tmf->core, 0, sizeof(tmf->core));
	/* It covers the commands submitted so far, not those after it. */
	spin_lock_irqsave(&sess->lock, flags);
	WARN_ON_ONCE(sess->dying);
	tmf->sn = sess->cmd_sn;
	sess->nr_tmfs++;
	spin_unlock_irqrestore(&sess->lock, flags);
	INIT_WORK(&tmf->work, tmf_work_fn);
	queue_work(ktgt_tmf_wq, &tmf->work);
}
EXPORT_SYMBOL_GPL(ktgt_tmf_submit);

/*
 * ---------------------------------------------------------------------
 * Module setup
 * ---------------------------------------------------------------------
 */

int ktgt_cmd_init_module(void)
{
	int ret;

	ktgt_buf_default_limit = ((u64)totalram_pages() << PAGE_SHIFT) / 4;
	ret = percpu_counter_init(&ktgt_buf_bytes, 0, GFP_KERNEL);
	if (ret)
		return ret;

	ret = -ENOMEM;
	ktgt_exec_wq = alloc_workqueue("ktgt_exec",
				       WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	if (!ktgt_exec_wq)
		goto out_counter;
	ktgt_tmf_wq = alloc_workqueue("ktgt_tmf", WQ_UNBOUND | WQ_MEM_RECLAIM,
				      0);
	if (!ktgt_tmf_wq)
		goto out_exec;
	ktgt_long_wq = alloc_workqueue("ktgt_long", WQ_UNBOUND, 0);
	if (!ktgt_long_wq)
		goto out_tmf;
	return 0;

out_tmf:
	destroy_workqueue(ktgt_tmf_wq);
out_exec:
	destroy_workqueue(ktgt_exec_wq);
out_counter:
	percpu_counter_destroy(&ktgt_buf_bytes);
	return ret;
}

void ktgt_cmd_exit_module(void)
{
	/* Every session is gone, so is every TMF, parked or not. */
	WARN_ON(atomic_read(&tmf_nr_waiting));
	cancel_delayed_work_sync(&tmf_scan_work);
	destroy_workqueue(ktgt_long_wq);
	destroy_workqueue(ktgt_tmf_wq);
	destroy_workqueue(ktgt_exec_wq);
	WARN_ON(percpu_counter_sum(&ktgt_buf_bytes));
	percpu_counter_destroy(&ktgt_buf_bytes);
}
