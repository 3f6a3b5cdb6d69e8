#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# CmdSN gaps that are never filled, from a raw initiator
# (tests/lib/iscsi_raw.py) that keeps its connections alive (it answers
# NOP-In pings and sends its own every second). cmdsn_gap_timeout is
# 4 s here.
# - G: 12 immediate ABORT TASKs name CmdSNs ExpCmdSN + 1 ... + 12,
#   which never came (RFC 7143 11.5.1 b: the target counts them as
#   received); a TEST UNIT READY at ExpCmdSN, then one at ExpCmdSN + 13
#   are GOOD at once, and ExpCmdSN moves past all of them (the session
#   used to remember 8 such CmdSNs: the TUR at + 13 was held forever
#   behind the 9th);
# - F: commands held past gaps that are each filled within 3 s, the
#   whole lasting 7 s, are all GOOD and the session stays: the timeout
#   runs from the last move of ExpCmdSN;
# - H: a WRITE with immediate data at ExpCmdSN + 1 whose gap at
#   ExpCmdSN is never filled: the target closes H's session after
#   cmdsn_gap_timeout (it used to hold the write, and its buffer, for
#   as long as the initiator kept the connection alive), with a log
#   line; the same for a NOP-Out held past a gap (HR).
# - F's session, left without a gap, is still there at the end.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:sn-gap
P=/sys/module/ktgt_iscsi/parameters

iscsi_tgt_setup
echo 2 > $P/nop_interval || fail "nop_interval"
echo 10 > $P/nop_timeout || fail "nop_timeout"
if [ -e $P/cmdsn_gap_timeout ]; then
	echo 4 > $P/cmdsn_gap_timeout || fail "cmdsn_gap_timeout"
else
	log "no cmdsn_gap_timeout parameter"
fi
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/gap0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/gap0
iscsi_tgt_enable "$IQN"

cat > /tmp/gap.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]
TIMEOUT = 4
errors = []
configure(IQN)


def session(isid):
    c = Conn(isid)
    c.login()
    tur_good(c, "TUR 0x%x" % isid)
    c.nop()
    if c.expcmdsn != c.cmdsn:
        fail("ExpCmdSN %d, expected %d" % (c.expcmdsn, c.cmdsn))
    return c


def statuses(c, itts, secs, what):
    """{ITT: status} of the itts whose status came within secs s."""
    got = {}
    t0 = time.time()
    while len(got) < len(itts) and time.time() - t0 < secs:
        p = wait_pdu(c, secs - (time.time() - t0), what)
        if p is None:
            break
        bhs, _ = p
        op, itt = bhs[0] & 0x3f, be32(bhs, 16)
        if itt in itts and (op == 0x21 or (op == 0x25 and bhs[1] & 1)):
            got[itt] = bhs[3]
        elif op != 0x25:
            fail("%s: unexpected opcode 0x%02x ITT 0x%x" % (what, op, itt))
    return got


def status_within(c, itt, secs, what):
    """The status of itt if it comes within secs s, else None."""
    return statuses(c, [itt], secs, what).get(itt)


def alive_for(c, secs, what, idle=None):
    """Ping c every second for secs seconds (answering the target's
    pings, and idle's): the seconds until the target closed c, or
    None."""
    t0 = time.time()
    while time.time() - t0 < secs:
        try:
            itt = c.nop_send(b"alive")
            got = wait_pdu(c, 0.8, what)
            if got and (got[0][0] & 0x3f != 0x20 or be32(got[0], 16) != itt):
                fail("%s: op 0x%02x ITT 0x%x, expected the NOP-In of 0x%x"
                     % (what, got[0][0] & 0x3f, be32(got[0], 16), itt))
        except (EOFError, OSError):
            return time.time() - t0
        rest = max(0.05, 1.0 - (time.time() - t0) % 1.0)
        if idle is None:
            time.sleep(rest)
        elif wait_pdu(idle, rest, "idle F") is not None:
            fail("F, idle: a PDU came")
    return None


# G: 12 CmdSNs aborted before they came.
g = session(0x400000003101)
e = g.cmdsn
for i in range(1, 13):
    resp, _ = g.tmf(1, rtt=0x7000 + i, refcmdsn=e + i, cmdsn=e + 13,
                    what="G ABORT TASK of CmdSN %d" % (e + i))
    if resp not in (0, 1):
        errors.append("G: ABORT TASK of CmdSN %d: response %d" % (e + i, resp))
