// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_pt: pass-through of a SCSI device of this kernel; the part the
 * device types share. pt_disk.c passes disks through ("pt_disk"),
 * pt_tape.c tape drives ("pt_tape"), pt_changer.c medium changers
 * ("pt_changer"); one module registers the three.
 *
 * A pass-through device exports a struct scsi_device the kernel already
 * has (a disk, a tape drive or a medium changer on a SAS or FC HBA, a
 * scsi_debug disk) as a ktgt logical unit. The core keeps what belongs
 * to the target: REPORT LUNS, REQUEST SENSE, unit attentions, task
 * management, reservations (RESERVE/RELEASE and PERSISTENT RESERVE
 * IN/OUT), LUN masking, and its
 * checks at submit (CDB decode with the table of the device type, the
 * SBC table's LBA range, write protection). Every other command goes to
 * ->exec(), which sends its CDB and data to the device unchanged, as a
 * passthrough request of the device's queue, and answers with what the
 * device returned: status, sense data and residual.
 *
 * The device's own unit attentions reach every initiator of the LU: see
 * pt_pass_ua().
 *
 * Not passed through: vendor specific opcodes (C0h-FFh), which the
 * core's decode refuses, as nothing tells it their data direction and
 * length but the transport's expected values, which the initiator
 * chooses; and task management: a command the device is executing when
 * an ABORT TASK or LOGICAL UNIT RESET covers it is waited for, not
 * aborted on the device. Linux 6.1 has no in-kernel LOGICAL UNIT RESET
 * of a scsi_device (scsi_ioctl_reset() takes a user pointer), and
 * blk_abort_request() enters the midlayer's error handler, whose
 * escalation may reset the target, bus or host: every LU on the HBA.
 *
 * Lifetimes and locking
 * =====================
 *
 * struct pt_dev is allocated by ->dev_alloc (mkdir) and freed by
 * ->dev_free (rmdir). pt_dev.lock serialises the scsi_device attribute
 * against ->enable and ->disable (which the core serialises among
 * themselves). ->enable looks the scsi_device up and holds it
 * (scsi_device_get(), which also pins its LLD's module) in pt_dev.sdev
 * until ->disable; the core calls ->exec() only between the two and
 * calls ->disable only once every command has completed, so ->exec()
 * and the completions read pt_dev.sdev without a lock.
 *
 * One scsi_device is exported by one pass-through device at a time: two
 * LUs passing the same device would carry the same INQUIRY identity (VPD
 * page 83h), so that a multipath initiator takes them for two paths to
 * one LU, while their reservations and unit attentions, the core's, are
 * each LU's own: a reservation taken through one would not fence
 * writes through the other (and a tape drive has one position, which
 * two LUs would move under each other). pt_exported lists the devices
 * that hold a scsi_device, of any type; pt_exported_lock (taken
 * inside pt_dev.lock) protects it and the setting of pt_dev.sdev.
 *
 * The device may be deleted underneath (its sysfs delete, hot unplug)
 * while it is exported: the held reference keeps the scsi_device and its
 * request queue allocated; the queue, dying, refuses new requests, and
 * commands end with HARDWARE ERROR, LOGICAL UNIT COMMUNICATION FAILURE
 * until the device is disabled.
 *
 * Each command's data is mapped as bios over the pages of cmd->sg, which
 * the core allocated or the target driver supplied (ktgt_local passes
 * the initiator's own scatterlist: any offsets and lengths). When the
 * device's queue refuses that layout (DMA alignment, segment size or
 * boundary, virtual boundary), the data goes through bounce pages
 * instead: a buffer of the core's sgv pool, whose cached vectors serve
 * it without the page allocator. A command larger than the device's
 * queue takes even then (max_hw_sectors, max_segments) is refused with
 * INVALID FIELD IN CDB; the Block Limits VPD page (disks) and READ BLOCK
 * LIMITS (tape drives) tell initiators that size.
 * The completion (->end_io of the request, in the block layer's
 * completion context, possibly a hard interrupt) only copies bounce
 * pages back, lets the type look at the outcome (struct pt_kind.done),
 * frees what ->exec() allocated and calls ktgt_cmd_done(); but for a
 * command after which the type must ask the device something (a disk's
 * CAPACITY DATA HAS CHANGED, a tape drive's unit attention), which a
 * work item completes once the type's ->resync has done so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>

#include "pt.h"
#include "pt_sense.h"

static bool pt_bounce;
module_param_named(bounce, pt_bounce, bool, 0644);
MODULE_PARM_DESC(bounce,
		 "copy all data through bounce pages, as for a layout the device's queue refuses (default: only then)");

/* The most data the core moves for one command (KTGT_MAX_XFER_BYTES). */
#define PT_CORE_MAX_XFER	(8U << 20)

/*
 * The most bios one command's data takes: pages of PT_CORE_MAX_XFER
 * through bounce pages (whole pages), BIO_MAX_VECS to a bio. A direct
 * mapping that would take more (cmd->sg's pages partly used) goes
 * through bounce pages instead.
 */
#define PT_MAX_BIOS	DIV_ROUND_UP(PT_CORE_MAX_XFER >> PAGE_SHIFT, BIO_MAX_VECS)

/*
 * The commands whose state (struct pt_req) and first bio the pools keep
 * in reserve, so that a command never fails for want of memory: those
 * of the reserve complete, and give it back, whatever memory is left.
 */
#define PT_POOL_RESERVE	16

/* The pt_devs that export a scsi_device; see "Lifetimes and locking". */
static LIST_HEAD(pt_exported);
static DEFINE_MUTEX(pt_exported_lock);

/*
 * Make @sdev @pd's, unless another pass-through device exports it: 0 or
 * -EBUSY. Called with pd->lock held.
 */
static int pt_export(struct pt_dev *pd, struct scsi_device *sdev)
{
	struct pt_dev *o;
	int ret = 0;

	mutex_lock(&pt_exported_lock);
	list_for_each_entry(o, &pt_exported, node) {
		if (o->sdev == sdev) {
			pr_info("%s: %s is exported by %s already\n",
				ktgt_device_name(pd->dev),
				dev_name(&sdev->sdev_gendev),
				ktgt_device_name(o->dev));
			ret = -EBUSY;
			goto out;
		}
	}
	pd->sdev = sdev;
	list_add(&pd->node, &pt_exported);
out:
	mutex_unlock(&pt_exported_lock);
	return ret;
}

/* Forget @pd's scsi_device and return it. Called with pd->lock held. */
static struct scsi_device *pt_unexport(struct pt_dev *pd)
{
	struct scsi_device *sdev = pd->sdev;

	mutex_lock(&pt_exported_lock);
	if (sdev)
		list_del(&pd->node);
	pd->sdev = NULL;
	mutex_unlock(&pt_exported_lock);
	return sdev;
}

/**
 * struct pt_req - one command on its way to the device
 * @cmd: the command
 * @len: bytes of data the request moves
 * @read: data-in
 * @bounce: the bios map bounce pages (@sgv's, in order), not cmd->sg's
 * @sgv: the bounce buffer, from the core's sgv pool; NULL if none
 * @nr_bios: bios in @bios
 * @bios: the bios mapping the data, from pt_bio_set; put at completion
 * @work: completes the command in process context, past a unit attention
 *	or what the type must ask the device again
 * @resync: the type asked for struct pt_kind.resync (struct pt_kind.done)
 * @ua: the device answered with a unit attention, @asc and @ascq, to pass
 *	on to the other initiators (pt_pass_ua())
 * @asc: its ADDITIONAL SENSE CODE
 * @ascq: its ADDITIONAL SENSE CODE QUALIFIER
 *
 * From pt_req_pool, allocated by ->exec(), freed at completion.
 */
struct pt_req {
	struct ktgt_cmd		*cmd;
	struct work_struct	work;
	u32			len;
	bool			read;
	bool			bounce;
	bool			resync;
	bool			ua;
	u8			asc;
	u8			ascq;
	void			*sgv;
	unsigned int		nr_bios;
	struct bio		*bios[PT_MAX_BIOS];
};

/*
 * The per-command allocations, none on the way of a command but from
 * these: struct pt_req from pt_req_pool (over pt_req_cache), the bios
 * and their vectors from pt_bio_set, bounce pages from the core's sgv
 * pool (ktgt_sgv_alloc()). Set up at module load.
 */
static struct kmem_cache *pt_req_cache;
static mempool_t pt_req_pool;
static struct bio_set pt_bio_set;

/* --- data mapping --- */

/* Free the data mapping of @r (bios, bounce pages), not @r. Any context. */
static void pt_req_free_data(struct pt_req *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_bios; i++)
		bio_put(r->bios[i]);
	r->nr_bios = 0;
	ktgt_sgv_free(r->sgv);
	r->sgv = NULL;
}

static void pt_req_free(struct pt_req *r)
{
	pt_req_free_data(r);
	mempool_free(r, &pt_req_pool);
}

/**
 * struct pt_map - state of mapping a command's data into bios
 * @r: the request's state
 * @rq: the request
 * @bio: the bio being filled, not yet appended to @rq
 * @vecs_left: pages still to map, sizing the next bio
 * @bounce: the pages are bounce pages: page aligned, so the queue's DMA
 *	alignment holds but for the length of the last one, which the
 *	midlayer pads (as for bio_copy_kern()'s bounce pages)
 */
struct pt_map {
	struct pt_req		*r;
	struct request		*rq;
	struct bio		*bio;
	unsigned int		vecs_left;
	bool			bounce;
};

static int pt_map_flush(struct pt_map *m)
{
	int ret;

	if (!m->bio)
		return 0;
	ret = blk_rq_append_bio(m->rq, m->bio);
	m->bio = NULL;
	/* The whole request exceeds the queue's limits. */
	return ret ? -EREMOTEIO : 0;
}

/*
 * Add @len bytes at @off in @page (within one page). -EREMOTEIO when
 * the queue's limits refuse them, -ENOMEM.
 */
static int pt_map_page(struct pt_map *m, struct page *page, unsigned int off,
		       unsigned int len)
{
	struct request_queue *q = m->rq->q;
	struct bio *bio;
	int ret;

	if (!m->bounce && ((off | len) & queue_dma_alignment(q)))
		return -EREMOTEIO;
	if (m->bio && bio_add_pc_page(q, m->bio, page, len, off) == len) {
		m->vecs_left--;
		return 0;
	}
	/* A bio with room left was refused for the queue's limits. */
	if (m->bio && m->bio->bi_vcnt < m->bio->bi_max_vecs)
		return -EREMOTEIO;
	ret = pt_map_flush(m);
	if (ret)
		return ret;
	if (WARN_ON_ONCE(m->r->nr_bios >= PT_MAX_BIOS || !m->vecs_left))
		return -EREMOTEIO;
	/*
	 * The first bio may wait for one of the reserve; the others may
	 * not, lest commands holding part of it wait for each other.
	 */
	bio = bio_alloc_bioset(NULL, min_t(unsigned int, m->vecs_left,
					   BIO_MAX_VECS),
			       req_op(m->rq),
			       m->r->nr_bios ? GFP_NOWAIT | __GFP_NOWARN :
					       GFP_NOIO,
			       &pt_bio_set);
	if (!bio)
		return -ENOMEM;
	m->r->bios[m->r->nr_bios++] = bio;
	m->bio = bio;
	if (bio_add_pc_page(q, bio, page, len, off) != len)
		return -EREMOTEIO;
	m->vecs_left--;
	return 0;
}

/* Pages spanned by the first @len bytes of @sgl. */
static unsigned int pt_sg_pages(struct scatterlist *sgl, unsigned int nents,
				u32 len)
{
	struct scatterlist *sg;
	unsigned int i, n = 0;

	for_each_sg(sgl, sg, nents, i) {
		u32 l = min(sg->length, len);

		if (!len)
			break;
		n += DIV_ROUND_UP(offset_in_page(sg->offset) + l, PAGE_SIZE);
		len -= l;
	}
	return n;
}

/* -EREMOTEIO if the @nr_vecs pages would take more than PT_MAX_BIOS. */
static int pt_map_begin(struct pt_map *m, struct pt_req *r,
			struct request *rq, unsigned int nr_vecs, bool bounce)
{
	m->r = r;
	m->rq = rq;
	m->bio = NULL;
	m->bounce = bounce;
	m->vecs_left = nr_vecs;
	r->bounce = bounce;
	return DIV_ROUND_UP(nr_vecs, BIO_MAX_VECS) > PT_MAX_BIOS ?
	       -EREMOTEIO : 0;
}

/*
 * Map the first r->len bytes of @sgl: cmd->sg itself, or the bounce
 * buffer (@bounce).
 */
static int pt_map_sg(struct pt_req *r, struct request *rq,
		     struct scatterlist *sgl, unsigned int nents, bool bounce)
{
	struct scatterlist *sg;
	struct pt_map m;
	u32 left = r->len;
	unsigned int i, nr;
	int ret;

	nr = pt_sg_pages(sgl, nents, r->len);
	ret = pt_map_begin(&m, r, rq, nr, bounce);
	if (ret)
		return ret;
	for_each_sg(sgl, sg, nents, i) {
		u32 l = min(sg->length, left);
		struct page *page = nth_page(sg_page(sg),
					     sg->offset >> PAGE_SHIFT);
		unsigned int off = offset_in_page(sg->offset);

		left -= l;
		while (l) {
			unsigned int n = min_t(u32, l, PAGE_SIZE - off);

			ret = pt_map_page(&m, page, off, n);
			if (ret)
				return ret;
			l -= n;
			off = 0;
			page = nth_page(page, 1);
		}
		if (!left)
			break;
	}
	if (WARN_ON_ONCE(left))
		return -EINVAL;
	return pt_map_flush(&m);
}

/*
 * Copy the first @len bytes of the data between cmd->sg and the bounce
 * pages in one pass over both: into the pages (@to_pages) for data-out,
 * back for data-in. The pages are the bios' vectors, in order (lowmem;
 * a vector may span physically contiguous pages the bio merged). Any
 * context.
 */
static void pt_bounce_copy(struct pt_req *r, u32 len, bool to_pages)
{
	struct ktgt_cmd *cmd = r->cmd;
	struct sg_mapping_iter miter;
	unsigned int b = 0, v = 0;
	u32 pos = 0, voff = 0;

	sg_miter_start(&miter, cmd->sg, cmd->sg_cnt, SG_MITER_ATOMIC |
		       (to_pages ? SG_MITER_FROM_SG : SG_MITER_TO_SG));
	while (pos < len && sg_miter_next(&miter)) {
		size_t n = min_t(size_t, miter.length, len - pos);
		size_t done = 0;

		while (done < n && b < r->nr_bios) {
			struct bio_vec *bv = &r->bios[b]->bi_io_vec[v];
			u8 *p = (u8 *)page_address(bv->bv_page) +
				bv->bv_offset + voff;
			size_t c = min_t(size_t, n - done, bv->bv_len - voff);

			if (to_pages)
				memcpy(p, miter.addr + done, c);
			else
				memcpy(miter.addr + done, p, c);
			done += c;
			voff += c;
			if (voff == bv->bv_len) {
				voff = 0;
				if (++v == r->bios[b]->bi_vcnt) {
					v = 0;
					b++;
				}
			}
		}
		miter.consumed = n;
		pos += n;
	}
	sg_miter_stop(&miter);
}

/*
 * Map the data through bounce pages, filled from cmd->sg for data-out:
 * a buffer of the sgv pool, page-aligned chunks of whole pages, freed
 * with the bios (pt_req_free_data()).
 */
static int pt_map_bounce(struct pt_req *r, struct request *rq)
{
	struct scatterlist *sg;
	unsigned int nents;
	int ret;

	r->sgv = ktgt_sgv_alloc(r->len, GFP_NOIO, &sg, &nents);
	if (!r->sgv)
		return -ENOMEM;
	ret = pt_map_sg(r, rq, sg, nents, true);
	if (!ret && !r->read)
		pt_bounce_copy(r, r->len, true);
	return ret;
}

/* --- execution --- */

/*
 * The outcome of a command the device (or the midlayer on its behalf)
 * completed: the device's status and sense as they are (pt_sense_len():
 * sense data of a format ktgt does not know too; a CHECK CONDITION
 * without any becomes HARDWARE ERROR, INTERNAL TARGET FAILURE); an
 * error of the host or of the transport as BUSY when retrying may help,
 * else as a CHECK CONDITION that says which; never GOOD.
 */
static void pt_set_result(struct ktgt_cmd *cmd, struct scsi_cmnd *scmd,
			  blk_status_t err, u32 done)
{
	u8 status = get_status_byte(scmd);
	unsigned int sense_len;

	switch (get_host_byte(scmd)) {
	case DID_OK:
		break;
	case DID_BUS_BUSY:
	case DID_RESET:
	case DID_SOFT_ERROR:
	case DID_IMM_RETRY:
	case DID_REQUEUE:
	case DID_TRANSPORT_DISRUPTED:
		ktgt_cmd_set_status(cmd, KTGT_SAM_BUSY, NULL, 0, 0);
		return;
	case DID_NO_CONNECT:
	case DID_BAD_TARGET:
	case DID_TRANSPORT_FAILFAST:
	case DID_TRANSPORT_MARGINAL:
		ktgt_cmd_check_condition(cmd, KTGT_KEY_HARDWARE_ERROR,
					 PT_ASC_LUN_COMM, PT_ASCQ_COMM_FAILURE);
		return;
	case DID_TIME_OUT:
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ABORTED_COMMAND,
					 PT_ASC_LUN_COMM, PT_ASCQ_COMM_TIMEOUT);
		return;
	case DID_PARITY:
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ABORTED_COMMAND,
					 PT_ASC_PARITY, 0);
		return;
	default:
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ABORTED_COMMAND,
					 PT_ASC_LUN_COMM, PT_ASCQ_COMM_FAILURE);
		return;
	}

	if (status == SAM_STAT_CHECK_CONDITION) {
		sense_len = pt_sense_len(scmd->sense_buffer,
					 SCSI_SENSE_BUFFERSIZE);
		/*
		 * With the bytes the device moved: the core sends no data-in
		 * with a CHECK CONDITION yet, but they are in the buffer.
		 */
		if (sense_len)
			ktgt_cmd_set_status(cmd, status, scmd->sense_buffer,
					    sense_len, done);
		else
			ktgt_cmd_check_condition(cmd, KTGT_KEY_HARDWARE_ERROR,
						 PT_ASC_INTERNAL_FAILURE, 0);
		return;
	}
	/* A request the block layer failed without a SCSI status. */
	if (err && (status == SAM_STAT_GOOD ||
		    status == SAM_STAT_CONDITION_MET)) {
		if (err == BLK_STS_RESOURCE || err == BLK_STS_DEV_RESOURCE ||
		    err == BLK_STS_AGAIN)
			ktgt_cmd_set_status(cmd, KTGT_SAM_BUSY, NULL, 0, 0);
		else
			ktgt_cmd_check_condition(cmd, KTGT_KEY_HARDWARE_ERROR,
						 PT_ASC_LUN_COMM,
						 PT_ASCQ_COMM_FAILURE);
		return;
	}
	ktgt_cmd_set_status(cmd, status, NULL, 0, done);
}

