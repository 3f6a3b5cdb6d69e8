#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# vdisk_fileio through ktgt_local:
# - filename is required, must be absolute, name an existing file of at
#   least one block, and cannot change while enabled (-EBUSY);
# - what the initiator writes lands in the backing file at LBA * 512 and
#   what the file holds is what the initiator reads (O_DIRECT both ways);
# - ext4 round trip (mkfs, write tree, umount, e2fsck -fn, remount,
#   sha256 compare) on a 256 MiB LUN backed by a file on tmpfs;
# - fio crc32c-verified random writes at queue depth 32, then a separate
#   verify-only pass; after corrupting the backing file the verify-only
#   pass must fail (proves it really checks);
# - thin provisioning: UNMAP (blkdiscard) punches holes in the backing
#   file, the range reads back as zeros, GET LBA STATUS reports it
#   deallocated and the rest mapped; READ CAPACITY(16) says LBPRZ = 1,
#   and a WRITE SAME of zeroes with UNMAP = 1 punches a hole;
# - resync_size: after the file grows, the initiator sees the new size;
# - write_through=1 and a 4096-byte block size work.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Process substitution needs /dev/fd, which the VM's /dev may lack.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

H=$KTGT_CFS/handlers/vdisk_fileio

# attr_fails FILE VALUE WHAT: writing VALUE to FILE must fail.
attr_fails() {
	if (printf '%s\n' "$2" > "$1") 2>/dev/null; then
		fail "$3: writing '$2' to $1 succeeded"
	fi
}

