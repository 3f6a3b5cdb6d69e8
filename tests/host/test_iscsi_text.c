// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the iSCSI text keys (targets/iscsi/proto/text.c):
 * parser limits, builder, value syntax, the RFC 7143 negotiation of
 * every operational key, ktgt-iscsid's CHAP digests against known
 * answers and against OpenSSL's one-shot functions, and the multi-PDU
 * text exchanges of targets/iscsi/proto/textseq.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "targets/iscsi/proto/iscsi_proto.h"
#include "targets/iscsi/proto/text.h"
#include "targets/iscsi/proto/textseq.h"
#include "tools/ktgt-iscsid/chap.h"

/* Build a data segment from "k=v" strings (each gets its NUL). */
static size_t seg(u8 *buf, const char *const *pairs)
{
	size_t n = 0;

	for (; *pairs; pairs++) {
		size_t l = strlen(*pairs) + 1;

		memcpy(buf + n, *pairs, l);
		n += l;
	}
	return n;
}

/* Find key in a built response; NULL if absent. */
static const char *resp_get(struct iscsi_text_buf *tb, const char *key)
{
	static u8 copy[16384];
	static struct iscsi_kv kvs[ISCSI_TEXT_MAX_PAIRS];
	unsigned int n, i;

	memcpy(copy, tb->buf, tb->len);
	assert_int_equal(iscsi_text_parse(copy, tb->len, kvs,
					  ISCSI_TEXT_MAX_PAIRS, &n), 0);
	for (i = 0; i < n; i++)
		if (!strcmp(kvs[i].key, key))
			return kvs[i].value;
	return NULL;
}

