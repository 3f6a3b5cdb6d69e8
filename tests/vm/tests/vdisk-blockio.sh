#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# vdisk_blockio through ktgt_local, on a loop device:
# - filename must name a block device; it is opened exclusively, so a
#   second device on the same block device cannot be enabled, and
#   filename cannot change while enabled;
# - what the initiator writes is on the block device at LBA * 512 and
#   what the block device holds is what the initiator reads;
# - ext4 round trip (mkfs, write tree, umount, e2fsck -fn, remount,
#   sha256 compare);
# - fio crc32c-verified random writes at queue depth 32, then a separate
#   verify-only pass, which must fail after the data is corrupted;
# - thin provisioning: UNMAP becomes a discard of the loop device, which
#   punches holes in its backing file; a WRITE SAME of zeroes with
#   UNMAP = 1 on a device whose discard keeps the old data (scsi_debug,
#   lbprz=0) reads back zeroes, and READ CAPACITY(16) says LBPRZ = 0;
# - resync_size: after the loop device grows, the initiator sees it;
# - a blocksize below the device's logical block size is refused.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Process substitution needs /dev/fd, which the VM's /dev may lack.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

H=$KTGT_CFS/handlers/vdisk_blockio
loops=()

attr_fails() {
	if (printf '%s\n' "$2" > "$1") 2>/dev/null; then
		fail "$3: writing '$2' to $1 succeeded"
	fi
}

cleanup() {
	local l
	ktgt_cleanup >/dev/null 2>&1
	for l in "${loops[@]}"; do
		losetup -d "$l" 2>/dev/null
	done
}
trap cleanup EXIT

# fio_verify DEV SIZE [EXTRA...]: crc32c-verified random writes, then a
# verify-only pass; with EXTRA the verify-only pass runs alone and its
# status is returned.
fio_job() {
	fio --name=vdisk-verify --filename="$1" --ioengine=libaio --direct=1 \
		--rw=randwrite --bsrange=4k-128k --iodepth=32 --size="$2" \
		--verify=crc32c --verify_fatal=1 --randrepeat=1 \
		--randseed=4321 --group_reporting "${@:3}"
}

