#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# SAM-5 task management through the core, every function, injected with
# the local driver's test-only test_tmf attribute (test_hooks=1). One
# vdisk_nullio device is LUN 0 of two local targets a and b: two I_T
# nexuses to one logical unit. Its READs are held until the test
# releases them (delay_ms 60000, then 0), a second after it sent the
# TMF that aborts them.
# - QUERY ASYNCHRONOUS EVENT: SUCCEEDED while a UA is pending, then
#   COMPLETE; CLEAR ACA: COMPLETE (no ACA is ever established);
#   LUN-scoped functions on an absent LUN: INCORRECT LOGICAL UNIT NUMBER.
# - QUERY TASK / QUERY TASK SET: SUCCEEDED for a task in the task set,
#   COMPLETE once it completed.
# - ABORT TASK SET from a: a's READ aborted, b's READ GOOD; the response
#   only after the READ stuck in the backing store returned; a TMF and a
#   command on b are not held up meanwhile; ABORT TASK of the completed
#   task: COMPLETE.
# - CLEAR TASK SET from a: both READs aborted; with TAS=1 b gets no unit
#   attention, with TAS=0 (MODE SELECT) b gets COMMANDS CLEARED BY
#   ANOTHER INITIATOR (2Fh/00h) once.
# - I_T NEXUS RESET from a: only a's READ aborted; a gets I_T NEXUS LOSS
#   OCCURRED (29h/07h), b nothing.
# - TARGET RESET from a: both READs aborted, BUS DEVICE RESET FUNCTION
#   OCCURRED (29h/03h) on both nexuses.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local test_hooks=1 || fail "modprobe ktgt_local test_hooks=1"
modprobe sg || fail "modprobe sg"


ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMTMF
ktgt_local_nexuses vdisk_nullio/lu a b
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]}
log "session a: $sga, session b: $sgb"

# --- QUERY ASYNCHRONOUS EVENT, CLEAR ACA, INCORRECT LUN ---
expect_eq "$(ktgt_local_tmf a query_async_event 0)" "query_async_event SUCCEEDED" \
	"QUERY ASYNCHRONOUS EVENT with POWER ON pending"
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
	expect_eq "$(ktgt_tur "$sg")" GOOD "TUR on $sg"
done
expect_eq "$(ktgt_local_tmf a query_async_event 0)" "query_async_event COMPLETE" \
	"QUERY ASYNCHRONOUS EVENT with nothing pending"
expect_eq "$(ktgt_local_tmf a clear_aca 0)" "clear_aca COMPLETE" "CLEAR ACA"
for fn in abort_task_set clear_task_set lun_reset query_task_set \
	  query_async_event clear_aca; do
	expect_eq "$(ktgt_local_tmf a $fn 7)" "$fn INCORRECT_LUN" "$fn on absent LUN 7"
done

sess_a=$(ktgt_session_of local:a)
sess_b=$(ktgt_session_of local:b)

DELAY_MS=$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- QUERY TASK, QUERY TASK SET, ABORT TASK SET ---
# The READs are held until released, so the ABORT TASK SET provably
# waits for them however slow the machine is.
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 60000
ktgt_held_reads "$sga" "$sess_a" "$sgb" "$sess_b"
read -r lun tag < "$KTGT_CFS/targets/local/a/test_tasks"
[ -n "$tag" ] || fail "no task listed in test_tasks"
expect_eq "$(ktgt_local_tmf a query_task 0 "$tag")" "query_task SUCCEEDED" \
	"QUERY TASK of a READ in flight"
expect_eq "$(ktgt_local_tmf a query_task 0 $((tag + 1000)))" "query_task COMPLETE" \
	"QUERY TASK of an unknown tag"
expect_eq "$(ktgt_local_tmf a query_task_set 0)" "query_task_set SUCCEEDED" \
	"QUERY TASK SET with a READ in flight"
ktgt_local_tmf a abort_task_set 0 > /tmp/sem-ats.out &
pid_tmf=$!
sleep 1
# Meanwhile nexus b is not blocked: a TMF and a command of its own end
# while a's READ is still held (30 s at most; with a's READ held, a b
# blocked behind a would never end).
t0=$(ms)
{ ktgt_local_tmf b query_task_set 0
  ktgt_status "$sgb" -r 36 12 00 00 00 24 00; } > /tmp/sem-b.out &
pid_b=$!
for ((i = 0; i < 300; i++)); do
	kill -0 $pid_b 2>/dev/null || break
	sleep 0.1
done
if kill -0 $pid_b 2>/dev/null; then
	ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 0
	fail "nexus b's TMF and INQUIRY still blocked after 30 s of a's ABORT TASK SET"
fi
wait $pid_b
t1=$(ms)
expect_eq "$(cat /tmp/sem-b.out | tr '\n' ' ')" "query_task_set SUCCEEDED GOOD " \
	"QUERY TASK SET and INQUIRY on b during a's ABORT TASK SET"
log "b's TMF and INQUIRY took $((t1 - t0)) ms during a's ABORT TASK SET"
sleep 1
kill -0 $pid_tmf 2>/dev/null ||
	fail "ABORT TASK SET answered while the aborted READ was still held: $(cat /tmp/sem-ats.out)"
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 0
wait $pid_tmf
expect_eq "$(cat /tmp/sem-ats.out)" "abort_task_set COMPLETE" "ABORT TASK SET"
ktgt_held_wait
log "a: $(ktgt_read_summary /tmp/held-a.out); b: $(ktgt_read_summary /tmp/held-b.out)"
ktgt_read_aborted /tmp/held-a.out || fail "a's READ was not aborted: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_good /tmp/held-b.out || fail "b's READ was aborted by a's ABORT TASK SET: $(ktgt_read_summary /tmp/held-b.out)"
expect_eq "$(ktgt_local_tmf a query_task 0 "$tag")" "query_task COMPLETE" \
	"QUERY TASK of the aborted task"
