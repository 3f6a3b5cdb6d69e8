#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Writes held for a CmdSN gap must not pin the global write buffer
# budget (ktgt_core max_buffer_mb, 256 here). A raw initiator
# (tests/lib/iscsi_raw.py) on session A sends 40 WRITEs of 8 MiB past a
# CmdSN gap it never fills, first without immediate data, then with 8 KiB
# of it each; another target's session V must still get GOOD for a 4 KiB
# WRITE (it used to get BUSY: the held writes had taken 320 MiB of the
# budget on arrival). Without immediate data a held write takes no
# buffer; with it, a session's held writes keep at most 32 MiB
# (KIS_HELD_BUF_MAX).
#
# A held write still runs once its gap is filled: on session B, a 4 KiB
# WRITE at ExpCmdSN + 1 gets its R2T once a TEST UNIT READY fills
# ExpCmdSN, ends GOOD, and reads back; so does an 8 KiB WRITE with 4 KiB
# of immediate data (its R2T for the rest). On session C (the other
# target), five 8 MiB WRITEs with immediate data held past a gap: once
# it is filled the first four (32 MiB) get their R2T, the fifth, which
# got no buffer, a CHECK CONDITION (ABORTED COMMAND).

. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:bufpin
IQN2=iqn.2026-11.org.ktgt:bufpin2

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
truncate -s 16M /tmp/bp0.img
ktgt_mkdev vdisk_fileio/bp0 filename=/tmp/bp0.img
ktgt_maplun "iscsi/$IQN" 0 vdisk_fileio/bp0
iscsi_tgt_enable "$IQN"
iscsi_tgt_mktarget "$IQN2" 127.0.0.1
ktgt_mkdev vdisk_nullio/bp1 size=$((64 << 20))
ktgt_maplun "iscsi/$IQN2" 0 vdisk_nullio/bp1
iscsi_tgt_enable "$IQN2"
old_mb=$(cat /sys/module/ktgt_core/parameters/max_buffer_mb)
echo 256 > /sys/module/ktgt_core/parameters/max_buffer_mb || fail "max_buffer_mb"

cat > /tmp/bp.py <<'EOF'
import os, struct, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN, IQN2 = sys.argv[1], sys.argv[2]
errors = []

configure(IQN2)
v = Conn(0x400000001201)
v.login()
tur_good(v, "V TUR")
st, _, _, _ = v.response(v.scsi(rw10(0x2a, 0, 8), 4096, write=True,
                                imm=b"v" * 4096), "V WRITE before")
print("V: 4 KiB WRITE before: status 0x%02x" % st, flush=True)

