// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the vtape image format (handlers/vtape/vtape_img.c):
 * records, filemarks and end of data, movement both ways, overwriting in
 * the middle, the capacity and its early warning, and corrupt images,
 * which must give -EIO and never an access outside the image.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "vtape_mem.h"

#define CAP	(256U << 10)

static struct mem_img img;
static struct vtape tape;

static int setup(void **state)
{
	struct vtape_io io;

	(void)state;
	memset(&img, 0, sizeof(img));
	img.size = VTAPE_HDR_LEN + CAP + 4096;
	img.buf = calloc(1, img.size);
	assert_non_null(img.buf);
	mem_io(&img, &io);
	assert_int_equal(vtape_format(&io, CAP), 0);
	memset(&tape, 0, sizeof(tape));
	tape.io = io;
	assert_int_equal(vtape_open(&tape), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(img.buf);
	return 0;
}

static void put_block(u32 len, u8 fill)
{
	u8 *b = malloc(len);
	bool ew;

	assert_non_null(b);
	memset(b, fill, len);
	assert_int_equal(vtape_write(&tape, VTAPE_REC_DATA, b, len, &ew), 0);
	free(b);
}

static void put_fm(void)
{
	bool ew;

	assert_int_equal(vtape_write(&tape, VTAPE_REC_FILEMARK, NULL, 0, &ew),
			 0);
}

/* The record at the position is @type (and @len, @fill for data). */
static void expect_rec(u32 type, u32 len, u8 fill)
{
	struct vtape_rec rec;

	assert_int_equal(vtape_peek(&tape, &rec), 0);
	assert_int_equal(rec.type, type);
	assert_int_equal(rec.len, len);
	if (type == VTAPE_REC_DATA) {
		u8 *b = malloc(len);

		assert_non_null(b);
		assert_int_equal(mem_read(&img, vtape_data_off(&tape), b, len),
				 0);
		assert_int_equal(b[0], fill);
		assert_int_equal(b[len - 1], fill);
		free(b);
	}
}

static void next(void)
{
	struct vtape_rec rec;

	assert_int_equal(vtape_peek(&tape, &rec), 0);
	assert_int_not_equal(rec.type, VTAPE_REC_EOD);
	vtape_skip(&tape, &rec);
}

/* A, B, FM, C, FM, FM, D, EOD: objects 0..6, end of data at 7. */
static void write_sample(void)
{
	put_block(100, 'A');
	put_block(10240, 'B');
	put_fm();
	put_block(1, 'C');
	put_fm();
	put_fm();
	put_block(512, 'D');
	assert_int_equal(tape.lobj, 7);
	vtape_rewind(&tape);
}

static void test_format_and_header(void **state)
{
	struct vtape_io io;
	struct vtape t;

	(void)state;
	assert_memory_equal(img.buf, "KTGTTAPE", 8);
	assert_int_equal(img.buf[8], 1);
	assert_int_equal(tape.capacity, CAP);
	assert_int_equal(tape.off, VTAPE_DATA_START);
	assert_int_equal(tape.lobj, 0);
	expect_rec(VTAPE_REC_EOD, 0, 0);
	assert_int_equal(img.used, VTAPE_HDR_LEN + VTAPE_REC_LEN);

	mem_io(&img, &io);
	assert_int_equal(vtape_format(&io, VTAPE_MIN_CAPACITY - 1), -EINVAL);

	memset(&t, 0, sizeof(t));
	t.io = io;
	img.buf[0] = 'X';		/* bad magic */
	assert_int_equal(vtape_open(&t), -EINVAL);
	img.buf[0] = 'K';
	img.buf[8] = 2;			/* version 2 */
	assert_int_equal(vtape_open(&t), -EINVAL);
	img.buf[8] = 1;
	img.buf[12] = 1;		/* unknown flags */
	assert_int_equal(vtape_open(&t), -EINVAL);
	img.buf[12] = 0;
	memset(img.buf + 16, 0, 8);	/* capacity 0 */
	assert_int_equal(vtape_open(&t), -EINVAL);
	memset(img.buf + 16, 0xff, 8);	/* absurd capacity */
	assert_int_equal(vtape_open(&t), -EINVAL);
	/* A file shorter than the header. */
	img.used = 10;
	assert_int_equal(vtape_open(&t), -EIO);
}

static void test_records_in_order(void **state)
{
	(void)state;
	write_sample();
	expect_rec(VTAPE_REC_DATA, 100, 'A');
	next();
	expect_rec(VTAPE_REC_DATA, 10240, 'B');
	next();
	expect_rec(VTAPE_REC_FILEMARK, 0, 0);
	next();
	expect_rec(VTAPE_REC_DATA, 1, 'C');
	next();
	next();
	next();
	expect_rec(VTAPE_REC_DATA, 512, 'D');
	next();
	assert_int_equal(tape.lobj, 7);
	expect_rec(VTAPE_REC_EOD, 0, 0);
}

static void test_back(void **state)
{
	struct vtape_rec rec;

	(void)state;
	write_sample();
	assert_int_equal(vtape_back(&tape, &rec), 1);	/* at BOT */
	assert_int_equal(vtape_locate(&tape, 7), 0);
	assert_int_equal(vtape_back(&tape, &rec), 0);
	assert_int_equal(rec.type, VTAPE_REC_DATA);
	assert_int_equal(rec.len, 512);
	assert_int_equal(tape.lobj, 6);
	assert_int_equal(vtape_back(&tape, &rec), 0);
	assert_int_equal(rec.type, VTAPE_REC_FILEMARK);
	expect_rec(VTAPE_REC_FILEMARK, 0, 0);
	while (tape.lobj)
		assert_int_equal(vtape_back(&tape, &rec), 0);
	assert_int_equal(tape.off, VTAPE_DATA_START);
	expect_rec(VTAPE_REC_DATA, 100, 'A');
	assert_int_equal(vtape_back(&tape, &rec), 1);
}

static void space(int code, int count, u64 lobj, enum vtape_stop stop,
		  u32 resid)
{
	enum vtape_stop s;
	u32 r;

	assert_int_equal(vtape_space(&tape, code, count, &s, &r), 0);
	assert_int_equal(tape.lobj, lobj);
	assert_int_equal(s, stop);
	assert_int_equal(r, resid);
}

static void test_space(void **state)
{
	enum vtape_stop s;
	u32 r;

	(void)state;
	write_sample();
	/* Blocks: stopped by the filemark, past it forward. */
	space(VTAPE_SPACE_BLOCKS, 5, 3, VTAPE_STOP_FILEMARK, 3);
	expect_rec(VTAPE_REC_DATA, 1, 'C');
	/* Backward: stopped by the filemark, before it. */
	space(VTAPE_SPACE_BLOCKS, -2, 2, VTAPE_STOP_FILEMARK, 2);
	expect_rec(VTAPE_REC_FILEMARK, 0, 0);
	space(VTAPE_SPACE_BLOCKS, -2, 0, VTAPE_STOP_NONE, 0);
	space(VTAPE_SPACE_BLOCKS, -1, 0, VTAPE_STOP_BOT, 1);
	space(VTAPE_SPACE_BLOCKS, 0, 0, VTAPE_STOP_NONE, 0);
	/* Filemarks: past the last one forward (mt fsf). */
	space(VTAPE_SPACE_FILEMARKS, 1, 3, VTAPE_STOP_NONE, 0);
	expect_rec(VTAPE_REC_DATA, 1, 'C');
	space(VTAPE_SPACE_FILEMARKS, 2, 6, VTAPE_STOP_NONE, 0);
	expect_rec(VTAPE_REC_DATA, 512, 'D');
	space(VTAPE_SPACE_FILEMARKS, 1, 7, VTAPE_STOP_EOD, 1);
	expect_rec(VTAPE_REC_EOD, 0, 0);
	/* Before the last one backward (mt bsf). */
	space(VTAPE_SPACE_FILEMARKS, -2, 4, VTAPE_STOP_NONE, 0);
	expect_rec(VTAPE_REC_FILEMARK, 0, 0);
	space(VTAPE_SPACE_FILEMARKS, -5, 0, VTAPE_STOP_BOT, 4);
	/* Sequential filemarks: the pair at 4-5. */
	space(VTAPE_SPACE_SEQ_FILEMARKS, 2, 6, VTAPE_STOP_NONE, 0);
	space(VTAPE_SPACE_SEQ_FILEMARKS, -2, 4, VTAPE_STOP_NONE, 0);
	space(VTAPE_SPACE_SEQ_FILEMARKS, 3, 7, VTAPE_STOP_EOD, 3);
	/* End of data, from anywhere. */
	vtape_rewind(&tape);
	space(VTAPE_SPACE_EOD, 0, 7, VTAPE_STOP_NONE, 0);
	space(VTAPE_SPACE_BLOCKS, 1, 7, VTAPE_STOP_EOD, 1);
	assert_int_equal(vtape_space(&tape, 4, 1, &s, &r), -EINVAL);
}

static void test_locate(void **state)
{
	(void)state;
	write_sample();
	assert_int_equal(vtape_locate(&tape, 3), 0);
	expect_rec(VTAPE_REC_DATA, 1, 'C');
	assert_int_equal(vtape_locate(&tape, 1), 0);
	expect_rec(VTAPE_REC_DATA, 10240, 'B');
	assert_int_equal(vtape_locate(&tape, 7), 0);
	expect_rec(VTAPE_REC_EOD, 0, 0);
	assert_int_equal(vtape_locate(&tape, 8), 1);
	assert_int_equal(tape.lobj, 7);
	assert_int_equal(vtape_locate(&tape, 0), 0);
	assert_int_equal(tape.off, VTAPE_DATA_START);
}

/* Writing in the middle ends the data after the new record. */
static void test_overwrite_truncates(void **state)
{
	(void)state;
	write_sample();
	assert_int_equal(vtape_locate(&tape, 1), 0);
	put_block(300, 'X');
	expect_rec(VTAPE_REC_EOD, 0, 0);
	vtape_rewind(&tape);
	expect_rec(VTAPE_REC_DATA, 100, 'A');
	next();
	expect_rec(VTAPE_REC_DATA, 300, 'X');
	next();
	expect_rec(VTAPE_REC_EOD, 0, 0);
	assert_int_equal(vtape_locate(&tape, 3), 1);

	/* ERASE at object 1. */
	assert_int_equal(vtape_locate(&tape, 1), 0);
	assert_int_equal(vtape_erase(&tape), 0);
	vtape_rewind(&tape);
	next();
	expect_rec(VTAPE_REC_EOD, 0, 0);
	/* A filemark at BOT after ERASE at BOT. */
	vtape_rewind(&tape);
	assert_int_equal(vtape_erase(&tape), 0);
	put_fm();
	vtape_rewind(&tape);
	expect_rec(VTAPE_REC_FILEMARK, 0, 0);
}

static void test_capacity(void **state)
{
	bool ew = false, seen_ew = false;
	u8 *b = calloc(1, 16384);
	u64 lobj, off;
	int ret = 0, n = 0;

	(void)state;
	assert_non_null(b);
	while (!ret) {
		ret = vtape_write(&tape, VTAPE_REC_DATA, b, 16384, &ew);
		if (!ret) {
			n++;
			if (ew && !seen_ew)
				/* The warning comes 64 KiB before the end. */
				assert_true(tape.off + 2 * 16384 >
					    VTAPE_DATA_START + CAP - (64 << 10));
			seen_ew |= ew;
		}
	}
	assert_int_equal(ret, -ENOSPC);
	assert_true(seen_ew);
	assert_int_equal(n, CAP / (16384 + VTAPE_REC_LEN) - (CAP % (16384 +
			 VTAPE_REC_LEN) < VTAPE_REC_LEN));
	/* Nothing was written: end of data is where it was. */
	lobj = tape.lobj;
	off = tape.off;
	expect_rec(VTAPE_REC_EOD, 0, 0);
	/* A filemark still fits, then a smaller block. */
	put_fm();
	vtape_rewind(&tape);
	assert_int_equal(vtape_locate(&tape, lobj), 0);
	assert_int_equal(tape.off, off);
	expect_rec(VTAPE_REC_FILEMARK, 0, 0);
	/* Bad arguments. */
	assert_int_equal(vtape_write(&tape, VTAPE_REC_DATA, b, 0, &ew),
			 -EINVAL);
	assert_int_equal(vtape_write(&tape, VTAPE_REC_EOD, NULL, 0, &ew),
			 -EINVAL);
	assert_int_equal(vtape_write(&tape, VTAPE_REC_DATA, b,
				     VTAPE_MAX_BLOCK + 1, &ew), -EINVAL);
	free(b);
}

/* Specific corruptions of a record header. */
static void test_corrupt_records(void **state)
{
	u64 rec1 = VTAPE_DATA_START + VTAPE_REC_LEN + 100;
	struct vtape_rec rec;
	u8 save[VTAPE_REC_LEN];

	(void)state;
	write_sample();
	memcpy(save, img.buf + rec1, sizeof(save));

	/* The check word. */
	img.buf[rec1 + 12] ^= 1;
	next();
	assert_int_equal(vtape_peek(&tape, &rec), -EIO);
	memcpy(img.buf + rec1, save, sizeof(save));

	/* A length beyond the capacity, with a matching check word. */
	img.buf[rec1 + 7] ^= 0x40;
	img.buf[rec1 + 15] ^= 0x40;
	assert_int_equal(vtape_peek(&tape, &rec), -EIO);
	memcpy(img.buf + rec1, save, sizeof(save));

	/* A prev that does not match the record before. */
	img.buf[rec1 + 8] ^= 0x04;
	img.buf[rec1 + 12] ^= 0x04;
	assert_int_equal(vtape_peek(&tape, &rec), -EIO);
	memcpy(img.buf + rec1, save, sizeof(save));

	/* An unknown type. */
	img.buf[rec1] ^= 0x10;
	img.buf[rec1 + 12] ^= 0x10;
	assert_int_equal(vtape_peek(&tape, &rec), -EIO);
	memcpy(img.buf + rec1, save, sizeof(save));
	assert_int_equal(vtape_peek(&tape, &rec), 0);

	/* Moving back onto a record whose size is not the prev. */
	assert_int_equal(vtape_locate(&tape, 2), 0);
	img.buf[rec1 + 4] ^= 0x01;
	img.buf[rec1 + 12] ^= 0x01;
	assert_int_equal(vtape_back(&tape, &rec), -EIO);
	assert_int_equal(tape.lobj, 2);
	memcpy(img.buf + rec1, save, sizeof(save));

	/* A file cut short: the data is not there. */
	img.used = rec1 + VTAPE_REC_LEN + 20;
	assert_int_equal(vtape_locate(&tape, 1), 0);
	assert_int_equal(vtape_peek(&tape, &rec), 0);
	{
		u8 *b = malloc(rec.len);

		assert_non_null(b);
		assert_int_equal(mem_read(&img, vtape_data_off(&tape), b,
					  rec.len), -EIO);
		free(b);
	}
	/* And its next record header neither. */
	next();
	assert_int_equal(vtape_peek(&tape, &rec), -EIO);
}

/*
 * Every single byte of the sample image changed in turn: every walk over
 * it either works or says -EIO, and ASan sees no access outside it.
 */
static void walk(void)
{
	enum vtape_stop s;
	struct vtape_rec rec;
	u32 r;
	int ret, i;

	vtape_rewind(&tape);
	ret = vtape_space(&tape, VTAPE_SPACE_EOD, 0, &s, &r);
	assert_true(ret == 0 || ret == -EIO);
	for (i = 0; i < 10 && !ret; i++) {
		ret = vtape_back(&tape, &rec);
		assert_true(ret >= 0 || ret == -EIO);
	}
	ret = vtape_locate(&tape, 5);
	assert_true(ret == 0 || ret == 1 || ret == -EIO);
	ret = vtape_space(&tape, VTAPE_SPACE_FILEMARKS, -3, &s, &r);
	assert_true(ret == 0 || ret == -EIO);
}

static void test_every_byte_corrupt(void **state)
{
	u64 end, i;
	unsigned int bad = 0;
	u8 *clean;

	(void)state;
	write_sample();
	end = img.used;
	clean = malloc(end);
	assert_non_null(clean);
	memcpy(clean, img.buf, end);
	for (i = VTAPE_DATA_START; i < end; i++) {
		/* Data bytes are not checked: skip most of them. */
		if (i > VTAPE_DATA_START + 200 && i < end - 700)
			continue;
		img.buf[i] ^= 0x81;
		walk();
		vtape_rewind(&tape);
		if (vtape_space(&tape, VTAPE_SPACE_EOD, 0,
				&(enum vtape_stop){ 0 }, &(u32){ 0 }))
			bad++;
		memcpy(img.buf, clean, end);
	}
	/* Corrupt headers are noticed. */
	assert_true(bad > 50);
	free(clean);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format_and_header, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_records_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_truncates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_corrupt, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("vtape_img", tests, NULL, NULL);
}
