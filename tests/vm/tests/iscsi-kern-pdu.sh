#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt_iscsi's full-feature phase PDU by PDU, from a raw initiator (the
# Python program below) that logs in through ktgt-iscsid and then checks:
# NOP-Out ping / NOP-In echo; SCSI Response with sense (the power-on unit
# attention) and GOOD; WRITE with immediate data + R2T + Data-Out; READ
# with Data-In and status collapsed into the last Data-In; an underflow
# residual; Reject for an unknown opcode and for a reserved ITT, with the
# connection kept; Data-Out for an unknown ITT dropped; a CmdSN outside
# the window dropped (ExpCmdSN unchanged); Text SendTargets=All; Text
# MaxRecvDataSegmentLength=1024: a 4 KiB READ in four 1 KiB Data-In, a
# 3000-byte NOP-Out ping echoed with at most 1024 bytes; TMF
# (LUN RESET, ABORT TASK of no task, TASK REASSIGN refused); TAS: a READ
# held in nullio's delay_ms ends with TASK ABORTED when another session
# resets the LUN, and ABORT TASK of a finished task gets "Task does not
# exist"; a second
# connection of the session (MC/S) whose command runs only once the
# first connection fills the CmdSN gap; Logout of that connection; a
# data segment longer than MaxRecvDataSegmentLength (Reject, connection
# closed); session reinstatement (same ISID) closing the old connection;
# Logout of the session. Target-initiated NOP-In keepalive is checked
# with a 2 s nop_interval. Extended CDB AHS: a 24-byte TEST UNIT READY
# runs, a 40-byte CDB gets INVALID FIELD IN CDB, an AHS running past
# TotalAHSLength a Reject. A write whose buffer would exceed
# max_buffer_mb gets BUSY before any R2T. ABORT TASK of a command whose
# RefCmdSN is in the window but has not run (RFC 7143 11.5.1 b): one held
# for a CmdSN gap never runs, one not yet sent has its CmdSN counted as
# received (ExpCmdSN passes it) and is dropped when it comes late.
# Data-Out DataSN, per sequence from 0 (unsolicited, then each R2T's): a
# gap or reversal gets a Reject, no further R2T, and, once the data of
# the R2Ts sent is in, CHECK CONDITION with PROTOCOL SERVICE CRC ERROR,
# nothing written. Data-Out out of place (DataPDUInOrder and
# DataSequenceInOrder are Yes): 128 PDUs of 512 bytes all at offset 0
# for a 64 KiB R2T, or a PDU skipping ahead, are handled the same way
# (Reject, CHECK CONDITION, the LBAs keep their contents), and the
# connection then writes in-order data again. The CmdSN window with
# queue_depth 4: commands held for a gap at ExpCmdSN never lower the
# MaxCmdSN sent, and every CmdSN up to the MaxCmdSN advertised before the
# gap runs once it is filled. ABORT TASK of a WRITE waiting for Data-Out
# (after its R2T, with no data sent), and a LUN RESET with two such
# writes: the TMF response ("Function complete") comes within 10 s, with
# no SCSI Response for the writes, the LBAs keep their contents, Data-Out
# sent afterwards is dropped, and the connection writes and reads again.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-pdu

iscsi_tgt_setup
echo 2 > /sys/module/ktgt_iscsi/parameters/nop_interval || fail "nop_interval"
iscsi_tgt_mkdisk kpdu0 /tmp/kpdu0.img 16M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 kpdu0
ktgt_mkdev vdisk_nullio/kpdu1 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 1 vdisk_nullio/kpdu1
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/MaxConnections" 2
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/MaxOutstandingR2T" 2
# Only a login that asks for it gets InitialR2T=No.
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/InitialR2T" No
iscsi_tgt_enable "$IQN"

cat > /tmp/pdu.py <<'EOF'
import os, socket, struct, sys, threading, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]
configure(IQN)

c = Conn(0x400000000001)
c.login()
print("logged in, TSIH", c.tsih)
c.nop()

# Unit attention first, then GOOD
st, _, _, sense = c.response(c.scsi(tur, 0), "TUR 1")
if st != 2 or len(sense) < 4 or (sense[4] & 0xf) != 6:
    fail("first TUR: status %d sense %r, expected CHECK CONDITION / UNIT ATTENTION" % (st, sense[:8]))
st, _, _, _ = c.response(c.scsi(tur, 0), "TUR 2")
if st != 0:
    fail("second TUR: status %d" % st)

# WRITE 8 blocks: 512 immediate, then an R2T for the rest
pat = bytes((i * 7 + 3) & 0xff for i in range(4096))
itt = c.scsi(rw10(0x2a, 16, 8), 4096, write=True, imm=pat[:512])
st, _, r2t, _ = c.response(itt, "WRITE")
if st is not None:
    fail("WRITE: expected an R2T, got status %d" % st)
off, length = struct.unpack(">II", r2t[40:48])
if (off, length) != (512, 3584):
    fail("R2T offset/length %d/%d, expected 512/3584" % (off, length))
data_out(c, itt, r2t[20:24], 0, 512, pat[512:])
st, _, _, _ = c.response(itt, "WRITE status")
if st != 0:
    fail("WRITE: status %d" % st)

