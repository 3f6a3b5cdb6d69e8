// SPDX-License-Identifier: GPL-2.0
/*
 * vtape: a virtual tape drive (SSC-3 sequential-access device, peripheral
 * device type 01h) on a tape image file, enough for Linux's st driver,
 * mt-st and tar.
 *
 *   handlers/vtape/<dev>/filename   absolute path of the tape image; a
 *                                   missing (or empty) file is created
 *                                   as a blank tape of size_mb. While
 *                                   enabled it may change only while the
 *                                   tape is unloaded (a cartridge change);
 *                                   none: an empty drive.
 *   handlers/vtape/<dev>/size_mb    capacity of a tape created here, in
 *                                   MiB (default 1024); an existing
 *                                   image keeps its own
 *
 * The image format is vtape_img.h's: each block's record holds its
 * length, so a tape holds blocks of any lengths. The drive starts in
 * variable-block mode (block length 0); MODE SELECT's block descriptor
 * sets fixed-block mode with any block length READ BLOCK LIMITS allows
 * (1 byte to VTAPE_MAX_BLOCK), as mt setblk does, or variable mode
 * again. The core sizes a FIXED READ(6)/WRITE(6) with that length, not
 * with the device's blocksize (->xfer_block_size); the blocksize only
 * sets the unit of the capacity the core reports. A variable-block
 * READ(6) gets a buffer of the block it reads, not of its TRANSFER
 * LENGTH: vt_cmd_read() takes it (->exec_buf, ktgt_cmd_exec_buf())
 * once the block's record header says how long it is. The generic read_only
 * attribute write-protects the tape (WP in MODE SENSE, DATA PROTECT for
 * every write).
 *
 * Commands: TEST UNIT READY, READ BLOCK LIMITS, READ(6), WRITE(6), WRITE
 * FILEMARKS(6), SPACE(6), REWIND, ERASE(6), LOAD UNLOAD, LOCATE(10),
 * READ POSITION (short form), REPORT DENSITY SUPPORT and MODE SENSE /
 * MODE SELECT (block descriptor, pages 0Fh and 10h) here; INQUIRY,
 * PREVENT ALLOW MEDIUM REMOVAL, REPORT SUPPORTED OPERATION CODES,
 * RESERVE/RELEASE, persistent reservations, REQUEST SENSE and REPORT
 * LUNS in the core. The decoder's SSC table (core/cdb.c) has validated
 * each CDB and sized its buffer before it gets here.
 *
 * Sense data is fixed format, built here: the FILEMARK, EOM and ILI bits
 * and the INFORMATION field (the residue) are SSC's own. Data read
 * before a CHECK CONDITION (a short block with ILI, blocks before a
 * filemark in fixed mode) is in the buffer, as st expects it, and marked
 * valid (ktgt_cmd.data_with_cc): every transport delivers it, iSCSI in
 * Data-In PDUs before the SCSI Response.
 *
 * Locking and lifetimes: struct vtape_dev lives from ->dev_alloc (mkdir)
 * to ->dev_free (rmdir). Its mutex serialises everything: the configfs
 * attributes, ->enable/->disable, and every command, for the whole
 * command: a tape has one position, so its commands run one at a time,
 * in the order they take the mutex. Commands run in process context (a
 * core worker: ->exec_atomic is false) and sleep for the image's I/O.
 * The image file is open from ->enable to ->disable (commands only run
 * in between), or swapped by a filename store while unloaded.
 *
 * A drive of a medium changer (vchanger.c, same module; vtape.h has the
 * lock order: vtape_lib_mutex before a drive's mutex): the changer's
 * MOVE MEDIUM sets its filename and loads the cartridge, or empties it;
 * while an enabled changer owns it, a filename store fails with EBUSY
 * (the admin moves cartridges with the changer).
 *
 * Without a filename the drive enables empty (NOT READY, MEDIUM NOT
 * PRESENT), as a changer's drive does: a filename store then puts a
 * cartridge in, unloaded, and LOAD loads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>

#include "vchanger_inv.h"
#include "vtape.h"
#include "vtape_img.h"

/* Exported by the core (core/ktgt_internal.h), as vdisk.h declares it. */
bool ktgt_spc_exec(struct ktgt_cmd *cmd);

#define VTAPE_DEFAULT_SIZE_MB	1024
#define VTAPE_MAX_SIZE_MB	(16U << 20)	/* 16 TiB */
/* The density code of a ktgt virtual tape (vendor specific). */
#define VTAPE_DENSITY		0x80

/* Sense keys and additional sense codes (SPC-4, SSC-3). */
#define VT_KEY_VOLUME_OVERFLOW		0x0d
#define VT_ASC_NO_ADDITIONAL		0x00	/* ASCQs below */
#define VT_ASCQ_FILEMARK		0x01
#define VT_ASCQ_EOM			0x02	/* end-of-partition/medium */
#define VT_ASCQ_BOM			0x04	/* beginning-of-partition */
#define VT_ASCQ_EOD			0x05	/* end-of-data detected */
#define VT_ASC_WRITE_ERROR		0x0c
#define VT_ASC_UNRECOVERED_READ		0x11
#define VT_ASC_INVALID_FIELD_IN_CDB	0x24
#define VT_ASC_INVALID_FIELD_IN_PARAM	0x26
#define VT_ASC_PARAM_LIST_LENGTH	0x1a
#define VT_ASC_SAVING_NOT_SUPPORTED	0x39
#define VT_ASC_MEDIUM_NOT_PRESENT	0x3a
#define VT_ASC_REMOVAL_PREVENTED	0x53	/* ASCQ 02h */

/* Sense byte 2 bits. */
#define VT_FILEMARK	0x80
#define VT_EOM		0x40
#define VT_ILI		0x20

