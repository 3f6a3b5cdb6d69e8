# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/vm/image.sh: the kernel image the test VMs boot, and the cache
# that holds it. Sourced by tests/vm/run and by
# tests/vm/selftest/image-selftest, which tests these functions on
# images it builds.
#
# The cache directory ($KTGT_CACHE/vm) holds, per kernel image, its
# uncompressed ELF (vmlinux-HASH) and, per kernel and initramfs recipe,
# an initramfs (initramfs-KVER-HASH.cpio.gz); tests/vm/run also stages
# its modules there (modstage.XXXXXX, removed when it exits). A file is
# touched each time it is used, so its mtime says when it was last used.

# pvh_image BZIMAGE DIR: prints the kernel of BZIMAGE as an uncompressed
# ELF image, cached in DIR, for QEMU to boot through its PVH entry point:
# that skips the firmware's real-mode setup and the kernel's own
# decompression, 3 s of every boot under TCG. Prints BZIMAGE itself when
# the payload is not xz, gzip or zstd, or the ELF has no PVH note.
pvh_image() {
	local img=$1 dir=$2 out sects poff plen magic
	out=$dir/vmlinux-$(sha256sum < "$img" | cut -c1-16)
	if [ -s "$out" ]; then
		touch "$out"
		echo "$out"
		return
	fi
	mkdir -p "$dir"
	# The boot protocol's setup_sects (0x1f1), payload_offset (0x248)
	# and payload_length (0x24c, which counts the 4-byte uncompressed
	# size the kernel's build appends to every payload).
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" 2>/dev/null | tr -d ' ')
	[ "${sects:-0}" -eq 0 ] && sects=4
	poff=$(od -An -tu4 -j $((0x248)) -N4 "$img" 2>/dev/null | tr -d ' ')
	plen=$(od -An -tu4 -j $((0x24c)) -N4 "$img" 2>/dev/null | tr -d ' ')
	if ! [[ "$poff" =~ ^[0-9]+$ && "$plen" =~ ^[0-9]+$ ]] || [ "$plen" -lt 8 ]; then
		echo "$img"
		return
	fi
	_payload() {
		tail -c +$(((sects + 1) * 512 + poff + 1)) "$img" | head -c "$plen"
	}
	# The first four bytes of standard input, in hex.
	_magic4() {
		head -c4 | od -An -tx1 | tr -d ' '
	}
	magic=$(_payload | _magic4)
	case "$magic" in
	fd377a58) _payload | xz -dcq --single-stream ;;
	1f8b08*) _payload | gzip -dcq ;;
	28b52ffd) _payload | head -c $((plen - 4)) | zstd -dcq ;;
	esac > "$out.tmp" 2>/dev/null
	if [ "$(_magic4 < "$out.tmp")" = 7f454c46 ] &&
	   readelf -n "$out.tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
		mv "$out.tmp" "$out"
		echo "$out"
	else
		rm -f "$out.tmp"
		echo "$img"
	fi
}

# cache_prune DIR DAYS: removes from DIR the kernel images and initramfs
# images not used for DAYS days (a new kernel or initramfs recipe leaves
# the old ones behind: 65 MB a kernel), and the module staging
# directories and half-written files of runs that were killed.
cache_prune() {
	local dir=$1 days=$2
	[ -d "$dir" ] || return 0
	find "$dir" -mindepth 1 -maxdepth 1 \
		\( -name 'vmlinux-*' -o -name 'initramfs-*' -o \
		   -name 'modstage.*' \) -mtime +"$((days - 1))" \
		-exec rm -rf {} +
}
