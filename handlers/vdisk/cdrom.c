// SPDX-License-Identifier: GPL-2.0
/*
 * vcdrom: an ISO 9660 image as a read-only MMC CD-ROM drive (peripheral
 * device type 05h) with removable media, enough for Linux's sr and cdrom
 * drivers: one data track, 2048-byte blocks, and a tray.
 *
 *   handlers/vcdrom/<dev>/filename   absolute path of the ISO image
 *                                    (a regular file or block device);
 *                                    may change while enabled: that is a
 *                                    medium change. "" or "none" empties
 *                                    the drive.
 *
 * The device's blocksize must be 2048. With no filename the drive is
 * enabled empty.
 *
 * Commands: this handler executes TEST UNIT READY, READ(10)/(12) (through
 * the page cache), READ CAPACITY, READ TOC/PMA/ATIP (formats 0 and 1),
 * GET CONFIGURATION, GET EVENT STATUS NOTIFICATION (polled, media class),
 * READ DISC INFORMATION, READ TRACK INFORMATION, MECHANISM STATUS and
 * START STOP UNIT; everything else (INQUIRY, PREVENT ALLOW MEDIUM
 * REMOVAL, MODE SENSE and MODE SELECT, the MM capabilities page 2Ah that
 * sr reads included, REPORT SUPPORTED OPERATION CODES, ...) goes to the
 * core's ktgt_spc_exec(). The decoder's MMC table has no write commands: they
 * fail with INVALID COMMAND OPERATION CODE before reaching the handler,
 * and no LBA range check for the READs: they get NOT READY without a
 * medium whatever the LBA, and the range is checked here.
 *
 * The tray (as QEMU's and SCST's CD-ROMs have it): the configured image
 * is the disc in the drive; START STOP UNIT with LoEj opens the tray
 * (Start = 0, refused while an I_T nexus prevents removal) or closes it
 * (Start = 1). Opening keeps the image configured (configfs filename and
 * ktgtadm's saved configuration are unchanged); while the tray is open,
 * commands that need the medium get NOT READY, MEDIUM NOT PRESENT - TRAY
 * OPEN (3Ah/02h), and closing it brings the same disc back. A drive
 * without a disc reports MEDIUM NOT PRESENT - TRAY CLOSED (3Ah/01h), or
 * TRAY OPEN. Writing an image to filename puts that disc in and closes
 * the tray, as QEMU's "change" does; "none" takes the disc out and leaves
 * the tray as it is. An operator's change is not refused by PREVENT
 * ALLOW MEDIUM REMOVAL. An image that shrinks below one block (seen by
 * resync_size) is an unreadable disc: no medium until it grows again.
 *
 * Medium change reporting goes through the core, per I_T_L nexus
 * (ktgt_device_medium_changed()): whenever a disc becomes readable
 * (loaded through configfs, tray closed, an image resized), every I_T
 * nexus of the logical unit gets UNIT ATTENTION, NOT READY TO READY
 * CHANGE, MEDIUM MAY HAVE CHANGED (28h/00h) and the media event NewMedia;
 * when it stops being readable (taken out, tray opened), the media event
 * MediaRemoval. GET EVENT STATUS NOTIFICATION takes the event of its own
 * nexus only, so every initiator polling the drive learns of every
 * change; it and GET CONFIGURATION leave the unit attention pending
 * (MMC-6). Prevention of medium removal is kept by the core per I_T_L
 * nexus too (ktgt_device_removal_prevented()).
 *
 * Medium state (struct vdisk_cd) is protected by its spinlock, and every
 * command that reads the medium holds its own reference to the image
 * (get_file()), so a medium change never waits for commands and never
 * pulls a file from under one. Changes of the medium and of the tray
 * (configfs, START STOP UNIT, resync_size, enable) are further serialised
 * by vdisk_dev.lock, under which they also tell the core
 * (ktgt_device_medium_changed(), which does not sleep nor take the
 * core's configuration mutex), so the core's capacity is always that of
 * the last change: the readable medium's, or 0 while there is none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdrom.h>
#include <linux/file.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <scsi/scsi_proto.h>

#include "vdisk.h"

#define VCD_BLOCK_SIZE		2048

/* Additional sense codes (SPC-4 table D.1, MMC-6). */
#define VCD_ASC_INVALID_OPCODE		0x20
#define VCD_ASC_LBA_OUT_OF_RANGE	0x21
#define VCD_ASC_INVALID_FIELD_IN_CDB	0x24
#define VCD_ASC_MEDIUM_NOT_PRESENT	0x3a
#define VCD_ASCQ_TRAY_CLOSED		0x01
#define VCD_ASCQ_TRAY_OPEN		0x02
#define VCD_ASC_REMOVAL_PREVENTED	0x53	/* ASCQ 02h */

