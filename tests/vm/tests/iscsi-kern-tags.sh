#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# Task tags of ktgt_iscsi, from a raw initiator. TMF response order: with
# the transmit thread blocked in an 8 MiB READ the initiator does not
# read yet, a READ and a TEST UNIT READY complete and their status is
# queued behind it; an ABORT TASK of the READ and a QUERY TASK of the TUR
# then come, and their responses must come after those statuses (RFC
# 7143 4.2.3.3, 4.2.2.3), not overtake them. Logout Response order: the
# same, with a Logout of the connection in place of the TMFs: the
# statuses come first, then the Logout Response, then the close; they
# used to be overtaken and lost to the close. ITT reuse: an initiator
# may reuse a task's ITT as soon as it has the task's status, so after a
# login in Python a small C loop sends READs that all carry the same ITT,
# each one the instant it has read the previous status, and no command
# may get a Reject (task in progress). It runs on the paths where the
# transmit thread sends the status: 1000 READs of 4 KiB with
# direct_send=0, 200 READs of 128 KiB (too large for the receive thread
# to send), 200 READs of 4 KiB completed from a workqueue (nullio
# delay_ms=1), and 8000 READs of 4 KiB with direct_send=0 and both
# threads free to run on either CPU (bind_threads=0), where the receive
# thread may take the next command while the transmit thread is still
# on its way from the socket to releasing the previous one.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:kern-tags
P=/sys/module/ktgt_iscsi/parameters

command -v cc > /dev/null || skip "no C compiler"
# The loop is in C: from reading a status to writing the next command
# takes microseconds, not the hundreds Python takes under TCG, so a
# target that frees the ITT late is caught with it still in use.
cat > /tmp/itt-reuse.c <<'EOF'
/*
 * itt-reuse FD N BLOCKS ITT CMDSN EXPSTATSN: on the logged-in iSCSI
 * connection FD, N READ(10)s of BLOCKS 512-byte blocks at LBA 0, all with
 * initiator task tag ITT, from CmdSN CMDSN on; each is written as soon as
 * the status of the previous one is read. A command that gets a Reject
 * is sent again with the same CmdSN. Prints "REJECTS CMDSN EXPSTATSN
 * REASON" (REASON: of the last Reject, or 0); exits 1 on a bad status or
 * an unexpected PDU.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd;
static unsigned char buf[1 << 20];
static size_t have, pos;

static void die(const char *what)
{
	fprintf(stderr, "itt-reuse: %s\n", what);
	exit(1);
}

/* The next n bytes received, valid until the next call. */
static unsigned char *take(size_t n)
{
	unsigned char *p;

	if (n > sizeof(buf))
		die("PDU too long");
	if (have - pos < n) {
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		pos = 0;
		while (have < n) {
			ssize_t r = read(fd, buf + have, sizeof(buf) - have);

			if (r <= 0)
				die("connection closed");
			have += r;
		}
	}
	p = buf + pos;
	pos += n;
	return p;
}

static uint32_t be32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void put32(unsigned char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static void send_all(const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			die("write failed");
		p += w;
		n -= w;
	}
}

int main(int argc, char **argv)
{
	unsigned char cmd[48] = { 0x01, 0x80 | 0x40 | 1 }, nop[48];
	unsigned long n, done = 0, rejects = 0;
	uint32_t blocks, itt, cmdsn, expstatsn, reason = 0;

	if (argc != 7)
		die("usage: itt-reuse FD N BLOCKS ITT CMDSN EXPSTATSN");
	fd = atoi(argv[1]);
	n = strtoul(argv[2], NULL, 0);
	blocks = strtoul(argv[3], NULL, 0);
	itt = strtoul(argv[4], NULL, 0);
	cmdsn = strtoul(argv[5], NULL, 0);
	expstatsn = strtoul(argv[6], NULL, 0);
	put32(cmd + 16, itt);
	put32(cmd + 20, blocks * 512);
	cmd[32] = 0x28;				/* READ(10) of LBA 0 */
	cmd[39] = blocks >> 8;
	cmd[40] = blocks;

	while (done < n) {
		put32(cmd + 24, cmdsn);
		put32(cmd + 28, expstatsn);
		send_all(cmd, sizeof(cmd));
		for (;;) {
			unsigned char *h = take(48), bhs[48], *d;
			uint32_t dlen = (h[5] << 16) | (h[6] << 8) | h[7];
			int op = h[0] & 0x3f;

			memcpy(bhs, h, 48);
			d = take(dlen + (4 - dlen % 4) % 4);
			if (op == 0x20 && be32(bhs + 16) == 0xffffffff) {
				/* a keepalive: answer it */
				memset(nop, 0, sizeof(nop));
				nop[0] = 0x40;
				nop[1] = 0x80;
				put32(nop + 16, 0xffffffff);
				memcpy(nop + 20, bhs + 20, 4);
				put32(nop + 24, cmdsn);
				put32(nop + 28, expstatsn);
				send_all(nop, sizeof(nop));
				continue;
			}
			if (op == 0x3f) {
				/* the rejected BHS is the data segment */
				if (dlen < 48 || be32(d + 16) != itt)
					die("Reject of another PDU");
				expstatsn = be32(bhs + 24) + 1;
				reason = bhs[2];
				rejects++;
				break;
			}
			if ((op != 0x21 && op != 0x25) || be32(bhs + 16) != itt)
				die("unexpected PDU");
			if (op == 0x25 && !(bhs[1] & 1))
				continue;
			if (bhs[3])
				die("status not GOOD");
			expstatsn = be32(bhs + 24) + 1;
			done++;
			cmdsn++;
			break;
		}
	}
	printf("%lu %u %u %u\n", rejects, cmdsn, expstatsn, reason);
	return 0;
}
EOF
cc -O2 -Wall -o /tmp/itt-reuse /tmp/itt-reuse.c ||
	fail "cannot build the ITT reuse helper"

