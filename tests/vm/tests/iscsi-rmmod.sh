#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# Unloading the iSCSI target with sessions connected: two initiators
# (IPv4 and IPv6) are logged in, one of them reading. Removing the
# target's configuration while the sessions are up must close them
# (the target drops every connection), after which the module unloads
# (rmmod; ktgt_iscsi first tries with the configuration still there,
# which configfs may refuse as "in use", never with a crash). The
# initiators see their sessions fail and log out within the timeout,
# nothing stays in D state, and after loading the module again a new
# configuration serves a new login with the data intact.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:rmmod
INI_B=iqn.2026-11.org.ktgt:rmmod-b
P4=$(iscsi_portal 127.0.0.1)
P6=$(iscsi_portal ::1)
trap iscsi_cleanup EXIT

setup_target() {
	iscsi_tgt_setup
	iscsi_tgt_mkdisk rm0 /tmp/rm0.img 16M
	iscsi_tgt_mktarget "$IQN" 127.0.0.1 ::1
	iscsi_tgt_maplun "$IQN" 0 rm0
	iscsi_tgt_enable "$IQN"
}

setup_target
ISCSI_REPLACEMENT_TIMEOUT=5 iscsi_ini_start
iscsi_ini_iface ifb "$INI_B"
iscsi_discover "$P4" > /dev/null
iscsi_discover "$P6" ifb > /dev/null
iscsi_login "$IQN" "$P4" default
iscsi_login "$IQN" "$P6" ifb
dev=$(iscsi_wait_lun "$IQN" 0 "$ISCSI_INI_NAME")
run_ok "fill $dev" dd if=/dev/urandom of="$dev" bs=1M count=4 oflag=direct status=none
sum=$(iscsi_sum "$dev" 4)
iscsi_tgt_wait_conns 2 10

mod=$(iscsi_tgt_module)
log "rmmod $mod with the configuration in place"
if rmmod "$mod" 2> /tmp/rmmod.err; then
	log "unloaded with the configuration in place"
else
	sed 's/^/    /' /tmp/rmmod.err
	grep -qi 'in use' /tmp/rmmod.err || fail "rmmod $mod: $(cat /tmp/rmmod.err)"
	lsmod | grep -q "^$mod " || fail "$mod gone although rmmod failed"
	log "removing the configuration with both sessions up"
	dd if="$dev" of=/dev/null bs=64k count=2000 iflag=direct status=none &
	rd=$!
	iscsi_tgt_teardown || fail "teardown with sessions connected"
	iscsi_tgt_wait_conns 0 30
	wait $rd
	log "rmmod $mod"
	iscsi_tgt_unload
	lsmod | grep -q "^$mod " && fail "$mod still loaded"
fi
iscsi_tgt_wait_conns 0 30

log "the initiators' sessions fail and log out"
for s in $(iscsi_session_dirs "$IQN"); do
	for ((i = 0; i < 300; i++)); do
		[ "$(cat "$s/state" 2>/dev/null)" != LOGGED_IN ] && break
		sleep 0.1
	done
	[ "$(cat "$s/state" 2>/dev/null)" != LOGGED_IN ] ||
		fail "$s still LOGGED_IN after the target went away"
done
iscsi_ini_del_devs "$IQN"
timeout 60 iscsiadm -m node --logoutall=all > /dev/null 2>&1
for ((i = 0; i < 300; i++)); do
	[ "$(iscsi_session_count "$IQN")" -eq 0 ] && break
	sleep 0.1
done
expect_eq "$(iscsi_session_count "$IQN")" 0 "initiator sessions after logout"
iscsi_no_dstate

log "load again, new configuration, new login"
setup_target
iscsi_login "$IQN" "$P4" default
dev=$(iscsi_wait_lun "$IQN" 0)
expect_eq "$(iscsi_sum "$dev" 4)" "$sum" "data after reload"
iscsi_logout "$IQN" "$P4" default
iscsi_tgt_wait_conns 0 20

iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
iscsi_tgt_unload
trap - EXIT
pass
