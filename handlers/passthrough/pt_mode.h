/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_pt: the block length in a tape drive's mode parameters. Portable
 * (core/portable.h): the host unit tests build it too.
 */
#ifndef KTGT_PT_MODE_H
#define KTGT_PT_MODE_H

#include "portable.h"

/**
 * pt_mode_block_len() - the BLOCK LENGTH of mode parameter data's first
 *	block descriptor
 * @buf: mode parameter data as a device returned it (MODE SENSE data-in)
 *	or as an initiator sent it (MODE SELECT parameter list): the mode
 *	parameter header, then the block descriptors, then the pages
 * @len: the bytes of @buf there are (what the device returned, what the
 *	transport carried), which may be fewer than the header says
 * @ten: the MODE SENSE(10)/MODE SELECT(10) form: an 8-byte header whose
 *	bytes 6-7 are the BLOCK DESCRIPTOR LENGTH and whose byte 4 bit 0 is
 *	LONGLBA (16-byte descriptors, the BLOCK LENGTH in bytes 12-15);
 *	else the 6-byte form: a 4-byte header, the BLOCK DESCRIPTOR LENGTH
 *	in byte 3, 8-byte descriptors (BLOCK LENGTH in bytes 5-7)
 * @block_len: set to the first descriptor's BLOCK LENGTH on success (0:
 *	variable-block mode, for a tape drive)
 *
 * Nothing past @len is read, whatever the header says.
 *
 * Return: 0; -ENOENT if the data has no block descriptor (BLOCK
 * DESCRIPTOR LENGTH 0); -EINVAL if the header or the first descriptor is
 * cut short, or the BLOCK DESCRIPTOR LENGTH is not a whole number of
 * descriptors.
 */
int pt_mode_block_len(const u8 *buf, u32 len, bool ten, u32 *block_len);

#endif /* KTGT_PT_MODE_H */
