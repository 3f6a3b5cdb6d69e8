#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 600
#
# vtape's fixed-block mode with block lengths other than the device's
# blocksize (512 here), through ktgt_local, st (mt-st, tar) and sg:
# - READ BLOCK LIMITS says 1 byte to 8 MiB; MODE SELECT of 1000 is
#   taken (MODE SENSE reports it), of 8 MiB + 1 refused INVALID FIELD IN
#   PARAMETER LIST (05h/26h/00h) with the field pointer on the block
#   length, the length unchanged;
# - mt setblk 1024: MODE SENSE reports 1024; tar -b 2 (1024-byte
#   records) writes an archive of one block per record (tell) that reads
#   back identical; dd of 1024-byte blocks too;
# - a FIXED READ(6) of 4 blocks over two 1024-byte blocks and a
#   1000-byte one: NO SENSE, ILI, INFORMATION 2 (the requested minus the
#   blocks read before it), past the short block; a FIXED WRITE(6) of 2
#   blocks moves 2048 bytes;
# - mt setblk 32768: tar -b 64 likewise; READ POSITION counts its blocks;
# - mt setblk 0: variable mode again (MODE SENSE 0, a FIXED READ is
#   05h/24h/00h), tar -b 20 reads the variable archive back.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"
. "$KTGT_REPO/tests/lib/pt.sh"

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

for c in mt tar sg_raw dd cmp; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

img=/tmp/tapebl.img

# blocklen: the block length of MODE SENSE(6)'s block descriptor.
blocklen() {
	local -a b
	rm -f /tmp/ms.bin
	sg_raw -R -r 12 -o /tmp/ms.bin "$sg" 1a 00 00 00 0c 00 >/dev/null \
		2>&1 || fail "MODE SENSE(6)"
	read -r -a b <<< "$(hexof /tmp/ms.bin)"
	echo $((0x${b[9]}${b[10]}${b[11]}))
}

# msel LEN: the parameter list of a MODE SELECT(6) of block length LEN
# (density 00h) into /tmp/msel.bin.
msel() {
	local b
	printf -v b '\\x%02x\\x%02x\\x%02x' $(($1 >> 16 & 255)) \
		$(($1 >> 8 & 255)) $(($1 & 255))
	printf '%b' '\x00\x00\x10\x08\x00\x00\x00\x00\x00'"$b" \
		> /tmp/msel.bin
}

# readpos: the logical object number READ POSITION reports.
readpos() {
	local -a b
	rm -f /tmp/rp.bin
	sg_raw -R -r 20 -o /tmp/rp.bin "$sg" 34 00 00 00 00 00 00 00 00 00 \
		>/dev/null 2>&1 || fail "READ POSITION"
	read -r -a b <<< "$(hexof /tmp/rp.bin)"
	echo $((0x${b[4]}${b[5]}${b[6]}${b[7]}))
}

tell() {
	mt -f "$TAPE" tell 2>&1
}

# tar_round DIR BLOCKING: tar DIR onto the tape at its beginning with
# BLOCKING 512-byte blocks a record, check the blocks it took, read it
# back and compare.
tar_round() {
	local n out=/tmp/out.$2
	n=$(( $(tar -cf - -b "$2" -C "$1" . | wc -c) / ($2 * 512) ))
	[ "$n" -ge 2 ] || fail "archive of $1 has only $n records"
	run_ok "mt rewind" mt -f "$TAPE" rewind
	run_ok "tar -c -b $2" tar -cf "$TAPE" -b "$2" -C "$1" .
	expect_eq "$(tell)" "At block $((n + 1))." \
		"$n blocks of $(($2 * 512)) bytes and a filemark"
	run_ok "mt rewind" mt -f "$TAPE" rewind
	rm -rf "$out" && mkdir "$out"
	run_ok "tar -x -b $2" tar -xf "$TAPE" -b "$2" -C "$out"
	diff -r "$1" "$out" || fail "archive of $2-block records differs"
}

ktgt_load ktgt_vtape ktgt_local
ktgt_initiator_load
modprobe st || fail "modprobe st"

rm -f "$img"
ktgt_mkdev vtape/bl filename="$img" size_mb=64 blocksize=512
ktgt_mktarget local/bl
ktgt_maplun local/bl 0 vtape/bl
ktgt_enable local/bl
host=$(ktgt_local_host bl)
sg=$(ktgt_wait_disk -g host="$host" lun=0)
hctl=$(ktgt_find_disk host="$host" lun=0)
st=$(ktgt_wait_st "$hctl") || exit 1
TAPE=/dev/n$st
log "vtape/bl is $hctl: $TAPE $sg"
# Its power-on unit attention first.
for ((i = 0; i < 3; i++)); do
	[ "$(tsense -R "$sg" 00 00 00 00 00 00)" = GOOD ] && break
