#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 420
# ktgt-smp: 2
#
# The sgv pool in steady state and under reclaim, through ktgt_iscsi
# (whose reads and writes take their data buffers from the pool) on a
# vdisk_fileio disk, with open-iscsi over loopback:
# (a) after a warm-up, N further reads and N further writes of 64 KiB
#     (O_DIRECT, one at a time) are all served from the cache: the pool's
#     hits grow by exactly the commands with data the session counted,
#     misses do not grow and the pool owns no new page; and no call site
#     of a ktgt module did a slab allocation per command (kmem:kmalloc and
#     kmem:kmem_cache_alloc counted per call site with hist triggers):
#     buffers come from the pool, ktgt_iscsi's tasks from its
#     connection's cache of released tasks; the count's positive control:
#     PERSISTENT RESERVE IN's one kmalloc() per command, counted exactly;
#     VERIFY, WRITE SAME with data and COMPARE AND WRITE make none (their
#     internal commands come from a mempool, their buffers from the pool);
# (b) echo 2 > /proc/sys/vm/drop_caches runs the slab shrinkers: the
#     pool's shrinker is called (shrink_scans) and frees (shrunk_pages)
#     at least half of the cached pages; none are freed by the idle
#     purge (sgv_purge_secs is set to an hour for the test);
# (c) with the shrinker called every 0.2 s while fio writes and verifies
#     random 4-128 KiB blocks at queue depth 16, every command completes
#     and the data reads back right; the pool keeps serving (new misses
#     rebuild what was freed);
# (d) real memory pressure (tests/bench/memhog.py takes memory until
#     MemAvailable is below 96 MiB, then until kswapd runs), without
#     drop_caches; the calls kswapd makes to the pool's shrinker, what
#     they ask for and what they free are counted with hist triggers on
#     vmscan:mm_shrink_slab_start and _end:
#     (d1) with sgv_shrink_idle_ms at ten minutes, so that every cached
#     vector is in the working set, kswapd asks the pool for pages and
#     gets none (it would take the least recently used ones without the
#     working-set rule);
#     (d2) with the default 100 ms and a pool idle for longer, kswapd
#     gets pages, and the pool gives back what the shrinker freed (its
#     shrinker's seeks is 0; with the default, reclaim asked a pool of
#     this size for nothing);
# (e) the idle purge gives back what the shrinker left.
# Nothing here measures time.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:sgv-shrink
P=$(iscsi_portal 127.0.0.1)
PURGE=/sys/module/ktgt_core/parameters/sgv_purge_secs
IDLE=/sys/module/ktgt_core/parameters/sgv_shrink_idle_ms
N=${SGV_SHRINK_N:-64}
HOG_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$HOG_PID" ] && kill "$HOG_PID" 2>/dev/null
	ktgt_kmem_trace_stop > /dev/null 2>&1
	shrink_trace_stop > /dev/null 2>&1
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
ktgt_kmem_can_count || skip "no hist triggers on kmem events in this kernel"
ktgt_kmem_trace_start paused || fail "hist triggers on kmem events refused"
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
	[ "$n" -ge $((N / 2)) ] &&
		fail "$n ${ev}()s at $fn [$mod] for $rw commands"
done <<< "$sites"
# The positive control of the count, in a second window: PERSISTENT
# RESERVE IN kzalloc()s its parameter data in ktgt_core (pr.c), one per
# command.
# shellcheck disable=SC2317 # called by ktgt_kmem_window
pr_in3() {
	for i in 1 2 3; do
		sg_persist --in --read-keys "$dev" > /dev/null ||
			fail "sg_persist --read-keys"
	done
}
ktgt_kmem_window "3 PERSISTENT RESERVE INs" pr_in3
expect_eq "$(ktgt_kmem_core '^kmalloc$')" 3 \
	"ktgt_core kmalloc()s outside the pool counted for 3 PR INs"
# The composite commands take their internal command from the SBC
# emulation's mempool (core/sbc.c, sbc_io_pool; its slab cache is
# allocated from by mempool_alloc_slab(), not at a ktgt call site) and
# their buffers from the sgv pool: no allocation of their own. Before
# the mempool each of them kmalloc()ed it (sbc_io_alloc()), 3 per window.
# shellcheck disable=SC2317 # called by ktgt_kmem_window
verify3() {
	for lba in 0 64 128; do
		sg_verify --count=16 --lba=$lba "$dev" || fail "sg_verify"
	done
}
ktgt_kmem_window "3 VERIFYs" verify3
expect_eq "$(ktgt_kmem_core .)" 0 \
	"ktgt_core slab allocations outside the pool for 3 VERIFYs"
