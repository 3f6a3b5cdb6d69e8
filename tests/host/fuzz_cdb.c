// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the CDB decoder and the sense builder.
 *
 * Input layout (short inputs are zero-padded):
 *   byte 0      bit 0: table (SBC / MMC); bit 1: sense format;
 *               bits 2-7: sense buffer size
 *   bytes 1-4   block size (big-endian; a few values are mapped to the
 *               usual sizes so they come up often)
 *   bytes 5-8   maximum transfer length in blocks
 *   bytes 9-16  capacity in blocks
 *   byte 17     bit 7 set: structured mode, bits 5-0 pick a descriptor
 *               of the table, whose opcode and service action replace
 *               the CDB's and whose usage mask is applied to the rest of
 *               the CDB (so every command's success paths are reached);
 *               bit 6 also sets one random disallowed bit
 *   bytes 18-   the CDB, of exactly the remaining length
 *
 * Besides crashing under ASan/UBSan, the harness aborts when a decoded
 * command breaks an invariant the core will rely on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cdb.h"
#include "sense.h"

#define HDR_LEN		18

#define check(cond)	do { if (!(cond)) abort(); } while (0)

static u32 pick_block_size(u32 raw)
{
	switch (raw & 0xff000000) {
	case 0x00000000:
		return 512;
	case 0x01000000:
		return 4096;
	case 0x02000000:
		return 2048;
	case 0x03000000:
		return 0;
	default:
		return raw;
	}
}

/* Build sense in both formats into exact-size heap buffers. */
static void fuzz_sense(const struct ktgt_sense_info *s, size_t buflen)
{
	u8 *buf = malloc(buflen ? buflen : 1);
	size_t n, full;
	u8 tmp[KTGT_SENSE_MAX_LEN];

	check(buf);
	n = ktgt_sense_build(buf, buflen, false, s);
	check(n <= buflen && n <= KTGT_SENSE_FIXED_LEN);
	full = ktgt_sense_build(tmp, sizeof(tmp), false, s);
	check(full == KTGT_SENSE_FIXED_LEN);
	check(tmp[0] == 0x70 || tmp[0] == 0xf0);
	check(tmp[7] == full - 8);

	n = ktgt_sense_build(buf, buflen, true, s);
	check(n <= buflen);
	full = ktgt_sense_build(tmp, sizeof(tmp), true, s);
	check(full >= KTGT_SENSE_DESC_HDR_LEN && full <= KTGT_SENSE_MAX_LEN);
	check(tmp[0] == 0x72 && tmp[7] == full - 8);
	if (n)
		check(!memcmp(buf, tmp, n));
	free(buf);
}

/* Recheck a successful decode against its descriptor, independently. */
static void check_decoded(const u8 *cdb, size_t len,
			  const struct ktgt_cdb_limits *lim,
			  const struct ktgt_cdb *c)
{
	const struct ktgt_cdb_desc *d = c->desc;
	unsigned int i;

	check(d);
	check(d->opcode == cdb[0] && c->opcode == cdb[0]);
	check(len >= d->len);
	for (i = 1; i < d->len; i++) {
		u8 allowed = d->usage[i];

		if ((d->flags & KTGT_CDB_F_SA) && i == d->sa_off) {
			allowed |= d->sa_mask;
			check((cdb[i] & d->sa_mask) == d->sa);
			check(c->sa == d->sa);
		}
		check(!(cdb[i] & ~allowed));
	}
	if (d->lba_width && d->lba_width < 8)
		check(c->lba < 1ULL << (8 * d->lba_width));
	if (!d->lba_width)
		check(!c->lba);
	if (c->dir == KTGT_DIR_NONE)
		check(!c->xfer_len);
	if ((d->flags & KTGT_CDB_F_NEEDS_BS))
		check(lim->block_size);
	if ((d->flags & KTGT_CDB_F_MAX_XFER) && lim->max_xfer_blocks)
		check(c->nr_blocks <= lim->max_xfer_blocks);
	if (d->xfer == KTGT_XFER_BLOCKS && d->rule == KTGT_RULE_NONE)
		check(c->xfer_len == (u64)c->nr_blocks * lim->block_size);
	if (d->xfer == KTGT_XFER_BYTES)
		check(c->xfer_len == ktgt_get_be(cdb + d->len_off,
						 d->len_width));
	/* SSC READ(6)/WRITE(6): FIXED counts blocks, else bytes. */
	if (d->rule == KTGT_RULE_SSC_RW6) {
		u64 n = ktgt_get_be(cdb + d->len_off, d->len_width);

		if (cdb[1] & 0x01)
			check(c->nr_blocks == n &&
			      c->xfer_len == n * lim->block_size &&
			      !(cdb[1] & 0x02));
		else
			check(!c->nr_blocks && c->xfer_len == n);
	}
	if ((c->flags & KTGT_CDB_FUA))
		check(d->flags & KTGT_CDB_F_FUA);
}

static void check_error(const u8 *cdb, size_t len,
			const struct ktgt_sense_info *err)
{
	check(err->key == KTGT_KEY_ILLEGAL_REQUEST ||
	      err->key == KTGT_KEY_NOT_READY);
	check(err->bit >= -1 && err->bit <= 7);
	if (err->has_field) {
		check(err->cd);
		check(err->field < KTGT_CDB_MAX_LEN);
		/* The pointed-at byte was there, except for a short CDB. */
		if (err->field)
			check(err->field < len);
	}
	(void)cdb;
}

/* Structured mode: turn the CDB bytes into a mostly valid command. */
static void shape_cdb(const struct ktgt_cdb_table *tbl, u8 sel, u8 *cdb,
		      size_t len)
{
	unsigned int i, n = ktgt_cdb_table_size(tbl);
	const struct ktgt_cdb_desc *d;

	check(n);
	d = ktgt_cdb_table_desc(tbl, (sel & 0x3f) % n);

	check(d);
	check(!ktgt_cdb_table_desc(tbl, n));
	if (!len)
		return;
	cdb[0] = d->opcode;
	for (i = 1; i < len && i < d->len; i++) {
		u8 allowed = d->usage[i];

		if ((d->flags & KTGT_CDB_F_SA) && i == d->sa_off)
			cdb[i] = (cdb[i] & allowed & ~d->sa_mask) | d->sa;
		else
			cdb[i] &= allowed;
	}
	if ((sel & 0x40) && d->len > 1) {
		/* One bit the mask forbids, if the chosen byte has any. */
		unsigned int byte = 1 + cdb[len - 1] % (d->len - 1);
		u8 forbidden = ~d->usage[byte];

		if ((d->flags & KTGT_CDB_F_SA) && byte == d->sa_off)
			forbidden &= ~d->sa_mask;
		if (byte < len)
			cdb[byte] |= forbidden &
				     (u8)(1U << ((cdb[len - 1] >> 4) & 7));
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 pdts[] = { 0x00, 0x05, 0x01, 0x00 };
	u8 hdr[HDR_LEN] = { 0 };
	const struct ktgt_cdb_table *tbl;
	struct ktgt_cdb_limits lim;
	struct ktgt_sense_info err, s;
	struct ktgt_cdb c;
	size_t cdb_len;
	u64 nr_lbas;
	u8 *cdb;
	int ret;

	memcpy(hdr, data, size < HDR_LEN ? size : HDR_LEN);
	cdb_len = size > HDR_LEN ? size - HDR_LEN : 0;

	tbl = ktgt_cdb_table_for_type(pdts[hdr[0] & 3]);
	check(tbl);
	lim.block_size = pick_block_size(get_unaligned_be32(hdr + 1));
	lim.max_xfer_blocks = get_unaligned_be32(hdr + 5);
	nr_lbas = get_unaligned_be64(hdr + 9);

	/* The CDB in a buffer of exactly its length. */
	cdb = malloc(cdb_len ? cdb_len : 1);
	check(cdb);
	if (cdb_len)
		memcpy(cdb, data + HDR_LEN, cdb_len);
	if (hdr[17] & 0x80)
		shape_cdb(tbl, hdr[17], cdb, cdb_len);

	memset(&err, 0, sizeof(err));
	ret = ktgt_cdb_decode(tbl, cdb, cdb_len, &lim, &c, &err);
	if (ret) {
		check(ret == -EINVAL);
		check_error(cdb, cdb_len, &err);
	} else {
		check_decoded(cdb, cdb_len, &lim, &c);
		ret = ktgt_cdb_check_range(&c, nr_lbas, &err);
		if (!ret && (c.desc->flags & KTGT_CDB_F_RANGE)) {
			check(c.lba < nr_lbas);
			check(c.nr_blocks <= nr_lbas - c.lba);
		}
		check(ret == 0 || ret == -ERANGE);
		if (ret)
			check(err.asc == KTGT_ASC_LBA_OUT_OF_RANGE);
	}
	if (ret)
		fuzz_sense(&err, hdr[0] >> 2);

	/* The lookup and usage data for whatever the CDB names. */
	if (cdb_len >= 2) {
		const struct ktgt_cdb_desc *d;
		u8 usage[KTGT_CDB_MAX_LEN];
		bool uses_sa;

		memset(usage, 0, sizeof(usage));
		d = ktgt_cdb_lookup(tbl, cdb[0], cdb[1], &uses_sa);
		check(!d || !!(d->flags & KTGT_CDB_F_SA) == uses_sa);
		if (d) {
			check(ktgt_cdb_usage_data(d, usage, cdb_len % 17) ==
			      d->len);
			check(usage[0] == d->opcode || cdb_len % 17 == 0);
		}
	}

	/* The sense builder on arbitrary members. */
	memset(&s, 0, sizeof(s));
	s.key = hdr[1];
	s.asc = hdr[2];
	s.ascq = hdr[3];
	s.has_field = hdr[4] & 1;
	s.cd = hdr[4] & 2;
	s.has_info = hdr[4] & 4;
	s.has_csi = hdr[4] & 32;
	s.csi = (u32)nr_lbas;
	s.bit = (s8)hdr[5];
	s.field = get_unaligned_be16(hdr + 6);
	s.info = nr_lbas;
	fuzz_sense(&s, hdr[8] % (KTGT_SENSE_MAX_LEN + 8));

	/* And through the helpers. */
	if (hdr[4] & 8)
		ktgt_sense_invalid_param(&s, s.field, s.bit);
	else
		ktgt_sense_invalid_cdb(&s, s.field, s.bit);
	if (hdr[4] & 16)
		ktgt_sense_set_info(&s, nr_lbas);
	check(s.bit >= -1 && s.bit <= 7);
	fuzz_sense(&s, hdr[8] % (KTGT_SENSE_MAX_LEN + 8));

	free(cdb);
	return 0;
}
