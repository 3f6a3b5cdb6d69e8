#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm apply against the kernel where an object is re-created, a
# session is resolved to its group, or unique values move:
#  - a LUN re-created for its device's filename change keeps the
#    read_only 1 set by hand (the file does not name it);
#  - an iSCSI group re-created for a group order swap keeps its
#    auth_user and auth_secret;
#  - a local session of iqn.host:b, with a group pattern iqn.host:[^a]*
#    ('^' is an ordinary character for the core), sees the default LUN
#    set: changing that LUN's device is refused without --force, and
#    ktgtadm list agrees with the LUNs the core gives the session;
#  - rel_tgt_id swapped between two targets, and a new target created
#    before one that names the id the kernel would give it first;
#  - group_id swapped between two ALUA target groups.
# Every section runs; the failures are listed at the end.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgtadm_use_tree

ktgt_initiator_load
C=$KTGT_CFS
BAD=
bad() {
	echo "BAD: $*" >&2
	BAD="$BAD
  $*"
}
# check ACTUAL EXPECTED WHAT
check() {
	[ "$1" = "$2" ] || bad "$3: expected '$2', got '$1'"
}
empty() {
	echo "# nothing" > /tmp/empty.conf
	"$ADM" apply /tmp/empty.conf > /dev/null ||
		fail "apply of an empty file failed"
}

truncate -s 16M /tmp/a.img /tmp/b.img /tmp/c.img || fail "truncate"

log "a LUN re-created for a filename change keeps read_only"
conf_lun() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE d0 {
		filename $1
	}
}
TARGET_DRIVER local {
	TARGET t1 {
		LUN 0 d0
	}
}
CONF
}
conf_lun /tmp/a.img > /tmp/l1.conf
conf_lun /tmp/b.img > /tmp/l2.conf
run_ok "apply l1" "$ADM" apply /tmp/l1.conf
echo 1 > "$C/targets/local/t1/luns/0/read_only" || fail "read_only 1"
ino=$(stat -c %i "$C/targets/local/t1/luns/0")
"$ADM" apply --verbose /tmp/l2.conf || bad "apply l2: status $?"
[ "$(stat -c %i "$C/targets/local/t1/luns/0")" != "$ino" ] ||
	bad "LUN 0 was not re-created: the test proves nothing"
check "$(cat "$C/handlers/vdisk_fileio/d0/filename")" /tmp/b.img "d0 filename"
check "$(cat "$C/targets/local/t1/luns/0/read_only")" 1 "LUN 0 read_only after the re-creation"
"$ADM" apply --dry-run /tmp/l2.conf > /tmp/dry.out || bad "dry run of l2: status $?"
check "$(cat /tmp/dry.out)" "nothing to do" "dry run after l2"
empty

if modinfo ktgt_iscsi > /dev/null 2>&1 && [ -x "$KTGTADM_ISCSID" ]; then
	log "an iSCSI group re-created for the group order keeps its CHAP"
	# g2's pattern covers g1's names, so their order matters.
	IQN=iqn.2026-11.org.example:keep
	conf_grp() {
		local g1="GROUP g1 {
			$1
			INITIATOR iqn.x:*
		}" g2="GROUP g2 {
			INITIATOR iqn.*
		}"
		cat <<CONF
HANDLER vdisk_fileio {
	DEVICE d0 {
		filename /tmp/a.img
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		PORTAL 127.0.0.1:3260
		LUN 0 d0
		$([ "$2" = 12 ] && echo "$g1" && echo "$g2")
		$([ "$2" = 21 ] && echo "$g2" && echo "$g1")
	}
}
CONF
	}
	conf_grp "auth_user ann
			auth_secret \"anns secret 12\"" 12 > /tmp/g12.conf
	conf_grp "" 21 > /tmp/g21.conf
	run_ok "apply g12" "$ADM" apply /tmp/g12.conf
	G=$C/targets/iscsi/$IQN/groups
	"$ADM" apply --verbose /tmp/g21.conf || bad "apply g21: status $?"
	check "$(cat "$G/g1/auth_user")" ann "g1 auth_user after the swap"
	check "$(cat "$G/g1/auth_secret")" "anns secret 12" "g1 auth_secret after the swap"
	"$ADM" write /tmp/gw.conf || bad "write: status $?"
	check "$(grep -o 'GROUP g[12]' /tmp/gw.conf | tr '\n' ' ')" \
		"GROUP g2 GROUP g1 " "running group order after the swap"
	empty
	ktgt_iscsid_kill
