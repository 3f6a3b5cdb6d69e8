#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# vdisk_nullio through ktgt_local:
# - size is required before enable and must be a positive number;
# - the LUN has that capacity; reads return zeros even after random data
#   was written; writes succeed;
# - a new size takes effect with resync_size;
# - delay_ms (test hook) makes every READ/WRITE complete that much later,
#   and 0 restores immediate completion;
# - writing delay_ms re-arms the commands being delayed: a READ held with
#   60000 ends soon after 0 is written;
# - queued random I/O (fio, iodepth 32) runs without errors on the
#   exec_atomic path.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Process substitution needs /dev/fd, which the VM's /dev may lack.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

H=$KTGT_CFS/handlers/vdisk_nullio

attr_fails() {
	if (printf '%s\n' "$2" > "$1") 2>/dev/null; then
		fail "$3: writing '$2' to $1 succeeded"
	fi
}

# ms_of CMD...: run CMD, print how many milliseconds it took.
ms_of() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" || fail "'$*' failed"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

mkdir "$H/n0" || fail "mkdir $H/n0"
expect_eq "$(cat "$H/n0/size")" 0 "size before it is set"
expect_eq "$(cat "$H/n0/delay_ms")" 0 "delay_ms default"
expect_fail "enable without size" sh -c "echo 1 > $H/n0/enable"
attr_fails "$H/n0/size" 0 "size 0"
attr_fails "$H/n0/size" abc "size abc"
attr_fails "$H/n0/delay_ms" 600001 "delay_ms above the limit"
ktgt_write "$H/n0/size" 100
expect_fail "enable with size below one block" sh -c "echo 1 > $H/n0/enable"
ktgt_set_attrs "$H/n0" size=$((64 << 20)) serial=VNULL0 enable=1
expect_eq "$(cat "$H/n0/size")" $((64 << 20)) "size"

ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/n0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" serial=VNULL0)
log "vdisk_nullio/n0 is $dev"
expect_eq "$(blockdev --getsize64 "$dev")" $((64 << 20)) "disk size"

log "writes succeed, reads return zeros"
run_ok "O_DIRECT write of random data" \
	dd if=/dev/urandom of="$dev" bs=1M count=8 oflag=direct status=none
cmp -n 8M /dev/zero <(dd if="$dev" bs=1M count=8 iflag=direct status=none) ||
	fail "nullio read returned non-zero data"
# The read must zero the buffer, not leave what was in it: read with
# O_DIRECT into a buffer filled with 0xaa (ktgt_local passes the user's
# pages through, so nothing else would clear them).
python3 - "$dev" <<'PY' || fail "nullio read left the buffer's old contents"
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 1 << 20)
buf.write(b"\xaa" * (1 << 20))
n = os.preadv(fd, [buf], 4096)
sys.exit(0 if n == 1 << 20 and buf[:] == bytes(1 << 20) else 1)
PY

log "resync_size applies a new size"
ktgt_write "$H/n0/size" $((96 << 20))
expect_eq "$(blockdev --getsize64 "$dev")" $((64 << 20)) \
	"disk size before resync_size"
ktgt_write "$H/n0/resync_size" 1
hctl=$(ktgt_find_disk host="$host" serial=VNULL0)
ktgt_write "/sys/class/scsi_device/$hctl/device/rescan" 1
expect_eq "$(blockdev --getsize64 "$dev")" $((96 << 20)) \
	"disk size after resync_size"

log "delay_ms: commands complete late"
# One dd issues its reads one by one, so the delays add up; comparing
# with the same dd without delay keeps process start-up (slow on the
# debug kernel) out of the measurement.
ktgt_write "$H/n0/delay_ms" 700
expect_eq "$(cat "$H/n0/delay_ms")" 700 "delay_ms"
rd=$(ms_of dd if="$dev" of=/dev/null bs=4k count=6 iflag=direct status=none)
wr=$(ms_of dd if=/dev/zero of="$dev" bs=4k count=2 oflag=direct status=none)
# Delayed reads still return zeros.
cmp -n 8k /dev/zero <(dd if="$dev" bs=8k count=1 iflag=direct status=none) ||
	fail "delayed read returned non-zero data"
ktgt_write "$H/n0/delay_ms" 0
fast=$(ms_of dd if="$dev" of=/dev/null bs=4k count=6 iflag=direct status=none)
log "6 reads: ${rd} ms delayed, ${fast} ms not; 2 delayed writes: ${wr} ms"
[ "$rd" -ge 4200 ] || fail "six delayed reads took only ${rd} ms"
[ "$wr" -ge 1400 ] || fail "two delayed writes took only ${wr} ms"
[ "$fast" -lt $((rd - 2800)) ] ||
	fail "reads still slow (${fast} ms vs ${rd} ms) after delay_ms=0"

log "delay_ms: writing it releases the commands being held"
ktgt_write "$H/n0/delay_ms" 60000
t0=$(date +%s%N)
dd if="$dev" of=/dev/null bs=4k count=1 iflag=direct status=none &
pid=$!
sleep 2
kill -0 $pid 2>/dev/null || fail "a READ with delay_ms 60000 ended within 2 s"
ktgt_write "$H/n0/delay_ms" 0
wait $pid || fail "the released READ failed"
held=$(( ($(date +%s%N) - t0) / 1000000 ))
log "READ held with delay_ms 60000, released after 2 s: ended after ${held} ms"
[ "$held" -lt 30000 ] || fail "the READ ended only after ${held} ms"

if command -v fio >/dev/null; then
	log "fio: queued random I/O"
	out=$(fio --name=nullio --filename="$dev" --ioengine=libaio --direct=1 \
		--rw=randrw --bsrange=4k-128k --iodepth=32 --size=64M \
		--io_size=128M --group_reporting 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { echo "$out"; fail "fio on $dev (rc=$rc)"; }
	grep -q 'err= 0' <<< "$out" || { echo "$out"; fail "fio errors on $dev"; }
fi

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
