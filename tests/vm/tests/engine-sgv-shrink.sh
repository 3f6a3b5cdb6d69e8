#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 420
#
# The sgv pool in steady state and under reclaim, through ktgt_iscsi
# (whose reads and writes take their data buffers from the pool) on a
# vdisk_fileio disk, with open-iscsi over loopback:
# (a) after a warm-up, N further reads and N further writes of 64 KiB
#     (O_DIRECT, one at a time) are all served from the cache: the pool's
#     hits grow by exactly the commands with data the session counted,
#     misses do not grow and the pool owns no new page; and no call site
#     of a ktgt module did a kmalloc() per command (kmem:kmalloc counted
#     per call site with a hist trigger): the per-command objects come
#     from the pool or a kmem_cache only;
# (b) echo 2 > /proc/sys/vm/drop_caches runs the slab shrinkers: the
#     pool's shrinker is called (shrink_scans) and its cached pages drop
#     to zero, freed by it (shrunk_pages), not by the idle purge
#     (sgv_purge_secs is set to an hour for the test);
# (c) with the shrinker called every 0.2 s while fio writes and verifies
#     random 4-128 KiB blocks at queue depth 16, every command completes
#     and the data reads back right; the pool keeps serving (new misses
#     rebuild what was freed) and gives its pages back when idle.
# Nothing here measures time.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:sgv-shrink
P=$(iscsi_portal 127.0.0.1)
PURGE=/sys/module/ktgt_core/parameters/sgv_purge_secs
N=${SGV_SHRINK_N:-64}
HOG_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$HOG_PID" ] && kill "$HOG_PID" 2>/dev/null
	ktgt_kmem_trace_stop > /dev/null 2>&1
	iscsi_cleanup
}
trap cleanup EXIT
command -v fio > /dev/null || skip "fio not installed"

iscsi_tgt_setup
sgv=$KTGT_SYSFS/sgv
for f in hits misses cached_pages allocated_pages busy_pages shrunk_pages \
	 purged_pages shrink_counts shrink_scans; do
	[ -r "$sgv/$f" ] || fail "$sgv/$f missing"
done
st() { cat "$sgv/$1"; }
# Only the shrinker may free cached vectors during the test.
ktgt_write "$PURGE" 3600

mkdir -p /dev/shm/sgv
iscsi_tgt_mkdisk sgv0 /dev/shm/sgv/sgv0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 sgv0
iscsi_tgt_enable "$IQN"
iscsi_ini_start
iscsi_discover "$P" > /dev/null
iscsi_login "$IQN" "$P"
dev=$(iscsi_wait_lun "$IQN" 0)
sess=$(ls "$KTGT_SYSFS/sessions/")
[ "$(wc -w <<< "$sess")" = 1 ] || fail "expected one ktgt session, got '$sess'"
# sess_cmds: READs + WRITEs + other commands the session completed.
sess_stat() {
	awk -v k="$1" '$1 == k { print $2 }' "$KTGT_SYSFS/sessions/$sess/stats"
}

# io N: N reads, then N writes, of 64 KiB each, one command at a time.
io() {
	dd if="$dev" of=/dev/null bs=64k count="$1" iflag=direct status=none ||
		fail "dd read"
	dd if=/dev/zero of="$dev" bs=64k count="$1" seek=64 oflag=direct \
		status=none || fail "dd write"
}

log "(a) warm-up, then $N reads and $N writes from the cache"
io 16
ktgt_kmem_trace_start paused || skip "no hist triggers on kmem events"
h0=$(st hits) m0=$(st misses) a0=$(st allocated_pages)
r0=$(sess_stat reads) w0=$(sess_stat writes) o0=$(sess_stat other)
ktgt_kmem_trace_cont
io "$N"
ktgt_kmem_trace_pause
h1=$(st hits) m1=$(st misses) a1=$(st allocated_pages)
r1=$(sess_stat reads) w1=$(sess_stat writes) o1=$(sess_stat other)
sites=$(ktgt_kmem_trace_stop)
rw=$((r1 - r0 + w1 - w0))
log "commands: $((r1 - r0)) reads, $((w1 - w0)) writes, $((o1 - o0)) other;" \
	"pool: hits +$((h1 - h0)), misses +$((m1 - m0)), pages $a0 -> $a1"
