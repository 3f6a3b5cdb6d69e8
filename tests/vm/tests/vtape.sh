#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# vtape through ktgt_local and Linux's st driver (mt-st, tar) and sg:
# - a missing image file is created as a blank tape (magic KTGTTAPE);
#   the logical unit is a tape (peripheral type 1, RMB = 1) that st binds;
# - two tar archives separated by a filemark (st writes one on close of
#   the non-rewinding node): rewind, fsf 1 reads the second back
#   identical, the first too; tell, eod, seek report and reach logical
#   object numbers (blocks and filemarks); mt status shows BOT and EOD;
# - variable-block reads: a 64 KiB read of each 10240-byte record
#   returns the record (ILI, positive residue: st keeps the short
#   block), a 512-byte one fails (ILI, negative residue: st's ENOMEM);
#   through sg: NO SENSE + ILI with INFORMATION 512 - 10240 and 10240,
#   none with SILI, a FIXED read in variable mode is INVALID FIELD IN
#   CDB;
# - sense: a filemark read is NO SENSE, FILEMARK, 00h/01h, INFORMATION
#   the request; end of data BLANK CHECK 08h/00h/05h, for READ, LOCATE
#   and SPACE; SPACE backward over a filemark stops before it, at BOT it
#   is EOM 00h/04h; READ POSITION reports BOP and the object number;
# - MODE SENSE: block descriptor (density 80h, block length 0), buffered
#   mode, page 0Fh with DCE 0; mt setblk 512 is fixed mode, whose blocks
#   read back; MODE SELECT of a block length above READ BLOCK LIMITS'
#   8 MiB is refused 05h/26h (other lengths: vtape-blocklen.sh);
# - writing in the middle (a third archive after the first) ends the
#   data there: eod is after it, fsf 2 is end of data;
# - ERASE at a position ends the data there;
# - READ BLOCK LIMITS says 1 byte to 8 MiB, REPORT DENSITY SUPPORT the
#   one density, 80h, writable and default;
# - reading at end of data returns nothing;
# - a 1 MiB tape (second LUN) reports EOM early warning (NO SENSE, EOM,
#   00h/02h) before VOLUME OVERFLOW (0Dh/00h/02h, residue the block);
# - mt offline: TEST UNIT READY is NOT READY 3Ah/00h; LOAD is a unit
#   attention 28h/00h; PREVENT keeps the tape in (05h/53h/02h);
# - read_only (set live): WP in MODE SENSE, WRITE and WRITE FILEMARKS
#   get DATA PROTECT 07h/27h/00h, tar cannot write, reading works;
# - filename changes only while unloaded; a corrupt image (a record
#   header's check word) gives MEDIUM ERROR 03h/11h/00h.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

for c in mt tar sg_raw sg_turs sg_inq; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

H=$KTGT_CFS/handlers/vtape
img=/tmp/tape0.img
TUR=(00 00 00 00 00 00)

attr_fails() {
	if (printf '%s\n' "$2" > "$1") 2>/dev/null; then
		fail "$3: writing '$2' to $1 succeeded"
	fi
}

# be32 N: N as four hex bytes.
be32() {
	printf '%02x %02x %02x %02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
		$(($1 >> 8 & 255)) $(($1 & 255))
}

# locate N: LOCATE(10) to logical object N, through tsense.
locate() {
	# shellcheck disable=SC2046 # be32's four bytes are four arguments
	tsense -R "$sg" 2b 00 00 $(be32 "$1") 00 00 00
}

# readpos: the logical object number READ POSITION reports, and BOP.
readpos() {
	local -a b
	rm -f /tmp/rp.bin
	sg_raw -R -r 20 -o /tmp/rp.bin "$sg" 34 00 00 00 00 00 00 00 00 00 \
		>/dev/null 2>&1 || fail "READ POSITION"
	read -r -a b <<< "$(hexof /tmp/rp.bin)"
	echo "$((0x${b[4]}${b[5]}${b[6]}${b[7]})) bop=$((0x${b[0]} >> 7))"
}

