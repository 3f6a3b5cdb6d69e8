#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# pt_disk (ktgt_pt) allocates nothing of its own per command once warm:
# its per-command state comes from a mempool, its bios from a bio_set.
# A burst of O_DIRECT reads and writes through a pt_disk LU (a
# scsi_debug disk seen through ktgt_local), mapped directly and through
# bounce pages, is counted with hist triggers on kmem:kmalloc and
# kmem:kmem_cache_alloc: no allocation at a ktgt_pt call site (the
# pools' are counted at mempool_alloc_slab() and bio_alloc_bioset()).
# The positive control: the count does see ktgt_core's per-command
# PERSISTENT RESERVE IN buffer.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

H=$KTGT_CFS/handlers/pt_disk
SDBG=/sys/bus/pseudo/drivers/scsi_debug
N=200

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	ktgt_kmem_trace_stop > /dev/null 2>&1
	ktgt_cleanup >/dev/null 2>&1
	modprobe -r scsi_debug 2>/dev/null
}
trap cleanup EXIT

ktgt_load ktgt_pt ktgt_local
ktgt_initiator_load
modprobe scsi_debug dev_size_mb=16 || fail "modprobe scsi_debug"
sdbg_hctl=
for ((i = 0; i < 300; i++)); do
	for d in "$SDBG"/adapter*/host*/target*/*:*:*:*; do
		[ -e "$d" ] && sdbg_hctl=${d##*/}
	done
	[ -n "$sdbg_hctl" ] && break
	sleep 0.1
done
[ -n "$sdbg_hctl" ] || fail "no scsi_debug device"
ktgt_wait_disk host="${sdbg_hctl%%:*}" lun="${sdbg_hctl##*:}" > /dev/null

mkdir "$H/p0" || fail "mkdir $H/p0"
ktgt_write "$H/p0/scsi_device" "$sdbg_hctl"
ktgt_write "$H/p0/blocksize" 512
ktgt_write "$H/p0/enable" 1
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 pt_disk/p0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
pt_dev=$(ktgt_wait_disk host="$host" lun=0)
pt_sg=$(ktgt_wait_disk -g host="$host" lun=0)
log "ktgt LU: $pt_dev ($pt_sg)"

# io COUNT: COUNT 4 KiB writes and COUNT 4 KiB reads, one command each.
io() {
	dd if=/dev/urandom of=/tmp/pt-src bs=4096 count="$1" status=none
	dd if=/tmp/pt-src of="$pt_dev" bs=4096 count="$1" oflag=direct \
		conv=notrunc status=none || fail "write through $pt_dev"
	dd if="$pt_dev" of=/tmp/pt-dst bs=4096 count="$1" iflag=direct \
		status=none || fail "read through $pt_dev"
	cmp -s /tmp/pt-src /tmp/pt-dst || fail "data read back differ"
}

# burst WHAT: a warm-up, then $N reads and $N writes counted; no
# allocation at ktgt_pt's call sites.
burst() {
	local sites
	io 16
	ktgt_kmem_trace_start paused || fail "no hist triggers on kmem events"
	ktgt_kmem_trace_cont
	io "$N"
	ktgt_kmem_trace_pause
	sites=$(ktgt_kmem_trace_stop)
	echo "slab allocations at ktgt call sites, $1:"
	echo "${sites:-    (none)}" | sed 's/^/    /'
	expect_eq "$(awk '$4 == "ktgt_pt" { n += $2 } END { print n + 0 }' \
		<<< "$sites")" 0 "slab allocations at ktgt_pt for $((2 * N)) commands, $1"
}
burst "mapped directly"
ktgt_write /sys/module/ktgt_pt/parameters/bounce 1
burst "through bounce pages"
ktgt_write /sys/module/ktgt_pt/parameters/bounce 0

# The count sees a module's per-command allocation: PERSISTENT RESERVE
# IN's parameter data in ktgt_core, one kmalloc() per command.
# shellcheck disable=SC2317 # called by ktgt_kmem_window
pr_in3() {
	for i in 1 2 3; do
		sg_persist --in --read-keys "$pt_sg" > /dev/null ||
			fail "sg_persist --read-keys"
	done
}
ktgt_kmem_window "3 PERSISTENT RESERVE INs" pr_in3
expect_eq "$(ktgt_kmem_core '^kmalloc$')" 3 \
	"ktgt_core kmalloc()s counted for 3 PR INs"

ktgt_unmaplun local/t0 0
ktgt_write "$H/p0/enable" 0
rmdir "$H/p0" || fail "rmdir $H/p0"
ktgt_cleanup || fail "cleanup"
modprobe -r scsi_debug || fail "unload scsi_debug"
ktgt_unload_all
pass
