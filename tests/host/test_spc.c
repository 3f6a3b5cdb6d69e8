// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the SPC/SBC response builders and parameter list
 * parsers (core/spc_data.c).
 *
 * Built with ASan and UBSan; see Makefile. Expected bytes are written out
 * by hand from SPC-4 / SBC-3 (offsets and values spelled in each test),
 * not computed by the code under test. Every builder is also run with
 * every shorter buffer to check the truncation to the allocation length,
 * into buffers of the exact size so ASan catches any write past them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "spc_data.h"

/* A 1 GiB disk with 512-byte blocks. */
static void disk(struct ktgt_spc_dev *d)
{
	static const u8 naa[16] = {
		0x60, 0x01, 0x40, 0x5a, 0x00, 0x11, 0x22, 0x33,
		0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	};

	memset(d, 0, sizeof(*d));
	d->pdt = KTGT_PDT_DISK;
	d->block_size = 512;
	d->nr_blocks = 0x200000;
	d->vendor = "KTGT";
	d->product = "vdisk";
	d->revision = "0.1";
	d->serial = "abc123";
	memcpy(d->naa_id, naa, 16);
	d->lim.max_xfer_blocks = 0x800;
	d->lim.opt_xfer_blocks = 0x80;
	d->lim.opt_gran_blocks = 8;
	d->lim.max_ws_blocks = 0x10000;
	d->lim.max_unmap_blocks = 0x400000;
	d->lim.max_unmap_descs = 4;
	d->lim.opt_unmap_gran = 8;
	d->lim.max_caw_blocks = 1;
}

static void cdrom(struct ktgt_spc_dev *d)
{
	disk(d);
	d->pdt = KTGT_PDT_CDROM;
	d->block_size = 2048;
	d->nr_blocks = 1000;
	d->product = "vcdrom";
}

static const struct ktgt_cdb_table *table(u8 pdt)
{
	const struct ktgt_cdb_table *t = ktgt_cdb_table_for_type(pdt);

	assert_non_null(t);
	return t;
}

static void put_str(u8 *p, const char *s)
{
	memcpy(p, s, strlen(s));
}

static void check_sense(const struct ktgt_sense_info *s, u8 key, u8 asc,
			u8 ascq)
{
	assert_int_equal(s->key, key);
	assert_int_equal(s->asc, asc);
	assert_int_equal(s->ascq, ascq);
}

static void check_field(const struct ktgt_sense_info *s, bool cd, u16 field,
			int bit)
{
	assert_true(s->has_field);
	assert_int_equal(s->cd, cd);
	assert_int_equal(s->field, field);
	assert_int_equal(s->bit, bit);
}

static void check_invalid_cdb(const struct ktgt_sense_info *s, u16 field,
			      int bit)
{
	check_sense(s, KTGT_KEY_ILLEGAL_REQUEST, 0x24, 0x00);
	check_field(s, true, field, bit);
}

static void check_invalid_param(const struct ktgt_sense_info *s, u16 field,
				int bit)
{
	check_sense(s, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0x00);
	check_field(s, false, field, bit);
}

static void check_param_len_error(const struct ktgt_sense_info *s)
{
	check_sense(s, KTGT_KEY_ILLEGAL_REQUEST, 0x1a, 0x00);
	assert_false(s->has_field);
}

/*
 * ---------------------------------------------------------------------
 * INQUIRY
 * ---------------------------------------------------------------------
 */

static void test_inquiry_std_disk(void **state)
{
	struct ktgt_spc_dev d;
	u8 exp[96], buf[96];

	(void)state;
	disk(&d);
	memset(exp, 0, sizeof(exp));
	exp[0] = 0x00;		/* PQ 000b, PDT 00h */
	exp[1] = 0x00;		/* RMB 0 */
	exp[2] = 0x06;		/* VERSION: SPC-4 */
	exp[3] = 0x12;		/* HISUP, RESPONSE DATA FORMAT 2 */
	exp[4] = 91;		/* ADDITIONAL LENGTH: 96 - 5 */
	exp[5] = 0x08;		/* 3PC: EXTENDED COPY */
	exp[7] = 0x02;		/* CMDQUE */
	put_str(exp + 8, "KTGT    ");
	put_str(exp + 16, "vdisk           ");
	put_str(exp + 32, "0.1 ");
	exp[58] = 0x00; exp[59] = 0xa0;	/* SAM-5 */
	exp[60] = 0x04; exp[61] = 0x60;	/* SPC-4 */
	exp[62] = 0x04; exp[63] = 0xc0;	/* SBC-3 */

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ktgt_spc_inquiry_std(&d, buf, sizeof(buf)), 96);
	assert_memory_equal(buf, exp, 96);
}

static void test_inquiry_std_cdrom(void **state)
{
	struct ktgt_spc_dev d;
	u8 buf[96];

	(void)state;
	cdrom(&d);
	d.transport_vd = 0x0960;	/* iSCSI */
	d.tpgs = 1;
	d.vendor = "ABCDEFGHIJK";	/* longer than 8: cut */
	d.revision = "";
	memset(buf, 0xee, sizeof(buf));
	ktgt_spc_inquiry_std(&d, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x05);
	assert_int_equal(buf[1], 0x80);		/* RMB: always for CD-ROM */
	assert_int_equal(buf[5], 0x10);		/* TPGS 01b, no 3PC */
	assert_memory_equal(buf + 8, "ABCDEFGH", 8);
	assert_memory_equal(buf + 16, "vcdrom          ", 16);
	assert_memory_equal(buf + 32, "    ", 4);
	assert_int_equal(buf[62], 0x04);	/* MMC-6 04E0h */
	assert_int_equal(buf[63], 0xe0);
	assert_int_equal(buf[64], 0x09);	/* transport 0960h */
	assert_int_equal(buf[65], 0x60);
	assert_int_equal(buf[66], 0x00);
	assert_int_equal(buf[67], 0x00);

	/* A removable disk. */
	disk(&d);
	d.removable = true;
	ktgt_spc_inquiry_std(&d, buf, sizeof(buf));
	assert_int_equal(buf[1], 0x80);

	/* A tape: RMB whatever the removable parameter, SSC-3 claimed. */
	disk(&d);
	d.pdt = KTGT_PDT_TAPE;
	ktgt_spc_inquiry_std(&d, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(buf[1], 0x80);
	assert_int_equal(buf[5] & 0x08, 0);	/* no 3PC: not a disk */
	assert_int_equal(buf[62], 0x04);	/* SSC-3 0400h */
	assert_int_equal(buf[63], 0x00);

	/* A medium changer: RMB (its cartridges), SMC-3 claimed. */
	disk(&d);
	d.pdt = KTGT_PDT_CHANGER;
	ktgt_spc_inquiry_std(&d, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x08);
	assert_int_equal(buf[1], 0x80);
	assert_int_equal(buf[5] & 0x08, 0);	/* no 3PC: not a disk */
	assert_int_equal(buf[62], 0x04);	/* SMC-3 0480h */
	assert_int_equal(buf[63], 0x80);
}

static void test_vpd_supported_pages(void **state)
{
	static const u8 exp_disk[] = {
		0x00, 0x00, 0x00, 0x07, 0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1,
		0xb2,
	};
	static const u8 exp_cd[] = {
		0x05, 0x00, 0x00, 0x03, 0x00, 0x80, 0x83,
	};
	struct ktgt_spc_dev d;
	u8 buf[64];

	(void)state;
	disk(&d);
	assert_int_equal(ktgt_spc_vpd(&d, 0x00, buf, sizeof(buf)),
			 sizeof(exp_disk));
	assert_memory_equal(buf, exp_disk, sizeof(exp_disk));
	cdrom(&d);
	assert_int_equal(ktgt_spc_vpd(&d, 0x00, buf, sizeof(buf)),
			 sizeof(exp_cd));
	assert_memory_equal(buf, exp_cd, sizeof(exp_cd));
	assert_false(ktgt_spc_vpd_supported(&d, 0xb0));
	assert_false(ktgt_spc_vpd_supported(&d, 0xb1));
	assert_false(ktgt_spc_vpd_supported(&d, 0xb2));
	assert_int_equal(ktgt_spc_vpd(&d, 0xb0, buf, sizeof(buf)), 0);
}

static void test_vpd_serial(void **state)
{
	static const u8 exp[] = {
		0x00, 0x80, 0x00, 0x06, 'a', 'b', 'c', '1', '2', '3',
	};
	static const u8 exp_empty[] = { 0x00, 0x80, 0x00, 0x00 };
	struct ktgt_spc_dev d;
	u8 buf[64];

	(void)state;
	disk(&d);
	assert_int_equal(ktgt_spc_vpd(&d, 0x80, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, exp, sizeof(exp));
	d.serial = "";
	assert_int_equal(ktgt_spc_vpd(&d, 0x80, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, exp_empty, sizeof(exp_empty));
}

static void test_vpd_device_id(void **state)
{
	static const u8 exp[] = {
		0x00, 0x83, 0x00, 0x26,
		/* NAA: binary, LU, type 3, 16 bytes */
		0x01, 0x03, 0x00, 0x10,
		0x60, 0x01, 0x40, 0x5a, 0x00, 0x11, 0x22, 0x33,
		0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		/* T10 vendor ID: ASCII, LU, type 1, 8 + 6 bytes */
		0x02, 0x01, 0x00, 0x0e,
		'K', 'T', 'G', 'T', ' ', ' ', ' ', ' ',
		'a', 'b', 'c', '1', '2', '3',
	};
	static const u8 port[] = {
		/* relative target port: binary, target port, type 4 */
		0x01, 0x14, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,
		/* target port group: binary, target port, type 5 */
		0x01, 0x15, 0x00, 0x04, 0x00, 0x00, 0x01, 0x10,
	};
	struct ktgt_spc_dev d;
	u8 buf[128];

	(void)state;
	disk(&d);
	assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)),
			 sizeof(exp));
	assert_memory_equal(buf, exp, sizeof(exp));

	d.rel_port = 2;
	d.has_tpg = true;
	d.tpg = 0x110;
	assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)),
			 sizeof(exp) + sizeof(port));
	assert_int_equal(buf[3], 0x26 + 16);
	assert_memory_equal(buf + 4, exp + 4, sizeof(exp) - 4);
	assert_memory_equal(buf + sizeof(exp), port, sizeof(port));

	/*
	 * With the port's protocol (SRP 4h, iSCSI 5h): PROTOCOL IDENTIFIER
	 * in the high nibble of byte 0 and PIV (80h) in byte 1 of both port
	 * designators, nothing else changed.
	 */
	d.port_piv = true;
	d.port_proto = KTGT_PROTO_SRP;
	assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)),
			 sizeof(exp) + sizeof(port));
	assert_memory_equal(buf + 4, exp + 4, sizeof(exp) - 4);
	assert_int_equal(buf[sizeof(exp)], 0x41);
	assert_int_equal(buf[sizeof(exp) + 1], 0x94);
	assert_memory_equal(buf + sizeof(exp) + 2, port + 2, 6);
	assert_int_equal(buf[sizeof(exp) + 8], 0x41);
	assert_int_equal(buf[sizeof(exp) + 9], 0x95);
	assert_memory_equal(buf + sizeof(exp) + 10, port + 10, 6);
	d.port_proto = KTGT_PROTO_ISCSI;
	ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf));
	assert_int_equal(buf[sizeof(exp)], 0x51);
	assert_int_equal(buf[sizeof(exp) + 8], 0x51);
}

