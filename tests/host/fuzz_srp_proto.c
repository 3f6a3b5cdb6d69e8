// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the SRP information unit parser
 * (targets/srp/srp_proto.c).
 *
 * Input: byte 0 picks what the rest is: a login request (even), or an IU
 * received on a channel (odd; parsed as SRP_CMD or SRP_TSK_MGMT by its
 * opcode, as the kernel does). Besides crashing under ASan/UBSan, the
 * harness aborts when an accepted IU breaks an invariant the kernel
 * relies on: every descriptor inside the received bytes, lengths that
 * add up, a LUN that decodes or is SRP_BAD_LUN, an SRP_RSP within its
 * buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "targets/srp/srp_proto.h"

#define check(cond)	do { if (!(cond)) abort(); } while (0)

static void fuzz_cmd(const u8 *iu, size_t len)
{
	struct srp_rsp_info info = { 0 };
	struct srp_desc d;
	struct srp_cmd c;
	u64 sum = 0;
	u8 rsp[256];
	u32 i;

	if (srp_cmd_parse(iu, len, &c) != SRP_IU_OK)
		return;
	check(len >= SRP_CMD_LEN);
	check(c.cdb == iu + 32);
	check(c.cdb_len >= 16 && 32 + (size_t)c.cdb_len <= len + 16);
	check((size_t)c.desc_off + (size_t)c.nr_desc * SRP_DIRECT_DESC_LEN <=
	      len || !c.nr_desc);
	check(c.nr_desc <= 255);
	for (i = 0; i < c.nr_desc; i++) {
		srp_cmd_desc(iu, &c, i, &d);
		sum += d.len;
	}
	check(sum == c.total_len || c.nr_desc == 1);
	info.tag = c.tag;
	info.sense = iu;
	info.sense_len = len;
	info.rsp_valid = len & 1;
	check(srp_build_rsp(rsp, sizeof(rsp), &info) <= sizeof(rsp));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct srp_login l;
	struct srp_tmf t;
	u64 lun;

	if (!size)
		return 0;
	if (!(data[0] & 1)) {
		u32 r = srp_login_parse(data + 1, size - 1, 65536, &l);

		if (!r) {
			check(l.it_iu_len >= SRP_MIN_IT_IU_LEN &&
			      l.it_iu_len <= 65536);
			check(l.buf_fmt & (SRP_BUF_FMT_DIRECT |
					   SRP_BUF_FMT_INDIRECT));
		} else {
			check(r >= SRP_REJ_UNABLE_ESTABLISH &&
			      r <= SRP_REJ_CHANNEL_LIMIT);
		}
		return 0;
	}
	data++;
	size--;
	if (size && data[0] == SRP_OP_TSK_MGMT) {
		if (srp_tmf_parse(data, size, &t) == SRP_IU_OK) {
			check(size >= 40);
			lun = srp_lun_decode(t.lun);
			check(lun == SRP_BAD_LUN || lun < 0x4000);
		}
		return 0;
	}
	fuzz_cmd(data, size);
	return 0;
}
