#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# memhog.py: put the machine under memory pressure, for the memory phase
# of 'make bench' (tests/bench/mem-phase.sh).
#
#   memhog.py LEAVE_MIB FILL_SECS HOLD_SECS [kswapd|direct]
#
# Maps anonymous memory in 64 MiB chunks with MAP_POPULATE (the kernel
# allocates every page at once: much faster under TCG than touching them
# one by one, which it falls back to without MAP_POPULATE), until
# MemAvailable in /proc/meminfo is below LEAVE_MIB; then in 4 MiB steps
# until the kernel reclaims (kswapd runs or pages are scanned: pageoutrun,
# pgscan_kswapd, pgscan_direct in /proc/vmstat grow). A low MemAvailable
# alone does not make reclaim run, and so does not call the shrinkers:
# that takes free memory below the low watermark. Stepping stops one
# step above vm.min_free_kbytes (no direct reclaim, no OOM), or after
# FILL_SECS seconds. With "direct", stepping goes on past min until a
# task stalls in direct reclaim (allocstall_*, pgscan_direct grow), while
# MemAvailable stays above one step.
# Then it holds the memory for HOLD_SECS seconds, allocating more
# whenever reclaim has made room again, and exits. It never runs longer
# than FILL_SECS + HOLD_SECS. It makes itself the first choice of the
# OOM killer (oom_score_adj 1000), so that if reclaim cannot keep up it
# is the hog that dies, not what is measured. Prints one line per
# second: "t=SECS hog_mib=N avail_mib=N free_mib=N reclaim=N".

import mmap
import sys
import time

CHUNK = 64 << 20
PAGE = mmap.PAGESIZE
POPULATE = getattr(mmap, "MAP_POPULATE", 0)


STEP = 4 << 20


def grab(size):
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS |
                  POPULATE)
    if not POPULATE:
        for i in range(0, size, PAGE):
            m[i] = 0x5a
    return m


def meminfo_mib(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return 0


def avail_mib():
    return meminfo_mib("MemAvailable")


def reclaim_count(direct=False):
    keys = ("pgscan_direct",) if direct else \
        ("pageoutrun", "pgscan_kswapd", "pgscan_direct")
    n = 0
    with open("/proc/vmstat") as f:
        for line in f:
            k, v = line.split()
            if k in keys or (direct and k.startswith("allocstall")):
                n += int(v)
    return n


def floor_mib():
    # One step above the min watermark: kswapd wakes below the low one
    # (min + a quarter or more), direct reclaim only below min.
    try:
        with open("/proc/sys/vm/min_free_kbytes") as f:
            return int(f.read()) // 1024 + (STEP >> 20)
    except OSError:
        return 64


def main(argv):
    if len(argv) not in (4, 5) or (len(argv) == 5 and
                                   argv[4] not in ("kswapd", "direct")):
        sys.stderr.write("usage: memhog.py LEAVE_MIB FILL_SECS HOLD_SECS "
                         "[kswapd|direct]\n")
        return 2
    leave, fill, hold = int(argv[1]), float(argv[2]), float(argv[3])
    direct = len(argv) == 5 and argv[4] == "direct"
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000\n")
    except OSError:
        pass
    chunks = []
    start = time.time()
    last = 0.0
    end = None
    r0 = reclaim_count(direct)
    floor = floor_mib()
    size = 0
    while True:
        now = time.time()
        # Fill to the mark, one chunk between two looks at the clock;
        # then step until reclaim runs.
        reclaimed = reclaim_count(direct) > r0
        if avail_mib() > leave:
            chunks.append(grab(CHUNK))
            size += CHUNK
        elif end is None and not reclaimed and \
                (avail_mib() > (STEP >> 20) if direct else
                 meminfo_mib("MemFree") > floor):
            chunks.append(grab(STEP))
            size += STEP
        elif end is None:
            end = time.time() + hold
            print("t=%.0f filled hog_mib=%d avail_mib=%d free_mib=%d "
                  "reclaim=%d" % (now - start, size >> 20, avail_mib(),
                                  meminfo_mib("MemFree"),
                                  reclaim_count(direct) - r0), flush=True)
        if end is None and now - start >= fill:
            end = time.time() + hold
            print("t=%.0f filled (time) hog_mib=%d avail_mib=%d" % (
                now - start, size >> 20, avail_mib()), flush=True)
        if now - last >= 1:
            print("t=%.0f hog_mib=%d avail_mib=%d free_mib=%d reclaim=%d" % (
                now - start, size >> 20, avail_mib(), meminfo_mib("MemFree"),
                reclaim_count(direct) - r0), flush=True)
            last = now
        if end is not None:
            if now >= end:
                break
            time.sleep(0.2)
    print("done hog_mib=%d reclaim=%d" % (size >> 20,
                                          reclaim_count(direct) - r0),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
