// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for ktgt-iscsid's policy code: every log message is
 * printable ASCII whatever the network sent (log.c); the connection
 * limits evict the oldest login and the most idle discovery session and
 * refuse a host over its share, never touching a connection handed to
 * the kernel (limits.c); CHAP refuses an empty secret and equal secrets
 * for both directions (chap.c, RFC 7143 12.1.3).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/ktgt-iscsid/iscsid.h"
#include "tools/ktgt-iscsid/chap.h"

/* Globals the daemon's main.c defines. */
struct iscsid_config iscsid_cfg;
struct iscsid_slots iscsid_slots;

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

static void slot_init(struct iscsid_slot *slot, int fd, const char *host)
{
	memset(slot, 0, sizeof(*slot));
	slot->fd = fd;
	snprintf(slot->host, sizeof(slot->host), "%s", host);
}

/* Has the peer of a socketpair end been shut down? */
static bool shut(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static void test_slots_evict_oldest_login(void **state)
{
	struct iscsid_limits lim = { .max_logins = 3, .max_discovery = 2 };
	struct iscsid_slots s;
	struct iscsid_slot sl[5];
	char ev[ISCSID_HOST_LEN] = "";
	int sp[5][2], i;

	(void)state;
	iscsid_slots_init(&s, &lim);
	for (i = 0; i < 5; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]), 0);
	slot_init(&sl[0], sp[0][0], "192.0.2.1");
	slot_init(&sl[1], sp[1][0], "192.0.2.2");
	slot_init(&sl[2], sp[2][0], "192.0.2.3");
	assert_int_equal(iscsid_slot_admit(&s, &sl[0], 100, ev, sizeof(ev)), 0);
	assert_int_equal(iscsid_slot_admit(&s, &sl[1], 200, ev, sizeof(ev)), 0);
	assert_int_equal(iscsid_slot_admit(&s, &sl[2], 300, ev, sizeof(ev)), 0);
	assert_int_equal(s.nlogin, 3);
	/* A fourth: the oldest login (192.0.2.1) ends, the new one is in. */
	slot_init(&sl[3], sp[3][0], "192.0.2.4");
	assert_int_equal(iscsid_slot_admit(&s, &sl[3], 400, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "192.0.2.1");
	assert_int_equal(sl[0].state, ISCSID_SLOT_EVICTED);
	assert_true(shut(sp[0][1]));
	assert_false(shut(sp[1][1]));
	assert_int_equal(s.nlogin, 3);
	/* The evicted connection's thread ends: nothing is counted twice. */
	iscsid_slot_release(&s, &sl[0]);
	assert_int_equal(s.nlogin, 3);
	/* Handed to the kernel: no longer counted, never evicted. */
	assert_true(iscsid_slot_done(&s, &sl[1]));
	assert_int_equal(s.nlogin, 2);
	slot_init(&sl[4], sp[4][0], "192.0.2.5");
	assert_int_equal(iscsid_slot_admit(&s, &sl[4], 500, ev, sizeof(ev)), 0);
	assert_int_equal(iscsid_slot_admit(&s, &sl[0], 600, ev, sizeof(ev)), 1);
	assert_string_equal(ev, "192.0.2.3");
	assert_false(shut(sp[1][1]));
	assert_int_equal(sl[1].state, ISCSID_SLOT_DONE);
	/* An evicted login cannot go on to the kernel. */
	assert_false(iscsid_slot_done(&s, &sl[2]));
	assert_int_equal(iscsid_slot_discovery(&s, &sl[2], 700, ev, sizeof(ev)),
			 -ECONNABORTED);
	for (i = 0; i < 5; i++)
		iscsid_slot_release(&s, &sl[i]);
	assert_int_equal(s.nlogin, 0);
	assert_int_equal(s.ndiscovery, 0);
	assert_ptr_equal(s.head.next, &s.head);
	for (i = 0; i < 5; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
}

static void test_slots_discovery(void **state)
{
	struct iscsid_limits lim = { .max_logins = 2, .max_discovery = 2 };
	struct iscsid_slots s;
	struct iscsid_slot sl[4];
	char ev[ISCSID_HOST_LEN] = "";
	int sp[4][2], i;

	(void)state;
	iscsid_slots_init(&s, &lim);
	for (i = 0; i < 4; i++) {
		char host[32];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]), 0);
		snprintf(host, sizeof(host), "10.0.0.%d", i);
		slot_init(&sl[i], sp[i][0], host);
	}
	/* Discovery sessions leave the login slots free. */
	for (i = 0; i < 2; i++) {
		assert_int_equal(iscsid_slot_admit(&s, &sl[i], 10 * i, ev,
						   sizeof(ev)), 0);
		assert_int_equal(iscsid_slot_discovery(&s, &sl[i], 10 * i + 1,
						       ev, sizeof(ev)), 0);
	}
	assert_int_equal(s.nlogin, 0);
	assert_int_equal(s.ndiscovery, 2);
	/* A request keeps the first one busy: the second is the most idle. */
	iscsid_slot_touch(&s, &sl[0], 50);
	assert_int_equal(iscsid_slot_admit(&s, &sl[2], 60, ev, sizeof(ev)), 0);
	assert_int_equal(iscsid_slot_discovery(&s, &sl[2], 61, ev, sizeof(ev)),
			 1);
	assert_string_equal(ev, "10.0.0.1");
	assert_int_equal(sl[1].state, ISCSID_SLOT_EVICTED);
	assert_true(shut(sp[1][1]));
	assert_false(shut(sp[0][1]));
	assert_int_equal(s.ndiscovery, 2);
	/* Logins are counted apart: two fit beside two discovery sessions. */
	assert_int_equal(iscsid_slot_admit(&s, &sl[3], 70, ev, sizeof(ev)), 0);
	assert_int_equal(s.nlogin, 1);
	for (i = 0; i < 4; i++)
		iscsid_slot_release(&s, &sl[i]);
	assert_int_equal(s.nlogin, 0);
	assert_int_equal(s.ndiscovery, 0);
	for (i = 0; i < 4; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
}

