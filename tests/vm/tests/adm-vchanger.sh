#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm with a vchanger (a tape library) and its vtape drives: applied
# from nothing, ktgtadm loads ktgt_vtape for the vchanger handler (not
# "ktgt_vchanger"); the drives enable empty, the changer with its
# attributes, and mtx sees the cartridges; written back, the
# configuration has the changer's attributes and applies as a no-op,
# and from nothing (the changer after its drives, whose empty filename
# is written as ""); also after a cartridge moved into a drive (whose
# filename is then in the file, and may be written while the changer
# owns the drive because it does not change).
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
rm -rf /tmp/alib
mkdir -p /tmp/alib
[ -e /sys/module/ktgt_vtape ] && fail "ktgt_vtape loaded before apply"

cat > /tmp/ktgt.conf <<CONF
HANDLER vtape {
	DEVICE d0 {
		size_mb 16
	}
	DEVICE d1 {
		size_mb 16
	}
}

HANDLER vchanger {
	DEVICE ch0 {
		library_dir /tmp/alib
		slots 6
		ie_slots 2
		drives d0 d1
		cartridges AAA001 BBB002
	}
}

TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 ch0
		LUN 1 d0
		LUN 2 d1
	}
}
CONF

out=$("$ADM" apply /tmp/ktgt.conf 2>&1) || fail "apply: $out"
log "apply: $(tail -n1 <<< "$out")"
[ -e /sys/module/ktgt_vtape ] || fail "apply did not load ktgt_vtape"
H=$KTGT_CFS/handlers/vchanger/ch0
expect_eq "$(cat "$H/enable")" 1 "ch0 enabled"
expect_eq "$(cat "$H/drives")" "d0 d1" "drives"
expect_eq "$(cat "$H/slots")" 6 "slots"
expect_eq "$(cat "$H/ie_slots")" 2 "ie_slots"
expect_eq "$(cat "$H/cartridges")" "AAA001 BBB002" "cartridges"
host=$(ktgt_local_host t0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
mtx -f "$sg" status | grep -q "Storage Element 2:Full :VolumeTag=BBB002" ||
	fail "mtx status: $(mtx -f "$sg" status 2>&1)"

"$ADM" write /tmp/w.conf || fail "write"
for a in "library_dir /tmp/alib" "slots 6" "ie_slots 2" "drives \"d0 d1\"" \
	"cartridges \"AAA001 BBB002\""; do
	grep -qE "^[[:space:]]*$a\$" /tmp/w.conf ||
		fail "written configuration lacks '$a': $(cat /tmp/w.conf)"
done
grep -q inventory /tmp/w.conf && fail "read-only inventory written"
out=$("$ADM" apply /tmp/w.conf 2>&1) || fail "apply written: $out"
expect_eq "$out" "/tmp/w.conf: nothing to do" "apply of the written file"

log "the written file applies from nothing (changer after its drives)"
ktgt_cleanup || fail "cleanup"
out=$("$ADM" apply /tmp/w.conf 2>&1) || fail "apply written from nothing: $out"
expect_eq "$(cat "$H/enable")" 1 "ch0 enabled again"
expect_eq "$(cat "$KTGT_CFS/handlers/vtape/d0/filename")" "" "d0 empty"
sg=$(ktgt_wait_disk -g host="$(ktgt_local_host t0)" lun=0)

run_ok "mtx load 1 0" mtx -f "$sg" load 1 0
"$ADM" write /tmp/w2.conf || fail "write after load"
grep -qE "^[[:space:]]*filename /tmp/alib/AAA001.img\$" /tmp/w2.conf ||
	fail "drive 0's filename not written: $(cat /tmp/w2.conf)"
out=$("$ADM" apply /tmp/w2.conf 2>&1) || fail "apply written after load: $out"
expect_eq "$out" "/tmp/w2.conf: nothing to do" \
	"apply of the file written after a load"
ktgt_cleanup || fail "cleanup"
pass
