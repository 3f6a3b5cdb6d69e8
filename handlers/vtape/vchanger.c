// SPDX-License-Identifier: GPL-2.0
/*
 * vchanger: a virtual medium changer (SMC-3, peripheral device type 08h)
 * over vtape drives, enough for Linux's mtx: a tape library whose
 * cartridges are tape image files (vtape_img.h's format) named by their
 * barcodes, and whose drives are vtape devices of the same module.
 *
 *   handlers/vchanger/<dev>/library_dir  absolute directory of the
 *                                   cartridges' images, <BARCODE>.img
 *                                   (created blank, of the drive's
 *                                   size_mb, the first time a cartridge
 *                                   is loaded), and of the state file
 *                                   <dev>.state
 *   handlers/vchanger/<dev>/slots   storage elements, 1 to 1024 (10)
 *   handlers/vchanger/<dev>/ie_slots  import/export elements, 0 to 32
 *   handlers/vchanger/<dev>/drives  the data transfer elements: 1 to 32
 *                                   vtape device names, in order
 *   handlers/vchanger/<dev>/cartridges  barcodes put into the first
 *                                   empty slots at enable if the library
 *                                   does not hold them yet
 *   handlers/vchanger/<dev>/inventory  read-only: the state file's text
 *
 * All but inventory change only while disabled (EBUSY). The state file
 * (vchanger_inv.h has its format) is the inventory: read at enable
 * (missing: an empty library), written (a temporary file renamed over
 * it) after every change, so it survives disable/enable and module
 * reloads. The core does both (ktgt_file_read(), ktgt_file_replace()) in
 * init's mount namespace, whichever process enables the changer. One
 * that does not parse, or that does not fit slots, drives
 * and ie_slots, fails enable with EINVAL and a log line naming the line.
 *
 * Elements (vchanger_inv.h): the picker at 1, mail slots from 10h,
 * drives from 100h, slots from 400h. Enable claims the drives: each must
 * be an existing vtape device that no other enabled changer owns; its
 * filename becomes its cartridge's image (or none: an empty drive), and
 * an administrator's write of its filename fails with EBUSY until the
 * changer is disabled.
 *
 * Commands: INITIALIZE ELEMENT STATUS (WITH RANGE), POSITION TO ELEMENT
 * (nothing to do: the inventory is always known and the picker is
 * everywhere), MOVE MEDIUM, EXCHANGE MEDIUM, READ ELEMENT STATUS
 * (VOLTAG: the barcode as primary volume tag; DVCID: the drive's T10
 * vendor ID designator, vendor, product and serial) and MODE SENSE /
 * MODE SELECT (pages 1Dh, 1Eh, 1Fh; nothing changeable) here; TEST
 * UNIT READY, INQUIRY, REQUEST SENSE, REPORT LUNS, PREVENT ALLOW MEDIUM
 * REMOVAL, REPORT SUPPORTED OPERATION CODES and the reservations in the
 * core. The decoder's SMC table (core/cdb.c) has validated each CDB
 * first.
 *
 * MOVE MEDIUM checks, in order: the addresses (a medium transport of 0
 * or 1; source and destination slots, mail slots or drives: else
 * ILLEGAL REQUEST, INVALID ELEMENT ADDRESS 21h/01h), an empty source
 * (MEDIUM SOURCE ELEMENT EMPTY 3Bh/0Eh), a full destination (MEDIUM
 * DESTINATION ELEMENT FULL 3Bh/0Dh), a mail slot destination while an
 * I_T nexus of the changer prevents medium removal (MEDIUM REMOVAL
 * PREVENTED 53h/02h), and a drive source whose tape is loaded while an
 * I_T nexus of the drive prevents its removal (mt lock, an application's
 * PREVENT: 53h/02h too). A loaded tape that is not held is unloaded by
 * the move, as libraries that unload their drives do (mt offline first
 * is not needed; st does not PREVENT while merely open, so a tape an
 * application reads without mt lock can be taken from it, as from a
 * real auto-unloading library). An image that cannot be opened: MEDIUM
 * ERROR, MEDIUM LOAD OR EJECT FAILED (03h/53h/00h), nothing moved.
 *
 * EXCHANGE MEDIUM is two moves: the source's cartridge to the first
 * destination, the first destination's to the second (the source, for
 * a simple exchange), with the same checks: an address that is no
 * element 21h/01h, an empty source or first destination 3Bh/0Eh, a full
 * second destination other than the source 3Bh/0Dh, a mail slot
 * destination while the changer is prevented 53h/02h, a source or
 * first destination drive held 53h/02h. A source that is also the first
 * destination makes it a move to the second. INV1 and INV2 are refused
 * by the decoder.
 *
 * Locking (vtape.h): vtape_lib_mutex serialises the configfs attributes,
 * ->enable/->disable and every command of every changer, for the whole
 * command, and is taken before a drive's own mutex. Commands run in
 * process context (->exec_atomic is false) and sleep for the files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/unaligned.h>
#include <scsi/scsi_proto.h>

#include <ktgt/ktgt.h>

#include "vchanger_inv.h"
#include "vtape.h"

/* Exported by the core (core/ktgt_internal.h), as vdisk.h declares it. */
bool ktgt_spc_exec(struct ktgt_cmd *cmd);

#define VCH_DEFAULT_SLOTS	10
#define VCH_CARTRIDGES_MAX	PAGE_SIZE

