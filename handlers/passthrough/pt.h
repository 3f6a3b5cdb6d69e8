/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_pt: what the pass-through device types (pt_disk.c, pt_tape.c,
 * pt_changer.c) share with the common part (pt_core.c): the device, its scsi_device
 * and the hooks of each type. See pt_core.c for the lifetimes and the
 * locking.
 */
#ifndef KTGT_PT_H
#define KTGT_PT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <ktgt/ktgt.h>

#include "pt_hctl.h"

/* Sense codes of the errors the handler reports itself. */
#define PT_ASC_LUN_COMM		0x08	/* LOGICAL UNIT COMMUNICATION ... */
#define PT_ASCQ_COMM_FAILURE	0x00	/* ... FAILURE */
#define PT_ASCQ_COMM_TIMEOUT	0x01	/* ... TIME-OUT */
#define PT_ASC_INVALID_OPCODE	0x20	/* INVALID COMMAND OPERATION CODE */
#define PT_ASC_INVALID_FIELD	0x24	/* INVALID FIELD IN CDB */
#define PT_ASC_INTERNAL_FAILURE	0x44	/* INTERNAL TARGET FAILURE */
#define PT_ASC_PARITY		0x47	/* SCSI PARITY ERROR */

/*
 * Tries of an internal command (READ CAPACITY, MODE SENSE) past unit
 * attentions and a busy host or device.
 */
#define PT_INTERNAL_TRIES	5
#define PT_INTERNAL_TIMEOUT	(30 * HZ)

struct pt_dev;
struct scsi_device;

/**
 * struct pt_kind - what one pass-through device type does its own way
 * @pdt: the PERIPHERAL DEVICE TYPE of the scsi_devices it exports
 * @what: that type in log lines ("disk", "tape drive", "medium changer")
 * @setup: ->enable, once the scsi_device is held (pd->sdev): read what
 *	the core needs of it (a disk's capacity, a tape drive's block
 *	length). 0 or a negative errno, which fails the enable. Called with
 *	pd->lock held; may sleep.
 * @check: optional; ->exec, before the request: 0 to send @cmd, else
 *	@cmd was completed. Process context.
 * @timeout: optional; the request timeout of @cmd, in jiffies; 0 (or no
 *	@timeout) is the device queue's own. Process context.
 * @done: optional; @cmd completed by the device with @done bytes of
 *	data-in in cmd->sg (its status and sense already set): look at or
 *	amend what it returned. Return true when @resync must run, in
 *	process context, before @cmd completes. Any context, hard
 *	interrupts included: must not sleep.
 * @resync: process context, after @done returned true; @cmd is in flight,
 *	so the device is enabled and pd->sdev set. May sleep.
 */
struct pt_kind {
	u8		pdt;
	const char	*what;
	int		(*setup)(struct pt_dev *pd);
	int		(*check)(struct pt_dev *pd, struct ktgt_cmd *cmd);
	unsigned int	(*timeout)(const struct ktgt_cmd *cmd);
	bool		(*done)(struct pt_dev *pd, struct ktgt_cmd *cmd,
				u32 done);
	void		(*resync)(struct pt_dev *pd, struct ktgt_cmd *cmd);
};

/**
 * struct pt_dev - a pass-through device
 * @dev: the ktgt device
 * @kind: its type's hooks
 * @lock: serialises @hctl and @sdev changes (attribute stores, ->enable,
 *	->disable) and the type's own state read at @setup and @resync
 * @hctl: the scsi_device to export, from the scsi_device attribute
 * @hctl_set: @hctl was set
 * @sdev: the device, held from ->enable to ->disable; NULL otherwise
 * @node: in pt_exported while @sdev is set
 * @block_len: pt_tape: the drive's current block length, 0 in variable
 *	mode; written under @lock or by a command's completion (one at a
 *	time: see pt_tape.c), read anywhere with READ_ONCE()
 */
struct pt_dev {
	struct ktgt_device	*dev;
	const struct pt_kind	*kind;
	struct mutex		lock;	/* see above */
	struct pt_hctl		hctl;
	bool			hctl_set;
	struct scsi_device	*sdev;
	struct list_head	node;
	u32			block_len;
};

/* The public API has no accessor for a command's device yet. */
static inline struct pt_dev *pt_cmd_dev(const struct ktgt_cmd *cmd)
{
	return ktgt_device_priv(cmd->core.dev);
}

/* pt_core.c, for the types: */
extern struct configfs_attribute *pt_attrs[];
extern struct configfs_attribute *pt_tape_attrs[];
int pt_dev_alloc(struct ktgt_device *dev, const struct pt_kind *kind);
void pt_dev_free(struct ktgt_device *dev);
int pt_enable(struct ktgt_device *dev);
void pt_disable(struct ktgt_device *dev);
enum ktgt_exec_status pt_exec(struct ktgt_cmd *cmd);
u32 pt_max_xfer_bytes(struct scsi_device *sdev);
int pt_internal_in(struct pt_dev *pd, const u8 *cdb, u8 *buf,
		   unsigned int len);
void pt_pass_ua(struct pt_dev *pd, u8 asc, u8 ascq, struct ktgt_cmd *except);

/* The types, for pt_core.c's module init. */
extern struct ktgt_dev_type pt_disk_type;
extern struct ktgt_dev_type pt_tape_type;
extern struct ktgt_dev_type pt_changer_type;

#endif /* KTGT_PT_H */
