#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# What the documentation tells an administrator, done as written:
# - Documentation/configfs.rst: the ln -s example, taken from the file
#   and run as it stands, maps a LUN that the local target's SCSI host
#   shows; the errors the text promises for mkdir, the link, rmdir and
#   enable (EINVAL, ENODEV, EEXIST, ENOTEMPTY, EBUSY);
# - tools/ktgtadm/ktgtadm.8: its example file, taken from the man page,
#   applies as it stands (with /srv/disk01.img created) and its LUN is a
#   disk of the local target; written back and applied again it is
#   "nothing to do";
# - Documentation/ktgtadm.rst: its example file and the DEVICE_GROUP
#   example after it apply together as they stand and the values read
#   back from configfs are the file's;
# - Documentation/iscsi.rst: a new iSCSI target's attributes have the
#   defaults of the table.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
export KTGTADM_ISCSID=$KTGT_REPO/tools/ktgt-iscsid/ktgt-iscsid
CFS=/sys/kernel/config/ktgt
DOC=$KTGT_REPO/Documentation

cleanup() {
	"$ADM" apply /tmp/empty.conf >/dev/null 2>&1
	ktgt_cleanup >/dev/null 2>&1
	ktgt_iscsid_kill >/dev/null 2>&1
	ktgt_unload_all >/dev/null 2>&1
}
trap cleanup EXIT
: > /tmp/empty.conf

# err_of CMD...: CMD must fail; print the error text after its last ': '.
err_of() {
	local out
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded but must fail"
	fi
	echo "${out##*: }"
}

# rst_block FILE INTRO: the literal block after the line ending in INTRO,
# without its indentation.
rst_block() {
	awk -v intro="$2" '
		!on && index($0, intro) && /::$/ { on = 1; next }
		on && /^[^ \t]/ { exit }
		on && !ind && !/[^ \t]/ { next }
		on && !ind && /[^ \t]/ { match($0, /^[ \t]*/); ind = RLENGTH }
		on { print (length($0) ? substr($0, ind + 1) : "") }
	' "$1"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

# --- configfs.rst -----------------------------------------------------------
e=$(err_of mkdir "$CFS/handlers/x") || fail "mkdir in handlers/ succeeded"
log "mkdir handlers/x: $e"
e=$(err_of mkdir "$CFS/x") || fail "mkdir in ktgt/ succeeded"
log "mkdir ktgt/x: $e"

truncate -s 64M /tmp/d0.img
run_ok "mkdir device" mkdir "$CFS/handlers/vdisk_fileio/d0"
expect_eq "$(cat "$CFS/handlers/vdisk_fileio/d0/enable")" 0 \
	"a new device is disabled"
expect_eq "$(err_of mkdir "$CFS/handlers/vdisk_nullio/d0")" "File exists" \
	"a device name is unique across handlers"
expect_eq "$(err_of mkdir "$CFS/handlers/vdisk_fileio/.d")" \
	"Invalid argument" "a device name starting with '.'"
ktgt_write "$CFS/handlers/vdisk_fileio/d0/filename" /tmp/d0.img
ktgt_write "$CFS/handlers/vdisk_fileio/d0/serial" DOCD0
expect_eq "$( { echo 1000 > "$CFS/handlers/vdisk_fileio/d0/blocksize"; } \
	2>&1 | sed 's/.*: //')" "Invalid argument" "blocksize 1000"
ktgt_write "$CFS/handlers/vdisk_fileio/d0/enable" 1

run_ok "mkdir target" mkdir "$CFS/targets/local/t0"
expect_eq "$(cat "$CFS/targets/local/t0/enable")" 0 \
	"a new target is disabled"
expect_eq "$(find "$CFS/targets/local/t0/luns" "$CFS/targets/local/t0/groups" \
	-mindepth 1 | wc -l)" 0 "a new target's luns/ and groups/ are empty"
for bad in 00 +1 -1 16384 x; do
	expect_eq "$(err_of mkdir "$CFS/targets/local/t0/luns/$bad")" \
		"Invalid argument" "mkdir luns/$bad"
done
run_ok "mkdir luns/0" mkdir "$CFS/targets/local/t0/luns/0"

# The tree configfs.rst draws: a device's attributes, a target's and a
# LUN's entries.
attrs=$(sed -n '/^The full tree/,/^``handlers/p' "$DOC/configfs.rst" |
	awk '/<device>\//{on=1; next} /\(the handler/{on=0} on')
[ "$(wc -w <<< "$attrs")" -ge 10 ] || fail "configfs.rst tree: '$attrs'"
for a in $attrs; do
	[ -e "$CFS/handlers/vdisk_fileio/d0/$a" ] ||
		fail "configfs.rst: device attribute $a missing"
done
for a in enable rel_tgt_id luns groups; do
	[ -e "$CFS/targets/local/t0/$a" ] ||
		fail "configfs.rst: target entry $a missing"
done
[ -e "$CFS/targets/local/t0/luns/0/read_only" ] ||
	fail "configfs.rst: LUN attribute read_only missing"
log "configfs.rst device attributes: $(tr -s ' \n' ' ' <<< "$attrs")"

# A link to a disabled device: ENODEV.
run_ok "mkdir d1" mkdir "$CFS/handlers/vdisk_nullio/d1"
run_ok "mkdir luns/1" mkdir "$CFS/targets/local/t0/luns/1"
expect_eq "$(err_of ln -s "$CFS/handlers/vdisk_nullio/d1" \
	"$CFS/targets/local/t0/luns/1/device")" "No such device" \
	"a link to a disabled device"

# The example, as the document has it.
ex=$(rst_block "$DOC/configfs.rst" "nothing until a symlink to a device")
log "configfs.rst example: $ex"
grep -q '^ln -s ' <<< "$ex" || fail "no ln -s example in configfs.rst"
bash -c "$ex" || fail "configfs.rst's ln -s example failed"
expect_eq "$(readlink -f "$CFS/targets/local/t0/luns/0/device")" \
	"$CFS/handlers/vdisk_fileio/d0" "LUN 0 maps d0"
expect_eq "$(err_of ln -s "$CFS/handlers/vdisk_fileio/d0" \
	"$CFS/targets/local/t0/luns/0/device2")" "File exists" \
	"a second link in a LUN directory"
expect_eq "$( { echo 0 > "$CFS/handlers/vdisk_fileio/d0/enable"; } 2>&1 |
	sed 's/.*: //')" "Device or resource busy" "disabling a mapped device"
