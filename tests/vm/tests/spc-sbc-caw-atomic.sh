#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# COMPARE AND WRITE is atomic against the writes of other I_T nexuses
# (SBC-3 5.2): its read, compare and write are one uninterrupted series
# of actions for every command accessing its blocks. One vdisk_nullio
# device is LUN 0 of two local targets (sessions A and B); the device's
# delay_ms test hook holds every READ/WRITE, the COMPARE AND WRITE's
# internal read and write included, and writing delay_ms re-arms the
# held ones to end that many ms later, so each part starts from a known
# state (both commands in the target, the first one held inside the
# handler) rather than from a race:
#
# 1. A's COMPARE AND WRITE is held in its read when B sends an
#    overlapping WRITE(10): the WRITE completes after the COMPARE AND
#    WRITE, a full delay later (without the exclusion it completes while
#    the COMPARE AND WRITE still has its write to do: it lands between
#    the read and the write);
# 2. B's WRITE(10) is held when A sends an overlapping COMPARE AND WRITE:
#    the COMPARE AND WRITE starts its read only once the WRITE finished,
#    so it ends two delays after the WRITE, not one;
# 3. A's COMPARE AND WRITE is held in its read when B sends an EXTENDED
#    COPY into its block (from another block of the same LU): the copy's
#    write waits for the COMPARE AND WRITE (without the exclusion they
#    complete together);
# 4. a WRITE of other blocks is not held back (a COMPARE AND WRITE of
#    other blocks is: the two run one at a time per device);
# 5. ORWRITE(16) is atomic the same way: A's ORWRITE is held in its read
#    when B sends an overlapping WRITE(10), which completes after it.
#
# Times are taken in the guest when sg_raw returns; the margins are a
# whole delay (DELAY ms) or half of one, far above the jitter of TCG.
# On the code before the exclusion parts 1-3 fail.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

T=$(mktemp -d /tmp/caw-atomic.XXXXXX) || fail "mktemp"

ktgt_load ktgt_vdisk ktgt_local
modprobe sg || fail "modprobe sg"

dev=vdisk_nullio/caw
ktgt_mkdev $dev size=$((16 << 20)) serial=CAWATOMIC
ktgt_local_nexuses $dev a b
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
log "session A: $sga, session B: $sgb"
for sg in "$sga" "$sgb"; do
	for i in 1 2 3; do
		[ "$(ktgt_tur "$sg")" = GOOD ] && break
	done
	expect_eq "$(ktgt_tur "$sg")" GOOD "TUR on $sg"
done
sess_a=$(ktgt_session_of local:a)
sess_b=$(ktgt_session_of local:b)
delay_ms=$KTGT_CFS/handlers/$dev/delay_ms
naa=$(cat "$KTGT_CFS/handlers/$dev/naa_id")

DELAY=3000
HOLD=60000

# nullio reads zeros: COMPARE AND WRITE of one block compares zeros.
head -c 512 /dev/zero > $T/cmp
{ cat $T/cmp; head -c 512 /dev/zero | tr '\0' '\252'; } > $T/caw
head -c 512 /dev/zero | tr '\0' '\125' > $T/blk

# xcopy_plist LBA: the parameter list of an EXTENDED COPY(LID1) of block
# 100 of the LU to block LBA: LIST ID USAGE 11b, one identification
# target descriptor (E4h, NAA, 512-byte blocks) and one block to block
# segment (02h).
xcopy_plist() {
	printf '%s' "0018" "0020" "00000000" "0000001c" "00000000" \
		"e400000001030010${naa}0000000000000200" \
		"02000018" "0000" "0000" "0000" "0001" \
		"$(printf '%016x' 100)" "$(printf '%016x' "$1")" |
		xxd -r -p > $T/xcopy
	[ "$(stat -c %s $T/xcopy)" = 76 ] || fail "xcopy parameter list size"
}

# bg NAME SG ARGS...: sg_raw in the background; $T/NAME gets its output,
# "rc=<exit status>" and "t=<completion time in ns>".
declare -A PID
bg() {
	local name=$1 sg=$2
	shift 2
	{ sg_raw -vvv -t 120 "$sg" "$@" 2>&1
	  printf '\nrc=%s\nt=%s\n' $? "$(date +%s%N)"; } > "$T/$name" &
	PID[$name]=$!
}
caw_bg() {	# NAME SG LBA
	bg "$1" "$2" -s 1024 -i $T/caw \
		89 00 00 00 00 00 00 00 00 "$(printf '%02x' "$3")" \
		00 00 00 01 00 00
}
write_bg() {	# NAME SG LBA
	bg "$1" "$2" -s 512 -i $T/blk \
		2a 00 00 00 00 "$(printf '%02x' "$3")" 00 00 01 00
}
orwrite_bg() {	# NAME SG LBA
	bg "$1" "$2" -s 512 -i $T/blk \
		8b 00 00 00 00 00 00 00 00 "$(printf '%02x' "$3")" \
		00 00 00 01 00 00
}
xcopy_bg() {	# NAME SG DST_LBA
	xcopy_plist "$3"
	bg "$1" "$2" -s 76 -i $T/xcopy \
		83 00 00 00 00 00 00 00 00 00 00 00 00 4c 00 00
}
# in_core SESS: wait until the session has a command in the core, then
# a second more for it to reach the handler (its data-out is local).
in_core() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(cat "$1/nr_cmds")" -ge 1 ] && { sleep 1; return 0; }
		sleep 0.02
	done
	fail "no command of $1 reached the core"
}
finish() {	# NAME: wait for it, require GOOD; DONE: its completion time
	wait "${PID[$1]}"
	grep -q '^rc=0$' "$T/$1" || {
		cat "$T/$1"
		fail "$1 did not end GOOD"
	}
	DONE=$(sed -n 's/^t=//p' "$T/$1")
}
ms() { echo $(( ($1 - $2) / 1000000 )); }

