// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the iSCSI BHS parser and the AHS decoder
 * (targets/iscsi/proto/pdu.c); text keys are fuzz_iscsi_text.c's.
 *
 * Input: byte 0 picks MaxRecvDataSegmentLength (512 << (b & 15), capped);
 * bytes 1-48 are a BHS (zero-padded); the rest is an AHS.
 * Besides crashing under ASan/UBSan, the harness aborts when an accepted
 * PDU breaks an invariant the kernel relies on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "targets/iscsi/proto/pdu.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 bhs[ISCSI_BHS_LEN] = { 0 };
	struct iscsi_pdu p;
	enum iscsi_pdu_err err;
	struct iscsi_tx_hdr h = { 0 };
	u32 max_dsl;

	if (!size)
		return 0;
	max_dsl = 512U << (data[0] & 15);
	if (max_dsl > ISCSI_MAX_RECV_DSL)
		max_dsl = ISCSI_MAX_RECV_DSL;
	memcpy(bhs, data + 1, size - 1 < sizeof(bhs) ? size - 1 : sizeof(bhs));

	err = iscsi_pdu_parse(bhs, max_dsl, &p);
	if (err == ISCSI_PDU_OK) {
		check(p.dlen <= max_dsl);
		check(p.opcode == (bhs[0] & ISCSI_OPCODE_MASK));
		check(!p.ahs_len || p.opcode == ISCSI_OP_SCSI_CMD);
		if (p.opcode == ISCSI_OP_SCSI_CMD) {
			check(p.itt != ISCSI_RSVD_TAG);
			check(p.dlen <= p.edtl);
			check(!p.dlen || (bhs[1] & ISCSI_FLAG_CMD_WRITE));
			check(p.attr <= ISCSI_ATTR_ACA);
			check(p.cdb == bhs + 32);
		}
		check(p.opcode != ISCSI_OP_LOGIN_REQ &&
		      p.opcode != ISCSI_OP_SNACK_REQ);
	}
	(void)iscsi_lun_decode(p.lun);
	(void)iscsi_cmdsn_check(p.cmdsn, p.exp_statsn, p.itt);

	/* Echo it back as a Reject and as the PDU types that carry fields. */
	h.opcode = ISCSI_OP_REJECT;
	h.dlen = p.dlen;
	h.itt = p.itt;
	iscsi_pdu_build(bhs, &h);
	check(get_unaligned_be32(bhs + 16) == ISCSI_RSVD_TAG);
	h.opcode = ISCSI_OP_DATA_IN;
	h.flags = p.flags;
	iscsi_pdu_build(bhs, &h);
	check((bhs[0] & ISCSI_OPCODE_MASK) == ISCSI_OP_DATA_IN);

	/* iscsi-data: the rest as an AHS too */
	if (size > 1 + ISCSI_BHS_LEN) {
		u8 cdb[32] = { 0 };
		u32 cdb_len = 0;
		size_t alen = size - 1 - ISCSI_BHS_LEN;

		if (alen > 1020)
			alen = 1020;
		if (iscsi_ahs_parse(data + 1 + ISCSI_BHS_LEN, (u32)alen, cdb,
				    sizeof(cdb), &cdb_len) == ISCSI_PDU_OK)
			check(cdb_len >= ISCSI_CDB_LEN);
	}
	return 0;
}
