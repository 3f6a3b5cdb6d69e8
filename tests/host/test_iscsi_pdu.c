// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the iSCSI BHS parser and builder
 * (targets/iscsi/proto/pdu.c): field decoding, the checks that make the
 * kernel answer with Reject, CmdSN window arithmetic, LUN decoding, the
 * byte layout of every PDU the target sends (RFC 7143 chapter 11) and the
 * text key helpers used by SendTargets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "targets/iscsi/proto/pdu.h"

#define MAX_DSL	8192

static void put32(u8 *b, unsigned int off, u32 v)
{
	put_unaligned_be32(v, b + off);
}

/* A SCSI Command BHS: WRITE(10), ITT 0x11223344, EDTL 4096, 512 immediate. */
static void mk_scsi_cmd(u8 *b)
{
	memset(b, 0, ISCSI_BHS_LEN);
	b[0] = ISCSI_OP_SCSI_CMD;
	b[1] = ISCSI_FLAG_FINAL | ISCSI_FLAG_CMD_WRITE | ISCSI_ATTR_SIMPLE;
	put_unaligned_be24(512, b + 5);
	b[9] = 3;			/* LUN 3, peripheral addressing */
	put32(b, 16, 0x11223344);
	put32(b, 20, 4096);		/* EDTL */
	put32(b, 24, 77);		/* CmdSN */
	put32(b, 28, 5);		/* ExpStatSN */
	b[32] = 0x2a;			/* WRITE(10) */
	b[40] = 8;
}

static void test_scsi_cmd(void **state)
{
	struct iscsi_pdu p;
	u8 b[ISCSI_BHS_LEN];

	(void)state;
	mk_scsi_cmd(b);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_OK);
	assert_int_equal(p.opcode, ISCSI_OP_SCSI_CMD);
	assert_false(p.immediate);
	assert_true(p.final);
	assert_int_equal(p.dlen, 512);
	assert_int_equal(p.itt, 0x11223344);
	assert_int_equal(p.edtl, 4096);
	assert_int_equal(p.cmdsn, 77);
	assert_int_equal(p.exp_statsn, 5);
	assert_int_equal(p.attr, ISCSI_ATTR_SIMPLE);
	assert_int_equal(p.ttt, ISCSI_RSVD_TAG);
	assert_ptr_equal(p.cdb, b + 32);
	assert_int_equal(iscsi_lun_decode(p.lun), 3);

	/* immediate bit */
	b[0] |= ISCSI_OP_IMMEDIATE;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_OK);
	assert_true(p.immediate);
}

static void test_scsi_cmd_errors(void **state)
{
	struct iscsi_pdu p;
	u8 b[ISCSI_BHS_LEN];

	(void)state;
	/* data segment longer than MaxRecvDataSegmentLength */
	mk_scsi_cmd(b);
	put_unaligned_be24(MAX_DSL + 1, b + 5);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_TOO_LONG);
	/* immediate data longer than EDTL */
	mk_scsi_cmd(b);
	put32(b, 20, 100);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_PROTO);
	/* data with a read */
	mk_scsi_cmd(b);
	b[1] = ISCSI_FLAG_FINAL | ISCSI_FLAG_CMD_READ;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_PROTO);
	/* bidirectional: not supported */
	mk_scsi_cmd(b);
	b[1] |= ISCSI_FLAG_CMD_READ;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_OPCODE);
	/* reserved task attribute */
	mk_scsi_cmd(b);
	b[1] = (b[1] & ~ISCSI_FLAG_CMD_ATTR_MASK) | 5;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_FIELD);
	/* the reserved ITT */
	mk_scsi_cmd(b);
	put32(b, 16, ISCSI_RSVD_TAG);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_FIELD);
	/* F=0 on a read: no Data-Out may follow */
	mk_scsi_cmd(b);
	b[1] = ISCSI_FLAG_CMD_READ;
	put_unaligned_be24(0, b + 5);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_PROTO);
	/* an AHS on anything but a SCSI Command */
	memset(b, 0, sizeof(b));
	b[0] = ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE;
	b[1] = ISCSI_FLAG_FINAL;
	b[4] = 1;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_FIELD);
}

