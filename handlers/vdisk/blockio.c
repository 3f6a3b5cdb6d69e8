// SPDX-License-Identifier: GPL-2.0
/*
 * vdisk_blockio: a block device as a direct-access logical unit, through
 * bios, bypassing the page cache.
 *
 *   handlers/vdisk_blockio/<dev>/filename  absolute path of the block
 *                                          device node; -EBUSY while
 *                                          enabled
 *
 * The device is opened exclusively (FMODE_EXCL, holder: the vdisk_dev).
 * Its logical block size must divide the ktgt device's block size.
 *
 * READ/WRITE: the data buffer's scatterlist is added page by page to
 * bios from the module's bio_set (mempool-backed: allocation may sleep
 * but never fails, and nothing is allocated per command besides the
 * bios). When a bio is full the next one is allocated and the full one
 * is chained to it (bio_chain()) and submitted, so only the last bio has
 * a completion callback: the block layer runs it after every bio of the
 * command has completed, with the first error any of them had. That
 * callback sets the status and calls ktgt_cmd_done(), in whatever context
 * the driver completes bios (often hard or soft interrupt); ->rw() itself
 * returns KTGT_EXEC_ASYNC. FUA adds REQ_FUA to every write bio (the core
 * sets FUA on every write while the write cache is disabled:
 * write_through, or WCE=0 by MODE SELECT).
 *
 * A medium error of a command of several blocks does not say which
 * block failed; the callback then hands the command (with a small
 * GFP_ATOMIC allocation; without it the error goes out without a block)
 * to the module's workqueue, which finds the first block in error for
 * the INFORMATION field and calls ktgt_cmd_done() (blockio_probe_work()).
 *
 * A queue that takes REQ_NOWAIT (every blk-mq device) makes the device
 * nowait: the core then calls ->rw() in a transport's receive thread,
 * where it must not wait for a free request (see ktgt_cmd_exec_nowait()).
 * Its bios carry REQ_NOWAIT and come from the bio_set with GFP_NOWAIT. A
 * bio that would wait instead ends with BLK_STS_AGAIN, at once, within
 * submit_bio(); so does one the block layer would split, and a command
 * that needs a split for sure (more bytes or entries than the queue
 * takes in one request) does not try. The command is then handed back
 * to the core with ktgt_cmd_requeue() once all its bios have ended, and
 * ->rw() runs again, from a worker, without REQ_NOWAIT: the bios that
 * went through are done twice (the same data read or written again).
 *
 * vdisk_dev.bdev is opened by ->enable and closed by ->disable; commands
 * run only in between (see vdisk.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/math64.h>
#include <scsi/scsi_proto.h>

#include "vdisk.h"

static struct bio_set blockio_bio_set;
/* Runs blockio_probe_work(); flushed by vdisk_blockio_exit(). */
static struct workqueue_struct *blockio_wq;

/**
 * struct blockio_probe - the search for the first block in error
 * @work: in blockio_wq
 * @cmd: the command that failed
 * @err: the errno its bios ended with
 */
struct blockio_probe {
	struct work_struct	work;
	struct ktgt_cmd		*cmd;
	int			err;
};

static int blockio_enable(struct ktgt_device *dev)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	const char *name = ktgt_device_name(dev);
	struct block_device *bdev;
	unsigned int lbs;
	fmode_t mode;
	u64 size;
	int ret;

	mutex_lock(&vd->lock);
	if (!vd->filename) {
		pr_err("%s: set filename before enabling\n", name);
		ret = -EINVAL;
		goto out;
	}
	mode = FMODE_READ | FMODE_EXCL | (p->read_only ? 0 : FMODE_WRITE);
	bdev = blkdev_get_by_path(vd->filename, mode, vd);
	if (IS_ERR(bdev)) {
		ret = PTR_ERR(bdev);
		pr_err("%s: cannot open block device %s: %d\n", name,
		       vd->filename, ret);
		goto out;
	}
	lbs = bdev_logical_block_size(bdev);
	if (lbs > p->block_size || p->block_size % lbs) {
		pr_err("%s: %s has %u-byte logical blocks; blocksize %u must be a multiple\n",
		       name, vd->filename, lbs, p->block_size);
		ret = -EINVAL;
		goto out_put;
	}
	size = bdev_nr_bytes(bdev);
	if (size < p->block_size) {
		pr_err("%s: %s is smaller than one block\n", name,
		       vd->filename);
		ret = -EINVAL;
		goto out_put;
	}
	if (p->thin_provisioned && !bdev_max_discard_sectors(bdev)) {
		pr_err("%s: %s does not support discard: clear thin_provisioned\n",
		       name, vd->filename);
		ret = -EOPNOTSUPP;
		goto out_put;
	}
	vd->bdev = bdev;
	vd->bdev_mode = mode;
	ktgt_device_set_nowait(dev, bdev_nowait(bdev));
	ktgt_device_set_phys_block_size(dev, bdev_physical_block_size(bdev));
	ktgt_device_set_capacity(dev, div_u64(size, p->block_size));
	mutex_unlock(&vd->lock);
	return 0;

