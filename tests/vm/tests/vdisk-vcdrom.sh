#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# vcdrom through ktgt_local and Linux's sr driver:
# - an ISO 9660 image (genisoimage) is a CD-ROM (peripheral type 5,
#   2048-byte blocks, its size) that mounts read-only with identical
#   files; READ TOC reports one data track and the lead-out at the
#   image's size; writes are refused;
# - writing "" or "none" to filename empties the drive: TEST UNIT READY,
#   READ(10) (any LBA: no LBA OUT OF RANGE before the missing medium) and
#   READ CAPACITY say NOT READY, MEDIUM NOT PRESENT - TRAY CLOSED
#   (3Ah/01h) and mount fails;
# - writing a new image loads it: GET EVENT STATUS NOTIFICATION reports
#   NewMedia once, TEST UNIT READY reports a unit attention first, and
#   the new files mount (a media change the initiator notices);
# - without ISO 9660 support in the kernel (the debug kernel), the raw
#   medium is compared with the image instead of mounting it;
# - a filename that cannot be opened keeps the current medium;
# - START STOP UNIT with LoEj opens the tray, unless PREVENT ALLOW MEDIUM
#   REMOVAL prevents it: ILLEGAL REQUEST, MEDIUM REMOVAL PREVENTED
#   (53h/02h); an open tray keeps the configured image (filename, and
#   ktgtadm write, unchanged) and reports 3Ah/02h TRAY OPEN, GESN
#   MediaRemoval with the tray open; LoEj with Start closes it: the same
#   disc is back after NOT READY TO READY CHANGE (28h/00h); while the
#   drive is open, sr itself prevents removal; MODE SENSE page 2Ah (which
#   sr needs to call it an MMC drive) shows the LOCK STATE;
# - a drive enabled empty: READ(10) of LBA 0 gets 3Ah/01h, not LBA OUT
#   OF RANGE against capacity 0;
# - two I_T nexuses (a second local target mapping the same device): a
#   medium change, of the same size too, reaches both with 28h/00h and
#   GESN NewMedia, each its own; GET EVENT STATUS NOTIFICATION and GET
#   CONFIGURATION leave the unit attention pending; a tray opened by one
#   is seen by the other, closing it tells both;
# - PREVENT per I_T nexus: another nexus' ALLOW does not undo it, an
#   ALLOW (00b) leaves MMC's persistent prevention (11b), 10b ends it; a
#   LOGICAL UNIT RESET and the end of the session end it;
# - an image shrunk below one block is no medium after resync_size
#   (3Ah/01h, not READ CAPACITY FFFFFFFFh), and a medium again once it
#   grows back (28h/00h);
# - ktgtadm apply changes a vcdrom's filename in place, sessions or not:
#   the LUN stays and the initiator sees a medium change;
# - blocksize is fixed at 2048.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Process substitution needs /dev/fd, which the VM's /dev may lack.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

H=$KTGT_CFS/handlers/vcdrom
mnt=/mnt/vcdrom

attr_fails() {
	if (printf '%s\n' "$2" > "$1") 2>/dev/null; then
		fail "$3: writing '$2' to $1 succeeded"
	fi
}

# mk_iso NAME SEED: an ISO image /tmp/NAME.iso of a tree /tmp/NAME with
# SEED-dependent contents, and its checksums in /tmp/NAME.sums.
mk_iso() {
	local d=/tmp/$1 i
	mkdir -p "$d/sub/deeper"
	for ((i = 0; i < 12; i++)); do
		head -c $(( (i * 7919 + $2 * 104729) % 300000 + 1 )) /dev/urandom \
			> "$d/file$i"
	done
	head -c $(( $2 * 1024 * 1024 )) /dev/urandom > "$d/sub/deeper/big"
	echo "image $1" > "$d/sub/name.txt"
	(cd "$d" && find . -type f -print0 | sort -z | xargs -0 sha256sum) \
		> "/tmp/$1.sums"
	genisoimage -quiet -R -J -V "$1" -o "/tmp/$1.iso" "$d" ||
		fail "genisoimage for $1"
}