/* GET EVENT STATUS NOTIFICATION media status bits (MMC-6). */
#define VCD_MS_TRAY_OPEN		0x01
#define VCD_MS_MEDIA_PRESENT		0x02

/* The profile a loaded ISO image is (MMC-6 table 87). */
#define VCD_PROFILE_CDROM		0x0008

static void vcdrom_invalid_cdb(struct ktgt_cmd *cmd)
{
	ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
				 VCD_ASC_INVALID_FIELD_IN_CDB, 0);
}

/* A disc can be read: in the drive, tray closed, at least one block. */
static bool vcdrom_readable(const struct vdisk_cd *cd)
{
	lockdep_assert_held(&cd->lock);
	return cd->file && cd->nr_blocks && !cd->tray_open;
}

/*
 * Take a reference to the medium for a command. Without a readable one,
 * completes the command with NOT READY, MEDIUM NOT PRESENT (TRAY OPEN or
 * TRAY CLOSED) and returns NULL. Unit attentions (a medium change) are
 * the core's, reported before the command gets here.
 */
static struct file *vcdrom_medium_get(struct ktgt_cmd *cmd,
				      struct vdisk_dev *vd, u64 *nr_blocks)
{
	struct file *file = NULL;
	bool open;

	spin_lock(&vd->cd.lock);
	open = vd->cd.tray_open;
	if (vcdrom_readable(&vd->cd)) {
		file = get_file(vd->cd.file);
		*nr_blocks = vd->cd.nr_blocks;
	}
	spin_unlock(&vd->cd.lock);

	if (!file)
		ktgt_cmd_check_condition(cmd, KTGT_KEY_NOT_READY,
					 VCD_ASC_MEDIUM_NOT_PRESENT,
					 open ? VCD_ASCQ_TRAY_OPEN :
						VCD_ASCQ_TRAY_CLOSED);
	return file;
}

/* An address in a TOC or session descriptor: LBA or MSF (MMC-6 6.26). */
static void vcdrom_put_addr(u8 *p, u64 lba, bool msf)
{
	if (!msf) {
		put_unaligned_be32(min_t(u64, lba, U32_MAX), p);
		return;
	}
	lba += 150;	/* the 2-second pregap: LBA 0 is 00:02:00 */
	p[0] = 0;
	p[1] = min_t(u64, div_u64(lba, 60 * 75), 0xff);
	p[2] = div_u64(lba, 75) % 60;
	p[3] = do_div(lba, 75);
}

static void vcdrom_tur(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	struct file *file;
	u64 nr;

	file = vcdrom_medium_get(cmd, vd, &nr);
	if (file) {
		fput(file);
		ktgt_cmd_good(cmd, 0);
	}
}

