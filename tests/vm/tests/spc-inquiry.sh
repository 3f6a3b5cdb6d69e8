#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# INQUIRY (standard data and VPD pages 00h, 80h, 83h, B0h, B1h, B2h) and
# READ CAPACITY(10)/(16) through ktgt_local, byte for byte against the
# configured identity (vendor, product, revision, serial, naa_id), block
# size, capacity and flags; what sg3-utils and the Linux disk driver make
# of them; truncation to the allocation length; the relative target port
# designator of VPD 83h without ALUA (each target's own, kept across
# disable and enable); and the ILLEGAL REQUEST sense, with its field
# pointer, for unsupported pages and reserved bits.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Scratch files: the guest's /tmp is shared with other users of the host.
T=$(mktemp -d /tmp/spc-test.XXXXXX) || fail "mktemp"

# hexstr STRING WIDTH: STRING space-padded (and cut) to WIDTH, as hex.
hexstr() {
	printf "%-$2.$2s" "$1" | xxd -p | tr -d '\n'
}

# zeros N: N zero bytes as hex.
zeros() {
	printf '%*s' $(($1 * 2)) '' | tr ' ' 0
}

# din WHAT LEN CDB...: run a data-in CDB with allocation LEN on $sg and
# print the data as hex; fail on a status other than GOOD.
din() {
	local what=$1 len=$2 f=$T/din
	shift 2
	rm -f "$f"
	sg_raw -r "$len" -o "$f" "$sg" "$@" >/dev/null 2>&1 ||
		fail "$what: sg_raw $* failed"
	xxd -p "$f" | tr -d '\n'
	rm -f "$f"
}

# rtpi TARGET: local/TARGET's rel_tgt_id as 4 hex digits.
rtpi() {
	printf %04x "$(cat "$KTGT_CFS/targets/local/$1/rel_tgt_id")"
}