/*
 * The most bytes one command may move: what the device's queue takes in
 * one request even through bounce pages (one segment each), and what
 * the core moves.
 */
u32 pt_max_xfer_bytes(struct scsi_device *sdev)
{
	struct request_queue *q = sdev->request_queue;
	u64 bytes;

	bytes = min_t(u64, (u64)queue_max_hw_sectors(q) << SECTOR_SHIFT,
		      (u64)queue_max_segments(q) << PAGE_SHIFT);
	return (u32)min_t(u64, bytes, PT_CORE_MAX_XFER);
}

/**
 * pt_pass_ua() - tell ktgt's initiators of a unit attention of the device
 * @pd: the device
 * @asc: the ADDITIONAL SENSE CODE the device reported it with
 * @ascq: its ADDITIONAL SENSE CODE QUALIFIER
 * @except: the command the device answered with it, whose initiator was
 *	told, not yet completed; NULL for a command of the handler's own,
 *	which told nobody
 *
 * The device has one I_T nexus, ktgt's, and reports each of its unit
 * attention conditions once, to whichever command of that nexus comes
 * first; but a reset of the device, mode parameters changed by another
 * host, a medium changed are news for every initiator of the LU: the
 * condition is established, with the same ASC/ASCQ, on every I_T_L
 * nexus that sees the LU but @except's (ktgt_device_ua()), as SCST does
 * for its pass-through devices (scst_dev_check_set_UA(), for the
 * initiators' commands and its own). LIO pscsi passes a unit attention
 * to the initiator whose command got it only: the others never learn,
 * say, that a tape drive was reset and lost its position.
 *
 * A reset of the device (29h, any ASCQ) ends what a reset ends of the
 * state the core keeps for the LU: the SPC-2 reservation (RESERVE(6),
 * RESERVE(10)), which the device never saw, is released, as SCST does,
 * and medium removal prevention ends; persistent reservations stay
 * (ktgt_device_ua()).
 *
 * Not passed on: REPORTED LUNS DATA HAS CHANGED (3Fh/0Eh), about the
 * LUN inventory of the device's target, not ktgt's (REPORT LUNS is the
 * core's), and the 2Ch/07h-09h conditions of UA_INTLCK_CTRL, about
 * ktgt's own commands to the device. A condition the core cannot
 * establish is logged. Process context.
 */
