// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: SPC-4 / SBC-3 response data and parameter list parsing.
 *
 * Portable: no kernel dependencies beyond portable.h, so the host unit
 * tests run exactly this code. Parameter lists (MODE SELECT, UNMAP) are
 * bytes an initiator sent: nothing is read past the length the caller
 * gave. Responses are written through the bounded helpers below, which
 * never write past the caller's buffer, so every builder truncates to the
 * allocation length by construction.
 */
#include "spc_data.h"
#include "xcopy_data.h"

/*
 * ---------------------------------------------------------------------
 * Bounded output helpers: write at @off only what fits in @len bytes
 * (with ob_put8(), ob_put_be() and ob_zero() of portable.h).
 * ---------------------------------------------------------------------
 */

static void ob_mem(u8 *buf, u32 len, u32 off, const u8 *src, u32 n)
{
	if (off >= len)
		return;
	if (n > len - off)
		n = len - off;
	memcpy(buf + off, src, n);
}

/* @s copied into a @width-byte field, space padded, cut at @width. */
static void ob_str(u8 *buf, u32 len, u32 off, const char *s, u32 width)
{
	u32 i;
	bool end = !s;

	for (i = 0; i < width; i++) {
		if (!end && !s[i])
			end = true;
		ob_put8(buf, len, off + i, end ? ' ' : (u8)s[i]);
	}
}

/* Length of @s, at most @max. */
static u32 str_len(const char *s, u32 max)
{
	u32 n = 0;

	while (s && n < max && s[n])
		n++;
	return n;
}

/* The most significant bit set in @v (which is not 0). */
static int top_bit(u8 v)
{
	int bit = 7;

	while (bit > 0 && !(v & (1U << bit)))
		bit--;
	return bit;
}

static bool is_disk(const struct ktgt_spc_dev *d)
{
	return d->pdt == KTGT_PDT_DISK;
}

static u8 byte0(const struct ktgt_spc_dev *d)
{
	/* PERIPHERAL QUALIFIER 000b: the logical unit is connected. */
	return d->pdt & 0x1f;
}

/*
 * ---------------------------------------------------------------------
 * INQUIRY (SPC-4 6.6) and VPD pages (SPC-4 7.8, SBC-3 6.6)
 * ---------------------------------------------------------------------
 */

u32 ktgt_spc_inquiry_std(const struct ktgt_spc_dev *d, u8 *buf, u32 buflen)
{
	const u32 len = KTGT_SPC_INQUIRY_STD_LEN;
	u16 vd[4];
	unsigned int i, nr = 0;

	ob_zero(buf, buflen, 0, len);
	ob_put8(buf, buflen, 0, byte0(d));
	/* A changer's cartridges are removable media too (SMC-3). */
	if (d->removable || d->pdt == KTGT_PDT_CDROM ||
	    d->pdt == KTGT_PDT_TAPE || d->pdt == KTGT_PDT_CHANGER)
		ob_put8(buf, buflen, 1, 0x80);			/* RMB */
	ob_put8(buf, buflen, 2, 0x06);				/* SPC-4 */
	ob_put8(buf, buflen, 3, 0x10 | 0x02);		/* HISUP, RDF 2 */
	ob_put8(buf, buflen, 4, len - 5);		/* ADDITIONAL LENGTH */
	/*
	 * TPGS; 3PC: a disk's copy manager (EXTENDED COPY, RECEIVE COPY
	 * RESULTS, VPD page 8Fh) is addressable through it (SPC-4 6.6.2).
	 */
	ob_put8(buf, buflen, 5, (d->tpgs & 0x3) << 4 | (is_disk(d) ? 0x08 : 0));
	ob_put8(buf, buflen, 7, 0x02);				/* CMDQUE */
	ob_str(buf, buflen, 8, d->vendor, 8);
	ob_str(buf, buflen, 16, d->product, 16);
	ob_str(buf, buflen, 32, d->revision, 4);

	vd[nr++] = KTGT_VD_SAM5;
	vd[nr++] = KTGT_VD_SPC4;
	if (d->pdt == KTGT_PDT_DISK)
		vd[nr++] = KTGT_VD_SBC3;
	else if (d->pdt == KTGT_PDT_CDROM)
		vd[nr++] = KTGT_VD_MMC6;
	else if (d->pdt == KTGT_PDT_TAPE)
		vd[nr++] = KTGT_VD_SSC3;
	else if (d->pdt == KTGT_PDT_CHANGER)
		vd[nr++] = KTGT_VD_SMC3;
	if (d->transport_vd)
		vd[nr++] = d->transport_vd;
	for (i = 0; i < nr; i++)
		ob_put_be(buf, buflen, 58 + 2 * i, vd[i], 2);
	return len;
}

/* The VPD pages of a device type, in ascending order. */
static const u8 vpd_pages_disk[] = { 0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1,
				       0xb2 };
static const u8 vpd_pages_other[] = { 0x00, 0x80, 0x83 };

static const u8 *vpd_pages(const struct ktgt_spc_dev *d, u32 *nr)
{
	if (is_disk(d)) {
		*nr = ARRAY_SIZE(vpd_pages_disk);
		return vpd_pages_disk;
	}
	*nr = ARRAY_SIZE(vpd_pages_other);
	return vpd_pages_other;
}

bool ktgt_spc_vpd_supported(const struct ktgt_spc_dev *d, u8 page)
{
	const u8 *pages;
	u32 i, nr;

	pages = vpd_pages(d, &nr);
	for (i = 0; i < nr; i++)
		if (pages[i] == page)
			return true;
	return false;
}

/* The 4-byte VPD page header. */
static void vpd_hdr(const struct ktgt_spc_dev *d, u8 page, u32 page_len,
		    u8 *buf, u32 buflen)
{
	ob_zero(buf, buflen, 0, 4 + page_len);
	ob_put8(buf, buflen, 0, byte0(d));
	ob_put8(buf, buflen, 1, page);
	ob_put_be(buf, buflen, 2, page_len, 2);
}

/* 00h SUPPORTED VPD PAGES */
static u32 vpd_supported(const struct ktgt_spc_dev *d, u8 *buf, u32 buflen)
{
	const u8 *pages;
	u32 nr;

	pages = vpd_pages(d, &nr);
	vpd_hdr(d, 0x00, nr, buf, buflen);
	ob_mem(buf, buflen, 4, pages, nr);
	return 4 + nr;
}

