#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 5
#
# NOT a normal test: it outlives its 5 s timeout, so the harness must
# report it FAILED as timed out. Run by detector-selftest only.
sleep 120
exit 0
