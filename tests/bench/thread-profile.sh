#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# thread-profile.sh: a BENCH_PROFILE command for tests/bench/run-bench
# that shows which threads of the guest spend the CPU of a run. Over
# PROFILE_SECS it takes every thread's run time and number of times it
# was switched in (/proc/PID/task/TID/schedstat), groups the threads by
# name (the part before the first '/' of the name: kis_rx/1.1 is kis_rx;
# a kworker is named after its workqueue when it has one, e.g.
# kworker:iscsi_q) and prints, per group, milliseconds of CPU and switches
# in the window, then the guest's /proc/stat CPU lines at both ends. A
# thread that starts or ends inside the window is left out. Divide by
# the run's I/O count (IOPS times the window) to get the CPU and the
# switches a group spends per I/O.
#
# On loopback the receive side of TCP runs in the sender's context: the
# initiator's receive is charged to the target's sending thread, and the
# target's receive to the initiator's sending thread.
#
#   BENCH_PROFILE='bash $KTGT_REPO/tests/bench/thread-profile.sh' \
#   BENCH_WORKLOADS='rr4k-qd1 rw4k-qd1' BENCH_PROFILE_TARGETS='ktgt lio tgt' \
#   BENCH_TARGETS='iscsi-null:ktgt iscsi-null:lio iscsi-null:tgt' \
#   tests/bench/run-bench

shopt -s extglob
secs=${PROFILE_SECS:-3}
[ "$secs" -ge 1 ] || secs=1

# snap: "TID GROUP RUN_NS SLICES" for every thread.
snap() {
	local d comm ss
	for d in /proc/[0-9]*/task/[0-9]*; do
		read -r comm 2>/dev/null < "$d/comm" || continue
		read -r ss 2>/dev/null < "$d/schedstat" || continue
		case "$comm" in
		kworker/*-*) comm=kworker:${comm#*-} ;;
		esac
		comm=${comm%%/*}
		comm=${comm%%+([0-9_])}
		# A name may hold spaces (fio's "fio" never does; be safe).
		comm=${comm// /_}
		# shellcheck disable=SC2086 # ss is "run wait slices"
		set -- $ss
		echo "${d##*/} $comm $1 $3"
	done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep '^cpu' /proc/stat > "$tmp/stat0"
snap > "$tmp/a"
sleep "$secs"
snap > "$tmp/b"
grep '^cpu' /proc/stat > "$tmp/stat1"

echo "== threads over ${secs}s: group, CPU ms, switches in (schedstat)"
awk 'NR == FNR { run[$1] = $3; sl[$1] = $4; next }
     ($1 in run) { ms[$2] += ($3 - run[$1]) / 1e6; n[$2] += $4 - sl[$1] }
     END { for (g in ms) if (ms[g] >= 1 || n[g] >= 10)
		printf "%-24s %10.1f %8d\n", g, ms[g], n[g] }' \
	"$tmp/a" "$tmp/b" | sort -k2,2 -rn | head -n 20
echo "== CPUs at the start and the end (/proc/stat)"
cat "$tmp/stat0" "$tmp/stat1"
exit 0
