#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 500
#
# An initiator that sends but never reads must not make the target queue
# without bound. A raw initiator (tests/lib/iscsi_raw.py) logs in with a
# 4 KiB receive buffer, then floods without reading: (1) immediate
# NOP-Out pings with 64 KiB of data (each answered by a NOP-In echoing
# it), (2) PDUs of an undefined opcode (a Reject each), (3) immediate
# TEST UNIT READYs (no CmdSN window bounds them). Each flood must be
# pushed back by TCP (its send blocks for 5 s before everything is
# sent; the target's rx_throttled counter grows), and while the blocked
# connection is still open SUnreclaim must have grown by less than
# 40 MiB (the target used to queue without bound: +498, +71 and +82 MiB
# for these floods). Immediate commands past queue_depth are rejected
# (imm_rejected grows) and at most a few thousand kis_task objects
# exist. Meanwhile another session's TEST UNIT READY and WRITE stay
# GOOD. Last, with nop_interval=2 and nop_timeout=3, a blocked
# connection whose peer reads nothing is closed by the NOP-In timeout
# (or by the send timeout, which is nop_timeout too, before the flood's
# own send has stalled for 5 s), and every session goes away when the
# floods' sockets are closed.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:noread

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/nr0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/nr0
iscsi_tgt_enable "$IQN"
P=/sys/module/ktgt_iscsi/parameters
echo 60 > $P/nop_interval || fail "nop_interval"
echo 30 > $P/nop_timeout || fail "nop_timeout"

cat > /tmp/nr.py <<'EOF'
import os, socket, struct, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

configure(sys.argv[1])
P = "/sys/module/ktgt_iscsi/parameters/"
errors = []


def mem():
    m = {}
    for l in open("/proc/meminfo"):
        k, v = l.split(":")
        m[k] = int(v.split()[0]) // 1024
    return m["SUnreclaim"]


def settle():
    os.system("sync; echo 3 > /proc/sys/vm/drop_caches")
    time.sleep(1)


def stat(name):
    try:
        return int(open("/sys/kernel/ktgt_iscsi/" + name).read())
    except OSError:
        return 0


def slab(name):
    try:
        return int(open("/sys/kernel/slab/%s/objects" % name).read().split()[0])
    except Exception:
        return -1


def sessions():
    return os.listdir("/sys/kernel/ktgt_iscsi/sessions")


def flood(c, build, n, batch, reset_ok=False):
    """Send n PDUs, never reading; True if the send blocked for 5 s,
    "reset" if the target closed the connection first (reset_ok)."""
    c.s.settimeout(5)
    i = sent = 0
    try:
        while i < n:
            buf = b"".join(build(c, j) for j in range(i, min(n, i + batch)))
            c.s.sendall(buf)
            sent += len(buf)
            i += batch
    except socket.timeout:
        return True, sent
    except (ConnectionResetError, BrokenPipeError):
        if not reset_ok:
            raise
        return "reset", sent
    return False, sent


def run(name, isid, build, n, params=None, batch=1000, check=None):
    settle()
    s0, th0 = mem(), stat("rx_throttled")
    c = Conn(isid, rcvbuf=4096, timeout=60)
    c.login(params)
    c.nop()
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    t0 = time.time()
    blocked, sent = flood(c, build, n, batch)
    time.sleep(2)
    settle()
    s1 = mem()
    th = stat("rx_throttled") - th0
    print("%s: %.1f MiB sent in %.1f s, %s; SUnreclaim %d -> %d MiB (%+d); "
          "rx_throttled +%d; kis_task objects %d"
          % (name, sent / 1048576.0, time.time() - t0,
             "then blocked" if blocked else "all of it", s0, s1, s1 - s0,
             th, slab("kis_task")), flush=True)
    if not blocked:
        errors.append("%s: the target read all %d PDUs without pushing back" % (name, n))
    if s1 - s0 >= 40:
        errors.append("%s: SUnreclaim grew by %d MiB (limit 40)" % (name, s1 - s0))
    if not th:
        errors.append("%s: rx_throttled did not grow" % name)
    if check:
        check(name)
    c.s.close()
    return c