# check_mount NAME: the medium mounts and holds NAME's files. Kernels
# without ISO 9660 support (the debug kernel) compare the raw medium
# with the image instead.
check_mount() {
	if [ $have_isofs -eq 0 ]; then
		cmp "/tmp/$1.iso" "$dev" || fail "$dev differs from image $1"
		return
	fi
	mkdir -p "$mnt"
	run_ok "mount $dev ($1)" mount -t iso9660 -o ro "$dev" "$mnt"
	(cd "$mnt" && sha256sum --quiet -c "/tmp/$1.sums") ||
		fail "files on $dev differ from image $1"
	run_ok "umount $mnt" umount "$mnt"
}

# sense_of ARGS...: "key asc ascq" (hex) of a CDB sent to the sg device,
# "00 00 00" for GOOD.
sense_of() {
	local r k a q
	r=$(ktgt_sense "$@")
	case "$r" in
	status=00*) echo "00 00 00" ;;
	status=02*)
		read -r k a q _ <<< "$(ktgt_sense_decode "${r#*sense=}")"
		echo "${k#key=} ${a#asc=} ${q#ascq=}"
		;;
	*) echo "status ${r%% *}" ;;
	esac
}

TUR=(00 00 00 00 00 00)
ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"

# gesn SG: GET EVENT STATUS NOTIFICATION (polled, media class) on SG.
gesn() {
	rm -f /tmp/gesn.bin
	sg_raw -R -r 8 -o /tmp/gesn.bin "$1" 4a 01 00 00 10 00 00 00 08 00 \
		>/dev/null 2>&1 || fail "GET EVENT STATUS NOTIFICATION on $1"
	od -An -tx1 -v /tmp/gesn.bin | tr -s ' \n' ' ' | ktgt_trim
}

# tur_settled: TEST UNIT READY until no unit attention is reported;
# prints the first answer, then the final one.
tur_settled() {
	local first s i
	first=$(sense_of -R "$sg" "${TUR[@]}")
	s=$first
	for ((i = 0; i < 5; i++)); do
		[ "${s%% *}" = 06 ] || break
		s=$(sense_of -R "$sg" "${TUR[@]}")
	done
	echo "$first|$s"
}

# settle_both: TEST UNIT READY on both nexuses until no unit attention.
settle_both() {
	sg=$sg tur_settled >/dev/null
	sg=$sg1 tur_settled >/dev/null
}

command -v genisoimage >/dev/null || skip "genisoimage not installed"
mk_iso isoa 1
mk_iso isob 2
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
modprobe isofs 2>/dev/null
have_isofs=0
grep -qw iso9660 /proc/filesystems && have_isofs=1
[ $have_isofs -eq 1 ] || log "no iso9660 file system: comparing raw media"

mkdir "$H/cd0" || fail "mkdir $H/cd0"
expect_eq "$(cat "$H/cd0/blocksize")" 2048 "default CD-ROM blocksize"
attr_fails "$H/cd0/blocksize" 512 "blocksize 512 on a CD-ROM"
attr_fails "$H/cd0/filename" relative.iso "relative filename"
ktgt_set_attrs "$H/cd0" filename=/tmp/isoa.iso removable=1 read_only=1 \
	serial=VCD0 enable=1
expect_eq "$(cat "$H/cd0/filename")" /tmp/isoa.iso "filename"

ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vcdrom/cd0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
hctl=$(ktgt_find_disk host="$host" lun=0)
log "vcdrom/cd0 is $hctl: $dev $sg"
case "$dev" in /dev/sr*) ;; *) fail "vcdrom is $dev, not an sr device" ;; esac
expect_eq "$(cat "/sys/class/scsi_device/$hctl/device/type")" 5 \
	"peripheral device type"
