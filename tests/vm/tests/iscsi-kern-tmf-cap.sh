#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# An initiator cannot tie up the core's task management, from a raw
# initiator (tests/lib/iscsi_raw.py): an iSCSI session has at most
# KIS_MAX_TMFS (8) TMFs outstanding; more are answered "Function
# rejected" (255), and another target's session still gets its TMF
# answered at once while those 8 wait for a READ held in nullio's
# delay_ms; once the READ goes, the 8 are answered.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:tmf-cap
IQN2=iqn.2026-11.org.ktgt:tmf-cap2

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/tc0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/tc0
iscsi_tgt_enable "$IQN"
iscsi_tgt_mktarget "$IQN2" 127.0.0.1
ktgt_mkdev vdisk_nullio/tc1 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN2" 0 vdisk_nullio/tc1
iscsi_tgt_enable "$IQN2"

cat > /tmp/tc.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, IQN2 = sys.argv[1], sys.argv[2]
DELAY = "/sys/kernel/config/ktgt/handlers/vdisk_nullio/tc0/delay_ms"

configure(IQN)
# at most 8 TMFs of one session outstanding
with open(DELAY, "w") as f:
    f.write("60000")
b = Conn(0x400000000c01); b.login(); tur_good(b, "B TUR")
configure(IQN2)
w = Conn(0x400000000d01); w.login(); tur_good(w, "W TUR")
ritt = b.scsi(rw10(0x28, 0, 8), 4096, read=True)
time.sleep(1)
# more than the core's TMF workqueue has workers (256)
titts = [b.tmf_send(1, rtt=ritt, refcmdsn=0) for i in range(300)]
time.sleep(3)
t0 = time.time()
witt = w.tmf_send(1, rtt=0x7777, refcmdsn=0)
r = wait_pdu(w, 5, "W ABORT TASK")
el = time.time() - t0
if not r:
    fail("W: ABORT TASK of no task (another target) not answered in "
         "%.1f s while B's 300 ABORT TASKs wait" % el)
if r[0][0] & 0x3f != 0x22 or be32(r[0], 16) != witt or r[0][2] != 1:
    fail("W: ABORT TASK of no task: op 0x%02x ITT 0x%x response %d, "
         "expected 1 (task does not exist)"
         % (r[0][0] & 0x3f, be32(r[0], 16), r[0][2]))
print("W: ABORT TASK answered in %.2f s" % el, flush=True)
rejected = []
t0 = time.time()
while len(rejected) < 292 and time.time() - t0 < 10:
    r = wait_pdu(b, 1, "B ABORT TASK")
    if not r:
        continue
    bhs = r[0]
    if bhs[0] & 0x3f != 0x22 or be32(bhs, 16) not in titts:
        fail("B: op 0x%02x ITT 0x%x while its ABORT TASKs wait"
             % (bhs[0] & 0x3f, be32(bhs, 16)))
    if bhs[2] != 255:
        fail("B: ABORT TASK answered %d while its READ is held, "
             "expected 255 (Function rejected) beyond 8" % bhs[2])
    rejected.append(be32(bhs, 16))
if rejected != titts[8:]:
    fail("B: %d of 300 ABORT TASKs rejected in 10 s, expected the last "
         "292 (8 outstanding at most)" % len(rejected))
print("B: 292 of 300 ABORT TASKs rejected", flush=True)
with open(DELAY, "w") as f:
    f.write("0")
# the READ goes, then the 8 ABORT TASKs are answered
got = []
t0 = time.time()
while len(got) < 8 and time.time() - t0 < 15:
    r = wait_pdu(b, 1, "B after the READ")
    if not r:
        continue
    bhs = r[0]
    if bhs[0] & 0x3f == 0x22:
        got.append(be32(bhs, 16))
if sorted(got) != sorted(titts[:8]):
    fail("B: TMF responses %r after the READ, expected %r"
         % (got, titts[:8]))
print("B: the 8 outstanding ABORT TASKs answered", flush=True)
b.logout(what="B logout")
w.logout(what="W logout")
print("OK")
EOF

out=$(timeout 120 python3 /tmp/tc.py "$IQN" "$IQN2" 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] && echo "$out" | grep -q "^OK$" ||
	fail "raw initiator (rc $rc): $(echo "$out" | tail -n 1)"
ktgt_iscsi_wait_no_sessions "sessions left" 20
iscsi_tgt_teardown
pass "TMFs beyond the per-session cap are rejected"