/* 80h UNIT SERIAL NUMBER */
static u32 vpd_serial(const struct ktgt_spc_dev *d, u8 *buf, u32 buflen)
{
	u32 n = str_len(d->serial, 32);

	vpd_hdr(d, 0x80, n, buf, buflen);
	ob_str(buf, buflen, 4, d->serial, n);
	return 4 + n;
}

#define DESIG_CODE_BINARY	0x1
#define DESIG_CODE_ASCII	0x2
#define DESIG_CODE_UTF8		0x3
#define DESIG_ASSOC_LU		0x0
#define DESIG_ASSOC_PORT	0x1
#define DESIG_ASSOC_TARGET	0x2
#define DESIG_TYPE_T10		0x1
#define DESIG_TYPE_NAA		0x3
#define DESIG_TYPE_REL_PORT	0x4
#define DESIG_TYPE_TPG		0x5
#define DESIG_TYPE_NAME		0x8
#define DESIG_PIV		0x80

/*
 * A designation descriptor header (SPC-4 7.8.6.1); returns its size.
 * With @piv, PIV = 1 and PROTOCOL IDENTIFIER @proto (KTGT_PROTO_*), for
 * a designator of a port or a target (association 01b or 10b).
 */
static u32 desig_hdr_proto(u8 *buf, u32 buflen, u32 off, bool piv, u8 proto,
			   u8 code_set, u8 assoc, u8 type, u8 len)
{
	ob_put8(buf, buflen, off,
		(piv ? (proto & 0x0f) << 4 : 0) | (code_set & 0x0f));
	ob_put8(buf, buflen, off + 1, (piv ? DESIG_PIV : 0) |
		(assoc & 0x3) << 4 | (type & 0x0f));
	ob_put8(buf, buflen, off + 2, 0);
	ob_put8(buf, buflen, off + 3, len);
	return 4 + len;
}

/* A designation descriptor header without a protocol (PIV = 0). */
static u32 desig_hdr(u8 *buf, u32 buflen, u32 off, u8 code_set, u8 assoc,
		     u8 type, u8 len)
{
	return desig_hdr_proto(buf, buflen, off, false, 0, code_set, assoc,
			       type, len);
}

/* ",t,0x" and the TPGT as four hex digits, after a target port's name. */
#define ISCSI_PORT_SUFFIX_LEN	9

/* The iSCSI name's length, or 0 when there is none to report. */
static u32 iscsi_name_len(const struct ktgt_spc_dev *d)
{
	u32 n = str_len(d->iscsi_name, KTGT_ISCSI_NAME_MAX + 1);

	return n > KTGT_ISCSI_NAME_MAX ? 0 : n;
}

/*
 * The DESIGNATOR LENGTH of a SCSI name string of @n bytes (SPC-4
 * 7.8.6.11): null terminated, null padded to a multiple of 4.
 */
static u32 name_desig_len(u32 n)
{
	return (n + 1 + 3) & ~3U;
}

/*
 * An iSCSI SCSI name string designator (SPC-4 7.8.6.11; PIV = 1,
 * PROTOCOL IDENTIFIER 5h, UTF-8) of @name (@n bytes), followed by
 * ",t,0x<@tpgt>" for the target port (association 01b); the padding is
 * the zeroes vpd_hdr() wrote. Returns its size.
 */
static u32 desig_iscsi_name(u8 *buf, u32 buflen, u32 off, u8 assoc,
			    const char *name, u32 n, u16 tpgt)
{
	static const char hex[] = "0123456789abcdef";
	u32 len = n + (assoc == DESIG_ASSOC_PORT ? ISCSI_PORT_SUFFIX_LEN : 0);
	int i;

	len = name_desig_len(len);
	desig_hdr_proto(buf, buflen, off, true, KTGT_PROTO_ISCSI,
			DESIG_CODE_UTF8, assoc, DESIG_TYPE_NAME, len);
	ob_mem(buf, buflen, off + 4, (const u8 *)name, n);
	if (assoc == DESIG_ASSOC_PORT) {
		ob_mem(buf, buflen, off + 4 + n, (const u8 *)",t,0x", 5);
		for (i = 0; i < 4; i++)
			ob_put8(buf, buflen, off + 4 + n + 5 + i,
				hex[(tpgt >> (12 - 4 * i)) & 0xf]);
	}
	return 4 + len;
}

/* 83h DEVICE IDENTIFICATION */
static u32 vpd_devid(const struct ktgt_spc_dev *d, u8 *buf, u32 buflen)
{
	u32 serial_len = str_len(d->serial, 32);
	u32 name_len = iscsi_name_len(d);
	u32 page_len, off = 4;

	page_len = (4 + 16) + (4 + 8 + serial_len);
	if (d->rel_port)
		page_len += 4 + 4;
	if (d->has_tpg)
		page_len += 4 + 4;
	if (name_len)
		page_len += 4 + name_desig_len(name_len +
					       ISCSI_PORT_SUFFIX_LEN) +
			    4 + name_desig_len(name_len);
	vpd_hdr(d, 0x83, page_len, buf, buflen);

	/* NAA IEEE Registered Extended, for the logical unit. */
	desig_hdr(buf, buflen, off, DESIG_CODE_BINARY, DESIG_ASSOC_LU,
		  DESIG_TYPE_NAA, 16);
	ob_mem(buf, buflen, off + 4, d->naa_id, 16);
	off += 4 + 16;

	/* T10 vendor ID based: VENDOR IDENTIFICATION + serial number. */
	desig_hdr(buf, buflen, off, DESIG_CODE_ASCII, DESIG_ASSOC_LU,
		  DESIG_TYPE_T10, 8 + serial_len);
	ob_str(buf, buflen, off + 4, d->vendor, 8);
	ob_str(buf, buflen, off + 12, d->serial, serial_len);
	off += 4 + 8 + serial_len;

	/* Relative target port and target port group, for the port. */
	if (d->rel_port) {
		desig_hdr_proto(buf, buflen, off, d->port_piv, d->port_proto,
				DESIG_CODE_BINARY, DESIG_ASSOC_PORT,
				DESIG_TYPE_REL_PORT, 4);
		ob_put_be(buf, buflen, off + 6, d->rel_port, 2);
		off += 8;
	}
	if (d->has_tpg) {
		desig_hdr_proto(buf, buflen, off, d->port_piv, d->port_proto,
				DESIG_CODE_BINARY, DESIG_ASSOC_PORT,
				DESIG_TYPE_TPG, 4);
		ob_put_be(buf, buflen, off + 6, d->tpg, 2);
		off += 8;
	}

	/* iSCSI: the target port's and the target device's names. */
	if (name_len) {
		off += desig_iscsi_name(buf, buflen, off, DESIG_ASSOC_PORT,
					d->iscsi_name, name_len, d->tpgt);
		off += desig_iscsi_name(buf, buflen, off, DESIG_ASSOC_TARGET,
					d->iscsi_name, name_len, 0);
	}
	return off;
}

