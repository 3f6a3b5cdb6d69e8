// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for core/pr_data.c: the APTPL state file (round trip,
 * every truncation, every corrupted byte, each invalid field with a
 * valid checksum) and TransportIDs (iSCSI formats 00b/01b, FCP, SAS,
 * SRP, protocol Fh, their errors and field pointers) and the matching
 * of registrations to initiator ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pr_data.h"

/* ---- state file ---- */

static const struct ktgt_pr_file_reg regs[] = {
	{ .key = 0xa, .port = "local:a", .port_len = 7, .tgt = "a",
	  .tgt_len = 1, .proto = 0xf },
	{ .key = 0x1122334455667788ull,
	  .port = "iqn.2026-11.org.example:h1,i,0x23d000000001",
	  .port_len = 43, .tgt = "iqn.2026-11.org.example:t",
	  .tgt_len = 25, .proto = 0x5, .all_tg_pt = true },
	{ .key = 0xb, .port = "local:b", .port_len = 7, .tgt = "b",
	  .tgt_len = 1, .proto = 0xf },
};

/* Encode @n of regs with @h into a malloc'd buffer; its size in *len. */
static u8 *encode(const struct ktgt_pr_file_hdr *h, unsigned int n,
		  size_t *len)
{
	size_t total = KTGT_PR_FILE_HDR_LEN + 4, off;
	unsigned int i;
	u8 *buf;

	for (i = 0; i < n; i++)
		total += ktgt_pr_file_reg_len(&regs[i]);
	buf = malloc(total);
	assert_non_null(buf);
	off = ktgt_pr_file_put_hdr(buf, h, (u32)total);
	for (i = 0; i < n; i++)
		off += ktgt_pr_file_put_reg(buf + off, &regs[i]);
	assert_int_equal(off, total - 4);
	ktgt_pr_file_put_crc(buf, (u32)total);
	*len = total;
	return buf;
}

struct seen {
	unsigned int n;
	int fail_at;
};

static int check_reg(void *arg, const struct ktgt_pr_file_reg *r)
{
	struct seen *s = arg;
	const struct ktgt_pr_file_reg *w = &regs[s->n];

	if ((int)s->n == s->fail_at)
		return -ENOMEM;
	assert_true(s->n < 3);
	assert_true(r->key == w->key);
	assert_int_equal(r->proto, w->proto);
	assert_int_equal(r->all_tg_pt, w->all_tg_pt);
	assert_int_equal(r->port_len, w->port_len);
	assert_memory_equal(r->port, w->port, w->port_len);
	assert_int_equal(r->tgt_len, w->tgt_len);
	assert_memory_equal(r->tgt, w->tgt, w->tgt_len);
	s->n++;
	return 0;
}

static int no_reg(void *arg, const struct ktgt_pr_file_reg *r)
{
	(void)arg;
	(void)r;
	fail_msg("a registration was reported for an invalid file");
	return 0;
}

static void test_crc(void **state)
{
	(void)state;
	assert_int_equal(ktgt_pr_crc32((const u8 *)"123456789", 9),
			 0xcbf43926u);
	assert_int_equal(ktgt_pr_crc32(NULL, 0), 0);
}

