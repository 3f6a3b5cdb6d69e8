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
 * @src: SOURCE CSCD DESCRIPTOR INDEX (checked: below the target count)
 * @dst: DESTINATION CSCD DESCRIPTOR INDEX (checked likewise)
 * @nr_blocks: BLOCK DEVICE NUMBER OF LOGICAL BLOCKS (in the source's
 *	blocks, or the destination's if @dc; the copy manager requires
 *	equal block sizes)
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
 * length, and its target indexes (COPY ABORTED, UNREACHABLE COPY TARGET).
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
