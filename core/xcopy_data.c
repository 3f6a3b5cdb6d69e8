// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: EXTENDED COPY (LID1) parameter list parser and RECEIVE COPY
 * RESULTS data builders (SPC-4 6.4, 6.18). See xcopy_data.h.
 *
 * Every read of the parameter list is bounds checked against the length
 * the initiator sent; every write of a result against the buffer's size.
 * Portable: compiles in the kernel and in host tests (see portable.h).
 */
#include "xcopy_data.h"

/* ILLEGAL REQUEST, @asc/@ascq, field @field (bit @bit) of the list. */
static int param_err(struct ktgt_sense_info *err, u8 asc, u8 ascq, u32 field,
		     int bit)
{
	ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST, asc, ascq);
	ktgt_sense_set_field(err, false, (u16)(field > 0xffff ? 0xffff : field),
			     bit);
	return -EINVAL;
}

static int list_len_err(struct ktgt_sense_info *err)
{
	ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST,
		       KTGT_ASC_PARAM_LIST_LENGTH, 0);
	return -EINVAL;
}

/* An identification target descriptor at @p (32 bytes, in bounds). */
static int parse_tgt(const u8 *p, u32 off, struct ktgt_xcopy_tgt *t,
		     struct ktgt_sense_info *err)
{
	if (p[0] != KTGT_XCOPY_TGT_IDENT)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM,
				 KTGT_ASCQ_UNSUPP_TGT_DESC, off, 7);
	/*
	 * Byte 1: LU ID TYPE (7:6; SPC-4 ignores it for E4h), NUL (5,
	 * obsolete), PERIPHERAL DEVICE TYPE (4:0): block devices only.
	 */
	if (p[1] & 0x1f)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0,
				 off + 1, 4);
	/* Bytes 4-7: the designation descriptor's header. */
	t->code_set = p[4] & 0x0f;
	t->assoc = (p[5] >> 4) & 0x3;
	t->type = p[5] & 0x0f;
	t->len = p[7];
	if (!t->len || t->len > sizeof(t->desig))
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0,
				 off + 7, 7);
	memcpy(t->desig, p + 8, t->len);
	/* Bytes 28-31: PAD (28 bit 2), DISK BLOCK LENGTH (29-31). */
	t->block_size = get_unaligned_be24(p + 29);
	if (!t->block_size)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0,
				 off + 29, 7);
	return 0;
}

/*
 * A segment descriptor at @off, @avail bytes of it in the list; @x has
 * its target descriptors.
 */
static int parse_seg(const u8 *p, u32 off, u32 avail,
		     const struct ktgt_xcopy *x, struct ktgt_xcopy_seg *s,
		     struct ktgt_sense_info *err)
{
	u32 bs;

	u32 dlen = get_unaligned_be16(p + 2);

	if (p[0] != KTGT_XCOPY_SEG_B2B)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM,
				 KTGT_ASCQ_UNSUPP_SEG_DESC, off, 7);
	if (dlen + 4 != KTGT_XCOPY_B2B_DESC_LEN)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0,
				 off + 2, 7);
	if (avail < KTGT_XCOPY_B2B_DESC_LEN)
		return list_len_err(err);
	s->off = off;
	s->dc = p[1] & 0x02;
	s->src = get_unaligned_be16(p + 4);
	s->dst = get_unaligned_be16(p + 6);
	s->nr_blocks = get_unaligned_be16(p + 10);
	s->src_lba = get_unaligned_be64(p + 12);
	s->dst_lba = get_unaligned_be64(p + 20);
	/* An index naming no target descriptor: ktgt_xcopy_check_seg(). */
	if (s->src >= x->nr_tgts || s->dst >= x->nr_tgts)
		return 0;
	/*
	 * What the copy manager cannot do, checked for every segment
	 * before any is processed, not when the segment is reached after
	 * earlier ones were copied: copy between different block sizes
	 * (NUMBER OF BLOCKS counts source blocks, or destination blocks
	 * with DC, and a byte count that is not a whole number of blocks
	 * of the other side needs the residue handling of the PAD and CAT
	 * bits, not supported), and write more than
	 * KTGT_XCOPY_MAX_SEG_BYTES (MAXIMUM SEGMENT LENGTH) in a segment.
	 */
	bs = x->tgts[s->src].block_size;
	if (x->tgts[s->dst].block_size != bs)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0,
				 off + 6, 7);
	if ((u64)s->nr_blocks * bs > KTGT_XCOPY_MAX_SEG_BYTES)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0,
				 off + 10, 7);
	return 0;
}

int ktgt_xcopy_parse(const u8 *p, u32 len, struct ktgt_xcopy *x,
		     struct ktgt_sense_info *err)
{
	u32 tdll, sdll, inl, off, end, i;
	int ret;

