#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# What the initiator gets when the backing store fails, through
# ktgt_local:
# - blockio and fileio over a device-mapper device with an "error"
#   segment (LBAs 16384-18431): READ there is MEDIUM ERROR, UNRECOVERED
#   READ ERROR (03/11/00), WRITE through blockio or with FUA through
#   fileio is MEDIUM ERROR, WRITE ERROR (03/0C/00); the INFORMATION
#   field (VALID = 1) holds the first LBA in error where it is known: a
#   fileio READ (the first page that failed; also across the start of
#   the segment), a blockio READ, WRITE or VERIFY (of one block, or of
#   several, whose bios fail as a whole: blockio searches for the block);
#   where it is not (a fileio FUA write's flush), VALID = 0; a fileio
#   WRITE cached in the page cache whose write-back fails is reported by
#   the next SYNCHRONIZE CACHE (03/0C/00), not lost, even when a FUA write
#   came between, or when the SYNCHRONIZE CACHE has IMMED set (ktgt
#   returns its status after the flush: core/sbc.c);
# - blockio over dm-flakey failing writes and flushes: WRITE, WRITE SAME
#   and SYNCHRONIZE CACHE (also with IMMED) get 03/0C/00;
# - fileio over a sparse file on a full tmpfs: WRITE gets DATA PROTECT,
#   SPACE ALLOCATION FAILED WRITE PROTECT (07/27/07);
# - fileio whose backing file shrank under it: READ past the new end
#   is 03/11/00, never GOOD, with the first LBA past the end in the
#   INFORMATION field; after resync_size the capacity UA
#   (06/2A/09) and LBA OUT OF RANGE (05/21/00) past the end;
# - a thin fileio LU over a block device without write zeroes (brd),
#   whose holes could not be punched, cannot be enabled;
# - a read_only LU refuses every command that writes the medium with
#   DATA PROTECT, WRITE PROTECTED (07/27/00) and accepts SYNCHRONIZE
#   CACHE.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

T=$(mktemp -d /tmp/vdisk-err.XXXXXX) || fail "mktemp"

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	ktgt_dm_cleanup
	umount "$T/full" 2>/dev/null
}
trap cleanup EXIT

# st WHAT EXPECTED SG_RAW_ARGS...: the outcome (ktgt_status) must match.
st() {
	local what=$1 want=$2
	shift 2
	expect_eq "$(ktgt_status "$@")" "$want" "$what"
}

