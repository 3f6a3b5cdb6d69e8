// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_iscsi: Text Requests in the full-feature phase (RFC 7143 11.10,
 * 11.11, appendix C), over as many PDUs as either side needs.
 *
 * A request may come in several PDUs with the C bit: their data is
 * gathered (at most ISCSI_TEXT_REQ_MAX bytes over the exchange; more
 * gets a Reject, Out of Resources) and each is answered with an empty
 * Text Response whose TTT the initiator echoes. The request is parsed by
 * the portable proto/text.c: SendTargets is answered here, the other keys
 * as iscsi_text_ffp_key() says (MaxRecvDataSegmentLength declared anew,
 * NotUnderstood, Reject); a malformed request gets a Reject (protocol
 * error). The answer may be longer than the initiator's
 * MaxRecvDataSegmentLength: it goes out in pieces with the C bit and a
 * TTT, the next one when the initiator asks with an empty request
 * carrying that TTT. The rules of
 * the exchange (new request, stale tag, bound) are the portable
 * proto/textseq.c's; this file builds and queues.
 *
 * A Text Request comes here when its turn in CmdSN order has come
 * (kis_req_run() in conn.c), its data segment already received: in its
 * connection's receive thread, or, for one held for its CmdSN on an MC/S
 * session, in the receive thread of the connection that filled the gap.
 *
 * Lifetime and locking: conn->text is created at the connection's first
 * Text Request and used under conn->text_mutex, which serialises those
 * two threads on it; kis_text_free() frees it under that mutex once the
 * connection is dead, and a request that finds it dead is not answered
 * (kis_conn_stop() releases the socket only after kis_text_free()). The
 * request buffer lives while a request is gathered, the answer while
 * pieces of it are left to send: a connection that is not in a Text
 * exchange holds nothing but the small state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "iscsi.h"
#include "proto/text.h"
#include "proto/textseq.h"

/* The longest SendTargets answer built; longer lists are cut. */
#define KIS_TEXT_RSP_MAX	SZ_1M

/**
 * struct kis_text - a connection's Text exchange (receive thread only)
 * @ts: the exchange's state (proto/textseq.h)
 * @req: the request gathered so far (ISCSI_TEXT_REQ_MAX bytes), or NULL
 * @rsp: the answer being sent, or NULL
 */
struct kis_text {
	struct iscsi_tseq	ts;
	u8			*req;
	u8			*rsp;
};

static void kis_text_drop_bufs(struct kis_text *tx)
{
	kvfree(tx->req);
	tx->req = NULL;
	kvfree(tx->rsp);
	tx->rsp = NULL;
}

/**
 * kis_text_free() - free a connection's Text exchange state
 * @conn: the connection, dead, whose receive thread is stopped (or never
 *	ran)
 */
void kis_text_free(struct kis_conn *conn)
{
	mutex_lock(&conn->text_mutex);
	if (conn->text) {
		kis_text_drop_bufs(conn->text);
		kfree(conn->text);
		conn->text = NULL;
	}
	mutex_unlock(&conn->text_mutex);
}

/* "addr:port,tpgt" of a portal; the connection's address for a wildcard. */
static void kis_portal_str(struct kis_conn *conn, struct kis_portal *p,
			   u16 tpgt, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	const char *addr = p->addr;
	char local[48];

	if ((!strcmp(addr, "0.0.0.0") || !strcmp(addr, "::")) &&
	    kernel_getsockname(conn->sock, (struct sockaddr *)&ss) > 0) {
		if (ss.ss_family == AF_INET6)
			snprintf(local, sizeof(local), "%pI6c",
				 &((struct sockaddr_in6 *)&ss)->sin6_addr);
		else
			snprintf(local, sizeof(local), "%pI4",
				 &((struct sockaddr_in *)&ss)->sin_addr);
		addr = local;
	}
	if (strchr(addr, ':'))
		snprintf(buf, size, "[%s]:%u,%u", addr, p->port, tpgt);
	else
		snprintf(buf, size, "%s:%u,%u", addr, p->port, tpgt);
}