/**
 * struct vtape_dev - one virtual tape drive
 * @dev: the core's device
 * @lock: serialises everything below, and every command for its whole
 *	execution (the tape's one position); may be held while sleeping
 * @filename: absolute path of the image (kmalloc'ed), NULL if unset
 * @size_mb: capacity of an image created here
 * @file: the open image while enabled, else NULL
 * @tape: the image's header and the position on it, valid while @file
 * @loaded: the tape is loaded (LOAD UNLOAD); commands that need the
 *	medium get NOT READY, MEDIUM NOT PRESENT otherwise
 * @block_len: the block length of the mode parameter block descriptor:
 *	0 variable-block mode, else the fixed block length, 1 to
 *	VTAPE_MAX_BLOCK; written under @lock with WRITE_ONCE(), read
 *	without it by vtape_xfer_block_size() at a command's submit
 * @enabled: between ->enable and ->disable
 * @owner: the device name of the changer that owns the drive, or NULL;
 *	written under vtape_lib_mutex and @lock, read under either
 * @node: in vtape_devs, under vtape_lib_mutex
 */
struct vtape_dev {
	struct ktgt_device	*dev;
	struct mutex		lock;	/* see the kernel-doc above */
	char			*filename;
	u32			size_mb;
	struct file		*file;
	struct vtape		tape;
	bool			loaded;
	u32			block_len;
	bool			enabled;
	const char		*owner;
	struct list_head	node;
};

/* The changers' mutex, before any vtape_dev.lock: see vtape.h. */
DEFINE_MUTEX(vtape_lib_mutex);
static LIST_HEAD(vtape_devs);	/* struct vtape_dev.node */

static struct vtape_dev *vtape_from_item(struct config_item *item)
{
	return ktgt_device_priv(ktgt_device_from_item(item));
}

/*
 * ---------------------------------------------------------------------
 * The image file
 * ---------------------------------------------------------------------
 */

static int vtape_file_read(void *priv, u64 off, void *buf, u32 len)
{
	loff_t pos = off;
	ssize_t n;

	n = kernel_read(priv, buf, len, &pos);
	if (n < 0)
		return n;
	return n == len ? 0 : -EIO;
}

static int vtape_file_write(void *priv, u64 off, const void *buf, u32 len)
{
	loff_t pos = off;
	ssize_t n;

	n = kernel_write(priv, buf, len, &pos);
	if (n < 0)
		return n;
	return n == len ? 0 : -ENOSPC;
}

/*
 * Open (or create as a blank tape of @size_mb) the image at @path and
 * check its header into @t. A changer's cartridge (@lib) is opened by the
 * core in init's mount namespace (ktgt_file_open()), where the changer's
 * state file is, whichever process enables the changer or the drive;
 * an administrator's filename in the writer's own, as vdisk's. Process
 * context.
 */
static int vtape_image_open(struct ktgt_device *dev, const char *path,
			    u32 size_mb, bool read_only, bool lib,
			    struct file **filp, struct vtape *t)
{
	int flags = (read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_LARGEFILE;
	struct file *file;
	int ret;

	if (lib)
		file = ktgt_file_open(path, flags, 0600);
	else
		file = filp_open(path, flags, 0600);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		pr_err("%s: cannot open %s: %d\n", ktgt_device_name(dev), path,
		       ret);
		return ret;
	}
	if (!S_ISREG(file_inode(file)->i_mode)) {
		pr_err("%s: %s is not a regular file\n", ktgt_device_name(dev),
		       path);
		ret = -EINVAL;
		goto err;
	}
	memset(t, 0, sizeof(*t));
	t->io.read = vtape_file_read;
	t->io.write = vtape_file_write;
	t->io.priv = file;
	if (!i_size_read(file_inode(file))) {
		if (read_only) {
			pr_err("%s: %s is empty and the tape is read-only\n",
			       ktgt_device_name(dev), path);
			ret = -EINVAL;
			goto err;
		}
		ret = vtape_format(&t->io, (u64)size_mb << 20);
		if (ret) {
			pr_err("%s: cannot create a tape in %s: %d\n",
			       ktgt_device_name(dev), path, ret);
			goto err;
		}
		pr_info("%s: created a blank %u MiB tape in %s\n",
			ktgt_device_name(dev), size_mb, path);
	}
	ret = vtape_open(t);
	if (ret) {
		pr_err("%s: %s is not a ktgt tape image (version %u): %d\n",
		       ktgt_device_name(dev), path, VTAPE_VERSION, ret);
		goto err;
	}
	*filp = file;
	return 0;
err:
	filp_close(file, NULL);
	return ret;
}

/* The capacity in device blocks, for the core (it checks no range). */
static u64 vtape_nr_blocks(struct vtape_dev *vt)
{
	u32 bs = ktgt_device_params(vt->dev)->block_size;

	return vt->loaded ? div_u64(vt->tape.capacity, bs) : 0;
}

/*
 * ---------------------------------------------------------------------
 * Status and sense
 * ---------------------------------------------------------------------
 */

/*
 * CHECK CONDITION with fixed-format sense data: @bits the FILEMARK, EOM
 * and ILI bits; with @info_valid, @info in INFORMATION (a residue, two's
 * complement when negative); @data_len bytes of data-in already in the
 * buffer.
 */
static void vtape_sense(struct ktgt_cmd *cmd, u8 key, u8 asc, u8 ascq,
			u8 bits, bool info_valid, s32 info)
{
	u8 s[18];

	memset(s, 0, sizeof(s));
	s[0] = 0x70 | (info_valid ? 0x80 : 0);
	s[2] = key | bits;
	if (info_valid)
		put_unaligned_be32((u32)info, s + 3);
	s[7] = sizeof(s) - 8;
	s[12] = asc;
	s[13] = ascq;
	ktgt_cmd_set_status(cmd, KTGT_SAM_CHECK_CONDITION, s, sizeof(s), 0);
}

