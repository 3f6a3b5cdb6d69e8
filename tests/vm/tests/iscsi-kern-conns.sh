#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# /sys/kernel/ktgt_iscsi/sessions/<TSIH>/connections when its lines do
# not fit in a page: a raw initiator (tests/lib/iscsi_raw.py) logs in 40
# connections of one session (MaxConnections 64). The file holds whole
# lines only ("CID <n> started 1 ...", or 0 until the daemon's
# CONN_START), one per connection listed, CIDs distinct, then "...",
# and ends with a newline, as the core's
# sessions/<id>/luns does (it used to stop at 4095 bytes in the middle of
# a line, without a newline). With 2 connections: 2 lines, no "...".
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:conns
P=/sys/module/ktgt_iscsi/parameters

iscsi_tgt_setup
echo 0 > $P/nop_interval || fail "nop_interval"
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/cn0 size=$((16 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/cn0
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/MaxConnections" 64
iscsi_tgt_enable "$IQN"

cat > /tmp/cn.py <<'EOF'
import os, re, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]
errors = []
LINE = re.compile(r"CID (\d+) started [01] HeaderDigest None DataDigest None "
                  r"MaxRecvDataSegmentLength \d+ MaxXmitDataSegmentLength \d+$")


def check(tsih, n, what):
    """The connections file of session tsih with n connections."""
    raw = open("/sys/kernel/ktgt_iscsi/sessions/%d/connections" % tsih).read()
    lines = raw.split("\n")
    print("%s: %d bytes, %d lines, last %r" % (what, len(raw), len(lines) - 1,
                                               lines[-2] if len(lines) > 1 else raw),
          flush=True)
    if not raw.endswith("\n"):
        errors.append("%s: does not end with a newline (%d bytes, ends %r)"
                      % (what, len(raw), raw[-40:]))
        return
    lines = lines[:-1]
    cut = lines and lines[-1] == "..."
    if cut:
        lines = lines[:-1]
    cids = []
    for l in lines:
        m = LINE.match(l)
        if not m:
            errors.append("%s: bad line %r" % (what, l))
            return
        cids.append(int(m.group(1)))
    if len(set(cids)) != len(cids) or any(c >= n for c in cids):
        errors.append("%s: CIDs %r" % (what, cids))
    if len(raw) > 4095:
        errors.append("%s: %d bytes, over a page" % (what, len(raw)))
    if len(cids) == n:
        if cut:
            errors.append("%s: all %d listed, and \"...\"" % (what, n))
    elif not cut or len(cids) < 25:
        errors.append("%s: %d of %d connections listed, %s"
                      % (what, len(cids), n, "\"...\"" if cut else "no \"...\""))


configure(IQN)
conns = [Conn(0x400000003101)]
conns[0].login(params={"MaxConnections": "64"})
tsih = conns[0].tsih
c = Conn(0x400000003101, tsih=tsih, cid=1)
c.login()
conns.append(c)
check(tsih, 2, "2 connections")
for cid in range(2, 40):
    c = Conn(0x400000003101, tsih=tsih, cid=cid)
    c.login()
    conns.append(c)
check(tsih, 40, "40 connections")
tur_good(conns[39], "TUR on CID 39")
conns[0].logout(what="logout")
for c in conns:
    c.s.close()
for e in errors:
    print("FAIL: " + e)
print("FAILED" if errors else "OK")
EOF

out=$(python3 /tmp/cn.py "$IQN" 2>&1)
echo "$out"
echo "$out" | grep -q "^OK$" || fail "$(echo "$out" | grep -E "^FAIL|rror" | head -n 5 | tr '\n' ' ')"
echo 15 > $P/nop_interval
ktgt_iscsi_wait_no_sessions "sessions left" 30
iscsi_tgt_teardown
pass "connections lists whole lines and says when it stops"
