#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# A LUN that appears in a session's LUN set reports POWER ON (29h/00h) to
# the first command that reaches it, however soon after the mapping that
# command comes: a thread sends TEST UNIT READY to LUN 1 back to back
# (SG_IO, tests/lib/sgio.py) while the LUN is mapped and unmapped again
# and again; after each mapping, the first answer that is not LOGICAL
# UNIT NOT SUPPORTED (05h/25h/00h) must be 06h/29h/00h, never GOOD.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

ktgt_mkdev vdisk_nullio/lm0 size=$((16 << 20)) serial=SEMLM0
ktgt_mkdev vdisk_nullio/lm1 size=$((16 << 20)) serial=SEMLM1
ktgt_mktarget local/m
ktgt_maplun local/m 0 vdisk_nullio/lm0
ktgt_maplun local/m 1 vdisk_nullio/lm1
ktgt_enable local/m
h=$(ktgt_local_host m)
sg1=$(ktgt_wait_disk -g host="$h" lun=1)
[ -n "$sg1" ] || fail "no sg for LUN 1"
log "LUN 1: $sg1"

cat > /tmp/lm.py <<'PYEOF'
import os, sys, threading
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from sgio import sg_io, SG_DXFER_NONE

sg, lundir, devdir, rounds = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4])
fd = os.open(sg, os.O_RDWR)
stop = [False]
seen = []
NOLUN = "05/25/00"


def outcome(h, sense):
    if h.status == 0 and not h.host_status and not h.driver_status & 0xf:
        return "GOOD"
    if len(sense) >= 14:
        return "%02x/%02x/%02x" % (sense[2] & 0xf, sense[12], sense[13])
    return "status %d host %d driver %d" % (h.status, h.host_status,
                                             h.driver_status)


def poll():
    while not stop[0]:
        h, sense = sg_io(fd, bytes(6), None, 0, SG_DXFER_NONE)
        seen.append(outcome(h, sense))


def unmap():
    os.unlink(lundir + "/device")
    os.rmdir(lundir)


def mapit():
    os.mkdir(lundir)
    os.symlink(devdir, lundir + "/device")


# The thread's commands run one at a time, so seen is in execution
# order. A round starts once the LUN is unmapped; in it, the first
# answer after a LOGICAL UNIT NOT SUPPORTED that is not one is the first
# command that reached the new LUN. (A round without such an answer in
# it, the mapping done before the thread's next command, is not judged.)
t = threading.Thread(target=poll)
t.start()
starts = []
try:
    for i in range(rounds):
        unmap()
        starts.append(len(seen))
        mapit()
        # until the thread has seen the LUN back (or 2 s)
        for _ in range(2000):
            if len(seen) > starts[-1] + 1 and seen[-1] != NOLUN:
                break
            threading.Event().wait(0.001)
finally:
    stop[0] = True
    t.join()
starts.append(len(seen))
first = []
for i in range(rounds):
    r = seen[starts[i]:starts[i + 1]]
    if NOLUN not in r:
        continue
    rest = [o for o in r[r.index(NOLUN):] if o != NOLUN]
    if rest:
        first.append((i, rest[0]))
bad = [(i, o) for i, o in first if o != "06/29/00"]
print("%d rounds, %d commands, %d rounds judged, %d without POWER ON"
      % (rounds, len(seen), len(first), len(bad)), flush=True)
if len(first) < rounds // 4:
    print("FAIL: too few rounds judged", flush=True)
    sys.exit(1)
if bad:
    print("FAIL: first answer after the mapping not 06/29/00: %r"
          % bad[:5], flush=True)
    sys.exit(1)
print("OK")
PYEOF

out=$(timeout 400 python3 /tmp/lm.py "$sg1" "$KTGT_CFS/targets/local/m/luns/1" \
	"$KTGT_CFS/handlers/vdisk_nullio/lm1" 300 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] && echo "$out" | grep -q "^OK$" ||
	fail "mapping loop (rc $rc): $(echo "$out" | tail -n 1)"
pass "POWER ON reaches the first command of a new LUN"
