#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# Taking things away while a local disk is mounted and busy is refused or
# completes cleanly, never a crash or a hang:
# - rmdir or disable of a mapped device fails (EBUSY);
# - rmmod of ktgt_vdisk (devices exist), ktgt_local (targets exist) and
#   ktgt_core (in use) fails;
# - unmapping a LUN whose disk is mounted and being written completes;
#   the file system then gets I/O errors and can be unmounted;
# - disabling the target while another disk is mounted and being written
#   removes the SCSI host at once; I/O then fails, the writer ends, the
#   file system unmounts; enabling again brings the disk back and the
#   data written before is intact;
# - finally everything is removed and every module unloads.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
modprobe ext4 2>/dev/null

truncate -s 64M /tmp/td0.img && truncate -s 64M /tmp/td1.img || fail "truncate"
ktgt_mkdev vdisk_fileio/d0 filename=/tmp/td0.img serial=TD0
ktgt_mkdev vdisk_fileio/d1 filename=/tmp/td1.img serial=TD1
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/d0
ktgt_maplun local/t0 1 vdisk_fileio/d1
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev0=$(ktgt_wait_disk host="$host" serial=TD0)
dev1=$(ktgt_wait_disk host="$host" serial=TD1)
hctl0=$(ktgt_find_disk host="$host" serial=TD0)
log "d0 is $dev0, d1 is $dev1"

for d in "$dev0" "$dev1"; do
	run_ok "mkfs $d" mkfs.ext4 -q -F "$d"
done
mkdir -p /mnt/m0 /mnt/m1
run_ok "mount $dev0" mount -t ext4 "$dev0" /mnt/m0
run_ok "mount $dev1" mount -t ext4 "$dev1" /mnt/m1
head -c 4M /dev/urandom > /mnt/m0/keep
sum_keep=$(sha256sum < /mnt/m0/keep)
sync

log "refusals while mapped and mounted"
expect_fail "rmdir of a mapped device" rmdir "$KTGT_CFS/handlers/vdisk_fileio/d0"
expect_fail "disable of a mapped device" \
	ktgt_try_write "$KTGT_CFS/handlers/vdisk_fileio/d0/enable" 0
expect_eq "$(cat "$KTGT_CFS/handlers/vdisk_fileio/d0/enable")" 1 "d0 still enabled"
expect_fail "rmmod ktgt_vdisk with devices" rmmod ktgt_vdisk
expect_fail "rmmod ktgt_local with targets" rmmod ktgt_local
expect_fail "rmmod ktgt_core in use" rmmod ktgt_core
[ -d "$KTGT_CFS/handlers/vdisk_fileio/d0" ] || fail "d0 vanished"
run_ok "I/O still works" dd if="$dev0" of=/dev/null bs=64k count=16 iflag=direct

# writer DIR: keep writing files in DIR until writes fail (in background).
writer() {
	local i=0
	while dd if=/dev/zero of="$1/w$((i % 8))" bs=64k count=16 conv=fsync \
		2>/dev/null; do
		i=$((i + 1))
	done
}

log "unmap LUN 1 while mounted and written"
writer /mnt/m1 &
wpid=$!
sleep 2
ktgt_unmaplun local/t0 1
log "LUN 1 unmapped; waiting for the writer to hit errors"
for ((i = 0; i < 600; i++)); do kill -0 $wpid 2>/dev/null || break; sleep 0.1; done
kill -0 $wpid 2>/dev/null && { kill $wpid; fail "writer on the unmapped LUN still running after 60s"; }
wait $wpid
run_ok "umount the unmapped LUN's file system" umount /mnt/m1
echo 1 > /sys/class/scsi_device/"$(ktgt_find_disk host="$host" serial=TD1 ||
	ktgt_find_disk host="$host" lun=1)"/device/delete 2>/dev/null
expect_eq "$(cat /tmp/td1.img > /dev/null && echo ok)" ok "d1 backing file readable"

log "disable the target while $dev0 is mounted and written"
writer /mnt/m0 &
wpid=$!
sleep 2
start=$(date +%s)
ktgt_enable local/t0 0
log "target disabled in $(( $(date +%s) - start ))s"
[ -e /sys/class/scsi_host/host"$host" ] && fail "host$host still present after disable"
[ -e /sys/class/scsi_device/"$hctl0" ] && fail "$hctl0 still present after disable"
for ((i = 0; i < 600; i++)); do kill -0 $wpid 2>/dev/null || break; sleep 0.1; done
kill -0 $wpid 2>/dev/null && { kill $wpid; fail "writer still running 60s after the disable"; }
wait $wpid
expect_fail "direct read through the removed disk" \
	dd if=/mnt/m0/keep of=/dev/null bs=64k iflag=direct
run_ok "umount after the host went away" umount /mnt/m0

log "enable again: the disk comes back with its data"
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev0=$(ktgt_wait_disk host="$host" serial=TD0)
e2fsck -fy "$dev0" > /dev/null 2>&1
run_ok "mount $dev0 again" mount -t ext4 "$dev0" /mnt/m0
expect_eq "$(sha256sum < /mnt/m0/keep)" "$sum_keep" "data written before the disable"
run_ok "umount" umount /mnt/m0

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