void pt_pass_ua(struct pt_dev *pd, u8 asc, u8 ascq, struct ktgt_cmd *except)
{
	if ((asc == 0x3f && ascq == 0x0e) || asc == 0x2c)
		return;
	if (!ktgt_device_ua(pd->dev, asc, ascq, except))
		pr_info_ratelimited("%s: unit attention %02xh/%02xh of the device not passed on\n",
				    ktgt_device_name(pd->dev), asc, ascq);
}

/* Whether @cmd ends with the device's UNIT ATTENTION: its ASC/ASCQ in @r. */
static bool pt_cmd_ua(const struct ktgt_cmd *cmd, struct pt_req *r)
{
	struct scsi_sense_hdr sshdr;

	if (cmd->status != KTGT_SAM_CHECK_CONDITION ||
	    !scsi_normalize_sense(cmd->sense, cmd->sense_len, &sshdr) ||
	    sshdr.sense_key != UNIT_ATTENTION)
		return false;
	r->asc = sshdr.asc;
	r->ascq = sshdr.ascq;
	return true;
}

/*
 * Before @cmd completes, in process context: its unit attention passed
 * on to the other initiators, and what the device type asked
 * (struct pt_kind.done) asked of the device again.
 */
static void pt_resync_work(struct work_struct *work)
{
	struct pt_req *r = container_of(work, struct pt_req, work);
	struct ktgt_cmd *cmd = r->cmd;
	struct pt_dev *pd = pt_cmd_dev(cmd);

	if (r->ua)
		pt_pass_ua(pd, r->asc, r->ascq, cmd);
	/* @cmd is in flight: the device is enabled, pd->sdev set. */
	if (r->resync)
		pd->kind->resync(pd, cmd);
	pt_req_free(r);
	ktgt_cmd_done(cmd);
}

