#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# The sgv buffer pool (/sys/kernel/ktgt/sgv/). ktgt_local hands the core
# the initiator's own buffers, so the pool is exercised through VERIFY,
# whose emulation reads the medium into pool buffers of 1 MiB:
# - the first VERIFY misses and allocates a vector, the next ones hit
#   the cache; when idle every pool page is a cached one;
# - echo 2 > /proc/sys/vm/drop_caches runs the slab shrinkers: the
#   pool's frees (shrunk_pages) at least half of the cached pages, the
#   largest vectors first;
# - vectors idle for sgv_purge_secs are freed by the purge work.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
sgv=$KTGT_SYSFS/sgv
for f in hits misses cached_vectors cached_pages allocated_pages \
	 shrunk_pages purged_pages; do
	[ -r "$sgv/$f" ] || fail "$sgv/$f missing"
done
stat() { cat "$sgv/$1"; }

ktgt_mkdev vdisk_nullio/v0 size=$((64 << 20)) serial=SGV
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/v0
ktgt_enable local/t0
sg=$(ktgt_wait_disk -g host="$(ktgt_local_host t0)" lun=0)

# verify [LBA]: VERIFY(10) of 1 MiB (2048 blocks) without BYTCHK.
verify() {
	sg_verify --count=2048 --bpc=2048 --lba="${1:-0}" "$sg" ||
		fail "sg_verify failed"
}

log "repeated I/O hits the cache"
h0=$(stat hits) m0=$(stat misses)
for i in 1 2 3 4 5 6; do
	verify $((i * 2048))
done
h1=$(stat hits) m1=$(stat misses)
log "hits $h0 -> $h1, misses $m0 -> $m1, cached $(stat cached_vectors) vectors / $(stat cached_pages) pages"
[ $((m1 - m0)) -ge 1 ] || fail "the first VERIFY did not allocate"
[ $((h1 - h0)) -ge 5 ] || fail "only $((h1 - h0)) cache hits in 6 VERIFYs"
[ "$(stat cached_pages)" -ge 256 ] || fail "no 1 MiB vector cached"
expect_eq "$(stat allocated_pages)" "$(stat cached_pages)" \
	"pool pages when idle (all of them cached)"

log "the shrinker frees idle cached vectors"
s0=$(stat shrunk_pages) c0=$(stat cached_pages)
echo 2 > /proc/sys/vm/drop_caches
c1=$(stat cached_pages)
log "after drop_caches: cached $c0 -> $c1, shrunk +$(($(stat shrunk_pages) - s0))"
[ "$c1" -le $((c0 / 2)) ] ||
	fail "$c1 of $c0 cached pages left after drop_caches, expected at most half"
expect_eq "$(stat allocated_pages)" "$c1" "pool pages after drop_caches"
[ $(($(stat shrunk_pages) - s0)) -ge 256 ] ||
	fail "shrunk_pages grew by only $(($(stat shrunk_pages) - s0))"

log "idle vectors are purged"
verify
[ "$(stat cached_pages)" -ge 256 ] || fail "no vector cached again"
p0=$(stat purged_pages)
ktgt_write /sys/module/ktgt_core/parameters/sgv_purge_secs 1
for ((i = 0; i < 400; i++)); do
	[ "$(stat cached_pages)" -eq 0 ] && break
	sleep 0.1
done
log "after idling: cached $(stat cached_pages), purged $(stat purged_pages)"
expect_eq "$(stat cached_pages)" 0 "cached pages after the purge"
[ $(($(stat purged_pages) - p0)) -ge 256 ] || fail "purged_pages did not grow"
ktgt_write /sys/module/ktgt_core/parameters/sgv_purge_secs 60

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
