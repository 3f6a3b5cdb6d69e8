# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for VM tests that build ktgt configurations through configfs
# and find the disks they produce. Source it after guest.sh:
#
#   . "$KTGT_REPO/tests/lib/guest.sh"
#   . "$KTGT_REPO/tests/lib/ktgt.sh"
#
# Naming used by every helper:
#   DEVICE  handler/name         vdisk_fileio/disk0
#   TARGET  driver/name          local/t0
#   LUNSET  a TARGET (its default LUNs) or one of its groups:
#           local/t0   or   local/t0/groups/g0
# Attributes are given as NAME=VALUE and written in the order given.
# Every helper fails the test (guest.sh's fail) naming the step that
# failed, so tests need no error checks of their own.
#
# Example: a 64 MiB file as LUN 0 of a local target, as /dev/sdX:
#   ktgt_load ktgt_vdisk ktgt_local
#   ktgt_initiator_load
#   truncate -s 64M /tmp/d0.img
#   ktgt_mkdev vdisk_fileio/d0 filename=/tmp/d0.img serial=D0
#   ktgt_mktarget local/t0
#   ktgt_maplun local/t0 0 vdisk_fileio/d0
#   ktgt_enable local/t0
#   dev=$(ktgt_wait_disk host="$(ktgt_local_host t0)" serial=D0)

# How long ktgt_wait_disk waits by default (TCG is slow).
KTGT_WAIT_SECS=${KTGT_WAIT_SECS:-60}

# ktgt_write FILE VALUE: write VALUE to a configfs or sysfs attribute.
ktgt_write() {
	local err
	err=$( { printf '%s\n' "$2" > "$1"; } 2>&1) ||
		fail "writing '$2' to $1: ${err##*: }"
}

# ktgt_try_write FILE VALUE: the same, returning the write's status (for
# writes that must fail).
ktgt_try_write() {
	{ printf '%s\n' "$2" > "$1"; } 2>/dev/null
}

# ktgt_set_attrs DIR NAME=VALUE...: write each attribute of DIR in order.
ktgt_set_attrs() {
	local dir=$1 kv
	shift
	for kv in "$@"; do
		case "$kv" in
		*=*) ktgt_write "$dir/${kv%%=*}" "${kv#*=}" ;;
		*) fail "ktgt_set_attrs: '$kv' is not NAME=VALUE" ;;
		esac
	done
}

# ktgt_mkdev DEVICE [NAME=VALUE...]: create a device, set its attributes,
# then enable it unless an enable=... was among them.
ktgt_mkdev() {
	local dir=$KTGT_CFS/handlers/$1 kv
	shift
	mkdir "$dir" || fail "mkdir $dir"
	ktgt_set_attrs "$dir" "$@"
	for kv in "$@"; do
		[ "${kv%%=*}" = enable ] && return 0
	done
	ktgt_write "$dir/enable" 1
}

# ktgt_rmdev DEVICE: disable and remove a device.
ktgt_rmdev() {
	local dir=$KTGT_CFS/handlers/$1
	ktgt_write "$dir/enable" 0
	rmdir "$dir" || fail "rmdir $dir"
}

# ktgt_mktarget TARGET [NAME=VALUE...]: create a target and set its
# attributes; it stays disabled unless enable=1 is among them.
ktgt_mktarget() {
	local dir=$KTGT_CFS/targets/$1
	shift
	mkdir "$dir" || fail "mkdir $dir"
	ktgt_set_attrs "$dir" "$@"
}

# ktgt_enable TARGET [0|1]: enable (default) or disable a target.
ktgt_enable() {
	ktgt_write "$KTGT_CFS/targets/$1/enable" "${2:-1}"
}

# ktgt_mkgroup TARGET GROUP [PATTERN...]: create an initiator group with
# the given initiator names or glob patterns.
ktgt_mkgroup() {
	local dir=$KTGT_CFS/targets/$1/groups/$2 p
	shift 2
	mkdir "$dir" || fail "mkdir $dir"
	for p in "$@"; do
		mkdir "$dir/initiators/$p" || fail "mkdir $dir/initiators/$p"
	done
}

# ktgt_maplun LUNSET N DEVICE [NAME=VALUE...]: map DEVICE as LUN N, then
# set LUN attributes (read_only=1).
ktgt_maplun() {
	local dir=$KTGT_CFS/targets/$1/luns/$2 dev=$KTGT_CFS/handlers/$3
	shift 3
	mkdir "$dir" || fail "mkdir $dir"
	ln -s "$dev" "$dir/device" || fail "ln -s $dev $dir/device"
	ktgt_set_attrs "$dir" "$@"
}

