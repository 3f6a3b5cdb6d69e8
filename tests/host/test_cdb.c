// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for the CDB decoder (core/cdb.c).
 *
 * Built with ASan and UBSan; see Makefile. Every command of every table
 * is decoded at least once (test_cases_cover_every_command checks that),
 * and every bit an initiator may not set is set once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cdb.h"

#define PDT_SBC		0x00
#define PDT_SSC		0x01
#define PDT_MMC		0x05
#define PDT_SMC		0x08

static const struct ktgt_cdb_table *table(u8 pdt)
{
	const struct ktgt_cdb_table *t = ktgt_cdb_table_for_type(pdt);

	assert_non_null(t);
	return t;
}

/* The table types under test. */
static const u8 all_pdts[] = { PDT_SBC, PDT_SSC, PDT_MMC, PDT_SMC };

/*
 * Successful decodes: one or more per command, block commands with two
 * block sizes (MMC with 2048).
 */
struct ok_case {
	const char *what;
	u8 pdt;
	u8 cdb[KTGT_CDB_MAX_LEN];
	u8 len;
	u32 bs;
	enum ktgt_data_dir dir;
	u64 lba;
	u32 nr;
	u64 xfer;
	u32 flags;
};

#define FUA	KTGT_CDB_FUA
#define DPO	KTGT_CDB_DPO

