#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Events of the core that are made faster than they are sent wait in a
# backlog of at most 1024; one that finds it full is dropped. A listener
# must learn that events are missing: a LOST event with their COUNT
# follows. Mapping one more LUN in a LUN set that 40 sessions see with
# 30 LUNs queues REPORTED LUNS DATA HAS CHANGED on 40 * 31 nexuses at
# once, without sleeping, so on one CPU the backlog overflows. The
# listener's own socket has room for every event, so what it misses was
# lost in the kernel: the old code dropped them without a word. Each UA
# event names the I_T nexus it was queued for: SESSION (one of the 40,
# by its /sys/kernel/ktgt/sessions id), DRIVER, TARGET and INITIATOR,
# with its LUN; no nexus gets it twice (the old code sent LUN, ASC and
# ASCQ only).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

trap 'ktgt_cleanup > /dev/null 2>&1' EXIT
t=iqn.2026-11.org.ktgt:nl-events-lost
N=30
S=40

ktgt_load ktgt_vdisk ktgt_iscsi
ktgt_mkdev vdisk_nullio/d1 size=$((1 << 20))
ktgt_mktarget "iscsi/$t"
ktgt_enable "iscsi/$t"

out=$(python3 - "$t" "$KTGT_CFS" "$N" "$S" <<'EOF' 2>&1
import errno, os, select, socket, struct, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl, attr, sattr, u16, parse
target, cfs, n, nsess = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
ini = "iqn.2026-11.org.ktgt:nl-lost"
hdr = open(os.environ["KTGT_REPO"] + "/include/uapi/ktgt/ktgt_nl.h").read()
EV_UA = 4
EV_LOST = 6 if "KTGT_NL_EV_LOST" in hdr else None
A_EVENT, A_ASC, A_ASCQ, A_COUNT = 1, 9, 10, 14
A_SESSION, A_DRIVER, A_TARGET, A_INITIATOR, A_LUN = 2, 3, 4, 5, 6

def fail(m):
    print("FAIL: " + m, flush=True)
    sys.exit(1)

def maplun(i):
    d = "%s/targets/iscsi/%s/luns/%d" % (cfs, target, i)
    os.mkdir(d)
    os.symlink(cfs + "/handlers/vdisk_nullio/d1", d + "/device")

for i in range(n):
    maplun(i)

# Sessions that see them: TCP connections handed over by hand.
g = Genl(os.environ["KTGT_REPO"])
A, CMD = g.A, g.CMD
lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(nsess)
keep = []
def u16a(k, v):
    return attr(A[k], struct.pack("=H", v))
def u32a(k, v):
    return attr(A[k], struct.pack("=I", v))
for i in range(nsess):
    c = socket.create_connection(lsn.getsockname())
    srv, _ = lsn.accept()
    keep += [c, srv]
    err, m = g.request(CMD["CONN_ADD"],
                       sattr(A["TARGET_NAME"], target) +
                       sattr(A["INITIATOR"], ini) +
                       attr(A["ISID"], struct.pack("=Q", 0x23d000000001 + i)) +
                       u16a("TSIH", 0) + u16a("CID", 0) +
                       u32a("FD", srv.fileno()) + u32a("STATSN", 0) +
                       u32a("EXP_CMDSN", 1))
    if err or not m:
        fail("CONN_ADD: %d" % err)
    tsih = u16(m[0][A["TSIH"]])
    err, _ = g.request(CMD["CONN_START"], u16a("TSIH", tsih) + u16a("CID", 0))
    if err:
        fail("CONN_START: %d" % err)

ev = Genl(os.environ["KTGT_REPO"], "ktgt").listener()
ev.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)     # SO_RCVBUFFORCE
time.sleep(1)
sids = set(int(d) for d in os.listdir("/sys/kernel/ktgt/sessions"))
if len(sids) != nsess:
    fail("%d sessions in /sys/kernel/ktgt/sessions, not %d" %
         (len(sids), nsess))
maplun(n)

def string(v):
    return v[0].rstrip(b"\0").decode()

rlc = lost = nlost = other = 0
nexuses = set()
end = time.time() + 5
while time.time() < end:
    r, _, _ = select.select([ev], [], [], 0.5)
    if not r:
        continue
    try:
        data = Genl.recv_msg(ev)
    except OSError as e:
        if e.errno == errno.ENOBUFS:
            fail("the listener's socket overflowed: no conclusion")
        raise
    a = parse(data[20:])
    typ = struct.unpack("=I", a[A_EVENT][0])[0]
    if typ == EV_UA and a[A_ASC][0] == b"\x3f" and a[A_ASCQ][0] == b"\x0e":
        rlc += 1
        if A_SESSION not in a or A_INITIATOR not in a:
            fail("a UA event without its session: attributes %s" %
                 sorted(a))
        sid = struct.unpack("=Q", a[A_SESSION][0][:8])[0]
        lun = struct.unpack("=Q", a[A_LUN][0][:8])[0]
        who = (string(a[A_DRIVER]), string(a[A_TARGET]),
               string(a[A_INITIATOR]))
        if sid not in sids or who != ("iscsi", target, ini):
            fail("UA event of session %d %s, not one of %s" %
                 (sid, who, ("iscsi", target, ini)))
        if (sid, lun) in nexuses:
            fail("two UA events for session %d LUN %d" % (sid, lun))
        nexuses.add((sid, lun))
    elif EV_LOST is not None and typ == EV_LOST:
        nlost += 1
        lost += struct.unpack("=I", a[A_COUNT][0][:4])[0]
    else:
        other += 1
want = nsess * (n + 1)
print("REPORTED LUNS DATA HAS CHANGED on %d nexuses: %d events received, "
      "%d reported lost in %d LOST events (%d other events); "
      "%d sessions named" %
      (want, rlc, lost, nlost, other, len(set(x for x, _ in nexuses))),
      flush=True)
for s in keep:
    s.close()
if rlc + lost < want:
    fail("%d of %d events missing, %d reported lost" %
         (want - rlc, want, lost))
print("EVENTS OK")
EOF
)
echo "$out"
grep -qx "EVENTS OK" <<< "$out" || fail "$(grep FAIL <<< "$out" | head -n 1)"

for ((i = 0; i < 100; i++)); do
	[ -z "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] && break
	sleep 0.1
done
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "" "sessions left"
pass
