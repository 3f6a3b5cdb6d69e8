#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm with a pt_disk device: applied from nothing, ktgtadm loads the
# handler's module (ktgt_pt, not "ktgt_pt_disk") itself; the device
# passes a scsi_debug disk through to a local target's LUN, whose
# INQUIRY is scsi_debug's; written back, the configuration names the
# disk (scsi_device) and applies as a no-op.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	ktgt_unload_all >/dev/null 2>&1
	modprobe -r scsi_debug 2>/dev/null
}
trap cleanup EXIT

ktgt_initiator_load
modprobe scsi_debug dev_size_mb=8 || fail "modprobe scsi_debug"
ktgt_sdebug_wait
hctl=$KTGT_SDEBUG_HCTL
[ -e /sys/module/ktgt_pt ] && fail "ktgt_pt loaded before apply"

cat > /tmp/ktgt.conf <<CONF
HANDLER pt_disk {
	DEVICE p0 {
		scsi_device $hctl
	}
}

TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 p0
	}
}
CONF

out=$("$ADM" apply /tmp/ktgt.conf 2>&1) || fail "apply: $out"
log "apply: $(tail -n1 <<< "$out")"
[ -e /sys/module/ktgt_pt ] || fail "apply did not load ktgt_pt"
expect_eq "$(cat "$KTGT_CFS/handlers/pt_disk/p0/enable")" 1 "p0 enabled"
expect_eq "$(cat "$KTGT_CFS/handlers/pt_disk/p0/scsi_device")" "$hctl" \
	"p0 scsi_device"
host=$(ktgt_local_host t0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
sg_inq "$sg" | grep -q 'Product identification: scsi_debug' ||
	fail "INQUIRY through the pt_disk LU: $(sg_inq "$sg")"

"$ADM" write /tmp/w.conf || fail "write"
grep -qE "^[[:space:]]*scsi_device $hctl\$" /tmp/w.conf ||
	fail "written configuration lacks scsi_device: $(cat /tmp/w.conf)"
out=$("$ADM" apply /tmp/w.conf 2>&1) || fail "apply written: $out"
expect_eq "$out" "/tmp/w.conf: nothing to do" "apply of the written file"
ktgt_cleanup || fail "cleanup"
pass