static void test_other_opcodes(void **state)
{
	struct iscsi_pdu p;
	u8 b[ISCSI_BHS_LEN];

	(void)state;
	/* Data-Out */
	memset(b, 0, sizeof(b));
	b[0] = ISCSI_OP_DATA_OUT;
	b[1] = ISCSI_FLAG_FINAL;
	put_unaligned_be24(1024, b + 5);
	put32(b, 16, 9);
	put32(b, 20, 0x55);
	put32(b, 36, 2);
	put32(b, 40, 8192);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_OK);
	assert_int_equal(p.ttt, 0x55);
	assert_int_equal(p.datasn, 2);
	assert_int_equal(p.offset, 8192);
	assert_int_equal(p.dlen, 1024);
	b[0] |= ISCSI_OP_IMMEDIATE;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_FIELD);

	/* TMF: ABORT TASK */
	memset(b, 0, sizeof(b));
	b[0] = ISCSI_OP_TMF_REQ | ISCSI_OP_IMMEDIATE;
	b[1] = ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK;
	put32(b, 16, 10);
	put32(b, 20, 9);
	put32(b, 32, 76);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_OK);
	assert_int_equal(p.function, ISCSI_TMF_ABORT_TASK);
	assert_int_equal(p.ttt, 9);
	assert_int_equal(p.ref_cmdsn, 76);
	b[1] &= ~ISCSI_FLAG_FINAL;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_FIELD);

	/* Logout: close connection 7 */
	memset(b, 0, sizeof(b));
	b[0] = ISCSI_OP_LOGOUT_REQ | ISCSI_OP_IMMEDIATE;
	b[1] = ISCSI_FLAG_FINAL | ISCSI_LOGOUT_CONNECTION;
	put32(b, 16, 11);
	put_unaligned_be16(7, b + 20);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_OK);
	assert_int_equal(p.function, ISCSI_LOGOUT_CONNECTION);
	assert_int_equal(p.cid, 7);
	b[1] = ISCSI_FLAG_FINAL | 3;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_FIELD);

	/* NOP-Out: an answer must be immediate and carry no ping data */
	memset(b, 0, sizeof(b));
	b[0] = ISCSI_OP_NOOP_OUT;
	b[1] = ISCSI_FLAG_FINAL;
	put32(b, 16, ISCSI_RSVD_TAG);
	put32(b, 20, 3);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_PROTO);
	b[0] |= ISCSI_OP_IMMEDIATE;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_OK);

	/* Text with both F and C */
	memset(b, 0, sizeof(b));
	b[0] = ISCSI_OP_TEXT_REQ;
	b[1] = ISCSI_FLAG_FINAL | ISCSI_FLAG_TEXT_CONTINUE;
	put32(b, 16, 1);
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_FIELD);

	/* Login in the full-feature phase, SNACK at ERL 0, undefined */
	memset(b, 0, sizeof(b));
	b[0] = ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_PROTO);
	b[0] = ISCSI_OP_SNACK_REQ;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_OPCODE);
	b[0] = 0x1c;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_OPCODE);
	/* a target opcode sent by the initiator */
	b[0] = ISCSI_OP_SCSI_RSP;
	assert_int_equal(iscsi_pdu_parse(b, MAX_DSL, &p), ISCSI_PDU_BAD_OPCODE);
}

static void test_cmdsn(void **state)
{
	(void)state;
	assert_true(iscsi_sn_lt(1, 2));
	assert_true(iscsi_sn_lt(0xfffffff0U, 5));	/* wraps */
	assert_false(iscsi_sn_lt(5, 0xfffffff0U));
	assert_false(iscsi_sn_lt(7, 7));
	assert_true(iscsi_sn_gt(5, 0xfffffff0U));

	assert_int_equal(iscsi_cmdsn_check(10, 10, 20), 0);
	assert_int_equal(iscsi_cmdsn_check(15, 10, 20), 1);
	assert_int_equal(iscsi_cmdsn_check(20, 10, 20), 1);
	assert_int_equal(iscsi_cmdsn_check(21, 10, 20), -1);
	assert_int_equal(iscsi_cmdsn_check(9, 10, 20), -1);
	/* across the wrap */
	assert_int_equal(iscsi_cmdsn_check(2, 0xfffffffeU, 5), 1);
	assert_int_equal(iscsi_cmdsn_check(0xfffffffdU, 0xfffffffeU, 5), -1);
	/* a closed window takes nothing, not even ExpCmdSN */
	assert_int_equal(iscsi_cmdsn_check(10, 10, 9), -1);
}

static void test_lun(void **state)
{
	(void)state;
	assert_true(iscsi_lun_decode(0) == 0);
	assert_true(iscsi_lun_decode(0x00ffULL << 48) == 255);
	/* flat space: 0x4000 | 300 */
	assert_true(iscsi_lun_decode(0x412cULL << 48) == 300);
	/* peripheral with a bus number, second level, extended: refused */
	assert_true(iscsi_lun_decode(0x0101ULL << 48) == ISCSI_BAD_LUN);
	assert_true(iscsi_lun_decode((0x0001ULL << 48) | 1) == ISCSI_BAD_LUN);
	assert_true(iscsi_lun_decode(0xc000ULL << 48) == ISCSI_BAD_LUN);
}

