/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt: a tiny shim that lets the parsers of untrusted bytes (the CDB
 * decoder, the sense builder) compile unchanged in the kernel and in host
 * programs (unit tests under ASan/UBSan, the libFuzzer harness).
 *
 * Portable files use only: u8/u16/u32/u64/s8, bool, size_t, memset(),
 * memcpy(), the errno values, BIT(), ARRAY_SIZE(), hex_to_bin() and the
 * big-endian helpers below. Nothing else from either environment.
 */
#ifndef KTGT_PORTABLE_H
#define KTGT_PORTABLE_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#else /* !__KERNEL__ */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

/* The kernel's fixed-width types, with the kernel's own definitions. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;

#ifndef BIT
#define BIT(nr)			(1UL << (nr))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#endif

/* The kernel's hex_to_bin(): a hex digit's value, or -1. */
static inline int hex_to_bin(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static inline u16 get_unaligned_be16(const void *p)
{
	const u8 *b = p;

	return (u16)(b[0] << 8 | b[1]);
}

static inline u32 get_unaligned_be24(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 16 | (u32)b[1] << 8 | b[2];
}

static inline u32 get_unaligned_be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static inline u64 get_unaligned_be64(const void *p)
{
	const u8 *b = p;

	return (u64)get_unaligned_be32(b) << 32 | get_unaligned_be32(b + 4);
}

static inline void put_unaligned_be16(u16 val, void *p)
{
	u8 *b = p;

	b[0] = val >> 8;
	b[1] = val;
}

static inline void put_unaligned_be24(u32 val, void *p)
{
	u8 *b = p;

	b[0] = val >> 16;
	b[1] = val >> 8;
	b[2] = val;
}

static inline void put_unaligned_be32(u32 val, void *p)
{
	u8 *b = p;

	b[0] = val >> 24;
	b[1] = val >> 16;
	b[2] = val >> 8;
	b[3] = val;
}

static inline void put_unaligned_be64(u64 val, void *p)
{
	u8 *b = p;

	put_unaligned_be32(val >> 32, b);
	put_unaligned_be32((u32)val, b + 4);
}

#endif /* __KERNEL__ */

/**
 * ktgt_get_be() - read a big-endian field of 1 to 8 bytes
 * @p: first (most significant) byte of the field
 * @width: field width in bytes, 0 to 8; 0 reads as zero
 *
 * Return: the field's value.
 */
static inline u64 ktgt_get_be(const u8 *p, unsigned int width)
{
	u64 v = 0;
	unsigned int i;

	/* The widths of CDB fields, as one load each. */
	switch (width) {
	case 1:
		return p[0];
	case 2:
		return get_unaligned_be16(p);
	case 4:
		return get_unaligned_be32(p);
	case 8:
		return get_unaligned_be64(p);
	default:
		break;
	}
	for (i = 0; i < width && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Writers into a response buffer of @len bytes that drop what falls past
 * its end, so a builder can lay out a whole page and the allocation
 * length of the CDB truncates it (SPC-4 4.2.5.6).
 */
static inline void ob_put8(u8 *buf, u32 len, u32 off, u8 v)
{
	if (off < len)
		buf[off] = v;
}

/* A big-endian field of @width bytes (1 to 8) at @off. */
static inline void ob_put_be(u8 *buf, u32 len, u32 off, u64 v,
			     unsigned int width)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		ob_put8(buf, len, off + i, (u8)(v >> (8 * (width - 1 - i))));
}

static inline void ob_zero(u8 *buf, u32 len, u32 off, u32 n)
{
	if (off >= len)
		return;
	if (n > len - off)
		n = len - off;
	memset(buf + off, 0, n);
}

#endif /* KTGT_PORTABLE_H */
