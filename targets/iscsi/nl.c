// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_iscsi: the generic netlink family "ktgt_iscsi", the kernel side of
 * the contract in include/uapi/ktgt/ktgt_iscsi.h (read its header
 * comment). Every command needs CAP_NET_ADMIN. Handlers run in the
 * caller's process context, which CONN_ADD relies on to look the socket
 * descriptor up in the daemon's file table (as drivers/block/nbd.c does).
 *
 * Additions to the contract (additive): TARGET_GET's reply also carries
 * PORTAL_TPGT (the target portal group tag the login response must name)
 * and the target's PORTAL nests; DISCOVERY_AUTH_GET answers the CHAP
 * credentials of discovery sessions.
 *
 * Sizes: a reply is as long as what it carries, not bounded by a page: a
 * target's portals are not limited in number, and TARGET_GET's reply is
 * one message sized from them. A receiver sizes its buffer from the
 * message (MSG_PEEK | MSG_TRUNC, as libnl does by default). TARGET_LIST
 * flags a dump the targets changed during with NLM_F_DUMP_INTR.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "iscsi.h"

static struct genl_family kis_genl;

static const struct nla_policy kis_nl_policy[KTGT_ISCSI_A_MAX + 1] = {
	[KTGT_ISCSI_A_TARGET_NAME]	= { .type = NLA_NUL_STRING,
					    .len = KIS_NAME_LEN },
	[KTGT_ISCSI_A_INITIATOR]	= { .type = NLA_NUL_STRING,
					    .len = KIS_NAME_LEN },
	[KTGT_ISCSI_A_ISID]		= { .type = NLA_U64 },
	[KTGT_ISCSI_A_TSIH]		= { .type = NLA_U16 },
	[KTGT_ISCSI_A_CID]		= { .type = NLA_U16 },
	[KTGT_ISCSI_A_FD]		= { .type = NLA_U32 },
	[KTGT_ISCSI_A_STATSN]		= { .type = NLA_U32 },
	[KTGT_ISCSI_A_EXP_CMDSN]	= { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_MAX_RECV_DSL]	= { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_MAX_XMIT_DSL]	= { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_MAX_BURST]	= { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_FIRST_BURST]	= { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_INITIAL_R2T]	= { .type = NLA_U8 },
	[KTGT_ISCSI_A_P_IMMEDIATE_DATA]	= { .type = NLA_U8 },
	[KTGT_ISCSI_A_P_MAX_OUTSTANDING_R2T] = { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_MAX_CONNECTIONS] = { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_HEADER_DIGEST]	= { .type = NLA_U8 },
	[KTGT_ISCSI_A_P_DATA_DIGEST]	= { .type = NLA_U8 },
	[KTGT_ISCSI_A_P_DEFAULT_TIME2WAIT] = { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_DEFAULT_TIME2RETAIN] = { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_ERROR_RECOVERY_LEVEL] = { .type = NLA_U32 },
	[KTGT_ISCSI_A_P_DATA_PDU_IN_ORDER] = { .type = NLA_U8 },
	[KTGT_ISCSI_A_P_DATA_SEQUENCE_IN_ORDER] = { .type = NLA_U8 },
	[KTGT_ISCSI_A_P_QUEUE_DEPTH]	= { .type = NLA_U32 },
	[KTGT_ISCSI_A_SESSION_TYPE]	= { .type = NLA_U8 },
};

