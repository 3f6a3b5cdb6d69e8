/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: SCSI sense data (SPC-4 4.5).
 *
 * Errors are described once, as a struct ktgt_sense_info, by whoever
 * detects them (the CDB decoder, the core, a dev handler) and turned into
 * sense bytes in the format the initiator asked for (D_SENSE) by
 * ktgt_sense_build() only when the status is sent.
 *
 * Portable: compiles in the kernel and in host tests (see portable.h).
 */
#ifndef KTGT_SENSE_H
#define KTGT_SENSE_H

#include "portable.h"
#include <ktgt/ktgt_proto.h>

/* Additional sense codes used by the decoder (ASC; the ASCQ is 0). */
#define KTGT_ASC_NOT_READY		0x04	/* LOGICAL UNIT NOT READY */
#define KTGT_ASC_PARAM_LIST_LENGTH	0x1a	/* PARAMETER LIST LENGTH ERROR */
#define KTGT_ASC_MISCOMPARE		0x1d	/* MISCOMPARE DURING VERIFY */
#define KTGT_ASC_INVALID_OPCODE		0x20	/* INVALID COMMAND OPERATION CODE */
#define KTGT_ASC_LBA_OUT_OF_RANGE	0x21	/* LBA OUT OF RANGE */
#define KTGT_ASC_INVALID_FIELD_IN_CDB	0x24	/* INVALID FIELD IN CDB */
#define KTGT_ASC_INVALID_FIELD_IN_PARAM	0x26	/* INVALID FIELD IN PARAMETER LIST */
#define KTGT_ASC_MEDIUM_NOT_PRESENT	0x3a	/* MEDIUM NOT PRESENT */

/* Sense data response codes (SPC-4 4.5.1). */
#define KTGT_SENSE_FIXED_CURRENT	0x70
#define KTGT_SENSE_DESC_CURRENT		0x72

/* Lengths of what ktgt_sense_build() produces. */
#define KTGT_SENSE_FIXED_LEN		18
#define KTGT_SENSE_DESC_HDR_LEN		8
#define KTGT_SENSE_DESC_INFO_LEN	12
#define KTGT_SENSE_DESC_CSI_LEN		12
#define KTGT_SENSE_DESC_SKS_LEN		8

/**
 * define KTGT_SENSE_MAX_LEN - the longest sense data ktgt_sense_build() makes
 *
 * Descriptor format with an information, a command-specific information
 * and a sense-key specific descriptor. A buffer of this size never
 * truncates.
 */
#define KTGT_SENSE_MAX_LEN	(KTGT_SENSE_DESC_HDR_LEN + \
				 KTGT_SENSE_DESC_INFO_LEN + \
				 KTGT_SENSE_DESC_CSI_LEN + \
				 KTGT_SENSE_DESC_SKS_LEN)

/**
 * struct ktgt_sense_info - a CHECK CONDITION's sense, independent of format
 * @key: sense key (KTGT_KEY_*, from ktgt_proto.h), 4 bits
 * @asc: additional sense code
 * @ascq: additional sense code qualifier
 * @has_field: the sense-key specific field pointer is valid (SKSV); only
 *	meaningful with ILLEGAL REQUEST
 * @cd: C/D bit: true if @field points into the CDB, false if it points
 *	into the parameter list (data-out)
 * @bit: bit pointer, 0 to 7, or -1 when no single bit is designated
 *	(BPV = 0). For a multi-bit field SPC-4 wants its most significant
 *	bit.
 * @field: field pointer: the byte in error (the first byte of a
 *	multi-byte field)
 * @has_info: @info is valid (the VALID bit of fixed format, or the
 *	presence of an information descriptor in descriptor format)
 * @info: the INFORMATION field; for medium and miscompare errors the LBA
 *	or offset, as the command's standard defines
 * @has_csi: @csi is reported (a command-specific information descriptor
 *	in descriptor format; fixed format always has the field, zero
 *	without it)
 * @csi: the four bytes of the COMMAND-SPECIFIC INFORMATION field of fixed
 *	format, as a big-endian value; for a COPY ABORTED of EXTENDED COPY
 *	its third and fourth bytes are the number of the segment being
 *	processed (SPC-4 EXTENDED COPY, errors detected during processing of
 *	segment descriptors), so its low 16 bits
 */
