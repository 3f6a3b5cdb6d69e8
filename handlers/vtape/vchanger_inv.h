/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktgt vchanger: a virtual medium changer's inventory, its state file and
 * its element status data (SMC-3).
 *
 * Portable: plain C over core/portable.h, no kernel dependencies, so the
 * host unit test and the fuzzer (tests/host/test_vchanger_inv.c,
 * fuzz_vchanger_inv.c) run exactly this code. A state file is untrusted
 * input: anything that is not exactly the format below is -EINVAL with
 * a message naming the line, never a read outside the buffer.
 *
 * Elements and their addresses
 * ============================
 *
 * One medium transport element (the picker) at VCH_ADDR_MT; import/export
 * elements (mail slots) from VCH_ADDR_IE; data transfer elements (the
 * drives) from VCH_ADDR_DT; storage elements (the slots) from
 * VCH_ADDR_ST, each type numbered from 1 in the state file and in mtx
 * ("slot 1" is VCH_ADDR_ST). The medium transport holds nothing between
 * commands: a MOVE MEDIUM is done when it completes.
 *
 * State file (version 1)
 * ======================
 *
 * Text, one line each, at most VCH_LINE_MAX bytes; blank lines and lines
 * starting with '#' are ignored. The first other line is "vchanger 1".
 * Then, for each full element, one line
 *
 *   <type> <n> <barcode> [from <type> <n>] [exported]
 *
 * where <type> is "slot", "drive" or "ie" (1 <= n <= the element count),
 * <barcode> is the cartridge's primary volume tag, 1 to VCH_TAG_MAX of
 * A-Z a-z 0-9 '_' '-' (also its image's name: <library_dir>/<barcode>.img)
 * and "from" names the slot or ie element it was last moved out of (the
 * SOURCE STORAGE ELEMENT ADDRESS of READ ELEMENT STATUS). "exported", on
 * an ie line only, says that MOVE MEDIUM put the cartridge there (IMPEXP
 * 0); an ie line without it is a cartridge the operator put there
 * (IMPEXP 1), as every ie line of the files written before the word
 * existed. An element may appear once, a barcode once.
 *
 * Not locked: the user serialises every call on one inventory.
 */
#ifndef KTGT_VCHANGER_INV_H
#define KTGT_VCHANGER_INV_H

#include "../../core/portable.h"

#define VCH_TAG_MAX		32
#define VCH_MAX_SLOTS		1024
#define VCH_MAX_DRIVES		32
#define VCH_MAX_IE		32
#define VCH_LINE_MAX		128
/* The largest state file: every element full, with a "from". */
#define VCH_STATE_MAX		((VCH_MAX_SLOTS + VCH_MAX_DRIVES + \
				  VCH_MAX_IE) * 64 + 64)

/* Element type codes (SMC-3 6.10). */
#define VCH_TYPE_ALL		0
#define VCH_TYPE_MT		1
#define VCH_TYPE_ST		2
#define VCH_TYPE_IE		3
#define VCH_TYPE_DT		4

/* Element addresses: the first of each type (see above). */
#define VCH_ADDR_MT		0x0001
#define VCH_ADDR_IE		0x0010
#define VCH_ADDR_DT		0x0100
#define VCH_ADDR_ST		0x0400

/* DVCID: T10 vendor ID designator, vendor (8) product (16) serial (32). */
#define VCH_DVCID_LEN		56

/**
 * struct vch_elem - one storage, import/export or data transfer element
 * @tag: the cartridge's barcode, NUL-terminated; "" if empty
 * @src: address of the slot or ie element the cartridge was last moved
 *	out of, 0 if none
 * @imported: an ie element's cartridge was put there by the operator
 *	(an ie line of the state file without "exported"), not by MOVE
 *	MEDIUM (IMPEXP)
 */
struct vch_elem {
	char tag[VCH_TAG_MAX + 1];
	u16 src;
	bool imported;
};

