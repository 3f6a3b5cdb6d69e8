/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt vtape: the tape image format and the tape's position on it.
 *
 * Portable: plain C over core/portable.h, no kernel dependencies, so the
 * host unit test and the fuzzer (tests/host/test_vtape_img.c,
 * fuzz_vtape_img.c) run exactly this code. Everything read from the image
 * is untrusted: a record that does not chain up is -EIO (the handler's
 * MEDIUM ERROR), never a read outside the image's capacity.
 *
 * Image format (version 1; all integers little-endian)
 * ====================================================
 *
 * A 32-byte header at offset 0:
 *
 *   0  8  magic "KTGTTAPE"
 *   8  4  version, 1
 *  12  4  flags, 0
 *  16  8  capacity: bytes of tape after the header (records and their
 *         headers, the end-of-data record included)
 *  24  8  reserved, 0
 *
 * then records, one after the other from offset 32 (VTAPE_DATA_START),
 * each a 16-byte record header followed by its data:
 *
 *   0  4  type: 1 data block, 2 filemark, 3 end-of-data
 *   4  4  length: bytes of data following (data blocks only, 1 to
 *         VTAPE_MAX_BLOCK; 0 for the others)
 *   8  4  prev: size (header + data) of the record before this one, 0
 *         for the first; lets the tape move backward
 *  12  4  check: type ^ length ^ prev ^ VTAPE_REC_MAGIC
 *
 * The last record is always the end-of-data record; what follows it in
 * the file is garbage. Writing at a position (a block, a filemark,
 * ERASE) writes the new record and a new end-of-data record after it:
 * everything that was after the position is gone, as on a real tape.
 * Every record, end-of-data included, lies within the capacity.
 *
 * The position
 * ============
 *
 * struct vtape is the tape's position: the byte offset of the record
 * under the head, its logical object number (blocks and filemarks before
 * it, what READ POSITION reports) and the size of the record before it.
 * Its user serialises every call on one struct vtape (a tape has one
 * position).
 */
#ifndef KTGT_VTAPE_IMG_H
#define KTGT_VTAPE_IMG_H

/* The kernel and host shim: types, errno, memcpy (core/portable.h). */
#include "../../core/portable.h"

#define VTAPE_MAGIC		"KTGTTAPE"
#define VTAPE_VERSION		1
#define VTAPE_HDR_LEN		32
#define VTAPE_DATA_START	VTAPE_HDR_LEN
#define VTAPE_REC_LEN		16
#define VTAPE_REC_MAGIC		0x4b545450U	/* "KTTP" */
/* The largest block: the core's largest transfer (8 MiB). */
#define VTAPE_MAX_BLOCK		(8U << 20)
/* Smallest capacity: room for a few records. */
#define VTAPE_MIN_CAPACITY	(64U << 10)

/**
 * enum vtape_rec_type - what a record is
 * @VTAPE_REC_DATA: a data block of length bytes
 * @VTAPE_REC_FILEMARK: a filemark
 * @VTAPE_REC_EOD: end of data: nothing was written from here on
 */
enum vtape_rec_type {
	VTAPE_REC_DATA = 1,
	VTAPE_REC_FILEMARK = 2,
	VTAPE_REC_EOD = 3,
};

/**
 * struct vtape_io - access to the image's bytes
 * @read: read exactly @len bytes at @off into @buf; 0, or a negative
 *	errno (a short read is -EIO)
 * @write: write exactly @len bytes at @off; 0, or a negative errno
 * @priv: the callbacks' context
 */
struct vtape_io {
	int (*read)(void *priv, u64 off, void *buf, u32 len);
	int (*write)(void *priv, u64 off, const void *buf, u32 len);
	void *priv;
};

/**
 * struct vtape_rec - a decoded record header
 * @type: enum vtape_rec_type
 * @len: data bytes (0 unless VTAPE_REC_DATA)
 * @prev: size of the record before it
 */
struct vtape_rec {
	u32 type;
	u32 len;
	u32 prev;
};

/**
 * struct vtape - an open image and the position on it
 * @io: how to reach the image's bytes
 * @capacity: the header's capacity; the records end at or before
 *	VTAPE_DATA_START + @capacity
 * @off: offset of the record at the position
 * @lobj: logical object number of the position (blocks and filemarks
 *	between the beginning of the tape and it)
 * @prev: size of the record before the position, 0 at the beginning
 *
 * Not locked: the user serialises every call on one tape.
 */
struct vtape {
	struct vtape_io io;
	u64 capacity;
	u64 off;
	u64 lobj;
	u32 prev;
};

/**
 * enum vtape_stop - why a movement stopped before its count
 * @VTAPE_STOP_NONE: it did not
 * @VTAPE_STOP_FILEMARK: a filemark (while spacing over blocks)
 * @VTAPE_STOP_EOD: end of data (forward)
 * @VTAPE_STOP_BOT: beginning of tape (backward)
 */
