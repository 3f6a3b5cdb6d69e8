/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt-iscsid: CHAP digests (RFC 1994, RFC 7143 12.1.3) with OpenSSL's
 * libcrypto: MD5 (CHAP_A=5), SHA1 (6), SHA-256 (7), SHA3-256 (8).
 */
#ifndef KTGT_ISCSID_CHAP_H
#define KTGT_ISCSID_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAP_A_MD5		5
#define CHAP_A_SHA1		6
#define CHAP_A_SHA256		7
#define CHAP_A_SHA3_256		8

#define CHAP_MAX_DIGEST		32
#define CHAP_MAX_CHALLENGE	1024	/* longest initiator challenge taken */

int chap_digest_len(int alg);
int chap_pick_alg(const char *list);
int chap_response(int alg, uint8_t id, const uint8_t *secret,
		  size_t secret_len, const uint8_t *challenge,
		  size_t challenge_len, uint8_t *out);
bool chap_verify(int alg, uint8_t id, const uint8_t *secret,
		 size_t secret_len, const uint8_t *challenge,
		 size_t challenge_len, const uint8_t *response,
		 size_t response_len);
int chap_random(uint8_t *buf, size_t len);
const char *chap_check_secrets(const uint8_t *secret, size_t secret_len,
			       const uint8_t *mutual, size_t mutual_len);

#endif /* KTGT_ISCSID_CHAP_H */
