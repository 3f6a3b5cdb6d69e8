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
import os, socket, subprocess, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl
target, ini = sys.argv[1], "iqn.2026-11.org.ktgt:nl-netns"

g = Genl(os.environ["KTGT_REPO"])

def fail(m):
    print("FAIL: " + m, flush=True)
    sys.exit(1)

lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(4)
c = socket.create_connection(lsn.getsockname())
srv, _ = lsn.accept()
a_sk = Genl.socket()
portid = a_sk.getsockname()[0]
err, tsih = g.conn_add(a_sk, target, ini, 0x23d000000001, srv.fileno())
if err:
    fail("CONN_ADD: %d" % err)

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
err = g.conn_start(a_sk, tsih, 0)
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
