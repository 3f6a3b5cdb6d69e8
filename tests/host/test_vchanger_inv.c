// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the vchanger inventory (handlers/vtape/
 * vchanger_inv.c): the state file parser and writer, element addresses,
 * MOVE MEDIUM's checks and moves, and READ ELEMENT STATUS data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "handlers/vtape/vchanger_inv.h"

static struct vch_inv *new_inv(u32 st, u32 dt, u32 ie)
{
	struct vch_inv *inv = calloc(1, sizeof(*inv));

	assert_non_null(inv);
	assert_int_equal(vch_inv_init(inv, st, dt, ie), 0);
	return inv;
}

static int parse(struct vch_inv *inv, const char *text, char *err)
{
	return vch_state_parse(inv, text, strlen(text), err, 160);
}

static void test_init_limits(void **state)
{
	struct vch_inv *inv = calloc(1, sizeof(*inv));

	(void)state;
	assert_int_equal(vch_inv_init(inv, 0, 1, 0), -EINVAL);
	assert_int_equal(vch_inv_init(inv, 1, 0, 0), -EINVAL);
	assert_int_equal(vch_inv_init(inv, VCH_MAX_SLOTS + 1, 1, 0), -EINVAL);
	assert_int_equal(vch_inv_init(inv, 1, VCH_MAX_DRIVES + 1, 0), -EINVAL);
	assert_int_equal(vch_inv_init(inv, 1, 1, VCH_MAX_IE + 1), -EINVAL);
	assert_int_equal(vch_inv_init(inv, VCH_MAX_SLOTS, VCH_MAX_DRIVES,
				      VCH_MAX_IE), 0);
	free(inv);
}

static void test_tags(void **state)
{
	(void)state;
	assert_true(vch_tag_valid("A00001L5", 8));
	assert_true(vch_tag_valid("a_b-C", 5));
	assert_true(vch_tag_valid("01234567890123456789012345678901", 32));
	assert_false(vch_tag_valid("012345678901234567890123456789012", 33));
	assert_false(vch_tag_valid("", 0));
	assert_false(vch_tag_valid("A/B", 3));
	assert_false(vch_tag_valid("..", 2));
	assert_false(vch_tag_valid("A B", 3));
}

static void test_parse_ok(void **state)
{
	struct vch_inv *inv = new_inv(4, 2, 3);
	char err[160] = "";
	u8 type;

	(void)state;
	assert_int_equal(parse(inv,
			       "# a comment\n\n  vchanger 1\r\n"
			       "slot 1 AAA001\n"
			       "slot\t4 DDD004\n"
			       "drive 2 BBB002 from slot 2\n"
			       "ie 1 CCC003\n"
			       "ie 2 EEE005 exported\n"
			       "ie 3 FFF006 from slot 3 exported\n", err), 0);
	/* IMPEXP: the operator's, unless MOVE MEDIUM put it there */
	assert_false(inv->ie[1].imported);
	assert_false(inv->ie[2].imported);
	assert_int_equal(inv->ie[2].src, VCH_ADDR_ST + 2);
	assert_string_equal(inv->st[0].tag, "AAA001");
	assert_string_equal(inv->st[3].tag, "DDD004");
	assert_string_equal(inv->st[1].tag, "");
	assert_string_equal(inv->dt[1].tag, "BBB002");
	assert_int_equal(inv->dt[1].src, VCH_ADDR_ST + 1);
	assert_string_equal(inv->ie[0].tag, "CCC003");
	assert_true(inv->ie[0].imported);
	assert_int_equal(vch_find_tag(inv, "BBB002"), VCH_ADDR_DT + 1);
	assert_int_equal(vch_find_tag(inv, "CCC003"), VCH_ADDR_IE);
	assert_int_equal(vch_find_tag(inv, "nope"), 0);
	assert_int_equal(vch_first_empty_slot(inv), VCH_ADDR_ST + 1);
	assert_ptr_equal(vch_elem_at(inv, VCH_ADDR_ST + 3, &type),
			 &inv->st[3]);
	assert_int_equal(type, VCH_TYPE_ST);
	assert_null(vch_elem_at(inv, VCH_ADDR_MT, &type));
	assert_int_equal(type, VCH_TYPE_MT);
	assert_null(vch_elem_at(inv, VCH_ADDR_ST + 4, &type));
	assert_int_equal(type, 0);
	assert_null(vch_elem_at(inv, VCH_ADDR_DT + 2, &type));
	assert_null(vch_elem_at(inv, VCH_ADDR_IE + 3, &type));
	assert_null(vch_elem_at(inv, 0, &type));
	free(inv);
}

