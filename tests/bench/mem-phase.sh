# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The memory phase of 'make bench' (issue #7), sourced by bench-vm.sh
# once its targets are set up; mem_phase runs it. While one fio run
# (libaio, direct=1, random reads and writes of mixed sizes) keeps every
# disk of BENCH_MEM_TARGETS busy without a break:
#
#   warm-up     BENCH_MEM_WARMUP seconds (default 30), not measured;
#   steady      BENCH_MEM_SECS seconds (default 300): the sgv pool's
#               counters, /proc/meminfo, /proc/slabinfo and the ktgt
#               sessions' command counts at its start and end, and every
#               slab allocation made from a ktgt module counted per call
#               site (hist triggers on kmem:kmalloc and
#               kmem:kmem_cache_alloc, tests/lib/ktgt.sh);
#   hog         tests/bench/memhog.py takes memory until MemAvailable is
#               below BENCH_MEM_HOG_LEAVE_MB (default 64), then until
#               reclaim runs (BENCH_MEM_HOG_MODE: "direct", the default,
#               a task stalls in direct reclaim; "kswapd", kswapd runs),
#               for at most BENCH_MEM_HOG_FILL seconds (default 180),
#               and holds it BENCH_MEM_HOG_SECS seconds (default 60);
#   after       BENCH_MEM_AFTER seconds (default 30) once the hog is gone.
#
# Every BENCH_MEM_SAMPLE seconds (default 5) a line of the pool's gauges
# and counters goes to mem/samples. What report.py reads, in
# /ktgt-results/mem/: env, snap.{start,end,hog0,hog,after} (NAME=VALUE),
# slabinfo.{start,end}, kmem_sites (EVENT COUNT FUNCTION MODULE),
# samples, hog.log, fio.json, fio.log, fio.rc.

MEM_OUT=$OUT/mem
MEM_SECS=${BENCH_MEM_SECS:-300}
MEM_WARMUP=${BENCH_MEM_WARMUP:-30}
MEM_HOG_SECS=${BENCH_MEM_HOG_SECS:-60}
MEM_HOG_LEAVE_MB=${BENCH_MEM_HOG_LEAVE_MB:-64}
MEM_HOG_FILL=${BENCH_MEM_HOG_FILL:-180}
MEM_HOG_MODE=${BENCH_MEM_HOG_MODE:-direct}
MEM_AFTER=${BENCH_MEM_AFTER:-30}
MEM_SAMPLE=${BENCH_MEM_SAMPLE:-5}
MEM_TARGETS=${BENCH_MEM_TARGETS:-iscsi-null:ktgt}
# A mix that uses several of the pool's size classes at once.
MEM_FIO_DEFAULT="--rw=randrw --rwmixread=50 --bssplit=4k/50:64k/35:1m/15"
MEM_FIO_ARGS=${BENCH_MEM_FIO_ARGS:-$MEM_FIO_DEFAULT --iodepth=16}

# The lines of /proc/meminfo kept in the snapshots.
MEM_INFO_KEYS="MemTotal MemFree MemAvailable Slab SReclaimable SUnreclaim"
MEM_INFO_KEYS="$MEM_INFO_KEYS AnonPages Cached"

# mem_snap NAME: the pool's counters and the command counts (read by one
# process, one right after the other: they are compared), the time and
# the kernel's memory, in mem/snap.NAME.
mem_snap() {
	{
		grep -H . "$KTGT_SYSFS"/sgv/* "$KTGT_SYSFS"/sessions/*/stats \
			2>/dev/null | awk -F: '
			$1 ~ /\/sgv\// { n = $1; sub(/.*\//, "", n)
					  print "sgv_" n "=" $2; next }
			{ split($2, kv, " "); c[kv[1]] += kv[2] }
			END { print "cmds_reads=" c["reads"] + 0
			      print "cmds_writes=" c["writes"] + 0
			      print "cmds_other=" c["other"] + 0 }'
		echo "t=$(date +%s)"
		awk -v keys=" $MEM_INFO_KEYS " '
		index(keys, " " substr($1, 1, length($1) - 1) " ") {
			sub(":", "", $1); print "meminfo_" $1 "=" $2 }' /proc/meminfo
	} > "$MEM_OUT/snap.$1"
}

# mem_sampler PHASE_FILE: a line every MEM_SAMPLE seconds until killed:
# "t phase cached_pages busy_pages allocated_pages hits misses
# shrunk_pages shrink_scans purged_pages avail_kb".
mem_sampler() {
	local s=$KTGT_SYSFS/sgv t0 phase f line
	t0=$(date +%s)
	while :; do
		phase=$(cat "$1" 2>/dev/null)
		line="$(( $(date +%s) - t0 )) ${phase:-?}"
		for f in cached_pages busy_pages allocated_pages hits misses \
			 shrunk_pages shrink_scans purged_pages; do
			line="$line $(< "$s/$f")"
		done
		echo "$line $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)"
		sleep "$MEM_SAMPLE"
	done
}

