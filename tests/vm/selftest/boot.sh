#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 60
#
# NOT a normal test: it passes whenever the guest gets to run it. Run by
# detector-selftest only, with a boot limit no guest can meet, so the
# harness must kill the VM, boot it once more, and report it FAILED.
. "$KTGT_REPO/tests/lib/guest.sh"

pass
