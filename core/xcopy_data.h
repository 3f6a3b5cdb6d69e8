/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: the bytes of EXTENDED COPY (LID1) and RECEIVE COPY RESULTS
 * (SPC-4 6.4, 6.18): the parameter list parser and the builders of the
 * RECEIVE COPY RESULTS data. What the copy manager supports:
 *
 * - target (CSCD) descriptors: only the identification descriptor (E4h)
 *   of a block device (peripheral device type 0), naming the logical unit
 *   by a designator of its VPD page 83h;
 * - segment descriptors: only block device to block device (02h);
 * - no inline or embedded data, no held data (RECEIVE DATA).
 *
 * Portable: compiles in the kernel and in host tests (see portable.h).
 * The kernel side (finding the devices, moving the data, keeping the
 * status for RECEIVE COPY RESULTS) is core/xcopy.c.
 */
#ifndef KTGT_XCOPY_DATA_H
#define KTGT_XCOPY_DATA_H

#include "portable.h"
#include "sense.h"

/* The limits reported in OPERATING PARAMETERS and VPD page 8Fh. */
#define KTGT_XCOPY_MAX_TGT_DESCS	8
#define KTGT_XCOPY_MAX_SEG_DESCS	16
#define KTGT_XCOPY_MAX_DESC_LIST_LEN	1024
#define KTGT_XCOPY_MAX_SEG_BYTES	(64U << 20)
#define KTGT_XCOPY_MAX_CONCURRENT	16

/* Fixed sizes (SPC-4 6.4.3, 6.4.5.5, 6.4.6.6). */
#define KTGT_XCOPY_HDR_LEN		16
#define KTGT_XCOPY_TGT_DESC_LEN		32
#define KTGT_XCOPY_B2B_DESC_LEN		28

/* Descriptor type codes. */
#define KTGT_XCOPY_SEG_B2B		0x02
#define KTGT_XCOPY_TGT_IDENT		0xe4

/* LIST ID USAGE (parameter list byte 1 bits 4:3). */
#define KTGT_XCOPY_LID_HOLD		0x0
#define KTGT_XCOPY_LID_RETAIN		0x2
#define KTGT_XCOPY_LID_NONE		0x3

/* Sense key COPY ABORTED and the ASC/ASCQs of the copy manager. */
#define KTGT_KEY_COPY_ABORTED		0x0a
#define KTGT_ASC_TOO_MANY_TGT_DESCS	0x26	/* ASCQ 06h */
#define KTGT_ASCQ_TOO_MANY_TGT_DESCS	0x06
#define KTGT_ASCQ_UNSUPP_TGT_DESC	0x07
#define KTGT_ASCQ_TOO_MANY_SEG_DESCS	0x08
#define KTGT_ASCQ_UNSUPP_SEG_DESC	0x09
#define KTGT_ASC_UNREACHABLE_TARGET	0x08	/* ASCQ 04h */
#define KTGT_ASCQ_UNREACHABLE_TARGET	0x04
#define KTGT_ASC_COPY_TARGET_ERROR	0x0d	/* ASCQ 02h: not reachable */
#define KTGT_ASCQ_THIRD_PARTY_DEVICE_FAILURE 0x01
#define KTGT_ASCQ_COPY_TARGET_NOT_REACHABLE 0x02
#define KTGT_ASC_WRITE_PROTECTED	0x27	/* ASCQ 00h */

/*
 * Longest COPY ABORTED sense ktgt_xcopy_abort_sense() builds, that of a
 * command's sense buffer (KTGT_SENSE_LEN).
 */
#define KTGT_XCOPY_ABORT_SENSE_MAX	96

/* SENSE DATA SOURCE of a forwarded sense data descriptor (SPC-4). */
#define KTGT_XCOPY_FWD_NONE		0
#define KTGT_XCOPY_FWD_SOURCE		1
#define KTGT_XCOPY_FWD_DEST		2

/* RECEIVE COPY RESULTS service actions (CDB byte 1 bits 4:0). */
#define KTGT_RCR_COPY_STATUS		0x00
#define KTGT_RCR_RECEIVE_DATA		0x01
#define KTGT_RCR_OP_PARAMS		0x03
#define KTGT_RCR_FAILED_SEGMENT		0x04

