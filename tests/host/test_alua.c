// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the portable ALUA data (core/alua_data.c): state
 * names, the commands each asymmetric access state lets through and the
 * sense of the others (SPC-4 5.15.2.4), the REPORT TARGET PORT GROUPS
 * data in both formats and truncated, and the SET TARGET PORT GROUPS
 * parameter list checks with their field pointers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alua_data.h"

static void test_state_names(void **state)
{
	static const u8 all[] = {
		KTGT_ALUA_ACTIVE, KTGT_ALUA_NONOPTIMIZED, KTGT_ALUA_STANDBY,
		KTGT_ALUA_UNAVAILABLE, KTGT_ALUA_OFFLINE,
		KTGT_ALUA_TRANSITIONING,
	};
	const char *n;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		n = ktgt_alua_state_name(all[i]);
		assert_int_equal(ktgt_alua_state_parse(n, strlen(n)), all[i]);
	}
	assert_int_equal(ktgt_alua_state_parse("standby\n", 8),
			 KTGT_ALUA_STANDBY);
	assert_int_equal(ktgt_alua_state_parse("active", 6), KTGT_ALUA_ACTIVE);
	assert_int_equal(ktgt_alua_state_parse("activ", 5), -EINVAL);
	assert_int_equal(ktgt_alua_state_parse("active\n\n", 8), -EINVAL);
	assert_int_equal(ktgt_alua_state_parse("", 0), -EINVAL);
	assert_int_equal(ktgt_alua_state_parse("Standby", 7), -EINVAL);
	assert_string_equal(ktgt_alua_state_name(0x4), "unknown");
}

/* One command and whether each state allows it. */
struct check_case {
	const char *what;
	u8 cdb[16];
	u8 len;
	bool standby, unavailable, transitioning, offline;
};

static const struct check_case check_cases[] = {
	{ "INQUIRY", { 0x12 }, 6, true, true, true, true },
	{ "REPORT LUNS", { 0xa0 }, 12, true, true, true, true },
	{ "REQUEST SENSE", { 0x03 }, 6, true, true, true, true },
	{ "REPORT TARGET PORT GROUPS", { 0xa3, 0x0a }, 12,
	  true, true, true, false },
	{ "RTPG extended", { 0xa3, 0x2a }, 12, true, true, true, false },
	{ "SET TARGET PORT GROUPS", { 0xa4, 0x0a }, 12,
	  true, true, false, false },
	{ "READ BUFFER echo", { 0x3c, 0x0a }, 10, true, true, true, false },
	{ "READ BUFFER echo descriptor", { 0x3c, 0x0b }, 10,
	  true, true, true, false },
	{ "WRITE BUFFER echo", { 0x3b, 0x0a }, 10, true, true, true, false },
	{ "READ BUFFER data", { 0x3c, 0x02 }, 10, false, false, false, false },
	{ "WRITE BUFFER download", { 0x3b, 0x05 }, 10,
	  false, false, false, false },
	{ "MODE SENSE(6)", { 0x1a }, 6, true, false, false, false },
	{ "MODE SENSE(10)", { 0x5a }, 10, true, false, false, false },
	{ "MODE SELECT(6)", { 0x15 }, 6, true, false, false, false },
	{ "MODE SELECT(10)", { 0x55 }, 10, true, false, false, false },
	{ "LOG SENSE", { 0x4d }, 10, true, false, false, false },
	{ "LOG SELECT", { 0x4c }, 10, true, false, false, false },
	{ "RECEIVE DIAGNOSTIC RESULTS", { 0x1c }, 6, true, false, false,
	  false },
	{ "SEND DIAGNOSTIC", { 0x1d }, 6, true, false, false, false },
	{ "PERSISTENT RESERVE IN", { 0x5e }, 10, true, false, false, false },
	{ "PERSISTENT RESERVE OUT", { 0x5f }, 10, true, false, false, false },
	{ "READ CAPACITY(10)", { 0x25 }, 10, true, false, false, false },
	{ "READ CAPACITY(16)", { 0x9e, 0x10 }, 16, true, false, false, false },
	{ "GET LBA STATUS", { 0x9e, 0x12 }, 16, false, false, false, false },
	{ "TEST UNIT READY", { 0x00 }, 6, false, false, false, false },
	{ "READ(10)", { 0x28 }, 10, false, false, false, false },
	{ "WRITE(16)", { 0x8a }, 16, false, false, false, false },
	{ "REPORT SUPPORTED OPERATION CODES", { 0xa3, 0x0c }, 12,
	  false, false, false, false },
	{ "MAINTENANCE OUT other", { 0xa4, 0x06 }, 12,
	  false, false, false, false },
	{ "SYNCHRONIZE CACHE(10)", { 0x35 }, 10, false, false, false, false },
	{ "START STOP UNIT", { 0x1b }, 6, false, false, false, false },
};

