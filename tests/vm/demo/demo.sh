#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# What 'make demo' runs inside the VM, in two parts, saying what it does
# at each step:
# 1. ktgt serves a disk (a file) and a CD-ROM (an ISO image) through the
#    local target driver, which makes them SCSI devices of the same
#    kernel, and the demo uses them as any Linux user would;
# 2. ktgtadm applies /etc/ktgt/ktgt.conf (an iSCSI target with a LUN for
#    everyone and a group with its own LUN), and Linux's iSCSI initiator
#    (open-iscsi) discovers it, logs in over TCP, makes a file system on
#    the LUN and reads it back, while ktgtadm shows the session, its
#    statistics and the events; the running configuration is written
#    back and removed with one apply.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
export KTGTADM_ISCSID=$KTGT_REPO/tools/ktgt-iscsid/ktgt-iscsid
[ -x "$ADM" ] && [ -x "$KTGTADM_ISCSID" ] || fail "ktgtadm or ktgt-iscsid not built (make tools)"

say() {
	echo
	echo "== $*"
}

# show 'COMMAND LINE': print a shell command line, run it, indent its
# output; returns its status.
show() {
	echo "\$ $1"
	eval "$1" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

say "ktgt demo on kernel $(uname -r) ($(nproc) vCPUs, QEMU/TCG)"
echo "ktgt is an in-kernel SCSI target. Here it exports two logical units"
echo "through its 'local' target driver, which turns a ktgt target into a"
echo "SCSI host of this very kernel, so its LUNs show up as /dev/sdX and"
echo "/dev/srX with no network in between."

say "1. Load ktgt: the core, the virtual disk handlers, the local target driver"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
show "lsmod | grep -E '^(ktgt|Module)'"

say "2. The backing stores: a 128 MiB file and an ISO 9660 image"
truncate -s 128M /tmp/demo-disk.img || fail "truncate"
mkdir -p /tmp/demo-cd
cat > /tmp/demo-cd/README.TXT <<'TXT'
Hello from a ktgt vcdrom: this file lives in an ISO 9660 image that a
ktgt dev handler serves as a SCSI CD-ROM (peripheral device type 5).
TXT
cp /etc/os-release /tmp/demo-cd/OSREL.TXT
show 'genisoimage -quiet -V KTGT_DEMO -J -r -o /tmp/demo-cd.iso /tmp/demo-cd' ||
	fail "genisoimage"
show 'ls -l /tmp/demo-disk.img /tmp/demo-cd.iso'

say "3. Configure ktgt through configfs ($KTGT_CFS)"
echo "A vdisk_fileio device on the file, a vcdrom device on the image,"
echo "and a local target 'demo' with them as LUN 0 and LUN 1:"
ktgt_mkdev vdisk_fileio/disk0 filename=/tmp/demo-disk.img vendor_id=KTGT \
	product_id=DemoDisk serial=DEMO-DISK-0
ktgt_mkdev vcdrom/cd0 filename=/tmp/demo-cd.iso vendor_id=KTGT \
	product_id=DemoCD serial=DEMO-CD-0
ktgt_mktarget local/demo
ktgt_maplun local/demo 0 vdisk_fileio/disk0
ktgt_maplun local/demo 1 vcdrom/cd0
ktgt_enable local/demo
(cd "$KTGT_CFS" && find . -path '*/luns/*' -o -name enable -o -name filename \
	-o -name initiator_name | sort | while read -r f; do
		if [ -L "$f" ]; then
			echo "    $f -> $(readlink "$f" | sed 's|.*/handlers/|handlers/|')"
		elif [ -f "$f" ]; then
			echo "    $f = $(cat "$f")"
		fi
	done)

host=$(ktgt_local_host demo)
disk=$(ktgt_wait_disk host="$host" lun=0)
cd=$(ktgt_wait_disk host="$host" lun=1)
disk_sg=$(ktgt_wait_disk -g host="$host" lun=0)

say "4. The initiator side: SCSI host $host now has the two LUNs"
show "cat /sys/class/scsi_host/host$host/proc_name"
show "lsscsi -g | grep '^\\[$host:'"
say "   INQUIRY of the disk ($disk) and the CD-ROM ($cd), as sg_inq shows it"
show "sg_inq $disk | grep -E 'identification|revision|Peripheral device type'"
show "sg_inq -p 0x80 $disk | grep -i 'serial number:'"
show "sg_inq $cd | grep -E 'identification|Peripheral device type|RMB'"
show "sg_readcap $disk_sg | grep -iE 'blocks|length|capacity'"

say "5. Use the disk: mkfs.ext4, mount, write a file, read it back"
modprobe ext4 2>/dev/null
mkdir -p /mnt/demo-disk /mnt/demo-cd
show "mkfs.ext4 -q -F $disk" || fail "mkfs.ext4 $disk"
show "mount -t ext4 $disk /mnt/demo-disk" || fail "mount $disk"
head -c 8M /dev/urandom > /tmp/demo-payload
show 'cp /tmp/demo-payload /mnt/demo-disk/payload' || fail "write to $disk"
show sync
show 'df -h /mnt/demo-disk'
echo "    (page cache dropped: the read below comes from the disk)"
echo 3 > /proc/sys/vm/drop_caches
want=$(sha256sum < /tmp/demo-payload)
got=$(sha256sum < /mnt/demo-disk/payload)
echo "    written: ${want%% *}"
echo "    read:    ${got%% *}"
[ "$want" = "$got" ] || fail "the file read back differs"
echo "    identical: the 8 MiB went through ktgt into /tmp/demo-disk.img and back"
show 'umount /mnt/demo-disk' || fail "umount"
show 'e2fsck -fn /tmp/demo-disk.img' || fail "the backing file's file system is not clean"

say "6. Use the CD-ROM: mount its ISO 9660 file system read-only"
modprobe isofs 2>/dev/null
show "mount -t iso9660 -o ro $cd /mnt/demo-cd" || fail "mount $cd"
show 'ls -l /mnt/demo-cd'
show 'cat /mnt/demo-cd/README.TXT'
cmp -s /tmp/demo-cd/OSREL.TXT /mnt/demo-cd/OSREL.TXT ||
	fail "file on the CD-ROM differs from the original"
echo "    OSREL.TXT on the CD-ROM is identical to the original"
show 'umount /mnt/demo-cd' || fail "umount"

say "7. Runtime state in sysfs ($KTGT_SYSFS): the local host's session and the device counters"
for d in "$KTGT_SYSFS"/sessions/* "$KTGT_SYSFS"/devices/*; do
	[ -d "$d" ] || continue
	echo "    ${d#"$KTGT_SYSFS"/}/"
	for f in "$d"/*; do
		[ -f "$f" ] && [ -r "$f" ] || continue
		printf '        %-14s %s\n' "${f##*/}" "$(head -c 200 "$f" | tr '\n' ' ')"
	done
