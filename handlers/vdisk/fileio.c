// SPDX-License-Identifier: GPL-2.0
/*
 * vdisk_fileio: a regular file or block device node as a direct-access
 * logical unit, through the page cache.
 *
 *   handlers/vdisk_fileio/<dev>/filename   absolute path; -EBUSY while
 *                                          enabled
 *
 * Writes land in the page cache; FUA forces them to the medium with
 * vfs_fsync_range() over the written range (the core sets FUA on every
 * write while the write cache is disabled: write_through, or WCE=0 by
 * MODE SELECT), SYNCHRONIZE CACHE syncs the whole file (unless
 * nv_cache). With thin_provisioned, UNMAP
 * punches holes (FALLOC_FL_PUNCH_HOLE; a block device node must support
 * write zeroes) and GET LBA STATUS reports them (SEEK_DATA/SEEK_HOLE).
 * Every callback runs in process context.
 *
 * The capacity is the file's size in whole blocks, taken by ->enable and
 * by resync_size. A disk cannot report having no block (READ CAPACITY's
 * last LBA 0 means one), so a file without a whole block is refused
 * both times, with -EINVAL to the configfs write and a dmesg line saying
 * why; resync_size then keeps the capacity it had.
 *
 * A regular file whose mapping has no writeback (tmpfs, ramfs) lives in
 * memory: its reads and writes never wait for a disk, so the device is
 * set nowait and the core executes its commands in a transport's
 * receive thread instead of handing each to a worker. (A tmpfs page
 * that was swapped out is the exception: reading it waits for the swap
 * device, as a page fault would.)
 *
 * A file on a disk (or a block device node) whose file system reads
 * with RWF_NOWAIT (FMODE_NOWAIT: ext4, xfs, btrfs, block devices) is
 * nowait too, for its reads: in the receive thread a read takes only
 * what is in the page cache, and a read that would start I/O or wait
 * for a page lock gives the command back to a worker
 * (ktgt_cmd_requeue()), which reads it again, from the disk. Writes
 * (which may wait for dirty throttling, block allocation or the
 * journal) are given back at once. The file is opened with O_NOATIME,
 * so a read does not dirty the inode and wait for the journal; the
 * image's access time means nothing anyway.
 *
 * vdisk_dev.file is opened by ->enable and closed by ->disable; commands
 * run only in between and read it without a lock (see vdisk.h). The
 * file's f_pos is never used for I/O (explicit offsets); only
 * fileio_mapped()'s vfs_llseek() moves it, harmlessly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/backing-dev.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/falloc.h>	/* after fs.h: it needs its types */
#include <linux/file.h>
#include <linux/math64.h>
#include <scsi/scsi_proto.h>

#include "vdisk.h"

/*
 * Whether UNMAP's FALLOC_FL_PUNCH_HOLE can work on @file. A block device
 * node punches a hole by writing zeroes without falling back to writing
 * zero pages (blkdev_fallocate(), BLKDEV_ZERO_NOFALLBACK): on a device
 * without write zeroes (brd, many dm targets) it always fails with
 * -EOPNOTSUPP, which UNMAP would report as INVALID COMMAND OPERATION
 * CODE after VPD B2h advertised it.
 */
static bool fileio_can_punch(struct file *file)
{
	struct inode *inode = file->f_mapping->host;

	if (!file->f_op->fallocate)
		return false;
	return !S_ISBLK(inode->i_mode) ||
	       bdev_write_zeroes_sectors(I_BDEV(inode));
}