/* ILLEGAL REQUEST with a field pointer, in the CDB (@cd) or parameters. */
void vtape_invalid(struct ktgt_cmd *cmd, bool cd, u16 field, int bit)
{
	u8 s[18];

	memset(s, 0, sizeof(s));
	s[0] = 0x70;
	s[2] = KTGT_KEY_ILLEGAL_REQUEST;
	s[7] = sizeof(s) - 8;
	s[12] = cd ? VT_ASC_INVALID_FIELD_IN_CDB : VT_ASC_INVALID_FIELD_IN_PARAM;
	s[15] = 0x80 | (cd ? 0x40 : 0) | (bit >= 0 ? 0x08 | bit : 0);
	put_unaligned_be16(field, s + 16);
	ktgt_cmd_set_status(cmd, KTGT_SAM_CHECK_CONDITION, s, sizeof(s), 0);
}

static void vtape_medium_error(struct ktgt_cmd *cmd, bool write, int err)
{
	if (err == -EIO || err == -ENODATA)
		vtape_sense(cmd, KTGT_KEY_MEDIUM_ERROR,
			    write ? VT_ASC_WRITE_ERROR : VT_ASC_UNRECOVERED_READ,
			    0, 0, false, 0);
	else
		ktgt_cmd_io_error(cmd, err);
}

/* NOT READY, MEDIUM NOT PRESENT unless loaded; true if loaded. */
static bool vtape_ready(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	if (vt->loaded && vt->file)
		return true;
	ktgt_cmd_check_condition(cmd, KTGT_KEY_NOT_READY,
				 VT_ASC_MEDIUM_NOT_PRESENT, 0);
	return false;
}

static bool vtape_wp(struct vtape_dev *vt)
{
	return ktgt_device_params(vt->dev)->read_only;
}

void vtape_copy_to_cmd(struct ktgt_cmd *cmd, const void *buf, u32 len)
{
	u32 n = min(len, cmd->bufflen);

	if (n && cmd->sg)
		n = sg_copy_from_buffer(cmd->sg, cmd->sg_cnt, buf, n);
	else
		n = 0;
	ktgt_cmd_good(cmd, n);
}

bool vtape_mode_sense_ok(struct ktgt_cmd *cmd, const u8 *pages, size_t nr)
{
	u8 code = cmd->cdb[2] & 0x3f, sub = cmd->cdb[3];

	if (cmd->cdb[2] >> 6 == 3) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VT_ASC_SAVING_NOT_SUPPORTED, 0);
		return false;
	}
	if (code != 0x3f && !memchr(pages, code, nr)) {
		vtape_invalid(cmd, true, 2, 5);
		return false;
	}
	if (sub && !(code == 0x3f && sub == 0xff)) {
		vtape_invalid(cmd, true, 3, 7);
		return false;
	}
	return true;
}

/* Sign-extend SPACE(6)'s 24-bit COUNT. */
static int vtape_count24(const u8 *p)
{
	u32 v = get_unaligned_be24(p);

	return (v & 0x800000) ? (int)(v | 0xff000000) : (int)v;
}

/*
 * ---------------------------------------------------------------------
 * READ(6), WRITE(6), WRITE FILEMARKS(6)
 * ---------------------------------------------------------------------
 */

/*
 * What READ(6) and WRITE(6) check first: the tape is ready, FIXED = 1
 * needs a fixed block length (05/24/00 at byte 1 bit 0) and a CDB that
 * the core sized with it: one decoded before a MODE SELECT changed it
 * has a buffer of the wrong size (05/24/00, as pt_tape does); a
 * TRANSFER LENGTH of 0 moves nothing (GOOD). Return: true if the
 * command goes on.
 */
static bool vt_rw_start(struct ktgt_cmd *cmd, struct vtape_dev *vt,
			bool fixed, u32 count)
{
	if (!vtape_ready(cmd, vt))
		return false;
	if (fixed && !vt->block_len) {
		vtape_invalid(cmd, true, 1, 0);
		return false;
	}
	if (fixed && cmd->core.xfer_len != (u64)count * vt->block_len) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VT_ASC_INVALID_FIELD_IN_CDB, 0);
		return false;
	}
	if (!count) {
		ktgt_cmd_good(cmd, 0);
		return false;
	}
	return true;
}

/*
 * READ(6) (SSC-3 7.2). Variable (FIXED = 0): one block of up to @len
 * bytes; a shorter one is ILI unless SILI, a longer one is ILI with a
 * negative residue and only @len bytes. Fixed: @n blocks of the block
 * length, each of exactly that length: a block of another length ends
 * the read after it with ILI, INFORMATION the blocks not read (the
 * requested minus those read before it), its bytes up to the block
 * length in the buffer. A filemark ends the read past it (FILEMARK),
 * end of data before it (BLANK CHECK).
 *
 * The buffers are those of the data read, not of the TRANSFER LENGTH,
 * which in variable mode is only an upper bound: the command's (taken
 * here, vtape_exec_buf()) and the bounce buffer are the length of the
 * block once its record header is read, at most @len; in fixed mode the
 * core sized the command's from the CDB. Both are taken at the first
 * block, so a read that meets a filemark or end of data first takes
 * none; one that cannot have them answers BUSY, the tape not moved.
 */
