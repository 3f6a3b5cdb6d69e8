#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# The SBC emulation's internal I/O when the handler completes it
# asynchronously, and its errors:
# - vdisk_blockio (bios) on a device-mapper device that is a loop device
#   with a range of blocks failing every I/O (dm "error" target): WRITE
#   SAME, COMPARE AND WRITE, VERIFY and WRITE AND VERIFY give the right
#   data in the backing file, and MEDIUM ERROR (read or write) when they
#   touch the failing range;
# - vdisk_nullio with delay_ms (every transfer completes later from a
#   work item) on an exec_atomic device: the same commands complete;
# - COMPARE AND WRITE is atomic: of 6 concurrent ones comparing with the
#   same old data and writing different new data, from two I_T nexuses,
#   on blocks whose I/O takes 1.5 s (dm "delay" target), exactly one
#   succeeds and the others get MISCOMPARE.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Scratch files: the guest's /tmp is shared with other users of the host.
T=$(mktemp -d /tmp/spc-test.XXXXXX) || fail "mktemp"

be() {
	local n=$1 i out=""
	for ((i = $2 - 1; i >= 0; i--)); do
		out+=$(printf '%02x ' $(( (n >> (8 * i)) & 0xff )))
	done
	echo "${out% }"
}

# run SG FILE CDB...: a CDB on SG with FILE as data-out ("-": none).
run() {
	local sg=$1 f=$2
	shift 2
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

# blocks LBA N: N 512-byte blocks of the loop device's backing file.
blocks() {
	dd if="$back" bs=512 skip="$1" count="$2" status=none
}

same_blocks() {
	blocks "$2" "$3" > $T/blk.cmp
	cmp -s $T/blk.cmp "$4" || fail "$1: blocks $2+$3 differ from $4"
}

caw() { # SG FILE LBA N
	run "$1" "$2" 89 00 $(be "$3" 8) 00 00 00 $(be "$4" 1) 00 00
}

loop=
cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	dmsetup remove --noudevsync kerr 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
}
trap cleanup EXIT

modprobe loop 2>/dev/null
modprobe dm_mod 2>/dev/null
command -v dmsetup >/dev/null || skip "dmsetup not installed"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

back=$T/async.img
truncate -s 16M "$back" || fail "truncate $back"
loop=$(losetup -f --show "$back") || fail "losetup $back"
# 32768 sectors: 0-8191 and 9216-16383 pass through, 8192-9215 fail,
# 16384-32767 take 1.5 s per I/O (for COMPARE AND WRITEs to overlap).
modprobe dm_delay 2>/dev/null
printf '%s\n' "0 8192 linear $loop 0" "8192 1024 error" \
	"9216 7168 linear $loop 9216" "16384 16384 delay $loop 16384 1500" |
	dmsetup create --noudevsync kerr ||
	skip "no device-mapper error or delay target"
# Without udev, dmsetup makes the node itself.
[ -b /dev/mapper/kerr ] || dmsetup mknodes kerr
[ -b /dev/mapper/kerr ] || fail "no /dev/mapper/kerr"
ktgt_mkdev vdisk_blockio/a0 filename=/dev/mapper/kerr
ktgt_mkdev vdisk_nullio/a1 size=$((64 << 20)) delay_ms=20
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_blockio/a0
ktgt_maplun local/t0 1 vdisk_nullio/a1
ktgt_mktarget local/t1
ktgt_maplun local/t1 0 vdisk_blockio/a0
ktgt_enable local/t0
ktgt_enable local/t1
h0=$(ktgt_local_host t0)
h1=$(ktgt_local_host t1)
sg0=$(ktgt_wait_disk -g host="$h0" lun=0)
sgn=$(ktgt_wait_disk -g host="$h0" lun=1)
sg1=$(ktgt_wait_disk -g host="$h1" lun=0)
log "blockio over dm: $sg0 (t0), $sg1 (t1); delayed nullio: $sgn"

log "blockio: WRITE SAME, COMPARE AND WRITE, VERIFY, WRITE AND VERIFY"
head -c 512 /dev/urandom > $T/pat
# 4096 copies by doubling (a fork per copy is slow under TCG), cut.
cp $T/pat $T/patx
for ((i = 0; i < 12; i++)); do
	cat $T/patx $T/patx > $T/paty && mv $T/paty $T/patx
done
head -c $((3000 * 512)) $T/patx > $T/pat3000
# More than one internal 1 MiB transfer.
expect_good "WRITE SAME(16) of 3000 blocks" \
	"$(run "$sg0" $T/pat 93 00 $(be 100 8) $(be 3000 4) 00 00)"
