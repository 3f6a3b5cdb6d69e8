/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: table-driven SCSI CDB decoder.
 *
 * Each device type has a struct ktgt_cdb_table: an ordered list of
 * descriptor sets (the SPC commands every type shares, plus the type's own
 * set: SBC for disks, SSC for tapes, MMC for CD-ROMs, SMC for medium
 * changers). A descriptor (struct ktgt_cdb_desc) says everything the core needs
 * to know about one operation code / service action before executing it:
 * CDB length, which bits an initiator may set (the usage mask, also the
 * CDB USAGE DATA of REPORT SUPPORTED OPERATION CODES), the data direction,
 * how the transfer length follows from the CDB, and where the LBA is.
 *
 * ktgt_cdb_decode() validates a CDB against its descriptor and yields a
 * struct ktgt_cdb, or fills a struct ktgt_sense_info with the CHECK
 * CONDITION SPC-4/SBC-3 require.
 *
 * Portable: compiles in the kernel and in host tests (see portable.h).
 */
#ifndef KTGT_CDB_H
#define KTGT_CDB_H

#include "portable.h"
#include <ktgt/ktgt_proto.h>
#include "sense.h"

/**
 * define KTGT_CDB_MAX_LEN - longest CDB a descriptor can describe
 */
#define KTGT_CDB_MAX_LEN	16

/**
 * enum ktgt_xfer - how a descriptor's length field is interpreted
 * @KTGT_XFER_NONE: no length field and no data
 * @KTGT_XFER_FIXED: no length field; the data is ktgt_cdb_desc.fixed_len
 *	bytes (e.g. READ CAPACITY(10))
 * @KTGT_XFER_BYTES: the field is a byte count (ALLOCATION LENGTH,
 *	PARAMETER LIST LENGTH); it is the transfer length
 * @KTGT_XFER_BLOCKS: the field counts logical blocks, which are
 *	transferred: transfer length = blocks * block size
 * @KTGT_XFER_RANGE: the field counts logical blocks acted upon but not
 *	transferred (SYNCHRONIZE CACHE); the command's rule may add data
 *	(WRITE SAME, VERIFY)
 */
enum ktgt_xfer {
	KTGT_XFER_NONE,
	KTGT_XFER_FIXED,
	KTGT_XFER_BYTES,
	KTGT_XFER_BLOCKS,
	KTGT_XFER_RANGE,
};

/**
 * enum ktgt_cdb_rule - a command's checks beyond the usage mask
 * @KTGT_RULE_NONE: none
 * @KTGT_RULE_RW6: READ(6)/WRITE(6): TRANSFER LENGTH 0 means 256 blocks
 * @KTGT_RULE_VERIFY: VERIFY: BYTCHK 00b no data, 01b the blocks, 11b one
 *	block, 10b invalid
 * @KTGT_RULE_WRITE_VERIFY: WRITE AND VERIFY: report BYTCHK
 * @KTGT_RULE_WRITE_SAME: WRITE SAME: data-out is one block unless NDOB
 * @KTGT_RULE_CAW: COMPARE AND WRITE: data-out is twice the blocks
 * @KTGT_RULE_INQUIRY: INQUIRY: PAGE CODE must be 0 when EVPD is 0
 * @KTGT_RULE_RCAP: READ CAPACITY: LBA must be 0 when PMI is 0
 * @KTGT_RULE_RSOC: REPORT SUPPORTED OPERATION CODES: REPORTING OPTIONS
 *	above 011b are invalid
 * @KTGT_RULE_GESN: GET EVENT STATUS NOTIFICATION: only polled mode
 * @KTGT_RULE_GET_CONFIG: GET CONFIGURATION: RT 11b is invalid
 * @KTGT_RULE_SSC_RW6: SSC READ(6)/WRITE(6): with FIXED the TRANSFER
 *	LENGTH counts blocks of the block size (and SILI is invalid),
 *	without it bytes (ktgt_cdb.nr_blocks 0, xfer_len the byte count)
 * @KTGT_RULE_SPACE: SPACE(6), SPACE(16): CODE above 0011b is invalid
 * @KTGT_RULE_RES: READ ELEMENT STATUS: ELEMENT TYPE CODE above 4h is
 *	invalid
 * @KTGT_RULE_SSC_VERIFY6: SSC VERIFY(6): data-out only with BYTCMP, then
 *	counted as for KTGT_RULE_SSC_RW6 (also with VLBPM); BYTCMP with VTE
 *	or VBF is invalid (their VERIFICATION LENGTH counts no data)
 *
 * Private to the decoder; listed here only because descriptors name them.
 */
