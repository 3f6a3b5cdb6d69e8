// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_pt: pass-through of a SCSI tape drive of this kernel ("pt_tape").
 *
 * A pt_tape device exports a tape drive (PERIPHERAL DEVICE TYPE 01h) the
 * kernel already has, an FC or SAS LTO drive, as SCST's scst_tape and
 * LIO's pscsi do, through pt_core.c's machinery: its header says what
 * the core keeps (REPORT LUNS, REQUEST SENSE, unit attentions, task
 * management, reservations), what is not passed through (vendor specific
 * opcodes, ABORT TASK and LOGICAL UNIT RESET on the drive), and the
 * lifetimes and locking. The core decodes the drive's commands with its
 * SSC table (core/cdb.c): what that table lacks is refused with INVALID
 * COMMAND OPERATION CODE. What is a tape drive's own:
 *
 * Block length. READ(6) and WRITE(6) with FIXED = 1 count blocks of the
 * drive's current block length, which MODE SELECT changes (mt setblk),
 * not of the LU's blocksize attribute (which has no effect here). The
 * core computes their expected data length, and sizes their buffer,
 * with what pt_tape_xfer_block_size() says at submit: pt_dev.block_len,
 * the BLOCK LENGTH of the drive's mode parameter block descriptor (0:
 * variable-block mode), which is
 * - read at ->enable with a MODE SENSE(6) of header and block
 *   descriptor, as st does at open (a drive that does not answer is
 *   taken as in variable mode, with a log line);
 * - taken from every GOOD MODE SENSE(6)/(10) of current values the
 *   drive returns with a block descriptor (st's own at open among them),
 *   and from the parameter list of every MODE SELECT(6)/(10) the drive
 *   accepted (GOOD) with a block descriptor, as scst_tape does;
 * - read again, before the command completes (a work item), when the
 *   drive answers a command with a unit attention: a reset, a new
 *   medium or mode parameters changed by another host may have changed
 *   it.
 * The block_length attribute shows it (read-only).
 * A FIXED READ(6)/WRITE(6) decoded with another block length than the
 * drive's by the time it executes (a MODE SELECT completed in between)
 * is refused with ILLEGAL REQUEST, INVALID FIELD IN CDB rather than sent
 * with a buffer of the wrong size. Whatever the lengths, the request
 * never maps more than the command's buffer: a drive that moves more
 * data than the request has ends it with the HBA's overrun error.
 *
 * Timeouts: a drive takes minutes to hours to rewind, space, locate,
 * erase, load or write filemarks. Those commands (REWIND, FORMAT MEDIUM,
 * WRITE FILEMARKS, SPACE, ERASE, LOAD UNLOAD, LOCATE) time out after
 * long_timeout (st's ST_LONG_TIMEOUT, 14000 s; a long ERASE eight
 * times that, as st), every other one after timeout (st's ST_TIMEOUT,
 * 900 s): module parameters tape_timeout and tape_long_timeout.
 *
 * Short reads: a READ(6) of a block shorter than asked (variable mode)
 * ends with the drive's CHECK CONDITION, ILI and the residue in
 * INFORMATION, which pass unchanged, as do the bytes it read: in the
 * buffer (bounce pages are copied back with a CHECK CONDITION too) and
 * in the data length handed to ktgt_cmd_set_status().
 *
 * READ BLOCK LIMITS: its MAXIMUM BLOCK LENGTH LIMIT (0 is none) is cut
 * to what one command through ktgt may move (pt_max_xfer_bytes()), so
 * that st never writes larger blocks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <asm/unaligned.h>
#include <scsi/scsi.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>

#include "pt.h"
#include "pt_mode.h"

/* st's ST_TIMEOUT and ST_LONG_TIMEOUT (drivers/scsi/st.h), in seconds. */
static unsigned int pt_tape_timeout_s = 900;
module_param_named(tape_timeout, pt_tape_timeout_s, uint, 0644);
MODULE_PARM_DESC(tape_timeout,
		 "pt_tape: timeout of a tape command in seconds (default 900)");

static unsigned int pt_tape_long_timeout_s = 14000;
module_param_named(tape_long_timeout, pt_tape_long_timeout_s, uint, 0644);
MODULE_PARM_DESC(tape_long_timeout,
		 "pt_tape: timeout of REWIND, SPACE, LOCATE, ERASE, LOAD UNLOAD, WRITE FILEMARKS, FORMAT MEDIUM in seconds (default 14000)");

/* SSC opcodes the kernel's headers do not name. */
#define PT_OP_FORMAT_MEDIUM	0x04
#define PT_OP_WRITE_FILEMARKS_16 0x80
#define PT_OP_SPACE_16		0x91
#define PT_OP_LOCATE_16		0x92
#define PT_OP_ERASE_16		0x93

/* The most a timeout may be, in seconds: a day, well within jiffies. */
#define PT_TAPE_MAX_TIMEOUT_S	(24U * 3600)

static unsigned int pt_tape_secs(unsigned int s)
{
	return min(s ? s : 1, PT_TAPE_MAX_TIMEOUT_S) * HZ;
}

/* The request timeout of @cmd (see the top of the file). */
static unsigned int pt_tape_timeout(const struct ktgt_cmd *cmd)
{
	unsigned int t = pt_tape_secs(READ_ONCE(pt_tape_long_timeout_s));

	switch (cmd->cdb[0]) {
	case ERASE:
	case PT_OP_ERASE_16:
		/* LONG = 1 (byte 1 bit 0) without IMMED: the whole medium. */
		return (cmd->cdb[1] & 0x03) == 0x01 ? 8 * t : t;
	case REZERO_UNIT:		/* REWIND */
	case PT_OP_FORMAT_MEDIUM:
	case WRITE_FILEMARKS:
	case PT_OP_WRITE_FILEMARKS_16:
	case SPACE:
	case PT_OP_SPACE_16:
	case START_STOP:		/* LOAD UNLOAD */
	case SEEK_10:			/* LOCATE(10) */
	case PT_OP_LOCATE_16:
		return t;
	default:
		return pt_tape_secs(READ_ONCE(pt_tape_timeout_s));
	}
}

/* ->xfer_block_size: the drive's block length, for the core's decode. */
static u32 pt_tape_xfer_block_size(const struct ktgt_device *dev)
{
	struct pt_dev *pd = ktgt_device_priv(dev);

	return pd ? READ_ONCE(pd->block_len) : 0;
}

/* Whether @cmd is a READ(6) or WRITE(6) of fixed-length blocks. */
static bool pt_tape_fixed_rw(const struct ktgt_cmd *cmd)
{
	return (cmd->cdb[0] == READ_6 || cmd->cdb[0] == WRITE_6) &&
	       (cmd->cdb[1] & 0x01);
}

/*
 * A FIXED READ(6)/WRITE(6) decoded with the block length the drive has
 * now goes on; one decoded with another (a MODE SELECT completed since)
 * would move a buffer of the wrong size: INVALID FIELD IN CDB.
 */
static int pt_tape_check(struct pt_dev *pd, struct ktgt_cmd *cmd)
{
	u64 want;

	if (!pt_tape_fixed_rw(cmd))
		return 0;
	want = (u64)get_unaligned_be24(&cmd->cdb[2]) * READ_ONCE(pd->block_len);
	if (want == cmd->core.xfer_len)
		return 0;
	ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
				 PT_ASC_INVALID_FIELD, 0);
	return 1;
}

