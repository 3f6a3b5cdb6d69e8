// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_local: ktgt targets as SCSI hosts of the local kernel.
 *
 * Every enabled target under /sys/kernel/config/ktgt/targets/local/ is a
 * Scsi_Host with one SCSI target (channel 0, id 0) whose LUNs are those
 * the target's LUN masking gives the initiator name in the target's
 * initiator_name attribute. The midlayer's commands go to the ktgt core
 * with the midlayer's own scatterlist (zero copy), and the core's answers
 * complete them.
 *
 * Objects and lifetimes
 * =====================
 *
 * struct ktgt_local_tgt   one per configfs target, from ->target_create()
 *                         to ->target_destroy(). Its mutex serialises
 *                         enable/disable and the attributes.
 * struct ktgt_local_host  the Scsi_Host's private data, one per enabled
 *                         target: the host and its single ktgt session
 *                         live together, from enable to disable.
 * struct ktgt_local_cmd   the scsi_cmnd's private data (cmd_size): it
 *                         embeds the struct ktgt_cmd, so no command is
 *                         ever allocated.
 *
 * The command life cycle and its references
 * =========================================
 *
 * ->queuecommand() fills the embedded ktgt_cmd (ktgt_cmd_init() takes the
 * core's first reference) and submits it in atomic context. Data-out is
 * already in the scatterlist, so the driver has no ->rdy_to_xfer() and
 * the core goes straight on. ->xmit_response() copies status, sense and
 * residual into the
 * scsi_cmnd and calls ktgt_cmd_xmit_done(), but does NOT complete the
 * scsi_cmnd: that happens in ->free_cmd(), when the core has dropped its
 * last reference to the ktgt_cmd. Since the ktgt_cmd lives in the
 * request's memory, completing the request earlier would let blk-mq reuse
 * that memory for a new command while the core (a TMF walking the
 * session's commands, say) still looks at the old one. ->free_cmd() is
 * therefore the only place that calls scsi_done(), and nothing touches
 * the command after that call.
 *
 * Error handling
 * ==============
 *
 * Once the midlayer has timed a command out, scsi_done() on it is a no-op
 * and the error handler owns the scsi_cmnd; when an eh handler returns
 * SUCCESS the midlayer reuses the scsi_cmnd at once (a retry, or an EH
 * TEST UNIT READY sent through ->queuecommand() with the same memory). So
 * every eh handler returns SUCCESS only once the core has released every
 * command it covers:
 *
 * - ->free_cmd() sets ktgt_local_cmd.released (release store) before it
 *   calls scsi_done(), both inside one RCU read-side critical section;
 * - an eh handler sends its TMF, waits for ->tmf_done(), polls the
 *   released flags of the commands it covers (acquire loads), then calls
 *   synchronize_rcu(), which waits until every ->free_cmd() that set one
 *   of those flags has also returned from scsi_done().
 *
 * Each handler waits for its TMF's response without a limit: the core
 * answers only once the commands it aborted have ended, and a backing
 * store that holds one (a hung NFS server under a fileio device) holds
 * every wider TMF the escalation would send too. Once answered, abort,
 * LUN reset and target reset wait at most KTGT_LOCAL_EH_WAIT for the
 * commands they cover to be released, else return FAILED, escalating;
 * the host reset handler, the last one, waits as long as it takes,
 * because after it the midlayer would finish (and reuse) commands the
 * core may still hold. ->init_cmd_priv() starts every
 * request as released, so a request the midlayer has started but not yet
 * passed to ->queuecommand() is not waited for.
 *
 * The handlers map to TMFs: abort to ABORT TASK, device reset to LOGICAL
 * UNIT RESET, target reset to TARGET RESET, host reset to I_T NEXUS
 * RESET. TARGET RESET is the SCSI one: it resets every logical unit the
 * ktgt target maps, for the initiators of every session (a unit
 * attention for each), not only this host's commands. Where the core
 * answers NOT SUPPORTED, target reset resets each LUN the host has a
 * device for, and host reset aborts each command of the host one by
 * one.
 *
 * A command the core aborted (status TASK ABORTED) gets no SCSI status:
 * it completes with host byte DID_RESET, which the midlayer retries.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/bottom_half.h>
#include <linux/configfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_proto.h>
#include <asm/unaligned.h>

#include <ktgt/ktgt.h>

/* Commands in flight per host and per LUN. */
#define KTGT_LOCAL_CAN_QUEUE	128
#define KTGT_LOCAL_CMD_PER_LUN	64
/*
 * 8 MiB per command, the core's largest transfer (Block Limits' MAXIMUM
 * TRANSFER LENGTH), in page-sized segments: past SG_CHUNK_SIZE of them
 * the midlayer chains its scatterlists (every walk of a command's
 * scatterlist in the core and the handlers goes by sg_next()). The block
 * layer's default cap (max_sectors_kb, 1280 KiB) applies below that, so
 * a 1 MiB I/O is one command, not two of 512 KiB (SG_ALL pages) as it
 * was.
 */
#define KTGT_LOCAL_MAX_BYTES	(8U << 20)
#define KTGT_LOCAL_SG_TABLESIZE	(KTGT_LOCAL_MAX_BYTES / PAGE_SIZE)
#define KTGT_LOCAL_MAX_SECTORS	(KTGT_LOCAL_MAX_BYTES >> SECTOR_SHIFT)
/*
 * The largest Linux LUN value a host accepts. Linux numbers the LUNs
 * REPORT LUNS returns with scsilun_to_int(): peripheral device addressing
 * gives 0-255, flat space addressing 0x4000 | LUN (0x4000-0x7fff), so
 * this covers every single level LUN a ktgt target can report.
 */
#define KTGT_LOCAL_MAX_LUN	0x7fff
/* How long abort, LUN reset and target reset wait for the release. */
#define KTGT_LOCAL_EH_WAIT	(30 * HZ)
/* Poll interval of the eh handlers. */
#define KTGT_LOCAL_EH_POLL_MS	20
/* Timeout of the INQUIRY the rescan sends to each known LUN. */
#define KTGT_LOCAL_PROBE_TIMEOUT	(10 * HZ)
/* LUN value the core never maps: for LUN formats we cannot decode. */
#define KTGT_LOCAL_BAD_LUN	U64_MAX
/*
 * The default initiator name is this prefix and the target's name, cut
 * to the longest name the core takes (that of an iSCSI name).
 */
#define KTGT_LOCAL_INI_PREFIX	"local:"
#define KTGT_LOCAL_INI_MAX	223

/**
 * struct ktgt_local_tgt - the driver's state of one configfs target
 * @tgt: the ktgt target
 * @lock: serialises enable/disable and the configfs attributes; protects
 *	@initiator and @shost
 * @initiator: the initiator port name the session uses; changes only
 *	while disabled, so the host may read it without @lock
 * @shost: the SCSI host while enabled, else NULL
 * @auto_rescan: rescan when a REPORTED LUNS DATA HAS CHANGED unit
 *	attention passes by (READ_ONCE/WRITE_ONCE, any time)
 *
 * Lives from ->target_create() to ->target_destroy(), which the core calls
 * only after disabling the target, so it outlives its host.
 */
struct ktgt_local_tgt {
	struct ktgt_target	*tgt;
	struct mutex		lock;	/* protects initiator and shost */
	char			initiator[KTGT_LOCAL_INI_MAX + 1];
	struct Scsi_Host	*shost;
	bool			auto_rescan;
};

/**
 * struct ktgt_local_host - the private data of a Scsi_Host
 * @lt: its target
 * @shost: the host
 * @sess: the I_T nexus of the host's commands; created before the host is
 *	added, destroyed after it is removed, so ->queuecommand() always
 *	finds it
 * @rescan_work: the automatic rescan (&ktgt_local_tgt.auto_rescan);
 *	queued from ->xmit_response() only, so it cannot be queued once
 *	scsi_remove_host() has returned, and cancelled after that
 * @tmf_lock: protects @stopped; held across ktgt_tmf_submit()
 * @stopped: the session is being or has been destroyed: no more TMFs
 *
 * An eh handler does not always run with a command of the host in
 * flight: SG_SCSI_RESET (sg_reset) calls it from an ioctl on a device
 * the caller holds open, and scsi_remove_host() does not wait for that.
 * So ktgt_local_stop() sets @stopped before it destroys the session,
 * which waits for the TMFs submitted before; a TMF after that is
 * refused (the handler fails). The host's memory, @lh included, lives
 * as long as such a caller holds the device.
 */
struct ktgt_local_host {
	struct ktgt_local_tgt	*lt;
	struct Scsi_Host	*shost;
	struct ktgt_session	*sess;
	struct work_struct	rescan_work;
	spinlock_t		tmf_lock; /* protects stopped */
	bool			stopped;
};

/**
 * struct ktgt_local_cmd - the private data of a scsi_cmnd
 * @cmd: the ktgt command, reinitialised by every ->queuecommand()
 * @sc: the scsi_cmnd it belongs to
 * @released: the core has released the command and scsi_done() is being
 *	or has been called; see "Error handling" above
 */
struct ktgt_local_cmd {
	struct ktgt_cmd		cmd;
	struct scsi_cmnd	*sc;
	bool			released;
};

/**
 * struct ktgt_local_tmf - a task management request of an eh handler
 * @tmf: the request
 * @done: completed by ->tmf_done()
 */
struct ktgt_local_tmf {
	struct ktgt_tmf		tmf;
	struct completion	done;
};

/* The parent device of every host: /sys/devices/ktgt_local. */
static struct device *ktgt_local_root;

static struct ktgt_tgt_template ktgt_local_template;

static inline struct ktgt_local_cmd *to_lcmd(struct ktgt_cmd *cmd)
{
	return container_of(cmd, struct ktgt_local_cmd, cmd);
}

/*
 * The single level LUN the core expects, from the Linux LUN value. That
 * is the SAM LUN structure's first eight bytes as int_to_scsilun() packs
 * them: bits 15-0 are its first two bytes, the higher bits the next
 * levels, which must be zero. Peripheral device addressing (first byte
 * 00b in its top bits, bus 0) gives LUNs 0-255; flat space addressing
 * (01b) gives 0-16383 in the lower 14 bits.
 */
static u64 ktgt_local_lun(u64 linux_lun)
{
	if (linux_lun < 256)
		return linux_lun;
	if ((linux_lun & ~0x3fffULL) == 0x4000)
		return linux_lun & 0x3fff;
	return KTGT_LOCAL_BAD_LUN;
}

static enum ktgt_data_dir ktgt_local_dir(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return KTGT_DIR_WRITE;
	case DMA_FROM_DEVICE:
		return KTGT_DIR_READ;
	case DMA_BIDIRECTIONAL:
		return KTGT_DIR_BIDI;
	default:
		return KTGT_DIR_NONE;
	}
}

/*
 * ---------------------------------------------------------------------
 * The command path
 * ---------------------------------------------------------------------
 */

static int ktgt_local_init_cmd_priv(struct Scsi_Host *shost,
				    struct scsi_cmnd *sc)
{
	struct ktgt_local_cmd *lc = scsi_cmd_priv(sc);

	lc->sc = sc;
	lc->released = true;
	return 0;
}

/*
 * Commands are completed with bottom halves off where that is safe. With
 * one hardware queue (ktgt_local's) the block layer's completion is a
 * BLOCK_SOFTIRQ on a machine of two CPUs or more, and a softirq raised
 * in process context wakes ksoftirqd: a switch to it and back per
 * command on the submitter's CPU, for every command the core executes
 * inline in ->queuecommand() (vdisk_nullio). With bottom halves off,
 * local_bh_enable() runs the completion in this task instead, once the
 * core is done with the command and holds nothing: ->queuecommand()
 * turns them off around ktgt_cmd_submit() (process context, no lock of
 * ours held; blk-mq allows a request to complete before ->queue_rq()
 * returns), and ->free_cmd() around scsi_done() when its caller could
 * be preempted (a worker; preemptible(): no lock held). A softirq or
 * hardirq caller (a bio's completion) is left as it is.
 */
static bool ktgt_local_bh_done = true;
module_param_named(bh_done, ktgt_local_bh_done, bool, 0644);
MODULE_PARM_DESC(bh_done,
		 "complete commands with bottom halves off, so that the block completion softirq runs in the caller, not in ksoftirqd (default 1)");

static int ktgt_local_queuecommand(struct Scsi_Host *shost,
				   struct scsi_cmnd *sc)
{
	struct ktgt_local_host *lh = shost_priv(shost);
	struct ktgt_local_cmd *lc = scsi_cmd_priv(sc);
	struct ktgt_cmd *cmd = &lc->cmd;

	lc->sc = sc;
	WRITE_ONCE(lc->released, false);

	ktgt_cmd_init(cmd, lh->sess, ktgt_local_lun(sc->device->lun),
		      blk_mq_unique_tag(scsi_cmd_to_rq(sc)), sc->cmnd,
		      sc->cmd_len, KTGT_TASK_SIMPLE,
		      ktgt_local_dir(sc->sc_data_direction), scsi_bufflen(sc));
	/* Zero copy: the core works on the midlayer's own buffer. */
	cmd->sg = scsi_sglist(sc);
	cmd->sg_cnt = scsi_sg_count(sc);
	cmd->bufflen = scsi_bufflen(sc);
	cmd->flags |= KTGT_CMD_DRIVER_SG;

	if (READ_ONCE(ktgt_local_bh_done) && !in_interrupt() &&
	    !irqs_disabled()) {
		local_bh_disable();
		ktgt_cmd_submit(cmd, KTGT_CTX_ATOMIC);
		local_bh_enable();
	} else {
		ktgt_cmd_submit(cmd, KTGT_CTX_ATOMIC);
	}
	return 0;
}

/* Queue the automatic rescan if @cmd carries REPORTED LUNS DATA HAS CHANGED. */
static void ktgt_local_check_ua(struct ktgt_local_host *lh,
				struct ktgt_cmd *cmd)
{
	struct scsi_sense_hdr sshdr;

	if (!READ_ONCE(lh->lt->auto_rescan))
		return;
	if (!scsi_normalize_sense(cmd->sense, cmd->sense_len, &sshdr))
		return;
	if (sshdr.sense_key == UNIT_ATTENTION && sshdr.asc == 0x3f &&
	    sshdr.ascq == 0x0e)
		queue_work(system_long_wq, &lh->rescan_work);
}

static int ktgt_local_xmit_response(struct ktgt_cmd *cmd)
{
	struct scsi_cmnd *sc = to_lcmd(cmd)->sc;
	u32 bufflen = scsi_bufflen(sc);
	u32 resid = 0;

	/*
	 * Aborted by a TMF (or a dying session): the core sends no response
	 * for it, and a real transport would leave the initiator to learn
	 * from the TMF response. Here the initiator is the midlayer, which
	 * retries a command ended by a reset when it gets DID_RESET; under
	 * its error handler the completion is ignored anyway.
	 */
	if (cmd->status == KTGT_SAM_TASK_ABORTED) {
		sc->result = 0;
		set_host_byte(sc, DID_RESET);
		scsi_set_resid(sc, bufflen);
		ktgt_cmd_xmit_done(cmd);
		return 0;
	}

	sc->result = cmd->status;
	set_host_byte(sc, DID_OK);

	if (cmd->sense_len) {
		memcpy(sc->sense_buffer, cmd->sense,
		       min_t(u32, cmd->sense_len, SCSI_SENSE_BUFFERSIZE));
		if (cmd->status == SAM_STAT_CHECK_CONDITION)
			ktgt_local_check_ua(shost_priv(sc->device->host), cmd);
	}

	/* Linux has no overflow residual: the buffer was simply filled. */
	if (!cmd->resid_over)
		resid = cmd->resid;
	if (sc->sc_data_direction == DMA_FROM_DEVICE && cmd->data_len < bufflen)
		resid = max(resid, bufflen - cmd->data_len);
	scsi_set_resid(sc, min(resid, bufflen));

	/* The scsi_cmnd is completed in ->free_cmd(); see the top of file. */
	ktgt_cmd_xmit_done(cmd);
	return 0;
}

static void ktgt_local_free_cmd(struct ktgt_cmd *cmd)
{
	struct ktgt_local_cmd *lc = to_lcmd(cmd);
	struct scsi_cmnd *sc = lc->sc;
	bool bh = READ_ONCE(ktgt_local_bh_done) && preemptible();

	/*
	 * Outside error handling the request may be reused as soon as
	 * scsi_done() is called: nothing may touch @lc after it. The RCU
	 * section lets an eh handler that saw @released wait for the call
	 * to return (synchronize_rcu()).
	 */
	if (bh)
		local_bh_disable();
	rcu_read_lock();
	/* Pairs with the acquire loads of the eh handlers. */
	smp_store_release(&lc->released, true);
	scsi_done(sc);
	rcu_read_unlock();
	if (bh)
		local_bh_enable();
}

/*
 * ---------------------------------------------------------------------
 * Error handling
 * ---------------------------------------------------------------------
 */

static void ktgt_local_tmf_done(struct ktgt_tmf *tmf)
{
	complete(&container_of(tmf, struct ktgt_local_tmf, tmf)->done);
}

/*
 * Send a TMF on the host's session and wait for its response. Returns the
 * response, or KTGT_TMF_REJECTED if it could not be sent (no memory, or
 * the host is being removed). The TMF is allocated rather than on the
 * stack, as the core queues work with it.
 */
static enum ktgt_tmf_response ktgt_local_tmf(struct ktgt_local_host *lh,
					     enum ktgt_tmf_fn fn, u64 lun,
					     u64 ref_tag)
{
	static atomic64_t ktgt_local_tmf_tag = ATOMIC64_INIT(0);
	struct ktgt_local_tmf *t;
	enum ktgt_tmf_response response;

	t = kzalloc(sizeof(*t), GFP_NOIO);
	if (!t)
		return KTGT_TMF_REJECTED;
	init_completion(&t->done);
	t->tmf.sess = lh->sess;
	t->tmf.fn = fn;
	t->tmf.lun = lun;
	/* TMF tags only name the TMF; keep them apart from task tags. */
	t->tmf.tag = BIT_ULL(63) | atomic64_inc_return(&ktgt_local_tmf_tag);
	t->tmf.ref_tag = ref_tag;

	/* Once @stopped is set the session may be gone: see ktgt_local_host. */
	spin_lock(&lh->tmf_lock);
	if (lh->stopped) {
		spin_unlock(&lh->tmf_lock);
		kfree(t);
		shost_printk(KERN_INFO, lh->shost,
			     "TMF %d LUN %llu: host removed, not sent\n", fn,
			     lun);
		return KTGT_TMF_REJECTED;
	}
	ktgt_tmf_submit(&t->tmf);
	spin_unlock(&lh->tmf_lock);
	wait_for_completion(&t->done);
	response = t->tmf.response;
	kfree(t);

	shost_printk(KERN_INFO, lh->shost, "TMF %d LUN %llu: response %d\n",
		     fn, lun, response);
	return response;
}

/* A command an eh handler looks at: its LUN and tag for ABORT TASK. */
struct ktgt_local_task {
	u64	lun;
	u64	tag;
};

/**
 * struct ktgt_local_pending - what ktgt_local_scan_pending() found
 * @sdev: only commands of this device; NULL for the whole host
 * @nr: commands the core has not released
 * @tasks: if not NULL, filled with the first @max of them
 * @max: room in @tasks
 */
struct ktgt_local_pending {
	struct scsi_device	*sdev;
	unsigned int		nr;
	struct ktgt_local_task	*tasks;
	unsigned int		max;
};

static bool ktgt_local_scan_pending(struct scsi_cmnd *sc, void *data)
{
	struct ktgt_local_pending *p = data;
	struct ktgt_local_cmd *lc = scsi_cmd_priv(sc);

	if (p->sdev && sc->device != p->sdev)
		return true;
	/* Pairs with the release store in ->free_cmd(). */
	if (smp_load_acquire(&lc->released))
		return true;
	if (p->tasks && p->nr < p->max) {
		p->tasks[p->nr].lun = lc->cmd.lun;
		p->tasks[p->nr].tag = lc->cmd.tag;
	}
	p->nr++;
	return true;
}

/*
 * Wait until the core has released every command of @sdev (of the whole
 * host if NULL), for at most @timeout jiffies (0: for ever), and every
 * ->free_cmd() has returned from scsi_done(). Returns true on success.
 */
static bool ktgt_local_wait_released(struct Scsi_Host *shost,
				     struct scsi_device *sdev,
				     unsigned long timeout)
{
	unsigned long deadline = jiffies + timeout;
	unsigned long next_msg = jiffies + 60 * HZ;

	for (;;) {
		struct ktgt_local_pending p = { .sdev = sdev };

		scsi_host_busy_iter(shost, ktgt_local_scan_pending, &p);
		if (!p.nr)
			break;
		if (timeout && time_after(jiffies, deadline))
			return false;
		if (!timeout && time_after(jiffies, next_msg)) {
			shost_printk(KERN_WARNING, shost,
				     "still waiting for %u command(s)\n", p.nr);
			next_msg = jiffies + 60 * HZ;
		}
		msleep(KTGT_LOCAL_EH_POLL_MS);
	}
	synchronize_rcu();
	return true;
}

/*
 * ABORT TASK for every command of @sdev (of the host if NULL) the core
 * holds: how the driver resets when the core does not support a wider
 * TMF. Only the host's own session is affected.
 */
static void ktgt_local_abort_all(struct Scsi_Host *shost,
				 struct scsi_device *sdev)
{
	struct ktgt_local_pending p = { .sdev = sdev };
	unsigned int i;

	p.max = shost->can_queue;
	p.tasks = kcalloc(p.max, sizeof(*p.tasks), GFP_NOIO);
	if (!p.tasks)
		return;
	scsi_host_busy_iter(shost, ktgt_local_scan_pending, &p);
	for (i = 0; i < min(p.nr, p.max); i++)
		ktgt_local_tmf(shost_priv(shost), KTGT_TMF_ABORT_TASK,
			       p.tasks[i].lun, p.tasks[i].tag);
	kfree(p.tasks);
}

static int ktgt_local_eh_abort(struct scsi_cmnd *sc)
{
	struct ktgt_local_host *lh = shost_priv(sc->device->host);
	struct ktgt_local_cmd *lc = scsi_cmd_priv(sc);
	unsigned long deadline = jiffies + KTGT_LOCAL_EH_WAIT;

	/* Acquire: pairs with the release store in ->free_cmd(). */
	if (!smp_load_acquire(&lc->released))
		ktgt_local_tmf(lh, KTGT_TMF_ABORT_TASK, lc->cmd.lun,
			       lc->cmd.tag);

	/* Acquire: pairs with the release store in ->free_cmd(). */
	while (!smp_load_acquire(&lc->released)) {
		if (time_after(jiffies, deadline))
			return FAILED;
		msleep(KTGT_LOCAL_EH_POLL_MS);
	}
	synchronize_rcu();
	return SUCCESS;
}

static bool ktgt_local_tmf_ok(enum ktgt_tmf_response response)
{
	return response == KTGT_TMF_COMPLETE || response == KTGT_TMF_SUCCEEDED;
}

/* LOGICAL UNIT RESET of @sdev's LUN. */
static bool ktgt_local_lun_reset(struct scsi_device *sdev)
{
	enum ktgt_tmf_response response;

	response = ktgt_local_tmf(shost_priv(sdev->host), KTGT_TMF_LUN_RESET,
				  ktgt_local_lun(sdev->lun), 0);
	return ktgt_local_tmf_ok(response);
}

static int ktgt_local_eh_device_reset(struct scsi_cmnd *sc)
{
	struct scsi_device *sdev = sc->device;
	bool ok = ktgt_local_lun_reset(sdev);

	if (!ktgt_local_wait_released(sdev->host, sdev, KTGT_LOCAL_EH_WAIT))
		return FAILED;
	return ok ? SUCCESS : FAILED;
}

/*
 * TARGET RESET; where the core does not support it, its equivalent: a
 * LOGICAL UNIT RESET of every LUN the host has a device for.
 */
static int ktgt_local_eh_target_reset(struct scsi_cmnd *sc)
{
	struct Scsi_Host *shost = sc->device->host;
	enum ktgt_tmf_response response;
	struct scsi_device *sdev;
	bool ok = true;

	response = ktgt_local_tmf(shost_priv(shost), KTGT_TMF_TARGET_RESET,
				  0, 0);
	if (response == KTGT_TMF_NOT_SUPPORTED) {
		shost_for_each_device(sdev, shost)
			ok &= ktgt_local_lun_reset(sdev);
	} else {
		ok = ktgt_local_tmf_ok(response);
	}
	if (!ktgt_local_wait_released(shost, NULL, KTGT_LOCAL_EH_WAIT))
		return FAILED;
	return ok ? SUCCESS : FAILED;
}

/*
 * The last resort, after which the midlayer finishes (and reuses) every
 * failed command: I_T NEXUS RESET, or ABORT TASK of each command where
 * the core does not support that, then wait as long as it takes.
 */
static int ktgt_local_eh_host_reset(struct scsi_cmnd *sc)
{
	struct Scsi_Host *shost = sc->device->host;
	enum ktgt_tmf_response response;

	response = ktgt_local_tmf(shost_priv(shost), KTGT_TMF_I_T_NEXUS_RESET,
				  0, 0);
	if (!ktgt_local_tmf_ok(response))
		ktgt_local_abort_all(shost, NULL);
	ktgt_local_wait_released(shost, NULL, 0);
	return SUCCESS;
}

/*
 * ---------------------------------------------------------------------
 * Rescan
 * ---------------------------------------------------------------------
 */

/* What a rescan finds at the LUN of a SCSI device the host has. */
enum ktgt_local_lun_state {
	KTGT_LOCAL_LUN_SAME,	/* the same logical unit, or we cannot tell */
	KTGT_LOCAL_LUN_GONE,	/* no logical unit */
	KTGT_LOCAL_LUN_CHANGED,	/* another logical unit */
};

/* The largest DEVICE IDENTIFICATION page compared (ktgt's are ~100 bytes). */
#define KTGT_LOCAL_VPD83_LEN	512

/*
 * The next designation descriptor of VPD page 83h @page (@len bytes
 * valid) at or after *@off that names the logical unit (ASSOCIATION
 * 00b), or NULL; *@off moves past it. The target port's descriptors
 * (relative port, target port group) are skipped: they change with the
 * port's configuration, not with the logical unit.
 */
static const u8 *ktgt_local_next_lu_id(const u8 *page, int len, int *off)
{
	const u8 *d;

	len = min(len, 4 + get_unaligned_be16(&page[2]));
	while (*off + 4 <= len) {
		d = &page[*off];
		if (*off + 4 + d[3] > len)
			return NULL;
		*off += 4 + d[3];
		if (!(d[1] & 0x30))
			return d;
	}
	return NULL;
}

/* Whether two VPD 83h pages name the same logical unit. */
static bool ktgt_local_same_lu_ids(const u8 *a, int alen, const u8 *b,
				   int blen)
{
	int aoff = 4, boff = 4;
	const u8 *da, *db;

	if (alen < 4 || blen < 4)
		return true;	/* nothing to compare */
	for (;;) {
		da = ktgt_local_next_lu_id(a, alen, &aoff);
		db = ktgt_local_next_lu_id(b, blen, &boff);
		if (!da || !db)
			return !da && !db;
		if (da[3] != db[3] || memcmp(da, db, 4 + da[3]))
			return false;
	}
}

/*
 * Whether the logical unit at @sdev's LUN changed since the midlayer
 * scanned it: the peripheral device type, or the logical unit names of
 * VPD page 83h (the midlayer's copy, from the scan or its last rescan of
 * the device, against the target's page now). @inq is the standard
 * INQUIRY data just read.
 */
static bool ktgt_local_lu_changed(struct scsi_device *sdev, const u8 *inq)
{
	static const u8 cdb[6] = { INQUIRY, 1, 0x83,
				   KTGT_LOCAL_VPD83_LEN >> 8,
				   KTGT_LOCAL_VPD83_LEN & 0xff, 0 };
	struct scsi_sense_hdr sshdr;
	struct scsi_vpd *old;
	bool changed;
	u8 *buf;
	int res;

	if ((inq[0] & 0x1f) != sdev->type)
		return true;

	buf = kzalloc(KTGT_LOCAL_VPD83_LEN, GFP_KERNEL);
	if (!buf)
		return false;
	res = scsi_execute_req(sdev, cdb, DMA_FROM_DEVICE, buf,
			       KTGT_LOCAL_VPD83_LEN, &sshdr,
			       KTGT_LOCAL_PROBE_TIMEOUT, 1, NULL);
	changed = false;
	if (!res && buf[1] == 0x83) {
		rcu_read_lock();
		old = rcu_dereference(sdev->vpd_pg83);
		if (old)
			changed = !ktgt_local_same_lu_ids(old->data, old->len,
							  buf,
							  KTGT_LOCAL_VPD83_LEN);
		rcu_read_unlock();
	}
	kfree(buf);
	return changed;
}

/*
 * What the target has at @sdev's LUN now. Gone: INQUIRY (which consumes
 * no unit attention) answered with peripheral qualifier 011b, or CHECK
 * CONDITION with LOGICAL UNIT NOT SUPPORTED. Changed: a LUN unmapped and
 * mapped again to another device keeps its number, and the midlayer
 * would go on using the old device's scsi_device (its capacity, its
 * page cache, a file system mounted from it) on the new one.
 */
static enum ktgt_local_lun_state ktgt_local_lun_state(struct scsi_device *sdev)
{
	static const u8 cdb[6] = { INQUIRY, 0, 0, 0, 36, 0 };
	enum ktgt_local_lun_state state = KTGT_LOCAL_LUN_SAME;
	struct scsi_sense_hdr sshdr;
	u8 *buf;
	int res;

	buf = kzalloc(36, GFP_KERNEL);
	if (!buf)
		return state;
	res = scsi_execute_req(sdev, cdb, DMA_FROM_DEVICE, buf, 36, &sshdr,
			       KTGT_LOCAL_PROBE_TIMEOUT, 1, NULL);
	if (!res) {
		if ((buf[0] & 0xe0) == 0x60)
			state = KTGT_LOCAL_LUN_GONE;
		else if (ktgt_local_lu_changed(sdev, buf))
			state = KTGT_LOCAL_LUN_CHANGED;
	} else if (scsi_sense_valid(&sshdr) &&
		   sshdr.sense_key == ILLEGAL_REQUEST && sshdr.asc == 0x25) {
		state = KTGT_LOCAL_LUN_GONE;
	}
	kfree(buf);
	return state;
}

/*
 * Remove the devices whose LUN the target no longer has, or has with
 * another logical unit, then scan for LUNs the target reports and the
 * host does not have (those of the changed ones included). Sleeps.
 */
static void ktgt_local_rescan(struct Scsi_Host *shost)
{
	struct scsi_device *sdev;

	shost_for_each_device(sdev, shost) {
		switch (ktgt_local_lun_state(sdev)) {
		case KTGT_LOCAL_LUN_GONE:
			sdev_printk(KERN_INFO, sdev,
				    "LUN no longer reported: removing\n");
			scsi_remove_device(sdev);
			break;
		case KTGT_LOCAL_LUN_CHANGED:
			sdev_printk(KERN_INFO, sdev,
				    "LUN maps another logical unit: removing the old one\n");
			scsi_remove_device(sdev);
			break;
		default:
			break;
		}
	}
	scsi_scan_target(&shost->shost_gendev, 0, 0, SCAN_WILD_CARD,
			 SCSI_SCAN_MANUAL);
}

static void ktgt_local_rescan_work(struct work_struct *work)
{
	struct ktgt_local_host *lh =
		container_of(work, struct ktgt_local_host, rescan_work);

	ktgt_local_rescan(lh->shost);
}

/*
 * ---------------------------------------------------------------------
 * Hosts: enable and disable
 * ---------------------------------------------------------------------
 */

static ssize_t ktgt_target_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct ktgt_local_host *lh = shost_priv(class_to_shost(dev));

	return sysfs_emit(buf, "%s\n", ktgt_target_name(lh->lt->tgt));
}
static DEVICE_ATTR_RO(ktgt_target);

