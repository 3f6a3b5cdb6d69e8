#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm monitor and stats. monitor (generic netlink family "ktgt")
# shows the login of the local target's session when ktgtadm apply
# enables it, the POWER ON unit attention of its new nexus (naming that
# session: id, driver, target and initiator as the login does), a failed
# command (an unsupported opcode: CHECK CONDITION) and the logout when
# the target goes, and a LUN reset (TMF). stats counts the reads done
# through the LUN, both for the device and for the session
# (sessions/<id>/stats in sysfs).
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load

truncate -s 32M /tmp/m0.img || fail "truncate"
cat > /tmp/m.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE m0 {
		filename /tmp/m0.img
		serial MON0
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		initiator_name mon.initiator
		LUN 0 m0
	}
}
CONF

"$ADM" monitor -t 120 > /tmp/mon.out 2> /tmp/mon.err &
mon=$!
for ((i = 0; i < 100; i++)); do
	grep -q listening /tmp/mon.err && break
	sleep 0.1
done
grep -q listening /tmp/mon.err || fail "monitor did not start: $(cat /tmp/mon.err)"

out=$("$ADM" apply /tmp/m.conf 2>&1) || fail "apply: $out"
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" serial=MON0)

# I/O: 8 MiB of direct reads.
dd if="$dev" of=/dev/null bs=64k count=128 iflag=direct 2>/dev/null || fail "dd"
out=$("$ADM" stats -i 0) || fail "stats"
echo "$out" | sed 's/^/    /'
dline=$(grep "^device m0 " <<< "$out") || fail "stats has no device m0"
sline=$(grep "^session " <<< "$out" | head -n1) || fail "stats has no session"
for l in "$dline" "$sline"; do
	rb=$(sed -n 's/.* read_bytes=\([0-9]*\).*/\1/p' <<< "$l")
	rd=$(sed -n 's/.* reads=\([0-9]*\).*/\1/p' <<< "$l")
	[ "${rb:-0}" -ge $((8 << 20)) ] || fail "read_bytes ${rb:-none} < 8 MiB in: $l"
	[ "${rd:-0}" -ge 128 ] || fail "reads ${rd:-none} < 128 in: $l"
done
# Rates over an interval while reading.
dd if="$dev" of=/dev/null bs=4k count=20000 iflag=direct 2>/dev/null &
dd_pid=$!
out=$("$ADM" stats -i 1 -c 1) || fail "stats -i 1"
wait $dd_pid
echo "$out" | sed 's/^/    /'
iops=$(grep "^device m0 " <<< "$out" | sed -n 's/.* iops=\([0-9]*\).*/\1/p')
[ "${iops:-0}" -gt 0 ] || fail "stats -i 1 shows no IOPS for m0 while reading"

# A command that fails (an unsupported opcode) and a LUN reset.
if command -v sg_raw >/dev/null; then
	sg=$(ktgt_wait_disk -g host="$host" serial=MON0)
	sg_raw "$sg" ee 00 00 00 00 00 > /dev/null 2>&1
	run_ok "LUN reset" sg_reset -d "$sg"
fi

echo "# empty" > /tmp/empty.conf
"$ADM" apply /tmp/empty.conf > /dev/null || fail "apply empty"
for ((i = 0; i < 100; i++)); do
	grep -q "^.* logout " /tmp/mon.out && break
	sleep 0.1
done
kill $mon 2>/dev/null
wait $mon 2>/dev/null
sed 's/^/    /' /tmp/mon.out | head -n 40

grep -qE "login session=[0-9]+ driver=local target=t0 initiator=mon.initiator$" /tmp/mon.out ||
	fail "monitor shows no login of mon.initiator on local/t0"
sid=$(sed -n 's/.* login session=\([0-9]*\) driver=local target=t0 .*/\1/p' \
	/tmp/mon.out | head -n 1)
grep -qE "ua lun=0 asc=0x29 ascq=0x00 session=$sid driver=local target=t0 initiator=mon.initiator$" \
	/tmp/mon.out ||
	fail "monitor shows no POWER ON unit attention of session $sid"
if command -v sg_raw >/dev/null; then
	grep -qE "error session=[0-9]+ lun=0 opcode=0xee status=0x02" /tmp/mon.out ||
		fail "monitor shows no error for the unsupported opcode"
	grep -qE "tmf session=[0-9]+ driver=local target=t0 initiator=mon.initiator lun=0 function=LUN_RESET response=" /tmp/mon.out ||
		fail "monitor shows no LUN_RESET"
fi
grep -qE "logout session=[0-9]+ driver=local target=t0 initiator=mon.initiator$" /tmp/mon.out ||
	fail "monitor shows no logout"

ktgt_unload_all
pass
