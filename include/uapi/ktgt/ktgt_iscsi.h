/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktgt_iscsi generic netlink family: the contract between ktgt-iscsid
 * (login, discovery and CHAP in user space) and ktgt_iscsi.ko (the
 * full-feature phase in the kernel).
 *
 * Flow of one login (the daemon runs it on its own accepted socket):
 *
 *  1. Discovery and the security phase need the target's view for this
 *     initiator: KTGT_ISCSI_CMD_TARGET_GET (TARGET_NAME, INITIATOR) answers
 *     whether the initiator may log in (ACCESS), the CHAP credentials that
 *     apply to it (its initiator group's if set, else the target's) and
 *     the target's negotiable defaults (KTGT_ISCSI_A_P_*).
 *     KTGT_ISCSI_CMD_TARGET_LIST (dump; optional INITIATOR) lists the
 *     enabled targets, each with its portals; with INITIATOR only those
 *     the initiator may access (SendTargets). One message per target,
 *     as long as its portals make it (read each at its length,
 *     MSG_PEEK | MSG_TRUNC). A dump that a change of the targets, their
 *     enable or their portals fell in carries NLM_F_DUMP_INTR (a target
 *     may be missing or twice): dump again.
 *  2. When the initiator asks to go to the full-feature phase, the daemon
 *     sends KTGT_ISCSI_CMD_CONN_ADD with the socket's file descriptor (FD,
 *     looked up in the daemon's own context, as nbd does), the names,
 *     ISID, the TSIH the initiator sent (0: a new session), CID, the
 *     StatSN of the final Login Response, ExpCmdSN (= the CmdSN of the
 *     final Login Request, since login requests are immediate) and every
 *     negotiated value. The kernel takes its own reference to the socket,
 *     creates the session (or finds it by TSIH for another connection of
 *     an existing session; an unknown TSIH fails with -ENOENT) and answers
 *     with the session's TSIH. A new session with the same (initiator,
 *     ISID, target) as a live one reinstates it: the old session is
 *     closed and its tasks aborted first. A CID already in use in the
 *     session reinstates that connection the same way. Nothing is read
 *     from or written to the socket yet. The values must be within the
 *     target's defaults (as TARGET_GET gives them: a digest it accepts,
 *     no MaxRecvDataSegmentLength above its own and, for a new session,
 *     every session-wide key within its limits), else -EINVAL; another
 *     connection of a session runs with the session's session-wide
 *     values, only its digests and MaxRecvDataSegmentLengths are its
 *     own.
 *  3. The daemon writes the final Login Response (T=1, NSG=3, with the
 *     TSIH from step 2) on the socket, then sends KTGT_ISCSI_CMD_CONN_START
 *     (TSIH, CID) on the netlink socket CONN_ADD went through; the
 *     kernel starts reading and writing PDUs and the daemon closes its
 *     descriptor. CONN_START fails with -ENOENT for an unknown (or
 *     closing) connection, -EPERM from another netlink socket and
 *     -EALREADY for one already started. A connection added but not started
 *     within 15 s, or whose daemon's netlink socket closes, is dropped
 *     (CONN_DOWN): alone, when it was to join a session that has others;
 *     the first connection of a session ends the session with it.
 *
 * Discovery sessions: KTGT_ISCSI_CMD_DISCOVERY_AUTH_GET (no attributes)
 * answers the CHAP credentials discovery sessions must pass
 * (targets/iscsi/auth_* in configfs): AUTH_USER and AUTH_SECRET when
 * auth_user is set, AUTH_MUTUAL_USER and AUTH_MUTUAL_SECRET when
 * auth_mutual_user is set; none: discovery without authentication. The
 * daemon asks at each discovery login, so a change applies to the next
 * one. A module without the command answers -EOPNOTSUPP.
 *
 * Events (multicast group KTGT_ISCSI_MCGRP_EVENTS, command EVENT with
 * EVENT_TYPE): CONFIG (a target, portal or auth attribute changed: the
 * daemon re-reads TARGET_LIST), SESSION_UP, SESSION_DOWN, CONN_UP,
 * CONN_DOWN, each with TARGET_NAME, INITIATOR, TSIH (and CID for
 * connections) and, when down, REASON (an errno or 0 for logout). A
 * session's SESSION_UP comes before any other event of that session.
 */
#ifndef _UAPI_KTGT_ISCSI_H
#define _UAPI_KTGT_ISCSI_H

#define KTGT_ISCSI_GENL_NAME		"ktgt_iscsi"
#define KTGT_ISCSI_GENL_VERSION		1
#define KTGT_ISCSI_MCGRP_EVENTS		"events"

enum ktgt_iscsi_cmd {
	KTGT_ISCSI_CMD_UNSPEC,
	KTGT_ISCSI_CMD_TARGET_LIST,	/* dump: TARGET nests */
	KTGT_ISCSI_CMD_TARGET_GET,	/* TARGET_NAME, INITIATOR -> reply */
	KTGT_ISCSI_CMD_CONN_ADD,	/* -> reply with TSIH */
	KTGT_ISCSI_CMD_CONN_START,	/* TSIH, CID */
	KTGT_ISCSI_CMD_EVENT,		/* multicast only */
	KTGT_ISCSI_CMD_DISCOVERY_AUTH_GET, /* -> reply: AUTH_* of discovery */
	__KTGT_ISCSI_CMD_MAX,
};

