#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# Data integrity under queued direct I/O through ktgt_local: fio writes
# 64 MiB of random blocks (4-128 KiB, so multi-page scatterlists) with
# crc32c verification headers at queue depth 32 (libaio, O_DIRECT) to a
# vdisk_fileio LUN and verifies them; then a separate verify-only pass
# re-reads everything. Neither may report a mismatch or an I/O error.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

command -v fio >/dev/null || skip "fio not installed"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

img=/tmp/fio.img
truncate -s 80M "$img" || fail "truncate $img"
ktgt_mkdev vdisk_fileio/fio0 filename="$img" serial=FIO-VERIFY
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_fileio/fio0
ktgt_enable local/t0
dev=$(ktgt_wait_disk host="$(ktgt_local_host t0)" serial=FIO-VERIFY)
log "fio target: $dev"

job=(--name=ktgt-verify --filename="$dev" --ioengine=libaio --direct=1
	--rw=randwrite --bsrange=4k-128k --iodepth=32 --size=64M
	--verify=crc32c --verify_fatal=1 --randrepeat=1 --randseed=4242
	--group_reporting)

log "write + verify pass"
out=$(fio "${job[@]}" 2>&1)
rc=$?
echo "$out" | grep -E 'err=|verify|WRITE:|READ:' | sed 's/^/    /'
[ $rc -eq 0 ] || fail "fio write+verify pass failed (rc=$rc)"
grep -q 'err= 0' <<< "$out" || fail "fio reported errors"
grep -qiE 'verify.*(bad|mismatch|fail)' <<< "$out" && fail "fio verify mismatch"

log "verify-only pass"
out=$(fio "${job[@]}" --verify_only 2>&1)
rc=$?
echo "$out" | grep -E 'err=|verify|READ:' | sed 's/^/    /'
[ $rc -eq 0 ] || fail "fio verify-only pass failed (rc=$rc)"
grep -q 'err= 0' <<< "$out" || fail "fio verify-only reported errors"
grep -qiE 'verify.*(bad|mismatch|fail)' <<< "$out" && fail "fio verify-only mismatch"
# The verify-only pass must really have read the data back.
grep -qE 'READ: bw=[1-9]' <<< "$out" || fail "verify-only pass read nothing"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
