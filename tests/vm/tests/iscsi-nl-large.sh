#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# The ktgt_iscsi netlink replies of targets too big for one page:
#   - a target with 48 IPv6 portals (full-length addresses), a 255-byte
#     alias and CHAP credentials: its TARGET_GET reply is over a page,
#     yet open-iscsi logs in to it with CHAP, on its last portal, and
#     SendTargets discovery lists each of its portals;
#   - grown to 62 portals, its TARGET_LIST message is over a page: a
#     raw netlink client (tests/lib/ktgt_genl.py, reading each message
#     at its own length) gets it whole in the dump, with the target
#     after it, and discovery lists all 62 portals;
#   - 150 more targets with 223-byte names: TARGET_LIST and discovery
#     list every one;
#   - targets removed from the front of the list while TARGET_LIST is
#     dumped over and over in skbs of a page: a dump the change falls
#     in is flagged NLM_F_DUMP_INTR, and every dump not flagged lists
#     every enabled target;
#   - grown to 70 portals, ktgt-iscsid logs that it serves the first
#     64 only.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap iscsi_cleanup EXIT
ini=$ISCSI_INI_NAME
big=iqn.2026-11.org.ktgt:nl-large-many-portals-and-chap
addr=2001:db8:1111:2222:3333:4444:5555:6666
nportals=48
user=$(printf 'u%.0s' $(seq 1 200))
secret=$(printf 's%.0s' $(seq 1 100))

run_ok "address $addr" ip -6 addr add "$addr/128" dev lo nodad

# has_line TEXT LINE: TEXT has LINE as a whole line (grep -qxF, without
# a process per check: the checks below are hundreds).
has_line() {
	[[ $'\n'$1$'\n' == *$'\n'"$2"$'\n'* ]]
}

iscsi_tgt_setup
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mktarget "$big"
for ((i = 0; i < nportals; i++)); do
	mkdir "$KTGT_CFS/targets/iscsi/$big/portals/[$addr]:$((3260 + i))" ||
		fail "portal $i"
done
ktgt_write "$KTGT_CFS/targets/iscsi/$big/alias" "$(printf 'a%.0s' $(seq 1 255))"
iscsi_tgt_maplun "$big" 0 d1
iscsi_tgt_chap "$big" "" "$user" "$secret"
iscsi_tgt_enable "$big"
tpgt=$(cat "$KTGT_CFS/targets/iscsi/$big/tpgt")

iscsi_ini_start "$ini"

# Discovery: every portal.
out=$(iscsi_discover "[$addr]:3260")
for ((i = 0; i < nportals; i++)); do
	has_line "$out" "[$addr]:$((3260 + i)),$tpgt $big" ||
		fail "discovery: portal $i missing: $(wc -l <<< "$out") line(s)"
done
expect_eq "$(wc -l <<< "$out")" "$nportals" "lines of discovery output"

# Login with CHAP on the last portal: TARGET_GET must answer.
P="[$addr]:$((3260 + nportals - 1))"
iscsi_node_chap "$big" "$P" "$user" "$secret"
iscsi_try_login "$big" "$P" ||
	fail "login to $big at $P: $(tail -n 3 "$ISCSI_LOG/login.out"); ktgt-iscsid: $(tail -n 3 "$ISCSI_LOG/ktgt-iscsid.log")"
dev=$(iscsi_wait_lun "$big" 0)
[ -b "$dev" ] || fail "no disk after login"
iscsi_logout "$big" "$P"

# list WANT: TARGET_LIST through the raw client; checks that $big is
# there with all its portals and that WANT targets are listed.
list() {
	python3 - "$big" "$addr" "$nportals" "$1" <<'EOF' 2>&1
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl, parse, string, u16
big, addr = sys.argv[1], sys.argv[2]
nportals, want = int(sys.argv[3]), int(sys.argv[4])
g = Genl(os.environ["KTGT_REPO"])
A = g.A
err, msgs = g.request(g.CMD["TARGET_LIST"], b"", dump=True, sk=Genl.socket())
names = {}
for m in msgs:
    t = parse(m[A["TARGET"]][0])
    names[string(t[A["TARGET_NAME"]])] = sorted(
        (string(parse(p)[A["PORTAL_ADDR"]]), u16(parse(p)[A["PORTAL_PORT"]]))
        for p in t.get(A["PORTAL"], []))
print("TARGET_LIST: error %d, %d target(s)" % (err, len(names)))
if err:
    sys.exit(1)
if big not in names:
    print("FAIL: %s not listed" % big)
elif names[big] != sorted((addr, 3260 + i) for i in range(nportals)):
    print("FAIL: %s: %d portal(s)" % (big, len(names[big])))
elif len(names) != want:
    print("FAIL: %d target(s) listed, not %d" % (len(names), want))
else:
    print("LIST OK")
EOF
}