expect_eq "$(ktgt_local_tmf a abort_task 0 "$tag")" "abort_task COMPLETE" \
	"ABORT TASK of a task no longer in the task set"
expect_eq "$(ktgt_local_tmf a query_task_set 0)" "query_task_set COMPLETE" \
	"QUERY TASK SET with nothing in flight"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b after a's ABORT TASK SET: no unit attention"

# tmf_held FUNCTION: FUNCTION from a while the READs of
# ktgt_held_reads are held; they are released a second after it was
# sent (it waits for the ones it aborts). Prints its answer.
tmf_held() {
	local pid
	ktgt_local_tmf a "$1" 0 > /tmp/sem-tmf.out &
	pid=$!
	sleep 1
	ktgt_write "$DELAY_MS" 0
	wait $pid
	cat /tmp/sem-tmf.out
}

# --- CLEAR TASK SET, TAS = 1 (default) ---
ktgt_write "$DELAY_MS" 60000
ktgt_held_reads "$sga" "$sess_a" "$sgb" "$sess_b"
expect_eq "$(tmf_held clear_task_set)" "clear_task_set COMPLETE" "CLEAR TASK SET"
ktgt_held_wait
ktgt_read_aborted /tmp/held-a.out || fail "CLEAR TASK SET: a's READ not aborted: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_aborted /tmp/held-b.out || fail "CLEAR TASK SET: b's READ not aborted: $(ktgt_read_summary /tmp/held-b.out)"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b after CLEAR TASK SET with TAS=1"

# --- CLEAR TASK SET, TAS = 0 ---
# mode_select SG BYTE4 BYTE5: the control page with UA_INTLCK_CTRL/TAS.
mode_select() {
	printf "\\x00\\x00\\x00\\x00\\x0a\\x0a\\x00\\x00\\x$2\\x$3\\x00\\x00\\x00\\x00\\x00\\x00" \
		> /tmp/sem-ms.bin
	ktgt_status "$1" -s 16 -i /tmp/sem-ms.bin 15 10 00 00 10 00
}
expect_eq "$(mode_select "$sga" 00 00)" GOOD "MODE SELECT TAS=0"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: MODE PARAMETERS CHANGED"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: TUR"
ktgt_write "$DELAY_MS" 60000
ktgt_held_reads "$sga" "$sess_a" "$sgb" "$sess_b"
expect_eq "$(tmf_held clear_task_set)" "clear_task_set COMPLETE" \
	"CLEAR TASK SET with TAS=0"
ktgt_held_wait
ktgt_read_good /tmp/held-b.out && fail "CLEAR TASK SET (TAS=0): b's READ was not aborted"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2f/00" \
	"b: COMMANDS CLEARED BY ANOTHER INITIATOR"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: reported once"
expect_eq "$(ktgt_tur "$sga")" GOOD "a: no unit attention for its own TMF"
expect_eq "$(mode_select "$sga" 00 40)" GOOD "MODE SELECT TAS=1"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/01" "b: MODE PARAMETERS CHANGED"

# --- I_T NEXUS RESET ---
ktgt_write "$DELAY_MS" 60000
ktgt_held_reads "$sga" "$sess_a" "$sgb" "$sess_b"
expect_eq "$(tmf_held nexus_reset)" "nexus_reset COMPLETE" "I_T NEXUS RESET"
ktgt_held_wait
ktgt_read_aborted /tmp/held-a.out || fail "I_T NEXUS RESET: a's READ not aborted: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_good /tmp/held-b.out || fail "I_T NEXUS RESET of a aborted b's READ: $(ktgt_read_summary /tmp/held-b.out)"
expect_eq "$(ktgt_tur "$sga")" "02 06/29/07" "a: I_T NEXUS LOSS OCCURRED"
expect_eq "$(ktgt_tur "$sga")" GOOD "a: reported once"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: no unit attention after a's I_T NEXUS RESET"

# --- TARGET RESET ---
ktgt_write "$DELAY_MS" 60000
ktgt_held_reads "$sga" "$sess_a" "$sgb" "$sess_b"
expect_eq "$(tmf_held target_reset)" "target_reset COMPLETE" "TARGET RESET"
ktgt_held_wait
ktgt_read_aborted /tmp/held-a.out || fail "TARGET RESET: a's READ not aborted: $(ktgt_read_summary /tmp/held-a.out)"
ktgt_read_aborted /tmp/held-b.out || fail "TARGET RESET: b's READ not aborted: $(ktgt_read_summary /tmp/held-b.out)"
for sg in "$sga" "$sgb"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/03" "$sg after TARGET RESET"
	expect_eq "$(ktgt_tur "$sg")" GOOD "$sg: reported once"
done

ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 0
expect_eq "$(ktgt_status "$sga" -r 4096 $KTGT_READ10)" GOOD "READ on a"
expect_eq "$(ktgt_status "$sgb" -r 4096 $KTGT_READ10)" GOOD "READ on b"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
