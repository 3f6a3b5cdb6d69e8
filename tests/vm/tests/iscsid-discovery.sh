#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt-iscsid's discovery sessions (SendTargets=All) through open-iscsi's
# iscsiadm and libiscsi's iscsi-ls, over IPv4 and IPv6: every portal of
# every target the initiator may access is listed as ip:port,tpgt (IPv6
# in brackets, a wildcard portal as the address the initiator connected
# to); a target open to another initiator only, and a disabled target,
# are not; a portal added while the daemon runs is listened on (CONFIG
# event) and one removed is closed; SIGHUP re-reads the portals; SIGTERM
# stops the daemon cleanly and removes its pid file.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap iscsi_cleanup EXIT
ini=$ISCSI_INI_NAME
other=iqn.2026-11.org.ktgt:other-initiator
t1=iqn.2026-11.org.ktgt:disc-t1
t2=iqn.2026-11.org.ktgt:disc-t2
t3=iqn.2026-11.org.ktgt:disc-t3
t4=iqn.2026-11.org.ktgt:disc-t4

iscsi_tgt_setup
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mkdisk d2 /tmp/d2.img 16M
# t1: everyone, IPv4 and IPv6; t2: only $other; t3: disabled.
iscsi_tgt_mktarget "$t1" 127.0.0.1 ::1
iscsi_tgt_maplun "$t1" 0 d1
iscsi_tgt_enable "$t1"
iscsi_tgt_mktarget "$t2" 127.0.0.1
iscsi_tgt_maplun "$t2" 0 d2 "$other"
iscsi_tgt_enable "$t2"
iscsi_tgt_mktarget "$t3" 127.0.0.1
iscsi_tgt_maplun "$t3" 0 d1
tpgt1=$(cat "$KTGT_CFS/targets/iscsi/$t1/tpgt")
tpgt2=$(cat "$KTGT_CFS/targets/iscsi/$t2/tpgt")
log "tpgt of t1 $tpgt1, of t2 $tpgt2"

iscsi_ini_start "$ini"
iscsi_ini_iface other "$other"

# ktgt-iscsid learns the portals through a CONFIG event or its retry.
wait_listen() {
	local i
	for ((i = 0; i < 100; i++)); do
		ss -Hltn "( sport = :$2 )" | grep -qF "$1:$2" && return 0
		sleep 0.1
	done
	fail "ktgt-iscsid does not listen on $1:$2: $(ss -ltn)"
}
wait_listen 127.0.0.1 3260
wait_listen '[::1]' 3260

out=$(iscsi_discover 127.0.0.1:3260)
log "discovery from $ini at 127.0.0.1: $out"
grep -qxF "127.0.0.1:3260,$tpgt1 $t1" <<< "$out" || fail "t1 IPv4 portal missing"
grep -qxF "[::1]:3260,$tpgt1 $t1" <<< "$out" || fail "t1 IPv6 portal missing"
grep -qF "$t2" <<< "$out" && fail "t2 (another initiator's) listed"
grep -qF "$t3" <<< "$out" && fail "t3 (disabled) listed"
expect_eq "$(wc -l <<< "$out")" 2 "lines of discovery output"

out=$(iscsi_discover '[::1]:3260')
log "discovery at [::1]: $out"
grep -qxF "[::1]:3260,$tpgt1 $t1" <<< "$out" || fail "IPv6 discovery: t1"

out=$(iscsi_discover 127.0.0.1:3260 other)
log "discovery from $other: $out"
grep -qxF "127.0.0.1:3260,$tpgt2 $t2" <<< "$out" || fail "t2 not shown to $other"
grep -qF "$t3" <<< "$out" && fail "t3 (disabled) listed to $other"

# A second initiator implementation: libiscsi.
out=$(iscsi-ls -i "$ini" iscsi://127.0.0.1:3260 2>&1) || fail "iscsi-ls: $out"
log "iscsi-ls: $out"
grep -qF "Target:$t1 Portal:127.0.0.1:3260,$tpgt1" <<< "$out" ||
	fail "iscsi-ls does not list t1"
grep -qF "$t2" <<< "$out" && fail "iscsi-ls lists t2"

# Enabling t3 lists it (CONFIG event); a new wildcard portal on another
# port is listened on and named by the address connected to.
iscsi_tgt_enable "$t3"
iscsi_tgt_mktarget "$t4"
mkdir "$KTGT_CFS/targets/iscsi/$t4/portals/0.0.0.0:3262" ||
	fail "wildcard portal"
iscsi_tgt_maplun "$t4" 0 d1
iscsi_tgt_enable "$t4"
wait_listen 0.0.0.0 3262
out=$(iscsi_discover 127.0.0.1:3262)
log "discovery at 127.0.0.1:3262: $out"
grep -qxF "127.0.0.1:3260,$(cat "$KTGT_CFS/targets/iscsi/$t3/tpgt") $t3" <<< "$out" ||
	fail "t3 not listed once enabled"
grep -qxF "127.0.0.1:3262,$(cat "$KTGT_CFS/targets/iscsi/$t4/tpgt") $t4" <<< "$out" ||
	fail "t4's wildcard portal not named 127.0.0.1:3262"

# Removing the portal closes the listener.
iscsi_tgt_enable "$t4" 0
rmdir "$KTGT_CFS/targets/iscsi/$t4/portals/0.0.0.0:3262" ||
	fail "rmdir wildcard portal"
for ((i = 0; i < 100; i++)); do
	ss -Hltn '( sport = :3262 )' | grep -q . || break
	sleep 0.1
done
ss -Hltn '( sport = :3262 )' | grep -q . && fail "still listening on :3262"
iscsi_try_discover 127.0.0.1:3262 && fail "discovery at a removed portal"

# SIGHUP re-reads; the daemon keeps serving.
kill -HUP "$KTGT_ISCSID_PID" || fail "SIGHUP"
sleep 0.5
out=$(iscsi_discover 127.0.0.1:3260)
grep -qxF "127.0.0.1:3260,$tpgt1 $t1" <<< "$out" || fail "discovery after SIGHUP"

# Garbage instead of a login: the daemon drops it and keeps serving.
exec 3<> /dev/tcp/127.0.0.1/3260 || fail "connect to 127.0.0.1:3260"
head -c 4096 /dev/urandom >&3
exec 3>&-
out=$(iscsi_discover 127.0.0.1:3260)
grep -qxF "127.0.0.1:3260,$tpgt1 $t1" <<< "$out" || fail "discovery after garbage"

# SIGTERM: clean exit, pid file removed.
ktgt_iscsid_stop
"$KTGT_ISCSID" -f -p /tmp/iscsid.pid > "$ISCSI_LOG/pidfile.log" 2>&1 &
pid=$!
for ((i = 0; i < 50; i++)); do
	[ -s /tmp/iscsid.pid ] && break
	sleep 0.1
done
expect_eq "$(cat /tmp/iscsid.pid)" "$pid" "pid file"
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "exit status after SIGTERM"
[ -e /tmp/iscsid.pid ] && fail "pid file left behind"

cat "$ISCSI_LOG/ktgt-iscsid.log"
pass
