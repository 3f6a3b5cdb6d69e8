#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# APTPL state files (core/pr_file.c) and the names, directories and file
# types they meet; every check runs, the test fails at the end if any
# failed.
# A. Names: a device's temporary file (<pr_dir>/.<device>.tmp) is never
#    another device's state file: devices "lu" and "lu.tmp" both keep
#    their registrations across a reload. A device name starting with
#    '.' or longer than 250 bytes is refused at mkdir; a 250-byte one
#    saves and restores its state.
# B. Context: pr_dir must be an absolute path (modprobe and a write of
#    the parameter refuse another); the state file is loaded where it is
#    saved, whatever the mount namespace of the process that enables the
#    device.
# C. File types: a FIFO where a state file is read gives a log line and
#    no registrations instead of blocking the enable; a FIFO where the
#    temporary file goes is replaced instead of blocking the save.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

PRDIR=/tmp/ktgt-pr
PARAM=/sys/module/ktgt_core/parameters/pr_dir
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

# --- B. context ---
modprobe ktgt_core pr_dir=rel-pr 2>/dev/null && {
	check "loaded" "refused" "B: modprobe ktgt_core pr_dir=rel-pr"
	rmmod ktgt_core
}
up
ktgt_try_write "$PARAM" rel-pr
check "$?" 1 "B: writing a relative pr_dir"
check "$(cat "$PARAM")" "$PRDIR" "B: pr_dir after the refused write"
# lu's file (0xa) is in init's mount namespace; enable from one in which
# pr_dir is an empty tmpfs.
mkdir "$H/lu" || fail "mkdir lu"
ktgt_set_attrs "$H/lu" size=$((16 << 20)) serial=LU
unshare -m sh -c "mount -t tmpfs none $PRDIR && echo 1 > $H/lu/enable" ||
	fail "enable from a private mount namespace"
check "$(ktgt_pr_keys "$(nexus lu a)")" "0xa " \
	"B: lu's keys, enabled from another mount namespace"
down

# --- C. file types ---
up
rm -f "$PRDIR"/*
mkfifo "$PRDIR/f"
mkdir "$H/f" || fail "mkdir f"
ktgt_set_attrs "$H/f" size=$((16 << 20)) serial=F
dmesg -C
timeout 20 sh -c "echo 1 > $H/f/enable"
check "$?" 0 "C: enable with a FIFO as the state file"
if [ "$(cat "$H/f/enable")" != 1 ]; then
	# Old code: unblock it.
	echo > "$PRDIR/f" &
	sleep 1
fi
dmesg | grep -q 'f: cannot read the persistent reservation file .*not a regular file' ||
	check "$(dmesg | tail -2 | tr '\n' ' ')" "a log line" "C: the FIFO's log"
rm -f "$PRDIR/f"
sgf=$(nexus f a)
check "$(ktgt_pr_keys "$sgf")" "" "C: no registrations from a FIFO"
# FIFOs where this code and older code put the temporary file.
mkfifo "$PRDIR/.f.tmp" "$PRDIR/f.tmp"
rc=$(timeout 20 sg_persist -n -o -G -S f -Z "$sgf" > /dev/null 2>&1; echo $?)
check "$rc" 0 "C: REGISTER APTPL with FIFOs at the temporary file names"
if [ "$rc" = 124 ]; then
	cat "$PRDIR/f.tmp" > /dev/null &
	sleep 2
fi
[ -f "$PRDIR/f" ] || check "$(ls -lA "$PRDIR")" "a file f" "C: the state file"
[ -p "$PRDIR/f.tmp" ] || check "$(ls -lA "$PRDIR")" "a FIFO f.tmp" "C: another device's name"
rm -f "$PRDIR"/* "$PRDIR"/.f.tmp
down

[ "$bad" = 0 ] || fail "see the FAIL lines above"
pass