/*
 * The iSCSI SCSI name string designators of VPD 83h (SPC-4 7.8.6.11):
 * PROTOCOL IDENTIFIER 5h with UTF-8 (53h), PIV + association + type 8h
 * (98h target port, A8h target device), null terminated and padded to a
 * multiple of 4.
 */
static void test_vpd_device_id_iscsi(void **state)
{
	static const u8 names[] = {
		/* target port: "iqn.x:t,t,0x0001" + NUL + 3 pad = 20 bytes */
		0x53, 0x98, 0x00, 0x14,
		'i', 'q', 'n', '.', 'x', ':', 't', ',',
		't', ',', '0', 'x', '0', '0', '0', '1',
		0x00, 0x00, 0x00, 0x00,
		/* target device: "iqn.x:t" + NUL = 8 bytes */
		0x53, 0xa8, 0x00, 0x08,
		'i', 'q', 'n', '.', 'x', ':', 't', 0x00,
	};
	static const u8 base_len = 4 + 20 + 4 + 8 + 6 + 8;
	char name[KTGT_ISCSI_NAME_MAX + 2];
	struct ktgt_spc_dev d;
	u8 buf[KTGT_SPC_VPD_MAX_LEN], *p;
	u32 n, full, plen, tlen, cut;

	(void)state;
	disk(&d);
	d.rel_port = 1;
	d.iscsi_name = "iqn.x:t";
	d.tpgt = 1;
	full = base_len + sizeof(names);
	assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)), full);
	assert_int_equal(buf[2] << 8 | buf[3], full - 4);
	assert_memory_equal(buf + base_len, names, sizeof(names));

	/* TPGT as four lower-case hex digits. */
	d.tpgt = 0xab0c;
	ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf));
	assert_memory_equal(buf + base_len + 4 + 7, ",t,0xab0c", 9);
	assert_int_equal(buf[base_len + 4 + 16], 0);

	/*
	 * Name lengths 0 to 3 mod 4, up to the longest iSCSI name: the
	 * lengths are the name, its NUL and the padding zeroes.
	 */
	for (n = 5; n <= KTGT_ISCSI_NAME_MAX; n++) {
		memset(name, 'a', n);
		memcpy(name, "iqn.", 4);
		name[n] = '\0';
		d.iscsi_name = name;
		d.tpgt = 0x10;
		plen = (n + 9 + 1 + 3) / 4 * 4;
		tlen = (n + 1 + 3) / 4 * 4;
		assert_true(plen >= n + 10 && plen <= n + 13);
		assert_true(tlen >= n + 1 && tlen <= n + 4);
		full = base_len + 4 + plen + 4 + tlen;
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)),
				 full);
		assert_true(full <= KTGT_SPC_VPD_MAX_LEN);
		assert_int_equal(buf[2] << 8 | buf[3], full - 4);
		p = buf + base_len;
		assert_int_equal(p[0], 0x53);
		assert_int_equal(p[1], 0x98);
		assert_int_equal(p[2], 0);
		assert_int_equal(p[3], plen);
		assert_memory_equal(p + 4, name, n);
		assert_memory_equal(p + 4 + n, ",t,0x0010", 9);
		for (cut = n + 9; cut < plen; cut++)
			assert_int_equal(p[4 + cut], 0);
		p += 4 + plen;
		assert_int_equal(p[0], 0x53);
		assert_int_equal(p[1], 0xa8);
		assert_int_equal(p[2], 0);
		assert_int_equal(p[3], tlen);
		assert_memory_equal(p + 4, name, n);
		for (cut = n; cut < tlen; cut++)
			assert_int_equal(p[4 + cut], 0);
		/* Truncated to every shorter allocation length. */
		if (n == KTGT_ISCSI_NAME_MAX || n % 4 == 0) {
			u8 ref[KTGT_SPC_VPD_MAX_LEN];

			memcpy(ref, buf, full);
			for (cut = 0; cut < full; cut++) {
				u8 *small = malloc(cut ? cut : 1);

				assert_non_null(small);
				assert_int_equal(ktgt_spc_vpd(&d, 0x83, small,
							      cut), full);
				assert_memory_equal(small, ref, cut);
				free(small);
			}
		}
	}
	/* The longest: 223 + 9 + NUL -> 236, 223 + NUL -> 224. */
	assert_int_equal(full, base_len + 4 + 236 + 4 + 224);

	/* Not an iSCSI name (too long) and no name: neither designator. */
	memset(name, 'a', KTGT_ISCSI_NAME_MAX + 1);
	name[KTGT_ISCSI_NAME_MAX + 1] = '\0';
	assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)), base_len);
	d.iscsi_name = "";
	assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)), base_len);
	d.iscsi_name = NULL;
	assert_int_equal(ktgt_spc_vpd(&d, 0x83, buf, sizeof(buf)), base_len);
}

static void test_vpd_block_limits(void **state)
{
	struct ktgt_spc_dev d;
	u8 exp[64], buf[64];

	(void)state;
	disk(&d);
	memset(exp, 0, sizeof(exp));
	exp[1] = 0xb0;
	exp[3] = 0x3c;
	exp[5] = 1;				/* MAX COMPARE AND WRITE */
	exp[7] = 8;				/* OPT. GRANULARITY */
	exp[10] = 0x08;				/* MAX TRANSFER 0800h */
	exp[15] = 0x80;				/* OPT. TRANSFER 80h */
	exp[41] = 0x01;				/* MAX WRITE SAME 10000h */
	assert_int_equal(ktgt_spc_vpd(&d, 0xb0, buf, sizeof(buf)), 64);
	assert_memory_equal(buf, exp, 64);

	/* Thin provisioned: the UNMAP limits appear. */
	d.thin = true;
	exp[21] = 0x40;				/* MAX UNMAP LBA 400000h */
	exp[27] = 4;				/* MAX UNMAP DESCRIPTORS */
	exp[31] = 8;				/* OPT. UNMAP GRANULARITY */
	assert_int_equal(ktgt_spc_vpd(&d, 0xb0, buf, sizeof(buf)), 64);
	assert_memory_equal(buf, exp, 64);
}

static void test_vpd_block_characteristics(void **state)
{
	struct ktgt_spc_dev d;
	u8 exp[64], buf[64];

	(void)state;
	disk(&d);
	memset(exp, 0, sizeof(exp));
	exp[1] = 0xb1;
	exp[3] = 0x3c;
	exp[5] = 0x01;				/* non-rotating */
	assert_int_equal(ktgt_spc_vpd(&d, 0xb1, buf, sizeof(buf)), 64);
	assert_memory_equal(buf, exp, 64);
	d.rotational = true;
	exp[5] = 0x00;				/* rate not reported */
	assert_int_equal(ktgt_spc_vpd(&d, 0xb1, buf, sizeof(buf)), 64);
	assert_memory_equal(buf, exp, 64);
}

static void test_vpd_lbp(void **state)
{
	static const u8 full[] = { 0x00, 0xb2, 0x00, 0x04, 0, 0, 0, 0 };
	static const u8 thin[] = { 0x00, 0xb2, 0x00, 0x04, 0, 0xe0, 0x02, 0 };
	static const u8 thin_z[] = { 0x00, 0xb2, 0x00, 0x04, 0, 0xe4, 0x02, 0 };
	struct ktgt_spc_dev d;
	u8 buf[16];

	(void)state;
	disk(&d);
	d.lbprz = true;		/* meaningless without thin provisioning */
	assert_int_equal(ktgt_spc_vpd(&d, 0xb2, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, full, 8);
	d.thin = true;
	d.lbprz = false;
	ktgt_spc_vpd(&d, 0xb2, buf, sizeof(buf));
	assert_memory_equal(buf, thin, 8);
	d.lbprz = true;
	ktgt_spc_vpd(&d, 0xb2, buf, sizeof(buf));
	assert_memory_equal(buf, thin_z, 8);
}

static void test_inquiry_dispatch(void **state)
{
	u8 std[] = { 0x12, 0x00, 0x00, 0x00, 0x60, 0x00 };
	u8 vpd[] = { 0x12, 0x01, 0x83, 0x00, 0xff, 0x00 };
	u8 bad[] = { 0x12, 0x01, 0x85, 0x00, 0xff, 0x00 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 buf[128];
	u32 full = 0;

	(void)state;
	disk(&d);
	assert_int_equal(ktgt_spc_inquiry(&d, std, buf, sizeof(buf), &full,
					  &err), 0);
	assert_int_equal(full, 96);
	assert_int_equal(buf[2], 0x06);
	assert_int_equal(ktgt_spc_inquiry(&d, vpd, buf, sizeof(buf), &full,
					  &err), 0);
	assert_int_equal(full, 42);
	assert_int_equal(buf[1], 0x83);
	assert_int_equal(ktgt_spc_inquiry(&d, bad, buf, sizeof(buf), &full,
					  &err), -EINVAL);
	check_invalid_cdb(&err, 2, 7);

	/* Block limits is for disks only. */
	cdrom(&d);
	bad[2] = 0xb0;
	assert_int_equal(ktgt_spc_inquiry(&d, bad, buf, sizeof(buf), &full,
					  &err), -EINVAL);
	check_invalid_cdb(&err, 2, 7);
}

/*
 * ---------------------------------------------------------------------
 * MODE SENSE
 * ---------------------------------------------------------------------
 */

static int mode_sense(const struct ktgt_spc_dev *d,
		      const struct ktgt_spc_mode *m, const u8 *cdb, u8 *buf,
		      u32 *full, struct ktgt_sense_info *err)
{
	memset(buf, 0xee, KTGT_SPC_MODE_MAX_LEN);
	return ktgt_spc_mode_sense(d, m, cdb, buf, KTGT_SPC_MODE_MAX_LEN, full,
				   err);
}

/* The caching mode page as SBC-3 6.4.5 lays it out, WCE as given. */
static void caching_page(u8 *p, bool wce)
{
	memset(p, 0, 20);
	p[0] = 0x08;
	p[1] = 0x12;
	p[2] = wce ? 0x04 : 0x00;
}

static void control_page(u8 *p, bool d_sense, bool tas)
{
	memset(p, 0, 12);
	p[0] = 0x0a;
	p[1] = 0x0a;
	p[2] = d_sense ? 0x04 : 0x00;
	p[5] = tas ? 0x40 : 0x00;
}

static void rw_recovery_page(u8 *p)
{
	memset(p, 0, 12);
	p[0] = 0x01;
	p[1] = 0x0a;
}

static void test_mode_sense6_caching(void **state)
{
	const u8 cdb[] = { 0x1a, 0x00, 0x08, 0x00, 0xff, 0x00 };
	struct ktgt_spc_mode m = { .wce = true };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 exp[32], buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;

	(void)state;
	disk(&d);
	/* Header: MODE DATA LENGTH 31, medium 0, DPOFUA, BDL 8. */
	exp[0] = 31;
	exp[1] = 0;
	exp[2] = 0x10;
	exp[3] = 8;
	/* Short LBA block descriptor: 200000h blocks of 512 bytes. */
	exp[4] = 0x00; exp[5] = 0x20; exp[6] = 0x00; exp[7] = 0x00;
	exp[8] = 0x00; exp[9] = 0x00; exp[10] = 0x02; exp[11] = 0x00;
	caching_page(exp + 12, true);
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 32);
	assert_memory_equal(buf, exp, 32);
	assert_int_equal(buf[32], 0xee);

	/* WCE off, write protected, DBD. */
	m.wce = false;
	d.read_only = true;
	{
		const u8 cdb_dbd[] = { 0x1a, 0x08, 0x08, 0x00, 0xff, 0x00 };

		exp[0] = 23;
		exp[2] = 0x90;		/* WP, DPOFUA */
		exp[3] = 0;
		caching_page(exp + 4, false);
		assert_int_equal(mode_sense(&d, &m, cdb_dbd, buf, &full, &err),
				 0);
		assert_int_equal(full, 24);
		assert_memory_equal(buf, exp, 24);
	}
}

static void test_mode_sense10_llbaa(void **state)
{
	const u8 cdb[] = { 0x5a, 0x10, 0x0a, 0x00, 0, 0, 0, 0x01, 0x00, 0 };
	const u8 cdb_short[] = { 0x5a, 0x00, 0x0a, 0x00, 0, 0, 0, 0x01, 0x00,
				 0 };
	struct ktgt_spc_mode m = { .d_sense = true, .tas = true };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 exp[36], buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;

	(void)state;
	disk(&d);
	d.tas = true;
	d.nr_blocks = 0x123456789ULL;
	memset(exp, 0, sizeof(exp));
	exp[1] = 34;		/* MODE DATA LENGTH: 36 - 2 */
	exp[3] = 0x10;		/* DPOFUA */
	exp[4] = 0x01;		/* LONGLBA */
	exp[7] = 16;		/* BLOCK DESCRIPTOR LENGTH */
	/* Long LBA descriptor: 123456789h blocks, 512 bytes. */
	exp[11] = 0x01; exp[12] = 0x23; exp[13] = 0x45; exp[14] = 0x67;
	exp[15] = 0x89;
	exp[22] = 0x02;
	control_page(exp + 24, true, true);
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 36);
	assert_memory_equal(buf, exp, 36);

	/* LLBAA = 0: short descriptor, which saturates at FFFFFFFFh. */
	memset(exp, 0, sizeof(exp));
	exp[1] = 26;
	exp[3] = 0x10;
	exp[7] = 8;
	exp[8] = 0xff; exp[9] = 0xff; exp[10] = 0xff; exp[11] = 0xff;
	exp[14] = 0x02;
	control_page(exp + 16, true, true);
	assert_int_equal(mode_sense(&d, &m, cdb_short, buf, &full, &err), 0);
	assert_int_equal(full, 28);
	assert_memory_equal(buf, exp, 28);
}