static void test_parse_ok(void **state)
{
	u8 buf[256];
	struct iscsi_kv kv[8];
	unsigned int n;
	const char *const p[] = { "InitiatorName=iqn.a:b", "A=", "X-y.z=1=2",
				  NULL };
	size_t len = seg(buf, p);

	(void)state;
	assert_int_equal(iscsi_text_parse(buf, len, kv, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(kv[0].key, "InitiatorName");
	assert_string_equal(kv[0].value, "iqn.a:b");
	assert_int_equal(kv[0].value_len, 7);
	assert_string_equal(kv[1].key, "A");
	assert_string_equal(kv[1].value, "");
	/* Only the first '=' separates. */
	assert_string_equal(kv[2].key, "X-y.z");
	assert_string_equal(kv[2].value, "1=2");
	/* A key twice, even with another value. */
	len = seg(buf, (const char *const []){ "A=1", "B=2", "A=1", NULL });
	assert_int_equal(iscsi_text_parse(buf, len, kv, 8, &n), -EEXIST);
	assert_int_equal(iscsi_text_parse(buf, 0, kv, 8, &n), 0);
	assert_int_equal(n, 0);
}

static void test_parse_padding(void **state)
{
	u8 buf[64] = "A=1\0B=2\0\0\0";
	struct iscsi_kv kv[4];
	unsigned int n;

	(void)state;
	assert_int_equal(iscsi_text_parse(buf, 11, kv, 4, &n), 0);
	assert_int_equal(n, 2);
	/* Garbage after padding is not padding. */
	memcpy(buf, "A=1\0\0C=3\0", 9);
	assert_int_equal(iscsi_text_parse(buf, 9, kv, 4, &n), -EINVAL);
}

static void test_parse_malformed(void **state)
{
	struct iscsi_kv kv[4];
	unsigned int n;
	u8 b1[] = "A=1\0B=2";		/* last pair without NUL */
	u8 b2[] = "NoEquals\0";
	u8 b3[] = "=value\0";
	u8 b4[] = "Bad Key=1\0";
	u8 b5[] = "A=1\0A=2\0";
	u8 b6[] = "A=1\0B=2\0C=3\0";

	(void)state;
	assert_int_equal(iscsi_text_parse(b1, sizeof(b1) - 1, kv, 4, &n),
			 -EINVAL);
	assert_int_equal(iscsi_text_parse(b2, sizeof(b2) - 1, kv, 4, &n),
			 -EINVAL);
	assert_int_equal(iscsi_text_parse(b3, sizeof(b3) - 1, kv, 4, &n),
			 -EINVAL);
	assert_int_equal(iscsi_text_parse(b4, sizeof(b4) - 1, kv, 4, &n),
			 -EINVAL);
	assert_int_equal(iscsi_text_parse(b5, sizeof(b5) - 1, kv, 4, &n),
			 -EEXIST);
	assert_int_equal(iscsi_text_parse(b6, sizeof(b6) - 1, kv, 2, &n),
			 -E2BIG);
	assert_int_equal(n, 0);
}

static void test_parse_limits(void **state)
{
	static u8 buf[ISCSI_TEXT_MAX_VALUE + 200];
	struct iscsi_kv kv[2];
	unsigned int n;
	size_t len;

	(void)state;
	/* 63-byte key ok, 64 not. */
	memset(buf, 'k', 63);
	memcpy(buf + 63, "=v", 3);
	assert_int_equal(iscsi_text_parse(buf, 66, kv, 2, &n), 0);
	assert_int_equal(kv[0].key_len, 63);
	memset(buf, 'k', 64);
	memcpy(buf + 64, "=v", 3);
	assert_int_equal(iscsi_text_parse(buf, 67, kv, 2, &n), -E2BIG);
	/* 8192-byte value ok, 8193 not. */
	memcpy(buf, "K=", 2);
	memset(buf + 2, 'v', ISCSI_TEXT_MAX_VALUE);
	len = 2 + ISCSI_TEXT_MAX_VALUE;
	buf[len++] = 0;
	assert_int_equal(iscsi_text_parse(buf, len, kv, 2, &n), 0);
	assert_int_equal(kv[0].value_len, ISCSI_TEXT_MAX_VALUE);
	memcpy(buf, "K=", 2);
	memset(buf + 2, 'v', ISCSI_TEXT_MAX_VALUE + 1);
	len = 3 + ISCSI_TEXT_MAX_VALUE;
	buf[len++] = 0;
	assert_int_equal(iscsi_text_parse(buf, len, kv, 2, &n), -E2BIG);
}

static void test_builder(void **state)
{
	u8 buf[32];
	struct iscsi_text_buf tb;
	const u8 bin[] = { 0x00, 0xab, 0x10 };

	(void)state;
	iscsi_text_init(&tb, buf, sizeof(buf));
	assert_int_equal(iscsi_text_add(&tb, "A", "b"), 0);
	assert_int_equal(iscsi_text_add_u32(&tb, "N", 4294967295u), 0);
	assert_int_equal(tb.len, 4 + 13);
	assert_memory_equal(buf, "A=b\0N=4294967295\0", 17);
	assert_int_equal(iscsi_text_add_hex(&tb, "H", bin, 3), 0);
	assert_memory_equal(buf + 17, "H=0x00ab10\0", 11);
	/* 28 used; a pair of 5 does not fit, and the error sticks. */
	assert_int_equal(iscsi_text_add(&tb, "B", "cc"), -ENOSPC);
	assert_int_equal(tb.len, 28);
	assert_int_equal(iscsi_text_add(&tb, "", ""), -ENOSPC);
}

static void test_numbers(void **state)
{
	u64 v;
	u8 b[8];
	size_t n;

	(void)state;
	assert_int_equal(iscsi_parse_number("262144", 16777215, &v), 0);
	assert_int_equal(v, 262144);
	assert_int_equal(iscsi_parse_number("0x1000", 16777215, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(iscsi_parse_number("0bAAEA", 16777215, &v), 0);
	assert_int_equal(v, 256);
	assert_int_equal(iscsi_parse_number("16777216", 16777215, &v),
			 -ERANGE);
	assert_int_equal(iscsi_parse_number("99999999999999999999999", 100,
					    &v), -ERANGE);
	assert_int_equal(iscsi_parse_number("", 100, &v), -EINVAL);
	assert_int_equal(iscsi_parse_number("12a", 100, &v), -EINVAL);
	assert_int_equal(iscsi_parse_number("-1", 100, &v), -EINVAL);
	assert_int_equal(iscsi_parse_binary("0xabc", b, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0xbc);
	assert_int_equal(iscsi_parse_binary("0bAQID", b, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(b[2], 3);
	assert_int_equal(iscsi_parse_binary("0bAQ==", b, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(iscsi_parse_binary("0bAQ=", b, 8, &n), -EINVAL);
	assert_int_equal(iscsi_parse_binary("0x", b, 8, &n), -EINVAL);
	assert_int_equal(iscsi_parse_binary("0xzz", b, 8, &n), -EINVAL);
	assert_int_equal(iscsi_parse_binary("abc", b, 8, &n), -EINVAL);
	assert_int_equal(iscsi_parse_binary("0x112233445566778899", b, 8, &n),
			 -E2BIG);
	assert_true(iscsi_list_has("CHAP,None", "None"));
	assert_false(iscsi_list_has("CHAP,Nonex", "None"));
}

static void target_defaults(struct iscsi_params *t)
{
	iscsi_params_rfc_defaults(t);
	t->header_digest = BIT(ISCSI_DIGEST_NONE) | BIT(ISCSI_DIGEST_CRC32C);
	t->data_digest = BIT(ISCSI_DIGEST_NONE);
	t->max_connections = 4;
	t->max_recv_dsl = 65536;
	t->max_burst = 1048576;
	t->first_burst = 262144;
	t->default_time2wait = 5;
	t->default_time2retain = 10;
	t->max_outstanding_r2t = 8;
	t->error_recovery_level = 0;
	t->initial_r2t = false;
	t->immediate_data = true;
	t->data_pdu_in_order = false;
}

static int negotiate(struct iscsi_neg *neg, const char *const *pairs,
		     bool first, struct iscsi_text_buf *tb, u8 *out,
		     size_t cap)
{
	static u8 in[16384];
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS];
	unsigned int n;
	size_t len = seg(in, pairs);

	assert_int_equal(iscsi_text_parse(in, len, kv, ISCSI_TEXT_MAX_PAIRS,
					  &n), 0);
	iscsi_text_init(tb, out, cap);
	return iscsi_neg_request(neg, kv, n, first, tb);
}

static void test_negotiate_operational(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[2048];
	const char *const req[] = {
		"InitiatorName=iqn.2026-11.org.example:init",
		"InitiatorAlias=host1",
		"SessionType=Normal",
		"TargetName=iqn.2026-11.org.example:tgt",
		"HeaderDigest=CRC32C,None",
		"DataDigest=CRC32C,None",
		"MaxConnections=65535",
		"InitialR2T=No",
		"ImmediateData=Yes",
		"MaxRecvDataSegmentLength=262144",
		"MaxBurstLength=16776192",
		"FirstBurstLength=131072",
		"DefaultTime2Wait=2",
		"DefaultTime2Retain=0",
		"MaxOutstandingR2T=1",
		"DataPDUInOrder=No",
		"DataSequenceInOrder=Yes",
		"ErrorRecoveryLevel=2",
		"IFMarker=No",
		"OFMarkInt=2048",
		"X-com.example.Foo=bar",
		NULL };

	(void)state;
	target_defaults(&t);
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, req, true, &tb, out, sizeof(out)), 0);
	assert_string_equal(neg.initiator_name,
			    "iqn.2026-11.org.example:init");
	assert_string_equal(neg.target_name, "iqn.2026-11.org.example:tgt");
	assert_string_equal(neg.initiator_alias, "host1");
	assert_false(neg.discovery);
	/* List: the first of the initiator's that the target accepts. */
	assert_string_equal(resp_get(&tb, "HeaderDigest"), "CRC32C");
	assert_string_equal(resp_get(&tb, "DataDigest"), "None");
	assert_int_equal(neg.res.header_digest, ISCSI_DIGEST_CRC32C);
	/* Min/max functions. */
	assert_string_equal(resp_get(&tb, "MaxConnections"), "4");
	assert_string_equal(resp_get(&tb, "MaxBurstLength"), "1048576");
	assert_string_equal(resp_get(&tb, "FirstBurstLength"), "131072");
	assert_string_equal(resp_get(&tb, "DefaultTime2Wait"), "5");
	assert_string_equal(resp_get(&tb, "DefaultTime2Retain"), "0");
	assert_string_equal(resp_get(&tb, "MaxOutstandingR2T"), "1");
	assert_string_equal(resp_get(&tb, "ErrorRecoveryLevel"), "0");
	/* OR / AND. */
	assert_string_equal(resp_get(&tb, "InitialR2T"), "No");
	assert_string_equal(resp_get(&tb, "ImmediateData"), "Yes");
	assert_string_equal(resp_get(&tb, "DataPDUInOrder"), "No");
	assert_string_equal(resp_get(&tb, "DataSequenceInOrder"), "Yes");
	/* Declarative: no answer, recorded as what we may send. */
	assert_null(resp_get(&tb, "MaxRecvDataSegmentLength"));
	assert_null(resp_get(&tb, "InitiatorName"));
	assert_int_equal(neg.res.max_xmit_dsl, 262144);
	assert_int_equal(neg.res.max_recv_dsl, 65536);
	/* Obsolete markers, unknown keys. */
	assert_string_equal(resp_get(&tb, "IFMarker"), "No");
	assert_string_equal(resp_get(&tb, "OFMarkInt"), "Reject");
	assert_string_equal(resp_get(&tb, "X-com.example.Foo"),
			    "NotUnderstood");
	assert_int_equal(neg.res.max_burst, 1048576);
	assert_int_equal(neg.res.first_burst, 131072);
	assert_int_equal(neg.res.max_connections, 4);
	assert_int_equal(neg.res.default_time2wait, 5);
	assert_int_equal(neg.res.default_time2retain, 0);
	assert_false(neg.res.initial_r2t);
	assert_true(neg.res.immediate_data);
	assert_false(neg.res.data_pdu_in_order);

	/* The target declares its MaxRecvDataSegmentLength, once. */
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_string_equal(resp_get(&tb, "MaxRecvDataSegmentLength"),
			    "65536");
	assert_false(iscsi_neg_pending(&neg));
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_int_equal(tb.len, 0);
}

static void test_negotiate_bool_and(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[512];
	const char *const req[] = { "ImmediateData=Yes", "InitialR2T=No",
				    "DataSequenceInOrder=No", NULL };

	(void)state;
	target_defaults(&t);
	t.immediate_data = false;
	t.initial_r2t = true;
	t.data_sequence_in_order = false;
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, req, true, &tb, out, sizeof(out)), 0);
	assert_string_equal(resp_get(&tb, "ImmediateData"), "No");
	assert_string_equal(resp_get(&tb, "InitialR2T"), "Yes");
	assert_string_equal(resp_get(&tb, "DataSequenceInOrder"), "No");
	assert_false(neg.res.immediate_data);
	assert_true(neg.res.initial_r2t);
}

static void test_negotiate_reject(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[512];
	const char *const req[] = { "MaxBurstLength=100",
				    "FirstBurstLength=0x2000000",
				    "MaxConnections=abc",
				    "InitialR2T=Maybe",
				    "DataDigest=MD5",
				    "ErrorRecoveryLevel=3",
				    "TargetAlias=foo",
				    "TargetAddress=1.2.3.4",
				    "SendTargets=All",
				    "MaxRecvDataSegmentLength=511",
				    NULL };

	(void)state;
	target_defaults(&t);
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, req, true, &tb, out, sizeof(out)), 0);
	assert_string_equal(resp_get(&tb, "MaxBurstLength"), "Reject");
	assert_string_equal(resp_get(&tb, "FirstBurstLength"), "Reject");
	assert_string_equal(resp_get(&tb, "MaxConnections"), "Reject");
	assert_string_equal(resp_get(&tb, "InitialR2T"), "Reject");
	assert_string_equal(resp_get(&tb, "DataDigest"), "Reject");
	assert_string_equal(resp_get(&tb, "ErrorRecoveryLevel"), "Reject");
	assert_string_equal(resp_get(&tb, "TargetAlias"), "Reject");
	assert_string_equal(resp_get(&tb, "TargetAddress"), "Reject");
	assert_string_equal(resp_get(&tb, "SendTargets"), "Reject");
	assert_string_equal(resp_get(&tb, "MaxRecvDataSegmentLength"),
			    "Reject");
	/* Rejected keys keep their defaults. */
	assert_int_equal(neg.res.max_burst, 262144);
	assert_int_equal(neg.res.max_xmit_dsl, 8192);
}

static void test_negotiate_discovery(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[512];
	/* SessionType last: the keys before it are still Irrelevant. */
	const char *const req[] = { "InitiatorName=iqn.x:y",
				    "MaxBurstLength=4096",
				    "ImmediateData=No",
				    "MaxConnections=1",
				    "DefaultTime2Wait=0",
				    "SessionType=Discovery", NULL };

	(void)state;
	target_defaults(&t);
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, req, true, &tb, out, sizeof(out)), 0);
	assert_true(neg.discovery);
	assert_string_equal(resp_get(&tb, "MaxBurstLength"), "Irrelevant");
	assert_string_equal(resp_get(&tb, "ImmediateData"), "Irrelevant");
	assert_string_equal(resp_get(&tb, "MaxConnections"), "Irrelevant");
	assert_string_equal(resp_get(&tb, "DefaultTime2Wait"), "5");
	assert_int_equal(neg.res.max_burst, 262144);
}