/*
 * 8Fh THIRD-PARTY COPY (SPC-4 7.8.17): the EXTENDED
 * COPY copy manager of core/xcopy.c, limits from xcopy_data.h. Supported
 * Commands (0001h), Parameter Data (0004h), Supported Descriptors (0008h)
 * and General Copy Operations (8001h).
 */
static u32 vpd_tpc_desc(u8 *buf, u32 buflen, u32 off, u16 type, u16 len)
{
	ob_put_be(buf, buflen, off, type, 2);
	ob_put_be(buf, buflen, off + 2, len, 2);
	return 4 + len;
}

static u32 vpd_third_party_copy(const struct ktgt_spc_dev *d, u8 *buf,
				u32 buflen)
{
	static const u8 cmds[] = {
		8,				/* COMMANDS SUPPORTED LIST LENGTH */
		0x83, 1, 0x00,			/* EXTENDED COPY(LID1) */
		0x84, 3, KTGT_RCR_COPY_STATUS,	/* RECEIVE COPY RESULTS */
		KTGT_RCR_OP_PARAMS, KTGT_RCR_FAILED_SEGMENT,
	};
	u32 off = 4;

	vpd_hdr(d, 0x8f, KTGT_XCOPY_VPD_LEN - 4, buf, buflen);
	/* 9 bytes padded to 12 */
	ob_mem(buf, buflen, off + 4, cmds, sizeof(cmds));
	off += vpd_tpc_desc(buf, buflen, off, 0x0001, 12);

	ob_put_be(buf, buflen, off + 8, KTGT_XCOPY_MAX_TGT_DESCS, 2);
	ob_put_be(buf, buflen, off + 10, KTGT_XCOPY_MAX_SEG_DESCS, 2);
	ob_put_be(buf, buflen, off + 12, KTGT_XCOPY_MAX_DESC_LIST_LEN, 4);
	off += vpd_tpc_desc(buf, buflen, off, 0x0004, 0x1c);

	ob_put8(buf, buflen, off + 4, 2);
	ob_put8(buf, buflen, off + 5, KTGT_XCOPY_SEG_B2B);
	ob_put8(buf, buflen, off + 6, KTGT_XCOPY_TGT_IDENT);
	off += vpd_tpc_desc(buf, buflen, off, 0x0008, 4);

	ob_put_be(buf, buflen, off + 4, KTGT_XCOPY_MAX_CONCURRENT, 4);
	ob_put_be(buf, buflen, off + 8, KTGT_XCOPY_MAX_CONCURRENT, 4);
	ob_put_be(buf, buflen, off + 12, KTGT_XCOPY_MAX_SEG_BYTES, 4);
	ob_put8(buf, buflen, off + 16, 9);	/* DATA SEGMENT GRANULARITY */
	off += vpd_tpc_desc(buf, buflen, off, 0x8001, 0x1c);
	return off;
}

/* B0h BLOCK LIMITS (SBC-3 6.6.4) */
static u32 vpd_block_limits(const struct ktgt_spc_dev *d, u8 *buf,
			    u32 buflen)
{
	const struct ktgt_spc_limits *l = &d->lim;

	vpd_hdr(d, 0xb0, 0x3c, buf, buflen);
	/* Byte 4: WSNZ = 0, a WRITE SAME of 0 blocks goes to the end. */
	ob_put8(buf, buflen, 5, l->max_caw_blocks);
	ob_put_be(buf, buflen, 6, l->opt_gran_blocks, 2);
	ob_put_be(buf, buflen, 8, l->max_xfer_blocks, 4);
	ob_put_be(buf, buflen, 12, l->opt_xfer_blocks, 4);
	if (d->thin) {
		ob_put_be(buf, buflen, 20, l->max_unmap_blocks, 4);
		ob_put_be(buf, buflen, 24, l->max_unmap_descs, 4);
		ob_put_be(buf, buflen, 28, l->opt_unmap_gran, 4);
	}
	ob_put_be(buf, buflen, 36, l->max_ws_blocks, 8);
	return 4 + 0x3c;
}

/* B1h BLOCK DEVICE CHARACTERISTICS (SBC-3 6.6.5) */
static u32 vpd_block_chars(const struct ktgt_spc_dev *d, u8 *buf,
			   u32 buflen)
{
	vpd_hdr(d, 0xb1, 0x3c, buf, buflen);
	/* MEDIUM ROTATION RATE: 0001h non-rotating; 0000h not reported. */
	ob_put_be(buf, buflen, 4, d->rotational ? 0x0000 : 0x0001, 2);
	return 4 + 0x3c;
}

/* B2h LOGICAL BLOCK PROVISIONING (SBC-3 6.6.6) */
static u32 vpd_lbp(const struct ktgt_spc_dev *d, u8 *buf, u32 buflen)
{
	u8 flags = 0;

	vpd_hdr(d, 0xb2, 0x04, buf, buflen);
	if (d->thin) {
		flags = 0x80 | 0x40 | 0x20;		/* LBPU LBPWS LBPWS10 */
		if (d->lbprz)
			flags |= 0x04;			/* LBPRZ */
	}
	ob_put8(buf, buflen, 5, flags);
	/* PROVISIONING TYPE: 010b thin, 000b fully provisioned. */
	ob_put8(buf, buflen, 6, d->thin ? 0x02 : 0x00);
	return 4 + 4;
}

u32 ktgt_spc_vpd(const struct ktgt_spc_dev *d, u8 page, u8 *buf, u32 buflen)
{
	if (!ktgt_spc_vpd_supported(d, page))
		return 0;
	switch (page) {
	case 0x00:
		return vpd_supported(d, buf, buflen);
	case 0x80:
		return vpd_serial(d, buf, buflen);
	case 0x83:
		return vpd_devid(d, buf, buflen);
	case 0x8f:
		return vpd_third_party_copy(d, buf, buflen);
	case 0xb0:
		return vpd_block_limits(d, buf, buflen);
	case 0xb1:
		return vpd_block_chars(d, buf, buflen);
	case 0xb2:
		return vpd_lbp(d, buf, buflen);
	default:
		return 0;
	}
}

