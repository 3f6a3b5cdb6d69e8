#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# pt_tape (ktgt_pt): a tape drive of this kernel passed through as a ktgt
# LU. There is no real drive: a vtape LU of ktgt_local target t0 is one
# (a scsi_device of type 01h with st and sg attached), exported by
# pt_tape/p0 as LUN 0 of a second local target, t1, whose own st device
# ($TAPE) and sg node ($sg) are driven here:
# - a device that is not a tape drive (a nullio disk) cannot be enabled
#   (EMEDIUMTYPE); a second pt_tape device cannot export the same drive
#   (EBUSY);
# - INQUIRY is the drive's (vtape's), REPORT LUNS ktgt's;
# - the block length of fixed-block mode is the drive's, whatever the
#   LU's blocksize (4096 here, the drive 512), as block_length shows it:
#   read at enable (the drive set to 512 before), taken from MODE SELECT
#   through pt_tape (sg, `mt setblk`) and from MODE SENSE, read again
#   after the drive's unit attention (a change behind pt_tape's back):
#   FIXED READ(6)/WRITE(6) of N blocks move N * 512 bytes; READ BLOCK LIMITS passes (vtape's 1 byte..8 MiB, cut
#   to what one request to the drive takes);
# - tar archives across a filemark, read back; mt tell, seek, eod, fsf,
#   rewind, status through the pass-through LU; 64 KiB reads of
#   10240-byte blocks (st reads past each block's end: ILI);
# - a short read in variable mode through sg: CHECK CONDITION, ILI and
#   the residue in INFORMATION as the drive said them; with SILI, GOOD
#   and the bytes read (the residual passed on);
# - the drive deleted underneath: commands end with HARDWARE ERROR,
#   LOGICAL UNIT COMMUNICATION FAILURE (04h/08h/00h), no oops, and the
#   device can still be unmapped, disabled and removed.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

for c in mt tar sg_raw sg_inq sg_luns; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

H=$KTGT_CFS/handlers/pt_tape
img=/tmp/pt-tape0.img

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
}
trap cleanup EXIT

# mselect SG LEN: MODE SELECT(6) of a block descriptor of block length LEN.
mselect() {
	printf '%b' "$(printf '\\x%02x' 0 0 16 8 0 0 0 0 0 \
		$(($2 >> 16 & 255)) $(($2 >> 8 & 255)) $(($2 & 255)))" \
		> /tmp/msel.bin
	tsense -R -s 12 -i /tmp/msel.bin "$1" 15 10 00 00 0c 00
}

# blocklen SG: the block length in MODE SENSE(6)'s block descriptor.
blocklen() {
	local -a b
	rm -f /tmp/ms.bin
	sg_raw -R -r 12 -o /tmp/ms.bin "$1" 1a 00 00 00 0c 00 >/dev/null 2>&1 ||
		fail "MODE SENSE(6) of $1"
	read -r -a b <<< "$(hexof /tmp/ms.bin)"
	echo $((0x${b[9]}${b[10]}${b[11]}))
}

ktgt_load ktgt_pt ktgt_vtape ktgt_vdisk ktgt_local
ktgt_initiator_load
modprobe st || fail "modprobe st"

# --- the drive: a vtape LU of t0 (and a disk beside it) ---
rm -f "$img"
ktgt_mkdev vtape/v0 filename="$img" size_mb=16 blocksize=512
ktgt_mkdev vdisk_nullio/n0 size=16777216
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vtape/v0
ktgt_maplun local/t0 1 vdisk_nullio/n0
ktgt_enable local/t0
host0=$(ktgt_local_host t0)
isg=$(ktgt_wait_disk -g host="$host0" lun=0)
ktgt_wait_disk host="$host0" lun=1 > /dev/null
drive=$(ktgt_find_disk host="$host0" lun=0) || fail "no vtape device"
disk=$(ktgt_find_disk host="$host0" lun=1) || fail "no nullio device"
expect_eq "$(cat "/sys/class/scsi_device/$drive/device/type")" 1 \
	"the drive's peripheral device type"
log "drive $drive ($isg), disk $disk"
# Its power-on unit attention here, not through pt_tape; then the drive
# in fixed-block mode, 512 bytes, before pt_tape looks.
pt_tur_clear "$isg"
expect_eq "$(mselect "$isg" 512)" GOOD "MODE SELECT 512 of the drive"