static const struct ok_case ok_cases[] = {
	/* SPC, on a disk. */
	{ "TEST UNIT READY", PDT_SBC, { 0x00 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0,
	  0 },
	{ "REQUEST SENSE desc", PDT_SBC, { 0x03, 0x01, 0, 0, 0xfc, 0 }, 6, 512,
	  KTGT_DIR_READ, 0, 0, 252, 0 },
	{ "INQUIRY standard", PDT_SBC, { 0x12, 0, 0, 0, 36, 0 }, 6, 512,
	  KTGT_DIR_READ, 0, 0, 36, 0 },
	{ "INQUIRY VPD 83h, 16-bit allocation length", PDT_SBC,
	  { 0x12, 0x01, 0x83, 0x10, 0x01, 0 }, 6, 512, KTGT_DIR_READ, 0, 0,
	  0x1001, 0 },
	{ "MODE SELECT(6)", PDT_SBC, { 0x15, 0x10, 0, 0, 24, 0 }, 6, 512,
	  KTGT_DIR_WRITE, 0, 0, 24, 0 },
	{ "RESERVE(6)", PDT_SBC, { 0x16 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "RELEASE(6)", PDT_SBC, { 0x17 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "MODE SENSE(6) all pages", PDT_SBC, { 0x1a, 0x08, 0x3f, 0xff, 0xff },
	  6, 512, KTGT_DIR_READ, 0, 0, 255, 0 },
	{ "LOG SENSE supported pages and subpages", PDT_SBC,
	  { 0x4d, 0, 0x40, 0xff, 0, 0x12, 0x34, 0x01, 0x02, 0 }, 10, 512,
	  KTGT_DIR_READ, 0, 0, 0x102, 0 },
	{ "MODE SELECT(10)", PDT_SBC, { 0x55, 0x10, 0, 0, 0, 0, 0, 0x01, 0x02 },
	  10, 512, KTGT_DIR_WRITE, 0, 0, 0x102, 0 },
	{ "RESERVE(10)", PDT_SBC, { 0x56 }, 10, 512, KTGT_DIR_NONE, 0, 0, 0,
	  0 },
	{ "RELEASE(10)", PDT_SBC, { 0x57 }, 10, 512, KTGT_DIR_NONE, 0, 0, 0,
	  0 },
	{ "MODE SENSE(10) LLBAA", PDT_SBC,
	  { 0x5a, 0x18, 0x08, 0, 0, 0, 0, 0x02, 0x00 }, 10, 512, KTGT_DIR_READ,
	  0, 0, 512, 0 },
	{ "PR IN READ KEYS", PDT_SBC, { 0x5e, 0x00, 0, 0, 0, 0, 0, 0x20, 0 },
	  10, 512, KTGT_DIR_READ, 0, 0, 0x2000, 0 },
	{ "PR IN READ RESERVATION", PDT_SBC, { 0x5e, 0x01, 0, 0, 0, 0, 0, 0,
	  24 },
	  10, 512, KTGT_DIR_READ, 0, 0, 24, 0 },
	{ "PR IN REPORT CAPABILITIES", PDT_SBC,
	  { 0x5e, 0x02, 0, 0, 0, 0, 0, 0, 8 }, 10, 512, KTGT_DIR_READ, 0, 0, 8,
	  0 },
	{ "PR IN READ FULL STATUS", PDT_SBC,
	  { 0x5e, 0x03, 0, 0, 0, 0, 0, 0xff, 0xff }, 10, 512, KTGT_DIR_READ, 0,
	  0, 0xffff, 0 },
	{ "PR OUT REGISTER", PDT_SBC, { 0x5f, 0x00, 0, 0, 0, 0, 0, 0, 24 }, 10,
	  512, KTGT_DIR_WRITE, 0, 0, 24, 0 },
	{ "PR OUT RESERVE", PDT_SBC, { 0x5f, 0x01, 0x05, 0, 0, 0, 0, 0, 24 },
	  10, 512, KTGT_DIR_WRITE, 0, 0, 24, 0 },
	{ "PR OUT RELEASE", PDT_SBC, { 0x5f, 0x02, 0x05, 0, 0, 0, 0, 0, 24 },
	  10, 512, KTGT_DIR_WRITE, 0, 0, 24, 0 },
	{ "PR OUT CLEAR", PDT_SBC, { 0x5f, 0x03, 0, 0, 0, 0, 0, 0, 24 }, 10,
	  512, KTGT_DIR_WRITE, 0, 0, 24, 0 },
	{ "PR OUT PREEMPT", PDT_SBC, { 0x5f, 0x04, 0x01, 0, 0, 0, 0, 0, 24 },
	  10, 512, KTGT_DIR_WRITE, 0, 0, 24, 0 },
	{ "PR OUT PREEMPT AND ABORT", PDT_SBC,
	  { 0x5f, 0x05, 0x03, 0, 0, 0, 0, 0, 24 }, 10, 512, KTGT_DIR_WRITE, 0,
	  0, 24, 0 },
	{ "PR OUT REGISTER AND IGNORE", PDT_SBC,
	  { 0x5f, 0x06, 0, 0, 0, 0, 0, 0, 24 }, 10, 512, KTGT_DIR_WRITE, 0, 0,
	  24, 0 },
	{ "PR OUT REGISTER AND MOVE", PDT_SBC,
	  { 0x5f, 0x07, 0x01, 0, 0, 0, 0x01, 0, 0x18 }, 10, 512, KTGT_DIR_WRITE,
	  0, 0, 0x10018, 0 },
	{ "REPORT LUNS, 32-bit allocation length", PDT_SBC,
	  { 0xa0, 0, 0x02, 0, 0, 0, 0x01, 0x02, 0x03, 0x04 }, 12, 512,
	  KTGT_DIR_READ, 0, 0, 0x01020304, 0 },
	{ "REPORT TARGET PORT GROUPS extended", PDT_SBC,
	  { 0xa3, 0x2a, 0, 0, 0, 0, 0, 0, 0x04, 0 }, 12, 512, KTGT_DIR_READ, 0,
	  0, 1024, 0 },
	{ "REPORT SUPPORTED OPERATION CODES one command", PDT_SBC,
	  { 0xa3, 0x0c, 0x01, 0x93, 0, 0, 0, 0, 0x02, 0 }, 12, 512,
	  KTGT_DIR_READ, 0, 0, 512, 0 },
	{ "REPORT SUPPORTED OPERATION CODES all, RCTD", PDT_SBC,
	  { 0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0x01, 0, 0 }, 12, 512,
	  KTGT_DIR_READ, 0, 0, 0x10000, 0 },
	{ "SET TARGET PORT GROUPS", PDT_SBC,
	  { 0xa4, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x0c, 0, 0 }, 12, 512,
	  KTGT_DIR_WRITE, 0, 0, 12, 0 },

	/* SBC. */
	{ "READ(6) 512", PDT_SBC, { 0x08, 0x01, 0x23, 0x45, 8, 0 }, 6, 512,
	  KTGT_DIR_READ, 0x12345, 8, 4096, 0 },
	{ "READ(6) 4096", PDT_SBC, { 0x08, 0x01, 0x23, 0x45, 8, 0 }, 6, 4096,
	  KTGT_DIR_READ, 0x12345, 8, 32768, 0 },
	{ "READ(6) length 0 is 256 blocks", PDT_SBC, { 0x08, 0, 0, 0x10, 0, 0 },
	  6, 512, KTGT_DIR_READ, 0x10, 256, 256 * 512, 0 },
	{ "WRITE(6) last 21-bit LBA", PDT_SBC, { 0x0a, 0x1f, 0xff, 0xff, 1, 0 },
	  6, 4096, KTGT_DIR_WRITE, 0x1fffff, 1, 4096, 0 },
	{ "WRITE(6) length 0 is 256 blocks", PDT_SBC, { 0x0a, 0, 0, 0, 0, 0 },
	  6, 4096, KTGT_DIR_WRITE, 0, 256, 256 * 4096, 0 },
	{ "START STOP UNIT start", PDT_SBC, { 0x1b, 0x01, 0, 0, 0x01, 0 }, 6,
	  512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "PREVENT ALLOW MEDIUM REMOVAL", PDT_SBC, { 0x1e, 0, 0, 0, 0x01, 0 },
	  6,
	  512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "READ CAPACITY(10)", PDT_SBC, { 0x25 }, 10, 512, KTGT_DIR_READ, 0, 0,
	  8, 0 },
	{ "READ CAPACITY(10) PMI", PDT_SBC,
	  { 0x25, 0, 0, 0, 0x10, 0, 0, 0, 0x01, 0 }, 10, 512, KTGT_DIR_READ,
	  0x1000, 0, 8, 0 },
	{ "READ(10) FUA DPO 512", PDT_SBC,
	  { 0x28, 0x18, 0x01, 0x02, 0x03, 0x04, 0, 0, 0x10, 0 }, 10, 512,
	  KTGT_DIR_READ, 0x01020304, 16, 8192, FUA | DPO },
	{ "READ(10) 4096", PDT_SBC,
	  { 0x28, 0, 0x01, 0x02, 0x03, 0x04, 0x1f, 0x01, 0x00, 0 }, 10, 4096,
	  KTGT_DIR_READ, 0x01020304, 256, 256 * 4096, 0 },
	{ "READ(10) length 0 transfers nothing", PDT_SBC,
	  { 0x28, 0, 0, 0, 0, 0x05, 0, 0, 0, 0 }, 10, 512, KTGT_DIR_READ, 5, 0,
	  0, 0 },
	{ "WRITE(10) FUA 512", PDT_SBC,
	  { 0x2a, 0x08, 0, 0, 0x10, 0, 0, 0, 0x08, 0 }, 10, 512, KTGT_DIR_WRITE,
	  0x1000, 8, 4096, FUA },
	{ "WRITE(10) 4096", PDT_SBC,
	  { 0x2a, 0, 0, 0, 0x10, 0, 0, 0xff, 0xff, 0 }, 10, 4096,
	  KTGT_DIR_WRITE, 0x1000, 0xffff, 0xffffULL * 4096, 0 },
	{ "WRITE AND VERIFY(10) BYTCHK", PDT_SBC,
	  { 0x2e, 0x12, 0, 0, 0, 0x20, 0, 0, 0x04, 0 }, 10, 512, KTGT_DIR_WRITE,
	  0x20, 4, 2048, DPO | KTGT_CDB_BYTCHK },
	{ "WRITE AND VERIFY(10) 4096", PDT_SBC,
	  { 0x2e, 0, 0, 0, 0, 0x20, 0, 0, 0x04, 0 }, 10, 4096, KTGT_DIR_WRITE,
	  0x20, 4, 16384, 0 },
	{ "VERIFY(10) BYTCHK 00b: no data", PDT_SBC,
	  { 0x2f, 0, 0, 0, 0, 0x40, 0, 0, 0x08, 0 }, 10, 512, KTGT_DIR_NONE,
	  0x40, 8, 0, 0 },
	{ "VERIFY(10) BYTCHK 01b: the blocks", PDT_SBC,
	  { 0x2f, 0x02, 0, 0, 0, 0x40, 0, 0, 0x08, 0 }, 10, 512,
	  KTGT_DIR_WRITE, 0x40, 8, 4096, KTGT_CDB_BYTCHK },
	{ "VERIFY(10) BYTCHK 11b: one block", PDT_SBC,
	  { 0x2f, 0x06, 0, 0, 0, 0x40, 0, 0, 0x08, 0 }, 10, 4096,
	  KTGT_DIR_WRITE, 0x40, 8, 4096, KTGT_CDB_BYTCHK },
	{ "SYNCHRONIZE CACHE(10) whole medium", PDT_SBC, { 0x35, 0x02 }, 10,
	  512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SYNCHRONIZE CACHE(10) range", PDT_SBC,
	  { 0x35, 0, 0, 0, 0, 100, 0, 0, 10, 0 }, 10, 512, KTGT_DIR_NONE, 100,
	  10, 0, 0 },
	{ "WRITE SAME(10) UNMAP 512", PDT_SBC,
	  { 0x41, 0x08, 0, 0, 0x10, 0, 0, 0x08, 0, 0 }, 10, 512, KTGT_DIR_WRITE,
	  0x1000, 0x800, 512, KTGT_CDB_UNMAP },
	{ "WRITE SAME(10) 4096", PDT_SBC,
	  { 0x41, 0, 0, 0, 0x10, 0, 0, 0x08, 0, 0 }, 10, 4096, KTGT_DIR_WRITE,
	  0x1000, 0x800, 4096, 0 },
	{ "UNMAP", PDT_SBC, { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }, 10, 512,
	  KTGT_DIR_WRITE, 0, 0, 24, 0 },
	{ "READ(16) 512", PDT_SBC,
	  { 0x88, 0, 0, 0, 0, 0x01, 0x23, 0x45, 0x67, 0x89, 0, 0x01, 0, 0 },
	  16, 512, KTGT_DIR_READ, 0x123456789ULL, 0x10000, 0x10000ULL * 512,
	  0 },
	{ "READ(16) 4096, 32-bit length", PDT_SBC,
	  { 0x88, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0,
	    0xff, 0xff, 0xff, 0xff, 0, 0 }, 16, 4096, KTGT_DIR_READ,
	  0xfffffffffffffff0ULL, 0xffffffffU, 0xffffffffULL * 4096, FUA },
	{ "COMPARE AND WRITE 512", PDT_SBC,
	  { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0 }, 16, 512,
	  KTGT_DIR_WRITE, 0x10, 1, 1024, 0 },
	{ "COMPARE AND WRITE 4096 FUA", PDT_SBC,
	  { 0x89, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 255, 0, 0 }, 16,
	  4096, KTGT_DIR_WRITE, 0x10, 255, 2 * 255 * 4096, FUA },
	{ "WRITE(16) 512", PDT_SBC,
	  { 0x8a, 0x10, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0x20, 0x1f, 0 },
	  16, 512, KTGT_DIR_WRITE, 0x8000, 32, 16384, DPO },
	{ "WRITE(16) 4096", PDT_SBC,
	  { 0x8a, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0x20, 0, 0 }, 16, 4096,
	  KTGT_DIR_WRITE, 0x8000, 32, 131072, 0 },
	{ "WRITE AND VERIFY(16)", PDT_SBC,
	  { 0x8e, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0x02, 0, 0 }, 16,
	  4096, KTGT_DIR_WRITE, 8, 2, 8192, KTGT_CDB_BYTCHK },
	{ "VERIFY(16) BYTCHK 00b", PDT_SBC,
	  { 0x8f, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0x02, 0, 0 }, 16,
	  512, KTGT_DIR_NONE, 8, 2, 0, DPO },
	{ "VERIFY(16) BYTCHK 01b", PDT_SBC,
	  { 0x8f, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0x02, 0, 0 }, 16,
	  4096, KTGT_DIR_WRITE, 8, 2, 8192, KTGT_CDB_BYTCHK },
	{ "VERIFY(16) BYTCHK 11b", PDT_SBC,
	  { 0x8f, 0x06, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0x02, 0, 0 }, 16,
	  512, KTGT_DIR_WRITE, 8, 2, 512, KTGT_CDB_BYTCHK },
	{ "VERIFY(16) BYTCHK 11b, no blocks", PDT_SBC,
	  { 0x8f, 0x06, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0 }, 16,
	  512, KTGT_DIR_WRITE, 8, 0, 0, KTGT_CDB_BYTCHK },
	{ "SYNCHRONIZE CACHE(16)", PDT_SBC,
	  { 0x91, 0x02, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0 }, 16,
	  512, KTGT_DIR_NONE, 0x1000, 0x1000, 0, 0 },
	{ "PRE-FETCH(10) IMMED, GROUP NUMBER", PDT_SBC,
	  { 0x34, 0x02, 0, 0, 0x10, 0, 0x03, 0x01, 0, 0 }, 10, 512,
	  KTGT_DIR_NONE, 0x1000, 0x100, 0, 0 },
	{ "PRE-FETCH(16)", PDT_SBC,
	  { 0x90, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0 }, 16,
	  4096, KTGT_DIR_NONE, 0x1000, 0x1000, 0, 0 },
	{ "ORWRITE(16) FUA", PDT_SBC,
	  { 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x04, 0x03, 0 },
	  16, 512, KTGT_DIR_WRITE, 0x10, 4, 2048, FUA },
	{ "WRITE AND VERIFY(12) BYTCHK", PDT_SBC,
	  { 0xae, 0x12, 0, 0, 0, 0x08, 0, 0, 0, 0x02, 0, 0 }, 12, 4096,
	  KTGT_DIR_WRITE, 8, 2, 8192, DPO | KTGT_CDB_BYTCHK },
	{ "VERIFY(12) BYTCHK 11b", PDT_SBC,
	  { 0xaf, 0x06, 0, 0, 0, 0x08, 0, 0, 0, 0x02, 0, 0 }, 12, 512,
	  KTGT_DIR_WRITE, 8, 2, 512, KTGT_CDB_BYTCHK },
	{ "WRITE SAME(16) one block of data-out", PDT_SBC,
	  { 0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0 }, 16, 512,
	  KTGT_DIR_WRITE, 0, 0x10000, 512, KTGT_CDB_UNMAP },
	{ "WRITE SAME(16) 4096", PDT_SBC,
	  { 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0 }, 16, 4096,
	  KTGT_DIR_WRITE, 0, 0x10000, 4096, 0 },
	{ "WRITE SAME(16) NDOB: no data-out", PDT_SBC,
	  { 0x93, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0 }, 16, 512,
	  KTGT_DIR_NONE, 0, 0x10000, 0, KTGT_CDB_UNMAP | KTGT_CDB_NDOB },
	{ "READ CAPACITY(16)", PDT_SBC,
	  { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0 }, 16, 512,
	  KTGT_DIR_READ, 0, 0, 32, 0 },
	{ "READ CAPACITY(16) PMI", PDT_SBC,
	  { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0x20, 0x01, 0 }, 16,
	  512, KTGT_DIR_READ, 0x1000, 0, 32, 0 },
	{ "EXTENDED COPY(LID1)", PDT_SBC,
	  { 0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x4c, 0, 0 }, 16, 512,
	  KTGT_DIR_WRITE, 0, 0, 0x4c, 0 },
	{ "RECEIVE COPY RESULTS(COPY STATUS)", PDT_SBC,
	  { 0x84, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c, 0, 0 }, 16,
	  512, KTGT_DIR_READ, 0, 0, 12, 0 },
	{ "RECEIVE COPY RESULTS(OPERATING PARAMETERS)", PDT_SBC,
	  { 0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0 }, 16, 512,
	  KTGT_DIR_READ, 0, 0, 0x100, 0 },
	{ "RECEIVE COPY RESULTS(FAILED SEGMENT DETAILS)", PDT_SBC,
	  { 0x84, 0x04, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0, 0 }, 16,
	  512, KTGT_DIR_READ, 0, 0, 0x60, 0 },
	{ "GET LBA STATUS", PDT_SBC,
	  { 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0 }, 16,
	  512, KTGT_DIR_READ, 0x1000, 0, 0x1000, 0 },
	{ "READ(12)", PDT_SBC,
	  { 0xa8, 0, 0, 0, 0x01, 0, 0, 0x01, 0, 0, 0, 0 }, 12, 512,
	  KTGT_DIR_READ, 0x100, 0x10000, 0x10000 * 512, 0 },
	{ "READ(12) 4096 FUA", PDT_SBC,
	  { 0xa8, 0x08, 0, 0, 0x01, 0, 0, 0, 0, 0x02, 0, 0 }, 12, 4096,
	  KTGT_DIR_READ, 0x100, 2, 8192, FUA },
	{ "WRITE(12)", PDT_SBC,
	  { 0xaa, 0x18, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0x10, 0, 0 }, 12, 512,
	  KTGT_DIR_WRITE, 0x12345678, 16, 8192, FUA | DPO },
	{ "WRITE(12) 4096", PDT_SBC,
	  { 0xaa, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0x10, 0, 0 }, 12, 4096,
	  KTGT_DIR_WRITE, 0x12345678, 16, 65536, 0 },

	/* MMC, 2048-byte blocks. */
	{ "MMC TEST UNIT READY", PDT_MMC, { 0x00 }, 6, 2048, KTGT_DIR_NONE, 0,
	  0, 0, 0 },
	{ "MMC INQUIRY", PDT_MMC, { 0x12, 0, 0, 0, 96, 0 }, 6, 2048,
	  KTGT_DIR_READ, 0, 0, 96, 0 },
	{ "MMC MODE SENSE(10) capabilities page", PDT_MMC,
	  { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0 }, 10, 2048, KTGT_DIR_READ, 0,
	  0, 128, 0 },
	{ "MMC START STOP UNIT eject", PDT_MMC, { 0x1b, 0, 0, 0, 0x02, 0 }, 6,
	  2048, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "MMC PREVENT ALLOW MEDIUM REMOVAL", PDT_MMC,
	  { 0x1e, 0, 0, 0, 0x01, 0 }, 6, 2048, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "MMC READ CAPACITY", PDT_MMC, { 0x25 }, 10, 2048, KTGT_DIR_READ, 0, 0,
	  8, 0 },
	{ "MMC READ(10)", PDT_MMC, { 0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0 }, 10,
	  2048, KTGT_DIR_READ, 16, 1, 2048, 0 },
	{ "MMC READ TOC, sr's multisession form", PDT_MMC,
	  { 0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40 }, 10, 2048, KTGT_DIR_READ, 0,
	  0, 12, 0 },
	{ "MMC READ TOC MSF format 2", PDT_MMC,
	  { 0x43, 0x02, 0x02, 0, 0, 0, 0x01, 0x03, 0x24, 0 }, 10, 2048,
	  KTGT_DIR_READ, 0, 0, 0x324, 0 },
	{ "MMC GET CONFIGURATION RT 01b", PDT_MMC,
	  { 0x46, 0x01, 0, 0, 0, 0, 0, 0, 8, 0 }, 10, 2048, KTGT_DIR_READ, 0, 0,
	  8, 0 },
	{ "MMC GET CONFIGURATION RT 10b", PDT_MMC,
	  { 0x46, 0x02, 0x00, 0x1e, 0, 0, 0, 0x01, 0, 0 }, 10, 2048,
	  KTGT_DIR_READ, 0, 0, 256, 0 },
	{ "MMC GET EVENT STATUS NOTIFICATION polled", PDT_MMC,
	  { 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0 }, 10, 2048, KTGT_DIR_READ, 0,
	  0, 8, 0 },
	{ "MMC READ DISC INFORMATION", PDT_MMC,
	  { 0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0 }, 10, 2048, KTGT_DIR_READ, 0, 0,
	  34, 0 },
	{ "MMC READ TRACK INFORMATION", PDT_MMC,
	  { 0x52, 0x01, 0, 0, 0, 0x01, 0, 0, 36, 0 }, 10, 2048, KTGT_DIR_READ,
	  0, 0, 36, 0 },
	{ "MMC READ(12) streaming", PDT_MMC,
	  { 0xa8, 0, 0, 0, 0, 0x20, 0, 0, 0, 0x20, 0x80, 0 }, 12, 2048,
	  KTGT_DIR_READ, 0x20, 0x20, 0x10000, 0 },
	{ "MMC MECHANISM STATUS", PDT_MMC,
	  { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0 }, 12, 2048, KTGT_DIR_READ, 0,
	  0, 8, 0 },
	/* SSC: a tape, fixed block length 512 (variable mode needs none). */
	{ "SSC TEST UNIT READY", PDT_SSC, { 0x00 }, 6, 512, KTGT_DIR_NONE, 0,
	  0, 0, 0 },
	{ "SSC MODE SENSE(6) block descriptor", PDT_SSC,
	  { 0x1a, 0, 0, 0, 12, 0 }, 6, 512, KTGT_DIR_READ, 0, 0, 12, 0 },
	{ "SSC REWIND IMMED", PDT_SSC, { 0x01, 0x01 }, 6, 512, KTGT_DIR_NONE,
	  0, 0, 0, 0 },
	{ "SSC READ BLOCK LIMITS", PDT_SSC, { 0x05 }, 6, 512, KTGT_DIR_READ, 0,
	  0, 6, 0 },
	{ "SSC READ(6) variable", PDT_SSC, { 0x08, 0, 0x01, 0x02, 0x03, 0 }, 6,
	  512, KTGT_DIR_READ, 0, 0, 0x10203, 0 },
	{ "SSC READ(6) variable SILI", PDT_SSC, { 0x08, 0x02, 0, 0x28, 0, 0 },
	  6, 512, KTGT_DIR_READ, 0, 0, 10240, 0 },
	{ "SSC READ(6) fixed", PDT_SSC, { 0x08, 0x01, 0, 0, 20, 0 }, 6, 512,
	  KTGT_DIR_READ, 0, 20, 20 * 512, 0 },
	{ "SSC READ(6) fixed 4096", PDT_SSC, { 0x08, 0x01, 0, 0x01, 0, 0 }, 6,
	  4096, KTGT_DIR_READ, 0, 256, 256 * 4096, 0 },
	{ "SSC READ(6) zero length", PDT_SSC, { 0x08 }, 6, 512, KTGT_DIR_READ,
	  0, 0, 0, 0 },
	{ "SSC WRITE(6) variable", PDT_SSC, { 0x0a, 0, 0, 0x28, 0, 0 }, 6, 512,
	  KTGT_DIR_WRITE, 0, 0, 10240, 0 },
	{ "SSC WRITE(6) fixed", PDT_SSC, { 0x0a, 0x01, 0, 0, 3, 0 }, 6, 4096,
	  KTGT_DIR_WRITE, 0, 3, 3 * 4096, 0 },
	{ "SSC WRITE FILEMARKS(6)", PDT_SSC, { 0x10, 0x01, 0, 0, 2, 0 }, 6, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC SPACE(6) filemarks backward", PDT_SSC,
	  { 0x11, 0x01, 0xff, 0xff, 0xff, 0 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0,
	  0 },
	{ "SSC SPACE(6) end-of-data", PDT_SSC, { 0x11, 0x03 }, 6, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC VERIFY(6) fixed, no compare", PDT_SSC,
	  { 0x13, 0x01, 0, 0x01, 0x00, 0 }, 6, 512, KTGT_DIR_NONE, 0, 256, 0,
	  0 },
	{ "SSC VERIFY(6) variable, no compare", PDT_SSC,
	  { 0x13, 0x00, 0, 0x01, 0x00, 0 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0,
	  0 },
	{ "SSC VERIFY(6) VBF, no compare", PDT_SSC,
	  { 0x13, 0x08, 0, 0, 3, 0 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC VERIFY(6) fixed BYTCMP", PDT_SSC,
	  { 0x13, 0x03, 0, 0, 4, 0 }, 6, 4096, KTGT_DIR_WRITE, 0, 4, 4 * 4096,
	  0 },
	{ "SSC VERIFY(6) variable BYTCMP", PDT_SSC,
	  { 0x13, 0x02, 0, 0x28, 0, 0 }, 6, 512, KTGT_DIR_WRITE, 0, 0, 10240,
	  0 },
	{ "SSC ERASE(6) long", PDT_SSC, { 0x19, 0x01 }, 6, 512, KTGT_DIR_NONE,
	  0, 0, 0, 0 },
	{ "SSC LOAD UNLOAD load", PDT_SSC, { 0x1b, 0, 0, 0, 0x01, 0 }, 6, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC PREVENT ALLOW MEDIUM REMOVAL", PDT_SSC,
	  { 0x1e, 0, 0, 0, 0x01, 0 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC LOCATE(10)", PDT_SSC,
	  { 0x2b, 0x04, 0, 0, 0x01, 0x02, 0x03, 0, 0, 0 }, 10, 512,
	  KTGT_DIR_NONE, 0x10203, 0, 0, 0 },
	{ "SSC READ POSITION short", PDT_SSC, { 0x34, 0x00 }, 10, 512,
	  KTGT_DIR_READ, 0, 0, 20, 0 },
	{ "SSC READ POSITION short BT", PDT_SSC, { 0x34, 0x01 }, 10, 512,
	  KTGT_DIR_READ, 0, 0, 20, 0 },
	{ "SSC READ POSITION long", PDT_SSC, { 0x34, 0x06 }, 10, 512,
	  KTGT_DIR_READ, 0, 0, 32, 0 },
	{ "SSC READ POSITION extended", PDT_SSC,
	  { 0x34, 0x08, 0, 0, 0, 0, 0, 0x00, 0x20, 0 }, 10, 512, KTGT_DIR_READ,
	  0, 0, 32, 0 },
	{ "SSC REPORT DENSITY SUPPORT", PDT_SSC,
	  { 0x44, 0x01, 0, 0, 0, 0, 0, 0x01, 0x00, 0 }, 10, 512, KTGT_DIR_READ,
	  0, 0, 256, 0 },
	/* SMC: a medium changer (no blocks). */
	{ "SMC TEST UNIT READY", PDT_SMC, { 0x00 }, 6, 512, KTGT_DIR_NONE, 0,
	  0, 0, 0 },
	{ "SMC INQUIRY", PDT_SMC, { 0x12, 0, 0, 0, 96, 0 }, 6, 512,
	  KTGT_DIR_READ, 0, 0, 96, 0 },
	{ "SMC MODE SENSE(6) page 1Dh", PDT_SMC, { 0x1a, 0x08, 0x1d, 0, 255 },
	  6, 512, KTGT_DIR_READ, 0, 0, 255, 0 },
	{ "SMC INITIALIZE ELEMENT STATUS", PDT_SMC, { 0x07 }, 6, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SMC PREVENT ALLOW MEDIUM REMOVAL", PDT_SMC,
	  { 0x1e, 0, 0, 0, 0x01, 0 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SMC POSITION TO ELEMENT", PDT_SMC,
	  { 0x2b, 0, 0, 0x01, 0x04, 0x00, 0, 0, 0, 0 }, 10, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SMC INITIALIZE ELEMENT STATUS WITH RANGE", PDT_SMC,
	  { 0x37, 0x03, 0x04, 0x00, 0, 0, 0x00, 0x0a, 0, 0 }, 10, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SMC MOVE MEDIUM", PDT_SMC,
	  { 0xa5, 0, 0, 0x01, 0x04, 0x00, 0x01, 0x00, 0, 0, 0, 0 }, 12, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SMC EXCHANGE MEDIUM", PDT_SMC,
	  { 0xa6, 0, 0, 0x01, 0x04, 0x00, 0x01, 0x00, 0x04, 0x00, 0, 0 }, 12,
	  512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SMC READ ELEMENT STATUS all, VOLTAG DVCID", PDT_SMC,
	  { 0xb8, 0x10, 0, 0, 0xff, 0xff, 0x03, 0x01, 0x00, 0x00, 0, 0 }, 12,
	  512, KTGT_DIR_READ, 0, 0, 0x10000, 0 },
	{ "SMC READ ELEMENT STATUS data transfer", PDT_SMC,
	  { 0xb8, 0x04, 0x01, 0x00, 0, 2, 0, 0, 0x04, 0x00, 0, 0 }, 12, 512,
	  KTGT_DIR_READ, 0, 0, 0x400, 0 },
	{ "SSC LOG SENSE", PDT_SSC,
	  { 0x4d, 0, 0x40, 0x00, 0, 0, 0, 0x00, 0x40, 0 }, 10, 512,
	  KTGT_DIR_READ, 0, 0, 64, 0 },
	{ "SSC LOG SELECT PCR", PDT_SSC,
	  { 0x4c, 0x02, 0x40, 0, 0, 0, 0, 0, 0, 0 }, 10, 512, KTGT_DIR_WRITE,
	  0, 0, 0, 0 },
	{ "SSC LOG SELECT parameters", PDT_SSC,
	  { 0x4c, 0x00, 0x6e, 0x01, 0, 0, 0, 0x01, 0x10, 0 }, 10, 512,
	  KTGT_DIR_WRITE, 0, 0, 0x110, 0 },
	{ "SBC LOG SELECT PCR", PDT_SBC,
	  { 0x4c, 0x02, 0x40, 0, 0, 0, 0, 0, 0, 0 }, 10, 512, KTGT_DIR_WRITE,
	  0, 0, 0, 0 },
	{ "SBC LOG SELECT parameters, SP", PDT_SBC,
	  { 0x4c, 0x01, 0x4d, 0x00, 0, 0, 0, 0x00, 0x0c, 0 }, 10, 512,
	  KTGT_DIR_WRITE, 0, 0, 12, 0 },
	{ "SMC LOG SELECT parameters", PDT_SMC,
	  { 0x4c, 0x00, 0x7e, 0xff, 0, 0, 0, 0xff, 0xff, 0 }, 10, 512,
	  KTGT_DIR_WRITE, 0, 0, 0xffff, 0 },
	{ "MMC LOG SELECT PCR", PDT_MMC,
	  { 0x4c, 0x02, 0x40, 0, 0, 0, 0, 0, 0, 0 }, 10, 512, KTGT_DIR_WRITE,
	  0, 0, 0, 0 },
	{ "SSC READ ATTRIBUTE values", PDT_SSC,
	  { 0x8c, 0x00, 0, 0, 0, 0x01, 0, 0x02, 0x04, 0x01, 0x00, 0x01, 0x00,
	    0x00, 0x01, 0 }, 16, 512, KTGT_DIR_READ, 0, 0, 0x10000, 0 },
	{ "SSC SPACE(16) filemarks", PDT_SSC,
	  { 0x91, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe },
	  16, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC LOCATE(16) logical object", PDT_SSC,
	  { 0x92, 0x02, 0x00, 0x01, 0, 0, 0, 0x01, 0, 0, 0, 0x05 }, 16, 512,
	  KTGT_DIR_NONE, 0x100000005ULL, 0, 0, 0 },
	{ "SSC LOCATE(16) file, IMMED", PDT_SSC,
	  { 0x92, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x03 }, 16, 512,
	  KTGT_DIR_NONE, 3, 0, 0, 0 },
	/*
	 * The pass-through layouts, checked against public references
	 * (commit message): lengths where the standard puts them, every
	 * byte of each field read.
	 */
	{ "SSC VERIFY(6) fixed BYTCMP with VLBPM", PDT_SSC,
	  { 0x13, 0x13, 0, 0, 2, 0 }, 6, 512, KTGT_DIR_WRITE, 0, 2, 1024, 0 },
	{ "SSC VERIFY(6) variable BYTCMP, 24-bit length", PDT_SSC,
	  { 0x13, 0x02, 0x01, 0x02, 0x03, 0 }, 6, 512, KTGT_DIR_WRITE, 0, 0,
	  0x10203, 0 },
	{ "SSC VERIFY(6) VTE, no compare", PDT_SSC,
	  { 0x13, 0x20, 0, 0, 0, 0 }, 6, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC READ POSITION long, 32 bytes whatever the block size", PDT_SSC,
	  { 0x34, 0x06 }, 10, 4096, KTGT_DIR_READ, 0, 0, 32, 0 },
	{ "SSC READ POSITION extended, 16-bit ALLOCATION LENGTH", PDT_SSC,
	  { 0x34, 0x08, 0, 0, 0, 0, 0, 0x01, 0x1c, 0 }, 10, 512,
	  KTGT_DIR_READ, 0, 0, 0x11c, 0 },
	{ "SSC READ POSITION extended, no ALLOCATION LENGTH", PDT_SSC,
	  { 0x34, 0x08 }, 10, 512, KTGT_DIR_READ, 0, 0, 0, 0 },
	{ "SSC LOG SELECT SP, PC, subpage, 16-bit length", PDT_SSC,
	  { 0x4c, 0x01, 0xff, 0xff, 0, 0, 0, 0xff, 0xfe, 0 }, 10, 512,
	  KTGT_DIR_WRITE, 0, 0, 0xfffe, 0 },
	{ "SSC READ ATTRIBUTE 32-bit ALLOCATION LENGTH, CACHE", PDT_SSC,
	  { 0x8c, 0x05, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0x01, 0x02,
	    0x03, 0x04, 0x01, 0 }, 16, 512, KTGT_DIR_READ, 0, 0, 0x01020304,
	  0 },
	{ "SSC SPACE(16) end-of-data", PDT_SSC, { 0x91, 0x03 }, 16, 512,
	  KTGT_DIR_NONE, 0, 0, 0, 0 },
	{ "SSC LOCATE(16) DEST_TYPE end-of-data, BAM", PDT_SSC,
	  { 0x92, 0x18, 0x01, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff }, 16, 512, KTGT_DIR_NONE, 0xffffffffffffffffULL, 0, 0, 0 },
	{ "SSC LOCATE(16) 3-bit DEST_TYPE (SSC-4)", PDT_SSC,
	  { 0x92, 0x20 }, 16, 512, KTGT_DIR_NONE, 0, 0, 0, 0 },
};

static void check_ok_case(const struct ok_case *k, struct ktgt_cdb *c)
{
	struct ktgt_cdb_limits lim = { .block_size = k->bs };
	struct ktgt_sense_info err = { 0 };
	int ret;

	ret = ktgt_cdb_decode(table(k->pdt), k->cdb, k->len, &lim, c, &err);
	if (ret)
		fail_msg("%s: decode failed: key %#x asc %#x field %u bit %d",
			 k->what, err.key, err.asc, err.field, err.bit);
	if (!c->desc || c->desc->opcode != k->cdb[0])
		fail_msg("%s: wrong descriptor", k->what);
	if (c->opcode != k->cdb[0])
		fail_msg("%s: opcode %#x", k->what, c->opcode);
	if (c->dir != k->dir)
		fail_msg("%s: dir %d, expected %d", k->what, c->dir, k->dir);
	if (c->lba != k->lba)
		fail_msg("%s: lba %#llx, expected %#llx", k->what, c->lba,
			 k->lba);
	if (c->nr_blocks != k->nr)
		fail_msg("%s: nr_blocks %u, expected %u", k->what, c->nr_blocks,
			 k->nr);
	if (c->xfer_len != k->xfer)
		fail_msg("%s: xfer_len %llu, expected %llu", k->what,
			 c->xfer_len, k->xfer);
	if (c->flags != k->flags)
		fail_msg("%s: flags %#x, expected %#x", k->what, c->flags,
			 k->flags);
}

static void test_ok_cases(void **state)
{
	struct ktgt_cdb c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok_cases); i++)
		check_ok_case(&ok_cases[i], &c);
}

/* Every descriptor of every table is decoded by some ok_case. */
static void test_cases_cover_every_command(void **state)
{
	size_t t, i, k;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);

		for (i = 0; i < ktgt_cdb_table_size(tbl); i++) {
			const struct ktgt_cdb_desc *d =
				ktgt_cdb_table_desc(tbl, i);
			bool hit = false;

			for (k = 0; k < ARRAY_SIZE(ok_cases) && !hit; k++) {
				struct ktgt_cdb c;

				check_ok_case(&ok_cases[k], &c);
				hit = c.desc == d;
			}
			if (!hit)
				fail_msg("%s: %s has no test case", tbl->name,
					 d->name);
		}
	}
}

/* Decode failures. */
struct err_case {
	const char *what;
	u8 pdt;
	u8 cdb[KTGT_CDB_MAX_LEN];
	u8 len;
	u32 bs;
	u32 max;
	u8 key, asc;
	int field;	/* -1: no field pointer */
	int bit;
};

#define IR	KTGT_KEY_ILLEGAL_REQUEST
#define INV	KTGT_ASC_INVALID_FIELD_IN_CDB

static const struct err_case err_cases[] = {
	{ "SSC READ(6) SILI with FIXED", PDT_SSC, { 0x08, 0x03, 0, 0, 1, 0 },
	  6, 512, 0, IR, INV, 1, 1 },
	{ "SSC WRITE(6) SILI bit reserved", PDT_SSC, { 0x0a, 0x02, 0, 0, 1 },
	  6, 512, 0, IR, INV, 1, 1 },
	{ "SSC SPACE(6) setmarks", PDT_SSC, { 0x11, 0x04, 0, 0, 1, 0 }, 6, 512,
	  0, IR, INV, 1, 3 },
	{ "SSC SPACE(6) code 1111b", PDT_SSC, { 0x11, 0x0f, 0, 0, 1, 0 }, 6,
	  512, 0, IR, INV, 1, 3 },
	{ "SSC SPACE(16) setmarks", PDT_SSC, { 0x91, 0x04 }, 16, 512, 0, IR,
	  INV, 1, 3 },
	{ "SSC SPACE(16) PARAMETER LENGTH", PDT_SSC,
	  { 0x91, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x01 }, 16, 512, 0, IR,
	  INV, 13, 0 },
	{ "SSC VERIFY(6) BYTCMP with VTE", PDT_SSC, { 0x13, 0x22, 0, 0, 1, 0 },
	  6, 512, 0, IR, INV, 1, 1 },
	{ "SSC VERIFY(6) BYTCMP with VBF", PDT_SSC, { 0x13, 0x0b, 0, 0, 1, 0 },
	  6, 512, 0, IR, INV, 1, 1 },
	{ "SSC VERIFY(6) reserved bit 6", PDT_SSC, { 0x13, 0x40, 0, 0, 1, 0 },
	  6, 512, 0, IR, INV, 1, 6 },
	{ "SSC LOG SELECT reserved byte 1 bit 2", PDT_SSC, { 0x4c, 0x07 }, 10,
	  512, 0, IR, INV, 1, 2 },
	{ "SSC LOG SELECT reserved byte 4", PDT_SSC, { 0x4c, 0, 0, 0, 0x01 },
	  10, 512, 0, IR, INV, 4, 0 },
	{ "SBC LOG SELECT reserved byte 1 bit 2", PDT_SBC, { 0x4c, 0x07 }, 10,
	  512, 0, IR, INV, 1, 2 },
	{ "SBC LOG SELECT reserved byte 6", PDT_SBC,
	  { 0x4c, 0, 0, 0, 0, 0, 0x80 }, 10, 512, 0, IR, INV, 6, 7 },
	{ "SMC LOG SELECT reserved byte 5", PDT_SMC,
	  { 0x4c, 0, 0, 0, 0, 0x02 }, 10, 512, 0, IR, INV, 5, 1 },
	{ "SSC READ POSITION long with ALLOCATION LENGTH", PDT_SSC,
	  { 0x34, 0x06, 0, 0, 0, 0, 0, 0, 0x20, 0 }, 10, 512, 0, IR, INV, 8, 5 },
	{ "SSC READ ATTRIBUTE reserved byte 6", PDT_SSC,
	  { 0x8c, 0x00, 0, 0, 0, 0, 0x01 }, 16, 512, 0, IR, INV, 6, 0 },
	{ "SSC READ ATTRIBUTE CACHE neighbour", PDT_SSC,
	  { 0x8c, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 }, 16, 512, 0,
	  IR, INV, 14, 1 },
	{ "SSC LOCATE(16) reserved byte 1 bit 2", PDT_SSC, { 0x92, 0x04 }, 16,
	  512, 0, IR, INV, 1, 2 },
	{ "SSC LOCATE(16) reserved byte 1 bit 6", PDT_SSC, { 0x92, 0x40 }, 16,
	  512, 0, IR, INV, 1, 6 },
	{ "SSC LOCATE(16) reserved byte 2 bit 1", PDT_SSC, { 0x92, 0, 0x02 },
	  16, 512, 0, IR, INV, 2, 1 },
	{ "SSC SPACE(16) reserved byte 2", PDT_SSC, { 0x91, 0, 0x01 }, 16, 512,
	  0, IR, INV, 2, 0 },
	{ "SSC SPACE(16) reserved byte 1 bit 4", PDT_SSC, { 0x91, 0x10 }, 16,
	  512, 0, IR, INV, 1, 4 },
	{ "SSC READ ATTRIBUTE reserved byte 1 bit 5", PDT_SSC, { 0x8c, 0x20 },
	  16, 512, 0, IR, INV, 1, 5 },
	{ "SSC VERIFY(6) BYTCMP with VTE and VLBPM", PDT_SSC,
	  { 0x13, 0x32, 0, 0, 1, 0 }, 6, 512, 0, IR, INV, 1, 1 },
	{ "SSC LOCATE(16) reserved byte 12", PDT_SSC,
	  { 0x92, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 }, 16, 512, 0, IR, INV,
	  12, 7 },
	{ "SSC READ(6) fixed over the block limit", PDT_SSC,
	  { 0x08, 0x01, 0, 0x01, 0x01, 0 }, 6, 512, 256, IR, INV, 2, 7 },
	{ "SSC READ POSITION service action 03h", PDT_SSC, { 0x34, 0x03 }, 10,
	  512, 0, IR, INV, 1, 4 },
	{ "SSC READ POSITION allocation length", PDT_SSC,
	  { 0x34, 0, 0, 0, 0, 0, 0, 0, 20, 0 }, 10, 512, 0, IR, INV, 8, 4 },
	{ "SSC LOCATE(10) reserved bit", PDT_SSC, { 0x2b, 0x08 }, 10, 512, 0,
	  IR, INV, 1, 3 },
	{ "SSC PREVENT persistent (MMC only)", PDT_SSC,
	  { 0x1e, 0, 0, 0, 0x02, 0 }, 6, 512, 0, IR, INV, 4, 1 },
	{ "SSC has no READ(10)", PDT_SSC, { 0x28 }, 10, 512, 0, IR,
	  KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "SSC has no READ CAPACITY", PDT_SSC, { 0x25 }, 10, 512, 0, IR,
	  KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "SMC READ ELEMENT STATUS type 5", PDT_SMC,
	  { 0xb8, 0x05, 0, 0, 0, 1, 0, 0, 0xff, 0, 0, 0 }, 12, 512, 0, IR, INV,
	  1, 3 },
	{ "SMC READ ELEMENT STATUS type Fh", PDT_SMC,
	  { 0xb8, 0x1f, 0, 0, 0, 1, 0, 0, 0xff, 0, 0, 0 }, 12, 512, 0, IR, INV,
	  1, 3 },
	{ "SMC READ ELEMENT STATUS reserved byte 6 bit", PDT_SMC,
	  { 0xb8, 0x00, 0, 0, 0, 1, 0x04, 0, 0xff, 0, 0, 0 }, 12, 512, 0, IR,
	  INV, 6, 2 },
	{ "SMC MOVE MEDIUM INVERT", PDT_SMC,
	  { 0xa5, 0, 0, 1, 4, 0, 1, 0, 0, 0, 0x01, 0 }, 12, 512, 0, IR, INV,
	  10, 0 },
	{ "SMC POSITION TO ELEMENT INVERT", PDT_SMC,
	  { 0x2b, 0, 0, 1, 4, 0, 0, 0, 0x01, 0 }, 10, 512, 0, IR, INV, 8, 0 },
	{ "SMC INITIALIZE ELEMENT STATUS reserved", PDT_SMC, { 0x07, 0x01 }, 6,
	  512, 0, IR, INV, 1, 0 },
	{ "SMC has no READ(6)", PDT_SMC, { 0x08 }, 6, 512, 0, IR,
	  KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "SMC EXCHANGE MEDIUM INV1", PDT_SMC,
	  { 0xa6, 0, 0, 1, 4, 0, 1, 0, 4, 0, 0x01, 0 }, 12, 512, 0, IR, INV,
	  10, 0 },
	{ "SMC EXCHANGE MEDIUM INV2", PDT_SMC,
	  { 0xa6, 0, 0, 1, 4, 0, 1, 0, 4, 0, 0x02, 0 }, 12, 512, 0, IR, INV,
	  10, 1 },
	{ "SMC EXCHANGE MEDIUM reserved byte 1", PDT_SMC,
	  { 0xa6, 0x01, 0, 1, 4, 0, 1, 0, 4, 0, 0, 0 }, 12, 512, 0, IR, INV,
	  1, 0 },
	{ "SMC has no REQUEST VOLUME ELEMENT ADDRESS", PDT_SMC, { 0xb5 }, 12,
	  512, 0, IR, KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "SMC has no LOCATE (2Bh is POSITION TO ELEMENT)", PDT_SMC,
	  { 0x2b, 0x04 }, 10, 512, 0, IR, INV, 1, 2 },
	{ "unknown opcode FFh", PDT_SBC, { 0xff }, 16, 512, 0, IR,
	  KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "REZERO UNIT not supported", PDT_SBC, { 0x01 }, 6, 512, 0, IR,
	  KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "variable length CDB not supported", PDT_SBC, { 0x7f }, 16, 512, 0,
	  IR, KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "READ TOC is not a disk command", PDT_SBC, { 0x43 }, 10, 512, 0, IR,
	  KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "WRITE(10) is not a CD-ROM command", PDT_MMC, { 0x2a }, 10, 2048, 0,
	  IR, KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "SERVICE ACTION IN(16) is not a CD-ROM command", PDT_MMC,
	  { 0x9e, 0x10 }, 16, 2048, 0, IR, KTGT_ASC_INVALID_OPCODE, -1, -1 },
	{ "unknown SA 9Eh/11h", PDT_SBC, { 0x9e, 0x11 }, 16, 512, 0, IR, INV,
	  1, 4 },
	{ "unknown SA A3h/05h", PDT_SBC, { 0xa3, 0x05 }, 12, 512, 0, IR, INV,
	  1, 4 },
	{ "unknown SA 5Eh/1Fh", PDT_SBC, { 0x5e, 0x1f }, 10, 512, 0, IR, INV,
	  1, 4 },
	{ "unknown SA 5Fh/08h", PDT_SBC, { 0x5f, 0x08 }, 10, 512, 0, IR, INV,
	  1, 4 },
	{ "short READ(10)", PDT_SBC, { 0x28 }, 6, 512, 0, IR, INV, 0, -1 },
	{ "short READ CAPACITY(16), no SA byte", PDT_SBC, { 0x9e }, 1, 512, 0,
	  IR, INV, 0, -1 },
	{ "short READ CAPACITY(16)", PDT_SBC, { 0x9e, 0x10 }, 15, 512, 0, IR,
	  INV, 0, -1 },
	{ "empty CDB", PDT_SBC, { 0 }, 0, 512, 0, IR, INV, 0, -1 },
	{ "READ(10) NACA", PDT_SBC, { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0x04 }, 10,
	  512, 0, IR, INV, 9, 2 },
	{ "READ(10) LINK", PDT_SBC, { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0x01 }, 10,
	  512, 0, IR, INV, 9, 0 },
	{ "INQUIRY NACA", PDT_SBC, { 0x12, 0, 0, 0, 36, 0x04 }, 6, 512, 0, IR,
	  INV, 5, 2 },
	{ "MMC READ TOC NACA", PDT_MMC, { 0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x44 },
	  10, 2048, 0, IR, INV, 9, 2 },
	/*
	 * SPC-4 4.5.2.4.2: the BIT POINTER of a multiple-bit field in
	 * error is its left-most bit, whatever value it holds.
	 */
	{ "READ(10) RDPROTECT 001b", PDT_SBC, { 0x28, 0x20 }, 10, 512, 0, IR,
	  INV, 1, 7 },
	{ "READ(16) RDPROTECT 011b", PDT_SBC, { 0x88, 0x60 }, 16, 512, 0, IR,
	  INV, 1, 7 },
	{ "WRITE(10) WRPROTECT 010b", PDT_SBC, { 0x2a, 0x40 }, 10, 512, 0, IR,
	  INV, 1, 7 },
	{ "WRITE(16) WRPROTECT 001b and FUA_NV", PDT_SBC, { 0x8a, 0x22 }, 16,
	  512, 0, IR, INV, 1, 7 },
	{ "WRITE SAME(16) WRPROTECT 001b", PDT_SBC, { 0x93, 0x20 }, 16, 512, 0,
	  IR, INV, 1, 7 },
	{ "COMPARE AND WRITE WRPROTECT 001b", PDT_SBC, { 0x89, 0x20 }, 16, 512,
	  0, IR, INV, 1, 7 },
	{ "WRITE AND VERIFY(12) WRPROTECT 010b", PDT_SBC, { 0xae, 0x40 }, 12,
	  512, 0, IR, INV, 1, 7 },
	{ "READ(10) FUA_NV", PDT_SBC, { 0x28, 0x02 }, 10, 512, 0, IR, INV, 1,
	  1 },
	{ "READ(6) reserved bits of byte 1", PDT_SBC, { 0x08, 0xe0 }, 6, 512, 0,
	  IR, INV, 1, 7 },
	{ "INQUIRY page code without EVPD", PDT_SBC, { 0x12, 0, 0x80, 0, 36 },
	  6, 512, 0, IR, INV, 2, 7 },
	{ "INQUIRY CMDDT", PDT_SBC, { 0x12, 0x02, 0, 0, 36 }, 6, 512, 0, IR,
	  INV, 1, 1 },
	{ "READ CAPACITY(10) LBA without PMI", PDT_SBC,
	  { 0x25, 0, 0, 0, 0, 0x01 }, 10, 512, 0, IR, INV, 2, 7 },
	{ "READ CAPACITY(16) LBA without PMI", PDT_SBC,
	  { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 32 }, 16, 512, 0, IR,
	  INV, 2, 7 },
	{ "REPORT SUPPORTED OPERATION CODES options 100b", PDT_SBC,
	  { 0xa3, 0x0c, 0x04 }, 12, 512, 0, IR, INV, 2, 2 },
	{ "REPORT SUPPORTED OPERATION CODES options 110b", PDT_SBC,
	  { 0xa3, 0x0c, 0x06 }, 12, 512, 0, IR, INV, 2, 2 },
	/* PARAMETER DATA FORMAT is bits 7:5: the pointer names bit 7. */
	{ "REPORT TARGET PORT GROUPS format 010b", PDT_SBC, { 0xa3, 0x4a }, 12,
	  512, 0, IR, INV, 1, 7 },
	{ "REPORT TARGET PORT GROUPS format 111b", PDT_SBC, { 0xa3, 0xea }, 12,
	  512, 0, IR, INV, 1, 7 },
	{ "VERIFY(10) BYTCHK 10b", PDT_SBC, { 0x2f, 0x04 }, 10, 512, 0, IR, INV,
	  1, 2 },
	{ "VERIFY(16) BYTCHK 10b", PDT_SBC, { 0x8f, 0x04 }, 16, 512, 0, IR, INV,
	  1, 2 },
	{ "VERIFY(12) VRPROTECT 001b", PDT_SBC, { 0xaf, 0x20 }, 12, 512, 0, IR,
	  INV, 1, 7 },
	{ "ORWRITE(16) ORPROTECT 010b", PDT_SBC, { 0x8b, 0x40 }, 16, 512, 0, IR,
	  INV, 1, 7 },
	{ "PRE-FETCH(10) reserved bit 0", PDT_SBC, { 0x34, 0x01 }, 10, 512, 0,
	  IR, INV, 1, 0 },
	{ "VERIFY(10) FUA is reserved", PDT_SBC, { 0x2f, 0x08 }, 10, 512, 0, IR,
	  INV, 1, 3 },
	{ "WRITE AND VERIFY(16) bit 2", PDT_SBC, { 0x8e, 0x04 }, 16, 512, 0, IR,
	  INV, 1, 2 },
	{ "WRITE SAME(10) has no NDOB", PDT_SBC, { 0x41, 0x01 }, 10, 512, 0, IR,
	  INV, 1, 0 },
	{ "WRITE SAME(16) ANCHOR", PDT_SBC, { 0x93, 0x18 }, 16, 512, 0, IR, INV,
	  1, 4 },
	{ "WRITE SAME(16) LBDATA", PDT_SBC, { 0x93, 0x02 }, 16, 512, 0, IR, INV,
	  1, 1 },
	{ "UNMAP ANCHOR", PDT_SBC, { 0x42, 0x01 }, 10, 512, 0, IR, INV, 1, 0 },
	{ "COMPARE AND WRITE reserved byte 12", PDT_SBC,
	  { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 1 }, 16, 512, 0, IR,
	  INV, 12, 0 },
	{ "MODE SELECT(6) SP", PDT_SBC, { 0x15, 0x11, 0, 0, 12 }, 6, 512, 0, IR,
	  INV, 1, 0 },
	{ "MODE SENSE(6) LLBAA is 10-byte only", PDT_SBC, { 0x1a, 0x10 }, 6,
	  512, 0, IR, INV, 1, 4 },
	{ "REPORT LUNS reserved byte 10", PDT_SBC,
	  { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0x80 }, 12, 512, 0, IR, INV, 10,
	  7 },
	{ "MMC GET EVENT STATUS NOTIFICATION asynchronous", PDT_MMC,
	  { 0x4a, 0x00, 0, 0, 0x10, 0, 0, 0, 8 }, 10, 2048, 0, IR, INV, 1, 0 },
	{ "MMC GET CONFIGURATION RT 11b", PDT_MMC, { 0x46, 0x03 }, 10, 2048, 0,
	  IR, INV, 1, 1 },
	{ "MMC READ CAPACITY has no LBA", PDT_MMC, { 0x25, 0, 0, 0, 0, 1 }, 10,
	  2048, 0, IR, INV, 5, 0 },
	{ "READ(10) over the maximum transfer length", PDT_SBC,
	  { 0x28, 0, 0, 0, 0, 0, 0, 0, 129, 0 }, 10, 512, 128, IR, INV, 7, 7 },
	{ "READ(6) 0 = 256 over the maximum", PDT_SBC, { 0x08 }, 6, 512, 128,
	  IR, INV, 4, 7 },
	{ "WRITE(16) over the maximum", PDT_SBC,
	  { 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0 }, 16, 512, 0xffff,
	  IR, INV, 10, 7 },
	{ "VERIFY(10) over the maximum", PDT_SBC,
	  { 0x2f, 0, 0, 0, 0, 0, 0, 0x01, 0 }, 10, 512, 0xff, IR, INV, 7, 7 },
	{ "MMC READ(12) over the maximum", PDT_MMC,
	  { 0xa8, 0, 0, 0, 0, 0, 0, 0, 0x01, 0 }, 12, 2048, 0xff, IR, INV, 6,
	  7 },
	{ "READ(10) without a block size", PDT_SBC, { 0x28 }, 10, 0, 0,
	  KTGT_KEY_NOT_READY, KTGT_ASC_MEDIUM_NOT_PRESENT, -1, -1 },
	{ "MMC READ(12) without a medium", PDT_MMC, { 0xa8 }, 12, 0, 0,
	  KTGT_KEY_NOT_READY, KTGT_ASC_MEDIUM_NOT_PRESENT, -1, -1 },
	{ "reserved bit beats no medium", PDT_SBC, { 0x28, 0x04 }, 10, 0, 0,
	  IR, INV, 1, 2 },
};

static void check_err(const char *what, int ret,
		      const struct ktgt_sense_info *err, u8 key, u8 asc,
		      int field, int bit)
{
	if (!ret)
		fail_msg("%s: decoded, expected an error", what);
	assert_int_equal(ret, -EINVAL);
	if (err->key != key || err->asc != asc || err->ascq)
		fail_msg("%s: sense %#x/%#x/%#x, expected %#x/%#x/0", what,
			 err->key, err->asc, err->ascq, key, asc);
	if (field < 0) {
		if (err->has_field)
			fail_msg("%s: unexpected field pointer", what);
		return;
	}
	if (!err->has_field || !err->cd)
		fail_msg("%s: no CDB field pointer", what);
	if (err->field != field || err->bit != bit)
		fail_msg("%s: field %u bit %d, expected field %d bit %d", what,
			 err->field, err->bit, field, bit);
	assert_false(err->has_info);
}

static void test_err_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *k = &err_cases[i];
		struct ktgt_cdb_limits lim = {
			.block_size = k->bs,
			.max_xfer_blocks = k->max,
		};
		struct ktgt_sense_info err;
		struct ktgt_cdb c;
		int ret;

		memset(&err, 0xa5, sizeof(err));
		ret = ktgt_cdb_decode(table(k->pdt), k->cdb, k->len, &lim, &c,
				      &err);
		check_err(k->what, ret, &err, k->key, k->asc, k->field, k->bit);
	}
}

/* A CDB for @d with every optional bit clear that decodes successfully. */
static void baseline(const struct ktgt_cdb_desc *d, u8 *cdb)
{
	memset(cdb, 0, KTGT_CDB_MAX_LEN);
	cdb[0] = d->opcode;
	if (d->flags & KTGT_CDB_F_SA)
		cdb[d->sa_off] = d->sa;
	if (d->rule == KTGT_RULE_GESN)
		cdb[1] |= 0x01;		/* POLLED */
}

static u8 allowed_bits(const struct ktgt_cdb_desc *d, unsigned int byte)
{
	u8 allowed = d->usage[byte];

	if ((d->flags & KTGT_CDB_F_SA) && byte == d->sa_off)
		allowed |= d->sa_mask;
	return allowed;
}

/*
 * Whether byte 1 bits 7:5 of @d are RDPROTECT, WRPROTECT, VRPROTECT or
 * ORPROTECT (SBC-3), a field the bit pointer names by its bit 7: every
 * READ, WRITE, VERIFY, WRITE AND VERIFY, WRITE SAME, COMPARE AND WRITE
 * and ORWRITE CDB but the 6-byte ones; or REPORT TARGET PORT GROUPS'
 * PARAMETER DATA FORMAT (SPC-4). Listed here, not taken from the
 * decoder's tables, so that the test does not trust what it tests.
 */
static bool protect_field(const struct ktgt_cdb_table *tbl,
			  const struct ktgt_cdb_desc *d)
{
	static const u8 ops[] = { 0x28, 0x2a, 0x2e, 0x2f, 0x41, 0x88, 0x89,
				  0x8a, 0x8b, 0x8e, 0x8f, 0x93, 0xa8, 0xaa,
				  0xae, 0xaf };
	size_t i;

	/* REPORT TARGET PORT GROUPS: PARAMETER DATA FORMAT, any type. */
	if (d->opcode == 0xa3 && d->sa == 0x0a)
		return true;
	if (tbl != table(PDT_SBC))
		return false;
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (d->opcode == ops[i])
			return true;
	return false;
}

static int decode(const struct ktgt_cdb_table *tbl, const u8 *cdb,
		  size_t len, u32 bs, u32 max, struct ktgt_cdb *c,
		  struct ktgt_sense_info *err)
{
	struct ktgt_cdb_limits lim = { .block_size = bs,
				       .max_xfer_blocks = max };

	return ktgt_cdb_decode(tbl, cdb, len, &lim, c, err);
}

static void test_baselines_decode(void **state)
{
	size_t t, i;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);

		for (i = 0; i < ktgt_cdb_table_size(tbl); i++) {
			const struct ktgt_cdb_desc *d =
				ktgt_cdb_table_desc(tbl, i);
			struct ktgt_sense_info err;
			struct ktgt_cdb c;
			u8 cdb[KTGT_CDB_MAX_LEN];

			baseline(d, cdb);
			if (decode(tbl, cdb, d->len, 512, 0, &c, &err))
				fail_msg("%s: baseline %s fails", tbl->name,
					 d->name);
			assert_ptr_equal(c.desc, d);
			assert_int_equal(c.sa,
					 (d->flags & KTGT_CDB_F_SA) ? d->sa : 0);
		}
	}
}

