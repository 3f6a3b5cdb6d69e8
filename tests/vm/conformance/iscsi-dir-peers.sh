#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# A READ(10) sent with the iSCSI W bit (data-out announced) instead of the
# R bit, against LIO, tgt and ktgt one after the other in the same VM,
# from a raw initiator (tests/lib/iscsi_raw.py): what libiscsi's
# iSCSIResiduals.Read10Invalid sends last (LBA 0, one block, EDTL one
# block, that block as immediate data), and the same READ of LBA 2
# without immediate data, answering an R2T if one comes with a Data-Out
# of another pattern. Before each target the first blocks of its backing
# file are filled with 5Ah; after the commands the file is read back:
# "unchanged", or "WRITTEN" with the data-out of the READ.
#
# Records for LIO and tgt what they answer (status, sense, Data-In, R2T)
# and what became of the file, in the log, without asserting anything of
# them (Documentation/iscsi-conformance.rst, ktgt's results, says what
# they did when measured: LIO writes the data-out to the disk). Asserts
# for ktgt: both READs refused at once with CHECK CONDITION, ILLEGAL
# REQUEST, INVALID FIELD IN COMMAND INFORMATION UNIT (05/0e/03), no R2T,
# no Data-In, the file unchanged, and the session usable afterwards (a
# READ of LBA 0 with the R bit returns what the file holds).
# ISCSI_DIR_TARGETS (default "lio tgt ktgt") picks the targets; tgt is
# left out if tgtd is not installed.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:dir-peers
targets=${ISCSI_DIR_TARGETS:-lio tgt ktgt}
if ! command -v tgtd > /dev/null; then
	targets=$(tr ' ' '\n' <<< "$targets" | grep -vx tgt | xargs)
	log "tgtd not installed: not running tgt"
fi
trap 'iscsi_tgt_teardown > /dev/null 2>&1' EXIT

cat > /tmp/dirpeers.py <<'EOF'
import os, struct, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

iqn, lun, img, who = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
configure(iqn)
BEFORE = 0x5a


def block(bs, lba):
    with open(img, "rb") as f:
        f.seek(lba * bs)
        return f.read(bs)


def sense_kaq(s):
    """(key, asc, ascq) of fixed or descriptor sense data, or None."""
    if len(s) >= 14 and s[0] & 0x7f in (0x70, 0x71):
        return (s[2] & 0xf, s[12], s[13])
    if len(s) >= 4 and s[0] & 0x7f in (0x72, 0x73):
        return (s[1] & 0xf, s[2], s[3])
    return None


def command(c, cdb, edtl, what, read=False, write=False, imm=b"",
            pattern=b""):
    """Send a command; answer each R2T with Data-Out from pattern; return
    what the target did: dict of status, sense, Data-In bytes, R2Ts,
    residual flags and count, or why it ended otherwise."""
    itt = c.scsi(cdb, edtl, read=read, write=write, imm=imm, lun=lun)
    r = {"status": None, "sense": None, "datain": b"", "r2t": [],
         "flags": 0, "resid": 0, "end": None}
    while True:
        try:
            p = wait_pdu(c, 15, what)
        except (EOFError, OSError) as e:
            r["end"] = "connection closed (%s)" % e.__class__.__name__
            return r
        if p is None:
            r["end"] = "no response within 15 s"
            return r
        bhs, d = p
        op = bhs[0] & 0x3f
        if op == 0x3f:
            r["end"] = "Reject, reason 0x%02x" % bhs[2]
            return r
        if op == 0x32:
            print("  %s: Async Message, event %d" % (what, bhs[36]),
                  flush=True)
            continue
        if be32(bhs, 16) != itt:
            fail("%s: PDU 0x%02x for ITT 0x%x, expected 0x%x"
                 % (what, op, be32(bhs, 16), itt))
        if op == 0x31:
            off, length = struct.unpack(">II", bhs[40:48])
            r["r2t"].append((off, length))
            data_out(c, itt, bytes(bhs[20:24]), 0, off,
                     pattern[off:off + length])
            continue
        if op == 0x25:
            r["datain"] += d
            if bhs[1] & 1:
                r["status"] = bhs[3]
                r["flags"] = bhs[1]
                r["resid"] = be32(bhs, 44)
                return r
            continue
        if op == 0x21:
            r["status"] = bhs[3]
            r["flags"] = bhs[1]
            r["resid"] = be32(bhs, 44)
            if len(d) >= 2:
                n = struct.unpack(">H", d[:2])[0]
                r["sense"] = sense_kaq(d[2:2 + n])
            return r
        fail("%s: unexpected PDU 0x%02x" % (what, op))


def describe(r):
    if r["end"]:
        s = r["end"]
    else:
        s = "status 0x%02x" % r["status"]
        if r["sense"]:
            s += " sense %02x/%02x/%02x" % r["sense"]
    s += ", R2T %s" % (r["r2t"] or "none")
    s += ", Data-In %d bytes" % len(r["datain"])
    if r["flags"] & 0x06:
        s += ", %s residual %d" % ("overflow" if r["flags"] & 0x04
                                   else "underflow", r["resid"])
    return s


