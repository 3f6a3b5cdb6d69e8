#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 240
#
# vdisk_nullio's zero_reads attribute (the benchmark setting):
# - defaults to 1, and then an O_DIRECT read through ktgt_local into a
#   buffer filled with 0xaa returns zeros;
# - 0 leaves the buffer untouched (the 0xaa stay: ktgt_local passes the
#   user's pages through), and can be changed while the LUN is in use;
# - values other than a boolean are refused; 1 restores zeroing.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

H=$KTGT_CFS/handlers/vdisk_nullio

# read_fill DEV: read 256 KiB at offset 4096 with O_DIRECT into a buffer
# of 0xaa; print "zero", "untouched" or "mixed".
read_fill() {
	python3 - "$1" <<'PY'
import mmap, os, sys
n = 256 << 10
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, n)
buf.write(b"\xaa" * n)
got = os.preadv(fd, [buf], 4096)
if got != n:
    print("short read %d" % got)
elif buf[:] == bytes(n):
    print("zero")
elif buf[:] == b"\xaa" * n:
    print("untouched")
else:
    print("mixed")
PY
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

ktgt_mkdev vdisk_nullio/z0 size=$((16 << 20)) serial=NULLZ0
expect_eq "$(cat "$H/z0/zero_reads")" 1 "zero_reads default"
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/z0
ktgt_enable local/t0
dev=$(ktgt_wait_disk host="$(ktgt_local_host t0)" serial=NULLZ0)

expect_eq "$(read_fill "$dev")" zero "read with zero_reads=1"

ktgt_write "$H/z0/zero_reads" 0
expect_eq "$(cat "$H/z0/zero_reads")" 0 "zero_reads after writing 0"
expect_eq "$(read_fill "$dev")" untouched "read with zero_reads=0"

for bad in 2 abc -1 ""; do
	if (printf '%s\n' "$bad" > "$H/z0/zero_reads") 2>/dev/null; then
		fail "writing '$bad' to zero_reads succeeded"
	fi
done
expect_eq "$(cat "$H/z0/zero_reads")" 0 "zero_reads after refused writes"

ktgt_write "$H/z0/zero_reads" 1
expect_eq "$(read_fill "$dev")" zero "read after zero_reads=1 again"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
