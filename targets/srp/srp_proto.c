// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_srp: SRP information unit parsing and building; see srp_proto.h.
 *
 * Byte layouts (SRP r16a chapter 6; the login request is the one Linux's
 * ib_srp puts in the RDMA CM private data). Tags are opaque 8-byte
 * fields, read and written big-endian so that they go back unchanged.
 *
 *   login request (RDMA CM)  0 tag, 8 REQUIRED BUFFER FORMATS (2),
 *                            10 REQ FLAGS, 11 opcode, 12 REQUESTED
 *                            MAXIMUM I_T IU LENGTH (4), 16 initiator port
 *                            id (16), 32 target port id (16), 48
 *                            immediate data offset (2), 50 reserved (6)
 *   LOGIN RESPONSE           0 opcode, 4 REQUEST LIMIT DELTA, 8 tag,
 *                            16 MAX I_T IU LENGTH, 20 MAX T_I IU LENGTH,
 *                            24 SUPPORTED BUFFER FORMATS (2), 26 RSP
 *                            FLAGS; 52 bytes
 *   LOGIN REJECT             0 opcode, 4 REASON, 8 tag, 24 SUPPORTED
 *                            BUFFER FORMATS; 32 bytes
 *   SRP_CMD                  0 opcode, 5 DATA-OUT (7:4) and DATA-IN
 *                            (3:0) BUFFER DESCRIPTOR FORMATs, 6 data-out
 *                            and 7 data-in descriptor counts, 8 tag,
 *                            20 LUN, 29 TASK ATTRIBUTE (2:0), 31
 *                            ADDITIONAL CDB LENGTH (7:2, in words), 32
 *                            CDB (16), 48 additional CDB, then the
 *                            data-out descriptors, then the data-in ones
 *   direct descriptor        0 virtual address (8), 8 key, 12 length
 *   indirect descriptor      0 table descriptor (a direct one), 16 TOTAL
 *                            LENGTH, 20 the first direct descriptors
 *   SRP_TSK_MGMT             0 opcode, 8 tag, 20 LUN, 30 function,
 *                            32 tag of the task to be managed; 48 bytes
 *   SRP_RSP                  0 opcode, 4 REQUEST LIMIT DELTA, 8 tag,
 *                            18 flags, 19 STATUS, 20 DATA-OUT and 24
 *                            DATA-IN RESIDUAL COUNT, 28 SENSE DATA LIST
 *                            LENGTH, 32 RESPONSE DATA LIST LENGTH, 36
 *                            response data then sense data
 */
#include "srp_proto.h"

u32 srp_login_parse(const u8 *buf, size_t len, u32 max_it_iu_len,
		    struct srp_login *login)
{
	memset(login, 0, sizeof(*login));
	if (!buf || len < SRP_LOGIN_REQ_RDMA_LEN)
		return SRP_REJ_UNABLE_ESTABLISH;
	login->tag = get_unaligned_be64(buf);
	if (buf[11] != SRP_OP_LOGIN_REQ)
		return SRP_REJ_UNABLE_ESTABLISH;
	login->buf_fmt = get_unaligned_be16(buf + 8);
	login->flags = buf[10];
	login->it_iu_len = get_unaligned_be32(buf + 12);
	memcpy(login->initiator_port_id, buf + 16, SRP_PORT_ID_LEN);
	memcpy(login->target_port_id, buf + 32, SRP_PORT_ID_LEN);
	if (login->it_iu_len > max_it_iu_len)
		return SRP_REJ_IU_TOO_LARGE;
	/* Too short for an SRP_CMD and a descriptor. */
	if (login->it_iu_len < SRP_MIN_IT_IU_LEN)
		return SRP_REJ_UNABLE_ESTABLISH;
	if (!(login->buf_fmt & (SRP_BUF_FMT_DIRECT | SRP_BUF_FMT_INDIRECT)))
		return SRP_REJ_UNSUPPORTED_FMT;
	return 0;
}

