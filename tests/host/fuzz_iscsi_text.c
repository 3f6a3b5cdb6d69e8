// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the iSCSI text keys: any bytes as a Login
 * Request data segment, parsed and negotiated twice (first and later
 * request, normal and discovery), the answers re-parsed, and every value
 * fed to the number and binary decoders.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "targets/iscsi/proto/text.h"

static void run(const u8 *data, size_t size, bool discovery)
{
	static u8 buf[9000], out[16384], again[16384];
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS], kv2[ISCSI_TEXT_MAX_PAIRS];
	struct iscsi_params t;
	struct iscsi_neg neg;
	struct iscsi_text_buf tb;
	unsigned int n, n2, i;
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
	t.immediate_data = false;
	iscsi_neg_init(&neg, &t);
	neg.discovery = discovery;
	iscsi_text_init(&tb, out, sizeof(out));
	iscsi_neg_offers(&neg, &tb);
	iscsi_neg_request(&neg, kv, n, true, &tb);
	iscsi_neg_request(&neg, kv, n, false, &tb);
	iscsi_neg_finish(&neg);
	if (neg.res.first_burst > neg.res.max_burst)
		abort();
	/* Whatever we answer must parse (duplicates aside). */
	memcpy(again, out, tb.len);
	if (iscsi_text_parse(again, tb.len, kv2, ISCSI_TEXT_MAX_PAIRS, &n2) ==
	    -EINVAL)
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	run(data, size, false);
	run(data, size, true);
	return 0;
}