/* COPY MANAGER STATUS of COPY STATUS data. */
#define KTGT_XCOPY_STATUS_RUNNING	0x00
#define KTGT_XCOPY_STATUS_GOOD		0x01
#define KTGT_XCOPY_STATUS_ERROR		0x02

/* Lengths of the RECEIVE COPY RESULTS data built here. */
#define KTGT_RCR_COPY_STATUS_LEN	12
#define KTGT_RCR_OP_PARAMS_LEN		46
#define KTGT_RCR_FAILED_HDR_LEN		60

/* The length of VPD page 8Fh (THIRD-PARTY COPY, core/spc_data.c). */
#define KTGT_XCOPY_VPD_LEN		92

/**
 * struct ktgt_xcopy_tgt - an identification target descriptor (E4h)
 * @code_set: CODE SET of the designator
 * @assoc: ASSOCIATION (bits 5:4 of byte 1 of the designator)
 * @type: DESIGNATOR TYPE
 * @len: DESIGNATOR LENGTH, at most 20
 * @desig: the designator
 * @block_size: DISK BLOCK LENGTH of the device type specific parameters
 */
struct ktgt_xcopy_tgt {
	u8 code_set;
	u8 assoc;
	u8 type;
	u8 len;
	u8 desig[20];
	u32 block_size;
};

/**
 * struct ktgt_xcopy_seg - a block device to block device segment (02h)
 * @src: SOURCE CSCD DESCRIPTOR INDEX (not checked by the parser:
 *	ktgt_xcopy_check_seg() does, when the segment is processed)
 * @dst: DESTINATION CSCD DESCRIPTOR INDEX (likewise)
 * @nr_blocks: BLOCK DEVICE NUMBER OF LOGICAL BLOCKS (in the source's
 *	blocks, or the destination's if @dc; the parser requires equal
 *	block sizes and at most KTGT_XCOPY_MAX_SEG_BYTES)
 * @src_lba: SOURCE BLOCK DEVICE LOGICAL BLOCK ADDRESS
 * @dst_lba: DESTINATION BLOCK DEVICE LOGICAL BLOCK ADDRESS
 * @dc: DC bit
 * @off: offset of the descriptor in the parameter list
 */
struct ktgt_xcopy_seg {
	u16 src;
	u16 dst;
	u16 nr_blocks;
	u64 src_lba;
	u64 dst_lba;
	bool dc;
	u32 off;
};

/**
 * struct ktgt_xcopy - a parsed EXTENDED COPY parameter list
 * @list_id: LIST IDENTIFIER
 * @list_id_usage: LIST ID USAGE (KTGT_XCOPY_LID_*)
 * @nr_tgts: target descriptors in @tgts
 * @nr_segs: segment descriptors in @segs
 * @tgts: the target descriptors
 * @segs: the segment descriptors, in processing order
 */
struct ktgt_xcopy {
	u8 list_id;
	u8 list_id_usage;
	u16 nr_tgts;
	u16 nr_segs;
	struct ktgt_xcopy_tgt tgts[KTGT_XCOPY_MAX_TGT_DESCS];
	struct ktgt_xcopy_seg segs[KTGT_XCOPY_MAX_SEG_DESCS];
};

/**
 * struct ktgt_xcopy_cscd - what the copy manager found of a target descriptor
 * @found: it names a logical unit the copy manager can reach
 * @read_only: that logical unit is write protected
 * @capacity: its number of logical blocks
 */
struct ktgt_xcopy_cscd {
	bool found;
	bool read_only;
	u64 capacity;
};

