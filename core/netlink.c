// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt core: the "ktgt" generic netlink family (include/uapi/ktgt/ktgt_nl.h).
 *
 * Events are multicast to the "events" group. Each sender first checks
 * that the family is registered and the group has listeners, so without
 * a listener an event costs one test. Messages are allocated with
 * GFP_ATOMIC except where the caller says it may sleep: events are made
 * in the command path too, in any context (interrupts included, under
 * the core's IRQ-safe spinlocks). They are therefore never multicast by
 * their sender: they are queued on ktgt_nl_backlog (its own IRQ-safe
 * lock) and sent, in order, by a work item in process context. At most
 * KTGT_NL_BACKLOG events wait; an event that cannot be allocated or
 * queued is dropped, nothing else depends on it, but it is counted
 * (ktgt_nl_lost) and the work then sends a LOST event with the count,
 * after the events that were waiting: a listener learns that some are
 * missing, as it would from ENOBUFS had its own socket overflowed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ratelimit.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include <ktgt/ktgt.h>
#include <uapi/ktgt/ktgt_nl.h>
#include "ktgt_internal.h"

/*
 * The events name initiators, targets and LUNs: for CAP_NET_ADMIN only,
 * as the configuration they come from is root's.
 */
static const struct genl_multicast_group ktgt_nl_mcgrps[] = {
	{ .name = KTGT_NL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family ktgt_nl_family __ro_after_init = {
	.name		= KTGT_NL_GENL_NAME,
	.version	= KTGT_NL_GENL_VERSION,
	.maxattr	= KTGT_NL_A_MAX,
	.module		= THIS_MODULE,
	.mcgrps		= ktgt_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ktgt_nl_mcgrps),
};

/* Set once the family is registered, cleared before it is unregistered. */
static bool ktgt_nl_registered;

/* At most 50 ERROR events per second. */
static DEFINE_RATELIMIT_STATE(ktgt_nl_err_rs, HZ, 50);

/* Events made but not sent yet, and the work that sends them. */
#define KTGT_NL_BACKLOG	1024
static struct sk_buff_head ktgt_nl_backlog;

static void ktgt_nl_flush(struct work_struct *work);
static DECLARE_WORK(ktgt_nl_work, ktgt_nl_flush);

/* Events dropped and not reported yet (by a LOST event). */
static atomic_t ktgt_nl_lost = ATOMIC_INIT(0);

/* An event was dropped: count it and have the work report it. */
static void ktgt_nl_drop(void)
{
	atomic_inc(&ktgt_nl_lost);
	schedule_work(&ktgt_nl_work);
}

/*
 * A new event message of @type, or NULL if nobody listens or there is no
 * memory (an event that is then counted as lost, LOST itself excepted).
 */
static struct sk_buff *ktgt_nl_new(u32 type, gfp_t gfp, void **hdr)
{
	struct sk_buff *skb;

	if (!READ_ONCE(ktgt_nl_registered) ||
	    !genl_has_listeners(&ktgt_nl_family, &init_net, 0))
		return NULL;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, gfp);
	if (!skb) {
		if (type != KTGT_NL_EV_LOST)
			ktgt_nl_drop();
		return NULL;
	}
	*hdr = genlmsg_put(skb, 0, 0, &ktgt_nl_family, 0, KTGT_NL_CMD_EVENT);
	if (!*hdr || nla_put_u32(skb, KTGT_NL_A_EVENT, type)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Multicast LOST with the events dropped so far. Process context. */
static void ktgt_nl_report_lost(void)
{
	unsigned int n = atomic_xchg(&ktgt_nl_lost, 0);
	struct sk_buff *skb;
	void *hdr;

	if (!n)
		return;
	skb = ktgt_nl_new(KTGT_NL_EV_LOST, GFP_KERNEL, &hdr);
	if (skb && nla_put_u32(skb, KTGT_NL_A_COUNT, n)) {
		nlmsg_free(skb);
		skb = NULL;
	}
	if (!skb) {
		/* No memory: counted on. Nobody listens: nobody to tell. */
		if (READ_ONCE(ktgt_nl_registered) &&
		    genl_has_listeners(&ktgt_nl_family, &init_net, 0))
			atomic_add(n, &ktgt_nl_lost);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&ktgt_nl_family, skb, 0, 0, GFP_KERNEL);
}

/*
 * Send the events waiting, in order, then report those dropped: they
 * were made after the ones waiting when the backlog was full.
 */
static void ktgt_nl_flush(struct work_struct *work)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&ktgt_nl_backlog)))
		genlmsg_multicast(&ktgt_nl_family, skb, 0, 0, GFP_KERNEL);
	ktgt_nl_report_lost();
}

