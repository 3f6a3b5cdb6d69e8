#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# A PREEMPT AND ABORT completes only after the EXTENDED COPY writes of
# the preempted I_T nexus already past their reservation check have
# landed, as it completes only after the nexus' own aborted commands
# (SPC-4 5.13.11.2.4.4). Two I_T nexuses A and B (local targets a and b)
# to X (LUN 0, vdisk_nullio) and Y (LUN 1, vdisk_nullio whose delay_ms
# holds READs and WRITEs). Under A's WRITE EXCLUSIVE - REGISTRANTS ONLY
# reservation of Y, of which B is a registrant, B sends EXTENDED COPY to
# X: 2 segments of 2048 blocks X -> Y (one 1 MB chunk each). The first
# chunk's WRITE to Y passed its check and is held by delay_ms when A
# preempts and aborts B's key on Y: the PREEMPT AND ABORT must still be
# waiting 2 s later, and end once that WRITE is released; the copy then
# ends with COPY ABORTED, COPY TARGET DEVICE NOT REACHABLE (its second
# chunk fenced off), and B's own WRITE to Y conflicts.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/xcopy.sh"

T=$(mktemp -d /tmp/sem-pr-xcopy.XXXXXX) || fail "mktemp"
# plist FILE TGTHEX SEGHEX: a parameter list, LIST ID USAGE 11b.
plist() {
	local tl=$(( ${#2} / 2 )) sl=$(( ${#3} / 2 ))
	printf '00%02x%s00000000%s00000000%s%s' $((3 << 3)) \
		"$(be $tl 2)" "$(be $sl 4)" "$2" "$3" | xxd -r -p > "$1"
}
delay() { echo "$1" > "$KTGT_CFS/handlers/vdisk_nullio/y/delay_ms"; }
wr10() { ktgt_status "$1" -s 512 -i /dev/zero 2a 00 00 00 10 00 00 00 01 00; }

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
ktgt_mkdev vdisk_nullio/x size=$((16 << 20))
ktgt_mkdev vdisk_nullio/y size=$((16 << 20))
for t in a b; do
	ktgt_mktarget local/$t
	ktgt_maplun local/$t 0 vdisk_nullio/x
	ktgt_maplun local/$t 1 vdisk_nullio/y
	ktgt_enable local/$t
done
a1=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=1)
b0=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=0)
b1=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=1)
# Use up the power on / reset unit attentions.
for s in $a1 $b0 $b1; do
	for i in 1 2 3 4; do ktgt_tur "$s" >/dev/null; done
done
naax=$(cat "$KTGT_CFS/handlers/vdisk_nullio/x/naa_id")
naay=$(cat "$KTGT_CFS/handlers/vdisk_nullio/y/naa_id")
plist "$T/p" "$(tgt "$naax")$(tgt "$naay")" \
	"$(seg 0 1 2048 0 0)$(seg 0 1 2048 2048 2048)"
n=$(stat -c %s "$T/p")

expect_eq "$(ktgt_pr "$a1" -o -G -S a)" 0 "A: REGISTER 0xa on Y"
expect_eq "$(ktgt_pr "$b1" -o -G -S b)" 0 "B: REGISTER 0xb on Y"
expect_eq "$(ktgt_pr "$a1" -o -R -K a -T 5)" 0 "A: RESERVE WE_RO on Y"
delay 60000
# shellcheck disable=SC2046
ktgt_sense -s "$n" -i "$T/p" "$b0" 83 00 00 00 00 00 00 00 00 00 \
	$(be "$n" 4 | sed 's/../& /g') 00 00 > "$T/xcopy.out" &
xpid=$!
# X's read is not delayed: the first chunk's WRITE to Y is soon held.
sleep 3
[ -d "/proc/$xpid" ] || {
	delay 0
	fail "B's copy ended before the preempt: $(cat "$T/xcopy.out")"
}
ktgt_pr "$a1" -o -A -K a -S b -T 5 > "$T/pa.out" &
ppid=$!
sleep 2
if ! [ -d "/proc/$ppid" ]; then
	delay 0
	wait $xpid
	fail "PREEMPT AND ABORT ended ($(cat "$T/pa.out")) while B's copy WRITE to Y was still held"
fi
delay 0
wait $ppid
expect_eq "$(cat "$T/pa.out")" 0 "A: PREEMPT AND ABORT of B's key on Y"
wait $xpid
out=$(cat "$T/xcopy.out")
log "B's EXTENDED COPY ended: $out"
[ "${out%% *}" = status=02 ] ||
	fail "B's copy after PREEMPT AND ABORT: expected CHECK CONDITION, got $out"
expect_eq "$(ktgt_sense_decode "${out#*sense=}")" \
	"key=0a asc=0d ascq=02 sks=800030" \
	"B's copy: COPY TARGET DEVICE NOT REACHABLE, pointing at Y's target descriptor"
ktgt_tur "$b1" >/dev/null	# REGISTRATIONS PREEMPTED
expect_eq "$(wr10 "$b1")" CONFLICT "B's own WRITE to Y after the preempt"
pass