/*
 * Every bit the usage mask does not allow, in every byte of every
 * command: INVALID FIELD IN CDB pointing at exactly that byte and bit.
 */
static void test_every_reserved_bit(void **state)
{
	unsigned int checked = 0;
	size_t t, i;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);

		for (i = 0; i < ktgt_cdb_table_size(tbl); i++) {
			const struct ktgt_cdb_desc *d =
				ktgt_cdb_table_desc(tbl, i);
			unsigned int byte;
			int bit;

			for (byte = 1; byte < d->len; byte++) {
				for (bit = 0; bit < 8; bit++) {
					struct ktgt_sense_info err;
					struct ktgt_cdb c;
					u8 cdb[KTGT_CDB_MAX_LEN];
					char what[128];
					int ret;

					if (allowed_bits(d, byte) & (1U << bit))
						continue;
					baseline(d, cdb);
					cdb[byte] |= 1U << bit;
					ret = decode(tbl, cdb, d->len, 512, 0,
						     &c, &err);
					snprintf(what, sizeof(what),
						 "%s %s byte %u bit %d",
						 tbl->name, d->name, byte, bit);
					check_err(what, ret, &err, IR, INV,
						  byte,
						  byte == 1 && bit >= 5 &&
						  protect_field(tbl, d) ?
						  7 : bit);
					assert_ptr_equal(c.desc, d);
					checked++;
				}
			}
		}
	}
	/* Sanity: most CDB bits are reserved. */
	assert_true(checked > 1000);
}