# READ back: Data-In with the status in the last PDU
st, data, last, _ = c.response(c.scsi(rw10(0x28, 16, 8), 4096, read=True), "READ")
if st != 0 or data != pat:
    fail("READ: status %r, data %s" % (st, "equal" if data == pat else "differs"))
if last[0] & 0x3f != 0x25:
    fail("READ: status not collapsed into Data-In")
# underflow: EDTL 8192 for 4096 bytes
st, data, last, _ = c.response(c.scsi(rw10(0x28, 16, 8), 8192, read=True), "READ underflow")
resid = struct.unpack(">I", last[44:48])[0]
if st != 0 or not (last[1] & 0x02) or resid != 4096:
    fail("underflow: flags 0x%02x residual %d" % (last[1], resid))
print("SCSI commands OK")

# Unknown opcode: Reject (command not supported), connection stays
bad = bytearray(48)
bad[0] = 0x1c
bad[1] = 0x80
c.raw(bad)
rsp, rdata = c.recv_op(0x3f, "Reject for opcode 0x1c")
if rsp[2] != 0x05 or rdata[:1] != b"\x1c":
    fail("Reject reason 0x%02x" % rsp[2])
# Reserved ITT on a SCSI Command: Reject (invalid PDU field)
bad = bytearray(48)
bad[0] = 0x01
bad[1] = 0x80
bad[16:20] = b"\xff\xff\xff\xff"
bad[24:28] = struct.pack(">I", c.cmdsn)
c.raw(bad)
rsp, _ = c.recv_op(0x3f, "Reject for the reserved ITT")
if rsp[2] != 0x09:
    fail("Reject reason 0x%02x for the reserved ITT" % rsp[2])
# Data-Out for a task that does not exist: dropped
data_out(c, 0xdead, b"\0" * 4, 0, 0, b"x" * 100)
c.nop()
# CmdSN far outside the window: dropped, ExpCmdSN unchanged
before = c.expcmdsn
c.scsi(tur, 0, cmdsn=c.cmdsn + 100000)
c.nop()
if c.expcmdsn != before:
    fail("ExpCmdSN moved from %d to %d for an out-of-window command" % (before, c.expcmdsn))
print("bad PDUs OK")

# Extended CDB AHS (immediate commands: no CmdSN consumed)
def scsi_ahs(cdb16, ahs):
    itt = c.next_itt()
    b = bytearray(48)
    b[0] = 0x41
    b[1] = 0x81
    b[4] = len(ahs) // 4
    b[16:20] = struct.pack(">I", itt)
    b[24:28] = struct.pack(">I", c.cmdsn)
    b[28:32] = struct.pack(">I", c.expstatsn)
    b[32:48] = cdb16
    c.s.sendall(bytes(b) + ahs)
    return itt
def ext_cdb(extra):
    a = struct.pack(">HBB", len(extra) + 1, 1, 0) + extra
    return a + b"\0" * pad(len(a))
tur16 = bytes(16)
st, _, _, sense = c.response(scsi_ahs(tur16, ext_cdb(bytes(8))), "TUR, 24-byte CDB")
if st != 0:
    fail("24-byte TEST UNIT READY: status %r sense %r" % (st, sense[:16]))
st, _, _, sense = c.response(scsi_ahs(tur16, ext_cdb(bytes(24))), "40-byte CDB")
if st != 2 or (sense[4] & 0xf) != 5 or sense[14] != 0x24:
    fail("40-byte CDB: status %r sense %r, expected INVALID FIELD IN CDB" % (st, sense[:16]))
itt = scsi_ahs(tur16, struct.pack(">HBB", 40, 1, 0) + bytes(4))
rsp, _ = c.recv_op(0x3f, "Reject for an AHS longer than TotalAHSLength")
if rsp[2] != 0x09:
    fail("Reject reason 0x%02x for a bad AHS" % rsp[2])
c.nop()
print("extended CDB AHS OK")

# A write whose buffer max_buffer_mb cannot hold: BUSY, no R2T
mb = "/sys/module/ktgt_core/parameters/max_buffer_mb"
old_mb = open(mb).read().strip()
open(mb, "w").write("1")
st, _, _, _ = c.response(c.scsi(rw10(0x2a, 0, 4096), 4096 * 512, write=True, imm=pat[:512]), "WRITE over max_buffer_mb")
open(mb, "w").write(old_mb)
if st != 8:
    fail("2 MiB WRITE with max_buffer_mb=1: status %r, expected BUSY" % st)
c.nop()
print("BUSY past max_buffer_mb OK")

# Text: one request, its answer's data
def text1(data, what):
    t = bytearray(48)
    t[0] = 0x44
    t[1] = 0x80
    t[16:20] = struct.pack(">I", c.next_itt())
    t[20:24] = b"\xff\xff\xff\xff"
    t[24:28] = struct.pack(">I", c.cmdsn)
    c.send(t, data)
    return c.recv_op(0x24, what)[1]

# Text: SendTargets=All
data = text1(b"SendTargets=All\0", "Text response")
if ("TargetName=" + IQN).encode() not in data or b"TargetAddress=127.0.0.1:3260,1" not in data:
    fail("SendTargets: %r" % data)

# Text: MaxRecvDataSegmentLength declared anew sizes the Data-In PDUs
ans = text1(b"MaxRecvDataSegmentLength=1024\0", "Text MaxRecvDataSegmentLength=1024")
if ans:
    fail("MaxRecvDataSegmentLength=1024 answered %r" % ans)
