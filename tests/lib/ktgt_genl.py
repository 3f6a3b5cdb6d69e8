# SPDX-License-Identifier: GPL-2.0
"""A raw generic netlink client of the ktgt_iscsi family, for VM tests.

No libnl: it reads each message's length first (MSG_PEEK | MSG_TRUNC),
then the message, so its receive buffer never exceeds the largest
message and the kernel's dump skbs are sized by the kernel's own
min_dump_alloc (about a page unless the family asks for more).

    g = Genl(os.environ["KTGT_REPO"])
    err, msgs = g.request(g.CMD["TARGET_LIST"], b"", dump=True)
"""
import re
import socket
import struct

NETLINK_GENERIC = 16
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP_INTR, NLM_F_DUMP = 0x1, 0x4, 0x10, 0x300
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME = 7, 1
CTRL_ATTR_MCAST_GRP_ID = 2
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1


def attr(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)


def sattr(t, s):
    return attr(t, s.encode() + b"\0")


def parse(data):
    """Attributes: {type: [payload, ...]}."""
    out = {}
    while len(data) >= 4:
        n, t = struct.unpack("=HH", data[:4])
        if n < 4:
            break
        out.setdefault(t & 0x3fff, []).append(data[4:n])
        data = data[(n + 3) & ~3:]
    return out


def string(v):
    return v[0].rstrip(b"\0").decode()


def u16(v):
    return struct.unpack("=H", v[0][:2])[0]


class Genl:
    def __init__(self, repo, name="ktgt_iscsi"):
        """The family NAME: ktgt_iscsi (with its commands and attributes
        in CMD and A) or the core's ktgt (its multicast groups only)."""
        if name == "ktgt_iscsi":
            hdr = open(repo + "/include/uapi/ktgt/ktgt_iscsi.h").read()
            self.A = self._enum(hdr, "ktgt_iscsi_attr", "KTGT_ISCSI_A_")
            self.CMD = self._enum(hdr, "ktgt_iscsi_cmd", "KTGT_ISCSI_CMD_")
        self.seq = 0
        self.intr = False   # the last dump: NLM_F_DUMP_INTR seen
        self.sk = self.socket()
        err, m = self.request(CTRL_CMD_GETFAMILY,
                              sattr(CTRL_ATTR_FAMILY_NAME, name),
                              family=GENL_ID_CTRL)
        if err or not m:
            raise OSError(-err, "family %s not found" % name)
        self.family = u16(m[0][CTRL_ATTR_FAMILY_ID])
        # Multicast groups: {name: id}.
        self.groups = {}
        for g in parse(m[0].get(CTRL_ATTR_MCAST_GROUPS, [b""])[0]).values():
            gg = parse(g[0])
            self.groups[string(gg[CTRL_ATTR_MCAST_GRP_NAME])] = \
                struct.unpack("=I", gg[CTRL_ATTR_MCAST_GRP_ID][0])[0]

    def u16a(self, name, v):
        """A u16 attribute of the ktgt_iscsi family, by its name in A."""
        return attr(self.A[name], struct.pack("=H", v))

    def u32a(self, name, v):
        return attr(self.A[name], struct.pack("=I", v))

    def conn_add(self, sk, target, ini, isid, fd, tsih=0, cid=0, extra=b""):
        """CONN_ADD of the TCP socket FD as connection CID of the session
        TSIH (0: a new one), StatSN 0 and ExpCmdSN 1, EXTRA attributes
        appended; sent on SK (the socket that may start it). Returns
        (error, the session's TSIH or None)."""
        a = (sattr(self.A["TARGET_NAME"], target) +
             sattr(self.A["INITIATOR"], ini) +
             attr(self.A["ISID"], struct.pack("=Q", isid)) +
             self.u16a("TSIH", tsih) + self.u16a("CID", cid) +
             self.u32a("FD", fd) + self.u32a("STATSN", 0) +
             self.u32a("EXP_CMDSN", 1) + extra)
        err, m = self.request(self.CMD["CONN_ADD"], a, sk=sk)
        if err or not m:
            return err or -1, None
        return 0, u16(m[0][self.A["TSIH"]])

    def conn_start(self, sk, tsih, cid):
        """CONN_START of connection CID of session TSIH, sent on SK; the
        error (0 or -errno)."""
        return self.request(self.CMD["CONN_START"],
                            self.u16a("TSIH", tsih) + self.u16a("CID", cid),
                            sk=sk)[0]

    def listener(self, group="events"):
        """A socket that receives the family's multicast group."""
        sk = self.socket()
        sk.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                      self.groups[group])
        return sk

    @staticmethod
    def _enum(hdr, name, prefix):
        body = re.search(r"enum %s \{(.*?)\};" % name, hdr, re.S).group(1)
        names = re.findall(r"^\s*%s(\w+)" % prefix, body, re.M)
        return {n: i for i, n in enumerate(names)}

    @staticmethod
    def socket():
        sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                           NETLINK_GENERIC)
        sk.bind((0, 0))
        return sk

    @staticmethod
    def recv_msg(sk):
        """One datagram, read at its own length (a 16-byte peek first)."""
        size = sk.recv_into(bytearray(16), 16,
                            socket.MSG_PEEK | socket.MSG_TRUNC)
        return sk.recv(size)

    def request(self, cmd, attrs, dump=False, family=None, sk=None):
        """Send CMD; return (error, [attribute dicts of the replies])."""
        sk = sk or self.sk
        family = self.family if family is None else family
        self.seq += 1
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        payload = struct.pack("=BBH", cmd, 1, 0) + attrs
        sk.send(struct.pack("=IHHII", 16 + len(payload), family, flags,
                            self.seq, 0) + payload)
        msgs = []
        self.intr = False
        while True:
            data = self.recv_msg(sk)
            while len(data) >= 16:
                n, typ, fl, seq, pid = struct.unpack("=IHHII", data[:16])
                body = data[16:n]
                data = data[(n + 3) & ~3:]
                if fl & NLM_F_DUMP_INTR:
                    self.intr = True
                if typ == NLMSG_ERROR:
                    return struct.unpack("=i", body[:4])[0], msgs
                if typ == NLMSG_DONE:
                    err = struct.unpack("=i", body[:4])[0] if body else 0
                    return err, msgs
                msgs.append(parse(body[4:]))
