#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# APTPL state files (core/pr_file.c) and the device names they meet;
# every check runs, the test fails at the end if any failed.
# A. Names: a device's temporary file (<pr_dir>/.<device>.tmp) is never
#    another device's state file: devices "lu" and "lu.tmp" both keep
#    their registrations across a reload. A device name starting with
#    '.' or longer than 250 bytes is refused at mkdir; a 250-byte one
#    saves and restores its state.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

PRDIR=/tmp/ktgt-pr
H=$KTGT_CFS/handlers/vdisk_nullio
mkdir -p "$PRDIR"
bad=0
check() {
	[ "$1" = "$2" ] && return 0
	echo "FAIL: $3: expected '$2', got '$1'" >&2
	bad=1
}

up() {
	modprobe ktgt_core pr_dir="$PRDIR" || fail "modprobe ktgt_core"
	ktgt_load ktgt_vdisk
	modprobe ktgt_local || fail "modprobe ktgt_local"
	modprobe sg || fail "modprobe sg"
}
down() {
	ktgt_cleanup || fail "cleanup"
	ktgt_unload_all
}
# nexus DEVICE TARGET: a local target mapping DEVICE; its sg node.
nexus() {
	ktgt_local_nexuses "vdisk_nullio/$1" "$2"
	ktgt_tur "${KTGT_NEXUS[$2]}" > /dev/null
	echo "${KTGT_NEXUS[$2]}"
}
# mkdir_rc NAME: mkdir of device NAME, its status.
mkdir_rc() { mkdir "$H/$1" 2>/dev/null; echo $?; }

L250=$(printf 'L%.0s' $(seq 250))
L251=$(printf 'M%.0s' $(seq 251))

# --- A. names ---
up
ktgt_mkdev vdisk_nullio/lu.tmp size=$((16 << 20)) serial=TMP
ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=LU
ktgt_mkdev "vdisk_nullio/$L250" size=$((16 << 20)) serial=LONG
check "$(mkdir_rc "$L251")" 1 "A: mkdir of a 251-byte device name"
rmdir "$H/$L251" 2>/dev/null
check "$(mkdir_rc .lu)" 1 "A: mkdir of device '.lu'"
rmdir "$H/.lu" 2>/dev/null
dmesg | grep -q "ktgt_core: .lu: device names may not start with '.'" ||
	check "$(dmesg | tail -2)" "a log line" "A: '.lu' refused"
sgb=$(nexus lu.tmp b)
sga=$(nexus lu a)
sgl=$(nexus "$L250" l)
check "$(ktgt_pr "$sgb" -o -G -S b -Z)" 0 "A: lu.tmp: REGISTER 0xb APTPL"
check "$(ktgt_pr "$sga" -o -G -S a -Z)" 0 "A: lu: REGISTER 0xa APTPL"
check "$(ktgt_pr "$sgl" -o -G -S c -Z)" 0 "A: 250-byte name: REGISTER 0xc APTPL"
check "$(ls -A "$PRDIR" | sed 's/^L\{250\}$/L250/' | sort | tr '\n' ' ')" \
	"L250 lu lu.tmp " "A: the files in pr_dir (L250: the 250-byte name)"
down
dmesg -C
up
ktgt_mkdev vdisk_nullio/lu.tmp size=$((16 << 20)) serial=TMP
ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=LU
ktgt_mkdev "vdisk_nullio/$L250" size=$((16 << 20)) serial=LONG
check "$(ktgt_pr_keys "$(nexus lu.tmp b)")" "0xb " "A: lu.tmp's keys after the reload"
check "$(ktgt_pr_keys "$(nexus lu a)")" "0xa " "A: lu's keys after the reload"
check "$(ktgt_pr_keys "$(nexus "$L250" l)")" "0xc " \
	"A: the 250-byte name's keys after the reload"
down

[ "$bad" = 0 ] || fail "see the FAIL lines above"
pass
