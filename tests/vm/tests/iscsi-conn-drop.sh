#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# TCP connections dropped under load: while fio passes write and verify
# at queue depth 32 back to back, the connection is killed (ss -K) four
# times, alternately at the target's and the initiator's end. The
# initiator must recover each time (a new login, the session LOGGED_IN
# again), fio must finish without an I/O error or a verify mismatch, a
# verify-only pass must find every block, nothing may stay in D state
# and the target must end with exactly the sessions' connections.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:drop
P4=$(iscsi_portal 127.0.0.1)
trap iscsi_cleanup EXIT

iscsi_tgt_setup
iscsi_tgt_mkdisk drop0 /tmp/drop0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1 ::1
iscsi_tgt_maplun "$IQN" 0 drop0
iscsi_tgt_enable "$IQN"
iscsi_ini_start
iscsi_discover "$P4" > /dev/null
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)

log "fio under connection drops"
command -v fio > /dev/null || skip "fio not installed"
# fio write+verify passes back to back until told to stop, so that every
# drop hits I/O in flight; each pass must succeed.
rm -f /tmp/fio-drop.stop /tmp/fio-drop.fail
(
	n=0
	while [ ! -e /tmp/fio-drop.stop ]; do
		n=$((n + 1))
		fio --name=drop --filename="$dev" --ioengine=libaio --direct=1 \
			--rw=randwrite --bsrange=4k-128k --iodepth=32 --size=48M \
			--verify=crc32c --verify_fatal=1 --randrepeat=1 \
			--randseed=$n --group_reporting > /tmp/fio-drop.out 2>&1
		rc=$?
		if [ $rc -ne 0 ] || ! grep -q 'err= 0' /tmp/fio-drop.out; then
			echo "pass $n: rc=$rc" > /tmp/fio-drop.fail
			cat /tmp/fio-drop.out >> /tmp/fio-drop.fail
			break
		fi
		echo $n > /tmp/fio-drop.passes
	done
) &
fio_loop=$!

# kill_conn SIDE: kill the connection at the target's (sport 3260) or
# the initiator's (dport 3260) end.
kill_conn() {
	local f
	[ "$1" = target ] && f="sport = :$ISCSI_PORT" || f="dport = :$ISCSI_PORT"
	ss -K state established "( $f )" > /dev/null || fail "ss -K $f"
}

for side in target initiator target initiator; do
	sleep 3
	[ -e /tmp/fio-drop.fail ] && break
	log "killing the connection at the $side's end"
	kill_conn "$side"
	# The session recovers with a new connection.
	iscsi_wait_state "$IQN" LOGGED_IN 60
	iscsi_tgt_wait_conns 1 60
done
touch /tmp/fio-drop.stop
wait $fio_loop
if [ -e /tmp/fio-drop.fail ]; then
	tail -n 30 /tmp/fio-drop.fail
	fail "fio failed across connection drops"
fi
log "$(cat /tmp/fio-drop.passes 2>/dev/null || echo 0) fio passes across 4 drops, no error"
[ "$(cat /tmp/fio-drop.passes 2>/dev/null || echo 0)" -ge 1 ] || fail "no fio pass completed"
iscsi_no_dstate
iscsi_fio "verify-only of the last pass" "$dev" 48M --randseed="$(cat /tmp/fio-drop.passes)" --verify_only

log "drop while idle, then I/O"
kill_conn target
iscsi_wait_state "$IQN" LOGGED_IN 60
iscsi_fio "write+verify after an idle drop" "$dev" 16M --randseed=5
expect_eq "$(iscsi_session_count "$IQN")" 1 "initiator sessions"
iscsi_tgt_wait_conns 1 10

iscsi_logout "$IQN" "$P4"
iscsi_tgt_wait_conns 0 20
iscsi_no_dstate
iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
