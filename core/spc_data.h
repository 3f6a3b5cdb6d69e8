/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: SPC-4 / SBC-3 response data and parameter list parsing.
 *
 * Pure functions that turn a plain description of a logical unit (struct
 * ktgt_spc_dev, filled by core/spc.c from the device's parameters) into
 * the bytes of INQUIRY, MODE SENSE, READ CAPACITY, REPORT SUPPORTED
 * OPERATION CODES and GET LBA STATUS, and that validate the parameter
 * lists of MODE SELECT and UNMAP. Nothing here knows about commands,
 * scatterlists or locking; core/spc.c and core/sbc.c do that.
 *
 * Conventions shared by every builder:
 *
 * - @buf/@buflen is the destination; at most @buflen bytes are written,
 *   so a caller may pass a buffer sized to the ALLOCATION LENGTH and get
 *   the SPC-4 truncation for free. Nothing past @buflen is touched.
 * - The return value (or *@full) is the length of the complete,
 *   untruncated data, which the length fields inside the data describe.
 * - Errors are reported as a struct ktgt_sense_info (sense.h) with the
 *   field pointer SPC-4 wants, and -EINVAL.
 *
 * Portable: compiles in the kernel and in host tests (see portable.h).
 */
#ifndef KTGT_SPC_DATA_H
#define KTGT_SPC_DATA_H

#include "portable.h"
#include <ktgt/ktgt_proto.h>
#include "cdb.h"
#include "sense.h"

/* PERIPHERAL DEVICE TYPE values the emulation knows (SPC-4 table 141). */
#define KTGT_PDT_DISK		0x00
#define KTGT_PDT_TAPE		0x01
#define KTGT_PDT_CDROM		0x05
#define KTGT_PDT_CHANGER	0x08

/* Version descriptors (SPC-4 table 143), "no version claimed". */
#define KTGT_VD_SAM5		0x00a0
#define KTGT_VD_SPC4		0x0460
#define KTGT_VD_SBC3		0x04c0
#define KTGT_VD_SSC3		0x0400
#define KTGT_VD_MMC6		0x04e0
#define KTGT_VD_SMC3		0x0480

/* The longest iSCSI name (RFC 7143 4.2.7.1), in bytes. */
#define KTGT_ISCSI_NAME_MAX		223

/* Lengths of fixed-size data. */
#define KTGT_SPC_INQUIRY_STD_LEN	96	/* standard INQUIRY data */
#define KTGT_SPC_RCAP10_LEN		8	/* READ CAPACITY(10) data */
#define KTGT_SPC_RCAP16_LEN		32	/* READ CAPACITY(16) data */
/*
 * The longest VPD page built here: 83h for an iSCSI port with a 223-byte
 * name (4 + 20 + 44 + 8 + 8 + 240 + 228 = 552 bytes).
 */
#define KTGT_SPC_VPD_MAX_LEN		552
#define KTGT_SPC_MODE_MAX_LEN		256	/* longest MODE SENSE data */
#define KTGT_SPC_LOG_MAX_LEN		64	/* longest LOG SENSE data */
#define KTGT_SPC_LBA_STATUS_HDR_LEN	8	/* GET LBA STATUS header */
#define KTGT_SPC_LBA_STATUS_DESC_LEN	16	/* ... and each descriptor */
#define KTGT_SPC_UNMAP_HDR_LEN		8	/* UNMAP parameter list header */
#define KTGT_SPC_UNMAP_DESC_LEN		16	/* ... and each descriptor */

/* Logical block provisioning status (SBC-3 table 43). */
#define KTGT_LBA_MAPPED			0x0
#define KTGT_LBA_DEALLOCATED		0x1

/**
 * struct ktgt_spc_limits - the Block Limits VPD page (B0h) values
 * @max_xfer_blocks: MAXIMUM TRANSFER LENGTH in blocks; 0: no limit
 * @opt_xfer_blocks: OPTIMAL TRANSFER LENGTH in blocks; 0: not reported
 * @opt_gran_blocks: OPTIMAL TRANSFER LENGTH GRANULARITY in blocks
 * @max_ws_blocks: MAXIMUM WRITE SAME LENGTH; WRITE SAME acting on more
 *	blocks is refused (0: no limit)
 * @max_unmap_blocks: MAXIMUM UNMAP LBA COUNT (reported only when thin
 *	provisioned); 0xffffffff: no limit
 * @max_unmap_descs: MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT (likewise)
 * @opt_unmap_gran: OPTIMAL UNMAP GRANULARITY in blocks; 0: not reported
 * @max_caw_blocks: MAXIMUM COMPARE AND WRITE LENGTH in blocks
 */
struct ktgt_spc_limits {
	u32 max_xfer_blocks;
	u32 opt_xfer_blocks;
	u16 opt_gran_blocks;
	u32 max_ws_blocks;
	u32 max_unmap_blocks;
	u32 max_unmap_descs;
	u32 opt_unmap_gran;
	u8 max_caw_blocks;
};

/**
 * struct ktgt_spc_dev - what the emulation needs to know about a logical
 *	unit, as plain values
 * @pdt: PERIPHERAL DEVICE TYPE (KTGT_PDT_DISK, KTGT_PDT_CDROM, ...)
 * @removable: RMB (always reported for a CD-ROM and a tape)
 * @read_only: the device or the LUN is write protected (WP in mode data)
 * @write_through: the configured default: WCE defaults to !@write_through
 * @rotational: a rotating medium (B1h reports the rate as not reported)
 *	rather than solid state (rate 0001h)
 * @thin: thin provisioned with a working unmap: LBPME, LBPU, LBPWS,
 *	LBPWS10 and the UNMAP limits are reported
 * @lbprz: deallocated blocks read as zeroes (LBPRZ)
 * @tas: the default TAS bit of the control mode page (MODE SELECT may
 *	change the current value, struct ktgt_spc_mode)
 * @tpgs: TPGS field of standard INQUIRY data (ALUA; 0: not supported)
 * @block_size: logical block size in bytes
 * @nr_blocks: capacity in logical blocks
 * @lbppbe: LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (ktgt_spc_lbppbe())
 * @vendor: T10 VENDOR IDENTIFICATION, NUL-terminated, up to 8 characters
 * @product: PRODUCT IDENTIFICATION, up to 16 characters
 * @revision: PRODUCT REVISION LEVEL, up to 4 characters
 * @serial: UNIT SERIAL NUMBER, up to 32 characters; may be empty
 * @naa_id: the 16-byte NAA IEEE Registered Extended designator
 * @transport_vd: a transport's version descriptor for standard INQUIRY
 *	data (e.g. iSCSI 0960h); 0 for none
 * @rel_port: RELATIVE TARGET PORT IDENTIFIER for VPD 83h; 0: the
 *	designator is omitted
 * @tpg: TARGET PORT GROUP for VPD 83h; used if @has_tpg
 * @has_tpg: report a target port group designator
 * @port_proto: the PROTOCOL IDENTIFIER of the target port (KTGT_PROTO_*);
 *	used if @port_piv
 * @port_piv: give @port_proto, with PIV = 1, in the relative target port
 *	and target port group designators (else PIV = 0, no protocol)
 * @iscsi_name: the iSCSI name of the target the command came through, or
 *	NULL (not iSCSI). With a name of 1 to %KTGT_ISCSI_NAME_MAX bytes,
 *	VPD 83h reports two SCSI name string designators: the target port
 *	("<name>,t,0x<@tpgt>") and the SCSI target device ("<name>"); a
 *	longer name is not an iSCSI name and reports neither
 * @tpgt: the TARGET PORTAL GROUP TAG of the iSCSI target port
 * @prevented: medium removal is prevented (LOCK STATE of a CD-ROM's MM
 *	capabilities mode page); read for MODE SENSE and MODE SELECT only
 * @lim: Block Limits
 *
 * The strings are copied, space padded, into the fixed-width fields;
 * characters past the field width are dropped.
 */
struct ktgt_spc_dev {
	u8 pdt;
	bool removable;
	bool read_only;
	bool write_through;
	bool rotational;
	bool thin;
	bool lbprz;
	bool tas;
	u8 tpgs;
	u32 block_size;
	u64 nr_blocks;
	u8 lbppbe;
	const char *vendor;
	const char *product;
	const char *revision;
	const char *serial;
	u8 naa_id[16];
	u16 transport_vd;
	u16 rel_port;
	u16 tpg;
	bool has_tpg;
	u8 port_proto;
	bool port_piv;
	const char *iscsi_name;
	u16 tpgt;
	bool prevented;
	struct ktgt_spc_limits lim;
};

/**
 * struct ktgt_spc_mode - current values of the changeable mode parameters
 * @wce: caching mode page WCE (write cache enabled)
 * @d_sense: control mode page D_SENSE (descriptor format sense data)
 * @tas: control mode page TAS (tasks aborted by another I_T nexus end
 *	with TASK ABORTED status; else silently, with a unit attention)
 * @ua_intlck: control mode page UA_INTLCK_CTRL (00b, 10b or 11b)
 * @qerr: control mode page QERR (00b; 01b: a CHECK CONDITION aborts every
 *	other task of the task set; 11b: those of its I_T nexus)
 */
struct ktgt_spc_mode {
	bool wce;
	bool d_sense;
	bool tas;
	u8 ua_intlck;
	u8 qerr;
};

/**
 * ktgt_spc_inquiry() - INQUIRY parameter data (SPC-4 6.6)
 * @d: the logical unit
 * @cdb: an INQUIRY CDB accepted by ktgt_cdb_decode()
 * @buf: destination
 * @buflen: its size
 * @full: set to the untruncated length
 * @err: sense on error
 *
 * Standard data with EVPD = 0 (the decoder refused a PAGE CODE with it);
 * with EVPD = 1 the page ktgt_spc_vpd() builds.
 *
 * Return: 0, or -EINVAL for an unsupported VPD page: INVALID FIELD IN CDB
 * at byte 2 (PAGE CODE).
 */
int ktgt_spc_inquiry(const struct ktgt_spc_dev *d, const u8 *cdb, u8 *buf,
		     u32 buflen, u32 *full, struct ktgt_sense_info *err);

/**
 * ktgt_spc_inquiry_std() - standard INQUIRY data
 * @d: the logical unit
 * @buf: destination
 * @buflen: its size
 *
 * VERSION 06h (SPC-4), RESPONSE DATA FORMAT 2, HISUP, CMDQUE, the
 * identification strings and version descriptors SAM-5, SPC-4, then
 * SBC-3 (disk) or MMC-6 (CD-ROM), then @d->transport_vd if set.
 *
 * Return: KTGT_SPC_INQUIRY_STD_LEN.
 */
u32 ktgt_spc_inquiry_std(const struct ktgt_spc_dev *d, u8 *buf, u32 buflen);

/**
 * ktgt_spc_vpd_supported() - whether a VPD page exists for a device type
 * @d: the logical unit
 * @page: page code
 *
 * 00h, 80h and 83h for every type; B0h, B1h and B2h for disks.
 *
 * Return: true if ktgt_spc_vpd() builds @page.
 */
bool ktgt_spc_vpd_supported(const struct ktgt_spc_dev *d, u8 page);

/**
 * ktgt_spc_vpd() - a VPD page
 * @d: the logical unit
 * @page: page code; must be supported (ktgt_spc_vpd_supported())
 * @buf: destination
 * @buflen: its size
 *
 * Return: the page's full length (4 + PAGE LENGTH), or 0 if @page is not
 * supported (nothing is written).
 */
u32 ktgt_spc_vpd(const struct ktgt_spc_dev *d, u8 page, u8 *buf, u32 buflen);

/**
 * ktgt_spc_mode_sense() - MODE SENSE(6)/(10) parameter data (SPC-4 6.11)
 * @d: the logical unit
 * @cur: current mode parameter values
 * @cdb: a MODE SENSE(6) or (10) CDB accepted by ktgt_cdb_decode()
 * @buf: destination
 * @buflen: its size
 * @full: set to the untruncated length
 * @err: sense on error
 *
 * Pages: 01h (read-write error recovery), 08h (caching; disks only), 0Ah
 * (control), 2Ah (MMC-3's MM capabilities and mechanical status;
 * CD-ROMs only, LOCK STATE from @d->prevented), 3Fh (all), each with
 * subpage 00h, or FFh for "all subpages". Disks get a short (8-byte)
 * block descriptor, or a long one with MODE SENSE(10) LLBAA = 1, unless
 * DBD = 1; CD-ROMs none. PC selects current, changeable (a mask) or
 * default values.
 *
 * Return: 0, or -EINVAL: PC 11b (saved values): SAVING PARAMETERS NOT
 * SUPPORTED at byte 2 bit 7; an unsupported page code: INVALID FIELD IN
 * CDB at byte 2 bit 5; an unsupported subpage: INVALID FIELD IN CDB at
 * byte 3.
 */
int ktgt_spc_mode_sense(const struct ktgt_spc_dev *d,
			const struct ktgt_spc_mode *cur, const u8 *cdb,
			u8 *buf, u32 buflen, u32 *full,
			struct ktgt_sense_info *err);

/**
 * ktgt_spc_mode_select() - validate and apply a MODE SELECT parameter list
 * @d: the logical unit
 * @cur: current mode parameter values
 * @cdb: a MODE SELECT(6) or (10) CDB accepted by ktgt_cdb_decode() (so SP
 *	is already 0)
 * @param: the parameter list
 * @len: its length (the PARAMETER LIST LENGTH)
 * @out: the new values; written only on success (may equal @cur)
 * @err: sense on error
 *
 * A zero-length list changes nothing. Otherwise PF must be 1; the header
 * must fit; MEDIUM TYPE must be 0; the block descriptor, if any, must be
 * the size LONGLBA implies (8 or 16) and repeat the current block length
 * (NUMBER OF LOGICAL BLOCKS may be 0 or the current value); every page
 * must be one MODE SENSE reports, with its exact PAGE LENGTH, and may
 * differ from the current values only in changeable bits (WCE, D_SENSE).
 * The list is validated completely before anything is applied. MODE DATA
 * LENGTH, the device-specific parameter and PS are reserved in MODE
 * SELECT and ignored.
 *
 * Return: 0, or -EINVAL: PF = 0: INVALID FIELD IN CDB at byte 1 bit 4; a
 * truncated header, descriptor or page: PARAMETER LIST LENGTH ERROR; any
 * other fault: INVALID FIELD IN PARAMETER LIST at the offending byte and
 * bit.
 */
int ktgt_spc_mode_select(const struct ktgt_spc_dev *d,
			 const struct ktgt_spc_mode *cur, const u8 *cdb,
			 const u8 *param, u32 len, struct ktgt_spc_mode *out,
			 struct ktgt_sense_info *err);

/**
 * ktgt_spc_log_sense() - LOG SENSE parameter data (SPC-4 6.6, 7.3)
 * @cdb: a LOG SENSE CDB accepted by ktgt_cdb_decode() (so PPC and SP are
 *	already 0)
 * @buf: destination; may be NULL when @buflen is 0
 * @buflen: its size; the page is truncated to it
 * @full: set to the page's full length
 * @err: sense on error
 *
 * The pages are the ones the core can fill truthfully for any logical
 * unit, virtual or not: Supported Log Pages (00h) and Supported Log
 * Pages and Subpages (00h/FFh), which list exactly those two. ktgt keeps
 * no counters, no temperature, no self-test results and no provisioning
 * resource figures (no handler reports available or used capacity), so
 * every other page (02h, 03h, 0Ch, 0Dh, 10h, 2Fh, ...) is unsupported
 * rather than filled with invented values. The PC field does not change
 * those lists (they have no thresholds or cumulative values): any PC is
 * accepted. They have no log parameters, so a PARAMETER POINTER other
 * than 0 is past the last parameter code.
 *
 * Return: 0, or -EINVAL with INVALID FIELD IN CDB: an unsupported PAGE
 * CODE at byte 2 bit 5; an unsupported SUBPAGE CODE at byte 3 bit 7; a
 * PARAMETER POINTER other than 0 at byte 5 bit 7.
 */
int ktgt_spc_log_sense(const u8 *cdb, u8 *buf, u32 buflen, u32 *full,
		       struct ktgt_sense_info *err);

/**
 * ktgt_spc_read_capacity10() - READ CAPACITY(10) parameter data
 * @d: the logical unit
 * @buf: destination
 * @buflen: its size
 *
 * RETURNED LOGICAL BLOCK ADDRESS is the last LBA, or FFFFFFFFh when that
 * does not fit (the initiator must use READ CAPACITY(16)).
 *
 * Return: KTGT_SPC_RCAP10_LEN.
 */
u32 ktgt_spc_read_capacity10(const struct ktgt_spc_dev *d, u8 *buf,
			     u32 buflen);

u8 ktgt_spc_lbppbe(u32 block_size, u32 phys_block_size);

/**
 * ktgt_spc_read_capacity16() - READ CAPACITY(16) parameter data
 * @d: the logical unit
 * @buf: destination
 * @buflen: its size
 *
 * No protection information, @d->lbppbe, LBPME (and LBPRZ) when thin
 * provisioned, LOWEST ALIGNED LOGICAL BLOCK ADDRESS 0.
 *
 * Return: KTGT_SPC_RCAP16_LEN.
 */
u32 ktgt_spc_read_capacity16(const struct ktgt_spc_dev *d, u8 *buf,
			     u32 buflen);

/**
 * ktgt_spc_rsoc() - REPORT SUPPORTED OPERATION CODES parameter data
 *	(SPC-4 6.35)
 * @d: the logical unit: without @d->thin, the commands of @tbl flagged
 *	KTGT_CDB_F_THIN are not supported; without @d->tpgs, neither are
 *	REPORT and SET TARGET PORT GROUPS, nor the latter without explicit
 *	ALUA (@d->tpgs bit 1)
 * @tbl: the logical unit's command table
 * @cdb: a REPORT SUPPORTED OPERATION CODES CDB accepted by
 *	ktgt_cdb_decode()
 * @buf: destination
 * @buflen: its size
 * @full: set to the untruncated length
 * @err: sense on error
 *
 * REPORTING OPTIONS 000b lists every supported command of @tbl (with a
 * timeouts descriptor each if RCTD); 001b, 010b and 011b return the one
 * command's CDB USAGE DATA with SUPPORT 011b (without WRITE SAME's UNMAP
 * bit unless @d->thin), or SUPPORT 001b and no usage data when the
 * command is not supported.
 *
 * Return: 0, or -EINVAL: 001b for an operation code with service actions,
 * or 010b for one without: INVALID FIELD IN CDB at byte 2 (REPORTING
 * OPTIONS).
 */
int ktgt_spc_rsoc(const struct ktgt_spc_dev *d,
		  const struct ktgt_cdb_table *tbl, const u8 *cdb, u8 *buf,
		  u32 buflen, u32 *full, struct ktgt_sense_info *err);

/**
 * ktgt_spc_rsoc_timeouts() - the timeouts a command descriptor reports
 * @desc: the command
 * @nominal: set to NOMINAL COMMAND PROCESSING TIMEOUT, seconds (0: not
 *	specified)
 * @recommended: set to RECOMMENDED COMMAND TIMEOUT, seconds
 */
void ktgt_spc_rsoc_timeouts(const struct ktgt_cdb_desc *desc, u32 *nominal,
			    u32 *recommended);

/**
 * ktgt_spc_lba_status_hdr() - GET LBA STATUS parameter data header
 * @buf: destination
 * @buflen: its size
 * @nr_descs: the number of LBA status descriptors that follow
 *
 * Return: the full length of the data: header plus descriptors.
 */
u32 ktgt_spc_lba_status_hdr(u8 *buf, u32 buflen, u32 nr_descs);

/**
 * ktgt_spc_lba_status_desc() - one LBA status descriptor (SBC-3 5.5.3)
 * @buf: destination, KTGT_SPC_LBA_STATUS_DESC_LEN bytes
 * @lba: first LBA of the extent
 * @nr: its number of logical blocks
 * @status: KTGT_LBA_MAPPED or KTGT_LBA_DEALLOCATED
 */
void ktgt_spc_lba_status_desc(u8 *buf, u64 lba, u32 nr, u8 status);

/**
 * ktgt_spc_unmap_parse() - validate an UNMAP parameter list (SBC-3 5.28)
 * @d: the logical unit (capacity and UNMAP limits)
 * @param: the parameter list
 * @len: its length (the PARAMETER LIST LENGTH)
 * @nr_descs: set to the number of complete block descriptors to act on
 * @err: sense on error
 *
 * Every descriptor is checked before the caller unmaps anything; an
 * incomplete trailing descriptor is ignored, as SBC-3 requires. A zero
 * @len is valid and yields no descriptors.
 *
 * Return: 0, or -EINVAL: 0 < @len < 8: PARAMETER LIST LENGTH ERROR;
 * UNMAP BLOCK DESCRIPTOR DATA LENGTH beyond the list or above UNMAP DATA
 * LENGTH - 6, more descriptors than MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT,
 * or descriptors whose blocks add up to more than MAXIMUM UNMAP LBA
 * COUNT (pointing at the one that crosses it): INVALID FIELD IN
 * PARAMETER LIST at the field; a descriptor past the capacity: LBA OUT OF
 * RANGE.
 */
int ktgt_spc_unmap_parse(const struct ktgt_spc_dev *d, const u8 *param,
			 u32 len, u32 *nr_descs, struct ktgt_sense_info *err);

/**
 * ktgt_spc_unmap_desc() - one block descriptor of a validated UNMAP list
 * @param: the parameter list ktgt_spc_unmap_parse() accepted
 * @idx: 0 to *nr_descs - 1
 * @lba: set to its LBA
 * @nr: set to its NUMBER OF LOGICAL BLOCKS (may be 0)
 */
void ktgt_spc_unmap_desc(const u8 *param, u32 idx, u64 *lba, u32 *nr);

/**
 * ktgt_spc_write_same_check() - the extent of a WRITE SAME (SBC-3 5.42)
 * @d: the logical unit
 * @c: the decoded CDB, already range checked (ktgt_cdb_check_range())
 * @nr: set to the number of blocks to act on: the CDB's, or from the LBA
 *	to the end of the medium when that is 0 (WSNZ = 0)
 * @err: sense on error
 *
 * Return: 0, or -EINVAL with INVALID FIELD IN CDB: UNMAP = 1 on a device
 * that is not thin provisioned (LBPWS = 0) at byte 1 bit 3; more blocks
 * than MAXIMUM WRITE SAME LENGTH at the NUMBER OF LOGICAL BLOCKS field.
 */
int ktgt_spc_write_same_check(const struct ktgt_spc_dev *d,
			      const struct ktgt_cdb *c, u64 *nr,
			      struct ktgt_sense_info *err);

/**
 * ktgt_spc_mismatch() - the first differing byte of two buffers
 * @a: one buffer
 * @b: the other
 * @len: bytes to compare
 *
 * Return: the offset of the first byte that differs, or @len if none.
 */
u32 ktgt_spc_mismatch(const u8 *a, const u8 *b, u32 len);

/**
 * ktgt_spc_is_zero() - whether a buffer holds only zero bytes
 * @p: the buffer
 * @len: its length
 *
 * Return: true if every byte is 0.
 */
bool ktgt_spc_is_zero(const u8 *p, u32 len);

/**
 * ktgt_spc_miscompare() - describe a MISCOMPARE
 * @err: sense to fill: MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION
 * @offset: the INFORMATION field: the offset of the first byte that
 *	differed
 */
void ktgt_spc_miscompare(struct ktgt_sense_info *err, u64 offset);

/**
 * ktgt_spc_report_luns_select() - what REPORT LUNS lists for its SELECT
 *	REPORT field (SPC-4 6.33, SPC-5 6.36)
 * @select: SELECT REPORT, CDB byte 2
 * @all: set to true for every LUN of the I_T nexus, false for an empty
 *	list
 * @err: for a reserved or vendor specific value: ILLEGAL REQUEST,
 *	INVALID FIELD IN CDB on byte 2
 *
 * ktgt has no well known logical units and no conglomerates (no
 * administrative and no subsidiary logical units), so every defined
 * value lists either all of the nexus's LUNs or none:
 *
 * - 00h (all but well known LUs), 02h (all LUs) and 11h
 *   (administrative LUs and the LUs in no conglomerate): all;
 * - 01h (well known LUs), 10h (administrative LUs) and 12h (the
 *   administrative LU the command is addressed to and its subsidiary
 *   LUs; the addressed LU is never an administrative one): none.
 *
 * Return: 0, or -EINVAL with @err set.
 */
int ktgt_spc_report_luns_select(u8 select, bool *all,
				struct ktgt_sense_info *err);

#endif /* KTGT_SPC_DATA_H */
