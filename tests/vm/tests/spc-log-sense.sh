#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# LOG SENSE through ktgt_local: sg_logs lists the supported log pages
# (00h, and 00h/FFh with the subpages), the exact parameter data for
# every PC, ALLOCATION LENGTH truncation, the CDB errors (SP, PPC,
# unsupported page and subpage, PARAMETER POINTER past the last
# parameter, reserved bits) with their field pointers, and REPORT
# SUPPORTED OPERATION CODES listing LOG SENSE with its CDB usage data.
# On a vtape LU: LOG SENSE answered by the core too; the SSC commands
# decoded for pt_tape only (VERIFY(6), LOG SELECT, READ POSITION long and
# extended forms, READ ATTRIBUTE, SPACE(16), LOCATE(16)) refused, and not
# in REPORT SUPPORTED OPERATION CODES.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

T=$(mktemp -d /tmp/spc-log.XXXXXX) || fail "mktemp"

# din LEN CDB...: data-in of a CDB on $sg as hex; GOOD status required.
din() {
	local len=$1 f=$T/din
	shift
	rm -f "$f"
	sg_raw -r "$len" -o "$f" "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $sg $* failed: $(ktgt_sense "$sg" "$@")"
	xxd -p "$f" | tr -d '\n'
	rm -f "$f"
}

