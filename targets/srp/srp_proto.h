/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_srp: parsing of the information units an SRP initiator sends and
 * building of those the target sends (SCSI RDMA Protocol, T10 SRP r16a,
 * with the RDMA CM login layout of Linux's ib_srp).
 *
 * Portable: no kernel dependencies beyond core/portable.h, so the host
 * unit tests and the libFuzzer harness run exactly this code. Every
 * length the parsers return has been checked against the received bytes.
 */
#ifndef KTGT_SRP_PROTO_H
#define KTGT_SRP_PROTO_H

#include "../../core/portable.h"

/* Information unit opcodes (byte 0 of every IU). */
#define SRP_OP_LOGIN_REQ	0x00
#define SRP_OP_TSK_MGMT		0x01
#define SRP_OP_CMD		0x02
#define SRP_OP_I_LOGOUT		0x03
#define SRP_OP_CRED_RSP		0x41
#define SRP_OP_AER_RSP		0x42
#define SRP_OP_T_LOGOUT		0x80
#define SRP_OP_LOGIN_RSP	0xc0
#define SRP_OP_RSP		0xc1
#define SRP_OP_LOGIN_REJ	0xc2

/* Buffer formats: REQUIRED BUFFER FORMATS bits and descriptor formats. */
#define SRP_BUF_FMT_DIRECT	BIT(1)
#define SRP_BUF_FMT_INDIRECT	BIT(2)
#define SRP_DESC_NONE		0
#define SRP_DESC_DIRECT		1
#define SRP_DESC_INDIRECT	2
#define SRP_DESC_IMM		3

/* LOGIN REQUEST flags and LOGIN RESPONSE flags. */
#define SRP_MULTICHAN_MASK	0x03
#define SRP_MULTICHAN_SINGLE	0x00
#define SRP_MULTICHAN_MULTI	0x01
#define SRP_RSP_MULTICHAN_NO_CHAN	0x00
#define SRP_RSP_MULTICHAN_TERMINATED	0x01

/* LOGIN REJECT reasons. */
#define SRP_REJ_UNABLE_ESTABLISH	0x00010000
#define SRP_REJ_INSUFFICIENT_RES	0x00010001
#define SRP_REJ_IU_TOO_LARGE		0x00010002
#define SRP_REJ_UNABLE_ASSOCIATE	0x00010003
#define SRP_REJ_UNSUPPORTED_FMT		0x00010004
#define SRP_REJ_MULTI_UNSUPPORTED	0x00010005
#define SRP_REJ_CHANNEL_LIMIT		0x00010006

/* Task management function codes of SRP_TSK_MGMT. */
#define SRP_TMF_ABORT_TASK	0x01
#define SRP_TMF_ABORT_TASK_SET	0x02
#define SRP_TMF_CLEAR_TASK_SET	0x04
#define SRP_TMF_LUN_RESET	0x08
#define SRP_TMF_CLEAR_ACA	0x40

/* SRP_RSP flags and RESPONSE CODEs (response data byte 3). */
#define SRP_RSP_RSPVALID	BIT(0)
#define SRP_RSP_SNSVALID	BIT(1)
#define SRP_RSP_DOOVER		BIT(2)
#define SRP_RSP_DOUNDER		BIT(3)
#define SRP_RSP_DIOVER		BIT(4)
#define SRP_RSP_DIUNDER		BIT(5)
#define SRP_RC_COMPLETE		0x00
#define SRP_RC_INVALID_IU	0x02
#define SRP_RC_NOT_SUPPORTED	0x04
#define SRP_RC_FAILED		0x05
#define SRP_RC_SUCCEEDED	0x08
#define SRP_RC_INCORRECT_LUN	0x09

/* Sizes. */
#define SRP_LOGIN_REQ_RDMA_LEN	56	/* struct srp_login_req_rdma */
#define SRP_LOGIN_RSP_LEN	52
#define SRP_LOGIN_REJ_LEN	32
#define SRP_CMD_LEN		48	/* without additional CDB, descriptors */
#define SRP_TSK_MGMT_LEN	48
#define SRP_I_LOGOUT_LEN	16
#define SRP_RSP_LEN		36	/* without response and sense data */
#define SRP_DIRECT_DESC_LEN	16
#define SRP_INDIRECT_HDR_LEN	20	/* table descriptor + total length */
#define SRP_PORT_ID_LEN		16
#define SRP_CDB_LEN		16
#define SRP_MAX_CDB_LEN		(SRP_CDB_LEN + 4 * 63)
/* The smallest I_T IU length a target must accept (SRP r16a 5.4). */
#define SRP_MIN_IT_IU_LEN	64

/**
 * struct srp_login - a decoded RDMA CM login request
 * @tag: the initiator's tag, echoed in the answer
 * @it_iu_len: REQUESTED MAXIMUM INITIATOR TO TARGET IU LENGTH
 * @buf_fmt: REQUIRED BUFFER FORMATS
 * @flags: REQ FLAGS (MULTI-CHANNEL ACTION, IMMEDIATE DATA)
 * @initiator_port_id: INITIATOR PORT IDENTIFIER
 * @target_port_id: TARGET PORT IDENTIFIER
 */
struct srp_login {
	u64	tag;
	u32	it_iu_len;
	u16	buf_fmt;
	u8	flags;
	u8	initiator_port_id[SRP_PORT_ID_LEN];
	u8	target_port_id[SRP_PORT_ID_LEN];
};

/**
 * srp_login_parse() - decode and check a login request
 * @buf: the RDMA CM private data
 * @len: its length (RDMA CM pads it; at least SRP_LOGIN_REQ_RDMA_LEN)
 * @max_it_iu_len: the longest I_T IU the target accepts
 * @login: filled with the fields
 *
 * Return: 0, or the LOGIN REJECT reason (SRP_REJ_*): UNABLE_ESTABLISH for
 * a short or non-login IU or an IU length below SRP_MIN_IT_IU_LEN,
 * IU_TOO_LARGE for one above @max_it_iu_len, UNSUPPORTED_FMT if neither
 * direct nor indirect descriptors are offered.
 */
u32 srp_login_parse(const u8 *buf, size_t len, u32 max_it_iu_len,
		    struct srp_login *login);

/**
 * srp_build_login_rsp() - build a LOGIN RESPONSE
 * @buf: SRP_LOGIN_RSP_LEN bytes
 * @tag: the request's tag
 * @req_lim: the credits granted (receive buffers posted)
 * @max_it: MAXIMUM INITIATOR TO TARGET IU LENGTH
 * @max_ti: MAXIMUM TARGET TO INITIATOR IU LENGTH
 * @flags: RSP FLAGS (SRP_RSP_MULTICHAN_*)
 */
void srp_build_login_rsp(u8 *buf, u64 tag, u32 req_lim, u32 max_it,
			 u32 max_ti, u8 flags);

/**
 * srp_build_login_rej() - build a LOGIN REJECT
 * @buf: SRP_LOGIN_REJ_LEN bytes
 * @tag: the request's tag
 * @reason: SRP_REJ_*
 */
void srp_build_login_rej(u8 *buf, u64 tag, u32 reason);

/**
 * struct srp_desc - a direct data buffer descriptor
 * @va: the initiator's virtual address
 * @key: its memory key
 * @len: its length in bytes
 */
struct srp_desc {
	u64	va;
	u32	key;
	u32	len;
};

/**
 * enum srp_iu_err - why an SRP_CMD is refused
 * @SRP_IU_OK: acceptable
 * @SRP_IU_SHORT: shorter than its header, additional CDB and descriptors
 *	say (CHECK CONDITION, INVALID FIELD IN COMMAND INFORMATION UNIT)
 * @SRP_IU_BAD_FMT: a reserved or unsupported descriptor format, data in
 *	both directions, or a descriptor count that does not match it
 * @SRP_IU_EXT_TABLE: an indirect table not entirely in the IU (it would
 *	have to be fetched with RDMA READ, which ktgt_srp does not do)
 * @SRP_IU_BAD_LEN: the descriptors' lengths do not add up to the total
 *	the indirect header gives, or overflow 32 bits
 */
enum srp_iu_err {
	SRP_IU_OK = 0,
	SRP_IU_SHORT,
	SRP_IU_BAD_FMT,
	SRP_IU_EXT_TABLE,
	SRP_IU_BAD_LEN,
};

/**
 * struct srp_cmd - a decoded SRP_CMD
 * @tag: the command's tag
 * @lun: the raw 8-byte LUN field
 * @attr: TASK ATTRIBUTE (0 simple, 1 head of queue, 2 ordered, 4 ACA)
 * @cdb: the CDB: points into the IU
 * @cdb_len: its length (16 plus ADDITIONAL CDB LENGTH * 4)
 * @write: data-out (true) or data-in; meaningful when @nr_desc > 0
 * @nr_desc: number of data descriptors (0: no data)
 * @desc_off: offset in the IU of the first direct descriptor
 * @total_len: the sum of the descriptors' lengths
 */
struct srp_cmd {
	u64	tag;
	u64	lun;
	u8	attr;
	const u8 *cdb;
	u32	cdb_len;
	bool	write;
	u32	nr_desc;
	u32	desc_off;
	u32	total_len;
};

/**
 * srp_cmd_parse() - decode and check an SRP_CMD
 * @iu: the IU
 * @len: the bytes received
 * @cmd: filled with the fields (@tag as soon as the IU is long enough
 *	to carry it, so that an error response can name it)
 *
 * Return: SRP_IU_OK or why it is refused.
 */
enum srp_iu_err srp_cmd_parse(const u8 *iu, size_t len, struct srp_cmd *cmd);

/**
 * srp_cmd_desc() - the @i-th data descriptor of a parsed SRP_CMD
 * @iu: the IU srp_cmd_parse() accepted
 * @cmd: what it returned
 * @i: less than @cmd->nr_desc
 * @desc: filled
 */
void srp_cmd_desc(const u8 *iu, const struct srp_cmd *cmd, u32 i,
		  struct srp_desc *desc);

/**
 * struct srp_tmf - a decoded SRP_TSK_MGMT
 * @tag: the TMF's tag
 * @lun: the raw 8-byte LUN field
 * @fn: TASK MANAGEMENT FLAGS (SRP_TMF_*)
 * @task_tag: TAG OF TASK TO BE MANAGED
 */
struct srp_tmf {
	u64	tag;
	u64	lun;
	u8	fn;
	u64	task_tag;
};

/**
 * srp_tmf_parse() - decode an SRP_TSK_MGMT
 * @iu: the IU
 * @len: the bytes received
 * @tmf: filled
 *
 * Return: SRP_IU_OK or SRP_IU_SHORT. The function code is not checked:
 * an unknown one is answered with SRP_RC_NOT_SUPPORTED.
 */
enum srp_iu_err srp_tmf_parse(const u8 *iu, size_t len, struct srp_tmf *tmf);

/* What srp_lun_decode() returns for a LUN it cannot decode. */
#define SRP_BAD_LUN		(~0ULL)

/**
 * srp_lun_decode() - the single level LUN of an 8-byte LUN field
 * @raw: the field, big-endian as read (SAM-5 4.7)
 *
 * Return: the LUN (peripheral or flat space addressing), or SRP_BAD_LUN.
 */
u64 srp_lun_decode(u64 raw);

/**
 * srp_rsp_len() - the length of an SRP_RSP
 * @resp_len: bytes of response data (0 or 4)
 * @sense_len: bytes of sense data
 *
 * Return: SRP_RSP_LEN + @resp_len + @sense_len.
 */
static inline u32 srp_rsp_len(u32 resp_len, u32 sense_len)
{
	return SRP_RSP_LEN + resp_len + sense_len;
}

/**
 * struct srp_rsp_info - what an SRP_RSP says
 * @tag: the tag of the command or TMF it answers
 * @req_lim_delta: credits returned
 * @status: SAM status
 * @flags: SRP_RSP_* residual flags (RSPVALID and SNSVALID are set by
 *	srp_build_rsp())
 * @do_resid: DATA-OUT RESIDUAL COUNT
 * @di_resid: DATA-IN RESIDUAL COUNT
 * @rsp_code: with @rsp_valid, the RESPONSE CODE
 * @rsp_valid: send 4 bytes of response data
 * @sense: sense data, or NULL
 * @sense_len: its length
 */
struct srp_rsp_info {
	u64	tag;
	u32	req_lim_delta;
	u8	status;
	u8	flags;
	u32	do_resid;
	u32	di_resid;
	u8	rsp_code;
	bool	rsp_valid;
	const u8 *sense;
	u32	sense_len;
};

/**
 * srp_build_rsp() - build an SRP_RSP
 * @buf: the buffer
 * @size: its size
 * @info: the contents
 *
 * Sense data that does not fit in @size is cut.
 *
 * Return: the IU's length.
 */
u32 srp_build_rsp(u8 *buf, u32 size, const struct srp_rsp_info *info);

/**
 * srp_port_id_hex() - a port identifier as 32 lowercase hex digits
 * @id: SRP_PORT_ID_LEN bytes
 * @out: 33 bytes, NUL-terminated
 */
void srp_port_id_hex(const u8 *id, char *out);

/**
 * srp_port_id_parse() - parse a port identifier of 32 hex digits
 * @s: the text, an optional "0x" prefix, then 32 hex digits, optionally
 *	followed by a newline
 * @id: SRP_PORT_ID_LEN bytes, filled
 *
 * Return: 0 or -EINVAL.
 */
int srp_port_id_parse(const char *s, u8 *id);

#endif /* KTGT_SRP_PROTO_H */
