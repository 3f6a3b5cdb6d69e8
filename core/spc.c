// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: emulation of the SPC-4 commands every device type shares:
 * INQUIRY, TEST UNIT READY, MODE SENSE/SELECT, LOG SENSE, REPORT SUPPORTED
 * OPERATION CODES, START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL.
 *
 * The bytes come from core/spc_data.c (portable, host-tested); this file
 * describes the device to it, moves data between it and the command's
 * buffer, and keeps the device's runtime mode state.
 *
 * Who calls this
 * ==============
 * - Direct-access devices (&ktgt_dev_type.sbc): core/sbc.c, for whatever
 *   it does not execute itself.
 * - Other device types: their handler's ->exec, for the commands it does
 *   not implement itself (vcdrom answers TEST UNIT READY and START STOP
 *   UNIT from its medium state and passes the rest here, PREVENT ALLOW
 *   MEDIUM REMOVAL and the mode pages, its MM capabilities page 2Ah
 *   included). That needs the engine to call ->exec first, so that a
 *   handler sees the whole command and decides; for a type without
 *   ->exec the engine calls this directly.
 *
 * Context
 * =======
 * Everything here except MODE SELECT never sleeps and allocates at most
 * through the engine's ktgt_cmd_buf() (GFP_ATOMIC when the engine
 * executes in atomic context), so it may run in an atomic submitter's
 * context on an exec_atomic device. MODE SELECT may sleep (it queues unit
 * attentions), START STOP UNIT and a CD-ROM's MODE SENSE (LOCK STATE)
 * walk every session (ktgt_sessions' xa_lock, taken in process context
 * only), and the SBC commands that wait for internal I/O (core/sbc.c)
 * may sleep: ktgt_spc_needs_thread() lists them, and the engine runs
 * those on its workers only.
 *
 * Mode state
 * ==========
 * The changeable mode parameters live in ktgt_device.spc_flags (atomic
 * bitops, KTGT_SPC_* bits, see ktgt_internal.h), zero meaning "as the
 * device's parameters say": WCE defaults to !write_through, D_SENSE to 0.
 * The state is per device (all I_T nexuses share it; SPC-4 allows that
 * for mode pages whose parameters are not per nexus) and is never saved
 * (MODE SELECT with SP = 1 is refused).
 *
 * MODE SELECT is a read-modify-write of the whole state: it reads the
 * current values, validates the parameter list against them and writes
 * every changeable parameter (those of the pages it did not send
 * unchanged). MODE SELECTs of one device may run at once (different I_T
 * nexuses, or SIMPLE tasks of one on several workers), so the write is
 * one cmpxchg of spc_flags against the word the values were read from,
 * redone from the start when another MODE SELECT changed it meanwhile:
 * each MODE SELECT takes effect whole and in some order, and none loses
 * another's change. No lock: readers (MODE SENSE, the engine's QERR, TAS,
 * UA_INTLCK_CTRL and D_SENSE checks) take one READ_ONCE() snapshot of the
 * word, so they see every parameter (and each two-bit field) either
 * before or after a MODE SELECT, never half of one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"
#include "sense.h"
#include "spc_data.h"
#include "ua_queue.h"

/* Additional sense codes used here (SPC-4 table D.1). */
#define SPC_ASC_MEDIUM_REMOVAL_PREVENTED	0x53	/* ASCQ 02h */

/*
 * ---------------------------------------------------------------------
 * Helpers shared with sbc.c
 * ---------------------------------------------------------------------
 */

/* The mode parameters below, from one snapshot @f of spc_flags. */
static bool spc_f_d_sense(unsigned long f)
{
	return f & BIT(KTGT_SPC_D_SENSE);
}

static bool spc_f_wce(const struct ktgt_device *dev, unsigned long f)
{
	return !dev->params.write_through ^ !!(f & BIT(KTGT_SPC_WCE_FLIP));
}

static bool spc_f_tas(unsigned long f)
{
	return !(f & BIT(KTGT_SPC_TAS_OFF));
}

static u8 spc_f_ua_intlck(unsigned long f)
{
	if (!(f & BIT(KTGT_SPC_UA_INTLCK_10)))
		return 0;
	return f & BIT(KTGT_SPC_UA_INTLCK_11) ? 3 : 2;
}

