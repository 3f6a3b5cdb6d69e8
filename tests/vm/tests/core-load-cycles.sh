#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# 50 load/unload cycles of ktgt_core, each one walking the configfs and
# sysfs trees while loaded, leave no module, no tree and no memory behind.
# The slab check here is coarse; on the debug kernel (make check
# KERNEL=debug) kmemleak reports any single leaked object and the
# harness fails the test on it.
. "$KTGT_REPO/tests/lib/guest.sh"

cycles=50
# One warm-up cycle so that caches the first load fills do not count.
ktgt_load
rmmod ktgt_core || fail "warm-up rmmod failed"
sync
echo 3 > /proc/sys/vm/drop_caches
before=$(slab_kb)

for i in $(seq 1 $cycles); do
	modprobe ktgt_core || fail "cycle $i: modprobe failed"
	find "$KTGT_CFS" "$KTGT_SYSFS/" > /dev/null ||
		fail "cycle $i: cannot walk the trees"
	cat "$KTGT_SYSFS/version" > /dev/null || fail "cycle $i: sysfs read"
	rmmod ktgt_core || fail "cycle $i: rmmod failed"
	[ ! -e "$KTGT_CFS" ] || fail "cycle $i: configfs root left behind"
	[ ! -e "$KTGT_SYSFS" ] || fail "cycle $i: sysfs root left behind"
done

sync
echo 3 > /proc/sys/vm/drop_caches
after=$(slab_kb)
log "slab before ${before} KiB, after ${after} KiB over $cycles cycles"
# Slab moves by a few hundred KiB in an idle guest; a leak of a kobject,
# a configfs group or a module's data per cycle shows up well above that.
[ $((after - before)) -lt 2048 ] ||
	fail "slab grew by $((after - before)) KiB over $cycles cycles"
lsmod | grep -q '^ktgt_' && fail "a ktgt module is still loaded"
pass
