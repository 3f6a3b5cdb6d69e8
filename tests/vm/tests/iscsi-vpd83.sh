#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# The Device Identification VPD page (83h) of an LU reached through the
# iSCSI target ends with the relative target port designator, which
# names the port's protocol (PROTOCOL IDENTIFIER 5h, PIV = 1: 51h 94h),
# and two
# SCSI name string designators (SPC-4 7.8.6.11; PROTOCOL IDENTIFIER 5h
# iSCSI, UTF-8, PIV = 1), as LIO reports them: the target port (53h 98h)
# "<target name>,t,0x<TPGT as 4 hex digits>" and the SCSI target device
# (53h A8h) "<target name>", each null terminated and padded to a
# multiple of 4 bytes. Checked byte for byte with sg_raw and through
# sg_vpd's decoding, for a target with TPGT 300 (0x012c) and for one
# with the longest iSCSI name (223 bytes: a 552-byte page, past the old
# 256-byte buffer); the page length field matches the bytes returned.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

SHORT=iqn.2026-11.org.ktgt:vpd83
LONG=iqn.2026-11.org.ktgt:$(printf 'x%.0s' $(seq 1 202))
P4=$(iscsi_portal 127.0.0.1)
T=$(mktemp -d /tmp/vpd83.XXXXXX) || fail "mktemp"
trap 'iscsi_cleanup; rm -rf "$T"' EXIT

[ "${#LONG}" -eq 223 ] || fail "the long name has ${#LONG} bytes"

# name_desig ASSOC_BYTE STRING: a SCSI name string designator as hex.
name_desig() {
	local n=$((${#2} + 1)) s
	n=$(((n + 3) / 4 * 4))
	s=$(printf '%s' "$2" | xxd -p | tr -d '\n')
	s+=$(printf '%*s' $(((n - ${#2}) * 2)) '' | tr ' ' 0)
	printf '53%s00%02x%s' "$1" "$n" "$s"
}

# check IQN TPGT: log in to IQN, check its LUN 0's VPD 83h, log out.
check() {
	local iqn=$1 tpgt=$2 dev hex want rtpi len vpd
	log "VPD 83h through $iqn (TPGT $tpgt)"
	iscsi_login "$iqn" "$P4"
	dev=$(iscsi_wait_lun "$iqn" 0)
	rm -f "$T/vpd"
	sg_raw -r 1024 -o "$T/vpd" "$dev" 12 01 83 04 00 00 >/dev/null 2>&1 ||
		fail "INQUIRY VPD 83h on $dev"
	hex=$(xxd -p "$T/vpd" | tr -d '\n')
	len=$((0x${hex:4:4}))
	expect_eq "$((${#hex} / 2))" "$((len + 4))" \
		"bytes returned for page length $len"
	rtpi=$(printf %04x "$(cat "$KTGT_CFS/targets/iscsi/$iqn/rel_tgt_id")")
	want="51940004""0000$rtpi"
	want+=$(name_desig 98 "$iqn,t,0x$(printf %04x "$tpgt")")
	want+=$(name_desig a8 "$iqn")
	[[ $hex == *"$want" ]] ||
		fail "VPD 83h through $iqn does not end with the RTPI and name designators:
    got  $hex
    want ...$want"
	vpd=$(sg_vpd -p di "$dev") || fail "sg_vpd -p di $dev"
	echo "$vpd" | sed 's/^/    /'
	grep -qx " *$iqn,t,0x$(printf %04x "$tpgt")" <<< "$vpd" ||
		fail "sg_vpd: no target port name $iqn,t,0x$(printf %04x "$tpgt")"
	grep -qx " *$iqn" <<< "$vpd" || fail "sg_vpd: no target device name $iqn"
	grep -q 'Target device that contains addressed lu' <<< "$vpd" ||
		fail "sg_vpd: no target device designator"
	grep -A2 'Relative target port' <<< "$vpd" |
		grep -q 'transport: Internet SCSI' ||
		fail "sg_vpd: the relative target port names no iSCSI transport"
	iscsi_logout "$iqn" "$P4"
	iscsi_tgt_wait_conns 0 10
}

iscsi_tgt_setup
iscsi_tgt_mkdisk vpd0 "$T/vpd0.img" 8M
iscsi_tgt_mkdisk vpd1 "$T/vpd1.img" 8M
iscsi_tgt_mktarget "$SHORT" 127.0.0.1
ktgt_write "$KTGT_CFS/targets/iscsi/$SHORT/tpgt" 300
iscsi_tgt_maplun "$SHORT" 0 vpd0
iscsi_tgt_enable "$SHORT"
iscsi_tgt_mktarget "$LONG" 127.0.0.1
iscsi_tgt_maplun "$LONG" 0 vpd1
iscsi_tgt_enable "$LONG"
iscsi_ini_start
iscsi_discover "$P4" > /dev/null

check "$SHORT" 300
check "$LONG" "$(cat "$KTGT_CFS/targets/iscsi/$LONG/tpgt")"

iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
rm -rf "$T"
pass
