#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# PERSISTENT RESERVE OUT REGISTER AND MOVE (SPC-4 5.13.8, 6.16.4) over
# local nexuses a, b and c to one logical unit; the destination's target
# port is named by its RELATIVE TARGET PORT IDENTIFIER (rel_tgt_id):
# - the holder a moves its WRITE EXCLUSIVE reservation to local:b through
#   b's port: b is registered with the new key and holds it, a stays
#   registered but may no longer write, one PRgeneration step;
# - b moves it back to local:a with UNREG: a, already registered, gets
#   the service action key in place of its own and holds it, b's
#   registration is gone;
# - a registered non-holder, a move to the issuer's own initiator port
#   (through its own target port or another), an unknown RELATIVE TARGET
#   PORT IDENTIFIER, a key of 0, an ALL REGISTRANTS reservation and no
#   reservation at all (INVALID FIELD IN CDB) are refused as SPC-4 5.13.8
#   says;
# - with 1024 registrations (REGISTER's limit, reached with SPEC_I_PT), a
#   move that would add a registration gets INSUFFICIENT REGISTRATION
#   RESOURCES and changes nothing; with UNREG, or to a registered port,
#   it needs no room and succeeds.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local || fail "modprobe ktgt_local"
modprobe sg || fail "modprobe sg"

