#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# APTPL (SPC-4 5.13.5): persistent reservation state that survives a
# power loss, here rmmod of every ktgt module, modprobe and re-creating
# the configuration. ktgt_core's pr_dir parameter names the directory of
# the per-device state files.
# - REPORT CAPABILITIES says PTPL_C = SIP_C = 1, PTPL_A once APTPL is set;
# - REGISTER with APTPL = 1 writes <pr_dir>/<device> (and no
#   .<device>.tmp file is left); after a reload the registrations (keys, ALL_TG_PT, the
#   TransportIDs of each initiator port), the reservation (holder, type)
#   and the PRgeneration are back and enforced;
# - a corrupted file and a garbage one: one clear log line each, no
#   registrations, the device works (tests/host/test_pr_data.c covers every truncation and
#   corruption, tests/host/fuzz_pr_file.c garbage);
# - a REGISTER of key 0 from an unregistered nexus (which does nothing)
#   leaves PTPL_A and the file, whatever its APTPL bit;
# - a later REGISTER with APTPL = 0 removes the file;
# - a PR OUT whose state cannot be saved (pr_dir read-only or full) ends
#   with INSUFFICIENT REGISTRATION RESOURCES and changes nothing: keys,
#   reservation, PRgeneration, PTPL_A and the file stay as they were,
#   and no .tmp file is left.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

PRDIR=/tmp/ktgt-pr
mkdir -p "$PRDIR"
FILE=$PRDIR/lu

pr() { ktgt_pr "$@"; }
gen() { ktgt_pr_gen "$1"; }
keys() { ktgt_pr_keys "$1"; }
wr() { ktgt_status "$1" -s 4096 -i /dev/zero 2a 00 00 00 00 00 00 00 08 00; }

# up NAME...: load the modules and create the configuration (a nexus to
# vdisk_nullio/lu per local target NAME); sets sga, sgb, sgc and clears
# POWER ON.
up() {
	modprobe ktgt_core pr_dir="$PRDIR" || fail "modprobe ktgt_core"
	ktgt_load ktgt_vdisk
	modprobe ktgt_local || fail "modprobe ktgt_local"
	modprobe sg || fail "modprobe sg"
	ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=APTPL
	ktgt_local_nexuses vdisk_nullio/lu "$@"
	sga=${KTGT_NEXUS[a]} sgb=${KTGT_NEXUS[b]} sgc=${KTGT_NEXUS[c]}
	for t in "$@"; do
		[ -c "${KTGT_NEXUS[$t]}" ] || fail "no device node for $t"
		ktgt_tur "${KTGT_NEXUS[$t]}" > /dev/null
	done
}
down() {
	ktgt_cleanup || fail "cleanup"
	ktgt_unload_all
	lsmod | grep -q '^ktgt_' && fail "ktgt modules still loaded"
}

up a b c
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Persist Through Power Loss Capable(PTPL_C): 1' /tmp/sem-pr.out ||
	fail "PTPL_C not reported: $(cat /tmp/sem-pr.out)"
grep -q 'Specify Initiator Ports Capable(SIP_C): 1' /tmp/sem-pr.out ||
	fail "SIP_C not reported: $(cat /tmp/sem-pr.out)"
grep -q 'Persist Through Power Loss Active(PTPL_A): 0' /tmp/sem-pr.out ||
	fail "PTPL_A set before any APTPL: $(cat /tmp/sem-pr.out)"
[ -e "$FILE" ] && fail "state file before APTPL"

expect_eq "$(pr "$sga" -o -G -S a -Z)" 0 "a: REGISTER 0xa, APTPL"
[ -s "$FILE" ] || fail "no state file after REGISTER with APTPL"
expect_eq "$(pr "$sgb" -o -G -S b -Y -Z)" 0 "b: REGISTER 0xb ALL_TG_PT, APTPL"
expect_eq "$(pr "$sga" -o -R -K a -T 5)" 0 "a: RESERVE WE_RO"
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Persist Through Power Loss Active(PTPL_A): 1' /tmp/sem-pr.out ||
	fail "PTPL_A not set: $(cat /tmp/sem-pr.out)"
expect_eq "$(gen "$sgc")" 0x2 "PRgeneration before the reload"
ls -A "$PRDIR" | grep -q '\.tmp$' && fail "temporary file left: $(ls -A "$PRDIR")"
pr "$sgc" -s > /dev/null
sed 's/^ *//' /tmp/sem-pr.out | grep -v '^PR generation' > /tmp/fs-before
cp "$FILE" /tmp/aptpl-good

# --- rmmod + modprobe + re-creating the configuration ---
down
up a b c
dmesg | grep -q 'lu: restored 2 persistent reservation registrations' ||
	fail "no 'restored' log line: $(dmesg | tail -5)"
