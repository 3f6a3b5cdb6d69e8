#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of 'make bench' (tests/bench/run-bench starts it in the
# test VM through tests/vm/run). In one boot it sets up, side by side:
#
#   iscsi-null  ktgt (vdisk_nullio), LIO (rd_mcp rd_nullio=1), tgt (null)
#               (ktgt-copy: ktgt's disk again with ktgt_iscsi zero_copy=0;
#               ktgt-tx: the same with direct_send=0, every response
#               through the transmit thread; ktgt-tx-nobatch: that with
#               tx_batch=0 too, the transmit thread sending each response
#               on its own; ktgt-nobatch: the same with direct_batch=1,
#               each response sent on its own)
#   iscsi-file  ktgt (vdisk_fileio), LIO (fileio, fd_buffered_io=1), tgt
#               (rdwr), each on its own preallocated file on tmpfs, or
#               with BENCH_FS=ext4
#               on one ext4 file system (a journal, writeback and a block
#               device under the files; the block device is a loop
#               device over a sparse file on tmpfs)
#               (ktgt-wq: ktgt's file disk again with ktgt_core
#               exec_nowait=0, every command executed by a worker)
#               (iSCSI over 127.0.0.1: ktgt :3260, LIO :3261, tgt :3262;
#               the Linux initiator, open-iscsi)
#   iscsi-blk   (extra, not run unless named) ktgt's vdisk_blockio on a
#               loop device over a preallocated file on tmpfs, or with
#               BENCH_BLK=nullb on null_blk (no data, bios completed in
#               a softirq)
#               (ktgt-wq: the same with exec_nowait=0, every bio
#               submitted by a worker instead of the receive thread)
#               (ktgt-tx and ktgt-tx-nobatch, as in iscsi-null, are in
#               iscsi-file and iscsi-blk too)
#   local-null  ktgt_local (vdisk_nullio), LIO tcm_loop (rd_mcp
#               rd_nullio=1), scsi_debug fake_rw=1 delay=0
#               (scst: SCST's scst_local on a vdisk_nullio device,
#               read_zero=0, its disk's queue depth BENCH_SCST_QD;
#               scst-qd3: the same with the queue depth scst_local
#               leaves on 6.1, 3; neither run unless named: SCST is not
#               in Debian, its modules are loaded from BENCH_SCST_DIR,
#               see tests/bench/build-scst.sh)
#               (ktgt-softirqd: ktgt's disk again with ktgt_local
#               bh_done=0, the block completion softirq in ksoftirqd)
#               (ktgt-512k: ktgt's disk again with max_sectors_kb 512,
#               a 1 MiB I/O in two commands, as before ktgt_local took
#               8 MiB commands)
#               (null_blk: not run unless named, no SCSI at all:
#               null_blk through configfs, one hardware queue of depth
#               64, requests ended inside ->queue_rq() (irqmode=0) with
#               no completion softirq; the block layer's and fio's own
#               cost, a ceiling no SCSI target can pass; its requests
#               take at most 128 segments, so a 1 MiB I/O in pages
#               that are not contiguous is two of them)
#
# and runs fio (libaio, direct=1) on each disk, the targets alternating
# (A B C, then B C A, C A B, ...) round after round of every workload. For each run it
# stores fio's JSON and the guest's /proc/stat CPU ticks sampled inside
# the measured window (after the ramp) in /ktgt-results/runs/. The host
# (tests/bench/report.py) turns them into the table.
#
# Settings (environment, written by run-bench):
#   BENCH_RUNTIME    seconds measured per fio run (default 5)
#   BENCH_RAMP       seconds of ramp before it (default 1)
#   BENCH_ROUNDS     runs per target and workload (default 3)
#   BENCH_WORKLOADS  names from the list below (default all)
#   BENCH_TARGETS    names GROUP:TARGET (default all)
#   BENCH_SIZE_MB    size of every disk and of the I/O range (default 256)
#   BENCH_BLK        the iscsi-blk disk: loop (default) or nullb
#   BENCH_FS         the iscsi-file disks' file system: tmpfs (default)
#                    or ext4
#   BENCH_KTGT_ISCSI_PARAMS  module parameters for ktgt_iscsi
#   BENCH_NULLIO_ZERO_READS  zero_reads of ktgt's null devices (default
#                    0, the peers' behaviour; the extra targets
#                    iscsi-null:ktgt-zero and local-null:ktgt-zero always
#                    have 1)
#   BENCH_PROFILE    if set, a command (bash -c) started in the measured
#                    window of every run of the targets named in
#                    BENCH_PROFILE_TARGETS (default "ktgt"), with
#                    PROFILE_OUT (the run's file prefix) and PROFILE_SECS
#                    (how long to sample) set; it must end by itself.
#                    Its output goes to runs/*.profile
#   BENCH_SETUP      if set, a command (bash -c) run once before any
#                    target is set up (a sysctl, say); its output goes to
#                    setup.log, and the bench fails if it does
#   BENCH_SCST_DIR   for local-null:scst: a directory with scst.ko,
#                    scst_vdisk.ko and scst_local.ko built for the
#                    guest's kernel (and build-info), visible in the guest
#   BENCH_SCST_QD    queue depth of scst_local's disk (default 64, what
#                    scst_local computes; "keep": the 3 it leaves on 6.1)
#   BENCH_MEM        1: after the workloads, the memory phase
#                    (tests/bench/mem-phase.sh, settings BENCH_MEM_*
#                    there) on BENCH_MEM_TARGETS; only: the memory
#                    phase alone; 0 (default here): none
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