#define VCH_ASC_PARAM_LIST_LENGTH	0x1a
#define VCH_ASC_INVALID_ELEMENT		0x21	/* ASCQ 01h */
#define VCH_ASC_MEDIUM_ELEMENT		0x3b	/* ASCQ 0Dh, 0Eh */
#define VCH_ASCQ_DEST_FULL		0x0d
#define VCH_ASCQ_SOURCE_EMPTY		0x0e
#define VCH_ASC_REMOVAL			0x53	/* ASCQ 00h, 02h */

/**
 * struct vchanger_dev - one virtual medium changer
 * @dev: the core's device
 * @library_dir: the directory of images and state file, NULL if unset
 * @slots: storage elements
 * @ie_slots: import/export elements
 * @drives: the drives' vtape device names
 * @nr_drives: how many
 * @cartridges: the barcodes to put into the library (space separated)
 * @inv: the inventory while enabled, else NULL
 *
 * Everything is under vtape_lib_mutex.
 */
struct vchanger_dev {
	struct ktgt_device	*dev;
	char			*library_dir;
	u32			slots;
	u32			ie_slots;
	char			*drives[VCH_MAX_DRIVES];
	u32			nr_drives;
	char			*cartridges;
	struct vch_inv		*inv;
};

static struct vchanger_dev *vch_from_item(struct config_item *item)
{
	return ktgt_device_priv(ktgt_device_from_item(item));
}

static const char *vch_name(struct vchanger_dev *ch)
{
	return ktgt_device_name(ch->dev);
}

/*
 * ---------------------------------------------------------------------
 * The state file and the images
 * ---------------------------------------------------------------------
 */

static char *vch_state_name(struct vchanger_dev *ch)
{
	return kasprintf(GFP_KERNEL, "%s.state", vch_name(ch));
}

static char *vch_image_path(struct vchanger_dev *ch, const char *tag)
{
	return kasprintf(GFP_KERNEL, "%s/%s.img", ch->library_dir, tag);
}

/*
 * Read the state file into @inv; a missing one is an empty library. The
 * core reads it (ktgt_file_read()) in init's mount namespace, where
 * vch_state_write() writes it from any context.
 */
static int vch_state_read(struct vchanger_dev *ch, struct vch_inv *inv)
{
	char *path, err[160];
	void *buf = NULL;
	ssize_t n;
	int ret;

	path = kasprintf(GFP_KERNEL, "%s/%s.state", ch->library_dir,
			 vch_name(ch));
	if (!path)
		return -ENOMEM;
	n = ktgt_file_read(path, VCH_STATE_MAX, &buf);
	if (n == -ENOENT) {
		pr_info("%s: no %s: a new library\n", vch_name(ch), path);
		ret = 0;
	} else if (n == -EINVAL || n == -EFBIG) {
		pr_err("%s: %s is not a regular file of 1 to %u bytes\n",
		       vch_name(ch), path, (unsigned int)VCH_STATE_MAX);
		ret = -EINVAL;
	} else if (n < 0) {
		ret = n;
		pr_err("%s: cannot read %s: %d\n", vch_name(ch), path, ret);
	} else {
		ret = vch_state_parse(inv, buf, n, err, sizeof(err));
		if (ret)
			pr_err("%s: %s: %s\n", vch_name(ch), path, err);
	}
	vfree(buf);
	kfree(path);
	return ret;
}

/*
 * Write @inv as the state file, durably (ktgt_file_replace(): a
 * temporary file renamed over it); a failure leaves the old file as it
 * was.
 */
static int vch_state_write(struct vchanger_dev *ch, const struct vch_inv *inv)
{
	char *name, *buf;
	size_t len;
	int ret = -ENOMEM;

	buf = kvmalloc(VCH_STATE_MAX, GFP_KERNEL);
	name = vch_state_name(ch);
	if (!buf || !name)
		goto out;
	len = vch_state_format(inv, buf, VCH_STATE_MAX);
	if (WARN_ON(len > VCH_STATE_MAX)) {
		ret = -EOVERFLOW;
		goto out;
	}
	ret = ktgt_file_replace(ch->library_dir, name, buf, len);
out:
	if (ret)
		pr_err("%s: cannot write the state file %s/%s.state: %d\n",
		       vch_name(ch), ch->library_dir, vch_name(ch), ret);
	kvfree(buf);
	kfree(name);
	return ret;
}

/* Load drive @i with what @inv says it holds (or empty it). */
static int vch_sync_drive(struct vchanger_dev *ch, struct vtape_dev *vt,
			  const struct vch_elem *e)
{
	char *path = NULL;
	int ret;

	if (e->tag[0]) {
		path = vch_image_path(ch, e->tag);
		if (!path)
			return -ENOMEM;
	}
	ret = vtape_lib_set_medium(vt, path);
	kfree(path);
	return ret;
}

/*
 * ---------------------------------------------------------------------
 * Commands
 * ---------------------------------------------------------------------
 */

static void vch_bad_element(struct ktgt_cmd *cmd)
{
	ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
				 VCH_ASC_INVALID_ELEMENT, 0x01);
}

static bool vch_valid_addr(struct vch_inv *inv, u16 addr)
{
	u8 type;

	vch_elem_at(inv, addr, &type);
	return type;
}

