/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: the persistent reservation conflict table of SPC-4 (table 52,
 * "SPC commands that are allowed in the presence of various
 * reservations") and SBC-3 (table 13, its SBC commands), as ONE portable
 * table (see portable.h), host-tested by tests/host/test_pr_table.c.
 *
 * A command falls in one of three classes:
 *   ALLOWED   never conflicts (INQUIRY, REPORT LUNS, PERSISTENT RESERVE
 *             IN/OUT, TEST UNIT READY, READ CAPACITY, ...);
 *   READ      reads the medium, or is an SPC command SPC-4 treats as
 *             such (MODE SENSE, REPORT SUPPORTED OPERATION CODES and
 *             TMFs, RECEIVE COPY RESULTS): allowed for the WRITE
 *             EXCLUSIVE family, conflicts for the EXCLUSIVE ACCESS
 *             family;
 *   CONFLICT  everything else (writes, EXTENDED COPY, MODE SELECT,
 *             LOG SELECT, ...).
 * The outcome then depends on the reservation type and on where the
 * command comes from: the reservation holder, another registered I_T
 * nexus, or an unregistered one (ktgt_pr_conflicts()).
 */
#ifndef KTGT_PR_TABLE_H
#define KTGT_PR_TABLE_H

#include "portable.h"

/* PERSISTENT RESERVATION TYPE values (SPC-4 table 169). */
#define KTGT_PR_WE		0x1	/* WRITE EXCLUSIVE */
#define KTGT_PR_EA		0x3	/* EXCLUSIVE ACCESS */
#define KTGT_PR_WE_RO		0x5	/* WRITE EXCLUSIVE - REGISTRANTS ONLY */
#define KTGT_PR_EA_RO		0x6	/* EXCLUSIVE ACCESS - REGISTRANTS ONLY */
#define KTGT_PR_WE_AR		0x7	/* WRITE EXCLUSIVE - ALL REGISTRANTS */
#define KTGT_PR_EA_AR		0x8	/* EXCLUSIVE ACCESS - ALL REGISTRANTS */

enum ktgt_pr_class {
	KTGT_PR_ALLOWED,
	KTGT_PR_READ,
	KTGT_PR_CONFLICT,
};

/* Where a command comes from, as the reservation sees it. */
enum ktgt_pr_who {
	KTGT_PR_HOLDER,		/* the reservation holder */
	KTGT_PR_REGISTERED,	/* a registered I_T nexus, not the holder */
	KTGT_PR_UNREGISTERED,	/* an I_T nexus without a registration */
};

/**
 * ktgt_pr_type_valid() - whether a TYPE is one of the six SPC-4 types
 * @type: the PERSISTENT RESERVATION TYPE
 *
 * Return: true for WE, EA, WE_RO, EA_RO, WE_AR and EA_AR.
 */
bool ktgt_pr_type_valid(u8 type);

/**
 * ktgt_pr_type_all_reg() - whether a type is an ALL REGISTRANTS type
 * @type: a valid type
 *
 * Return: true for WE_AR and EA_AR (every registrant is a holder).
 */
bool ktgt_pr_type_all_reg(u8 type);

/**
 * ktgt_pr_type_reg_only() - whether registrants other than the holder
 *	have access (REGISTRANTS ONLY and ALL REGISTRANTS types)
 * @type: a valid type
 *
 * Return: true for WE_RO, EA_RO, WE_AR and EA_AR.
 */
bool ktgt_pr_type_reg_only(u8 type);

/**
 * ktgt_pr_classify() - the conflict class of a CDB
 * @cdb: the CDB (at least @len bytes)
 * @len: its length; 0 gives KTGT_PR_CONFLICT
 *
 * Return: the class of the command per SPC-4 table 52 and SBC-3 table
 * 13; commands the tables do not list conflict.
 */
enum ktgt_pr_class ktgt_pr_classify(const u8 *cdb, unsigned int len);

/**
 * ktgt_pr_conflicts() - the conflict table
 * @type: the reservation's type, 0 if the logical unit has no
 *	persistent reservation
 * @who: where the command comes from
 * @cls: the command's class
 *
 * Return: true if the command gets RESERVATION CONFLICT.
 */
bool ktgt_pr_conflicts(u8 type, enum ktgt_pr_who who, enum ktgt_pr_class cls);

#endif /* KTGT_PR_TABLE_H */
