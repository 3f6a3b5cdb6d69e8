#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgt-iscsid's negotiation keeps to the target's settings, from a raw
# initiator (tests/lib/iscsi_raw.py). A target requiring CRC32C digests,
# ImmediateData=No, MaxBurstLength 65536, FirstBurstLength 8192 and
# DefaultTime2Retain 0: a login with a value it cannot take (digest None
# or Bogus, ImmediateData=Maybe, numbers out of range), or answering the
# target's own offer of one of these keys with Reject, Irrelevant or
# NotUnderstood, or with a value beyond the offer, fails with Login
# status 0200, where the RFC default used to stand; no session of it ever
# shows HeaderDigest None; a login with acceptable values gets the
# target's. FirstBurstLength is never answered above MaxBurstLength, and
# the value answered is the kernel's. A connection added to a session
# (MC/S) gets Irrelevant for the session-wide keys it proposes and runs
# with the session's values: with ImmediateData=No negotiated by the
# leading login, a WRITE with immediate data on the second connection is
# rejected. A discovery session echoes no more NOP-Out ping data than
# the initiator's MaxRecvDataSegmentLength. The kernel checks on its own:
# a CONN_ADD (generic netlink, no daemon) with values beyond the target's
# settings is refused, and a connection added to a session takes the
# session's values whatever CONN_ADD says.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

ISCSI_TARGET=ktgt
STRICT=iqn.2026-11.org.ktgt:neg-strict
OPEN=iqn.2026-11.org.ktgt:neg-open

iscsi_tgt_setup
iscsi_tgt_mkdisk neg0 /tmp/neg0.img 16M
iscsi_tgt_mkdisk neg1 /tmp/neg1.img 16M
iscsi_tgt_mktarget "$STRICT" 127.0.0.1
iscsi_tgt_maplun "$STRICT" 0 neg0
D=$KTGT_CFS/targets/iscsi/$STRICT
ktgt_write "$D/HeaderDigest" CRC32C
ktgt_write "$D/DataDigest" CRC32C
ktgt_write "$D/ImmediateData" No
ktgt_write "$D/FirstBurstLength" 8192
ktgt_write "$D/MaxBurstLength" 65536
ktgt_write "$D/DefaultTime2Retain" 0
iscsi_tgt_enable "$STRICT"
# Permissive: RFC defaults, two connections a session, InitialR2T=No
# for those who ask.
iscsi_tgt_mktarget "$OPEN" 127.0.0.1
iscsi_tgt_maplun "$OPEN" 0 neg1
ktgt_write "$KTGT_CFS/targets/iscsi/$OPEN/MaxConnections" 2
ktgt_write "$KTGT_CFS/targets/iscsi/$OPEN/InitialR2T" No
iscsi_tgt_enable "$OPEN"

cat > /tmp/neg.py <<'EOF'
import glob, os, re, socket, struct, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

STRICT, OPEN = sys.argv[1], sys.argv[2]
SYS = "/sys/kernel/ktgt_iscsi/sessions"
isid = [0x400000000100]


def new_conn(**kw):
    isid[0] += 1
    return Conn(isid[0], **kw)


def sessions(target):
    out = []
    for d in glob.glob(SYS + "/*"):
        try:
            if open(d + "/target").read().strip() == target:
                out.append(d)
        except OSError:
            pass
    return out


def no_digest_none(what):
    for d in sessions(STRICT):
        conns = open(d + "/connections").read()
        if "HeaderDigest None" in conns or "DataDigest None" in conns:
            fail("%s: a session of the strict target without digests: %s"
                 % (what, conns.strip()))


def refused(what, params=None, answers=None):
    c = new_conn()
    r = c.login(params, answers, refusal=True)
    no_digest_none(what)
    if r is None:
        fail("%s: logged in, with %r" % (what, c.login_keys))
    if r != (2, 0):
        fail("%s: login status %d/%d, expected 2/0" % (what, r[0], r[1]))
    c.s.close()
    print("%s: refused 0200" % what)