static void test_file_roundtrip(void **state)
{
	struct ktgt_pr_file_hdr h = { .gen = 0x12345, .type = 6, .holder = 1,
				      .nr_regs = 3 }, got;
	struct seen s = { .fail_at = -1 };
	const char *why = NULL;
	size_t len;
	u8 *buf = encode(&h, 3, &len);

	(void)state;
	assert_memory_equal(buf, "KTGT-PR", 8);
	assert_int_equal(ktgt_pr_file_parse(buf, len, &got, check_reg, &s,
					    &why), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(got.gen, 0x12345);
	assert_int_equal(got.type, 6);
	assert_int_equal(got.holder, 1);
	assert_int_equal(got.nr_regs, 3);
	/* A callback's error stops the walk and is returned. */
	s.n = 0;
	s.fail_at = 1;
	assert_int_equal(ktgt_pr_file_parse(buf, len, &got, check_reg, &s,
					    &why), -ENOMEM);
	free(buf);

	/* No registrations, no reservation. */
	h = (struct ktgt_pr_file_hdr){ .gen = 7, .holder = KTGT_PR_NO_HOLDER };
	buf = encode(&h, 0, &len);
	assert_int_equal(len, KTGT_PR_FILE_HDR_LEN + 4);
	assert_int_equal(ktgt_pr_file_parse(buf, len, &got, no_reg, NULL,
					    &why), 0);
	assert_int_equal(got.gen, 7);
	assert_int_equal(got.nr_regs, 0);
	free(buf);
}

static void test_file_truncated_and_flipped(void **state)
{
	struct ktgt_pr_file_hdr h = { .gen = 3, .type = 1, .holder = 0,
				      .nr_regs = 3 }, got;
	const char *why;
	size_t len, i;
	u8 *buf = encode(&h, 3, &len), *copy;
	int bit;

	(void)state;
	for (i = 0; i < len; i++) {
		copy = malloc(i + 1);
		memcpy(copy, buf, i);
		why = NULL;
		assert_int_equal(ktgt_pr_file_parse(copy, i, &got, no_reg,
						    NULL, &why), -EINVAL);
		assert_non_null(why);
		free(copy);
	}
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (u8)(1 << bit);
			assert_int_equal(ktgt_pr_file_parse(buf, len, &got,
							    no_reg, NULL,
							    &why), -EINVAL);
			buf[i] ^= (u8)(1 << bit);
		}
	}
	/* One byte more. */
	copy = malloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = 0;
	assert_int_equal(ktgt_pr_file_parse(copy, len + 1, &got, no_reg, NULL,
					    &why), -EINVAL);
	free(copy);
	free(buf);
}

/* Corrupt byte @off of a valid file to @val, fix the CRC, expect @why. */
static void expect_invalid(const struct ktgt_pr_file_hdr *h, unsigned int n,
			   size_t off, u8 val, const char *want)
{
	struct ktgt_pr_file_hdr got;
	const char *why = NULL;
	size_t len;
	u8 *buf = encode(h, n, &len);

	buf[off] = val;
	ktgt_pr_file_put_crc(buf, (u32)len);
	assert_int_equal(ktgt_pr_file_parse(buf, len, &got, no_reg, NULL,
					    &why), -EINVAL);
	assert_string_equal(why, want);
	free(buf);
}

static void test_file_invalid_fields(void **state)
{
	struct ktgt_pr_file_hdr h = { .gen = 3, .type = 1, .holder = 0,
				      .nr_regs = 3 };
	struct ktgt_pr_file_hdr none = { .holder = KTGT_PR_NO_HOLDER,
					 .nr_regs = 3 };
	size_t r0 = KTGT_PR_FILE_HDR_LEN;
	size_t r1 = r0 + ktgt_pr_file_reg_len(&regs[0]);

	(void)state;
	expect_invalid(&h, 3, 0, 'k', "bad magic");
	expect_invalid(&h, 3, 9, 2, "unknown version");
	expect_invalid(&h, 3, 11, 1, "reserved fields set");
	expect_invalid(&h, 3, 21, 1, "reserved fields set");
	expect_invalid(&h, 3, 20, 2, "invalid reservation type");
	expect_invalid(&h, 3, 20, 9, "invalid reservation type");
	expect_invalid(&h, 3, 23, 3, "invalid reservation holder");
	expect_invalid(&none, 3, 23, 0xfe, "invalid reservation holder");
	expect_invalid(&none, 3, 25, 4, "truncated registration");
	expect_invalid(&none, 3, 25, 2, "trailing bytes");
	expect_invalid(&none, 3, 24, 0x10, "too many registrations");
	expect_invalid(&none, 3, r0 + 7, 0, "invalid registration");
	expect_invalid(&none, 3, r0 + 8, 0x10, "invalid registration");
	expect_invalid(&none, 3, r0 + 9, 2, "invalid registration");
	expect_invalid(&none, 3, r0 + 13, 0, "invalid registration");
	expect_invalid(&none, 3, r0 + 11, 0, "truncated registration");
	expect_invalid(&none, 3, r0 + 11, 0xff, "truncated registration");
	/* A NUL at the end of the second registration's port name. */
	expect_invalid(&none, 2, r1 + 12 + 42, 0, "invalid registration");
	/* local:b on b becomes local:a on a: a duplicate. */
	{
		struct ktgt_pr_file_hdr got;
		const char *why;
		size_t len;
		u8 *buf = encode(&none, 3, &len);
		size_t r2 = r1 + ktgt_pr_file_reg_len(&regs[1]);

		buf[r2 + 12 + 6] = 'a';
		buf[r2 + 12 + 7 + 2] = 'a';
		ktgt_pr_file_put_crc(buf, (u32)len);
		assert_int_equal(ktgt_pr_file_parse(buf, len, &got, no_reg,
						    NULL, &why), -EINVAL);
		assert_string_equal(why, "duplicate registration");
		free(buf);
	}
}