itt = c.scsi(rw10(0x28, 0, 8), 4096, read=True)
sizes = []
while True:
    bhs, d = c.recv_op(0x25, "Data-In after MaxRecvDataSegmentLength=1024")
    sizes.append(len(d))
    if bhs[1] & 1:
        break
if sizes != [1024] * 4:
    fail("Data-In segments %r after MaxRecvDataSegmentLength=1024" % sizes)
# A NOP-Out ping of 3000 bytes (within the target's
# MaxRecvDataSegmentLength): the NOP-In echoes at most 1024 of them, the
# initiator's (RFC 7143 11.18.5).
ping = bytes((i * 17 + 9) & 0xff for i in range(3000))
nitt = c.nop_send(ping)
while True:
    rsp, echo = c.recv_op(0x20, "NOP-In for a 3000-byte ping")
    if struct.unpack(">I", rsp[16:20])[0] != 0xffffffff:
        break
    c.answer_nop(rsp)  # the keepalive
if struct.unpack(">I", rsp[16:20])[0] != nitt:
    fail("NOP-In for the 3000-byte ping: ITT 0x%x" % struct.unpack(">I", rsp[16:20])[0])
if len(echo) > 1024 or echo != ping[:len(echo)]:
    fail("NOP-In for a 3000-byte ping with MaxRecvDataSegmentLength=1024: DataSegmentLength %d%s" % (len(echo), "" if echo == ping[:len(echo)] else ", not the ping data"))
text1(b"MaxRecvDataSegmentLength=8192\0", "Text MaxRecvDataSegmentLength=8192")
print("MaxRecvDataSegmentLength in the full-feature phase OK")

# TMFs
def tmf(fn, rtt=0xffffffff):
    return c.tmf(fn, rtt=rtt)[0]
r = tmf(5)
if r != 0:
    fail("LUN RESET response %d" % r)
r = tmf(1, 0x4242)
if r != 1:
    fail("ABORT TASK of no task (RefCmdSN 0, below ExpCmdSN): response %d, expected 1" % r)
r = tmf(8, 0x4242)
if r != 4:
    fail("TASK REASSIGN response %d, expected 4" % r)
# the LUN reset raised a unit attention
st, _, _, sense = c.response(c.scsi(tur, 0), "TUR after reset")
if st != 2 or (sense[4] & 0xf) != 6:
    fail("no unit attention after LUN RESET")
print("text and TMF OK")

# MC/S: a second connection; its command is held until conn 1 fills the gap
c2 = Conn(c.isid, tsih=c.tsih, cid=1)
c2.login()
if c2.tsih != c.tsih:
    fail("second connection got TSIH %d" % c2.tsih)
gap = c.cmdsn
c2.cmdsn = gap + 1
itt2 = c2.scsi(tur, 0, cmdsn=gap + 1)
c2.s.settimeout(2)
try:
    # Only the keepalive NOP-In (nop_interval is 2 s) may come meanwhile.
    while True:
        bhs, _ = c2.recv()
        if (bhs[0] & 0x3f) != 0x20 or struct.unpack(">I", bhs[16:20])[0] != 0xffffffff:
            fail("the command after the CmdSN gap ran before the gap was filled"
                 " (opcode 0x%02x)" % (bhs[0] & 0x3f))
        c2.answer_nop(bhs)
except socket.timeout:
    pass
c2.s.settimeout(20)
itt1 = c.scsi(tur, 0, cmdsn=gap)
c.cmdsn = gap + 2
st, _, _, _ = c.response(itt1, "conn 1 TUR")
st2, _, _, _ = c2.response(itt2, "conn 2 TUR")
if st != 0 or st2 != 0:
    fail("MC/S TURs: %d %d" % (st, st2))
# logout of connection 1 (CID 1) from itself
lo = bytearray(48)
lo[0] = 0x46
lo[1] = 0x80 | 1
lo[16:20] = struct.pack(">I", c2.next_itt())
lo[20:22] = struct.pack(">H", 1)
lo[24:28] = struct.pack(">I", c.cmdsn)
c2.send(lo)
rsp, _ = c2.recv_op(0x26, "connection logout")
if rsp[2] != 0:
    fail("connection logout response %d" % rsp[2])
try:
    c2.recv()
    fail("connection still open after its logout")
except EOFError:
    pass
c.nop()
print("MC/S OK")

# keepalive: the target pings an idle connection
c.s.settimeout(10)
bhs, _ = c.recv()
if bhs[0] & 0x3f != 0x20 or struct.unpack(">I", bhs[20:24])[0] == 0xffffffff:
    fail("no NOP-In ping from the target")
c.answer_nop(bhs)
c.s.settimeout(20)
c.nop()
print("keepalive OK")

# session reinstatement: same ISID, TSIH 0
c3 = Conn(c.isid)
c3.login()
try:
    while True:
        c.recv()
except (EOFError, ConnectionResetError):
    pass
c3.nop()
print("reinstatement OK")

# a data segment longer than MaxRecvDataSegmentLength: Reject, closed
big = bytearray(48)
big[0] = 0x40
big[1] = 0x80
big[16:20] = struct.pack(">I", c3.next_itt())
big[20:24] = b"\xff\xff\xff\xff"
big[5:8] = struct.pack(">I", 1 << 20)[1:]
c3.s.sendall(bytes(big))
rsp, _ = c3.recv_op(0x3f, "Reject for an oversized segment")
if rsp[2] != 0x04:
    fail("oversized segment: Reject reason 0x%02x" % rsp[2])