/* Append key=value and its NUL if it fits; count its length anyway. */
static void kis_st_put(char *buf, size_t size, size_t *pos, const char *key,
		       const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);

	if (*pos <= size && size - *pos >= kl + vl + 2) {
		memcpy(buf + *pos, key, kl);
		buf[*pos + kl] = '=';
		memcpy(buf + *pos + kl + 1, val, vl);
		buf[*pos + kl + 1 + vl] = '\0';
	}
	*pos += kl + vl + 2;
}

/*
 * SendTargets (RFC 7143 appendix C): "All", a target name, or empty for
 * the session's target, from the targets the initiator may access.
 * Writes what fits of whole targets into @buf (@size bytes; NULL/0 to
 * measure) and returns the bytes written; *@need gets the length of the
 * whole answer.
 */
static size_t kis_send_targets(struct kis_conn *conn, const char *val,
			       size_t vlen, char *buf, size_t size,
			       size_t *need)
{
	struct kis_sess *s = conn->s;
	struct kis_portal *p;
	struct kis_tgt *t;
	size_t pos = 0, done = 0;
	char addr[80];

	mutex_lock(&kis_mutex);
	list_for_each_entry(t, &kis_targets, node) {
		if (!t->enabled)
			continue;
		if (vlen == 3 && !memcmp(val, "All", 3)) {
			if (!kis_tgt_access(t, s->initiator, NULL))
				continue;
		} else if (vlen) {
			/* Names compare case-insensitively (RFC 3722). */
			if (strlen(t->name) != vlen ||
			    strncasecmp(t->name, val, vlen) ||
			    !kis_tgt_access(t, s->initiator, NULL))
				continue;
		} else if (t != s->t) {
			continue;
		}
		kis_st_put(buf, size, &pos, "TargetName", t->name);
		list_for_each_entry(p, &t->portals, node) {
			kis_portal_str(conn, p, t->tpgt, addr, sizeof(addr));
			kis_st_put(buf, size, &pos, "TargetAddress", addr);
		}
		/* Whole targets only: once one did not fit, nothing will. */
		if (pos <= size)
			done = pos;
	}
	mutex_unlock(&kis_mutex);
	*need = pos;
	return done;
}

/* The answers to keys other than SendTargets: at most this long. */
#define KIS_TEXT_OTHER_MAX \
	(ISCSI_TEXT_MAX_PAIRS * (ISCSI_TEXT_MAX_KEY + sizeof("=NotUnderstood")))

/*
 * The answer to a complete request: SendTargets (the first one) and what
 * iscsi_text_ffp_key() answers to the other keys. A MaxRecvDataSegmentLength
 * declared takes effect for the PDUs sent from now on. Return: 0,
 * -EPROTO for a malformed request, -ENOMEM.
 */