static ssize_t ktgt_initiator_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct ktgt_local_host *lh = shost_priv(class_to_shost(dev));

	return sysfs_emit(buf, "%s\n", lh->lt->initiator);
}
static DEVICE_ATTR_RO(ktgt_initiator);

static struct attribute *ktgt_local_host_attrs[] = {
	&dev_attr_ktgt_target.attr,
	&dev_attr_ktgt_initiator.attr,
	NULL
};
ATTRIBUTE_GROUPS(ktgt_local_host);

static struct scsi_host_template ktgt_local_sht = {
	.module			= THIS_MODULE,
	.name			= "ktgt_local",
	.proc_name		= "ktgt_local",
	.queuecommand		= ktgt_local_queuecommand,
	.eh_abort_handler	= ktgt_local_eh_abort,
	.eh_device_reset_handler = ktgt_local_eh_device_reset,
	.eh_target_reset_handler = ktgt_local_eh_target_reset,
	.eh_host_reset_handler	= ktgt_local_eh_host_reset,
	.init_cmd_priv		= ktgt_local_init_cmd_priv,
	.change_queue_depth	= scsi_change_queue_depth,
	.can_queue		= KTGT_LOCAL_CAN_QUEUE,
	.cmd_per_lun		= KTGT_LOCAL_CMD_PER_LUN,
	.this_id		= -1,
	.sg_tablesize		= KTGT_LOCAL_SG_TABLESIZE,
	.max_sectors		= KTGT_LOCAL_MAX_SECTORS,
	/* One page per segment: what the core maps, it maps page-wise. */
	.max_segment_size	= PAGE_SIZE,
	.dma_boundary		= PAGE_SIZE - 1,
	.cmd_size		= sizeof(struct ktgt_local_cmd),
	.track_queue_depth	= 1,
	.skip_settle_delay	= 1,
	.shost_groups		= ktgt_local_host_groups,
};

