#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# The Linux initiator (open-iscsi) against the iSCSI target on loopback:
# SendTargets discovery at 127.0.0.1 and ::1 lists the target with both
# portals and not a disabled one; a login to an unknown target name is
# refused; login over IPv4, mkfs.ext4 + e2fsck + checksums of a file
# tree (ktgt_fs_roundtrip); logout leaves the target with no connection;
# relogin over IPv6 reads the same bytes; logout, relogin over IPv4 and
# the file system is still clean.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:login
OFF=iqn.2026-11.org.ktgt:disabled
P4=$(iscsi_portal 127.0.0.1)
P6=$(iscsi_portal ::1)
trap iscsi_cleanup EXIT

iscsi_tgt_setup
iscsi_tgt_mkdisk login0 /tmp/login0.img 96M
iscsi_tgt_mkdisk off0 /tmp/off0.img 8M
iscsi_tgt_mktarget "$IQN" 127.0.0.1 ::1
iscsi_tgt_maplun "$IQN" 0 login0
iscsi_tgt_enable "$IQN"
iscsi_tgt_mktarget "$OFF" 127.0.0.1 ::1
iscsi_tgt_maplun "$OFF" 0 off0
iscsi_ini_start

for p in "$P4" "$P6"; do
	log "discovery at $p"
	out=$(iscsi_discover "$p")
	echo "$out" | sed 's/^/    /'
	grep -q "^$P4,[0-9]* $IQN\$" <<< "$out" || fail "discovery at $p: no $P4 portal for $IQN"
	grep -q "^\[::1\]:$ISCSI_PORT,[0-9]* $IQN\$" <<< "$out" ||
		fail "discovery at $p: no [::1] portal for $IQN"
	grep -q "$OFF" <<< "$out" && fail "discovery at $p lists the disabled target $OFF"
done

log "login to an unknown target name is refused"
iscsi_node_new iqn.2026-11.org.ktgt:nosuchtarget "$P4"
if iscsi_try_login iqn.2026-11.org.ktgt:nosuchtarget "$P4"; then
	fail "login to a target that does not exist succeeded"
fi
sed 's/^/    /' "$ISCSI_LOG/login.out"
iscsiadm -m node -T iqn.2026-11.org.ktgt:nosuchtarget -o delete > /dev/null 2>&1

log "login over IPv4"
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
expect_eq "$(iscsi_tgt_conns)" 1 "target connections"
[ "$(blockdev --getsize64 "$dev")" -eq $((96 << 20)) ] ||
	fail "$dev has $(blockdev --getsize64 "$dev") bytes, not 96 MiB"
ktgt_fs_roundtrip "$dev" /mnt/iscsi
sum=$(iscsi_sum "$dev" 32)
iscsi_logout "$IQN" "$P4"
expect_eq "$(iscsi_session_count "$IQN")" 0 "sessions after logout"
iscsi_tgt_wait_conns 0 10

log "relogin over IPv6"
iscsi_login "$IQN" "$P6"
dev=$(iscsi_wait_lun "$IQN" 0)
expect_eq "$(iscsi_sum "$dev" 32)" "$sum" "checksum of the first 32 MiB over IPv6"
iscsi_logout "$IQN" "$P6"
iscsi_tgt_wait_conns 0 10

log "relogin over IPv4"
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
run_ok "e2fsck -fn $dev after relogin" e2fsck -fn "$dev"
iscsi_logout "$IQN" "$P4"
iscsi_tgt_wait_conns 0 10

iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
