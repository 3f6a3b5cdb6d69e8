// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the task ordering rules (core/order.c), with real
 * descriptors from the SBC command table, including the exclusion of
 * COMPARE AND WRITE and ORWRITE across I_T nexuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "order.h"
#include "cdb.h"

static const struct ktgt_cdb_desc *sbc(u8 opcode, u16 sa)
{
	const struct ktgt_cdb_table *tbl = ktgt_cdb_table_for_type(0x00);
	const struct ktgt_cdb_desc *d;

	assert_non_null(tbl);
	d = ktgt_cdb_lookup(tbl, opcode, sa, NULL);
	assert_non_null(d);
	return d;
}

static int nexus_a, nexus_b;

static struct ktgt_order_cmd mk(const void *nexus, u8 attr, u8 opcode,
				u64 lba, u32 nr)
{
	struct ktgt_order_cmd oc;

	ktgt_order_cmd_set(&oc, nexus, attr, sbc(opcode, 0), lba, nr);
	return oc;
}

static void test_ranges(void **state)
{
	struct ktgt_order_cmd oc;

	(void)state;
	/* READ(10) 8 blocks at 100 */
	oc = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 100, 8);
	assert_true(oc.reads);
	assert_false(oc.writes);
	assert_int_equal(oc.lba, 100);
	assert_int_equal(oc.end, 108);

	/* WRITE(16) near the top of the LBA space: clamped, no wrap */
	oc = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x8a, KTGT_ORDER_END - 2, 100);
	assert_true(oc.writes);
	assert_true(oc.end == KTGT_ORDER_END);
	assert_true(oc.lba < oc.end);

	/* WRITE SAME(10) with 0 blocks: to the last LBA */
	oc = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x41, 5, 0);
	assert_true(oc.writes);
	assert_int_equal(oc.lba, 5);
	assert_true(oc.end == KTGT_ORDER_END);

	/* UNMAP: no LBA in the CDB, covers everything */
	oc = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x42, 0, 0);
	assert_true(oc.writes);
	assert_int_equal(oc.lba, 0);
	assert_true(oc.end == KTGT_ORDER_END);

	/* WRITE(10) of 0 blocks accesses nothing */
	oc = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x2a, 7, 0);
	assert_int_equal(oc.lba, oc.end);

	/* SYNCHRONIZE CACHE(10) neither reads nor writes the medium */
	oc = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x35, 0, 0);
	assert_false(oc.reads);
	assert_false(oc.writes);

	/* No descriptor (absent LUN): nothing */
	ktgt_order_cmd_set(&oc, &nexus_a, KTGT_TASK_SIMPLE, NULL, 3, 3);
	assert_false(oc.reads || oc.writes);
	assert_int_equal(oc.lba, oc.end);
}

static void test_overlap(void **state)
{
	struct ktgt_order_cmd a = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x2a, 10, 10);
	struct ktgt_order_cmd b;

	(void)state;
	b = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 19, 1);	/* last block */
	assert_true(ktgt_order_overlap(&a, &b));
	assert_true(ktgt_order_overlap(&b, &a));
	b = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 20, 5);	/* adjacent */
	assert_false(ktgt_order_overlap(&a, &b));
	b = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 0, 10);	/* adjacent */
	assert_false(ktgt_order_overlap(&a, &b));
	b = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 0, 100);	/* covers */
	assert_true(ktgt_order_overlap(&a, &b));
	b = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 12, 0);	/* empty */
	assert_false(ktgt_order_overlap(&a, &b));
	b = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x8a, KTGT_ORDER_END - 1, 1);
	assert_false(ktgt_order_overlap(&a, &b));
}

static void test_write_then_read(void **state)
{
	struct ktgt_order_cmd w = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x2a, 0, 8);
	struct ktgt_order_cmd r = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 4, 8);
	struct ktgt_order_cmd r2 = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 8, 8);
	struct ktgt_order_cmd rb = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x28, 4, 8);
	struct ktgt_order_cmd w2 = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x8a, 7, 1);

	(void)state;
	/* A read never overtakes an earlier overlapping write ... */
	assert_true(ktgt_order_must_wait(&w, &r));
	/* ... nor does a write */
	assert_true(ktgt_order_must_wait(&w, &w2));
	/* but a disjoint read does */
	assert_false(ktgt_order_must_wait(&w, &r2));
	/* and so does a read of another I_T nexus */
	assert_false(ktgt_order_must_wait(&w, &rb));
	/* reads never hold anything back */
	assert_false(ktgt_order_must_wait(&r, &w2));
	assert_false(ktgt_order_must_wait(&r, &r2));
}