static const struct {
	const char *text;
	const char *err;
} bad_states[] = {
	{ "", "line 0: empty state file" },
	{ "# only\n", "line 1: empty state file" },
	{ "vchanger 2\n", "line 1: not a version 1" },
	{ "slot 1 A\n", "line 1: not a version 1" },
	{ "vchanger 1\nslot 0 A\n", "line 2: no such element" },
	{ "vchanger 1\nslot 5 A\n", "line 2: no such element" },
	{ "vchanger 1\nslot 01 A\n", "line 2: no such element" },
	{ "vchanger 1\nslot -1 A\n", "line 2: no such element" },
	{ "vchanger 1\nslot 99999999999 A\n", "line 2: no such element" },
	{ "vchanger 1\ndrive 3 A\n", "line 2: no such element" },
	{ "vchanger 1\nie 2 A\n", "line 2: no such element" },
	{ "vchanger 1\ntransport 1 A\n", "line 2: element type" },
	{ "vchanger 1\nslot 1\n", "line 2: expected" },
	{ "vchanger 1\nslot 1 A B\n", "line 2: expected" },
	{ "vchanger 1\nslot 1 A from slot 2 x\n", "line 2: expected" },
	{ "vchanger 1\nslot 1 A/B\n", "line 2: barcode" },
	{ "vchanger 1\nslot 1 ../../etc\n", "line 2: barcode" },
	{ "vchanger 1\nslot 1 A\nslot 1 B\n", "line 3: element listed twice" },
	{ "vchanger 1\nslot 1 A\nslot 2 A\n", "line 3: barcode listed twice" },
	{ "vchanger 1\ndrive 1 A from drive 2\n", "line 2: bad \"from\"" },
	{ "vchanger 1\ndrive 1 A from slot 9\n", "line 2: bad \"from\"" },
	{ "vchanger 1\ndrive 1 A to slot 1\n", "line 2: bad \"from\"" },
	{ "vchanger 1\nslot 1 A exported\n", "line 2: \"exported\" is only" },
	{ "vchanger 1\ndrive 1 A from slot 1 exported\n",
	  "line 2: \"exported\" is only" },
	{ "vchanger 1\nie 1 A exported x\n", "line 2: expected" },
	{ "vchanger 1\nie 1 A exported from slot 1\n", "line 2: expected" },
	{ "vchanger 1\nie 1 A from slot 1 exported exported\n",
	  "line 2: expected" },
	{ NULL, "line 4: line too long" },	/* long_line() */
};

/* A 4th line of VCH_LINE_MAX + 1 characters. */
static const char *long_line(void)
{
	static char buf[64 + VCH_LINE_MAX + 2];

	strcpy(buf, "vchanger 1\nslot 1 A\n\nslot 2 ");
	memset(buf + strlen(buf), 'B', VCH_LINE_MAX + 1 - strlen("slot 2 "));
	strcat(buf, "\n");
	return buf;
}

static void test_parse_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_states); i++) {
		const char *text = bad_states[i].text ?: long_line();
		struct vch_inv *inv = new_inv(4, 2, 1);
		char err[160] = "";

		if (parse(inv, text, err) != -EINVAL)
			fail_msg("case %zu accepted", i);
		if (strncmp(err, bad_states[i].err, strlen(bad_states[i].err)))
			fail_msg("case %zu: \"%s\", expected \"%s...\"", i,
				 err, bad_states[i].err);
		free(inv);
	}
}

