#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# pt_changer (ktgt_pt): a medium changer of this kernel passed through as
# a ktgt LU. There is no real library: a vchanger LU (two vtape drives)
# of ktgt_local target t0 is one (a scsi_device of type 08h with sg
# attached), exported by pt_changer/c0 as LUN 0 of a second local
# target, t1, whose sg node ($sg) mtx drives here:
# - a device that is not a medium changer (a nullio disk, a vtape drive)
#   cannot be enabled (EMEDIUMTYPE), nor can pt_tape export the changer;
#   a second pt_changer device cannot export the same changer (EBUSY);
# - INQUIRY is the changer's (mtx inquiry), type 8 through pt_changer;
# - mtx status with barcodes, load slot->drive, unload, transfer
#   slot->slot, each checked in the inner changer's inventory attribute;
# - MOVE MEDIUM from an empty slot: CHECK CONDITION with the inner
#   changer's sense (05h/3Bh/0Eh), byte for byte the sense it gives on
#   its own sg node.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

for c in mtx sg_raw; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

H=$KTGT_CFS/handlers/pt_changer
HT=$KTGT_CFS/handlers/vtape
HC=$KTGT_CFS/handlers/vchanger
LIB=/tmp/ptlib

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
}
trap cleanup EXIT

# status: mtx status on the pass-through LU, volume tags unpadded.
status() {
	mtx -f "$sg" status 2>&1 | sed -e 's/ *$//' -e 's/VolumeTag *= */VolumeTag=/'
}

# elem LINE-PREFIX: the line of mtx status that starts with it.
elem() {
	status | grep -E "^ *$1:" | sed 's/^ *//'
}

# inv: the inner changer's full elements, as its inventory attribute says.
inv() {
	grep -E '^(slot|drive|ie) ' "$HC/ch0/inventory" | cut -d' ' -f1-3 |
		sort | tr '\n' ',' | sed 's/,$//'
}

ktgt_load ktgt_pt ktgt_vtape ktgt_vdisk ktgt_local
ktgt_initiator_load
modprobe st || fail "modprobe st"

# --- the changer: a vchanger LU of t0, its drives and a disk beside it ---
rm -rf "$LIB"
mkdir -p "$LIB"
mkdir "$HT/d0" "$HT/d1" || fail "mkdir drives"
ktgt_set_attrs "$HT/d0" size_mb=16 serial=DRIVE0SERIAL
ktgt_set_attrs "$HT/d1" size_mb=16 serial=DRIVE1SERIAL
mkdir "$HC/ch0" || fail "mkdir $HC/ch0"
ktgt_set_attrs "$HC/ch0" library_dir=$LIB slots=4 ie_slots=1 \
	drives="d0 d1" cartridges="AAA001 BBB002 CCC003"
ktgt_write "$HT/d0/enable" 1
ktgt_write "$HT/d1/enable" 1
ktgt_write "$HC/ch0/enable" 1
ktgt_mkdev vdisk_nullio/n0 size=16777216
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vchanger/ch0
ktgt_maplun local/t0 1 vtape/d0
ktgt_maplun local/t0 2 vtape/d1
ktgt_maplun local/t0 3 vdisk_nullio/n0
ktgt_enable local/t0
host0=$(ktgt_local_host t0)
isg=$(ktgt_wait_disk -g host="$host0" lun=0)
ktgt_wait_disk -g host="$host0" lun=1 > /dev/null
ktgt_wait_disk host="$host0" lun=3 > /dev/null
changer=$(ktgt_find_disk host="$host0" lun=0) || fail "no vchanger device"
drive=$(ktgt_find_disk host="$host0" lun=1) || fail "no vtape device"
disk=$(ktgt_find_disk host="$host0" lun=3) || fail "no nullio device"
expect_eq "$(cat "/sys/class/scsi_device/$changer/device/type")" 8 \
	"the changer's peripheral device type"
log "changer $changer ($isg), drive $drive, disk $disk"
# Its power-on unit attention here, not through pt_changer.
pt_tur_clear "$isg"
expect_eq "$(inv)" "slot 1 AAA001,slot 2 BBB002,slot 3 CCC003" \
	"the inner changer's inventory"

