#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# ktgt-iscsid's connection limits (ktgt-iscsid.8, LIMITS) against
# clients that hold connections on purpose, from several loopback
# addresses (tools/ktgt-iscsid/test/iscsi-probe.py hold):
#   - with the default limits, 64 idle connections, then 64 discovery
#     sessions kept alive by NOP-Out pings, do not keep a real login (a
#     raw initiator up to the full-feature phase) out for more than a few
#     seconds: the oldest login is ended for it, and discovery sessions
#     have slots of their own (at most 16 stay open);
#   - with small limits (--login-timeout=3 --discovery-idle=3
#     --max-logins=8 --max-per-host=4): a login that sends a Login
#     Request every second, or its bytes one a second, is closed after
#     3 s (the deadline is not renewed by PDUs); a discovery session
#     that only pings is closed after 3 s idle; the connections of one
#     address beyond 4 are refused at once; and 8 slow logins do not keep
#     a real login out.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap 'kill $HOLD_PIDS 2>/dev/null; iscsi_cleanup' EXIT
probe=$KTGT_REPO/tools/ktgt-iscsid/test/iscsi-probe.py
t=iqn.2026-11.org.ktgt:limits
# Eight addresses, eight connections each: under the default share of
# one address (16), so only the global limits act.
srcs=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9
HOLD_PIDS=
dlog=$ISCSI_LOG/ktgt-iscsid.log

iscsi_tgt_setup
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mktarget "$t" 127.0.0.1
iscsi_tgt_maplun "$t" 0 d1
iscsi_tgt_enable "$t"

# hold NAME ARGS...: the probe's hold in the background, output in
# /tmp/NAME.out, once it is ready (all its connections set up).
hold() {
	local name=$1 pid i
	shift
	python3 "$probe" --target "$t" hold "$@" > "/tmp/$name.out" 2>&1 &
	pid=$!
	HOLD_PIDS="$HOLD_PIDS $pid"
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "/tmp/$name.out" && break
		kill -0 "$pid" 2>/dev/null ||
			fail "$name: $(cat "/tmp/$name.out")"
		sleep 0.1
	done
	grep -q '^ready' "/tmp/$name.out" || fail "$name: not ready in 60 s"
	log "$name: $(head -n1 "/tmp/$name.out")"
}

# unhold: end every holder (their connections close).
unhold() {
	local p
	for p in $HOLD_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOLD_PIDS=
}

# real_login WHAT SECS ISID: a raw initiator logs in to $t, up to the
# full-feature phase and a NOP-Out answered, within SECS seconds,
# retrying connections the daemon closes.
real_login() {
	local out
	out=$(python3 - "$t" "$2" "$3" <<'EOF' 2>&1
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *
configure(sys.argv[1])
bound, isid = float(sys.argv[2]), int(sys.argv[3], 0)
t0 = time.time()
tries, last = 0, ""
while True:
    tries += 1
    try:
        c = Conn(isid, timeout=max(1, bound))
        c.login()
        break
    except (OSError, EOFError) as e:
        last = str(e)
    if time.time() - t0 > bound:
        fail("no login within %g s (%d tries, last: %s)" % (bound, tries, last))
    time.sleep(0.2)
c.nop()
print("logged in after %.1f s, %d tries" % (time.time() - t0, tries))
EOF
	) || fail "$1: $out"
	log "$1: $out"
}

# closed NAME: how many of NAME's connections the target closed so far.
closed() {
	grep -c '^closed ' "/tmp/$1.out"
}

# wait_listen: until the daemon listens on 127.0.0.1:3260 again.
wait_listen() {
	local i
	for ((i = 0; i < 100; i++)); do
		ss -Hltn "( sport = :3260 )" | grep -q . && return
		sleep 0.1
	done
	fail "ktgt-iscsid does not listen after its restart"
}

log "default limits: 64 idle connections"
hold idle64 --count 64 --sources "$srcs" --mode idle --seconds 60
grep -qx 'ready 64' /tmp/idle64.out || fail "idle64: $(head -n1 /tmp/idle64.out)"
real_login "a login during 64 idle connections" 5 0x400000000001
grep -q 'too many logins in progress: ended the oldest, from 127.0.0.2' "$dlog" ||
	fail "no eviction of the oldest login logged"
unhold

log "default limits: 64 discovery sessions kept alive by NOP-Out"
hold disc64 --count 64 --sources "$srcs" --mode discovery --ping 1 --seconds 60
real_login "a login during 64 pinging discovery sessions" 5 0x400000000002
sleep 2
n=$(closed disc64)
log "discovery sessions ended: $n of 64"
[ "$n" -ge 48 ] || fail "only $n of 64 discovery sessions ended (at most 16 may stay)"
grep -q 'too many discovery sessions: ended the most idle' "$dlog" ||
	fail "no eviction of a discovery session logged"
unhold

log "small limits"
cp "$dlog" "$ISCSI_LOG/ktgt-iscsid-defaults.log"
ktgt_iscsid_stop
ktgt_iscsid_start --login-timeout=3 --discovery-idle=3 --max-logins=8 \
	--max-per-host=4
wait_listen
hold slow --count 1 --sources 127.0.0.2 --mode slow --ping 1 --seconds 12
hold dribble --count 1 --sources 127.0.0.3 --mode dribble --ping 1 --seconds 12
hold ping --count 1 --sources 127.0.0.4 --mode discovery --ping 1 --seconds 12
hold host --count 6 --sources 127.0.0.5 --mode idle --seconds 12
sleep 7
for h in slow dribble ping host; do
	log "$h: $(tr '\n' ' ' < "/tmp/$h.out")"
done
# secs NAME I: when NAME's connection I was closed (empty if open).
secs() {
	sed -n "s/^closed $2 after \([0-9.]*\) s$/\1/p" "/tmp/$1.out"
}
within() {
	awk -v s="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s != "" && s >= lo && s <= hi) }'
}
s=$(secs slow 0)
within "$s" 2.5 5.5 || fail "a login sending a PDU every second closed after '$s' s, not 3"
s=$(secs dribble 0)
within "$s" 2.5 5.5 || fail "a login sending a byte every second closed after '$s' s, not 3"
s=$(secs ping 0)
within "$s" 2.5 5.5 || fail "a discovery session pinging every second closed after '$s' s, not 3"
grep -q 'discovery session idle for 3 s: closed' "$dlog" ||
	fail "idle discovery session not logged"
n=0
for i in 0 1 2 3 4 5; do
	s=$(secs host "$i")
	if within "$s" 0 1; then
		n=$((n + 1))
	else
		within "$s" 2.5 5.5 || fail "connection $i of 127.0.0.5 closed after '$s' s"
	fi
done
expect_eq "$n" 2 "connections of 127.0.0.5 refused at once (6, 4 allowed)"
grep -q '127.0.0.5: too many connections from this address: refused' "$dlog" ||
	fail "refusal over the share of an address not logged"
unhold

hold slow8 --count 8 --sources "$srcs" --mode slow --ping 1 --seconds 12
real_login "a login during 8 slow logins (--max-logins=8)" 2 0x400000000003
unhold

kill -0 "$KTGT_ISCSID_PID" || fail "ktgt-iscsid died"
pass
