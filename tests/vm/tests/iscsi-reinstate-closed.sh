#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Session reinstatement after the old session's connection already
# dropped (the usual case: the initiator lost its connection and logs in
# again with the same ISID), while the old session still has a WRITE in
# the backing store. The old session is then already being torn down;
# the new login (same InitiatorName, ISID, target) must still wait until
# it is gone, its WRITE ended, as it does for a live old session
# (iscsi-reinstate-held.sh).
# nullio's delay_ms holds the old session's WRITE: the reinstating login
# must not be answered while it is held (3 s), must be answered once it
# is released, with the old session gone by then (so that no command of
# the old I_T nexus can end after one of the new session), and the new
# session must work. Disabling the target must likewise wait for such a
# session (it returned at once, with the session and its WRITE still
# there). Waits are bounded; the hold is released by the test.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:reinstate-closed
DELAY=$KTGT_CFS/handlers/vdisk_nullio/rc0/delay_ms
T=$(mktemp -d /tmp/reinst-closed.XXXXXX) || fail "mktemp"

cleanup() {
	[ -e "$DELAY" ] && echo 0 > "$DELAY"
	rm -rf "$T"
}
trap cleanup EXIT

iscsi_tgt_setup
ktgt_mkdev vdisk_nullio/rc0 size=$((16 << 20))
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/rc0
iscsi_tgt_enable "$IQN"

cat > $T/rc.py <<'EOF'
import os, sys, threading, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, DELAY = sys.argv[1:3]
configure(IQN)
S = "/sys/kernel/ktgt_iscsi/sessions"
errors = []


def there(tsih, new=None):
    """Session tsih exists (and is not the new session new, which may
    have got the old one's TSIH once that was free)."""
    return tsih != new and os.path.exists("%s/%d" % (S, tsih))


def outstanding(tsih):
    try:
        return open("%s/%d/cmdsn" % (S, tsih)).read().split()[-1]
    except OSError:
        return "gone"


def reinstate(isid, old, out):
    try:
        b = Conn(isid, timeout=60)
        b.login()
        out["old_there"] = there(old, b.tsih)
        out["conn"] = b
    except Exception as e:
        out["error"] = repr(e)
    out["t"] = time.time()


def wait_gone(tsih, new, secs):
    for i in range(secs * 10):
        if not there(tsih, new):
            return True
        time.sleep(0.1)
    return False


def old_write_dropped(isid, lun, data):
    """A session of isid with a WRITE of data to LBA 0 of lun held in the
    backing store, its connection then closed: its TSIH."""
    a = Conn(isid)
    a.login()
    tur_good(a, "TUR before the hold")
    a.scsi(rw10(0x2a, 0, 8), 4096, write=True, imm=data, lun=lun)
    time.sleep(1)
    a.s.close()              # the initiator lost its connection
    for i in range(50):
        if outstanding(a.tsih) == "1":
            break
        time.sleep(0.1)
    if outstanding(a.tsih) != "1":
        fail("old session %d: outstanding %s, expected its WRITE held"
             % (a.tsih, outstanding(a.tsih)))
    return a.tsih


def release_nullio():
    with open(DELAY, "w") as f:
        f.write("0")


ISID = 0x400000000f01
with open(DELAY, "w") as f:
    f.write("60000")
old = old_write_dropped(ISID, 0, b"\xaa" * 4096)
out = {}
th = threading.Thread(target=reinstate, args=(ISID, old, out))
t0 = time.time()
th.start()
th.join(3)
if "t" in out:
    errors.append("the reinstating login was answered in %.2f s while "
                  "the old session %d (connection closed, outstanding %s) "
                  "still held its WRITE"
                  % (out["t"] - t0, old, outstanding(old)))
release_nullio()
th.join(30)
if "conn" not in out:
    fail("the reinstating login did not complete once the WRITE was "
         "released: %r" % out)
if out["old_there"]:
    errors.append("the old session %d was still there when the "
                  "reinstating login was answered" % old)
if not wait_gone(old, out["conn"].tsih, 10):
    fail("old session %d still there 10 s after the release" % old)
b = out["conn"]
tur_good(b, "TUR of the new session")
st, _, _, _ = b.response(b.scsi(rw10(0x2a, 0, 8), 4096, write=True,
                                imm=b"\xbb" * 4096), "new session's WRITE")
if st != 0:
    fail("new session's WRITE: status 0x%02x" % st)
print("login after %.2f s, old session gone" % (out["t"] - t0),
      flush=True)
b.s.close()

# Disabling the target waits for a session already being torn down too:
# the core requires a driver's sessions to be ended when disable returns.
EN = "/sys/kernel/config/ktgt/targets/iscsi/%s/enable" % IQN
with open(DELAY, "w") as f:
    f.write("60000")
old2 = old_write_dropped(0x400000000f02, 0, b"\xcc" * 4096)
dis = {}


def disable():
    try:
        with open(EN, "w") as f:
            f.write("0")
    except Exception as e:
        dis["error"] = repr(e)
    dis["t"] = time.time()


th2 = threading.Thread(target=disable)
t1 = time.time()
th2.start()
th2.join(3)
if "t" in dis:
    errors.append("the disable returned in %.2f s while session %d "
                  "(connection closed) still held its WRITE"
                  % (dis["t"] - t1, old2))
release_nullio()
th2.join(30)
if "t" not in dis:
    fail("the disable did not return 30 s after the release")
if "error" in dis:
    fail("the disable failed: %s" % dis["error"])
if there(old2):
    errors.append("session %d still there when the disable returned"
                  % old2)
print("disable after %.2f s, session gone" % (dis["t"] - t1), flush=True)

for e in errors:
    print("FAIL: " + e, flush=True)
print("ALL OK" if not errors else "FAILED", flush=True)
EOF

out=$(timeout 200 python3 $T/rc.py "$IQN" "$DELAY" 2>&1)
rc=$?
echo "$out"
echo 0 > "$DELAY"
echo "$out" | grep -q "^ALL OK$" ||
	fail "reinstatement after a dropped connection (rc $rc): $(echo "$out" | grep FAIL | tr '\n' ' ')"
ktgt_iscsi_wait_no_sessions "sessions left" 20
iscsi_tgt_teardown
pass "a reinstatement waits for an old session already being torn down"
