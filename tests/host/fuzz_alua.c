// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the SET TARGET PORT GROUPS parameter list parser
 * and the per-state command check (core/alua_data.c).
 *
 * Input: byte 0 is the asymmetric access state for the check (low 4
 * bits); the rest is both a CDB for the check and the parameter list.
 * Besides crashing under ASan/UBSan, the harness aborts when an accepted
 * list breaks what core/alua.c relies on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alua_data.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

/* The parser on @p of @len bytes, with what an accepted list promises. */
static void fuzz_stpg(const u8 *p, u32 len)
{
	struct ktgt_sense_info s;
	u32 nr, i, j, off;
	u16 gid, gid2;
	u8 st, st2;

	if (ktgt_alua_stpg_parse(p, len, &nr, &s)) {
		check(nr == 0 && s.key == KTGT_KEY_ILLEGAL_REQUEST);
		check(!s.has_field || s.field < len + 8);
		return;
	}
	check(nr <= KTGT_ALUA_MAX_TPGS);
	for (i = 0; i < nr; i++) {
		off = ktgt_alua_stpg_desc(p, i, &st, &gid);
		check(off + KTGT_ALUA_STPG_DESC_LEN <= len);
		check(st <= KTGT_ALUA_UNAVAILABLE);
		for (j = 0; j < i; j++) {
			ktgt_alua_stpg_desc(p, j, &st2, &gid2);
			check(gid2 != gid);
		}
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct ktgt_sense_info s;
	int ret;
	u8 *p;

	if (!size)
		return 0;
	/* An exact-size copy, so ASan sees any read past the list. */
	p = malloc(size - 1 ? size - 1 : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, size - 1);

	ret = ktgt_alua_check(data[0] & 0x0f, p, (u32)(size - 1), &s);
	check(ret == 0 || ret == -EAGAIN);
	if (ret)
		check(s.key == KTGT_KEY_NOT_READY && s.asc == 0x04);
	fuzz_stpg(p, (u32)(size - 1));
	free(p);
	return 0;
}
