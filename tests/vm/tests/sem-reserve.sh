#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# SPC-2 RESERVE/RELEASE (6 and 10) between two I_T nexuses to one
# logical unit (LUN 0 of local targets a and b, one vdisk_nullio device):
# - a's RESERVE: b gets RESERVATION CONFLICT for TEST UNIT READY, READ,
#   WRITE and RESERVE, but not for INQUIRY, REPORT LUNS or REQUEST
#   SENSE; b's RELEASE succeeds without effect; a keeps full access and
#   may RESERVE again;
# - released by a's RELEASE (6 and 10), by a LOGICAL UNIT RESET from b,
#   by a's I_T NEXUS RESET and by the loss of a's nexus (target a
#   disabled), never by anything of b's alone.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local test_hooks=1 || fail "modprobe ktgt_local test_hooks=1"
modprobe sg || fail "modprobe sg"

rd() { ktgt_status "$1" -r 4096 28 00 00 00 00 00 00 00 08 00; }
wr() { ktgt_status "$1" -s 4096 -i /dev/zero 2a 00 00 00 00 00 00 00 08 00; }
inq() { ktgt_status "$1" -r 36 12 00 00 00 24 00; }
rluns() { ktgt_status "$1" -r 64 a0 00 00 00 00 00 00 00 00 40 00 00; }
rsense() { ktgt_status "$1" -r 18 03 00 00 00 12 00; }
reserve6() { ktgt_status "$1" 16 00 00 00 00 00; }
release6() { ktgt_status "$1" 17 00 00 00 00 00; }
reserve10() { ktgt_status "$1" 56 00 00 00 00 00 00 00 00 00; }
release10() { ktgt_status "$1" 57 00 00 00 00 00 00 00 00 00; }

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMRES
ktgt_local_nexuses vdisk_nullio/lu a b
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
done

# b_conflicts WHY: b is locked out; a is not.
b_conflicts() {
	expect_eq "$(ktgt_tur "$sgb")" CONFLICT "$1: b's TEST UNIT READY"
	expect_eq "$(rd "$sgb")" CONFLICT "$1: b's READ"
	expect_eq "$(wr "$sgb")" CONFLICT "$1: b's WRITE"
	expect_eq "$(reserve6 "$sgb")" CONFLICT "$1: b's RESERVE(6)"
	expect_eq "$(reserve10 "$sgb")" CONFLICT "$1: b's RESERVE(10)"
	expect_eq "$(rd "$sga")" GOOD "$1: a's READ"
}
b_free() {
	expect_eq "$(rd "$sgb")" GOOD "$1: b's READ"
	expect_eq "$(wr "$sgb")" GOOD "$1: b's WRITE"
}

expect_eq "$(reserve6 "$sga")" GOOD "a: RESERVE(6)"
b_conflicts "a reserved"
expect_eq "$(inq "$sgb")" GOOD "b's INQUIRY while a holds the reservation"
expect_eq "$(rluns "$sgb")" GOOD "b's REPORT LUNS while reserved"
expect_eq "$(rsense "$sgb")" GOOD "b's REQUEST SENSE while reserved"
expect_eq "$(release6 "$sgb")" GOOD "b's RELEASE(6): no effect"
expect_eq "$(release10 "$sgb")" GOOD "b's RELEASE(10): no effect"
b_conflicts "after b's RELEASE"
expect_eq "$(wr "$sga")" GOOD "a's WRITE"
expect_eq "$(reserve6 "$sga")" GOOD "a: RESERVE(6) again"
expect_eq "$(reserve10 "$sga")" GOOD "a: RESERVE(10) while holding it"
expect_eq "$(release6 "$sga")" GOOD "a: RELEASE(6)"
b_free "a released (6)"

expect_eq "$(reserve10 "$sgb")" GOOD "b: RESERVE(10)"
expect_eq "$(rd "$sga")" CONFLICT "a's READ while b holds it"
expect_eq "$(release10 "$sgb")" GOOD "b: RELEASE(10)"
expect_eq "$(rd "$sga")" GOOD "a's READ after b's RELEASE(10)"

# LOGICAL UNIT RESET from b releases a's reservation.
expect_eq "$(reserve6 "$sga")" GOOD "a: RESERVE(6)"
b_conflicts "before the LU reset"
expect_eq "$(ktgt_local_tmf b lun_reset 0)" "lun_reset COMPLETE" "LU reset from b"
expect_eq "$(ktgt_tur "$sgb")" "02 06/29/03" "b: BUS DEVICE RESET FUNCTION OCCURRED"
expect_eq "$(ktgt_tur "$sga")" "02 06/29/03" "a: BUS DEVICE RESET FUNCTION OCCURRED"
b_free "after the LU reset"

# a's I_T NEXUS RESET releases it; b's does not.
expect_eq "$(reserve6 "$sga")" GOOD "a: RESERVE(6)"
expect_eq "$(ktgt_local_tmf b nexus_reset 0)" "nexus_reset COMPLETE" "b's I_T NEXUS RESET"
expect_eq "$(ktgt_tur "$sgb")" "02 06/29/07" "b: I_T NEXUS LOSS OCCURRED"
b_conflicts "after b's own I_T NEXUS RESET"
expect_eq "$(ktgt_local_tmf a nexus_reset 0)" "nexus_reset COMPLETE" "a's I_T NEXUS RESET"
b_free "after a's I_T NEXUS RESET"
expect_eq "$(ktgt_tur "$sga")" "02 06/29/07" "a: I_T NEXUS LOSS OCCURRED"

# The loss of a's nexus releases it.
expect_eq "$(reserve6 "$sga")" GOOD "a: RESERVE(6)"
b_conflicts "before a's nexus loss"
ktgt_enable local/a 0
b_free "after a's nexus loss"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
