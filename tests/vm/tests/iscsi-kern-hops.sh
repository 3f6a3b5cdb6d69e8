#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# How often a command over ktgt_iscsi is handed to the core's workers,
# counted with a hist trigger on workqueue:workqueue_queue_work for
# cmd_work_fn (ktgt_core) while open-iscsi does one command at a time
# (dd with O_DIRECT) on four LUNs of one target:
# - vdisk_nullio: 4 KiB reads, 4 KiB writes (immediate data) and 128 KiB
#   writes (R2T and Data-Out) run from their PDU to their response
#   in the receive thread: no hop at all. ktgt_iscsi's callbacks are safe
#   in any context (callbacks_atomic), so the core neither bounces
#   ->rdy_to_xfer() nor ->xmit_response() to a worker;
# - vdisk_fileio on a file in tmpfs (mounted by the test): no hop. It lives in
#   memory, so the device is nowait and the core executes its commands
#   in the receive thread (KTGT_CTX_NOWAIT);
# - vdisk_fileio on a loop device node (whose page cache has writeback):
#   exactly one hop per write, the execution (it may wait for the disk),
#   whose response is queued from that worker; no hop for a read of
#   cached blocks (RWF_NOWAIT in the receive thread); and a read of
#   blocks no longer cached is handed back to a worker, which reads them
#   from the disk;
# - vdisk_blockio on a loop device (blk-mq: it takes REQ_NOWAIT): no hop.
#   The device is nowait, the receive thread submits the bios with
#   REQ_NOWAIT, and they complete in soft interrupt context, where
#   ->xmit_response() is called.
# SYNCHRONIZE CACHE, which may wait for the medium, takes one hop on
# every device, nowait or not; so does GET LBA STATUS on fileio.
# With ktgt_core's exec_nowait=0 the tmpfs LUN takes one hop again.
# blockio hands a command back to a worker (ktgt_cmd_requeue()) when the
# queue cannot take it without waiting: every 128 KiB write once the loop
# device takes no more than 64 KiB per request; and enough commands at
# queue depth 32 with 4 requests on the loop device, which fio verifies.
# Data written through each LUN is read back and compared.
# The null and tmpfs LUNs' responses are then sent by the receive thread
# itself (direct_send): its transmit thread is not woken per command,
# but is with direct_send=0. Last, both threads write to the socket at
# once: fio verifies random writes on the loop-backed file LUN while
# reading the null LUN at queue depth 32, on the same connection.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"
need_cpus 2 "a transmit thread woken per command with direct_send=0"

IQN=iqn.2026-11.org.ktgt:kern-hops
P=$(iscsi_portal 127.0.0.1)
EV=$KTGT_TRACEFS/events/workqueue/workqueue_queue_work
HIST="hist:keys=function.sym:vals=hitcount"
N=200
LOOP=
LOOP3=
MEM=/tmp/ktgt-hops-mem

cleanup() {
	echo "!$HIST" >> "$EV/trigger" 2>/dev/null
	iscsi_cleanup >/dev/null 2>&1
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	[ -n "$LOOP3" ] && losetup -d "$LOOP3" 2>/dev/null
	mountpoint -q "$MEM" && umount "$MEM"
}
trap cleanup EXIT

[ -d "$KTGT_TRACEFS/events" ] ||
	mount -t tracefs nodev "$KTGT_TRACEFS" 2>/dev/null
[ -w "$EV/trigger" ] || skip "no workqueue_queue_work trigger"
echo "$HIST:pause" >> "$EV/trigger" || skip "no hist triggers"

# The tmpfs LUN's file, on a tmpfs of its own (/tmp may be a disk).
mkdir -p "$MEM" && mount -t tmpfs -o size=80M ktgt-hops "$MEM" ||
	fail "mount tmpfs on $MEM"