/* Create the session and the host of @lt. Called with lt->lock held. */
static int ktgt_local_start(struct ktgt_local_tgt *lt)
{
	struct ktgt_local_host *lh;
	struct ktgt_session *sess;
	struct Scsi_Host *shost;
	int ret;

	shost = scsi_host_alloc(&ktgt_local_sht, sizeof(*lh));
	if (!shost)
		return -ENOMEM;
	shost->max_channel = 0;
	shost->max_id = 1;
	shost->max_lun = KTGT_LOCAL_MAX_LUN;
	shost->max_cmd_len = KTGT_MAX_CDB_LEN;

	lh = shost_priv(shost);
	lh->lt = lt;
	lh->shost = shost;
	INIT_WORK(&lh->rescan_work, ktgt_local_rescan_work);
	spin_lock_init(&lh->tmf_lock);

	sess = ktgt_session_create(lt->tgt, lt->initiator, lh);
	if (IS_ERR(sess)) {
		ret = PTR_ERR(sess);
		goto out_put;
	}
	lh->sess = sess;

	ret = scsi_add_host(shost, ktgt_local_root);
	if (ret)
		goto out_sess;

	lt->shost = shost;
	shost_printk(KERN_INFO, shost, "target %s, initiator %s\n",
		     ktgt_target_name(lt->tgt), lt->initiator);
	scsi_scan_host(shost);
	return 0;

out_sess:
	ktgt_session_destroy(sess);
out_put:
	scsi_host_put(shost);
	return ret;
}