# Generic netlink, for CONN_ADD and CONN_START without the daemon.
hdr = open(os.environ["KTGT_REPO"] + "/include/uapi/ktgt/ktgt_iscsi.h").read()
body = re.search(r"enum ktgt_iscsi_attr \{(.*?)\};", hdr, re.S).group(1)
A = dict((m, i) for i, m in
         enumerate(re.findall(r"^\s*KTGT_ISCSI_A_(\w+)", body, re.M)))
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
nl.bind((0, 0))
nlseq = [0]


def attr(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)


def nla_parse(data):
    out = {}
    while len(data) >= 4:
        n, t = struct.unpack("=HH", data[:4])
        out.setdefault(t & 0x3fff, []).append(data[4:n])
        data = data[(n + 3) & ~3:]
    return out


def request(fam, cmd, attrs):
    nlseq[0] += 1
    payload = struct.pack("=BBH", cmd, 1, 0) + attrs
    nl.send(struct.pack("=IHHII", 16 + len(payload), fam, 0x5, nlseq[0], 0)
            + payload)
    msgs = []
    while True:
        data = nl.recv(65536)
        while data:
            n, typ = struct.unpack("=IH", data[:6])
            body = data[16:n]
            data = data[(n + 3) & ~3:]
            if typ == 2:   # NLMSG_ERROR: the ack, or the error
                return struct.unpack("=i", body[:4])[0], msgs
            msgs.append(nla_parse(body[4:]))


err, m = request(0x10, 3, attr(2, b"ktgt_iscsi\0"))
if err or not m:
    fail("genl family ktgt_iscsi: %d" % err)
fam = struct.unpack("=H", m[0][1][0][:2])[0]
U8 = ("P_INITIAL_R2T", "P_IMMEDIATE_DATA", "P_HEADER_DIGEST",
      "P_DATA_DIGEST", "P_DATA_PDU_IN_ORDER", "P_DATA_SEQUENCE_IN_ORDER")


def conn_add(target, isid, tsih, cid, fd, p, exp_cmdsn=1):
    a = attr(A["TARGET_NAME"], target.encode() + b"\0")
    a += attr(A["INITIATOR"], INI.encode() + b"\0")
    a += attr(A["ISID"], struct.pack("=Q", isid))
    a += attr(A["TSIH"], struct.pack("=H", tsih))
    a += attr(A["CID"], struct.pack("=H", cid))
    a += attr(A["FD"], struct.pack("=I", fd))
    a += attr(A["STATSN"], struct.pack("=I", 100))
    a += attr(A["EXP_CMDSN"], struct.pack("=I", exp_cmdsn))
    for k, v in p.items():
        a += attr(A[k], struct.pack("=B" if k in U8 else "=I", v))
    err, msgs = request(fam, 3, a)
    if err:
        return err, None
    return 0, struct.unpack("=H", msgs[0][A["TSIH"]][0][:2])[0]


# CONN_ADD values within the strict target's settings.
STRICT_OK = {"P_HEADER_DIGEST": 1, "P_DATA_DIGEST": 1,
             "P_MAX_RECV_DSL": 8192, "P_MAX_XMIT_DSL": 8192,
             "P_MAX_BURST": 65536, "P_FIRST_BURST": 8192,
             "P_INITIAL_R2T": 1, "P_IMMEDIATE_DATA": 0,
             "P_MAX_OUTSTANDING_R2T": 1, "P_MAX_CONNECTIONS": 1,
             "P_DEFAULT_TIME2WAIT": 2, "P_DEFAULT_TIME2RETAIN": 0,
             "P_ERROR_RECOVERY_LEVEL": 0, "P_QUEUE_DEPTH": 64}


def sock_pair():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    cl = socket.create_connection(ls.getsockname())
    srv, _ = ls.accept()
    ls.close()
    return cl, srv


