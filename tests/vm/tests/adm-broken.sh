#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# ktgtadm changes nothing when it must not: broken files (syntax errors,
# a LUN naming a missing device, an attribute the handler does not have,
# a read-only attribute) are refused with FILE:LINE and status 2;
# --dry-run of a changed file prints steps and changes nothing; a file
# whose apply fails midway (a device whose backing file does not exist
# cannot be enabled) is undone to the configuration before, status 3.
# Each time the whole configfs tree (every value, every link) is compared
# before and after.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ADM=$KTGT_REPO/tools/ktgtadm/ktgtadm
[ -x "$ADM" ] || fail "no $ADM (make tools)"
ktgt_initiator_load

# snapshot: every directory, link and readable value under configfs.
snapshot() {
	{
		find "$KTGT_CFS" -type d
		find "$KTGT_CFS" -type l -printf '%p -> %l\n'
		grep -r -H -s "" "$KTGT_CFS"
	} | sort
}

truncate -s 16M /tmp/g0.img /tmp/g1.img || fail "truncate"
cat > /tmp/good.conf <<CONF
HANDLER vdisk_fileio {
	DEVICE g0 {
		filename /tmp/g0.img
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 g0
		GROUP grp {
			INITIATOR somebody
			LUN 1 g0
		}
	}
}
CONF
# --dry-run loads nothing: first with no module, then with only the core.
out=$("$ADM" apply --dry-run /tmp/good.conf 2>&1) || fail "dry-run without modules: $out"
grep -q "^modprobe ktgt_core$" <<< "$out" || fail "dry-run does not say it loads ktgt_core"
grep -q "^mkdir handlers/vdisk_fileio/g0$" <<< "$out" || fail "dry-run without modules: no steps"
[ -d /sys/module/ktgt_core ] && fail "dry-run loaded ktgt_core"
ktgt_load
out=$("$ADM" apply --dry-run /tmp/good.conf 2>&1) || fail "dry-run with the core only: $out"
grep -q "^modprobe ktgt_vdisk$" <<< "$out" || fail "dry-run does not say it loads ktgt_vdisk"
grep -q "^link targets/local/t0/luns/0/device handlers/vdisk_fileio/g0$" <<< "$out" ||
	fail "dry-run with the core only: no steps"
[ -d /sys/module/ktgt_vdisk ] && fail "dry-run loaded ktgt_vdisk"
[ -d "$KTGT_CFS/targets/local" ] && fail "dry-run loaded ktgt_local"

out=$("$ADM" apply /tmp/good.conf 2>&1) || fail "apply good: $out"
snapshot > /tmp/before

# broken FILE LINE MESSAGE-PART: apply must fail with status 2 and say
# FILE:LINE: ...MESSAGE-PART, and configfs must be unchanged.
broken() {
	local out rc
	out=$("$ADM" apply "$1" 2>&1)
	rc=$?
	expect_eq "$rc" 2 "status of apply $1 ($out)"
	case "$out" in
	"$1:$2: "*"$3"*) log "refused: $out" ;;
	*) fail "apply $1: expected '$1:$2: ...$3...', got '$out'" ;;
	esac
	out=$("$ADM" check "$1" 2>&1) && fail "check $1 succeeded"
	snapshot > /tmp/after
	diff /tmp/before /tmp/after || fail "apply of $1 changed configfs"
}

# A valid first half that would change things, then a syntax error.
cat > /tmp/b1.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE g1 {
		filename /tmp/g1.img
	}
}
TARGET_DRIVER local {
	TARGET t1 {
		enabled 1
		LUN 0 g1 {
			read_only "1
		}
	}
}
CONF
broken /tmp/b1.conf 10 "unterminated quoted string"

cat > /tmp/b2.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE g0 {
		filename /tmp/g0.img
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 g0
		LUN 2 nosuchdev
	}
}
CONF
broken /tmp/b2.conf 10 "no DEVICE 'nosuchdev'"

cat > /tmp/b3.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE g0 {
		filename /tmp/g0.img
		no_such_attribute 1
	}
}
CONF
broken /tmp/b3.conf 4 "has no attribute 'no_such_attribute'"

cat > /tmp/b4.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE g0 {
		filename /tmp/g0.img
	}
	DEVICE g9 {
		filename /tmp/g1.img
		size 4096
	}
}
CONF
broken /tmp/b4.conf 7 "is read-only"

cat > /tmp/b5.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE g0 {
		filename /tmp/g0.img
	}
CONF
broken /tmp/b5.conf 1 "HANDLER block is not closed"

# --dry-run of a real change: steps printed, nothing changed.
cat > /tmp/change.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE g0 {
		filename /tmp/g0.img
	}
	DEVICE g1 {
		filename /tmp/g1.img
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 g0
		LUN 1 g1
	}
}
CONF
out=$("$ADM" apply --dry-run /tmp/change.conf) || fail "dry-run failed"
echo "$out" | sed 's/^/    /'
grep -q "^mkdir handlers/vdisk_fileio/g1$" <<< "$out" || fail "dry-run does not show the new device"
grep -q "^rmdir targets/local/t0/groups/grp$" <<< "$out" || fail "dry-run does not show the group removal"
grep -q "luns/0" <<< "$out" && fail "dry-run touches the unchanged LUN 0"
snapshot > /tmp/after
diff /tmp/before /tmp/after || fail "--dry-run changed configfs"

# A step fails midway: everything done before it is undone.
cat > /tmp/fails.conf <<'CONF'
HANDLER vdisk_fileio {
	DEVICE g0 {
		filename /tmp/g0.img
	}
	DEVICE a1 {
		filename /tmp/g1.img
	}
	DEVICE z9 {
		filename /tmp/does-not-exist.img
	}
}
TARGET_DRIVER local {
	TARGET t0 {
		enabled 1
		LUN 0 g0
		LUN 1 a1
	}
}
CONF
out=$("$ADM" apply /tmp/fails.conf 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
expect_eq "$rc" 3 "status of a failing apply"
grep -q "undid the .* steps done" <<< "$out" || fail "apply did not say it undid its steps"
snapshot > /tmp/after
diff /tmp/before /tmp/after || fail "a failed apply left configfs changed"

"$ADM" apply /tmp/change.conf > /dev/null || fail "apply change"
echo "# empty" > /tmp/empty.conf
"$ADM" apply /tmp/empty.conf > /dev/null || fail "cleanup"
ktgt_unload_all
pass
