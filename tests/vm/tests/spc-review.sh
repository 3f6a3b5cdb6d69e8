#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# REPORT SUPPORTED OPERATION CODES against what the logical unit really
# executes, through ktgt_local: REPORT and SET TARGET PORT GROUPS are
# supported only by a logical unit in an ALUA device group (TPGS != 0 in
# its standard INQUIRY data); one outside any group refuses them with
# INVALID COMMAND OPERATION CODE, so it neither lists them nor reports
# them supported (SUPPORT 001b). The CDB USAGE DATA of WRITE SAME(10)
# and (16) has the UNMAP bit only where a WRITE SAME with UNMAP = 1 is
# accepted: on a thin provisioned logical unit. START STOP UNIT refuses
# the reserved POWER CONDITION values.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Linux's ALUA device handler would attach to the TPGS != 0 disk and
# send its own commands; keep it away. (The root is a tmpfs overlay.)
mkdir -p /etc/modprobe.d
echo "install scsi_dh_alua /bin/false" > /etc/modprobe.d/ktgt-spc-review.conf

# Scratch files: the guest's /tmp is shared with other users of the host.
T=$(mktemp -d /tmp/spc-test.XXXXXX) || fail "mktemp"

# din SG LEN CDB...: data-in of a CDB as hex; GOOD status required.
din() {
	local sg=$1 len=$2 f=$T/din
	shift 2
	rm -f "$f"
	sg_raw -r "$len" -o "$f" "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $sg $* failed"
	xxd -p "$f" | tr -d '\n'
	rm -f "$f"
}

# rsoc OPTS OP SA_HI SA_LO: a REPORT SUPPORTED OPERATION CODES CDB with
# allocation length 4096.
rsoc() {
	echo "a3 0c $1 $2 $3 $4 00 00 10 00 00 00"
}