done

say "8. Tear down: disable the target (the SCSI host goes away), remove everything, unload"
ktgt_enable local/demo 0
[ -e /sys/class/scsi_host/host"$host" ] && fail "host$host still there"
echo "    host$host removed"
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
echo "    every ktgt module unloaded"

say "Part 2: iSCSI over TCP, configured by ktgtadm from one file"
IQN=iqn.2026-11.org.ktgt:demo
INI=iqn.2026-11.org.ktgt:demo-initiator
PORTAL=127.0.0.1:3260
truncate -s 256M /tmp/demo-iscsi.img || fail "truncate"
mkdir -p /etc/ktgt
cat > /etc/ktgt/ktgt.conf <<CONF
# /etc/ktgt/ktgt.conf: scst.conf syntax
HANDLER vdisk_fileio {
	DEVICE web {
		filename /tmp/demo-iscsi.img
		serial DEMO-WEB
	}
}
HANDLER vdisk_nullio {
	DEVICE scratch {
		size 1073741824
	}
}
TARGET_DRIVER iscsi {
	TARGET $IQN {
		PORTAL $PORTAL
		enabled 1
		LUN 0 web
		GROUP demo-hosts {
			INITIATOR $INI
			LUN 0 web
			LUN 1 scratch
		}
	}
}
CONF

