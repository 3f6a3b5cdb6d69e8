#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Netlink port ids are per network namespace, and the ktgt_iscsi family
# lives in the initial one. A generic netlink socket of another namespace
# that has the port id of the socket that added a connection (CONN_ADD),
# when it closes, must not drop that connection: the daemon's socket is
# still open, and its CONN_START must work. The NETLINK_URELEASE notifier
# did not look at the namespace, so any user who may make a network
# namespace (unshare -Urn, unprivileged where user namespaces are) and
# guesses the daemon's port id ended sessions in their login.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

trap 'ktgt_cleanup > /dev/null 2>&1' EXIT
t=iqn.2026-11.org.ktgt:nl-portid-netns

ktgt_load ktgt_vdisk ktgt_iscsi
ktgt_mkdev vdisk_nullio/d1 size=$((1 << 20))
ktgt_mktarget "iscsi/$t"
ktgt_maplun "iscsi/$t" 0 vdisk_nullio/d1
ktgt_enable "iscsi/$t"

out=$(python3 - "$t" <<'EOF' 2>&1
import os, socket, struct, subprocess, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl, attr, sattr, u16
target, ini = sys.argv[1], "iqn.2026-11.org.ktgt:nl-netns"

g = Genl(os.environ["KTGT_REPO"])
A, CMD = g.A, g.CMD

def fail(m):
    print("FAIL: " + m, flush=True)
    sys.exit(1)

def u16a(n, v):
    return attr(A[n], struct.pack("=H", v))

def u32a(n, v):
    return attr(A[n], struct.pack("=I", v))

lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(4)
c = socket.create_connection(lsn.getsockname())
srv, _ = lsn.accept()
a_sk = Genl.socket()
portid = a_sk.getsockname()[0]
a = (sattr(A["TARGET_NAME"], target) + sattr(A["INITIATOR"], ini) +
     attr(A["ISID"], struct.pack("=Q", 0x23d000000001)) + u16a("TSIH", 0) +
     u16a("CID", 0) + u32a("FD", srv.fileno()) + u32a("STATSN", 0) +
     u32a("EXP_CMDSN", 1))
err, m = g.request(CMD["CONN_ADD"], a, sk=a_sk)
if err or not m:
    fail("CONN_ADD: %d" % err)
tsih = u16(m[0][A["TSIH"]])

# The same port id in a new network namespace, bound and closed: by
# uid 65534 in its own user namespace where the kernel lets it, else
# by root.
py = ("import socket, sys\n"
      "s = socket.socket(16, 3, 16)\n"
      "s.bind((%d, 0))\n"
      "print('bound port id', s.getsockname()[0])\n"
      "s.close()\n" % portid)
for who, cmd in (("uid 65534", ["setpriv", "--reuid=65534", "--regid=65534",
                                "--clear-groups", "unshare", "-Urn"]),
                 ("root", ["unshare", "-n"])):
    r = subprocess.run(cmd + ["python3", "-c", py], capture_output=True,
                       text=True)
    print("other namespace, %s: %s%s" % (who, r.stdout.strip(),
                                         r.stderr.strip()), flush=True)
    if not r.returncode:
        break
else:
    fail("could not bind port id %d in a new namespace" % portid)
time.sleep(1)
alive = os.path.isdir("/sys/kernel/ktgt_iscsi/sessions/%d" % tsih)
err, _ = g.request(CMD["CONN_START"], u16a("TSIH", tsih) + u16a("CID", 0),
                   sk=a_sk)
print("session %d (port id %d): %s, CONN_START %d" %
      (tsih, portid, "alive" if alive else "gone", err), flush=True)
if not alive or err:
    fail("the other namespace's socket dropped session %d: CONN_START %d" %
         (tsih, err))
for s in (c, srv, a_sk):
    s.close()
print("NETNS OK")
EOF
)
echo "$out"
grep -qx "NETNS OK" <<< "$out" || fail "$(grep FAIL <<< "$out" | head -n 1)"

for ((i = 0; i < 100; i++)); do
	[ -z "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] && break
	sleep 0.1
done
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "" "sessions left"
pass
