// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: portable parsers and builders for persistent reservations: the
 * APTPL state file and TransportIDs. See pr_data.h for the formats.
 */
#include "pr_data.h"

static const u8 pr_magic[8] = { 'K', 'T', 'G', 'T', '-', 'P', 'R', 0 };

u32 ktgt_pr_crc32(const u8 *buf, size_t len)
{
	u32 crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

size_t ktgt_pr_file_reg_len(const struct ktgt_pr_file_reg *r)
{
	return 14 + (size_t)r->port_len + r->tgt_len;
}

size_t ktgt_pr_file_put_hdr(u8 *buf, const struct ktgt_pr_file_hdr *h,
			    u32 total)
{
	memset(buf, 0, KTGT_PR_FILE_HDR_LEN);
	memcpy(buf, pr_magic, sizeof(pr_magic));
	put_unaligned_be16(KTGT_PR_FILE_VERSION, buf + 8);
	put_unaligned_be32(total, buf + 12);
	put_unaligned_be32(h->gen, buf + 16);
	buf[20] = h->type;
	put_unaligned_be16(h->holder, buf + 22);
	put_unaligned_be16(h->nr_regs, buf + 24);
	return KTGT_PR_FILE_HDR_LEN;
}

size_t ktgt_pr_file_put_reg(u8 *buf, const struct ktgt_pr_file_reg *r)
{
	put_unaligned_be64(r->key, buf);
	buf[8] = r->proto & 0x0f;
	buf[9] = r->all_tg_pt ? 1 : 0;
	put_unaligned_be16(r->port_len, buf + 10);
	memcpy(buf + 12, r->port, r->port_len);
	put_unaligned_be16(r->tgt_len, buf + 12 + r->port_len);
	memcpy(buf + 14 + r->port_len, r->tgt, r->tgt_len);
	return ktgt_pr_file_reg_len(r);
}

void ktgt_pr_file_put_crc(u8 *buf, u32 total)
{
	put_unaligned_be32(ktgt_pr_crc32(buf, total - 4), buf + total - 4);
}

static bool pr_type_ok(u8 type)
{
	return type == 0 || type == 1 || type == 3 ||
	       (type >= 5 && type <= 8);
}

/* A name of 1..KTGT_PR_NAME_MAX bytes without NUL. */
static bool pr_name_ok(const u8 *p, u32 len)
{
	u32 i;

	if (!len || len > KTGT_PR_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!p[i])
			return false;
	return true;
}

/* Read the registration at @off of @len bytes; 0 if it does not fit. */
static u32 pr_get_reg(const u8 *buf, u32 off, u32 end,
		      struct ktgt_pr_file_reg *r)
{
	u32 pl, tl;

	if (end - off < 14)
		return 0;
	r->key = get_unaligned_be64(buf + off);
	r->proto = buf[off + 8];
	r->all_tg_pt = buf[off + 9] & 1;
	pl = get_unaligned_be16(buf + off + 10);
	if (end - off - 14 < pl)
		return 0;
	tl = get_unaligned_be16(buf + off + 12 + pl);
	if (end - off - 14 - pl < tl)
		return 0;
	r->port = (const char *)buf + off + 12;
	r->port_len = (u16)pl;
	r->tgt = (const char *)buf + off + 14 + pl;
	r->tgt_len = (u16)tl;
	return 14 + pl + tl;
}

/* An ASCII letter in lower case: names compare as their normal forms. */
static char name_lc(char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Initiator port names compare case-insensitively (ktgt_pr_port_matches()). */
static bool pr_same_port(const char *a, const char *b, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (name_lc(a[i]) != name_lc(b[i]))
			return false;
	return true;
}

static bool pr_same_nexus(const struct ktgt_pr_file_reg *a,
			  const struct ktgt_pr_file_reg *b)
{
	return a->port_len == b->port_len && a->tgt_len == b->tgt_len &&
	       pr_same_port(a->port, b->port, a->port_len) &&
	       !memcmp(a->tgt, b->tgt, a->tgt_len);
}

int ktgt_pr_file_parse(const u8 *buf, size_t len, struct ktgt_pr_file_hdr *h,
		       int (*cb)(void *arg, const struct ktgt_pr_file_reg *r),
		       void *arg, const char **why)
{
	struct ktgt_pr_file_reg r, o;
	u32 end, off, ooff, i, j, n;
	int ret;

	*why = "ok";
	if (len < KTGT_PR_FILE_HDR_LEN + 4) {
		*why = "truncated header";
		return -EINVAL;
	}
	if (memcmp(buf, pr_magic, sizeof(pr_magic))) {
		*why = "bad magic";
		return -EINVAL;
	}
	if (get_unaligned_be16(buf + 8) != KTGT_PR_FILE_VERSION) {
		*why = "unknown version";
		return -EINVAL;
	}
	if (len > KTGT_PR_FILE_MAX || get_unaligned_be32(buf + 12) != len) {
		*why = "length mismatch (truncated or extended)";
		return -EINVAL;
	}
	end = (u32)len - 4;
	if (ktgt_pr_crc32(buf, end) != get_unaligned_be32(buf + end)) {
		*why = "checksum mismatch";
		return -EINVAL;
	}
	if (get_unaligned_be16(buf + 10) || buf[21] ||
	    get_unaligned_be16(buf + 26)) {
		*why = "reserved fields set";
		return -EINVAL;
	}
	h->gen = get_unaligned_be32(buf + 16);
	h->type = buf[20];
	h->holder = get_unaligned_be16(buf + 22);
	h->nr_regs = get_unaligned_be16(buf + 24);
	n = h->nr_regs;
	if (!pr_type_ok(h->type)) {
		*why = "invalid reservation type";
		return -EINVAL;
	}
	if (n > KTGT_PR_MAX_REGS) {
		*why = "too many registrations";
		return -EINVAL;
	}
	if (h->type ? h->holder >= n : h->holder != KTGT_PR_NO_HOLDER) {
		*why = "invalid reservation holder";
		return -EINVAL;
	}
	/* Pass 1: structure, fields and uniqueness. */
	off = KTGT_PR_FILE_HDR_LEN;
	for (i = 0; i < n; i++) {
		u32 l = pr_get_reg(buf, off, end, &r);

		if (!l) {
			*why = "truncated registration";
			return -EINVAL;
		}
		if (!r.key || r.proto > 0x0f || (buf[off + 9] & ~1u) ||
		    !pr_name_ok((const u8 *)r.port, r.port_len) ||
		    !pr_name_ok((const u8 *)r.tgt, r.tgt_len)) {
			*why = "invalid registration";
			return -EINVAL;
		}
		ooff = KTGT_PR_FILE_HDR_LEN;
		for (j = 0; j < i; j++) {
			ooff += pr_get_reg(buf, ooff, end, &o);
			if (pr_same_nexus(&o, &r)) {
				*why = "duplicate registration";
				return -EINVAL;
			}
		}
		off += l;
	}
	if (off != end) {
		*why = "trailing bytes";
		return -EINVAL;
	}
	if (!cb)
		return 0;
	/* Pass 2: report. */
	off = KTGT_PR_FILE_HDR_LEN;
	for (i = 0; i < n; i++) {
		off += pr_get_reg(buf, off, end, &r);
		ret = cb(arg, &r);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * TransportIDs (SPC-4 7.6.4)
 * ---------------------------------------------------------------------
 */

#define TID_PROTO_FCP	0x0
#define TID_PROTO_SRP	0x4
#define TID_PROTO_ISCSI	0x5
#define TID_PROTO_SAS	0x6
#define TID_PROTO_NONE	0xf

static const char pr_hex[] = "0123456789abcdef";

static int tid_err(struct ktgt_pr_tid *tid, u32 off, s8 bit)
{
	tid->err_off = off;
	tid->err_bit = bit;
	return -EINVAL;
}

static void tid_hex(char *out, const u8 *p, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = pr_hex[p[i] >> 4];
		out[2 * i + 1] = pr_hex[p[i] & 0xf];
	}
	out[2 * n] = 0;
}

/* An iSCSI name character: printable ASCII, not a space nor a comma. */
static bool iscsi_name_char(u8 c)
{
	return c > 0x20 && c < 0x7f && c != ',';
}

/* iSCSI formats 00b/01b and protocol Fh (SPC-4 7.6.4.6). */
static int tid_iscsi(const u8 *buf, u32 len, struct ktgt_pr_tid *tid)
{
	u32 addl = get_unaligned_be16(buf + 2), n, i, name_len;
	const u8 *s = buf + 4;

	if (addl < 20 || addl % 4)
		return tid_err(tid, 2, -1);
	if (len - 4 < addl)
		return -EMSGSIZE;
	/* The string is NUL-terminated within ADDITIONAL LENGTH. */
	for (n = 0; n < addl && s[n]; n++)
		;
	if (n == addl)
		return tid_err(tid, 4 + addl - 1, -1);
	if (!n)
		return tid_err(tid, 4, -1);
	if (tid->fmt == 0) {
		for (i = 0; i < n; i++)
			if (!iscsi_name_char(s[i]))
				return tid_err(tid, 4 + i, -1);
		if (n > 223)
			return tid_err(tid, 4, -1);
		memcpy(tid->name, s, n);
		tid->name[n] = 0;
		return (int)(4 + addl);
	}
	/* 01b: "<name>,i,0x<ISID>" */
	for (name_len = 0; name_len < n && s[name_len] != ','; name_len++)
		if (!iscsi_name_char(s[name_len]))
			return tid_err(tid, 4 + name_len, -1);
	if (!name_len || name_len > 223 || n - name_len != 5 + 12 ||
	    memcmp(s + name_len, ",i,0x", 5))
		return tid_err(tid, 4 + name_len, -1);
	memcpy(tid->name, s, name_len + 5);
	for (i = 0; i < 12; i++) {
		int v = hex_to_bin(s[name_len + 5 + i]);

		if (v < 0)
			return tid_err(tid, 4 + name_len + 5 + i, -1);
		tid->name[name_len + 5 + i] = pr_hex[v];
	}
	tid->name[n] = 0;
	return (int)(4 + addl);
}

int ktgt_pr_tid_parse(const u8 *buf, u32 len, struct ktgt_pr_tid *tid)
{
	memset(tid, 0, sizeof(*tid));
	if (len < 4)
		return -EMSGSIZE;
	tid->proto = buf[0] & 0x0f;
	tid->fmt = buf[0] >> 6;
	if (buf[0] & 0x30)
		return tid_err(tid, 0, 5);
	switch (tid->proto) {
	case TID_PROTO_ISCSI:
		if (tid->fmt > 1)
			return tid_err(tid, 0, -1);
		return tid_iscsi(buf, len, tid);
	case TID_PROTO_NONE:
		if (tid->fmt)
			return tid_err(tid, 0, -1);
		return tid_iscsi(buf, len, tid);
	case TID_PROTO_FCP:
	case TID_PROTO_SAS:
	case TID_PROTO_SRP:
		if (tid->fmt)
			return tid_err(tid, 0, -1);
		if (len < 24)
			return -EMSGSIZE;
		if (tid->proto == TID_PROTO_FCP)
			tid_hex(tid->name, buf + 8, 8);
		else if (tid->proto == TID_PROTO_SAS)
			tid_hex(tid->name, buf + 4, 8);
		else
			tid_hex(tid->name, buf + 8, 16);
		return 24;
	default:
		return tid_err(tid, 0, 3);
	}
}

/* Whether @s starts with ",i,0x" (reads no further than its NUL). */
static bool is_isid_sep(const char *s)
{
	return s[0] == ',' && s[1] == 'i' && s[2] == ',' && s[3] == '0' &&
	       s[4] == 'x';
}

/* Parse @n hex digits of @s into bytes at @out; false if not hex. */
static bool unhex(const char *s, u8 *out, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		int hi = hex_to_bin(s[2 * i]), lo;

		if (hi < 0)
			return false;
		lo = hex_to_bin(s[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (u8)(hi << 4 | lo);
	}
	return !s[2 * n];
}

u32 ktgt_pr_tid_build(u8 proto, const char *name, u8 *buf)
{
	u32 n, len, i;
	bool fmt1 = false;

	proto &= 0x0f;
	if (proto == TID_PROTO_FCP || proto == TID_PROTO_SAS ||
	    proto == TID_PROTO_SRP) {
		if (buf) {
			u8 *p = buf + (proto == TID_PROTO_SAS ? 4 : 8);

			memset(buf, 0, 24);
			buf[0] = proto;
			if (!unhex(name, p, proto == TID_PROTO_SRP ? 16 : 8))
				memset(p, 0, proto == TID_PROTO_SRP ? 16 : 8);
		}
		return 24;
	}
	for (n = 0; name[n]; n++)
		if (is_isid_sep(name + n))
			fmt1 = true;
	len = (n + 1 + 3) & ~3u;
	if (len < 20)
		len = 20;
	if (buf) {
		memset(buf, 0, 4 + len);
		buf[0] = (fmt1 ? 0x40 : 0) | proto;
		put_unaligned_be16((u16)len, buf + 2);
		for (i = 0; i < n; i++)
			buf[4 + i] = (u8)name[i];
	}
	return 4 + len;
}

bool ktgt_pr_port_matches(const char *reg, const char *port)
{
	size_t i, j;

	for (i = 0; reg[i] && name_lc(reg[i]) == name_lc(port[i]); i++)
		;
	if (!reg[i] && !port[i])
		return true;
	if (reg[i])
		return false;
	/* A bare iSCSI name (format 00b) matches each of its ISIDs. */
	for (j = 0; j < i; j++)
		if (reg[j] == ',')
			return false;
	return is_isid_sep(port + i);
}
