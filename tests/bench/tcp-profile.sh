#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tcp-profile.sh: a BENCH_PROFILE command for tests/bench/run-bench that
# shows where a stream over iSCSI waits. At the start and at the end of
# PROFILE_SECS it prints the target-side sockets of ports 3260-3262
# (ss -tinm: tcp_info's busy, rwnd_limited and sndbuf_limited times,
# the peer's window snd_wnd, the buffers) and the guest's per-CPU
# /proc/stat lines; then the TCP counters of the window (nstat).
# rwnd_limited growing nearly as fast as busy means the sender waits for
# the receiver's window: the initiator, for Data-In.
#
#   BENCH_PROFILE='bash $KTGT_REPO/tests/bench/tcp-profile.sh' \
#   BENCH_WORKLOADS=sr1m-qd8 BENCH_PROFILE_TARGETS='ktgt lio tgt' \
#   BENCH_TARGETS='iscsi-null:ktgt iscsi-null:lio iscsi-null:tgt' \
#   tests/bench/run-bench

secs=${PROFILE_SECS:-3}
[ "$secs" -ge 1 ] || secs=1
snap() {
	echo "== $1: target sockets (ss -tinm)"
	ss -tinmH '( sport >= :3260 and sport <= :3262 )' 2>/dev/null |
		head -n 24
	echo "== $1: CPUs (/proc/stat)"
	grep '^cpu' /proc/stat
}
export NSTAT_HISTORY=/tmp/nstat.$$
snap start
nstat -n > /dev/null 2>&1
sleep "$secs"
snap end
echo "== TCP counters (nstat, deltas over ${secs}s)"
nstat 2>/dev/null | grep -E 'Tcp(Ext)?(InSegs|OutSegs|RetransSegs|DelayedACK|TCPAutoCorking|TCPPureAcks|TCPRcvCoalesce|TCPWant|TCPToZero|TCPFromZero|TCPTimeouts)'
rm -f "$NSTAT_HISTORY"
exit 0
