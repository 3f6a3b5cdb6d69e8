#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# The SCSI error handler against ktgt_local, with a vdisk_nullio LUN
# whose commands take longer than the disk's timeout (delay_ms):
# - a read that times out is aborted (ABORT TASK), retried and finally
#   failed by the midlayer: dd gets an error, no crash, no hang, and the
#   disk works again once the delay is gone;
# - LUN reset, target reset and host reset (sg_reset -d/-t -H) issued
#   while reads are in flight succeed, and the reads still complete
#   (retried after TASK ABORTED / the reset's unit attention).
# Each eh handler returns only after the core released the commands it
# covers (see targets/local/local.c); a wrong ordering shows up here as
# a splat or a hang.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

ktgt_mkdev vdisk_nullio/slow size=$((64 << 20)) serial=SLOW0
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/slow
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
hctl=$(ktgt_find_disk host="$host" lun=0)
sdev=/sys/class/scsi_device/$hctl/device
delay=$KTGT_CFS/handlers/vdisk_nullio/slow/delay_ms
log "slow disk: $dev"

log "timeouts: delay 3000 ms, disk timeout 1 s"
ktgt_write "$sdev/timeout" 1
ktgt_write "$delay" 3000
start=$(date +%s)
expect_fail "read that times out" dd if="$dev" of=/dev/null bs=4k count=1 iflag=direct
log "the timed-out read failed after $(( $(date +%s) - start ))s"
ktgt_write "$delay" 0
ktgt_write "$sdev/timeout" 30
expect_eq "$(cat "$sdev/state")" running "device state after the error handler"
run_ok "read after the timeouts" dd if="$dev" of=/dev/null bs=64k count=16 iflag=direct

# reset_during_io FLAG WHAT: sg_reset FLAG while direct reads are in flight.
reset_during_io() {
	local pids=() p i
	ktgt_write "$delay" 1500
	for i in 1 2 3 4; do
		dd if="$dev" of=/dev/null bs=4k count=2 skip=$((i * 8)) iflag=direct 2>/dev/null &
		pids+=($!)
	done
	sleep 0.5
	run_ok "$2 (sg_reset $1)" sg_reset "$1" "$sg"
	ktgt_write "$delay" 0
	for p in "${pids[@]}"; do
		wait "$p" || fail "a read in flight during the $2 failed"
	done
	expect_eq "$(cat "$sdev/state")" running "device state after the $2"
	run_ok "read after the $2" dd if="$dev" of=/dev/null bs=64k count=4 iflag=direct
}

reset_during_io -d "LUN reset"
reset_during_io -t "target reset"
reset_during_io -H "host reset"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
