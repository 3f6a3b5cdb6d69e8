#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# Data-Out timeout (ktgt_iscsi dataout_timeout, 4 s here), from a raw
# initiator (tests/lib/iscsi_raw.py) that keeps its connections alive
# (it answers NOP-In pings and sends NOP-Outs every second):
# - S: a 32 KiB WRITE whose Data-Out comes 4 KiB a second after its R2T
#   (8 s in all, never 4 s without one) ends GOOD, and so does a 4 KiB
#   WRITE whose data is all in while the device holds it 7 s (nullio
#   delay_ms): neither waits for data for 4 s;
# - A: a WRITE that got its R2T and whose Data-Out never comes: the
#   target closes A's connection after 4 s (it used to keep it, and the
#   write's buffer, for as long as the initiator wanted), logs it, and
#   A's session ends;
# - U: the same for a WRITE whose unsolicited data (InitialR2T=No) stops
#   after its immediate part;
# - T: a 64 KiB WRITE whose Data-Out trickles in, 512 bytes every 2 s
#   (never 4 s without one): the target closes T's connection once its
#   data phase has lasted dataout_timeout x (2 + its 64 KiB units), 12 s
#   here (each Data-Out used to restart the timeout, so the write held
#   its buffer for as long as the trickle went on), and logs it;
# - S is not affected: a TEST UNIT READY is GOOD after, and it logs out.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:dataout
P=/sys/module/ktgt_iscsi/parameters

iscsi_tgt_setup
echo 2 > $P/nop_interval || fail "nop_interval"
echo 10 > $P/nop_timeout || fail "nop_timeout"
if [ -e $P/dataout_timeout ]; then
	echo 4 > $P/dataout_timeout || fail "dataout_timeout"
else
	log "no dataout_timeout parameter"
fi
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/do0 size=$((16 << 20))
ktgt_mkdev vdisk_nullio/do1 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/do0
ktgt_maplun "iscsi/$IQN" 1 vdisk_nullio/do1
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/InitialR2T" No
iscsi_tgt_enable "$IQN"
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/do1/delay_ms" 7000

cat > /tmp/do.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]
TIMEOUT = 4
errors = []
configure(IQN)


def alive_for(c, secs, what, idle):
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
        got = wait_pdu(idle, max(0.05, 1.0 - (time.time() - t0) % 1.0),
                       "idle S")
        if got:
            fail("S, idle: op 0x%02x came" % (got[0][0] & 0x3f))
    return None


# S: Data-Out that comes slowly but steadily, then a slow device.
s = Conn(0x400000002101)
s.login()
tur_good(s, "S TUR")
itt = s.scsi(rw10(0x2a, 0, 64), 32768, write=True)
st, _, r2t, _ = s.response(itt, "S WRITE")
if st is not None:
    fail("S WRITE: status 0x%02x, expected an R2T" % st)
ttt = bytes(r2t[20:24])
t0 = time.time()
for i in range(8):
    if wait_pdu(s, 1.0, "S between Data-Outs") is not None:
        fail("S WRITE: a PDU came before its data was all sent")
    data_out(s, itt, ttt, i, 4096 * i, bytes([i]) * 4096, final=(i == 7))
st, _, _, _ = s.response(itt, "S WRITE status")
print("S: 32 KiB WRITE, its Data-Out over %.1f s: status 0x%02x"
      % (time.time() - t0, st), flush=True)
if st != 0:
    errors.append("S: slow but steady WRITE: status 0x%02x, expected GOOD" % st)
for i in range(4):
    # past LUN 1's unit attention
    st, _, _, _ = s.response(s.scsi(tur, 0, lun=1), "S TUR LUN 1")
    if st == 0:
        break
t0 = time.time()
itt = s.scsi(rw10(0x2a, 0, 8), 4096, write=True, lun=1)
st, _, r2t, _ = s.response(itt, "S WRITE LUN 1")
if st is not None:
    fail("S WRITE LUN 1: status 0x%02x, expected an R2T" % st)
data_out(s, itt, bytes(r2t[20:24]), 0, 0, b"s" * 4096)
st, _, _, _ = s.response(itt, "S WRITE LUN 1 status")
print("S: 4 KiB WRITE to a device holding it 7 s: status 0x%02x after %.1f s"
      % (st, time.time() - t0), flush=True)
if st != 0:
    errors.append("S: WRITE held by the device: status 0x%02x, expected GOOD" % st)