# --- configuration errors ---
mkdir "$H/c0" || fail "mkdir $H/c0"
pt_write_fails "$H/c0/enable" 1 "Invalid argument" "enable without scsi_device"
ktgt_write "$H/c0/scsi_device" "$disk"
pt_write_fails "$H/c0/enable" 1 "Wrong medium type" "pt_changer of a disk"
ktgt_write "$H/c0/scsi_device" "$drive"
pt_write_fails "$H/c0/enable" 1 "Wrong medium type" "pt_changer of a tape drive"
ktgt_write "$H/c0/scsi_device" "$changer"
ktgt_write "$H/c0/enable" 1
expect_eq "$(cat "$H/c0/scsi_device")" "$changer" "scsi_device shows"
pt_write_fails "$H/c0/scsi_device" "$disk" "Device or resource busy" \
	"scsi_device while enabled"
pt_second_export "$H" "$changer" "a second export of $changer"
pt_wrong_type "$KTGT_CFS/handlers/pt_tape" "$changer" \
	"pt_tape of a medium changer"

# --- the pass-through LU; INQUIRY is the changer's ---
pt_export pt_changer/c0 8 "$changer"
sg=$PT_SG
mtx -f "$sg" inquiry | grep -q "Medium Changer" ||
	fail "mtx inquiry: $(mtx -f "$sg" inquiry 2>&1)"

log "mtx status"
status
expect_eq "$(status | head -1 | sed 's/^ *//')" \
	"Storage Changer $sg:2 Drives, 5 Slots ( 1 Import/Export )" "header"
expect_eq "$(elem "Data Transfer Element 0")" \
	"Data Transfer Element 0:Empty" "DT 0"
expect_eq "$(elem "Storage Element 1")" \
	"Storage Element 1:Full :VolumeTag=AAA001" "slot 1"
expect_eq "$(elem "Storage Element 2")" \
	"Storage Element 2:Full :VolumeTag=BBB002" "slot 2"
expect_eq "$(elem "Storage Element 4")" "Storage Element 4:Empty" "slot 4"

log "load, unload, transfer"
run_ok "mtx load 1 0" mtx -f "$sg" load 1 0
expect_eq "$(inv)" "drive 1 AAA001,slot 2 BBB002,slot 3 CCC003" \
	"inventory after load 1 0"
expect_eq "$(elem "Data Transfer Element 0")" \
	"Data Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag=AAA001" \
	"DT 0 after load"
run_ok "mtx load 3 1" mtx -f "$sg" load 3 1
expect_eq "$(inv)" "drive 1 AAA001,drive 2 CCC003,slot 2 BBB002" \
	"inventory after load 3 1"
run_ok "mtx unload 1 0" mtx -f "$sg" unload 1 0
expect_eq "$(inv)" "drive 2 CCC003,slot 1 AAA001,slot 2 BBB002" \
	"inventory after unload 1 0"
run_ok "mtx transfer 2 4" mtx -f "$sg" transfer 2 4
expect_eq "$(inv)" "drive 2 CCC003,slot 1 AAA001,slot 4 BBB002" \
	"inventory after transfer 2 4"
expect_eq "$(elem "Storage Element 4")" \
	"Storage Element 4:Full :VolumeTag=BBB002" "slot 4 after transfer"
run_ok "mtx unload 3 1" mtx -f "$sg" unload 3 1
expect_eq "$(inv)" "slot 1 AAA001,slot 3 CCC003,slot 4 BBB002" \
	"inventory after unload 3 1"

log "the changer's sense, unchanged"
# MOVE MEDIUM from slot 2 (0401h, empty now) to drive 0 (0100h).
mv_empty="a5 00 00 01 04 01 01 00 00 00 00 00"
inner=$(ktgt_sense "$isg" $mv_empty)
outer=$(ktgt_sense "$sg" $mv_empty)
expect_eq "$(ktgt_sense_kaq "$sg" $mv_empty)" "05/3b/0e" \
	"MOVE MEDIUM from an empty slot through pt_changer"
case "$outer" in
status=02\ sense=7?\ *) ;;
*) fail "MOVE MEDIUM from an empty slot: $outer" ;;
esac
expect_eq "$outer" "$inner" "sense through pt_changer and of the changer"
expect_eq "$(inv)" "slot 1 AAA001,slot 3 CCC003,slot 4 BBB002" \
	"inventory after the failed move"

log "teardown"
ktgt_unmaplun local/t1 0
ktgt_write "$H/c0/enable" 0
rmdir "$H/c0" || fail "rmdir $H/c0"

ktgt_cleanup || fail "cleanup"
pass
