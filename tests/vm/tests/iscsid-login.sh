#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# ktgt-iscsid's login phase with open-iscsi: a login without CHAP reaches
# the full-feature phase (the LUN appears as a disk and reads back what
# was written), also with CRC32C header and data digests; one-way CHAP with each CHAP_A (MD5, SHA1, SHA-256,
# SHA3-256) and mutual CHAP succeed; a wrong secret fails with status
# 0201, an initiator the target does not admit with 0202, an unknown
# target with 0203; an initiator that wants mutual CHAP from a target
# without mutual credentials fails, and so does one that checks our
# mutual answer with another secret; libiscsi logs in with CHAP too.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap iscsi_cleanup EXIT
ini=$ISCSI_INI_NAME
stranger=iqn.2026-11.org.ktgt:stranger
open=iqn.2026-11.org.ktgt:login-open
chap=iqn.2026-11.org.ktgt:login-chap
closed=iqn.2026-11.org.ktgt:login-closed
p=127.0.0.1:3260
dlog=$ISCSI_LOG/ktgt-iscsid.log

iscsi_tgt_setup
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mkdisk d2 /tmp/d2.img 16M
iscsi_tgt_mkdisk d3 /tmp/d3.img 16M
iscsi_tgt_mktarget "$open" 127.0.0.1
iscsi_tgt_maplun "$open" 0 d1
iscsi_tgt_enable "$open"
# CHAP for $ini (its group), mutual credentials too.
iscsi_tgt_mktarget "$chap" 127.0.0.1
iscsi_tgt_maplun "$chap" 0 d2 "$ini"
iscsi_tgt_chap "$chap" "$ini" inuser insecret-12345 outuser outsecret-6789
iscsi_tgt_enable "$chap"
# Only $stranger may log in to $closed.
iscsi_tgt_mktarget "$closed" 127.0.0.1
iscsi_tgt_maplun "$closed" 0 d3 "$stranger"
iscsi_tgt_enable "$closed"

iscsi_ini_start "$ini"
for ((i = 0; i < 100; i++)); do
	ss -Hltn "( sport = :3260 )" | grep -q . && break
	sleep 0.1
done

# expect_status WHAT STATUS: the daemon's last failure has STATUS.
expect_status() {
	local line
	line=$(grep 'login of .* failed' "$dlog" | tail -n1)
	grep -q "status $2" <<< "$line" ||
		fail "$1: expected login status $2, daemon says: '$line'"
	log "$1: $line"
}

# No CHAP: to the full-feature phase and a disk.
iscsi_discover "$p" > /dev/null
iscsi_login "$open" "$p"
dev=$(iscsi_wait_lun "$open" 0)
log "$open LUN 0 is $dev"
head -c 1M /dev/urandom > /tmp/pattern
dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none || fail "write $dev"
expect_eq "$(iscsi_sum "$dev" 1)" "$(sha256sum < /tmp/pattern | cut -d' ' -f1)" \
	"data read back through the session"
grep -q "logged in to $open (tsih [0-9]* cid 0, auth None)" "$dlog" ||
	fail "daemon did not log the login to $open"
iscsi_logout "$open" "$p"

# Header and data digests negotiated for the kernel's connection.
iscsi_node_digests "$open" "$p" CRC32C CRC32C
iscsi_login "$open" "$p"
dev=$(iscsi_wait_lun "$open" 0)
expect_eq "$(iscsi_sum "$dev" 1)" "$(sha256sum < /tmp/pattern | cut -d' ' -f1)" \
	"data read back with digests"
grep "logged in to $open" "$dlog" | tail -n1 |
	grep -q "header digest, data digest" || fail "digests not negotiated"
iscsi_logout "$open" "$p"

# One-way CHAP with each algorithm.
iscsi_node_new "$chap" "$p"
for alg in MD5 SHA1 SHA256 SHA3-256; do
	case $alg in
	MD5) a=5 ;; SHA1) a=6 ;; SHA256) a=7 ;; SHA3-256) a=8 ;;
	esac
	iscsi_node_chap "$chap" "$p" inuser insecret-12345
	iscsi_node_set "$chap" "$p" node.session.auth.chap_algs="$alg"
	iscsi_login "$chap" "$p"
	iscsi_wait_lun "$chap" 0 > /dev/null
	grep "logged in to $chap" "$dlog" | tail -n1 |
		grep -q "auth CHAP_A=$a " || fail "CHAP_A=$a not used for $alg"
	iscsi_logout "$chap" "$p"
