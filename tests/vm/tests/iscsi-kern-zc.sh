#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt_iscsi's data path without copies or allocations per command, with
# HeaderDigest and DataDigest CRC32C and ImmediateData/InitialR2T=No
# (immediate data, unsolicited Data-Out and R2Ts all in use):
# - writes take their buffers from the core's sgv pool before their
#   data-out arrives (ktgt_cmd_alloc_buf()): after a warm-up pass, 128
#   writes of 64 KiB at queue depth 32 are served by the pool (hits +
#   misses grow by 128) from its cache (at most 8 misses, and pages
#   allocated only for those);
# - Data-In goes out with sendpage: zc_pages in /sys/kernel/ktgt_iscsi/
#   grows by the pages read and copy_bytes does not; with the zero_copy
#   module parameter 0 it is the other way round;
# - fio writes and verifies random 4-128 KiB blocks at queue depth 32
#   with zero-copy Data-In, then verifies them again copying, so
#   data digests are computed over the pages actually sent and the pool
#   does not reuse pages TCP still holds: busy_* counters show that
#   buffers were released while TCP held their pages;
# - responses the receive thread sends itself (the disk is a file on
#   tmpfs, so its commands run there) go out together while more
#   commands are waiting (direct_batch): fio writes and verifies 4 KiB
#   blocks at queue depth 32, and direct_batched grows (responses sent
#   with MSG_MORE, the next one right behind) and so does direct_held
#   (responses that waited while another PDU was read); with
#   direct_batch=1 the data verifies again, direct_rsps grows and
#   neither direct_batched nor direct_held does;
# - with direct_send=0 every response goes through the transmit thread,
#   which sends one with MSG_MORE when more PDUs are queued behind it:
#   4 KiB write+verify at queue depth 32 makes tx_batched grow, and with
#   tx_batch=0 it verifies again and tx_batched does not;
# - no response waits behind a long data segment or for a read too large
#   to send directly: 1 MiB writes (16 KiB of immediate data, then
#   Data-Out of up to 256 KiB) and 1 MiB reads at queue depth 8 leave
#   direct_held where it was.
# - the Data-In PDUs of one response are sent with MSG_MORE up to its
#   last: with the initiator's MaxRecvDataSegmentLength at 8192, 1 MiB
#   reads (128 Data-In PDUs each) take fewer than 64 TCP segments each
#   from the target, copied or not.
# The read bandwidth of each mode is logged (TCG: indicative only).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-zc
P=$(iscsi_portal 127.0.0.1)
ZC=/sys/module/ktgt_iscsi/parameters/zero_copy
DB=/sys/module/ktgt_iscsi/parameters/direct_batch
DS=/sys/module/ktgt_iscsi/parameters/direct_send
TB=/sys/module/ktgt_iscsi/parameters/tx_batch
trap iscsi_cleanup EXIT
command -v fio > /dev/null || skip "fio not installed"

iscsi_tgt_setup
sgv=$KTGT_SYSFS/sgv
kis=/sys/kernel/ktgt_iscsi
for f in "$sgv/busy_vectors" "$sgv/busy_recycled" "$sgv/busy_dropped" \
	 "$kis/zc_pages" "$kis/zc_bytes" "$kis/copy_bytes" "$ZC" \
	 "$kis/direct_rsps" "$kis/direct_batched" "$kis/direct_held" "$DB" \
	 "$kis/tx_batched" "$DS" "$TB"; do
	[ -r "$f" ] || fail "$f missing"
done
expect_eq "$(cat "$ZC")" Y "zero_copy default"
expect_eq "$(cat "$DB")" 16 "direct_batch default"
expect_eq "$(cat "$TB")" Y "tx_batch default"

iscsi_tgt_mkdisk zc0 /dev/shm/zc0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 zc0
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/HeaderDigest" CRC32C
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/DataDigest" CRC32C
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/InitialR2T" No
iscsi_tgt_enable "$IQN"
iscsi_ini_start
iscsi_discover "$P" > /dev/null
iscsi_node_digests "$IQN" "$P" CRC32C CRC32C
iscsi_node_set "$IQN" "$P" node.session.iscsi.InitialR2T=No \
	node.session.iscsi.ImmediateData=Yes \
	node.session.iscsi.FirstBurstLength=16384
iscsi_login "$IQN" "$P"
dev=$(iscsi_wait_lun "$IQN" 0)
neg=$(iscsiadm -m session -P 2 | grep -E 'Digest|InitialR2T|ImmediateData')
echo "$neg" | sed 's/^ */    /'
grep -q 'DataDigest: CRC32C' <<< "$neg" || fail "DataDigest CRC32C not negotiated"

