#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# pt_disk (ktgt_pt): a scsi_debug disk passed through as a ktgt LU, seen
# through ktgt_local:
# - bad scsi_device values are refused with EINVAL; a device that does
#   not exist (ENODEV), one that is not a disk (a vcdrom LU: EMEDIUMTYPE)
#   and a blocksize other than the disk's (EINVAL) cannot be enabled;
#   scsi_device cannot change while enabled (EBUSY), and scsi_debug
#   cannot be unloaded while exported; a second pt_disk device cannot
#   export the same disk (EBUSY) until the first is disabled;
# - data written through the ktgt disk reads back identical through
#   scsi_debug's own sd node and the other way round (O_DIRECT, 512 B to
#   1 MiB, at odd sector offsets; buffers at odd 512-byte offsets in
#   memory), mapped directly and through bounce pages (ktgt_pt.bounce=1);
# - INQUIRY is scsi_debug's, whole at odd allocation lengths too (255,
#   37, 5 bytes: through bounce pages), but for the Block Limits page's
#   MAXIMUM TRANSFER LENGTH, cut to what the disk's queue and the core
#   take; REPORT LUNS is ktgt's (two LUNs; scsi_debug has one);
#   PERSISTENT RESERVE is the core's (the key registered through ktgt
#   is there; scsi_debug never saw it);
# - LOG SELECT (decoded for pass-through only) reaches scsi_debug: its
#   answer byte for byte (descriptor-format sense, dsense=1), not ktgt's
#   refusal; emulated LUs (the vcdrom, a nullio disk) refuse it, 05/20/00;
# - a MEDIUM ERROR scsi_debug injects (opts=2: READ of LBA 0x1234)
#   reaches the initiator with that sense, 03/11/00;
# - the disk's capacity changed (scsi_debug's virtual_gb): its unit
#   attention, 06/2A/09, reaches the initiator, and ktgt's capacity (its
#   size, its LBA range check) is the new one by then;
# - the scsi_debug disk deleted underneath: commands end with HARDWARE
#   ERROR, LOGICAL UNIT COMMUNICATION FAILURE (04/08/00), no oops, and
#   the device can still be unmapped, disabled and removed.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

H=$KTGT_CFS/handlers/pt_disk
SDBG=/sys/bus/pseudo/drivers/scsi_debug

cleanup() {
	ktgt_cleanup >/dev/null 2>&1
	modprobe -r scsi_debug 2>/dev/null
}
trap cleanup EXIT

ktgt_load ktgt_pt ktgt_vdisk ktgt_local
ktgt_initiator_load
modprobe scsi_debug dev_size_mb=16 || fail "modprobe scsi_debug"

ktgt_sdebug_wait
sdbg_hctl=$KTGT_SDEBUG_HCTL
sdbg_dev=$(ktgt_wait_disk host="${sdbg_hctl%%:*}" lun="${sdbg_hctl##*:}")
log "scsi_debug disk $sdbg_hctl is $sdbg_dev"

# --- configuration errors ---
mkdir "$H/p0" || fail "mkdir $H/p0"
for v in "" abc 1:2:3 1:2:3:4:5 -1:0:0:0 "1 :0:0:0" 1::0:0 4294967296:0:0:0 \
	 0:0:0:18446744073709551616 0x1:0:0:0; do
	pt_write_fails "$H/p0/scsi_device" "$v" "Invalid argument" "bad H:C:T:L"
done
[ -z "$(cat "$H/p0/scsi_device")" ] || fail "a refused value was kept"
pt_write_fails "$H/p0/enable" 1 "Invalid argument" "enable without scsi_device"
ktgt_write "$H/p0/scsi_device" 4000:0:0:0
expect_eq "$(cat "$H/p0/scsi_device")" 4000:0:0:0 "scsi_device shows"
pt_write_fails "$H/p0/enable" 1 "No such device" "enable of an absent device"

# A device that is not a disk: a vcdrom LU of ktgt_local.
ktgt_mkdev vcdrom/cd0
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vcdrom/cd0
ktgt_enable local/t0
host=$(ktgt_local_host t0)
ktgt_wait_disk host="$host" lun=0 > /dev/null
cd_hctl=$(ktgt_find_disk host="$host" lun=0) || fail "no vcdrom device"
ktgt_write "$H/p0/scsi_device" "$cd_hctl"
pt_write_fails "$H/p0/enable" 1 "Wrong medium type" "enable of a CD-ROM"

ktgt_write "$H/p0/scsi_device" "$sdbg_hctl"
ktgt_write "$H/p0/blocksize" 4096
pt_write_fails "$H/p0/enable" 1 "Invalid argument" "enable with the wrong blocksize"
ktgt_write "$H/p0/blocksize" 512
ktgt_write "$H/p0/enable" 1
pt_write_fails "$H/p0/scsi_device" "$cd_hctl" "Device or resource busy" "scsi_device while enabled"
if modprobe -r scsi_debug 2>/dev/null; then
	fail "scsi_debug was unloaded while exported"
