#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
# ktgt-smp: 2
# ktgt-append: slub_debug=P
#
# A local target disabled while an eh handler that sg_reset called
# (SG_SCSI_RESET, an ioctl on a device the caller holds open) waits for
# its TMF. scsi_remove_host() does not wait for such a handler, so the
# disable must: destroying the session under the TMF left the core's TMF
# worker on freed memory (a general protection fault with the poisoning
# this VM boots with) and sg_reset hung.
#
# Targets ta and tb export the same vdisk_nullio device. A READ through
# tb is held (delay_ms); a LUN RESET through ta's sg node (no sd bound)
# aborts it and waits for it; ta is disabled meanwhile. Then the READ is released and
# everything must end: the disable, sg_reset and the READ (retried after
# TASK ABORTED), with no splat; both targets work afterwards.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

ktgt_mkdev vdisk_nullio/slow size=$((64 << 20)) serial=SLOW0
delay=$KTGT_CFS/handlers/vdisk_nullio/slow/delay_ms
for t in ta tb; do
	ktgt_mktarget local/$t
	ktgt_maplun local/$t 0 vdisk_nullio/slow
	ktgt_enable local/$t
done
host_a=$(ktgt_local_host ta)
host_b=$(ktgt_local_host tb)
sg_a=$(ktgt_wait_disk -g host="$host_a" lun=0)
dev_b=$(ktgt_wait_disk host="$host_b" lun=0)
sg_b=$(ktgt_wait_disk -g host="$host_b" lun=0)
log "ta: host$host_a $sg_a; tb: host$host_b $dev_b"
# Without sd on ta's device its removal sends no SYNCHRONIZE CACHE, which
# would wait for the reset (the host's tmf_in_progress) and so hold
# scsi_remove_host() back by chance.
ktgt_write /sys/bus/scsi/drivers/sd/unbind "$(ktgt_find_disk host="$host_a" lun=0)"
# Take the POWER ON unit attentions now, not in the middle of the test.
for sg in "$sg_a" "$sg_b"; do
	for i in 1 2 3; do sg_turs "$sg" > /dev/null 2>&1 && break; done
done

ktgt_write "$delay" 60000
dd if="$dev_b" of=/dev/null bs=4k count=1 iflag=direct 2> /tmp/dd.err &
dd_pid=$!
sleep 1
kill -0 $dd_pid 2>/dev/null || fail "the READ through tb was not held"

sg_reset -d "$sg_a" > /tmp/reset.out 2>&1 &
reset_pid=$!
# The LUN RESET is in the core once the ioctl waits in ktgt_local_tmf().
in_stack $reset_pid ktgt_local_tmf 20
log "LUN RESET through ta waits for the held READ of tb"

ktgt_enable local/ta 0 &
disable_pid=$!
sleep 2
kill -0 $disable_pid 2>/dev/null && log "the disable waits for the LUN RESET" ||
	log "the disable returned before the LUN RESET"
kill -0 $reset_pid 2>/dev/null ||
	fail "sg_reset ended before the READ was released: $(cat /tmp/reset.out)"
log "release the READ"
ktgt_write "$delay" 0

ended $disable_pid 30 || fail "the disable of ta: status $? (255: still running after 30 s)"
ended $reset_pid 30
rc=$?
[ $rc = 255 ] && fail "sg_reset -d on ta still running 30 s after the READ's release"
log "sg_reset -d ended with status $rc: $(tr '\n' ' ' < /tmp/reset.out)"
ended $dd_pid 30 ||
	fail "the READ through tb: status $? (255: still running after 30 s): $(cat /tmp/dd.err)"
[ -e /sys/class/scsi_host/host"$host_a" ] && fail "host$host_a still present"

run_ok "read through tb after the disable" \
	dd if="$dev_b" of=/dev/null bs=64k count=16 iflag=direct
run_ok "LUN reset through tb after the disable" sg_reset -d "$sg_b"

ktgt_enable local/ta
host_a=$(ktgt_local_host ta)
sg_a=$(ktgt_wait_disk -g host="$host_a" lun=0)
run_ok "LUN reset through ta enabled again" sg_reset -d "$sg_a"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
