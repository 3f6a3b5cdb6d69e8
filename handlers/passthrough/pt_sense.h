/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_pt: which sense bytes of a device's CHECK CONDITION reach the
 * initiator. Portable (core/portable.h): the host unit tests build it too.
 */
#ifndef KTGT_PT_SENSE_H
#define KTGT_PT_SENSE_H

#include "portable.h"

/**
 * pt_sense_len() - how much of a device's sense buffer to pass on
 * @sense: the sense buffer of a command the device ended with CHECK
 *	CONDITION, as the LLD filled it (the midlayer zeroes it before
 *	each command, so nothing in it is stale)
 * @size: its size in bytes (SCSI_SENSE_BUFFERSIZE)
 *
 * Pass-through passes the device's sense data on as it is, whether or
 * not ktgt understands it (as LIO pscsi and SCST dev_disk do):
 *
 * - fixed and descriptor format (response code 70h-73h, bit 7 being
 *   fixed format's VALID): 8 + ADDITIONAL SENSE LENGTH bytes, cut to
 *   @size, short ones included;
 * - vendor specific (7Fh) and reserved (74h-7Eh) response codes: no
 *   header says how long they are, so all of @size goes (SPC-4 4.5.1:
 *   the format of such sense data is not defined by the standard; the
 *   initiator, or its vendor's software, makes of it what it can);
 * - anything else (a response code below 70h: no sense data at all, as
 *   from an LLD whose autosense failed): nothing.
 *
 * Return: the number of bytes of @sense to send, 0 for none: the
 * handler then reports a CHECK CONDITION of its own, so that the
 * initiator never gets one without sense data.
 */
unsigned int pt_sense_len(const u8 *sense, unsigned int size);

#endif /* KTGT_PT_SENSE_H */