# quiet CMD...: CMD without its output.
quiet() {
	"$@" >/dev/null
}

# msense6: MODE SENSE(6), header and block descriptor, into /tmp/ms.bin.
msense6() {
	rm -f /tmp/ms.bin
	sg_raw -R -r 12 -o /tmp/ms.bin "$sg" 1a 00 00 00 0c 00 >/dev/null 2>&1 ||
		fail "MODE SENSE(6)"
}

ktgt_load ktgt_vtape ktgt_local
ktgt_initiator_load
modprobe st || fail "modprobe st"

rm -f "$img" /tmp/tape1.img
mkdir "$H/t0" || fail "mkdir $H/t0"
attr_fails "$H/t0/filename" relative.img "relative filename"
attr_fails "$H/t0/size_mb" 0 "size_mb 0"
ktgt_set_attrs "$H/t0" filename="$img" size_mb=16 serial=VTAPE0 enable=1
expect_eq "$(head -c 8 "$img")" KTGTTAPE "image magic"
expect_eq "$(cat "$H/t0/size_mb")" 16 "size_mb"
mkdir "$H/t1" || fail "mkdir $H/t1"
ktgt_set_attrs "$H/t1" filename=/tmp/tape1.img size_mb=1 enable=1

ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vtape/t0
ktgt_maplun local/t0 1 vtape/t1
ktgt_enable local/t0
host=$(ktgt_local_host t0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
hctl=$(ktgt_find_disk host="$host" lun=0)
expect_eq "$(cat "/sys/class/scsi_device/$hctl/device/type")" 1 \
	"peripheral device type"
sg_inq "$sg" | grep -q "RMB=1" || fail "INQUIRY: no RMB: $(sg_inq "$sg")"
st=$(ktgt_wait_st "$hctl") || exit 1
TAPE=/dev/n$st
log "vtape/t0 is $hctl: $TAPE $sg"

log "two tar archives separated by a filemark"
tape_tar_checks
run_ok "mt rewind" mt -f "$TAPE" rewind
expect_fail "512-byte read of a 10240-byte block" \
	dd if="$TAPE" of=/dev/null bs=512 count=1

log "sense data through sg"
run_ok "mt rewind" mt -f "$TAPE" rewind
expect_eq "$(readpos)" "0 bop=1" "READ POSITION at BOT"
expect_eq "$(tsense -R -r 512 "$sg" 08 00 00 02 00 00)" "00/00/00 20 -9728" \
	"READ(6) 512 of a 10240-byte block"
expect_eq "$(readpos)" "1 bop=0" "READ POSITION after a block"
expect_eq "$(tsense -R -r 20480 "$sg" 08 00 00 50 00 00)" \
	"00/00/00 20 10240" "READ(6) 20480 of a 10240-byte block"
expect_eq "$(tsense -R -r 20480 "$sg" 08 02 00 50 00 00)" GOOD \
	"READ(6) SILI 20480 of a 10240-byte block"
expect_eq "$(tsense -R -r 512 "$sg" 08 01 00 00 01 00)" "05/24/00 00 -" \
	"FIXED READ(6) in variable mode"
expect_eq "$(locate "$na")" GOOD \
	"LOCATE to the filemark"
expect_eq "$(tsense -R -r 10240 "$sg" 08 00 00 28 00 00)" \
	"00/00/01 80 10240" "READ(6) of a filemark"
expect_eq "$(readpos)" "$((na + 1)) bop=0" "READ POSITION past the filemark"
expect_eq "$(locate $((na + nb + 2)))" \
	GOOD "LOCATE to end of data"
expect_eq "$(tsense -R -r 10240 "$sg" 08 00 00 28 00 00)" \
	"08/00/05 00 10240" "READ(6) at end of data"
expect_eq "$(locate $((na + nb + 3)))" \
	"08/00/05 00 -" "LOCATE past end of data"
expect_eq "$(tsense -R "$sg" 11 00 ff ff ff 00)" "00/00/01 80 1" \
	"SPACE one block back onto a filemark"
expect_eq "$(readpos)" "$((na + nb + 1)) bop=0" "before the filemark"
expect_eq "$(tsense -R "$sg" 01 00 00 00 00 00)" GOOD "REWIND"
expect_eq "$(tsense -R "$sg" 11 00 ff ff ff 00)" "00/00/04 40 1" \
	"SPACE back at BOT"
expect_eq "$(tsense -R "$sg" 11 01 00 00 03 00)" "08/00/05 00 1" \
	"SPACE 3 filemarks over 2"
expect_eq "$(tsense -R "$sg" 11 04 00 00 01 00)" "05/24/00 00 -" \
	"SPACE setmarks"
expect_eq "$(tsense -R "$sg" 11 03 00 00 00 00)" GOOD "SPACE to end of data"
expect_eq "$(readpos)" "$((na + nb + 2)) bop=0" "at end of data"

log "mode parameters"
msense6
expect_eq "$(hexof /tmp/ms.bin)" "0b 00 10 08 80 00 00 00 00 00 00 00" \
	"MODE SENSE header and block descriptor"
expect_eq "$(ktgt_sense_kaq "$sg" 1a 08 cf 00 40 00)" "05/39/00" \
	"MODE SENSE of saved values"
expect_eq "$(ktgt_sense_kaq "$sg" 1a 08 1d 00 40 00)" "05/24/00" \
	"MODE SENSE page 1Dh, not a tape's"
expect_eq "$(ktgt_sense_kaq "$sg" 1a 08 0f 01 40 00)" "05/24/00" \
	"MODE SENSE page 0Fh subpage 01h"
rm -f /tmp/ms.bin
sg_raw -R -r 64 -o /tmp/ms.bin "$sg" 1a 08 0f 00 40 00 >/dev/null 2>&1 ||
	fail "MODE SENSE page 0Fh"
expect_eq "$(hexof /tmp/ms.bin | cut -d' ' -f1-7)" "13 00 10 00 0f 0e 00" \
	"page 0Fh, DCE 0"
printf '\x00\x00\x10\x08\x00\x00\x00\x00\x00\x80\x00\x01' > /tmp/msel.bin
expect_eq "$(tsense -s 12 -i /tmp/msel.bin "$sg" 15 10 00 00 0c 00)" \
	"05/26/00 00 -" "MODE SELECT of block length 8 MiB + 1"

log "fixed-block mode"
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "mt eod" mt -f "$TAPE" eod
run_ok "mt setblk 512" mt -f "$TAPE" setblk 512
msense6
expect_eq "$(hexof /tmp/ms.bin | cut -d' ' -f10-12)" "00 02 00" \
	"block length after setblk 512"
head -c 4096 /dev/urandom > /tmp/fixed.bin
p=$((na + nb + 2))
run_ok "mt seek" mt -f "$TAPE" seek "$p"
dd if=/tmp/fixed.bin of="$TAPE" bs=512 2>/dev/null || fail "fixed write"
expect_eq "$(tell)" "At block $((p + 9))." "8 fixed blocks and a filemark"
run_ok "mt seek" mt -f "$TAPE" seek "$p"
dd if="$TAPE" of=/tmp/fixed.back bs=512 count=8 2>/dev/null ||
	fail "fixed read"
cmp /tmp/fixed.bin /tmp/fixed.back || fail "fixed blocks read back differ"
run_ok "mt setblk 0" mt -f "$TAPE" setblk 0

log "writing in the middle truncates"
mkfiles /tmp/c 3 8
nc=$(records /tmp/c)
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "mt fsf 1" mt -f "$TAPE" fsf 1
run_ok "tar -c C" tar -cf "$TAPE" -b 20 -C /tmp/c .
run_ok "mt eod" mt -f "$TAPE" eod
expect_eq "$(tell)" "At block $((na + nc + 2))." "EOD after overwriting"
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "mt fsf 1" mt -f "$TAPE" fsf 1
rm -rf /tmp/outc && mkdir /tmp/outc
run_ok "tar -x C" tar -xf "$TAPE" -b 20 -C /tmp/outc
diff -r /tmp/c /tmp/outc || fail "archive C read back differs"
run_ok "mt rewind" mt -f "$TAPE" rewind
expect_fail "mt fsf 3 with two filemarks" mt -f "$TAPE" fsf 3

log "ERASE ends the data at the position"
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "mt fsf 1" mt -f "$TAPE" fsf 1
expect_eq "$(tsense "$sg" 19 01 00 00 00 00)" GOOD "ERASE(6)"
run_ok "mt eod" mt -f "$TAPE" eod
expect_eq "$(tell)" "At block $((na + 1))." "EOD after ERASE"

log "READ BLOCK LIMITS and REPORT DENSITY SUPPORT"
rm -f /tmp/rbl.bin /tmp/rds.bin
sg_raw -R -r 6 -o /tmp/rbl.bin "$sg" 05 00 00 00 00 00 >/dev/null 2>&1 ||
	fail "READ BLOCK LIMITS"
expect_eq "$(hexof /tmp/rbl.bin)" "00 80 00 00 00 01" "1 byte to 8 MiB"
sg_raw -R -r 64 -o /tmp/rds.bin "$sg" 44 00 00 00 00 00 00 00 40 00 \
	>/dev/null 2>&1 || fail "REPORT DENSITY SUPPORT"
expect_eq "$(hexof /tmp/rds.bin | cut -d' ' -f1-7)" "00 36 00 00 80 80 a0" \
	"density descriptor: 80h, WRTOK, DEFLT"

log "reading at end of data"
run_ok "mt eod" mt -f "$TAPE" eod
rm -f /tmp/eod.bin
dd if="$TAPE" of=/tmp/eod.bin bs=10240 count=1 2>/dev/null &&
	log "read at EOD: no error, checking it returned nothing"
expect_eq "$(stat -c %s /tmp/eod.bin 2>/dev/null || echo 0)" 0 \
	"bytes read at end of data"

log "early warning and volume overflow on a 1 MiB tape"
head -c 60000 /dev/urandom > /tmp/blk60k
# Its power-on unit attention first.
for ((i = 0; i < 3; i++)); do
	[ "$(tsense -R "$sg1" "${TUR[@]}")" = GOOD ] && break
done
ew=0
over=0
for ((i = 0; i < 20; i++)); do
	res=$(tsense -s 60000 -i /tmp/blk60k "$sg1" 0a 00 00 ea 60 00)
	case "$res" in
	GOOD) [ $ew -eq 0 ] || fail "write $i GOOD after early warning" ;;
	"00/00/02 40 0") ew=$((ew + 1)) ;;
	"0d/00/02 40 60000") over=1; break ;;
	*) fail "write $i: $res" ;;
	esac