fio_verify() {
	local out rc
	log "fio: random writes with crc32c headers on $1"
	out=$(fio_job "$1" "$2" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { echo "$out"; fail "fio write pass on $1 (rc=$rc)"; }
	grep -q 'err= 0' <<< "$out" || { echo "$out"; fail "fio write errors"; }
	log "fio: verify-only pass on $1"
	out=$(fio_job "$1" "$2" --verify_only 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { echo "$out"; fail "fio verify-only pass on $1 (rc=$rc)"; }
	grep -qE 'READ: bw=[1-9]' <<< "$out" ||
		{ echo "$out"; fail "fio verify-only pass read nothing"; }
}

command -v fio >/dev/null || skip "fio not installed"
modprobe loop 2>/dev/null
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

back=/tmp/b0.img
truncate -s 256M "$back" || fail "truncate $back"
loop=$(losetup -f --show "$back") || fail "losetup $back"
loops+=("$loop")
log "backing block device: $loop"

log "filename checks"
mkdir "$H/bad" || fail "mkdir $H/bad"
expect_fail "enable without filename" sh -c "echo 1 > $H/bad/enable"
attr_fails "$H/bad/filename" "dev/loop0" "relative filename"
ktgt_write "$H/bad/filename" "$back"
expect_fail "enable on a regular file" sh -c "echo 1 > $H/bad/enable"
ktgt_write "$H/bad/filename" /dev/does-not-exist
expect_fail "enable on a missing device" sh -c "echo 1 > $H/bad/enable"

ktgt_mkdev vdisk_blockio/b0 filename="$loop" serial=VBIO0
attr_fails "$H/b0/filename" /dev/null "filename while enabled"
expect_eq "$(cat "$H/b0/filename")" "$loop" "filename kept after -EBUSY"
ktgt_write "$H/bad/filename" "$loop"
expect_fail "second exclusive open of $loop" sh -c "echo 1 > $H/bad/enable"
rmdir "$H/bad" || fail "rmdir $H/bad"

ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_blockio/b0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" serial=VBIO0)
log "vdisk_blockio/b0 is $dev"
expect_eq "$(blockdev --getsize64 "$dev")" $((256 << 20)) "disk size"

log "data path: initiator -> block device and back"
head -c 1M /dev/urandom > /tmp/pat
run_ok "O_DIRECT write to $dev" \
	dd if=/tmp/pat of="$dev" bs=64k seek=100 oflag=direct status=none
cmp /tmp/pat <(dd if="$loop" bs=64k skip=100 count=16 iflag=direct status=none) ||
	fail "$loop does not hold what was written at LBA 12800"
head -c 1M /dev/urandom > /tmp/pat2
run_ok "write $loop" \
	dd if=/tmp/pat2 of="$loop" bs=64k seek=300 oflag=direct status=none
cmp /tmp/pat2 <(dd if="$dev" bs=64k skip=300 count=16 iflag=direct status=none) ||
	fail "the initiator does not read what $loop holds"
# Unaligned user buffers give scatterlists with odd-length entries.
run_ok "unaligned O_DIRECT read" \
	fio --name=unaligned --filename="$dev" --ioengine=psync --direct=1 \
	--rw=read --bs=64k --size=4M --iomem_align=4 --offset=6400k \
	--verify=0 --output=/dev/null

log "ext4 round trip on $dev"
ktgt_fs_roundtrip "$dev" /mnt/vdisk-blockio

fio_verify "$dev" 64M
log "corrupt the data: the verify-only pass must now fail"
run_ok "zero 1 MiB of $loop" \
	dd if=/dev/zero of="$loop" bs=1M seek=20 count=1 oflag=direct status=none
if fio_job "$dev" 64M --verify_only > /tmp/fio-corrupt.log 2>&1; then
	fail "fio verify-only passed over corrupted data"
fi

log "resync_size: the loop device grows to 320 MiB"
truncate -s 320M "$back" || fail "grow $back"
run_ok "losetup -c $loop" losetup -c "$loop"
ktgt_write "$H/b0/resync_size" 1
expect_eq "$(cat "$H/b0/size")" $((320 << 20)) "size after resync_size"
hctl=$(ktgt_find_disk host="$host" serial=VBIO0)
ktgt_write "/sys/class/scsi_device/$hctl/device/rescan" 1
expect_eq "$(blockdev --getsize64 "$dev")" $((320 << 20)) \
	"disk size after resync_size and rescan"

# thin_lun NAME BDEV LUN SERIAL: a thin-provisioned blockio device on
# BDEV, mapped at LUN of local/t0; prints the initiator's disk.
thin_lun() {
	ktgt_mkdev "vdisk_blockio/$1" filename="$2" thin_provisioned=1 \
		serial="$4"
	ktgt_maplun local/t0 "$3" "vdisk_blockio/$1"
	ktgt_local_rescan t0
	ktgt_wait_disk host="$host" serial="$4"
}

log "thin provisioning: UNMAP discards"
tback=/tmp/thin.img
truncate -s 64M "$tback" || fail "truncate $tback"
tloop=$(losetup -f --show "$tback") || fail "losetup $tback"
loops+=("$tloop")
[ "$(cat "/sys/block/${tloop#/dev/}/queue/discard_max_bytes")" -gt 0 ] ||
	skip "loop devices do not support discard here"
tdev=$(thin_lun thin "$tloop" 1 VBIOTHIN) || fail "thin LUN on $tloop"
run_ok "fill 16 MiB of $tdev" \
	dd if=/dev/urandom of="$tdev" bs=1M count=16 oflag=direct status=none
sync
before=$(stat -c %b "$tback")
[ "$before" -ge $((16 << 11)) ] ||
	fail "backing file has only $before blocks after writing 16 MiB"
[ "$(cat "/sys/block/${tdev#/dev/}/queue/discard_max_bytes")" -gt 0 ] ||
	fail "$tdev does not advertise discard"
run_ok "blkdiscard 8 MiB of $tdev" blkdiscard -o 0 -l 8M "$tdev"
after=$(stat -c %b "$tback")
[ "$after" -le $((before - (8 << 11))) ] ||
	fail "UNMAP freed too little: $before -> $after 512-byte blocks"
cmp -n 8M /dev/zero <(dd if="$tdev" bs=1M count=8 iflag=direct status=none) ||
	fail "discarded range does not read as zeros"

log "thin provisioning: WRITE SAME of zeroes with UNMAP reads back zeroes"
# A discard guarantees nothing about what the blocks read afterwards:
# scsi_debug with lbprz=0 keeps their old data, as many SSDs and
# dm-thin's partial chunks do. So blockio's deallocated blocks are not
# known to read as zeroes (LBPRZ = 0), and a WRITE SAME(16) of zeroes
# with UNMAP = 1 must write them rather than discard.
modprobe scsi_debug dev_size_mb=16 lbpu=1 lbprz=0 unmap_granularity=1 ||
	fail "modprobe scsi_debug"
sdbg=
for ((i = 0; i < 50; i++)); do
	sdbg=$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/ 2>/dev/null | head -n1)
	[ -n "$sdbg" ] && break
	sleep 0.2
done
[ -n "$sdbg" ] || fail "no scsi_debug disk"
[ "$(cat "/sys/block/$sdbg/queue/discard_max_bytes")" -gt 0 ] ||
	fail "scsi_debug's $sdbg does not advertise discard"
zdev=$(thin_lun sdbg "/dev/$sdbg" 2 VBIOSDBG) || fail "thin LUN on $sdbg"
zsg=$(ktgt_wait_disk -g host="$host" serial=VBIOSDBG)
sg_readcap -l "$zsg" | grep -q 'lbpme=1, lbprz=0' ||
	fail "READ CAPACITY(16) of a thin blockio LU: $(sg_readcap -l "$zsg")"
run_ok "64 KiB of random data at LBA 0 of $zdev" \
	dd if=/dev/urandom of="$zdev" bs=64k count=1 oflag=direct status=none
head -c 512 /dev/zero > /tmp/zero512
run_ok "WRITE SAME(16) of zeroes with UNMAP, 128 blocks" \
	sg_write_same --16 --unmap --lba=0 --num=128 --in=/tmp/zero512 "$zsg"
cmp -n 64k /dev/zero <(dd if="$zdev" bs=64k count=1 iflag=direct status=none) ||
	fail "blocks of a WRITE SAME of zeroes with UNMAP do not read as zeroes"
cmp -n 64k /dev/zero <(dd if="/dev/$sdbg" bs=64k count=1 iflag=direct status=none) ||
	fail "the scsi_debug disk does not hold the zeroes"

log "a blocksize below the device's logical block size is refused"
b4k=/tmp/b4k.img
truncate -s 16M "$b4k" || fail "truncate $b4k"
l4k=$(losetup -f --show -b 4096 "$b4k") || fail "losetup -b 4096 $b4k"
loops+=("$l4k")
expect_eq "$(blockdev --getss "$l4k")" 4096 "loop logical block size"
mkdir "$H/small" || fail "mkdir $H/small"
ktgt_write "$H/small/filename" "$l4k"
expect_fail "blocksize 512 on a 4K device" sh -c "echo 1 > $H/small/enable"
ktgt_write "$H/small/blocksize" 4096
ktgt_write "$H/small/enable" 1
ktgt_write "$H/small/enable" 0
rmdir "$H/small" || fail "rmdir $H/small"

trap - EXIT
ktgt_cleanup || fail "cleanup"
for l in "${loops[@]}"; do
	losetup -d "$l" || fail "losetup -d $l"
done
ktgt_unload_all
pass