enum ktgt_cdb_rule {
	KTGT_RULE_NONE,
	KTGT_RULE_RW6,
	KTGT_RULE_VERIFY,
	KTGT_RULE_WRITE_VERIFY,
	KTGT_RULE_WRITE_SAME,
	KTGT_RULE_CAW,
	KTGT_RULE_INQUIRY,
	KTGT_RULE_RCAP,
	KTGT_RULE_RSOC,
	KTGT_RULE_GESN,
	KTGT_RULE_GET_CONFIG,
	KTGT_RULE_SSC_RW6,
	KTGT_RULE_SPACE,
	KTGT_RULE_RES,
	KTGT_RULE_SSC_VERIFY6,
};

/*
 * Descriptor flags (ktgt_cdb_desc.flags). The decoder itself uses SA, FUA,
 * DPO, NEEDS_BS, RANGE and MAX_XFER; the rest describe the command for
 * the core:
 *
 * MEDIUM_READ, MEDIUM_WRITE: the command reads / writes logical blocks
 *	(WRITE AND VERIFY and COMPARE AND WRITE have both; SYNCHRONIZE CACHE
 *	has neither), for the Write Exclusive / Exclusive Access checks of
 *	persistent reservations.
 * ALLOW_RESV: "Allowed" for an I_T nexus that does not hold the
 *	persistent reservation, whatever its type (the SPC-4 and SBC-3
 *	tables of commands in the presence of persistent reservations):
 *	INQUIRY, REPORT LUNS, REQUEST SENSE, TEST UNIT READY, READ CAPACITY,
 *	REPORT TARGET PORT GROUPS, REPORT SUPPORTED OPERATION CODES,
 *	PERSISTENT RESERVE IN/OUT (PR OUT then has its own rules). SPC-2
 *	RESERVE/RELEASE conflicts are the core's to decide.
 * ALLOW_UA: processed without reporting or clearing a pending unit
 *	attention (SAM-5): INQUIRY, REPORT LUNS, REQUEST SENSE; for MMC
 *	also GET CONFIGURATION and GET EVENT STATUS NOTIFICATION (MMC-6).
 * RANGE: the core checks the LBA range against the device's capacity
 *	before execution (ktgt_cdb_check_range()). MMC's READs have none:
 *	their handler checks it against the medium, which may be absent.
 * ATOMIC: reads the blocks and writes them back as one uninterrupted
 *	action that no other command accessing them may interleave with
 *	(SBC-3 5.2): COMPARE AND WRITE, ORWRITE. The ordering rules
 *	(order.h) enforce it across I_T nexuses.
 * THIN: supported only by a thin provisioned logical unit (UNMAP, which
 *	SBC-3 5.28 ties to LBPU); REPORT SUPPORTED OPERATION CODES leaves
 *	it out of other logical units' lists.
 * B1_TOP3: byte 1 bits 7:5 are one field: RDPROTECT, WRPROTECT,
 *	VRPROTECT or ORPROTECT (SBC-3), refused as ktgt has no protection
 *	information, or REPORT TARGET PORT GROUPS' PARAMETER DATA FORMAT:
 *	the bit pointer of a refused value names the field's left-most bit,
 *	7, whatever value it holds (SPC-4 4.5.2.4.2).
 * PASS: decoded (data direction and length) so that a pass-through
 *	device can pass it to its device, but emulated by neither the core
 *	nor the handlers of the type: REPORT SUPPORTED OPERATION CODES,
 *	which only emulated logical units answer from these tables (a
 *	pass-through one passes it), leaves it out, and an emulating
 *	handler refuses it.
 */