# WRITE SAME with a data pattern: nothing for the pattern either, it is
# read from the data-out where it is (it was copied to a kmalloc()ed
# block once).
bs=$(blockdev --getss "$dev")
head -c "$bs" /dev/urandom > /tmp/ws.pat
# shellcheck disable=SC2317 # called by ktgt_kmem_window
write_same3() {
	for lba in 0 64 128; do
		sg_write_same --lba=$lba --num=16 --in=/tmp/ws.pat "$dev" ||
			fail "sg_write_same"
	done
}
ktgt_kmem_window "3 WRITE SAMEs with data" write_same3
expect_eq "$(ktgt_kmem_core .)" 0 \
	"ktgt_core slab allocations outside the pool for 3 WRITE SAMEs"
# COMPARE AND WRITE of one block: compare with what WRITE SAME left
# there, then write another block.
head -c "$bs" /dev/urandom > /tmp/caw.new
cat /tmp/ws.pat /tmp/caw.new > /tmp/caw.in
# shellcheck disable=SC2317 # called by ktgt_kmem_window
caw3() {
	for lba in 200 264 328; do
		sg_compare_and_write --lba=$lba --num=1 --xferlen=$((2 * bs)) \
			--in=/tmp/caw.in "$dev" ||
			fail "sg_compare_and_write at $lba"
	done
}
sg_write_same --lba=200 --num=129 --in=/tmp/ws.pat "$dev" ||
	fail "sg_write_same before COMPARE AND WRITE"
ktgt_kmem_window "3 COMPARE AND WRITEs" caw3
expect_eq "$(ktgt_kmem_core .)" 0 \
	"ktgt_core slab allocations outside the pool for 3 COMPARE AND WRITEs"
for lba in 200 264 328; do
	dd if="$dev" of=/tmp/caw.got bs="$bs" skip=$lba count=1 iflag=direct \
		status=none || fail "dd read at $lba"
	cmp -s /tmp/caw.new /tmp/caw.got ||
		fail "COMPARE AND WRITE at $lba reads back wrong"
done
for ((i = 0; i < 16; i++)); do cat /tmp/ws.pat; done > /tmp/ws.exp
for lba in 0 64 128; do
	dd if="$dev" of=/tmp/ws.got bs="$bs" skip=$lba count=16 iflag=direct \
		status=none || fail "dd read at $lba"
	cmp -s /tmp/ws.exp /tmp/ws.got || fail "WRITE SAME at $lba reads back wrong"
done

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
[ "$c1" -le $((c0 / 2)) ] ||
	fail "$c1 of $c0 cached pages left after drop_caches, expected at most half"
[ $((s1 - s0)) -ge $((c0 - c1)) ] ||
	fail "the shrinker freed $((s1 - s0)) pages, $((c0 - c1)) left the pool"
expect_eq "$p1" "$p0" "pages purged for idleness (sgv_purge_secs=3600)"
expect_eq "$(st allocated_pages)" "$c1" "pages the pool owns after drop_caches"

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

# shrink_trace_start: count the calls of the pool's shrinker by reclaim
# per task name. shrink_trace_stop prints "TASK CALLS ASKED FREED" for
# each task that called it: ASKED is the sum of the pages each call was
# to scan (total_scan of mm_shrink_slab_start), FREED the sum of the
# pages each freed (the return value of mm_shrink_slab_end).
SHRINK_EV=$KTGT_TRACEFS/events/vmscan
SHRINK_HIST_START="hist:keys=common_pid.execname,shrink.sym:vals=hitcount,total_scan:size=256"
SHRINK_HIST_END="hist:keys=common_pid.execname,shrink.sym:vals=hitcount,retval:size=256"
shrink_trace_start() {
	[ -w "$SHRINK_EV/mm_shrink_slab_start/trigger" ] ||
		skip "no vmscan:mm_shrink_slab_start event"
	echo "$SHRINK_HIST_START" >> "$SHRINK_EV/mm_shrink_slab_start/trigger" ||
		fail "hist trigger on mm_shrink_slab_start"
	echo "$SHRINK_HIST_END" >> "$SHRINK_EV/mm_shrink_slab_end/trigger" ||
		fail "hist trigger on mm_shrink_slab_end"
}
# { common_pid: kswapd0 [ 41], shrink: [ffffffffc08e5b40] sgv_shrink_scan
#   [ktgt_core] } hitcount: 2  total_scan: 295
shrink_hist() {
	awk -v v="$2" '/ sgv_shrink_scan / && $2 == "common_pid:" {
		for (i = 4; i < NF; i++) {
			if ($i == "hitcount:")
				n = $(i + 1)
			if ($i == v ":")
				x = $(i + 1)
		}
		print $3, n, x
	}' "$SHRINK_EV/$1/hist"
}
shrink_trace_stop() {
	# (No /dev/fd in the guest for process substitution.)
	shrink_hist mm_shrink_slab_start total_scan | sort > "$KTGT_TMP/sgv-start"
	shrink_hist mm_shrink_slab_end retval | sort > "$KTGT_TMP/sgv-end"
	join -a1 -e0 -o 0,1.2,1.3,2.3 "$KTGT_TMP/sgv-start" "$KTGT_TMP/sgv-end"
	echo "!$SHRINK_HIST_START" >> "$SHRINK_EV/mm_shrink_slab_start/trigger"
	echo "!$SHRINK_HIST_END" >> "$SHRINK_EV/mm_shrink_slab_end/trigger"
}
# hog: memory pressure until kswapd runs; kswapd's calls, asks and frees
# of the pool's shrinker into $ksw_calls, $ksw_asked, $ksw_freed.
hog() {
	local calls
	shrink_trace_start
	python3 "$KTGT_REPO/tests/bench/memhog.py" 96 120 2 > "$KTGT_TMP/sgv-hog.log" 2>&1 ||
		fail "memhog: $(tail -n 3 "$KTGT_TMP/sgv-hog.log")"
	calls=$(shrink_trace_stop)
	echo "calls of the pool's shrinker (task calls asked freed):"
	echo "${calls:-    (none)}" | sed 's/^/    /'
	read -r ksw_calls ksw_asked ksw_freed <<< "$(awk '$1 ~ /^kswapd/ {
		c += $2; a += $3; f += $4 } END { print c + 0, a + 0, f + 0 }' \
		<<< "$calls")"
}

