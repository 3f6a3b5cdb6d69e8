# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the VM tests of tapes and of pass-through (vtape.sh,
# pt-*.sh, adm-pt-*.sh): the tape checks vtape.sh and pt-tape.sh share,
# a vtape exported over iSCSI (vtape-iscsi.sh, vtape-readalloc.sh),
# the steps of exporting a LU of local target t0 through a pass-through
# device as LUN 0 of local target t1, and the ktgtadm round trip of such
# a configuration. Source it after guest.sh and ktgt.sh:
#
#   . "$KTGT_REPO/tests/lib/guest.sh"
#   . "$KTGT_REPO/tests/lib/ktgt.sh"
#   . "$KTGT_REPO/tests/lib/pt.sh"
#
# Like ktgt.sh's, every helper fails the test naming the step that
# failed.

# pt_write_fails FILE VALUE ERRNO_TEXT WHY: writing VALUE to the
# attribute FILE must fail with that error message (strerror).
pt_write_fails() {
	local err
	if err=$( { printf '%s\n' "$2" > "$1"; } 2>&1); then
		fail "$4: writing '$2' to $1 succeeded"
	fi
	case "$err" in
	*"$3"*) ;;
	*) fail "$4: writing '$2' to $1: '${err##*: }', not '$3'" ;;
	esac
}

# pt_tur_clear SG: TEST UNIT READY until GOOD (past unit attentions).
pt_tur_clear() {
	local i
	for ((i = 0; i < 5; i++)); do
		[ "$(ktgt_sense_kaq "$1" 00 00 00 00 00 00)" = GOOD ] && return 0
	done
	fail "TEST UNIT READY of $1: $(ktgt_sense_kaq "$1" 00 00 00 00 00 00)"
}

# pt_second_export HANDLER HCTL WHY: a second device of HANDLER (its
# directory, e.g. $KTGT_CFS/handlers/pt_tape) cannot export HCTL, which
# another pass-through device exports: EBUSY; it is removed again.
pt_second_export() {
	mkdir "$1/second" || fail "mkdir $1/second"
	ktgt_write "$1/second/scsi_device" "$2"
	pt_write_fails "$1/second/enable" 1 "Device or resource busy" "$3"
	rmdir "$1/second" || fail "rmdir $1/second"
}

# pt_wrong_type HANDLER HCTL WHY: a device of HANDLER (its directory)
# cannot export HCTL, a device of another type: EMEDIUMTYPE; it is
# removed again.
pt_wrong_type() {
	mkdir "$1/wrong" || fail "mkdir $1/wrong"
	ktgt_write "$1/wrong/scsi_device" "$2"
	pt_write_fails "$1/wrong/enable" 1 "Wrong medium type" "$3"
	rmdir "$1/wrong" || fail "rmdir $1/wrong"
}

# pt_t1_lu TYPE HANDLER: LUN 0 of local target t1, the LU of a device
# of the pass-through HANDLER, whose sg node it waits for: its
# PERIPHERAL DEVICE TYPE must be TYPE. Sets PT_SG and PT_HCTL.
pt_t1_lu() {
	local host
	host=$(ktgt_local_host t1)
	PT_SG=$(ktgt_wait_disk -g host="$host" lun=0)
	PT_HCTL=$(ktgt_find_disk host="$host" lun=0) ||
		fail "no pass-through device"
	expect_eq "$(cat "/sys/class/scsi_device/$PT_HCTL/device/type")" "$1" \
		"peripheral device type through $2"
}

# pt_export DEVICE TYPE INNER: map the pass-through DEVICE (handler/name,
# enabled) as LUN 0 of a new local target t1 and wait for its sg node:
# the scsi_device's PERIPHERAL DEVICE TYPE must be TYPE, its INQUIRY
# identity (vendor, model) that of INNER (H:C:T:L), the device passed
# through; past its unit attentions. Sets PT_SG and PT_HCTL.
pt_export() {
	ktgt_mktarget local/t1
	ktgt_maplun local/t1 0 "$1"
	ktgt_enable local/t1
	pt_t1_lu "$2" "${1%%/*}"
	pt_tur_clear "$PT_SG"
	log "pass-through LU $PT_HCTL ($PT_SG)"
	expect_eq "$(ktgt_sdev_attr "$PT_HCTL" vendor) $(ktgt_sdev_attr "$PT_HCTL" model)" \
		"$(ktgt_sdev_attr "$3" vendor) $(ktgt_sdev_attr "$3" model)" \
		"INQUIRY identity through ${1%%/*}"
}

# --- tapes (vtape.sh, pt-tape.sh) ---