OUT=/ktgt-results
RUNTIME=${BENCH_RUNTIME:-5}
RAMP=${BENCH_RAMP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
SIZE_MB=${BENCH_SIZE_MB:-256}
BLK=${BENCH_BLK:-loop}
case "$BLK" in loop|nullb) ;; *) fail "BENCH_BLK=$BLK: loop or nullb" ;; esac
FSTYPE=${BENCH_FS:-tmpfs}
case "$FSTYPE" in tmpfs|ext4) ;; *) fail "BENCH_FS=$FSTYPE: tmpfs or ext4" ;; esac
WORKLOADS=${BENCH_WORKLOADS:-rr4k-qd1 rw4k-qd1 rr4k-qd32 rw4k-qd32 sr1m-qd8 sw1m-qd8}
ALL_TARGETS="iscsi-null:ktgt iscsi-null:lio iscsi-null:tgt
iscsi-file:ktgt iscsi-file:lio iscsi-file:tgt
local-null:ktgt local-null:lio local-null:scsi_debug"
TARGETS=${BENCH_TARGETS:-$ALL_TARGETS}
MEM=${BENCH_MEM:-0}
if [ "$MEM" = only ]; then
	TARGETS=
	WORKLOADS=
fi
. "$KTGT_REPO/tests/bench/mem-phase.sh"
# ktgt's null devices leave read buffers untouched, as LIO's rd_nullio,
# tgt's null and scsi_debug's fake_rw do; the targets iscsi-null:ktgt-zero
# and local-null:ktgt-zero (not run unless named) zero them.
ZERO_READS=${BENCH_NULLIO_ZERO_READS:-0}
SCST_QD=${BENCH_SCST_QD:-64}

IQN_KTGT=iqn.2026-11.org.ktgt:bench-ktgt
IQN_LIO=iqn.2026-11.org.ktgt:bench-lio
IQN_TGT=iqn.2026-11.org.ktgt:bench-tgt
FS=/dev/shm/bench
# The iscsi-file disks' files: on tmpfs, or on ext4 mounted here.
FILES=$FS
[ "$FSTYPE" = ext4 ] && FILES=/mnt/bench-ext4
SIZE=$((SIZE_MB << 20))

command -v fio >/dev/null || skip "fio not installed"
command -v tgtd >/dev/null || skip "tgt not installed"
mkdir -p "$OUT/runs" "$FS"
if [ "$FSTYPE" = ext4 ]; then
	# Room for the three file disks and the journal; sparse on tmpfs.
	modprobe loop || fail "modprobe loop"
	truncate -s $((3 * SIZE + (128 << 20))) "$FS/ext4.img" ||
		fail "truncate $FS/ext4.img"
	FS_DEV=$(losetup --find --show "$FS/ext4.img") ||
		fail "losetup $FS/ext4.img"
	mkfs.ext4 -q -F "$FS_DEV" || fail "mkfs.ext4 $FS_DEV"
	mkdir -p "$FILES"
	mount -t ext4 "$FS_DEV" "$FILES" || fail "mount $FS_DEV"
fi
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

# The targets to set up on one line, with a blank at each end.
if [ "$MEM" = 0 ]; then
	TARGETS_LINE=" $(tr -s '[:space:]' ' ' <<< "$TARGETS") "
else
	TARGETS_LINE=" $(tr -s '[:space:]' ' ' <<< "$TARGETS $MEM_TARGETS") "
