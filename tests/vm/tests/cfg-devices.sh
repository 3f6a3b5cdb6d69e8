#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# Devices through configfs: handler directories appear with the handler
# module; mkdir creates a device with the documented defaults and a sysfs
# directory; every invalid write is refused with EINVAL and keeps the old
# value; a parameter write on an enabled device is refused with EBUSY
# unless the parameter is live (then it takes effect at once);
# enable/resync_size/size behave; device names are unique across
# handlers; rmdir of an enabled unmapped device works; the handler module
# cannot be unloaded while it has devices.
. "$KTGT_REPO/tests/lib/guest.sh"

H=$KTGT_CFS/handlers
DEVS=$KTGT_SYSFS/devices

# The helpers below run no subshell and no external command: on the
# debug kernel under TCG every fork costs, and this test makes hundreds
# of writes.
ERRF=$(mktemp)

# wr FILE VALUE: write VALUE and a newline to FILE; on failure the error
# message is left in $err.
wr() {
	err=
	if { printf '%s\n' "$2" > "$1"; } 2> "$ERRF"; then
		return 0
	fi
	IFS= read -r err < "$ERRF"
	return 1
}

# get FILE: read the first line of FILE into $val.
get() {
	val=
	IFS= read -r val < "$1" || [ -n "$val" ] || fail "cannot read $1"
}

# is FILE EXPECTED: FILE reads EXPECTED.
is() {
	get "$1"
	[ "$val" = "$2" ] || fail "${1#"$KTGT_CFS"/}: expected '$2', got '$val'"
}

# refused DIR ATTR VALUE ERRTEXT: writing VALUE fails with ERRTEXT and the
# attribute keeps its value.
refused() {
	local old
	get "$1/$2"
	old=$val
	if wr "$1/$2" "$3"; then
		fail "$2='$3' succeeded, expected '$4'"
	fi
	case "$err" in
	*"$4"*) ;;
	*) fail "$2='$3' failed with '$err', expected '$4'" ;;
	esac
	get "$1/$2"
	[ "$val" = "$old" ] ||
		fail "$2 changed from '$old' to '$val' by refused '$3'"
}

# refused_wo FILE VALUE ERRTEXT: writing VALUE to a write-only FILE fails
# with ERRTEXT (any error if ERRTEXT is empty).
refused_wo() {
	if wr "$1" "$2"; then
		fail "${1##*/}='$2' succeeded, expected '$3'"
	fi
	case "$err" in
	*"$3"*) ;;
	*) fail "${1##*/}='$2' failed with '$err', expected '$3'" ;;
	esac
}

# expect_err WHAT ERRTEXT CMD...: command CMD must fail with strerror
# text ERRTEXT.
expect_err() {
	local what=$1 e=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "$what: '$*' succeeded, expected '$e'"
	fi
	case "$out" in
	*"$e"*) ;;
	*) fail "$what: '$*' failed with '$out', expected '$e'" ;;
	esac
}

# accepted DIR ATTR VALUE [SHOWN]: writing VALUE works and reads back.
accepted() {
	wr "$1/$2" "$3" || fail "$2='$3' refused: $err"
	is "$1/$2" "${4:-$3}"
}

ktgt_load ktgt_vdisk

log "handler directories"
for h in vdisk_fileio vdisk_blockio vdisk_nullio vcdrom; do
	[ -d "$H/$h" ] || fail "handlers/$h missing after modprobe ktgt_vdisk"
done
[ -d "$DEVS" ] || fail "$DEVS missing"
[ -d "$KTGT_SYSFS/sessions" ] || fail "$KTGT_SYSFS/sessions missing"

log "defaults of a new device"
N=$H/vdisk_nullio/n0
run_ok "mkdir n0" mkdir "$N"
[ -d "$DEVS/n0" ] || fail "sysfs devices/n0 missing"
is "$N/enable" 0
is "$N/blocksize" 512
is "$N/vendor_id" KTGT
is "$N/product_id" vdisk_nullio
ver=$(modinfo -F version ktgt_core)
rev=${ver:0:4}
rev=${rev%%.}
is "$N/revision" "$rev"
get "$N/serial"
serial=$val
[[ $serial =~ ^[0-9a-f]{16}$ ]] || fail "default serial '$serial'"
get "$N/naa_id"
naa=$val
[[ $naa =~ ^6[0-9a-f]{31}$ ]] || fail "default naa_id '$naa'"
for a in read_only write_through nv_cache thin_provisioned rotational \
	 removable; do
	is "$N/$a" 0