# vtape_iscsi IQN IMG: load ktgt_vtape and ktgt_iscsi, start ktgt-iscsid,
# and export a 16 MiB vtape tp0 on a new image IMG as LUN 0 of a new,
# enabled iSCSI target IQN on 127.0.0.1 (needs iscsi.sh).
vtape_iscsi() {
	ktgt_load ktgt_vtape ktgt_iscsi
	ktgt_iscsid_start
	rm -f "$2"
	ktgt_mkdev vtape/tp0 filename="$2" size_mb=16
	ktgt_iscsi_mktarget "$1" 127.0.0.1
	ktgt_maplun "iscsi/$1" 0 vtape/tp0
	ktgt_iscsi_enable "$1"
}

# tsense ARGS...: the outcome of a CDB sent with sg_raw ARGS: "GOOD", or
# "KEY/ASC/ASCQ BITS INFO" from fixed-format sense data: BITS the
# FILEMARK, EOM and ILI bits of byte 2 (hex), INFO the INFORMATION
# field (signed decimal) if VALID, else "-".
tsense() {
	local r key bits info=-
	local -a s
	r=$(ktgt_sense "$@")
	case "$r" in
	status=00*) echo GOOD; return ;;
	status=02*) ;;
	*) echo "status ${r%% *}"; return ;;
	esac
	read -r -a s <<< "${r#*sense=}"
	[ ${#s[@]} -ge 14 ] || { echo "short sense: ${s[*]}"; return; }
	key=$((0x${s[2]} & 0x0f))
	bits=$((0x${s[2]} & 0xe0))
	if ((0x${s[0]} & 0x80)); then
		info=$((0x${s[3]}${s[4]}${s[5]}${s[6]}))
		((info >= 2147483648)) && info=$((info - 4294967296))
	fi
	printf '%02x/%s/%s %02x %s\n' "$key" "${s[12]}" "${s[13]}" "$bits" \
		"$info"
}

# hexof FILE: its bytes in hex, space separated.
hexof() {
	od -An -tx1 -v "$1" | tr -s ' \n' ' ' | ktgt_trim
}

# mkfiles DIR SEED KB: a tree of random files, about KB KiB.
mkfiles() {
	local i
	mkdir -p "$1/sub"
	for ((i = 0; i < 8; i++)); do
		head -c $(( ($3 * 128) + (i * 7919 + $2 * 104729) % 4096 )) \
			/dev/urandom > "$1/f$i"
	done
	echo "tree $1" > "$1/sub/name"
}

# records DIR: the number of 10240-byte records tar -b 20 makes of DIR.
records() {
	echo $(( $(tar -cf - -b 20 -C "$1" . | wc -c) / 10240 ))
}

# tell: mt tell of $TAPE.
tell() {
	mt -f "$TAPE" tell 2>&1
}

# tape_tar_checks: through st's non-rewinding node $TAPE, from BOT: two
# tar archives (trees /tmp/a and /tmp/b) separated by a filemark (st
# writes one on close), read back identical after rewind, fsf 1, rewind;
# tell, eod, seek report and reach logical object numbers (blocks and
# filemarks); mt status shows BOT and EOD. Then 64 KiB reads of the
# 10240-byte records of archive A (st keeps each short block: ILI) into
# /tmp/a_back.tar, whose tar extracts identical. Sets na and nb, the
# archives' records.
tape_tar_checks() {
	mkfiles /tmp/a 1 40
	mkfiles /tmp/b 2 24
	na=$(records /tmp/a)
	nb=$(records /tmp/b)
	[ "$na" -ge 4 ] || fail "archive A has only $na records"
	run_ok "mt rewind" mt -f "$TAPE" rewind
	expect_eq "$(tell)" "At block 0." "tell at BOT"
	mt -f "$TAPE" status | grep -q BOT ||
		fail "no BOT: $(mt -f "$TAPE" status)"
	run_ok "tar -c A" tar -cf "$TAPE" -b 20 -C /tmp/a .
	expect_eq "$(tell)" "At block $((na + 1))." "tell after archive A"
	run_ok "tar -c B" tar -cf "$TAPE" -b 20 -C /tmp/b .
	run_ok "mt rewind" mt -f "$TAPE" rewind
	run_ok "mt fsf 1" mt -f "$TAPE" fsf 1
	expect_eq "$(tell)" "At block $((na + 1))." "tell after fsf 1"
	rm -rf /tmp/outa /tmp/outb && mkdir -p /tmp/outa /tmp/outb
	run_ok "tar -x B" tar -xf "$TAPE" -b 20 -C /tmp/outb
	diff -r /tmp/b /tmp/outb || fail "archive B read back differs"
	run_ok "mt rewind" mt -f "$TAPE" rewind
	run_ok "tar -x A" tar -xf "$TAPE" -b 20 -C /tmp/outa
	diff -r /tmp/a /tmp/outa || fail "archive A read back differs"
	run_ok "mt eod" mt -f "$TAPE" eod
	expect_eq "$(tell)" "At block $((na + nb + 2))." "tell at EOD"
	mt -f "$TAPE" status | grep -q EOD ||
		fail "no EOD: $(mt -f "$TAPE" status)"
	run_ok "mt seek" mt -f "$TAPE" seek $((na + 1))
	expect_eq "$(tell)" "At block $((na + 1))." "tell after seek"
	tar -tf "$TAPE" -b 20 > /tmp/listb || fail "tar -t B after seek"
	expect_eq "$(sort /tmp/listb | tr '\n' ' ')" \
		"$(tar -cf - -C /tmp/b . | tar -tf - | sort | tr '\n' ' ')" \
		"B's list"

	log "variable-block reads past the block's end (ILI)"
	run_ok "mt rewind" mt -f "$TAPE" rewind
	dd if="$TAPE" of=/tmp/a_back.tar bs=65536 2>/dev/null ||
		fail "dd with a 64 KiB buffer"
	expect_eq "$(stat -c %s /tmp/a_back.tar)" $((na * 10240)) \
		"bytes read with 64 KiB reads of 10240-byte blocks"
	rm -rf /tmp/outa2 && mkdir /tmp/outa2
	run_ok "tar -x of the copy" tar -xf /tmp/a_back.tar -C /tmp/outa2
	diff -r /tmp/a /tmp/outa2 ||
		fail "archive A read with 64 KiB reads differs"
}

# --- ktgtadm (adm-pt-*.sh) ---

# pt_adm_apply CONF WHY: ktgtadm apply of the file CONF.
pt_adm_apply() {
	local out
	out=$("$ADM" apply "$1" 2>&1) || fail "apply of $2: $out"
	log "apply of $2: $(tail -n1 <<< "$out")"
}

# pt_adm_inner CONF_FN INNER: apply the handlers CONF_FN prints, with
# their device INNER as LUN 0 of local target t0, ktgt_pt not loaded
# before nor after. Sets PT_INNER, the H:C:T:L of INNER's scsi_device.
pt_adm_inner() {
	local host
	[ -e /sys/module/ktgt_pt ] && fail "ktgt_pt loaded before apply"
	{
		"$1"
		printf '\nTARGET_DRIVER local {\n\tTARGET t0 {\n'
		printf '\t\tenabled 1\n\t\tLUN 0 %s\n\t}\n}\n' "$2"
	} > /tmp/ktgt.conf
	pt_adm_apply /tmp/ktgt.conf "$2"
	host=$(ktgt_local_host t0)
	ktgt_wait_disk -g host="$host" lun=0 > /dev/null
	PT_INNER=$(ktgt_find_disk host="$host" lun=0) ||
		fail "no device for $2"
	[ -e /sys/module/ktgt_pt ] && fail "ktgt_pt loaded without $2's export"
}

# pt_adm_export CONF_FN INNER HANDLER DEV TYPE: apply CONF_FN's handlers
# and a device DEV of the pass-through HANDLER exporting PT_INNER as LUN
# 0 of local target t1 (INNER stays LUN 0 of t0): ktgtadm loads ktgt_pt
# itself (not "ktgt_HANDLER"), DEV is enabled and names PT_INNER, and
# its LU has PERIPHERAL DEVICE TYPE TYPE. Sets PT_SG and PT_HCTL.
pt_adm_export() {
	local h=$KTGT_CFS/handlers/$3/$4
	{
		"$1"
		printf '\nHANDLER %s {\n\tDEVICE %s {\n' "$3" "$4"
		printf '\t\tscsi_device %s\n\t}\n}\n' "$PT_INNER"
		printf '\nTARGET_DRIVER local {\n'
		printf '\tTARGET t0 {\n\t\tenabled 1\n\t\tLUN 0 %s\n\t}\n' "$2"
		printf '\tTARGET t1 {\n\t\tenabled 1\n\t\tLUN 0 %s\n\t}\n}\n' "$4"
	} > /tmp/ktgt.conf
	pt_adm_apply /tmp/ktgt.conf "$3/$4"
	[ -e /sys/module/ktgt_pt ] || fail "apply did not load ktgt_pt"
	expect_eq "$(cat "$h/enable")" 1 "$4 enabled"
	expect_eq "$(cat "$h/scsi_device")" "$PT_INNER" "$4 scsi_device"
	pt_t1_lu "$5" "$3"
}

# pt_adm_write_back HANDLER: ktgtadm write: the configuration has
# HANDLER and its device's scsi_device (PT_INNER); applied, it is a
# no-op. The written file is /tmp/w.conf.
pt_adm_write_back() {
	local out
	"$ADM" write /tmp/w.conf || fail "write"
	grep -qE "^[[:space:]]*HANDLER $1" /tmp/w.conf ||
		fail "written configuration lacks $1: $(cat /tmp/w.conf)"
	grep -qE "^[[:space:]]*scsi_device $PT_INNER\$" /tmp/w.conf ||
		fail "written configuration lacks scsi_device: $(cat /tmp/w.conf)"
	out=$("$ADM" apply /tmp/w.conf 2>&1) || fail "apply written: $out"
	expect_eq "$out" "/tmp/w.conf: nothing to do" "apply of the written file"
}