/* Remove the host and end the session of @lt. Called with lt->lock held. */
static void ktgt_local_stop(struct ktgt_local_tgt *lt)
{
	struct Scsi_Host *shost = lt->shost;
	struct ktgt_local_host *lh = shost_priv(shost);

	/* Removes the devices and waits for every command to complete. */
	scsi_remove_host(shost);
	/* No command, so no ->xmit_response() can queue it again. */
	cancel_work_sync(&lh->rescan_work);
	/*
	 * An ioctl's eh handler may still be sending TMFs (see
	 * ktgt_local_host): refuse new ones; destroy waits for the others.
	 */
	spin_lock(&lh->tmf_lock);
	lh->stopped = true;
	spin_unlock(&lh->tmf_lock);
	ktgt_session_destroy(lh->sess);
	lt->shost = NULL;
	scsi_host_put(shost);
}

static int ktgt_local_target_enable(struct ktgt_target *tgt, bool enable)
{
	struct ktgt_local_tgt *lt = ktgt_target_priv(tgt);
	int ret = 0;

	mutex_lock(&lt->lock);
	if (enable && !lt->shost)
		ret = ktgt_local_start(lt);
	else if (!enable && lt->shost)
		ktgt_local_stop(lt);
	mutex_unlock(&lt->lock);
	return ret;
}

