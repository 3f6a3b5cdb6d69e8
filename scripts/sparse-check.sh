#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse-check.sh MAKE ARGS...: run the given kbuild command (with C=2)
# and fail if sparse or the compiler reports anything about our files.

set -uo pipefail
command -v sparse >/dev/null || { echo "sparse: not installed: run 'make deps'" >&2; exit 1; }
out=$("$@" 2>&1)
status=$?
problems=$(grep -E '(warning|error):' <<< "$out")
if [ $status -ne 0 ] || [ -n "$problems" ]; then
	echo "$out" | grep -vE '^\s*(CHECK|CC|LD|MODPOST|BTF|make)|Skipping BTF'
	echo "sparse: FAILED"
	exit 1
fi
echo "sparse: clean ($(grep -c 'CHECK' <<< "$out") files checked)"