else
	log "no ktgt_iscsi or ktgt-iscsid: the CHAP part is skipped"
fi

log "a session resolved to its group as the core does ([^a] is not a negation)"
conf_pat() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE d0 {
		filename $1
	}
	DEVICE d1 {
		filename /tmp/c.img
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		initiator_name iqn.host:b
		LUN 0 d0
		GROUP g {
			INITIATOR iqn.host:[^a]*
			LUN 5 d1
		}
	}
}
CONF
}
conf_pat /tmp/a.img > /tmp/p1.conf
conf_pat /tmp/b.img > /tmp/p2.conf
run_ok "apply p1" "$ADM" apply /tmp/p1.conf
n=0
while [ "$(ls "$KTGT_SYSFS/sessions" 2>/dev/null | wc -l)" = 0 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "$(ls "$KTGT_SYSFS/sessions" | wc -l)" 1 "sessions of t0"
# The core: the session sees LUN 0 (the default set), not LUN 5.
h=$(ktgt_local_host t0)
ktgt_local_rescan t0
ls /sys/class/scsi_device/ | grep -q "^$h:0:0:0$" ||
	bad "the core does not give iqn.host:b the default LUN 0"
ls /sys/class/scsi_device/ | grep -q "^$h:0:0:5$" &&
	bad "the core gives iqn.host:b the group's LUN 5"
"$ADM" apply /tmp/p2.conf > /tmp/p2.out 2>&1
rc=$?
cat /tmp/p2.out
check "$rc" 2 "apply p2 (d0 change drops the LUN the session uses), status"
grep -q "drops LUN 0 of target local/t0 that 1 session uses" /tmp/p2.out ||
	bad "apply p2: no refusal message"
check "$(cat "$C/handlers/vdisk_fileio/d0/filename")" /tmp/a.img "d0 filename after the refusal"
empty

log "rel_tgt_id swap; an automatic id before an explicit one"
conf_ids() {
	cat <<CONF
TARGET_DRIVER local {
	TARGET ta {
		rel_tgt_id $1
	}
	TARGET tb {
		rel_tgt_id $2
	}
}
CONF
}
conf_ids 11 12 > /tmp/i1.conf
conf_ids 12 11 > /tmp/i2.conf
run_ok "apply i1" "$ADM" apply /tmp/i1.conf
"$ADM" apply --verbose /tmp/i2.conf || bad "apply i2 (swap): status $?"
check "$(cat "$C/targets/local/ta/rel_tgt_id") $(cat "$C/targets/local/tb/rel_tgt_id")" \
	"12 11" "rel_tgt_id of ta tb after the swap"
empty
cat > /tmp/i3.conf <<CONF
TARGET_DRIVER local {
	TARGET ta
	TARGET tb {
		rel_tgt_id 1
	}
}
CONF
"$ADM" apply --verbose /tmp/i3.conf || bad "apply i3 (ta automatic, tb 1): status $?"
check "$(cat "$C/targets/local/tb/rel_tgt_id" 2>/dev/null)" 1 "rel_tgt_id of tb"
empty

if [ -d "$C/alua" ]; then
	log "ALUA group_id swap"
	conf_tg() {
		cat <<CONF
DEVICE_GROUP dg {
	TARGET_GROUP tg1 {
		group_id $1
	}
	TARGET_GROUP tg2 {
		group_id $2
	}
}
CONF
	}
	conf_tg 1 2 > /tmp/t1.conf
	conf_tg 2 1 > /tmp/t2.conf
	run_ok "apply t1" "$ADM" apply /tmp/t1.conf
	"$ADM" apply --verbose /tmp/t2.conf || bad "apply t2 (swap): status $?"
	check "$(cat "$C/alua/dg/target_groups/tg1/group_id") $(cat "$C/alua/dg/target_groups/tg2/group_id")" \
		"2 1" "group_id of tg1 tg2 after the swap"
	empty
fi

ktgt_unload_all
[ -z "$BAD" ] || fail "$(echo "$BAD" | grep -c .) check(s) failed:$BAD"
pass
