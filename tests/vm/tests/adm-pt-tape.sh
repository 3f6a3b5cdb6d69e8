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
. "$KTGT_REPO/tests/lib/pt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	ktgt_unload_all >/dev/null 2>&1
}
trap cleanup EXIT

ktgt_initiator_load
modprobe st || fail "modprobe st"
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

pt_adm_inner drive_conf v0
pt_adm_export drive_conf v0 pt_tape p0 1
sg_inq "$PT_SG" | grep -q 'Vendor identification: KTGT' ||
	fail "INQUIRY through the pt_tape LU: $(sg_inq "$PT_SG")"

pt_adm_write_back pt_tape
grep -q block_length /tmp/w.conf &&
	fail "written configuration has block_length: $(cat /tmp/w.conf)"
ktgt_cleanup || fail "cleanup"
pass