done
is "$DEVS/n0/enabled" 0
is "$DEVS/n0/nr_luns" 0
is "$DEVS/n0/handler" vdisk_nullio
stats=$(< "$DEVS/n0/stats")
for k in reads writes other read_bytes write_bytes errors avg_latency_ns; do
	[[ $'\n'$stats$'\n' == *$'\n'"$k 0"$'\n'* ]] ||
		fail "stats has no '$k 0': $stats"
done

log "identifiers are stable per name and differ between names"
run_ok "mkdir n1" mkdir "$H/vdisk_nullio/n1"
get "$H/vdisk_nullio/n1/serial"
[ "$val" != "$serial" ] || fail "n0 and n1 have the same serial"
get "$H/vdisk_nullio/n1/naa_id"
[ "$val" != "$naa" ] || fail "n0 and n1 have the same naa_id"
run_ok "rmdir n1" rmdir "$H/vdisk_nullio/n1"
[ ! -e "$DEVS/n1" ] || fail "sysfs devices/n1 left after rmdir"
run_ok "rmdir n0" rmdir "$N"
run_ok "mkdir n0 again" mkdir "$N"
is "$N/serial" "$serial"
is "$N/naa_id" "$naa"

log "invalid values are refused and the old value kept"
for v in 1024 0 2048 abc -512 512x 0x200 ""; do
	refused "$N" blocksize "$v" "Invalid argument"
done
for a in read_only write_through nv_cache thin_provisioned rotational \
	 removable; do
	for v in 2 -1 abc yes 10 ""; do
		refused "$N" "$a" "$v" "Invalid argument"
	done
done
refused "$N" vendor_id 123456789 "Invalid argument"
refused "$N" vendor_id "" "Invalid argument"
refused "$N" vendor_id "$(printf 'ab\tc')" "Invalid argument"
refused "$N" product_id 0123456789abcdefX "Invalid argument"
refused "$N" revision 12345 "Invalid argument"
refused "$N" serial 0123456789abcdef0123456789abcdefX "Invalid argument"
refused "$N" serial "a b" "Invalid argument"
refused "$N" naa_id 6001405abcdef0123456789abcdef01 "Invalid argument"
refused "$N" naa_id 6001405abcdef0123456789abcdef0123 "Invalid argument"
refused "$N" naa_id 5001405abcdef0123456789abcdef012 "Invalid argument"
refused "$N" naa_id 6001405abcdefg123456789abcdef012 "Invalid argument"
refused "$N" naa_id 0x6001405abcdef0123456789abcdef01 "Invalid argument"
refused_wo "$N/resync_size" 2 "Invalid argument"
refused_wo "$N/resync_size" 1 "No such device"
refused "$N" enable 2 "Invalid argument"
refused "$N" enable yes "Invalid argument"
is "$N/enable" 0

log "valid values are taken while disabled"
accepted "$N" blocksize 4096
accepted "$N" blocksize 512
accepted "$N" blocksize 4096
for a in read_only write_through nv_cache thin_provisioned rotational \
	 removable; do
	accepted "$N" "$a" 1
	accepted "$N" "$a" 0
done
accepted "$N" vendor_id "ACME CO"
accepted "$N" vendor_id 12345678
accepted "$N" product_id "0123456789abcdef"
accepted "$N" revision "1.2a"
accepted "$N" serial "SER-123_x"
accepted "$N" serial 0123456789abcdef0123456789abcdef
accepted "$N" naa_id 6001405ABCDEF0123456789ABCDEF012 \
	6001405abcdef0123456789abcdef012
accepted "$N" naa_id "$naa"

log "enable, size and resync_size"
accepted "$N" size 1048576
accepted "$N" enable 1
is "$DEVS/n0/enabled" 1
is "$DEVS/n0/capacity" 256
accepted "$N" enable 1
accepted "$N" size 2097152
wr "$N/resync_size" 1 || fail "resync_size refused: $err"
is "$DEVS/n0/capacity" 512