st() { cat "$1/$2"; }
# seqio RW [SIZE [BS [DEPTH]]]: SIZE (8M: 128 commands) of BS (64 KiB)
# commands at depth DEPTH (32); prints fio's bandwidth
seqio() {
	local out
	out=$(fio --name=zc --filename="$dev" --ioengine=libaio --direct=1 \
		--rw="$1" --bs="${3:-64k}" --iodepth="${4:-32}" \
		--size="${2:-8M}" \
		--group_reporting 2>&1) ||
		{ echo "$out" | tail -n 20 >&2; fail "fio $1"; }
	grep -q 'err= 0' <<< "$out" || fail "fio $1 reported errors"
	grep -oE '(READ|WRITE): bw=[^ ]+' <<< "$out"
}

log "writes: buffers from the sgv pool"
seqio write 16M > /dev/null
h0=$(st "$sgv" hits) m0=$(st "$sgv" misses) a0=$(st "$sgv" allocated_pages)
seqio write | sed 's/^/    /'
h1=$(st "$sgv" hits) m1=$(st "$sgv" misses) a1=$(st "$sgv" allocated_pages)
echo "    sgv: hits +$((h1 - h0)) misses +$((m1 - m0)) allocated_pages $a0 -> $a1"
[ $((h1 - h0 + m1 - m0)) -ge 128 ] ||
	fail "128 writes: only $((h1 - h0 + m1 - m0)) sgv pool requests"
[ $((m1 - m0)) -le 8 ] || fail "writes in steady state: $((m1 - m0)) sgv misses"
[ $((a1 - a0)) -le $(((m1 - m0) * 16)) ] ||
	fail "writes in steady state: sgv allocated pages $a0 -> $a1"

log "reads with zero_copy=1: sendpage"
z0=$(st "$kis" zc_pages) c0=$(st "$kis" copy_bytes)
zbw=$(seqio read)
z1=$(st "$kis" zc_pages) c1=$(st "$kis" copy_bytes)
echo "    $zbw zc_pages +$((z1 - z0)) copy_bytes +$((c1 - c0))"
[ $((z1 - z0)) -ge 2048 ] || fail "8 MiB read: zc_pages grew by $((z1 - z0))"
expect_eq "$((c1 - c0))" 0 "copy_bytes while zero_copy=1"

log "reads with zero_copy=0: copied"
ktgt_write "$ZC" 0
z0=$(st "$kis" zc_pages) c0=$(st "$kis" copy_bytes)
cbw=$(seqio read)
z1=$(st "$kis" zc_pages) c1=$(st "$kis" copy_bytes)
echo "    $cbw zc_pages +$((z1 - z0)) copy_bytes +$((c1 - c0))"
expect_eq "$((z1 - z0))" 0 "zc_pages while zero_copy=0"
expect_eq "$((c1 - c0))" $((8 << 20)) "copy_bytes of a 8 MiB read"

log "fio verify at depth 32 with digests, both modes"
ktgt_write "$ZC" 1
iscsi_fio "write+verify, zero-copy" "$dev" 8M
ktgt_write "$ZC" 0
iscsi_fio "verify-only, copy" "$dev" 8M --verify_only
ktgt_write "$ZC" 1
b=$(($(st "$sgv" busy_vectors) + $(st "$sgv" busy_recycled) +
    $(st "$sgv" busy_dropped)))
echo "    sgv: busy_vectors $(st "$sgv" busy_vectors)" \
	"busy_recycled $(st "$sgv" busy_recycled)" \
	"busy_dropped $(st "$sgv" busy_dropped)"
[ "$b" -gt 0 ] || fail "no buffer was ever released while TCP held its pages"

log "responses sent together while commands wait (direct_batch)"
# 2048 writes, then 2048 reads, of 4 KiB at depth 32, with digests.
r0=$(st "$kis" direct_rsps) b0=$(st "$kis" direct_batched)
w0=$(st "$kis" direct_held)
iscsi_fio "4 KiB write+verify, direct_batch=16" "$dev" 8M --bsrange=4k-4k
r1=$(st "$kis" direct_rsps) b1=$(st "$kis" direct_batched)
w1=$(st "$kis" direct_held)
echo "    direct_rsps +$((r1 - r0)) direct_batched +$((b1 - b0))" \
	"direct_held +$((w1 - w0))"
[ $((r1 - r0)) -ge 1024 ] ||
	fail "4096 commands on tmpfs: only $((r1 - r0)) responses sent directly"
[ $((b1 - b0)) -gt 0 ] || fail "direct_batch=16: no response sent with the next"
[ $((w1 - w0)) -gt 0 ] || fail "direct_batch=16: no response held"
ktgt_write "$DB" 1
r0=$(st "$kis" direct_rsps) b0=$(st "$kis" direct_batched)
w0=$(st "$kis" direct_held)
iscsi_fio "4 KiB verify-only, direct_batch=1" "$dev" 8M --bsrange=4k-4k \
	--verify_only
