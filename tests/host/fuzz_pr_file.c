// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the APTPL state file parser (core/pr_data.c).
 *
 * Input: byte 0 bit 0 clear: the rest is the file as is; set: the rest
 * with its length and checksum fields made right (so the fuzzer gets
 * past the checksum to the structure). Besides crashing under ASan/UBSan, the harness
 * aborts when the parser accepts a file that breaks the format's rules
 * or that is not exactly what the encoder writes for the state it
 * reported (so a corrupt file can never be half-loaded), or when it
 * reports a registration for an invalid file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pr_data.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

struct walk {
	u8	*out;
	size_t	off;
	size_t	cap;
	u32	n;
};

static int one(void *arg, const struct ktgt_pr_file_reg *r)
{
	struct walk *w = arg;
	u16 i;

	check(r->key);
	check(r->port_len >= 1 && r->port_len <= KTGT_PR_NAME_MAX);
	check(r->tgt_len >= 1 && r->tgt_len <= KTGT_PR_NAME_MAX);
	check(r->proto <= 0x0f);
	for (i = 0; i < r->port_len; i++)
		check(r->port[i]);
	for (i = 0; i < r->tgt_len; i++)
		check(r->tgt[i]);
	check(w->off + ktgt_pr_file_reg_len(r) <= w->cap);
	w->off += ktgt_pr_file_put_reg(w->out + w->off, r);
	w->n++;
	return 0;
}

static int never(void *arg, const struct ktgt_pr_file_reg *r)
{
	(void)arg;
	(void)r;
	abort();
}

static void one_file(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 *copy;

	if (!size)
		return 0;
	if (!(data[0] & 1) || size - 1 < KTGT_PR_FILE_HDR_LEN + 4 ||
	    size - 1 > KTGT_PR_FILE_MAX) {
		one_file(data + 1, size - 1);
		return 0;
	}
	copy = malloc(size - 1);
	check(copy);
	memcpy(copy, data + 1, size - 1);
	memcpy(copy, "KTGT-PR", 8);
	put_unaligned_be32((u32)(size - 1), copy + 12);
	ktgt_pr_file_put_crc(copy, (u32)(size - 1));
	one_file(copy, size - 1);
	free(copy);
	return 0;
}

static void one_file(const u8 *data, size_t size)
{
	struct ktgt_pr_file_hdr h;
	struct walk w = { 0 };
	const char *why;
	int ret;

	ret = ktgt_pr_file_parse(data, size, &h, NULL, NULL, &why);
	check(ret == 0 || ret == -EINVAL);
	check(why && *why);
	if (ret) {
		/* An invalid file never reaches the callback. */
		check(ktgt_pr_file_parse(data, size, &h, never, NULL, &why) ==
		      -EINVAL);
		return;
	}
	check(size <= KTGT_PR_FILE_MAX);
	check(h.nr_regs <= KTGT_PR_MAX_REGS);
	check(h.type ? h.holder < h.nr_regs : h.holder == KTGT_PR_NO_HOLDER);
	w.cap = size;
	w.out = malloc(size);
	check(w.out);
	w.off = ktgt_pr_file_put_hdr(w.out, &h, (u32)size);
	check(ktgt_pr_file_parse(data, size, &h, one, &w, &why) == 0);
	check(w.n == h.nr_regs);
	check(w.off == size - 4);
	ktgt_pr_file_put_crc(w.out, (u32)size);
	/* The encoding is canonical: re-encoding gives the same bytes. */
	check(!memcmp(w.out, data, size));
	free(w.out);
}
