# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for VM tests that drive an iSCSI target from the guest's own
# initiators (open-iscsi's iscsid/iscsiadm and libiscsi's iscsi-test-cu)
# over the loopback interface. Source it after guest.sh and ktgt.sh:
#
#   . "$KTGT_REPO/tests/lib/guest.sh"
#   . "$KTGT_REPO/tests/lib/ktgt.sh"
#   . "$KTGT_REPO/tests/lib/iscsi.sh"
#
# The same test script runs against three targets, chosen by ISCSI_TARGET
# (environment, default "ktgt"):
#   lio   Linux's in-kernel target (drivers/target: iscsi_target_mod,
#         target_core_file), configured through configfs directly
#   ktgt  ktgt_iscsi.ko plus tools/ktgt-iscsid
#   tgt   the user-space tgtd (Debian's tgt), configured with tgtadm;
#         see its section below for what it cannot do
# Tests use the iscsi_tgt_* functions, which dispatch to lio_*,
# ktgt_iscsi_* or tgt_* and hide the difference:
#
#   iscsi_tgt_setup                     load modules, start daemons
#   iscsi_tgt_mkdisk NAME FILE SIZE [ATTR=VALUE...]
#                                       a file-backed disk (serial NAME);
#                                       ATTRs: ktgt device attributes
#   iscsi_tgt_mktarget IQN PORTAL...    a target listening on PORTALs
#                                       ("127.0.0.1", "::1"), port 3260
#   iscsi_tgt_maplun IQN LUN NAME [INITIATOR...]
#                                       map disk NAME as LUN. Without
#                                       INITIATORs a default LUN: any
#                                       initiator not named elsewhere may
#                                       log in and sees it (LIO: demo
#                                       mode). With INITIATORs, only for
#                                       them (LIO: their ACLs; ktgt: a
#                                       group per initiator); an initiator
#                                       named so sees only its own LUNs.
#   iscsi_tgt_chap IQN INITIATOR USER SECRET [MUSER MSECRET]
#                                       require CHAP from INITIATOR (map a
#                                       LUN to it first) and with MUSER
#                                       authenticate to it (mutual CHAP)
#   iscsi_tgt_enable IQN [0|1]
#   iscsi_tgt_teardown                  remove everything, stop daemons
#   iscsi_tgt_unload                    unload the target's modules
#   iscsi_tgt_module                    the target's iSCSI module name
#   iscsi_tgt_first_lun                 the lowest LUN a disk may have
#                                       (1 on tgt, 0 elsewhere)
#
# Initiator side (open-iscsi):
#   iscsi_ini_start [NAME]              start iscsid with initiator NAME
#   iscsi_ini_iface IFACE NAME          an iface with another initiator name
#   iscsi_discover PORTAL [IFACE] [-- NAME=VALUE...]
#   iscsi_node_set IQN PORTAL NAME=VALUE...   (iscsiadm -o update)
#   iscsi_login IQN PORTAL [IFACE]      / iscsi_try_login (returns status)
#   iscsi_logout IQN PORTAL [IFACE]
#   iscsi_wait_lun IQN LUN [INITIATOR]  print /dev/sdX of that LUN
#   iscsi_ini_stop                      log out of everything, stop iscsid
#
# Every helper fails the test on error (guest.sh's fail), except the
# iscsi_try_* ones, which return a status for steps that must fail.

ISCSI_TARGET=${ISCSI_TARGET:-ktgt}
ISCSI_PORT=${ISCSI_PORT:-3260}
ISCSI_INI_NAME=${ISCSI_INI_NAME:-iqn.2026-11.org.ktgt:test-initiator}
# libiscsi's iscsi-test-cu logs in with these two names (-i / -I).
ISCSI_LIBISCSI_NAME1=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test
ISCSI_LIBISCSI_NAME2=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2
LIO_CFS=/sys/kernel/config/target
ISCSI_LOG=${ISCSI_LOG:-/tmp/iscsi-logs}
mkdir -p "$ISCSI_LOG"

# iscsi_portal ADDR [PORT]: "127.0.0.1:3260" or "[::1]:3260".
iscsi_portal() {
	case "$1" in
	*:*) echo "[$1]:${2:-$ISCSI_PORT}" ;;
	*) echo "$1:${2:-$ISCSI_PORT}" ;;
	esac
}

# ---------------------------------------------------------------------
# LIO (drivers/target) through configfs.

# lio_write FILE VALUE: write VALUE without a newline.
lio_write() {
	local err
	err=$( { printf '%s' "$2" > "$1"; } 2>&1) ||
		fail "writing '$2' to $1: ${err##*: }"
}

lio_setup() {
	local m
	for m in target_core_mod target_core_file iscsi_target_mod; do
		modprobe "$m" || fail "modprobe $m (LIO)"
	done
	mountpoint -q /sys/kernel/config ||
		mount -t configfs configfs /sys/kernel/config
	[ -d "$LIO_CFS/core" ] || fail "LIO configfs missing at $LIO_CFS"
	# Persistent reservations with APTPL are written below these.
	mkdir -p /etc/target/pr /var/target/pr /var/target/alua
	# Creating the iscsi fabric directory registers iSCSI with configfs.
	mkdir -p "$LIO_CFS/iscsi" || fail "mkdir $LIO_CFS/iscsi"
}

# lio_mkdisk NAME FILE SIZE [ATTR=VALUE...]: fileio backstore
# fileio_0/NAME, serial NAME, thin provisioned (emulate_tpu); ktgt's
# device attributes after SIZE are ignored. With LIO_FD_BUFFERED=1 the
# file is written through the page cache with a write-back cache
# (fd_buffered_io=1), as vdisk_fileio writes it; LIO's default opens it
# O_DSYNC.
lio_mkdisk() {
	local d=$LIO_CFS/core/fileio_0/$1 bytes
	[ -e "$2" ] || truncate -s "$3" "$2" || fail "truncate $2"
	bytes=$(stat -c %s "$2")
	mkdir -p "$d" || fail "mkdir $d"
	ktgt_write "$d/control" \
		"fd_dev_name=$2,fd_dev_size=$bytes${LIO_FD_BUFFERED:+,fd_buffered_io=1}"
	ktgt_write "$d/wwn/vpd_unit_serial" "$1"
	ktgt_write "$d/enable" 1
	# What libiscsi's tests expect from a disk that can do them.
	ktgt_try_write "$d/attrib/emulate_tpu" 1
	ktgt_try_write "$d/attrib/emulate_tpws" 1
	ktgt_try_write "$d/attrib/emulate_caw" 1
}

