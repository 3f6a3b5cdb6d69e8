// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_pt: pass-through of a SCSI disk of this kernel ("pt_disk").
 *
 * A pt_disk device exports a disk (PERIPHERAL DEVICE TYPE 0) the kernel
 * already has, a disk on a SAS or FC HBA, a scsi_debug disk, through
 * pt_core.c's machinery (its header says what the core keeps, what is
 * passed through, and the lifetimes and locking). What is a disk's own:
 *
 * The core decodes its commands with the SBC table and checks their LBA
 * range, so the ktgt device's capacity and blocksize must be the
 * disk's: ->enable reads the capacity (READ CAPACITY(16), else (10)) and
 * refuses a logical block size other than the blocksize attribute. The
 * capacity is read again by resync_size, and before a command the disk
 * answered CAPACITY DATA HAS CHANGED completes (in a work item), so that
 * the initiator, told of the change, finds the core's range check at the
 * new capacity.
 *
 * The Block Limits VPD page (B0h) the disk returns has its MAXIMUM and
 * OPTIMAL TRANSFER LENGTH cut to what one command through ktgt may move
 * (pt_max_xfer_bytes()). Commands time out after the disk queue's own
 * timeout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <scsi/scsi.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>

#include "pt.h"

/*
 * The Block Limits VPD page (B0h) the disk returned, @done bytes of it in
 * cmd->sg: its MAXIMUM TRANSFER LENGTH (0 is no limit) and OPTIMAL
 * TRANSFER LENGTH are cut to what a command through ktgt may move, so
 * that initiators never send more than the disk's queue takes. Any
 * context.
 */
static void pt_block_limits(struct ktgt_cmd *cmd, struct scsi_device *sdev,
			    u32 done)
{
	u32 max, v, bs;
	u8 b[8];

	if (cmd->cdb[0] != INQUIRY || !(cmd->cdb[1] & 0x01) ||
	    cmd->cdb[2] != 0xb0 || done < 16)
		return;
	if (sg_pcopy_to_buffer(cmd->sg, cmd->sg_cnt, b, sizeof(b), 8) !=
	    sizeof(b))
		return;
	bs = ktgt_device_params(cmd->core.dev)->block_size;
	max = bs ? pt_max_xfer_bytes(sdev) / bs : 0;
	v = get_unaligned_be32(&b[0]);
	if (!v || v > max)
		put_unaligned_be32(max, &b[0]);
	v = get_unaligned_be32(&b[4]);
	if (v > max)
		put_unaligned_be32(max, &b[4]);
	sg_pcopy_from_buffer(cmd->sg, cmd->sg_cnt, b, sizeof(b), 8);
}

/* Whether @cmd ends with the device's CAPACITY DATA HAS CHANGED. */
static bool pt_capacity_changed(const struct ktgt_cmd *cmd)
{
	struct scsi_sense_hdr sshdr;

	return cmd->status == KTGT_SAM_CHECK_CONDITION &&
	       scsi_normalize_sense(cmd->sense, cmd->sense_len, &sshdr) &&
	       sshdr.sense_key == UNIT_ATTENTION && sshdr.asc == 0x2a &&
	       sshdr.ascq == 0x09;
}

/*
 * The Block Limits fix-up; and a CAPACITY DATA HAS CHANGED (06h/2Ah/09h)
 * makes pt_disk_resync() read the capacity before @cmd completes. Any
 * context.
 */
static bool pt_disk_done(struct pt_dev *pd, struct ktgt_cmd *cmd, u32 done)
{
	if (cmd->status == KTGT_SAM_GOOD)
		pt_block_limits(cmd, pd->sdev, done);
	return pt_capacity_changed(cmd);
}

/*
 * The device's capacity and logical block size, which must be the
 * ktgt device's blocksize: the core checks LBA ranges and computes
 * transfer lengths with it. -EIO if the device does not answer,
 * -EINVAL for a block size mismatch.
 */
static int pt_set_capacity(struct pt_dev *pd)
{
	struct scsi_device *sdev = pd->sdev;
	const char *name = ktgt_device_name(pd->dev);
	u32 want = ktgt_device_params(pd->dev)->block_size;
	u8 cdb[16] = { 0 };
	u64 last = 0;
	u32 bs = 0, phys = 0;
	u8 *buf;
	int ret;

	buf = kzalloc(32, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cdb[0] = SERVICE_ACTION_IN_16;
	cdb[1] = SAI_READ_CAPACITY_16;
	put_unaligned_be32(32, &cdb[10]);
	ret = pt_internal_in(pd, cdb, buf, 32);
	if (!ret) {
		last = get_unaligned_be64(&buf[0]);
		bs = get_unaligned_be32(&buf[8]);
		phys = bs << (buf[13] & 0x0f);
	} else {
		memset(cdb, 0, sizeof(cdb));
		cdb[0] = READ_CAPACITY;
		ret = pt_internal_in(pd, cdb, buf, 8);
		if (!ret && get_unaligned_be32(&buf[0]) == 0xffffffff)
			ret = -EIO;	/* needs READ CAPACITY(16) */
		if (!ret) {
			last = get_unaligned_be32(&buf[0]);
			bs = get_unaligned_be32(&buf[4]);
		}
	}
	kfree(buf);
	if (ret) {
		pr_info("%s: %s does not answer READ CAPACITY\n", name,
			dev_name(&sdev->sdev_gendev));
		return ret;
	}
	if (bs != want) {
		pr_info("%s: %s has %u-byte blocks: set blocksize to %u\n",
			name, dev_name(&sdev->sdev_gendev), bs, bs);
		return -EINVAL;
	}
	ktgt_device_set_capacity(pd->dev, last + 1);
	ktgt_device_set_phys_block_size(pd->dev, phys);
	return 0;
}

static int pt_resync_size(struct ktgt_device *dev)
{
	struct pt_dev *pd = ktgt_device_priv(dev);
	int ret = -ENODEV;

	mutex_lock(&pd->lock);
	if (pd->sdev)
		ret = pt_set_capacity(pd);
	mutex_unlock(&pd->lock);
	return ret;
}

/*
 * The disk said CAPACITY DATA HAS CHANGED to @cmd: its capacity is read
 * again before @cmd completes. The core raises its own unit attention
 * for the other initiators when the capacity differs. Process context.
 */
static void pt_disk_resync(struct pt_dev *pd, struct ktgt_cmd *cmd)
{
	pt_resync_size(pd->dev);
}

static const struct pt_kind pt_disk_kind = {
	.pdt		= TYPE_DISK,
	.what		= "disk",
	.setup		= pt_set_capacity,
	.done		= pt_disk_done,
	.resync		= pt_disk_resync,
};

static int pt_disk_alloc(struct ktgt_device *dev)
{
	return pt_dev_alloc(dev, &pt_disk_kind);
}

struct ktgt_dev_type pt_disk_type = {
	.name		= "pt_disk",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_DISK,
	.dev_alloc	= pt_disk_alloc,
	.dev_free	= pt_dev_free,
	.enable		= pt_enable,
	.disable	= pt_disable,
	.resync_size	= pt_resync_size,
	.dev_attrs	= pt_attrs,
	.exec		= pt_exec,
};
