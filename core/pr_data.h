/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: portable parsers and builders for persistent reservations (see
 * portable.h): the APTPL state file and SPC-4 TransportIDs (7.6.4).
 * Both parse untrusted bytes (a file anyone with root may have edited,
 * a PR OUT parameter list), so they are host-tested
 * (tests/host/test_pr_data.c) and fuzzed (tests/host/fuzz_pr_file.c,
 * fuzz_pr_tid.c).
 *
 * State file format, version 1 (all integers big-endian):
 *   0  8  magic "KTGT-PR\0"
 *   8  2  version (1)
 *  10  2  flags (0)
 *  12  4  total length of the file, checksum included
 *  16  4  PRgeneration
 *  20  1  reservation TYPE (0: none)
 *  21  1  reserved (0)
 *  22  2  index of the holding registration (0xffff: none)
 *  24  2  number of registrations
 *  26  2  reserved (0)
 *  28     registrations, each:
 *          0 8 reservation key (not 0)
 *          8 1 PROTOCOL IDENTIFIER (0..15)
 *          9 1 flags: bit 0 ALL_TG_PT
 *         10 2 length P of the initiator port name (1..255)
 *         12 P the name (no NUL byte)
 *       12+P 2 length T of the target port name (1..255)
 *       14+P T the name (no NUL byte)
 *  len-4  4  CRC-32 (IEEE 802.3, as zlib's crc32()) of bytes 0..len-5
 * Registrations are unique by (initiator port, target port); a
 * reservation (TYPE != 0) has a holder and no reservation none.
 */
#ifndef KTGT_PR_DATA_H
#define KTGT_PR_DATA_H

#include "portable.h"

#define KTGT_PR_FILE_VERSION	1
#define KTGT_PR_FILE_HDR_LEN	28
#define KTGT_PR_NAME_MAX	255	/* an initiator or target port name */
#define KTGT_PR_MAX_REGS	1024	/* registrations per logical unit */
#define KTGT_PR_NO_HOLDER	0xffff
/* The largest valid file. */
#define KTGT_PR_FILE_MAX	(KTGT_PR_FILE_HDR_LEN + 4 + \
				 KTGT_PR_MAX_REGS * (14 + 2 * KTGT_PR_NAME_MAX))

/**
 * struct ktgt_pr_file_reg - a registration as the state file holds it
 * @key: the reservation key
 * @port: the initiator port name, @port_len bytes, not NUL-terminated
 * @port_len: its length
 * @tgt: the target port name, @tgt_len bytes, not NUL-terminated
 * @tgt_len: its length
 * @proto: PROTOCOL IDENTIFIER
 * @all_tg_pt: registered through every target port
 */
struct ktgt_pr_file_reg {
	u64		key;
	const char	*port;
	u16		port_len;
	const char	*tgt;
	u16		tgt_len;
	u8		proto;
	bool		all_tg_pt;
};

/**
 * struct ktgt_pr_file_hdr - the logical unit's state
 * @gen: PRgeneration
 * @type: reservation TYPE, 0 for none
 * @holder: index of the holding registration, KTGT_PR_NO_HOLDER if none
 * @nr_regs: number of registrations
 */
struct ktgt_pr_file_hdr {
	u32	gen;
	u8	type;
	u16	holder;
	u16	nr_regs;
};

/**
 * ktgt_pr_crc32() - CRC-32 (IEEE 802.3, reflected, as zlib's crc32())
 * @buf: the bytes
 * @len: their number
 *
 * Return: the CRC.
 */
u32 ktgt_pr_crc32(const u8 *buf, size_t len);

/**
 * ktgt_pr_file_reg_len() - the size of a registration in the file
 * @r: the registration
 *
 * Return: its size in bytes.
 */
size_t ktgt_pr_file_reg_len(const struct ktgt_pr_file_reg *r);

/**
 * ktgt_pr_file_put_hdr() - write the header
 * @buf: at least KTGT_PR_FILE_HDR_LEN bytes
 * @h: the state
 * @total: the length of the whole file (see ktgt_pr_file_reg_len())
 *
 * Return: KTGT_PR_FILE_HDR_LEN.
 */
size_t ktgt_pr_file_put_hdr(u8 *buf, const struct ktgt_pr_file_hdr *h,
			    u32 total);

