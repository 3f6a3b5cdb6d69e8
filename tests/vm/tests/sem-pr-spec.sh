#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# SPEC_I_PT in PERSISTENT RESERVE OUT REGISTER (SPC-4 5.13.7, 6.16.3)
# over three local nexuses a, b and c to one logical unit (the local
# target's TransportIDs: protocol Fh, the initiator name as in iSCSI
# format 00b, e.g. "local:b"):
# - a registers itself and local:b and local:c with ALL_TG_PT: one
#   PRgeneration step, b can then RESERVE with the key through its own
#   target port;
# - all or nothing: a list with a valid and an invalid TransportID (wrong
#   protocol, bad ADDITIONAL LENGTH) registers nobody and gets INVALID
#   FIELD IN PARAMETER LIST; a TRANSPORTID PARAMETER DATA LENGTH past the
#   list gets PARAMETER LIST LENGTH ERROR; naming a registered port gets
#   INVALID FIELD IN PARAMETER LIST; so does SPEC_I_PT from a registered
#   nexus with its key (a wrong key: RESERVATION CONFLICT, SPC-4 table
#   67);
# - without ALL_TG_PT the ports are registered through a's target port
#   only: b is not registered through its own.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

pr() { ktgt_pr "$@"; }
gen() { ktgt_pr_gen "$1"; }
keys() { ktgt_pr_keys "$1"; }
hx() { printf "\\x$(printf %02x "$1")"; }
# tid NAME [BYTE0 [ADDL]]: a TransportID carrying NAME, NUL-padded to a
# multiple of 4 (at least 24 bytes); ADDL overrides ADDITIONAL LENGTH
tid() {
	local n=$(( (${#1} + 4) / 4 * 4 ))
	[ $n -ge 20 ] || n=20
	hx "$(( ${2:-15} ))"; hx 0; hx 0; hx "$(( ${3:-n} ))"
	printf '%s' "$1"
	head -c $((n - ${#1})) /dev/zero
}
# sip SG SARK FLAGS TIDLEN [TID...]: REGISTER with the parameter list
# built from them (decimal numbers; SARK: one byte, so 16 is sg_persist's
# key 10; RESERVATION KEY: $SIP_RK, one byte, 0 if unset); ktgt_status's
# outcome
sip() {
	local sg=$1 sark=$2 flags=$3 tlen=$4 n
	shift 4
	{
		head -c 7 /dev/zero; hx "${SIP_RK:-0}"
		head -c 7 /dev/zero; hx "$sark"
		head -c 4 /dev/zero; hx "$flags"; head -c 3 /dev/zero
		hx 0; hx 0; hx 0; hx "$tlen"
		for t in "$@"; do cat "$t"; done
	} > /tmp/sip.bin
	n=$(stat -c %s /tmp/sip.bin)
	ktgt_status "$sg" -s "$n" -i /tmp/sip.bin \
		5f 00 00 00 00 00 00 00 "$(printf %02x "$n")" 00
}

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SPECIPT
ktgt_local_nexuses vdisk_nullio/lu a b c
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]} sgc=${KTGT_NEXUS[c]}
for sg in "$sga" "$sgb" "$sgc"; do
	ktgt_tur "$sg" > /dev/null
done
tid local:b > /tmp/tid-b
tid local:c > /tmp/tid-c
tid iqn.2026-11.org.example:x 5 > /tmp/tid-iscsi
tid local:c 15 19 > /tmp/tid-badlen

expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Specify Initiator Ports Capable(SIP_C): 1' /tmp/sem-pr.out ||
	fail "SIP_C not reported: $(cat /tmp/sem-pr.out)"

# --- all or nothing ---
expect_eq "$(sip "$sga" 16 12 56 /tmp/tid-b /tmp/tid-iscsi)" "02 05/26/00" \
	"an iSCSI TransportID through the local target"
expect_eq "$(sip "$sga" 16 12 48 /tmp/tid-b /tmp/tid-badlen)" "02 05/26/00" \
	"ADDITIONAL LENGTH not a multiple of 4"
expect_eq "$(sip "$sga" 16 12 48 /tmp/tid-b)" "02 05/1a/00" \
	"TRANSPORTID PARAMETER DATA LENGTH past the list"
expect_eq "$(keys "$sgc")" "" "nobody registered by the refused commands"
expect_eq "$(gen "$sgc")" 0x0 "PRgeneration unchanged"
expect_eq "$(ktgt_status "$sga" -s 24 -i /tmp/sip.bin \
	5f 00 00 00 00 00 00 00 18 00)" "02 05/1a/00" \
	"SPEC_I_PT with a 24-byte list"

# --- SPEC_I_PT with ALL_TG_PT ---
expect_eq "$(sip "$sga" 16 12 48 /tmp/tid-b /tmp/tid-c)" GOOD \
	"a: REGISTER 0x10 with local:b and local:c, ALL_TG_PT"
expect_eq "$(keys "$sgc")" "0x10 0x10 0x10 " "three registrations"
expect_eq "$(gen "$sgc")" 0x1 "one PRgeneration step"
rm -f /tmp/fs.bin
sg_raw -r 512 -o /tmp/fs.bin "$sgc" 5e 03 00 00 00 00 00 02 00 00 \
	> /dev/null 2>&1 || fail "READ FULL STATUS"
grep -aq 'local:b' /tmp/fs.bin && grep -aq 'local:c' /tmp/fs.bin ||
	fail "READ FULL STATUS: $(strings /tmp/fs.bin)"
expect_eq "$(pr "$sgb" -o -R -K 10 -T 1)" 0 "b: RESERVE with the key"
expect_eq "$(pr "$sgb" -o -L -K 10 -T 1)" 0 "b: RELEASE"
expect_eq "$(sip "$sgb" 17 8 24 /tmp/tid-c)" CONFLICT \
	"SPEC_I_PT from a registered nexus with a wrong RESERVATION KEY"
expect_eq "$(SIP_RK=16 sip "$sgb" 17 8 24 /tmp/tid-c)" "02 05/26/00" \
	"SPEC_I_PT from a registered nexus with its key"
expect_eq "$(keys "$sgc")" "0x10 0x10 0x10 " "nothing changed"
expect_eq "$(pr "$sgc" -o -C -K 10)" 0 "c: CLEAR"
ktgt_tur "$sga" > /dev/null
ktgt_tur "$sgb" > /dev/null

# --- a registered port; no ALL_TG_PT ---
expect_eq "$(pr "$sgc" -o -G -S c -Y)" 0 "c: REGISTER 0xc, ALL_TG_PT"
expect_eq "$(sip "$sga" 16 8 48 /tmp/tid-b /tmp/tid-c)" "02 05/26/00" \
	"naming a port registered through every target port"
expect_eq "$(keys "$sgc")" "0xc " "nobody registered by it"
expect_eq "$(sip "$sga" 16 8 24 /tmp/tid-b)" GOOD \
	"a: REGISTER 0x10 with local:b through a's port"
expect_eq "$(keys "$sgc")" "0xc 0x10 0x10 " "READ KEYS"
expect_eq "$(pr "$sgb" -o -R -K 10 -T 1)" 24 \
	"b is not registered through its own port"
expect_eq "$(pr "$sgb" -o -G -S b)" 0 "b: REGISTER through its own port"
expect_eq "$(keys "$sgc")" "0xc 0x10 0x10 0xb " "READ KEYS"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