/* POSITION TO ELEMENT (SMC-3 6.6): the addresses only. */
static void vch_cmd_position(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	u16 mt = get_unaligned_be16(cmd->cdb + 2);
	u16 dst = get_unaligned_be16(cmd->cdb + 4);

	if ((mt && mt != VCH_ADDR_MT) || !vch_valid_addr(ch->inv, dst))
		vch_bad_element(cmd);
	else
		ktgt_cmd_good(cmd, 0);
}

/* INITIALIZE ELEMENT STATUS WITH RANGE (SMC-3 6.4): check the start. */
static void vch_cmd_init_range(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	u16 start = get_unaligned_be16(cmd->cdb + 2);

	if ((cmd->cdb[1] & 0x01) && !vch_valid_addr(ch->inv, start))
		vch_bad_element(cmd);
	else
		ktgt_cmd_good(cmd, 0);
}

/*
 * The CHECK CONDITION of a failed vch_move_check() or
 * vch_exchange_check(); false for VCH_MOVE_OK.
 */
static bool vch_move_refused(struct ktgt_cmd *cmd, enum vch_move_err err)
{
	switch (err) {
	case VCH_MOVE_OK:
		return false;
	case VCH_MOVE_SRC_EMPTY:
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCH_ASC_MEDIUM_ELEMENT,
					 VCH_ASCQ_SOURCE_EMPTY);
		return true;
	case VCH_MOVE_DST_FULL:
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCH_ASC_MEDIUM_ELEMENT,
					 VCH_ASCQ_DEST_FULL);
		return true;
	default:
		vch_bad_element(cmd);
		return true;
	}
}

/* A drive of the library that is gone: HARDWARE ERROR. */
static void vch_drive_gone(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	pr_err_ratelimited("%s: a drive of the library is gone\n",
			   vch_name(ch));
	ktgt_cmd_check_condition(cmd, KTGT_KEY_HARDWARE_ERROR, 0x44, 0x00);
}

/* A checked move of @src's cartridge to @dst, as MOVE MEDIUM does it. */
static void vch_do_move(struct ktgt_cmd *cmd, struct vchanger_dev *ch,
			u16 src, u16 dst)
{
	struct vtape_dev *svt = NULL, *dvt = NULL;
	struct vch_inv *inv = ch->inv;
	struct vch_elem *s, *d;
	u8 stype, dtype;
	int ret;

	s = vch_elem_at(inv, src, &stype);
	d = vch_elem_at(inv, dst, &dtype);
	if (s == d) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	if (dtype == VCH_TYPE_IE && ktgt_device_removal_prevented(ch->dev)) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCH_ASC_REMOVAL, 0x02);
		return;
	}
	if (stype == VCH_TYPE_DT)
		svt = vtape_lib_find(ch->drives[src - VCH_ADDR_DT]);
	if (dtype == VCH_TYPE_DT)
		dvt = vtape_lib_find(ch->drives[dst - VCH_ADDR_DT]);
	if ((stype == VCH_TYPE_DT && !svt) || (dtype == VCH_TYPE_DT && !dvt)) {
		vch_drive_gone(cmd, ch);
		return;
	}
	if (svt && vtape_lib_busy(svt)) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCH_ASC_REMOVAL, 0x02);
		return;
	}
	if (dvt) {
		ret = vch_sync_drive(ch, dvt, s);
		if (ret) {
			ktgt_cmd_check_condition(cmd, KTGT_KEY_MEDIUM_ERROR,
						 VCH_ASC_REMOVAL, 0x00);
			return;
		}
	}
	if (svt)
		vtape_lib_set_medium(svt, NULL);
	vch_move(inv, src, dst);
	/* The move is done; a state file that lags behind is logged. */
	vch_state_write(ch, inv);
	ktgt_cmd_good(cmd, 0);
}

/* MOVE MEDIUM (SMC-3 6.5); the order of the checks is the header's. */
static void vch_cmd_move(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	u16 mt = get_unaligned_be16(cmd->cdb + 2);
	u16 src = get_unaligned_be16(cmd->cdb + 4);
	u16 dst = get_unaligned_be16(cmd->cdb + 6);

	if (!vch_move_refused(cmd, vch_move_check(ch->inv, mt, src, dst)))
		vch_do_move(cmd, ch, src, dst);
}

/*
 * EXCHANGE MEDIUM (SMC-3 6.2): the source's cartridge to the first
 * destination, the first destination's to the second (the source for a
 * simple exchange). The checks are MOVE MEDIUM's, in its order, for the
 * two moves (the header's); the drives that give up a cartridge are
 * emptied first, then those that get one loaded, so that no image is in
 * two drives at once; a load that fails puts every drive back as it was
 * and moves nothing (MEDIUM LOAD OR EJECT FAILED).
 */
