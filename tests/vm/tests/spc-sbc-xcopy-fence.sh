#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# An EXTENDED COPY stops writing once its I_T nexus is fenced off the
# destination, or once it is aborted, while it runs. Two I_T nexuses A
# and B (local targets a and b) to X (LUN 0, vdisk_nullio, whose reads
# delay_ms holds) and Y (LUN 1, vdisk_fileio filled with FFh). B sends
# EXTENDED COPY to X: 4 segments of 2048 blocks X -> Y (4 MB, one 1 MB
# chunk each), the first read held.
# 1. Under A's WRITE EXCLUSIVE - REGISTRANTS ONLY reservation of Y, of
#    which B is a registrant (so the copy passes its checks at the
#    start), A preempts and aborts B's key on Y. B's own WRITE to Y then
#    conflicts; once the read is released, the copy must end with CHECK
#    CONDITION, COPY ABORTED, COPY TARGET DEVICE NOT REACHABLE (as if
#    it had been fenced off at the start) - not GOOD - and Y must be
#    unchanged: the preempt came while the first chunk was still being
#    read, before any write was checked, so no chunk may be written.
# 2. With no reservation on Y, A resets X (LOGICAL UNIT RESET), which
#    aborts B's copy: once the read is released, Y must be unchanged
#    (the copy must not write on after it was aborted).
# 3. With every read of X taking 1.5 s, RECEIVE COPY RESULTS (COPY
#    STATUS) of B's copy (LIST ID USAGE 00b) polled while it runs must
#    report its progress - segments processed and bytes written so far
#    - and not zeros until it ends; then completed, 4 segments, 4 MB.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/xcopy.sh"

T=$(mktemp -d /tmp/spc-xcopy-fence.XXXXXX) || fail "mktemp"
# plist FILE TGTHEX SEGHEX: a parameter list, LIST ID USAGE 11b.
plist() {
	local tl=$(( ${#2} / 2 )) sl=$(( ${#3} / 2 ))
	printf '00%02x%s00000000%s00000000%s%s' $((3 << 3)) \
		"$(be $tl 2)" "$(be $sl 4)" "$2" "$3" | xxd -r -p > "$1"
}
# changed: how many of the 1 MB chunks of Y (2048 blocks, what the copy
# manager writes at once) are not all FFh (cmp: od is far too slow here).
changed() {
	local i c=0
	sync
	for i in $(seq 0 15); do
		cmp -s -i $((i << 20)):$((i << 20)) -n $((1 << 20)) \
			"$T/y.img" "$T/ff.img" || c=$((c + 1))
	done
	echo $c
}
delay() { echo "$1" > "$KTGT_CFS/handlers/vdisk_nullio/x/delay_ms"; }

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
head -c $((16 << 20)) /dev/zero | tr '\0' '\377' > "$T/ff.img"
cp "$T/ff.img" "$T/y.img"
ktgt_mkdev vdisk_nullio/x size=$((16 << 20))
ktgt_mkdev vdisk_fileio/y filename="$T/y.img"
for t in a b; do
	ktgt_mktarget local/$t
	ktgt_maplun local/$t 0 vdisk_nullio/x
	ktgt_maplun local/$t 1 vdisk_fileio/y
	ktgt_enable local/$t
done
a0=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=0)
a1=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=1)
b0=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=0)
b1=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=1)
# Use up the power on / reset unit attentions.
for s in $a0 $a1 $b0 $b1; do
	for i in 1 2 3 4; do ktgt_tur "$s" >/dev/null; done
done
naax=$(cat "$KTGT_CFS/handlers/vdisk_nullio/x/naa_id")
naay=$(cat "$KTGT_CFS/handlers/vdisk_fileio/y/naa_id")
segs=""
for i in 0 1 2 3; do segs+=$(seg 0 1 2048 $((i * 2048)) $((i * 2048))); done
plist "$T/p" "$(tgt "$naax")$(tgt "$naay")" "$segs"
n=$(stat -c %s "$T/p")
# xcopy_bg OUT: B's EXTENDED COPY to X, in the background.
xcopy_bg() {
	# shellcheck disable=SC2046
	ktgt_sense -s "$n" -i "$T/p" "$b0" 83 00 00 00 00 00 00 00 00 00 \
		$(be "$n" 4 | sed 's/../& /g') 00 00 > "$1" &
	xpid=$!
}
wr10() { ktgt_status "$1" -s 512 -i /dev/zero 2a 00 00 00 10 00 00 00 01 00; }