int ktgt_spc_inquiry(const struct ktgt_spc_dev *d, const u8 *cdb, u8 *buf,
		     u32 buflen, u32 *full, struct ktgt_sense_info *err)
{
	if (!(cdb[1] & 0x01)) {
		*full = ktgt_spc_inquiry_std(d, buf, buflen);
		return 0;
	}
	if (!ktgt_spc_vpd_supported(d, cdb[2])) {
		ktgt_sense_invalid_cdb(err, 2, 7);
		return -EINVAL;
	}
	*full = ktgt_spc_vpd(d, cdb[2], buf, buflen);
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * Mode pages (SPC-4 7.5, SBC-3 6.4)
 * ---------------------------------------------------------------------
 */

/* The PC field of MODE SENSE: which values to report. */
enum mode_pc {
	PC_CURRENT,
	PC_CHANGEABLE,
	PC_DEFAULT,
	PC_SAVED,
};

#define MODE_PAGE_MAX_LEN	24

/**
 * struct mode_ctx - what a mode page is built for
 * @d: the logical unit
 * @m: the mode parameter values to report
 * @mask: build the changeable mask instead of values
 */
struct mode_ctx {
	const struct ktgt_spc_dev *d;
	const struct ktgt_spc_mode *m;
	bool mask;
};

/**
 * struct mode_page - a mode page the emulation implements
 * @code: PAGE CODE (subpage 00h, page_0 format)
 * @len: total length, header included (PAGE LENGTH + 2)
 * @disk: only for direct-access devices
 * @mmc: only for CD-ROM devices (KTGT_PDT_CDROM)
 * @fill: write the page body into @p (@len zeroed bytes; the header is
 *	written afterwards) for what @ctx asks; NULL for an all-zero page
 * @apply: take the changeable values of a validated page @p into @m
 */
struct mode_page {
	u8 code;
	u8 len;
	bool disk;
	bool mmc;
	void (*fill)(const struct mode_ctx *ctx, u8 *p);
	void (*apply)(const u8 *p, struct ktgt_spc_mode *m);
};

/* 08h CACHING: WCE is changeable; read cache always on (RCD = 0). */
static void page_caching(const struct mode_ctx *ctx, u8 *p)
{
	if (ctx->mask || ctx->m->wce)
		p[2] |= 0x04;				/* WCE */
}

static void page_caching_apply(const u8 *p, struct ktgt_spc_mode *m)
{
	m->wce = p[2] & 0x04;
}

/*
 * 0Ah CONTROL: TST 000b, QUEUE ALGORITHM MODIFIER 0 (restricted
 * reordering: the engine keeps overlapping commands in order); D_SENSE,
 * QERR (00b, 01b, 11b; 10b is reserved), UA_INTLCK_CTRL (00b, 10b, 11b;
 * 01b is reserved) and TAS are changeable.
 */
static void page_control(const struct mode_ctx *ctx, u8 *p)
{
	if (ctx->mask) {
		p[2] = 0x04;				/* D_SENSE */
		p[3] = 0x06;				/* QERR */
		p[4] = 0x30;				/* UA_INTLCK_CTRL */
		p[5] = 0x40;				/* TAS */
		return;
	}
	if (ctx->m->d_sense)
		p[2] |= 0x04;
	p[3] |= (u8)((ctx->m->qerr & 0x03) << 1);
	p[4] |= (u8)((ctx->m->ua_intlck & 0x03) << 4);
	if (ctx->m->tas)
		p[5] |= 0x40;
}

static void page_control_apply(const u8 *p, struct ktgt_spc_mode *m)
{
	m->d_sense = p[2] & 0x04;
	m->qerr = (p[3] >> 1) & 0x03;
	m->ua_intlck = (p[4] >> 4) & 0x03;
	m->tas = p[5] & 0x40;
}

/*
 * 2Ah MM CAPABILITIES AND MECHANICAL STATUS (MMC-3 6.3.11; obsolete since
 * MMC-5, but what Linux's sr reads to learn a drive's abilities): reads
 * CD-R and CD-RW media, writes none; a tray it can eject and lock, LOCK
 * STATE set while an I_T nexus prevents medium removal; 40x speed.
 * Nothing is changeable: a MODE SELECT may send it back unchanged.
 */
static void page_mm_caps(const struct mode_ctx *ctx, u8 *p)
{
	if (ctx->mask)
		return;
	p[2] = 0x03;					/* CD-R, CD-RW read */
	p[6] = 0x29 | (ctx->d->prevented ? 0x02 : 0);	/* tray, eject, lock */
	put_unaligned_be16(176 * 40, p + 8);		/* max read speed */
	put_unaligned_be16(176 * 40, p + 14);		/* current speed */
}

static const struct mode_page mode_pages[] = {
	/* 01h READ-WRITE ERROR RECOVERY: all zero, nothing changeable. */
	{ .code = 0x01, .len = 12 },
	{ .code = 0x08, .len = 20, .disk = true, .fill = page_caching,
	  .apply = page_caching_apply },
	{ .code = 0x0a, .len = 12, .fill = page_control,
	  .apply = page_control_apply },
	{ .code = 0x2a, .len = 22, .mmc = true, .fill = page_mm_caps },
};

static bool page_applies(const struct ktgt_spc_dev *d,
			 const struct mode_page *mp)
{
	if (mp->mmc)
		return d->pdt == KTGT_PDT_CDROM;
	return !mp->disk || d->pdt == KTGT_PDT_DISK;
}

static const struct mode_page *page_find(const struct ktgt_spc_dev *d,
					 u8 code)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mode_pages); i++)
		if (mode_pages[i].code == code &&
		    page_applies(d, &mode_pages[i]))
			return &mode_pages[i];
	return NULL;
}

/* The values reported as PC 10b: those of a freshly enabled device. */
static void mode_defaults(const struct ktgt_spc_dev *d,
			  struct ktgt_spc_mode *m)
{
	m->wce = !d->write_through;
	m->d_sense = false;
	m->tas = d->tas;
	m->qerr = 0;
	m->ua_intlck = 0;
}

static void page_build(const struct ktgt_spc_dev *d,
		       const struct mode_page *mp,
		       const struct ktgt_spc_mode *m, bool mask, u8 *p)
{
	const struct mode_ctx ctx = { .d = d, .m = m, .mask = mask };

	memset(p, 0, mp->len);
	if (mp->fill)
		mp->fill(&ctx, p);
	p[0] = mp->code;		/* PS = 0: cannot be saved; SPF 0 */
	p[1] = mp->len - 2;
}

