// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for ktgt-iscsid's policy code: CHAP refuses an empty
 * secret and equal secrets for both directions (chap.c, RFC 7143
 * 12.1.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "targets/iscsi/proto/text.h"
#include "tools/ktgt-iscsid/chap.h"

static void test_chap_secrets(void **state)
{
	static const u8 s1[] = "initiator-secret", s2[] = "target-secret-1";

	(void)state;
	assert_null(chap_check_secrets(s1, 16, NULL, 0));
	assert_null(chap_check_secrets(s1, 16, s2, 15));
	assert_non_null(chap_check_secrets(s1, 0, NULL, 0));
	assert_non_null(chap_check_secrets(s1, 0, s2, 15));
	assert_non_null(strstr(chap_check_secrets(s1, 16, s1, 16), "equal"));
	/* A prefix is another secret. */
	assert_null(chap_check_secrets(s1, 16, s1, 15));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chap_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
