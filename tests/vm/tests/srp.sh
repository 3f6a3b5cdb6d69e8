#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# ktgt_srp with Linux's SRP initiator (ib_srp) over Soft-RoCE (rdma_rxe
# on a dummy interface), logging in through the RDMA CM on port
# 5555. Logins to a target port identifier no target has, and from an
# initiator port that no initiator group admits to a target without
# default LUNs, are rejected; a target name that is not a port identifier
# is refused. Then: 4 MiB written with O_DIRECT in 1 MiB commands (many
# RDMA READs each) and read back (RDMA WRITEs) and compared; fio random
# writes of 4-256 KiB, 16 in flight, verified; a READ(10) past the end
# gives CHECK CONDITION with its sense (ILLEGAL REQUEST, LBA OUT OF
# RANGE) in the SRP_RSP; an INQUIRY whose allocation length is larger
# than the data is GOOD; a LUN reset (sg_reset -d) is answered; a READ
# held by nullio's delay_ms is aborted by the SCSI error handler (ABORT
# TASK). The initiator group admits a second initiator port, which sees
# its LUN. Then ib_srp with never_register=1, whose commands carry
# indirect descriptor tables of one descriptor per page, and a queue of
# 256 of which the 128 credits let 127 through: the same data check,
# with 160 commands in flight. Logout (ib_srp's delete) closes the channel; so do disabling a
# target and removing the RDMA device (rdma link delete) with a live
# channel; the module unloads. Last, ktgtadm applies a configuration
# with an SRP target (loading ktgt_srp), writes it back, and an
# initiator its group admits reads through it, then logs in again over
# IPv6 and writes and reads 4 MiB.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/srp.sh"

TPID=0002c9030000aa010002c9030000aa02
TPID2=0002c9030000bb010002c9030000bb02

srp_rxe_setup
ktgt_load ktgt_vdisk ktgt_srp
srp_initiator_setup

# chans_closed N: wait until the driver logged N channel closures.
chans_closed() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(dmesg | grep -c 'ktgt_srp: .*: channel to .* closed')" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "expected $1 closed channels: $(dmesg | grep ktgt_srp | tail -5)"
}

truncate -s 64M /tmp/srp0.img
ktgt_mkdev vdisk_fileio/srp0 filename=/tmp/srp0.img serial=SRP0
ktgt_mkdev vdisk_nullio/slow size=$((16 << 20)) serial=SLOW
ktgt_mktarget "srp/$TPID"
ktgt_maplun "srp/$TPID" 0 vdisk_fileio/srp0
ktgt_maplun "srp/$TPID" 1 vdisk_nullio/slow
ktgt_enable "srp/$TPID"

log "a target name that is not a port identifier is refused"
expect_fail "mkdir srp/not-a-port" mkdir "$KTGT_CFS/targets/srp/not-a-port"
expect_fail "mkdir srp/<31 digits>" mkdir "$KTGT_CFS/targets/srp/${TPID:1}"

log "login to a target port id no target has is rejected"
expect_fail "login to an unknown target" srp_login 0002c9030000cc010002c9030000cc02
dmesg | grep -q "ktgt_srp: login of .* refused: no target 0002c9030000cc010002c9030000cc02" ||
	fail "no 'no target' refusal in dmesg: $(dmesg | tail -5)"
dmesg | grep -q "ib_srp: .*SRP LOGIN REJECTED, reason 0x00010000\|SRP LOGIN REJECTED, reason 0x00010000" ||
	fail "ib_srp did not see LOGIN REJECT 0x00010000: $(dmesg | tail -5)"

log "login and I/O"
run_ok "login" srp_login "$TPID"
H=$(srp_host) || fail "no ib_srp host"
ini=$(dmesg | sed -n "s/.*ktgt_srp: \([0-9a-f]\{32\}\): logged in to $TPID.*/\1/p" | tail -1)
[ ${#ini} = 32 ] || fail "no login message with the initiator port id: $(dmesg | tail -5)"
log "initiator port id $ini"
dev=$(ktgt_wait_disk host="$H" lun=0)
sg=$(ktgt_wait_disk -g host="$H" lun=0)
slow=$(ktgt_wait_disk host="$H" lun=1)

head -c 4M /dev/urandom > /tmp/pattern || fail "pattern"
run_ok "write 4 MiB" dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none
run_ok "read 4 MiB" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
cmp -s /tmp/pattern /tmp/readback || fail "data read back differs"
head -c 4M /tmp/srp0.img > /tmp/backing
cmp -s /tmp/pattern /tmp/backing || fail "backing file differs from the data written"
run_ok "fio verify" fio --name=srp --filename="$dev" --direct=1 \
	--ioengine=libaio --iodepth=16 --rw=randwrite --bsrange=4k-256k \
	--size=16M --verify=crc32c --do_verify=1 --verify_fatal=1 \
	--output=/tmp/fio.out

log "CHECK CONDITION with sense"
r=$(ktgt_sense "$sg" -r 512 28 00 7f ff ff f0 00 00 01 00)
case "$r" in
"status=02 sense=70 00 05 "*) ;;
*) fail "READ past the end: $r" ;;
esac
read -r -a b <<< "${r#*sense=}"
expect_eq "${b[12]} ${b[13]}" "21 00" "READ past the end: asc/ascq ($r)"
r=$(ktgt_sense "$sg" -r 255 12 00 00 00 ff 00)
expect_eq "${r%% *}" "status=00" "INQUIRY, allocation length 255"