/* ->end_io of a request: any context, hard interrupts included. */
static enum rq_end_io_ret pt_end_io(struct request *rq, blk_status_t err)
{
	struct scsi_cmnd *scmd = blk_mq_rq_to_pdu(rq);
	struct pt_req *r = rq->end_io_data;
	struct ktgt_cmd *cmd = r->cmd;
	struct pt_dev *pd = pt_cmd_dev(cmd);
	u32 done = r->len - min(scmd->resid_len, r->len);

	pt_set_result(cmd, scmd, err, done);
	/*
	 * What the device returned is in the buffer with a CHECK CONDITION
	 * too (a tape drive's short block, ILI): the transports that
	 * deliver data-in with it find it there.
	 */
	if (r->read && r->bounce && (cmd->status == KTGT_SAM_GOOD ||
				     cmd->status == KTGT_SAM_CHECK_CONDITION))
		pt_bounce_copy(r, done, false);
	r->resync = pd->kind->done && pd->kind->done(pd, cmd, done);
	r->ua = pt_cmd_ua(cmd, r);
	if (r->resync || r->ua) {
		pt_req_free_data(r);
		INIT_WORK(&r->work, pt_resync_work);
		queue_work(system_long_wq, &r->work);
		return RQ_END_IO_FREE;
	}
	pt_req_free(r);
	ktgt_cmd_done(cmd);
	return RQ_END_IO_FREE;
}

