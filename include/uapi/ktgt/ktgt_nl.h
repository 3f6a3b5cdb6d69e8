/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktgt generic netlink family "ktgt": events of the core, multicast to
 * the group "events" (ktgtadm monitor listens to it). The core sends
 * KTGT_NL_CMD_EVENT messages only; there are no requests.
 *
 * Every event has KTGT_NL_A_EVENT and the attributes listed with its
 * type:
 *
 *   LOGIN, LOGOUT  SESSION, DRIVER, TARGET, INITIATOR (a session was
 *                  created / is being destroyed)
 *   TMF            SESSION, DRIVER, TARGET, INITIATOR, LUN, TMF_FN
 *                  (enum ktgt_tmf_fn), TMF_RESPONSE (enum
 *                  ktgt_tmf_response), after the function was executed
 *   UA             SESSION, DRIVER, TARGET, INITIATOR, LUN, ASC, ASCQ (a
 *                  unit attention was queued on the I_T_L nexus of that
 *                  session and LUN; the POWER ON ones of a new session
 *                  come before its LOGIN). Older modules send LUN, ASC
 *                  and ASCQ only: SESSION to INITIATOR are optional to
 *                  a listener.
 *   ERROR          SESSION, LUN, OPCODE, STATUS (a command ended with a
 *                  status other than GOOD; at most 50 per second)
 *   LOST           COUNT: that many events were dropped since the last
 *                  LOST (made faster than sent: at most 1024 wait; or
 *                  no memory). It follows the events that were waiting
 *                  when they were dropped.
 *
 * Additive changes only: new events and attributes get new numbers.
 */
#ifndef _UAPI_KTGT_NL_H
#define _UAPI_KTGT_NL_H

#define KTGT_NL_GENL_NAME	"ktgt"
#define KTGT_NL_GENL_VERSION	1
#define KTGT_NL_MCGRP_EVENTS	"events"

enum ktgt_nl_cmd {
	KTGT_NL_CMD_UNSPEC,
	KTGT_NL_CMD_EVENT,	/* multicast only */
	__KTGT_NL_CMD_MAX,
};

#define KTGT_NL_CMD_MAX (__KTGT_NL_CMD_MAX - 1)

enum ktgt_nl_event {
	KTGT_NL_EV_LOGIN = 1,
	KTGT_NL_EV_LOGOUT,
	KTGT_NL_EV_TMF,
	KTGT_NL_EV_UA,
	KTGT_NL_EV_ERROR,
	KTGT_NL_EV_LOST,
};

enum ktgt_nl_attr {
	KTGT_NL_A_UNSPEC,
	KTGT_NL_A_EVENT,		/* u32, enum ktgt_nl_event */
	KTGT_NL_A_SESSION,		/* u64, /sys/kernel/ktgt/sessions/<id> */
	KTGT_NL_A_DRIVER,		/* string */
	KTGT_NL_A_TARGET,		/* string */
	KTGT_NL_A_INITIATOR,		/* string */
	KTGT_NL_A_LUN,			/* u64 */
	KTGT_NL_A_TMF_FN,		/* u32 */
	KTGT_NL_A_TMF_RESPONSE,		/* u32 */
	KTGT_NL_A_ASC,			/* u8 */
	KTGT_NL_A_ASCQ,			/* u8 */
	KTGT_NL_A_OPCODE,		/* u8 */
	KTGT_NL_A_STATUS,		/* u8, SAM status */
	KTGT_NL_A_PAD,
	KTGT_NL_A_COUNT,		/* u32 */
	__KTGT_NL_A_MAX,
};

#define KTGT_NL_A_MAX (__KTGT_NL_A_MAX - 1)

#endif /* _UAPI_KTGT_NL_H */
