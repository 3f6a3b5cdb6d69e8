#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# The idle purge of the sgv pool frees busy vectors (released while TCP
# still held their pages, zero-copy Data-In) once they are older than
# sgv_purge_secs, also while their size class is in use. It used to
# look at a class's busy list only when its free list was empty, so a
# class that kept serving one 64 KiB read every 0.5 s kept its busy
# vectors, and their pages, for as long as that went on.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:sgv-busy
P=$(iscsi_portal 127.0.0.1)
ZC=/sys/module/ktgt_iscsi/parameters/zero_copy
PS=/sys/module/ktgt_core/parameters/sgv_purge_secs
sgv=$KTGT_SYSFS/sgv
trap iscsi_cleanup EXIT
command -v fio > /dev/null || skip "fio not installed"

iscsi_tgt_setup
iscsi_tgt_mkdisk zc0 /dev/shm/zc0.img 64M
iscsi_tgt_mktarget "$IQN" 127.0.0.1
iscsi_tgt_maplun "$IQN" 0 zc0
iscsi_tgt_enable "$IQN"
iscsi_ini_start
iscsi_discover "$P" > /dev/null
iscsi_login "$IQN" "$P"
dev=$(iscsi_wait_lun "$IQN" 0)
st() { cat "$sgv/$1"; }
show() { log "$1: busy_vectors $(st busy_vectors) busy_pages $(st busy_pages) cached_vectors $(st cached_vectors) cached_pages $(st cached_pages) allocated $(st allocated_pages) purged $(st purged_pages) recycled $(st busy_recycled)"; }

ktgt_write "$ZC" 1
for i in 1 2 3; do
	fio --name=r --filename="$dev" --ioengine=libaio --direct=1 --rw=read \
		--bs=64k --iodepth=32 --size=8M > /dev/null 2>&1 || fail fio
done
show "after zero-copy reads"
b0=$(st busy_vectors)
[ "$b0" -gt 0 ] || skip "no busy vectors to look at"
ktgt_write "$PS" 2
ktgt_write "$ZC" 0
# one 64 KiB read (the same class) every 0.5 s for 15 s
for ((i = 0; i < 30; i++)); do
	dd if="$dev" of=/dev/null bs=64k count=1 iflag=direct status=none
	sleep 0.5
done
show "after 15 s of one 64 KiB read per 0.5 s, sgv_purge_secs=2"
b1=$(st busy_vectors)
iscsi_logout "$IQN" "$P"
[ "$b1" = 0 ] ||
	fail "$b1 of $b0 busy vectors, idle for 15 s with sgv_purge_secs=2, kept while their class was in use"
pass
