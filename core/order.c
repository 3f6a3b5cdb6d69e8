// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: the task ordering rules of a logical unit's task set (see
 * order.h). core/cmd.c applies them under the device's order_lock.
 *
 * Portable: no kernel dependencies beyond portable.h, so the host unit
 * tests run exactly this code.
 */
#include "order.h"

void ktgt_order_cmd_set(struct ktgt_order_cmd *oc, const void *nexus,
			u8 attr, const struct ktgt_cdb_desc *desc, u64 lba,
			u32 nr_blocks)
{
	memset(oc, 0, sizeof(*oc));
	oc->nexus = nexus;
	oc->attr = attr;
	if (!desc)
		return;

	oc->reads = !!(desc->flags & KTGT_CDB_F_MEDIUM_READ);
	oc->writes = !!(desc->flags & KTGT_CDB_F_MEDIUM_WRITE);
	oc->atomic = !!(desc->flags & KTGT_CDB_F_ATOMIC);
	if (!oc->reads && !oc->writes)
		return;

	if (!desc->lba_width) {
		/* The blocks are named in the parameter data: all of them. */
		oc->lba = 0;
		oc->end = KTGT_ORDER_END;
	} else if (!nr_blocks && desc->xfer == KTGT_XFER_RANGE &&
		   desc->rule == KTGT_RULE_WRITE_SAME) {
		/* SBC-3 5.42: 0 blocks means to the last LBA. */
		oc->lba = lba;
		oc->end = KTGT_ORDER_END;
	} else {
		oc->lba = lba;
		if (nr_blocks > KTGT_ORDER_END - lba)
			oc->end = KTGT_ORDER_END;
		else
			oc->end = lba + nr_blocks;
	}
}

bool ktgt_order_overlap(const struct ktgt_order_cmd *a,
			const struct ktgt_order_cmd *b)
{
	if (a->lba >= a->end || b->lba >= b->end)
		return false;
	return a->lba < b->end && b->lba < a->end;
}

bool ktgt_order_excludes(const struct ktgt_order_cmd *earlier,
			 const struct ktgt_order_cmd *later)
{
	if (!(later->atomic && earlier->writes) &&
	    !(earlier->atomic && (later->reads || later->writes)))
		return false;
	return ktgt_order_overlap(earlier, later);
}

bool ktgt_order_must_wait(const struct ktgt_order_cmd *earlier,
			  const struct ktgt_order_cmd *later)
{
	if (later->attr == KTGT_TASK_HEAD_OF_QUEUE)
		return false;
	if (earlier->attr == KTGT_TASK_HEAD_OF_QUEUE ||
	    earlier->attr == KTGT_TASK_ORDERED ||
	    later->attr == KTGT_TASK_ORDERED)
		return true;
	if (!earlier->writes || (!later->reads && !later->writes))
		return false;
	if (earlier->nexus != later->nexus)
		return ktgt_order_excludes(earlier, later);
	return ktgt_order_overlap(earlier, later);
}