/*
 * Which allowed bits, set alone on the baseline, trip a command's own
 * field rule.
 */
static bool rule_error(const struct ktgt_cdb_desc *d, unsigned int byte,
		       int bit, int *efield, int *ebit)
{
	switch (d->rule) {
	case KTGT_RULE_INQUIRY:
		/* PAGE CODE without EVPD. */
		if (byte == 2) {
			*efield = 2;
			*ebit = 7;
			return true;
		}
		break;
	case KTGT_RULE_RCAP:
		/* LBA without PMI. */
		if (byte >= d->lba_off && byte < d->lba_off + d->lba_width) {
			*efield = d->lba_off;
			*ebit = 7;
			return true;
		}
		break;
	case KTGT_RULE_VERIFY:
		/* BYTCHK 10b. */
		if (byte == 1 && bit == 2) {
			*efield = 1;
			*ebit = 2;
			return true;
		}
		break;
	case KTGT_RULE_GESN:
		/* Clearing POLLED. */
		if (byte == 1 && bit == 0) {
			*efield = 1;
			*ebit = 0;
			return true;
		}
		break;
	case KTGT_RULE_SPACE:
		/* SPACE CODE 0100b (setmarks) and 1000b. */
		if (byte == 1 && bit >= 2) {
			*efield = 1;
			*ebit = 3;
			return true;
		}
		break;
	case KTGT_RULE_RES:
		/* ELEMENT TYPE CODE 1000b (and any above 4h). */
		if (byte == 1 && bit == 3) {
			*efield = 1;
			*ebit = 3;
			return true;
		}
		break;
	case KTGT_RULE_RSOC:
		/* REPORTING OPTIONS 100b. */
		if (byte == 2 && bit == 2) {
			*efield = 2;
			*ebit = 2;
			return true;
		}
		break;
	default:
		break;
	}
	return false;
}

