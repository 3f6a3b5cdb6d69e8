// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the persistent reservation conflict table
 * (core/pr_table.c): every command of every CDB table (SBC and MMC) x
 * every reservation type (and none) x every registration state (holder,
 * registered, unregistered), against an independent transcription of
 * SPC-4 table 52 and SBC-3 table 13 kept here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>

#include "pr_table.h"
#include "cdb.h"

/* The spec, by command name: 'A' allowed, 'R' medium read, else conflict. */
static char spec_class(const char *name)
{
	static const char * const allowed[] = {
		"TEST UNIT READY", "REQUEST SENSE", "INQUIRY", "REPORT LUNS",
		"REPORT TARGET PORT GROUPS",
		"READ CAPACITY", "READ CAPACITY(10)", "READ CAPACITY(16)",
		"LOG SENSE",
	};
	static const char * const reads[] = {
		"READ(6)", "READ(10)", "READ(12)", "READ(16)", "VERIFY(10)",
		"VERIFY(12)", "VERIFY(16)", "PRE-FETCH(10)", "PRE-FETCH(16)",
		"GET LBA STATUS", "READ TOC/PMA/ATIP",
		"GET CONFIGURATION", "GET EVENT STATUS NOTIFICATION",
		"READ DISC INFORMATION", "READ TRACK INFORMATION",
		/* SPC-4 table 52: allowed under the WRITE EXCLUSIVE types */
		"MODE SENSE(6)", "MODE SENSE(10)",
		"REPORT SUPPORTED OPERATION CODES",
		"RECEIVE COPY RESULTS(COPY STATUS)",
		"RECEIVE COPY RESULTS(OPERATING PARAMETERS)",
		"RECEIVE COPY RESULTS(FAILED SEGMENT DETAILS)",
		/* SBC-3 table 13: allowed under Write Exclusive */
		"PRE-FETCH(10)", "PRE-FETCH(16)", "VERIFY(12)",
	};
	size_t i;

	if (!strncmp(name, "PERSISTENT RESERVE ", 19))
		return 'A';
	for (i = 0; i < ARRAY_SIZE(allowed); i++)
		if (!strcmp(name, allowed[i]))
			return 'A';
	for (i = 0; i < ARRAY_SIZE(reads); i++)
		if (!strcmp(name, reads[i]))
			return 'R';
	return 'C';
}

/*
 * SPC-4 table 52 columns, per type: the outcome for (registered
 * non-holder, unregistered) x (read class, conflict class). 1: conflict.
 */
struct spec_row {
	u8 type;
	bool reg_read, reg_other, unreg_read, unreg_other;
};

static const struct spec_row spec_rows[] = {
	{ KTGT_PR_WE,    false, true,  false, true },
	{ KTGT_PR_EA,    true,  true,  true,  true },
	{ KTGT_PR_WE_RO, false, false, false, true },
	{ KTGT_PR_EA_RO, false, false, true,  true },
	{ KTGT_PR_WE_AR, false, false, false, true },
	{ KTGT_PR_EA_AR, false, false, true,  true },
};

static bool spec_conflict(u8 type, enum ktgt_pr_who who, char cls)
{
	size_t i;

	if (!type || who == KTGT_PR_HOLDER || cls == 'A')
		return false;
	for (i = 0; i < ARRAY_SIZE(spec_rows); i++) {
		const struct spec_row *r = &spec_rows[i];

		if (r->type != type)
			continue;
		if (who == KTGT_PR_REGISTERED)
			return cls == 'R' ? r->reg_read : r->reg_other;
		return cls == 'R' ? r->unreg_read : r->unreg_other;
	}
	fail_msg("type %u not in the spec rows", type);
	return false;
}

static void build_cdb(const struct ktgt_cdb_desc *d, u8 *cdb)
{
	memset(cdb, 0, KTGT_CDB_MAX_LEN);
	cdb[0] = d->opcode;
	if (d->flags & KTGT_CDB_F_SA)
		cdb[d->sa_off] |= (u8)(d->sa & d->sa_mask);
}