# expect_check WHAT WANT "status=.. sense=..": CHECK CONDITION with the
# decoded sense WANT.
expect_check() {
	[ "${3%% *}" = status=02 ] ||
		fail "$1: expected CHECK CONDITION, got $3"
	expect_eq "$(ktgt_sense_decode "${3#*sense=}")" "$2" "$1: sense"
}

ktgt_load ktgt_vdisk ktgt_vtape ktgt_local
ktgt_initiator_load

ktgt_mkdev vdisk_nullio/l0 size=$((64 << 20))
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/l0
ktgt_mkdev vtape/v0 filename="$T/tape.img" size_mb=4
ktgt_maplun local/t0 1 vtape/v0
ktgt_enable local/t0
h0=$(ktgt_local_host t0)
sg=$(ktgt_wait_disk -g host="$h0" lun=0)
sgt=$(ktgt_wait_disk -g host="$h0" lun=1)
log "disk $sg, tape $sgt"

log "REPORT SUPPORTED OPERATION CODES lists LOG SENSE"
expect_eq "$(din 64 a3 0c 01 4d 00 00 00 00 00 40 00 00)" \
	"0003000a4d00ffff00ffffffff00" "RSOC one command: LOG SENSE usage data"
out=$(sg_opcodes "$sg" 2>&1) || fail "sg_opcodes: $out"
grep -Eiq '^ *4d +.*log sense' <<< "$out" ||
	fail "sg_opcodes does not list LOG SENSE: $out"

log "sg_logs"
# sg_logs -l and -ll: LOG SENSE of 00h and 00h/FFh (its decoded text
# differs between versions: the raw pages are compared below).
out=$(sg_logs -l "$sg" 2>&1) || fail "sg_logs -l: $out"
log "sg_logs -l: $out"
out=$(sg_logs -ll "$sg" 2>&1) || fail "sg_logs -ll: $out"
log "sg_logs -ll: $out"
grep -Eq '^ +0x00 +Supported log pages' <<< "$out" ||
	fail "sg_logs -ll: no page 00h: $out"
grep -Eq '^ +0x00,0xff +Supported log pages and subpages' <<< "$out" ||
	fail "sg_logs -ll: no page 00h/FFh: $out"
expect_eq "$(sg_logs -p 0 -r "$sg" | xxd -p | tr -d '\n')" "0000000100" \
	"sg_logs -p 0 raw"
expect_eq "$(sg_logs -p 0,0xff -r "$sg" | xxd -p | tr -d '\n')" \
	"40ff0004000000ff" "sg_logs -p 0,0xff raw: 00h/00h and 00h/FFh"

log "parameter data, every PC"
for pc in 00 40 80 c0; do
	expect_eq "$(din 255 4d 00 $pc 00 00 00 00 00 ff 00)" "0000000100" \
		"page 00h, PC byte $pc"
	expect_eq "$(din 255 4d 00 $pc ff 00 00 00 00 ff 00)" \
		"40ff0004000000ff" "page 00h/FFh, PC byte $pc"
done
expect_eq "$(din 4 4d 00 40 ff 00 00 00 00 04 00)" "40ff0004" \
	"ALLOCATION LENGTH 4 truncates"
expect_eq "$(din 6 4d 00 40 ff 00 00 00 00 06 00)" "40ff00040000" \
	"ALLOCATION LENGTH 6 truncates"
r=$(ktgt_sense "$sg" 4d 00 40 00 00 00 00 00 00 00)
[ "${r%% *}" = status=00 ] || fail "ALLOCATION LENGTH 0: $r"

log "CDB errors"
expect_check "SP" "key=05 asc=24 ascq=00 sks=c80001" \
	"$(ktgt_sense -r 255 "$sg" 4d 01 40 00 00 00 00 00 ff 00)"
expect_check "PPC" "key=05 asc=24 ascq=00 sks=c90001" \
	"$(ktgt_sense -r 255 "$sg" 4d 02 40 00 00 00 00 00 ff 00)"
expect_check "page 0Dh (temperature)" "key=05 asc=24 ascq=00 sks=cd0002" \
	"$(ktgt_sense -r 255 "$sg" 4d 00 4d 00 00 00 00 00 ff 00)"
expect_check "page 0Ch (logical block provisioning)" \
	"key=05 asc=24 ascq=00 sks=cd0002" \
	"$(ktgt_sense -r 255 "$sg" 4d 00 4c 00 00 00 00 00 ff 00)"
expect_check "page 3Fh" "key=05 asc=24 ascq=00 sks=cd0002" \
	"$(ktgt_sense -r 255 "$sg" 4d 00 7f ff 00 00 00 00 ff 00)"
expect_check "subpage 01h" "key=05 asc=24 ascq=00 sks=cf0003" \
	"$(ktgt_sense -r 255 "$sg" 4d 00 40 01 00 00 00 00 ff 00)"
expect_check "PARAMETER POINTER 0001h" "key=05 asc=24 ascq=00 sks=cf0005" \
	"$(ktgt_sense -r 255 "$sg" 4d 00 40 00 00 00 01 00 ff 00)"
expect_check "reserved byte 4" "key=05 asc=24 ascq=00 sks=cf0004" \
	"$(ktgt_sense -r 255 "$sg" 4d 00 40 00 80 00 00 00 ff 00)"

log "vtape: LOG SENSE; the pass-through-only SSC commands refused"
sg=$sgt
# Whatever unit attention the new LU still has.
ktgt_sense "$sg" 00 00 00 00 00 00 > /dev/null
expect_eq "$(din 255 4d 00 40 00 00 00 00 00 ff 00)" "0000000100" \
	"vtape LOG SENSE page 00h"
expect_eq "$(din 255 4d 00 40 ff 00 00 00 00 ff 00)" "40ff0004000000ff" \
	"vtape LOG SENSE page 00h/FFh"
expect_check "vtape READ POSITION long form" \
	"key=05 asc=24 ascq=00 sks=cc0001" \
	"$(ktgt_sense -r 32 "$sg" 34 06 00 00 00 00 00 00 00 00)"
expect_check "vtape READ POSITION extended form" \
	"key=05 asc=24 ascq=00 sks=cc0001" \
	"$(ktgt_sense -r 32 "$sg" 34 08 00 00 00 00 00 00 20 00)"
for cdb in "13 00 00 00 01 00" "4c 02 40 00 00 00 00 00 00 00" \
	   "8c 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00" \
	   "91 01 00 00 00 00 00 00 00 00 00 01 00 00 00 00" \
	   "92 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"; do
	# shellcheck disable=SC2086
	expect_check "vtape $cdb" "key=05 asc=20 ascq=00 sks=-" \
		"$(ktgt_sense -r 255 "$sg" $cdb)"
done
for op in 13 4c 8c 91 92; do
	expect_eq "$(din 64 a3 0c 01 $op 00 00 00 00 00 40 00 00)" \
		"00010000" "vtape RSOC: $op not supported"
done
expect_eq "$(din 64 a3 0c 02 34 00 06 00 00 00 40 00 00)" "00010000" \
	"vtape RSOC: READ POSITION long form not supported"
expect_eq "$(din 64 a3 0c 01 4d 00 00 00 00 00 40 00 00)" \
	"0003000a4d00ffff00ffffffff00" "vtape RSOC: LOG SENSE"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
rm -rf "$T"
pass
