// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the iSCSI text keys: any bytes as a Login
 * Request data segment, parsed and negotiated twice (first and later
 * request; normal, discovery and non-leading logins), the results of a
 * login that could complete checked against the target's settings, the
 * answers re-parsed, and every value fed to the number and binary
 * decoders; then the same bytes as a sequence of Text Request headers
 * driving the multi-PDU exchange state (proto/textseq.c), whose offsets
 * and pieces must stay in bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "targets/iscsi/proto/iscsi_proto.h"
#include "targets/iscsi/proto/text.h"
#include "targets/iscsi/proto/textseq.h"

/*
 * A login that completed (every request accepted, no offer pending)
 * must have results the target's settings permit.
 */
static void check_within(const struct iscsi_params *t,
			 const struct iscsi_params *r)
{
	if (!(t->header_digest & BIT(r->header_digest)) ||
	    !(t->data_digest & BIT(r->data_digest)) ||
	    r->max_burst > t->max_burst || r->first_burst > t->first_burst ||
	    r->first_burst > r->max_burst ||
	    (r->immediate_data && !t->immediate_data) ||
	    (!r->initial_r2t && t->initial_r2t) ||
	    r->max_connections > t->max_connections ||
	    r->default_time2retain > t->default_time2retain ||
	    r->default_time2wait < t->default_time2wait ||
	    r->max_outstanding_r2t > t->max_outstanding_r2t ||
	    r->error_recovery_level > t->error_recovery_level)
		abort();
}

/* mode: 0 a normal session's leading login, 1 discovery, 2 non-leading */
static void run(const u8 *data, size_t size, int mode)
{
	static u8 buf[9000], out[16384], again[16384];
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS], kv2[ISCSI_TEXT_MAX_PAIRS];
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	unsigned int n, n2, i;
	int r1;
	u8 bin[64];
	size_t blen;
	u64 v;

	if (size > sizeof(buf))
		return;
	memcpy(buf, data, size);
	if (iscsi_text_parse(buf, size, kv, ISCSI_TEXT_MAX_PAIRS, &n))
		return;
	for (i = 0; i < n; i++) {
		if (kv[i].key[kv[i].key_len] || kv[i].value[kv[i].value_len])
			abort();
		iscsi_parse_number(kv[i].value, 16777215, &v);
		iscsi_parse_binary(kv[i].value, bin, sizeof(bin), &blen);
	}
	iscsi_params_rfc_defaults(&t);
	t.header_digest = BIT(ISCSI_DIGEST_NONE) | BIT(ISCSI_DIGEST_CRC32C);
	t.data_digest = BIT(ISCSI_DIGEST_CRC32C);
	t.max_burst = 4096;
	t.first_burst = 2048;
	t.immediate_data = false;
	t.default_time2retain = 0;
	iscsi_neg_init(&neg, &t);
	neg.discovery = mode == 1;
	neg.non_leading = mode == 2;
	iscsi_text_init(&tb, out, sizeof(out));
	iscsi_neg_offers(&neg, &tb);
	r1 = iscsi_neg_request(&neg, kv, n, true, &tb);
	iscsi_neg_offers(&neg, &tb);
	if (mode == 0 && !r1 && !tb.err && !iscsi_neg_pending(&neg)) {
		iscsi_neg_finish(&neg);
		check_within(&t, &neg.res);
	}
	iscsi_neg_request(&neg, kv, n, false, &tb);
	/* Whatever we answer must parse (duplicates aside). */
	memcpy(again, out, tb.len);
	if (iscsi_text_parse(again, tb.len, kv2, ISCSI_TEXT_MAX_PAIRS, &n2) ==
	    -EINVAL)
		abort();

	/* The same pairs as a full-feature-phase Text Request. */
	iscsi_text_init(&tb, out, sizeof(out));
	for (i = 0; i < n; i++) {
		u32 mrdsl = 8192;

		iscsi_text_ffp_key(&kv[i], &mrdsl, &tb);
		if (mrdsl < 512 || mrdsl > 16777215)
			abort();
	}
	memcpy(again, out, tb.len);
	if (tb.err || iscsi_text_parse(again, tb.len, kv2,
				       ISCSI_TEXT_MAX_PAIRS, &n2) == -EINVAL)
		abort();
}

/* Each 8 bytes: ITT (1), TTT (1, 0xff: reserved), flags, DSL (3), MRDSL (2). */
static void run_tseq(const u8 *data, size_t size)
{
	static u8 rsp[3000];
	struct iscsi_tseq ts;
	size_t i;

	for (i = 0; i < sizeof(rsp); i++)
		rsp[i] = i % 37 ? 'a' : 0;
	iscsi_tseq_init(&ts, 1000, 0xfffffffe);
	for (i = 0; i + 8 <= size; i += 8) {
		const u8 *e = data + i;
		u32 ttt = e[1] == 0xff ? ISCSI_RSVD_TAG : e[1];
		u32 off = ~0U, dlen = get_unaligned_be24(e + 3), n, sent = 0;
		u32 max = get_unaligned_be16(e + 6);
		u8 flags;
		int act = iscsi_tseq_rx(&ts, e[0], ttt, e[2], dlen, &off);

		if (act == ISCSI_TSEQ_ACK || act == ISCSI_TSEQ_DONE) {
			if (off > ts.req_max || dlen > ts.req_max - off ||
			    off + dlen != ts.req_len)
				abort();
			if (ts.ttt == ISCSI_RSVD_TAG)
				abort();
		}
		if (act == ISCSI_TSEQ_DONE)
			iscsi_tseq_respond(&ts, e[6] % 2 ? sizeof(rsp) : e[7]);
		if (act != ISCSI_TSEQ_DONE && act != ISCSI_TSEQ_NEXT)
			continue;
		n = iscsi_tseq_next(&ts, rsp, max, &off, &flags, &ttt);
		sent = off + n;
		if (n > (max ? max : 1) || sent > sizeof(rsp))
			abort();
		if ((flags & ISCSI_FLAG_TEXT_CONTINUE) &&
		    ((flags & ISCSI_FLAG_FINAL) || ttt == ISCSI_RSVD_TAG))
			abort();
		if ((flags & ISCSI_FLAG_FINAL) && ttt != ISCSI_RSVD_TAG)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	run(data, size, 0);
	run(data, size, 1);
	run(data, size, 2);
	run_tseq(data, size);
	return 0;
}
