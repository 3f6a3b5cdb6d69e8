// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: SCSI sense data builder (SPC-4 4.5).
 *
 * Portable: no kernel dependencies beyond portable.h, so the host unit
 * tests and the fuzzer run exactly this code.
 */
#include "sense.h"

void ktgt_sense_set(struct ktgt_sense_info *s, u8 key, u8 asc, u8 ascq)
{
	memset(s, 0, sizeof(*s));
	s->key = key;
	s->asc = asc;
	s->ascq = ascq;
	s->bit = -1;
}

void ktgt_sense_set_field(struct ktgt_sense_info *s, bool cd, u16 field,
			  int bit)
{
	s->has_field = true;
	s->cd = cd;
	s->field = field;
	s->bit = (bit >= 0 && bit <= 7) ? bit : -1;
}

void ktgt_sense_set_info(struct ktgt_sense_info *s, u64 info)
{
	s->has_info = true;
	s->info = info;
}

void ktgt_sense_set_csi(struct ktgt_sense_info *s, u32 csi)
{
	s->has_csi = true;
	s->csi = csi;
}

void ktgt_sense_invalid_cdb(struct ktgt_sense_info *s, u16 field, int bit)
{
	ktgt_sense_set(s, KTGT_KEY_ILLEGAL_REQUEST,
		       KTGT_ASC_INVALID_FIELD_IN_CDB, 0);
	ktgt_sense_set_field(s, true, field, bit);
}

void ktgt_sense_invalid_param(struct ktgt_sense_info *s, u16 field, int bit)
{
	ktgt_sense_set(s, KTGT_KEY_ILLEGAL_REQUEST,
		       KTGT_ASC_INVALID_FIELD_IN_PARAM, 0);
	ktgt_sense_set_field(s, false, field, bit);
}

/*
 * The three sense-key specific bytes in field pointer form (SPC-4
 * 4.5.2.4.2), shared by both formats:
 *   byte 0: SKSV(7) C/D(6) reserved(5:4) BPV(3) BIT POINTER(2:0)
 *   bytes 1-2: FIELD POINTER
 */
static void sense_put_sks(u8 *p, const struct ktgt_sense_info *s)
{
	p[0] = 0x80;
	if (s->cd)
		p[0] |= 0x40;
	if (s->bit >= 0 && s->bit <= 7)
		p[0] |= 0x08 | s->bit;
	put_unaligned_be16(s->field, p + 1);
}

static size_t sense_build_fixed(u8 *p, const struct ktgt_sense_info *s)
{
	p[0] = KTGT_SENSE_FIXED_CURRENT;
	p[2] = s->key & 0x0f;
	if (s->has_info && s->info <= 0xffffffffULL) {
		p[0] |= 0x80;			/* VALID */
		put_unaligned_be32((u32)s->info, p + 3);
	}
	p[7] = KTGT_SENSE_FIXED_LEN - 8;	/* ADDITIONAL SENSE LENGTH */
	if (s->has_csi)
		put_unaligned_be32(s->csi, p + 8);
	p[12] = s->asc;
	p[13] = s->ascq;
	if (s->has_field)
		sense_put_sks(p + 15, s);
	return KTGT_SENSE_FIXED_LEN;
}

static size_t sense_build_desc(u8 *p, const struct ktgt_sense_info *s)
{
	size_t len = KTGT_SENSE_DESC_HDR_LEN;

	p[0] = KTGT_SENSE_DESC_CURRENT;
	p[1] = s->key & 0x0f;
	p[2] = s->asc;
	p[3] = s->ascq;

	if (s->has_info) {
		/* Information descriptor (SPC-4 4.5.2.2). */
		p[len] = 0x00;
		p[len + 1] = KTGT_SENSE_DESC_INFO_LEN - 2;
		p[len + 2] = 0x80;		/* VALID */
		put_unaligned_be64(s->info, p + len + 4);
		len += KTGT_SENSE_DESC_INFO_LEN;
	}
	if (s->has_csi) {
		/*
		 * Command-specific information descriptor (SPC-4 4.5.2.3):
		 * the fixed format bytes first (see ktgt_sense_set_csi()).
		 */
		p[len] = 0x01;
		p[len + 1] = KTGT_SENSE_DESC_CSI_LEN - 2;
		put_unaligned_be32(s->csi, p + len + 4);
		len += KTGT_SENSE_DESC_CSI_LEN;
	}
	if (s->has_field) {
		/* Sense key specific descriptor (SPC-4 4.5.2.4). */
		p[len] = 0x02;
		p[len + 1] = KTGT_SENSE_DESC_SKS_LEN - 2;
		sense_put_sks(p + len + 4, s);
		len += KTGT_SENSE_DESC_SKS_LEN;
	}
	p[7] = len - 8;				/* ADDITIONAL SENSE LENGTH */
	return len;
}

size_t ktgt_sense_build(u8 *buf, size_t buflen, bool descriptor,
			const struct ktgt_sense_info *s)
{
	u8 tmp[KTGT_SENSE_MAX_LEN];
	size_t len;

	memset(tmp, 0, sizeof(tmp));
	if (descriptor)
		len = sense_build_desc(tmp, s);
	else
		len = sense_build_fixed(tmp, s);

	if (len > buflen)
		len = buflen;
	if (len)
		memcpy(buf, tmp, len);
	return len;
}