static void test_slots_per_host(void **state)
{
	struct iscsid_limits lim = {
		.max_logins = 8, .max_discovery = 8, .max_per_host = 2,
	};
	struct iscsid_slots s;
	struct iscsid_slot sl[5];
	char ev[ISCSID_HOST_LEN] = "";
	int i;

	(void)state;
	iscsid_slots_init(&s, &lim);
	slot_init(&sl[0], -1, "2001:db8::1");
	slot_init(&sl[1], -1, "2001:db8::1");
	slot_init(&sl[2], -1, "2001:db8::1");
	slot_init(&sl[3], -1, "2001:db8::2");
	slot_init(&sl[4], -1, "2001:db8::1");
	assert_int_equal(iscsid_slot_admit(&s, &sl[0], 1, ev, sizeof(ev)), 0);
	assert_int_equal(iscsid_slot_admit(&s, &sl[1], 2, ev, sizeof(ev)), 0);
	/* Discovery sessions count too. */
	assert_int_equal(iscsid_slot_discovery(&s, &sl[1], 3, ev, sizeof(ev)),
			 0);
	assert_int_equal(iscsid_slot_admit(&s, &sl[2], 4, ev, sizeof(ev)),
			 -EMFILE);
	assert_int_equal(iscsid_slot_admit(&s, &sl[3], 5, ev, sizeof(ev)), 0);
	assert_int_equal(s.nlogin, 2);
	/* A connection handed to the kernel frees its host's share. */
	assert_true(iscsid_slot_done(&s, &sl[0]));
	assert_int_equal(iscsid_slot_admit(&s, &sl[4], 6, ev, sizeof(ev)), 0);
	for (i = 0; i < 5; i++)
		if (i != 2)
			iscsid_slot_release(&s, &sl[i]);
	assert_ptr_equal(s.head.next, &s.head);
	/* No limit per host. */
	lim.max_per_host = 0;
	iscsid_slots_init(&s, &lim);
	for (i = 0; i < 5; i++) {
		slot_init(&sl[i], -1, "192.0.2.9");
		assert_int_equal(iscsid_slot_admit(&s, &sl[i], i, ev,
						   sizeof(ev)), 0);
	}
	assert_int_equal(s.nlogin, 5);
	for (i = 0; i < 5; i++)
		iscsid_slot_release(&s, &sl[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_log_one_line),
		cmocka_unit_test(test_chap_secrets),
		cmocka_unit_test(test_slots_evict_oldest_login),
		cmocka_unit_test(test_slots_discovery),
		cmocka_unit_test(test_slots_per_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
