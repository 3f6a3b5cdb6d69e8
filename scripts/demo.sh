#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: 'make demo'. Installs what is missing, builds ktgt, boots the
# test VM and runs tests/vm/demo/demo.sh in it, then prints what it did.

set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
"$TOP/scripts/deps.sh" --check >/dev/null || "$TOP/scripts/deps.sh" || exit 1
make -C "$TOP" modules tools >/dev/null || { echo "demo: build failed" >&2; exit 1; }
res=$TOP/tests/results/demo
"$TOP/tests/vm/run" --quiet --results "$res" "$TOP/tests/vm/demo/demo.sh"
status=$?
echo "---- what the VM did:"
cat "$res/demo/output.log"
exit $status
