#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# EXTENDED COPY(LID1) whose copy source or destination fails: a
# vdisk_blockio LU (LUN 0) over a device-mapper device whose 512-byte
# sectors 16384-18431 fail every I/O, and a vdisk_fileio LU (LUN 1), on
# one local target. A copy that reads the failing blocks of LUN 0, and
# one that writes them, sent to either LUN, end with CHECK CONDITION,
# COPY ABORTED, THIRD PARTY DEVICE FAILURE (0A/0D/01) - not with the
# MEDIUM ERROR the copy source or destination gave the copy manager,
# which would describe the LU the EXTENDED COPY was sent to (SPC-4
# EXTENDED COPY, errors detected during processing of segment
# descriptors) - and RECEIVE COPY RESULTS reports the same: completed
# with errors, the segments before the failing one processed, and that
# sense in FAILED SEGMENT DETAILS. The sense names the segment that
# failed, in the third and fourth bytes of its COMMAND-SPECIFIC
# INFORMATION field, in fixed format and, with D_SENSE set in the
# control mode page of the LU the copy was sent to, in descriptor format
# (a command-specific information descriptor), points with its segment
# pointer (SENSE KEY SPECIFIC, SD = 0) at the target descriptor of the
# copy target that failed, and, when some blocks of the failing segment
# were written before the failure, reports the blocks of the segment
# not written in its INFORMATION field (counting from the first block:
# all of them for an overlapping segment copied from its end). A copy of blocks that do not
# fail still succeeds. The status and sense the copy source or
# destination gave the copy manager (CHECK CONDITION, MEDIUM ERROR) are
# forwarded as SPC-4 wants: in fixed format appended to the sense, at
# the offset in the first (source) or second (destination) byte of
# COMMAND-SPECIFIC INFORMATION; in descriptor format in a forwarded
# sense data descriptor (0Ch) naming the source (1) or destination (2).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/xcopy.sh"

T=$(mktemp -d /tmp/spc-xcopy-err.XXXXXX) || fail "mktemp"

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	ktgt_dm_cleanup
}
trap cleanup EXIT
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

ktgt_dm_have || skip "no device-mapper in this kernel"