static int kis_put_portals(struct sk_buff *skb, struct kis_tgt *t)
{
	struct kis_portal *p;
	struct nlattr *nest;

	list_for_each_entry(p, &t->portals, node) {
		nest = nla_nest_start(skb, KTGT_ISCSI_A_PORTAL);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_string(skb, KTGT_ISCSI_A_PORTAL_ADDR, p->addr) ||
		    nla_put_u16(skb, KTGT_ISCSI_A_PORTAL_PORT, p->port) ||
		    nla_put_u16(skb, KTGT_ISCSI_A_PORTAL_TPGT, t->tpgt)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* The room the PORTAL nests of @t take; under kis_mutex. */
static size_t kis_portals_size(struct kis_tgt *t)
{
	struct kis_portal *p;
	size_t n = 0;

	list_for_each_entry(p, &t->portals, node)
		n += nla_total_size(nla_total_size(strlen(p->addr) + 1) +
				    2 * nla_total_size(sizeof(u16)));
	return n;
}

/* The room kis_put_target() takes; under kis_mutex. */
static size_t kis_target_size(struct kis_tgt *t)
{
	return nla_total_size(strlen(t->name) + 1) +
	       nla_total_size(strlen(t->alias) + 1) + kis_portals_size(t);
}

static int kis_put_target(struct sk_buff *skb, struct kis_tgt *t)
{
	if (nla_put_string(skb, KTGT_ISCSI_A_TARGET_NAME, t->name))
		return -EMSGSIZE;
	if (t->alias[0] &&
	    nla_put_string(skb, KTGT_ISCSI_A_TARGET_ALIAS, t->alias))
		return -EMSGSIZE;
	return kis_put_portals(skb, t);
}

/* One TARGET_LIST message: a TARGET nest. */
static size_t kis_list_msg_size(struct kis_tgt *t)
{
	return nlmsg_total_size(GENL_HDRLEN +
				nla_total_size(kis_target_size(t)));
}

/*
 * TARGET_LIST's first skb is at least as large as the largest message
 * (netlink_dump() allocates max(cb->min_dump_alloc, about a page)):
 * else a target whose portals take more than the skb would end the dump
 * early, silently, without it and the targets after it.
 */
static int kis_nl_target_list_start(struct netlink_callback *cb)
{
	struct kis_tgt *t;
	size_t max = 0;

	mutex_lock(&kis_mutex);
	list_for_each_entry(t, &kis_targets, node)
		if (t->enabled)
			max = max(max, kis_list_msg_size(t));
	mutex_unlock(&kis_mutex);
	cb->min_dump_alloc = max;
	return 0;
}

/*
 * TARGET_LIST: the enabled targets; with INITIATOR, those it may access.
 * One message per target; cb->args[0]: the targets done. The list may
 * change between two calls (kis_mutex is dropped): a message after such
 * a change carries NLM_F_DUMP_INTR (cb->seq: kis_targets_gen), and the
 * caller dumps again for a consistent list. A target that
 * grew since the dump started and no longer fits an empty skb ends the
 * dump with -EMSGSIZE, not silently: the next skbs are made large
 * enough for it, and the caller asks again.
 */
static int kis_nl_target_list(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	const char *ini = NULL;
	struct kis_tgt *t;
	long idx = 0;
	int ret = 0;
	void *hdr;

	if (attrs && attrs[KTGT_ISCSI_A_INITIATOR])
		ini = nla_data(attrs[KTGT_ISCSI_A_INITIATOR]);

	mutex_lock(&kis_mutex);
	cb->seq = kis_targets_gen;
	list_for_each_entry(t, &kis_targets, node) {
		struct nlattr *nest;

		if (idx++ < cb->args[0])
			continue;
		if (!t->enabled || (ini && !kis_tgt_access(t, ini, NULL))) {
			cb->args[0] = idx;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kis_genl, NLM_F_MULTI,
				  KTGT_ISCSI_CMD_TARGET_LIST);
		nest = hdr ? nla_nest_start(skb, KTGT_ISCSI_A_TARGET) : NULL;
		if (!nest || kis_put_target(skb, t)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			cb->min_dump_alloc = max_t(size_t, cb->min_dump_alloc,
						   kis_list_msg_size(t));
			if (!skb->len)
				ret = -EMSGSIZE;
			break;
		}
		nla_nest_end(skb, nest);
		genlmsg_end(skb, hdr);
		genl_dump_check_consistent(cb, hdr);
		cb->args[0] = idx;
	}
	mutex_unlock(&kis_mutex);
	return ret ?: skb->len;
}

static int kis_put_auth(struct sk_buff *skb, const struct kis_auth *a)
{
	if (a->user[0] &&
	    (nla_put_string(skb, KTGT_ISCSI_A_AUTH_USER, a->user) ||
	     nla_put_string(skb, KTGT_ISCSI_A_AUTH_SECRET, a->secret)))
		return -EMSGSIZE;
	if (a->mutual_user[0] &&
	    (nla_put_string(skb, KTGT_ISCSI_A_AUTH_MUTUAL_USER,
			    a->mutual_user) ||
	     nla_put_string(skb, KTGT_ISCSI_A_AUTH_MUTUAL_SECRET,
			    a->mutual_secret)))
		return -EMSGSIZE;
	return 0;
}

/* The most kis_put_auth() takes: four strings of up to KIS_AUTH_LEN. */
#define KIS_AUTH_NL_SIZE	(4 * nla_total_size(KIS_AUTH_LEN + 1))

/* What kis_put_params() takes: nine u32 and six u8 attributes. */
#define KIS_PARAMS_NL_SIZE	(9 * nla_total_size(sizeof(u32)) + \
				 6 * nla_total_size(sizeof(u8)))

static int kis_put_params(struct sk_buff *skb, const struct kis_params *p)
{
	if (nla_put_u32(skb, KTGT_ISCSI_A_P_MAX_RECV_DSL, p->max_recv_dsl) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_MAX_BURST, p->max_burst) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_FIRST_BURST, p->first_burst) ||
	    nla_put_u8(skb, KTGT_ISCSI_A_P_INITIAL_R2T, p->initial_r2t) ||
	    nla_put_u8(skb, KTGT_ISCSI_A_P_IMMEDIATE_DATA,
		       p->immediate_data) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_MAX_OUTSTANDING_R2T, p->max_r2t) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_MAX_CONNECTIONS, p->max_conns) ||
	    nla_put_u8(skb, KTGT_ISCSI_A_P_HEADER_DIGEST, p->hdigest) ||
	    nla_put_u8(skb, KTGT_ISCSI_A_P_DATA_DIGEST, p->ddigest) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_DEFAULT_TIME2WAIT, p->t2wait) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_DEFAULT_TIME2RETAIN,
			p->t2retain) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_ERROR_RECOVERY_LEVEL, p->erl) ||
	    nla_put_u8(skb, KTGT_ISCSI_A_P_DATA_PDU_IN_ORDER, p->dpio) ||
	    nla_put_u8(skb, KTGT_ISCSI_A_P_DATA_SEQUENCE_IN_ORDER, p->dsio) ||
	    nla_put_u32(skb, KTGT_ISCSI_A_P_QUEUE_DEPTH, p->queue_depth))
		return -EMSGSIZE;
	return 0;
}