static void test_mode_sense_all_pages(void **state)
{
	u8 cdb[] = { 0x1a, 0x00, 0x3f, 0x00, 0xff, 0x00 };
	struct ktgt_spc_mode m = { .wce = true };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 exp[56], buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;

	(void)state;
	disk(&d);
	memset(exp, 0, sizeof(exp));
	exp[0] = 55;
	exp[2] = 0x10;
	exp[3] = 8;
	exp[5] = 0x20;
	exp[10] = 0x02;
	rw_recovery_page(exp + 12);
	caching_page(exp + 24, true);
	control_page(exp + 44, false, false);
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 56);
	assert_memory_equal(buf, exp, 56);

	/* Subpage FFh: all subpages; there are only the 00h ones. */
	cdb[3] = 0xff;
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 56);
	assert_memory_equal(buf, exp, 56);

	/* One page, all its subpages. */
	cdb[2] = 0x01;
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 24);
	assert_int_equal(buf[0], 23);
	assert_memory_equal(buf + 12, exp + 12, 12);

	/*
	 * Changeable values: WCE, D_SENSE, QERR, UA_INTLCK_CTRL and TAS;
	 * the descriptor is zero.
	 */
	cdb[2] = 0x7f;
	cdb[3] = 0x00;
	memset(exp + 4, 0, 8);
	caching_page(exp + 24, true);
	control_page(exp + 44, true, true);
	exp[44 + 3] = 0x06;
	exp[44 + 4] = 0x30;
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 56);
	assert_memory_equal(buf, exp, 56);
}

static void test_mode_sense_default(void **state)
{
	const u8 cdb[] = { 0x1a, 0x08, 0x88, 0x00, 0xff, 0x00 };
	const u8 cur_cdb[] = { 0x1a, 0x08, 0x08, 0x00, 0xff, 0x00 };
	struct ktgt_spc_mode m = { .wce = true, .d_sense = true };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;

	(void)state;
	disk(&d);
	d.write_through = true;
	/* Current: what MODE SELECT set; default: from the parameters. */
	assert_int_equal(mode_sense(&d, &m, cur_cdb, buf, &full, &err), 0);
	assert_int_equal(buf[4 + 2], 0x04);
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(buf[4 + 2], 0x00);
	d.write_through = false;
	m.wce = false;
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(buf[4 + 2], 0x04);
}

static void test_mode_sense_errors(void **state)
{
	u8 cdb[] = { 0x1a, 0x00, 0xc8, 0x00, 0xff, 0x00 };
	u8 cdb10[] = { 0x5a, 0x00, 0x3f, 0x01, 0, 0, 0, 0x01, 0x00, 0 };
	struct ktgt_spc_mode m = { 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;

	(void)state;
	disk(&d);
	/* PC 11b: saved values are not supported. */
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), -EINVAL);
	check_sense(&err, KTGT_KEY_ILLEGAL_REQUEST, 0x39, 0x00);
	check_field(&err, true, 2, 7);

	/* Unsupported pages. */
	cdb[2] = 0x1c;
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), -EINVAL);
	check_invalid_cdb(&err, 2, 5);
	cdb[2] = 0x00;
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), -EINVAL);
	check_invalid_cdb(&err, 2, 5);
	cdb[2] = 0x2a;		/* MM capabilities: CD-ROM only */
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), -EINVAL);
	check_invalid_cdb(&err, 2, 5);
	cdrom(&d);
	cdb[2] = 0x08;		/* caching: disk only */
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), -EINVAL);
	check_invalid_cdb(&err, 2, 5);

	/* Unsupported subpage. */
	assert_int_equal(mode_sense(&d, &m, cdb10, buf, &full, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 3, 7);
	cdb10[3] = 0xfe;
	assert_int_equal(mode_sense(&d, &m, cdb10, buf, &full, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 3, 7);
}

static void mm_caps_page(u8 *p, bool locked)
{
	memset(p, 0, 22);
	p[0] = 0x2a;
	p[1] = 0x14;
	p[2] = 0x03;
	p[6] = locked ? 0x2b : 0x29;
	p[8] = 0x1b;		/* 7040 kB/s */
	p[9] = 0x80;
	p[14] = 0x1b;
	p[15] = 0x80;
}

static void test_mode_sense_cdrom(void **state)
{
	u8 cdb[] = { 0x5a, 0x00, 0x3f, 0x00, 0, 0, 0, 0x01, 0x00, 0 };
	u8 cdb_2a[] = { 0x5a, 0x00, 0x2a, 0x00, 0, 0, 0, 0x01, 0x00, 0 };
	struct ktgt_spc_mode m = { .wce = true };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 exp[64], buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;

	(void)state;
	cdrom(&d);
	d.read_only = true;	/* no WP bit outside SBC */
	memset(exp, 0, sizeof(exp));
	exp[1] = 52;		/* 8 + 12 + 12 + 22 - 2; no block descriptor */
	rw_recovery_page(exp + 8);
	control_page(exp + 20, false, false);
	mm_caps_page(exp + 32, false);
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 54);
	assert_memory_equal(buf, exp, 54);
	/* Subpage FFh: the same pages (none has subpages). */
	cdb[3] = 0xff;
	assert_int_equal(mode_sense(&d, &m, cdb, buf, &full, &err), 0);
	assert_int_equal(full, 54);
	assert_memory_equal(buf, exp, 54);

	/* MM capabilities alone, subpage 00h and FFh; LOCK STATE. */
	d.prevented = true;
	memset(exp, 0, 8);
	exp[1] = 28;
	mm_caps_page(exp + 8, true);
	assert_int_equal(mode_sense(&d, &m, cdb_2a, buf, &full, &err), 0);
	assert_int_equal(full, 30);
	assert_memory_equal(buf, exp, 30);
	cdb_2a[3] = 0xff;
	assert_int_equal(mode_sense(&d, &m, cdb_2a, buf, &full, &err), 0);
	assert_int_equal(full, 30);
	assert_memory_equal(buf, exp, 30);
	/* Changeable values: none. */
	cdb_2a[2] = 0x6a;
	assert_int_equal(mode_sense(&d, &m, cdb_2a, buf, &full, &err), 0);
	assert_int_equal(full, 30);
	assert_int_equal(buf[8], 0x2a);
	assert_int_equal(buf[9], 0x14);
	memset(exp, 0, 20);
	assert_memory_equal(buf + 10, exp, 20);
}

/*
 * ---------------------------------------------------------------------
 * MODE SELECT
 * ---------------------------------------------------------------------
 */

static const u8 ms6[] = { 0x15, 0x10, 0x00, 0x00, 0xff, 0x00 };
static const u8 ms10[] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0x01, 0x00, 0 };

static int mode_select(const struct ktgt_spc_dev *d,
		       const struct ktgt_spc_mode *cur, const u8 *cdb,
		       const u8 *param, u32 len, struct ktgt_spc_mode *out,
		       struct ktgt_sense_info *err)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	/* An exact-size copy: ASan catches any read past the list. */
	assert_non_null(copy);
	memcpy(copy, param, len);
	ret = ktgt_spc_mode_select(d, cur, cdb, copy, len, out, err);
	free(copy);
	return ret;
}

/*
 * MODE SELECT of page 2Ah, none of whose fields is changeable: accepted
 * with the current values (what a MODE SENSE returned: read, modify,
 * write back), INVALID FIELD IN PARAMETER LIST for any other value; a
 * disk has no page 2Ah.
 */
