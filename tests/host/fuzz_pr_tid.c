// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the TransportID parser (core/pr_data.c).
 *
 * The input is a TransportID parameter list (as SPEC_I_PT sends it),
 * parsed TransportID by TransportID. Besides crashing under ASan/UBSan,
 * the harness aborts when a parsed TransportID claims more bytes than it
 * was given, its name is not a NUL-terminated string of an allowed
 * length, an error points outside the TransportID, or building the
 * TransportID of a parsed iSCSI name and parsing it again does not give
 * the same name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pr_data.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u8 buf[4 + 512];
	struct ktgt_pr_tid tid, again;
	u32 off = 0;
	int len;

	if (size > 0xffff)
		return 0;
	while (off < size) {
		len = ktgt_pr_tid_parse(data + off, (u32)(size - off), &tid);
		if (len == -EMSGSIZE)
			break;
		if (len < 0) {
			check(len == -EINVAL);
			check(tid.err_off < size - off);
			check(tid.err_bit >= -1 && tid.err_bit <= 7);
			break;
		}
		check(len >= 24 && (u32)len <= size - off);
		check(memchr(tid.name, 0, sizeof(tid.name)));
		check(tid.name[0]);
		check(strlen(tid.name) <= KTGT_PR_NAME_MAX);
		if (tid.proto == 0x5 || tid.proto == 0xf) {
			u32 n = ktgt_pr_tid_build(tid.proto, tid.name, NULL);

			check(n <= sizeof(buf));
			check(ktgt_pr_tid_build(tid.proto, tid.name, buf) == n);
			check(ktgt_pr_tid_parse(buf, n, &again) == (int)n);
			check(!strcmp(again.name, tid.name));
			check(again.proto == tid.proto);
		}
		off += (u32)len;
	}
	return 0;
}
