#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm apply / write / list / check with every kind of object: a
# config with vdisk_fileio, vdisk_blockio, vdisk_nullio and vcdrom
# devices (with attributes), a local target with default LUNs, two
# initiator groups with initiators and LUN attributes is applied from
# nothing (loading the modules itself); configfs must then hold exactly
# it; written back, the output applies as a no-op, and writing again
# gives the same text (round trip). Applying the original file again is a
# no-op too. write makes a new file 0600 and never leaves one readable by
# others. list shows the session of the local initiator. Every
# writable attribute of the configfs tree is in the written file.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
modprobe loop || fail "modprobe loop"
ktgt_initiator_load

truncate -s 32M /tmp/f0.img || fail "truncate"
truncate -s 16M /tmp/b0.img || fail "truncate"
truncate -s 4M /tmp/cd0.iso || fail "truncate"
loopdev=$(losetup -f --show /tmp/b0.img) || fail "losetup"
trap 'losetup -d "$loopdev" 2>/dev/null' EXIT

cat > /tmp/ktgt.conf <<CONF
# every kind of object
HANDLER vdisk_fileio {
	DEVICE f0 {
		filename /tmp/f0.img
		blocksize 4096
		serial ADMF0
		vendor_id "KT ADM"
		write_through 1
	}
}

HANDLER vdisk_blockio {
	DEVICE b0 {
		filename $loopdev
		serial ADMB0
	}
}

HANDLER vdisk_nullio {
	DEVICE n0 {
		size 8388608
		serial ADMN0
	}
}

HANDLER vcdrom {
	DEVICE cd0 {
		filename /tmp/cd0.iso
	}
}

TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 f0
		LUN 1 n0 {
			read_only 1
		}
		GROUP nobody {
			INITIATOR no.such.initiator
			INITIATOR "other.*"
			LUN 0 b0
		}
		GROUP everyone {
			INITIATOR *
			LUN 0 f0
			LUN 3 cd0
			LUN 5 b0 {
				read_only 1
			}
		}
	}
	TARGET t1 {
		LUN 7 n0
	}
}
CONF

run_ok "check" "$ADM" check /tmp/ktgt.conf
out=$("$ADM" apply /tmp/ktgt.conf 2>&1) || fail "apply: $out"
log "apply: $(tail -n1 <<< "$out")"

C=$KTGT_CFS
expect_eq "$(cat $C/handlers/vdisk_fileio/f0/enable)" 1 "f0 enabled"
expect_eq "$(cat $C/handlers/vdisk_fileio/f0/blocksize)" 4096 "f0 blocksize"
expect_eq "$(cat $C/handlers/vdisk_fileio/f0/vendor_id)" "KT ADM" "f0 vendor_id (quoted)"
expect_eq "$(cat $C/handlers/vdisk_fileio/f0/write_through)" 1 "f0 write_through"
expect_eq "$(cat $C/handlers/vdisk_blockio/b0/filename)" "$loopdev" "b0 filename"
expect_eq "$(cat $C/handlers/vdisk_nullio/n0/size)" 8388608 "n0 size"
expect_eq "$(cat $C/handlers/vcdrom/cd0/enable)" 1 "cd0 enabled"
expect_eq "$(cat $C/targets/local/t0/enable)" 1 "t0 enabled"
expect_eq "$(cat $C/targets/local/t1/enable)" 0 "t1 disabled"
expect_eq "$(cat $C/targets/local/t0/luns/1/read_only)" 1 "t0 LUN 1 read_only"
expect_eq "$(basename "$(readlink $C/targets/local/t0/luns/0/device)")" f0 "t0 LUN 0 -> f0"
expect_eq "$(basename "$(readlink $C/targets/local/t0/groups/everyone/luns/5/device)")" b0 "everyone LUN 5 -> b0"
expect_eq "$(cat $C/targets/local/t0/groups/everyone/luns/5/read_only)" 1 "everyone LUN 5 read_only"
[ -d "$C/targets/local/t0/groups/nobody/initiators/other.*" ] || fail "initiator other.* missing"
[ -d "$C/targets/local/t0/groups/everyone/initiators/*" ] || fail "initiator * missing"
expect_eq "$(cat $C/targets/local/t1/luns/7/read_only)" 0 "t1 LUN 7"

