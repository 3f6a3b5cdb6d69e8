// SPDX-License-Identifier: GPL-2.0
/*
 * ktgt_pt: parsing of a SCSI address, "H:C:T:L". Portable, see
 * core/portable.h.
 */
#include "pt_hctl.h"

/* One decimal field of at most @max, ending at @end or a ':'. */
static int pt_hctl_field(const char **p, const char *end, u64 max, u64 *v)
{
	const char *s = *p;
	u64 n = 0;

	if (s == end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (n > (max - d) / 10)
			return -EINVAL;
		n = n * 10 + d;
	}
	*p = s;
	*v = n;
	return 0;
}

int pt_hctl_parse(const char *s, size_t len, struct pt_hctl *h)
{
	const char *end = s + len;
	u64 v[4];
	int i;

	if (len && end[-1] == '\n')
		end--;
	for (i = 0; i < 4; i++) {
		if (i) {
			if (s == end || *s != ':')
				return -EINVAL;
			s++;
		}
		if (pt_hctl_field(&s, end, i < 3 ? 0xffffffffULL : ~0ULL,
				  &v[i]))
			return -EINVAL;
	}
	if (s != end)
		return -EINVAL;
	h->host = (u32)v[0];
	h->channel = (u32)v[1];
	h->id = (u32)v[2];
	h->lun = v[3];
	return 0;
}
