#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt_iscsi's full-feature phase with open-iscsi over loopback: log in
# through ktgt-iscsid, write 8 MiB of random data through the disk with
# O_DIRECT (writes with immediate data, unsolicited Data-Out and R2Ts,
# as the target defaults ask for R2Ts: InitialR2T=Yes), read it back
# (Data-In with status in the last PDU) and compare; fio random writes of
# 4-128 KiB with 16 in flight, verified; the session shows up
# in /sys/kernel/ktgt_iscsi/sessions/ with the negotiated values, then
# logout removes it and leaves no TCP connection. Then the same with
# header and data digests (CRC32C) and MaxRecvDataSegmentLength 4096,
# so that reads span many Data-In PDUs.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-io
P=$(iscsi_portal 127.0.0.1)

iscsi_tgt_setup
iscsi_tgt_mkdisk kio0 /tmp/kio0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 kio0
iscsi_tgt_enable "$IQN"
iscsi_ini_start

head -c 8M /dev/urandom > /tmp/pattern || fail "pattern"

# io_round WHAT: log in, write, read back, compare, log out.
io_round() {
	local dev s
	iscsi_login "$IQN" "$P"
	dev=$(iscsi_wait_lun "$IQN" 0)
	[ -b "$dev" ] || fail "$1: no disk"
	run_ok "$1: write" dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none
	run_ok "$1: read" dd if="$dev" of=/tmp/readback bs=1M count=8 iflag=direct status=none
	cmp -s /tmp/pattern /tmp/readback || fail "$1: data read back differs"
	# small unaligned-size I/O through the page cache too
	run_ok "$1: buffered write" dd if=/tmp/pattern of="$dev" bs=4k count=3 seek=5000 conv=fsync status=none
	echo 3 > /proc/sys/vm/drop_caches
	head -c 12288 /tmp/pattern > /tmp/small
	dd if="$dev" bs=4k count=3 skip=5000 iflag=direct status=none > /tmp/small.rb
	cmp -s /tmp/small /tmp/small.rb || fail "$1: buffered data differs"
	# many commands in flight: random writes of mixed sizes, verified
	run_ok "$1: fio" fio --name=kio --filename="$dev" --direct=1 \
		--ioengine=libaio --iodepth=16 --rw=randwrite --bsrange=4k-128k \
		--size=16M --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--output="$ISCSI_LOG/fio-$1.out"
	s=$(ls /sys/kernel/ktgt_iscsi/sessions/)
	[ -n "$s" ] || fail "$1: no session in sysfs"
	expect_eq "$(cat /sys/kernel/ktgt_iscsi/sessions/"$s"/target)" "$IQN" "$1: session target"
	grep -q "^CID 0 started 1 HeaderDigest $2 DataDigest $2 MaxRecvDataSegmentLength" \
		/sys/kernel/ktgt_iscsi/sessions/"$s"/connections ||
		fail "$1: connection view: $(cat /sys/kernel/ktgt_iscsi/sessions/"$s"/connections)"
	iscsi_logout "$IQN" "$P"
	iscsi_tgt_wait_conns 0 20
	for ((i = 0; i < 50; i++)); do
		[ -z "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] && break
		sleep 0.1
	done
	expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "" "$1: sessions after logout"
}

iscsi_discover "$P" | grep -q "$IQN" || fail "discovery does not list $IQN"
io_round plain None

ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/HeaderDigest" CRC32C
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/DataDigest" CRC32C
iscsi_node_digests "$IQN" "$P" CRC32C CRC32C
iscsi_node_set "$IQN" "$P" "node.conn[0].iscsi.MaxRecvDataSegmentLength=4096" \
	node.session.iscsi.InitialR2T=Yes node.session.iscsi.ImmediateData=No
io_round digests CRC32C

iscsi_ini_stop
iscsi_tgt_teardown
pass "I/O, discovery, sysfs view, digests"
