#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# The SBC-3 emulation on a thin provisioned vdisk_fileio LUN, checked
# against the backing file: GET LBA STATUS before and after writes and
# UNMAP; UNMAP and WRITE SAME (plain, NDOB, UNMAP, to the end of the
# medium); COMPARE AND WRITE matching (written) and not (MISCOMPARE with
# the offset of the first difference in INFORMATION, nothing written);
# VERIFY with BYTCHK 00b/01b/11b and WRITE AND VERIFY (10, 12 and 16
# byte CDBs); ORWRITE(16) (the blocks become the OR of old and new
# data); PRE-FETCH(10)/(16); SYNCHRONIZE CACHE; START STOP UNIT and
# PREVENT ALLOW MEDIUM REMOVAL; READ CAPACITY(16)'s LOGICAL BLOCKS PER
# PHYSICAL BLOCK EXPONENT (3 for a file on 4 KiB tmpfs blocks, 0 on
# nullio); a WRITE or WRITE AND VERIFY given less data than its TRANSFER
# LENGTH is refused through the local driver; WRITE SAME with other than
# one block of data-out, and COMPARE AND WRITE with other than twice its
# blocks, get INVALID FIELD IN COMMAND INFORMATION UNIT;
# and the errors: LBA OUT OF RANGE,
# INVALID FIELD IN CDB / PARAMETER LIST with
# field pointers, INVALID COMMAND OPERATION CODE for UNMAP without thin
# provisioning, WRITE PROTECTED - with the backing file's checksum
# unchanged by every refused command.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Scratch files: the guest's /tmp is shared with other users of the host.
T=$(mktemp -d /tmp/spc-test.XXXXXX) || fail "mktemp"

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

# be N BYTES: N big-endian in BYTES bytes, as space-separated hex.
be() {
	local n=$1 i out=""
	for ((i = $2 - 1; i >= 0; i--)); do
		out+=$(printf '%02x ' $(( (n >> (8 * i)) & 0xff )))
	done
	echo "${out% }"
}

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

# run FILE CDB...: a CDB on $sg with FILE as data-out ("-" for none);
# prints "status=.. sense=..".
run() {
	local f=$1
	shift
	if [ "$f" = - ]; then
		ktgt_sense "$sg" "$@"
	else
		ktgt_sense -s "$(stat -c %s "$f")" -i "$f" "$sg" "$@"
	fi
}

expect_good() {
	[ "${2%% *}" = status=00 ] || fail "$1: expected GOOD, got $2"
}