done
[ $ew -ge 1 ] || fail "no early warning before the overflow"
[ $over -eq 1 ] || fail "no VOLUME OVERFLOW after $i writes of 60000 bytes"
log "early warning on $ew writes, overflow at write $i"
expect_eq "$(tsense -R "$sg1" 10 00 00 00 01 00)" "00/00/02 40 0" \
	"a filemark in the early-warning zone"

log "unload and load"
run_ok "mt offline" mt -f "$TAPE" offline
expect_eq "$(tsense -R "$sg" "${TUR[@]}")" "02/3a/00 00 -" \
	"TEST UNIT READY unloaded"
expect_fail "sg_turs unloaded" quiet sg_turs "$sg"
expect_eq "$(tsense -R -r 512 "$sg" 08 00 00 02 00 00)" "02/3a/00 00 -" \
	"READ(6) unloaded"
attr_fails "$H/t0/filename" /tmp/nonexistent/dir/x.img \
	"an image that cannot be created"
expect_eq "$(tsense -R "$sg" 1b 00 00 00 01 00)" GOOD "LOAD"
expect_eq "$(tsense -R "$sg" "${TUR[@]}")" "06/28/00 00 -" \
	"TEST UNIT READY after LOAD"
expect_eq "$(tsense -R "$sg" "${TUR[@]}")" GOOD "TEST UNIT READY loaded"
expect_eq "$(readpos)" "0 bop=1" "LOAD rewinds"
attr_fails "$H/t0/filename" /tmp/other.img "filename while loaded"
expect_eq "$(tsense -R "$sg" 1e 00 00 00 01 00)" GOOD "PREVENT"
expect_eq "$(tsense -R "$sg" 1b 00 00 00 00 00)" "05/53/02 00 -" \
	"UNLOAD while prevented"