static void vcdrom_read(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	u64 lba = cmd->core.lba, nr = cmd->core.nr_blocks;
	struct file *file;
	u64 blocks;
	int ret;

	file = vcdrom_medium_get(cmd, vd, &blocks);
	if (!file)
		return;
	/* The core leaves the range to us (core/cdb.c, MMC table). */
	if (lba > blocks || nr > blocks - lba) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCD_ASC_LBA_OUT_OF_RANGE, 0);
	} else {
		loff_t at = lba * VCD_BLOCK_SIZE;

		ret = vdisk_file_rw(file, cmd, &at, nr * VCD_BLOCK_SIZE, false,
				    0);
		if (ret)
			ktgt_cmd_io_error_lba(cmd, ret, at / VCD_BLOCK_SIZE);
		else
			ktgt_cmd_good(cmd, nr * VCD_BLOCK_SIZE);
	}
	fput(file);
}

static void vcdrom_read_capacity(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	struct file *file;
	u64 blocks;
	u8 buf[8];

	file = vcdrom_medium_get(cmd, vd, &blocks);
	if (!file)
		return;
	fput(file);
	put_unaligned_be32(min_t(u64, blocks - 1, U32_MAX), buf);
	put_unaligned_be32(VCD_BLOCK_SIZE, buf + 4);
	vdisk_copy_to_cmd(cmd, buf, sizeof(buf));
}

/* READ TOC/PMA/ATIP (MMC-6 6.26): formats 0 (TOC) and 1 (session info). */
static void vcdrom_read_toc(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	bool msf = cmd->cdb[1] & 0x02;
	u8 format = cmd->cdb[2] & 0x0f;
	u8 track = cmd->cdb[6];
	struct file *file;
	u8 buf[4 + 2 * 8];
	u64 blocks;
	u32 n = 4;

	/* Format 0 may come in the obsolete bits 7:6 of the CONTROL byte. */
	if (!format)
		format = cmd->cdb[9] >> 6;
	if (format > 1 || (format == 0 && track > 1 && track != 0xaa)) {
		vcdrom_invalid_cdb(cmd);
		return;
	}
	file = vcdrom_medium_get(cmd, vd, &blocks);
	if (!file)
		return;
	fput(file);

	memset(buf, 0, sizeof(buf));
	buf[2] = 1;	/* first track / first session */
	buf[3] = 1;	/* last track / last session */
	if (format == 0 && track <= 1) {
		buf[n + 1] = 0x14;	/* ADR 1: position; CONTROL 4: data */
		buf[n + 2] = 1;
		vcdrom_put_addr(buf + n + 4, 0, msf);
		n += 8;
	}
	buf[n + 1] = 0x14;
	if (format == 0) {
		buf[n + 2] = 0xaa;	/* lead-out */
		vcdrom_put_addr(buf + n + 4, blocks, msf);
	} else {
		buf[n + 2] = 1;	/* first track in the last session */
		vcdrom_put_addr(buf + n + 4, 0, msf);
	}
	n += 8;
	put_unaligned_be16(n - 2, buf);
	vdisk_copy_to_cmd(cmd, buf, n);
}

/*
 * GET CONFIGURATION (MMC-6 6.6). The features a read-only CD-ROM drive
 * has; those tied to the medium are current only while one is loaded.
 */
struct vcdrom_feature {
	u16	code;
	bool	persistent;
	bool	medium;		/* current only with a medium */
	u8	version;
	u8	len;
	u8	data[8];
};

static const struct vcdrom_feature vcdrom_features[] = {
	/* 0000h Profile List: filled in by vcdrom_get_config() */
	{ .code = 0x0000, .persistent = true, .len = 4 },
	/* 0001h Core: physical interface SCSI family */
	{ .code = 0x0001, .persistent = true, .len = 4,
	  .data = { 0x00, 0x00, 0x00, 0x01 } },
	/* 0002h Morphing: polled event status notification only */
	{ .code = 0x0002, .persistent = true, .version = 1, .len = 4 },
	/* 0003h Removable Medium: tray, eject, lock */
	{ .code = 0x0003, .persistent = true, .len = 4,
	  .data = { 0x29 } },
	/* 0010h Random Readable: 2048-byte blocks, blocking 1 */
	{ .code = 0x0010, .medium = true, .len = 8,
	  .data = { 0x00, 0x00, 0x08, 0x00, 0x00, 0x01 } },
	/* 001Eh CD Read: no CD-Text, C2 pointers or digital audio */
	{ .code = 0x001e, .medium = true, .version = 2, .len = 4 },
};