	memset(x, 0, sizeof(*x));
	if (!len)
		return 0;
	if (len < KTGT_XCOPY_HDR_LEN)
		return list_len_err(err);

	x->list_id = p[0];
	x->list_id_usage = (p[1] >> 3) & 0x3;
	tdll = get_unaligned_be16(p + 2);
	sdll = get_unaligned_be32(p + 8);
	inl = get_unaligned_be32(p + 12);

	/* Lengths first: a list longer than supported or than sent. */
	if ((u64)tdll + sdll > KTGT_XCOPY_MAX_DESC_LIST_LEN)
		return list_len_err(err);
	if ((u64)KTGT_XCOPY_HDR_LEN + tdll + sdll + inl > len)
		return list_len_err(err);

	/* LIST ID USAGE 01b is reserved; 11b wants LIST IDENTIFIER 0. */
	if (x->list_id_usage == 0x1)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0, 1, 4);
	if (x->list_id_usage == KTGT_XCOPY_LID_NONE && x->list_id)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0, 0, 7);
	/* No inline data: no segment descriptor could use it. */
	if (inl)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0, 12,
				 7);
	if (tdll % KTGT_XCOPY_TGT_DESC_LEN)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM, 0, 2, 7);
	if (tdll / KTGT_XCOPY_TGT_DESC_LEN > KTGT_XCOPY_MAX_TGT_DESCS)
		return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM,
				 KTGT_ASCQ_TOO_MANY_TGT_DESCS, 2, 7);

	off = KTGT_XCOPY_HDR_LEN;
	for (i = 0; i < tdll / KTGT_XCOPY_TGT_DESC_LEN; i++) {
		ret = parse_tgt(p + off, off, &x->tgts[i], err);
		if (ret)
			return ret;
		off += KTGT_XCOPY_TGT_DESC_LEN;
	}
	x->nr_tgts = (u16)i;

	end = off + sdll;
	while (off < end) {
		/* Type and length: the first 4 bytes of any descriptor. */
		if (end - off < 4)
			return list_len_err(err);
		if (x->nr_segs == KTGT_XCOPY_MAX_SEG_DESCS) {
			/* Report an unsupported type before the count. */
			if (p[off] != KTGT_XCOPY_SEG_B2B)
				return param_err(err,
						 KTGT_ASC_INVALID_FIELD_IN_PARAM,
						 KTGT_ASCQ_UNSUPP_SEG_DESC, off,
						 7);
			return param_err(err, KTGT_ASC_INVALID_FIELD_IN_PARAM,
					 KTGT_ASCQ_TOO_MANY_SEG_DESCS, 8, 7);
		}
		ret = parse_seg(p + off, off, end - off, x,
				&x->segs[x->nr_segs], err);
		if (ret)
			return ret;
		x->nr_segs++;
		off += KTGT_XCOPY_B2B_DESC_LEN;
	}
	return 0;
}

/*
 * The SENSE KEY SPECIFIC bytes in segment pointer form (SPC-4 4.5.2.4.5):
 *   byte 0: SKSV(7) reserved(6) SD(5) reserved(4) BPV(3) BIT POINTER(2:0)
 *   bytes 1-2: FIELD POINTER
 */
static void abort_put_sks(u8 *p, const struct ktgt_xcopy_abort *a)
{
	p[0] = 0x80;
	if (a->sd)
		p[0] |= 0x20;
	if (a->bit >= 0 && a->bit <= 7)
		p[0] |= 0x08 | a->bit;
	put_unaligned_be16(a->field, p + 1);
}

/* Forwarded sense data descriptor: type, length, FSDT/source, status. */
#define XCOPY_FWD_DESC_HDR_LEN	4

static u32 abort_sense_fixed(u8 *p, u32 max, const struct ktgt_xcopy_abort *a)
{
	u32 len = KTGT_SENSE_FIXED_LEN;

	p[0] = KTGT_SENSE_FIXED_CURRENT;
	p[2] = KTGT_KEY_COPY_ABORTED;
	if (a->has_resid) {
		p[0] |= 0x80;				/* VALID */
		put_unaligned_be32(a->resid, p + 3);
	}
	p[7] = KTGT_SENSE_FIXED_LEN - 8;
	/* COMMAND-SPECIFIC INFORMATION: no sense offsets, the segment. */
	put_unaligned_be16(a->seg, p + 10);
	p[12] = a->asc;
	p[13] = a->ascq;
	if (a->has_field)
		abort_put_sks(p + 15, a);
	/* The copy target's status and sense, whole or not at all. */
	if (a->fwd != KTGT_XCOPY_FWD_NONE && a->fwd_sense &&
	    len + 1 + a->fwd_len <= max) {
		p[a->fwd == KTGT_XCOPY_FWD_SOURCE ? 8 : 9] = (u8)len;
		p[len] = a->fwd_status;
		memcpy(p + len + 1, a->fwd_sense, a->fwd_len);
		len += 1 + a->fwd_len;
		p[7] = (u8)(len - 8);
	}
	return len;
}