static void vt_cmd_read(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	bool fixed = cmd->cdb[1] & 0x01, sili = cmd->cdb[1] & 0x02;
	u32 count = get_unaligned_be24(cmd->cdb + 2);
	u32 bs = fixed ? vt->block_len : 0;
	u32 want = fixed ? bs : count, done = 0, i;
	struct vtape_rec rec;
	u8 *buf = NULL;
	int ret;

	if (!vt_rw_start(cmd, vt, fixed, count))
		return;
	for (i = 0; i < (fixed ? count : 1); i++) {
		u32 n;

		ret = vtape_peek(&vt->tape, &rec);
		if (ret) {
			vtape_medium_error(cmd, false, ret);
			goto out;
		}
		if (rec.type == VTAPE_REC_EOD) {
			vtape_sense(cmd, KTGT_KEY_BLANK_CHECK,
				    VT_ASC_NO_ADDITIONAL, VT_ASCQ_EOD, 0, true,
				    fixed ? count - i : count);
			goto out;
		}
		if (rec.type == VTAPE_REC_FILEMARK) {
			vtape_skip(&vt->tape, &rec);
			vtape_sense(cmd, KTGT_KEY_NO_SENSE, VT_ASC_NO_ADDITIONAL,
				    VT_ASCQ_FILEMARK, VT_FILEMARK, true,
				    fixed ? count - i : count);
			cmd->data_len = done;
			cmd->data_with_cc = true;
			goto out;
		}
		n = min(rec.len, want);
		if (!buf) {
			ret = fixed ? 0 : ktgt_cmd_exec_buf(cmd, n);
			if (!ret) {
				buf = kvmalloc(fixed ? bs : n, GFP_KERNEL);
				ret = buf ? 0 : -ENOMEM;
			}
			if (ret) {
				ktgt_cmd_io_error(cmd, ret);
				goto out;
			}
		}
		ret = vt->tape.io.read(vt->tape.io.priv,
				       vtape_data_off(&vt->tape), buf, n);
		if (ret) {
			vtape_medium_error(cmd, false, ret);
			goto out;
		}
		if (cmd->sg && done < cmd->bufflen)
			sg_pcopy_from_buffer(cmd->sg, cmd->sg_cnt, buf,
					     min(n, cmd->bufflen - done), done);
		vtape_skip(&vt->tape, &rec);
		done += n;
		if (rec.len != want && !(sili && rec.len < want)) {
			/* The residue: bytes, or blocks not read. */
			vtape_sense(cmd, KTGT_KEY_NO_SENSE,
				    VT_ASC_NO_ADDITIONAL, 0, VT_ILI, true,
				    fixed ? count - i :
					    (s32)want - (s32)rec.len);
			cmd->data_len = done;
			cmd->data_with_cc = true;
			goto out;
		}
	}
	ktgt_cmd_good(cmd, done);
out:
	kvfree(buf);
}

/*
 * After @done blocks or filemarks of a WRITE or WRITE FILEMARKS: GOOD,
 * or EOM early warning (NO SENSE, EOM, 00h/02h, residue 0).
 */
static void vtape_write_done(struct ktgt_cmd *cmd, bool ew)
{
	if (ew)
		vtape_sense(cmd, KTGT_KEY_NO_SENSE, VT_ASC_NO_ADDITIONAL,
			    VT_ASCQ_EOM, VT_EOM, true, 0);
	else
		ktgt_cmd_good(cmd, 0);
}

/* A write that did not fit: VOLUME OVERFLOW, EOM, the residue. */
static void vtape_overflow(struct ktgt_cmd *cmd, u32 resid)
{
	vtape_sense(cmd, VT_KEY_VOLUME_OVERFLOW, VT_ASC_NO_ADDITIONAL,
		    VT_ASCQ_EOM, VT_EOM, true, resid);
}

/* WRITE(6) (SSC-3 7.6): one variable block or @count fixed blocks. */
static void vt_cmd_write(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	bool fixed = cmd->cdb[1] & 0x01, ew = false;
	u32 count = get_unaligned_be24(cmd->cdb + 2);
	u32 len = fixed ? vt->block_len : count, i;
	u8 *buf;
	int ret;

	if (!vt_rw_start(cmd, vt, fixed, count))
		return;
	/* The core sized the buffer from the CDB; a cut one is refused. */
	if ((u64)len * (fixed ? count : 1) > cmd->bufflen || !cmd->sg) {
		vtape_invalid(cmd, true, 2, 7);
		return;
	}
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf) {
		ktgt_cmd_io_error(cmd, -ENOMEM);
		return;
	}
	for (i = 0; i < (fixed ? count : 1); i++) {
		sg_pcopy_to_buffer(cmd->sg, cmd->sg_cnt, buf, len,
				   (u64)i * len);
		ret = vtape_write(&vt->tape, VTAPE_REC_DATA, buf, len, &ew);
		if (ret == -ENOSPC) {
			vtape_overflow(cmd, fixed ? count - i : count);
			goto out;
		}
		if (ret) {
			vtape_medium_error(cmd, true, ret);
			goto out;
		}
	}
	vtape_write_done(cmd, ew);
out:
	kvfree(buf);
}

/* WRITE FILEMARKS(6) (SSC-3 7.7); 0 filemarks only flushes. */
static void vt_cmd_write_filemarks(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	u32 count = get_unaligned_be24(cmd->cdb + 2), i;
	bool ew = false;
	int ret;

	if (!vtape_ready(cmd, vt))
		return;
	for (i = 0; i < count; i++) {
		ret = vtape_write(&vt->tape, VTAPE_REC_FILEMARK, NULL, 0, &ew);
		if (ret == -ENOSPC) {
			vtape_overflow(cmd, count - i);
			return;
		}
		if (ret) {
			vtape_medium_error(cmd, true, ret);
			return;
		}
	}
	/* A filemark is a synchronisation point: the data is durable. */
	ret = vfs_fsync(vt->file, 1);
	if (ret) {
		vtape_medium_error(cmd, true, ret);
		return;
	}
	vtape_write_done(cmd, ew);
}

/*
 * ---------------------------------------------------------------------
 * Positioning: SPACE, REWIND, LOCATE, ERASE, READ POSITION
 * ---------------------------------------------------------------------
 */

/* SPACE(6) (SSC-3 7.8). */
static void vt_cmd_space(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	int code = cmd->cdb[1] & 0x0f, count = vtape_count24(cmd->cdb + 2);
	enum vtape_stop stop;
	u32 resid;
	int ret;

	if (!vtape_ready(cmd, vt))
		return;
	ret = vtape_space(&vt->tape, code, count, &stop, &resid);
	if (ret) {
		vtape_medium_error(cmd, false, ret);
		return;
	}
	switch (stop) {
	case VTAPE_STOP_FILEMARK:
		vtape_sense(cmd, KTGT_KEY_NO_SENSE, VT_ASC_NO_ADDITIONAL,
			    VT_ASCQ_FILEMARK, VT_FILEMARK, true, resid);
		break;
	case VTAPE_STOP_EOD:
		vtape_sense(cmd, KTGT_KEY_BLANK_CHECK, VT_ASC_NO_ADDITIONAL,
			    VT_ASCQ_EOD, 0, true, resid);
		break;
	case VTAPE_STOP_BOT:
		vtape_sense(cmd, KTGT_KEY_NO_SENSE, VT_ASC_NO_ADDITIONAL,
			    VT_ASCQ_BOM, VT_EOM, true, resid);
		break;
	default:
		ktgt_cmd_good(cmd, 0);
		break;
	}
}