# discover WANT_LINES: discovery lists every portal of $big, and
# WANT_LINES lines in all.
discover() {
	local out i
	out=$(iscsi_discover "[$addr]:3260")
	for ((i = 0; i < nportals; i++)); do
		has_line "$out" "[$addr]:$((3260 + i)),$tpgt $big" ||
			fail "discovery: portal $i missing: $(wc -l <<< "$out") line(s)"
	done
	expect_eq "$(wc -l <<< "$out")" "$1" "lines of discovery output"
	echo "$out"
}

# A second target after $big: the dump must not end at $big.
small=iqn.2026-11.org.ktgt:nl-large-after
iscsi_tgt_mktarget "$small" 127.0.0.1
iscsi_tgt_maplun "$small" 0 d1
iscsi_tgt_enable "$small"
for ((i = nportals; i < 62; i++)); do
	mkdir "$KTGT_CFS/targets/iscsi/$big/portals/[$addr]:$((3260 + i))" ||
		fail "portal $i"
done
nportals=62
out=$(list 2)
log "$out"
grep -qx "LIST OK" <<< "$out" ||
	fail "TARGET_LIST with a target over a page: $(tail -n 1 <<< "$out")"
# ktgt-iscsid listens on the new portals (CONFIG event).
for ((i = 0; i < 100; i++)); do
	[ "$(ss -Hltn | grep -cF "[$addr]:")" -ge "$nportals" ] && break
	sleep 0.1
done
out=$(discover $((nportals + 1))) || exit 1
grep -qxF "127.0.0.1:3260,$(cat "$KTGT_CFS/targets/iscsi/$small/tpgt") $small" <<< "$out" ||
	fail "discovery: $small missing"

# Disabled targets before the many: removed during dumps below.
churn=()
for ((n = 0; n < 30; n++)); do
	churn+=("iqn.2026-11.org.ktgt:nl-large-churn-$n")
	ktgt_mktarget "iscsi/${churn[n]}"
done

# Many targets with the longest names.
prefix=iqn.2026-11.org.ktgt:
pad=$(printf 'n%.0s' $(seq 1 $((223 - ${#prefix} - 4))))
for ((n = 0; n < 150; n++)); do
	printf -v t '%s%s-%03d' "$prefix" "$pad" "$n"
	ktgt_mktarget "iscsi/$t"
	mkdir "$KTGT_CFS/targets/iscsi/$t/portals/127.0.0.1:3260" ||
		fail "portal of $t"
	ktgt_maplun "iscsi/$t" 0 vdisk_fileio/d1
	ktgt_enable "iscsi/$t"
done
expect_eq "${#t}" 223 "length of a long target name"
out=$(list 152)
log "$out"
grep -qx "LIST OK" <<< "$out" ||
	fail "TARGET_LIST of 152 targets: $(tail -n 1 <<< "$out")"
out=$(discover $((nportals + 151))) || exit 1
for ((n = 0; n < 150; n++)); do
	printf -v t '%s-%03d' "$pad" "$n"
	[[ $out == *"$t"* ]] ||
		fail "discovery: long target $n missing"
done

# Dumps while the list changes before their cursor.
rm -f /tmp/dump.stop
python3 - 152 > /tmp/dump.out 2>&1 <<'EOF' &
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl
want = int(sys.argv[1])
g = Genl(os.environ["KTGT_REPO"])
dumps = intr = bad = 0
while not os.path.exists("/tmp/dump.stop") or dumps < 3:
    err, msgs = g.request(g.CMD["TARGET_LIST"], b"", dump=True, sk=Genl.socket())
    dumps += 1
    if err:
        print("error %d" % err)
        bad += 1
    elif g.intr:
        intr += 1
    elif len(msgs) != want:
        print("dump %d: %d target(s), not flagged" % (dumps, len(msgs)))
        bad += 1
print("dumps %d interrupted %d bad %d" % (dumps, intr, bad))
EOF
dumper=$!
sleep 1
for c in "${churn[@]}"; do
	rmdir "$KTGT_CFS/targets/iscsi/$c" || fail "rmdir $c"
	sleep 0.1
done
touch /tmp/dump.stop
wait "$dumper"
out=$(cat /tmp/dump.out)
log "$(tail -n 1 <<< "$out")"
grep -q "^dumps .* bad 0$" <<< "$out" ||
	fail "TARGET_LIST while targets are removed: $(head -n 3 <<< "$out")"
grep -q "^dumps .* interrupted 0 " <<< "$out" &&
	fail "no dump was interrupted: the test did not test"

# Beyond ktgt-iscsid's 64 portals of a target: not silently.
for ((i = nportals; i < 70; i++)); do
	mkdir "$KTGT_CFS/targets/iscsi/$big/portals/[$addr]:$((3260 + i))" ||
		fail "portal $i"
done
for ((i = 0; i < 100; i++)); do
	grep -qF "target $big: 70 portals, only the first 64" \
		"$ISCSI_LOG/ktgt-iscsid.log" && break
	sleep 0.1
done
[ $i -lt 100 ] ||
	fail "portals beyond 64 dropped without a word: $(tail -n 3 "$ISCSI_LOG/ktgt-iscsid.log")"

pass