# csi_seg "HEX BYTES": the segment number of COPY ABORTED sense, the
# third and fourth bytes of COMMAND-SPECIFIC INFORMATION (bytes 10-11 of
# fixed format; of descriptor format, those of the field of its
# command-specific information descriptor, type 01h), as "fmt=70 seg=N"
# (fmt: the response code, 70 or 72, VALID aside)
# (N decimal; "-" without the field or descriptor).
csi_seg() {
	local -a b
	local i seg=-
	read -r -a b <<< "${1,,}"
	case "${b[0]}" in
	70 | f0)
		[ ${#b[@]} -ge 12 ] && seg=$((16#${b[10]}${b[11]}))
		;;
	72)
		for ((i = 8; i + 1 < ${#b[@]}; i += 2 + 16#${b[i + 1]})); do
			[ "${b[i]}" = 01 ] && [ $((i + 7)) -lt ${#b[@]} ] &&
				seg=$((16#${b[i + 6]}${b[i + 7]}))
		done
		;;
	esac
	# The response code, without fixed format's VALID bit.
	echo "fmt=$(printf %02x $((16#${b[0]:-0} & 0x7f))) seg=$seg"
}

# fwd "HEX BYTES": the status and sense of the copy source or destination
# forwarded in COPY ABORTED sense, as "src=S status=SS key=KK" (S: 1 the
# copy source, 2 the destination; KK the forwarded sense key), "-" if
# none: of fixed format, the area at the offset in byte 8 (source) or 9
# (destination), a status byte and the sense; of descriptor format, the
# forwarded sense data descriptor (0Ch): SENSE DATA SOURCE, status,
# sense.
fwd() {
	local -a b
	local i o=0 src=0 st sense k
	read -r -a b <<< "${1,,}"
	case "${b[0]}" in
	70 | f0)
		if [ $((16#${b[8]})) -ne 0 ]; then
			o=$((16#${b[8]})) src=1
		elif [ $((16#${b[9]})) -ne 0 ]; then
			o=$((16#${b[9]})) src=2
		fi
		[ $o -gt 0 ] && st=${b[o]} sense="${b[*]:o + 1}"
		;;
	72)
		for ((i = 8; i + 1 < ${#b[@]}; i += 2 + 16#${b[i + 1]})); do
			[ "${b[i]}" = 0c ] || continue
			src=$((16#${b[i + 2]} & 0xf)) st=${b[i + 3]}
			sense="${b[*]:i + 4:16#${b[i + 1]} - 2}"
		done
		;;
	esac
	if [ $src = 0 ]; then
		echo -
		return
	fi
	read -r k _ <<< "$(ktgt_sense_decode "$sense")"
	echo "src=$src status=$st $k"
}

# expect_abort WHAT FMT SEG RESID "status=.. sense=..": CHECK CONDITION,
# COPY ABORTED, THIRD PARTY DEVICE FAILURE in format FMT (70 or 72)
# naming segment SEG, its segment pointer at the first byte of the
# target descriptor of LUN 0, the copy target that failed (SD = 0, field
# 16), and RESID blocks of the segment not written in the INFORMATION
# field ("-": none written, the field not valid).
expect_abort() {
	expect_check "$1" "key=0a asc=0d ascq=01 sks=800010" "$5"
	expect_eq "$(csi_seg "${5#*sense=}")" "fmt=$2 seg=$3" \
		"$1: sense format and segment number"
	expect_eq "$(ktgt_sense_info "${5#*sense=}")" "$4" \
		"$1: residual of the segment"
	expect_eq "$(fwd "${5#*sense=}")" "src=$src status=02 key=03" \
		"$1: the MEDIUM ERROR of the copy $what, forwarded"
}

# xc LISTID SEGHEX: EXTENDED COPY on $sg with LUN 0 and LUN 1 as target
# descriptors 0 and 1, LIST ID USAGE 00b (through SG_IO: all its sense).
xc() {
	local t s=$2 f=$T/plist
	t="$(tgt "$naa0")$(tgt "$naa1")"
	printf '%02x00%s00000000%s00000000%s%s' "$1" "$(be $((${#t} / 2)) 2)" \
		"$(be $((${#s} / 2)) 4)" "$t" "$s" | xxd -r -p > "$f"
	xcopy_sgio "$sg" "$f"
}

# failed LISTID SEGS [FMT]: RECEIVE COPY RESULTS of a copy that failed
# in its segment SEGS (0-based) with 0A/0D/01, in sense format FMT (70 by
# default) naming that segment.
failed() {
	local st fs sl
	st=$(din 12 84 00 "$(printf %02x "$1")" 00 00 00 00 00 00 00 00 00 00 0c 00 00)
	expect_eq "${st:8:6}" "02$(be "$2" 2)" \
		"COPY STATUS of list $1: completed with errors, segments"
	fs=$(din 160 84 04 "$(printf %02x "$1")" 00 00 00 00 00 00 00 00 00 00 a0 00 00)
	expect_eq "${fs:112:2}" 02 "FAILED SEGMENT DETAILS of list $1: status"
	sl=$((16#${fs:116:4}))
	expect_eq "$(ktgt_sense_decode "$(sed 's/../& /g' <<< "${fs:120:sl * 2}")")" \
		"key=0a asc=0d ascq=01 sks=800010" \
		"FAILED SEGMENT DETAILS of list $1: sense"
	expect_eq "$(csi_seg "$(sed 's/../& /g' <<< "${fs:120:sl * 2}")")" \
		"fmt=${3:-70} seg=$2" \
		"FAILED SEGMENT DETAILS of list $1: sense format, segment number"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

ktgt_dm_error ktgtxcerr "$T"
bdm=$KTGT_DM_DEV
truncate -s 16M "$T/x1.img" || fail "truncate"
ktgt_mkdev vdisk_blockio/b0 filename="$bdm"
ktgt_mkdev vdisk_fileio/x1 filename="$T/x1.img"
ktgt_mktarget local/tx
ktgt_maplun local/tx 0 vdisk_blockio/b0
ktgt_maplun local/tx 1 vdisk_fileio/x1
ktgt_enable local/tx
host=$(ktgt_local_host tx)
sg0=$(ktgt_wait_disk -g host="$host" lun=0)
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
naa0=$(cat "$KTGT_CFS/handlers/vdisk_blockio/b0/naa_id")
naa1=$(cat "$KTGT_CFS/handlers/vdisk_fileio/x1/naa_id")
log "LUN 0 $sg0 (blockio, failing at 16384) naa $naa0, LUN 1 $sg1 naa $naa1"
ktgt_tur "$sg0" >/dev/null
ktgt_tur "$sg1" >/dev/null

sg=$sg0
expect_eq "$(ktgt_status -r 4096 "$sg0" 28 00 00 00 40 00 00 00 08 00)" \
	"02 03/11/00" "READ(10) of LUN 0 at LBA 16384"

log "copy sources and destinations that work"
expect_good "copy LUN 0 blocks 0+256 -> LUN 1" "$(xc 1 "$(seg 0 1 256 0 0)")"
expect_good "copy LUN 1 blocks 0+256 -> LUN 0 at 8192" \
	"$(xc 2 "$(seg 1 0 256 0 8192)")"

# failures FMT: the failing copies, sent to LUN 0 and LUN 1, with
# sense in format FMT.
failures() {
	local fmt=$1

	log "a copy source that fails (sense format $fmt)"
	src=1 what=source
	for sg in $sg0 $sg1; do
		expect_abort "$sg: copy LUN 0 blocks 16384+8 -> LUN 1" "$fmt" 0 - \
			"$(xc 3 "$(seg 0 1 8 16384 0)")"
		failed 3 0 "$fmt"
		expect_abort "$sg: copy a good segment, then LUN 0 blocks 16300+200" \
			"$fmt" 1 - "$(xc 4 "$(seg 0 1 8 0 0)$(seg 0 1 200 16300 100)")"
		failed 4 1 "$fmt"
		expect_abort "$sg: copy two good segments, then LUN 0 blocks 18000+8" \
			"$fmt" 2 - "$(xc 7 "$(seg 0 1 8 0 0)$(seg 1 0 8 0 100)$(seg 0 1 8 18000 8)")"
		failed 7 2 "$fmt"
		# 1 MB chunks: blocks 14336-16383 are copied, 16384- fail.
		expect_abort "$sg: copy LUN 0 blocks 14336+4096 -> LUN 1" \
			"$fmt" 0 2048 "$(xc 9 "$(seg 0 1 4096 14336 0)")"
		failed 9 0 "$fmt"
		# Onto 16484, overlapping: copied from its end, 18432- first;
		# the residual counts from the first block: all 4096.
		expect_abort "$sg: copy LUN 0 blocks 16384+4096 onto 16484" \
			"$fmt" 0 4096 "$(xc 11 "$(seg 0 0 4096 16384 16484)")"
		failed 11 0 "$fmt"
	done

	log "a copy destination that fails (sense format $fmt)"
	src=2 what=destination
	for sg in $sg0 $sg1; do
		expect_abort "$sg: copy LUN 1 blocks 0+8 -> LUN 0 at 16384" \
			"$fmt" 0 - "$(xc 5 "$(seg 1 0 8 0 16384)")"
		failed 5 0 "$fmt"
		expect_abort "$sg: copy two good segments, then LUN 1 -> LUN 0 at 18424" \
			"$fmt" 2 - "$(xc 8 "$(seg 1 0 8 0 0)$(seg 0 1 8 0 0)$(seg 1 0 16 0 18424)")"
		failed 8 2 "$fmt"
		expect_abort "$sg: copy a good segment, then LUN 1 blocks 0+3000 -> LUN 0 at 14336" \
			"$fmt" 1 952 "$(xc 10 "$(seg 1 0 8 0 0)$(seg 1 0 3000 0 14336)")"
		failed 10 1 "$fmt"
	done
}

failures 70

# D_SENSE in the control mode page of both LUs: descriptor format.
for sg in $sg0 $sg1; do
	printf '00000000000000000a0a04000040000000000000' | xxd -r -p > "$T/ms"
	expect_good "$sg: MODE SELECT(10) control page with D_SENSE" \
		"$(ktgt_sense -s 20 -i "$T/ms" "$sg" 55 10 00 00 00 00 00 00 14 00)"
	# The MODE PARAMETERS CHANGED unit attention, if any, out of the way.
	ktgt_tur "$sg" >/dev/null
done
failures 72

sg=$sg1
expect_good "copy LUN 0 blocks 0+256 -> LUN 1 after the failures" \
	"$(xc 6 "$(seg 0 1 256 0 1000)")"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass "EXTENDED COPY with a failing copy source or destination"
