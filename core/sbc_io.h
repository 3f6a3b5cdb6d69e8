/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt core: internal medium transfers of core/sbc.c, shared with the
 * EXTENDED COPY copy manager (core/xcopy.c).
 */
#ifndef KTGT_SBC_IO_H
#define KTGT_SBC_IO_H

#include <linux/completion.h>
#include <linux/scatterlist.h>

#include <ktgt/ktgt.h>

/**
 * struct sbc_io - an internal medium transfer
 * @cmd: the command handed to the handler's ->rw
 * @done: completed by ktgt_sbc_internal_done() when ->rw went async
 */
struct sbc_io {
	struct ktgt_cmd		cmd;
	struct completion	done;
};

/**
 * ktgt_sbc_io_dev() - a synchronous internal transfer through a handler
 * @parent: the initiator's command on whose behalf it runs (its session
 *	and task attributes are used); completed with the transfer's status
 *	if it fails
 * @io: the internal command to use (caller's memory)
 * @dev: the device to transfer to or from; NULL for @parent's own
 * @lun: the LUN of @dev in @parent's session (ignored if @dev is NULL);
 *	the caller holds that LUN's reference for the duration
 * @dir: KTGT_DIR_READ (medium to @sg) or KTGT_DIR_WRITE
 * @lba: first block
 * @nr: number of blocks (@dev's block size); @sg holds at least that much
 * @sg: the buffer
 * @nents: its entries
 * @flags: KTGT_CDB_* flags for the handler (KTGT_CDB_FUA)
 *
 * Process context (sleeps until the handler completes).
 *
 * Return: 0, or -EIO with @parent completed with the transfer's status.
 */
int ktgt_sbc_io_dev(struct ktgt_cmd *parent, struct sbc_io *io,
		    struct ktgt_device *dev, u64 lun, enum ktgt_data_dir dir,
		    u64 lba, u32 nr, struct scatterlist *sg,
		    unsigned int nents, u32 flags);

#endif /* KTGT_SBC_IO_H */
