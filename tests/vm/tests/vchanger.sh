#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 1200
#
# vchanger (a medium changer over vtape drives) through ktgt_local, mtx,
# st (mt, tar) and sg_raw:
# - bad attribute values are refused (EINVAL); a drive that is no vtape
#   device fails enable with a log line; a vtape without filename
#   enables empty (NOT READY, MEDIUM NOT PRESENT), and a filename then
#   opens (creates) its image at once;
# - the changer is peripheral type 8, RMB = 1, SMC-3 claimed; mtx
#   inquiry, status (barcodes as volume tags, the mail slot) and
#   inventory; MODE SENSE page 1Dh has the element addresses;
# - mtx load/unload/transfer/first/next; a drive's filename follows the
#   cartridge (library_dir/<barcode>.img, created blank); tar onto
#   cartridge A in drive 0, unload, load B (blank: nothing to read),
#   write other data, unload, reload A: A's data, then B's again;
# - a drive's filename cannot be written while the changer owns it;
# - sense: INVALID ELEMENT ADDRESS 05h/21h/01h (MOVE MEDIUM, POSITION TO
#   ELEMENT, READ ELEMENT STATUS), MEDIUM SOURCE ELEMENT EMPTY 3Bh/0Eh,
#   MEDIUM DESTINATION ELEMENT FULL 3Bh/0Dh, MEDIUM REMOVAL PREVENTED
#   53h/02h for a move to the mail slot while the changer is prevented
#   and out of a drive that prevents removal (sg_raw's PREVENT, mt
#   lock); READ ELEMENT STATUS type
#   5 INVALID FIELD IN CDB; DVCID names the drive's serial;
# - a load into a drive gives every I_T nexus of the drive (two local
#   targets) NOT READY TO READY CHANGE 06h/28h/00h, an unload MEDIUM NOT
#   PRESENT 02h/3Ah/00h;
# - IMPEXP survives disable/enable: 0 for a cartridge MOVE MEDIUM put in
#   the mail slot ("exported" in the state file), 1 for an operator's
#   (a line without it, as in older files);
# - EXCHANGE MEDIUM: its sense (an empty source or first destination
#   3Bh/0Eh, a full second destination 3Bh/0Dh, INV1 05h/24h/00h, a held
#   drive 53h/02h), a simple exchange of a slot and a drive and one of
#   three elements, the drives' cartridges and data following; MODE
#   SENSE page 1Fh says so;
# - the inventory survives disable/enable and a module reload; a
#   changer enabled by a process in another mount namespace (a tmpfs
#   over library_dir) reads and writes the same state file and images
#   as its moves; a corrupt state file fails enable with the line in
#   the log.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

for c in mtx mt tar sg_raw sg_inq unshare; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

HT=$KTGT_CFS/handlers/vtape
HC=$KTGT_CFS/handlers/vchanger
LIB=/tmp/lib

attr_fails() {
	if (printf '%s\n' "$2" > "$1") 2>/dev/null; then
		fail "$3: writing '$2' to $1 succeeded"
	fi
}

# move SRC DST: MOVE MEDIUM between two element addresses (4 hex digits).
move() {
	ktgt_sense_kaq "$sgc" a5 00 00 01 "${1:0:2}" "${1:2:2}" "${2:0:2}" "${2:2:2}" \
		00 00 00 00
}

# exchange SRC DST1 DST2: EXCHANGE MEDIUM between element addresses.
exchange() {
	ktgt_sense_kaq "$sgc" a6 00 00 01 "${1:0:2}" "${1:2:2}" "${2:0:2}" \
		"${2:2:2}" "${3:0:2}" "${3:2:2}" 00 00
}

# status: mtx status, volume tags without their padding.
status() {
	mtx -f "$sgc" status 2>&1 | sed -e 's/ *$//' -e 's/VolumeTag *= */VolumeTag=/'
}

# elem LINE-PREFIX: the line of mtx status that starts with it.
elem() {
	status | grep -E "^ *$1:" | sed 's/^ *//'
}