int ktgt_spc_mode_sense(const struct ktgt_spc_dev *d,
			const struct ktgt_spc_mode *cur, const u8 *cdb,
			u8 *buf, u32 buflen, u32 *full,
			struct ktgt_sense_info *err)
{
	bool ten = cdb[0] == 0x5a;
	bool dbd = cdb[1] & 0x08;
	bool llbaa = ten && (cdb[1] & 0x10);
	enum mode_pc pc = cdb[2] >> 6;
	u8 code = cdb[2] & 0x3f, subpage = cdb[3];
	struct ktgt_spc_mode def;
	const struct ktgt_spc_mode *m = cur;
	u32 hdr_len = ten ? 8 : 4, bd_len = 0, off, i;
	u8 page[MODE_PAGE_MAX_LEN];
	bool found = false;
	u8 dsp = 0;

	if (pc == PC_SAVED) {
		ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST, 0x39, 0x00);
		ktgt_sense_set_field(err, true, 2, 7);
		return -EINVAL;
	}
	if (code != 0x3f && !page_find(d, code)) {
		ktgt_sense_invalid_cdb(err, 2, 5);
		return -EINVAL;
	}
	/* No subpages other than 00h; FFh asks for all of them. */
	if (subpage != 0x00 && subpage != 0xff) {
		ktgt_sense_invalid_cdb(err, 3, 7);
		return -EINVAL;
	}
	if (pc == PC_DEFAULT) {
		mode_defaults(d, &def);
		m = &def;
	}

	if (is_disk(d) && !dbd)
		bd_len = llbaa ? 16 : 8;
	ob_zero(buf, buflen, 0, hdr_len + bd_len);

	/* Block descriptor: short LBA (SBC-3 6.4.2) or long LBA (6.4.3). */
	if (bd_len == 8) {
		u64 n = d->nr_blocks;

		if (pc == PC_CHANGEABLE)
			n = 0;
		else if (n > 0xffffffffULL)
			n = 0xffffffffULL;
		ob_put_be(buf, buflen, hdr_len, n, 4);
		if (pc != PC_CHANGEABLE)
			ob_put_be(buf, buflen, hdr_len + 5, d->block_size, 3);
	} else if (bd_len == 16) {
		if (pc != PC_CHANGEABLE) {
			ob_put_be(buf, buflen, hdr_len, d->nr_blocks, 8);
			ob_put_be(buf, buflen, hdr_len + 12, d->block_size, 4);
		}
	}

	off = hdr_len + bd_len;
	for (i = 0; i < ARRAY_SIZE(mode_pages); i++) {
		const struct mode_page *mp = &mode_pages[i];

		if (!page_applies(d, mp) || (code != 0x3f && code != mp->code))
			continue;
		page_build(d, mp, m, pc == PC_CHANGEABLE, page);
		ob_mem(buf, buflen, off, page, mp->len);
		off += mp->len;
		found = true;
	}
	if (!found) {
		ktgt_sense_invalid_cdb(err, 2, 5);
		return -EINVAL;
	}

	/* DEVICE-SPECIFIC PARAMETER (SBC-3 6.4.1): WP, DPOFUA. */
	if (is_disk(d))
		dsp = (d->read_only ? 0x80 : 0) | 0x10;
	if (ten) {
		ob_put_be(buf, buflen, 0, off - 2, 2);	/* MODE DATA LENGTH */
		ob_put8(buf, buflen, 3, dsp);
		ob_put8(buf, buflen, 4, bd_len == 16 ? 0x01 : 0); /* LONGLBA */
		ob_put_be(buf, buflen, 6, bd_len, 2);
	} else {
		ob_put8(buf, buflen, 0, off - 1);
		ob_put8(buf, buflen, 2, dsp);
		ob_put8(buf, buflen, 3, bd_len);
	}
	*full = off;
	return 0;
}

static int param_invalid(struct ktgt_sense_info *err, u32 field, int bit)
{
	ktgt_sense_invalid_param(err, (u16)field, bit);
	return -EINVAL;
}

static int param_len_error(struct ktgt_sense_info *err)
{
	ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST,
		       KTGT_ASC_PARAM_LIST_LENGTH, 0);
	return -EINVAL;
}

/* Validate a MODE SELECT block descriptor of @bd_len bytes at @p. */
static int mode_select_bd(const struct ktgt_spc_dev *d, const u8 *p,
			  u32 off, u32 bd_len, struct ktgt_sense_info *err)
{
	u64 n, cur_n = d->nr_blocks;
	u32 bs;

	if (bd_len == 8) {
		n = get_unaligned_be32(p);
		if (cur_n > 0xffffffffULL)
			cur_n = 0xffffffffULL;
		if (p[4])
			return param_invalid(err, off + 4, top_bit(p[4]));
		bs = get_unaligned_be24(p + 5);
		if (bs != d->block_size)
			return param_invalid(err, off + 5, 7);
	} else {
		n = get_unaligned_be64(p);
		for (bs = 8; bs < 12; bs++)
			if (p[bs])
				return param_invalid(err, off + bs,
						     top_bit(p[bs]));
		bs = get_unaligned_be32(p + 12);
		if (bs != d->block_size)
			return param_invalid(err, off + 12, 7);
	}
	/* NUMBER OF LOGICAL BLOCKS 0 means "unchanged". */
	if (n && n != cur_n)
		return param_invalid(err, off, 7);
	return 0;
}

/* Validate one page at @p (offset @off in the list, @avail bytes left). */
static int mode_select_page(const struct ktgt_spc_dev *d,
			    const struct ktgt_spc_mode *cur, const u8 *p,
			    u32 off, u32 avail, struct ktgt_spc_mode *out,
			    u32 *page_len, struct ktgt_sense_info *err)
{
	const struct mode_page *mp;
	u8 now[MODE_PAGE_MAX_LEN], mask[MODE_PAGE_MAX_LEN];
	u32 i;

	if (avail < 2)
		return param_len_error(err);
	/* SPF = 1 (subpage format): no subpages are implemented. */
	if (p[0] & 0x40)
		return param_invalid(err, off, 6);
	mp = page_find(d, p[0] & 0x3f);
	if (!mp)
		return param_invalid(err, off, 5);
	if (p[1] != mp->len - 2)
		return param_invalid(err, off + 1, 7);
	if (avail < mp->len)
		return param_len_error(err);

	page_build(d, mp, cur, false, now);
	page_build(d, mp, cur, true, mask);
	/* Only changeable bits may differ; PS (byte 0 bit 7) is reserved. */
	for (i = 2; i < mp->len; i++) {
		u8 bad = (p[i] ^ now[i]) & ~mask[i];

		if (bad)
			return param_invalid(err, off + i, top_bit(bad));
	}
	/* Control page UA_INTLCK_CTRL 01b and QERR 10b are reserved. */
	if (mp->code == 0x0a && ((p[4] >> 4) & 0x03) == 0x01)
		return param_invalid(err, off + 4, 5);
	if (mp->code == 0x0a && ((p[3] >> 1) & 0x03) == 0x02)
		return param_invalid(err, off + 3, 2);
	if (mp->apply)
		mp->apply(p, out);
	*page_len = mp->len;
	return 0;
}

