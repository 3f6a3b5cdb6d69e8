#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Targets, LUNs, initiator groups and patterns through configfs, on a
# disabled target: LUN numbers are validated; a LUN maps one enabled
# device by a symlink; a mapped device can be neither disabled nor
# removed; LUN directories, groups and targets cannot be removed while
# they have contents; initiator patterns are validated; nr_luns counts
# the mappings; driver and handler modules are held by their objects;
# everything can be torn down again.
. "$KTGT_REPO/tests/lib/guest.sh"

H=$KTGT_CFS/handlers
DEVS=$KTGT_SYSFS/devices

wr() {
	printf '%s\n' "$2" > "$1"
}

# expect_err WHAT ERRTEXT CMD...: CMD must fail with strerror text ERRTEXT.
expect_err() {
	local what=$1 err=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "$what: '$*' succeeded, expected '$err'"
	fi
	case "$out" in
	*"$err"*) ;;
	*) fail "$what: '$*' failed with '$out', expected '$err'" ;;
	esac
}

nr_luns() {
	cat "$DEVS/$1/nr_luns"
}

ktgt_load ktgt_vdisk ktgt_local

log "devices: d0 enabled, d1 disabled"
D0=$H/vdisk_nullio/d0
D1=$H/vdisk_nullio/d1
run_ok "mkdir d0" mkdir "$D0"
run_ok "d0 size" wr "$D0/size" 1048576
run_ok "enable d0" wr "$D0/enable" 1
run_ok "mkdir d1" mkdir "$D1"
run_ok "d1 size" wr "$D1/size" 1048576

log "a target"
[ -d "$KTGT_CFS/targets/local" ] || fail "targets/local missing"
T=$KTGT_CFS/targets/local/t0
run_ok "mkdir target" mkdir "$T"
[ -d "$T/luns" ] || fail "target has no luns/"
[ -d "$T/groups" ] || fail "target has no groups/"
expect_eq "$(cat "$T/enable")" 0 "new target enable"
expect_err "target enable=2" "Invalid argument" wr "$T/enable" 2
expect_eq "$(cat "$T/enable")" 0 "target enable after refused write"

log "LUN numbers"
for n in 16384 99999 -1 abc 007 00 +1 1.0 0x1 4294967296; do
	expect_err "mkdir luns/$n" "Invalid argument" mkdir "$T/luns/$n"
	[ ! -e "$T/luns/$n" ] || fail "refused luns/$n exists"
done
for n in 0 5 16383; do
	run_ok "mkdir luns/$n" mkdir "$T/luns/$n"
	expect_eq "$(cat "$T/luns/$n/read_only")" 0 "luns/$n read_only"
done

log "mapping"
expect_err "link to disabled d1" "No such device" \
	ln -s "$D1" "$T/luns/0/device"
[ ! -e "$T/luns/0/device" ] && [ ! -L "$T/luns/0/device" ] ||
	fail "refused link exists"
expect_eq "$(nr_luns d1)" 0 "d1 nr_luns after refused link"
expect_err "link to a non-device" "Invalid argument" \
	ln -s "$KTGT_CFS/targets/local" "$T/luns/0/device"
expect_err "link outside configfs" "Operation not permitted" \
	ln -s /tmp "$T/luns/0/device"
run_ok "link luns/0 -> d0" ln -s "$D0" "$T/luns/0/device"
[ "$(readlink -f "$T/luns/0/device")" = "$(readlink -f "$D0")" ] ||
	fail "luns/0/device does not point at d0"
expect_eq "$(nr_luns d0)" 1 "d0 nr_luns after one link"
expect_err "second link to d0" "File exists" \
	ln -s "$D0" "$T/luns/0/device2"
run_ok "enable d1" wr "$D1/enable" 1
expect_err "second link to d1" "File exists" \
	ln -s "$D1" "$T/luns/0/other"
expect_eq "$(nr_luns d0)" 1 "d0 nr_luns after refused second link"
expect_eq "$(nr_luns d1)" 0 "d1 nr_luns after refused second link"
run_ok "link luns/5 -> d0" ln -s "$D0" "$T/luns/5/device"
run_ok "link luns/16383 -> d1" ln -s "$D1" "$T/luns/16383/device"
expect_eq "$(nr_luns d0)" 2 "d0 nr_luns after two links"
expect_eq "$(nr_luns d1)" 1 "d1 nr_luns"

log "a mapped device is held"
expect_err "disable mapped d0" "Device or resource busy" wr "$D0/enable" 0
expect_eq "$(cat "$D0/enable")" 1 "d0 enable after refused disable"
expect_err "rmdir mapped d0" "Device or resource busy" rmdir "$D0"
[ -d "$D0" ] || fail "mapped d0 removed"
[ -d "$DEVS/d0" ] || fail "sysfs of mapped d0 removed"
expect_err "blocksize of mapped d0" "Device or resource busy" \
	wr "$D0/blocksize" 4096