static void vt_cmd_rewind(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	if (!vtape_ready(cmd, vt))
		return;
	vtape_rewind(&vt->tape);
	ktgt_cmd_good(cmd, 0);
}

/* LOCATE(10) (SSC-3 7.3): one partition, 0. */
static void vt_cmd_locate(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	int ret;

	if (!vtape_ready(cmd, vt))
		return;
	if ((cmd->cdb[1] & 0x02) && cmd->cdb[8]) {
		vtape_invalid(cmd, true, 8, 7);
		return;
	}
	ret = vtape_locate(&vt->tape, get_unaligned_be32(cmd->cdb + 3));
	if (ret < 0)
		vtape_medium_error(cmd, false, ret);
	else if (ret)
		vtape_sense(cmd, KTGT_KEY_BLANK_CHECK, VT_ASC_NO_ADDITIONAL,
			    VT_ASCQ_EOD, 0, false, 0);
	else
		ktgt_cmd_good(cmd, 0);
}

/* ERASE(6) (SSC-3 6.2): end of data at the position. */
static void vt_cmd_erase(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	int ret;

	if (!vtape_ready(cmd, vt))
		return;
	ret = vtape_erase(&vt->tape);
	if (ret)
		vtape_medium_error(cmd, true, ret);
	else
		ktgt_cmd_good(cmd, 0);
}

/*
 * READ POSITION, short form (SSC-3 7.4): BOP at the beginning, EOP in
 * the early-warning zone, the logical object number as the first and
 * last block location (nothing is buffered), BPU if it does not fit.
 */
static void vt_cmd_read_position(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	struct vtape *t = &vt->tape;
	u8 buf[20];

	if (!vtape_ready(cmd, vt))
		return;
	memset(buf, 0, sizeof(buf));
	if (!t->lobj)
		buf[0] |= 0x80;				/* BOP */
	if (vtape_early_warning(t, t->off + VTAPE_REC_LEN))
		buf[0] |= 0x40;				/* EOP */
	if (t->lobj > U32_MAX) {
		buf[0] |= 0x04;				/* BPU */
	} else {
		put_unaligned_be32((u32)t->lobj, buf + 4);
		put_unaligned_be32((u32)t->lobj, buf + 8);
	}
	vtape_copy_to_cmd(cmd, buf, sizeof(buf));
}

/*
 * ---------------------------------------------------------------------
 * The drive: TEST UNIT READY, LOAD UNLOAD, READ BLOCK LIMITS, REPORT
 * DENSITY SUPPORT
 * ---------------------------------------------------------------------
 */

static void vt_cmd_tur(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	if (vtape_ready(cmd, vt))
		ktgt_cmd_good(cmd, 0);
}

/*
 * LOAD UNLOAD (SSC-3 7.2): LOAD loads and rewinds (a medium change for
 * every I_T nexus: NOT READY TO READY CHANGE); unloading rewinds and
 * leaves no medium, refused while an I_T nexus prevents removal. HOLD,
 * EOT and RETEN change nothing more.
 */
static void vt_cmd_load_unload(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	bool load = cmd->cdb[4] & 0x01;

	if (!vt->file) {
		vtape_ready(cmd, vt);
		return;
	}
	if (!load && vt->loaded && ktgt_device_removal_prevented(vt->dev)) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VT_ASC_REMOVAL_PREVENTED, 0x02);
		return;
	}
	vtape_rewind(&vt->tape);
	if (load != vt->loaded) {
		vt->loaded = load;
		ktgt_device_medium_changed(vt->dev, vtape_nr_blocks(vt));
	}
	ktgt_cmd_good(cmd, 0);
}

/* READ BLOCK LIMITS (SSC-3 7.5): 1 byte to VTAPE_MAX_BLOCK. */
static void vt_cmd_read_block_limits(struct ktgt_cmd *cmd,
				     struct vtape_dev *vt)
{
	u8 buf[6];

	memset(buf, 0, sizeof(buf));
	put_unaligned_be24(VTAPE_MAX_BLOCK, buf + 1);
	put_unaligned_be16(1, buf + 4);
	vtape_copy_to_cmd(cmd, buf, sizeof(buf));
}

/* REPORT DENSITY SUPPORT (SSC-3 6.6): the one density, VTAPE_DENSITY. */
static void vt_cmd_report_density(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	u8 buf[4 + 52];
	u64 mb = 0;

	if ((cmd->cdb[1] & 0x01) && !vtape_ready(cmd, vt))
		return;
	if (vt->file)
		mb = vt->tape.capacity >> 20;
	memset(buf, 0, sizeof(buf));
	put_unaligned_be16(sizeof(buf) - 2, buf);
	buf[4] = VTAPE_DENSITY;			/* primary density code */
	buf[5] = VTAPE_DENSITY;			/* secondary */
	buf[6] = (vtape_wp(vt) ? 0 : 0x80) | 0x20;	/* WRTOK, DEFLT */
	put_unaligned_be32(min_t(u64, mb, U32_MAX), buf + 4 + 12);
	memcpy(buf + 4 + 16, "KTGT    ", 8);	/* assigning organization */
	memcpy(buf + 4 + 24, "VTAPE   ", 8);	/* density name */
	memcpy(buf + 4 + 32, "ktgt virtual tape   ", 20);
	vtape_copy_to_cmd(cmd, buf, sizeof(buf));
}

/*
 * ---------------------------------------------------------------------
 * MODE SENSE, MODE SELECT
 * ---------------------------------------------------------------------
 */

#define VT_PAGE_LEN	16	/* pages 0Fh and 10h, header included */

