#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# The core's SPC emulation for a device type that is not a disk: a
# vcdrom LUN answers INQUIRY (peripheral device type 5, RMB, the MMC-6
# version descriptor, VPD pages 00h, 80h and 83h only), MODE SENSE
# (no block descriptor, no WP/DPOFUA, pages 01h, 0Ah and the MM
# capabilities page 2Ah, with subpage 00h or FFh, nothing of SBC's),
# MODE SELECT (what MODE SENSE returned is accepted back, page 2Ah
# included, unless a field that is not changeable differs) and REPORT
# SUPPORTED OPERATION CODES from the MMC command table, through the
# handler's ->exec passing them on to ktgt_spc_exec().
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Scratch files: the guest's /tmp is shared with other users of the host.
T=$(mktemp -d /tmp/spc-test.XXXXXX) || fail "mktemp"

hexstr() {
	printf "%-$2.$2s" "$1" | xxd -p | tr -d '\n'
}

zeros() {
	printf '%*s' $(($1 * 2)) '' | tr ' ' 0
}

din() {
	local len=$1
	shift
	rm -f "$T/din"
	sg_raw -r "$len" -o "$T/din" "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $sg $* failed"
	xxd -p "$T/din" | tr -d '\n'
}

expect_check() {
	[ "${3%% *}" = status=02 ] ||
		fail "$1: expected CHECK CONDITION, got $3"
	expect_eq "$(ktgt_sense_decode "${3#*sense=}")" "$2" "$1: sense"
}

command -v genisoimage >/dev/null || skip "genisoimage not installed"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

mkdir -p "$T/iso"
echo "spc cdrom" > "$T/iso/readme.txt"
genisoimage -quiet -R -V SPC -o "$T/spc.iso" "$T/iso" || fail "genisoimage"
ktgt_mkdev vcdrom/cd0 filename="$T/spc.iso" vendor_id=ACME \
	product_id="Virtual CD" revision=1.0 serial=CD0001
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vcdrom/cd0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
log "vcdrom is $sg"
expect_eq "$(cat /sys/class/scsi_device/"$host":0:0:0/device/type)" 5 \
	"peripheral device type seen by Linux"

log "INQUIRY"
exp="0580""06""12""5b""000002"$(hexstr ACME 8)$(hexstr "Virtual CD" 16)
exp+=$(hexstr 1.0 4)$(zeros 22)"00a0""0460""04e0"$(zeros 32)
expect_eq "$(din 96 12 00 00 00 60 00)" "$exp" "standard INQUIRY data"
expect_eq "$(din 255 12 01 00 00 ff 00)" "0500000300""8083" "VPD 00h"
expect_eq "$(din 255 12 01 80 00 ff 00)" "05800006$(hexstr CD0001 6)" \
	"VPD 80h"
got=$(din 255 12 01 83 00 ff 00)
expect_eq "${got:0:8}" "0583002e" "VPD 83h header"
expect_eq "${got:8:8}" "01030010" "VPD 83h NAA designator"
expect_eq "${got: -16}" "01140004""0000"$(printf %04x \
	"$(cat "$KTGT_CFS/targets/local/t0/rel_tgt_id")") \
	"VPD 83h relative target port designator"
for p in b0 b1 b2; do
	expect_check "VPD $p on a CD-ROM" "key=05 asc=24 ascq=00 sks=cf0002" \
		"$(ktgt_sense -r 255 "$sg" 12 01 $p 00 ff 00)"
done

log "MODE SENSE"
p01="010a"$(zeros 10)
p0a="0a0a00000040"$(zeros 6)	# TAS
# MM capabilities: CD-R/RW read, tray/eject/lock, 7040 kB/s.
p2a="2a14""03000000""2900""1b80""00000000""1b80"$(zeros 6)
expect_eq "$(din 255 5a 00 2a 00 00 00 00 00 ff 00)" \
	"001c000000000000$p2a" "MODE SENSE(10) page 2Ah"
expect_eq "$(din 255 5a 00 3f 00 00 00 00 00 ff 00)" \
	"0034000000000000$p01$p0a$p2a" "MODE SENSE(10) all pages"
expect_eq "$(din 255 1a 00 3f 00 ff 00)" "31000000$p01$p0a$p2a" \
	"MODE SENSE(6) all pages"
expect_eq "$(din 255 1a 00 3f ff ff 00)" "31000000$p01$p0a$p2a" \
	"MODE SENSE(6) all pages and subpages"
expect_eq "$(din 4 1a 00 3f 00 04 00)" "31000000" \
	"MODE SENSE(6) all pages, allocation length 4"
expect_eq "$(din 40 5a 00 3f 00 00 00 00 00 28 00)" \
	"0034000000000000$p01$p0a${p2a:0:16}" \
	"MODE SENSE(10) all pages, allocation length 40"
expect_eq "$(din 255 1a 00 7f 00 ff 00)" \
	"31000000""010a$(zeros 10)""0a0a04063040$(zeros 6)""2a14$(zeros 20)" \
	"MODE SENSE(6) all pages, changeable values"
expect_check "caching page on a CD-ROM" "key=05 asc=24 ascq=00 sks=cd0002" \
	"$(ktgt_sense -r 255 "$sg" 1a 00 08 00 ff 00)"
expect_check "saved values" "key=05 asc=39 ascq=00 sks=cf0002" \
	"$(ktgt_sense -r 255 "$sg" 1a 00 c1 00 ff 00)"
# Subpage FFh: the page and all its subpages (SPC-4 6.11); 2Ah has none.
expect_eq "$(din 255 5a 00 2a ff 00 00 00 00 ff 00)" \
	"001c000000000000$p2a" "MODE SENSE(10) page 2Ah, subpage FFh"
expect_eq "$(din 255 1a 00 2a ff ff 00)" "19000000$p2a" \
	"MODE SENSE(6) page 2Ah, subpage FFh"

log "MODE SELECT: read, modify, write back"
# dout LEN HEX CDB...: ktgt_sense of CDB with HEX as its data-out.
dout() {
	local len=$1
	echo "$2" | xxd -r -p > "$T/dout"
	shift 2
	ktgt_sense -s "$len" -i "$T/dout" "$sg" "$@"
}
# dst LEN HEX CDB...: only the status of dout ("status=00" for GOOD).
dst() {
	local r
	r=$(dout "$@")
	echo "${r%% *}"
}
# What MODE SENSE(10) of every page returned, MODE DATA LENGTH zeroed
# (reserved in MODE SELECT), as sdparm --set sends it back: page 2Ah,
# nothing of which is changeable, is accepted with its current values.
all="0000000000000000$p01$p0a$p2a"
expect_eq "$(dst 54 "$all" 55 10 00 00 00 00 00 00 36 00)" status=00 \
	"MODE SELECT(10) of the MODE SENSE data, unchanged"
# With a changeable field changed (TAS 0), and back.
expect_eq "$(dst 54 "0000000000000000$p01""0a0a00000000$(zeros 6)$p2a" \
	55 10 00 00 00 00 00 00 36 00)" status=00 \
	"MODE SELECT(10) of every page, TAS 0"
expect_eq "$(din 255 1a 08 0a 00 ff 00)" "0f000000""0a0a$(zeros 10)" \
	"MODE SENSE(6) control page after TAS 0"
expect_eq "$(dst 54 "$all" 55 10 00 00 00 00 00 00 36 00)" status=00 \
	"MODE SELECT(10) of every page, TAS 1 again"
expect_eq "$(din 255 1a 08 0a 00 ff 00)" "0f000000$p0a" \
	"MODE SENSE(6) control page after TAS 1"
expect_eq "$(dst 26 "00000000$p2a" 15 10 00 00 1a 00)" status=00 \
	"MODE SELECT(6) of page 2Ah, unchanged"
# A change to a field that is not changeable: INVALID FIELD IN PARAMETER
# LIST at that byte (here "writes CD-R", byte 2 bit 5 of page 2Ah).
expect_check "MODE SELECT(10) of page 2Ah, changed" \
	"key=05 asc=26 ascq=00 sks=8d0022" \
	"$(dout 54 "0000000000000000$p01$p0a""2a143f${p2a:6}" \
		55 10 00 00 00 00 00 00 36 00)"
# LOCK STATE follows PREVENT ALLOW MEDIUM REMOVAL; it is not changeable.
expect_eq "$(ktgt_status "$sg" 1e 00 00 00 01 00)" GOOD "PREVENT"
p2al="2a14""03000000""2b00""1b80""00000000""1b80"$(zeros 6)
expect_eq "$(din 255 1a 00 2a 00 ff 00)" "19000000$p2al" \
	"MODE SENSE(6) page 2Ah while prevented"
expect_eq "$(dst 26 "00000000$p2al" 15 10 00 00 1a 00)" status=00 \
	"MODE SELECT(6) of page 2Ah while prevented, unchanged"
expect_check "MODE SELECT(6) of page 2Ah while prevented, unlocked" \
	"key=05 asc=26 ascq=00 sks=89000a" \
	"$(dout 26 "00000000$p2a" 15 10 00 00 1a 00)"
expect_eq "$(ktgt_status "$sg" 1e 00 00 00 00 00)" GOOD "ALLOW"
expect_eq "$(din 255 1a 00 2a 00 ff 00)" "19000000$p2a" \
	"MODE SENSE(6) page 2Ah, allowed again"

log "REPORT SUPPORTED OPERATION CODES"
all=$(din 4096 a3 0c 00 00 00 00 00 00 10 00 00 00)
n=$((16#${all:0:8} / 8))
ops=" "
for ((i = 0; i < n; i++)); do
	ops+="${all:$((8 + 16 * i)):2} "
done
for op in 00 12 1a 1b 1e 25 28 43 46 4a 51 52 a8 bd; do
	[[ "$ops" == *" $op "* ]] || fail "opcode $op not listed: $ops"
done
for op in 0a 2a 35 41 42 89 8a; do
	[[ "$ops" != *" $op "* ]] || fail "disk opcode $op listed: $ops"
done
expect_eq "$(din 64 a3 0c 01 43 00 00 00 00 00 40 00 00)" \
	"0003000a4302""0f000000ffffffc0" "READ TOC/PMA/ATIP usage data"
expect_eq "$(din 64 a3 0c 01 2a 00 00 00 00 00 40 00 00)" "00010000" \
	"WRITE(10) not supported"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
