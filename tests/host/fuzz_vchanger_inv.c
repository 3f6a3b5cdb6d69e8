// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the vchanger state file (handlers/vtape/
 * vchanger_inv.c): any bytes give 0 or -EINVAL with a message, never a
 * crash or a read outside them; what parses formats back to a file that
 * parses to the same inventory, also after a move and an exchange
 * (IMPEXP included), which neither lose nor copy a cartridge;
 * moves and READ ELEMENT STATUS on it stay within their buffers.
 *
 * Input: bytes 0-3: slots (1 + byte 0 % 16), drives (1 + byte 1 % 4),
 * ie slots (byte 2 % 4), a READ ELEMENT STATUS type/flags byte; bytes
 * 4-7: a move's source and destination offsets; the rest: the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/vtape/vchanger_inv.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

/* The element counts of @d: 1-16 slots, 1-4 drives, 0-3 mail slots. */
static void init_inv(struct vch_inv *inv, const u8 *d)
{
	check(!vch_inv_init(inv, 1 + d[0] % 16, 1 + d[1] % 4, d[2] % 4));
}

/*
 * Each cartridge once (vch_find_tag() finds it where it is); return how
 * many there are.
 */
static unsigned int check_unique(struct vch_inv *inv)
{
	const struct vch_elem *all[] = { inv->st, inv->dt, inv->ie };
	const u16 nr[] = { inv->nr_st, inv->nr_dt, inv->nr_ie };
	const u16 first[] = { VCH_ADDR_ST, VCH_ADDR_DT, VCH_ADDR_IE };
	unsigned int t, i, n = 0;

	for (t = 0; t < 3; t++)
		for (i = 0; i < nr[t]; i++)
			if (all[t][i].tag[0]) {
				check(vch_find_tag(inv, all[t][i].tag) ==
				      first[t] + i);
				n++;
			}
	return n;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct vch_inv a, b;
	static char out[VCH_STATE_MAX];
	static u8 res[8192];
	static u8 ids[VCH_MAX_DRIVES][VCH_DVCID_LEN];
	struct vch_res_req req;
	char err[160], *text;
	size_t len;
	u16 src, dst, d2;
	unsigned int n;

	if (size < 8)
		return 0;
	init_inv(&a, data);
	init_inv(&b, data);
	/* The file in a buffer of its own size, for ASan. */
	text = malloc(size - 8 + 1);
	check(text);
	memcpy(text, data + 8, size - 8);
	if (vch_state_parse(&a, text, size - 8, err, sizeof(err))) {
		check(memchr(err, 0, sizeof(err)));
		free(text);
		return 0;
	}
	free(text);
	len = vch_state_format(&a, out, sizeof(out));
	check(len <= sizeof(out));
	check(!vch_state_parse(&b, out, len, err, sizeof(err)));
	check(!memcmp(&a, &b, sizeof(a)));

	n = check_unique(&a);
	src = VCH_ADDR_MT + data[4] * 4 + data[5];
	dst = VCH_ADDR_MT + data[6] * 4 + data[7];
	if (vch_move_check(&a, 0, src, dst) == VCH_MOVE_OK)
		vch_move(&a, src, dst);
	/* and an exchange: source dst, first destination src, second d2 */
	d2 = VCH_ADDR_MT + data[3] * 4 + data[4];
	if (vch_exchange_check(&a, 0, dst, src, d2) == VCH_MOVE_OK)
		vch_exchange(&a, dst, src, d2);
	/* moves and exchanges neither lose nor copy a cartridge */
	check(check_unique(&a) == n);
	/* After the move too, the file parses back to the inventory. */
	len = vch_state_format(&a, out, sizeof(out));
	check(!vch_inv_init(&b, a.nr_st, a.nr_dt, a.nr_ie));
	check(!vch_state_parse(&b, out, len, err, sizeof(err)));
	/* IMPEXP too ("exported" for a moved cartridge) */
	check(!memcmp(&a, &b, sizeof(a)));

	req.type = data[3] % 5;
	req.start = data[4] << 4;
	req.count = data[5];
	req.voltag = data[3] & 0x10;
	req.dvcid = data[3] & 0x20;
	vch_read_element_status(&a, &req, (const u8 (*)[VCH_DVCID_LEN])ids,
				res, data[6] * 32);
	return 0;
}
