# SPDX-License-Identifier: GPL-2.0
#
# Helpers for test scripts that run inside the ktgt test VM.
# Source it first: . "$KTGT_REPO/tests/lib/guest.sh"
#
# A test exits 0 to pass, 77 to skip, anything else to fail; the harness
# also fails it on any kernel splat. Every helper that fails exits the
# test with a message naming what was expected.

set -u

KTGT_CFS=/sys/kernel/config/ktgt
KTGT_SYSFS=/sys/kernel/ktgt

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

pass() {
	echo "PASS${1:+: $*}"
	exit 0
}

log() {
	echo "== $*"
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# expect_fail WHAT CMD...: CMD must fail.
expect_fail() {
	local what=$1
	shift
	if "$@" 2>/dev/null; then
		fail "$what: '$*' succeeded but must fail"
	fi
}

# run_ok WHAT CMD...: CMD must succeed.
run_ok() {
	local what=$1
	shift
	"$@" || fail "$what: '$*' failed with status $?"
}

# need_cpus N WHAT: the test asserts what only N online CPUs can show
# (WHAT); its '# ktgt-smp: N' line gives its VM N vCPUs.
need_cpus() {
	local have
	have=$(getconf _NPROCESSORS_ONLN)
	[ "$have" -ge "$1" ] ||
		fail "$2 needs $1 CPUs, the VM has $have (a '# ktgt-smp: $1' line?)"
}

# in_stack PID FUNCTION SECS: wait until PID's kernel stack shows
# FUNCTION (a process blocked where the test needs it); fail after SECS.
in_stack() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "/proc/$1/stack" 2> /dev/null && return 0
		sleep 0.1
	done
	fail "$2 not in the kernel stack of $1 after $3 s: $(cat "/proc/$1/stack" 2>&1)"
}

# ended PID SECS: wait at most SECS until background PID has ended; its
# exit status, or 255 if it is still running.
ended() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2> /dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2> /dev/null && return 255
	wait "$1"
}

# ktgt_load [MODULE...]: load ktgt_core (and the given modules).
ktgt_load() {
	local m
	for m in ktgt_core "$@"; do
		modprobe "$m" || fail "modprobe $m failed"
	done
}

# ktgt_unload_all: unload every ktgt module, dependents first.
ktgt_unload_all() {
	local m
	for m in $(lsmod | awk '$1 ~ /^ktgt_/ && $1 != "ktgt_core" { print $1 }') \
		 ktgt_core; do
		if lsmod | grep -q "^$m "; then
			rmmod "$m" || fail "rmmod $m failed"
		fi
	done
}

# slab_kb: the kernel's slab memory in KiB.
slab_kb() {
	awk '/^Slab:/ { print $2 }' /proc/meminfo
}