hexof() {
	od -An -tx1 -v "$1" | tr -s ' \n' ' ' | ktgt_trim
}

mkfiles() {
	local i
	mkdir -p "$1"
	for ((i = 0; i < 5; i++)); do
		head -c $((4096 + (i * 7919 + $2 * 104729) % 8192)) \
			/dev/urandom > "$1/f$i"
	done
}

# drain SG: take the unit attentions pending for SG's I_T nexus.
drain() {
	local i
	for ((i = 0; i < 8; i++)); do
		case "$(ktgt_sense_kaq "$1" 00 00 00 00 00 00)" in
		06/*) ;;
		*) return 0 ;;
		esac
	done
	fail "$1: unit attentions without end"
}

# ie_flags: byte 2 of the mail slot's element descriptor (READ ELEMENT
# STATUS, type 3): 01h FULL, 02h IMPEXP, 08h ACCESS, 30h INENAB EXENAB.
ie_flags() {
	rm -f /tmp/ie.bin
	sg_raw -R -r 64 -o /tmp/ie.bin "$sgc" b8 03 00 10 00 01 00 00 00 40 \
		00 00 >/dev/null 2>&1 || fail "READ ELEMENT STATUS of the mail slot"
	od -An -tx1 -j 18 -N 1 /tmp/ie.bin | tr -d ' \n'
}

# tape_ready ST: wait until the drive's tape is ready (after the UA).
tape_ready() {
	local i
	for ((i = 0; i < 50; i++)); do
		mt -f "/dev/n$1" status >/dev/null 2>&1 &&
			mt -f "/dev/n$1" status 2>&1 | grep -q ONLINE && return 0
		sleep 0.2
	done
	fail "/dev/n$1 not ready: $(mt -f "/dev/n$1" status 2>&1)"
}

# setup: the devices (the library's images and state stay in $LIB).
setup() {
	mkdir "$HT/d0" "$HT/d1" || fail "mkdir drives"
	ktgt_set_attrs "$HT/d0" size_mb=16 serial=DRIVE0SERIAL
	ktgt_set_attrs "$HT/d1" size_mb=16 serial=DRIVE1SERIAL
	mkdir "$HC/ch0" || fail "mkdir $HC/ch0"
	ktgt_set_attrs "$HC/ch0" library_dir=$LIB slots=4 ie_slots=1 \
		drives="d0 d1" cartridges="AAA001 BBB002 CCC003"
	ktgt_write "$HT/d0/enable" 1
	ktgt_write "$HT/d1/enable" 1
	ktgt_write "$HC/ch0/enable" 1
	ktgt_mktarget local/t0
	ktgt_maplun local/t0 0 vchanger/ch0
	ktgt_maplun local/t0 1 vtape/d0
	ktgt_maplun local/t0 2 vtape/d1
	ktgt_enable local/t0
	host=$(ktgt_local_host t0)
	sgc=$(ktgt_wait_disk -g host="$host" lun=0)
	sg0=$(ktgt_wait_disk -g host="$host" lun=1)
	sg1=$(ktgt_wait_disk -g host="$host" lun=2)
	st0=$(ktgt_wait_st "$(ktgt_find_disk host="$host" lun=1)") || exit 1
	st1=$(ktgt_wait_st "$(ktgt_find_disk host="$host" lun=2)") || exit 1
	log "changer $sgc, drive 0 /dev/n$st0 $sg0, drive 1 /dev/n$st1 $sg1"
}

ktgt_load ktgt_vtape ktgt_local
ktgt_initiator_load
modprobe st || fail "modprobe st"
rm -rf "$LIB"
mkdir -p "$LIB"

log "attributes"
mkdir "$HT/x0" || fail "mkdir $HT/x0"
ktgt_set_attrs "$HT/x0" size_mb=1 enable=1	# empty, without filename
rm -f /tmp/x0.img
ktgt_write "$HT/x0/filename" /tmp/x0.img
expect_eq "$(head -c 8 /tmp/x0.img)" KTGTTAPE "x0's image created at once"
ktgt_write "$HT/x0/enable" 0
mkdir "$HC/bad" || fail "mkdir $HC/bad"
attr_fails "$HC/bad/library_dir" relative "relative library_dir"
attr_fails "$HC/bad/slots" 0 "slots 0"
attr_fails "$HC/bad/slots" 1025 "slots 1025"
attr_fails "$HC/bad/ie_slots" 33 "ie_slots 33"
attr_fails "$HC/bad/drives" "" "no drives"
attr_fails "$HC/bad/drives" "x0 x0" "a drive twice"
attr_fails "$HC/bad/cartridges" "A/B" "a barcode with /"
attr_fails "$HC/bad/cartridges" "A1 A1" "a barcode twice"
expect_fail "enable without library_dir" ktgt_try_write "$HC/bad/enable" 1
ktgt_set_attrs "$HC/bad" library_dir=/tmp/badlib drives="x0 nosuch"
mkdir -p /tmp/badlib
dmesg -C
expect_fail "enable with a drive that is no vtape device" \
	ktgt_try_write "$HC/bad/enable" 1
dmesg | grep -q "bad: drive nosuch: no such vtape device" ||
	fail "no log line for the missing drive: $(dmesg | tail -3)"
rmdir "$HC/bad" "$HT/x0" || fail "rmdir bad, x0"

setup
expect_eq "$(cat "/sys/class/scsi_device/$(ktgt_find_disk host="$host" lun=0)/device/type")" \
	8 "peripheral device type"
sg_inq "$sgc" | grep -q "RMB=1" || fail "INQUIRY: no RMB: $(sg_inq "$sgc")"
sg_inq -d "$sgc" | grep -q "SMC-3" || fail "INQUIRY: no SMC-3: $(sg_inq -d "$sgc")"
mtx -f "$sgc" inquiry | grep -q "Medium Changer" ||
	fail "mtx inquiry: $(mtx -f "$sgc" inquiry 2>&1)"
ktgt_sense_kaq "$sg0" 00 00 00 00 00 00 >/dev/null	# a unit attention first
expect_eq "$(ktgt_sense_kaq "$sg0" 00 00 00 00 00 00)" "02/3a/00" \
	"an empty drive is not ready"
expect_eq "$(cat "$HT/d0/filename")" "" "empty drive's filename"

log "mtx status"
status
expect_eq "$(status | head -1 | sed 's/^ *//')" \
	"Storage Changer $sgc:2 Drives, 5 Slots ( 1 Import/Export )" "header"
expect_eq "$(elem "Data Transfer Element 0")" "Data Transfer Element 0:Empty" "DT 0"
expect_eq "$(elem "Storage Element 1")" \
	"Storage Element 1:Full :VolumeTag=AAA001" "slot 1"
expect_eq "$(elem "Storage Element 3")" \
	"Storage Element 3:Full :VolumeTag=CCC003" "slot 3"
expect_eq "$(elem "Storage Element 4")" "Storage Element 4:Empty" "slot 4"
expect_eq "$(elem "Storage Element 5 IMPORT/EXPORT")" \
	"Storage Element 5 IMPORT/EXPORT:Empty" "mail slot"
run_ok "mtx inventory" mtx -f "$sgc" inventory
grep -q "^slot 2 BBB002$" "$LIB/ch0.state" ||
	fail "state file: $(cat "$LIB/ch0.state")"

log "MODE SENSE page 1Dh"
rm -f /tmp/ms.bin
sg_raw -R -r 24 -o /tmp/ms.bin "$sgc" 1a 08 1d 00 18 00 >/dev/null 2>&1 ||
	fail "MODE SENSE page 1Dh"
expect_eq "$(hexof /tmp/ms.bin)" \
	"17 00 00 00 1d 12 00 01 00 01 04 00 00 04 00 10 00 01 01 00 00 02 00 00" \
	"page 1Dh"
expect_eq "$(ktgt_sense_kaq "$sgc" 1a 08 dd 00 18 00)" "05/39/00" \
	"MODE SENSE of saved values"
expect_eq "$(ktgt_sense_kaq "$sgc" 1a 08 0a 00 18 00)" "05/24/00" \
	"MODE SENSE page 0Ah, not a changer's"
expect_eq "$(ktgt_sense_kaq "$sgc" 1a 08 1d 01 18 00)" "05/24/00" \
	"MODE SENSE page 1Dh subpage 01h"
expect_eq "$(ktgt_sense_kaq -r 255 "$sgc" 1a 08 3f ff ff 00)" GOOD \
	"MODE SENSE all pages and subpages"

log "load A into drive 0, write, unload"
run_ok "mtx load 1 0" mtx -f "$sgc" load 1 0
expect_eq "$(elem "Data Transfer Element 0")" \
	"Data Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag=AAA001" \
	"DT 0 after load"
expect_eq "$(elem "Storage Element 1")" "Storage Element 1:Empty" "slot 1"
expect_eq "$(cat "$HT/d0/filename")" "$LIB/AAA001.img" "d0 filename"
expect_eq "$(head -c 8 "$LIB/AAA001.img")" KTGTTAPE "A created blank"
attr_fails "$HT/d0/filename" /tmp/other.img "filename of an owned drive"
tape_ready "$st0"
mkfiles /tmp/a 1
mkfiles /tmp/b 2
run_ok "tar -c A" tar -cf "/dev/n$st0" -b 20 -C /tmp/a .
run_ok "mt rewind" mt -f "/dev/n$st0" rewind
run_ok "mtx unload 1 0" mtx -f "$sgc" unload 1 0
expect_eq "$(ktgt_sense_kaq "$sg0" 00 00 00 00 00 00)" "02/3a/00" \
	"drive 0 empty after unload"
expect_eq "$(cat "$HT/d0/filename")" "" "d0 filename after unload"

log "load B, blank, write other data"
run_ok "mtx load 2 0" mtx -f "$sgc" load 2 0
tape_ready "$st0"
mkdir -p /tmp/outb0
expect_fail "tar -x of blank B" tar -xf "/dev/n$st0" -b 20 -C /tmp/outb0
run_ok "mt rewind" mt -f "/dev/n$st0" rewind
run_ok "tar -c B" tar -cf "/dev/n$st0" -b 20 -C /tmp/b .
run_ok "mtx unload 2 0" mtx -f "$sgc" unload 2 0

log "reload A: A's data"
run_ok "mtx load 1 0" mtx -f "$sgc" load 1 0
tape_ready "$st0"
mkdir -p /tmp/outa /tmp/outb
run_ok "tar -x A" tar -xf "/dev/n$st0" -b 20 -C /tmp/outa
diff -r /tmp/a /tmp/outa || fail "cartridge A's data differs"
run_ok "mtx unload" mtx -f "$sgc" unload 1 0
run_ok "mtx load 2 1" mtx -f "$sgc" load 2 1
tape_ready "$st1"
run_ok "tar -x B in drive 1" tar -xf "/dev/n$st1" -b 20 -C /tmp/outb
diff -r /tmp/b /tmp/outb || fail "cartridge B's data differs"
run_ok "mtx unload 2 1" mtx -f "$sgc" unload 2 1

log "transfer, first, next"
run_ok "mtx transfer 3 4" mtx -f "$sgc" transfer 3 4
expect_eq "$(elem "Storage Element 4")" \
	"Storage Element 4:Full :VolumeTag=CCC003" "slot 4 after transfer"
expect_eq "$(elem "Storage Element 3")" "Storage Element 3:Empty" \
	"slot 3 after transfer"
run_ok "mtx first 0" mtx -f "$sgc" first 0
expect_eq "$(elem "Data Transfer Element 0")" \
	"Data Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag=AAA001" \
	"first"
run_ok "mtx next 0" mtx -f "$sgc" next 0
expect_eq "$(elem "Data Transfer Element 0")" \
	"Data Transfer Element 0:Full (Storage Element 2 Loaded):VolumeTag=BBB002" \
	"next"
expect_eq "$(elem "Storage Element 1")" \
	"Storage Element 1:Full :VolumeTag=AAA001" "first's back"

log "sense"
# now: drive 0 BBB002 (from slot 2), slots 1 AAA001, 4 CCC003
expect_eq "$(move 0500 0100)" "05/21/01" "MOVE MEDIUM from no element"
expect_eq "$(move 0400 0102)" "05/21/01" "MOVE MEDIUM to no element"
expect_eq "$(move 0001 0100)" "05/21/01" "MOVE MEDIUM from the transport"
expect_eq "$(ktgt_sense_kaq "$sgc" a5 00 00 07 04 00 01 01 00 00 00 00)" \
	"05/21/01" "MOVE MEDIUM with another transport"
expect_eq "$(move 0402 0101)" "05/3b/0e" "MOVE MEDIUM from an empty slot"
expect_eq "$(move 0400 0100)" "05/3b/0d" "MOVE MEDIUM to a full drive"
expect_eq "$(move 0100 0403)" "05/3b/0d" "MOVE MEDIUM to a full slot"
expect_eq "$(ktgt_sense_kaq "$sgc" 2b 00 00 01 09 99 00 00 00 00)" "05/21/01" \
	"POSITION TO ELEMENT no element"
expect_eq "$(ktgt_sense_kaq "$sgc" 2b 00 00 01 04 00 00 00 00 00)" GOOD \
	"POSITION TO ELEMENT slot 1"
expect_eq "$(ktgt_sense_kaq -r 64 "$sgc" b8 00 08 00 00 01 00 00 00 40 00 00)" \
	"05/21/01" "READ ELEMENT STATUS above every element"
expect_eq "$(ktgt_sense_kaq -r 64 "$sgc" b8 05 00 00 00 01 00 00 00 40 00 00)" \
	"05/24/00" "READ ELEMENT STATUS type 5"
expect_eq "$(ktgt_sense_kaq "$sgc" 37 01 09 99 00 00 00 01 00 00)" "05/21/01" \
	"INITIALIZE ELEMENT STATUS WITH RANGE no element"
expect_eq "$(ktgt_sense_kaq "$sgc" 07 00 00 00 00 00)" GOOD \
	"INITIALIZE ELEMENT STATUS"

log "prevention"
expect_eq "$(ktgt_sense_kaq "$sgc" 1e 00 00 00 01 00)" GOOD "PREVENT on the changer"
expect_eq "$(move 0400 0010)" "05/53/02" "export while prevented"
expect_eq "$(move 0400 0402)" GOOD "slot to slot while prevented"
expect_eq "$(ktgt_sense_kaq "$sgc" 1e 00 00 00 00 00)" GOOD "ALLOW"
expect_eq "$(move 0402 0010)" GOOD "export"
expect_eq "$(elem "Storage Element 5 IMPORT/EXPORT")" \
	"Storage Element 5 IMPORT/EXPORT:Full :VolumeTag=AAA001" "mail slot"
expect_eq "$(move 0010 0400)" GOOD "import"
tape_ready "$st0"
expect_eq "$(ktgt_sense_kaq "$sg0" 1e 00 00 00 01 00)" GOOD "PREVENT on drive 0"
expect_eq "$(move 0100 0401)" "05/53/02" "a move out of a held drive"
expect_eq "$(cat "$HT/d0/filename")" "$LIB/BBB002.img" "still in drive 0"
expect_eq "$(ktgt_sense_kaq "$sg0" 1e 00 00 00 00 00)" GOOD "ALLOW on drive 0"
run_ok "mt lock" mt -f "/dev/n$st0" lock	# st's PREVENT
expect_eq "$(move 0100 0401)" "05/53/02" "a move out of a drive mt locked"
run_ok "mt unlock" mt -f "/dev/n$st0" unlock
expect_eq "$(move 0100 0101)" GOOD "drive 0 to drive 1 (loaded: unloaded)"
expect_eq "$(cat "$HT/d1/filename")" "$LIB/BBB002.img" "now in drive 1"
expect_eq "$(cat "$HT/d0/filename")" "" "drive 0 empty"

log "DVCID"
rm -f /tmp/res.bin
sg_raw -R -r 512 -o /tmp/res.bin "$sgc" b8 04 01 00 00 02 01 00 02 00 00 00 \
	>/dev/null 2>&1 || fail "READ ELEMENT STATUS DVCID"
grep -qa "DRIVE1SERIAL" /tmp/res.bin ||
	fail "no drive serial in DVCID: $(hexof /tmp/res.bin)"

log "state survives disable/enable"
before=$(status | tail -n +2)
ktgt_unmaplun local/t0 0
ktgt_write "$HC/ch0/enable" 0
ktgt_write "$HC/ch0/enable" 1
expect_eq "$(grep -v '^#' "$HC/ch0/inventory")" \
	"$(grep -v '^#' "$LIB/ch0.state")" "inventory attribute"
ktgt_maplun local/t0 0 vchanger/ch0
echo "- - -" > "/sys/class/scsi_host/host$host/scan"
sgc=$(ktgt_wait_disk -g host="$host" lun=0)
expect_eq "$(status | tail -n +2)" "$before" "status after disable/enable"

log "a changer enabled from another mount namespace"
# The state file and the cartridges resolve in init's mount namespace,
# as for the moves, not in that of the process that writes enable: here
# one with an empty tmpfs over $LIB. Drive 1's cartridge is unloaded
# and taken out first, so that enable must open its image again.
ktgt_unmaplun local/t0 0
ktgt_write "$HC/ch0/enable" 0
run_ok "mt offline drive 1" mt -f "/dev/n$st1" offline
ktgt_write "$HT/d1/filename" ""
run_ok "enable from another mount namespace" unshare -m sh -c \
	"mount -t tmpfs none $LIB && echo 1 > $HC/ch0/enable"
expect_eq "$(grep -v '^#' "$HC/ch0/inventory")" \
	"$(grep -v '^#' "$LIB/ch0.state")" \
	"inventory after an enable from another mount namespace"
expect_eq "$(cat "$HT/d1/filename")" "$LIB/BBB002.img" \
	"drive 1 after an enable from another mount namespace"
ktgt_maplun local/t0 0 vchanger/ch0
echo "- - -" > "/sys/class/scsi_host/host$host/scan"
sgc=$(ktgt_wait_disk -g host="$host" lun=0)
expect_eq "$(status | tail -n +2)" "$before" \
	"status after an enable from another mount namespace"
tape_ready "$st1"
rm -rf /tmp/outb && mkdir -p /tmp/outb
run_ok "tar -x B after an enable from another mount namespace" \
	tar -xf "/dev/n$st1" -b 20 -C /tmp/outb
diff -r /tmp/b /tmp/outb ||
	fail "cartridge B's data differs after an enable from another mount namespace"

log "a corrupt state file"
ktgt_unmaplun local/t0 0
ktgt_write "$HC/ch0/enable" 0
cp "$LIB/ch0.state" /tmp/good.state
printf 'slot 9 ZZZ999\n' >> "$LIB/ch0.state"
dmesg -C
expect_fail "enable with a corrupt state file" \
	ktgt_try_write "$HC/ch0/enable" 1
dmesg | grep -q "ch0: $LIB/ch0.state: line .*: no such element" ||
	fail "no log line for the state file: $(dmesg | tail -3)"
cp /tmp/good.state "$LIB/ch0.state"

log "state survives a module reload"
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
ktgt_load ktgt_vtape ktgt_local
setup
expect_eq "$(status | tail -n +2)" "$before" "status after module reload"
expect_eq "$(cat "$HT/d1/filename")" "$LIB/BBB002.img" "drive 1 after reload"
tape_ready "$st1"
run_ok "tar -x B after reload" tar -xf "/dev/n$st1" -b 20 -C /tmp/outb
diff -r /tmp/b /tmp/outb || fail "cartridge B's data differs after reload"

log "a load and an unload, seen through two I_T nexuses of drive 0"
# A second local target: a second initiator (I_T nexus) of drive 0.
ktgt_mktarget local/t1
ktgt_maplun local/t1 0 vtape/d0
ktgt_enable local/t1
sgx=$(ktgt_wait_disk -g host="$(ktgt_local_host t1)" lun=0)
drain "$sg0"
drain "$sgx"
expect_eq "$(ktgt_sense_kaq "$sgx" 00 00 00 00 00 00)" "02/3a/00" \
	"drive 0 empty, second nexus"
expect_eq "$(move 0400 0100)" GOOD "load slot 1 into drive 0"
expect_eq "$(ktgt_sense_kaq "$sg0" 00 00 00 00 00 00)" "06/28/00" \
	"first nexus after the load"
expect_eq "$(ktgt_sense_kaq "$sgx" 00 00 00 00 00 00)" "06/28/00" \
	"second nexus after the load"
expect_eq "$(ktgt_sense_kaq "$sg0" 00 00 00 00 00 00)" GOOD \
	"first nexus ready"
expect_eq "$(ktgt_sense_kaq "$sgx" 00 00 00 00 00 00)" GOOD \
	"second nexus ready"
expect_eq "$(move 0100 0400)" GOOD "unload drive 0 into slot 1"
expect_eq "$(ktgt_sense_kaq "$sg0" 00 00 00 00 00 00)" "02/3a/00" \
	"first nexus after the unload"
expect_eq "$(ktgt_sense_kaq "$sgx" 00 00 00 00 00 00)" "02/3a/00" \
	"second nexus after the unload"

log "IMPEXP survives disable/enable"
expect_eq "$(move 0400 0010)" GOOD "export slot 1"
expect_eq "$(ie_flags)" 39 "mail slot after the export: FULL, IMPEXP 0"
ktgt_unmaplun local/t0 0
ktgt_write "$HC/ch0/enable" 0
ktgt_write "$HC/ch0/enable" 1
ktgt_maplun local/t0 0 vchanger/ch0
echo "- - -" > "/sys/class/scsi_host/host$host/scan"
sgc=$(ktgt_wait_disk -g host="$host" lun=0)
drain "$sgc"
expect_eq "$(ie_flags)" 39 "mail slot after disable/enable: IMPEXP 0"
grep -q "^ie 1 AAA001 from slot 1 exported$" "$LIB/ch0.state" ||
	fail "state file after the export: $(cat "$LIB/ch0.state")"
# An operator's cartridge (an ie line without "exported", as in the
# files of before): IMPEXP 1.
ktgt_unmaplun local/t0 0
ktgt_write "$HC/ch0/enable" 0
sed -i 's/^\(ie 1 .*\) exported$/\1/' "$LIB/ch0.state"
ktgt_write "$HC/ch0/enable" 1
ktgt_maplun local/t0 0 vchanger/ch0
echo "- - -" > "/sys/class/scsi_host/host$host/scan"
sgc=$(ktgt_wait_disk -g host="$host" lun=0)
drain "$sgc"
expect_eq "$(ie_flags)" 3b "an operator's cartridge: IMPEXP 1"
expect_eq "$(move 0010 0400)" GOOD "import"
expect_eq "$(ktgt_sense_kaq -r 64 "$sgc" b8 03 00 10 00 01 00 00 00 40 00 00)" \
	GOOD "READ ELEMENT STATUS of the empty mail slot"

log "EXCHANGE MEDIUM"
# now: slot 1 AAA001, slot 4 CCC003, drive 1 BBB002 (from slot 2), drive
# 0 and the mail slot empty
expect_eq "$(exchange 0402 0100 0402)" "05/3b/0e" "EXCHANGE from an empty slot"
expect_eq "$(exchange 0400 0100 0400)" "05/3b/0e" \
	"EXCHANGE with an empty first destination"
expect_eq "$(exchange 0400 0101 0403)" "05/3b/0d" \
	"EXCHANGE to a full second destination"
expect_eq "$(exchange 0400 0101 0101)" "05/3b/0d" \
	"EXCHANGE with the first destination as the second"
expect_eq "$(exchange 0400 0101 0999)" "05/21/01" "EXCHANGE to no element"
expect_eq "$(ktgt_sense_kaq "$sgc" a6 00 00 01 04 00 01 01 04 00 01 00)" \
	"05/24/00" "EXCHANGE with INV1"
expect_eq "$(exchange 0400 0101 0400)" GOOD "slot 1 <-> drive 1"
# (mtx names another "Loaded" slot when the source is full: the file)
grep -q "^drive 2 AAA001 from slot 1$" "$LIB/ch0.state" &&
	grep -q "^slot 1 BBB002 from slot 2$" "$LIB/ch0.state" ||
	fail "state file after the exchange: $(cat "$LIB/ch0.state")"
expect_eq "$(elem "Storage Element 1")" \
	"Storage Element 1:Full :VolumeTag=BBB002" "slot 1 after the exchange"
expect_eq "$(cat "$HT/d1/filename")" "$LIB/AAA001.img" "d1's cartridge"
tape_ready "$st1"
rm -rf /tmp/outa && mkdir -p /tmp/outa
run_ok "tar -x A in drive 1" tar -xf "/dev/n$st1" -b 20 -C /tmp/outa
diff -r /tmp/a /tmp/outa || fail "cartridge A's data differs in drive 1"
# three elements: slot 4's CCC003 to drive 1, its AAA001 to drive 0
expect_eq "$(exchange 0403 0101 0100)" GOOD "slot 4 -> drive 1 -> drive 0"
expect_eq "$(cat "$HT/d0/filename")" "$LIB/AAA001.img" "d0's cartridge"
expect_eq "$(cat "$HT/d1/filename")" "$LIB/CCC003.img" "d1's cartridge"
expect_eq "$(elem "Storage Element 4")" "Storage Element 4:Empty" \
	"slot 4 after the exchange"
grep -q "^drive 1 AAA001 from slot 1$" "$LIB/ch0.state" &&
	grep -q "^drive 2 CCC003 from slot 4$" "$LIB/ch0.state" ||
	fail "state file after the exchange: $(cat "$LIB/ch0.state")"
tape_ready "$st0"
rm -rf /tmp/outa && mkdir -p /tmp/outa
run_ok "tar -x A in drive 0" tar -xf "/dev/n$st0" -b 20 -C /tmp/outa
diff -r /tmp/a /tmp/outa || fail "cartridge A's data differs in drive 0"
run_ok "mt lock" mt -f "/dev/n$st0" lock
expect_eq "$(exchange 0400 0100 0400)" "05/53/02" \
	"EXCHANGE with a held drive"
expect_eq "$(cat "$HT/d0/filename")" "$LIB/AAA001.img" "still in drive 0"
run_ok "mt unlock" mt -f "/dev/n$st0" unlock
rm -f /tmp/ms.bin
sg_raw -R -r 24 -o /tmp/ms.bin "$sgc" 1a 08 1f 00 18 00 >/dev/null 2>&1 ||
	fail "MODE SENSE page 1Fh"
expect_eq "$(hexof /tmp/ms.bin)" \
	"17 00 00 00 1f 12 0e 00 00 0e 0e 0e 00 00 00 00 00 0e 0e 0e 00 00 00 00" \
	"page 1Fh: moves and exchanges between slots, mail slots, drives"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
