#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt-iscsid's login phase, driven PDU by PDU by a raw initiator
# (tools/ktgt-iscsid/test/iscsi-probe.py), to send what real initiators
# never do and check every answer: one-way CHAP with CHAP_A 5, 6, 7 and
# 8 reaches the operational stage; mutual CHAP answers with H(id ||
# mutual secret || challenge), checked independently (Python hashlib);
# a reflected challenge, a wrong secret, a wrong user, an unsupported
# CHAP_A, a CHAP target offered None only, and skipping the security
# stage fail with 0201; an initiator not admitted gets 0202, an unknown
# target (or one not on the portal connected to) 0203, a missing
# InitiatorName or TargetName 0207, malformed or
# duplicate keys and an over-long key 0200, an unsupported version
# 0205; operational keys get RFC 7143 answers (NotUnderstood for
# unknown keys, Reject for OFMarkInt, renegotiation refused); a login
# request split by the C bit is reassembled; a new session gets its
# TSIH from the kernel, a second connection joins it by TSIH, an
# unknown TSIH gets 020a and a new session with the same ISID
# reinstates the old one; SendTargets answers longer than the
# initiator's MaxRecvDataSegmentLength come in several Text Responses;
# and a silent connection is closed after the 15 s login timeout while
# another client is served meanwhile.
#
# CHAP policy (Documentation/iscsi.rst, "CHAP"): a group with mutual
# credentials only does not turn off the target's CHAP (AuthMethod=None
# or no AuthMethod gets 0201), its initiators answer with the target's
# credentials and the target with the group's; an empty secret is
# refused at configuration while its user is set, a short secret and
# equal secrets of one object warn in the kernel log; an initiator
# secret equal to the target's mutual secret that applies fails the
# login (RFC 7143 12.1.3), even across target and group, and a user
# without a secret fails every login; an InitiatorName with a newline
# and an escape sequence is logged escaped, on one line; a login refused
# for its AuthMethod gets AuthMethod=Reject in the response.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap iscsi_cleanup EXIT
probe=$KTGT_REPO/tools/ktgt-iscsid/test/iscsi-probe.py
ini=iqn.2026-11.org.ktgt:probe
stranger=iqn.2026-11.org.ktgt:stranger
open=iqn.2026-11.org.ktgt:auth-open
chap=iqn.2026-11.org.ktgt:auth-chap

iscsi_tgt_setup
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mktarget "$open" 127.0.0.1
iscsi_tgt_maplun "$open" 0 d1
iscsi_tgt_enable "$open"
iscsi_tgt_mktarget "$chap" 127.0.0.1
iscsi_tgt_maplun "$chap" 0 d1 "$ini"
iscsi_tgt_chap "$chap" "$ini" inuser insecret-12345 outuser outsecret-6789
iscsi_tgt_enable "$chap"
# Many targets with long names, for a long SendTargets answer.
for i in $(seq 1 12); do
	t=iqn.2026-11.org.ktgt:a-rather-long-target-name-to-fill-text-responses-$i
	iscsi_tgt_mktarget "$t" 127.0.0.1 ::1
	iscsi_tgt_maplun "$t" 0 d1
	iscsi_tgt_enable "$t"
done
for ((i = 0; i < 100; i++)); do
	ss -Hltn "( sport = :3260 )" | grep -q . && break
	sleep 0.1
done

# probe WHAT ARGS...: run the probe, which must not fail; prints its output.
probe() {
	local what=$1 out
	shift
	out=$(python3 "$probe" "$@" 2>&1) || fail "$what: $out"
	log "$what: $(tr '\n' ' ' <<< "$out" | cut -c1-300)" >&2
	echo "$out"
}

# status WHAT STATUS ARGS...: the probe's login must end with STATUS.
status() {
	local what=$1 want=$2 out
	shift 2
	out=$(probe "$what" "$@")
	grep -q "^status $want$" <<< "$out" ||
		fail "$what: expected status $want: $out"
}

for a in 5 6 7 8; do
	status "one-way CHAP_A=$a" 0000 --initiator "$ini" --target "$chap" \
		chap --chap-a "$a" --user inuser --secret insecret-12345
done
out=$(probe "CHAP_A preference" --initiator "$ini" --target "$chap" chap \
	--chap-a 99,8,5 --user inuser --secret insecret-12345)
grep -q 'CHAP_A=8 ' <<< "$out" || fail "CHAP_A=99,8,5 did not pick 8: $out"
out=$(probe "mutual CHAP" --initiator "$ini" --target "$chap" chap \
	--chap-a 7 --user inuser --secret insecret-12345 \
	--mutual-user outuser --mutual-secret outsecret-6789)
