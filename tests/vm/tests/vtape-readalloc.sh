#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# A variable-block READ(6) (FIXED = 0) of vtape gets a data buffer of
# the block it reads, not of its TRANSFER LENGTH, which is only an upper
# bound. It used to get one of the TRANSFER LENGTH (up to 8 MiB, and a
# bounce buffer as large), reserved against max_buffer_mb at submit and
# allocated before the handler looked at the tape: an initiator made
# the target allocate 8 MiB per command whatever the blocks. Through
# ktgt_iscsi, whose buffers are the core's (ktgt_local's are the
# initiator's), from a raw initiator, on a tape of 32 512-byte blocks, a
# filemark, a 4096-byte block and a 512-byte block:
# - with max_buffer_mb=1, 32 READ(6)s of 8 MiB outstanding together are
#   not BUSY (they were: 8 MiB is past the limit): each returns one
#   block's 512 bytes with NO SENSE, ILI, INFORMATION 8388096 and an
#   underflow residual of 8388096, the 32 blocks each once;
# - with zero_copy=0 (no page of a buffer lent to TCP, so a released one
#   is cached at once), 32 such READ(6)s one after the other from the
#   beginning return block i the i-th, and take their buffers from the
#   sgv pool's cache (misses grow by at most 2: an 8 MiB buffer is never
#   cached, every one was a miss);
# - the SSC outcomes are unchanged: 8 MiB at a filemark is NO SENSE,
#   FILEMARK, 00h/01h, INFORMATION 8388608, no data; 1024 bytes of the
#   4096-byte block are ILI with INFORMATION -3072 and its first 1024
#   bytes; 8 MiB with SILI of the last block is GOOD with its 512 bytes
#   and the underflow; then end of data is BLANK CHECK 00h/05h,
#   INFORMATION 8388608.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

IQN=iqn.2026-11.org.ktgt:vtape-readalloc
MB=/sys/module/ktgt_core/parameters/max_buffer_mb
ZC=/sys/module/ktgt_iscsi/parameters/zero_copy

vtape_iscsi "$IQN" /tmp/ratape.img
[ -w "$MB" ] || fail "$MB not writable"
[ -w "$ZC" ] || fail "$ZC not writable"

cat > /tmp/readalloc.py <<'EOF'
import os, struct, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

MB, ZC = sys.argv[2], sys.argv[3]
SGV = "/sys/kernel/ktgt/sgv/misses"
BIG = 8 << 20          # TRANSFER LENGTH 800000h, the most the core takes
N = 32

configure(sys.argv[1])
a = Conn(0x400000002a01)
a.login()
tur_good(a, "TUR")


def put(path, value):
    with open(path, "w") as f:
        f.write("%s\n" % value)


def block(i, n=512):
    """The data of block i: its number, then a pattern of n bytes."""
    b = b"block %02d " % i
    return (b + bytes((i * 7 + k) & 0xff for k in range(n)))[:n]


def read6(n, sili=False):
    return bytes([0x08, 0x02 if sili else 0]) + struct.pack(">I", n)[1:] + \
        b"\0"


def outcome(st, data, rsp, sense):
    """(status, key, FILEMARK/EOM/ILI bits, ASC, ASCQ, INFORMATION or
    None, bytes of data, residual: +underflow, -overflow) from the final
    PDU rsp (a SCSI Response, or a Data-In with the status: the same
    flags and residual count)."""
    resid = be32(rsp, 44)
    if rsp[1] & 0x04:
        resid = -resid
    elif not rsp[1] & 0x02:
        resid = 0
    if st != 2:
        return (st, None, None, None, None, None, len(data), resid)
    s = sense[2:]
    if len(s) < 14:
        fail("short sense data: %r" % s)
    info = struct.unpack(">i", s[3:7])[0] if s[0] & 0x80 else None
    return (st, s[2] & 0x0f, s[2] & 0xe0, s[12], s[13], info, len(data),
            resid)


def command(cdb, what, edtl=0, read=False, out=b""):
    st, data, rsp, sense = a.response(
        a.scsi(cdb, edtl or len(out), read=read, write=bool(out), imm=out),
        what)
    return outcome(st, data, rsp, sense), data


def good(cdb, what, out=b""):
    o, _ = command(cdb, what, out=out)
    if o[0] != 0:
        fail("%s: %r, expected GOOD" % (what, o))


# The tape: N 512-byte blocks, a filemark, a 4096-byte block and a
# 512-byte one (immediate data: no R2T), then back to its beginning.
for i in range(N):
    good(bytes([0x0a, 0, 0, 0x02, 0x00, 0]), "WRITE(6) of block %d" % i,
         out=block(i))