def fate(bs, lba, pattern):
    b = block(bs, lba)
    if b == bytes([BEFORE]) * bs:
        return "unchanged"
    if b == pattern:
        return "WRITTEN with the READ's data-out"
    return "changed to something else (%r...)" % b[:16]


c = Conn(0x400000001d02)
c.login()
print("%s: ImmediateData=%s InitialR2T=%s FirstBurstLength=%s "
      "MaxRecvDataSegmentLength=%s" % (
          who, c.login_keys.get("ImmediateData"),
          c.login_keys.get("InitialR2T"),
          c.login_keys.get("FirstBurstLength"),
          c.login_keys.get("MaxRecvDataSegmentLength")), flush=True)
for i in range(4):
    r = command(c, tur, 0, "TEST UNIT READY")
    if r["status"] == 0:
        break
else:
    fail("%s: TEST UNIT READY: %s" % (who, describe(r)))
r = command(c, bytes([0x25] + [0] * 9), 8, "READ CAPACITY(10)", read=True)
if r["status"] != 0 or len(r["datain"]) != 8:
    fail("%s: READ CAPACITY(10): %s" % (who, describe(r)))
bs = be32(r["datain"], 4)
if block(bs, 0) != bytes([BEFORE]) * bs or \
   block(bs, 2) != bytes([BEFORE]) * bs:
    fail("%s: the backing file does not hold 5Ah in blocks 0 and 2" % who)
print("%s: block size %d, blocks 0 and 2 of %s hold 5Ah" % (who, bs, img),
      flush=True)

pat_a = (b"ktgt-dir-peers-A" * (bs // 16 + 1))[:bs]
pat_b = (b"ktgt-dir-peers-B" * (bs // 16 + 1))[:bs]
imm_ok = c.login_keys.get("ImmediateData", "Yes") == "Yes"
if not imm_ok:
    fail("%s: ImmediateData=No, cannot send what libiscsi sends" % who)

what_a = "READ(10) LBA 0, W bit, EDTL %d, immediate data" % bs
ra = command(c, rw10(0x28, 0, 1), bs, what_a, write=True, imm=pat_a,
             pattern=pat_a)
fa = fate(bs, 0, pat_a)
print("%s: %s: %s; file block 0 %s" % (who, what_a, describe(ra), fa),
      flush=True)
if ra["end"]:
    # The connection is gone or stuck: nothing more to learn from it.
    sys.exit(2 if who == "ktgt" else 0)

what_b = "READ(10) LBA 2, W bit, EDTL %d, no immediate data" % bs
rb = command(c, rw10(0x28, 2, 1), bs, what_b, write=True, pattern=pat_b)
fb = fate(bs, 2, pat_b)
print("%s: %s: %s; file block 2 %s" % (who, what_b, describe(rb), fb),
      flush=True)
if rb["end"]:
    sys.exit(2 if who == "ktgt" else 0)

rr = command(c, rw10(0x28, 0, 1), bs, "READ(10) LBA 0, R bit", read=True)
same = rr["datain"] == block(bs, 0)
print("%s: then READ(10) LBA 0 with the R bit: %s, %s the file's block 0"
      % (who, describe(rr), "same as" if same else "NOT"), flush=True)
c.logout()

if who == "ktgt":
    for what, r, f in ((what_a, ra, fa), (what_b, rb, fb)):
        if (r["status"], r["sense"]) != (2, (5, 0x0e, 0x03)) or r["r2t"] \
           or r["datain"]:
            fail("ktgt: %s: %s; expected CHECK CONDITION 05/0e/03, no "
                 "R2T, no Data-In" % (what, describe(r)))
        if f != "unchanged":
            fail("ktgt: %s: the file's block %s" % (what, f))
    if rr["status"] != 0 or not same:
        fail("ktgt: READ(10) with the R bit after them: %s" % describe(rr))
EOF

# run_on TARGET: set TARGET up on a file whose first 4 blocks of 4 KiB
# hold 5Ah, run the probe, tear it down.
run_on() {
	local lun img=/tmp/dir-$1.img rc
	ISCSI_TARGET=$1
	log "$1"
	rm -f "$img"
	truncate -s 16M "$img" || fail "truncate $img"
	python3 -c 'import sys; open(sys.argv[1], "r+b").write(b"\x5a" * 16384)' \
		"$img" || fail "fill $img"
	iscsi_tgt_setup
	lun=$(iscsi_tgt_first_lun)
	iscsi_tgt_mkdisk dp0 "$img" 16M
	iscsi_tgt_mktarget "$IQN" 127.0.0.1
	iscsi_tgt_maplun "$IQN" "$lun" dp0
	iscsi_tgt_enable "$IQN"
	python3 /tmp/dirpeers.py "$IQN" "$lun" "$img" "$1"
	rc=$?
	iscsi_tgt_teardown || fail "$1: teardown"
	iscsi_tgt_unload
	iscsi_tgt_wait_conns 0 30
	[ "$rc" -eq 0 ] || fail "$1: the raw initiator failed (status $rc)"
}

for t in $targets; do
	run_on "$t"
done
pass "ktgt refuses a READ with the W bit and leaves the file as it was"
