#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-doc-examples.sh: what the documentation shows an administrator
# must be true of the tools.
#
# 1. Every ktgt.conf example (a reStructuredText literal block of
#    Documentation/*.rst or README, or a .nf/.fi block of a man page,
#    whose first statement is HANDLER, TARGET_DRIVER or DEVICE_GROUP)
#    passes "ktgtadm check" offline (no ktgt loaded). A block that starts
#    with DEVICE_GROUP is a continuation: it is checked appended to the
#    previous example of the same file, whose devices and targets it
#    names. And "ktgtadm apply --dry-run" plans it against a running
#    ktgt_core that has none of its modules loaded yet.
# 2. The man pages render without a groff warning.
# 3. Every option a man page documents is in the program's --help (of
#    every ktgtadm command), and every option --help shows is in the man
#    page.
# 4. ktgtadm's exit statuses (Documentation/ktgtadm.rst) for bad command
#    lines, broken files and a system without ktgt.
#    ktgt-iscsid.8 names every login status ktgt-iscsid answers with.
# 5. Documentation/testing.rst's table of the steps of make check is
#    scripts/check.sh's.
#
# Builds the tools first (make -C tools), so a stale binary is not the
# one checked.

set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
ADM=$TOP/tools/ktgtadm/ktgtadm
ISCSID=$TOP/tools/ktgt-iscsid/ktgt-iscsid

