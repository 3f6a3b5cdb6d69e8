#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# CONN_START from a raw netlink client (tests/lib/ktgt_genl.py), with
# TCP connections made over loopback instead of logins: only the netlink
# socket that did CONN_ADD may start its connection (-EPERM from
# another, for a connection of its own session as of another session's),
# an unknown session or CID gets -ENOENT, a second start -EALREADY; the
# right caller's start works, and the sessions end when their initiator
# side closes.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

trap 'ktgt_cleanup > /dev/null 2>&1' EXIT
t=iqn.2026-11.org.ktgt:nl-conn-start

ktgt_load ktgt_vdisk ktgt_iscsi
truncate -s 16M /tmp/d1.img || fail "truncate"
ktgt_mkdev vdisk_fileio/d1 filename=/tmp/d1.img
ktgt_mktarget "iscsi/$t"
ktgt_maplun "iscsi/$t" 0 vdisk_fileio/d1
ktgt_enable "iscsi/$t"

out=$(python3 - "$t" <<'EOF' 2>&1
import os, socket, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl
EPERM, ENOENT, EALREADY = 1, 2, 114
target, ini = sys.argv[1], "iqn.2026-11.org.ktgt:nl-raw"

g = Genl(os.environ["KTGT_REPO"])
a_sk, b_sk = Genl.socket(), Genl.socket()

def fail(m):
    print("FAIL: " + m)
    sys.exit(1)

lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(4)
keep = []

def conn_add(sk, isid):
    """A TCP connection handed over as a new session; its TSIH."""
    c = socket.create_connection(lsn.getsockname())
    srv, _ = lsn.accept()
    keep.extend([c, srv])
    err, tsih = g.conn_add(sk, target, ini, isid, srv.fileno())
    if err:
        fail("CONN_ADD: %d" % err)
    return tsih, c

def start(sk, tsih, cid, want, what):
    err = g.conn_start(sk, tsih, cid)
    print("%s: %d" % (what, err))
    if err != -want:
        fail("%s: %d, expected %d" % (what, err, -want))

t1, c1 = conn_add(a_sk, 0x23d000000001)
t2, c2 = conn_add(b_sk, 0x23d000000002)
print("TSIH %d (socket A), %d (socket B)" % (t1, t2))
start(b_sk, t1, 0, EPERM, "A's connection started from B")
start(a_sk, t2, 0, EPERM, "B's session's connection started from A")
start(a_sk, t1, 1, ENOENT, "unknown CID")
start(a_sk, 0xffff if t1 != 0xffff and t2 != 0xffff else 0xfffe, 0,
      ENOENT, "unknown TSIH")
start(a_sk, t1, 0, 0, "A's connection from A")
start(a_sk, t1, 0, EALREADY, "A's connection again")
start(b_sk, t2, 0, 0, "B's connection from B")
for s in keep:
    s.close()
print("CONN_START OK")
EOF
)
echo "$out"
grep -qx "CONN_START OK" <<< "$out" || fail "$(grep FAIL <<< "$out" | head -n 1)"

# Both sessions end once their initiator sockets are closed.
for ((i = 0; i < 100; i++)); do
	[ -z "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] && break
	sleep 0.1
done
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "" "sessions left"
pass
