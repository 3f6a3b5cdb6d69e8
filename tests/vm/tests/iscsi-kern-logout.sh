#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Logout of the session (reason 0) on a session of two connections
# (MC/S), from a raw initiator: RFC 7143 11.14.1 closes the session, all
# its connections and all its commands, whichever connection carries the
# request. For a Logout on CID 1 and then, on another session, on CID 0:
# the Logout Response comes (response 0) on that connection, the target
# closes it and the other connection (EOF within 5 s), a READ held in the
# core (nullio delay_ms) on the other connection gets no response, and
# once that READ is released the session is gone from
# /sys/kernel/ktgt_iscsi/sessions/ and the core's session of the
# initiator from /sys/kernel/ktgt/sessions/. A Logout of one connection
# (reason 1) still leaves the session and its other connection working,
# and reason 0 on that last connection then ends the session.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-logout

iscsi_tgt_setup
ktgt_mkdev vdisk_nullio/klo0 size=$((16 << 20))
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/klo0
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/MaxConnections" 2
iscsi_tgt_enable "$IQN"

cat > /tmp/logout.py <<'EOF'
import os, socket, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]
configure(IQN)
ISESS = "/sys/kernel/ktgt_iscsi/sessions"
CSESS = "/sys/kernel/ktgt/sessions"
DELAY = "/sys/kernel/config/ktgt/handlers/vdisk_nullio/klo0/delay_ms"


def core_sessions():
    """The core's sessions of this initiator."""
    n = 0
    for d in os.listdir(CSESS):
        try:
            with open(os.path.join(CSESS, d, "initiator")) as f:
                n += f.read().strip() == INI
        except OSError:
            pass
    return n


def nr_conns(tsih):
    with open("%s/%d/connections" % (ISESS, tsih)) as f:
        return len(f.read().splitlines())


def wait_for(cond, secs):
    t0 = time.time()
    while time.time() - t0 < secs:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def sync_sn(dst, src):
    """CmdSN is per session: dst goes on from where src is."""
    dst.cmdsn = src.cmdsn


def mcs_session(isid):
    a = Conn(isid)
    a.login()
    tur_good(a, "TUR on CID 0")
    b = Conn(isid, tsih=a.tsih, cid=1)
    b.login()
    if b.tsih != a.tsih:
        fail("second connection got TSIH %d, expected %d" % (b.tsih, a.tsih))
    sync_sn(b, a)
    tur_good(b, "TUR on CID 1")
    sync_sn(a, b)
    if nr_conns(a.tsih) != 2:
        fail("session %d has %d connections, expected 2"
             % (a.tsih, nr_conns(a.tsih)))
    if core_sessions() != 1:
        fail("%d core sessions of %s, expected 1" % (core_sessions(), INI))
    return a, b


def until_eof(conn, secs, held):
    """Read until the target closes conn, within secs; a response for ITT
    held is a failure."""
    t0 = time.time()
    conn.s.settimeout(1)
    while time.time() - t0 < secs:
        try:
            bhs, _ = conn.recv()
        except socket.timeout:
            continue
        except (EOFError, OSError):
            return True
        op = bhs[0] & 0x3f
        if op in (0x21, 0x25) and be32(bhs, 16) == held:
            fail("CID %d: a response (opcode 0x%02x, status 0x%02x) for the"
                 " READ held when the session was logged out"
                 % (conn.cid, op, bhs[3]))
        if conn.is_ping(bhs):
            try:
                conn.answer_nop(bhs)
            except OSError:
                return True
    return False


def session_logout(isid, by):
    a, b = mcs_session(isid)
    conns = (a, b)
    lo, other = conns[by], conns[1 - by]
    tsih = a.tsih
    # A READ held in the core on the other connection.
    with open(DELAY, "w") as f:
        f.write("60000")
    sync_sn(other, lo)
    held = other.scsi(rw10(0x28, 0, 8), 4096, read=True)
    sync_sn(lo, other)
    time.sleep(0.5)
    r, _ = lo.logout(0, what="session logout on CID %d" % lo.cid)
    if r != 0:
        fail("session logout on CID %d: response %d" % (lo.cid, r))
    if not lo.closed_within(5):
        fail("CID %d still open 5 s after its session logout response"
             % lo.cid)
    if not until_eof(other, 5, held):
        fail("CID %d still open 5 s after the session was logged out on "
             "CID %d" % (other.cid, lo.cid))
    with open(DELAY, "w") as f:
        f.write("0")
    if not wait_for(lambda: not os.path.exists("%s/%d" % (ISESS, tsih)), 10):
        fail("session %d still in %s 10 s after its logout on CID %d"
             % (tsih, ISESS, lo.cid))
    if not wait_for(lambda: core_sessions() == 0, 10):
        fail("the core session of %s still there 10 s after the session "
             "logout on CID %d" % (INI, lo.cid))
    lo.s.close()
    other.s.close()
    print("session logout on CID %d of 2 OK" % lo.cid)


session_logout(0x400000000001, 1)
session_logout(0x400000000002, 0)

# Reason 1: only that connection; the session goes on with the other.
a, b = mcs_session(0x400000000003)
tsih = a.tsih
sync_sn(b, a)
r, _ = b.logout(1, what="connection logout of CID 1")
if r != 0:
    fail("connection logout of CID 1: response %d" % r)
if not b.closed_within(5):
    fail("CID 1 still open 5 s after its connection logout")
if not wait_for(lambda: nr_conns(tsih) == 1, 5):
    fail("session %d has %d connections after the logout of CID 1"
         % (tsih, nr_conns(tsih)))
a.nop()
tur_good(a, "TUR on CID 0 after the logout of CID 1")
r, _ = a.logout(0, what="session logout on the last connection")
if r != 0:
    fail("session logout on the last connection: response %d" % r)
if not a.closed_within(5):
    fail("CID 0 still open 5 s after the session logout")
if not wait_for(lambda: not os.path.exists("%s/%d" % (ISESS, tsih)), 10) or \
   not wait_for(lambda: core_sessions() == 0, 10):
    fail("session %d still there after the logout of its last connection"
         % tsih)
print("connection logout, then session logout OK")
print("ALL OK")
EOF

out=$(python3 /tmp/logout.py "$IQN" 2>&1)
echo "$out"
echo "$out" | grep -q "^ALL OK$" || fail "raw initiator: $(echo "$out" | tail -n 3)"
ktgt_iscsi_wait_no_sessions "sessions left"
iscsi_tgt_teardown
pass "session logout on any connection of an MC/S session"