# ktgt_unmaplun LUNSET N: remove LUN N.
ktgt_unmaplun() {
	local dir=$KTGT_CFS/targets/$1/luns/$2
	rm "$dir/device" || fail "rm $dir/device"
	rmdir "$dir" || fail "rmdir $dir"
}

# ktgt_cleanup: disable and remove every target, group, LUN and device,
# leaving the modules loaded. Failures are reported, not fatal, so a
# test can call it from a trap.
ktgt_cleanup() {
	local t g l i d rc=0
	# ALUA links pin devices and targets: device groups go first.
	for d in "$KTGT_CFS"/alua/*/; do
		[ -d "$d" ] || continue
		for g in "$d"target_groups/*/; do
			[ -d "$g" ] || continue
			rm -f "$g"targets/*
			rmdir "$g" || rc=1
		done
		rm -f "$d"devices/*
		rmdir "$d" || rc=1
	done
	for t in "$KTGT_CFS"/targets/*/*/; do
		[ -d "$t" ] || continue
		echo 0 > "$t/enable" 2>/dev/null || rc=1
		for g in "$t"groups/*/; do
			[ -d "$g" ] || continue
			for l in "$g"luns/*/; do
				[ -d "$l" ] || continue
				rm -f "$l/device"; rmdir "$l" || rc=1
			done
			for i in "$g"initiators/*/; do
				[ -d "$i" ] && { rmdir "$i" || rc=1; }
			done
			rmdir "$g" || rc=1
		done
		for l in "$t"luns/*/; do
			[ -d "$l" ] || continue
			rm -f "$l/device"; rmdir "$l" || rc=1
		done
		rmdir "$t" || rc=1
	done
	for d in "$KTGT_CFS"/handlers/*/*/; do
		[ -d "$d" ] || continue
		echo 0 > "$d/enable" 2>/dev/null
		rmdir "$d" || rc=1
	done
	[ $rc -eq 0 ] || echo "ktgt_cleanup: some objects could not be removed" >&2
	return $rc
}

# ktgtadm_use_tree: ADM is the tree's ktgtadm, which starts the tree's
# ktgt-iscsid (KTGTADM_ISCSID) when a file has iSCSI targets; every
# ktgt-iscsid is killed when the test exits (ktgt_iscsid_kill).
ktgtadm_use_tree() {
	ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
	[ -x "$ADM" ] || fail "no $ADM (make tools)"
	export KTGTADM_ISCSID=$KTGT_REPO/tools/ktgt-iscsid/ktgt-iscsid
	trap ktgt_iscsid_kill EXIT
}

# ktgt_iscsid_pids: the PIDs of the running ktgt-iscsid processes.
ktgt_iscsid_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = ktgt-iscsid ] && echo "${p#/proc/}"
	done
}

# ktgt_iscsid_kill: kill every ktgt-iscsid.
ktgt_iscsid_kill() {
	local p
	for p in $(ktgt_iscsid_pids); do
		kill "$p"
	done
}

# ktgt_initiator_load: load the Linux SCSI upper drivers (no udev here).
ktgt_initiator_load() {
	local m
	for m in sd_mod sr_mod sg; do
		modprobe "$m" || fail "modprobe $m"
	done
}

# ktgt_local_host NAME: the SCSI host number of the enabled local target
# NAME (targets/local/NAME/host_no).
ktgt_local_host() {
	local h
	h=$(cat "$KTGT_CFS/targets/local/$1/host_no") ||
		fail "no host_no for local/$1"
	[ "$h" -ge 0 ] 2>/dev/null || fail "local/$1 has no SCSI host (disabled?)"
	echo "$h"
}

# ktgt_local_rescan NAME: synchronous rescan of local target NAME's host:
# adds the LUNs it reports and removes those it no longer has. When it
# returns, the SCSI devices exist (their /dev nodes may still be coming).
ktgt_local_rescan() {
	ktgt_write "$KTGT_CFS/targets/local/$1/rescan" 1
}

# Persistent reservations through sg3-utils' sg_persist. ktgt_pr DEV
# ARGS...: run `sg_persist -n ARGS DEV`, keep its output in $KTGT_PR_OUT
# and print its exit status (0, or 24 for RESERVATION CONFLICT, ...).
KTGT_PR_OUT=/tmp/sem-pr.out
ktgt_pr() {
	local dev=$1
	shift
	sg_persist -n "$@" "$dev" > "$KTGT_PR_OUT" 2>&1
	echo $?
}