log "(d1) memory pressure, every cached vector in the working set"
iscsi_fio "fill the pool" "$dev" 8M --iodepth=16
expect_eq "$(cat "$IDLE")" 100 "default sgv_shrink_idle_ms"
ktgt_write "$IDLE" 600000
c0=$(($(st cached_pages) + $(st busy_pages)))
[ "$c0" -gt 0 ] || fail "nothing cached after fio"
hog
c1=$(($(st cached_pages) + $(st busy_pages)))
log "hog: $(grep -m1 filled "$KTGT_TMP/sgv-hog.log"); cached+busy pages" \
	"$c0 -> $c1; kswapd: $ksw_calls calls, asked $ksw_asked, freed $ksw_freed"
[ "$ksw_calls" -ge 1 ] && [ "$ksw_asked" -ge 1 ] ||
	fail "kswapd asked the pool for nothing ($ksw_calls calls)"
expect_eq "$ksw_freed" 0 "pages kswapd freed of vectors used in the last 10 min"
ktgt_write "$IDLE" 100

log "(d2) memory pressure, the pool idle: reclaim takes the pool's pages"
iscsi_fio "fill the pool" "$dev" 8M --iodepth=16
# Idle for ten times sgv_shrink_idle_ms.
sleep 1
c0=$(($(st cached_pages) + $(st busy_pages)))
s0=$(st shrunk_pages) sc0=$(st shrink_scans) p0=$(st purged_pages)
[ "$c0" -gt 0 ] || fail "nothing cached after fio"
hog
c1=$(($(st cached_pages) + $(st busy_pages)))
s1=$(st shrunk_pages) sc1=$(st shrink_scans)
log "hog: $(grep -m1 filled "$KTGT_TMP/sgv-hog.log");" \
	"cached+busy pages $c0 -> $c1, shrink_scans +$((sc1 - sc0))," \
	"shrunk_pages +$((s1 - s0)); kswapd: $ksw_calls calls, asked $ksw_asked," \
	"freed $ksw_freed"
[ $((sc1 - sc0)) -ge 1 ] || fail "memory pressure did not call the pool's shrinker"
[ "$ksw_freed" -ge 1 ] || fail "kswapd freed none of the pool's idle pages"
[ "$c1" -lt "$c0" ] || fail "the pool kept its $c0 pages under memory pressure"
[ $((s1 - s0)) -ge $((c0 - c1)) ] ||
	fail "$((c0 - c1)) pages left the pool, the shrinker freed $((s1 - s0))"
expect_eq "$(st purged_pages)" "$p0" "pages purged for idleness during the hog"

log "(e) the idle purge takes the rest"
p0=$(st purged_pages) c0=$(($(st cached_pages) + $(st busy_pages)))
ktgt_write "$PURGE" 1
for ((i = 0; i < 100; i++)); do
	[ "$(st allocated_pages)" = 0 ] && break
	sleep 0.2
done
expect_eq "$(st allocated_pages)" 0 "pages the pool owns, idle, after the purge"
[ $(($(st purged_pages) - p0)) -ge "$c0" ] ||
	fail "the purge freed $(($(st purged_pages) - p0)) of $c0 cached pages"
ktgt_write "$PURGE" 60
iscsi_ini_stop
iscsi_tgt_teardown
trap - EXIT
pass "$rw commands from the cache; the pool shrinks under drop_caches and memory pressure, I/O verified under reclaim"
