// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the sense data builder (core/sense.c).
 *
 * The expected bytes are written out by hand from SPC-4 4.5.2 (descriptor
 * format) and 4.5.3 (fixed format).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sense.h"
#include "cdb.h"

#define FILL	0xa5

/* Build into an exact-size heap buffer, so ASan catches any overrun. */
static void build_check(bool descriptor, const struct ktgt_sense_info *s,
			size_t buflen, const u8 *expect, size_t expect_len)
{
	u8 *buf = malloc(buflen ? buflen : 1);
	size_t n;

	assert_non_null(buf);
	memset(buf, FILL, buflen ? buflen : 1);
	n = ktgt_sense_build(buf, buflen, descriptor, s);
	assert_int_equal(n, expect_len);
	if (expect_len)
		assert_memory_equal(buf, expect, expect_len);
	if (!buflen)
		assert_int_equal(buf[0], FILL);
	free(buf);
}

static void test_fixed_invalid_field_in_cdb(void **state)
{
	/* INVALID FIELD IN CDB, byte 2 bit 7 */
	static const u8 expect[18] = {
		0x70, 0x00, 0x05,			/* current, ILLEGAL REQUEST */
		0x00, 0x00, 0x00, 0x00,			/* INFORMATION */
		0x0a,					/* additional length */
		0x00, 0x00, 0x00, 0x00,			/* command specific */
		0x24, 0x00,				/* ASC, ASCQ */
		0x00,					/* FRU */
		0xcf, 0x00, 0x02,			/* SKSV C/D BPV bit 7, field 2 */
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_invalid_cdb(&s, 2, 7);
	build_check(false, &s, 96, expect, sizeof(expect));
	build_check(false, &s, 18, expect, sizeof(expect));
}

static void test_fixed_field_without_bit(void **state)
{
	static const u8 expect[18] = {
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00,
		0xc0, 0x01, 0x02,			/* SKSV C/D, field 0x102 */
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_invalid_cdb(&s, 0x102, -1);
	build_check(false, &s, 18, expect, sizeof(expect));
}

static void test_fixed_invalid_field_in_param(void **state)
{
	static const u8 expect[18] = {
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x26, 0x00, 0x00,
		0x8b, 0x00, 0x18,			/* SKSV BPV bit 3, field 24 */
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_invalid_param(&s, 24, 3);
	assert_false(s.cd);
	build_check(false, &s, 18, expect, sizeof(expect));
}

static void test_fixed_information(void **state)
{
	/* UNRECOVERED READ ERROR at LBA 0x12345678 */
	static const u8 expect[18] = {
		0xf0, 0x00, 0x03,			/* VALID, MEDIUM ERROR */
		0x12, 0x34, 0x56, 0x78,
		0x0a, 0x00, 0x00, 0x00, 0x00,
		0x11, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, KTGT_KEY_MEDIUM_ERROR, 0x11, 0x00);
	ktgt_sense_set_info(&s, 0x12345678);
	build_check(false, &s, 18, expect, sizeof(expect));
}

static void test_fixed_information_too_wide(void **state)
{
	/* A 64-bit LBA does not fit: VALID = 0, INFORMATION zero. */
	static const u8 expect[18] = {
		0x70, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, KTGT_KEY_MEDIUM_ERROR, 0x11, 0x00);
	ktgt_sense_set_info(&s, 0x100000000ULL);
	build_check(false, &s, 18, expect, sizeof(expect));
}

static void test_fixed_unit_attention(void **state)
{
	/* POWER ON, RESET, OR BUS DEVICE RESET OCCURRED: no SKS, no info */
	static const u8 expect[18] = {
		0x70, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, KTGT_KEY_UNIT_ATTENTION, 0x29, 0x00);
	build_check(false, &s, 18, expect, sizeof(expect));
}

static void test_desc_invalid_field_in_cdb(void **state)
{
	static const u8 expect[16] = {
		0x72, 0x05, 0x24, 0x00,			/* ILLEGAL REQUEST 24/00 */
		0x00, 0x00, 0x00,
		0x08,					/* additional length */
		0x02, 0x06, 0x00, 0x00,			/* sense key specific */
		0xcf, 0x00, 0x02, 0x00,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_invalid_cdb(&s, 2, 7);
	build_check(true, &s, 96, expect, sizeof(expect));
	build_check(true, &s, KTGT_SENSE_MAX_LEN, expect, sizeof(expect));
}

static void test_desc_information_and_field(void **state)
{
	/* MISCOMPARE at byte offset 0x123456789a, with a field pointer */
	static const u8 expect[28] = {
		0x72, 0x0e, 0x1d, 0x00, 0x00, 0x00, 0x00,
		0x14,					/* 12 + 8 */
		0x00, 0x0a, 0x80, 0x00,			/* information, VALID */
		0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a,
		0x02, 0x06, 0x00, 0x00,			/* sense key specific */
		0x80, 0xff, 0xfe, 0x00,			/* SKSV, field 0xfffe */
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, KTGT_KEY_MISCOMPARE, KTGT_ASC_MISCOMPARE, 0x00);
	ktgt_sense_set_info(&s, 0x123456789aULL);
	ktgt_sense_set_field(&s, false, 0xfffe, -1);
	build_check(true, &s, KTGT_SENSE_MAX_LEN, expect, sizeof(expect));
}

/*
 * EXTENDED COPY aborted in segment 0x0102 (SPC-4, errors detected during
 * processing of segment descriptors): the segment number is the third
 * and fourth bytes of COMMAND-SPECIFIC INFORMATION in both formats.
 */
static void test_fixed_copy_aborted_segment(void **state)
{
	static const u8 expect[18] = {
		0x70, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x01, 0x02,			/* CSI: segment */
		0x0d, 0x01, 0x00, 0x00, 0x00, 0x00,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, 0x0a /* COPY ABORTED */, 0x0d, 0x01);
	ktgt_sense_set_csi(&s, 0x0102);
	assert_true(s.has_csi);
	build_check(false, &s, 18, expect, sizeof(expect));
	/* Truncated inside the field: the bytes before it only. */
	build_check(false, &s, 11, expect, 11);
}

static void test_desc_copy_aborted_segment(void **state)
{
	static const u8 expect[20] = {
		0x72, 0x0a, 0x0d, 0x02, 0x00, 0x00, 0x00,
		0x0c,					/* 12 */
		0x01, 0x0a, 0x00, 0x00,			/* command-specific */
		0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, 0x0a /* COPY ABORTED */, 0x0d, 0x02);
	ktgt_sense_set_csi(&s, 0x0102);
	build_check(true, &s, 96, expect, sizeof(expect));
}

/* All three descriptors: information, command-specific, sense key specific. */
static void test_desc_all_descriptors(void **state)
{
	static const u8 expect[40] = {
		0x72, 0x0a, 0x26, 0x00, 0x00, 0x00, 0x00,
		0x20,					/* 12 + 12 + 8 */
		0x00, 0x0a, 0x80, 0x00,			/* information */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
		0x01, 0x0a, 0x00, 0x00,			/* command-specific */
		0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x06, 0x00, 0x00,			/* sense key specific */
		0x80, 0x00, 0x1c, 0x00,
	};
	static const u8 fixed[18] = {
		0xf0, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x07, 0x0a,
		0xaa, 0xbb, 0xcc, 0xdd, 0x26, 0x00, 0x00, 0x80, 0x00, 0x1c,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, 0x0a /* COPY ABORTED */, 0x26, 0x00);
	ktgt_sense_set_info(&s, 7);
	ktgt_sense_set_csi(&s, 0xaabbccdd);
	ktgt_sense_set_field(&s, false, 0x1c, -1);
	build_check(true, &s, KTGT_SENSE_MAX_LEN, expect, sizeof(expect));
	assert_int_equal(sizeof(expect), KTGT_SENSE_MAX_LEN);
	build_check(false, &s, 18, fixed, sizeof(fixed));
}

static void test_desc_information_64bit(void **state)
{
	static const u8 expect[20] = {
		0x72, 0x03, 0x11, 0x00, 0x00, 0x00, 0x00, 0x0c,
		0x00, 0x0a, 0x80, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, KTGT_KEY_MEDIUM_ERROR, 0x11, 0x00);
	ktgt_sense_set_info(&s, 0xfffffffffffffff0ULL);
	build_check(true, &s, 64, expect, sizeof(expect));
}

static void test_desc_plain(void **state)
{
	/* NOT READY, MEDIUM NOT PRESENT: header only */
	static const u8 expect[8] = {
		0x72, 0x02, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct ktgt_sense_info s;

	(void)state;
	ktgt_sense_set(&s, KTGT_KEY_NOT_READY, KTGT_ASC_MEDIUM_NOT_PRESENT, 0);
	build_check(true, &s, 8, expect, sizeof(expect));
	build_check(true, &s, 32, expect, sizeof(expect));
}

static void test_truncation(void **state)
{
	static const u8 fixed[18] = {
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0xcf, 0x00, 0x02,
	};
	static const u8 desc[16] = {
		0x72, 0x05, 0x24, 0x00, 0x00, 0x00, 0x00, 0x08,
		0x02, 0x06, 0x00, 0x00, 0xcf, 0x00, 0x02, 0x00,
	};
	struct ktgt_sense_info s;
	size_t len;

	(void)state;
	ktgt_sense_invalid_cdb(&s, 2, 7);
	/* Every length; the additional length still says the full size. */
	for (len = 0; len <= sizeof(fixed); len++)
		build_check(false, &s, len, fixed, len);
	for (len = 0; len <= sizeof(desc); len++)
		build_check(true, &s, len, desc, len);
	/* Larger buffers: nothing written past the sense. */
	{
		u8 buf[40];

		memset(buf, FILL, sizeof(buf));
		assert_int_equal(ktgt_sense_build(buf, sizeof(buf), false, &s),
				 18);
		assert_int_equal(buf[18], FILL);
		assert_int_equal(buf[39], FILL);
		memset(buf, FILL, sizeof(buf));
		assert_int_equal(ktgt_sense_build(buf, sizeof(buf), true, &s),
				 16);
		assert_int_equal(buf[16], FILL);
	}
}

static void test_helpers(void **state)
{
	struct ktgt_sense_info s;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	ktgt_sense_set(&s, KTGT_KEY_ABORTED_COMMAND, 0x47, 0x03);
	assert_int_equal(s.key, KTGT_KEY_ABORTED_COMMAND);
	assert_int_equal(s.asc, 0x47);
	assert_int_equal(s.ascq, 0x03);
	assert_false(s.has_field);
	assert_false(s.has_info);
	assert_false(s.has_csi);
	assert_int_equal(s.bit, -1);

	ktgt_sense_set_field(&s, true, 7, 9);	/* no such bit: none */
	assert_true(s.has_field);
	assert_true(s.cd);
	assert_int_equal(s.field, 7);
	assert_int_equal(s.bit, -1);
	ktgt_sense_set_field(&s, true, 7, 0);
	assert_int_equal(s.bit, 0);

	ktgt_sense_invalid_cdb(&s, 1, 4);
	assert_int_equal(s.key, KTGT_KEY_ILLEGAL_REQUEST);
	assert_int_equal(s.asc, KTGT_ASC_INVALID_FIELD_IN_CDB);
	assert_true(s.cd);
	assert_int_equal(s.field, 1);
	assert_int_equal(s.bit, 4);

	ktgt_sense_invalid_param(&s, 3, -1);
	assert_int_equal(s.asc, KTGT_ASC_INVALID_FIELD_IN_PARAM);
	assert_false(s.cd);
	assert_int_equal(s.bit, -1);
}

/* Out-of-range members are masked, never written past the SKS bytes. */
static void test_hostile_values(void **state)
{
	static const u8 fixed[18] = {
		0x70, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00,
		0x80, 0xff, 0xff,
	};
	struct ktgt_sense_info s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.key = 0xff;
	s.asc = 0xff;
	s.ascq = 0xff;
	s.has_field = true;
	s.field = 0xffff;
	s.bit = 100;
	build_check(false, &s, 18, fixed, sizeof(fixed));
	s.bit = -128;
	build_check(false, &s, 18, fixed, sizeof(fixed));
}

/* The decoder's errors, end to end. */
static void test_decoder_errors_encode(void **state)
{
	static const u8 lba_oor[18] = {
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const u8 bad_opcode[8] = {
		0x72, 0x05, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const u8 naca[16] = {
		0x72, 0x05, 0x24, 0x00, 0x00, 0x00, 0x00, 0x08,
		0x02, 0x06, 0x00, 0x00, 0xca, 0x00, 0x09, 0x00,
	};
	const struct ktgt_cdb_table *tbl = ktgt_cdb_table_for_type(0);
	struct ktgt_cdb_limits lim = { .block_size = 512 };
	u8 r10[10] = { 0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0 };
	u8 op[6] = { 0xff };
	struct ktgt_sense_info err;
	struct ktgt_cdb c;

	(void)state;
	assert_non_null(tbl);
	assert_int_equal(ktgt_cdb_decode(tbl, r10, 10, &lim, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, 0x1000, &err), -ERANGE);
	build_check(false, &err, 18, lba_oor, sizeof(lba_oor));

	assert_int_equal(ktgt_cdb_decode(tbl, op, 6, &lim, &c, &err), -EINVAL);
	build_check(true, &err, 96, bad_opcode, sizeof(bad_opcode));

	r10[9] = 0x04;
	assert_int_equal(ktgt_cdb_decode(tbl, r10, 10, &lim, &c, &err),
			 -EINVAL);
	build_check(true, &err, 96, naca, sizeof(naca));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_invalid_field_in_cdb),
		cmocka_unit_test(test_fixed_field_without_bit),
		cmocka_unit_test(test_fixed_invalid_field_in_param),
		cmocka_unit_test(test_fixed_information),
		cmocka_unit_test(test_fixed_information_too_wide),
		cmocka_unit_test(test_fixed_unit_attention),
		cmocka_unit_test(test_desc_invalid_field_in_cdb),
		cmocka_unit_test(test_desc_information_and_field),
		cmocka_unit_test(test_fixed_copy_aborted_segment),
		cmocka_unit_test(test_desc_copy_aborted_segment),
		cmocka_unit_test(test_desc_all_descriptors),
		cmocka_unit_test(test_desc_information_64bit),
		cmocka_unit_test(test_desc_plain),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_decoder_errors_encode),
	};

	return cmocka_run_group_tests_name("sense", tests, NULL, NULL);
}