int ktgt_spc_mode_select(const struct ktgt_spc_dev *d,
			 const struct ktgt_spc_mode *cur, const u8 *cdb,
			 const u8 *param, u32 len, struct ktgt_spc_mode *out,
			 struct ktgt_sense_info *err)
{
	bool ten = cdb[0] == 0x55;
	u32 hdr_len = ten ? 8 : 4, bd_len, off;
	struct ktgt_spc_mode m = *cur;
	u8 medium_type;
	int ret;

	if (!len) {
		*out = *cur;
		return 0;
	}
	if (!(cdb[1] & 0x10)) {
		ktgt_sense_invalid_cdb(err, 1, 4);	/* PF */
		return -EINVAL;
	}
	if (len < hdr_len)
		return param_len_error(err);

	medium_type = param[ten ? 2 : 1];
	if (medium_type)
		return param_invalid(err, ten ? 2 : 1, top_bit(medium_type));
	if (ten) {
		bool longlba = param[4] & 0x01;

		bd_len = get_unaligned_be16(param + 6);
		if (bd_len && (!is_disk(d) || bd_len != (longlba ? 16 : 8)))
			return param_invalid(err, 6, 7);
	} else {
		bd_len = param[3];
		if (bd_len && (!is_disk(d) || bd_len != 8))
			return param_invalid(err, 3, 7);
	}
	if (len - hdr_len < bd_len)
		return param_len_error(err);
	if (bd_len) {
		ret = mode_select_bd(d, param + hdr_len, hdr_len, bd_len, err);
		if (ret)
			return ret;
	}

	off = hdr_len + bd_len;
	while (off < len) {
		u32 page_len = 0;

		ret = mode_select_page(d, cur, param + off, off, len - off, &m,
				       &page_len, err);
		if (ret)
			return ret;
		off += page_len;
	}
	*out = m;
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * READ CAPACITY (SBC-3 5.15, 5.16)
 * ---------------------------------------------------------------------
 */

static u64 last_lba(const struct ktgt_spc_dev *d)
{
	return d->nr_blocks ? d->nr_blocks - 1 : 0;
}

/*
 * LOG SENSE (SPC-4 6.6). The supported log pages, as PAGE CODE and
 * SUBPAGE CODE, in ascending order: see ktgt_spc_log_sense() for why
 * only these.
 */
static const u8 log_pages[][2] = {
	{ 0x00, 0x00 },		/* Supported Log Pages */
	{ 0x00, 0xff },		/* Supported Log Pages and Subpages */
};

int ktgt_spc_log_sense(const u8 *cdb, u8 *buf, u32 buflen, u32 *full,
		       struct ktgt_sense_info *err)
{
	u8 code = cdb[2] & 0x3f, subpage = cdb[3];
	u32 off = 4, i;

