#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# The size of a ktgt_local command: up to 8 MiB (the core's largest
# transfer), in page-sized segments the midlayer chains past 128. The
# disk's queue limits say so (max_hw_sectors_kb 8192, max_segments 2048
# with 4 KiB pages); a 1 MiB O_DIRECT read or write is one command, not
# two of 512 KiB (the device's stats count them); with max_sectors_kb
# raised to 8192, 8 MiB O_DIRECT writes and reads of a fileio LU, which
# walk chained scatterlists, give back the data written, byte for byte,
# and the backing file holds it.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

DEVS=$KTGT_SYSFS/devices
IMG=/tmp/maxio.img
T=$(mktemp -d /tmp/maxio.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T" "$IMG"' EXIT

# stat_of DEVICE KEY: a value from the device's sysfs stats.
stat_of() {
	awk -v k="$2" '$1 == k { print $2 }' "$DEVS/$1/stats"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

truncate -s 64M "$IMG" || fail "truncate $IMG"
ktgt_mkdev vdisk_fileio/mx filename="$IMG" serial=MAXIO
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/mx
ktgt_enable local/t0
dev=$(ktgt_wait_disk host="$(ktgt_local_host t0)" serial=MAXIO)
q=/sys/block/${dev#/dev/}/queue
udevadm settle -t 30 2>/dev/null || true
log "$dev: max_hw_sectors_kb $(< "$q/max_hw_sectors_kb")," \
	"max_sectors_kb $(< "$q/max_sectors_kb"), max_segments $(< "$q/max_segments")"

expect_eq "$(< "$q/max_hw_sectors_kb")" 8192 "max_hw_sectors_kb"
expect_eq "$(< "$q/max_segments")" $((8192 / ($(getconf PAGESIZE) / 1024))) \
	"max_segments"

# One command per 1 MiB I/O, at the block layer's default cap.
r0=$(stat_of mx reads)
dd if="$dev" of=/dev/null bs=1M count=16 iflag=direct status=none ||
	fail "dd read 16 x 1 MiB"
r1=$(stat_of mx reads)
expect_eq "$((r1 - r0))" 16 "READ commands for 16 reads of 1 MiB"
w0=$(stat_of mx writes)
dd if=/dev/urandom of="$T/src1" bs=1M count=16 status=none
dd if="$T/src1" of="$dev" bs=1M count=16 oflag=direct status=none ||
	fail "dd write 16 x 1 MiB"
w1=$(stat_of mx writes)
expect_eq "$((w1 - w0))" 16 "WRITE commands for 16 writes of 1 MiB"

# 8 MiB commands: chained scatterlists through fileio, both ways.
echo 8192 > "$q/max_sectors_kb" || fail "max_sectors_kb 8192 refused"
dd if=/dev/urandom of="$T/src8" bs=8M count=4 status=none
# big KEY DD-ARGS...: four 8 MiB O_DIRECT dd's of the LU must take fewer
# than 16 commands (KEY: reads or writes), i.e. some over 2 MiB.
big() {
	local what=$1 c0 c1
	shift
	c0=$(stat_of mx "$what")
	dd "$@" bs=8M count=4 status=none || fail "dd: 4 $what of 8 MiB"
	c1=$(stat_of mx "$what")
	log "4 $what of 8 MiB: $((c1 - c0)) commands"
	[ "$((c1 - c0))" -lt 16 ] ||
		fail "4 $what of 8 MiB took $((c1 - c0)) commands (none over 2 MiB)"
}
big writes if="$T/src8" of="$dev" seek=2 oflag=direct
big reads if="$dev" of="$T/back8" skip=2 iflag=direct
cmp "$T/src8" "$T/back8" || fail "8 MiB reads differ from what was written"
dd if="$dev" of="$T/back1" bs=1M count=16 iflag=direct status=none ||
	fail "dd read back 16 x 1 MiB"
cmp "$T/src1" "$T/back1" || fail "1 MiB reads differ from what was written"

ktgt_enable local/t0 0
dd if="$IMG" of="$T/file1" bs=1M count=16 status=none
cmp "$T/src1" "$T/file1" || fail "the backing file's first 16 MiB differ"
dd if="$IMG" of="$T/file8" bs=8M skip=2 count=4 status=none
cmp "$T/src8" "$T/file8" || fail "the backing file's 8 MiB blocks differ"
ktgt_cleanup
pass "8 MiB commands through ktgt_local, 1 MiB I/O in one command"