enum vtape_stop {
	VTAPE_STOP_NONE,
	VTAPE_STOP_FILEMARK,
	VTAPE_STOP_EOD,
	VTAPE_STOP_BOT,
};

/**
 * enum vtape_space_code - SPACE(6) CODE (SSC-3 7.8)
 * @VTAPE_SPACE_BLOCKS: logical blocks
 * @VTAPE_SPACE_FILEMARKS: filemarks
 * @VTAPE_SPACE_SEQ_FILEMARKS: that many consecutive filemarks
 * @VTAPE_SPACE_EOD: to end of data (count ignored)
 */
enum vtape_space_code {
	VTAPE_SPACE_BLOCKS = 0,
	VTAPE_SPACE_FILEMARKS = 1,
	VTAPE_SPACE_SEQ_FILEMARKS = 2,
	VTAPE_SPACE_EOD = 3,
};

/**
 * vtape_format() - write an empty image: the header and end of data
 * @io: the image
 * @capacity: bytes of tape, at least VTAPE_MIN_CAPACITY
 *
 * Return: 0, -EINVAL for a too small capacity, or @io's error.
 */
int vtape_format(const struct vtape_io *io, u64 capacity);

/**
 * vtape_open() - check an image's header and rewind
 * @t: the tape; @t->io set by the caller
 *
 * Only the header is checked here; records are checked when the tape
 * reaches them.
 *
 * Return: 0, -EINVAL for a header that is not a version 1 tape image,
 * or @io's error.
 */
int vtape_open(struct vtape *t);

/**
 * vtape_rewind() - go to the beginning of the tape
 * @t: the tape
 */
void vtape_rewind(struct vtape *t);

/**
 * vtape_peek() - the record at the position
 * @t: the tape
 * @rec: its header
 *
 * Return: 0, -EIO for a record that is not valid there (corrupt
 * image), or @io's error. The position does not change.
 */
int vtape_peek(struct vtape *t, struct vtape_rec *rec);

/**
 * vtape_data_off() - where the data of the record at the position is
 * @t: the tape
 *
 * Return: the byte offset, valid after vtape_peek() said VTAPE_REC_DATA.
 */
u64 vtape_data_off(const struct vtape *t);

/**
 * vtape_skip() - move past the record vtape_peek() returned
 * @t: the tape
 * @rec: that record; not end of data
 */
void vtape_skip(struct vtape *t, const struct vtape_rec *rec);

/**
 * vtape_back() - move back over the record before the position
 * @t: the tape
 * @rec: that record, now at the position
 *
 * Return: 0, 1 at the beginning of the tape (nothing moved), -EIO for a
 * corrupt image, or @io's error.
 */
int vtape_back(struct vtape *t, struct vtape_rec *rec);

/**
 * vtape_write() - write a record at the position, and end of data after
 * @t: the tape
 * @type: VTAPE_REC_DATA or VTAPE_REC_FILEMARK
 * @buf: for data, @len bytes
 * @len: for data, 1 to VTAPE_MAX_BLOCK; else 0
 * @early_warning: set if the tape is now within its early-warning zone
 *	(the last sixteenth of the capacity, at least 64 KiB of it)
 *
 * Everything after the position is lost; the position moves past the
 * new record.
 *
 * Return: 0, -ENOSPC if the record does not fit (nothing written),
 * -EINVAL for a bad @type or @len, or @io's error.
 */
int vtape_write(struct vtape *t, u32 type, const void *buf, u32 len,
		bool *early_warning);

/**
 * vtape_erase() - end the data at the position (ERASE)
 * @t: the tape
 *
 * Return: 0 or @io's error.
 */
int vtape_erase(struct vtape *t);

/**
 * vtape_space() - SPACE(6)
 * @t: the tape
 * @code: enum vtape_space_code
 * @count: how many, negative backward; ignored for VTAPE_SPACE_EOD
 * @stop: why it stopped early, or VTAPE_STOP_NONE
 * @resid: on an early stop, the absolute count not done (for the
 *	INFORMATION field)
 *
 * Blocks: a filemark stops it, past the filemark forward and before it
 * backward. Filemarks: the position ends past the last filemark forward,
 * before it backward. End of data stops a forward movement at end of
 * data; the beginning of the tape stops a backward one.
 *
 * Return: 0 (also on an early stop), -EINVAL for a bad @code, -EIO for
 * a corrupt image, or @io's error.
 */
int vtape_space(struct vtape *t, int code, int count, enum vtape_stop *stop,
		u32 *resid);

/**
 * vtape_locate() - go to a logical object number (LOCATE)
 * @t: the tape
 * @lobj: the object
 *
 * Return: 0; 1 if end of data comes first (the position is then end of
 * data); -EIO for a corrupt image, or @io's error.
 */
int vtape_locate(struct vtape *t, u64 lobj);

/**
 * vtape_early_warning() - whether an offset is in the early-warning zone
 * @t: the tape
 * @end: the offset
 *
 * Return: true if so.
 */
bool vtape_early_warning(const struct vtape *t, u64 end);

#endif /* KTGT_VTAPE_IMG_H */