static int ktgt_local_target_create(struct ktgt_target *tgt)
{
	struct ktgt_local_tgt *lt;

	lt = kzalloc(sizeof(*lt), GFP_KERNEL);
	if (!lt)
		return -ENOMEM;
	lt->tgt = tgt;
	mutex_init(&lt->lock);
	snprintf(lt->initiator, sizeof(lt->initiator), "%s%s",
		 KTGT_LOCAL_INI_PREFIX, ktgt_target_name(tgt));
	ktgt_target_set_priv(tgt, lt);
	return 0;
}

static void ktgt_local_target_destroy(struct ktgt_target *tgt)
{
	struct ktgt_local_tgt *lt = ktgt_target_priv(tgt);

	/* The core disables a target before destroying it; be safe anyway. */
	mutex_lock(&lt->lock);
	if (lt->shost)
		ktgt_local_stop(lt);
	mutex_unlock(&lt->lock);
	ktgt_target_set_priv(tgt, NULL);
	mutex_destroy(&lt->lock);
	kfree(lt);
}

/*
 * ---------------------------------------------------------------------
 * configfs attributes of targets/local/<target>/
 * ---------------------------------------------------------------------
 */

static struct ktgt_local_tgt *to_lt(struct config_item *item)
{
	return ktgt_target_priv(ktgt_target_from_item(item));
}

