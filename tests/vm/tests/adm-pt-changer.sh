#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm with a pt_changer device: a configuration of a vchanger LU (one
# vtape drive) on local target t0 (the medium changer of this test), then
# one that adds a pt_changer device passing that changer through to
# target t1: ktgtadm loads the handler's module (ktgt_pt, not
# "ktgt_pt_changer") itself; mtx sees the changer through the LU;
# written back, the configuration names the changer (scsi_device) and
# applies as a no-op.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
command -v mtx >/dev/null || skip "mtx not installed"

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	ktgt_unload_all >/dev/null 2>&1
}
trap cleanup EXIT

ktgt_initiator_load
[ -e /sys/module/ktgt_pt ] && fail "ktgt_pt loaded before apply"
rm -rf /tmp/adm-lib
mkdir -p /tmp/adm-lib

changer_conf() {
	cat <<CONF
HANDLER vtape {
	DEVICE d0 {
		size_mb 8
	}
}

HANDLER vchanger {
	DEVICE ch0 {
		library_dir /tmp/adm-lib
		slots 4
		ie_slots 1
		drives d0
		cartridges "AAA001 BBB002"
	}
}
CONF
}

changer_conf > /tmp/ktgt.conf
cat >> /tmp/ktgt.conf <<CONF

TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 ch0
	}
}
CONF
out=$("$ADM" apply /tmp/ktgt.conf 2>&1) || fail "apply of the changer: $out"
host0=$(ktgt_local_host t0)
ktgt_wait_disk -g host="$host0" lun=0 > /dev/null
changer=$(ktgt_find_disk host="$host0" lun=0) || fail "no vchanger device"
[ -e /sys/module/ktgt_pt ] && fail "ktgt_pt loaded without pt_changer"

changer_conf > /tmp/ktgt.conf
cat >> /tmp/ktgt.conf <<CONF

HANDLER pt_changer {
	DEVICE c0 {
		scsi_device $changer
	}
}

TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 ch0
	}
	TARGET t1 {
		enabled 1
		LUN 0 c0
	}
}
CONF
out=$("$ADM" apply /tmp/ktgt.conf 2>&1) || fail "apply: $out"
log "apply: $(tail -n1 <<< "$out")"
[ -e /sys/module/ktgt_pt ] || fail "apply did not load ktgt_pt"
H=$KTGT_CFS/handlers/pt_changer/c0
expect_eq "$(cat "$H/enable")" 1 "c0 enabled"
expect_eq "$(cat "$H/scsi_device")" "$changer" "c0 scsi_device"
host1=$(ktgt_local_host t1)
sg=$(ktgt_wait_disk -g host="$host1" lun=0)
hctl=$(ktgt_find_disk host="$host1" lun=0) || fail "no pass-through device"
expect_eq "$(cat "/sys/class/scsi_device/$hctl/device/type")" 8 \
	"peripheral device type through pt_changer"
mtx -f "$sg" status >/dev/null 2>&1	# past the LU's unit attention
mtx -f "$sg" status 2>&1 | grep -q "Storage Element 2:Full :VolumeTag *= *BBB002" ||
	fail "mtx status through the pt_changer LU: $(mtx -f "$sg" status 2>&1)"

"$ADM" write /tmp/w.conf || fail "write"
grep -qE "^[[:space:]]*HANDLER pt_changer" /tmp/w.conf ||
	fail "written configuration lacks pt_changer: $(cat /tmp/w.conf)"
grep -qE "^[[:space:]]*scsi_device $changer\$" /tmp/w.conf ||
	fail "written configuration lacks scsi_device: $(cat /tmp/w.conf)"
out=$("$ADM" apply /tmp/w.conf 2>&1) || fail "apply written: $out"
expect_eq "$out" "/tmp/w.conf: nothing to do" "apply of the written file"
ktgt_cleanup || fail "cleanup"
pass