expect_eq "$(err_of rmdir "$CFS/handlers/vdisk_fileio/d0")" \
	"Device or resource busy" "rmdir of a mapped device"

ktgt_write "$CFS/targets/local/t0/enable" 1
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
log "LUN 0 is $dev"
expect_eq "$(blockdev --getsize64 "$dev")" $((64 << 20)) "LUN 0 size"
sg_inq "$dev" | grep -q 'Unit serial number: DOCD0' ||
	fail "LUN 0 is not d0: $(sg_inq "$dev" 2>&1 | head -n 20)"

run_ok "mkdir group" mkdir "$CFS/targets/local/t0/groups/g0"
expect_eq "$(err_of mkdir "$CFS/targets/local/t0/groups/g0/initiators/a b")" \
	"Invalid argument" "an initiator pattern with a space"
run_ok "mkdir pattern" mkdir "$CFS/targets/local/t0/groups/g0/initiators/x*"
expect_eq "$(err_of rmdir "$CFS/targets/local/t0/groups/g0")" \
	"Directory not empty" "rmdir of a group with a pattern"
run_ok "rmdir pattern" rmdir "$CFS/targets/local/t0/groups/g0/initiators/x*"
run_ok "rmdir group" rmdir "$CFS/targets/local/t0/groups/g0"
expect_eq "$(err_of rmdir "$CFS/targets/local/t0")" "Directory not empty" \
	"rmdir of a target with LUNs"
run_ok "rm device link" rm "$CFS/targets/local/t0/luns/0/device"
run_ok "rmdir luns" rmdir "$CFS/targets/local/t0/luns/0" \
	"$CFS/targets/local/t0/luns/1"
run_ok "rmdir enabled target" rmdir "$CFS/targets/local/t0"
run_ok "rmdir devices" rmdir "$CFS/handlers/vdisk_fileio/d0" \
	"$CFS/handlers/vdisk_nullio/d1"

# --- ktgtadm.8 ---------------------------------------------------------------
sed -n '/^\.nf$/,/^\.fi$/p' "$KTGT_REPO/tools/ktgtadm/ktgtadm.8" |
	sed -e '1d' -e '$d' > /tmp/man.conf
grep -q '^HANDLER' /tmp/man.conf || fail "no example in ktgtadm.8"
mkdir -p /srv
truncate -s 32M /srv/disk01.img
out=$("$ADM" apply /tmp/man.conf 2>&1) || fail "ktgtadm.8 example: $out"
log "ktgtadm.8 example: $(tail -n1 <<< "$out")"
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
expect_eq "$(blockdev --getsize64 "$dev")" $((32 << 20)) \
	"the man page's LUN 0 is /srv/disk01.img"
