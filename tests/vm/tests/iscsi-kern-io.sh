#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
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
# so that reads span many Data-In PDUs. Then without digests, with
# InitialR2T=No, FirstBurstLength 8 KiB, MaxBurstLength 16 KiB and
# MaxOutstandingR2T 4 (the session's params must show them): writes take
# immediate data, unsolicited Data-Out and up to four R2Ts at a time,
# whose data the target accepts only in order. The connection's two
# threads are bound to one CPU (bind_threads, default 1), and free with
# bind_threads=0.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"
need_cpus 2 "kis_rx and kis_tx on one CPU or on every CPU"

IQN=iqn.2026-11.org.ktgt:kern-io
P=$(iscsi_portal 127.0.0.1)

iscsi_tgt_setup
iscsi_tgt_mkdisk kio0 /tmp/kio0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 kio0
iscsi_tgt_enable "$IQN"
iscsi_ini_start

head -c 8M /dev/urandom > /tmp/pattern || fail "pattern"

# cpus_of PID: the CPUs the task may run on (a list such as 0-1).
cpus_of() {
	awk '/^Cpus_allowed_list/ { print $2 }' /proc/"$1"/status
}

# threads_check WHAT BOUND: the connection's receive and transmit
# threads (kis_rx/TSIH.CID, kis_tx/TSIH.CID) may run on one and the same
# CPU (BOUND 1, bind_threads=1) or on every CPU (BOUND 0).
threads_check() {
	local all rx tx crx ctx
	all=$(cat /sys/devices/system/cpu/online)
	rx=$(pgrep '^kis_rx/') tx=$(pgrep '^kis_tx/')
	[ "$(wc -w <<< "$rx $tx")" = 2 ] || fail "$1: threads: rx '$rx' tx '$tx'"
	crx=$(cpus_of "$rx") ctx=$(cpus_of "$tx")
	log "$1: CPUs of kis_rx $crx, kis_tx $ctx (online $all)"
	if [ "$2" = 1 ]; then
		[[ "$crx" =~ ^[0-9]+$ ]] || fail "$1: kis_rx may run on CPUs $crx, expected one"
		expect_eq "$ctx" "$crx" "$1: the CPU of kis_tx"
	else
		expect_eq "$crx" "$all" "$1: CPUs of kis_rx, unbound"
		expect_eq "$ctx" "$all" "$1: CPUs of kis_tx, unbound"
	fi
}

# io_round WHAT DIGEST BOUND [PARAMS]: log in, write, read back, compare,
# log out; PARAMS: KEY=VALUE lines the session's params must show.
io_round() {
	local dev s kv
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
	threads_check "$1" "$3"
	s=$(ls /sys/kernel/ktgt_iscsi/sessions/)
	[ -n "$s" ] || fail "$1: no session in sysfs"
	for kv in ${4:-}; do
		grep -qx "$kv" /sys/kernel/ktgt_iscsi/sessions/"$s"/params ||
			fail "$1: $kv not negotiated: $(tr '\n' ' ' < /sys/kernel/ktgt_iscsi/sessions/"$s"/params)"
	done
	expect_eq "$(cat /sys/kernel/ktgt_iscsi/sessions/"$s"/target)" "$IQN" "$1: session target"
	grep -q "^CID 0 started 1 HeaderDigest $2 DataDigest $2 MaxRecvDataSegmentLength" \
		/sys/kernel/ktgt_iscsi/sessions/"$s"/connections ||
		fail "$1: connection view: $(cat /sys/kernel/ktgt_iscsi/sessions/"$s"/connections)"
	iscsi_logout "$IQN" "$P"
	iscsi_tgt_wait_conns 0 20
	ktgt_iscsi_wait_no_sessions "$1: sessions after logout" 5
}

iscsi_discover "$P" | grep -q "$IQN" || fail "discovery does not list $IQN"
expect_eq "$(cat /sys/module/ktgt_iscsi/parameters/bind_threads)" Y "default bind_threads"
io_round plain None 1

ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/HeaderDigest" CRC32C
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/DataDigest" CRC32C
iscsi_node_digests "$IQN" "$P" CRC32C CRC32C
iscsi_node_set "$IQN" "$P" "node.conn[0].iscsi.MaxRecvDataSegmentLength=4096" \
	node.session.iscsi.InitialR2T=Yes node.session.iscsi.ImmediateData=No
ktgt_write /sys/module/ktgt_iscsi/parameters/bind_threads 0
io_round digests CRC32C 0
ktgt_write /sys/module/ktgt_iscsi/parameters/bind_threads 1

# Immediate data, unsolicited Data-Out and then several R2Ts outstanding
# at a time, each for 16 KiB: the data of a write must come in order
# (DataPDUInOrder, DataSequenceInOrder), and open-iscsi's does.
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/HeaderDigest" None
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/DataDigest" None
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/InitialR2T" No
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/MaxOutstandingR2T" 4
iscsi_node_digests "$IQN" "$P" None None
iscsi_node_set "$IQN" "$P" "node.conn[0].iscsi.MaxRecvDataSegmentLength=8192" \
	node.session.iscsi.InitialR2T=No node.session.iscsi.ImmediateData=Yes \
	node.session.iscsi.FirstBurstLength=8192 \
	node.session.iscsi.MaxBurstLength=16384 \
	node.session.iscsi.MaxOutstandingR2T=4
io_round r2ts None 1 "InitialR2T=No ImmediateData=Yes FirstBurstLength=8192 MaxBurstLength=16384 MaxOutstandingR2T=4"

iscsi_ini_stop
iscsi_tgt_teardown
pass "I/O, discovery, sysfs view, digests"