#define KTGT_CDB_F_SA		BIT(0)	/* opcode has service actions */
#define KTGT_CDB_F_MEDIUM_READ	BIT(1)	/* reads logical blocks */
#define KTGT_CDB_F_MEDIUM_WRITE	BIT(2)	/* writes logical blocks */
#define KTGT_CDB_F_FUA		BIT(3)	/* FUA (byte 1 bit 3) honoured */
#define KTGT_CDB_F_DPO		BIT(4)	/* DPO (byte 1 bit 4) accepted */
#define KTGT_CDB_F_NEEDS_BS	BIT(5)	/* needs the logical block size */
#define KTGT_CDB_F_RANGE	BIT(6)	/* ktgt_cdb_check_range() applies */
#define KTGT_CDB_F_MAX_XFER	BIT(7)	/* bounded by max_xfer_blocks */
#define KTGT_CDB_F_ALLOW_RESV	BIT(8)	/* allowed despite a reservation */
#define KTGT_CDB_F_ALLOW_UA	BIT(9)	/* allowed with a pending UA */
#define KTGT_CDB_F_ATOMIC	BIT(10)	/* read-modify-write, see order.h */
#define KTGT_CDB_F_THIN		BIT(11)	/* only on thin provisioned LUs */
/* byte 1 bits 7:5 are one field (*PROTECT, PARAMETER DATA FORMAT) */
#define KTGT_CDB_F_B1_TOP3	BIT(12)
#define KTGT_CDB_F_PASS		BIT(13)	/* for pass-through only */

/**
 * struct ktgt_cdb_desc - what the decoder knows about one command
 * @name: the command's name in the standard, e.g. "READ(10)"
 * @opcode: OPERATION CODE
 * @sa: SERVICE ACTION, if @flags has KTGT_CDB_F_SA
 * @sa_off: byte holding the service action (all descriptors of an opcode
 *	agree)
 * @sa_mask: the service action's bits in that byte
 * @len: CDB length in bytes
 * @dir: data direction (enum ktgt_data_dir) of the data phase, if any
 * @xfer: how the length field is used (enum ktgt_xfer)
 * @rule: further checks and fix-ups (enum ktgt_cdb_rule)
 * @lba_off: first byte of the LOGICAL BLOCK ADDRESS field
 * @lba_width: its width in bytes, 0 if the CDB has none
 * @len_off: first byte of the length field (transfer length, allocation
 *	length, parameter list length, number of logical blocks)
 * @len_width: its width in bytes, 0 if the CDB has none
 * @fixed_len: the transfer length for KTGT_XFER_FIXED
 * @flags: KTGT_CDB_F_* flags
 * @usage: CDB USAGE DATA as REPORT SUPPORTED OPERATION CODES returns it
 *	(SPC-4): byte 0 is the opcode, the service action bits hold
 *	the service action, and every other bit is 1 if an initiator may set
 *	it. A CDB bit set where @usage has 0 is INVALID FIELD IN CDB.
 */
struct ktgt_cdb_desc {
	const char *name;
	u8 opcode;
	u8 sa;
	u8 sa_off;
	u8 sa_mask;
	u8 len;
	u8 dir;
	u8 xfer;
	u8 rule;
	u8 lba_off;
	u8 lba_width;
	u8 len_off;
	u8 len_width;
	u16 fixed_len;
	u32 flags;
	u8 usage[KTGT_CDB_MAX_LEN];
};

/**
 * struct ktgt_cdb_set - an array of descriptors
 * @descs: the descriptors, sorted by opcode then service action, each
 *	opcode/service action at most once
 * @nr: number of descriptors
 */
struct ktgt_cdb_set {
	const struct ktgt_cdb_desc *descs;
	unsigned int nr;
};

/**
 * struct ktgt_cdb_op_index - where an opcode's first descriptor is
 * @state: KTGT_CDB_OP_UNKNOWN until ktgt_cdb_init() (the lookup then
 *	searches the sets), then KTGT_CDB_OP_ABSENT or KTGT_CDB_OP_PRESENT
 * @set: index of the set holding it, in the table's @sets
 * @idx: index of the descriptor in that set (for an opcode with service
 *	actions, the one with the lowest)
 */
struct ktgt_cdb_op_index {
	u8 state;
	u8 set;
	u16 idx;
};

#define KTGT_CDB_OP_UNKNOWN	0
#define KTGT_CDB_OP_ABSENT	1
#define KTGT_CDB_OP_PRESENT	2

/**
 * struct ktgt_cdb_table - the commands of one device type
 * @name: device type name, e.g. "sbc"
 * @pdt: its PERIPHERAL DEVICE TYPE (INQUIRY data byte 0)
 * @sets: the descriptor sets, searched in order; an opcode lives in one
 *	set only
 * @nr_sets: number of sets
 * @index: 256 entries, one per opcode, filled once by ktgt_cdb_init()
 *	before any lookup can run concurrently and only read afterwards;
 *	the table itself is constant
 */