static void vcdrom_get_config(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	u16 start = get_unaligned_be16(cmd->cdb + 2);
	u8 rt = cmd->cdb[1] & 0x03;
	u8 buf[8 + ARRAY_SIZE(vcdrom_features) * 12];
	bool medium;
	u32 n = 8;
	int i;

	spin_lock(&vd->cd.lock);
	medium = vcdrom_readable(&vd->cd);
	spin_unlock(&vd->cd.lock);

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < ARRAY_SIZE(vcdrom_features); i++) {
		const struct vcdrom_feature *f = &vcdrom_features[i];
		bool cur = !f->medium || medium;

		/* RT 00b: all from start; 01b: current ones; 10b: one */
		if (rt == 2 ? f->code != start :
		    f->code < start || (rt == 1 && !cur))
			continue;
		put_unaligned_be16(f->code, buf + n);
		buf[n + 2] = f->version << 2 | f->persistent << 1 | cur;
		buf[n + 3] = f->len;
		if (f->code == 0x0000) {
			put_unaligned_be16(VCD_PROFILE_CDROM, buf + n + 4);
			buf[n + 6] = medium;	/* CurrentP */
		} else {
			memcpy(buf + n + 4, f->data, f->len);
		}
		n += 4 + f->len;
	}
	put_unaligned_be32(n - 4, buf);
	put_unaligned_be16(medium ? VCD_PROFILE_CDROM : 0, buf + 6);
	vdisk_copy_to_cmd(cmd, buf, n);
}

/*
 * GET EVENT STATUS NOTIFICATION (MMC-6 6.7), polled, media class only.
 * The media event is the I_T_L nexus' own (kept by the core), so each
 * initiator polling the drive sees each change once.
 */
static void vcdrom_gesn(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	u8 classes = cmd->cdb[4];
	u8 buf[8], status;

	memset(buf, 0, sizeof(buf));
	buf[3] = 1 << 4;	/* supported event classes: media */
	if (!(classes & (1 << 4))) {
		buf[1] = 2;
		buf[2] = 0x80;	/* NEA: no event of the requested classes */
		vdisk_copy_to_cmd(cmd, buf, 4);
		return;
	}

	spin_lock(&vd->cd.lock);
	if (vd->cd.tray_open)
		status = VCD_MS_TRAY_OPEN;
	else
		status = vcdrom_readable(&vd->cd) ? VCD_MS_MEDIA_PRESENT : 0;
	spin_unlock(&vd->cd.lock);

	buf[1] = 6;		/* event data length */
	buf[2] = 0x04;		/* notification class: media */
	/* An event is consumed once the initiator can see its code. */
	buf[4] = ktgt_cmd_media_event(cmd, cmd->bufflen > 4);
	buf[5] = status;
	vdisk_copy_to_cmd(cmd, buf, sizeof(buf));
}

/* READ DISC INFORMATION (MMC-6 6.22): a complete single-session disc. */
static void vcdrom_disc_info(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	struct file *file;
	u8 buf[34];
	u64 blocks;

	if (cmd->cdb[1] & 0x07) {	/* only standard disc information */
		vcdrom_invalid_cdb(cmd);
		return;
	}
	file = vcdrom_medium_get(cmd, vd, &blocks);
	if (!file)
		return;
	fput(file);

	memset(buf, 0, sizeof(buf));
	put_unaligned_be16(sizeof(buf) - 2, buf);
	buf[2] = 0x0e;		/* last session complete, disc complete */
	buf[3] = 1;		/* first track on disc */
	buf[4] = 1;		/* number of sessions */
	buf[5] = 1;		/* first track in last session */
	buf[6] = 1;		/* last track in last session */
	buf[7] = 0x20;		/* URU: unrestricted use */
	buf[8] = 0x00;		/* disc type: CD-DA or CD-ROM */
	memset(buf + 16, 0xff, 8);	/* no next session lead-in / lead-out */
	vdisk_copy_to_cmd(cmd, buf, sizeof(buf));
}