out_put:
	blkdev_put(bdev, mode);
out:
	mutex_unlock(&vd->lock);
	return ret;
}

static void blockio_disable(struct ktgt_device *dev)
{
	struct vdisk_dev *vd = ktgt_device_priv(dev);

	mutex_lock(&vd->lock);
	if (vd->bdev) {
		blkdev_put(vd->bdev, vd->bdev_mode);
		vd->bdev = NULL;
	}
	mutex_unlock(&vd->lock);
}

static int blockio_resync_size(struct ktgt_device *dev)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	int ret = 0;
	u64 size;

	mutex_lock(&vd->lock);
	if (!vd->bdev) {
		ret = -ENODEV;
		goto out;
	}
	size = bdev_nr_bytes(vd->bdev);
	if (size < p->block_size) {
		ret = -EINVAL;
		goto out;
	}
	ktgt_device_set_capacity(dev, div_u64(size, p->block_size));
out:
	mutex_unlock(&vd->lock);
	return ret;
}

/* The operation and flags of @cmd's bios, but for REQ_NOWAIT. */
static blk_opf_t blockio_opf(const struct ktgt_cmd *cmd)
{
	if (cmd->core.dir != KTGT_DIR_WRITE)
		return REQ_OP_READ;
	if (cmd->core.cdb_flags & KTGT_CDB_FUA)
		return REQ_OP_WRITE | REQ_SYNC | REQ_IDLE | REQ_FUA;
	return REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
}

/*
 * Transfer blocks @first to @first + @nr - 1 of @cmd's range again, as
 * ->rw() did (the same buffer, direction and FUA), and wait. Process
 * context.
 *
 * Return: 0, the errno a bio ended with, or -EINVAL if the buffer cannot
 * be split there (an entry of an odd length at a bio boundary).
 */
static int blockio_redo(struct ktgt_cmd *cmd, u64 first, u64 nr)
{
	struct vdisk_dev *vd = vdisk_cmd_vdev(cmd);
	u32 bs = ktgt_device_params(vd->dev)->block_size;
	unsigned int lbs_mask = bdev_logical_block_size(vd->bdev) - 1;
	sector_t start = (cmd->core.lba + first) * (bs >> SECTOR_SHIFT);
	u64 skip = first * bs, left = nr * bs, done = 0;
	struct scatterlist *sg;
	struct bio *bio = NULL;
	unsigned int i;
	int ret = 0;

	for_each_sg(cmd->sg, sg, cmd->sg_cnt, i) {
		unsigned int off = sg->offset, len = sg->length;
		struct page *page;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		off += skip;
		len = min_t(u64, len - skip, left);
		skip = 0;
		page = nth_page(sg_page(sg), off >> PAGE_SHIFT);
		off &= ~PAGE_MASK;
		if (bio && bio_add_page(bio, page, len, off) == len)
			goto added;
		if (bio) {
			ret = done & lbs_mask ? -EINVAL : submit_bio_wait(bio);
			bio_put(bio);
			bio = NULL;
			if (ret)
				return ret;
		}
		bio = bio_alloc_bioset(vd->bdev,
				       min_t(unsigned int, cmd->sg_cnt - i,
					     BIO_MAX_VECS),
				       blockio_opf(cmd), GFP_NOIO,
				       &blockio_bio_set);
		bio->bi_iter.bi_sector = start + (done >> SECTOR_SHIFT);
		if (bio_add_page(bio, page, len, off) != len) {
			bio_put(bio);
			return -EINVAL;
		}
added:
		done += len;
		left -= len;
		if (!left)
			break;
	}
	if (bio) {
		ret = left ? -EINVAL : submit_bio_wait(bio);
		bio_put(bio);
	}
	return left ? -EINVAL : ret;
}

/*
 * A command of several blocks failed, and its bios do not say which
 * block: each fails as a whole (device-mapper fails a bio if any part of
 * it fails) and the chain keeps only a status. So the range is done
 * again in halves: while the first half transfers, the first block in
 * error lies in the second; down to one block, which must fail again to
 * be reported in the INFORMATION field (SBC-4 4.18.1). About twice the
 * command's data, in as many synchronous steps as the binary logarithm of
 * its blocks; only after a medium error. An error that does not come
 * back is reported without a block. The transfers rewrite the same data
 * or read it again into the same buffer, as a requeue does.
 */