static void vch_cmd_exchange(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	u16 mt = get_unaligned_be16(cmd->cdb + 2);
	u16 addr[3] = { get_unaligned_be16(cmd->cdb + 4),
			get_unaligned_be16(cmd->cdb + 6),
			get_unaligned_be16(cmd->cdb + 8) };
	struct vch_inv *inv = ch->inv;
	struct vtape_dev *vt[3] = { NULL, NULL, NULL };
	struct vch_elem *e[3], after[3];
	unsigned int i, n;
	u8 type[3];
	int ret = 0;

	if (vch_move_refused(cmd, vch_exchange_check(inv, mt, addr[0],
						     addr[1], addr[2])))
		return;
	if (addr[0] == addr[1]) {
		/* The cartridge goes to itself, then on: a move. */
		vch_do_move(cmd, ch, addr[0], addr[2]);
		return;
	}
	/* The distinct elements: source, first and second destination. */
	n = addr[2] == addr[0] ? 2 : 3;
	for (i = 0; i < n; i++)
		e[i] = vch_elem_at(inv, addr[i], &type[i]);
	memset(after, 0, sizeof(after));
	memcpy(after[1].tag, e[0]->tag, sizeof(after[1].tag));
	memcpy(after[n == 2 ? 0 : 2].tag, e[1]->tag, sizeof(after[0].tag));
	/* Either destination a mail slot (the second is [0] or [2]). */
	if ((type[1] == VCH_TYPE_IE || type[n == 2 ? 0 : 2] == VCH_TYPE_IE) &&
	    ktgt_device_removal_prevented(ch->dev)) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCH_ASC_REMOVAL, 0x02);
		return;
	}
	for (i = 0; i < n; i++) {
		if (type[i] != VCH_TYPE_DT)
			continue;
		vt[i] = vtape_lib_find(ch->drives[addr[i] - VCH_ADDR_DT]);
		if (!vt[i]) {
			vch_drive_gone(cmd, ch);
			return;
		}
	}
	/* The source and the first destination give up their cartridges. */
	for (i = 0; i < 2; i++) {
		if (vt[i] && vtape_lib_busy(vt[i])) {
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 VCH_ASC_REMOVAL, 0x02);
			return;
		}
	}
	for (i = 0; i < n; i++)
		if (vt[i])
			vtape_lib_set_medium(vt[i], NULL);
	for (i = 0; i < n && !ret; i++)
		if (vt[i])
			ret = vch_sync_drive(ch, vt[i], &after[i]);
	if (ret) {
		for (i = 0; i < n; i++)
			if (vt[i])
				vtape_lib_set_medium(vt[i], NULL);
		for (i = 0; i < n; i++)
			if (vt[i] && vch_sync_drive(ch, vt[i], e[i]))
				pr_err("%s: drive %s: cannot put %s back\n",
				       vch_name(ch),
				       ch->drives[addr[i] - VCH_ADDR_DT],
				       e[i]->tag);
		ktgt_cmd_check_condition(cmd, KTGT_KEY_MEDIUM_ERROR,
					 VCH_ASC_REMOVAL, 0x00);
		return;
	}
	vch_exchange(inv, addr[0], addr[1], addr[2]);
	/* The exchange is done; a state file that lags behind is logged. */
	vch_state_write(ch, inv);
	ktgt_cmd_good(cmd, 0);
}

/* READ ELEMENT STATUS (SMC-3 6.10). */
static void vch_cmd_res(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	struct vch_res_req req = {
		.type = cmd->cdb[1] & 0x0f,
		.start = get_unaligned_be16(cmd->cdb + 2),
		.count = get_unaligned_be16(cmd->cdb + 4),
		.voltag = cmd->cdb[1] & 0x10,
		.dvcid = cmd->cdb[6] & 0x01,
	};
	u32 alloc = get_unaligned_be24(cmd->cdb + 7);
	u8 (*ids)[VCH_DVCID_LEN] = NULL;
	u8 *buf = NULL;
	int len;
	u32 i;

	if (req.dvcid) {
		ids = kcalloc(ch->nr_drives, VCH_DVCID_LEN, GFP_KERNEL);
		if (!ids)
			goto nomem;
		for (i = 0; i < ch->nr_drives; i++) {
			struct vtape_dev *vt = vtape_lib_find(ch->drives[i]);

			memset(ids[i], ' ', VCH_DVCID_LEN);
			if (vt)
				vtape_lib_dvcid(vt, ids[i]);
		}
	}
	len = vch_read_element_status(ch->inv, &req,
				      (const u8 (*)[VCH_DVCID_LEN])ids, NULL, 0);
	if (len < 0) {
		vch_bad_element(cmd);
		goto out;
	}
	alloc = min_t(u32, alloc, len);
	buf = kvzalloc(max_t(u32, alloc, 1), GFP_KERNEL);
	if (!buf)
		goto nomem;
	vch_read_element_status(ch->inv, &req,
				(const u8 (*)[VCH_DVCID_LEN])ids, buf, alloc);
	vtape_copy_to_cmd(cmd, buf, alloc);
	goto out;
nomem:
	ktgt_cmd_io_error(cmd, -ENOMEM);
out:
	kvfree(buf);
	kfree(ids);
}

/*
 * ---------------------------------------------------------------------
 * MODE SENSE, MODE SELECT: pages 1Dh, 1Eh, 1Fh (SMC-3 7.3)
 * ---------------------------------------------------------------------
 */

#define VCH_PAGE_1D_LEN		20
#define VCH_PAGE_1E_LEN		4
#define VCH_PAGE_1F_LEN		20

/* Page 1Dh, element address assignment. */
static void vch_page_1d(struct vchanger_dev *ch, bool mask, u8 *p)
{
	memset(p, 0, VCH_PAGE_1D_LEN);
	p[0] = 0x1d;
	p[1] = VCH_PAGE_1D_LEN - 2;
	if (mask)
		return;
	put_unaligned_be16(VCH_ADDR_MT, p + 2);
	put_unaligned_be16(1, p + 4);
	put_unaligned_be16(VCH_ADDR_ST, p + 6);
	put_unaligned_be16(ch->inv->nr_st, p + 8);
	put_unaligned_be16(VCH_ADDR_IE, p + 10);
	put_unaligned_be16(ch->inv->nr_ie, p + 12);
	put_unaligned_be16(VCH_ADDR_DT, p + 14);
	put_unaligned_be16(ch->inv->nr_dt, p + 16);
}

