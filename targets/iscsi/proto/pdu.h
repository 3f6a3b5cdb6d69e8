/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_iscsi: parsing of the Basic Header Segments an initiator sends and
 * building of those the target sends (RFC 7143 chapter 11).
 *
 * Portable: no kernel dependencies beyond core/portable.h, so the host
 * unit tests and the libFuzzer harness run exactly this code.
 */
#ifndef KTGT_ISCSI_PDU_H
#define KTGT_ISCSI_PDU_H

#include "../../../core/portable.h"
#include "iscsi_proto.h"

/**
 * enum iscsi_pdu_err - why a received BHS is refused
 * @ISCSI_PDU_OK: acceptable
 * @ISCSI_PDU_BAD_OPCODE: not an initiator opcode the full-feature phase
 *	accepts (answer: Reject, Command Not Supported)
 * @ISCSI_PDU_BAD_FIELD: a field has a value RFC 7143 forbids (answer:
 *	Reject, Invalid PDU Field)
 * @ISCSI_PDU_PROTO: a protocol error, e.g. a Login Request in the
 *	full-feature phase (answer: Reject, Protocol Error)
 * @ISCSI_PDU_TOO_LONG: DataSegmentLength above MaxRecvDataSegmentLength
 *	(answer: Reject, Protocol Error, then close the connection)
 */
enum iscsi_pdu_err {
	ISCSI_PDU_OK = 0,
	ISCSI_PDU_BAD_OPCODE,
	ISCSI_PDU_BAD_FIELD,
	ISCSI_PDU_PROTO,
	ISCSI_PDU_TOO_LONG,
};

/**
 * struct iscsi_pdu - the decoded fields of a received BHS
 * @opcode: opcode without the immediate bit
 * @immediate: the I bit
 * @final: the F bit
 * @flags: byte 1 as received
 * @ahs_len: TotalAHSLength in bytes
 * @dlen: DataSegmentLength
 * @lun: the raw 8-byte LUN field
 * @itt: Initiator Task Tag
 * @ttt: Target Transfer Tag (Data-Out, NOP-Out, Text) or the Referenced
 *	Task Tag (TMF)
 * @edtl: Expected Data Transfer Length (SCSI Command)
 * @cmdsn: CmdSN (not in Data-Out)
 * @exp_statsn: ExpStatSN
 * @datasn: DataSN (Data-Out)
 * @offset: Buffer Offset (Data-Out)
 * @ref_cmdsn: RefCmdSN (TMF)
 * @function: TMF function or logout reason code
 * @cid: CID (Logout)
 * @attr: task attribute (SCSI Command)
 * @cdb: the CDB bytes of the BHS (SCSI Command)
 */
struct iscsi_pdu {
	u8	opcode;
	bool	immediate;
	bool	final;
	u8	flags;
	u32	ahs_len;
	u32	dlen;
	u64	lun;
	u32	itt;
	u32	ttt;
	u32	edtl;
	u32	cmdsn;
	u32	exp_statsn;
	u32	datasn;
	u32	offset;
	u32	ref_cmdsn;
	u8	function;
	u16	cid;
	u8	attr;
	const u8 *cdb;
};

/**
 * iscsi_pdu_parse() - decode and check a received BHS
 * @bhs: ISCSI_BHS_LEN bytes
 * @max_dsl: the MaxRecvDataSegmentLength the target declared
 * @pdu: filled with the fields (also on most errors, so a Reject can
 *	name the ITT)
 *
 * Return: ISCSI_PDU_OK or the reason to refuse the PDU.
 */
enum iscsi_pdu_err iscsi_pdu_parse(const u8 *bhs, u32 max_dsl,
				   struct iscsi_pdu *pdu);

/* What iscsi_lun_decode() returns for a LUN it cannot decode. */
#define ISCSI_BAD_LUN		(~0ULL)

/**
 * iscsi_lun_decode() - the single level LUN of an 8-byte LUN field
 * @raw: the field, big-endian as read (SAM-5 4.7)
 *
 * Peripheral device addressing (bus 0) and flat space addressing are
 * decoded; any other form, or a second level, is not.
 *
 * Return: the LUN number, or ISCSI_BAD_LUN.
 */
u64 iscsi_lun_decode(u64 raw);

/* CDB bytes in a SCSI Command's BHS; more come in an Extended CDB AHS. */
#define ISCSI_CDB_LEN		16

/* AHSType codes (RFC 7143 11.2.2.3). */
#define ISCSI_AHS_EXT_CDB	1
#define ISCSI_AHS_BIDI_READ_LEN	2

