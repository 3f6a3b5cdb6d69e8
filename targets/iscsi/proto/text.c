// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt iSCSI text keys: parser, builder and the RFC 7143 login
 * negotiation engine. Portable: see text.h and core/portable.h.
 *
 * Every input byte comes from the network. The parser bounds keys,
 * values and the number of pairs, rejects anything malformed and never
 * reads past the length it was given; the engine answers every key it
 * is handed with a value of its own choosing or one of the constants
 * NotUnderstood, Irrelevant or Reject.
 */
#include "text.h"

static bool key_char_ok(u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' ||
	       c == '@' || c == '_';
}

/**
 * iscsi_text_parse() - split a data segment into key=value pairs
 * @buf: the data segment; each '=' separating a key from its value is
 *	replaced by a NUL so that keys are C strings
 * @len: its length (the DataSegmentLength, without padding)
 * @kvs: where to store the pairs, pointing into @buf
 * @max: capacity of @kvs
 * @count: set to the number of pairs stored
 *
 * Every pair must end with a NUL; NULs after the last pair are allowed
 * (padding some initiators include). Keys are 1 to ISCSI_TEXT_MAX_KEY
 * characters of [A-Za-z0-9.+@_-], values at most ISCSI_TEXT_MAX_VALUE
 * bytes, and no key may appear twice.
 *
 * Return: 0; -EINVAL if malformed; -E2BIG if a limit is exceeded;
 * -EEXIST on a duplicate key. @buf may be modified on error too.
 */
int iscsi_text_parse(u8 *buf, size_t len, struct iscsi_kv *kvs,
		     unsigned int max, unsigned int *count)
{
	size_t pos = 0;
	unsigned int n = 0, i;

	*count = 0;
	while (pos < len) {
		size_t start = pos, eq = 0, end;
		bool have_eq = false;

		if (buf[pos] == '\0') {
			/* Only NUL padding may follow the last pair. */
			for (; pos < len; pos++)
				if (buf[pos])
					return -EINVAL;
			break;
		}
		for (end = pos; end < len && buf[end]; end++) {
			if (!have_eq && buf[end] == '=') {
				have_eq = true;
				eq = end;
			}
		}
		if (end == len || !have_eq)
			return -EINVAL;
		if (eq == start)
			return -EINVAL;
		if (eq - start > ISCSI_TEXT_MAX_KEY)
			return -E2BIG;
		if (end - eq - 1 > ISCSI_TEXT_MAX_VALUE)
			return -E2BIG;
		for (i = start; i < eq; i++)
			if (!key_char_ok(buf[i]))
				return -EINVAL;
		if (n == max)
			return -E2BIG;
		buf[eq] = '\0';
		kvs[n].key = (const char *)buf + start;
		kvs[n].key_len = eq - start;
		kvs[n].value = (const char *)buf + eq + 1;
		kvs[n].value_len = end - eq - 1;
		for (i = 0; i < n; i++)
			if (kvs[i].key_len == kvs[n].key_len &&
			    !memcmp(kvs[i].key, kvs[n].key, kvs[n].key_len))
				return -EEXIST;
		n++;
		pos = end + 1;
	}
	*count = n;
	return 0;
}

/**
 * iscsi_text_init() - start building a data segment
 * @tb: the builder
 * @buf: the buffer to fill
 * @cap: its size
 */
void iscsi_text_init(struct iscsi_text_buf *tb, u8 *buf, size_t cap)
{
	tb->buf = buf;
	tb->cap = cap;
	tb->len = 0;
	tb->err = 0;
}

static int text_put(struct iscsi_text_buf *tb, const char *s, size_t n)
{
	if (tb->err)
		return tb->err;
	if (tb->cap - tb->len < n) {
		tb->err = -ENOSPC;
		return tb->err;
	}
	memcpy(tb->buf + tb->len, s, n);
	tb->len += n;
	return 0;
}

/**
 * iscsi_text_add() - append key=value and its NUL
 * @tb: the builder
 * @key: the key
 * @value: the value
 *
 * Nothing is appended if the pair does not fit whole.
 *
 * Return: 0, or -ENOSPC (also for every later call).
 */
int iscsi_text_add(struct iscsi_text_buf *tb, const char *key,
		   const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);

	if (tb->err)
		return tb->err;
	if (tb->cap - tb->len < kl + vl + 2) {
		tb->err = -ENOSPC;
		return tb->err;
	}
	text_put(tb, key, kl);
	text_put(tb, "=", 1);
	text_put(tb, value, vl);
	return text_put(tb, "", 1);
}

/**
 * iscsi_u32_to_str() - format a number in decimal
 * @v: the number
 * @buf: at least 11 bytes
 *
 * Return: the length written, without the terminating NUL.
 */