# ktgt_pr_gen DEV: the PRgeneration READ KEYS reports, e.g. 0x3.
ktgt_pr_gen() {
	ktgt_pr "$1" -k > /dev/null
	sed -n 's/.*PR generation=\(0x[0-9a-f]*\).*/\1/p' "$KTGT_PR_OUT"
}

# ktgt_pr_keys DEV: the registered keys, space separated.
ktgt_pr_keys() {
	ktgt_pr "$1" -k > /dev/null
	grep -oE '^ +0x[0-9a-f]+$' "$KTGT_PR_OUT" | tr -d ' ' | tr '\n' ' '
}

# ktgt_pr_resv DEV: "TYPE KEY" of READ RESERVATION, or "none".
ktgt_pr_resv() {
	ktgt_pr "$1" -r > /dev/null
	if ! grep -q "Reservation follows" "$KTGT_PR_OUT"; then
		echo none
		return
	fi
	echo "$(sed -n 's/.*type: \(.*\)$/\1/p' "$KTGT_PR_OUT" | ktgt_trim)" \
		"$(sed -n 's/.*Key=\(0x[0-9a-f]*\).*/\1/p' "$KTGT_PR_OUT")"
}

# ktgt_local_nexuses DEVICE NAME...: create and enable one local target
# per NAME, each mapping DEVICE (HANDLER/NAME) at LUN 0 - two local
# targets are two I_T nexuses to one logical unit - and wait for their
# disks. Sets KTGT_NEXUS[NAME] to each target's /dev/sgN.
declare -gA KTGT_NEXUS
ktgt_local_nexuses() {
	local dev=$1 t
	shift
	for t in "$@"; do
		ktgt_mktarget "local/$t"
		ktgt_maplun "local/$t" 0 "$dev"
		ktgt_enable "local/$t"
	done
	for t in "$@"; do
		KTGT_NEXUS[$t]=$(ktgt_wait_disk -g host="$(ktgt_local_host "$t")" lun=0)
		[ -n "${KTGT_NEXUS[$t]}" ] || fail "no disk for local/$t"
	done
}

# ktgt_session_of INITIATOR: the sysfs directory of INITIATOR's session.
ktgt_session_of() {
	local d
	for d in "$KTGT_SYSFS"/sessions/*/; do
		[ "$(cat "$d/initiator" 2>/dev/null)" = "$1" ] &&
			{ echo "${d%/}"; return 0; }
	done
	fail "no session of $1"
}

# READs held in the core for task management tests (the device's
# delay_ms keeps them there). ktgt_held_reads SG_A SESS_A SG_B SESS_B
# starts a READ(10) of 8 blocks on each /dev/sgN in the background
# (sg_raw -vvv; output and "rc=N" in /tmp/held-a.out, /tmp/held-b.out)
# and returns once both sessions (ktgt_session_of) have a command in the
# core; ktgt_held_wait waits for both. ktgt_read_good OUT and
# ktgt_read_aborted OUT (TASK ABORTED, or the initiator's DID_RESET)
# judge one output, ktgt_read_summary OUT shows it on one line.
KTGT_READ10="28 00 00 00 00 00 00 00 08 00"
ktgt_held_reads() {
	local i
	KTGT_HELD_PIDS=()
	{ sg_raw -vvv -r 4096 -t 60 "$1" $KTGT_READ10 2>&1; echo "rc=$?"; } \
		> /tmp/held-a.out &
	KTGT_HELD_PIDS+=($!)
	{ sg_raw -vvv -r 4096 -t 60 "$3" $KTGT_READ10 2>&1; echo "rc=$?"; } \
		> /tmp/held-b.out &
	KTGT_HELD_PIDS+=($!)
	for ((i = 0; i < 300; i++)); do
		[ "$(cat "$2/nr_cmds")" -ge 1 ] &&
		[ "$(cat "$4/nr_cmds")" -ge 1 ] && return 0
		sleep 0.02
	done
	fail "the READs were never in the core together"
}
ktgt_held_wait() { wait "${KTGT_HELD_PIDS[@]}"; }
ktgt_read_good() { grep -q '^rc=0$' "$1"; }
ktgt_read_aborted() {
	! grep -q '^rc=0$' "$1" && grep -qE 'Task Aborted|DID_RESET' "$1"
}
ktgt_read_summary() {
	grep -E 'SCSI Status|transport error|^rc=' "$1" | tr '\n' ' '
}

# ktgt_scsi_devs HOST: the H:C:T:L of the SCSI devices of HOST, one per
# line, in LUN order.
ktgt_scsi_devs() {
	local d
	for d in /sys/class/scsi_device/"$1":*; do
		[ -e "$d" ] && basename "$d"
	done | sort -t: -k4,4n
}

# ktgt_trim: strip leading and trailing blanks and NULs from stdin.
ktgt_trim() {
	tr -d '\0' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

# ktgt_sdev_attr HCTL WHAT: vendor, model, serial (VPD page 80h) or dev
# (/dev/sdX or /dev/srX, empty until the disk driver has bound) of a
# SCSI device.
ktgt_sdev_attr() {
	local d=/sys/class/scsi_device/$1/device b
	case "$2" in
	vendor|model|rev) ktgt_trim < "$d/$2" ;;
	serial) [ -r "$d/vpd_pg80" ] && tail -c +5 "$d/vpd_pg80" | ktgt_trim ;;
	dev)
		for b in "$d"/block/*; do
			[ -e "$b" ] && [ -b "/dev/${b##*/}" ] && echo "/dev/${b##*/}"
		done
		;;
	sg)
		for b in "$d"/scsi_generic/*; do
			[ -e "$b" ] && [ -c "/dev/${b##*/}" ] && echo "/dev/${b##*/}"
		done
		;;
	*) fail "ktgt_sdev_attr: unknown attribute $2" ;;
	esac
}