static void test_build_data_in(void **state)
{
	struct iscsi_tx_hdr h = {
		.opcode = ISCSI_OP_DATA_IN,
		.flags = ISCSI_FLAG_FINAL | ISCSI_FLAG_DATA_STATUS |
			 ISCSI_FLAG_DATA_UNDERFLOW,
		.status = 0,
		.dlen = 4096,
		.itt = 0xabcdef01,
		.ttt = ISCSI_RSVD_TAG,
		.statsn = 100,
		.exp_cmdsn = 200,
		.max_cmdsn = 263,
		.sn = 3,
		.offset = 12288,
		.count = 512,
	};
	u8 b[ISCSI_BHS_LEN];

	(void)state;
	iscsi_pdu_build(b, &h);
	assert_int_equal(b[0], 0x25);
	assert_int_equal(b[1], 0x83);
	assert_int_equal(get_unaligned_be24(b + 5), 4096);
	assert_int_equal(get_unaligned_be32(b + 16), 0xabcdef01);
	assert_int_equal(get_unaligned_be32(b + 20), ISCSI_RSVD_TAG);
	assert_int_equal(get_unaligned_be32(b + 24), 100);
	assert_int_equal(get_unaligned_be32(b + 28), 200);
	assert_int_equal(get_unaligned_be32(b + 32), 263);
	assert_int_equal(get_unaligned_be32(b + 36), 3);
	assert_int_equal(get_unaligned_be32(b + 40), 12288);
	assert_int_equal(get_unaligned_be32(b + 44), 512);

	/* without status: no StatSN, no residual, no U/O bits */
	h.flags = ISCSI_FLAG_DATA_UNDERFLOW;
	iscsi_pdu_build(b, &h);
	assert_int_equal(b[1], 0);
	assert_int_equal(get_unaligned_be32(b + 24), 0);
	assert_int_equal(get_unaligned_be32(b + 44), 0);
	assert_int_equal(get_unaligned_be32(b + 36), 3);
}

static void test_build_rsp_r2t_reject(void **state)
{
	struct iscsi_tx_hdr h = { 0 };
	u8 b[ISCSI_BHS_LEN];

	(void)state;
	h.opcode = ISCSI_OP_SCSI_RSP;
	h.flags = ISCSI_FLAG_RSP_OVERFLOW;
	h.status = 0x02;
	h.dlen = 20;
	h.itt = 7;
	h.statsn = 9;
	h.sn = 4;
	h.count = 100;
	iscsi_pdu_build(b, &h);
	assert_int_equal(b[0], 0x21);
	assert_int_equal(b[1], 0x84);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 0x02);
	assert_int_equal(get_unaligned_be32(b + 24), 9);
	assert_int_equal(get_unaligned_be32(b + 36), 4);
	assert_int_equal(get_unaligned_be32(b + 44), 100);

	memset(&h, 0, sizeof(h));
	h.opcode = ISCSI_OP_R2T;
	h.lun = 0x0001000000000000ULL;
	h.itt = 7;
	h.ttt = 0x99;
	h.statsn = 10;
	h.sn = 1;
	h.offset = 65536;
	h.count = 262144;
	iscsi_pdu_build(b, &h);
	assert_int_equal(b[0], 0x31);
	assert_int_equal(b[1], 0x80);
	assert_int_equal(b[9], 1);
	assert_int_equal(get_unaligned_be32(b + 20), 0x99);
	assert_int_equal(get_unaligned_be32(b + 36), 1);
	assert_int_equal(get_unaligned_be32(b + 40), 65536);
	assert_int_equal(get_unaligned_be32(b + 44), 262144);

	memset(&h, 0, sizeof(h));
	h.opcode = ISCSI_OP_REJECT;
	h.response = ISCSI_REJECT_PROTOCOL_ERROR;
	h.dlen = ISCSI_BHS_LEN;
	h.itt = 1234;		/* ignored: a Reject's ITT is reserved */
	iscsi_pdu_build(b, &h);
	assert_int_equal(b[0], 0x3f);
	assert_int_equal(b[1], 0x80);
	assert_int_equal(b[2], 0x04);
	assert_int_equal(get_unaligned_be24(b + 5), 48);
	assert_int_equal(get_unaligned_be32(b + 16), ISCSI_RSVD_TAG);

	memset(&h, 0, sizeof(h));
	h.opcode = ISCSI_OP_ASYNC_MSG;
	h.async_event = ISCSI_ASYNC_LOGOUT_REQUEST;
	h.param[2] = 3;
	iscsi_pdu_build(b, &h);
	assert_int_equal(b[0], 0x32);
	assert_int_equal(b[36], 1);
	assert_int_equal(get_unaligned_be16(b + 42), 3);
	assert_int_equal(get_unaligned_be32(b + 16), ISCSI_RSVD_TAG);

	memset(&h, 0, sizeof(h));
	h.opcode = ISCSI_OP_LOGOUT_RSP;
	h.response = ISCSI_LOGOUT_RSP_NO_CID;
	h.param[1] = 2;
	h.param[2] = 20;
	iscsi_pdu_build(b, &h);
	assert_int_equal(b[0], 0x26);
	assert_int_equal(b[2], 1);
	assert_int_equal(get_unaligned_be16(b + 40), 2);
	assert_int_equal(get_unaligned_be16(b + 42), 20);
}

