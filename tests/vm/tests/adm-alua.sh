#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# ktgtadm and ALUA (DEVICE_GROUP / TARGET_GROUP / TARGET, rel_tgt_id):
# one nullio device behind two local targets, each in its own target
# port group. Applied from nothing, configfs has the groups, links and
# values and the initiator's REPORT TARGET PORT GROUPS shows them; the
# written configuration applies as a no-op and writes identically; a
# state swap is applied as two attribute writes with the LUN untouched;
# a rel_tgt_id change (it needs the target disabled) is refused while
# the target has a session, done with --force; removing the device
# group from the file unlinks and removes it.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
command -v sg_raw >/dev/null || skip "sg3-utils not installed"
# Linux's ALUA handler would consume the unit attentions; keep it away.
mkdir -p /etc/modprobe.d
echo "install scsi_dh_alua /bin/false" > /etc/modprobe.d/ktgt-adm-alua.conf
ktgt_initiator_load
ktgt_load ktgt_vdisk
[ -d "$KTGT_CFS/alua" ] || skip "this ktgt_core has no alua/"

# conf STATE1 STATE2 RELB [no-alua]
conf() {
	cat <<CONF
HANDLER vdisk_nullio {
	DEVICE n0 {
		size 16777216
		serial ALUA0
	}
}
TARGET_DRIVER local {
	TARGET ta {
		enabled 1
		rel_tgt_id 11
		LUN 0 n0
	}
	TARGET tb {
		enabled 1
		rel_tgt_id $3
		LUN 0 n0
	}
}
CONF
	[ -n "${4:-}" ] && return
	cat <<CONF
DEVICE_GROUP dg1 {
	DEVICE n0
	TARGET_GROUP tg1 {
		group_id 1
		state $1
		preferred 1
		TARGET ta
	}
	TARGET_GROUP tg2 {
		group_id 2
		state $2
		TARGET tb
	}
}
CONF
}
conf active nonoptimized 12 > /tmp/c1.conf
conf nonoptimized active 12 > /tmp/c2.conf
conf nonoptimized active 13 > /tmp/c3.conf
conf nonoptimized active 13 no > /tmp/c4.conf

# rtpg DEV: "GROUP_ID:STATE ..." from REPORT TARGET PORT GROUPS (sorted;
# state 0 active/optimized, 1 non-optimized); retries unit attentions.
rtpg() {
	local i len off n out=()
	local -a b
	for ((i = 0; i < 5; i++)); do
		sg_raw -r 512 -o /tmp/rtpg.bin "$1" a3 0a 00 00 00 00 00 00 02 00 00 00 \
			> /dev/null 2>&1 && break
	done
	[ $i -lt 5 ] || { echo "RTPG failed"; return; }
	read -r -a b <<< "$(od -An -tu1 -v /tmp/rtpg.bin | tr -s ' \n' '  ')"
	len=$(( (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3] ))
	for ((off = 4; off < len + 4; off += 8 + 4 * n)); do
		n=${b[off + 7]}
		out+=("$(( (b[off + 2] << 8) | b[off + 3] )):$(( b[off] & 15 ))")
	done
	printf '%s\n' "${out[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

A=$KTGT_CFS/alua
out=$("$ADM" apply /tmp/c1.conf 2>&1) || fail "apply c1: $out"
expect_eq "$(readlink "$A/dg1/devices/n0" | sed 's|.*/handlers/|handlers/|')" \
	handlers/vdisk_nullio/n0 "device link"
expect_eq "$(readlink "$A/dg1/target_groups/tg1/targets/ta" | sed 's|.*/targets/local/|targets/local/|')" \
	targets/local/ta "target link of tg1"
expect_eq "$(cat "$A/dg1/target_groups/tg2/state")" nonoptimized "tg2 state"
expect_eq "$(cat "$A/dg1/target_groups/tg1/preferred")" 1 "tg1 preferred"
expect_eq "$(cat "$A/dg1/target_groups/tg2/group_id")" 2 "tg2 group_id"
expect_eq "$(cat "$KTGT_CFS/targets/local/tb/rel_tgt_id")" 12 "tb rel_tgt_id"
dev=$(ktgt_wait_disk host="$(ktgt_local_host ta)" serial=ALUA0)
expect_eq "$(rtpg "$dev")" "1:0 2:1" "RTPG after apply"
out=$("$ADM" list) || fail "list: $out"
grep -q "^  TARGET_GROUP tg2 group_id=2 state=nonoptimized preferred=0$" <<< "$out" ||
	fail "list lacks tg2: $out"

"$ADM" write /tmp/w1.conf || fail "write"
sed 's/^/    /' /tmp/w1.conf
grep -q "^DEVICE_GROUP dg1 {" /tmp/w1.conf || fail "written file lacks the device group"
out=$("$ADM" apply --dry-run /tmp/w1.conf) || fail "dry-run w1: $out"
expect_eq "$out" "nothing to do" "dry run of the written file"
out=$("$ADM" apply --dry-run /tmp/c1.conf) || fail "dry-run c1: $out"
expect_eq "$out" "nothing to do" "dry run of the applied file"
"$ADM" write /tmp/w2.conf || fail "write"
cmp /tmp/w1.conf /tmp/w2.conf || fail "written twice differently"

log "state swap"
lun_inode=$(stat -c %i "$KTGT_CFS/targets/local/ta/luns/0")
out=$("$ADM" apply --dry-run /tmp/c2.conf) || fail "dry-run c2: $out"
expect_eq "$out" "set alua/dg1/target_groups/tg1/state nonoptimized
set alua/dg1/target_groups/tg2/state active" "plan of the state swap"
out=$("$ADM" apply /tmp/c2.conf 2>&1) || fail "apply c2: $out"
expect_eq "$(rtpg "$dev")" "1:1 2:0" "RTPG after the swap"
expect_eq "$(stat -c %i "$KTGT_CFS/targets/local/ta/luns/0")" "$lun_inode" "LUN 0 re-created"

log "rel_tgt_id of a target with a session"
"$ADM" apply /tmp/c3.conf > /tmp/refused.out 2>&1
expect_eq "$?" 2 "exit status without --force"
sed 's/^/    /' /tmp/refused.out
grep -q "changing 'rel_tgt_id' of target local/tb needs the target disabled, which ends its 1 session; refused" /tmp/refused.out ||
	fail "no clear refusal"
expect_eq "$(cat "$KTGT_CFS/targets/local/tb/rel_tgt_id")" 12 "rel_tgt_id after the refusal"
out=$("$ADM" apply --force /tmp/c3.conf 2>&1) || fail "apply --force c3: $out"
expect_eq "$(cat "$KTGT_CFS/targets/local/tb/rel_tgt_id")" 13 "rel_tgt_id after --force"
expect_eq "$(cat "$KTGT_CFS/targets/local/tb/enable")" 1 "tb enabled again"

log "device group removed from the file"
out=$("$ADM" apply --dry-run /tmp/c4.conf) || fail "dry-run c4: $out"
expect_eq "$out" "unlink alua/dg1/target_groups/tg1/targets/ta
rmdir alua/dg1/target_groups/tg1
unlink alua/dg1/target_groups/tg2/targets/tb
rmdir alua/dg1/target_groups/tg2
unlink alua/dg1/devices/n0
rmdir alua/dg1" "plan of the removal"
out=$("$ADM" apply /tmp/c4.conf 2>&1) || fail "apply c4: $out"
[ -e "$A/dg1" ] && fail "dg1 not removed"

echo "# empty" > /tmp/empty.conf
"$ADM" apply /tmp/empty.conf > /dev/null || fail "cleanup"
ktgt_unload_all
pass