r1=$(st "$kis" direct_rsps) b1=$(st "$kis" direct_batched)
w1=$(st "$kis" direct_held)
echo "    direct_rsps +$((r1 - r0)) direct_batched +$((b1 - b0))" \
	"direct_held +$((w1 - w0))"
[ $((r1 - r0)) -ge 512 ] ||
	fail "2048 reads on tmpfs: only $((r1 - r0)) responses sent directly"
expect_eq "$((b1 - b0))" 0 "direct_batched with direct_batch=1"
expect_eq "$((w1 - w0))" 0 "direct_held with direct_batch=1"
ktgt_write "$DB" 16

log "the transmit thread sends responses together (tx_batch)"
ktgt_write "$DS" 0
t0=$(st "$kis" tx_batched) r0=$(st "$kis" direct_rsps)
iscsi_fio "4 KiB write+verify, direct_send=0" "$dev" 8M --bsrange=4k-4k
t1=$(st "$kis" tx_batched) r1=$(st "$kis" direct_rsps)
echo "    tx_batched +$((t1 - t0)) direct_rsps +$((r1 - r0))"
expect_eq "$((r1 - r0))" 0 "responses sent directly with direct_send=0"
[ $((t1 - t0)) -gt 0 ] || fail "tx_batch=1: no response sent with more behind"
ktgt_write "$TB" 0
t0=$(st "$kis" tx_batched)
iscsi_fio "4 KiB verify-only, tx_batch=0" "$dev" 8M --bsrange=4k-4k \
	--verify_only
t1=$(st "$kis" tx_batched)
echo "    tx_batched +$((t1 - t0))"
expect_eq "$((t1 - t0))" 0 "tx_batched with tx_batch=0"
ktgt_write "$TB" 1
ktgt_write "$DS" 1

log "no response held behind a long data segment or a large read"
for rw in write read; do
	r0=$(st "$kis" direct_rsps) w0=$(st "$kis" direct_held)
	bw=$(seqio "$rw" 32M 1M 8)
	r1=$(st "$kis" direct_rsps) w1=$(st "$kis" direct_held)
	echo "    1 MiB $rw at depth 8: $bw direct_rsps +$((r1 - r0))" \
		"direct_held +$((w1 - w0))"
	expect_eq "$((w1 - w0))" 0 "direct_held over 1 MiB ${rw}s"
done
# Too large to send directly: the transmit thread sends them all.
expect_eq "$((r1 - r0))" 0 "1 MiB read responses sent directly"
echo "    read bandwidth: sendpage $zbw, copy $cbw"

log "the Data-In PDUs of one response go out together"
# With the initiator's MaxRecvDataSegmentLength at 8192 a 1 MiB read is
# 128 Data-In PDUs. Each pushed out on its own takes a TCP segment of
# its own; sent with MSG_MORE up to the last, they share segments.
iscsi_logout "$IQN" "$P"
iscsi_node_set "$IQN" "$P" "node.conn[0].iscsi.MaxRecvDataSegmentLength=8192"
iscsi_login "$IQN" "$P"
dev=$(iscsi_wait_lun "$IQN" 0)
iscsiadm -m session -P 2 | grep -q 'MaxRecvDataSegmentLength: 8192' ||
	fail "MaxRecvDataSegmentLength 8192 not negotiated"
# segs_out of the target's end of the one connection
tgt_segs() {
	local out n
	out=$(ss -Htin state established "( sport = :$ISCSI_PORT )")
	n=$(grep -oE '(^|[[:space:]])segs_out:[0-9]+' <<< "$out" | cut -d: -f2)
	[[ "$n" =~ ^[0-9]+$ ]] || fail "not one target connection: $out"
	echo "$n"
}
for zc in 1 0; do
	ktgt_write "$ZC" "$zc"
	s0=$(tgt_segs) || exit 1
	bw=$(seqio read 16M 1M 1)
	s1=$(tgt_segs) || exit 1
	echo "    zero_copy=$zc: 16 reads of 1 MiB at depth 1: $bw," \
		"$((s1 - s0)) segments sent"
	[ $((s1 - s0)) -lt $((16 * 64)) ] ||
		fail "zero_copy=$zc: $(((s1 - s0) / 16)) segments per 128 Data-In PDUs"
done
ktgt_write "$ZC" 1

iscsi_logout "$IQN" "$P"
iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass "writes from the sgv pool, Data-In by sendpage, PDUs and responses batched, verified with digests"
