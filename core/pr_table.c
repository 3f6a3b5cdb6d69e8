// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: the persistent reservation conflict table (SPC-4 table 52, SBC-3
 * table 13). Portable; see pr_table.h.
 */
#include "pr_table.h"

bool ktgt_pr_type_valid(u8 type)
{
	switch (type) {
	case KTGT_PR_WE:
	case KTGT_PR_EA:
	case KTGT_PR_WE_RO:
	case KTGT_PR_EA_RO:
	case KTGT_PR_WE_AR:
	case KTGT_PR_EA_AR:
		return true;
	default:
		return false;
	}
}

bool ktgt_pr_type_all_reg(u8 type)
{
	return type == KTGT_PR_WE_AR || type == KTGT_PR_EA_AR;
}

bool ktgt_pr_type_reg_only(u8 type)
{
	return type == KTGT_PR_WE_RO || type == KTGT_PR_EA_RO ||
	       ktgt_pr_type_all_reg(type);
}

/* The EXCLUSIVE ACCESS family: reads conflict too. */
static bool type_excl_access(u8 type)
{
	return type == KTGT_PR_EA || type == KTGT_PR_EA_RO ||
	       type == KTGT_PR_EA_AR;
}

enum ktgt_pr_class ktgt_pr_classify(const u8 *cdb, unsigned int len)
{
	if (!len)
		return KTGT_PR_CONFLICT;
	switch (cdb[0]) {
	/* SPC-4 table 52: allowed in the presence of any reservation */
	case 0x00:	/* TEST UNIT READY */
	case 0x03:	/* REQUEST SENSE */
	case 0x12:	/* INQUIRY */
	case 0x4d:	/* LOG SENSE */
	case 0x5e:	/* PERSISTENT RESERVE IN */
	case 0x5f:	/* PERSISTENT RESERVE OUT (checked by its own rules) */
	case 0xa0:	/* REPORT LUNS */
		return KTGT_PR_ALLOWED;
	/*
	 * Allowed under the WRITE EXCLUSIVE types only, as a read is
	 * (SPC-4 table 52; SPC-3 table 31 had it conflict under every
	 * type).
	 */
	case 0x1a:	/* MODE SENSE(6) */
	case 0x5a:	/* MODE SENSE(10) */
		return KTGT_PR_READ;
	case 0xa3:	/* MAINTENANCE IN: the REPORT ... service actions */
		if (len < 2)
			return KTGT_PR_CONFLICT;
		switch (cdb[1] & 0x1f) {
		case 0x05:	/* REPORT IDENTIFYING INFORMATION */
		case 0x0a:	/* REPORT TARGET PORT GROUPS */
		case 0x0b:	/* REPORT ALIASES */
		case 0x0e:	/* REPORT PRIORITY */
		case 0x0f:	/* REPORT TIMESTAMP */
			return KTGT_PR_ALLOWED;
		/*
		 * Allowed under the WRITE EXCLUSIVE types only, as a
		 * read is (SPC-4 table 52; SPC-3 table 31 had them
		 * conflict under every type).
		 */
		case 0x0c:	/* REPORT SUPPORTED OPERATION CODES */
		case 0x0d:	/* REPORT SUPPORTED TMFs */
			return KTGT_PR_READ;
		default:
			return KTGT_PR_CONFLICT;
		}
	/*
	 * EXTENDED COPY: only the holder and, under the REGISTRANTS ONLY
	 * and ALL REGISTRANTS types, the registrants (SPC-4 table 52, as
	 * SPC-3's table 31). The copy's own reads and writes of its source
	 * and destination are checked by core/xcopy.c.
	 */
	case 0x83:
		return KTGT_PR_CONFLICT;
	/*
	 * RECEIVE COPY RESULTS (LID1) only reports on copies: as a read,
	 * the stricter of the SPC-4 readings (SPC-3 had it conflict as
	 * EXTENDED COPY does).
	 */
	case 0x84:
		if (len < 2)
			return KTGT_PR_CONFLICT;
		switch (cdb[1] & 0x1f) {
		case 0x00:	/* COPY STATUS */
		case 0x01:	/* RECEIVE DATA */
		case 0x03:	/* OPERATING PARAMETERS */
		case 0x04:	/* FAILED SEGMENT DETAILS */
			return KTGT_PR_READ;
		default:
			return KTGT_PR_CONFLICT;
		}
	case 0xab:	/* SERVICE ACTION IN(12): READ MEDIA SERIAL NUMBER */
		if (len >= 2 && (cdb[1] & 0x1f) == 0x01)
			return KTGT_PR_ALLOWED;
		return KTGT_PR_CONFLICT;
	case 0x1e:	/* PREVENT ALLOW MEDIUM REMOVAL: PREVENT = 0 only */
		if (len >= 5 && !(cdb[4] & 0x03))
			return KTGT_PR_ALLOWED;
		return KTGT_PR_CONFLICT;
	/* SBC-3 table 13 */
	case 0x25:	/* READ CAPACITY(10) */
		return KTGT_PR_ALLOWED;
	case 0x9e:	/* SERVICE ACTION IN(16) */
		if (len < 2)
			return KTGT_PR_CONFLICT;
		switch (cdb[1] & 0x1f) {
		case 0x10:	/* READ CAPACITY(16) */
			return KTGT_PR_ALLOWED;
		case 0x12:	/* GET LBA STATUS */
			return KTGT_PR_READ;
		default:
			return KTGT_PR_CONFLICT;
		}
	case 0x1b:	/* START STOP UNIT: START = 1, POWER CONDITION = 0 */
		if (len >= 5 && (cdb[4] & 0x01) && !(cdb[4] & 0xf0))
			return KTGT_PR_ALLOWED;
		return KTGT_PR_CONFLICT;
	case 0x08:	/* READ(6) */
	case 0x28:	/* READ(10) */
	case 0xa8:	/* READ(12) */
	case 0x88:	/* READ(16) */
	case 0x2f:	/* VERIFY(10) */
	case 0xaf:	/* VERIFY(12) */
	case 0x8f:	/* VERIFY(16) */
	case 0x37:	/* READ DEFECT DATA(10) */
	case 0xb7:	/* READ DEFECT DATA(12) */
	case 0x34:	/* PRE-FETCH(10) */
	case 0x90:	/* PRE-FETCH(16) */
	/* MMC reads on a CD-ROM */
	case 0x43:	/* READ TOC/PMA/ATIP */
	case 0x46:	/* GET CONFIGURATION */
	case 0x4a:	/* GET EVENT STATUS NOTIFICATION */
	case 0x51:	/* READ DISC INFORMATION */
	case 0x52:	/* READ TRACK INFORMATION */
	case 0xbe:	/* READ CD */
	case 0xb9:	/* READ CD MSF */
	case 0xad:	/* READ DISC STRUCTURE */
		return KTGT_PR_READ;
	default:
		/*
		 * Writes (WRITE, WRITE AND VERIFY, WRITE SAME, UNMAP,
		 * COMPARE AND WRITE, SYNCHRONIZE CACHE, FORMAT UNIT), MODE
		 * SELECT, LOG SELECT, RESERVE/RELEASE, buffers, diagnostics
		 * and everything unlisted.
		 */
		return KTGT_PR_CONFLICT;
	}
}

bool ktgt_pr_conflicts(u8 type, enum ktgt_pr_who who, enum ktgt_pr_class cls)
{
	if (!type || who == KTGT_PR_HOLDER || cls == KTGT_PR_ALLOWED)
		return false;
	/* REGISTRANTS ONLY / ALL REGISTRANTS: every registrant has access. */
	if (who == KTGT_PR_REGISTERED && ktgt_pr_type_reg_only(type))
		return false;
	if (cls == KTGT_PR_READ)
		return type_excl_access(type);
	return true;
}