static int kis_text_answer(struct kis_conn *conn, struct kis_text *tx)
{
	const struct iscsi_kv *st = NULL;
	struct iscsi_text_buf other;
	size_t need = 0, size, len = 0;
	struct iscsi_kv *kvs;
	unsigned int n = 0, i;
	u32 mrdsl = conn->p.max_xmit_dsl;
	u8 *obuf;
	int ret = -ENOMEM;

	kvs = kmalloc_array(ISCSI_TEXT_MAX_PAIRS, sizeof(*kvs), GFP_KERNEL);
	obuf = kmalloc(KIS_TEXT_OTHER_MAX, GFP_KERNEL);
	if (!kvs || !obuf)
		goto out;
	if (tx->req && iscsi_text_parse(tx->req, tx->ts.req_len, kvs,
					ISCSI_TEXT_MAX_PAIRS, &n)) {
		ret = -EPROTO;
		goto out;
	}
	iscsi_text_init(&other, obuf, KIS_TEXT_OTHER_MAX);
	for (i = 0; i < n; i++)
		if (iscsi_text_ffp_key(&kvs[i], &mrdsl, &other) ==
		    ISCSI_KEY_SEND_TARGETS)
			st = &kvs[i];
	if (st)
		kis_send_targets(conn, st->value, st->value_len, NULL, 0,
				 &need);
	size = min_t(size_t, need, KIS_TEXT_RSP_MAX);
	if (size + other.len) {
		/* Targets may come between the two passes: what fits goes. */
		tx->rsp = kvmalloc(size + other.len, GFP_KERNEL);
		if (!tx->rsp)
			goto out;
	}
	if (st) {
		len = kis_send_targets(conn, st->value, st->value_len,
				       tx->rsp, size, &need);
		if (need > KIS_TEXT_RSP_MAX)
			pr_info_ratelimited("%s: CID %u: SendTargets answer of %zu bytes cut to %zu\n",
					    conn->s->initiator, conn->cid,
					    need, len);
	}
	if (other.len)
		memcpy(tx->rsp + len, obuf, other.len);
	len += other.len;
	if (mrdsl != conn->p.max_xmit_dsl) {
		pr_info_ratelimited("%s: CID %u: MaxRecvDataSegmentLength %u declared in the full-feature phase\n",
				    conn->s->initiator, conn->cid, mrdsl);
		/* The transmit thread sizes Data-In by it (READ_ONCE). */
		WRITE_ONCE(conn->p.max_xmit_dsl, mrdsl);
	}
	ret = 0;
out:
	kfree(obuf);
	kfree(kvs);
	kvfree(tx->req);
	tx->req = NULL;
	if (!ret)
		iscsi_tseq_respond(&tx->ts, len);
	return ret;
}