/*
 * The block length in @len bytes of mode parameter data at the start of
 * cmd->sg, if they have a block descriptor. Any context.
 */
static void pt_tape_snoop(struct pt_dev *pd, struct ktgt_cmd *cmd, u32 len,
			  bool ten)
{
	u8 b[8 + 16];
	u32 bl;

	if (!cmd->sg)
		return;
	len = (u32)sg_pcopy_to_buffer(cmd->sg, cmd->sg_cnt, b,
				      min_t(u32, len, sizeof(b)), 0);
	if (!pt_mode_block_len(b, len, ten, &bl))
		WRITE_ONCE(pd->block_len, bl);
}

/*
 * READ BLOCK LIMITS data, @done bytes in cmd->sg: MAXIMUM BLOCK LENGTH
 * LIMIT cut to what a command through ktgt may move. Any context.
 */
static void pt_tape_block_limits(struct pt_dev *pd, struct ktgt_cmd *cmd,
				 u32 done)
{
	u32 max = pt_max_xfer_bytes(pd->sdev), v;
	u8 b[3];

	if (done < 4 ||
	    sg_pcopy_to_buffer(cmd->sg, cmd->sg_cnt, b, sizeof(b), 1) !=
	    sizeof(b))
		return;
	v = get_unaligned_be24(b);
	if (v && v <= max)
		return;
	put_unaligned_be24(max, b);
	sg_pcopy_from_buffer(cmd->sg, cmd->sg_cnt, b, sizeof(b), 1);
}

