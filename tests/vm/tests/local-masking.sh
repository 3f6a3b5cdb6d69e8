#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# LUN masking seen from the initiator side. Three local targets get the
# same configuration and differ only in their initiator_name:
#   groups/exact  initiator iqn.2024-01.test:alpha  LUN 0 = d0, LUN 1 = d1
#                 (read only), LUN 300 = d2 (flat space addressing: Linux
#                 numbers it 0x4000 | 300 = 16684)
#   groups/wild   initiators host-beta-* , h?st-gamma   LUN 0 = d2, LUN 5 = d0
#   no default LUNs
# alpha sees exactly d0, d1, d2 at LUNs 0, 1, 300; beta (a wildcard match) exactly
# d2, d0 at LUNs 0, 5; an initiator matching nothing sees no SCSI device
# at all, and once the target gets a default LUN it sees that one. The
# read-only LUN refuses writes both through the block layer (dd fails)
# and as a raw WRITE(10) (DATA PROTECT / WRITE PROTECTED), while the same
# device written through a writable LUN works. Changing the initiator
# name (while disabled) moves a host to another group.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

for i in 0 1 2; do
	truncate -s 16M /tmp/mask$i.img || fail "truncate"
	ktgt_mkdev vdisk_fileio/d$i filename=/tmp/mask$i.img serial=MASK$i
done

# mktgt NAME INITIATOR: the shared configuration, enabled.
mktgt() {
	ktgt_mktarget "local/$1" initiator_name="$2"
	ktgt_mkgroup "local/$1" exact iqn.2024-01.test:alpha
	ktgt_maplun "local/$1/groups/exact" 0 vdisk_fileio/d0
	ktgt_maplun "local/$1/groups/exact" 1 vdisk_fileio/d1 read_only=1
	ktgt_maplun "local/$1/groups/exact" 300 vdisk_fileio/d2
	ktgt_mkgroup "local/$1" wild 'host-beta-*' 'h?st-gamma'
	ktgt_maplun "local/$1/groups/wild" 0 vdisk_fileio/d2
	ktgt_maplun "local/$1/groups/wild" 5 vdisk_fileio/d0
	ktgt_enable "local/$1"
	ktgt_local_rescan "$1"
}

# view NAME: "LUN:serial ..." of what the host of local/NAME sees.
view() {
	local h hctl out=
	h=$(ktgt_local_host "$1")
	for hctl in $(ktgt_scsi_devs "$h"); do
		out+="${hctl##*:}:$(ktgt_sdev_attr "$hctl" serial) "
	done
	echo "${out% }"
}

mktgt ta iqn.2024-01.test:alpha
mktgt tb host-beta-7
mktgt tc nobody-at-all
mktgt tg host-gamma

expect_eq "$(view ta)" "0:MASK0 1:MASK1 16684:MASK2" "LUNs seen by alpha (exact name)"
expect_eq "$(view tb)" "0:MASK2 5:MASK0" "LUNs seen by host-beta-7 (pattern)"
expect_eq "$(view tg)" "0:MASK2 5:MASK0" "LUNs seen by host-gamma (? pattern)"
expect_eq "$(view tc)" "" "LUNs seen by an initiator no group matches"

# REPORT LUNS agrees with what Linux built from it.
ha=$(ktgt_local_host ta)
sga=$(ktgt_wait_disk -g host="$ha" lun=0)
luns=$(sg_luns "$sga" | grep -oE '^ +[0-9a-f]{16}' | tr -d ' ' | tr '\n' ' ')
expect_eq "$luns" "0000000000000000 0001000000000000 412c000000000000 " \
	"REPORT LUNS of alpha"
# LUN 300 is d2: what d2 holds (written through beta's LUN 0) reads back.
a300=$(ktgt_wait_disk host="$ha" lun=16684)
b0=$(ktgt_wait_disk host="$(ktgt_local_host tb)" lun=0)
head -c 8192 /dev/urandom > /tmp/pattern300
run_ok "write d2 via beta's LUN 0" dd if=/tmp/pattern300 of="$b0" bs=8k count=1 oflag=direct conv=notrunc
expect_eq "$(dd if="$a300" bs=8k count=1 iflag=direct 2>/dev/null | sha256sum)" \
	"$(sha256sum < /tmp/pattern300)" "d2 read via alpha's LUN 300"

# The read-only LUN: the block layer and the target both refuse writes.
ro_dev=$(ktgt_wait_disk host="$ha" lun=1)
ro_sg=$(ktgt_wait_disk -g host="$ha" lun=1)
sum0=$(sha256sum < /tmp/mask1.img)
expect_fail "dd to read-only LUN $ro_dev" \
	dd if=/dev/urandom of="$ro_dev" bs=4k count=1 oflag=direct conv=notrunc
res=$(ktgt_sense -s 512 -i /dev/urandom "$ro_sg" 2a 00 00 00 00 00 00 00 01 00)
log "WRITE(10) to the read-only LUN: $res"
expect_eq "${res%% *}" status=02 "WRITE to read-only LUN status"
expect_eq "$(ktgt_sense_decode "${res#*sense=}" | cut -d' ' -f1-2)" \
	"key=07 asc=27" "WRITE to read-only LUN sense (DATA PROTECT/WRITE PROTECTED)"
expect_eq "$(sha256sum < /tmp/mask1.img)" "$sum0" "read-only backing file unchanged"
run_ok "read from the read-only LUN" dd if="$ro_dev" of=/dev/null bs=64k count=4 iflag=direct

# d0 is writable through alpha's LUN 0 and beta's LUN 5: the same data.
hb=$(ktgt_local_host tb)
a0=$(ktgt_wait_disk host="$ha" lun=0)
b5=$(ktgt_wait_disk host="$hb" lun=5)
head -c 65536 /dev/urandom > /tmp/pattern
run_ok "write d0 via alpha" dd if=/tmp/pattern of="$a0" bs=64k count=1 oflag=direct conv=notrunc
expect_eq "$(dd if="$b5" bs=64k count=1 iflag=direct 2>/dev/null | sha256sum)" \
	"$(sha256sum < /tmp/pattern)" "d0 read via beta's LUN 5"

# A default LUN set: the unmatched initiator falls back to it.
ktgt_maplun local/tc 3 vdisk_fileio/d1
ktgt_local_rescan tc
expect_eq "$(view tc)" "3:MASK1" "unmatched initiator with a default LUN"
ktgt_unmaplun local/tc 3
ktgt_local_rescan tc
expect_eq "$(view tc)" "" "default LUN removed again"

# initiator_name cannot change while enabled; once disabled it can, and
# the host comes back with the new name's LUNs.
expect_fail "initiator_name while enabled" \
	ktgt_try_write "$KTGT_CFS/targets/local/tc/initiator_name" host-beta-9
ktgt_enable local/tc 0
ktgt_write "$KTGT_CFS/targets/local/tc/initiator_name" host-beta-9
ktgt_enable local/tc
ktgt_local_rescan tc
expect_eq "$(view tc)" "0:MASK2 5:MASK0" "LUNs after renaming to host-beta-9"
expect_eq "$(cat /sys/class/scsi_host/host"$(ktgt_local_host tc)"/ktgt_initiator)" \
	host-beta-9 "host's ktgt_initiator"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
