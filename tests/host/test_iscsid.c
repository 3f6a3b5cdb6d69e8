// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for ktgt-iscsid's policy code: every log message is
 * printable ASCII whatever the network sent (log.c); CHAP refuses an
 * empty secret and equal secrets for both directions (chap.c, RFC 7143
 * 12.1.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/ktgt-iscsid/iscsid.h"
#include "tools/ktgt-iscsid/chap.h"

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(iscsid_escape(out, sizeof(out), "iqn.x:y z"), 9);
	assert_string_equal(out, "iqn.x:y z");
	iscsid_escape(out, sizeof(out), "a\nktgt-iscsid: forged\r");
	assert_string_equal(out, "a\\x0aktgt-iscsid: forged\\x0d");
	iscsid_escape(out, sizeof(out), "\x1b[2J\x7f");
	assert_string_equal(out, "\\x1b[2J\\x7f");
	iscsid_escape(out, sizeof(out), "back\\x0a \xc3\xa9\x9b");
	assert_string_equal(out, "back\\\\x0a \\xc3\\xa9\\x9b");
	/* Cut only between escapes, always terminated. */
	assert_int_equal(iscsid_escape(out, 6, "ab\ncd"), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(iscsid_escape(out, 7, "ab\ncd"), 6);
	assert_string_equal(out, "ab\\x0a");
	assert_int_equal(iscsid_escape(out, 8, "ab\ncd"), 7);
	assert_string_equal(out, "ab\\x0ac");
	assert_int_equal(iscsid_escape(out, 1, "abc"), 0);
	assert_string_equal(out, "");
}

/* What iscsid_log() writes to stderr for one message. */
static char *log_line(const char *name)
{
	static char buf[8192];
	int fds[2], saved;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fds[1], 2);
	iscsid_log(LOG_WARNING, "login of %s failed", name);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

static void test_log_one_line(void **state)
{
	char *l;

	(void)state;
	l = log_line("i\nktgt-iscsid: forged\x1b[2J");
	assert_string_equal(l, "ktgt-iscsid: login of i\\x0aktgt-iscsid: forged\\x1b[2J failed\n");
	assert_ptr_equal(strchr(l, '\n'), l + strlen(l) - 1);
	assert_null(strchr(l, '\x1b'));
}

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
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_log_one_line),
		cmocka_unit_test(test_chap_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