static ssize_t ktgt_local_initiator_name_show(struct config_item *item,
					      char *page)
{
	struct ktgt_local_tgt *lt = to_lt(item);
	ssize_t ret;

	mutex_lock(&lt->lock);
	ret = sysfs_emit(page, "%s\n", lt->initiator);
	mutex_unlock(&lt->lock);
	return ret;
}

/* A name is 1 to KTGT_LOCAL_INI_MAX printable characters, no spaces. */
static ssize_t ktgt_local_initiator_name_store(struct config_item *item,
					       const char *page, size_t count)
{
	struct ktgt_local_tgt *lt = to_lt(item);
	size_t len = count, i;
	ssize_t ret = count;

	while (len && (page[len - 1] == '\n' || page[len - 1] == '\0'))
		len--;
	if (!len || len > KTGT_LOCAL_INI_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (page[i] <= ' ' || page[i] > '~')
			return -EINVAL;

	mutex_lock(&lt->lock);
	if (lt->shost) {
		ret = -EBUSY;
	} else {
		memcpy(lt->initiator, page, len);
		lt->initiator[len] = '\0';
	}
	mutex_unlock(&lt->lock);
	return ret;
}

static ssize_t ktgt_local_host_no_show(struct config_item *item, char *page)
{
	struct ktgt_local_tgt *lt = to_lt(item);
	ssize_t ret;

	mutex_lock(&lt->lock);
	if (lt->shost)
		ret = sysfs_emit(page, "%u\n", lt->shost->host_no);
	else
		ret = sysfs_emit(page, "-1\n");
	mutex_unlock(&lt->lock);
	return ret;
}

static ssize_t ktgt_local_rescan_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct ktgt_local_tgt *lt = to_lt(item);
	unsigned int val;
	ssize_t ret;

	ret = kstrtouint(page, 0, &val);
	if (ret)
		return ret;
	if (val != 1)
		return -EINVAL;

	mutex_lock(&lt->lock);
	if (lt->shost) {
		ktgt_local_rescan(lt->shost);
		ret = count;
	} else {
		ret = -ENODEV;
	}
	mutex_unlock(&lt->lock);
	return ret;
}