/*
 * A request carrying @cmd's CDB, bounded by the device's queue: no free
 * tag is BUSY. On failure @cmd is completed, @r freed, NULL returned.
 */
static struct request *pt_alloc_request(struct pt_dev *pd,
					struct ktgt_cmd *cmd, struct pt_req *r)
{
	struct scsi_device *sdev = pd->sdev;
	struct scsi_cmnd *scmd;
	struct request *rq;

	rq = scsi_alloc_request(sdev->request_queue,
				r->read || !r->len ? REQ_OP_DRV_IN :
						     REQ_OP_DRV_OUT,
				BLK_MQ_REQ_NOWAIT);
	if (IS_ERR(rq)) {
		/* A dying queue (the device removed) is -EAGAIN too. */
		if (blk_queue_dying(sdev->request_queue) ||
		    (PTR_ERR(rq) != -EAGAIN && PTR_ERR(rq) != -EBUSY))
			ktgt_cmd_check_condition(cmd, KTGT_KEY_HARDWARE_ERROR,
						 PT_ASC_LUN_COMM,
						 PT_ASCQ_COMM_FAILURE);
		else
			ktgt_cmd_set_status(cmd, KTGT_SAM_BUSY, NULL, 0, 0);
		pt_req_free(r);
		return NULL;
	}
	scmd = blk_mq_rq_to_pdu(rq);
	memcpy(scmd->cmnd, cmd->cdb, cmd->cdb_len);
	scmd->cmd_len = cmd->cdb_len;
	/* The initiator decides whether to retry, not the midlayer. */
	scmd->allowed = 0;
	/* 0 is the queue's own timeout (rq_timeout, sd's 30 s). */
	rq->timeout = pd->kind->timeout ? pd->kind->timeout(cmd) : 0;
	return rq;
}