static void expect_state(u8 st, const struct check_case *c, bool allowed,
			 u8 ascq)
{
	struct ktgt_sense_info s;
	int ret;

	memset(&s, 0xee, sizeof(s));
	ret = ktgt_alua_check(st, c->cdb, c->len, &s);
	if (allowed) {
		if (ret)
			fail_msg("%s refused in state %s", c->what,
				 ktgt_alua_state_name(st));
		return;
	}
	if (ret != -EAGAIN)
		fail_msg("%s allowed in state %s", c->what,
			 ktgt_alua_state_name(st));
	assert_int_equal(s.key, KTGT_KEY_NOT_READY);
	assert_int_equal(s.asc, 0x04);
	assert_int_equal(s.ascq, ascq);
	assert_false(s.has_field);
}

static void test_check(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(check_cases); i++) {
		const struct check_case *c = &check_cases[i];

		expect_state(KTGT_ALUA_ACTIVE, c, true, 0);
		expect_state(KTGT_ALUA_NONOPTIMIZED, c, true, 0);
		expect_state(KTGT_ALUA_STANDBY, c, c->standby, 0x0b);
		expect_state(KTGT_ALUA_UNAVAILABLE, c, c->unavailable, 0x0c);
		expect_state(KTGT_ALUA_TRANSITIONING, c, c->transitioning,
			     0x0a);
		expect_state(KTGT_ALUA_OFFLINE, c, c->offline, 0x12);
	}
}

static void test_check_every_opcode(void **state)
{
	struct ktgt_sense_info s;
	u8 cdb[16] = { 0 };
	unsigned int op, sa;

	(void)state;
	/* Active states allow all; a 1-byte CDB is never read past. */
	for (op = 0; op < 256; op++) {
		for (sa = 0; sa < 32; sa++) {
			cdb[0] = (u8)op;
			cdb[1] = (u8)sa;
			assert_int_equal(ktgt_alua_check(KTGT_ALUA_ACTIVE, cdb,
							 16, &s), 0);
			assert_int_equal(ktgt_alua_check(KTGT_ALUA_NONOPTIMIZED,
							 cdb, 16, &s), 0);
		}
		ktgt_alua_check(KTGT_ALUA_STANDBY, cdb, 1, &s);
	}
	/* An unknown state value is treated as offline. */
	cdb[0] = 0x00;
	assert_int_equal(ktgt_alua_check(0x7, cdb, 6, &s), -EAGAIN);
	assert_int_equal(s.ascq, 0x12);
	assert_int_equal(ktgt_alua_check(KTGT_ALUA_STANDBY, cdb, 0, &s),
			 -EAGAIN);
}

static const u16 ports1[] = { 0x000a };
static const u16 ports2[] = { 0x0014, 0x0102 };

static u32 build(bool ext, u8 itt, u8 *buf, u32 buflen)
{
	const struct ktgt_alua_tpg g[] = {
		{ 1, KTGT_ALUA_ACTIVE, true, KTGT_ALUA_STATUS_NONE, 1, ports1 },
		{ 0x8002, KTGT_ALUA_STANDBY, false, KTGT_ALUA_STATUS_STPG, 2,
		  ports2 },
	};
	u32 desc_len = 0, off, i;

	for (i = 0; i < 2; i++)
		desc_len += ktgt_alua_rtpg_desc(&g[i], NULL, 0, 0);
	off = ktgt_alua_rtpg_hdr(ext, itt, desc_len, buf, buflen);
	for (i = 0; i < 2; i++)
		off += ktgt_alua_rtpg_desc(&g[i], buf, buflen, off);
	return off;
}

static void test_rtpg(void **state)
{
	static const u8 descs[] = {
		0x80, 0xcf, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x0a,
		0x02, 0xcf, 0x80, 0x02, 0x00, 0x01, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x02,
	};
	u8 buf[64], want[64];
	u32 n, i;

	(void)state;
	/* Length-only header. */
	memset(buf, 0xee, sizeof(buf));
	n = build(false, 7, buf, sizeof(buf));
	assert_int_equal(n, 4 + sizeof(descs));
	memcpy(want, "\x00\x00\x00\x1c", 4);
	memcpy(want + 4, descs, sizeof(descs));
	assert_memory_equal(buf, want, n);
	assert_int_equal(buf[n], 0xee);

	/* Extended header: format type 001b, implicit transition time. */
	memset(buf, 0xee, sizeof(buf));
	n = build(true, 7, buf, sizeof(buf));
	assert_int_equal(n, 8 + sizeof(descs));
	memcpy(want, "\x00\x00\x00\x20\x10\x07\x00\x00", 8);
	memcpy(want + 8, descs, sizeof(descs));
	assert_memory_equal(buf, want, n);

	/* Truncated at every length: the prefix, nothing past it. */
	for (i = 0; i <= n; i++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(build(true, 7, buf, i), n);
		assert_memory_equal(buf, want, i);
		assert_int_equal(buf[i], 0xee);
	}
}