/**
 * struct vch_inv - a changer's elements and what they hold
 * @nr_st: storage elements, 1 to VCH_MAX_SLOTS
 * @nr_dt: data transfer elements, 1 to VCH_MAX_DRIVES
 * @nr_ie: import/export elements, 0 to VCH_MAX_IE
 * @st: the storage elements
 * @dt: the data transfer elements
 * @ie: the import/export elements
 */
struct vch_inv {
	u16 nr_st;
	u16 nr_dt;
	u16 nr_ie;
	struct vch_elem st[VCH_MAX_SLOTS];
	struct vch_elem dt[VCH_MAX_DRIVES];
	struct vch_elem ie[VCH_MAX_IE];
};

/**
 * vch_inv_init() - an empty inventory
 * @inv: the inventory
 * @nr_st: storage elements
 * @nr_dt: data transfer elements
 * @nr_ie: import/export elements
 *
 * Return: 0, or -EINVAL for a count out of range.
 */
int vch_inv_init(struct vch_inv *inv, u32 nr_st, u32 nr_dt, u32 nr_ie);

/**
 * vch_tag_valid() - whether a barcode is valid
 * @s: the barcode
 * @len: its length
 *
 * Return: true for 1 to VCH_TAG_MAX of A-Z a-z 0-9 '_' '-'.
 */
bool vch_tag_valid(const char *s, size_t len);

/**
 * vch_elem_at() - the element at an address
 * @inv: the inventory
 * @addr: an element address
 * @type: set to its element type code
 *
 * Return: the element; NULL for the medium transport (@type still set)
 * or an address that is no element (@type 0).
 */
struct vch_elem *vch_elem_at(struct vch_inv *inv, u16 addr, u8 *type);

/**
 * vch_find_tag() - the address of the element holding a barcode
 * @inv: the inventory
 * @tag: the barcode
 *
 * Return: the address, 0 if no element holds it.
 */
u16 vch_find_tag(struct vch_inv *inv, const char *tag);

/**
 * vch_first_empty_slot() - the first empty storage element
 * @inv: the inventory
 *
 * Return: its address, 0 if all are full.
 */
u16 vch_first_empty_slot(struct vch_inv *inv);

/**
 * enum vch_move_err - why a MOVE MEDIUM cannot be done
 * @VCH_MOVE_OK: it can
 * @VCH_MOVE_BAD_MT: the medium transport address is not 0 or VCH_ADDR_MT
 * @VCH_MOVE_BAD_SRC: the source is not a storage, import/export or data
 *	transfer element
 * @VCH_MOVE_BAD_DST: the destination is not one
 * @VCH_MOVE_SRC_EMPTY: the source holds nothing
 * @VCH_MOVE_DST_FULL: the destination holds a cartridge (and is not the
 *	source)
 */
enum vch_move_err {
	VCH_MOVE_OK,
	VCH_MOVE_BAD_MT,
	VCH_MOVE_BAD_SRC,
	VCH_MOVE_BAD_DST,
	VCH_MOVE_SRC_EMPTY,
	VCH_MOVE_DST_FULL,
};

/**
 * vch_move_check() - check a MOVE MEDIUM, in SMC-3's order
 * @inv: the inventory
 * @mt: MEDIUM TRANSPORT ADDRESS
 * @src: SOURCE ADDRESS
 * @dst: DESTINATION ADDRESS
 *
 * Return: enum vch_move_err.
 */
enum vch_move_err vch_move_check(struct vch_inv *inv, u16 mt, u16 src,
				 u16 dst);

/**
 * vch_move() - move a cartridge; vch_move_check() said VCH_MOVE_OK
 * @inv: the inventory
 * @src: SOURCE ADDRESS
 * @dst: DESTINATION ADDRESS
 *
 * The destination remembers the source if that is a slot or ie element,
 * else the source's own "from"; a move onto itself changes nothing.
 */
void vch_move(struct vch_inv *inv, u16 src, u16 dst);