/* Page 1Eh, transport geometry: one transport, no rotation. */
static void vch_page_1e(u8 *p)
{
	memset(p, 0, VCH_PAGE_1E_LEN);
	p[0] = 0x1e;
	p[1] = VCH_PAGE_1E_LEN - 2;
}

/*
 * Page 1Fh, device capabilities: slots, mail slots and drives store
 * cartridges (the picker only carries them); MOVE MEDIUM and EXCHANGE
 * MEDIUM from each of them to each of them.
 */
static void vch_page_1f(bool mask, u8 *p)
{
	memset(p, 0, VCH_PAGE_1F_LEN);
	p[0] = 0x1f;
	p[1] = VCH_PAGE_1F_LEN - 2;
	if (mask)
		return;
	p[2] = 0x0e;		/* StorDT, StorI/E, StorST */
	p[5] = 0x0e;		/* ST -> DT, I/E, ST */
	p[6] = 0x0e;		/* I/E -> DT, I/E, ST */
	p[7] = 0x0e;		/* DT -> DT, I/E, ST */
	p[13] = 0x0e;		/* ST <> DT, I/E, ST */
	p[14] = 0x0e;		/* I/E <> DT, I/E, ST */
	p[15] = 0x0e;		/* DT <> DT, I/E, ST */
}

/* The pages @code asks for into @buf; their length. */
static u32 vch_pages(struct vchanger_dev *ch, u8 code, bool mask, u8 *buf)
{
	u32 n = 0;

	if (code == 0x1d || code == 0x3f) {
		vch_page_1d(ch, mask, buf + n);
		n += VCH_PAGE_1D_LEN;
	}
	if (code == 0x1e || code == 0x3f) {
		vch_page_1e(buf + n);
		n += VCH_PAGE_1E_LEN;
	}
	if (code == 0x1f || code == 0x3f) {
		vch_page_1f(mask, buf + n);
		n += VCH_PAGE_1F_LEN;
	}
	return n;
}

/*
 * MODE SENSE(6)/(10): no block descriptor; pages 1Dh, 1Eh, 1Fh or all
 * (3Fh). Saved values are not supported; nothing is changeable.
 */
static void vch_cmd_mode_sense(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	static const u8 pages[] = { 0x1d, 0x1e, 0x1f };
	bool ten = cmd->cdb[0] == 0x5a;
	u8 code = cmd->cdb[2] & 0x3f, pc = cmd->cdb[2] >> 6;
	u8 buf[8 + VCH_PAGE_1D_LEN + VCH_PAGE_1E_LEN + VCH_PAGE_1F_LEN];
	u32 hdr = ten ? 8 : 4, n;

	if (!vtape_mode_sense_ok(cmd, pages, sizeof(pages)))
		return;
	memset(buf, 0, sizeof(buf));
	n = hdr + vch_pages(ch, code, pc == 1, buf + hdr);
	if (ten)
		put_unaligned_be16(n - 2, buf);
	else
		buf[0] = n - 1;
	vtape_copy_to_cmd(cmd, buf, n);
}

/*
 * MODE SELECT(6)/(10): no block descriptor; pages 1Dh, 1Eh and 1Fh only
 * as MODE SENSE reports them (nothing is changeable).
 */
static void vch_cmd_mode_select(struct ktgt_cmd *cmd, struct vchanger_dev *ch)
{
	bool ten = cmd->cdb[0] == 0x55;
	u8 buf[8 + 2 * (VCH_PAGE_1D_LEN + VCH_PAGE_1E_LEN + VCH_PAGE_1F_LEN)];
	u8 cur[VCH_PAGE_1D_LEN];
	u32 hdr = ten ? 8 : 4, len, bdl, off;

	len = min_t(u64, cmd->core.xfer_len, cmd->bufflen);
	if (!len) {
		ktgt_cmd_good(cmd, 0);
		return;
	}
	if (len < hdr || len > sizeof(buf) || !cmd->sg) {
		ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
					 VCH_ASC_PARAM_LIST_LENGTH, 0);
		return;
	}
	sg_copy_to_buffer(cmd->sg, cmd->sg_cnt, buf, len);
	bdl = ten ? get_unaligned_be16(buf + 6) : buf[3];
	if (bdl) {
		vtape_invalid(cmd, false, ten ? 6 : 3, 7);
		return;
	}
	for (off = hdr; off < len; off += 2 + buf[off + 1]) {
		u8 *p = buf + off, code;
		u32 plen;

		if (len - off < 2 || len - off < 2u + p[1]) {
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 VCH_ASC_PARAM_LIST_LENGTH, 0);
			return;
		}
		code = p[0] & 0x3f;
		plen = vch_pages(ch, code == 0x3f ? 0 : code, false, cur);
		if (!plen || p[1] != plen - 2) {
			vtape_invalid(cmd, false, off, 5);
			return;
		}
		if (memcmp(p + 2, cur + 2, plen - 2)) {
			vtape_invalid(cmd, false, off + 2, 7);
			return;
		}
	}
	ktgt_cmd_good(cmd, 0);
}

