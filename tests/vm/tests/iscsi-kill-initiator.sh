#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# The initiator dies mid-write: while fio writes at queue depth 32, fio
# and iscsid are killed with SIGKILL and the initiator's end of the TCP
# connection is destroyed (ss -K), as when the initiator host goes away.
# The target must drop its side of the connection; a restarted iscsid
# takes the failed session over and logs in again with the same ISID
# (the target reinstates the session), logs out, logs in anew; fio
# write+verify passes on the LUN and nothing is stuck in D state.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:killini
P4=$(iscsi_portal 127.0.0.1)
trap iscsi_cleanup EXIT
command -v fio > /dev/null || skip "fio not installed"

iscsi_tgt_setup
iscsi_tgt_mkdisk kill0 /tmp/kill0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 kill0
iscsi_tgt_enable "$IQN"
ISCSI_REPLACEMENT_TIMEOUT=5 iscsi_ini_start
iscsi_discover "$P4" > /dev/null
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)

for round in 1 2; do
	log "round $round: fio writing, then SIGKILL to fio and iscsid"
	fio --name=kill --filename="$dev" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs=64k --iodepth=32 --size=48M --time_based \
		--runtime=60 > /tmp/fio-kill.out 2>&1 &
	fio_pid=$!
	# Until fio has writes in flight (8 at once of its 32, as the
	# block layer counts them), not a fixed 5 s.
	for ((i = 0; i < 600; i++)); do
		read -r _ inflight < "/sys/block/${dev##*/}/inflight"
		[ "$inflight" -ge 8 ] && break
		sleep 0.1
	done
	[ "$inflight" -ge 8 ] ||
		fail "round $round: fio never had 8 writes in flight ($inflight)"
	log "round $round: $inflight writes in flight after $((i / 10)).$((i % 10)) s"
	kill -9 "$ISCSID_PID" $fio_pid
	ISCSID_PID=
	ss -K state established "( dport = :$ISCSI_PORT )" > /dev/null
	# ss -K destroys nothing, and says nothing, on a kernel without
	# CONFIG_INET_DIAG_DESTROY: the initiator would live on and the
	# wait below would time out with no hint of why.
	[ "$(ss -Htn state established "( dport = :$ISCSI_PORT )" | wc -l)" -eq 0 ] ||
		fail "round $round: ss -K left the initiator's TCP connection (kernel without CONFIG_INET_DIAG_DESTROY?)"
	wait $fio_pid 2>/dev/null
	log "the target must drop the dead initiator's connection"
	iscsi_tgt_wait_conns 0 60
	# The kernel session is FAILED, and FREE once replacement_timeout
	# (5 s) expires and its I/O is failed: on a slow guest the poll
	# may see only the second.
	iscsi_wait_state "$IQN" 'FAILED|FREE' 60
	iscsi_no_dstate

	log "restart iscsid, log the stale session out, log in again"
	setsid iscsid -f -d 1 >> "$ISCSI_LOG/iscsid.log" 2>&1 &
	ISCSID_PID=$!
	for ((i = 0; i < 100; i++)); do
		iscsiadm -m session > /dev/null 2>&1 && break
		sleep 0.1
	done
	# iscsid takes the kernel's failed session over and logs in again
	# with the same ISID: the target reinstates the session.
	iscsi_wait_state "$IQN" LOGGED_IN 90
	iscsi_tgt_wait_conns 1 20
	iscsi_logout "$IQN" "$P4"
	expect_eq "$(iscsi_session_count "$IQN")" 0 "sessions after logout"
	iscsi_tgt_wait_conns 0 20
	iscsi_login "$IQN" "$P4"
	dev=$(iscsi_wait_lun "$IQN" 0)
	iscsi_tgt_wait_conns 1 20
done

iscsi_fio "write+verify after the initiator died twice" "$dev" 32M
iscsi_logout "$IQN" "$P4"
iscsi_tgt_wait_conns 0 20
iscsi_no_dstate
iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
