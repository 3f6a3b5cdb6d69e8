/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_iscsi: iSCSI (RFC 7143) wire constants shared by the kernel module
 * and the portable PDU code. Portable: no kernel dependencies.
 */
#ifndef KTGT_ISCSI_PROTO_H
#define KTGT_ISCSI_PROTO_H

/* Basic Header Segment and digest sizes. */
#define ISCSI_BHS_LEN			48
#define ISCSI_DIGEST_LEN		4
/* The longest data segment the DataSegmentLength field can express. */
#define ISCSI_MAX_DSL			0xffffff
/* MaxRecvDataSegmentLength range (RFC 7143 13.12). */
#define ISCSI_MIN_RECV_DSL		512
#define ISCSI_MAX_RECV_DSL		16777215
/* The reserved tag value. */
#define ISCSI_RSVD_TAG			0xffffffffU

/* Initiator opcodes. */
#define ISCSI_OP_NOOP_OUT		0x00
#define ISCSI_OP_SCSI_CMD		0x01
#define ISCSI_OP_TMF_REQ		0x02
#define ISCSI_OP_LOGIN_REQ		0x03
#define ISCSI_OP_TEXT_REQ		0x04
#define ISCSI_OP_DATA_OUT		0x05
#define ISCSI_OP_LOGOUT_REQ		0x06
#define ISCSI_OP_SNACK_REQ		0x10

/* Target opcodes. */
#define ISCSI_OP_NOOP_IN		0x20
#define ISCSI_OP_SCSI_RSP		0x21
#define ISCSI_OP_TMF_RSP		0x22
#define ISCSI_OP_LOGIN_RSP		0x23
#define ISCSI_OP_TEXT_RSP		0x24
#define ISCSI_OP_DATA_IN		0x25
#define ISCSI_OP_LOGOUT_RSP		0x26
#define ISCSI_OP_R2T			0x31
#define ISCSI_OP_ASYNC_MSG		0x32
#define ISCSI_OP_REJECT			0x3f

/* Byte 0. */
#define ISCSI_OPCODE_MASK		0x3f
#define ISCSI_OP_IMMEDIATE		0x40

/* Byte 1 flags. */
#define ISCSI_FLAG_FINAL		0x80
#define ISCSI_FLAG_CMD_READ		0x40
#define ISCSI_FLAG_CMD_WRITE		0x20
#define ISCSI_FLAG_CMD_ATTR_MASK	0x07
#define ISCSI_FLAG_TEXT_CONTINUE	0x40
#define ISCSI_FLAG_DATA_ACK		0x40
#define ISCSI_FLAG_DATA_OVERFLOW	0x04
#define ISCSI_FLAG_DATA_UNDERFLOW	0x02
#define ISCSI_FLAG_DATA_STATUS		0x01
#define ISCSI_FLAG_RSP_OVERFLOW		0x04
#define ISCSI_FLAG_RSP_UNDERFLOW	0x02

/* Task attributes (SCSI Command byte 1, bits 0-2). */
#define ISCSI_ATTR_UNTAGGED		0
#define ISCSI_ATTR_SIMPLE		1
#define ISCSI_ATTR_ORDERED		2
#define ISCSI_ATTR_HEAD_OF_QUEUE	3
#define ISCSI_ATTR_ACA			4

/* SCSI Response: response field. */
#define ISCSI_RSP_COMPLETED		0x00
#define ISCSI_RSP_TARGET_FAILURE	0x01

/* Task management functions (RFC 7143 11.5.1). */
#define ISCSI_TMF_ABORT_TASK		1
#define ISCSI_TMF_ABORT_TASK_SET	2
#define ISCSI_TMF_CLEAR_ACA		3
#define ISCSI_TMF_CLEAR_TASK_SET	4
#define ISCSI_TMF_LUN_RESET		5
#define ISCSI_TMF_TARGET_WARM_RESET	6
#define ISCSI_TMF_TARGET_COLD_RESET	7
#define ISCSI_TMF_TASK_REASSIGN		8
#define ISCSI_TMF_QUERY_TASK		9
#define ISCSI_TMF_QUERY_TASK_SET	10
#define ISCSI_TMF_I_T_NEXUS_RESET	11
#define ISCSI_TMF_QUERY_ASYNC_EVENT	12

/* Task management responses (RFC 7143 11.6.1). */
#define ISCSI_TMF_RSP_COMPLETE		0
#define ISCSI_TMF_RSP_NO_TASK		1
#define ISCSI_TMF_RSP_NO_LUN		2
#define ISCSI_TMF_RSP_TASK_ALLEGIANT	3
#define ISCSI_TMF_RSP_NO_REASSIGN	4
#define ISCSI_TMF_RSP_NOT_SUPPORTED	5
#define ISCSI_TMF_RSP_AUTH_FAILED	6
#define ISCSI_TMF_RSP_REJECTED		255

/* Logout reasons and responses. */
#define ISCSI_LOGOUT_SESSION		0
#define ISCSI_LOGOUT_CONNECTION		1
#define ISCSI_LOGOUT_RECOVERY		2
#define ISCSI_LOGOUT_RSP_OK		0
#define ISCSI_LOGOUT_RSP_NO_CID		1
#define ISCSI_LOGOUT_RSP_NO_RECOVERY	2
#define ISCSI_LOGOUT_RSP_FAILED		3

/* Async events. */
#define ISCSI_ASYNC_LOGOUT_REQUEST	1
#define ISCSI_ASYNC_DROP_CONNECTION	2
#define ISCSI_ASYNC_DROP_ALL		3

/* Reject reasons (RFC 7143 11.17.1). */
#define ISCSI_REJECT_DIGEST_ERROR	0x02
#define ISCSI_REJECT_SNACK_REJECT	0x03
#define ISCSI_REJECT_PROTOCOL_ERROR	0x04
#define ISCSI_REJECT_CMD_NOT_SUPPORTED	0x05
#define ISCSI_REJECT_IMM_CMD_REJECT	0x06
#define ISCSI_REJECT_TASK_IN_PROGRESS	0x07
#define ISCSI_REJECT_INVALID_DATA_ACK	0x08
#define ISCSI_REJECT_INVALID_PDU_FIELD	0x09
#define ISCSI_REJECT_OUT_OF_RESOURCES	0x0a
#define ISCSI_REJECT_WAITING_LOGOUT	0x0c

#endif /* KTGT_ISCSI_PROTO_H */