# ktgt_wait_st HCTL: wait (up to 10 s) until st has attached to the tape at
# HCTL and its non-rewinding node exists; print the st name (st0...), or
# fail.
ktgt_wait_st() {
	local i n st=
	for ((i = 0; i < 100; i++)); do
		for n in "/sys/class/scsi_device/$1/device/scsi_tape"/st*; do
			n=${n##*/}
			[[ "$n" =~ ^st[0-9]+$ ]] && [ -c "/dev/n$n" ] && st=$n
		done
		[ -n "$st" ] && break
		sleep 0.1
	done
	[ -n "$st" ] || fail "st did not attach to $1: $(dmesg | tail -5)"
	echo "$st"
}

# ktgt_find_disk KEY=VALUE...: print the H:C:T:L of the first SCSI device
# matching every KEY (host, lun, vendor, model, serial); status 1 if none.
ktgt_find_disk() {
	local d hctl kv k v ok
	for d in /sys/class/scsi_device/*; do
		[ -e "$d" ] || continue
		hctl=${d##*/}
		ok=1
		for kv in "$@"; do
			k=${kv%%=*} v=${kv#*=}
			case "$k" in
			host) [ "${hctl%%:*}" = "$v" ] || ok=0 ;;
			lun) [ "${hctl##*:}" = "$v" ] || ok=0 ;;
			vendor|model|serial)
				[ "$(ktgt_sdev_attr "$hctl" "$k")" = "$v" ] || ok=0 ;;
			*) fail "ktgt_find_disk: unknown key $k" ;;
			esac
			[ $ok -eq 1 ] || break
		done
		[ $ok -eq 1 ] && { echo "$hctl"; return 0; }
	done
	return 1
}

# ktgt_wait_disk [-t SECS] [-g] KEY=VALUE...: wait for the SCSI device
# matching the keys (see ktgt_find_disk) to have its block device and
# print it (/dev/sdX, /dev/srX); with -g print its /dev/sgN instead.
# Fails the test after SECS (default KTGT_WAIT_SECS).
ktgt_wait_disk() {
	local secs=$KTGT_WAIT_SECS what=dev hctl node i
	while [ $# -gt 0 ]; do
		case "$1" in
		-t) secs=$2; shift 2 ;;
		-g) what=sg; shift ;;
		*) break ;;
		esac
	done
	for ((i = 0; i < secs * 10; i++)); do
		if hctl=$(ktgt_find_disk "$@"); then
			node=$(ktgt_sdev_attr "$hctl" "$what")
			[ -n "$node" ] && { echo "$node"; return 0; }
		fi
		sleep 0.1
	done
	fail "no ${what} device for '$*' after ${secs}s (SCSI devices: $(cd /sys/class/scsi_device && echo *))"
}

