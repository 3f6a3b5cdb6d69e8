// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the block length pt_tape reads in a tape drive's
 * mode parameters (handlers/passthrough/pt_mode.c): the first block
 * descriptor's BLOCK LENGTH in the 6- and 10-byte forms (LONGLBA
 * included), no descriptor, and data cut short or malformed, which is
 * never read past its length (each buffer is on the heap at its exact
 * size, so that ASan sees any such read).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../handlers/passthrough/pt_mode.h"

/* pt_mode_block_len() of the first @len bytes of @src, copied exactly. */
static int parse(const u8 *src, u32 len, bool ten, u32 *bl)
{
	u8 *b = malloc(len ? len : 1);
	int ret;

	assert_non_null(b);
	memcpy(b, src, len);
	ret = pt_mode_block_len(b, len, ten, bl);
	free(b);
	return ret;
}

/* MODE SENSE(6): header, one descriptor (density 80h, 512), a page. */
static const u8 sense6[] = {
	0x0f, 0x00, 0x10, 0x08,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0x10, 0x02, 0x00, 0x00,
};

static void test_six(void **state)
{
	u32 bl = 7;
	u8 b[sizeof(sense6)];

	(void)state;
	assert_int_equal(parse(sense6, sizeof(sense6), false, &bl), 0);
	assert_int_equal(bl, 512);
	/* Exactly header and descriptor (allocation length 12, as st). */
	bl = 7;
	assert_int_equal(parse(sense6, 12, false, &bl), 0);
	assert_int_equal(bl, 512);
	/* Variable-block mode, and the largest length. */
	memcpy(b, sense6, sizeof(b));
	memset(b + 9, 0, 3);
	assert_int_equal(parse(b, sizeof(b), false, &bl), 0);
	assert_int_equal(bl, 0);
	memset(b + 9, 0xff, 3);
	assert_int_equal(parse(b, sizeof(b), false, &bl), 0);
	assert_int_equal(bl, 0xffffff);
	/* Two descriptors: the first one's. */
	b[3] = 16;
	b[11] = 0xfe;
	assert_int_equal(parse(b, sizeof(b), false, &bl), 0);
	assert_int_equal(bl, 0xfffffe);
}

static void test_ten(void **state)
{
	static const u8 s10[] = {
		0x00, 0x0e, 0x00, 0x10, 0x00, 0x00, 0x00, 0x08,
		0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	};
	u8 l[8 + 16];
	u32 bl = 7;

	(void)state;
	assert_int_equal(parse(s10, sizeof(s10), true, &bl), 0);
	assert_int_equal(bl, 65536);
	/* Cut inside the header or the descriptor. */
	assert_int_equal(parse(s10, 7, true, &bl), -EINVAL);
	assert_int_equal(parse(s10, 15, true, &bl), -EINVAL);
	/* LONGLBA: 16-byte descriptors, BLOCK LENGTH in bytes 12-15. */
	memset(l, 0, sizeof(l));
	l[4] = 0x01;
	l[7] = 16;
	l[8 + 12] = 0x01;
	l[8 + 15] = 0x02;
	assert_int_equal(parse(l, sizeof(l), true, &bl), 0);
	assert_int_equal(bl, 0x01000002);
	assert_int_equal(parse(l, sizeof(l) - 1, true, &bl), -EINVAL);
	/* LONGLBA with an 8-byte descriptor length: not a descriptor. */
	l[7] = 8;
	assert_int_equal(parse(l, sizeof(l), true, &bl), -EINVAL);
}

static void test_none(void **state)
{
	static const u8 dbd6[] = { 0x07, 0x00, 0x10, 0x00,
				   0x10, 0x02, 0x00, 0x00 };
	static const u8 dbd10[] = { 0x00, 0x06, 0x00, 0x10,
				    0x00, 0x00, 0x00, 0x00 };
	u32 bl = 7;

	(void)state;
	assert_int_equal(parse(dbd6, sizeof(dbd6), false, &bl), -ENOENT);
	assert_int_equal(parse(dbd10, sizeof(dbd10), true, &bl), -ENOENT);
	assert_int_equal(bl, 7);
}

/* Cut short, or a descriptor length that is no whole descriptor. */
static void test_bad(void **state)
{
	u8 b[sizeof(sense6)];
	u32 bl = 7, n;

	(void)state;
	for (n = 0; n < 12; n++)
		if (parse(sense6, n, false, &bl) != -EINVAL)
			fail_msg("%u bytes of MODE SENSE(6) data taken", n);
	for (n = 0; n < 8; n++)
		if (parse(sense6, n, true, &bl) != -EINVAL)
			fail_msg("%u bytes of MODE SENSE(10) data taken", n);
	memcpy(b, sense6, sizeof(b));
	for (n = 1; n < 256; n++) {
		if (n % 8 == 0)
			continue;
		b[3] = (u8)n;
		if (parse(b, sizeof(b), false, &bl) != -EINVAL)
			fail_msg("BLOCK DESCRIPTOR LENGTH %u taken", n);
	}
	/* A descriptor length past the data: the first one is there. */
	b[3] = 248;
	assert_int_equal(parse(b, sizeof(b), false, &bl), 0);
	assert_int_equal(bl, 512);
	/* ... but not when the data ends inside it. */
	assert_int_equal(parse(b, 11, false, &bl), -EINVAL);
	assert_int_equal(bl, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_six),
		cmocka_unit_test(test_ten),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