def check_strict():
    """Values the target cannot take, for keys whose RFC defaults it
    excludes: refused; acceptable ones: the target's."""
    configure(STRICT)
    bogus = {"HeaderDigest": "None", "DataDigest": "Bogus",
             "ImmediateData": "Maybe", "MaxBurstLength": "1",
             "FirstBurstLength": "0", "DefaultTime2Retain": "99999"}
    refused("all bogus", dict(bogus))
    for k, v in bogus.items():
        refused("%s=%s" % (k, v), {k: v})

    # The target's offers (keys the initiator leaves out) refused.
    offered = ("HeaderDigest", "DataDigest", "ImmediateData",
               "MaxBurstLength", "FirstBurstLength", "DefaultTime2Retain")
    leave_out = dict((k, None) for k in offered)
    refused("every offer answered Reject", leave_out,
            dict((k, "Reject") for k in offered))
    for k in offered:
        for const in ("Reject", "NotUnderstood"):
            refused("offer of %s answered %s" % (k, const), leave_out,
                    {k: const})
    refused("offer of HeaderDigest answered Irrelevant", leave_out,
            {"HeaderDigest": "Irrelevant"})
    # Answers beyond the offer.
    for k, v in (("HeaderDigest", "None"), ("ImmediateData", "Yes"),
                 ("MaxBurstLength", "262144"), ("DefaultTime2Retain", "20")):
        refused("offer of %s answered %s" % (k, v), leave_out, {k: v})

    # Acceptable values: the target's come back and are the kernel's.
    c = new_conn()
    c.login({"HeaderDigest": "None,CRC32C", "DataDigest": "CRC32C,None",
             "ImmediateData": "Yes", "MaxBurstLength": "262144",
             "FirstBurstLength": "65536", "DefaultTime2Retain": "20"})
    want = {"HeaderDigest": "CRC32C", "DataDigest": "CRC32C",
            "ImmediateData": "No", "MaxBurstLength": "65536",
            "FirstBurstLength": "8192", "DefaultTime2Retain": "0"}
    for k, v in want.items():
        if c.login_keys.get(k) != v:
            fail("%s answered %r, expected %s"
                 % (k, c.login_keys.get(k), v))
    d = "%s/%d" % (SYS, c.tsih)
    params = open(d + "/params").read()
    for kv in ("ImmediateData=No", "MaxBurstLength=65536",
               "FirstBurstLength=8192", "DefaultTime2Retain=0"):
        if kv not in params.split():
            fail("session params without %s: %s" % (kv, params.split()))
    conns = open(d + "/connections").read()
    if "HeaderDigest CRC32C DataDigest CRC32C" not in conns:
        fail("connection view: %s" % conns.strip())
    no_digest_none("acceptable values")
    c.s.close()
    # The same with the target's offers answered as offered.
    c = new_conn()
    c.login(leave_out)
    for k, v in want.items():
        if c.login_keys.get(k) != v:
            fail("offer of %s: %r, expected %s"
                 % (k, c.login_keys.get(k), v))
    c.s.close()
    print("strict target: its values, or no login")


def check_first_burst():
    """FirstBurstLength never answered above MaxBurstLength."""
    configure(OPEN)
    for what, p in (("FirstBurstLength before MaxBurstLength",
                     {"FirstBurstLength": "65536",
                      "MaxBurstLength": "16384"}),
                    ("MaxBurstLength alone",
                     {"FirstBurstLength": None, "MaxBurstLength": "16384"})):
        c = new_conn()
        c.login(p)
        fb = c.login_keys.get("FirstBurstLength")
        params = open("%s/%d/params" % (SYS, c.tsih)).read().split()
        if fb != "16384" or "FirstBurstLength=16384" not in params:
            fail("%s: FirstBurstLength answered %r, the kernel's %s"
                 % (what, fb, [x for x in params if "Burst" in x]))
        c.s.close()
    print("FirstBurstLength within MaxBurstLength, as answered")