size_t iscsi_u32_to_str(u32 v, char *buf)
{
	char tmp[10];
	size_t n = 0, i;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/**
 * iscsi_text_add_u32() - append key=<decimal value>
 * @tb: the builder
 * @key: the key
 * @value: the number
 *
 * Return: as iscsi_text_add().
 */
int iscsi_text_add_u32(struct iscsi_text_buf *tb, const char *key, u32 value)
{
	char num[11];

	iscsi_u32_to_str(value, num);
	return iscsi_text_add(tb, key, num);
}

/**
 * iscsi_text_add_hex() - append key=0x<hex digits of data>
 * @tb: the builder
 * @key: the key
 * @data: the bytes
 * @len: their number (at least 1)
 *
 * Return: as iscsi_text_add().
 */
int iscsi_text_add_hex(struct iscsi_text_buf *tb, const char *key,
		       const u8 *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t kl = strlen(key), i;

	if (tb->err)
		return tb->err;
	if (!len || len > ISCSI_TEXT_MAX_VALUE / 2 - 1 ||
	    tb->cap - tb->len < kl + 2 * len + 4) {
		tb->err = -ENOSPC;
		return tb->err;
	}
	text_put(tb, key, kl);
	text_put(tb, "=0x", 3);
	for (i = 0; i < len; i++) {
		tb->buf[tb->len++] = hex[data[i] >> 4];
		tb->buf[tb->len++] = hex[data[i] & 15];
	}
	return text_put(tb, "", 1);
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int parse_hex(const char *s, u8 *out, size_t cap, size_t *out_len)
{
	size_t n = strlen(s), o = 0, i = 0;
	int v;

	if (!n)
		return -EINVAL;
	if ((n + 1) / 2 > cap)
		return -E2BIG;
	if (n & 1) {
		v = hex_to_bin(s[0]);
		if (v < 0)
			return -EINVAL;
		out[o++] = v;
		i = 1;
	}
	for (; i < n; i += 2) {
		int hi = hex_to_bin(s[i]), lo = hex_to_bin(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[o++] = hi << 4 | lo;
	}
	*out_len = o;
	return 0;
}

static int parse_b64(const char *s, u8 *out, size_t cap, size_t *out_len)
{
	size_t n = strlen(s), o = 0, i, pad = 0;

	if (!n || n % 4)
		return -EINVAL;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	if (n / 4 * 3 - pad > cap)
		return -E2BIG;
	for (i = 0; i < n; i += 4) {
		int v[4], j;
		u32 w = 0;
		bool last = i + 4 == n;

		for (j = 0; j < 4; j++) {
			if (last && s[i + j] == '=' && j >= 4 - (int)pad)
				v[j] = 0;
			else
				v[j] = b64_val(s[i + j]);
			if (v[j] < 0)
				return -EINVAL;
			w = w << 6 | v[j];
		}
		out[o++] = w >> 16;
		if (!last || pad < 2)
			out[o++] = w >> 8;
		if (!last || pad < 1)
			out[o++] = w;
	}
	*out_len = o;
	return 0;
}

/**
 * iscsi_parse_binary() - decode a binary value (RFC 7143 5.1)
 * @s: "0x" or "0X" and hex digits (an odd count has an implied leading
 *	zero), or "0b"/"0B" and base64
 * @out: where to store the bytes
 * @cap: its size
 * @out_len: set to the number of bytes stored
 *
 * Return: 0; -EINVAL if malformed; -E2BIG if longer than @cap.
 */
int iscsi_parse_binary(const char *s, u8 *out, size_t cap, size_t *out_len)
{
	if (s[0] != '0')
		return -EINVAL;
	if (s[1] == 'x' || s[1] == 'X')
		return parse_hex(s + 2, out, cap, out_len);
	if (s[1] == 'b' || s[1] == 'B')
		return parse_b64(s + 2, out, cap, out_len);
	return -EINVAL;
}

/**
 * iscsi_parse_number() - decode a numerical value
 * @s: decimal digits, or a hex or base64 binary value of at most 8 bytes
 * @max: the largest value accepted
 * @out: the value
 *
 * Return: 0; -EINVAL if malformed; -ERANGE if above @max.
 */
int iscsi_parse_number(const char *s, u64 max, u64 *out)
{
	u64 v = 0;
	size_t i;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X' ||
			    s[1] == 'b' || s[1] == 'B')) {
		u8 b[8];
		size_t n;
		int ret = iscsi_parse_binary(s, b, sizeof(b), &n);

		if (ret == -E2BIG)
			return -ERANGE;
		if (ret)
			return ret;
		v = ktgt_get_be(b, n);
	} else {
		if (!s[0])
			return -EINVAL;
		for (i = 0; s[i]; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			if (v > max / 10 || v * 10 > max - (s[i] - '0'))
				return -ERANGE;
			v = v * 10 + (s[i] - '0');
		}
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/**
 * iscsi_list_has() - is @item one of the comma-separated values of @list?
 * @list: "a,b,c"
 * @item: "b"
 *
 * Return: true if it is.
 */
bool iscsi_list_has(const char *list, const char *item)
{
	size_t il = strlen(item);
	const char *p = list;

	while (*p) {
		const char *e = p;

		while (*e && *e != ',')
			e++;
		if ((size_t)(e - p) == il && !memcmp(p, item, il))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/**
 * iscsi_params_rfc_defaults() - the RFC 7143 defaults of every key
 * @p: filled in; digests as ISCSI_DIGEST_NONE
 */
void iscsi_params_rfc_defaults(struct iscsi_params *p)
{
	memset(p, 0, sizeof(*p));
	p->header_digest = ISCSI_DIGEST_NONE;
	p->data_digest = ISCSI_DIGEST_NONE;
	p->max_connections = 1;
	p->max_recv_dsl = 8192;
	p->max_xmit_dsl = 8192;
	p->max_burst = 262144;
	p->first_burst = 65536;
	p->default_time2wait = 2;
	p->default_time2retain = 20;
	p->max_outstanding_r2t = 1;
	p->error_recovery_level = 0;
	p->initial_r2t = true;
	p->immediate_data = true;
	p->data_pdu_in_order = true;
	p->data_sequence_in_order = true;
}

enum key_kind {
	K_DIGEST,	/* list: None, CRC32C */
	K_MIN,		/* numerical, result = min */
	K_MAX,		/* numerical, result = max */
	K_OR,		/* boolean OR */
	K_AND,		/* boolean AND */
	K_DECL_NUM,	/* declarative number (MaxRecvDataSegmentLength) */
	K_NAME,		/* declarative initiator strings, first PDU only */
	K_ALIAS,	/* InitiatorAlias */
	K_TARGET_ONLY,	/* sent by targets only: Reject */
	K_FFP_ONLY,	/* SendTargets: not in login */
	K_MARKER,	/* IFMarker/OFMarker: No */
	K_MARK_INT,	/* IFMarkInt/OFMarkInt: Reject */
	K_SECURITY,	/* AuthMethod, CHAP_*: the daemon's */
};

/* Offsets into struct iscsi_params, so one table drives every key. */
#define P_OFF(f)	offsetof(struct iscsi_params, f)

struct key_def {
	const char *name;
	u8 kind;
	bool irrelevant_in_discovery;
	u32 min;
	u32 max;
	size_t off;	/* u32 or bool field of struct iscsi_params */
};

#define KEY(_name, _kind)	{ .name = _name, .kind = _kind }
#define VAL(_name, _kind, _irr, _f)					\
	{ .name = _name, .kind = _kind, .irrelevant_in_discovery = _irr,	\
	  .off = P_OFF(_f) }
#define NUM(_name, _kind, _irr, _min, _max, _f)				\
	{ .name = _name, .kind = _kind, .irrelevant_in_discovery = _irr,	\
	  .min = _min, .max = _max, .off = P_OFF(_f) }

static const struct key_def keys[ISCSI_KEY_NR] = {
	[ISCSI_KEY_HEADER_DIGEST] =
		VAL("HeaderDigest", K_DIGEST, false, header_digest),
	[ISCSI_KEY_DATA_DIGEST] =
		VAL("DataDigest", K_DIGEST, false, data_digest),
	[ISCSI_KEY_MAX_CONNECTIONS] =
		NUM("MaxConnections", K_MIN, true, 1, 65535, max_connections),
	[ISCSI_KEY_SEND_TARGETS] = KEY("SendTargets", K_FFP_ONLY),
	[ISCSI_KEY_TARGET_NAME] = KEY("TargetName", K_NAME),
	[ISCSI_KEY_INITIATOR_NAME] = KEY("InitiatorName", K_NAME),
	[ISCSI_KEY_TARGET_ALIAS] = KEY("TargetAlias", K_TARGET_ONLY),
	[ISCSI_KEY_INITIATOR_ALIAS] = KEY("InitiatorAlias", K_ALIAS),
	[ISCSI_KEY_TARGET_ADDRESS] = KEY("TargetAddress", K_TARGET_ONLY),
	[ISCSI_KEY_TARGET_PORTAL_GROUP_TAG] =
		KEY("TargetPortalGroupTag", K_TARGET_ONLY),
	[ISCSI_KEY_INITIAL_R2T] =
		VAL("InitialR2T", K_OR, true, initial_r2t),
	[ISCSI_KEY_IMMEDIATE_DATA] =
		VAL("ImmediateData", K_AND, true, immediate_data),
	[ISCSI_KEY_MAX_RECV_DSL] =
		NUM("MaxRecvDataSegmentLength", K_DECL_NUM, false, 512,
		    16777215, max_xmit_dsl),
	[ISCSI_KEY_MAX_BURST] =
		NUM("MaxBurstLength", K_MIN, true, 512, 16777215, max_burst),
	[ISCSI_KEY_FIRST_BURST] =
		NUM("FirstBurstLength", K_MIN, true, 512, 16777215,
		    first_burst),
	[ISCSI_KEY_DEFAULT_TIME2WAIT] =
		NUM("DefaultTime2Wait", K_MAX, false, 0, 3600,
		    default_time2wait),
	[ISCSI_KEY_DEFAULT_TIME2RETAIN] =
		NUM("DefaultTime2Retain", K_MIN, false, 0, 3600,
		    default_time2retain),
	[ISCSI_KEY_MAX_OUTSTANDING_R2T] =
		NUM("MaxOutstandingR2T", K_MIN, true, 1, 65535,
		    max_outstanding_r2t),
	[ISCSI_KEY_DATA_PDU_IN_ORDER] =
		VAL("DataPDUInOrder", K_OR, true, data_pdu_in_order),
	[ISCSI_KEY_DATA_SEQUENCE_IN_ORDER] =
		VAL("DataSequenceInOrder", K_OR, true, data_sequence_in_order),
	[ISCSI_KEY_ERROR_RECOVERY_LEVEL] =
		NUM("ErrorRecoveryLevel", K_MIN, false, 0, 2,
		    error_recovery_level),
	[ISCSI_KEY_SESSION_TYPE] = KEY("SessionType", K_NAME),
	[ISCSI_KEY_IF_MARKER] = KEY("IFMarker", K_MARKER),
	[ISCSI_KEY_OF_MARKER] = KEY("OFMarker", K_MARKER),
	[ISCSI_KEY_IF_MARK_INT] = KEY("IFMarkInt", K_MARK_INT),
	[ISCSI_KEY_OF_MARK_INT] = KEY("OFMarkInt", K_MARK_INT),
	[ISCSI_KEY_AUTH_METHOD] = KEY("AuthMethod", K_SECURITY),
	[ISCSI_KEY_CHAP_A] = KEY("CHAP_A", K_SECURITY),
	[ISCSI_KEY_CHAP_I] = KEY("CHAP_I", K_SECURITY),
	[ISCSI_KEY_CHAP_C] = KEY("CHAP_C", K_SECURITY),
	[ISCSI_KEY_CHAP_N] = KEY("CHAP_N", K_SECURITY),
	[ISCSI_KEY_CHAP_R] = KEY("CHAP_R", K_SECURITY),
};

/**
 * iscsi_key_lookup() - the id of a key name
 * @key: the key (case-sensitive, as RFC 7143 requires)
 *
 * Return: an enum iscsi_key_id, or ISCSI_KEY_UNKNOWN.
 */
int iscsi_key_lookup(const char *key)
{
	int i;

	for (i = 0; i < ISCSI_KEY_NR; i++)
		if (!strcmp(keys[i].name, key))
			return i;
	return ISCSI_KEY_UNKNOWN;
}

static u32 *p_u32(struct iscsi_params *p, const struct key_def *d)
{
	return (u32 *)((u8 *)p + d->off);
}

static bool *p_bool(struct iscsi_params *p, const struct key_def *d)
{
	return (bool *)((u8 *)p + d->off);
}

/**
 * iscsi_neg_init() - start a login's negotiation
 * @neg: the state
 * @target: the target's settings (see struct iscsi_params)
 */
void iscsi_neg_init(struct iscsi_neg *neg, const struct iscsi_params *target)
{
	memset(neg, 0, sizeof(*neg));
	neg->target = *target;
	iscsi_params_rfc_defaults(&neg->res);
	neg->res.max_recv_dsl = target->max_recv_dsl;
}

static bool is_constant(const char *v)
{
	return !strcmp(v, "NotUnderstood") || !strcmp(v, "Irrelevant") ||
	       !strcmp(v, "Reject");
}

/*
 * RFC 7143 13: the keys of Use LO, negotiated on the leading connection
 * of a session only (SessionType, also LO, is declarative and handled
 * with the names).
 */
#define LO_KEYS	(ISCSI_KEY_BIT(ISCSI_KEY_MAX_CONNECTIONS) |		\
		 ISCSI_KEY_BIT(ISCSI_KEY_INITIAL_R2T) |			\
		 ISCSI_KEY_BIT(ISCSI_KEY_IMMEDIATE_DATA) |		\
		 ISCSI_KEY_BIT(ISCSI_KEY_MAX_BURST) |			\
		 ISCSI_KEY_BIT(ISCSI_KEY_FIRST_BURST) |			\
		 ISCSI_KEY_BIT(ISCSI_KEY_DEFAULT_TIME2WAIT) |		\
		 ISCSI_KEY_BIT(ISCSI_KEY_DEFAULT_TIME2RETAIN) |		\
		 ISCSI_KEY_BIT(ISCSI_KEY_MAX_OUTSTANDING_R2T) |		\
		 ISCSI_KEY_BIT(ISCSI_KEY_DATA_PDU_IN_ORDER) |		\
		 ISCSI_KEY_BIT(ISCSI_KEY_DATA_SEQUENCE_IN_ORDER) |	\
		 ISCSI_KEY_BIT(ISCSI_KEY_ERROR_RECOVERY_LEVEL))

/*
 * The most the target accepts for a min-function key: its setting, and
 * for FirstBurstLength never more than MaxBurstLength (RFC 7143 13.14),
 * the target's or the one negotiated so far.
 */
static u32 min_limit(struct iscsi_neg *neg, int id)
{
	u32 lim = *p_u32(&neg->target, &keys[id]);

	if (id == ISCSI_KEY_FIRST_BURST) {
		if (lim > neg->target.max_burst)
			lim = neg->target.max_burst;
		if (lim > neg->res.max_burst)
			lim = neg->res.max_burst;
	}
	return lim;
}

/*
 * Does the target's setting permit the value in force (the RFC default
 * until the key is negotiated)? Digests: one of the accepted values;
 * min-function keys: at most the target's, max-function keys: at least;
 * InitialR2T and the other OR keys: Yes if the target says Yes;
 * ImmediateData: No if the target says No.
 */
static bool standing_ok(struct iscsi_neg *neg, int id)
{
	const struct key_def *d = &keys[id];

	switch (d->kind) {
	case K_DIGEST:
		return *p_u32(&neg->target, d) & BIT(*p_u32(&neg->res, d));
	case K_MIN:
		return *p_u32(&neg->res, d) <= min_limit(neg, id);
	case K_MAX:
		return *p_u32(&neg->res, d) >= *p_u32(&neg->target, d);
	case K_OR:
		return *p_bool(&neg->res, d) || !*p_bool(&neg->target, d);
	case K_AND:
		return !*p_bool(&neg->res, d) || *p_bool(&neg->target, d);
	default:
		return true;
	}
}

/*
 * RFC 7143 13.14: FirstBurstLength is Irrelevant when InitialR2T=Yes and
 * ImmediateData=No, which the target's settings alone impose.
 */
static bool first_burst_irrelevant(const struct iscsi_neg *neg)
{
	return neg->target.initial_r2t && !neg->target.immediate_data;
}

/*
 * A proposal the target cannot take (malformed, out of range, no value
 * it accepts) is answered Reject and the value in force stays, but only
 * if the target's setting permits that value: otherwise the negotiation
 * fails (-EPROTO, Login status 0200), rather than let the RFC default
 * override what the target requires.
 */
static int refuse(struct iscsi_neg *neg, int id, struct iscsi_text_buf *out)
{
	if (!standing_ok(neg, id))
		return -EPROTO;
	iscsi_text_add(out, keys[id].name, "Reject");
	return 0;
}

/*
 * Reject, Irrelevant or NotUnderstood. As a proposal it is ignored: the
 * key stays unnegotiated and iscsi_neg_offers() still offers the
 * target's value where the default does not do. As the answer to the
 * target's offer the value in force stays, if the target permits it;
 * FirstBurstLength=Irrelevant is accepted when the target's settings
 * make it so (iscsi_neg_finish() then settles the value, which no
 * unsolicited data ever uses).
 */
static int neg_constant(struct iscsi_neg *neg, int id, const char *v)
{
	u64 bit = ISCSI_KEY_BIT(id);

	if (!(neg->offered & bit))
		return 0;
	if (neg->seen & bit)
		return -EPROTO;
	if (!standing_ok(neg, id)) {
		if (id != ISCSI_KEY_FIRST_BURST || strcmp(v, "Irrelevant") ||
		    !first_burst_irrelevant(neg))
			return -EPROTO;
	}
	neg->seen |= bit;
	return 0;
}

static int parse_bool(const char *v, bool *b)
{
	if (!strcmp(v, "Yes"))
		*b = true;
	else if (!strcmp(v, "No"))
		*b = false;
	else
		return -EINVAL;
	return 0;
}

static const char *digest_name(u32 d)
{
	return d == ISCSI_DIGEST_CRC32C ? "CRC32C" : "None";
}

/* The first value of the initiator's list the target accepts, or -1. */
static int pick_digest(const char *list, u32 mask)
{
	const char *p = list;

	while (*p) {
		const char *e = p;
		int d = -1;

		while (*e && *e != ',')
			e++;
		if (e - p == 4 && !memcmp(p, "None", 4))
			d = ISCSI_DIGEST_NONE;
		else if (e - p == 6 && !memcmp(p, "CRC32C", 6))
			d = ISCSI_DIGEST_CRC32C;
		if (d >= 0 && (mask & BIT(d)))
			return d;
		p = *e ? e + 1 : e;
	}
	return -1;
}

/*
 * An iSCSI name (InitiatorName, TargetName; also SessionType's value):
 * printable ASCII, no space. RFC 7143 4.2.7 and the stringprep profile
 * of RFC 3722 prohibit spaces and control characters; the profile also
 * allows non-ASCII characters after normalization (NFKC, case folding),
 * which is not done here: a byte from 0x80 up is refused, since such a
 * name could not be compared with the configured ones reliably (two
 * encodings of one name). ASCII punctuation the profile prohibits too
 * ('_', '/', ...) is tolerated: initiators are configured with it, and
 * it compares as it is written.
 */
static bool valid_name_chars(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((u8)v[i] <= 0x20 || (u8)v[i] >= 0x7f)
			return false;
	return true;
}

/**
 * iscsi_name_normalize() - an iSCSI name in its normal form, in place
 * @name: a NUL-terminated iSCSI name
 *
 * iSCSI names are compared after the stringprep "iSCSI" profile (RFC 3722,
 * RFC 7143 4.2.7.1), which maps upper case to lower case: ASCII letters are
 * lowered; other bytes are left alone (names are ASCII here: the login
 * refuses bytes outside 0x21..0x7e).
 */
void iscsi_name_normalize(char *name)
{
	for (; *name; name++)
		if (*name >= 'A' && *name <= 'Z')
			*name += 'a' - 'A';
}

/* An alias: UTF-8 text (RFC 7143 13.6, 13.7), without control characters. */
static bool valid_alias_chars(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((u8)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

/*
 * A numerical key: the lesser (K_MIN) or greater (K_MAX) of the value
 * and the target's limit. An answer to the target's offer must already
 * be within it: one beyond is not admissible (RFC 7143 6.2).
 * MaxBurstLength must stay at least the FirstBurstLength agreed before.
 */
static int neg_number(struct iscsi_neg *neg, int id, const char *v,
		      bool answer, struct iscsi_text_buf *out)
{
	const struct key_def *d = &keys[id];
	u32 lim, val;
	u64 num;

	if (iscsi_parse_number(v, d->max, &num) || num < d->min) {
		if (answer)
			return -EPROTO;
		return refuse(neg, id, out);
	}
	val = (u32)num;
	if (d->kind == K_MIN) {
		lim = min_limit(neg, id);
		if (val > lim) {
			if (answer)
				return -EPROTO;
			val = lim;
		}
	} else {
		lim = *p_u32(&neg->target, d);
		if (val < lim) {
			if (answer)
				return -EPROTO;
			val = lim;
		}
	}
	/* FirstBurstLength answered before, now too large (if it matters). */
	if (id == ISCSI_KEY_MAX_BURST && neg->res.first_burst > val &&
	    (neg->seen & ISCSI_KEY_BIT(ISCSI_KEY_FIRST_BURST)) &&
	    !first_burst_irrelevant(neg))
		return -EPROTO;
	*p_u32(&neg->res, d) = val;
	if (!answer)
		iscsi_text_add_u32(out, d->name, val);
	return 0;
}

/*
 * One negotiable key. An answer to a key the target offered is folded
 * into the result without a reply; a fresh offer gets the result back.
 * The result is always one the target's settings permit, and the value
 * answered is the value used.
 */
static int neg_one(struct iscsi_neg *neg, int id, const struct iscsi_kv *kv,
		   bool first_pdu, struct iscsi_text_buf *out)
{
	const struct key_def *d = &keys[id];
	bool answer = neg->offered & ISCSI_KEY_BIT(id);
	bool b, r;
	u64 num;
	int ret;

	if (is_constant(kv->value))
		return neg_constant(neg, id, kv->value);
	if (neg->seen & ISCSI_KEY_BIT(id))
		return -EPROTO;		/* negotiated twice */
	neg->seen |= ISCSI_KEY_BIT(id);

	if ((d->irrelevant_in_discovery && neg->discovery) ||
	    ((LO_KEYS & ISCSI_KEY_BIT(id)) && neg->non_leading)) {
		if (!answer)
			iscsi_text_add(out, d->name, "Irrelevant");
		return 0;
	}

	switch (d->kind) {
	case K_DIGEST:
		ret = pick_digest(kv->value, *p_u32(&neg->target, d));
		if (ret < 0) {
			if (answer)
				return -EPROTO;
			return refuse(neg, id, out);
		}
		*p_u32(&neg->res, d) = ret;
		if (!answer)
			iscsi_text_add(out, d->name, digest_name(ret));
		return 0;
	case K_MIN:
	case K_MAX:
		return neg_number(neg, id, kv->value, answer, out);
	case K_OR:
	case K_AND:
		if (parse_bool(kv->value, &b)) {
			if (answer)
				return -EPROTO;
			return refuse(neg, id, out);
		}
		if (d->kind == K_OR)
			r = b || *p_bool(&neg->target, d);
		else
			r = b && *p_bool(&neg->target, d);
		/* The answer to our offer must be the function's result. */
		if (answer && r != b)
			return -EPROTO;
		*p_bool(&neg->res, d) = r;
		if (!answer)
			iscsi_text_add(out, d->name, r ? "Yes" : "No");
		return 0;
	case K_DECL_NUM:
		ret = iscsi_parse_number(kv->value, d->max, &num);
		if (ret || num < d->min) {
			iscsi_text_add(out, d->name, "Reject");
			return 0;
		}
		*p_u32(&neg->res, d) = (u32)num;
		return 0;
	case K_NAME:
		if (!first_pdu)
			return -EPROTO;
		if (!kv->value_len || kv->value_len > ISCSI_NAME_MAX ||
		    !valid_name_chars(kv->value, kv->value_len))
			return -EINVAL;
		if (id == ISCSI_KEY_SESSION_TYPE) {
			if (!strcmp(kv->value, "Discovery"))
				neg->discovery = true;
			else if (strcmp(kv->value, "Normal"))
				return -EINVAL;
			neg->session_type_seen = true;
		} else if (id == ISCSI_KEY_INITIATOR_NAME) {
			memcpy(neg->initiator_name, kv->value,
			       kv->value_len + 1);
			iscsi_name_normalize(neg->initiator_name);
		} else {
			memcpy(neg->target_name, kv->value, kv->value_len + 1);
			iscsi_name_normalize(neg->target_name);
		}
		return 0;
	case K_ALIAS:
		if (kv->value_len <= ISCSI_ALIAS_MAX &&
		    valid_alias_chars(kv->value, kv->value_len))
			memcpy(neg->initiator_alias, kv->value,
			       kv->value_len + 1);
		return 0;
	case K_MARKER:
		iscsi_text_add(out, d->name, "No");
		return 0;
	case K_TARGET_ONLY:
	case K_FFP_ONLY:
	case K_MARK_INT:
	default:
		iscsi_text_add(out, d->name, "Reject");
		return 0;
	}
}

/*
 * The order keys of one request are negotiated in: SessionType first, so
 * that keys irrelevant in discovery sessions are answered Irrelevant;
 * FirstBurstLength last, so that its answer takes the MaxBurstLength of
 * the same request into account.
 */
static unsigned int key_pass(int id)
{
	if (id == ISCSI_KEY_SESSION_TYPE)
		return 0;
	if (id == ISCSI_KEY_FIRST_BURST)
		return 2;
	return 1;
}

/**
 * iscsi_neg_request() - negotiate the keys of one Login Request
 * @neg: the login's state
 * @kvs: the request's pairs (iscsi_text_parse())
 * @count: their number
 * @first_pdu: this is the login's first request (names and SessionType
 *	are accepted only there)
 * @out: the response's data segment: an answer is appended for every key
 *	that needs one (unknown keys get NotUnderstood)
 *
 * Security keys (AuthMethod, CHAP_*) are skipped: they are the caller's.
 * SessionType is handled first, whatever its position, so that keys
 * irrelevant in discovery sessions are answered Irrelevant, and
 * FirstBurstLength last, so that it never exceeds MaxBurstLength. In a
 * login that adds a connection to a session (@neg->non_leading), the
 * keys of Use LO are answered Irrelevant: the session's values stand.
 *
 * A value the target cannot take is answered Reject only if the value in
 * force (the RFC default) is one the target's settings permit; an answer
 * to the target's own offer must be admissible (a value within the
 * offer, the result of a Boolean function), and a constant answering it
 * (Reject, Irrelevant, NotUnderstood) leaves the value in force, again
 * only if the target permits it. Otherwise the negotiation fails, so the
 * results always stay within the target's settings.
 *
 * Return: 0; -EPROTO if a key is negotiated twice, a declarative key
 * comes after the first request, an answer to the target's offer is not
 * admissible, or a key cannot be settled on a value the target's
 * settings permit (also FirstBurstLength above MaxBurstLength); -EINVAL
 * for a malformed name or SessionType; -ENOSPC if @out is full. Any
 * error is the initiator's (Login status 0200) except -ENOSPC.
 */
int iscsi_neg_request(struct iscsi_neg *neg, const struct iscsi_kv *kvs,
		      unsigned int count, bool first_pdu,
		      struct iscsi_text_buf *out)
{
	unsigned int i, pass;
	int ret;

	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < count; i++) {
			int id = iscsi_key_lookup(kvs[i].key);

			if (key_pass(id) != pass)
				continue;
			if (id == ISCSI_KEY_UNKNOWN) {
				iscsi_text_add(out, kvs[i].key,
					       "NotUnderstood");
				continue;
			}
			if (keys[id].kind == K_SECURITY)
				continue;
			ret = neg_one(neg, id, &kvs[i], first_pdu, out);
			if (ret)
				return ret;
		}
	}
	return out->err;
}

static void offer(struct iscsi_neg *neg, int id, struct iscsi_text_buf *out,
		  const char *value)
{
	iscsi_text_add(out, keys[id].name, value);
	neg->offered |= ISCSI_KEY_BIT(id);
}

/**
 * iscsi_neg_offers() - what the target proposes itself
 * @neg: the login's state
 * @out: the response's data segment
 *
 * Declares the target's MaxRecvDataSegmentLength once, and offers the
 * target's value of every key the initiator has not negotiated whose
 * value in force (the RFC default) the target does not accept (a smaller
 * MaxBurstLength, No for ImmediateData, digests without None...), keys
 * of Use LO only in a leading login. FirstBurstLength is offered when it
 * exceeds the MaxBurstLength negotiated or offered. Call it for
 * responses in the operational stage, and for the one that would end
 * the login; the initiator must answer before the login may complete
 * (iscsi_neg_pending()).
 *
 * Return: 0 or -ENOSPC.
 */
int iscsi_neg_offers(struct iscsi_neg *neg, struct iscsi_text_buf *out)
{
	char num[11];
	int id;

	if (!neg->declared_mrdsl) {
		iscsi_text_add_u32(out, "MaxRecvDataSegmentLength",
				   neg->target.max_recv_dsl);
		neg->declared_mrdsl = true;
	}
	for (id = 0; id < ISCSI_KEY_NR; id++) {
		const struct key_def *d = &keys[id];
		u64 bit = ISCSI_KEY_BIT(id);
		u32 tv;

		if ((neg->seen | neg->offered) & bit)
			continue;
		if (d->irrelevant_in_discovery && neg->discovery)
			continue;
		if ((LO_KEYS & bit) && neg->non_leading)
			continue;
		if (standing_ok(neg, id))
			continue;
		switch (d->kind) {
		case K_DIGEST:
			if (*p_u32(&neg->target, d) &
			    BIT(ISCSI_DIGEST_CRC32C))
				offer(neg, id, out, "CRC32C");
			break;
		case K_MIN:
		case K_MAX:
			tv = d->kind == K_MIN ? min_limit(neg, id) :
			     *p_u32(&neg->target, d);
			iscsi_u32_to_str(tv, num);
			offer(neg, id, out, num);
			break;
		case K_OR:
			offer(neg, id, out, "Yes");
			break;
		case K_AND:
			offer(neg, id, out, "No");
			break;
		default:
			break;
		}
	}
	return out->err;
}

/**
 * iscsi_neg_pending() - does an offer of the target await its answer?
 * @neg: the login's state
 *
 * Return: true if the login may not complete yet.
 */
bool iscsi_neg_pending(const struct iscsi_neg *neg)
{
	return neg->offered & ~neg->seen;
}

/**
 * iscsi_neg_finish() - settle what the answers left open, at the end
 * @neg: the login's state
 *
 * Every value was settled when it was answered and is the one the
 * initiator uses: nothing is adjusted here but a FirstBurstLength that
 * does not matter. Where InitialR2T=Yes and ImmediateData=No (no
 * unsolicited data at all, RFC 7143 13.14) it may have been answered
 * Irrelevant, or stay above a MaxBurstLength negotiated after it; it is
 * then lowered to what the target accepts, for the kernel's checks.
 */
void iscsi_neg_finish(struct iscsi_neg *neg)
{
	u32 lim = min_limit(neg, ISCSI_KEY_FIRST_BURST);

	if (neg->res.initial_r2t && !neg->res.immediate_data &&
	    neg->res.first_burst > lim)
		neg->res.first_burst = lim;
}

/**
 * iscsi_text_ffp_key() - answer one key of a full-feature-phase Text Request
 * @kv: the pair (iscsi_text_parse())
 * @max_xmit_dsl: the longest data segment the target may send on this
 *	connection (the initiator's MaxRecvDataSegmentLength)
 * @out: the response's data segment
 *
 * RFC 7143 6.2, 13: after the login only keys of Use ALL or FFPO may be
 * sent. SendTargets is left to the caller. MaxRecvDataSegmentLength is
 * declarative: a valid value replaces *@max_xmit_dsl for the PDUs sent
 * from now on and needs no answer; one out of range is answered Reject.
 * A key not understood (vendor X- keys included) is answered
 * NotUnderstood, every other key of the login phase Reject.
 *
 * Return: the key's enum iscsi_key_id, or ISCSI_KEY_UNKNOWN.
 */
int iscsi_text_ffp_key(const struct iscsi_kv *kv, u32 *max_xmit_dsl,
		       struct iscsi_text_buf *out)
{
	const struct key_def *mrdsl = &keys[ISCSI_KEY_MAX_RECV_DSL];
	int id = iscsi_key_lookup(kv->key);
	u64 v;

	switch (id) {
	case ISCSI_KEY_SEND_TARGETS:
		break;
	case ISCSI_KEY_UNKNOWN:
		iscsi_text_add(out, kv->key, "NotUnderstood");
		break;
	case ISCSI_KEY_MAX_RECV_DSL:
		if (!iscsi_parse_number(kv->value, mrdsl->max, &v) &&
		    v >= mrdsl->min)
			*max_xmit_dsl = (u32)v;
		else
			iscsi_text_add(out, kv->key, "Reject");
		break;
	default:
		iscsi_text_add(out, kv->key, "Reject");
		break;
	}
	return id;
}