expect_eq "$(tsense -R "$sg" 1e 00 00 00 00 00)" GOOD "ALLOW"
expect_eq "$(tsense -R "$sg" 1b 00 00 00 00 00)" GOOD "UNLOAD"
expect_eq "$(tsense -R "$sg" "${TUR[@]}")" "02/3a/00 00 -" \
	"TEST UNIT READY after UNLOAD"
expect_eq "$(tsense -R "$sg" 1b 00 00 00 01 00)" GOOD "LOAD again"
tsense -R "$sg" "${TUR[@]}" >/dev/null
run_ok "mt rewind" mt -f "$TAPE" rewind

log "write protection"
ktgt_write "$H/t0/read_only" 1
expect_eq "$(tsense -R "$sg" "${TUR[@]}")" "06/2a/01 00 -" \
	"MODE PARAMETERS CHANGED after read_only"
expect_eq "$(tsense -R "$sg" "${TUR[@]}")" GOOD "TEST UNIT READY"
msense6
expect_eq "$(hexof /tmp/ms.bin | cut -d' ' -f3)" 90 "WP and buffered mode"
head -c 512 /dev/zero > /tmp/blk512
expect_eq "$(tsense -s 512 -i /tmp/blk512 "$sg" 0a 00 00 02 00 00)" \
	"07/27/00 00 -" "WRITE(6) write-protected"
