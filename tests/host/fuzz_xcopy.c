// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the EXTENDED COPY (LID1) parameter list parser
 * (core/xcopy_data.c). The input is the parameter list, parsed from an
 * exact-size copy. Besides crashing under ASan/UBSan, the harness aborts
 * when an accepted list breaks what core/xcopy.c relies on: counts within
 * the maxima, segment indexes naming a parsed target descriptor once
 * ktgt_xcopy_check_seg() accepted the segment, designators within their
 * array, descriptors inside the list.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "xcopy_data.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct ktgt_xcopy_cscd t[KTGT_XCOPY_MAX_TGT_DESCS];
	u8 sense[KTGT_XCOPY_ABORT_SENSE_MAX];
	struct ktgt_sense_info err;
	struct ktgt_xcopy_abort a;
	struct ktgt_xcopy x;
	unsigned int i;
	u32 n;
	u8 *p;
	int ret;

	if (size > 4096)
		return 0;
	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	memset(&err, 0, sizeof(err));
	ret = ktgt_xcopy_parse(p, (u32)size, &x, &err);
	if (ret) {
		check(ret == -EINVAL);
		check(err.key == KTGT_KEY_ILLEGAL_REQUEST ||
		      err.key == KTGT_KEY_COPY_ABORTED);
		check(!err.has_field || err.field < size || err.field < 16);
	} else {
		check(x.nr_tgts <= KTGT_XCOPY_MAX_TGT_DESCS);
		check(x.nr_segs <= KTGT_XCOPY_MAX_SEG_DESCS);
		for (i = 0; i < x.nr_tgts; i++) {
			check(x.tgts[i].len && x.tgts[i].len <= 20);
			check(x.tgts[i].block_size);
		}
		for (i = 0; i < KTGT_XCOPY_MAX_TGT_DESCS; i++) {
			t[i].found = true;
			t[i].capacity = 1 << 20;
		}
		for (i = 0; i < x.nr_segs; i++) {
			check(x.segs[i].off + KTGT_XCOPY_B2B_DESC_LEN <= size);
			/* What core/xcopy.c checks before using a segment. */
			if (ktgt_xcopy_check_seg(&x, (u16)i, t, &a)) {
				check(a.has_field);
				check(a.seg == i);
				n = ktgt_xcopy_abort_sense(sense, sizeof(sense),
							   i & 1, &a);
				check(n <= KTGT_XCOPY_ABORT_SENSE_MAX);
				continue;
			}
			check(x.segs[i].src < x.nr_tgts);
			check(x.segs[i].dst < x.nr_tgts);
			/* One block size, at most the maximum segment length. */
			check(x.tgts[x.segs[i].src].block_size ==
			      x.tgts[x.segs[i].dst].block_size);
			check((u64)x.segs[i].nr_blocks *
			      x.tgts[x.segs[i].src].block_size <=
			      KTGT_XCOPY_MAX_SEG_BYTES);
		}
	}
	free(p);
	return 0;
}