#define KTGT_ISCSI_CMD_MAX (__KTGT_ISCSI_CMD_MAX - 1)

enum ktgt_iscsi_event_type {
	KTGT_ISCSI_EV_CONFIG = 1,
	KTGT_ISCSI_EV_SESSION_UP,
	KTGT_ISCSI_EV_SESSION_DOWN,
	KTGT_ISCSI_EV_CONN_UP,
	KTGT_ISCSI_EV_CONN_DOWN,
};

enum ktgt_iscsi_digest {
	KTGT_ISCSI_DIGEST_NONE = 0,
	KTGT_ISCSI_DIGEST_CRC32C = 1,
};

enum ktgt_iscsi_attr {
	KTGT_ISCSI_A_UNSPEC,
	KTGT_ISCSI_A_TARGET,		/* nest (TARGET_LIST) */
	KTGT_ISCSI_A_TARGET_NAME,	/* string, the IQN */
	KTGT_ISCSI_A_TARGET_ALIAS,	/* string, may be absent */
	KTGT_ISCSI_A_PORTAL,		/* nest, repeated inside TARGET */
	KTGT_ISCSI_A_PORTAL_ADDR,	/* string: "192.0.2.1", "::1", "0.0.0.0", "::" */
	KTGT_ISCSI_A_PORTAL_PORT,	/* u16 */
	KTGT_ISCSI_A_PORTAL_TPGT,	/* u16, target portal group tag */
	KTGT_ISCSI_A_INITIATOR,		/* string, initiator name */
	KTGT_ISCSI_A_ACCESS,		/* u8: 1 the initiator may log in */
	/* CHAP: the initiator authenticates to us with these (incoming) */
	KTGT_ISCSI_A_AUTH_USER,		/* string; absent: no CHAP required */
	KTGT_ISCSI_A_AUTH_SECRET,	/* binary/string */
	/* mutual CHAP: we authenticate to the initiator with these */
	KTGT_ISCSI_A_AUTH_MUTUAL_USER,	/* string */
	KTGT_ISCSI_A_AUTH_MUTUAL_SECRET, /* binary/string */
	KTGT_ISCSI_A_ISID,		/* u64, low 48 bits */
	KTGT_ISCSI_A_TSIH,		/* u16 */
	KTGT_ISCSI_A_CID,		/* u16 */
	KTGT_ISCSI_A_FD,		/* u32, the daemon's socket descriptor */
	KTGT_ISCSI_A_STATSN,		/* u32, StatSN of the final Login Response */
	KTGT_ISCSI_A_EXP_CMDSN,		/* u32 */
	KTGT_ISCSI_A_EVENT_TYPE,	/* u32, enum ktgt_iscsi_event_type */
	KTGT_ISCSI_A_REASON,		/* s32 */
	/* operational parameters: defaults (TARGET_GET) or negotiated (CONN_ADD) */
	KTGT_ISCSI_A_P_MAX_RECV_DSL,	/* u32, what the target receives */
	KTGT_ISCSI_A_P_MAX_XMIT_DSL,	/* u32, the initiator's MaxRecvDSL */
	KTGT_ISCSI_A_P_MAX_BURST,	/* u32 */
	KTGT_ISCSI_A_P_FIRST_BURST,	/* u32 */
	KTGT_ISCSI_A_P_INITIAL_R2T,	/* u8 */
	KTGT_ISCSI_A_P_IMMEDIATE_DATA,	/* u8 */
	KTGT_ISCSI_A_P_MAX_OUTSTANDING_R2T, /* u32 */
	KTGT_ISCSI_A_P_MAX_CONNECTIONS,	/* u32 */
	/*
	 * Digests: u8, enum ktgt_iscsi_digest in CONN_ADD; in TARGET_GET a
	 * bitmask (1 << digest) of the values the target accepts.
	 */
	KTGT_ISCSI_A_P_HEADER_DIGEST,
	KTGT_ISCSI_A_P_DATA_DIGEST,	/* u8, as HEADER_DIGEST */
	KTGT_ISCSI_A_P_DEFAULT_TIME2WAIT, /* u32 */
	KTGT_ISCSI_A_P_DEFAULT_TIME2RETAIN, /* u32 */
	KTGT_ISCSI_A_P_ERROR_RECOVERY_LEVEL, /* u32 */
	KTGT_ISCSI_A_P_DATA_PDU_IN_ORDER, /* u8 */
	KTGT_ISCSI_A_P_DATA_SEQUENCE_IN_ORDER, /* u8 */
	KTGT_ISCSI_A_P_QUEUE_DEPTH,	/* u32, commands the target queues per session */
	KTGT_ISCSI_A_SESSION_TYPE,	/* u8: 0 normal, 1 discovery */
	__KTGT_ISCSI_A_MAX,
};

#define KTGT_ISCSI_A_MAX (__KTGT_ISCSI_A_MAX - 1)

#endif /* _UAPI_KTGT_ISCSI_H */