# --- configuration errors ---
mkdir "$H/p0" || fail "mkdir $H/p0"
pt_write_fails "$H/p0/enable" 1 "Invalid argument" "enable without scsi_device"
ktgt_write "$H/p0/scsi_device" "$disk"
pt_write_fails "$H/p0/enable" 1 "Wrong medium type" "enable of a disk"
ktgt_write "$H/p0/scsi_device" "$drive"
# The LU's blocksize is not the drive's block length: no effect.
ktgt_write "$H/p0/blocksize" 4096
ktgt_write "$H/p0/enable" 1
expect_eq "$(cat "$H/p0/scsi_device")" "$drive" "scsi_device shows"
pt_write_fails "$H/p0/scsi_device" "$disk" "Device or resource busy" \
	"scsi_device while enabled"
pt_second_export "$H" "$drive" "a second export of $drive"
pt_wrong_type "$KTGT_CFS/handlers/pt_disk" "$drive" "pt_disk of a tape drive"

# --- the pass-through LU; INQUIRY is the drive's, REPORT LUNS ktgt's ---
pt_export pt_tape/p0 1 "$drive"
sg=$PT_SG
hctl=$PT_HCTL
expect_eq "$(sg_luns "$sg" | grep -c '^    [0-9a-f]\{16\}')" 1 \
	"REPORT LUNS through pt_tape (t1's one LUN)"

# --- the block length read at enable: 512, not the LU's 4096 ---
log "fixed-block mode from the block length read at enable"
expect_eq "$(cat "$H/p0/block_length")" 512 "block_length read at enable"
head -c 1024 /dev/urandom > /tmp/fx2.bin
expect_eq "$(tsense -s 1024 -i /tmp/fx2.bin "$sg" 0a 01 00 00 02 00)" GOOD \
	"WRITE(6) FIXED of 2 blocks, 1024 bytes"
expect_eq "$(tsense -R "$sg" 01 00 00 00 00 00)" GOOD "REWIND"
rm -f /tmp/fx2.back
expect_eq "$(tsense -R -r 1024 -o /tmp/fx2.back "$sg" 08 01 00 00 02 00)" \
	GOOD "READ(6) FIXED of 2 blocks, 1024 bytes"
cmp /tmp/fx2.bin /tmp/fx2.back || fail "2 fixed blocks read back differ"
# Back to variable-block mode through pt_tape: FIXED is the drive's
# error now, not a transfer of 4096-byte blocks.
expect_eq "$(mselect "$sg" 0)" GOOD "MODE SELECT 0 through pt_tape"
expect_eq "$(cat "$H/p0/block_length")" 0 "block_length after MODE SELECT 0"
expect_eq "$(tsense -R "$sg" 01 00 00 00 00 00)" GOOD "REWIND"
expect_eq "$(tsense -R -r 512 "$sg" 08 01 00 00 01 00)" "05/24/00 00 -" \
	"READ(6) FIXED in variable mode"
# The drive changed behind pt_tape's back (its own sg): a unit attention
# of the drive makes pt_tape read the block length again...
expect_eq "$(mselect "$isg" 512)" GOOD "MODE SELECT 512 of the drive"
expect_eq "$(cat "$H/p0/block_length")" 0 "block_length not seen yet"
# (UNLOAD and LOAD on the drive's sg, same I_T nexus: its NOT READY TO
# READY CHANGE goes to the next command, pt_tape's TEST UNIT READY.)
expect_eq "$(tsense -R "$isg" 1b 00 00 00 00 00)" GOOD "UNLOAD of the drive"
expect_eq "$(tsense -R "$isg" 1b 00 00 00 01 00)" GOOD "LOAD of the drive"
expect_eq "$(tsense -R "$sg" 00 00 00 00 00 00)" "06/28/00 00 -" \
	"the drive's unit attention through pt_tape"
expect_eq "$(cat "$H/p0/block_length")" 512 "block_length after a unit attention"
pt_tur_clear "$sg"
# ... and a MODE SENSE of the current values returns it.
expect_eq "$(mselect "$isg" 0)" GOOD "MODE SELECT 0 of the drive"
expect_eq "$(cat "$H/p0/block_length")" 512 "block_length not seen yet"
expect_eq "$(blocklen "$sg")" 0 "MODE SENSE through pt_tape"
expect_eq "$(cat "$H/p0/block_length")" 0 "block_length after MODE SENSE"
# And MODE SELECT through pt_tape again: 512 for the next FIXED READ(6).
expect_eq "$(mselect "$sg" 512)" GOOD "MODE SELECT 512 through pt_tape"
expect_eq "$(cat "$H/p0/block_length")" 512 "block_length after MODE SELECT 512"
expect_eq "$(tsense -R "$sg" 01 00 00 00 00 00)" GOOD "REWIND"
rm -f /tmp/fx1.back
expect_eq "$(tsense -R -r 512 -o /tmp/fx1.back "$sg" 08 01 00 00 01 00)" \
	GOOD "READ(6) FIXED of 1 block, 512 bytes"