log "parameters that cannot change while enabled"
refused "$N" blocksize 512 "Device or resource busy"
for a in thin_provisioned removable; do
	refused "$N" "$a" 1 "Device or resource busy"
done
refused "$N" serial NEWSERIAL "Device or resource busy"
refused "$N" naa_id 6001405abcdef0123456789abcdef012 \
	"Device or resource busy"
log "live parameters (Documentation/configfs.rst), the current value"
accepted "$N" blocksize 4096
accepted "$N" thin_provisioned 0
for a in read_only write_through nv_cache rotational; do
	accepted "$N" "$a" 1
done
refused "$N" read_only 0 "Device or resource busy"
for a in write_through nv_cache rotational; do
	accepted "$N" "$a" 0
done
accepted "$N" vendor_id NEWVEND
accepted "$N" product_id NEWPROD
accepted "$N" revision 9
accepted "$N" enable 0
is "$DEVS/n0/enabled" 0
accepted "$N" read_only 0
accepted "$N" blocksize 512
accepted "$N" enable 1
is "$DEVS/n0/capacity" 4096

log "generic size is read-only; a handler error fails enable"
truncate -s 8M /tmp/cfg-f0.img
F=$H/vdisk_fileio/f0
run_ok "mkdir f0" mkdir "$F"
refused "$F" size 4096 ""
is "$F/size" 0
refused "$F" enable 1 ""
is "$DEVS/f0/enabled" 0
accepted "$F" filename /tmp/cfg-f0.img
accepted "$F" enable 1
is "$F/size" 8388608
is "$DEVS/f0/capacity" 16384

log "CD-ROM block size is 2048 only"
C=$H/vcdrom/c0
run_ok "mkdir c0" mkdir "$C"
is "$C/blocksize" 2048
refused "$C" blocksize 512 "Invalid argument"
refused "$C" blocksize 4096 "Invalid argument"
accepted "$C" blocksize 2048

log "device names are unique across handlers"
expect_err "duplicate n0 under fileio" "File exists" \
	mkdir "$H/vdisk_fileio/n0"
expect_err "duplicate f0 under vcdrom" "File exists" mkdir "$H/vcdrom/f0"
expect_err "duplicate c0 under blockio" "File exists" \
	mkdir "$H/vdisk_blockio/c0"
[ ! -e "$H/vdisk_fileio/n0" ] || fail "refused duplicate left a directory"
is "$DEVS/n0/handler" vdisk_nullio

log "the handler module is held while it has devices"
expect_err "rmmod ktgt_vdisk with devices" "in use" rmmod ktgt_vdisk
lsmod | grep -q '^ktgt_vdisk ' || fail "ktgt_vdisk unloaded with devices"
[ -d "$N" ] || fail "n0 gone after refused rmmod"

log "rmdir of enabled unmapped devices; the name is free again"
run_ok "rmdir enabled n0" rmdir "$N"
[ ! -e "$DEVS/n0" ] || fail "sysfs devices/n0 left after rmdir"
run_ok "mkdir n0 under fileio" mkdir "$H/vdisk_fileio/n0"
[ -d "$DEVS/n0" ] || fail "sysfs devices/n0 missing after re-creation"
is "$DEVS/n0/handler" vdisk_fileio
run_ok "rmdir n0" rmdir "$H/vdisk_fileio/n0"
run_ok "rmdir enabled f0" rmdir "$F"
run_ok "rmdir c0" rmdir "$C"
[ -z "$(ls "$DEVS")" ] || fail "sysfs devices not empty: $(ls "$DEVS")"

log "unload"
run_ok "rmmod ktgt_vdisk" rmmod ktgt_vdisk
[ ! -e "$H/vdisk_nullio" ] || fail "handlers/vdisk_nullio left after rmmod"
[ -z "$(ls "$H")" ] || fail "handlers/ not empty after rmmod: $(ls "$H")"
run_ok "rmmod ktgt_core" rmmod ktgt_core
rm -f /tmp/cfg-f0.img "$ERRF"
pass