struct ktgt_cdb_table {
	const char *name;
	u8 pdt;
	const struct ktgt_cdb_set *sets;
	unsigned int nr_sets;
	struct ktgt_cdb_op_index *index;
};

/**
 * ktgt_cdb_init() - index every table's opcodes
 *
 * Makes an opcode's lookup one array access instead of a binary search
 * of each set (two per READ or WRITE of a disk, the second set's). Called
 * once from the core's module init, before any command is decoded; a
 * user-space build of the decoder (the host tests, the fuzzers) may call
 * it or not: until it has run, lookups search the sets, with the same
 * results.
 */
void ktgt_cdb_init(void);

/**
 * struct ktgt_cdb_limits - device parameters the decoder needs
 * @block_size: logical block size in bytes; 0 when unknown (no medium)
 * @max_xfer_blocks: MAXIMUM TRANSFER LENGTH in blocks for commands with
 *	KTGT_CDB_F_MAX_XFER; 0 for no limit
 */
struct ktgt_cdb_limits {
	u32 block_size;
	u32 max_xfer_blocks;
};

/* Decoded command flags (ktgt_cdb.flags). */
#define KTGT_CDB_FUA		BIT(0)	/* force unit access */
#define KTGT_CDB_DPO		BIT(1)	/* disable page out */
#define KTGT_CDB_UNMAP		BIT(2)	/* WRITE SAME: UNMAP */
#define KTGT_CDB_NDOB		BIT(3)	/* WRITE SAME(16): no data-out buffer */
#define KTGT_CDB_BYTCHK		BIT(4)	/* VERIFY / WRITE AND VERIFY: compare */

/**
 * struct ktgt_cdb - a decoded CDB
 * @desc: its descriptor
 * @opcode: OPERATION CODE
 * @sa: SERVICE ACTION, 0 if the opcode has none
 * @dir: data direction (of a transfer of @xfer_len bytes)
 * @lba: LOGICAL BLOCK ADDRESS, 0 if the CDB has none
 * @nr_blocks: number of logical blocks the command acts on (READ(6) 0 is
 *	already 256; for SYNCHRONIZE CACHE and WRITE SAME 0 means "to the
 *	last LBA"; an SSC READ(6)/WRITE(6) with FIXED the blocks, without
 *	it 0), 0 if the CDB has none
 * @xfer_len: expected data transfer in bytes (allocation length for
 *	data-in byte counts, so the core truncates to it)
 * @flags: KTGT_CDB_* flags
 */
struct ktgt_cdb {
	const struct ktgt_cdb_desc *desc;
	u8 opcode;
	u16 sa;
	enum ktgt_data_dir dir;
	u64 lba;
	u32 nr_blocks;
	u64 xfer_len;
	u32 flags;
};

/**
 * ktgt_cdb_table_for_type() - the command table for a device type
 * @pdt: PERIPHERAL DEVICE TYPE: 0x00 direct access (SBC), 0x01 sequential
 *	access (SSC), 0x05 CD/DVD (MMC), 0x08 medium changer (SMC)
 *
 * Return: the table, or NULL if the type has none.
 */
const struct ktgt_cdb_table *ktgt_cdb_table_for_type(u8 pdt);

/**
 * ktgt_cdb_decode() - validate and decode a CDB
 * @tbl: the logical unit's command table
 * @cdb: the CDB bytes
 * @cdb_len: bytes available at @cdb (bytes past the opcode's CDB length
 *	are ignored)
 * @lim: the logical unit's block size and transfer limit
 * @out: decoded command; on error @out->desc is the descriptor if the
 *	opcode (and service action) was recognised, else NULL, and the rest
 *	is unspecified
 * @err: sense to report on error; untouched on success
 *
 * Checks, in order, with the sense set on failure (all ILLEGAL REQUEST
 * unless noted):
 *
 * - unsupported opcode: INVALID COMMAND OPERATION CODE, no field pointer;
 * - unsupported service action: INVALID FIELD IN CDB at the service
 *   action field's most significant bit;
 * - @cdb_len shorter than the command's CDB length: INVALID FIELD IN CDB
 *   with the field pointer at byte 0 (the operation code, which fixes the
 *   length) and no bit pointer, by analogy with SPC-4's rule for a
 *   variable-length CDB shorter than its ADDITIONAL CDB LENGTH;
 * - any bit set that the usage mask does not allow (reserved bits,
 *   unsupported features such as protection information, NACA and LINK
 *   in the CONTROL byte): INVALID FIELD IN CDB at the first such byte and
 *   its highest such bit;
 * - the command's own field rules: INVALID FIELD IN CDB at the field;
 * - a command needing the block size when @lim->block_size is 0: NOT
 *   READY, MEDIUM NOT PRESENT;
 * - more blocks than @lim->max_xfer_blocks: INVALID FIELD IN CDB at the
 *   length field's most significant bit (SBC-3, Block Limits VPD page).
 *
 * Return: 0, or -EINVAL with @err filled in.
 */
