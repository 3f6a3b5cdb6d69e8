/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt iSCSI text keys: the parser of key=value data segments, the
 * response builder, the RFC 7143 negotiation engine for the login
 * phase (operational keys, names, session type) and the answers to keys
 * in the full-feature phase.
 *
 * Portable (core/portable.h): compiled into ktgt-iscsid, ktgt_iscsi.ko
 * (full-feature Text Requests), the host unit tests and the fuzzer.
 * Nothing here allocates; every buffer is the caller's. No locking: one
 * struct iscsi_neg belongs to one login, used by one thread at a time.
 */
#ifndef KTGT_ISCSI_TEXT_H
#define KTGT_ISCSI_TEXT_H

#include "../../../core/portable.h"

#define ISCSI_TEXT_MAX_KEY	63	/* RFC 7143 6.1: key names */
#define ISCSI_TEXT_MAX_VALUE	8192	/* longest value we accept */
#define ISCSI_TEXT_MAX_PAIRS	64	/* pairs per data segment */
#define ISCSI_NAME_MAX		223	/* RFC 7143 4.2.7.1 */
#define ISCSI_ALIAS_MAX		255

/**
 * struct iscsi_kv - one key=value pair of a parsed data segment
 * @key: the key, NUL-terminated (points into the parsed buffer)
 * @value: the value, NUL-terminated (points into the parsed buffer)
 * @key_len: strlen(@key)
 * @value_len: strlen(@value)
 */
struct iscsi_kv {
	const char *key;
	const char *value;
	size_t key_len;
	size_t value_len;
};

int iscsi_text_parse(u8 *buf, size_t len, struct iscsi_kv *kvs,
		     unsigned int max, unsigned int *count);

/**
 * struct iscsi_text_buf - a response data segment being built
 * @buf: the caller's buffer
 * @cap: its size
 * @len: bytes used
 * @err: 0, or -ENOSPC once something did not fit (sticky)
 */
struct iscsi_text_buf {
	u8 *buf;
	size_t cap;
	size_t len;
	int err;
};

void iscsi_text_init(struct iscsi_text_buf *tb, u8 *buf, size_t cap);
int iscsi_text_add(struct iscsi_text_buf *tb, const char *key,
		   const char *value);
int iscsi_text_add_u32(struct iscsi_text_buf *tb, const char *key, u32 value);
int iscsi_text_add_hex(struct iscsi_text_buf *tb, const char *key,
		       const u8 *data, size_t len);

int iscsi_parse_number(const char *s, u64 max, u64 *out);
int iscsi_parse_binary(const char *s, u8 *out, size_t cap, size_t *out_len);
size_t iscsi_u32_to_str(u32 v, char *buf);
bool iscsi_list_has(const char *list, const char *item);

void iscsi_name_normalize(char *name);

/* Digest bits: BIT(ISCSI_DIGEST_NONE) | BIT(ISCSI_DIGEST_CRC32C). */
#define ISCSI_DIGEST_NONE	0
#define ISCSI_DIGEST_CRC32C	1

/**
 * struct iscsi_params - the operational parameters of a session/connection
 *
 * As the target's settings (iscsi_neg.target): the most the target
 * accepts for min-function keys, the least for max-function keys, the
 * target's choice for booleans and, for digests, a bitmask of accepted
 * values (BIT(ISCSI_DIGEST_*)). As a result (iscsi_neg.res): the
 * negotiated values, digests as ISCSI_DIGEST_*.
 */
struct iscsi_params {
	u32 header_digest;
	u32 data_digest;
	u32 max_connections;
	u32 max_recv_dsl;	/* what the target receives (it declares) */
	u32 max_xmit_dsl;	/* the initiator's MaxRecvDataSegmentLength */
	u32 max_burst;
	u32 first_burst;
	u32 default_time2wait;
	u32 default_time2retain;
	u32 max_outstanding_r2t;
	u32 error_recovery_level;
	bool initial_r2t;
	bool immediate_data;
	bool data_pdu_in_order;
	bool data_sequence_in_order;
};

void iscsi_params_rfc_defaults(struct iscsi_params *p);

