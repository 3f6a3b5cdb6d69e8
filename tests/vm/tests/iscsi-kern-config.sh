#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt_iscsi's configuration: target names, portals/<addr>:<port> for IPv4
# and IPv6, the range checks of every negotiable default, CHAP attributes
# of targets and initiator groups (secrets root-only), and what the
# generic netlink family tells ktgt-iscsid about it (a small Python
# client): TARGET_LIST with portals, filtered by INITIATOR access,
# TARGET_GET's ACCESS and the CHAP credentials of the initiator's group or
# of the target, the defaults, the CONFIG event on a change. Then a
# target with a logged-in open-iscsi session is disabled: the session is
# ended (Async Message logout request, then closed) and the module
# unloads once the configuration is gone.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ktgt_load ktgt_vdisk ktgt_iscsi
T=$KTGT_CFS/targets/iscsi
IQN=iqn.2026-11.org.ktgt:kern-cfg
GI=iqn.2026-11.org.ktgt:grouped
D=$T/$IQN

expect_fail "a target name that is no iSCSI name" mkdir "$T/not-an-iqn"
run_ok "mkdir target" mkdir "$D"
[ -d "$D/portals" ] || fail "no portals/ directory"

for p in 192.0.2.1:3260 "[::1]:3260" 0.0.0.0:3261 "[2001:db8::5]:860"; do
	run_ok "portal $p" mkdir "$D/portals/$p"
done
for p in 192.0.2.1 1.2.3:3260 "[::1]3260" 192.0.2.1:0 192.0.2.1:70000 \
	 "[zz::1]:3260" ":3260" "192.0.2.1:32a0" "::1:3260"; do
	expect_fail "portal $p" mkdir "$D/portals/$p"
done

# attr NAME GOOD... -- BAD...: good values read back, bad ones refused
attr() {
	local name=$1 v
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		ktgt_write "$D/$name" "$1"
		shift
	done
	shift
	for v in "$@"; do
		ktgt_try_write "$D/$name" "$v" && fail "$name accepted '$v'"
	done
	return 0
}
attr MaxRecvDataSegmentLength 512 16777215 65536 -- 511 16777216 abc -1
attr MaxBurstLength 1048576 -- 511 16777216
attr FirstBurstLength 512 262144 -- 1048577 511
attr MaxBurstLength 262144 -- 262143
attr InitialR2T No -- maybe 2
attr ImmediateData Yes -- yes-please
attr MaxOutstandingR2T 1 8 -- 0 65536
attr MaxConnections 4 -- 0 65536
attr HeaderDigest None CRC32C "None,CRC32C" -- MD5 "CRC32C,MD5" ""
attr DataDigest "CRC32C,None" -- crc
attr DefaultTime2Wait 0 3600 5 -- 3601
attr DefaultTime2Retain 0 3600 30 -- 3601
attr queue_depth 1 32 -- 0 4097
attr tpgt 1 7 -- 0 65536
expect_eq "$(cat "$D/InitialR2T")" No "InitialR2T"
expect_eq "$(cat "$D/HeaderDigest")" "CRC32C,None" "HeaderDigest"
expect_eq "$(cat "$D/FirstBurstLength")" 262144 "FirstBurstLength"
expect_eq "$(cat "$D/tpgt")" 7 "tpgt"
ktgt_write "$D/alias" "config test"
expect_eq "$(cat "$D/alias")" "config test" "alias"

ktgt_write "$D/auth_user" tuser
ktgt_write "$D/auth_secret" tsecret-123456
expect_eq "$(stat -c %a "$D/auth_secret")" 600 "auth_secret mode"
expect_eq "$(stat -c %a "$D/auth_mutual_secret")" 600 "auth_mutual_secret mode"
ktgt_mkgroup "iscsi/$IQN" g1 "$GI"
for a in user secret mutual_user mutual_secret; do
	[ -e "$D/groups/g1/auth_$a" ] || fail "no groups/g1/auth_$a"
done
ktgt_write "$D/groups/g1/auth_user" guser
ktgt_write "$D/groups/g1/auth_secret" gsecret-123456
ktgt_write "$D/groups/g1/auth_mutual_user" gmuser
ktgt_write "$D/groups/g1/auth_mutual_secret" gmsecret-12345
expect_eq "$(cat "$D/groups/g1/auth_user")" guser "group auth_user"

truncate -s 16M /tmp/kcfg.img
ktgt_mkdev vdisk_fileio/kcfg0 filename=/tmp/kcfg.img serial=KCFG0
ktgt_maplun "iscsi/$IQN/groups/g1" 0 vdisk_fileio/kcfg0
ktgt_enable "iscsi/$IQN"

cat > /tmp/genl.py <<'EOF'
import os, select, struct, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl, parse, sattr, string as s, u16

G = Genl(os.environ["KTGT_REPO"])
A, CMD = G.A, G.CMD
IQN, GI = sys.argv[2], sys.argv[3]

def fail(m):
    print("FAIL: " + m)
    sys.exit(1)

