#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-docs.sh: parse every Documentation/*.rst with docutils and fail
# on any warning (a malformed table, a short title underline, a broken
# definition list): what the kernel's Sphinx build would also complain
# about. index.rst is left out, as its toctree is a Sphinx directive.
# Then scripts/check-doc-examples.sh: every ktgt.conf example passes
# "ktgtadm check", the man pages render cleanly and document the options
# the tools have.

set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)

py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import docutils' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || { echo "docs: docutils missing (python3-docutils)"; exit 1; }

bad=0 n=0
for f in "$TOP"/Documentation/*.rst; do
	[ "$(basename "$f")" = index.rst ] && continue
	n=$((n + 1))
	if ! out=$("$py" -m docutils --halt=warning --report=warning \
		   "$f" /dev/null 2>&1); then
		echo "${f#"$TOP"/}: $out" | head -n 5
		bad=$((bad + 1))
	fi
done
echo "docs: $n files, $bad with warnings"

# The configuration examples, man pages and their options
# (scripts/check-doc-examples.sh).
"$TOP/scripts/check-doc-examples.sh" || bad=$((bad + 1))
[ "$bad" -eq 0 ]
