// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt-iscsid: the "ktgt_iscsi" generic netlink family through libnl-3
 * (include/uapi/ktgt/ktgt_iscsi.h). One struct iscsid_nl per thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "../../include/uapi/ktgt/ktgt_iscsi.h"
#include "iscsid.h"

/* Dumps of TARGET_LIST interrupted by configuration changes, at most. */
#define ISCSID_LIST_TRIES	10

struct iscsid_nl {
	struct nl_sock *sk;
	int family;
};

/**
 * iscsid_nl_open() - connect to the ktgt_iscsi family
 * @events: also join the events multicast group (non-blocking socket)
 *
 * Return: the handle, or NULL with errno set (ENOENT: the module is not
 * loaded).
 */
struct iscsid_nl *iscsid_nl_open(bool events)
{
	struct iscsid_nl *nl = calloc(1, sizeof(*nl));
	int grp;

	if (!nl)
		return NULL;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto fail;
	if (genl_connect(nl->sk))
		goto fail;
	/*
	 * A reply is as long as the target's portals and names make it
	 * (TARGET_GET is one message, a TARGET_LIST entry too): peek at
	 * each message's length and receive it whole, not into a buffer of
	 * one page (libnl's default only if no buffer size was set).
	 */
	nl_socket_enable_msg_peek(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, KTGT_ISCSI_GENL_NAME);
	if (nl->family < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		errno = ENOENT;
		return NULL;
	}
	if (events) {
		grp = genl_ctrl_resolve_grp(nl->sk, KTGT_ISCSI_GENL_NAME,
					    KTGT_ISCSI_MCGRP_EVENTS);
		if (grp < 0 || nl_socket_add_membership(nl->sk, grp))
			goto fail;
		nl_socket_disable_seq_check(nl->sk);
		nl_socket_set_nonblocking(nl->sk);
	}
	return nl;
fail:
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl);
	errno = EIO;
	return NULL;
}

void iscsid_nl_close(struct iscsid_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

int iscsid_nl_fd(struct iscsid_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

struct req_state {
	int err;		/* 1 while waiting, then 0 or -errno */
	int (*parse)(struct nlattr **tb, struct nlattr *head, int len,
		     void *arg);
	void *arg;
	int parse_err;
};

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;
	struct nlattr *tb[KTGT_ISCSI_A_MAX + 1];
	int ret;

	if (!st->parse)
		return NL_OK;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KTGT_ISCSI_A_MAX, NULL))
		return NL_OK;
	ret = st->parse(tb, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(msg)), 0),
			genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0),
			st->arg);
	if (ret && !st->parse_err)
		st->parse_err = ret;
	return NL_OK;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;

	(void)msg;
	st->err = 0;
	return NL_SKIP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;

	(void)msg;
	st->err = 0;
	return NL_STOP;
}

static int cb_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct req_state *st = arg;

	(void)nla;
	st->err = err->error ? err->error : 0;
	return NL_STOP;
}

/* Send @msg (consumed) and run the answers through @parse. */
static int nl_request(struct iscsid_nl *nl, struct nl_msg *msg,
		      int (*parse)(struct nlattr **tb, struct nlattr *head,
				   int len, void *arg),
		      void *arg)
{
	struct req_state st = { .err = 1, .parse = parse, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &st);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &st);
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	while (st.err > 0) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret == -NLE_DUMP_INTR) {
			/* Read to its end, but changed while being dumped. */
			st.err = -EAGAIN;
			break;
		}
		if (ret < 0 && st.err > 0) {
			st.err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	if (st.err)
		return st.err;
	return st.parse_err;
}

static struct nl_msg *nl_new(struct iscsid_nl *nl, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, KTGT_ISCSI_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void copy_str(char *dst, size_t cap, struct nlattr *a)
{
	size_t n;

	dst[0] = '\0';
	if (!a)
		return;
	n = nla_len(a);
	if (n && ((char *)nla_data(a))[n - 1] == '\0')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, nla_data(a), n);
	dst[n] = '\0';
}

/*
 * The TARGET_NAME, TARGET_ALIAS and PORTAL_TPGT attributes of @tb and the
 * PORTAL nests among the attributes at @head.
 */
