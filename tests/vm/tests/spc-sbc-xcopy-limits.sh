#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# The concurrency limits of the EXTENDED COPY copy manager: three
# vdisk_nullio LUs (LUN 0-2) of one local target whose READs and WRITEs
# are held (delay_ms), so that copies inside them stay running.
# - The copy manager of an LU runs as many copies at a time as RECEIVE
#   COPY OPERATING PARAMETERS advertises (TOTAL and MAXIMUM IDENTIFIED
#   CONCURRENT COPIES, 16): with 16 running on LUN 0, a 17th - with a
#   list identifier or without (LIST ID USAGE 11b) - ends at once with
#   CHECK CONDITION, ILLEGAL REQUEST, INSUFFICIENT RESOURCES (05/55/03),
#   while LUN 1's copy manager still takes copies.
# - A copy whose list identifier is that of a copy still running on the
#   same I_T nexus and LU ends with ILLEGAL REQUEST, OPERATION IN
#   PROGRESS (05/00/16) - also with 33 copies running, more than the 32
#   outcomes the copy manager keeps for RECEIVE COPY RESULTS - and
#   COPY STATUS reports each running copy as running.
# - Once the LUs let their I/O go, every copy accepted completes with
#   GOOD, and a new one with a list identifier used before is accepted.
# The LUs hold I/O for at most 50 s at a time (a worker blocked longer
# than a minute is a hung task), so the copies are sent and checked from
# one Python process through SG_IO (tests/lib/sgio.py), one thread per
# copy: a guest under TCG spawns processes too slowly for shell loops.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/xcopy.sh"

T=$(mktemp -d /tmp/spc-xcopy-limits.XXXXXX) || fail "mktemp"

delay() {
	local d
	for d in n0 n1 n2; do
		echo "$1" > "$KTGT_CFS/handlers/vdisk_nullio/$d/delay_ms"
	done
}

cleanup() {
	delay 0 2>/dev/null
	ktgt_cleanup >/dev/null 2>&1
}
trap cleanup EXIT

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
for i in 0 1 2; do
	ktgt_mkdev vdisk_nullio/n$i size=$((16 << 20))
done
ktgt_mktarget local/tx
for i in 0 1 2; do
	ktgt_maplun local/tx $i vdisk_nullio/n$i
done
ktgt_enable local/tx
host=$(ktgt_local_host tx)
args=()
for i in 0 1 2; do
	s=$(ktgt_wait_disk -g host="$host" lun=$i)
	for _ in 1 2 3 4; do ktgt_tur "$s" >/dev/null; done
	args+=("$s" "$(cat "$KTGT_CFS/handlers/vdisk_nullio/n$i/naa_id")")
done
log "LUNs 0-2: ${args[*]}"

sg=${args[0]}
op=$(din 64 84 03 00 00 00 00 00 00 00 00 00 00 00 40 00 00)
expect_eq "${op:68:4} ${op:72:2}" "0010 10" \
	"OPERATING PARAMETERS: TOTAL and MAXIMUM IDENTIFIED CONCURRENT COPIES"

cat > "$T/limits.py" <<'PY'
import ctypes, os, sys, threading, time
sys.path.insert(0, os.path.join(os.environ["KTGT_REPO"], "tests/lib"))
from sgio import SG_IO, SG_DXFER_TO_DEV, SG_DXFER_FROM_DEV, SgIoHdr, libc

cfs = os.environ["KTGT_CFS"]
sgs = sys.argv[1::2]
naas = dict(zip(sys.argv[1::2], sys.argv[2::2]))


def fail(msg):
    print("FAIL: " + msg, flush=True)
    delay(0)
    os._exit(1)


def log(msg):
    print(msg, flush=True)


def delay(ms):
    for d in ("n0", "n1", "n2"):
        with open("%s/handlers/vdisk_nullio/%s/delay_ms" % (cfs, d), "w") as f:
            f.write("%d\n" % ms)


def sgio(dev, cdb, out=None, inlen=0):
    """(status, sense, data-in) of one command; 96 bytes of sense room."""
    c = (ctypes.c_ubyte * len(cdb))(*cdb)
    n = len(out) if out is not None else inlen
    buf = ctypes.create_string_buffer(out if out is not None else n, max(n, 1))
    sense = (ctypes.c_ubyte * 96)()
    h = SgIoHdr(interface_id=ord("S"),
                dxfer_direction=SG_DXFER_TO_DEV if out is not None
                else SG_DXFER_FROM_DEV, cmd_len=len(cdb), mx_sb_len=96,
                dxfer_len=n, dxferp=ctypes.addressof(buf),
                cmdp=ctypes.addressof(c), sbp=ctypes.addressof(sense),
                timeout=120000)
    fd = os.open(dev, os.O_RDWR)
    try:
        if libc.ioctl(fd, SG_IO, ctypes.byref(h)):
            fail("SG_IO on %s: %s" % (dev, os.strerror(ctypes.get_errno())))
    finally:
        os.close(fd)
    return h.status, bytes(sense[:h.sb_len_wr]), buf.raw[:n - h.resid]


def plist(dev, lid, usage):
    """One segment copying 8 blocks inside the LU of dev."""
    t = bytes([0xe4, 0, 0, 0, 1, 3, 0, 0x10]) + bytes.fromhex(naas[dev]) + \
        bytes(4) + (512).to_bytes(4, "big")
    s = bytes([2, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 8]) + bytes(8) + \
        (100).to_bytes(8, "big")
    return bytes([lid, usage << 3]) + len(t).to_bytes(2, "big") + bytes(4) + \
        len(s).to_bytes(4, "big") + bytes(4) + t + s


