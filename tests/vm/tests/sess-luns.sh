#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# /sys/kernel/ktgt/sessions/<id>/luns of a session that sees more LUNs
# than a page holds: the first ones, each whole, then "...", then the
# newline. It was cut at 4095 bytes in the middle of a number, with no
# newline. With few LUNs, all of them.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

ktgt_mkdev vdisk_nullio/many size=$((1 << 20))
ktgt_mktarget local/many
# The host does not scan the LUNs added below.
ktgt_write "$KTGT_CFS/targets/local/many/auto_rescan" 0
ktgt_maplun local/many 0 vdisk_nullio/many
ktgt_enable local/many
sess=
for s in "$KTGT_SYSFS"/sessions/*/; do
	[ "$(cat "$s/target")" = many ] && sess=$s
done
[ -n "$sess" ] || fail "no session of local/many"
expect_eq "$(cat "$sess/luns")" 0 "luns with LUN 0 only"

python3 - "$KTGT_CFS/targets/local/many/luns" \
	"$KTGT_CFS/handlers/vdisk_nullio/many" <<'PY' || fail "mapping LUNs"
import os, sys
d, dev = sys.argv[1], sys.argv[2]
for n in range(10000, 10750):
    os.mkdir("%s/%d" % (d, n))
    os.symlink(dev, "%s/%d/device" % (d, n))
PY
list=$(cat "$sess/luns")
bytes=$(wc -c < "$sess/luns")
log "751 LUNs: $(wc -w <<< "$list") words, $bytes bytes, ends '${list: -20}'"
[ "$(tail -c 1 "$sess/luns" | od -An -c | tr -d ' ')" = '\n' ] ||
	fail "luns does not end with a newline"
[ "$bytes" -le 4096 ] || fail "luns is $bytes bytes"
words=($list)
expect_eq "${words[-1]}" "..." "last word of a list that does not fit"
expect_eq "${words[0]}" 0 "first LUN"
prev=-1
for w in "${words[@]:0:${#words[@]}-1}"; do
	case $w in
	'' | *[!0-9]*) fail "'$w' in luns is not a LUN number" ;;
	esac
	[ "$w" -gt "$prev" ] || fail "LUN $w after $prev"
	[ "$w" = 0 ] || [ -d "$KTGT_CFS/targets/local/many/luns/$w" ] ||
		fail "LUN $w is not mapped"
	prev=$w
done
[ "${#words[@]}" -gt 600 ] || fail "only ${#words[@]} words listed"

python3 - "$KTGT_CFS/targets/local/many/luns" <<'PY' || fail "unmapping LUNs"
import os, sys
for n in range(10000, 10750):
    os.unlink("%s/%d/device" % (sys.argv[1], n))
    os.rmdir("%s/%d" % (sys.argv[1], n))
PY
expect_eq "$(cat "$sess/luns")" 0 "luns with LUN 0 only again"
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
