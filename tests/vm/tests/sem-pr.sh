#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# SPC-4 persistent reservations with sg_persist over three I_T nexuses to
# one logical unit (LUN 0 of local targets a, b and c; a and b register,
# c never does):
# - REPORT CAPABILITIES; REGISTER, READ KEYS and the PRgeneration; a
#   REGISTER with the wrong key conflicts; REGISTER AND IGNORE EXISTING
#   KEY changes a key;
# - each of the six types: RESERVE by a, READ RESERVATION, READ and
#   WRITE from the holder, a registered nexus and an unregistered one
#   exactly as SPC-4 table 52 / SBC-3 table 13 say, and from the two
#   others MODE SENSE, REPORT SUPPORTED OPERATION CODES and RECEIVE
#   COPY RESULTS as it says for a read, EXTENDED COPY as for a write;
#   RELEASE with another type: INVALID RELEASE OF PERSISTENT
#   RESERVATION; RELEASE; the REGISTRANTS ONLY / ALL REGISTRANTS types
#   tell the other registrant RESERVATIONS RELEASED;
# - PREEMPT takes the reservation and tells the preempted nexus
#   REGISTRATIONS PREEMPTED (once), and when the type changes the other
#   registered nexuses RESERVATIONS RELEASED; PREEMPT AND ABORT also aborts its
#   READ held in the backing store and completes only after it (so it
#   takes seconds); CLEAR tells the others RESERVATIONS PREEMPTED;
# - an SPC-2 RESERVE conflicts while registrations exist;
# (APTPL: sem-pr-aptpl.sh; SPEC_I_PT: sem-pr-spec.sh)
# - READ FULL STATUS reports ALL_TG_PT, each initiator port's
#   TransportID (its initiator name with protocol identifier Fh) and the
#   RELATIVE TARGET PORT IDENTIFIER of the target port (its rel_tgt_id).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk
modprobe ktgt_local test_hooks=1 || fail "modprobe ktgt_local test_hooks=1"
modprobe sg || fail "modprobe sg"

rd() { ktgt_status "$1" -r 4096 28 00 00 00 00 00 00 00 08 00; }
wr() { ktgt_status "$1" -s 4096 -i /dev/zero 2a 00 00 00 00 00 00 00 08 00; }
msense() { ktgt_status "$1" -r 255 1a 00 3f 00 ff 00; }
# REPORT SUPPORTED OPERATION CODES, all commands
rsoc() { ktgt_status "$1" -r 512 a3 0c 00 00 00 00 00 00 02 00 00 00; }
# RECEIVE COPY RESULTS, OPERATING PARAMETERS
rcr() {
	ktgt_status "$1" -r 64 84 03 00 00 00 00 00 00 00 00 00 00 00 40 00 00
}
# EXTENDED COPY(LID1) with no parameter list: nothing to copy, GOOD
xcopy() {
	ktgt_status "$1" 83 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
}
# pr SG ARGS...: sg_persist's exit status (24: RESERVATION CONFLICT);
# its output in /tmp/sem-pr.out.
pr() { ktgt_pr "$@"; }
gen() { ktgt_pr_gen "$1"; }
keys() { ktgt_pr_keys "$1"; }

ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=SEMPR
ktgt_local_nexuses vdisk_nullio/lu a b c
sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]} sgc=${KTGT_NEXUS[c]}
for sg in "$sga" "$sgb" "$sgc"; do
	expect_eq "$(ktgt_tur "$sg")" "02 06/29/00" "POWER ON on $sg"
done

# --- capabilities, registration, generation ---
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Compatible Reservation Handling(CRH): 1' /tmp/sem-pr.out ||
	fail "CRH not reported: $(cat /tmp/sem-pr.out)"
grep -q 'All Target Ports Capable(ATP_C): 1' /tmp/sem-pr.out ||
	fail "ATP_C not reported: $(cat /tmp/sem-pr.out)"