static void test_negotiate_protocol_errors(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[512];
	const char *const r1[] = { "MaxBurstLength=4096", NULL };
	const char *const r2[] = { "InitiatorName=iqn.x:y", NULL };
	const char *const r3[] = { "SessionType=Bogus", NULL };
	const char *const r4[] = { "InitiatorName=", NULL };

	(void)state;
	target_defaults(&t);
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, r1, true, &tb, out, sizeof(out)), 0);
	/* Negotiating a key a second time in one login. */
	assert_int_equal(negotiate(&neg, r1, false, &tb, out, sizeof(out)),
			 -EPROTO);
	/* A name after the first request. */
	assert_int_equal(negotiate(&neg, r2, false, &tb, out, sizeof(out)),
			 -EPROTO);
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, r3, true, &tb, out, sizeof(out)),
			 -EINVAL);
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, r4, true, &tb, out, sizeof(out)),
			 -EINVAL);
	/* Response that does not fit. */
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, r1, true, &tb, out, 4), -ENOSPC);
}

/* Names: printable ASCII without spaces; aliases may be UTF-8. */
static void test_negotiate_name_chars(void **state)
{
	static const char *const bad[] = {
		"InitiatorName=iqn.2026-11.org.example:caf\xc3\xa9",
		"InitiatorName=iqn.2026-11.org.example:\xff",
		"InitiatorName=\x80iqn.2026-11.org.example:init",
		"InitiatorName=iqn.2026-11.org.example:a b",
		"InitiatorName=iqn.2026-11.org.example:\x1b[2J",
		"TargetName=iqn.2026-11.org.example:t\xe2\x80\x8b",
		"SessionType=Normal\xc2\xa0",
	};
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[512];
	const char *req[3] = { NULL };
	unsigned int i;

	(void)state;
	target_defaults(&t);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		req[0] = bad[i];
		iscsi_neg_init(&neg, &t);
		if (negotiate(&neg, req, true, &tb, out, sizeof(out)) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
	/*
	 * Upper case and punctuation initiators are configured with: taken,
	 * and the name kept in its normal form (RFC 3722: lower case).
	 */
	req[0] = "InitiatorName=iqn.1991-05.com.Example:Host_1/a";
	req[1] = "InitiatorAlias=caf\xc3\xa9 host";
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, req, true, &tb, out, sizeof(out)), 0);
	assert_string_equal(neg.initiator_name,
			    "iqn.1991-05.com.example:host_1/a");
	assert_string_equal(neg.initiator_alias, "caf\xc3\xa9 host");
}

