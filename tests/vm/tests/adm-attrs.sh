#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm apply and the attributes of an enabled device that a session
# uses (Documentation/configfs.rst, "Live device parameters"):
# - write_through, nv_cache, rotational, vendor_id, product_id and
#   revision change in place while fio runs: no I/O error, LUN 0 is not
#   re-created, the initiator logs MODE PARAMETERS CHANGED and INQUIRY
#   DATA HAS CHANGED and reads the new INQUIRY, caching page and VPD B1h;
# - read_only 0 -> 1 changes in place: the next command gets the unit
#   attention 06/2a/01, the one after it a write DATA PROTECT 07/27/00;
# - a filename change needs the device disabled: refused (exit 2, with
#   --dry-run too) while the session sees the LUN, nothing changed, not
#   even a module loaded or ktgt-iscsid started for an iSCSI target the
#   same file adds;
#   --dry-run --force prints the remove/re-add, --force does it;
# - values compare by meaning: blocksize 0x200 = 512, read_only no = 0.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgtadm_use_tree
command -v fio >/dev/null || skip "fio not installed"
command -v sg_raw >/dev/null || skip "sg3-utils not installed"
ktgt_initiator_load

truncate -s 64M /tmp/attr0.img /tmp/attr1.img || fail "truncate"

# conf FILENAME ATTRIBUTE-LINES
conf() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE a0 {
		filename $1
		serial ATTR0
$2
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 a0
	}
}
CONF
}
conf /tmp/attr0.img "blocksize 512
read_only 0
write_through 0
nv_cache 0
rotational 0
vendor_id KTGT
product_id DISK
revision 1" > /tmp/c1.conf
conf /tmp/attr0.img "blocksize 0x200
read_only no
write_through 1
nv_cache yes
rotational 1
vendor_id \"ACME CO\"
product_id \"LIVE DISK\"
revision 2" > /tmp/c2.conf
sed 's/read_only no/read_only 1/' /tmp/c2.conf > /tmp/c3.conf
sed 's|/tmp/attr0.img|/tmp/attr1.img|' /tmp/c3.conf > /tmp/c4.conf

D=$KTGT_CFS/handlers/vdisk_fileio/a0
L=$KTGT_CFS/targets/local/t0/luns/0
out=$("$ADM" apply /tmp/c1.conf 2>&1) || fail "apply c1: $out"
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" serial=ATTR0)
[ -n "$(ls "$KTGT_SYSFS/sessions")" ] || fail "no session"
lun_inode=$(stat -c %i "$L")
n_inq=$(dmesg | grep -c "Inquiry data has changed")
n_mode=$(dmesg | grep -c "Mode parameters changed")

# wce: the WCE bit of the caching mode page (MODE SENSE(6), DBD=1)
wce() {
	sg_raw -r 32 -o /tmp/ms.bin "$dev" 1a 08 08 00 20 00 >/dev/null 2>&1 ||
		sg_raw -r 32 -o /tmp/ms.bin "$dev" 1a 08 08 00 20 00 \
			>/dev/null 2>&1 || fail "MODE SENSE failed"
	echo $(( ($(od -An -tu1 -j6 -N1 /tmp/ms.bin) >> 2) & 1 ))
}
# rotation: MEDIUM ROTATION RATE of VPD page B1h
rotation() {
	sg_raw -r 64 -o /tmp/b1.bin "$dev" 12 01 b1 00 40 00 >/dev/null 2>&1 ||
		fail "INQUIRY VPD B1h failed"
	od -An -tx1 -j4 -N2 /tmp/b1.bin | tr -d ' \n'
}
expect_eq "$(wce)" 1 "WCE before (write_through 0)"
expect_eq "$(rotation)" 0001 "rotation rate before (rotational 0)"

log "live attributes under fio on $dev"
fio --name=attrs --filename="$dev" --ioengine=libaio --direct=1 \
	--rw=randrw --bs=4k --iodepth=8 --size=48M --time_based --runtime=14 \
	--verify=0 --output=/tmp/fio.out &
fio_pid=$!
sleep 4
out=$("$ADM" apply --dry-run /tmp/c2.conf) || fail "dry-run c2: $out"
expect_eq "$out" "set handlers/vdisk_fileio/a0/write_through 1
set handlers/vdisk_fileio/a0/nv_cache 1
set handlers/vdisk_fileio/a0/rotational 1
set handlers/vdisk_fileio/a0/vendor_id ACME CO
set handlers/vdisk_fileio/a0/product_id LIVE DISK
set handlers/vdisk_fileio/a0/revision 2" "plan of the live change"
out=$("$ADM" apply -v /tmp/c2.conf 2>&1) || fail "apply c2: $out"
echo "$out" | sed 's/^/    /'
expect_eq "$(cat "$KTGT_SYSFS/devices/a0/enabled")" 1 "a0 stayed enabled"
expect_eq "$(stat -c %i "$L")" "$lun_inode" "LUN 0 was re-created"
out=$("$ADM" apply --dry-run /tmp/c2.conf) || fail "dry-run c2 again"
expect_eq "$out" "nothing to do" "dry run after applying c2"
wait $fio_pid
rc=$?
grep -E 'err=|READ:|WRITE:' /tmp/fio.out | sed 's/^/    /'
[ $rc -eq 0 ] || fail "fio failed (rc=$rc) across the live change"
grep -q 'err= 0' /tmp/fio.out || fail "fio saw I/O errors"
grep -qE 'WRITE: bw=[1-9]' /tmp/fio.out || fail "fio wrote nothing"