void srp_build_login_rsp(u8 *buf, u64 tag, u32 req_lim, u32 max_it,
			 u32 max_ti, u8 flags)
{
	memset(buf, 0, SRP_LOGIN_RSP_LEN);
	buf[0] = SRP_OP_LOGIN_RSP;
	put_unaligned_be32(req_lim, buf + 4);
	put_unaligned_be64(tag, buf + 8);
	put_unaligned_be32(max_it, buf + 16);
	put_unaligned_be32(max_ti, buf + 20);
	put_unaligned_be16(SRP_BUF_FMT_DIRECT | SRP_BUF_FMT_INDIRECT,
			   buf + 24);
	buf[26] = flags;
}

void srp_build_login_rej(u8 *buf, u64 tag, u32 reason)
{
	memset(buf, 0, SRP_LOGIN_REJ_LEN);
	buf[0] = SRP_OP_LOGIN_REJ;
	put_unaligned_be32(reason, buf + 4);
	put_unaligned_be64(tag, buf + 8);
	put_unaligned_be16(SRP_BUF_FMT_DIRECT | SRP_BUF_FMT_INDIRECT,
			   buf + 24);
}

/* Check the descriptors of one direction, starting at @off. */
static enum srp_iu_err srp_parse_descs(const u8 *iu, size_t len, u8 fmt,
				       u8 count, u32 off, struct srp_cmd *cmd)
{
	u64 total = 0;
	u32 i, table;

	switch (fmt) {
	case SRP_DESC_DIRECT:
		if (count > 1)
			return SRP_IU_BAD_FMT;
		if (len < (size_t)off + SRP_DIRECT_DESC_LEN)
			return SRP_IU_SHORT;
		cmd->nr_desc = 1;
		cmd->desc_off = off;
		cmd->total_len = get_unaligned_be32(iu + off + 12);
		return SRP_IU_OK;
	case SRP_DESC_INDIRECT:
		if (len < (size_t)off + SRP_INDIRECT_HDR_LEN)
			return SRP_IU_SHORT;
		table = get_unaligned_be32(iu + off + 12);
		if (!count || table % SRP_DIRECT_DESC_LEN)
			return SRP_IU_BAD_FMT;
		/* Fewer descriptors in the IU than in the table. */
		if (table / SRP_DIRECT_DESC_LEN != count)
			return SRP_IU_EXT_TABLE;
		off += SRP_INDIRECT_HDR_LEN;
		if (len < (size_t)off + (size_t)count * SRP_DIRECT_DESC_LEN)
			return SRP_IU_SHORT;
		for (i = 0; i < count; i++)
			total += get_unaligned_be32(iu + off +
						    i * SRP_DIRECT_DESC_LEN + 12);
		if (total > 0xffffffffULL ||
		    total != get_unaligned_be32(iu + off - 4))
			return SRP_IU_BAD_LEN;
		cmd->nr_desc = count;
		cmd->desc_off = off;
		cmd->total_len = (u32)total;
		return SRP_IU_OK;
	default:
		/* Immediate data was never offered; the rest is reserved. */
		return SRP_IU_BAD_FMT;
	}
}

enum srp_iu_err srp_cmd_parse(const u8 *iu, size_t len, struct srp_cmd *cmd)
{
	u8 out_fmt, in_fmt;
	u32 off;

	memset(cmd, 0, sizeof(*cmd));
	if (len < 16)
		return SRP_IU_SHORT;
	cmd->tag = get_unaligned_be64(iu + 8);
	if (len < SRP_CMD_LEN)
		return SRP_IU_SHORT;
	cmd->lun = get_unaligned_be64(iu + 20);
	cmd->attr = iu[29] & 7;
	cmd->cdb = iu + 32;
	cmd->cdb_len = SRP_CDB_LEN + (iu[31] >> 2) * 4;
	off = SRP_CMD_LEN + (iu[31] >> 2) * 4;
	if (len < off)
		return SRP_IU_SHORT;
	out_fmt = iu[5] >> 4;
	in_fmt = iu[5] & 0xf;
	if (out_fmt && in_fmt)
		return SRP_IU_BAD_FMT;	/* bidirectional */
	if (out_fmt) {
		cmd->write = true;
		return srp_parse_descs(iu, len, out_fmt, iu[6], off, cmd);
	}
	if (in_fmt)
		return srp_parse_descs(iu, len, in_fmt, iu[7], off, cmd);
	return SRP_IU_OK;
}