static void test_negotiate_target_offers(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[512];
	const char *const ans[] = { "MaxBurstLength=8192",
				    "ImmediateData=No",
				    "DefaultTime2Wait=30",
				    NULL };
	const char *const bad[] = { "HeaderDigest=None", NULL };

	(void)state;
	target_defaults(&t);
	t.max_burst = 65536;		/* below the default 262144 */
	t.immediate_data = false;	/* default Yes */
	t.default_time2wait = 30;	/* above the default 2 */
	t.header_digest = BIT(ISCSI_DIGEST_CRC32C);
	iscsi_neg_init(&neg, &t);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_string_equal(resp_get(&tb, "MaxBurstLength"), "65536");
	assert_string_equal(resp_get(&tb, "ImmediateData"), "No");
	assert_string_equal(resp_get(&tb, "DefaultTime2Wait"), "30");
	assert_string_equal(resp_get(&tb, "HeaderDigest"), "CRC32C");
	assert_null(resp_get(&tb, "MaxConnections"));
	assert_true(iscsi_neg_pending(&neg));
	/* Answers are folded in without replies. */
	assert_int_equal(negotiate(&neg, ans, false, &tb, out, sizeof(out)),
			 0);
	assert_int_equal(tb.len, 0);
	assert_int_equal(neg.res.max_burst, 8192);
	assert_false(neg.res.immediate_data);
	assert_int_equal(neg.res.default_time2wait, 30);
	assert_true(iscsi_neg_pending(&neg));
	/* Answering CRC32C with None is invalid. */
	assert_int_equal(negotiate(&neg, bad, false, &tb, out, sizeof(out)),
			 -EPROTO);
}

/* A target that requires more than the RFC defaults give. */
static void target_strict(struct iscsi_params *t)
{
	iscsi_params_rfc_defaults(t);
	t->header_digest = BIT(ISCSI_DIGEST_CRC32C);
	t->data_digest = BIT(ISCSI_DIGEST_CRC32C);
	t->max_recv_dsl = 65536;
	t->immediate_data = false;
	t->max_burst = 65536;
	t->first_burst = 8192;
	t->default_time2retain = 0;
}

/*
 * A value the target cannot take, for a key whose RFC default its
 * settings exclude: the login fails rather than let the default stand.
 */
static void test_negotiate_target_limits(void **state)
{
	static const char *const bad[] = {
		"HeaderDigest=None", "DataDigest=Bogus", "ImmediateData=Maybe",
		"MaxBurstLength=1", "FirstBurstLength=0",
		"DefaultTime2Retain=99999", "HeaderDigest=MD5,None",
	};
	const char *const good[] = { "HeaderDigest=None,CRC32C",
				     "DataDigest=CRC32C",
				     "ImmediateData=Yes",
				     "MaxBurstLength=262144",
				     "FirstBurstLength=65536",
				     "DefaultTime2Retain=20",
				     "InitialR2T=Maybe",
				     "MaxConnections=0",
				     NULL };
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	unsigned int i;
	u8 out[512];

	(void)state;
	target_strict(&t);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *const req[] = { bad[i], NULL };

		iscsi_neg_init(&neg, &t);
		if (negotiate(&neg, req, true, &tb, out, sizeof(out)) !=
		    -EPROTO)
			fail_msg("%s: not refused", bad[i]);
	}
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, good, true, &tb, out, sizeof(out)),
			 0);
	assert_string_equal(resp_get(&tb, "HeaderDigest"), "CRC32C");
	assert_string_equal(resp_get(&tb, "DataDigest"), "CRC32C");
	assert_string_equal(resp_get(&tb, "ImmediateData"), "No");
	assert_string_equal(resp_get(&tb, "MaxBurstLength"), "65536");
	assert_string_equal(resp_get(&tb, "FirstBurstLength"), "8192");
	assert_string_equal(resp_get(&tb, "DefaultTime2Retain"), "0");
	/* Defaults the target accepts may stand after a Reject. */
	assert_string_equal(resp_get(&tb, "InitialR2T"), "Reject");
	assert_string_equal(resp_get(&tb, "MaxConnections"), "Reject");
	assert_int_equal(neg.res.header_digest, ISCSI_DIGEST_CRC32C);
	assert_int_equal(neg.res.data_digest, ISCSI_DIGEST_CRC32C);
	assert_false(neg.res.immediate_data);
	assert_true(neg.res.initial_r2t);
	assert_int_equal(neg.res.max_burst, 65536);
	assert_int_equal(neg.res.first_burst, 8192);
	assert_int_equal(neg.res.default_time2retain, 0);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_false(iscsi_neg_pending(&neg));
}

/*
 * The target's offers answered with a constant or a value the offer does
 * not admit: the login fails. A constant as a proposal is ignored, the
 * target's value still offered.
 */
