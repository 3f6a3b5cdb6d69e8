#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Task management across sessions, from a raw initiator
# (tests/lib/iscsi_raw.py): a LUN RESET of session V covers a WRITE of
# session A that got its R2T and whose Data-Out never comes, while A
# stays alive (it answers the target's NOP-In pings). The core tells the
# driver (->data_out_aborted()), which ends the write's data phase: V's
# LUN RESET is answered within seconds, A's WRITE ends with TASK ABORTED
# (TAS = 1, the default: SAM-5 5.6), A's late Data-Out is dropped, and
# both sessions then end without waiting.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:tmf-xsess

iscsi_tgt_setup
echo 2 > /sys/module/ktgt_iscsi/parameters/nop_interval || fail "nop_interval"
echo 10 > /sys/module/ktgt_iscsi/parameters/nop_timeout || fail "nop_timeout"
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/xs0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/xs0
iscsi_tgt_enable "$IQN"

cat > /tmp/xs.py <<'EOF'
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]

# V's LUN RESET and A's WRITE waiting for its Data-Out
configure(IQN)
a = Conn(0x400000000a01); a.login(); tur_good(a, "A TUR")
v = Conn(0x400000000b01); v.login(); tur_good(v, "V TUR")
itt, cmdsn, ttt = write_r2t(a, 0, "A WRITE")
titt = v.tmf_send(5)   # LUN RESET, immediate
t0 = time.time()
got = None
a_pdus = []
while time.time() - t0 < 10 and not got:
    got = wait_pdu(v, 0.5, "V LUN RESET")
    r = wait_pdu(a, 0.2, "A")   # answers A's pings
    if r:
        a_pdus.append(r)
if not got:
    fail("V's LUN RESET not answered in %.1f s while A is alive and "
         "its WRITE waits for Data-Out" % (time.time() - t0))
bhs = got[0]
if bhs[0] & 0x3f != 0x22 or be32(bhs, 16) != titt or bhs[2] != 0:
    fail("V's LUN RESET: op 0x%02x ITT 0x%x response %d, expected a "
         "TMF response 0 for ITT 0x%x" % (bhs[0] & 0x3f, be32(bhs, 16),
                                          bhs[2], titt))
print("V: LUN RESET answered in %.1f s" % (time.time() - t0), flush=True)

# A's WRITE ends with TASK ABORTED (TAS = 1, another I_T nexus)
if not a_pdus:
    r = wait_pdu(a, 5, "A WRITE status")
    if r:
        a_pdus.append(r)
if not a_pdus:
    fail("A's WRITE: no SCSI Response after the LUN RESET")
bhs = a_pdus[0][0]
if bhs[0] & 0x3f != 0x21 or be32(bhs, 16) != itt or bhs[3] != 0x40:
    fail("A's WRITE after V's LUN RESET: op 0x%02x ITT 0x%x status 0x%02x,"
         " expected a SCSI Response with TASK ABORTED (0x40) for ITT 0x%x"
         % (bhs[0] & 0x3f, be32(bhs, 16), bhs[3], itt))
print("A: WRITE ended with TASK ABORTED", flush=True)
# its late Data-Out is dropped, and A goes on
data_out(a, itt, ttt, 0, 0, bytes(4096))
tur_good(a, "A TUR after the LUN RESET")
a.logout(what="A logout")
v.logout(what="V logout")
print("A and V logged out", flush=True)

print("OK")
EOF

out=$(timeout 120 python3 /tmp/xs.py "$IQN" 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] && echo "$out" | grep -q "^OK$" ||
	fail "raw initiator (rc $rc): $(echo "$out" | tail -n 1)"
ktgt_iscsi_wait_no_sessions "sessions left" 20
iscsi_tgt_teardown
pass "another session's LUN RESET ends a WRITE waiting for Data-Out"