done

log "READ BLOCK LIMITS and MODE SELECT"
rm -f /tmp/rbl.bin
sg_raw -R -r 6 -o /tmp/rbl.bin "$sg" 05 00 00 00 00 00 >/dev/null 2>&1 ||
	fail "READ BLOCK LIMITS"
expect_eq "$(hexof /tmp/rbl.bin)" "00 80 00 00 00 01" "1 byte to 8 MiB"
expect_eq "$(blocklen)" 0 "variable-block mode at enable"
msel 1000
expect_eq "$(tsense -s 12 -i /tmp/msel.bin "$sg" 15 10 00 00 0c 00)" GOOD \
	"MODE SELECT of block length 1000"
expect_eq "$(blocklen)" 1000 "block length after MODE SELECT 1000"
msel $(((8 << 20) + 1))
r=$(ktgt_sense -s 12 -i /tmp/msel.bin "$sg" 15 10 00 00 0c 00)
expect_eq "$(ktgt_sense_decode "${r#*sense=}")" \
	"key=05 asc=26 ascq=00 sks=8f0009" \
	"MODE SELECT of 8 MiB + 1: the field pointer on the block length"
expect_eq "$(blocklen)" 1000 "block length unchanged by a refused one"
msel 0
expect_eq "$(tsense -s 12 -i /tmp/msel.bin "$sg" 15 10 00 00 0c 00)" GOOD \
	"MODE SELECT of block length 0"

log "mt setblk 1024, tar -b 2"
mkfiles /tmp/a 1 24
run_ok "mt setblk 1024" mt -f "$TAPE" setblk 1024
expect_eq "$(blocklen)" 1024 "block length after setblk 1024"
tar_round /tmp/a 2
head -c 8192 /dev/urandom > /tmp/k8.bin
run_ok "mt rewind" mt -f "$TAPE" rewind
dd if=/tmp/k8.bin of="$TAPE" bs=1024 2>/dev/null || fail "dd of 1024s"
run_ok "mt rewind" mt -f "$TAPE" rewind
dd if="$TAPE" of=/tmp/k8.back bs=1024 count=8 2>/dev/null ||
	fail "dd read of 1024s"
cmp /tmp/k8.bin /tmp/k8.back || fail "1024-byte blocks read back differ"

log "a block of another length in fixed mode"
run_ok "mt rewind" mt -f "$TAPE" rewind
head -c 2048 /dev/urandom > /tmp/k2.bin
head -c 1000 /dev/urandom > /tmp/b1000.bin
expect_eq "$(tsense -s 2048 -i /tmp/k2.bin "$sg" 0a 01 00 00 02 00)" GOOD \
	"FIXED WRITE(6) of 2 blocks of 1024"
expect_eq "$(readpos)" 2 "two blocks written"
expect_eq "$(tsense -s 1000 -i /tmp/b1000.bin "$sg" 0a 00 00 03 e8 00)" \
	GOOD "variable WRITE(6) of 1000 bytes"
expect_eq "$(tsense -R "$sg" 10 00 00 00 01 00)" GOOD "WRITE FILEMARKS"
expect_eq "$(tsense -R "$sg" 01 00 00 00 00 00)" GOOD "REWIND"
rm -f /tmp/fr.bin
expect_eq "$(tsense -R -r 4096 -o /tmp/fr.bin "$sg" 08 01 00 00 04 00)" \
	"00/00/00 20 2" "FIXED READ(6) of 4 over a 1000-byte block"
expect_eq "$(head -c 2048 /tmp/fr.bin | od -An -tx1 -v | tr -d ' \n')" \
	"$(od -An -tx1 -v /tmp/k2.bin | tr -d ' \n')" \
	"the two blocks before it"
expect_eq "$(readpos)" 3 "past the short block"
expect_eq "$(tsense -R -r 1024 "$sg" 08 01 00 00 01 00)" "00/00/01 80 1" \
	"FIXED READ(6) of the filemark"

log "mt setblk 32768, tar -b 64"
mkfiles /tmp/b 2 160
run_ok "mt setblk 32768" mt -f "$TAPE" setblk 32768
expect_eq "$(blocklen)" 32768 "block length after setblk 32768"
tar_round /tmp/b 64

log "mt setblk 0: variable mode again"
run_ok "mt setblk 0" mt -f "$TAPE" setblk 0
expect_eq "$(blocklen)" 0 "block length after setblk 0"
expect_eq "$(tsense -R -r 1024 "$sg" 08 01 00 00 01 00)" "05/24/00 00 -" \
	"FIXED READ(6) in variable mode"
tar_round /tmp/a 20

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