grep -q 'mutual CHAP_R verified' <<< "$out" || fail "mutual CHAP: $out"
status "reflected challenge" 0201 --initiator "$ini" --target "$chap" chap \
	--chap-a 5 --user inuser --secret insecret-12345 \
	--mutual-user outuser --mutual-secret outsecret-6789 --reflect
grep -q 'failed, status 0201: reflected challenge' "$ISCSI_LOG/ktgt-iscsid.log" ||
	fail "reflected challenge not logged as such"
status "wrong secret" 0201 --initiator "$ini" --target "$chap" chap \
	--chap-a 5 --user inuser --secret insecret-99999
status "wrong user" 0201 --initiator "$ini" --target "$chap" chap \
	--chap-a 5 --user someone --secret insecret-12345
status "unsupported CHAP_A" 0201 --initiator "$ini" --target "$chap" chap \
	--chap-a 1,2,3 --user inuser --secret insecret-12345
out=$(probe "None offered to a CHAP target" --initiator "$ini" \
	--target "$chap" status none-only)
grep -qx "status 0201" <<< "$out" || fail "None to a CHAP target: $out"
grep -qx "keys AuthMethod=Reject" <<< "$out" ||
	fail "no AuthMethod=Reject in the failed response: $out"
status "security stage skipped" 0201 --initiator "$ini" --target "$chap" \
	status skip-security
status "CHAP offered to a target without" 0201 --initiator "$ini" \
	--target "$open" status chap-only
status "not admitted" 0202 --initiator "$stranger" --target "$chap" \
	status plain
status "unknown target" 0203 --initiator "$ini" \
	--target iqn.2026-11.org.ktgt:nosuch status plain
long1=iqn.2026-11.org.ktgt:a-rather-long-target-name-to-fill-text-responses-1
probe "operational keys over IPv6" --host ::1 --initiator "$ini" \
	--target "$long1" operational > /dev/null
status "target not on this portal" 0203 --host ::1 --initiator "$ini" \
	--target "$open" status plain
status "no InitiatorName" 0207 --target "$open" status no-initiator
status "no TargetName" 0207 --initiator "$ini" status no-target
status "malformed text" 0200 --initiator "$ini" --target "$open" \
	status malformed
status "duplicate key" 0200 --initiator "$ini" --target "$open" \
	status duplicate
status "64-byte key" 0200 --initiator "$ini" --target "$open" \
	status long-key
status "version" 0205 --initiator "$ini" --target "$open" status version

probe "operational keys" --initiator "$ini" --target "$open" operational \
	> /dev/null
probe "C bit" --initiator "$ini" continue > /dev/null
# The hand-over to the kernel: TSIH rules and reinstatement.
probe "sessions" --initiator "$ini" --target "$open" sessions > /dev/null
out=$(probe "SendTargets in 512-byte PDUs" --initiator "$ini" sendtargets \
	--mrdsl 512 --min-pdus 4)
for i in $(seq 1 12); do
	t=iqn.2026-11.org.ktgt:a-rather-long-target-name-to-fill-text-responses-$i
	grep -qxF "TargetName=$t" <<< "$out" || fail "SendTargets lacks $t"
done
grep -qxF "TargetAddress=[::1]:3260,1" <<< "$out" ||
	fail "SendTargets lacks an IPv6 TargetAddress"
grep -qF "TargetName=$chap" <<< "$out" || fail "SendTargets lacks $chap"
out=$(probe "SendTargets from a stranger" --initiator "$stranger" \
	sendtargets)
grep -qF "TargetName=$chap" <<< "$out" &&
	fail "SendTargets shows $chap to $stranger"

# A group with mutual credentials only: the target's CHAP still applies.
gm=iqn.2026-11.org.ktgt:auth-group-mutual
iscsi_tgt_mktarget "$gm" 127.0.0.1
iscsi_tgt_maplun "$gm" 0 d1 "$ini"
G=$KTGT_CFS/targets/iscsi/$gm
GG=$G/groups/$(ktgt_iscsi_group "$gm" "$ini")
ktgt_write "$G/auth_user" tuser
ktgt_write "$G/auth_secret" tsecret-123456
ktgt_write "$GG/auth_mutual_user" gmuser
ktgt_write "$GG/auth_mutual_secret" gmsecret-12345
iscsi_tgt_enable "$gm"
out=$(probe "None, group with mutual credentials only" --initiator "$ini" \
	--target "$gm" status none-only)
grep -qx "status 0201" <<< "$out" ||
	fail "AuthMethod=None accepted for a member of a group with mutual credentials only: $out"
status "no AuthMethod, group with mutual credentials only" 0201 \
	--initiator "$ini" --target "$gm" status skip-security
out=$(probe "target CHAP, group mutual CHAP" --initiator "$ini" \
	--target "$gm" chap --chap-a 7 --user tuser --secret tsecret-123456 \
	--mutual-user gmuser --mutual-secret gmsecret-12345)
