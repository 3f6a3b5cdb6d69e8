#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
# ktgt-smp: 1
#
# A held EXTENDED COPY does not hold up the commands queued after it,
# even when the engine's workqueue cannot get a new worker. Two
# vdisk_nullio LUs of one local target: LUN 0 holds its READs and WRITEs
# (delay_ms), LUN 1 does not. With kernel.threads-max below the number
# of threads, so that no worker thread can be created, 16 copies inside
# LUN 0 are sent at once, then a SYNCHRONIZE CACHE to LUN 1 (executed by
# a worker of ktgt_exec_wq, as every command that needs process
# context). It must end within PROBE s, long before the copies' I/O is
# let go. When the copies ran on ktgt_exec_wq (WQ_MEM_RECLAIM), its
# rescuer took every pending work item - the copies that found no
# worker, and then the SYNCHRONIZE CACHE - and ran them one after the
# other, so the SYNCHRONIZE CACHE waited for the copies' held I/O (what
# made the burst form of spc-sbc-xcopy-limits.sh fail about once in ten
# runs under TCG, where a new worker is slow to come). Then the limit
# goes back, the LU lets its I/O go, and every copy ends with GOOD.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

T=$(mktemp -d /tmp/spc-xcopy-rescuer.XXXXXX) || fail "mktemp"
max=$(cat /proc/sys/kernel/threads-max)

cleanup() {
	echo "$max" > /proc/sys/kernel/threads-max
	{ echo 0 > "$KTGT_CFS/handlers/vdisk_nullio/n0/delay_ms"; } 2>/dev/null
	ktgt_cleanup >/dev/null 2>&1
}
trap cleanup EXIT

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
for i in 0 1; do
	ktgt_mkdev vdisk_nullio/n$i size=$((16 << 20))
done
ktgt_mktarget local/tx
for i in 0 1; do
	ktgt_maplun local/tx $i vdisk_nullio/n$i
done
ktgt_enable local/tx
host=$(ktgt_local_host tx)
args=()
for i in 0 1; do
	s=$(ktgt_wait_disk -g host="$host" lun=$i)
	for _ in 1 2 3 4; do ktgt_tur "$s" >/dev/null; done
	args+=("$s")
done
args+=("$(cat "$KTGT_CFS/handlers/vdisk_nullio/n0/naa_id")")
log "LUNs 0-1: ${args[*]}"

cat > "$T/rescuer.py" <<'PY'
import ctypes, os, sys, threading, time
sys.path.insert(0, os.path.join(os.environ["KTGT_REPO"], "tests/lib"))
from sgio import SG_IO, SG_DXFER_NONE, SG_DXFER_TO_DEV, SgIoHdr, libc

cfs = os.environ["KTGT_CFS"]
sg0, sg1, naa = sys.argv[1:4]
TMAX = "/proc/sys/kernel/threads-max"
HOLD, PROBE, NCOPIES = 30000, 8, 16
with open(TMAX) as f:
    tmax = f.read().strip()


def log(msg):
    print(msg, flush=True)


def setf(path, val):
    with open(path, "w") as f:
        f.write("%s\n" % val)


def release():
    setf(TMAX, tmax)
    setf(cfs + "/handlers/vdisk_nullio/n0/delay_ms", 0)


def fail(msg):
    print("FAIL: " + msg, flush=True)
    release()
    os._exit(1)


def sgio(fd, cdb, out=None):
    """The status of one command (no data-in)."""
    c = (ctypes.c_ubyte * len(cdb))(*cdb)
    n = len(out) if out is not None else 0
    buf = ctypes.create_string_buffer(out if out is not None else 1,
                                      max(n, 1))
    sense = (ctypes.c_ubyte * 96)()
    h = SgIoHdr(interface_id=ord("S"),
                dxfer_direction=SG_DXFER_TO_DEV if out is not None
                else SG_DXFER_NONE, cmd_len=len(cdb), mx_sb_len=96,
                dxfer_len=n, dxferp=ctypes.addressof(buf),
                cmdp=ctypes.addressof(c), sbp=ctypes.addressof(sense),
                timeout=180000)
    if libc.ioctl(fd, SG_IO, ctypes.byref(h)):
        return "SG_IO: " + os.strerror(ctypes.get_errno())
    if h.host_status or h.driver_status or h.status:
        return "status %02x host %x driver %x sense %s" % (
            h.status, h.host_status, h.driver_status,
            bytes(sense[:h.sb_len_wr]).hex())
    return "GOOD"


