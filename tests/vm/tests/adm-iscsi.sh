#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm with the iSCSI target driver, through the same generic model:
# a file with an iSCSI target (PORTAL, CHAP attributes of the target and
# of a group, default and group LUNs) is applied from nothing; ktgtadm
# loads ktgt_iscsi and starts ktgt-iscsid; configfs has the portal and
# the attributes; written back, the output applies as a no-op and writes
# identically; a changed portal list is applied as a portal rmdir/mkdir
# with the LUNs untouched.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
ISCSID=$KTGT_REPO/tools/ktgt-iscsid/ktgt-iscsid
[ -x "$ADM" ] || fail "no $ADM (make tools)"
[ -x "$ISCSID" ] || skip "no $ISCSID"
modinfo ktgt_iscsi > /dev/null 2>&1 || skip "no ktgt_iscsi module"
export KTGTADM_ISCSID=$ISCSID

iscsid_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = ktgt-iscsid ] && echo "${p#/proc/}"
	done
}
trap 'for p in $(iscsid_pids); do kill "$p"; done' EXIT

IQN=iqn.2026-11.org.example:adm
truncate -s 16M /tmp/i0.img || fail "truncate"
conf() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE i0 {
		filename /tmp/i0.img
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		enabled 1
		auth_user joe
		auth_secret "joes secret 1"
		PORTAL 127.0.0.1:3260
		$1
		LUN 0 i0
		GROUP hosts {
			auth_user ann
			INITIATOR iqn.1993-08.org.debian:01:*
			LUN 0 i0 {
				read_only 1
			}
		}
	}
}
CONF
}
conf "" > /tmp/i1.conf
conf "PORTAL 127.0.0.1:3261" > /tmp/i2.conf

out=$("$ADM" apply /tmp/i1.conf 2>&1) || fail "apply: $out"
echo "$out" | sed 's/^/    /'
T=$KTGT_CFS/targets/iscsi/$IQN
[ -d "$T/portals/127.0.0.1:3260" ] || fail "no portal 127.0.0.1:3260"
expect_eq "$(cat "$T/auth_user")" joe "auth_user"
expect_eq "$(cat "$T/auth_secret")" "joes secret 1" "auth_secret"
expect_eq "$(cat "$T/groups/hosts/auth_user")" ann "group auth_user"
expect_eq "$(cat "$T/enable")" 1 "target enabled"
expect_eq "$(cat "$T/groups/hosts/luns/0/read_only")" 1 "group LUN read_only"
for ((i = 0; i < 50; i++)); do
	[ -n "$(iscsid_pids)" ] && break
	sleep 0.1
done
[ -n "$(iscsid_pids)" ] || fail "ktgtadm did not start ktgt-iscsid"

"$ADM" write /tmp/w1.conf || fail "write"
sed 's/^/    /' /tmp/w1.conf
grep -q "PORTAL 127.0.0.1:3260" /tmp/w1.conf || fail "written file lacks the portal"
out=$("$ADM" apply --dry-run /tmp/w1.conf) || fail "dry-run: $out"
expect_eq "$out" "nothing to do" "dry-run of the written file"
out=$("$ADM" apply --dry-run /tmp/i1.conf) || fail "dry-run: $out"
expect_eq "$out" "nothing to do" "dry-run of the original file"
"$ADM" write /tmp/w2.conf || fail "write"
cmp /tmp/w1.conf /tmp/w2.conf || fail "written twice differently"

lun_inode=$(stat -c %i "$T/luns/0")
out=$("$ADM" apply --dry-run /tmp/i2.conf) || fail "dry-run i2: $out"
expect_eq "$out" "mkdir targets/iscsi/$IQN/portals/127.0.0.1:3261" "plan of a new portal"
out=$("$ADM" apply /tmp/i2.conf 2>&1) || fail "apply i2: $out"
[ -d "$T/portals/127.0.0.1:3261" ] || fail "no portal 127.0.0.1:3261"
out=$("$ADM" apply -v /tmp/i1.conf 2>&1) || fail "apply i1 again: $out"
echo "$out" | sed 's/^/    /'
[ -d "$T/portals/127.0.0.1:3261" ] && fail "portal 127.0.0.1:3261 not removed"
expect_eq "$(stat -c %i "$T/luns/0")" "$lun_inode" "LUN 0 was re-created"

echo "# empty" > /tmp/empty.conf
"$ADM" apply /tmp/empty.conf > /dev/null || fail "cleanup"
for p in $(iscsid_pids); do kill "$p"; done
sleep 1
ktgt_unload_all
pass