def check_added_connection():
    """MC/S: the second connection proposes what the leading one did
    not get."""
    configure(OPEN)
    c = new_conn()
    c.login({"ImmediateData": "No", "InitialR2T": "Yes",
             "MaxBurstLength": "16384", "FirstBurstLength": "8192"})
    if c.login_keys.get("ImmediateData") != "No":
        fail("leading login: ImmediateData %r"
             % c.login_keys.get("ImmediateData"))
    # The power-on unit attention first.
    st, _, _, _ = c.response(c.scsi(tur, 0), "TUR 1")
    st, _, _, _ = c.response(c.scsi(tur, 0), "TUR 2")
    if st != 0:
        fail("TUR on the leading connection: status %r" % st)
    c2 = Conn(c.isid, tsih=c.tsih, cid=1)
    c2.login({"ImmediateData": "Yes", "InitialR2T": "No",
              "MaxBurstLength": "262144", "FirstBurstLength": "65536",
              "MaxConnections": "4"})
    for k in ("ImmediateData", "InitialR2T", "MaxBurstLength",
              "FirstBurstLength", "MaxConnections"):
        if c2.login_keys.get(k) != "Irrelevant":
            fail("added connection: %s answered %r, expected Irrelevant"
                 % (k, c2.login_keys.get(k)))
    c2.cmdsn = c.cmdsn
    c2.scsi(rw10(0x2a, 0, 1), 512, write=True, imm=bytes(512))
    bhs, _ = c2.recv()
    while c2.is_ping(bhs):
        c2.answer_nop(bhs)
        bhs, _ = c2.recv()
    if bhs[0] & 0x3f != 0x3f or bhs[2] != 0x04:
        fail("WRITE with immediate data on the added connection: opcode"
             " 0x%02x, status/reason 0x%02x, expected a Reject (protocol"
             " error)" % (bhs[0] & 0x3f,
                          bhs[2] if bhs[0] & 0x3f == 0x3f else bhs[3]))
    print("added connection: session-wide keys Irrelevant, immediate data"
          " rejected")
    c2.s.close()
    c.s.close()


def check_conn_add():
    """The kernel's own check: CONN_ADD as a daemon that negotiated
    wrongly would send it."""
    beyond = (("P_HEADER_DIGEST", 0), ("P_DATA_DIGEST", 0),
              ("P_MAX_RECV_DSL", 1 << 20), ("P_MAX_BURST", 262144),
              ("P_FIRST_BURST", 65536), ("P_INITIAL_R2T", 0),
              ("P_IMMEDIATE_DATA", 1), ("P_MAX_OUTSTANDING_R2T", 2),
              ("P_MAX_CONNECTIONS", 2), ("P_DEFAULT_TIME2WAIT", 1),
              ("P_DEFAULT_TIME2RETAIN", 20), ("P_QUEUE_DEPTH", 65))
    cl, srv = sock_pair()
    for k, v in beyond:
        p = dict(STRICT_OK)
        p[k] = v
        isid[0] += 1
        err, tsih = conn_add(STRICT, isid[0], 0, 0, srv.fileno(), p)
        if err != -22:
            fail("CONN_ADD to the strict target with %s=%d: %s" %
                 (k[2:], v, "accepted, TSIH %d" % tsih if not err else
                  "error %d, expected -22" % err))
    isid[0] += 1
    err, tsih = conn_add(STRICT, isid[0], 0, 0, srv.fileno(), STRICT_OK)
    if err:
        fail("CONN_ADD to the strict target within its settings: %d" % err)
    cl.close()
    srv.close()
    print("CONN_ADD beyond the target's settings refused")