static u8 spc_f_qerr(unsigned long f)
{
	if (!(f & BIT(KTGT_SPC_QERR_01)))
		return 0;
	return f & BIT(KTGT_SPC_QERR_11) ? 3 : 1;
}

bool ktgt_spc_d_sense(const struct ktgt_device *dev)
{
	return spc_f_d_sense(READ_ONCE(dev->spc_flags));
}

bool ktgt_spc_wce(const struct ktgt_device *dev)
{
	return spc_f_wce(dev, READ_ONCE(dev->spc_flags));
}

bool ktgt_spc_thin(const struct ktgt_device *dev)
{
	const struct ktgt_sbc_ops *ops = dev->type->sbc;

	return dev->params.thin_provisioned && ops && ops->unmap;
}

void ktgt_spc_fail(struct ktgt_cmd *cmd, const struct ktgt_sense_info *s)
{
	ktgt_cmd_sense(cmd, s);
}

void ktgt_spc_describe(const struct ktgt_cmd *cmd, struct ktgt_spc_dev *d)
{
	const struct ktgt_device *dev = cmd->core.dev;
	const struct ktgt_dev_params *p = &dev->params;
	u32 bs = p->block_size ? p->block_size : 512;
	u8 proto;

	memset(d, 0, sizeof(*d));
	d->pdt = dev->type->pdt;
	d->removable = p->removable;
	d->read_only = p->read_only || ktgt_cmd_lun_read_only(cmd);
	d->write_through = p->write_through;
	d->rotational = p->rotational;
	d->thin = ktgt_spc_thin(dev);
	d->lbprz = d->thin && dev->type->sbc && dev->type->sbc->unmap_zeroes;
	/* Default TAS = 1: aborted tasks end with TASK ABORTED. */
	d->tas = true;
	d->block_size = p->block_size;
	d->nr_blocks = ktgt_device_capacity(dev);
	d->lbppbe = ktgt_spc_lbppbe(p->block_size,
				    READ_ONCE(dev->phys_block_size));
	d->vendor = p->vendor_id;
	d->product = p->product_id;
	d->revision = p->revision;
	d->serial = p->serial;
	memcpy(d->naa_id, p->naa_id, sizeof(d->naa_id));

	d->lim.max_xfer_blocks = KTGT_MAX_XFER_BYTES / bs;
	d->lim.max_ws_blocks = KTGT_SBC_MAX_WS_BYTES / bs;
	d->lim.max_unmap_blocks = KTGT_SBC_MAX_UNMAP_BYTES / bs;
	d->lim.max_unmap_descs = KTGT_SBC_MAX_UNMAP_DESCS;
	d->lim.max_caw_blocks = KTGT_SBC_MAX_CAW_BLOCKS;
	/*
	 * VPD 83h: every target port has its RELATIVE TARGET PORT
	 * IDENTIFIER (the target's rel_tgt_id, stable while it exists),
	 * with or without ALUA; ALUA adds TPGS and the target port group.
	 */
	d->rel_port = READ_ONCE(cmd->sess->tgt->rel_tgt_id);
	ktgt_alua_describe(cmd, d);
	/* The transport's protocol, for the port's designators. */
	ktgt_session_port_id(cmd->sess, &proto);
	d->port_proto = proto;
	d->port_piv = proto != KTGT_PROTO_NONE;
	/* iSCSI: the port's and the target's SCSI name strings. */
	if (READ_ONCE(cmd->sess->has_tpgt)) {
		if (proto == KTGT_PROTO_ISCSI) {
			d->iscsi_name = ktgt_target_name(cmd->sess->tgt);
			d->tpgt = READ_ONCE(cmd->sess->tpgt);
		}
	}
}

/* The bytes of data-in the command can take: its buffer and allocation. */
static u32 spc_din_room(const struct ktgt_cmd *cmd)
{
	if (!cmd->sg)
		return 0;
	return (u32)min_t(u64, cmd->bufflen, cmd->core.xfer_len);
}

void ktgt_spc_send(struct ktgt_cmd *cmd, const void *buf, u32 len)
{
	u32 n = min(len, spc_din_room(cmd));

	if (n)
		n = sg_copy_from_buffer(cmd->sg, cmd->sg_cnt, buf, n);
	ktgt_cmd_good(cmd, n);
}