def targets(initiator=None):
    a = sattr(A["INITIATOR"], initiator) if initiator else b""
    err, msgs = G.request(CMD["TARGET_LIST"], a, dump=True)
    if err:
        fail("TARGET_LIST: %d" % err)
    res = {}
    for msg in msgs:
        t = parse(msg[A["TARGET"]][0])
        portals = []
        for p in t.get(A["PORTAL"], []):
            pp = parse(p)
            portals.append("%s/%d/%d" % (s(pp[A["PORTAL_ADDR"]]),
                           u16(pp[A["PORTAL_PORT"]]),
                           u16(pp[A["PORTAL_TPGT"]])))
        res[s(t[A["TARGET_NAME"]])] = (s(t.get(A["TARGET_ALIAS"], [b""])), sorted(portals))
    return res

def get(initiator):
    err, msgs = G.request(CMD["TARGET_GET"],
                          sattr(A["TARGET_NAME"], IQN) + sattr(A["INITIATOR"], initiator))
    if err:
        fail("TARGET_GET: %d" % err)
    return msgs[0]

all_t = targets()
if IQN not in all_t:
    fail("TARGET_LIST misses %s: %r" % (IQN, all_t))
alias, portals = all_t[IQN]
want = sorted(["192.0.2.1/3260/7", "::1/3260/7", "0.0.0.0/3261/7", "2001:db8::5/860/7"])
if alias != "config test" or portals != want:
    fail("TARGET_LIST entry: %r %r" % (alias, portals))
if IQN in targets("iqn.2026-11.org.ktgt:nobody"):
    fail("TARGET_LIST for an initiator without access lists the target")
if IQN not in targets(GI):
    fail("TARGET_LIST for the group's initiator misses the target")

g = get(GI)
if g[A["ACCESS"]][0][0] != 1:
    fail("group initiator: ACCESS 0")
if s(g[A["AUTH_USER"]]) != "guser" or s(g[A["AUTH_SECRET"]]) != "gsecret-123456" or \
   s(g[A["AUTH_MUTUAL_USER"]]) != "gmuser":
    fail("group initiator: wrong CHAP credentials")
if struct.unpack("=I", g[A["P_FIRST_BURST"]][0])[0] != 262144 or \
   g[A["P_INITIAL_R2T"]][0][0] != 0 or g[A["P_HEADER_DIGEST"]][0][0] != 3 or \
   struct.unpack("=I", g[A["P_QUEUE_DEPTH"]][0])[0] != 32:
    fail("TARGET_GET defaults")
n = get("iqn.2026-11.org.ktgt:nobody")
if n[A["ACCESS"]][0][0] != 0 or A["AUTH_USER"] in n:
    fail("initiator without access: ACCESS %d" % n[A["ACCESS"]][0][0])
err, _ = G.request(CMD["TARGET_GET"], sattr(A["TARGET_NAME"], "iqn.2026-11.org.ktgt:none") +
                   sattr(A["INITIATOR"], GI))
if err != -2:
    fail("TARGET_GET of an unknown target: %d" % err)

# CONFIG event on an attribute change
ev = G.listener("events")
with open(sys.argv[4] + "/MaxConnections", "w") as f:
    f.write("2\n")
r, _, _ = select.select([ev], [], [], 5)
if not r:
    fail("no CONFIG event")
data = ev.recv(65536)
msg = parse(data[20:])
if struct.unpack("=I", msg[A["EVENT_TYPE"]][0])[0] != 1 or s(msg[A["TARGET_NAME"]]) != IQN:
    fail("event: %r" % msg)
print("NETLINK OK")
EOF
out=$(python3 /tmp/genl.py "$KTGT_REPO/include/uapi/ktgt/ktgt_iscsi.h" "$IQN" "$GI" "$D" 2>&1)
echo "$out"
echo "$out" | grep -q "^NETLINK OK$" || fail "netlink: $(echo "$out" | tail -n 3)"

# The target's default LUN set gives every other initiator access, with
# the target's CHAP credentials.
ktgt_maplun "iscsi/$IQN" 0 vdisk_fileio/kcfg0

# Disable with a session: it is closed.
ktgt_write "$D/auth_user" ""
ktgt_write "$D/HeaderDigest" None
ktgt_write "$D/DataDigest" None
ktgt_write "$D/InitialR2T" Yes
rmdir "$D/portals/"* || fail "rmdir portals"
run_ok "portal 127.0.0.1:3260" mkdir "$D/portals/127.0.0.1:3260"
ktgt_iscsid_start
iscsi_ini_start
P=$(iscsi_portal 127.0.0.1)
iscsi_node_new "$IQN" "$P"
iscsi_login "$IQN" "$P"
dev=$(iscsi_wait_lun "$IQN" 0)
[ -b "$dev" ] || fail "no disk"
[ -n "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] || fail "no session"
ktgt_write "$D/enable" 0
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/)" "" "sessions after disable"
dmesg | grep -q "ktgt_iscsi: session .* closed" || fail "no close message"
iscsi_ini_stop
ktgt_iscsid_stop
rmdir "$D/portals/"* || fail "rmdir portals"
ktgt_cleanup
run_ok "rmmod" rmmod ktgt_iscsi
pass "configfs, netlink, disable"
