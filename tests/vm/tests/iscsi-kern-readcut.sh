#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# A READ whose TRANSFER LENGTH is more than the iSCSI EDTL reads only the
# blocks that hold the EDTL bytes it sends, and still reports the whole
# TRANSFER LENGTH past EDTL as residual overflow. It used to reserve and
# fill a buffer of the whole TRANSFER LENGTH (up to 8 MiB) to send EDTL
# bytes of it: with max_buffer_mb=1, a READ(10) of 2 MiB with an EDTL of
# 5000 bytes was BUSY. From a raw initiator, on a fileio LU whose block
# i holds its own pattern, with max_buffer_mb=1:
# - READ(10) of 4096 blocks at LBA 3, EDTL 5000: GOOD, the file's 5000
#   bytes there, overflow 2 MiB - 5000;
# - READ(16) of 4096 blocks at LBA 100, EDTL 4096: GOOD, its 4096 bytes,
#   overflow 2 MiB - 4096;
# - READ(10) of 4096 blocks, EDTL 0 (no R bit): GOOD, no data, overflow
#   2 MiB;
# - READ(6) at LBA 7, TRANSFER LENGTH 0 (256 blocks), EDTL 512: GOOD,
#   block 7, overflow 128 KiB - 512;
# - the range is still the CDB's: READ(10) of 4096 blocks 8 blocks before
#   the end, EDTL 512, is CHECK CONDITION 05/21/00;
# and, with the limit back, an exact READ(10) of 8 blocks has no
# residual.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-readcut
MB=/sys/module/ktgt_core/parameters/max_buffer_mb
IMG=/tmp/readcut.img
BLOCKS=32768

# Block i: "blk NNNNN " and then bytes (i * 7 + k) & 0xff.
python3 - "$IMG" "$BLOCKS" <<'EOF' || fail "writing $IMG"
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(int(sys.argv[2])):
        b = b"blk %05d " % i
        f.write((b + bytes((i * 7 + k) & 0xff for k in range(512)))[:512])
EOF
iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_fileio/rc0 filename="$IMG"
ktgt_maplun "iscsi/$IQN" 0 vdisk_fileio/rc0
iscsi_tgt_enable "$IQN"
[ -w "$MB" ] || fail "$MB not writable"

cat > /tmp/readcut.py <<'EOF'
import os, struct, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

iqn, MB, IMG, BLOCKS = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4])
img = open(IMG, "rb").read()
MIB2 = 4096 * 512

configure(iqn)
a = Conn(0x400000002b01)
a.login()
tur_good(a, "TUR")


def put(value):
    with open(MB, "w") as f:
        f.write("%s\n" % value)


def read16(lba, n):
    return bytes([0x88, 0]) + struct.pack(">QI", lba, n) + bytes(2)


def read6(lba, n):
    return bytes([0x08, (lba >> 16) & 0x1f, (lba >> 8) & 0xff, lba & 0xff,
                  n, 0])


def outcome(cdb, edtl, what):
    """(status, bytes of data, residual: +underflow, -overflow, sense
    key/ASC/ASCQ or None) and the data."""
    st, data, rsp, sense = a.response(a.scsi(cdb, edtl, read=edtl > 0),
                                      what)
    resid = be32(rsp, 44)
    if rsp[1] & 0x04:
        resid = -resid
    elif not rsp[1] & 0x02:
        resid = 0
    s = sense[2:]
    key = (s[2] & 0xf, s[12], s[13]) if st == 2 and len(s) > 13 else None
    return (st, len(data), resid, key), data


def expect(cdb, edtl, lba, want, what):
    got, data = outcome(cdb, edtl, what)
    if want[0] == 2:
        # A CHECK CONDITION: its status and sense, whatever the residual.
        got = (got[0], 0, 0, got[3])
    if got != want:
        fail("%s: (status, bytes, residual, sense) %r, expected %r "
             "(status 8 is BUSY)" % (what, got, want))
    if want[0] == 0 and data != img[lba * 512:lba * 512 + want[1]]:
        fail("%s: not the file's data at LBA %d" % (what, lba))
    print("%s: %r" % (what, got), flush=True)


put(1)
expect(rw10(0x28, 3, 4096), 5000, 3, (0, 5000, -(MIB2 - 5000), None),
       "READ(10) of 4096 blocks, EDTL 5000, max_buffer_mb=1")
expect(read16(100, 4096), 4096, 100, (0, 4096, -(MIB2 - 4096), None),
       "READ(16) of 4096 blocks, EDTL 4096, max_buffer_mb=1")
expect(rw10(0x28, 0, 4096), 0, 0, (0, 0, -MIB2, None),
       "READ(10) of 4096 blocks, EDTL 0")
expect(read6(7, 0), 512, 7, (0, 512, -(256 * 512 - 512), None),
       "READ(6) of 256 blocks, EDTL 512")
expect(rw10(0x28, BLOCKS - 8, 4096), 512, 0, (2, 0, 0, (5, 0x21, 0)),
       "READ(10) of 4096 blocks 8 before the end, EDTL 512")
put(0)
expect(rw10(0x28, 9, 8), 4096, 9, (0, 4096, 0, None),
       "READ(10) of 8 blocks, EDTL 4096")
a.logout()
EOF

run_ok "raw initiator" python3 /tmp/readcut.py "$IQN" "$MB" "$IMG" "$BLOCKS"
ktgt_iscsi_wait_no_sessions "session after the logout" 20
iscsi_tgt_teardown
pass