iscsi_tgt_setup
ktgt_mkdev vdisk_nullio/hop0 size=$((64 << 20))
iscsi_tgt_mkdisk hop1 "$MEM/hop1.img" 64M
modprobe loop || fail "modprobe loop"
truncate -s 64M /tmp/hop2.img || fail "truncate"
LOOP=$(losetup --find --show /tmp/hop2.img) || fail "losetup"
ktgt_mkdev vdisk_blockio/hop2 filename="$LOOP"
truncate -s 64M /tmp/hop3.img || fail "truncate"
LOOP3=$(losetup --find --show /tmp/hop3.img) || fail "losetup"
ktgt_mkdev vdisk_fileio/hop3 filename="$LOOP3"
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/hop0
ktgt_maplun "iscsi/$IQN" 1 vdisk_fileio/hop1
ktgt_maplun "iscsi/$IQN" 2 vdisk_blockio/hop2
ktgt_maplun "iscsi/$IQN" 3 vdisk_fileio/hop3
for d in hop0:1 hop1:1 hop2:1 hop3:1; do
	expect_eq "$(cat "/sys/kernel/ktgt/devices/${d%:*}/nowait")" "${d#*:}" \
		"${d%:*}'s nowait"
done
iscsi_tgt_enable "$IQN"
iscsi_ini_start
iscsi_discover "$P" | grep -q "$IQN" || fail "discovery does not list $IQN"
iscsi_login "$IQN" "$P"

# hops CMD...: run CMD, print how many times cmd_work_fn was queued.
hops() {
	echo "$HIST:clear" >> "$EV/trigger"
	echo "$HIST:cont" >> "$EV/trigger"
	"$@" || fail "$*"
	echo "$HIST:pause" >> "$EV/trigger"
	# { function: [ffffffffc0a1b2c3] cmd_work_fn [ktgt_core] } hitcount: 7
	awk '/ cmd_work_fn / { for (i = 1; i < NF; i++)
			if ($i == "hitcount:") n += $(i + 1) }
	     END { print n + 0 }' "$EV/hist"
}

