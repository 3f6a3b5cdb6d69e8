// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the vtape image format (handlers/vtape/vtape_img.c):
 * a corrupt tape image must give -EIO (the handler's MEDIUM ERROR) and
 * never a crash, a read or write outside the image, or a loop.
 *
 * Input: byte 0: flags (bit 0: make the check word of every record
 * header along the chain right, so the fuzzer gets past it to the
 * structure); bytes 1-8: eight operations; the rest: the records after
 * a valid header, whose capacity is VTAPE_MIN_CAPACITY.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtape_mem.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)
#define OPS		8

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* Fix the check words along the chain the prev-less walk would take. */
static void fix_checks(struct mem_img *m)
{
	u64 off = VTAPE_DATA_START;
	int n;

	for (n = 0; n < 512 && off + VTAPE_REC_LEN <= m->used; n++) {
		u8 *h = m->buf + off;
		u32 v = le32(h) ^ le32(h + 4) ^ le32(h + 8) ^ VTAPE_REC_MAGIC;

		h[12] = v;
		h[13] = v >> 8;
		h[14] = v >> 16;
		h[15] = v >> 24;
		if (le32(h) == VTAPE_REC_EOD)
			break;
		off += VTAPE_REC_LEN + (u64)le32(h + 4);
	}
}

static void check_pos(const struct vtape *t)
{
	check(t->off >= VTAPE_DATA_START);
	check(t->off + VTAPE_REC_LEN <= VTAPE_DATA_START + t->capacity);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 ops[OPS] = { 0 };
	struct mem_img m = { 0 };
	struct vtape_io io;
	struct vtape t = { 0 };
	struct vtape_rec rec;
	enum vtape_stop stop;
	u8 block[300];
	size_t body;
	u32 resid;
	bool ew;
	int i, ret;

	if (size < 1 + OPS)
		return 0;
	memcpy(ops, data + 1, OPS);
	body = size - 1 - OPS;

	m.size = VTAPE_HDR_LEN + VTAPE_MIN_CAPACITY;
	m.buf = calloc(1, m.size);
	check(m.buf);
	mem_io(&m, &io);
	check(vtape_format(&io, VTAPE_MIN_CAPACITY) == 0);
	if (body > m.size - VTAPE_DATA_START)
		body = m.size - VTAPE_DATA_START;
	memcpy(m.buf + VTAPE_DATA_START, data + 1 + OPS, body);
	m.used = VTAPE_DATA_START + body;
	if (data[0] & 1)
		fix_checks(&m);

	t.io = io;
	check(vtape_open(&t) == 0);
	memset(block, 0x5a, sizeof(block));
	for (i = 0; i < OPS; i++) {
		int count = (int)(ops[i] >> 3) - 16;

		switch (ops[i] & 7) {
		case 0:
			ret = vtape_peek(&t, &rec);
			check(ret == 0 || ret == -EIO);
			if (!ret && rec.type != VTAPE_REC_EOD) {
				check(vtape_data_off(&t) + rec.len <= m.size);
				vtape_skip(&t, &rec);
			}
			break;
		case 1:
			ret = vtape_back(&t, &rec);
			check(ret == 0 || ret == 1 || ret == -EIO);
			break;
		case 2:
		case 3:
			ret = vtape_space(&t, count & 3, count, &stop, &resid);
			check(ret == 0 || ret == -EIO);
			check(!resid || stop != VTAPE_STOP_NONE);
			break;
		case 4:
			ret = vtape_locate(&t, ops[i] >> 3);
			check(ret == 0 || ret == 1 || ret == -EIO);
			break;
		case 5:
			ret = vtape_write(&t, VTAPE_REC_DATA, block,
					  1 + (ops[i] >> 3) * 9, &ew);
			check(ret == 0 || ret == -ENOSPC);
			break;
		case 6:
			ret = vtape_write(&t, VTAPE_REC_FILEMARK, NULL, 0, &ew);
			check(ret == 0 || ret == -ENOSPC);
			break;
		default:
			if (ops[i] & 8)
				check(vtape_erase(&t) == 0);
			else
				vtape_rewind(&t);
			break;
		}
		check_pos(&t);
	}
	free(m.buf);
	return 0;
}
