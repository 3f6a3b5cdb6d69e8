#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# vtape over iSCSI (ktgt_iscsi, open-iscsi over loopback, Linux's st):
# two tar archives separated by a filemark, rewind, fsf 1 reads the
# second back identical, the first too; tell and eod report logical
# object numbers; the sense data of a 512-byte read of a 10240-byte block
# (NO SENSE, ILI, INFORMATION -9728), of a filemark (FILEMARK, 00h/01h)
# and of end of data (BLANK CHECK 00h/05h) cross the transport; a
# 4096-byte read of a 1000-byte block ends with ILI, INFORMATION 3096,
# and its 1000 bytes arrive, with a residual of 3096 (Data-In PDUs
# before the SCSI Response with the CHECK CONDITION); in fixed-block
# mode of 32768 bytes (mt setblk 32768, not the 512 blocksize) tar -b 64
# writes and reads an archive back identical.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

for c in mt tar sg_raw iscsiadm; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

IQN=iqn.2026-11.org.ktgt:vtape
P=$(iscsi_portal 127.0.0.1)

vtape_iscsi "$IQN" /tmp/itape.img
iscsi_ini_start
modprobe st || fail "modprobe st"
iscsi_discover "$P" | grep -q "$IQN" || fail "discovery does not list $IQN"
iscsi_login "$IQN" "$P"
sess=$(iscsi_session_dirs "$IQN" | head -n1)
[ -n "$sess" ] || fail "no session"
host=$(iscsi_session_host "$sess")
sg=$(ktgt_wait_disk -g host="$host" lun=0)
hctl=$(ktgt_find_disk host="$host" lun=0)
expect_eq "$(cat "/sys/class/scsi_device/$hctl/device/type")" 1 \
	"peripheral device type"
st=$(ktgt_wait_st "$hctl") || exit 1
TAPE=/dev/n$st
log "vtape/tp0 over iSCSI is $hctl: $TAPE $sg"

mkfiles /tmp/a 1 90
mkfiles /tmp/b 2 90
na=$(records /tmp/a)
nb=$(records /tmp/b)
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "tar -c A" tar -cf "$TAPE" -b 20 -C /tmp/a .
run_ok "tar -c B" tar -cf "$TAPE" -b 20 -C /tmp/b .
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "mt fsf 1" mt -f "$TAPE" fsf 1
expect_eq "$(mt -f "$TAPE" tell 2>&1)" "At block $((na + 1))." "tell"
mkdir -p /tmp/outa /tmp/outb
run_ok "tar -x B" tar -xf "$TAPE" -b 20 -C /tmp/outb
diff -r /tmp/b /tmp/outb || fail "archive B read back differs"
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "tar -x A" tar -xf "$TAPE" -b 20 -C /tmp/outa
diff -r /tmp/a /tmp/outa || fail "archive A read back differs"
run_ok "mt eod" mt -f "$TAPE" eod
expect_eq "$(mt -f "$TAPE" tell 2>&1)" "At block $((na + nb + 2))." \
	"tell at EOD"

run_ok "mt rewind" mt -f "$TAPE" rewind
expect_eq "$(tsense -R -r 512 "$sg" 08 00 00 02 00 00)" "00/00/00 20 -9728" \
	"READ(6) 512 of a 10240-byte block"
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "mt fsr" mt -f "$TAPE" fsr "$na"
expect_eq "$(tsense -R -r 10240 "$sg" 08 00 00 28 00 00)" \
	"00/00/01 80 10240" "READ(6) of a filemark"
run_ok "mt eod" mt -f "$TAPE" eod
expect_eq "$(tsense -R -r 10240 "$sg" 08 00 00 28 00 00)" \
	"08/00/05 00 10240" "READ(6) at end of data"

# A short block at the end, read back with a larger count.
head -c 1000 /dev/urandom > /tmp/short.blk
expect_eq "$(tsense -s 1000 -i /tmp/short.blk "$sg" 0a 00 00 03 e8 00)" \
	GOOD "WRITE(6) of a 1000-byte block"
expect_eq "$(tsense "$sg" 11 00 ff ff ff 00)" GOOD "SPACE(6) 1 block back"
short=$(python3 - "$sg" /tmp/short.blk <<'PY'
import ctypes, os, sys
sys.path.insert(0, os.path.join(os.environ["KTGT_REPO"], "tests/lib"))
from sgio import SG_DXFER_FROM_DEV, sg_io
ref = open(sys.argv[2], "rb").read()
buf = ctypes.create_string_buffer(4096)
fd = os.open(sys.argv[1], os.O_RDWR)
h, s = sg_io(fd, bytes([0x08, 0, 0, 0x10, 0, 0]), ctypes.addressof(buf),
             4096, SG_DXFER_FROM_DEV)
ili = len(s) > 6 and s[2] & 0x20 and s[0] & 0x80
print("status %02x resid %d ILI %s INFORMATION %s, data %s" % (
    h.status, h.resid, "yes" if ili else "no",
    int.from_bytes(s[3:7], "big") if ili else "-",
    "the block's" if buf.raw[:1000] == ref else "not the block's"))
PY
)
expect_eq "$short" \
	"status 02 resid 3096 ILI yes INFORMATION 3096, data the block's" \
	"READ(6) 4096 of a 1000-byte block over iSCSI"

# Fixed-block mode with a block length that is not the blocksize (512):
# the Data-In/Data-Out of FIXED READ(6)/WRITE(6) is count x 32768.
run_ok "mt setblk 32768" mt -f "$TAPE" setblk 32768
run_ok "mt rewind" mt -f "$TAPE" rewind
run_ok "tar -c -b 64 A" tar -cf "$TAPE" -b 64 -C /tmp/a .
run_ok "mt rewind" mt -f "$TAPE" rewind
rm -rf /tmp/outa64 && mkdir /tmp/outa64
run_ok "tar -x -b 64 A" tar -xf "$TAPE" -b 64 -C /tmp/outa64
diff -r /tmp/a /tmp/outa64 || fail "archive A in 32 KiB fixed blocks differs"
run_ok "mt setblk 0" mt -f "$TAPE" setblk 0

iscsi_ini_stop
ktgt_iscsi_teardown
ktgt_unload_all
pass
