#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# The data direction of a SCSI Command PDU against its CDB, from a raw
# initiator. A CDB that needs data-out without the W bit (R bit only, or
# neither) used to wait for ever: the core asked for the data, the
# driver had no R2T to send for a command that announced none, and the
# command's own ABORT TASK could not end it. A CDB that moves data-in
# with the W bit got GOOD and no data. Each is now answered at once with
# CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN COMMAND INFORMATION
# UNIT (05/0e/03); an ABORT TASK of it is answered; a READ(10) with
# EDTL 0 (no bit) still gets GOOD with its overflow; and the session
# goes on: a WRITE with its R2T and a READ of what it wrote. A READ(10)
# of one block with the W bit and that block as immediate data (what
# libiscsi's iSCSIResiduals.Read10Invalid sends last, and LIO executes
# as a WRITE: iscsi-dir-peers.sh) is refused too, and block 0 of the
# backing file is left as it was.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-dir

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
truncate -s 16M /tmp/dir0.img || fail "truncate"
ktgt_mkdev vdisk_fileio/dir0 filename=/tmp/dir0.img
ktgt_maplun "iscsi/$IQN" 0 vdisk_fileio/dir0
iscsi_tgt_enable "$IQN"

cat > /tmp/dir.py <<'EOF'
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

configure(sys.argv[1])
a = Conn(0x400000001d01)
a.login()
tur_good(a, "TUR")


def refused(itt, what):
    """The SCSI Response of itt within 10 s must be 05/0e/03."""
    r = wait_pdu(a, 10, what)
    if r is None:
        fail("%s: no response within 10 s" % what)
    bhs, d = r
    op = bhs[0] & 0x3f
    if op != 0x21 or be32(bhs, 16) != itt:
        fail("%s: opcode 0x%02x ITT 0x%x, expected the SCSI Response of "
             "ITT 0x%x" % (what, op, be32(bhs, 16), itt))
    sense = d[2:]
    got = (bhs[3], sense[2] & 0xf if len(sense) > 13 else None,
           sense[12] if len(sense) > 13 else None,
           sense[13] if len(sense) > 13 else None)
    if got != (2, 5, 0x0e, 0x03):
        fail("%s: status/key/asc/ascq %r, expected (2, 5, 14, 3)"
             % (what, got))
    print("%s: CHECK CONDITION 05/0e/03" % what, flush=True)


itt = a.scsi(rw10(0x2a, 0, 8), 4096, read=True)
refused(itt, "WRITE(10) with the R bit")
resp, _ = a.tmf(1, rtt=itt, what="ABORT TASK of the refused WRITE")
if resp not in (0, 1):
    fail("ABORT TASK of the refused WRITE: response %d, expected 0 or 1 "
         "(it has ended)" % resp)
print("ABORT TASK of it: response %d" % resp, flush=True)
refused(a.scsi(rw10(0x2a, 8, 8), 4096), "WRITE(10) with neither bit")
refused(a.scsi(rw10(0x28, 0, 8), 4096, write=True), "READ(10) with the W bit")

# What libiscsi's iSCSIResiduals.Read10Invalid sends last: the block the
# READ names as immediate data. LIO writes it to the disk; ktgt must
# refuse the command and leave the block as it was.
with open(sys.argv[2], "rb") as f:
    before = f.read(512)
imm = (b"kern-dir-READ-W!" * 32)[:512]
refused(a.scsi(rw10(0x28, 0, 1), 512, write=True, imm=imm),
        "READ(10) with the W bit and a block of immediate data")
with open(sys.argv[2], "rb") as f:
    after = f.read(512)
if after != before:
    fail("READ(10) with the W bit and immediate data: block 0 of the "
         "backing file changed%s" % (" to the immediate data"
                                     if after == imm else ""))
print("block 0 of the backing file unchanged", flush=True)
refused(a.scsi(bytes([0x12, 0, 0, 0, 36, 0]), 36, write=True),
        "INQUIRY with the W bit")

st, data, rsp, _ = a.response(a.scsi(rw10(0x28, 0, 8), 0), "READ(10), EDTL 0")
if st != 0 or data or not rsp[1] & 0x04 or be32(rsp, 44) != 4096:
    fail("READ(10) with EDTL 0: status %r, %d bytes, flags 0x%02x, "
         "residual %d; expected GOOD, no data, overflow 4096"
         % (st, len(data), rsp[1], be32(rsp, 44)))
print("READ(10) with EDTL 0: GOOD, overflow 4096", flush=True)

pattern = bytes(range(256)) * 16
itt, cmdsn, ttt = write_r2t(a, 16, "WRITE(10) after them")
data_out(a, itt, ttt, 0, 0, pattern)
st, _, _, _ = a.response(itt, "WRITE(10) after them")
if st != 0:
    fail("WRITE(10) after them: status %r" % st)
if read8(a, 16, "READ(10) after them") != pattern:
    fail("READ(10) after them: not the data written")
print("WRITE and READ after them: GOOD, data intact", flush=True)
a.logout()
EOF

run_ok "raw initiator" python3 /tmp/dir.py "$IQN" /tmp/dir0.img
ktgt_iscsi_wait_no_sessions "session after the logout" 20
iscsi_tgt_teardown
pass