expect_err "rmdir of a LUN with its link" "Directory not empty" \
	rmdir "$T/luns/0"
expect_err "rmdir of a target with LUNs" "Directory not empty" rmdir "$T"

log "LUN read_only"
run_ok "read_only=1" wr "$T/luns/0/read_only" 1
expect_eq "$(cat "$T/luns/0/read_only")" 1 "LUN read_only"
for v in 2 abc -1 ""; do
	expect_err "LUN read_only=$v" "Invalid argument" \
		wr "$T/luns/0/read_only" "$v"
	expect_eq "$(cat "$T/luns/0/read_only")" 1 \
		"LUN read_only after refused '$v'"
done
run_ok "read_only=0" wr "$T/luns/0/read_only" 0
expect_eq "$(cat "$T/luns/5/read_only")" 0 "other LUN read_only"

log "groups and initiator patterns"
G=$T/groups/g0
run_ok "mkdir group" mkdir "$G"
[ -d "$G/initiators" ] || fail "group has no initiators/"
[ -d "$G/luns" ] || fail "group has no luns/"
long=$(printf 'i%.0s' $(seq 223))
for p in 'iqn.2024-01.org.example:host1' 'naa.5*' 'local:t[0-9]' \
	 'a?c' '*' "$long"; do
	run_ok "pattern '${p:0:40}'" mkdir "$G/initiators/$p"
done
for p in "${long}x" 'a b' "$(printf 'a\tb')"; do
	expect_err "pattern '${p:0:40}'" "Invalid argument" \
		mkdir "$G/initiators/$p"
done
expect_eq "$(ls "$G/initiators" | wc -l)" 6 "patterns in g0"
run_ok "mkdir group LUN" mkdir "$G/luns/0"
expect_err "group LUN 16384" "Invalid argument" mkdir "$G/luns/16384"
run_ok "group link -> d0" ln -s "$D0" "$G/luns/0/device"
expect_eq "$(nr_luns d0)" 3 "d0 nr_luns with a group LUN"
expect_err "group second link" "File exists" ln -s "$D1" "$G/luns/0/x"
expect_err "rmdir non-empty group" "Directory not empty" rmdir "$G"
run_ok "mkdir second group" mkdir "$T/groups/g1"
run_ok "rmdir empty group" rmdir "$T/groups/g1"

log "modules are held by their objects"
expect_err "rmmod ktgt_local with a target" "in use" rmmod ktgt_local
expect_err "rmmod ktgt_vdisk with devices" "in use" rmmod ktgt_vdisk
lsmod | grep -q '^ktgt_local ' || fail "ktgt_local unloaded"
lsmod | grep -q '^ktgt_vdisk ' || fail "ktgt_vdisk unloaded"

log "unmapping"
run_ok "rm group link" rm "$G/luns/0/device"
expect_eq "$(nr_luns d0)" 2 "d0 nr_luns after group unlink"
run_ok "relink group LUN" ln -s "$D1" "$G/luns/0/device"
expect_eq "$(nr_luns d1)" 2 "d1 nr_luns after relink"
run_ok "rm group link again" rm "$G/luns/0/device"
run_ok "rmdir group LUN" rmdir "$G/luns/0"
for p in "$G"/initiators/*; do
	run_ok "rmdir pattern" rmdir "$p"
done
run_ok "rmdir group" rmdir "$G"
run_ok "rm luns/0/device" rm "$T/luns/0/device"
run_ok "rm luns/5/device" rm "$T/luns/5/device"
expect_eq "$(nr_luns d0)" 0 "d0 nr_luns after unlinking"
run_ok "disable unmapped d0" wr "$D0/enable" 0
expect_err "link to d0 now disabled" "No such device" \
	ln -s "$D0" "$T/luns/0/device"
expect_err "rmdir of a target with LUNs" "Directory not empty" rmdir "$T"
run_ok "rm luns/16383/device" rm "$T/luns/16383/device"
for n in 0 5 16383; do
	run_ok "rmdir luns/$n" rmdir "$T/luns/$n"
done
run_ok "rmdir target" rmdir "$T"
run_ok "rmdir d0" rmdir "$D0"
run_ok "rmdir enabled d1" rmdir "$D1"

log "unload"
run_ok "rmmod ktgt_local" rmmod ktgt_local
run_ok "rmmod ktgt_vdisk" rmmod ktgt_vdisk
[ -z "$(ls "$KTGT_CFS/targets")" ] || fail "targets/ not empty"
run_ok "rmmod ktgt_core" rmmod ktgt_core
pass
