// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the SRP information unit parser and builder
 * (targets/srp/srp_proto.c): the RDMA CM login request and the reasons
 * to reject it, the byte layout of LOGIN RESPONSE, LOGIN REJECT and
 * SRP_RSP, SRP_CMD with no data, a direct descriptor and an inline
 * indirect table, and the refusal of malformed ones (short IUs, reserved
 * and bidirectional formats, external tables, lengths that do not add
 * up), SRP_TSK_MGMT, LUN decoding and port identifiers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "targets/srp/srp_proto.h"

static const u8 ini_id[16] = {
	0, 0, 0, 0, 0, 0, 0x12, 0x34, 2, 0, 0, 0xff, 0xfe, 0, 0, 1 };
static const u8 tgt_id[16] = {
	0, 2, 0xc9, 3, 0, 0, 0xaa, 1, 0, 2, 0xc9, 3, 0, 0, 0xaa, 2 };

/* A login request as ib_srp builds it for the RDMA CM. */
static void mk_login(u8 *b, u32 it_iu_len)
{
	memset(b, 0, SRP_LOGIN_REQ_RDMA_LEN);
	put_unaligned_be64(0x1122334455667788ULL, b);
	put_unaligned_be16(SRP_BUF_FMT_DIRECT | SRP_BUF_FMT_INDIRECT, b + 8);
	b[10] = SRP_MULTICHAN_SINGLE | 0x80;
	b[11] = SRP_OP_LOGIN_REQ;
	put_unaligned_be32(it_iu_len, b + 12);
	memcpy(b + 16, ini_id, 16);
	memcpy(b + 32, tgt_id, 16);
}

static void test_login_ok(void **state)
{
	struct srp_login l;
	u8 b[64];

	(void)state;
	mk_login(b, 8260);
	assert_int_equal(srp_login_parse(b, 56, 65536, &l), 0);
	assert_true(l.tag == 0x1122334455667788ULL);
	assert_int_equal(l.it_iu_len, 8260);
	assert_int_equal(l.buf_fmt, 6);
	assert_int_equal(l.flags, 0x80);
	assert_memory_equal(l.initiator_port_id, ini_id, 16);
	assert_memory_equal(l.target_port_id, tgt_id, 16);
	/* The RDMA CM pads private data: longer is fine. */
	assert_int_equal(srp_login_parse(b, 64, 65536, &l), 0);
}

static void test_login_rejects(void **state)
{
	struct srp_login l;
	u8 b[56];

	(void)state;
	mk_login(b, 8260);
	assert_int_equal(srp_login_parse(b, 55, 65536, &l),
			 SRP_REJ_UNABLE_ESTABLISH);
	assert_int_equal(srp_login_parse(NULL, 0, 65536, &l),
			 SRP_REJ_UNABLE_ESTABLISH);
	assert_int_equal(srp_login_parse(b, 56, 8259, &l),
			 SRP_REJ_IU_TOO_LARGE);
	/* The tag is decoded for the reject even then. */
	assert_true(l.tag == 0x1122334455667788ULL);
	mk_login(b, 63);
	assert_int_equal(srp_login_parse(b, 56, 65536, &l),
			 SRP_REJ_UNABLE_ESTABLISH);
	mk_login(b, 64);
	assert_int_equal(srp_login_parse(b, 56, 65536, &l), 0);
	b[9] = 0x01;	/* neither direct nor indirect */
	assert_int_equal(srp_login_parse(b, 56, 65536, &l),
			 SRP_REJ_UNSUPPORTED_FMT);
	mk_login(b, 64);
	b[11] = SRP_OP_CMD;
	assert_int_equal(srp_login_parse(b, 56, 65536, &l),
			 SRP_REJ_UNABLE_ESTABLISH);
}

