#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 60
#
# The VM itself works: the guest runs the kernel we built against, sees
# the repository and the host's tools, and has a writable root.
. "$KTGT_REPO/tests/lib/guest.sh"

expect_eq "$(uname -r)" "$(ls /lib/modules | grep -x "$(uname -r)")" "kernel has modules"
[ -d "$KTGT_REPO/core" ] || fail "repository not visible at $KTGT_REPO"
touch /etc/ktgt-write-test || fail "root overlay not writable"
command -v sg_inq >/dev/null || fail "sg3-utils not visible in the guest"
mountpoint -q /sys/kernel/config || fail "configfs not mounted"
pass
