#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 500
# ktgt-smp: 2
#
# MODE SELECTs of one device running at once do not lose each other's
# changes: MODE SELECT rewrites every changeable parameter of the device
# from the values it read (those of the pages it did not send unchanged),
# so it must read and write them as one step. Two processes, each with
# its own sg fd on the same disk (SIMPLE tasks the engine runs on
# several workers), send back to back through SG_IO (tests/lib/sgio.py):
# one MODE SELECT of the caching page toggling WCE, the other of the
# control page toggling D_SENSE, each followed by a MODE SENSE of its own
# page that must show the value it just set (the other process never
# means to change it). At the end MODE SENSE shows both last values.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

need_cpus 2 "MODE SELECTs executing at once"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
ktgt_mkdev vdisk_nullio/mr0 size=$((16 << 20))
ktgt_mktarget local/mr
ktgt_maplun local/mr 0 vdisk_nullio/mr0
ktgt_enable local/mr
host=$(ktgt_local_host mr)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
[ -n "$sg" ] || fail "no sg device"
log "LUN 0 is $sg"
for _ in 1 2 3 4; do
	[[ "$(ktgt_tur "$sg")" == "02 06/"* ]] || break
done

T=$(mktemp -d /tmp/spc-race.XXXXXX) || fail "mktemp"

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
cat > "$T/race.py" <<'PYEOF'
import ctypes, os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from sgio import sg_io, SG_DXFER_TO_DEV, SG_DXFER_FROM_DEV

sg, secs = sys.argv[1], float(sys.argv[2])
# page code, page length (header included), byte, bit of the field
PAGES = {"wce": (0x08, 20, 2, 0x04), "dsense": (0x0a, 12, 2, 0x04)}


def sense_page(fd, buf, code, n):
    cdb = [0x5a, 0x08, code, 0, 0, 0, 0, 0, 8 + n, 0]   # DBD = 1
    h, s = sg_io(fd, cdb, ctypes.addressof(buf), 8 + n, SG_DXFER_FROM_DEV)
    if h.status or h.host_status or h.driver_status:
        sys.exit("MODE SENSE %02x: status %02x sense %s" %
                 (code, h.status, s.hex()))
    return bytes(buf[8:8 + n])


def hammer(name):
    code, n, byte, bit = PAGES[name]
    fd = os.open(sg, os.O_RDWR)
    buf = (ctypes.c_ubyte * 64)()
    page = bytearray(sense_page(fd, buf, code, n))
    page[0] &= 0x3f                                # PS is reserved
    end, i, lost = time.time() + secs, 0, 0
    while time.time() < end:
        i += 1
        on = i & 1
        page[byte] = (page[byte] & ~bit) | (bit if on else 0)
        data = bytes(8) + bytes(page)
        ctypes.memmove(buf, data, len(data))
        cdb = [0x55, 0x10, 0, 0, 0, 0, 0, 0, len(data), 0]  # PF = 1
        h, s = sg_io(fd, cdb, ctypes.addressof(buf), len(data),
                     SG_DXFER_TO_DEV)
        if h.status or h.host_status or h.driver_status:
            sys.exit("%s: MODE SELECT: status %02x sense %s" %
                     (name, h.status, s.hex()))
        got = sense_page(fd, buf, code, n)[byte] & bit
        if bool(got) != bool(on):
            lost += 1
            if lost <= 5:
                print("%s: round %d set %d, MODE SENSE shows %d" %
                      (name, i, on, int(bool(got))), flush=True)
    print("%s: %d rounds, %d lost, last %d" % (name, i, lost, i & 1),
          flush=True)
    os._exit(1 if lost else 0)


pids = []
for name in PAGES:
    pid = os.fork()
    if pid == 0:
        try:
            hammer(name)
        except SystemExit as e:
            print(e, flush=True)
            os._exit(2)
    pids.append(pid)
bad = 0
for pid in pids:
    _, st = os.waitpid(pid, 0)
    bad |= st
sys.exit(1 if bad else 0)
PYEOF

log "two processes: MODE SELECT WCE / D_SENSE back to back for 40 s"
out=$(python3 "$T/race.py" "$sg" 40 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] ||
	fail "concurrent MODE SELECTs lost changes: $(echo "$out" | tr '\n' ' ')"
wce=$(sed -n 's/^wce: .* last \([01]\)$/\1/p' <<< "$out")
ds=$(sed -n 's/^dsense: .* last \([01]\)$/\1/p' <<< "$out")
if [ -z "$wce" ] || [ -z "$ds" ]; then
	fail "no result: $out"
fi
# MODE SENSE(10) DBD of the caching and the control page.
cache=$(din "$sg" 28 5a 08 08 00 00 00 00 00 1c 00)
ctl=$(din "$sg" 20 5a 08 0a 00 00 00 00 00 14 00)
expect_eq "$(( (16#${cache:20:2} >> 2) & 1 ))" "$wce" "final WCE"
expect_eq "$(( (16#${ctl:20:2} >> 2) & 1 ))" "$ds" "final D_SENSE"

rm -rf "$T"
ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass "concurrent MODE SELECTs keep each other's changes"
