#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# TARGET RESET covers every device of the target, however many: local
# target a maps 259 vdisk_nullio devices (f0..f258) as LUNs 0-258 of its
# own LUN set, and one more, "last", as LUN 0 of its initiator group g,
# which is all a's host sees (its initiator_name matches g): 260 distinct
# devices, "last" collected after the 259 others. Local target b maps
# "last" as its LUN 0 too: a second I_T nexus to it. With a RESERVE held
# by a on "last" and a READ of a's held in it (delay_ms), a TARGET RESET
# from a (ktgt_local's test-only test_tmf attribute, which sends it to the
# core's KTGT_TMF_TARGET_RESET on a's session):
# - answers FUNCTION COMPLETE, once the READ has ended;
# - aborts the READ;
# - leaves BUS DEVICE RESET FUNCTION OCCURRED (29h/03h) on both nexuses,
#   reported once;
# - releases the reservation: b's TEST UNIT READY is GOOD, no longer
#   RESERVATION CONFLICT.
# Before the fix the core collected at most 256 devices and skipped the
# rest silently: the READ ended GOOD and "last" kept its reservation.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local test_hooks=1 || fail "modprobe ktgt_local test_hooks=1"
modprobe sg || fail "modprobe sg"

nfill=259
# fill make|remove: make the devices f0..f$((nfill - 1)) and a's LUNs
# mapping them, or remove them, in one python3 process: the helpers of
# tests/lib/ktgt.sh run a program or two per object, which for this many
# takes minutes under TCG.
fill() {
	python3 - "$1" "$KTGT_CFS" "$nfill" <<'PY' || fail "fill $1"
import os
import sys

op, cfs, n = sys.argv[1], sys.argv[2], int(sys.argv[3])


def write(path, value):
    with open(path, "w") as f:
        f.write(value + "\n")


for i in range(n):
    dev = f"{cfs}/handlers/vdisk_nullio/f{i}"
    lun = f"{cfs}/targets/local/a/luns/{i}"
    if op == "make":
        os.mkdir(dev)
        write(f"{dev}/size", "1048576")
        write(f"{dev}/enable", "1")
        os.mkdir(lun)
        os.symlink(dev, f"{lun}/device")
    else:
        os.unlink(f"{lun}/device")
        os.rmdir(lun)
        write(f"{dev}/enable", "0")
        os.rmdir(dev)
PY
}

t0=$(date +%s%N)
ktgt_mktarget local/a initiator_name=tmf-many-a
fill make
ktgt_mkdev vdisk_nullio/last size=$((16 << 20)) serial=TMFMANY
ktgt_mkgroup local/a g tmf-many-a
ktgt_maplun local/a/groups/g 0 vdisk_nullio/last
ktgt_mktarget local/b initiator_name=tmf-many-b
ktgt_maplun local/b 0 vdisk_nullio/last
log "$((nfill + 1)) devices and their LUNs made in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

ktgt_enable local/a
ktgt_enable local/b
sga=$(ktgt_wait_disk -g host="$(ktgt_local_host a)" lun=0)
sgb=$(ktgt_wait_disk -g host="$(ktgt_local_host b)" lun=0)
log "a: $sga, b: $sgb"
expect_eq "$(ktgt_scsi_devs "$(ktgt_local_host a)" | wc -l)" 1 \
	"a's host sees only its group's LUN"
expect_eq "$(ktgt_sdev_attr "$(ktgt_find_disk host="$(ktgt_local_host a)")" serial)" \
	TMFMANY "a's LUN 0 is the device \"last\""
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
	expect_eq "$(ktgt_tur "$sg")" GOOD "TUR on $sg"
done
sess_a=$(ktgt_session_of tmf-many-a)

# a reserves "last" (RESERVE(6)); b conflicts.
expect_eq "$(ktgt_status "$sga" 16 00 00 00 00 00)" GOOD "RESERVE from a"
expect_eq "$(ktgt_tur "$sgb")" CONFLICT "TUR from b while a holds the reservation"

# A READ of a's held in "last" when the TARGET RESET comes.
delay=3000
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/last/delay_ms" $delay
{ sg_raw -vvv -r 4096 -t 60 "$sga" $KTGT_READ10 2>&1; echo "rc=$?"; } \
	> /tmp/many-read.out &
pid_read=$!
for ((i = 0; i < 300; i++)); do
	[ "$(cat "$sess_a/nr_cmds")" -ge 1 ] && break
	sleep 0.02
done
[ "$(cat "$sess_a/nr_cmds")" -ge 1 ] || fail "the READ never reached the core"

t0=$(date +%s%N)
tmf=$(ktgt_local_tmf a target_reset 0)
took=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $pid_read
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/last/delay_ms" 0
log "TARGET RESET: '$tmf' after $took ms; READ: $(ktgt_read_summary /tmp/many-read.out)"
expect_eq "$tmf" "target_reset COMPLETE" "TARGET RESET"
ktgt_read_aborted /tmp/many-read.out ||
	fail "TARGET RESET did not abort the READ on the device after $nfill others: $(ktgt_read_summary /tmp/many-read.out)"
[ "$took" -ge $((delay / 2)) ] ||
	fail "TARGET RESET answered after $took ms, before the aborted READ ended"
expect_eq "$(ktgt_tur "$sgb")" "02 06/29/03" \
	"b after TARGET RESET of a (device after $nfill others)"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: reported once, reservation released"
expect_eq "$(ktgt_tur "$sga")" "02 06/29/03" "a after its TARGET RESET"
expect_eq "$(ktgt_tur "$sga")" GOOD "a: reported once"
expect_eq "$(ktgt_status "$sgb" -r 4096 $KTGT_READ10)" GOOD "READ on b"

t0=$(date +%s%N)
fill remove
ktgt_cleanup || fail "cleanup"
log "cleanup took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
ktgt_unload_all
pass
