// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the block length pt_tape reads in a tape
 * drive's mode parameter data (handlers/passthrough/pt_mode.c): data a
 * device returns, or an initiator sends with MODE SELECT.
 *
 * The input, copied to a buffer of exactly its size (so that ASan sees
 * any read past it), is parsed in both forms. Besides crashing, the
 * harness aborts when the result is not what the header says: success
 * only with a whole first descriptor within the input, its BLOCK LENGTH
 * the bytes at its place; -ENOENT only for a BLOCK DESCRIPTOR LENGTH of
 * 0; nothing else but -EINVAL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../handlers/passthrough/pt_mode.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

static void one(const u8 *b, size_t size, bool ten)
{
	u32 hdr = ten ? 8 : 4, bdl, dl, bl = 0x5a5a5a5a, want;
	int ret = pt_mode_block_len(b, (u32)size, ten, &bl);

	if (size < hdr) {
		check(ret == -EINVAL);
		return;
	}
	bdl = ten ? (u32)b[6] << 8 | b[7] : b[3];
	dl = ten && (b[4] & 1) ? 16 : 8;
	if (!bdl) {
		check(ret == -ENOENT && bl == 0x5a5a5a5a);
		return;
	}
	if (bdl % dl || size < hdr + dl) {
		check(ret == -EINVAL && bl == 0x5a5a5a5a);
		return;
	}
	want = dl == 16 ? (u32)b[hdr + 12] << 24 | (u32)b[hdr + 13] << 16 |
			  (u32)b[hdr + 14] << 8 | b[hdr + 15] :
			  (u32)b[hdr + 5] << 16 | (u32)b[hdr + 6] << 8 |
			  b[hdr + 7];
	check(ret == 0 && bl == want);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 *b = malloc(size ? size : 1);

	if (!b)
		return 0;
	memcpy(b, data, size);
	one(b, size, false);
	one(b, size, true);
	free(b);
	return 0;
}
