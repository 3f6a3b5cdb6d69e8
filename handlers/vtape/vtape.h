/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt_vtape.ko internals shared by its two handlers: vtape (vtape.c, the
 * tape drives) and vchanger (vchanger.c, the medium changer that moves
 * cartridges into and out of them). Nothing here leaves the module.
 *
 * Locking: vtape_lib_mutex protects the list of vtape devices and every
 * changer's state, and serialises every changer command. Lock order:
 * vtape_lib_mutex, then a vtape device's own mutex (struct
 * vtape_dev.lock); nothing that holds a vtape device's mutex takes
 * vtape_lib_mutex, so there is no ABBA. A changer never keeps
 * a pointer to a vtape device past vtape_lib_mutex: it looks its drives
 * up by name each time (vtape_lib_find()), and a vtape device leaves the
 * list (->dev_free) under that mutex.
 */
#ifndef KTGT_VTAPE_H
#define KTGT_VTAPE_H

#include <linux/mutex.h>
#include <linux/types.h>

struct vtape_dev;

extern struct mutex vtape_lib_mutex;

/**
 * vtape_invalid() - ILLEGAL REQUEST, INVALID FIELD IN CDB (@cd) or IN
 * PARAMETER LIST, with a field pointer
 * @cmd: the command
 * @cd: the field is in the CDB, not in the parameter data
 * @field: its byte
 * @bit: its bit, or -1 for the whole byte
 */
void vtape_invalid(struct ktgt_cmd *cmd, bool cd, u16 field, int bit);

/**
 * vtape_copy_to_cmd() - data-in from @buf, at most the command's buffer,
 * and GOOD
 * @cmd: the command
 * @buf: the data
 * @len: its length
 */
void vtape_copy_to_cmd(struct ktgt_cmd *cmd, const void *buf, u32 len);

/**
 * vtape_mode_sense_ok() - the CDB checks of a MODE SENSE that has no
 * saved values and no subpages
 * @cmd: the MODE SENSE(6) or (10)
 * @pages: the page codes it answers besides 3Fh (all)
 * @nr: how many
 *
 * Return: true to go on; false when @cmd got its CHECK CONDITION: saved
 * values (PC 3) 05/39/00, another page 05/24/00 at byte 2, a subpage
 * other than FFh of page 3Fh 05/24/00 at byte 3.
 */
bool vtape_mode_sense_ok(struct ktgt_cmd *cmd, const u8 *pages, size_t nr);

/**
 * vtape_lib_find() - a vtape device by its ktgt device name
 * @name: the name
 *
 * Caller holds vtape_lib_mutex; the device stays valid while it does.
 *
 * Return: the device, or NULL.
 */
struct vtape_dev *vtape_lib_find(const char *name);

/**
 * vtape_lib_owner() - the changer that owns a drive
 * @vt: the drive
 *
 * Caller holds vtape_lib_mutex.
 *
 * Return: the owning changer's device name, NULL if none.
 */
const char *vtape_lib_owner(struct vtape_dev *vt);

/**
 * vtape_lib_set_owner() - claim or release a drive for a changer
 * @vt: the drive
 * @owner: the changer's device name (valid while it owns @vt), or NULL
 *
 * While owned, the drive's filename follows the changer's moves and an
 * administrator's write of filename fails with EBUSY. Caller holds
 * vtape_lib_mutex.
 */
void vtape_lib_set_owner(struct vtape_dev *vt, const char *owner);

/**
 * vtape_lib_busy() - whether a drive's cartridge may not leave it
 * @vt: the drive
 *
 * Caller holds vtape_lib_mutex. Process context.
 *
 * Return: true if the tape is loaded and an I_T nexus of the drive
 * prevents medium removal (mt lock, an application's PREVENT).
 */
bool vtape_lib_busy(struct vtape_dev *vt);

/**
 * vtape_lib_set_medium() - put a cartridge into a drive, or take it out
 * @vt: the drive
 * @path: the cartridge's image, or NULL for none
 *
 * With @path the drive's filename becomes @path; if the drive is
 * enabled the image is opened in init's mount namespace (ktgt_file_open(),
 * where the changer's state file is; created blank of the drive's size_mb
 * if missing), loaded at its beginning, and every I_T nexus of the drive
 * gets NOT READY TO READY CHANGE. With NULL the drive is empty: NOT
 * READY, MEDIUM NOT PRESENT. Caller holds vtape_lib_mutex. Sleeps.
 *
 * Return: 0, or the open's error (the drive is then empty).
 */
int vtape_lib_set_medium(struct vtape_dev *vt, const char *path);

/**
 * vtape_lib_dvcid() - a drive's DVCID designator for READ ELEMENT STATUS
 * @vt: the drive
 * @id: VCH_DVCID_LEN bytes: vendor (8), product (16), serial (32)
 */
void vtape_lib_dvcid(struct vtape_dev *vt, u8 *id);

int vchanger_register(void);
void vchanger_unregister(void);

#endif /* KTGT_VTAPE_H */
