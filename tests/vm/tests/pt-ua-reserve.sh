#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# A reset of the device behind a pass-through LU ends the SPC-2
# reservation the core holds for it, not its persistent reservation. A
# scsi_debug disk is exported by pt_disk/d0 as LUN 0 of local targets a
# and b, two initiators of the LU; the disk is reset with sg_reset -d on
# its own sg node (a LOGICAL UNIT RESET through the midlayer, which
# scsi_debug answers with a 29h unit attention on its next command):
# - a holds RESERVE(6): b gets RESERVATION CONFLICT; once a's READ
#   brought back the device's 29h, b gets its 29h too and then GOOD, and
#   may RESERVE itself: a's reservation is gone;
# - a holds a WRITE EXCLUSIVE persistent reservation: after the same
#   reset and 29h, b's WRITE still conflicts, and the registration and
#   the reservation are still there.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

for c in sg_raw sg_reset sg_persist; do
	command -v $c >/dev/null || skip "$c not installed"
done

H=$KTGT_CFS/handlers/pt_disk

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	modprobe -r scsi_debug 2>/dev/null
}
trap cleanup EXIT

rd() { ktgt_status "$1" -r 4096 28 00 00 00 00 00 00 00 08 00; }
wr() { ktgt_status "$1" -s 4096 -i /dev/zero 2a 00 00 00 00 00 00 00 08 00; }
reserve6() { ktgt_status "$1" 16 00 00 00 00 00; }
release6() { ktgt_status "$1" 17 00 00 00 00 00; }
resv() { ktgt_pr_resv "$1"; }

ktgt_load ktgt_pt ktgt_local
# sg only: no disk driver sends commands of its own to either LU.
modprobe sg || fail "modprobe sg"
modprobe scsi_debug dev_size_mb=16 || fail "modprobe scsi_debug"
ktgt_sdebug_wait
sdbg_hctl=$KTGT_SDEBUG_HCTL
sdbg_sg=$(ktgt_wait_disk -g host="${sdbg_hctl%%:*}" lun="${sdbg_hctl##*:}")
# scsi_debug's power-on condition, here rather than through pt_disk.
pt_tur_clear "$sdbg_sg"

mkdir "$H/d0" || fail "mkdir $H/d0"
ktgt_write "$H/d0/scsi_device" "$sdbg_hctl"
ktgt_write "$H/d0/blocksize" 512
ktgt_write "$H/d0/enable" 1
ktgt_local_nexuses pt_disk/d0 a b
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
	expect_eq "$(ktgt_tur "$sg")" GOOD "$sg: nothing more"
done
log "scsi_debug $sdbg_hctl ($sdbg_sg) through a $sga, b $sgb"

# reset_device WHY: reset the scsi_debug disk; a's READ, which reaches
# it, gets its 29h; b gets it from the core, before anything else: the
# same ASC/ASCQ, or 29h/00h for one the core does not have.
reset_device() {
	local st want
	run_ok "$1: sg_reset -d $sdbg_sg" sg_reset -d "$sdbg_sg"
	st=$(rd "$sga")
	case "$st" in
	"02 06/29/03" | "02 06/29/07") want=$st ;;
	"02 06/29/"*) want="02 06/29/00" ;;
	*) fail "$1: a's READ after the device's reset: '$st', not its 29h unit attention" ;;
	esac
	log "$1: a's READ got the device's $st"
	expect_eq "$(rd "$sga")" GOOD "$1: a's READ again"
	expect_eq "$(ktgt_tur "$sgb")" "$want" "$1: b told of the device's reset"
}

# --- SPC-2: RESERVE(6) released by the device's reset ---
expect_eq "$(reserve6 "$sga")" GOOD "a: RESERVE(6)"
expect_eq "$(ktgt_tur "$sgb")" CONFLICT "b's TEST UNIT READY while a holds it"
expect_eq "$(rd "$sgb")" CONFLICT "b's READ while a holds it"
expect_eq "$(rd "$sga")" GOOD "a's READ while it holds it"
reset_device "RESERVE(6)"
st=$(ktgt_tur "$sgb")
[ "$st" = CONFLICT ] &&
	fail "b's TEST UNIT READY after the device's reset: RESERVATION CONFLICT, a's SPC-2 reservation outlived the reset"
expect_eq "$st" GOOD "b's TEST UNIT READY after the device's reset"
expect_eq "$(rd "$sgb")" GOOD "b's READ after the device's reset"
expect_eq "$(wr "$sgb")" GOOD "b's WRITE after the device's reset"
expect_eq "$(reserve6 "$sgb")" GOOD "b: RESERVE(6), a's being gone"
expect_eq "$(rd "$sga")" CONFLICT "a's READ while b holds it"
expect_eq "$(release6 "$sgb")" GOOD "b: RELEASE(6)"
expect_eq "$(rd "$sga")" GOOD "a's READ after b's RELEASE(6)"

# --- SPC-4: a persistent reservation outlives the device's reset ---
expect_eq "$(ktgt_pr "$sga" -o -G -S a1)" 0 "a: REGISTER 0xa1"
expect_eq "$(ktgt_pr "$sga" -o -R -K a1 -T 1)" 0 "a: RESERVE WRITE EXCLUSIVE"
expect_eq "$(wr "$sgb")" CONFLICT "b's WRITE under a's WRITE EXCLUSIVE"
expect_eq "$(rd "$sgb")" GOOD "b's READ under a's WRITE EXCLUSIVE"
reset_device "PR"
expect_eq "$(wr "$sgb")" CONFLICT \
	"b's WRITE after the device's reset: the persistent reservation stays"
expect_eq "$(ktgt_pr_keys "$sgb")" "0xa1 " "the registration after the reset"
expect_eq "$(resv "$sgb")" "Write Exclusive 0xa1" \
	"the reservation after the reset"
expect_eq "$(wr "$sga")" GOOD "a's WRITE, the holder's"
expect_eq "$(ktgt_pr "$sga" -o -L -K a1 -T 1)" 0 "a: RELEASE"
expect_eq "$(wr "$sgb")" GOOD "b's WRITE after a's RELEASE"

ktgt_cleanup || fail "cleanup"
pass
