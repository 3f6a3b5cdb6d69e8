// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_iscsi: Basic Header Segment parsing and building (RFC 7143).
 *
 * Portable: see pdu.h. Every function here reads at most ISCSI_BHS_LEN
 * bytes of a BHS, or the length the caller gave for a data segment.
 */
#include "pdu.h"

/* The AHS length the target accepts: only a SCSI Command may carry one. */
#define ISCSI_MAX_AHS_LEN	(255 * 4)

static void parse_common(const u8 *b, struct iscsi_pdu *p)
{
	memset(p, 0, sizeof(*p));
	p->opcode = b[0] & ISCSI_OPCODE_MASK;
	p->immediate = b[0] & ISCSI_OP_IMMEDIATE;
	p->flags = b[1];
	p->final = b[1] & ISCSI_FLAG_FINAL;
	p->ahs_len = (u32)b[4] * 4;
	p->dlen = get_unaligned_be24(b + 5);
	p->lun = get_unaligned_be64(b + 8);
	p->itt = get_unaligned_be32(b + 16);
	p->ttt = get_unaligned_be32(b + 20);
	p->cmdsn = get_unaligned_be32(b + 24);
	p->exp_statsn = get_unaligned_be32(b + 28);
}

enum iscsi_pdu_err iscsi_ahs_parse(const u8 *ahs, u32 ahs_len, u8 *cdb,
				   u32 cdb_size, u32 *cdb_len)
{
	bool ext = false;
	u32 pos = 0;

	*cdb_len = ISCSI_CDB_LEN;
	while (pos < ahs_len) {
		u32 len, span, n;
		u8 type;

		if (ahs_len - pos < 4)
			return ISCSI_PDU_BAD_FIELD;
		len = get_unaligned_be16(ahs + pos);
		type = ahs[pos + 2];
		/* 3 header bytes, then AHSLength bytes, padded. */
		span = 3 + len;
		span += iscsi_pad4(span);
		if (span > ahs_len - pos)
			return ISCSI_PDU_BAD_FIELD;
		switch (type) {
		case ISCSI_AHS_EXT_CDB:
			/* Byte 3 is reserved: at least one CDB byte past it. */
			if (ext || len < 2)
				return ISCSI_PDU_BAD_FIELD;
			ext = true;
			*cdb_len = ISCSI_CDB_LEN + len - 1;
			n = cdb_size > ISCSI_CDB_LEN ? cdb_size - ISCSI_CDB_LEN : 0;
			if (n > len - 1)
				n = len - 1;
			memcpy(cdb + ISCSI_CDB_LEN, ahs + pos + 4, n);
			break;
		case ISCSI_AHS_BIDI_READ_LEN:
			break;
		default:
			return ISCSI_PDU_BAD_FIELD;
		}
		pos += span;
	}
	return ISCSI_PDU_OK;
}

enum iscsi_pdu_err iscsi_pdu_parse(const u8 *b, u32 max_dsl,
				   struct iscsi_pdu *p)
{
	parse_common(b, p);

	if (p->dlen > max_dsl)
		return ISCSI_PDU_TOO_LONG;
	if (p->ahs_len && p->opcode != ISCSI_OP_SCSI_CMD)
		return ISCSI_PDU_BAD_FIELD;

