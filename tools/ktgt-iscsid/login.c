// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt-iscsid: one connection, from its first Login Request to the
 * hand-over to the kernel (normal sessions) or to the Logout of a
 * discovery session (SendTargets is answered here).
 *
 * RFC 7143: login phase 6.3 and 11.12-11.13, CHAP 12.1.3, text
 * negotiation 6.2 and 11.10-11.11, SendTargets annex C.
 *
 * Text spanning PDUs (6.1): a Login Request with the C bit is gathered
 * (at most RX_MAX bytes) and each piece answered with an empty Login
 * Response; a Login Response longer than the initiator may receive
 * (its MaxRecvDataSegmentLength, at most 8192 during the login) goes out
 * in pieces with the C bit, each asked for by an empty Login Request.
 * In a discovery session, Text Requests and Responses span PDUs the same
 * way, with a Target Transfer Tag (proto/textseq.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../targets/iscsi/proto/iscsi_proto.h"
#include "../../targets/iscsi/proto/textseq.h"
#include "chap.h"
#include "iscsid.h"

/* Login PDU fields not in iscsi_proto.h (RFC 7143 11.12, 11.13). */
#define LOGIN_FLAG_TRANSIT	0x80
#define LOGIN_FLAG_CONTINUE	0x40
#define LOGIN_CSG(f)		(((f) >> 2) & 3)
#define LOGIN_NSG(f)		((f) & 3)
#define STAGE_SECURITY		0
#define STAGE_OPERATIONAL	1
#define STAGE_FFP		3

/* Login Response status (class << 8 | detail), RFC 7143 11.13.5. */
#define ST_SUCCESS		0x0000
#define ST_INITIATOR_ERR	0x0200
#define ST_AUTH_FAILED		0x0201
#define ST_FORBIDDEN		0x0202
#define ST_NOT_FOUND		0x0203
#define ST_UNSUPPORTED_VERSION	0x0205
#define ST_TOO_MANY_CONNS	0x0206
#define ST_MISSING_PARAM	0x0207
#define ST_NO_SESSION		0x020a
#define ST_TARGET_ERR		0x0300
#define ST_SERVICE_UNAVAIL	0x0301
#define ST_OUT_OF_RESOURCES	0x0302

#define RX_MAX			ISCSI_TEXT_REQ_MAX	/* data segment, text */
#define LOGIN_DSL_MAX		8192	/* login PDUs (RFC 7143 13.12) */
#define TX_MAX			16384	/* login response data segment */
#define SENDTARGETS_MAX		(256 * 1024)

enum auth_state { AUTH_NEW, AUTH_WAIT_A, AUTH_WAIT_R, AUTH_DONE };

struct login {
	int fd;
	struct iscsid_slot *slot;
	char peer[ISCSID_ADDR_LEN + 8];
	struct sockaddr_storage local;
	char local_addr[ISCSID_ADDR_LEN];
	u16 local_port;
	struct iscsid_nl *nl;
	u64 deadline;		/* ms, iscsid_now_ms(): reads and writes */

	/* From the first Login Request, constant during the login. */
	bool started;	/* its first PDU was received */
	u8 isid[6];
	u16 tsih;
	u16 cid;
	u8 version_max;
	u8 version_min;
	bool first;
	int stage;

	u32 itt;
	u32 cmdsn;
	u32 statsn;
	u32 exp_cmdsn;

	enum auth_state auth;
	int chap_alg;
	bool chap_mutual;
	u8 chap_id;
	u8 chap_chal[CHAP_MAX_DIGEST];
	size_t chap_chal_len;

	bool discovery;
	u64 last_request;	/* ms: a discovery session's last request */
	/* For messages, as received: iscsid_log() makes them printable. */
	char ini_name[ISCSI_NAME_MAX + 1];
	char tgt_name[ISCSI_NAME_MAX + 1];
	struct iscsid_target_info ti;
	const char *why;	/* why login_start() failed */
	u16 tpgt;
	struct iscsi_neg neg;

	u8 bhs[ISCSI_BHS_LEN];
	u8 *rx;		/* RX_MAX: one PDU's data segment */
	u8 *acc;	/* RX_MAX: data accumulated over C=1 PDUs */
	size_t acc_len;
	u8 *tx;		/* TX_MAX */
};

static u64 isid_u64(const u8 *isid)
{
	return ktgt_get_be(isid, 6);
}

/* Wait until the socket is ready for @events, at most until the deadline. */
static int wait_ready(struct login *l, short events)
{
	for (;;) {
		struct pollfd pfd = { .fd = l->fd, .events = events };
		u64 now = iscsid_now_ms();
		int ret;

		if (now >= l->deadline)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, l->deadline - now > 60000 ? 60000 :
			   (int)(l->deadline - now));
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret)
			return 0;
	}
}

/* Read exactly @len bytes before the deadline. */
static int read_full(struct login *l, u8 *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;
		int ret;

		ret = wait_ready(l, POLLIN);
		if (ret)
			return ret;
		n = recv(l->fd, buf + got, len - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ECONNRESET;
		got += n;
	}
	return 0;
}

/* One PDU: the BHS in l->bhs, the data segment in l->rx. */
static int recv_pdu(struct login *l, u32 *dlen)
{
	u8 ahs[255 * 4];
	u32 len, padded;
	int ret;

	ret = read_full(l, l->bhs, ISCSI_BHS_LEN);
	if (ret)
		return ret;
	len = get_unaligned_be24(l->bhs + 5);
	if (len > RX_MAX)
		return -EMSGSIZE;
	if (l->bhs[4]) {
		ret = read_full(l, ahs, l->bhs[4] * 4);
		if (ret)
			return ret;
	}
	padded = (len + 3) & ~3u;
	ret = read_full(l, l->rx, padded);
	if (ret)
		return ret;
	*dlen = len;
	return 0;
}

