// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt: table-driven SCSI CDB decoder (SPC-4, SBC-3, SSC-3, MMC-6, SMC-3).
 *
 * Portable: no kernel dependencies beyond portable.h, so the host unit
 * tests and the fuzzer run exactly this code. Everything here parses
 * bytes an initiator sent; nothing may be read past the CDB length the
 * caller gave.
 *
 * The usage masks follow what ktgt implements rather than everything the
 * standards define, so that an unsupported feature is refused with the
 * exact field pointer instead of being silently ignored:
 *
 * - no protection information: RDPROTECT, WRPROTECT, VRPROTECT and
 *   ORPROTECT are not in the masks (KTGT_CDB_F_B1_TOP3 says where they
 *   are, for the bit pointer, as for REPORT TARGET PORT GROUPS' PARAMETER
 *   DATA FORMAT);
 * - no NACA and no linked commands: the CONTROL byte mask is 0 (except the
 *   obsolete MMC READ TOC format bits, which Linux's sr still sends);
 * - no anchored logical blocks (ANC_SUP = 0): ANCHOR is not in the WRITE
 *   SAME and UNMAP masks;
 * - no saved mode pages: SP is not in the MODE SELECT masks;
 * - no saved log parameters and no PPC: SP and PPC are not in the LOG
 *   SENSE mask;
 * - no third-party RESERVE/RELEASE: those commands take no parameter data;
 * - FUA_NV and the obsolete RELADR bits are refused; DPO is accepted and
 *   may be ignored; GROUP NUMBER is accepted and ignored.
 *
 * Every set below must stay sorted by opcode, then service action: the
 * lookup is a binary search (tests/host/test_cdb.c checks the order).
 */
#include "cdb.h"

/* SPC-4 commands every device type supports. */
static const struct ktgt_cdb_desc spc_descs[] = {
	{
		.name = "TEST UNIT READY",
		.opcode = 0x00,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.flags = KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "REQUEST SENSE",
		.opcode = 0x03,
		.len = 6, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 4, .len_width = 1,
		.flags = KTGT_CDB_F_ALLOW_RESV | KTGT_CDB_F_ALLOW_UA,
		.usage = { 0x03, 0x01, 0x00, 0x00, 0xff, 0x00 },
	},
	{
		.name = "INQUIRY",
		.opcode = 0x12,
		.len = 6, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.rule = KTGT_RULE_INQUIRY,
		.len_off = 3, .len_width = 2,
		.flags = KTGT_CDB_F_ALLOW_RESV | KTGT_CDB_F_ALLOW_UA,
		.usage = { 0x12, 0x01, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "MODE SELECT(6)",
		.opcode = 0x15,
		.len = 6, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 4, .len_width = 1,
		.usage = { 0x15, 0x10, 0x00, 0x00, 0xff, 0x00 },
	},
	{
		.name = "RESERVE(6)",
		.opcode = 0x16,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x16, 0x00, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "RELEASE(6)",
		.opcode = 0x17,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x17, 0x00, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "MODE SENSE(6)",
		.opcode = 0x1a,
		.len = 6, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 4, .len_width = 1,
		.usage = { 0x1a, 0x08, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		/*
		 * SPC-4 6.5, for pass-through only (the log pages the core
		 * and the handlers have are not changeable): PCR and SP, PC,
		 * PAGE CODE and SUBPAGE CODE are the device's to check; the
		 * PARAMETER LIST LENGTH sizes the data.
		 */
		.name = "LOG SELECT",
		.opcode = 0x4c,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_PASS,
		.usage = { 0x4c, 0x03, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		/*
		 * SPC-4 6.6: no saved log parameters (SP) and no PPC; the
		 * pages and PARAMETER POINTER are core/spc_data.c's to check.
		 * "Allowed" under every persistent reservation type.
		 */
		.name = "LOG SENSE",
		.opcode = 0x4d,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x4d, 0x00, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "MODE SELECT(10)",
		.opcode = 0x55,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.usage = { 0x55, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "RESERVE(10)",
		.opcode = 0x56,
		.len = 10, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00 },
	},
	{
		.name = "RELEASE(10)",
		.opcode = 0x57,
		.len = 10, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x57, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00 },
	},
	{
		.name = "MODE SENSE(10)",
		.opcode = 0x5a,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.usage = { 0x5a, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE IN/READ KEYS",
		.opcode = 0x5e, .sa = 0x00, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE IN/READ RESERVATION",
		.opcode = 0x5e, .sa = 0x01, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5e, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE IN/REPORT CAPABILITIES",
		.opcode = 0x5e, .sa = 0x02, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5e, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE IN/READ FULL STATUS",
		.opcode = 0x5e, .sa = 0x03, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5e, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/REGISTER",
		.opcode = 0x5f, .sa = 0x00, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x00, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/RESERVE",
		.opcode = 0x5f, .sa = 0x01, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x01, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/RELEASE",
		.opcode = 0x5f, .sa = 0x02, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x02, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/CLEAR",
		.opcode = 0x5f, .sa = 0x03, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x03, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/PREEMPT",
		.opcode = 0x5f, .sa = 0x04, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x04, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/PREEMPT AND ABORT",
		.opcode = 0x5f, .sa = 0x05, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x05, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/REGISTER AND IGNORE EXISTING KEY",
		.opcode = 0x5f, .sa = 0x06, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x06, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PERSISTENT RESERVE OUT/REGISTER AND MOVE",
		.opcode = 0x5f, .sa = 0x07, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 5, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x5f, 0x07, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "REPORT LUNS",
		.opcode = 0xa0,
		.len = 12, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_ALLOW_RESV | KTGT_CDB_F_ALLOW_UA,
		.usage = { 0xa0, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff,
			   0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "REPORT TARGET PORT GROUPS",
		.opcode = 0xa3, .sa = 0x0a, .sa_off = 1, .sa_mask = 0x1f,
		.len = 12, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0xa3, 0x2a, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
			   0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "REPORT SUPPORTED OPERATION CODES",
		.opcode = 0xa3, .sa = 0x0c, .sa_off = 1, .sa_mask = 0x1f,
		.len = 12, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.rule = KTGT_RULE_RSOC,
		.len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0xa3, 0x0c, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x00, 0x00 },
	},
	{
		/* ALUA (core/alua.c) */
		.name = "SET TARGET PORT GROUPS",
		.opcode = 0xa4, .sa = 0x0a, .sa_off = 1, .sa_mask = 0x1f,
		.len = 12, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_SA,
		.usage = { 0xa4, 0x0a, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
			   0xff, 0xff, 0x00, 0x00 },
	},
};

/* SBC-3 direct-access block devices. */
static const struct ktgt_cdb_desc sbc_descs[] = {
	{
		.name = "READ(6)",
		.opcode = 0x08,
		.len = 6, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_RW6,
		.lba_off = 1, .lba_width = 3, .len_off = 4, .len_width = 1,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER,
		.usage = { 0x08, 0x1f, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "WRITE(6)",
		.opcode = 0x0a,
		.len = 6, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_RW6,
		.lba_off = 1, .lba_width = 3, .len_off = 4, .len_width = 1,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER,
		.usage = { 0x0a, 0x1f, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "START STOP UNIT",
		.opcode = 0x1b,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x1b, 0x01, 0x00, 0x0f, 0xf7, 0x00 },
	},
	{
		.name = "PREVENT ALLOW MEDIUM REMOVAL",
		.opcode = 0x1e,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x1e, 0x00, 0x00, 0x00, 0x03, 0x00 },
	},
	{
		.name = "READ CAPACITY(10)",
		.opcode = 0x25,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_FIXED,
		.rule = KTGT_RULE_RCAP,
		.lba_off = 2, .lba_width = 4,
		.fixed_len = 8,
		.flags = KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x25, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
			   0x01, 0x00 },
	},
	{
		.name = "READ(10)",
		.opcode = 0x28,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0x28, 0x18, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "WRITE(10)",
		.opcode = 0x2a,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0x2a, 0x18, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "WRITE AND VERIFY(10)",
		.opcode = 0x2e,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_WRITE_VERIFY,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_MEDIUM_WRITE |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0x2e, 0x12, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "VERIFY(10)",
		.opcode = 0x2f,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_RANGE,
		.rule = KTGT_RULE_VERIFY,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_DPO |
			 KTGT_CDB_F_NEEDS_BS | KTGT_CDB_F_RANGE |
			 KTGT_CDB_F_MAX_XFER | KTGT_CDB_F_B1_TOP3,
		.usage = { 0x2f, 0x16, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "PRE-FETCH(10)",
		.opcode = 0x34,
		.len = 10, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_RANGE,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE,
		.usage = { 0x34, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "SYNCHRONIZE CACHE(10)",
		.opcode = 0x35,
		.len = 10, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_RANGE,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_RANGE,
		.usage = { 0x35, 0x06, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "WRITE SAME(10)",
		.opcode = 0x41,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_RANGE,
		.rule = KTGT_RULE_WRITE_SAME,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_B1_TOP3,
		.usage = { 0x41, 0x08, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "UNMAP",
		.opcode = 0x42,
		.len = 10, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_THIN,
		.usage = { 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	/* EXTENDED COPY, RECEIVE COPY RESULTS: core/xcopy.c */
	{
		.name = "EXTENDED COPY(LID1)",
		.opcode = 0x83, .sa = 0x00, .sa_off = 1, .sa_mask = 0x1f,
		.len = 16, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BYTES,
		.len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_SA,
		.usage = { 0x83, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "RECEIVE COPY RESULTS(COPY STATUS)",
		.opcode = 0x84, .sa = 0x00, .sa_off = 1, .sa_mask = 0x1f,
		.len = 16, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x84, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "RECEIVE COPY RESULTS(OPERATING PARAMETERS)",
		.opcode = 0x84, .sa = 0x03, .sa_off = 1, .sa_mask = 0x1f,
		.len = 16, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x84, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "RECEIVE COPY RESULTS(FAILED SEGMENT DETAILS)",
		.opcode = 0x84, .sa = 0x04, .sa_off = 1, .sa_mask = 0x1f,
		.len = 16, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x84, 0x04, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "READ(16)",
		.opcode = 0x88,
		.len = 16, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0x88, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "COMPARE AND WRITE",
		.opcode = 0x89,
		.len = 16, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_CAW,
		.lba_off = 2, .lba_width = 8, .len_off = 13, .len_width = 1,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_MEDIUM_WRITE |
			 KTGT_CDB_F_ATOMIC | KTGT_CDB_F_FUA | KTGT_CDB_F_DPO |
			 KTGT_CDB_F_NEEDS_BS | KTGT_CDB_F_RANGE |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0x89, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x00, 0x00, 0x00, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "WRITE(16)",
		.opcode = 0x8a,
		.len = 16, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0x8a, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "ORWRITE(16)",
		.opcode = 0x8b,
		.len = 16, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_MEDIUM_WRITE |
			 KTGT_CDB_F_ATOMIC | KTGT_CDB_F_FUA | KTGT_CDB_F_DPO |
			 KTGT_CDB_F_NEEDS_BS | KTGT_CDB_F_RANGE |
			 KTGT_CDB_F_MAX_XFER | KTGT_CDB_F_B1_TOP3,
		.usage = { 0x8b, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "WRITE AND VERIFY(16)",
		.opcode = 0x8e,
		.len = 16, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_WRITE_VERIFY,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_MEDIUM_WRITE |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0x8e, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "VERIFY(16)",
		.opcode = 0x8f,
		.len = 16, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_RANGE,
		.rule = KTGT_RULE_VERIFY,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_DPO |
			 KTGT_CDB_F_NEEDS_BS | KTGT_CDB_F_RANGE |
			 KTGT_CDB_F_MAX_XFER | KTGT_CDB_F_B1_TOP3,
		.usage = { 0x8f, 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "PRE-FETCH(16)",
		.opcode = 0x90,
		.len = 16, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_RANGE,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE,
		.usage = { 0x90, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "SYNCHRONIZE CACHE(16)",
		.opcode = 0x91,
		.len = 16, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_RANGE,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_RANGE,
		.usage = { 0x91, 0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "WRITE SAME(16)",
		.opcode = 0x93,
		.len = 16, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_RANGE,
		.rule = KTGT_RULE_WRITE_SAME,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_B1_TOP3,
		.usage = { 0x93, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "READ CAPACITY(16)",
		.opcode = 0x9e, .sa = 0x10, .sa_off = 1, .sa_mask = 0x1f,
		.len = 16, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.rule = KTGT_RULE_RCAP,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x9e, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00 },
	},
	{
		.name = "GET LBA STATUS",
		.opcode = 0x9e, .sa = 0x12, .sa_off = 1, .sa_mask = 0x1f,
		.len = 16, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.lba_off = 2, .lba_width = 8, .len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_RANGE,
		.usage = { 0x9e, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "READ(12)",
		.opcode = 0xa8,
		.len = 12, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 4, .len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0xa8, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "WRITE(12)",
		.opcode = 0xaa,
		.len = 12, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 4, .len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0xaa, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "WRITE AND VERIFY(12)",
		.opcode = 0xae,
		.len = 12, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_WRITE_VERIFY,
		.lba_off = 2, .lba_width = 4, .len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_MEDIUM_WRITE |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_RANGE | KTGT_CDB_F_MAX_XFER |
			 KTGT_CDB_F_B1_TOP3,
		.usage = { 0xae, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x1f, 0x00 },
	},
	{
		.name = "VERIFY(12)",
		.opcode = 0xaf,
		.len = 12, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_RANGE,
		.rule = KTGT_RULE_VERIFY,
		.lba_off = 2, .lba_width = 4, .len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_DPO |
			 KTGT_CDB_F_NEEDS_BS | KTGT_CDB_F_RANGE |
			 KTGT_CDB_F_MAX_XFER | KTGT_CDB_F_B1_TOP3,
		.usage = { 0xaf, 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x1f, 0x00 },
	},
};

/*
 * MMC-6 CD/DVD devices: what Linux's sr and cdrom drivers need. READ(10)
 * and READ(12) have no KTGT_CDB_F_RANGE: the medium may be absent or
 * change while commands wait, so the handler checks the range against
 * the medium it reads, after NOT READY, MEDIUM NOT PRESENT. GET
 * CONFIGURATION and GET EVENT STATUS NOTIFICATION are allowed with a
 * pending unit attention and leave it pending (MMC-6): an initiator
 * polls with them for a medium change.
 */
static const struct ktgt_cdb_desc mmc_descs[] = {
	{
		.name = "START STOP UNIT",
		.opcode = 0x1b,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x1b, 0x01, 0x00, 0x0f, 0xf7, 0x00 },
	},
	{
		.name = "PREVENT ALLOW MEDIUM REMOVAL",
		.opcode = 0x1e,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x1e, 0x00, 0x00, 0x00, 0x03, 0x00 },
	},
	{
		.name = "READ CAPACITY",
		.opcode = 0x25,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_FIXED,
		.fixed_len = 8,
		.flags = KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00 },
	},
	{
		.name = "READ(10)",
		.opcode = 0x28,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 4, .len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_MAX_XFER,
		.usage = { 0x28, 0x18, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "READ TOC/PMA/ATIP",
		.opcode = 0x43,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.usage = { 0x43, 0x02, 0x0f, 0x00, 0x00, 0x00, 0xff, 0xff,
			   0xff, 0xc0 },
	},
	{
		.name = "GET CONFIGURATION",
		.opcode = 0x46,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.rule = KTGT_RULE_GET_CONFIG,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_ALLOW_UA,
		.usage = { 0x46, 0x03, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "GET EVENT STATUS NOTIFICATION",
		.opcode = 0x4a,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.rule = KTGT_RULE_GESN,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_ALLOW_UA,
		.usage = { 0x4a, 0x01, 0x00, 0x00, 0xff, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "READ DISC INFORMATION",
		.opcode = 0x51,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.usage = { 0x51, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "READ TRACK INFORMATION",
		.opcode = 0x52,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.usage = { 0x52, 0x07, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "READ(12)",
		.opcode = 0xa8,
		.len = 12, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BLOCKS,
		.lba_off = 2, .lba_width = 4, .len_off = 6, .len_width = 4,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_FUA |
			 KTGT_CDB_F_DPO | KTGT_CDB_F_NEEDS_BS |
			 KTGT_CDB_F_MAX_XFER,
		.usage = { 0xa8, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x80, 0x00 },
	},
	{
		.name = "MECHANISM STATUS",
		.opcode = 0xbd,
		.len = 12, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 8, .len_width = 2,
		.usage = { 0xbd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0xff, 0xff, 0x00, 0x00 },
	},
};

/*
 * SSC-3 sequential-access (tape) devices: what Linux's st driver and
 * mt-st need. No logical block addresses: the position is the tape's, so
 * nothing has KTGT_CDB_F_RANGE, and READ(6)/WRITE(6) count blocks of the
 * current fixed block length (lim->block_size: what the handler's
 * ->xfer_block_size says, vtape's or the drive's block length, 0 in
 * variable mode) with FIXED = 1, bytes of one variable-length block with
 * FIXED = 0 (KTGT_RULE_SSC_RW6). The handler checks FIXED against its
 * mode (block length 0 in the mode parameter block descriptor:
 * variable). LOCATE(10)'s
 * BLOCK ADDRESS is decoded as the LBA. SPACE(6) codes other than blocks,
 * filemarks, sequential filemarks and end-of-data (setmarks are obsolete)
 * are refused (KTGT_RULE_SPACE). IMMED is accepted and may be ignored
 * (the command then completes when done).
 *
 * Real tape software also sends, through a pass-through drive (pt_tape),
 * commands that handlers/vtape does not implement: VERIFY(6), the long
 * and extended forms of READ POSITION (service actions 06h, 08h), READ
 * ATTRIBUTE, SPACE(16) and LOCATE(16). They are decoded here with
 * KTGT_CDB_F_PASS, so that pt_tape passes them with the right data
 * direction and length; vtape refuses them, and REPORT SUPPORTED
 * OPERATION CODES does not list them for it. LOG SENSE, and LOG SELECT
 * (KTGT_CDB_F_PASS too: for pt_tape, pt_disk and pt_changer), are in
 * the SPC set.
 * SPACE(16)'s PARAMETER LENGTH must be 0 (no data; drives such as HP's
 * LTO require it). LOCATE(16)'s DEST_TYPE is SSC-4's three bits (5:3;
 * SSC-3 defined two, 4:3). READ ATTRIBUTE is left out of every
 * reservation exception (SPC-4 allows it under Write Exclusive; ktgt lets
 * only the holder send it).
 */
static const struct ktgt_cdb_desc ssc_descs[] = {
	{
		.name = "REWIND",
		.opcode = 0x01,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x01, 0x01, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "READ BLOCK LIMITS",
		.opcode = 0x05,
		.len = 6, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_FIXED,
		.fixed_len = 6,
		.flags = KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x05, 0x00, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "READ(6)",
		.opcode = 0x08,
		.len = 6, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_SSC_RW6,
		.len_off = 2, .len_width = 3,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_MAX_XFER,
		.usage = { 0x08, 0x03, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "WRITE(6)",
		.opcode = 0x0a,
		.len = 6, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_SSC_RW6,
		.len_off = 2, .len_width = 3,
		.flags = KTGT_CDB_F_MEDIUM_WRITE | KTGT_CDB_F_MAX_XFER,
		.usage = { 0x0a, 0x01, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "WRITE FILEMARKS(6)",
		.opcode = 0x10,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.len_off = 2, .len_width = 3,
		.flags = KTGT_CDB_F_MEDIUM_WRITE,
		.usage = { 0x10, 0x01, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "SPACE(6)",
		.opcode = 0x11,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.rule = KTGT_RULE_SPACE,
		.len_off = 2, .len_width = 3,
		.usage = { 0x11, 0x0f, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "VERIFY(6)",
		.opcode = 0x13,
		.len = 6, .dir = KTGT_DIR_WRITE, .xfer = KTGT_XFER_BLOCKS,
		.rule = KTGT_RULE_SSC_VERIFY6,
		.len_off = 2, .len_width = 3,
		.flags = KTGT_CDB_F_MEDIUM_READ | KTGT_CDB_F_PASS,
		.usage = { 0x13, 0x3f, 0xff, 0xff, 0xff, 0x00 },
	},
	{
		.name = "ERASE(6)",
		.opcode = 0x19,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.flags = KTGT_CDB_F_MEDIUM_WRITE,
		.usage = { 0x19, 0x03, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "LOAD UNLOAD",
		.opcode = 0x1b,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x1b, 0x01, 0x00, 0x00, 0x0f, 0x00 },
	},
	{
		.name = "PREVENT ALLOW MEDIUM REMOVAL",
		.opcode = 0x1e,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x1e, 0x00, 0x00, 0x00, 0x01, 0x00 },
	},
	{
		.name = "LOCATE(10)",
		.opcode = 0x2b,
		.len = 10, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.lba_off = 3, .lba_width = 4,
		.usage = { 0x2b, 0x07, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00,
			   0xff, 0x00 },
	},
	{
		.name = "READ POSITION(SHORT FORM)",
		.opcode = 0x34, .sa = 0x00, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_FIXED,
		.fixed_len = 20,
		.flags = KTGT_CDB_F_SA,
		.usage = { 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00 },
	},
	{
		.name = "READ POSITION(SHORT FORM, VENDOR SPECIFIC)",
		.opcode = 0x34, .sa = 0x01, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_FIXED,
		.fixed_len = 20,
		.flags = KTGT_CDB_F_SA,
		.usage = { 0x34, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00 },
	},
	{
		.name = "READ POSITION(LONG FORM)",
		.opcode = 0x34, .sa = 0x06, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_FIXED,
		.fixed_len = 32,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_PASS,
		.usage = { 0x34, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0x00, 0x00 },
	},
	{
		.name = "READ POSITION(EXTENDED FORM)",
		.opcode = 0x34, .sa = 0x08, .sa_off = 1, .sa_mask = 0x1f,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_SA | KTGT_CDB_F_PASS,
		.usage = { 0x34, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "REPORT DENSITY SUPPORT",
		.opcode = 0x44,
		.len = 10, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 7, .len_width = 2,
		.flags = KTGT_CDB_F_ALLOW_RESV,
		.usage = { 0x44, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
			   0xff, 0x00 },
	},
	{
		.name = "READ ATTRIBUTE",
		.opcode = 0x8c,
		.len = 16, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.len_off = 10, .len_width = 4,
		.flags = KTGT_CDB_F_PASS,
		.usage = { 0x8c, 0x1f, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00 },
	},
	{
		.name = "SPACE(16)",
		.opcode = 0x91,
		.len = 16, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.rule = KTGT_RULE_SPACE,
		.flags = KTGT_CDB_F_PASS,
		.usage = { 0x91, 0x0f, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "LOCATE(16)",
		.opcode = 0x92,
		.len = 16, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.lba_off = 4, .lba_width = 8,
		.flags = KTGT_CDB_F_PASS,
		.usage = { 0x92, 0x3b, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00 },
	},
};

/*
 * SMC-3 medium changers: what Linux's mtx and backup software send to a
 * library (handlers/vtape/vchanger.c). INVERT (MOVE MEDIUM, POSITION TO
 * ELEMENT) and INV1, INV2 (EXCHANGE MEDIUM) are refused: the cartridges
 * have one side. READ ELEMENT
 * STATUS's ELEMENT TYPE CODE above 4 (data transfer) is refused
 * (KTGT_RULE_RES); its VOLTAG, CURDATA and DVCID are accepted.
 * INITIALIZE ELEMENT STATUS WITH RANGE takes RANGE and FAST.
 */
static const struct ktgt_cdb_desc smc_descs[] = {
	{
		.name = "INITIALIZE ELEMENT STATUS",
		.opcode = 0x07,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x07, 0x00, 0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "PREVENT ALLOW MEDIUM REMOVAL",
		.opcode = 0x1e,
		.len = 6, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x1e, 0x00, 0x00, 0x00, 0x01, 0x00 },
	},
	{
		.name = "POSITION TO ELEMENT",
		.opcode = 0x2b,
		.len = 10, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x2b, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
			   0x00, 0x00 },
	},
	{
		.name = "INITIALIZE ELEMENT STATUS WITH RANGE",
		.opcode = 0x37,
		.len = 10, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0x37, 0x03, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff,
			   0x00, 0x00 },
	},
	{
		.name = "MOVE MEDIUM",
		.opcode = 0xa5,
		.len = 12, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0xa5, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0x00, 0x00, 0x00, 0x00 },
	},
	{
		.name = "EXCHANGE MEDIUM",
		.opcode = 0xa6,
		.len = 12, .dir = KTGT_DIR_NONE, .xfer = KTGT_XFER_NONE,
		.usage = { 0xa6, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0x00, 0x00 },
	},
	{
		.name = "READ ELEMENT STATUS",
		.opcode = 0xb8,
		.len = 12, .dir = KTGT_DIR_READ, .xfer = KTGT_XFER_BYTES,
		.rule = KTGT_RULE_RES,
		.len_off = 7, .len_width = 3,
		.usage = { 0xb8, 0x1f, 0xff, 0xff, 0xff, 0xff, 0x03, 0xff,
			   0xff, 0xff, 0x00, 0x00 },
	},
};

static const struct ktgt_cdb_set sbc_sets[] = {
	{ .descs = spc_descs, .nr = ARRAY_SIZE(spc_descs) },
	{ .descs = sbc_descs, .nr = ARRAY_SIZE(sbc_descs) },
};

static const struct ktgt_cdb_set mmc_sets[] = {
	{ .descs = spc_descs, .nr = ARRAY_SIZE(spc_descs) },
	{ .descs = mmc_descs, .nr = ARRAY_SIZE(mmc_descs) },
};

static const struct ktgt_cdb_set ssc_sets[] = {
	{ .descs = spc_descs, .nr = ARRAY_SIZE(spc_descs) },
	{ .descs = ssc_descs, .nr = ARRAY_SIZE(ssc_descs) },
};

static const struct ktgt_cdb_set smc_sets[] = {
	{ .descs = spc_descs, .nr = ARRAY_SIZE(spc_descs) },
	{ .descs = smc_descs, .nr = ARRAY_SIZE(smc_descs) },
};

static struct ktgt_cdb_op_index sbc_index[256];
static struct ktgt_cdb_op_index ssc_index[256];
static struct ktgt_cdb_op_index mmc_index[256];
static struct ktgt_cdb_op_index smc_index[256];

static const struct ktgt_cdb_table ktgt_cdb_tables[] = {
	{
		.name = "sbc",
		.pdt = 0x00,
		.sets = sbc_sets,
		.nr_sets = ARRAY_SIZE(sbc_sets),
		.index = sbc_index,
	},
	{
		.name = "ssc",
		.pdt = 0x01,
		.sets = ssc_sets,
		.nr_sets = ARRAY_SIZE(ssc_sets),
		.index = ssc_index,
	},
	{
		.name = "mmc",
		.pdt = 0x05,
		.sets = mmc_sets,
		.nr_sets = ARRAY_SIZE(mmc_sets),
		.index = mmc_index,
	},
	{
		.name = "smc",
		.pdt = 0x08,
		.sets = smc_sets,
		.nr_sets = ARRAY_SIZE(smc_sets),
		.index = smc_index,
	},
};

const struct ktgt_cdb_table *ktgt_cdb_table_for_type(u8 pdt)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ktgt_cdb_tables); i++)
		if (ktgt_cdb_tables[i].pdt == pdt)
			return &ktgt_cdb_tables[i];
	return NULL;
}

/* Sort key of a descriptor: opcode, then service action. */
static unsigned int desc_key(const struct ktgt_cdb_desc *d)
{
	return (unsigned int)d->opcode << 8 |
	       ((d->flags & KTGT_CDB_F_SA) ? d->sa : 0);
}

/* Index of the first descriptor in @set whose key is >= @key. */
static unsigned int set_lower_bound(const struct ktgt_cdb_set *set,
				    unsigned int key)
{
	unsigned int lo = 0, hi = set->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (desc_key(&set->descs[mid]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The first descriptor of @opcode in @tbl (for an opcode with service
 * actions, the one with the lowest), and the set holding it, by
 * searching the sets.
 */
static const struct ktgt_cdb_desc *
table_search_opcode(const struct ktgt_cdb_table *tbl, u8 opcode,
		    const struct ktgt_cdb_set **setp)
{
	unsigned int i, idx;

	for (i = 0; i < tbl->nr_sets; i++) {
		const struct ktgt_cdb_set *set = &tbl->sets[i];

		idx = set_lower_bound(set, (unsigned int)opcode << 8);
		if (idx < set->nr && set->descs[idx].opcode == opcode) {
			*setp = set;
			return &set->descs[idx];
		}
	}
	return NULL;
}

/* table_search_opcode(), from the table's index once it is built. */
static const struct ktgt_cdb_desc *
table_find_opcode(const struct ktgt_cdb_table *tbl, u8 opcode,
		  const struct ktgt_cdb_set **setp)
{
	const struct ktgt_cdb_op_index *e = &tbl->index[opcode];

	switch (e->state) {
	case KTGT_CDB_OP_PRESENT:
		*setp = &tbl->sets[e->set];
		return &tbl->sets[e->set].descs[e->idx];
	case KTGT_CDB_OP_ABSENT:
		return NULL;
	default:
		return table_search_opcode(tbl, opcode, setp);
	}
}

void ktgt_cdb_init(void)
{
	const struct ktgt_cdb_set *set;
	const struct ktgt_cdb_desc *d;
	unsigned int t, op;

	for (t = 0; t < ARRAY_SIZE(ktgt_cdb_tables); t++) {
		const struct ktgt_cdb_table *tbl = &ktgt_cdb_tables[t];

		for (op = 0; op < 256; op++) {
			struct ktgt_cdb_op_index *e = &tbl->index[op];

			d = table_search_opcode(tbl, op, &set);
			if (!d) {
				e->state = KTGT_CDB_OP_ABSENT;
				continue;
			}
			e->set = set - tbl->sets;
			e->idx = d - set->descs;
			e->state = KTGT_CDB_OP_PRESENT;
		}
	}
}

/* The descriptor of @opcode / @sa in @set, or NULL. */
static const struct ktgt_cdb_desc *set_find_sa(const struct ktgt_cdb_set *set,
					       u8 opcode, u16 sa)
{
	unsigned int key, idx;

	if (sa > 0xff)
		return NULL;
	key = (unsigned int)opcode << 8 | sa;
	idx = set_lower_bound(set, key);
	if (idx < set->nr && desc_key(&set->descs[idx]) == key)
		return &set->descs[idx];
	return NULL;
}

const struct ktgt_cdb_desc *ktgt_cdb_lookup(const struct ktgt_cdb_table *tbl,
					    u8 opcode, u16 sa, bool *uses_sa)
{
	const struct ktgt_cdb_set *set;
	const struct ktgt_cdb_desc *d;

	d = table_find_opcode(tbl, opcode, &set);
	if (uses_sa)
		*uses_sa = d && (d->flags & KTGT_CDB_F_SA);
	if (d && (d->flags & KTGT_CDB_F_SA))
		d = set_find_sa(set, opcode, sa);
	return d;
}

unsigned int ktgt_cdb_table_size(const struct ktgt_cdb_table *tbl)
{
	unsigned int i, n = 0;

	for (i = 0; i < tbl->nr_sets; i++)
		n += tbl->sets[i].nr;
	return n;
}

const struct ktgt_cdb_desc *ktgt_cdb_table_desc(const struct ktgt_cdb_table *tbl,
						unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < tbl->nr_sets; i++) {
		if (idx < tbl->sets[i].nr)
			return &tbl->sets[i].descs[idx];
		idx -= tbl->sets[i].nr;
	}
	return NULL;
}

size_t ktgt_cdb_usage_data(const struct ktgt_cdb_desc *desc, u8 *buf,
			   size_t buflen)
{
	size_t n = desc->len;

	if (n > buflen)
		n = buflen;
	if (n)
		memcpy(buf, desc->usage, n);
	return desc->len;
}

/* The most significant bit set in @v (which is not 0). */
static int top_bit(u8 v)
{
	int bit = 7;

	while (bit > 0 && !(v & (1U << bit)))
		bit--;
	return bit;
}

static int cdb_invalid_field(struct ktgt_sense_info *err, unsigned int byte,
			     int bit)
{
	ktgt_sense_invalid_cdb(err, byte, bit);
	return -EINVAL;
}

/* Every bit outside the usage mask must be zero. */
static int cdb_check_usage(const struct ktgt_cdb_desc *d, const u8 *cdb,
			   struct ktgt_sense_info *err)
{
	unsigned int i;
	u8 any = 0;

	/*
	 * The common case first, without a branch per byte: no bit set
	 * outside the usage mask (a service action's bits are outside it,
	 * so a command with one takes the loop below).
	 */
	for (i = 1; i < d->len; i++)
		any |= cdb[i] & ~d->usage[i];
	if (!any)
		return 0;

	/* Byte 0 is the opcode, already matched. */
	for (i = 1; i < d->len; i++) {
		u8 allowed = d->usage[i];
		u8 bad;

		/* The service action bits were matched by the lookup. */
		if ((d->flags & KTGT_CDB_F_SA) && i == d->sa_off)
			allowed |= d->sa_mask;
		bad = cdb[i] & ~allowed;
		/* SPC-4 4.5.2.4.2: a field's bit pointer is its left-most bit */
		if (i == 1 && (d->flags & KTGT_CDB_F_B1_TOP3) && (bad & 0xe0))
			return cdb_invalid_field(err, i, 7);
		if (bad)
			return cdb_invalid_field(err, i, top_bit(bad));
	}
	return 0;
}

/* Per-command checks and fix-ups beyond the generic decoding. */
static int cdb_apply_rule(const struct ktgt_cdb_desc *d, const u8 *cdb,
			  u32 bs, struct ktgt_cdb *c,
			  struct ktgt_sense_info *err)
{
	switch (d->rule) {
	case KTGT_RULE_RW6:
		/* SBC-3: LBA is 21 bits; 0 blocks means 256. */
		c->lba &= 0x1fffff;
		if (!c->nr_blocks)
			c->nr_blocks = 256;
		c->xfer_len = (u64)c->nr_blocks * bs;
		break;
	case KTGT_RULE_SSC_RW6:
		/*
		 * SSC-3: FIXED (byte 1 bit 0) set, TRANSFER LENGTH counts
		 * blocks of the fixed block length; clear, it is the byte
		 * count of one variable-length block. SILI (READ(6) byte 1
		 * bit 1) with FIXED is invalid (SSC-3 7.2).
		 */
		if (cdb[1] & 0x01) {
			if (cdb[1] & 0x02)
				return cdb_invalid_field(err, 1, 1);
			c->xfer_len = (u64)c->nr_blocks * bs;
		} else {
			c->xfer_len = c->nr_blocks;
			c->nr_blocks = 0;
		}
		break;
	case KTGT_RULE_SPACE:
		/* SSC-3: CODE 0000b-0011b; setmarks are obsolete. */
		if ((cdb[1] & 0x0f) > 0x3)
			return cdb_invalid_field(err, 1, 3);
		break;
	case KTGT_RULE_RES:
		/* SMC-3: ELEMENT TYPE CODE 0h (all) to 4h (data transfer). */
		if ((cdb[1] & 0x0f) > 0x4)
			return cdb_invalid_field(err, 1, 3);
		break;
	case KTGT_RULE_SSC_VERIFY6:
		/*
		 * SSC-4 VERIFY(6): data-out only with BYTCMP (byte 1 bit
		 * 1), counted as by READ(6)/WRITE(6) with FIXED (bit 0).
		 * With VTE (bit 5) the VERIFICATION LENGTH is ignored, with
		 * VBF (bit 3) it counts filemarks: no data count, and
		 * BYTCMP must be zero. VLBPM (bit 4) only adds a check of
		 * the protection method and changes no count.
		 */
		if (!(cdb[1] & 0x02)) {
			c->dir = KTGT_DIR_NONE;
			c->xfer_len = 0;
			if (!(cdb[1] & 0x01))
				c->nr_blocks = 0;
			break;
		}
		if (cdb[1] & 0x28)
			return cdb_invalid_field(err, 1, 1);
		if (cdb[1] & 0x01) {
			c->xfer_len = (u64)c->nr_blocks * bs;
		} else {
			c->xfer_len = c->nr_blocks;
			c->nr_blocks = 0;
		}
		break;
	case KTGT_RULE_VERIFY:
		/* SBC-3: BYTCHK, bits 2:1 of byte 1. */
		switch ((cdb[1] >> 1) & 0x3) {
		case 0x0:
			c->dir = KTGT_DIR_NONE;
			c->xfer_len = 0;
			break;
		case 0x1:
			c->flags |= KTGT_CDB_BYTCHK;
			c->xfer_len = (u64)c->nr_blocks * bs;
			break;
		case 0x2:
			return cdb_invalid_field(err, 1, 2);
		case 0x3:
			/* One block, compared with each block in the range. */
			c->flags |= KTGT_CDB_BYTCHK;
			c->xfer_len = c->nr_blocks ? bs : 0;
			break;
		}
		break;
	case KTGT_RULE_WRITE_VERIFY:
		if (cdb[1] & 0x02)
			c->flags |= KTGT_CDB_BYTCHK;
		break;
	case KTGT_RULE_WRITE_SAME:
		/*
		 * SBC-3: one block of data-out; none with NDOB (SBC-4; byte
		 * 1 bit 0 of WRITE SAME(16) only: the WRITE SAME(10) mask
		 * refuses that bit before this point).
		 */
		if (cdb[1] & 0x08)
			c->flags |= KTGT_CDB_UNMAP;
		if (cdb[1] & 0x01) {
			c->flags |= KTGT_CDB_NDOB;
			c->dir = KTGT_DIR_NONE;
			c->xfer_len = 0;
		} else {
			c->xfer_len = bs;
		}
		break;
	case KTGT_RULE_CAW:
		/* SBC-3: the verify data, then the write data. */
		c->xfer_len = 2 * (u64)c->nr_blocks * bs;
		break;
	case KTGT_RULE_INQUIRY:
		/* SPC-4: PAGE CODE with EVPD = 0 must be 0. */
		if (!(cdb[1] & 0x01) && cdb[2])
			return cdb_invalid_field(err, 2, 7);
		break;
	case KTGT_RULE_RCAP:
		/* SBC-3: PMI is in the byte before CONTROL. */
		if (!(cdb[d->len - 2] & 0x01) && c->lba)
			return cdb_invalid_field(err, d->lba_off, 7);
		break;
	case KTGT_RULE_RSOC:
		/* SPC-4: REPORTING OPTIONS 100b-111b are reserved. */
		if ((cdb[2] & 0x07) > 0x3)
			return cdb_invalid_field(err, 2, 2);
		break;
	case KTGT_RULE_GESN:
		/* MMC-6: asynchronous notification is not supported. */
		if (!(cdb[1] & 0x01))
			return cdb_invalid_field(err, 1, 0);
		break;
	case KTGT_RULE_GET_CONFIG:
		/* MMC-6: RT 11b is reserved. */
		if ((cdb[1] & 0x03) == 0x3)
			return cdb_invalid_field(err, 1, 1);
		break;
	default:
		break;
	}
	return 0;
}

int ktgt_cdb_decode(const struct ktgt_cdb_table *tbl, const u8 *cdb,
		    size_t cdb_len, const struct ktgt_cdb_limits *lim,
		    struct ktgt_cdb *out, struct ktgt_sense_info *err)
{
	const struct ktgt_cdb_set *set;
	const struct ktgt_cdb_desc *d;
	u64 len = 0;
	u8 sa = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cdb_len)
		return cdb_invalid_field(err, 0, -1);

	d = table_find_opcode(tbl, cdb[0], &set);
	if (!d) {
		ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST,
			       KTGT_ASC_INVALID_OPCODE, 0);
		return -EINVAL;
	}
	if (d->flags & KTGT_CDB_F_SA) {
		const struct ktgt_cdb_desc *first = d;

		if (cdb_len <= first->sa_off)
			return cdb_invalid_field(err, 0, -1);
		sa = cdb[first->sa_off] & first->sa_mask;
		d = set_find_sa(set, cdb[0], sa);
		if (!d)
			return cdb_invalid_field(err, first->sa_off,
						 top_bit(first->sa_mask));
	}
	out->desc = d;
	if (cdb_len < d->len)
		return cdb_invalid_field(err, 0, -1);

	ret = cdb_check_usage(d, cdb, err);
	if (ret)
		return ret;

	out->opcode = d->opcode;
	out->sa = sa;
	out->dir = d->dir;
	if (d->lba_width)
		out->lba = ktgt_get_be(cdb + d->lba_off, d->lba_width);
	if (d->len_width)
		len = ktgt_get_be(cdb + d->len_off, d->len_width);

	switch (d->xfer) {
	case KTGT_XFER_FIXED:
		out->xfer_len = d->fixed_len;
		break;
	case KTGT_XFER_BYTES:
		out->xfer_len = len;
		break;
	case KTGT_XFER_BLOCKS:
		out->nr_blocks = (u32)len;
		out->xfer_len = (u64)out->nr_blocks * lim->block_size;
		break;
	case KTGT_XFER_RANGE:
		out->nr_blocks = (u32)len;
		break;
	default:
		break;
	}
	if ((d->flags & KTGT_CDB_F_FUA) && (cdb[1] & 0x08))
		out->flags |= KTGT_CDB_FUA;
	if ((d->flags & KTGT_CDB_F_DPO) && (cdb[1] & 0x10))
		out->flags |= KTGT_CDB_DPO;

	ret = cdb_apply_rule(d, cdb, lim->block_size, out, err);
	if (ret)
		return ret;

	if ((d->flags & KTGT_CDB_F_NEEDS_BS) && !lim->block_size) {
		ktgt_sense_set(err, KTGT_KEY_NOT_READY,
			       KTGT_ASC_MEDIUM_NOT_PRESENT, 0);
		return -EINVAL;
	}
	if ((d->flags & KTGT_CDB_F_MAX_XFER) && lim->max_xfer_blocks &&
	    out->nr_blocks > lim->max_xfer_blocks)
		return cdb_invalid_field(err, d->len_off, 7);
	return 0;
}

int ktgt_cdb_check_range(const struct ktgt_cdb *c, u64 nr_lbas,
			 struct ktgt_sense_info *err)
{
	if (!c->desc || !(c->desc->flags & KTGT_CDB_F_RANGE))
		return 0;
	if (c->lba < nr_lbas && c->nr_blocks <= nr_lbas - c->lba)
		return 0;
	ktgt_sense_set(err, KTGT_KEY_ILLEGAL_REQUEST,
		       KTGT_ASC_LBA_OUT_OF_RANGE, 0);
	return -ERANGE;
}
