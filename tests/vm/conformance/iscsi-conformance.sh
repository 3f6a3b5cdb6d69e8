#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 5400
# ktgt-smp: 2
#
# libiscsi's conformance suite (iscsi-test-cu) against LIO, ktgt_iscsi
# and tgt (the user-space tgtd), one after the other in the same VM, on
# the same list of tests (iscsi_cu_list: the SCSI and iSCSI families
# without reservations, task management, SANITIZE and multipath) and
# the same kind of LUN: a 64 MiB thin provisioned file reached at
# 127.0.0.1 by libiscsi's two initiator names (LUN 0; LUN 1 on tgt,
# whose LUN 0 is its controller).
#
# Fails if ktgt fails (or skips) a test that LIO passes, unless the test
# is listed with its reason in tests/vm/data/iscsi-conformance.allow,
# and if ktgt fails or skips a test that tgt passes, unless the test is
# listed in tests/vm/data/iscsi-conformance-tgt.allow (both explained in
# Documentation/iscsi-conformance.rst; the second list names the gaps
# still open). Prints a table of each target's counts and every test
# tgt passes that ktgt does not; writes the per-test table to
# iscsi-conformance.txt in the test's results directory, next to each
# target's iscsi-test-cu log (cu-lio.log, cu-ktgt.log, cu-tgt.log).
#
# ISCSI_CONFORMANCE_TARGETS (default "lio ktgt tgt") picks the targets;
# the comparisons need ktgt and the target compared with. tgt is left
# out if tgtd is not installed. ISCSI_CU_ONLY, an extended regular
# expression, keeps only the matching tests of the list
# (iscsi-conformance-quick.sh runs a few families this way);
# ISCSI_CU_EXCLUDE (tests/lib/iscsi.sh) replaces the excluded ones, e.g.
# to run the reservation and task management families too.
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
allow_tgt=$KTGT_REPO/tests/vm/data/iscsi-conformance-tgt.allow
list=/tmp/cu.list
targets=${ISCSI_CONFORMANCE_TARGETS:-lio ktgt tgt}
if ! command -v tgtd > /dev/null; then
	targets=$(tr ' ' '\n' <<< "$targets" | grep -vx tgt | xargs)
	log "tgtd not installed: not running tgt"
fi
read -r -a tlist <<< "$targets"
# Each target's run is cut off after this long (a hung test fails it and
# every test after it, instead of the whole VM test timing out); tgt,
# whose out-of-range loops are slow, gets ISCSI_CU_TIMEOUT_TGT.
ISCSI_CU_TIMEOUT=${ISCSI_CU_TIMEOUT:-1000}
ISCSI_CU_TIMEOUT_TGT=${ISCSI_CU_TIMEOUT_TGT:-$((ISCSI_CU_TIMEOUT * 5 / 2))}

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

declare -A SECS=()

# run_on TARGET: set TARGET up, run the list, tear it down.
run_on() {
	local lun secs
	ISCSI_TARGET=$1
	log "$1: setting up"
	iscsi_tgt_setup
	lun=$(iscsi_tgt_first_lun)
	rm -f "/tmp/cu-$1.img"
	# Thin provisioned, as LIO's disk is (emulate_tpu, emulate_tpws).
	iscsi_tgt_mkdisk cu0 "/tmp/cu-$1.img" 64M thin_provisioned=1
	iscsi_tgt_mktarget "$IQN" 127.0.0.1
	iscsi_tgt_maplun "$IQN" "$lun" cu0
	iscsi_tgt_enable "$IQN"
	log "$1: running iscsi-test-cu"
	# The log goes straight to the results (readable while it runs).
	secs=$ISCSI_CU_TIMEOUT
	[ "$1" = tgt ] && secs=$ISCSI_CU_TIMEOUT_TGT
	SECS[$1]=$(ISCSI_CU_TIMEOUT=$secs iscsi_cu_run \
		"iscsi://127.0.0.1/$IQN/$lun" "$list" "$RES/cu-$1")
	log "$1: $(iscsi_cu_count "$RES/cu-$1" PASS) passed," \
		"$(iscsi_cu_count "$RES/cu-$1" FAIL) failed," \
		"$(iscsi_cu_count "$RES/cu-$1" SKIP) skipped of $ntests in ${SECS[$1]}s"
	iscsi_tgt_teardown || fail "$1: teardown"
	iscsi_tgt_unload
	# The port must be free for the next target.
	iscsi_tgt_wait_conns 0 30
}