static int fileio_enable(struct ktgt_device *dev)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	const char *name = ktgt_device_name(dev);
	struct file *file;
	u64 size;
	int ret;

	mutex_lock(&vd->lock);
	if (!vd->filename) {
		pr_err("%s: set filename before enabling\n", name);
		ret = -EINVAL;
		goto out;
	}
	ret = vdisk_file_open(vd->filename, p->read_only, &file, &size);
	if (ret) {
		pr_err("%s: cannot open %s: %d\n", name, vd->filename, ret);
		goto out;
	}
	if (size < p->block_size) {
		pr_err("%s: %s is smaller than one %u-byte block\n", name,
		       vd->filename, p->block_size);
		ret = -EINVAL;
		goto out_close;
	}
	if (p->thin_provisioned && !fileio_can_punch(file)) {
		pr_err("%s: %s cannot punch holes: clear thin_provisioned\n",
		       name, vd->filename);
		ret = -EOPNOTSUPP;
		goto out_close;
	}
	vd->file = file;
	/* As the file's own cursor: an error nobody saw yet is reported. */
	vd->sync_err = file->f_wb_err;
	vd->in_memory = S_ISREG(file_inode(file)->i_mode) &&
			!mapping_can_writeback(file->f_mapping);
	if (!vd->in_memory && (file->f_mode & FMODE_NOWAIT)) {
		/* Nobody else uses the file yet: no need for f_lock. */
		file->f_flags |= O_NOATIME;
	}
	ktgt_device_set_phys_block_size(dev, vdisk_file_phys_block(file));
	ktgt_device_set_nowait(dev, vd->in_memory ||
			       (file->f_mode & FMODE_NOWAIT));
	ktgt_device_set_capacity(dev, div_u64(size, p->block_size));
	mutex_unlock(&vd->lock);
	return 0;

out_close:
	filp_close(file, NULL);
out:
	mutex_unlock(&vd->lock);
	return ret;
}

static void fileio_disable(struct ktgt_device *dev)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	int ret;

	mutex_lock(&vd->lock);
	if (vd->file) {
		/* What is still only in the page cache reaches the medium. */
		if (!p->read_only) {
			ret = vfs_fsync(vd->file, 0);
			if (ret)
				pr_warn("%s: fsync on disable: %d\n",
					ktgt_device_name(dev), ret);
		}
		filp_close(vd->file, NULL);
		vd->file = NULL;
	}
	mutex_unlock(&vd->lock);
}

static int fileio_resync_size(struct ktgt_device *dev)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	u64 size;
	int ret = 0;

	mutex_lock(&vd->lock);
	if (!vd->file) {
		ret = -ENODEV;
		goto out;
	}
	size = vdisk_file_size(vd->file);
	if (size < p->block_size) {
		/* No whole block: keep the capacity, as the enable refuses. */
		pr_err("%s: %s is smaller than one %u-byte block: capacity kept at %llu blocks\n",
		       ktgt_device_name(dev), vd->filename, p->block_size,
		       ktgt_device_capacity(dev));
		ret = -EINVAL;
		goto out;
	}
	ktgt_device_set_capacity(dev, div_u64(size, p->block_size));
out:
	mutex_unlock(&vd->lock);
	return ret;
}

static enum ktgt_exec_status fileio_rw(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = vdisk_cmd_dev(cmd);
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	bool write = cmd->core.dir == KTGT_DIR_WRITE;
	loff_t pos = cmd->core.lba * p->block_size, at = pos;
	u64 len = (u64)cmd->core.nr_blocks * p->block_size;
	rwf_t flags = 0;
	int ret;

	if (ktgt_cmd_exec_nowait(cmd) && !vd->in_memory) {
		/* A file on a disk, in a receive thread: cached reads only. */
		if (write)
			goto requeue;
		flags = RWF_NOWAIT;
	}
	ret = vdisk_file_rw(vd->file, cmd, &at, len, write, flags);
	if (ret == -EAGAIN && flags)
		goto requeue;
	if (ret) {
		/* The first block not (wholly) transferred failed. */
		ktgt_cmd_io_error_lba(cmd, ret, div_u64(at, p->block_size));
		return KTGT_EXEC_DONE;
	}
	/* Which block of the range failed to reach the medium is unknown. */
	if (write && len && (cmd->core.cdb_flags & KTGT_CDB_FUA))
		ret = vfs_fsync_range(vd->file, pos, pos + len - 1, 1);
	if (ret)
		ktgt_cmd_io_error(cmd, ret);
	else
		ktgt_cmd_good(cmd, write ? 0 : len);
	return KTGT_EXEC_DONE;

requeue:
	/* A worker executes it again, from the start, and may wait. */
	ktgt_cmd_requeue(cmd);
	return KTGT_EXEC_ASYNC;
}

