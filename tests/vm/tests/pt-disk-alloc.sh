#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# pt_disk (ktgt_pt) allocates nothing of its own per command once warm:
# its per-command state comes from a mempool, its bios from a bio_set,
# its bounce pages from the core's sgv pool. A burst of O_DIRECT reads
# and writes through a pt_disk LU (a scsi_debug disk seen through
# ktgt_local), mapped directly and through bounce pages, is counted
# - with hist triggers on kmem:kmalloc and kmem:kmem_cache_alloc: no
#   slab allocation at a ktgt_pt call site (the pools' are counted at
#   mempool_alloc_slab() and bio_alloc_bioset());
# - with a hist trigger on kmem:mm_page_alloc keyed by stack trace: no
#   page allocation with a ktgt_pt frame on its stack but through the
#   sgv pool (a ktgt_core frame: a miss of the pool's cache), and the
#   sgv pool's hits count one buffer per bounced command.
# The positive controls: the slab count does see ktgt_core's per-command
# PERSISTENT RESERVE IN buffer; the page count does see the pages the
# sgv pool allocates for ktgt_pt on a miss (a bounced 1 MiB read, a
# size the burst never used).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

H=$KTGT_CFS/handlers/pt_disk
N=200
# Page allocations by stack trace: mm_page_alloc has no call site, so
# its hist trigger is keyed by the allocating stack.
PAGE_EV=$KTGT_TRACEFS/events/kmem/mm_page_alloc
PAGE_HIST="hist:keys=stacktrace:vals=hitcount:size=4096"


# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	ktgt_kmem_trace_stop > /dev/null 2>&1
	echo "!$PAGE_HIST" >> "$PAGE_EV/trigger" 2>/dev/null
	ktgt_cleanup >/dev/null 2>&1
	modprobe -r scsi_debug 2>/dev/null
}
trap cleanup EXIT

ktgt_kmem_can_count || skip "no hist triggers on kmem events in this kernel"
ktgt_load ktgt_pt ktgt_local
ktgt_initiator_load
modprobe scsi_debug dev_size_mb=16 || fail "modprobe scsi_debug"
ktgt_sdebug_wait
sdbg_hctl=$KTGT_SDEBUG_HCTL
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

page_trace_start() {
	[ -w "$PAGE_EV/trigger" ] || return 1
	echo "$PAGE_HIST" >> "$PAGE_EV/trigger"
}

# page_trace_stop: stop counting and print "PT CORE COUNT" per stack with
# a ktgt_pt frame: PT the innermost ktgt_pt frame, CORE 1 if a ktgt_core
# frame (the sgv pool) is between it and the allocator, else 0.
page_trace_stop() {
	awk '/^\{ stacktrace:/ { pt = ""; core = 0; next }
	     /hitcount:/ {
		if (pt != "") {
			for (i = 1; i < NF; i++)
				if ($i == "hitcount:")
					print pt, core, $(i + 1)
		}
		pt = ""; core = 0; next
	     }
	     pt == "" && /\[ktgt_core\]/ { core = 1 }
	     pt == "" && /\[ktgt_pt\]/ { pt = $1; sub(/\+.*/, "", pt) }
	' "$PAGE_EV/hist"
	echo "!$PAGE_HIST" >> "$PAGE_EV/trigger"
}

sgv_stat() { cat "/sys/kernel/ktgt/sgv/$1"; }

# burst WHAT BOUNCE: a warm-up, then $N reads and $N writes counted; no
# slab allocation at ktgt_pt's call sites, no page allocated by ktgt_pt
# but through the sgv pool; through bounce pages (BOUNCE 1), a buffer of
# the sgv pool's cache for each command.
burst() {
	local sites pages hits
	io 16
	ktgt_kmem_trace_start paused || fail "no hist triggers on kmem events"
	page_trace_start || fail "no hist trigger on kmem:mm_page_alloc"
	hits=$(sgv_stat hits)
	ktgt_kmem_trace_cont
	io "$N"
	ktgt_kmem_trace_pause
	pages=$(page_trace_stop)
	hits=$(($(sgv_stat hits) - hits))
	sites=$(ktgt_kmem_trace_stop)
	echo "slab allocations at ktgt call sites, $1:"
	echo "${sites:-    (none)}" | sed 's/^/    /'
	echo "page allocations under ktgt_pt (frame, via sgv pool, count), $1:"
	echo "${pages:-    (none)}" | sed 's/^/    /'
	echo "sgv pool hits: $hits"
	expect_eq "$(awk '$4 == "ktgt_pt" { n += $2 } END { print n + 0 }' \
		<<< "$sites")" 0 "slab allocations at ktgt_pt for $((2 * N)) commands, $1"
	expect_eq "$(awk '$2 == 0 { n += $3 } END { print n + 0 }' \
		<<< "$pages")" 0 "pages allocated by ktgt_pt for $((2 * N)) commands, $1"
	if [ "$2" = 1 ] && [ "$hits" -lt $((2 * N)) ]; then
		fail "$hits sgv pool hits for $((2 * N)) bounced commands"
	fi
}
burst "mapped directly" 0
ktgt_write /sys/module/ktgt_pt/parameters/bounce 1
burst "through bounce pages" 1

# The page count sees pages allocated for ktgt_pt: a bounced 1 MiB read,
# a size no command took yet, misses the sgv pool's cache, which
# allocates the buffer's pages under ktgt_pt's frames.
misses=$(sgv_stat misses)
page_trace_start || fail "no hist trigger on kmem:mm_page_alloc"
dd if="$pt_dev" of=/dev/null bs=1M count=1 iflag=direct status=none ||
	fail "1 MiB read through $pt_dev"
pages=$(page_trace_stop)
misses=$(($(sgv_stat misses) - misses))
echo "page allocations under ktgt_pt, a bounced 1 MiB read ($misses sgv misses):"
echo "${pages:-    (none)}" | sed 's/^/    /'
[ "$misses" -gt 0 ] || fail "a bounced 1 MiB read did not miss the sgv cache"
[ "$(awk '$2 == 1 { n += $3 } END { print n + 0 }' <<< "$pages")" -gt 0 ] ||
	fail "no page allocation seen under ktgt_pt for an sgv pool miss"
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