/*
 * The buffer data-in of @full bytes is built in, cut to what the command
 * takes (*@n bytes). NULL if there is none: then the command is already
 * ended (GOOD with no data, or the allocation's error). Otherwise the
 * caller builds *@n bytes into it and calls spc_din_done().
 */
static u8 *spc_din_buf(struct ktgt_cmd *cmd, u32 full, u32 *n)
{
	u8 *buf;

	*n = min(full, spc_din_room(cmd));
	if (!*n) {
		ktgt_cmd_good(cmd, 0);
		return NULL;
	}
	buf = ktgt_cmd_buf(cmd, *n);
	if (!buf)
		ktgt_cmd_io_error(cmd, -ENOMEM);
	return buf;
}

static void spc_din_done(struct ktgt_cmd *cmd, u8 *buf, u32 n)
{
	ktgt_cmd_buf_put(cmd, buf);
	ktgt_cmd_good(cmd, n);
}

/*
 * ---------------------------------------------------------------------
 * The commands
 * ---------------------------------------------------------------------
 */

/*
 * INQUIRY's data (up to KTGT_SPC_VPD_MAX_LEN bytes: too much for the
 * stack of an atomic submitter, and over the frame limit of a KASAN
 * build) is built straight into the command's buffer, as REPORT
 * SUPPORTED OPERATION CODES' is: first the checks and the size.
 */
static void spc_inquiry(struct ktgt_cmd *cmd)
{
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u32 full, n;
	u8 *buf;

	ktgt_spc_describe(cmd, &d);
	if (ktgt_spc_inquiry(&d, cmd->cdb, NULL, 0, &full, &err)) {
		ktgt_spc_fail(cmd, &err);
		return;
	}
	buf = spc_din_buf(cmd, full, &n);
	if (!buf)
		return;
	ktgt_spc_inquiry(&d, cmd->cdb, buf, n, &full, &err);
	spc_din_done(cmd, buf, n);
}

/* The current mode parameter values of snapshot @f of dev->spc_flags. */
static void spc_mode_of(const struct ktgt_device *dev, unsigned long f,
			struct ktgt_spc_mode *m)
{
	m->wce = spc_f_wce(dev, f);
	m->d_sense = spc_f_d_sense(f);
	m->tas = spc_f_tas(f);
	m->ua_intlck = spc_f_ua_intlck(f);
	m->qerr = spc_f_qerr(f);
}

/* Snapshot @f of dev->spc_flags with the mode parameters of @m. */
static unsigned long spc_flags_of(const struct ktgt_device *dev,
				  unsigned long f,
				  const struct ktgt_spc_mode *m)
{
	f &= ~(BIT(KTGT_SPC_WCE_FLIP) | BIT(KTGT_SPC_D_SENSE) |
	       BIT(KTGT_SPC_TAS_OFF) | BIT(KTGT_SPC_UA_INTLCK_10) |
	       BIT(KTGT_SPC_UA_INTLCK_11) | BIT(KTGT_SPC_QERR_01) |
	       BIT(KTGT_SPC_QERR_11));
	/* WCE_FLIP: WCE differs from what write_through implies. */
	if (m->wce == dev->params.write_through)
		f |= BIT(KTGT_SPC_WCE_FLIP);
	if (m->d_sense)
		f |= BIT(KTGT_SPC_D_SENSE);
	if (!m->tas)
		f |= BIT(KTGT_SPC_TAS_OFF);
	/* 11b sets both bits, 10b only UA_INTLCK_10 (01b is refused). */
	if (m->ua_intlck >= 2)
		f |= BIT(KTGT_SPC_UA_INTLCK_10);
	if (m->ua_intlck == 3)
		f |= BIT(KTGT_SPC_UA_INTLCK_11);
	/* 11b sets both bits, 01b only QERR_01 (10b is refused). */
	if (m->qerr)
		f |= BIT(KTGT_SPC_QERR_01);
	if (m->qerr == 3)
		f |= BIT(KTGT_SPC_QERR_11);
	return f;
}

u8 ktgt_spc_qerr(const struct ktgt_device *dev)
{
	return spc_f_qerr(READ_ONCE(dev->spc_flags));
}