/*
 * SYNCHRONIZE CACHE: every write-back error since the last one is
 * reported, even if a FUA write's vfs_fsync_range() has already seen it.
 * The file's own cursor (f_wb_err) is advanced by every fsync, and an
 * error is reported once per cursor: a FUA write of LBA X would
 * otherwise take for itself the error of cached blocks at LBA Y whose
 * write-back failed before (the initiator retries X, which succeeds),
 * and the SYNCHRONIZE CACHE after it would return GOOD with Y's data
 * lost. So this command keeps its own cursor in the mapping's error
 * sequence, @vd->sync_err: a FUA write may report an error that is not
 * its own, and SYNCHRONIZE CACHE then reports it again, rather than
 * not at all.
 */
static int fileio_sync(struct ktgt_device *dev)
{
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	int ret, err;

	if (ktgt_device_params(dev)->nv_cache)
		return 0;
	ret = vfs_fsync(vd->file, 1);
	spin_lock(&vd->sync_err_lock);
	err = errseq_check_and_advance(&vd->file->f_mapping->wb_err,
				       &vd->sync_err);
	spin_unlock(&vd->sync_err_lock);
	return ret ?: err;
}

static int fileio_unmap(struct ktgt_device *dev, u64 lba, u64 nr)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);

	if (!p->thin_provisioned)
		return -EOPNOTSUPP;
	if (!nr)
		return 0;
	return vfs_fallocate(vd->file,
			     FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     lba * p->block_size, nr * p->block_size);
}

/*
 * A block is mapped if any byte of it is data. From @lba: if the first
 * data at or after the block's start lies beyond the block, the run up
 * to the block holding that data is unmapped; else the run up to the
 * block holding the next hole is mapped. File systems without SEEK_DATA
 * report everything as data (the generic llseek), and block device nodes
 * refuse SEEK_DATA: both read as fully mapped.
 */
static int fileio_mapped(struct ktgt_device *dev, u64 lba, bool *mapped,
			 u64 *len)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	u64 cap = ktgt_device_capacity(dev);
	u32 bs = p->block_size;
	loff_t pos, data, hole;
	u64 end;

	if (lba >= cap)
		return -EINVAL;
	pos = lba * bs;

	data = vfs_llseek(vd->file, pos, SEEK_DATA);
	if (data == -ENXIO) {
		/* Nothing but holes up to the end of the file. */
		*mapped = false;
		*len = cap - lba;
		return 0;
	}
	if (data < 0)
		goto all_mapped;
	if (data >= pos + bs) {
		*mapped = false;
		*len = min_t(u64, div_u64(data, bs), cap) - lba;
		return 0;
	}

	hole = vfs_llseek(vd->file, max(data, pos), SEEK_HOLE);
	if (hole < 0)
		goto all_mapped;
	end = div_u64(hole + bs - 1, bs);
	*mapped = true;
	*len = min(end, cap) - lba;
	if (!*len)
		*len = 1;
	return 0;

all_mapped:
	*mapped = true;
	*len = cap - lba;
	return 0;
}

static const struct ktgt_sbc_ops fileio_sbc_ops = {
	.rw	= fileio_rw,
	.sync	= fileio_sync,
	.unmap	= fileio_unmap,
	/* A hole reads as zeroes; so does a block device's PUNCH_HOLE. */
	.unmap_zeroes = true,
	.mapped	= fileio_mapped,
};

static struct configfs_attribute *fileio_attrs[] = {
	&vdisk_attr_filename,
	NULL,
};

struct ktgt_dev_type vdisk_fileio_type = {
	.name		= "vdisk_fileio",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_DISK,
	.dev_alloc	= vdisk_dev_alloc,
	.dev_free	= vdisk_dev_free,
	.enable		= fileio_enable,
	.disable	= fileio_disable,
	.resync_size	= fileio_resync_size,
	.dev_attrs	= fileio_attrs,
	.sbc		= &fileio_sbc_ops,
};