grep -q 'mutual CHAP_R verified' <<< "$out" ||
	fail "target CHAP with the group's mutual credentials: $out"
status "group's mutual user in place of the target's user" 0201 \
	--initiator "$ini" --target "$gm" chap --chap-a 7 --user gmuser \
	--secret gmsecret-12345

# Equal secrets in one object warn at configuration (and fail at login).
ktgt_write "$G/auth_mutual_user" tmuser
ktgt_write "$G/auth_mutual_secret" tsecret-123456
dmesg | grep -q "target $gm: auth_secret and auth_mutual_secret are equal" ||
	fail "no kernel warning for equal secrets of one target"
# An empty secret while its user is set is refused; the user goes first.
ktgt_try_write "$G/auth_secret" "" &&
	fail "an empty auth_secret was accepted while auth_user is set"
expect_eq "$(cat "$G/auth_secret")" tsecret-123456 "auth_secret after a refused write"
ktgt_try_write "$G/auth_mutual_secret" "" &&
	fail "an empty auth_mutual_secret was accepted while auth_mutual_user is set"
ktgt_write "$G/auth_mutual_user" ""
ktgt_write "$G/auth_mutual_secret" ""
ktgt_write "$G/auth_user" ""
ktgt_write "$G/auth_secret" ""
# A short secret is taken, with a warning.
ktgt_write "$G/auth_user" tuser
ktgt_write "$G/auth_secret" short-8b
dmesg | grep -q "target $gm: auth_secret of 8 bytes; RFC 7143 12.1.3 wants at least 12" ||
	fail "no kernel warning for an 8-byte secret"
status "8-byte secret" 0000 --initiator "$ini" --target "$gm" \
	chap --chap-a 5 --user tuser --secret short-8b

# The same secret both ways (RFC 7143 12.1.3), the target's initiator
# secret and the group's mutual secret: the login fails.
ktgt_write "$GG/auth_mutual_secret" short-8b
status "equal secrets, one-way" 0201 --initiator "$ini" --target "$gm" \
	chap --chap-a 5 --user tuser --secret short-8b
status "equal secrets, mutual" 0201 --initiator "$ini" --target "$gm" \
	chap --chap-a 5 --user tuser --secret short-8b \
	--mutual-user gmuser --mutual-secret short-8b
grep -q "failed, status 0201: the initiator's and the target's CHAP secrets are equal" \
	"$ISCSI_LOG/ktgt-iscsid.log" || fail "equal secrets not logged as such"
ktgt_write "$GG/auth_mutual_secret" gmsecret-12345
# A user without a secret (written in that order) fails every login.
ktgt_write "$G/auth_user" ""
ktgt_write "$G/auth_secret" ""
ktgt_write "$G/auth_user" tuser
status "CHAP user without a secret" 0201 --initiator "$ini" --target "$gm" \
	chap --chap-a 5 --user tuser --secret ""
grep -q "failed, status 0201: no CHAP secret configured" \
	"$ISCSI_LOG/ktgt-iscsid.log" || fail "missing secret not logged as such"

# Names from the network are logged escaped, on one line.
status "newline in InitiatorName" 0203 \
	--initiator $'iqn.2026-11.org.ktgt:evil\nktgt-iscsid: FORGED logged in\e[2J' \
	--target iqn.2026-11.org.ktgt:nosuch status plain
grep -a '^ktgt-iscsid: FORGED' "$ISCSI_LOG/ktgt-iscsid.log" &&
	fail "an InitiatorName with a newline forged a log line"
grep -aqF 'login of iqn.2026-11.org.ktgt:evil\x0aktgt-iscsid: FORGED logged in\x1b[2J to' \
	"$ISCSI_LOG/ktgt-iscsid.log" || fail "the InitiatorName is not logged escaped"
grep -aq $'\e' "$ISCSI_LOG/ktgt-iscsid.log" && fail "an escape character in the log"

# A silent client is dropped after the login timeout; others are served
# meanwhile.
start=$(date +%s)
python3 "$probe" silent --wait 40 > /tmp/silent.out 2>&1 &
spid=$!
sleep 1
probe "discovery during a silent login" --initiator "$ini" sendtargets \
	> /dev/null
[ $(($(date +%s) - start)) -lt 10 ] || fail "discovery waited for the silent client"
wait "$spid" || fail "silent client: $(cat /tmp/silent.out)"
secs=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' /tmp/silent.out)
log "silent client closed after $secs s"
if [ "$secs" -lt 14 ] || [ "$secs" -gt 20 ]; then
	fail "silent client closed after $secs s, not about 15"
fi

kill -0 "$KTGT_ISCSID_PID" || fail "ktgt-iscsid died"
log "login failures logged: $(grep -c 'failed, status' "$ISCSI_LOG/ktgt-iscsid.log")"
pass