cmp /tmp/fx1.back <(head -c 512 /tmp/fx2.bin) || fail "1 fixed block differs"
expect_eq "$(mselect "$sg" 0)" GOOD "MODE SELECT 0 through pt_tape"

# --- READ BLOCK LIMITS: the drive's, the maximum cut to a request ---
rm -f /tmp/rbl.bin
sg_raw -R -r 6 -o /tmp/rbl.bin "$sg" 05 00 00 00 00 00 >/dev/null 2>&1 ||
	fail "READ BLOCK LIMITS"
read -r -a rbl <<< "$(hexof /tmp/rbl.bin)"
max=$((0x${rbl[1]}${rbl[2]}${rbl[3]}))
expect_eq "${rbl[4]}${rbl[5]}" 0001 "MINIMUM BLOCK LENGTH LIMIT"
[ "$max" -gt 65536 ] && [ "$max" -le 8388608 ] ||
	fail "MAXIMUM BLOCK LENGTH LIMIT $max"
log "READ BLOCK LIMITS through pt_tape: 1..$max"

# --- st and tar through the pass-through LU ---
st=$(ktgt_wait_st "$hctl") || exit 1
TAPE=/dev/n$st
log "two tar archives separated by a filemark through $TAPE"
tape_tar_checks

log "short reads through sg"
run_ok "mt rewind" mt -f "$TAPE" rewind
expect_eq "$(tsense -R -r 20480 "$sg" 08 00 00 50 00 00)" \
	"00/00/00 20 10240" "READ(6) 20480 of a 10240-byte block: ILI"
expect_eq "$(tsense -R -r 512 "$sg" 08 00 00 02 00 00)" "00/00/00 20 -9728" \
	"READ(6) 512 of a 10240-byte block: ILI, negative residue"
run_ok "mt rewind" mt -f "$TAPE" rewind
rm -f /tmp/sili.bin
expect_eq "$(tsense -R -r 20480 -o /tmp/sili.bin "$sg" 08 02 00 50 00 00)" \
	GOOD "READ(6) SILI 20480 of a 10240-byte block"
expect_eq "$(stat -c %s /tmp/sili.bin)" 10240 \
	"bytes of a SILI read (residual 10240)"
cmp /tmp/sili.bin <(head -c 10240 /tmp/a_back.tar) ||
	fail "the SILI read's block differs"

log "fixed-block mode through st (mt setblk 512)"
run_ok "mt eod" mt -f "$TAPE" eod
p=$(tell | tr -dc 0-9)
run_ok "mt setblk 512" mt -f "$TAPE" setblk 512
expect_eq "$(blocklen "$isg")" 512 "the drive's block length"
expect_eq "$(cat "$H/p0/block_length")" 512 "block_length after setblk 512"
head -c 8192 /dev/urandom > /tmp/fixed.bin
dd if=/tmp/fixed.bin of="$TAPE" bs=512 2>/dev/null || fail "fixed write"
expect_eq "$(tell)" "At block $((p + 17))." "16 fixed blocks and a filemark"
run_ok "mt seek" mt -f "$TAPE" seek "$p"
dd if="$TAPE" of=/tmp/fixed.back bs=512 count=16 2>/dev/null ||
	fail "fixed read"
cmp /tmp/fixed.bin /tmp/fixed.back || fail "fixed blocks read back differ"
run_ok "mt seek" mt -f "$TAPE" seek $((p + 2))
rm -f /tmp/fx3.back
expect_eq "$(tsense -R -r 1536 -o /tmp/fx3.back "$sg" 08 01 00 00 03 00)" \
	GOOD "READ(6) FIXED of 3 blocks, 1536 bytes"
cmp /tmp/fx3.back <(tail -c +1025 /tmp/fixed.bin | head -c 1536) ||
	fail "3 fixed blocks read back differ"
run_ok "mt setblk 0" mt -f "$TAPE" setblk 0
expect_eq "$(cat "$H/p0/block_length")" 0 "block_length after setblk 0"
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "tar -t A" tar -tf "$TAPE" -b 20 > /dev/null

# --- the drive deleted underneath ---
log "the drive deleted"
ktgt_write "/sys/class/scsi_device/$drive/device/delete" 1
ktgt_wait_gone "$drive"
expect_eq "$(ktgt_tur "$sg")" "02 04/08/00" "TUR of a deleted drive"
expect_eq "$(ktgt_status "$sg" -r 512 08 00 00 02 00 00)" "02 04/08/00" \
	"READ(6) of a deleted drive"
expect_fail "mt rewind of a deleted drive" mt -f "$TAPE" rewind
ktgt_unmaplun local/t1 0
ktgt_local_rescan t1
ktgt_write "$H/p0/enable" 0
rmdir "$H/p0" || fail "rmdir $H/p0"

ktgt_cleanup || fail "cleanup"
pass