enum ktgt_exec_status pt_exec(struct ktgt_cmd *cmd)
{
	struct pt_dev *pd = pt_cmd_dev(cmd);
	struct scsi_device *sdev = pd->sdev;
	enum ktgt_data_dir dir = cmd->core.dir;
	struct request *rq;
	struct pt_req *r;
	bool bounce;
	int ret;

	if (dir == KTGT_DIR_BIDI) {
		/* The block layer has no bidirectional requests. */
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 PT_ASC_INVALID_OPCODE, 0);
		return KTGT_EXEC_DONE;
	}
	if (cmd->cdb_len > sdev->host->max_cmd_len ||
	    (dir == KTGT_DIR_WRITE && cmd->bufflen < cmd->core.xfer_len)) {
		/* A CDB the HBA cannot send; data-out cut by the transport. */
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 PT_ASC_INVALID_FIELD, 0);
		return KTGT_EXEC_DONE;
	}
	if (!scsi_device_online(sdev)) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_HARDWARE_ERROR,
					 PT_ASC_LUN_COMM, PT_ASCQ_COMM_FAILURE);
		return KTGT_EXEC_DONE;
	}
	if (pd->kind->check && pd->kind->check(pd, cmd))
		return KTGT_EXEC_DONE;

	/* Process context (no exec_atomic): waits for the reserve at worst. */
	r = mempool_alloc(&pt_req_pool, GFP_NOIO);
	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	r->read = dir == KTGT_DIR_READ;
	if (dir != KTGT_DIR_NONE && cmd->sg)
		r->len = (u32)min_t(u64, cmd->bufflen, cmd->core.xfer_len);

	/*
	 * The data as it is if the queue takes cmd->sg's layout, else
	 * through bounce pages, on a fresh request.
	 */
	for (bounce = READ_ONCE(pt_bounce); ; bounce = true) {
		rq = pt_alloc_request(pd, cmd, r);
		if (!rq)
			return KTGT_EXEC_DONE;
		if (!r->len)
			break;
		ret = bounce ? pt_map_bounce(r, rq) :
			       pt_map_sg(r, rq, cmd->sg, cmd->sg_cnt, false);
		if (!ret)
			break;
		blk_mq_free_request(rq);
		pt_req_free_data(r);
		if (ret == -EREMOTEIO && !bounce)
			continue;
		if (ret == -ENOMEM)
			ktgt_cmd_set_status(cmd, KTGT_SAM_BUSY, NULL, 0, 0);
		else	/* beyond what the device's queue takes */
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 PT_ASC_INVALID_FIELD, 0);
		pt_req_free(r);
		return KTGT_EXEC_DONE;
	}
	rq->end_io = pt_end_io;
	rq->end_io_data = r;
	blk_execute_rq_nowait(rq, false);
	return KTGT_EXEC_ASYNC;
}

