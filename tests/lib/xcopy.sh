# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the EXTENDED COPY tests (spc-sbc-xcopy*.sh,
# sem-pr-xcopy-fence.sh): parameter list pieces as hex, and the outcome
# checks they share. Sourced after ktgt.sh; din needs $T and $sg.

be() { # N BYTES: N big-endian, as hex without spaces
	printf "%0$(($2 * 2))x" "$1"
}

# din LEN CDB...: data-in of a CDB on $sg as hex; GOOD status required.
din() {
	local len=$1 f=$T/din
	shift
	rm -f "$f"
	sg_raw -r "$len" -o "$f" "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $sg $* failed"
	xxd -p "$f" | tr -d '\n'
}

# expect_good WHAT OUTCOME: OUTCOME (ktgt_sense's) must be GOOD.
expect_good() {
	[ "${2%% *}" = status=00 ] || fail "$1: expected GOOD, got $2"
}

# expect_check WHAT SENSE OUTCOME: CHECK CONDITION with SENSE (as
# ktgt_sense_decode gives it).
expect_check() {
	[ "${3%% *}" = status=02 ] ||
		fail "$1: expected CHECK CONDITION, got $3"
	expect_eq "$(ktgt_sense_decode "${3#*sense=}")" "$2" "$1: sense"
}

# tgt NAA [TYPE [BS]]: an identification target descriptor (E4h) of a
# disk of BS-byte blocks (default 512) with NAA designator NAA (32 hex
# digits).
tgt() {
	printf '%s00000001030010%s00000000%s' "${2:-e4}" "$1" "$(be "${3:-512}" 4)"
}

# seg SRC DST NR SLBA DLBA [TYPE]: a block to block segment descriptor.
seg() {
	printf '%s000018%s%s0000%s%s%s' "${6:-02}" "$(be "$1" 2)" \
		"$(be "$2" 2)" "$(be "$3" 2)" "$(be "$4" 8)" "$(be "$5" 8)"
}

# xcopy_sgio SG FILE: EXTENDED COPY(LID1) on SG with FILE as parameter
# list, through SG_IO (tests/lib/sgio.py) with room for 96 bytes of
# sense (sg_raw keeps 32: a COPY ABORTED with a residual, a segment
# pointer or forwarded sense is longer); its outcome as ktgt_sense
# prints it, "status=SS sense=HEX BYTES".
xcopy_sgio() {
	python3 - "$1" "$2" <<'PY'
import ctypes, os, sys
sys.path.insert(0, os.path.join(os.environ["KTGT_REPO"], "tests/lib"))
from sgio import SG_IO, SG_DXFER_TO_DEV, SgIoHdr, libc

data = open(sys.argv[2], "rb").read()
n = len(data)
cdb = bytes([0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0]) + n.to_bytes(4, "big") + \
    bytes(2)
c = (ctypes.c_ubyte * len(cdb))(*cdb)
buf = ctypes.create_string_buffer(data, max(n, 1))
sense = (ctypes.c_ubyte * 96)()
h = SgIoHdr(interface_id=ord("S"), dxfer_direction=SG_DXFER_TO_DEV,
            cmd_len=len(cdb), mx_sb_len=96, dxfer_len=n,
            dxferp=ctypes.addressof(buf), cmdp=ctypes.addressof(c),
            sbp=ctypes.addressof(sense), timeout=60000)
fd = os.open(sys.argv[1], os.O_RDWR)
if libc.ioctl(fd, SG_IO, ctypes.byref(h)):
    sys.exit("SG_IO failed: %s" % os.strerror(ctypes.get_errno()))
print("status=%02x sense=%s" % (h.status,
      " ".join("%02x" % b for b in sense[:h.sb_len_wr])))
PY
}
