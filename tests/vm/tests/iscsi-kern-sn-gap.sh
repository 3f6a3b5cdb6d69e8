#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 200
#
# CmdSNs that count as received although nothing comes for them, from
# a raw initiator (tests/lib/iscsi_raw.py):
# - G: 12 immediate ABORT TASKs name CmdSNs ExpCmdSN + 1 ... + 12,
#   which never came (RFC 7143 11.5.1 b: the target counts them as
#   received); a TEST UNIT READY at ExpCmdSN, then one at ExpCmdSN + 13
#   are GOOD at once, and ExpCmdSN moves past all of them (the session
#   used to remember 8 such CmdSNs: the TUR at + 13 was held forever
#   behind the 9th).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:sn-gap

iscsi_tgt_setup
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

for e in errors:
    print("FAIL: " + e)
print("FAILED" if errors else "OK")
EOF

out=$(python3 /tmp/gap.py "$IQN" 2>&1)
echo "$out"
echo "$out" | grep -q "^OK$" || fail "$(echo "$out" | grep -E "^FAIL|rror" | head -n 6 | tr '\n' ' ')"
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "CmdSNs aborted before they came never stall the session"