# ktgt_wait_gone [-t SECS] HCTL: wait until a SCSI device is removed.
ktgt_wait_gone() {
	local secs=$KTGT_WAIT_SECS i
	[ "$1" = -t ] && { secs=$2; shift 2; }
	for ((i = 0; i < secs * 10; i++)); do
		[ -e "/sys/class/scsi_device/$1" ] || return 0
		sleep 0.1
	done
	fail "SCSI device $1 still present after ${secs}s"
}

# ktgt_sense SG_RAW_ARGS...: run sg_raw and print its SCSI status and the
# raw sense bytes on one line, e.g. "status=02 sense=70 00 05 ..."; the
# status is "00" for GOOD, "??" for a status not named here, and "none"
# when the command did not complete with a status: sg_raw failed without
# one (no such device, a transport error, a timeout).
#
# Parsed in the shell, without a process: tests call it hundreds of
# times, and each process costs tens of ms under TCG. The status is the
# text after the last "SCSI Status:" of the first line that has one; the
# sense bytes are the hex lines that follow a "Raw sense data" or "Sense
# buffer" line, on one line with single spaces.
ktgt_sense() {
	local out status= sense= rc line on=0 got=0 bytes
	local hdr='[Rr]aw sense data|[Ss]ense buffer'
	local hex='^ +([0-9a-f][0-9a-f] +)*[0-9a-f][0-9a-f] *$'
	out=$(sg_raw -vvv "$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		if [ $got = 0 ] && [[ $line == *"SCSI Status:"* ]]; then
			status=${line##*SCSI Status:}
			status=${status#"${status%%[! ]*}"}
			got=1
		fi
		if [[ $line =~ $hdr ]]; then
			on=1
		elif [ $on = 1 ] && [[ $line =~ $hex ]]; then
			sense+=" $line"
		else
			on=0
		fi
	done <<< "$out"
	read -r -a bytes <<< "$sense"
	sense=${bytes[*]}
	case "$status" in
	"") status=00 ;;
	Good*) status=00 ;;
	"Check Condition"*) status=02 ;;
	Busy*) status=08 ;;
	"Reservation Conflict"*) status=18 ;;
	"Task set Full"*|"Task Set Full"*) status=28 ;;
	"Task Aborted"*) status=40 ;;
	*) status="??" ;;
	esac
	# sg_raw exits 0 for GOOD; GOOD with a failure is a host/driver error.
	[ $rc -ne 0 ] && [ "$status" = 00 ] && status=none
	echo "status=$status sense=$sense"
}

# ktgt_fs_roundtrip DEV DIR: the file system round trip on a disk: mkfs.ext4
# on DEV, mount it on DIR, write a tree of generated files (and a few
# small system files), checksum it, unmount, e2fsck -fn must find it
# clean, remount, and the checksums must match. Unmounts at the end.
ktgt_fs_roundtrip() {
	local dev=$1 mnt=$2 sums=/tmp/ktgt-fs-sums.$$ i
	modprobe ext4 2>/dev/null
	mkdir -p "$mnt"
	run_ok "mkfs.ext4 on $dev" mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dev"
	run_ok "mount $dev" mount -t ext4 "$dev" "$mnt"
	mkdir -p "$mnt/gen/a/b" "$mnt/sys"
	for ((i = 0; i < 40; i++)); do
		head -c $(( (i * 7919) % 200000 + 1 )) /dev/urandom > "$mnt/gen/f$i"
	done
	head -c 3M /dev/urandom > "$mnt/gen/a/b/big"
	ln -s ../f1 "$mnt/gen/a/link"
	cp -a /etc/os-release /etc/services /usr/share/common-licenses "$mnt/sys/" 2>/dev/null
	(cd "$mnt" && find . -type f ! -path './lost+found/*' -print0 | sort -z |
		xargs -0 sha256sum) > "$sums" || fail "checksumming $mnt"
	[ "$(wc -l < "$sums")" -ge 42 ] || fail "too few files written to $mnt"
	sync
	run_ok "umount $mnt" umount "$mnt"
	run_ok "e2fsck -fn $dev (file system must be clean)" e2fsck -fn "$dev"
	run_ok "remount $dev" mount -t ext4 -o ro "$dev" "$mnt"
	(cd "$mnt" && sha256sum --quiet -c "$sums") ||
		fail "checksums differ after remount of $dev"
	[ "$(readlink "$mnt/gen/a/link")" = ../f1 ] || fail "symlink lost on $dev"
	run_ok "umount $mnt" umount "$mnt"
	rm -f "$sums"
}

