#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# Unit attentions of a pass-through device reach every initiator of its
# LU. The devices are LUs of ktgt_local target t0 (a vtape drive, LUN 0;
# a nullio disk, LUN 1), exported by pt_tape/p0 and pt_disk/d0, each
# mapped in two more local targets, t1 and t2: two initiators ($sg1*,
# $sg2*) of each pass-through LU. The inner LUs' one I_T nexus, the
# scsi_devices pt_* hold, is the one of t0's host ($isg*): a unit
# attention established there is reported once, to the first command of
# that nexus, which may be pass-through's own:
# - the drive with NOT READY TO READY CHANGE (UNLOAD and LOAD on its sg)
#   and then BUS DEVICE RESET FUNCTION OCCURRED (a LOGICAL UNIT RESET
#   injected into t0's session): t1's TEST UNIT READY gets the reset
#   (29h/03h, the first), which makes pt_tape read the block length
#   again (MODE SENSE), whose answer is the medium change (28h/00h): t1
#   gets that next, t2 the reset and then the medium change;
# - the disk reset the same way, then pt_disk's READ CAPACITY
#   (resync_size) gets its 29h/03h: both initiators get it.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

command -v sg_raw >/dev/null || skip "sg_raw not installed"

img=/tmp/pt-ua.img

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
}
trap cleanup EXIT

ktgt_load ktgt_pt ktgt_vtape ktgt_vdisk
modprobe ktgt_local test_hooks=1 || fail "modprobe ktgt_local test_hooks=1"
ktgt_initiator_load

# --- the inner LUs, on t0 ---
rm -f "$img"
ktgt_mkdev vtape/v0 filename="$img" size_mb=16 blocksize=512
ktgt_mkdev vdisk_nullio/n0 size=16777216
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vtape/v0
ktgt_maplun local/t0 1 vdisk_nullio/n0
ktgt_enable local/t0
host0=$(ktgt_local_host t0)
isgt=$(ktgt_wait_disk -g host="$host0" lun=0)
isgd=$(ktgt_wait_disk -g host="$host0" lun=1)
drive=$(ktgt_find_disk host="$host0" lun=0) || fail "no vtape device"
disk=$(ktgt_find_disk host="$host0" lun=1) || fail "no nullio device"
# Their power-on unit attentions here, not through pass-through.
pt_tur_clear "$isgt"
pt_tur_clear "$isgd"

# --- the pass-through LUs, in t1 and t2 ---
mkdir "$KTGT_CFS/handlers/pt_tape/p0" || fail "mkdir pt_tape/p0"
ktgt_write "$KTGT_CFS/handlers/pt_tape/p0/scsi_device" "$drive"
ktgt_write "$KTGT_CFS/handlers/pt_tape/p0/enable" 1
mkdir "$KTGT_CFS/handlers/pt_disk/d0" || fail "mkdir pt_disk/d0"
ktgt_write "$KTGT_CFS/handlers/pt_disk/d0/scsi_device" "$disk"
ktgt_write "$KTGT_CFS/handlers/pt_disk/d0/blocksize" 512
ktgt_write "$KTGT_CFS/handlers/pt_disk/d0/enable" 1
for t in t1 t2; do
	ktgt_mktarget local/$t
	ktgt_maplun local/$t 0 pt_tape/p0
	ktgt_maplun local/$t 1 pt_disk/d0
	ktgt_enable local/$t
done
host1=$(ktgt_local_host t1)
host2=$(ktgt_local_host t2)
sg1t=$(ktgt_wait_disk -g host="$host1" lun=0)
sg1d=$(ktgt_wait_disk -g host="$host1" lun=1)
sg2t=$(ktgt_wait_disk -g host="$host2" lun=0)
sg2d=$(ktgt_wait_disk -g host="$host2" lun=1)
for sg in "$sg1t" "$sg1d" "$sg2t" "$sg2d"; do
	pt_tur_clear "$sg"
done
log "drive $isgt through $sg1t, $sg2t; disk $isgd through $sg1d, $sg2d"

# --- the drive: a reset, then a medium change ---
expect_eq "$(ktgt_tur "$isgt")" GOOD "the drive's nexus, no unit attention"
expect_eq "$(ktgt_status "$isgt" 1b 00 00 00 00 00)" GOOD "UNLOAD of the drive"
expect_eq "$(ktgt_status "$isgt" 1b 00 00 00 01 00)" GOOD "LOAD of the drive"
expect_eq "$(ktgt_local_tmf t0 lun_reset 0)" "lun_reset COMPLETE" \
	"LOGICAL UNIT RESET of the drive"
# t1's command gets the device's first condition; pt_tape's MODE SENSE,
# the second.
expect_eq "$(ktgt_tur "$sg1t")" "02 06/29/03" "t1: the drive's reset"
expect_eq "$(ktgt_tur "$sg1t")" "02 06/28/00" \
	"t1: the medium change pt_tape's MODE SENSE got"
expect_eq "$(ktgt_tur "$sg1t")" GOOD "t1: nothing more"
expect_eq "$(ktgt_tur "$sg2t")" "02 06/29/03" "t2: the drive's reset"
expect_eq "$(ktgt_tur "$sg2t")" "02 06/28/00" "t2: the medium change"
expect_eq "$(ktgt_tur "$sg2t")" GOOD "t2: nothing more"
expect_eq "$(ktgt_tur "$isgt")" GOOD "the drive's nexus: all reported"

# --- the disk: a reset, then pt_disk's READ CAPACITY ---
expect_eq "$(ktgt_local_tmf t0 lun_reset 1)" "lun_reset COMPLETE" \
	"LOGICAL UNIT RESET of the disk"
ktgt_write "$KTGT_CFS/handlers/pt_disk/d0/resync_size" 1
expect_eq "$(cat "$KTGT_CFS/handlers/pt_disk/d0/size")" 16777216 \
	"size after resync_size"
expect_eq "$(ktgt_tur "$isgd")" GOOD "the disk's nexus: READ CAPACITY got it"
for sg in "$sg1d" "$sg2d"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/03" "$sg: the disk's reset"
	expect_eq "$(ktgt_tur "$sg")" GOOD "$sg: nothing more"
done

ktgt_cleanup || fail "cleanup"
pass
