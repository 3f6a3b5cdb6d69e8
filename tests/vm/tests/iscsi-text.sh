#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# Multi-PDU Text and Login exchanges (RFC 7143 6.1, 11.10-11.13), from a
# raw initiator (the Python program below), against ktgt-iscsid (login,
# discovery session) and ktgt_iscsi.ko (Text in the full-feature phase):
# with 30 targets of long names and MaxRecvDataSegmentLength=512,
# SendTargets=All comes in several Text Responses of at most 512 bytes,
# each but the last with C=1, F=0 and a Target Transfer Tag the empty
# follow-up request echoes, the last with F=1 and TTT 0xffffffff, and the
# pieces reassemble to every target and portal; a Text Request sent in
# several C-bit PDUs is acknowledged by empty responses (F=0, a TTT) and
# then answered; a new request (another ITT, TTT 0xffffffff) in the
# middle of a long answer starts over, and the stale TTT then gets a
# Reject (invalid PDU field); a request accumulating past the target's
# bound gets a Reject (out of resources), one log line, and the
# connection keeps working. After the login, MaxRecvDataSegmentLength
# may be declared anew (1024: the answer pieces grow to it; 100: Reject),
# a vendor key gets NotUnderstood, a login-only key Reject and a malformed
# request a Reject (protocol error). In the login phase, a first Login Request
# sent in two C-bit PDUs is acknowledged with an empty response and
# consecutive StatSNs, and a Login Response longer than the declared
# MaxRecvDataSegmentLength (NotUnderstood for 40 unknown keys) comes in
# C-bit pieces. Finally open-iscsi's iscsiadm discovery lists every
# target, also with a 512-byte MaxRecvDataSegmentLength.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
trap iscsi_cleanup EXIT
NT=30
printf -v pad '%180s' ''
pad=${pad// /x}
targets=()
for ((i = 0; i < NT; i++)); do
	targets+=("$(printf 'iqn.2026-11.org.ktgt:text-%02d-%s' "$i" "$pad")")
done

iscsi_tgt_setup
iscsi_tgt_mkdisk t0 /tmp/t0.img 16M
iscsi_tgt_mktarget "${targets[0]}" 127.0.0.1
iscsi_tgt_maplun "${targets[0]}" 0 t0
iscsi_tgt_enable "${targets[0]}"
# The other targets as the helpers would make them, in one process (a
# process costs much under TCG).
python3 - "$KTGT_CFS" "${targets[@]:1}" <<'EOF' || fail "creating $NT targets"
import os, sys
cfs = sys.argv[1]
for t in sys.argv[2:]:
    d = "%s/targets/iscsi/%s" % (cfs, t)
    os.mkdir(d)
    os.mkdir(d + "/portals/127.0.0.1:3260")
    os.mkdir(d + "/luns/0")
    os.symlink(cfs + "/handlers/vdisk_fileio/t0", d + "/luns/0/device")
    with open(d + "/enable", "w") as f:
        f.write("1")
EOF
for t in "${targets[@]}"; do
	echo "$t $(< "$KTGT_CFS/targets/iscsi/$t/tpgt")"
done > /tmp/targets.txt

cat > /tmp/text.py <<'EOF'
import socket, struct, sys

INI = "iqn.2026-11.org.ktgt:text-initiator"
TARGETS = [l.split() for l in open(sys.argv[1]) if l.strip()]
MRDSL = 512
RSVD = 0xffffffff

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

def pad(n):
    return (4 - n % 4) % 4

def u32(b, off):
    return struct.unpack(">I", bytes(b[off:off + 4]))[0]

class Conn:
    def __init__(self, isid):
        self.s = socket.create_connection(("127.0.0.1", 3260), timeout=20)
        self.isid = isid
        self.itt = 0x100
        self.cmdsn = 1
        self.expstatsn = 0
        self.mrdsl = MRDSL
        self.biggest = 0

    def next_itt(self):
        self.itt += 1
        return self.itt

    def recvall(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError("connection closed")
            b += c
        return b

    def send(self, bhs, data=b""):
        bhs = bytearray(bhs)
        bhs[5:8] = struct.pack(">I", len(data))[1:]
        bhs[28:32] = struct.pack(">I", self.expstatsn)
        self.s.sendall(bytes(bhs) + data + b"\0" * pad(len(data)))

    def recv(self):
        while True:
            bhs = self.recvall(48)
            dlen = struct.unpack(">I", b"\0" + bhs[5:8])[0]
            data = self.recvall(dlen + pad(dlen))[:dlen]
            op = bhs[0] & 0x3f
            if op != 0x25:
                self.expstatsn = u32(bhs, 24) + 1
            if op == 0x20 and u32(bhs, 16) == RSVD:
                # a keepalive ping: answer it
                out = bytearray(48)
                out[0] = 0x40
                out[1] = 0x80
                out[16:20] = struct.pack(">I", RSVD)
                out[20:24] = bhs[20:24]
                out[24:28] = struct.pack(">I", self.cmdsn)
                self.send(out)
                continue
            return bhs, data

    def login_pdu(self, stage, transit, nsg, data, cont=False):
        bhs = bytearray(48)
        bhs[0] = 0x43
        bhs[1] = (0x80 | nsg if transit else 0) | (0x40 if cont else 0) | (stage << 2)
        bhs[8:14] = struct.pack(">Q", self.isid)[2:]
        bhs[16:20] = struct.pack(">I", 0x77)
        bhs[24:28] = struct.pack(">I", self.cmdsn)
        self.send(bhs, data)

    def login_rsp(self, what, limit):
        """A whole login response: C-bit pieces are asked for and joined."""
        data = b""
        pieces = 0
        while True:
            rsp = self.recvall(48)
            dlen = struct.unpack(">I", b"\0" + rsp[5:8])[0]
            d = self.recvall(dlen + pad(dlen))[:dlen]
            if rsp[0] & 0x3f != 0x23 or rsp[36] != 0:
                fail("%s: login refused: class %d detail %d %r" % (what, rsp[36], rsp[37], d))
            sn = u32(rsp, 24)
            if self.expstatsn and sn != self.expstatsn:
                fail("%s: StatSN %d, expected %d" % (what, sn, self.expstatsn))
            self.expstatsn = sn + 1
            if dlen > limit:
                fail("%s: login response of %d bytes, MaxRecvDataSegmentLength %d" %
                     (what, dlen, limit))
            data += d
            pieces += 1
            if not rsp[1] & 0x40:
                return rsp, data, pieces
            if rsp[1] & 0x80:
                fail("%s: login response with both C and T" % what)
            # C=1: an empty request asks for the rest
            self.login_pdu((rsp[1] >> 2) & 3, False, 0, b"")

    def login(self, target=None, extra=(), split_first=False):
        k0 = [("InitiatorName", INI), ("SessionType", "Normal" if target else "Discovery"),
              ("AuthMethod", "None")]
        if target:
            k0.append(("TargetName", target))
        d0 = b"".join(("%s=%s" % kv).encode() + b"\0" for kv in k0)
        if split_first:
            # the first request in two PDUs, cut inside a key
            self.login_pdu(0, False, 0, d0[:9], cont=True)
            rsp = self.recvall(48)
            dlen = struct.unpack(">I", b"\0" + rsp[5:8])[0]
            self.recvall(dlen + pad(dlen))
            if rsp[0] & 0x3f != 0x23 or rsp[36] != 0 or dlen or rsp[1] & 0xc0:
                fail("C-bit login request: response op 0x%02x flags 0x%02x status %d/%d dlen %d" %
                     (rsp[0] & 0x3f, rsp[1], rsp[36], rsp[37], dlen))
            self.expstatsn = u32(rsp, 24) + 1
            self.login_pdu(0, True, 1, d0[9:])
        else:
            self.login_pdu(0, True, 1, d0)
        rsp, _, _ = self.login_rsp("security stage", 8192)
        ops = [("HeaderDigest", "None"), ("DataDigest", "None"),
               ("MaxRecvDataSegmentLength", str(MRDSL))]
        if target:
            ops += [("InitialR2T", "Yes"), ("ImmediateData", "Yes"),
                    ("FirstBurstLength", "65536"), ("MaxBurstLength", "262144"),
                    ("MaxConnections", "1"), ("ErrorRecoveryLevel", "0"),
                    ("MaxOutstandingR2T", "1"), ("DefaultTime2Wait", "2"),
                    ("DefaultTime2Retain", "20"), ("DataPDUInOrder", "Yes"),
                    ("DataSequenceInOrder", "Yes")]
        ops += list(extra)
        data = b"".join(("%s=%s" % kv).encode() + b"\0" for kv in ops)
        answer = b""
        for step in range(4):
            self.login_pdu(1, True, 3, data)
            rsp, d, pieces = self.login_rsp("operational stage", MRDSL)
            answer += d
            if rsp[1] & 0x80 and rsp[1] & 3 == 3:
                self.cmdsn = u32(rsp, 28)
                return answer, pieces
            data = b""
        fail("login did not reach the full-feature phase")

    def text_req(self, itt, ttt, data, final=True, cont=False):
        bhs = bytearray(48)
        bhs[0] = 0x04
        bhs[1] = (0x80 if final else 0) | (0x40 if cont else 0)
        bhs[16:20] = struct.pack(">I", itt)
        bhs[20:24] = struct.pack(">I", ttt)
        bhs[24:28] = struct.pack(">I", self.cmdsn)
        self.cmdsn += 1
        self.send(bhs, data)

    def expect_text(self, itt, what):
        bhs, data = self.recv()
        if bhs[0] & 0x3f != 0x24:
            fail("%s: expected a Text Response, got opcode 0x%02x reason 0x%02x" %
                 (what, bhs[0] & 0x3f, bhs[2]))
        if u32(bhs, 16) != itt:
            fail("%s: Text Response for ITT 0x%x, expected 0x%x" % (what, u32(bhs, 16), itt))
        return bhs, data

    def expect_reject(self, reason, what):
        bhs, data = self.recv()
        if bhs[0] & 0x3f != 0x3f:
            fail("%s: expected a Reject, got opcode 0x%02x" % (what, bhs[0] & 0x3f))
        if bhs[2] != reason:
            fail("%s: Reject reason 0x%02x, expected 0x%02x" % (what, bhs[2], reason))

    def text(self, req, what, pieces=1, first_only=False):
        """Send @req in @pieces C-bit PDUs; return the reassembled answer
        and the number of Text Responses it came in."""
        itt = self.next_itt()
        ttt = RSVD
        self.biggest = 0
        step = (len(req) + pieces - 1) // pieces
        parts = [req[i:i + step] for i in range(0, len(req), step)]
        for i, p in enumerate(parts[:-1]):
            self.text_req(itt, ttt, p, final=False, cont=True)
            bhs, d = self.expect_text(itt, "%s: C-bit piece %d" % (what, i))
            if d or bhs[1] & 0xc0 or u32(bhs, 20) == RSVD:
                fail("%s: C-bit piece %d answered with flags 0x%02x TTT 0x%x %d bytes, "
                     "expected an empty F=0 response with a TTT" %
                     (what, i, bhs[1], u32(bhs, 20), len(d)))
            ttt = u32(bhs, 20)
        self.text_req(itt, ttt, parts[-1])
        data = b""
        n = 0
        while True:
            bhs, d = self.expect_text(itt, "%s: response %d" % (what, n))
            n += 1
            if len(d) > self.mrdsl:
                fail("%s: Text Response of %d bytes, MaxRecvDataSegmentLength %d" %
                     (what, len(d), self.mrdsl))
            self.biggest = max(self.biggest, len(d))
            data += d
            flags, rttt = bhs[1], u32(bhs, 20)
            if flags & 0x40:
                if flags & 0x80 or rttt == RSVD:
                    fail("%s: C=1 response with flags 0x%02x TTT 0x%x" % (what, flags, rttt))
                if first_only:
                    return itt, rttt, data
                self.text_req(itt, rttt, b"")
                continue
            if not flags & 0x80 or rttt != RSVD:
                fail("%s: last response with flags 0x%02x TTT 0x%x" % (what, flags, rttt))
            return data, n

def check_st(data, what, only=None):
    """Every target (or @only) once, each followed by its one portal."""
    pairs = [p.decode() for p in data.split(b"\0") if p]
    got = {}
    name = None
    for p in pairs:
        k, _, v = p.partition("=")
        if k == "TargetName":
            if v in got:
                fail("%s: %s listed twice" % (what, v))
            name = v
            got[name] = []
        elif k == "TargetAddress" and name:
            got[name].append(v)
        else:
            fail("%s: unexpected pair %r" % (what, p[:60]))
    want = {n: ["127.0.0.1:3260," + t] for n, t in TARGETS if not only or n == only}
    if not data.endswith(b"\0") or got != want:
        fail("%s: SendTargets answer differs: %d targets, expected %d" %
             (what, len(got), len(want)))

def session(c, what):
    # (a) a long SendTargets=All answer in pieces
    data, n = c.text(b"SendTargets=All\0", what + " SendTargets=All")
    check_st(data, what)
    if n < 2 or len(data) <= MRDSL:
        fail("%s: %d bytes in %d PDU(s)" % (what, len(data), n))
    print("%s: SendTargets=All, %d bytes in %d PDUs OK" % (what, len(data), n))
    # (b) the request in C-bit pieces, cut inside the key and the value
    data, n = c.text(b"SendTargets=All\0", what + " split request", pieces=3)
    check_st(data, what + " split request")
    print("%s: request in 3 C-bit PDUs OK (answer in %d)" % (what, n))
    # a new request (new ITT, TTT 0xffffffff) in the middle of an answer
    old_itt, old_ttt, first = c.text(b"SendTargets=All\0", what + " interrupted", first_only=True)
    one = TARGETS[3][0]
    data, n = c.text(("SendTargets=%s\0" % one).encode(), what + " after reset")
    check_st(data, what + " after reset", only=one)
    c.text_req(old_itt, old_ttt, b"")
    c.expect_reject(0x09, what + " stale TTT")
    print("%s: reset by a new request, stale TTT rejected OK" % what)
    # (c) a request growing past the bound: Reject, connection kept
    itt = c.next_itt()
    ttt = RSVD
    chunk = b"X-org.ktgt.pad=" + b"y" * 4000 + b"\0"
    for i in range(100):
        c.text_req(itt, ttt, chunk, final=False, cont=True)
        bhs, d = c.recv()
        op = bhs[0] & 0x3f
        if op == 0x3f:
            if bhs[2] != 0x0a:
                fail("%s: over-long request: Reject reason 0x%02x" % (what, bhs[2]))
            break
        if op != 0x24 or d or u32(bhs, 20) == RSVD:
            fail("%s: over-long request, piece %d: opcode 0x%02x" % (what, i, op))
        ttt = u32(bhs, 20)
    else:
        fail("%s: %d bytes of text request accepted" % (what, 100 * len(chunk)))
    if i * len(chunk) < 16384:
        fail("%s: request refused after only %d bytes" % (what, (i + 1) * len(chunk)))
    data, n = c.text(("SendTargets=%s\0" % one).encode(), what + " after the refusal")
    check_st(data, what + " after the refusal", only=one)
    print("%s: over-long request refused after %d bytes OK" % (what, (i + 1) * len(chunk)))
    # (d) other keys after the login (RFC 7143 6.2, 13): a new
    # MaxRecvDataSegmentLength takes effect without an answer, a vendor key
    # is NotUnderstood, a login-only key Reject, a bad value Reject, a
    # malformed request a Reject (protocol error) with the connection kept
    data, n = c.text(b"MaxRecvDataSegmentLength=1024\0X-org.ktgt.v=1\0InitialR2T=No\0",
                     what + " full-feature keys")
    if data != b"X-org.ktgt.v=NotUnderstood\0InitialR2T=Reject\0":
        fail("%s: full-feature keys answered %r" % (what, data))
    c.mrdsl = 1024
    data, n = c.text(b"SendTargets=All\0", what + " SendTargets after MaxRecvDataSegmentLength=1024")
    check_st(data, what + " SendTargets after MaxRecvDataSegmentLength=1024")
    biggest = c.biggest
    if biggest <= MRDSL:
        fail("%s: Text Responses of at most %d bytes after MaxRecvDataSegmentLength=1024" %
             (what, biggest))
    data, n = c.text(b"MaxRecvDataSegmentLength=100\0", what + " MaxRecvDataSegmentLength=100")
    if data != b"MaxRecvDataSegmentLength=Reject\0":
        fail("%s: MaxRecvDataSegmentLength=100 answered %r" % (what, data))
    c.text_req(c.next_itt(), RSVD, b"NoEqualSign\0")
    c.expect_reject(0x04, what + " malformed request")
    data, n = c.text(b"MaxRecvDataSegmentLength=%d\0" % MRDSL, what + " MaxRecvDataSegmentLength back")
    c.mrdsl = MRDSL
    if data:
        fail("%s: MaxRecvDataSegmentLength declared again answered %r" % (what, data))
    print("%s: full-feature keys, MaxRecvDataSegmentLength 1024 (pieces up to %d) OK" %
          (what, biggest))

    lo = bytearray(48)
    lo[0] = 0x46
    lo[1] = 0x80
    lo[16:20] = struct.pack(">I", c.next_itt())
    lo[24:28] = struct.pack(">I", c.cmdsn)
    c.send(lo)
    bhs, _ = c.recv()
    if bhs[0] & 0x3f != 0x26 or bhs[2] != 0:
        fail("%s: logout: opcode 0x%02x response %d" % (what, bhs[0] & 0x3f, bhs[2]))

# discovery session (ktgt-iscsid), login request in C-bit PDUs and a long
# login response (NotUnderstood for 40 unknown keys) in C-bit pieces
unknown = [("X-org.ktgt.unknown-key-%02d" % i, "v") for i in range(40)]
c = Conn(0x400000000101)
answer, pieces = c.login(extra=unknown, split_first=True)
nu = [p for p in answer.split(b"\0") if p.endswith(b"=NotUnderstood")]
if len(nu) != 40 or pieces < 2:
    fail("login response: %d NotUnderstood in %d PDU(s), expected 40 in several" %
         (len(nu), pieces))
print("login: response of %d bytes in %d PDUs OK" % (len(answer), pieces))
session(c, "discovery")

# normal session (ktgt_iscsi.ko)
c = Conn(0x400000000102)
c.login(target=TARGETS[0][0])
session(c, "kernel")
print("ALL OK")
EOF

out=$(python3 /tmp/text.py /tmp/targets.txt 2>&1)
echo "$out"
echo "$out" | grep -q "^ALL OK$" || fail "raw initiator: $(echo "$out" | tail -n 3)"
grep -q "text request too long" "$ISCSI_LOG/ktgt-iscsid.log" ||
	fail "no log line from ktgt-iscsid for the over-long request"
dmesg | grep -q "ktgt_iscsi: .*text request too long" ||
	fail "no kernel log line for the over-long request"

# (d) open-iscsi sees every target, in one PDU and in 512-byte pieces
iscsi_ini_start
for mrdsl in 32768 512; do
	iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o delete > /dev/null 2>&1
	out=$(iscsi_discover 127.0.0.1:3260 -- \
		discovery.sendtargets.iscsi.MaxRecvDataSegmentLength=$mrdsl)
	while read -r t tpgt; do
		grep -qxF "127.0.0.1:3260,$tpgt $t" <<< "$out" ||
			fail "iscsiadm discovery (MaxRecvDataSegmentLength $mrdsl): $t missing"
	done < /tmp/targets.txt
	expect_eq "$(wc -l <<< "$out")" "$NT" "iscsiadm discovery lines ($mrdsl)"
	log "iscsiadm discovery with MaxRecvDataSegmentLength $mrdsl: $NT targets"
done
iscsi_ini_stop
# The targets go in one process too (the EXIT trap's cleanup forks a lot).
python3 - "$KTGT_CFS" "${targets[@]}" <<'EOF' || fail "removing $NT targets"
import os, sys
cfs = sys.argv[1]
for t in sys.argv[2:]:
    d = "%s/targets/iscsi/%s" % (cfs, t)
    with open(d + "/enable", "w") as f:
        f.write("0")
    os.rmdir(d + "/portals/127.0.0.1:3260")
    os.unlink(d + "/luns/0/device")
    os.rmdir(d + "/luns/0")
    os.rmdir(d)
EOF
pass "multi-PDU text and login"
