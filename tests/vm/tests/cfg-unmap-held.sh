#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Unmapping a LUN (rm luns/<N>/device) while a command holds it: a WRITE
# without immediate data that got its R2T, whose Data-Out a raw
# initiator holds back. The unlink waits for the WRITE, and must not
# keep ktgt_cfg_mutex while it does: ktgt_iscsi takes that mutex under
# its own kis_mutex (ktgt_target_access()) for a Text SendTargets in the
# connection's receive thread and for a login's access check, and a
# connection's teardown needs kis_mutex. Checked, each bounded in time
# so that a deadlocked kernel fails the test rather than hanging it:
#
# 1. While rm waits (it must still be waiting 1 s after it started), a
#    Text SendTargets=All on the WRITE's own connection gets its Text
#    Response (within 10 s), and a configuration change (mkdir luns/1 and
#    its device link) finishes (within 10 s). Then the Data-Out is read:
#    the WRITE ends GOOD, rm returns (within 10 s), LUN 0 is gone for the
#    session and LUN 1 serves it.
# 2. While rm waits again for another such WRITE, a second session logs
#    in (within 10 s: ktgt-iscsid's access check), then the WRITE's
#    connection is closed: its teardown aborts the WRITE and rm returns
#    (within 15 s).
#
# On a deadlock, the tasks stay in D state (they cannot be killed); the
# test fails with the step that did not finish.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:unmap-held
TGT=$KTGT_CFS/targets/iscsi/$IQN

iscsi_tgt_setup
iscsi_tgt_mkdisk uh0 /tmp/uh0.img 16M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 uh0
iscsi_tgt_enable "$IQN"

cat > /tmp/unmap-held.py <<'EOF'
import os, subprocess, sys, threading, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, TGT, DEV = sys.argv[1:4]
LINK = TGT + "/luns/0/device"
configure(IQN)


def finished(p, secs):
    """Whether process p ends within secs seconds, with status 0."""
    t0 = time.time()
    while p.poll() is None and time.time() - t0 < secs:
        time.sleep(0.1)
    if p.poll() is None:
        return False
    if p.returncode != 0:
        fail("%r exited with status %d" % (p.args, p.returncode))
    return True


def held_unmap(c, what):
    """A WRITE on LUN 0 up to its R2T, then rm of LUN 0's link, which
    must wait for it: (ITT, TTT, the rm process)."""
    itt, _, ttt = write_r2t(c, 0, what + ": WRITE")
    rm = subprocess.Popen(["rm", LINK])
    time.sleep(1)
    if rm.poll() is not None:
        fail("%s: rm of LUN 0's link returned (%d) while a WRITE held "
             "the LUN" % (what, rm.returncode))
    return itt, ttt, rm


# 1. Text SendTargets and a configuration change while rm waits.
c = Conn(0x400000000001)
c.login()
tur_good(c, "TUR")
itt, ttt, rm = held_unmap(c, "part 1")
titt = c.text_send(b"SendTargets=All\0")
p = wait_pdu(c, 10, "Text Response")
if p is None:
    fail("part 1: no Text Response within 10 s while rm waited for the "
         "WRITE: the receive thread is stuck (ktgt_cfg_mutex held across "
         "the unmap?)")
if p[0][0] & 0x3f != 0x24 or be32(p[0], 16) != titt:
    fail("part 1: expected the Text Response, got opcode 0x%02x ITT 0x%x"
         % (p[0][0] & 0x3f, be32(p[0], 16)))
# Its data may be empty: the target has no LUN left for this initiator.
print("part 1: Text Response while rm waits", flush=True)

os.mkdir(TGT + "/luns/1")
ln = subprocess.Popen(["ln", "-s", DEV, TGT + "/luns/1/device"])
if not finished(ln, 10):
    fail("part 1: mapping LUN 1 did not finish within 10 s while rm waited "
         "for LUN 0's WRITE")
print("part 1: LUN 1 mapped while rm waits", flush=True)

data_out(c, itt, ttt, 0, 0, b"\xa5" * 4096)
st, _, _, _ = c.response(itt, "part 1: WRITE")
if st != 0:
    fail("part 1: WRITE status %d, expected GOOD" % st)
if not finished(rm, 10):
    fail("part 1: rm of LUN 0's link did not return within 10 s of the "
         "WRITE's end")
print("part 1: WRITE GOOD, rm returned", flush=True)

# LUN 0 is gone for the session; LUN 1 works (past its unit attentions).
st, _, _, sense = c.response(c.scsi(tur, 0, lun=0), "TUR LUN 0")
if st != 2:
    fail("part 1: TUR of the unmapped LUN 0: status %r, expected CHECK "
         "CONDITION" % st)
for i in range(4):
    st, _, _, _ = c.response(c.scsi(tur, 0, lun=1), "TUR LUN 1")
    if st == 0:
        break
else:
    fail("part 1: TUR of LUN 1: status %r after 4 tries" % st)
c.logout()

# 2. Another login, then the held connection closes, while rm waits.
os.symlink(DEV, LINK)
c = Conn(0x400000000002)
c.login()
tur_good(c, "TUR")
itt, ttt, rm = held_unmap(c, "part 2")
res = {}


def login2():
    try:
        c2 = Conn(0x400000000003, timeout=30)
        c2.login()
        res["c2"] = c2
    except Exception as e:
        res["err"] = e


t = threading.Thread(target=login2, daemon=True)
t.start()
t.join(10)
if t.is_alive():
    fail("part 2: a second login did not finish within 10 s while rm "
         "waited for a WRITE (ktgt-iscsid's access check stuck?)")
if "err" in res:
    fail("part 2: second login: %s" % res["err"])
print("part 2: second session logged in while rm waits", flush=True)
c.s.close()
if not finished(rm, 15):
    fail("part 2: rm of LUN 0's link did not return within 15 s of the "
         "WRITE's connection closing")
print("part 2: connection closed, rm returned", flush=True)
res["c2"].logout()
EOF

python3 /tmp/unmap-held.py "$IQN" "$TGT" "$KTGT_CFS/handlers/vdisk_fileio/uh0" ||
	fail "unmap with a held WRITE"
[ ! -e "$TGT/luns/0/device" ] || fail "LUN 0 still linked"
expect_eq "$(cat "$KTGT_SYSFS/devices/uh0/nr_luns")" 1 "uh0's nr_luns (LUN 1)"
ktgt_iscsi_wait_no_sessions "after the logouts"
ktgt_unmaplun "iscsi/$IQN" 1
rmdir "$TGT/luns/0" || fail "rmdir luns/0"
iscsi_tgt_teardown
pass "unmap waits for a held WRITE without holding ktgt_cfg_mutex"