# The local initiator sees the 'everyone' group: LUNs 0, 3, 5.
host=$(ktgt_local_host t0)
ktgt_wait_disk host="$host" serial=ADMB0 > /dev/null
out=$("$ADM" list) || fail "list failed"
echo "$out" | sed 's/^/    /'
grep -q "^SESSION .* local/t0 initiator=" <<< "$out" || fail "list shows no session of local/t0"
grep -q "luns=0 3 5" <<< "$out" || fail "list: the session should see LUNs 0 3 5"
grep -q "^TARGET local/t0 enabled" <<< "$out" || fail "list: no target t0"

# Round trip. A new file is written 0600 (it may hold CHAP secrets); a
# file replaced keeps its mode, but not what others may do.
"$ADM" write /tmp/w1.conf || fail "write"
expect_eq "$(stat -c %a /tmp/w1.conf)" 600 "mode of a file write made"
chmod 644 /tmp/w1.conf
"$ADM" write /tmp/w1.conf || fail "write over a file of mode 644"
expect_eq "$(stat -c %a /tmp/w1.conf)" 640 "mode of a 644 file write replaced"
sed 's/^/    /' /tmp/w1.conf
out=$("$ADM" apply --dry-run /tmp/w1.conf) || fail "dry-run of written: $out"
expect_eq "$out" "nothing to do" "dry-run of the written file"
out=$("$ADM" apply --dry-run /tmp/ktgt.conf) || fail "dry-run of original: $out"
expect_eq "$out" "nothing to do" "dry-run of the original file"
out=$("$ADM" apply /tmp/w1.conf) || fail "apply written: $out"
expect_eq "$out" "/tmp/w1.conf: nothing to do" "apply of the written file"
"$ADM" write > /tmp/w2.conf || fail "write to stdout"
cmp /tmp/w1.conf /tmp/w2.conf || fail "write -> apply -> write differs"

# Groups keep their creation order (the first match wins).
g1=$(grep -n "GROUP nobody" /tmp/w1.conf | cut -d: -f1)
g2=$(grep -n "GROUP everyone" /tmp/w1.conf | cut -d: -f1)
[ "$g1" -lt "$g2" ] || fail "written groups are not in creation order"

# Everything in the file is in the written file.
for w in "DEVICE f0" "DEVICE b0" "DEVICE n0" "DEVICE cd0" "TARGET t0" "TARGET t1" \
	 "GROUP nobody" "GROUP everyone" "INITIATOR other.*" "INITIATOR \*" \
	 "LUN 5 b0" "LUN 7 n0" 'vendor_id "KT ADM"'; do
	grep -q "$w" /tmp/w1.conf || fail "written file lacks '$w'"
done

# Every readable and writable attribute in the configfs tree is in the
# written file, once per object ("enable" is the modelled enabled/enable
# line): the file can set every attribute configfs has.
# (An attribute whose read fails, as local's test_tmf without
# test_hooks, has no value to write.)
find $C/handlers $C/targets $C/alua -type f -perm -u=rw ! -name enable \
	-print0 2>/dev/null | while IFS= read -r -d '' f; do
	cat "$f" > /dev/null 2>&1 && echo "${f##*/}"
done | sort > /tmp/attr-files
grep -vE '^[[:space:]]*($|#|}|(HANDLER|DEVICE|TARGET_DRIVER|TARGET|LUN|GROUP|INITIATOR|PORTAL|DEVICE_GROUP|TARGET_GROUP|enabled|enable) )' \
	/tmp/w1.conf | awk '{ print $1 }' | sed 's|.*/||' | sort > /tmp/attr-written
[ -s /tmp/attr-files ] || fail "no attribute files found"
diff /tmp/attr-files /tmp/attr-written > /tmp/attr-diff ||
	fail "configfs attributes and written ones differ ('<' not written): $(tr '\n' ' ' < /tmp/attr-diff)"
log "$(wc -l < /tmp/attr-files) writable attributes, all written"

# Apply the empty configuration: everything goes.
echo "# nothing" > /tmp/empty.conf
out=$("$ADM" apply /tmp/empty.conf 2>&1) || fail "apply empty: $out"
n=$(find $C/handlers $C/targets -mindepth 2 -maxdepth 2 -type d | wc -l)
expect_eq "$n" 0 "objects left after applying an empty file"
# And back from the written file.
out=$("$ADM" apply /tmp/w1.conf 2>&1) || fail "apply w1 from scratch: $out"
"$ADM" write /tmp/w3.conf || fail "write"
cmp /tmp/w1.conf /tmp/w3.conf || { diff /tmp/w1.conf /tmp/w3.conf; fail "re-applied written file differs"; }

"$ADM" apply /tmp/empty.conf > /dev/null || fail "cleanup"
ktgt_unload_all
pass