try:
    while True:
        c3.recv()
except (EOFError, ConnectionResetError):
    pass

# MaxOutstandingR2T 2 and 1 KiB bursts: R2Ts come two at a time
c4 = Conn(0x400000000002)
c4.login({"MaxOutstandingR2T": "2", "MaxBurstLength": "1024",
          "FirstBurstLength": "512"})
st, _, _, _ = c4.response(c4.scsi(tur, 0), "c4 TUR")
pat2 = bytes((i * 13 + 1) & 0xff for i in range(4096))
itt = c4.scsi(rw10(0x2a, 64, 8), 4096, write=True, imm=pat2[:512])
want = [(512, 1024), (1536, 1024), (2560, 1024), (3584, 512)]
seen = []
pending = []
while len(seen) < len(want):
    st, _, r2t, _ = c4.response(itt, "burst R2T")
    if st is not None:
        fail("multi-R2T WRITE ended early with status %d" % st)
    off, length = struct.unpack(">II", r2t[40:48])
    seen.append((off, length))
    pending.append((off, length, bytes(r2t[20:24])))
    # two R2Ts are outstanding before any data is sent
    if len(pending) < 2 and len(seen) < len(want):
        continue
    for off, length, ttt in pending:
        data_out(c4, itt, ttt, 0, off, pat2[off:off + length])
    pending = []
if seen != want:
    fail("R2Ts %r, expected %r" % (seen, want))
st, _, _, _ = c4.response(itt, "multi-R2T WRITE status")
if st != 0:
    fail("multi-R2T WRITE status %d" % st)
st, data, _, _ = c4.response(c4.scsi(rw10(0x28, 64, 8), 4096, read=True), "READ 2")
if data != pat2:
    fail("multi-R2T data read back differs")
print("multi-R2T OK")

# TAS = 1 (the default): a LUN RESET from another session ends c4's READ,
# held in nullio's delay_ms, with TASK ABORTED status (SAM-5 5.6); and an
# ABORT TASK for a task that has finished is answered "Task does not
# exist" (RFC 7143 11.5.1 c: its RefCmdSN is below ExpCmdSN).
def tmf_on(conn, fn, lun, rtt=0xffffffff, refcmdsn=0):
    return conn.tmf(fn, lun, rtt, refcmdsn, cmdsn=conn.cmdsn)[0]
c5 = Conn(0x400000000003)
c5.login()
for cx in (c4, c5):
    # the new I_T nexus's unit attentions first
    for i in range(4):
        st, _, _, _ = cx.response(cx.scsi(tur, 0, lun=1), "TUR LUN 1")
        if st == 0:
            break
    if st != 0:
        fail("TUR on LUN 1: status %r after 4 tries" % st)
delay = "/sys/kernel/config/ktgt/handlers/vdisk_nullio/kpdu1/delay_ms"
# The READ is held until released (writing delay_ms re-arms it): 2 s
# after the LUN RESET is sent, however slow the machine.
open(delay, "w").write("60000")
held = c4.scsi(rw10(0x28, 0, 8), 4096, read=True, lun=1)
time.sleep(1)
release = threading.Timer(2, lambda: open(delay, "w").write("0"))
release.start()
r = tmf_on(c5, 5, 1)
release.join()
if r != 0:
    fail("LUN RESET of LUN 1 from c5: response %d" % r)
st, data, _, _ = c4.response(held, "c4 READ aborted by c5's LUN RESET")
if st != 0x40 or data:
    fail("c4's READ after c5's LUN RESET: status %r with %d bytes, expected TASK ABORTED and no data" % (st, len(data)))
done_cmdsn = c4.cmdsn
done = c4.scsi(tur, 0, lun=1)
st, _, _, _ = c4.response(done, "TUR after the reset")
if st != 2:
    fail("TUR on LUN 1 after c5's LUN RESET: status %r, expected the reset UA" % st)
r = tmf_on(c4, 1, 1, done, done_cmdsn)
if r != 1:
    fail("ABORT TASK of a finished task: response %d, expected 1 (task does not exist)" % r)
print("TAS and ABORT TASK OK")

# RFC 7143 11.5.1 (b): ABORT TASK of a task whose RefCmdSN is in the
# window but has not run answers "Function complete", and the target
# considers that CmdSN received.
def abort_ref(conn, lun, rtt, refcmdsn, cmdsn):
    r, rsp = conn.tmf(1, lun, rtt, refcmdsn, cmdsn=cmdsn,
                      what="ABORT TASK, RefCmdSN %d" % refcmdsn)
    return r, struct.unpack(">I", rsp[28:32])[0]
def good_tur(conn, cmdsn, what):
    st, _, _, _ = conn.response(conn.scsi(tur, 0, lun=1, cmdsn=cmdsn), what)
    if st != 0:
        fail("%s: status %r" % (what, st))
# (1) a command held for a CmdSN gap, then aborted: it never runs
n = c4.cmdsn
x = c4.scsi(tur, 0, lun=1, cmdsn=n + 1)
r, _ = abort_ref(c4, 1, x, n + 1, n + 2)
if r != 0:
    fail("ABORT TASK of a held command: response %d, expected 0" % r)
