#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# CmdSN order of the PDUs other than SCSI Commands (RFC 7143 3.2.2.1,
# 4.2.2.1): a non-immediate NOP-Out, Task Management Function, Text or
# Logout Request carries a CmdSN, takes its turn after the commands
# before it and consumes its CmdSN. A raw initiator (the Python program
# below, on tests/lib/iscsi_raw.py) sends each of them at ExpCmdSN + 1,
# checks that it is not answered for 2 s, then sends the SCSI command at
# ExpCmdSN and checks, within 10 s: a NOP-Out's NOP-In comes after the
# gap is filled and carries an ExpCmdSN past both; a LUN RESET is
# answered after the command, which does not see the reset's unit
# attention; a Text Request (SendTargets) is answered; a Logout closing
# the connection is answered after the command's response, then the
# connection closes. After each, a command at the next CmdSN must run
# (ExpCmdSN passed the request's CmdSN). Also: ABORT TASK whose RefCmdSN
# names a held NOP-Out answers "Function complete" and the NOP-Out still
# runs in its turn; a second PDU at a CmdSN already held (NOP-Out after
# NOP-Out, SCSI Command after NOP-Out, NOP-Out after SCSI Command) is
# dropped; on an MC/S session, a NOP-Out, a Text Request and a Logout
# held on connection 2 are answered on connection 2 once connection 1
# fills the gap before each; when connection 2 is logged out with PDUs
# held past a gap, their CmdSNs count once connection 1 fills it; sessions
# closed with requests still held go away. Every case runs in its own session, and the failures of all
# cases are reported together.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-sn

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/ksn0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/ksn0
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/MaxConnections" 2
iscsi_tgt_enable "$IQN"

cat > /tmp/sn.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]
configure(IQN)
QUIET = 2       # seconds a held request must stay unanswered
WAIT = 10       # seconds for the answers once the gap is filled
errs = []
next_isid = [0x400000000500]


def err(msg):
    print("ERROR: " + msg, flush=True)
    errs.append(msg)


def session():
    """A new session, past its unit attention, synchronised (ExpCmdSN
    == the next CmdSN)."""
    next_isid[0] += 1
    c = Conn(next_isid[0])
    c.login()
    tur_good(c, "TUR")
    c.nop()
    if c.expcmdsn != c.cmdsn:
        fail("ExpCmdSN %d, expected %d" % (c.expcmdsn, c.cmdsn))
    return c


def pdus(c, secs, done=None):
    """The PDUs (opcode, ITT, BHS, data) c receives within secs seconds,
    until done(list) holds; "EOF" once the connection is closed."""
    out = []
    t0 = time.time()
    while not (done and done(out)):
        left = secs - (time.time() - t0)
        if left <= 0:
            break
        try:
            p = wait_pdu(c, left, "")
        except (EOFError, ConnectionResetError):
            out.append("EOF")
            break
        if p is None:
            break
        bhs, data = p
        out.append((bhs[0] & 0x3f, be32(bhs, 16), bhs, data))
    return out


def find(out, itt, op):
    """The index in out of the PDU of opcode op for itt, or None."""
    for i, p in enumerate(out):
        if p != "EOF" and p[0] == op and p[1] == itt:
            return i
    return None


def show(out):
    return ", ".join("EOF" if p == "EOF" else "opcode 0x%02x ITT 0x%x" %
                     (p[0], p[1]) for p in out) or "nothing"


def expcmdsn(p):
    return be32(p[2], 28)


def answered(c, pairs, secs=WAIT):
    """PDUs until each (ITT, opcode) of pairs came (or the connection
    closed, or secs passed)."""
    return pdus(c, secs, lambda o: "EOF" in o or
                all(find(o, i, op) is not None for i, op in pairs))


def next_runs(c, sn, what):
    """A TEST UNIT READY at CmdSN sn (the one after the request's) must
    be answered: ExpCmdSN went past the request. Returns its status."""
    try:
        t = c.scsi(tur, 0, cmdsn=sn)
        out = answered(c, [(t, 0x21)])
    except (BrokenPipeError, ConnectionResetError):
        out = ["EOF"]
    i = find(out, t, 0x21)
    if i is None:
        err("%s: the TEST UNIT READY at the next CmdSN %d got no response "
            "within %d s (%s; last ExpCmdSN seen %d): ExpCmdSN stopped at "
            "the request's CmdSN, which was never counted"
            % (what, sn, WAIT, show(out), c.expcmdsn))
        return None
    return out[i][2][3]