/* And every allowed bit alone is accepted (the masks are not too tight). */
static void test_every_allowed_bit(void **state)
{
	size_t t, i;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);

		for (i = 0; i < ktgt_cdb_table_size(tbl); i++) {
			const struct ktgt_cdb_desc *d =
				ktgt_cdb_table_desc(tbl, i);
			unsigned int byte;
			int bit;

			for (byte = 1; byte < d->len; byte++) {
				u8 allowed = d->usage[byte];

				if ((d->flags & KTGT_CDB_F_SA) &&
				    byte == d->sa_off)
					allowed &= ~d->sa_mask;
				for (bit = 0; bit < 8; bit++) {
					struct ktgt_sense_info err;
					struct ktgt_cdb c;
					u8 cdb[KTGT_CDB_MAX_LEN];
					char what[128];
					int ret, efield, ebit;

					if (!(allowed & (1U << bit)))
						continue;
					baseline(d, cdb);
					cdb[byte] ^= 1U << bit;
					ret = decode(tbl, cdb, d->len, 512, 0,
						     &c, &err);
					snprintf(what, sizeof(what),
						 "%s %s byte %u bit %d",
						 tbl->name, d->name, byte, bit);
					if (rule_error(d, byte, bit, &efield,
						       &ebit))
						check_err(what, ret, &err, IR,
							  INV, efield, ebit);
					else if (ret)
						fail_msg("%s: refused", what);
				}
			}
		}
	}
}

