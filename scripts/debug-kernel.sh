#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: build and cache the ktgt debug kernel (KASAN, lockdep,
# kmemleak, ...) from Debian's linux-source-6.1, outside the repository in
# ${KTGT_CACHE:-/var/cache/ktgt}/debug:
#
#   src/        the extracted kernel source (read-only for kbuild, O= build)
#   build/      the kbuild output tree: KDIR for external modules
#               (make -C .../debug/build M=<dir> modules), and
#               build/arch/x86/boot/bzImage
#   modroot/    INSTALL_MOD_PATH: modroot/lib/modules/<kver>/ with
#               modules.builtin, modules.dep, ... for the test VM
#   config/     scratch kbuild tree where the .config is generated
#   build.log   the log of the last configuration and build
#   READY       stamp: kernel release + sha256 of this script and of the
#               config fragment; while they match, nothing is rebuilt
#
# The configuration is 'make tinyconfig' + scripts/debug-kernel.config
# (merged with scripts/kconfig/merge_config.sh) + 'make olddefconfig'. Every
# line of the fragment is then checked against the final .config, so an
# option dropped for an unmet dependency fails the build instead of being
# lost silently.
#
# Usage: scripts/debug-kernel.sh [--force] [--clean] [--config-only]
#                                [--print-env]
#   (no option)    build if needed, then print where things are
#   --force        rebuild even if READY is valid (kbuild is incremental)
#   --clean        delete build/, modroot/ and ktgt-obj/ first (a
#                  from-scratch build)
#   --config-only  (re)generate and verify build/.config, do not build
#   --print-env    print KTGT_DEBUG_BZIMAGE=, KTGT_DEBUG_KVER= and
#                  KTGT_DEBUG_MODROOT= lines for eval (building first if
#                  needed); all progress goes to stderr
set -euo pipefail

# The whole script is one compound command, parsed before it runs: editing
# or checking out this file during a long build cannot derail it.
{
export PATH=$PATH:/usr/sbin:/sbin
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF=$TOP/scripts/debug-kernel.sh
FRAGMENT=$TOP/scripts/debug-kernel.config

CACHE=$(realpath -m "${KTGT_CACHE:-/var/cache/ktgt}")
D=$CACHE/debug
SRC=$D/src
BUILD=$D/build
MODROOT=$D/modroot
LOG=$D/build.log
READY=$D/READY
BZIMAGE=$BUILD/arch/x86/boot/bzImage
CFGDIR=$D/config

PKG=linux-source-6.1
TARBALL=/usr/src/$PKG.tar.xz
# Installed (all at once) when the tarball or a needed tool is missing.
DEB_DEPS=(gcc make bc flex bison libelf-dev libssl-dev dwarves cpio kmod
	rsync xz-utils)

force=0 clean=0 config_only=0 print_env=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	--clean) clean=1 force=1 ;;
	--config-only) config_only=1 ;;
	--print-env) print_env=1 ;;
	-h|--help)
		sed -n '4,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'
		exit 0 ;;
	*) echo "debug-kernel: unknown option '$arg' (see --help)" >&2; exit 2 ;;
	esac
done

log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: ERROR: $*" >&2; exit 1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }
tarball_id() { stat -c '%s %Y' "$TARBALL"; }

# The READY stamp this script and fragment would write (minus KVER).
want_stamp() {
	echo "SCRIPT_SHA256=$(sha "$SELF")"
	echo "FRAGMENT_SHA256=$(sha "$FRAGMENT")"
	echo "TARBALL=$(tarball_id 2>/dev/null || echo missing)"
}

stamp_kver() { sed -n 's/^KVER=//p' "$READY" 2>/dev/null; }

# True when READY matches the current script, fragment and tarball and
# everything it promises is present.
is_ready() {
	local kver
	[ -f "$READY" ] || return 1
	kver=$(stamp_kver)
	[ -n "$kver" ] || return 1
	[ "$(grep -v -e '^KVER=' -e '^BUILD_SECONDS=' "$READY")" = "$(want_stamp)" ] ||
		return 1
	[ -s "$BZIMAGE" ] &&
		[ "$(cat "$BUILD/include/config/kernel.release" 2>/dev/null)" = "$kver" ] &&
		[ -f "$MODROOT/lib/modules/$kver/modules.dep" ] &&
		[ -f "$MODROOT/lib/modules/$kver/modules.builtin" ]
}

report() {
	local kver
	kver=$(stamp_kver)
	if [ "$print_env" = 1 ]; then
		printf 'KTGT_DEBUG_BZIMAGE=%q\n' "$BZIMAGE"
		printf 'KTGT_DEBUG_KVER=%q\n' "$kver"
		printf 'KTGT_DEBUG_MODROOT=%q\n' "$MODROOT"
	else
		echo "debug kernel ready:"
		echo "  bzImage: $BZIMAGE"
		echo "  release: $kver"
		echo "  modroot: $MODROOT (lib/modules/$kver)"
		echo "  KDIR:    $BUILD"
	fi
}

# Fast path: nothing to do.
if [ $force = 0 ] && [ $config_only = 0 ] && is_ready; then
	report
	exit 0
fi

[ -f "$FRAGMENT" ] || die "missing config fragment $FRAGMENT"
mkdir -p "$D"
exec 9>"$D/.lock"
if ! flock -n 9; then
	log "another build holds $D/.lock; waiting"
	flock 9
fi
# Someone else may have finished the build while we waited.
if [ $force = 0 ] && [ $config_only = 0 ] && is_ready; then
	report
	exit 0