fi
expect_eq "$(cat "$H/p0/size")" 16777216 "size from READ CAPACITY"
# The same disk exported by a second pt_disk device: refused, as long
# as p0 exports it.
mkdir "$H/p1" || fail "mkdir $H/p1"
ktgt_write "$H/p1/scsi_device" "$sdbg_hctl"
ktgt_write "$H/p1/blocksize" 512
pt_write_fails "$H/p1/enable" 1 "Device or resource busy" "a second export of $sdbg_hctl"
ktgt_write "$H/p0/enable" 0
ktgt_write "$H/p1/enable" 1
pt_write_fails "$H/p0/enable" 1 "Device or resource busy" "a second export of $sdbg_hctl"
ktgt_write "$H/p1/enable" 0
rmdir "$H/p1" || fail "rmdir $H/p1"
ktgt_write "$H/p0/enable" 1

ktgt_maplun local/t0 1 pt_disk/p0
ktgt_local_rescan t0
pt_dev=$(ktgt_wait_disk host="$host" lun=1)
pt_sg=$(ktgt_wait_disk -g host="$host" lun=1)
sdbg_sg=$(ktgt_sdev_attr "$sdbg_hctl" sg)
log "ktgt LU: $pt_dev ($pt_sg); scsi_debug: $sdbg_dev ($sdbg_sg)"
expect_eq "$(blockdev --getsize64 "$pt_dev")" 16777216 "size through ktgt"

# --- data, both ways ---
# roundtrip FROM TO SECTOR COUNT (512-byte sectors): one O_DIRECT write
# of COUNT sectors, one read.
roundtrip() {
	local src=/tmp/pt-src dst=/tmp/pt-dst n=$(($4 * 512))
	head -c $n /dev/urandom > "$src"
	dd if="$src" of="$1" bs=$n count=1 seek=$(($3 * 512)) \
		oflag=direct,seek_bytes conv=notrunc status=none ||
		fail "write $4 sectors at $3 to $1"
	dd if="$2" of="$dst" bs=$n count=1 skip=$(($3 * 512)) \
		iflag=direct,skip_bytes status=none ||
		fail "read $4 sectors at $3 from $2"
	cmp -s "$src" "$dst" || fail "$4 sectors at $3: $1 -> $2 differ"
}
# unaligned A B: buffers at odd 512-byte offsets in memory (not page
# aligned), written to A with O_DIRECT and read back from B.
unaligned() {
	python3 - "$1" "$2" <<'EOF' || fail "unaligned buffers $1 -> $2"
import mmap, os, sys
a, b = sys.argv[1], sys.argv[2]
fa = os.open(a, os.O_RDWR | os.O_DIRECT)
fb = os.open(b, os.O_RDWR | os.O_DIRECT)
for off, n in ((512, 4096), (1536, 65536), (3584, 131072 + 512)):
    m = mmap.mmap(-1, off + n + 4096)
    data = os.urandom(n)
    m[off:off + n] = data
    mv = memoryview(m)[off:off + n]
    if os.pwritev(fa, [mv], 8 * 1024 * 1024 + off) != n:
        sys.exit("short write")
    r = mmap.mmap(-1, off + n + 4096)
    rv = memoryview(r)[off:off + n]
    if os.preadv(fb, [rv], 8 * 1024 * 1024 + off) != n:
        sys.exit("short read")
    if bytes(rv) != data:
        sys.exit("data differ at buffer offset %d" % off)
    rv.release()
    mv.release()
    m.close()
    r.close()
EOF
}

# data_both_ways: every size and offset, ktgt -> scsi_debug and back.
data_both_ways() {
	local spec s c
	for spec in "0 1" "7 9" "33 128" "1001 2048" "4097 2048" "12345 8"; do
		read -r s c <<< "$spec"
		roundtrip "$pt_dev" "$sdbg_dev" "$s" "$c"
		roundtrip "$sdbg_dev" "$pt_dev" "$((s + 1))" "$c"
	done
	unaligned "$pt_dev" "$sdbg_dev"
	unaligned "$sdbg_dev" "$pt_dev"
}
data_both_ways
log "O_DIRECT round trips ktgt <-> scsi_debug: ok"
# The same through bounce pages (a layout the device's queue refuses).
ktgt_write /sys/module/ktgt_pt/parameters/bounce 1
data_both_ways
ktgt_write /sys/module/ktgt_pt/parameters/bounce 0
log "the same through bounce pages: ok"