static enum ktgt_exec_status vchanger_exec(struct ktgt_cmd *cmd)
{
	struct vchanger_dev *ch = ktgt_device_priv(cmd->core.dev);

	mutex_lock(&vtape_lib_mutex);
	if (!ch->inv) {
		/* Not enabled (yet, or any more): LOGICAL UNIT NOT READY. */
		ktgt_cmd_check_condition(cmd, KTGT_KEY_NOT_READY, 0x04, 0x00);
		goto out;
	}
	switch (cmd->cdb[0]) {
	case 0x07:	/* INITIALIZE ELEMENT STATUS: always known */
		ktgt_cmd_good(cmd, 0);
		break;
	case 0x15:
	case 0x55:
		vch_cmd_mode_select(cmd, ch);
		break;
	case 0x1a:
	case 0x5a:
		vch_cmd_mode_sense(cmd, ch);
		break;
	case 0x2b:
		vch_cmd_position(cmd, ch);
		break;
	case 0x37:
		vch_cmd_init_range(cmd, ch);
		break;
	case 0xa5:
		vch_cmd_move(cmd, ch);
		break;
	case 0xa6:
		vch_cmd_exchange(cmd, ch);
		break;
	case 0xb8:
		vch_cmd_res(cmd, ch);
		break;
	default:
		if (!ktgt_spc_exec(cmd))
			ktgt_cmd_check_condition(cmd, KTGT_KEY_ILLEGAL_REQUEST,
						 0x20, 0);
		break;
	}
out:
	mutex_unlock(&vtape_lib_mutex);
	return KTGT_EXEC_DONE;
}

/*
 * ---------------------------------------------------------------------
 * Device lifetime
 * ---------------------------------------------------------------------
 */

static int vchanger_dev_alloc(struct ktgt_device *dev)
{
	struct vchanger_dev *ch;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return -ENOMEM;
	ch->dev = dev;
	ch->slots = VCH_DEFAULT_SLOTS;
	ktgt_device_set_priv(dev, ch);
	return 0;
}

static void vch_free_drives(struct vchanger_dev *ch)
{
	u32 i;

	for (i = 0; i < ch->nr_drives; i++)
		kfree(ch->drives[i]);
	ch->nr_drives = 0;
}

static void vchanger_dev_free(struct ktgt_device *dev)
{
	struct vchanger_dev *ch = ktgt_device_priv(dev);

	vch_free_drives(ch);
	kfree(ch->library_dir);
	kfree(ch->cartridges);
	kvfree(ch->inv);
	kfree(ch);
}

/* Release the drives this changer owns. */
static void vch_release(struct vchanger_dev *ch)
{
	struct vtape_dev *vt;
	u32 i;

	for (i = 0; i < ch->nr_drives; i++) {
		vt = vtape_lib_find(ch->drives[i]);
		if (vt && vtape_lib_owner(vt) == vch_name(ch))
			vtape_lib_set_owner(vt, NULL);
	}
}

/* Put the cartridges not in @inv yet into its first empty slots. */
static int vch_add_cartridges(struct vchanger_dev *ch, struct vch_inv *inv)
{
	const char *p = ch->cartridges ?: "";

	while (*p) {
		char tag[VCH_TAG_MAX + 1];
		size_t l = strcspn(p, " ");
		u16 addr;

		if (!l) {
			p++;
			continue;
		}
		memcpy(tag, p, l);	/* checked by the store */
		tag[l] = 0;
		p += l;
		if (vch_find_tag(inv, tag))
			continue;
		addr = vch_first_empty_slot(inv);
		if (!addr) {
			pr_err("%s: no empty slot for cartridge %s\n",
			       vch_name(ch), tag);
			return -EINVAL;
		}
		memcpy(inv->st[addr - VCH_ADDR_ST].tag, tag, l + 1);
	}
	return 0;
}

static int vchanger_enable(struct ktgt_device *dev)
{
	struct vchanger_dev *ch = ktgt_device_priv(dev);
	struct vtape_dev *vt;
	struct vch_inv *inv;
	const char *owner;
	int ret;
	u32 i;

	mutex_lock(&vtape_lib_mutex);
	if (!ch->library_dir || !ch->nr_drives) {
		pr_err("%s: library_dir and drives must be set\n",
		       vch_name(ch));
		ret = -EINVAL;
		goto out;
	}
	inv = kvzalloc(sizeof(*inv), GFP_KERNEL);
	if (!inv) {
		ret = -ENOMEM;
		goto out;
	}
	ret = vch_inv_init(inv, ch->slots, ch->nr_drives, ch->ie_slots);
	if (!ret)
		ret = vch_state_read(ch, inv);
	if (!ret)
		ret = vch_add_cartridges(ch, inv);
	if (ret)
		goto err;
	for (i = 0; i < ch->nr_drives; i++) {
		vt = vtape_lib_find(ch->drives[i]);
		owner = vt ? vtape_lib_owner(vt) : NULL;
		if (!vt || owner) {
			pr_err("%s: drive %s: %s%s\n", vch_name(ch),
			       ch->drives[i],
			       vt ? "belongs to changer " :
				    "no such vtape device", owner ?: "");
			ret = -EINVAL;
			goto err;
		}
	}
	for (i = 0; i < ch->nr_drives; i++) {
		vt = vtape_lib_find(ch->drives[i]);
		vtape_lib_set_owner(vt, vch_name(ch));
		ret = vch_sync_drive(ch, vt, &inv->dt[i]);
		if (ret) {
			pr_err("%s: drive %s: cannot load %s: %d\n",
			       vch_name(ch), ch->drives[i], inv->dt[i].tag,
			       ret);
			goto err_release;
		}
	}
	ret = vch_state_write(ch, inv);
	if (ret)
		goto err_release;
	ch->inv = inv;
	goto out;
err_release:
	vch_release(ch);
err:
	kvfree(inv);
out:
	mutex_unlock(&vtape_lib_mutex);
	return ret;
}

