// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_pt: the block length in a tape drive's mode parameters (SPC-4
 * 7.5.5 and 7.5.6, SSC-3 8.3.2). Portable, see core/portable.h.
 */
#include "pt_mode.h"

int pt_mode_block_len(const u8 *buf, u32 len, bool ten, u32 *block_len)
{
	u32 hdr = ten ? 8 : 4, bdl, dl = 8;

	if (len < hdr)
		return -EINVAL;
	if (ten) {
		bdl = get_unaligned_be16(buf + 6);
		if (buf[4] & 0x01)	/* LONGLBA */
			dl = 16;
	} else {
		bdl = buf[3];
	}
	if (!bdl)
		return -ENOENT;
	if (bdl % dl || len - hdr < dl)
		return -EINVAL;
	*block_len = dl == 16 ? get_unaligned_be32(buf + hdr + 12) :
				get_unaligned_be24(buf + hdr + 5);
	return 0;
}