/* Page 0Fh, data compression (SSC-3 8.3.3): not capable (DCC = 0). */
static void vtape_page_0f(u8 pc, u8 *p)
{
	memset(p, 0, VT_PAGE_LEN);
	p[0] = 0x0f;
	p[1] = VT_PAGE_LEN - 2;
	if (pc != 1)
		p[3] = 0x80;	/* DDE: decompression enabled */
}

/* Page 10h, device configuration (SSC-3 8.3.4). */
static void vtape_page_10(u8 pc, u8 *p)
{
	memset(p, 0, VT_PAGE_LEN);
	p[0] = 0x10;
	p[1] = VT_PAGE_LEN - 2;
	if (pc != 1) {
		p[8] = 0x40;	/* BIS: block identifiers supported */
		p[10] = 0x18;	/* EEG: generates EOD; SEW */
	}
}

/*
 * MODE SENSE(6)/(10) (SPC-4 6.11, SSC-3 8.3): the header, with WP and
 * BUFFERED MODE 001b in the device-specific byte, a block descriptor
 * (density, block length) unless DBD, and page 0Fh, 10h, both (3Fh) or
 * none (00h). Saved values are not supported.
 */
static void vt_cmd_mode_sense(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	static const u8 pages[] = { 0x00, 0x0f, 0x10 };
	bool ten = cmd->cdb[0] == 0x5a, dbd = cmd->cdb[1] & 0x08;
	u8 code = cmd->cdb[2] & 0x3f, pc = cmd->cdb[2] >> 6;
	u8 buf[8 + 8 + 2 * VT_PAGE_LEN];
	u32 hdr = ten ? 8 : 4, n;

	if (!vtape_mode_sense_ok(cmd, pages, sizeof(pages)))
		return;
	memset(buf, 0, sizeof(buf));
	n = hdr;
	/* WP; BUFFERED MODE 001b */
	buf[ten ? 3 : 2] = (vtape_wp(vt) ? 0x80 : 0) | (pc == 1 ? 0 : 0x10);
	if (!dbd) {
		buf[ten ? 7 : 3] = 8;	/* block descriptor length */
		if (pc == 1) {
			put_unaligned_be24(0xffffff, buf + n + 5);
		} else {
			buf[n] = VTAPE_DENSITY;
			put_unaligned_be24(vt->block_len, buf + n + 5);
		}
		n += 8;
	}
	if (code == 0x0f || code == 0x3f) {
		vtape_page_0f(pc, buf + n);
		n += VT_PAGE_LEN;
	}
	if (code == 0x10 || code == 0x3f) {
		vtape_page_10(pc, buf + n);
		n += VT_PAGE_LEN;
	}
	if (ten)
		put_unaligned_be16(n - 2, buf);
	else
		buf[0] = n - 1;
	vtape_copy_to_cmd(cmd, buf, n);
}

/*
 * MODE SELECT(6)/(10): the block descriptor sets the block length (0:
 * variable, else fixed, within READ BLOCK LIMITS: 1 byte to
 * VTAPE_MAX_BLOCK; above it INVALID FIELD IN PARAMETER LIST) and
 * accepts the density codes 00h (default), 7Fh (no change) and
 * VTAPE_DENSITY; page 0Fh must not enable compression (DCE); page 10h
 * is accepted as is.
 */
static void vt_cmd_mode_select(struct ktgt_cmd *cmd, struct vtape_dev *vt)
{
	bool ten = cmd->cdb[0] == 0x55;
	u32 hdr = ten ? 8 : 4, len, bdl, off, bl = vt->block_len;
	u8 buf[8 + 8 + 4 * VT_PAGE_LEN];

	len = min_t(u64, cmd->core.xfer_len, cmd->bufflen);
	if (!len) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	if (len < hdr || len > sizeof(buf) || !cmd->sg) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VT_ASC_PARAM_LIST_LENGTH, 0);
		return;
	}
	sg_copy_to_buffer(cmd->sg, cmd->sg_cnt, buf, len);
	bdl = ten ? get_unaligned_be16(buf + 6) : buf[3];
	if ((bdl != 0 && bdl != 8) || hdr + bdl > len) {
		vtape_invalid(cmd, false, ten ? 6 : 3, 7);
		return;
	}
	if (bdl) {
		u8 *bd = buf + hdr;
		u32 want = get_unaligned_be24(bd + 5);

		if (bd[0] && bd[0] != 0x7f && bd[0] != VTAPE_DENSITY) {
			vtape_invalid(cmd, false, hdr, 7);
			return;
		}
		if (want > VTAPE_MAX_BLOCK) {
			vtape_invalid(cmd, false, hdr + 5, 7);
			return;
		}
		bl = want;
	}
	for (off = hdr + bdl; off < len; off += 2 + buf[off + 1]) {
		u8 *p = buf + off;

		if (len - off < 2 || len - off < 2u + p[1]) {
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 VT_ASC_PARAM_LIST_LENGTH, 0);
			return;
		}
		if ((p[0] & 0x3f) == 0x0f && p[1] == VT_PAGE_LEN - 2) {
			if (p[2] & 0x80) {	/* DCE: no compression */
				vtape_invalid(cmd, false, off + 2, 7);
				return;
			}
		} else if ((p[0] & 0x3f) != 0x10 || p[1] != VT_PAGE_LEN - 2) {
			vtape_invalid(cmd, false, off, 5);
			return;
		}
	}
	WRITE_ONCE(vt->block_len, bl);
	ktgt_cmd_good(cmd, 0);
}

/*
 * ->exec_buf: a variable-block READ(6) (FIXED = 0) takes its buffer of
 * the block it reads in vt_cmd_read(), not the core one of its TRANSFER
 * LENGTH (up to 8 MiB, whatever the block). Any context: the CDB only.
 */
static bool vtape_exec_buf(const struct ktgt_cmd *cmd)
{
	return cmd->cdb[0] == 0x08 && !(cmd->cdb[1] & 0x01);
}

/*
 * ->xfer_block_size: the fixed block length (0 in variable mode) the
 * core counts a FIXED READ(6)/WRITE(6) in. Any context: no lock, the
 * block length as MODE SELECT last left it (vt_rw_start() refuses a
 * command decoded with another).
 */