# --- identity: INQUIRY is the device's, REPORT LUNS is ktgt's ---
inq_pt=$(sg_inq "$pt_sg" | grep -E 'Vendor identification|Product identification')
inq_sd=$(sg_inq "$sdbg_sg" | grep -E 'Vendor identification|Product identification')
grep -q scsi_debug <<< "$inq_pt" || fail "INQUIRY through ktgt: $inq_pt"
expect_eq "$inq_pt" "$inq_sd" "INQUIRY identity"
# Odd allocation lengths (not a multiple of the queue's DMA alignment):
# the data goes through bounce pages, whole.
# inq_bytes SG ALLOC: the INQUIRY data, as hex
inq_bytes() {
	rm -f /tmp/pt-inq
	sg_raw -r "$2" -o /tmp/pt-inq "$1" 12 00 00 00 "$(printf %02x "$2")" 00 \
		2>/dev/null || fail "INQUIRY of $2 bytes through $1 failed"
	od -An -tx1 /tmp/pt-inq | tr -d ' \n'
}
for n in 255 37 5; do
	expect_eq "$(inq_bytes "$pt_sg" $n)" "$(inq_bytes "$sdbg_sg" $n)" \
		"INQUIRY of $n bytes"
done
# Block Limits (VPD B0h): MAXIMUM TRANSFER LENGTH is cut to what one
# command through ktgt may move: the disk queue's max_hw_sectors_kb and
# max_segments (pages), and the core's 8 MiB. scsi_debug says 32768.
# vpd_b0 SG: "MAXIMUM OPTIMAL" (blocks)
vpd_b0() {
	rm -f /tmp/pt-b0
	sg_raw -r 64 -o /tmp/pt-b0 "$1" 12 01 b0 00 40 00 2>/dev/null ||
		fail "INQUIRY VPD B0h through $1 failed"
	echo $((0x$(od -An -tx1 -j8 -N4 /tmp/pt-b0 | tr -d ' \n'))) \
	     $((0x$(od -An -tx1 -j12 -N4 /tmp/pt-b0 | tr -d ' \n')))
}
q=/sys/block/${sdbg_dev#/dev/}/queue
lim=$(( $(cat $q/max_hw_sectors_kb) * 1024 ))
segs=$(( $(cat $q/max_segments) * $(getconf PAGESIZE) ))
[ $segs -lt $lim ] && lim=$segs
[ $lim -gt 8388608 ] && lim=8388608
read -r sd_max sd_opt <<< "$(vpd_b0 "$sdbg_sg")"
read -r pt_max pt_opt <<< "$(vpd_b0 "$pt_sg")"
log "Block Limits: scsi_debug $sd_max/$sd_opt, through ktgt $pt_max/$pt_opt"
want=$((lim / 512))
[ "$sd_max" -ne 0 ] && [ "$sd_max" -lt "$want" ] && want=$sd_max
expect_eq "$pt_max" "$want" "MAXIMUM TRANSFER LENGTH through ktgt"
want_opt=$sd_opt
[ "$want_opt" -gt "$pt_max" ] && want_opt=$pt_max
expect_eq "$pt_opt" "$want_opt" "OPTIMAL TRANSFER LENGTH through ktgt"

luns=$(sg_luns "$pt_sg" | grep -c '^    [0-9a-f]\{16\}')
expect_eq "$luns" 2 "REPORT LUNS through ktgt (ktgt's two LUNs)"

# --- PERSISTENT RESERVE is the core's ---
expect_eq "$(ktgt_pr "$pt_sg" --out --register --param-sark=0xabc1)" 0 \
	"PR REGISTER through ktgt"
expect_eq "$(ktgt_pr_keys "$pt_sg")" "0xabc1 " "registered keys through ktgt"
keys=$(ktgt_pr_keys "$sdbg_sg")
case "$keys" in *0xabc1*) fail "the key reached scsi_debug: $keys" ;; esac

# --- sense data passed through ---
ktgt_write "$SDBG/opts" 2
st=$(ktgt_status "$pt_sg" -r 512 28 00 00 00 12 34 00 00 01 00)
expect_eq "$st" "02 03/11/00" "READ of scsi_debug's medium error LBA"
st=$(ktgt_status "$pt_sg" -r 512 28 00 00 00 00 10 00 00 01 00)
expect_eq "$st" GOOD "READ elsewhere"
ktgt_write "$SDBG/opts" 0

