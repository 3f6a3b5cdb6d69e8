#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# A peer that stops reading, with the NOP-In keepalive off
# (nop_interval=0, nop_timeout=4), from a raw initiator
# (tests/lib/iscsi_raw.py):
# - B logs in with a 4 KiB receive buffer, sends 32 READs of 1 MiB and
#   reads nothing: the target's transmit thread can send nothing for 4 s
#   and the target closes B's session, with a log line (its transmit
#   thread used to wait in the socket, holding the session, its commands
#   and their 32 MiB of buffers, for as long as the peer kept the TCP
#   connection open);
# - S reads a 1 MiB READ slowly (128 KiB a second, 8 s in all): its
#   status is GOOD and its session stays: the timeout is for a send
#   that makes no progress at all, not for a slow reader.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:noread-nop0
P=/sys/module/ktgt_iscsi/parameters

iscsi_tgt_setup
echo 0 > $P/nop_interval || fail "nop_interval"
echo 4 > $P/nop_timeout || fail "nop_timeout"
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/nr0 size=$((64 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/nr0
iscsi_tgt_enable "$IQN"

cat > /tmp/nr0.py <<'EOF'
import os, socket, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
import iscsi_raw
from iscsi_raw import *

configure(sys.argv[1])
TIMEOUT = 4
errors = []


# S: a slow reader, 128 KiB a second.
fast_recvall = iscsi_raw.recvall


def slow_recvall(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(min(4096, n - len(b)))
        if not c:
            raise EOFError("connection closed")
        b += c
        time.sleep(len(c) / 131072.0)
    return b


s = Conn(0x400000004101, rcvbuf=4096)
s.login()
tur_good(s, "S TUR")
s.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
itt = s.scsi(rw10(0x28, 0, 2048), 1 << 20, read=True)
t0 = time.time()
iscsi_raw.recvall = slow_recvall
try:
    st, data, _, _ = s.response(itt, "S slow READ")
except (EOFError, OSError) as e:
    st, data = "closed (%s)" % e, b""
iscsi_raw.recvall = fast_recvall
print("S: 1 MiB READ read in %.1f s: status %r, %d bytes"
      % (time.time() - t0, st, len(data)), flush=True)
if st != 0 or len(data) != 1 << 20:
    errors.append("S: slow reader's READ: status %r, %d bytes" % (st, len(data)))
tur_good(s, "S TUR after")

# B: a peer that reads nothing.
b = Conn(0x400000004201, rcvbuf=4096)
b.login()
tur_good(b, "B TUR")
b.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
for i in range(32):
    b.scsi(rw10(0x28, 2048 * i, 2048), 1 << 20, read=True)
gone = session_gone(b.tsih, 40)
if gone is None:
    errors.append("B: session still there 40 s after 32 READs of 1 MiB to "
                  "a peer that reads nothing (nop_interval 0, nop_timeout %d)"
                  % TIMEOUT)
else:
    print("B: session gone %.1f s after its READs" % gone, flush=True)
    if gone < TIMEOUT - 1:
        errors.append("B: session gone after %.1f s, before nop_timeout %d"
                      % (gone, TIMEOUT))
b.s.close()

tur_good(s, "S TUR at the end")
s.logout(what="S logout")
print("S: TEST UNIT READY GOOD and logged out", flush=True)
for e in errors:
    print("FAIL: " + e)
print("FAILED" if errors else "OK")
EOF

out=$(python3 /tmp/nr0.py "$IQN" 2>&1)
echo "$out"
n=$(dmesg | grep -c "the initiator took no data for 4 s (nop_timeout 4), closing")
dmesg | grep "took no data" | sed 's/^/dmesg: /'
echo "$out" | grep -q "^OK$" || fail "$(echo "$out" | grep -E "^FAIL|rror" | head -n 5 | tr '\n' ' ')"
expect_eq "$n" 1 "send timeouts logged"
echo 15 > $P/nop_interval
echo 30 > $P/nop_timeout
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "a peer that reads nothing is dropped with nop_interval=0"