def nop(c, j, size=65536):
    b = bytearray(48)
    b[0] = 0x40
    b[1] = 0x80
    b[16:20] = struct.pack(">I", 0x10000 + j)
    b[20:24] = struct.pack(">I", RESERVED_TAG)
    b[24:28] = struct.pack(">I", c.cmdsn)
    b[5:8] = struct.pack(">I", size)[1:]
    return bytes(b) + bytes(size)


def reject(c, j):
    b = bytearray(48)
    b[0] = 0x1c          # undefined opcode: Reject, connection kept
    b[1] = 0x80
    return bytes(b)


def tur_imm(c, j):
    b = bytearray(48)
    b[0] = 0x41          # immediate SCSI Command, TEST UNIT READY
    b[1] = 0x81
    b[16:20] = struct.pack(">I", 0x100000 + j)
    b[24:28] = struct.pack(">I", c.cmdsn)
    return bytes(b)


def other_good(name):
    v = Conn(0x400000000d01)
    v.login()
    tur_good(v, "other session TUR")
    st, _, _, _ = v.response(v.scsi(rw10(0x2a, 0, 8), 4096, write=True,
                                    imm=b"v" * 4096), "other session WRITE")
    print("%s: other session: TUR GOOD, 4 KiB WRITE status 0x%02x" % (name, st),
          flush=True)
    if st != 0:
        errors.append("%s: other session's WRITE status 0x%02x" % (name, st))
    v.s.close()


def tur_check(name):
    other_good(name)
    ir, nt = stat("imm_rejected") - ir0, slab("kis_task")
    print("%s: imm_rejected +%d" % (name, ir), flush=True)
    if not ir:
        errors.append("%s: no immediate command was rejected" % name)
    if nt > 4000:
        errors.append("%s: %d kis_task objects" % (name, nt))


def wait_gone(what, secs):
    t0 = time.time()
    while sessions() and time.time() - t0 < secs:
        time.sleep(0.2)
    if sessions():
        errors.append("%s: sessions %s still there after %d s" % (what, sessions(), secs))


run("NOP-Out 64 KiB pings", 0x400000000c01, nop, 4000,
    {"MaxRecvDataSegmentLength": "262144"}, batch=50, check=other_good)
wait_gone("after the pings", 20)
run("Reject (opcode 0x1c)", 0x400000000c02, reject, 400000)
wait_gone("after the Rejects", 20)
ir0 = stat("imm_rejected")
run("immediate TEST UNIT READY", 0x400000000c03, tur_imm, 200000,
    check=tur_check)
wait_gone("after the TURs", 20)

# A peer that reads nothing: the NOP-In timeout ends it.
open(P + "nop_interval", "w").write("2")
open(P + "nop_timeout", "w").write("3")
c = Conn(0x400000000c04, rcvbuf=4096, timeout=60)
c.login()
c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
# The target's send stalls first, and its send timeout (nop_timeout)
# may close the connection before this send has stalled for 5 s.
blocked, _ = flood(c, reject, 400000, 1000, reset_ok=True)
t0 = time.time()
wait_gone("blocked peer that reads nothing, nop_timeout=3", 30)
print("blocked peer (blocked %s): session gone after %.1f s" % (blocked, time.time() - t0),
      flush=True)
c.s.close()

for e in errors:
    print("FAIL: " + e)
print("FAILED" if errors else "OK")
EOF

out=$(python3 /tmp/nr.py "$IQN" 2>&1)
echo "$out"
dmesg | grep -E "ktgt|oom|Out of memory" | tail -n 20
echo "$out" | grep -q "^OK$" || fail "$(echo "$out" | grep -E "^FAIL|Error|error" | head -n 5 | tr '\n' ' ')"
ktgt_iscsi_wait_no_sessions "sessions left" 20
echo 15 > $P/nop_interval
echo 30 > $P/nop_timeout
iscsi_tgt_teardown
pass "a peer that does not read is pushed back; memory bounded"