static void blockio_probe_work(struct work_struct *work)
{
	struct blockio_probe *pb = container_of(work, struct blockio_probe,
						work);
	struct ktgt_cmd *cmd = pb->cmd;
	u64 lo = 0, n = cmd->core.nr_blocks;
	int ret;

	while (n > 1) {
		ret = blockio_redo(cmd, lo, n / 2);
		if (ret && !ktgt_io_error_medium(ret))
			break;		/* something else failed: give up */
		if (ret) {
			n /= 2;
		} else {
			lo += n / 2;
			n -= n / 2;
		}
	}
	ret = n == 1 ? blockio_redo(cmd, lo, 1) : 0;
	if (ret && ktgt_io_error_medium(ret))
		ktgt_cmd_io_error_lba(cmd, pb->err, cmd->core.lba + lo);
	else
		ktgt_cmd_io_error(cmd, pb->err);
	kfree(pb);
	ktgt_cmd_done(cmd);
}

/*
 * A medium error of a command of several blocks is looked into by a
 * worker (blockio_probe_work()). Return: true if it was handed over.
 */
static bool blockio_probe(struct ktgt_cmd *cmd, int err)
{
	struct blockio_probe *pb;

	if (cmd->core.nr_blocks < 2 || !ktgt_io_error_medium(err))
		return false;
	pb = kmalloc(sizeof(*pb), GFP_ATOMIC);
	if (!pb)
		return false;
	INIT_WORK(&pb->work, blockio_probe_work);
	pb->cmd = cmd;
	pb->err = err;
	queue_work(blockio_wq, &pb->work);
	return true;
}

/* The last bio of a command completed, so every bio of it did. */
static void blockio_end_io(struct bio *bio)
{
	struct ktgt_cmd *cmd = bio->bi_private;

	if (bio->bi_status == BLK_STS_AGAIN && (bio->bi_opf & REQ_NOWAIT)) {
		bio_put(bio);
		ktgt_cmd_requeue(cmd);
		return;
	}
	if (bio->bi_status) {
		int err = blk_status_to_errno(bio->bi_status);

		bio_put(bio);
		if (blockio_probe(cmd, err))
			return;
		/* One block: it is the one in error. */
		if (cmd->core.nr_blocks == 1)
			ktgt_cmd_io_error_lba(cmd, err, cmd->core.lba);
		else
			ktgt_cmd_io_error(cmd, err);
		ktgt_cmd_done(cmd);
		return;
	} else if (cmd->core.dir == KTGT_DIR_WRITE) {
		ktgt_cmd_good(cmd, 0);
	} else {
		const struct ktgt_dev_params *p =
			ktgt_device_params(vdisk_cmd_dev(cmd));

		ktgt_cmd_good(cmd, cmd->core.nr_blocks * p->block_size);
	}
	bio_put(bio);
	ktgt_cmd_done(cmd);
}

