// SPDX-License-Identifier: GPL-2.0
/*
 * ktgtadm monitor: print the events of the "ktgt" generic netlink family
 * (include/uapi/ktgt/ktgt_nl.h) and, when ktgt_iscsi is loaded, of the
 * "ktgt_iscsi" family's "events" group, one line each, as they happen.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <uapi/ktgt/ktgt_iscsi.h>
#include <uapi/ktgt/ktgt_nl.h>

#include "ktgtadm.h"

struct mon {
	int	fam_ktgt;
	int	fam_iscsi;
	long	count;		/* events printed */
};

static const char *const tmf_names[] = {
	"ABORT_TASK", "ABORT_TASK_SET", "CLEAR_TASK_SET", "LUN_RESET",
	"TARGET_RESET", "I_T_NEXUS_RESET", "CLEAR_ACA", "QUERY_TASK",
	"QUERY_TASK_SET", "QUERY_ASYNC_EVENT",
};

static void stamp(void)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       (long)(tv.tv_usec / 1000));
}

static void put_sess(struct nlattr **tb)
{
	if (tb[KTGT_NL_A_SESSION])
		printf(" session=%llu",
		       (unsigned long long)nla_get_u64(tb[KTGT_NL_A_SESSION]));
	if (tb[KTGT_NL_A_DRIVER])
		printf(" driver=%s", nla_get_string(tb[KTGT_NL_A_DRIVER]));
	if (tb[KTGT_NL_A_TARGET])
		printf(" target=%s", nla_get_string(tb[KTGT_NL_A_TARGET]));
	if (tb[KTGT_NL_A_INITIATOR])
		printf(" initiator=%s", nla_get_string(tb[KTGT_NL_A_INITIATOR]));
}

static void ktgt_event(struct nlattr **tb)
{
	uint32_t ev = tb[KTGT_NL_A_EVENT] ? nla_get_u32(tb[KTGT_NL_A_EVENT]) : 0;

	stamp();
	switch (ev) {
	case KTGT_NL_EV_LOGIN:
	case KTGT_NL_EV_LOGOUT:
		printf("%s", ev == KTGT_NL_EV_LOGIN ? "login" : "logout");
		put_sess(tb);
		break;
	case KTGT_NL_EV_TMF: {
		uint32_t fn = tb[KTGT_NL_A_TMF_FN] ?
			nla_get_u32(tb[KTGT_NL_A_TMF_FN]) : 0;

		printf("tmf");
		put_sess(tb);
		if (tb[KTGT_NL_A_LUN])
			printf(" lun=%llu",
			       (unsigned long long)nla_get_u64(tb[KTGT_NL_A_LUN]));
		if (fn < ARRAY_SIZE(tmf_names))
			printf(" function=%s", tmf_names[fn]);
		else
			printf(" function=%u", fn);
		if (tb[KTGT_NL_A_TMF_RESPONSE])
			printf(" response=%u", nla_get_u32(tb[KTGT_NL_A_TMF_RESPONSE]));
		break;
	}
	case KTGT_NL_EV_UA:
		printf("ua");
		if (tb[KTGT_NL_A_LUN])
			printf(" lun=%llu",
			       (unsigned long long)nla_get_u64(tb[KTGT_NL_A_LUN]));
		if (tb[KTGT_NL_A_ASC] && tb[KTGT_NL_A_ASCQ])
			printf(" asc=0x%02x ascq=0x%02x",
			       nla_get_u8(tb[KTGT_NL_A_ASC]),
			       nla_get_u8(tb[KTGT_NL_A_ASCQ]));
		/* The I_T nexus, after the fields older kernels sent. */
		put_sess(tb);
		break;
	case KTGT_NL_EV_ERROR:
		printf("error");
		if (tb[KTGT_NL_A_SESSION])
			printf(" session=%llu",
			       (unsigned long long)nla_get_u64(tb[KTGT_NL_A_SESSION]));
		if (tb[KTGT_NL_A_LUN])
			printf(" lun=%llu",
			       (unsigned long long)nla_get_u64(tb[KTGT_NL_A_LUN]));
		if (tb[KTGT_NL_A_OPCODE])
			printf(" opcode=0x%02x", nla_get_u8(tb[KTGT_NL_A_OPCODE]));
		if (tb[KTGT_NL_A_STATUS])
			printf(" status=0x%02x", nla_get_u8(tb[KTGT_NL_A_STATUS]));
		break;
	case KTGT_NL_EV_LOST:
		printf("lost");
		if (tb[KTGT_NL_A_COUNT])
			printf(" count=%u", nla_get_u32(tb[KTGT_NL_A_COUNT]));
		break;
	default:
		printf("event %u", ev);
		break;
	}
	putchar('\n');
}

