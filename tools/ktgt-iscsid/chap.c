// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt-iscsid: CHAP digests. The response to a challenge is
 * H(identifier || secret || challenge) with H the algorithm of CHAP_A.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "chap.h"

static const EVP_MD *chap_md(int alg)
{
	switch (alg) {
	case CHAP_A_MD5:
		return EVP_md5();
	case CHAP_A_SHA1:
		return EVP_sha1();
	case CHAP_A_SHA256:
		return EVP_sha256();
	case CHAP_A_SHA3_256:
		return EVP_sha3_256();
	default:
		return NULL;
	}
}

/**
 * chap_digest_len() - size of an algorithm's responses
 * @alg: a CHAP_A value
 *
 * Return: bytes, or -1 for an algorithm we do not support.
 */
int chap_digest_len(int alg)
{
	const EVP_MD *md = chap_md(alg);

	return md ? EVP_MD_get_size(md) : -1;
}

/**
 * chap_pick_alg() - the first algorithm of an initiator's CHAP_A we support
 * @list: comma-separated decimal values, e.g. "7,6,5"
 *
 * Return: the CHAP_A value, or -1 if none is supported.
 */
int chap_pick_alg(const char *list)
{
	const char *p = list;

	while (*p) {
		int v = 0, digits = 0;

		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (digits && (*p == ',' || !*p) && chap_md(v))
			return v;
		while (*p && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	return -1;
}

/**
 * chap_response() - compute H(id || secret || challenge)
 * @alg: a CHAP_A value
 * @id: the CHAP identifier
 * @secret: the secret
 * @secret_len: its length
 * @challenge: the challenge
 * @challenge_len: its length
 * @out: CHAP_MAX_DIGEST bytes
 *
 * Return: the digest length, or -1 on error.
 */
int chap_response(int alg, uint8_t id, const uint8_t *secret,
		  size_t secret_len, const uint8_t *challenge,
		  size_t challenge_len, uint8_t *out)
{
	const EVP_MD *md = chap_md(alg);
	EVP_MD_CTX *ctx;
	unsigned int len = 0;
	int ok;

	if (!md)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, md, NULL) &&
	     EVP_DigestUpdate(ctx, &id, 1) &&
	     EVP_DigestUpdate(ctx, secret, secret_len) &&
	     EVP_DigestUpdate(ctx, challenge, challenge_len) &&
	     EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	return ok ? (int)len : -1;
}

/**
 * chap_verify() - check an initiator's CHAP_R in constant time
 * @alg: a CHAP_A value
 * @id: the identifier we sent
 * @secret: the secret the initiator must know
 * @secret_len: its length
 * @challenge: the challenge we sent
 * @challenge_len: its length
 * @response: the initiator's CHAP_R, decoded
 * @response_len: its length
 *
 * Return: true if it matches.
 */
bool chap_verify(int alg, uint8_t id, const uint8_t *secret,
		 size_t secret_len, const uint8_t *challenge,
		 size_t challenge_len, const uint8_t *response,
		 size_t response_len)
{
	uint8_t want[CHAP_MAX_DIGEST];
	int len = chap_response(alg, id, secret, secret_len, challenge,
				challenge_len, want);

	if (len <= 0 || (size_t)len != response_len)
		return false;
	return !CRYPTO_memcmp(want, response, len);
}

/**
 * chap_random() - fill a buffer from the CSPRNG (identifiers, challenges)
 * @buf: the buffer
 * @len: its size
 *
 * Return: 0, or -1 if no randomness is available.
 */
int chap_random(uint8_t *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

/**
 * chap_check_secrets() - may CHAP run with these secrets
 * @secret: the secret the initiator must know
 * @secret_len: its length
 * @mutual: the secret the target answers with (mutual CHAP)
 * @mutual_len: its length, 0 if none is configured
 *
 * An empty secret would accept a response anyone can compute. A target
 * secret equal to the initiator's would let an attacker have the
 * initiator (or the target) answer the other's challenge: RFC 7143
 * 12.1.3 forbids one secret for both directions and has a response
 * equal to the one the receiver would have computed itself treated as
 * an authentication failure; with equal secrets every response is.
 *
 * Return: NULL if they may, else why not (for the log).
 */
const char *chap_check_secrets(const uint8_t *secret, size_t secret_len,
			       const uint8_t *mutual, size_t mutual_len)
{
	if (!secret_len)
		return "no CHAP secret configured";
	if (mutual_len == secret_len && !CRYPTO_memcmp(secret, mutual,
						       secret_len))
		return "the initiator's and the target's CHAP secrets are equal (RFC 7143 12.1.3)";
	return NULL;
}
