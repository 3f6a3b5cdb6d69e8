#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# A disk never reports a capacity without a whole logical block: READ
# CAPACITY's RETURNED LOGICAL BLOCK ADDRESS 0 means one block, and SBC
# has no way to say "none". So vdisk_fileio refuses to enable an empty
# file, or one shorter than a block (the write of enable fails, dmesg
# says why), and resync_size of a file shrunk below one block fails the
# same way and keeps the capacity; once the file has a block again,
# resync_size takes it. (vcdrom has its own answer: an image below one
# block is no medium, NOT READY, vdisk-vcdrom.sh.)
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

H=$KTGT_CFS/handlers/vdisk_fileio
T=$(mktemp -d /tmp/spc-cap.XXXXXX) || fail "mktemp"

# dmesg_has TEXT: the kernel log has a line with TEXT.
dmesg_has() {
	dmesg | grep -qF -- "$1"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

log "enable of an empty file, and of one shorter than a block"
: > "$T/empty.img"
head -c 511 /dev/zero > "$T/short.img"
mkdir "$H/cap0" || fail "mkdir cap0"
for f in empty short; do
	ktgt_write "$H/cap0/filename" "$T/$f.img"
	expect_fail "enable with the $f file" sh -c "echo 1 > $H/cap0/enable"
	expect_eq "$(cat "$H/cap0/enable")" 0 "cap0 not enabled ($f file)"
	dmesg_has "cap0: $T/$f.img is smaller than one 512-byte block" ||
		fail "no dmesg line for the $f file"
done
rmdir "$H/cap0" || fail "rmdir cap0"

log "resync_size of a file shrunk below one block"
truncate -s 1M "$T/d.img" || fail "truncate"
ktgt_mkdev vdisk_fileio/cap1 filename="$T/d.img"
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/cap1
ktgt_enable local/t0
host=$(ktgt_local_host t0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
[ -n "$sg" ] || fail "no sg device"
for _ in 1 2 3 4; do
	[[ "$(ktgt_tur "$sg")" == "02 06/"* ]] || break
done
rcap() {
	rm -f "$T/rcap"
	sg_raw -r 8 -o "$T/rcap" "$sg" 25 00 00 00 00 00 00 00 00 00 \
		>/dev/null 2>&1 || fail "READ CAPACITY(10) failed"
	xxd -p "$T/rcap"
}
expect_eq "$(rcap)" 000007ff00000200 "READ CAPACITY(10) of 1 MiB"
for size in 0 511; do
	truncate -s "$size" "$T/d.img" || fail "truncate $size"
	expect_fail "resync_size of a $size-byte file" \
		sh -c "echo 1 > $H/cap1/resync_size"
	dmesg_has "cap1: $T/d.img is smaller than one 512-byte block: capacity kept at 2048 blocks" ||
		fail "no dmesg line for resync_size of a $size-byte file"
	expect_eq "$(cat "$H/cap1/size")" $((1 << 20)) \
		"size after resync_size of a $size-byte file"
done
truncate -s 512 "$T/d.img" || fail "truncate 512"
ktgt_write "$H/cap1/resync_size" 1
expect_eq "$(cat "$H/cap1/size")" 512 "size after resync_size to one block"
# The initiator gets CAPACITY DATA HAS CHANGED first.
for _ in 1 2 3 4; do
	[[ "$(ktgt_tur "$sg")" == "02 06/"* ]] || break
done
expect_eq "$(rcap)" 0000000000000200 "READ CAPACITY(10) of one block"

rm -rf "$T"
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass "no disk without a whole block"