	switch (p->opcode) {
	case ISCSI_OP_SCSI_CMD:
		p->edtl = get_unaligned_be32(b + 20);
		p->ttt = ISCSI_RSVD_TAG;
		p->attr = b[1] & ISCSI_FLAG_CMD_ATTR_MASK;
		p->cdb = b + 32;
		if (p->itt == ISCSI_RSVD_TAG)
			return ISCSI_PDU_BAD_FIELD;
		/* Bidirectional commands need a Read Data Length AHS. */
		if ((b[1] & ISCSI_FLAG_CMD_READ) &&
		    (b[1] & ISCSI_FLAG_CMD_WRITE))
			return ISCSI_PDU_BAD_OPCODE;
		if (p->attr > ISCSI_ATTR_ACA)
			return ISCSI_PDU_BAD_FIELD;
		/* Data, solicited or not, only for writes. */
		if (p->dlen && !(b[1] & ISCSI_FLAG_CMD_WRITE))
			return ISCSI_PDU_PROTO;
		if (!p->final && !(b[1] & ISCSI_FLAG_CMD_WRITE))
			return ISCSI_PDU_PROTO;
		if (p->dlen > p->edtl)
			return ISCSI_PDU_PROTO;
		return ISCSI_PDU_OK;
	case ISCSI_OP_DATA_OUT:
		p->cmdsn = 0;
		p->datasn = get_unaligned_be32(b + 36);
		p->offset = get_unaligned_be32(b + 40);
		if (p->immediate)
			return ISCSI_PDU_BAD_FIELD;
		return ISCSI_PDU_OK;
	case ISCSI_OP_NOOP_OUT:
		if (!p->final)
			return ISCSI_PDU_BAD_FIELD;
		/* A ping needs an answer (ITT), an answer a TTT: not both. */
		if (p->itt == ISCSI_RSVD_TAG && p->ttt == ISCSI_RSVD_TAG &&
		    p->dlen)
			return ISCSI_PDU_PROTO;
		if (p->itt == ISCSI_RSVD_TAG && !p->immediate)
			return ISCSI_PDU_PROTO;
		return ISCSI_PDU_OK;
	case ISCSI_OP_TMF_REQ:
		p->function = b[1] & 0x7f;
		p->ref_cmdsn = get_unaligned_be32(b + 32);
		p->datasn = get_unaligned_be32(b + 36);
		if (!p->final || p->dlen)
			return ISCSI_PDU_BAD_FIELD;
		if (p->itt == ISCSI_RSVD_TAG)
			return ISCSI_PDU_BAD_FIELD;
		return ISCSI_PDU_OK;
	case ISCSI_OP_TEXT_REQ:
		if (p->itt == ISCSI_RSVD_TAG)
			return ISCSI_PDU_BAD_FIELD;
		if (p->final && (b[1] & ISCSI_FLAG_TEXT_CONTINUE))
			return ISCSI_PDU_BAD_FIELD;
		return ISCSI_PDU_OK;
	case ISCSI_OP_LOGOUT_REQ:
		p->function = b[1] & 0x7f;
		p->cid = get_unaligned_be16(b + 20);
		p->ttt = ISCSI_RSVD_TAG;
		if (!p->final || p->dlen || p->function > ISCSI_LOGOUT_RECOVERY)
			return ISCSI_PDU_BAD_FIELD;
		if (p->itt == ISCSI_RSVD_TAG)
			return ISCSI_PDU_BAD_FIELD;
		return ISCSI_PDU_OK;
	case ISCSI_OP_LOGIN_REQ:
		return ISCSI_PDU_PROTO;
	default:
		/* SNACK (ERL 0 only) and every undefined opcode. */
		return ISCSI_PDU_BAD_OPCODE;
	}
}

u64 iscsi_lun_decode(u64 raw)
{
	u8 b0 = raw >> 56, b1 = raw >> 48;

	if (raw & 0x0000ffffffffffffULL)
		return ISCSI_BAD_LUN;
	switch (b0 >> 6) {
	case 0:		/* peripheral device addressing: bus 0 only */
		return b0 ? ISCSI_BAD_LUN : b1;
	case 1:		/* flat space addressing */
		return (u64)(b0 & 0x3f) << 8 | b1;
	default:
		return ISCSI_BAD_LUN;
	}
}

int iscsi_cmdsn_check(u32 cmdsn, u32 exp_cmdsn, u32 max_cmdsn)
{
	if (cmdsn == exp_cmdsn) {
		/* A closed window (MaxCmdSN = ExpCmdSN - 1) takes nothing. */
		if (max_cmdsn == exp_cmdsn - 1)
			return -1;
		return 0;
	}
	if (iscsi_sn_lt(cmdsn, exp_cmdsn) || iscsi_sn_gt(cmdsn, max_cmdsn))
		return -1;
	return 1;
}