int ktgt_cdb_decode(const struct ktgt_cdb_table *tbl, const u8 *cdb,
		    size_t cdb_len, const struct ktgt_cdb_limits *lim,
		    struct ktgt_cdb *out, struct ktgt_sense_info *err);

/**
 * ktgt_cdb_check_range() - check a decoded command's LBA range
 * @c: a command decoded by ktgt_cdb_decode()
 * @nr_lbas: capacity in logical blocks (last LBA + 1)
 * @err: sense to report on error
 *
 * For commands with KTGT_CDB_F_RANGE: the LBA must be below @nr_lbas and
 * LBA + number of blocks must not exceed it, computed without overflow.
 * Other commands always pass.
 *
 * Return: 0, or -ERANGE with @err set to ILLEGAL REQUEST, LBA OUT OF
 * RANGE (no field pointer).
 */
int ktgt_cdb_check_range(const struct ktgt_cdb *c, u64 nr_lbas,
			 struct ktgt_sense_info *err);

/**
 * ktgt_cdb_lookup() - find a command's descriptor
 * @tbl: command table
 * @opcode: OPERATION CODE
 * @sa: SERVICE ACTION; ignored for opcodes without service actions
 * @uses_sa: if not NULL, set to whether @opcode is supported and has
 *	service actions (for REPORT SUPPORTED OPERATION CODES, which must
 *	reject a query that omits or adds a service action)
 *
 * Return: the descriptor, or NULL if not supported.
 */
const struct ktgt_cdb_desc *ktgt_cdb_lookup(const struct ktgt_cdb_table *tbl,
					    u8 opcode, u16 sa, bool *uses_sa);

/**
 * ktgt_cdb_table_size() - number of commands in a table
 * @tbl: command table
 *
 * Return: the number of descriptors, for ktgt_cdb_table_desc().
 */
unsigned int ktgt_cdb_table_size(const struct ktgt_cdb_table *tbl);

/**
 * ktgt_cdb_table_desc() - the descriptors of a table, one by one
 * @tbl: command table
 * @idx: 0 to ktgt_cdb_table_size() - 1
 *
 * The order is stable (sets in order, each sorted by opcode and service
 * action), as REPORT SUPPORTED OPERATION CODES lists them.
 *
 * Return: the descriptor, or NULL if @idx is out of range.
 */
const struct ktgt_cdb_desc *ktgt_cdb_table_desc(const struct ktgt_cdb_table *tbl,
						unsigned int idx);

/**
 * ktgt_cdb_usage_data() - a command's CDB USAGE DATA
 * @desc: the command
 * @buf: destination
 * @buflen: size of @buf; at most that many bytes are copied
 *
 * The bytes REPORT SUPPORTED OPERATION CODES returns for a single command
 * (one-command format), after the CDB SIZE field.
 *
 * Return: the CDB length (the full size of the usage data).
 */
size_t ktgt_cdb_usage_data(const struct ktgt_cdb_desc *desc, u8 *buf,
			   size_t buflen);

/**
 * ktgt_cdb_is_rw() - whether an opcode is READ or WRITE (6, 10, 12, 16)
 * @opcode: operation code
 *
 * 08h, 0Ah, 28h, 2Ah, 88h, 8Ah, A8h and AAh, which are also a tape's
 * READ(6) and WRITE(6): bit 3 set, bits 0, 2, 4 and 6 clear, bits 1, 5
 * and 7 free. None of them is a command the engine answers itself, a
 * reservation command or one that must execute in a thread, so the
 * engine's execution skips those tests for them (core/cmd.c).
 *
 * Return: true for those eight opcodes.
 */
static inline bool ktgt_cdb_is_rw(u8 opcode)
{
	return (opcode & 0x5d) == 0x08;
}

#endif /* KTGT_CDB_H */
