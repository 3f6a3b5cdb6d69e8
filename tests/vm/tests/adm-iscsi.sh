#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm with the iSCSI target driver, through the same generic model:
# a file with an iSCSI target (PORTAL, CHAP attributes of the target and
# of a group, default and group LUNs) is applied from nothing; ktgtadm
# loads ktgt_iscsi and starts ktgt-iscsid; configfs has the portal and
# the attributes; written back, the output applies as a no-op and writes
# identically; a changed portal list is applied as a portal rmdir/mkdir
# with the LUNs untouched. With open-iscsi logged in: `ktgtadm list`
# shows the session with its initiator name and the values negotiated
# (the same as the initiator's), `ktgtadm stats` counts its I/O per
# session and per device, and a device change that would drop the LUN
# the session uses is refused. The driver-level CHAP credentials of
# discovery sessions (TARGET_DRIVER iscsi { auth_user ... }) are applied,
# written back in the driver's block and checked by open-iscsi's
# discovery; a file that clears them (user first) turns them off.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ktgtadm_use_tree
[ -x "$KTGTADM_ISCSID" ] || skip "no $KTGTADM_ISCSID"
modinfo ktgt_iscsi > /dev/null 2>&1 || skip "no ktgt_iscsi module"
trap 'iscsi_ini_stop; ktgt_iscsid_kill' EXIT

IQN=iqn.2026-11.org.example:adm
truncate -s 16M /tmp/i0.img || fail "truncate"
conf() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE i0 {
		filename /tmp/i0.img
	}
}
TARGET_DRIVER iscsi {
	auth_secret "disco secret 12"
	auth_user disco
	TARGET $IQN {
		enabled 1
		auth_user joe
		auth_secret "joes secret 1"
		PORTAL 127.0.0.1:3260
		$1
		LUN 0 i0
		GROUP hosts {
			auth_user ann
			INITIATOR iqn.1993-08.org.debian:01:*
			LUN 0 i0 {
				read_only 1
			}
		}
	}
}
CONF
}
conf "" > /tmp/i1.conf
conf "PORTAL 127.0.0.1:3261" > /tmp/i2.conf

out=$("$ADM" apply /tmp/i1.conf 2>&1) || fail "apply: $out"
echo "$out" | sed 's/^/    /'
T=$KTGT_CFS/targets/iscsi/$IQN
[ -d "$T/portals/127.0.0.1:3260" ] || fail "no portal 127.0.0.1:3260"
expect_eq "$(cat "$T/auth_user")" joe "auth_user"
expect_eq "$(cat "$T/auth_secret")" "joes secret 1" "auth_secret"
expect_eq "$(cat "$T/groups/hosts/auth_user")" ann "group auth_user"
expect_eq "$(cat "$KTGT_CFS/targets/iscsi/auth_user")" disco "discovery auth_user"
expect_eq "$(cat "$KTGT_CFS/targets/iscsi/auth_secret")" "disco secret 12" "discovery auth_secret"
expect_eq "$(cat "$T/enable")" 1 "target enabled"
expect_eq "$(cat "$T/groups/hosts/luns/0/read_only")" 1 "group LUN read_only"
for ((i = 0; i < 50; i++)); do
	[ -n "$(ktgt_iscsid_pids)" ] && break
	sleep 0.1
done
[ -n "$(ktgt_iscsid_pids)" ] || fail "ktgtadm did not start ktgt-iscsid"

"$ADM" write /tmp/w1.conf || fail "write"
sed 's/^/    /' /tmp/w1.conf
grep -q "PORTAL 127.0.0.1:3260" /tmp/w1.conf || fail "written file lacks the portal"
# The driver's attributes, in its block before its targets.
sed -n "/^TARGET_DRIVER iscsi {/,/^\tTARGET /p" /tmp/w1.conf > /tmp/w1.drv
grep -qxF "$(printf '\tauth_user disco')" /tmp/w1.drv ||
	fail "written file lacks the discovery auth_user: $(cat /tmp/w1.drv)"
grep -qxF "$(printf '\tauth_secret "disco secret 12"')" /tmp/w1.drv ||
	fail "written file lacks the discovery auth_secret: $(cat /tmp/w1.drv)"
out=$("$ADM" apply --dry-run /tmp/w1.conf) || fail "dry-run: $out"
expect_eq "$out" "nothing to do" "dry-run of the written file"
out=$("$ADM" apply --dry-run /tmp/i1.conf) || fail "dry-run: $out"
expect_eq "$out" "nothing to do" "dry-run of the original file"
"$ADM" write /tmp/w2.conf || fail "write"
cmp /tmp/w1.conf /tmp/w2.conf || fail "written twice differently"

lun_inode=$(stat -c %i "$T/luns/0")
out=$("$ADM" apply --dry-run /tmp/i2.conf) || fail "dry-run i2: $out"
expect_eq "$out" "mkdir targets/iscsi/$IQN/portals/127.0.0.1:3261" "plan of a new portal"
out=$("$ADM" apply /tmp/i2.conf 2>&1) || fail "apply i2: $out"
[ -d "$T/portals/127.0.0.1:3261" ] || fail "no portal 127.0.0.1:3261"
out=$("$ADM" apply -v /tmp/i1.conf 2>&1) || fail "apply i1 again: $out"
echo "$out" | sed 's/^/    /'
[ -d "$T/portals/127.0.0.1:3261" ] && fail "portal 127.0.0.1:3261 not removed"
expect_eq "$(stat -c %i "$T/luns/0")" "$lun_inode" "LUN 0 was re-created"

