// SPDX-License-Identifier: GPL-2.0
/*
 * vdisk_nullio: a direct-access logical unit without backing store, the
 * benchmark fast path: reads return zeros, writes are dropped, SYNCHRONIZE
 * CACHE and UNMAP do nothing. ->rw never sleeps (exec_atomic), so the core
 * may run it in the submitter's context.
 *
 *   handlers/vdisk_nullio/<dev>/size       capacity in bytes; required
 *                                          before enabling. A new value
 *                                          written while enabled takes
 *                                          effect with resync_size.
 *   handlers/vdisk_nullio/<dev>/zero_reads 1 (default): reads return
 *                                          zeros. 0: reads leave the
 *                                          data buffer untouched, like
 *                                          LIO's rd_nullio=1, scsi_debug
 *                                          fake_rw=1 and null_blk: for
 *                                          benchmarks only, as the data
 *                                          returned is whatever the
 *                                          buffer held (through iSCSI,
 *                                          pool pages of earlier commands
 *                                          of any initiator). Zeroing
 *                                          1 MiB costs more than the
 *                                          whole rest of the command.
 *   handlers/vdisk_nullio/<dev>/delay_ms   TEST ONLY, default 0: when
 *                                          above 0, every READ/WRITE
 *                                          completes asynchronously that
 *                                          many milliseconds after it
 *                                          started (for task management
 *                                          tests that need commands in
 *                                          flight). At most 60000.
 *                                          Writing it also re-arms the
 *                                          commands of this device
 *                                          still being delayed to end
 *                                          at most that many ms from
 *                                          now: 0 releases them, so a
 *                                          test holds a command as long
 *                                          as it needs and no longer.
 *
 * The delayed completion allocates a small tracking structure per
 * command (GFP_ATOMIC); if that fails the command completes at once.
 * The works run on the module's own workqueue, which module exit drains.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <scsi/scsi_proto.h>

#include "vdisk.h"

#define NULLIO_MAX_DELAY_MS	60000

/**
 * struct nullio_delayed - a command whose completion is delayed (test only)
 * @work: runs ktgt_cmd_done() after the delay
 * @cmd: the command, its status already set
 * @vd: the device it runs on
 * @end: when @work is due, in jiffies
 * @node: in nullio_delayed_list until @work starts; under
 *	nullio_delayed_lock
 *
 * Lifetime: allocated by nullio_delay(), freed by @work. Only the thread
 * that wins cancel_delayed_work() on a listed entry may queue @work again,
 * so it never runs twice.
 */
struct nullio_delayed {
	struct delayed_work	work;
	struct ktgt_cmd		*cmd;
	struct vdisk_dev	*vd;
	unsigned long		end;
	struct list_head	node;
};

static struct workqueue_struct *nullio_wq;
static LIST_HEAD(nullio_delayed_list);
static DEFINE_SPINLOCK(nullio_delayed_lock);	/* nullio_delayed_list */

static void nullio_delayed_done(struct work_struct *work)
{
	struct nullio_delayed *d =
		container_of(to_delayed_work(work), struct nullio_delayed,
			     work);
	unsigned long flags;

	spin_lock_irqsave(&nullio_delayed_lock, flags);
	list_del(&d->node);
	spin_unlock_irqrestore(&nullio_delayed_lock, flags);
	ktgt_cmd_done(d->cmd);
	kfree(d);
}

static enum ktgt_exec_status nullio_delay(struct ktgt_cmd *cmd,
					  struct vdisk_dev *vd,
					  unsigned int ms)
{
	unsigned long delay = msecs_to_jiffies(ms);
	struct nullio_delayed *d;
	unsigned long flags;

	d = kmalloc(sizeof(*d), GFP_ATOMIC);
	if (!d)
		return KTGT_EXEC_DONE;
	d->cmd = cmd;
	d->vd = vd;
	INIT_DELAYED_WORK(&d->work, nullio_delayed_done);
	spin_lock_irqsave(&nullio_delayed_lock, flags);
	d->end = jiffies + delay;
	list_add_tail(&d->node, &nullio_delayed_list);
	queue_delayed_work(nullio_wq, &d->work, delay);
	spin_unlock_irqrestore(&nullio_delayed_lock, flags);
	return KTGT_EXEC_ASYNC;
}

/* Make the commands of @vd being delayed end at most @ms from now. */
static void nullio_rearm(struct vdisk_dev *vd, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct nullio_delayed *d;
	unsigned long flags;

	spin_lock_irqsave(&nullio_delayed_lock, flags);
	list_for_each_entry(d, &nullio_delayed_list, node) {
		if (d->vd != vd || !time_after(d->end, end) ||
		    !cancel_delayed_work(&d->work))
			continue;
		d->end = end;
		queue_delayed_work(nullio_wq, &d->work,
				   time_after(end, jiffies) ? end - jiffies : 0);
	}
	spin_unlock_irqrestore(&nullio_delayed_lock, flags);
}