# A: a WRITE whose Data-Out never comes.
a = Conn(0x400000002201)
a.login()
tur_good(a, "A TUR")
write_r2t(a, 0, "A WRITE")
closed = alive_for(a, 20, "A", s)
if closed is None:
    errors.append("A: connection still open 20 s after the R2T of a WRITE "
                  "whose Data-Out never came (dataout_timeout %d)" % TIMEOUT)
else:
    print("A: closed %.1f s after the R2T" % closed, flush=True)
    if closed < TIMEOUT - 1:
        errors.append("A: closed after %.1f s, before dataout_timeout %d"
                      % (closed, TIMEOUT))
    if not session_gone(a.tsih, 10):
        errors.append("A: session %d still there 10 s after its connection closed"
                      % a.tsih)
a.s.close()

# U: unsolicited data that stops after the immediate part.
u = Conn(0x400000002301)
u.login(params={"InitialR2T": "No"})
if u.login_keys.get("InitialR2T") != "No":
    fail("U: InitialR2T %r negotiated, expected No"
         % u.login_keys.get("InitialR2T"))
tur_good(u, "U TUR")
u.scsi(rw10(0x2a, 0, 16), 8192, write=True, imm=b"u" * 4096, final=False)
closed = alive_for(u, 20, "U", s)
if closed is None:
    errors.append("U: connection still open 20 s after a WRITE whose "
                  "unsolicited Data-Out never came")
else:
    print("U: closed %.1f s after the WRITE" % closed, flush=True)
    if closed < TIMEOUT - 1:
        errors.append("U: closed after %.1f s, before dataout_timeout %d"
                      % (closed, TIMEOUT))
u.s.close()

# T: Data-Out trickled in, 512 bytes every 2 s.
t = Conn(0x400000002401)
t.login()
tur_good(t, "T TUR")
itt = t.scsi(rw10(0x2a, 0, 128), 65536, write=True)
st, _, r2t, _ = t.response(itt, "T WRITE")
if st is not None:
    fail("T WRITE: status 0x%02x, expected an R2T" % st)
ttt = bytes(r2t[20:24])
t0 = time.time()
closed = None
for i in range(15):
    try:
        data_out(t, itt, ttt, i, 512 * i, bytes([i]) * 512, final=False)
        got = wait_pdu(t, 1.0, "T between Data-Outs")
        if got is not None:
            fail("T WRITE: op 0x%02x came before its data was all sent"
                 % (got[0][0] & 0x3f))
        if wait_pdu(s, 1.0, "idle S") is not None:
            fail("S, idle: a PDU came")
    except (EOFError, OSError):
        closed = time.time() - t0
        break
if closed is None:
    errors.append("T: connection still open %.0f s after the R2T of a 64 KiB "
                  "WRITE whose Data-Out trickles in 512 bytes every 2 s"
                  % (time.time() - t0))
else:
    print("T: closed %.1f s after the R2T" % closed, flush=True)
    if closed < 3 * TIMEOUT - 1:
        errors.append("T: closed after %.1f s, before %d s" % (closed, 3 * TIMEOUT))
t.s.close()

# S is still there.
tur_good(s, "S TUR after")
s.logout(what="S logout")
print("S: TEST UNIT READY GOOD and logged out", flush=True)
for e in errors:
    print("FAIL: " + e)
print("FAILED" if errors else "OK")
EOF

out=$(python3 /tmp/do.py "$IQN" 2>&1)
echo "$out"
echo "$out" | grep -q "^OK$" || fail "$(echo "$out" | grep -E "^FAIL|rror" | head -n 5 | tr '\n' ' ')"
n=$(dmesg | grep -c "no Data-Out for [0-9]* s (dataout_timeout 4), closing")
dmesg | grep "no Data-Out for" | sed 's/^/dmesg: /'
expect_eq "$n" 2 "Data-Out timeouts logged"
n=$(dmesg | grep -c "data phase not over after [0-9]* s (dataout_timeout 4: at most 12 s for 65536 bytes), closing")
dmesg | grep "data phase not over" | sed 's/^/dmesg: /'
expect_eq "$n" 1 "Data-Out trickles logged"
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/do1/delay_ms" 0
[ -e $P/dataout_timeout ] && echo 30 > $P/dataout_timeout
echo 15 > $P/nop_interval
echo 30 > $P/nop_timeout
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "a write whose Data-Out does not come ends its connection"