bool ktgt_spc_tas(const struct ktgt_device *dev)
{
	return spc_f_tas(READ_ONCE(dev->spc_flags));
}

u8 ktgt_spc_ua_intlck(const struct ktgt_device *dev)
{
	return spc_f_ua_intlck(READ_ONCE(dev->spc_flags));
}

/*
 * ktgt_spc_describe() and what only MODE SENSE and MODE SELECT need: a
 * CD-ROM's LOCK STATE (page 2Ah), which walks every nexus' prevention of
 * medium removal; so the two run in process context on a CD-ROM
 * (ktgt_spc_needs_thread()).
 */
static void spc_describe_mode(struct ktgt_cmd *cmd, struct ktgt_spc_dev *d)
{
	ktgt_spc_describe(cmd, d);
	if (d->pdt == KTGT_PDT_CDROM)
		d->prevented = ktgt_device_removal_prevented(cmd->core.dev);
}

static void spc_mode_sense(struct ktgt_cmd *cmd)
{
	u8 buf[KTGT_SPC_MODE_MAX_LEN];
	struct ktgt_sense_info err;
	struct ktgt_spc_mode m;
	struct ktgt_spc_dev d;
	u32 full;

	spc_describe_mode(cmd, &d);
	spc_mode_of(cmd->core.dev, READ_ONCE(cmd->core.dev->spc_flags), &m);
	if (ktgt_spc_mode_sense(&d, &m, cmd->cdb, buf, sizeof(buf), &full,
				&err)) {
		ktgt_spc_fail(cmd, &err);
		return;
	}
	ktgt_spc_send(cmd, buf, min_t(u32, full, sizeof(buf)));
}

/* LOG SENSE: the supported log pages lists (ktgt_spc_log_sense()). */
static void spc_log_sense(struct ktgt_cmd *cmd)
{
	u8 buf[KTGT_SPC_LOG_MAX_LEN];
	struct ktgt_sense_info err;
	u32 full;

	if (ktgt_spc_log_sense(cmd->cdb, buf, sizeof(buf), &full, &err)) {
		ktgt_spc_fail(cmd, &err);
		return;
	}
	ktgt_spc_send(cmd, buf, min_t(u32, full, sizeof(buf)));
}

/*
 * MODE PARAMETERS CHANGED on every other I_T_L nexus that sees the
 * device (SPC-4 6.9: not the one the MODE SELECT came from). Process
 * context; no ktgt_cfg_mutex (ktgt_dev_walk_nexuses()).
 */
static void spc_raise_mode_changed(struct ktgt_cmd *cmd)
{
	/* The issuing I_T_L nexus, which the unit attention skips. */
	ktgt_ua_raise_dev_except_cmd(cmd->core.dev, KTGT_UAC_MODE, cmd);
}

u32 ktgt_spc_dout_len(const struct ktgt_cmd *cmd)
{
	if (!cmd->sg)
		return 0;
	return (u32)min_t(u64, cmd->core.xfer_len, cmd->bufflen);
}

static void spc_mode_select(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	struct ktgt_spc_mode cur, new;
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u32 len = ktgt_spc_dout_len(cmd);
	unsigned long old, f;
	u8 *param = NULL;
	int ret;

	might_sleep();
	if (len) {
		param = ktgt_cmd_param(cmd, len);
		if (!param) {
			ktgt_cmd_io_error(cmd, -ENOMEM);
			return;
		}
	}
	spc_describe_mode(cmd, &d);
	/* Read, validate, write; again if another MODE SELECT came first. */
	old = READ_ONCE(dev->spc_flags);
	do {
		spc_mode_of(dev, old, &cur);
		ret = ktgt_spc_mode_select(&d, &cur, cmd->cdb, param, len,
					   &new, &err);
		if (ret)
			break;
		f = spc_flags_of(dev, old, &new);
		if (f == old)
			break;
	} while (!try_cmpxchg(&dev->spc_flags, &old, f));
	ktgt_cmd_buf_put(cmd, param);
	if (ret) {
		ktgt_spc_fail(cmd, &err);
		return;
	}
	if (f == old) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	pr_debug("%s: mode select: WCE %d D_SENSE %d\n", ktgt_device_name(dev),
		 new.wce, new.d_sense);
	spc_raise_mode_changed(cmd);
	ktgt_cmd_good(cmd, 0);
}