static unsigned int walk_table(u8 pdt)
{
	static const u8 types[] = { 0, KTGT_PR_WE, KTGT_PR_EA, KTGT_PR_WE_RO,
				    KTGT_PR_EA_RO, KTGT_PR_WE_AR,
				    KTGT_PR_EA_AR };
	static const enum ktgt_pr_who whos[] = { KTGT_PR_HOLDER,
		KTGT_PR_REGISTERED, KTGT_PR_UNREGISTERED };
	const struct ktgt_cdb_table *tbl = ktgt_cdb_table_for_type(pdt);
	unsigned int s, i, t, w, n = 0;
	u8 cdb[KTGT_CDB_MAX_LEN];

	assert_non_null(tbl);
	for (s = 0; s < tbl->nr_sets; s++) {
		for (i = 0; i < tbl->sets[s].nr; i++) {
			const struct ktgt_cdb_desc *d = &tbl->sets[s].descs[i];
			char want = spec_class(d->name);
			enum ktgt_pr_class cls;

			build_cdb(d, cdb);
			/* PREVENT = 0 and START = 1: the allowed forms */
			if (d->opcode == 0x1e)
				want = 'A';
			if (d->opcode == 0x1b) {
				cdb[4] = 0x01;
				want = 'A';
			}
			cls = ktgt_pr_classify(cdb, d->len);
			for (t = 0; t < ARRAY_SIZE(types); t++) {
				for (w = 0; w < ARRAY_SIZE(whos); w++) {
					bool got = ktgt_pr_conflicts(types[t],
							whos[w], cls);
					bool exp = spec_conflict(types[t],
							whos[w], want);

					if (got != exp)
						fail_msg("%s type %u who %u: conflict %d, want %d",
							 d->name, types[t],
							 whos[w], got, exp);
					n++;
				}
			}
		}
	}
	return n;
}

static void test_walk_sbc(void **state)
{
	(void)state;
	assert_true(walk_table(0x00) > 7 * 3 * 40);
}

static void test_walk_mmc(void **state)
{
	(void)state;
	assert_true(walk_table(0x05) > 7 * 3 * 10);
}

static void test_cdb_forms(void **state)
{
	u8 prevent[6] = { 0x1e, 0, 0, 0, 0x01, 0 };
	u8 stop[6] = { 0x1b, 0, 0, 0, 0x00, 0 };
	u8 start_pc[6] = { 0x1b, 0, 0, 0, 0x11, 0 };
	u8 rtpg[12] = { 0xa3, 0x0a };
	u8 rstmf[12] = { 0xa3, 0x0d };
	u8 mi_other[12] = { 0xa3, 0x10 };
	u8 xcopy[16] = { 0x83, 0x00 };
	u8 rcr_data[16] = { 0x84, 0x01 };
	u8 rcr_lid4[16] = { 0x84, 0x05 };

	(void)state;
	assert_int_equal(ktgt_pr_classify(prevent, 6), KTGT_PR_CONFLICT);
	assert_int_equal(ktgt_pr_classify(stop, 6), KTGT_PR_CONFLICT);
	assert_int_equal(ktgt_pr_classify(start_pc, 6), KTGT_PR_CONFLICT);
	assert_int_equal(ktgt_pr_classify(rtpg, 12), KTGT_PR_ALLOWED);
	/* Not in the CDB tables: REPORT SUPPORTED TMFs reads as RSOC does. */
	assert_int_equal(ktgt_pr_classify(rstmf, 12), KTGT_PR_READ);
	assert_int_equal(ktgt_pr_classify(mi_other, 12), KTGT_PR_CONFLICT);
	/* EXTENDED COPY conflicts as a write does; RECEIVE DATA reads. */
	assert_int_equal(ktgt_pr_classify(xcopy, 16), KTGT_PR_CONFLICT);
	assert_int_equal(ktgt_pr_classify(rcr_data, 16), KTGT_PR_READ);
	assert_int_equal(ktgt_pr_classify(rcr_lid4, 16), KTGT_PR_CONFLICT);
	assert_int_equal(ktgt_pr_classify(rcr_data, 1), KTGT_PR_CONFLICT);
	assert_int_equal(ktgt_pr_classify(rtpg, 1), KTGT_PR_CONFLICT);
	assert_int_equal(ktgt_pr_classify(rtpg, 0), KTGT_PR_CONFLICT);
}

static void test_types(void **state)
{
	unsigned int t, valid = 0;

	(void)state;
	for (t = 0; t < 256; t++)
		valid += ktgt_pr_type_valid((u8)t);
	assert_int_equal(valid, 6);
	assert_true(ktgt_pr_type_all_reg(KTGT_PR_WE_AR));
	assert_true(ktgt_pr_type_all_reg(KTGT_PR_EA_AR));
	assert_false(ktgt_pr_type_all_reg(KTGT_PR_WE_RO));
	assert_true(ktgt_pr_type_reg_only(KTGT_PR_EA_RO));
	assert_false(ktgt_pr_type_reg_only(KTGT_PR_EA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_sbc),
		cmocka_unit_test(test_walk_mmc),
		cmocka_unit_test(test_cdb_forms),
		cmocka_unit_test(test_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
