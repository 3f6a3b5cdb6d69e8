#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-scst.sh: builds SCST's scst.ko, scst_vdisk.ko and scst_local.ko
# out of tree for the bench target local-null:scst (tests/bench/bench-vm.sh).
# SCST is not part of ktgt nor a Debian package: this only builds a
# checkout of it (https://github.com/SCST-project/scst) for a measurement.
#
#   tests/bench/build-scst.sh SCST_SRC BUILD_DIR [KDIR]
#   BENCH_SCST_DIR=BUILD_DIR BENCH_TARGETS="... local-null:scst" make bench
#
# SCST_SRC is a checkout (or `git archive`) holding at least scst/ and
# scst_local/; it is copied to BUILD_DIR/tree and left untouched. KDIR is
# the kernel build tree (default the headers of the kernel the VM boots,
# /usr/src/linux-headers-6.1.0-56-amd64, or $KDIR). The three modules land
# in BUILD_DIR itself, with BUILD_DIR/build-info (commit, mode, kernel),
# which the bench copies into its results.
#
# SCST_BUILD_MODE picks SCST's build mode (default perf): perf (`make
# 2perf`: no tracing, debugging or extra checks; its fastest), release
# (`make 2release`: tracing compiled in) or debug (`make 2debug`).
# CONFIG_SCST_NO_DLM is set: no dependency on dlm.ko, persistent
# reservations stay local (the bench never uses them). SCST_COMMIT names
# the commit in build-info when SCST_SRC is not a git checkout.

set -eu

[ $# -ge 2 ] || { sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
src=$(realpath "$1")
out=$2
kdir=${3:-${KDIR:-/usr/src/linux-headers-6.1.0-56-amd64}}
mode=${SCST_BUILD_MODE:-perf}
case "$mode" in perf|release|debug) ;; *)
	echo "SCST_BUILD_MODE=$mode: perf, release or debug" >&2; exit 2 ;;
esac
for d in scst/src scst/include scst_local; do
	[ -d "$src/$d" ] || { echo "$src: no $d" >&2; exit 1; }
done
[ -f "$kdir/Makefile" ] || { echo "$kdir: no kernel build tree" >&2; exit 1; }

mkdir -p "$out"
out=$(realpath "$out")
rm -rf "$out/tree"
mkdir "$out/tree"
cp -a "$src/scst" "$src/scst_local" "$out/tree/"
[ -d "$src/scripts" ] && cp -a "$src/scripts" "$out/tree/"

jobs=$(nproc)
export CONFIG_SCST_NO_DLM=y
make -C "$out/tree/scst" "2$mode"
make -C "$out/tree/scst" include/build_mode.h
# scst/src's "all" also makes module signing keys; build the modules only.
make -C "$out/tree/scst/src" KDIR="$kdir" ../include/scst_itf_ver.h
make -C "$kdir" M="$out/tree/scst/src" -j"$jobs" modules
make -C "$kdir" M="$out/tree/scst/src/dev_handlers" -j"$jobs" modules
make -C "$kdir" M="$out/tree/scst_local" -j"$jobs" modules

cp "$out/tree/scst/src/scst.ko" \
   "$out/tree/scst/src/dev_handlers/scst_vdisk.ko" \
   "$out/tree/scst_local/scst_local.ko" "$out/"
{
	commit=$(git -C "$src" rev-parse HEAD 2>/dev/null) || commit=unknown
	echo "source=$src"
	echo "commit=${SCST_COMMIT:-$commit}"
	echo "mode=$mode"
	echo "defines=$(tr '\n' ' ' < "$out/tree/scst/include/build_mode.h")"
	echo "kdir=$kdir"
	echo "kernel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$kdir/include/generated/utsrelease.h")"
	echo "vermagic=$(modinfo -F vermagic "$out/scst.ko")"
	echo "cc=$(gcc --version | head -n 1)"
} > "$out/build-info"
cat "$out/build-info"
ls -l "$out"/*.ko
