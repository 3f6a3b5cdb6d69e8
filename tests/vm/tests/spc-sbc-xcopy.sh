#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# EXTENDED COPY(LID1) and RECEIVE COPY RESULTS on vdisk_fileio LUNs of a
# local target, checked against the backing files: VPD page 8Fh and the
# OPERATING PARAMETERS; a block to block copy inside one LU and from one
# LU to another (two identification target descriptors naming the LUs by
# their NAA designator), onto an overlapping range (later and earlier)
# of the same LU, several segments, COPY STATUS of a copy and
# FAILED SEGMENT DETAILS of a failed one; no slab allocation at a
# ktgt_core call site for three copies (kmem hist triggers; the copy
# operation comes from a mempool); a zero-length parameter list;
# and the errors: PARAMETER LIST LENGTH ERROR, TOO MANY TARGET / SEGMENT
# DESCRIPTORS, UNSUPPORTED TARGET / SEGMENT DESCRIPTOR TYPE CODE, COPY
# ABORTED for an unknown LU, a bad descriptor index and a range past the
# end, COPY ABORTED, WRITE PROTECTED for a read-only destination (not
# DATA PROTECT, which would be about the LU the copy was sent to), with
# the number of its segment in COMMAND-SPECIFIC INFORMATION, each COPY
# ABORTED with its segment pointer (SD = 0: the target descriptor at
# fault; SD = 1: the field of the segment descriptor), INVALID FIELD IN
# PARAMETER LIST for a segment (after a good one) between different block
# sizes or longer than 64 MiB (LUN 3 has 4096-byte blocks), INVALID
# FIELD IN CDB for COPY STATUS of an unknown list identifier - with the
# backing files unchanged by every refused copy.
# Fencing: two I_T nexuses (local targets a and b) to LUs X (LUN 0) and
# Y (LUN 1). The copy manager reads a source as if the issuing nexus
# sent a READ and writes a destination as if it sent a WRITE: with A's
# WRITE EXCLUSIVE reservation on Y, B's copy to Y (also after a segment
# inside X) is refused with COPY ABORTED, COPY TARGET DEVICE NOT
# REACHABLE, writes nothing, and RECEIVE COPY RESULTS reports it (0
# segments, 0 bytes, its sense); B's copy from Y and A's copy to Y
# succeed; with EXCLUSIVE ACCESS, B's copy from Y is refused; so are
# B's copies to and from Y under A's SPC-2 RESERVE, and through B's
# port while Y's target port group for b is standby, while A's, through
# an active group, succeeds.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/xcopy.sh"

T=$(mktemp -d /tmp/spc-xcopy.XXXXXX) || fail "mktemp"
# Y is in an ALUA device group: keep Linux's ALUA device handler away
# from its disks, as sem-alua.sh does (the root is a tmpfs overlay).
mkdir -p /etc/modprobe.d
echo "install scsi_dh_alua /bin/false" > /etc/modprobe.d/ktgt-spc-xcopy.conf
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