def held_write(isid, imm):
    """B: a 4 KiB WRITE after imm bytes of immediate data, at ExpCmdSN +
    1, gets its R2T for the 4 KiB once a TEST UNIT READY fills ExpCmdSN,
    ends GOOD and reads back."""
    what = "B (%d bytes immediate)" % imm
    b = Conn(isid)
    b.login()
    tur_good(b, what + " TUR")
    gap = b.cmdsn
    n = imm + 4096
    witt = b.scsi(rw10(0x2a, 8, n // 512), n, write=True, imm=b"b" * imm,
                  cmdsn=gap + 1)
    if wait_pdu(b, 2, what + " held write") is not None:
        errors.append(what + ": the write past the gap was answered "
                      "before the gap was filled")
    titt = b.scsi(tur, 0, cmdsn=gap)
    b.cmdsn = gap + 2
    ttt = tur_st = None
    while ttt is None or tur_st is None:
        bhs, _ = b.recv()
        itt, op = be32(bhs, 16), bhs[0] & 0x3f
        if b.is_ping(bhs):
            b.answer_nop(bhs)
        elif itt == titt and op == 0x21:
            tur_st = bhs[3]
        elif itt == witt and op == 0x31:
            ttt = bytes(bhs[20:24])
            off, length = struct.unpack(">II", bhs[40:48])
            if (off, length) != (imm, 4096):
                errors.append("%s: R2T %d/%d, expected %d/4096"
                              % (what, off, length, imm))
        else:
            fail("%s: unexpected PDU op 0x%02x ITT 0x%x status 0x%02x"
                 % (what, op, itt, bhs[3]))
    data_out(b, witt, ttt, 0, imm, b"B" * 4096)
    st, _, _, _ = b.response(witt, what + " held write")
    st2, rd, _, _ = b.response(b.scsi(rw10(0x28, 8, n // 512), n, read=True),
                               what + " read back")
    ok = rd == b"b" * imm + b"B" * 4096
    print("%s: held WRITE after the gap filled: TUR 0x%02x, WRITE 0x%02x, "
          "read back %s" % (what, tur_st, st, "same" if ok else "DIFFERENT"),
          flush=True)
    if tur_st != 0 or st != 0 or st2 != 0 or not ok:
        errors.append(what + ": held write did not run as it should")
    b.s.close()


def held_many(isid, imm):
    """A: 40 WRITEs of 8 MiB (imm bytes of immediate data each) past a
    CmdSN gap never filled; V, on the other target, must get GOOD
    meanwhile and after A is gone."""
    what = "A (%d bytes immediate)" % imm
    a = Conn(isid)
    a.login()
    tur_good(a, what + " TUR")
    gap = a.cmdsn
    for i in range(40):
        a.scsi(rw10(0x2a, 0, 16384), 8 << 20, write=True, imm=b"a" * imm,
               cmdsn=gap + 1 + i)
    # Until the target has taken all 40 (8 MiB each may take a while).
    t0 = time.time()
    while True:
        sn = open("/sys/kernel/ktgt_iscsi/sessions/%d/cmdsn"
                  % a.tsih).read().strip()
        if sn.endswith("outstanding 40") or time.time() - t0 > 120:
            break
        time.sleep(0.5)
    time.sleep(1)
    print("%s: 40 WRITEs of 8 MiB held behind CmdSN gap %d after %.1f s: %s"
          % (what, gap, time.time() - t0, sn), flush=True)
    if not sn.endswith("outstanding 40"):
        errors.append("%s: the 40 held writes did not all arrive: %s"
                      % (what, sn))
    st, _, _, _ = v.response(v.scsi(rw10(0x2a, 0, 8), 4096, write=True,
                                    imm=b"v" * 4096), "V WRITE during")
    print("V: 4 KiB WRITE (other target) while %s holds them: status 0x%02x"
          % (what, st), flush=True)
    if st != 0:
        errors.append("V: WRITE while %s holds its writes: status 0x%02x, "
                      "expected GOOD" % (what, st))
    a.s.close()
    time.sleep(2)
    st, _, _, _ = v.response(v.scsi(rw10(0x2a, 0, 8), 4096, write=True,
                                    imm=b"v" * 4096), "V WRITE after")
    print("V: after %s closed: status 0x%02x" % (what, st), flush=True)
    if st != 0:
        errors.append("V: WRITE after %s closed: status 0x%02x" % (what, st))


configure(IQN)
held_write(0x400000001401, 0)
held_many(0x400000001301, 0)

# With immediate data: C, then B and A again.
configure(IQN2)
# C: past 32 MiB, a held write gets no buffer and fails in its turn.
c = Conn(0x400000004501)
c.login()
tur_good(c, "C TUR")
gap = c.cmdsn
itts = [c.scsi(rw10(0x2a, 16384 * i, 16384), 8 << 20, write=True,
               imm=b"c" * 8192, cmdsn=gap + 1 + i) for i in range(5)]
if wait_pdu(c, 1, "C held writes") is not None:
    errors.append("C: a write past the gap was answered before the gap was filled")
titt = c.scsi(tur, 0, cmdsn=gap)
c.cmdsn = gap + 6
got = {}
while len(got) < 6:
    r = wait_pdu(c, 10, "C")
    if r is None:
        break
    bhs, d = r
    got[be32(bhs, 16)] = (bhs[0] & 0x3f, bhs[3], d)
res = []
for itt in itts:
    op, st, d = got.get(itt, (None, None, b""))
    if op == 0x31:
        res.append("R2T")
    elif op == 0x21 and len(d) > 4:
        res.append("status 0x%02x key 0x%x" % (st, d[4] & 0xf))
    else:
        res.append("op %r status %r" % (op, st))
print("C: five held 8 MiB WRITEs after the gap filled: %s"
      % ", ".join(res), flush=True)
if res != ["R2T"] * 4 + ["status 0x02 key 0xb"]:
    errors.append("C: %s, expected 4 R2Ts, status 0x02 key 0xb"
                  % ", ".join(res))
c.s.close()

configure(IQN)
held_write(0x400000004401, 4096)
held_many(0x400000004301, 8192)
v.s.close()
for e in errors:
    print("FAIL: " + e)
print("FAILED" if errors else "OK")
EOF

out=$(python3 /tmp/bp.py "$IQN" "$IQN2" 2>&1)
echo "$out"
echo "$out" | grep -q "^OK$" || fail "$(echo "$out" | grep -E "^FAIL|rror" | head -n 5 | tr '\n' ' ')"
echo "$old_mb" > /sys/module/ktgt_core/parameters/max_buffer_mb
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "held writes, with immediate data or without, leave the buffer budget to others"