expect_eq "$(cat "/sys/class/scsi_device/$hctl/device/removable" 2>/dev/null ||
	cat "/sys/block/${dev#/dev/}/removable")" 1 "removable"

# sr read the MM capabilities page (MODE SENSE page 2Ah); without it,
# it calls the drive "scsi-1" and assumes it cannot eject or lock.
dmesg | grep -q "\[${dev#/dev/}\] scsi3-mmc drive" ||
	fail "sr did not get mode page 2Ah: $(dmesg | grep "\[${dev#/dev/}\]")"

log "mount image A"
check_mount isoa
size_a=$(stat -c %s /tmp/isoa.iso)
expect_eq "$(blockdev --getsize64 "$dev")" "$size_a" "medium size"

log "READ CAPACITY and READ TOC"
rc=$(sg_readcap "$sg" 2>&1) || fail "READ CAPACITY: $rc"
grep -q "Last LBA=$((size_a / 2048 - 1)) " <<< "$rc" ||
	grep -q "Last logical block address=$((size_a / 2048 - 1)) " <<< "$rc" ||
	fail "READ CAPACITY: $rc"
grep -q "Logical block length=2048" <<< "$rc" ||
	grep -q "length=2048" <<< "$rc" || fail "READ CAPACITY block size: $rc"
run_ok "READ TOC" sg_raw -R -r 20 -o /tmp/toc.bin "$sg" \
	43 00 00 00 00 00 00 00 14 00
toc=$(od -An -tx1 -v /tmp/toc.bin | tr -s ' \n' ' ' | ktgt_trim)
expect_eq "$toc" "$(printf '00 12 01 01 00 14 01 00 00 00 00 00 00 14 aa 00 %02x %02x %02x %02x' \
	$(( (size_a / 2048) >> 24 )) $(( ((size_a / 2048) >> 16) & 255 )) \
	$(( ((size_a / 2048) >> 8) & 255 )) $(( (size_a / 2048) & 255 )))" "TOC"

log "writes are refused"
head -c 2048 /dev/zero > /tmp/blk
s=$(sense_of -s 2048 -i /tmp/blk "$sg" 2a 00 00 00 00 10 00 00 01 00)
expect_eq "$s" "05 20 00" "WRITE(10) on a CD-ROM"

log "eject through configfs"
ktgt_write "$H/cd0/filename" ""
expect_eq "$(cat "$H/cd0/filename")" "" "filename after eject"
s=$(tur_settled)
expect_eq "${s#*|}" "02 3a 01" "TEST UNIT READY without medium"
s=$(sense_of -R -r 2048 "$sg" 28 00 00 00 00 00 00 00 01 00)
expect_eq "$s" "02 3a 01" "READ(10) of LBA 0 without medium"
s=$(sense_of -R -r 2048 "$sg" 28 00 00 00 10 00 00 00 01 00)
expect_eq "$s" "02 3a 01" "READ(10) of LBA 4096 without medium"
s=$(sense_of -R -r 8 "$sg" 25 00 00 00 00 00 00 00 00 00)
expect_eq "$s" "02 3a 01" "READ CAPACITY without medium"
expect_fail "opening $dev without medium" sh -c "exec 3< $dev"

log "load image A again: a media change with the same capacity"
ktgt_write "$H/cd0/filename" /tmp/isoa.iso
run_ok "GET EVENT STATUS NOTIFICATION" sg_raw -R -r 8 -o /tmp/gesn.bin "$sg" \
	4a 01 00 00 10 00 00 00 08 00
expect_eq "$(od -An -tx1 -v /tmp/gesn.bin | tr -s ' \n' ' ' | ktgt_trim)" \
	"00 06 04 10 02 02 00 00" "GESN after loading: NewMedia, present"
run_ok "GET EVENT STATUS NOTIFICATION" sg_raw -R -r 8 -o /tmp/gesn.bin "$sg" \
	4a 01 00 00 10 00 00 00 08 00
expect_eq "$(od -An -tx1 -v /tmp/gesn.bin | tr -s ' \n' ' ' | ktgt_trim)" \
	"00 06 04 10 00 02 00 00" "GESN again: no new event"
s=$(tur_settled)
expect_eq "${s%|*}" "06 28 00" \
	"first TEST UNIT READY after a load: NOT READY TO READY CHANGE"
expect_eq "${s#*|}" "00 00 00" "TEST UNIT READY with medium"

log "change to image B (another size) while enabled"
ktgt_write "$H/cd0/filename" /tmp/isob.iso
check_mount isob
expect_eq "$(blockdev --getsize64 "$dev")" "$(stat -c %s /tmp/isob.iso)" \
	"medium size after the change"

log "a filename that cannot be opened keeps the medium"
attr_fails "$H/cd0/filename" /tmp/missing.iso "missing image"
expect_eq "$(cat "$H/cd0/filename")" /tmp/isob.iso "filename after a failed change"
s=$(tur_settled)
expect_eq "${s#*|}" "00 00 00" "medium still present"

log "PREVENT ALLOW MEDIUM REMOVAL and START STOP UNIT LoEj"
s=$(sense_of "$sg" 1e 00 00 00 01 00)
expect_eq "$s" "00 00 00" "PREVENT MEDIUM REMOVAL"
run_ok "MODE SENSE(10) page 2Ah" sg_raw -R -r 30 -o /tmp/mm.bin "$sg" \
	5a 00 2a 00 00 00 00 00 1e 00
read -r -a mm <<< "$(od -An -tx1 -v /tmp/mm.bin | tr -s " \n" "  ")"
expect_eq "${mm[8]} ${mm[14]}" "2a 2b" "page 2Ah with LOCK STATE after PREVENT"
s=$(sense_of -R "$sg" 5a 00 ea 00 00 00 00 00 1e 00)
expect_eq "$s" "05 39 00" "page 2Ah saved values"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "05 53 02" "eject while prevented"
expect_eq "$(cat "$H/cd0/filename")" /tmp/isob.iso "filename after a refused eject"
s=$(sense_of "$sg" 1e 00 00 00 00 00)
expect_eq "$s" "00 00 00" "ALLOW MEDIUM REMOVAL"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "00 00 00" "eject"
expect_eq "$(cat "$H/cd0/filename")" /tmp/isob.iso \
	"filename after the initiator's eject (the tray is open)"
s=$(tur_settled)
expect_eq "${s#*|}" "02 3a 02" "TEST UNIT READY with the tray open"
s=$(sense_of -R -r 2048 "$sg" 28 00 00 00 00 00 00 00 01 00)
expect_eq "$s" "02 3a 02" "READ(10) with the tray open"
expect_eq "$(gesn "$sg")" "00 06 04 10 03 01 00 00" \
	"GESN after eject: MediaRemoval, tray open"
run_ok "MECHANISM STATUS" sg_raw -R -r 8 -o /tmp/mech.bin "$sg" \
	bd 00 00 00 00 00 00 00 00 08 00 00
read -r -a mech <<< "$(od -An -tx1 -v /tmp/mech.bin | tr -s " \n" "  ")"
expect_eq "${mech[1]}" 10 "MECHANISM STATUS: door open"
"$ADM" write /tmp/open.conf || fail "ktgtadm write with the tray open"
grep -q "filename /tmp/isob.iso" /tmp/open.conf ||
	fail "ktgtadm write lost the image of an open tray: $(cat /tmp/open.conf)"

log "LoEj with Start closes the tray: the same disc is back"
s=$(sense_of "$sg" 1b 00 00 00 03 00)
expect_eq "$s" "00 00 00" "load"
expect_eq "$(gesn "$sg")" "00 06 04 10 02 02 00 00" \
	"GESN after the tray closed: NewMedia, present"
s=$(tur_settled)
expect_eq "${s%|*}" "06 28 00" "TEST UNIT READY after the tray closed"
expect_eq "${s#*|}" "00 00 00" "TEST UNIT READY with the disc back"
run_ok "READ(10) of the volume descriptor" sg_raw -R -r 2048 -o /tmp/pvd.bin \
	"$sg" 28 00 00 00 00 10 00 00 01 00
cmp /tmp/pvd.bin <(dd if=/tmp/isob.iso bs=2048 skip=16 count=1 status=none) ||
	fail "not image B after closing the tray"
s=$(sense_of "$sg" 1b 00 00 00 03 00)
expect_eq "$s" "00 00 00" "closing a closed tray"
s=$(tur_settled)
expect_eq "${s%|*}" "00 00 00" "no medium change from closing a closed tray"

log "while open (for data), sr prevents removal"
ktgt_write "$H/cd0/filename" /tmp/isoa.iso
exec 3< "$dev" || fail "open $dev"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "05 53 02" "eject while $dev is open"
cmp /tmp/isoa.iso <(dd if="$dev" bs=2048 iflag=direct status=none) ||
	fail "medium changed after a refused eject"
exec 3<&-

log "\"none\" ejects too"
ktgt_write "$H/cd0/filename" none
expect_eq "$(cat "$H/cd0/filename")" "" "filename after none"
s=$(tur_settled)
expect_eq "${s#*|}" "02 3a 01" "TEST UNIT READY after none"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "00 00 00" "opening the tray of an empty drive"
s=$(tur_settled)
expect_eq "${s#*|}" "02 3a 02" "TEST UNIT READY: empty, tray open"
s=$(sense_of "$sg" 1b 00 00 00 03 00)
expect_eq "$s" "00 00 00" "closing the tray of an empty drive"
s=$(tur_settled)
expect_eq "${s#*|}" "02 3a 01" "TEST UNIT READY: empty, tray closed"

log "two I_T nexuses: a second local target maps cd0 (and cd1, empty)"
ktgt_mkdev vcdrom/cd1
ktgt_mktarget local/t1
ktgt_maplun local/t1 0 vcdrom/cd0
ktgt_maplun local/t1 1 vcdrom/cd1
ktgt_enable local/t1
host1=$(ktgt_local_host t1)
sg1=$(ktgt_wait_disk -g host="$host1" lun=0)
sge=$(ktgt_wait_disk -g host="$host1" lun=1)
log "second nexus: $sg1; empty drive: $sge"
settle_both
s=$(sg=$sge tur_settled)
expect_eq "${s#*|}" "02 3a 01" "TEST UNIT READY of a drive enabled empty"
s=$(sense_of -R -r 2048 "$sge" 28 00 00 00 00 00 00 00 01 00)
expect_eq "$s" "02 3a 01" "READ(10) of LBA 0 of a drive enabled empty"
expect_eq "$(gesn "$sge")" "00 06 04 10 00 00 00 00" \
	"GESN of a drive enabled empty"
# Image C: image A with other data in one block, so of the same size.
cp /tmp/isoa.iso /tmp/isoc.iso
dd if=/dev/urandom of=/tmp/isoc.iso bs=2048 seek=20 count=1 conv=notrunc \
	status=none || fail "dd isoc"
ktgt_write "$H/cd0/filename" /tmp/isoa.iso
settle_both
ktgt_write "$H/cd0/filename" /tmp/isoc.iso
expect_eq "$(gesn "$sg")" "00 06 04 10 02 02 00 00" "GESN on nexus 0: NewMedia"
expect_eq "$(gesn "$sg1")" "00 06 04 10 02 02 00 00" "GESN on nexus 1: NewMedia"
expect_eq "$(gesn "$sg1")" "00 06 04 10 00 02 00 00" "GESN on nexus 1 again"
s=$(sense_of -R -r 8 "$sg1" 46 02 00 00 00 00 00 00 08 00)
expect_eq "$s" "00 00 00" "GET CONFIGURATION with a unit attention pending"
s=$(tur_settled)
expect_eq "${s%|*}" "06 28 00" "nexus 0 after a same-size change"
s=$(sg=$sg1 tur_settled)
expect_eq "${s%|*}" "06 28 00" "nexus 1 after a same-size change"
run_ok "READ(10) of block 20 on nexus 1" sg_raw -R -r 2048 -o /tmp/b20.bin \
	"$sg1" 28 00 00 00 00 14 00 00 01 00
cmp /tmp/b20.bin <(dd if=/tmp/isoc.iso bs=2048 skip=20 count=1 status=none) ||
	fail "nexus 1 reads the old disc after a same-size change"

log "GET CONFIGURATION and GESN leave the unit attention pending"
ktgt_write "$H/cd0/filename" /tmp/isob.iso
s=$(sense_of -R -r 8 "$sg1" 46 02 00 00 00 00 00 00 08 00)
expect_eq "$s" "00 00 00" "GET CONFIGURATION after a change of size"
expect_eq "$(gesn "$sg1")" "00 06 04 10 02 02 00 00" \
	"GESN after a change of size: NewMedia"
s=$(sense_of -R -r 8 "$sg1" 46 02 00 00 00 00 00 00 08 00)
expect_eq "$s" "00 00 00" "GET CONFIGURATION again"
s=$(sg=$sg1 tur_settled)
expect_eq "${s%|*}" "06 28 00" "TEST UNIT READY after GESN and GET CONFIGURATION"
settle_both

log "the tray, seen from two nexuses"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "00 00 00" "nexus 0 opens the tray"
expect_eq "$(gesn "$sg1")" "00 06 04 10 03 01 00 00" \
	"GESN on nexus 1: MediaRemoval, tray open"
s=$(sg=$sg1 tur_settled)
expect_eq "${s#*|}" "02 3a 02" "nexus 1: tray open"
s=$(sense_of "$sg1" 1b 00 00 00 03 00)
expect_eq "$s" "00 00 00" "nexus 1 closes the tray"
s=$(tur_settled)
expect_eq "${s%|*}" "06 28 00" "nexus 0 after nexus 1 closed the tray"
s=$(sg=$sg1 tur_settled)
expect_eq "${s%|*}" "06 28 00" "nexus 1 after closing the tray"

log "PREVENT ALLOW MEDIUM REMOVAL per I_T nexus"
s=$(sense_of "$sg" 1e 00 00 00 01 00)
expect_eq "$s" "00 00 00" "PREVENT on nexus 0"
s=$(sense_of "$sg1" 1b 00 00 00 02 00)
expect_eq "$s" "05 53 02" "eject on nexus 1 while nexus 0 prevents"
s=$(sense_of "$sg1" 1e 00 00 00 00 00)
expect_eq "$s" "00 00 00" "ALLOW on nexus 1"
s=$(sense_of "$sg1" 1b 00 00 00 02 00)
expect_eq "$s" "05 53 02" "eject after nexus 1's ALLOW: nexus 0 still prevents"
s=$(sense_of "$sg" 1e 00 00 00 00 00)
expect_eq "$s" "00 00 00" "ALLOW on nexus 0"
s=$(sense_of "$sg1" 1e 00 00 00 03 00)
expect_eq "$s" "00 00 00" "persistent PREVENT on nexus 1"
s=$(sense_of "$sg1" 1e 00 00 00 00 00)
expect_eq "$s" "00 00 00" "ALLOW (00b) on nexus 1"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "05 53 02" "eject while the persistent prevention stays"
s=$(sense_of "$sg1" 1e 00 00 00 02 00)
expect_eq "$s" "00 00 00" "persistent ALLOW (10b) on nexus 1"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "00 00 00" "eject after the persistent ALLOW"
s=$(sense_of "$sg" 1b 00 00 00 03 00)
expect_eq "$s" "00 00 00" "load"
settle_both
s=$(sense_of "$sg1" 1e 00 00 00 03 00)
expect_eq "$s" "00 00 00" "persistent PREVENT on nexus 1"
s=$(sense_of "$sg" 1e 00 00 00 01 00)
expect_eq "$s" "00 00 00" "PREVENT on nexus 0"
run_ok "LOGICAL UNIT RESET from nexus 0" sg_reset -d "$sg"
settle_both
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "00 00 00" "eject after a LOGICAL UNIT RESET"
s=$(sense_of "$sg" 1b 00 00 00 03 00)
expect_eq "$s" "00 00 00" "load"
settle_both
s=$(sense_of "$sg1" 1e 00 00 00 01 00)
expect_eq "$s" "00 00 00" "PREVENT on nexus 1"
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "05 53 02" "eject while nexus 1 prevents"
ktgt_enable local/t1 0
s=$(sense_of "$sg" 1b 00 00 00 02 00)
expect_eq "$s" "00 00 00" "eject after nexus 1's session ended"
s=$(sense_of "$sg" 1b 00 00 00 03 00)
expect_eq "$s" "00 00 00" "load"
s=$(tur_settled)
expect_eq "${s#*|}" "00 00 00" "disc back"

log "an image shrunk below one block is no medium"
cp /tmp/isoa.iso /tmp/isod.iso
ktgt_write "$H/cd0/filename" /tmp/isod.iso
s=$(tur_settled)
expect_eq "${s#*|}" "00 00 00" "image D loaded"
truncate -s 1000 /tmp/isod.iso
ktgt_write "$H/cd0/resync_size" 1
s=$(sense_of -R -r 8 "$sg" 25 00 00 00 00 00 00 00 00 00)
expect_eq "$s" "02 3a 01" "READ CAPACITY of an image shorter than a block"
expect_eq "$(gesn "$sg")" "00 06 04 10 03 00 00 00" \
	"GESN: MediaRemoval, no medium, tray closed"
cat /tmp/isoa.iso > /tmp/isod.iso
ktgt_write "$H/cd0/resync_size" 1
s=$(tur_settled)
expect_eq "${s%|*}" "06 28 00" "the image grown back is a medium again"
rc=$(sg_readcap "$sg" 2>&1) || fail "READ CAPACITY: $rc"
grep -Eq "(Last LBA|Last logical block address)=$((size_a / 2048 - 1)) " \
	<<< "$rc" || fail "READ CAPACITY after growing back: $rc"

log "ktgtadm apply changes the filename in place"
"$ADM" write /tmp/live1.conf || fail "ktgtadm write"
sed "s|filename /tmp/isod.iso|filename /tmp/isob.iso|" /tmp/live1.conf \
	> /tmp/live2.conf
grep -q "filename /tmp/isob.iso" /tmp/live2.conf || fail "no filename in $(cat /tmp/live1.conf)"
out=$("$ADM" apply --dry-run /tmp/live2.conf 2>&1) ||
	fail "ktgtadm apply --dry-run refused a vcdrom filename change: $out"
grep -q "set handlers/vcdrom/cd0/filename /tmp/isob.iso" <<< "$out" ||
	fail "ktgtadm apply --dry-run: no filename step: $out"
! grep -qE "unlink|rmdir|enable 0" <<< "$out" ||
	fail "ktgtadm apply --dry-run removes the LUN: $out"
out=$("$ADM" apply /tmp/live2.conf 2>&1) ||
	fail "ktgtadm apply refused a vcdrom filename change: $out"
expect_eq "$(cat "$H/cd0/filename")" /tmp/isob.iso "filename after apply"
s=$(tur_settled)
expect_eq "${s%|*}" "06 28 00" "TEST UNIT READY after ktgtadm's change"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
