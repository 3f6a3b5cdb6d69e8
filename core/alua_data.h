/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: Asymmetric Logical Unit Access (SPC-4 5.15) as plain data: the
 * asymmetric access states and their configfs names, which commands each
 * state lets through (and the sense of those it refuses), the REPORT
 * TARGET PORT GROUPS parameter data and the SET TARGET PORT GROUPS
 * parameter list.
 *
 * Nothing here knows about devices, targets, commands or locking; those
 * are core/alua.c's. Portable: compiles in the kernel and in the host
 * tests (tests/host/test_alua.c) and the fuzzer (see portable.h).
 */
#ifndef KTGT_ALUA_DATA_H
#define KTGT_ALUA_DATA_H

#include "portable.h"
#include "sense.h"

/*
 * Primary target port asymmetric access states, with the values of the
 * ASYMMETRIC ACCESS STATE field (SPC-4 table 166).
 */
#define KTGT_ALUA_ACTIVE		0x0	/* active/optimized */
#define KTGT_ALUA_NONOPTIMIZED		0x1	/* active/non-optimized */
#define KTGT_ALUA_STANDBY		0x2
#define KTGT_ALUA_UNAVAILABLE		0x3
#define KTGT_ALUA_OFFLINE		0xe
#define KTGT_ALUA_TRANSITIONING		0xf

/* STATUS CODE of a target port group descriptor (SPC-4 table 167). */
#define KTGT_ALUA_STATUS_NONE		0x00
#define KTGT_ALUA_STATUS_STPG		0x01	/* altered by STPG */
#define KTGT_ALUA_STATUS_IMPLICIT	0x02	/* altered implicitly */

/* ASCQs of NOT READY / 04h for refused commands. */
#define KTGT_ASCQ_ALUA_TRANSITION	0x0a	/* ASYMMETRIC ACCESS STATE TRANSITION */
#define KTGT_ASCQ_ALUA_STANDBY		0x0b	/* TARGET PORT IN STANDBY STATE */
#define KTGT_ASCQ_ALUA_UNAVAILABLE	0x0c	/* TARGET PORT IN UNAVAILABLE STATE */
#define KTGT_ASCQ_ALUA_OFFLINE		0x12	/* LOGICAL UNIT NOT READY, OFFLINE */

/* Sizes of REPORT TARGET PORT GROUPS data. */
#define KTGT_ALUA_RTPG_HDR_LEN		4	/* length-only format */
#define KTGT_ALUA_RTPG_EXT_HDR_LEN	8	/* extended header format */
#define KTGT_ALUA_TPG_DESC_LEN		8	/* a group descriptor ... */
#define KTGT_ALUA_TPORT_DESC_LEN	4	/* ... and each of its ports */
#define KTGT_ALUA_MAX_PORTS		255	/* TARGET PORT COUNT is 8 bits */

/* SET TARGET PORT GROUPS parameter list. */
#define KTGT_ALUA_STPG_HDR_LEN		4
#define KTGT_ALUA_STPG_DESC_LEN		4

/* The most target port groups a device group may have. */
#define KTGT_ALUA_MAX_TPGS		256

/**
 * ktgt_alua_state_parse() - a configfs state name
 * @s: the text, not NUL-terminated; one trailing newline is ignored
 * @len: its length
 *
 * Return: KTGT_ALUA_* for "active", "nonoptimized", "standby",
 * "unavailable", "offline" or "transitioning"; -EINVAL otherwise.
 */
int ktgt_alua_state_parse(const char *s, size_t len);

/**
 * ktgt_alua_state_name() - the configfs name of a state
 * @state: KTGT_ALUA_*
 *
 * Return: the name, or "unknown".
 */
const char *ktgt_alua_state_name(u8 state);

/**
 * ktgt_alua_check() - whether a command may run through a target port in
 *	a given state (SPC-4 5.15.2.4)
 * @state: the target port group's KTGT_ALUA_* state
 * @cdb: the CDB, already decoded (opcode and service action known)
 * @len: its length (at least the opcode's CDB length)
 * @err: set to the sense for a refused command
 *
 * Active/optimized and active/non-optimized accept every command.
 * Standby accepts INQUIRY, LOG SELECT/SENSE, MODE SELECT/SENSE, REPORT
 * LUNS, RECEIVE DIAGNOSTIC RESULTS, SEND DIAGNOSTIC, REPORT and SET
 * TARGET PORT GROUPS, REQUEST SENSE, PERSISTENT RESERVE IN/OUT, the echo
 * buffer modes of READ/WRITE BUFFER, and READ CAPACITY(10)/(16) so that
 * a host can size a standby path. Unavailable accepts INQUIRY, REPORT
 * LUNS, REPORT and SET TARGET PORT GROUPS, REQUEST SENSE and the echo
 * buffer modes. Transitioning accepts the same but SET TARGET PORT
 * GROUPS. Offline accepts INQUIRY, REPORT LUNS and REQUEST SENSE.
 *
 * Return: 0 if allowed; -EAGAIN if refused, with @err set to NOT READY,
 * LOGICAL UNIT NOT ACCESSIBLE and the state's ASCQ (04h/0Bh standby,
 * 04h/0Ch unavailable, 04h/0Ah transitioning, 04h/12h offline).
 */