# ktgt_sense_decode "HEX BYTES...": decode fixed or descriptor format
# sense data into "key=KK asc=AA ascq=QQ sks=SSSSSS" (hex; sks is the
# sense-key specific field with SKSV set, "-" if absent).
ktgt_sense_decode() {
	local -a b
	local i key asc ascq sks=-
	read -r -a b <<< "$1"
	[ ${#b[@]} -ge 4 ] || { echo "key=?? asc=?? ascq=?? sks=-"; return; }
	case "${b[0],,}" in
	70|71|f0|f1)
		printf -v key '%02x' $((0x${b[2]} & 0xf))
		asc=${b[12]:-??} ascq=${b[13]:-??}
		[ ${#b[@]} -ge 18 ] && (( 0x${b[15]} & 0x80 )) &&
			sks=${b[15]}${b[16]}${b[17]}
		;;
	72|73)
		printf -v key '%02x' $((0x${b[1]} & 0xf))
		asc=${b[2]} ascq=${b[3]}
		for ((i = 8; i + 1 < ${#b[@]}; i += 2 + 0x${b[i + 1]})); do
			if [ "${b[i]}" = 02 ] && (( 0x${b[i + 4]:-0} & 0x80 )); then
				sks=${b[i + 4]}${b[i + 5]}${b[i + 6]}
			fi
		done
		;;
	*) key='??' asc='??' ascq='??' ;;
	esac
	echo "key=$key asc=${asc,,} ascq=${ascq,,} sks=${sks,,}"
}

# ktgt_sense_kaq SG_RAW_ARGS...: "GOOD", the "KK/AA/QQ" (sense key, ASC,
# ASCQ; fixed or descriptor format) of a CHECK CONDITION, or "status
# status=XX" for any other outcome of ktgt_sense.
ktgt_sense_kaq() {
	local r k a q
	r=$(ktgt_sense "$@")
	case "$r" in
	status=00*) echo GOOD; return ;;
	status=02*) ;;
	*) echo "status ${r%% *}"; return ;;
	esac
	read -r k a q _ <<< "$(ktgt_sense_decode "${r#*sense=}")"
	echo "${k#key=}/${a#asc=}/${q#ascq=}"
}

# ktgt_sense_info SENSE: the INFORMATION field of sense bytes (hex, as
# ktgt_sense prints them after "sense="), in decimal, or "-" when it is
# not valid (fixed format: VALID = 0; descriptor format: no information
# descriptor with VALID set).
ktgt_sense_info() {
	local -a b
	local i
	read -r -a b <<< "$1"
	case "${b[0],,}" in
	70|71|f0|f1)
		if [ ${#b[@]} -ge 7 ] && (( 16#${b[0]} & 0x80 )); then
			echo $((16#$(printf %s "${b[@]:3:4}")))
			return
		fi
		;;
	72|73)
		for ((i = 8; i + 11 < ${#b[@]}; i += 2 + 16#${b[i + 1]})); do
			if [ "${b[i]}" = 00 ] && (( 16#${b[i + 2]} & 0x80 )); then
				echo $((16#$(printf %s "${b[@]:i + 4:8}")))
				return
			fi
		done
		;;
	esac
	echo -
}

# ktgt_status SG CDB... (ktgt_sense's arguments): the outcome in one word
# or three: "GOOD", "CONFLICT" (RESERVATION CONFLICT), or
# "<status> <key>/<asc>/<ascq>" (hex) for anything else.
ktgt_status() {
	local out st k a q
	out=$(ktgt_sense "$@")
	st=${out%% *}
	st=${st#status=}
	[ "$st" = 00 ] && { echo GOOD; return; }
	[ "$st" = 18 ] && { echo CONFLICT; return; }
	read -r k a q _ <<< "$(ktgt_sense_decode "${out#*sense=}")"
	echo "$st ${k#key=}/${a#asc=}/${q#ascq=}"
}

# ktgt_tur SG: TEST UNIT READY's outcome, as ktgt_status gives it.
ktgt_tur() {
	ktgt_status "$1" 00 00 00 00 00 00
}

# ktgt_local_tmf TARGET FN LUN [TAG]: inject a TMF on local target
# TARGET's session (ktgt_local loaded with test_hooks=1); prints
# "<fn> <response>".
ktgt_local_tmf() {
	ktgt_write "$KTGT_CFS/targets/local/$1/test_tmf" "$2 $3 ${4:-0}"
	cat "$KTGT_CFS/targets/local/$1/test_tmf"
}

# ---------------------------------------------------------------------
# Slab allocations per call site (the sgv pool's tests and make bench).

KTGT_TRACEFS=/sys/kernel/tracing
# The kmem events counted: kmalloc (kmalloc(), kzalloc(), kcalloc() and
# the kmalloc() a small kvmalloc() makes) and kmem_cache_alloc
# (allocations from named caches).
KTGT_KMEM_EVENTS="kmalloc kmem_cache_alloc"
KTGT_KMEM_HIST="hist:keys=call_site.sym:vals=hitcount:size=8192"

# ktgt_kmem_trace_start [paused]: count every slab allocation by call
# site (hist triggers on the KTGT_KMEM_EVENTS) until
# ktgt_kmem_trace_stop; with "paused", set the counters up (they take
# some slab memory themselves) but count only after ktgt_kmem_trace_cont.
# Returns 1 if the kernel cannot (no tracefs or no hist triggers).
ktgt_kmem_trace_start() {
	local e
	[ -d "$KTGT_TRACEFS/events" ] ||
		mount -t tracefs nodev "$KTGT_TRACEFS" 2>/dev/null || return 1
	for e in $KTGT_KMEM_EVENTS; do
		[ -w "$KTGT_TRACEFS/events/kmem/$e/trigger" ] || return 1
		echo "$KTGT_KMEM_HIST${1:+:pause}" >> \
			"$KTGT_TRACEFS/events/kmem/$e/trigger" || return 1
	done
}

# ktgt_kmem_trace_cont / ktgt_kmem_trace_pause: zero the counts and start
# counting / stop counting, keeping the counts.
ktgt_kmem_trace_cont() {
	local e
	for e in $KTGT_KMEM_EVENTS; do
		echo "$KTGT_KMEM_HIST:clear" >> "$KTGT_TRACEFS/events/kmem/$e/trigger"
		echo "$KTGT_KMEM_HIST:cont" >> "$KTGT_TRACEFS/events/kmem/$e/trigger"
	done
}

ktgt_kmem_trace_pause() {
	local e
	for e in $KTGT_KMEM_EVENTS; do
		echo "$KTGT_KMEM_HIST:pause" >> "$KTGT_TRACEFS/events/kmem/$e/trigger"
	done
}

# ktgt_kmem_trace_stop: stop counting and print one line per call site
# in a ktgt module: "EVENT COUNT FUNCTION MODULE", most frequent first.
ktgt_kmem_trace_stop() {
	local e t
	for e in $KTGT_KMEM_EVENTS; do
		t=$KTGT_TRACEFS/events/kmem/$e
		[ -r "$t/hist" ] || continue
		# { call_site: [ffffffffc0a1b2c3] kis_rx_pdu [ktgt_iscsi] }
		#   hitcount: 400   ->   400 kis_rx_pdu ktgt_iscsi
		awk '$1 == "{" && $2 == "call_site:" && $5 ~ /^\[ktgt_/ {
			m = $5; gsub(/[][]/, "", m)
			for (i = 6; i < NF; i++)
				if ($i == "hitcount:")
					print $(i + 1), $4, m
		}' "$t/hist" | sort -rn | sed "s/^/$e /"
		echo "!$KTGT_KMEM_HIST" >> "$t/trigger" 2>/dev/null
	done
}

# ktgt_kmem_can_count: whether this kernel has hist triggers on the kmem
# events (CONFIG_HIST_TRIGGERS: Debian's kernel has them, the debug
# kernel of \`make check KERNEL=debug\` does not). A kernel that has them
# but refuses one fails in ktgt_kmem_trace_start's callers instead.
ktgt_kmem_can_count() {
	[ -d "$KTGT_TRACEFS/events" ] ||
		mount -t tracefs nodev "$KTGT_TRACEFS" 2>/dev/null || return 1
	[ -e "$KTGT_TRACEFS/events/kmem/kmalloc/hist" ]
}

# ktgt_kmem_window WHAT CMD...: counts the slab allocations at ktgt call
# sites while CMD runs, into $KTGT_KMEM_SITES (event count function
# module, as ktgt_kmem_trace_stop prints them), and shows them.
ktgt_kmem_window() {
	local what=$1
	shift
	ktgt_kmem_trace_start paused || fail "no hist triggers on kmem events"
	ktgt_kmem_trace_cont
	"$@"
	ktgt_kmem_trace_pause
	KTGT_KMEM_SITES=$(ktgt_kmem_trace_stop)
	echo "slab allocations at ktgt call sites for $what:"
	echo "${KTGT_KMEM_SITES:-    (none)}" | sed 's/^/    /'
}

# ktgt_kmem_core EVENT-REGEX: the allocations in $KTGT_KMEM_SITES at
# ktgt_core's call sites outside the sgv pool (a pool miss, if any, adds
# the pool's own at ktgt_sgv_alloc).
ktgt_kmem_core() {
	awk -v ev="$1" '$1 ~ ev && $4 == "ktgt_core" && $3 !~ /sgv/ { n += $2 }
		END { print n + 0 }' <<< "$KTGT_KMEM_SITES"
}

# --- device-mapper devices for backing-store errors -----------------------
# What ktgt_dm_create made, for ktgt_dm_cleanup: dm names, loop devices.
KTGT_DM_NAMES=()
KTGT_DM_LOOPS=()

# ktgt_dm_have: whether this kernel has device-mapper (dm-mod loaded, or
# built in); skips the test without dmsetup. The debug kernel of
# \`make check KERNEL=debug\` has none: return 1. A dm-mod that exists but
# does not load fails the test.
ktgt_dm_have() {
	command -v dmsetup >/dev/null || skip "dmsetup not installed"
	modprobe loop 2>/dev/null
	modprobe dm-mod 2>/dev/null && return 0
	[ -e /dev/mapper/control ] && return 0
	modinfo dm-mod >/dev/null 2>&1 && fail "dm-mod does not load"
	return 1
}

# ktgt_dm_create NAME IMG SIZE TABLE: a dm device NAME over a loop device
# of the file IMG (SIZE, as truncate takes it), with TABLE, in which
# @LOOP@ stands for the loop device. Sets KTGT_DM_DEV to its
# /dev/mapper node. Not in $(...): the device is recorded for
# ktgt_dm_cleanup.
ktgt_dm_create() {
	local loop
	truncate -s "$3" "$2" || fail "truncate $2"
	loop=$(losetup -f --show "$2") || fail "losetup $2"
	KTGT_DM_LOOPS+=("$loop")
	dmsetup create "$1" --table "${4//@LOOP@/$loop}" ||
		fail "dmsetup create $1"
	KTGT_DM_NAMES+=("$1")
	# No udev in the guest: make the /dev/mapper node.
	dmsetup mknodes "$1" || fail "dmsetup mknodes $1"
	[ -b "/dev/mapper/$1" ] || fail "no /dev/mapper/$1"
	KTGT_DM_DEV=/dev/mapper/$1
}

# ktgt_dm_error NAME DIR: ktgt_dm_create of a 64 MiB device over
# DIR/NAME.img whose 512-byte sectors 16384-18431 (1 MiB at 8 MiB) fail
# every I/O (dm "error"); KTGT_DM_DEV is its node.
ktgt_dm_error() {
	ktgt_dm_create "$1" "$2/$1.img" 64M "0 16384 linear @LOOP@ 0
16384 2048 error
18432 112640 linear @LOOP@ 18432"
}

# ktgt_dm_cleanup: remove what ktgt_dm_create made (for an EXIT trap,
# after ktgt_cleanup has let go of the devices).
ktgt_dm_cleanup() {
	local d
	for d in "${KTGT_DM_NAMES[@]}"; do
		dmsetup remove "$d" 2>/dev/null
	done
	for d in "${KTGT_DM_LOOPS[@]}"; do
		losetup -d "$d" 2>/dev/null
	done
	KTGT_DM_NAMES=() KTGT_DM_LOOPS=()
}

# ktgt_sdebug_wait: wait (30 s) for the disk of scsi_debug, just loaded,
# to show; its H:C:T:L in KTGT_SDEBUG_HCTL. Fails the test if none does.
ktgt_sdebug_wait() {
	local d i
	KTGT_SDEBUG_HCTL=
	for ((i = 0; i < 300; i++)); do
		for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*:*:*:*; do
			[ -e "$d" ] && KTGT_SDEBUG_HCTL=${d##*/}
		done
		[ -n "$KTGT_SDEBUG_HCTL" ] && return 0
		sleep 0.1
	done
	fail "no scsi_debug device"
}