"$ADM" write /tmp/man-w.conf || fail "write"
out=$("$ADM" apply /tmp/man-w.conf 2>&1) || fail "apply of write: $out"
grep -q 'nothing to do' <<< "$out" || fail "write then apply: $out"
out=$("$ADM" apply /tmp/empty.conf 2>&1) || fail "apply of nothing: $out"
[ -e "$CFS/targets/local/t0" ] && fail "t0 left after applying nothing"

# --- ktgtadm.rst -------------------------------------------------------------
{
	rst_block "$DOC/ktgtadm.rst" "Keywords are upper case"
	rst_block "$DOC/ktgtadm.rst" "As in SCST"
} > /tmp/rst.conf
grep -q '^DEVICE_GROUP' /tmp/rst.conf || fail "no DEVICE_GROUP example"
log "ktgtadm.rst example: $(wc -l < /tmp/rst.conf) lines"
out=$("$ADM" check /tmp/rst.conf 2>&1) || fail "check: $out"
out=$("$ADM" apply /tmp/rst.conf 2>&1) || fail "ktgtadm.rst example: $out"
log "ktgtadm.rst example: $(tail -n1 <<< "$out")"
d=$CFS/handlers/vdisk_fileio/disk01
t=$CFS/targets/iscsi/iqn.2026-11.org.example:disk01
expect_eq "$(cat "$d/blocksize")" 4096 "disk01 blocksize"
expect_eq "$(cat "$d/vendor_id")" "ACME CO" "disk01 vendor_id"
expect_eq "$(cat "$d/enable")" 1 "disk01 enabled"
expect_eq "$(cat "$CFS/targets/iscsi/auth_user")" disco "discovery auth_user"
expect_eq "$(cat "$t/enable")" 1 "target enabled"
expect_eq "$(cat "$t/auth_user")" joe "target auth_user"
[ -e "$t/portals/0.0.0.0:3260" ] || fail "no portal: $(ls "$t/portals")"
expect_eq "$(readlink -f "$t/luns/0/device")" "$d" "LUN 0"
[ -d "$t/groups/hosts/initiators/iqn.1993-08.org.debian:01:*" ] ||
	fail "no initiator pattern: $(ls "$t/groups/hosts/initiators")"
expect_eq "$(cat "$t/groups/hosts/luns/0/read_only")" 1 "group LUN read_only"
expect_eq "$(readlink -f "$CFS/alua/dg1/devices/disk01")" "$d" "dg1 device"
tg=$CFS/alua/dg1/target_groups/tg1
expect_eq "$(cat "$tg/group_id")" 1 "tg1 group_id"
expect_eq "$(cat "$tg/state")" active "tg1 state"
expect_eq "$(cat "$tg/preferred")" 0 "tg1 preferred"
expect_eq "$(readlink -f "$tg/targets/iqn.2026-11.org.example:disk01")" "$t" \
	"tg1 target"
out=$("$ADM" apply /tmp/rst.conf 2>&1) || fail "apply again: $out"
grep -q 'nothing to do' <<< "$out" || fail "apply again: $out"
# "ktgtadm stats": one line per device (-i 0: the totals).
out=$("$ADM" stats -i 0 2>&1) || fail "stats: $out"
grep -q '^device disk01 .*reads' <<< "$out" || fail "stats: $out"

# --- iscsi.rst ---------------------------------------------------------------
# The defaults of a new target's attributes, "(N)" in the table.
sed -n '/^Under ``\/sys\/kernel\/config\/ktgt\/targets\/iscsi/,/^Out-of-range/p' \
	"$DOC/iscsi.rst" | awk '
	/^=+ +=+$/ { tbl++; next }
	tbl == 1 && /^``[A-Za-z0-9_]+`` / {
		name = $1; gsub(/`/, "", name)
		rest = substr($0, length($1) + 1)
		if (match(rest, /\([^)]*\)/)) {
			v = substr(rest, RSTART + 1, RLENGTH - 2)
			gsub(/`/, "", v)
			print name, v
		}
	}' > /tmp/iscsi-defaults
[ "$(wc -l < /tmp/iscsi-defaults)" -ge 10 ] ||
	fail "iscsi.rst's defaults not found: $(cat /tmp/iscsi-defaults)"
t2=$CFS/targets/iscsi/iqn.2026-11.org.example:defaults
run_ok "mkdir iSCSI target" mkdir "$t2"
while read -r name want; do
	expect_eq "$(cat "$t2/$name")" "$want" "iscsi.rst: default $name"
done < /tmp/iscsi-defaults
log "iscsi.rst defaults: $(tr '\n' ' ' < /tmp/iscsi-defaults)"
expect_eq "$( { echo 511 > "$t2/MaxBurstLength"; } 2>&1 | sed 's/.*: //')" \
	"Invalid argument" "MaxBurstLength 511"
run_ok "rmdir iSCSI target" rmdir "$t2"

pass "documentation examples"
