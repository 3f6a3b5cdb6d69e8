#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Bad CDBs sent through ktgt_local with sg_raw get the right CHECK
# CONDITION and change nothing:
# - reserved bits set (TEST UNIT READY byte 4 bit 7, READ(10) byte 6
#   bit 7): ILLEGAL REQUEST / INVALID FIELD IN CDB (24h/00h) with a
#   sense-key specific field pointer to that CDB byte and bit;
# - an unsupported operation code: INVALID COMMAND OPERATION CODE;
# - READ(10) at the LBA after the last one, and WRITE(10) of two blocks
#   starting at the last one: LOGICAL BLOCK ADDRESS OUT OF RANGE;
# the backing file's checksum is the same before and after, the disk
# still reads fine, and the initiator name attribute rejects bad names.
# First, the checker: ktgt_sense reports a command sg_raw could not send
# (no such device) as status "none", not GOOD.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

img=/tmp/bad.img
head -c 8M /dev/urandom > "$img" || fail "creating $img"
sum=$(sha256sum < "$img")
ktgt_mkdev vdisk_fileio/bad filename="$img" serial=BAD0
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/bad
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
nblocks=$(( (8 << 20) / 512 ))
log "$dev ($sg): $nblocks blocks"

# The checker itself: a command that never reached a device has no
# status, not GOOD.
expect_eq "$(ktgt_sense /dev/ktgt-no-such-sg 00 00 00 00 00 00)" \
	"status=none sense=" "ktgt_sense on a missing device"

# Clear whatever unit attention the scan left.
for i in 1 2 3; do
	[ "$(ktgt_sense "$sg" 00 00 00 00 00 00)" = "status=00 sense=" ] && break
done

# check WHAT "EXPECTED key asc ascq sks" CDB-and-sg_raw-args...
check() {
	local what=$1 want=$2 res got
	shift 2
	res=$(ktgt_sense "$@")
	log "$what: $res"
	expect_eq "${res%% *}" status=02 "$what: status"
	got=$(ktgt_sense_decode "${res#*sense=}")
	case "$want" in
	*sks=*) ;;
	*) got=${got% sks=*} ;;
	esac
	expect_eq "$got" "$want" "$what: sense"
}

# SKSV | C/D | BPV | bit 7, field pointer = the byte.
check "TUR, reserved byte 4 bit 7" "key=05 asc=24 ascq=00 sks=cf0004" \
	"$sg" 00 00 00 00 80 00
check "READ(10), reserved byte 6 bit 7" "key=05 asc=24 ascq=00 sks=cf0006" \
	-r 512 "$sg" 28 00 00 00 00 00 80 00 01 00
check "unsupported opcode" "key=05 asc=20 ascq=00" "$sg" ff 00 00 00 00 00

lba=$(printf '%02x %02x %02x %02x' $((nblocks >> 24 & 255)) \
	$((nblocks >> 16 & 255)) $((nblocks >> 8 & 255)) $((nblocks & 255)))
last=$(printf '%02x %02x %02x %02x' $(((nblocks - 1) >> 24 & 255)) \
	$(((nblocks - 1) >> 16 & 255)) $(((nblocks - 1) >> 8 & 255)) \
	$(((nblocks - 1) & 255)))
# shellcheck disable=SC2086 # the LBAs are lists of CDB bytes
check "READ(10) past the end" "key=05 asc=21 ascq=00" \
	-r 512 "$sg" 28 00 $lba 00 00 01 00
# shellcheck disable=SC2086
check "WRITE(10) across the end" "key=05 asc=21 ascq=00" \
	-s 1024 -i /dev/urandom "$sg" 2a 00 $last 00 00 02 00
# shellcheck disable=SC2086
check "WRITE(10) with reserved bit set" "key=05 asc=24 ascq=00" \
	-s 512 -i /dev/urandom "$sg" 2a 00 00 00 00 00 80 00 01 00

# A good read of the last block works.
# shellcheck disable=SC2086
res=$(ktgt_sense -r 512 "$sg" 28 00 $last 00 00 01 00)
expect_eq "$res" "status=00 sense=" "READ(10) of the last block"

run_ok "read the whole disk" dd if="$dev" of=/dev/null bs=1M iflag=direct
ktgt_enable local/t0 0
expect_eq "$(sha256sum < "$img")" "$sum" "backing file after the bad commands"

# Bad initiator names keep the old value.
ini=$KTGT_CFS/targets/local/t0/initiator_name
expect_fail "empty initiator_name" ktgt_try_write "$ini" ""
expect_fail "initiator_name with a space" ktgt_try_write "$ini" "a b"
expect_fail "initiator_name of 224 bytes" ktgt_try_write "$ini" "$(printf 'x%.0s' {1..224})"
expect_eq "$(cat "$ini")" local:t0 "initiator_name after bad writes"
ktgt_write "$ini" "$(printf 'y%.0s' {1..223})"
expect_eq "$(wc -c < "$ini")" 224 "initiator_name of 223 bytes"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
