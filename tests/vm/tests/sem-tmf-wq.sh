#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# A task management function that waits for the tasks it aborted holds
# no worker of the core's shared ktgt_tmf workqueue (max_active 256),
# from a raw initiator (tests/lib/iscsi_raw.py). 33 sessions of target A
# each have a READ held in nullio's delay_ms on LUN 0 and 8 TMFs waiting
# for it (7 ABORT TASK of it and an ABORT TASK SET of LUN 0; 8 is
# ktgt_iscsi's per-session cap): 264 waiting TMFs, more than the
# workqueue runs at once. Meanwhile:
# - an ABORT TASK SET of A's LUN 1 (nothing to wait for) from another
#   session of A, and an ABORT TASK of no task from a session of target
#   B, are answered at once;
# - an ABORT TASK of a WRITE waiting for its Data-Out, from another
#   session of A, is answered at once too (the core tells the driver,
#   which ends the data phase);
# - none of the 264 is answered while the READs are held (SAM-5: the
#   response comes after the aborted tasks are gone).
# Once delay_ms is 0 each READ ends (silently: its own session aborted
# it) and each session gets its 8 TMF responses, FUNCTION COMPLETE, and
# nothing else; each session then works (TEST UNIT READY) and logs out.
# Before the fix each waiting TMF slept in a worker of the workqueue:
# the 264 filled it and the other TMFs were not answered until the READs
# were released.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:tmf-wq
IQN2=iqn.2026-11.org.ktgt:tmf-wq2

iscsi_tgt_setup
ktgt_iscsi_nullio_target "$IQN" wq0 wq1
ktgt_iscsi_nullio_target "$IQN2" wq2

cat > /tmp/tw.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, IQN2 = sys.argv[1], sys.argv[2]
DELAY = "/sys/kernel/config/ktgt/handlers/vdisk_nullio/wq0/delay_ms"
NSESS = 33      # x 8 TMFs = 264 > 256, the workqueue's max_active
ABORT_TASK, ABORT_TASK_SET = 1, 2


def setdelay(ms):
    with open(DELAY, "w") as f:
        f.write(str(ms))


def tmf_rsp(conn, itt, secs, what, response):
    """The response to TMF itt within secs seconds, which must be
    response; the time it took."""
    t0 = time.time()
    r = wait_pdu(conn, secs, what)
    el = time.time() - t0
    if not r:
        fail("%s not answered in %.1f s while %d TMFs wait for held "
             "READs" % (what, el, NSESS * 8))
    bhs = r[0]
    if bhs[0] & 0x3f != 0x22 or be32(bhs, 16) != itt or \
       bhs[2] != response:
        fail("%s: op 0x%02x ITT 0x%x response %d, expected a TMF "
             "response %d for ITT 0x%x" % (what, bhs[0] & 0x3f,
                                           be32(bhs, 16), bhs[2],
                                           response, itt))
    print("%s answered in %.2f s" % (what, el), flush=True)
    return el


configure(IQN)
u = Conn(0x400000000e01); u.login(); tur_good(u, "U TUR")
d = Conn(0x400000000e02); d.login(); tur_good(d, "D TUR")
bs = []
for i in range(NSESS):
    b = Conn(0x400000001000 + i)
    b.login()
    tur_good(b, "B%d TUR" % i)
    bs.append(b)
configure(IQN2)
w = Conn(0x400000000f01); w.login(); tur_good(w, "W TUR")
print("%d sessions logged in" % (NSESS + 3), flush=True)

setdelay(60000)
ritts = [b.scsi(rw10(0x28, 0, 8), 4096, read=True) for b in bs]
time.sleep(2)
titts = []
for b, ritt in zip(bs, ritts):
    t = [b.tmf_send(ABORT_TASK, rtt=ritt, refcmdsn=0) for i in range(7)]
    t.append(b.tmf_send(ABORT_TASK_SET, lun=0))
    titts.append(t)
# Every TMF has reached the core, or the per-session cap would have
# answered "Function rejected" (255): seen below.
time.sleep(5)
t_sent = time.time()

# Nothing to wait for: answered at once, on A's other LUN and on B.
tmf_rsp(u, u.tmf_send(ABORT_TASK_SET, lun=1), 10,
        "U: ABORT TASK SET of LUN 1 (nothing held)", 0)
tmf_rsp(w, w.tmf_send(ABORT_TASK, rtt=0x7777, refcmdsn=0), 10,
        "W: ABORT TASK of no task (target B)", 1)
# A WRITE waiting for its Data-Out: its abort ends the data phase.
witt, _, _ = write_r2t(d, 8, "D WRITE")
tmf_rsp(d, d.tmf_send(ABORT_TASK, rtt=witt, refcmdsn=0), 10,
        "D: ABORT TASK of a WRITE waiting for Data-Out", 0)
tur_good(d, "D TUR after its ABORT TASK")

# The 264 still wait: their READs are held.
for i, b in enumerate(bs):
    r = wait_pdu(b, 0.1, "B%d" % i)
    if r:
        fail("B%d: op 0x%02x ITT 0x%x response %d while its READ is "
             "held, expected nothing" % (i, r[0][0] & 0x3f,
                                         be32(r[0], 16), r[0][2]))
held = time.time() - t_sent
if held > 50:
    fail("the checks took %.1f s: the READs may not have been held "
         "all along" % held)
print("%d TMFs still wait after %.1f s" % (NSESS * 8, held), flush=True)

setdelay(0)
t0 = time.time()
for i, b in enumerate(bs):
    got = []
    while len(got) < 8 and time.time() - t0 < 60:
        r = wait_pdu(b, 1, "B%d after its READ" % i)
        if not r:
            continue
        bhs = r[0]
        if bhs[0] & 0x3f != 0x22 or be32(bhs, 16) not in titts[i]:
            fail("B%d: op 0x%02x ITT 0x%x after its READ was released, "
                 "expected only its TMF responses (the READ aborted "
                 "silently)" % (i, bhs[0] & 0x3f, be32(bhs, 16)))
        if bhs[2] != 0:
            fail("B%d: TMF ITT 0x%x answered %d, expected 0 (function "
                 "complete)" % (i, be32(bhs, 16), bhs[2]))
        got.append(be32(bhs, 16))
    if sorted(got) != sorted(titts[i]):
        fail("B%d: TMF responses %r within %.1f s of the release, "
             "expected %r" % (i, [hex(x) for x in got], time.time() - t0,
                              [hex(x) for x in titts[i]]))
print("all %d TMFs answered %.1f s after the release"
      % (NSESS * 8, time.time() - t0), flush=True)
for i, b in enumerate(bs):
    r = wait_pdu(b, 0.05, "B%d" % i)
    if r:
        fail("B%d: op 0x%02x ITT 0x%x after its 8 TMF responses"
             % (i, r[0][0] & 0x3f, be32(r[0], 16)))
    tur_good(b, "B%d TUR after its TMFs" % i)
    read8(b, 0, "B%d READ after its TMFs" % i)
for i, b in enumerate(bs):
    b.logout(what="B%d logout" % i)
for c, n in ((u, "U"), (d, "D"), (w, "W")):
    c.logout(what="%s logout" % n)
print("OK")
EOF

out=$(timeout 400 python3 /tmp/tw.py "$IQN" "$IQN2" 2>&1)
rc=$?
echo "$out"
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/wq0/delay_ms" 0
[ $rc = 0 ] && echo "$out" | grep -q "^OK$" ||
	fail "raw initiator (rc $rc): $(echo "$out" | grep -m1 FAIL || echo "$out" | tail -n 1)"
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "TMFs waiting for held tasks do not hold the TMF workqueue"