echo "slab allocations at ktgt call sites (event count function module):"
echo "${sites:-    (none)}" | sed 's/^/    /'
[ "$rw" -eq $((2 * N)) ] ||
	fail "the session counted $rw reads and writes, not $((2 * N))"
expect_eq $((m1 - m0)) 0 "pool misses after the warm-up"
# Commands without data take no buffer; one with data (an initiator's
# INQUIRY, say) would take one: hits lie between the reads and writes
# and those plus the other commands (none in the runs so far).
if [ $((h1 - h0)) -lt "$rw" ] || [ $((h1 - h0)) -gt $((rw + o1 - o0)) ]; then
	fail "pool hits grew by $((h1 - h0)) for $rw reads and writes" \
		"and $((o1 - o0)) other commands"
fi
expect_eq "$a1" "$a0" "pages the pool owns after $rw cached commands"
while read -r ev n fn mod; do
	[ -n "$ev" ] || continue
	[ "$ev" = kmalloc ] && [ "$n" -ge $((N / 2)) ] &&
		fail "$n kmalloc()s at $fn [$mod] for $rw commands"
done <<< "$sites"
# The positive control of the count: ktgt_iscsi's task per command
# (from its kmem_cache), counted exactly, so counting started and
# stopped where it should (pause/cont of the hist triggers).
kc=$(awk '$1 == "kmem_cache_alloc" && $4 == "ktgt_iscsi" { n += $2 }
	  END { print n + 0 }' <<< "$sites")
expect_eq "$kc" $((rw + o1 - o0)) \
	"ktgt_iscsi kmem_cache_alloc()s counted for $((rw + o1 - o0)) commands"

log "(b) the shrinker gives the cached pages back"
c0=$(($(st cached_pages) + $(st busy_pages)))
s0=$(st shrunk_pages) sc0=$(st shrink_scans) p0=$(st purged_pages)
[ "$c0" -gt 0 ] || fail "nothing cached after the I/O"
echo 2 > /proc/sys/vm/drop_caches
c1=$(($(st cached_pages) + $(st busy_pages)))
s1=$(st shrunk_pages) sc1=$(st shrink_scans) p1=$(st purged_pages)
log "cached+busy pages $c0 -> $c1, shrunk_pages +$((s1 - s0))," \
	"shrink_scans +$((sc1 - sc0)), shrink_counts $(st shrink_counts)"
[ $((sc1 - sc0)) -ge 1 ] || fail "drop_caches did not call the pool's shrinker"
expect_eq "$c1" 0 "cached and busy pages after drop_caches"
[ $((s1 - s0)) -ge "$c0" ] ||
	fail "the shrinker freed $((s1 - s0)) pages of $c0 cached ones"
expect_eq "$p1" "$p0" "pages purged for idleness (sgv_purge_secs=3600)"
expect_eq "$(st allocated_pages)" 0 "pages the pool owns after drop_caches"

log "(c) verified I/O while the shrinker runs every 0.2 s"
(while :; do echo 2 > /proc/sys/vm/drop_caches; sleep 0.2; done) &
HOG_PID=$!
m0=$(st misses) s0=$(st shrunk_pages) sc0=$(st shrink_scans)
iscsi_fio "fio under reclaim" "$dev" 8M --iodepth=16
kill "$HOG_PID"
wait "$HOG_PID" 2>/dev/null
HOG_PID=
log "during fio: misses +$(($(st misses) - m0))," \
	"shrink_scans +$(($(st shrink_scans) - sc0)), shrunk_pages +$(($(st shrunk_pages) - s0))"
[ $(($(st shrink_scans) - sc0)) -ge 1 ] || fail "the shrinker was not called during fio"
[ $(($(st shrunk_pages) - s0)) -ge 1 ] || fail "the shrinker freed nothing during fio"
# The same data once more, read after the shrinker emptied the pool.
echo 2 > /proc/sys/vm/drop_caches
iscsi_fio "verify after reclaim" "$dev" 8M --verify_only
echo 2 > /proc/sys/vm/drop_caches
expect_eq "$(st allocated_pages)" 0 "pages the pool owns when idle after drop_caches"

ktgt_write "$PURGE" 60
iscsi_ini_stop
iscsi_tgt_teardown
trap - EXIT
pass "$rw commands from the cache, shrinker frees $c0 pages, I/O verified under reclaim"