/**
 * struct ktgt_xcopy_abort - a COPY ABORTED met while processing a segment
 * @asc: additional sense code
 * @ascq: additional sense code qualifier
 * @seg: the segment descriptor being processed (0-based), for the third
 *	and fourth bytes of the COMMAND-SPECIFIC INFORMATION field
 * @has_field: the SENSE KEY SPECIFIC field holds a segment pointer
 * @sd: SD bit: @field is relative to the start of segment descriptor
 *	@seg, not to the start of the parameter list
 * @bit: BIT POINTER, or -1 for none (BPV = 0)
 * @field: FIELD POINTER
 * @has_resid: data was written to the copy destination in segment @seg:
 *	@resid goes to the INFORMATION field (VALID = 1)
 * @resid: destination blocks of segment @seg not written
 * @fwd: the copy source (KTGT_XCOPY_FWD_SOURCE) or destination
 *	(KTGT_XCOPY_FWD_DEST) whose command failed with @fwd_status and
 *	@fwd_sense, to be forwarded; KTGT_XCOPY_FWD_NONE for none
 * @fwd_status: the status it completed that command with
 * @fwd_len: bytes in @fwd_sense
 * @fwd_sense: its sense data (not kept: only read while building)
 *
 * SPC-4 (EXTENDED COPY, errors detected during processing of segment
 * descriptors): a copy target that cannot be reached, or a command to it
 * that failed, is pointed at by the first byte of its target descriptor
 * (SD = 0); an error in the segment descriptor by the byte in error,
 * here relative to the segment descriptor (SD = 1).
 */
struct ktgt_xcopy_abort {
	u8 asc;
	u8 ascq;
	u16 seg;
	bool has_field;
	bool sd;
	s8 bit;
	u16 field;
	bool has_resid;
	u32 resid;
	u8 fwd;
	u8 fwd_status;
	u8 fwd_len;
	const u8 *fwd_sense;
};

/**
 * ktgt_xcopy_abort_sense() - build the sense data of a COPY ABORTED
 * @buf: destination
 * @buflen: its size (the sense is cut to it)
 * @desc: descriptor format (72h) rather than fixed format (70h)
 * @a: the error
 *
 * Fixed format: 18 bytes, the segment number in bytes 10-11, the
 * segment pointer in bytes 15-17. Descriptor format: an information
 * descriptor if @a->has_resid, a command-specific information
 * descriptor (whose field starts with the four bytes of fixed format's)
 * and a sense key specific descriptor if @a->has_field. At most
 * KTGT_XCOPY_ABORT_SENSE_MAX bytes.
 *
 * The status and sense of a failed command of a copy target (@a->fwd)
 * are forwarded as SPC-4 wants: in fixed format appended to the 18
 * bytes, their offset (18) in the first (copy source) or second (copy
 * destination) byte of the COMMAND-SPECIFIC INFORMATION field, not
 * modified - left out (offset 0) if they do not fit in @buflen; in
 * descriptor format in a forwarded sense data descriptor (0Ch) with
 * the SENSE DATA SOURCE, the status and the sense, cut to fit @buflen
 * with FSDT set if it had to be.
 *
 * Return: the number of bytes written to @buf.
 */
u32 ktgt_xcopy_abort_sense(u8 *buf, u32 buflen, bool desc,
			   const struct ktgt_xcopy_abort *a);

/**
 * ktgt_xcopy_check_seg() - check a segment against its copy targets
 * @x: the parsed parameter list
 * @i: the segment, below @x->nr_segs
 * @t: what the copy manager found of each of @x's target descriptors
 * @a: the error, if the segment cannot be processed
 *
 * What the copy manager checks of a segment before any of its data
 * moves, in this order: its target descriptor indexes (COPY ABORTED,
 * UNREACHABLE COPY TARGET, pointing at the index in the segment
 * descriptor); then, unless it copies no block, that its copy targets
 * were found (UNREACHABLE COPY TARGET, pointing at the target
 * descriptor), that both ranges end within their logical units (COPY
 * TARGET DEVICE NOT REACHABLE, pointing at the segment descriptor's
 * LOGICAL BLOCK ADDRESS field) and that the destination is not write
 * protected (WRITE PROTECTED, pointing at its target descriptor). Each
 * with the segment number of @i.
 *
 * Return: 0, or -EINVAL with @a set.
 */
int ktgt_xcopy_check_seg(const struct ktgt_xcopy *x, u16 i,
			 const struct ktgt_xcopy_cscd *t,
			 struct ktgt_xcopy_abort *a);

