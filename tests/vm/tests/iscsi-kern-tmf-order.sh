#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# The order of task management functions against the commands of their
# session, from a raw initiator (tests/lib/iscsi_raw.py), on sessions of
# one and of two connections (MC/S), with nullio's READs held in the core
# (delay_ms) so that a TMF finds them there.
#
# CmdSN order: a non-immediate LUN RESET covers the commands before it
# in CmdSN order, never one after it (RFC 7143 3.2.2.1: commands reach
# SCSI in CmdSN order across the session), although the core runs the
# reset later, on its workqueue. On one connection: a TUR at ExpCmdSN
# (which takes the last round's unit attention), a LUN RESET and a READ
# at the next CmdSNs, in one TCP segment. On two: the
# LUN RESET is held on connection 2 at ExpCmdSN + 1, then connection 1
# sends a TUR at ExpCmdSN (which lets the reset run) and a READ at
# ExpCmdSN + 2 in one segment, so that connection 1's receive thread
# takes the READ while the reset is being handed on. Each of 8 rounds:
# the READ must get a status (GOOD, or the reset's unit attention) once
# the reset is answered and the delay released; it used to be aborted by
# the reset, silently.
#
# Response fence across connections: connection 1's transmit thread is
# blocked in an 8 MiB READ the initiator does not read yet, a READ behind
# it completes and its status is queued; an ABORT TASK of that READ
# on connection 2 must not be answered ("Task does not exist") before
# that status is sent (RFC 7143 4.2.2.3, 4.2.3.3: the responses of the
# affected tasks come before the TMF response), that is not while
# connection 1 is not read; it is answered once it is.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-tmf-order
DELAY=$KTGT_CFS/handlers/vdisk_nullio/kto0/delay_ms

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/kto0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/kto0
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/MaxConnections" 2
iscsi_tgt_enable "$IQN"

cat > /tmp/tmf-order.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, DELAY = sys.argv[1], sys.argv[2]
configure(IQN)
ROUNDS = 8
errs = []


def err(msg):
    print("ERROR: " + msg, flush=True)
    errs.append(msg)


def delay(ms):
    with open(DELAY, "w") as f:
        f.write("%d\n" % ms)


class Batch:
    """Collects what a Conn sends, to send it in one segment."""
    def __init__(self, conn):
        self.conn, self.sock, self.buf = conn, conn.s, b""

    def sendall(self, b):
        self.buf += b

    def __enter__(self):
        self.conn.s = self
        return self

    def __exit__(self, *a):
        self.conn.s = self.sock
        self.sock.sendall(self.buf)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def final(c, itts, secs):
    """{ITT: (opcode, response byte, status byte)} of the final responses
    (SCSI Response, Data-In with status, TMF response) c receives for
    itts within secs seconds, until all came. Those for other ITTs are
    kept in c.finals for a later call: on one connection the READ after
    the LUN RESET may be answered before the reset is (the reset does
    not cover it, and it gets the reset's unit attention at once if the
    reset ran first)."""
    if not hasattr(c, "finals"):
        c.finals = {}
    kept = c.finals
    got = {i: kept.pop(i) for i in itts if i in kept}
    t0 = time.time()
    while len(got) < len(itts):
        left = secs - (time.time() - t0)
        if left <= 0:
            break
        p = wait_pdu(c, left, "")
        if p is None:
            break
        bhs, _ = p
        op, itt = bhs[0] & 0x3f, be32(bhs, 16)
        if op in (0x21, 0x22) or (op == 0x25 and bhs[1] & 1):
            if itt in itts:
                got[itt] = (op, bhs[2], bhs[3])
            else:
                kept[itt] = (op, bhs[2], bhs[3])
    return got


