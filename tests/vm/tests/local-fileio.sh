#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# End to end through ktgt_local: a 256 MiB vdisk_fileio LUN (backing file
# on the guest's tmpfs) appears as /dev/sdX with the configured vendor,
# product and serial (sysfs, lsscsi, sg_inq) and capacity; an ext4 file
# system made on it survives a write, unmount, e2fsck -fn and remount
# with identical checksums; the backing file itself holds that clean file
# system; and every module unloads afterwards.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

img=/tmp/fileio.img
truncate -s 256M "$img" || fail "truncate $img"
ktgt_mkdev vdisk_fileio/fdisk filename="$img" vendor_id=KTGTTEST \
	product_id=LocalFileIO serial=FIO0001
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/fdisk
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
hctl=$(ktgt_find_disk host="$host" lun=0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
log "LUN 0 of local/t0 is $hctl: $dev $sg"

expect_eq "$(cat "$KTGT_CFS/targets/local/t0/initiator_name")" "local:t0" \
	"default initiator_name"
expect_eq "$(cat /sys/class/scsi_host/host"$host"/ktgt_target)" t0 \
	"host's ktgt_target"
expect_eq "$(ktgt_sdev_attr "$hctl" vendor)" KTGTTEST "sysfs vendor"
expect_eq "$(ktgt_sdev_attr "$hctl" model)" LocalFileIO "sysfs model"
expect_eq "$(ktgt_sdev_attr "$hctl" serial)" FIO0001 "VPD 80h serial"
expect_eq "$(cat /sys/class/scsi_device/"$hctl"/device/type)" 0 \
	"peripheral device type"

line=$(lsscsi -g | grep -F "[$hctl]")
log "lsscsi: $line"
for w in disk KTGTTEST LocalFileIO "$dev" "$sg"; do
	grep -qwF -- "$w" <<< "$line" || fail "lsscsi line lacks '$w': $line"
done

inq=$(sg_inq "$dev") || fail "sg_inq $dev"
grep -q 'Vendor identification: KTGTTEST' <<< "$inq" ||
	fail "sg_inq: vendor: $inq"
grep -q 'Product identification: LocalFileIO' <<< "$inq" ||
	fail "sg_inq: product: $inq"
sn=$(sg_inq -p 0x80 "$dev") || fail "sg_inq -p 0x80 $dev"
grep -q 'Unit serial number: FIO0001' <<< "$sn" || fail "sg_inq VPD 80h: $sn"

expect_eq "$(blockdev --getsize64 "$dev")" $((256 << 20)) "disk size"
expect_eq "$(blockdev --getss "$dev")" 512 "logical block size"

log "ext4 round trip on $dev"
ktgt_fs_roundtrip "$dev" /mnt/fileio
# The data went through to the file, not to some cache of ours.
ktgt_enable local/t0 0
ktgt_wait_gone "$hctl"
run_ok "e2fsck -fn on the backing file" e2fsck -fn "$img"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
