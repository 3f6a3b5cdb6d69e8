#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 1
#
# A PERSISTENT RESERVE OUT PREEMPT AND ABORT waiting for the tasks it
# aborted holds no worker of the core's ktgt_exec workqueue (bound,
# max_active 256 per CPU; one vCPU so all commands share its pool),
# from a raw initiator (tests/lib/iscsi_raw.py). On target A's LUN 0,
# V (key 0xbad) has a READ held in nullio's delay_ms; 5 sessions P0-P4
# (keys 0x100-0x104) then send 300 PREEMPT AND ABORTs of key 0xbad, 60
# each, V registering 0xbad again (REGISTER, RESERVATION KEY 0) after
# each was carried out: each aborts V's held READ (TAS = 1) and waits
# for it.
# - Every REGISTER of V is answered (within 10 s), and then a PERSISTENT
#   RESERVE IN and a REGISTER on target B, and on A's LUN 1, are too:
#   300 PREEMPT AND ABORTs waiting do not starve other commands;
# - none of the 300 is answered while the READ is held (SPC-4
#   5.13.11.2.6, SAM-5 5.6: the PREEMPT AND ABORT completes after the
#   tasks it aborted are gone);
# - once delay_ms is 0 V's READ ends with TASK ABORTED and the 300 are
#   answered GOOD, and nothing else; every session then works and logs
#   out.
# Before the fix each PREEMPT AND ABORT slept in its worker until the
# READ was released: past 256 the workqueue was full and no command
# that needs a worker (V's REGISTER, the PERSISTENT RESERVE IN of target
# B) ran until the READ was released.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:pr-preempt-wq
IQN2=iqn.2026-11.org.ktgt:pr-preempt-wq2

iscsi_tgt_setup
ktgt_iscsi_nullio_target "$IQN" pw0 pw1
ktgt_iscsi_nullio_target "$IQN2" pw2

cat > /tmp/pw.py <<'EOF'
import os, struct, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, IQN2 = sys.argv[1], sys.argv[2]
DELAY = "/sys/kernel/config/ktgt/handlers/vdisk_nullio/pw0/delay_ms"
NP, PER = 5, 60         # 300 PREEMPT AND ABORTs > 256, max_active
N = NP * PER
KEY_V = 0xbad
REGISTER, PREEMPT_ABORT = 0x00, 0x05
GOOD, CONFLICT, TASK_ABORTED = 0x00, 0x18, 0x40


def setdelay(ms):
    with open(DELAY, "w") as f:
        f.write(str(ms))


def pr_out_send(conn, sa, res_key, sa_key, typ=0, lun=0):
    cdb = bytes([0x5f, sa, typ, 0, 0]) + struct.pack(">I", 24) + b"\0"
    par = struct.pack(">QQ", res_key, sa_key) + bytes(8)
    return conn.scsi(cdb, 24, write=True, imm=par, lun=lun)


def status(conn, itt, secs, what):
    """The status of itt (its Data-In skipped) within secs seconds, or
    None."""
    t0 = time.time()
    while True:
        r = wait_pdu(conn, max(0, secs - (time.time() - t0)), what)
        if not r:
            return None
        bhs = r[0]
        op = bhs[0] & 0x3f
        if op not in (0x21, 0x25) or be32(bhs, 16) != itt:
            fail("%s: op 0x%02x ITT 0x%x, expected the response of "
                 "ITT 0x%x" % (what, op, be32(bhs, 16), itt))
        if op == 0x21 or bhs[1] & 1:
            return bhs[3]


def answer(conn, itt, secs, what):
    """The status of itt within secs seconds."""
    t0 = time.time()
    st = status(conn, itt, secs, what)
    if st is None:
        fail("%s not answered in %.1f s" % (what, time.time() - t0))
    return st


def good(conn, send, secs, what):
    """send() until GOOD, past unit attentions: at most 8 tries, each
    answered within secs seconds."""
    for i in range(8):
        st = answer(conn, send(), secs, what)
        if st == GOOD:
            return
    fail("%s: status 0x%02x after 8 tries" % (what, st))


def pr_in_keys(conn, lun=0):
    return conn.scsi(bytes([0x5e, 0, 0, 0, 0, 0, 0, 0x10, 0, 0]), 4096,
                     read=True, lun=lun)


configure(IQN)
v = Conn(0x400000002001); v.login(); tur_good(v, "V TUR")
u = Conn(0x400000002002); u.login(); tur_good(u, "U TUR")
ps = []
for j in range(NP):
    p = Conn(0x400000002100 + j)
    p.login()
    tur_good(p, "P%d TUR" % j)
    good(p, lambda: pr_out_send(p, REGISTER, 0, 0x100 + j), 10,
         "P%d REGISTER" % j)
    ps.append(p)
good(v, lambda: pr_out_send(v, REGISTER, 0, KEY_V), 10, "V REGISTER")
configure(IQN2)
w = Conn(0x400000002201); w.login(); tur_good(w, "W TUR")
print("%d sessions logged in" % (NP + 3), flush=True)