# sti WHAT EXPECTED INFO SG_RAW_ARGS...: the outcome (as ktgt_status
# gives it) and the INFORMATION field (ktgt_sense_info: decimal, "-" if
# not valid) must match.
sti() {
	local what=$1 want=$2 info=$3 out k a q
	shift 3
	out=$(ktgt_sense "$@")
	read -r k a q _ <<< "$(ktgt_sense_decode "${out#*sense=}")"
	expect_eq "${out%% *} ${k#key=}/${a#asc=}/${q#ascq=}" "status=$want" \
		"$what"
	expect_eq "$(ktgt_sense_info "${out#*sense=}")" "$info" \
		"$what: INFORMATION"
}

# The debug kernel (make check KERNEL=debug) has no device-mapper: its
# parts are skipped there, never where the kernel has dm-mod.
dm=1
ktgt_dm_have || dm=0
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

head -c 4096 /dev/urandom > "$T/blk"
head -c 65536 /dev/urandom > "$T/big64"
# UNMAP parameter list: one descriptor, LBA 16384, 8 blocks.
printf '\x00\x16\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x08\x00\x00\x00\x00' \
	> "$T/unmap"

ktgt_mktarget local/t0
if [ "$dm" = 1 ]; then
	ktgt_dm_error ktgterrb "$T"
	bdm=$KTGT_DM_DEV
	ktgt_dm_error ktgterrf "$T"
	fdm=$KTGT_DM_DEV
	ktgt_mkdev vdisk_blockio/b0 filename="$bdm" serial=ERRB
	ktgt_mkdev vdisk_fileio/f0 filename="$fdm" serial=ERRF
	ktgt_maplun local/t0 0 vdisk_blockio/b0
	ktgt_maplun local/t0 1 vdisk_fileio/f0
fi
ktgt_enable local/t0
host=$(ktgt_local_host t0)

if [ "$dm" = 1 ]; then
	bsg=$(ktgt_wait_disk -g host="$host" lun=0)
	fsg=$(ktgt_wait_disk -g host="$host" lun=1)
	log "blockio $bsg, fileio $fsg"
	ktgt_tur "$bsg" >/dev/null
	ktgt_tur "$fsg" >/dev/null

	log "blockio over a failing segment"
	st "blockio READ(10) at LBA 8192" GOOD -r 4096 "$bsg" 28 00 00 00 20 00 00 00 08 00
	sti "blockio READ(10) at LBA 16384" "02 03/11/00" 16384 \
		-r 4096 "$bsg" 28 00 00 00 40 00 00 00 08 00
	sti "blockio READ(10) across the failing segment" "02 03/11/00" 16384 \
		-r 65536 "$bsg" 28 00 00 00 3f c0 00 00 80 00
	sti "blockio READ(10) of one block at LBA 16390" "02 03/11/00" 16390 \
		-r 512 "$bsg" 28 00 00 00 40 06 00 00 01 00
	sti "blockio WRITE(10) of one block at LBA 16391" "02 03/0c/00" 16391 \
		-s 512 -i "$T/blk" "$bsg" 2a 00 00 00 40 07 00 00 01 00
	sti "blockio WRITE(10) at LBA 16384" "02 03/0c/00" 16384 \
		-s 4096 -i "$T/blk" "$bsg" 2a 00 00 00 40 00 00 00 08 00
	sti "blockio WRITE(10) FUA across the failing segment" "02 03/0c/00" \
		16384 -s 65536 -i "$T/big64" "$bsg" 2a 08 00 00 3f c0 00 00 80 00
	st "blockio WRITE(10) at LBA 8192" GOOD \
		-s 4096 -i "$T/blk" "$bsg" 2a 00 00 00 20 00 00 00 08 00
	sti "blockio VERIFY(10) across the failing segment" "02 03/11/00" \
		16384 "$bsg" 2f 00 00 00 3f f0 00 00 20 00

	log "fileio over a failing segment"
	sti "fileio READ(10) at LBA 16384" "02 03/11/00" 16384 \
		-r 4096 "$fsg" 28 00 00 00 40 00 00 00 08 00
	sti "fileio READ(10) at LBA 16400" "02 03/11/00" 16400 \
		-r 4096 "$fsg" 28 00 00 00 40 10 00 00 08 00
	sti "fileio READ(10) across the failing segment" "02 03/11/00" 16384 \
		-r 65536 "$fsg" 28 00 00 00 3f c0 00 00 80 00
	sti "fileio WRITE(10) FUA at LBA 16384" "02 03/0c/00" - \
		-s 4096 -i "$T/blk" "$fsg" 2a 08 00 00 40 00 00 00 08 00
	# Whatever the FUA write left of the error is reported or cleared here.
	ktgt_status "$fsg" 35 00 00 00 00 00 00 00 00 00 >/dev/null
	# Into the page cache: GOOD; its write-back fails, and the next
	# SYNCHRONIZE CACHE must say so.
	st "fileio WRITE(10) at LBA 16400 (cached)" GOOD \
		-s 4096 -i "$T/blk" "$fsg" 2a 00 00 00 40 10 00 00 08 00
	st "SYNCHRONIZE CACHE(10) after a failed write-back" "02 03/0c/00" \
		"$fsg" 35 00 00 00 00 00 00 00 00 00
	st "fileio WRITE(10) at LBA 16400 (cached)" GOOD \
		-s 4096 -i "$T/blk" "$fsg" 2a 00 00 00 40 10 00 00 08 00
	st "SYNCHRONIZE CACHE(16) after a failed write-back" "02 03/0c/00" \
		"$fsg" 91 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
	# IMMED = 1 is done as IMMED = 0: the failure is the command's own.
	st "fileio WRITE(10) at LBA 16400 (cached)" GOOD \
		-s 4096 -i "$T/blk" "$fsg" 2a 00 00 00 40 10 00 00 08 00
	st "SYNCHRONIZE CACHE(10) IMMED after a failed write-back" \
		"02 03/0c/00" "$fsg" 35 02 00 00 00 00 00 00 00 00
	# The write-back fails before the SYNCHRONIZE CACHE (sync(1) here, the
	# flusher threads otherwise), and a FUA write elsewhere comes between:
	# whatever the FUA write says, SYNCHRONIZE CACHE must still report it.
	st "fileio WRITE(10) at LBA 16400 (cached)" GOOD \
		-s 4096 -i "$T/blk" "$fsg" 2a 00 00 00 40 10 00 00 08 00
	sync
	log "FUA WRITE(10) at LBA 8192 after the failed write-back: $(ktgt_status \
		-s 4096 -i "$T/blk" "$fsg" 2a 08 00 00 20 00 00 00 08 00)"
	st "SYNCHRONIZE CACHE(10) after a failed write-back and a FUA write" \
		"02 03/0c/00" "$fsg" 35 00 00 00 00 00 00 00 00 00
	st "SYNCHRONIZE CACHE(10) once reported" GOOD \
		"$fsg" 35 00 00 00 00 00 00 00 00 00

	log "blockio over a device that fails writes and cache flushes"
	# dm-flakey, always down, error_writes: reads pass, writes and flushes
	# fail.
	if modprobe dm-flakey 2>/dev/null; then
		ktgt_dm_create ktgtflaky "$T/flaky.img" 16M \
			"0 32768 flakey @LOOP@ 0 0 3600 1 error_writes"
		ktgt_mkdev vdisk_blockio/b1 filename=/dev/mapper/ktgtflaky serial=ERRK
		ktgt_maplun local/t0 5 vdisk_blockio/b1
		ktgt_local_rescan t0
		ksg=$(ktgt_wait_disk -g host="$host" lun=5)
		ktgt_tur "$ksg" >/dev/null
		st "blockio READ(10), writes failing" GOOD \
			-r 4096 "$ksg" 28 00 00 00 00 00 00 00 08 00
		st "blockio WRITE(10), writes failing" "02 03/0c/00" \
			-s 4096 -i "$T/blk" "$ksg" 2a 00 00 00 00 00 00 00 08 00
		st "blockio SYNCHRONIZE CACHE(10), flushes failing" "02 03/0c/00" \
			"$ksg" 35 00 00 00 00 00 00 00 00 00
		st "blockio SYNCHRONIZE CACHE(10) IMMED, flushes failing" \
			"02 03/0c/00" "$ksg" 35 02 00 00 00 00 00 00 00 00
		st "blockio SYNCHRONIZE CACHE(16) IMMED, flushes failing" \
			"02 03/0c/00" "$ksg" \
			91 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		st "blockio WRITE SAME(10), writes failing" "02 03/0c/00" \
			-s 512 -i "$T/blk" "$ksg" 41 00 00 00 00 00 00 00 10 00
	else
		log "no dm-flakey: skipping the failing flush"
	fi
else
	log "no device-mapper in this kernel: skipping the failing dm devices"
fi

log "fileio over a sparse file on a full file system"
mkdir -p "$T/full"
mount -t tmpfs -o size=1m tmpfs "$T/full" || fail "mount tmpfs"
truncate -s 16M "$T/full/sparse.img" || fail "truncate sparse.img"
ktgt_mkdev vdisk_fileio/f1 filename="$T/full/sparse.img" serial=ERRS
ktgt_maplun local/t0 2 vdisk_fileio/f1
ktgt_local_rescan t0
ssg=$(ktgt_wait_disk -g host="$host" lun=2)
ktgt_tur "$ssg" >/dev/null
head -c 512K /dev/urandom > "$T/big"
# 512 KiB at a time, 4 MiB in all: one of them must run out of space.
for ((i = 0; i < 8; i++)); do
	r=$(ktgt_status -s 524288 -i "$T/big" "$ssg" \
		2a 00 00 00 $(printf '%02x %02x' $((i * 4)) 0) 00 04 00 00)
	[ "$r" = GOOD ] || break
done
log "WRITE(10) number $i onto a 1 MiB tmpfs: $r"
expect_eq "$r" "02 07/27/07" "WRITE(10) beyond the space of the file system"

log "fileio whose backing file shrank"
truncate -s 16M "$T/shrink.img" || fail "truncate shrink.img"
ktgt_mkdev vdisk_fileio/f2 filename="$T/shrink.img" serial=ERRT
ktgt_maplun local/t0 3 vdisk_fileio/f2
ktgt_local_rescan t0
tsg=$(ktgt_wait_disk -g host="$host" lun=3)
ktgt_tur "$tsg" >/dev/null
truncate -s 8M "$T/shrink.img" || fail "shrink"
sti "READ(10) wholly past the new end" "02 03/11/00" 20480 \
	-r 4096 "$tsg" 28 00 00 00 50 00 00 00 08 00
sti "READ(10) across the new end" "02 03/11/00" 16384 \
	-r 4096 "$tsg" 28 00 00 00 3f fc 00 00 08 00
ktgt_write "$KTGT_CFS/handlers/vdisk_fileio/f2/resync_size" 1
st "TEST UNIT READY after resync_size" "02 06/2a/09" \
	"$tsg" 00 00 00 00 00 00
st "READ(10) past the new capacity" "02 05/21/00" \
	-r 4096 "$tsg" 28 00 00 00 50 00 00 00 08 00

log "thin fileio over a block device that cannot write zeroes"
# brd has no write zeroes: PUNCH_HOLE on it fails with EOPNOTSUPP, so a
# thin LU there would advertise UNMAP (and LBPRZ) and then refuse it.
if modprobe brd rd_nr=1 rd_size=16384 2>/dev/null && [ -b /dev/ram0 ]; then
	expect_eq "$(cat /sys/block/ram0/queue/write_zeroes_max_bytes)" 0 \
		"write_zeroes_max_bytes of /dev/ram0"
	ktgt_mkdev vdisk_fileio/f4 filename=/dev/ram0 thin_provisioned=1 \
		serial=ERRZ enable=0
	if ktgt_try_write "$KTGT_CFS/handlers/vdisk_fileio/f4/enable" 1; then
		ktgt_maplun local/t0 6 vdisk_fileio/f4
		ktgt_local_rescan t0
		zsg=$(ktgt_wait_disk -g host="$host" lun=6)
		ktgt_tur "$zsg" >/dev/null
		fail "thin fileio over /dev/ram0 enabled; its UNMAP: $(ktgt_status \
			-s 24 -i "$T/unmap" "$zsg" 42 00 00 00 00 00 00 00 18 00)"
	fi
	ktgt_write "$KTGT_CFS/handlers/vdisk_fileio/f4/thin_provisioned" 0
	ktgt_write "$KTGT_CFS/handlers/vdisk_fileio/f4/enable" 1
	ktgt_rmdev vdisk_fileio/f4
else
	log "no brd: skipping"
fi

log "read_only LU"
truncate -s 16M "$T/ro.img" || fail "truncate ro.img"
ktgt_mkdev vdisk_fileio/f3 filename="$T/ro.img" read_only=1 \
	thin_provisioned=1 serial=ERRR
ktgt_maplun local/t0 4 vdisk_fileio/f3
ktgt_local_rescan t0
rsg=$(ktgt_wait_disk -g host="$host" lun=4)
ktgt_tur "$rsg" >/dev/null
head -c 512 /dev/zero > "$T/z512"
head -c 1024 /dev/zero > "$T/z1024"
st "read_only WRITE(10)" "02 07/27/00" \
	-s 512 -i "$T/z512" "$rsg" 2a 00 00 00 00 00 00 00 01 00
st "read_only WRITE(16)" "02 07/27/00" -s 512 -i "$T/z512" \
	"$rsg" 8a 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00
st "read_only WRITE SAME(10)" "02 07/27/00" \
	-s 512 -i "$T/z512" "$rsg" 41 00 00 00 00 00 00 00 01 00
st "read_only WRITE SAME(16) UNMAP" "02 07/27/00" -s 512 -i "$T/z512" \
	"$rsg" 93 08 00 00 00 00 00 00 00 00 00 00 00 01 00 00
st "read_only UNMAP" "02 07/27/00" \
	-s 24 -i "$T/unmap" "$rsg" 42 00 00 00 00 00 00 00 18 00
st "read_only COMPARE AND WRITE" "02 07/27/00" -s 1024 -i "$T/z1024" \
	"$rsg" 89 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00
st "read_only WRITE AND VERIFY(10)" "02 07/27/00" \
	-s 512 -i "$T/z512" "$rsg" 2e 00 00 00 00 00 00 00 01 00
st "read_only SYNCHRONIZE CACHE(10)" GOOD "$rsg" 35 00 00 00 00 00 00 00 00 00
st "read_only READ(10)" GOOD -r 512 "$rsg" 28 00 00 00 00 00 00 00 01 00

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
