#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Session reinstatement while the old session's commands are stuck in the
# backing store must hold up only that login. A raw initiator (Python)
# logs in as ISID A and leaves a READ held in nullio's delay_ms; a second
# login with ISID A (reinstatement) then waits in CONN_ADD until the old
# session is gone, which takes until the READ is released. Meanwhile a
# login of another ISID (its daemon thread asks ktgt_iscsi's generic
# netlink family for the target, then adds its connection) must be
# answered within 10 s; once the READ is released the reinstating login completes and its
# session works. Then a reinstatement whose daemon is killed while it
# waits (SIGKILL of ktgt-iscsid): the daemon dies within 5 s instead of
# hanging in the kernel until the READ is released, and a restarted one
# serves logins.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:reinstate-held
DELAY=$KTGT_CFS/handlers/vdisk_nullio/rh0/delay_ms

iscsi_tgt_setup
ktgt_mkdev vdisk_nullio/rh0 size=$((16 << 20))
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/rh0
iscsi_tgt_enable "$IQN"

cat > /tmp/reinstate.py <<'EOF'
import os, socket, sys, threading, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, DELAY, PART = sys.argv[1], sys.argv[2], sys.argv[3]
configure(IQN)


def hold_read(isid):
    """A session of isid with a READ held in delay_ms."""
    a = Conn(isid)
    a.login()
    tur_good(a, "TUR before the hold")
    with open(DELAY, "w") as f:
        f.write("60000")
    a.scsi(rw10(0x28, 0, 8), 4096, read=True)
    time.sleep(1)
    return a


def reinstate(isid, out):
    try:
        b = Conn(isid, timeout=120)
        b.login()
        out["conn"] = b
    except Exception as e:
        out["error"] = repr(e)
    out["t"] = time.time()


def release():
    with open(DELAY, "w") as f:
        f.write("0")


if PART == "wait":
    a = hold_read(0x400000000001)
    out = {}
    th = threading.Thread(target=reinstate, args=(0x400000000001, out))
    th.start()
    time.sleep(2)
    if "t" in out:
        fail("the reinstating login ended while the old session's READ is "
             "held: %r" % out)
    # Another initiator port's login, while the reinstatement waits.
    t0 = time.time()
    c = Conn(0x400000000002, timeout=10)
    try:
        c.login()
    except socket.timeout:
        fail("a login of another ISID got no answer within 10 s while a "
             "reinstatement waited for the old session's commands")
    print("other login answered in %.2f s" % (time.time() - t0))
    tur_good(c, "TUR of the other session")
    c.s.close()
    if "t" in out:
        fail("the reinstating login ended before the READ was released: %r"
             % out)
    release()
    th.join(60)
    if "conn" not in out:
        fail("the reinstating login did not complete once the READ was "
             "released: %r" % out)
    b = out["conn"]
    tur_good(b, "TUR of the reinstated session")
    print("reinstated session works")
    b.s.close()
    a.s.close()
    print("ALL OK")
elif PART == "login":
    c = Conn(0x400000000009, timeout=10)
    c.login()
    tur_good(c, "TUR of a new session")
    c.s.close()
    print("ALL OK")
elif PART == "hold":
    # Leave a held READ and a reinstating login waiting; the shell kills
    # the daemon.
    a = hold_read(0x400000000003)
    out = {}
    th = threading.Thread(target=reinstate, args=(0x400000000003, out),
                          daemon=True)
    th.start()
    print("waiting", flush=True)
    time.sleep(60)
EOF

out=$(timeout 120 python3 /tmp/reinstate.py "$IQN" "$DELAY" wait 2>&1)
rc=$?
echo "$out"
echo 0 > "$DELAY"
echo "$out" | grep -q "^ALL OK$" ||
	fail "reinstatement with a held READ (rc $rc): $(echo "$out" | tail -n 3)"

# A daemon killed while its login waits for the old session.
python3 /tmp/reinstate.py "$IQN" "$DELAY" hold > /tmp/hold.log 2>&1 &
hold=$!
for ((i = 0; i < 100; i++)); do
	grep -q waiting /tmp/hold.log && break
	sleep 0.1
done
grep -q waiting /tmp/hold.log || fail "hold: $(cat /tmp/hold.log)"
sleep 2
pid=$KTGT_ISCSID_PID
[ -n "$pid" ] || fail "no ktgt-iscsid"
kill -KILL "$pid"
# Gone: every thread has exited (the leader may wait, a zombie, for us).
gone() {
	local t n=0
	for t in /proc/"$pid"/task/*; do
		[ -e "$t/stat" ] || continue
		[ "$(cut -d' ' -f3 "$t/stat")" = Z ] || n=$((n + 1))
	done
	[ $n -eq 0 ]
}
for ((i = 0; i < 50; i++)); do
	gone && break
	sleep 0.1
done
if ! gone; then
	states=$(cat /proc/"$pid"/task/*/stat 2> /dev/null | cut -d' ' -f3 | tr '\n' ' ')
	echo 0 > "$DELAY"
	fail "ktgt-iscsid's threads still there 5 s after SIGKILL (states $states): stuck in CONN_ADD"
fi
echo 0 > "$DELAY"
wait "$pid" 2> /dev/null
KTGT_ISCSID_PID=
kill "$hold" 2> /dev/null
wait "$hold" 2> /dev/null
ktgt_iscsid_start
for ((i = 0; i < 100; i++)); do
	ss -Hltn "( sport = :3260 )" | grep -q . && break
	sleep 0.1
done
out=$(timeout 60 python3 /tmp/reinstate.py "$IQN" "$DELAY" login 2>&1)
echo "$out" | grep -q "^ALL OK$" ||
	fail "login after restarting the daemon: $(echo "$out" | tail -n 3)"
iscsi_tgt_teardown
pass "a reinstatement waiting for held commands holds up only its login"