/* READ TRACK INFORMATION (MMC-6 6.27): the one data track. */
static void vcdrom_track_info(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	u32 addr = get_unaligned_be32(cmd->cdb + 2);
	u8 type = cmd->cdb[1] & 0x03;
	struct file *file;
	u8 buf[48];
	u64 blocks;

	file = vcdrom_medium_get(cmd, vd, &blocks);
	if (!file)
		return;
	fput(file);

	/* 00b: the track holding LBA addr; 01b: track addr; 10b: session */
	if ((type == 0 && addr >= blocks) || (type != 0 && addr != 1) ||
	    type == 3) {
		vcdrom_invalid_cdb(cmd);
		return;
	}
	memset(buf, 0, sizeof(buf));
	put_unaligned_be16(sizeof(buf) - 2, buf);
	buf[2] = 1;		/* track number */
	buf[3] = 1;		/* session number */
	buf[5] = 0x04;		/* track mode: data, recorded uninterrupted */
	buf[6] = 0x01;		/* data mode 1 */
	/* track start address 0, no next writable address, no free blocks */
	put_unaligned_be32(min_t(u64, blocks, U32_MAX), buf + 24);
	vdisk_copy_to_cmd(cmd, buf, sizeof(buf));
}

/* MECHANISM STATUS (MMC-6 6.11): an idle drive, no changer. */
static void vcdrom_mech_status(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	u8 buf[8];

	memset(buf, 0, sizeof(buf));
	spin_lock(&vd->cd.lock);
	if (vd->cd.tray_open)
		buf[1] = 0x10;	/* Door open */
	spin_unlock(&vd->cd.lock);
	vdisk_copy_to_cmd(cmd, buf, sizeof(buf));
}

/*
 * Open (@open) or close the tray on the initiator's request. Opening is
 * refused while an I_T nexus prevents medium removal; the disc stays
 * configured. Only a change of readability is told to the core: opening
 * an empty drive or closing a closed tray reports nothing.
 */
static void vcdrom_tray(struct ktgt_cmd *cmd, struct vdisk_dev *vd, bool open)
{
	bool was, now;
	u64 blocks;

	mutex_lock(&vd->lock);
	if (open && ktgt_device_removal_prevented(vd->dev)) {
		mutex_unlock(&vd->lock);
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCD_ASC_REMOVAL_PREVENTED, 0x02);
		return;
	}
	spin_lock(&vd->cd.lock);
	was = vcdrom_readable(&vd->cd);
	vd->cd.tray_open = open;
	now = vcdrom_readable(&vd->cd);
	blocks = vd->cd.nr_blocks;
	spin_unlock(&vd->cd.lock);
	if (was != now)
		ktgt_device_medium_changed(vd->dev, now ? blocks : 0);
	mutex_unlock(&vd->lock);
	ktgt_cmd_good(cmd, 0);
}

/* START STOP UNIT (MMC-6 6.39). */
static void vcdrom_start_stop(struct ktgt_cmd *cmd, struct vdisk_dev *vd)
{
	u8 b4 = cmd->cdb[4];

	/*
	 * A power condition, and spinning up or down, succeed at once;
	 * LoEj opens (Start = 0) or closes (Start = 1) the tray.
	 */
	if ((b4 & 0xf0) || !(b4 & 0x02)) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	vcdrom_tray(cmd, vd, !(b4 & 0x01));
}

static enum ktgt_exec_status vcdrom_exec(struct ktgt_cmd *cmd)
{
	struct vdisk_dev *vd = vdisk_cmd_vdev(cmd);