struct ktgt_sense_info {
	u8 key;
	u8 asc;
	u8 ascq;
	bool has_field;
	bool cd;
	s8 bit;
	u16 field;
	bool has_info;
	u64 info;
	bool has_csi;
	u32 csi;
};

/**
 * ktgt_sense_set() - describe an error by sense key and ASC/ASCQ only
 * @s: sense to fill; every other member is cleared
 * @key: sense key (KTGT_KEY_*)
 * @asc: additional sense code
 * @ascq: additional sense code qualifier
 */
void ktgt_sense_set(struct ktgt_sense_info *s, u8 key, u8 asc, u8 ascq);

/**
 * ktgt_sense_set_field() - add a sense-key specific field pointer
 * @s: sense already set with ktgt_sense_set()
 * @cd: true for a CDB byte, false for a parameter list byte
 * @field: byte offset of the field in error
 * @bit: bit in error (0 to 7), or -1 for none
 */
void ktgt_sense_set_field(struct ktgt_sense_info *s, bool cd, u16 field,
			  int bit);

/**
 * ktgt_sense_set_info() - add an INFORMATION field
 * @s: sense already set with ktgt_sense_set()
 * @info: the value (an LBA, an offset; command specific)
 */
void ktgt_sense_set_info(struct ktgt_sense_info *s, u64 info);

/**
 * ktgt_sense_set_csi() - add a COMMAND-SPECIFIC INFORMATION field
 * @s: sense already set with ktgt_sense_set()
 * @csi: the field's four bytes of fixed format, big-endian
 *
 * SPC-4 names the bytes of this field by position for EXTENDED COPY
 * (COPY ABORTED: byte 0 the offset of the copy source's sense data, byte
 * 1 that of the copy destination's, bytes 2-3 the segment number), in
 * either format; so descriptor format carries these four bytes as the
 * first four of its eight-byte field, the last four zero.
 */
void ktgt_sense_set_csi(struct ktgt_sense_info *s, u32 csi);

/**
 * ktgt_sense_invalid_cdb() - ILLEGAL REQUEST, INVALID FIELD IN CDB
 * @s: sense to fill
 * @field: CDB byte in error
 * @bit: bit in error (0 to 7), or -1 for none
 */
void ktgt_sense_invalid_cdb(struct ktgt_sense_info *s, u16 field, int bit);

/**
 * ktgt_sense_invalid_param() - ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST
 * @s: sense to fill
 * @field: parameter list byte in error
 * @bit: bit in error (0 to 7), or -1 for none
 */
void ktgt_sense_invalid_param(struct ktgt_sense_info *s, u16 field, int bit);

/**
 * ktgt_sense_build() - encode sense data
 * @buf: destination
 * @buflen: size of @buf; the sense is truncated to it (the ADDITIONAL
 *	SENSE LENGTH still describes the untruncated data, as SPC-4 allows)
 * @descriptor: true for descriptor format (response code 72h), false for
 *	fixed format (70h)
 * @s: what to encode
 *
 * Fixed format is always 18 bytes. An information value that does not
 * fit its 4-byte INFORMATION field is reported with VALID = 0 (use
 * descriptor format for 64-bit LBAs). Descriptor format carries an
 * information descriptor if @s->has_info, a command-specific information
 * descriptor if @s->has_csi and a sense-key specific descriptor if
 * @s->has_field, in that order.
 *
 * Return: the number of bytes written to @buf (at most @buflen).
 */
size_t ktgt_sense_build(u8 *buf, size_t buflen, bool descriptor,
			const struct ktgt_sense_info *s);

#endif /* KTGT_SENSE_H */