void srp_cmd_desc(const u8 *iu, const struct srp_cmd *cmd, u32 i,
		  struct srp_desc *desc)
{
	const u8 *p = iu + cmd->desc_off + i * SRP_DIRECT_DESC_LEN;

	desc->va = get_unaligned_be64(p);
	desc->key = get_unaligned_be32(p + 8);
	desc->len = get_unaligned_be32(p + 12);
}

enum srp_iu_err srp_tmf_parse(const u8 *iu, size_t len, struct srp_tmf *tmf)
{
	memset(tmf, 0, sizeof(*tmf));
	if (len < 16)
		return SRP_IU_SHORT;
	tmf->tag = get_unaligned_be64(iu + 8);
	if (len < SRP_TSK_MGMT_LEN - 8)	/* the last 8 bytes are reserved */
		return SRP_IU_SHORT;
	tmf->lun = get_unaligned_be64(iu + 20);
	tmf->fn = iu[30];
	tmf->task_tag = get_unaligned_be64(iu + 32);
	return SRP_IU_OK;
}

u64 srp_lun_decode(u64 raw)
{
	unsigned int method = raw >> 62;

	/* A second level is not supported. */
	if (raw & 0xffffffffffffULL)
		return SRP_BAD_LUN;
	if (method == 0) {
		/* Peripheral device addressing: bus identifier must be 0. */
		if ((raw >> 56) & 0x3f)
			return SRP_BAD_LUN;
		return (raw >> 48) & 0xff;
	}
	if (method == 1)
		return (raw >> 48) & 0x3fff;
	return SRP_BAD_LUN;
}

u32 srp_build_rsp(u8 *buf, u32 size, const struct srp_rsp_info *info)
{
	u32 resp_len = info->rsp_valid ? 4 : 0;
	u32 sense_len = info->sense ? info->sense_len : 0;
	u8 flags = info->flags & (SRP_RSP_DOOVER | SRP_RSP_DOUNDER |
				  SRP_RSP_DIOVER | SRP_RSP_DIUNDER);

	if (size < SRP_RSP_LEN + resp_len)
		return 0;
	if (sense_len > size - SRP_RSP_LEN - resp_len)
		sense_len = size - SRP_RSP_LEN - resp_len;
	memset(buf, 0, SRP_RSP_LEN + resp_len);
	buf[0] = SRP_OP_RSP;
	put_unaligned_be32(info->req_lim_delta, buf + 4);
	put_unaligned_be64(info->tag, buf + 8);
	buf[19] = info->status;
	if (flags & (SRP_RSP_DOOVER | SRP_RSP_DOUNDER))
		put_unaligned_be32(info->do_resid, buf + 20);
	if (flags & (SRP_RSP_DIOVER | SRP_RSP_DIUNDER))
		put_unaligned_be32(info->di_resid, buf + 24);
	if (resp_len) {
		flags |= SRP_RSP_RSPVALID;
		put_unaligned_be32(resp_len, buf + 32);
		buf[SRP_RSP_LEN + 3] = info->rsp_code;
	}
	if (sense_len) {
		flags |= SRP_RSP_SNSVALID;
		put_unaligned_be32(sense_len, buf + 28);
		memcpy(buf + SRP_RSP_LEN + resp_len, info->sense, sense_len);
	}
	buf[18] = flags;
	return SRP_RSP_LEN + resp_len + sense_len;
}

void srp_port_id_hex(const u8 *id, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < SRP_PORT_ID_LEN; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 0xf];
	}
	out[2 * SRP_PORT_ID_LEN] = '\0';
}

int srp_port_id_parse(const char *s, u8 *id)
{
	unsigned int i;
	int hi, lo;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (i = 0; i < SRP_PORT_ID_LEN; i++) {
		hi = hex_to_bin(s[2 * i]);
		if (hi < 0)
			return -EINVAL;
		lo = hex_to_bin(s[2 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		id[i] = (u8)(hi << 4 | lo);
	}
	s += 2 * SRP_PORT_ID_LEN;
	if (*s == '\n')
		s++;
	return *s ? -EINVAL : 0;
}