	switch (cmd->cdb[0]) {
	case GPCMD_TEST_UNIT_READY:
		vcdrom_tur(cmd, vd);
		break;
	case GPCMD_READ_10:
	case GPCMD_READ_12:
		vcdrom_read(cmd, vd);
		break;
	case GPCMD_READ_CDVD_CAPACITY:
		vcdrom_read_capacity(cmd, vd);
		break;
	case GPCMD_READ_TOC_PMA_ATIP:
		vcdrom_read_toc(cmd, vd);
		break;
	case GPCMD_GET_CONFIGURATION:
		vcdrom_get_config(cmd, vd);
		break;
	case GPCMD_GET_EVENT_STATUS_NOTIFICATION:
		vcdrom_gesn(cmd, vd);
		break;
	case GPCMD_READ_DISC_INFO:
		vcdrom_disc_info(cmd, vd);
		break;
	case GPCMD_READ_TRACK_RZONE_INFO:
		vcdrom_track_info(cmd, vd);
		break;
	case GPCMD_MECHANISM_STATUS:
		vcdrom_mech_status(cmd, vd);
		break;
	case GPCMD_START_STOP_UNIT:
		vcdrom_start_stop(cmd, vd);
		break;
	default:
		if (!ktgt_spc_exec(cmd))
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 VCD_ASC_INVALID_OPCODE, 0);
		break;
	}
	return KTGT_EXEC_DONE;
}

/* Open an ISO image; its capacity in 2048-byte blocks. */
static int vcdrom_open(struct ktgt_device *dev, const char *path,
		       struct file **filp, u64 *blocks)
{
	u64 size;
	int ret;

	ret = vdisk_file_open(path, true, filp, &size);
	if (ret) {
		pr_err("%s: cannot open %s: %d\n", ktgt_device_name(dev),
		       path, ret);
		return ret;
	}
	if (size < VCD_BLOCK_SIZE) {
		pr_err("%s: %s is smaller than one 2048-byte block\n",
		       ktgt_device_name(dev), path);
		filp_close(*filp, NULL);
		return -EINVAL;
	}
	*blocks = div_u64(size, VCD_BLOCK_SIZE);
	return 0;
}

static int vcdrom_enable(struct ktgt_device *dev)
{
	const struct ktgt_dev_params *p = ktgt_device_params(dev);
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	struct file *file = NULL;
	u64 blocks = 0;
	int ret;

	if (p->block_size != VCD_BLOCK_SIZE) {
		pr_err("%s: a CD-ROM needs blocksize %u, not %u\n",
		       ktgt_device_name(dev), VCD_BLOCK_SIZE, p->block_size);
		return -EINVAL;
	}
	mutex_lock(&vd->lock);
	if (vd->filename) {
		ret = vcdrom_open(dev, vd->filename, &file, &blocks);
		if (ret) {
			mutex_unlock(&vd->lock);
			return ret;
		}
	}
	spin_lock(&vd->cd.lock);
	vd->cd.file = file;
	vd->cd.nr_blocks = blocks;
	vd->cd.tray_open = false;
	spin_unlock(&vd->cd.lock);
	/*
	 * The capacity under vd->lock, before a medium change can come: no
	 * I_T nexus sees the device yet, so no unit attention either.
	 */
	ktgt_device_medium_changed(dev, blocks);
	vd->active = true;
	mutex_unlock(&vd->lock);
	return 0;
}

static void vcdrom_disable(struct ktgt_device *dev)
{
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	struct file *old;

	mutex_lock(&vd->lock);
	spin_lock(&vd->cd.lock);
	old = vd->cd.file;
	vd->cd.file = NULL;
	vd->cd.nr_blocks = 0;
	vd->cd.tray_open = false;
	spin_unlock(&vd->cd.lock);
	vd->active = false;
	mutex_unlock(&vd->lock);
	if (old)
		filp_close(old, NULL);
}