static ssize_t ktgt_local_auto_rescan_show(struct config_item *item,
					   char *page)
{
	return sysfs_emit(page, "%d\n", READ_ONCE(to_lt(item)->auto_rescan));
}

static ssize_t ktgt_local_auto_rescan_store(struct config_item *item,
					    const char *page, size_t count)
{
	bool val;
	int ret;

	ret = kstrtobool(page, &val);
	if (ret)
		return ret;
	WRITE_ONCE(to_lt(item)->auto_rescan, val);
	return count;
}

/*
 * ---------------------------------------------------------------------
 * Test-only task management injection (test_hooks=1)
 * ---------------------------------------------------------------------
 *
 * The midlayer sends TMFs only from its error handler, and only some of
 * them. For the VM tests of the core's task management (tests/vm/tests/
 * sem-*.sh) two attributes exist, refusing access (-EPERM) unless the
 * module was loaded with test_hooks=1:
 *
 * test_tmf    write "FUNCTION LUN [TAG]": send the TMF on the host's
 *             session and wait for its response; read: the last
 *             response ("<function> <response>")
 * test_tasks  read: "LUN TAG" of every command the core holds
 */
static bool test_hooks;
module_param(test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks,
		 "enable the test-only TMF injection attributes test_tmf and test_tasks (default 0)");

static const char * const ktgt_local_tmf_names[] = {
	[KTGT_TMF_ABORT_TASK]		= "abort_task",
	[KTGT_TMF_ABORT_TASK_SET]	= "abort_task_set",
	[KTGT_TMF_CLEAR_TASK_SET]	= "clear_task_set",
	[KTGT_TMF_LUN_RESET]		= "lun_reset",
	[KTGT_TMF_TARGET_RESET]		= "target_reset",
	[KTGT_TMF_I_T_NEXUS_RESET]	= "nexus_reset",
	[KTGT_TMF_CLEAR_ACA]		= "clear_aca",
	[KTGT_TMF_QUERY_TASK]		= "query_task",
	[KTGT_TMF_QUERY_TASK_SET]	= "query_task_set",
	[KTGT_TMF_QUERY_ASYNC_EVENT]	= "query_async_event",
};

