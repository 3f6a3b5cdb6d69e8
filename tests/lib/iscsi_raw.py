# SPDX-License-Identifier: GPL-2.0
#
# A raw iSCSI initiator for the VM tests that check ktgt_iscsi PDU by
# PDU (RFC 7143): login through ktgt-iscsid without authentication, then
# SCSI Command, Data-Out, NOP-Out, Task Management, Text and Logout PDUs
# built by hand, and the target's PDUs read back one at a time. No error
# recovery: any surprise ends the test with fail().
#
# Use from a guest script:
#   sys.dont_write_bytecode = True
#   sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
#   from iscsi_raw import *
#   configure(target_iqn)
#   c = Conn(0x400000000001); c.login()

import os
import socket
import struct
import sys
import time

PORTAL = ("127.0.0.1", 3260)
IQN = None
INI = "iqn.2026-11.org.ktgt:raw-initiator"

RESERVED_TAG = 0xffffffff

# Keys a target declares in a login: no answer.
DECLARATIVE = ("MaxRecvDataSegmentLength", "TargetPortalGroupTag",
               "TargetAlias", "TargetAddress")


def configure(iqn, ini=None, portal=None):
    """The target (and optionally the initiator name, portal) to log in to."""
    global IQN, INI, PORTAL
    IQN = iqn
    if ini:
        INI = ini
    if portal:
        PORTAL = portal


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def recvall(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed")
        b += c
    return b


def pad(n):
    return (4 - n % 4) % 4


def be32(b, off):
    return struct.unpack(">I", bytes(b[off:off + 4]))[0]


# A 6-byte TEST UNIT READY, and READ(10)/WRITE(10) of n blocks at lba.
tur = bytes([0] * 6)


def rw10(op, lba, n):
    return bytes([op, 0]) + struct.pack(">I", lba) + bytes([0]) + \
        struct.pack(">H", n) + bytes([0])


class Conn:
    def __init__(self, isid, tsih=0, cid=0, timeout=20, rcvbuf=None):
        if rcvbuf:
            # SO_RCVBUF before connect() bounds the window announced.
            fam, typ, proto, _, addr = socket.getaddrinfo(
                PORTAL[0], PORTAL[1], type=socket.SOCK_STREAM)[0]
            self.s = socket.socket(fam, typ, proto)
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.s.settimeout(timeout)
            self.s.connect(addr)
        else:
            self.s = socket.create_connection(PORTAL, timeout=timeout)
        self.isid, self.tsih, self.cid = isid, tsih, cid
        self.itt = 0x1000 * (cid + 1)
        self.expstatsn = 0
        self.cmdsn = 1

    def send(self, bhs, data=b""):
        bhs = bytearray(bhs)
        bhs[5:8] = struct.pack(">I", len(data))[1:]
        self.s.sendall(bytes(bhs) + data + b"\0" * pad(len(data)))

    raw = send

    def recv(self):
        bhs = recvall(self.s, 48)
        dlen = struct.unpack(">I", b"\0" + bhs[5:8])[0]
        data = recvall(self.s, dlen + pad(dlen))[:dlen]
        op = bhs[0] & 0x3f
        if op in (0x21, 0x22, 0x24, 0x26, 0x3f, 0x32, 0x20) or \
           (op == 0x25 and bhs[1] & 1):
            self.expstatsn = be32(bhs, 24) + 1
        self.expcmdsn, self.maxcmdsn = struct.unpack(">II", bhs[28:36])
        return bhs, data

    def is_ping(self, bhs):
        """A target-initiated NOP-In (keepalive) that wants an answer."""
        return bhs[0] & 0x3f == 0x20 and be32(bhs, 16) == RESERVED_TAG

    def recv_op(self, op, what):
        """The next PDU of opcode op, answering keepalives meanwhile."""
        while True:
            bhs, data = self.recv()
            got = bhs[0] & 0x3f
            if op != 0x20 and self.is_ping(bhs):
                self.answer_nop(bhs)
                continue
            if got != op:
                fail("%s: expected opcode 0x%02x, got 0x%02x (byte2 0x%02x)"
                     % (what, op, got, bhs[2]))
            return bhs, data

    def answer_nop(self, bhs):
        out = bytearray(48)
        out[0] = 0x40
        out[1] = 0x80
        out[16:20] = struct.pack(">I", RESERVED_TAG)
        out[20:24] = bhs[20:24]
        out[24:28] = struct.pack(">I", self.cmdsn)
        out[28:32] = struct.pack(">I", self.expstatsn)
        self.send(out)

    def login(self, params=None, answers=None, refusal=False):
        """Log in: a new session (TSIH 0) or a connection added to the
        session self.tsih. params: operational keys added to the
        defaults, or replacing them (a value None leaves a key out); a
        connection added to a session sends only the digests and
        MaxRecvDataSegmentLength of the defaults, and params. Keys the
        target offers itself are answered with the value offered, or
        with answers[key]. The target's operational keys end up in
        self.login_keys. A refused login fails the test, unless
        refusal is True: then it returns (status class, detail) (None
        once logged in)."""
        keys = {"InitiatorName": INI, "TargetName": IQN,
                "SessionType": "Normal", "AuthMethod": "None"}
        stage = 0
        cmdsn = 1
        sent = set()
        self.login_keys = {}
        for step in range(6):
            bhs = bytearray(48)
            bhs[0] = 0x43
            nsg = 1 if stage == 0 else 3
            bhs[1] = 0x80 | (stage << 2) | nsg
            bhs[8:14] = struct.pack(">Q", self.isid)[2:]
            bhs[14:16] = struct.pack(">H", self.tsih)
            bhs[16:20] = struct.pack(">I", 0x77)
            bhs[20:22] = struct.pack(">H", self.cid)
            bhs[24:28] = struct.pack(">I", cmdsn)
            bhs[28:32] = struct.pack(">I", self.expstatsn)
            if stage == 0:
                kv = keys
            elif sent:
                # Answers to what the target offered meanwhile.
                kv = {k: (answers or {}).get(k, v)
                      for k, v in self.login_keys.items()
                      if k not in sent and k not in DECLARATIVE}
            else:
                kv = {"HeaderDigest": "None", "DataDigest": "None",
                      "MaxRecvDataSegmentLength": "8192",
                      "InitialR2T": "Yes", "ImmediateData": "Yes",
                      "FirstBurstLength": "65536",
                      "MaxBurstLength": "262144", "MaxConnections": "2",
                      "ErrorRecoveryLevel": "0", "MaxOutstandingR2T": "1",
                      "DefaultTime2Wait": "2", "DefaultTime2Retain": "20",
                      "DataPDUInOrder": "Yes",
                      "DataSequenceInOrder": "Yes"}
                if self.tsih:
                    kv = {k: v for k, v in kv.items()
                          if k in ("HeaderDigest", "DataDigest",
                                   "MaxRecvDataSegmentLength")}
                if params:
                    kv.update(params)
                kv = {k: v for k, v in kv.items() if v is not None}
            if stage != 0:
                sent.update(kv)
            data = b"".join(("%s=%s" % (k, v)).encode() + b"\0"
                            for k, v in kv.items())
            self.send(bhs, data)
            rsp = recvall(self.s, 48)
            dlen = struct.unpack(">I", b"\0" + rsp[5:8])[0]
            rdata = recvall(self.s, dlen + pad(dlen))[:dlen]
            if rsp[0] & 0x3f != 0x23 or rsp[36] != 0:
                if refusal and rsp[0] & 0x3f == 0x23:
                    return rsp[36], rsp[37]
                fail("login refused: class %d detail %d %r"
                     % (rsp[36], rsp[37], rdata))
            if stage != 0:
                for p in rdata.split(b"\0"):
                    k, _, v = p.decode(errors="replace").partition("=")
                    if k:
                        self.login_keys[k] = v
            self.expstatsn = be32(rsp, 24) + 1
            self.cmdsn = be32(rsp, 28)
            self.expcmdsn, self.maxcmdsn = struct.unpack(">II", rsp[28:36])
            if rsp[1] & 0x80:
                if (rsp[1] & 3) == 3:
                    self.tsih = struct.unpack(">H", rsp[14:16])[0]
                    return None
                stage = rsp[1] & 3
        fail("login did not reach the full-feature phase")

    def next_itt(self):
        self.itt += 1
        return self.itt

    def take_cmdsn(self, cmdsn, immediate):
        """The CmdSN to send: cmdsn if given, else the next one, which a
        non-immediate PDU consumes."""
        if cmdsn is not None:
            return cmdsn
        cmdsn = self.cmdsn
        if not immediate:
            self.cmdsn += 1
        return cmdsn

    def scsi(self, cdb, edtl, read=False, write=False, imm=b"", final=True,
             cmdsn=None, send_only=False, lun=0, itt=None, attr=1):
        """A SCSI Command PDU; attr is its ATTR field (0 untagged, 1
        SIMPLE, 2 ORDERED, 3 HEAD OF QUEUE, 4 ACA). Returns its ITT."""
        if itt is None:
            itt = self.next_itt()
        bhs = bytearray(48)
        bhs[0] = 0x01
        bhs[1] = (0x80 if final else 0) | (0x40 if read else 0) | \
            (0x20 if write else 0) | (attr & 7)
        bhs[8:10] = struct.pack(">H", lun)
        bhs[16:20] = struct.pack(">I", itt)
        bhs[20:24] = struct.pack(">I", edtl)
        bhs[24:28] = struct.pack(">I", self.take_cmdsn(cmdsn, False))
        bhs[28:32] = struct.pack(">I", self.expstatsn)
        bhs[32:32 + len(cdb)] = cdb
        self.send(bhs, imm)
        return itt

    def response(self, itt, what):
        """Data-In up to the status, an R2T, or a SCSI Response for itt:
        (status or None for an R2T, data read, last BHS, sense data)."""
        data = b""
        while True:
            bhs, d = self.recv()
            op = bhs[0] & 0x3f
            if self.is_ping(bhs):
                self.answer_nop(bhs)
                continue
            if be32(bhs, 16) != itt:
                fail("%s: response for ITT 0x%x, expected 0x%x (op 0x%02x)"
                     % (what, be32(bhs, 16), itt, op))
            if op == 0x25:
                off = be32(bhs, 40)
                if off != len(data):
                    fail("%s: Data-In offset %d, expected %d"
                         % (what, off, len(data)))
                data += d
                if bhs[1] & 1:
                    return bhs[3], data, bhs, b""
                continue
            if op == 0x21:
                return bhs[3], data, bhs, d
            if op == 0x31:
                return None, data, bhs, d
            fail("%s: unexpected opcode 0x%02x" % (what, op))

    def nop_send(self, payload=b"ping", immediate=True, cmdsn=None):
        """A NOP-Out ping (ITT valid, TTT reserved); returns its ITT."""
        itt = self.next_itt()
        bhs = bytearray(48)
        bhs[0] = 0x40 if immediate else 0x00
        bhs[1] = 0x80
        bhs[16:20] = struct.pack(">I", itt)
        bhs[20:24] = struct.pack(">I", RESERVED_TAG)
        bhs[24:28] = struct.pack(">I", self.take_cmdsn(cmdsn, immediate))
        bhs[28:32] = struct.pack(">I", self.expstatsn)
        self.send(bhs, payload)
        return itt

    def nop(self, payload=b"ping"):
        itt = self.nop_send(payload)
        rsp, data = self.recv_op(0x20, "NOP-In")
        if be32(rsp, 16) != itt or data != payload:
            fail("NOP-In does not echo the ping: %r" % data)

    def tmf_send(self, fn, lun=0, rtt=RESERVED_TAG, refcmdsn=0,
                 immediate=True, cmdsn=None):
        """A Task Management Function Request; returns its ITT."""
        b = bytearray(48)
        b[0] = 0x42 if immediate else 0x02
        b[1] = 0x80 | fn
        b[8:10] = struct.pack(">H", lun)
        itt = self.next_itt()
        b[16:20] = struct.pack(">I", itt)
        b[20:24] = struct.pack(">I", rtt)
        b[24:28] = struct.pack(">I", self.take_cmdsn(cmdsn, immediate))
        b[28:32] = struct.pack(">I", self.expstatsn)
        b[32:36] = struct.pack(">I", refcmdsn)
        self.send(b)
        return itt

    def text_send(self, data, immediate=True, cmdsn=None, ttt=RESERVED_TAG,
                  cont=False):
        """A Text Request carrying data (key=value pairs, each ending in
        a NUL), with the F bit unless cont (then the C bit); returns its
        ITT."""
        b = bytearray(48)
        b[0] = 0x44 if immediate else 0x04
        b[1] = 0x40 if cont else 0x80
        itt = self.next_itt()
        b[16:20] = struct.pack(">I", itt)
        b[20:24] = struct.pack(">I", ttt)
        b[24:28] = struct.pack(">I", self.take_cmdsn(cmdsn, immediate))
        b[28:32] = struct.pack(">I", self.expstatsn)
        self.send(b, data)
        return itt

    def tmf(self, fn, lun=0, rtt=RESERVED_TAG, refcmdsn=0, cmdsn=None,
            what=None):
        """An immediate TMF and its response: (response, the BHS)."""
        itt = self.tmf_send(fn, lun, rtt, refcmdsn, cmdsn=cmdsn)
        rsp, _ = self.recv_op(0x22, what or "TMF %d" % fn)
        if be32(rsp, 16) != itt:
            fail("%s: TMF response for ITT 0x%x, expected 0x%x"
                 % (what or "TMF %d" % fn, be32(rsp, 16), itt))
        return rsp[2], rsp

    def logout_send(self, reason=0, cid=None, immediate=True, cmdsn=None):
        """A Logout Request, reason 0 (close the session), 1 (close
        connection cid, this one by default) or 2; returns its ITT."""
        b = bytearray(48)
        b[0] = 0x46 if immediate else 0x06
        b[1] = 0x80 | reason
        itt = self.next_itt()
        b[16:20] = struct.pack(">I", itt)
        if reason:
            b[20:22] = struct.pack(">H", self.cid if cid is None else cid)
        b[24:28] = struct.pack(">I", self.take_cmdsn(cmdsn, immediate))
        b[28:32] = struct.pack(">I", self.expstatsn)
        self.send(b)
        return itt

    def logout(self, reason=0, cid=None, what=None):
        """An immediate Logout Request and its response: (response, the
        BHS)."""
        what = what or "logout reason %d" % reason
        itt = self.logout_send(reason, cid)
        rsp, _ = self.recv_op(0x26, what)
        if be32(rsp, 16) != itt:
            fail("%s: Logout Response for ITT 0x%x, expected 0x%x"
                 % (what, be32(rsp, 16), itt))
        return rsp[2], rsp

    def closed_within(self, secs):
        """Whether the target closes the connection within secs seconds;
        PDUs that come meanwhile are read and dropped, keepalives
        answered."""
        t0 = time.time()
        old = self.s.gettimeout()
        try:
            while time.time() - t0 < secs:
                self.s.settimeout(max(0.05, secs - (time.time() - t0)))
                try:
                    bhs, _ = self.recv()
                    if self.is_ping(bhs):
                        self.answer_nop(bhs)
                except socket.timeout:
                    return False
                except (EOFError, OSError):
                    # reset or broken pipe: closed as well
                    return True
            return False
        finally:
            self.s.settimeout(old)


def data_out(conn, itt, ttt, sn, off, data, final=True):
    """A Data-Out PDU for itt (TTT ttt, DataSN sn, at Buffer Offset off),
    with the F bit unless final is False."""
    do = bytearray(48)
    do[0] = 0x05
    do[1] = 0x80 if final else 0
    do[16:20] = struct.pack(">I", itt)
    do[20:24] = ttt
    do[28:32] = struct.pack(">I", conn.expstatsn)
    do[36:40] = struct.pack(">I", sn)
    do[40:44] = struct.pack(">I", off)
    conn.send(do, data)


def tur_good(conn, what):
    """TEST UNIT READY until GOOD, past the unit attentions of a new
    I_T nexus: at most 4 tries."""
    for i in range(4):
        st, _, _, _ = conn.response(conn.scsi(tur, 0), what)
        if st == 0:
            return
    fail("%s: status %r after 4 tries" % (what, st))


def read8(conn, lba, what):
    """READ(10) of 8 blocks of 512 bytes at lba, which must succeed."""
    st, data, _, _ = conn.response(
        conn.scsi(rw10(0x28, lba, 8), 4096, read=True), what)
    if st != 0 or len(data) != 4096:
        fail("%s: status %r, %d bytes" % (what, st, len(data)))
    return data


def write_r2t(conn, lba, what):
    """WRITE(10) of 4 KiB at lba, no immediate data, up to its R2T:
    (ITT, CmdSN, TTT)."""
    cmdsn = conn.cmdsn
    itt = conn.scsi(rw10(0x2a, lba, 8), 4096, write=True)
    st, _, r2t, _ = conn.response(itt, what)
    if st is not None:
        fail("%s: expected an R2T, got status %d" % (what, st))
    off, length = struct.unpack(">II", r2t[40:48])
    if (off, length) != (0, 4096):
        fail("%s: R2T offset/length %d/%d, expected 0/4096"
             % (what, off, length))
    return itt, cmdsn, bytes(r2t[20:24])


def wait_pdu(conn, secs, what):
    """The next PDU within secs seconds, keepalives answered; None if
    none came."""
    t0 = time.time()
    old = conn.s.gettimeout()
    try:
        while time.time() - t0 < secs:
            conn.s.settimeout(max(0.05, secs - (time.time() - t0)))
            try:
                bhs, data = conn.recv()
            except socket.timeout:
                return None
            if conn.is_ping(bhs):
                conn.answer_nop(bhs)
                continue
            return bhs, data
        return None
    finally:
        conn.s.settimeout(old)


def session_gone(tsih, secs):
    """Wait up to secs seconds for the target's session tsih to be gone
    (its directory under /sys/kernel/ktgt_iscsi/sessions): the seconds it
    took (more than 0, so true), or None if it is still there."""
    t0 = time.time()
    while time.time() - t0 < secs:
        if not os.path.exists("/sys/kernel/ktgt_iscsi/sessions/%d" % tsih):
            return max(time.time() - t0, 0.001)
        time.sleep(0.2)
    return None