iscsi_tgt_setup
ktgt_mkdev vdisk_nullio/ktag0 size=$((16 << 20))
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/ktag0
iscsi_tgt_enable "$IQN"

cat > /tmp/tags.py <<'EOF'
import os, subprocess, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import *

IQN = sys.argv[1]
configure(IQN)
P = "/sys/module/ktgt_iscsi/parameters"
DELAY = "/sys/kernel/config/ktgt/handlers/vdisk_nullio/ktag0/delay_ms"


def param(name, value):
    with open("%s/%s" % (P, name), "w") as f:
        f.write(str(value))


def reuse(isid, n, blocks, what):
    """n READs of blocks 512-byte blocks, all with one ITT, each sent the
    instant the previous status is in: how many were rejected."""
    c = Conn(isid)
    c.login()
    tur_good(c, what + ": TUR")
    fd = c.s.fileno()
    itt = 0x5a5a0000 + isid % 256
    t0 = time.time()
    # A Python socket with a timeout is non-blocking underneath.
    c.s.settimeout(None)
    r = subprocess.run(["/tmp/itt-reuse", str(fd), str(n), str(blocks),
                        str(itt), str(c.cmdsn), str(c.expstatsn)],
                       pass_fds=(fd,), capture_output=True, text=True,
                       timeout=300)
    c.s.settimeout(20)
    if r.returncode:
        fail("%s: %s" % (what, r.stderr.strip()))
    rejects, cmdsn, expstatsn, reason = map(int, r.stdout.split())
    c.cmdsn, c.expstatsn = cmdsn, expstatsn
    # The connection is still in order.
    c.nop()
    c.s.close()
    print("%s: %d READs of %d bytes with one ITT in %.1f s, %d rejected%s"
          % (what, n, blocks * 512, time.time() - t0, rejects,
             " (reason 0x%02x)" % reason if rejects else ""))
    return rejects


def queued_behind_read(isid, what):
    """A session whose transmit thread is blocked in an 8 MiB READ the
    initiator does not read yet (its Data-In fill the window and the
    socket), with a READ b and a TEST UNIT READY q the receive thread
    completed (nullio) behind it: their status is queued behind the
    READ's. Returns (conn, big, b, b's CmdSN, q, q's CmdSN)."""
    c = Conn(isid, rcvbuf=65536)
    c.login()
    tur_good(c, what + ": TUR")
    big = c.scsi(rw10(0x28, 0, 16384), 8 << 20, read=True)
    time.sleep(2)
    b_sn = c.cmdsn
    b = c.scsi(rw10(0x28, 8, 8), 4096, read=True)
    q_sn = c.cmdsn
    q = c.scsi(tur, 0)
    time.sleep(1)
    return c, big, b, b_sn, q, q_sn


def responses(c, names, big, ops, last, what):
    """The final response of each ITT in names, in the order they come,
    until the one named last (or all, if None): (order, response or
    status by name). Only opcodes ops may come; keepalives are answered,
    the 8 MiB READ big's Data-In before its last skipped."""
    order, resp = [], {}
    t0 = time.time()
    while len(order) < len(names) and last not in order:
        if time.time() - t0 > 120:
            fail("%s: only %r after 120 s" % (what, order))
        try:
            bhs, _ = c.recv()
        except (EOFError, OSError):
            fail("%s: the connection closed after %r" % (what, order))
        if c.is_ping(bhs):
            c.answer_nop(bhs)
            continue
        op, itt = bhs[0] & 0x3f, be32(bhs, 16)
        if op == 0x25 and itt == big and not bhs[1] & 1:
            continue
        if op not in ops or itt not in names:
            fail("%s: opcode 0x%02x for ITT 0x%x" % (what, op, itt))
        order.append(names[itt])
        resp[names[itt]] = bhs[2] if op in (0x22, 0x26) else bhs[3]
    return order, resp


