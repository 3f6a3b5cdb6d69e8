/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgtadm: exit codes and the commands that live in their own files.
 */
#ifndef KTGTADM_H
#define KTGTADM_H

/* Exit codes (documented in ktgtadm.8 and Documentation/ktgtadm.rst). */
#define KTGTADM_EXIT_OK		0	/* success (apply: done or nothing to do) */
#define KTGTADM_EXIT_USAGE	1	/* bad command line */
#define KTGTADM_EXIT_CONFIG	2	/* the file is invalid: nothing changed */
#define KTGTADM_EXIT_UNDONE	3	/* a step failed; the steps done were undone */
#define KTGTADM_EXIT_PARTIAL	4	/* a step failed and the undo failed too */
#define KTGTADM_EXIT_SYSTEM	5	/* ktgt not loaded, modprobe, I/O, netlink */
#define KTGTADM_EXIT_TIMEOUT	6	/* monitor: --timeout before --count events */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

int cmd_monitor(long max_events, double timeout);

#endif /* KTGTADM_H */