static enum ktgt_exec_status nullio_rw(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = vdisk_cmd_dev(cmd);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	unsigned int delay = READ_ONCE(vd->delay_ms);

	if (cmd->core.dir == KTGT_DIR_WRITE) {
		ktgt_cmd_good(cmd, 0);
	} else {
		u64 len = (u64)cmd->core.nr_blocks *
			  ktgt_device_params(dev)->block_size;
		u32 n = min_t(u64, len, cmd->bufflen);

		if (n && !READ_ONCE(vd->no_zero_reads))
			n = sg_zero_buffer(cmd->sg, cmd->sg_cnt, n, 0);
		ktgt_cmd_good(cmd, n);
	}
	if (unlikely(delay))
		return nullio_delay(cmd, vd, delay);
	return KTGT_EXEC_DONE;
}

static int nullio_sync(struct ktgt_device *dev)
{
	return 0;
}

static int nullio_unmap(struct ktgt_device *dev, u64 lba, u64 nr)
{
	return ktgt_device_params(dev)->thin_provisioned ? 0 : -EOPNOTSUPP;
}

/* Apply vd->size; caller holds vd->lock. */
static int nullio_set_capacity(struct ktgt_device *dev, struct vdisk_dev *vd)
{
	u32 bs = ktgt_device_params(dev)->block_size;

	if (vd->size < bs) {
		pr_err("%s: size must be at least one %u-byte block\n",
		       ktgt_device_name(dev), bs);
		return -EINVAL;
	}
	ktgt_device_set_capacity(dev, div_u64(vd->size, bs));
	return 0;
}

static int nullio_enable(struct ktgt_device *dev)
{
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	int ret;

	mutex_lock(&vd->lock);
	ret = nullio_set_capacity(dev, vd);
	mutex_unlock(&vd->lock);
	return ret;
}

static void nullio_disable(struct ktgt_device *dev)
{
}

static int nullio_resync_size(struct ktgt_device *dev)
{
	return nullio_enable(dev);
}

static ssize_t nullio_size_show(struct config_item *item, char *page)
{
	struct vdisk_dev *vd = vdisk_from_item(item);
	u64 size;

	mutex_lock(&vd->lock);
	size = vd->size;
	mutex_unlock(&vd->lock);
	return scnprintf(page, PAGE_SIZE, "%llu\n", size);
}

static ssize_t nullio_size_store(struct config_item *item, const char *page,
				 size_t count)
{
	struct vdisk_dev *vd = vdisk_from_item(item);
	u64 size;
	int ret;

	ret = kstrtou64(page, 0, &size);
	if (ret || !size)
		return -EINVAL;
	mutex_lock(&vd->lock);
	vd->size = size;
	mutex_unlock(&vd->lock);
	return count;
}

static ssize_t nullio_delay_ms_show(struct config_item *item, char *page)
{
	return scnprintf(page, PAGE_SIZE, "%u\n",
			 READ_ONCE(vdisk_from_item(item)->delay_ms));
}

static ssize_t nullio_delay_ms_store(struct config_item *item,
				     const char *page, size_t count)
{
	unsigned int ms;

	if (kstrtouint(page, 0, &ms) || ms > NULLIO_MAX_DELAY_MS)
		return -EINVAL;
	WRITE_ONCE(vdisk_from_item(item)->delay_ms, ms);
	nullio_rearm(vdisk_from_item(item), ms);
	return count;
}

static ssize_t nullio_zero_reads_show(struct config_item *item, char *page)
{
	return scnprintf(page, PAGE_SIZE, "%d\n",
			 !READ_ONCE(vdisk_from_item(item)->no_zero_reads));
}

static ssize_t nullio_zero_reads_store(struct config_item *item,
				       const char *page, size_t count)
{
	bool zero;

	if (kstrtobool(page, &zero))
		return -EINVAL;
	WRITE_ONCE(vdisk_from_item(item)->no_zero_reads, !zero);
	return count;
}

CONFIGFS_ATTR(nullio_, size);
CONFIGFS_ATTR(nullio_, delay_ms);
CONFIGFS_ATTR(nullio_, zero_reads);

static struct configfs_attribute *nullio_attrs[] = {
	&nullio_attr_size,
	&nullio_attr_delay_ms,
	&nullio_attr_zero_reads,
	NULL,
};

static const struct ktgt_sbc_ops nullio_sbc_ops = {
	.rw	= nullio_rw,
	.sync	= nullio_sync,
	.unmap	= nullio_unmap,
};

struct ktgt_dev_type vdisk_nullio_type = {
	.name		= "vdisk_nullio",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_DISK,
	.dev_alloc	= vdisk_dev_alloc,
	.dev_free	= vdisk_dev_free,
	.enable		= nullio_enable,
	.disable	= nullio_disable,
	.resync_size	= nullio_resync_size,
	.dev_attrs	= nullio_attrs,
	.sbc		= &nullio_sbc_ops,
	.exec_atomic	= true,
};

/**
 * vdisk_nullio_init() - create the workqueue of delayed completions
 *
 * Return: 0 or -ENOMEM.
 */
int vdisk_nullio_init(void)
{
	nullio_wq = alloc_workqueue("ktgt_nullio", 0, 0);
	return nullio_wq ? 0 : -ENOMEM;
}

/**
 * vdisk_nullio_exit() - drain and destroy that workqueue
 */
void vdisk_nullio_exit(void)
{
	destroy_workqueue(nullio_wq);
}