/* --- enable, disable --- */

/*
 * Whether an internal command that ended with @res, without sense data,
 * may do better on another try: the host or the device was busy, or a
 * reset ended the command (its unit attention comes next).
 */
static bool pt_internal_busy(int res)
{
	if (res < 0)
		return false;
	switch (host_byte(res)) {
	case DID_OK:
		return (res & 0xff) == SAM_STAT_BUSY ||
		       (res & 0xff) == SAM_STAT_TASK_SET_FULL;
	case DID_BUS_BUSY:
	case DID_RESET:
	case DID_SOFT_ERROR:
	case DID_IMM_RETRY:
	case DID_REQUEUE:
	case DID_TRANSPORT_DISRUPTED:
		return true;
	default:
		return false;
	}
}

/**
 * pt_internal_in() - a data-in command of the handler's own to a device
 * @pd: the device; pd->sdev set
 * @cdb: the CDB (READ CAPACITY, MODE SENSE)
 * @buf: where its data goes (kmalloc'ed: DMA-able)
 * @len: its size, the CDB's allocation length
 *
 * Past a unit attention (a reset of the device, capacity or mode
 * parameters changed) it tries again, as sd and st do; the condition,
 * which only this command heard of, goes to every initiator of the LU
 * (pt_pass_ua()). So that none is lost, the midlayer is given no retry:
 * it would retry the first unit attention after a reset it performed
 * itself (scsi_check_sense(), expecting_cc_ua) without a word; the loop
 * here tries again past a busy host or device as well. Process context.
 *
 * Return: 0, or -EIO.
 */
int pt_internal_in(struct pt_dev *pd, const u8 *cdb, u8 *buf,
		   unsigned int len)
{
	struct scsi_sense_hdr sshdr;
	int i, res = 0;

	for (i = 0; i < PT_INTERNAL_TRIES; i++) {
		memset(buf, 0, len);
		memset(&sshdr, 0, sizeof(sshdr));
		res = scsi_execute_req(pd->sdev, cdb, DMA_FROM_DEVICE, buf, len,
				       &sshdr, PT_INTERNAL_TIMEOUT, 0, NULL);
		if (!res)
			return 0;
		if (scsi_sense_valid(&sshdr)) {
			if (sshdr.sense_key != UNIT_ATTENTION)
				break;
			pt_pass_ua(pd, sshdr.asc, sshdr.ascq, NULL);
		} else if (!pt_internal_busy(res)) {
			break;
		}
	}
	return -EIO;
}

int pt_enable(struct ktgt_device *dev)
{
	struct pt_dev *pd = ktgt_device_priv(dev);
	const char *name = ktgt_device_name(dev);
	struct scsi_device *sdev = NULL;
	struct Scsi_Host *shost;
	int ret;

	mutex_lock(&pd->lock);
	if (!pd->hctl_set) {
		pr_info("%s: no scsi_device set\n", name);
		ret = -EINVAL;
		goto out;
	}
	shost = scsi_host_lookup(pd->hctl.host);
	if (!IS_ERR_OR_NULL(shost)) {
		sdev = scsi_device_lookup(shost, pd->hctl.channel,
					  pd->hctl.id, pd->hctl.lun);
		scsi_host_put(shost);
	}
	if (!sdev) {
		pr_info("%s: no SCSI device %u:%u:%u:%llu\n", name,
			pd->hctl.host, pd->hctl.channel, pd->hctl.id,
			pd->hctl.lun);
		ret = -ENODEV;
		goto out;
	}
	if (sdev->type != pd->kind->pdt) {
		pr_info("%s: %s is of type %#x, not a %s\n", name,
			dev_name(&sdev->sdev_gendev), sdev->type,
			pd->kind->what);
		ret = -EMEDIUMTYPE;
		goto out_put;
	}
	if (!scsi_device_online(sdev)) {
		pr_info("%s: %s is offline\n", name,
			dev_name(&sdev->sdev_gendev));
		ret = -ENODEV;
		goto out_put;
	}
	ret = pt_export(pd, sdev);
	if (ret)
		goto out_put;
	ret = pd->kind->setup(pd);
	if (ret) {
		pt_unexport(pd);
		goto out_put;
	}
	pr_info("%s: exporting %s\n", name, dev_name(&sdev->sdev_gendev));
	mutex_unlock(&pd->lock);
	return 0;

out_put:
	scsi_device_put(sdev);
out:
	mutex_unlock(&pd->lock);
	return ret;
}

