#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# CHAP through the iSCSI target: with CHAP required for the initiator,
# a login without CHAP, with a wrong secret or a wrong user name is
# refused and leaves no session; the right secret logs in and reads the
# LUN. Mutual CHAP: the right target secret logs in; an initiator that
# expects another target secret refuses the target.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:chap
INI=$ISCSI_INI_NAME
P4=$(iscsi_portal 127.0.0.1)
USER=ktgt-user SECRET=chap-secret-0123
MUSER=ktgt-target MSECRET=mutual-secret-4567
trap iscsi_cleanup EXIT

iscsi_tgt_setup
iscsi_tgt_mkdisk chap0 /tmp/chap0.img 16M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 chap0 "$INI"
iscsi_tgt_chap "$IQN" "$INI" "$USER" "$SECRET"
iscsi_tgt_enable "$IQN"
iscsi_ini_start "$INI"
iscsi_node_new "$IQN" "$P4"

# refused WHAT: the login must fail and leave no session.
refused() {
	if iscsi_try_login "$IQN" "$P4"; then
		fail "$1: login succeeded but must be refused"
	fi
	sed 's/^/    /' "$ISCSI_LOG/login.out"
	expect_eq "$(iscsi_session_count "$IQN")" 0 "$1: sessions"
	iscsi_tgt_wait_conns 0 20
}

log "no CHAP from the initiator"
iscsi_node_set "$IQN" "$P4" node.session.auth.authmethod=None
refused "login without CHAP"

log "wrong secret"
iscsi_node_chap "$IQN" "$P4" "$USER" wrong-secret-9999
refused "login with a wrong CHAP secret"

log "wrong user name"
iscsi_node_chap "$IQN" "$P4" someone-else "$SECRET"
refused "login with a wrong CHAP user"

log "right secret"
iscsi_node_chap "$IQN" "$P4" "$USER" "$SECRET"
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
run_ok "read $dev" dd if="$dev" of=/dev/null bs=1M count=4 iflag=direct status=none
iscsi_logout "$IQN" "$P4"

log "mutual CHAP"
iscsi_tgt_chap "$IQN" "$INI" "$USER" "$SECRET" "$MUSER" "$MSECRET"
iscsi_node_chap "$IQN" "$P4" "$USER" "$SECRET" "$MUSER" "$MSECRET"
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
run_ok "write $dev" dd if=/dev/urandom of="$dev" bs=1M count=4 oflag=direct status=none
iscsi_logout "$IQN" "$P4"

log "mutual CHAP, the target does not know the secret the initiator expects"
iscsi_node_chap "$IQN" "$P4" "$USER" "$SECRET" "$MUSER" other-mutual-000
refused "mutual CHAP with a wrong target secret"

log "mutual CHAP again with the right secrets"
iscsi_node_chap "$IQN" "$P4" "$USER" "$SECRET" "$MUSER" "$MSECRET"
iscsi_login "$IQN" "$P4"
iscsi_wait_lun "$IQN" 0 > /dev/null
iscsi_logout "$IQN" "$P4"

iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
