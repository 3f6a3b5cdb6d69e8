#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# pt_disk (ktgt_pt): a READ the disk answers with less data than asked
# (scsi_debug opts=0x100, every_nth=1: a READ of N blocks moves N/2, GOOD
# status with a residual) reaches the initiator as it happened: GOOD, a
# residual underflow of the missing bytes, the returned bytes the disk's
# data, and nothing written past them into the initiator's buffer (a
# page-aligned buffer, filled with A5h, that SG_IO on the sd node maps
# directly, so that what ktgt_local's scatterlist receives is what the
# program sees). Mapped directly and through bounce pages; before the
# bounced short READ a full bounced READ leaves other data in the sgv
# pool's buffer it reuses, which must not reach the initiator.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

H=$KTGT_CFS/handlers/pt_disk
SDBG=/sys/bus/pseudo/drivers/scsi_debug

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	{ echo 0 > "$SDBG/every_nth"; echo 0 > "$SDBG/opts"; } 2>/dev/null
	ktgt_cleanup >/dev/null 2>&1
	modprobe -r scsi_debug 2>/dev/null
}
trap cleanup EXIT

ktgt_load ktgt_pt ktgt_local
ktgt_initiator_load
modprobe scsi_debug dev_size_mb=16 || fail "modprobe scsi_debug"
ktgt_sdebug_wait
sdbg_hctl=$KTGT_SDEBUG_HCTL
sdbg_dev=$(ktgt_wait_disk host="${sdbg_hctl%%:*}" lun="${sdbg_hctl##*:}")

mkdir "$H/p0" || fail "mkdir $H/p0"
ktgt_write "$H/p0/scsi_device" "$sdbg_hctl"
ktgt_write "$H/p0/blocksize" 512
ktgt_write "$H/p0/enable" 1
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 pt_disk/p0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
pt_dev=$(ktgt_wait_disk host="$host" lun=0)
log "ktgt LU: $pt_dev; scsi_debug: $sdbg_dev"

# The disk's first 16 blocks, known data.
head -c 8192 /dev/urandom > /tmp/pt-data
dd if=/tmp/pt-data of="$sdbg_dev" bs=8192 count=1 oflag=direct \
	conv=notrunc status=none || fail "write to $sdbg_dev"

# short_read WHAT: through SG_IO on the ktgt LU, a full READ(10) of 8
# blocks at LBA 8, then with scsi_debug's short transfers on (every_nth
# 1) one of 8 blocks at LBA 0, which moves 4.
short_read() {
	python3 - "$pt_dev" /tmp/pt-data "$1" "$SDBG/every_nth" <<'PYEOF' ||
import ctypes, fcntl, mmap, os, struct, sys

dev, data_file, what, every_nth = sys.argv[1:5]
data = open(data_file, "rb").read()
SG_IO = 0x2285
SG_DXFER_FROM_DEV = -3
FMT = "@iiBBHIPPPIIiPBBBBHHiII"

def read10(fd, lba, blocks):
    buf = mmap.mmap(-1, 4096)
    buf.write(b"\xa5" * 4096)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    cdb = ctypes.create_string_buffer(
        bytes([0x28, 0, 0, 0, 0, lba, 0, 0, blocks, 0]), 10)
    sense = ctypes.create_string_buffer(32)
    hdr = bytearray(struct.pack(FMT, ord("S"), SG_DXFER_FROM_DEV, 10, 32,
                                0, blocks * 512, addr,
                                ctypes.addressof(cdb),
                                ctypes.addressof(sense), 20000, 0, 0, 0,
                                0, 0, 0, 0, 0, 0, 0, 0, 0))
    fcntl.ioctl(fd, SG_IO, hdr)
    f = struct.unpack(FMT, hdr)
    status, host, drv, resid = f[13], f[17], f[18], f[19]
    out = bytes(buf[:])
    buf.close()
    return status, host, drv, resid, out

def set_every_nth(n):
    with open(every_nth, "w") as f:
        f.write("%d\n" % n)

fd = os.open(dev, os.O_RDWR)
bad = []
for lba, want_resid in ((8, 0), (0, 2048)):
    set_every_nth(1 if want_resid else 0)
    status, host, drv, resid, out = read10(fd, lba, 8)
    set_every_nth(0)
    print("%s: READ(10) LBA %d, 8 blocks: status %#x host %#x driver %#x"
          " resid %d" % (what, lba, status, host, drv, resid))
    if status or host or (drv & ~0x8):
        bad.append("LBA %d: not GOOD" % lba)
        continue
    if resid != want_resid:
        bad.append("LBA %d: residual %d, not %d" % (lba, resid, want_resid))
    got = out[:4096 - resid]
    want = data[lba * 512:lba * 512 + len(got)]
    if got != want:
        bad.append("LBA %d: the %d bytes received are not the disk's"
                   % (lba, len(got)))
    tail = out[4096 - resid:]
    if tail != b"\xa5" * len(tail):
        n = sum(1 for b in tail if b != 0xa5)
        first = next(i for i, b in enumerate(tail) if b != 0xa5)
        bad.append("LBA %d: %d bytes past the %d received were written"
                   " (first at %d: %s...)"
                   % (lba, n, 4096 - resid, 4096 - resid + first,
                      tail[first:first + 8].hex()))
os.close(fd)
if bad:
    sys.exit("; ".join(bad))
PYEOF
		fail "short READ, $1"
}

ktgt_write "$SDBG/opts" 256
short_read "mapped directly"
ktgt_write /sys/module/ktgt_pt/parameters/bounce 1
short_read "through bounce pages"
ktgt_write /sys/module/ktgt_pt/parameters/bounce 0
ktgt_write "$SDBG/opts" 0

ktgt_unmaplun local/t0 0
ktgt_write "$H/p0/enable" 0
rmdir "$H/p0" || fail "rmdir $H/p0"
ktgt_cleanup || fail "cleanup"
modprobe -r scsi_debug || fail "unload scsi_debug"
ktgt_unload_all
pass