/* Send one PDU before the deadline: a peer that does not read ends. */
static int send_pdu(struct login *l, const u8 *bhs, const u8 *data, u32 len)
{
	static const u8 pad[4];
	struct iovec iov[3] = {
		{ .iov_base = (void *)bhs, .iov_len = ISCSI_BHS_LEN },
		{ .iov_base = (void *)data, .iov_len = len },
		{ .iov_base = (void *)pad, .iov_len = (4 - (len & 3)) & 3 },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };
	size_t total = ISCSI_BHS_LEN + len + iov[2].iov_len;

	while (total) {
		ssize_t n;
		int ret = wait_ready(l, POLLOUT);

		if (ret)
			return ret;
		n = sendmsg(l->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		total -= n;
		while (n && mh.msg_iovlen) {
			size_t k = (size_t)n < mh.msg_iov->iov_len ?
				   (size_t)n : mh.msg_iov->iov_len;

			mh.msg_iov->iov_base = (u8 *)mh.msg_iov->iov_base + k;
			mh.msg_iov->iov_len -= k;
			n -= k;
			if (!mh.msg_iov->iov_len) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return 0;
}

static int send_login_rsp(struct login *l, u8 flags, u16 status,
			  const u8 *data, u32 len, u16 tsih)
{
	u8 bhs[ISCSI_BHS_LEN] = { 0 };

	bhs[0] = ISCSI_OP_LOGIN_RSP;
	bhs[1] = flags;
	bhs[2] = 0;	/* Version-max */
	bhs[3] = 0;	/* Version-active */
	put_unaligned_be24(len, bhs + 5);
	memcpy(bhs + 8, l->isid, 6);
	put_unaligned_be16(tsih, bhs + 14);
	put_unaligned_be32(l->itt, bhs + 16);
	put_unaligned_be32(l->statsn, bhs + 24);
	put_unaligned_be32(l->exp_cmdsn, bhs + 28);
	put_unaligned_be32(l->exp_cmdsn, bhs + 32);	/* MaxCmdSN */
	bhs[36] = status >> 8;
	bhs[37] = status & 0xff;
	l->statsn++;
	return send_pdu(l, bhs, data, len);
}

/*
 * A failed login: its log line and its response, with @data (the keys
 * that tell why, e.g. AuthMethod=Reject) if any.
 */
static void login_fail_data(struct login *l, u16 status, const char *why,
			    const u8 *data, u32 len)
{
	log_warn("%s: login of %s to %s failed, status %04x: %s", l->peer,
		 l->ini_name[0] ? l->ini_name : "?",
		 l->discovery ? "discovery" :
		 l->tgt_name[0] ? l->tgt_name : "?", status, why);
	send_login_rsp(l, (u8)(l->stage << 2), status, data, len, l->tsih);
}

static void login_fail(struct login *l, u16 status, const char *why)
{
	login_fail_data(l, status, why, NULL, 0);
}

static const char *kv_get(const struct iscsi_kv *kvs, unsigned int n,
			  int id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (iscsi_key_lookup(kvs[i].key) == id)
			return kvs[i].value;
	return NULL;
}

/* Canonical form of an address, for comparisons. */
static int addr_bytes(const char *s, u8 *out, int *family)
{
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 4;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return 16;
	}
	return -1;
}

static bool is_wildcard(const char *addr)
{
	return !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
}

/* Does @p serve connections arriving at our local address? */
static bool portal_matches(struct login *l, const struct iscsid_portal *p)
{
	u8 a[16], b[16];
	int fa, fb, la, lb;

	if (p->port != l->local_port)
		return false;
	la = addr_bytes(p->addr, a, &fa);
	lb = addr_bytes(l->local_addr, b, &fb);
	if (la < 0 || lb < 0 || fa != fb)
		return false;
	if (is_wildcard(p->addr))
		return true;
	return !memcmp(a, b, la);
}

/* The first request: names, session type, the target's view. */
static u16 login_start(struct login *l, const struct iscsi_kv *kvs,
		       unsigned int n)
{
	const char *ini = kv_get(kvs, n, ISCSI_KEY_INITIATOR_NAME);
	const char *tn = kv_get(kvs, n, ISCSI_KEY_TARGET_NAME);
	const char *st = kv_get(kvs, n, ISCSI_KEY_SESSION_TYPE);
	char ini_n[ISCSI_NAME_MAX + 1], tn_n[ISCSI_NAME_MAX + 1];
	struct iscsi_params p;
	unsigned int i;
	int ret;

	if (ini)
		snprintf(l->ini_name, sizeof(l->ini_name), "%s", ini);
	if (tn)
		snprintf(l->tgt_name, sizeof(l->tgt_name), "%s", tn);
	if (!ini || !ini[0])
		return ST_MISSING_PARAM;
	if (st && !strcmp(st, "Discovery"))
		l->discovery = true;
	else if (st && strcmp(st, "Normal"))
		return ST_INITIATOR_ERR;

	if (l->discovery) {
		/*
		 * A TSIH names a session to add this connection to: discovery
		 * sessions live here, one connection each, and take none.
		 */
		if (l->tsih) {
			l->why = "a discovery session takes no added connection";
			return ST_NO_SESSION;
		}
		/*
		 * Discovery: no digests, defaults; CHAP if the driver's
		 * discovery credentials (targets/iscsi/auth_*) ask for it,
		 * read now so that a change applies to the next login. A
		 * module without DISCOVERY_AUTH_GET has no such attributes.
		 */
		ret = iscsid_nl_discovery_auth_get(l->nl, &l->ti);
		if (ret == -EOPNOTSUPP) {
			log_dbg("DISCOVERY_AUTH_GET not supported: discovery without CHAP");
		} else if (ret) {
			log_err("DISCOVERY_AUTH_GET: %s", strerror(-ret));
			l->why = "discovery credentials not available";
			return ST_TARGET_ERR;
		}
		iscsi_params_rfc_defaults(&p);
		p.header_digest = BIT(ISCSI_DIGEST_NONE);
		p.data_digest = BIT(ISCSI_DIGEST_NONE);
		p.max_recv_dsl = RX_MAX;
		iscsi_neg_init(&l->neg, &p);
		return ST_SUCCESS;
	}
	if (!tn || !tn[0])
		return ST_MISSING_PARAM;
	if (strlen(tn) > ISCSI_NAME_MAX || strlen(ini) > ISCSI_NAME_MAX)
		return ST_INITIATOR_ERR;
	/*
	 * The names in their normal form (lower case, RFC 3722), as
	 * l->neg has them for CONN_ADD: the session, its PR TransportIDs,
	 * its reinstatement and the masking all see one spelling of each
	 * name. A failed login logs the names as sent.
	 */
	snprintf(ini_n, sizeof(ini_n), "%s", ini);
	iscsi_name_normalize(ini_n);
	snprintf(tn_n, sizeof(tn_n), "%s", tn);
	iscsi_name_normalize(tn_n);
	ret = iscsid_nl_target_get(l->nl, tn_n, ini_n, &l->ti);
	if (ret == -ENOENT) {
		l->why = "no such target";
		return ST_NOT_FOUND;
	}
	if (ret) {
		log_err("TARGET_GET %s: %s", tn_n, strerror(-ret));
		return ST_TARGET_ERR;
	}
	if (!l->ti.access) {
		l->why = "initiator not admitted";
		return ST_FORBIDDEN;
	}
	for (i = 0; i < l->ti.tgt.nportals; i++)
		if (portal_matches(l, &l->ti.tgt.portals[i]))
			break;
	if (i == l->ti.tgt.nportals) {
		l->why = "target not on this portal";
		return ST_NOT_FOUND;
	}
	l->tpgt = l->ti.tgt.portals[i].tpgt;
	iscsi_neg_init(&l->neg, &l->ti.params);
	/* A connection added to a session: its keys of Use LO stand. */
	l->neg.non_leading = l->tsih != 0;
	return ST_SUCCESS;
}

/*
 * The target's (or group's) auth_user for a normal session, the driver's
 * discovery auth_user for a discovery session (login_start()).
 */
static bool chap_required(struct login *l)
{
	return l->ti.user[0];
}

static u16 auth_failed(struct login *l, const char *why)
{
	l->why = why;
	return ST_AUTH_FAILED;
}

/* The security keys of one request; returns a login status. */
static u16 login_security(struct login *l, const struct iscsi_kv *kvs,
			  unsigned int n, bool transit,
			  struct iscsi_text_buf *out)
{
	const char *am = kv_get(kvs, n, ISCSI_KEY_AUTH_METHOD);
	const char *ca = kv_get(kvs, n, ISCSI_KEY_CHAP_A);
	const char *ci = kv_get(kvs, n, ISCSI_KEY_CHAP_I);
	const char *cc = kv_get(kvs, n, ISCSI_KEY_CHAP_C);
	const char *cn = kv_get(kvs, n, ISCSI_KEY_CHAP_N);
	const char *cr = kv_get(kvs, n, ISCSI_KEY_CHAP_R);
	u8 buf[CHAP_MAX_CHALLENGE], rsp[CHAP_MAX_DIGEST];
	size_t len;
	u64 id;
	int dl;

	if (l->stage != STAGE_SECURITY) {
		if (am || ca || ci || cc || cn || cr)
			return ST_INITIATOR_ERR;
		return ST_SUCCESS;
	}
	switch (l->auth) {
	case AUTH_NEW:
		if (ca || ci || cc || cn || cr)
			return ST_INITIATOR_ERR;
		if (chap_required(l)) {
			const struct iscsid_target_info *ti = &l->ti;
			const char *why;

			why = chap_check_secrets((const u8 *)ti->secret,
						 ti->secret_len,
						 (const u8 *)ti->mutual_secret,
						 ti->mutual_secret_len);
			if (why)
				return auth_failed(l, why);
		}
		if (!am) {
			if (chap_required(l)) {
				if (transit)
					return auth_failed(l, "no AuthMethod");
				return ST_SUCCESS;
			}
			l->auth = AUTH_DONE;
			return ST_SUCCESS;
		}
		if (chap_required(l)) {
			if (!iscsi_list_has(am, "CHAP")) {
				iscsi_text_add(out, "AuthMethod", "Reject");
				return auth_failed(l, "CHAP not offered");
			}
			iscsi_text_add(out, "AuthMethod", "CHAP");
			l->auth = AUTH_WAIT_A;
			return ST_SUCCESS;
		}
		if (!iscsi_list_has(am, "None")) {
			iscsi_text_add(out, "AuthMethod", "Reject");
			return auth_failed(l, "AuthMethod None not offered");
		}
		iscsi_text_add(out, "AuthMethod", "None");
		l->auth = AUTH_DONE;
		return ST_SUCCESS;
	case AUTH_WAIT_A:
		if (am || ci || cc || cn || cr || !ca)
			return auth_failed(l, "CHAP_A expected");
		l->chap_alg = chap_pick_alg(ca);
		if (l->chap_alg < 0) {
			iscsi_text_add(out, "CHAP_A", "Reject");
			return auth_failed(l, "no supported CHAP_A");
		}
		l->chap_chal_len = chap_digest_len(l->chap_alg);
		if (chap_random(&l->chap_id, 1) ||
		    chap_random(l->chap_chal, l->chap_chal_len))
			return ST_TARGET_ERR;
		iscsi_text_add_u32(out, "CHAP_A", l->chap_alg);
		iscsi_text_add_u32(out, "CHAP_I", l->chap_id);
		iscsi_text_add_hex(out, "CHAP_C", l->chap_chal,
				   l->chap_chal_len);
		l->auth = AUTH_WAIT_R;
		return ST_SUCCESS;
	case AUTH_WAIT_R:
		if (am || ca || !cn || !cr)
			return auth_failed(l, "CHAP_N and CHAP_R expected");
		if (strcmp(cn, l->ti.user))
			return auth_failed(l, "wrong CHAP_N");
		if (iscsi_parse_binary(cr, buf, sizeof(buf), &len) ||
		    !chap_verify(l->chap_alg, l->chap_id,
				 (const u8 *)l->ti.secret, l->ti.secret_len,
				 l->chap_chal, l->chap_chal_len, buf, len))
			return auth_failed(l, "wrong CHAP_R");
		if (ci || cc) {
			/* Mutual: the initiator authenticates us. */
			if (!ci || !cc)
				return auth_failed(l, "CHAP_I without CHAP_C");
			if (!l->ti.mutual_user[0] ||
			    !l->ti.mutual_secret_len)
				return auth_failed(l, "no mutual credentials");
			if (iscsi_parse_number(ci, 255, &id) ||
			    iscsi_parse_binary(cc, buf, sizeof(buf), &len) ||
			    !len)
				return auth_failed(l, "malformed CHAP_I/CHAP_C");
			if (len == l->chap_chal_len &&
			    !memcmp(buf, l->chap_chal, len))
				return auth_failed(l, "reflected challenge");
			dl = chap_response(l->chap_alg, (u8)id,
					   (const u8 *)l->ti.mutual_secret,
					   l->ti.mutual_secret_len, buf, len,
					   rsp);
			if (dl <= 0)
				return ST_TARGET_ERR;
			iscsi_text_add(out, "CHAP_N", l->ti.mutual_user);
			iscsi_text_add_hex(out, "CHAP_R", rsp, dl);
			l->chap_mutual = true;
		}
		l->auth = AUTH_DONE;
		return ST_SUCCESS;
	case AUTH_DONE:
	default:
		if (am || ca || ci || cc || cn || cr)
			return ST_INITIATOR_ERR;
		return ST_SUCCESS;
	}
}

static const char *chap_alg_name(int alg)
{
	switch (alg) {
	case CHAP_A_MD5:
		return "5 (MD5)";
	case CHAP_A_SHA1:
		return "6 (SHA1)";
	case CHAP_A_SHA256:
		return "7 (SHA-256)";
	default:
		return "8 (SHA3-256)";
	}
}

static u16 conn_add_status(int err)
{
	switch (err) {
	case -ENOENT:
		return ST_NO_SESSION;
	case -EBUSY:
	case -EUSERS:
	case -EMLINK:
		return ST_TOO_MANY_CONNS;
	case -EACCES:
	case -EPERM:
		return ST_FORBIDDEN;
	default:
		return ST_TARGET_ERR;
	}
}

/* The final response of a normal session and the hand-over. */
static int login_complete(struct login *l, u8 flags, const u8 *data,
			  u32 len)
{
	struct iscsid_conn_add a = {
		.target = l->neg.target_name,
		.initiator = l->neg.initiator_name,
		.isid = isid_u64(l->isid),
		.tsih = l->tsih,
		.cid = l->cid,
		.fd = l->fd,
		.statsn = l->statsn,
		.exp_cmdsn = l->exp_cmdsn,
		.params = &l->neg.res,
		.queue_depth = l->ti.queue_depth,
	};
	u16 tsih = 0;
	int ret;

	iscsi_neg_finish(&l->neg);
	/* From here the kernel may own the socket: never evict it. */
	if (!iscsid_slot_done(&iscsid_slots, l->slot)) {
		log_dbg("%s: ended for the limits before CONN_ADD", l->peer);
		return -ECONNABORTED;
	}
	ret = iscsid_nl_conn_add(l->nl, &a, &tsih);
	if (ret) {
		login_fail(l, l->tsih ? conn_add_status(ret) :
			   ret == -ENOENT ? ST_NOT_FOUND : conn_add_status(ret),
			   strerror(-ret));
		return ret;
	}
	ret = send_login_rsp(l, flags, ST_SUCCESS, data, len, tsih);
	if (ret) {
		log_warn("%s: final login response: %s", l->peer,
			 strerror(-ret));
		return ret;	/* not started: the kernel drops it */
	}
	ret = iscsid_nl_conn_start(l->nl, tsih, l->cid);
	if (ret) {
		log_err("%s: CONN_START tsih %u cid %u: %s", l->peer, tsih,
			l->cid, strerror(-ret));
		return ret;
	}
	log_info("%s: %s logged in to %s (tsih %u cid %u, auth %s%s%s%s%s)",
		 l->peer, l->neg.initiator_name, l->neg.target_name, tsih,
		 l->cid, l->chap_alg ? "CHAP_A=" : "None",
		 l->chap_alg ? chap_alg_name(l->chap_alg) : "",
		 l->chap_mutual ? " mutual" : "",
		 l->neg.res.header_digest ? ", header digest" : "",
		 l->neg.res.data_digest ? ", data digest" : "");
	return 0;
}

/*
 * SendTargets: the targets the initiator may access, with every portal.
 * Wildcard portals are named by the address the connection came to.
 */
static void send_targets(struct login *l, const char *what,
			 struct iscsi_text_buf *out)
{
	struct iscsid_target_list list;
	unsigned int i, j;
	int ret;

	ret = iscsid_nl_target_list(l->nl, l->neg.initiator_name, &list);
	if (ret) {
		log_err("TARGET_LIST: %s", strerror(-ret));
		return;
	}
	for (i = 0; i < list.n; i++) {
		const struct iscsid_target *t = &list.t[i];

		/* Target names compare as their normal forms do. */
		if (strcmp(what, "All") && strcasecmp(what, t->name))
			continue;
		iscsi_text_add(out, "TargetName", t->name);
		for (j = 0; j < t->nportals; j++) {
			const struct iscsid_portal *p = &t->portals[j];
			const char *addr = p->addr;
			char val[ISCSID_ADDR_LEN + 32];

			if (is_wildcard(addr)) {
				bool v6 = strchr(addr, ':');

				if (v6 != !!strchr(l->local_addr, ':'))
					continue;
				addr = l->local_addr;
			}
			if (strchr(addr, ':'))
				snprintf(val, sizeof(val), "[%s]:%u,%u", addr,
					 p->port, p->tpgt);
			else
				snprintf(val, sizeof(val), "%s:%u,%u", addr,
					 p->port, p->tpgt);
			iscsi_text_add(out, "TargetAddress", val);
		}
	}
	iscsid_target_list_free(&list);
}

static int send_simple(struct login *l, u8 op, u8 flags, u32 itt, u32 ttt,
		       const u8 *data, u32 len, bool advance)
{
	u8 bhs[ISCSI_BHS_LEN] = { 0 };

	bhs[0] = op;
	bhs[1] = flags;
	put_unaligned_be24(len, bhs + 5);
	put_unaligned_be32(itt, bhs + 16);
	put_unaligned_be32(ttt, bhs + 20);
	put_unaligned_be32(l->statsn, bhs + 24);
	put_unaligned_be32(l->exp_cmdsn, bhs + 28);
	put_unaligned_be32(l->exp_cmdsn, bhs + 32);
	if (advance)
		l->statsn++;
	return send_pdu(l, bhs, data, len);
}

/* A Reject carrying the BHS just received (l->bhs). */
static int send_reject(struct login *l, u8 reason)
{
	u8 bhs[ISCSI_BHS_LEN] = { 0 };

	bhs[0] = ISCSI_OP_REJECT;
	bhs[1] = ISCSI_FLAG_FINAL;
	bhs[2] = reason;
	put_unaligned_be24(ISCSI_BHS_LEN, bhs + 5);
	put_unaligned_be32(ISCSI_RSVD_TAG, bhs + 16);
	put_unaligned_be32(l->statsn++, bhs + 24);
	put_unaligned_be32(l->exp_cmdsn, bhs + 28);
	put_unaligned_be32(l->exp_cmdsn, bhs + 32);
	return send_pdu(l, bhs, l->bhs, ISCSI_BHS_LEN);
}

/* A Text Request iscsi_tseq_rx() refused: one log line and a Reject. */
static int text_refuse(struct login *l, int err, u32 ttt)
{
	switch (err) {
	case -E2BIG:
		log_warn("%s: text request too long (over %u bytes), rejected",
			 l->peer, RX_MAX);
		return send_reject(l, ISCSI_REJECT_OUT_OF_RESOURCES);
	case -EINVAL:
		log_warn("%s: Text Request with unknown or stale TTT 0x%x, rejected",
			 l->peer, ttt);
		return send_reject(l, ISCSI_REJECT_INVALID_PDU_FIELD);
	default:
		log_warn("%s: Text Request protocol error, rejected", l->peer);
		return send_reject(l, ISCSI_REJECT_PROTOCOL_ERROR);
	}
}

/* The answer to a complete Text Request of a discovery session. */
static int text_answer(struct login *l, u32 len, struct iscsi_text_buf *out)
{
	struct iscsi_kv kvs[ISCSI_TEXT_MAX_PAIRS];
	unsigned int n, i;

	if (iscsi_text_parse(l->acc, len, kvs, ISCSI_TEXT_MAX_PAIRS, &n)) {
		log_warn("%s: malformed text request", l->peer);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (iscsi_text_ffp_key(&kvs[i], &l->neg.res.max_xmit_dsl,
				       out) == ISCSI_KEY_SEND_TARGETS)
			send_targets(l, kvs[i].value, out);
	if (out->err)
		log_warn("%s: text response cut at %zu bytes", l->peer,
			 out->len);
	return 0;
}

/*
 * The full-feature phase of a discovery session, until Logout. It ends
 * after iscsid_cfg.discovery_idle seconds without a Text Request: a
 * NOP-Out does not renew it, so that pings cannot hold a session (and
 * its slot) forever.
 */
static void discovery_session(struct login *l)
{
	char evicted[ISCSID_HOST_LEN];
	struct iscsi_text_buf out;
	struct iscsi_tseq ts;
	u8 *st;
	int ret;

	ret = iscsid_slot_discovery(&iscsid_slots, l->slot, iscsid_now_ms(),
				    evicted, sizeof(evicted));
	if (ret < 0)
		return;
	if (ret > 0)
		log_info("too many discovery sessions: ended the most idle, from %s",
			 evicted);
	st = malloc(SENDTARGETS_MAX);
	if (!st)
		return;
	iscsi_tseq_init(&ts, RX_MAX, 1);
	l->last_request = iscsid_now_ms();
	for (;;) {
		u32 dlen, itt, ttt, off = 0, n;
		u8 op, flags, rflags;
		int act;

		l->deadline = l->last_request +
			      (u64)iscsid_cfg.discovery_idle * 1000;
		ret = recv_pdu(l, &dlen);
		if (ret) {
			if (ret == -ETIMEDOUT)
				log_info("%s: discovery session idle for %u s: closed",
					 l->peer, iscsid_cfg.discovery_idle);
			else
				log_dbg("%s: discovery session ends: %s",
					l->peer, strerror(-ret));
			break;
		}
		op = l->bhs[0] & ISCSI_OPCODE_MASK;
		flags = l->bhs[1];
		itt = get_unaligned_be32(l->bhs + 16);
		ttt = get_unaligned_be32(l->bhs + 20);
		if (!(l->bhs[0] & ISCSI_OP_IMMEDIATE) &&
		    get_unaligned_be32(l->bhs + 24) == l->exp_cmdsn)
			l->exp_cmdsn++;

		if (op == ISCSI_OP_LOGOUT_REQ) {
			u8 bhs[ISCSI_BHS_LEN] = { 0 };

			bhs[0] = ISCSI_OP_LOGOUT_RSP;
			bhs[1] = ISCSI_FLAG_FINAL;
			bhs[2] = ISCSI_LOGOUT_RSP_OK;
			put_unaligned_be32(itt, bhs + 16);
			put_unaligned_be32(l->statsn++, bhs + 24);
			put_unaligned_be32(l->exp_cmdsn, bhs + 28);
			put_unaligned_be32(l->exp_cmdsn, bhs + 32);
			send_pdu(l, bhs, NULL, 0);
			log_dbg("%s: discovery session logged out", l->peer);
			break;
		}
		if (op == ISCSI_OP_NOOP_OUT) {
			/*
			 * The ping data comes back, but no more of it than
			 * the initiator's MaxRecvDataSegmentLength (RFC 7143
			 * 11.18.5), as the kernel does.
			 */
			if (dlen > l->neg.res.max_xmit_dsl)
				dlen = l->neg.res.max_xmit_dsl;
			if (itt != ISCSI_RSVD_TAG &&
			    send_simple(l, ISCSI_OP_NOOP_IN, ISCSI_FLAG_FINAL,
					itt, ISCSI_RSVD_TAG, l->rx, dlen, true))
				break;
			continue;
		}
		if (op != ISCSI_OP_TEXT_REQ) {
			log_warn("%s: opcode 0x%02x in a discovery session",
				 l->peer, op);
			break;
		}
		l->last_request = iscsid_now_ms();
		iscsid_slot_touch(&iscsid_slots, l->slot, l->last_request);
		act = iscsi_tseq_rx(&ts, itt, ttt, flags, dlen, &off);
		if (act < 0) {
			if (text_refuse(l, act, ttt))
				break;
			continue;
		}
		if (act != ISCSI_TSEQ_NEXT)
			memcpy(l->acc + off, l->rx, dlen);
		if (act == ISCSI_TSEQ_ACK) {
			/* More request text follows: ask for it. */
			if (send_simple(l, ISCSI_OP_TEXT_RSP, 0, itt, ts.ttt,
					NULL, 0, true))
				break;
			continue;
		}
		if (act == ISCSI_TSEQ_DONE) {
			iscsi_text_init(&out, st, SENDTARGETS_MAX);
			if (text_answer(l, ts.req_len, &out)) {
				/* Malformed: a Reject, as the kernel does. */
				iscsi_tseq_reset(&ts);
				if (send_reject(l, ISCSI_REJECT_PROTOCOL_ERROR))
					break;
				continue;
			}
			iscsi_tseq_respond(&ts, (u32)out.len);
		}
		n = iscsi_tseq_next(&ts, st, l->neg.res.max_xmit_dsl, &off,
				    &rflags, &ttt);
		if (send_simple(l, ISCSI_OP_TEXT_RSP, rflags, itt, ttt,
				st + off, n, true))
			break;
	}
	free(st);
}

/*
 * The TSIH of a new discovery session, for its Login Final-Response: the
 * target MUST make one, not 0, for a new session (RFC 7143 11.13.3).
 * Discovery sessions are not the kernel's, so the TSIHs come from a
 * counter of their own; being refused as a connection's TSIH by a
 * discovery login (login_start()), they never name a session.
 */
static u16 discovery_tsih(void)
{
	static u16 last;
	u16 tsih;

	do {
		tsih = __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
	} while (!tsih);
	return tsih;
}

/*
 * Header checks of a Login Request after the first: ISID, TSIH and CID
 * name the connection, and every request of the login phase carries the
 * same Version-max and Version-min (RFC 7143 11.12.4, 11.12.5).
 */
static bool same_login(struct login *l)
{
	return l->bhs[2] == l->version_max && l->bhs[3] == l->version_min &&
	       !memcmp(l->bhs + 8, l->isid, 6) &&
	       get_unaligned_be16(l->bhs + 14) == l->tsih &&
	       get_unaligned_be16(l->bhs + 20) == l->cid;
}

/* What one Login Response may carry. */
static u32 login_max_dsl(struct login *l)
{
	u32 max = l->neg.res.max_xmit_dsl;

	return max && max < LOGIN_DSL_MAX ? max : LOGIN_DSL_MAX;
}

/*
 * A login response longer than the initiator may receive: send all but
 * its last piece, each with C=1 (T=0) and answered by an empty Login
 * Request of the same stage (RFC 7143 6.1, 11.13.2). Returns the offset
 * of the last piece, which the caller sends with the response's flags,
 * or -1 if the login is over.
 */
static long login_rsp_pieces(struct login *l, u8 csg, const u8 *data,
			     u32 len)
{
	u32 max = login_max_dsl(l), off = 0, dlen;
	int ret;

	while (len - off > max) {
		u32 n = (u32)iscsi_text_cut(data + off, len - off, max);

		if (send_login_rsp(l, (u8)(csg << 2) | LOGIN_FLAG_CONTINUE,
				   ST_SUCCESS, data + off, n, l->tsih))
			return -1;
		off += n;
		ret = recv_pdu(l, &dlen);
		if (ret) {
			log_dbg("%s: login: %s", l->peer, strerror(-ret));
			return -1;
		}
		if ((l->bhs[0] & ISCSI_OPCODE_MASK) != ISCSI_OP_LOGIN_REQ ||
		    !same_login(l) || dlen ||
		    (l->bhs[1] & LOGIN_FLAG_CONTINUE) ||
		    LOGIN_CSG(l->bhs[1]) != csg) {
			login_fail(l, ST_INITIATOR_ERR,
				   "no empty Login Request after a C-bit response");
			return -1;
		}
		l->itt = get_unaligned_be32(l->bhs + 16);
		l->cmdsn = get_unaligned_be32(l->bhs + 24);
		l->exp_cmdsn = l->cmdsn;
	}
	return off;
}

/* The login phase; returns true if a discovery session follows. */
static bool login_phase(struct login *l)
{
	struct iscsi_kv kvs[ISCSI_TEXT_MAX_PAIRS];
	struct iscsi_text_buf out;
	bool in_cont = false;
	unsigned int n;
	size_t sec;
	long off;
	u32 dlen;
	u16 st;
	int ret;

	l->first = true;
	l->stage = STAGE_SECURITY;
	for (;;) {
		bool transit;
		u8 flags, csg, nsg, rflags;

		ret = recv_pdu(l, &dlen);
		if (ret) {
			log_dbg("%s: login: %s", l->peer, strerror(-ret));
			if (ret == -ETIMEDOUT)
				log_warn("%s: login timed out", l->peer);
			return false;
		}
		if ((l->bhs[0] & ISCSI_OPCODE_MASK) != ISCSI_OP_LOGIN_REQ) {
			log_warn("%s: opcode 0x%02x during login", l->peer,
				 l->bhs[0] & ISCSI_OPCODE_MASK);
			return false;
		}
		flags = l->bhs[1];
		csg = LOGIN_CSG(flags);
		nsg = LOGIN_NSG(flags);
		transit = flags & LOGIN_FLAG_TRANSIT;
		l->itt = get_unaligned_be32(l->bhs + 16);
		l->cmdsn = get_unaligned_be32(l->bhs + 24);
		l->exp_cmdsn = l->cmdsn;
		if (!l->started) {
			/* The first PDU, even of a first request in pieces. */
			l->started = true;
			memcpy(l->isid, l->bhs + 8, 6);
			l->tsih = get_unaligned_be16(l->bhs + 14);
			l->cid = get_unaligned_be16(l->bhs + 20);
			l->version_max = l->bhs[2];
			l->version_min = l->bhs[3];
			if (chap_random((u8 *)&l->statsn, sizeof(l->statsn)))
				l->statsn = 1;
			if (l->bhs[3] > 0) {	/* Version-min */
				login_fail(l, ST_UNSUPPORTED_VERSION,
					   "version");
				return false;
			}
		} else if (!same_login(l)) {
			login_fail(l, ST_INITIATOR_ERR,
				   "ISID/TSIH/CID or version changed");
			return false;
		}
		/*
		 * The stage changes only with a response with the T bit
		 * (l->stage = nsg below), except that the first request may
		 * begin with the operational stage (RFC 7143 6.3): it skips
		 * the security stage, if none is required.
		 */
		if (csg != l->stage && !(l->first && csg == STAGE_OPERATIONAL)) {
			login_fail(l, ST_INITIATOR_ERR,
				   "CSG not the current stage (no response with the T bit)");
			return false;
		}
		if (transit && (nsg <= csg || nsg == 2)) {
			login_fail(l, ST_INITIATOR_ERR, "bad NSG");
			return false;
		}
		if ((flags & LOGIN_FLAG_CONTINUE) && transit) {
			login_fail(l, ST_INITIATOR_ERR, "C and T both set");
			return false;
		}
		if (in_cont && csg != l->stage) {
			login_fail(l, ST_INITIATOR_ERR, "CSG changed in C-bit text");
			return false;
		}
		l->stage = csg;
		if (dlen > RX_MAX - l->acc_len) {
			login_fail(l, ST_OUT_OF_RESOURCES,
				   "login request text too long");
			return false;
		}
		memcpy(l->acc + l->acc_len, l->rx, dlen);
		l->acc_len += dlen;
		in_cont = flags & LOGIN_FLAG_CONTINUE;
		if (in_cont) {
			/* More text follows: an empty response asks for it. */
			if (send_login_rsp(l, (u8)(csg << 2), ST_SUCCESS,
					   NULL, 0, l->tsih))
				return false;
			continue;
		}
		ret = iscsi_text_parse(l->acc, l->acc_len, kvs,
				       ISCSI_TEXT_MAX_PAIRS, &n);
		l->acc_len = 0;
		if (ret) {
			login_fail(l, ST_INITIATOR_ERR, "malformed text");
			return false;
		}
		if (l->first) {
			l->why = "first request";
			st = login_start(l, kvs, n);
			if (st) {
				login_fail(l, st, l->why);
				return false;
			}
		}
		if (csg == STAGE_OPERATIONAL && l->auth != AUTH_DONE) {
			if (chap_required(l)) {
				login_fail(l, ST_AUTH_FAILED,
					   "security stage skipped");
				return false;
			}
			l->auth = AUTH_DONE;
		}

		iscsi_text_init(&out, l->tx, TX_MAX);
		ret = iscsi_neg_request(&l->neg, kvs, n, l->first, &out);
		if (ret) {
			login_fail(l, ret == -ENOSPC ? ST_TARGET_ERR :
				   ST_INITIATOR_ERR, "negotiation");
			return false;
		}
		sec = out.len;
		st = login_security(l, kvs, n, transit, &out);
		if (st) {
			/* With the key refused, if any (AuthMethod=Reject). */
			login_fail_data(l, st, st == ST_AUTH_FAILED ?
					l->why : "security negotiation",
					l->tx + sec, out.err ? 0 :
					(u32)(out.len - sec));
			return false;
		}
		if (l->first && !l->discovery) {
			iscsi_text_add_u32(&out, "TargetPortalGroupTag",
					   l->tpgt);
			if (l->ti.tgt.alias[0])
				iscsi_text_add(&out, "TargetAlias",
					       l->ti.tgt.alias);
		}
		if (transit && l->auth != AUTH_DONE)
			transit = false;
		if (csg == STAGE_OPERATIONAL ||
		    (transit && nsg == STAGE_FFP))
			iscsi_neg_offers(&l->neg, &out);
		if (transit && nsg == STAGE_FFP && iscsi_neg_pending(&l->neg))
			transit = false;
		if (out.err) {
			login_fail(l, ST_TARGET_ERR, "response too long");
			return false;
		}
		l->first = false;
		rflags = (u8)(csg << 2);
		if (transit)
			rflags |= LOGIN_FLAG_TRANSIT | nsg;
		off = login_rsp_pieces(l, csg, l->tx, (u32)out.len);
		if (off < 0)
			return false;
		if (transit && nsg == STAGE_FFP && !l->discovery) {
			login_complete(l, rflags, l->tx + off,
				       (u32)(out.len - off));
			return false;
		}
		if (transit && nsg == STAGE_FFP)
			l->tsih = discovery_tsih();
		if (send_login_rsp(l, rflags, ST_SUCCESS, l->tx + off,
				   (u32)(out.len - off), l->tsih))
			return false;
		if (transit) {
			l->stage = nsg;
			if (nsg == STAGE_FFP) {
				log_info("%s: discovery session of %s (auth %s%s%s)",
					 l->peer, l->neg.initiator_name,
					 l->chap_alg ? "CHAP_A=" : "None",
					 l->chap_alg ?
					 chap_alg_name(l->chap_alg) : "",
					 l->chap_mutual ? " mutual" : "");
				return true;
			}
		}
	}
}

static void sockaddr_str(const struct sockaddr_storage *ss, char *addr,
			 size_t cap, u16 *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, cap);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, addr, cap);
		*port = ntohs(s4->sin_port);
	}
}