/**
 * ktgt_pr_file_put_reg() - write a registration
 * @buf: at least ktgt_pr_file_reg_len(@r) bytes
 * @r: the registration (names of 1..KTGT_PR_NAME_MAX bytes)
 *
 * Return: the bytes written.
 */
size_t ktgt_pr_file_put_reg(u8 *buf, const struct ktgt_pr_file_reg *r);

/**
 * ktgt_pr_file_put_crc() - write the checksum
 * @buf: the file, @total bytes, all but its last 4 written
 * @total: its length
 */
void ktgt_pr_file_put_crc(u8 *buf, u32 total);

/**
 * ktgt_pr_file_parse() - validate a state file and walk it
 * @buf: its contents
 * @len: their length
 * @h: filled with the header
 * @cb: called for each registration once the whole file was found valid
 *	(may be NULL); a non-zero return stops the walk and is returned
 * @arg: @cb's argument
 * @why: set to a static description of what is wrong, on -EINVAL
 *
 * Nothing is reported to @cb unless the whole file is valid.
 *
 * Return: 0, -EINVAL for a corrupt, truncated or unknown file, or what
 * @cb returned.
 */
int ktgt_pr_file_parse(const u8 *buf, size_t len, struct ktgt_pr_file_hdr *h,
		       int (*cb)(void *arg, const struct ktgt_pr_file_reg *r),
		       void *arg, const char **why);

/**
 * struct ktgt_pr_tid - a parsed TransportID
 * @proto: PROTOCOL IDENTIFIER
 * @fmt: FORMAT CODE
 * @name: the initiator port name as ktgt names it (see
 *	ktgt_session_set_transport_id()): iSCSI format 00b "<name>", 01b
 *	"<name>,i,0x<ISID, 12 lower-case hex digits>"; FCP and SAS the
 *	port name as 16, SRP as 32 lower-case hex digits; protocol Fh (no
 *	specific protocol, ktgt's local target) "<name>", laid out as
 *	iSCSI format 00b
 * @err_off: on -EINVAL, the offset in the TransportID of the bad field
 * @err_bit: and its bit, -1 for the whole field
 */
struct ktgt_pr_tid {
	u8	proto;
	u8	fmt;
	char	name[KTGT_PR_NAME_MAX + 1];
	u32	err_off;
	s8	err_bit;
};

/**
 * ktgt_pr_tid_parse() - parse one TransportID
 * @buf: the bytes
 * @len: how many there are
 * @tid: filled
 *
 * Supported: iSCSI (05h) formats 00b and 01b, FCP (0h), SRP (4h) and SAS
 * (6h) format 00b, and protocol Fh as iSCSI 00b.
 *
 * Return: the TransportID's length (> 0), -EMSGSIZE if it does not fit
 * in @len bytes, -EINVAL if a field is invalid or unsupported
 * (@tid->err_off, @tid->err_bit).
 */
int ktgt_pr_tid_parse(const u8 *buf, u32 len, struct ktgt_pr_tid *tid);

/**
 * ktgt_pr_tid_build() - build the TransportID of an initiator port name
 * @proto: PROTOCOL IDENTIFIER
 * @name: the name, as ktgt_pr_tid_parse() gives it, NUL-terminated
 * @buf: written if not NULL: the TransportID
 *
 * iSCSI and protocol Fh: format 01b if @name has ",i,0x", else 00b,
 * padded to a multiple of 4, at least 24 bytes; FCP, SAS and SRP: their
 * 24-byte formats (a name that is not valid hex gives zeroes).
 *
 * Return: the TransportID's length.
 */
u32 ktgt_pr_tid_build(u8 proto, const char *name, u8 *buf);

/**
 * ktgt_pr_port_matches() - whether a registration's initiator port name
 *	names an I_T nexus's initiator port
 * @reg: the registration's name
 * @port: the nexus's name (as ktgt_session_port_id() gives it)
 *
 * Equal names match, and an iSCSI name without ",i,0x" (TransportID
 * format 00b) matches every "<name>,i,0x<ISID>" of that name. Names are
 * equal if they differ only in the case of ASCII letters: iSCSI names are
 * case-insensitive (RFC 3722, SPC-4 7.6.4.6), and the other transports'
 * names are hex.
 *
 * Return: true if it matches.
 */
bool ktgt_pr_port_matches(const char *reg, const char *port);

#endif /* KTGT_PR_DATA_H */
