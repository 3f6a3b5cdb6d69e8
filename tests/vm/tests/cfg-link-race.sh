#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# rmdir of a device racing with "ln -s" of a LUN to it. configfs calls
# the LUN's ->allow_link (which maps the LUN) before it counts the link
# that makes rmdir of the device fail with EBUSY, so an rmdir can pass
# that check while the LUN maps the device; configfs then fails the link
# (ENOENT) and ->drop_link unmaps the LUN. The device's removal must wait
# for that before it disables the device, and refuse new mappings.
#
# The interleaving is forced, not hoped for: ktgt_test_hold holds
# ktgt_cfg_mutex while "ln -s" queues on it in ktgt_lun_allow_link() and
# then rmdir (real-time priority, so that it runs as soon as it can) in
# ktgt_dev_drop(); released, the ln maps the LUN first and the rmdir runs
# while it is mapped. Then the other order (rmdir queued first: the link
# is refused). Each time: ln fails, rmdir succeeds, within 10 s, the
# kernel logs no warning (the old code removed the device while mapped:
# WARN in ktgt_dev_drop(), then in vdisk_dev_free() with the backing
# file still open), and a new device of the same name on the same file
# can be enabled, mapped and removed.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

command -v chrt > /dev/null || skip "no chrt"
ktgt_load ktgt_vdisk
modprobe ktgt_test_hold || fail "modprobe ktgt_test_hold"
H=$KTGT_CFS/handlers/vdisk_fileio
D=$H/race0
T=$KTGT_CFS/targets/test_hold/t0
IMG=/tmp/race0.img
truncate -s 4M "$IMG" || fail "truncate"
mkdir "$T" "$T/luns/0" || fail "mkdir $T/luns/0"

# round NAME FIRST: ln and rmdir queued behind the held mutex, FIRST
# (ln or rmdir) first.
round() {
	local ln rm hold rc i
	ktgt_mkdev "vdisk_fileio/race0" filename="$IMG"
	echo 30 > "$T/hold" &
	hold=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "$T/holding")" = 1 ] && break
		sleep 0.1
	done
	[ "$(cat "$T/holding")" = 1 ] || fail "$1: ktgt_cfg_mutex not held"
	if [ "$2" = ln ]; then
		ln -s "$D" "$T/luns/0/device" 2> /dev/null &
		ln=$!
		in_stack $ln ktgt_lun_allow_link 10
		chrt -f 10 rmdir "$D" &
		rm=$!
		in_stack $rm ktgt_dev_drop 10
	else
		chrt -f 10 rmdir "$D" &
		rm=$!
		in_stack $rm ktgt_dev_drop 10
		ln -s "$D" "$T/luns/0/device" 2> /dev/null &
		ln=$!
		in_stack $ln ktgt_lun_allow_link 10
	fi
	echo 1 > "$T/release"
	ended $hold 10 || fail "$1: the hold did not end"
	ended $rm 10
	rc=$?
	[ $rc -ne 255 ] || fail "$1: rmdir of the device has not returned after 10 s"
	[ $rc -eq 0 ] || fail "$1: rmdir of the device failed ($rc)"
	ended $ln 10
	rc=$?
	[ $rc -ne 255 ] || fail "$1: ln -s has not returned after 10 s"
	[ $rc -ne 0 ] && [ ! -L "$T/luns/0/device" ] ||
		fail "$1: ln -s to the removed device succeeded"
	dmesg | grep -q -E "WARNING:.*(ktgt_dev_drop|vdisk_dev_free)" &&
		fail "$1: $(dmesg | grep -E "WARNING:" | head -n 2)"
	[ ! -e "$KTGT_SYSFS/devices/race0" ] || fail "$1: race0 still in sysfs"

	# The device is gone for good: a new one on the same file works.
	ktgt_mkdev "vdisk_fileio/race0" filename="$IMG"
	ln -s "$D" "$T/luns/0/device" || fail "$1: ln -s to the new device"
	expect_eq "$(cat "$KTGT_SYSFS/devices/race0/nr_luns")" 1 "$1: nr_luns"
	rm "$T/luns/0/device" || fail "$1: rm the link"
	rmdir "$D" || fail "$1: rmdir the new device"
	echo "$1: ok"
}

round "ln first" ln
round "rmdir first" rmdir

rmdir "$T/luns/0" "$T" || fail "rmdir $T"
rmmod ktgt_test_hold || fail "rmmod ktgt_test_hold"
pass "device rmdir racing with a LUN link"
