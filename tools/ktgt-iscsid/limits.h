/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt-iscsid: how many connections are served at once, so that no
 * initiator, nor anyone who can reach a portal, can hold every login
 * slot (ktgt-iscsid.8, LIMITS):
 *
 *   - at most max_logins connections are in their login phase; a new
 *     one beyond that ends the oldest (its login phase has been the
 *     longest: a real login takes milliseconds, one that holds a slot
 *     does so on purpose), so that idle or slow connections cannot keep
 *     a real login out;
 *   - at most max_discovery discovery sessions (after their login) are
 *     open, apart from the login slots; a new one beyond that ends the
 *     one idle for the longest;
 *   - at most max_per_host connections of both kinds come from one IP
 *     address (0: no limit); one beyond that is refused, and never ends
 *     another.
 *
 * The login phase has a deadline of its own (login.c), and a discovery
 * session an idle limit that only requests renew.
 *
 * Portable (POSIX threads only): tests/host/test_iscsid.c.
 */
#ifndef KTGT_ISCSID_LIMITS_H
#define KTGT_ISCSID_LIMITS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSID_HOST_LEN		64	/* an address as inet_ntop() writes it */

struct iscsid_limits {
	unsigned int max_logins;
	unsigned int max_discovery;
	unsigned int max_per_host;	/* 0: no limit */
};

enum iscsid_slot_state {
	ISCSID_SLOT_LOGIN,		/* login phase */
	ISCSID_SLOT_DISCOVERY,		/* discovery session */
	ISCSID_SLOT_DONE,		/* handed to the kernel: not counted */
	ISCSID_SLOT_EVICTED,		/* ended by another: not counted */
};

/**
 * struct iscsid_slot - one accepted connection, from accept to its end
 * @prev: list of the connections being served
 * @next: list of the connections being served
 * @fd: its socket; shut down (never closed) when it is evicted
 * @host: the initiator's address, canonical (compared as a string)
 * @state: see enum iscsid_slot_state
 * @since: when it was accepted, in ms (monotonic)
 * @last: the last request of a discovery session, in ms
 */
struct iscsid_slot {
	struct iscsid_slot *prev, *next;
	int fd;
	char host[ISCSID_HOST_LEN];
	enum iscsid_slot_state state;
	uint64_t since;
	uint64_t last;
};

struct iscsid_slots {
	pthread_mutex_t lock;
	struct iscsid_limits lim;
	struct iscsid_slot head;
	unsigned int nlogin;
	unsigned int ndiscovery;
};

void iscsid_slots_init(struct iscsid_slots *s, const struct iscsid_limits *lim);
int iscsid_slot_admit(struct iscsid_slots *s, struct iscsid_slot *slot,
		      uint64_t now, char *evicted, size_t cap);
int iscsid_slot_discovery(struct iscsid_slots *s, struct iscsid_slot *slot,
			  uint64_t now, char *evicted, size_t cap);
bool iscsid_slot_done(struct iscsid_slots *s, struct iscsid_slot *slot);
void iscsid_slot_touch(struct iscsid_slots *s, struct iscsid_slot *slot,
		       uint64_t now);
void iscsid_slot_release(struct iscsid_slots *s, struct iscsid_slot *slot);

#endif /* KTGT_ISCSID_LIMITS_H */