same_blocks "WRITE SAME through blockio" 100 3000 $T/pat3000
expect_good "VERIFY BYTCHK 11b over them" \
	"$(run "$sg0" $T/pat 8f 06 $(be 100 8) $(be 3000 4) 00 00)"
head -c 512 /dev/urandom > $T/new
cat $T/pat $T/new > $T/caw
expect_good "COMPARE AND WRITE" "$(caw "$sg0" $T/caw 200 1)"
same_blocks "COMPARE AND WRITE through blockio" 200 1 $T/new
expect_check "COMPARE AND WRITE again" "key=0e asc=1d ascq=00 sks=-" \
	"$(caw "$sg0" $T/caw 200 1)"
same_blocks "nothing written on MISCOMPARE" 200 1 $T/new
head -c 8K /dev/urandom > $T/wv
expect_good "WRITE AND VERIFY(10)" \
	"$(run "$sg0" $T/wv 2e 02 $(be 5000 4) 00 $(be 16 2) 00)"
same_blocks "WRITE AND VERIFY through blockio" 5000 16 $T/wv
expect_good "VERIFY(10) BYTCHK 1" \
	"$(run "$sg0" $T/wv 2f 02 $(be 5000 4) 00 $(be 16 2) 00)"

log "blockio: errors of the internal I/O"
expect_check "VERIFY over the failing range" "key=03 asc=11 ascq=00 sks=-" \
	"$(run "$sg0" - 2f 00 $(be 8000 4) 00 $(be 400 2) 00)"
expect_check "COMPARE AND WRITE in the failing range" \
	"key=03 asc=11 ascq=00 sks=-" "$(caw "$sg0" $T/caw 8500 1)"
expect_check "WRITE SAME into the failing range" \
	"key=03 asc=0c ascq=00 sks=-" \
	"$(run "$sg0" $T/pat 93 00 $(be 8100 8) $(be 200 4) 00 00)"
expect_check "WRITE AND VERIFY into the failing range" \
	"key=03 asc=0c ascq=00 sks=-" \
	"$(run "$sg0" $T/wv 2e 02 $(be 9200 4) 00 $(be 16 2) 00)"
# The device is fine elsewhere.
expect_good "VERIFY after the errors" \
	"$(run "$sg0" - 2f 00 $(be 0 4) 00 $(be 8192 2) 00)"

log "COMPARE AND WRITE is atomic"
# In the slow range every read and write takes 1.5 s, so the six
# commands, started together, overlap.
run "$sg0" $T/pat 93 00 $(be 20000 8) $(be 1 4) 00 00 >/dev/null
for round in 1 2 3; do
	blocks 20000 1 > $T/old
	pids=()
	for ((j = 0; j < 6; j++)); do
		head -c 512 /dev/urandom > $T/w$j
		cat $T/old $T/w$j > $T/c$j
		if [ $((j % 2)) -eq 0 ]; then s=$sg0; else s=$sg1; fi
		( caw "$s" $T/c$j 20000 1 > $T/r$j ) &
		pids+=($!)
	done
	wait "${pids[@]}"
	good=0 winner=-1
	for ((j = 0; j < 6; j++)); do
		r=$(cat $T/r$j)
		case "${r%% *}" in
		status=00) good=$((good + 1)); winner=$j ;;
		status=02)
			expect_eq "$(ktgt_sense_decode "${r#*sense=}")" \
				"key=0e asc=1d ascq=00 sks=-" \
				"round $round, COMPARE AND WRITE $j"
			;;
		*) fail "round $round, COMPARE AND WRITE $j: $r" ;;
		esac
	done
	expect_eq "$good" 1 "round $round: COMPARE AND WRITEs that succeeded"
	same_blocks "round $round: the winner's data" 20000 1 $T/w$winner
done

log "nullio with delayed completion"
expect_good "WRITE SAME(16)" \
	"$(run "$sgn" $T/pat 93 00 $(be 0 8) $(be 3000 4) 00 00)"
head -c 1K /dev/zero > $T/zcaw
expect_good "COMPARE AND WRITE of zeros" "$(caw "$sgn" $T/zcaw 10 1)"
expect_check "COMPARE AND WRITE of data" "key=0e asc=1d ascq=00 sks=-" \
	"$(caw "$sgn" $T/caw 10 1)"
expect_good "VERIFY(16)" "$(run "$sgn" - 8f 00 $(be 0 8) $(be 4096 4) 00 00)"
expect_good "WRITE AND VERIFY(16) of zeros" \
	"$(run "$sgn" $T/zcaw 8e 02 $(be 0 8) $(be 2 4) 00 00)"
expect_good "READ(10)" \
	"$(ktgt_sense -r 4096 "$sgn" 28 00 $(be 0 4) 00 $(be 8 2) 00)"

trap - EXIT
cleanup
ktgt_unload_all
pass