/* Queue a Text Response: an acknowledgment or the next answer piece. */
static int kis_text_send(struct kis_conn *conn, struct kis_text *tx,
			 const struct iscsi_pdu *pdu, bool ack)
{
	struct kis_ctl *c;
	u32 off = 0, n = 0, ttt = tx->ts.ttt;
	u8 flags = 0;

	if (!ack)
		n = iscsi_tseq_next(&tx->ts, tx->rsp, conn->p.max_xmit_dsl,
				    &off, &flags, &ttt);
	c = kis_ctl_alloc(n, GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	if (n)
		memcpy(c->data, tx->rsp + off, n);
	if (tx->ts.state != ISCSI_TSEQ_TX) {
		kvfree(tx->rsp);
		tx->rsp = NULL;
	}
	c->h.opcode = ISCSI_OP_TEXT_RSP;
	c->h.flags = flags;
	c->h.dlen = n;
	c->h.lun = pdu->lun;
	c->h.itt = pdu->itt;
	c->h.ttt = ttt;
	c->advance_statsn = true;
	kis_queue_ctl(conn, c);
	return 0;
}

/* Refuse a Text Request: Reject, the exchange's buffers dropped. */
static void kis_text_refuse(struct kis_conn *conn, struct kis_text *tx,
			    const u8 *bhs, const struct iscsi_pdu *pdu,
			    int err)
{
	u8 reason;

	switch (err) {
	case -E2BIG:
		pr_info_ratelimited("%s: CID %u: text request too long (over %u bytes), rejected\n",
				    conn->s->initiator, conn->cid,
				    tx->ts.req_max);
		reason = ISCSI_REJECT_OUT_OF_RESOURCES;
		break;
	case -EINVAL:
		pr_info_ratelimited("%s: CID %u: Text Request with unknown or stale TTT 0x%x, rejected\n",
				    conn->s->initiator, conn->cid, pdu->ttt);
		reason = ISCSI_REJECT_INVALID_PDU_FIELD;
		break;
	case -ENOMEM:
		reason = ISCSI_REJECT_OUT_OF_RESOURCES;
		break;
	default:
		pr_info_ratelimited("%s: CID %u: Text Request protocol error, rejected\n",
				    conn->s->initiator, conn->cid);
		reason = ISCSI_REJECT_PROTOCOL_ERROR;
		break;
	}
	if (tx && tx->ts.state == ISCSI_TSEQ_IDLE)
		kis_text_drop_bufs(tx);
	kis_reject(conn, bhs, reason);
}

/* kis_rx_text() under conn->text_mutex. */
static int kis_text_request(struct kis_conn *conn, const u8 *bhs,
			    const struct iscsi_pdu *pdu, const u8 *data)
{
	struct kis_text *tx = conn->text;
	u32 off = 0;
	int act, ret;

	lockdep_assert_held(&conn->text_mutex);
	if (!tx) {
		tx = kzalloc(sizeof(*tx), GFP_KERNEL);
		if (!tx) {
			kis_text_refuse(conn, NULL, bhs, pdu, -ENOMEM);
			return 0;
		}
		iscsi_tseq_init(&tx->ts, ISCSI_TEXT_REQ_MAX, 1);
		conn->text = tx;
	}
	act = iscsi_tseq_rx(&tx->ts, pdu->itt, pdu->ttt, pdu->flags,
			    pdu->dlen, &off);
	if (act < 0) {
		kis_text_refuse(conn, tx, bhs, pdu, act);
		return 0;
	}
	if (act == ISCSI_TSEQ_NEXT)
		return kis_text_send(conn, tx, pdu, false);

	/* A new request's answer (if one was still going) is over. */
	if (tx->rsp && tx->ts.state != ISCSI_TSEQ_TX) {
		kvfree(tx->rsp);
		tx->rsp = NULL;
	}
	if (off == 0 && tx->req) {
		kvfree(tx->req);
		tx->req = NULL;
	}
	if (pdu->dlen && !tx->req) {
		/* Sized for the whole exchange only if it spans PDUs. */
		tx->req = kvmalloc(act == ISCSI_TSEQ_ACK || off ?
				   ISCSI_TEXT_REQ_MAX : pdu->dlen, GFP_KERNEL);
		if (!tx->req) {
			iscsi_tseq_reset(&tx->ts);
			kis_text_refuse(conn, tx, bhs, pdu, -ENOMEM);
			return 0;
		}
	}
	if (pdu->dlen)
		memcpy(tx->req + off, data, pdu->dlen);
	if (act == ISCSI_TSEQ_ACK)
		return kis_text_send(conn, tx, pdu, true);

	ret = kis_text_answer(conn, tx);
	if (!ret)
		ret = kis_text_send(conn, tx, pdu, false);
	if (ret) {
		iscsi_tseq_reset(&tx->ts);
		kis_text_drop_bufs(tx);
		if (ret == -EPROTO)
			pr_info_ratelimited("%s: CID %u: malformed Text Request, rejected\n",
					    conn->s->initiator, conn->cid);
		kis_reject(conn, bhs, ret == -EPROTO ?
			   ISCSI_REJECT_PROTOCOL_ERROR :
			   ISCSI_REJECT_OUT_OF_RESOURCES);
	}
	return 0;
}

/**
 * kis_rx_text() - a Text Request whose turn has come
 * @conn: the connection it came on, whose Text exchange it belongs to
 * @r: the request: its BHS, fields and data segment, all received
 *
 * From kis_req_run(): a receive thread, @conn's or another's of the
 * session (see the top of this file). Nothing is done once @conn is
 * dead: kis_text_free() may have run, and its socket may be gone.
 *
 * Return: 0, or an error that ends the connection (no memory for a
 * response).
 */
int kis_rx_text(struct kis_conn *conn, const struct kis_req *r)
{
	int ret = 0;

	mutex_lock(&conn->text_mutex);
	if (!kis_conn_dead(conn))
		ret = kis_text_request(conn, r->bhs, &r->pdu, r->data);
	mutex_unlock(&conn->text_mutex);
	return ret;
}
