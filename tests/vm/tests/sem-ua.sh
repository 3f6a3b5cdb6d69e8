#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Unit attentions per I_T_L nexus and the control mode page's
# UA_INTLCK_CTRL, with two I_T nexuses (local targets a and b) to one
# logical unit:
# - MODE SELECT on a gives b (not a) MODE PARAMETERS CHANGED;
# - with UA_INTLCK_CTRL 00b a condition reported with CHECK CONDITION is
#   cleared; with 10b it stays pending, reported again to every command,
#   until REQUEST SENSE returns (and clears) it;
# - priority: BUS DEVICE RESET FUNCTION OCCURRED is reported before a
#   MODE PARAMETERS CHANGED that was established earlier;
# - UA_INTLCK_CTRL 01b (reserved) is refused: INVALID FIELD IN PARAMETER
#   LIST;
# - with 11b (not 10b) a RESERVATION CONFLICT establishes PREVIOUS
#   RESERVATION CONFLICT STATUS (2Ch/09h) on that I_T_L nexus, kept
#   until REQUEST SENSE.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local test_hooks=1 || fail "modprobe ktgt_local test_hooks=1"
modprobe sg || fail "modprobe sg"

# rsense SG: the sense key/ASC/ASCQ REQUEST SENSE returns as its data.
rsense() {
	local hex
	rm -f /tmp/sem-rs.bin
	sg_raw -r 18 -o /tmp/sem-rs.bin "$1" 03 00 00 00 12 00 >/dev/null 2>&1
	hex=$(od -An -tx1 /tmp/sem-rs.bin 2>/dev/null | tr '\n' ' ')
	read -r k a q _ <<< "$(ktgt_sense_decode "$hex")"
	echo "${k#key=}/${a#asc=}/${q#ascq=}"
}
# mode_select SG BYTE4 BYTE5: the control page with UA_INTLCK_CTRL/TAS.
mode_select() {
	printf "\\x00\\x00\\x00\\x00\\x0a\\x0a\\x00\\x00\\x$2\\x$3\\x00\\x00\\x00\\x00\\x00\\x00" \
		> /tmp/sem-ms.bin
	ktgt_status "$1" -s 16 -i /tmp/sem-ms.bin 15 10 00 00 10 00
}

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMUA
ktgt_local_nexuses vdisk_nullio/lu a b
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
	expect_eq "$(ktgt_tur "$sg")" GOOD "TUR on $sg"
done

# 00b: reported once.
expect_eq "$(mode_select "$sga" 00 40)" GOOD "MODE SELECT (no change)"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: no unit attention for an unchanged page"
expect_eq "$(mode_select "$sga" 20 40)" GOOD "MODE SELECT UA_INTLCK_CTRL=10b"
expect_eq "$(ktgt_tur "$sga")" GOOD "a: no unit attention for its own MODE SELECT"
# 10b: kept until REQUEST SENSE.
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: MODE PARAMETERS CHANGED"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: still pending with 10b"
expect_eq "$(ktgt_status "$sgb" -r 4096 28 00 00 00 00 00 00 00 08 00)" \
	"02 06/2a/01" "b: READ gets it too"
expect_eq "$(rsense "$sgb")" "06/2a/01" "b: REQUEST SENSE returns it"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: cleared by REQUEST SENSE"

# Priority, still with 10b: the reset comes first.
expect_eq "$(mode_select "$sga" 20 00)" GOOD "MODE SELECT TAS=0"
expect_eq "$(ktgt_local_tmf a lun_reset 0)" "lun_reset COMPLETE" "LU reset from a"
expect_eq "$(ktgt_tur "$sgb")" "02 06/29/03" "b: the reset first"
expect_eq "$(rsense "$sgb")" "06/29/03" "b: REQUEST SENSE: the reset"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: then MODE PARAMETERS CHANGED"
expect_eq "$(rsense "$sgb")" "06/2a/01" "b: REQUEST SENSE: mode"
expect_eq "$(rsense "$sgb")" "00/00/00" "b: REQUEST SENSE: nothing left"
expect_eq "$(rsense "$sga")" "06/29/03" "a: the reset"

# Back to 00b: cleared when reported.
expect_eq "$(mode_select "$sga" 00 40)" GOOD "MODE SELECT UA_INTLCK_CTRL=00b"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: MODE PARAMETERS CHANGED"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: cleared with 00b"
# 01b is reserved.
expect_eq "$(mode_select "$sga" 10 40)" "02 05/26/00" \
	"MODE SELECT UA_INTLCK_CTRL=01b refused"

# 11b: a RESERVATION CONFLICT establishes PREVIOUS RESERVATION CONFLICT
# STATUS on that nexus, kept until REQUEST SENSE; 10b does not.
tur_conflict() {	# SG: TUR while a holds an SPC-2 reservation
	expect_eq "$(ktgt_status "$sga" 16 00 00 00 00 00)" GOOD "a: RESERVE(6)"
	expect_eq "$(ktgt_tur "$1")" CONFLICT "b: TUR conflicts"
	expect_eq "$(ktgt_status "$sga" 17 00 00 00 00 00)" GOOD "a: RELEASE(6)"
}
expect_eq "$(mode_select "$sga" 20 40)" GOOD "MODE SELECT UA_INTLCK_CTRL=10b"
expect_eq "$(rsense "$sgb")" "06/2a/01" "b: MODE PARAMETERS CHANGED"
tur_conflict "$sgb"
expect_eq "$(ktgt_tur "$sgb")" GOOD "10b: no PREVIOUS RESERVATION CONFLICT STATUS"
expect_eq "$(mode_select "$sga" 30 40)" GOOD "MODE SELECT UA_INTLCK_CTRL=11b"
expect_eq "$(rsense "$sgb")" "06/2a/01" "b: MODE PARAMETERS CHANGED"
tur_conflict "$sgb"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2c/09" "11b: PREVIOUS RESERVATION CONFLICT STATUS"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2c/09" "11b: still pending"
expect_eq "$(rsense "$sgb")" "06/2c/09" "b: REQUEST SENSE returns it"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: cleared by REQUEST SENSE"
expect_eq "$(ktgt_tur "$sga")" GOOD "a: nothing for b's status"
expect_eq "$(mode_select "$sga" 00 40)" GOOD "MODE SELECT UA_INTLCK_CTRL=00b"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: MODE PARAMETERS CHANGED"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