static void test_negotiate_offer_answers(void **state)
{
	static const char *const keys[] = {
		"HeaderDigest", "DataDigest", "ImmediateData",
		"MaxBurstLength", "FirstBurstLength", "DefaultTime2Retain",
	};
	static const char *const constants[] = {
		"Reject", "Irrelevant", "NotUnderstood",
	};
	static const char *const inadmissible[] = {
		"HeaderDigest=None", "ImmediateData=Yes",
		"MaxBurstLength=131072", "FirstBurstLength=65536",
		"DefaultTime2Retain=1", "DefaultTime2Wait=1",
	};
	const char *const fine[] = { "HeaderDigest=CRC32C",
				     "DataDigest=CRC32C", "ImmediateData=No",
				     "MaxBurstLength=16384",
				     "FirstBurstLength=4096",
				     "DefaultTime2Retain=0",
				     "DefaultTime2Wait=10", NULL };
	const char *const constant_offer[] = { "ImmediateData=Reject",
					       "HeaderDigest=Irrelevant",
					       NULL };
	const char *const fb_irrelevant[] = { "FirstBurstLength=Irrelevant",
					      "ImmediateData=No", NULL };
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	unsigned int i, j;
	char kv[64];
	u8 out[512];

	(void)state;
	target_strict(&t);
	t.default_time2wait = 10;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		for (j = 0; j < ARRAY_SIZE(constants); j++) {
			const char *const req[] = { kv, NULL };

			snprintf(kv, sizeof(kv), "%s=%s", keys[i],
				 constants[j]);
			if (!strcmp(kv, "FirstBurstLength=Irrelevant"))
				continue;	/* below */
			iscsi_neg_init(&neg, &t);
			iscsi_text_init(&tb, out, sizeof(out));
			assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
			if (!resp_get(&tb, keys[i]))
				fail_msg("%s: not offered", keys[i]);
			if (negotiate(&neg, req, false, &tb, out,
				      sizeof(out)) != -EPROTO)
				fail_msg("%s answering the offer accepted",
					 kv);
		}
	}
	for (i = 0; i < ARRAY_SIZE(inadmissible); i++) {
		const char *const req[] = { inadmissible[i], NULL };

		iscsi_neg_init(&neg, &t);
		iscsi_text_init(&tb, out, sizeof(out));
		assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
		if (negotiate(&neg, req, false, &tb, out, sizeof(out)) !=
		    -EPROTO)
			fail_msg("%s answering the offer accepted",
				 inadmissible[i]);
	}
	iscsi_neg_init(&neg, &t);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_string_equal(resp_get(&tb, "DefaultTime2Wait"), "10");
	assert_int_equal(negotiate(&neg, fine, false, &tb, out, sizeof(out)),
			 0);
	assert_int_equal(tb.len, 0);
	assert_false(iscsi_neg_pending(&neg));
	assert_int_equal(neg.res.max_burst, 16384);
	assert_int_equal(neg.res.first_burst, 4096);
	assert_int_equal(neg.res.default_time2wait, 10);

	/* A constant proposed: no answer, the key still offered. */
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, constant_offer, true, &tb, out,
				   sizeof(out)), 0);
	assert_int_equal(tb.len, 0);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_string_equal(resp_get(&tb, "ImmediateData"), "No");
	assert_string_equal(resp_get(&tb, "HeaderDigest"), "CRC32C");

	/*
	 * FirstBurstLength=Irrelevant: right when InitialR2T=Yes and
	 * ImmediateData=No (RFC 7143 13.14), as the target imposes here.
	 */
	iscsi_neg_init(&neg, &t);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_int_equal(negotiate(&neg, fb_irrelevant, false, &tb, out,
				   sizeof(out)), 0);
	iscsi_neg_finish(&neg);
	assert_int_equal(neg.res.first_burst, 8192);
	t.initial_r2t = false;
	iscsi_neg_init(&neg, &t);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_int_equal(negotiate(&neg, fb_irrelevant, false, &tb, out,
				   sizeof(out)), -EPROTO);
}

/*
 * FirstBurstLength never above MaxBurstLength (RFC 7143 13.14): the
 * value answered is the value used, whatever the order of the keys.
 */
static void test_negotiate_first_burst(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[512];
	const char *const req[] = { "FirstBurstLength=65536",
				    "MaxBurstLength=4096", NULL };
	const char *const fb[] = { "FirstBurstLength=65536", NULL };
	const char *const fb_imm[] = { "FirstBurstLength=65536",
				       "ImmediateData=No", NULL };
	const char *const mb[] = { "MaxBurstLength=4096", NULL };
	const char *const mb16[] = { "MaxBurstLength=16384", NULL };
	const char *const ans[] = { "MaxBurstLength=8192",
				    "FirstBurstLength=16384", NULL };

	(void)state;
	target_defaults(&t);
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, req, true, &tb, out, sizeof(out)), 0);
	assert_string_equal(resp_get(&tb, "MaxBurstLength"), "4096");
	assert_string_equal(resp_get(&tb, "FirstBurstLength"), "4096");
	assert_int_equal(neg.res.max_burst, 4096);
	assert_int_equal(neg.res.first_burst, 4096);

	/* MaxBurstLength alone: FirstBurstLength is offered to match. */
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, mb16, true, &tb, out, sizeof(out)),
			 0);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_string_equal(resp_get(&tb, "FirstBurstLength"), "16384");
	assert_true(iscsi_neg_pending(&neg));

	/* FirstBurstLength agreed, then a smaller MaxBurstLength. */
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, fb, true, &tb, out, sizeof(out)), 0);
	assert_string_equal(resp_get(&tb, "FirstBurstLength"), "65536");
	assert_int_equal(negotiate(&neg, mb, false, &tb, out, sizeof(out)),
			 -EPROTO);

	/*
	 * Where FirstBurstLength does not matter (InitialR2T=Yes,
	 * ImmediateData=No), a smaller MaxBurstLength later is fine: the
	 * value is lowered at the end.
	 */
	t.initial_r2t = true;
	t.immediate_data = false;
	iscsi_neg_init(&neg, &t);
	assert_int_equal(negotiate(&neg, fb_imm, true, &tb, out, sizeof(out)),
			 0);
	assert_int_equal(negotiate(&neg, mb, false, &tb, out, sizeof(out)), 0);
	iscsi_neg_finish(&neg);
	assert_int_equal(neg.res.max_burst, 4096);
	assert_int_equal(neg.res.first_burst, 4096);
	t.initial_r2t = false;
	t.immediate_data = true;

	/* Both offered by the target, answered inconsistently. */
	t.max_burst = 65536;
	t.first_burst = 16384;
	iscsi_neg_init(&neg, &t);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_string_equal(resp_get(&tb, "MaxBurstLength"), "65536");
	assert_string_equal(resp_get(&tb, "FirstBurstLength"), "16384");
	assert_int_equal(negotiate(&neg, ans, false, &tb, out, sizeof(out)),
			 -EPROTO);
}

/*
 * A login adding a connection to a session (TSIH not 0): the keys of Use
 * LO are answered Irrelevant, never offered; the connection's keys are
 * negotiated as usual.
 */
static void test_negotiate_non_leading(void **state)
{
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	u8 out[1024];
	const char *const req[] = {
		"InitiatorName=iqn.2026-11.org.example:init",
		"TargetName=iqn.2026-11.org.example:tgt",
		"HeaderDigest=None,CRC32C", "DataDigest=CRC32C",
		"MaxRecvDataSegmentLength=16384",
		"InitialR2T=No", "ImmediateData=Yes", "MaxConnections=8",
		"MaxBurstLength=1048576", "FirstBurstLength=1048576",
		"DefaultTime2Wait=0", "DefaultTime2Retain=3600",
		"MaxOutstandingR2T=16", "DataPDUInOrder=No",
		"DataSequenceInOrder=No", "ErrorRecoveryLevel=2", NULL };
	static const char *const lo[] = {
		"InitialR2T", "ImmediateData", "MaxConnections",
		"MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait",
		"DefaultTime2Retain", "MaxOutstandingR2T", "DataPDUInOrder",
		"DataSequenceInOrder", "ErrorRecoveryLevel",
	};
	struct iscsi_params def;
	unsigned int i;

	(void)state;
	target_strict(&t);
	iscsi_params_rfc_defaults(&def);
	iscsi_neg_init(&neg, &t);
	neg.non_leading = true;
	assert_int_equal(negotiate(&neg, req, true, &tb, out, sizeof(out)), 0);
	for (i = 0; i < ARRAY_SIZE(lo); i++)
		if (strcmp(resp_get(&tb, lo[i]) ?: "", "Irrelevant"))
			fail_msg("%s answered %s", lo[i],
				 resp_get(&tb, lo[i]) ?: "nothing");
	assert_string_equal(resp_get(&tb, "HeaderDigest"), "CRC32C");
	assert_string_equal(resp_get(&tb, "DataDigest"), "CRC32C");
	assert_int_equal(neg.res.max_xmit_dsl, 16384);
	/* The session's values stand: nothing negotiated here. */
	assert_true(neg.res.immediate_data == def.immediate_data);
	assert_true(neg.res.initial_r2t == def.initial_r2t);
	assert_int_equal(neg.res.max_burst, def.max_burst);
	assert_int_equal(neg.res.first_burst, def.first_burst);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_false(iscsi_neg_pending(&neg));

	/* Offers: the connection's keys only. */
	iscsi_neg_init(&neg, &t);
	neg.non_leading = true;
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_neg_offers(&neg, &tb), 0);
	assert_string_equal(resp_get(&tb, "HeaderDigest"), "CRC32C");
	assert_string_equal(resp_get(&tb, "DataDigest"), "CRC32C");
	for (i = 0; i < ARRAY_SIZE(lo); i++)
		if (resp_get(&tb, lo[i]))
			fail_msg("%s offered in a non-leading login", lo[i]);
}