fi

# --- 1. source package and build dependencies --------------------------
missing_deps() {
	local t
	[ -f "$TARBALL" ] || echo "$TARBALL"
	for t in gcc make bc flex bison cpio depmod rsync xz perl; do
		command -v "$t" >/dev/null 2>&1 || echo "$t"
	done
	[ -f /usr/include/gelf.h ] || echo libelf-dev
	[ -f /usr/include/openssl/ssl.h ] || echo libssl-dev
}
if [ -n "$(missing_deps)" ]; then
	log "missing: $(missing_deps | tr '\n' ' ')- installing $PKG and build deps"
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
		"$PKG" "${DEB_DEPS[@]}" >&2
	[ -z "$(missing_deps)" ] || die "still missing: $(missing_deps | tr '\n' ' ')"
fi

# --- 2. extract once ----------------------------------------------------
if [ "$(cat "$SRC/.ktgt-tarball" 2>/dev/null)" != "$(tarball_id)" ]; then
	log "extracting $TARBALL to $SRC"
	# ktgt-obj/ is the top-level Makefile's debug object tree: its
	# objects would look newer than the new sources, drop them too.
	rm -rf "$SRC" "$SRC.tmp" "$BUILD" "$MODROOT" "$READY" "$D/ktgt-obj"
	mkdir -p "$SRC.tmp"
	tar -C "$SRC.tmp" --strip-components=1 -xf "$TARBALL"
	tarball_id > "$SRC.tmp/.ktgt-tarball"
	mv "$SRC.tmp" "$SRC"
fi

# --- 3. configure -------------------------------------------------------
if [ $clean = 1 ]; then
	log "--clean: removing $BUILD, $MODROOT and $D/ktgt-obj"
	rm -rf "$BUILD" "$MODROOT" "$D/ktgt-obj"
fi
mkdir -p "$BUILD" "$CFGDIR"
: > "$LOG"
kmake() { make -C "$SRC" O="$BUILD" "$@"; }

fail() {
	echo "debug-kernel: ERROR: $* - last lines of $LOG:" >&2
	tail -n 60 "$LOG" >&2
	exit 1
}

# The configuration is generated in a scratch tree and copied into build/
# only if it differs, so an unchanged config never touches build/.config.
log "configuring (tinyconfig + $(basename "$FRAGMENT")), log: $LOG"
{
	make -C "$SRC" O="$CFGDIR" tinyconfig
	# -m: merge only; run from config/ as it makes temp files in $PWD.
	(cd "$CFGDIR" && "$SRC/scripts/kconfig/merge_config.sh" -m \
		-O "$CFGDIR" "$CFGDIR/.config" "$FRAGMENT")
	make -C "$SRC" O="$CFGDIR" olddefconfig
} >> "$LOG" 2>&1 || fail "configuration failed"

# Every fragment line must hold in the final .config: an option whose
# dependencies are not met is silently dropped by olddefconfig.
NEWCFG=$CFGDIR/.config
bad=0
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		got=$(grep -E "^$sym=" "$NEWCFG" | cut -d= -f2- || true)
		if [ "$got" != "$val" ]; then
			log "config: $sym=$val requested, got '${got:-is not set}'"
			bad=1
		fi
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		sym=${BASH_REMATCH[1]}
		if grep -qE "^$sym=" "$NEWCFG"; then
			log "config: $sym off requested, got $(grep -E "^$sym=" "$NEWCFG")"
			bad=1
		fi
	fi
done < "$FRAGMENT"
[ $bad = 0 ] || die "$NEWCFG does not match $FRAGMENT (unmet dependencies?)"
log "config verified: all $(grep -cE '^(CONFIG_|# CONFIG_.* is not set)' "$FRAGMENT") fragment lines hold"
if cmp -s "$NEWCFG" "$BUILD/.config"; then
	log "config unchanged"
else
	rm -f "$READY"
	cp "$NEWCFG" "$BUILD/.config"
fi

if [ $config_only = 1 ]; then
	log "--config-only: $BUILD/.config"
	exit 0
fi

# --- 4. build -----------------------------------------------------------
rm -f "$READY"
jobs=$(nproc)
log "building bzImage + modules with -j$jobs (log: $LOG)"
start=$(date +%s)
kmake -j"$jobs" bzImage modules >> "$LOG" 2>&1 || fail "kernel build failed"
secs=$(( $(date +%s) - start ))
kver=$(cat "$BUILD/include/config/kernel.release")
log "built $kver in $((secs / 60))m$((secs % 60))s; bzImage $(stat -c %s "$BZIMAGE") bytes"

# --- 5. modules tree for the VM -----------------------------------------
# Installed next to the old tree and swapped in, so that a VM starting
# meanwhile still finds a complete one.
rm -rf "$MODROOT.new" "$MODROOT.old"
kmake INSTALL_MOD_PATH="$MODROOT.new" modules_install >> "$LOG" 2>&1 ||
	fail "modules_install failed"
depmod -b "$MODROOT.new" "$kver" >> "$LOG" 2>&1 || fail "depmod failed"
[ ! -e "$MODROOT" ] || mv "$MODROOT" "$MODROOT.old"
mv "$MODROOT.new" "$MODROOT"
rm -rf "$MODROOT.old"

# --- 6. stamp -----------------------------------------------------------
{
	echo "KVER=$kver"
	want_stamp
	echo "BUILD_SECONDS=$secs"
} > "$READY.tmp"
mv "$READY.tmp" "$READY"
report
exit 0
}
