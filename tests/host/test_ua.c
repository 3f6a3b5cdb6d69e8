// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the unit attention queue of an I_T_L nexus
 * (core/ua_queue.h): each condition at most once, the 29h reset class
 * absorbing its members, reporting in priority order, peeking for
 * UA_INTLCK_CTRL 10b/11b, clearing one condition, the place of a medium
 * change (28h/00h) in the order, and the ASC/ASCQ of every condition.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "ua_queue.h"

static void test_empty(void **state)
{
	u32 q = 0;

	(void)state;
	assert_int_equal(ktgt_uaq_first(q), -1);
	assert_int_equal(ktgt_uaq_take(&q, true), -1);
	assert_false(ktgt_uaq_clear(&q, KTGT_UAC_MODE));
	assert_false(ktgt_uaq_add(&q, KTGT_UAC_NR));
	assert_false(ktgt_uaq_add(&q, 1000));
	assert_int_equal(q, 0);
}

static void test_once(void **state)
{
	u32 q = 0;

	(void)state;
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_MODE));
	assert_false(ktgt_uaq_add(&q, KTGT_UAC_MODE));
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_MODE);
	assert_int_equal(ktgt_uaq_take(&q, true), -1);
}

static void test_reset_class(void **state)
{
	u32 q = 0;

	(void)state;
	/* A power on absorbs a later LU reset and nexus loss ... */
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_POWER_ON));
	assert_false(ktgt_uaq_add(&q, KTGT_UAC_LU_RESET));
	assert_false(ktgt_uaq_add(&q, KTGT_UAC_NEXUS_LOSS));
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_POWER_ON);
	assert_int_equal(ktgt_uaq_take(&q, true), -1);
	/* ... and the first of them stays the one reported. */
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_NEXUS_LOSS));
	assert_false(ktgt_uaq_add(&q, KTGT_UAC_POWER_ON));
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_NEXUS_LOSS);
	/* other conditions are independent of it */
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_LU_RESET));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_CLEARED));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_RES_PREEMPTED));
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_LU_RESET);
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_RES_PREEMPTED);
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_CLEARED);
}

static void test_priority_every_order(void **state)
{
	unsigned int i, j;

	(void)state;
	/* Queued in reverse, every condition comes out in code order. */
	for (i = KTGT_UAC_LU_RESET; i < KTGT_UAC_NR; i++) {
		u32 q = 0;
		int prev = -1, c;

		for (j = KTGT_UAC_NR; j-- > i;)
			if (j != KTGT_UAC_POWER_ON && j != KTGT_UAC_NEXUS_LOSS)
				assert_true(ktgt_uaq_add(&q, j));
		while ((c = ktgt_uaq_take(&q, true)) >= 0) {
			assert_true(c > prev);
			prev = c;
		}
		assert_int_equal(q, 0);
	}
	/* The 29h class is reported before anything else. */
	{
		u32 q = 0;

		assert_true(ktgt_uaq_add(&q, KTGT_UAC_CLEARED));
		assert_true(ktgt_uaq_add(&q, KTGT_UAC_CAPACITY));
		assert_true(ktgt_uaq_add(&q, KTGT_UAC_NEXUS_LOSS));
		assert_int_equal(ktgt_uaq_first(q), KTGT_UAC_NEXUS_LOSS);
	}
}

/*
 * A medium change (28h/00h) is its own condition: not absorbed by the
 * 29h class nor absorbing it, reported after a pending reset and before
 * the conditions about the medium it replaced.
 */
static void test_medium_changed(void **state)
{
	u32 q = 0;

	(void)state;
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_CAPACITY));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_MODE));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_MEDIUM_CHANGED));
	assert_false(ktgt_uaq_add(&q, KTGT_UAC_MEDIUM_CHANGED));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_LU_RESET));
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_LU_RESET);
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_MEDIUM_CHANGED);
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_CAPACITY);
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_MODE);
	assert_int_equal(ktgt_uaq_take(&q, true), -1);
	/* A power on pending does not hide a medium change queued after it. */
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_POWER_ON));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_MEDIUM_CHANGED));
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_POWER_ON);
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_MEDIUM_CHANGED);
	assert_int_equal(ktgt_uaq_asc(KTGT_UAC_MEDIUM_CHANGED), 0x2800);
}

static void test_peek(void **state)
{
	u32 q = 0;

	(void)state;
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_REG_PREEMPTED));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_INQUIRY));
	/* UA_INTLCK_CTRL 10b: reported with CHECK CONDITION, kept */
	assert_int_equal(ktgt_uaq_take(&q, false), KTGT_UAC_INQUIRY);
	assert_int_equal(ktgt_uaq_take(&q, false), KTGT_UAC_INQUIRY);
	/* REQUEST SENSE clears */
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_INQUIRY);
	assert_int_equal(ktgt_uaq_take(&q, false), KTGT_UAC_REG_PREEMPTED);
	assert_true(ktgt_uaq_clear(&q, KTGT_UAC_REG_PREEMPTED));
	assert_int_equal(ktgt_uaq_take(&q, false), -1);
}

static void test_clear_one(void **state)
{
	u32 q = 0;

	(void)state;
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_REPORTED_LUNS));
	assert_true(ktgt_uaq_add(&q, KTGT_UAC_MODE));
	assert_true(ktgt_uaq_clear(&q, KTGT_UAC_REPORTED_LUNS));
	assert_false(ktgt_uaq_clear(&q, KTGT_UAC_REPORTED_LUNS));
	assert_int_equal(ktgt_uaq_take(&q, true), KTGT_UAC_MODE);
}

static void test_asc(void **state)
{
	static const struct { unsigned int code; u16 asc; } want[] = {
		{ KTGT_UAC_POWER_ON, 0x2900 },
		{ KTGT_UAC_LU_RESET, 0x2903 },
		{ KTGT_UAC_NEXUS_LOSS, 0x2907 },
		{ KTGT_UAC_MEDIUM_CHANGED, 0x2800 },
		{ KTGT_UAC_CAPACITY, 0x2a09 },
		{ KTGT_UAC_REPORTED_LUNS, 0x3f0e },
		{ KTGT_UAC_INQUIRY, 0x3f03 },
		{ KTGT_UAC_MODE, 0x2a01 },
		{ KTGT_UAC_RES_PREEMPTED, 0x2a03 },
		{ KTGT_UAC_RES_RELEASED, 0x2a04 },
		{ KTGT_UAC_REG_PREEMPTED, 0x2a05 },
		{ KTGT_UAC_ALUA_CHANGED, 0x2a06 },
		{ KTGT_UAC_CLEARED, 0x2f00 },
		{ KTGT_UAC_PREV_BUSY, 0x2c07 },
		{ KTGT_UAC_PREV_TSF, 0x2c08 },
		{ KTGT_UAC_PREV_CONFLICT, 0x2c09 },
	};
	unsigned int i;

	(void)state;
	assert_int_equal(ARRAY_SIZE(want), KTGT_UAC_NR);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_int_equal(ktgt_uaq_asc(want[i].code), want[i].asc);
	assert_int_equal(ktgt_uaq_asc(KTGT_UAC_NR), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_reset_class),
		cmocka_unit_test(test_priority_every_order),
		cmocka_unit_test(test_medium_changed),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_clear_one),
		cmocka_unit_test(test_asc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