fi
want() {
	case "$TARGETS_LINE" in *" $1 "*) return 0 ;; esac
	return 1
}
want_group() {
	case "$TARGETS_LINE" in *" $1:"*) return 0 ;; esac
	return 1
}
# want_variant NAME: a target NAME in any group (ktgt-tx-nobatch, say).
want_variant() {
	case "$TARGETS_LINE" in *":$1 "*) return 0 ;; esac
	return 1
}
want_iscsi() {
	want_group iscsi-null || want_group iscsi-file || want_group iscsi-blk
}

# ---------------------------------------------------------------------
# Setup

declare -A DEV=()

mkfile() {
	fallocate -l "$SIZE" "$1" || fail "fallocate $1"
}

setup_ktgt() {
	modprobe ktgt_core || fail "modprobe ktgt_core"
	modprobe ktgt_vdisk || fail "modprobe ktgt_vdisk"
	if want_iscsi; then
		# shellcheck disable=SC2086 # NAME=VALUE words
		modprobe ktgt_iscsi ${BENCH_KTGT_ISCSI_PARAMS:-} ||
			fail "modprobe ktgt_iscsi ${BENCH_KTGT_ISCSI_PARAMS:-}"
		ktgt_iscsid_start
		ktgt_mkdev vdisk_nullio/knull size=$SIZE serial=KNULL \
			zero_reads="$ZERO_READS"
		mkfile "$FILES/ktgt.img"
		ktgt_mkdev vdisk_fileio/kfile filename="$FILES/ktgt.img" serial=KFILE
		ISCSI_PORT=3260 ktgt_iscsi_mktarget "$IQN_KTGT" 127.0.0.1
		ktgt_maplun "iscsi/$IQN_KTGT" 0 vdisk_nullio/knull
		ktgt_maplun "iscsi/$IQN_KTGT" 1 vdisk_fileio/kfile
		if want iscsi-null:ktgt-zero; then
			ktgt_mkdev vdisk_nullio/knullz size=$SIZE \
				serial=KNULLZ zero_reads=1
			ktgt_maplun "iscsi/$IQN_KTGT" 2 vdisk_nullio/knullz
		fi
		if want_group iscsi-blk; then
			if [ "$BLK" = nullb ]; then
				# Bios complete in a softirq, as a real disk's do.
				modprobe null_blk nr_devices=1 queue_mode=2 \
					irqmode=1 gb=1 ||
					fail "modprobe null_blk"
				BLK_DEV=/dev/nullb0
				[ -b "$BLK_DEV" ] || fail "no $BLK_DEV"
			else
				modprobe loop || fail "modprobe loop"
				mkfile "$FS/ktgt-blk.img"
				BLK_DEV=$(losetup --find --show "$FS/ktgt-blk.img") ||
					fail "losetup $FS/ktgt-blk.img"
			fi
			ktgt_mkdev vdisk_blockio/kblk filename="$BLK_DEV" \
				serial=KBLK
			ktgt_maplun "iscsi/$IQN_KTGT" 3 vdisk_blockio/kblk
		fi
		ktgt_iscsi_enable "$IQN_KTGT"
	fi
	if want local-null:ktgt || want local-null:ktgt-softirqd ||
	   want local-null:ktgt-512k; then
		modprobe ktgt_local || fail "modprobe ktgt_local"
		ktgt_mkdev vdisk_nullio/lnull size=$SIZE serial=LNULL \
			zero_reads="$ZERO_READS"
		ktgt_mktarget local/bench
		ktgt_maplun local/bench 0 vdisk_nullio/lnull
		ktgt_enable local/bench
		DEV[local-null:ktgt]=$(ktgt_wait_disk host="$(ktgt_local_host bench)" serial=LNULL)
		DEV[local-null:ktgt-softirqd]=${DEV[local-null:ktgt]}
		DEV[local-null:ktgt-512k]=${DEV[local-null:ktgt]}
		MSK=/sys/block/${DEV[local-null:ktgt]#/dev/}/queue/max_sectors_kb
		MSK_DEFAULT=$(< "$MSK")
	fi
	if want local-null:ktgt-zero; then
		modprobe ktgt_local || fail "modprobe ktgt_local"
		ktgt_mkdev vdisk_nullio/lnullz size=$SIZE serial=LNULLZ \
			zero_reads=1
		ktgt_mktarget local/benchz
		ktgt_maplun local/benchz 0 vdisk_nullio/lnullz
		ktgt_enable local/benchz
		DEV[local-null:ktgt-zero]=$(ktgt_wait_disk \
			host="$(ktgt_local_host benchz)" serial=LNULLZ)
	fi
}

lio_rd_null() {
	local d=$LIO_CFS/core/rd_mcp_0/$1
	mkdir -p "$d" || fail "mkdir $d"
	ktgt_write "$d/control" "rd_pages=$((SIZE >> 12)),rd_nullio=1"
	ktgt_write "$d/wwn/vpd_unit_serial" "$2"
	ktgt_write "$d/enable" 1
}

setup_lio() {
	local tpg m
	for m in target_core_mod target_core_file iscsi_target_mod; do
		modprobe "$m" || fail "modprobe $m"
	done
	mkdir -p "$LIO_CFS/iscsi" || fail "mkdir $LIO_CFS/iscsi"
	if want iscsi-null:lio || want iscsi-file:lio; then
		lio_rd_null rnull RNULL
		mkfile "$FILES/lio.img"
		# Through the page cache, as ktgt's file disk (LIO's default,
		# O_DSYNC, waits for the journal on ext4 at every write).
		LIO_FD_BUFFERED=1 lio_mkdisk lfile "$FILES/lio.img" "$SIZE"
		grep -q 'Buffered-WCE' "$LIO_CFS/core/fileio_0/lfile/info" ||
			fail "LIO's file disk is not buffered: $(cat "$LIO_CFS/core/fileio_0/lfile/info")"
		tpg=$(lio_tpg "$IQN_LIO")
		mkdir -p "$tpg" || fail "mkdir $tpg"
		mkdir "$tpg/np/127.0.0.1:3261" || fail "LIO portal :3261"
		mkdir "$tpg/lun/lun_0" "$tpg/lun/lun_1" || fail "LIO luns"
		ln -s "$LIO_CFS/core/rd_mcp_0/rnull" "$tpg/lun/lun_0/rnull" ||
			fail "LIO map rnull"
		ln -s "$LIO_CFS/core/fileio_0/lfile" "$tpg/lun/lun_1/lfile" ||
			fail "LIO map lfile"
		lio_open "$IQN_LIO"
		lio_enable "$IQN_LIO"
	fi
	if want local-null:lio; then
		local n=naa.50014059e0000001 i=naa.50014059e0000002 h
		modprobe tcm_loop || fail "modprobe tcm_loop"
		lio_rd_null tnull TNULL
		tpg=$LIO_CFS/loopback/$n/tpgt_1
		# The nexus first: mapping a LUN adds the SCSI device.
		mkdir -p "$tpg" || fail "mkdir $tpg"
		ktgt_write "$tpg/nexus" "$i"
		mkdir "$tpg/lun/lun_0" || fail "mkdir $tpg/lun/lun_0"
		ln -s "$LIO_CFS/core/rd_mcp_0/tnull" "$tpg/lun/lun_0/tnull" ||
			fail "tcm_loop map tnull"
		DEV[local-null:lio]=$(ktgt_wait_disk serial=TNULL)
	fi
}

TGTD_PID=
setup_tgt() {
	want iscsi-null:tgt || want iscsi-file:tgt || return 0
	mkdir -p /var/run/tgtd
	setsid tgtd -f --iscsi portal=127.0.0.1:3262 > "$ISCSI_LOG/tgtd.log" 2>&1 &
	TGTD_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		tgtadm --lld iscsi --mode target --op show > /dev/null 2>&1 && break
		sleep 0.1
	done
	mkfile "$FILES/tgt.img"
	run_ok "tgt target" tgtadm --lld iscsi --mode target --op new --tid 1 \
		--targetname "$IQN_TGT"
	run_ok "tgt null LUN" tgtadm --lld iscsi --mode logicalunit --op new \
		--tid 1 --lun 1 --bstype null --backing-store tnull
	run_ok "tgt rdwr LUN" tgtadm --lld iscsi --mode logicalunit --op new \
		--tid 1 --lun 2 --bstype rdwr --backing-store "$FILES/tgt.img"
	run_ok "tgt bind" tgtadm --lld iscsi --mode target --op bind --tid 1 -I ALL
}

setup_scsi_debug() {
	want local-null:scsi_debug || return 0
	modprobe scsi_debug fake_rw=1 delay=0 dev_size_mb="$SIZE_MB" \
		num_tgts=1 max_luns=1 || fail "modprobe scsi_debug"
	local h
	h=$(grep -l '^scsi_debug$' /sys/class/scsi_host/*/proc_name | head -n1)
	h=${h%/proc_name}
	DEV[local-null:scsi_debug]=$(ktgt_wait_disk host="${h##*host}")
}

# null_blk, the ceiling of the local group: a block device with no SCSI
# midlayer, no sd and no target, made through null_blk's configfs (the
# module may be loaded already, for iscsi-blk).
setup_null_blk() {
	want local-null:null_blk || return 0
	local d=/sys/kernel/config/nullb/nullb_bench a
	modprobe null_blk nr_devices=0 || fail "modprobe null_blk"
	mkdir "$d" || fail "mkdir $d"
	for a in queue_mode=2 irqmode=0 submit_queues=1 hw_queue_depth=64 \
		 blocksize=512 memory_backed=0 max_sectors=16384 \
		 "size=$SIZE_MB" power=1; do
		echo "${a#*=}" > "$d/${a%%=*}" || fail "null_blk: $a"
	done
	# A device made through configfs takes its directory's name.
	DEV[local-null:null_blk]=/dev/nullb_bench
	[ -b "${DEV[local-null:null_blk]}" ] ||
		fail "no ${DEV[local-null:null_blk]}"
}

# SCST's scst_local, out of tree: SCST's sysfs, no ktgt helper.
SCST_SYS=/sys/kernel/scst_tgt
scst_write() {
	echo "$2" > "$1" 2>/dev/null ||
		fail "SCST: '$2' > $1 failed (dmesg: $(dmesg | grep -i scst | tail -n 3))"
}

# scst_mklocal NAME DEVICE QD: an scst_local target NAME with DEVICE as
# LUN 0 and one session (a SCSI host); prints its disk. QD: the disk's
# queue depth, or "keep".
scst_mklocal() {
	local t=$SCST_SYS/targets/scst_local h dev
	scst_write "$t/mgmt" "add_target $1"
	# The LUN before the session: the session's SCSI host scans at once.
	scst_write "$t/$1/luns/mgmt" "add $2 0"
	scst_write "$t/mgmt" "add_session $1 $1_host"
	h=$(cat "$t/$1/sessions/$1_host/host_no") ||
		fail "no host_no for scst_local's session $1_host"
	dev=$(ktgt_wait_disk host="$h")
	# scst_local computes a LUN's queue depth (64 here, and it logs
	# "Configuring queue depth 64") but applies it only on kernels
	# before 3.19; on 6.1 its disk keeps the host's cmd_per_lun, 3.
	[ "$3" = keep ] ||
		scst_write "/sys/block/${dev#/dev/}/device/queue_depth" "$3"
	echo "$dev"
}

setup_scst() {
	want local-null:scst || want local-null:scst-qd3 || return 0
	local d=${BENCH_SCST_DIR:-} m
	[ -n "$d" ] || fail "local-null:scst needs BENCH_SCST_DIR"
	for m in scst scst_vdisk scst_local; do
		[ -f "$d/$m.ko" ] || fail "BENCH_SCST_DIR=$d has no $m.ko"
	done
	# Their dependencies, from the guest's kernel.
	for m in scsi_mod crc-t10dif libcrc32c; do
		modprobe "$m" || fail "modprobe $m"
	done
	# SCST's state directories (an SCST device needs a persistent
	# reservations file there; the guest's root is an overlay on tmpfs:
	# nothing reaches the host).
	mkdir -p /var/lib/scst/pr /var/lib/scst/dif_tags \
		/var/lib/scst/vdev_mode_pages || fail "mkdir /var/lib/scst"
	for m in scst scst_vdisk; do
		insmod "$d/$m.ko" || fail "insmod $d/$m.ko"
	done
	insmod "$d/scst_local.ko" add_default_tgt=0 ||
		fail "insmod $d/scst_local.ko"
	# The same size as the other nulls; 512-byte blocks as theirs;
	# read_zero=0 (SCST's default): reads leave the buffer as it is.
	for m in snull snull3; do
		[ $m = snull ] && ! want local-null:scst && continue
		[ $m = snull3 ] && ! want local-null:scst-qd3 && continue
		scst_write "$SCST_SYS/handlers/vdisk_nullio/mgmt" \
			"add_device $m size=$SIZE; blocksize=512"
		scst_write "$SCST_SYS/devices/$m/read_zero" 0
	done
	want local-null:scst &&
		DEV[local-null:scst]=$(scst_mklocal bench snull "$SCST_QD")
	want local-null:scst-qd3 &&
		DEV[local-null:scst-qd3]=$(scst_mklocal bench3 snull3 keep)
	{
		[ -f "$d/build-info" ] && sed 's/^/scst_/' "$d/build-info"
		echo "scst_version=$(grep -v ': *$' "$SCST_SYS/version" | paste -sd ';')"
		echo "scst_local_version=$(tr -s '\n' ' ' < "$SCST_SYS/targets/scst_local/version")"
		echo "scst_threads=$(head -n 1 "$SCST_SYS/threads")"
		echo "scst_queue_depth=$SCST_QD"
	} > "$OUT/scst.env"
}

iscsi_connect() {
	local iqn=$1 port=$2 null_lun=$3 file_lun=$4 name=$5
	iscsi_discover "127.0.0.1:$port" > /dev/null
	iscsi_login "$iqn" "127.0.0.1:$port"
	want "iscsi-null:$name" &&
		DEV[iscsi-null:$name]=$(iscsi_wait_lun "$iqn" "$null_lun")
	want "iscsi-file:$name" &&
		DEV[iscsi-file:$name]=$(iscsi_wait_lun "$iqn" "$file_lun")
	[ "$name" = ktgt ] && want iscsi-null:ktgt-zero &&
		DEV[iscsi-null:ktgt-zero]=$(iscsi_wait_lun "$iqn" 2)
	# The same disks, measured with ktgt_iscsi's zero_copy=0 (Data-In
	# copied into the socket instead of sent by reference).
	if [ "$name" = ktgt ]; then
		want iscsi-null:ktgt-copy &&
			DEV[iscsi-null:ktgt-copy]=$(iscsi_wait_lun "$iqn" "$null_lun")
		want iscsi-file:ktgt-copy &&
			DEV[iscsi-file:ktgt-copy]=$(iscsi_wait_lun "$iqn" "$file_lun")
		want iscsi-null:ktgt-tx &&
			DEV[iscsi-null:ktgt-tx]=$(iscsi_wait_lun "$iqn" "$null_lun")
		want iscsi-null:ktgt-tx-nobatch &&
			DEV[iscsi-null:ktgt-tx-nobatch]=$(iscsi_wait_lun "$iqn" "$null_lun")
		want iscsi-null:ktgt-nobatch &&
			DEV[iscsi-null:ktgt-nobatch]=$(iscsi_wait_lun "$iqn" "$null_lun")
		want iscsi-file:ktgt-wq &&
			DEV[iscsi-file:ktgt-wq]=$(iscsi_wait_lun "$iqn" "$file_lun")
		want iscsi-blk:ktgt &&
			DEV[iscsi-blk:ktgt]=$(iscsi_wait_lun "$iqn" 3)
		want iscsi-blk:ktgt-wq &&
			DEV[iscsi-blk:ktgt-wq]=$(iscsi_wait_lun "$iqn" 3)
		local v
		for v in ktgt-tx ktgt-tx-nobatch; do
			want "iscsi-file:$v" &&
				DEV[iscsi-file:$v]=$(iscsi_wait_lun "$iqn" "$file_lun")
			want "iscsi-blk:$v" &&
				DEV[iscsi-blk:$v]=$(iscsi_wait_lun "$iqn" 3)
		done
	fi
	return 0
}

# shellcheck disable=SC2317 # called by the EXIT trap
# The VM is thrown away: stop the daemons and leave the sessions and the
# targets as they are. (Logging out took minutes under TCG, and Linux
# 6.1's iSCSI initiator may WARN in check_flush_dependency() when it
# removes a session's SCSI target, __iscsi_unbind_session() on its
# WQ_MEM_RECLAIM iscsi_ctrl queue: not what the bench measures.)
cleanup() {
	local t0=$SECONDS
	[ -n "$ISCSID_PID" ] && kill "$ISCSID_PID" 2>/dev/null
	[ -n "$TGTD_PID" ] && kill "$TGTD_PID" 2>/dev/null
	ktgt_iscsid_stop
	log "cleanup took $((SECONDS - t0))s"
}
trap cleanup EXIT

log "setup"
if [ -n "${BENCH_SETUP:-}" ]; then
	bash -c "$BENCH_SETUP" > "$OUT/setup.log" 2>&1 ||
		fail "BENCH_SETUP failed: $(tail -n 3 "$OUT/setup.log")"
fi
ktgt_initiator_load
setup_ktgt
setup_lio
setup_tgt
setup_scsi_debug
setup_null_blk
setup_scst
if want_iscsi; then
	iscsi_ini_start
	iscsi_connect "$IQN_KTGT" 3260 0 1 ktgt
	if want iscsi-null:lio || want iscsi-file:lio; then
		iscsi_connect "$IQN_LIO" 3261 0 1 lio
	fi
	if want iscsi-null:tgt || want iscsi-file:tgt; then
		iscsi_connect "$IQN_TGT" 3262 1 2 tgt
	fi
fi

ncpu=$(nproc)
{
	echo "kernel=$(uname -r)"
	echo "vcpus=$ncpu"
	echo "mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "fio=$(fio --version)"
	echo "runtime=$RUNTIME"
	echo "ramp=$RAMP"
	echo "rounds=$ROUNDS"
	echo "size_mb=$SIZE_MB"
	echo "blk=$BLK"
	echo "fs=$FSTYPE"
	echo "ktgt_iscsi_params=${BENCH_KTGT_ISCSI_PARAMS:-}"
	echo "setup=${BENCH_SETUP//$'\n'/; }"
	echo "nullio_zero_reads=$ZERO_READS"
	echo "user_hz=$(getconf CLK_TCK)"
	echo "mem_phase=$MEM"
	[ -f "$OUT/scst.env" ] && cat "$OUT/scst.env"
} > "$OUT/meta.env"

for t in $TARGETS; do
	d=${DEV[$t]:-}
	[ -n "$d" ] || fail "no disk for $t"
	blk=${d#/dev/}
	echo none > "/sys/block/$blk/queue/scheduler" 2>/dev/null
	echo "$t $d qd=$(cat "/sys/block/$blk/device/queue_depth" 2>/dev/null)" \
		"max_kb=$(cat "/sys/block/$blk/queue/max_sectors_kb")" \
		"max_segs=$(cat "/sys/block/$blk/queue/max_segments")" |
		tee -a "$OUT/devices"
done

sgv_snap() {
	local f
	for f in /sys/kernel/ktgt/sgv/*; do
		[ -f "$f" ] && echo "${f##*/}=$(cat "$f")"
	done
	for f in /sys/kernel/ktgt_iscsi/*_bytes /sys/kernel/ktgt_iscsi/*_pages; do
		[ -f "$f" ] && echo "iscsi_${f##*/}=$(cat "$f")"
	done
	echo "slab_kb=$(slab_kb)"
}
sgv_snap > "$OUT/sgv.before"

