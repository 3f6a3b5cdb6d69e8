// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the EXTENDED COPY (LID1) parameter list parser and
 * the RECEIVE COPY RESULTS / VPD 8Fh data (core/xcopy_data.c,
 * core/spc_data.c). Parameter lists are built by hand from SPC-4 6.4;
 * every list is parsed from an exact-size heap copy, so ASan catches any
 * read past the length given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "xcopy_data.h"
#include "spc_data.h"

#define NAA_FIRST	0x60

/* An identification target descriptor (E4h) of a 512-byte-block disk. */
static void tgt_desc(u8 *d, u8 type)
{
	unsigned int i;

	memset(d, 0, KTGT_XCOPY_TGT_DESC_LEN);
	d[0] = type;
	d[4] = 0x01;			/* binary */
	d[5] = 0x03;			/* LU, NAA */
	d[7] = 16;
	for (i = 0; i < 16; i++)
		d[8 + i] = (u8)(NAA_FIRST + i);
	d[29] = 0x00;
	d[30] = 0x02;			/* 512 */
	d[31] = 0x00;
}

static void b2b_desc(u8 *d, u16 src, u16 dst, u16 nr, u64 slba, u64 dlba)
{
	memset(d, 0, KTGT_XCOPY_B2B_DESC_LEN);
	d[0] = KTGT_XCOPY_SEG_B2B;
	put_unaligned_be16(KTGT_XCOPY_B2B_DESC_LEN - 4, d + 2);
	put_unaligned_be16(src, d + 4);
	put_unaligned_be16(dst, d + 6);
	put_unaligned_be16(nr, d + 10);
	put_unaligned_be64(slba, d + 12);
	put_unaligned_be64(dlba, d + 20);
}

/* A list of @nt target and @ns segment descriptors; returns its length. */
static u32 build(u8 *p, u8 list_id, u8 usage, unsigned int nt,
		 unsigned int ns)
{
	u32 off = KTGT_XCOPY_HDR_LEN;
	unsigned int i;

	memset(p, 0, KTGT_XCOPY_HDR_LEN);
	p[0] = list_id;
	p[1] = (u8)(usage << 3);
	for (i = 0; i < nt; i++, off += KTGT_XCOPY_TGT_DESC_LEN)
		tgt_desc(p + off, KTGT_XCOPY_TGT_IDENT);
	for (i = 0; i < ns; i++, off += KTGT_XCOPY_B2B_DESC_LEN)
		b2b_desc(p + off, 0, 0, 2048, 0, 100000 + i);
	put_unaligned_be16((u16)(nt * KTGT_XCOPY_TGT_DESC_LEN), p + 2);
	put_unaligned_be32(ns * KTGT_XCOPY_B2B_DESC_LEN, p + 8);
	return off;
}

static int parse(const u8 *p, u32 len, struct ktgt_xcopy *x,
		 struct ktgt_sense_info *err)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, p, len);
	ret = ktgt_xcopy_parse(copy, len, x, err);
	free(copy);
	return ret;
}

static void expect_err(const u8 *p, u32 len, u8 key, u8 asc, u8 ascq)
{
	struct ktgt_sense_info err;
	struct ktgt_xcopy x;

	memset(&err, 0, sizeof(err));
	assert_int_equal(parse(p, len, &x, &err), -EINVAL);
	assert_int_equal(err.key, key);
	assert_int_equal(err.asc, asc);
	assert_int_equal(err.ascq, ascq);
}

static u8 list[4096];

static void test_simple(void **state)
{
	struct ktgt_sense_info err;
	struct ktgt_xcopy x;
	u32 len;

	(void)state;
	len = build(list, 7, KTGT_XCOPY_LID_HOLD, 1, 1);
	assert_int_equal(len, 16 + 32 + 28);
	list[KTGT_XCOPY_HDR_LEN + 32 + 1] = 0x02;	/* DC */
	assert_int_equal(parse(list, len, &x, &err), 0);
	assert_int_equal(x.list_id, 7);
	assert_int_equal(x.list_id_usage, KTGT_XCOPY_LID_HOLD);
	assert_int_equal(x.nr_tgts, 1);
	assert_int_equal(x.nr_segs, 1);
	assert_int_equal(x.tgts[0].type, 3);
	assert_int_equal(x.tgts[0].len, 16);
	assert_int_equal(x.tgts[0].desig[0], NAA_FIRST);
	assert_int_equal(x.tgts[0].desig[15], NAA_FIRST + 15);
	assert_int_equal(x.tgts[0].block_size, 512);
	assert_int_equal(x.segs[0].nr_blocks, 2048);
	assert_int_equal(x.segs[0].src_lba, 0);
	assert_int_equal(x.segs[0].dst_lba, 100000);
	assert_true(x.segs[0].dc);
	assert_int_equal(x.segs[0].off, 48);
	/* Trailing bytes past the declared lists are ignored. */
	assert_int_equal(parse(list, len + 9, &x, &err), 0);
}