lio_tpg() {
	echo "$LIO_CFS/iscsi/$1/tpgt_1"
}

# lio_mktarget IQN ADDR...: target IQN, TPG 1, a network portal per ADDR.
lio_mktarget() {
	local iqn=$1 tpg a
	shift
	tpg=$(lio_tpg "$iqn")
	mkdir -p "$tpg" || fail "mkdir $tpg"
	for a in "$@"; do
		mkdir "$tpg/np/$(iscsi_portal "$a")" ||
			fail "LIO portal $(iscsi_portal "$a")"
	done
	# Closed by default: only initiators with an ACL, no CHAP.
	ktgt_write "$tpg/attrib/authentication" 0
	ktgt_write "$tpg/attrib/generate_node_acls" 0
}

# lio_maplun IQN LUN NAME [INITIATOR...]: without INITIATORs, map
# backstore NAME as TPG LUN LUN for every initiator (demo mode); with
# INITIATORs, as mapped LUN LUN in their ACLs (created if missing), the
# TPG LUN being NAME's own (numbered from 100 up, so that different
# initiators may see different disks under the same LUN number).
lio_maplun() {
	local tpg iqn=$1 lun=$2 name=$3 i l tl=
	tpg=$(lio_tpg "$1")
	shift 3
	if [ $# -eq 0 ]; then
		mkdir "$tpg/lun/lun_$lun" || fail "mkdir LIO lun_$lun"
		ln -s "$LIO_CFS/core/fileio_0/$name" "$tpg/lun/lun_$lun/$name" ||
			fail "LIO map $name as LUN $lun"
		lio_open "$iqn"
		return
	fi
	for l in "$tpg"/lun/lun_*; do
		[ -e "$l/$name" ] && { tl=${l##*/lun_}; break; }
	done
	if [ -z "$tl" ]; then
		for ((tl = 100; ; tl++)); do
			[ -d "$tpg/lun/lun_$tl" ] || break
		done
		mkdir "$tpg/lun/lun_$tl" || fail "mkdir LIO lun_$tl"
		ln -s "$LIO_CFS/core/fileio_0/$name" "$tpg/lun/lun_$tl/$name" ||
			fail "LIO map $name as TPG LUN $tl"
	fi
	for i in "$@"; do
		mkdir -p "$tpg/acls/$i/lun_$lun" || fail "LIO ACL $i lun_$lun"
		ln -s "$tpg/lun/lun_$tl" "$tpg/acls/$i/lun_$lun/map" ||
			fail "LIO ACL $i map lun_$lun"
	done
}

# lio_open IQN: demo mode, any initiator, read-write, no CHAP.
lio_open() {
	local tpg
	tpg=$(lio_tpg "$1")
	ktgt_write "$tpg/attrib/generate_node_acls" 1
	ktgt_write "$tpg/attrib/cache_dynamic_acls" 1
	ktgt_write "$tpg/attrib/demo_mode_write_protect" 0
	ktgt_write "$tpg/attrib/authentication" 0
}

# lio_chap IQN INITIATOR USER SECRET [MUSER MSECRET]
lio_chap() {
	local tpg a
	tpg=$(lio_tpg "$1")
	a=$tpg/acls/$2/auth
	[ -n "$2" ] || a=$tpg/auth
	[ -d "$a" ] || fail "LIO: no ACL for $2 (map a LUN to it first)"
	# LIO keeps a trailing newline as part of the name: write none.
	lio_write "$a/userid" "$3"
	lio_write "$a/password" "$4"
	if [ $# -ge 6 ]; then
		lio_write "$a/userid_mutual" "$5"
		lio_write "$a/password_mutual" "$6"
	fi
	ktgt_write "$tpg/attrib/authentication" 1
}

lio_enable() {
	ktgt_write "$(lio_tpg "$1")/enable" "${2:-1}"
}

# lio_teardown: remove every LIO iSCSI target and fileio backstore.
lio_teardown() {
	local t tpg l a m np rc=0
	[ -d "$LIO_CFS/iscsi" ] || return 0
	for t in "$LIO_CFS"/iscsi/iqn.*/ "$LIO_CFS"/iscsi/eui.*/ "$LIO_CFS"/iscsi/naa.*/; do
		[ -d "$t" ] || continue
		for tpg in "$t"tpgt_*/; do
			echo 0 > "$tpg/enable" 2>/dev/null
			for a in "$tpg"acls/*/; do
				[ -d "$a" ] || continue
				for l in "$a"lun_*/; do
					[ -d "$l" ] || continue
					for m in "$l"*; do
						[ -L "$m" ] && rm -f "$m"
					done
					rmdir "$l" || rc=1
				done
				rmdir "$a" || rc=1
			done
			for l in "$tpg"lun/lun_*/; do
				[ -d "$l" ] || continue
				for m in "$l"*; do
					[ -L "$m" ] && rm -f "$m"
				done
				rmdir "$l" || rc=1
			done
			for np in "$tpg"np/*/; do
				[ -d "$np" ] && { rmdir "$np" || rc=1; }
			done
			rmdir "$tpg" || rc=1
		done
		rmdir "$t" || rc=1
	done
	for l in "$LIO_CFS"/core/fileio_*/*/; do
		[ -d "$l" ] && [ -e "$l/control" ] && { rmdir "$l" || rc=1; }
	done
	for l in "$LIO_CFS"/core/fileio_*/; do
		[ -d "$l" ] && rmdir "$l" 2>/dev/null
	done
	return $rc
}

lio_unload() {
	local m
	rmdir "$LIO_CFS/iscsi" 2>/dev/null
	for m in iscsi_target_mod target_core_file target_core_iblock \
		 target_core_pscsi target_core_user target_core_mod; do
		if lsmod | grep -q "^$m "; then
			rmmod "$m" || echo "rmmod $m failed" >&2
		fi
	done
}

# ---------------------------------------------------------------------
# ktgt: ktgt_iscsi.ko configured through /sys/kernel/config/ktgt (see
# targets/iscsi/main.c), tools/ktgt-iscsid for login and discovery:
#   targets/iscsi/IQN/                    a ktgt target (ktgt.sh helpers)
#   targets/iscsi/IQN/portals/ADDR:PORT   "[::1]:3260" for IPv6
#   targets/iscsi/IQN/auth_{user,secret,mutual_user,mutual_secret}
#   targets/iscsi/IQN/groups/G/auth_*     the same for one initiator group
# LUN masking is the core's: an initiator named in a group sees that
# group's LUNs, any other initiator the target's default LUNs (and may
# not log in if there are none).

KTGT_ISCSID=${KTGT_ISCSID:-$KTGT_REPO/tools/ktgt-iscsid/ktgt-iscsid}
KTGT_ISCSID_PID=

# ktgt_iscsid_start [OPTION...]: start the login daemon (in the
# foreground, own session) with OPTIONs (e.g. --login-timeout=3); fails
# the test if it exits within half a second.
ktgt_iscsid_start() {
	[ -x "$KTGT_ISCSID" ] || fail "$KTGT_ISCSID not built (make tools)"
	setsid "$KTGT_ISCSID" -f "$@" > "$ISCSI_LOG/ktgt-iscsid.log" 2>&1 &
	KTGT_ISCSID_PID=$!
	sleep 0.5
	kill -0 "$KTGT_ISCSID_PID" 2>/dev/null ||
		fail "ktgt-iscsid exited: $(tail -n 5 "$ISCSI_LOG/ktgt-iscsid.log")"
}

ktgt_iscsid_stop() {
	if [ -n "$KTGT_ISCSID_PID" ]; then
		kill "$KTGT_ISCSID_PID" 2>/dev/null
		wait "$KTGT_ISCSID_PID" 2>/dev/null
		KTGT_ISCSID_PID=
	fi
}

ktgt_iscsi_setup() {
	ktgt_load ktgt_vdisk ktgt_iscsi
	ktgt_iscsid_start
}

# ktgt_iscsi_mkdisk NAME FILE SIZE [ATTR=VALUE...]: extra device
# attributes (e.g. thin_provisioned=1, what LIO's emulate_tpu gives).
ktgt_iscsi_mkdisk() {
	[ -e "$2" ] || truncate -s "$3" "$2" || fail "truncate $2"
	ktgt_mkdev "vdisk_fileio/$1" filename="$2" serial="$1" "${@:4}"
}

ktgt_iscsi_mktarget() {
	local iqn=$1 a
	shift
	ktgt_mktarget "iscsi/$iqn"
	for a in "$@"; do
		mkdir "$KTGT_CFS/targets/iscsi/$iqn/portals/$(iscsi_portal "$a")" ||
			fail "ktgt portal $(iscsi_portal "$a")"
	done
}

# ktgt_iscsi_group IQN INITIATOR: the name of INITIATOR's own group
# (g<cksum>), created with INITIATOR in it if missing.
ktgt_iscsi_group() {
	local g
	g=g$(printf '%s' "$2" | cksum | cut -d' ' -f1)
	[ -d "$KTGT_CFS/targets/iscsi/$1/groups/$g" ] ||
		ktgt_mkgroup "iscsi/$1" "$g" "$2" >&2
	echo "$g"
}

ktgt_iscsi_maplun() {
	local iqn=$1 lun=$2 name=$3 i g
	shift 3
	if [ $# -eq 0 ]; then
		ktgt_maplun "iscsi/$iqn" "$lun" "vdisk_fileio/$name"
		return
	fi
	for i in "$@"; do
		g=$(ktgt_iscsi_group "$iqn" "$i")
		ktgt_maplun "iscsi/$iqn/groups/$g" "$lun" "vdisk_fileio/$name"
	done
}

# ktgt_iscsi_auth_attr DIR NAME: the CHAP attribute file NAME (user,
# secret, mutual_user, mutual_secret) of a target or group directory.
ktgt_iscsi_auth_attr() {
	[ -e "$1/auth_$2" ] || fail "no CHAP attribute $1/auth_$2"
	echo "$1/auth_$2"
}

ktgt_iscsi_chap() {
	local d=$KTGT_CFS/targets/iscsi/$1 g
	if [ -n "$2" ]; then
		g=$(ktgt_iscsi_group "$1" "$2")
		d=$d/groups/$g
	fi
	ktgt_write "$(ktgt_iscsi_auth_attr "$d" user)" "$3"
	ktgt_write "$(ktgt_iscsi_auth_attr "$d" secret)" "$4"
	if [ $# -ge 6 ]; then
		ktgt_write "$(ktgt_iscsi_auth_attr "$d" mutual_user)" "$5"
		ktgt_write "$(ktgt_iscsi_auth_attr "$d" mutual_secret)" "$6"
	fi
}

# ktgt_iscsi_enable IQN [0|1]: enable (default) or disable; enabling
# waits until ktgt-iscsid listens on each of the target's portals.
ktgt_iscsi_enable() {
	local p a i
	ktgt_enable "iscsi/$1" "${2:-1}"
	[ "${2:-1}" = 1 ] || return 0
	for p in "$KTGT_CFS/targets/iscsi/$1"/portals/*; do
		[ -d "$p" ] || continue
		p=${p##*/}
		a=${p%:*}
		for ((i = 0; i < 200; i++)); do
			ss -Hltn "( sport = :${p##*:} )" | awk '{ print $4 }' |
				grep -qF -e "$a:" -e "*:" -e "0.0.0.0:" -e "[::]:" && break
			sleep 0.05
		done
		[ $i -lt 200 ] || fail "ktgt-iscsid does not listen on $p 10s after enable: $(tail -n 3 "$ISCSI_LOG/ktgt-iscsid.log")"
	done
}

# ktgt_iscsi_nullio_target IQN DEV...: an enabled ktgt target IQN on
# 127.0.0.1 with a 16 MiB vdisk_nullio device DEV at LUN 0, the next at
# LUN 1, and so on.
ktgt_iscsi_nullio_target() {
	local iqn=$1 lun=0 d
	shift
	ktgt_iscsi_mktarget "$iqn" 127.0.0.1
	for d in "$@"; do
		ktgt_mkdev "vdisk_nullio/$d" size=$((16 << 20))
		ktgt_maplun "iscsi/$iqn" $((lun++)) "vdisk_nullio/$d"
	done
	ktgt_iscsi_enable "$iqn"
}

ktgt_iscsi_teardown() {
	local t p
	for t in "$KTGT_CFS"/targets/iscsi/*/; do
		[ -d "$t" ] || continue
		echo 0 > "$t/enable" 2>/dev/null
		for p in "$t"portals/*/; do
			[ -d "$p" ] && rmdir "$p"
		done
	done
	ktgt_cleanup
	ktgt_iscsid_stop
}

ktgt_iscsi_unload() {
	ktgt_unload_all
}

# ---------------------------------------------------------------------
# tgt (Debian's package tgt): the user-space daemon tgtd, run in the
# guest, configured with tgtadm over its control socket. Differences a
# test must know:
#   - tgt has no disks outside targets: iscsi_tgt_mkdisk only records
#     the file, iscsi_tgt_maplun creates the logical unit (bstype rdwr,
#     serial NAME); mapping one disk twice makes two logical units on
#     the same file.
#   - LUN 0 of every tgt target is its own controller (peripheral
#     device type 0Ch): disks start at LUN 1 (tgt_first_lun).
#   - portals belong to the daemon, not to a target: every target
#     listens on every portal added.
#   - no LUN masking: INITIATORs of maplun only restrict which names
#     may log in (the target's ACL); each sees every LUN of the target.
#   - CHAP accounts belong to the target, not to one initiator.
#   - persistent reservations are kept in memory only (APTPL is not
#     supported).
#   - ktgt device attributes after SIZE: thin_provisioned=1 becomes
#     tgt's thin_provisioning=1 (UNMAP punches holes); others ignored.
TGTD_PID=
declare -gA TGT_DISK=() TGT_TID=() TGT_TP=() TGT_ALL=()

tgt_adm() {
	tgtadm --lld iscsi "$@"
}

# tgt_first_lun: the lowest LUN a disk may have on a tgt target.
tgt_first_lun() {
	echo 1
}

tgt_setup() {
	local i
	command -v tgtd > /dev/null || skip "tgt (tgtd) not installed"
	mkdir -p /var/run/tgtd
	# One portal now so that tgtd does not listen on every address;
	# tgt_mktarget adds the others.
	setsid tgtd -f --iscsi "portal=127.0.0.1:$ISCSI_PORT" \
		> "$ISCSI_LOG/tgtd.log" 2>&1 &
	TGTD_PID=$!
	for ((i = 0; i < 100; i++)); do
		tgt_adm --mode target --op show > /dev/null 2>&1 && return 0
		kill -0 "$TGTD_PID" 2>/dev/null ||
			fail "tgtd exited: $(tail -n 5 "$ISCSI_LOG/tgtd.log")"
		sleep 0.1
	done
	fail "tgtd does not answer tgtadm after 10s"
}

# tgt_mkdisk NAME FILE SIZE [ATTR=VALUE...]
tgt_mkdisk() {
	local a
	[ -e "$2" ] || truncate -s "$3" "$2" || fail "truncate $2"
	TGT_DISK[$1]=$2
	TGT_TP[$1]=0
	for a in "${@:4}"; do
		[ "$a" = thin_provisioned=1 ] && TGT_TP[$1]=1
	done
	return 0
}

# tgt_mktarget IQN ADDR...: the next free target id, the portals added.
tgt_mktarget() {
	local iqn=$1 a p tid=1 t
	shift
	for t in "${TGT_TID[@]}"; do
		[ "$t" -ge "$tid" ] && tid=$((t + 1))
	done
	run_ok "tgt target $iqn" tgt_adm --mode target --op new --tid "$tid" \
		--targetname "$iqn"
	TGT_TID[$iqn]=$tid
	# Closed until enabled.
	run_ok "tgt offline" tgt_adm --mode target --op update --tid "$tid" \
		--name state --value offline
	for a in "$@"; do
		p=$(iscsi_portal "$a")
		tgt_adm --mode portal --op show |
			grep -qF -e "Portal: $p," -e "Portal: $a:$ISCSI_PORT," &&
			continue
		run_ok "tgt portal $p" tgt_adm --mode portal --op new \
			--param "portal=$p"
	done
}

tgt_tid() {
	[ -n "${TGT_TID[$1]:-}" ] || fail "tgt: no target $1"
	echo "${TGT_TID[$1]}"
}

# tgt_maplun IQN LUN NAME [INITIATOR...]
tgt_maplun() {
	local tid lun=$2 name=$3 i p
	tid=$(tgt_tid "$1")
	shift 3
	[ "$lun" -ge "$(tgt_first_lun)" ] ||
		fail "tgt: LUN $lun is the target's controller"
	[ -n "${TGT_DISK[$name]:-}" ] || fail "tgt: no disk $name"
	run_ok "tgt LUN $lun" tgt_adm --mode logicalunit --op new --tid "$tid" \
		--lun "$lun" --bstype rdwr --backing-store "${TGT_DISK[$name]}"
	p="scsi_sn=$name,scsi_id=$name"
	[ "${TGT_TP[$name]}" = 1 ] && p="$p,thin_provisioning=1"
	run_ok "tgt LUN $lun params" tgt_adm --mode logicalunit --op update \
		--tid "$tid" --lun "$lun" --params "$p"
	if [ $# -eq 0 ]; then
		[ -n "${TGT_ALL[$tid]:-}" ] && return 0
		run_ok "tgt bind ALL" tgt_adm --mode target --op bind \
			--tid "$tid" --initiator-address ALL
		TGT_ALL[$tid]=1
		return 0
	fi
	for i in "$@"; do
		run_ok "tgt bind $i" tgt_adm --mode target --op bind \
			--tid "$tid" --initiator-name "$i"
	done
}

# tgt_chap IQN INITIATOR USER SECRET [MUSER MSECRET]: accounts of the
# target (INITIATOR is not used: tgt's CHAP is per target).
tgt_chap() {
	local tid
	tid=$(tgt_tid "$1")
	run_ok "tgt account $3" tgt_adm --mode account --op new --user "$3" \
		--password "$4"
	run_ok "tgt bind account $3" tgt_adm --mode account --op bind \
		--tid "$tid" --user "$3"
	if [ $# -ge 6 ]; then
		run_ok "tgt account $5" tgt_adm --mode account --op new \
			--user "$5" --password "$6"
		run_ok "tgt bind account $5" tgt_adm --mode account --op bind \
			--tid "$tid" --user "$5" --outgoing
	fi
}

tgt_enable() {
	local st=ready
	[ "${2:-1}" = 1 ] || st=offline
	run_ok "tgt state $st" tgt_adm --mode target --op update \
		--tid "$(tgt_tid "$1")" --name state --value "$st"
}

# tgt_teardown: stop tgtd (its configuration goes with it).
tgt_teardown() {
	local i
	if [ -n "$TGTD_PID" ]; then
		# tgtd ignores SIGTERM and SIGINT: it leaves on "system
		# delete" (after "offline" it takes no new logins), and gets
		# SIGKILL if it is still there 10 s later.
		timeout 10 tgtadm --op update --mode sys --name State \
			-v offline > /dev/null 2>&1
		timeout 10 tgtadm --op delete --mode system > /dev/null 2>&1
		for ((i = 0; i < 100; i++)); do
			kill -0 "$TGTD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$TGTD_PID" 2>/dev/null
		wait "$TGTD_PID" 2>/dev/null
		TGTD_PID=
	fi
	TGT_DISK=()
	TGT_TID=()
	TGT_TP=()
	TGT_ALL=()
}

# tgt_unload: tgt is user space, nothing to unload.
tgt_unload() {
	:
}

# ---------------------------------------------------------------------
# Dispatch on ISCSI_TARGET.

iscsi_tgt() {
	local what=$1
	shift
	case "$ISCSI_TARGET" in
	lio) "lio_$what" "$@" ;;
	ktgt) "ktgt_iscsi_$what" "$@" ;;
	tgt) "tgt_$what" "$@" ;;
	*) fail "ISCSI_TARGET must be lio, ktgt or tgt, not '$ISCSI_TARGET'" ;;
	esac
}
iscsi_tgt_setup() { iscsi_tgt setup "$@"; }
iscsi_tgt_mkdisk() { iscsi_tgt mkdisk "$@"; }
iscsi_tgt_mktarget() { iscsi_tgt mktarget "$@"; }
iscsi_tgt_maplun() { iscsi_tgt maplun "$@"; }
iscsi_tgt_chap() { iscsi_tgt chap "$@"; }
iscsi_tgt_enable() { iscsi_tgt enable "$@"; }
iscsi_tgt_teardown() { iscsi_tgt teardown "$@"; }
iscsi_tgt_unload() { iscsi_tgt unload "$@"; }

iscsi_tgt_first_lun() {
	case "$ISCSI_TARGET" in
	tgt) tgt_first_lun ;;
	*) echo 0 ;;
	esac
}

# iscsi_tgt_conns: established TCP connections on the target's side of
# port ISCSI_PORT (both address families).
iscsi_tgt_conns() {
	ss -Htn state established "( sport = :$ISCSI_PORT )" | wc -l
}

# iscsi_tgt_wait_conns N [SECS]: wait until the target has N connections.
iscsi_tgt_wait_conns() {
	local i secs=${2:-$KTGT_WAIT_SECS}
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(iscsi_tgt_conns)" -eq "$1" ] && return 0
		sleep 0.1
	done
	fail "target has $(iscsi_tgt_conns) connection(s), expected $1, after ${secs}s"
}

# ktgt_iscsi_wait_no_sessions WHAT [SECS]: wait until ktgt_iscsi has no
# session left (a closed connection's session goes away asynchronously);
# fail with WHAT if one is still there after SECS (default 10).
ktgt_iscsi_wait_no_sessions() {
	local i secs=${2:-10}
	for ((i = 0; i < secs * 10; i++)); do
		[ -z "$(ls /sys/kernel/ktgt_iscsi/sessions/)" ] && return 0
		sleep 0.1
	done
	fail "$1: session(s) $(ls /sys/kernel/ktgt_iscsi/sessions/ | tr '\n' ' ')still there after ${secs}s"
}

# iscsi_tgt_module: the kernel module of the target under test.
iscsi_tgt_module() {
	case "$ISCSI_TARGET" in
	lio) echo iscsi_target_mod ;;
	tgt) echo tgtd ;;
	*) echo ktgt_iscsi ;;
	esac
}