/* ---- TransportIDs ---- */

/* An iSCSI-style TransportID of @proto/@fmt carrying @s. */
static size_t tid_str(u8 *buf, u8 first, const char *s, u16 addl)
{
	memset(buf, 0, 4 + addl);
	buf[0] = first;
	buf[2] = (u8)(addl >> 8);
	buf[3] = (u8)addl;
	memcpy(buf + 4, s, strlen(s));
	return 4 + addl;
}

static void test_tid_iscsi(void **state)
{
	struct ktgt_pr_tid t;
	u8 buf[300];

	(void)state;
	tid_str(buf, 0x05, "iqn.2026-11.org.example:h1", 28);
	assert_int_equal(ktgt_pr_tid_parse(buf, 32, &t), 32);
	assert_int_equal(t.proto, 5);
	assert_int_equal(t.fmt, 0);
	assert_string_equal(t.name, "iqn.2026-11.org.example:h1");
	/* A longer buffer: only the TransportID is consumed. */
	assert_int_equal(ktgt_pr_tid_parse(buf, 200, &t), 32);
	/* Truncated. */
	assert_int_equal(ktgt_pr_tid_parse(buf, 31, &t), -EMSGSIZE);
	assert_int_equal(ktgt_pr_tid_parse(buf, 3, &t), -EMSGSIZE);

	tid_str(buf, 0x45, "iqn.x:h1,i,0x23D00000000A", 28);
	assert_int_equal(ktgt_pr_tid_parse(buf, 32, &t), 32);
	assert_int_equal(t.fmt, 1);
	assert_string_equal(t.name, "iqn.x:h1,i,0x23d00000000a");

	/* ADDITIONAL LENGTH: not a multiple of 4, too small. */
	tid_str(buf, 0x05, "iqn.x:h1", 22);
	assert_int_equal(ktgt_pr_tid_parse(buf, 26, &t), -EINVAL);
	assert_int_equal(t.err_off, 2);
	tid_str(buf, 0x05, "iqn.x", 16);
	assert_int_equal(ktgt_pr_tid_parse(buf, 20, &t), -EINVAL);
	/* No NUL within ADDITIONAL LENGTH. */
	tid_str(buf, 0x05, "iqn.2026-11.org.example:h1xx", 28);
	assert_int_equal(ktgt_pr_tid_parse(buf, 32, &t), -EINVAL);
	assert_int_equal(t.err_off, 31);
	/* Empty name. */
	tid_str(buf, 0x05, "", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
	assert_int_equal(t.err_off, 4);
	/* A space in the name. */
	tid_str(buf, 0x05, "iqn.x h1", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
	assert_int_equal(t.err_off, 9);
	/* Format 01b: separator and ISID. */
	tid_str(buf, 0x45, "iqn.x:h1", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
	tid_str(buf, 0x45, "iqn.x:h1,i,0x23d0000000", 24);
	assert_int_equal(ktgt_pr_tid_parse(buf, 28, &t), -EINVAL);
	tid_str(buf, 0x45, "iqn.x:h1,i,0x23d00000000g", 28);
	assert_int_equal(ktgt_pr_tid_parse(buf, 32, &t), -EINVAL);
	assert_int_equal(t.err_off, 4 + 24);
	tid_str(buf, 0x45, ",i,0x23d000000001", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
	/* Format 10b, reserved bits, unsupported protocol. */
	tid_str(buf, 0x85, "iqn.x:h1", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
	assert_int_equal(t.err_off, 0);
	tid_str(buf, 0x15, "iqn.x:h1", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
	assert_int_equal(t.err_bit, 5);
	tid_str(buf, 0x02, "iqn.x:h1", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
	assert_int_equal(t.err_off, 0);
	assert_int_equal(t.err_bit, 3);
	/* Protocol Fh (the local target): format 00b only. */
	tid_str(buf, 0x0f, "local:a", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), 24);
	assert_string_equal(t.name, "local:a");
	tid_str(buf, 0x4f, "local:a", 20);
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
}

static void test_tid_fixed(void **state)
{
	struct ktgt_pr_tid t;
	u8 buf[24] = { 0 }, out[24];
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		buf[8 + i] = (u8)(0x10 * i + i);
	buf[0] = 0x00;		/* FCP: N_PORT_NAME at 8 */
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), 24);
	assert_string_equal(t.name, "0011223344556677");
	assert_int_equal(ktgt_pr_tid_build(0, t.name, out), 24);
	assert_memory_equal(out, buf, 16);
	buf[0] = 0x04;		/* SRP: 16 bytes at 8 */
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), 24);
	assert_string_equal(t.name, "00112233445566778899aabbccddeeff");
	buf[0] = 0x06;		/* SAS: address at 4 */
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), 24);
	assert_string_equal(t.name, "0000000000112233");
	assert_int_equal(ktgt_pr_tid_parse(buf, 23, &t), -EMSGSIZE);
	buf[0] = 0x46;
	assert_int_equal(ktgt_pr_tid_parse(buf, 24, &t), -EINVAL);
}