static void test_login_rsp_rej(void **state)
{
	u8 b[SRP_LOGIN_RSP_LEN + 8];

	(void)state;
	memset(b, 0xee, sizeof(b));
	srp_build_login_rsp(b, 0x0102030405060708ULL, 128, 4608, 256, 1);
	assert_int_equal(b[0], SRP_OP_LOGIN_RSP);
	assert_int_equal(get_unaligned_be32(b + 4), 128);
	assert_true(get_unaligned_be64(b + 8) == 0x0102030405060708ULL);
	assert_int_equal(get_unaligned_be32(b + 16), 4608);
	assert_int_equal(get_unaligned_be32(b + 20), 256);
	assert_int_equal(get_unaligned_be16(b + 24), 6);
	assert_int_equal(b[26], 1);
	assert_int_equal(b[51], 0);
	assert_int_equal(b[52], 0xee);	/* 52 bytes, no more */

	memset(b, 0xee, sizeof(b));
	srp_build_login_rej(b, 7, SRP_REJ_MULTI_UNSUPPORTED);
	assert_int_equal(b[0], SRP_OP_LOGIN_REJ);
	assert_int_equal(get_unaligned_be32(b + 4), 0x00010005);
	assert_true(get_unaligned_be64(b + 8) == 7);
	assert_int_equal(get_unaligned_be16(b + 24), 6);
	assert_int_equal(b[31], 0);
	assert_int_equal(b[32], 0xee);
}

/* An SRP_CMD header: READ(10) of LUN 3, tag 0xabc. */
static void mk_cmd(u8 *b, size_t size)
{
	memset(b, 0, size);
	b[0] = SRP_OP_CMD;
	put_unaligned_be64(0xabc, b + 8);
	b[21] = 3;		/* LUN 3, peripheral addressing */
	b[29] = 2;		/* ORDERED */
	b[32] = 0x28;
}

static void put_desc(u8 *p, u64 va, u32 key, u32 len)
{
	put_unaligned_be64(va, p);
	put_unaligned_be32(key, p + 8);
	put_unaligned_be32(len, p + 12);
}

static void test_cmd_no_data(void **state)
{
	struct srp_cmd c;
	u8 b[64];

	(void)state;
	mk_cmd(b, sizeof(b));
	assert_int_equal(srp_cmd_parse(b, 48, &c), SRP_IU_OK);
	assert_true(c.tag == 0xabc);
	assert_int_equal(srp_lun_decode(c.lun), 3);
	assert_int_equal(c.attr, 2);
	assert_int_equal(c.cdb_len, 16);
	assert_ptr_equal(c.cdb, b + 32);
	assert_int_equal(c.nr_desc, 0);
	assert_int_equal(c.total_len, 0);
	/* Short ones, the tag known when there is room for it. */
	assert_int_equal(srp_cmd_parse(b, 47, &c), SRP_IU_SHORT);
	assert_true(c.tag == 0xabc);
	assert_int_equal(srp_cmd_parse(b, 15, &c), SRP_IU_SHORT);
	assert_true(c.tag == 0);
	/* An additional CDB of 8 bytes needs 56 bytes. */
	b[31] = 2 << 2;
	assert_int_equal(srp_cmd_parse(b, 55, &c), SRP_IU_SHORT);
	assert_int_equal(srp_cmd_parse(b, 56, &c), SRP_IU_OK);
	assert_int_equal(c.cdb_len, 24);
}

static void test_cmd_direct(void **state)
{
	struct srp_desc d;
	struct srp_cmd c;
	u8 b[80];

	(void)state;
	mk_cmd(b, sizeof(b));
	b[5] = SRP_DESC_DIRECT;		/* data-in */
	put_desc(b + 48, 0xffff880012340000ULL, 0x1234, 65536);
	assert_int_equal(srp_cmd_parse(b, 64, &c), SRP_IU_OK);
	assert_false(c.write);
	assert_int_equal(c.nr_desc, 1);
	assert_int_equal(c.total_len, 65536);
	srp_cmd_desc(b, &c, 0, &d);
	assert_true(d.va == 0xffff880012340000ULL);
	assert_int_equal(d.key, 0x1234);
	assert_int_equal(d.len, 65536);
	assert_int_equal(srp_cmd_parse(b, 63, &c), SRP_IU_SHORT);

	b[5] = SRP_DESC_DIRECT << 4;	/* data-out */
	assert_int_equal(srp_cmd_parse(b, 64, &c), SRP_IU_OK);
	assert_true(c.write);
	/* A count of 0 or 1 goes with a direct descriptor, no more. */
	b[6] = 1;
	assert_int_equal(srp_cmd_parse(b, 64, &c), SRP_IU_OK);
	b[6] = 2;
	assert_int_equal(srp_cmd_parse(b, 64, &c), SRP_IU_BAD_FMT);
	b[6] = 0;
	/* Bidirectional, immediate and reserved formats are refused. */
	b[5] = SRP_DESC_DIRECT << 4 | SRP_DESC_DIRECT;
	assert_int_equal(srp_cmd_parse(b, 64, &c), SRP_IU_BAD_FMT);
	b[5] = SRP_DESC_IMM << 4;
	assert_int_equal(srp_cmd_parse(b, 64, &c), SRP_IU_BAD_FMT);
	b[5] = 0x7;
	assert_int_equal(srp_cmd_parse(b, 64, &c), SRP_IU_BAD_FMT);
}

