#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# iSCSI names are case-insensitive (RFC 7143 4.2.7.1, RFC 3722: compared
# after the stringprep "iSCSI" profile lowers upper case):
# - a raw initiator (iscsi-probe.py hold --mode login) with InitiatorName
#   iqn.2026-11.org.KTGT:Case-Host asking for TargetName
#   iqn.2026-11.org.KTGT:CASE-T1 reaches target iqn.2026-11.org.ktgt:case-t1
#   in the masking group of iqn.2026-11.org.ktgt:case-host; the session
#   names the initiator in its normal form (lower case);
# - a login with iqn.2026-11.org.ktgt:case-HOST and the same ISID
#   reinstates that session: the first connection is closed, one session
#   is left;
# - a target created as iqn.2026-11.org.ktgt:Case-T2 is found by
#   iqn.2026-11.org.ktgt:case-t2 and keeps the name it was created with;
#   a second target iqn.2026-11.org.ktgt:CASE-T2 is refused;
# - SendTargets=<the target name in another case> answers that target;
# - persistent reservations (a raw initiator, tests/lib/iscsi_raw.py): a
#   registration made as iqn.2026-11.org.ktgt:PR-Host (ISID X) is the
#   registration of the nexus of iqn.2026-11.org.ktgt:pr-host (ISID X)
#   after a new login under that name: its REGISTER with the registered
#   key changes that key, and READ KEYS lists it alone.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap 'kill $HOLD_PIDS 2>/dev/null; iscsi_cleanup' EXIT
probe=$KTGT_REPO/tools/ktgt-iscsid/test/iscsi-probe.py
t1=iqn.2026-11.org.ktgt:case-t1
t2=iqn.2026-11.org.ktgt:Case-T2
t3=iqn.2026-11.org.ktgt:case-pr
host=iqn.2026-11.org.ktgt:case-host
HOLD_PIDS=

iscsi_tgt_setup
# The probe's sessions do not answer NOP-In pings: none are sent.
echo 0 > /sys/module/ktgt_iscsi/parameters/nop_interval ||
	fail "nop_interval"
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mkdisk d2 /tmp/d2.img 16M
iscsi_tgt_mkdisk d3 /tmp/d3.img 16M
iscsi_tgt_mktarget "$t1" 127.0.0.1
iscsi_tgt_maplun "$t1" 0 d1
# $host's group: LUN 5 only.
g=$(ktgt_iscsi_group "$t1" "$host")
ktgt_maplun "iscsi/$t1/groups/$g" 5 vdisk_fileio/d2
iscsi_tgt_enable "$t1"
iscsi_tgt_mktarget "$t2" 127.0.0.1
iscsi_tgt_maplun "$t2" 0 d2
iscsi_tgt_enable "$t2"
iscsi_tgt_mktarget "$t3" 127.0.0.1
iscsi_tgt_maplun "$t3" 0 d3
iscsi_tgt_enable "$t3"

# hold NAME ARGS...: the probe's "hold --mode login" in the background,
# output in /tmp/NAME.out, once it is ready; fails unless it logged in.
hold() {
	local name=$1 pid i
	shift
	python3 "$probe" "$@" hold --mode login --seconds 120 \
		> "/tmp/$name.out" 2>&1 &
	pid=$!
	HOLD_PIDS="$HOLD_PIDS $pid"
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "/tmp/$name.out" && break
		kill -0 "$pid" 2>/dev/null ||
			fail "$name: $(cat "/tmp/$name.out")"
		sleep 0.1
	done
	grep -q '^ready 1' "/tmp/$name.out" ||
		fail "$name: not logged in: $(cat "/tmp/$name.out")"
	log "$name: $(head -n1 "/tmp/$name.out")"
}

unhold() {
	local p
	for p in $HOLD_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOLD_PIDS=
}

