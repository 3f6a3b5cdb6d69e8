#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# perf-profile.sh: a BENCH_PROFILE command for tests/bench/run-bench.
# Samples every CPU of the guest (cpu-clock: TCG has no PMU) with call
# graphs for PROFILE_SECS seconds, then writes to stdout the TCP counters
# of that window (nstat), the target sockets' state (ss -ti) and the flat
# profile (by symbol, self time), and the callers of the top symbols to
# $PROFILE_OUT.callers. perf is the host's, seen over 9p.
#
#   BENCH_PROFILE='bash $KTGT_REPO/tests/bench/perf-profile.sh' \
#   BENCH_TARGETS='local-null:ktgt local-null:lio' \
#   BENCH_PROFILE_TARGETS='ktgt lio' tests/bench/run-bench

secs=${PROFILE_SECS:-3}
[ "$secs" -ge 1 ] || secs=1
data=$(mktemp /tmp/perf.XXXXXX)
# TCP counters over the same window (delayed ACKs, autocorking, ...).
export NSTAT_HISTORY=/tmp/nstat.$$
nstat -n > /dev/null 2>&1
if ! perf record -q -a -g -e cpu-clock -F 499 -o "$data" -- sleep "$secs" \
	> /dev/null 2>&1; then
	echo "perf record failed"
	exit 0
fi
echo "== TCP counters (nstat, deltas over ${secs}s)"
nstat 2>/dev/null | grep -E 'Tcp(Ext)?(InSegs|OutSegs|RetransSegs|DelayedACK|TCPAutoCorking|TCPPureAcks|TCPHPAcks|TCPBacklog|TCPRcvCoalesce|TCPOFOQueue|TCPWant|TCPTimeouts|TCPDelivered|TCPToZero|TCPFromZero)'
rm -f "$NSTAT_HISTORY"
echo "== sockets of ports 3260-3262"
ss -tinH '( sport >= :3260 and sport <= :3262 )' 2>/dev/null | head -n 12
echo "== perf: self time by symbol"
perf report -i "$data" --stdio --no-children --sort sym -g none \
	--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 60
perf report -i "$data" --stdio --no-children --sort sym \
	-g caller,0.5,callee --percent-limit 3 2>/dev/null |
	grep -v '^#' | head -n 400 > "${PROFILE_OUT:-/tmp/perf}.callers"
rm -f "$data"