	if (code != 0x00) {
		ktgt_sense_invalid_cdb(err, 2, 5);
		return -EINVAL;
	}
	if (subpage != 0x00 && subpage != 0xff) {
		ktgt_sense_invalid_cdb(err, 3, 7);
		return -EINVAL;
	}
	if (ktgt_get_be(cdb + 5, 2)) {
		ktgt_sense_invalid_cdb(err, 5, 7);
		return -EINVAL;
	}
	ob_zero(buf, buflen, 0, KTGT_SPC_LOG_MAX_LEN);
	if (subpage == 0x00) {
		/* 7.3.18: one PAGE CODE per supported page, DS and SPF 0. */
		for (i = 0; i < ARRAY_SIZE(log_pages); i++) {
			if (i && log_pages[i][0] == log_pages[i - 1][0])
				continue;
			ob_put8(buf, buflen, off++, log_pages[i][0]);
		}
	} else {
		/* 7.3.19: SPF 1, SUBPAGE CODE FFh; page and subpage pairs. */
		ob_put8(buf, buflen, 0, 0x40);
		ob_put8(buf, buflen, 1, 0xff);
		for (i = 0; i < ARRAY_SIZE(log_pages); i++) {
			ob_put8(buf, buflen, off++, log_pages[i][0]);
			ob_put8(buf, buflen, off++, log_pages[i][1]);
		}
	}
	ob_put_be(buf, buflen, 2, off - 4, 2);
	*full = off;
	return 0;
}

u32 ktgt_spc_read_capacity10(const struct ktgt_spc_dev *d, u8 *buf,
			     u32 buflen)
{
	u64 last = last_lba(d);

	if (last > 0xffffffffULL)
		last = 0xffffffffULL;
	ob_put_be(buf, buflen, 0, last, 4);
	ob_put_be(buf, buflen, 4, d->block_size, 4);
	return KTGT_SPC_RCAP10_LEN;
}

/**
 * ktgt_spc_lbppbe() - LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (SBC-3 5.16.2)
 * @block_size: the logical block size
 * @phys_block_size: the physical block size; 0: unknown
 *
 * Return: log2(@phys_block_size / @block_size) when that is a whole
 * power of two from 2 to 2^15, else 0 (one logical block per physical).
 */
u8 ktgt_spc_lbppbe(u32 block_size, u32 phys_block_size)
{
	u8 e = 0;

	if (!block_size || phys_block_size <= block_size ||
	    phys_block_size % block_size)
		return 0;
	phys_block_size /= block_size;
	if (phys_block_size & (phys_block_size - 1))
		return 0;
	while (phys_block_size > 1 && e < 15) {
		phys_block_size >>= 1;
		e++;
	}
	return phys_block_size == 1 ? e : 0;
}

u32 ktgt_spc_read_capacity16(const struct ktgt_spc_dev *d, u8 *buf,
			     u32 buflen)
{
	u8 lbp = 0;

	ob_zero(buf, buflen, 0, KTGT_SPC_RCAP16_LEN);
	ob_put_be(buf, buflen, 0, last_lba(d), 8);
	ob_put_be(buf, buflen, 8, d->block_size, 4);
	/* Byte 12: no protection; byte 13: logical blocks per physical. */
	ob_put8(buf, buflen, 13, d->lbppbe & 0x0f);
	if (d->thin) {
		lbp = 0x80;				/* LBPME */
		if (d->lbprz)
			lbp |= 0x40;			/* LBPRZ */
	}
	ob_put8(buf, buflen, 14, lbp);	/* and LOWEST ALIGNED LBA 0 */
	return KTGT_SPC_RCAP16_LEN;
}

/*
 * ---------------------------------------------------------------------
 * REPORT SUPPORTED OPERATION CODES (SPC-4 6.35)
 * ---------------------------------------------------------------------
 */

#define RSOC_TIMEOUTS_LEN	12

void ktgt_spc_rsoc_timeouts(const struct ktgt_cdb_desc *desc, u32 *nominal,
			    u32 *recommended)
{
	*nominal = 0;
	/* Commands that may act on the whole medium get longer. */
	if (desc->xfer == KTGT_XFER_RANGE ||
	    (desc->flags & (KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_MEDIUM_WRITE)))
		*recommended = 60;
	else
		*recommended = 30;
}

/* A command timeouts descriptor (SPC-4 6.35.4) at @off. */
static void rsoc_put_timeouts(const struct ktgt_cdb_desc *desc, u8 *buf,
			      u32 buflen, u32 off)
{
	u32 nominal, recommended;

	ktgt_spc_rsoc_timeouts(desc, &nominal, &recommended);
	ob_put_be(buf, buflen, off, RSOC_TIMEOUTS_LEN - 2, 2);
	ob_put8(buf, buflen, off + 2, 0);
	ob_put8(buf, buflen, off + 3, 0);	/* COMMAND SPECIFIC */
	ob_put_be(buf, buflen, off + 4, nominal, 4);
	ob_put_be(buf, buflen, off + 8, recommended, 4);
}

/*
 * Whether @desc is a command of the logical unit: what the table flags
 * KTGT_CDB_F_THIN needs thin provisioning; KTGT_CDB_F_PASS is never one
 * (only a pass-through LU has it, and passes RSOC to its device); REPORT
 * TARGET PORT GROUPS needs TPGS != 00b and SET TARGET PORT GROUPS explicit ALUA, TPGS 1xb (SPC-4
 * 6.6.2): without, core/alua.c refuses them as unsupported commands.
 */
static bool rsoc_supported(const struct ktgt_cdb_desc *desc,
			   const struct ktgt_spc_dev *d)
{
	if (!desc)
		return false;
	if ((desc->flags & KTGT_CDB_F_THIN) && !d->thin)
		return false;
	/* Decoded for pass-through only: no emulation implements it. */
	if (desc->flags & KTGT_CDB_F_PASS)
		return false;
	if ((desc->flags & KTGT_CDB_F_SA) && desc->sa == 0x0a) {
		if (desc->opcode == 0xa3)
			return d->tpgs != 0;
		if (desc->opcode == 0xa4)
			return d->tpgs & 0x2;
	}
	return true;
}

static u32 rsoc_all(const struct ktgt_spc_dev *d,
		    const struct ktgt_cdb_table *tbl, bool rctd, u8 *buf,
		    u32 buflen)
{
	u32 i, n = ktgt_cdb_table_size(tbl);
	u32 dlen = 8 + (rctd ? RSOC_TIMEOUTS_LEN : 0);
	u32 off = 4;

	for (i = 0; i < n; i++) {
		const struct ktgt_cdb_desc *desc = ktgt_cdb_table_desc(tbl, i);
		bool sa = desc->flags & KTGT_CDB_F_SA;

		if (!rsoc_supported(desc, d))
			continue;
		ob_put8(buf, buflen, off, desc->opcode);
		ob_put8(buf, buflen, off + 1, 0);
		ob_put_be(buf, buflen, off + 2, sa ? desc->sa : 0, 2);
		ob_put8(buf, buflen, off + 4, 0);
		ob_put8(buf, buflen, off + 5, (rctd ? 0x02 : 0) | (sa ? 1 : 0));
		ob_put_be(buf, buflen, off + 6, desc->len, 2);
		if (rctd)
			rsoc_put_timeouts(desc, buf, buflen, off + 8);
		off += dlen;
	}
	ob_put_be(buf, buflen, 0, off - 4, 4);	/* COMMAND DATA LENGTH */
	return off;
}

static u32 rsoc_one(const struct ktgt_spc_dev *d,
		    const struct ktgt_cdb_desc *desc, bool rctd, u8 *buf,
		    u32 buflen)
{
	u8 usage[KTGT_CDB_MAX_LEN];
	u32 cdb_len;

	if (!desc) {
		/* SUPPORT 001b: not supported; no usage data. */
		ob_zero(buf, buflen, 0, 4);
		ob_put8(buf, buflen, 1, 0x01);
		return 4;
	}
	cdb_len = (u32)ktgt_cdb_usage_data(desc, usage, sizeof(usage));
	/*
	 * The usage map has a bit only where the device server evaluates
	 * it (SPC-4 6.35.3): WRITE SAME's UNMAP (byte 1 bit 3) is refused
	 * as a reserved bit is unless thin provisioned (LBPWS, LBPWS10 =
	 * 0; ktgt_spc_write_same_check()).
	 */
	if (desc->rule == KTGT_RULE_WRITE_SAME && !d->thin && cdb_len > 1)
		usage[1] &= ~0x08;
	ob_put8(buf, buflen, 0, 0);
	ob_put8(buf, buflen, 1, (rctd ? 0x80 : 0) | 0x03);
	ob_put_be(buf, buflen, 2, cdb_len, 2);
	ob_mem(buf, buflen, 4, usage, cdb_len);
	if (rctd)
		rsoc_put_timeouts(desc, buf, buflen, 4 + cdb_len);
	return 4 + cdb_len + (rctd ? RSOC_TIMEOUTS_LEN : 0);
}

int ktgt_spc_rsoc(const struct ktgt_spc_dev *d,
		  const struct ktgt_cdb_table *tbl, const u8 *cdb, u8 *buf,
		  u32 buflen, u32 *full, struct ktgt_sense_info *err)
{
	bool rctd = cdb[2] & 0x80;
	u8 opts = cdb[2] & 0x07;
	u8 opcode = cdb[3];
	u16 sa = get_unaligned_be16(cdb + 4);
	const struct ktgt_cdb_desc *desc;
	bool uses_sa;

	switch (opts) {
	case 0x0:
		*full = rsoc_all(d, tbl, rctd, buf, buflen);
		return 0;
	case 0x1:
		/* Operation code only: it must have no service actions. */
		desc = ktgt_cdb_lookup(tbl, opcode, 0, &uses_sa);
		if (uses_sa)
			goto invalid;
		break;
	case 0x2:
		/* Operation code and service action: it must have them. */
		desc = ktgt_cdb_lookup(tbl, opcode, sa, &uses_sa);
		if (!uses_sa && ktgt_cdb_lookup(tbl, opcode, 0, NULL))
			goto invalid;
		break;
	case 0x3:
		/* Service action if the operation code has them. */
		desc = ktgt_cdb_lookup(tbl, opcode, sa, &uses_sa);
		break;
	default:
		/* The decoder refused 100b-111b. */
		goto invalid;
	}
	*full = rsoc_one(d, rsoc_supported(desc, d) ? desc : NULL, rctd, buf,
			 buflen);
	return 0;

invalid:
	ktgt_sense_invalid_cdb(err, 2, 2);
	return -EINVAL;
}

/*
 * ---------------------------------------------------------------------
 * GET LBA STATUS (SBC-3 5.5)
 * ---------------------------------------------------------------------
 */

u32 ktgt_spc_lba_status_hdr(u8 *buf, u32 buflen, u32 nr_descs)
{
	u32 len = KTGT_SPC_LBA_STATUS_HDR_LEN +
		  nr_descs * KTGT_SPC_LBA_STATUS_DESC_LEN;

	ob_zero(buf, buflen, 0, KTGT_SPC_LBA_STATUS_HDR_LEN);
	ob_put_be(buf, buflen, 0, len - 4, 4);	/* PARAMETER DATA LENGTH */
	return len;
}

void ktgt_spc_lba_status_desc(u8 *buf, u64 lba, u32 nr, u8 status)
{
	memset(buf, 0, KTGT_SPC_LBA_STATUS_DESC_LEN);
	put_unaligned_be64(lba, buf);
	put_unaligned_be32(nr, buf + 8);
	buf[12] = status & 0x0f;
}

/*
 * ---------------------------------------------------------------------
 * UNMAP (SBC-3 5.28) and WRITE SAME (SBC-3 5.42, 5.43)
 * ---------------------------------------------------------------------
 */

int ktgt_spc_unmap_parse(const struct ktgt_spc_dev *d, const u8 *param,
			 u32 len, u32 *nr_descs, struct ktgt_sense_info *err)
{
	u32 data_len, bd_len, n, i;
	u64 total = 0;

	*nr_descs = 0;
	if (!len)
		return 0;
	if (len < KTGT_SPC_UNMAP_HDR_LEN)
		return param_len_error(err);

	data_len = get_unaligned_be16(param);
	bd_len = get_unaligned_be16(param + 2);
	/* The descriptors must have been sent, and be within the data. */
	if (bd_len > len - KTGT_SPC_UNMAP_HDR_LEN)
		return param_invalid(err, 2, 7);
	if (data_len < bd_len + 6)
		return param_invalid(err, 0, 7);

	/* An incomplete trailing descriptor is ignored. */
	n = bd_len / KTGT_SPC_UNMAP_DESC_LEN;
	if (n > d->lim.max_unmap_descs)
		return param_invalid(err, 2, 7);

	for (i = 0; i < n; i++) {
		u32 off = KTGT_SPC_UNMAP_HDR_LEN + i * KTGT_SPC_UNMAP_DESC_LEN;
		u64 lba = get_unaligned_be64(param + off);
		u32 nr = get_unaligned_be32(param + off + 8);

		/*
		 * MAXIMUM UNMAP LBA COUNT bounds the blocks of the whole
		 * command (SBC-3 5.28), FFFFFFFFh meaning no limit: the
		 * field pointer names the descriptor that takes the total
		 * over it.
		 */
		total += nr;
		if (d->lim.max_unmap_blocks != 0xffffffff &&
		    total > d->lim.max_unmap_blocks)
			return param_invalid(err, off + 8, 7);
		if (lba > d->nr_blocks || nr > d->nr_blocks - lba) {
			ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST,
				       KTGT_ASC_LBA_OUT_OF_RANGE, 0);
			return -EINVAL;
		}
	}
	*nr_descs = n;
	return 0;
}

