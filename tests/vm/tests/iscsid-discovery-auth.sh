#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Discovery authentication (targets/iscsi/auth_* in configfs, SCST's
# IncomingUser/OutgoingUser of TARGET_DRIVER iscsi, LIO's discovery_auth):
# the four attributes exist, empty, the secrets mode 0600, with the
# target's validation (an empty secret while its user is set is
# refused). Unset, discovery works without CHAP as before. With auth_user
# set, open-iscsi's discovery without credentials, with a wrong secret
# or a wrong user fails, with the right ones lists the targets; a raw
# initiator gets 0201 for AuthMethod=None, a skipped security stage and a
# wrong CHAP_R, and passes CHAP_A 5 and 7. With auth_mutual_user set,
# mutual CHAP passes (the raw initiator checks the target's CHAP_R) and
# open-iscsi expecting another target secret fails. Normal sessions keep
# their own rules: an open target logs in without CHAP and a CHAP target
# with its own credentials, not the discovery ones. Clearing auth_user
# turns discovery authentication off again. The netlink command
# DISCOVERY_AUTH_GET answers four 255-byte values whole and refuses a
# caller without CAP_NET_ADMIN (EPERM).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap iscsi_cleanup EXIT
probe=$KTGT_REPO/tools/ktgt-iscsid/test/iscsi-probe.py
ini=$ISCSI_INI_NAME
open=iqn.2026-11.org.ktgt:dauth-open
chap=iqn.2026-11.org.ktgt:dauth-chap
P=$(iscsi_portal 127.0.0.1)
D=$KTGT_CFS/targets/iscsi
DUSER=disc-user DSECRET=disc-secret-0123
DMUSER=disc-target DMSECRET=disc-mutual-4567

iscsi_tgt_setup
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mktarget "$open" 127.0.0.1
iscsi_tgt_maplun "$open" 0 d1
iscsi_tgt_enable "$open"
iscsi_tgt_mktarget "$chap" 127.0.0.1
iscsi_tgt_maplun "$chap" 0 d1 "$ini"
iscsi_tgt_chap "$chap" "$ini" tuser tsecret-12345
iscsi_tgt_enable "$chap"

log "the attributes"
for a in user secret mutual_user mutual_secret; do
	[ -f "$D/auth_$a" ] || fail "no $D/auth_$a"
	expect_eq "$(cat "$D/auth_$a")" "" "auth_$a at load"
done
expect_eq "$(stat -c %a "$D/auth_user")" 644 "mode of auth_user"
expect_eq "$(stat -c %a "$D/auth_secret")" 600 "mode of auth_secret"
expect_eq "$(stat -c %a "$D/auth_mutual_user")" 644 "mode of auth_mutual_user"
expect_eq "$(stat -c %a "$D/auth_mutual_secret")" 600 "mode of auth_mutual_secret"

# disc_try NAME=VALUE...: open-iscsi's SendTargets discovery through a
# fresh discoverydb record with these settings; output in /tmp/disc.out.
disc_try() {
	local kv
	iscsiadm -m discoverydb -t st -p "$P" -o delete > /dev/null 2>&1
	iscsiadm -m discoverydb -t st -p "$P" -o new > /dev/null ||
		fail "discoverydb new"
	for kv in "$@"; do
		iscsiadm -m discoverydb -t st -p "$P" -o update \
			-n "${kv%%=*}" -v "${kv#*=}" > /dev/null ||
			fail "discoverydb set $kv"
	done
	iscsiadm -m discoverydb -t st -p "$P" --discover > /tmp/disc.out 2>&1
}

# disc_ok WHAT NAME=VALUE...: the discovery must list both targets.
disc_ok() {
	local what=$1
	shift
	disc_try "$@" || fail "$what: discovery failed: $(cat /tmp/disc.out)"
	grep -qF " $open" /tmp/disc.out || fail "$what: $open not listed: $(cat /tmp/disc.out)"
	grep -qF " $chap" /tmp/disc.out || fail "$what: $chap not listed: $(cat /tmp/disc.out)"
	log "$what: $(tr '\n' ' ' < /tmp/disc.out)"
}