log "LUN reset"
run_ok "sg_reset -d" sg_reset -d "$sg"
run_ok "write after the LUN reset" dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none
run_ok "read after the LUN reset" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
cmp -s /tmp/pattern /tmp/readback || fail "data read back after the reset differs"

log "ABORT TASK of a held READ"
sdn=${slow#/dev/}
echo 3 > "/sys/block/$sdn/device/timeout"
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/slow/delay_ms" 60000
n0=$(dmesg | grep -c "SRP abort called")
dd if="$slow" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &
ddpid=$!
for ((i = 0; i < 300; i++)); do
	[ "$(dmesg | grep -c "SRP abort called")" -gt "$n0" ] && break
	sleep 0.1
done
[ "$(dmesg | grep -c "SRP abort called")" -gt "$n0" ] || fail "no abort from the error handler"
sleep 1
ktgt_write "$KTGT_CFS/handlers/vdisk_nullio/slow/delay_ms" 0
wait $ddpid
dmesg | grep -A3 "SRP abort called" | tail -5
dmesg | grep -q "Null scmnd" && fail "a response came for the aborted command"
# The abort was answered: the error handler did not escalate to a LUN
# reset (only sg_reset's) nor to a host reset (reconnect).
expect_eq "$(dmesg | grep -c "SRP reset_device called")" 1 "LUN resets (sg_reset's only)"
dmesg | grep -q "SRP reset_host called" && fail "the abort escalated to a host reset"
echo 30 > "/sys/block/$sdn/device/timeout"
run_ok "read after the abort" dd if="$slow" of=/dev/null bs=4k count=1 iflag=direct status=none

log "logout"
srp_logout
chans_closed 1

log "ACL: initiator groups"
ktgt_mktarget "srp/$TPID2"
ktgt_mkgroup "srp/$TPID2" g1 "0000000000001234*"
ktgt_maplun "srp/$TPID2/groups/g1" 0 vdisk_fileio/srp0
ktgt_enable "srp/$TPID2"
expect_fail "login of an initiator no group admits" srp_login "$TPID2"
dmesg | grep -q "ktgt_srp: login of $ini to $TPID2 refused: no access" ||
	fail "no 'no access' refusal: $(dmesg | tail -5)"
run_ok "login of an initiator group g1 admits" srp_relogin "$TPID2" initiator_ext=1234
H=$(srp_host) || fail "no ib_srp host"
dev=$(ktgt_wait_disk host="$H" lun=0)
run_ok "read through group g1" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
cmp -s /tmp/pattern /tmp/readback || fail "data read through g1 differs"
srp_logout
chans_closed 2

log "indirect descriptors (ib_srp never_register=1)"
rmmod ib_srp || fail "rmmod ib_srp"
modprobe ib_srp never_register=1 || fail "modprobe ib_srp never_register=1"
# A queue deeper than the 128 credits: the target's credits limit it.
run_ok "login" srp_relogin "$TPID" queue_size=256
H=$(srp_host) || fail "no ib_srp host"
dev=$(ktgt_wait_disk host="$H" lun=0)
# The driver's pr_debug names the commands with indirect tables.
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
DDC=/sys/kernel/debug/dynamic_debug/control
[ -w "$DDC" ] || fail "no dynamic debug control"
echo 'module ktgt_srp +p' > "$DDC" || fail "enable ktgt_srp's pr_debug"
head -c 4M /dev/urandom > /tmp/pattern2
run_ok "write 4 MiB" dd if=/tmp/pattern2 of="$dev" bs=1M oflag=direct status=none
run_ok "read 4 MiB" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
cmp -s /tmp/pattern2 /tmp/readback || fail "data read back differs (indirect)"
n=$(dmesg | grep -c "ktgt_srp: .*: tag 0x[0-9a-f]*: [0-9]* descriptors, [0-9]* bytes")
log "$n commands with indirect tables; the largest: $(dmesg | sed -n 's/.*: \([0-9]*\) descriptors, \([0-9]*\) bytes/\1 \2/p' | sort -n | tail -1)"
[ "$n" -gt 0 ] || fail "no command with an indirect table"
echo 'module ktgt_srp -p' > "$DDC"
expect_eq "$(cat "/sys/class/scsi_host/host$H/can_queue")" 127 "can_queue: the credits less one for TMFs"
run_ok "fio verify (indirect, 160 in flight)" fio --name=srp --filename="$dev" --direct=1 \
	--ioengine=libaio --iodepth=160 --rw=randrw --bsrange=4k-64k \
	--size=16M --verify=crc32c --do_verify=1 --verify_fatal=1 \
	--output=/tmp/fio2.out

log "target disabled with a live channel"
ktgt_enable "srp/$TPID" 0
chans_closed 3
srp_logout
ktgt_enable "srp/$TPID" 1

log "RDMA device removed with a live channel"
run_ok "login" srp_relogin "$TPID"
H=$(srp_host) || fail "no ib_srp host"
dev=$(ktgt_wait_disk host="$H" lun=0)
run_ok "read" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
head -c 4M /tmp/srp0.img > /tmp/backing
cmp -s /tmp/backing /tmp/readback || fail "data read back differs from the file (before device removal)"
# Each target holds the module: no unload under a live channel.
expect_fail "rmmod ktgt_srp with a target and a live channel" rmmod ktgt_srp
run_ok "rdma link delete rxe0" rdma link delete rxe0
chans_closed 4
[ -e /sys/class/infiniband/rxe0 ] && fail "rxe0 still there"

log "target removed, module unloaded"
ktgt_cleanup || fail "cleanup"
rmmod ktgt_srp || fail "rmmod ktgt_srp"
ktgt_unload_all

log "ktgtadm: an SRP configuration loads ktgt_srp and is applied"
ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
cat > /tmp/srp.conf <<CONF
HANDLER vdisk_fileio {
	DEVICE srp0 {
		filename /tmp/srp0.img
	}
}

TARGET_DRIVER srp {
	TARGET $TPID2 {
		enabled 1
		GROUP g1 {
			INITIATOR "0000000000005678*"
			LUN 2 srp0
		}
	}
}
CONF
run_ok "ktgtadm check" "$ADM" check /tmp/srp.conf
out=$("$ADM" apply --dry-run /tmp/srp.conf 2>&1) || fail "dry-run: $out"
grep -qx "modprobe ktgt_srp" <<< "$out" || fail "dry-run does not load ktgt_srp: $out"
out=$("$ADM" apply /tmp/srp.conf 2>&1) || fail "apply: $out"
expect_eq "$(cat "$KTGT_CFS/targets/srp/$TPID2/enable")" 1 "target enabled by ktgtadm"
"$ADM" write /tmp/w.conf || fail "ktgtadm write"
grep -q "TARGET_DRIVER srp" /tmp/w.conf || fail "no srp in the written configuration: $(cat /tmp/w.conf)"
grep -q "TARGET $TPID2" /tmp/w.conf || fail "no target in the written configuration: $(cat /tmp/w.conf)"
rdma link add rxe1 type rxe netdev ksrp0 || fail "rdma link add rxe1"
ADD=/sys/class/infiniband_srp/srp-rxe1-1/add_target
for ((i = 0; i < 100; i++)); do [ -e "$ADD" ] && break; sleep 0.1; done
run_ok "login to the target ktgtadm made" srp_login "$TPID2" initiator_ext=5678
H=$(srp_host) || fail "no ib_srp host"
dev=$(ktgt_wait_disk host="$H" lun=2)
run_ok "read through the target ktgtadm made" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
head -c 4M /tmp/srp0.img > /tmp/backing
cmp -s /tmp/backing /tmp/readback || fail "data read through the ktgtadm target differs"
srp_logout

log "login over IPv6"
run_ok "ip -6 addr add" ip -6 addr add fd51::1/64 dev ksrp0 nodad
DEST="[fd51::1]:$SRP_PORT"
# rxe learns the new address's GID from the netdev notifier.
run_ok "login over IPv6" srp_relogin "$TPID2" initiator_ext=5678
H=$(srp_host) || fail "no ib_srp host"
dev=$(ktgt_wait_disk host="$H" lun=2)
run_ok "write over IPv6" dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none
run_ok "read over IPv6" dd if="$dev" of=/tmp/readback bs=1M count=4 iflag=direct status=none
cmp -s /tmp/pattern /tmp/readback || fail "data read back over IPv6 differs"
head -c 4M /tmp/srp0.img > /tmp/backing
cmp -s /tmp/pattern /tmp/backing || fail "backing file differs from the data written over IPv6"
srp_logout
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
