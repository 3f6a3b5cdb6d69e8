#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt-iscsid's login stages and TSIHs (RFC 7143 6.3, 11.12, 11.13),
# driven by the raw initiator tools/ktgt-iscsid/test/iscsi-probe.py:
# the final response of a discovery login carries a TSIH, not 0 (the
# target MUST generate one for a new session), and the responses before
# it carry the initiator's 0; a discovery login with a TSIH (a connection
# added to a discovery session, which cannot be) fails with 020a; the
# initiator enters the operational stage only after a response with the
# T bit (or with its first request): after a security-stage response
# without it, a request of the operational stage fails with 0200, and
# with it the login completes. Also: C and T both set, NSG 2, CSG 3, and
# an ISID or a Version-max changed in the login fail with 0200; an initiator asking for
# the T bit at every step of CHAP gets it only with the answer to its
# CHAP_R (given in base64).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap iscsi_cleanup EXIT
probe=$KTGT_REPO/tools/ktgt-iscsid/test/iscsi-probe.py
ini=iqn.2026-11.org.ktgt:probe
open=iqn.2026-11.org.ktgt:stages-open
chap=iqn.2026-11.org.ktgt:stages-chap

iscsi_tgt_setup
iscsi_tgt_mkdisk d1 /tmp/d1.img 16M
iscsi_tgt_mktarget "$open" 127.0.0.1
iscsi_tgt_maplun "$open" 0 d1
iscsi_tgt_enable "$open"
iscsi_tgt_mktarget "$chap" 127.0.0.1
iscsi_tgt_maplun "$chap" 0 d1 "$ini"
iscsi_tgt_chap "$chap" "$ini" inuser insecret-12345
iscsi_tgt_enable "$chap"
for ((i = 0; i < 100; i++)); do
	ss -Hltn "( sport = :3260 )" | grep -q . && break
	sleep 0.1
done

# Every check runs, so that one run shows every failure; the test fails
# at the end if one did.
bad=
miss() {
	log "FAILED: $*"
	bad="$bad; $*"
}

# status WHAT STATUS ARGS...: the probe must end with "status STATUS";
# its output is left in $out.
status() {
	local what=$1 want=$2
	shift 2
	out=$(python3 "$probe" "$@" 2>&1)
	log "$what: $(tr '\n' ' ' <<< "$out" | cut -c1-300)"
	grep -q "^status $want$" <<< "$out" ||
		miss "$what: expected status $want: $(tr '\n' ' ' <<< "$out")"
}

status "discovery TSIH" 0000 --initiator "$ini" stage discovery-tsih
grep -q '^final tsih [1-9]' <<< "$out" ||
	miss "discovery login: no TSIH in the final response: $out"
status "discovery login with a TSIH" 020a --initiator "$ini" \
	stage discovery-join --tsih 7

status "operational stage without the T bit" 0200 --initiator "$ini" \
	--target "$open" stage csg-without-transit
grep -q 'failed, status 0200: .*CSG' "$ISCSI_LOG/ktgt-iscsid.log" ||
	miss "stage change without the T bit not logged as such"
status "operational stage after the T bit" 0000 --initiator "$ini" \
	--target "$open" stage csg-after-transit
grep -q '^transit 1 nsg 3' <<< "$out" || miss "no transit to FFP: $out"
# Skipping the security stage with the first request stays allowed.
status "security stage skipped" 0000 --initiator "$ini" --target "$open" \
	status skip-security

# Malformed flags and headers: 0200.
for kind in c-and-t nsg2 csg3 isid-change version-change; do
	status "$kind" 0200 --initiator "$ini" --target "$open" stage "$kind"
done
# The T bit asked for all along is answered only once CHAP is done.
status "CHAP with the T bit" 0000 --initiator "$ini" --target "$chap" \
	stage chap-transit --user inuser --secret insecret-12345
grep -q '^transit 1 nsg 1' <<< "$out" || miss "CHAP done: no transit: $out"

cat "$ISCSI_LOG/ktgt-iscsid.log"
[ -z "$bad" ] || fail "${bad#; }"
pass
