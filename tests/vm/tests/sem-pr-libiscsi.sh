#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 1500
#
# libiscsi's iscsi-test-cu persistent reservation and RESERVE(6) tests
# (SCSI.Prin*, SCSI.Prout*, SCSI.Reserve6*) against ktgt over iSCSI, with
# libiscsi's two initiator names (-i/-I). Prints each test's result and
# the counts; fails if any test fails.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:prcu
trap iscsi_cleanup EXIT
command -v iscsi-test-cu > /dev/null || skip "iscsi-test-cu not installed"

iscsi_tgt_setup
iscsi_tgt_mkdisk cu0 /tmp/prcu.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 cu0
iscsi_tgt_enable "$IQN"

iscsi-test-cu --list | grep -E '^SCSI\.(Prin[A-Za-z]*|Prout[A-Za-z]*|Reserve6[A-Za-z]*)\.[^.]+$' \
	> /tmp/prcu.list
[ -s /tmp/prcu.list ] || fail "no Prin/Prout/Reserve6 tests listed"
secs=$(iscsi_cu_run "iscsi://127.0.0.1/$IQN/0" /tmp/prcu.list /tmp/prcu.out)
sed 's/^/    /' /tmp/prcu.out
p=$(iscsi_cu_count /tmp/prcu.out PASS)
f=$(iscsi_cu_count /tmp/prcu.out FAIL)
s=$(iscsi_cu_count /tmp/prcu.out SKIP)
log "libiscsi PR/RESERVE6: $p passed, $f failed, $s skipped in ${secs}s"
grep -B2 -A8 -E 'FAILED|Assertion' /tmp/prcu.out.log | head -150 | sed 's/^/    /'
# CUnit's own count: a "[FAILED] PRIN ... UNIT ATTENTION 29/03" line that
# libiscsi logs after its reset tests, which then pass, makes
# iscsi_cu_parse count them failed; judge by the Run Summary.
cf=$(awk '$1 == "tests" { print $5 }' /tmp/prcu.out.log)
log "CUnit: $(awk '$1 == "tests"' /tmp/prcu.out.log)"
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
[ "${cf:-1}" -eq 0 ] || fail "${cf:-?} libiscsi PR/RESERVE6 tests failed (CUnit)"
pass
