#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
# ktgt-smp: 2
#
# LOGICAL UNIT RESET covers the logical unit, not the I_T nexus: one
# vdisk_nullio device is LUN 0 of two local targets (two sessions), its
# commands take 8 s (delay_ms). With a READ in flight on each session,
# a LUN reset from session A (sg_reset -d):
# - aborts the READ of session B too: it completes with TASK ABORTED
#   (which the midlayer reports as DID_RESET);
# - is answered only after the aborted commands ended (>= the delay);
# - leaves BUS DEVICE RESET FUNCTION OCCURRED (29h/03h) on session B's
#   nexus, reported once;
# - and the logical unit works normally afterwards.
# Only sg is loaded, so no upper driver consumes the unit attentions.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
modprobe sg || fail "modprobe sg"


ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=TMF
ktgt_local_nexuses vdisk_nullio/lu a b
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
log "session A: $sga, session B: $sgb"
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
	expect_eq "$(ktgt_tur "$sg")" GOOD "TUR on $sg"
done

sess_a=$(ktgt_session_of local:a)
sess_b=$(ktgt_session_of local:b)

delay=8000
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" $delay
read10="28 00 00 00 00 00 00 00 08 00"
# read_bg SG OUT: READ(10) in the background; OUT gets sg_raw's output
# and, last, "rc=<exit status>".
read_bg() {
	{ sg_raw -vvv -r 4096 -t 60 "$1" $read10 2>&1; echo "rc=$?"; } \
		> "$2" &
}
read_bg "$sgb" /tmp/tmf-b.out
pid_b=$!
read_bg "$sga" /tmp/tmf-a.out
pid_a=$!
# Both READs must be in the core before the reset.
inflight=0
for ((i = 0; i < 200; i++)); do
	if [ "$(cat "$sess_a/nr_cmds")" -ge 1 ] &&
	   [ "$(cat "$sess_b/nr_cmds")" -ge 1 ]; then
		inflight=1
		break
	fi
	sleep 0.02
done
[ $inflight = 1 ] || fail "the READs were never in the core together"
start=$(date +%s%N)
sg_reset -d "$sga" || fail "sg_reset -d (LUN reset) failed"
took=$(( ($(date +%s%N) - start) / 1000000 ))
wait $pid_a
wait $pid_b
summary() {
	grep -E 'SCSI Status|transport error|^rc=' "$1" | tr '\n' ' '
}
log "LUN reset took $took ms"
log "A's READ: $(summary /tmp/tmf-a.out)"
log "B's READ: $(summary /tmp/tmf-b.out)"
dmesg | grep -q "TMF 3 LUN 0: response 0" ||
	fail "no LOGICAL UNIT RESET with FUNCTION COMPLETE in dmesg"
[ "$took" -ge $((delay / 2)) ] ||
	fail "the LUN reset returned after $took ms, before the aborted commands ended"
# The midlayer reports the TASK ABORTED command as reset (DID_RESET).
grep -q '^rc=0$' /tmp/tmf-b.out &&
	fail "session B's READ succeeded: it was not aborted"
grep -qE 'Task Aborted|DID_RESET' /tmp/tmf-b.out ||
	fail "session B's READ did not end as aborted: $(summary /tmp/tmf-b.out)"

ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 0
expect_eq "$(ktgt_tur "$sgb")" "02 06/29/03" "session B after the LUN reset"
expect_eq "$(ktgt_tur "$sgb")" GOOD "session B, second TUR"
expect_eq "$(ktgt_status "$sgb" -r 4096 $read10)" GOOD "READ on session B"
# Session A's own unit attention may have been taken by the error
# handler's TEST UNIT READY; it must be gone after at most one more.
[ "$(ktgt_tur "$sga")" = GOOD ] || expect_eq "$(ktgt_tur "$sga")" GOOD "session A"
expect_eq "$(ktgt_status "$sga" -r 4096 $read10)" GOOD "READ on session A"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
