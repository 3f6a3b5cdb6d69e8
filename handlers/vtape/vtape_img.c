// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt vtape: the tape image format (see vtape_img.h for the layout).
 *
 * Portable: compiled into ktgt_vtape.ko and into the host unit test and
 * fuzzer. Every record header read from the image is checked before it
 * is believed: its check word, its type, its length, that it lies within
 * the capacity with room for the record after it, and that its prev
 * field matches how the tape got there. Forward movements strictly
 * increase the offset and backward ones decrease it, within the
 * capacity, so no image makes them loop.
 */
#include "vtape_img.h"

/* The largest capacity accepted from a header (1 PiB). */
#define VTAPE_MAX_CAPACITY	(1024ULL << 40)

static u32 get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 |
	       (u32)p[3] << 24;
}

static u64 get_le64(const u8 *p)
{
	return (u64)get_le32(p) | (u64)get_le32(p + 4) << 32;
}

static void put_le32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put_le64(u8 *p, u64 v)
{
	put_le32(p, (u32)v);
	put_le32(p + 4, (u32)(v >> 32));
}

static u32 rec_check(u32 type, u32 len, u32 prev)
{
	return type ^ len ^ prev ^ VTAPE_REC_MAGIC;
}

/* The end of the tape: no record byte lies at or past it. */
static u64 tape_end(const struct vtape *t)
{
	return VTAPE_DATA_START + t->capacity;
}

static int write_rec(struct vtape *t, u64 off, u32 type, u32 len, u32 prev)
{
	u8 b[VTAPE_REC_LEN];

	put_le32(b, type);
	put_le32(b + 4, len);
	put_le32(b + 8, prev);
	put_le32(b + 12, rec_check(type, len, prev));
	return t->io.write(t->io.priv, off, b, sizeof(b));
}

/*
 * Read and check the record header at @off: a valid type, length and
 * check word, and the record within the tape with room for a record
 * header after it unless it is end of data.
 */
static int read_rec(struct vtape *t, u64 off, struct vtape_rec *rec)
{
	u8 b[VTAPE_REC_LEN];
	u64 end = tape_end(t);
	int ret;

	if (off < VTAPE_DATA_START || off > end || end - off < VTAPE_REC_LEN)
		return -EIO;
	ret = t->io.read(t->io.priv, off, b, sizeof(b));
	if (ret)
		return ret;
	rec->type = get_le32(b);
	rec->len = get_le32(b + 4);
	rec->prev = get_le32(b + 8);
	if (get_le32(b + 12) != rec_check(rec->type, rec->len, rec->prev))
		return -EIO;
	switch (rec->type) {
	case VTAPE_REC_DATA:
		if (!rec->len || rec->len > VTAPE_MAX_BLOCK)
			return -EIO;
		break;
	case VTAPE_REC_FILEMARK:
	case VTAPE_REC_EOD:
		if (rec->len)
			return -EIO;
		break;
	default:
		return -EIO;
	}
	/* A record before end of data is followed by at least one more. */
	if (rec->type != VTAPE_REC_EOD &&
	    end - off < 2ULL * VTAPE_REC_LEN + rec->len)
		return -EIO;
	/* The record before it lies between the data start and it. */
	if (rec->prev > off - VTAPE_DATA_START ||
	    (rec->prev && rec->prev < VTAPE_REC_LEN) ||
	    !rec->prev != !(off - VTAPE_DATA_START))
		return -EIO;
	return 0;
}

static u32 rec_size(const struct vtape_rec *rec)
{
	return VTAPE_REC_LEN + rec->len;
}

int vtape_format(const struct vtape_io *io, u64 capacity)
{
	struct vtape t = { .io = *io, .capacity = capacity };
	u8 h[VTAPE_HDR_LEN];
	int ret;

	if (capacity < VTAPE_MIN_CAPACITY || capacity > VTAPE_MAX_CAPACITY)
		return -EINVAL;
	memset(h, 0, sizeof(h));
	memcpy(h, VTAPE_MAGIC, 8);
	put_le32(h + 8, VTAPE_VERSION);
	put_le64(h + 16, capacity);
	ret = io->write(io->priv, 0, h, sizeof(h));
	if (ret)
		return ret;
	return write_rec(&t, VTAPE_DATA_START, VTAPE_REC_EOD, 0, 0);
}

int vtape_open(struct vtape *t)
{
	u8 h[VTAPE_HDR_LEN];
	int ret;

	ret = t->io.read(t->io.priv, 0, h, sizeof(h));
	if (ret)
		return ret;
	if (memcmp(h, VTAPE_MAGIC, 8) || get_le32(h + 8) != VTAPE_VERSION ||
	    get_le32(h + 12))
		return -EINVAL;
	t->capacity = get_le64(h + 16);
	if (t->capacity < VTAPE_MIN_CAPACITY ||
	    t->capacity > VTAPE_MAX_CAPACITY)
		return -EINVAL;
	vtape_rewind(t);
	return 0;
}

void vtape_rewind(struct vtape *t)
{
	t->off = VTAPE_DATA_START;
	t->lobj = 0;
	t->prev = 0;
}

int vtape_peek(struct vtape *t, struct vtape_rec *rec)
{
	int ret;

	ret = read_rec(t, t->off, rec);
	if (ret)
		return ret;
	/* It must agree with the record the tape came from. */
	if (rec->prev != t->prev)
		return -EIO;
	return 0;
}

u64 vtape_data_off(const struct vtape *t)
{
	return t->off + VTAPE_REC_LEN;
}

void vtape_skip(struct vtape *t, const struct vtape_rec *rec)
{
	t->prev = rec_size(rec);
	t->off += t->prev;
	t->lobj++;
}

