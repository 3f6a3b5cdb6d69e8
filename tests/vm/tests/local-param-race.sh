#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 420
# ktgt-smp: 2
#
# Through ktgt_local the core works in the midlayer's buffer: user pages
# pinned by SG_IO on /dev/sdX.
# 1. REQUEST SENSE, and INQUIRY and REQUEST SENSE to an absent LUN, write
#    no more than the ALLOCATION LENGTH into a larger buffer (they wrote
#    their whole data, 18 and 36 bytes, into a buffer of 64 for an
#    ALLOCATION LENGTH of 4 or 5).
# 2. SET TARGET PORT GROUPS while another thread keeps changing a group
#    id of its parameter list: the list is checked, then applied; it was
#    read twice from the user's pages, and a group id changed in between
#    was used unchecked (a NULL pointer dereference in ktgt_alua_exec).
#    The core now copies a driver buffer's parameter list once; every
#    STPG gets GOOD or CHECK CONDITION and nothing oopses.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

mkdir -p /etc/modprobe.d
echo "install scsi_dh_alua /bin/false" > /etc/modprobe.d/ktgt-local-param.conf

cat > /tmp/sgcmd.py <<'PY'
import ctypes, mmap, os, sys, threading, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from sgio import *

mode = sys.argv[1]
fd = os.open(sys.argv[2], os.O_RDWR)
mm = mmap.mmap(-1, 4096)
addr = ctypes.addressof(ctypes.c_char.from_buffer(mm))
if mode == "din":
    n = int(sys.argv[3]); cdb = bytes.fromhex(sys.argv[4])
    mm[0:4096] = b'\xaa' * 4096
    h, sb = sg_io(fd, cdb, addr, n, SG_DXFER_FROM_DEV)
    print("status=%02x resid=%d buf=%s" % (h.status, h.resid, mm[0:n].hex()))
elif mode == "stpg":
    ndesc = int(sys.argv[3]); secs = float(sys.argv[4])
    plen = 4 + 4 * ndesc
    mm[0:4096] = b'\0' * 4096
    for i in range(ndesc):
        o = 4 + 4 * i
        mm[o] = 0            # ACTIVE/OPTIMIZED
        mm[o + 2:o + 4] = (i + 1).to_bytes(2, 'big')
    cdb = bytes([0xa4, 0x0a, 0, 0, 0, 0]) + plen.to_bytes(4, 'big') + b'\0\0'
    stop = False
    def flip():
        a = b'\x00\x01'; b = b'\x77\x77'
        while not stop:
            mm[6:8] = a
            mm[6:8] = b
    t = threading.Thread(target=flip); t.start()
    res = {}
    end = time.time() + secs
    try:
        while time.time() < end:
            h, sb = sg_io(fd, cdb, addr, 4096, SG_DXFER_TO_DEV)
            k = "%02x/%s" % (h.status, sb[:18].hex())
            res[k] = res.get(k, 0) + 1
    finally:
        stop = True; t.join()
    for k, v in sorted(res.items()):
        print(v, k)
PY

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
ktgt_mkdev vdisk_nullio/lu size=$((16 << 20)) serial=REVCORE
ktgt_mkdev vdisk_nullio/l1 size=$((16 << 20)) serial=REVCORE1
ktgt_mktarget local/a
A=$KTGT_CFS/alua
mkdir $A/dg1 || fail "mkdir dg1"
ln -s $KTGT_CFS/handlers/vdisk_nullio/lu $A/dg1/devices/lu || fail "link lu"
N=100
for ((g = 1; g <= N; g++)); do
	mkdir $A/dg1/target_groups/tg$g || fail "mkdir tg$g"
	echo $g > $A/dg1/target_groups/tg$g/group_id || fail "group_id $g"
done
ln -s $KTGT_CFS/targets/local/a $A/dg1/target_groups/tg1/targets/a ||
	fail "link a into tg1"
ktgt_maplun local/a 0 vdisk_nullio/lu
ktgt_maplun local/a 1 vdisk_nullio/l1
ktgt_enable local/a
host=$(ktgt_local_host a)
sd=$(ktgt_wait_disk host="$host" lun=0)
sd1=$(ktgt_wait_disk host="$host" lun=1)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
log "LUN 0 $sd $sg, LUN 1 $sd1 $sg1"
for i in 1 2 3 4; do ktgt_tur "$sg" >/dev/null; ktgt_tur "$sg1" >/dev/null; done

# din LABEL DEV CDB ALLOC: the command into a 64-byte buffer of AAh; the
# bytes past ALLOC must still be AAh.
din() {
	local out buf
	out=$(python3 /tmp/sgcmd.py din "$2" 64 "$3" 2>&1) || fail "$1: $out"
	log "$1: $out"
	buf=${out##*buf=}
	[ "${buf:$(($4 * 2))}" = "$(printf 'aa%.0s' $(seq $((64 - $4))))" ] ||
		fail "$1: written past the ALLOCATION LENGTH $4: $buf"
}
din "REQUEST SENSE, ALLOCATION LENGTH 4" "$sd" 030000000400 4
din "INQUIRY, ALLOCATION LENGTH 5" "$sd" 120000000500 5
ktgt_unmaplun local/a 1
for i in 1 2 3; do ktgt_tur "$sg" >/dev/null; done
din "INQUIRY to an absent LUN, ALLOCATION LENGTH 5" "$sd1" 120000000500 5
din "REQUEST SENSE to an absent LUN, ALLOCATION LENGTH 4" "$sd1" 030000000400 4

log "SET TARGET PORT GROUPS with its list changing under it, 15 s"
out=$(timeout 120 python3 /tmp/sgcmd.py stpg "$sd" $N 15 2>&1) ||
	fail "STPG loop: status $?: $out"
log "$out"
echo "$out" | grep -Eq '^[0-9]+ (00|02)/' || fail "no STPG answered: $out"
echo "$out" | grep -Ev '^[0-9]+ (00|02)/' | grep -q . &&
	fail "STPG answers other than GOOD or CHECK CONDITION: $out"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
rm -f /etc/modprobe.d/ktgt-local-param.conf
pass
