#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# What 'make demo' runs inside the VM: ktgt serves a disk (a file) and a
# CD-ROM (an ISO image) through the local target driver, which makes them
# SCSI devices of the same kernel; the demo then uses them as any Linux
# user would, and says what it is doing at each step.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

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

say "Done: a file served as a SCSI disk and an ISO image served as a SCSI CD-ROM"
echo "through ktgt_core + ktgt_vdisk + ktgt_local, used by Linux's sd/sr/sg drivers."
pass
