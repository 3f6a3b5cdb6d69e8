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
. "$KTGT_REPO/tests/lib/pt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
command -v mtx >/dev/null || skip "mtx not installed"

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	ktgt_unload_all >/dev/null 2>&1
}
trap cleanup EXIT

ktgt_initiator_load
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

pt_adm_inner changer_conf ch0
pt_adm_export changer_conf ch0 pt_changer c0 8
mtx -f "$PT_SG" status >/dev/null 2>&1	# past the LU's unit attention
mtx -f "$PT_SG" status 2>&1 | grep -q "Storage Element 2:Full :VolumeTag *= *BBB002" ||
	fail "mtx status through the pt_changer LU: $(mtx -f "$PT_SG" status 2>&1)"

pt_adm_write_back pt_changer
ktgt_cleanup || fail "cleanup"
pass
