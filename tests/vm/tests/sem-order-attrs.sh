#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# SAM-5 task attributes (8.6), sent by a raw iSCSI initiator
# (tests/lib/iscsi_raw.py; ktgt_local only sends SIMPLE). One
# vdisk_nullio LU whose READs are held in delay_ms until the test
# releases them, so the READ stays in the task set:
# - a SIMPLE TEST UNIT READY sent after a HEAD OF QUEUE READ waits for
#   it (SAM-5 8.6.2: a SIMPLE command does not enter the enabled state
#   while a HEAD OF QUEUE command is in the task set); released, the READ
#   completes first, then the TEST UNIT READY;
# - behind a SIMPLE READ, an ORDERED TEST UNIT READY waits, a SIMPLE one
#   after it waits for the ORDERED one, a HEAD OF QUEUE one is GOOD at
#   once; ABORT TASK of the waiting ORDERED command lets the SIMPLE one
#   through (no stall), the READ is still held;
# - the task set is shared by the I_T nexuses: a SIMPLE command of
#   another session waits for the ORDERED one too; LOGICAL UNIT RESET
#   from that session ends every task, deferred ones included, once the
#   held READ returns, and both nexuses get 29h/03h;
# - an ORDERED TEST UNIT READY after a SIMPLE READ completes after it;
# - the ACA attribute without an ACA condition is CHECK CONDITION,
#   ILLEGAL REQUEST, INVALID MESSAGE ERROR (49h/00h); untagged is SIMPLE.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:sem-order

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/so0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/so0
iscsi_tgt_enable "$IQN"

cat > /tmp/so.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

SIMPLE, ORDERED, HOQ, ACA = 1, 2, 3, 4
DELAY = "/sys/kernel/config/ktgt/handlers/vdisk_nullio/so0/delay_ms"


def hold(on):
    with open(DELAY, "w") as f:
        f.write("60000" if on else "0")


def read_send(c, attr):
    return c.scsi(rw10(0x28, 0, 8), 4096, read=True, attr=attr)


def nothing(c, secs, what):
    r = wait_pdu(c, secs, what)
    if r:
        fail("%s: got op 0x%02x ITT 0x%x status %d, expected nothing yet"
             % (what, r[0][0] & 0x3f, be32(r[0], 16), r[0][3]))


def good(c, itt, what):
    st, _, _, _ = c.response(itt, what)
    if st != 0:
        fail("%s: status %r, expected GOOD" % (what, st))


configure(sys.argv[1])
c = Conn(0x400000000e01)
c.login()
tur_good(c, "TUR")

# HEAD OF QUEUE, then SIMPLE: the SIMPLE command waits.
hold(True)
r = read_send(c, HOQ)
time.sleep(0.5)
t = c.scsi(tur, 0, attr=SIMPLE)
nothing(c, 2, "SIMPLE TUR after a held HEAD OF QUEUE READ")
hold(False)
good(c, r, "HEAD OF QUEUE READ")
good(c, t, "SIMPLE TUR after the HEAD OF QUEUE READ")
print("SIMPLE waits for HEAD OF QUEUE", flush=True)

# SIMPLE READ; ORDERED, SIMPLE and HEAD OF QUEUE TURs behind it.
hold(True)
r = read_send(c, SIMPLE)
time.sleep(0.5)
ocmdsn = c.cmdsn
o = c.scsi(tur, 0, attr=ORDERED)
s = c.scsi(tur, 0, attr=SIMPLE)
h = c.scsi(tur, 0, attr=HOQ)
good(c, h, "HEAD OF QUEUE TUR behind an ORDERED one")
nothing(c, 1.5, "ORDERED TUR behind a held READ, SIMPLE TUR behind it")
# ABORT TASK of the waiting ORDERED TUR: the SIMPLE one goes on.
titt = c.tmf_send(1, rtt=o, refcmdsn=ocmdsn)
got = {}
t0 = time.time()
while len(got) < 2 and time.time() - t0 < 5:
    p = wait_pdu(c, 1, "after ABORT TASK")
    if p:
        got[be32(p[0], 16)] = p[0]