/* Queue a finished event for ktgt_nl_flush(). Any context. */
static void ktgt_nl_send(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	if (skb_queue_len(&ktgt_nl_backlog) >= KTGT_NL_BACKLOG) {
		nlmsg_free(skb);
		ktgt_nl_drop();
		return;
	}
	skb_queue_tail(&ktgt_nl_backlog, skb);
	schedule_work(&ktgt_nl_work);
}

static int ktgt_nl_put_sess(struct sk_buff *skb,
			    const struct ktgt_session *sess)
{
	if (nla_put_u64_64bit(skb, KTGT_NL_A_SESSION, sess->id,
			      KTGT_NL_A_PAD) ||
	    nla_put_string(skb, KTGT_NL_A_DRIVER, sess->tgt->tt->name) ||
	    nla_put_string(skb, KTGT_NL_A_TARGET,
			   ktgt_target_name(sess->tgt)) ||
	    nla_put_string(skb, KTGT_NL_A_INITIATOR, sess->initiator))
		return -EMSGSIZE;
	return 0;
}

void ktgt_nl_session(struct ktgt_session *sess, bool login)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ktgt_nl_new(login ? KTGT_NL_EV_LOGIN : KTGT_NL_EV_LOGOUT,
			  GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (ktgt_nl_put_sess(skb, sess)) {
		nlmsg_free(skb);
		return;
	}
	ktgt_nl_send(skb, hdr);
}

void ktgt_nl_tmf(const struct ktgt_tmf *tmf)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ktgt_nl_new(KTGT_NL_EV_TMF, GFP_ATOMIC, &hdr);
	if (!skb)
		return;
	if (ktgt_nl_put_sess(skb, tmf->sess) ||
	    nla_put_u64_64bit(skb, KTGT_NL_A_LUN, tmf->lun, KTGT_NL_A_PAD) ||
	    nla_put_u32(skb, KTGT_NL_A_TMF_FN, tmf->fn) ||
	    nla_put_u32(skb, KTGT_NL_A_TMF_RESPONSE, tmf->response)) {
		nlmsg_free(skb);
		return;
	}
	ktgt_nl_send(skb, hdr);
}

void ktgt_nl_ua(const struct ktgt_session *sess, u64 lun, u16 asc_ascq)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ktgt_nl_new(KTGT_NL_EV_UA, GFP_ATOMIC, &hdr);
	if (!skb)
		return;
	if (ktgt_nl_put_sess(skb, sess) ||
	    nla_put_u64_64bit(skb, KTGT_NL_A_LUN, lun, KTGT_NL_A_PAD) ||
	    nla_put_u8(skb, KTGT_NL_A_ASC, asc_ascq >> 8) ||
	    nla_put_u8(skb, KTGT_NL_A_ASCQ, asc_ascq & 0xff)) {
		nlmsg_free(skb);
		return;
	}
	ktgt_nl_send(skb, hdr);
}

void ktgt_nl_cmd_error(const struct ktgt_cmd *cmd)
{
	struct sk_buff *skb;
	void *hdr;

	if (!READ_ONCE(ktgt_nl_registered) ||
	    !genl_has_listeners(&ktgt_nl_family, &init_net, 0) ||
	    !__ratelimit(&ktgt_nl_err_rs))
		return;
	skb = ktgt_nl_new(KTGT_NL_EV_ERROR, GFP_ATOMIC, &hdr);
	if (!skb)
		return;
	if (nla_put_u64_64bit(skb, KTGT_NL_A_SESSION, cmd->sess->id,
			      KTGT_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, KTGT_NL_A_LUN, cmd->lun, KTGT_NL_A_PAD) ||
	    nla_put_u8(skb, KTGT_NL_A_OPCODE, cmd->cdb[0]) ||
	    nla_put_u8(skb, KTGT_NL_A_STATUS, cmd->status)) {
		nlmsg_free(skb);
		return;
	}
	ktgt_nl_send(skb, hdr);
}

int ktgt_nl_init(void)
{
	int ret;

	skb_queue_head_init(&ktgt_nl_backlog);
	ret = genl_register_family(&ktgt_nl_family);

	if (ret) {
		pr_err("cannot register generic netlink family %s: %d\n",
		       KTGT_NL_GENL_NAME, ret);
		return ret;
	}
	WRITE_ONCE(ktgt_nl_registered, true);
	return 0;
}

void ktgt_nl_exit(void)
{
	WRITE_ONCE(ktgt_nl_registered, false);
	cancel_work_sync(&ktgt_nl_work);
	skb_queue_purge(&ktgt_nl_backlog);
	genl_unregister_family(&ktgt_nl_family);
}
