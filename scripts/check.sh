#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: everything 'make check' runs, in order, counted together.
#
#   build       modules (W=1 -Werror) and tools
#   sparse      kbuild C=2
#   checkpatch  --strict over every source file
#   kconfig     the Kconfig files parse and every option can be m in a
#               kernel tree (check-kconfig.sh)
#   bench-report  tests/bench/report.py's self-test
#   insnprof    the bench's QEMU plugin builds (-Werror) and
#               tests/bench/insnprof.py passes its self-test
#   docs        Documentation/*.rst parse without a docutils warning, and
#               the doc examples and man pages (check-doc-examples.sh)
#   host        unit tests under ASan/UBSan (tests/host)
#   harness     the VM harness catches a WARN, a hang and a stuck boot,
#               schedules VMs by their vCPUs and boots the image it means to
#   vm          every tests/vm/tests/*.sh in its own VM
#
# Ends with one line 'N passed, N failed' (', N skipped' when any were);
# exits non-zero if anything failed. KERNEL=debug runs the kernel parts
# on the debug kernel (built once by scripts/debug-kernel.sh).

set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
KERNEL=${KERNEL:-stock}
export KERNEL
res=$TOP/tests/results
start=$(date +%s)

"$TOP/scripts/deps.sh" --check >/dev/null || "$TOP/scripts/deps.sh" || exit 1
if [ "$KERNEL" = debug ]; then
	"$TOP/scripts/debug-kernel.sh" || exit 1
fi

rm -rf "$res"
mkdir -p "$res"
passed=0 failed=0 skipped=0

# step NAME CMD...: a step that is one test.
step() {
	local name=$1
	shift
	if "$@" > "$res/$name.log" 2>&1; then
		echo "PASS $name"
		passed=$((passed + 1))
		return 0
	fi
	echo "FAIL $name (log: tests/results/$name.log)"
	tail -n 30 "$res/$name.log" | sed 's/^/    /'
	failed=$((failed + 1))
	return 1
}

# suite NAME SUMMARY CMD...: a step that runs many tests and writes a
# 'NAME: N passed, N failed[, N skipped]' summary line.
suite() {
	local name=$1 summary=$2 line p f s
	shift 2
	"$@" 2>&1 | tee "$res/$name.log"
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$summary" 2>/dev/null | tail -n1)
	if [ -z "$line" ]; then
		echo "FAIL $name: no summary (log: tests/results/$name.log)"
		failed=$((failed + 1))
		return
	fi
	p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<< "$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<< "$line")
	s=0
	grep -q skipped <<< "$line" && s=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<< "$line")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# Every CPU of the machine: each make below builds independent
# files (kbuild's objects, the tools, the host tests' binaries).
jobs=-j$(nproc)
built=1
step build make -C "$TOP" "$jobs" modules tools || built=0
step sparse make -C "$TOP" "$jobs" sparse
step checkpatch make -C "$TOP" checkpatch
step kconfig "$TOP/scripts/check-kconfig.sh"
step bench-report python3 "$TOP/tests/bench/report.py" --self-test
# make bench's instruction profiler: the QEMU plugin builds without a
# warning, its analysis passes its self-test.
step insnprof bash -c "gcc -O2 -Wall -Wextra -Wno-unused-parameter \
	-Werror -shared -fPIC -pthread -o '$res/insnprof.so' \
	'$TOP/tests/bench/insnprof/insnprof.c' &&
	python3 '$TOP/tests/bench/insnprof.py' --self-test"
step docs "$TOP/scripts/check-docs.sh"
if [ -f "$TOP/tests/host/Makefile" ]; then
	# The test binaries first, all at once; 'check' builds what is
	# left (one that does not build, which it reports) and runs them.
	make -s -C "$TOP/tests/host" "$jobs" all > /dev/null 2>&1
	make -C "$TOP/tests/host" check 2>&1 | tee "$res/host.log"
	grep -E '^host: [0-9]+ passed' "$res/host.log" | tail -n1 > "$res/host.summary"
	suite host "$res/host.summary" cat "$res/host.summary" > /dev/null
fi
if [ $built -eq 1 ]; then
	suite harness "$res/harness.summary" \
		"$TOP/tests/vm/selftest/detector-selftest" --kernel "$KERNEL" \
		--results "$res/selftest" --summary "$res/harness.summary"
	suite vm "$res/vm.summary" \
		"$TOP/tests/vm/run" --kernel "$KERNEL" --results "$res/vm" \
		--summary "$res/vm.summary"
else
	echo "FAIL vm: not run, the build failed"
	failed=$((failed + 1))
fi

echo "check: kernel=$KERNEL, $(( $(date +%s) - start ))s"
line="$passed passed, $failed failed"
[ $skipped -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ $failed -eq 0 ]
