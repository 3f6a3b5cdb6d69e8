// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_pt: pass-through of a SCSI medium changer of this kernel
 * ("pt_changer").
 *
 * A pt_changer device exports a medium changer (PERIPHERAL DEVICE TYPE
 * 08h) the kernel already has, the robot of an FC or SAS tape library,
 * through pt_core.c's machinery: its header says what the core keeps
 * (REPORT LUNS, REQUEST SENSE, unit attentions, task management,
 * reservations), what is not passed through (vendor specific opcodes,
 * ABORT TASK and LOGICAL UNIT RESET on the changer), and the lifetimes
 * and locking. The core decodes the changer's commands with its SMC
 * table (core/cdb.c): what that table lacks is refused with INVALID
 * COMMAND OPERATION CODE. A changer has no block length or capacity to
 * track: its commands, data and sense pass unchanged.
 *
 * Timeouts: a robot takes minutes to move a cartridge and up to an hour
 * to scan its barcodes. INITIALIZE ELEMENT STATUS (and its WITH RANGE
 * form) times out after init_timeout (ch's timeout_init, 3600 s); MOVE
 * MEDIUM, EXCHANGE MEDIUM, POSITION TO ELEMENT and READ ELEMENT STATUS
 * after move_timeout (ch's timeout_move, 300 s, which ch gives every
 * command); every other command after the device queue's own timeout:
 * module parameters changer_init_timeout and changer_move_timeout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <scsi/scsi.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>

#include "pt.h"

/* ch's timeout_move and timeout_init (drivers/scsi/ch.c), in seconds. */
static unsigned int pt_changer_move_timeout_s = 300;
module_param_named(changer_move_timeout, pt_changer_move_timeout_s, uint,
		   0644);
MODULE_PARM_DESC(changer_move_timeout,
		 "pt_changer: timeout of MOVE MEDIUM, EXCHANGE MEDIUM, POSITION TO ELEMENT, READ ELEMENT STATUS in seconds (default 300)");

static unsigned int pt_changer_init_timeout_s = 3600;
module_param_named(changer_init_timeout, pt_changer_init_timeout_s, uint,
		   0644);
MODULE_PARM_DESC(changer_init_timeout,
		 "pt_changer: timeout of INITIALIZE ELEMENT STATUS in seconds (default 3600)");

/* SMC opcodes the kernel's headers do not name. */
#define PT_OP_INIT_ELEMENT_STATUS	0x07
#define PT_OP_POSITION_TO_ELEMENT	0x2b
#define PT_OP_INIT_ELEMENT_STATUS_RANGE	0x37
#define PT_OP_EXCHANGE_MEDIUM		0xa6

/* The most a timeout may be, in seconds: a day, well within jiffies. */
#define PT_CHANGER_MAX_TIMEOUT_S	(24U * 3600)

static unsigned int pt_changer_secs(unsigned int s)
{
	return min(s ? s : 1, PT_CHANGER_MAX_TIMEOUT_S) * HZ;
}

/* The request timeout of @cmd (see the top of the file). */
static unsigned int pt_changer_timeout(const struct ktgt_cmd *cmd)
{
	switch (cmd->cdb[0]) {
	case PT_OP_INIT_ELEMENT_STATUS:
	case PT_OP_INIT_ELEMENT_STATUS_RANGE:
		return pt_changer_secs(READ_ONCE(pt_changer_init_timeout_s));
	case MOVE_MEDIUM:
	case PT_OP_EXCHANGE_MEDIUM:
	case PT_OP_POSITION_TO_ELEMENT:
	case READ_ELEMENT_STATUS:
		return pt_changer_secs(READ_ONCE(pt_changer_move_timeout_s));
	default:
		return 0;
	}
}

/* ->enable: nothing to read of a changer. */
static int pt_changer_setup(struct pt_dev *pd)
{
	return 0;
}

static const struct pt_kind pt_changer_kind = {
	.pdt		= TYPE_MEDIUM_CHANGER,
	.what		= "medium changer",
	.setup		= pt_changer_setup,
	.timeout	= pt_changer_timeout,
};

static int pt_changer_alloc(struct ktgt_device *dev)
{
	return pt_dev_alloc(dev, &pt_changer_kind);
}

struct ktgt_dev_type pt_changer_type = {
	.name		= "pt_changer",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_MEDIUM_CHANGER,
	.dev_alloc	= pt_changer_alloc,
	.dev_free	= pt_dev_free,
	.enable		= pt_enable,
	.disable	= pt_disable,
	.dev_attrs	= pt_attrs,
	.exec		= pt_exec,
};
