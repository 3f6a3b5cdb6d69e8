/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: SCSI protocol constants shared by the kernel API and the portable
 * parsers. Plain C without includes, so host unit tests and fuzzers can
 * use it too.
 */
#ifndef _KTGT_KTGT_PROTO_H
#define _KTGT_KTGT_PROTO_H

/*
 * PROTOCOL IDENTIFIER values of SPC-4 table 444 a driver passes to
 * ktgt_session_set_transport_id(); KTGT_PROTO_NONE for transports
 * without one (the local target). VPD 83h gives the target port's
 * with its relative port and port group designators (PIV = 1).
 */
#define KTGT_PROTO_FCP		0x0
#define KTGT_PROTO_SRP		0x4
#define KTGT_PROTO_ISCSI	0x5
#define KTGT_PROTO_SAS		0x6
#define KTGT_PROTO_NONE		0xf

/**
 * enum ktgt_data_dir - direction of a command's data phase
 * @KTGT_DIR_NONE: no data transfer
 * @KTGT_DIR_READ: data-in: target to initiator
 * @KTGT_DIR_WRITE: data-out: initiator to target
 * @KTGT_DIR_BIDI: both
 */
enum ktgt_data_dir {
	KTGT_DIR_NONE,
	KTGT_DIR_READ,
	KTGT_DIR_WRITE,
	KTGT_DIR_BIDI,
};

/**
 * enum ktgt_task_attr - SAM-5 task attributes
 * @KTGT_TASK_SIMPLE: SIMPLE
 * @KTGT_TASK_ORDERED: ORDERED: runs after every earlier task, before every
 *	later one
 * @KTGT_TASK_HEAD_OF_QUEUE: HEAD OF QUEUE: runs before any waiting task
 * @KTGT_TASK_ACA: ACA
 */
enum ktgt_task_attr {
	KTGT_TASK_SIMPLE,
	KTGT_TASK_ORDERED,
	KTGT_TASK_HEAD_OF_QUEUE,
	KTGT_TASK_ACA,
};

/**
 * enum ktgt_sam_status - SAM-5 status codes
 * @KTGT_SAM_GOOD: GOOD
 * @KTGT_SAM_CHECK_CONDITION: CHECK CONDITION (sense data follows)
 * @KTGT_SAM_CONDITION_MET: CONDITION MET
 * @KTGT_SAM_BUSY: BUSY
 * @KTGT_SAM_RESERVATION_CONFLICT: RESERVATION CONFLICT
 * @KTGT_SAM_TASK_SET_FULL: TASK SET FULL
 * @KTGT_SAM_ACA_ACTIVE: ACA ACTIVE
 * @KTGT_SAM_TASK_ABORTED: TASK ABORTED
 */
enum ktgt_sam_status {
	KTGT_SAM_GOOD			= 0x00,
	KTGT_SAM_CHECK_CONDITION	= 0x02,
	KTGT_SAM_CONDITION_MET		= 0x04,
	KTGT_SAM_BUSY			= 0x08,
	KTGT_SAM_RESERVATION_CONFLICT	= 0x18,
	KTGT_SAM_TASK_SET_FULL		= 0x28,
	KTGT_SAM_ACA_ACTIVE		= 0x30,
	KTGT_SAM_TASK_ABORTED		= 0x40,
};

/**
 * enum ktgt_tmf_fn - SAM-5 task management functions
 * @KTGT_TMF_ABORT_TASK: ABORT TASK
 * @KTGT_TMF_ABORT_TASK_SET: ABORT TASK SET
 * @KTGT_TMF_CLEAR_TASK_SET: CLEAR TASK SET
 * @KTGT_TMF_LUN_RESET: LOGICAL UNIT RESET
 * @KTGT_TMF_TARGET_RESET: TARGET RESET (WARM RESET)
 * @KTGT_TMF_I_T_NEXUS_RESET: I_T NEXUS RESET
 * @KTGT_TMF_CLEAR_ACA: CLEAR ACA
 * @KTGT_TMF_QUERY_TASK: QUERY TASK
 * @KTGT_TMF_QUERY_TASK_SET: QUERY TASK SET
 * @KTGT_TMF_QUERY_ASYNC_EVENT: QUERY ASYNCHRONOUS EVENT
 */
enum ktgt_tmf_fn {
	KTGT_TMF_ABORT_TASK,
	KTGT_TMF_ABORT_TASK_SET,
	KTGT_TMF_CLEAR_TASK_SET,
	KTGT_TMF_LUN_RESET,
	KTGT_TMF_TARGET_RESET,
	KTGT_TMF_I_T_NEXUS_RESET,
	KTGT_TMF_CLEAR_ACA,
	KTGT_TMF_QUERY_TASK,
	KTGT_TMF_QUERY_TASK_SET,
	KTGT_TMF_QUERY_ASYNC_EVENT,
};

/**
 * enum ktgt_tmf_response - SAM-5 task management service responses
 * @KTGT_TMF_COMPLETE: FUNCTION COMPLETE
 * @KTGT_TMF_SUCCEEDED: FUNCTION SUCCEEDED (QUERY functions: the task
 *	exists / a UA or deferred error is pending)
 * @KTGT_TMF_REJECTED: FUNCTION REJECTED
 * @KTGT_TMF_INCORRECT_LUN: INCORRECT LOGICAL UNIT NUMBER
 * @KTGT_TMF_NOT_SUPPORTED: the function is not supported
 */
enum ktgt_tmf_response {
	KTGT_TMF_COMPLETE,
	KTGT_TMF_SUCCEEDED,
	KTGT_TMF_REJECTED,
	KTGT_TMF_INCORRECT_LUN,
	KTGT_TMF_NOT_SUPPORTED,
};

/* Sense keys (SPC-4 table 48). */
#define KTGT_KEY_NO_SENSE		0x00
#define KTGT_KEY_RECOVERED_ERROR	0x01
#define KTGT_KEY_NOT_READY		0x02
#define KTGT_KEY_MEDIUM_ERROR		0x03
#define KTGT_KEY_HARDWARE_ERROR		0x04
#define KTGT_KEY_ILLEGAL_REQUEST	0x05
#define KTGT_KEY_UNIT_ATTENTION		0x06
#define KTGT_KEY_DATA_PROTECT		0x07
#define KTGT_KEY_BLANK_CHECK		0x08
#define KTGT_KEY_ABORTED_COMMAND	0x0b
#define KTGT_KEY_MISCOMPARE		0x0e

#endif /* _KTGT_KTGT_PROTO_H */