ZC_PARAM=/sys/module/ktgt_iscsi/parameters/zero_copy
if want iscsi-null:ktgt-copy || want iscsi-file:ktgt-copy; then
	[ -w "$ZC_PARAM" ] || fail "ktgt_iscsi has no zero_copy parameter"
fi
DS_PARAM=/sys/module/ktgt_iscsi/parameters/direct_send
if want_variant ktgt-tx || want_variant ktgt-tx-nobatch; then
	[ -w "$DS_PARAM" ] || fail "ktgt_iscsi has no direct_send parameter"
fi
TB_PARAM=/sys/module/ktgt_iscsi/parameters/tx_batch
if want_variant ktgt-tx-nobatch; then
	[ -w "$TB_PARAM" ] || fail "ktgt_iscsi has no tx_batch parameter"
fi
DB_PARAM=/sys/module/ktgt_iscsi/parameters/direct_batch
DB_DEFAULT=
if want iscsi-null:ktgt-nobatch; then
	[ -w "$DB_PARAM" ] || fail "ktgt_iscsi has no direct_batch parameter"
fi
[ -r "$DB_PARAM" ] && DB_DEFAULT=$(cat "$DB_PARAM")
NW_PARAM=/sys/module/ktgt_core/parameters/exec_nowait
BH_PARAM=/sys/module/ktgt_local/parameters/bh_done
if want local-null:ktgt-softirqd; then
	[ -w "$BH_PARAM" ] || fail "ktgt_local has no bh_done parameter"