static void test_cmd_indirect(void **state)
{
	struct srp_desc d;
	struct srp_cmd c;
	u8 b[48 + 20 + 3 * 16];
	size_t len = sizeof(b);

	(void)state;
	mk_cmd(b, sizeof(b));
	b[5] = SRP_DESC_INDIRECT << 4;
	b[6] = 3;
	put_desc(b + 48, 0x1000, 7, 3 * 16);	/* the table itself */
	put_unaligned_be32(4096 + 8192 + 512, b + 64);
	put_desc(b + 68, 0x10000, 1, 4096);
	put_desc(b + 84, 0x20000, 2, 8192);
	put_desc(b + 100, 0x30000, 3, 512);
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_OK);
	assert_true(c.write);
	assert_int_equal(c.nr_desc, 3);
	assert_int_equal(c.desc_off, 68);
	assert_int_equal(c.total_len, 4096 + 8192 + 512);
	srp_cmd_desc(b, &c, 2, &d);
	assert_true(d.va == 0x30000);
	assert_int_equal(d.key, 3);
	assert_int_equal(d.len, 512);

	assert_int_equal(srp_cmd_parse(b, len - 1, &c), SRP_IU_SHORT);
	assert_int_equal(srp_cmd_parse(b, 67, &c), SRP_IU_SHORT);
	/* The total does not match the sum. */
	put_unaligned_be32(4096, b + 64);
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_BAD_LEN);
	put_unaligned_be32(4096 + 8192 + 512, b + 64);
	/* The sum overflows 32 bits. */
	put_desc(b + 84, 0x20000, 2, 0xffffffff);
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_BAD_LEN);
	put_desc(b + 84, 0x20000, 2, 8192);
	/* A table longer than the descriptors in the IU: external. */
	b[6] = 2;
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_EXT_TABLE);
	b[6] = 0;
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_BAD_FMT);
	b[6] = 3;
	put_desc(b + 48, 0x1000, 7, 3 * 16 + 1);
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_BAD_FMT);
	put_desc(b + 48, 0x1000, 7, 3 * 16);
	/* Data-in: the data-in count is the one that counts. */
	b[5] = SRP_DESC_INDIRECT;
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_BAD_FMT);
	b[7] = 3;
	assert_int_equal(srp_cmd_parse(b, len, &c), SRP_IU_OK);
	assert_false(c.write);
}

static void test_tmf(void **state)
{
	struct srp_tmf t;
	u8 b[48] = { SRP_OP_TSK_MGMT };

	(void)state;
	put_unaligned_be64(0x8000000000000005ULL, b + 8);
	b[20] = 0x40;		/* flat space LUN 0x123 */
	b[21] = 0x23;
	b[20] |= 0x01;
	b[30] = SRP_TMF_ABORT_TASK;
	put_unaligned_be64(0x42, b + 32);
	assert_int_equal(srp_tmf_parse(b, 48, &t), SRP_IU_OK);
	assert_true(t.tag == 0x8000000000000005ULL);
	assert_int_equal(srp_lun_decode(t.lun), 0x123);
	assert_int_equal(t.fn, SRP_TMF_ABORT_TASK);
	assert_true(t.task_tag == 0x42);
	assert_int_equal(srp_tmf_parse(b, 39, &t), SRP_IU_SHORT);
	assert_true(t.tag == 0x8000000000000005ULL);
}