expect_eq "$(keys "$sgc")" "0xa 0xb " "READ KEYS after the reload"
expect_eq "$(gen "$sgc")" 0x2 "PRgeneration after the reload"
pr "$sgc" -r > /dev/null
grep -q 'Key=0xa' /tmp/sem-pr.out && grep -qi 'write exclusive, registrants only' /tmp/sem-pr.out ||
	fail "READ RESERVATION after the reload: $(cat /tmp/sem-pr.out)"
pr "$sgc" -s > /dev/null
sed 's/^ *//' /tmp/sem-pr.out | grep -v '^PR generation' > /tmp/fs-after
diff /tmp/fs-before /tmp/fs-after > /dev/null ||
	fail "READ FULL STATUS differs after the reload: $(diff /tmp/fs-before /tmp/fs-after)"
grep -q 'All target ports bit set' /tmp/fs-after ||
	fail "ALL_TG_PT lost: $(cat /tmp/fs-after)"
expect_eq "$(wr "$sga")" GOOD "holder a writes after the reload"
expect_eq "$(wr "$sgb")" GOOD "registrant b writes (WE_RO)"
expect_eq "$(wr "$sgc")" CONFLICT "unregistered c may not write"
expect_eq "$(pr "$sgb" -o -R -K b -T 5)" 24 "b is not the holder"
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES after the reload"
grep -q 'Persist Through Power Loss Active(PTPL_A): 1' /tmp/sem-pr.out ||
	fail "PTPL_A lost: $(cat /tmp/sem-pr.out)"
# A REGISTER (or REGISTER AND IGNORE EXISTING KEY) of key 0 from an
# unregistered nexus does nothing but return GOOD (SPC-4 5.13.7): its
# APTPL bit of 0 leaves PTPL_A and the file alone (it cleared both).
cp "$FILE" /tmp/aptpl-noop
expect_eq "$(pr "$sgc" -o -G)" 0 "c (unregistered): REGISTER of key 0, APTPL 0"
expect_eq "$(pr "$sgc" -o -I)" 0 \
	"c: REGISTER AND IGNORE EXISTING KEY of key 0, APTPL 0"
[ -e "$FILE" ] || fail "state file removed by a REGISTER that did nothing"
cmp -s "$FILE" /tmp/aptpl-noop ||
	fail "state file changed by a REGISTER that did nothing"
expect_eq "$(keys "$sgc")" "0xa 0xb " "keys after the REGISTERs that did nothing"
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Persist Through Power Loss Active(PTPL_A): 1' /tmp/sem-pr.out ||
	fail "PTPL_A cleared by a REGISTER that did nothing: $(cat /tmp/sem-pr.out)"

# --- a corrupted file (one byte flipped), a garbage file ---
down
cp /tmp/aptpl-good "$FILE"
printf '\x7f' | dd of="$FILE" bs=1 seek=30 conv=notrunc status=none
dmesg -C
up a
dmesg | grep -q 'lu: ignoring the persistent reservation file .*checksum mismatch' ||
	fail "no log line for a corrupted file: $(dmesg | tail -5)"
expect_eq "$(dmesg | grep -c 'persistent reservation file')" 1 \
	"one log line for the corrupted file"
expect_eq "$(keys "$sga")" "" "no registrations from a corrupted file"
expect_eq "$(wr "$sga")" GOOD "a writes: no reservation"
# Garbage: a second device whose file is random bytes.
head -c 3000 /dev/urandom > "$PRDIR/lu2"
ktgt_mkdev vdisk_nullio/lu2 size=$((16 << 20)) serial=APTPL2
dmesg | grep -q 'lu2: ignoring the persistent reservation file' ||
	fail "no log line for a garbage file: $(dmesg | tail -5)"
expect_eq "$(cat "$KTGT_CFS/handlers/vdisk_nullio/lu2/enable")" 1 \
	"the device with a garbage file is enabled"

# --- APTPL = 0 removes the file ---
expect_eq "$(pr "$sga" -o -G -S a -Z)" 0 "a: REGISTER, APTPL: $(cat /tmp/sem-pr.out)"
[ -s "$FILE" ] || fail "no state file"
cmp -s "$FILE" /tmp/aptpl-good && fail "state file not rewritten"
expect_eq "$(pr "$sga" -o -G -K a -S aa)" 0 "a: REGISTER (new key), APTPL 0"
[ -e "$FILE" ] && fail "state file kept after APTPL = 0"
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Persist Through Power Loss Active(PTPL_A): 0' /tmp/sem-pr.out ||
	fail "PTPL_A still set: $(cat /tmp/sem-pr.out)"