# --- LOG SELECT is the disk's ---
# The core decodes it for pass-through only. scsi_debug has no LOG
# SELECT: its INVALID COMMAND OPERATION CODE in descriptor format
# (dsense=1), byte for byte as on its own sg node, is not ktgt's
# fixed-format refusal (the old one: the SBC table lacked it). Emulated
# LUs refuse it themselves, in fixed format: the vcdrom, a nullio disk.
# ua_clear SG: TEST UNIT READY past the unit attentions pending.
ua_clear() {
	local i
	for ((i = 0; i < 5; i++)); do
		case "$(ktgt_tur "$1")" in
		"02 06/"*) ;;
		*) return ;;
		esac
	done
}
ktgt_write "$SDBG/dsense" 1
for cdb in "4c 02 40 00 00 00 00 00 00 00" "4c 00 40 00 00 00 00 00 00 00"; do
	# shellcheck disable=SC2086
	want=$(ktgt_sense "$sdbg_sg" $cdb)
	case "$want" in
	"status=02 sense=72 05 20 00"*) ;;
	*) fail "scsi_debug's LOG SELECT ($cdb): $want" ;;
	esac
	# shellcheck disable=SC2086
	expect_eq "$(ktgt_sense "$pt_sg" $cdb)" "$want" \
		"LOG SELECT ($cdb) through ktgt: scsi_debug's answer"
done
printf '\x00\x00\x00\x00' > /tmp/pt-lsel
want=$(ktgt_sense "$sdbg_sg" -s 4 -i /tmp/pt-lsel 4c 00 40 00 00 00 00 00 04 00)
expect_eq "$(ktgt_sense "$pt_sg" -s 4 -i /tmp/pt-lsel 4c 00 40 00 00 00 00 00 04 00)" \
	"$want" "LOG SELECT with parameter data through ktgt"
ktgt_write "$SDBG/dsense" 0
ktgt_mkdev vdisk_nullio/n0 size=16777216
ktgt_mktarget local/t2
ktgt_maplun local/t2 0 vdisk_nullio/n0
ktgt_enable local/t2
host2=$(ktgt_local_host t2)
n0_sg=$(ktgt_wait_disk -g host="$host2" lun=0)
cd_sg=$(ktgt_wait_disk -g host="$host" lun=0)
for sg in "$n0_sg" "$cd_sg"; do
	ua_clear "$sg"
	st=$(ktgt_sense "$sg" 4c 02 40 00 00 00 00 00 00 00)
	case "$st" in
	"status=02 sense=70 00 05 "*) ;;
	*) fail "LOG SELECT of the emulated LU $sg: $st" ;;
	esac
	expect_eq "$(ktgt_status "$sg" 4c 02 40 00 00 00 00 00 00 00)" \
		"02 05/20/00" "LOG SELECT of the emulated LU $sg"
done

# --- the disk's capacity changes ---
# scsi_debug's virtual_gb makes the disk 1 GiB (its 16 MiB wrap) and
# says CAPACITY DATA HAS CHANGED to the next command: that reaches the
# initiator, and by then ktgt's capacity is the new one, or the core's
# range check would refuse the LBAs READ CAPACITY now says exist.
# capacity_change GB BYTES
capacity_change() {
	local st i
	ktgt_write "$SDBG/virtual_gb" "$1"
	st=$(ktgt_tur "$pt_sg")
	expect_eq "${st,,}" "02 06/2a/09" "TUR after virtual_gb=$1"
	expect_eq "$(cat "$H/p0/size")" "$2" "size after virtual_gb=$1"
	# ktgt's own unit attention for the change, at most once more.
	for ((i = 0; i < 3; i++)); do
		[ "$(ktgt_tur "$pt_sg")" = GOOD ] && break
	done
	expect_eq "$(ktgt_tur "$pt_sg")" GOOD "TUR after the unit attentions"
}
capacity_change 1 1073741824
# LBA 0x10000 (32 MiB): past the old capacity, inside the new one.
st=$(ktgt_status "$pt_sg" -r 512 28 00 00 01 00 00 00 00 01 00)
expect_eq "$st" GOOD "READ past the old capacity"
capacity_change 0 16777216
st=$(ktgt_status "$pt_sg" -r 512 28 00 00 01 00 00 00 00 01 00)
expect_eq "${st,,}" "02 05/21/00" "READ past the capacity again"

# --- the device deleted underneath ---
ktgt_write "/sys/class/scsi_device/$sdbg_hctl/device/delete" 1
ktgt_wait_gone "$sdbg_hctl"
if dd if="$pt_dev" of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null; then
	fail "a read of a deleted device succeeded"
fi
expect_eq "$(ktgt_tur "$pt_sg")" "02 04/08/00" "TUR of a deleted device"
st=$(ktgt_status "$pt_sg" -r 512 28 00 00 00 00 00 00 00 01 00)
expect_eq "$st" "02 04/08/00" "READ of a deleted device"
ktgt_unmaplun local/t0 1
ktgt_local_rescan t0
ktgt_write "$H/p0/enable" 0
rmdir "$H/p0" || fail "rmdir $H/p0"
run_ok "unload scsi_debug after disable" modprobe -r scsi_debug
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
