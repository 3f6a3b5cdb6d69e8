#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 60
#
# NOT a normal test: it passes by itself but loads a module that WARNs,
# so the harness must report it FAILED. Run by detector-selftest only.
. "$KTGT_REPO/tests/lib/guest.sh"

modprobe ktgt_test_warn || fail "modprobe ktgt_test_warn failed"
rmmod ktgt_test_warn
pass
