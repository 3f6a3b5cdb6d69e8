/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: the unit attention queue of one I_T_L nexus (SPC-4 5.14), as
 * portable C (see portable.h) so the host unit tests run this exact code.
 *
 * A condition is pending at most once, so the queue is a bit set indexed
 * by condition code; the codes are numbered in reporting priority order,
 * so the lowest set bit is the condition reported first. The 29h
 * conditions (power on, resets, I_T nexus loss) are one event class: one
 * of them pending absorbs the others (a reset after a power on is not
 * reported twice), and they are reported before anything else. NOT READY
 * TO READY CHANGE, MEDIUM MAY HAVE CHANGED (a removable medium was
 * loaded) comes next: the medium an initiator worked with is gone, which
 * makes every later condition about the old one (its capacity, its mode
 * parameters) moot, and the initiator re-reads all of it anyway.
 *
 * The caller serialises access (core/ua.c: td->ua_lock).
 */
#ifndef KTGT_UA_QUEUE_H
#define KTGT_UA_QUEUE_H

#include "portable.h"

/* Condition codes, in reporting priority order (0 first). */
enum ktgt_ua_code_nr {
	KTGT_UAC_POWER_ON,		/* 29h/00h POWER ON, RESET, OR BDR */
	KTGT_UAC_LU_RESET,		/* 29h/03h BUS DEVICE RESET FUNCTION */
	KTGT_UAC_NEXUS_LOSS,		/* 29h/07h I_T NEXUS LOSS OCCURRED */
	KTGT_UAC_MEDIUM_CHANGED,	/* 28h/00h NOT READY TO READY CHANGE */
	KTGT_UAC_CAPACITY,		/* 2Ah/09h CAPACITY DATA HAS CHANGED */
	KTGT_UAC_REPORTED_LUNS,		/* 3Fh/0Eh REPORTED LUNS DATA CHANGED */
	KTGT_UAC_INQUIRY,		/* 3Fh/03h INQUIRY DATA HAS CHANGED */
	KTGT_UAC_MODE,			/* 2Ah/01h MODE PARAMETERS CHANGED */
	KTGT_UAC_RES_PREEMPTED,		/* 2Ah/03h RESERVATIONS PREEMPTED */
	KTGT_UAC_RES_RELEASED,		/* 2Ah/04h RESERVATIONS RELEASED */
	KTGT_UAC_REG_PREEMPTED,		/* 2Ah/05h REGISTRATIONS PREEMPTED */
	KTGT_UAC_ALUA_CHANGED,		/* 2Ah/06h ASYMMETRIC ACCESS STATE CHANGED */
	KTGT_UAC_CLEARED,		/* 2Fh/00h COMMANDS CLEARED BY ANOTHER INITIATOR */
	/* UA_INTLCK_CTRL 11b: a command of the nexus ended with ... */
	KTGT_UAC_PREV_BUSY,		/* 2Ch/07h PREVIOUS BUSY STATUS */
	KTGT_UAC_PREV_TSF,		/* 2Ch/08h PREVIOUS TASK SET FULL STATUS */
	KTGT_UAC_PREV_CONFLICT,		/* 2Ch/09h PREVIOUS RESERVATION CONFLICT */
	KTGT_UAC_NR
};

/* The 29h event class. */
#define KTGT_UAC_RESET_MASK	(BIT(KTGT_UAC_POWER_ON) | \
				 BIT(KTGT_UAC_LU_RESET) | \
				 BIT(KTGT_UAC_NEXUS_LOSS))

/**
 * ktgt_uaq_asc() - the ASC/ASCQ a condition is reported with
 * @code: a condition code below KTGT_UAC_NR
 *
 * Return: ASC << 8 | ASCQ, or 0 for an invalid code.
 */
static inline u16 ktgt_uaq_asc(unsigned int code)
{
	static const u16 asc[KTGT_UAC_NR] = {
		[KTGT_UAC_POWER_ON]	= 0x2900,
		[KTGT_UAC_LU_RESET]	= 0x2903,
		[KTGT_UAC_NEXUS_LOSS]	= 0x2907,
		[KTGT_UAC_MEDIUM_CHANGED] = 0x2800,
		[KTGT_UAC_CAPACITY]	= 0x2a09,
		[KTGT_UAC_REPORTED_LUNS] = 0x3f0e,
		[KTGT_UAC_INQUIRY]	= 0x3f03,
		[KTGT_UAC_MODE]		= 0x2a01,
		[KTGT_UAC_RES_PREEMPTED] = 0x2a03,
		[KTGT_UAC_RES_RELEASED]	= 0x2a04,
		[KTGT_UAC_REG_PREEMPTED] = 0x2a05,
		[KTGT_UAC_ALUA_CHANGED]	= 0x2a06,
		[KTGT_UAC_CLEARED]	= 0x2f00,
		[KTGT_UAC_PREV_BUSY]	= 0x2c07,
		[KTGT_UAC_PREV_TSF]	= 0x2c08,
		[KTGT_UAC_PREV_CONFLICT] = 0x2c09,
	};

	return code < KTGT_UAC_NR ? asc[code] : 0;
}

/**
 * ktgt_uaq_add() - establish a condition
 * @pending: the queue
 * @code: the condition
 *
 * Return: true if it was queued, false if it (or, for the 29h class, an
 * equivalent) was already pending or @code is invalid.
 */
static inline bool ktgt_uaq_add(u32 *pending, unsigned int code)
{
	u32 bit;

	if (code >= KTGT_UAC_NR)
		return false;
	bit = (u32)BIT(code);
	if (*pending & bit)
		return false;
	if ((bit & KTGT_UAC_RESET_MASK) && (*pending & KTGT_UAC_RESET_MASK))
		return false;
	*pending |= bit;
	return true;
}

/**
 * ktgt_uaq_first() - the condition to report next
 * @pending: the queue
 *
 * Return: its code, or -1 if none is pending.
 */
static inline int ktgt_uaq_first(u32 pending)
{
	unsigned int i;

	for (i = 0; i < KTGT_UAC_NR; i++)
		if (pending & BIT(i))
			return (int)i;
	return -1;
}

/**
 * ktgt_uaq_take() - dequeue the condition to report next
 * @pending: the queue
 * @clear: remove it (UA_INTLCK_CTRL 00b, or REQUEST SENSE); false only
 *	peeks (UA_INTLCK_CTRL 10b/11b for a CHECK CONDITION)
 *
 * Return: its code, or -1 if none is pending.
 */
static inline int ktgt_uaq_take(u32 *pending, bool clear)
{
	int code = ktgt_uaq_first(*pending);

	if (code >= 0 && clear)
		*pending &= ~(u32)BIT(code);
	return code;
}

/**
 * ktgt_uaq_clear() - remove a condition if pending
 * @pending: the queue
 * @code: the condition
 *
 * Return: true if it was pending.
 */
static inline bool ktgt_uaq_clear(u32 *pending, unsigned int code)
{
	u32 bit;

	if (code >= KTGT_UAC_NR)
		return false;
	bit = (u32)BIT(code);
	if (!(*pending & bit))
		return false;
	*pending &= ~bit;
	return true;
}

#endif /* KTGT_UA_QUEUE_H */