expect_check() {
	[ "${3%% *}" = status=02 ] ||
		fail "$1: expected CHECK CONDITION, got $3"
	expect_eq "$(ktgt_sense_decode "${3#*sense=}")" "$2" "$1: sense"
}

# sense_info "status=.. sense=..": the INFORMATION field, or "-".
sense_info() {
	local -a b
	local i
	read -r -a b <<< "${1#*sense=}"
	case "${b[0],,}" in
	f0|f1) echo $((16#${b[3]}${b[4]}${b[5]}${b[6]})) ;;
	72|73)
		for ((i = 8; i + 11 < ${#b[@]}; i += 2 + 16#${b[i + 1]})); do
			if [ "${b[i]}" = 00 ]; then
				echo $((16#${b[i + 4]}${b[i + 5]}${b[i + 6]}${b[i + 7]}${b[i + 8]}${b[i + 9]}${b[i + 10]}${b[i + 11]}))
				return
			fi
		done
		echo -
		;;
	*) echo - ;;
	esac
}

# blocks LBA N: N blocks of the backing file from LBA, to stdout.
blocks() {
	dd if="$img" bs=512 skip="$1" count="$2" status=none
}

# same_blocks WHAT LBA N FILE: the backing file holds FILE at LBA.
same_blocks() {
	blocks "$2" "$3" > $T/blk.cmp
	cmp -s $T/blk.cmp "$4" || fail "$1: blocks $2+$3 differ from $4"
}

sum() {
	sha256sum < "$img" | cut -d' ' -f1
}

# lba_status LBA ALLOC: GET LBA STATUS data as hex.
lba_status() {
	# shellcheck disable=SC2046
	din "$2" 9e 12 $(be "$1" 8) $(be "$2" 4) 00 00
}

# desc LBA N STATUS: an LBA status descriptor as hex.
desc() {
	printf '%016x%08x%02x000000' "$1" "$2" "$3"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

img=$T/sbc.img
cap=65536	# 32 MiB of 512-byte blocks
truncate -s 32M "$img" || fail "truncate $img"
img1=$T/sbc-full.img
truncate -s 8M "$img1" || fail "truncate $img1"
ktgt_mkdev vdisk_fileio/s0 filename="$img" thin_provisioned=1
ktgt_mkdev vdisk_fileio/s1 filename="$img1" removable=1
ktgt_mkdev vdisk_nullio/s2 size=$((1 << 30))
# A file on a tmpfs of its own: 4096-byte file system blocks.
mkdir -p $T/fs4k && mount -t tmpfs -o size=16M tmpfs $T/fs4k || fail "mount tmpfs"
truncate -s 8M $T/fs4k/pb.img || fail "truncate pb.img"
ktgt_mkdev vdisk_fileio/s4 filename=$T/fs4k/pb.img
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/s0
ktgt_maplun local/t0 1 vdisk_fileio/s1
ktgt_maplun local/t0 2 vdisk_nullio/s2
ktgt_maplun local/t0 3 vdisk_fileio/s0 read_only=1
ktgt_maplun local/t0 4 vdisk_fileio/s4
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
sg0=$(ktgt_wait_disk -g host="$host" lun=0)
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
sg2=$(ktgt_wait_disk -g host="$host" lun=2)
sg3=$(ktgt_wait_disk -g host="$host" lun=3)
sg4=$(ktgt_wait_disk -g host="$host" lun=4)
sg=$sg0
log "thin $dev $sg0, full $sg1, nullio $sg2, read-only $sg3"

log "GET LBA STATUS"
expect_eq "$(lba_status 0 4096)" "00000014""00000000$(desc 0 $cap 1)" \
	"a new sparse file is deallocated"
head -c 1M /dev/urandom > $T/data1m
dd if=$T/data1m of="$dev" bs=1M oflag=direct status=none ||
	fail "writing 1 MiB"
same_blocks "1 MiB written through the disk" 0 2048 $T/data1m
expect_eq "$(lba_status 0 4096)" \
	"00000024""00000000$(desc 0 2048 0)$(desc 2048 $((cap - 2048)) 1)" \
	"mapped, then deallocated"
expect_eq "$(lba_status 0 24)" "00000014""00000000$(desc 0 2048 0)" \
	"one descriptor with allocation length 24"
expect_eq "$(lba_status 100 4096)" \
	"00000024""00000000$(desc 100 1948 0)$(desc 2048 $((cap - 2048)) 1)" \
	"starting inside an extent"
expect_eq "$(lba_status $((cap - 1)) 4096)" \
	"00000014""00000000$(desc $((cap - 1)) 1 1)" "the last LBA"
# shellcheck disable=SC2046
expect_check "GET LBA STATUS past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(ktgt_sense -r 64 "$sg" 9e 12 $(be $cap 8) 00 00 00 40 00 00)"
sg=$sg1
expect_eq "$(lba_status 0 64)" "00000014""00000000$(desc 0 16384 0)" \
	"without thin provisioning every block is mapped"
sg=$sg0

log "UNMAP"
run_ok "sg_unmap" sg_unmap --force --lba=0 --num=1024 "$sg"
expect_eq "$(lba_status 0 4096)" \
	"00000034""00000000$(desc 0 1024 1)$(desc 1024 1024 0)$(desc 2048 $((cap - 2048)) 1)" \
	"after UNMAP of 1024 blocks"
head -c 512K /dev/zero > $T/zero512k
same_blocks "unmapped blocks read as zeros" 0 1024 $T/zero512k
tail -c 512K $T/data1m > $T/tail512k
same_blocks "blocks after the unmapped range" 1024 1024 $T/tail512k

# unmap_list FILE LBA NUM [LBA NUM...]: an UNMAP parameter list.
unmap_list() {
	local f=$1 n=$(( ($# - 1) / 2 )) hex
	shift
	hex=$(printf '%04x%04x00000000' $((6 + 16 * n)) $((16 * n)))
	while [ $# -ge 2 ]; do
		hex+=$(printf '%016x%08x00000000' "$1" "$2")
		shift 2
	done
	printf '%s' "$hex" | xxd -r -p > "$f"
}

before=$(sum)
unmap_list $T/ul 1024 8 $((cap - 4)) 8
expect_check "UNMAP past the end (second descriptor)" \
	"key=05 asc=21 ascq=00 sks=-" "$(run $T/ul 42 00 00 00 00 00 00 00 28 00)"
unmap_list $T/ul 1024 8 0 $((1048576 + 1))
expect_check "UNMAP over MAXIMUM UNMAP LBA COUNT" \
	"key=05 asc=26 ascq=00 sks=8f0020" \
	"$(run $T/ul 42 00 00 00 00 00 00 00 28 00)"
unmap_list $T/ul 1024 8
head -c 16 $T/ul > $T/ul16
expect_check "UNMAP descriptors beyond the parameter list" \
	"key=05 asc=26 ascq=00 sks=8f0002" \
	"$(run $T/ul16 42 00 00 00 00 00 00 00 10 00)"
head -c 7 $T/ul > $T/ul7
expect_check "UNMAP parameter list of 7 bytes" \
	"key=05 asc=1a ascq=00 sks=-" "$(run $T/ul7 42 00 00 00 00 00 00 00 07 00)"
args=()
for ((i = 0; i < 129; i++)); do args+=(1024 1); done
unmap_list $T/ul "${args[@]}"
expect_check "129 UNMAP descriptors" "key=05 asc=26 ascq=00 sks=8f0002" \
	"$(run $T/ul 42 00 00 00 00 00 00 $(be $((8 + 129 * 16)) 2) 00)"
unmap_list $T/ul 1024 8
expect_check "UNMAP ANCHOR" "key=05 asc=24 ascq=00 sks=c80001" \
	"$(run $T/ul 42 01 00 00 00 00 00 00 18 00)"
sg=$sg1
expect_check "UNMAP without thin provisioning" "key=05 asc=20 ascq=00 sks=-" \
	"$(run $T/ul 42 00 00 00 00 00 00 00 18 00)"
sg=$sg3
expect_check "UNMAP on a read-only LUN" "key=07 asc=27 ascq=00 sks=-" \
	"$(run $T/ul 42 00 00 00 00 00 00 00 18 00)"
sg=$sg0
expect_eq "$(sum)" "$before" "backing file after refused UNMAPs"
expect_good "UNMAP with an empty parameter list" \
	"$(run - 42 00 00 00 00 00 00 00 00 00)"

log "WRITE SAME"
head -c 512 /dev/urandom > $T/pat
for ((i = 0; i < 16; i++)); do cat $T/pat; done > $T/pat16
expect_good "WRITE SAME(10) 16 blocks" \
	"$(run $T/pat 41 00 $(be 4096 4) 00 $(be 16 2) 00)"
same_blocks "WRITE SAME(10)" 4096 16 $T/pat16
run_ok "sg_write_same --16 --ndob" \
	sg_write_same --16 --ndob --lba=4100 --num=8 "$sg"
{ head -c 2K $T/pat16; head -c 4K /dev/zero; head -c 2K $T/pat16; } \
	> $T/ws.exp
same_blocks "WRITE SAME(16) NDOB writes zeros" 4096 16 $T/ws.exp
# With UNMAP and zeros: the blocks are deallocated (whole 4 KiB file
# system blocks here, so the hole shows).
expect_good "WRITE SAME(16) 64 blocks" \
	"$(run $T/pat 93 00 $(be 8192 8) $(be 64 4) 00 00)"
expect_eq "$(lba_status 8192 24)" "00000014""00000000$(desc 8192 64 0)" \
	"mapped after WRITE SAME"
head -c 512 /dev/zero > $T/zblk
expect_good "WRITE SAME(16) UNMAP of zeros" \
	"$(run $T/zblk 93 08 $(be 8192 8) $(be 64 4) 00 00)"
expect_eq "$(lba_status 8192 24)" "00000014""00000000$(desc 8192 $((cap - 8192)) 1)" \
	"deallocated after WRITE SAME UNMAP"
head -c 32K /dev/zero > $T/zero32k
same_blocks "WRITE SAME UNMAP reads zeros" 8192 64 $T/zero32k
# With UNMAP and data that is not zero: written, not deallocated.
expect_good "WRITE SAME(10) UNMAP of data" \
	"$(run $T/pat 41 08 $(be 8192 4) 00 $(be 16 2) 00)"
same_blocks "WRITE SAME UNMAP of data writes it" 8192 16 $T/pat16
# 0 blocks: to the end of the medium.
expect_good "WRITE SAME(16) of 0 blocks" \
	"$(run $T/pat 93 00 $(be $((cap - 16)) 8) 00 00 00 00 00 00)"
same_blocks "WRITE SAME to the end" $((cap - 16)) 16 $T/pat16
run_ok "sg_write_same" sg_write_same --lba=12288 --num=2 --in=$T/pat "$sg"
same_blocks "sg_write_same" 12288 1 $T/pat

before=$(sum)
expect_check "WRITE SAME past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run $T/pat 93 00 $(be $((cap - 8)) 8) $(be 9 4) 00 00)"
expect_check "WRITE SAME(10) NDOB (reserved there)" \
	"key=05 asc=24 ascq=00 sks=c80001" \
	"$(run - 41 01 $(be 0 4) 00 $(be 1 2) 00)"
expect_check "WRITE SAME LBDATA (obsolete)" \
	"key=05 asc=24 ascq=00 sks=c90001" \
	"$(run $T/pat 41 02 $(be 0 4) 00 $(be 1 2) 00)"
sg=$sg1
expect_check "WRITE SAME UNMAP without thin provisioning" \
	"key=05 asc=24 ascq=00 sks=cb0001" \
	"$(run $T/pat 93 08 $(be 0 8) $(be 1 4) 00 00)"
sg=$sg2
expect_check "WRITE SAME over MAXIMUM WRITE SAME LENGTH" \
	"key=05 asc=24 ascq=00 sks=cf000a" \
	"$(run $T/pat 93 00 $(be 0 8) $(be 32769 4) 00 00)"
expect_check "WRITE SAME(16) of 0 blocks on a 1 GiB disk" \
	"key=05 asc=24 ascq=00 sks=cf000a" \
	"$(run $T/pat 93 00 $(be 0 8) 00 00 00 00 00 00)"
expect_good "WRITE SAME of MAXIMUM WRITE SAME LENGTH" \
	"$(run $T/pat 93 00 $(be 0 8) $(be 32768 4) 00 00)"
sg=$sg0
expect_eq "$(sum)" "$before" "backing file after refused WRITE SAMEs"

log "COMPARE AND WRITE"
head -c 512 /dev/urandom > $T/new1
blocks 300 1 > $T/old1
cat $T/old1 $T/new1 > $T/caw
caw() { # FILE LBA N
	run "$1" 89 00 $(be "$2" 8) 00 00 00 $(be "$3" 1) 00 00
}
expect_good "COMPARE AND WRITE, matching" "$(caw $T/caw 300 1)"
same_blocks "COMPARE AND WRITE wrote" 300 1 $T/new1
before=$(sum)
r=$(caw $T/caw 300 1)
expect_check "COMPARE AND WRITE, old data" "key=0e asc=1d ascq=00 sks=-" "$r"
# The first byte that differs: compare old1 with new1.
first=$(cmp $T/old1 $T/new1 | awk '{ print $5 }' | tr -d ,)
expect_eq "$(sense_info "$r")" $((first - 1)) "MISCOMPARE offset"
# A difference at byte 612: the second block's byte 100.
blocks 300 2 > $T/cur2
cp $T/cur2 $T/cmp2
printf '\x5a' | dd of=$T/cmp2 bs=1 seek=612 conv=notrunc status=none
[ "$(xxd -s 612 -l 1 -p $T/cur2)" != 5a ] ||
	printf '\xa5' | dd of=$T/cmp2 bs=1 seek=612 conv=notrunc status=none
head -c 1K /dev/urandom > $T/new2
cat $T/cmp2 $T/new2 > $T/caw2
r=$(caw $T/caw2 300 2)
expect_check "COMPARE AND WRITE, 2 blocks" "key=0e asc=1d ascq=00 sks=-" "$r"
expect_eq "$(sense_info "$r")" 612 "MISCOMPARE offset in the second block"
out=$(sg_compare_and_write --lba=300 --num=1 --in=$T/caw "$sg" 2>&1)
expect_eq "$?" 14 "sg_compare_and_write exit status on MISCOMPARE"
expect_check "COMPARE AND WRITE past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(caw $T/caw $cap 1)"
for ((i = 0; i < 17; i++)); do cat $T/caw; done > $T/caw17
expect_check "COMPARE AND WRITE of 17 blocks" \
	"key=05 asc=24 ascq=00 sks=cf000d" "$(caw $T/caw17 0 17)"
expect_eq "$(sum)" "$before" "backing file after refused COMPARE AND WRITEs"
expect_good "COMPARE AND WRITE of 0 blocks" "$(run - 89 00 $(be 300 8) 00 00 00 00 00 00)"
cat $T/cur2 $T/new2 > $T/caw2
expect_good "COMPARE AND WRITE of 2 blocks" "$(caw $T/caw2 300 2)"
same_blocks "COMPARE AND WRITE of 2 blocks" 300 2 $T/new2
run_ok "sg_compare_and_write" sg_compare_and_write --lba=300 --num=1 \
	--in=$T/new2 --inw=$T/new1 "$sg"
same_blocks "sg_compare_and_write" 300 1 $T/new1

log "VERIFY and WRITE AND VERIFY"
run_ok "VERIFY(10) BYTCHK 0" sg_verify --lba=0 --count=2048 "$sg"
run_ok "VERIFY(16) BYTCHK 0" sg_verify --16 --lba=0 --count=2048 "$sg"
blocks 1024 8 > $T/v8
expect_good "VERIFY(10) BYTCHK 1, same data" \
	"$(run $T/v8 2f 02 $(be 1024 4) 00 $(be 8 2) 00)"
cp $T/v8 $T/v8bad
printf '\x00' | dd of=$T/v8bad bs=1 seek=3001 conv=notrunc status=none
[ "$(xxd -s 3001 -l 1 -p $T/v8)" != 00 ] ||
	printf '\xff' | dd of=$T/v8bad bs=1 seek=3001 conv=notrunc status=none
r=$(run $T/v8bad 8f 02 $(be 1024 8) $(be 8 4) 00 00)
expect_check "VERIFY(16) BYTCHK 1, different" "key=0e asc=1d ascq=00 sks=-" "$r"
expect_eq "$(sense_info "$r")" 3001 "VERIFY MISCOMPARE offset"
sg_verify --lba=1024 --count=8 --ndo=4096 --in=$T/v8 "$sg" ||
	fail "sg_verify --ndo"
expect_good "VERIFY BYTCHK 11b, 16 equal blocks" \
	"$(run $T/pat 2f 06 $(be 4096 4) 00 $(be 4 2) 00)"
r=$(run $T/pat 2f 06 $(be 4098 4) 00 $(be 4 2) 00)
expect_check "VERIFY BYTCHK 11b over the zeroed blocks" \
	"key=0e asc=1d ascq=00 sks=-" "$r"
# Block 4100 (the third) is the first zero block: its first byte that
# differs from the pattern.
first=$(cmp $T/pat $T/zblk | awk '{ print $5 }' | tr -d ,)
expect_eq "$(sense_info "$r")" $((2 * 512 + first - 1)) \
	"VERIFY BYTCHK 11b MISCOMPARE offset"
expect_check "VERIFY BYTCHK 10b" "key=05 asc=24 ascq=00 sks=ca0001" \
	"$(run - 2f 04 $(be 0 4) 00 $(be 1 2) 00)"
expect_check "VERIFY past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run - 2f 00 $(be $((cap - 1)) 4) 00 $(be 2 2) 00)"
head -c 4K /dev/urandom > $T/wv
expect_good "WRITE AND VERIFY(10) BYTCHK 1" \
	"$(run $T/wv 2e 02 $(be 20000 4) 00 $(be 8 2) 00)"
same_blocks "WRITE AND VERIFY(10)" 20000 8 $T/wv
head -c 4K /dev/urandom > $T/wv
expect_good "WRITE AND VERIFY(16) BYTCHK 0" \
	"$(run $T/wv 8e 00 $(be 20000 8) $(be 8 4) 00 00)"
same_blocks "WRITE AND VERIFY(16)" 20000 8 $T/wv
head -c 4K /dev/urandom > $T/wv
expect_good "WRITE AND VERIFY(12) BYTCHK 1" \
	"$(run $T/wv ae 02 $(be 20008 4) $(be 8 4) 00 00)"
same_blocks "WRITE AND VERIFY(12)" 20008 8 $T/wv
expect_good "VERIFY(12) BYTCHK 1, same data" \
	"$(run $T/wv af 02 $(be 20008 4) $(be 8 4) 00 00)"
r=$(run $T/v8bad af 02 $(be 1024 4) $(be 8 4) 00 00)
expect_check "VERIFY(12) BYTCHK 1, different" "key=0e asc=1d ascq=00 sks=-" "$r"
expect_eq "$(sense_info "$r")" 3001 "VERIFY(12) MISCOMPARE offset"
expect_good "VERIFY(12) BYTCHK 0, GROUP NUMBER 3" \
	"$(run - af 00 $(be 0 4) $(be 2048 4) 03 00)"
expect_check "VERIFY(12) past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run - af 00 $(be $((cap - 1)) 4) $(be 2 4) 00 00)"
expect_check "VERIFY(12) VRPROTECT" "key=05 asc=24 ascq=00 sks=cf0001" \
	"$(run - af 20 $(be 0 4) $(be 1 4) 00 00)"

log "ORWRITE(16) and PRE-FETCH"
# or_files A B OUT: OUT is the bytewise OR of files A and B.
or_files() {
	python3 -c 'import sys
a = open(sys.argv[1], "rb").read()
b = open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(bytes(x | y for x, y in zip(a, b)))' "$@" ||
		fail "python3 (OR of $1 and $2)"
}
# 256 blocks (128 KiB: SG_IO through sg_raw is bounded by the queue's
# max_sectors).
head -c $((256 * 512)) /dev/urandom > $T/or_old
head -c $((256 * 512)) /dev/urandom > $T/or_mask
expect_good "WRITE(16) before ORWRITE" \
	"$(run $T/or_old 8a 00 $(be 24000 8) $(be 256 4) 00 00)"
same_blocks "WRITE(16) before ORWRITE" 24000 256 $T/or_old
expect_good "ORWRITE(16) of 256 blocks" \
	"$(run $T/or_mask 8b 00 $(be 24000 8) $(be 256 4) 00 00)"
or_files $T/or_old $T/or_mask $T/or_new
same_blocks "ORWRITE(16) ORed" 24000 256 $T/or_new
head -c 512 /dev/urandom > $T/or_one
blocks 24255 1 > $T/or_cur
or_files $T/or_cur $T/or_one $T/or_new1
expect_good "ORWRITE(16) FUA DPO, last block" \
	"$(run $T/or_one 8b 18 $(be 24255 8) $(be 1 4) 00 00)"
same_blocks "ORWRITE(16) FUA DPO" 24255 1 $T/or_new1
before=$(sum)
expect_good "ORWRITE(16) of 0 blocks" \
	"$(run - 8b 00 $(be 24000 8) $(be 0 4) 00 00)"
expect_check "ORWRITE(16) past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run $T/or_one 8b 00 $(be $cap 8) $(be 1 4) 00 00)"
expect_check "ORWRITE(16) ORPROTECT" "key=05 asc=24 ascq=00 sks=cf0001" \
	"$(run $T/or_one 8b 20 $(be 24000 8) $(be 1 4) 00 00)"
expect_check "ORWRITE(16) reserved byte 14 bit 5" \
	"key=05 asc=24 ascq=00 sks=cd000e" \
	"$(run $T/or_one 8b 00 $(be 24000 8) $(be 1 4) 20 00)"
sg=$sg3
expect_check "ORWRITE(16) to a read-only LUN" "key=07 asc=27 ascq=00 sks=-" \
	"$(run $T/or_one 8b 00 $(be 24000 8) $(be 1 4) 00 00)"
sg=$sg0
expect_eq "$(sum)" "$before" "backing file after refused ORWRITEs"
expect_good "PRE-FETCH(10)" "$(run - 34 00 $(be 0 4) 00 $(be 256 2) 00)"
expect_good "PRE-FETCH(10) IMMED, GROUP NUMBER 3, to the end" \
	"$(run - 34 02 $(be $((cap - 256)) 4) 03 $(be 256 2) 00)"
expect_good "PRE-FETCH(10) of 0 blocks" \
	"$(run - 34 00 $(be 100 4) 00 $(be 0 2) 00)"
expect_good "PRE-FETCH(16) IMMED" \
	"$(run - 90 02 $(be 0 8) $(be 2048 4) 03 00)"
expect_check "PRE-FETCH(10) past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run - 34 00 $(be $((cap - 1)) 4) 00 $(be 2 2) 00)"
expect_check "PRE-FETCH(16) past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run - 90 00 $(be $cap 8) $(be 1 4) 00 00)"
expect_check "PRE-FETCH(10) reserved byte 1 bit 0" \
	"key=05 asc=24 ascq=00 sks=c80001" \
	"$(run - 34 01 $(be 0 4) 00 $(be 1 2) 00)"

log "SYNCHRONIZE CACHE, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL"
run_ok "sg_sync" sg_sync "$sg"
run_ok "sg_sync --16" sg_sync --sync-nv --16 "$sg"
expect_good "SYNCHRONIZE CACHE(10) IMMED" \
	"$(run - 35 02 $(be 0 4) 00 $(be 0 2) 00)"
expect_check "SYNCHRONIZE CACHE past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run - 35 00 $(be $cap 4) 00 $(be 1 2) 00)"
run_ok "sg_start --stop" sg_start --stop "$sg"
run_ok "sg_start --start" sg_start --start "$sg"
run_ok "sg_start --immed --pc=2" sg_start --immed --pc=2 "$sg"
sg=$sg1
run_ok "sg_prevent" sg_prevent "$sg"
expect_check "eject while prevented" "key=05 asc=53 ascq=02 sks=-" \
	"$(run - 1b 00 00 00 02 00)"
expect_good "load while prevented" "$(run - 1b 00 00 00 03 00)"
expect_check "PREVENT 10b" "key=05 asc=24 ascq=00 sks=c90004" \
	"$(run - 1e 00 00 00 02 00)"
run_ok "sg_prevent --allow" sg_prevent --allow "$sg"
expect_good "eject when allowed" "$(run - 1b 00 00 00 02 00)"
sg=$sg0

log "READ and WRITE errors leave the medium alone"
before=$(sum)
head -c 4K /dev/urandom > $T/w8
expect_check "WRITE(10) past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run $T/w8 2a 00 $(be $((cap - 4)) 4) 00 $(be 8 2) 00)"
expect_check "WRITE(16) past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(run $T/w8 8a 00 $(be $((cap - 4)) 8) $(be 8 4) 00 00)"
expect_check "WRITE(16) at LBA 2^64-8" "key=05 asc=21 ascq=00 sks=-" \
	"$(run $T/w8 8a 00 ff ff ff ff ff ff ff f8 $(be 8 4) 00 00)"
expect_check "WRITE(10) reserved byte 6 bit 5" \
	"key=05 asc=24 ascq=00 sks=cd0006" \
	"$(run $T/w8 2a 00 $(be 0 4) 20 $(be 8 2) 00)"
expect_check "WRITE(10) WRPROTECT" "key=05 asc=24 ascq=00 sks=cf0001" \
	"$(run $T/w8 2a 20 $(be 0 4) 00 $(be 8 2) 00)"
expect_check "WRITE(16) control byte NACA" "key=05 asc=24 ascq=00 sks=ca000f" \
	"$(run $T/w8 8a 00 $(be 0 8) $(be 8 4) 00 04)"
expect_check "WRITE(10) over MAXIMUM TRANSFER LENGTH" \
	"key=05 asc=24 ascq=00 sks=cf0007" \
	"$(run - 2a 00 $(be 0 4) 00 $(be 16385 2) 00)"
sg=$sg3
expect_check "WRITE(10) to a read-only LUN" "key=07 asc=27 ascq=00 sks=-" \
	"$(run $T/w8 2a 00 $(be 0 4) 00 $(be 8 2) 00)"
expect_check "WRITE SAME to a read-only LUN" "key=07 asc=27 ascq=00 sks=-" \
	"$(run $T/pat 93 00 $(be 0 8) $(be 8 4) 00 00)"
expect_check "COMPARE AND WRITE to a read-only LUN" \
	"key=07 asc=27 ascq=00 sks=-" "$(caw $T/caw 300 1)"
sg=$sg0
expect_check "READ(10) past the end" "key=05 asc=21 ascq=00 sks=-" \
	"$(ktgt_sense -r 4096 "$sg" 28 00 $(be $((cap - 4)) 4) 00 $(be 8 2) 00)"
expect_eq "$(sum)" "$before" "backing file after refused writes"

log "READ CAPACITY(16): logical blocks per physical block"
# Byte 13, LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: 3 for 512-byte
# blocks of a file on 4096-byte file system blocks, 0 on nullio.
sg=$sg4
expect_eq "$(din 32 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00 | cut -c27-28)" 03 \
	"RC16 LBPPBE of a file on tmpfs"
d4=$(ktgt_wait_disk host="$host" lun=4)
expect_eq "$(cat /sys/block/"${d4#/dev/}"/queue/physical_block_size)" 4096 \
	"the initiator's physical_block_size"
sg=$sg2
expect_eq "$(din 32 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00 | cut -c27-28)" 00 \
	"RC16 LBPPBE of nullio"

log "a WRITE given less data than its TRANSFER LENGTH, WRITE SAME's data-out"
# The transport's expected length (here the SCSI midlayer's buffer)
# below the CDB's: through the local driver, which has no overflow
# residual to report, the WRITE is refused and nothing is written (iSCSI
# writes the whole blocks sent and reports the rest as residual
# overflow); WRITE SAME takes exactly one block.
sg=$sg0
head -c 1024 /dev/zero | tr '\0' a > $T/a2
head -c 512 /dev/zero | tr '\0' b > $T/b1
expect_good "WRITE(10) of two blocks" \
	"$(run $T/a2 2a 00 $(be 5000 4) 00 $(be 2 2) 00)"
expect_check "WRITE(10) of two blocks with one block of data" \
	"key=05 asc=24 ascq=00 sks=cf0007" \
	"$(run $T/b1 2a 00 $(be 5000 4) 00 $(be 2 2) 00)"
expect_check "WRITE AND VERIFY(16) of three blocks with one block of data" \
	"key=05 asc=24 ascq=00 sks=cf000a" \
	"$(run $T/b1 8e 00 $(be 5001 8) $(be 3 4) 00 00)"
expect_check "WRITE(10) of two blocks with no data" \
	"key=05 asc=24 ascq=00 sks=cf0007" \
	"$(run - 2a 00 $(be 5000 4) 00 $(be 2 2) 00)"
same_blocks "the refused WRITEs wrote nothing" 5000 2 $T/a2
before=$(sum)
expect_check "WRITE SAME(10) with two blocks of data-out" \
	"key=05 asc=0e ascq=03 sks=-" "$(run $T/a2 41 00 $(be 6000 4) 00 $(be 4 2) 00)"
head -c 256 $T/b1 > $T/half
expect_check "WRITE SAME(16) with half a block of data-out" \
	"key=05 asc=0e ascq=03 sks=-" "$(run $T/half 93 00 $(be 6000 8) $(be 4 4) 00 00)"
cat $T/a2 $T/a2 > $T/a4
expect_check "COMPARE AND WRITE of one block with four blocks of data-out" \
	"key=05 asc=0e ascq=03 sks=-" "$(caw $T/a4 6000 1)"
expect_eq "$(sum)" "$before" "backing file after the refused WRITE SAMEs and COMPARE AND WRITE"

ktgt_cleanup || fail "cleanup"
umount $T/fs4k || fail "umount $T/fs4k"
ktgt_unload_all
pass