static u32 abort_sense_desc(u8 *p, u32 max, const struct ktgt_xcopy_abort *a)
{
	u32 n;

	u32 len = KTGT_SENSE_DESC_HDR_LEN;

	p[0] = KTGT_SENSE_DESC_CURRENT;
	p[1] = KTGT_KEY_COPY_ABORTED;
	p[2] = a->asc;
	p[3] = a->ascq;
	if (a->has_resid) {
		/* Information descriptor. */
		p[len] = 0x00;
		p[len + 1] = KTGT_SENSE_DESC_INFO_LEN - 2;
		p[len + 2] = 0x80;			/* VALID */
		put_unaligned_be64(a->resid, p + len + 4);
		len += KTGT_SENSE_DESC_INFO_LEN;
	}
	/* Command-specific information descriptor, as in sense.c. */
	p[len] = 0x01;
	p[len + 1] = KTGT_SENSE_DESC_CSI_LEN - 2;
	put_unaligned_be16(a->seg, p + len + 6);
	len += KTGT_SENSE_DESC_CSI_LEN;
	if (a->has_field) {
		/* Sense key specific descriptor. */
		p[len] = 0x02;
		p[len + 1] = KTGT_SENSE_DESC_SKS_LEN - 2;
		abort_put_sks(p + len + 4, a);
		len += KTGT_SENSE_DESC_SKS_LEN;
	}
	/* Forwarded sense data descriptor, cut to fit (FSDT). */
	if (a->fwd != KTGT_XCOPY_FWD_NONE && a->fwd_sense &&
	    len + XCOPY_FWD_DESC_HDR_LEN <= max) {
		n = max - len - XCOPY_FWD_DESC_HDR_LEN;
		if (n > a->fwd_len)
			n = a->fwd_len;
		p[len] = 0x0c;
		p[len + 1] = (u8)(2 + n);
		p[len + 2] = a->fwd & 0x0f;
		if (n < a->fwd_len)
			p[len + 2] |= 0x80;			/* FSDT */
		p[len + 3] = a->fwd_status;
		memcpy(p + len + XCOPY_FWD_DESC_HDR_LEN, a->fwd_sense, n);
		len += XCOPY_FWD_DESC_HDR_LEN + n;
	}
	p[7] = (u8)(len - 8);
	return len;
}

u32 ktgt_xcopy_abort_sense(u8 *buf, u32 buflen, bool desc,
			   const struct ktgt_xcopy_abort *a)
{
	u8 tmp[KTGT_XCOPY_ABORT_SENSE_MAX];
	u32 len, max;

	memset(tmp, 0, sizeof(tmp));
	max = buflen < sizeof(tmp) ? buflen : (u32)sizeof(tmp);
	len = desc ? abort_sense_desc(tmp, max, a) :
		     abort_sense_fixed(tmp, max, a);
	if (len > buflen)
		len = buflen;
	if (len)
		memcpy(buf, tmp, len);
	return len;
}

static int seg_abort(struct ktgt_xcopy_abort *a, u8 asc, u8 ascq, u16 seg,
		     bool sd, u32 field)
{
	memset(a, 0, sizeof(*a));
	a->asc = asc;
	a->ascq = ascq;
	a->seg = seg;
	a->has_field = true;
	a->sd = sd;
	a->field = (u16)(field > 0xffff ? 0xffff : field);
	/*
	 * A field of the segment descriptor: its most significant bit; a
	 * whole target descriptor: no bit.
	 */
	a->bit = sd ? 7 : -1;
	return -EINVAL;
}

/* Whether @nr blocks from @lba end within @cap blocks. */
static bool seg_in_range(u64 lba, u16 nr, u64 cap)
{
	return lba <= cap && nr <= cap - lba;
}

int ktgt_xcopy_check_seg(const struct ktgt_xcopy *x, u16 i,
			 const struct ktgt_xcopy_cscd *t,
			 struct ktgt_xcopy_abort *a)
{
	const struct ktgt_xcopy_seg *s = &x->segs[i];