/* Key identifiers (index into the engine's key table). */
enum iscsi_key_id {
	ISCSI_KEY_HEADER_DIGEST,
	ISCSI_KEY_DATA_DIGEST,
	ISCSI_KEY_MAX_CONNECTIONS,
	ISCSI_KEY_SEND_TARGETS,
	ISCSI_KEY_TARGET_NAME,
	ISCSI_KEY_INITIATOR_NAME,
	ISCSI_KEY_TARGET_ALIAS,
	ISCSI_KEY_INITIATOR_ALIAS,
	ISCSI_KEY_TARGET_ADDRESS,
	ISCSI_KEY_TARGET_PORTAL_GROUP_TAG,
	ISCSI_KEY_INITIAL_R2T,
	ISCSI_KEY_IMMEDIATE_DATA,
	ISCSI_KEY_MAX_RECV_DSL,
	ISCSI_KEY_MAX_BURST,
	ISCSI_KEY_FIRST_BURST,
	ISCSI_KEY_DEFAULT_TIME2WAIT,
	ISCSI_KEY_DEFAULT_TIME2RETAIN,
	ISCSI_KEY_MAX_OUTSTANDING_R2T,
	ISCSI_KEY_DATA_PDU_IN_ORDER,
	ISCSI_KEY_DATA_SEQUENCE_IN_ORDER,
	ISCSI_KEY_ERROR_RECOVERY_LEVEL,
	ISCSI_KEY_SESSION_TYPE,
	ISCSI_KEY_IF_MARKER,
	ISCSI_KEY_OF_MARKER,
	ISCSI_KEY_IF_MARK_INT,
	ISCSI_KEY_OF_MARK_INT,
	ISCSI_KEY_AUTH_METHOD,
	ISCSI_KEY_CHAP_A,
	ISCSI_KEY_CHAP_I,
	ISCSI_KEY_CHAP_C,
	ISCSI_KEY_CHAP_N,
	ISCSI_KEY_CHAP_R,
	ISCSI_KEY_NR,
	ISCSI_KEY_UNKNOWN = -1,
};

int iscsi_key_lookup(const char *key);

#define ISCSI_KEY_BIT(id)	(1ULL << (id))

/**
 * struct iscsi_neg - the state of one login's negotiation
 * @target: the target's settings (see struct iscsi_params); the caller
 *	fills it before the first iscsi_neg_request()
 * @res: the negotiated values, RFC defaults until negotiated
 * @seen: BIT(key id) of each key the initiator sent (a key is negotiated
 *	once per login; a second offer is a protocol error)
 * @offered: BIT(key id) of each key the target proposed itself
 * @discovery: SessionType=Discovery was declared
 * @non_leading: the login adds a connection to an existing session (its
 *	TSIH is not 0): the keys of Use LO are not negotiated, the
 *	session's values stand (RFC 7143 13); the caller sets it after
 *	iscsi_neg_init()
 * @session_type_seen: SessionType was declared
 * @declared_mrdsl: MaxRecvDataSegmentLength of the target was sent
 * @initiator_name: InitiatorName, normalized (iscsi_name_normalize()),
 *	empty until declared
 * @initiator_alias: InitiatorAlias (empty until declared)
 * @target_name: TargetName, normalized, empty until declared
 */
struct iscsi_neg {
	struct iscsi_params target;
	struct iscsi_params res;
	u64 seen;
	u64 offered;
	bool discovery;
	bool non_leading;
	bool session_type_seen;
	bool declared_mrdsl;
	char initiator_name[ISCSI_NAME_MAX + 1];
	char initiator_alias[ISCSI_ALIAS_MAX + 1];
	char target_name[ISCSI_NAME_MAX + 1];
};

void iscsi_neg_init(struct iscsi_neg *neg, const struct iscsi_params *target);
int iscsi_neg_request(struct iscsi_neg *neg, const struct iscsi_kv *kvs,
		      unsigned int count, bool first_pdu,
		      struct iscsi_text_buf *out);
int iscsi_neg_offers(struct iscsi_neg *neg, struct iscsi_text_buf *out);
bool iscsi_neg_pending(const struct iscsi_neg *neg);
void iscsi_neg_finish(struct iscsi_neg *neg);

int iscsi_text_ffp_key(const struct iscsi_kv *kv, u32 *max_xmit_dsl,
		       struct iscsi_text_buf *out);

#endif /* KTGT_ISCSI_TEXT_H */
