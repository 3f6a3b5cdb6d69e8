#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# Session reinstatement in a loop. Ten times: the target's end of
# the connection is killed (ss -K) while a reader runs, the Linux
# initiator logs in again for the same session (same ISID), and the
# data read back must be the data written before. Then ten fast
# logout/login cycles. The target must never hold more than the one
# connection, nothing may stay in D state, and at the end a logout
# leaves no connection.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:reinstate
P4=$(iscsi_portal 127.0.0.1)
LOOPS=${ISCSI_REINSTATE_LOOPS:-10}
trap iscsi_cleanup EXIT

iscsi_tgt_setup
iscsi_tgt_mkdisk re0 /tmp/re0.img 16M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 re0
iscsi_tgt_enable "$IQN"
iscsi_ini_start
iscsi_discover "$P4" > /dev/null
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
run_ok "fill $dev" dd if=/dev/urandom of="$dev" bs=1M count=8 oflag=direct status=none
sum=$(iscsi_sum "$dev" 8)

log "$LOOPS connection kills with a reader running"
for ((i = 1; i <= LOOPS; i++)); do
	dd if="$dev" of=/dev/null bs=256k iflag=direct status=none &
	rd=$!
	sleep 0.$((RANDOM % 9 + 1))
	ss -K state established "( sport = :$ISCSI_PORT )" > /dev/null
	iscsi_wait_state "$IQN" LOGGED_IN 60
	wait $rd || fail "loop $i: read failed across the reinstatement"
	[ "$(iscsi_tgt_conns)" -le 1 ] || fail "loop $i: target holds $(iscsi_tgt_conns) connections"
	expect_eq "$(iscsi_sum "$dev" 8)" "$sum" "loop $i: data after reinstatement"
done
iscsi_tgt_wait_conns 1 20
iscsi_no_dstate

log "$LOOPS logout/login cycles"
for ((i = 1; i <= LOOPS; i++)); do
	iscsi_logout "$IQN" "$P4"
	iscsi_login "$IQN" "$P4"
done
dev=$(iscsi_wait_lun "$IQN" 0)
expect_eq "$(iscsi_sum "$dev" 8)" "$sum" "data after $LOOPS relogins"
iscsi_tgt_wait_conns 1 20
expect_eq "$(iscsi_session_count "$IQN")" 1 "initiator sessions"

iscsi_logout "$IQN" "$P4"
iscsi_tgt_wait_conns 0 20
iscsi_no_dstate
iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