static void test_mode_select_mm_caps(void **state)
{
	const u8 ms10c[] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 0x36, 0 };
	const u8 ms10p[] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 0x1e, 0 };
	struct ktgt_spc_mode cur = { .tas = true }, out = { 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 p[8 + 12 + 12 + 22];

	(void)state;
	cdrom(&d);
	d.tas = true;
	memset(p, 0, sizeof(p));
	p[1] = 52;		/* MODE DATA LENGTH: reserved, ignored */
	rw_recovery_page(p + 8);
	control_page(p + 20, true, true);
	mm_caps_page(p + 32, false);
	assert_int_equal(mode_select(&d, &cur, ms10c, p, sizeof(p), &out,
				     &err), 0);
	assert_true(out.d_sense);
	assert_true(out.tas);

	/* Page 2Ah alone, locked. */
	d.prevented = true;
	memset(p, 0, 8);
	mm_caps_page(p + 8, true);
	assert_int_equal(mode_select(&d, &cur, ms10p, p, 30, &out, &err), 0);
	/* LOCK STATE is not changeable: the unlocked value is refused. */
	p[8 + 6] = 0x29;
	assert_int_equal(mode_select(&d, &cur, ms10p, p, 30, &out, &err),
			 -EINVAL);
	check_sense(&err, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0x00);
	check_field(&err, false, 14, 1);
	/* Neither is the speed. */
	mm_caps_page(p + 8, true);
	p[8 + 15] = 0x00;
	assert_int_equal(mode_select(&d, &cur, ms10p, p, 30, &out, &err),
			 -EINVAL);
	check_sense(&err, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0x00);
	check_field(&err, false, 23, 7);

	/* A disk has no page 2Ah. */
	disk(&d);
	mm_caps_page(p + 8, false);
	assert_int_equal(mode_select(&d, &cur, ms10p, p, 30, &out, &err),
			 -EINVAL);
	check_sense(&err, KTGT_KEY_ILLEGAL_REQUEST, 0x26, 0x00);
	check_field(&err, false, 8, 5);
}

static void test_mode_select_wce(void **state)
{
	struct ktgt_spc_mode cur = { .wce = true }, out = { 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 p[4 + 20];

	(void)state;
	disk(&d);
	memset(p, 0, 4);
	caching_page(p + 4, false);
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 0);
	assert_false(out.wce);
	assert_false(out.d_sense);

	/* The same values: accepted, nothing changes; PS is ignored. */
	caching_page(p + 4, true);
	p[4] |= 0x80;
	out.wce = false;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 0);
	assert_true(out.wce);

	/* A non-changeable bit: RCD (byte 2 bit 0). */
	p[4 + 2] |= 0x01;
	out.wce = false;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 6, 0);
	assert_false(out.wce);		/* untouched on error */
	p[4 + 2] &= ~0x01;
	/* NUMBER OF CACHE SEGMENTS (byte 13). */
	p[4 + 13] = 0x30;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 17, 5);
}

static void test_mode_select10_bd_and_pages(void **state)
{
	struct ktgt_spc_mode cur = { .wce = true }, out = { 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 p[8 + 8 + 12 + 20];

	(void)state;
	disk(&d);
	memset(p, 0, sizeof(p));
	/* MODE DATA LENGTH and the device-specific WP are ignored. */
	p[1] = 0x2e;
	p[3] = 0x80;
	p[7] = 8;
	/* short descriptor: current number of blocks, 512 */
	p[9] = 0x20;
	p[14] = 0x02;
	control_page(p + 16, true, false);
	caching_page(p + 28, false);
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 0);
	assert_true(out.d_sense);
	assert_false(out.wce);

	/* NUMBER OF LOGICAL BLOCKS 0: unchanged, accepted. */
	p[9] = 0;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 0);
	/* Any other number of blocks: refused. */
	p[11] = 1;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 8, 7);
	p[11] = 0;
	/* Another block length. */
	p[14] = 0x10;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 13, 7);
	p[14] = 0x02;
	/* Reserved byte 4 of the descriptor. */
	p[12] = 0x04;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 12, 2);
	p[12] = 0;

	/* LONGLBA with an 8-byte descriptor. */
	p[4] = 0x01;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 6, 7);
	p[4] = 0;

	/* The second page is bad: nothing is applied. */
	p[28 + 3] = 0x01;
	out.wce = true;
	out.d_sense = false;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 31, 0);
	assert_true(out.wce);
	assert_false(out.d_sense);
}

/* QERR (control page byte 3 bits 2:1): 00b, 01b and 11b; 10b refused. */
static void test_mode_select_qerr(void **state)
{
	const u8 cur_cdb[] = { 0x1a, 0x08, 0x0a, 0x00, 0xff, 0x00 };
	struct ktgt_spc_mode cur = { .tas = true }, out = { 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 p[4 + 12], buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;

	(void)state;
	disk(&d);
	d.tas = true;
	memset(p, 0, 4);
	control_page(p + 4, false, true);
	p[4 + 3] = 0x02;		/* 01b */
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 0);
	assert_int_equal(out.qerr, 1);
	assert_true(out.tas);
	p[4 + 3] = 0x06;		/* 11b */
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 0);
	assert_int_equal(out.qerr, 3);
	/* 10b is reserved: the field pointer names byte 3, bit 2. */
	p[4 + 3] = 0x04;
	out.qerr = 3;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 7, 2);
	assert_int_equal(out.qerr, 3);		/* untouched on error */
	/* Other bits of byte 3 (RLEC, QUEUE ALGORITHM MODIFIER) are not. */
	p[4 + 3] = 0x03;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 7, 0);
	p[4 + 3] = 0x12;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 7, 4);

	/* MODE SENSE reports the current value; the default is 00b. */
	cur.qerr = 1;
	assert_int_equal(mode_sense(&d, &cur, cur_cdb, buf, &full, &err), 0);
	assert_int_equal(full, 16);
	assert_int_equal(buf[4 + 3], 0x02);
	cur.qerr = 3;
	assert_int_equal(mode_sense(&d, &cur, cur_cdb, buf, &full, &err), 0);
	assert_int_equal(buf[4 + 3], 0x06);
	{
		const u8 def_cdb[] = { 0x1a, 0x08, 0x8a, 0x00, 0xff, 0x00 };

		assert_int_equal(mode_sense(&d, &cur, def_cdb, buf, &full,
					    &err), 0);
		assert_int_equal(buf[4 + 3], 0x00);
	}
}

static void test_mode_select10_long_bd(void **state)
{
	struct ktgt_spc_mode cur = { 0 }, out = { 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 p[8 + 16];

	(void)state;
	disk(&d);
	memset(p, 0, sizeof(p));
	p[4] = 0x01;
	p[7] = 16;
	p[13] = 0x20;
	p[22] = 0x02;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 0);
	p[18] = 0x01;		/* reserved */
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 18, 0);
	p[18] = 0;
	p[22] = 0x08;		/* 2048 */
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 20, 7);
	/* LONGLBA = 0 with a 16-byte descriptor. */
	p[22] = 0x02;
	p[4] = 0;
	assert_int_equal(mode_select(&d, &cur, ms10, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 6, 7);
}

static void test_mode_select_errors(void **state)
{
	const u8 ms6_nopf[] = { 0x15, 0x00, 0x00, 0x00, 0x18, 0x00 };
	struct ktgt_spc_mode cur = { .wce = true }, out = { 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 p[4 + 20 + 12];

	(void)state;
	disk(&d);
	memset(p, 0, sizeof(p));
	caching_page(p + 4, true);
	control_page(p + 24, false, false);

	/* An empty list is no error, PF or not. */
	assert_int_equal(mode_select(&d, &cur, ms6_nopf, p, 0, &out, &err), 0);
	assert_true(out.wce);
	/* PF = 0 with data. */
	assert_int_equal(mode_select(&d, &cur, ms6_nopf, p, 24, &out, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 1, 4);

	/* Truncated header, descriptor, page. */
	assert_int_equal(mode_select(&d, &cur, ms6, p, 3, &out, &err),
			 -EINVAL);
	check_param_len_error(&err);
	assert_int_equal(mode_select(&d, &cur, ms10, p, 7, &out, &err),
			 -EINVAL);
	check_param_len_error(&err);
	assert_int_equal(mode_select(&d, &cur, ms6, p, 4 + 19, &out, &err),
			 -EINVAL);
	check_param_len_error(&err);
	assert_int_equal(mode_select(&d, &cur, ms6, p, 4 + 20 + 1, &out, &err),
			 -EINVAL);
	check_param_len_error(&err);
	p[3] = 8;
	assert_int_equal(mode_select(&d, &cur, ms6, p, 4 + 7, &out, &err),
			 -EINVAL);
	check_param_len_error(&err);

	/* BLOCK DESCRIPTOR LENGTH other than 0 or 8. */
	p[3] = 4;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 3, 7);
	p[3] = 0;

	/* MEDIUM TYPE. */
	p[1] = 0x05;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 1, 2);
	p[1] = 0;

	/* Page code: unknown, subpage format, wrong length. */
	p[24] = 0x1c;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 24, 5);
	p[24] = 0x4a;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 24, 6);
	p[24] = 0x0a;
	p[25] = 0x0b;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 25, 7);
	p[25] = 0x0a;
	/* Control page: QERR 10b is reserved (test_mode_select_qerr). */
	p[24 + 3] = 0x04;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 27, 2);
	p[24 + 3] = 0;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 0);

	/* A CD-ROM has no caching page and takes no block descriptor. */
	cdrom(&d);
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 4, 5);
	p[3] = 8;
	assert_int_equal(mode_select(&d, &cur, ms6, p, sizeof(p), &out, &err),
			 -EINVAL);
	check_invalid_param(&err, 3, 7);
}

/* What MODE SENSE returns, MODE SELECT takes back unchanged. */
static void test_mode_round_trip(void **state)
{
	const u8 sense10[] = { 0x5a, 0x00, 0x3f, 0x00, 0, 0, 0, 0x01, 0x00,
			       0 };
	const u8 sense6[] = { 0x1a, 0x00, 0x3f, 0x00, 0xff, 0x00 };
	struct ktgt_spc_mode cur = { .wce = true, .d_sense = true }, out;
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 buf[KTGT_SPC_MODE_MAX_LEN];
	u32 full;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		if (i)
			cdrom(&d);
		else
			disk(&d);
		d.read_only = true;
		d.prevented = true;	/* a CD-ROM's LOCK STATE */
		assert_int_equal(mode_sense(&d, &cur, sense10, buf, &full,
					    &err), 0);
		memset(&out, 0, sizeof(out));
		assert_int_equal(mode_select(&d, &cur, ms10, buf, full, &out,
					     &err), 0);
		assert_int_equal(out.d_sense, true);
		assert_int_equal(out.wce, true);
		assert_int_equal(mode_sense(&d, &cur, sense6, buf, &full,
					    &err), 0);
		assert_int_equal(mode_select(&d, &cur, ms6, buf, full, &out,
					     &err), 0);
	}
}

/*
 * ---------------------------------------------------------------------
 * READ CAPACITY
 * ---------------------------------------------------------------------
 */