/*
 * TARGET_GET: the target's view for one initiator. One message, sized
 * from what it carries (the portals are not bounded in number): it is
 * built under kis_mutex, so the target cannot grow in between.
 */
static int kis_nl_target_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = NULL;
	struct kis_auth *auth;
	const char *name, *ini;
	struct kis_tgt *t;
	bool access;
	void *hdr;
	int ret;

	if (!info->attrs[KTGT_ISCSI_A_TARGET_NAME] ||
	    !info->attrs[KTGT_ISCSI_A_INITIATOR])
		return -EINVAL;
	name = nla_data(info->attrs[KTGT_ISCSI_A_TARGET_NAME]);
	ini = nla_data(info->attrs[KTGT_ISCSI_A_INITIATOR]);

	auth = kzalloc(sizeof(*auth), GFP_KERNEL);
	if (!auth)
		return -ENOMEM;

	mutex_lock(&kis_mutex);
	t = kis_tgt_find(name);
	if (!t) {
		mutex_unlock(&kis_mutex);
		ret = -ENOENT;
		goto out;
	}
	msg = genlmsg_new(kis_target_size(t) +
			  nla_total_size(strlen(ini) + 1) +
			  nla_total_size(sizeof(u8)) +
			  nla_total_size(sizeof(u16)) +
			  KIS_PARAMS_NL_SIZE + KIS_AUTH_NL_SIZE, GFP_KERNEL);
	if (!msg) {
		mutex_unlock(&kis_mutex);
		kis_tgt_put(t);
		ret = -ENOMEM;
		goto out;
	}
	access = t->enabled && kis_tgt_access(t, ini, auth);
	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &kis_genl, 0,
				KTGT_ISCSI_CMD_TARGET_GET);
	if (hdr && !kis_put_target(msg, t) &&
	    !nla_put_string(msg, KTGT_ISCSI_A_INITIATOR, ini) &&
	    !nla_put_u8(msg, KTGT_ISCSI_A_ACCESS, access) &&
	    !nla_put_u16(msg, KTGT_ISCSI_A_PORTAL_TPGT, t->tpgt) &&
	    !kis_put_params(msg, &t->defaults) &&
	    (!access || !kis_put_auth(msg, auth)))
		ret = 0;
	WARN_ON_ONCE(ret);	/* the size above is wrong */
	mutex_unlock(&kis_mutex);
	kis_tgt_put(t);
	if (ret)
		goto out;
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
	msg = NULL;
