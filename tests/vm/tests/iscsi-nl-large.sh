#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# The ktgt_iscsi netlink replies of targets too big for one page:
#   - a target with 48 IPv6 portals (full-length addresses), a 255-byte
#     alias and CHAP credentials: its TARGET_GET reply is over a page,
#     yet open-iscsi logs in to it with CHAP, on its last portal, and
#     SendTargets discovery lists each of its portals.
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
	grep -qxF "[$addr]:$((3260 + i)),$tpgt $big" <<< "$out" ||
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

pass