/**
 * vch_exchange_check() - check an EXCHANGE MEDIUM (SMC-3 6.2), in MOVE
 *	MEDIUM's order
 * @inv: the inventory
 * @mt: MEDIUM TRANSPORT ADDRESS
 * @src: SOURCE ADDRESS
 * @dst1: FIRST DESTINATION ADDRESS, where the source's cartridge goes
 * @dst2: SECOND DESTINATION ADDRESS, where the first destination's goes
 *	(the source itself for a simple exchange)
 *
 * Return: VCH_MOVE_BAD_MT, VCH_MOVE_BAD_SRC or VCH_MOVE_BAD_DST (either
 * destination) for an address that is no such element;
 * VCH_MOVE_SRC_EMPTY if the source or the first destination is empty
 * (each is the source of a move); VCH_MOVE_DST_FULL if the second
 * destination is full and not the source (the first destination itself
 * included, unless that is the source); else VCH_MOVE_OK.
 */
enum vch_move_err vch_exchange_check(struct vch_inv *inv, u16 mt, u16 src,
				     u16 dst1, u16 dst2);

/**
 * vch_exchange() - exchange cartridges; vch_exchange_check() said
 *	VCH_MOVE_OK
 * @inv: the inventory
 * @src: SOURCE ADDRESS
 * @dst1: FIRST DESTINATION ADDRESS
 * @dst2: SECOND DESTINATION ADDRESS
 *
 * The first destination's cartridge goes to the second destination, the
 * source's to the first destination; each remembers where it came from
 * as vch_move() does. With @src == @dst1 the cartridge goes to itself
 * and then on to @dst2: vch_move(@src, @dst2).
 */
void vch_exchange(struct vch_inv *inv, u16 src, u16 dst1, u16 dst2);

/**
 * vch_state_parse() - read a state file into an inventory
 * @inv: an inventory vch_inv_init() made, empty; filled in
 * @buf: the file's bytes
 * @len: its length, at most VCH_STATE_MAX
 * @err: a message for the log on error ("line 3: ...")
 * @errlen: size of @err
 *
 * Return: 0, or -EINVAL with @err set (@inv then holds what came before).
 */
int vch_state_parse(struct vch_inv *inv, const char *buf, size_t len,
		    char *err, size_t errlen);

/**
 * vch_state_format() - write an inventory as a state file
 * @inv: the inventory
 * @buf: destination
 * @buflen: its size; VCH_STATE_MAX is always enough
 *
 * Return: the length of the file, which may exceed @buflen (then the
 * file is cut and must not be used).
 */
size_t vch_state_format(const struct vch_inv *inv, char *buf, size_t buflen);

/**
 * struct vch_res_req - a READ ELEMENT STATUS
 * @type: ELEMENT TYPE CODE, 0 (all) to 4
 * @start: STARTING ELEMENT ADDRESS
 * @count: NUMBER OF ELEMENTS
 * @voltag: VOLTAG: report primary volume tags
 * @dvcid: DVCID: report data transfer elements' device identifiers
 */
struct vch_res_req {
	u8 type;
	u16 start;
	u16 count;
	bool voltag;
	bool dvcid;
};

/**
 * vch_read_element_status() - build READ ELEMENT STATUS data (SMC-3 6.10)
 * @inv: the inventory
 * @req: the request
 * @dvcid: for each data transfer element, its VCH_DVCID_LEN-byte T10
 *	vendor ID designator (used with @req->dvcid)
 * @buf: destination
 * @buflen: its size; at most that many bytes are written
 *
 * Reports the elements of @req->type (all types for 0) whose address is
 * at least @req->start, at most @req->count of them, in address order,
 * one element status page per type.
 *
 * Return: the length of the whole data (which may exceed @buflen), or
 * -EINVAL if @req->start is above every element's address (INVALID
 * ELEMENT ADDRESS).
 */
int vch_read_element_status(const struct vch_inv *inv,
			    const struct vch_res_req *req,
			    const u8 dvcid[][VCH_DVCID_LEN], u8 *buf,
			    u32 buflen);

#endif /* KTGT_VCHANGER_INV_H */