log "1. an overlapping WRITE of B waits for A's COMPARE AND WRITE"
ktgt_write "$delay_ms" $HOLD
caw_bg caw1 "$sga" 0
in_core "$sess_a"
write_bg wr1 "$sgb" 0
in_core "$sess_b"
# The CAW's read ends DELAY from now, its write DELAY later.
ktgt_write "$delay_ms" $DELAY
finish caw1; t_caw=$DONE
finish wr1; t_wr=$DONE
d=$(ms "$t_wr" "$t_caw")
log "B's WRITE completed $d ms after A's COMPARE AND WRITE"
[ "$d" -ge $((DELAY / 2)) ] ||
	fail "B's WRITE completed $d ms after A's COMPARE AND WRITE (before it if negative): it ran between the COMPARE AND WRITE's read and write"

log "2. A's COMPARE AND WRITE waits for B's overlapping WRITE"
ktgt_write "$delay_ms" $HOLD
write_bg wr2 "$sgb" 0
in_core "$sess_b"
caw_bg caw2 "$sga" 0
in_core "$sess_a"
ktgt_write "$delay_ms" $DELAY
finish wr2; t_wr=$DONE
finish caw2; t_caw=$DONE
d=$(ms "$t_caw" "$t_wr")
log "A's COMPARE AND WRITE completed $d ms after B's WRITE"
[ "$d" -ge $((DELAY * 3 / 2)) ] ||
	fail "A's COMPARE AND WRITE completed $d ms after B's WRITE, not two delays: it read while the WRITE was executing"

log "3. B's EXTENDED COPY into the block waits for A's COMPARE AND WRITE"
ktgt_write "$delay_ms" $HOLD
caw_bg caw3 "$sga" 0
in_core "$sess_a"
xcopy_bg xc3 "$sgb" 0
in_core "$sess_b"
ktgt_write "$delay_ms" $DELAY
finish caw3; t_caw=$DONE
finish xc3; t_xc=$DONE
d=$(ms "$t_xc" "$t_caw")
log "B's EXTENDED COPY completed $d ms after A's COMPARE AND WRITE"
[ "$d" -ge $((DELAY / 2)) ] ||
	fail "B's EXTENDED COPY completed $d ms after A's COMPARE AND WRITE: its write landed between the COMPARE AND WRITE's read and write"

log "4. commands of other blocks are not held back"
ktgt_write "$delay_ms" $HOLD
caw_bg caw4 "$sga" 0
in_core "$sess_a"
write_bg wr4 "$sgb" 8
caw_bg caw4b "$sgb" 16
in_core "$sess_b"
ktgt_write "$delay_ms" $DELAY
finish caw4; t_caw=$DONE
finish wr4; t_wr=$DONE
finish caw4b; t_caw_b=$DONE
d=$(ms "$t_caw" "$t_wr")
log "A's COMPARE AND WRITE completed $d ms after B's WRITE of block 8"
[ "$d" -ge $((DELAY / 2)) ] ||
	fail "B's WRITE of block 8 was held back by A's COMPARE AND WRITE of block 0 ($d ms)"
log "B's COMPARE AND WRITE of block 16 completed $(ms "$t_caw_b" "$t_caw") ms after A's"

log "5. an overlapping WRITE of B waits for A's ORWRITE"
ktgt_write "$delay_ms" $HOLD
orwrite_bg orw5 "$sga" 0
in_core "$sess_a"
write_bg wr5 "$sgb" 0
in_core "$sess_b"
ktgt_write "$delay_ms" $DELAY
finish orw5; t_orw=$DONE
finish wr5; t_wr=$DONE
d=$(ms "$t_wr" "$t_orw")
log "B's WRITE completed $d ms after A's ORWRITE"
[ "$d" -ge $((DELAY / 2)) ] ||
	fail "B's WRITE completed $d ms after A's ORWRITE: it ran between the ORWRITE's read and write"

ktgt_write "$delay_ms" 0
expect_eq "$(ktgt_status "$sga" -r 512 28 00 00 00 00 00 00 00 01 00)" GOOD \
	"READ on session A afterwards"
expect_eq "$(ktgt_status "$sgb" -r 512 28 00 00 00 00 00 00 00 01 00)" GOOD \
	"READ on session B afterwards"
rm -rf "$T"
ktgt_cleanup || fail "cleanup"