static void test_read_capacity(void **state)
{
	static const u8 exp10[] = { 0x00, 0x1f, 0xff, 0xff, 0x00, 0x00, 0x02,
				    0x00 };
	static const u8 exp10_big[] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
					0x10, 0x00 };
	struct ktgt_spc_dev d;
	u8 exp16[32], buf[32];

	(void)state;
	disk(&d);
	assert_int_equal(ktgt_spc_read_capacity10(&d, buf, 8), 8);
	assert_memory_equal(buf, exp10, 8);

	memset(exp16, 0, sizeof(exp16));
	exp16[5] = 0x1f; exp16[6] = 0xff; exp16[7] = 0xff;
	exp16[10] = 0x02;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ktgt_spc_read_capacity16(&d, buf, 32), 32);
	assert_memory_equal(buf, exp16, 32);

	/* Thin provisioning: LBPME, and LBPRZ if unmapped reads zero. */
	d.thin = true;
	exp16[14] = 0x80;
	ktgt_spc_read_capacity16(&d, buf, 32);
	assert_memory_equal(buf, exp16, 32);
	d.lbprz = true;
	exp16[14] = 0xc0;
	ktgt_spc_read_capacity16(&d, buf, 32);
	assert_memory_equal(buf, exp16, 32);

	/* 4096-byte physical blocks of 512-byte logical ones: exponent 3. */
	d.lbppbe = ktgt_spc_lbppbe(512, 4096);
	exp16[13] = 0x03;
	ktgt_spc_read_capacity16(&d, buf, 32);
	assert_memory_equal(buf, exp16, 32);
	d.lbppbe = 0;
	exp16[13] = 0;
	assert_int_equal(ktgt_spc_lbppbe(512, 512), 0);
	assert_int_equal(ktgt_spc_lbppbe(512, 0), 0);
	assert_int_equal(ktgt_spc_lbppbe(4096, 512), 0);
	assert_int_equal(ktgt_spc_lbppbe(512, 1536), 0);	/* 3 blocks */
	assert_int_equal(ktgt_spc_lbppbe(512, 1000), 0);
	assert_int_equal(ktgt_spc_lbppbe(512, 1024), 1);
	assert_int_equal(ktgt_spc_lbppbe(4096, 65536), 4);
	assert_int_equal(ktgt_spc_lbppbe(512, 512U << 15), 15);
	assert_int_equal(ktgt_spc_lbppbe(512, 512U << 16), 0);
	assert_int_equal(ktgt_spc_lbppbe(0, 4096), 0);

	/* 2^32 + 1 blocks of 4096: (10) saturates, (16) does not. */
	d.block_size = 4096;
	d.nr_blocks = 0x100000001ULL;
	assert_int_equal(ktgt_spc_read_capacity10(&d, buf, 8), 8);
	assert_memory_equal(buf, exp10_big, 8);
	ktgt_spc_read_capacity16(&d, buf, 32);
	assert_int_equal(buf[3], 0x01);
	assert_int_equal(buf[4], 0x00);
	assert_int_equal(buf[7], 0x00);
	assert_int_equal(buf[10], 0x10);
	/* Exactly 2^32 blocks: the last LBA is FFFFFFFFh either way. */
	d.nr_blocks = 0x100000000ULL;
	ktgt_spc_read_capacity10(&d, buf, 8);
	assert_memory_equal(buf, exp10_big, 4);
	/* 2^32 - 1 blocks: last LBA FFFFFFFEh fits. */
	d.nr_blocks = 0xffffffffULL;
	ktgt_spc_read_capacity10(&d, buf, 8);
	assert_int_equal(buf[3], 0xfe);
}

/*
 * ---------------------------------------------------------------------
 * REPORT SUPPORTED OPERATION CODES
 * ---------------------------------------------------------------------
 */

/* A logical unit of type @pdt with every optional command: thin, ALUA. */
static void rsoc_lu(u8 pdt, struct ktgt_spc_dev *d)
{
	if (pdt == KTGT_PDT_CDROM)
		cdrom(d);
	else
		disk(d);
	d->thin = true;
	d->tpgs = 0x3;
}

/*
 * The commands of @t that RSOC lists for an emulated LU: all but those
 * decoded for pass-through only (KTGT_CDB_F_PASS: LOG SELECT, and SSC's
 * that vtape does not implement).
 */
static u32 rsoc_size(const struct ktgt_cdb_table *t)
{
	u32 i, n = 0;

	for (i = 0; i < ktgt_cdb_table_size(t); i++)
		if (!(ktgt_cdb_table_desc(t, i)->flags & KTGT_CDB_F_PASS))
			n++;
	return n;
}

static int rsoc(u8 pdt, u8 opts, u8 opcode, u16 sa, u8 *buf, u32 len,
		u32 *full, struct ktgt_sense_info *err)
{
	u8 cdb[12] = { 0xa3, 0x0c };
	struct ktgt_spc_dev d;

	rsoc_lu(pdt, &d);
	cdb[2] = opts;
	cdb[3] = opcode;
	cdb[4] = sa >> 8;
	cdb[5] = sa;
	cdb[9] = 0xff;
	memset(buf, 0xee, len);
	return ktgt_spc_rsoc(&d, table(pdt), cdb, buf, len, full, err);
}

static void test_rsoc_all(void **state)
{
	static const u8 tur[] = { 0x00, 0, 0x00, 0x00, 0, 0x00, 0x00, 0x06 };
	static const u8 rcap16[] = { 0x9e, 0, 0x00, 0x10, 0, 0x01, 0x00,
				     0x10 };
	static const u8 tur_t[] = {
		0x00, 0, 0x00, 0x00, 0, 0x02, 0x00, 0x06,
		0x00, 0x0a, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 30,
	};
	static const u8 read10_t[] = {
		0x28, 0, 0x00, 0x00, 0, 0x02, 0x00, 0x0a,
		0x00, 0x0a, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 60,
	};
	const struct ktgt_cdb_table *t = table(KTGT_PDT_DISK);
	u32 n = rsoc_size(t), full, i;
	struct ktgt_sense_info err;
	bool seen_rcap16 = false;
	u8 buf[4096];

	(void)state;
	assert_int_equal(rsoc(KTGT_PDT_DISK, 0, 0, 0, buf, sizeof(buf), &full,
			      &err), 0);
	assert_int_equal(full, 4 + 8 * n);
	assert_int_equal(buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3],
			 8 * n);
	/* The first command of the table is TEST UNIT READY. */
	assert_memory_equal(buf + 4, tur, 8);
	for (i = 0; i < n; i++)
		if (!memcmp(buf + 4 + 8 * i, rcap16, 8))
			seen_rcap16 = true;
	assert_true(seen_rcap16);

	/* RCTD: 20-byte descriptors with CTDP and a timeouts descriptor. */
	assert_int_equal(rsoc(KTGT_PDT_DISK, 0x80, 0, 0, buf, sizeof(buf),
			      &full, &err), 0);
	assert_int_equal(full, 4 + 20 * n);
	assert_memory_equal(buf + 4, tur_t, 20);
	for (i = 0; i < n; i++)
		if (buf[4 + 20 * i] == 0x28)
			assert_memory_equal(buf + 4 + 20 * i, read10_t, 20);
}

static void test_rsoc_one(void **state)
{
	static const u8 inq[] = { 0, 0x03, 0x00, 0x06, 0x12, 0x01, 0xff, 0xff,
				  0xff, 0x00 };
	static const u8 inq_t[] = { 0, 0x83, 0x00, 0x06, 0x12, 0x01, 0xff, 0xff,
				    0xff, 0x00, 0x00, 0x0a, 0x00, 0x00, 0, 0, 0,
				    0, 0, 0, 0, 30 };
	static const u8 rcap16[] = { 0, 0x03, 0x00, 0x10, 0x9e, 0x10, 0xff,
				     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0xff, 0xff, 0xff, 0x01, 0x00 };
	static const u8 unsup[] = { 0, 0x01, 0x00, 0x00 };
	struct ktgt_sense_info err;
	u8 buf[64];
	u32 full;

	(void)state;
	/* 001b: operation code without service actions. */
	assert_int_equal(rsoc(0, 1, 0x12, 0x1234, buf, sizeof(buf), &full,
			      &err), 0);
	assert_int_equal(full, sizeof(inq));
	assert_memory_equal(buf, inq, sizeof(inq));
	assert_int_equal(rsoc(0, 0x81, 0x12, 0, buf, sizeof(buf), &full, &err),
			 0);
	assert_int_equal(full, sizeof(inq_t));
	assert_memory_equal(buf, inq_t, sizeof(inq_t));
	assert_int_equal(rsoc(0, 1, 0x9e, 0, buf, sizeof(buf), &full, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 2, 2);
	assert_int_equal(rsoc(0, 1, 0xff, 0, buf, sizeof(buf), &full, &err), 0);
	assert_int_equal(full, 4);
	assert_memory_equal(buf, unsup, 4);

	/* 010b: operation code and service action. */
	assert_int_equal(rsoc(0, 2, 0x9e, 0x10, buf, sizeof(buf), &full,
			      &err), 0);
	assert_int_equal(full, sizeof(rcap16));
	assert_memory_equal(buf, rcap16, sizeof(rcap16));
	assert_int_equal(rsoc(0, 2, 0x9e, 0x1f, buf, sizeof(buf), &full,
			      &err), 0);
	assert_memory_equal(buf, unsup, 4);
	assert_int_equal(rsoc(0, 2, 0x9e, 0x110, buf, sizeof(buf), &full,
			      &err), 0);
	assert_memory_equal(buf, unsup, 4);
	assert_int_equal(rsoc(0, 2, 0x12, 0, buf, sizeof(buf), &full, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 2, 2);
	assert_int_equal(rsoc(0, 2, 0xff, 0, buf, sizeof(buf), &full, &err), 0);
	assert_memory_equal(buf, unsup, 4);

	/* 011b: service action only if the operation code has them. */
	assert_int_equal(rsoc(0, 3, 0x12, 0x55, buf, sizeof(buf), &full,
			      &err), 0);
	assert_memory_equal(buf, inq, sizeof(inq));
	assert_int_equal(rsoc(0, 3, 0x9e, 0x10, buf, sizeof(buf), &full,
			      &err), 0);
	assert_memory_equal(buf, rcap16, sizeof(rcap16));
	assert_int_equal(rsoc(0, 3, 0x9e, 0x00, buf, sizeof(buf), &full,
			      &err), 0);
	assert_memory_equal(buf, unsup, 4);

	/* Per device type: MMC has READ TOC, not WRITE(10). */
	assert_int_equal(rsoc(5, 1, 0x43, 0, buf, sizeof(buf), &full, &err),
			 0);
	assert_int_equal(buf[1], 0x03);
	assert_int_equal(buf[4], 0x43);
	assert_int_equal(rsoc(5, 1, 0x2a, 0, buf, sizeof(buf), &full, &err),
			 0);
	assert_memory_equal(buf, unsup, 4);
	assert_int_equal(rsoc(0, 1, 0x43, 0, buf, sizeof(buf), &full, &err),
			 0);
	assert_memory_equal(buf, unsup, 4);
}

/*
 * UNMAP only on a thin provisioned logical unit (SBC-3 5.28), and WRITE
 * SAME's UNMAP bit (LBPWS, LBPWS10).
 */
static void test_rsoc_thin(void **state)
{
	static const u8 unmap[] = { 0x42, 0, 0x00, 0x00, 0, 0x00, 0x00, 0x0a };
	static const u8 cdb_all[12] = { 0xa3, 0x0c, 0x00 };
	static const u8 cdb_one[12] = { 0xa3, 0x0c, 0x01, 0x42 };
	static const u8 cdb_ws10[12] = { 0xa3, 0x0c, 0x01, 0x41 };
	static const u8 cdb_ws16[12] = { 0xa3, 0x0c, 0x01, 0x93 };
	static const u8 ws10[] = { 0, 0x03, 0x00, 0x0a };
	static const u8 ws16[] = { 0, 0x03, 0x00, 0x10 };
	const struct ktgt_cdb_table *t = table(KTGT_PDT_DISK);
	u32 n = rsoc_size(t), full, i, found;
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 buf[4096];
	bool thin;

	(void)state;
	rsoc_lu(KTGT_PDT_DISK, &d);
	for (thin = false; ; thin = true) {
		d.thin = thin;
		assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_all, buf,
					       sizeof(buf), &full, &err), 0);
		assert_int_equal(full, 4 + 8 * (n - !thin));
		found = 0;
		for (i = 0; i < (full - 4) / 8; i++)
			if (!memcmp(buf + 4 + 8 * i, unmap, sizeof(unmap)))
				found++;
		assert_int_equal(found, thin);
		assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_one, buf,
					       sizeof(buf), &full, &err), 0);
		assert_int_equal(buf[1], thin ? 0x03 : 0x01);
		assert_int_equal(full, thin ? 14 : 4);
		/*
		 * WRITE SAME(10) and (16): UNMAP (byte 1 bit 3) is in the
		 * usage data only where it is accepted; NDOB (16) stays.
		 */
		assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_ws10, buf,
					       sizeof(buf), &full, &err), 0);
		assert_int_equal(full, 4 + 10);
		assert_memory_equal(buf, ws10, 4);
		assert_int_equal(buf[5], thin ? 0x08 : 0x00);
		assert_int_equal(buf[6], 0xff);
		assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_ws16, buf,
					       sizeof(buf), &full, &err), 0);
		assert_int_equal(full, 4 + 16);
		assert_memory_equal(buf, ws16, 4);
		assert_int_equal(buf[5], thin ? 0x09 : 0x01);
		assert_int_equal(buf[6], 0xff);
		if (thin)
			break;
	}
}