void ktgt_spc_unmap_desc(const u8 *param, u32 idx, u64 *lba, u32 *nr)
{
	const u8 *p = param + KTGT_SPC_UNMAP_HDR_LEN +
		      idx * KTGT_SPC_UNMAP_DESC_LEN;

	*lba = get_unaligned_be64(p);
	*nr = get_unaligned_be32(p + 8);
}

int ktgt_spc_write_same_check(const struct ktgt_spc_dev *d,
			      const struct ktgt_cdb *c, u64 *nr,
			      struct ktgt_sense_info *err)
{
	u64 n = c->nr_blocks;

	if ((c->flags & KTGT_CDB_UNMAP) && !d->thin) {
		ktgt_sense_invalid_cdb(err, 1, 3);
		return -EINVAL;
	}
	if (!n)
		n = c->lba < d->nr_blocks ? d->nr_blocks - c->lba : 0;
	if (d->lim.max_ws_blocks && n > d->lim.max_ws_blocks) {
		ktgt_sense_invalid_cdb(err, c->desc ? c->desc->len_off : 0, 7);
		return -EINVAL;
	}
	*nr = n;
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * Comparisons (VERIFY, COMPARE AND WRITE)
 * ---------------------------------------------------------------------
 */

u32 ktgt_spc_mismatch(const u8 *a, const u8 *b, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return len;
}

bool ktgt_spc_is_zero(const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

void ktgt_spc_miscompare(struct ktgt_sense_info *err, u64 offset)
{
	ktgt_sense_set(err, KTGT_KEY_MISCOMPARE, KTGT_ASC_MISCOMPARE, 0);
	ktgt_sense_set_info(err, offset);
}

/* REPORT LUNS SELECT REPORT (SPC-5 table 203); see spc_data.h. */
int ktgt_spc_report_luns_select(u8 select, bool *all,
				struct ktgt_sense_info *err)
{
	switch (select) {
	case 0x00:	/* every LU but well known ones */
	case 0x02:	/* every LU */
	case 0x11:	/* administrative LUs, LUs in no conglomerate */
		*all = true;
		return 0;
	case 0x01:	/* well known LUs: none */
	case 0x10:	/* administrative LUs: none */
	case 0x12:	/* an administrative LU's conglomerate: none */
		*all = false;
		return 0;
	default:
		ktgt_sense_invalid_cdb(err, 2, 7);
		return -EINVAL;
	}
}