void pt_disable(struct ktgt_device *dev)
{
	struct pt_dev *pd = ktgt_device_priv(dev);
	struct scsi_device *sdev;

	mutex_lock(&pd->lock);
	sdev = pt_unexport(pd);
	mutex_unlock(&pd->lock);
	if (sdev)
		scsi_device_put(sdev);
}

int pt_dev_alloc(struct ktgt_device *dev, const struct pt_kind *kind)
{
	struct pt_dev *pd;

	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	pd->dev = dev;
	pd->kind = kind;
	mutex_init(&pd->lock);
	ktgt_device_set_priv(dev, pd);
	return 0;
}

void pt_dev_free(struct ktgt_device *dev)
{
	struct pt_dev *pd = ktgt_device_priv(dev);

	if (!pd)
		return;
	WARN_ON(pd->sdev);
	ktgt_device_set_priv(dev, NULL);
	mutex_destroy(&pd->lock);
	kfree(pd);
}

/* --- configfs: scsi_device --- */

static ssize_t pt_scsi_device_show(struct config_item *item, char *page)
{
	struct pt_dev *pd = ktgt_device_priv(ktgt_device_from_item(item));
	ssize_t n = 0;

	mutex_lock(&pd->lock);
	if (pd->hctl_set)
		n = sprintf(page, "%u:%u:%u:%llu\n", pd->hctl.host,
			    pd->hctl.channel, pd->hctl.id, pd->hctl.lun);
	mutex_unlock(&pd->lock);
	return n;
}

static ssize_t pt_scsi_device_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct ktgt_device *dev = ktgt_device_from_item(item);
	struct pt_dev *pd = ktgt_device_priv(dev);
	struct pt_hctl h;
	ssize_t ret;

	ret = pt_hctl_parse(page, count, &h);
	if (ret)
		return ret;
	mutex_lock(&pd->lock);
	if (pd->sdev || ktgt_device_enabled(dev)) {
		ret = -EBUSY;
	} else {
		pd->hctl = h;
		pd->hctl_set = true;
		ret = count;
	}
	mutex_unlock(&pd->lock);
	return ret;
}

CONFIGFS_ATTR(pt_, scsi_device);

/* pt_tape: the drive's block length as tracked, 0 for variable mode. */
static ssize_t pt_block_length_show(struct config_item *item, char *page)
{
	struct pt_dev *pd = ktgt_device_priv(ktgt_device_from_item(item));

	return sprintf(page, "%u\n", READ_ONCE(pd->block_len));
}

CONFIGFS_ATTR_RO(pt_, block_length);

struct configfs_attribute *pt_attrs[] = {
	&pt_attr_scsi_device,
	NULL,
};

struct configfs_attribute *pt_tape_attrs[] = {
	&pt_attr_scsi_device,
	&pt_attr_block_length,
	NULL,
};

static void pt_pools_exit(void)
{
	bioset_exit(&pt_bio_set);
	mempool_exit(&pt_req_pool);
	kmem_cache_destroy(pt_req_cache);
}

static int __init pt_init(void)
{
	int ret;

	pt_req_cache = KMEM_CACHE(pt_req, 0);
	if (!pt_req_cache)
		return -ENOMEM;
	ret = mempool_init_slab_pool(&pt_req_pool, PT_POOL_RESERVE,
				     pt_req_cache);
	if (!ret)
		ret = bioset_init(&pt_bio_set, PT_POOL_RESERVE, 0,
				  BIOSET_NEED_BVECS);
	if (ret)
		goto out_pools;
	ret = ktgt_register_dev_type(&pt_disk_type);
	if (ret)
		goto out_pools;
	ret = ktgt_register_dev_type(&pt_tape_type);
	if (ret)
		goto out_disk;
	ret = ktgt_register_dev_type(&pt_changer_type);
	if (ret)
		goto out_tape;
	return 0;

out_tape:
	ktgt_unregister_dev_type(&pt_tape_type);
out_disk:
	ktgt_unregister_dev_type(&pt_disk_type);
out_pools:
	pt_pools_exit();
	return ret;
}

static void __exit pt_exit(void)
{
	ktgt_unregister_dev_type(&pt_changer_type);
	ktgt_unregister_dev_type(&pt_tape_type);
	ktgt_unregister_dev_type(&pt_disk_type);
	pt_pools_exit();
}

module_init(pt_init);
module_exit(pt_exit);

MODULE_DESCRIPTION("ktgt pass-through dev handlers for SCSI disks, tape drives and medium changers");
MODULE_AUTHOR("The ktgt developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KTGT_VERSION);