static int parse_target(struct nlattr **tb, struct nlattr *head, int len,
			struct iscsid_target *t)
{
	struct nlattr *a;
	int rem;

	memset(t, 0, sizeof(*t));
	if (!tb[KTGT_ISCSI_A_TARGET_NAME])
		return -EINVAL;
	copy_str(t->name, sizeof(t->name), tb[KTGT_ISCSI_A_TARGET_NAME]);
	copy_str(t->alias, sizeof(t->alias), tb[KTGT_ISCSI_A_TARGET_ALIAS]);
	if (tb[KTGT_ISCSI_A_PORTAL_TPGT])
		t->tpgt = nla_get_u16(tb[KTGT_ISCSI_A_PORTAL_TPGT]);
	nla_for_each_attr(a, head, len, rem) {
		struct nlattr *pb[KTGT_ISCSI_A_MAX + 1];
		struct iscsid_portal *p;

		if (nla_type(a) != KTGT_ISCSI_A_PORTAL)
			continue;
		if (t->nportals == ISCSID_MAX_PORTALS) {
			t->nportals_dropped++;
			continue;
		}
		if (nla_parse_nested(pb, KTGT_ISCSI_A_MAX, a, NULL) ||
		    !pb[KTGT_ISCSI_A_PORTAL_ADDR] ||
		    !pb[KTGT_ISCSI_A_PORTAL_PORT])
			continue;
		p = &t->portals[t->nportals++];
		copy_str(p->addr, sizeof(p->addr), pb[KTGT_ISCSI_A_PORTAL_ADDR]);
		p->port = nla_get_u16(pb[KTGT_ISCSI_A_PORTAL_PORT]);
		p->tpgt = pb[KTGT_ISCSI_A_PORTAL_TPGT] ?
			  nla_get_u16(pb[KTGT_ISCSI_A_PORTAL_TPGT]) : t->tpgt;
		if (!t->tpgt)
			t->tpgt = p->tpgt;
	}
	return 0;
}

