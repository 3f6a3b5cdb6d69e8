#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# memhog.py: put the machine under memory pressure, for the memory phase
# of 'make bench' (tests/bench/mem-phase.sh).
#
#   memhog.py LEAVE_MIB FILL_SECS HOLD_SECS
#
# Maps anonymous memory in 64 MiB chunks with MAP_POPULATE (the kernel
# allocates every page at once: much faster under TCG than touching them
# one by one, which it falls back to without MAP_POPULATE), until MemAvailable in /proc/meminfo
# is below LEAVE_MIB or FILL_SECS seconds have passed; then holds it for
# HOLD_SECS seconds, allocating more whenever reclaim has made room
# again, and exits. It never runs longer than FILL_SECS + HOLD_SECS. It makes itself
# the first choice of the OOM killer (oom_score_adj 1000), so that if
# reclaim cannot keep up it is the hog that dies, not what is measured.
# Prints one line per second: "t=SECS hog_mib=N avail_mib=N".

import mmap
import sys
import time

CHUNK = 64 << 20
PAGE = mmap.PAGESIZE
POPULATE = getattr(mmap, "MAP_POPULATE", 0)


def grab():
    m = mmap.mmap(-1, CHUNK, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS |
                  POPULATE)
    if not POPULATE:
        for i in range(0, CHUNK, PAGE):
            m[i] = 0x5a
    return m


def avail_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: memhog.py LEAVE_MIB FILL_SECS HOLD_SECS\n")
        return 2
    leave, fill, hold = int(argv[1]), float(argv[2]), float(argv[3])
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000\n")
    except OSError:
        pass
    chunks = []
    start = time.time()
    last = 0.0
    end = None
    while True:
        now = time.time()
        # Fill to the mark, one chunk between two looks at the clock.
        if avail_mib() > leave:
            chunks.append(grab())
        if end is None and (avail_mib() <= leave or now - start >= fill):
            end = time.time() + hold
            print("t=%.0f filled hog_mib=%d avail_mib=%d" % (
                now - start, len(chunks) * CHUNK >> 20, avail_mib()),
                flush=True)
        if now - last >= 1:
            print("t=%.0f hog_mib=%d avail_mib=%d" % (
                now - start, len(chunks) * CHUNK >> 20, avail_mib()),
                flush=True)
            last = now
        if end is not None:
            if now >= end:
                break
            time.sleep(0.2)
    print("done hog_mib=%d" % (len(chunks) * CHUNK >> 20), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