/*
 * Re-read the image's size. A disc of another size is another disc to
 * the initiator: a medium change (28h/00h), not CAPACITY DATA HAS
 * CHANGED, which MMC initiators do not act upon (Linux's sr re-reads the
 * capacity on a medium change only). An image now shorter than one
 * block is no medium at all until it grows again.
 */
static int vcdrom_resync_size(struct ktgt_device *dev)
{
	struct vdisk_dev *vd = ktgt_device_priv(dev);
	bool was, now, changed = false;
	u64 blocks = 0;

	mutex_lock(&vd->lock);
	spin_lock(&vd->cd.lock);
	was = vcdrom_readable(&vd->cd);
	if (vd->cd.file) {
		blocks = div_u64(vdisk_file_size(vd->cd.file), VCD_BLOCK_SIZE);
		changed = blocks != vd->cd.nr_blocks;
		vd->cd.nr_blocks = blocks;
	}
	now = vcdrom_readable(&vd->cd);
	spin_unlock(&vd->cd.lock);
	if (changed && (was || now))
		ktgt_device_medium_changed(dev, now ? blocks : 0);
	if (changed && !blocks)
		pr_warn("%s: %s is now smaller than one 2048-byte block: no medium\n",
			ktgt_device_name(dev), vd->filename);
	mutex_unlock(&vd->lock);
	return 0;
}

static ssize_t vcdrom_filename_show(struct config_item *item, char *page)
{
	struct vdisk_dev *vd = vdisk_from_item(item);
	ssize_t ret;

	mutex_lock(&vd->lock);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", vd->filename ?: "");
	mutex_unlock(&vd->lock);
	return ret;
}

/*
 * Set the image. While enabled this changes the medium: the new image is
 * opened first, and if that fails the old medium stays. A new image
 * closes the tray (it is readable at once); "none" takes the disc out
 * and leaves the tray as it is. An operator's change is not refused by
 * PREVENT ALLOW MEDIUM REMOVAL.
 */
static ssize_t vcdrom_filename_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct vdisk_dev *vd = vdisk_from_item(item);
	size_t len = strnlen(page, count);
	struct file *file = NULL, *old = NULL;
	bool was;
	u64 blocks = 0;
	char *path;
	int ret;

	if (len && page[len - 1] == '\n')
		len--;
	if (len == 4 && !memcmp(page, "none", 4)) {
		path = NULL;
	} else {
		ret = vdisk_parse_path(page, count, &path);
		if (ret)
			return ret;
	}

	mutex_lock(&vd->lock);
	if (vd->active) {
		if (path) {
			ret = vcdrom_open(vd->dev, path, &file, &blocks);
			if (ret) {
				mutex_unlock(&vd->lock);
				kfree(path);
				return ret;
			}
		}
		spin_lock(&vd->cd.lock);
		was = vcdrom_readable(&vd->cd);
		old = vd->cd.file;
		vd->cd.file = file;
		vd->cd.nr_blocks = blocks;
		if (file)
			vd->cd.tray_open = false;
		spin_unlock(&vd->cd.lock);
		/* Every new disc is a change; taking none out is not. */
		if (file || was)
			ktgt_device_medium_changed(vd->dev, blocks);
	}
	swap(vd->filename, path);
	mutex_unlock(&vd->lock);
	kfree(path);
	if (old)
		filp_close(old, NULL);
	return count;
}

CONFIGFS_ATTR(vcdrom_, filename);

static struct configfs_attribute *vcdrom_attrs[] = {
	&vcdrom_attr_filename,
	NULL,
};

struct ktgt_dev_type vdisk_cdrom_type = {
	.name		= "vcdrom",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_ROM,
	.dev_alloc	= vdisk_dev_alloc,
	.dev_free	= vdisk_dev_free,
	.enable		= vcdrom_enable,
	.disable	= vcdrom_disable,
	.resync_size	= vcdrom_resync_size,
	.dev_attrs	= vcdrom_attrs,
	.exec		= vcdrom_exec,
};