/*
 * The outcome of a command: block lengths in MODE SENSE and MODE SELECT
 * data, the READ BLOCK LIMITS fix-up; a unit attention of the drive
 * makes pt_tape_resync() read the block length again. Any context.
 */
static bool pt_tape_done(struct pt_dev *pd, struct ktgt_cmd *cmd, u32 done)
{
	struct scsi_sense_hdr sshdr;
	u32 out;

	if (cmd->status == KTGT_SAM_GOOD) {
		out = (u32)min_t(u64, cmd->bufflen, cmd->core.xfer_len);
		switch (cmd->cdb[0]) {
		case MODE_SENSE:
		case MODE_SENSE_10:
			/* Current values (PC 00b), not changeable or default. */
			if (!(cmd->cdb[2] & 0xc0))
				pt_tape_snoop(pd, cmd, done,
					      cmd->cdb[0] == MODE_SENSE_10);
			break;
		case MODE_SELECT:
		case MODE_SELECT_10:
			pt_tape_snoop(pd, cmd, out,
				      cmd->cdb[0] == MODE_SELECT_10);
			break;
		case READ_BLOCK_LIMITS:
			pt_tape_block_limits(pd, cmd, done);
			break;
		}
		return false;
	}
	return cmd->status == KTGT_SAM_CHECK_CONDITION &&
	       scsi_normalize_sense(cmd->sense, cmd->sense_len, &sshdr) &&
	       sshdr.sense_key == UNIT_ATTENTION;
}

/*
 * The drive's block length from a MODE SENSE(6) of header and block
 * descriptor. 0 or -EIO. Called with pd->lock held.
 */
static int pt_tape_read_block_len(struct pt_dev *pd)
{
	u8 cdb[6] = { MODE_SENSE, 0, 0, 0, 12, 0 };
	u32 bl;
	u8 *buf;
	int ret;

	buf = kzalloc(12, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = pt_internal_in(pd, cdb, buf, 12);
	if (!ret)
		ret = pt_mode_block_len(buf, 12, false, &bl) ? -EIO : 0;
	kfree(buf);
	if (!ret)
		WRITE_ONCE(pd->block_len, bl);
	return ret;
}

/* ->enable: the drive's block length (variable mode if it says none). */
static int pt_tape_setup(struct pt_dev *pd)
{
	if (pt_tape_read_block_len(pd)) {
		pr_info("%s: %s: no block length in MODE SENSE: variable-block mode assumed\n",
			ktgt_device_name(pd->dev),
			dev_name(&pd->sdev->sdev_gendev));
		WRITE_ONCE(pd->block_len, 0);
	}
	return 0;
}

/* After a unit attention of the drive. Process context. */
static void pt_tape_resync(struct pt_dev *pd, struct ktgt_cmd *cmd)
{
	mutex_lock(&pd->lock);
	if (pd->sdev)
		pt_tape_read_block_len(pd);
	mutex_unlock(&pd->lock);
}

static const struct pt_kind pt_tape_kind = {
	.pdt		= TYPE_TAPE,
	.what		= "tape drive",
	.setup		= pt_tape_setup,
	.check		= pt_tape_check,
	.timeout	= pt_tape_timeout,
	.done		= pt_tape_done,
	.resync		= pt_tape_resync,
};

static int pt_tape_alloc(struct ktgt_device *dev)
{
	return pt_dev_alloc(dev, &pt_tape_kind);
}

struct ktgt_dev_type pt_tape_type = {
	.name		= "pt_tape",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_TAPE,
	.dev_alloc	= pt_tape_alloc,
	.dev_free	= pt_dev_free,
	.enable		= pt_enable,
	.disable	= pt_disable,
	.dev_attrs	= pt_tape_attrs,
	.exec		= pt_exec,
	.xfer_block_size = pt_tape_xfer_block_size,
};
