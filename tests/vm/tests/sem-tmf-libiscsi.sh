#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# libiscsi's iscsi-test-cu task management tests (iSCSI.iSCSITMF.*)
# against ktgt over iSCSI: AbortTaskSimpleAsync sends a WRITE, then ABORT
# TASK for it once it has completed, and wants "Task does not exist"
# (RFC 7143 11.5.1: its RefCmdSN is below ExpCmdSN, outside the window).
# LUNResetSimpleAsync is left out: libiscsi 1.19 asserts its static
# reconnect_succeeded (set only in the TMF's callback) right after
# queueing the TMF, before any callback can have run, so it fails on
# every target (LIO too); see Documentation/semantics.rst.
# Prints each test's result and the counts; fails unless CUnit's run
# summary shows no failure and every listed test ran.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:tmfcu
trap iscsi_cleanup EXIT
command -v iscsi-test-cu > /dev/null || skip "iscsi-test-cu not installed"

iscsi_tgt_setup
iscsi_tgt_mkdisk cu0 /tmp/tmfcu.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 cu0
iscsi_tgt_enable "$IQN"

iscsi-test-cu --list | grep -E '^iSCSI\.iSCSITMF\.[^.]+$' |
	grep -v '\.LUNResetSimpleAsync$' > /tmp/tmfcu.list
[ -s /tmp/tmfcu.list ] || fail "no iSCSITMF tests listed"
log "tests: $(tr '\n' ' ' < /tmp/tmfcu.list)"
secs=$(iscsi_cu_run "iscsi://127.0.0.1/$IQN/0" /tmp/tmfcu.list /tmp/tmfcu.out)
sed 's/^/    /' /tmp/tmfcu.out
p=$(iscsi_cu_count /tmp/tmfcu.out PASS)
f=$(iscsi_cu_count /tmp/tmfcu.out FAIL)
s=$(iscsi_cu_count /tmp/tmfcu.out SKIP)
log "libiscsi iSCSITMF: $p passed, $f failed, $s skipped in ${secs}s"
sed 's/^/    /' /tmp/tmfcu.out.log | tail -60
ran=$(awk '$1 == "tests" { print $3 }' /tmp/tmfcu.out.log)
cf=$(awk '$1 == "tests" { print $5 }' /tmp/tmfcu.out.log)
log "CUnit: $(awk '$1 == "tests"' /tmp/tmfcu.out.log)"
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
expect_eq "${ran:-0}" "$(wc -l < /tmp/tmfcu.list)" "tests run (CUnit)"
[ "${cf:-1}" -eq 0 ] || fail "${cf:-?} libiscsi iSCSITMF tests failed (CUnit)"
[ "$s" -eq 0 ] || fail "$s libiscsi iSCSITMF tests skipped"
pass
