#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-append: ipv6.disable=1
#
# ktgt_srp on a kernel booted with IPv6 off (ipv6.disable=1): its
# listener on the IPv6 wildcard address, which takes IPv4 logins too,
# still does, and Linux's ib_srp logs in over IPv4 and writes and reads
# 4 MiB back.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/srp.sh"

TPID=0002c9030000aa010002c9030000aa02

[ -e /proc/net/if_inet6 ] && fail "IPv6 is on: ipv6.disable=1 not in effect"
srp_rxe_setup
ktgt_load ktgt_vdisk ktgt_srp
srp_initiator_setup

truncate -s 16M /tmp/srp0.img
ktgt_mkdev vdisk_fileio/srp0 filename=/tmp/srp0.img serial=SRP0
ktgt_mktarget "srp/$TPID"
ktgt_maplun "srp/$TPID" 0 vdisk_fileio/srp0
ktgt_enable "srp/$TPID"

run_ok "login over IPv4" srp_login "$TPID"
H=$(srp_host) || fail "no ib_srp host"
dev=$(ktgt_wait_disk host="$H" lun=0)
head -c 4M /dev/urandom > /tmp/pattern || fail "pattern"
run_ok "write 4 MiB" dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none
run_ok "read 4 MiB" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
cmp -s /tmp/pattern /tmp/readback || fail "data read back differs"
head -c 4M /tmp/srp0.img > /tmp/backing
cmp -s /tmp/pattern /tmp/backing || fail "backing file differs from the data written"
srp_logout
ktgt_cleanup || fail "cleanup"
rmmod ktgt_srp || fail "rmmod ktgt_srp"
ktgt_unload_all
pass