# --- a state that cannot be saved: the PR OUT is undone and fails ---
# pr_dir on a read-only tmpfs, then on a full one.
# pro SG SA TYPE RESKEY SAKEY APTPL: PERSISTENT RESERVE OUT through
# sg_raw (keys as 16 hex digits), its outcome as ktgt_status gives it.
pro() {
	local k
	{
		for k in "$4" "$5"; do
			printf "$(echo "$k" | sed 's/../\\x&/g')"
		done
		printf '\x00\x00\x00\x00'	# SCOPE-SPECIFIC ADDRESS
		printf "\\x$(printf %02x "$6")"	# APTPL
		printf '\x00\x00\x00'
	} > /tmp/sem-pro.bin
	ktgt_status "$1" -s 24 -i /tmp/sem-pro.bin 5f "$2" "$3" 00 00 00 00 00 18 00
}
K0=0000000000000000 KAA=00000000000000aa KBB=00000000000000bb
NOSAVE="02 05/55/04"	# INSUFFICIENT REGISTRATION RESOURCES
RODIR=/tmp/ktgt-pr-ro
PARAM=/sys/module/ktgt_core/parameters/pr_dir
mkdir -p "$RODIR"
mount -t tmpfs -o size=64k,mode=0755 ktgt-pr-ro "$RODIR" || fail "mount tmpfs"
mount -o remount,ro "$RODIR" || fail "remount read-only"
ktgt_write "$PARAM" "$RODIR"
g0=$(gen "$sga")
expect_eq "$(pro "$sga" 06 00 $K0 $KBB 1)" "$NOSAVE" \
	"REGISTER AND IGNORE EXISTING KEY, APTPL, read-only pr_dir"
expect_eq "$(keys "$sga")" "0xaa " "the key is unchanged"
expect_eq "$(gen "$sga")" "$g0" "the PRgeneration is unchanged"
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Persist Through Power Loss Active(PTPL_A): 0' /tmp/sem-pr.out ||
	fail "PTPL_A set by a REGISTER that failed: $(cat /tmp/sem-pr.out)"
# APTPL active (saved in the writable directory), then a RESERVE and an
# unregistration that cannot be saved.
ktgt_write "$PARAM" "$PRDIR"
expect_eq "$(pro "$sga" 06 00 $K0 $KAA 1)" GOOD "REGISTER AND IGNORE, APTPL, writable pr_dir"
[ -s "$FILE" ] || fail "no state file"
cp "$FILE" /tmp/aptpl-saved
ktgt_write "$PARAM" "$RODIR"
g0=$(gen "$sga")
expect_eq "$(pro "$sga" 01 05 $KAA $K0 0)" "$NOSAVE" "RESERVE WE_RO that cannot be saved"
pr "$sga" -r > /dev/null
grep -q 'Key=0xaa' /tmp/sem-pr.out &&
	fail "reservation kept after a failed save: $(cat /tmp/sem-pr.out)"
expect_eq "$(pro "$sga" 00 00 $KAA $K0 0)" "$NOSAVE" \
	"unregistering (APTPL 0) while the file cannot be removed"
expect_eq "$(keys "$sga")" "0xaa " "still registered"
expect_eq "$(gen "$sga")" "$g0" "the PRgeneration is unchanged"
expect_eq "$(pr "$sga" -c)" 0 "REPORT CAPABILITIES"
grep -q 'Persist Through Power Loss Active(PTPL_A): 1' /tmp/sem-pr.out ||
	fail "PTPL_A cleared by a REGISTER that failed: $(cat /tmp/sem-pr.out)"
cmp -s "$FILE" /tmp/aptpl-saved || fail "state file changed by failed commands"
# A full file system: no room for the state file, nor a .tmp left.
umount "$RODIR"
mount -t tmpfs -o size=4k ktgt-pr-full "$RODIR" || fail "mount tmpfs"
head -c 4096 /dev/zero > "$RODIR/filler" 2>/dev/null
expect_eq "$(pro "$sga" 01 05 $KAA $K0 0)" "$NOSAVE" "RESERVE with pr_dir full"
ls -A "$RODIR" | grep -q '\.tmp$' && fail "temporary file left: $(ls -A "$RODIR")"
ktgt_write "$PARAM" "$PRDIR"
expect_eq "$(pro "$sga" 01 05 $KAA $K0 0)" GOOD "RESERVE once pr_dir is writable"
pr "$sga" -r > /dev/null
grep -q 'Key=0xaa' /tmp/sem-pr.out ||
	fail "no reservation after the RESERVE: $(cat /tmp/sem-pr.out)"
cmp -s "$FILE" /tmp/aptpl-saved && fail "state file not rewritten"
expect_eq "$(pro "$sga" 00 00 $KAA $K0 0)" GOOD "unregister, APTPL 0"
[ -e "$FILE" ] && fail "state file kept after APTPL = 0"
umount "$RODIR"

down
pass