pr() { ktgt_pr "$@"; }
gen() { ktgt_pr_gen "$1"; }
keys() { ktgt_pr_keys "$1"; }
holder() {	# SG: the reservation key and type READ RESERVATION reports
	pr "$1" -r > /dev/null
	sed -n 's/.*Key=\(0x[0-9a-f]*\).*/\1/p' /tmp/sem-pr.out
}
wr() { ktgt_status "$1" -s 4096 -i /dev/zero 2a 00 00 00 00 00 00 00 08 00; }
hx() { printf "\\x$(printf %02x "$1")"; }
# rk SG OFF: the big-endian word at OFF of READ KEYS' header (0: the
# PRgeneration, 4: ADDITIONAL LENGTH), without reading the keys
rk() {
	rm -f /tmp/rk.bin
	sg_raw -r 8 -o /tmp/rk.bin "$1" 5e 00 00 00 00 00 00 00 08 00 \
		> /dev/null 2>&1 || { echo "READ KEYS failed"; return; }
	od -An -tu4 --endian=big -j "$2" -N 4 /tmp/rk.bin | tr -d ' '
}
nregs() { echo $(( $(rk "$1" 4) / 8 )); }
# move SG RK SARK FLAGS RTPI NAME: REGISTER AND MOVE (keys: one byte)
# to initiator port NAME (a protocol Fh TransportID); ktgt_status's
# outcome
move() {
	{
		head -c 7 /dev/zero; hx "$2"; head -c 7 /dev/zero; hx "$3"
		hx 0; hx "$4"; hx $(($5 >> 8)); hx $(($5 & 255))
		hx 0; hx 0; hx 0; hx 24
		hx 15; hx 0; hx 0; hx 20
		printf '%s' "$6"; head -c $((20 - ${#6})) /dev/zero
	} > /tmp/move.bin
	ktgt_status "$1" -s 48 -i /tmp/move.bin 5f 07 00 00 00 00 00 00 30 00
}

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=PRMOVE
ktgt_local_nexuses vdisk_nullio/lu a b c
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]} sgc=${KTGT_NEXUS[c]}
for sg in "$sga" "$sgb" "$sgc"; do
	ktgt_tur "$sg" > /dev/null
done
rta=$(cat "$KTGT_CFS/targets/local/a/rel_tgt_id")
rtb=$(cat "$KTGT_CFS/targets/local/b/rel_tgt_id")
[ "$rta" -gt 0 ] && [ "$rtb" -gt 0 ] && [ "$rta" != "$rtb" ] ||
	fail "rel_tgt_id: a=$rta b=$rtb"

expect_eq "$(move "$sga" 10 11 0 "$rtb" local:b)" CONFLICT \
	"unregistered a: REGISTER AND MOVE"
expect_eq "$(pr "$sga" -o -G -S 10)" 0 "a: REGISTER 0x10"
expect_eq "$(move "$sga" 16 17 0 "$rtb" local:b)" "02 05/24/00" \
	"no reservation to move: INVALID FIELD IN CDB"
expect_eq "$(pr "$sga" -o -R -K 10 -T 1)" 0 "a: RESERVE WE"
expect_eq "$(pr "$sgc" -o -G -S c)" 0 "c: REGISTER 0xc"
expect_eq "$(move "$sgc" 12 17 0 "$rtb" local:b)" CONFLICT \
	"c is registered but does not hold the reservation"
expect_eq "$(move "$sga" 16 17 0 "$rta" local:a)" "02 05/26/00" \
	"a move to the issuer's own I_T nexus"
expect_eq "$(move "$sga" 16 17 0 "$rtb" local:a)" "02 05/26/00" \
	"a move to the issuer's own initiator port through another target port"
expect_eq "$(move "$sga" 16 17 0 999 local:b)" "02 05/26/00" \
	"an unknown RELATIVE TARGET PORT IDENTIFIER"
expect_eq "$(move "$sga" 16 0 0 "$rtb" local:b)" "02 05/26/00" \
	"SERVICE ACTION RESERVATION KEY 0"
expect_eq "$(gen "$sgc")" 0x2 "PRgeneration before the move"

expect_eq "$(move "$sga" 16 17 0 "$rtb" local:b)" GOOD \
	"a: REGISTER AND MOVE to local:b through b's port, key 0x11"
expect_eq "$(keys "$sgc")" "0x10 0xc 0x11 " "b registered with 0x11"
expect_eq "$(gen "$sgc")" 0x3 "one PRgeneration step"
expect_eq "$(holder "$sgc")" 0x11 "b holds the reservation"
grep -qi 'write exclusive$\|type: write exclusive' /tmp/sem-pr.out ||
	fail "type changed: $(cat /tmp/sem-pr.out)"
expect_eq "$(wr "$sgb")" GOOD "b writes as the holder"
expect_eq "$(wr "$sga")" CONFLICT "a no longer writes"

expect_eq "$(move "$sgb" 17 33 2 "$rta" local:a)" GOOD \
	"b: REGISTER AND MOVE back to local:a, UNREG"
expect_eq "$(keys "$sgc")" "0x21 0xc " \
	"a is registered with the move's key 0x21, b is unregistered"
expect_eq "$(holder "$sgc")" 0x21 "a holds the reservation again"
expect_eq "$(wr "$sga")" GOOD "a writes"
expect_eq "$(wr "$sgb")" CONFLICT "b no longer writes"
expect_eq "$(pr "$sga" -o -G -K 21 -S 10)" 0 "a: REGISTER back to 0x10"

expect_eq "$(pr "$sga" -o -L -K 10 -T 1)" 0 "a: RELEASE"
expect_eq "$(pr "$sga" -o -R -K 10 -T 7)" 0 "a: RESERVE WE_AR"
expect_eq "$(move "$sga" 16 17 0 "$rtb" local:b)" CONFLICT \
	"an ALL REGISTRANTS reservation is not moved"

# --- the registration limit ---
expect_eq "$(pr "$sga" -o -C -K 10)" 0 "a: CLEAR"
ktgt_tur "$sgc" > /dev/null	# RESERVATIONS PREEMPTED
# a: REGISTER 0x10 with SPEC_I_PT naming local:r0000..local:r1022 (protocol
# Fh TransportIDs of 24 bytes): 1024 registrations with a's own.
{
	printf '\x00%.0s' {1..15}; printf '\x10'
	printf '\x00%.0s' {1..4}; printf '\x08\x00\x00\x00'
	printf '\x00\x00\x5f\xe8'
	for ((i = 0; i < 1023; i++)); do
		printf '\x0f\x00\x00\x14'
		printf 'local:r%04d' "$i"
		printf '\x00%.0s' {1..9}
	done
} > /tmp/spec.bin
expect_eq "$(stat -c %s /tmp/spec.bin)" 24580 "SPEC_I_PT parameter list size"
expect_eq "$(ktgt_status "$sga" -s 24580 -i /tmp/spec.bin \
	5f 00 00 00 00 00 00 60 04 00)" GOOD \
	"a: REGISTER 0x10 with 1023 more initiator ports"
expect_eq "$(nregs "$sgc")" 1024 "1024 registrations"
expect_eq "$(pr "$sga" -o -R -K 10 -T 1)" 0 "a: RESERVE WE"
gen0=$(rk "$sgc" 0)
expect_eq "$(move "$sga" 16 17 0 "$rtb" local:b)" "02 05/55/04" \
	"a move that would make a 1025th registration: INSUFFICIENT REGISTRATION RESOURCES"
expect_eq "$(nregs "$sgc")" 1024 "no registration added"
expect_eq "$(holder "$sgc")" 0x10 "a still holds the reservation"
expect_eq "$(rk "$sgc" 0)" "$gen0" "PRgeneration unchanged"
expect_eq "$(wr "$sgb")" CONFLICT "b does not hold it"
expect_eq "$(move "$sga" 16 17 2 "$rtb" local:b)" GOOD \
	"the same move with UNREG: a's registration makes room"
expect_eq "$(nregs "$sgc")" 1024 "b's registration replaces a's"
expect_eq "$(holder "$sgc")" 0x11 "b holds the reservation"
expect_eq "$(move "$sgb" 17 18 0 "$rta" local:r0000)" GOOD \
	"b: a move to a registered port (local:r0000 through a's port)"
expect_eq "$(nregs "$sgc")" 1024 "no registration added"
expect_eq "$(holder "$sgc")" 0x12 "local:r0000 holds it, with the key 0x12"
expect_eq "$(wr "$sgb")" CONFLICT "b no longer holds it"
expect_eq "$(pr "$sgb" -o -C -K 11)" 0 "b: CLEAR"
expect_eq "$(nregs "$sgc")" 0 "no registrations"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