say "9. The file, checked, then applied (only the difference; here: everything)"
show 'cat /etc/ktgt/ktgt.conf'
show "$ADM check" || fail "ktgtadm check"
show "$ADM apply -v" || fail "ktgtadm apply"
echo "    (ktgtadm monitor now watches events in the background)"
"$ADM" monitor -t 300 > /tmp/demo-mon.out 2> /tmp/demo-mon.err &
mon=$!
echo "    ktgtadm loaded the modules and started ktgt-iscsid (the login daemon):"
show "lsmod | grep -E '^ktgt'"
show "ps -C ktgt-iscsid -o pid,args"

say "10. The initiator: open-iscsi discovers the target and logs in as $INI"
iscsi_ini_start "$INI"
show "iscsiadm -m discovery -t st -p $PORTAL" || fail "discovery"
show "iscsiadm -m node -T $IQN -p $PORTAL --login" || fail "login"
idisk=$(iscsi_wait_lun "$IQN" 0)
iscratch=$(iscsi_wait_lun "$IQN" 1)
show "lsscsi | grep -E 'KTGT'"
echo "    the group demo-hosts gives $INI LUN 1 as well: $iscratch"

say "11. Use the iSCSI disk ($idisk): mkfs.ext4, mount, write, drop caches, read back"
mkdir -p /mnt/demo-iscsi
show "mkfs.ext4 -q -F $idisk" || fail "mkfs.ext4 $idisk"
show "mount -t ext4 $idisk /mnt/demo-iscsi" || fail "mount $idisk"
show 'cp /tmp/demo-payload /mnt/demo-iscsi/payload' || fail "write"
show sync
echo 3 > /proc/sys/vm/drop_caches
got=$(sha256sum < /mnt/demo-iscsi/payload)
echo "    written: ${want%% *}"
echo "    read:    ${got%% *}"
[ "$want" = "$got" ] || fail "the file read back over iSCSI differs"
show 'umount /mnt/demo-iscsi' || fail "umount"
show 'e2fsck -fn /tmp/demo-iscsi.img' || fail "the iSCSI disk's file system is not clean"

say "12. What ktgtadm sees: the session with its negotiated values, statistics"
show "$ADM list" || fail "ktgtadm list"
show "$ADM stats -i 0" || fail "ktgtadm stats"

say "13. The running configuration, written back in the same syntax"
show "$ADM write /tmp/demo-running.conf" || fail "ktgtadm write"
show 'cat /tmp/demo-running.conf'
show "$ADM apply -n /tmp/demo-running.conf" || fail "ktgtadm apply -n"
echo "    (applying what was written back changes nothing)"

say "14. Delete the initiator's disks, log out, then remove everything with one apply of an empty file"
for d in "$idisk" "$iscratch"; do
	show "echo 1 > /sys/block/${d#/dev/}/device/delete" || fail "delete $d"
done
show "iscsiadm -m node -T $IQN -p $PORTAL --logout" || fail "logout"
iscsi_ini_stop
echo "# nothing" > /tmp/demo-empty.conf
show "$ADM apply -v /tmp/demo-empty.conf" || fail "apply of an empty file"
sleep 1
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
echo "    the events ktgtadm monitor saw meanwhile:"
sed 's/^/    /' /tmp/demo-mon.out | head -n 40
grep -q "$INI" /tmp/demo-mon.out ||
	fail "monitor saw no login of $INI: $(cat /tmp/demo-mon.err)"
pkill -x ktgt-iscsid
sleep 1
ktgt_unload_all
echo "    every ktgt module unloaded"

say "Done: a file served as a SCSI disk and an ISO image served as a SCSI CD-ROM"
echo "through ktgt_core + ktgt_vdisk + ktgt_local, used by Linux's sd/sr/sg drivers;"
echo "then the same disk handler served over iSCSI (ktgt_iscsi + ktgt-iscsid),"
echo "configured by ktgtadm from /etc/ktgt/ktgt.conf, used by open-iscsi."
pass
