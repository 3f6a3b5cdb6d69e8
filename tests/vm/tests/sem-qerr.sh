#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# QErr of the control mode page (SPC-4 7.5.8; SAM-5: no ACA is ever
# established). One vdisk_nullio device is LUN 0 of local targets a and
# b: two I_T nexuses to one logical unit; its READs are held (delay_ms)
# until nexus a got a CHECK CONDITION (a READ past the capacity,
# 05/21/00), so a READ of each nexus is in the task set then.
# - MODE SENSE: QERR changeable (mask 06h), default 00b; MODE SELECT
#   takes 01b and 11b; 10b is INVALID FIELD IN PARAMETER LIST with the
#   field pointer on byte 3 bit 2 of the page;
# - QErr 00b: the CHECK CONDITION affects no other task;
# - QErr 01b, TAS 1: a's and b's READs are aborted, b gets no unit
#   attention;
# - QErr 01b, TAS 0: both READs aborted, b gets COMMANDS CLEARED BY
#   ANOTHER INITIATOR (2Fh/00h) once, a nothing;
# - QErr 11b: only a's READ is aborted, b's READ is GOOD, no unit
#   attention.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMQERR
ktgt_local_nexuses vdisk_nullio/lu a b
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
done

sess_a=$(ktgt_session_of local:a)
sess_b=$(ktgt_session_of local:b)

# mode_select SG BYTE3 BYTE5: MODE SELECT(6) of the control page with
# QERR in BYTE3 and TAS in BYTE5, as ktgt_sense prints it.
mode_select() {
	printf "\\x00\\x00\\x00\\x00\\x0a\\x0a\\x00\\x$2\\x00\\x$3\\x00\\x00\\x00\\x00\\x00\\x00" \
		> /tmp/sem-ms.bin
	ktgt_sense "$1" -s 16 -i /tmp/sem-ms.bin 15 10 00 00 10 00
}
# mode_byte3 SG PC: byte 3 of the control page MODE SENSE(6) (DBD) returns
# for page control PC (0 current, 1 changeable, 2 default).
mode_byte3() {
	rm -f /tmp/sem-msense.bin
	sg_raw -r 16 -o /tmp/sem-msense.bin "$1" 1a 08 $(printf '%02x' $(($2 << 6 | 0x0a))) \
		00 10 00 > /dev/null 2>&1 || fail "MODE SENSE PC=$2"
	od -An -tx1 -j 7 -N 1 /tmp/sem-msense.bin | tr -d ' '
}
# set_mode SG BYTE3 BYTE5: MODE SELECT that must succeed, then clear the
# MODE PARAMETERS CHANGED it gives nexus b.
set_mode() {
	local out
	out=$(mode_select "$1" "$2" "$3")
	expect_eq "${out%% *}" status=00 "MODE SELECT QERR/TAS $2/$3: $out"
	expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: MODE PARAMETERS CHANGED"
}

expect_eq "$(mode_byte3 "$sga" 1)" 06 "QERR changeable"
expect_eq "$(mode_byte3 "$sga" 2)" 00 "QERR default 00b"
expect_eq "$(mode_byte3 "$sga" 0)" 00 "QERR current 00b"
out=$(mode_select "$sga" 04 40)
expect_eq "${out%% *}" status=02 "MODE SELECT QERR 10b"
expect_eq "$(ktgt_sense_decode "${out#*sense=}")" "key=05 asc=26 ascq=00 sks=8a0007" \
	"QERR 10b: INVALID FIELD IN PARAMETER LIST, byte 7 bit 2"
expect_eq "$(mode_byte3 "$sga" 0)" 00 "QERR still 00b"

# fault_a: a CHECK CONDITION on nexus a while both READs are held; they
# are released once it is answered (QErr aborts before the CHECK
# CONDITION is sent).
fault_a() {
	ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 60000
	ktgt_held_reads "$sga" "$sess_a" "$sgb" "$sess_b"
	expect_eq "$(ktgt_status "$sga" -r 512 28 00 10 00 00 00 00 00 01 00)" \
		"02 05/21/00" "$1: READ past the capacity on a"
	ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 0
	ktgt_held_wait
	log "$1: a: $(ktgt_read_summary /tmp/held-a.out); b: $(ktgt_read_summary /tmp/held-b.out)"
}

# --- QErr 00b ---
fault_a "QErr 00b"
ktgt_read_good /tmp/held-a.out || fail "QErr 00b: a's READ failed: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_good /tmp/held-b.out || fail "QErr 00b: b's READ failed: $(ktgt_read_summary /tmp/held-b.out)"

# --- QErr 01b, TAS 1 ---
set_mode "$sga" 02 40
expect_eq "$(mode_byte3 "$sga" 0)" 02 "QERR current 01b"
fault_a "QErr 01b TAS 1"
ktgt_read_aborted /tmp/held-a.out || fail "QErr 01b: a's READ not aborted: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_aborted /tmp/held-b.out || fail "QErr 01b: b's READ not aborted: $(ktgt_read_summary /tmp/held-b.out)"
expect_eq "$(ktgt_tur "$sgb")" GOOD "QErr 01b TAS 1: no unit attention on b"
expect_eq "$(ktgt_tur "$sga")" GOOD "QErr 01b TAS 1: no unit attention on a"

# --- QErr 01b, TAS 0 ---
set_mode "$sga" 02 00
fault_a "QErr 01b TAS 0"
ktgt_read_aborted /tmp/held-a.out || fail "QErr 01b TAS 0: a's READ not aborted: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_good /tmp/held-b.out && fail "QErr 01b TAS 0: b's READ was not aborted"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2f/00" \
	"QErr 01b TAS 0: b: COMMANDS CLEARED BY ANOTHER INITIATOR"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: reported once"
expect_eq "$(ktgt_tur "$sga")" GOOD "QErr 01b TAS 0: no unit attention on a"

# --- QErr 11b ---
set_mode "$sga" 06 40
expect_eq "$(mode_byte3 "$sga" 0)" 06 "QERR current 11b"
fault_a "QErr 11b"
ktgt_read_aborted /tmp/held-a.out || fail "QErr 11b: a's READ not aborted: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_good /tmp/held-b.out || fail "QErr 11b: b's READ aborted: $(ktgt_read_summary /tmp/held-b.out)"
expect_eq "$(ktgt_tur "$sgb")" GOOD "QErr 11b: no unit attention on b"

set_mode "$sga" 00 40
expect_eq "$(ktgt_status "$sga" -r 4096 $KTGT_READ10)" GOOD "READ on a"
expect_eq "$(ktgt_status "$sgb" -r 4096 $KTGT_READ10)" GOOD "READ on b"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