static void test_empty(void **state)
{
	struct ktgt_sense_info err;
	struct ktgt_xcopy x;

	(void)state;
	assert_int_equal(parse(list, 0, &x, &err), 0);
	assert_int_equal(x.nr_segs, 0);
	/* A header without descriptors copies nothing. */
	build(list, 1, 0, 0, 0);
	assert_int_equal(parse(list, 16, &x, &err), 0);
	assert_int_equal(x.nr_tgts + x.nr_segs, 0);
}

static void test_list_length(void **state)
{
	u32 len;

	(void)state;
	len = build(list, 1, 0, 1, 1);
	/* Shorter than the header, or than the descriptors declared. */
	expect_err(list, 15, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
	expect_err(list, 16 + 32 - 1, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
	expect_err(list, len - 1, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
	/* Descriptor lists longer than the maximum, checked first. */
	len = build(list, 1, 0, KTGT_XCOPY_MAX_TGT_DESCS + 1, 30);
	assert_true(len - 16 > KTGT_XCOPY_MAX_DESC_LIST_LEN);
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
	/* SEGMENT DESCRIPTOR LIST LENGTH near 2^32 does not wrap. */
	build(list, 1, 0, 1, 1);
	put_unaligned_be32(0xfffffff0, list + 8);
	expect_err(list, 200, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
	/* A segment list cut inside a descriptor. */
	build(list, 1, 0, 1, 1);
	put_unaligned_be32(KTGT_XCOPY_B2B_DESC_LEN - 1, list + 8);
	expect_err(list, 16 + 32 + 28, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
	put_unaligned_be32(2, list + 8);
	expect_err(list, 16 + 32 + 28, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
}

static void test_too_many(void **state)
{
	struct ktgt_sense_info err;
	struct ktgt_xcopy x;
	u32 len;

	(void)state;
	len = build(list, 1, 0, KTGT_XCOPY_MAX_TGT_DESCS + 1, 1);
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0x06);
	len = build(list, 1, 0, 1, KTGT_XCOPY_MAX_SEG_DESCS + 1);
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0x08);
	/* The maxima themselves are fine. */
	len = build(list, 1, 0, KTGT_XCOPY_MAX_TGT_DESCS,
		    KTGT_XCOPY_MAX_SEG_DESCS);
	assert_int_equal(parse(list, len, &x, &err), 0);
	assert_int_equal(x.nr_tgts, KTGT_XCOPY_MAX_TGT_DESCS);
	assert_int_equal(x.nr_segs, KTGT_XCOPY_MAX_SEG_DESCS);
}

static void test_unsupported_types(void **state)
{
	struct ktgt_sense_info err;
	struct ktgt_xcopy x;
	u32 len;

	(void)state;
	/* Fibre Channel N_Port_Name target descriptor (E0h). */
	len = build(list, 1, 0, 1, 1);
	list[16] = 0xe0;
	memset(&err, 0, sizeof(err));
	assert_int_equal(parse(list, len, &x, &err), -EINVAL);
	assert_int_equal(err.asc, 0x26);
	assert_int_equal(err.ascq, 0x07);
	assert_true(err.has_field);
	assert_false(err.cd);
	assert_int_equal(err.field, 16);
	/* Stream to stream segment descriptor (03h, 20 bytes). */
	len = build(list, 1, 0, 1, 0);
	list[len] = 0x03;
	list[len + 3] = 0x10;
	put_unaligned_be32(20, list + 8);
	memset(&err, 0, sizeof(err));
	assert_int_equal(parse(list, len + 20, &x, &err), -EINVAL);
	assert_int_equal(err.asc, 0x26);
	assert_int_equal(err.ascq, 0x09);
	assert_int_equal(err.field, 48);
	/* A target of another peripheral device type (tape). */
	len = build(list, 1, 0, 1, 1);
	list[17] = 0x01;
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	/* LU ID TYPE and NUL are ignored (SPC-4). */
	len = build(list, 1, 0, 1, 1);
	list[17] = 0x80 | 0x20;
	assert_int_equal(parse(list, len, &x, &err), 0);
}

static void test_bad_fields(void **state)
{
	u32 len;

	(void)state;
	/* Designator longer than the descriptor holds, or empty. */
	len = build(list, 1, 0, 1, 1);
	list[16 + 7] = 21;
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	list[16 + 7] = 0;
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	/* Block length 0. */
	len = build(list, 1, 0, 1, 1);
	list[16 + 30] = 0;
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	/* Target list length not a multiple of 32. */
	len = build(list, 1, 0, 1, 1);
	put_unaligned_be16(31, list + 2);
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	/* Wrong b2b DESCRIPTOR LENGTH. */
	len = build(list, 1, 0, 1, 1);
	list[48 + 3] = 0x14;
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	/* Inline data, LIST ID USAGE 01b, 11b with a list identifier. */
	len = build(list, 1, 0, 1, 1);
	put_unaligned_be32(4, list + 12);
	expect_err(list, len + 4, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	len = build(list, 1, 1, 1, 1);
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	len = build(list, 1, KTGT_XCOPY_LID_NONE, 1, 1);
	expect_err(list, len, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0);
	len = build(list, 0, KTGT_XCOPY_LID_NONE, 1, 1);
	expect_err(list, len - 1, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0);
}

static void expect_param_field(const u8 *p, u32 len, u16 field)
{
	struct ktgt_sense_info err;
	struct ktgt_xcopy x;

	memset(&err, 0, sizeof(err));
	assert_int_equal(parse(p, len, &x, &err), -EINVAL);
	assert_int_equal(err.key, KTGT_KEY_ILLEGAL_REQUEST);
	assert_int_equal(err.asc, 0x26);
	assert_int_equal(err.ascq, 0);
	assert_true(err.has_field);
	assert_false(err.cd);
	assert_int_equal(err.field, field);
	assert_int_equal(err.bit, 7);
}

/*
 * A segment between different block sizes, or longer than the maximum
 * segment length, is refused by the parser - before any segment is
 * processed - whichever segment it is.
 */
static void test_seg_limits(void **state)
{
	const u32 seg1 = 16 + 2 * 32 + 28;
	struct ktgt_sense_info err;
	struct ktgt_xcopy x;
	u32 len;

	(void)state;
	/* Target descriptor 1: 4096-byte blocks. */
	len = build(list, 1, 0, 2, 3);
	put_unaligned_be24(4096, list + 16 + 32 + 29);
	assert_int_equal(parse(list, len, &x, &err), 0);
	assert_int_equal(x.tgts[1].block_size, 4096);
	/* Segment 1: 512 -> 4096. */
	put_unaligned_be16(1, list + seg1 + 6);
	expect_param_field(list, len, seg1 + 6);
	/* 4096 -> 512, DC or not. */
	put_unaligned_be16(0, list + seg1 + 6);
	put_unaligned_be16(1, list + seg1 + 4);
	expect_param_field(list, len, seg1 + 6);
	list[seg1 + 1] |= 0x02;
	expect_param_field(list, len, seg1 + 6);
	/* 4096 -> 4096: at most 64 MiB, 16384 blocks. */
	list[seg1 + 1] = 0;
	put_unaligned_be16(1, list + seg1 + 6);
	put_unaligned_be16(16384, list + seg1 + 10);
	assert_int_equal(parse(list, len, &x, &err), 0);
	put_unaligned_be16(16385, list + seg1 + 10);
	expect_param_field(list, len, seg1 + 10);
	/* An index naming no target descriptor is not the parser's. */
	put_unaligned_be16(7, list + seg1 + 6);
	assert_int_equal(parse(list, len, &x, &err), 0);
}

/* What the copy manager found: @nt LUs of CAP blocks. */
#define CAP	1048576ULL

static void cscds(struct ktgt_xcopy_cscd *t, unsigned int nt)
{
	unsigned int i;

	memset(t, 0, sizeof(*t) * KTGT_XCOPY_MAX_TGT_DESCS);
	for (i = 0; i < nt; i++) {
		t[i].found = true;
		t[i].capacity = CAP;
	}
}

static void expect_seg_abort(const u8 *p, u32 len, u16 seg,
			     const struct ktgt_xcopy_cscd *t, u8 asc, u8 ascq,
			     bool sd, u16 field)
{
	struct ktgt_sense_info err;
	struct ktgt_xcopy_abort a;
	struct ktgt_xcopy x;
	u16 i;

	assert_int_equal(parse(p, len, &x, &err), 0);
	for (i = 0; i < seg; i++)
		assert_int_equal(ktgt_xcopy_check_seg(&x, i, t, &a), 0);
	memset(&a, 0xa5, sizeof(a));
	assert_int_equal(ktgt_xcopy_check_seg(&x, seg, t, &a), -EINVAL);
	assert_int_equal(a.asc, asc);
	assert_int_equal(a.ascq, ascq);
	assert_int_equal(a.seg, seg);
	assert_true(a.has_field);
	assert_int_equal(a.sd, sd);
	assert_int_equal(a.field, field);
	assert_int_equal(a.bit, sd ? 7 : -1);
	assert_false(a.has_resid);
}

/*
 * A segment naming no target descriptor, or a copy target that is not
 * there, is refused when the segment is processed (COPY ABORTED), not by
 * the parser.
 */
static void test_bad_index(void **state)
{
	struct ktgt_xcopy_cscd t[KTGT_XCOPY_MAX_TGT_DESCS];
	u32 len;

	(void)state;
	cscds(t, 2);
	len = build(list, 1, 0, 1, 2);
	put_unaligned_be16(1, list + 48 + 28 + 6);	/* destination */
	expect_seg_abort(list, len, 1, t, 0x08, 0x04, true, 6);
	len = build(list, 1, 0, 1, 1);
	put_unaligned_be16(0xffff, list + 48 + 4);	/* source */
	expect_seg_abort(list, len, 0, t, 0x08, 0x04, true, 4);
	/* No target descriptor at all. */
	len = build(list, 1, 0, 0, 1);
	expect_seg_abort(list, len, 0, t, 0x08, 0x04, true, 4);
	/* Even for a segment that copies nothing. */
	len = build(list, 1, 0, 1, 1);
	put_unaligned_be16(0, list + 16 + 32 + 10);
	put_unaligned_be16(3, list + 16 + 32 + 6);
	expect_seg_abort(list, len, 0, t, 0x08, 0x04, true, 6);
}

static void test_check_seg(void **state)
{
	struct ktgt_xcopy_cscd t[KTGT_XCOPY_MAX_TGT_DESCS];
	struct ktgt_sense_info err;
	struct ktgt_xcopy_abort a;
	struct ktgt_xcopy x;
	u32 len;

	(void)state;
	/* Segment 1 copies from target descriptor 1, not found. */
	cscds(t, 2);
	t[1].found = false;
	len = build(list, 1, 0, 2, 2);
	put_unaligned_be16(1, list + 16 + 64 + 28 + 4);
	expect_seg_abort(list, len, 1, t, 0x08, 0x04, false, 16 + 32);
	/* ... which does not matter to a segment copying no block. */
	put_unaligned_be16(0, list + 16 + 64 + 28 + 10);
	assert_int_equal(parse(list, len, &x, &err), 0);
	assert_int_equal(ktgt_xcopy_check_seg(&x, 1, t, &a), 0);
	/* Ranges: the last block, one past it, a wrapping LBA. */
	cscds(t, 1);
	len = build(list, 1, 0, 1, 1);
	put_unaligned_be64(CAP - 2048, list + 48 + 20);
	assert_int_equal(parse(list, len, &x, &err), 0);
	assert_int_equal(ktgt_xcopy_check_seg(&x, 0, t, &a), 0);
	put_unaligned_be64(CAP - 2047, list + 48 + 20);
	expect_seg_abort(list, len, 0, t, 0x0d, 0x02, true, 20);
	len = build(list, 1, 0, 1, 1);
	put_unaligned_be64(~0ULL, list + 48 + 12);
	expect_seg_abort(list, len, 0, t, 0x0d, 0x02, true, 12);
	/* A write-protected destination: its target descriptor. */
	cscds(t, 2);
	t[1].read_only = true;
	len = build(list, 1, 0, 2, 2);
	put_unaligned_be16(1, list + 16 + 64 + 28 + 4);	/* reads 1: fine */
	assert_int_equal(parse(list, len, &x, &err), 0);
	assert_int_equal(ktgt_xcopy_check_seg(&x, 1, t, &a), 0);
	put_unaligned_be16(1, list + 16 + 64 + 28 + 6);
	expect_seg_abort(list, len, 1, t, 0x27, 0x00, false, 16 + 32);
}

/* COPY ABORTED sense in both formats (SPC-4 4.5.2.4.5, 4.5.3). */
static void test_abort_sense(void **state)
{
	static const u8 fixed[18] = {
		0xf0, 0, 0x0a, 0, 0, 0x01, 0x00, 10, 0, 0, 0x00, 0x03,
		0x0d, 0x01, 0, 0x80, 0x00, 0x30,
	};
	static const u8 desc[40] = {
		0x72, 0x0a, 0x0d, 0x01, 0, 0, 0, 32,
		0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
		0x01, 0x0a, 0, 0, 0, 0, 0x00, 0x03, 0, 0, 0, 0,
		0x02, 0x06, 0, 0, 0x80, 0x00, 0x30, 0,
	};
	struct ktgt_xcopy_abort a = {
		.asc = 0x0d, .ascq = 0x01, .seg = 3, .has_field = true,
		.bit = -1, .field = 48, .has_resid = true, .resid = 256,
	};
	u8 buf[64];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(ktgt_xcopy_abort_sense(buf, sizeof(buf), false, &a),
			 sizeof(fixed));
	assert_memory_equal(buf, fixed, sizeof(fixed));
	assert_int_equal(buf[18], 0xa5);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(ktgt_xcopy_abort_sense(buf, sizeof(buf), true, &a),
			 sizeof(desc));
	assert_memory_equal(buf, desc, sizeof(desc));
	assert_int_equal(buf[40], 0xa5);
	/* A field of the segment descriptor: SD, BPV and bit 7. */
	a.sd = true;
	a.bit = 7;
	a.field = 20;
	a.has_resid = false;
	ktgt_xcopy_abort_sense(buf, sizeof(buf), false, &a);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(get_unaligned_be32(buf + 3), 0);
	assert_int_equal(buf[15], 0x80 | 0x20 | 0x08 | 7);
	assert_int_equal(get_unaligned_be16(buf + 16), 20);
	assert_int_equal(ktgt_xcopy_abort_sense(buf, sizeof(buf), true, &a),
			 8 + 12 + 8);
	assert_int_equal(buf[7], 20);
	assert_int_equal(buf[8], 0x01);
	assert_int_equal(buf[20], 0x02);
	assert_int_equal(buf[24], 0xaf);
	/* No segment pointer; cut to the buffer. */
	a.has_field = false;
	assert_int_equal(ktgt_xcopy_abort_sense(buf, sizeof(buf), true, &a),
			 8 + 12);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(ktgt_xcopy_abort_sense(buf, 8, false, &a), 8);
	assert_int_equal(buf[8], 0xa5);
}

/* The copy target's status and sense, forwarded (SPC-4 4.5.2.x, 4.5.3). */
static void test_abort_forward(void **state)
{
	static const u8 fsense[18] = { 0x70, 0, 0x03, [7] = 10, [12] = 0x11 };
	struct ktgt_xcopy_abort a = {
		.asc = 0x0d, .ascq = 0x01, .seg = 1, .has_field = true,
		.bit = -1, .field = 16, .fwd = KTGT_XCOPY_FWD_SOURCE,
		.fwd_status = 0x02, .fwd_len = sizeof(fsense),
		.fwd_sense = fsense,
	};
	u8 buf[KTGT_XCOPY_ABORT_SENSE_MAX + 8];
	u32 n;

	(void)state;
	/* Fixed: appended at 18, its offset in CSI byte 0 (source). */
	memset(buf, 0xa5, sizeof(buf));
	n = ktgt_xcopy_abort_sense(buf, 96, false, &a);
	assert_int_equal(n, 18 + 1 + sizeof(fsense));
	assert_int_equal(buf[7], n - 8);
	assert_int_equal(buf[8], 18);
	assert_int_equal(buf[9], 0);
	assert_int_equal(get_unaligned_be16(buf + 10), 1);
	assert_int_equal(buf[18], 0x02);
	assert_memory_equal(buf + 19, fsense, sizeof(fsense));
	assert_int_equal(buf[n], 0xa5);
	/* The destination: CSI byte 1. */
	a.fwd = KTGT_XCOPY_FWD_DEST;
	ktgt_xcopy_abort_sense(buf, 96, false, &a);
	assert_int_equal(buf[8], 0);
	assert_int_equal(buf[9], 18);
	/* Not whole in the buffer: left out, not cut. */
	memset(buf, 0xa5, sizeof(buf));
	n = ktgt_xcopy_abort_sense(buf, 36, false, &a);
	assert_int_equal(n, 18);
	assert_int_equal(buf[7], 10);
	assert_int_equal(buf[9], 0);
	/* Descriptor: forwarded sense data descriptor after the others. */
	memset(buf, 0xa5, sizeof(buf));
	n = ktgt_xcopy_abort_sense(buf, 96, true, &a);
	assert_int_equal(n, 8 + 12 + 8 + 4 + sizeof(fsense));
	assert_int_equal(buf[7], n - 8);
	assert_int_equal(buf[28], 0x0c);
	assert_int_equal(buf[29], 2 + sizeof(fsense));
	assert_int_equal(buf[30], KTGT_XCOPY_FWD_DEST);
	assert_int_equal(buf[31], 0x02);
	assert_memory_equal(buf + 32, fsense, sizeof(fsense));
	assert_int_equal(buf[n], 0xa5);
	/* Cut to the buffer: FSDT. */
	n = ktgt_xcopy_abort_sense(buf, 40, true, &a);
	assert_int_equal(n, 40);
	assert_int_equal(buf[7], 32);
	assert_int_equal(buf[29], 2 + 8);
	assert_int_equal(buf[30], 0x80 | KTGT_XCOPY_FWD_DEST);
	/* No room for even its header: none. */
	n = ktgt_xcopy_abort_sense(buf, 30, true, &a);
	assert_int_equal(n, 28);
	assert_int_equal(buf[7], 20);
}

static void test_op_params(void **state)
{
	u8 buf[64], small[10];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(ktgt_xcopy_op_params(buf, sizeof(buf)),
			 KTGT_RCR_OP_PARAMS_LEN);
	assert_int_equal(get_unaligned_be32(buf), KTGT_RCR_OP_PARAMS_LEN - 4);
	assert_int_equal(buf[4], 0x01);
	assert_int_equal(get_unaligned_be16(buf + 8),
			 KTGT_XCOPY_MAX_TGT_DESCS);
	assert_int_equal(get_unaligned_be16(buf + 10),
			 KTGT_XCOPY_MAX_SEG_DESCS);
	assert_int_equal(get_unaligned_be32(buf + 12),
			 KTGT_XCOPY_MAX_DESC_LIST_LEN);
	assert_int_equal(get_unaligned_be32(buf + 16),
			 KTGT_XCOPY_MAX_SEG_BYTES);
	assert_int_equal(get_unaligned_be32(buf + 20), 0);
	assert_int_equal(buf[43], 2);
	assert_int_equal(buf[44], 0x02);
	assert_int_equal(buf[45], 0xe4);
	assert_int_equal(buf[46], 0xa5);
	/* Truncated: nothing written past the buffer. */
	memset(small, 0xa5, sizeof(small));
	assert_int_equal(ktgt_xcopy_op_params(small, 9),
			 KTGT_RCR_OP_PARAMS_LEN);
	assert_int_equal(small[9], 0xa5);
	assert_int_equal(small[3], KTGT_RCR_OP_PARAMS_LEN - 4);
}

static void test_copy_status(void **state)
{
	static const u8 good[] = {
		0, 0, 0, 8, 0x01, 0x00, 0x02, 0x00, 0x00, 0x10, 0x00, 0x00,
	};
	u8 buf[16];

	(void)state;
	assert_int_equal(ktgt_xcopy_copy_status(buf, sizeof(buf),
						KTGT_XCOPY_STATUS_GOOD, 2,
						0x100000),
			 sizeof(good));
	assert_memory_equal(buf, good, sizeof(good));
	/* More than 4 GiB: counted in KiB. */
	ktgt_xcopy_copy_status(buf, sizeof(buf), KTGT_XCOPY_STATUS_ERROR, 1,
			       0x200000000ULL);
	assert_int_equal(buf[4], 0x02);
	assert_int_equal(buf[7], 0x01);
	assert_int_equal(get_unaligned_be32(buf + 8), 0x800000);
}

static void test_failed_segment(void **state)
{
	const u8 sense[18] = { 0x70, 0, 0x0a, [7] = 10, [12] = 0x0d,
			       [13] = 0x02 };
	u8 buf[128];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(ktgt_xcopy_failed_segment(buf, sizeof(buf), 0x02,
						   sense, sizeof(sense)),
			 60 + 18);
	assert_int_equal(get_unaligned_be32(buf), 60 + 18 - 4);
	assert_int_equal(buf[4], 0);
	assert_int_equal(buf[55], 0);
	assert_int_equal(buf[56], 0x02);
	assert_int_equal(get_unaligned_be16(buf + 58), 18);
	assert_memory_equal(buf + 60, sense, sizeof(sense));
	assert_int_equal(buf[78], 0xa5);
	assert_int_equal(ktgt_xcopy_failed_segment(buf, 20, 0, NULL, 0), 60);
}

static void test_vpd_8f(void **state)
{
	struct ktgt_spc_dev d;
	u8 buf[KTGT_SPC_VPD_MAX_LEN];
	u32 n;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.pdt = 0;
	d.block_size = 512;
	assert_true(ktgt_spc_vpd_supported(&d, 0x8f));
	n = ktgt_spc_vpd(&d, 0x8f, buf, sizeof(buf));
	assert_int_equal(n, KTGT_XCOPY_VPD_LEN);
	assert_int_equal(buf[1], 0x8f);
	assert_int_equal(get_unaligned_be16(buf + 2), n - 4);
	/* Supported Commands: 83h/00h, 84h/00h,03h,04h */
	assert_int_equal(get_unaligned_be16(buf + 4), 0x0001);
	assert_int_equal(get_unaligned_be16(buf + 6), 12);
	assert_int_equal(buf[8], 8);
	assert_int_equal(buf[9], 0x83);
	assert_int_equal(buf[12], 0x84);
	assert_int_equal(buf[13], 3);
	/* Parameter Data */
	assert_int_equal(get_unaligned_be16(buf + 20), 0x0004);
	assert_int_equal(get_unaligned_be16(buf + 22), 0x1c);
	assert_int_equal(get_unaligned_be16(buf + 28),
			 KTGT_XCOPY_MAX_TGT_DESCS);
	/* Supported Descriptors */
	assert_int_equal(get_unaligned_be16(buf + 52), 0x0008);
	assert_int_equal(buf[56], 2);
	assert_int_equal(buf[57], 0x02);
	assert_int_equal(buf[58], 0xe4);
	/* General Copy Operations */
	assert_int_equal(get_unaligned_be16(buf + 60), 0x8001);
	assert_int_equal(get_unaligned_be16(buf + 62), 0x1c);
	/* Every descriptor length is a multiple of 4. */
	assert_int_equal(get_unaligned_be16(buf + 6) % 4, 0);
	assert_int_equal(get_unaligned_be16(buf + 54) % 4, 0);
	/* A CD-ROM has no third-party copy page. */
	d.pdt = 5;
	assert_false(ktgt_spc_vpd_supported(&d, 0x8f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_list_length),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_unsupported_types),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_bad_index),
		cmocka_unit_test(test_check_seg),
		cmocka_unit_test(test_seg_limits),
		cmocka_unit_test(test_abort_sense),
		cmocka_unit_test(test_abort_forward),
		cmocka_unit_test(test_op_params),
		cmocka_unit_test(test_copy_status),
		cmocka_unit_test(test_failed_segment),
		cmocka_unit_test(test_vpd_8f),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