static void vchanger_disable(struct ktgt_device *dev)
{
	struct vchanger_dev *ch = ktgt_device_priv(dev);

	mutex_lock(&vtape_lib_mutex);
	vch_release(ch);
	kvfree(ch->inv);
	ch->inv = NULL;
	mutex_unlock(&vtape_lib_mutex);
}

/*
 * ---------------------------------------------------------------------
 * configfs
 * ---------------------------------------------------------------------
 */

/* Lock, and refuse a change while enabled. */
static int vch_store_begin(struct vchanger_dev *ch)
{
	mutex_lock(&vtape_lib_mutex);
	if (ch->inv) {
		mutex_unlock(&vtape_lib_mutex);
		return -EBUSY;
	}
	return 0;
}

static ssize_t vchanger_library_dir_show(struct config_item *item,
					 char *page)
{
	struct vchanger_dev *ch = vch_from_item(item);
	ssize_t ret;

	mutex_lock(&vtape_lib_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", ch->library_dir ?: "");
	mutex_unlock(&vtape_lib_mutex);
	return ret;
}

static ssize_t vchanger_library_dir_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct vchanger_dev *ch = vch_from_item(item);
	size_t len = strnlen(page, count);
	char *dir;
	int ret;

	if (len && page[len - 1] == '\n')
		len--;
	while (len > 1 && page[len - 1] == '/')
		len--;
	if (!len || page[0] != '/' || len >= PATH_MAX - 64) {
		pr_err("%s: library_dir must be an absolute path\n",
		       vch_name(ch));
		return -EINVAL;
	}
	dir = kstrndup(page, len, GFP_KERNEL);
	if (!dir)
		return -ENOMEM;
	ret = vch_store_begin(ch);
	if (ret) {
		kfree(dir);
		return ret;
	}
	swap(ch->library_dir, dir);
	mutex_unlock(&vtape_lib_mutex);
	kfree(dir);
	return count;
}

static ssize_t vch_show_u32(u32 *v, char *page)
{
	ssize_t ret;

	mutex_lock(&vtape_lib_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%u\n", *v);
	mutex_unlock(&vtape_lib_mutex);
	return ret;
}

static ssize_t vch_store_u32(struct vchanger_dev *ch, u32 *v, u32 min,
			     u32 max, const char *name, const char *page,
			     size_t count)
{
	u32 val;
	int ret;

	ret = kstrtou32(page, 10, &val);
	if (ret || val < min || val > max) {
		pr_err("%s: %s must be %u to %u\n", vch_name(ch), name, min,
		       max);
		return -EINVAL;
	}
	ret = vch_store_begin(ch);
	if (ret)
		return ret;
	*v = val;
	mutex_unlock(&vtape_lib_mutex);
	return count;
}

static ssize_t vchanger_slots_show(struct config_item *item, char *page)
{
	return vch_show_u32(&vch_from_item(item)->slots, page);
}

static ssize_t vchanger_slots_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct vchanger_dev *ch = vch_from_item(item);

	return vch_store_u32(ch, &ch->slots, 1, VCH_MAX_SLOTS, "slots", page,
			     count);
}

static ssize_t vchanger_ie_slots_show(struct config_item *item, char *page)
{
	return vch_show_u32(&vch_from_item(item)->ie_slots, page);
}

static ssize_t vchanger_ie_slots_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct vchanger_dev *ch = vch_from_item(item);

	return vch_store_u32(ch, &ch->ie_slots, 0, VCH_MAX_IE, "ie_slots",
			     page, count);
}

static ssize_t vchanger_drives_show(struct config_item *item, char *page)
{
	struct vchanger_dev *ch = vch_from_item(item);
	ssize_t n = 0;
	u32 i;

	mutex_lock(&vtape_lib_mutex);
	for (i = 0; i < ch->nr_drives; i++)
		n += scnprintf(page + n, PAGE_SIZE - n, "%s%s",
			       i ? " " : "", ch->drives[i]);
	n += scnprintf(page + n, PAGE_SIZE - n, "\n");
	mutex_unlock(&vtape_lib_mutex);
	return n;
}

/* Split @page into words separated by spaces, tabs, commas, newline. */
static int vch_words(const char *page, size_t count, char **w, u32 max,
		     size_t maxlen, u32 *nr)
{
	const char *sep = " \t,\n";
	const char *p = page, *end = page + strnlen(page, count);
	u32 n = 0;

	while (p < end) {
		size_t l;

		p += strspn(p, sep);
		if (p >= end)
			break;
		l = min_t(size_t, strcspn(p, sep), end - p);
		if (n == max || l > maxlen)
			goto err;
		w[n] = kstrndup(p, l, GFP_KERNEL);
		if (!w[n])
			goto err;
		n++;
		p += l;
	}
	*nr = n;
	return 0;
err:
	while (n)
		kfree(w[--n]);
	return -EINVAL;
}

