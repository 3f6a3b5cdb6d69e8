#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# A connection added to a live session (CONN_ADD with its TSIH) but never
# started is dropped alone: when the netlink socket that added it closes
# (ktgt-iscsid's login thread ends after the final Login Response could
# not be written) and when it is not started within 15 s. The session,
# its started connection and that connection's TCP stream stay; the
# event is CONN_DOWN of that CID with the reason, no SESSION_DOWN. A
# leading connection that is never started still ends its session.
# Both used to close the whole session (ERL 0 failure of a connection),
# so an initiator's failed login of an extra connection ended the
# session it was joining, with its commands.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

trap 'ktgt_cleanup > /dev/null 2>&1' EXIT
t=iqn.2026-11.org.ktgt:nl-conn-drop

ktgt_load ktgt_vdisk ktgt_iscsi
ktgt_mkdev vdisk_nullio/d1 size=$((1 << 20))
ktgt_mktarget "iscsi/$t"
ktgt_maplun "iscsi/$t" 0 vdisk_nullio/d1
ktgt_write "$KTGT_CFS/targets/iscsi/$t/MaxConnections" 4
ktgt_enable "iscsi/$t"

out=$(python3 - "$t" <<'EOF' 2>&1
import os, select, socket, struct, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl, u16, parse
ECONNABORTED, ETIMEDOUT = 103, 110
target, ini = sys.argv[1], "iqn.2026-11.org.ktgt:nl-drop"
SYS = "/sys/kernel/ktgt_iscsi/sessions/"

g = Genl(os.environ["KTGT_REPO"])
A = g.A
ev = g.listener()
ev.setblocking(False)

def fail(m):
    print("FAIL: " + m, flush=True)
    sys.exit(1)

lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(8)
keep = []

def conn_add(sk, isid, tsih, cid):
    """A TCP connection handed over; (TSIH, initiator side)."""
    c = socket.create_connection(lsn.getsockname())
    srv, _ = lsn.accept()
    keep.append(srv)
    err, tsih = g.conn_add(sk, target, ini, isid, srv.fileno(), tsih, cid,
                           g.u32a("P_MAX_CONNECTIONS", 4))
    if err:
        fail("CONN_ADD tsih %d cid %d: %d" % (tsih, cid, err))
    return tsih, c

def start(sk, tsih, cid):
    err = g.conn_start(sk, tsih, cid)
    if err:
        fail("CONN_START tsih %d cid %d: %d" % (tsih, cid, err))

def events(secs):
    """The events of the next SECS seconds: (type, TSIH, CID, REASON)."""
    out, end = [], time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([ev], [], [], max(0, end - time.time()))
        if not r:
            continue
        data = Genl.recv_msg(ev)
        a = parse(data[20:])
        typ = struct.unpack("=I", a[A["EVENT_TYPE"]][0])[0]
        tsih = u16(a[A["TSIH"]]) if A["TSIH"] in a else None
        cid = u16(a[A["CID"]]) if A["CID"] in a else None
        rs = struct.unpack("=i", a[A["REASON"]][0])[0] \
            if A["REASON"] in a else None
        out.append((typ, tsih, cid, rs))
    return out

def conns(tsih):
    try:
        with open(SYS + "%d/connections" % tsih) as f:
            return sorted(int(l.split()[1]) for l in f if l.startswith("CID"))
    except FileNotFoundError:
        return None

def open_stream(c):
    """The initiator side did not see its connection closed."""
    c.setblocking(False)
    try:
        while True:
            if not c.recv(4096):
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False

SESSION_DOWN, CONN_DOWN = 3, 5
a_sk = Genl.socket()
tsih, c0 = conn_add(a_sk, 0x23d000000001, 0, 0)
start(a_sk, tsih, 0)
events(0.5)

# 1. CID 1 added through another netlink socket, which then closes.
b_sk = Genl.socket()
conn_add(b_sk, 0x23d000000001, tsih, 1)
print("session %d: %s" % (tsih, conns(tsih)), flush=True)
b_sk.close()
evs = events(3)
print("after the adding socket closed: connections %s, events %s" %
      (conns(tsih), evs), flush=True)
if conns(tsih) != [0]:
    fail("session %d after CID 1's socket closed: connections %s" %
         (tsih, conns(tsih)))
if not open_stream(c0):
    fail("CID 0's TCP connection was closed")
if (CONN_DOWN, tsih, 1, -ECONNABORTED) not in evs or \
        any(e[0] == SESSION_DOWN for e in evs):
    fail("events %s" % evs)

# 2. CID 2 added and never started.
conn_add(a_sk, 0x23d000000001, tsih, 2)
evs = events(18)
print("after the start timeout: connections %s, events %s" %
      (conns(tsih), evs), flush=True)
if conns(tsih) != [0]:
    fail("session %d after CID 2's start timeout: connections %s" %
         (tsih, conns(tsih)))
if not open_stream(c0):
    fail("CID 0's TCP connection was closed")
if (CONN_DOWN, tsih, 2, -ETIMEDOUT) not in evs or \
        any(e[0] == SESSION_DOWN for e in evs):
    fail("events %s" % evs)

# 3. A leading connection never started ends its session.
c_sk = Genl.socket()
t2, _ = conn_add(c_sk, 0x23d000000002, 0, 0)
c_sk.close()
evs = events(3)
print("leading connection's socket closed: session %d %s, events %s" %
      (t2, conns(t2), evs), flush=True)
if conns(t2) is not None or (SESSION_DOWN, t2, None, -ECONNABORTED) not in evs:
    fail("session %d not ended with its unstarted leading connection" % t2)
for s in keep + [c0]:
    s.close()
print("DROP OK")
EOF
)
echo "$out"
grep -qx "DROP OK" <<< "$out" || fail "$(grep FAIL <<< "$out" | head -n 1)"

for ((i = 0; i < 100; i++)); do
	[ -z "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] && break
	sleep 0.1
done
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "" "sessions left"
pass