int vtape_back(struct vtape *t, struct vtape_rec *rec)
{
	u64 at;
	int ret;

	if (!t->prev)
		return t->off == VTAPE_DATA_START ? 1 : -EIO;
	if (!t->lobj || t->prev > t->off - VTAPE_DATA_START)
		return -EIO;
	at = t->off - t->prev;
	ret = read_rec(t, at, rec);
	if (ret)
		return ret;
	if (rec->type == VTAPE_REC_EOD || rec_size(rec) != t->prev)
		return -EIO;
	t->off = at;
	t->lobj--;
	t->prev = rec->prev;
	return 0;
}

bool vtape_early_warning(const struct vtape *t, u64 end)
{
	u64 ew = t->capacity / 16;

	if (ew < (64U << 10))
		ew = 64U << 10;
	if (ew > t->capacity / 2)
		ew = t->capacity / 2;
	return end > tape_end(t) - ew;
}

int vtape_write(struct vtape *t, u32 type, const void *buf, u32 len,
		bool *early_warning)
{
	u64 size = VTAPE_REC_LEN + (u64)len;
	u64 end = tape_end(t);
	int ret;

	*early_warning = false;
	if (type == VTAPE_REC_DATA) {
		if (!len || len > VTAPE_MAX_BLOCK)
			return -EINVAL;
	} else if (type != VTAPE_REC_FILEMARK || len) {
		return -EINVAL;
	}
	if (t->off > end || end - t->off < size + VTAPE_REC_LEN)
		return -ENOSPC;
	if (len) {
		ret = t->io.write(t->io.priv, t->off + VTAPE_REC_LEN, buf, len);
		if (ret)
			return ret;
	}
	/* End of data first, so the chain is whole at every step. */
	ret = write_rec(t, t->off + size, VTAPE_REC_EOD, 0, (u32)size);
	if (ret)
		return ret;
	ret = write_rec(t, t->off, type, len, t->prev);
	if (ret)
		return ret;
	t->off += size;
	t->lobj++;
	t->prev = (u32)size;
	*early_warning = vtape_early_warning(t, t->off + VTAPE_REC_LEN);
	return 0;
}

int vtape_erase(struct vtape *t)
{
	return write_rec(t, t->off, VTAPE_REC_EOD, 0, t->prev);
}

/* Forward over @n records of @code; see vtape_space(). */
static int space_fwd(struct vtape *t, int code, u32 n, enum vtape_stop *stop,
		     u32 *resid)
{
	struct vtape_rec rec;
	u32 done = 0, run = 0;
	int ret;

	while (code == VTAPE_SPACE_EOD || done < n) {
		ret = vtape_peek(t, &rec);
		if (ret)
			return ret;
		if (rec.type == VTAPE_REC_EOD) {
			if (code == VTAPE_SPACE_EOD)
				return 0;
			*stop = VTAPE_STOP_EOD;
			*resid = n - done;
			return 0;
		}
		vtape_skip(t, &rec);
		switch (code) {
		case VTAPE_SPACE_BLOCKS:
			if (rec.type == VTAPE_REC_FILEMARK) {
				*stop = VTAPE_STOP_FILEMARK;
				*resid = n - done;
				return 0;
			}
			done++;
			break;
		case VTAPE_SPACE_FILEMARKS:
			if (rec.type == VTAPE_REC_FILEMARK)
				done++;
			break;
		case VTAPE_SPACE_SEQ_FILEMARKS:
			run = rec.type == VTAPE_REC_FILEMARK ? run + 1 : 0;
			if (run == n)
				done = n;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Backward over @n records of @code; see vtape_space(). */
static int space_back(struct vtape *t, int code, u32 n, enum vtape_stop *stop,
		      u32 *resid)
{
	struct vtape_rec rec;
	u32 done = 0, run = 0;
	int ret;

	while (done < n) {
		ret = vtape_back(t, &rec);
		if (ret < 0)
			return ret;
		if (ret) {
			*stop = VTAPE_STOP_BOT;
			*resid = n - done;
			return 0;
		}
		switch (code) {
		case VTAPE_SPACE_BLOCKS:
			if (rec.type == VTAPE_REC_FILEMARK) {
				*stop = VTAPE_STOP_FILEMARK;
				*resid = n - done;
				return 0;
			}
			done++;
			break;
		case VTAPE_SPACE_FILEMARKS:
			if (rec.type == VTAPE_REC_FILEMARK)
				done++;
			break;
		default:	/* VTAPE_SPACE_SEQ_FILEMARKS */
			run = rec.type == VTAPE_REC_FILEMARK ? run + 1 : 0;
			if (run == n)
				done = n;
			break;
		}
	}
	return 0;
}

int vtape_space(struct vtape *t, int code, int count, enum vtape_stop *stop,
		u32 *resid)
{
	*stop = VTAPE_STOP_NONE;
	*resid = 0;
	if (code < VTAPE_SPACE_BLOCKS || code > VTAPE_SPACE_EOD)
		return -EINVAL;
	if (code == VTAPE_SPACE_EOD)
		return space_fwd(t, code, 0, stop, resid);
	if (count > 0)
		return space_fwd(t, code, (u32)count, stop, resid);
	if (count < 0)
		return space_back(t, code, 0U - (u32)count, stop, resid);
	return 0;
}

int vtape_locate(struct vtape *t, u64 lobj)
{
	struct vtape_rec rec;
	int ret;

	if (lobj < t->lobj)
		vtape_rewind(t);
	while (t->lobj < lobj) {
		ret = vtape_peek(t, &rec);
		if (ret)
			return ret;
		if (rec.type == VTAPE_REC_EOD)
			return 1;
		vtape_skip(t, &rec);
	}
	return 0;
}
