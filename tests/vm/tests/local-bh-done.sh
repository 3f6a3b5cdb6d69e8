#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
# ktgt-smp: 2
#
# ktgt_local completes a command it executed inline (vdisk_nullio, in
# ->queuecommand()) with bottom halves off (module parameter bh_done,
# default 1), so that the block layer's completion softirq runs in the
# submitting task instead of waking ksoftirqd: with two vCPUs and one
# hardware queue every completion is a BLOCK_SOFTIRQ. 2000 4 KiB
# O_DIRECT reads on CPU 0 (dd, queue depth 1) switch ksoftirqd/0 in
# fewer than 200 times with bh_done=1, and more than 1000 times with
# bh_done=0 (the positive control: the count sees the switches); the
# data is read either way, and bh_done is writable at run time.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

N=2000
P=/sys/module/ktgt_local/parameters/bh_done

# switches: ksoftirqd/0's context switches so far.
switches() {
	local pid v n
	pid=$(pgrep -x 'ksoftirqd/0') || fail "no ksoftirqd/0"
	v=$(sed -n 's/^voluntary_ctxt_switches:\t*//p' "/proc/$pid/status")
	n=$(sed -n 's/^nonvoluntary_ctxt_switches:\t*//p' "/proc/$pid/status")
	echo $((v + n))
}

# reads: ksoftirqd/0's switches during N 4 KiB O_DIRECT reads on CPU 0.
reads() {
	local a b
	a=$(switches)
	taskset -c 0 dd if="$dev" of=/dev/null bs=4k count=$N iflag=direct \
		status=none || fail "dd"
	b=$(switches)
	echo $((b - a))
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
[ "$(nproc)" -ge 2 ] || skip "one CPU: the completion is not a softirq"
expect_eq "$(cat "$P")" Y "bh_done default"

ktgt_mkdev vdisk_nullio/b0 size=$((16 << 20)) serial=BHDONE zero_reads=0
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/b0
ktgt_enable local/t0
dev=$(ktgt_wait_disk host="$(ktgt_local_host t0)" serial=BHDONE)
reads >/dev/null

on=$(reads)
echo 0 > "$P" || fail "bh_done=0"
off=$(reads)
echo 1 > "$P" || fail "bh_done=1"
on2=$(reads)
log "ksoftirqd/0 switches in $N reads: bh_done=1 $on, bh_done=0 $off, bh_done=1 $on2"
[ "$off" -gt $((N / 2)) ] ||
	fail "bh_done=0: only $off ksoftirqd switches in $N reads (the count does not see them)"
[ "$on" -lt $((N / 10)) ] || fail "bh_done=1: $on ksoftirqd switches in $N reads"
[ "$on2" -lt $((N / 10)) ] || fail "bh_done=1 again: $on2 ksoftirqd switches in $N reads"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
