#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# vchanger over iSCSI (ktgt_iscsi, open-iscsi over loopback, mtx, st): a
# library of one changer LUN and two vtape drive LUNs; mtx status lists
# the barcodes (READ ELEMENT STATUS's data-in crosses the transport);
# tar onto cartridge A in drive 0, unload, B in drive 0 is blank and
# takes other data, A back in drive 1 reads A's data; MOVE MEDIUM's
# sense (MEDIUM DESTINATION ELEMENT FULL 05h/3Bh/0Dh, INVALID ELEMENT
# ADDRESS 05h/21h/01h) crosses the transport.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

for c in mtx mt tar sg_raw iscsiadm; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

IQN=iqn.2026-11.org.ktgt:library
P=$(iscsi_portal 127.0.0.1)
LIB=/tmp/ilib

elem() {
	mtx -f "$sgc" status 2>&1 | sed -e 's/ *$//' \
		-e 's/VolumeTag *= */VolumeTag=/' -e 's/^ *//' |
		grep -E "^$1:"
}

mkfiles() {
	local i
	mkdir -p "$1"
	for ((i = 0; i < 4; i++)); do
		head -c $((3000 + (i * 7919 + $2 * 104729) % 9000)) \
			/dev/urandom > "$1/f$i"
	done
}

tape_ready() {
	local i
	for ((i = 0; i < 50; i++)); do
		mt -f "/dev/n$1" status 2>&1 | grep -q ONLINE && return 0
		sleep 0.2
	done
	fail "/dev/n$1 not ready: $(mt -f "/dev/n$1" status 2>&1)"
}

ktgt_load ktgt_vtape ktgt_iscsi
ktgt_iscsid_start
rm -rf "$LIB"
mkdir -p "$LIB"
ktgt_mkdev vtape/d0 size_mb=16 enable=1
ktgt_mkdev vtape/d1 size_mb=16 enable=1
ktgt_mkdev vchanger/lib0 library_dir=$LIB slots=3 drives="d0 d1" \
	cartridges="AAA001 BBB002" enable=1
ktgt_iscsi_mktarget "$IQN" 127.0.0.1
ktgt_maplun "iscsi/$IQN" 0 vchanger/lib0
ktgt_maplun "iscsi/$IQN" 1 vtape/d0
ktgt_maplun "iscsi/$IQN" 2 vtape/d1
ktgt_iscsi_enable "$IQN"
iscsi_ini_start
modprobe st || fail "modprobe st"
iscsi_discover "$P" | grep -q "$IQN" || fail "discovery does not list $IQN"
iscsi_login "$IQN" "$P"
sess=$(iscsi_session_dirs "$IQN" | head -n1)
[ -n "$sess" ] || fail "no session"
host=$(iscsi_session_host "$sess")
sgc=$(ktgt_wait_disk -g host="$host" lun=0)
ktgt_wait_disk -g host="$host" lun=2 >/dev/null
st0=$(ktgt_wait_st "$(ktgt_find_disk host="$host" lun=1)") || exit 1
st1=$(ktgt_wait_st "$(ktgt_find_disk host="$host" lun=2)") || exit 1
log "library over iSCSI: changer $sgc, drives /dev/n$st0 /dev/n$st1"

mtx -f "$sgc" status
expect_eq "$(elem "Storage Element 2")" \
	"Storage Element 2:Full :VolumeTag=BBB002" "slot 2"
expect_eq "$(elem "Data Transfer Element 1")" \
	"Data Transfer Element 1:Empty" "drive 1"

mkfiles /tmp/a 1
mkfiles /tmp/b 2
run_ok "mtx load 1 0" mtx -f "$sgc" load 1 0
tape_ready "$st0"
run_ok "tar -c A" tar -cf "/dev/n$st0" -b 20 -C /tmp/a .
run_ok "mtx unload 1 0" mtx -f "$sgc" unload 1 0
run_ok "mtx load 2 0" mtx -f "$sgc" load 2 0
tape_ready "$st0"
mkdir -p /tmp/outb0 /tmp/outa
expect_fail "tar -x of blank B" tar -xf "/dev/n$st0" -b 20 -C /tmp/outb0
run_ok "mt rewind" mt -f "/dev/n$st0" rewind
run_ok "tar -c B" tar -cf "/dev/n$st0" -b 20 -C /tmp/b .
expect_eq "$(ktgt_sense_kaq "$sgc" a5 00 00 01 04 00 01 00 00 00 00 00)" \
	"05/3b/0d" "MOVE MEDIUM to the full drive 0"
expect_eq "$(ktgt_sense_kaq "$sgc" a5 00 00 01 04 00 01 07 00 00 00 00)" \
	"05/21/01" "MOVE MEDIUM to no element"
run_ok "mtx load 1 1" mtx -f "$sgc" load 1 1
expect_eq "$(elem "Data Transfer Element 1")" \
	"Data Transfer Element 1:Full (Storage Element 1 Loaded):VolumeTag=AAA001" \
	"drive 1"
tape_ready "$st1"
run_ok "tar -x A in drive 1" tar -xf "/dev/n$st1" -b 20 -C /tmp/outa
diff -r /tmp/a /tmp/outa || fail "cartridge A's data differs"

iscsi_ini_stop
ktgt_iscsi_teardown
ktgt_unload_all
pass