/* Keys of a full-feature-phase Text Request (RFC 7143 6.2, 13). */
static void test_ffp_keys(void **state)
{
	u8 req[] = "SendTargets=All\0MaxRecvDataSegmentLength=1024\0"
		   "X-com.example.v=1\0InitialR2T=No\0TargetAlias=x\0"
		   "Unknown.key=y";
	static const u8 want[] = "X-com.example.v=NotUnderstood\0"
				 "InitialR2T=Reject\0TargetAlias=Reject\0"
				 "Unknown.key=NotUnderstood";
	static const char *const bad[] = { "511", "16777216", "0x", "abc" };
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS];
	struct iscsi_text_buf tb;
	unsigned int n, i;
	u32 mrdsl = 8192;
	u8 out[256];

	(void)state;
	assert_int_equal(iscsi_text_parse(req, sizeof(req), kv,
					  ISCSI_TEXT_MAX_PAIRS, &n), 0);
	assert_int_equal(n, 6);
	iscsi_text_init(&tb, out, sizeof(out));
	assert_int_equal(iscsi_text_ffp_key(&kv[0], &mrdsl, &tb),
			 ISCSI_KEY_SEND_TARGETS);
	assert_int_equal(tb.len, 0);
	assert_int_equal(iscsi_text_ffp_key(&kv[1], &mrdsl, &tb),
			 ISCSI_KEY_MAX_RECV_DSL);
	assert_int_equal(mrdsl, 1024);
	assert_int_equal(tb.len, 0);
	assert_int_equal(iscsi_text_ffp_key(&kv[2], &mrdsl, &tb),
			 ISCSI_KEY_UNKNOWN);
	for (i = 3; i < n; i++)
		iscsi_text_ffp_key(&kv[i], &mrdsl, &tb);
	assert_int_equal(tb.err, 0);
	assert_int_equal(tb.len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));

	/* Out of range or malformed: Reject, the old value kept. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct iscsi_kv k = {
			.key = "MaxRecvDataSegmentLength", .key_len = 24,
			.value = bad[i], .value_len = strlen(bad[i]),
		};

		iscsi_text_init(&tb, out, sizeof(out));
		iscsi_text_ffp_key(&k, &mrdsl, &tb);
		assert_int_equal(mrdsl, 1024);
		assert_int_equal(tb.len, sizeof("MaxRecvDataSegmentLength=Reject"));
		assert_memory_equal(out, "MaxRecvDataSegmentLength=Reject",
				    tb.len);
	}
}

/* CHAP: known answers (Python hashlib) and OpenSSL's EVP_Q_digest(). */
static const u8 chap_secret[] = "topsecret12";

static void chap_challenge(u8 *c)
{
	int i;

	for (i = 0; i < 16; i++)
		c[i] = i;
}

static void hex2bin(const char *h, u8 *out)
{
	size_t n;

	assert_int_equal(iscsi_parse_binary(h, out, CHAP_MAX_DIGEST, &n), 0);
}

static void test_chap_known_answers(void **state)
{
	static const struct {
		int alg;
		const char *hex;
	} kat[] = {
		{ CHAP_A_MD5, "0xf973427ad694e2e66341b4327c0f7725" },
		{ CHAP_A_SHA1, "0x9734509e7c19171b115b2405eb00ea45f4a2eb34" },
		{ CHAP_A_SHA256,
		  "0xaeb96aa4171bec24ed9055c28739b860c63486db36338019a233dee5542cdd83" },
		{ CHAP_A_SHA3_256,
		  "0x9faae1e3b10830d2030bb9537d5979e177014986a8ad0080df9d0a1d35e9e8c0" },
	};
	u8 c[16], got[CHAP_MAX_DIGEST], want[CHAP_MAX_DIGEST];
	size_t i;
	int len;

	(void)state;
	chap_challenge(c);
	for (i = 0; i < ARRAY_SIZE(kat); i++) {
		len = chap_response(kat[i].alg, 0x2a, chap_secret,
				    sizeof(chap_secret) - 1, c, 16, got);
		assert_int_equal(len, chap_digest_len(kat[i].alg));
		hex2bin(kat[i].hex, want);
		assert_memory_equal(got, want, len);
		assert_true(chap_verify(kat[i].alg, 0x2a, chap_secret,
					sizeof(chap_secret) - 1, c, 16,
					want, len));
		/* Wrong id, wrong secret, truncated response. */
		assert_false(chap_verify(kat[i].alg, 0x2b, chap_secret,
					 sizeof(chap_secret) - 1, c, 16,
					 want, len));
		assert_false(chap_verify(kat[i].alg, 0x2a, chap_secret,
					 sizeof(chap_secret) - 2, c, 16,
					 want, len));
		assert_false(chap_verify(kat[i].alg, 0x2a, chap_secret,
					 sizeof(chap_secret) - 1, c, 16,
					 want, len - 1));
	}
}