expect_eq "$(tsense -R "$sg" 10 00 00 00 01 00)" "07/27/00 00 -" \
	"WRITE FILEMARKS write-protected"
expect_fail "tar -c on a write-protected tape" \
	tar -cf "$TAPE" -b 20 -C /tmp/c .
expect_fail "mt weof on a write-protected tape" mt -f "$TAPE" weof
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "tar -t of a write-protected tape" tar -tf "$TAPE" -b 20 >/dev/null

log "a corrupt image"
cp "$img" /tmp/bad.img
# The check word of the first record header (offset 32 + 12).
printf '\xff' | dd of=/tmp/bad.img bs=1 seek=44 conv=notrunc 2>/dev/null
expect_eq "$(tsense -R "$sg" 1b 00 00 00 00 00)" GOOD "UNLOAD"
ktgt_write "$H/t0/filename" /tmp/bad.img
expect_eq "$(tsense -R "$sg" 1b 00 00 00 01 00)" GOOD "LOAD the bad image"
tsense -R "$sg" "${TUR[@]}" >/dev/null
expect_eq "$(tsense -R -r 10240 "$sg" 08 00 00 28 00 00 | cut -d' ' -f1)" \
	03/11/00 "READ(6) of a corrupt record"
expect_eq "$(tsense -R "$sg" 11 03 00 00 00 00 | cut -d' ' -f1)" 03/11/00 \
	"SPACE to end of data over a corrupt record"
expect_eq "$(tsense -R "$sg" "${TUR[@]}")" GOOD "TEST UNIT READY"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
