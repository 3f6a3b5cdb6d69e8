#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 2400
#
# libiscsi's conformance suite (iscsi-test-cu) against LIO and against
# ktgt_iscsi, in the same VM, on the same list of tests (iscsi_cu_list:
# the SCSI and iSCSI families without reservations, task management,
# SANITIZE and multipath) and the same kind of LUN: a 64 MiB file, LUN 0,
# reached at 127.0.0.1 by libiscsi's two initiator names.
#
# Fails if ktgt fails (or skips) a test that LIO passes, unless the test
# is listed with its reason in tests/vm/data/iscsi-conformance.allow
# (deviations explained in Documentation/iscsi-conformance.rst). Writes
# both targets' counts to the output and the per-test table to
# iscsi-conformance.txt in the test's results directory, next to each
# target's iscsi-test-cu log (cu-lio.log, cu-ktgt.log).
#
# ISCSI_CONFORMANCE_TARGETS (default "lio ktgt") picks the targets; with
# only lio it records LIO's results and compares nothing. ISCSI_CU_ONLY,
# an extended regular expression, keeps only the matching tests of the
# list (iscsi-conformance-quick.sh runs a few families this
# way); ISCSI_CU_EXCLUDE (tests/lib/iscsi.sh) replaces the excluded ones,
# e.g. to run the reservation and task management families too.
#
# The full run is not part of `make check` (it takes longer than a VM
# test may under TCG): `make conformance` runs it.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

command -v iscsi-test-cu > /dev/null || skip "iscsi-test-cu (libiscsi-bin) not installed"
# Process substitution below needs /dev/fd.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

IQN=iqn.2026-11.org.ktgt:conformance
RES=/ktgt-results
[ -d "$RES" ] && [ -w "$RES" ] || RES=/tmp
report=$RES/iscsi-conformance.txt
allow=$KTGT_REPO/tests/vm/data/iscsi-conformance.allow
list=/tmp/cu.list
targets=${ISCSI_CONFORMANCE_TARGETS:-lio ktgt}
# Each target's run is cut off after this long (a hung test fails it and
# every test after it, instead of the whole VM test timing out).
ISCSI_CU_TIMEOUT=${ISCSI_CU_TIMEOUT:-1000}

iscsi_cu_list > "$list" || fail "iscsi-test-cu --list"
if [ -n "${ISCSI_CU_ONLY:-}" ]; then
	grep -E "$ISCSI_CU_ONLY" "$list" > "$list.only"
	mv "$list.only" "$list"
	ntests=$(wc -l < "$list")
	[ "$ntests" -gt 0 ] || fail "no test matches $ISCSI_CU_ONLY"
	log "only the tests matching $ISCSI_CU_ONLY"
else
	ntests=$(wc -l < "$list")
	[ "$ntests" -ge 100 ] || fail "only $ntests tests listed"
fi
log "$ntests tests: $ISCSI_CU_FAMILIES, excluding $ISCSI_CU_EXCLUDE"

trap 'iscsi_tgt_teardown > /dev/null 2>&1' EXIT

# run_on TARGET: set TARGET up, run the list, tear it down.
run_on() {
	local secs
	ISCSI_TARGET=$1
	log "$1: setting up"
	iscsi_tgt_setup
	rm -f "/tmp/cu-$1.img"
	# Thin provisioned, as LIO's disk is (emulate_tpu, emulate_tpws).
	iscsi_tgt_mkdisk cu0 "/tmp/cu-$1.img" 64M thin_provisioned=1
	iscsi_tgt_mktarget "$IQN" 127.0.0.1
	iscsi_tgt_maplun "$IQN" 0 cu0
	iscsi_tgt_enable "$IQN"
	log "$1: running iscsi-test-cu"
	# The log goes straight to the results (readable while it runs).
	secs=$(iscsi_cu_run "iscsi://127.0.0.1/$IQN/0" "$list" "$RES/cu-$1")
	log "$1: $(iscsi_cu_count "$RES/cu-$1" PASS) passed," \
		"$(iscsi_cu_count "$RES/cu-$1" FAIL) failed," \
		"$(iscsi_cu_count "$RES/cu-$1" SKIP) skipped of $ntests in ${secs}s"
	iscsi_tgt_teardown || fail "$1: teardown"
	iscsi_tgt_unload
	# The port must be free for the next target.
	iscsi_tgt_wait_conns 0 30
}

for t in $targets; do
	run_on "$t"
done

{
	echo "# iscsi-test-cu $(dpkg-query -W -f='${Version}' libiscsi-bin 2>/dev/null), kernel $(uname -r)"
	echo "# test  $targets"
	if [ "$targets" = "lio ktgt" ]; then
		join -j1 <(sort "$RES/cu-lio") <(sort "$RES/cu-ktgt")
	else
		sort "$RES/cu-${targets%% *}"
	fi
} > "$report"
for t in $targets; do
	echo "$t: $(iscsi_cu_count "$RES/cu-$t" PASS) passed," \
		"$(iscsi_cu_count "$RES/cu-$t" FAIL) failed," \
		"$(iscsi_cu_count "$RES/cu-$t" SKIP) skipped of $ntests"
done | tee -a "$report"

[ "$targets" = "lio ktgt" ] || pass "recorded $targets only"

# Every test LIO passes, ktgt must pass too.
bad=0
while read -r name lio ktgt; do
	[ "$lio" = PASS ] && [ "$ktgt" != PASS ] || continue
	if [ -f "$allow" ] && grep -q "^$name " "$allow"; then
		echo "allowed deviation: $name LIO=$lio ktgt=$ktgt: $(grep "^$name " "$allow" | cut -d' ' -f2-)"
		continue
	fi
	echo "REGRESSION: $name: LIO passes, ktgt $ktgt"
	bad=$((bad + 1))
done < <(grep -v '^#' "$report" | awk 'NF == 3')
better=$(grep -v '^#' "$report" | awk 'NF == 3 && $2 != "PASS" && $3 == "PASS"' | wc -l)
echo "ktgt passes $better test(s) LIO does not pass"
[ $bad -eq 0 ] || fail "ktgt fails $bad test(s) that LIO passes (see $report, cu-ktgt.log)"
pass "ktgt passes every test LIO passes"