for t in "${tlist[@]}"; do
	run_on "$t"
done

# The per-test table: "Suite.Test RESULT..." in the order of $targets.
table=/tmp/cu.table
sort "$RES/cu-${tlist[0]}" > "$table"
for t in "${tlist[@]:1}"; do
	join -j1 "$table" <(sort "$RES/cu-$t") > "$table.new"
	mv "$table.new" "$table"
done
{
	echo "# iscsi-test-cu $(dpkg-query -W -f='${Version}' libiscsi-bin \
		2>/dev/null), kernel $(uname -r)"
	echo "# test ${tlist[*]}"
	cat "$table"
} > "$report"
{
	printf '%-8s %7s %7s %8s %7s\n' target passed failed skipped time
	for t in "${tlist[@]}"; do
		printf '%-8s %7s %7s %8s %6ss\n' "$t" \
			"$(iscsi_cu_count "$RES/cu-$t" PASS)" \
			"$(iscsi_cu_count "$RES/cu-$t" FAIL)" \
			"$(iscsi_cu_count "$RES/cu-$t" SKIP)" "${SECS[$t]}"
	done
	echo "of $ntests tests"
} | tee -a "$report"

# col TARGET: the report's column of TARGET's results (1: the name).
col() {
	local i
	for i in "${!tlist[@]}"; do
		[ "${tlist[$i]}" = "$1" ] && { echo $((i + 2)); return; }
	done
	echo 0
}

# compare PEER ALLOWFILE: every test PEER passes, ktgt must pass, unless
# ALLOWFILE lists it; prints each difference ("REGRESSION: ..." if not
# allowed).
compare() {
	local peer=$1 file=$2 name p k why
	while read -r name p k; do
		why=
		[ -f "$file" ] && why=$(grep "^$name " "$file" | cut -d' ' -f2-)
		if [ -n "$why" ]; then
			echo "allowed deviation: $name $peer=$p ktgt=$k: $why"
		else
			echo "REGRESSION: $name: $peer passes, ktgt $k"
		fi
	done < <(awk -v p="$(col "$peer")" -v k="$(col ktgt)" \
		     '$p == "PASS" && $k != "PASS" { print $1, $p, $k }' "$table")
}

if [ "$(col ktgt)" -eq 0 ] || [ ${#tlist[@]} -lt 2 ]; then
	pass "recorded ${tlist[*]} only"
fi

for peer in lio tgt; do
	[ "$(col "$peer")" -gt 0 ] || continue
	f=$allow
	[ "$peer" = tgt ] && f=$allow_tgt
	echo "tests $peer passes that ktgt fails or skips:"
	out=$(compare "$peer" "$f")
	echo "${out:-none}" | sed 's/^/  /'
	echo "ktgt passes $(awk -v p="$(col "$peer")" -v k="$(col ktgt)" \
		'$p != "PASS" && $k == "PASS"' "$table" | wc -l) test(s) $peer does not pass"
done | tee -a "$report"
bad=$(awk '$1 == "REGRESSION:" { print $2 }' "$report" | sort -u | wc -l)
[ "$bad" -eq 0 ] || fail "ktgt fails $bad test(s) that a peer passes (see $report, cu-ktgt.log)"
pass "ktgt passes every test ${tlist[*]} pass (apart from the allowed deviations)"