fi
if want iscsi-file:ktgt-wq || want iscsi-blk:ktgt-wq; then
	[ -w "$NW_PARAM" ] || fail "ktgt_core has no exec_nowait parameter"
fi

# cpu_ticks: "busy total" of the cpu line of /proc/stat (busy = user +
# nice + system + irq + softirq; total adds idle, iowait and steal).
cpu_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8,
			   $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# fio_args WORKLOAD: fio's rw/bs/iodepth for a workload name.
fio_args() {
	case "$1" in
	rr4k-qd1) echo "--rw=randread --bs=4k --iodepth=1" ;;
	rw4k-qd1) echo "--rw=randwrite --bs=4k --iodepth=1" ;;
	rr4k-qd32) echo "--rw=randread --bs=4k --iodepth=32 --iodepth_batch_complete_max=32" ;;
	rw4k-qd32) echo "--rw=randwrite --bs=4k --iodepth=32 --iodepth_batch_complete_max=32" ;;
	sr1m-qd8) echo "--rw=read --bs=1M --iodepth=8" ;;
	sw1m-qd8) echo "--rw=write --bs=1M --iodepth=8" ;;
	*) fail "unknown workload $1" ;;
	esac
}

# run_one WORKLOAD ROUND TARGET
run_one() {
	local w=$1 r=$2 t=$3 dev=${DEV[$3]} base c0 c1 rc pp=
	base=$OUT/runs/$w.$r.${t/:/.}
	# Every ktgt target runs with the defaults but the one it is named for.
	case "$t" in
	*:ktgt*)
		[ -w "$ZC_PARAM" ] && echo 1 > "$ZC_PARAM"
		[ -w "$DS_PARAM" ] && echo 1 > "$DS_PARAM"
		[ -w "$TB_PARAM" ] && echo 1 > "$TB_PARAM"
		[ -w "$NW_PARAM" ] && echo 1 > "$NW_PARAM"
		[ -w "$BH_PARAM" ] && echo 1 > "$BH_PARAM"
		[ -n "$DB_DEFAULT" ] && echo "$DB_DEFAULT" > "$DB_PARAM"
		[ -n "${MSK_DEFAULT:-}" ] && echo "$MSK_DEFAULT" > "$MSK"
		case "$t" in
		*:ktgt-copy) ktgt_write "$ZC_PARAM" 0 ;;
		*:ktgt-tx) ktgt_write "$DS_PARAM" 0 ;;
		*:ktgt-tx-nobatch)
			ktgt_write "$DS_PARAM" 0
			ktgt_write "$TB_PARAM" 0
			;;
		*:ktgt-nobatch) ktgt_write "$DB_PARAM" 1 ;;
		*:ktgt-wq) ktgt_write "$NW_PARAM" 0 ;;
		*:ktgt-softirqd) ktgt_write "$BH_PARAM" 0 ;;
		*:ktgt-512k) ktgt_write "$MSK" 512 ;;
		esac
		;;
	esac
	# shellcheck disable=SC2046
	timeout -k 5 $((RUNTIME + RAMP + 120)) fio --name="$w" \
		--filename="$dev" --ioengine=libaio --direct=1 \
		$(fio_args "$w") --size="${SIZE_MB}M" --time_based \
		--runtime="$RUNTIME" --ramp_time="$RAMP" --norandommap \
		--randrepeat=0 --lat_percentiles=1 --output-format=json \
		--output="$base.json" > "$base.log" 2>&1 &
	local pid=$!
	# The CPU window: inside fio's measured time, clear of its start-up
	# and exit (both slow under TCG).
	sleep "$RAMP.5"
	c0=$(cpu_ticks)
	if [ -n "${BENCH_PROFILE:-}" ] &&
	   [[ " ${BENCH_PROFILE_TARGETS:-ktgt} " == *" ${t#*:} "* ]]; then
		PROFILE_OUT=$base PROFILE_SECS=$((RUNTIME - 2)) \
			bash -c "$BENCH_PROFILE" > "$base.profile" 2>&1 &
		pp=$!
	fi
	sleep "$((RUNTIME - 1)).5"
	c1=$(cpu_ticks)
	wait "$pid"
	rc=$?
	# The profiler ends by itself (PROFILE_SECS) and may post-process.
	[ -n "$pp" ] && wait "$pp" 2>/dev/null
	echo "$w $r $t $rc $c0 $c1 $ncpu" >> "$OUT/runs/index"
	[ $rc -eq 0 ] || echo "fio $w round $r on $t ($dev) failed rc=$rc: $(tail -n 3 "$base.log")"
}

[ "$RUNTIME" -ge 2 ] || fail "BENCH_RUNTIME must be at least 2"
: > "$OUT/runs/index"
start=$(date +%s)
read -r -a tlist <<< "$(tr -s '[:space:]' ' ' <<< "$TARGETS")"
nt=${#tlist[@]}
for w in $WORKLOADS; do
	for ((r = 1; r <= ROUNDS; r++)); do
		log "$w round $r ($(( $(date +%s) - start ))s)"
		# Each round starts one target further (A B C, B C A, ...):
		# a run pays for what the previous one left behind (TCP
		# teardown of its I/O, a daemon's threads), so no target may
		# always follow the same one.
		for ((i = 0; i < nt; i++)); do
			run_one "$w" "$r" "${tlist[(i + r - 1) % nt]}"
		done
	done
done
[ "$MEM" = 0 ] || mem_phase
sgv_snap > "$OUT/sgv.after"
log "done in $(( $(date +%s) - start ))s"
pass