static u32 vtape_xfer_block_size(const struct ktgt_device *dev)
{
	struct vtape_dev *vt = ktgt_device_priv(dev);

	return vt ? READ_ONCE(vt->block_len) : 0;
}

static enum ktgt_exec_status vtape_exec(struct ktgt_cmd *cmd)
{
	struct vtape_dev *vt = ktgt_device_priv(cmd->core.dev);

	mutex_lock(&vt->lock);
	switch (cmd->cdb[0]) {
	case 0x00:
		vt_cmd_tur(cmd, vt);
		break;
	case 0x01:
		vt_cmd_rewind(cmd, vt);
		break;
	case 0x05:
		vt_cmd_read_block_limits(cmd, vt);
		break;
	case 0x08:
		vt_cmd_read(cmd, vt);
		break;
	case 0x0a:
		vt_cmd_write(cmd, vt);
		break;
	case 0x10:
		vt_cmd_write_filemarks(cmd, vt);
		break;
	case 0x11:
		vt_cmd_space(cmd, vt);
		break;
	case 0x15:
	case 0x55:
		vt_cmd_mode_select(cmd, vt);
		break;
	case 0x19:
		vt_cmd_erase(cmd, vt);
		break;
	case 0x1a:
	case 0x5a:
		vt_cmd_mode_sense(cmd, vt);
		break;
	case 0x1b:
		vt_cmd_load_unload(cmd, vt);
		break;
	case 0x2b:
		vt_cmd_locate(cmd, vt);
		break;
	case 0x34:
		/* Long and extended forms: decoded for pt_tape only. */
		if ((cmd->cdb[1] & 0x1f) > 0x01)
			vtape_invalid(cmd, true, 1, 4);
		else
			vt_cmd_read_position(cmd, vt);
		break;
	case 0x44:
		vt_cmd_report_density(cmd, vt);
		break;
	default:
		if (!ktgt_spc_exec(cmd))
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 0x20, 0);
		break;
	}
	mutex_unlock(&vt->lock);
	return KTGT_EXEC_DONE;
}

/*
 * ---------------------------------------------------------------------
 * The changer's side (vtape.h)
 * ---------------------------------------------------------------------
 */

struct vtape_dev *vtape_lib_find(const char *name)
{
	struct vtape_dev *vt;

	lockdep_assert_held(&vtape_lib_mutex);
	list_for_each_entry(vt, &vtape_devs, node)
		if (!strcmp(ktgt_device_name(vt->dev), name))
			return vt;
	return NULL;
}

const char *vtape_lib_owner(struct vtape_dev *vt)
{
	lockdep_assert_held(&vtape_lib_mutex);
	return vt->owner;
}

void vtape_lib_set_owner(struct vtape_dev *vt, const char *owner)
{
	lockdep_assert_held(&vtape_lib_mutex);
	mutex_lock(&vt->lock);
	vt->owner = owner;
	mutex_unlock(&vt->lock);
}

bool vtape_lib_busy(struct vtape_dev *vt)
{
	bool busy;

	mutex_lock(&vt->lock);
	busy = vt->file && vt->loaded &&
	       ktgt_device_removal_prevented(vt->dev);
	mutex_unlock(&vt->lock);
	return busy;
}

int vtape_lib_set_medium(struct vtape_dev *vt, const char *path)
{
	struct file *file = NULL, *old;
	char *name = NULL;
	struct vtape t;
	int ret = 0;

	lockdep_assert_held(&vtape_lib_mutex);
	if (path) {
		name = kstrdup(path, GFP_KERNEL);
		if (!name)
			return -ENOMEM;
	}
	mutex_lock(&vt->lock);
	/* The same cartridge (or none) stays as it is, at its position. */
	if ((path && vt->filename && !strcmp(path, vt->filename) &&
	     (vt->file || !vt->enabled)) ||
	    (!path && !vt->filename && !vt->file)) {
		mutex_unlock(&vt->lock);
		kfree(name);
		return 0;
	}
	old = vt->file;
	vt->file = NULL;
	if (vt->enabled && path) {
		ret = vtape_image_open(vt->dev, path, vt->size_mb, vtape_wp(vt),
				       true, &file, &t);
		if (!ret) {
			vt->file = file;
			vt->tape = t;
		} else {
			kfree(name);
			name = NULL;
		}
	}
	kfree(vt->filename);
	vt->filename = name;
	if (vt->enabled) {
		/* The cartridge was changed: loaded at its beginning. */
		vt->loaded = !!vt->file;
		WRITE_ONCE(vt->block_len, 0);
		ktgt_device_medium_changed(vt->dev, vtape_nr_blocks(vt));
	}
	mutex_unlock(&vt->lock);
	if (old)
		filp_close(old, NULL);
	return ret;
}

void vtape_lib_dvcid(struct vtape_dev *vt, u8 *id)
{
	const struct ktgt_dev_params *p = ktgt_device_params(vt->dev);

	memset(id, ' ', VCH_DVCID_LEN);
	memcpy(id, p->vendor_id, strnlen(p->vendor_id, 8));
	memcpy(id + 8, p->product_id, strnlen(p->product_id, 16));
	memcpy(id + 24, p->serial, strnlen(p->serial, 32));
}

/*
 * ---------------------------------------------------------------------
 * Device lifetime and configfs
 * ---------------------------------------------------------------------
 */

static int vtape_dev_alloc(struct ktgt_device *dev)
{
	struct vtape_dev *vt;

	vt = kzalloc(sizeof(*vt), GFP_KERNEL);
	if (!vt)
		return -ENOMEM;
	vt->dev = dev;
	mutex_init(&vt->lock);
	vt->size_mb = VTAPE_DEFAULT_SIZE_MB;
	ktgt_device_set_priv(dev, vt);
	mutex_lock(&vtape_lib_mutex);
	list_add_tail(&vt->node, &vtape_devs);
	mutex_unlock(&vtape_lib_mutex);
	return 0;
}