/**
 * iscsid_serve() - run one connection's login (and discovery session)
 * @slot: the connection, counted in iscsid_slots; its fd is closed here
 *	(after CONN_START, the kernel holds its own reference) and the slot
 *	released, not freed
 *
 * The login phase must end within iscsid_cfg.login_timeout seconds of
 * the accept, however the initiator paces its PDUs.
 */
void iscsid_serve(struct iscsid_slot *slot)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct login *l = calloc(1, sizeof(*l));
	char paddr[ISCSID_ADDR_LEN];
	int fd = slot->fd;
	u16 pport;
	int one = 1;

	if (!l)
		goto out;
	l->fd = fd;
	l->slot = slot;
	l->rx = malloc(RX_MAX);
	l->acc = malloc(RX_MAX);
	l->tx = malloc(TX_MAX);
	if (!l->rx || !l->acc || !l->tx)
		goto out;
	l->deadline = slot->since + (u64)iscsid_cfg.login_timeout * 1000;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (getpeername(fd, (struct sockaddr *)&ss, &sl))
		goto out;
	sockaddr_str(&ss, paddr, sizeof(paddr), &pport);
	snprintf(l->peer, sizeof(l->peer), "%s%s%s:%u",
		 ss.ss_family == AF_INET6 ? "[" : "", paddr,
		 ss.ss_family == AF_INET6 ? "]" : "", pport);
	sl = sizeof(l->local);
	if (getsockname(fd, (struct sockaddr *)&l->local, &sl))
		goto out;
	sockaddr_str(&l->local, l->local_addr, sizeof(l->local_addr),
		     &l->local_port);
	log_dbg("%s: connected to %s:%u", l->peer, l->local_addr,
		l->local_port);
	l->nl = iscsid_nl_open(false);
	if (!l->nl) {
		log_err("%s: ktgt_iscsi netlink: %s", l->peer,
			strerror(errno));
		goto out;
	}
	if (login_phase(l))
		discovery_session(l);
out:
	iscsid_slot_release(&iscsid_slots, slot);
	close(fd);
	if (l) {
		iscsid_nl_close(l->nl);
		if (l->ti.secret_len || l->ti.mutual_secret_len)
			explicit_bzero(&l->ti, sizeof(l->ti));
		free(l->rx);
		free(l->acc);
		free(l->tx);
		free(l);
	}
}