/* Every opcode a table lacks is INVALID COMMAND OPERATION CODE. */
static void test_all_opcodes(void **state)
{
	size_t t;
	unsigned int op;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);
		unsigned int supported = 0;

		for (op = 0; op < 256; op++) {
			struct ktgt_sense_info err = { 0 };
			struct ktgt_cdb c;
			u8 cdb[KTGT_CDB_MAX_LEN] = { op };
			bool known = false;
			size_t i;
			int ret;

			for (i = 0; i < ktgt_cdb_table_size(tbl); i++)
				if (ktgt_cdb_table_desc(tbl, i)->opcode == op)
					known = true;
			ret = decode(tbl, cdb, sizeof(cdb), 512, 0, &c, &err);
			if (!known) {
				check_err("unsupported opcode", ret, &err, IR,
					  KTGT_ASC_INVALID_OPCODE, -1, -1);
				assert_null(c.desc);
				continue;
			}
			supported++;
			assert_false(ret && err.asc == KTGT_ASC_INVALID_OPCODE);
		}
		assert_true(supported > 10);
	}
}

/* Every service action an SA opcode lacks points at the SA field. */
static void test_unknown_service_actions(void **state)
{
	static const u8 sa_ops[] = { 0x5e, 0x5f, 0x9e, 0xa3 };
	const struct ktgt_cdb_table *tbl = table(PDT_SBC);
	unsigned int n_ok = 0, n_bad = 0;
	size_t i;
	u16 sa;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sa_ops); i++) {
		for (sa = 0; sa < 32; sa++) {
			const struct ktgt_cdb_desc *d;
			struct ktgt_sense_info err;
			struct ktgt_cdb c;
			u8 cdb[KTGT_CDB_MAX_LEN] = { sa_ops[i], sa };
			bool uses_sa;
			int ret;

			d = ktgt_cdb_lookup(tbl, sa_ops[i], sa, &uses_sa);
			assert_true(uses_sa);
			ret = decode(tbl, cdb, sizeof(cdb), 512, 0, &c, &err);
			if (d) {
				assert_int_equal(ret, 0);
				assert_ptr_equal(c.desc, d);
				assert_int_equal(c.sa, sa);
				n_ok++;
			} else {
				check_err("unknown SA", ret, &err, IR, INV, 1, 4);
				assert_null(c.desc);
				n_bad++;
			}
		}
	}
	/* 4 PR IN + 8 PR OUT + 2 SERVICE ACTION IN(16) + 2 MAINTENANCE IN */
	assert_int_equal(n_ok, 16);
	assert_int_equal(n_bad, 4 * 32 - 16);
}

/* Each command, one byte short: INVALID FIELD IN CDB at byte 0. */
static void test_short_cdbs(void **state)
{
	size_t t, i;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);

		for (i = 0; i < ktgt_cdb_table_size(tbl); i++) {
			const struct ktgt_cdb_desc *d =
				ktgt_cdb_table_desc(tbl, i);
			struct ktgt_sense_info err;
			struct ktgt_cdb c;
			size_t len;
			u8 *cdb;
			int ret;

			for (len = 1; len < d->len; len++) {
				/* Exactly @len bytes, so ASan sees overreads. */
				cdb = malloc(len);
				assert_non_null(cdb);
				memset(cdb, 0, len);
				cdb[0] = d->opcode;
				if ((d->flags & KTGT_CDB_F_SA) &&
				    d->sa_off < len)
					cdb[d->sa_off] = d->sa;
				ret = decode(tbl, cdb, len, 512, 0, &c, &err);
				check_err(d->name, ret, &err, IR, INV, 0, -1);
				free(cdb);
			}
			/* Exact length in an exact buffer decodes. */
			cdb = malloc(d->len);
			assert_non_null(cdb);
			{
				u8 full[KTGT_CDB_MAX_LEN];

				baseline(d, full);
				memcpy(cdb, full, d->len);
			}
			assert_int_equal(decode(tbl, cdb, d->len, 512, 0, &c,
						&err), 0);
			free(cdb);
		}
	}
}

/* NACA and LINK in the CONTROL byte, for every command. */
static void test_naca_every_command(void **state)
{
	size_t t, i;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);

		for (i = 0; i < ktgt_cdb_table_size(tbl); i++) {
			const struct ktgt_cdb_desc *d =
				ktgt_cdb_table_desc(tbl, i);
			struct ktgt_sense_info err;
			struct ktgt_cdb c;
			u8 cdb[KTGT_CDB_MAX_LEN];
			int ret;

			baseline(d, cdb);
			cdb[d->len - 1] = 0x04;
			ret = decode(tbl, cdb, d->len, 512, 0, &c, &err);
			check_err(d->name, ret, &err, IR, INV, d->len - 1, 2);

			baseline(d, cdb);
			cdb[d->len - 1] = 0x01;
			ret = decode(tbl, cdb, d->len, 512, 0, &c, &err);
			check_err(d->name, ret, &err, IR, INV, d->len - 1, 0);
		}
	}
}

/* Bytes past the command's CDB length are not looked at. */
static void test_trailing_bytes_ignored(void **state)
{
	u8 cdb[KTGT_CDB_MAX_LEN] = { 0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0,
				     0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct ktgt_sense_info err;
	struct ktgt_cdb c;

	(void)state;
	assert_int_equal(decode(table(PDT_SBC), cdb, sizeof(cdb), 512, 0, &c,
				&err), 0);
	assert_int_equal(c.lba, 1);
	assert_int_equal(c.nr_blocks, 1);
	assert_int_equal(c.xfer_len, 512);
}

static void test_max_transfer(void **state)
{
	const struct ktgt_cdb_table *tbl = table(PDT_SBC);
	u8 r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 128, 0 };
	u8 ws16[16] = { 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0 };
	u8 sc10[10] = { 0x35, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0 };
	u8 r6[6] = { 0x08 };
	struct ktgt_sense_info err;
	struct ktgt_cdb c;

	(void)state;
	/* At the limit, and no limit. */
	assert_int_equal(decode(tbl, r10, 10, 512, 128, &c, &err), 0);
	assert_int_equal(c.nr_blocks, 128);
	r10[8] = 129;
	assert_int_equal(decode(tbl, r10, 10, 512, 0, &c, &err), 0);
	assert_int_equal(decode(tbl, r10, 10, 512, 128, &c, &err), -EINVAL);
	assert_int_equal(err.field, 7);
	/* READ(6) 0 = 256 is exactly a 256-block limit. */
	assert_int_equal(decode(tbl, r6, 6, 512, 256, &c, &err), 0);
	assert_int_equal(decode(tbl, r6, 6, 512, 255, &c, &err), -EINVAL);
	/* WRITE SAME and SYNCHRONIZE CACHE have their own limits. */
	assert_int_equal(decode(tbl, ws16, 16, 512, 128, &c, &err), 0);
	assert_int_equal(c.nr_blocks, 0x10000);
	assert_int_equal(decode(tbl, sc10, 10, 512, 128, &c, &err), 0);
	assert_int_equal(c.nr_blocks, 0xffff);
}

