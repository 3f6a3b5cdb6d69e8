/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: the task ordering rules of a logical unit's task set.
 *
 * The command engine (core/cmd.c) keeps, per device, the commands that
 * are running and those waiting for an earlier command; whenever it must
 * decide whether a command may start, it asks ktgt_order_must_wait()
 * about each earlier command that could hold it back. The rules:
 *
 * - HEAD OF QUEUE never waits, and every other command waits for the
 *   HEAD OF QUEUE commands in the task set, earlier or later (SAM-5
 *   8.6.2, 8.6.3: a SIMPLE or ORDERED command does not enter the enabled
 *   state while one is there);
 * - an ORDERED command waits for every earlier command (running or
 *   waiting) and every later command waits for it (SAM-5 8.6);
 * - SIMPLE commands do not wait for each other, except that a command
 *   that reads or writes the medium never overtakes an earlier, still
 *   unfinished command of the same I_T nexus that writes an overlapping
 *   range of logical blocks;
 * - an atomic command (COMPARE AND WRITE, ORWRITE: a read, then a write
 *   that depends on what was read; KTGT_CDB_F_ATOMIC) excludes, from
 *   every I_T nexus, the commands accessing an overlapping range: it
 *   waits for every earlier unfinished command that writes one, and
 *   every later command that reads or writes one waits for it. This is
 *   mutual exclusion, not ordering, so it holds for HEAD OF QUEUE
 *   commands too, as far as commands already admitted are concerned
 *   (ktgt_order_excludes()). Writes the engine does not see (EXTENDED
 *   COPY's internal writes) are excluded by the device's caw_rwsem, see
 *   core/sbc.c.
 *
 * Portable: compiles in the kernel and in host tests (see portable.h).
 */
#ifndef KTGT_ORDER_H
#define KTGT_ORDER_H

#include "portable.h"
#include <ktgt/ktgt_proto.h>
#include "cdb.h"

/**
 * define KTGT_ORDER_END - the end of a range that extends to the last LBA
 */
#define KTGT_ORDER_END	(~0ULL)

/**
 * struct ktgt_order_cmd - what the ordering rules know of a command
 * @nexus: the I_T nexus it arrived on; only compared for equality
 * @attr: its task attribute (enum ktgt_task_attr)
 * @reads: it reads the medium
 * @writes: it writes the medium
 * @atomic: it reads and writes the medium as one uninterrupted action
 *	(KTGT_CDB_F_ATOMIC)
 * @lba: first logical block of the range it accesses
 * @end: one past its last block; equal to @lba for an empty range
 */
struct ktgt_order_cmd {
	const void *nexus;
	u8 attr;
	bool reads;
	bool writes;
	bool atomic;
	u64 lba;
	u64 end;
};

/**
 * ktgt_order_cmd_set() - describe a decoded command for the ordering rules
 * @oc: the description to fill
 * @nexus: the I_T nexus
 * @attr: the task attribute (enum ktgt_task_attr)
 * @desc: the command's descriptor, or NULL (no medium access)
 * @lba: the decoded LOGICAL BLOCK ADDRESS
 * @nr_blocks: the decoded number of logical blocks
 *
 * The range is [@lba, @lba + @nr_blocks), clamped at KTGT_ORDER_END. A
 * medium command without an LBA field (UNMAP, whose ranges are in its
 * parameter data) covers every block; a WRITE SAME or other
 * KTGT_XFER_RANGE command with 0 blocks extends to the last LBA (SBC-3);
 * any other command with 0 blocks accesses nothing.
 */
void ktgt_order_cmd_set(struct ktgt_order_cmd *oc, const void *nexus,
			u8 attr, const struct ktgt_cdb_desc *desc, u64 lba,
			u32 nr_blocks);

/**
 * ktgt_order_overlap() - whether two commands' block ranges intersect
 * @a: one command
 * @b: the other
 *
 * Return: true if some logical block is in both ranges. Empty ranges
 * intersect nothing.
 */
bool ktgt_order_overlap(const struct ktgt_order_cmd *a,
			const struct ktgt_order_cmd *b);

/**
 * ktgt_order_excludes() - whether an atomic command excludes another
 * @earlier: a command that arrived first and has not finished
 * @later: the command that wants to start
 *
 * Of any I_T nexus and task attribute: @later is atomic and @earlier
 * writes an overlapping range, or @earlier is atomic and @later reads or
 * writes an overlapping range.
 *
 * Return: true if @later may not start before @earlier finishes.
 */
bool ktgt_order_excludes(const struct ktgt_order_cmd *earlier,
			 const struct ktgt_order_cmd *later);

/**
 * ktgt_order_must_wait() - whether a command must wait for an earlier one
 * @earlier: a command that arrived first and has not finished
 * @later: the command that wants to start
 *
 * HEAD OF QUEUE @later never waits here: the caller checks it against
 * the admitted commands with ktgt_order_excludes() alone. Any other
 * @later waits for a HEAD OF QUEUE @earlier; the caller also holds it
 * back while a HEAD OF QUEUE command that arrived after it is admitted.
 *
 * Return: true if @later may not start before @earlier finishes.
 */
bool ktgt_order_must_wait(const struct ktgt_order_cmd *earlier,
			  const struct ktgt_order_cmd *later);

#endif /* KTGT_ORDER_H */
