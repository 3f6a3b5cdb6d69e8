#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
# ktgt-smp: 2
#
# Teardown while a connection's receive thread holds responses
# (direct_send with direct_batch: the responses of commands it executed
# itself wait on conn->rx_direct while more PDUs are in the socket).
# Four raw initiators (the Python program below) keep the queue (512
# commands per session) full with TEST UNIT READYs of a vdisk_nullio LUN,
# each sending the commands the window allows in one go (the receive
# thread holds up to direct_batch=64 responses) and ignoring the Async
# Message that asks them to log out, so that disabling the target closes their sessions
# under load, at any point of the receive thread's loop. Each of ROUNDS
# rounds: enable, the initiators run until direct_held has grown,
# disable. Disabling must return within 30 s (it waits for the sessions'
# commands), the sessions directory must empty, and the kernel must not
# log a session waiting for its commands, a hung task or a warning.
# The race it is about (the stop landing between a PDU's last read and
# the loop's test) did not happen on the old code in 38 rounds: this is
# a regression test of teardown under load, kept short (4 rounds;
# TEARDOWN_ROUNDS=16 for more), not a proof of the fix.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/iscsi.sh"

IQN=iqn.2026-11.org.ktgt:held
ROUNDS=${TEARDOWN_ROUNDS:-4}
NINI=4
EN="$KTGT_CFS/targets/iscsi/$IQN/enable"
P=/sys/module/ktgt_iscsi/parameters
S=/sys/kernel/ktgt_iscsi

iscsi_tgt_setup
iscsi_tgt_mktarget "$IQN" 127.0.0.1
ktgt_mkdev vdisk_nullio/held0 size=$((64 << 20))
ktgt_maplun "iscsi/$IQN" 0 vdisk_nullio/held0
ktgt_write "$KTGT_CFS/targets/iscsi/$IQN/queue_depth" 512
ktgt_write "$P/direct_send" 1
ktgt_write "$P/direct_batch" 64

cat > /tmp/flood.py <<'EOF'
import os, socket, struct, sys, threading
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from iscsi_raw import recvall, pad

IQN = sys.argv[1]
ISID = 0x400000200000 + int(sys.argv[2])
INI = "iqn.2026-11.org.ktgt:flood-%s" % sys.argv[2]

s = socket.create_connection(("127.0.0.1", 3260), timeout=60)
lock = threading.Lock()
expstatsn = 0
stage, cmdsn = 0, 1
keys = {"InitiatorName": INI, "TargetName": IQN, "SessionType": "Normal",
        "AuthMethod": "None"}
ops = {"HeaderDigest": "None", "DataDigest": "None",
       "MaxRecvDataSegmentLength": "65536", "InitialR2T": "Yes",
       "ImmediateData": "Yes", "MaxOutstandingR2T": "1",
       "ErrorRecoveryLevel": "0"}
for step in range(6):
    bhs = bytearray(48)
    bhs[0] = 0x43
    bhs[1] = 0x80 | (stage << 2) | (1 if stage == 0 else 3)
    bhs[8:14] = struct.pack(">Q", ISID)[2:]
    bhs[16:20] = struct.pack(">I", 0x77)
    bhs[24:28] = struct.pack(">I", cmdsn)
    bhs[28:32] = struct.pack(">I", expstatsn)
    data = b"".join(("%s=%s" % kv).encode() + b"\0"
                    for kv in (keys if stage == 0 else ops).items())
    bhs[5:8] = struct.pack(">I", len(data))[1:]
    s.sendall(bytes(bhs) + data + b"\0" * pad(len(data)))
    rsp = recvall(s, 48)
    dlen = struct.unpack(">I", b"\0" + rsp[5:8])[0]
    recvall(s, dlen + pad(dlen))
    if rsp[0] & 0x3f != 0x23 or rsp[36] != 0:
        print("login refused: %d/%d" % (rsp[36], rsp[37]))
        sys.exit(1)
    expstatsn = struct.unpack(">I", rsp[24:28])[0] + 1
    cmdsn = struct.unpack(">I", rsp[28:32])[0]
    maxcmdsn = struct.unpack(">I", rsp[32:36])[0]
    if rsp[1] & 0x80:
        if (rsp[1] & 3) == 3:
            break
        stage = rsp[1] & 3
else:
    print("login did not reach the full-feature phase")
    sys.exit(1)

# TEST UNIT READY, simple task attribute: executed in the receive
# thread, a 48-byte response, so that this side keeps up.
tmpl = bytearray(48)
tmpl[0] = 0x01
tmpl[1] = 0x80 | 1
state = {"max": maxcmdsn, "done": 0, "nop": []}
cv = threading.Condition(lock)

