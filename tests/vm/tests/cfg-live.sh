#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Configuration changes on a live target, seen through the local driver's
# SCSI host: an initiator that no group matches sees the (empty) default
# LUN set; adding a matching pattern moves its session to the group's
# LUNs, removing it moves it back; LUN read_only applies to the next
# command, after a MODE PARAMETERS CHANGED unit attention; unmapping a
# LUN while the target runs removes it; the device's sysfs stats count
# the I/O.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

DEVS=$KTGT_SYSFS/devices

wr() {
	printf '%s\n' "$2" > "$1"
}

# stat_of DEVICE KEY: a value from the device's sysfs stats.
stat_of() {
	awk -v k="$2" '$1 == k { print $2 }' "$DEVS/$1/stats"
}

# sense_key "status=.. sense=..": the sense key, from fixed or descriptor
# format sense data.
sense_key() {
	local s=${1#*sense=}
	set -- $s
	case "$1" in
	70|71) echo $((0x$3 & 0xf)) ;;
	72|73) echo $((0x$2 & 0xf)) ;;
	*) echo none ;;
	esac
}

# luns_seen HOST: the LUN numbers of HOST's SCSI devices, space separated.
luns_seen() {
	ktgt_scsi_devs "$1" | awk -F: '{ printf "%s ", $4 }' | ktgt_trim
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

ktgt_mkdev vdisk_nullio/live0 size=16777216 serial=CFGLIVE0
ktgt_mktarget local/t0
ini=$(cat "$KTGT_CFS/targets/local/t0/initiator_name")
[ -n "$ini" ] || fail "local/t0 has no initiator_name"
T=$KTGT_CFS/targets/local/t0
G=$T/groups/g0

log "an initiator no group matches sees the empty default set"
ktgt_mkgroup local/t0 g0 'nomatch:*'
ktgt_maplun local/t0/groups/g0 0 vdisk_nullio/live0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
ktgt_local_rescan t0
expect_eq "$(luns_seen "$host")" "" "LUNs seen with no matching group"

log "a matching pattern gives the session the group's LUNs"
run_ok "add pattern" mkdir "$G/initiators/$ini"
ktgt_local_rescan t0
dev=$(ktgt_wait_disk host="$host" lun=0 serial=CFGLIVE0)
log "LUN 0 is $dev"
ktgt_maplun local/t0 3 vdisk_nullio/live0
expect_eq "$(cat "$DEVS/live0/nr_luns")" 2 "nr_luns of live0"
ktgt_local_rescan t0
expect_eq "$(luns_seen "$host")" 0 "LUNs seen through g0"

log "removing the pattern moves the session to the default set"
run_ok "remove pattern" rmdir "$G/initiators/$ini"
ktgt_local_rescan t0
ktgt_wait_disk host="$host" lun=3 serial=CFGLIVE0 > /dev/null
ktgt_wait_gone "$host:0:0:0"
expect_eq "$(luns_seen "$host")" 3 "LUNs seen through the default set"

log "LUN read_only applies to the next command"
sg=$(ktgt_wait_disk -g host="$host" lun=3)
write1=(-s 512 -i /dev/zero "$sg" 2a 00 00 00 00 08 00 00 01 00)
r=$(ktgt_sense "${write1[@]}")
expect_eq "${r%% *}" status=00 "WRITE(10) on a writable LUN ($r)"
run_ok "LUN read_only=1" wr "$T/luns/3/read_only" 1
# The WP bit changed: MODE PARAMETERS CHANGED first.
r=$(ktgt_sense "${write1[@]}")
expect_eq "$(ktgt_sense_decode "${r#*sense=}" | cut -d' ' -f1-3)" \
	"key=06 asc=2a ascq=01" "first WRITE(10) after read_only=1 ($r)"
r=$(ktgt_sense "${write1[@]}")
expect_eq "${r%% *}" status=02 "WRITE(10) on a read-only LUN ($r)"
expect_eq "$(sense_key "$r")" 7 "sense key of a write to a read-only LUN"
run_ok "LUN read_only=1 again" wr "$T/luns/3/read_only" 1
r=$(ktgt_sense "${write1[@]}")
expect_eq "$(sense_key "$r")" 7 "no unit attention when read_only stays 1"
run_ok "LUN read_only=0" wr "$T/luns/3/read_only" 0
r=$(ktgt_sense "${write1[@]}")
expect_eq "$(ktgt_sense_decode "${r#*sense=}" | cut -d' ' -f1-3)" \
	"key=06 asc=2a ascq=01" "first WRITE(10) after read_only=0 ($r)"
r=$(ktgt_sense "${write1[@]}")
expect_eq "${r%% *}" status=00 "WRITE(10) after read_only=0 ($r)"

log "device stats count I/O"
disk=$(ktgt_wait_disk host="$host" lun=3)
reads0=$(stat_of live0 reads)
rbytes0=$(stat_of live0 read_bytes)
run_ok "read 1 MiB" dd if="$disk" of=/dev/null bs=64k count=16 \
	iflag=direct status=none
reads1=$(stat_of live0 reads)
rbytes1=$(stat_of live0 read_bytes)
[ "$reads1" -ge $((reads0 + 16)) ] ||
	fail "reads went from $reads0 to $reads1 for 16 reads"
[ "$rbytes1" -ge $((rbytes0 + 1048576)) ] ||
	fail "read_bytes went from $rbytes0 to $rbytes1 for 1 MiB"
[ "$(stat_of live0 writes)" -ge 2 ] || fail "writes not counted"
[ -n "$(stat_of live0 avg_latency_ns)" ] || fail "no avg_latency_ns"

log "unmapping a LUN of a running target"
run_ok "rm luns/3/device" rm "$T/luns/3/device"
expect_eq "$(cat "$DEVS/live0/nr_luns")" 1 "nr_luns after unmapping"
ktgt_local_rescan t0
ktgt_wait_gone "$host:0:0:3"
expect_eq "$(luns_seen "$host")" "" "LUNs seen after unmapping"

log "teardown"
ktgt_enable local/t0 0
expect_eq "$(cat "$KTGT_CFS/targets/local/t0/host_no")" -1 "host after disable"
run_ok "rmdir luns/3" rmdir "$T/luns/3"
ktgt_cleanup || fail "cleanup failed"
ktgt_unload_all
pass
