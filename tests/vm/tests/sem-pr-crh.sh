#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# SPC-2 RESERVE and RELEASE while persistent reservation registrations
# exist (SPC-4 5.13.3; REPORT CAPABILITIES reports CRH = 1), over three
# local nexuses to one logical unit (a and b register, c does not):
# - registrations and no reservation: RESERVE(6/10) and RELEASE(6/10)
#   conflict from every nexus (SPC-2 5.5.1);
# - a holds WRITE EXCLUSIVE: a's RESERVE and RELEASE complete with GOOD
#   and change nothing (the persistent reservation stays, no SPC-2
#   reservation is made: c's READ still succeeds); b's and c's conflict;
# - a holds WRITE EXCLUSIVE - REGISTRANTS ONLY: b, a registrant, gets
#   GOOD without effect too; c still conflicts;
# - once nobody is registered, SPC-2 rules again.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

rd() { ktgt_status "$1" -r 4096 28 00 00 00 00 00 00 00 08 00; }
wr() { ktgt_status "$1" -s 4096 -i /dev/zero 2a 00 00 00 00 00 00 00 08 00; }
reserve6() { ktgt_status "$1" 16 00 00 00 00 00; }
release6() { ktgt_status "$1" 17 00 00 00 00 00; }
reserve10() { ktgt_status "$1" 56 00 00 00 00 00 00 00 00 00; }
release10() { ktgt_status "$1" 57 00 00 00 00 00 00 00 00 00; }
pr() { ktgt_pr "$@"; }
# spc2 SG WANT WHY: all four of SG's RESERVE and RELEASE get WANT
spc2() {
	expect_eq "$(reserve6 "$1")" "$2" "$3: RESERVE(6)"
	expect_eq "$(reserve10 "$1")" "$2" "$3: RESERVE(10)"
	expect_eq "$(release6 "$1")" "$2" "$3: RELEASE(6)"
	expect_eq "$(release10 "$1")" "$2" "$3: RELEASE(10)"
}
# held KEY TYPE WHY: READ RESERVATION reports KEY's reservation of TYPE
held() {
	rm -f /tmp/crh-rr.bin
	sg_raw -r 24 -o /tmp/crh-rr.bin "$sgc" 5e 01 00 00 00 00 00 00 18 00 \
		> /dev/null 2>&1 || fail "$3: READ RESERVATION"
	expect_eq "$(od -An -tx1 -j 15 -N 1 /tmp/crh-rr.bin | tr -d ' ')" \
		"$1" "$3: the reservation key"
	expect_eq "$(od -An -tx1 -j 21 -N 1 /tmp/crh-rr.bin | tr -d ' ')" \
		"$2" "$3: the reservation type"
}

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMCRH
ktgt_local_nexuses vdisk_nullio/lu a b c
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]} sgc=${KTGT_NEXUS[c]}
for sg in "$sga" "$sgb" "$sgc"; do
	ktgt_tur "$sg" > /dev/null
done
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Compatible Reservation Handling(CRH): 1' /tmp/sem-pr.out ||
	fail "CRH not reported: $(cat /tmp/sem-pr.out)"

expect_eq "$(pr "$sga" -o -G -S a)" 0 "a: REGISTER 0xa"
expect_eq "$(pr "$sgb" -o -G -S b)" 0 "b: REGISTER 0xb"

# --- registrations, no reservation ---
spc2 "$sga" CONFLICT "no reservation, a registered"
spc2 "$sgc" CONFLICT "no reservation, c not registered"

# --- WRITE EXCLUSIVE held by a ---
expect_eq "$(pr "$sga" -o -R -K a -T 1)" 0 "a: RESERVE WE"
spc2 "$sga" GOOD "WE, a the holder"
held 0a 01 "after a's SPC-2 RELEASEs"
expect_eq "$(wr "$sgb")" CONFLICT "b's WRITE under a's WE"
expect_eq "$(rd "$sgc")" GOOD "c's READ: no SPC-2 reservation was made"
spc2 "$sgb" CONFLICT "WE, b registered"
spc2 "$sgc" CONFLICT "WE, c not registered"
expect_eq "$(pr "$sga" -o -L -K a -T 1)" 0 "a: RELEASE WE"

# --- WRITE EXCLUSIVE - REGISTRANTS ONLY held by a ---
expect_eq "$(pr "$sga" -o -R -K a -T 5)" 0 "a: RESERVE WE_RO"
spc2 "$sgb" GOOD "WE_RO, b a registrant"
spc2 "$sga" GOOD "WE_RO, a the holder"
held 0a 05 "after the SPC-2 RELEASEs"
expect_eq "$(rd "$sgc")" GOOD "c's READ: no SPC-2 reservation was made"
expect_eq "$(wr "$sgc")" CONFLICT "c's WRITE under WE_RO"
spc2 "$sgc" CONFLICT "WE_RO, c not registered"
expect_eq "$(pr "$sga" -o -L -K a -T 5)" 0 "a: RELEASE WE_RO"
ktgt_tur "$sgb" > /dev/null

# --- nobody registered: SPC-2 again ---
expect_eq "$(pr "$sga" -o -G -K a)" 0 "a: unregister"
expect_eq "$(pr "$sgb" -o -G -K b)" 0 "b: unregister"
expect_eq "$(reserve6 "$sgc")" GOOD "c: RESERVE(6)"
expect_eq "$(rd "$sga")" CONFLICT "a's READ under c's SPC-2 reservation"
expect_eq "$(release6 "$sgc")" GOOD "c: RELEASE(6)"
expect_eq "$(rd "$sga")" GOOD "a's READ once released"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