def round_(what, c_tmf, c_cmd, e, mcs):
    """One round: returns None or the error."""
    delay(8000)
    if mcs:
        # Held on connection 2 until connection 1 fills ExpCmdSN.
        t = c_tmf.tmf_send(5, immediate=False, cmdsn=e + 1)
        time.sleep(0.2)
        with Batch(c_cmd):
            c_cmd.scsi(tur, 0, cmdsn=e)
            r = c_cmd.scsi(rw10(0x28, 0, 8), 4096, read=True, cmdsn=e + 2)
    else:
        with Batch(c_cmd):
            c_cmd.scsi(tur, 0, cmdsn=e)
            t = c_cmd.tmf_send(5, immediate=False, cmdsn=e + 1)
            r = c_cmd.scsi(rw10(0x28, 0, 8), 4096, read=True, cmdsn=e + 2)
    tr = final(c_tmf, [t], 20)
    if r in getattr(c_cmd, "finals", {}):
        print("%s: the READ was answered before the LUN RESET" % what,
              flush=True)
    delay(0)
    rr = final(c_cmd, [r], 10)
    if t not in tr:
        return "%s: no LUN RESET response within 20 s" % what
    if tr[t][1] != 0:
        return "%s: LUN RESET response %d" % (what, tr[t][1])
    if r not in rr:
        return ("%s: the READ at the CmdSN after the LUN RESET got no "
                "status: the reset aborted a command that came after it"
                % what)
    if rr[r][2] not in (0, 2):
        return "%s: the READ after the LUN RESET: status %d" % (what,
                                                                rr[r][2])
    return None


def cmdsn_order(mcs):
    what = "LUN RESET and the READ after it, " + \
        ("two connections" if mcs else "one connection")
    c1 = Conn(0x400000000700 + mcs)
    c1.login()
    tur_good(c1, what + ": TUR")
    c2 = None
    if mcs:
        c2 = Conn(c1.isid, tsih=c1.tsih, cid=1)
        c2.login()
        c2.nop()
    e = c1.cmdsn
    bad = 0
    for i in range(ROUNDS):
        m = round_("%s, round %d" % (what, i + 1), c2 or c1, c1, e, mcs)
        e += 3
        if m:
            err(m)
            bad += 1
            break
    delay(0)
    c1.s.close()
    if c2:
        c2.s.close()
    print("%s: %d bad round(s) of %d" % (what, bad, i + 1), flush=True)


def fence_mcs():
    what = "ABORT TASK on connection 2 of a READ of connection 1"
    delay(0)
    c1 = Conn(0x400000000710, rcvbuf=65536)
    c1.login()
    tur_good(c1, what + ": TUR")
    c2 = Conn(c1.isid, tsih=c1.tsih, cid=1)
    c2.login()
    c2.nop()
    big = c1.scsi(rw10(0x28, 0, 16384), 8 << 20, read=True)
    time.sleep(2)
    b_sn = c1.cmdsn
    b = c1.scsi(rw10(0x28, 8, 8), 4096, read=True)
    time.sleep(1)
    t = c2.tmf_send(1, rtt=b, refcmdsn=b_sn)
    early = final(c2, [t], 3)
    if early:
        err("%s, whose status was queued behind an 8 MiB READ: answered "
            "(response %d) before that status was sent" % (what, early[t][1]))
    got = final(c1, [big, b], 60)
    if big not in got or b not in got:
        err("%s: connection 1 got %r" % (what, got))
    if not early:
        late = final(c2, [t], 20)
        if t not in late:
            err("%s: no TMF response within 20 s once the status was sent"
                % what)
        elif late[t][1] not in (0, 1):
            err("%s: TMF response %d" % (what, late[t][1]))
    c2.nop()
    c1.s.close()
    c2.s.close()
    print("%s done" % what, flush=True)


fence_mcs()
cmdsn_order(False)
cmdsn_order(True)
if errs:
    fail("%d error(s) (ERROR lines above), the first: %s"
         % (len(errs), errs[0]))
print("ALL OK")
EOF

out=$(python3 /tmp/tmf-order.py "$IQN" "$DELAY" 2>&1)
echo "$out"
echo "$out" | grep -q "^ALL OK$" || fail "raw initiator: $(echo "$out" | tail -n 1)"
for ((i = 0; i < 50; i++)); do
	[ -z "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] && break
	sleep 0.2
done
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "" "sessions left"
iscsi_tgt_teardown
pass "TMF order against the commands of its session, one and two connections"
