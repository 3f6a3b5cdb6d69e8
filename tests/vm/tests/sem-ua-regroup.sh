#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# A session moved to another LUN set (an initiator group gains its
# initiator while it is logged in) keeps the unit attention state of
# every LUN that still maps the same logical unit: a pending MODE
# PARAMETERS CHANGED (2Ah/01h, from a MODE SELECT on another I_T nexus)
# is still reported, after REPORTED LUNS DATA HAS CHANGED (3Fh/0Eh), and
# no POWER ON (29h/00h) is made up for it; a LUN that now maps another
# device starts afresh with POWER ON; a LUN that maps the same device
# with another read_only reports MODE PARAMETERS CHANGED (the WP bit).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

# mode_select SG BYTE4 BYTE5: the control page with UA_INTLCK_CTRL/TAS.
mode_select() {
	printf "\\x00\\x00\\x00\\x00\\x0a\\x0a\\x00\\x00\\x$2\\x$3\\x00\\x00\\x00\\x00\\x00\\x00" \
		> /tmp/sem-ms.bin
	ktgt_status "$1" -s 16 -i /tmp/sem-ms.bin 15 10 00 00 10 00
}

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMRG0
ktgt_mkdev vdisk_nullio/lu1 size=$((16 << 20)) serial=SEMRG1
ktgt_mkdev vdisk_nullio/lu2 size=$((16 << 20)) serial=SEMRG2
ktgt_local_nexuses vdisk_nullio/lu a b
ktgt_maplun local/a 1 vdisk_nullio/lu1
ktgt_local_rescan a
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
sga1=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=1)
[ -n "$sga1" ] || fail "no sg for a's LUN 1"
for sg in "$sga" "$sgb" "$sga1"; do
	for i in 1 2 3; do
		[ "$(ktgt_tur "$sg")" = GOOD ] && break
	done
	expect_eq "$(ktgt_tur "$sg")" GOOD "TUR on $sg"
done

expect_eq "$(mode_select "$sgb" 00 00)" GOOD "b: MODE SELECT TAS=0"
# a's initiator gets a group mapping the same device as LUN 0 and
# another one as LUN 1: its session changes LUN sets.
ini=$(cat "$KTGT_CFS/targets/local/a/initiator_name")
[ -n "$ini" ] || fail "no initiator name for local/a"
ktgt_mkgroup local/a g
ktgt_maplun local/a/groups/g 0 vdisk_nullio/lu
ktgt_maplun local/a/groups/g 1 vdisk_nullio/lu2
mkdir "$KTGT_CFS/targets/local/a/groups/g/initiators/$ini" ||
	fail "mkdir initiators/$ini"

expect_eq "$(ktgt_tur "$sga")" "02 06/3f/0e" \
	"a, same LU: REPORTED LUNS DATA HAS CHANGED"
expect_eq "$(ktgt_tur "$sga")" "02 06/2a/01" \
	"a, same LU: MODE PARAMETERS CHANGED still pending"
expect_eq "$(ktgt_tur "$sga")" GOOD "a, same LU: nothing else"
expect_eq "$(ktgt_tur "$sga1")" "02 06/29/00" "a, LUN 1 now lu2: POWER ON"
expect_eq "$(ktgt_tur "$sga1")" "02 06/3f/0e" \
	"a, LUN 1 now lu2: REPORTED LUNS DATA HAS CHANGED"
expect_eq "$(ktgt_tur "$sga1")" GOOD "a, LUN 1: nothing else"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: nothing"

# a's default LUN 0 becomes read-only (no session sees that set now),
# then a's initiator leaves the group: its LUN 0 maps the same device
# as before, but write protected now.
ktgt_write "$KTGT_CFS/targets/local/a/luns/0/read_only" 1
expect_eq "$(ktgt_tur "$sga")" GOOD "a, in the group: not concerned"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b, another target: not concerned"
rmdir "$KTGT_CFS/targets/local/a/groups/g/initiators/$ini" ||
	fail "rmdir initiators/$ini"
expect_eq "$(ktgt_tur "$sga")" "02 06/3f/0e" \
	"a, back, same LU: REPORTED LUNS DATA HAS CHANGED"
expect_eq "$(ktgt_tur "$sga")" "02 06/2a/01" \
	"a, back, same LU now read-only: MODE PARAMETERS CHANGED"
expect_eq "$(ktgt_tur "$sga")" GOOD "a, back, same LU: nothing else"
pass "a regrouped session keeps the nexus state of the same logical units"