out:
	nlmsg_free(msg);
	kfree_sensitive(auth);
	return ret;
}

/*
 * DISCOVERY_AUTH_GET: the credentials of targets/iscsi/auth_*, copied
 * under kis_auth_lock (a writer may be changing the pair); the copy is
 * wiped when freed, as TARGET_GET's.
 */
static int kis_nl_disc_auth_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct kis_auth *auth;
	void *hdr;
	int ret = -EMSGSIZE;

	auth = kmalloc(sizeof(*auth), GFP_KERNEL);
	if (!auth)
		return -ENOMEM;
	spin_lock(&kis_auth_lock);
	*auth = kis_disc_auth;
	spin_unlock(&kis_auth_lock);
	msg = genlmsg_new(KIS_AUTH_NL_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	hdr = genlmsg_put_reply(msg, info, &kis_genl, 0,
				KTGT_ISCSI_CMD_DISCOVERY_AUTH_GET);
	if (hdr && !kis_put_auth(msg, auth))
		ret = 0;
	WARN_ON_ONCE(ret);	/* KIS_AUTH_NL_SIZE is wrong */
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out:
	kfree_sensitive(auth);
	return ret;
}

static u32 attr_u32(struct genl_info *info, int a, u32 def)
{
	return info->attrs[a] ? nla_get_u32(info->attrs[a]) : def;
}

static u8 attr_u8(struct genl_info *info, int a, u8 def)
{
	return info->attrs[a] ? nla_get_u8(info->attrs[a]) : def;
}