make -s -C "$TOP/tools" >/dev/null || {
	echo "doc-examples: the tools do not build"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0 n=0

# --- 1. configuration examples -------------------------------------------
python3 - "$tmp" "$TOP"/README "$TOP"/Documentation/*.rst \
	"$TOP"/tools/*/*.8 <<'PY' || { echo "doc-examples: extractor failed"; exit 1; }
import os, re, sys

out = sys.argv[1]
top = re.compile(r'^(HANDLER|TARGET_DRIVER|DEVICE_GROUP)\b')


def rst_blocks(lines):
    """Literal blocks: the indented lines after a line ending in '::'."""
    i = 0
    while i < len(lines):
        if lines[i].rstrip().endswith('::'):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and lines[j][:1] in (' ', '\t'):
                ind = len(lines[j]) - len(lines[j].lstrip())
                blk = []
                while j < len(lines) and (not lines[j].strip() or
                        len(lines[j]) - len(lines[j].lstrip()) >= ind):
                    blk.append(lines[j][ind:] if lines[j].strip() else '')
                    j += 1
                yield i + 2, blk
                i = j
                continue
        i += 1


def man_blocks(lines):
    """Unfilled blocks: .nf ... .fi."""
    i = 0
    while i < len(lines):
        if lines[i].strip() == '.nf':
            j = i + 1
            blk = []
            while j < len(lines) and lines[j].strip() != '.fi':
                blk.append(lines[j].replace('\\e', '\\').replace('\\-', '-'))
                j += 1
            yield i + 2, blk
            i = j
        i += 1


k = 0
for path in sys.argv[2:]:
    with open(path) as f:
        lines = f.read().split('\n')
    blocks = man_blocks(lines) if path.endswith('.8') else rst_blocks(lines)
    prev = None
    for line, blk in blocks:
        first = next((b for b in blk if b.strip()), '')
        m = top.match(first.strip())
        if not m:
            continue
        text = '\n'.join(blk).rstrip() + '\n'
        if m.group(1) == 'DEVICE_GROUP' and prev is not None:
            text = prev + text
        prev = text
        k += 1
        name = os.path.join(out, '%03d.conf' % k)
        with open(name, 'w') as f:
            f.write(text)
        with open(name + '.src', 'w') as f:
            f.write('%s:%d\n' % (os.path.relpath(path), line))
PY

# A running ktgt_core without any handler or driver module: what apply
# meets on a system where ktgt is loaded but the example's modules are not.
mkdir -p "$tmp/cfs/handlers" "$tmp/cfs/targets" "$tmp/cfs/alua" \
	"$tmp/sys/sessions"
for c in "$tmp"/*.conf; do
	[ -e "$c" ] || continue
	n=$((n + 1))
	src=$(cat "$c.src")
	if ! msg=$(KTGTADM_CONFIGFS=$tmp/none KTGTADM_SYSFS=$tmp/none \
		   "$ADM" check "$c" 2>&1); then
		echo "doc-examples: $src: example does not pass ktgtadm check:"
		echo "$msg" | sed "s|^$c|    example|"
		bad=$((bad + 1))
	fi
	n=$((n + 1))
	if ! msg=$(KTGTADM_CONFIGFS=$tmp/cfs KTGTADM_SYSFS=$tmp/sys \
		   "$ADM" apply --dry-run "$c" 2>&1 >/dev/null); then
		echo "doc-examples: $src: ktgtadm apply --dry-run of the example fails:"
		echo "$msg" | sed "s|^$c|    example|"
		bad=$((bad + 1))
	fi
done
if [ "$n" -lt 3 ]; then
	echo "doc-examples: only $n configuration examples found (expected >= 3)"
	bad=$((bad + 1))
fi

# --- 2. man pages render cleanly -------------------------------------------
for m in "$TOP"/tools/*/*.8; do
	n=$((n + 1))
	w=$(groff -ww -man -z "$m" 2>&1)
	if [ -n "$w" ]; then
		echo "doc-examples: ${m#"$TOP"/}: groff warnings:"
		echo "$w" | head -n 5
		bad=$((bad + 1))
	fi
done

# --- 3. man page options = --help options ----------------------------------
# opts_man FILE: the options a man page names (\-x, \-\-word)
opts_man() {
	grep -v '^\.\\"' "$1" | grep -oE '\\-(\\-[a-z][a-z\\-]*|[a-zA-Z])\b' |
		sed -e 's/\\-/-/g' -e 's/-$//' | sort -u
}
# opts_help: the options in help text on stdin (-x, --word)
opts_help() {
	grep -oE '(^|[][ ,|])(--[a-z][a-z-]*|-[a-zA-Z])\b' |
		sed -e 's/^[][ ,|]//' | sort -u
}
cmp_opts() {
	local name=$1 man=$2 help=$3 o
	n=$((n + 1))
	for o in $(comm -23 "$man" "$help"); do
		echo "doc-examples: $name: man page documents $o, --help does not"
		bad=$((bad + 1))
	done
	for o in $(comm -13 "$man" "$help"); do
		echo "doc-examples: $name: --help shows $o, the man page does not"
		bad=$((bad + 1))
	done
}

opts_man "$TOP/tools/ktgtadm/ktgtadm.8" > "$tmp/adm.man"
{
	"$ADM" --help
	for c in apply write check list stats monitor; do
		"$ADM" "$c" --help
	done
} 2>&1 | opts_help > "$tmp/adm.help"
cmp_opts ktgtadm "$tmp/adm.man" "$tmp/adm.help"

opts_man "$TOP/tools/ktgt-iscsid/ktgt-iscsid.8" > "$tmp/iscsid.man"
"$ISCSID" --help 2>&1 | opts_help > "$tmp/iscsid.help"
cmp_opts ktgt-iscsid "$tmp/iscsid.man" "$tmp/iscsid.help"

# --- 4. ktgtadm's documented exit statuses without a kernel ---------------
# ktgtadm.rst, "Exit status": 1 bad command line, 2 invalid
# configuration, 5 system error (ktgt not loaded).
exit_is() {
	local want=$1 got
	shift
	n=$((n + 1))
	KTGTADM_CONFIGFS=$tmp/none KTGTADM_SYSFS=$tmp/none "$ADM" "$@" \
		>/dev/null 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "doc-examples: 'ktgtadm $*' without ktgt exits $got, documented $want"
		bad=$((bad + 1))
	fi
}
printf 'HANDLER x {\n' > "$tmp/broken.conf"
exit_is 1 bogus
exit_is 1 help bogus
exit_is 0 help check
exit_is 0 --version
exit_is 1 apply --bogus
exit_is 1 check --dry-run
exit_is 1 list extra
exit_is 1 stats -t 1
exit_is 1 monitor -i 1
exit_is 2 check "$tmp/broken.conf"
exit_is 2 apply "$tmp/broken.conf"
exit_is 5 check "$tmp/missing.conf"
exit_is 5 apply --dry-run "$tmp/missing.conf"
exit_is 5 list
exit_is 5 write
exit_is 5 stats -i 0
exit_is 5 stats -i 0.1 -c 1

# --- 4b. ktgt-iscsid's login statuses ---------------------------------------
# Every Login Response status login.c answers with (an ST_ code used
# besides its #define) has an entry in the man page's LOGIN STATUS.
login=$TOP/tools/ktgt-iscsid/login.c
while read -r name code; do
	[ "$name" = ST_SUCCESS ] && continue
	[ "$(grep -cw "$name" "$login")" -gt 1 ] || continue
	n=$((n + 1))
	code=$(printf '%04x' "$code")
	if ! grep -qx "\.B $code" "$TOP/tools/ktgt-iscsid/ktgt-iscsid.8"; then
		echo "doc-examples: ktgt-iscsid.8: no LOGIN STATUS $code ($name)"
		bad=$((bad + 1))
	fi
done < <(sed -n 's/^#define \(ST_[A-Z_]*\)[[:space:]]*\(0x[0-9a-fA-F]*\).*/\1 \2/p' "$login")

# --- 5. the steps of make check --------------------------------------------
# Documentation/testing.rst's table lists what scripts/check.sh runs, in
# its order.
n=$((n + 1))
grep -oE '^[[:space:]]*(step|suite) [a-z-]+' "$TOP/scripts/check.sh" |
	awk '{ print $2 }' > "$tmp/steps.sh"
awk '/^=+ +=+$/ { t++; if (t == 2) exit; next } t == 1 && /^[a-z]/ { print $1 }' \
	"$TOP/Documentation/testing.rst" > "$tmp/steps.rst"
if ! cmp -s "$tmp/steps.sh" "$tmp/steps.rst"; then
	echo "doc-examples: Documentation/testing.rst's steps of make check" \
	     "($(paste -sd' ' "$tmp/steps.rst")) are not scripts/check.sh's" \
	     "($(paste -sd' ' "$tmp/steps.sh"))"
	bad=$((bad + 1))
fi

# --- 6. install -----------------------------------------------------------
# Each tool's "make install" puts its systemd unit where systemd reads it,
# and the unit starts the binary where that install put it, whatever
# PREFIX (Documentation/ktgtadm.rst, "Installation"; ktgt-iscsid.8).
for t in ktgtadm:ktgt.service ktgt-iscsid:ktgt-iscsid.service; do
	tool=${t%%:*} unit=$tmp/inst/lib/systemd/system/${t#*:}
	n=$((n + 1))
	rm -rf "$tmp/inst"
	if ! make -s -C "$TOP/tools/$tool" install DESTDIR="$tmp/inst" \
	     PREFIX=/opt/ktgt-test >/dev/null 2>&1; then
		echo "doc-examples: make -C tools/$tool install fails"
		bad=$((bad + 1))
		continue
	fi
	for f in $(sed -n 's/^Exec[A-Za-z]*=-\{0,1\}\([^ ]*\).*/\1/p' "$unit" |
		   grep "$tool\$"); do
		[ -x "$tmp/inst$f" ] && continue
		echo "doc-examples: tools/$tool install (PREFIX=/opt/ktgt-test):" \
		     "${unit##*/} runs $f, which it did not install"
		bad=$((bad + 1))
	done
	grep -q "^ExecStart=.*/opt/ktgt-test/sbin/$tool" "$unit" || {
		echo "doc-examples: ${unit##*/} does not start $tool from PREFIX"
		bad=$((bad + 1)); }
done

echo "doc-examples: $n checks, $bad failed"
[ "$bad" -eq 0 ]