# disc_refused WHAT NAME=VALUE...: the discovery must fail, list nothing.
disc_refused() {
	local what=$1
	shift
	disc_try "$@" && fail "$what: discovery succeeded: $(cat /tmp/disc.out)"
	grep -qF "$open" /tmp/disc.out && fail "$what: a target listed: $(cat /tmp/disc.out)"
	log "$what: refused: $(tr '\n' ' ' < /tmp/disc.out | cut -c1-200)"
}

# status WHAT STATUS ARGS...: the raw initiator's discovery login must
# end with STATUS; its output in /tmp/probe.out.
status() {
	local what=$1 want=$2
	shift 2
	python3 "$probe" --initiator "$ini" --discovery "$@" > /tmp/probe.out 2>&1 ||
		fail "$what: $(cat /tmp/probe.out)"
	grep -q "^status $want$" /tmp/probe.out ||
		fail "$what: expected status $want: $(cat /tmp/probe.out)"
	log "$what: $(tr '\n' ' ' < /tmp/probe.out | cut -c1-200)"
}

CHAP=discovery.sendtargets.auth
iscsi_ini_start "$ini"

log "not configured: discovery without CHAP, as before"
disc_ok "no discovery auth"
status "no discovery auth, AuthMethod=None" 0000 status plain

log "configuring: the target's validation rules"
ktgt_write "$D/auth_user" "$DUSER"
ktgt_try_write "$D/auth_secret" "" &&
	fail "an empty auth_secret was accepted while auth_user is set"
ktgt_write "$D/auth_secret" "$DSECRET"
expect_eq "$(cat "$D/auth_secret")" "$DSECRET" "auth_secret"
ktgt_try_write "$D/auth_user" "$(printf 'a\tb')" &&
	fail "a control character in auth_user was accepted"
expect_eq "$(cat "$D/auth_user")" "$DUSER" "auth_user after a refused write"

log "CHAP required for discovery"
disc_refused "no credentials"
disc_refused "wrong secret" "$CHAP.authmethod=CHAP" "$CHAP.username=$DUSER" \
	"$CHAP.password=wrong-secret-999"
disc_refused "wrong user" "$CHAP.authmethod=CHAP" "$CHAP.username=someone" \
	"$CHAP.password=$DSECRET"
disc_refused "the CHAP target's credentials" "$CHAP.authmethod=CHAP" \
	"$CHAP.username=tuser" "$CHAP.password=tsecret-12345"
disc_ok "right credentials" "$CHAP.authmethod=CHAP" "$CHAP.username=$DUSER" \
	"$CHAP.password=$DSECRET"
grep -q "login of $ini to discovery failed, status 0201" \
	"$ISCSI_LOG/ktgt-iscsid.log" ||
	fail "no 0201 failure logged for a discovery login"
grep -q "discovery session of $ini (auth CHAP_A=" "$ISCSI_LOG/ktgt-iscsid.log" ||
	fail "no discovery session with CHAP logged"

status "AuthMethod=None" 0201 status none-only
grep -qx "keys AuthMethod=Reject" /tmp/probe.out ||
	fail "no AuthMethod=Reject for a discovery without CHAP"
status "security stage skipped" 0201 status skip-security
status "wrong CHAP_R" 0201 chap --chap-a 5 --user "$DUSER" --secret nope-nope-nope
for a in 5 7; do
	status "CHAP_A=$a" 0000 chap --chap-a "$a" --user "$DUSER" \
		--secret "$DSECRET"
	grep -qxF "TargetName=$open" /tmp/probe.out ||
		fail "CHAP_A=$a: SendTargets after CHAP lacks $open"
done
status "mutual CHAP without mutual credentials" 0201 chap --chap-a 7 \
	--user "$DUSER" --secret "$DSECRET" --mutual-user x \
	--mutual-secret some-secret-000

log "mutual CHAP"
ktgt_write "$D/auth_mutual_user" "$DMUSER"
ktgt_try_write "$D/auth_mutual_secret" "" &&
	fail "an empty auth_mutual_secret was accepted while auth_mutual_user is set"
ktgt_write "$D/auth_mutual_secret" "$DMSECRET"
python3 "$probe" --initiator "$ini" --discovery chap --chap-a 7 \
	--user "$DUSER" --secret "$DSECRET" --mutual-user "$DMUSER" \
	--mutual-secret "$DMSECRET" > /tmp/probe.out 2>&1 ||
	fail "raw mutual CHAP: $(cat /tmp/probe.out)"