# ---------------------------------------------------------------------
# The Linux initiator (open-iscsi).

ISCSID_PID=

# iscsi_ini_start [NAME]: load iscsi_tcp, write the initiator name and
# iscsid.conf (short timeouts for TCG), start iscsid in the foreground.
iscsi_ini_start() {
	local name=${1:-$ISCSI_INI_NAME} i
	ktgt_initiator_load
	modprobe iscsi_tcp || fail "modprobe iscsi_tcp"
	# Debian's open-iscsi keeps its records in /etc/iscsi (the guest's
	# overlay): start from none.
	mkdir -p /etc/iscsi /run/lock/iscsi
	rm -rf /etc/iscsi/nodes /etc/iscsi/send_targets /etc/iscsi/ifaces \
		/var/lib/iscsi/nodes /var/lib/iscsi/send_targets /var/lib/iscsi/ifaces
	echo "InitiatorName=$name" > /etc/iscsi/initiatorname.iscsi
	cat > /etc/iscsi/iscsid.conf <<-EOF
	node.startup = manual
	node.session.timeo.replacement_timeout = ${ISCSI_REPLACEMENT_TIMEOUT:-20}
	node.conn[0].timeo.login_timeout = 15
	node.conn[0].timeo.logout_timeout = 15
	node.conn[0].timeo.noop_out_interval = 5
	node.conn[0].timeo.noop_out_timeout = 10
	node.session.err_timeo.abort_timeout = 15
	node.session.err_timeo.lu_reset_timeout = 30
	node.session.err_timeo.tgt_reset_timeout = 30
	node.session.initial_login_retry_max = 2
	node.session.cmds_max = 128
	node.session.queue_depth = 32
	node.session.iscsi.InitialR2T = No
	node.session.iscsi.ImmediateData = Yes
	node.session.iscsi.FirstBurstLength = 262144
	node.session.iscsi.MaxBurstLength = 16776192
	node.conn[0].iscsi.MaxRecvDataSegmentLength = 262144
	node.conn[0].iscsi.HeaderDigest = None
	node.conn[0].iscsi.DataDigest = None
	node.session.scan = auto
	EOF
	# Its own session: iscsid signals its whole process group on exit.
	setsid iscsid -f -d 1 > "$ISCSI_LOG/iscsid.log" 2>&1 &
	ISCSID_PID=$!
	for ((i = 0; i < 100; i++)); do
		# iscsiadm talks to iscsid on this abstract socket.
		ss -Hxl | grep -q ISCSIADM_ABSTRACT_NAMESPACE && return 0
		kill -0 "$ISCSID_PID" 2>/dev/null ||
			fail "iscsid exited: $(tail -n 5 "$ISCSI_LOG/iscsid.log")"
		sleep 0.1
	done
	fail "iscsid did not answer within 10s"
}