setdelay(60000)
ritt = v.scsi(rw10(0x28, 0, 8), 4096, read=True)
time.sleep(2)
t_held = time.time()
pitts = [[] for j in range(NP)]
for i in range(N):
    j = i // PER
    pitts[j].append(pr_out_send(ps[j], PREEMPT_ABORT, 0x100 + j, KEY_V,
                                typ=1))
    # RESERVATION KEY 0: GOOD once the PREEMPT AND ABORT took V's
    # registration away, RESERVATION CONFLICT before (or TASK ABORTED
    # if it was aborted by it).
    t0 = time.time()
    while True:
        st = status(v, pr_out_send(v, REGISTER, 0, KEY_V), 10, "V")
        if st is None:
            st = status(w, pr_in_keys(w), 10, "W")
            fail("V: REGISTER not answered in 10 s while %d PREEMPT AND "
                 "ABORTs wait; target B's PERSISTENT RESERVE IN %s"
                 % (i + 1, "not answered in 10 s either" if st is None
                    else "answered"))
        if st == GOOD:
            break
        if st not in (CONFLICT, TASK_ABORTED) or time.time() - t0 > 20:
            fail("V REGISTER after PREEMPT AND ABORT %d: status 0x%02x "
                 "after %.1f s" % (i, st, time.time() - t0))
        time.sleep(0.01)
    if i % 50 == 49:
        setdelay(60000)     # re-arm: the READ stays held
print("%d PREEMPT AND ABORTs wait for V's READ after %.1f s"
      % (N, time.time() - t_held), flush=True)
setdelay(60000)

# Other commands that need a worker: target B, and A's LUN 1.
t0 = time.time()
good(w, lambda: pr_in_keys(w), 10, "W: PERSISTENT RESERVE IN (target B)")
good(w, lambda: pr_out_send(w, REGISTER, 0, 0x77), 10,
     "W: REGISTER (target B)")
good(u, lambda: pr_in_keys(u, lun=1), 10, "U: PERSISTENT RESERVE IN (LUN 1)")
print("target B and LUN 1 answered in %.2f s" % (time.time() - t0),
      flush=True)

# None of the 300 is answered, past scans of the parked aborts (one a
# second): V's READ is held.
time.sleep(2)
for j, p in enumerate(ps):
    r = wait_pdu(p, 0.1, "P%d" % j)
    if r:
        fail("P%d: op 0x%02x ITT 0x%x status 0x%02x while V's READ is "
             "held, expected nothing" % (j, r[0][0] & 0x3f,
                                         be32(r[0], 16), r[0][3]))
held = time.time() - t_held
print("no PREEMPT AND ABORT answered after %.1f s" % held, flush=True)

setdelay(0)
t0 = time.time()
st = answer(v, ritt, 30, "V READ after the release")
if st != TASK_ABORTED:
    fail("V READ: status 0x%02x, expected TASK ABORTED" % st)
for j, p in enumerate(ps):
    got = []
    while len(got) < PER and time.time() - t0 < 60:
        r = wait_pdu(p, 1, "P%d after the release" % j)
        if not r:
            continue
        bhs = r[0]
        if bhs[0] & 0x3f != 0x21 or be32(bhs, 16) not in pitts[j]:
            fail("P%d: op 0x%02x ITT 0x%x after the release, expected "
                 "only its PREEMPT AND ABORT statuses"
                 % (j, bhs[0] & 0x3f, be32(bhs, 16)))
        if bhs[3] != GOOD:
            fail("P%d: PREEMPT AND ABORT ITT 0x%x: status 0x%02x, "
                 "expected GOOD" % (j, be32(bhs, 16), bhs[3]))
        got.append(be32(bhs, 16))
    if sorted(got) != sorted(pitts[j]):
        fail("P%d: %d of its %d PREEMPT AND ABORTs answered within "
             "%.1f s of the release" % (j, len(got), PER,
                                        time.time() - t0))
print("all %d PREEMPT AND ABORTs answered GOOD %.1f s after the release"
      % (N, time.time() - t0), flush=True)
for c, n in [(v, "V"), (u, "U"), (w, "W")] + \
        [(p, "P%d" % j) for j, p in enumerate(ps)]:
    r = wait_pdu(c, 0.05, n)
    if r:
        fail("%s: unexpected op 0x%02x ITT 0x%x" % (n, r[0][0] & 0x3f,
                                                  be32(r[0], 16)))
    good(c, lambda: c.scsi(tur, 0), 10, "%s TUR at the end" % n)
    read8(c, 0, "%s READ at the end" % n)
    c.logout(what="%s logout" % n)
print("OK")
EOF

out=$(timeout 800 python3 /tmp/pw.py "$IQN" "$IQN2" 2>&1)
rc=$?
echo "$out"
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/pw0/delay_ms" 0
[ $rc = 0 ] && echo "$out" | grep -q "^OK$" ||
	fail "raw initiator (rc $rc): $(echo "$out" | grep -m1 FAIL || echo "$out" | tail -n 1)"
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "PREEMPT AND ABORTs waiting for held tasks do not hold the exec workqueue"