void iscsi_pdu_build(u8 *b, const struct iscsi_tx_hdr *h)
{
	memset(b, 0, ISCSI_BHS_LEN);
	b[0] = h->opcode & ISCSI_OPCODE_MASK;
	b[1] = h->flags;
	put_unaligned_be24(h->dlen & ISCSI_MAX_DSL, b + 5);
	put_unaligned_be32(h->itt, b + 16);

	switch (h->opcode) {
	case ISCSI_OP_DATA_IN:
		if (h->flags & ISCSI_FLAG_DATA_STATUS) {
			b[1] |= ISCSI_FLAG_FINAL;
			b[3] = h->status;
			put_unaligned_be32(h->statsn, b + 24);
			put_unaligned_be32(h->count, b + 44);
		} else {
			b[1] &= ~(ISCSI_FLAG_DATA_OVERFLOW |
				  ISCSI_FLAG_DATA_UNDERFLOW);
		}
		if (h->flags & ISCSI_FLAG_DATA_ACK)
			put_unaligned_be64(h->lun, b + 8);
		put_unaligned_be32(h->ttt, b + 20);
		put_unaligned_be32(h->sn, b + 36);
		put_unaligned_be32(h->offset, b + 40);
		break;
	case ISCSI_OP_SCSI_RSP:
		b[1] |= ISCSI_FLAG_FINAL;
		b[2] = h->response;
		b[3] = h->status;
		put_unaligned_be32(h->statsn, b + 24);
		put_unaligned_be32(h->sn, b + 36);
		put_unaligned_be32(h->count, b + 44);
		break;
	case ISCSI_OP_R2T:
		b[1] = ISCSI_FLAG_FINAL;
		put_unaligned_be64(h->lun, b + 8);
		put_unaligned_be32(h->ttt, b + 20);
		put_unaligned_be32(h->statsn, b + 24);
		put_unaligned_be32(h->sn, b + 36);
		put_unaligned_be32(h->offset, b + 40);
		put_unaligned_be32(h->count, b + 44);
		break;
	case ISCSI_OP_NOOP_IN:
		b[1] = ISCSI_FLAG_FINAL;
		put_unaligned_be64(h->lun, b + 8);
		put_unaligned_be32(h->ttt, b + 20);
		put_unaligned_be32(h->statsn, b + 24);
		break;
	case ISCSI_OP_TMF_RSP:
	case ISCSI_OP_LOGOUT_RSP:
		b[1] = ISCSI_FLAG_FINAL;
		b[2] = h->response;
		put_unaligned_be32(h->statsn, b + 24);
		if (h->opcode == ISCSI_OP_LOGOUT_RSP) {
			put_unaligned_be16(h->param[1], b + 40);
			put_unaligned_be16(h->param[2], b + 42);
		}
		break;
	case ISCSI_OP_TEXT_RSP:
		put_unaligned_be64(h->lun, b + 8);
		put_unaligned_be32(h->ttt, b + 20);
		put_unaligned_be32(h->statsn, b + 24);
		break;
	case ISCSI_OP_REJECT:
		b[1] = ISCSI_FLAG_FINAL;
		b[2] = h->response;
		put_unaligned_be32(ISCSI_RSVD_TAG, b + 16);
		put_unaligned_be32(h->statsn, b + 24);
		put_unaligned_be32(h->sn, b + 36);
		break;
	case ISCSI_OP_ASYNC_MSG:
		b[1] = ISCSI_FLAG_FINAL;
		put_unaligned_be64(h->lun, b + 8);
		put_unaligned_be32(ISCSI_RSVD_TAG, b + 16);
		put_unaligned_be32(h->statsn, b + 24);
		b[36] = h->async_event;
		put_unaligned_be16(h->param[0], b + 38);
		put_unaligned_be16(h->param[1], b + 40);
		put_unaligned_be16(h->param[2], b + 42);
		break;
	default:
		break;
	}
	put_unaligned_be32(h->exp_cmdsn, b + 28);
	put_unaligned_be32(h->max_cmdsn, b + 32);
}