static void spc_rsoc(struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_table *tbl;
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u32 full, n;
	u8 *buf;

	tbl = ktgt_cdb_table_for_type(cmd->core.dev->type->pdt);
	if (!tbl) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 KTGT_ASC_INVALID_OPCODE, 0);
		return;
	}
	/* Thin provisioning and ALUA (TPGS) add commands. */
	ktgt_spc_describe(cmd, &d);
	/* First the size, then build straight into the command's buffer. */
	if (ktgt_spc_rsoc(&d, tbl, cmd->cdb, NULL, 0, &full, &err)) {
		ktgt_spc_fail(cmd, &err);
		return;
	}
	buf = spc_din_buf(cmd, full, &n);
	if (!buf)
		return;
	ktgt_spc_rsoc(&d, tbl, cmd->cdb, buf, n, &full, &err);
	spc_din_done(cmd, buf, n);
}

/*
 * The POWER CONDITION values of SBC-3 START STOP UNIT: START_VALID (0h),
 * ACTIVE, IDLE, STANDBY (1h-3h), LU_CONTROL (7h), FORCE_IDLE_0 and
 * FORCE_STANDBY_0 (Ah, Bh). The others are reserved (5h is obsolete).
 */
#define SPC_POWER_CONDITIONS	(BIT(0x0) | BIT(0x1) | BIT(0x2) | BIT(0x3) | \
				 BIT(0x7) | BIT(0xa) | BIT(0xb))

/*
 * START STOP UNIT (SBC-3 5.25). A virtual medium needs no spinning up or
 * down, and power conditions are accepted without effect; a reserved one
 * is INVALID FIELD IN CDB. Ejecting (LOEJ = 1, START = 0) is refused
 * while an I_T nexus prevents removal. Process context
 * (ktgt_spc_needs_thread()): the prevention check walks the device's
 * nexuses.
 */
static void spc_start_stop(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	bool loej = cmd->cdb[4] & 0x02, start = cmd->cdb[4] & 0x01;
	u8 power = cmd->cdb[4] >> 4;
	struct ktgt_sense_info err;

	if (!(SPC_POWER_CONDITIONS & BIT(power))) {
		ktgt_sense_invalid_cdb(&err, 4, 7);
		ktgt_spc_fail(cmd, &err);
		return;
	}
	if (loej && !start && power == 0 &&
	    ktgt_device_removal_prevented(dev)) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 SPC_ASC_MEDIUM_REMOVAL_PREVENTED, 0x02);
		return;
	}
	ktgt_cmd_good(cmd, 0);
}

/*
 * PREVENT ALLOW MEDIUM REMOVAL (SPC-4 6.13, SBC-3 5.11, MMC-6 6.12), per
 * I_T_L nexus: removal is prevented while any nexus prevents it
 * (ktgt_device_removal_prevented()), and one initiator's ALLOW only
 * ends its own PREVENT. PREVENT 00b allows, 01b prevents; 10b and 11b
 * are obsolete in SBC-3 and refused, but an MMC device (peripheral type
 * 05h) has them as its persistent prevention: 11b sets it, 10b clears
 * it, and 00b leaves it. Session end, I_T nexus loss and logical unit
 * reset end both (core/ua.c).
 */
static void spc_prevent_allow(struct ktgt_cmd *cmd)
{
	struct ktgt_device *dev = cmd->core.dev;
	u8 prevent = cmd->cdb[4] & 0x03;
	struct ktgt_sense_info err;
	u8 bit = KTGT_TD_PREVENT;

	if (prevent > 1) {
		if (dev->type->pdt != TYPE_ROM) {
			ktgt_sense_invalid_cdb(&err, 4, 1);
			ktgt_spc_fail(cmd, &err);
			return;
		}
		bit = KTGT_TD_PREVENT_PERSISTENT;
	}
	if (prevent & 1)
		ktgt_cmd_set_prevent(cmd, bit, 0);
	else
		ktgt_cmd_set_prevent(cmd, 0, bit);
	ktgt_cmd_good(cmd, 0);
}