[ "$(dmesg | grep -c "Inquiry data has changed")" -gt "$n_inq" ] ||
	fail "the initiator saw no INQUIRY DATA HAS CHANGED"
[ "$(dmesg | grep -c "Mode parameters changed")" -gt "$n_mode" ] ||
	fail "the initiator saw no MODE PARAMETERS CHANGED"
for ((i = 0; i < 5; i++)); do	# any unit attention fio left
	[ "$(ktgt_tur "$dev")" = GOOD ] && break
done
inq=$(sg_inq "$dev" 2>&1) || fail "sg_inq: $inq"
grep -q "Vendor identification: ACME CO" <<< "$inq" || fail "new vendor not seen: $inq"
grep -q "Product identification: LIVE DISK" <<< "$inq" || fail "new product not seen: $inq"
grep -q "Product revision level: 2" <<< "$inq" || fail "new revision not seen: $inq"
expect_eq "$(wce)" 0 "WCE after write_through 1"
expect_eq "$(rotation)" 0000 "rotation rate after rotational 1"

log "read_only 0 -> 1 in place"
out=$("$ADM" apply /tmp/c3.conf 2>&1) || fail "apply c3: $out"
expect_eq "$out" "/tmp/c3.conf: applied (1 steps)" "read_only applied as one step"
expect_eq "$(stat -c %i "$L")" "$lun_inode" "LUN 0 was re-created (read_only)"
head -c 512 /dev/zero > /tmp/zero512
w10=(2a 00 00 00 00 00 00 00 01 00)
expect_eq "$(ktgt_status "$dev" -s 512 -i /tmp/zero512 "${w10[@]}")" \
	"02 06/2a/01" "first command after read_only 1: MODE PARAMETERS CHANGED"
expect_eq "$(ktgt_status "$dev" -s 512 -i /tmp/zero512 "${w10[@]}")" \
	"02 07/27/00" "WRITE on the read-only device"

log "a change that needs the device disabled"
"$ADM" apply /tmp/c4.conf > /tmp/refused.out 2>&1
rc=$?
sed 's/^/    /' /tmp/refused.out
expect_eq "$rc" 2 "exit status of the refused apply"
grep -q "/tmp/c4.conf:3: changing 'filename' of device a0 needs the device disabled, which drops LUN 0 of target local/t0 that 1 session uses; refused (--force" /tmp/refused.out ||
	fail "no clear refusal message"
"$ADM" apply --dry-run /tmp/c4.conf > /dev/null 2>&1
expect_eq "$?" 2 "exit status of the refused dry run"
expect_eq "$(cat "$D/filename")" /tmp/attr0.img "filename after the refusal"
expect_eq "$(stat -c %i "$L")" "$lun_inode" "LUN 0 after the refusal"
if modinfo ktgt_iscsi > /dev/null 2>&1 && [ -x "$KTGTADM_ISCSID" ]; then
	log "the same refusal in a file that also adds an iSCSI target"
	{ cat /tmp/c4.conf; printf 'TARGET_DRIVER iscsi {\n\tTARGET %s\n}\n' \
		iqn.2026-11.org.example:refused; } > /tmp/c4i.conf
	"$ADM" apply /tmp/c4i.conf > /tmp/refused.out 2>&1
	rc=$?
	sed 's/^/    /' /tmp/refused.out
	expect_eq "$rc" 2 "exit status of the refused apply with iSCSI"
	grep -q "/tmp/c4i.conf:3: changing 'filename' of device a0 .*; refused" \
		/tmp/refused.out || fail "no clear refusal message with iSCSI"
	grep -q '^ktgt_iscsi ' /proc/modules &&
		fail "the refused apply loaded ktgt_iscsi"
	[ -n "$(ktgt_iscsid_pids)" ] &&
		fail "the refused apply started ktgt-iscsid"
	expect_eq "$(cat "$D/filename")" /tmp/attr0.img "filename after the refusal with iSCSI"
fi
out=$("$ADM" apply --dry-run --force /tmp/c4.conf) || fail "dry-run --force: $out"
expect_eq "$out" "unlink targets/local/t0/luns/0/device
rmdir targets/local/t0/luns/0
set handlers/vdisk_fileio/a0/enable 0
set handlers/vdisk_fileio/a0/filename /tmp/attr1.img
set handlers/vdisk_fileio/a0/enable 1
mkdir targets/local/t0/luns/0
set targets/local/t0/luns/0/read_only 0
link targets/local/t0/luns/0/device handlers/vdisk_fileio/a0" "plan with --force"
expect_eq "$(cat "$D/filename")" /tmp/attr0.img "filename after the dry run"
out=$("$ADM" apply --force /tmp/c4.conf 2>&1) || fail "apply --force: $out"
expect_eq "$(cat "$D/filename")" /tmp/attr1.img "filename after --force"
[ -L "$L/device" ] || fail "LUN 0 not re-added"
out=$("$ADM" apply --dry-run /tmp/c4.conf) || fail "dry-run c4"
expect_eq "$out" "nothing to do" "dry run after applying c4"

echo "# empty" > /tmp/empty.conf
"$ADM" apply /tmp/empty.conf > /dev/null || fail "cleanup"
ktgt_unload_all
pass