static void test_chap_vs_openssl_oneshot(void **state)
{
	u8 msg[1 + 64 + 32], c[32], got[CHAP_MAX_DIGEST], want[64];
	size_t sl = 64;
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		c[i] = 0xa0 + i;
	msg[0] = 7;
	memset(msg + 1, 'S', sl);
	memcpy(msg + 1 + sl, c, 32);
	static const struct {
		int alg;
		const char *name;
	} algs[] = {
		{ CHAP_A_MD5, "MD5" }, { CHAP_A_SHA1, "SHA1" },
		{ CHAP_A_SHA256, "SHA256" }, { CHAP_A_SHA3_256, "SHA3-256" },
	};
	for (i = 0; i < 4; i++) {
		size_t wl = 0;

		assert_int_equal(EVP_Q_digest(NULL, algs[i].name, NULL, msg,
					      sizeof(msg), want, &wl), 1);
		assert_int_equal(chap_response(algs[i].alg, 7, msg + 1, sl, c,
					       32, got), (int)wl);
		assert_memory_equal(got, want, wl);
	}
}

static void test_chap_pick_alg(void **state)
{
	u8 out[CHAP_MAX_DIGEST];

	(void)state;
	assert_int_equal(chap_pick_alg("5"), CHAP_A_MD5);
	assert_int_equal(chap_pick_alg("8,7,6,5"), CHAP_A_SHA3_256);
	assert_int_equal(chap_pick_alg("99,7,5"), CHAP_A_SHA256);
	assert_int_equal(chap_pick_alg("1,2,3"), -1);
	assert_int_equal(chap_pick_alg("5x,x6,,6"), CHAP_A_SHA1);
	assert_int_equal(chap_pick_alg(""), -1);
	assert_int_equal(chap_digest_len(4), -1);
	assert_int_equal(chap_response(4, 1, chap_secret, 1, chap_secret, 1,
				       out), -1);
}

/* Where pieces of a long response end. */
static void test_text_cut(void **state)
{
	static const u8 seg3[] = "a=1\0bb=22\0ccc=333\0";	/* 4+6+8 */
	u8 big[600];

	(void)state;
	assert_int_equal(iscsi_text_cut(seg3, 18, 18), 18);
	assert_int_equal(iscsi_text_cut(seg3, 18, 100), 18);
	/* after a whole pair if one fits */
	assert_int_equal(iscsi_text_cut(seg3, 18, 17), 10);
	assert_int_equal(iscsi_text_cut(seg3, 18, 10), 10);
	assert_int_equal(iscsi_text_cut(seg3, 18, 9), 4);
	assert_int_equal(iscsi_text_cut(seg3, 18, 4), 4);
	/* a pair longer than a PDU is cut inside */
	assert_int_equal(iscsi_text_cut(seg3, 18, 3), 3);
	assert_int_equal(iscsi_text_cut(seg3 + 4, 14, 5), 5);
	assert_int_equal(iscsi_text_cut(seg3, 18, 0), 1);
	assert_int_equal(iscsi_text_cut(seg3, 0, 512), 0);
	memset(big, 'v', sizeof(big));
	assert_int_equal(iscsi_text_cut(big, sizeof(big), 512), 512);
	big[100] = 0;
	big[511] = 0;
	assert_int_equal(iscsi_text_cut(big, sizeof(big), 512), 512);
	big[511] = 'v';
	assert_int_equal(iscsi_text_cut(big, sizeof(big), 512), 101);
}

/* A long response in pieces: C and a TTT on all but the last. */
static void test_tseq_response_pieces(void **state)
{
	struct iscsi_tseq ts;
	u8 rsp[2000], flags, got[2000];
	u32 off = 99, ttt, n, total = 0, pieces = 0, first_ttt;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++)
		rsp[i] = i % 50 == 49 ? 0 : 'a' + i % 26;
	iscsi_tseq_init(&ts, 1000, 7);
	assert_int_equal(iscsi_tseq_rx(&ts, 0x10, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_FINAL, 16, &off),
			 ISCSI_TSEQ_DONE);
	assert_int_equal(off, 0);
	assert_int_equal(ts.req_len, 16);
	first_ttt = ts.ttt;
	assert_int_equal(first_ttt, 7);
	iscsi_tseq_respond(&ts, sizeof(rsp));
	for (;;) {
		n = iscsi_tseq_next(&ts, rsp, 512, &off, &flags, &ttt);
		assert_true(n <= 512);
		assert_int_equal(off, total);
		memcpy(got + total, rsp + off, n);
		total += n;
		pieces++;
		if (flags & ISCSI_FLAG_TEXT_CONTINUE) {
			assert_false(flags & ISCSI_FLAG_FINAL);
			assert_int_equal(ttt, first_ttt);
			assert_int_equal(n % 50, 0);	/* after a pair */
			/* the initiator asks for more: empty, same ITT/TTT */
			assert_int_equal(iscsi_tseq_rx(&ts, 0x10, ttt,
						       ISCSI_FLAG_FINAL, 0,
						       &off), ISCSI_TSEQ_NEXT);
			continue;
		}
		assert_int_equal(flags, ISCSI_FLAG_FINAL);
		assert_int_equal(ttt, ISCSI_RSVD_TAG);
		break;
	}
	assert_int_equal(total, sizeof(rsp));
	assert_memory_equal(got, rsp, sizeof(rsp));
	assert_int_equal(pieces, 4);	/* 500 bytes each */
	assert_int_equal(ts.state, ISCSI_TSEQ_IDLE);
	/* the TTT is stale now */
	assert_int_equal(iscsi_tseq_rx(&ts, 0x10, first_ttt, ISCSI_FLAG_FINAL,
				       0, &off), -EINVAL);

	/* an empty answer and a short one: one F=1 PDU */
	assert_int_equal(iscsi_tseq_rx(&ts, 0x11, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_FINAL, 0, &off),
			 ISCSI_TSEQ_DONE);
	assert_int_not_equal(ts.ttt, first_ttt);
	iscsi_tseq_respond(&ts, 0);
	assert_int_equal(iscsi_tseq_next(&ts, rsp, 512, &off, &flags, &ttt),
			 0);
	assert_int_equal(flags, ISCSI_FLAG_FINAL);
	assert_int_equal(ttt, ISCSI_RSVD_TAG);
	assert_int_equal(ts.state, ISCSI_TSEQ_IDLE);
}

