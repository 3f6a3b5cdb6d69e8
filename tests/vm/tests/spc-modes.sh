#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# MODE SENSE(6)/(10) and MODE SELECT(6)/(10) through ktgt_local: the
# exact mode data (header, WP and DPOFUA, short and long block
# descriptors, pages 01h, 08h, 0Ah, 3Fh, subpages 00h/FFh) for current,
# changeable and default values; saved values and unknown pages refused
# with the right sense; the Linux disk driver switching the write cache
# off and on through the caching page; MODE PARAMETERS CHANGED reaching
# the other I_T nexuses and not the one that sent the MODE SELECT;
# D_SENSE switching every sense to descriptor format; and each kind of
# invalid parameter list refused with its field pointer and nothing
# changed.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Scratch files: the guest's /tmp is shared with other users of the host.
T=$(mktemp -d /tmp/spc-test.XXXXXX) || fail "mktemp"

zeros() {
	printf '%*s' $(($1 * 2)) '' | tr ' ' 0
}

# din LEN CDB...: data-in of a CDB on $sg as hex; GOOD status required.
din() {
	local len=$1 f=$T/din
	shift
	rm -f "$f"
	sg_raw -r "$len" -o "$f" "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $sg $* failed"
	xxd -p "$f" | tr -d '\n'
	rm -f "$f"
}