good_tur(c4, n, "TUR filling the gap before the aborted command")
good_tur(c4, n + 2, "TUR after the aborted command")
if c4.expcmdsn != n + 3:
    fail("ExpCmdSN %d after the aborted held command, expected %d" % (c4.expcmdsn, n + 3))
# (2) RefCmdSN = ExpCmdSN, the command never sent: ExpCmdSN passes it
m = n + 3
late = c4.next_itt()
r, exp = abort_ref(c4, 1, late, m, m + 1)
if r != 0 or exp != m + 1:
    fail("ABORT TASK of CmdSN %d not yet come: response %d ExpCmdSN %d, expected 0 and %d" % (m, r, exp, m + 1))
good_tur(c4, m + 1, "TUR after the CmdSN counted as received")
c4.scsi(tur, 0, lun=1, cmdsn=m, itt=late)
# (3) RefCmdSN above ExpCmdSN: the command coming late is dropped
m += 2
late = c4.next_itt()
r, _ = abort_ref(c4, 1, late, m + 1, m + 2)
if r != 0:
    fail("ABORT TASK of CmdSN %d not yet come: response %d, expected 0" % (m + 1, r))
c4.scsi(tur, 0, lun=1, cmdsn=m + 1, itt=late)
good_tur(c4, m, "TUR before the late command")
good_tur(c4, m + 2, "TUR after the late command")
c4.cmdsn = m + 3
c4.nop()
if c4.expcmdsn != m + 3:
    fail("ExpCmdSN %d after the late command, expected %d" % (c4.expcmdsn, m + 3))
print("ABORT TASK of commands not yet run OK")

# DataSN (RFC 7143 11.7.5) counts each sequence's Data-Out PDUs from 0.
# A gap or a reversal is an implied digest error (7.9): the PDU gets a
# Reject (protocol error), no more R2Ts are sent, and once the sequences
# begun have ended the command gets CHECK CONDITION, ABORTED COMMAND,
# PROTOCOL SERVICE CRC ERROR (7.8 b); nothing is written and the
# connection stays.
def next_pdu(conn, itt, rejects, what):
    # The next R2T (0x31) or SCSI Response (0x21) of itt; Rejects are
    # collected as (reason, opcode, DataSN) of the PDU they return.
    while True:
        bhs, d = conn.recv()
        op = bhs[0] & 0x3f
        tag = struct.unpack(">I", bhs[16:20])[0]
        if op == 0x20 and tag == 0xffffffff:
            conn.answer_nop(bhs)
        elif op == 0x3f:
            rejects.append((bhs[2], d[0] & 0x3f, struct.unpack(">I", d[36:40])[0]))
        elif op in (0x21, 0x31) and tag == itt:
            return op, bhs, d
        else:
            fail("%s: unexpected opcode 0x%02x for ITT 0x%x" % (what, op, tag))
def datasn_write(conn, sns, pat, unsol_sn=None):
    # WRITE(10) of 4 blocks at LBA 200. Without unsol_sn: R2Ts for it
    # all (c4: two of 1024 bytes, both outstanding). With it: 512 bytes
    # immediate, 512 unsolicited with DataSN unsol_sn, then R2Ts. The
    # data of each R2T goes in two 512-byte PDUs with the next DataSNs
    # of sns. Returns (status, sense, Rejects, R2Ts).
    imm = pat[:512] if unsol_sn is not None else b""
    itt = conn.scsi(rw10(0x2a, 200, 4), 2048, write=True, imm=imm,
                    final=unsol_sn is None)
    if unsol_sn is not None:
        data_out(conn, itt, b"\xff" * 4, unsol_sn, 512, pat[512:1024], True)
    first = 0 if unsol_sn is None else 1024
    rejects, r2ts = [], []
    while sum(n for _, n, _ in r2ts) < 2048 - first:
        op, bhs, d = next_pdu(conn, itt, rejects, "DataSN write")
        if op == 0x21:
            return bhs[3], d, rejects, r2ts
        off, n = struct.unpack(">II", bhs[40:48])
        r2ts.append((off, n, bytes(bhs[20:24])))
    sns = list(sns)
    for off, n, ttt in r2ts:
        for part in range(off, off + n, 512):
            data_out(conn, itt, ttt, sns.pop(0), part, pat[part:part + 512],
                     part + 512 == off + n)
    op, bhs, d = next_pdu(conn, itt, rejects, "DataSN write")
    if op != 0x21:
        fail("DataSN write: an R2T after all the data: %r" % bytes(bhs[36:48]))
    return bhs[3], d, rejects, r2ts
def lba200(conn):
    st, data, _, _ = conn.response(conn.scsi(rw10(0x28, 200, 4), 2048, read=True), "READ LBA 200")
    if st != 0:
        fail("READ LBA 200: status %r" % st)
    return data
def expect_crc_error(st, sense, rej, bad, what):
    if st != 2 or (sense[4] & 0xf) != 0xb or sense[14:16] != b"\x47\x05":
        fail("%s: status %r sense %r, expected ABORTED COMMAND, PROTOCOL SERVICE CRC ERROR" % (what, st, sense[:16]))
    if rej != [(0x04, 0x05, bad)]:
        fail("%s: Rejects %r, expected one (protocol error) of the Data-Out with DataSN %d" % (what, rej, bad))