static void test_parse_nul_and_size(void **state)
{
	struct vch_inv *inv = new_inv(4, 2, 1);
	static const char nul[] = "vchanger 1\nslot 1 A\0B\n";
	char err[160];
	char *big;

	(void)state;
	assert_int_equal(vch_state_parse(inv, nul, sizeof(nul) - 1, err,
					 sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 2: NUL byte");
	big = calloc(1, VCH_STATE_MAX + 1);
	assert_int_equal(vch_state_parse(inv, big, VCH_STATE_MAX + 1, err,
					 sizeof(err)), -EINVAL);
	free(big);
	/* A tiny error buffer is cut, NUL-terminated. */
	assert_int_equal(vch_state_parse(inv, "x", 1, err, 6), -EINVAL);
	assert_string_equal(err, "line ");
	free(inv);
}

/* format, then parse: the same inventory. */
static void test_roundtrip(void **state)
{
	struct vch_inv *a = new_inv(VCH_MAX_SLOTS, VCH_MAX_DRIVES, VCH_MAX_IE);
	struct vch_inv *b = new_inv(VCH_MAX_SLOTS, VCH_MAX_DRIVES, VCH_MAX_IE);
	char *buf = malloc(VCH_STATE_MAX), err[160];
	size_t len;
	u32 i;

	(void)state;
	/* Every element full with a 32-character tag and a "from". */
	for (i = 0; i < VCH_MAX_SLOTS; i++) {
		snprintf(a->st[i].tag, sizeof(a->st[i].tag),
			 "S%031u", i);
		a->st[i].src = VCH_ADDR_IE + i % VCH_MAX_IE;
	}
	for (i = 0; i < VCH_MAX_DRIVES; i++) {
		snprintf(a->dt[i].tag, sizeof(a->dt[i].tag), "D%031u", i);
		a->dt[i].src = VCH_ADDR_ST + VCH_MAX_SLOTS - 1 - i;
	}
	for (i = 0; i < VCH_MAX_IE; i++) {
		snprintf(a->ie[i].tag, sizeof(a->ie[i].tag), "I%031u", i);
		a->ie[i].src = VCH_ADDR_ST + i;
		/* IMPEXP is kept both ways */
		a->ie[i].imported = i % 2;
	}
	len = vch_state_format(a, buf, VCH_STATE_MAX);
	assert_true(len <= VCH_STATE_MAX);
	assert_int_equal(vch_state_parse(b, buf, len, err, sizeof(err)), 0);
	assert_memory_equal(a, b, sizeof(*a));
	/* Cut: the length still says how long it is. */
	assert_int_equal(vch_state_format(a, buf, 10), len);
	free(a);
	free(b);
	free(buf);
}

static void test_move(void **state)
{
	struct vch_inv *inv = new_inv(3, 2, 1);
	char err[160];

	(void)state;
	assert_int_equal(parse(inv, "vchanger 1\nslot 1 A\nslot 2 B\n", err),
			 0);
	/* addresses first, then empty source, then full destination */
	assert_int_equal(vch_move_check(inv, 2, VCH_ADDR_ST, VCH_ADDR_DT),
			 VCH_MOVE_BAD_MT);
	assert_int_equal(vch_move_check(inv, 0, VCH_ADDR_ST, VCH_ADDR_DT),
			 VCH_MOVE_OK);
	assert_int_equal(vch_move_check(inv, VCH_ADDR_MT, VCH_ADDR_ST + 3,
					VCH_ADDR_DT), VCH_MOVE_BAD_SRC);
	assert_int_equal(vch_move_check(inv, VCH_ADDR_MT, VCH_ADDR_MT,
					VCH_ADDR_DT), VCH_MOVE_BAD_SRC);
	assert_int_equal(vch_move_check(inv, VCH_ADDR_MT, VCH_ADDR_ST + 2,
					VCH_ADDR_DT + 2), VCH_MOVE_BAD_DST);
	assert_int_equal(vch_move_check(inv, VCH_ADDR_MT, VCH_ADDR_ST + 2,
					VCH_ADDR_DT), VCH_MOVE_SRC_EMPTY);
	assert_int_equal(vch_move_check(inv, VCH_ADDR_MT, VCH_ADDR_ST,
					VCH_ADDR_ST + 1), VCH_MOVE_DST_FULL);
	assert_int_equal(vch_move_check(inv, VCH_ADDR_MT, VCH_ADDR_ST,
					VCH_ADDR_ST), VCH_MOVE_OK);

	/* slot 1 -> drive 1 -> drive 2 -> ie 1 -> slot 3 */
	vch_move(inv, VCH_ADDR_ST, VCH_ADDR_DT);
	assert_string_equal(inv->dt[0].tag, "A");
	assert_int_equal(inv->dt[0].src, VCH_ADDR_ST);
	assert_string_equal(inv->st[0].tag, "");
	vch_move(inv, VCH_ADDR_DT, VCH_ADDR_DT + 1);
	assert_int_equal(inv->dt[1].src, VCH_ADDR_ST);	/* kept */
	vch_move(inv, VCH_ADDR_DT + 1, VCH_ADDR_IE);
	assert_string_equal(inv->ie[0].tag, "A");
	assert_false(inv->ie[0].imported);
	/* the state file keeps that MOVE MEDIUM put it there */
	{
		struct vch_inv *b = new_inv(3, 2, 1);
		char buf[256];
		size_t len = vch_state_format(inv, buf, sizeof(buf) - 1);

		assert_true(len < sizeof(buf));
		buf[len] = 0;
		assert_non_null(strstr(buf, "\nie 1 A from slot 1 exported\n"));
		assert_int_equal(vch_state_parse(b, buf, len, err, sizeof(err)),
				 0);
		assert_false(b->ie[0].imported);
		free(b);
	}
	vch_move(inv, VCH_ADDR_IE, VCH_ADDR_ST + 2);
	assert_string_equal(inv->st[2].tag, "A");
	assert_int_equal(inv->st[2].src, VCH_ADDR_IE);
	assert_int_equal(vch_find_tag(inv, "A"), VCH_ADDR_ST + 2);
	/* onto itself: nothing */
	vch_move(inv, VCH_ADDR_ST + 2, VCH_ADDR_ST + 2);
	assert_string_equal(inv->st[2].tag, "A");
	free(inv);
}

static void test_exchange(void **state)
{
	struct vch_inv *inv = new_inv(3, 2, 1);
	char err[160];

	(void)state;
	assert_int_equal(parse(inv, "vchanger 1\nslot 1 A\nslot 2 B\n"
			       "drive 1 C from slot 3\n", err), 0);
	/* addresses, then empty source or first destination, then full */
	assert_int_equal(vch_exchange_check(inv, 2, VCH_ADDR_ST, VCH_ADDR_DT,
					    VCH_ADDR_ST), VCH_MOVE_BAD_MT);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_MT, VCH_ADDR_DT,
					    VCH_ADDR_ST), VCH_MOVE_BAD_SRC);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_ST,
					    VCH_ADDR_DT + 2, VCH_ADDR_ST),
			 VCH_MOVE_BAD_DST);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_ST, VCH_ADDR_DT,
					    VCH_ADDR_ST + 3), VCH_MOVE_BAD_DST);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_ST + 2,
					    VCH_ADDR_DT, VCH_ADDR_ST),
			 VCH_MOVE_SRC_EMPTY);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_ST,
					    VCH_ADDR_DT + 1, VCH_ADDR_ST),
			 VCH_MOVE_SRC_EMPTY);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_ST, VCH_ADDR_DT,
					    VCH_ADDR_ST + 1), VCH_MOVE_DST_FULL);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_ST, VCH_ADDR_DT,
					    VCH_ADDR_DT), VCH_MOVE_DST_FULL);
	assert_int_equal(vch_exchange_check(inv, VCH_ADDR_MT, VCH_ADDR_ST,
					    VCH_ADDR_DT, VCH_ADDR_ST),
			 VCH_MOVE_OK);
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_ST, VCH_ADDR_DT,
					    VCH_ADDR_ST + 2), VCH_MOVE_OK);

	/* simple: slot 1 <-> drive 1 */
	vch_exchange(inv, VCH_ADDR_ST, VCH_ADDR_DT, VCH_ADDR_ST);
	assert_string_equal(inv->dt[0].tag, "A");
	assert_int_equal(inv->dt[0].src, VCH_ADDR_ST);
	assert_string_equal(inv->st[0].tag, "C");
	assert_int_equal(inv->st[0].src, VCH_ADDR_ST + 2);	/* its from */
	/* three elements: slot 2's to drive 1, drive 1's to the mail slot */
	vch_exchange(inv, VCH_ADDR_ST + 1, VCH_ADDR_DT, VCH_ADDR_IE);
	assert_string_equal(inv->dt[0].tag, "B");
	assert_int_equal(inv->dt[0].src, VCH_ADDR_ST + 1);
	assert_string_equal(inv->ie[0].tag, "A");
	assert_int_equal(inv->ie[0].src, VCH_ADDR_ST);
	assert_false(inv->ie[0].imported);
	assert_string_equal(inv->st[1].tag, "");
	/* source = first destination: a move to the second */
	assert_int_equal(vch_exchange_check(inv, 0, VCH_ADDR_IE, VCH_ADDR_IE,
					    VCH_ADDR_ST + 1), VCH_MOVE_OK);
	vch_exchange(inv, VCH_ADDR_IE, VCH_ADDR_IE, VCH_ADDR_ST + 1);
	assert_string_equal(inv->st[1].tag, "A");
	assert_int_equal(inv->st[1].src, VCH_ADDR_IE);
	assert_string_equal(inv->ie[0].tag, "");
	/* all three the same: nothing */
	vch_exchange(inv, VCH_ADDR_ST, VCH_ADDR_ST, VCH_ADDR_ST);
	assert_string_equal(inv->st[0].tag, "C");
	assert_int_equal(vch_find_tag(inv, "A"), VCH_ADDR_ST + 1);
	assert_int_equal(vch_find_tag(inv, "B"), VCH_ADDR_DT);
	assert_int_equal(vch_find_tag(inv, "C"), VCH_ADDR_ST);
	free(inv);
}

