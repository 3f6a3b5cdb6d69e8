#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# Data integrity through the iSCSI target with HeaderDigest and
# DataDigest CRC32C: the session must negotiate both, then fio writes
# 48 MiB of random 4-128 KiB blocks with crc32c verify headers at queue
# depth 32 (libaio, O_DIRECT) and verifies them, and a verify-only pass
# after a logout and relogin re-reads everything. Then the same without
# digests, with the initiator's largest burst settings.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:fio
P4=$(iscsi_portal 127.0.0.1)
trap iscsi_cleanup EXIT

iscsi_tgt_setup
iscsi_tgt_mkdisk fio0 /tmp/fio0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 fio0
iscsi_tgt_enable "$IQN"
iscsi_ini_start
iscsi_discover "$P4" > /dev/null

log "HeaderDigest=CRC32C DataDigest=CRC32C"
iscsi_node_digests "$IQN" "$P4" CRC32C CRC32C
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
neg=$(iscsiadm -m session -P 2 | grep -E 'HeaderDigest|DataDigest')
echo "$neg" | sed 's/^ */    /'
grep -q 'HeaderDigest: CRC32C' <<< "$neg" || fail "HeaderDigest CRC32C not negotiated"
grep -q 'DataDigest: CRC32C' <<< "$neg" || fail "DataDigest CRC32C not negotiated"
iscsi_fio "write+verify with digests" "$dev" 48M
iscsi_logout "$IQN" "$P4"
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
iscsi_fio "verify-only with digests after relogin" "$dev" 48M --verify_only
iscsi_logout "$IQN" "$P4"

log "no digests, InitialR2T=Yes, ImmediateData=No"
iscsi_node_digests "$IQN" "$P4" None None
iscsi_node_set "$IQN" "$P4" node.session.iscsi.InitialR2T=Yes \
	node.session.iscsi.ImmediateData=No
iscsi_login "$IQN" "$P4"
dev=$(iscsi_wait_lun "$IQN" 0)
neg=$(iscsiadm -m session -P 2 | grep -E 'HeaderDigest|DataDigest|InitialR2T|ImmediateData')
echo "$neg" | sed 's/^ */    /'
grep -q 'HeaderDigest: None' <<< "$neg" || fail "HeaderDigest None not negotiated"
iscsi_fio "verify-only without digests" "$dev" 48M --verify_only
iscsi_fio "write+verify with R2Ts only" "$dev" 32M --randseed=77
iscsi_logout "$IQN" "$P4"

iscsi_ini_stop
iscsi_tgt_teardown || fail "teardown"
trap - EXIT
pass