# fio_verify DEV SIZE: crc32c-verified random writes, then verify-only.
fio_verify() {
	local dev=$1 size=$2 out rc
	local job=(--name=vdisk-verify --filename="$dev" --ioengine=libaio
		--direct=1 --rw=randwrite --bsrange=4k-128k --iodepth=32
		--size="$size" --verify=crc32c --verify_fatal=1
		--randrepeat=1 --randseed=1234 --group_reporting)

	log "fio: random writes with crc32c headers on $dev"
	out=$(fio "${job[@]}" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { echo "$out"; fail "fio write pass on $dev (rc=$rc)"; }
	grep -q 'err= 0' <<< "$out" || { echo "$out"; fail "fio write errors on $dev"; }

	log "fio: verify-only pass on $dev"
	out=$(fio "${job[@]}" --verify_only 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { echo "$out"; fail "fio verify-only pass on $dev (rc=$rc)"; }
	grep -qE 'READ: bw=[1-9]' <<< "$out" ||
		{ echo "$out"; fail "fio verify-only pass read nothing"; }
}

command -v fio >/dev/null || skip "fio not installed"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

log "filename checks"
mkdir "$H/bad" || fail "mkdir $H/bad"
expect_fail "enable without filename" sh -c "echo 1 > $H/bad/enable"
attr_fails "$H/bad/filename" "tmp/relative.img" "relative filename"
ktgt_write "$H/bad/filename" /tmp/does-not-exist.img
expect_fail "enable with a missing file" sh -c "echo 1 > $H/bad/enable"
head -c 100 /dev/zero > /tmp/tiny.img
ktgt_write "$H/bad/filename" /tmp/tiny.img
expect_fail "enable with a file below one block" \
	sh -c "echo 1 > $H/bad/enable"
mkdir -p /tmp/adir
ktgt_write "$H/bad/filename" /tmp/adir
expect_fail "enable with a directory" sh -c "echo 1 > $H/bad/enable"
rmdir "$H/bad" || fail "rmdir $H/bad"

img=/tmp/d0.img
truncate -s 256M "$img" || fail "truncate $img"
ktgt_mkdev vdisk_fileio/d0 filename="$img" serial=VFIO0
expect_eq "$(cat "$H/d0/filename")" "$img" "filename"
attr_fails "$H/d0/filename" /tmp/other.img "filename while enabled"
expect_eq "$(cat "$H/d0/filename")" "$img" "filename kept after -EBUSY"
expect_eq "$(cat "$H/d0/size")" $((256 << 20)) "size attribute"

ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/d0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" serial=VFIO0)
log "vdisk_fileio/d0 is $dev"
expect_eq "$(blockdev --getsize64 "$dev")" $((256 << 20)) "disk size"

log "data path: initiator -> file and file -> initiator"
head -c 1M /dev/urandom > /tmp/pat
run_ok "O_DIRECT write to $dev" \
	dd if=/tmp/pat of="$dev" bs=64k seek=100 oflag=direct status=none
cmp /tmp/pat <(dd if="$img" bs=64k skip=100 count=16 status=none) ||
	fail "the backing file does not hold what was written at LBA 12800"
head -c 1M /dev/urandom > /tmp/pat2
run_ok "write the backing file" \
	dd if=/tmp/pat2 of="$img" bs=64k seek=300 conv=notrunc status=none
cmp /tmp/pat2 <(dd if="$dev" bs=64k skip=300 count=16 iflag=direct status=none) ||
	fail "the initiator does not read what the backing file holds"

log "ext4 round trip on $dev"
ktgt_fs_roundtrip "$dev" /mnt/vdisk-fileio

fio_verify "$dev" 64M
log "corrupt the backing file: the verify-only pass must now fail"
run_ok "zero 1 MiB of the backing file" \
	dd if=/dev/zero of="$img" bs=1M seek=20 count=1 conv=notrunc status=none
if fio --name=vdisk-verify --filename="$dev" --ioengine=libaio --direct=1 \
	--rw=randwrite --bsrange=4k-128k --iodepth=32 --size=64M \
	--verify=crc32c --verify_fatal=1 --randrepeat=1 \
	--randseed=1234 --verify_only > /tmp/fio-corrupt.log 2>&1; then
	fail "fio verify-only passed over a corrupted backing file"
fi

log "resync_size: the file grows to 320 MiB"
truncate -s 320M "$img" || fail "grow $img"
ktgt_write "$H/d0/resync_size" 1
expect_eq "$(cat "$H/d0/size")" $((320 << 20)) "size after resync_size"
hctl=$(ktgt_find_disk host="$host" serial=VFIO0)
ktgt_write "/sys/class/scsi_device/$hctl/device/rescan" 1
expect_eq "$(blockdev --getsize64 "$dev")" $((320 << 20)) \
	"disk size after resync_size and rescan"

log "thin provisioning: UNMAP punches holes"
thin=/tmp/thin.img
truncate -s 64M "$thin" || fail "truncate $thin"
ktgt_mkdev vdisk_fileio/thin filename="$thin" thin_provisioned=1 serial=VFIOTHIN
ktgt_maplun local/t0 1 vdisk_fileio/thin
ktgt_local_rescan t0
tdev=$(ktgt_wait_disk host="$host" serial=VFIOTHIN)
run_ok "fill 16 MiB of $tdev" \
	dd if=/dev/urandom of="$tdev" bs=1M count=16 oflag=direct status=none
before=$(stat -c %b "$thin")
[ "$before" -ge $((16 << 11)) ] ||
	fail "backing file has only $before blocks after writing 16 MiB"
tname=${tdev#/dev/}
[ "$(cat "/sys/block/$tname/queue/discard_max_bytes")" -gt 0 ] ||
	fail "$tdev does not advertise discard (LBPU / VPD B0h)"
run_ok "blkdiscard 8 MiB of $tdev" blkdiscard -o 0 -l 8M "$tdev"
after=$(stat -c %b "$thin")
[ "$after" -le $((before - (8 << 11))) ] ||
	fail "UNMAP freed too little: $before -> $after 512-byte blocks"
cmp -n 8M /dev/zero <(dd if="$tdev" bs=1M count=8 iflag=direct status=none) ||
	fail "unmapped range does not read as zeros"
cmp <(dd if="$thin" bs=1M skip=8 count=8 status=none) \
	<(dd if="$tdev" bs=1M skip=8 count=8 iflag=direct status=none) ||
	fail "mapped range changed by UNMAP"
st=$(sg_get_lba_status -b --lba=0 "$tdev") || fail "GET LBA STATUS failed"
st=$(grep '^0x' <<< "$st" | head -n1)
log "GET LBA STATUS at 0: $st"
read -r _ blocks pstat _ <<< "$st"
expect_eq "$pstat" 1 "provisioning status at LBA 0 (1: deallocated)"
expect_eq "$((blocks))" 16384 "deallocated run at LBA 0"
st=$(sg_get_lba_status -b --lba=16384 "$tdev") || fail "GET LBA STATUS failed"
st=$(grep '^0x' <<< "$st" | head -n1)
log "GET LBA STATUS at 16384: $st"
read -r _ blocks pstat _ <<< "$st"
expect_eq "$pstat" 0 "provisioning status at LBA 16384 (0: mapped)"
expect_eq "$((blocks))" 16384 "mapped run at LBA 16384"
# A hole reads as zeroes: LBPRZ = 1, and a WRITE SAME of zeroes with
# UNMAP = 1 deallocates.
sg_readcap -l "$tdev" | grep -q 'lbpme=1, lbprz=1' ||
	fail "READ CAPACITY(16) of a thin fileio LU: $(sg_readcap -l "$tdev")"
head -c 512 /dev/zero > /tmp/zero512
before=$(stat -c %b "$thin")
run_ok "WRITE SAME(16) of zeroes with UNMAP, 4 MiB at 12 MiB" \
	sg_write_same --16 --unmap --lba=24576 --num=8192 --in=/tmp/zero512 "$tdev"
after=$(stat -c %b "$thin")
[ "$after" -le $((before - (4 << 11))) ] ||
	fail "WRITE SAME with UNMAP freed too little: $before -> $after blocks"
cmp -n 4M /dev/zero <(dd if="$tdev" bs=1M skip=12 count=4 iflag=direct status=none) ||
	fail "blocks of a WRITE SAME of zeroes with UNMAP do not read as zeros"

log "write_through=1, blocksize=4096"
wt=/tmp/wt.img
truncate -s 32M "$wt" || fail "truncate $wt"
ktgt_mkdev vdisk_fileio/wt filename="$wt" write_through=1 blocksize=4096 \
	serial=VFIOWT
ktgt_maplun local/t0 2 vdisk_fileio/wt
ktgt_local_rescan t0
wdev=$(ktgt_wait_disk host="$host" serial=VFIOWT)
expect_eq "$(blockdev --getss "$wdev")" 4096 "logical block size"
expect_eq "$(blockdev --getsize64 "$wdev")" $((32 << 20)) "4K disk size"
run_ok "O_DIRECT write to $wdev" \
	dd if=/tmp/pat of="$wdev" bs=64k seek=10 oflag=direct status=none
cmp /tmp/pat <(dd if="$wt" bs=64k skip=10 count=16 status=none) ||
	fail "write_through data not in the backing file"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