/*
 * The drives, 1 to VCH_MAX_DRIVES vtape device names separated by
 * spaces or commas, each once. Whether they exist is checked at enable.
 */
static ssize_t vchanger_drives_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct vchanger_dev *ch = vch_from_item(item);
	char *w[VCH_MAX_DRIVES];
	u32 n, i, j;
	int ret;

	if (vch_words(page, count, w, VCH_MAX_DRIVES, NAME_MAX, &n) || !n) {
		pr_err("%s: drives must be 1 to %u vtape device names\n",
		       vch_name(ch), VCH_MAX_DRIVES);
		return -EINVAL;
	}
	ret = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(w[i], w[j]))
				ret = -EINVAL;
	if (ret)
		pr_err("%s: a drive is listed twice\n", vch_name(ch));
	else
		ret = vch_store_begin(ch);
	if (ret) {
		while (n)
			kfree(w[--n]);
		return ret;
	}
	vch_free_drives(ch);
	memcpy(ch->drives, w, n * sizeof(w[0]));
	ch->nr_drives = n;
	mutex_unlock(&vtape_lib_mutex);
	return count;
}

static ssize_t vchanger_cartridges_show(struct config_item *item,
					char *page)
{
	struct vchanger_dev *ch = vch_from_item(item);
	ssize_t ret;

	mutex_lock(&vtape_lib_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", ch->cartridges ?: "");
	mutex_unlock(&vtape_lib_mutex);
	return ret;
}

/*
 * Barcodes separated by spaces or commas, each valid (vch_tag_valid())
 * and once; stored space separated.
 */
static ssize_t vchanger_cartridges_store(struct config_item *item,
					 const char *page, size_t count)
{
	struct vchanger_dev *ch = vch_from_item(item);
	const u32 max = VCH_MAX_SLOTS + VCH_MAX_IE + VCH_MAX_DRIVES;
	char *list = NULL, **w;
	u32 n = 0, i, j;
	size_t pos = 0;
	int ret = 0;

	w = kcalloc(max, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	if (vch_words(page, count, w, max, VCH_TAG_MAX, &n)) {
		pr_err("%s: cartridges: at most %u barcodes of 1 to %u characters\n",
		       vch_name(ch), max, VCH_TAG_MAX);
		kfree(w);
		return -EINVAL;
	}
	for (i = 0; i < n && !ret; i++) {
		if (!vch_tag_valid(w[i], strlen(w[i]))) {
			pr_err("%s: cartridges: bad barcode %s (A-Z a-z 0-9 _ -)\n",
			       vch_name(ch), w[i]);
			ret = -EINVAL;
		}
		for (j = 0; j < i && !ret; j++)
			if (!strcmp(w[i], w[j])) {
				pr_err("%s: cartridges: %s twice\n",
				       vch_name(ch), w[i]);
				ret = -EINVAL;
			}
	}
	if (!ret) {
		list = kzalloc(n * (VCH_TAG_MAX + 1) + 1, GFP_KERNEL);
		if (!list)
			ret = -ENOMEM;
	}
	for (i = 0; i < n && !ret; i++)
		pos += sprintf(list + pos, "%s%s", i ? " " : "", w[i]);
	while (n)
		kfree(w[--n]);
	kfree(w);
	if (!ret)
		ret = vch_store_begin(ch);
	if (ret) {
		kfree(list);
		return ret;
	}
	swap(ch->cartridges, list);
	mutex_unlock(&vtape_lib_mutex);
	kfree(list);
	return count;
}

/* The inventory as the state file holds it; empty while disabled. */
static ssize_t vchanger_inventory_show(struct config_item *item, char *page)
{
	struct vchanger_dev *ch = vch_from_item(item);
	size_t n = 0;

	mutex_lock(&vtape_lib_mutex);
	if (ch->inv)
		n = vch_state_format(ch->inv, page, PAGE_SIZE);
	mutex_unlock(&vtape_lib_mutex);
	return min_t(size_t, n, PAGE_SIZE);
}

CONFIGFS_ATTR(vchanger_, library_dir);
CONFIGFS_ATTR(vchanger_, slots);
CONFIGFS_ATTR(vchanger_, ie_slots);
CONFIGFS_ATTR(vchanger_, drives);
CONFIGFS_ATTR(vchanger_, cartridges);
CONFIGFS_ATTR_RO(vchanger_, inventory);

static struct configfs_attribute *vchanger_attrs[] = {
	&vchanger_attr_library_dir,
	&vchanger_attr_slots,
	&vchanger_attr_ie_slots,
	&vchanger_attr_drives,
	&vchanger_attr_cartridges,
	&vchanger_attr_inventory,
	NULL,
};

static struct ktgt_dev_type vchanger_type = {
	.name		= "vchanger",
	.owner		= THIS_MODULE,
	.pdt		= TYPE_MEDIUM_CHANGER,
	.dev_alloc	= vchanger_dev_alloc,
	.dev_free	= vchanger_dev_free,
	.enable		= vchanger_enable,
	.disable	= vchanger_disable,
	.dev_attrs	= vchanger_attrs,
	.exec		= vchanger_exec,
};

int vchanger_register(void)
{
	return ktgt_register_dev_type(&vchanger_type);
}

void vchanger_unregister(void)
{
	ktgt_unregister_dev_type(&vchanger_type);
}
