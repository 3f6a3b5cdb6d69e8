#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# ktgt_srp against what ib_srp never sends, from a raw SRP initiator
# (tests/modules/ktgt_test_srp_raw.c) over Soft-RoCE: a login asking
# for a 1 MiB I_T IU and one offering no descriptor format are rejected
# with their reasons (0x00010002, 0x00010004); on a channel, a
# bidirectional SRP_CMD, one with an external indirect table, one whose
# indirect lengths do not add up and one cut short in its descriptor
# get CHECK CONDITION, INVALID FIELD IN COMMAND INFORMATION UNIT; an
# unknown TMF gets RESPONSE CODE 04h and a LUN reset 00h, each response
# returning a credit; an unknown opcode, on another channel an SRP_CMD
# of 8 bytes, and on a third an SRP_I_LOGOUT make the target
# disconnect. The target still serves a good login afterwards, and the
# module unloads.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/srp.sh"

TPID=0002c9030000aa010002c9030000aa02

srp_rxe_setup
ktgt_load ktgt_vdisk ktgt_srp

ktgt_mkdev vdisk_nullio/n0 size=$((16 << 20)) serial=RAW0
ktgt_mktarget "srp/$TPID"
ktgt_maplun "srp/$TPID" 0 vdisk_nullio/n0
ktgt_enable "srp/$TPID"

modprobe ktgt_test_srp_raw dest=10.251.0.1 port=5555 tpid=$TPID
rc=$?
dmesg | grep "ktgt_test_srp_raw:"
[ $rc = 0 ] || fail "the raw initiator's cases failed (modprobe status $rc)"
expect_eq "$(dmesg | grep -c 'ktgt_test_srp_raw: ok:')" 12 "cases passed"
rmmod ktgt_test_srp_raw || fail "rmmod ktgt_test_srp_raw"
dmesg | grep -q "ktgt_srp: .*unknown IU opcode 0x77" ||
	fail "no log of the unknown opcode: $(dmesg | grep ktgt_srp | tail -5)"
dmesg | grep -q "ktgt_srp: 0000000000000042.*: logout" ||
	fail "no log of the logout: $(dmesg | grep ktgt_srp | tail -5)"

log "a good login after the bad ones"
srp_initiator_setup
run_ok "login" srp_login "$TPID"
H=$(srp_host) || fail "no ib_srp host"
dev=$(ktgt_wait_disk host="$H" lun=0)
run_ok "read" dd if="$dev" of=/dev/null bs=1M count=4 iflag=direct status=none
srp_logout
ktgt_cleanup || fail "cleanup"
rmmod ktgt_srp || fail "rmmod ktgt_srp"
ktgt_unload_all
pass