/**
 * ktgt_xcopy_tgt_off() - offset of target descriptor @i in the list
 * @i: its index
 *
 * Return: the offset of its first byte.
 */
static inline u32 ktgt_xcopy_tgt_off(u16 i)
{
	return KTGT_XCOPY_HDR_LEN + (u32)i * KTGT_XCOPY_TGT_DESC_LEN;
}

/**
 * ktgt_xcopy_parse() - parse and check an EXTENDED COPY(LID1) parameter list
 * @p: the parameter list (data-out)
 * @len: its length: the PARAMETER LIST LENGTH of the CDB, or less if the
 *	initiator sent less
 * @x: filled with the descriptors
 * @err: the sense if the list is refused
 *
 * Checks, in this order: the list holds its header and the lengths it
 * declares (PARAMETER LIST LENGTH ERROR, also for descriptor lists
 * longer than KTGT_XCOPY_MAX_DESC_LIST_LEN), the header fields (INVALID
 * FIELD IN PARAMETER LIST), the number of target descriptors (TOO MANY
 * TARGET DESCRIPTORS) and their types (UNSUPPORTED TARGET DESCRIPTOR TYPE
 * CODE), then each segment descriptor: its type (UNSUPPORTED SEGMENT
 * DESCRIPTOR TYPE CODE), the count (TOO MANY SEGMENT DESCRIPTORS), its
 * length, and what the copy manager cannot do with it: copy between
 * target descriptors of different DISK BLOCK LENGTHs (pointing at the
 * DESTINATION CSCD DESCRIPTOR ID) or more than KTGT_XCOPY_MAX_SEG_BYTES
 * (pointing at NUMBER OF BLOCKS). These are errors detected before the processing of segment
 * descriptors starts, which SPC-4 reports with a sense key other than
 * COPY ABORTED: here ILLEGAL REQUEST, with a field pointer (C/D = 0)
 * relative to the parameter list for a field in error. The target
 * descriptor indexes of a segment are not checked here: an index naming
 * no target descriptor is a copy target the copy manager cannot reach,
 * COPY ABORTED (ktgt_xcopy_check_seg()).
 * A zero-length list is not an error: @x then has no segments.
 *
 * Return: 0, or -EINVAL with @err set.
 */
int ktgt_xcopy_parse(const u8 *p, u32 len, struct ktgt_xcopy *x,
		     struct ktgt_sense_info *err);

/**
 * ktgt_xcopy_op_params() - RECEIVE COPY RESULTS, OPERATING PARAMETERS
 * @buf: destination (may be shorter than the data: truncated)
 * @buflen: its size
 *
 * Return: the full length of the data, KTGT_RCR_OP_PARAMS_LEN.
 */
u32 ktgt_xcopy_op_params(u8 *buf, u32 buflen);

/**
 * ktgt_xcopy_copy_status() - RECEIVE COPY RESULTS, COPY STATUS
 * @buf: destination (may be shorter than the data: truncated)
 * @buflen: its size
 * @status: COPY MANAGER STATUS (KTGT_XCOPY_STATUS_*)
 * @segs: SEGMENTS PROCESSED
 * @bytes: bytes written to destinations (reported in bytes if they fit
 *	the field, else in KiB)
 *
 * Return: the full length of the data, KTGT_RCR_COPY_STATUS_LEN.
 */
u32 ktgt_xcopy_copy_status(u8 *buf, u32 buflen, u8 status, u16 segs,
			   u64 bytes);

/**
 * ktgt_xcopy_failed_segment() - RECEIVE COPY RESULTS, FAILED SEGMENT DETAILS
 * @buf: destination (may be shorter than the data: truncated)
 * @buflen: its size
 * @scsi_status: COPY COMMAND STATUS, the status the EXTENDED COPY ended
 *	with
 * @sense: its sense data, @sense_len bytes (none if 0)
 * @sense_len: length of @sense
 *
 * Return: the full length of the data.
 */
u32 ktgt_xcopy_failed_segment(u8 *buf, u32 buflen, u8 scsi_status,
			      const u8 *sense, u32 sense_len);

#endif /* KTGT_XCOPY_DATA_H */
