#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh: run scripts/checkpatch.pl --strict from Debian's
# linux-source-6.1 over every ktgt source file (kernel and user space).
# The script is extracted once into $KTGT_CACHE/checkpatch.

set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cache=${KTGT_CACHE:-/var/cache/ktgt}/checkpatch
tarball=/usr/src/linux-source-6.1.tar.xz

if [ ! -x "$cache/checkpatch.pl" ]; then
	[ -r "$tarball" ] || { echo "checkpatch: $tarball missing: run 'make deps'" >&2; exit 1; }
	mkdir -p "$cache"
	tmp=$(mktemp -d)
	tar -xJf "$tarball" -C "$tmp" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	cp "$tmp"/*/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$cache/"
	rm -rf "$tmp"
fi

cd "$TOP"
if [ $# -gt 0 ]; then
	# Only the files named (paths relative to the repository root).
	files=("$@")
else
	mapfile -t files < <(git ls-files -co --exclude-standard -- \
		'*.c' '*.h' '*Kconfig' | grep -v '^tests/host/build/')
fi
[ ${#files[@]} -gt 0 ] || { echo "checkpatch: no files"; exit 0; }

# --no-tree: we are not a kernel tree. EMBEDDED_FILENAME is a false
# positive on our top-level Kconfig only: its 'source "drivers/ktgt/.../Kconfig"'
# lines contain the bare file name "Kconfig" that --no-tree gives it.
# Host-only test files (tests/host) must name external CamelCase API
# (cmocka's struct CMUnitTest, libFuzzer's LLVMFuzzerTestOneInput), so
# CAMELCASE is ignored there and only there.
#
# CamelCase identifiers that the kernel itself defines (struct Scsi_Host)
# are allowed: checkpatch learns them from the kernel headers' include/
# given as --root. GIT_DIR points nowhere so that it reads that directory
# instead of asking git for *our* include/ files.
ksrc=$(readlink -f "/lib/modules/$("$TOP/scripts/kver.sh")/source" 2>/dev/null || true)
rootarg=()
[ -n "$ksrc" ] && [ -d "$ksrc/include/linux" ] && rootarg=(--root="$ksrc")
cp_run() {
	GIT_DIR=/nonexistent perl "$cache/checkpatch.pl" --strict --no-tree \
		"${rootarg[@]}" --terse --show-types "$@"
}
kfiles=() hfiles=()
for f in "${files[@]}"; do
	case "$f" in
	tests/host/*) hfiles+=("$f") ;;
	*) kfiles+=("$f") ;;
	esac
done
status=0
out=$(cp_run --ignore EMBEDDED_FILENAME -f "${kfiles[@]}") || status=$?
if [ ${#hfiles[@]} -gt 0 ]; then
	out+=$'\n'$(cp_run --ignore CAMELCASE -f "${hfiles[@]}") || status=$?
fi
if [ $status -ne 0 ]; then
	echo "$out" | grep -v '^total:' || true
	echo "checkpatch: FAILED over ${#files[@]} files"
	exit 1
fi
echo "checkpatch: ${#files[@]} files clean"
