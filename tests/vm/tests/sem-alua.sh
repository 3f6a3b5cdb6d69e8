#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# SPC-4 ALUA over two I_T nexuses to one logical unit (LUN 0 of local
# targets a and b, each in its own target port group of device group
# dg1):
# - configfs: rel_tgt_id (unique, 1..65535, fixed while enabled),
#   group_id (unique in the device group), state and preferred values, a
#   device in two device groups and a target in two groups of one device
#   group are refused with the right errno;
# - standard INQUIRY TPGS = 11b (00b for a device in no group), VPD 83h
#   relative target port and target port group designators per port (a
#   device in no group: the relative target port only);
# - REPORT TARGET PORT GROUPS in both formats, exact bytes;
# - each state refuses exactly what SPC-4 5.15.2.4 says, with NOT
#   READY and its ASCQ: standby 0Bh, unavailable 0Ch, transitioning 0Ah,
#   offline 12h; non-optimized accepts everything;
# - every change through configfs gives both nexuses ASYMMETRIC ACCESS
#   STATE CHANGED once; SET TARGET PORT GROUPS switches the groups and
#   only the other nexus gets it; its bad parameter lists are refused
#   with INVALID FIELD IN PARAMETER LIST and the field pointer, or
#   PARAMETER LIST LENGTH ERROR, and change nothing;
# - sg_stpg, sg_turs and sg_dd see the same;
# - teardown in configfs order.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Linux's ALUA device handler would attach to a TPGS != 0 disk, consume
# the 2Ah/06h unit attentions and retry the commands; keep it away so
# sg sees what the target sends. (The root is a tmpfs overlay.)
mkdir -p /etc/modprobe.d
echo "install scsi_dh_alua /bin/false" > /etc/modprobe.d/ktgt-sem-alua.conf

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"
A=$KTGT_CFS/alua
T=/tmp/sem-alua
mkdir -p $T