static void test_tid_build(void **state)
{
	struct ktgt_pr_tid t;
	u8 buf[300];
	u32 n;

	(void)state;
	n = ktgt_pr_tid_build(5, "iqn.x:h1,i,0x23d000000001", buf);
	assert_int_equal(n, 4 + 28);
	assert_int_equal(buf[0], 0x45);
	assert_int_equal(ktgt_pr_tid_parse(buf, n, &t), (int)n);
	assert_string_equal(t.name, "iqn.x:h1,i,0x23d000000001");
	n = ktgt_pr_tid_build(0xf, "local:a", buf);
	assert_int_equal(n, 24);
	assert_int_equal(buf[0], 0x0f);
	assert_int_equal(ktgt_pr_tid_parse(buf, n, &t), 24);
	assert_string_equal(t.name, "local:a");
	assert_int_equal(ktgt_pr_tid_build(5, "iqn.x:h1", NULL), 24);
}

static void test_port_matches(void **state)
{
	(void)state;
	assert_true(ktgt_pr_port_matches("local:a", "local:a"));
	assert_false(ktgt_pr_port_matches("local:a", "local:ab"));
	assert_false(ktgt_pr_port_matches("local:ab", "local:a"));
	assert_true(ktgt_pr_port_matches("iqn.x:h1,i,0x23d000000001",
					 "iqn.x:h1,i,0x23d000000001"));
	assert_false(ktgt_pr_port_matches("iqn.x:h1,i,0x23d000000001",
					  "iqn.x:h1,i,0x23d000000002"));
	/* Format 00b: every ISID of the name. */
	assert_true(ktgt_pr_port_matches("iqn.x:h1",
					 "iqn.x:h1,i,0x23d000000002"));
	assert_false(ktgt_pr_port_matches("iqn.x:h",
					  "iqn.x:h1,i,0x23d000000002"));
	assert_false(ktgt_pr_port_matches("iqn.x:h1,i,0x23d000000001",
					  "iqn.x:h1"));
	assert_false(ktgt_pr_port_matches("iqn.x:h1", "iqn.x:h1,x"));
	/* iSCSI names are case-insensitive (RFC 3722). */
	assert_true(ktgt_pr_port_matches("iqn.X:Host,i,0x23D000000001",
					 "iqn.x:host,i,0x23d000000001"));
	assert_true(ktgt_pr_port_matches("IQN.x:HOST",
					 "iqn.x:host,i,0x23d000000002"));
	assert_false(ktgt_pr_port_matches("iqn.x:Host1",
					  "iqn.x:host2,i,0x23d000000002"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_truncated_and_flipped),
		cmocka_unit_test(test_file_invalid_fields),
		cmocka_unit_test(test_tid_iscsi),
		cmocka_unit_test(test_tid_fixed),
		cmocka_unit_test(test_tid_build),
		cmocka_unit_test(test_port_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