/* The negotiated values of CONN_ADD, RFC 7143 defaults where absent. */
static int kis_get_params(struct genl_info *info, struct kis_params *p)
{
	p->max_recv_dsl = attr_u32(info, KTGT_ISCSI_A_P_MAX_RECV_DSL, 8192);
	p->max_xmit_dsl = attr_u32(info, KTGT_ISCSI_A_P_MAX_XMIT_DSL, 8192);
	p->max_burst = attr_u32(info, KTGT_ISCSI_A_P_MAX_BURST, 262144);
	p->first_burst = attr_u32(info, KTGT_ISCSI_A_P_FIRST_BURST, 65536);
	p->initial_r2t = attr_u8(info, KTGT_ISCSI_A_P_INITIAL_R2T, 1);
	p->immediate_data = attr_u8(info, KTGT_ISCSI_A_P_IMMEDIATE_DATA, 1);
	p->max_r2t = attr_u32(info, KTGT_ISCSI_A_P_MAX_OUTSTANDING_R2T, 1);
	p->max_conns = attr_u32(info, KTGT_ISCSI_A_P_MAX_CONNECTIONS, 1);
	p->hdigest = attr_u8(info, KTGT_ISCSI_A_P_HEADER_DIGEST, 0);
	p->ddigest = attr_u8(info, KTGT_ISCSI_A_P_DATA_DIGEST, 0);
	p->t2wait = attr_u32(info, KTGT_ISCSI_A_P_DEFAULT_TIME2WAIT, 2);
	p->t2retain = attr_u32(info, KTGT_ISCSI_A_P_DEFAULT_TIME2RETAIN, 20);
	p->erl = attr_u32(info, KTGT_ISCSI_A_P_ERROR_RECOVERY_LEVEL, 0);
	p->dpio = attr_u8(info, KTGT_ISCSI_A_P_DATA_PDU_IN_ORDER, 1);
	p->dsio = attr_u8(info, KTGT_ISCSI_A_P_DATA_SEQUENCE_IN_ORDER, 1);
	p->queue_depth = attr_u32(info, KTGT_ISCSI_A_P_QUEUE_DEPTH, 64);

	if (p->max_recv_dsl < ISCSI_MIN_RECV_DSL ||
	    p->max_recv_dsl > ISCSI_MAX_RECV_DSL ||
	    p->max_xmit_dsl < ISCSI_MIN_RECV_DSL ||
	    p->max_xmit_dsl > ISCSI_MAX_RECV_DSL ||
	    p->max_burst < 512 || p->max_burst > 16777215 ||
	    p->first_burst < 512 || p->first_burst > p->max_burst ||
	    p->initial_r2t > 1 || p->immediate_data > 1 ||
	    !p->max_r2t || p->max_r2t > 65535 ||
	    !p->max_conns || p->max_conns > 65535 ||
	    p->hdigest > KTGT_ISCSI_DIGEST_CRC32C ||
	    p->ddigest > KTGT_ISCSI_DIGEST_CRC32C ||
	    p->t2wait > 3600 || p->t2retain > 3600 ||
	    !p->queue_depth || p->queue_depth > KIS_MAX_QUEUE_DEPTH)
		return -EINVAL;
	/*
	 * Only error recovery level 0 is implemented, and only data in
	 * order (kis_data_out_misplaced()).
	 */
	if (p->erl || !p->dpio || !p->dsio)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * The negotiated values against what the target's settings permit
 * (@t: its defaults, read under kis_mutex): a digest it accepts, no more
 * than its MaxRecvDataSegmentLength and, for a leading connection, the
 * session-wide keys within its limits (RFC 7143 13: InitialR2T Yes if it
 * says Yes, ImmediateData No if it says No, the min-function keys at
 * most its values, DefaultTime2Wait at least). ktgt-iscsid negotiates so;
 * this is the second line, against a daemon that would not. A connection
 * added to a session takes the session's values (kis_params_join()).
 */
static int kis_params_permitted(const struct kis_params *p,
				const struct kis_params *t, bool leading)
{
	const char *bad = NULL;

	if (!(t->hdigest & BIT(p->hdigest)))
		bad = "HeaderDigest";
	else if (!(t->ddigest & BIT(p->ddigest)))
		bad = "DataDigest";
	else if (p->max_recv_dsl > t->max_recv_dsl)
		bad = "MaxRecvDataSegmentLength";
	else if (!leading)
		return 0;
	else if (p->max_burst > t->max_burst)
		bad = "MaxBurstLength";
	else if (p->first_burst > t->first_burst)
		bad = "FirstBurstLength";
	else if (p->initial_r2t < t->initial_r2t)
		bad = "InitialR2T";
	else if (p->immediate_data > t->immediate_data)
		bad = "ImmediateData";
	else if (p->max_r2t > t->max_r2t)
		bad = "MaxOutstandingR2T";
	else if (p->max_conns > t->max_conns)
		bad = "MaxConnections";
	else if (p->t2wait < t->t2wait)
		bad = "DefaultTime2Wait";
	else if (p->t2retain > t->t2retain)
		bad = "DefaultTime2Retain";
	else if (p->queue_depth > t->queue_depth)
		bad = "queue_depth";
	if (!bad)
		return 0;
	pr_warn_ratelimited("CONN_ADD refused: %s not what the target permits\n",
			    bad);
	return -EINVAL;
}

/**
 * kis_params_join() - a connection added to a session takes its values
 * @conn: the connection's parameters, as CONN_ADD gave them
 * @sess: the session's
 *
 * Keys of Use LO are negotiated by the leading login only (RFC 7143 13):
 * every session-wide value comes from the session, only the
 * connection's own (digests, MaxRecvDataSegmentLength both ways) stay.
 */
void kis_params_join(struct kis_params *conn, const struct kis_params *sess)
{
	struct kis_params own = *conn;

	*conn = *sess;
	conn->max_recv_dsl = own.max_recv_dsl;
	conn->max_xmit_dsl = own.max_xmit_dsl;
	conn->hdigest = own.hdigest;
	conn->ddigest = own.ddigest;
}

static int kis_nl_conn_add(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = {
		KTGT_ISCSI_A_TARGET_NAME, KTGT_ISCSI_A_INITIATOR,
		KTGT_ISCSI_A_ISID, KTGT_ISCSI_A_TSIH, KTGT_ISCSI_A_CID,
		KTGT_ISCSI_A_FD, KTGT_ISCSI_A_STATSN, KTGT_ISCSI_A_EXP_CMDSN,
	};
	struct kis_params p;
	struct socket *sock;
	struct sk_buff *msg;
	struct kis_tgt *t;
	unsigned int i;
	u16 tsih = 0;
	bool leading;
	void *hdr;
	int ret;

	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (!info->attrs[required[i]])
			return -EINVAL;
	ret = kis_get_params(info, &p);
	if (ret)
		return ret;
	leading = !nla_get_u16(info->attrs[KTGT_ISCSI_A_TSIH]);
	if (attr_u8(info, KTGT_ISCSI_A_SESSION_TYPE, 0))
		return -EOPNOTSUPP;	/* discovery stays in user space */

	/* In the daemon's context: its descriptor table. */
	sock = sockfd_lookup(nla_get_u32(info->attrs[KTGT_ISCSI_A_FD]), &ret);
	if (!sock)
		return ret;
	if (sock->type != SOCK_STREAM || !sock->sk ||
	    sock->sk->sk_protocol != IPPROTO_TCP) {
		sockfd_put(sock);
		return -EINVAL;
	}

	msg = genlmsg_new(nla_total_size(sizeof(u16)), GFP_KERNEL);
	if (!msg) {
		sockfd_put(sock);
		return -ENOMEM;
	}

	mutex_lock(&kis_mutex);
	t = kis_tgt_find(nla_data(info->attrs[KTGT_ISCSI_A_TARGET_NAME]));
	ret = t ? kis_params_permitted(&p, &t->defaults, leading) : -ENOENT;
	mutex_unlock(&kis_mutex);
	if (ret) {
		if (t)
			kis_tgt_put(t);
		sockfd_put(sock);
		nlmsg_free(msg);
		return ret;
	}
	/* On success the connection owns @sock. */
	ret = kis_conn_add(t, nla_data(info->attrs[KTGT_ISCSI_A_INITIATOR]),
			   nla_get_u64(info->attrs[KTGT_ISCSI_A_ISID]) &
			   GENMASK_ULL(47, 0),
			   nla_get_u16(info->attrs[KTGT_ISCSI_A_TSIH]),
			   nla_get_u16(info->attrs[KTGT_ISCSI_A_CID]), sock, &p,
			   nla_get_u32(info->attrs[KTGT_ISCSI_A_STATSN]),
			   nla_get_u32(info->attrs[KTGT_ISCSI_A_EXP_CMDSN]),
			   0, info->snd_portid, &tsih);
	kis_tgt_put(t);
	if (ret) {
		sockfd_put(sock);
		nlmsg_free(msg);
		return ret;
	}

	hdr = genlmsg_put_reply(msg, info, &kis_genl, 0,
				KTGT_ISCSI_CMD_CONN_ADD);
	if (!hdr || nla_put_u16(msg, KTGT_ISCSI_A_TSIH, tsih)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int kis_nl_conn_start(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[KTGT_ISCSI_A_TSIH] || !info->attrs[KTGT_ISCSI_A_CID])
		return -EINVAL;
	return kis_conn_start(nla_get_u16(info->attrs[KTGT_ISCSI_A_TSIH]),
			      nla_get_u16(info->attrs[KTGT_ISCSI_A_CID]),
			      info->snd_portid);
}

static const struct genl_ops kis_nl_dump_ops[] = {
	{
		.cmd	= KTGT_ISCSI_CMD_TARGET_LIST,
		.start	= kis_nl_target_list_start,
		.dumpit	= kis_nl_target_list,
		.flags	= GENL_ADMIN_PERM,
	},
};

static const struct genl_small_ops kis_nl_ops[] = {
	{
		.cmd	= KTGT_ISCSI_CMD_TARGET_GET,
		.doit	= kis_nl_target_get,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KTGT_ISCSI_CMD_CONN_ADD,
		.doit	= kis_nl_conn_add,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KTGT_ISCSI_CMD_CONN_START,
		.doit	= kis_nl_conn_start,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KTGT_ISCSI_CMD_DISCOVERY_AUTH_GET,
		.doit	= kis_nl_disc_auth_get,
		.flags	= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group kis_nl_mcgrps[] = {
	/* Not GENL_UNS_ADMIN_PERM: that flag is for operations only. */
	{ .name = KTGT_ISCSI_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family kis_genl __ro_after_init = {
	.name		= KTGT_ISCSI_GENL_NAME,
	.version	= KTGT_ISCSI_GENL_VERSION,
	.maxattr	= KTGT_ISCSI_A_MAX,
	.policy		= kis_nl_policy,
	.module		= THIS_MODULE,
	/*
	 * Every handler takes kis_mutex for what it reads or changes, and
	 * CONN_ADD may wait for a reinstated session's commands (for as long
	 * as its backing store takes): without parallel_ops that wait would
	 * hold genl_mutex, and with it every other login and every generic
	 * netlink family of the system.
	 */
	.parallel_ops	= true,
	.ops		= kis_nl_dump_ops,
	.n_ops		= ARRAY_SIZE(kis_nl_dump_ops),
	.small_ops	= kis_nl_ops,
	.n_small_ops	= ARRAY_SIZE(kis_nl_ops),
	.mcgrps		= kis_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kis_nl_mcgrps),
};

/**
 * kis_nl_event() - multicast an EVENT
 * @type: enum ktgt_iscsi_event_type
 * @s: the session (SESSION_*, CONN_*), or NULL
 * @conn: the connection (CONN_*), or NULL
 * @target: the target name when @s is NULL (CONFIG), or NULL
 * @reason: for *_DOWN: an errno, 0 for a logout
 *
 * Process context.
 */
void kis_nl_event(int type, struct kis_sess *s, struct kis_conn *conn,
		  const char *target, int reason)
{
	struct sk_buff *msg;
	void *hdr;

	/*
	 * The most it carries: two names (of at most KIS_NAME_LEN), then
	 * EVENT_TYPE and REASON, TSIH and CID, ISID.
	 */
	msg = genlmsg_new(2 * nla_total_size(KIS_NAME_LEN + 1) +
			  2 * nla_total_size(sizeof(u32)) +
			  2 * nla_total_size(sizeof(u16)) +
			  nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &kis_genl, 0, KTGT_ISCSI_CMD_EVENT);
	if (!hdr)
		goto fail;
	if (nla_put_u32(msg, KTGT_ISCSI_A_EVENT_TYPE, type))
		goto fail;
	if (s)
		target = s->t->name;
	if (target && nla_put_string(msg, KTGT_ISCSI_A_TARGET_NAME, target))
		goto fail;
	if (s && (nla_put_string(msg, KTGT_ISCSI_A_INITIATOR, s->initiator) ||
		  nla_put_u16(msg, KTGT_ISCSI_A_TSIH, s->tsih) ||
		  nla_put_u64_64bit(msg, KTGT_ISCSI_A_ISID, s->isid,
				    KTGT_ISCSI_A_UNSPEC)))
		goto fail;
	if (conn && nla_put_u16(msg, KTGT_ISCSI_A_CID, conn->cid))
		goto fail;
	if ((type == KTGT_ISCSI_EV_SESSION_DOWN ||
	     type == KTGT_ISCSI_EV_CONN_DOWN) &&
	    nla_put_s32(msg, KTGT_ISCSI_A_REASON, reason))
		goto fail;
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&kis_genl, msg, 0, 0, GFP_KERNEL);
	return;
fail:
	WARN_ON_ONCE(1);	/* the size above is wrong */
	nlmsg_free(msg);
}

/*
 * A netlink socket closed: if it is one that added connections, those it
 * has not started are dropped. Port ids are per network namespace and the
 * family is in the initial one only (no netnsok): a socket of another
 * namespace with the same port id is not the daemon's.
 */
static int kis_nl_notify(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid && net_eq(n->net, &init_net))
		kis_portid_release(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block kis_nl_notifier = {
	.notifier_call = kis_nl_notify,
};

int kis_nl_init(void)
{
	int ret;

	ret = genl_register_family(&kis_genl);
	if (ret)
		return ret;
	ret = netlink_register_notifier(&kis_nl_notifier);
	if (ret)
		genl_unregister_family(&kis_genl);
	return ret;
}

void kis_nl_exit(void)
{
	netlink_unregister_notifier(&kis_nl_notifier);
	genl_unregister_family(&kis_genl);
}