# expect_hops WHAT H LO [HI]: log that WHAT queued cmd_work_fn H times,
# and fail unless H is at least LO (and at most HI, if given).
expect_hops() {
	log "$1: $2 hops"
	if [ -z "${4:-}" ]; then
		[ "$2" -ge "$3" ] ||
			fail "$1 queued cmd_work_fn $2 times, expected at least $3"
	else
		[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
			fail "$1 queued cmd_work_fn $2 times, expected $3-$4"
	fi
}

# check LUN WHAT LO HI [RLO RHI]: N 4 KiB writes, N 4 KiB reads and N/4
# 128 KiB writes of LUN, each queued cmd_work_fn LO to HI times in all
# (the reads RLO to RHI times if given).
check() {
	local dev h lo=$3 hi=$4 rlo=${5:-$3} rhi=${6:-$4}
	dev=$(iscsi_wait_lun "$IQN" "$1")
	[ -b "$dev" ] || fail "$2: no disk for LUN $1"
	head -c $((N * 4096)) /dev/urandom > /tmp/pat4k
	head -c $((N / 4 * 131072)) /dev/urandom > /tmp/pat128k

	h=$(hops dd if=/tmp/pat4k of="$dev" bs=4k oflag=direct status=none)
	expect_hops "$2: $N 4 KiB writes" "$h" "$lo" "$hi"
	h=$(hops dd if="$dev" of=/tmp/rb4k bs=4k count="$N" iflag=direct status=none)
	expect_hops "$2: $N 4 KiB reads" "$h" "$rlo" "$rhi"
	h=$(hops dd if=/tmp/pat128k of="$dev" bs=128k seek=8 oflag=direct status=none)
	expect_hops "$2: $((N / 4)) 128 KiB writes" "$h" $((lo / 4)) $((hi / 4))
	if [ "$1" != 0 ]; then
		cmp -s /tmp/pat4k /tmp/rb4k || fail "$2: 4 KiB data read back differs"
		dd if="$dev" of=/tmp/rb128k bs=128k skip=8 count=$((N / 4)) \
			iflag=direct status=none || fail "$2: read 128 KiB"
		cmp -s /tmp/pat128k /tmp/rb128k || fail "$2: 128 KiB data read back differs"
	fi
}

# A few commands of the initiator's own (none expected) may fall in a
# window: allow N/16 either way on top of the exact count.
check 0 nullio 0 $((N / 16))
check 1 "fileio (tmpfs)" 0 $((N / 16))
check 3 "fileio (loop)" "$N" $((N + N / 16)) 0 $((N / 16))

# Once the loop device's page cache is dropped, the first read finds
# nothing cached and goes to a worker, which reads (and reads ahead)
# from the disk; the data is the same.
dev3=$(iscsi_wait_lun "$IQN" 3)
blockdev --flushbufs "$LOOP3" || fail "blockdev --flushbufs $LOOP3"
h=$(hops dd if="$dev3" of=/tmp/rb4k bs=4k count="$N" iflag=direct status=none)
expect_hops "fileio (loop), page cache dropped: $N 4 KiB reads" "$h" 1 \
	$((N + N / 16))
cmp -s /tmp/pat4k /tmp/rb4k ||
	fail "fileio (loop), page cache dropped: 4 KiB data read back differs"
check 2 blockio 0 $((N / 16))

# SYNCHRONIZE CACHE may wait for the medium (blockio issues a flush and
# waits for it), so a worker executes it even on a nowait device: one
# hop each, on blockio and on the tmpfs file alike.
sync_cache() {
	local i
	for ((i = 0; i < N / 4; i++)); do
		sg_sync "$1" || return 1
	done
}
command -v sg_sync > /dev/null || fail "sg_sync (sg3-utils) is not installed"
for l in "2 blockio" "1 fileio (tmpfs)"; do
	h=$(hops sync_cache "$(iscsi_wait_lun "$IQN" "${l%% *}")")
	expect_hops "${l#* }: $((N / 4)) SYNCHRONIZE CACHE" "$h" $((N / 4)) \
		$((N / 4 + N / 16))
done
# So does GET LBA STATUS: fileio's ->mapped asks the file system where
# the file's data is (SEEK_DATA, SEEK_HOLE), which may read its extent
# map from the disk.
get_lba_status() {
	local i
	for ((i = 0; i < N / 4; i++)); do
		sg_get_lba_status "$1" > /dev/null || return 1
	done
}
command -v sg_get_lba_status > /dev/null ||
	fail "sg_get_lba_status (sg3-utils) is not installed"
h=$(hops get_lba_status "$(iscsi_wait_lun "$IQN" 1)")
expect_hops "fileio (tmpfs): $((N / 4)) GET LBA STATUS" "$h" $((N / 4)) \
	$((N / 4 + N / 16))

# A command the loop device cannot take in one request is handed back
# to the core before any bio is submitted, and written from a worker.
dev2=$(iscsi_wait_lun "$IQN" 2)
Q=/sys/block/${LOOP#/dev/}/queue
ms=$(cat "$Q/max_sectors_kb")
ktgt_write "$Q/max_sectors_kb" 64
head -c $((N / 4 * 131072)) /dev/urandom > /tmp/pat128k
h=$(hops dd if=/tmp/pat128k of="$dev2" bs=128k seek=8 oflag=direct status=none)
expect_hops "blockio, 64 KiB per request: $((N / 4)) 128 KiB writes" "$h" \
	$((N / 4)) $((N / 4 + N / 16))
h=$(hops dd if="$dev2" of=/tmp/rb128k bs=128k skip=8 count=$((N / 4)) \
	iflag=direct status=none)
expect_hops "blockio, 64 KiB per request: $((N / 4)) 128 KiB reads" "$h" \
	$((N / 4))
cmp -s /tmp/pat128k /tmp/rb128k ||
	fail "blockio, 64 KiB per request: 128 KiB data read back differs"
ktgt_write "$Q/max_sectors_kb" "$ms"

# 32 commands in flight for 4 requests: a bio that finds no free request
# ends with BLK_STS_AGAIN and its command is executed again from a worker;
# nothing fails and the data verifies.
nr=$(cat "$Q/nr_requests")
ktgt_write "$Q/nr_requests" 4
h=$(hops fio --name=again --filename="$dev2" --direct=1 --ioengine=libaio \
	--iodepth=32 --rw=randwrite --bs=4k --size=8M --verify=crc32c \
	--do_verify=1 --verify_fatal=1 --output="$ISCSI_LOG/fio-again.out")
ktgt_write "$Q/nr_requests" "$nr"
expect_hops "blockio, 4 requests, queue depth 32" "$h" 1

# ktgt_core's exec_nowait=0 hands the tmpfs LUN's commands to the
# workers again, one hop each.
NW=/sys/module/ktgt_core/parameters/exec_nowait
expect_eq "$(cat "$NW")" Y "default exec_nowait"
ktgt_write "$NW" 0
h=$(hops dd if="$(iscsi_wait_lun "$IQN" 1)" of=/dev/null bs=4k count="$N" \
	iflag=direct status=none)
ktgt_write "$NW" 1
expect_hops "fileio (tmpfs), exec_nowait=0: $N 4 KiB reads" "$h" "$N" \
	$((N + N / 16))

# tx_wakes CMD...: run CMD, print how often the connection's transmit
# thread slept and was woken meanwhile (its voluntary context switches).
tx_wakes() {
	local pid a b
	pid=$(pgrep '^kis_tx/') || fail "no kis_tx thread"
	a=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/"$pid"/status)
	"$@" || fail "$*"
	b=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/"$pid"/status)
	echo $((b - a))
}