# dout HEX CDB...: send the parameter list HEX with a CDB on $sg; prints
# "status=.. sense=.." (ktgt_sense).
dout() {
	local f=$T/dout hex=$1
	shift
	printf '%s' "$hex" | xxd -r -p > "$f"
	ktgt_sense -s $((${#hex} / 2)) -i "$f" "$sg" "$@"
	rm -f "$f"
}

# expect_good WHAT "status=.. sense=..": GOOD status.
expect_good() {
	[ "${2%% *}" = status=00 ] || fail "$1: expected GOOD, got $2"
}

# expect_check WHAT WANT "status=.. sense=..": CHECK CONDITION with the
# decoded sense WANT.
expect_check() {
	[ "${3%% *}" = status=02 ] ||
		fail "$1: expected CHECK CONDITION, got $3"
	expect_eq "$(ktgt_sense_decode "${3#*sense=}")" "$2" "$1: sense"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

img=$T/modes.img
truncate -s 64M "$img" || fail "truncate $img"
ktgt_mkdev vdisk_fileio/m0 filename="$img"
ktgt_mkdev vdisk_nullio/m1 size=$((1 << 30)) read_only=1
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/m0
ktgt_maplun local/t0 1 vdisk_fileio/m0 read_only=1
ktgt_maplun local/t0 2 vdisk_nullio/m1
ktgt_mktarget local/t1
ktgt_maplun local/t1 0 vdisk_fileio/m0
ktgt_enable local/t0
ktgt_enable local/t1
h0=$(ktgt_local_host t0)
h1=$(ktgt_local_host t1)
dev=$(ktgt_wait_disk host="$h0" lun=0)
sg0=$(ktgt_wait_disk -g host="$h0" lun=0)
sg0ro=$(ktgt_wait_disk -g host="$h0" lun=1)
sg0m1=$(ktgt_wait_disk -g host="$h0" lun=2)
dev1=$(ktgt_wait_disk host="$h1" lun=0)
sg1=$(ktgt_wait_disk -g host="$h1" lun=0)
sg=$sg0
log "t0: $dev $sg0 (read-only LUN $sg0ro, nullio $sg0m1); t1: $dev1 $sg1"

# 64 MiB of 512-byte blocks: 20000h blocks.
bd="00020000""00000200"
p01="010a"$(zeros 10)
p08="081204"$(zeros 17)
p08wt="081200"$(zeros 17)
# Control: TAS (the engine reports TASK ABORTED); D_SENSE, QERR,
# UA_INTLCK_CTRL and TAS changeable.
p0a="0a0a00000040"$(zeros 6)
p0ads="0a0a04000040"$(zeros 6)
p0amask="0a0a04063040"$(zeros 6)

log "MODE SENSE current values"
all="$p01$p08$p0a"
expect_eq "$(din 255 1a 00 3f 00 ff 00)" "37001008$bd$all" \
	"MODE SENSE(6) all pages"
expect_eq "$(din 255 1a 00 3f ff ff 00)" "37001008$bd$all" \
	"MODE SENSE(6) all pages and subpages"
expect_eq "$(din 255 1a 08 3f 00 ff 00)" "2f001000$all" \
	"MODE SENSE(6) all pages, DBD"
expect_eq "$(din 255 1a 00 08 ff ff 00)" "1f001008$bd$p08" \
	"MODE SENSE(6) caching page, all subpages"
expect_eq "$(din 10 1a 00 3f 00 0a 00)" "37001008${bd:0:12}" \
	"MODE SENSE(6) with allocation length 10"
expect_eq "$(din 255 5a 00 0a 00 00 00 00 00 ff 00)" \
	"001a001000000008$bd$p0a" "MODE SENSE(10) control page"
expect_eq "$(din 255 5a 10 08 00 00 00 00 00 ff 00)" \
	"002a001001000010""0000000000020000""00000000""00000200$p08" \
	"MODE SENSE(10) LLBAA: long LBA block descriptor"
out=$(sg_modes -a "$sg") || fail "sg_modes -a"
grep -q 'WP=0, DpoFua=1' <<< "$out" || fail "sg_modes header: $out"
expect_eq "$(cat /sys/class/scsi_disk/"$h0":0:0:0/cache_type)" \
	"write back" "the disk driver's cache type"
expect_eq "$(cat /sys/class/scsi_disk/"$h0":0:0:0/FUA)" 1 "FUA support"

log "changeable and default values, saved values"
expect_eq "$(din 255 1a 00 7f 00 ff 00)" \
	"37001008$(zeros 8)$p01$p08$p0amask" "changeable values: WCE, D_SENSE"
expect_eq "$(din 255 1a 00 bf 00 ff 00)" "37001008$bd$all" \
	"default values"
expect_check "saved values" "key=05 asc=39 ascq=00 sks=cf0002" \
	"$(ktgt_sense -r 255 "$sg" 1a 00 ff 00 ff 00)"
expect_check "page 1Ch" "key=05 asc=24 ascq=00 sks=cd0002" \
	"$(ktgt_sense -r 255 "$sg" 1a 00 1c 00 ff 00)"
expect_check "page 00h" "key=05 asc=24 ascq=00 sks=cd0002" \
	"$(ktgt_sense -r 255 "$sg" 1a 00 00 00 ff 00)"
expect_check "subpage 01h" "key=05 asc=24 ascq=00 sks=cf0003" \
	"$(ktgt_sense -r 255 "$sg" 1a 00 3f 01 ff 00)"
expect_check "MODE SENSE(6) reserved byte 1 bit 4" \
	"key=05 asc=24 ascq=00 sks=cc0001" \
	"$(ktgt_sense -r 255 "$sg" 1a 10 3f 00 ff 00)"

log "write protection: WP bit"
sg=$sg0ro
expect_eq "$(din 4 1a 08 08 00 04 00)" "17009000" "WP of a read-only LUN"
sg=$sg0m1
expect_eq "$(din 4 1a 08 08 00 04 00)" "17009000" "WP of a read-only device"
expect_eq "$(blockdev --getro "$(ktgt_wait_disk host="$h0" lun=1)")" 1 \
	"read-only LUN seen read-only"
sg=$sg0

# Nothing pending on t1 before the first MODE SELECT.
expect_good "TUR on t1" "$(ktgt_sense "$sg1" 00 00 00 00 00 00)"
expect_good "TUR on t0 LUN 1" "$(ktgt_sense "$sg0ro" 00 00 00 00 00 00)"

log "MODE SELECT from the disk driver: write cache off"
echo "write through" > /sys/class/scsi_disk/"$h0":0:0:0/cache_type ||
	fail "setting cache_type to write through"
expect_eq "$(cat /sys/class/scsi_disk/"$h0":0:0:0/cache_type)" \
	"write through" "cache type after MODE SELECT"
expect_eq "$(din 255 1a 08 08 00 ff 00)" "17001000$p08wt" \
	"caching page after MODE SELECT: WCE 0"
expect_eq "$(din 255 1a 08 88 00 ff 00)" "17001000$p08" \
	"default caching page still WCE 1"
# Every other I_T nexus of the device learns it; the sender does not.
expect_good "TUR on t0 (the sender)" "$(ktgt_sense "$sg" 00 00 00 00 00 00)"
expect_check "TUR on t1" "key=06 asc=2a ascq=01 sks=-" \
	"$(ktgt_sense "$sg1" 00 00 00 00 00 00)"
expect_good "second TUR on t1" "$(ktgt_sense "$sg1" 00 00 00 00 00 00)"
expect_check "TUR on t0 LUN 1" "key=06 asc=2a ascq=01 sks=-" \
	"$(ktgt_sense "$sg0ro" 00 00 00 00 00 00)"
sg=$sg1
expect_eq "$(din 255 1a 08 08 00 ff 00)" "17001000$p08wt" \
	"caching page seen through t1"
sg=$sg0
# The nullio device is another device: no unit attention there.
expect_good "TUR on the nullio LUN" "$(ktgt_sense "$sg0m1" 00 00 00 00 00 00)"
# Data still goes through with the cache off (forced FUA).
head -c 1M /dev/urandom > $T/wt.bin
dd if=$T/wt.bin of="$dev" bs=1M count=1 oflag=direct status=none ||
	fail "write with the write cache off"
head -c 1M "$img" > $T/wt.img
cmp -s $T/wt.bin $T/wt.img ||
	fail "data written with the cache off is not in the file"
echo "write back" > /sys/class/scsi_disk/"$h0":0:0:0/cache_type ||
	fail "setting cache_type to write back"
expect_eq "$(din 255 1a 08 08 00 ff 00)" "17001000$p08" \
	"caching page after MODE SELECT: WCE 1"
expect_check "TUR on t1 after the second MODE SELECT" \
	"key=06 asc=2a ascq=01 sks=-" "$(ktgt_sense "$sg1" 00 00 00 00 00 00)"
expect_check "TUR on t0 LUN 1 after the second MODE SELECT" \
	"key=06 asc=2a ascq=01 sks=-" "$(ktgt_sense "$sg0ro" 00 00 00 00 00 00)"

log "MODE SELECT parameter lists"
# What MODE SENSE(10) returns is accepted back unchanged, header and
# block descriptor included; and changes nothing, so no unit attention.
cur=$(din 255 5a 00 3f 00 00 00 00 00 ff 00)
n=$(printf '%02x' $((${#cur} / 2)))
expect_good "MODE SELECT(10) of the MODE SENSE(10) data" \
	"$(dout "$cur" 55 10 00 00 00 00 00 00 "$n" 00)"
expect_good "no unit attention for a MODE SELECT that changes nothing" \
	"$(ktgt_sense "$sg1" 00 00 00 00 00 00)"
# A parameter list of 0 bytes is no error.
expect_good "empty MODE SELECT(6)" "$(ktgt_sense "$sg" 15 10 00 00 00 00)"

bad() { # WHAT WANT HEX CDB...
	local what=$1 want=$2 hex=$3
	shift 3
	expect_check "$what" "$want" "$(dout "$hex" "$@")"
}
# Parameter list field pointers: SKSV|BPV|bit, byte offset in the list.
bad "RCD (not changeable)" "key=05 asc=26 ascq=00 sks=880006" \
	"00000000""081205"$(zeros 17) 15 10 00 00 18 00
bad "caching page byte 12 bit 5" "key=05 asc=26 ascq=00 sks=8d0010" \
	"00000000""081204"$(zeros 9)"20"$(zeros 7) 15 10 00 00 18 00
bad "caching page length 13h" "key=05 asc=26 ascq=00 sks=8f0005" \
	"00000000""081304"$(zeros 18) 15 10 00 00 19 00
bad "page 1Ch" "key=05 asc=26 ascq=00 sks=8d0004" \
	"00000000""1c0a"$(zeros 10) 15 10 00 00 10 00
bad "subpage format" "key=05 asc=26 ascq=00 sks=8e0004" \
	"00000000""4a010008"$(zeros 8) 15 10 00 00 10 00
bad "MEDIUM TYPE" "key=05 asc=26 ascq=00 sks=8a0001" \
	"00040000""081204"$(zeros 17) 15 10 00 00 18 00
bad "BLOCK DESCRIPTOR LENGTH 4" "key=05 asc=26 ascq=00 sks=8f0003" \
	"00000004""00000000""081204"$(zeros 17) 15 10 00 00 1c 00
bad "block length 4096" "key=05 asc=26 ascq=00 sks=8f000d" \
	"0000000000000008""00000000""00001000""0a0a"$(zeros 10) \
	55 10 00 00 00 00 00 00 1c 00
bad "number of blocks changed" "key=05 asc=26 ascq=00 sks=8f0008" \
	"0000000000000008""00000001""00000200""0a0a"$(zeros 10) \
	55 10 00 00 00 00 00 00 1c 00
bad "LONGLBA with a short descriptor" "key=05 asc=26 ascq=00 sks=8f0006" \
	"0000000001000008""00020000""00000200" 55 10 00 00 00 00 00 00 10 00
bad "truncated page" "key=05 asc=1a ascq=00 sks=-" \
	"00000000""081204"$(zeros 10) 15 10 00 00 11 00
bad "truncated header" "key=05 asc=1a ascq=00 sks=-" "000000" \
	15 10 00 00 03 00
bad "QERR 10b (reserved)" "key=05 asc=26 ascq=00 sks=8a0007" \
	"00000000""0a0a00040040"$(zeros 6) 15 10 00 00 10 00
bad "UA_INTLCK_CTRL 01b (reserved)" "key=05 asc=26 ascq=00 sks=8d0008" \
	"00000000""0a0a00001040"$(zeros 6) 15 10 00 00 10 00
bad "PF = 0" "key=05 asc=24 ascq=00 sks=cc0001" \
	"00000000""081204"$(zeros 17) 15 00 00 00 18 00
bad "SP = 1" "key=05 asc=24 ascq=00 sks=c80001" \
	"00000000""081204"$(zeros 17) 15 11 00 00 18 00
# A valid page followed by a bad one: nothing applied.
bad "second page bad" "key=05 asc=26 ascq=00 sks=880012" \
	"00000000$p0ads""081201"$(zeros 17) 15 10 00 00 24 00
expect_eq "$(din 255 1a 08 0a 00 ff 00)" "0f001000$p0a" \
	"control page unchanged after a refused list"
expect_good "no unit attention after refused lists" \
	"$(ktgt_sense "$sg1" 00 00 00 00 00 00)"
# Nothing reached the medium's settings: the cache is still on.
expect_eq "$(din 255 1a 08 08 00 ff 00)" "17001000$p08" \
	"caching page unchanged after refused lists"

log "D_SENSE: descriptor format sense"
expect_good "MODE SELECT(10) D_SENSE=1" \
	"$(dout "0000000000000000$p0ads" 55 10 00 00 00 00 00 00 14 00)"
expect_eq "$(din 255 1a 08 0a 00 ff 00)" "0f001000$p0ads" \
	"control page with D_SENSE"
# On t1 too (the unit attention itself comes in descriptor format).
r=$(ktgt_sense "$sg1" 00 00 00 00 00 00)
expect_check "unit attention on t1" "key=06 asc=2a ascq=01 sks=-" "$r"
expect_eq "$(awk '{ print $1 }' <<< "${r#*sense=}")" 72 \
	"descriptor format unit attention"
for cdb in "12 01 85 00 ff 00" "ff 00 00 00 00 00" \
	   "28 00 00 ff ff ff 00 00 01 00"; do
	# shellcheck disable=SC2086
	r=$(ktgt_sense -r 512 "$sg" $cdb)
	[ "${r%% *}" = status=02 ] || fail "$cdb: expected CHECK CONDITION"
	expect_eq "$(awk '{ print $1 }' <<< "${r#*sense=}")" 72 \
		"sense format of '$cdb' with D_SENSE"
done
expect_check "VPD 85h, descriptor format" \
	"key=05 asc=24 ascq=00 sks=cf0002" \
	"$(ktgt_sense -r 255 "$sg" 12 01 85 00 ff 00)"
expect_good "MODE SELECT(6) D_SENSE=0" \
	"$(dout "00000000$p0a" 15 10 00 00 10 00)"
r=$(ktgt_sense -r 255 "$sg" 12 01 85 00 ff 00)
expect_eq "$(awk '{ print $1 }' <<< "${r#*sense=}")" 70 \
	"fixed format sense again"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