static int parse_list_entry(struct nlattr **tb, struct nlattr *head,
			    int len, void *arg)
{
	struct iscsid_target_list *l = arg;
	struct nlattr *nb[KTGT_ISCSI_A_MAX + 1];
	struct iscsid_target *t;

	(void)head;
	(void)len;
	if (!tb[KTGT_ISCSI_A_TARGET] ||
	    nla_parse_nested(nb, KTGT_ISCSI_A_MAX, tb[KTGT_ISCSI_A_TARGET],
			     NULL))
		return 0;
	t = realloc(l->t, (l->n + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	l->t = t;
	if (!parse_target(nb, nla_data(tb[KTGT_ISCSI_A_TARGET]),
			  nla_len(tb[KTGT_ISCSI_A_TARGET]), &t[l->n]))
		l->n++;
	return 0;
}

/**
 * iscsid_nl_target_list() - TARGET_LIST: the enabled targets and portals
 * @nl: the handle
 * @initiator: only the targets it may access, or NULL for all
 * @out: filled in; free with iscsid_target_list_free()
 *
 * A dump the configuration changed during (NLM_F_DUMP_INTR: a target may
 * be missing or twice) is asked again, up to ISCSID_LIST_TRIES times.
 *
 * Return: 0 or -errno (-EAGAIN: the configuration kept changing).
 */
int iscsid_nl_target_list(struct iscsid_nl *nl, const char *initiator,
			  struct iscsid_target_list *out)
{
	struct nl_msg *msg;
	int ret, tries = 0;

	do {
		out->n = 0;
		out->t = NULL;
		msg = nl_new(nl, KTGT_ISCSI_CMD_TARGET_LIST, NLM_F_DUMP);
		if (!msg)
			return -ENOMEM;
		if (initiator && nla_put_string(msg, KTGT_ISCSI_A_INITIATOR,
						initiator)) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
		ret = nl_request(nl, msg, parse_list_entry, out);
		if (ret)
			iscsid_target_list_free(out);
	} while (ret == -EAGAIN && ++tries < ISCSID_LIST_TRIES);
	return ret;
}

void iscsid_target_list_free(struct iscsid_target_list *l)
{
	free(l->t);
	l->t = NULL;
	l->n = 0;
}

static u32 get_u32(struct nlattr **tb, int a, u32 def)
{
	return tb[a] ? nla_get_u32(tb[a]) : def;
}

static bool get_u8(struct nlattr **tb, int a, bool def)
{
	return tb[a] ? nla_get_u8(tb[a]) : def;
}

/* The AUTH_* attributes of a TARGET_GET or DISCOVERY_AUTH_GET reply. */
static void parse_auth(struct nlattr **tb, struct iscsid_target_info *ti)
{
	copy_str(ti->user, sizeof(ti->user), tb[KTGT_ISCSI_A_AUTH_USER]);
	copy_str(ti->mutual_user, sizeof(ti->mutual_user),
		 tb[KTGT_ISCSI_A_AUTH_MUTUAL_USER]);
	copy_str(ti->secret, sizeof(ti->secret), tb[KTGT_ISCSI_A_AUTH_SECRET]);
	ti->secret_len = strlen(ti->secret);
	copy_str(ti->mutual_secret, sizeof(ti->mutual_secret),
		 tb[KTGT_ISCSI_A_AUTH_MUTUAL_SECRET]);
	ti->mutual_secret_len = strlen(ti->mutual_secret);
}

static int parse_target_get(struct nlattr **tb, struct nlattr *head,
			    int len, void *arg)
{
	struct iscsid_target_info *ti = arg;
	struct iscsi_params *p = &ti->params;
	int ret;

	/* The reply's top level holds the target's attributes. */
	ret = parse_target(tb, head, len, &ti->tgt);
	if (ret)
		return ret;
	ti->access = get_u8(tb, KTGT_ISCSI_A_ACCESS, false);
	parse_auth(tb, ti);

	iscsi_params_rfc_defaults(p);
	if (tb[KTGT_ISCSI_A_P_HEADER_DIGEST])
		p->header_digest =
			nla_get_u8(tb[KTGT_ISCSI_A_P_HEADER_DIGEST]);
	else
		p->header_digest = BIT(ISCSI_DIGEST_NONE);
	if (tb[KTGT_ISCSI_A_P_DATA_DIGEST])
		p->data_digest = nla_get_u8(tb[KTGT_ISCSI_A_P_DATA_DIGEST]);
	else
		p->data_digest = BIT(ISCSI_DIGEST_NONE);
	p->max_connections = get_u32(tb, KTGT_ISCSI_A_P_MAX_CONNECTIONS, 1);
	p->max_recv_dsl = get_u32(tb, KTGT_ISCSI_A_P_MAX_RECV_DSL, 8192);
	p->max_burst = get_u32(tb, KTGT_ISCSI_A_P_MAX_BURST, 262144);
	p->first_burst = get_u32(tb, KTGT_ISCSI_A_P_FIRST_BURST, 65536);
	p->default_time2wait = get_u32(tb, KTGT_ISCSI_A_P_DEFAULT_TIME2WAIT,
				       2);
	p->default_time2retain = get_u32(tb,
					 KTGT_ISCSI_A_P_DEFAULT_TIME2RETAIN,
					 20);
	p->max_outstanding_r2t = get_u32(tb,
					 KTGT_ISCSI_A_P_MAX_OUTSTANDING_R2T,
					 1);
	p->error_recovery_level = get_u32(tb,
					  KTGT_ISCSI_A_P_ERROR_RECOVERY_LEVEL,
					  0);
	p->initial_r2t = get_u8(tb, KTGT_ISCSI_A_P_INITIAL_R2T, true);
	p->immediate_data = get_u8(tb, KTGT_ISCSI_A_P_IMMEDIATE_DATA, true);
	p->data_pdu_in_order = get_u8(tb, KTGT_ISCSI_A_P_DATA_PDU_IN_ORDER,
				      true);
	p->data_sequence_in_order =
		get_u8(tb, KTGT_ISCSI_A_P_DATA_SEQUENCE_IN_ORDER, true);
	ti->queue_depth = get_u32(tb, KTGT_ISCSI_A_P_QUEUE_DEPTH, 64);
	return 0;
}

/**
 * iscsid_nl_target_get() - TARGET_GET: a target as @initiator sees it
 * @nl: the handle
 * @target: the target's name
 * @initiator: the initiator's name
 * @out: filled in
 *
 * Return: 0; -ENOENT if there is no such target; another -errno.
 */
int iscsid_nl_target_get(struct iscsid_nl *nl, const char *target,
			 const char *initiator,
			 struct iscsid_target_info *out)
{
	struct nl_msg *msg = nl_new(nl, KTGT_ISCSI_CMD_TARGET_GET, 0);
	int ret;

	memset(out, 0, sizeof(*out));
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KTGT_ISCSI_A_TARGET_NAME, target) ||
	    nla_put_string(msg, KTGT_ISCSI_A_INITIATOR, initiator)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = nl_request(nl, msg, parse_target_get, out);
	if (!ret && !out->tgt.name[0])
		ret = -EIO;
	return ret;
}

static int parse_disc_auth(struct nlattr **tb, struct nlattr *head,
			   int len, void *arg)
{
	(void)head;
	(void)len;
	parse_auth(tb, arg);
	return 0;
}

/**
 * iscsid_nl_discovery_auth_get() - DISCOVERY_AUTH_GET: the CHAP
 *	credentials discovery sessions must pass
 * @nl: the handle
 * @out: its user, secret, mutual_user and mutual_secret are filled in
 *	(empty user: no CHAP required); the rest is cleared
 *
 * Return: 0; -EOPNOTSUPP from a module without the command; another
 * -errno.
 */
int iscsid_nl_discovery_auth_get(struct iscsid_nl *nl,
				 struct iscsid_target_info *out)
{
	struct nl_msg *msg = nl_new(nl, KTGT_ISCSI_CMD_DISCOVERY_AUTH_GET, 0);

	memset(out, 0, sizeof(*out));
	if (!msg)
		return -ENOMEM;
	return nl_request(nl, msg, parse_disc_auth, out);
}

static int parse_tsih(struct nlattr **tb, struct nlattr *head, int len,
		      void *arg)
{
	u16 *tsih = arg;

	(void)head;
	(void)len;
	if (!tb[KTGT_ISCSI_A_TSIH])
		return -EIO;
	*tsih = nla_get_u16(tb[KTGT_ISCSI_A_TSIH]);
	return 0;
}

/**
 * iscsid_nl_conn_add() - CONN_ADD: hand a logged-in connection over
 * @nl: the handle (its socket must stay open until CONN_START)
 * @a: the connection and its negotiated parameters
 * @tsih: the session's TSIH
 *
 * Return: 0 or -errno (-ENOENT: unknown TSIH or target).
 */
int iscsid_nl_conn_add(struct iscsid_nl *nl, const struct iscsid_conn_add *a,
		       u16 *tsih)
{
	struct nl_msg *msg = nl_new(nl, KTGT_ISCSI_CMD_CONN_ADD, 0);
	const struct iscsi_params *p = a->params;

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KTGT_ISCSI_A_TARGET_NAME, a->target) ||
	    nla_put_string(msg, KTGT_ISCSI_A_INITIATOR, a->initiator) ||
	    nla_put_u64(msg, KTGT_ISCSI_A_ISID, a->isid) ||
	    nla_put_u16(msg, KTGT_ISCSI_A_TSIH, a->tsih) ||
	    nla_put_u16(msg, KTGT_ISCSI_A_CID, a->cid) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_FD, a->fd) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_STATSN, a->statsn) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_EXP_CMDSN, a->exp_cmdsn) ||
	    nla_put_u8(msg, KTGT_ISCSI_A_SESSION_TYPE, 0) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_MAX_RECV_DSL, p->max_recv_dsl) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_MAX_XMIT_DSL, p->max_xmit_dsl) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_MAX_BURST, p->max_burst) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_FIRST_BURST, p->first_burst) ||
	    nla_put_u8(msg, KTGT_ISCSI_A_P_INITIAL_R2T, p->initial_r2t) ||
	    nla_put_u8(msg, KTGT_ISCSI_A_P_IMMEDIATE_DATA,
		       p->immediate_data) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_MAX_OUTSTANDING_R2T,
			p->max_outstanding_r2t) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_MAX_CONNECTIONS,
			p->max_connections) ||
	    nla_put_u8(msg, KTGT_ISCSI_A_P_HEADER_DIGEST, p->header_digest) ||
	    nla_put_u8(msg, KTGT_ISCSI_A_P_DATA_DIGEST, p->data_digest) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_DEFAULT_TIME2WAIT,
			p->default_time2wait) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_DEFAULT_TIME2RETAIN,
			p->default_time2retain) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_ERROR_RECOVERY_LEVEL,
			p->error_recovery_level) ||
	    nla_put_u8(msg, KTGT_ISCSI_A_P_DATA_PDU_IN_ORDER,
		       p->data_pdu_in_order) ||
	    nla_put_u8(msg, KTGT_ISCSI_A_P_DATA_SEQUENCE_IN_ORDER,
		       p->data_sequence_in_order) ||
	    nla_put_u32(msg, KTGT_ISCSI_A_P_QUEUE_DEPTH, a->queue_depth)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(nl, msg, parse_tsih, tsih);
}