static const char * const ktgt_local_tmf_responses[] = {
	[KTGT_TMF_COMPLETE]		= "COMPLETE",
	[KTGT_TMF_SUCCEEDED]		= "SUCCEEDED",
	[KTGT_TMF_REJECTED]		= "REJECTED",
	[KTGT_TMF_INCORRECT_LUN]	= "INCORRECT_LUN",
	[KTGT_TMF_NOT_SUPPORTED]	= "NOT_SUPPORTED",
};

/* The last injected TMF's "<function> <response>", under its lock. */
static DEFINE_MUTEX(ktgt_local_test_lock);
static char ktgt_local_test_last[64];

static ssize_t ktgt_local_test_tmf_show(struct config_item *item, char *page)
{
	ssize_t ret;

	if (!test_hooks)
		return -EPERM;
	mutex_lock(&ktgt_local_test_lock);
	ret = sysfs_emit(page, "%s\n", ktgt_local_test_last);
	mutex_unlock(&ktgt_local_test_lock);
	return ret;
}

static ssize_t ktgt_local_test_tmf_store(struct config_item *item,
					 const char *page, size_t count)
{
	struct ktgt_local_tgt *lt = to_lt(item);
	enum ktgt_tmf_response response;
	unsigned long long lun, tag = 0;
	char fn_name[24];
	unsigned int fn;
	int n;

	if (!test_hooks)
		return -EPERM;
	n = sscanf(page, "%23s %llu %llu", fn_name, &lun, &tag);
	if (n < 2)
		return -EINVAL;
	for (fn = 0; fn < ARRAY_SIZE(ktgt_local_tmf_names); fn++)
		if (!strcmp(fn_name, ktgt_local_tmf_names[fn]))
			break;
	if (fn == ARRAY_SIZE(ktgt_local_tmf_names))
		return -EINVAL;

	/* lt->lock keeps the host (and its session) while the TMF runs. */
	mutex_lock(&lt->lock);
	if (!lt->shost) {
		mutex_unlock(&lt->lock);
		return -ENODEV;
	}
	response = ktgt_local_tmf(shost_priv(lt->shost), fn, lun, tag);
	mutex_unlock(&lt->lock);

	mutex_lock(&ktgt_local_test_lock);
	snprintf(ktgt_local_test_last, sizeof(ktgt_local_test_last), "%s %s",
		 ktgt_local_tmf_names[fn],
		 response < ARRAY_SIZE(ktgt_local_tmf_responses) ?
		 ktgt_local_tmf_responses[response] : "?");
	mutex_unlock(&ktgt_local_test_lock);
	return count;
}

static ssize_t ktgt_local_test_tasks_show(struct config_item *item,
					  char *page)
{
	struct ktgt_local_tgt *lt = to_lt(item);
	struct ktgt_local_pending p = {};
	ssize_t len = 0;
	unsigned int i;

	if (!test_hooks)
		return -EPERM;
	mutex_lock(&lt->lock);
	if (!lt->shost) {
		mutex_unlock(&lt->lock);
		return -ENODEV;
	}
	p.max = 64;
	p.tasks = kcalloc(p.max, sizeof(*p.tasks), GFP_KERNEL);
	if (!p.tasks) {
		mutex_unlock(&lt->lock);
		return -ENOMEM;
	}
	scsi_host_busy_iter(lt->shost, ktgt_local_scan_pending, &p);
	mutex_unlock(&lt->lock);
	for (i = 0; i < min(p.nr, p.max); i++)
		len += sysfs_emit_at(page, len, "%llu %llu\n", p.tasks[i].lun,
				     p.tasks[i].tag);
	kfree(p.tasks);
	return len;
}

CONFIGFS_ATTR(ktgt_local_, test_tmf);
CONFIGFS_ATTR_RO(ktgt_local_, test_tasks);

CONFIGFS_ATTR(ktgt_local_, initiator_name);
CONFIGFS_ATTR_RO(ktgt_local_, host_no);
CONFIGFS_ATTR_WO(ktgt_local_, rescan);
CONFIGFS_ATTR(ktgt_local_, auto_rescan);

static struct configfs_attribute *ktgt_local_target_attrs[] = {
	&ktgt_local_attr_initiator_name,
	&ktgt_local_attr_host_no,
	&ktgt_local_attr_rescan,
	&ktgt_local_attr_auto_rescan,
	&ktgt_local_attr_test_tmf,
	&ktgt_local_attr_test_tasks,
	NULL
};

static struct ktgt_tgt_template ktgt_local_template = {
	.name			= "local",
	.owner			= THIS_MODULE,
	.target_create		= ktgt_local_target_create,
	.target_destroy		= ktgt_local_target_destroy,
	.target_enable		= ktgt_local_target_enable,
	.target_attrs		= ktgt_local_target_attrs,
	/* No ->rdy_to_xfer: data-out is in the midlayer's sg already. */
	.xmit_response		= ktgt_local_xmit_response,
	.tmf_done		= ktgt_local_tmf_done,
	.free_cmd		= ktgt_local_free_cmd,
	/* xmit_done, scsi_done and complete() are atomic-safe. */
	.callbacks_atomic	= true,
	.sg_tablesize		= KTGT_LOCAL_SG_TABLESIZE,
};

static int __init ktgt_local_init(void)
{
	int ret;

	ktgt_local_root = root_device_register("ktgt_local");
	if (IS_ERR(ktgt_local_root))
		return PTR_ERR(ktgt_local_root);

	ret = ktgt_register_template(&ktgt_local_template);
	if (ret) {
		root_device_unregister(ktgt_local_root);
		return ret;
	}
	return 0;
}

/*
 * The core holds this module while any of its targets exists, so every
 * host is gone by now.
 */
static void __exit ktgt_local_exit(void)
{
	ktgt_unregister_template(&ktgt_local_template);
	root_device_unregister(ktgt_local_root);
}

module_init(ktgt_local_init);
module_exit(ktgt_local_exit);

MODULE_DESCRIPTION("ktgt local target driver: LUNs as local SCSI devices");
MODULE_AUTHOR("The ktgt developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KTGT_VERSION);