def check_conn_add_join():
    """A connection added over netlink with ImmediateData=Yes to a
    session that negotiated No: it runs with the session's value."""
    configure(OPEN)
    c = new_conn()
    c.login({"ImmediateData": "No"})
    c.response(c.scsi(tur, 0), "TUR 1")
    cl2, srv2 = sock_pair()
    p = dict(STRICT_OK)
    p.update({"P_HEADER_DIGEST": 0, "P_DATA_DIGEST": 0,
              "P_IMMEDIATE_DATA": 1, "P_INITIAL_R2T": 0,
              "P_MAX_BURST": 262144, "P_FIRST_BURST": 65536,
              "P_MAX_CONNECTIONS": 2})
    err, tsih = conn_add(OPEN, c.isid, c.tsih, 1, srv2.fileno(), p, c.cmdsn)
    if err or tsih != c.tsih:
        fail("CONN_ADD of a second connection: %d, TSIH %r" % (err, tsih))
    err, _ = request(fam, 4, attr(A["TSIH"], struct.pack("=H", c.tsih)) +
                     attr(A["CID"], struct.pack("=H", 1)))
    if err:
        fail("CONN_START of the second connection: %d" % err)
    srv2.close()
    c3 = Conn.__new__(Conn)
    c3.s, c3.isid, c3.tsih, c3.cid = cl2, c.isid, c.tsih, 1
    c3.itt, c3.expstatsn, c3.cmdsn = 0x5000, 101, c.cmdsn
    c3.scsi(rw10(0x2a, 0, 1), 512, write=True, imm=bytes(512))
    bhs, _ = c3.recv()
    while c3.is_ping(bhs):
        c3.answer_nop(bhs)
        bhs, _ = c3.recv()
    if bhs[0] & 0x3f != 0x3f or bhs[2] != 0x04:
        fail("WRITE with immediate data on a connection added with"
             " ImmediateData=Yes to a session with No: opcode 0x%02x,"
             " expected a Reject (protocol error)" % (bhs[0] & 0x3f))
    print("connection added over netlink: the session's ImmediateData=No")
    cl2.close()
    c.s.close()


def check_discovery_nop():
    """Discovery: the NOP-In echo within the initiator's
    MaxRecvDataSegmentLength."""
    c = new_conn()
    bhs = bytearray(48)
    bhs[0] = 0x43
    bhs[1] = 0x80 | (1 << 2) | 3
    bhs[8:14] = struct.pack(">Q", c.isid)[2:]
    bhs[16:20] = struct.pack(">I", 1)
    bhs[24:28] = struct.pack(">I", 1)
    c.send(bhs, b"InitiatorName=" + INI.encode() +
           b"\0SessionType=Discovery\0MaxRecvDataSegmentLength=512\0")
    rsp, _ = c.recv()
    if rsp[0] & 0x3f != 0x23 or rsp[36] != 0 or not rsp[1] & 0x80:
        fail("discovery login: opcode 0x%02x status %d/%d"
             % (rsp[0] & 0x3f, rsp[36], rsp[37]))
    ping = bytes((i * 7 + 3) & 0xff for i in range(8000))
    nop = bytearray(48)
    nop[0] = 0x40
    nop[1] = 0x80
    nop[16:20] = struct.pack(">I", 5)
    nop[20:24] = b"\xff\xff\xff\xff"
    nop[24:28] = struct.pack(">I", 1)
    c.send(nop, ping)
    rsp, echo = c.recv()
    if rsp[0] & 0x3f != 0x20 or len(echo) > 512 or echo != ping[:len(echo)]:
        fail("discovery NOP-In for an 8000-byte ping with"
             " MaxRecvDataSegmentLength=512: opcode 0x%02x, %d bytes"
             % (rsp[0] & 0x3f, len(echo)))
    print("discovery NOP-In echo: %d bytes" % len(echo))
    c.s.close()


for check in (check_strict, check_first_burst, check_added_connection,
              check_conn_add, check_conn_add_join, check_discovery_nop):
    check()
nl.close()
EOF
python3 /tmp/neg.py "$STRICT" "$OPEN" || fail "negotiation checks"
grep 'login of .* failed' "$ISCSI_LOG/ktgt-iscsid.log" | tail -n 3
iscsi_tgt_teardown
pass "negotiation within the target's settings"