# The null and tmpfs LUNs' responses are sent by the receive thread
# itself (direct_send): the transmit thread is not woken per command;
# with direct_send=0 it is, once per command (the last wakeup may still
# be running when counted).
D=/sys/module/ktgt_iscsi/parameters/direct_send
expect_eq "$(cat "$D")" Y "default direct_send"
dev0=$(iscsi_wait_lun "$IQN" 0)
for l in "0 nullio" "1 fileio (tmpfs)"; do
	d=$(iscsi_wait_lun "$IQN" "${l%% *}")
	w=$(tx_wakes dd if="$d" of=/dev/null bs=4k count="$N" iflag=direct status=none)
	log "${l#* }, direct_send=1: $N 4 KiB reads woke kis_tx $w times"
	[ "$w" -le $((N / 16)) ] || fail "direct_send=1: $N reads of ${l#* } woke kis_tx $w times"
	w=$(tx_wakes dd if=/tmp/pat4k of="$d" bs=4k oflag=direct status=none)
	log "${l#* }, direct_send=1: $N 4 KiB writes woke kis_tx $w times"
	[ "$w" -le $((N / 16)) ] || fail "direct_send=1: $N writes of ${l#* } woke kis_tx $w times"
done
ktgt_write "$D" 0
w=$(tx_wakes dd if="$dev0" of=/dev/null bs=4k count="$N" iflag=direct status=none)
log "nullio, direct_send=0: $N 4 KiB reads woke kis_tx $w times"
[ "$w" -ge $((N - N / 16)) ] || fail "direct_send=0: $N reads of the null LUN woke kis_tx only $w times"
ktgt_write "$D" 1

# Both writers of the socket at once, on one connection: fio verifying
# random writes on the loop-backed file LUN (responses from the transmit
# thread)
# while fio reads the null LUN at queue depth 32 (responses from the
# receive thread). Interleaved PDUs would fail the verify or drop the
# connection (a new session in sysfs).
s0=$(ls /sys/kernel/ktgt_iscsi/sessions/)
fio --name=null --filename="$dev0" --direct=1 --ioengine=libaio \
	--iodepth=32 --rw=randread --bs=4k --time_based --runtime=15 \
	--output="$ISCSI_LOG/fio-null.out" > /dev/null 2>&1 &
nullpid=$!
run_ok "fio verify beside direct sends" fio --name=file --filename="$dev3" \
	--direct=1 --ioengine=libaio --iodepth=16 --rw=randwrite \
	--bsrange=4k-64k --size=16M --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --output="$ISCSI_LOG/fio-file.out"
wait "$nullpid" || fail "fio on the null LUN: $(tail -5 "$ISCSI_LOG/fio-null.out")"
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "$s0" "the session after concurrent I/O"

iscsi_logout "$IQN" "$P"
iscsi_ini_stop
iscsi_tgt_teardown
pass "worker hops per command: nullio, fileio on tmpfs and blockio none, fileio on a disk one per write or uncached read; blockio requeues; direct sends"