grep -q "mutual CHAP_R verified" /tmp/probe.out ||
	fail "raw mutual CHAP: $(cat /tmp/probe.out)"
disc_ok "mutual CHAP" "$CHAP.authmethod=CHAP" "$CHAP.username=$DUSER" \
	"$CHAP.password=$DSECRET" "$CHAP.username_in=$DMUSER" \
	"$CHAP.password_in=$DMSECRET"
disc_refused "mutual CHAP, wrong target secret" "$CHAP.authmethod=CHAP" \
	"$CHAP.username=$DUSER" "$CHAP.password=$DSECRET" \
	"$CHAP.username_in=$DMUSER" "$CHAP.password_in=other-mutual-00"
grep -q "discovery session of $ini (auth CHAP_A=.* mutual)" "$ISCSI_LOG/ktgt-iscsid.log" ||
	fail "no mutual discovery session logged"

log "normal sessions keep their own rules"
iscsi_node_new "$open" "$P"
iscsi_node_set "$open" "$P" node.session.auth.authmethod=None
iscsi_login "$open" "$P"
iscsi_wait_lun "$open" 0 > /dev/null
iscsi_logout "$open" "$P"
iscsi_node_new "$chap" "$P"
iscsi_node_chap "$chap" "$P" "$DUSER" "$DSECRET"
iscsi_try_login "$chap" "$P" &&
	fail "the discovery credentials logged in to $chap"
iscsi_node_chap "$chap" "$P" tuser tsecret-12345
iscsi_login "$chap" "$P"
dev=$(iscsi_wait_lun "$chap" 0)
run_ok "read $dev" dd if="$dev" of=/dev/null bs=1M count=1 iflag=direct status=none
iscsi_logout "$chap" "$P"

log "cleared: discovery without CHAP again"
ktgt_try_write "$D/auth_secret" "" &&
	fail "auth_secret cleared before auth_user"
ktgt_write "$D/auth_mutual_user" ""
ktgt_write "$D/auth_mutual_secret" ""
ktgt_write "$D/auth_user" ""
ktgt_write "$D/auth_secret" ""
disc_ok "discovery auth cleared"

log "netlink: DISCOVERY_AUTH_GET with 255-byte values, and without CAP_NET_ADMIN"
L=$(head -c 254 < /dev/zero | tr '\0' u)
ktgt_write "$D/auth_user" "${L}1"
ktgt_write "$D/auth_secret" "${L}2"
ktgt_write "$D/auth_mutual_user" "${L}3"
ktgt_write "$D/auth_mutual_secret" "${L}4"
ktgt_try_write "$D/auth_user" "${L}56" &&
	fail "a 256-byte auth_user was accepted"
cat > /tmp/dauth.py <<'PY'
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import Genl, string as s

G = Genl(os.environ["KTGT_REPO"])
A, CMD = G.A, G.CMD
L = "u" * 254
err, msgs = G.request(CMD["DISCOVERY_AUTH_GET"], b"")
if err or len(msgs) != 1:
    print("FAIL: DISCOVERY_AUTH_GET: %d, %d messages" % (err, len(msgs)))
    sys.exit(1)
got = [s(msgs[0].get(A[k], [b""])) for k in
       ("AUTH_USER", "AUTH_SECRET", "AUTH_MUTUAL_USER", "AUTH_MUTUAL_SECRET")]
if got != [L + "1", L + "2", L + "3", L + "4"]:
    print("FAIL: DISCOVERY_AUTH_GET answered %r" % got)
    sys.exit(1)
pid = os.fork()
if not pid:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    g = Genl(os.environ["KTGT_REPO"])
    err, msgs = g.request(g.CMD["DISCOVERY_AUTH_GET"], b"")
    os._exit(0 if err == -1 and not msgs else 1)
if os.waitpid(pid, 0)[1]:
    print("FAIL: DISCOVERY_AUTH_GET without CAP_NET_ADMIN not refused with EPERM")
    sys.exit(1)
print("DISCOVERY_AUTH_GET: four 255-byte values; EPERM for uid 65534")
PY
out=$(python3 /tmp/dauth.py 2>&1) || fail "$out"
log "$out"
ktgt_write "$D/auth_mutual_user" ""
ktgt_write "$D/auth_mutual_secret" ""
ktgt_write "$D/auth_user" ""
ktgt_write "$D/auth_secret" ""

iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
