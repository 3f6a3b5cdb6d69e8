#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# Persistent reservations where one initiator port reaches the logical
# unit through two target ports (local targets x1 and x2, both with
# initiator name local:x), and a third nexus y:
# - ALL_TG_PT registers "as if received individually through each target
#   port" (SPC-4 6.16.3): a REGISTER with ALL_TG_PT from x2 while x1's
#   nexus is registered is, through x1's port, a REGISTER with the wrong
#   key: RESERVATION CONFLICT, nothing registered; a REGISTER AND IGNORE
#   EXISTING KEY with ALL_TG_PT re-keys x1's nexus as well: one
#   registration, x1 then uses the new key;
# - a reservation held by x1's registration, which that REGISTER AND
#   IGNORE EXISTING KEY replaces, is held by the new registration: x2
#   may write, y not, READ RESERVATION reports the new key;
# - PREEMPT by key of the registrant that reserved an ALL REGISTRANTS
#   reservation: the reservation stays with the registrants left (SPC-4
#   5.13.11.2.4.3), whose writes pass; the holder left behind is never
#   the freed registration (the core WARNs, failing the test, when a
#   reservation's holder is not registered after a PERSISTENT RESERVE
#   OUT).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

pr() { ktgt_pr "$@"; }
gen() { ktgt_pr_gen "$1"; }
keys() { ktgt_pr_keys "$1"; }
wr() { ktgt_status "$1" -s 4096 -i /dev/zero 2a 00 00 00 00 00 00 00 08 00; }
resv() { ktgt_pr_resv "$1"; }

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=PRATP
declare -A sg
for t in x1 x2 y; do
	if [ "$t" = y ]; then
		ktgt_mktarget "local/$t"
	else
		ktgt_mktarget "local/$t" initiator_name=local:x
	fi
	ktgt_maplun "local/$t" 0 vdisk_nullio/lu
	ktgt_enable "local/$t"
done
for t in x1 x2 y; do
	sg[$t]=$(ktgt_wait_disk -g host="$(ktgt_local_host "$t")" lun=0)
	[ -n "${sg[$t]}" ] || fail "no disk for local/$t"
	ktgt_tur "${sg[$t]}" > /dev/null
	ktgt_tur "${sg[$t]}" > /dev/null
done
x1=${sg[x1]} x2=${sg[x2]} y=${sg[y]}

# --- ALL_TG_PT over a registered nexus of the same initiator port ---
expect_eq "$(pr "$x1" -o -G -S 1)" 0 "x1: REGISTER 0x1"
expect_eq "$(pr "$x2" -o -G -S 2 -Y)" 24 \
	"x2: REGISTER 0x2, ALL_TG_PT, x1's nexus registered"
expect_eq "$(keys "$y")" "0x1 " "READ KEYS after the refused REGISTER"
expect_eq "$(gen "$y")" 0x1 "PRgeneration after the refused REGISTER"
expect_eq "$(pr "$x1" -o -R -K 1 -T 1)" 0 "x1: RESERVE, WRITE EXCLUSIVE"
expect_eq "$(wr "$x2")" CONFLICT "x2's WRITE, x1 holding"
expect_eq "$(pr "$x2" -o -I -S 3 -Y)" 0 \
	"x2: REGISTER AND IGNORE EXISTING KEY 0x3, ALL_TG_PT"
expect_eq "$(keys "$y")" "0x3 " "READ KEYS: x1's registration re-keyed"
expect_eq "$(gen "$y")" 0x2 "PRgeneration after the re-keying"
expect_eq "$(resv "$y")" "Write Exclusive 0x3" \
	"READ RESERVATION: held by the new registration"
expect_eq "$(wr "$x2")" GOOD "x2's WRITE, holding through ALL_TG_PT"
expect_eq "$(wr "$x1")" GOOD "x1's WRITE"
expect_eq "$(wr "$y")" CONFLICT "y's WRITE"
expect_eq "$(pr "$x1" -o -G -K 1 -S 4)" 24 "x1: REGISTER with its old key"
expect_eq "$(pr "$x1" -o -G -K 3 -S 4)" 0 "x1: REGISTER with the new key"
expect_eq "$(keys "$y")" "0x4 " "READ KEYS: one registration for x1 and x2"
expect_eq "$(pr "$x2" -o -L -K 4 -T 1)" 0 "x2: RELEASE"

# --- PREEMPT by key of the registrant that reserved, ALL REGISTRANTS ---
expect_eq "$(pr "$y" -o -G -S 5)" 0 "y: REGISTER 0x5"
expect_eq "$(pr "$x1" -o -R -K 4 -T 7)" 0 \
	"x1: RESERVE, WRITE EXCLUSIVE - ALL REGISTRANTS"
expect_eq "$(pr "$y" -o -P -K 5 -S 4 -T 7)" 0 "y: PREEMPT x's key"
expect_eq "$(keys "$y")" "0x5 " "READ KEYS after the PREEMPT"
expect_eq "$(resv "$y")" "Write Exclusive, all registrants 0x0" \
	"READ RESERVATION after the PREEMPT"
expect_eq "$(ktgt_tur "$x1")" "02 06/2a/05" "x1: REGISTRATIONS PREEMPTED"
expect_eq "$(wr "$y")" GOOD "y's WRITE, a registrant left"
expect_eq "$(wr "$x1")" CONFLICT "x1's WRITE, unregistered"
# New registrations, and every PR OUT, meet a holder that is registered.
expect_eq "$(pr "$x1" -o -G -S 6)" 0 "x1: REGISTER 0x6"
expect_eq "$(wr "$x1")" GOOD "x1's WRITE, registered again"
expect_eq "$(pr "$y" -o -G -K 5 -S 0)" 0 "y: unregister"
expect_eq "$(resv "$x1")" "Write Exclusive, all registrants 0x0" \
	"READ RESERVATION with x1 the registrant left"
expect_eq "$(pr "$x1" -o -L -K 6 -T 7)" 0 "x1: RELEASE"
expect_eq "$(resv "$x1")" none "READ RESERVATION after the RELEASE"
expect_eq "$(pr "$x1" -o -C -K 6)" 0 "x1: CLEAR"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