if titt not in got or got[titt][0] & 0x3f != 0x22 or got[titt][2] != 0:
    fail("ABORT TASK of the waiting ORDERED TUR: %r, expected FUNCTION "
         "COMPLETE within 5 s" % ({k: (v[0] & 0x3f, v[2])
                                   for k, v in got.items()}))
if s not in got or got[s][0] & 0x3f != 0x21 or got[s][3] != 0:
    fail("SIMPLE TUR behind the aborted ORDERED one: not GOOD within "
         "5 s (%r)" % sorted(got))
nothing(c, 0.5, "READ still held")
hold(False)
good(c, r, "SIMPLE READ")
print("ORDERED waits, HEAD OF QUEUE does not, ABORT TASK unblocks",
      flush=True)

# ORDERED after a SIMPLE READ completes after it.
hold(True)
r = read_send(c, SIMPLE)
time.sleep(0.5)
o = c.scsi(tur, 0, attr=ORDERED)
nothing(c, 1.5, "ORDERED TUR behind a held READ")
hold(False)
good(c, r, "SIMPLE READ before the ORDERED TUR")
good(c, o, "ORDERED TUR")

# The task set is shared: B's SIMPLE TUR waits for A's ORDERED one too.
# LOGICAL UNIT RESET from B then clears the lot, deferred commands
# included, once the held READ returns.
configure(sys.argv[1])
b = Conn(0x400000000e02)
b.login()
tur_good(b, "B TUR")
hold(True)
r = read_send(c, SIMPLE)
time.sleep(0.5)
o = c.scsi(tur, 0, attr=ORDERED)
s = c.scsi(tur, 0, attr=SIMPLE)
time.sleep(0.5)
sb = b.scsi(tur, 0, attr=SIMPLE)
nothing(b, 1.5, "B: SIMPLE TUR behind A's ORDERED TUR")
titt = b.tmf_send(5)
nothing(b, 1, "B: LOGICAL UNIT RESET while A's READ is held")
hold(False)
p = wait_pdu(b, 10, "B: LOGICAL UNIT RESET")
if not p or p[0][0] & 0x3f != 0x22 or be32(p[0], 16) != titt or \
   p[0][2] != 0:
    fail("B: LOGICAL UNIT RESET: %r, expected FUNCTION COMPLETE"
         % (p and (p[0][0] & 0x3f, be32(p[0], 16), p[0][2])))
# A's tasks: TASK ABORTED (TAS 1) or nothing (TAS 0), nothing else.
while True:
    p = wait_pdu(c, 1, "A after the LOGICAL UNIT RESET")
    if not p:
        break
    if p[0][0] & 0x3f != 0x21 or be32(p[0], 16) not in (r, o, s) or \
       p[0][3] != 0x40:
        fail("A after B's LOGICAL UNIT RESET: op 0x%02x ITT 0x%x status "
             "%d" % (p[0][0] & 0x3f, be32(p[0], 16), p[0][3]))
for conn, who in ((c, "A"), (b, "B")):
    st, _, _, sense = conn.response(conn.scsi(tur, 0), who + " TUR")
    if st != 2 or len(sense) < 16 or sense[4] & 0xf != 6 or \
       (sense[14], sense[15]) != (0x29, 3):
        fail("%s TUR after LOGICAL UNIT RESET: status %r sense %s, "
             "expected 06/29/03" % (who, st, sense.hex()))
    tur_good(conn, who + " TUR")
b.logout(what="B logout")
print("shared task set, LOGICAL UNIT RESET clears it", flush=True)

# ACA without an ACA condition; untagged.
st, _, _, sense = c.response(c.scsi(tur, 0, attr=ACA), "ACA TUR")
if st != 2 or len(sense) < 16 or sense[4] & 0xf != 5 or \
   (sense[14], sense[15]) != (0x49, 0):
    fail("ACA TUR: status %r sense %s, expected CHECK CONDITION 05/49/00"
         % (st, sense.hex()))
good(c, c.scsi(tur, 0, attr=0), "untagged TUR")
c.logout(what="logout")
print("OK")
EOF

out=$(timeout 180 python3 /tmp/so.py "$IQN" 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] && echo "$out" | grep -q "^OK$" ||
	fail "raw initiator (rc $rc): $(echo "$out" | tail -n 1)"
ktgt_iscsi_wait_no_sessions "sessions left" 20
iscsi_tgt_teardown
pass "task attributes"