# expect_sense WHAT WANT CDB...: the CDB must end in CHECK CONDITION with
# the sense WANT ("key=.. asc=.. ascq=.. sks=..", see ktgt_sense_decode).
expect_sense() {
	local what=$1 want=$2 r got
	shift 2
	r=$(ktgt_sense -r 255 "$sg" "$@")
	[ "${r%% *}" = status=02 ] ||
		fail "$what: expected CHECK CONDITION, got $r"
	got=$(ktgt_sense_decode "${r#*sense=}")
	expect_eq "$got" "$want" "$what: sense"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

naa=6a4b54000000000102030405060708ff
img=$T/inq.img
truncate -s 96M "$img" || fail "truncate $img"
ktgt_mkdev vdisk_fileio/inq0 filename="$img" vendor_id=ACME \
	product_id="Spc Disk 1" revision=r2.5 serial=SPCINQ01 naa_id=$naa \
	rotational=1 removable=1
ktgt_mkdev vdisk_nullio/inq1 size=$((6 << 30)) blocksize=4096 \
	thin_provisioned=1
ktgt_mktarget local/t0
ktgt_mktarget local/t1
ktgt_maplun local/t0 0 vdisk_fileio/inq0
ktgt_maplun local/t0 1 vdisk_nullio/inq1
ktgt_maplun local/t1 0 vdisk_fileio/inq0
ktgt_enable local/t0
rel0=$(cat "$KTGT_CFS/targets/local/t0/rel_tgt_id")
rel1=$(cat "$KTGT_CFS/targets/local/t1/rel_tgt_id")
[ "$rel0" -ge 1 ] && [ "$rel1" -ge 1 ] && [ "$rel0" != "$rel1" ] ||
	fail "rel_tgt_id of t0 $rel0, of t1 $rel1"
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" lun=0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
dev1=$(ktgt_wait_disk host="$host" lun=1)
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
log "LUN 0: $dev $sg, LUN 1: $dev1 $sg1"

log "standard INQUIRY data"
exp="0080""06""12""5b""080002"
exp+=$(hexstr ACME 8)$(hexstr "Spc Disk 1" 16)$(hexstr r2.5 4)
exp+=$(zeros 22)"00a0""0460""04c0"$(zeros 32)
expect_eq "$(din "INQUIRY" 96 12 00 00 00 60 00)" "$exp" "standard INQUIRY"
# Allocation lengths shorter and longer than the data.
expect_eq "$(din "INQUIRY 36" 36 12 00 00 00 24 00)" "${exp:0:72}" \
	"INQUIRY with allocation length 36"
expect_eq "$(din "INQUIRY 5" 5 12 00 00 00 05 00)" "${exp:0:10}" \
	"INQUIRY with allocation length 5"
expect_eq "$(din "INQUIRY 255" 255 12 00 00 00 ff 00)" "$exp" \
	"INQUIRY with allocation length 255"
inq=$(sg_inq "$sg") || fail "sg_inq"
grep -q 'version=0x06  \[SPC-4\]' <<< "$inq" || fail "sg_inq version: $inq"
grep -q 'HiSUP=1  Resp_data_format=2' <<< "$inq" || fail "sg_inq HiSUP: $inq"
grep -q 'CmdQue=1' <<< "$inq" || fail "sg_inq CmdQue: $inq"
grep -q 'RMB=1' <<< "$inq" || fail "sg_inq RMB: $inq"
expect_eq "$(cat /sys/block/"${dev#/dev/}"/removable)" 1 "sysfs removable"

log "VPD pages"
expect_eq "$(din "VPD 00h" 255 12 01 00 00 ff 00)" "000000070080838fb0b1b2" \
	"VPD 00h"
expect_eq "$(din "VPD 80h" 255 12 01 80 00 ff 00)" \
	"00800008$(hexstr SPCINQ01 8)" "VPD 80h"
# NAA designator (binary, LU, type 3), T10 vendor ID (ASCII, LU,
# type 1): vendor, space padded, and serial; then, without ALUA, the
# relative target port (binary, target port, type 4): t0's rel_tgt_id.
exp="00830030""01030010$naa""02010010"$(hexstr ACME 8)$(hexstr SPCINQ01 8)
exp+="01140004""0000"$(rtpi t0)
expect_eq "$(din "VPD 83h" 255 12 01 83 00 ff 00)" "$exp" "VPD 83h"
vpd=$(sg_vpd -p di "$sg") || fail "sg_vpd -p di"
grep -q "0x$naa" <<< "$vpd" || fail "sg_vpd NAA: $vpd"
grep -q 'vendor specific: SPCINQ01' <<< "$vpd" || fail "sg_vpd T10: $vpd"
grep -qi "relative target port: 0x0*$(printf %x "$rel0")\$" <<< "$vpd" ||
	fail "sg_vpd relative target port $rel0: $vpd"
expect_eq "$(cat /sys/block/"${dev#/dev/}"/device/wwid)" "naa.$naa" \
	"the disk's wwid (from VPD 83h)"

# Block limits: 8 MiB transfers (16384 blocks of 512), WRITE SAME of
# 16 MiB, COMPARE AND WRITE of 16 blocks; no UNMAP without thin
# provisioning.
exp="00b0003c""0010""0000""00004000""00000000""00000000"
exp+="00000000""00000000""00000000""00000000""0000000000008000"$(zeros 20)
expect_eq "$(din "VPD B0h" 255 12 01 b0 00 ff 00)" "$exp" "VPD B0h"
# Rotational: MEDIUM ROTATION RATE not reported (0000h).
expect_eq "$(din "VPD B1h" 255 12 01 b1 00 ff 00)" "00b1003c$(zeros 60)" \
	"VPD B1h of a rotational device"
expect_eq "$(cat /sys/block/"${dev#/dev/}"/queue/rotational)" 1 \
	"rotational queue flag"
expect_eq "$(din "VPD B2h" 255 12 01 b2 00 ff 00)" "00b2000400000000" \
	"VPD B2h, fully provisioned"

log "VPD pages of the thin provisioned 4096-byte nullio LUN"
sgsave=$sg
sg=$sg1
exp="00b0003c""0010""0000""00000800""00000000""00000000"
exp+="00020000""00000080""00000000""00000000""0000000000001000"$(zeros 20)
expect_eq "$(din "VPD B0h" 255 12 01 b0 00 ff 00)" "$exp" \
	"VPD B0h (4096-byte blocks, thin)"
expect_eq "$(din "VPD B1h" 255 12 01 b1 00 ff 00)" \
	"00b1003c0001$(zeros 58)" "VPD B1h of a solid state device"
expect_eq "$(cat /sys/block/"${dev1#/dev/}"/queue/rotational)" 0 \
	"rotational queue flag (solid state)"
expect_eq "$(din "VPD B2h" 255 12 01 b2 00 ff 00)" "00b2000400e00200" \
	"VPD B2h, thin: LBPU LBPWS LBPWS10, thin provisioned"
vpd=$(sg_vpd -p lbpv "$sg") || fail "sg_vpd -p lbpv"
grep -q 'Unmap command supported (LBPU): 1' <<< "$vpd" ||
	fail "sg_vpd LBPU: $vpd"
grep -q 'Provisioning type: 2 (thin provisioned)' <<< "$vpd" ||
	fail "sg_vpd provisioning type: $vpd"
# Default identity: vendor KTGT, product = handler name, revision 0.1.
exp=$(hexstr KTGT 8)$(hexstr vdisk_nullio 16)$(hexstr 0.1 4)
got=$(din "INQUIRY" 96 12 00 00 00 60 00)
expect_eq "${got:16:56}" "$exp" "default identification"
expect_eq "${got:2:2}" "00" "RMB of a non-removable device"

log "READ CAPACITY"
# 6 GiB of 4096-byte blocks: last LBA 17FFFFh.
expect_eq "$(din "READ CAPACITY(10)" 8 25 00 00 00 00 00 00 00 00 00)" \
	"0017ffff00001000" "READ CAPACITY(10)"
exp="000000000017ffff""00001000""00""00""8000"$(zeros 16)
expect_eq "$(din "READ CAPACITY(16)" 32 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00)" \
	"$exp" "READ CAPACITY(16), thin: LBPME"
expect_eq "$(din "READ CAPACITY(16) 12" 12 9e 10 00 00 00 00 00 00 00 00 00 00 00 0c 00 00)" \
	"${exp:0:24}" "READ CAPACITY(16) with allocation length 12"
sg=$sgsave
# LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: the image's st_blksize over
# 512 (the guest's /tmp is an overlay on tmpfs: 4096, exponent 03).
bs=$(stat -c %o "$img") || fail "stat $img"
e=0
if [ "$bs" -le 4096 ]; then
	for ((b = 1024; b <= bs; b *= 2)); do e=$((e + 1)); done
fi
log "backing file's st_blksize $bs: exponent $e"
exp="000000000002ffff""00000200""00""0$e""0000"$(zeros 16)
expect_eq "$(din "READ CAPACITY(16)" 32 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00)" \
	"$exp" "READ CAPACITY(16) of the 96 MiB disk"
rc=$(sg_readcap -l "$sg") || fail "sg_readcap -l"
grep -q 'Last LBA=196607 (0x2ffff), Number of logical blocks=196608' \
	<<< "$rc" || fail "sg_readcap: $rc"
grep -q 'lbpme=0, lbprz=0' <<< "$rc" || fail "sg_readcap lbpme: $rc"
expect_eq "$(blockdev --getsize64 "$dev")" $((96 << 20)) "disk size"
expect_eq "$(blockdev --getss "$dev1")" 4096 "logical block size of LUN 1"
expect_eq "$(blockdev --getsize64 "$dev1")" $((6 << 30)) "size of LUN 1"

log "errors: key, ASC/ASCQ and field pointer"
# SKS bytes: SKSV|C/D|BPV|bit, then the field (byte) pointer.
expect_sense "VPD page 85h" "key=05 asc=24 ascq=00 sks=cf0002" \
	12 01 85 00 ff 00
expect_sense "VPD page C0h" "key=05 asc=24 ascq=00 sks=cf0002" \
	12 01 c0 00 ff 00
expect_sense "PAGE CODE with EVPD=0" "key=05 asc=24 ascq=00 sks=cf0002" \
	12 00 80 00 ff 00
expect_sense "INQUIRY CMDDT (byte 1 bit 1)" \
	"key=05 asc=24 ascq=00 sks=c90001" 12 02 00 00 ff 00
expect_sense "INQUIRY NACA (byte 5 bit 2)" \
	"key=05 asc=24 ascq=00 sks=ca0005" 12 00 00 00 ff 04
expect_sense "READ CAPACITY(10) LBA without PMI" \
	"key=05 asc=24 ascq=00 sks=cf0002" 25 00 00 00 00 01 00 00 00 00
expect_sense "READ CAPACITY(10) reserved byte 1" \
	"key=05 asc=24 ascq=00 sks=c80001" 25 01 00 00 00 00 00 00 00 00
expect_sense "READ CAPACITY(16) reserved byte 14 bit 1" \
	"key=05 asc=24 ascq=00 sks=c9000e" \
	9e 10 00 00 00 00 00 00 00 00 00 00 00 20 02 00
expect_sense "SERVICE ACTION IN(16) unknown service action" \
	"key=05 asc=24 ascq=00 sks=cc0001" \
	9e 11 00 00 00 00 00 00 00 00 00 00 00 20 00 00
expect_sense "unsupported operation code" "key=05 asc=20 ascq=00 sks=-" \
	ff 00 00 00 00 00
# The same in the other LUN's type-independent path.
sg=$sg1
expect_sense "VPD page 85h on nullio" "key=05 asc=24 ascq=00 sks=cf0002" \
	12 01 85 00 ff 00

log "relative target port: per target, kept across disable and enable"
# The nullio LUN (another handler) reports t0's port as well.
expect_eq "$(din "VPD 83h" 255 12 01 83 00 ff 00 | tail -c 16)" \
	"01140004""0000"$(rtpi t0) "VPD 83h of LUN 1: t0's relative port"
# The same device through t1: t1's port.
ktgt_enable local/t1
sg=$(ktgt_wait_disk -g host="$(ktgt_local_host t1)" lun=0)
expect_eq "$(din "VPD 83h via t1" 255 12 01 83 00 ff 00 | tail -c 16)" \
	"01140004""0000"$(rtpi t1) "VPD 83h through t1: t1's relative port"
vpd=$(sg_vpd -p di "$sg") || fail "sg_vpd -p di through t1"
grep -qi "relative target port: 0x0*$(printf %x "$rel1")\$" <<< "$vpd" ||
	fail "sg_vpd through t1: $vpd"
ktgt_enable local/t0 0
ktgt_enable local/t0
sg=$(ktgt_wait_disk -g host="$(ktgt_local_host t0)" lun=0)
expect_eq "$(cat "$KTGT_CFS/targets/local/t0/rel_tgt_id")" "$rel0" \
	"t0's rel_tgt_id after disable and enable"
expect_eq "$(din "VPD 83h again" 255 12 01 83 00 ff 00 | tail -c 16)" \
	"01140004""0000"$(printf %04x "$rel0") \
	"VPD 83h through t0 after disable and enable"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
