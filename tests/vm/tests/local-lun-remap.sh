#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# A LUN unmapped and mapped again to another device keeps its number,
# and the Linux initiator must not go on using the old device's
# scsi_device (its capacity, its page cache) on the new logical unit:
# - with auto_rescan=1 and the LUN the host's only one, the remapped
#   LUN's own nexus reports REPORTED LUNS DATA HAS CHANGED (after POWER
#   ON), the driver rescans and replaces the SCSI device with one of the
#   new device (VPD 80h serial);
# - the rescan attribute does the same for a LUN beside others, and
#   leaves the SCSI devices of unchanged LUNs alone, that of a LUN
#   mapped again to the same device included.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

for i in 0 1 2 3; do
	ktgt_mkdev vdisk_nullio/rm$i size=$(((16 + i) << 20)) serial=REMAP$i
done
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/rm0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
ktgt_wait_disk host="$host" lun=0 serial=REMAP0 > /dev/null

# outcome SG: "GOOD" or "KEY/ASC/ASCQ" of a TEST UNIT READY.
outcome() {
	local r
	r=$(ktgt_sense "$1" 00 00 00 00 00 00)
	case "$r" in
	"status=00 "*) echo GOOD ;;
	"status=02 "*) ktgt_sense_decode "${r#*sense=}" | cut -d' ' -f1-3 ;;
	*) echo "$r" ;;
	esac
}

# mark HCTL: set the SCSI device's timeout to 77 s; a device the
# midlayer creates anew has the default again.
mark() {
	ktgt_write "/sys/class/scsi_device/$1/device/timeout" 77
}
marked() {
	[ "$(cat "/sys/class/scsi_device/$1/device/timeout" 2>/dev/null)" = 77 ]
}

log "auto_rescan=1: the only LUN maps another device"
ktgt_write "$KTGT_CFS/targets/local/t0/auto_rescan" 1
sg=$(ktgt_wait_disk -g host="$host" lun=0 serial=REMAP0)
for i in 1 2 3; do [ "$(outcome "$sg")" = GOOD ] && break; done
expect_eq "$(outcome "$sg")" GOOD "LUN 0 settled"
rm "$KTGT_CFS/targets/local/t0/luns/0/device" || fail "unmap LUN 0"
ln -s "$KTGT_CFS/handlers/vdisk_nullio/rm1" \
	"$KTGT_CFS/targets/local/t0/luns/0/device" || fail "remap LUN 0"
# The commands through the old device see the new LUN's conditions.
u1=$(outcome "$sg")
u2=$(outcome "$sg")
log "TUR after the remap: $u1, then $u2"
expect_eq "$u1" "key=06 asc=29 ascq=00" "first TUR after the remap"
expect_eq "$u2" "key=06 asc=3f ascq=0e" "second TUR after the remap"
dev=$(ktgt_wait_disk -t 30 host="$host" lun=0 serial=REMAP1)
expect_eq "$(blockdev --getsize64 "$dev")" $((17 << 20)) \
	"size of the disk at LUN 0 after the remap"
ktgt_write "$KTGT_CFS/targets/local/t0/auto_rescan" 0

log "rescan attribute: LUN 1 beside LUN 0 maps another device"
ktgt_maplun local/t0 1 vdisk_nullio/rm2
ktgt_local_rescan t0
ktgt_wait_disk host="$host" lun=1 serial=REMAP2 > /dev/null
mark "$host:0:0:0"
mark "$host:0:0:1"
rm "$KTGT_CFS/targets/local/t0/luns/1/device" || fail "unmap LUN 1"
ln -s "$KTGT_CFS/handlers/vdisk_nullio/rm3" \
	"$KTGT_CFS/targets/local/t0/luns/1/device" || fail "remap LUN 1"
ktgt_local_rescan t0
dev=$(ktgt_wait_disk -t 30 host="$host" lun=1 serial=REMAP3)
expect_eq "$(blockdev --getsize64 "$dev")" $((19 << 20)) \
	"size of the disk at LUN 1 after the remap"
marked "$host:0:0:1" && fail "LUN 1 kept its old SCSI device"
marked "$host:0:0:0" || fail "the rescan replaced LUN 0's SCSI device"

log "a LUN mapped again to the same device keeps its SCSI device"
mark "$host:0:0:1"
rm "$KTGT_CFS/targets/local/t0/luns/1/device" || fail "unmap LUN 1"
ln -s "$KTGT_CFS/handlers/vdisk_nullio/rm3" \
	"$KTGT_CFS/targets/local/t0/luns/1/device" || fail "map LUN 1 again"
ktgt_local_rescan t0
ktgt_find_disk host="$host" lun=1 serial=REMAP3 > /dev/null ||
	fail "LUN 1's disk is gone"
marked "$host:0:0:1" || fail "the rescan replaced LUN 1's SCSI device"
marked "$host:0:0:0" || fail "the rescan replaced LUN 0's SCSI device"
expect_eq "$(ktgt_scsi_devs "$host" | wc -l)" 2 "SCSI devices at the end"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
