// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: SPC-2 reservations (RESERVE and RELEASE, 6 and 10 byte).
 *
 * A device has at most one SPC-2 reservation, held by one I_T nexus
 * (struct ktgt_session; third-party reservations are refused by the CDB
 * decoder). While it is held, every other nexus gets RESERVATION
 * CONFLICT for any command but INQUIRY, REQUEST SENSE, REPORT LUNS, LOG
 * SENSE and RELEASE, which succeeds without effect (SPC-2 5.5.1, 7.21;
 * TEST UNIT READY conflicts, as it does on other SPC-2 targets).
 * RESERVE from the holder succeeds again; from another nexus it
 * conflicts. The reservation is released by RELEASE from the holder, a
 * LOGICAL UNIT RESET or TARGET RESET (ktgt_reserve_reset()), a reset the
 * device behind a pass-through LU reports (a 29h unit attention,
 * ktgt_device_ua(), ktgt_reserve_reset() too) and the loss or reset of
 * the holder's I_T nexus (ktgt_reserve_nexus_loss()); it is never
 * persistent.
 *
 * While any I_T nexus has a persistent reservation registration, RESERVE
 * and RELEASE follow SPC-4 5.13.3 (REPORT CAPABILITIES reports CRH = 1):
 * from the persistent reservation holder, or from a registrant under a
 * REGISTRANTS ONLY or ALL REGISTRANTS type, they complete with GOOD and
 * change nothing; from any other nexus they conflict (ktgt_pr_spc2()).
 *
 * This file is also the engine's entry to reservations: ktgt_reserve_check()
 * applies the persistent reservation conflict table (core/pr.c) first,
 * and ktgt_reserve_exec() passes PERSISTENT RESERVE IN/OUT to core/pr.c.
 *
 * Locking: dev->resv_lock (irq-safe spinlock) protects dev->resv_holder,
 * which is compared, never dereferenced: a session clears what it holds
 * before it is freed (ktgt_session_destroy() -> nexus loss).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include <ktgt/ktgt.h>
#include "ktgt_internal.h"
#include "cdb.h"

#define OP_RESERVE_6	0x16
#define OP_RELEASE_6	0x17
#define OP_RESERVE_10	0x56
#define OP_RELEASE_10	0x57

/* The commands an SPC-2 reservation of another nexus lets through. */
static bool resv_allowed(u8 op)
{
	switch (op) {
	case 0x03:		/* REQUEST SENSE */
	case 0x12:		/* INQUIRY */
	case 0x4d:		/* LOG SENSE */
	case 0xa0:		/* REPORT LUNS */
	case OP_RELEASE_6:
	case OP_RELEASE_10:
		return true;
	default:
		return false;
	}
}

/*
 * Whether @sess conflicts with the SPC-2 reservation of @dev for a
 * command @allowed says is let through or not. A racy read is fine:
 * RESERVE and RELEASE of others are ordered with the command only by the
 * initiators themselves.
 */
static bool resv_conflicts(struct ktgt_device *dev, struct ktgt_session *sess,
			   bool allowed)
{
	struct ktgt_session *holder = READ_ONCE(dev->resv_holder);

	return holder && !allowed && holder != sess;
}

bool ktgt_reserve_conflicts(struct ktgt_cmd *cmd)
{
	const struct ktgt_cdb_desc *d = cmd->core.desc;
	struct ktgt_device *dev = cmd->core.dev;

	if (!dev)
		return false;
	if (ktgt_pr_check(cmd))
		return true;
	return resv_conflicts(dev, cmd->sess, d && resv_allowed(d->opcode));
}

bool ktgt_reserve_check_nexus(struct ktgt_device *dev,
			      struct ktgt_session *sess, const u8 *cdb,
			      unsigned int cdb_len)
{
	if (ktgt_pr_check_nexus(dev, sess, cdb, cdb_len))
		return true;
	return resv_conflicts(dev, sess, cdb_len && resv_allowed(cdb[0]));
}

bool ktgt_reserve_exec(struct ktgt_cmd *cmd, enum ktgt_exec_status *st)
{
	const struct ktgt_cdb_desc *d = cmd->core.desc;
	struct ktgt_device *dev = cmd->core.dev;
	unsigned long flags;
	bool conflict = false;

	if (!d || !dev)
		return false;
	if (ktgt_pr_exec(cmd, st))
		return true;
	switch (d->opcode) {
	case OP_RESERVE_6:
	case OP_RESERVE_10:
	case OP_RELEASE_6:
	case OP_RELEASE_10:
		break;
	default:
		return false;
	}
	spin_lock_irqsave(&dev->resv_lock, flags);
	/* Registrations exist: SPC-4 5.13.3 (CRH = 1), else SPC-2. */
	switch (ktgt_pr_spc2(dev, cmd->sess)) {
	case KTGT_PR_SPC2_NOP:
		break;
	case KTGT_PR_SPC2_CONFLICT:
		conflict = true;
		break;
	case KTGT_PR_SPC2_NONE:
		if (d->opcode == OP_RELEASE_6 || d->opcode == OP_RELEASE_10) {
			if (dev->resv_holder == cmd->sess)
				WRITE_ONCE(dev->resv_holder, NULL);
		} else if (dev->resv_holder && dev->resv_holder != cmd->sess) {
			conflict = true;
		} else {
			WRITE_ONCE(dev->resv_holder, cmd->sess);
		}
		break;
	}
	spin_unlock_irqrestore(&dev->resv_lock, flags);
	if (conflict) {
		cmd->status = KTGT_SAM_RESERVATION_CONFLICT;
		cmd->sense_len = 0;
		cmd->data_len = 0;
	} else {
		ktgt_cmd_good(cmd, 0);
	}
	*st = KTGT_EXEC_DONE;
	return true;
}

void ktgt_reserve_reset(struct ktgt_device *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->resv_lock, flags);
	WRITE_ONCE(dev->resv_holder, NULL);
	spin_unlock_irqrestore(&dev->resv_lock, flags);
}

void ktgt_reserve_nexus_loss(struct ktgt_session *sess)
{
	struct ktgt_device *dev;
	unsigned long flags;

	mutex_lock(&ktgt_cfg_mutex);
	list_for_each_entry(dev, &ktgt_devices, node) {
		spin_lock_irqsave(&dev->resv_lock, flags);
		if (dev->resv_holder == sess)
			WRITE_ONCE(dev->resv_holder, NULL);
		spin_unlock_irqrestore(&dev->resv_lock, flags);
	}
	mutex_unlock(&ktgt_cfg_mutex);
}
