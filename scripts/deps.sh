#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh: install, idempotently, every Debian package that building,
# testing, the demo and the benchmarks need. Fast when nothing is missing.
#
#   deps.sh           install what is missing
#   deps.sh --check   only report what is missing (exit 1 if anything)

set -euo pipefail

packages=(
	# build
	make gcc libc6-dev pkg-config kmod bc rsync xz-utils python3
	linux-image-amd64 linux-headers-amd64
	sparse libnl-3-dev libnl-genl-3-dev
	# host unit tests and fuzzing
	libcmocka-dev clang libclang-rt-14-dev
	# the test VM
	qemu-system-x86 busybox-static cpio iproute2 util-linux procps
	e2fsprogs
	# initiators and SCSI tools used inside the VM
	open-iscsi libiscsi-bin sg3-utils lsscsi fio mt-st mtx genisoimage
	dmsetup
	# peers for comparison and benchmarks
	tgt targetcli-fb
	# checkpatch and the debug kernel
	linux-source-6.1 perl flex bison libelf-dev libssl-dev dwarves
	# the documentation check (groff: the man pages)
	python3-docutils groff-base
)

missing=()
for p in "${packages[@]}"; do
	case "$p" in \#*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	     grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${1:-}" = --check ]; then
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: missing: ${missing[*]}"
	exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "deps: run as root to install: ${missing[*]}" >&2; exit 1; }
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# Keep package scripts from starting daemons (iscsid, tgtd) on the host.
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

kver=$("$(dirname "$0")/kver.sh") || {
	echo "deps: no kernel with both an image and headers is installed" >&2
	exit 1
}
echo "deps: all present; kernel $kver"
