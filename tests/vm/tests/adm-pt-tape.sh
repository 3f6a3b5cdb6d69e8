#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm with a pt_tape device: a configuration of a vtape LU on local
# target t0 (the tape drive of this test), then one that adds a
# pt_tape device passing that drive through to target t1: ktgtadm
# loads the handler's module (ktgt_pt, not "ktgt_pt_tape") itself; the
# LU's INQUIRY is the drive's; written back, the configuration names the
# drive (scsi_device), not the read-only block_length, and applies as a
# no-op.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	ktgt_unload_all >/dev/null 2>&1
}
trap cleanup EXIT

ktgt_initiator_load
modprobe st || fail "modprobe st"
[ -e /sys/module/ktgt_pt ] && fail "ktgt_pt loaded before apply"
rm -f /tmp/adm-tape.img

drive_conf() {
	cat <<CONF
HANDLER vtape {
	DEVICE v0 {
		filename /tmp/adm-tape.img
		size_mb 8
	}
}
CONF
}

drive_conf > /tmp/ktgt.conf
cat >> /tmp/ktgt.conf <<CONF

TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 v0
	}
}
CONF
out=$("$ADM" apply /tmp/ktgt.conf 2>&1) || fail "apply of the drive: $out"
host0=$(ktgt_local_host t0)
ktgt_wait_disk -g host="$host0" lun=0 > /dev/null
drive=$(ktgt_find_disk host="$host0" lun=0) || fail "no vtape device"
[ -e /sys/module/ktgt_pt ] && fail "ktgt_pt loaded without pt_tape"

drive_conf > /tmp/ktgt.conf
cat >> /tmp/ktgt.conf <<CONF

HANDLER pt_tape {
	DEVICE p0 {
		scsi_device $drive
	}
}

TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 v0
	}
	TARGET t1 {
		enabled 1
		LUN 0 p0
	}
}
CONF
out=$("$ADM" apply /tmp/ktgt.conf 2>&1) || fail "apply: $out"
log "apply: $(tail -n1 <<< "$out")"
[ -e /sys/module/ktgt_pt ] || fail "apply did not load ktgt_pt"
H=$KTGT_CFS/handlers/pt_tape/p0
expect_eq "$(cat "$H/enable")" 1 "p0 enabled"
expect_eq "$(cat "$H/scsi_device")" "$drive" "p0 scsi_device"
host1=$(ktgt_local_host t1)
sg=$(ktgt_wait_disk -g host="$host1" lun=0)
hctl=$(ktgt_find_disk host="$host1" lun=0) || fail "no pass-through device"
expect_eq "$(cat "/sys/class/scsi_device/$hctl/device/type")" 1 \
	"peripheral device type through pt_tape"
sg_inq "$sg" | grep -q 'Vendor identification: KTGT' ||
	fail "INQUIRY through the pt_tape LU: $(sg_inq "$sg")"

"$ADM" write /tmp/w.conf || fail "write"
grep -qE "^[[:space:]]*HANDLER pt_tape" /tmp/w.conf ||
	fail "written configuration lacks pt_tape: $(cat /tmp/w.conf)"
grep -qE "^[[:space:]]*scsi_device $drive\$" /tmp/w.conf ||
	fail "written configuration lacks scsi_device: $(cat /tmp/w.conf)"
grep -q block_length /tmp/w.conf &&
	fail "written configuration has block_length: $(cat /tmp/w.conf)"
out=$("$ADM" apply /tmp/w.conf 2>&1) || fail "apply written: $out"
expect_eq "$out" "/tmp/w.conf: nothing to do" "apply of the written file"
ktgt_cleanup || fail "cleanup"
pass