static void iscsi_event(struct nlattr **tb)
{
	static const char *const names[] = {
		[KTGT_ISCSI_EV_CONFIG] = "config",
		[KTGT_ISCSI_EV_SESSION_UP] = "session_up",
		[KTGT_ISCSI_EV_SESSION_DOWN] = "session_down",
		[KTGT_ISCSI_EV_CONN_UP] = "conn_up",
		[KTGT_ISCSI_EV_CONN_DOWN] = "conn_down",
	};
	uint32_t ev = tb[KTGT_ISCSI_A_EVENT_TYPE] ?
		nla_get_u32(tb[KTGT_ISCSI_A_EVENT_TYPE]) : 0;

	stamp();
	if (ev > 0 && ev < ARRAY_SIZE(names) && names[ev])
		printf("iscsi %s", names[ev]);
	else
		printf("iscsi event %u", ev);
	if (tb[KTGT_ISCSI_A_TARGET_NAME])
		printf(" target=%s", nla_get_string(tb[KTGT_ISCSI_A_TARGET_NAME]));
	if (tb[KTGT_ISCSI_A_INITIATOR])
		printf(" initiator=%s", nla_get_string(tb[KTGT_ISCSI_A_INITIATOR]));
	if (tb[KTGT_ISCSI_A_TSIH])
		printf(" tsih=%u", nla_get_u16(tb[KTGT_ISCSI_A_TSIH]));
	if (tb[KTGT_ISCSI_A_CID])
		printf(" cid=%u", nla_get_u16(tb[KTGT_ISCSI_A_CID]));
	if (tb[KTGT_ISCSI_A_REASON])
		printf(" reason=%d", (int)nla_get_u32(tb[KTGT_ISCSI_A_REASON]));
	putchar('\n');
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct mon *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[KTGT_ISCSI_A_MAX + KTGT_NL_A_MAX + 2];

	memset(tb, 0, sizeof(tb));
	if (nlh->nlmsg_type == m->fam_ktgt) {
		if (genlmsg_parse(nlh, 0, tb, KTGT_NL_A_MAX, NULL) < 0)
			return NL_SKIP;
		ktgt_event(tb);
	} else if (m->fam_iscsi > 0 && nlh->nlmsg_type == m->fam_iscsi) {
		if (genlmsg_parse(nlh, 0, tb, KTGT_ISCSI_A_MAX, NULL) < 0)
			return NL_SKIP;
		iscsi_event(tb);
	} else {
		return NL_SKIP;
	}
	fflush(stdout);
	m->count++;
	return NL_OK;
}

int cmd_monitor(long max_events, double timeout)
{
	struct mon m = { 0, 0, 0 };
	struct nl_sock *sk = nl_socket_alloc();
	struct timespec start, now;
	int grp, ret = KTGTADM_EXIT_SYSTEM;

	if (!sk) {
		fprintf(stderr, "ktgtadm: out of memory\n");
		return KTGTADM_EXIT_SYSTEM;
	}
	if (genl_connect(sk)) {
		fprintf(stderr, "ktgtadm: cannot open a generic netlink socket\n");
		goto out;
	}
	m.fam_ktgt = genl_ctrl_resolve(sk, KTGT_NL_GENL_NAME);
	grp = genl_ctrl_resolve_grp(sk, KTGT_NL_GENL_NAME, KTGT_NL_MCGRP_EVENTS);
	if (m.fam_ktgt < 0 || grp < 0) {
		fprintf(stderr, "ktgtadm: no generic netlink family '%s' (is ktgt_core loaded?)\n",
			KTGT_NL_GENL_NAME);
		goto out;
	}
	if (nl_socket_add_membership(sk, grp)) {
		fprintf(stderr, "ktgtadm: cannot join the ktgt events group\n");
		goto out;
	}
	m.fam_iscsi = genl_ctrl_resolve(sk, KTGT_ISCSI_GENL_NAME);
	grp = genl_ctrl_resolve_grp(sk, KTGT_ISCSI_GENL_NAME,
				    KTGT_ISCSI_MCGRP_EVENTS);
	if (m.fam_iscsi > 0 && grp >= 0)
		nl_socket_add_membership(sk, grp);
	else
		m.fam_iscsi = 0;

	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &m);
	fprintf(stderr, "ktgtadm: listening for ktgt%s events\n",
		m.fam_iscsi ? " and ktgt_iscsi" : "");

	clock_gettime(CLOCK_MONOTONIC, &start);
	ret = KTGTADM_EXIT_OK;
	while (max_events <= 0 || m.count < max_events) {
		struct pollfd pfd = { nl_socket_get_fd(sk), POLLIN, 0 };
		int wait_ms = -1, r;

		if (timeout > 0) {
			double el;

			clock_gettime(CLOCK_MONOTONIC, &now);
			el = (double)(now.tv_sec - start.tv_sec) +
			     (double)(now.tv_nsec - start.tv_nsec) / 1e9;
			if (el >= timeout) {
				ret = KTGTADM_EXIT_TIMEOUT;
				break;
			}
			wait_ms = (int)((timeout - el) * 1000) + 1;
		}
		r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = KTGTADM_EXIT_SYSTEM;
			break;
		}
		if (r == 0)
			continue;
		r = nl_recvmsgs_default(sk);
		if (r == -NLE_NOMEM) {
			/* ENOBUFS: our socket overflowed; say so and go on. */
			stamp();
			printf("lost (receive buffer full)\n");
			fflush(stdout);
		} else if (r < 0) {
			fprintf(stderr, "ktgtadm: netlink: %s\n", nl_geterror(r));
		}
	}
out:
	nl_socket_free(sk);
	return ret;
}