/* A request in C-bit pieces is accumulated, then answered. */
static void test_tseq_request_pieces(void **state)
{
	struct iscsi_tseq ts;
	u32 off, ttt;
	u8 flags;

	(void)state;
	iscsi_tseq_init(&ts, 100, 1);
	assert_int_equal(iscsi_tseq_rx(&ts, 5, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_TEXT_CONTINUE, 40, &off),
			 ISCSI_TSEQ_ACK);
	assert_int_equal(off, 0);
	ttt = ts.ttt;
	assert_int_not_equal(ttt, ISCSI_RSVD_TAG);
	assert_int_equal(ts.state, ISCSI_TSEQ_RX);
	/* a wrong TTT or ITT is refused, the exchange stays */
	assert_int_equal(iscsi_tseq_rx(&ts, 5, ttt + 1,
				       ISCSI_FLAG_TEXT_CONTINUE, 10, &off),
			 -EINVAL);
	assert_int_equal(iscsi_tseq_rx(&ts, 6, ttt,
				       ISCSI_FLAG_TEXT_CONTINUE, 10, &off),
			 -EINVAL);
	assert_int_equal(iscsi_tseq_rx(&ts, 5, ttt, ISCSI_FLAG_TEXT_CONTINUE,
				       40, &off), ISCSI_TSEQ_ACK);
	assert_int_equal(off, 40);
	assert_int_equal(ts.ttt, ttt);
	assert_int_equal(iscsi_tseq_rx(&ts, 5, ttt, ISCSI_FLAG_FINAL, 20,
				       &off), ISCSI_TSEQ_DONE);
	assert_int_equal(off, 80);
	assert_int_equal(ts.req_len, 100);
	iscsi_tseq_respond(&ts, 3);
	assert_int_equal(iscsi_tseq_next(&ts, (const u8 *)"a=b", 512, &off,
					 &flags, &ttt), 3);
	assert_int_equal(flags, ISCSI_FLAG_FINAL);

	/* a request without F is answered with F=0 and may go on */
	assert_int_equal(iscsi_tseq_rx(&ts, 8, ISCSI_RSVD_TAG, 0, 10, &off),
			 ISCSI_TSEQ_DONE);
	iscsi_tseq_respond(&ts, 0);
	assert_int_equal(iscsi_tseq_next(&ts, NULL, 512, &off, &flags, &ttt),
			 0);
	assert_int_equal(flags, 0);
	assert_int_equal(ttt, ts.ttt);
	assert_int_equal(ts.state, ISCSI_TSEQ_CONT);
	assert_int_equal(iscsi_tseq_rx(&ts, 8, ttt, ISCSI_FLAG_FINAL, 10,
				       &off), ISCSI_TSEQ_DONE);
	assert_int_equal(off, 0);
}

/* The bound, protocol errors and resets. */
static void test_tseq_errors(void **state)
{
	struct iscsi_tseq ts;
	u32 off, ttt;

	(void)state;
	iscsi_tseq_init(&ts, 100, ISCSI_RSVD_TAG);
	/* F and C together */
	assert_int_equal(iscsi_tseq_rx(&ts, 1, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_FINAL |
				       ISCSI_FLAG_TEXT_CONTINUE, 0, &off),
			 -EPROTO);
	/* a single PDU over the bound; its TTT skips the reserved value */
	assert_int_equal(iscsi_tseq_rx(&ts, 1, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_FINAL, 101, &off), -E2BIG);
	assert_int_equal(ts.state, ISCSI_TSEQ_IDLE);
	/* accumulated over the bound */
	assert_int_equal(iscsi_tseq_rx(&ts, 2, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_TEXT_CONTINUE, 60, &off),
			 ISCSI_TSEQ_ACK);
	ttt = ts.ttt;
	assert_int_equal(ttt, 1);	/* 0 went to the refused one */
	assert_int_equal(iscsi_tseq_rx(&ts, 2, ttt, ISCSI_FLAG_TEXT_CONTINUE,
				       0xffffff, &off), -E2BIG);
	assert_int_equal(ts.state, ISCSI_TSEQ_IDLE);
	assert_int_equal(ts.req_len, 0);
	assert_int_equal(iscsi_tseq_rx(&ts, 2, ttt, ISCSI_FLAG_FINAL, 0,
				       &off), -EINVAL);
	/* exactly the bound is fine */
	assert_int_equal(iscsi_tseq_rx(&ts, 3, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_TEXT_CONTINUE, 60, &off),
			 ISCSI_TSEQ_ACK);
	assert_int_equal(iscsi_tseq_rx(&ts, 3, ts.ttt, ISCSI_FLAG_FINAL, 40,
				       &off), ISCSI_TSEQ_DONE);
	/* data in the request for the next piece */
	iscsi_tseq_respond(&ts, 5000);
	ttt = ts.ttt;
	assert_int_equal(iscsi_tseq_rx(&ts, 3, ttt, ISCSI_FLAG_FINAL, 4,
				       &off), -EPROTO);
	assert_int_equal(ts.state, ISCSI_TSEQ_IDLE);
	/* a new request (TTT 0xffffffff, any ITT) resets a response */
	assert_int_equal(iscsi_tseq_rx(&ts, 4, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_FINAL, 4, &off),
			 ISCSI_TSEQ_DONE);
	iscsi_tseq_respond(&ts, 5000);
	ttt = ts.ttt;
	assert_int_equal(iscsi_tseq_rx(&ts, 9, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_TEXT_CONTINUE, 4, &off),
			 ISCSI_TSEQ_ACK);
	assert_int_equal(off, 0);
	assert_int_not_equal(ts.ttt, ttt);
	assert_int_equal(iscsi_tseq_rx(&ts, 4, ttt, ISCSI_FLAG_FINAL, 0,
				       &off), -EINVAL);
	/* and a new request in the middle of a C-bit request */
	assert_int_equal(iscsi_tseq_rx(&ts, 9, ISCSI_RSVD_TAG,
				       ISCSI_FLAG_FINAL, 7, &off),
			 ISCSI_TSEQ_DONE);
	assert_int_equal(off, 0);
	assert_int_equal(ts.req_len, 7);
	/* nothing in progress: any TTT is refused */
	iscsi_tseq_reset(&ts);
	assert_int_equal(iscsi_tseq_rx(&ts, 9, 0, ISCSI_FLAG_FINAL, 0, &off),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_padding),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_builder),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_negotiate_operational),
		cmocka_unit_test(test_negotiate_bool_and),
		cmocka_unit_test(test_negotiate_reject),
		cmocka_unit_test(test_negotiate_discovery),
		cmocka_unit_test(test_negotiate_protocol_errors),
		cmocka_unit_test(test_negotiate_name_chars),
		cmocka_unit_test(test_negotiate_target_offers),
		cmocka_unit_test(test_negotiate_target_limits),
		cmocka_unit_test(test_negotiate_offer_answers),
		cmocka_unit_test(test_negotiate_first_burst),
		cmocka_unit_test(test_negotiate_non_leading),
		cmocka_unit_test(test_ffp_keys),
		cmocka_unit_test(test_chap_known_answers),
		cmocka_unit_test(test_chap_vs_openssl_oneshot),
		cmocka_unit_test(test_chap_pick_alg),
		cmocka_unit_test(test_text_cut),
		cmocka_unit_test(test_tseq_response_pieces),
		cmocka_unit_test(test_tseq_request_pieces),
		cmocka_unit_test(test_tseq_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