done
log "one-way CHAP with MD5, SHA1, SHA-256 and SHA3-256"

# Mutual CHAP.
iscsi_node_set "$chap" "$p" node.session.auth.chap_algs=SHA256,MD5
iscsi_node_chap "$chap" "$p" inuser insecret-12345 outuser outsecret-6789
iscsi_login "$chap" "$p"
iscsi_wait_lun "$chap" 0 > /dev/null
grep "logged in to $chap" "$dlog" | tail -n1 | grep -q "CHAP_A=7 (SHA-256) mutual" ||
	fail "mutual CHAP not logged"
iscsi_logout "$chap" "$p"

# The initiator checks our answer with another secret: it must refuse.
iscsi_node_chap "$chap" "$p" inuser insecret-12345 outuser wrong-secret-1
iscsi_try_login "$chap" "$p" && fail "login with a wrong mutual secret succeeded"
expect_eq "$(iscsi_session_count "$chap")" 0 "sessions after a bad mutual answer"

# Wrong secret, wrong user, no CHAP at all: 0201.
iscsi_node_set "$chap" "$p" node.session.auth.username_in= node.session.auth.password_in=
iscsi_node_chap "$chap" "$p" inuser wrong-secret-12
iscsi_try_login "$chap" "$p" && fail "login with a wrong secret succeeded"
expect_status "wrong secret" 0201
iscsi_node_chap "$chap" "$p" otheruser insecret-12345
iscsi_try_login "$chap" "$p" && fail "login with a wrong user succeeded"
expect_status "wrong user" 0201
iscsi_node_set "$chap" "$p" node.session.auth.authmethod=None \
	node.session.auth.username= node.session.auth.password=
iscsi_try_login "$chap" "$p" && fail "login without CHAP succeeded"
expect_status "no CHAP" 0201
grep 'login of .* failed' "$dlog" | tail -n1 | grep -qE 'CHAP not offered|security stage skipped' ||
	fail "login without CHAP not refused as such"

# Mutual CHAP asked of a target without mutual credentials: 0201.
ktgt_write "$KTGT_CFS/targets/iscsi/$chap/groups/$(ktgt_iscsi_group "$chap" "$ini")/auth_mutual_user" ""
iscsi_node_chap "$chap" "$p" inuser insecret-12345 outuser outsecret-6789
iscsi_try_login "$chap" "$p" && fail "mutual CHAP without target credentials succeeded"
expect_status "no mutual credentials" 0201

# An initiator the target does not admit: 0202.
iscsi_node_new "$closed" "$p"
iscsi_try_login "$closed" "$p" && fail "login to $closed succeeded"
expect_status "not admitted" 0202

# No such target: 0203.
iscsi_node_new iqn.2026-11.org.ktgt:nosuch "$p"
iscsi_try_login iqn.2026-11.org.ktgt:nosuch "$p" && fail "login to a missing target succeeded"
expect_status "unknown target" 0203
expect_eq "$(iscsi_session_count)" 0 "sessions after the failures"

# libiscsi with one-way CHAP (its URL carries user and secret).
out=$(iscsi-inq -i "$ini" "iscsi://inuser%insecret-12345@127.0.0.1:3260/$chap/0" 2>&1) ||
	fail "iscsi-inq with CHAP: $out"
log "iscsi-inq with CHAP: $(grep -i 'vendor\|product' <<< "$out" | tr '\n' ' ')"
iscsi-inq -i "$ini" "iscsi://inuser%bad-secret-123@127.0.0.1:3260/$chap/0" > /dev/null 2>&1 &&
	fail "iscsi-inq with a wrong secret succeeded"
expect_status "libiscsi wrong secret" 0201

iscsi_ini_stop
cat "$dlog"
pass