old = lba200(c4)
pat3 = bytes((i * 29 + 5) & 0xff for i in range(2048))
for sns, bad in (((0, 5, 0, 1), 5), ((1, 0, 0, 1), 1), ((0, 0, 0, 1), 0),
                 ((0, 1, 0xffffffff, 0), 0xffffffff)):
    st, sense, rej, _ = datasn_write(c4, sns, pat3)
    expect_crc_error(st, sense, rej, bad, "R2T DataSNs %r" % (sns,))
    if lba200(c4) != old:
        fail("R2T DataSNs %r: the blocks were written" % (sns,))
st, sense, rej, r2ts = datasn_write(c4, (0, 1, 0, 1), pat3)
if st != 0 or rej or [(o, n) for o, n, _ in r2ts] != [(0, 1024), (1024, 1024)]:
    fail("R2T DataSNs 0,1 0,1: status %r Rejects %r R2Ts %r" % (st, rej, r2ts))
if lba200(c4) != pat3:
    fail("R2T DataSNs 0,1 0,1: data read back differs")
# The unsolicited sequence counts from 0 too, and R2Ts from 0 after it.
c6 = Conn(0x400000000004)
c6.login({"InitialR2T": "No", "FirstBurstLength": "1024",
          "MaxBurstLength": "1024"})
for i in range(4):
    st, _, _, _ = c6.response(c6.scsi(tur, 0), "c6 TUR")
    if st == 0:
        break
pat4 = bytes((i * 31 + 7) & 0xff for i in range(2048))
st, sense, rej, r2ts = datasn_write(c6, (), pat4, unsol_sn=1)
if r2ts:
    fail("an R2T after a bad unsolicited DataSN: %r" % r2ts)
expect_crc_error(st, sense, rej, 1, "unsolicited DataSN 1")
if lba200(c6) != pat3:
    fail("unsolicited DataSN 1: the blocks were written")
st, sense, rej, r2ts = datasn_write(c6, (0, 1), pat4, unsol_sn=0)
if st != 0 or rej or [(o, n) for o, n, _ in r2ts] != [(1024, 1024)]:
    fail("unsolicited DataSN 0, R2T 0,1: status %r Rejects %r R2Ts %r" % (st, rej, r2ts))
if lba200(c6) != pat4:
    fail("unsolicited DataSN 0, R2T 0,1: data read back differs")
print("DataSN checks OK")