# sess_of TARGET: the core's session directories of TARGET.
sess_of() {
	local s
	for s in "$KTGT_SYSFS"/sessions/*/; do
		[ -d "$s" ] || continue
		[ "$(cat "$s/target")" = "$1" ] && echo "${s%/}"
	done
}

# wait_sessions TARGET N: wait until TARGET has N sessions.
wait_sessions() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(sess_of "$1" | wc -l)" -eq "$2" ] && return 0
		sleep 0.1
	done
	fail "$1: $(sess_of "$1" | wc -l) session(s), expected $2"
}

# --- mixed-case names at login, masking ---
hold a --initiator iqn.2026-11.org.KTGT:Case-Host \
	--target iqn.2026-11.org.KTGT:CASE-T1 --isid 00023d000007
wait_sessions "$t1" 1
s=$(sess_of "$t1")
expect_eq "$(cat "$s/initiator")" "$host" "session's initiator name"
expect_eq "$(cat "$s/luns")" 5 "session's LUNs (the group of $host)"
ks=$(ls /sys/kernel/ktgt_iscsi/sessions/)
expect_eq "$(echo "$ks" | wc -w)" 1 "ktgt_iscsi sessions"
expect_eq "$(cat "/sys/kernel/ktgt_iscsi/sessions/$ks/initiator")" "$host" \
	"ktgt_iscsi session's initiator"

# --- reinstatement by the same name in another case, same ISID ---
hold b --initiator iqn.2026-11.org.ktgt:case-HOST --target "$t1" \
	--isid 00023d000007
for ((i = 0; i < 200; i++)); do
	grep -q '^closed 0' /tmp/a.out && break
	sleep 0.1
done
grep -q '^closed 0' /tmp/a.out ||
	fail "the session of iqn.2026-11.org.KTGT:Case-Host was not reinstated by iqn.2026-11.org.ktgt:case-HOST: $(cat /tmp/a.out)"
log "a: $(grep '^closed 0' /tmp/a.out)"
wait_sessions "$t1" 1
expect_eq "$(ls /sys/kernel/ktgt_iscsi/sessions/ | wc -w)" 1 \
	"ktgt_iscsi sessions after the reinstatement"
unhold
wait_sessions "$t1" 0

# --- a target created with upper case ---
hold c --initiator "$host" --target iqn.2026-11.org.ktgt:case-t2
wait_sessions "$t2" 1
unhold
wait_sessions "$t2" 0
mkdir "$KTGT_CFS/targets/iscsi/iqn.2026-11.org.ktgt:CASE-T2" 2>/dev/null &&
	fail "a second target iqn.2026-11.org.ktgt:CASE-T2 next to $t2"
[ -d "$KTGT_CFS/targets/iscsi/$t2" ] || fail "$t2 is gone"

# --- SendTargets with a target name in another case ---
out=$(python3 "$probe" --initiator "$host" sendtargets \
	--what iqn.2026-11.org.KTGT:Case-T1)
grep -qx "TargetName=$t1" <<< "$out" ||
	fail "SendTargets=iqn.2026-11.org.KTGT:Case-T1: $out"

# --- PR: registered as PR-Host, recognised for pr-host (same ISID) ---
out=$(python3 - "$t3" <<'EOF' 2>&1
import os, struct, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
import iscsi_raw
from iscsi_raw import Conn, tur_good, fail


def pr_out(c, sa, key, sark, typ, what):
    """PERSISTENT RESERVE OUT: its status (0 GOOD, 0x18 CONFLICT)."""
    cdb = bytes([0x5f, sa, typ, 0, 0, 0, 0, 0, 24, 0])
    par = struct.pack(">QQ", key, sark) + bytes(8)
    st, _, _, _ = c.response(c.scsi(cdb, 24, write=True, imm=par), what)
    return st


def read_keys(c, what):
    cdb = bytes([0x5e, 0, 0, 0, 0, 0, 0, 0, 64, 0])
    st, d, _, _ = c.response(c.scsi(cdb, 64, read=True), what)
    if st != 0:
        fail("%s: status %r" % (what, st))
    n = struct.unpack(">I", d[4:8])[0] // 8
    return [hex(struct.unpack(">Q", d[8 + 8 * i:16 + 8 * i])[0])
            for i in range(n)]


isid = 0x00023d0000a1
iscsi_raw.configure(sys.argv[1], "iqn.2026-11.org.ktgt:PR-Host")
a = Conn(isid)
a.login()
tur_good(a, "PR-Host: TUR")
st = pr_out(a, 0, 0, 0xa, 0, "PR-Host: REGISTER 0xa")
if st != 0:
    fail("PR-Host: REGISTER 0xa: status %r" % st)
st = pr_out(a, 1, 0xa, 0, 1, "PR-Host: RESERVE WE")
if st != 0:
    fail("PR-Host: RESERVE WE: status %r" % st)
a.logout()
iscsi_raw.configure(sys.argv[1], "iqn.2026-11.org.ktgt:pr-host")
b = Conn(isid)
b.login()
tur_good(b, "pr-host: TUR")
st = pr_out(b, 0, 0xa, 0xb, 0, "pr-host: REGISTER 0xa -> 0xb")
if st != 0:
    fail("pr-host: REGISTER with PR-Host's key 0xa -> 0xb: status 0x%02x"
         " (the nexus of pr-host is not the one PR-Host registered)" % st)
keys = read_keys(b, "pr-host: READ KEYS")
if keys != ["0xb"]:
    fail("READ KEYS: %s, expected 0xb alone" % keys)
st = pr_out(b, 3, 0xb, 0, 0, "pr-host: CLEAR")
if st != 0:
    fail("pr-host: CLEAR: status %r" % st)
b.logout()
print("PR-Host's registration and reservation are pr-host's")
EOF
) || fail "$out"
log "$out"
iscsi_tgt_wait_conns 0 20
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