static void test_rtpg_port_cap(void **state)
{
	static u16 many[300];
	struct ktgt_alua_tpg g = { 3, KTGT_ALUA_ACTIVE, false, 0, 255, many };
	static u8 buf[8 + 4 * 300];
	u32 i;

	(void)state;
	for (i = 0; i < 300; i++)
		many[i] = (u16)(i + 1);
	assert_int_equal(ktgt_alua_rtpg_desc(&g, buf, sizeof(buf), 0),
			 8 + 4 * 255);
	assert_int_equal(buf[7], 255);
	assert_int_equal(buf[8 + 4 * 254 + 3], 255);
}

/* Parse HEX-less byte list @p of @len; expect @ret and the sense. */
static void expect_stpg(const u8 *p, u32 len, int ret, u32 nr, u8 asc,
			int field, int bit)
{
	struct ktgt_sense_info s;
	u32 got = 99;

	memset(&s, 0, sizeof(s));
	assert_int_equal(ktgt_alua_stpg_parse(p, len, &got, &s), ret);
	if (!ret) {
		assert_int_equal(got, nr);
		return;
	}
	assert_int_equal(got, 0);
	assert_int_equal(s.key, KTGT_KEY_ILLEGAL_REQUEST);
	assert_int_equal(s.asc, asc);
	assert_int_equal(s.ascq, 0);
	if (field < 0) {
		assert_false(s.has_field);
		return;
	}
	assert_true(s.has_field);
	assert_false(s.cd);
	assert_int_equal(s.field, field);
	assert_int_equal(s.bit, bit);
}

static void test_stpg(void **state)
{
	static const u8 ok[] = { 0, 0, 0, 0, 0x02, 0, 0, 1, 0x00, 0, 0, 2,
				 0x01, 0, 0x80, 0, 0x03, 0, 0, 3 };
	u8 p[64];
	u8 st;
	u16 gid;

	(void)state;
	expect_stpg(NULL, 0, 0, 0, 0, 0, 0);
	expect_stpg(ok, 4, 0, 0, 0, 0, 0);
	expect_stpg(ok, sizeof(ok), 0, 4, 0, 0, 0);
	assert_int_equal(ktgt_alua_stpg_desc(ok, 0, &st, &gid), 4);
	assert_int_equal(st, KTGT_ALUA_STANDBY);
	assert_int_equal(gid, 1);
	assert_int_equal(ktgt_alua_stpg_desc(ok, 2, &st, &gid), 12);
	assert_int_equal(st, KTGT_ALUA_NONOPTIMIZED);
	assert_int_equal(gid, 0x8000);
	ktgt_alua_stpg_desc(ok, 3, &st, &gid);
	assert_int_equal(st, KTGT_ALUA_UNAVAILABLE);

	/* Lengths that are not a header plus whole descriptors. */
	expect_stpg(ok, 1, -EINVAL, 0, 0x1a, -1, 0);
	expect_stpg(ok, 3, -EINVAL, 0, 0x1a, -1, 0);
	expect_stpg(ok, 6, -EINVAL, 0, 0x1a, -1, 0);
	expect_stpg(ok, 11, -EINVAL, 0, 0x1a, -1, 0);

	/* States that may not be set, at the state field. */
	memcpy(p, ok, sizeof(ok));
	for (st = 0x4; st <= 0xf; st++) {
		p[8] = st;
		expect_stpg(p, sizeof(ok), -EINVAL, 0, 0x26, 8, 3);
	}
	/* A reserved bit. */
	memcpy(p, ok, sizeof(ok));
	p[12] = 0x41;
	expect_stpg(p, sizeof(ok), -EINVAL, 0, 0x26, 12, 7);
	/* A group twice: the second one's field. */
	memcpy(p, ok, sizeof(ok));
	p[18] = 0;
	p[19] = 2;
	expect_stpg(p, sizeof(ok), -EINVAL, 0, 0x26, 18, 7);
}

static void test_stpg_too_many(void **state)
{
	u32 len = KTGT_ALUA_STPG_HDR_LEN +
		  (KTGT_ALUA_MAX_TPGS + 1) * KTGT_ALUA_STPG_DESC_LEN;
	/* Only the capped prefix is readable: ASan checks nothing else is. */
	u32 cap = KTGT_ALUA_STPG_HDR_LEN +
		  KTGT_ALUA_MAX_TPGS * KTGT_ALUA_STPG_DESC_LEN;
	u8 *p = calloc(1, cap);
	u32 i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < KTGT_ALUA_MAX_TPGS; i++) {
		p[4 + 4 * i + 2] = (u8)(i >> 8);
		p[4 + 4 * i + 3] = (u8)i;
	}
	expect_stpg(p, cap, 0, KTGT_ALUA_MAX_TPGS, 0, 0, 0);
	expect_stpg(p, len, -EINVAL, 0, 0x26, cap + 2, 7);
	expect_stpg(p, 0xfffffffcu, -EINVAL, 0, 0x26, cap + 2, 7);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_every_opcode),
		cmocka_unit_test(test_rtpg),
		cmocka_unit_test(test_rtpg_port_cap),
		cmocka_unit_test(test_stpg),
		cmocka_unit_test(test_stpg_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