	/* Bytes 4-5 and 6-7 of the segment descriptor: the indexes. */
	if (s->src >= x->nr_tgts)
		return seg_abort(a, KTGT_ASC_UNREACHABLE_TARGET,
				 KTGT_ASCQ_UNREACHABLE_TARGET, i, true, 4);
	if (s->dst >= x->nr_tgts)
		return seg_abort(a, KTGT_ASC_UNREACHABLE_TARGET,
				 KTGT_ASCQ_UNREACHABLE_TARGET, i, true, 6);
	if (!s->nr_blocks)
		return 0;
	if (!t[s->src].found)
		return seg_abort(a, KTGT_ASC_UNREACHABLE_TARGET,
				 KTGT_ASCQ_UNREACHABLE_TARGET, i, false,
				 ktgt_xcopy_tgt_off(s->src));
	if (!t[s->dst].found)
		return seg_abort(a, KTGT_ASC_UNREACHABLE_TARGET,
				 KTGT_ASCQ_UNREACHABLE_TARGET, i, false,
				 ktgt_xcopy_tgt_off(s->dst));
	/* Bytes 12-19 and 20-27: the logical block addresses. */
	if (!seg_in_range(s->src_lba, s->nr_blocks, t[s->src].capacity))
		return seg_abort(a, KTGT_ASC_COPY_TARGET_ERROR,
				 KTGT_ASCQ_COPY_TARGET_NOT_REACHABLE, i, true,
				 12);
	if (!seg_in_range(s->dst_lba, s->nr_blocks, t[s->dst].capacity))
		return seg_abort(a, KTGT_ASC_COPY_TARGET_ERROR,
				 KTGT_ASCQ_COPY_TARGET_NOT_REACHABLE, i, true,
				 20);
	if (t[s->dst].read_only)
		return seg_abort(a, KTGT_ASC_WRITE_PROTECTED, 0, i, false,
				 ktgt_xcopy_tgt_off(s->dst));
	return 0;
}

u32 ktgt_xcopy_op_params(u8 *buf, u32 buflen)
{
	const u32 len = KTGT_RCR_OP_PARAMS_LEN;

	ob_zero(buf, buflen, 0, len);
	ob_put_be(buf, buflen, 0, len - 4, 4);		/* AVAILABLE DATA */
	ob_put8(buf, buflen, 4, 0x01);			/* SNLID */
	ob_put_be(buf, buflen, 8, KTGT_XCOPY_MAX_TGT_DESCS, 2);
	ob_put_be(buf, buflen, 10, KTGT_XCOPY_MAX_SEG_DESCS, 2);
	ob_put_be(buf, buflen, 12, KTGT_XCOPY_MAX_DESC_LIST_LEN, 4);
	ob_put_be(buf, buflen, 16, KTGT_XCOPY_MAX_SEG_BYTES, 4);
	/* 20-23 MAXIMUM INLINE DATA LENGTH, 24-27 HELD DATA LIMIT: 0 */
	/* 28-31 MAXIMUM STREAM DEVICE TRANSFER SIZE: 0 */
	ob_put_be(buf, buflen, 34, KTGT_XCOPY_MAX_CONCURRENT, 2);
	ob_put8(buf, buflen, 36, KTGT_XCOPY_MAX_CONCURRENT);
	ob_put8(buf, buflen, 37, 9);		/* DATA SEGMENT GRANULARITY */
	/* 38 INLINE DATA GRANULARITY, 39 HELD DATA GRANULARITY: 0 */
	ob_put8(buf, buflen, 43, 2);	/* IMPLEMENTED DESCRIPTOR LIST LENGTH */
	ob_put8(buf, buflen, 44, KTGT_XCOPY_SEG_B2B);
	ob_put8(buf, buflen, 45, KTGT_XCOPY_TGT_IDENT);
	return len;
}

u32 ktgt_xcopy_copy_status(u8 *buf, u32 buflen, u8 status, u16 segs,
			   u64 bytes)
{
	const u32 len = KTGT_RCR_COPY_STATUS_LEN;
	u8 units = 0;				/* bytes */

	if (bytes > 0xffffffffULL) {
		units = 0x01;			/* kibibytes */
		bytes >>= 10;
		if (bytes > 0xffffffffULL)
			bytes = 0xffffffffULL;
	}
	ob_zero(buf, buflen, 0, len);
	ob_put_be(buf, buflen, 0, len - 4, 4);
	ob_put8(buf, buflen, 4, status & 0x7f);	/* HDD = 0 */
	ob_put_be(buf, buflen, 5, segs, 2);
	ob_put8(buf, buflen, 7, units);
	ob_put_be(buf, buflen, 8, bytes, 4);
	return len;
}

u32 ktgt_xcopy_failed_segment(u8 *buf, u32 buflen, u8 scsi_status,
			      const u8 *sense, u32 sense_len)
{
	u32 len, i;

	if (sense_len > 0xff)
		sense_len = 0xff;
	len = KTGT_RCR_FAILED_HDR_LEN + sense_len;
	ob_zero(buf, buflen, 0, len);
	ob_put_be(buf, buflen, 0, len - 4, 4);
	ob_put8(buf, buflen, 56, scsi_status);
	ob_put_be(buf, buflen, 58, sense_len, 2);
	for (i = 0; i < sense_len; i++)
		ob_put8(buf, buflen, KTGT_RCR_FAILED_HDR_LEN + i, sense[i]);
	return len;
}