static void test_no_block_size_needed(void **state)
{
	u8 inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	u8 sc[10] = { 0x35 };
	u8 um[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	struct ktgt_sense_info err;
	struct ktgt_cdb c;

	(void)state;
	assert_int_equal(decode(table(PDT_MMC), inq, 6, 0, 0, &c, &err), 0);
	assert_int_equal(decode(table(PDT_SBC), sc, 10, 0, 0, &c, &err), 0);
	assert_int_equal(decode(table(PDT_SBC), um, 10, 0, 0, &c, &err), 0);
	assert_int_equal(c.xfer_len, 24);
}

static void check_range_err(const struct ktgt_cdb *c, u64 cap)
{
	struct ktgt_sense_info err;

	memset(&err, 0xa5, sizeof(err));
	assert_int_equal(ktgt_cdb_check_range(c, cap, &err), -ERANGE);
	assert_int_equal(err.key, KTGT_KEY_ILLEGAL_REQUEST);
	assert_int_equal(err.asc, KTGT_ASC_LBA_OUT_OF_RANGE);
	assert_int_equal(err.ascq, 0);
	assert_false(err.has_field);
	assert_false(err.has_info);
}

static void test_lba_range(void **state)
{
	const struct ktgt_cdb_table *tbl = table(PDT_SBC);
	u8 r16[16] = { 0x88 };
	struct ktgt_sense_info err;
	struct ktgt_cdb c;
	const u64 cap = 1000;

	(void)state;
	/* Last block, and a range ending exactly at the end. */
	put_unaligned_be64(cap - 1, r16 + 2);
	put_unaligned_be32(1, r16 + 10);
	assert_int_equal(decode(tbl, r16, 16, 512, 0, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, cap, &err), 0);
	put_unaligned_be64(cap - 10, r16 + 2);
	put_unaligned_be32(10, r16 + 10);
	assert_int_equal(decode(tbl, r16, 16, 512, 0, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, cap, &err), 0);

	/* One block past the end. */
	put_unaligned_be32(11, r16 + 10);
	assert_int_equal(decode(tbl, r16, 16, 512, 0, &c, &err), 0);
	check_range_err(&c, cap);

	/* LBA = capacity, even with no blocks. */
	put_unaligned_be64(cap, r16 + 2);
	put_unaligned_be32(0, r16 + 10);
	assert_int_equal(decode(tbl, r16, 16, 512, 0, &c, &err), 0);
	check_range_err(&c, cap);

	/* lba + nr wraps around 2^64. */
	put_unaligned_be64(~0ULL - 1, r16 + 2);
	put_unaligned_be32(4, r16 + 10);
	assert_int_equal(decode(tbl, r16, 16, 512, 0, &c, &err), 0);
	check_range_err(&c, cap);
	check_range_err(&c, ~0ULL);
	put_unaligned_be32(1, r16 + 10);
	assert_int_equal(decode(tbl, r16, 16, 512, 0, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, ~0ULL, &err), 0);

	/* Empty medium. */
	put_unaligned_be64(0, r16 + 2);
	put_unaligned_be32(0, r16 + 10);
	assert_int_equal(decode(tbl, r16, 16, 512, 0, &c, &err), 0);
	check_range_err(&c, 0);
}

static void test_lba_range_other_commands(void **state)
{
	const struct ktgt_cdb_table *tbl = table(PDT_SBC);
	u8 sc16[16] = { 0x91, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0 };
	u8 gls[16] = { 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 32 };
	u8 caw[16] = { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 0, 2, 0, 0 };
	u8 r6[6] = { 0x08, 0, 0, 0xf0, 0, 0 };
	u8 rc16[16] = { 0x9e, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0, 0, 0, 32, 0x01, 0 };
	struct ktgt_sense_info err;
	struct ktgt_cdb c;

	(void)state;
	/* SYNCHRONIZE CACHE, 0 blocks: from the LBA to the end. */
	assert_int_equal(decode(tbl, sc16, 16, 512, 0, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, 11, &err), 0);
	check_range_err(&c, 10);
	/* GET LBA STATUS: only the starting LBA. */
	assert_int_equal(decode(tbl, gls, 16, 512, 0, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, 0x1001, &err), 0);
	check_range_err(&c, 0x1000);
	/* COMPARE AND WRITE: the blocks, not the doubled transfer. */
	assert_int_equal(decode(tbl, caw, 16, 512, 0, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, 101, &err), 0);
	check_range_err(&c, 100);
	/* READ(6) 0 = 256 blocks. */
	assert_int_equal(decode(tbl, r6, 6, 512, 0, &c, &err), 0);
	assert_int_equal(ktgt_cdb_check_range(&c, 0xf0 + 256, &err), 0);
	check_range_err(&c, 0xf0 + 255);
	/* No range on READ CAPACITY, whatever its LBA. */
	assert_int_equal(decode(tbl, rc16, 16, 512, 0, &c, &err), 0);
	assert_int_equal(c.lba, ~0ULL);
	assert_int_equal(ktgt_cdb_check_range(&c, 1, &err), 0);
}

static void test_lookup_and_usage_data(void **state)
{
	const struct ktgt_cdb_table *sbc = table(PDT_SBC);
	const struct ktgt_cdb_table *mmc = table(PDT_MMC);
	static const u8 r10_usage[10] = { 0x28, 0x18, 0xff, 0xff, 0xff, 0xff,
					  0x1f, 0xff, 0xff, 0x00 };
	static const u8 rc16_usage[16] = { 0x9e, 0x10, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0x01, 0x00 };
	const struct ktgt_cdb_desc *d;
	u8 buf[KTGT_CDB_MAX_LEN + 4];
	bool uses_sa;

	(void)state;
	assert_null(ktgt_cdb_table_for_type(0x02));
	assert_int_equal(table(PDT_SMC)->pdt, PDT_SMC);
	assert_null(ktgt_cdb_table_for_type(0x1f));
	assert_int_equal(table(PDT_SSC)->pdt, PDT_SSC);
	assert_int_equal(sbc->pdt, PDT_SBC);
	assert_int_equal(mmc->pdt, PDT_MMC);

	d = ktgt_cdb_lookup(sbc, 0x28, 0x55, &uses_sa);
	assert_non_null(d);
	assert_false(uses_sa);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ktgt_cdb_usage_data(d, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, r10_usage, 10);
	assert_int_equal(buf[10], 0xee);
	/* Truncated copy. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ktgt_cdb_usage_data(d, buf, 3), 10);
	assert_memory_equal(buf, r10_usage, 3);
	assert_int_equal(buf[3], 0xee);

	d = ktgt_cdb_lookup(sbc, 0x9e, 0x10, &uses_sa);
	assert_non_null(d);
	assert_true(uses_sa);
	assert_int_equal(ktgt_cdb_usage_data(d, buf, sizeof(buf)), 16);
	assert_memory_equal(buf, rc16_usage, 16);
	assert_null(ktgt_cdb_lookup(sbc, 0x9e, 0x11, &uses_sa));
	assert_true(uses_sa);
	assert_null(ktgt_cdb_lookup(sbc, 0x9e, 0x110, NULL));
	assert_null(ktgt_cdb_lookup(sbc, 0xff, 0, &uses_sa));
	assert_false(uses_sa);
	assert_null(ktgt_cdb_lookup(mmc, 0x2a, 0, NULL));
	assert_non_null(ktgt_cdb_lookup(mmc, 0x46, 0, NULL));
	assert_non_null(ktgt_cdb_lookup(mmc, 0xa3, 0x0c, NULL));

	/* Iteration past the end. */
	assert_null(ktgt_cdb_table_desc(sbc, ktgt_cdb_table_size(sbc)));
	assert_null(ktgt_cdb_table_desc(mmc, ~0U));
}

static bool has_flag(const struct ktgt_cdb_table *tbl, u8 op, u16 sa,
		     u32 flag)
{
	const struct ktgt_cdb_desc *d = ktgt_cdb_lookup(tbl, op, sa, NULL);

	assert_non_null(d);
	return d->flags & flag;
}

static void test_flags(void **state)
{
	const struct ktgt_cdb_table *sbc = table(PDT_SBC);
	size_t i;

	(void)state;
	/* Allowed with a pending UNIT ATTENTION: exactly these three. */
	for (i = 0; i < ktgt_cdb_table_size(sbc); i++) {
		const struct ktgt_cdb_desc *d = ktgt_cdb_table_desc(sbc, i);
		bool ua = d->opcode == 0x12 || d->opcode == 0xa0 ||
			  d->opcode == 0x03;

		assert_int_equal(!!(d->flags & KTGT_CDB_F_ALLOW_UA), ua);
		/* Block transfers need the block size. */
		if (d->xfer == KTGT_XFER_BLOCKS)
			assert_true(d->flags & KTGT_CDB_F_NEEDS_BS);
		/* FUA is only honoured where the mask lets it through. */
		if (d->flags & KTGT_CDB_F_FUA)
			assert_true(d->usage[1] & 0x08);
		if (d->flags & KTGT_CDB_F_DPO)
			assert_true(d->usage[1] & 0x10);
	}
	assert_true(has_flag(sbc, 0x12, 0, KTGT_CDB_F_ALLOW_RESV));
	assert_true(has_flag(sbc, 0xa0, 0, KTGT_CDB_F_ALLOW_RESV));
	assert_true(has_flag(sbc, 0x5e, 0, KTGT_CDB_F_ALLOW_RESV));
	assert_false(has_flag(sbc, 0x28, 0, KTGT_CDB_F_ALLOW_RESV));
	assert_true(has_flag(sbc, 0x28, 0, KTGT_CDB_F_MEDIUM_READ));
	assert_false(has_flag(sbc, 0x28, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_true(has_flag(sbc, 0x2a, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_true(has_flag(sbc, 0x89, 0, KTGT_CDB_F_MEDIUM_READ));
	assert_true(has_flag(sbc, 0x89, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_true(has_flag(sbc, 0x42, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_true(has_flag(sbc, 0x8a, 0, KTGT_CDB_F_FUA));
	assert_false(has_flag(sbc, 0x0a, 0, KTGT_CDB_F_FUA));
}

/*
 * MMC: GET CONFIGURATION and GET EVENT STATUS NOTIFICATION are allowed
 * with a pending unit attention (an initiator polls for a medium change
 * with them), besides SPC's three; the READs leave the range check to
 * the handler, which reports a missing medium first.
 */
static void test_mmc_flags(void **state)
{
	const struct ktgt_cdb_table *mmc = table(PDT_MMC);
	struct ktgt_sense_info err;
	struct ktgt_cdb c;
	size_t i;

	(void)state;
	for (i = 0; i < ktgt_cdb_table_size(mmc); i++) {
		const struct ktgt_cdb_desc *d = ktgt_cdb_table_desc(mmc, i);
		bool ua = d->opcode == 0x12 || d->opcode == 0xa0 ||
			  d->opcode == 0x03 || d->opcode == 0x46 ||
			  d->opcode == 0x4a;

		assert_int_equal(!!(d->flags & KTGT_CDB_F_ALLOW_UA), ua);
	}
	assert_false(has_flag(mmc, 0x28, 0, KTGT_CDB_F_RANGE));
	assert_false(has_flag(mmc, 0xa8, 0, KTGT_CDB_F_RANGE));
	assert_true(has_flag(mmc, 0x28, 0, KTGT_CDB_F_MAX_XFER));
	/* READ(10) of LBA 0 on an empty drive (capacity 0) passes. */
	{
		static const u8 r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

		assert_int_equal(decode(mmc, r10, 10, 2048, 0, &c, &err), 0);
		assert_int_equal(ktgt_cdb_check_range(&c, 0, &err), 0);
	}
}

/*
 * SSC: no command has a logical block address range; the medium access
 * commands are marked for persistent reservations; READ POSITION has
 * exactly the two short-form service actions and the long and extended
 * forms, the latter only for pass-through (KTGT_CDB_F_PASS, like every
 * command vtape does not implement); the variable-length
 * READ(6)/WRITE(6) are not bound by the block limit, only by what the
 * core's buffer may hold.
 */
static void test_ssc_flags(void **state)
{
	const struct ktgt_cdb_table *ssc = table(PDT_SSC);
	static const u8 r6[6] = { 0x08, 0x00, 0xff, 0xff, 0xff, 0 };
	struct ktgt_sense_info err;
	struct ktgt_cdb c;
	unsigned int n_ok = 0;
	size_t i;
	u16 sa;

	(void)state;
	for (i = 0; i < ktgt_cdb_table_size(ssc); i++) {
		const struct ktgt_cdb_desc *d = ktgt_cdb_table_desc(ssc, i);
		bool ua = d->opcode == 0x12 || d->opcode == 0xa0 ||
			  d->opcode == 0x03;

		assert_int_equal(!!(d->flags & KTGT_CDB_F_ALLOW_UA), ua);
		assert_false(d->flags & KTGT_CDB_F_RANGE);
		assert_false(d->flags & KTGT_CDB_F_NEEDS_BS);
	}
	assert_true(has_flag(ssc, 0x08, 0, KTGT_CDB_F_MEDIUM_READ));
	assert_true(has_flag(ssc, 0x0a, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_true(has_flag(ssc, 0x10, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_true(has_flag(ssc, 0x19, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_false(has_flag(ssc, 0x11, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_false(has_flag(ssc, 0x01, 0, KTGT_CDB_F_MEDIUM_WRITE));
	assert_true(has_flag(ssc, 0x05, 0, KTGT_CDB_F_ALLOW_RESV));
	assert_true(has_flag(ssc, 0x13, 0, KTGT_CDB_F_MEDIUM_READ));
	for (i = 0; i < ktgt_cdb_table_size(ssc); i++) {
		const struct ktgt_cdb_desc *d = ktgt_cdb_table_desc(ssc, i);
		bool pass = d->opcode == 0x13 || d->opcode == 0x4c ||
			    d->opcode == 0x8c || d->opcode == 0x91 ||
			    d->opcode == 0x92 ||
			    (d->opcode == 0x34 && d->sa > 1);

		assert_int_equal(!!(d->flags & KTGT_CDB_F_PASS), pass);
	}
	/*
	 * Beyond the SSC set, only LOG SELECT (of the SPC set, for every
	 * device type pass-through serves) is pass-through only.
	 */
	for (i = 0; i < ARRAY_SIZE(all_pdts); i++) {
		const struct ktgt_cdb_table *t = table(all_pdts[i]);
		size_t k;

		for (k = 0; k < ktgt_cdb_table_size(t); k++) {
			const struct ktgt_cdb_desc *d =
				ktgt_cdb_table_desc(t, k);

			if (all_pdts[i] != PDT_SSC || d->opcode == 0x4c)
				assert_int_equal(!!(d->flags & KTGT_CDB_F_PASS),
						 d->opcode == 0x4c);
		}
		assert_true(has_flag(t, 0x4c, 0, KTGT_CDB_F_PASS));
	}

	for (sa = 0; sa < 32; sa++) {
		u8 cdb[10] = { 0x34, (u8)sa };
		int ret = decode(ssc, cdb, 10, 512, 0, &c, &err);

		if (sa <= 1 || sa == 6 || sa == 8) {
			assert_int_equal(ret, 0);
			assert_int_equal(c.sa, sa);
			assert_int_equal(c.xfer_len, sa <= 1 ? 20 :
						     sa == 6 ? 32 : 0);
			n_ok++;
		} else {
			check_err("READ POSITION SA", ret, &err, IR, INV, 1, 4);
		}
	}
	assert_int_equal(n_ok, 4);

	/* 16 MiB - 1 bytes, variable: decoded; the core's buffer refuses. */
	assert_int_equal(decode(ssc, r6, 6, 512, 16, &c, &err), 0);
	assert_int_equal(c.nr_blocks, 0);
	assert_int_equal(c.xfer_len, 0xffffff);
}

static unsigned int key_of(const struct ktgt_cdb_desc *d)
{
	return d->opcode << 8 | ((d->flags & KTGT_CDB_F_SA) ? d->sa : 0);
}

/* The invariants the decoder relies on, for one descriptor. */
static void check_desc(const struct ktgt_cdb_table *tbl, unsigned int s,
		       unsigned int i)
{
	const struct ktgt_cdb_desc *d = &tbl->sets[s].descs[i];
	unsigned int j, k;

	assert_non_null(d->name);
	assert_true(d->len == 6 || d->len == 10 || d->len == 12 ||
		    d->len == 16);
	assert_int_equal(d->usage[0], d->opcode);
	for (j = d->len; j < KTGT_CDB_MAX_LEN; j++)
		assert_int_equal(d->usage[j], 0);
	/* NACA and LINK are never allowed. */
	assert_int_equal(d->usage[d->len - 1] & 0x05, 0);
	assert_true(d->dir <= KTGT_DIR_BIDI);
	assert_true(d->lba_width <= 8 && d->len_width <= 4);
	assert_true(d->lba_off + d->lba_width <= d->len);
	assert_true(d->len_off + d->len_width <= d->len);

	/* Field bytes are fully allowed (READ(6)'s LBA shares a byte). */
	for (j = 0; j < d->len_width; j++)
		assert_int_equal(d->usage[d->len_off + j], 0xff);
	for (j = d->rule == KTGT_RULE_RW6 ? 1 : 0; j < d->lba_width; j++)
		assert_int_equal(d->usage[d->lba_off + j], 0xff);

	assert_true(d->xfer == KTGT_XFER_NONE || d->xfer == KTGT_XFER_FIXED ||
		    d->len_width);
	if (d->xfer == KTGT_XFER_NONE)
		assert_int_equal(d->dir, KTGT_DIR_NONE);
	else if (d->xfer != KTGT_XFER_RANGE)
		assert_int_not_equal(d->dir, KTGT_DIR_NONE);
	if (d->flags & KTGT_CDB_F_RANGE)
		assert_true(d->lba_width);
	if (d->flags & KTGT_CDB_F_MAX_XFER)
		assert_true(d->len_width);

	if (d->flags & KTGT_CDB_F_SA) {
		assert_true(d->sa_off > 0 && d->sa_off < d->len);
		assert_int_equal(d->sa & ~d->sa_mask, 0);
		assert_int_equal(d->usage[d->sa_off] & d->sa_mask, d->sa);
	} else {
		assert_int_equal(d->sa, 0);
	}

	/* Sorted, no duplicates, one SA layout per opcode. */
	if (i > 0) {
		const struct ktgt_cdb_desc *p = &tbl->sets[s].descs[i - 1];

		if (key_of(p) >= key_of(d))
			fail_msg("%s: %s out of order", tbl->name, d->name);
		if (p->opcode == d->opcode) {
			assert_int_equal(p->sa_off, d->sa_off);
			assert_int_equal(p->sa_mask, d->sa_mask);
			assert_int_equal(p->flags & KTGT_CDB_F_SA,
					 d->flags & KTGT_CDB_F_SA);
		}
	}

	/* Found by lookup; its opcode lives in this set only. */
	assert_ptr_equal(ktgt_cdb_lookup(tbl, d->opcode, d->sa, NULL), d);
	for (j = 0; j < tbl->nr_sets; j++) {
		const struct ktgt_cdb_set *o = &tbl->sets[j];

		for (k = 0; j != s && k < o->nr; k++)
			assert_int_not_equal(o->descs[k].opcode, d->opcode);
	}
}

static void test_table_invariants(void **state)
{
	size_t t;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);
		unsigned int s, i, n = 0;

		assert_non_null(tbl->name);
		for (s = 0; s < tbl->nr_sets; s++) {
			for (i = 0; i < tbl->sets[s].nr; i++, n++) {
				assert_ptr_equal(ktgt_cdb_table_desc(tbl, n),
						 &tbl->sets[s].descs[i]);
				check_desc(tbl, s, i);
			}
		}
		assert_int_equal(n, ktgt_cdb_table_size(tbl));
	}
}

/* ktgt_get_be() of every width, at every offset of a buffer, by hand. */
static void test_get_be(void **state)
{
	u8 buf[24];
	unsigned int i, off, w;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(0x81 + 37 * i);
	for (off = 0; off + 8 <= sizeof(buf); off++) {
		for (w = 0; w <= 8; w++) {
			u64 want = 0;

			for (i = 0; i < w; i++)
				want = want << 8 | buf[off + i];
			assert_int_equal(ktgt_get_be(buf + off, w), want);
		}
	}
}

/*
 * ktgt_cdb_is_rw() holds for exactly the eight READ and WRITE opcodes,
 * which in a disk's table are plain medium reads and writes; the engine
 * skips the tests of execution for special commands on its word.
 */
static void test_is_rw(void **state)
{
	static const u8 rw[] = {
		0x08, 0x0a, 0x28, 0x2a, 0x88, 0x8a, 0xa8, 0xaa,
	};
	const struct ktgt_cdb_table *sbc = table(PDT_SBC);
	unsigned int op, i;

	(void)state;
	for (op = 0; op < 256; op++) {
		bool want = false;

		for (i = 0; i < ARRAY_SIZE(rw); i++)
			want |= rw[i] == op;
		assert_int_equal(ktgt_cdb_is_rw((u8)op), want);
	}
	for (i = 0; i < ARRAY_SIZE(rw); i++) {
		const struct ktgt_cdb_desc *d;
		u32 f;

		d = ktgt_cdb_lookup(sbc, rw[i], 0, NULL);
		assert_non_null(d);
		f = d->flags & (KTGT_CDB_F_MEDIUM_READ |
				KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_ATOMIC);
		assert_true(f == KTGT_CDB_F_MEDIUM_READ ||
			    f == KTGT_CDB_F_MEDIUM_WRITE);
		assert_true(!strncmp(d->name, "READ(", 5) ||
			    !strncmp(d->name, "WRITE(", 6));
	}
}

/*
 * After ktgt_cdb_init(): every opcode of every table is found where a
 * scan of its sets finds it first (the lowest service action), and an
 * opcode no set has is not found.
 */
static void test_opcode_index(void **state)
{
	unsigned int t, op, s, i;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(all_pdts); t++) {
		const struct ktgt_cdb_table *tbl = table(all_pdts[t]);

		for (op = 0; op < 256; op++) {
			const struct ktgt_cdb_desc *want = NULL, *got;
			bool uses_sa;

			for (s = 0; s < tbl->nr_sets && !want; s++)
				for (i = 0; i < tbl->sets[s].nr && !want; i++)
					if (tbl->sets[s].descs[i].opcode == op)
						want = &tbl->sets[s].descs[i];
			assert_int_equal(tbl->index[op].state,
					 want ? KTGT_CDB_OP_PRESENT :
					 KTGT_CDB_OP_ABSENT);
			got = ktgt_cdb_lookup(tbl, op, want ? want->sa : 0,
					      &uses_sa);
			assert_ptr_equal(got, want);
			assert_int_equal(uses_sa,
					 want && (want->flags & KTGT_CDB_F_SA));
		}
	}
}

int main(void)
{
	const struct CMUnitTest indexed[] = {
		cmocka_unit_test(test_opcode_index),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_invariants),
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_cases_cover_every_command),
		cmocka_unit_test(test_err_cases),
		cmocka_unit_test(test_baselines_decode),
		cmocka_unit_test(test_every_reserved_bit),
		cmocka_unit_test(test_every_allowed_bit),
		cmocka_unit_test(test_all_opcodes),
		cmocka_unit_test(test_unknown_service_actions),
		cmocka_unit_test(test_short_cdbs),
		cmocka_unit_test(test_naca_every_command),
		cmocka_unit_test(test_trailing_bytes_ignored),
		cmocka_unit_test(test_max_transfer),
		cmocka_unit_test(test_no_block_size_needed),
		cmocka_unit_test(test_lba_range),
		cmocka_unit_test(test_lba_range_other_commands),
		cmocka_unit_test(test_lookup_and_usage_data),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_mmc_flags),
		cmocka_unit_test(test_ssc_flags),
		cmocka_unit_test(test_get_be),
		cmocka_unit_test(test_is_rw),
	};

	int ret;

	/*
	 * Twice: first as the fuzzers run the decoder, searching the sets,
	 * then as the kernel does, from the index ktgt_cdb_init() builds.
	 */
	ret = cmocka_run_group_tests_name("cdb", tests, NULL, NULL);
	ktgt_cdb_init();
	ret |= cmocka_run_group_tests_name("cdb-indexed", tests, NULL, NULL);
	ret |= cmocka_run_group_tests_name("cdb-index", indexed, NULL, NULL);
	return ret;
}
