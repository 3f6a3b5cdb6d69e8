#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm and the forms the kernel shows values in:
#  A. a device with naa_id in upper case (configfs shows lower case) and
#     an iSCSI target with HeaderDigest "None,CRC32C" (shown
#     "CRC32C,None"): applying the same file again, and applying what
#     `ktgtadm write` wrote, is "nothing to do" (exit 0), and the LUN the
#     local session uses is not re-created.
#  B. a new device with "write_through yes" and a new iSCSI target with
#     "InitialR2T on": applied from nothing (the core's booleans take only
#     0/1), and again as "nothing to do".
#  C. FirstBurstLength 524288 with MaxBurstLength 1048576 (above the
#     default 262144): applied from nothing from the file `write` wrote
#     (First listed before Max), lowered to 4096/8192 from a file that
#     lists Max first, and re-created with its values by the undo of a
#     failed apply that had removed the target.
# Each part logs what goes wrong and the test fails at the end, so that
# one run shows every failure.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgtadm_use_tree
[ -x "$KTGTADM_ISCSID" ] || skip "no $KTGTADM_ISCSID"
modinfo ktgt_iscsi > /dev/null 2>&1 || skip "no ktgt_iscsi module"

bad=0
bad() {
	echo "FAIL: $*"
	bad=1
}

# check_eq ACTUAL EXPECTED WHAT
check_eq() {
	[ "$1" = "$2" ] || bad "$3: expected '$2', got '$1'"
}

# nothing_to_do WHAT FILE: applying FILE must change nothing.
nothing_to_do() {
	local out rc

	out=$("$ADM" apply "$2" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/    /'
	[ "$rc" = 0 ] || { bad "$1: exit $rc: $out"; return; }
	echo "$out" | grep -q "nothing to do" || bad "$1: not nothing to do: $out"
}

ktgt_initiator_load
C=$KTGT_CFS
IQN=iqn.2026-11.org.example:values
truncate -s 16M /tmp/v0.img /tmp/v1.img || fail "truncate"
echo "# nothing" > /tmp/empty.conf

log "A: naa_id in upper case, HeaderDigest None,CRC32C"
cat > /tmp/a.conf <<CONF
HANDLER vdisk_fileio {
	DEVICE v0 {
		filename /tmp/v0.img
		naa_id 6001405ABCDEF0123456789ABCDEF012
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 v0
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		enabled 1
		HeaderDigest "None,CRC32C"
		DataDigest "None,CRC32C"
		PORTAL 127.0.0.1:3260
	}
}
CONF
out=$("$ADM" apply /tmp/a.conf 2>&1) || fail "apply a.conf: $out"
expect_eq "$(cat $C/handlers/vdisk_fileio/v0/naa_id)" \
	6001405abcdef0123456789abcdef012 "naa_id shown"
expect_eq "$(cat $C/targets/iscsi/$IQN/HeaderDigest)" "CRC32C,None" \
	"HeaderDigest shown"
ino=$(stat -c %i $C/targets/local/t0/luns/0)
nothing_to_do "re-apply of a.conf" /tmp/a.conf
"$ADM" write /tmp/aw.conf || fail "write"
grep -q "naa_id 6001405abcdef" /tmp/aw.conf || fail "written naa_id"
nothing_to_do "apply of the written a.conf" /tmp/aw.conf
"$ADM" apply --force /tmp/a.conf > /dev/null 2>&1
check_eq "$(stat -c %i $C/targets/local/t0/luns/0)" "$ino" \
	"LUN 0 not re-created by apply --force of the same file"
"$ADM" apply /tmp/empty.conf > /dev/null || fail "apply empty"

log "B: boolean words on new objects"
cat > /tmp/b.conf <<CONF
HANDLER vdisk_fileio {
	DEVICE v1 {
		filename /tmp/v1.img
		write_through yes
		blocksize 0x1000
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		InitialR2T on
		PORTAL 127.0.0.1:3260
	}
}
CONF
out=$("$ADM" apply /tmp/b.conf 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
if [ "$rc" = 0 ]; then
	check_eq "$(cat $C/handlers/vdisk_fileio/v1/write_through)" 1 \
		"write_through of the new device"
	check_eq "$(cat $C/targets/iscsi/$IQN/InitialR2T)" Yes \
		"InitialR2T of the new target"
	nothing_to_do "re-apply of b.conf" /tmp/b.conf
else
	bad "apply of b.conf from nothing: exit $rc: $out"
fi
"$ADM" apply /tmp/empty.conf > /dev/null || fail "apply empty"

log "C: FirstBurstLength and MaxBurstLength"
cat > /tmp/c.conf <<CONF
TARGET_DRIVER iscsi {
	TARGET $IQN {
		MaxBurstLength 1048576
		FirstBurstLength 524288
		PORTAL 127.0.0.1:3260
	}
}
CONF
T=$C/targets/iscsi/$IQN
out=$("$ADM" apply /tmp/c.conf 2>&1) || bad "apply c.conf: $out"
"$ADM" write /tmp/cw.conf || fail "write"
grep -n "Burst" /tmp/cw.conf | sed 's/^/    /'
"$ADM" apply /tmp/empty.conf > /dev/null || fail "apply empty"
out=$("$ADM" apply /tmp/cw.conf 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
if [ "$rc" = 0 ]; then
	check_eq "$(cat $T/MaxBurstLength) $(cat $T/FirstBurstLength)" \
		"1048576 524288" "Max/First applied from nothing"
else
	bad "apply of the written file from nothing: exit $rc: $out"
fi
# The running target set up by hand (Max first) for the next parts.
burst_target() {
	"$ADM" apply /tmp/empty.conf > /dev/null || fail "apply empty"
	mkdir "$T" && echo 1048576 > "$T/MaxBurstLength" &&
		echo 524288 > "$T/FirstBurstLength" &&
		mkdir "$T/portals/127.0.0.1:3260" || fail "target by hand"
}
burst_target
sed -e 's/1048576/8192/' -e 's/524288/4096/' /tmp/c.conf > /tmp/c2.conf
out=$("$ADM" apply /tmp/c2.conf 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
[ "$rc" = 0 ] || bad "lowering Max/First: exit $rc: $out"
check_eq "$(cat $T/MaxBurstLength) $(cat $T/FirstBurstLength)" "8192 4096" \
	"Max/First lowered"
burst_target
# The target goes, then a device fails to be enabled (its backing file
# does not exist): the undo re-creates the target.
cat > /tmp/c3.conf <<CONF
HANDLER vdisk_fileio {
	DEVICE v1 {
		filename /tmp/no-such-dir/v1.img
	}
}
CONF
out=$("$ADM" apply /tmp/c3.conf 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
check_eq "$rc" 3 "exit status of the undone apply"
echo "$out" | grep -q "could not undo" && bad "undo failed: $out"
check_eq "$(cat $T/MaxBurstLength 2>&1) $(cat $T/FirstBurstLength 2>&1)" \
	"1048576 524288" "Max/First after the undo"
"$ADM" apply /tmp/empty.conf > /dev/null || fail "apply empty"
sleep 1
ktgt_unload_all

[ "$bad" = 0 ] || fail "see above"
pass