log "a session: list, stats, a refused device change"
iscsi_ini_start
P=127.0.0.1:3260
iscsiadm -m discovery -t st -p "$P" > /tmp/disc.out 2>&1 &&
	fail "discovery without CHAP succeeded: $(cat /tmp/disc.out)"
out=$(iscsi_discover "$P" -- discovery.sendtargets.auth.authmethod=CHAP \
	discovery.sendtargets.auth.username=disco \
	"discovery.sendtargets.auth.password=disco secret 12")
grep -qxF "$P,1 $IQN" <<< "$out" || fail "discovery with CHAP: $out"
iscsiadm -m discoverydb -t st -p "$P" -o delete > /dev/null 2>&1
iscsiadm -m node -T "$IQN" -p "$P" -o delete > /dev/null 2>&1
iscsi_node_new "$IQN" "$P"
iscsi_node_chap "$IQN" "$P" joe "joes secret 1"
iscsi_login "$IQN" "$P"
dev=$(iscsi_wait_lun "$IQN" 0)
dd if="$dev" of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null ||
	fail "read from $dev"
out=$("$ADM" list) || fail "list: $out"
echo "$out" | sed 's/^/    /'
sid=$(sed -n "s|^SESSION \([0-9]*\) iscsi/$IQN initiator=$ISCSI_INI_NAME\$|\1|p" <<< "$out")
[ -n "$sid" ] || fail "list: no session of $ISCSI_INI_NAME"
grep -qE "^iscsi SESSION [0-9]+ $IQN initiator=$ISCSI_INI_NAME\$" <<< "$out" ||
	fail "list: no iSCSI session view"
ini=$(iscsiadm -m session -P 2 2>&1)
for k in MaxBurstLength FirstBurstLength MaxOutstandingR2T InitialR2T \
	 ImmediateData; do
	want=$(sed -n "s/^[[:space:]]*$k: *//p" <<< "$ini" | head -n1)
	got=$(sed -n "s/^    params: $k=//p" <<< "$out")
	[ -n "$want" ] || fail "iscsiadm shows no $k"
	expect_eq "$got" "$want" "negotiated $k in ktgtadm list"
done
grep -qE "^    connections(=|: )CID [0-9]+ started 1 HeaderDigest None DataDigest None" <<< "$out" ||
	fail "list: no connection with its digests"

(while :; do dd if="$dev" of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null; done) &
rpid=$!
sleep 1
out=$("$ADM" stats -i 1 -c 1) || fail "stats: $out"
kill $rpid
wait $rpid 2>/dev/null
echo "$out" | sed 's/^/    /'
for who in "session $sid" "device i0"; do
	line=$(grep "^$who " <<< "$out") || fail "stats: no '$who' line"
	iops=$(sed -n 's/.* iops=\([0-9.]*\) .*/\1/p' <<< "$line")
	rbps=$(sed -n 's/.* read_Bps=\([0-9]*\) .*/\1/p' <<< "$line")
	[ "${iops%.*}" -gt 0 ] || fail "stats: $who: no IOPS while reading: $line"
	[ "$rbps" -gt 0 ] || fail "stats: $who: no read bytes while reading: $line"
	grep -q " lat_us=[0-9.]* " <<< "$line" || fail "stats: $who: no latency"
done

sed 's|/tmp/i0.img|/tmp/i9.img|' /tmp/i1.conf > /tmp/i9.conf
truncate -s 16M /tmp/i9.img
"$ADM" apply /tmp/i9.conf > /tmp/refused.out 2>&1
expect_eq "$?" 2 "exit status of a device change under a session"
grep -q "drops LUN 0 of target iscsi/$IQN that 1 session uses; refused" /tmp/refused.out ||
	fail "no refusal: $(cat /tmp/refused.out)"
expect_eq "$(cat "$KTGT_CFS/handlers/vdisk_fileio/i0/filename")" /tmp/i0.img "filename after the refusal"
dd if="$dev" of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null ||
	fail "LUN 0 lost after the refusal"

log "clearing the discovery credentials"
sed -e 's/^\tauth_secret "disco secret 12"$/\tauth_secret ""/' \
	-e 's/^\tauth_user disco$/\tauth_user ""/' /tmp/i1.conf > /tmp/i3.conf
out=$("$ADM" apply --dry-run /tmp/i3.conf) || fail "dry-run i3: $out"
echo "$out" | sed 's/^/    /'
first=$(head -n 1 <<< "$out")
[[ $first =~ ^set\ targets/iscsi/auth_user\ *$ ]] ||
	fail "clearing does not start with auth_user: $out"
out=$("$ADM" apply /tmp/i3.conf 2>&1) || fail "apply i3: $out"
expect_eq "$(cat "$KTGT_CFS/targets/iscsi/auth_user")" "" "discovery auth_user cleared"
expect_eq "$(cat "$KTGT_CFS/targets/iscsi/auth_secret")" "" "discovery auth_secret cleared"
iscsi_try_discover "$P" || fail "discovery without CHAP once cleared"
iscsi_ini_stop

echo "# empty" > /tmp/empty.conf
"$ADM" apply /tmp/empty.conf > /dev/null || fail "cleanup"
ktgt_iscsid_kill
sleep 1
ktgt_unload_all
pass