static void vtape_dev_free(struct ktgt_device *dev)
{
	struct vtape_dev *vt = ktgt_device_priv(dev);

	mutex_lock(&vtape_lib_mutex);
	list_del(&vt->node);
	mutex_unlock(&vtape_lib_mutex);
	mutex_destroy(&vt->lock);
	kfree(vt->filename);
	kfree(vt);
}

static int vtape_enable(struct ktgt_device *dev)
{
	struct vtape_dev *vt = ktgt_device_priv(dev);
	int ret = 0;

	mutex_lock(&vt->lock);
	WRITE_ONCE(vt->block_len, 0);
	if (!vt->filename) {
		/* An empty drive: a changer or a filename store loads it. */
		vt->enabled = true;
		goto out;
	}
	ret = vtape_image_open(dev, vt->filename, vt->size_mb, vtape_wp(vt),
			       !!vt->owner, &vt->file, &vt->tape);
	if (ret)
		goto out;
	vt->loaded = true;
	vt->enabled = true;
	/* No I_T nexus sees the device yet: no unit attention. */
	ktgt_device_medium_changed(dev, vtape_nr_blocks(vt));
out:
	mutex_unlock(&vt->lock);
	return ret;
}

static void vtape_disable(struct ktgt_device *dev)
{
	struct vtape_dev *vt = ktgt_device_priv(dev);
	struct file *old;

	mutex_lock(&vt->lock);
	old = vt->file;
	vt->file = NULL;
	vt->loaded = false;
	vt->enabled = false;
	mutex_unlock(&vt->lock);
	if (old)
		filp_close(old, NULL);
}

static ssize_t vtape_filename_show(struct config_item *item, char *page)
{
	struct vtape_dev *vt = vtape_from_item(item);
	ssize_t ret;

	mutex_lock(&vt->lock);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", vt->filename ?: "");
	mutex_unlock(&vt->lock);
	return ret;
}

/*
 * Set the image. While enabled only with the tape unloaded: the new
 * image is opened (created if missing) at once and is the cartridge the
 * next LOAD loads; if it cannot be opened the old one stays. An empty
 * value takes the cartridge out (an empty drive). While a changer owns
 * the drive only its current value may be written (a no-op, so that
 * ktgtadm's written configuration applies): EBUSY otherwise.
 */
static ssize_t vtape_filename_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct vtape_dev *vt = vtape_from_item(item);
	size_t len = strnlen(page, count);
	struct file *file = NULL, *old = NULL;
	char *path = NULL;
	struct vtape t;
	int ret;

	if (len && page[len - 1] == '\n')
		len--;
	if (len && (page[0] != '/' || len >= PATH_MAX))
		return -EINVAL;
	if (len) {
		path = kstrndup(page, len, GFP_KERNEL);
		if (!path)
			return -ENOMEM;
	}

	mutex_lock(&vt->lock);
	if (vt->owner) {
		if ((!path && !vt->filename) ||
		    (path && vt->filename && !strcmp(path, vt->filename))) {
			ret = count;
			goto out;
		}
		pr_err("%s: belongs to changer %s, which moves its cartridges\n",
		       ktgt_device_name(vt->dev), vt->owner);
		ret = -EBUSY;
		goto out;
	}
	if (vt->enabled) {
		if (vt->loaded) {
			ret = -EBUSY;
			goto out;
		}
		if (path) {
			ret = vtape_image_open(vt->dev, path, vt->size_mb,
					       vtape_wp(vt), false, &file, &t);
			if (ret)
				goto out;
			vt->tape = t;
		}
		old = vt->file;
		vt->file = file;
	}
	swap(vt->filename, path);
	ret = count;
out:
	mutex_unlock(&vt->lock);
	kfree(path);
	if (old)
		filp_close(old, NULL);
	return ret;
}

static ssize_t vtape_size_mb_show(struct config_item *item, char *page)
{
	struct vtape_dev *vt = vtape_from_item(item);
	ssize_t ret;

	mutex_lock(&vt->lock);
	ret = scnprintf(page, PAGE_SIZE, "%u\n", vt->size_mb);
	mutex_unlock(&vt->lock);
	return ret;
}

/* The capacity of a tape created from now on; 1 MiB to 16 TiB. */
static ssize_t vtape_size_mb_store(struct config_item *item,
				   const char *page, size_t count)
{
	struct vtape_dev *vt = vtape_from_item(item);
	u32 mb;
	int ret;

	ret = kstrtou32(page, 10, &mb);
	if (ret)
		return ret;
	if (!mb || mb > VTAPE_MAX_SIZE_MB)
		return -EINVAL;
	mutex_lock(&vt->lock);
	vt->size_mb = mb;
	mutex_unlock(&vt->lock);
	return count;
}

CONFIGFS_ATTR(vtape_, filename);
CONFIGFS_ATTR(vtape_, size_mb);

static struct configfs_attribute *vtape_attrs[] = {
	&vtape_attr_filename,
	&vtape_attr_size_mb,
	NULL,
};

static struct ktgt_dev_type vtape_type = {
	.name		= "vtape",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_TAPE,
	.dev_alloc	= vtape_dev_alloc,
	.dev_free	= vtape_dev_free,
	.enable		= vtape_enable,
	.disable	= vtape_disable,
	.dev_attrs	= vtape_attrs,
	.exec		= vtape_exec,
	.xfer_block_size = vtape_xfer_block_size,
	.exec_buf	= vtape_exec_buf,
};

static int __init vtape_init(void)
{
	int ret;

	ret = ktgt_register_dev_type(&vtape_type);
	if (ret)
		return ret;
	ret = vchanger_register();
	if (ret)
		ktgt_unregister_dev_type(&vtape_type);
	return ret;
}

static void __exit vtape_exit(void)
{
	vchanger_unregister();
	ktgt_unregister_dev_type(&vtape_type);
}

module_init(vtape_init);
module_exit(vtape_exit);

MODULE_DESCRIPTION("ktgt virtual tape drive and medium changer dev handlers");
MODULE_AUTHOR("The ktgt developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KTGT_VERSION);
