/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An in-memory tape image for test_vtape_img.c and fuzz_vtape_img.c: a
 * buffer of fixed size; reads and writes past it fail as a short read
 * or a full disk would.
 */
#ifndef KTGT_TEST_VTAPE_MEM_H
#define KTGT_TEST_VTAPE_MEM_H

#include <stdlib.h>
#include <string.h>

#include "handlers/vtape/vtape_img.h"

struct mem_img {
	u8 *buf;
	u64 size;	/* bytes the image holds */
	u64 used;	/* highest byte written + 1 (the file's size) */
	unsigned int reads, writes;
};

static int mem_read(void *priv, u64 off, void *buf, u32 len)
{
	struct mem_img *m = priv;

	m->reads++;
	if (off > m->used || m->used - off < len)
		return -EIO;	/* past the end of the file: short read */
	memcpy(buf, m->buf + off, len);
	return 0;
}

static int mem_write(void *priv, u64 off, const void *buf, u32 len)
{
	struct mem_img *m = priv;

	m->writes++;
	if (off > m->size || m->size - off < len)
		return -ENOSPC;
	memcpy(m->buf + off, buf, len);
	if (off + len > m->used)
		m->used = off + len;
	return 0;
}

static inline void mem_io(struct mem_img *m, struct vtape_io *io)
{
	io->read = mem_read;
	io->write = mem_write;
	io->priv = m;
}

#endif /* KTGT_TEST_VTAPE_MEM_H */
