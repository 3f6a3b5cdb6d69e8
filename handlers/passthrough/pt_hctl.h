/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_pt: the SCSI address ("H:C:T:L") a pass-through device exports. Portable
 * (core/portable.h): the host unit tests build it too.
 */
#ifndef KTGT_PT_HCTL_H
#define KTGT_PT_HCTL_H

#include "portable.h"

/**
 * struct pt_hctl - a SCSI device's address in this kernel
 * @host: the SCSI host number (hostN)
 * @channel: the channel (bus)
 * @id: the target id
 * @lun: the LUN, as the midlayer numbers it (scsilun_to_int())
 */
struct pt_hctl {
	u32	host;
	u32	channel;
	u32	id;
	u64	lun;
};

/**
 * pt_hctl_parse() - parse what was written to a scsi_device attribute
 * @s: the bytes, not NUL-terminated
 * @len: their number; one trailing newline is allowed
 * @h: the address, set only on success
 *
 * The form is the one /sys/class/scsi_device/ names devices by: four
 * decimal numbers separated by colons, "H:C:T:L", without signs, spaces
 * or empty fields; H, C and T must fit 32 bits and L 64 bits.
 *
 * Return: 0 or -EINVAL.
 */
int pt_hctl_parse(const char *s, size_t len, struct pt_hctl *h);

#endif /* KTGT_PT_HCTL_H */