expect_eq "$(gen "$sga")" 0x0 "PRgeneration at start"
expect_eq "$(keys "$sga")" "" "no keys at start"
expect_eq "$(pr "$sga" -o -G -S a)" 0 "a: REGISTER 0xa"
expect_eq "$(pr "$sgb" -o -G -S b -Y)" 0 "b: REGISTER 0xb (ALL_TG_PT)"
expect_eq "$(keys "$sgc")" "0xa 0xb " "READ KEYS"
expect_eq "$(gen "$sgc")" 0x2 "PRgeneration after two registrations"
expect_eq "$(pr "$sga" -o -G -K 5 -S 7)" 24 "a: REGISTER with a wrong key"
expect_eq "$(pr "$sgc" -o -G -K 5 -S 7)" 24 "c: REGISTER with a key, unregistered"
expect_eq "$(pr "$sga" -o -I -S aa)" 0 "a: REGISTER AND IGNORE EXISTING KEY"
expect_eq "$(pr "$sga" -o -G -K aa -S a)" 0 "a: REGISTER back to 0xa"
expect_eq "$(keys "$sgc")" "0xa 0xb " "READ KEYS after the key changes"
expect_eq "$(gen "$sgc")" 0x4 "PRgeneration after two key changes"
expect_eq "$(pr "$sgc" -s)" 0 "READ FULL STATUS"
grep -q 'All target ports bit set' /tmp/sem-pr.out ||
	fail "READ FULL STATUS: no ALL_TG_PT: $(cat /tmp/sem-pr.out)"
# The TransportIDs carry the initiator port names (protocol "none").
rm -f /tmp/sem-fs.bin
sg_raw -r 512 -o /tmp/sem-fs.bin "$sgc" 5e 03 00 00 00 00 00 02 00 00 \
	> /dev/null 2>&1 || fail "READ FULL STATUS with sg_raw"
grep -aq 'local:a' /tmp/sem-fs.bin && grep -aq 'local:b' /tmp/sem-fs.bin ||
	fail "READ FULL STATUS: no TransportID of local:a / local:b"