mem_phase() {
	local t d args=() fpid spid rc hpid traced=1
	mkdir -p "$MEM_OUT"
	for t in $MEM_TARGETS; do
		d=${DEV[$t]:-}
		[ -n "$d" ] || fail "memory phase: no disk for $t"
		args+=(--name="${t/:/.}" --filename="$d")
	done
	{
		echo "targets=$MEM_TARGETS"
		echo "fio_args=$MEM_FIO_ARGS"
		echo "warmup=$MEM_WARMUP"
		echo "secs=$MEM_SECS"
		echo "hog_secs=$MEM_HOG_SECS"
		echo "hog_leave_mb=$MEM_HOG_LEAVE_MB"
		echo "hog_fill=$MEM_HOG_FILL"
		echo "hog_mode=$MEM_HOG_MODE"
		echo "after=$MEM_AFTER"
		echo "purge_secs=$(cat /sys/module/ktgt_core/parameters/sgv_purge_secs)"
	} > "$MEM_OUT/env"
	log "memory phase: ${MEM_WARMUP}s warm-up, ${MEM_SECS}s steady," \
		"${MEM_HOG_SECS}s hog, ${MEM_AFTER}s after, on $MEM_TARGETS"

	# The hist triggers' own tables come from the slab: set them up
	# before the first slab snapshot, count only inside the window.
	ktgt_kmem_trace_start paused || traced=0

	# One fio through every phase; its run time is only an upper bound,
	# SIGTERM ends it (fio then exits 128 and still writes its report).
	# shellcheck disable=SC2086 # MEM_FIO_ARGS: words
	fio --ioengine=libaio --direct=1 $MEM_FIO_ARGS --size="${SIZE_MB}M" \
		--time_based --runtime=$(((MEM_WARMUP + MEM_SECS + MEM_HOG_FILL + \
					  MEM_HOG_SECS + MEM_AFTER) * 3 + 300)) \
		--norandommap --randrepeat=0 --output-format=json \
		--output="$MEM_OUT/fio.json" "${args[@]}" > "$MEM_OUT/fio.log" 2>&1 &
	fpid=$!
	echo warmup > "$MEM_OUT/phase"
	mem_sampler "$MEM_OUT/phase" > "$MEM_OUT/samples" &
	spid=$!
	sleep "$MEM_WARMUP"

	echo steady > "$MEM_OUT/phase"
	cp /proc/slabinfo "$MEM_OUT/slabinfo.start"
	# Counting starts just before the first snapshot and ends just
	# after the last one (each reads the counters first).
	[ $traced = 1 ] && ktgt_kmem_trace_cont
	mem_snap start
	sleep "$MEM_SECS"
	mem_snap end
	[ $traced = 1 ] && ktgt_kmem_trace_pause
	cp /proc/slabinfo "$MEM_OUT/slabinfo.end"
	if [ $traced = 1 ]; then
		ktgt_kmem_trace_stop > "$MEM_OUT/kmem_sites"
	else
		echo "no kmem hist triggers" > "$MEM_OUT/kmem_sites.err"
	fi

	echo hog > "$MEM_OUT/phase"
	mem_snap hog0
	python3 "$KTGT_REPO/tests/bench/memhog.py" "$MEM_HOG_LEAVE_MB" \
		"$MEM_HOG_FILL" "$MEM_HOG_SECS" "$MEM_HOG_MODE" \
		> "$MEM_OUT/hog.log" 2>&1 &
	hpid=$!
	# The snapshot "during": just before the hog lets go.
	while kill -0 "$hpid" 2>/dev/null; do
		grep -q '^t=.* filled' "$MEM_OUT/hog.log" && break
		sleep 1
	done
	sleep $((MEM_HOG_SECS > 5 ? MEM_HOG_SECS - 3 : 1))
	mem_snap hog
	wait "$hpid"
	echo "rc=$?" >> "$MEM_OUT/hog.log"

	echo after > "$MEM_OUT/phase"
	sleep "$MEM_AFTER"
	mem_snap after
	if kill -0 "$fpid" 2>/dev/null; then
		kill -TERM "$fpid"
		wait "$fpid"
		rc=$?
		# 128: it ended on our signal.
		[ $rc = 128 ] && rc=0
	else
		wait "$fpid"
		rc=$?
		echo "fio ended before the memory phase did" >> "$MEM_OUT/fio.log"
		[ $rc = 0 ] && rc=1
	fi
	echo "$rc" > "$MEM_OUT/fio.rc"
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	log "memory phase: fio rc=$rc, hog: $(tail -n 2 "$MEM_OUT/hog.log" | tr '\n' ' ')"
	[ "$rc" -eq 0 ] || echo "fio memory phase failed rc=$rc: $(tail -n 3 "$MEM_OUT/fio.log")"
}