st = status_within(g, g.scsi(tur, 0, cmdsn=e), 5, "G TUR at ExpCmdSN")
if st != 0:
    errors.append("G: TUR at ExpCmdSN %d: status %r" % (e, st))
itt = g.scsi(tur, 0, cmdsn=e + 13)
st = status_within(g, itt, 5, "G TUR past the aborted CmdSNs")
print("G: TUR at CmdSN %d after 12 aborted CmdSNs: status %r, ExpCmdSN %d"
      % (e + 13, st, g.expcmdsn), flush=True)
if st != 0:
    errors.append("G: TUR at CmdSN %d, past 12 CmdSNs aborted before they "
                  "came: status %r within 5 s (ExpCmdSN %d: the session "
                  "stalled)" % (e + 13, st, g.expcmdsn))
elif g.expcmdsn != e + 14:
    errors.append("G: ExpCmdSN %d, expected %d" % (g.expcmdsn, e + 14))
g.logout(what="G logout")
g.s.close()

# F: gaps filled in time, 7 s in all.
f = session(0x400000003201)
e = f.cmdsn
f.cmdsn = e + 3
w = f.scsi(rw10(0x2a, 0, 8), 4096, write=True, imm=b"f" * 4096, cmdsn=e + 2)
time.sleep(2.5)
t0 = f.scsi(tur, 0, cmdsn=e)
if status_within(f, t0, 5, "F TUR 0") != 0:
    errors.append("F: TUR at ExpCmdSN %d not GOOD" % e)
if alive_for(f, 3, "F waiting") is not None:
    errors.append("F: session closed 5.5 s into gaps each under %d s"
                  % TIMEOUT)
else:
    t1 = f.scsi(tur, 0, cmdsn=e + 1)
    got = statuses(f, [t1, w], 5, "F TUR 1 and WRITE")
    st1, stw = got.get(t1), got.get(w)
    print("F: gaps filled after 2.5 s and 3 s: TUR %r, WRITE %r"
          % (st1, stw), flush=True)
    if st1 != 0 or stw != 0:
        errors.append("F: TUR %r, WRITE %r after the gaps were filled"
                      % (st1, stw))
    if alive_for(f, 2, "F after") is not None:
        errors.append("F: closed after its gaps were filled")

# H: a WRITE with its data, held past a gap never filled.
for name, isid in (("H", 0x400000003301), ("HR", 0x400000003401)):
    h = session(isid)
    e = h.cmdsn
    if name == "H":
        h.scsi(rw10(0x2a, 0, 16), 8192, write=True, imm=b"h" * 8192,
               cmdsn=e + 1)
    else:
        h.nop_send(b"held", immediate=False, cmdsn=e + 1)
    closed = alive_for(h, 20, name, f)
    if closed is None:
        errors.append("%s: connection still open 20 s after a PDU held past "
                      "a CmdSN gap never filled (cmdsn_gap_timeout %d)"
                      % (name, TIMEOUT))
    else:
        print("%s: closed %.1f s after the PDU past the gap" % (name, closed),
              flush=True)
        if closed < TIMEOUT - 1:
            errors.append("%s: closed after %.1f s, before cmdsn_gap_timeout"
                          " %d" % (name, closed, TIMEOUT))
        if not session_gone(h.tsih, 10):
            errors.append("%s: session %d still there 10 s after its "
                          "connection closed" % (name, h.tsih))
    h.s.close()

tur_good(f, "F TUR at the end")
f.logout(what="F logout")
print("F: TEST UNIT READY GOOD and logged out", flush=True)
for e in errors:
    print("FAIL: " + e)
print("FAILED" if errors else "OK")
EOF

out=$(python3 /tmp/gap.py "$IQN" 2>&1)
echo "$out"
n=$(dmesg | grep -c "CmdSN [0-9]* not received for [0-9]* s, .*(cmdsn_gap_timeout 4), closing the session")
dmesg | grep "cmdsn_gap_timeout" | sed 's/^/dmesg: /'
echo "$out" | grep -q "^OK$" || fail "$(echo "$out" | grep -E "^FAIL|rror" | head -n 6 | tr '\n' ' ')"
expect_eq "$n" 2 "CmdSN gap timeouts logged"
[ -e $P/cmdsn_gap_timeout ] && echo 30 > $P/cmdsn_gap_timeout
echo 15 > $P/nop_interval
echo 30 > $P/nop_timeout
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "a CmdSN gap never filled ends its session; aborted CmdSNs never stall it"
