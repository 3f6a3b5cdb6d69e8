#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
# ktgt-smp: 2
#
# ktgtadm apply changes a live configuration under I/O: fio runs random
# read/write against LUN 0 of a local target (vdisk_fileio) while two
# changed configurations are applied (other LUNs added, removed, given
# other devices and attributes, a device removed and one reconfigured, a
# group added, LUN 0's own device untouched). The I/O never sees an
# error, LUN 0's directory is never re-created (same inode), and after
# each apply a dry run of the same file has nothing to do.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
command -v fio >/dev/null || skip "fio not installed"
ktgt_initiator_load

truncate -s 64M /tmp/live0.img /tmp/live1.img /tmp/live2.img || fail "truncate"

# conf NAME: LUN 0 is always f0; the rest differs.
conf_a() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE f0 {
		filename /tmp/live0.img
		serial LIVE0
	}
	DEVICE f1 {
		filename /tmp/live1.img
		serial LIVE1
	}
}
HANDLER vdisk_nullio {
	DEVICE n0 {
		size 16777216
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 f0
		LUN 1 f1
		LUN 2 n0 {
			read_only 1
		}
	}
}
CONF
}

conf_b() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE f0 {
		filename /tmp/live0.img
		serial LIVE0
	}
	DEVICE f1 {
		filename /tmp/live2.img
		serial LIVE1B
	}
	DEVICE f2 {
		filename /tmp/live1.img
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		auto_rescan 1
		LUN 0 f0
		LUN 1 f2
		LUN 4 f1 {
			read_only 1
		}
		GROUP others {
			INITIATOR not.me
			LUN 0 f2
		}
	}
	TARGET t9 {
		LUN 0 f1
	}
}
CONF
}

conf_a > /tmp/a.conf
conf_b > /tmp/b.conf
out=$("$ADM" apply /tmp/a.conf 2>&1) || fail "apply a: $out"
host=$(ktgt_local_host t0)
dev=$(ktgt_wait_disk host="$host" serial=LIVE0)
lun0_inode=$(stat -c %i "$KTGT_CFS/targets/local/t0/luns/0")
log "fio target $dev"

# fio runs until every apply is done (SIGINT; the runtime is only a
# bound): all of them under I/O, however slow the machine.
fio --name=live --filename="$dev" --ioengine=libaio --direct=1 \
	--rw=randrw --bs=4k --iodepth=8 --size=48M --time_based --runtime=600 \
	--verify=0 --output=/tmp/fio.out &
fio_pid=$!
sleep 5

for round in 1 2; do
	out=$("$ADM" apply -v /tmp/b.conf 2>&1) || fail "apply b ($round): $out"
	echo "$out" | sed 's/^/    /'
	out=$("$ADM" apply --dry-run /tmp/b.conf) || fail "dry-run b"
	expect_eq "$out" "nothing to do" "dry run after applying b"
	expect_eq "$(cat $KTGT_CFS/handlers/vdisk_fileio/f1/filename)" /tmp/live2.img "f1 reconfigured"
	expect_eq "$(cat $KTGT_CFS/targets/local/t0/luns/4/read_only)" 1 "LUN 4 read_only"
	[ -d "$KTGT_CFS/targets/local/t0/luns/2" ] && fail "LUN 2 not removed"
	[ -d "$KTGT_CFS/handlers/vdisk_nullio/n0" ] && fail "n0 not removed"
	sleep 3
	out=$("$ADM" apply -v /tmp/a.conf 2>&1) || fail "apply a ($round): $out"
	echo "$out" | sed 's/^/    /'
	out=$("$ADM" apply --dry-run /tmp/a.conf) || fail "dry-run a"
	expect_eq "$out" "nothing to do" "dry run after applying a"
	[ -d "$KTGT_CFS/targets/local/t9" ] && fail "t9 not removed"
	sleep 3
done
expect_eq "$(stat -c %i "$KTGT_CFS/targets/local/t0/luns/0")" "$lun0_inode" "LUN 0 was re-created"

kill -0 $fio_pid 2>/dev/null || fail "fio ended before the last apply"
kill -INT $fio_pid
wait $fio_pid
rc=$?
grep -E 'err=|READ:|WRITE:' /tmp/fio.out | sed 's/^/    /'
# 128: fio's status once it stopped on the signal (fio 3.33; 0 if it ran
# its whole runtime); an I/O error shows in err= below.
[ $rc -eq 0 ] || [ $rc -eq 128 ] ||
	fail "fio failed (rc=$rc) while configurations were applied"
grep -q 'err= 0' /tmp/fio.out || fail "fio saw I/O errors"
grep -qE 'WRITE: bw=[1-9]' /tmp/fio.out || fail "fio wrote nothing"
dmesg | grep -iE "I/O error.*${dev##*/}|${dev##*/}.*(error|fail)" && fail "kernel logged errors for $dev"

echo "# empty" > /tmp/empty.conf
"$ADM" apply /tmp/empty.conf > /dev/null || fail "cleanup"
ktgt_unload_all
pass