/**
 * iscsid_nl_conn_start() - CONN_START: the kernel takes the socket over
 * @nl: the handle CONN_ADD went through
 * @tsih: the session
 * @cid: the connection
 *
 * Return: 0 or -errno.
 */
int iscsid_nl_conn_start(struct iscsid_nl *nl, u16 tsih, u16 cid)
{
	struct nl_msg *msg = nl_new(nl, KTGT_ISCSI_CMD_CONN_START, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u16(msg, KTGT_ISCSI_A_TSIH, tsih) ||
	    nla_put_u16(msg, KTGT_ISCSI_A_CID, cid)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(nl, msg, NULL, NULL);
}

struct ev_state {
	bool config;
};

static int cb_event(struct nl_msg *msg, void *arg)
{
	struct ev_state *ev = arg;
	struct nlattr *tb[KTGT_ISCSI_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	char tn[ISCSI_NAME_MAX + 1], in[ISCSI_NAME_MAX + 1];
	u32 type;

	if (gh->cmd != KTGT_ISCSI_CMD_EVENT ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, KTGT_ISCSI_A_MAX, NULL) ||
	    !tb[KTGT_ISCSI_A_EVENT_TYPE])
		return NL_OK;
	type = nla_get_u32(tb[KTGT_ISCSI_A_EVENT_TYPE]);
	copy_str(tn, sizeof(tn), tb[KTGT_ISCSI_A_TARGET_NAME]);
	copy_str(in, sizeof(in), tb[KTGT_ISCSI_A_INITIATOR]);
	switch (type) {
	case KTGT_ISCSI_EV_CONFIG:
		ev->config = true;
		log_dbg("event: configuration of %s changed", tn);
		break;
	case KTGT_ISCSI_EV_SESSION_UP:
	case KTGT_ISCSI_EV_SESSION_DOWN:
		log_info("session %s: %s -> %s tsih %u%s%d",
			 type == KTGT_ISCSI_EV_SESSION_UP ? "up" : "down",
			 in, tn,
			 tb[KTGT_ISCSI_A_TSIH] ?
			 nla_get_u16(tb[KTGT_ISCSI_A_TSIH]) : 0,
			 tb[KTGT_ISCSI_A_REASON] ? " reason " : "",
			 tb[KTGT_ISCSI_A_REASON] ?
			 (int)nla_get_u32(tb[KTGT_ISCSI_A_REASON]) : 0);
		break;
	default:
		log_dbg("event %u: %s -> %s", type, in, tn);
		break;
	}
	return NL_OK;
}

/**
 * iscsid_nl_events() - read the pending events of an event handle
 * @nl: from iscsid_nl_open(true)
 * @config_changed: set if a CONFIG event arrived
 *
 * Return: 0, or -errno if the socket failed.
 */
int iscsid_nl_events(struct iscsid_nl *nl, bool *config_changed)
{
	struct ev_state ev = { 0 };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_event, &ev);
	ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	*config_changed = ev.config;
	if (ret < 0 && ret != -NLE_AGAIN)
		return ret == -NLE_NOMEM ? -ENOBUFS : -EIO;
	return 0;
}