def sense_of(p):
    d = p[3]
    return (d[4] & 0xf, d[14], d[15]) if len(d) >= 16 else None


def held_case(what, send, op, check=None):
    """send(c, cmdsn) sends a non-immediate request of answer opcode op at
    ExpCmdSN + 1 and returns its ITT: unanswered for QUIET s, answered
    (check(c, out, idx)) once a TUR fills the gap, after the TUR; then
    the next CmdSN runs."""
    c = session()
    e = c.cmdsn
    try:
        r = send(c, e + 1)
        early = pdus(c, QUIET)
        if early:
            err("%s at CmdSN %d (ExpCmdSN %d): answered before the gap was "
                "filled (%s)" % (what, e + 1, e, show(early)))
        t = c.scsi(tur, 0, cmdsn=e)
        out = early + answered(c, [(t, 0x21), (r, op)])
    except (BrokenPipeError, ConnectionResetError):
        err("%s: the connection closed before the command at ExpCmdSN %d "
            "was sent" % (what, e))
        c.s.close()
        return
    ti, ri = find(out, t, 0x21), find(out, r, op)
    if ti is None:
        err("%s: no response to the TUR at ExpCmdSN %d filling the gap "
            "within %d s (%s)" % (what, e, WAIT, show(out)))
    elif out[ti][2][3] != 0:
        err("%s: the TUR at CmdSN %d, before the request, got status %d "
            "sense %r: the request ran first"
            % (what, e, out[ti][2][3], sense_of(out[ti])))
    if ri is None:
        err("%s: no answer (opcode 0x%02x) within %d s after the gap was "
            "filled (%s)" % (what, op, WAIT, show(out)))
    elif ti is not None and ri < ti:
        err("%s: answered before the TUR at CmdSN %d before it"
            % (what, e))
    if ri is not None and expcmdsn(out[ri]) != e + 2:
        err("%s: its answer carries ExpCmdSN %d, expected %d (past the "
            "TUR and the request)" % (what, expcmdsn(out[ri]), e + 2))
    if check:
        check(c, out, ri, e)
    elif ri is not None or "EOF" not in out:
        next_runs(c, e + 2, what)
    c.s.close()


# A NOP-Out ping at ExpCmdSN + 1.
held_case("non-immediate NOP-Out",
          lambda c, sn: c.nop_send(b"held ping", immediate=False, cmdsn=sn),
          0x20)


# A LUN RESET at ExpCmdSN + 1: the TUR before it must not see the reset;
# the TUR after it does (unit attention, reset occurred).
def after_reset(c, out, ri, e):
    if ri is not None and out[ri][2][2] != 0:
        err("non-immediate LUN RESET: response %d, expected 0"
            % out[ri][2][2])
    st = next_runs(c, e + 2, "non-immediate LUN RESET")
    if st is not None and st != 2:
        err("non-immediate LUN RESET: the TUR after it got status %d, "
            "expected the reset's unit attention" % st)


held_case("non-immediate LUN RESET",
          lambda c, sn: c.tmf_send(5, immediate=False, cmdsn=sn), 0x22,
          after_reset)


# A Text Request (SendTargets=All) at ExpCmdSN + 1.
def text_answer(c, out, ri, e):
    if ri is not None and ("TargetName=" + IQN).encode() not in out[ri][3]:
        err("non-immediate Text Request: answer %r" % out[ri][3][:80])
    next_runs(c, e + 2, "non-immediate Text Request")


held_case("non-immediate Text Request",
          lambda c, sn: c.text_send(b"SendTargets=All\0", immediate=False,
                                    cmdsn=sn), 0x24, text_answer)


# A Logout closing the connection at ExpCmdSN + 1: answered after the
# TUR at ExpCmdSN, then the connection closes.
def logged_out(c, out, ri, e):
    if ri is not None and out[ri][2][2] != 0:
        err("non-immediate Logout: response %d" % out[ri][2][2])
    if "EOF" not in out:
        out += pdus(c, WAIT, lambda o: "EOF" in o)
    if "EOF" not in out:
        err("non-immediate Logout: the connection stayed open")


held_case("non-immediate Logout",
          lambda c, sn: c.logout_send(1, immediate=False, cmdsn=sn), 0x26,
          logged_out)
print("held NOP-Out, TMF, Text, Logout done", flush=True)

