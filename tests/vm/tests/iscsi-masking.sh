#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Two initiator names, two sessions to one target at the same time, each
# seeing its own LUN set: initiator A sees disk a0 as LUN 0; initiator B
# sees b0 as LUN 0 and b1 as LUN 3. A third initiator name, for which
# the target has no LUNs, is refused. Data written through A's LUN 0 is
# not visible through B's LUN 0.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:masking
INI_A=iqn.2026-11.org.ktgt:ini-a
INI_B=iqn.2026-11.org.ktgt:ini-b
INI_C=iqn.2026-11.org.ktgt:ini-c
P4=$(iscsi_portal 127.0.0.1)
P6=$(iscsi_portal ::1)
trap iscsi_cleanup EXIT

iscsi_tgt_setup
iscsi_tgt_mkdisk a0 /tmp/a0.img 16M
iscsi_tgt_mkdisk b0 /tmp/b0.img 24M
iscsi_tgt_mkdisk b1 /tmp/b1.img 32M
iscsi_tgt_mktarget "$IQN" 127.0.0.1 ::1
iscsi_tgt_maplun "$IQN" 0 a0 "$INI_A"
iscsi_tgt_maplun "$IQN" 0 b0 "$INI_B"
iscsi_tgt_maplun "$IQN" 3 b1 "$INI_B"
iscsi_tgt_enable "$IQN"

iscsi_ini_start "$INI_A"
iscsi_ini_iface ifb "$INI_B"

log "discovery as each initiator"
iscsi_discover "$P4" default | grep -q "$IQN" || fail "A does not discover $IQN"
iscsi_discover "$P6" ifb | grep -q "$IQN" || fail "B does not discover $IQN"
# Discovery replaces the records of other ifaces: make them afresh.
iscsiadm -m node -o delete > /dev/null 2>&1
iscsi_node_new "$IQN" "$P4" default
iscsi_node_new "$IQN" "$P6" ifb

log "login as A (IPv4) and as B (IPv6)"
iscsi_login "$IQN" "$P4" default
iscsi_login "$IQN" "$P6" ifb
da=$(iscsi_wait_lun "$IQN" 0 "$INI_A")
db0=$(iscsi_wait_lun "$IQN" 0 "$INI_B")
db3=$(iscsi_wait_lun "$IQN" 3 "$INI_B")
expect_eq "$(iscsi_session_count "$IQN")" 2 "sessions"
expect_eq "$(iscsi_luns "$IQN" "$INI_A")" "0" "LUNs of A"
expect_eq "$(iscsi_luns "$IQN" "$INI_B")" "0 3" "LUNs of B"
expect_eq "$(blockdev --getsize64 "$da")" $((16 << 20)) "size of A's LUN 0"
expect_eq "$(blockdev --getsize64 "$db0")" $((24 << 20)) "size of B's LUN 0"
expect_eq "$(blockdev --getsize64 "$db3")" $((32 << 20)) "size of B's LUN 3"
for d in "$da:a0" "$db0:b0" "$db3:b1"; do
	sn=$(sg_vpd --page=sn "${d%%:*}" 2>&1 | sed -n 's/.*[Ss]erial number: *//p' | ktgt_trim)
	expect_eq "$sn" "${d#*:}" "unit serial number (VPD 80h) of ${d%%:*}"
done

log "writes through A do not show through B"
head -c 1M /dev/urandom > /tmp/pat
dd if=/tmp/pat of="$da" bs=1M count=1 oflag=direct status=none || fail "write A"
dd if=/tmp/pat of="$db3" bs=1M count=1 oflag=direct status=none || fail "write B LUN 3"
expect_eq "$(iscsi_sum "$da" 1)" "$(sha256sum < /tmp/pat | cut -d' ' -f1)" "A's LUN 0 readback"
[ "$(iscsi_sum "$db0" 1)" = "$(iscsi_sum "$da" 1)" ] && fail "B's LUN 0 shows A's data"

log "initiator C has no LUNs: refused (libiscsi's iscsi-inq as C)"
if iscsi-inq -i "$INI_C" "iscsi://127.0.0.1/$IQN/0" > /tmp/inq-c.out 2>&1; then
	fail "initiator C logged in without any LUN for it"
fi
sed 's/^/    /' /tmp/inq-c.out
iscsi-inq -i "$INI_B" "iscsi://127.0.0.1/$IQN/3" > /tmp/inq-b.out 2>&1 ||
	fail "iscsi-inq as B failed: $(cat /tmp/inq-b.out)"
expect_eq "$(iscsi_session_count "$IQN")" 2 "sessions after C's refused login"

log "logout: each session's devices are deleted first, only its own"
iscsi_ini_del_devs "$IQN" "$P6" ifb
[ -e "$db0" ] || [ -e "$db3" ] && fail "B's devices remain after iscsi_ini_del_devs"
[ -b "$da" ] || fail "A's device went with B's"
expect_eq "$(iscsi_session_count "$IQN")" 2 "sessions after deleting B's devices"
iscsi_logout "$IQN" "$P4" default
[ -e "$da" ] && fail "A's device remains after its logout"
iscsi_logout "$IQN" "$P6" ifb
iscsi_tgt_wait_conns 0 20
iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