/**
 * iscsi_ahs_parse() - decode the Additional Header Segments of a SCSI
 * Command
 * @ahs: the AHS, @ahs_len bytes
 * @ahs_len: TotalAHSLength in bytes
 * @cdb: the CDB: holds the 16 bytes of the BHS; the Extended CDB AHS's
 *	bytes are appended, as far as @cdb_size allows
 * @cdb_size: the size of @cdb (at least 16)
 * @cdb_len: set to the CDB length: 16 plus the Extended CDB AHS's bytes,
 *	which may exceed @cdb_size (the caller refuses such a CDB)
 *
 * Each AHS is AHSLength (2 bytes), AHSType, then AHSLength bytes padded to
 * a multiple of 4; an Extended CDB's first byte is reserved. A
 * Bidirectional Read Data Length AHS is skipped (bidirectional commands
 * are refused by iscsi_pdu_parse()).
 *
 * Return: ISCSI_PDU_OK, or ISCSI_PDU_BAD_FIELD for an AHS running past
 * @ahs_len, of an unknown or reserved type, a second Extended CDB or an
 * empty one.
 */
enum iscsi_pdu_err iscsi_ahs_parse(const u8 *ahs, u32 ahs_len, u8 *cdb,
				   u32 cdb_size, u32 *cdb_len);

/**
 * iscsi_pad4() - bytes of padding after a data segment of @len bytes
 * @len: the segment length
 *
 * Return: 0 to 3.
 */
static inline u32 iscsi_pad4(u32 len)
{
	return (4 - (len & 3)) & 3;
}

/*
 * Serial number arithmetic (RFC 1982, SERIAL_BITS 32) as RFC 7143 uses it
 * for CmdSN, StatSN and DataSN.
 */
static inline bool iscsi_sn_lt(u32 a, u32 b)
{
	return a != b && (u32)(b - a) < 0x80000000U;
}

static inline bool iscsi_sn_gt(u32 a, u32 b)
{
	return iscsi_sn_lt(b, a);
}

/**
 * iscsi_cmdsn_check() - where a CmdSN falls in the command window
 * @cmdsn: the CmdSN of a non-immediate command
 * @exp_cmdsn: the session's ExpCmdSN
 * @max_cmdsn: the session's MaxCmdSN
 *
 * Return: 0 if @cmdsn == @exp_cmdsn (run it now), 1 if it is in the
 * window but later (hold it until the gap closes), -1 if it is outside the
 * window (RFC 7143 4.2.2.1: silently ignored).
 */
int iscsi_cmdsn_check(u32 cmdsn, u32 exp_cmdsn, u32 max_cmdsn);

/**
 * struct iscsi_tx_hdr - the fields of a BHS the target sends
 * @opcode: a target opcode
 * @flags: byte 1 (the F bit is set by the builder where RFC 7143 fixes it)
 * @response: byte 2 (response, reject reason, TMF response)
 * @status: byte 3 (SCSI status)
 * @dlen: DataSegmentLength
 * @lun: the raw LUN field
 * @itt: Initiator Task Tag
 * @ttt: Target Transfer Tag
 * @statsn: StatSN
 * @exp_cmdsn: ExpCmdSN
 * @max_cmdsn: MaxCmdSN
 * @sn: DataSN, R2TSN or ExpDataSN at byte 36
 * @offset: Buffer Offset (Data-In, R2T) at byte 40
 * @count: Residual Count (SCSI Response, Data-In) or Desired Data Transfer
 *	Length (R2T) at byte 44
 * @async_event: AsyncEvent (Async Message)
 * @param: Parameter1-3 (Async Message), Time2Wait/Time2Retain in
 *	@param[1]/@param[2] of a Logout Response
 */
struct iscsi_tx_hdr {
	u8	opcode;
	u8	flags;
	u8	response;
	u8	status;
	u32	dlen;
	u64	lun;
	u32	itt;
	u32	ttt;
	u32	statsn;
	u32	exp_cmdsn;
	u32	max_cmdsn;
	u32	sn;
	u32	offset;
	u32	count;
	u8	async_event;
	u16	param[3];
};

/**
 * iscsi_pdu_build() - write a BHS the target sends
 * @bhs: ISCSI_BHS_LEN bytes, overwritten
 * @h: the fields; those @h->opcode does not carry are left zero
 */
void iscsi_pdu_build(u8 *bhs, const struct iscsi_tx_hdr *h);

#endif /* KTGT_ISCSI_PDU_H */