/*
 * REPORT and SET TARGET PORT GROUPS only with ALUA (SPC-4 6.6.2): none
 * with TPGS 00b, REPORT only with implicit ALUA (01b), both with explicit
 * (10b, 11b). Every other command stays; for both device types.
 */
static void test_rsoc_alua(void **state)
{
	static const u8 cdb_all[12] = { 0xa3, 0x0c, 0x00 };
	static const u8 unsup[] = { 0, 0x01, 0x00, 0x00 };
	static const u8 types[] = { KTGT_PDT_DISK, KTGT_PDT_CDROM };
	u8 cdb_rtpg[12] = { 0xa3, 0x0c, 0x02, 0xa3, 0x00, 0x0a };
	u8 cdb_stpg[12] = { 0xa3, 0x0c, 0x03, 0xa4, 0x00, 0x0a };
	u8 cdb_rsoc[12] = { 0xa3, 0x0c, 0x02, 0xa3, 0x00, 0x0c };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	unsigned int ty, i;
	u32 n, full;
	u8 tpgs, buf[4096];
	bool rtpg, stpg;

	(void)state;
	for (ty = 0; ty < ARRAY_SIZE(types); ty++) {
		const struct ktgt_cdb_table *t = table(types[ty]);

		rsoc_lu(types[ty], &d);
		n = rsoc_size(t);
		for (tpgs = 0; tpgs < 4; tpgs++) {
			d.tpgs = tpgs;
			assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_all, buf,
						       sizeof(buf), &full,
						       &err), 0);
			rtpg = false;
			stpg = false;
			for (i = 0; i < (full - 4) / 8; i++) {
				const u8 *p = buf + 4 + 8 * i;

				if (p[0] == 0xa3 && p[3] == 0x0a)
					rtpg = true;
				if (p[0] == 0xa4 && p[3] == 0x0a)
					stpg = true;
			}
			assert_int_equal(rtpg, tpgs != 0);
			assert_int_equal(stpg, tpgs >= 2);
			assert_int_equal(full, 4 + 8 * (n - !rtpg - !stpg));

			assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_rtpg, buf,
						       sizeof(buf), &full,
						       &err), 0);
			if (tpgs)
				assert_int_equal(buf[1], 0x03);
			else
				assert_memory_equal(buf, unsup, 4);
			assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_stpg, buf,
						       sizeof(buf), &full,
						       &err), 0);
			if (tpgs >= 2)
				assert_int_equal(buf[1], 0x03);
			else
				assert_memory_equal(buf, unsup, 4);
			/* Itself, the other service action of A3h, stays. */
			assert_int_equal(ktgt_spc_rsoc(&d, t, cdb_rsoc, buf,
						       sizeof(buf), &full,
						       &err), 0);
			assert_int_equal(buf[1], 0x03);
		}
	}
}

/*
 * ---------------------------------------------------------------------
 * GET LBA STATUS, UNMAP, WRITE SAME, comparisons
 * ---------------------------------------------------------------------
 */

static void test_lba_status(void **state)
{
	static const u8 exp[] = {
		0x00, 0x00, 0x00, 0x24, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0x10, 0x00, 0x00, 0x00, 0x00, 0x08,
		0x00, 0, 0, 0,
		0, 0, 0, 0x01, 0, 0, 0x00, 0x08, 0xff, 0xff, 0xff, 0xff,
		0x01, 0, 0, 0,
	};
	u8 buf[40];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ktgt_spc_lba_status_hdr(buf, sizeof(buf), 2), 40);
	ktgt_spc_lba_status_desc(buf + 8, 0x1000, 8, KTGT_LBA_MAPPED);
	ktgt_spc_lba_status_desc(buf + 24, 0x100000008ULL, 0xffffffff,
				 KTGT_LBA_DEALLOCATED);
	assert_memory_equal(buf, exp, sizeof(exp));
	/* Truncated header. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ktgt_spc_lba_status_hdr(buf, 3, 1), 24);
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[3], 0xee);
}

static void unmap_list(u8 *p, u16 data_len, u16 bd_len)
{
	memset(p, 0, 8);
	p[0] = data_len >> 8;
	p[1] = data_len;
	p[2] = bd_len >> 8;
	p[3] = bd_len;
}

static void unmap_put(u8 *p, u32 idx, u64 lba, u32 nr)
{
	u8 *q = p + 8 + 16 * idx;
	int i;

	memset(q, 0, 16);
	for (i = 0; i < 8; i++)
		q[i] = lba >> (56 - 8 * i);
	for (i = 0; i < 4; i++)
		q[8 + i] = nr >> (24 - 8 * i);
}

static int unmap_parse(const struct ktgt_spc_dev *d, const u8 *p, u32 len,
		       u32 *n, struct ktgt_sense_info *err)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, p, len);
	ret = ktgt_spc_unmap_parse(d, copy, len, n, err);
	free(copy);
	return ret;
}

static void test_unmap_parse(void **state)
{
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	u8 p[8 + 16 * 5];
	u32 n;
	u64 lba;
	u32 nr;

	(void)state;
	disk(&d);
	d.thin = true;
	unmap_list(p, 38, 32);
	unmap_put(p, 0, 0x10, 8);
	unmap_put(p, 1, 0x1ffff8, 8);		/* up to the last LBA */
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), 0);
	assert_int_equal(n, 2);
	ktgt_spc_unmap_desc(p, 1, &lba, &nr);
	assert_int_equal(lba, 0x1ffff8);
	assert_int_equal(nr, 8);

	/* Empty: nothing to do; shorter than the header: length error. */
	assert_int_equal(unmap_parse(&d, p, 0, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(unmap_parse(&d, p, 7, &n, &err), -EINVAL);
	check_param_len_error(&err);
	/* Header only, no descriptors. */
	unmap_list(p, 6, 0);
	assert_int_equal(unmap_parse(&d, p, 8, &n, &err), 0);
	assert_int_equal(n, 0);

	/* Descriptors beyond the list sent. */
	unmap_list(p, 38, 32);
	assert_int_equal(unmap_parse(&d, p, 39, &n, &err), -EINVAL);
	check_invalid_param(&err, 2, 7);
	/* UNMAP DATA LENGTH not covering the descriptors. */
	unmap_list(p, 37, 32);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), -EINVAL);
	check_invalid_param(&err, 0, 7);
	/* An incomplete trailing descriptor is ignored. */
	unmap_list(p, 30, 24);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), 0);
	assert_int_equal(n, 1);

	/* More descriptors than MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT. */
	unmap_list(p, 86, 80);
	unmap_put(p, 2, 0, 1);
	unmap_put(p, 3, 0, 1);
	unmap_put(p, 4, 0, 1);
	assert_int_equal(unmap_parse(&d, p, sizeof(p), &n, &err), -EINVAL);
	check_invalid_param(&err, 2, 7);

	/* More blocks than MAXIMUM UNMAP LBA COUNT, in descriptor 1. */
	unmap_list(p, 38, 32);
	unmap_put(p, 1, 0, 0x400001);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), -EINVAL);
	check_invalid_param(&err, 8 + 16 + 8, 7);
	/*
	 * The limit is on the command's total (SBC-3 5.28): 0x400000 in
	 * two descriptors is accepted, one block more is refused at the
	 * descriptor that crosses it.
	 */
	unmap_list(p, 38, 32);
	unmap_put(p, 0, 0, 0x200000);
	unmap_put(p, 1, 0, 0x200000);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), 0);
	assert_int_equal(n, 2);
	unmap_list(p, 54, 48);
	unmap_put(p, 1, 0, 0x1fffff);
	unmap_put(p, 2, 0x10, 2);
	assert_int_equal(unmap_parse(&d, p, 56, &n, &err), -EINVAL);
	check_invalid_param(&err, 8 + 32 + 8, 7);
	/* FFFFFFFFh: no limit, whatever the total. */
	d.lim.max_unmap_blocks = 0xffffffff;
	d.nr_blocks = 0x300000000ULL;
	unmap_list(p, 38, 32);
	unmap_put(p, 0, 0, 0xffffffff);
	unmap_put(p, 1, 0x100000000ULL, 0xffffffff);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), 0);
	disk(&d);
	d.thin = true;
	unmap_put(p, 0, 0x10, 8);

	/* Past the end of the medium; overflowing LBA + count. */
	unmap_put(p, 1, 0x1ffff9, 8);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), -EINVAL);
	check_sense(&err, KTGT_KEY_ILLEGAL_REQUEST, 0x21, 0x00);
	assert_false(err.has_field);
	unmap_put(p, 1, 0xfffffffffffffff8ULL, 16);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), -EINVAL);
	check_sense(&err, KTGT_KEY_ILLEGAL_REQUEST, 0x21, 0x00);
	/* A zero-block descriptor at the capacity is fine. */
	unmap_put(p, 1, 0x200000, 0);
	assert_int_equal(unmap_parse(&d, p, 40, &n, &err), 0);
	assert_int_equal(n, 2);
}

