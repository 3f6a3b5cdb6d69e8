#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# Unit attentions, REPORT LUNS, REQUEST SENSE and absent LUNs, through
# ktgt_local with only the sg driver bound (sd would consume the unit
# attentions itself while probing):
# - every LUN of a new session starts with POWER ON (29h/00h): INQUIRY
#   does not consume it, the first TEST UNIT READY gets it, the second is
#   GOOD (delivered once per I_T_L nexus);
# - adding a LUN queues REPORTED LUNS DATA HAS CHANGED (3Fh/0Eh) on the
#   other LUNs and POWER ON on the new one; REQUEST SENSE returns the
#   pending condition as its data and dequeues it; REPORT LUNS clears
#   3Fh/0Eh on every LUN of the session; two pending conditions come out
#   in priority order (29h before 3Fh);
# - REPORT LUNS data: peripheral addressing below 256, flat above, the
#   full list length when truncated, SELECT REPORT 02h and 11h (every
#   LUN), 01h, 10h and 12h (none: no well known LUs, no conglomerates),
#   other values and an allocation length below 16 refused, with the
#   field pointer;
# - a LUN that disappears answers INQUIRY with peripheral qualifier 011b
#   and device type 1Fh, REQUEST SENSE with LOGICAL UNIT NOT SUPPORTED
#   data, and everything else with CHECK CONDITION 05h/25h/00h;
# - the session's sysfs directory reflects its target, driver, LUNs and
#   queue depth, and disappears with the session.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
modprobe sg || fail "modprobe sg"

