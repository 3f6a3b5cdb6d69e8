#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Changes of a live target seen by the Linux initiator through
# ktgt_local:
# - mapping or unmapping a LUN raises REPORTED LUNS DATA HAS CHANGED
#   (3Fh/0Eh) on the LUN already there: its next command gets the unit
#   attention, the one after is GOOD;
# - a rescan (the midlayer's "- - -" scan, or the target's rescan
#   attribute) adds the new disk, and the rescan attribute removes the
#   disk of an unmapped LUN;
# - with auto_rescan=1 the driver does that by itself once the unit
#   attention passes by;
# - growing the backing file and writing resync_size raises CAPACITY
#   DATA HAS CHANGED (2Ah/09h), and after the disk's rescan Linux sees
#   the new size.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

truncate -s 16M /tmp/lc0.img && truncate -s 8M /tmp/lc1.img &&
	truncate -s 8M /tmp/lc2.img || fail "truncate"
ktgt_mkdev vdisk_fileio/d0 filename=/tmp/lc0.img serial=LC0
ktgt_mkdev vdisk_fileio/d1 filename=/tmp/lc1.img serial=LC1
ktgt_mkdev vdisk_fileio/d2 filename=/tmp/lc2.img serial=LC2
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/d0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev0=$(ktgt_wait_disk host="$host" lun=0)
sg0=$(ktgt_wait_disk -g host="$host" lun=0)
log "LUN 0: $dev0 $sg0"
expect_eq "$(cat "$KTGT_CFS/targets/local/t0/auto_rescan")" 0 "auto_rescan default"

# tur: "GOOD" or the sense key/ASC/ASCQ of a TEST UNIT READY to LUN 0.
tur() {
	local r
	r=$(ktgt_sense "$sg0" 00 00 00 00 00 00)
	case "$r" in
	"status=00 "*) echo GOOD ;;
	"status=02 "*) ktgt_sense_decode "${r#*sense=}" | cut -d' ' -f1-3 ;;
	*) echo "$r" ;;
	esac
}

# expect_ua WHAT "key=06 asc=.. ascq=..": the next TUR reports it, the
# one after is GOOD.
expect_ua() {
	expect_eq "$(tur)" "$2" "$1: first command after the change"
	expect_eq "$(tur)" GOOD "$1: second command"
}

# Whatever the scan left pending is gone after a few commands.
for i in 1 2 3; do [ "$(tur)" = GOOD ] && break; done
expect_eq "$(tur)" GOOD "LUN 0 settled"

log "map LUN 1"
ktgt_maplun local/t0 1 vdisk_fileio/d1
expect_ua "LUN 1 mapped" "key=06 asc=3f ascq=0e"
expect_eq "$(ktgt_scsi_devs "$host" | wc -l)" 1 "devices before the rescan"
ktgt_write /sys/class/scsi_host/host"$host"/scan "- - -"
dev1=$(ktgt_wait_disk host="$host" lun=1 serial=LC1)
log "LUN 1 appeared as $dev1 after the midlayer scan"

log "unmap LUN 1"
hctl1=$(ktgt_find_disk host="$host" lun=1)
ktgt_unmaplun local/t0 1
expect_ua "LUN 1 unmapped" "key=06 asc=3f ascq=0e"
ktgt_local_rescan t0
ktgt_wait_gone "$hctl1"
expect_eq "$(ktgt_scsi_devs "$host" | wc -l)" 1 "devices after the rescan"
log "LUN 1's disk went away with the rescan attribute"

log "auto_rescan=1: map LUN 2"
ktgt_write "$KTGT_CFS/targets/local/t0/auto_rescan" 1
ktgt_maplun local/t0 2 vdisk_fileio/d2
expect_ua "LUN 2 mapped" "key=06 asc=3f ascq=0e"
dev2=$(ktgt_wait_disk host="$host" lun=2 serial=LC2)
log "LUN 2 appeared by itself as $dev2"
hctl2=$(ktgt_find_disk host="$host" lun=2)
ktgt_unmaplun local/t0 2
expect_ua "LUN 2 unmapped" "key=06 asc=3f ascq=0e"
ktgt_wait_gone "$hctl2"
log "LUN 2's disk went away by itself"
ktgt_write "$KTGT_CFS/targets/local/t0/auto_rescan" 0

log "grow d0 from 16 to 32 MiB"
expect_eq "$(blockdev --getsize64 "$dev0")" $((16 << 20)) "size before"
truncate -s 32M /tmp/lc0.img || fail "truncate"
ktgt_write "$KTGT_CFS/handlers/vdisk_fileio/d0/resync_size" 1
expect_ua "capacity changed" "key=06 asc=2a ascq=09"
expect_eq "$(blockdev --getsize64 "$dev0")" $((16 << 20)) "size before the disk rescan"
ktgt_write "/sys/class/block/${dev0#/dev/}/device/rescan" 1
expect_eq "$(blockdev --getsize64 "$dev0")" $((32 << 20)) "size after the disk rescan"

# Errors of the attributes.
expect_fail "rescan=2" ktgt_try_write "$KTGT_CFS/targets/local/t0/rescan" 2
expect_fail "auto_rescan=maybe" \
	ktgt_try_write "$KTGT_CFS/targets/local/t0/auto_rescan" maybe
ktgt_enable local/t0 0
expect_fail "rescan while disabled" \
	ktgt_try_write "$KTGT_CFS/targets/local/t0/rescan" 1
expect_eq "$(cat "$KTGT_CFS/targets/local/t0/host_no")" -1 "host_no while disabled"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