bool ktgt_spc_exec(struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *desc = cmd->core.desc;

	if (!desc)
		return false;
	switch (desc->opcode) {
	case 0x00:		/* TEST UNIT READY */
		ktgt_cmd_good(cmd, 0);
		return true;
	case 0x12:		/* INQUIRY */
		spc_inquiry(cmd);
		return true;
	case 0x1a:		/* MODE SENSE(6) */
	case 0x5a:		/* MODE SENSE(10) */
		spc_mode_sense(cmd);
		return true;
	case 0x15:		/* MODE SELECT(6) */
	case 0x55:		/* MODE SELECT(10) */
		spc_mode_select(cmd);
		return true;
	case 0x4d:		/* LOG SENSE */
		spc_log_sense(cmd);
		return true;
	case 0x1b:		/* START STOP UNIT */
		spc_start_stop(cmd);
		return true;
	case 0x1e:		/* PREVENT ALLOW MEDIUM REMOVAL */
		spc_prevent_allow(cmd);
		return true;
	case 0xa3:
		if (ktgt_alua_exec(cmd))	/* REPORT TARGET PORT GROUPS */
			return true;
		if (desc->sa != 0x0c)	/* REPORT SUPPORTED OPERATION CODES */
			return false;
		spc_rsoc(cmd);
		return true;
	case 0xa4:		/* SET TARGET PORT GROUPS (alua) */
		return ktgt_alua_exec(cmd);
	default:
		return false;
	}
}
EXPORT_SYMBOL_GPL(ktgt_spc_exec);	/* for handlers' ->exec (vcdrom) */

bool ktgt_spc_exec_long(const struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *desc = cmd->core.desc;

	if (!desc || !cmd->core.dev)
		return false;
	switch (desc->opcode) {
	case 0x83:		/* EXTENDED COPY: other LUs' I/O */
		return !!cmd->core.dev->type->sbc;
	case 0x5e:		/* PERSISTENT RESERVE IN: pr_mutex */
	case 0x5f:		/* PERSISTENT RESERVE OUT: APTPL file, pr_fence */
		return true;
	default:
		return false;
	}
}

bool ktgt_spc_needs_thread(const struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *desc = cmd->core.desc;

	if (!desc)
		return false;
	/* ALUA: REPORT/SET TARGET PORT GROUPS take the ALUA mutex */
	if ((desc->opcode == 0xa3 || desc->opcode == 0xa4) &&
	    desc->sa == 0x0a)
		return true;
	/*
	 * GET LBA STATUS: ->mapped may read the backing file's extent map
	 * (SEEK_DATA, SEEK_HOLE) from its disk.
	 */
	if (desc->opcode == 0x9e && desc->sa == 0x12)
		return true;
	switch (desc->opcode) {
	case 0x1a:		/* MODE SENSE(6) */
	case 0x5a:		/* MODE SENSE(10) */
		/* a CD-ROM's LOCK STATE (page 2Ah): every nexus' prevention */
		return cmd->core.dev &&
		       cmd->core.dev->type->pdt == KTGT_PDT_CDROM;
	case 0x5e:		/* PERSISTENT RESERVE IN: pr_mutex */
	case 0x5f:		/* PERSISTENT RESERVE OUT */
	case 0x1b:		/* START STOP UNIT: every nexus' prevention */
	case 0x15:		/* MODE SELECT(6): unit attentions */
	case 0x55:		/* MODE SELECT(10) */
	case 0x35:		/* SYNCHRONIZE CACHE(10): ->sync waits */
	case 0x91:		/* SYNCHRONIZE CACHE(16) for the medium */
	case 0x2e:		/* WRITE AND VERIFY(10): internal I/O */
	case 0x2f:		/* VERIFY(10) */
	case 0x41:		/* WRITE SAME(10) */
	case 0x42:		/* UNMAP: the handler's ->unmap */
	case 0x83:		/* EXTENDED COPY: internal I/O */
	case 0x89:		/* COMPARE AND WRITE */
	case 0x8b:		/* ORWRITE(16) */
	case 0x8e:		/* WRITE AND VERIFY(16) */
	case 0x8f:		/* VERIFY(16) */
	case 0x93:		/* WRITE SAME(16) */
	case 0xae:		/* WRITE AND VERIFY(12) */
	case 0xaf:		/* VERIFY(12) */
		return true;
	default:
		return false;
	}
}