# ABORT TASK whose RefCmdSN names a held NOP-Out (11.5.1 b: the CmdSN is
# in the window, below the TMF's; no task has that tag): "Function
# complete", and the NOP-Out runs once the gap is filled.
what = "ABORT TASK naming a held NOP-Out"
c = session()
e = c.cmdsn
n = c.nop_send(b"named", immediate=False, cmdsn=e + 1)
m = c.tmf_send(1, 0, n, e + 1, cmdsn=e + 2)
out = answered(c, [(m, 0x22)])
mi = find(out, m, 0x22)
if mi is None:
    err("%s: no TMF response within %d s (%s)" % (what, WAIT, show(out)))
elif out[mi][2][2] != 0:
    err("%s: response %d, expected 0 (Function complete)"
        % (what, out[mi][2][2]))
if find(out, n, 0x20) is not None:
    err("%s: the NOP-Out was answered before the gap was filled" % what)
t = c.scsi(tur, 0, cmdsn=e)
out += answered(c, [(t, 0x21), (n, 0x20)])
if find(out, n, 0x20) is None or find(out, t, 0x21) is None:
    err("%s: once the gap was filled, %s, expected the TUR's response and "
        "the NOP-In" % (what, show(out)))
next_runs(c, e + 2, what)
c.s.close()

# Duplicates: a second PDU at a CmdSN held is dropped.
for what, first, second, op1, op2 in (
        ("a NOP-Out at the CmdSN of a held NOP-Out",
         lambda c, sn: c.nop_send(b"first", immediate=False, cmdsn=sn),
         lambda c, sn: c.nop_send(b"second", immediate=False, cmdsn=sn),
         0x20, 0x20),
        ("a SCSI Command at the CmdSN of a held NOP-Out",
         lambda c, sn: c.nop_send(b"first", immediate=False, cmdsn=sn),
         lambda c, sn: c.scsi(tur, 0, cmdsn=sn), 0x20, 0x21),
        ("a NOP-Out at the CmdSN of a held SCSI Command",
         lambda c, sn: c.scsi(tur, 0, cmdsn=sn),
         lambda c, sn: c.nop_send(b"second", immediate=False, cmdsn=sn),
         0x21, 0x20)):
    c = session()
    e = c.cmdsn
    a = first(c, e + 1)
    b = second(c, e + 1)
    out = pdus(c, QUIET)
    t = c.scsi(tur, 0, cmdsn=e)
    out += answered(c, [(t, 0x21), (a, op1)])
    out += pdus(c, QUIET)
    if find(out, t, 0x21) is None or find(out, a, op1) is None:
        err("%s: %s, expected the answers to the TUR at ExpCmdSN %d and to "
            "the first PDU at %d" % (what, show(out), e, e + 1))
    if find(out, b, op2) is not None:
        err("%s: the duplicate was answered (%s)" % (what, show(out)))
    next_runs(c, e + 2, what)
    c.s.close()
print("duplicates done", flush=True)

# MC/S: requests held on connection 2 are answered there once connection
# 1 fills the gap before each.
what = "MC/S"
c1 = session()
c2 = Conn(c1.isid, tsih=c1.tsih, cid=1)
c2.login()
if c2.tsih != c1.tsih:
    fail("second connection got TSIH %d" % c2.tsih)
e = c1.cmdsn
for i, (kind, send, op) in enumerate((
        ("NOP-Out", lambda sn: c2.nop_send(b"conn 2", immediate=False,
                                           cmdsn=sn), 0x20),
        ("Text Request", lambda sn: c2.text_send(b"SendTargets=All\0",
                                                 immediate=False,
                                                 cmdsn=sn), 0x24),
        ("Logout of connection 2", lambda sn: c2.logout_send(
            1, immediate=False, cmdsn=sn), 0x26))):
    sn = e + 2 * i
    try:
        r = send(sn + 1)
    except (BrokenPipeError, ConnectionResetError):
        err("%s: connection 2 closed before its %s" % (what, kind))
        break
    early = pdus(c2, QUIET)
    if early:
        err("%s: the %s held on connection 2 at CmdSN %d was answered "
            "before connection 1 filled the gap at %d (%s)"
            % (what, kind, sn + 1, sn, show(early)))
    t = c1.scsi(tur, 0, cmdsn=sn)
    o1 = answered(c1, [(t, 0x21)])
    if find(o1, t, 0x21) is None:
        err("%s: connection 1's TUR at CmdSN %d: no response (%s)"
            % (what, sn, show(o1)))
    if any(p != "EOF" and p[1] == r for p in o1):
        err("%s: the answer to connection 2's %s came on connection 1"
            % (what, kind))
    out = early + answered(c2, [(r, op)])
    ri = find(out, r, op)
    if ri is None:
        err("%s: no answer to the %s on connection 2 within %d s after "
            "connection 1 filled the gap (%s)" % (what, kind, WAIT, show(out)))
    elif expcmdsn(out[ri]) != sn + 2:
        err("%s: the answer to the %s carries ExpCmdSN %d, expected %d"
            % (what, kind, expcmdsn(out[ri]), sn + 2))
    if op == 0x26 and "EOF" not in out + pdus(c2, WAIT,
                                              lambda o: "EOF" in o):
        err("%s: connection 2 stayed open after its Logout" % what)