def tmf_order():
    """Statuses queued for the transmit thread before a TMF response go
    out before it."""
    c, big, b, b_sn, q, q_sn = queued_behind_read(0x400000000010,
                                                  "TMF order")
    # ABORT TASK of b and QUERY TASK of q, whose status is on its way:
    # "Task does not exist", after that status.
    ta = c.tmf_send(1, rtt=b, refcmdsn=b_sn)
    tq = c.tmf_send(9, rtt=q, refcmdsn=q_sn)
    time.sleep(2)
    names = {big: "READ 8 MiB", b: "READ b", q: "TUR q", ta: "ABORT TASK b",
             tq: "QUERY TASK q"}
    order, resp = responses(c, names, big, (0x21, 0x22, 0x25), None,
                            "TMF order")
    # The two TMFs complete in either order, and so may the statuses of
    # the READ b and the TUR q (independent tasks): RFC 7143 orders a
    # TMF response only after the tasks it covers.
    if order[0] != "READ 8 MiB" or \
            sorted(order[1:3]) != ["READ b", "TUR q"]:
        fail("TMF order: responses came as %r, expected the READs' and the "
             "TUR's first: a TMF response overtook the status of a task "
             "that completed before it" % order)
    if resp["READ 8 MiB"] or resp["READ b"] or resp["TUR q"]:
        fail("TMF order: statuses %r" % resp)
    if resp["ABORT TASK b"] not in (0, 1) or resp["QUERY TASK q"] not in (0, 1):
        fail("TMF order: TMF responses %r" % resp)
    c.nop()
    c.s.close()
    print("TMF responses after the queued statuses OK: %r" % resp)


def logout_order():
    """Statuses queued for the transmit thread before a Logout Response
    go out before it, not lost to the close that follows it."""
    c, big, b, _, q, _ = queued_behind_read(0x400000000011, "Logout order")
    lo = c.logout_send(1)
    time.sleep(2)
    names = {big: "READ 8 MiB", b: "READ b", q: "TUR q", lo: "Logout"}
    order, resp = responses(c, names, big, (0x21, 0x25, 0x26), "Logout",
                            "Logout order")
    # READ b and TUR q in either order, as above.
    if len(order) != 4 or order[0] != "READ 8 MiB" or order[3] != "Logout" or \
            sorted(order[1:3]) != ["READ b", "TUR q"]:
        fail("Logout order: responses came as %r, expected the READs' and "
             "the TUR's first: the Logout Response overtook statuses of "
             "commands that completed before it, and the close lost them"
             % order)
    if resp["READ 8 MiB"] or resp["READ b"] or resp["TUR q"]:
        fail("Logout order: statuses %r" % resp)
    if not c.closed_within(5):
        fail("Logout order: the connection is still open 5 s after the "
             "Logout Response")
    print("Logout Response after the queued statuses OK")


tmf_order()
logout_order()
errs = []
param("direct_send", 0)
if reuse(0x400000000001, 1000, 8, "4 KiB, direct_send=0"):
    errs.append("4 KiB READs through the transmit thread")
param("direct_send", 1)
if reuse(0x400000000002, 200, 256, "128 KiB"):
    errs.append("128 KiB READs")
with open(DELAY, "w") as f:
    f.write("1")
if reuse(0x400000000003, 200, 8, "4 KiB, delay_ms=1"):
    errs.append("4 KiB READs completed from a workqueue")
with open(DELAY, "w") as f:
    f.write("0")
param("direct_send", 0)
param("bind_threads", 0)
if reuse(0x400000000004, 8000, 8, "4 KiB, direct_send=0, bind_threads=0"):
    errs.append("4 KiB READs, threads unbound")
param("bind_threads", 1)
param("direct_send", 1)
if errs:
    fail("a reused ITT was rejected as a task in progress: " +
         "; ".join(errs))
print("ITT reuse OK")
print("ALL OK")
EOF

out=$(python3 /tmp/tags.py "$IQN" 2>&1)
echo "$out"
echo "$out" | grep -q "^ALL OK$" || fail "raw initiator: $(echo "$out" | tail -n 3)"
echo 1 > $P/direct_send
echo 1 > $P/bind_threads
iscsi_tgt_teardown
pass "task tags: TMF response order, ITT reuse"
