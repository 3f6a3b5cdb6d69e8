#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# insn-profile.sh: the BENCH_PROFILE command of BENCH_INSNPROF=1 (set by
# tests/bench/run-bench). The VM runs with the QEMU plugin
# tests/bench/insnprof/insnprof.c, which counts the kernel's executed
# instructions by block; this asks it for a snapshot at the start and at
# the end of a PROFILE_SECS window of a measured run (files in the
# results share), then prints the window's profile (tests/bench/insnprof.py:
# instructions per block request by module and by function, and calls per
# request) and keeps it as $PROFILE_OUT.insn.json.
#
#   BENCH_INSNPROF=1 BENCH_WORKLOADS=rr4k-qd1 \
#   BENCH_TARGETS='local-null:ktgt local-null:lio' \
#   BENCH_PROFILE_TARGETS='ktgt lio' make bench

secs=${PROFILE_SECS:-3}
[ "$secs" -ge 1 ] || secs=1
res=/ktgt-results
seq=/tmp/insnprof.seq

# snap: ask for the next snapshot and wait for it; prints its path.
snap() {
	local n i
	n=$(( $(cat "$seq" 2>/dev/null || echo 0) + 1 ))
	echo "$n" > "$seq"
	: > "$res/insnprof.req.$n"
	for ((i = 0; i < 600; i++)); do
		if [ -f "$res/insnprof.$n" ]; then
			rm -f "$res/insnprof.req.$n"
			echo "$res/insnprof.$n"
			return 0
		fi
		sleep 0.1
	done
	echo "insn-profile: no snapshot $n from the plugin (BENCH_INSNPROF=1?)" >&2
	return 1
}

a=$(snap) || exit 0
sleep "$secs"
b=$(snap) || exit 0
python3 "$KTGT_REPO/tests/bench/insnprof.py" "$a" "$b" /proc/kallsyms \
	--json "${PROFILE_OUT:-/tmp/insn}.insn.json"
rm -f "$a" "$b"
