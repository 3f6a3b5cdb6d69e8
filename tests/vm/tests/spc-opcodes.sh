#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 400
#
# REPORT SUPPORTED OPERATION CODES through ktgt_local: the list of every
# command (with and without command timeouts descriptors) names each
# command once, each listed command is reported supported with CDB USAGE DATA of its CDB
# length, known commands have their exact descriptor and usage data,
# unsupported ones SUPPORT 001b, truncation to the allocation length, and
# REPORTING OPTIONS that do not fit the operation code are refused with
# the field pointer at REPORTING OPTIONS. UNMAP is listed only by a thin
# provisioned LU: another gets SUPPORT 001b for it, as UNMAP itself gets
# INVALID COMMAND OPERATION CODE there.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

# Scratch files: the guest's /tmp is shared with other users of the host.
T=$(mktemp -d /tmp/spc-test.XXXXXX) || fail "mktemp"

# din LEN CDB...: data-in of a CDB on $sg as hex; GOOD status required.
din() {
	local len=$1 f=$T/din
	shift
	rm -f "$f"
	sg_raw -r "$len" -o "$f" "$sg" "$@" >/dev/null 2>&1 ||
		fail "sg_raw $sg $* failed"
	xxd -p "$f" | tr -d '\n'
	rm -f "$f"
}

expect_check() {
	[ "${3%% *}" = status=02 ] ||
		fail "$1: expected CHECK CONDITION, got $3"
	expect_eq "$(ktgt_sense_decode "${3#*sense=}")" "$2" "$1: sense"
}

# rsoc OPTS OP SA_HI SA_LO: a REPORT SUPPORTED OPERATION CODES CDB with
# allocation length 4096.
rsoc() {
	echo "a3 0c $1 $2 $3 $4 00 00 10 00 00 00"
}

ktgt_load ktgt_vdisk ktgt_local
ktgt_initiator_load
ktgt_mkdev vdisk_nullio/o0 size=$((1 << 30)) thin_provisioned=1
ktgt_mkdev vdisk_nullio/o1 size=$((1 << 30))
ktgt_mktarget local/t0
ktgt_maplun local/t0 0 vdisk_nullio/o0
ktgt_maplun local/t0 1 vdisk_nullio/o1
ktgt_enable local/t0
host=$(ktgt_local_host t0)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
sg1=$(ktgt_wait_disk -g host="$host" lun=1)
log "LUN 0 (thin) is $sg, LUN 1 (not thin) is $sg1"
ktgt_tur "$sg1" >/dev/null

log "all commands"
# shellcheck disable=SC2046
all=$(din 4096 $(rsoc 00 00 00 00))
len=$((16#${all:0:8}))
n=$((len / 8))
[ $((len % 8)) -eq 0 ] && [ "$n" -ge 40 ] ||
	fail "COMMAND DATA LENGTH $len: not a list of 8-byte descriptors"
expect_eq $((${#all} / 2)) $((len + 4)) "data length"
seen=" "
for ((i = 0; i < n; i++)); do
	d=${all:$((8 + 16 * i)):16}
	op=${d:0:2} sa=${d:4:4} flags=${d:10:2} cdblen=$((16#${d:12:4}))
	[[ "$seen" != *" $op/$sa "* ]] || fail "descriptor $i ($d) twice"
	seen+="$op/$sa "
	case "$flags" in
	00) opts=01 ;;
	01) opts=02 ;;
	*) fail "descriptor $i ($d): CTDP/SERVACTV byte $flags" ;;
	esac
	# shellcheck disable=SC2046
	one=$(din 64 $(rsoc "$opts" "$op" "${sa:0:2}" "${sa:2:2}"))
	expect_eq "${one:0:4}" 0003 "SUPPORT of $op/$sa"
	expect_eq "$((16#${one:4:4}))" "$cdblen" "CDB SIZE of $op/$sa"
	expect_eq "${one:8:2}" "$op" "usage data byte 0 of $op/$sa"
	expect_eq $((${#one} / 2)) $((4 + cdblen)) "length for $op/$sa"
done
log "$n commands, each reported supported"
for want in "28000000""0000000a" "9e000012""00010010" "89000000""00000010" \
	    "a300000c""0001000c" "00000000""00000006" "42000000""0000000a"; do
	found=0
	for ((i = 0; i < n; i++)); do
		[ "${all:$((8 + 16 * i)):16}" = "$want" ] && found=1
	done
	[ $found -eq 1 ] || fail "descriptor $want not in the list"
done
# shellcheck disable=SC2046
expect_eq "$(din 6 $(rsoc 00 00 00 00))" "${all:0:12}" \
	"all commands with allocation length 6"
out=$(sg_opcodes -n "$sg") || fail "sg_opcodes"
grep -q 'Compare and write' <<< "$out" || fail "sg_opcodes: $out"
grep -q 'Get LBA status' <<< "$out" || fail "sg_opcodes: $out"

log "command timeouts descriptors"
# shellcheck disable=SC2046
allt=$(din 4096 $(rsoc 80 00 00 00))
expect_eq "$((16#${allt:0:8}))" $((20 * n)) "COMMAND DATA LENGTH with RCTD"
# TEST UNIT READY: CTDP, 30 s; READ(10): 60 s.
expect_eq "${allt:8:40}" "00000000000200060""00a0000""000000000000001e" \
	"TEST UNIT READY with its timeouts descriptor"
for ((i = 0; i < n; i++)); do
	d=${allt:$((8 + 40 * i)):40}
	[ "${d:0:2}" = 28 ] &&
		expect_eq "$d" "280000000002000a""000a0000""00000000""0000003c" \
			"READ(10) with its timeouts descriptor"
done
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 81 12 00 00))" \
	"008300061201ffffff00""000a0000""00000000""0000001e" \
	"INQUIRY with a timeouts descriptor"

log "one command"
ff12=$(printf 'ff%.0s' {1..12})
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 01 89 00 00))" \
	"000300108918${ff12:0:16}000000ff1f00" "COMPARE AND WRITE"
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 02 9e 00 10))" \
	"000300109e10${ff12}0100" "READ CAPACITY(16)"
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 03 9e 00 12))" \
	"000300109e12${ff12}0000" \
	"GET LBA STATUS, REPORTING OPTIONS 011b"
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 03 2a 12 34))" \
	"0003000a2a18ffffffff1fffff00" \
	"WRITE(10), REPORTING OPTIONS 011b ignores the service action"
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 01 ff 00 00))" "00010000" "opcode FFh: SUPPORT 001b"
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 01 43 00 00))" "00010000" \
	"READ TOC (an MMC command) on a disk: SUPPORT 001b"