static void decode(const u8 *cdb, u32 len, struct ktgt_cdb *c)
{
	const struct ktgt_cdb_limits lim = { .block_size = 512 };
	struct ktgt_sense_info err;

	assert_int_equal(ktgt_cdb_decode(table(0), cdb, len, &lim, c, &err),
			 0);
}

/*
 * ---------------------------------------------------------------------
 * LOG SENSE
 * ---------------------------------------------------------------------
 */
static int log_sense(u8 pdt, u8 pc_page, u8 subpage, u16 ptr, u8 *buf,
		     u32 len, u32 *full, struct ktgt_sense_info *err)
{
	u8 cdb[10] = { 0x4d, 0x00, pc_page, subpage, 0, ptr >> 8, ptr,
		       0xff, 0xff, 0 };
	const struct ktgt_cdb_limits lim = { .block_size = 512 };
	struct ktgt_cdb c;

	assert_int_equal(ktgt_cdb_decode(table(pdt), cdb, sizeof(cdb), &lim,
					 &c, err), 0);
	assert_int_equal(c.dir, KTGT_DIR_READ);
	assert_int_equal(c.xfer_len, 0xffff);
	if (buf)
		memset(buf, 0xee, len);
	return ktgt_spc_log_sense(cdb, buf, len, full, err);
}

static void test_log_sense_pages(void **state)
{
	static const u8 sup[] = { 0x00, 0x00, 0x00, 0x01, 0x00 };
	static const u8 sub[] = { 0x40, 0xff, 0x00, 0x04, 0x00, 0x00, 0x00,
				  0xff };
	static const u8 pdts[] = { KTGT_PDT_DISK, 0x01, KTGT_PDT_CDROM };
	struct ktgt_sense_info err;
	u8 buf[KTGT_SPC_LOG_MAX_LEN];
	unsigned int i;
	u32 full;
	u8 pc;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(pdts); i++) {
		/* Every PC: the lists have no threshold or default values. */
		for (pc = 0; pc < 4; pc++) {
			assert_int_equal(log_sense(pdts[i], pc << 6, 0x00, 0,
						   buf, sizeof(buf), &full,
						   &err), 0);
			assert_int_equal(full, sizeof(sup));
			assert_memory_equal(buf, sup, sizeof(sup));
			assert_int_equal(log_sense(pdts[i], pc << 6, 0xff, 0,
						   buf, sizeof(buf), &full,
						   &err), 0);
			assert_int_equal(full, sizeof(sub));
			assert_memory_equal(buf, sub, sizeof(sub));
		}
	}
	/* ALLOCATION LENGTH: truncated, the full length still reported. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(log_sense(0, 0x40, 0xff, 0, buf, 4, &full, &err), 0);
	assert_int_equal(full, sizeof(sub));
	assert_memory_equal(buf, sub, 4);
	assert_int_equal(buf[4], 0xee);
	assert_int_equal(log_sense(0, 0x40, 0x00, 0, NULL, 0, &full, &err), 0);
	assert_int_equal(full, sizeof(sup));
}

static void test_log_sense_errors(void **state)
{
	const struct ktgt_cdb_limits lim = { .block_size = 512 };
	u8 cdb[10] = { 0x4d, 0x00, 0x40, 0x00, 0, 0, 0, 0x00, 0xff, 0 };
	struct ktgt_sense_info err;
	u8 buf[KTGT_SPC_LOG_MAX_LEN];
	struct ktgt_cdb c;
	u32 full;

	(void)state;
	/* No real data behind these pages: not supported. */
	assert_int_equal(log_sense(0, 0x4d, 0x00, 0, buf, sizeof(buf), &full,
				   &err), -EINVAL);
	check_invalid_cdb(&err, 2, 5);
	assert_int_equal(log_sense(0, 0x0c, 0x00, 0, buf, sizeof(buf), &full,
				   &err), -EINVAL);
	check_invalid_cdb(&err, 2, 5);
	assert_int_equal(log_sense(0, 0x3f, 0xff, 0, buf, sizeof(buf), &full,
				   &err), -EINVAL);
	check_invalid_cdb(&err, 2, 5);
	assert_int_equal(log_sense(0, 0x00, 0x01, 0, buf, sizeof(buf), &full,
				   &err), -EINVAL);
	check_invalid_cdb(&err, 3, 7);
	/* No log parameters: any PARAMETER POINTER is past the last one. */
	assert_int_equal(log_sense(0, 0x40, 0x00, 1, buf, sizeof(buf), &full,
				   &err), -EINVAL);
	check_invalid_cdb(&err, 5, 7);
	assert_int_equal(log_sense(0, 0x40, 0xff, 0x100, buf, sizeof(buf),
				   &full, &err), -EINVAL);
	check_invalid_cdb(&err, 5, 7);

	/* The decoder: SP and PPC are not supported, nor reserved bits. */
	cdb[1] = 0x01;
	assert_int_equal(ktgt_cdb_decode(table(0), cdb, sizeof(cdb), &lim, &c,
					 &err), -EINVAL);
	check_invalid_cdb(&err, 1, 0);
	cdb[1] = 0x02;
	assert_int_equal(ktgt_cdb_decode(table(1), cdb, sizeof(cdb), &lim, &c,
					 &err), -EINVAL);
	check_invalid_cdb(&err, 1, 1);
	cdb[1] = 0x00;
	cdb[4] = 0x80;
	assert_int_equal(ktgt_cdb_decode(table(5), cdb, sizeof(cdb), &lim, &c,
					 &err), -EINVAL);
	check_invalid_cdb(&err, 4, 7);
	cdb[4] = 0x00;
	cdb[9] = 0x04;		/* NACA */
	assert_int_equal(ktgt_cdb_decode(table(0), cdb, sizeof(cdb), &lim, &c,
					 &err), -EINVAL);
	check_invalid_cdb(&err, 9, 2);
}

/* Commands decoded for pt_tape only are not listed for an emulated tape. */
static void test_rsoc_ssc_pass(void **state)
{
	static const u8 unsup[] = { 0, 0x01, 0x00, 0x00 };
	static const u8 pass_ops[] = { 0x13, 0x4c, 0x8c, 0x91, 0x92 };
	const struct ktgt_cdb_table *t = table(0x01);
	u32 n = ktgt_cdb_table_size(t), n_pass = 0, full, i, j;
	struct ktgt_sense_info err;
	u8 buf[4096];

	(void)state;
	for (i = 0; i < n; i++)
		if (ktgt_cdb_table_desc(t, i)->flags & KTGT_CDB_F_PASS)
			n_pass++;
	assert_int_equal(n_pass, 7);
	assert_int_equal(rsoc(0x01, 0, 0, 0, buf, sizeof(buf), &full, &err),
			 0);
	assert_int_equal(full, 4 + 8 * (n - n_pass));
	for (i = 0; i < n - n_pass; i++) {
		for (j = 0; j < ARRAY_SIZE(pass_ops); j++)
			assert_int_not_equal(buf[4 + 8 * i], pass_ops[j]);
		if (buf[4 + 8 * i] == 0x34)
			assert_true(buf[4 + 8 * i + 3] <= 1);
	}
	for (j = 0; j < ARRAY_SIZE(pass_ops); j++) {
		assert_int_equal(rsoc(0x01, 1, pass_ops[j], 0, buf, sizeof(buf),
				      &full, &err), 0);
		assert_memory_equal(buf, unsup, 4);
	}
	assert_int_equal(rsoc(0x01, 2, 0x34, 0x06, buf, sizeof(buf), &full,
			      &err), 0);
	assert_memory_equal(buf, unsup, 4);
	assert_int_equal(rsoc(0x01, 2, 0x34, 0x01, buf, sizeof(buf), &full,
			      &err), 0);
	assert_int_equal(buf[1] & 0x07, 0x03);
	/* LOG SENSE is the core's, on a tape too. */
	assert_int_equal(rsoc(0x01, 1, 0x4d, 0, buf, sizeof(buf), &full,
			      &err), 0);
	assert_int_equal(buf[1] & 0x07, 0x03);
}

/*
 * LOG SELECT is decoded for pass-through only, for every device type:
 * RSOC of an emulated disk, CD-ROM or changer does not list it either.
 */
static void test_rsoc_log_select_pass(void **state)
{
	static const u8 unsup[] = { 0, 0x01, 0x00, 0x00 };
	static const u8 pdts[] = { 0x00, 0x05, 0x08 };
	struct ktgt_sense_info err;
	u32 full, i, j, n;
	u8 buf[4096];

	(void)state;
	for (j = 0; j < ARRAY_SIZE(pdts); j++) {
		assert_int_equal(rsoc(pdts[j], 0, 0, 0, buf, sizeof(buf),
				      &full, &err), 0);
		n = (full - 4) / 8;
		assert_true(n > 0 && full <= sizeof(buf));
		for (i = 0; i < n; i++)
			assert_int_not_equal(buf[4 + 8 * i], 0x4c);
		assert_int_equal(rsoc(pdts[j], 1, 0x4c, 0, buf, sizeof(buf),
				      &full, &err), 0);
		assert_memory_equal(buf, unsup, 4);
		/* LOG SENSE is the core's. */
		assert_int_equal(rsoc(pdts[j], 1, 0x4d, 0, buf, sizeof(buf),
				      &full, &err), 0);
		assert_int_equal(buf[1] & 0x07, 0x03);
	}
}

static void test_rsoc_log_sense(void **state)
{
	static const u8 ls[] = { 0, 0x03, 0x00, 0x0a, 0x4d, 0x00, 0xff, 0xff,
				 0x00, 0xff, 0xff, 0xff, 0xff, 0x00 };
	struct ktgt_sense_info err;
	u8 buf[64];
	u32 full;

	(void)state;
	assert_int_equal(rsoc(KTGT_PDT_DISK, 1, 0x4d, 0, buf, sizeof(buf),
			      &full, &err), 0);
	assert_int_equal(full, sizeof(ls));
	assert_memory_equal(buf, ls, sizeof(ls));
	assert_int_equal(rsoc(KTGT_PDT_CDROM, 1, 0x4d, 0, buf, sizeof(buf),
			      &full, &err), 0);
	assert_memory_equal(buf, ls, sizeof(ls));
}

