// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt-iscsid: the connection limits (see limits.h). One mutex guards
 * the list and the counts. A connection is evicted by shutting its socket
 * down under the mutex; its own thread then fails its next read or
 * write, ends and releases its slot (under the mutex) before it closes
 * the descriptor, so the descriptor shut down is never one reused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "limits.h"

void iscsid_slots_init(struct iscsid_slots *s, const struct iscsid_limits *lim)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->lim = *lim;
	s->head.prev = &s->head;
	s->head.next = &s->head;
}

static bool counted(const struct iscsid_slot *slot)
{
	return slot->state == ISCSID_SLOT_LOGIN ||
	       slot->state == ISCSID_SLOT_DISCOVERY;
}

/* Caller holds the lock. */
static void evict(struct iscsid_slots *s, struct iscsid_slot *victim,
		  char *evicted, size_t cap)
{
	if (victim->state == ISCSID_SLOT_LOGIN)
		s->nlogin--;
	else
		s->ndiscovery--;
	victim->state = ISCSID_SLOT_EVICTED;
	shutdown(victim->fd, SHUT_RDWR);
	if (cap)
		snprintf(evicted, cap, "%s", victim->host);
}

/* When a connection of its state last showed it is wanted. */
static uint64_t age(const struct iscsid_slot *p)
{
	return p->state == ISCSID_SLOT_LOGIN ? p->since : p->last;
}

/*
 * Caller holds the lock: the login phase started first, or the discovery
 * session idle for the longest.
 */
static struct iscsid_slot *oldest(struct iscsid_slots *s,
				  enum iscsid_slot_state state)
{
	struct iscsid_slot *p, *o = NULL;

	for (p = s->head.next; p != &s->head; p = p->next)
		if (p->state == state && (!o || age(p) < age(o)))
			o = p;
	return o;
}

/**
 * iscsid_slot_admit() - count a connection just accepted
 * @s: the limits
 * @slot: its fd and host set; its login phase starts
 * @now: the time, ms
 * @evicted: the address of the connection ended to make room, if any
 * @cap: the size of @evicted
 *
 * Return: 0 if admitted, 1 if admitted after ending the oldest login, or
 * -EMFILE if its host has max_per_host connections already (the slot is
 * not linked then).
 */
int iscsid_slot_admit(struct iscsid_slots *s, struct iscsid_slot *slot,
		      uint64_t now, char *evicted, size_t cap)
{
	struct iscsid_slot *p, *victim = NULL;
	unsigned int same = 0;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if (s->lim.max_per_host) {
		for (p = s->head.next; p != &s->head; p = p->next)
			if (counted(p) && !strcmp(p->host, slot->host))
				same++;
		if (same >= s->lim.max_per_host) {
			pthread_mutex_unlock(&s->lock);
			return -EMFILE;
		}
	}
	if (s->nlogin >= s->lim.max_logins)
		victim = oldest(s, ISCSID_SLOT_LOGIN);
	if (victim) {
		evict(s, victim, evicted, cap);
		ret = 1;
	}
	slot->state = ISCSID_SLOT_LOGIN;
	slot->since = now;
	slot->last = now;
	slot->prev = s->head.prev;
	slot->next = &s->head;
	s->head.prev->next = slot;
	s->head.prev = slot;
	s->nlogin++;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/**
 * iscsid_slot_discovery() - a login became a discovery session
 * @s: the limits
 * @slot: the connection
 * @now: the time, ms
 * @evicted: the address of the session ended to make room, if any
 * @cap: the size of @evicted
 *
 * Return: 0, 1 if the session idle for the longest was ended to make
 * room, or -ECONNABORTED if @slot itself was evicted meanwhile.
 */
int iscsid_slot_discovery(struct iscsid_slots *s, struct iscsid_slot *slot,
			  uint64_t now, char *evicted, size_t cap)
{
	struct iscsid_slot *victim = NULL;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if (slot->state != ISCSID_SLOT_LOGIN) {
		pthread_mutex_unlock(&s->lock);
		return -ECONNABORTED;
	}
	s->nlogin--;
	if (s->ndiscovery >= s->lim.max_discovery)
		victim = oldest(s, ISCSID_SLOT_DISCOVERY);
	if (victim) {
		evict(s, victim, evicted, cap);
		ret = 1;
	}
	slot->state = ISCSID_SLOT_DISCOVERY;
	slot->last = now;
	s->ndiscovery++;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/**
 * iscsid_slot_done() - a login is about to be handed to the kernel
 * @s: the limits
 * @slot: the connection; it is no longer counted nor evicted
 *
 * Return: false if @slot was evicted meanwhile (its socket is shut down).
 */
bool iscsid_slot_done(struct iscsid_slots *s, struct iscsid_slot *slot)
{
	bool ok;

	pthread_mutex_lock(&s->lock);
	ok = slot->state == ISCSID_SLOT_LOGIN;
	if (ok) {
		s->nlogin--;
		slot->state = ISCSID_SLOT_DONE;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

/* A request of a discovery session: it is not idle. */
void iscsid_slot_touch(struct iscsid_slots *s, struct iscsid_slot *slot,
		       uint64_t now)
{
	pthread_mutex_lock(&s->lock);
	slot->last = now;
	pthread_mutex_unlock(&s->lock);
}

/* The connection ends: before its descriptor is closed. */
void iscsid_slot_release(struct iscsid_slots *s, struct iscsid_slot *slot)
{
	pthread_mutex_lock(&s->lock);
	if (slot->state == ISCSID_SLOT_LOGIN)
		s->nlogin--;
	else if (slot->state == ISCSID_SLOT_DISCOVERY)
		s->ndiscovery--;
	slot->state = ISCSID_SLOT_EVICTED;
	slot->prev->next = slot->next;
	slot->next->prev = slot->prev;
	slot->prev = slot;
	slot->next = slot;
	pthread_mutex_unlock(&s->lock);
}