def xcopy(dev, lid, usage=0):
    p = plist(dev, lid, usage)
    cdb = bytes([0x83] + [0] * 9) + len(p).to_bytes(4, "big") + bytes(2)
    st, sense, _ = sgio(dev, cdb, out=p)
    return st, sense


copies = {}


class Copy(threading.Thread):
    def __init__(self, dev, lid, usage=0):
        super().__init__(daemon=True)
        self.dev, self.lid, self.usage, self.res = dev, lid, usage, None
        copies[(dev, lid)] = self
        self.start()

    def run(self):
        self.res = xcopy(self.dev, self.lid, self.usage)


def diagnose():
    """Where a copy that does not run may be: the SCSI devices' queues,
    the sessions' TASK SET FULL and BUSY counts, the blocked tasks."""
    for dev in sgs:
        d = "/sys/class/scsi_generic/%s/device" % os.path.basename(dev)
        log("%s: device_busy %s device_blocked %s" % tuple(
            [dev] + [open("%s/%s" % (d, a)).read().strip()
                     for a in ("device_busy", "device_blocked")]))
    for s in os.listdir("/sys/kernel/ktgt/sessions"):
        d = "/sys/kernel/ktgt/sessions/" + s
        log("session %s: %s" % (s, " ".join(
            "%s=%s" % (a, open(d + "/" + a).read().strip())
            for a in sorted(os.listdir(d)) if a in ("task_set_full", "busy"))))
    with open("/proc/sysrq-trigger", "w") as f:
        f.write("w")


def what(res):
    st, sense = res
    if st != 2 or len(sense) < 14:
        return "status=%02x" % st
    return "status=02 %02x/%02x/%02x" % (sense[2] & 0xf, sense[12], sense[13])


def running(dev, lid, end):
    st, d = -1, b""
    while time.time() < end:
        st, _, d = sgio(dev, bytes([0x84, 0, lid] + [0] * 10 + [12, 0, 0]),
                        inlen=12)
        if st == 0 and len(d) > 4 and d[4] == 0:
            return
        time.sleep(0.1)
    c = copies.get((dev, lid))
    diagnose()
    fail("COPY STATUS of list %d on %s: not running (status %02x, data %s;"
         " the copy: %s)" % (lid, dev, st, d.hex(),
                             "not sent" if c is None else
                             "still in SG_IO" if c.is_alive() else
                             what(c.res)))


def now(msg, dev, lid, usage, want):
    c = Copy(dev, lid, usage)
    c.join(5)
    if c.is_alive():
        fail(msg + ": the copy was accepted and is running")
    if what(c.res) != want:
        fail("%s: expected %s, got %s" % (msg, want, what(c.res)))


def done(copies):
    delay(0)
    for c in copies:
        c.join(60)
        if c.is_alive() or c.res[0] != 0:
            fail("copy %d on %s: %s" % (c.lid, c.dev,
                                        "hung" if c.is_alive() else what(c.res)))


sg0, sg1, sg2 = sgs
# The LUs hold I/O HOLD ms from its start; a guest under TCG may take a
# while to start 33 copies (a worker each): they must all run within
# WAIT s, leaving time for the checks before the first ends. Each copy
# is sent once the one before runs, so that a copy that does not run is
# named. (Copies no longer run on ktgt_exec_wq, whose rescuer ran a
# burst of them one after the other: spc-sbc-xcopy-rescuer.sh.)
HOLD, WAIT = 50000, 35
log("16 copies on LUN 0, held: a 17th, a duplicate")
delay(HOLD)
end = time.time() + WAIT
cs = []
for i in range(1, 17):
    cs.append(Copy(sg0, i))
    running(sg0, i, end)
now("LUN 0: a 17th copy", sg0, 17, 0, "status=02 05/55/03")
now("LUN 0: a 17th copy without list identifier", sg0, 0, 3,
    "status=02 05/55/03")
now("LUN 0: list identifier 5 again", sg0, 5, 0, "status=02 05/00/16")
done(cs)
st, _, d = sgio(sg0, bytes([0x84, 0, 5] + [0] * 10 + [12, 0, 0]), inlen=12)
if st != 0 or d[4:7] != bytes([1, 0, 1]):
    fail("COPY STATUS of LUN 0's list 5: %02x %s" % (st, d.hex()))
if xcopy(sg0, 5)[0] != 0:
    fail("LUN 0: list identifier 5 once its copy ended: refused")

log("16 copies on LUN 0 and LUN 1, then 1 on LUN 2: 33 running")
delay(HOLD)
end = time.time() + WAIT
cs = []
for dev in (sg0, sg1):
    for i in range(1, 17):
        cs.append(Copy(dev, i))
        running(dev, i, end)
cs.append(Copy(sg2, 1))
running(sg2, 1, end)
now("LUN 2: list identifier 1 again, 33 copies running", sg2, 1, 0,
    "status=02 05/00/16")
now("LUN 1: list identifier 16 again", sg1, 16, 0, "status=02 05/00/16")
cs.append(Copy(sg2, 2))
running(sg2, 2, time.time() + 5)
done(cs)
print("OK", flush=True)
PY
KTGT_CFS=$KTGT_CFS python3 "$T/limits.py" "${args[@]}" > "$T/limits.out" 2>&1
rc=$?
while read -r l; do log "$l"; done < "$T/limits.out"
if [ $rc -ne 0 ]; then
	msg=$(sed -n 's/^FAIL: //p' "$T/limits.out" | head -n1)
	fail "${msg:-$(tail -n1 "$T/limits.out")}"
fi

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass "EXTENDED COPY concurrency limits"