good(bytes([0x10, 0, 0, 0, 1, 0]), "WRITE FILEMARKS(6)")
good(bytes([0x0a, 0, 0, 0x10, 0x00, 0]), "WRITE(6) of 4096 bytes",
     out=block(N, 4096))
good(bytes([0x0a, 0, 0, 0x02, 0x00, 0]), "WRITE(6) of the last block",
     out=block(N + 1))
good(bytes([0x01, 0, 0, 0, 0, 0]), "REWIND")

ILI = (2, 0, 0x20, 0, 0, BIG - 512, 512, BIG - 512)

# N reads of 8 MiB outstanding together, with 1 MiB of buffers at most.
put(MB, 1)
if a.maxcmdsn - a.cmdsn + 1 < N:
    fail("the target's CmdSN window is only %d"
         % (a.maxcmdsn - a.cmdsn + 1))
itts = [a.scsi(read6(BIG), BIG, read=True) for i in range(N)]
got, seen = {}, {}
while len(got) < N:
    bhs, d = a.recv()
    if a.is_ping(bhs):
        a.answer_nop(bhs)
        continue
    op, itt = bhs[0] & 0x3f, be32(bhs, 16)
    if itt not in itts or itt in got:
        fail("PDU 0x%02x for ITT 0x%x" % (op, itt))
    if op == 0x25:
        if be32(bhs, 40) != len(seen.get(itt, b"")):
            fail("Data-In of ITT 0x%x at offset %d" % (itt, be32(bhs, 40)))
        seen[itt] = seen.get(itt, b"") + d
        if bhs[1] & 1:
            fail("ITT 0x%x: status %d in its Data-In" % (itt, bhs[3]))
    elif op == 0x21:
        got[itt] = outcome(bhs[3], seen.get(itt, b""), bhs, d), \
            seen.get(itt, b"")
    else:
        fail("unexpected opcode 0x%02x" % op)
blocks = []
for n, itt in enumerate(itts):
    o, data = got[itt]
    if o != ILI:
        fail("READ(6) %d of 8 MiB with max_buffer_mb=1 outstanding with "
             "%d others: %r, expected %r (status 8 is BUSY)"
             % (n, N - 1, o, ILI))
    blocks.append(data)
if sorted(blocks) != [block(i) for i in range(N)]:
    fail("the %d READ(6)s did not return the %d blocks once each" % (N, N))
print("%d READ(6)s of 8 MiB together, max_buffer_mb=1: each a block, "
      "ILI, INFORMATION %d, residual %d" % (N, BIG - 512, BIG - 512),
      flush=True)
put(MB, 0)

# One after the other, from the cache of the sgv pool.
put(ZC, 0)
good(bytes([0x01, 0, 0, 0, 0, 0]), "REWIND")
m0 = int(open(SGV).read())
for i in range(N):
    o, data = command(read6(BIG), "READ(6) %d" % i, BIG, read=True)
    if o != ILI or data != block(i):
        fail("READ(6) %d of 8 MiB: %r, %s; expected %r, block %d"
             % (i, o, "its block" if data == block(i) else "other data",
                ILI, i))
m1 = int(open(SGV).read())
if m1 - m0 > 2:
    fail("%d READ(6)s of 8 MiB of 512-byte blocks: %d sgv misses, "
         "expected at most 2 (buffers of 512 bytes, cached)" % (N, m1 - m0))
print("%d READ(6)s of 8 MiB in turn: block i the i-th, %d sgv misses"
      % (N, m1 - m0), flush=True)
put(ZC, 1)

for cdb, edtl, want, data, what in (
        (read6(BIG), BIG, (2, 0, 0x80, 0, 1, BIG, 0, BIG), b"",
         "at the filemark"),
        (read6(1024), 1024, (2, 0, 0x20, 0, 0, -3072, 1024, 0),
         block(N, 4096)[:1024], "1024 bytes of the 4096-byte block"),
        (read6(BIG, sili=True), BIG, (0, None, None, None, None, None, 512,
                                      BIG - 512), block(N + 1),
         "8 MiB with SILI of the last block"),
        (read6(BIG), BIG, (2, 8, 0, 0, 5, BIG, 0, BIG), b"",
         "at end of data")):
    o, d = command(cdb, "READ(6) " + what, edtl, read=True)
    if o != want or d != data:
        fail("READ(6) %s: %r, %s; expected %r" %
             (what, o, "the data" if d == data else "other data", want))
    print("READ(6) %s: %r" % (what, o), flush=True)
a.logout()
EOF

run_ok "raw initiator" python3 /tmp/readalloc.py "$IQN" "$MB" "$ZC"
ktgt_iscsi_wait_no_sessions "session after the logout" 20
ktgt_iscsi_teardown
ktgt_unload_all
pass
