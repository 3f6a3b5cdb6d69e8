#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# QErr 01b (SPC-4 7.5.8) and the commands the failing one holds back.
# A vdisk_blockio LUN over a memory backed null_blk whose blocks
# 8192-8199 are bad and whose I/O completes from a timer (interrupt
# context) $ms ms late; one I_T nexus (local target a). W1, a WRITE of
# blocks 8184-8199, reaches the bad blocks and ends with CHECK CONDITION
# $ms ms after it started; W2, a WRITE of other data to blocks 8184-8191,
# sent while W1 executes, overlaps W1 on the same nexus, so the engine
# defers it behind W1.
# - QErr 00b: W1 CHECK CONDITION; W2 runs once W1 ended: GOOD, and its
#   data is on the null_blk;
# - QErr 01b: W1 CHECK CONDITION; W2 is aborted (silently, on W1's
#   nexus: DID_RESET from ktgt_local) before it starts, so the blocks do
#   not hold its data.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

T=$(mktemp -d /tmp/sem-qerr-def.XXXXXX) || fail "mktemp"
NB=/sys/kernel/config/nullb/qerrdef
cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	if [ -d "$NB" ]; then
		echo 0 > "$NB/power" 2>/dev/null
		rmdir "$NB" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ms=3000
modprobe null_blk nr_devices=0 2>/dev/null ||
	skip "no null_blk module"
[ -d /sys/kernel/config/nullb ] || skip "null_blk without configfs"
mkdir "$NB" || fail "mkdir $NB"
ktgt_write "$NB/size" 16
ktgt_write "$NB/blocksize" 512
ktgt_write "$NB/memory_backed" 1
ktgt_write "$NB/irqmode" 2
ktgt_write "$NB/completion_nsec" $((ms * 1000000))
ktgt_write "$NB/badblocks" +8192-8199
ktgt_write "$NB/power" 1
# Named after the configfs directory since 5.19, nullbN before.
nb=/dev/${NB##*/}
[ -b "$nb" ] || nb=/dev/nullb$(cat "$NB/index")
[ -b "$nb" ] || fail "no null_blk device for $NB"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

ktgt_mkdev vdisk_blockio/qd filename="$nb" serial=QERRDEF
ktgt_local_nexuses vdisk_blockio/qd a
sga=${KTGT_NEXUS[a]}
sess_a=$(ktgt_session_of local:a)
expect_eq "$(ktgt_tur "$sga")" "02 06/29/00" "POWER ON on $sga"

# mode_select QERR: MODE SELECT(6) of the control page, TAS 1.
mode_select() {
	printf "\\x00\\x00\\x00\\x00\\x0a\\x0a\\x00\\x$1\\x00\\x40\\x00\\x00\\x00\\x00\\x00\\x00" \
		> $T/ms.bin
	ktgt_sense "$sga" -s 16 -i $T/ms.bin 15 10 00 00 10 00
}

# blocks LBA N: N blocks of the null_blk itself, in one read (each of
# its I/Os takes $ms ms).
blocks() {
	dd if="$nb" bs=$(($2 * 512)) skip=$(($1 * 512)) count=1 \
		iflag=direct,skip_bytes status=none
}

head -c $((16 * 512)) /dev/urandom > $T/w1
head -c $((8 * 512)) /dev/urandom > $T/w2
head -c $((8 * 512)) /dev/zero > $T/zero

# w1_w2 WHAT: zero blocks 8184-8191, then W1 and, while it executes, W2
# from the same /dev/sgN; outputs in $T/w1.out and $T/w2.out.
w1_w2() {
	local i p1 p2

	expect_eq "$(ktgt_status "$sga" -s 4096 -i $T/zero \
		2a 00 00 00 1f f8 00 00 08 00)" GOOD "$1: zero blocks 8184-8191"
	{ sg_raw -vvv -s 8192 -i $T/w1 -t 60 "$sga" \
		2a 00 00 00 1f f8 00 00 10 00 2>&1; echo "rc=$?"; } > $T/w1.out &
	p1=$!
	for ((i = 0; i < 300; i++)); do
		[ "$(cat "$sess_a/nr_cmds")" -ge 1 ] && break
		sleep 0.02
	done
	[ "$i" -lt 300 ] || fail "$1: W1 never in the core"
	{ sg_raw -vvv -s 4096 -i $T/w2 -t 60 "$sga" \
		2a 00 00 00 1f f8 00 00 08 00 2>&1; echo "rc=$?"; } > $T/w2.out &
	p2=$!
	for ((i = 0; i < 300; i++)); do
		[ "$(cat "$sess_a/nr_cmds")" -ge 2 ] && break
		sleep 0.02
	done
	# W1 is still executing (the null_blk holds it $ms ms).
	[ "$i" -lt 300 ] || fail "$1: W1 and W2 never in the core together"
	grep -q '^rc=' $T/w1.out && fail "$1: W1 ended before W2 was sent"
	wait $p1 $p2
	log "$1: W1: $(ktgt_read_summary $T/w1.out); W2: $(ktgt_read_summary $T/w2.out)"
	grep -q 'SCSI Status: Check Condition' $T/w1.out ||
		fail "$1: W1 did not end with CHECK CONDITION"
}

# --- QErr 00b: W2 waits for W1, then writes ---
w1_w2 "QErr 00b"
ktgt_read_good $T/w2.out || fail "QErr 00b: W2 failed: $(ktgt_read_summary $T/w2.out)"
blocks 8184 8 | cmp -s - $T/w2 || fail "QErr 00b: W2's data is not on $nb"

# --- QErr 01b: W2 is aborted with W1's CHECK CONDITION ---
out=$(mode_select 02)
expect_eq "${out%% *}" status=00 "MODE SELECT QERR 01b: $out"
expect_eq "$(ktgt_tur "$sga")" GOOD "TUR after MODE SELECT"
w1_w2 "QErr 01b"
ktgt_read_aborted $T/w2.out || fail "QErr 01b: W2 not aborted: $(ktgt_read_summary $T/w2.out)"
blocks 8184 8 | cmp -s - $T/w2 && fail "QErr 01b: W2's data was written to $nb"

out=$(mode_select 00)
expect_eq "${out%% *}" status=00 "MODE SELECT QERR 00b: $out"
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
