#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# End to end through ktgt_local on a vdisk_blockio LUN over a loop
# device: the disk appears with its identity and the loop device's size,
# an ext4 file system round trip on it (write, unmount, e2fsck -fn,
# remount, compare checksums) succeeds, and the loop device itself then
# holds that clean file system.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
modprobe loop || fail "modprobe loop"

img=/tmp/blockio.img
truncate -s 128M "$img" || fail "truncate $img"
loopdev=$(losetup -f --show "$img") || fail "losetup $img"
trap 'losetup -d "$loopdev" 2>/dev/null' EXIT

ktgt_mkdev vdisk_blockio/bdisk filename="$loopdev" vendor_id=KTGTTEST \
	product_id=LocalBlockIO serial=BIO0001
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_blockio/bdisk
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" serial=BIO0001)
hctl=$(ktgt_find_disk host="$host" serial=BIO0001)
log "blockio LUN over $loopdev is $hctl: $dev"

expect_eq "$(ktgt_sdev_attr "$hctl" vendor)" KTGTTEST "vendor"
expect_eq "$(ktgt_sdev_attr "$hctl" model)" LocalBlockIO "model"
expect_eq "$(blockdev --getsize64 "$dev")" $((128 << 20)) "disk size"
grep -q 'Product identification: LocalBlockIO' <<< "$(sg_inq "$dev")" ||
	fail "sg_inq product"

log "ext4 round trip on $dev"
ktgt_fs_roundtrip "$dev" /mnt/blockio

ktgt_enable local/t0 0
ktgt_wait_gone "$hctl"
run_ok "e2fsck -fn on the loop device" e2fsck -fn "$loopdev"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