def plist(lid):
    """One segment copying 8 blocks inside LUN 0."""
    t = bytes([0xe4, 0, 0, 0, 1, 3, 0, 0x10]) + bytes.fromhex(naa) + \
        bytes(4) + (512).to_bytes(4, "big")
    s = bytes([2, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 8]) + \
        (8 * lid).to_bytes(8, "big") + (1000 + 8 * lid).to_bytes(8, "big")
    return bytes([lid, 0]) + len(t).to_bytes(2, "big") + bytes(4) + \
        len(s).to_bytes(4, "big") + bytes(4) + t + s


go = threading.Event()


class Cmd(threading.Thread):
    """A command on its own fd, sent once go is set (the thread and the
    fd exist before: no thread can be created then)."""

    def __init__(self, dev, cdb, out=None, ev=go):
        super().__init__(daemon=True)
        self.fd = os.open(dev, os.O_RDWR)
        self.cdb, self.out, self.ev, self.res = cdb, out, ev, None
        self.start()

    def run(self):
        self.ev.wait()
        self.sent = time.time()
        self.res = sgio(self.fd, self.cdb, self.out)
        self.took = time.time() - self.sent


def xcopy(lid):
    p = plist(lid)
    return Cmd(sg0, bytes([0x83] + [0] * 9) + len(p).to_bytes(4, "big") +
               bytes(2), p)


sync = bytes([0x35] + [0] * 9)
fd1 = os.open(sg1, os.O_RDWR)
for _ in range(3):
    r = sgio(fd1, sync)
    if r != "GOOD":
        fail("SYNCHRONIZE CACHE on LUN 1 before: " + r)

copies = [xcopy(i) for i in range(1, NCOPIES + 1)]
probe_go = threading.Event()
probe = Cmd(sg1, sync, ev=probe_go)
setf(cfs + "/handlers/vdisk_nullio/n0/delay_ms", HOLD)
with open("/proc/loadavg") as f:
    nthreads = int(f.read().split()[3].split("/")[1])
# No new thread from here on: no worker either.
setf(TMAX, max(20, nthreads // 2))
log("%d threads, threads-max %s -> %d; %d copies on LUN 0, held" %
    (nthreads, tmax, max(20, nthreads // 2), NCOPIES))
go.set()
time.sleep(2)
probe_go.set()
probe.join(PROBE)
if probe.is_alive():
    fail("SYNCHRONIZE CACHE on LUN 1, sent after %d held copies: no "
         "status after %d s" % (NCOPIES, PROBE))
if probe.res != "GOOD":
    fail("SYNCHRONIZE CACHE on LUN 1: " + probe.res)
log("SYNCHRONIZE CACHE on LUN 1 after the held copies: GOOD in %.2f s" %
    probe.took)
busy = sum(c.is_alive() for c in copies)
if not busy:
    fail("the copies ended before their I/O was let go")
log("%d copies still running" % busy)
release()
for c in copies:
    c.join(90)
    if c.is_alive():
        fail("copy %s: no status 90 s after its LU let its I/O go" %
             c.cdb.hex())
    if c.res != "GOOD":
        fail("copy: " + c.res)
print("OK", flush=True)
PY
KTGT_CFS=$KTGT_CFS python3 "$T/rescuer.py" "${args[@]}" > "$T/rescuer.out" 2>&1
rc=$?
while read -r l; do log "$l"; done < "$T/rescuer.out"
if [ $rc -ne 0 ]; then
	msg=$(sed -n 's/^FAIL: //p' "$T/rescuer.out" | head -n1)
	fail "${msg:-$(tail -n1 "$T/rescuer.out")}"
fi

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass "a held EXTENDED COPY holds up no command queued after it"