# expect_errno WHAT MESSAGE CMD...: CMD must fail with MESSAGE (strerror).
expect_errno() {
	local what=$1 msg=$2 out
	shift 2
	out=$("$@" 2>&1) && fail "$what: succeeded"
	[[ "$out" == *"$msg"* ]] || fail "$what: '$out', want '$msg'"
}
# wr FILE VALUE: a write in a child shell, for expect_errno.
wr() { bash -c "echo $2 > $1"; }
st() { ktgt_status "$@"; }
tur() { ktgt_tur "$1"; }
# sks SG SG_RAW_ARGS...: the decoded sense of a command.
sks() {
	local out
	out=$(ktgt_sense "$@")
	ktgt_sense_decode "${out#*sense=}"
}
# din SG LEN CDB...: data-in as hex; fails unless GOOD.
din() {
	local sg=$1 len=$2
	shift 2
	rm -f $T/din
	sg_raw -r "$len" -o $T/din "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $* on $sg failed"
	xxd -p $T/din | tr -d '\n'
}
# pl HEX: write a parameter list file $T/pl.
pl() {
	printf '%s' "$1" | xxd -r -p > $T/pl
}
# stpg_cdb N: SET TARGET PORT GROUPS with a list of N bytes (N < 256).
stpg_cdb() { echo "a4 0a 00 00 00 00 00 00 00 $(printf %02x "$1") 00 00"; }
# stpg SG HEX: its outcome (ktgt_status) with the parameter list HEX.
stpg() {
	local n=$((${#2} / 2))
	pl "$2"
	# shellcheck disable=SC2046
	ktgt_status "$1" -s $n -i $T/pl $(stpg_cdb $n)
}
# stpg_sense SG HEX: the decoded sense of the same.
stpg_sense() {
	local n=$((${#2} / 2))
	pl "$2"
	# shellcheck disable=SC2046
	sks "$1" -s $n -i $T/pl $(stpg_cdb $n)
}
rtpg() { din "$1" 512 a3 0a 00 00 00 00 00 00 02 00 00 00; }
rtpg_ext() { din "$1" 512 a3 2a 00 00 00 00 00 00 02 00 00 00; }
# drain SG: take pending unit attentions until TEST UNIT READY stops
# reporting one.
drain() {
	local i
	for ((i = 0; i < 10; i++)); do
		[[ "$(tur "$1")" == "02 06/"* ]] || return 0
	done
	fail "unit attentions do not stop on $1"
}
# ua_once WHAT: both nexuses report 2Ah/06h exactly once.
ua_once() {
	local sg
	for sg in "$sga" "$sgb"; do
		expect_eq "$(tur "$sg")" "02 06/2a/06" "$1: UA on $sg"
		[[ "$(tur "$sg")" != "02 06/2a/06" ]] || fail "$1: UA twice on $sg"
	done
}

log "configfs"
[ -d "$A" ] || fail "no $A"
ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMALUA
ktgt_mkdev vdisk_nullio/plain size=$((16 << 20)) serial=SEMPLAIN
ktgt_mktarget local/a
ktgt_mktarget local/b
expect_eq "$(cat $KTGT_CFS/targets/local/a/rel_tgt_id)" 1 "a: rel_tgt_id"
expect_eq "$(cat $KTGT_CFS/targets/local/b/rel_tgt_id)" 2 "b: rel_tgt_id"
expect_errno "rel_tgt_id clash" "File exists" \
	wr $KTGT_CFS/targets/local/b/rel_tgt_id 1
expect_errno "rel_tgt_id 0" "Invalid argument" \
	wr $KTGT_CFS/targets/local/b/rel_tgt_id 0
expect_errno "rel_tgt_id 65536" "Invalid argument" \
	wr $KTGT_CFS/targets/local/b/rel_tgt_id 65536
ktgt_write $KTGT_CFS/targets/local/a/rel_tgt_id 10
ktgt_write $KTGT_CFS/targets/local/b/rel_tgt_id 20

mkdir $A/dg1 $A/dg2 || fail "mkdir dg1 dg2"
run_ok "link lu into dg1" ln -s $KTGT_CFS/handlers/vdisk_nullio/lu $A/dg1/devices/lu
expect_errno "lu in two device groups" "Device or resource busy" \
	ln -s $KTGT_CFS/handlers/vdisk_nullio/lu $A/dg2/devices/lu
expect_errno "a target as a device" "Invalid argument" \
	ln -s $KTGT_CFS/targets/local/a $A/dg2/devices/a
mkdir $A/dg1/target_groups/tg1 $A/dg1/target_groups/tg2 || fail "mkdir tgs"
G1=$A/dg1/target_groups/tg1 G2=$A/dg1/target_groups/tg2
expect_eq "$(cat $G1/state) $(cat $G1/group_id) $(cat $G1/preferred)" \
	"active 0 0" "a new group's attributes"
ktgt_write $G1/group_id 1
expect_errno "group_id clash" "File exists" wr $G2/group_id 1
expect_errno "group_id 65536" "Invalid argument" wr $G2/group_id 65536
ktgt_write $G2/group_id 2
expect_errno "unknown state" "Invalid argument" wr $G1/state optimized
expect_errno "preferred 2" "Invalid argument" wr $G1/preferred 2
ktgt_write $G1/preferred 1
run_ok "link a into tg1" ln -s $KTGT_CFS/targets/local/a $G1/targets/a
run_ok "link b into tg2" ln -s $KTGT_CFS/targets/local/b $G2/targets/b
expect_errno "b in two groups of dg1" "Device or resource busy" \
	ln -s $KTGT_CFS/targets/local/b $G1/targets/b
expect_errno "a device as a target" "Invalid argument" \
	ln -s $KTGT_CFS/handlers/vdisk_nullio/lu $G1/targets/lu
expect_errno "rmdir a device group with a device" "Directory not empty" \
	rmdir $A/dg1

ktgt_maplun local/a 1 vdisk_nullio/plain
for t in a b; do
	ktgt_maplun local/$t 0 vdisk_nullio/lu
	ktgt_enable local/$t
done
expect_errno "rel_tgt_id while enabled" "Device or resource busy" \
	wr $KTGT_CFS/targets/local/a/rel_tgt_id 11
sga=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=0)
sgb=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=0)
sgp=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=1)
drain "$sga"
drain "$sgb"
drain "$sgp"

log "INQUIRY"
# Byte 5: TPGS 11b (30h), and 3PC (08h): the disk has a copy manager.
expect_eq "$(din "$sga" 8 12 00 00 00 08 00 | cut -c11-12)" 38 "TPGS 11b, 3PC"
expect_eq "$(din "$sgp" 8 12 00 00 00 08 00 | cut -c11-12)" 08 \
	"TPGS 00b (and 3PC) for a device in no group"
sg_inq "$sga" | grep -q 'TPGS=3' || fail "sg_inq: $(sg_inq "$sga")"
# The last two designators: relative target port, target port group.
vpd=$(din "$sga" 255 12 01 83 00 ff 00)
expect_eq "${vpd: -32}" "01140004""0000000a""01150004""00000001" \
	"VPD 83h port designators through a"
vpd=$(din "$sgb" 255 12 01 83 00 ff 00)
expect_eq "${vpd: -32}" "01140004""00000014""01150004""00000002" \
	"VPD 83h port designators through b"
sg_vpd -p di "$sgb" | grep -qi 'relative target port' ||
	fail "sg_vpd: $(sg_vpd -p di "$sgb")"
# A device in no group: the relative target port only (as without ALUA).
vpd=$(din "$sgp" 255 12 01 83 00 ff 00)
expect_eq "${vpd: -16}" "01140004""0000000a" \
	"VPD 83h relative target port of a device in no group"
[[ "$vpd" != *01150004* ]] || fail "target port group of a device in no group"
expect_eq "$(st "$sgp" -r 64 a3 0a 00 00 00 00 00 00 00 40 00 00)" \
	"02 05/20/00" "REPORT TARGET PORT GROUPS, device in no group"

log "REPORT TARGET PORT GROUPS"
g1="80cf0001""00000001""0000000a"
g2="00cf0002""00000001""00000014"
expect_eq "$(rtpg "$sga")" "00000018$g1$g2" "RTPG"
expect_eq "$(rtpg_ext "$sgb")" "0000001c""10000000$g1$g2" "RTPG extended"
expect_eq "$(din "$sga" 6 a3 0a 00 00 00 00 00 00 00 06 00 00)" \
	"00000018""80cf" "RTPG truncated"
run_ok "sg_rtpg" sg_rtpg -d "$sga"

log "standby"
ktgt_write $G2/state standby
ua_once "configfs standby"
expect_eq "$(cat $G2/state)" standby "state reads back"
grep -qi 'standby' <<< "$(sg_rtpg -d "$sga")" ||
	fail "sg_rtpg: $(sg_rtpg -d "$sga")"
NR="02 02/04/0b"
expect_eq "$(tur "$sgb")" "$NR" "standby: TEST UNIT READY"
expect_eq "$(st "$sgb" -r 4096 28 00 00 00 00 00 00 00 08 00)" "$NR" \
	"standby: READ(10)"
expect_eq "$(st "$sgb" -r 64 a3 0c 00 00 00 00 00 00 00 40 00 00)" "$NR" \
	"standby: REPORT SUPPORTED OPERATION CODES"
# (tests/host/test_alua.c checks every state's list in full)
for c in "-r 96 12 00 00 00 60 00" "-r 255 1a 00 3f 00 ff 00" \
	 "-r 32 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00" \
	 "-r 64 5e 00 00 00 00 00 00 00 40 00"; do
	# shellcheck disable=SC2086
	expect_eq "$(st "$sgb" $c)" GOOD "standby: $c"
done
expect_eq "$(tur "$sga")" GOOD "active a: TEST UNIT READY"
expect_eq "$(rtpg "$sga")" "00000018$g1""02cf0002""00020001""00000014" \
	"RTPG: standby, altered implicitly"

log "unavailable"
ktgt_write $G2/state unavailable
ua_once "configfs unavailable"
NR="02 02/04/0c"
expect_eq "$(tur "$sgb")" "$NR" "unavailable: TEST UNIT READY"
expect_eq "$(st "$sgb" -r 255 1a 00 3f 00 ff 00)" "$NR" \
	"unavailable: MODE SENSE"
expect_eq "$(st "$sgb" -r 8 25 00 00 00 00 00 00 00 00 00)" "$NR" \
	"unavailable: READ CAPACITY"
expect_eq "$(st "$sgb" -r 64 a3 0a 00 00 00 00 00 00 00 40 00 00)" GOOD \
	"unavailable: RTPG"
expect_eq "$(st "$sgb" -r 96 12 00 00 00 60 00)" GOOD "unavailable: INQUIRY"

log "transitioning"
ktgt_write $G2/state transitioning
ua_once "configfs transitioning"
NR="02 02/04/0a"
expect_eq "$(tur "$sgb")" "$NR" "transitioning: TEST UNIT READY"
expect_eq "$(st "$sgb" -r 64 a3 0a 00 00 00 00 00 00 00 40 00 00)" GOOD \
	"transitioning: RTPG"
expect_eq "$(stpg "$sgb" "00000000""00000002")" "$NR" "transitioning: STPG"

log "offline"
ktgt_write $G2/state offline
ua_once "configfs offline"
NR="02 02/04/12"
expect_eq "$(tur "$sgb")" "$NR" "offline: TEST UNIT READY"
expect_eq "$(st "$sgb" -r 64 a3 0a 00 00 00 00 00 00 00 40 00 00)" "$NR" \
	"offline: RTPG"
expect_eq "$(st "$sgb" -r 96 12 00 00 00 60 00)" GOOD "offline: INQUIRY"

log "non-optimized"
ktgt_write $G2/state nonoptimized
ua_once "configfs nonoptimized"
expect_eq "$(tur "$sgb")" GOOD "nonoptimized: TEST UNIT READY"
expect_eq "$(st "$sgb" -s 512 -i /dev/zero 2a 00 00 00 00 00 00 00 01 00)" \
	GOOD "nonoptimized: WRITE(10)"
ktgt_write $G2/state nonoptimized
expect_eq "$(tur "$sga")" GOOD "rewriting the same state: no UA"

log "SET TARGET PORT GROUPS"
# Bad lists, from b: nothing changes and no unit attention.
expect_eq "$(stpg_sense "$sgb" "00000000""0e000001")" \
	"key=05 asc=26 ascq=00 sks=8b0004" "STPG: offline is not settable"
expect_eq "$(stpg_sense "$sgb" "00000000""10000001")" \
	"key=05 asc=26 ascq=00 sks=8f0004" "STPG: reserved bit"
expect_eq "$(stpg_sense "$sgb" "00000000""00000005")" \
	"key=05 asc=26 ascq=00 sks=8f0006" "STPG: unknown group"
expect_eq "$(stpg_sense "$sgb" "00000000""00000001""02000001")" \
	"key=05 asc=26 ascq=00 sks=8f000a" "STPG: a group twice"
expect_eq "$(stpg_sense "$sgb" "00000000""0000")" \
	"key=05 asc=1a ascq=00 sks=-" "STPG: half a descriptor"
expect_eq "$(st "$sgb" a4 0a 00 00 00 00 00 00 00 00 00 00)" GOOD \
	"STPG: empty list"
expect_eq "$(tur "$sga")" GOOD "no UA after refused lists"
expect_eq "$(rtpg "$sga")" "00000018$g1""01cf0002""00020001""00000014" \
	"RTPG unchanged after refused lists"
# From a: tg1 (a) to standby, tg2 (b) to active/optimized.
expect_eq "$(stpg "$sga" "00000000""02000001""00000002")" GOOD "STPG from a"
expect_eq "$(tur "$sga")" "02 02/04/0b" "STPG: a in standby, no UA on a"
expect_eq "$(tur "$sgb")" "02 06/2a/06" "STPG: UA on b"
expect_eq "$(tur "$sgb")" GOOD "STPG: the UA once, b active"
expect_eq "$(rtpg "$sgb")" "00000018""82cf0001""00010001""0000000a""00cf0002""00010001""00000014" \
	"RTPG after STPG: altered by STPG"
expect_eq "$(cat $G1/state) $(cat $G2/state)" "standby active" \
	"configfs shows the STPG states"
# Back, from a, now in standby (which accepts STPG).
expect_eq "$(stpg "$sga" "00000000""00000001")" GOOD "STPG from standby a"
expect_eq "$(tur "$sgb")" "02 06/2a/06" "STPG back: UA on b"
expect_eq "$(tur "$sga")" GOOD "STPG back: a active"

log "sg3_utils"
run_ok "sg_stpg --unavailable --tp=2" sg_stpg -u -t 2 "$sga"
expect_eq "$(cat $G2/state)" unavailable "sg_stpg set tg2"
expect_eq "$(tur "$sgb")" "02 06/2a/06" "sg_stpg: UA on b"
sg_turs "$sgb" > /dev/null 2>&1
expect_eq $? 2 "sg_turs on unavailable b: NOT READY"
run_ok "sg_turs on active a" sg_turs "$sga"
expect_fail "sg_dd from unavailable b" \
	sg_dd if="$sgb" of=/dev/null bs=512 count=8
run_ok "sg_dd from active a" sg_dd if="$sga" of=/dev/null bs=512 count=8

log "teardown"
for t in a b; do
	ktgt_enable local/$t 0
done
run_ok "unlink a" rm $G1/targets/a
run_ok "unlink b" rm $G2/targets/b
run_ok "rmdir tgs" rmdir $G1 $G2
run_ok "unlink lu" rm $A/dg1/devices/lu
run_ok "rmdir dgs" rmdir $A/dg1 $A/dg2
ktgt_cleanup || fail "cleanup"
pass