static void test_lun(void **state)
{
	(void)state;
	assert_int_equal(srp_lun_decode(0), 0);
	assert_int_equal(srp_lun_decode(0x00ff000000000000ULL), 255);
	assert_int_equal(srp_lun_decode(0x7fff000000000000ULL), 0x3fff);
	assert_true(srp_lun_decode(0x0101000000000000ULL) == SRP_BAD_LUN);
	assert_true(srp_lun_decode(0x0001000100000000ULL) == SRP_BAD_LUN);
	assert_true(srp_lun_decode(0xc001000000000000ULL) == SRP_BAD_LUN);
}

static void test_rsp(void **state)
{
	u8 sense[18] = { 0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x21 };
	struct srp_rsp_info info = {
		.tag		= 0xabc,
		.req_lim_delta	= 3,
		.status		= 2,
		.flags		= SRP_RSP_DIUNDER,
		.di_resid	= 512,
		.sense		= sense,
		.sense_len	= sizeof(sense),
	};
	u8 b[256];

	(void)state;
	memset(b, 0xee, sizeof(b));
	assert_int_equal(srp_build_rsp(b, sizeof(b), &info), 36 + 18);
	assert_int_equal(b[0], SRP_OP_RSP);
	assert_int_equal(get_unaligned_be32(b + 4), 3);
	assert_true(get_unaligned_be64(b + 8) == 0xabc);
	assert_int_equal(b[18], SRP_RSP_DIUNDER | SRP_RSP_SNSVALID);
	assert_int_equal(b[19], 2);
	assert_int_equal(get_unaligned_be32(b + 20), 0);
	assert_int_equal(get_unaligned_be32(b + 24), 512);
	assert_int_equal(get_unaligned_be32(b + 28), 18);
	assert_int_equal(get_unaligned_be32(b + 32), 0);
	assert_memory_equal(b + 36, sense, 18);
	assert_int_equal(b[54], 0xee);

	/* A TMF response: 4 bytes of response data, RSPVALID. */
	memset(&info, 0, sizeof(info));
	info.tag = 9;
	info.rsp_valid = true;
	info.rsp_code = SRP_RC_INCORRECT_LUN;
	assert_int_equal(srp_build_rsp(b, sizeof(b), &info), 40);
	assert_int_equal(b[18], SRP_RSP_RSPVALID);
	assert_int_equal(get_unaligned_be32(b + 32), 4);
	assert_int_equal(get_unaligned_be32(b + 36), 9);

	/* Overflow of data-out; sense cut to the buffer. */
	memset(&info, 0, sizeof(info));
	info.flags = SRP_RSP_DOOVER | 0xc0;
	info.do_resid = 7;
	info.sense = sense;
	info.sense_len = sizeof(sense);
	assert_int_equal(srp_build_rsp(b, 40, &info), 40);
	assert_int_equal(b[18], SRP_RSP_DOOVER | SRP_RSP_SNSVALID);
	assert_int_equal(get_unaligned_be32(b + 20), 7);
	assert_int_equal(get_unaligned_be32(b + 28), 4);
	assert_int_equal(srp_build_rsp(b, 35, &info), 0);
}

static void test_port_id(void **state)
{
	char s[33];
	u8 id[16];

	(void)state;
	srp_port_id_hex(tgt_id, s);
	assert_string_equal(s, "0002c9030000aa010002c9030000aa02");
	assert_int_equal(srp_port_id_parse(s, id), 0);
	assert_memory_equal(id, tgt_id, 16);
	assert_int_equal(srp_port_id_parse("0x0002C9030000AA010002C9030000AA02\n",
					   id), 0);
	assert_memory_equal(id, tgt_id, 16);
	assert_int_equal(srp_port_id_parse("0002c9030000aa010002c9030000aa0", id),
			 -EINVAL);
	assert_int_equal(srp_port_id_parse("0002c9030000aa010002c9030000aa023",
					   id), -EINVAL);
	assert_int_equal(srp_port_id_parse("0002c9030000aa010002c9030000aa0g",
					   id), -EINVAL);
	assert_int_equal(srp_port_id_parse("", id), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_ok),
		cmocka_unit_test(test_login_rejects),
		cmocka_unit_test(test_login_rsp_rej),
		cmocka_unit_test(test_cmd_no_data),
		cmocka_unit_test(test_cmd_direct),
		cmocka_unit_test(test_cmd_indirect),
		cmocka_unit_test(test_tmf),
		cmocka_unit_test(test_lun),
		cmocka_unit_test(test_rsp),
		cmocka_unit_test(test_port_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