# status SG CDB...: "GOOD", or "<status> <key>/<asc>/<ascq>" (hex).
status() {
	local out st sense k a q
	out=$(ktgt_sense "$@")
	st=${out%% *}
	st=${st#status=}
	if [ "$st" = 00 ]; then
		echo GOOD
		return
	fi
	sense=${out#*sense=}
	read -r k a q _ <<< "$(ktgt_sense_decode "$sense")"
	echo "$st ${k#key=}/${a#asc=}/${q#ascq=}"
}

# tur SG: the outcome of TEST UNIT READY.
tur() {
	status "$1" 00 00 00 00 00 00
}

# data SG RLEN CDB...: the data-in bytes, hex, space separated.
data() {
	local sg=$1 len=$2 f=/tmp/engine-ua.bin
	shift 2
	rm -f "$f"
	sg_raw -r "$len" -o "$f" "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $* on $sg failed"
	od -An -tx1 -v "$f" | tr -s ' \n' ' ' | ktgt_trim
}

for n in 0 1 2 3 4; do
	ktgt_mkdev vdisk_nullio/n$n size=$((8 << 20)) serial=UA$n
done
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/n0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
sg0=$(ktgt_wait_disk -g host="$host" lun=0)
log "LUN 0 is $sg0"

log "session in sysfs"
sess=
for d in "$KTGT_SYSFS"/sessions/*/; do
	[ "$(cat "$d/initiator" 2>/dev/null)" = local:t0 ] && sess=${d%/}
done
[ -n "$sess" ] || fail "no session of initiator local:t0 in $KTGT_SYSFS/sessions"
expect_eq "$(cat "$sess/target")" t0 "session target"
expect_eq "$(cat "$sess/driver")" local "session driver"
expect_eq "$(cat "$sess/luns")" 0 "session LUNs"
expect_eq "$(cat "$sess/queue_depth")" \
	"$(cat /sys/module/ktgt_core/parameters/sess_queue_depth)" "queue depth"

log "POWER ON: INQUIRY does not consume it, one TEST UNIT READY does"
expect_eq "$(status "$sg0" 12 00 00 00 24 00)" GOOD "INQUIRY with a pending UA"
expect_eq "$(tur "$sg0")" "02 06/29/00" "first TUR on LUN 0"
expect_eq "$(tur "$sg0")" GOOD "second TUR on LUN 0"
expect_eq "$(tur "$sg0")" GOOD "third TUR on LUN 0"

log "LUN added: REPORTED LUNS DATA HAS CHANGED on LUN 0, once"
ktgt_maplun local/t0 1 vdisk_nullio/n1
expect_eq "$(cat "$sess/luns")" "0 1" "session LUNs after adding LUN 1"
expect_eq "$(tur "$sg0")" "02 06/3f/0e" "TUR on LUN 0 after adding LUN 1"
expect_eq "$(tur "$sg0")" GOOD "second TUR on LUN 0 after adding LUN 1"

log "REQUEST SENSE returns the pending UA and dequeues it"
ktgt_maplun local/t0 2 vdisk_nullio/n2
rs=$(data "$sg0" 252 03 00 00 00 fc 00)
log "REQUEST SENSE data: $rs"
expect_eq "$(ktgt_sense_decode "$rs")" "key=06 asc=3f ascq=0e sks=-" \
	"REQUEST SENSE data with a pending UA"
expect_eq "$(tur "$sg0")" GOOD "TUR after REQUEST SENSE took the UA"
rs=$(data "$sg0" 252 03 01 00 00 fc 00)
expect_eq "${rs%% *}" 72 "REQUEST SENSE DESC=1 response code"
expect_eq "$(ktgt_sense_decode "$rs")" "key=00 asc=00 ascq=00 sks=-" \
	"REQUEST SENSE without a pending UA"
rs=$(data "$sg0" 8 03 00 00 00 08 00)
expect_eq "$rs" "70 00 00 00 00 00 00 0a" \
	"REQUEST SENSE truncated to its allocation length (8)"

log "REPORT LUNS clears 3Fh/0Eh on the session's other LUNs"
# The rescan sends REPORT LUNS (to LUN 0) and INQUIRY to each LUN.
ktgt_maplun local/t0 300 vdisk_nullio/n3
ktgt_local_rescan t0
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
sg2=$(ktgt_wait_disk -g host="$host" lun=2)
# LUN 1 had POWER ON and 3Fh/0Eh (from LUN 2 and 300): only 29h is left.
expect_eq "$(tur "$sg1")" "02 06/29/00" "first TUR on LUN 1"
expect_eq "$(tur "$sg1")" GOOD "second TUR on LUN 1 (3Fh/0Eh cleared)"

log "two pending conditions come out by priority"
# LUN 2 has POWER ON; adding LUN 4 queues 3Fh/0Eh behind it.
ktgt_maplun local/t0 4 vdisk_nullio/n4
expect_eq "$(tur "$sg2")" "02 06/29/00" "first TUR on LUN 2"
expect_eq "$(tur "$sg2")" "02 06/3f/0e" "second TUR on LUN 2"
expect_eq "$(tur "$sg2")" GOOD "third TUR on LUN 2"

log "REPORT LUNS data"
rl=$(data "$sg0" 1024 a0 00 00 00 00 00 00 00 04 00 00 00)
log "REPORT LUNS: $rl"
expect_eq "$rl" "00 00 00 28 00 00 00 00 \
00 00 00 00 00 00 00 00 \
00 01 00 00 00 00 00 00 \
00 02 00 00 00 00 00 00 \
00 04 00 00 00 00 00 00 \
41 2c 00 00 00 00 00 00" "REPORT LUNS of LUNs 0 1 2 4 300"
rl=$(data "$sg0" 16 a0 00 00 00 00 00 00 00 00 10 00 00)
expect_eq "$rl" "00 00 00 28 00 00 00 00 00 00 00 00 00 00 00 00" \
	"REPORT LUNS truncated to 16 bytes keeps the full list length"
full=$(data "$sg0" 1024 a0 00 00 00 00 00 00 00 04 00 00 00)
# No well known LUs, no conglomerates (no administrative or subsidiary
# LUs): 02h and 11h list every LUN as 00h does; 01h (well known LUs),
# 10h (administrative LUs) and 12h (the addressed administrative LU and
# its subsidiaries: LUN 0 is none) an empty list.
for sr in 02 11; do
	rl=$(data "$sg0" 1024 a0 00 $sr 00 00 00 00 00 04 00 00 00)
	expect_eq "$rl" "$full" "REPORT LUNS SELECT REPORT ${sr}h"
done
for sr in 01 10 12; do
	rl=$(data "$sg0" 64 a0 00 $sr 00 00 00 00 00 00 40 00 00)
	expect_eq "$rl" "00 00 00 00 00 00 00 00" \
		"REPORT LUNS SELECT REPORT ${sr}h"
done
expect_eq "$(status "$sg0" a0 00 00 00 00 00 00 00 00 08 00 00)" \
	"02 05/24/00" "REPORT LUNS with allocation length 8"
# Reserved and vendor specific values: INVALID FIELD IN CDB, byte 2.
for sr in 03 05 0f 13 f8 ff; do
	r=$(ktgt_sense -r 64 "$sg0" a0 00 $sr 00 00 00 00 00 00 40 00 00)
	expect_eq "${r%% *}" status=02 "REPORT LUNS SELECT REPORT ${sr}h status"
	expect_eq "$(ktgt_sense_decode "${r#*sense=}")" \
		"key=05 asc=24 ascq=00 sks=cf0002" \
		"REPORT LUNS SELECT REPORT ${sr}h sense"
done
expect_eq "$(cat "$sess/luns")" "0 1 2 4 300" "session LUNs"
sg_luns "$sg0" > /tmp/engine-luns.txt 2>&1 || fail "sg_luns failed"
grep -q "Lun list length = 40" /tmp/engine-luns.txt ||
	fail "sg_luns: $(cat /tmp/engine-luns.txt)"
for sr in 2 17; do
	sg_luns -s $sr "$sg0" > /tmp/engine-luns.txt 2>&1 ||
		fail "sg_luns -s $sr: $(cat /tmp/engine-luns.txt)"
	grep -q "Lun list length = 40" /tmp/engine-luns.txt ||
		fail "sg_luns -s $sr: $(cat /tmp/engine-luns.txt)"
done
for sr in 1 16 18; do
	sg_luns -s $sr "$sg0" > /tmp/engine-luns.txt 2>&1 ||
		fail "sg_luns -s $sr: $(cat /tmp/engine-luns.txt)"
	grep -q "Lun list length = 0 " /tmp/engine-luns.txt ||
		fail "sg_luns -s $sr: $(cat /tmp/engine-luns.txt)"
done

log "a LUN that goes away"
ktgt_unmaplun local/t0 2
inq=$(data "$sg2" 36 12 00 00 00 24 00)
expect_eq "${inq%% *}" 7f "INQUIRY byte 0 of an absent LUN (PQ 011b, PDT 1Fh)"
expect_eq "$(status "$sg2" 12 01 00 00 24 00)" "02 05/25/00" \
	"INQUIRY EVPD to an absent LUN"
expect_eq "$(tur "$sg2")" "02 05/25/00" "TUR to an absent LUN"
expect_eq "$(status "$sg2" 28 00 00 00 00 00 00 00 01 00)" "02 05/25/00" \
	"READ(10) to an absent LUN"
rs=$(data "$sg2" 252 03 00 00 00 fc 00)
expect_eq "$(ktgt_sense_decode "$rs")" "key=05 asc=25 ascq=00 sks=-" \
	"REQUEST SENSE data of an absent LUN"
rl=$(data "$sg2" 1024 a0 00 00 00 00 00 00 00 04 00 00 00)
expect_eq "${rl:0:11}" "00 00 00 20" "REPORT LUNS through an absent LUN"
expect_eq "$(tur "$sg1")" GOOD \
	"TUR on LUN 1 (REPORT LUNS through LUN 2 cleared 3Fh/0Eh)"

log "a target whose LUN 0 is absent is still scanned"
ktgt_mktarget local/t1
ktgt_maplun local/t1 7 vdisk_nullio/n2
ktgt_enable local/t1
host1=$(ktgt_local_host t1)
sg7=$(ktgt_wait_disk -g host="$host1" lun=7)
expect_eq "$(tur "$sg7")" "02 06/29/00" "first TUR on t1's LUN 7"
ktgt_find_disk host="$host1" lun=0 >/dev/null &&
	fail "t1 has a SCSI device for its absent LUN 0"

log "sessions end with their targets"
id=${sess##*/}
ktgt_enable local/t0 0
[ -e "$KTGT_SYSFS/sessions/$id" ] && fail "session $id still in sysfs"
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