# listed SG OP SA: whether the list of all commands of SG has OP/SA.
listed() {
	local all n i
	# shellcheck disable=SC2046
	all=$(din "$1" 4096 $(rsoc 00 00 00 00))
	n=$((16#${all:0:8} / 8))
	for ((i = 0; i < n; i++)); do
		[ "${all:$((8 + 16 * i)):8}" = "$2""0000$3" ] && return 0
	done
	return 1
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
A=$KTGT_CFS/alua
ktgt_mkdev vdisk_nullio/rv0 size=$((64 << 20)) thin_provisioned=1
ktgt_mkdev vdisk_nullio/rv1 size=$((64 << 20))
ktgt_mktarget local/t0
mkdir $A/dg1 || fail "mkdir dg1"
run_ok "link rv0 into dg1" \
	ln -s $KTGT_CFS/handlers/vdisk_nullio/rv0 $A/dg1/devices/rv0
mkdir $A/dg1/target_groups/tg1 || fail "mkdir tg1"
ktgt_write $A/dg1/target_groups/tg1/group_id 1
run_ok "link t0 into tg1" \
	ln -s $KTGT_CFS/targets/local/t0 $A/dg1/target_groups/tg1/targets/t0
ktgt_maplun local/t0 0 vdisk_nullio/rv0
ktgt_maplun local/t0 1 vdisk_nullio/rv1
ktgt_enable local/t0
host=$(ktgt_local_host t0)
sga=$(ktgt_wait_disk -g host="$host" lun=0)
sgp=$(ktgt_wait_disk -g host="$host" lun=1)
log "LUN 0 (ALUA, thin) is $sga, LUN 1 (no ALUA, not thin) is $sgp"
for sg in "$sga" "$sgp"; do
	for i in 1 2 3 4; do
		[[ "$(ktgt_tur "$sg")" == "02 06/"* ]] || break
	done
done

log "REPORT and SET TARGET PORT GROUPS"
expect_eq "$(din "$sga" 8 12 00 00 00 08 00 | cut -c11-12)" 38 \
	"LUN 0: TPGS 11b"
expect_eq "$(din "$sgp" 8 12 00 00 00 08 00 | cut -c11-12)" 08 \
	"LUN 1: TPGS 00b"
expect_eq "$(ktgt_status "$sga" -r 512 a3 0a 00 00 00 00 00 00 02 00 00 00)" \
	GOOD "REPORT TARGET PORT GROUPS in a device group"
expect_eq "$(ktgt_status "$sgp" -r 512 a3 0a 00 00 00 00 00 00 02 00 00 00)" \
	"02 05/20/00" "REPORT TARGET PORT GROUPS outside any group"
listed "$sga" a3 0a || fail "LUN 0 does not list REPORT TARGET PORT GROUPS"
listed "$sga" a4 0a || fail "LUN 0 does not list SET TARGET PORT GROUPS"
# shellcheck disable=SC2046
expect_eq "$(din "$sga" 64 $(rsoc 02 a3 00 0a))" \
	"000300"0ca32a00000000ffffffff0000 "LUN 0: REPORT TARGET PORT GROUPS"
# shellcheck disable=SC2046
expect_eq "$(din "$sga" 64 $(rsoc 02 a4 00 0a) | cut -c1-4)" 0003 \
	"LUN 0: SET TARGET PORT GROUPS supported"
! listed "$sgp" a3 0a ||
	fail "LUN 1 lists REPORT TARGET PORT GROUPS, which it refuses"
! listed "$sgp" a4 0a ||
	fail "LUN 1 lists SET TARGET PORT GROUPS, which it refuses"
# shellcheck disable=SC2046
expect_eq "$(din "$sgp" 64 $(rsoc 02 a3 00 0a))" 00010000 \
	"LUN 1: REPORT TARGET PORT GROUPS not supported"
# shellcheck disable=SC2046
expect_eq "$(din "$sgp" 64 $(rsoc 03 a4 00 0a))" 00010000 \
	"LUN 1: SET TARGET PORT GROUPS not supported"
# REPORT SUPPORTED OPERATION CODES itself stays listed and supported.
listed "$sgp" a3 0c || fail "LUN 1 does not list itself"
sg_opcodes -n "$sgp" | grep -qi 'report target port groups' &&
	fail "sg_opcodes: LUN 1 reports REPORT TARGET PORT GROUPS"

log "WRITE SAME's UNMAP bit"
# shellcheck disable=SC2046
expect_eq "$(din "$sga" 64 $(rsoc 01 41 00 00) | cut -c1-12)" 0003000a4108 \
	"LUN 0 (thin): WRITE SAME(10) usage data with UNMAP"
# shellcheck disable=SC2046
expect_eq "$(din "$sga" 64 $(rsoc 01 93 00 00) | cut -c1-12)" 000300109309 \
	"LUN 0 (thin): WRITE SAME(16) usage data with UNMAP and NDOB"
# shellcheck disable=SC2046
expect_eq "$(din "$sgp" 64 $(rsoc 01 41 00 00) | cut -c1-12)" 0003000a4100 \
	"LUN 1: WRITE SAME(10) usage data without UNMAP"
# shellcheck disable=SC2046
expect_eq "$(din "$sgp" 64 $(rsoc 01 93 00 00) | cut -c1-12)" 000300109301 \
	"LUN 1: WRITE SAME(16) usage data without UNMAP"
# What LUN 1 does with the bit: INVALID FIELD IN CDB, byte 1 bit 3.
r=$(ktgt_sense "$sgp" 93 09 00 00 00 00 00 00 00 00 00 00 00 01 00 00)
[ "${r%% *}" = status=02 ] || fail "LUN 1: WRITE SAME(16) UNMAP=1: $r"
expect_eq "$(ktgt_sense_decode "${r#*sense=}")" \
	"key=05 asc=24 ascq=00 sks=cb0001" "LUN 1: WRITE SAME(16) UNMAP=1"

log "START STOP UNIT: POWER CONDITION"
# SBC-3: 0h START_VALID, 1h ACTIVE, 2h IDLE, 3h STANDBY, 7h LU_CONTROL,
# Ah FORCE_IDLE_0, Bh FORCE_STANDBY_0; the rest is reserved (5h
# obsolete): INVALID FIELD IN CDB at byte 4 bit 7.
for pc in 0 1 2 3 7 a b; do
	expect_eq "$(ktgt_status "$sgp" 1b 00 00 00 ${pc}1 00)" GOOD \
		"POWER CONDITION ${pc}h"
done
for pc in 4 5 6 8 9 c d e f; do
	r=$(ktgt_sense "$sgp" 1b 00 00 00 ${pc}0 00)
	[ "${r%% *}" = status=02 ] ||
		fail "POWER CONDITION ${pc}h: expected CHECK CONDITION, got $r"
	expect_eq "$(ktgt_sense_decode "${r#*sense=}")" \
		"key=05 asc=24 ascq=00 sks=cf0004" "POWER CONDITION ${pc}h"
done
expect_eq "$(ktgt_status "$sgp" 1b 00 00 00 01 00)" GOOD "START after all"

ktgt_cleanup || fail "cleanup"
rm -f /etc/modprobe.d/ktgt-spc-review.conf
ktgt_unload_all
pass