log "1. PREEMPT AND ABORT of B's key on Y while B copies X -> Y"
expect_eq "$(ktgt_pr "$a1" -o -G -S a)" 0 "A: REGISTER 0xa on Y"
expect_eq "$(ktgt_pr "$b1" -o -G -S b)" 0 "B: REGISTER 0xb on Y"
expect_eq "$(ktgt_pr "$a1" -o -R -K a -T 5)" 0 "A: RESERVE WE_RO on Y"
expect_eq "$(changed)" 0 "Y all FFh before the copy"
delay 30000
xcopy_bg "$T/xcopy1.out"
sleep 3
[ -d "/proc/$xpid" ] || fail "B's copy ended before the preempt: $(cat "$T/xcopy1.out")"
expect_eq "$(ktgt_pr "$a1" -o -A -K a -S b -T 5)" 0 \
	"A: PREEMPT AND ABORT of B's key on Y"
ktgt_tur "$b1" >/dev/null	# REGISTRATIONS PREEMPTED
expect_eq "$(wr10 "$b1")" CONFLICT "B's own WRITE to Y after the preempt"
delay 0
wait $xpid
out=$(cat "$T/xcopy1.out")
log "B's EXTENDED COPY ended: $out"
c=$(changed)
log "1 MB chunks of Y written: $c"
[ "${out%% *}" = status=02 ] ||
	fail "B's copy after PREEMPT AND ABORT: expected CHECK CONDITION, got $out ($c MB of Y written)"
expect_eq "$(ktgt_sense_decode "${out#*sense=}")" \
	"key=0a asc=0d ascq=02 sks=800030" \
	"B's copy: COPY TARGET DEVICE NOT REACHABLE, pointing at Y's target descriptor"
expect_eq "$c" 0 "1 MB chunks of Y written by B's copy after B was fenced off"

log "2. LOGICAL UNIT RESET of X while B copies X -> Y"
expect_eq "$(ktgt_pr "$a1" -o -C -K a)" 0 "A: CLEAR on Y"
ktgt_tur "$b1" >/dev/null	# RESERVATIONS RELEASED, if any
delay 30000
xcopy_bg "$T/xcopy2.out"
sleep 3
[ -d "/proc/$xpid" ] || fail "B's copy ended before the reset: $(cat "$T/xcopy2.out")"
# The reset waits for the aborted copy, which waits for the read.
sg_reset -d "$a0" > "$T/reset.out" 2>&1 &
rpid=$!
sleep 2
delay 0
wait $rpid || fail "sg_reset -d $a0 failed: $(cat "$T/reset.out")"
wait $xpid
out=$(cat "$T/xcopy2.out")
log "B's EXTENDED COPY ended: $out (TASK ABORTED: the midlayer's DID_RESET)"
[ "${out%% *}" != status=00 ] || fail "B's aborted copy ended GOOD"
c=$(changed)
expect_eq "$c" 0 "1 MB chunks of Y written by B's copy after it was aborted"

log "3. COPY STATUS while B copies X -> Y"
for i in 1 2 3 4; do ktgt_tur "$b0" >/dev/null; done	# the reset's UAs
t="$(tgt "$naax")$(tgt "$naay")"
printf '0700%s00000000%s00000000%s%s' "$(be $((${#t} / 2)) 2)" \
	"$(be $((${#segs} / 2)) 4)" "$t" "$segs" | xxd -r -p > "$T/p"
# cstat: COPY STATUS of list 7 through B's nexus to X, as hex.
cstat() {
	rm -f "$T/cs"
	sg_raw -r 12 -o "$T/cs" "$b0" 84 00 07 00 00 00 00 00 00 00 \
		00 00 00 0c 00 00 >/dev/null 2>&1 || return
	xxd -p "$T/cs" | tr -d '\n'
}
delay 1500
xcopy_bg "$T/xcopy3.out"
seen=""
while [ -d "/proc/$xpid" ]; do
	st=$(cstat)
	# COPY MANAGER STATUS 00h (in progress), SEGMENTS PROCESSED, bytes
	if [ "${st:8:2}" = 00 ] && [ $((16#${st:10:4})) -gt 0 ]; then
		seen+=" $((16#${st:10:4}))/$((16#${st:16:8}))"
	fi
	sleep 0.2
done
wait $xpid
delay 0
out=$(cat "$T/xcopy3.out")
expect_eq "${out%% *}" status=00 "B's copy with COPY STATUS polled"
log "progress seen while running (segments/bytes):$seen"
[ -n "$seen" ] ||
	fail "COPY STATUS of the running copy never reported a processed segment"
# Each segment is one 1 MB chunk: its bytes are counted when written,
# the segment right after.
for p in $seen; do
	if [ "${p#*/}" -lt $((${p%/*} << 20)) ] ||
	   [ "${p#*/}" -gt $(((${p%/*} + 1) << 20)) ]; then
		fail "COPY STATUS in progress: $p: bytes do not match the segments"
	fi
done
expect_eq "$(cstat)" "0000000801000400$(be $((4 << 20)) 4)" \
	"COPY STATUS after the copy: completed, 4 segments, 4 MB"
pass
