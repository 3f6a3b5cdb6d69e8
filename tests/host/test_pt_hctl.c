// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the pt_disk handler's scsi_device parser
 * (handlers/passthrough/pt_hctl.c): what /sys/class/scsi_device/ names
 * a device by is taken, anything else is EINVAL and leaves the result
 * alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../handlers/passthrough/pt_hctl.h"

static const struct {
	const char *s;
	u32 host, channel, id;
	u64 lun;
} good[] = {
	{ "0:0:0:0", 0, 0, 0, 0 },
	{ "2:0:1:3\n", 2, 0, 1, 3 },
	{ "10:2:31:16383", 10, 2, 31, 16383 },
	{ "4294967295:4294967295:4294967295:18446744073709551615",
	  0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffffffffffull },
	{ "007:0:0:08", 7, 0, 0, 8 },
};

static const char *const bad[] = {
	"", "\n", "\n\n", "0:0:0:0\n\n", "abc", "1:2:3", "1:2:3:", ":1:2:3",
	"1:2:3:4:5", "1::3:4", "-1:0:0:0", "+1:0:0:0", " 1:0:0:0",
	"1:0:0:0 ", "1 :0:0:0", "0x1:0:0:0", "1:0:0:0x", "1.0:0:0:0",
	"4294967296:0:0:0", "0:4294967296:0:0", "0:0:4294967296:0",
	"0:0:0:18446744073709551616", "0:0:0:99999999999999999999",
	"1;0;0;0",
};

static void test_good(void **state)
{
	struct pt_hctl h;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		memset(&h, 0xa5, sizeof(h));
		if (pt_hctl_parse(good[i].s, strlen(good[i].s), &h))
			fail_msg("'%s' refused", good[i].s);
		assert_int_equal(h.host, good[i].host);
		assert_int_equal(h.channel, good[i].channel);
		assert_int_equal(h.id, good[i].id);
		assert_true(h.lun == good[i].lun);
	}
}

static void test_bad(void **state)
{
	struct pt_hctl h, before;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&h, 0x5a, sizeof(h));
		before = h;
		if (pt_hctl_parse(bad[i], strlen(bad[i]), &h) != -EINVAL)
			fail_msg("'%s' not refused with EINVAL", bad[i]);
		assert_memory_equal(&h, &before, sizeof(h));
	}
}

/* The bytes are not NUL-terminated: nothing past @len is read. */
static void test_len(void **state)
{
	static const char s[] = "1:2:3:45";
	struct pt_hctl h;

	(void)state;
	assert_int_equal(pt_hctl_parse(s, strlen(s) - 1, &h), 0);
	assert_true(h.lun == 4);
	assert_int_equal(pt_hctl_parse(s, 6, &h), -EINVAL);
	assert_int_equal(pt_hctl_parse(s, 0, &h), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
