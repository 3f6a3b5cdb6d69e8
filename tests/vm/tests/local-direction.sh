#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# ktgt_local hands the core the midlayer's own buffer, which for SG_IO
# may be user pages the kernel pinned for the direction the caller
# named. A command whose CDB moves data the other way is refused with
# CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB, before anything
# runs:
# 1. READ(10) sent with SG_DXFER_TO_DEV from a read-only shared mapping
#    of a read-only file: the file's page cache must not change (the old
#    code wrote the disk's blocks into it, also for a user who could only
#    open the disk for reading);
# 2. WRITE(10) sent with SG_DXFER_FROM_DEV: the disk must not change;
# 3. WRITE(10) of 8 blocks with 512 bytes of data-out: refused, not cut
#    to the data that came and reported GOOD (a local caller gets no
#    overflow residual). A matching WRITE(10) then writes and is GOOD.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

img=/tmp/dir.img
head -c 8M /dev/zero | tr '\0' 'X' > "$img" || fail "creating $img"
ktgt_mkdev vdisk_fileio/d0 filename="$img" serial=DIR0
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/d0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
for i in 1 2 3; do
	[ "$(ktgt_sense "$sg" 00 00 00 00 00 00)" = "status=00 sense=" ] && break
done

victim=/tmp/victim
head -c 4096 /dev/zero | tr '\0' 'A' > "$victim"
chmod 0444 "$victim"
cat > /tmp/sgcmd.py <<'EOF'
import ctypes, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from sgio import *
PROT_READ, PROT_WRITE, MAP_SHARED, MAP_PRIVATE, MAP_ANON = 1, 2, 1, 2, 0x20

disk, what = sys.argv[1], sys.argv[2]
if what == "read-to-dev":
    # READ(10) LBA 0, 8 blocks, from a read-only mapping of the victim.
    vfd = os.open(sys.argv[3], os.O_RDONLY)
    addr = libc.mmap(None, 4096, PROT_READ, MAP_SHARED, vfd, 0)
    cdb = bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0])
    direction = SG_DXFER_TO_DEV
else:
    # WRITE(10) LBA 32, 8 blocks, into a buffer of 'Z' meant to receive.
    addr = libc.mmap(None, 4096, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANON, -1, 0)
    ctypes.memset(addr, ord("Z"), 4096)
    cdb = bytes([0x2a, 0, 0, 0, 0, 32, 0, 0, 8, 0])
    direction = SG_DXFER_FROM_DEV
assert addr not in (None, ctypes.c_void_p(-1).value), "mmap"
dfd = os.open(disk, os.O_RDONLY)
try:
    h, sense = sg_io(dfd, cdb, addr, 4096, direction)
except OSError as e:
    print("ioctl failed, errno %d" % e.errno)
else:
    sense = sense.ljust(14, b"\0")
    print("status=%02x sense=%x/%02x/%02x" % (h.status, sense[2] & 0xf,
                                               sense[12], sense[13]))
EOF

want="status=02 sense=5/24/00"
out=$(python3 /tmp/sgcmd.py "$dev" read-to-dev "$victim" 2>&1)
log "READ(10) with SG_DXFER_TO_DEV: $out"
expect_eq "$out" "$want" "READ(10) sent with SG_DXFER_TO_DEV"
expect_eq "$(head -c 8 "$victim")" AAAAAAAA \
	"the read-only file after a READ(10) into its read-only mapping"

out=$(python3 /tmp/sgcmd.py "$dev" write-from-dev 2>&1)
log "WRITE(10) with SG_DXFER_FROM_DEV: $out"
expect_eq "$out" "$want" "WRITE(10) sent with SG_DXFER_FROM_DEV"
got=$(dd if="$dev" bs=512 skip=32 count=8 iflag=direct 2>/dev/null | tr -d 'X' | wc -c)
expect_eq "$got" 0 "bytes changed at LBA 32-39 by the refused WRITE(10)"

head -c 4096 /dev/zero | tr '\0' 'Y' > /tmp/y4k
res=$(ktgt_sense -s 512 -i /tmp/y4k "$sg" 2a 00 00 00 00 10 00 00 08 00)
log "WRITE(10) of 8 blocks with 512 bytes: $res"
expect_eq "${res%% sense=*}" status=02 "WRITE(10) of 8 blocks with 512 bytes of data"
got=$(dd if="$dev" bs=512 skip=16 count=8 iflag=direct 2>/dev/null | tr -d 'X' | wc -c)
expect_eq "$got" 0 "bytes changed at LBA 16-23 by the refused WRITE(10)"
res=$(ktgt_sense -s 4096 -i /tmp/y4k "$sg" 2a 00 00 00 00 10 00 00 08 00)
expect_eq "$res" "status=00 sense=" "WRITE(10) of 8 blocks with their data"
got=$(dd if="$dev" bs=512 skip=16 count=8 iflag=direct 2>/dev/null | tr -d 'X' | wc -c)
expect_eq "$got" 4096 "bytes of Y at LBA 16-23"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