# Data in order (DataPDUInOrder and DataSequenceInOrder are Yes, RFC 7143
# 13.19, 13.20): each Data-Out starts where the data so far ends, within
# the R2T it answers. One out of place is handled as a DataSN error: a
# Reject (protocol error), CHECK CONDITION once the sequences begun have
# ended, and nothing written: the buffer's other bytes are pool pages
# that were never filled. The connection stays.
def inorder_write(conn, lba, pat, pdus):
    # WRITE(10) of pat at lba, no immediate data: one R2T must ask for it
    # all, answered by pdus, (DataSN, offset, length, F) each. Returns
    # (status, sense, Rejects).
    itt = conn.scsi(rw10(0x2a, lba, len(pat) // 512), len(pat), write=True)
    rejects = []
    op, bhs, _ = next_pdu(conn, itt, rejects, "in-order write")
    if op != 0x31 or struct.unpack(">II", bhs[40:48]) != (0, len(pat)):
        fail("in-order write: opcode 0x%02x %r, expected one R2T for all %d bytes" % (op, bytes(bhs[36:48]), len(pat)))
    for sn, off, n, f in pdus:
        data_out(conn, itt, bytes(bhs[20:24]), sn, off, pat[off:off + n], f)
    op, bhs, d = next_pdu(conn, itt, rejects, "in-order write")
    if op != 0x21:
        fail("in-order write: an R2T after the data: %r" % bytes(bhs[36:48]))
    return bhs[3], d, rejects
def read_lba(conn, lba, n):
    st, data, _, _ = conn.response(conn.scsi(rw10(0x28, lba, n // 512), n, read=True), "READ LBA %d" % lba)
    if st != 0:
        fail("READ LBA %d: status %r" % (lba, st))
    return data
c7 = Conn(0x400000000005)
c7.login({"ImmediateData": "No"})
for i in range(4):
    st, _, _, _ = c7.response(c7.scsi(tur, 0), "c7 TUR")
    if st == 0:
        break
K64 = 65536
old64 = bytes((i * 37 + 11) & 0xff for i in range(K64))
new64 = bytes((i * 41 + 13) & 0xff for i in range(K64))
good = [(i, i * 8192, 8192, i == 7) for i in range(8)]
st, _, rej = inorder_write(c7, 300, old64, good)
if st != 0 or rej or read_lba(c7, 300, K64) != old64:
    fail("in-order 64 KiB write: status %r Rejects %r, or data read back differs" % (st, rej))
# (DataSN, offset, length, F) of the Data-Out PDUs of each bad write, and
# the DataSN of the one that must be rejected.
bad_writes = (
    ("128 Data-Out PDUs of 512 bytes all at offset 0",
     [(i, 0, 512, i == 127) for i in range(128)], 1),
    # bytes 512 to 1023 never sent, 1536 to 2047 twice: 64 KiB in all
    ("a gap: 512 bytes at 0, 1 KiB at 1 KiB, then 512-byte PDUs from 1.5 KiB",
     [(0, 0, 512, False), (1, 1024, 1024, False)] +
     [(2 + i, 1536 + i * 512, 512, i == 124) for i in range(125)], 1),
)
errs = []
for what, pdus, bad in bad_writes:
    st, sense, rej = inorder_write(c7, 300, new64, pdus)
    if st != 2 or (sense[4] & 0xf) != 0xb or sense[14:16] != b"\x47\x05":
        errs.append("%s: status %r sense %r, expected CHECK CONDITION, ABORTED COMMAND, PROTOCOL SERVICE CRC ERROR" % (what, st, bytes(sense[:16])))
    if rej != [(0x04, 0x05, bad)]:
        errs.append("%s: Rejects %r, expected one (protocol error) of the Data-Out with DataSN %d" % (what, rej, bad))
    back = read_lba(c7, 300, K64)
    if back != old64:
        errs.append("%s: the write executed (%d of the first 2 KiB read back as sent, %d as before)" % (what, sum(a == b for a, b in zip(back[:2048], new64)), sum(a == b for a, b in zip(back[:2048], old64))))
        st, _, rej = inorder_write(c7, 300, old64, good)
    st, _, _, _ = c7.response(c7.scsi(tur, 0), "TUR after " + what)
    if st != 0:
        errs.append("%s: TUR after it: status %r" % (what, st))
if errs:
    fail("; ".join(errs))
# The connection still writes: the same 64 KiB, in 128 PDUs in order.
st, _, rej = inorder_write(c7, 300, new64,
                           [(i, i * 512, 512, i == 127) for i in range(128)])
if st != 0 or rej or read_lba(c7, 300, K64) != new64:
    fail("in-order write after the bad ones: status %r Rejects %r, or data read back differs" % (st, rej))
print("Data-Out offset checks OK")

# The CmdSN window (RFC 7143 4.2.2.1): the initiator never lowers the
# MaxCmdSN it has, so every CmdSN up to the highest one advertised must
# be taken, and the MaxCmdSN sent must not drop while commands wait for
# a CmdSN gap. queue_depth 4 (read at login): the window is ExpCmdSN E to
# E + 3; E is left out, E + 1 to E + 3 are sent, each followed by an
# immediate NOP-Out whose NOP-In shows MaxCmdSN; then E fills the gap
# and all four must run.
qdp = "/sys/kernel/config/ktgt/targets/iscsi/%s/queue_depth" % IQN
old_qd = open(qdp).read().strip()
open(qdp, "w").write("4")
try:
    c8 = Conn(0x400000000006)
    c8.login()
finally:
    open(qdp, "w").write(old_qd)
for i in range(4):
    st, _, _, _ = c8.response(c8.scsi(tur, 0, lun=1), "c8 TUR")
    if st == 0:
        break
c8.nop()
e, m = c8.expcmdsn, c8.maxcmdsn
if m != e + 3:
    fail("queue_depth 4: ExpCmdSN %d MaxCmdSN %d, expected a window of 4" % (e, m))
errs = []
maxes = [m]
itts = {}
for sn in range(e + 1, m + 1):
    itts[c8.scsi(tur, 0, lun=1, cmdsn=sn)] = sn
    c8.nop()
    maxes.append(c8.maxcmdsn)
if any(b < a for a, b in zip(maxes, maxes[1:])):
    errs.append("MaxCmdSN went %r (ExpCmdSN %d left out) while CmdSNs %d..%d waited: it decreased" % (maxes, e, e + 1, m))
itts[c8.scsi(tur, 0, lun=1, cmdsn=e)] = e
c8.s.settimeout(5)
done = {}
# The keepalive NOP-In comes every 2 s: stop waiting after 10 s.
deadline = time.time() + 10
try:
    while len(done) < len(itts) and time.time() < deadline:
        bhs, _ = c8.recv()
        op = bhs[0] & 0x3f
        tag = struct.unpack(">I", bhs[16:20])[0]
        maxes.append(c8.maxcmdsn)
        if op == 0x20 and tag == 0xffffffff:
            c8.answer_nop(bhs)
        elif op == 0x21 and tag in itts:
            done[itts[tag]] = bhs[3]
        else:
            fail("window test: unexpected opcode 0x%02x for ITT 0x%x" % (op, tag))
except socket.timeout:
    pass
if sorted(done) != list(range(e, m + 1)) or any(done.values()):
    errs.append("after CmdSN %d filled the gap, responses (CmdSN: status) %r, expected GOOD for each of CmdSN %d..%d (the first MaxCmdSN advertised)" % (e, done, e, m))
if any(b < a for a, b in zip(maxes, maxes[1:])):
    errs.append("MaxCmdSN decreased: %r" % maxes)
if errs:
    fail("; ".join(errs))
c8.s.close()
print("CmdSN window up to the highest MaxCmdSN advertised OK")

# and a clean session logout
lo = bytearray(48)
lo[0] = 0x46
lo[1] = 0x80
lo[16:20] = struct.pack(">I", c4.next_itt())
lo[24:28] = struct.pack(">I", c4.cmdsn)
c4.send(lo)
rsp, _ = c4.recv_op(0x26, "session logout")
if rsp[2] != 0:
    fail("session logout response %d" % rsp[2])
# ABORT TASK / LUN RESET of writes waiting for Data-Out (RFC 7143
# 11.5.1): the initiator sends no data for them after the TMF (Linux
# libiscsi stops it), so the target must not wait for it. The TMF
# response comes at once, with no SCSI Response for the aborted writes,
# whose LBAs keep their contents; Data-Out still sent for them is
# dropped and the connection goes on.
c9 = Conn(0x400000000009)
c9.login({"ImmediateData": "No", "InitialR2T": "Yes"})
for i in range(4):
    st, _, _, _ = c9.response(c9.scsi(tur, 0), "c9 TUR")
    if st == 0:
        break
if st != 0:
    fail("c9 TUR: status %r after 4 tries" % st)
# The keepalive NOP-Ins (every 2 s) are answered while waiting: a
# deadline, not a socket timeout, bounds the wait.
def tmf_timed(conn, fn, lun, what, rtt=0xffffffff, refcmdsn=0):
    t0 = time.time()
    conn.tmf_send(fn, lun, rtt, refcmdsn)
    conn.s.settimeout(1)
    r = None
    while r is None:
        if time.time() - t0 > 10:
            fail("%s: no TMF response within 10 s (the target waits for the aborted write's data)" % what)
        try:
            bhs, _ = conn.recv()
        except socket.timeout:
            continue
        op = bhs[0] & 0x3f
        if op == 0x20 and struct.unpack(">I", bhs[16:20])[0] == 0xffffffff:
            conn.answer_nop(bhs)
        elif op == 0x22:
            r = bhs[2]
        else:
            fail("%s: opcode 0x%02x (ITT 0x%x) before the TMF response" % (what, op, struct.unpack(">I", bhs[16:20])[0]))
    conn.s.settimeout(20)
    if r != 0:
        fail("%s: TMF response %d, expected 0 (Function complete)" % (what, r))
    print("%s answered in %.2f s" % (what, time.time() - t0))
old200 = read8(c9, 200, "c9 READ LBA 200")
itt, cmdsn, ttt = write_r2t(c9, 200, "c9 WRITE for ABORT TASK")
# tmf_timed() fails on any PDU before the TMF response (a SCSI Response)
tmf_timed(c9, 1, 0, "ABORT TASK of a write waiting for Data-Out", itt, cmdsn)
# its data sent anyway is dropped: no Reject, the ping comes back
new = bytes([0x5a]) * 4096
data_out(c9, itt, ttt, 0, 0, new)
c9.nop()
if read8(c9, 200, "c9 READ LBA 200 after ABORT TASK") != old200:
    fail("LBA 200 changed by the aborted write")
# the connection still writes and reads
pat9 = bytes(range(256)) * 16
itt, _, ttt = write_r2t(c9, 200, "c9 WRITE after ABORT TASK")
data_out(c9, itt, ttt, 0, 0, pat9)
st, _, _, _ = c9.response(itt, "c9 WRITE after ABORT TASK status")
if st != 0:
    fail("c9 WRITE after ABORT TASK: status %d" % st)
if read8(c9, 200, "c9 READ LBA 200 after the write") != pat9:
    fail("LBA 200 read back differs after the write")
print("ABORT TASK of a write waiting for Data-Out OK")
# LOGICAL UNIT RESET with two writes of the LUN waiting for Data-Out
old300 = read8(c9, 300, "c9 READ LBA 300")
old308 = read8(c9, 308, "c9 READ LBA 308")
w1 = write_r2t(c9, 300, "c9 WRITE 1 for LUN RESET")
w2 = write_r2t(c9, 308, "c9 WRITE 2 for LUN RESET")
tmf_timed(c9, 5, 0, "LUN RESET with two writes waiting for Data-Out")
for itt, _, ttt in (w1, w2):
    data_out(c9, itt, ttt, 0, 0, new)
c9.nop()
# the LUN reset raised a unit attention
for i in range(4):
    st, _, _, _ = c9.response(c9.scsi(tur, 0), "c9 TUR after LUN RESET")
    if st == 0:
        break
if st != 0:
    fail("c9 TUR after LUN RESET: status %r after 4 tries" % st)
if read8(c9, 300, "c9 READ LBA 300 after LUN RESET") != old300 or \
   read8(c9, 308, "c9 READ LBA 308 after LUN RESET") != old308:
    fail("LBAs 300/308 changed by the writes the LUN RESET aborted")
itt, _, ttt = write_r2t(c9, 300, "c9 WRITE after LUN RESET")
data_out(c9, itt, ttt, 0, 0, pat9)
st, _, _, _ = c9.response(itt, "c9 WRITE after LUN RESET status")
if st != 0 or read8(c9, 300, "c9 READ LBA 300 after the write") != pat9:
    fail("c9 WRITE after LUN RESET: status %d or data differs" % st)
c9.s.close()
print("LUN RESET of writes waiting for Data-Out OK")

print("ALL OK")
EOF

out=$(python3 /tmp/pdu.py "$IQN" 2>&1)
echo "$out"
echo "$out" | grep -q "^ALL OK$" || fail "raw initiator: $(echo "$out" | tail -n 3)"
ktgt_iscsi_wait_no_sessions "sessions left"
dmesg | grep -q "ktgt_iscsi: .*rejected" || fail "no log line for the rejected PDUs"
dmesg | grep -q "ktgt_iscsi: .*aborted by ABORT TASK before it came, dropped" ||
	fail "no log line for the command dropped after its ABORT TASK"
iscsi_tgt_teardown
pass "raw PDU checks"