/* iscsi-data: Additional Header Segments of a SCSI Command */
static void test_ahs(void **state)
{
	u8 ahs[64], cdb[32];
	u32 len = 0;
	unsigned int i;

	(void)state;
	/* Extended CDB of 16 more bytes: AHSLength 17 (reserved byte). */
	memset(ahs, 0, sizeof(ahs));
	put_unaligned_be16(17, ahs);
	ahs[2] = ISCSI_AHS_EXT_CDB;
	for (i = 0; i < 16; i++)
		ahs[4 + i] = 0xa0 + i;
	memset(cdb, 0x11, sizeof(cdb));
	assert_int_equal(iscsi_ahs_parse(ahs, 20, cdb, 32, &len), ISCSI_PDU_OK);
	assert_int_equal(len, 32);
	assert_int_equal(cdb[15], 0x11);
	assert_int_equal(cdb[16], 0xa0);
	assert_int_equal(cdb[31], 0xaf);
	/* no AHS: the BHS's 16 bytes */
	assert_int_equal(iscsi_ahs_parse(ahs, 0, cdb, 32, &len), ISCSI_PDU_OK);
	assert_int_equal(len, 16);
	/* 8 more bytes (padded to 12), then a Bidi Read Data Length AHS */
	memset(cdb, 0, sizeof(cdb));
	put_unaligned_be16(9, ahs);
	put_unaligned_be16(5, ahs + 12);
	ahs[14] = ISCSI_AHS_BIDI_READ_LEN;
	assert_int_equal(iscsi_ahs_parse(ahs, 20, cdb, 32, &len), ISCSI_PDU_OK);
	assert_int_equal(len, 24);
	assert_int_equal(cdb[23], 0xa7);
	assert_int_equal(cdb[24], 0);
	/* longer than the buffer: length reported, copy cut */
	put_unaligned_be16(41, ahs);
	memset(cdb, 0, sizeof(cdb));
	assert_int_equal(iscsi_ahs_parse(ahs, 44, cdb, 32, &len), ISCSI_PDU_OK);
	assert_int_equal(len, 56);
	assert_int_equal(cdb[31], 0xaf);

	/* AHSLength past TotalAHSLength, header cut, type, duplicates */
	put_unaligned_be16(17, ahs);
	assert_int_equal(iscsi_ahs_parse(ahs, 16, cdb, 32, &len),
			 ISCSI_PDU_BAD_FIELD);
	assert_int_equal(iscsi_ahs_parse(ahs, 2, cdb, 32, &len),
			 ISCSI_PDU_BAD_FIELD);
	ahs[2] = 3;
	assert_int_equal(iscsi_ahs_parse(ahs, 20, cdb, 32, &len),
			 ISCSI_PDU_BAD_FIELD);
	ahs[2] = ISCSI_AHS_EXT_CDB;
	put_unaligned_be16(1, ahs);	/* only the reserved byte */
	assert_int_equal(iscsi_ahs_parse(ahs, 4, cdb, 32, &len),
			 ISCSI_PDU_BAD_FIELD);
	put_unaligned_be16(5, ahs);
	put_unaligned_be16(5, ahs + 8);
	ahs[10] = ISCSI_AHS_EXT_CDB;
	assert_int_equal(iscsi_ahs_parse(ahs, 16, cdb, 32, &len),
			 ISCSI_PDU_BAD_FIELD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scsi_cmd),
		cmocka_unit_test(test_scsi_cmd_errors),
		cmocka_unit_test(test_other_opcodes),
		cmocka_unit_test(test_cmdsn),
		cmocka_unit_test(test_lun),
		cmocka_unit_test(test_build_data_in),
		cmocka_unit_test(test_build_rsp_r2t_reject),
		cmocka_unit_test(test_ahs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