static enum ktgt_exec_status blockio_rw(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = vdisk_cmd_dev(cmd);
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	u64 total = (u64)cmd->core.nr_blocks * p->block_size;
	sector_t start = cmd->core.lba * (p->block_size >> SECTOR_SHIFT);
	unsigned int lbs_mask = bdev_logical_block_size(vd->bdev) - 1;
	unsigned int nents = cmd->sg_cnt, i;
	struct bio *bio = NULL;
	struct scatterlist *sg;
	struct blk_plug plug;
	gfp_t gfp = GFP_NOIO;
	u64 done = 0;
	blk_opf_t opf;

	if (!total) {
		ktgt_cmd_good(cmd, 0);
		return KTGT_EXEC_DONE;
	}
	if (total > cmd->bufflen || !cmd->sg) {
		ktgt_cmd_io_error(cmd, -EINVAL);
		return KTGT_EXEC_DONE;
	}

	opf = blockio_opf(cmd);
	if (ktgt_cmd_exec_nowait(cmd)) {
		struct request_queue *q = bdev_get_queue(vd->bdev);

		/* A bio with REQ_NOWAIT that needs a split fails. */
		if (total > (u64)queue_max_sectors(q) << SECTOR_SHIFT ||
		    nents > queue_max_segments(q)) {
			ktgt_cmd_requeue(cmd);
			return KTGT_EXEC_ASYNC;
		}
		opf |= REQ_NOWAIT;
		gfp = GFP_NOWAIT;
	}

	blk_start_plug(&plug);
	for_each_sg(cmd->sg, sg, nents, i) {
		unsigned int len = min_t(u64, sg->length, total - done);

		if (!len)
			continue;
		if (!bio ||
		    bio_add_page(bio, sg_page(sg), len, sg->offset) != len) {
			struct bio *next;

			/*
			 * The bio is full. The next one must start on a
			 * logical block boundary of the device; it does
			 * unless a buffer of more than BIO_MAX_VECS entries
			 * has entries of odd lengths, which then fails.
			 */
			if (bio && (done & lbs_mask))
				break;
			next = bio_alloc_bioset(vd->bdev,
						min_t(unsigned int, nents - i,
						      BIO_MAX_VECS),
						opf, gfp, &blockio_bio_set);
			if (!next)	/* GFP_NOWAIT only */
				break;
			next->bi_iter.bi_sector = start + (done >> SECTOR_SHIFT);
			if (bio) {
				bio_chain(bio, next);
				submit_bio(bio);
			}
			bio = next;
			/* An empty bio takes any one vector. */
			if (WARN_ON_ONCE(bio_add_page(bio, sg_page(sg), len,
						      sg->offset) != len))
				break;
		}
		done += len;
		if (done == total)
			break;
	}
	if (!bio) {
		blk_finish_plug(&plug);
		if (opf & REQ_NOWAIT) {
			ktgt_cmd_requeue(cmd);
			return KTGT_EXEC_ASYNC;
		}
		ktgt_cmd_io_error(cmd, -EINVAL);
		return KTGT_EXEC_DONE;
	}
	/*
	 * Not all the data could be submitted (no bio without waiting, a
	 * scatterlist shorter than cmd->bufflen says, or see above): try
	 * again from a worker, or fail the command, once what was submitted
	 * has completed. A status set before submission is kept unless an
	 * error replaces it. The failure is the target's, not the medium's:
	 * BLK_STS_NOTSUPP is -EOPNOTSUPP, INTERNAL TARGET FAILURE.
	 */
	if (done != total)
		bio->bi_status = opf & REQ_NOWAIT ? BLK_STS_AGAIN :
						    BLK_STS_NOTSUPP;
	bio->bi_private = cmd;
	bio->bi_end_io = blockio_end_io;
	submit_bio(bio);
	blk_finish_plug(&plug);
	return KTGT_EXEC_ASYNC;
}

static int blockio_sync(struct ktgt_device *dev)
{
	struct vdisk_dev *vd = ktgt_device_priv(dev);

	if (ktgt_device_params(dev)->nv_cache)
		return 0;
	return blkdev_issue_flush(vd->bdev);
}

static int blockio_unmap(struct ktgt_device *dev, u64 lba, u64 nr)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	unsigned int shift = ilog2(p->block_size) - SECTOR_SHIFT;

	if (!p->thin_provisioned || !bdev_max_discard_sectors(vd->bdev))
		return -EOPNOTSUPP;
	if (!nr)
		return 0;
	return blkdev_issue_discard(vd->bdev, lba << shift, nr << shift,
				    GFP_KERNEL);
}

static const struct ktgt_sbc_ops blockio_sbc_ops = {
	.rw	= blockio_rw,
	.sync	= blockio_sync,
	.unmap	= blockio_unmap,
};

static struct configfs_attribute *blockio_attrs[] = {
	&vdisk_attr_filename,
	NULL,
};

struct ktgt_dev_type vdisk_blockio_type = {
	.name		= "vdisk_blockio",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_DISK,
	.dev_alloc	= vdisk_dev_alloc,
	.dev_free	= vdisk_dev_free,
	.enable		= blockio_enable,
	.disable	= blockio_disable,
	.resync_size	= blockio_resync_size,
	.dev_attrs	= blockio_attrs,
	.sbc		= &blockio_sbc_ops,
};

/**
 * vdisk_blockio_init() - set up the bio_set blockio allocates bios from,
 *	and the workqueue that looks for the block a medium error is in
 *
 * Return: 0 or a negative errno.
 */
int vdisk_blockio_init(void)
{
	int ret;

	blockio_wq = alloc_workqueue("ktgt_blockio", WQ_MEM_RECLAIM, 0);
	if (!blockio_wq)
		return -ENOMEM;
	ret = bioset_init(&blockio_bio_set, BIO_POOL_SIZE, 0,
			  BIOSET_NEED_BVECS);
	if (ret)
		destroy_workqueue(blockio_wq);
	return ret;
}

/**
 * vdisk_blockio_exit() - free the bio_set and the workqueue (flushed:
 *	the end of a work item that completed its command may still run);
 *	every bio has completed, as every device is gone
 */
void vdisk_blockio_exit(void)
{
	destroy_workqueue(blockio_wq);
	bioset_exit(&blockio_bio_set);
}