c2.s.close()
st = next_runs(c1, e + 6, what + " (connection 1 after connection 2's "
               "Logout)")
if st is not None and st != 0:
    err("%s: connection 1's TUR after connection 2's Logout: status %d"
        % (what, st))
c1.s.close()
print("MC/S done", flush=True)

# Connection 2 of an MC/S session is logged out (an immediate Logout
# closing the connection: a connection that fails ends the session at
# ErrorRecoveryLevel 0) with a command and a NOP-Out held past a gap:
# they came, their tasks end with the connection, and their CmdSNs count
# as received once connection 1 fills the gap, so the command after them
# runs (it used to wait for ever).
what = "MC/S connection logged out with PDUs held past a gap"
c1 = session()
c2 = Conn(c1.isid, tsih=c1.tsih, cid=1)
c2.login()
e = c1.cmdsn
c2.scsi(tur, 0, cmdsn=e + 1)
c2.nop_send(b"held", immediate=False, cmdsn=e + 2)
time.sleep(1)
lo = c2.logout_send(1, cmdsn=e + 3)
out = answered(c2, [(lo, 0x26)])
i = find(out, lo, 0x26)
if i is None or out[i][2][2] != 0:
    err("%s: connection 2's Logout: %s" % (what, show(out)))
c2.s.close()
conns = "/sys/kernel/ktgt_iscsi/sessions/%d/connections" % c1.tsih
for i in range(100):
    with open(conns) as f:
        if len(f.read().splitlines()) == 1:
            break
    time.sleep(0.1)
else:
    err("%s: connection 2 still in %s 10 s after it closed" % (what, conns))
st = next_runs(c1, e, what + " (the TUR filling the gap)")
if st is not None and st != 0:
    err("%s: the TUR filling the gap: status %d" % (what, st))
st = next_runs(c1, e + 3, what)
if st is not None and st != 0:
    err("%s: the TUR after the closed connection's CmdSNs: status %d"
        % (what, st))
c1.s.close()
print("MC/S connection logged out past a gap done", flush=True)

# Sessions closed with requests held (one connection; and connection 2 of
# an MC/S session) go away.
tsihs = []
c = session()
e = c.cmdsn
c.nop_send(b"left", immediate=False, cmdsn=e + 1)
c.text_send(b"SendTargets=All\0", immediate=False, cmdsn=e + 2)
c.tmf_send(5, immediate=False, cmdsn=e + 3)
c.scsi(tur, 0, cmdsn=e + 4)
c.logout_send(0, immediate=False, cmdsn=e + 5)
time.sleep(1)
c.s.close()
tsihs.append(c.tsih)
c1 = session()
c2 = Conn(c1.isid, tsih=c1.tsih, cid=1)
c2.login()
e = c1.cmdsn
c2.nop_send(b"left", immediate=False, cmdsn=e + 1)
c2.text_send(b"SendTargets=All\0", immediate=False, cmdsn=e + 2)
time.sleep(1)
c2.s.close()
time.sleep(1)
c1.s.close()
tsihs.append(c1.tsih)
for tsih in tsihs:
    d = "/sys/kernel/ktgt_iscsi/sessions/%d" % tsih
    for i in range(100):
        if not os.path.exists(d):
            break
        time.sleep(0.1)
    else:
        err("session %d closed with requests held: still in %s after 10 s"
            % (tsih, d))
print("teardown with requests held done", flush=True)

if errs:
    fail("%d error(s) (ERROR lines above), the first: %s"
         % (len(errs), errs[0]))
print("ALL OK")
EOF

out=$(python3 /tmp/sn.py "$IQN" 2>&1)
echo "$out"
echo "$out" | grep -q "^ALL OK$" || fail "raw initiator: $(echo "$out" | tail -n 1)"
ktgt_iscsi_wait_no_sessions "sessions left"
dmesg | grep -q "ktgt_iscsi: .*CmdSN .* already held, dropped" ||
	fail "no log line for the duplicate CmdSNs dropped"
iscsi_tgt_teardown
pass "CmdSN order of NOP-Out, TMF, Text and Logout"