# plist FILE LISTID USAGE TGTHEX SEGHEX: write a parameter list.
plist() {
	local tl=$(( ${#4} / 2 )) sl=$(( ${#5} / 2 ))
	printf '%02x%02x%s00000000%s00000000%s%s' "$2" $(($3 << 3)) \
		"$(be $tl 2)" "$(be $sl 4)" "$4" "$5" | xxd -r -p > "$1"
}

# xcopy FILE [LEN]: EXTENDED COPY(LID1) with FILE as the parameter list
# (PARAMETER LIST LENGTH LEN, default the file's size).
xcopy() {
	local n=${2:-$(stat -c %s "$1")}
	if [ "$n" -eq 0 ]; then
		ktgt_sense "$sg" 83 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		return
	fi
	# shellcheck disable=SC2046
	ktgt_sense -s "$n" -i "$1" "$sg" 83 00 00 00 00 00 00 00 00 00 \
		$(be "$n" 4 | sed 's/../& /g') 00 00
}

sums() {
	sha256sum "$img0" "$img1" "$img2" | cut -d' ' -f1 | tr '\n' ' '
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

img0=$T/x0.img img1=$T/x1.img img2=$T/x2.img img3=$T/x3.img
img4=$T/x4.img
truncate -s 16M "$img0" "$img1" "$img2" "$img3" || fail "truncate"
# Room for a segment of 64 MiB + 4 KiB.
truncate -s 80M "$img4" || fail "truncate"
cap=32768
for i in 0 1 2 3; do
	ktgt_mkdev vdisk_fileio/x$i filename="$T/x$i.img"
done
ktgt_mktarget local/tx
ktgt_maplun local/tx 0 vdisk_fileio/x0
ktgt_maplun local/tx 1 vdisk_fileio/x1
ktgt_maplun local/tx 2 vdisk_fileio/x2 read_only=1
ktgt_mkdev vdisk_fileio/x4 filename="$T/x4.img" blocksize=4096
ktgt_maplun local/tx 3 vdisk_fileio/x4
ktgt_enable local/tx
# x3 is not mapped: the copy manager must not reach it.
host=$(ktgt_local_host tx)
sg0=$(ktgt_wait_disk -g host="$host" lun=0)
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
sg=$sg0
naa() { cat "$KTGT_CFS/handlers/vdisk_fileio/x$1/naa_id"; }
naa0=$(naa 0) naa1=$(naa 1) naa2=$(naa 2) naa3=$(naa 3) naa4=$(naa 4)
log "LUN 0 $sg0 naa $naa0, LUN 1 $sg1 naa $naa1"

log "VPD page 8Fh and OPERATING PARAMETERS"
p=$(din 255 12 01 00 00 ff 00)
expect_eq "$p" 000000070080838fb0b1b2 "supported VPD pages list 8Fh"
p=$(din 255 12 01 8f 00 ff 00)
expect_eq "${p:0:8}" 008f0058 "VPD 8Fh header"
expect_eq "${p:8:32}" 0001000c088301008403000304000000 \
	"Supported Commands: 83h/00h, 84h/00h 03h 04h"
expect_eq "${p:40:8}" 0004001c "Parameter Data descriptor"
expect_eq "${p:56:16}" "$(be 8 2)$(be 16 2)$(be 1024 4)" \
	"Parameter Data: descriptor limits"
expect_eq "${p:104:16}" 000800040202e400 "Supported Descriptors: 02h, E4h"
expect_eq "${p:120:8}" 8001001c "General Copy Operations descriptor"
op=$(din 64 84 03 00 00 00 00 00 00 00 00 00 00 00 40 00 00)
expect_eq "${op:0:8}" 0000002a "OPERATING PARAMETERS length"
expect_eq "${op:8:2}" 01 "SNLID"
maxt=$((16#${op:16:4})) maxs=$((16#${op:20:4})) maxl=$((16#${op:24:8}))
expect_eq "$maxt $maxs $maxl" "8 16 1024" "descriptor limits"
expect_eq "${op:86:6}" 0202e4 "implemented descriptor types"

log "EXTENDED COPY inside one LU"
head -c 1M /dev/urandom > $T/d1m
dd if=$T/d1m of="$img0" bs=1M conv=notrunc status=none
plist $T/p1 1 2 "$(tgt "$naa0")" "$(seg 0 0 2048 0 10000)"
expect_good "copy 2048 blocks 0 -> 10000" "$(xcopy $T/p1)"
dd if="$img0" bs=512 skip=10000 count=2048 status=none | cmp -s - $T/d1m ||
	fail "blocks 10000+2048 of x0 differ from the source"
# The copy operation comes from the copy manager's mempool and its
# buffer from the sgv pool: no slab allocation at a ktgt_core call site
# per EXTENDED COPY (it was kzalloc()ed, one per command).
# shellcheck disable=SC2317 # called by ktgt_kmem_window
xcopy3() {
	for dst in 12048 14096 16144; do
		plist $T/p3 1 2 "$(tgt "$naa0")" "$(seg 0 0 2048 0 $dst)"
		expect_good "copy 2048 blocks 0 -> $dst" "$(xcopy $T/p3)"
	done
}
if ktgt_kmem_can_count; then
	ktgt_kmem_window "3 EXTENDED COPYs" xcopy3
	expect_eq "$(ktgt_kmem_core .)" 0 \
		"ktgt_core slab allocations outside the pool for 3 EXTENDED COPYs"
else
	log "no hist triggers on kmem events in this kernel: allocations not counted"
	xcopy3
fi
for dst in 12048 14096 16144; do
	dd if="$img0" bs=512 skip=$dst count=2048 status=none | cmp -s - $T/d1m ||
		fail "blocks $dst+2048 of x0 differ from the source"
done

# A range copied onto a later range of the same LU that it overlaps:
# the destination must hold the source as it was (the copy moves 1 MiB
# at a time: copied from its start, the second MiB would be read after
# the first one's write overwrote part of it).
head -c 2M /dev/urandom > $T/d2m
dd if=$T/d2m of="$img0" bs=512 seek=20000 conv=notrunc status=none
plist $T/p4 1 2 "$(tgt "$naa0")" "$(seg 0 0 4096 20000 20512)"
expect_good "copy 4096 blocks 20000 -> 20512 (overlapping)" "$(xcopy $T/p4)"
dd if="$img0" bs=512 skip=20512 count=4096 status=none | cmp -s - $T/d2m ||
	fail "blocks 20512+4096 of x0 differ from the overlapping source"
# And onto an earlier overlapping range.
plist $T/p4 1 2 "$(tgt "$naa0")" "$(seg 0 0 4096 20512 20100)"
expect_good "copy 4096 blocks 20512 -> 20100 (overlapping)" "$(xcopy $T/p4)"
dd if="$img0" bs=512 skip=20100 count=4096 status=none | cmp -s - $T/d2m ||
	fail "blocks 20100+4096 of x0 differ from the overlapping source"

log "EXTENDED COPY between LUs, three segments, COPY STATUS"
plist $T/p2 5 0 "$(tgt "$naa0")$(tgt "$naa1")" \
	"$(seg 0 1 2048 0 0)$(seg 0 1 100 0 $((cap - 100)))$(seg 1 0 8 0 30000)"
expect_good "copy x0 -> x1 -> x0" "$(xcopy $T/p2)"
dd if="$img1" bs=512 count=2048 status=none | cmp -s - $T/d1m ||
	fail "x1 blocks 0+2048 differ from x0's"
head -c 51200 $T/d1m > $T/d100
dd if="$img1" bs=512 skip=$((cap - 100)) count=100 status=none |
	cmp -s - $T/d100 || fail "x1's last 100 blocks differ"
head -c 4096 $T/d1m > $T/d8
dd if="$img0" bs=512 skip=30000 count=8 status=none | cmp -s - $T/d8 ||
	fail "x0 blocks 30000+8 differ from x1's first 8"
st=$(din 12 84 00 05 00 00 00 00 00 00 00 00 00 00 0c 00 00)
# 3 segments, 1048576 + 51200 + 4096 bytes
expect_eq "$st" "0000000801000300$(be $((1048576 + 51200 + 4096)) 4)" \
	"COPY STATUS: completed, 3 segments, bytes"
fs=$(din 96 84 04 05 00 00 00 00 00 00 00 00 00 00 60 00 00)
expect_eq "${fs:0:8} ${fs:112:8}" "00000038 00000000" \
	"FAILED SEGMENT DETAILS of a good copy: GOOD, no sense"

log "Errors"
before=$(sums)
expect_check "COPY STATUS of an unknown list identifier" \
	"key=05 asc=24 ascq=00 sks=cf0002" \
	"$(ktgt_sense -r 12 "$sg" 84 00 63 00 00 00 00 00 00 00 00 00 00 0c 00 00)"
expect_good "parameter list length 0" "$(xcopy /dev/null 0)"
plist $T/p 1 0 "$(tgt "$naa0")" "$(seg 0 0 8 0 100)"
head -c 47 $T/p > $T/pt
expect_check "parameter list cut in the target descriptor" \
	"key=05 asc=1a ascq=00 sks=-" "$(xcopy $T/pt)"
head -c 75 $T/p > $T/pt
expect_check "parameter list cut in the segment descriptor" \
	"key=05 asc=1a ascq=00 sks=-" "$(xcopy $T/pt)"
t9=""
for ((i = 0; i < 9; i++)); do t9+=$(tgt "$naa0"); done
plist $T/p 1 0 "$t9" "$(seg 0 0 8 0 100)"
expect_check "9 target descriptors" "key=05 asc=26 ascq=06 sks=8f0002" \
	"$(xcopy $T/p)"
s17=""
for ((i = 0; i < 17; i++)); do s17+=$(seg 0 0 8 0 100); done
plist $T/p 1 0 "$(tgt "$naa0")" "$s17"
expect_check "17 segment descriptors" "key=05 asc=26 ascq=08 sks=8f0008" \
	"$(xcopy $T/p)"
plist $T/p 1 0 "$(tgt "$naa0" e0)" "$(seg 0 0 8 0 100)"
expect_check "Fibre Channel target descriptor (E0h)" \
	"key=05 asc=26 ascq=07 sks=8f0010" "$(xcopy $T/p)"
plist $T/p 1 0 "$(tgt "$naa0")" "$(seg 0 0 8 0 100 01)"
expect_check "stream to block segment descriptor (01h)" \
	"key=05 asc=26 ascq=09 sks=8f0030" "$(xcopy $T/p)"
plist $T/p 1 0 "$(tgt "$naa3")" "$(seg 0 0 8 0 100)"
expect_check "an LU the I_T nexus cannot see" \
	"key=0a asc=08 ascq=04 sks=800010" "$(xcopy $T/p)"
plist $T/p 1 0 "$(tgt "$naa0")" "$(seg 0 1 8 0 100)"
expect_check "destination descriptor index 1 of 1" \
	"key=0a asc=08 ascq=04 sks=af0006" "$(xcopy $T/p)"
plist $T/p 7 0 "$(tgt "$naa0")" "$(seg 0 0 2048 0 $((cap - 1)))"
expect_check "destination past the end" "key=0a asc=0d ascq=02 sks=af0014" \
	"$(xcopy $T/p)"
st=$(din 12 84 00 07 00 00 00 00 00 00 00 00 00 00 0c 00 00)
expect_eq "${st:8:2}" 02 "COPY STATUS of the failed copy: completed with error"
fs=$(din 96 84 04 07 00 00 00 00 00 00 00 00 00 00 60 00 00)
expect_eq "${fs:112:2}" 02 "FAILED SEGMENT DETAILS: CHECK CONDITION"
[ $((16#${fs:116:4})) -ge 8 ] || fail "FAILED SEGMENT DETAILS without sense: $fs"
plist $T/p 1 0 "$(tgt "$naa0")" "$(seg 0 0 1 $cap 0)"
expect_check "source past the end" "key=0a asc=0d ascq=02 sks=af000c" \
	"$(xcopy $T/p)"
# Segment 0 copies no block; segment 1 writes the read-only LU.
plist $T/p 1 0 "$(tgt "$naa0")$(tgt "$naa2")" "$(seg 0 0 0 0 0)$(seg 0 1 8 0 0)"
r=$(xcopy $T/p)
expect_check "read-only destination LUN" "key=0a asc=27 ascq=00 sks=800030" "$r"
read -r -a sb <<< "${r#*sense=}"
expect_eq "${sb[10]}${sb[11]}" 0001 \
	"read-only destination LUN: segment number in COMMAND-SPECIFIC INFORMATION"
# What the copy manager cannot do, in a segment after one it can:
# refused before anything is copied, as an error in the parameter list
# (ILLEGAL REQUEST, field pointer relative to the list, C/D = 0).
x04="$(tgt "$naa0")$(tgt "$naa4" e4 4096)"
plist $T/p 1 0 "$x04" "$(seg 0 0 8 0 100)$(seg 0 1 8 0 0)"
expect_check "512-byte blocks to 4096-byte blocks in segment 1" \
	"key=05 asc=26 ascq=00 sks=8f0072" "$(xcopy $T/p)"
expect_eq "$(sums)" "$before" \
	"backing files after the refused 512 -> 4096 copy (segment 0 not copied)"
plist $T/p 1 0 "$x04" "$(seg 0 0 8 0 100)$(seg 1 0 1 0 0)"
expect_check "4096-byte blocks to 512-byte blocks in segment 1" \
	"key=05 asc=26 ascq=00 sks=8f0072" "$(xcopy $T/p)"
plist $T/p 1 0 "$x04" "$(seg 0 0 8 0 100)$(seg 1 1 16385 0 0)"
expect_check "segment 1 of 64 MiB + 4 KiB" \
	"key=05 asc=26 ascq=00 sks=8f0076" "$(xcopy $T/p)"
expect_eq "$(sums)" "$before" "backing files after refused copies"

log "Reservations and ALUA states of the copy source and destination"
imgx=$T/px.img imgy=$T/py.img
truncate -s 16M "$imgx" "$imgy" || fail "truncate"
ktgt_mkdev vdisk_fileio/px filename="$imgx"
ktgt_mkdev vdisk_fileio/py filename="$imgy"
AD=$KTGT_CFS/alua/xdg
mkdir "$AD" || fail "mkdir $AD"
run_ok "link py into xdg" ln -s "$KTGT_CFS/handlers/vdisk_fileio/py" \
	"$AD/devices/py"
for t in a b; do
	mkdir "$AD/target_groups/g$t" || fail "mkdir group g$t"
	ktgt_mktarget local/$t
	run_ok "link $t into g$t" ln -s "$KTGT_CFS/targets/local/$t" \
		"$AD/target_groups/g$t/targets/$t"
done
ktgt_write "$AD/target_groups/ga/group_id" 1
ktgt_write "$AD/target_groups/gb/group_id" 2
for t in a b; do
	ktgt_maplun local/$t 0 vdisk_fileio/px
	ktgt_maplun local/$t 1 vdisk_fileio/py
	ktgt_enable local/$t
done
sgA0=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=0)
sgA1=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=1)
sgB0=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=0)
sgB1=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=1)
# Take the unit attentions (POWER ON...) the disks' probes left.
for s in "$sgA0" "$sgA1" "$sgB0" "$sgB1"; do
	for ((i = 0; i < 10; i++)); do
		[[ "$(ktgt_tur "$s")" == "02 06/"* ]] || break
	done
done
naax=$(cat "$KTGT_CFS/handlers/vdisk_fileio/px/naa_id")
naay=$(cat "$KTGT_CFS/handlers/vdisk_fileio/py/naa_id")
log "A: X $sgA0 Y $sgA1, B: X $sgB0 Y $sgB1"
head -c 131072 /dev/urandom > $T/dx
head -c 131072 /dev/urandom > $T/dy
dd if=$T/dx of="$imgx" bs=1M conv=notrunc status=none
dd if=$T/dy of="$imgy" bs=1M conv=notrunc status=none
XY="$(tgt "$naax")$(tgt "$naay")"
xysums() { sha256sum "$imgx" "$imgy" | cut -d' ' -f1 | tr '\n' ' '; }
# blocks IMG LBA FILE: whether IMG's blocks from LBA hold FILE.
blocks() {
	dd if="$1" bs=512 skip="$2" count=$(($(stat -c %s "$3") / 512)) \
		status=none | cmp -s - "$3"
}
wr1() { ktgt_status "$1" -s 512 -i /dev/zero 2a 00 00 00 00 00 00 00 01 00; }
rd1() { ktgt_status "$1" -r 512 28 00 00 00 00 00 00 00 01 00; }
# COPY ABORTED, COPY TARGET DEVICE NOT REACHABLE, its segment pointer at
# the first byte of Y's target descriptor (SD = 0, field 48).
refused="key=0a asc=0d ascq=02 sks=800030"
# xc ID SEGS: EXTENDED COPY through $sg of SEGS between X and Y, LIST
# IDENTIFIER ID; its outcome.
xc() {
	plist $T/p "$1" 0 "$XY" "$2"
	xcopy $T/p
}

expect_eq "$(ktgt_pr "$sgA1" -o -G -S a)" 0 "A: REGISTER 0xa on Y"
expect_eq "$(ktgt_pr "$sgA1" -o -R -K a -T 1)" 0 \
	"A: RESERVE Y, WRITE EXCLUSIVE"
expect_eq "$(wr1 "$sgB1")" CONFLICT "B: WRITE to Y under WRITE EXCLUSIVE"
before=$(xysums)
sg=$sgB0
expect_check "B: copy X -> Y under A's WRITE EXCLUSIVE" "$refused" \
	"$(xc 0x21 "$(seg 0 1 256 0 0)")"
st=$(din 12 84 00 21 00 00 00 00 00 00 00 00 00 00 0c 00 00)
expect_eq "$st" "0000000802000000$(be 0 4)" \
	"COPY STATUS of the refused copy: error, 0 segments, 0 bytes"
fs=$(din 96 84 04 21 00 00 00 00 00 00 00 00 00 00 60 00 00)
expect_eq "${fs:112:2}" 02 "FAILED SEGMENT DETAILS: CHECK CONDITION"
sl=$((16#${fs:116:4}))
expect_eq "$(ktgt_sense_decode "$(sed 's/../& /g' <<< "${fs:120:sl * 2}")")" \
	"$refused" "FAILED SEGMENT DETAILS: the sense data"
expect_check "B: copy X -> X, then X -> Y" "$refused" \
	"$(xc 0x22 "$(seg 0 0 256 0 4096)$(seg 0 1 256 0 0)")"
expect_eq "$(xysums)" "$before" "X and Y after B's refused copies"
expect_good "B: copy Y -> X under WRITE EXCLUSIVE" \
	"$(xc 0x23 "$(seg 1 0 256 0 1000)")"
blocks "$imgx" 1000 $T/dy || fail "X blocks 1000+256 differ from Y's"
sg=$sgA0
expect_good "A (the holder): copy X -> Y" \
	"$(xc 0x24 "$(seg 0 1 256 0 2000)")"
blocks "$imgy" 2000 $T/dx || fail "Y blocks 2000+256 differ from X's"

expect_eq "$(ktgt_pr "$sgA1" -o -L -K a -T 1)" 0 "A: RELEASE Y"
expect_eq "$(ktgt_pr "$sgA1" -o -R -K a -T 3)" 0 \
	"A: RESERVE Y, EXCLUSIVE ACCESS"
expect_eq "$(rd1 "$sgB1")" CONFLICT "B: READ of Y under EXCLUSIVE ACCESS"
before=$(xysums)
sg=$sgB0
expect_check "B: copy Y -> X under A's EXCLUSIVE ACCESS" "$refused" \
	"$(xc 0x25 "$(seg 1 0 256 0 3000)")"
expect_eq "$(xysums)" "$before" "X and Y after B's refused copy"
sg=$sgA0
expect_good "A (the holder): copy Y -> X" \
	"$(xc 0x26 "$(seg 1 0 256 0 3000)")"
blocks "$imgx" 3000 $T/dy || fail "X blocks 3000+256 differ from Y's"
expect_eq "$(ktgt_pr "$sgA1" -o -L -K a -T 3)" 0 "A: RELEASE Y"
expect_eq "$(ktgt_pr "$sgA1" -o -G -K a -S 0)" 0 "A: unregister"

expect_good "A: RESERVE(6) Y" "$(ktgt_sense "$sgA1" 16 00 00 00 00 00)"
before=$(xysums)
sg=$sgB0
expect_check "B: copy X -> Y under A's SPC-2 reservation" "$refused" \
	"$(xc 0x27 "$(seg 0 1 256 0 0)")"
expect_check "B: copy Y -> X under A's SPC-2 reservation" "$refused" \
	"$(xc 0x27 "$(seg 1 0 256 0 5000)")"
expect_eq "$(xysums)" "$before" "X and Y after B's refused copies"
expect_good "A: RELEASE(6) Y" "$(ktgt_sense "$sgA1" 17 00 00 00 00 00)"

ktgt_write "$AD/target_groups/gb/state" standby
before=$(xysums)
expect_check "B: copy X -> Y through a standby port group" "$refused" \
	"$(xc 0x28 "$(seg 0 1 256 0 0)")"
expect_check "B: copy Y -> X through a standby port group" "$refused" \
	"$(xc 0x28 "$(seg 1 0 256 0 6000)")"
expect_eq "$(xysums)" "$before" "X and Y after B's refused copies"
sg=$sgA0
expect_good "A: copy X -> Y through an active port group" \
	"$(xc 0x29 "$(seg 0 1 256 0 7000)")"
blocks "$imgy" 7000 $T/dx || fail "Y blocks 7000+256 differ from X's"
ktgt_write "$AD/target_groups/gb/state" active
sg=$sgB0
expect_good "B: copy X -> Y, its port group active again" \
	"$(xc 0x2a "$(seg 0 1 256 0 8000)")"
blocks "$imgy" 8000 $T/dx || fail "Y blocks 8000+256 differ from X's"
pass "EXTENDED COPY and RECEIVE COPY RESULTS"
