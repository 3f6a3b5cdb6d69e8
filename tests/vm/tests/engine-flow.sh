#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Flow control: a session may hold sess_queue_depth commands; more get
# TASK SET FULL, which the Linux initiator retries (and answers by
# lowering the device's queue depth), so the I/O still succeeds.
# - queue depth 4 (module parameter, read when the session starts), fio
#   at iodepth 32 on a vdisk_nullio LUN whose commands take 20 ms: no
#   error, TASK SET FULL counted in the session's sysfs directory, the
#   session never holds more than 4 commands;
# - the per-session queue_depth attribute takes 1..65535 only;
# - the default depth (128) at iodepth 32: no TASK SET FULL at all, and
#   up to 32 commands in the core at once.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

command -v fio >/dev/null || skip "fio not installed"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
param=/sys/module/ktgt_core/parameters/sess_queue_depth
expect_eq "$(cat $param)" 128 "default sess_queue_depth"

# fio_run DEV: 4 s of random 4 KiB reads and writes at iodepth 32.
fio_run() {
	local out rc
	out=$(fio --name=flow --filename="$1" --ioengine=libaio --direct=1 \
		--rw=randrw --bs=4k --iodepth=32 --runtime=4 --time_based \
		--size=32M 2>&1)
	rc=$?
	echo "$out" | grep -E 'err=|IOPS' | sed 's/^/    /'
	[ $rc -eq 0 ] || fail "fio failed (rc=$rc)"
	grep -q 'err= 0' <<< "$out" || fail "fio reported errors"
}

# watch_max FILE SECS: the largest value FILE had, sampled for SECS.
watch_max() {
	local max=0 v i
	for ((i = 0; i < $2 * 20; i++)); do
		v=$(cat "$1")
		[ "$v" -gt "$max" ] && max=$v
		sleep 0.05
	done
	echo "$max"
}

ktgt_mkdev vdisk_nullio/q size=$((64 << 20)) serial=FLOW
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/q/delay_ms" 20

log "queue depth 4"
ktgt_write $param 4
ktgt_mktarget local/small
ktgt_maplun local/small 0 vdisk_nullio/q
ktgt_enable local/small
ktgt_write $param 128
dev=$(ktgt_wait_disk host="$(ktgt_local_host small)" lun=0)
sess=$(ktgt_session_of local:small)
expect_eq "$(cat "$sess/queue_depth")" 4 "queue depth of the small session"
hctl=$(ktgt_find_disk host="$(ktgt_local_host small)" lun=0)
qd=/sys/class/scsi_device/$hctl/device/queue_depth
log "initiator queue depth before: $(cat "$qd")"
watch_max "$sess/nr_cmds" 6 > /tmp/flow-max &
fio_run "$dev"
wait
tsf=$(cat "$sess/task_set_full")
log "TASK SET FULL: $tsf, most commands held: $(cat /tmp/flow-max), initiator queue depth after: $(cat "$qd")"
[ "$tsf" -gt 0 ] || fail "no TASK SET FULL with queue depth 4 at iodepth 32"
# A command answered TASK SET FULL is held until the driver releases it.
[ "$(cat /tmp/flow-max)" -le 6 ] ||
	fail "the session held $(cat /tmp/flow-max) commands with queue depth 4"
expect_eq "$(cat "$sess/busy")" 0 "BUSY answers"

log "queue_depth attribute"
expect_fail "queue_depth 0" ktgt_try_write "$sess/queue_depth" 0
expect_fail "queue_depth 65536" ktgt_try_write "$sess/queue_depth" 65536
expect_fail "queue_depth abc" ktgt_try_write "$sess/queue_depth" abc
expect_eq "$(cat "$sess/queue_depth")" 4 "queue depth after bad writes"
ktgt_write "$sess/queue_depth" 200
expect_eq "$(cat "$sess/queue_depth")" 200 "queue depth after writing 200"

log "default queue depth"
ktgt_mktarget local/deep
ktgt_maplun local/deep 0 vdisk_nullio/q
ktgt_enable local/deep
dev=$(ktgt_wait_disk host="$(ktgt_local_host deep)" lun=0)
sess=$(ktgt_session_of local:deep)
expect_eq "$(cat "$sess/queue_depth")" 128 "queue depth of the deep session"
watch_max "$sess/nr_cmds" 6 > /tmp/flow-max &
fio_run "$dev"
wait
log "most commands held: $(cat /tmp/flow-max)"
expect_eq "$(cat "$sess/task_set_full")" 0 "TASK SET FULL at depth 128"
[ "$(cat /tmp/flow-max)" -ge 16 ] ||
	fail "only $(cat /tmp/flow-max) commands in flight at iodepth 32"

ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/q/delay_ms" 0
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