static void test_attributes(void **state)
{
	struct ktgt_order_cmd s = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x28, 0, 1);
	struct ktgt_order_cmd s2 = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x00, 0, 0);
	struct ktgt_order_cmd o = mk(&nexus_b, KTGT_TASK_ORDERED, 0x00, 0, 0);
	struct ktgt_order_cmd h = mk(&nexus_a, KTGT_TASK_HEAD_OF_QUEUE,
				     0x2a, 0, 1);
	struct ktgt_order_cmd w = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x2a, 0, 1);

	(void)state;
	/* SIMPLE commands run concurrently */
	assert_false(ktgt_order_must_wait(&s, &s2));
	/* ORDERED waits for everything earlier, of any nexus */
	assert_true(ktgt_order_must_wait(&s, &o));
	assert_true(ktgt_order_must_wait(&h, &o));
	/* everything later waits for ORDERED */
	assert_true(ktgt_order_must_wait(&o, &s));
	assert_true(ktgt_order_must_wait(&o, &o));
	/* except HEAD OF QUEUE, which waits for nothing */
	assert_false(ktgt_order_must_wait(&o, &h));
	assert_false(ktgt_order_must_wait(&w, &h));
	/* HEAD OF QUEUE does not wait for an earlier SIMPLE read */
	assert_false(ktgt_order_must_wait(&s, &h));
	/* but SIMPLE and ORDERED wait for an earlier HEAD OF QUEUE */
	assert_true(ktgt_order_must_wait(&h, &s));
	assert_true(ktgt_order_must_wait(&h, &s2));
}

static void test_atomic(void **state)
{
	/* COMPARE AND WRITE of block 10 on nexus A */
	struct ktgt_order_cmd caw = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x89, 10, 1);
	struct ktgt_order_cmd orw = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x8b, 8, 4);
	struct ktgt_order_cmd wb = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x2a, 10, 1);
	struct ktgt_order_cmd wb2 = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x2a, 11, 1);
	struct ktgt_order_cmd rb = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x28, 0, 16);
	struct ktgt_order_cmd ws = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x93, 0, 0);
	struct ktgt_order_cmd un = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x42, 0, 0);
	struct ktgt_order_cmd cawb = mk(&nexus_b, KTGT_TASK_SIMPLE, 0x89, 10,
					1);
	struct ktgt_order_cmd hb = mk(&nexus_b, KTGT_TASK_HEAD_OF_QUEUE, 0x2a,
				      10, 1);
	struct ktgt_order_cmd w = mk(&nexus_a, KTGT_TASK_SIMPLE, 0x2a, 10, 1);

	(void)state;
	assert_true(caw.atomic && caw.reads && caw.writes);
	assert_true(orw.atomic);
	assert_false(wb.atomic || rb.atomic || ws.atomic || un.atomic);

	/* Later writes of any nexus wait for an earlier atomic command ... */
	assert_true(ktgt_order_must_wait(&caw, &wb));
	assert_true(ktgt_order_must_wait(&caw, &ws));	/* to the last LBA */
	assert_true(ktgt_order_must_wait(&caw, &un));	/* every block */
	assert_true(ktgt_order_must_wait(&caw, &cawb));
	assert_true(ktgt_order_must_wait(&orw, &wb));
	/* ... and so do reads, which would see it half done */
	assert_true(ktgt_order_must_wait(&caw, &rb));
	/* but not those of other blocks */
	assert_false(ktgt_order_must_wait(&caw, &wb2));
	assert_true(ktgt_order_must_wait(&orw, &wb2));

	/* An atomic command waits for earlier writes of any nexus ... */
	assert_true(ktgt_order_must_wait(&wb, &caw));
	assert_true(ktgt_order_must_wait(&ws, &caw));
	assert_true(ktgt_order_must_wait(&un, &caw));
	assert_true(ktgt_order_must_wait(&cawb, &caw));
	assert_false(ktgt_order_must_wait(&wb2, &caw));
	/* ... not for reads */
	assert_false(ktgt_order_must_wait(&rb, &caw));
	/* and plain commands of two nexuses still do not wait */
	assert_false(ktgt_order_must_wait(&wb, &w));
	assert_false(ktgt_order_must_wait(&w, &rb));

	/* HEAD OF QUEUE: ordering lets it through, exclusion does not */
	assert_false(ktgt_order_must_wait(&caw, &hb));
	assert_true(ktgt_order_excludes(&caw, &hb));
	assert_false(ktgt_order_excludes(&wb2, &hb));
	assert_false(ktgt_order_excludes(&w, &hb));
	assert_true(ktgt_order_excludes(&hb, &caw));
	assert_false(ktgt_order_excludes(&rb, &caw));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_write_then_read),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
