// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_pt: the length of a device's sense data, as it is passed on.
 * Portable, see core/portable.h.
 */
#include "pt_sense.h"

unsigned int pt_sense_len(const u8 *sense, unsigned int size)
{
	unsigned int len;

	if (!size)
		return 0;
	switch (sense[0] & 0x7f) {
	case 0x70:	/* fixed format, current */
	case 0x71:	/* fixed format, deferred */
	case 0x72:	/* descriptor format, current */
	case 0x73:	/* descriptor format, deferred */
		len = size > 7 ? 8U + sense[7] : size;
		return len < size ? len : size;
	default:
		/* 74h-7Eh reserved, 7Fh vendor specific: as they are. */
		return (sense[0] & 0x7f) >= 0x74 ? size : 0;
	}
}