static void test_res(void **state)
{
	struct vch_inv *inv = new_inv(3, 2, 1);
	u8 ids[2][VCH_DVCID_LEN];
	struct vch_res_req req = { .type = 0, .start = 0, .count = 0xffff,
				   .voltag = true };
	u8 buf[1024], small[10];
	char err[160];
	int len;

	(void)state;
	memset(ids, 'x', sizeof(ids));
	assert_int_equal(parse(inv, "vchanger 1\nslot 1 A\n"
			       "drive 2 B from slot 2\nie 1 C\n", err), 0);
	memset(buf, 0xee, sizeof(buf));
	len = vch_read_element_status(inv, &req, ids, buf, sizeof(buf));
	/* header + 4 pages (MT 1, IE 1, DT 2, ST 3) of 48-byte descriptors */
	assert_int_equal(len, 8 + 4 * 8 + 7 * 48);
	assert_int_equal(get_unaligned_be16(buf), VCH_ADDR_MT);
	assert_int_equal(get_unaligned_be16(buf + 2), 7);
	assert_int_equal(get_unaligned_be24(buf + 5), len - 8);
	/* MT page */
	assert_int_equal(buf[8], VCH_TYPE_MT);
	assert_int_equal(buf[9], 0x80);			/* PVOLTAG */
	assert_int_equal(get_unaligned_be16(buf + 10), 48);
	assert_int_equal(get_unaligned_be24(buf + 13), 48);
	assert_int_equal(buf[16 + 2], 0);		/* empty */
	/* IE page: C, imported */
	assert_int_equal(buf[64], VCH_TYPE_IE);
	assert_int_equal(get_unaligned_be16(buf + 72), VCH_ADDR_IE);
	assert_int_equal(buf[74], 0x30 | 0x08 | 0x02 | 0x01);
	assert_memory_equal(buf + 72 + 12, "C                               ",
			    32);
	/* DT page: drive 1 empty, drive 2 B from slot 2 */
	assert_int_equal(buf[120], VCH_TYPE_DT);
	assert_int_equal(get_unaligned_be24(buf + 125), 96);
	assert_int_equal(get_unaligned_be16(buf + 128), VCH_ADDR_DT);
	assert_int_equal(buf[130], 0x08);
	assert_int_equal(get_unaligned_be16(buf + 176), VCH_ADDR_DT + 1);
	assert_int_equal(buf[178], 0x09);
	assert_int_equal(buf[176 + 9], 0x81);		/* SVALID, data */
	assert_int_equal(get_unaligned_be16(buf + 176 + 10), VCH_ADDR_ST + 1);
	assert_memory_equal(buf + 176 + 12, "B   ", 4);
	/* ST page */
	assert_int_equal(buf[224], VCH_TYPE_ST);
	assert_int_equal(get_unaligned_be16(buf + 232), VCH_ADDR_ST);
	assert_int_equal(buf[234], 0x09);
	assert_int_equal(buf[232 + 9], 0x01);		/* no source */
	assert_int_equal(get_unaligned_be16(buf + 232 + 48), VCH_ADDR_ST + 1);
	assert_int_equal(buf[232 + 48 + 2], 0x08);
	assert_int_equal(len, 232 + 3 * 48);

	/* A cut buffer: the same length, nothing written past it. */
	memset(small, 0xee, sizeof(small));
	assert_int_equal(vch_read_element_status(inv, &req, ids, small, 8),
			 len);
	assert_int_equal(small[8], 0xee);

	/* Drives from drive 2 with DVCID, no volume tags. */
	req.type = VCH_TYPE_DT;
	req.start = VCH_ADDR_DT + 1;
	req.voltag = false;
	req.dvcid = true;
	len = vch_read_element_status(inv, &req, ids, buf, sizeof(buf));
	assert_int_equal(len, 8 + 8 + 12 + 4 + VCH_DVCID_LEN);
	assert_int_equal(get_unaligned_be16(buf), VCH_ADDR_DT + 1);
	assert_int_equal(get_unaligned_be16(buf + 2), 1);
	assert_int_equal(buf[9], 0);			/* no PVOLTAG */
	assert_int_equal(get_unaligned_be16(buf + 10),
			 12 + 4 + VCH_DVCID_LEN);
	assert_int_equal(buf[16 + 12], 0x02);		/* ASCII */
	assert_int_equal(buf[16 + 13], 0x01);		/* T10 vendor ID */
	assert_int_equal(buf[16 + 15], VCH_DVCID_LEN);
	assert_int_equal(buf[16 + 16], 'x');

	/* Storage from slot 2, at most 1 element. */
	req = (struct vch_res_req){ .type = VCH_TYPE_ST,
				    .start = VCH_ADDR_ST + 1, .count = 1 };
	len = vch_read_element_status(inv, &req, ids, buf, sizeof(buf));
	assert_int_equal(len, 8 + 8 + 12);
	assert_int_equal(get_unaligned_be16(buf + 16), VCH_ADDR_ST + 1);

	/* No element of the type at or above the start: none reported. */
	req = (struct vch_res_req){ .type = VCH_TYPE_MT,
				    .start = VCH_ADDR_DT, .count = 10 };
	len = vch_read_element_status(inv, &req, ids, buf, sizeof(buf));
	assert_int_equal(len, 8);
	assert_int_equal(get_unaligned_be16(buf + 2), 0);

	/* Above every element: INVALID ELEMENT ADDRESS. */
	req.start = VCH_ADDR_ST + 3;
	assert_int_equal(vch_read_element_status(inv, &req, ids, buf,
						 sizeof(buf)), -EINVAL);
	free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_limits),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_nul_and_size),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_res),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
