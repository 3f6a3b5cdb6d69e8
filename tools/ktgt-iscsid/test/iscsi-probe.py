#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""iscsi-probe: a raw iSCSI initiator for testing ktgt-iscsid's login phase.

Speaks Login, Text and Logout PDUs itself (RFC 7143), so that tests can
send what real initiators never do (reflected CHAP challenges, malformed
text, silence) and check every key of the target's answers. Each
subcommand exits 0 when the target behaved as expected, 1 otherwise,
printing what it saw.
"""
import argparse
import base64
import hashlib
import os
import select
import socket
import struct
import sys
import time

ALGS = {5: 'md5', 6: 'sha1', 7: 'sha256', 8: 'sha3_256'}


class Fail(Exception):
    pass


def kv_encode(pairs):
    return b''.join(('%s=%s' % (k, v)).encode() + b'\0' for k, v in pairs)


def kv_decode(data):
    out = []
    for item in data.split(b'\0'):
        if not item:
            continue
        k, _, v = item.decode().partition('=')
        out.append((k, v))
    return out


class Conn:
    def __init__(self, host, port, timeout=20, source=None):
        self.s = socket.create_connection(
            (host, port), timeout=timeout,
            source_address=(source, 0) if source else None)
        self.isid = os.urandom(6)
        self.itt = 1
        self.cmdsn = 1
        self.exp_statsn = 0

    def send(self, bhs, data=b''):
        pad = (4 - len(data) % 4) % 4
        self.s.sendall(bytes(bhs) + data + b'\0' * pad)

    def recv_exact(self, n):
        buf = b''
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise Fail('connection closed by the target')
            buf += chunk
        return buf

    def recv(self):
        bhs = self.recv_exact(48)
        dlen = int.from_bytes(bhs[5:8], 'big')
        ahs = bhs[4] * 4
        if ahs:
            self.recv_exact(ahs)
        data = self.recv_exact((dlen + 3) & ~3)[:dlen]
        self.exp_statsn = struct.unpack('>I', bhs[24:28])[0] + 1
        return bhs, data

    def login(self, pairs, csg, nsg, transit, tsih=0, cid=0, raw=None,
              cont=False, version_min=0, version_max=0):
        bhs = bytearray(48)
        bhs[0] = 0x43
        bhs[1] = (0x80 if transit else 0) | (0x40 if cont else 0) | \
            (csg << 2) | (nsg if transit else 0)
        bhs[2] = version_max
        bhs[3] = version_min
        data = raw if raw is not None else kv_encode(pairs)
        bhs[5:8] = len(data).to_bytes(3, 'big')
        bhs[8:14] = self.isid
        bhs[14:16] = tsih.to_bytes(2, 'big')
        bhs[16:20] = self.itt.to_bytes(4, 'big')
        bhs[20:22] = cid.to_bytes(2, 'big')
        bhs[24:28] = self.cmdsn.to_bytes(4, 'big')
        bhs[28:32] = self.exp_statsn.to_bytes(4, 'big')
        self.send(bhs, data)
        rsp, rdata = self.recv()
        if rsp[0] & 0x3f != 0x23:
            raise Fail('expected a Login Response, got opcode 0x%02x' %
                       (rsp[0] & 0x3f))
        status = rsp[36] << 8 | rsp[37]
        return {'status': status, 'transit': bool(rsp[1] & 0x80),
                'csg': (rsp[1] >> 2) & 3, 'nsg': rsp[1] & 3,
                'tsih': int.from_bytes(rsp[14:16], 'big'),
                'keys': kv_decode(rdata), 'raw': rdata}

    def text(self, pairs, ttt=0xffffffff, final=True):
        bhs = bytearray(48)
        bhs[0] = 0x04
        bhs[1] = 0x80 if final else 0
        data = kv_encode(pairs)
        bhs[5:8] = len(data).to_bytes(3, 'big')
        # RFC 7143 11.10.3: one ITT for every request of an exchange
        if ttt == 0xffffffff:
            self.itt += 1
        bhs[16:20] = self.itt.to_bytes(4, 'big')
        bhs[20:24] = ttt.to_bytes(4, 'big')
        bhs[24:28] = self.cmdsn.to_bytes(4, 'big')
        bhs[28:32] = self.exp_statsn.to_bytes(4, 'big')
        self.cmdsn += 1
        self.send(bhs, data)
        rsp, rdata = self.recv()
        if rsp[0] & 0x3f != 0x24:
            raise Fail('expected a Text Response, got opcode 0x%02x' %
                       (rsp[0] & 0x3f))
        return {'final': bool(rsp[1] & 0x80), 'cont': bool(rsp[1] & 0x40),
                'ttt': struct.unpack('>I', rsp[20:24])[0], 'data': rdata}

    def logout(self):
        bhs = bytearray(48)
        bhs[0] = 0x46
        bhs[1] = 0x80
        self.itt += 1
        bhs[16:20] = self.itt.to_bytes(4, 'big')
        bhs[24:28] = self.cmdsn.to_bytes(4, 'big')
        bhs[28:32] = self.exp_statsn.to_bytes(4, 'big')
        self.send(bhs)
        rsp, _ = self.recv()
        if rsp[0] & 0x3f != 0x26 or rsp[2] != 0:
            raise Fail('bad Logout Response')


def get(rsp, key):
    vals = [v for k, v in rsp['keys'] if k == key]
    return vals[0] if vals else None


def expect(cond, what):
    if not cond:
        raise Fail(what)


def chap_hash(alg, ident, secret, chal):
    return hashlib.new(ALGS[alg], bytes([ident]) + secret + chal).digest()


def first_keys(a, session=None):
    if session is None:
        session = 'Discovery' if a.discovery else 'Normal'
    keys = [('InitiatorName', a.initiator), ('SessionType', session)]
    if session == 'Normal':
        keys.append(('TargetName', a.target))
    return keys


def cmd_chap(a):
    """CHAP (one-way or mutual, or a reflected challenge) up to the
    operational stage; prints the status the login ended with."""
    c = Conn(a.host, a.port)
    r = c.login(first_keys(a) + [('AuthMethod', 'CHAP,None')], 0, 1, False)
    if r['status'] != 0:
        print('status %04x' % r['status'])
        return 0
    expect(get(r, 'AuthMethod') == 'CHAP',
           'AuthMethod answer %s' % get(r, 'AuthMethod'))
    expect(a.discovery or get(r, 'TargetPortalGroupTag') is not None,
           'no TargetPortalGroupTag in the first response')
    r = c.login([('CHAP_A', a.chap_a)], 0, 1, False)
    if r['status'] != 0:
        print('CHAP_A answer %s' % get(r, 'CHAP_A'))
        print('status %04x' % r['status'])
        return 0
    alg = int(get(r, 'CHAP_A'))
    ident = int(get(r, 'CHAP_I'))
    chal = bytes.fromhex(get(r, 'CHAP_C')[2:])
    expect(alg in ALGS, 'CHAP_A=%d' % alg)
    expect(len(chal) >= 16, 'challenge of %d bytes' % len(chal))
    print('CHAP_A=%d CHAP_I=%d challenge %d bytes' % (alg, ident, len(chal)))
    secret = (a.secret or '').encode()
    keys = [('CHAP_N', a.user),
            ('CHAP_R', '0x' + chap_hash(alg, ident, secret, chal).hex())]
    mchal = None
    if a.reflect:
        mchal = chal
    elif a.mutual_secret:
        mchal = os.urandom(len(chal))
    if mchal is not None:
        mident = (ident + 1) % 256
        keys += [('CHAP_I', str(mident)), ('CHAP_C', '0x' + mchal.hex())]
    r = c.login(keys, 0, 1, True)
    print('status %04x' % r['status'])
    if r['status'] != 0:
        return 0
    expect(r['transit'] and r['nsg'] == 1, 'no transit to operational')
    if a.mutual_secret and not a.reflect:
        want = chap_hash(alg, mident, a.mutual_secret.encode(), mchal)
        expect(get(r, 'CHAP_N') == a.mutual_user,
               'mutual CHAP_N %s' % get(r, 'CHAP_N'))
        expect(get(r, 'CHAP_R') == '0x' + want.hex(),
               'mutual CHAP_R %s, expected 0x%s' % (get(r, 'CHAP_R'),
                                                    want.hex()))
        print('mutual CHAP_R verified')
    if a.discovery:
        # On to the full-feature phase: SendTargets must answer.
        r = c.login([('HeaderDigest', 'None')], 1, 3, True)
        expect(r['status'] == 0 and r['transit'],
               'discovery: no transit to FFP, status %04x' % r['status'])
        t = c.text([('SendTargets', 'All')])
        for k, v in kv_decode(t['data']):
            print('%s=%s' % (k, v))
        c.logout()
    return 0


def cmd_operational(a):
    """No CHAP, straight to the operational stage; check the answers."""
    c = Conn(a.host, a.port)
    r = c.login(first_keys(a) + [('AuthMethod', 'None')], 0, 1, True)
    expect(r['status'] == 0, 'status %04x' % r['status'])
    expect(get(r, 'AuthMethod') == 'None', 'AuthMethod answer')
    tpgt = get(r, 'TargetPortalGroupTag')
    expect(tpgt is not None, 'no TargetPortalGroupTag')
    expect(r['transit'] and r['nsg'] == 1, 'no transit to operational')
    offer = [('HeaderDigest', 'CRC32C,None'), ('DataDigest', 'None'),
             ('MaxConnections', '8'), ('InitialR2T', 'No'),
             ('ImmediateData', 'Yes'), ('MaxRecvDataSegmentLength', '4096'),
             ('MaxBurstLength', '16776192'), ('FirstBurstLength', '262144'),
             ('DefaultTime2Wait', '0'), ('DefaultTime2Retain', '0'),
             ('MaxOutstandingR2T', '1'), ('DataPDUInOrder', 'Yes'),
             ('DataSequenceInOrder', 'Yes'), ('ErrorRecoveryLevel', '2'),
             ('IFMarker', 'No'), ('OFMarkInt', '2048'),
             ('X-org.ktgt.Unknown', 'yes'), ('MaxBurstLength2', '1')]
    r = c.login(offer, 1, 3, False)
    expect(r['status'] == 0, 'status %04x' % r['status'])
    ans = dict(r['keys'])
    print(' '.join('%s=%s' % kv for kv in r['keys']))
    for k in ('HeaderDigest', 'DataDigest', 'MaxConnections', 'InitialR2T',
              'ImmediateData', 'MaxBurstLength', 'FirstBurstLength',
              'DefaultTime2Wait', 'DefaultTime2Retain', 'MaxOutstandingR2T',
              'DataPDUInOrder', 'DataSequenceInOrder', 'ErrorRecoveryLevel',
              'MaxRecvDataSegmentLength'):
        expect(k in ans, 'no answer for %s' % k)
    expect(ans['ErrorRecoveryLevel'] == '0', 'ErrorRecoveryLevel not 0')
    expect(ans['X-org.ktgt.Unknown'] == 'NotUnderstood', 'unknown key')
    expect(ans['MaxBurstLength2'] == 'NotUnderstood', 'unknown key 2')
    expect(ans['OFMarkInt'] == 'Reject', 'OFMarkInt')
    expect(ans['IFMarker'] == 'No', 'IFMarker')
    expect(int(ans['MaxBurstLength']) <= 16776192, 'MaxBurstLength')
    expect(int(ans['FirstBurstLength']) <= int(ans['MaxBurstLength']),
           'FirstBurstLength above MaxBurstLength')
    # Renegotiating a key is a protocol error.
    r = c.login([('MaxConnections', '1')], 1, 3, False)
    expect(r['status'] == 0x0200, 'renegotiation: status %04x' % r['status'])
    return 0


def cmd_status(a):
    """A first request of some kind; prints the status it got."""
    c = Conn(a.host, a.port)
    keys = first_keys(a) + [('AuthMethod', 'None')]
    raw = None
    vmin = 0
    if a.kind == 'no-initiator':
        keys = [('TargetName', a.target), ('AuthMethod', 'None')]
    elif a.kind == 'no-target':
        keys = [('InitiatorName', a.initiator), ('AuthMethod', 'None')]
    elif a.kind == 'malformed':
        raw = b'InitiatorName=' + a.initiator.encode() + b'\0NoEquals\0'
    elif a.kind == 'duplicate':
        raw = kv_encode(keys + [('AuthMethod', 'None')])
    elif a.kind == 'version':
        vmin = 1
    elif a.kind == 'long-key':
        keys.append(('K' * 64, 'v'))
    elif a.kind == 'chap-only' or a.kind == 'none-only':
        keys[-1] = ('AuthMethod', 'CHAP' if a.kind == 'chap-only' else 'None')
    elif a.kind == 'skip-security':
        r = c.login(first_keys(a), 1, 3, True)
        print('status %04x' % r['status'])
        return 0
    r = c.login(keys, 0, 1, True, raw=raw, version_min=vmin)
    print('status %04x' % r['status'])
    print('keys %s' % ' '.join('%s=%s' % kv for kv in r['keys']))
    return 0


def cmd_stage(a):
    """Stage transitions and TSIHs of the login phase (RFC 7143 6.3,
    11.12-11.13); prints what the target answered, "status XXXX" last.
    discovery-tsih: a discovery login to the full-feature phase, whose
    final response must carry a TSIH of its own (none before it);
    discovery-join: a discovery login with a TSIH, as if adding a
    connection to a session; csg-without-transit: the operational stage
    entered after a security-stage response without the T bit;
    csg-after-transit: the same with the T bit (the good path); c-and-t,
    nsg2, csg3, isid-change, version-change: malformed flags or headers
    (version-change: a second request whose Version-max differs from the
    first's, which RFC 7143 11.12.4 forbids); chap-transit:
    CHAP (MD5, CHAP_R in base64) asking for the T bit at every step."""
    c = Conn(a.host, a.port)
    if a.kind == 'discovery-tsih':
        r = c.login(first_keys(a, 'Discovery') + [('AuthMethod', 'None')],
                    0, 1, True)
        expect(r['status'] == 0 and r['transit'],
               'security stage: status %04x' % r['status'])
        expect(r['tsih'] == 0, 'TSIH %d before the final response' %
               r['tsih'])
        r = c.login([('HeaderDigest', 'None')], 1, 3, True)
        expect(r['status'] != 0 or r['transit'], 'no transit to FFP')
        print('final tsih %d' % r['tsih'])
        if r['status'] == 0:
            t = c.text([('SendTargets', 'All')])
            expect(t['final'], 'SendTargets answer not final')
            c.logout()
    elif a.kind == 'discovery-join':
        r = c.login(first_keys(a, 'Discovery') + [('AuthMethod', 'None')],
                    0, 1, True, tsih=a.tsih, cid=1)
        if r['status'] == 0:
            r = c.login([('HeaderDigest', 'None')], 1, 3, True,
                        tsih=a.tsih, cid=1)
            print('final tsih %d' % r['tsih'])
    elif a.kind in ('csg-without-transit', 'csg-after-transit'):
        transit = a.kind == 'csg-after-transit'
        r = c.login(first_keys(a) + [('AuthMethod', 'None')], 0, 1, transit)
        expect(r['status'] == 0, 'security stage: status %04x' %
               r['status'])
        expect(r['transit'] == transit, 'security stage: T bit %d' %
               r['transit'])
        r = c.login([('HeaderDigest', 'None'), ('DataDigest', 'None')],
                    1, 3, True)
        print('transit %d nsg %d' % (r['transit'], r['nsg']))
    elif a.kind in ('c-and-t', 'nsg2', 'csg3', 'isid-change',
                    'version-change'):
        keys = first_keys(a) + [('AuthMethod', 'None')]
        if a.kind == 'c-and-t':
            r = c.login(keys, 0, 1, True, cont=True)
        elif a.kind == 'nsg2':
            r = c.login(keys, 0, 2, True)
        elif a.kind == 'csg3':
            r = c.login(keys, 3, 3, False)
        else:
            r = c.login(keys, 0, 1, False)
            expect(r['status'] == 0, 'first request: status %04x' %
                   r['status'])
            if a.kind == 'isid-change':
                c.isid = bytes([c.isid[0] ^ 1]) + c.isid[1:]
                r = c.login([], 0, 1, True)
            else:
                r = c.login([], 0, 1, True, version_max=1)
    elif a.kind == 'chap-transit':
        # T asked for at every step: answered only once CHAP is done.
        r = c.login(first_keys(a) + [('AuthMethod', 'CHAP')], 0, 1, True)
        expect(r['status'] == 0 and not r['transit'],
               'AuthMethod: status %04x transit %d' % (r['status'],
                                                     r['transit']))
        r = c.login([('CHAP_A', '5')], 0, 1, True)
        expect(r['status'] == 0 and not r['transit'],
               'CHAP_A: status %04x transit %d' % (r['status'],
                                                 r['transit']))
        ident = int(get(r, 'CHAP_I'))
        chal = bytes.fromhex(get(r, 'CHAP_C')[2:])
        resp = chap_hash(5, ident, a.secret.encode(), chal)
        r = c.login([('CHAP_N', a.user), ('CHAP_R', '0b' +
                     base64.b64encode(resp).decode())], 0, 1, True)
        print('transit %d nsg %d' % (r['transit'], r['nsg']))
    else:
        raise Fail('unknown kind %s' % a.kind)
    print('status %04x' % r['status'])
    return 0


def cmd_continue(a):
    """A first request split over two PDUs (C bit)."""
    c = Conn(a.host, a.port)
    data = kv_encode(first_keys(a, 'Discovery') + [('AuthMethod', 'None')])
    half = len(data) // 2
    r = c.login(None, 0, 1, False, raw=data[:half], cont=True)
    expect(r['status'] == 0 and not r['keys'],
           'first part: status %04x keys %s' % (r['status'], r['keys']))
    r = c.login(None, 0, 1, True, raw=data[half:])
    expect(r['status'] == 0 and get(r, 'AuthMethod') == 'None',
           'second part: status %04x keys %s' % (r['status'], r['keys']))
    print('continued login request accepted')
    return 0


def cmd_sendtargets(a):
    """Discovery with a small MaxRecvDataSegmentLength: the answer comes
    in several Text Responses (C bit, target transfer tag). SendTargets=
    WHAT (default All)."""
    c = Conn(a.host, a.port)
    r = c.login(first_keys(a, 'Discovery') + [('AuthMethod', 'None')],
                0, 1, True)
    expect(r['status'] == 0, 'status %04x' % r['status'])
    r = c.login([('MaxRecvDataSegmentLength', str(a.mrdsl)),
                 ('HeaderDigest', 'None'), ('MaxBurstLength', '512')],
                1, 3, True)
    expect(r['status'] == 0 and r['transit'], 'no transit to FFP')
    expect(get(r, 'MaxBurstLength') == 'Irrelevant',
           'MaxBurstLength in discovery: %s' % get(r, 'MaxBurstLength'))
    data = b''
    pdus = 0
    t = c.text([('SendTargets', a.what)])
    while True:
        pdus += 1
        expect(len(t['data']) <= a.mrdsl, 'Text Response of %d bytes' %
               len(t['data']))
        data += t['data']
        if t['final']:
            break
        expect(t['cont'] and t['ttt'] != 0xffffffff, 'bad continuation')
        t = c.text([], ttt=t['ttt'])
    c.logout()
    print('%d Text Response(s), %d bytes' % (pdus, len(data)))
    for k, v in kv_decode(data):
        print('%s=%s' % (k, v))
    if a.min_pdus:
        expect(pdus >= a.min_pdus, 'only %d PDU(s)' % pdus)
    return 0


def full_login(c, a, tsih=0, cid=0):
    r = c.login(first_keys(a) + [('AuthMethod', 'None')], 0, 1, True,
                tsih=tsih, cid=cid)
    if r['status']:
        return r
    return c.login([('MaxConnections', '4'), ('HeaderDigest', 'None'),
                    ('DataDigest', 'None')], 1, 3, True, tsih=tsih, cid=cid)


def closed_within(c, secs):
    c.s.settimeout(secs)
    try:
        return c.s.recv(1) == b''
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def cmd_sessions(a):
    """TSIH rules: a new session (TSIH 0) gets a TSIH from the kernel; a
    second connection with that TSIH joins it (or is refused when
    MaxConnections is 1); an unknown TSIH gets 020a; a new session with
    the same ISID reinstates the old one, whose connection is closed."""
    c1 = Conn(a.host, a.port)
    r = full_login(c1, a)
    expect(r['status'] == 0 and r['transit'] and r['nsg'] == 3,
           'first login: status %04x' % r['status'])
    tsih = r['tsih']
    expect(tsih != 0, 'TSIH 0 in the final response')
    maxc = int(get(r, 'MaxConnections') or 1)
    print('session tsih %d MaxConnections %d' % (tsih, maxc))
    c2 = Conn(a.host, a.port)
    c2.isid = c1.isid
    r = full_login(c2, a, tsih=tsih, cid=1)
    if maxc > 1:
        expect(r['status'] == 0 and r['tsih'] == tsih,
               'second connection: status %04x tsih %d' %
               (r['status'], r['tsih']))
        print('second connection joined tsih %d' % tsih)
    else:
        expect(r['status'] != 0, 'second connection beyond MaxConnections')
        print('second connection refused, status %04x' % r['status'])
    c3 = Conn(a.host, a.port)
    c3.isid = c1.isid
    r = full_login(c3, a, tsih=(tsih + 1000) % 65536 or 1)
    expect(r['status'] == 0x020a, 'unknown TSIH: status %04x' % r['status'])
    print('unknown TSIH: status 020a')
    c4 = Conn(a.host, a.port)
    c4.isid = c1.isid
    r = full_login(c4, a)
    expect(r['status'] == 0 and r['tsih'] != 0,
           'reinstatement: status %04x' % r['status'])
    print('reinstated as tsih %d' % r['tsih'])
    expect(closed_within(c1, 20), 'the reinstated session stays open')
    print('old connection closed')
    return 0


def cmd_silent(a):
    """Connect and say nothing: the daemon must close within its login
    timeout; prints the seconds it took."""
    s = socket.create_connection((a.host, a.port), timeout=a.wait)
    start = time.time()
    try:
        got = s.recv(1)
    except socket.timeout:
        raise Fail('still open after %d s' % a.wait)
    except ConnectionResetError:
        got = b''
    expect(got == b'', 'the target sent something')
    print('closed after %.1f s' % (time.time() - start))
    return 0


def nop_out(c):
    """A NOP-Out ping (ITT valid, TTT reserved, 4 bytes of data)."""
    bhs = bytearray(48)
    bhs[0] = 0x40
    bhs[1] = 0x80
    bhs[5:8] = (4).to_bytes(3, 'big')
    c.itt += 1
    bhs[16:20] = c.itt.to_bytes(4, 'big')
    bhs[20:24] = b'\xff' * 4
    bhs[24:28] = c.cmdsn.to_bytes(4, 'big')
    bhs[28:32] = c.exp_statsn.to_bytes(4, 'big')
    c.send(bhs, b'ping')


def cmd_hold(a):
    """Hold COUNT connections from the --sources addresses (in turn) for
    SECONDS: idle (connect, say nothing), dribble (a Login Request, one
    byte every PING seconds), slow (a Login Request without transit every
    PING seconds), discovery (logged in, then a NOP-Out every PING
    seconds) or login (a normal session to --target, logged in with the
    ISID --isid if given, then idle). Prints "ready N" once all are set
    up (N still open), then for each connection the target closes
    "closed I after S s", and at the end "open N"."""
    srcs = a.sources.split(',')
    conns = []
    for i in range(a.count):
        c = Conn(a.host, a.port, source=srcs[i % len(srcs)])
        c.start = time.time()
        c.open = True
        c.pending = b''
        if a.isid:
            c.isid = bytes.fromhex(a.isid)
        if a.mode == 'login':
            try:
                r = full_login(c, a)
                expect(r['status'] == 0 and r['transit'] and r['nsg'] == 3,
                       'login: status %04x' % r['status'])
            except (Fail, OSError) as e:
                print('login %d failed: %s' % (i, e), flush=True)
                c.open = False
        elif a.mode == 'discovery':
            try:
                r = c.login(first_keys(a, 'Discovery') +
                            [('AuthMethod', 'None')], 0, 1, True)
                expect(r['status'] == 0, 'discovery login: status %04x' %
                       r['status'])
                r = c.login([('HeaderDigest', 'None')], 1, 3, True)
                expect(r['status'] == 0 and r['transit'],
                       'no transit to FFP')
            except (Fail, OSError):
                c.open = False
        elif a.mode in ('dribble', 'slow'):
            bhs = bytearray(48)
            bhs[0] = 0x43
            bhs[1] = 0x00       # CSG 0, no transit
            data = kv_encode(first_keys(a) + [('AuthMethod', 'None')])
            data += b'\0' * ((4 - len(data) % 4) % 4)
            bhs[5:8] = len(data).to_bytes(3, 'big')
            bhs[8:14] = c.isid
            bhs[16:20] = c.itt.to_bytes(4, 'big')
            bhs[24:28] = c.cmdsn.to_bytes(4, 'big')
            c.pending = bytes(bhs) + data
            c.pdu = c.pending
        c.s.setblocking(False)
        conns.append(c)
    print('ready %d' % sum(c.open for c in conns), flush=True)
    end = time.time() + a.seconds
    next_ping = time.time() + a.ping
    while time.time() < end and any(c.open for c in conns):
        live = [c.s for c in conns if c.open]
        r, _, _ = select.select(live, [], [],
                                max(0, min(end, next_ping) - time.time()))
        for i, c in enumerate(conns):
            if not c.open or c.s not in r:
                continue
            try:
                got = c.s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                got = b''
            if not got:
                c.open = False
                print('closed %d after %.1f s' % (i, time.time() - c.start),
                      flush=True)
        if time.time() < next_ping:
            continue
        next_ping += a.ping
        for c in conns:
            if not c.open:
                continue
            try:
                c.s.setblocking(True)
                if a.mode == 'login':
                    pass
                elif a.mode == 'discovery':
                    nop_out(c)
                elif a.mode == 'dribble' and c.pending:
                    c.s.send(c.pending[:1])
                    c.pending = c.pending[1:]
                elif a.mode == 'slow':
                    c.s.send(c.pdu)
                    c.pdu = c.pdu[:5] + b'\0\0\0' + c.pdu[8:48]
                c.s.setblocking(False)
            except OSError:
                c.open = False
    print('open %d' % sum(c.open for c in conns))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=3260)
    p.add_argument('--initiator', default='iqn.2026-11.org.ktgt:probe')
    p.add_argument('--target', default='')
    p.add_argument('--isid', default='',
                   help='hold --mode login: the ISID, 12 hex digits')
    p.add_argument('--discovery', action='store_true',
                   help='chap and status: a discovery session')
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('chap')
    c.add_argument('--chap-a', default='5')
    c.add_argument('--user', default='')
    c.add_argument('--secret', default='')
    c.add_argument('--mutual-user', default='')
    c.add_argument('--mutual-secret', default='')
    c.add_argument('--reflect', action='store_true')
    sub.add_parser('operational')
    s = sub.add_parser('status')
    s.add_argument('kind')
    sub.add_parser('continue')
    g = sub.add_parser('stage')
    g.add_argument('kind')
    g.add_argument('--tsih', type=int, default=1)
    g.add_argument('--user', default='')
    g.add_argument('--secret', default='')
    t = sub.add_parser('sendtargets')
    t.add_argument('--mrdsl', type=int, default=8192)
    t.add_argument('--min-pdus', type=int, default=0)
    t.add_argument('--what', default='All')
    sub.add_parser('sessions')
    w = sub.add_parser('silent')
    w.add_argument('--wait', type=int, default=30)
    h = sub.add_parser('hold')
    h.add_argument('--count', type=int, default=1)
    h.add_argument('--sources', default='127.0.0.1')
    h.add_argument('--mode', default='idle',
                   choices=('idle', 'dribble', 'slow', 'discovery',
                            'login'))
    h.add_argument('--ping', type=float, default=1.0)
    h.add_argument('--seconds', type=float, default=10.0)
    a = p.parse_args()
    try:
        return globals()['cmd_' + a.cmd](a)
    except (Fail, OSError) as e:
        print('FAIL: %s' % e)
        return 1


if __name__ == '__main__':
    sys.exit(main())
