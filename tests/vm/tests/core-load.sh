#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 120
#
# ktgt_core loads, creates its configfs root with the handlers/ and
# targets/ groups and its sysfs root, refuses a stray mkdir in the fixed
# groups, and unloading removes both roots.
. "$KTGT_REPO/tests/lib/guest.sh"

ktgt_load
[ -d "$KTGT_CFS" ] || fail "configfs root $KTGT_CFS missing after load"
[ -d "$KTGT_CFS/handlers" ] || fail "$KTGT_CFS/handlers missing"
[ -d "$KTGT_CFS/targets" ] || fail "$KTGT_CFS/targets missing"
expect_eq "$(cat "$KTGT_SYSFS/version")" \
	"$(modinfo -F version ktgt_core)" "sysfs version"

# The fixed groups take no user-created children.
expect_fail "mkdir in ktgt/" mkdir "$KTGT_CFS/bogus"
expect_fail "mkdir in handlers/" mkdir "$KTGT_CFS/handlers/bogus"
expect_fail "mkdir in targets/" mkdir "$KTGT_CFS/targets/bogus"
expect_fail "rmdir of handlers/" rmdir "$KTGT_CFS/handlers"

rmmod ktgt_core || fail "rmmod ktgt_core failed"
[ ! -e "$KTGT_CFS" ] || fail "configfs root still present after unload"
[ ! -e "$KTGT_SYSFS" ] || fail "sysfs root still present after unload"
dmesg | grep -q 'ktgt_core: ktgt .* loaded' || fail "no load message in dmesg"
pass