int ktgt_alua_check(u8 state, const u8 *cdb, u32 len,
		    struct ktgt_sense_info *err);

/**
 * struct ktgt_alua_tpg - one target port group as REPORT TARGET PORT
 *	GROUPS describes it
 * @group_id: TARGET PORT GROUP
 * @state: KTGT_ALUA_*
 * @pref: PREF bit
 * @status: STATUS CODE (KTGT_ALUA_STATUS_*)
 * @nr_ports: entries of @ports, at most KTGT_ALUA_MAX_PORTS
 * @ports: RELATIVE TARGET PORT IDENTIFIERs of its target ports
 */
struct ktgt_alua_tpg {
	u16 group_id;
	u8 state;
	bool pref;
	u8 status;
	u8 nr_ports;
	const u16 *ports;
};

/**
 * ktgt_alua_rtpg_hdr() - REPORT TARGET PORT GROUPS header (SPC-4 6.27)
 * @ext: PARAMETER DATA FORMAT 001b (extended header), else 000b
 * @itt: IMPLICIT TRANSITION TIME, seconds (extended header only)
 * @desc_len: the length of the descriptors that follow
 * @buf: destination
 * @buflen: its size; nothing past it is written
 *
 * Return: the header length (4 or 8).
 */
u32 ktgt_alua_rtpg_hdr(bool ext, u8 itt, u32 desc_len, u8 *buf, u32 buflen);

/**
 * ktgt_alua_rtpg_desc() - one target port group descriptor
 * @g: the group
 * @buf: the whole parameter data buffer
 * @buflen: its size; nothing past it is written
 * @off: where the descriptor starts
 *
 * The supported-state bits are T_SUP, O_SUP, U_SUP, S_SUP, AN_SUP and
 * AO_SUP (every state but LBA dependent).
 *
 * Return: the descriptor's length (8 + 4 per port), whether or not it
 * fitted.
 */
u32 ktgt_alua_rtpg_desc(const struct ktgt_alua_tpg *g, u8 *buf, u32 buflen,
			u32 off);

/**
 * ktgt_alua_stpg_parse() - validate a SET TARGET PORT GROUPS parameter
 *	list (SPC-4 6.43), apart from whether its groups exist
 * @param: the parameter list
 * @len: PARAMETER LIST LENGTH (capped by the data received)
 * @nr: set to the number of set target port group descriptors
 * @err: sense on error
 *
 * Return: 0 (a zero @len gives no descriptor), or -EINVAL: a list that
 * is not a 4-byte header plus whole 4-byte descriptors: PARAMETER LIST
 * LENGTH ERROR; a reserved bit set in a descriptor's first byte, or a
 * state other than active/optimized, active/non-optimized, standby or
 * unavailable: INVALID FIELD IN PARAMETER LIST at that byte and bit; the
 * same TARGET PORT GROUP twice, or more than KTGT_ALUA_MAX_TPGS
 * descriptors: INVALID FIELD IN PARAMETER LIST at the TARGET PORT GROUP
 * field of the second one, or of the first one past the limit. Only the
 * first KTGT_ALUA_STPG_HDR_LEN + KTGT_ALUA_MAX_TPGS *
 * KTGT_ALUA_STPG_DESC_LEN bytes of @param are read.
 */
int ktgt_alua_stpg_parse(const u8 *param, u32 len, u32 *nr,
			 struct ktgt_sense_info *err);

/**
 * ktgt_alua_stpg_desc() - one descriptor of a validated STPG list
 * @param: the list ktgt_alua_stpg_parse() accepted
 * @idx: 0 to *nr - 1
 * @state: set to its ASYMMETRIC ACCESS STATE
 * @group_id: set to its TARGET PORT GROUP
 *
 * Return: the offset of the descriptor in @param, for field pointers.
 */
u32 ktgt_alua_stpg_desc(const u8 *param, u32 idx, u8 *state, u16 *group_id);

#endif /* KTGT_ALUA_DATA_H */