def reader():
    global expstatsn
    buf = bytearray()
    try:
        while True:
            c = s.recv(1 << 20)
            if not c:
                break
            buf += c
            off, done, esn, mx, nops = 0, 0, None, None, []
            while len(buf) - off >= 48:
                dlen = int.from_bytes(buf[off + 5:off + 8], "big")
                end = off + 48 + dlen + pad(dlen)
                if end > len(buf):
                    break
                op = buf[off] & 0x3f
                fin = buf[off + 1] & 1
                if op in (0x21, 0x32, 0x3f, 0x20) or (op == 0x25 and fin):
                    esn = int.from_bytes(buf[off + 24:off + 28], "big") + 1
                mx = int.from_bytes(buf[off + 32:off + 36], "big")
                if op == 0x21 or (op == 0x25 and fin):
                    done += 1
                if op == 0x20 and buf[off + 16:off + 20] == b"\xff\xff\xff\xff":
                    nops.append(bytes(buf[off + 20:off + 24]))
                off = end
            del buf[:off]
            with cv:
                if esn is not None:
                    expstatsn = esn
                if mx is not None:
                    state["max"] = mx
                state["done"] += done
                state["nop"] += nops
                cv.notify()
    except OSError:
        pass
    with cv:
        state["eof"] = True
        cv.notify()

threading.Thread(target=reader, daemon=True).start()
itt = 0x100
printed = False
try:
    while True:
        with cv:
            while not state.get("eof") and not state["nop"] and \
                    ((state["max"] - cmdsn) & 0xffffffff) >= 0x80000000:
                cv.wait(1)
            if state.get("eof"):
                break
            n = ((state["max"] - cmdsn) & 0xffffffff) + 1
            if n >= 0x80000000:
                n = 0
            nops, state["nop"] = state["nop"], []
            done = state["done"]
            esn = expstatsn
        out = bytearray(48 * (len(nops) + n))
        pos = 0
        for ttt in nops:
            out[pos] = 0x40
            out[pos + 1] = 0x80
            out[pos + 16:pos + 24] = b"\xff\xff\xff\xff" + ttt
            struct.pack_into(">II", out, pos + 24, cmdsn, esn)
            pos += 48
        for i in range(n):
            out[pos:pos + 48] = tmpl
            struct.pack_into(">I", out, pos + 16, itt)
            struct.pack_into(">II", out, pos + 24, cmdsn, esn)
            pos += 48
            itt = (itt + 1) & 0x7fffffff
            cmdsn = (cmdsn + 1) & 0xffffffff
        s.sendall(out)
        if not printed and done >= 1000:
            print("running", flush=True)
            printed = True
except OSError:
    pass
print("ended after %d commands" % state["done"], flush=True)
EOF

held() { cat "$S/direct_held"; }
hung() {
	dmesg | grep -E "waiting for [0-9]+ commands|blocked for more than|still waiting|WARNING:|BUG:" | head -n 3
}

for ((r = 1; r <= ROUNDS; r++)); do
	iscsi_tgt_enable "$IQN"
	h0=$(held)
	pids=()
	for ((i = 0; i < NINI; i++)); do
		python3 /tmp/flood.py "$IQN" "$i" > "/tmp/flood.$i.log" 2>&1 &
		pids+=($!)
	done
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -l running /tmp/flood.*.log 2>/dev/null | wc -l)" -eq $NINI ] && break
		sleep 0.1
	done
	[ $i -lt 300 ] || fail "round $r: the initiators are not all running after 30 s: $(tail -q -n 2 /tmp/flood.*.log)"
	# Let them run a little more, at a different point each round.
	sleep "0.$((r * 7 % 10))"
	[ "$(held)" -gt "$h0" ] || fail "round $r: direct_held did not grow: responses were never held"
	( echo 0 > "$EN" ) &
	dis=$!
	for ((i = 0; i < 300; i++)); do
		kill -0 "$dis" 2> /dev/null || break
		sleep 0.1
	done
	if kill -0 "$dis" 2> /dev/null; then
		fail "round $r: disabling the target has not returned after 30 s: $(hung)"
	fi
	wait "$dis" || fail "round $r: disabling the target failed"
	for ((i = 0; i < 100; i++)); do
		[ -z "$(ls "$S/sessions/")" ] && break
		sleep 0.1
	done
	expect_eq "$(ls "$S/sessions/")" "" "round $r: sessions left after disable"
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	echo "round $r: held $(($(held) - h0)) responses; $(tail -q -n 1 /tmp/flood.*.log | tr '\n' ' ')"
	[ -z "$(hung)" ] || fail "round $r: $(hung)"
done

iscsi_tgt_teardown
pass "disable under load with responses held, $ROUNDS rounds"