# shellcheck disable=SC2046
expect_eq "$(din 64 $(rsoc 02 9e 00 1f))" "00010000" \
	"unknown service action: SUPPORT 001b"
# shellcheck disable=SC2046
expect_eq "$(din 3 $(rsoc 01 12 00 00))" "000300" \
	"one command with allocation length 3"
out=$(sg_opcodes -n -o 0x89 "$sg") || fail "sg_opcodes -o 0x89"
grep -q 'Command is supported \[conforming to SCSI standard\]' <<< "$out" ||
	fail "sg_opcodes -o 0x89: $out"
grep -q 'Usage data: 89 18 ff ff ff ff ff ff ff ff 00 00 00 ff 1f 00' \
	<<< "$out" || fail "sg_opcodes -o 0x89 usage: $out"

log "UNMAP only on a thin provisioned LU"
rm -f "$T/din1"
# shellcheck disable=SC2046
sg_raw -r 4096 -o "$T/din1" "$sg1" $(rsoc 00 00 00 00) >/dev/null 2>&1 ||
	fail "REPORT SUPPORTED OPERATION CODES on $sg1"
all1=$(xxd -p "$T/din1" | tr -d '\n')
expect_eq "$((16#${all1:0:8}))" $((8 * (n - 1))) \
	"COMMAND DATA LENGTH without thin provisioning"
for ((i = 0; i < n - 1; i++)); do
	[ "${all1:$((8 + 16 * i)):2}" != 42 ] ||
		fail "UNMAP listed by a LU that is not thin provisioned: $all1"
done
rm -f "$T/din1"
# shellcheck disable=SC2046
sg_raw -r 64 -o "$T/din1" "$sg1" $(rsoc 01 42 00 00) >/dev/null 2>&1 ||
	fail "REPORT SUPPORTED OPERATION CODES 42h on $sg1"
expect_eq "$(xxd -p "$T/din1" | tr -d '\n')" "00010000" \
	"UNMAP without thin provisioning: SUPPORT 001b"
printf '\x00\x16\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00' \
	> "$T/unmap"
expect_check "UNMAP without thin provisioning" \
	"key=05 asc=20 ascq=00 sks=-" \
	"$(ktgt_sense -s 24 -i "$T/unmap" "$sg1" 42 00 00 00 00 00 00 00 18 00)"

log "errors"
# shellcheck disable=SC2046
expect_check "001b for an opcode with service actions" \
	"key=05 asc=24 ascq=00 sks=ca0002" \
	"$(ktgt_sense -r 4096 "$sg" $(rsoc 01 9e 00 10))"
# shellcheck disable=SC2046
expect_check "010b for an opcode without service actions" \
	"key=05 asc=24 ascq=00 sks=ca0002" \
	"$(ktgt_sense -r 4096 "$sg" $(rsoc 02 12 00 00))"
# shellcheck disable=SC2046
expect_check "REPORTING OPTIONS 100b" "key=05 asc=24 ascq=00 sks=ca0002" \
	"$(ktgt_sense -r 4096 "$sg" $(rsoc 04 00 00 00))"
# shellcheck disable=SC2046
expect_check "reserved byte 2 bit 4" "key=05 asc=24 ascq=00 sks=cc0002" \
	"$(ktgt_sense -r 4096 "$sg" $(rsoc 10 00 00 00))"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