static void test_write_same_check(void **state)
{
	u8 ws10[10] = { 0x41, 0x00, 0, 0, 0x10, 0x00, 0, 0x00, 0x10, 0 };
	u8 ws16[16] = { 0x93, 0x08, 0, 0, 0, 0, 0, 0x1f, 0xff, 0x00,
			0, 0, 0, 0, 0, 0 };
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	struct ktgt_cdb c;
	u64 nr;

	(void)state;
	disk(&d);
	decode(ws10, sizeof(ws10), &c);
	assert_int_equal(ktgt_spc_write_same_check(&d, &c, &nr, &err), 0);
	assert_int_equal(nr, 16);

	/* 0 blocks: to the end of the medium, within the limit. */
	decode(ws16, sizeof(ws16), &c);
	d.thin = true;
	assert_int_equal(ktgt_spc_write_same_check(&d, &c, &nr, &err), 0);
	assert_int_equal(nr, 0x100);
	/* UNMAP without thin provisioning. */
	d.thin = false;
	assert_int_equal(ktgt_spc_write_same_check(&d, &c, &nr, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 1, 3);

	/* Beyond MAXIMUM WRITE SAME LENGTH: at the length field. */
	ws16[1] = 0;
	ws16[7] = 0;
	decode(ws16, sizeof(ws16), &c);
	assert_int_equal(ktgt_spc_write_same_check(&d, &c, &nr, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 10, 7);
	ws10[7] = 0x01;
	ws10[8] = 0x00;
	ws10[4] = 0;
	decode(ws10, sizeof(ws10), &c);
	d.lim.max_ws_blocks = 0xff;
	assert_int_equal(ktgt_spc_write_same_check(&d, &c, &nr, &err),
			 -EINVAL);
	check_invalid_cdb(&err, 7, 7);
	d.lim.max_ws_blocks = 0x100;
	assert_int_equal(ktgt_spc_write_same_check(&d, &c, &nr, &err), 0);
	/* No limit. */
	d.lim.max_ws_blocks = 0;
	decode(ws16, sizeof(ws16), &c);
	assert_int_equal(ktgt_spc_write_same_check(&d, &c, &nr, &err), 0);
	assert_int_equal(nr, 0x200000 - 0xff00);
}

static void test_compare_helpers(void **state)
{
	const u8 a[] = { 1, 2, 3, 4 }, b[] = { 1, 2, 9, 4 };
	const u8 z[] = { 0, 0, 0, 0, 0 };
	struct ktgt_sense_info err;

	(void)state;
	assert_int_equal(ktgt_spc_mismatch(a, a, 4), 4);
	assert_int_equal(ktgt_spc_mismatch(a, b, 4), 2);
	assert_int_equal(ktgt_spc_mismatch(a, b, 2), 2);
	assert_true(ktgt_spc_is_zero(z, 5));
	assert_false(ktgt_spc_is_zero(a, 1));
	assert_true(ktgt_spc_is_zero(a, 0));
	ktgt_spc_miscompare(&err, 0x1234);
	check_sense(&err, KTGT_KEY_MISCOMPARE, 0x1d, 0x00);
	assert_true(err.has_info);
	assert_int_equal(err.info, 0x1234);
	assert_false(err.has_field);
}

/*
 * ---------------------------------------------------------------------
 * Truncation: every builder, every allocation length
 * ---------------------------------------------------------------------
 */

enum builder {
	B_INQUIRY_STD,
	B_VPD,
	B_MODE_SENSE,
	B_RCAP10,
	B_RCAP16,
	B_RSOC,
	B_LBA_HDR,
};

static u32 build(enum builder b, const struct ktgt_spc_dev *d,
		 const u8 *cdb, u8 *buf, u32 len)
{
	struct ktgt_spc_mode m = { .wce = true };
	struct ktgt_sense_info err;
	u32 full = 0;

	switch (b) {
	case B_INQUIRY_STD:
		return ktgt_spc_inquiry_std(d, buf, len);
	case B_VPD:
		return ktgt_spc_vpd(d, cdb[2], buf, len);
	case B_MODE_SENSE:
		assert_int_equal(ktgt_spc_mode_sense(d, &m, cdb, buf, len,
						     &full, &err), 0);
		return full;
	case B_RCAP10:
		return ktgt_spc_read_capacity10(d, buf, len);
	case B_RCAP16:
		return ktgt_spc_read_capacity16(d, buf, len);
	case B_RSOC:
		assert_int_equal(ktgt_spc_rsoc(d, table(d->pdt), cdb, buf, len,
					       &full, &err), 0);
		return full;
	case B_LBA_HDR:
		return ktgt_spc_lba_status_hdr(buf, len, 3);
	}
	return 0;
}

static void check_truncation(enum builder b, const struct ktgt_spc_dev *d,
			     const u8 *cdb)
{
	u8 ref[8192];
	u32 full, len;

	memset(ref, 0xee, sizeof(ref));
	full = build(b, d, cdb, ref, sizeof(ref));
	assert_true(full > 0 && full < sizeof(ref));
	for (len = 0; len <= full; len++) {
		u8 *buf = malloc(len ? len : 1);

		assert_non_null(buf);
		memset(buf, 0xee, len);
		assert_int_equal(build(b, d, cdb, buf, len), full);
		assert_memory_equal(buf, ref, len);
		free(buf);
	}
}

static void test_truncation(void **state)
{
	static const u8 vpd_pages[] = { 0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1,
					0xb2 };
	const u8 ms6[] = { 0x1a, 0x00, 0x3f, 0xff, 0xff, 0x00 };
	const u8 ms10[] = { 0x5a, 0x10, 0x3f, 0x00, 0, 0, 0, 0xff, 0xff, 0 };
	const u8 rsoc_all[12] = { 0xa3, 0x0c, 0x80 };
	const u8 rsoc_one[12] = { 0xa3, 0x0c, 0x82, 0x9e, 0x00, 0x10 };
	struct ktgt_spc_dev d;
	u8 cdb[6] = { 0x12, 0x01 };
	unsigned int i, t;

	(void)state;
	for (t = 0; t < 2; t++) {
		if (t)
			cdrom(&d);
		else
			disk(&d);
		d.thin = true;
		d.rel_port = 1;
		d.has_tpg = true;
		d.tpgs = 0x3;
		check_truncation(B_INQUIRY_STD, &d, NULL);
		for (i = 0; i < ARRAY_SIZE(vpd_pages); i++) {
			if (!ktgt_spc_vpd_supported(&d, vpd_pages[i]))
				continue;
			cdb[2] = vpd_pages[i];
			check_truncation(B_VPD, &d, cdb);
		}
		check_truncation(B_MODE_SENSE, &d, ms6);
		check_truncation(B_MODE_SENSE, &d, ms10);
		check_truncation(B_RCAP10, &d, NULL);
		check_truncation(B_RCAP16, &d, NULL);
		check_truncation(B_RSOC, &d, rsoc_all);
		check_truncation(B_RSOC, &d, rsoc_one);
		check_truncation(B_LBA_HDR, &d, NULL);
	}
}

/* Parsers never read past the list, whatever its bytes (ASan checks). */
static void test_parsers_random(void **state)
{
	struct ktgt_spc_mode cur = { 0 }, out;
	struct ktgt_sense_info err;
	struct ktgt_spc_dev d;
	unsigned int seed = 1, i, j;
	u8 p[64];
	u32 n;

	(void)state;
	disk(&d);
	d.thin = true;
	for (i = 0; i < 20000; i++) {
		u32 len = i % sizeof(p);

		for (j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			p[j] = seed >> 16;
		}
		/* Bias towards plausible headers and pages. */
		if (len > 4 && (i & 1)) {
			p[1] = 0;
			p[2] = 0;
			p[3] = (i & 2) ? 8 : 0;
		}
		(void)mode_select(&d, &cur, ms6, p, len, &out, &err);
		(void)mode_select(&d, &cur, ms10, p, len, &out, &err);
		(void)unmap_parse(&d, p, len, &n, &err);
	}
}

/*
 * REPORT LUNS SELECT REPORT (SPC-5 table 203): no well known LUs and no
 * conglomerates, so 00h, 02h and 11h list every LUN, 01h, 10h and 12h
 * none; reserved and vendor specific values are INVALID FIELD IN CDB on
 * byte 2.
 */
static void test_report_luns_select(void **state)
{
	struct ktgt_sense_info err;
	unsigned int v;
	int want;	/* 1: every LUN, 0: none, -1: refused */
	bool all;

	(void)state;
	for (v = 0; v <= 0xff; v++) {
		if (v == 0x00 || v == 0x02 || v == 0x11)
			want = 1;
		else if (v == 0x01 || v == 0x10 || v == 0x12)
			want = 0;
		else
			want = -1;
		memset(&err, 0, sizeof(err));
		all = want != 1;	/* must be written */
		if (want < 0) {
			assert_int_equal(ktgt_spc_report_luns_select(v, &all,
								     &err),
					 -EINVAL);
			check_invalid_cdb(&err, 2, 7);
		} else {
			assert_int_equal(ktgt_spc_report_luns_select(v, &all,
								     &err), 0);
			assert_int_equal(all, want);
			assert_false(err.has_field);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inquiry_std_disk),
		cmocka_unit_test(test_inquiry_std_cdrom),
		cmocka_unit_test(test_vpd_supported_pages),
		cmocka_unit_test(test_vpd_serial),
		cmocka_unit_test(test_vpd_device_id),
		cmocka_unit_test(test_vpd_device_id_iscsi),
		cmocka_unit_test(test_vpd_block_limits),
		cmocka_unit_test(test_vpd_block_characteristics),
		cmocka_unit_test(test_vpd_lbp),
		cmocka_unit_test(test_inquiry_dispatch),
		cmocka_unit_test(test_mode_sense6_caching),
		cmocka_unit_test(test_mode_sense10_llbaa),
		cmocka_unit_test(test_mode_sense_all_pages),
		cmocka_unit_test(test_mode_sense_default),
		cmocka_unit_test(test_mode_sense_errors),
		cmocka_unit_test(test_mode_sense_cdrom),
		cmocka_unit_test(test_mode_select_mm_caps),
		cmocka_unit_test(test_mode_select_wce),
		cmocka_unit_test(test_mode_select10_bd_and_pages),
		cmocka_unit_test(test_mode_select10_long_bd),
		cmocka_unit_test(test_mode_select_qerr),
		cmocka_unit_test(test_mode_select_errors),
		cmocka_unit_test(test_mode_round_trip),
		cmocka_unit_test(test_read_capacity),
		cmocka_unit_test(test_log_sense_pages),
		cmocka_unit_test(test_log_sense_errors),
		cmocka_unit_test(test_rsoc_log_sense),
		cmocka_unit_test(test_rsoc_ssc_pass),
		cmocka_unit_test(test_rsoc_log_select_pass),
		cmocka_unit_test(test_rsoc_all),
		cmocka_unit_test(test_rsoc_one),
		cmocka_unit_test(test_rsoc_thin),
		cmocka_unit_test(test_rsoc_alua),
		cmocka_unit_test(test_lba_status),
		cmocka_unit_test(test_unmap_parse),
		cmocka_unit_test(test_write_same_check),
		cmocka_unit_test(test_compare_helpers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_parsers_random),
		cmocka_unit_test(test_report_luns_select),
	};

	return cmocka_run_group_tests_name("spc", tests, NULL, NULL);
}