# iscsi_ini_iface IFACE NAME: an open-iscsi iface (tcp) whose sessions
# use initiator name NAME, to log in as a second initiator.
iscsi_ini_iface() {
	run_ok "iface $1" iscsiadm -m iface -I "$1" -o new > /dev/null
	run_ok "iface $1 name" iscsiadm -m iface -I "$1" -o update \
		-n iface.initiatorname -v "$2" > /dev/null
	run_ok "iface $1 transport" iscsiadm -m iface -I "$1" -o update \
		-n iface.transport_name -v tcp > /dev/null
}

# iscsi_discover PORTAL [IFACE] [-- NAME=VALUE...]: SendTargets discovery;
# prints the "PORTAL,TPGT IQN" lines. NAME=VALUE are discovery settings
# (discovery.sendtargets.auth.*) applied before discovering.
iscsi_discover() {
	local p=$1 iface=default out kv
	shift
	if [ $# -gt 0 ] && [ "$1" != -- ]; then iface=$1; shift; fi
	[ "${1:-}" = -- ] && shift
	if [ $# -gt 0 ]; then
		iscsiadm -m discoverydb -t st -p "$p" -I "$iface" -o new > /dev/null ||
			fail "discoverydb new $p"
		for kv in "$@"; do
			iscsiadm -m discoverydb -t st -p "$p" -I "$iface" -o update \
				-n "${kv%%=*}" -v "${kv#*=}" > /dev/null ||
				fail "discoverydb set $kv"
		done
		out=$(iscsiadm -m discoverydb -t st -p "$p" -I "$iface" --discover 2>&1) ||
			fail "discovery at $p failed: $out"
	else
		out=$(iscsiadm -m discovery -t st -p "$p" -I "$iface" 2>&1) ||
			fail "discovery at $p failed: $out"
	fi
	echo "$out"
}

# iscsi_try_discover PORTAL [IFACE]: discovery status only.
iscsi_try_discover() {
	iscsiadm -m discovery -t st -p "$1" -I "${2:-default}" > /dev/null 2>&1
}

# iscsi_node_new IQN PORTAL [IFACE]: a node record without discovery.
iscsi_node_new() {
	run_ok "node record $1 $2" iscsiadm -m node -o new -T "$1" -p "$2" \
		-I "${3:-default}" > /dev/null
}

# iscsi_node_set IQN PORTAL [-I IFACE] NAME=VALUE...
iscsi_node_set() {
	local iqn=$1 p=$2 iface=() kv
	shift 2
	[ "${1:-}" = -I ] && { iface=(-I "$2"); shift 2; }
	for kv in "$@"; do
		iscsiadm -m node -T "$iqn" -p "$p" "${iface[@]}" -o update \
			-n "${kv%%=*}" -v "${kv#*=}" > /dev/null ||
			fail "node $iqn $p: setting ${kv%%=*}"
	done
}

# iscsi_node_chap IQN PORTAL [-I IFACE] USER SECRET [MUSER MSECRET]
iscsi_node_chap() {
	local iqn=$1 p=$2 iface=()
	shift 2
	[ "${1:-}" = -I ] && { iface=(-I "$2"); shift 2; }
	iscsi_node_set "$iqn" "$p" "${iface[@]}" node.session.auth.authmethod=CHAP \
		node.session.auth.username="$1" node.session.auth.password="$2"
	[ $# -ge 4 ] && iscsi_node_set "$iqn" "$p" "${iface[@]}" \
		node.session.auth.username_in="$3" node.session.auth.password_in="$4"
	return 0
}

# iscsi_node_digests IQN PORTAL [-I IFACE] HDR DATA (None, CRC32C)
iscsi_node_digests() {
	local iqn=$1 p=$2 iface=()
	shift 2
	[ "${1:-}" = -I ] && { iface=(-I "$2"); shift 2; }
	iscsi_node_set "$iqn" "$p" "${iface[@]}" \
		"node.conn[0].iscsi.HeaderDigest=$1" "node.conn[0].iscsi.DataDigest=$2"
}

# iscsi_try_login IQN PORTAL [IFACE]: log in; returns iscsiadm's status.
iscsi_try_login() {
	iscsiadm -m node -T "$1" -p "$2" -I "${3:-default}" --login \
		> "$ISCSI_LOG/login.out" 2>&1
}

iscsi_login() {
	iscsi_try_login "$@" ||
		fail "login to $1 at $2${3:+ via $3}: $(tail -n 3 "$ISCSI_LOG/login.out")"
}

# iscsi_ini_del_devs [IQN [PORTAL [IFACE]]]: delete from this shell the
# SCSI devices of the initiator's sessions (to IQN, through PORTAL and
# IFACE when given), as an admin does before a logout; every logout here
# does it first.
#
# Why: devices still there at logout are removed by the kernel initiator
# from its session's WQ_MEM_RECLAIM work (__iscsi_unbind_session). The
# last one's removal queues the runtime PM idle work of its SCSI target
# on pm_wq, and removing the target then flushes that work; if it is
# still running (a preempted vCPU under load), check_flush_dependency()
# WARNs "WQ_MEM_RECLAIM iscsi_ctrl_... is flushing !WQ_MEM_RECLAIM pm",
# a stock 6.1 initiator race that the splat detector would blame on the
# test. From a process there is no such check. Sessions whose portal or
# interface does not match are left alone.
iscsi_ini_del_devs() {
	local s c sid addr port hctl
	for s in $(iscsi_session_dirs "${1:-}"); do
		sid=${s##*/session}
		if [ -n "${3:-}" ]; then
			[ "$(cat "$s/ifacename" 2>/dev/null)" = "$3" ] || continue
		fi
		if [ -n "${2:-}" ]; then
			for c in /sys/class/iscsi_connection/connection"$sid":*; do
				break
			done
			[ -e "$c" ] || continue
			addr=$(cat "$c/persistent_address" 2>/dev/null)
			port=$(cat "$c/persistent_port" 2>/dev/null)
			[ "$(iscsi_portal "$addr" "$port")" = "$2" ] || continue
		fi
		for hctl in $(ktgt_scsi_devs "$(iscsi_session_host "$s")"); do
			timeout 60 sh -c \
				"echo 1 > /sys/class/scsi_device/$hctl/device/delete" \
				2>/dev/null ||
				echo "iscsi_ini_del_devs: $hctl not deleted" >&2
		done
	done
}

iscsi_try_logout() {
	iscsi_ini_del_devs "$1" "$2" "${3:-default}"
	iscsiadm -m node -T "$1" -p "$2" -I "${3:-default}" --logout \
		> "$ISCSI_LOG/logout.out" 2>&1
}

iscsi_logout() {
	iscsi_try_logout "$@" ||
		fail "logout of $1 at $2: $(tail -n 3 "$ISCSI_LOG/logout.out")"
}

# iscsi_session_dirs [IQN [INITIATOR]]: the /sys/class/iscsi_session/
# sessionN of the logged-in sessions to IQN (every one if IQN is empty or
# not given; from INITIATOR).
iscsi_session_dirs() {
	local s
	for s in /sys/class/iscsi_session/session*; do
		[ -e "$s" ] || continue
		if [ -n "${1:-}" ]; then
			[ "$(cat "$s/targetname" 2>/dev/null)" = "$1" ] || continue
		fi
		if [ -n "${2:-}" ]; then
			[ "$(cat "$s/initiatorname" 2>/dev/null)" = "$2" ] || continue
		fi
		echo "$s"
	done
}

# iscsi_session_host SESSIONDIR: its SCSI host number.
iscsi_session_host() {
	local p
	p=$(readlink -f "$1/device")
	p=${p%/session*}
	echo "${p##*/host}"
}

# iscsi_session_count [IQN]: logged-in sessions (to IQN).
iscsi_session_count() {
	iscsi_session_dirs "${1:-}" | wc -l
}

# iscsi_wait_lun [-t SECS] IQN LUN [INITIATOR]: wait for the block device
# of LUN of the session to IQN and print it.
iscsi_wait_lun() {
	local secs=$KTGT_WAIT_SECS s i
	[ "$1" = -t ] && { secs=$2; shift 2; }
	for ((i = 0; i < secs * 10; i++)); do
		s=$(iscsi_session_dirs "$1" "${3:-}" | head -n1)
		if [ -n "$s" ]; then
			ktgt_wait_disk -t "$secs" host="$(iscsi_session_host "$s")" lun="$2"
			return
		fi
		sleep 0.1
	done
	fail "no iSCSI session to $1${3:+ from $3} after ${secs}s"
}

# iscsi_luns IQN [INITIATOR]: the LUN numbers the session sees, sorted.
iscsi_luns() {
	local s h
	s=$(iscsi_session_dirs "$1" "${2:-}" | head -n1)
	[ -n "$s" ] || fail "no session to $1 ${2:-}"
	h=$(iscsi_session_host "$s")
	ktgt_scsi_devs "$h" | awk -F: '{ print $4 }' | sort -n | tr '\n' ' ' |
		sed 's/ $//'
}

# iscsi_ini_stop: log out of every session (its devices deleted first, as
# iscsi_ini_del_devs says why), stop iscsid.
iscsi_ini_stop() {
	iscsi_ini_del_devs
	iscsiadm -m node --logoutall=all > /dev/null 2>&1
	if [ -n "$ISCSID_PID" ]; then
		kill "$ISCSID_PID" 2>/dev/null
		wait "$ISCSID_PID" 2>/dev/null
		ISCSID_PID=
	fi
}

# ---------------------------------------------------------------------
# Checks shared by the tests.

# iscsi_no_dstate: fail if a task sits in uninterruptible sleep (D) for
# 5 s in a row (instantaneous D states during I/O are normal).
iscsi_no_dstate() {
	local i f st stuck prev=
	for ((i = 0; i < 5; i++)); do
		stuck=
		for f in /proc/[0-9]*/stat; do
			# the state follows the last ')' (comm may hold spaces)
			st=$(sed 's/.*) //; s/ .*//' "$f" 2>/dev/null) || continue
			[ "$st" = D ] && stuck="$stuck ${f%/stat}"
		done
		[ -z "$stuck" ] && return 0
		if [ -n "$prev" ]; then
			# keep only those in D both times
			local p keep=
			for p in $stuck; do
				case " $prev " in *" $p "*) keep="$keep $p" ;; esac
			done
			stuck=$keep
			[ -z "$stuck" ] && return 0
		fi
		prev=$stuck
		sleep 1
	done
	local p
	for p in $stuck; do
		echo "D state: $p $(cat "$p/comm" 2>/dev/null)" >&2
		sed 's/^/    /' "$p/stack" 2>/dev/null >&2
	done
	fail "tasks stuck in D state:$stuck"
}

# iscsi_cleanup: for traps: initiator down, target down.
iscsi_cleanup() {
	iscsi_ini_stop
	iscsi_tgt_teardown > /dev/null 2>&1
}

# ---------------------------------------------------------------------
# libiscsi's conformance suite (iscsi-test-cu, Debian's libiscsi-bin).

# The families run by default: SCSI and iSCSI, without persistent
# reservations, RESERVE(6) and task management (issue #5's tests),
# SANITIZE (destroys the medium, needs -S) and MultipathIO (needs a
# second path and uses task management).
ISCSI_CU_FAMILIES=${ISCSI_CU_FAMILIES:-SCSI iSCSI}
ISCSI_CU_EXCLUDE=${ISCSI_CU_EXCLUDE:-'\.(Prin[A-Za-z]*|Prout[A-Za-z]*|Reserve6|Sanitize|MultipathIO|iSCSITMF)\.'}

# iscsi_cu_list: the FAMILY.Suite.Test names to run, one per line.
iscsi_cu_list() {
	local f re=
	for f in $ISCSI_CU_FAMILIES; do
		re="$re${re:+|}$f"
	done
	iscsi-test-cu --list | grep -E "^($re)\.[^.]+\.[^.]+$" |
		grep -vE "$ISCSI_CU_EXCLUDE"
}

# iscsi_cu_parse: read iscsi-test-cu's verbose output on stdin and print
# "Suite.Test PASS|FAIL|SKIP" per test run. A test libiscsi skipped
# (the target lacks the command or feature: it prints "[SKIPPED]" and
# CUnit counts it passed) is SKIP.
iscsi_cu_parse() {
	awk '
	function done(r) {
		if (r == "PASS" && skipped) r = "SKIP"
		print name, r
		pending = 0
	}
	/^Suite: / { suite = $2; next }
	/^  Test: / {
		line = $0
		sub(/^  Test: /, "", line)
		i = index(line, " ...")
		name = suite "." substr(line, 1, i - 1)
		rest = substr(line, i + 4)
		skipped = (rest ~ /\[SKIPPED\]/)
		pending = 1
		if (rest == "passed") done("PASS")
		else if (rest == "FAILED") done("FAIL")
		next
	}
	pending && /\[SKIPPED\]/ { skipped = 1 }
	pending && /^passed$/ { done("PASS"); next }
	pending && /^FAILED$/ { done("FAIL"); next }
	pending && /passed$/ && !/[[]/ { done("PASS"); next }
	pending && /FAILED$/ && !/[[]/ { done("FAIL"); next }
	'
}

# iscsi_cu_run URL LIST OUT [MORE iscsi-test-cu ARGS]: run the tests
# named in file LIST (FAMILY.Suite.Test per line) against URL with the
# two libiscsi initiator names; iscsi-test-cu's output goes to OUT.log,
# the results to OUT (Suite.Test RESULT, one per listed test, in list
# order; a listed test without a result is FAIL). Prints the seconds
# it took.
iscsi_cu_run() {
	local url=$1 list=$2 out=$3 start
	shift 3
	start=$(date +%s)
	timeout "${ISCSI_CU_TIMEOUT:-1200}" iscsi-test-cu -d \
		-i "$ISCSI_LIBISCSI_NAME1" -I "$ISCSI_LIBISCSI_NAME2" \
		-t "$list" "$@" "$url" > "$out.log" 2>&1
	echo "iscsi-test-cu exit status $?" >> "$out.log"
	iscsi_cu_parse < "$out.log" > "$out.raw"
	# One line per listed test; a test run twice keeps its first result.
	awk 'NR == FNR { if (!($1 in r)) r[$1] = $2; next }
	     { split($0, p, "."); n = p[2] "." p[3]
	       print n, (n in r) ? r[n] : "FAIL" }' "$out.raw" "$list" > "$out"
	echo $(( $(date +%s) - start ))
}

# iscsi_cu_count FILE RESULT: how many tests of a result file have RESULT.
iscsi_cu_count() {
	awk -v r="$2" '$2 == r { n++ } END { print n + 0 }' "$1"
}

# ---------------------------------------------------------------------
# Data helpers.

# iscsi_fio WHAT DEV SIZE [FIO ARGS...]: fio writes SIZE of random
# blocks (4-128 KiB) with crc32c verify headers to DEV at queue depth 32
# (libaio, O_DIRECT) and verifies them; fails the test on any error or
# mismatch. Extra arguments are added to the job (--verify_only ...).
iscsi_fio() {
	local what=$1 dev=$2 size=$3 out rc
	shift 3
	command -v fio > /dev/null || skip "fio not installed"
	out=$(fio --name=iscsi-verify --filename="$dev" --ioengine=libaio \
		--direct=1 --rw=randwrite --bsrange=4k-128k --iodepth=32 \
		--size="$size" --verify=crc32c --verify_fatal=1 --randrepeat=1 \
		--randseed=4242 --group_reporting "$@" 2>&1)
	rc=$?
	echo "$out" | grep -E 'err=|verify|WRITE:|READ:' | sed 's/^/    /'
	[ $rc -eq 0 ] || { echo "$out" | tail -n 20 >&2; fail "$what: fio failed (rc=$rc)"; }
	grep -q 'err= 0' <<< "$out" || fail "$what: fio reported errors"
	if grep -qiE 'verify.*(bad|mismatch|fail)' <<< "$out"; then
		fail "$what: fio verify mismatch"
	fi
	return 0
}

# iscsi_sum DEV [MIB]: sha256 of the first MIB (default 16) MiB of DEV,
# read with O_DIRECT (not from the page cache).
iscsi_sum() {
	dd if="$1" bs=1M count="${2:-16}" iflag=direct status=none | sha256sum |
		cut -d' ' -f1
}

# iscsi_session_state IQN: open-iscsi's state of the session to IQN
# (LOGGED_IN, FAILED, FREE, ...), empty if none.
iscsi_session_state() {
	local s
	s=$(iscsi_session_dirs "$1" | head -n1)
	[ -n "$s" ] && cat "$s/state" 2>/dev/null
}

# iscsi_wait_state IQN STATE [SECS]: STATE may list states, 'A|B'.
iscsi_wait_state() {
	local i secs=${3:-$KTGT_WAIT_SECS}
	for ((i = 0; i < secs * 10; i++)); do
		[[ "$(iscsi_session_state "$1")" =~ ^($2)$ ]] && return 0
		sleep 0.1
	done
	fail "session to $1 is '$(iscsi_session_state "$1")', not $2, after ${secs}s"
}
