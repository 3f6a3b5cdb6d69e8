// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the sense data length the pt_disk handler passes
 * on with a device's CHECK CONDITION (handlers/passthrough/pt_sense.c):
 * fixed and descriptor format by their header, short ones as they are;
 * vendor specific (7Fh) and reserved (74h-7Eh) response codes whole, as
 * the device returned them; no sense data (response code below 70h)
 * not at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../handlers/passthrough/pt_sense.h"

/* The kernel's SCSI_SENSE_BUFFERSIZE, what the midlayer hands over. */
#define SENSE_SIZE	96

/*
 * pt_sense_len() of a @size-byte buffer (exact size on the heap, so
 * that ASan sees any read past it) starting with @rc, ADDITIONAL SENSE
 * LENGTH @add at byte 7 if it has one, and @fill everywhere else.
 */
static unsigned int len_of(u8 rc, u8 add, u8 fill, unsigned int size)
{
	u8 *b = malloc(size ? size : 1);
	unsigned int n;

	assert_non_null(b);
	memset(b, fill, size ? size : 1);
	if (size)
		b[0] = rc;
	if (size > 7)
		b[7] = add;
	n = pt_sense_len(b, size);
	free(b);
	return n;
}

/* Fixed and descriptor format: 8 + ADDITIONAL SENSE LENGTH. */
static void test_standard(void **state)
{
	(void)state;
	assert_int_equal(len_of(0x70, 10, 0, SENSE_SIZE), 18);
	/* Bit 7 is fixed format's VALID (the INFORMATION field). */
	assert_int_equal(len_of(0xf0, 10, 0, SENSE_SIZE), 18);
	assert_int_equal(len_of(0x71, 10, 0, SENSE_SIZE), 18);
	assert_int_equal(len_of(0x72, 0, 0, SENSE_SIZE), 8);
	assert_int_equal(len_of(0x73, 20, 0, SENSE_SIZE), 28);
	/* The longest that fits, and longer: cut to the buffer. */
	assert_int_equal(len_of(0x72, 88, 0, SENSE_SIZE), 96);
	assert_int_equal(len_of(0x70, 0xff, 0, SENSE_SIZE), 96);
}

/* Short (no ASC) or malformed, but sense data: as the header says. */
static void test_short(void **state)
{
	(void)state;
	assert_int_equal(len_of(0x70, 0, 0x5a, SENSE_SIZE), 8);
	assert_int_equal(len_of(0x70, 2, 0x5a, SENSE_SIZE), 10);
	assert_int_equal(len_of(0x72, 3, 0x5a, SENSE_SIZE), 11);
	/* A buffer shorter than the header: what there is. */
	assert_int_equal(len_of(0x70, 0, 0x5a, 4), 4);
	assert_int_equal(len_of(0x72, 0, 0x5a, 7), 7);
	assert_int_equal(len_of(0x70, 10, 0x5a, 8), 8);
	assert_int_equal(len_of(0x70, 0, 0, 0), 0);
}

/* Vendor specific and reserved response codes: the whole buffer. */
static void test_vendor(void **state)
{
	static const u8 rc[] = { 0x7f, 0xff, 0x74, 0xf4, 0x75, 0x7e };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rc); i++) {
		if (len_of(rc[i], 0, 0x5a, SENSE_SIZE) != SENSE_SIZE)
			fail_msg("response code %02xh not passed whole", rc[i]);
		/* Byte 7 means nothing in them. */
		assert_int_equal(len_of(rc[i], 4, 0x5a, SENSE_SIZE),
				 SENSE_SIZE);
		assert_int_equal(len_of(rc[i], 4, 0x5a, 5), 5);
	}
}

/* No sense data: nothing, so that the handler reports its own. */
static void test_none(void **state)
{
	static const u8 rc[] = { 0x00, 0x80, 0x01, 0x6f, 0xef, 0x40 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rc); i++) {
		if (len_of(rc[i], 10, 0, SENSE_SIZE))
			fail_msg("response code %02xh passed on", rc[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_vendor),
		cmocka_unit_test(test_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