# RELATIVE TARGET PORT IDENTIFIER (bytes 18-19 of each descriptor): the
# rel_tgt_id of the target port each key was registered through; b's
# ALL_TG_PT registration reports the port it came through.
# fs_rtpi FILE KEY: the RELATIVE TARGET PORT IDENTIFIER of KEY's descriptor.
fs_rtpi() {
	local -a b
	local off=8 len key
	read -r -a b <<< "$(od -An -v -tu1 "$1" | tr -s ' \n' '  ')"
	len=$(( (b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7]) + 8 ))
	while ((off + 24 <= len && off + 24 <= ${#b[@]})); do
		key=$(( b[off + 6] << 8 | b[off + 7] ))
		if ((key == $2)); then
			echo $(( b[off + 18] << 8 | b[off + 19] ))
			return
		fi
		off=$(( off + 24 + (b[off + 22] << 8 | b[off + 23]) ))
	done
	echo none
}
rtpi_a=$(cat "$KTGT_CFS/targets/local/a/rel_tgt_id")
rtpi_b=$(cat "$KTGT_CFS/targets/local/b/rel_tgt_id")
[ "$rtpi_a" != "$rtpi_b" ] && [ "$rtpi_a" -gt 0 ] ||
	fail "rel_tgt_id of a and b: $rtpi_a $rtpi_b"
expect_eq "$(fs_rtpi /tmp/sem-fs.bin 0xa)" "$rtpi_a" \
	"READ FULL STATUS: RELATIVE TARGET PORT IDENTIFIER of a's registration"
expect_eq "$(fs_rtpi /tmp/sem-fs.bin 0xb)" "$rtpi_b" \
	"READ FULL STATUS: RELATIVE TARGET PORT IDENTIFIER of b's ALL_TG_PT registration"
expect_eq "$(pr "$sgc" -o -R -K c -T 1)" 24 "c: RESERVE unregistered"
expect_eq "$(pr "$sgb" -o -R -K a -T 1)" 24 "b: RESERVE with a's key"
expect_eq "$(ktgt_status "$sgc" 16 00 00 00 00 00)" CONFLICT \
	"SPC-2 RESERVE while registrations exist"

# PR OUT parameter list with RESERVATION KEY 0xa, for sg_raw.
{ printf '\x00\x00\x00\x00\x00\x00\x00\x0a'; head -c 16 /dev/zero; } \
	> /tmp/sem-rel.bin

# --- the six types: who may read and write ---
# expect: type "b-read b-write c-read c-write" (G: GOOD, C: conflict)
declare -A want=(
	[1]="G C G C" [3]="C C C C" [5]="G G G C"
	[6]="G G C C" [7]="G G G C" [8]="G G C C"
)
word() { [ "$1" = G ] && echo GOOD || echo CONFLICT; }
for t in 1 3 5 6 7 8; do
	read -r br bw cr cw <<< "${want[$t]}"
	expect_eq "$(pr "$sga" -o -R -K a -T $t)" 0 "type $t: a RESERVE"
	expect_eq "$(pr "$sga" -o -R -K a -T $t)" 0 "type $t: a RESERVE again"
	expect_eq "$(pr "$sgb" -o -R -K b -T $t)" \
		"$( [ $t -ge 7 ] && echo 0 || echo 24)" "type $t: b RESERVE"
	pr "$sgc" -r > /dev/null
	grep -q "Reservation follows" /tmp/sem-pr.out ||
		fail "type $t: READ RESERVATION: $(cat /tmp/sem-pr.out)"
	expect_eq "$(rd "$sga")" GOOD "type $t: holder's READ"
	expect_eq "$(wr "$sga")" GOOD "type $t: holder's WRITE"
	expect_eq "$(rd "$sgb")" "$(word "$br")" "type $t: registered READ"
	expect_eq "$(wr "$sgb")" "$(word "$bw")" "type $t: registered WRITE"
	expect_eq "$(rd "$sgc")" "$(word "$cr")" "type $t: unregistered READ"
	expect_eq "$(wr "$sgc")" "$(word "$cw")" "type $t: unregistered WRITE"
	expect_eq "$(msense "$sgb")" "$(word "$br")" \
		"type $t: registered MODE SENSE(6)"
	expect_eq "$(msense "$sgc")" "$(word "$cr")" \
		"type $t: unregistered MODE SENSE(6)"
	expect_eq "$(rsoc "$sgb")" "$(word "$br")" \
		"type $t: registered REPORT SUPPORTED OPERATION CODES"
	expect_eq "$(rsoc "$sgc")" "$(word "$cr")" \
		"type $t: unregistered REPORT SUPPORTED OPERATION CODES"
	expect_eq "$(rcr "$sgb")" "$(word "$br")" \
		"type $t: registered RECEIVE COPY RESULTS"
	expect_eq "$(rcr "$sgc")" "$(word "$cr")" \
		"type $t: unregistered RECEIVE COPY RESULTS"
	expect_eq "$(xcopy "$sga")" GOOD "type $t: holder's EXTENDED COPY"
	expect_eq "$(xcopy "$sgb")" "$(word "$bw")" \
		"type $t: registered EXTENDED COPY"
	expect_eq "$(xcopy "$sgc")" "$(word "$cw")" \
		"type $t: unregistered EXTENDED COPY"
	expect_eq "$(ktgt_tur "$sgc")" GOOD "type $t: unregistered TEST UNIT READY"
	other=$(( t == 1 ? 3 : 1 ))
	expect_eq "$(pr "$sga" -o -L -K a -T $other)" 5 \
		"type $t: RELEASE with type $other"
	if [ $t = 1 ]; then
		expect_eq "$(ktgt_status "$sga" -s 24 -i /tmp/sem-rel.bin \
			5f 02 03 00 00 00 00 00 18 00)" "02 05/26/04" \
			"RELEASE of type 1 as type 3: INVALID RELEASE OF PERSISTENT RESERVATION"
	fi
	expect_eq "$(pr "$sga" -o -L -K a -T $t)" 0 "type $t: RELEASE"
	if [ $t -ge 5 ]; then
		expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/04" \
			"type $t: b told RESERVATIONS RELEASED"
	fi
	expect_eq "$(ktgt_tur "$sgb")" GOOD "type $t: b after the release"
	expect_eq "$(ktgt_tur "$sgc")" GOOD "type $t: c never told"
	expect_eq "$(wr "$sgc")" GOOD "type $t: c's WRITE once released"
done
expect_eq "$(gen "$sgc")" 0x4 "RESERVE and RELEASE leave the PRgeneration"

# --- PREEMPT ---
expect_eq "$(pr "$sga" -o -R -K a -T 1)" 0 "a: RESERVE WE"
expect_eq "$(pr "$sgb" -o -P -K b -S a -T 3)" 0 "b: PREEMPT a's key, EA"
expect_eq "$(keys "$sgc")" "0xb " "a's registration is gone"
expect_eq "$(gen "$sgc")" 0x5 "PRgeneration after PREEMPT"
expect_eq "$(ktgt_tur "$sga")" "02 06/2a/05" "a: REGISTRATIONS PREEMPTED"
expect_eq "$(rd "$sga")" CONFLICT "a: READ under b's EA"
expect_eq "$(rd "$sgb")" GOOD "b: READ as the holder"
expect_eq "$(pr "$sgb" -o -P -K b -S 77 -T 3)" 24 "PREEMPT of no key"
expect_eq "$(pr "$sgb" -o -L -K b -T 3)" 0 "b: RELEASE"
# A PREEMPT that changes the type: every other nexus still registered is
# told RESERVATIONS RELEASED (SPC-4 5.13.11.2.4.3 f); one that keeps it
# tells nobody.
expect_eq "$(pr "$sga" -o -G -S a)" 0 "a: REGISTER again"
expect_eq "$(pr "$sgc" -o -G -S c)" 0 "c: REGISTER"
expect_eq "$(pr "$sgb" -o -R -K b -T 1)" 0 "b: RESERVE WE"
expect_eq "$(pr "$sga" -o -P -K a -S b -T 3)" 0 "a: PREEMPT b's key, EA"
expect_eq "$(ktgt_tur "$sgb")" "02 06/2a/05" "b: REGISTRATIONS PREEMPTED"
expect_eq "$(ktgt_tur "$sgc")" "02 06/2a/04" \
	"c: RESERVATIONS RELEASED, the type changed"
expect_eq "$(ktgt_tur "$sga")" GOOD "a: no unit attention for its own PREEMPT"
expect_eq "$(pr "$sgb" -o -G -S b)" 0 "b: REGISTER again"
expect_eq "$(pr "$sga" -o -P -K a -S a -T 3)" 0 \
	"a: PREEMPT its own key, the type kept"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: nothing when the type is kept"
expect_eq "$(ktgt_tur "$sgc")" GOOD "c: nothing when the type is kept"
expect_eq "$(pr "$sga" -o -L -K a -T 3)" 0 "a: RELEASE"
expect_eq "$(pr "$sga" -o -G -K a)" 0 "a: unregister"
expect_eq "$(pr "$sgc" -o -G -K c)" 0 "c: unregister"
expect_eq "$(keys "$sgc")" "0xb " "b is registered again, alone"

# --- PREEMPT AND ABORT ---
expect_eq "$(pr "$sga" -o -G -S a)" 0 "a: REGISTER again"
expect_eq "$(pr "$sgb" -o -R -K b -T 6)" 0 "b: RESERVE EA_RO"
# a's READ is held in the backing store until the test releases it
# (writing delay_ms re-arms held commands): the PREEMPT AND ABORT must
# still be waiting for it 2 s after it was sent, and end once released.
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 60000
{ sg_raw -vvv -r 4096 -t 60 "$sga" 28 00 00 00 00 00 00 00 08 00 2>&1
  echo "rc=$?"; } > /tmp/sem-pa.out &
pid=$!
sess_a=$(ktgt_session_of local:a)
for ((i = 0; i < 300; i++)); do
	[ "$(cat "$sess_a/nr_cmds")" -ge 1 ] && break
	sleep 0.02
done
pr "$sgb" -o -A -K b -S a -T 6 > /tmp/sem-pa-pr.out &
pid_pr=$!
sleep 2
if ! kill -0 $pid_pr 2>/dev/null; then
	ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 0
	fail "PREEMPT AND ABORT ended ($(cat /tmp/sem-pa-pr.out)) while a's READ was still held"
fi
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/lu/delay_ms" 0
wait $pid_pr
expect_eq "$(cat /tmp/sem-pa-pr.out)" 0 "b: PREEMPT AND ABORT a"
wait $pid
grep -q '^rc=0$' /tmp/sem-pa.out &&
	fail "a's READ survived PREEMPT AND ABORT: $(grep -E 'SCSI Status|^rc=' /tmp/sem-pa.out | tr '\n' ' ')"
expect_eq "$(ktgt_tur "$sga")" "02 06/2a/05" "a: REGISTRATIONS PREEMPTED"
expect_eq "$(ktgt_tur "$sga")" GOOD "a: told once"
expect_eq "$(keys "$sgc")" "0xb " "only b is registered"

# --- CLEAR ---
expect_eq "$(pr "$sgc" -o -G -S c)" 0 "c: REGISTER"
expect_eq "$(pr "$sgb" -o -C -K b)" 0 "b: CLEAR"
expect_eq "$(ktgt_tur "$sgc")" "02 06/2a/03" "c: RESERVATIONS PREEMPTED"
expect_eq "$(keys "$sgc")" "" "no keys after CLEAR"
expect_eq "$(ktgt_tur "$sgb")" GOOD "b: no unit attention for its own CLEAR"
pr "$sgc" -r > /dev/null
grep -qi 'no reservation' /tmp/sem-pr.out ||
	fail "a reservation after CLEAR: $(cat /tmp/sem-pr.out)"
expect_eq "$(wr "$sgc")" GOOD "c's WRITE after CLEAR"
expect_eq "$(ktgt_status "$sgc" 16 00 00 00 00 00)" GOOD "SPC-2 RESERVE once clear"
expect_eq "$(ktgt_status "$sgc" 17 00 00 00 00 00)" GOOD "SPC-2 RELEASE"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
