#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-kconfig.sh: the tree builds in a kernel tree as drivers/ktgt
# (Documentation/build.rst) only if its Kconfig files parse, every
# option can be chosen on the kernel it is meant for, and the three
# lists of modules agree. This checks, with the kernel's own Kconfig
# parser (scripts/kconfig/conf of the headers package):
#
#  - every Kconfig parses, and with every ktgt option set to m and the
#    options they depend on as /boot/config-<release> has them, every
#    ktgt option is still m after 'conf --olddefconfig' (none is
#    dropped by a dependency the distribution kernel lacks or a typo);
#  - every obj-$(CONFIG_X) of a Kbuild file names a ktgt option;
#  - the top-level Makefile passes exactly the ktgt options (=m) to
#    its out-of-tree build.

set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
kver=${KVER:-$("$TOP/scripts/kver.sh")}
conf=/usr/src/linux-headers-$kver/scripts/kconfig/conf
kcfg=/boot/config-$kver
bad=0

err() {
	echo "check-kconfig: $*" >&2
	bad=$((bad + 1))
}

[ -x "$conf" ] || { echo "check-kconfig: no $conf (linux-headers-$kver)" >&2; exit 1; }
[ -r "$kcfg" ] || { echo "check-kconfig: no $kcfg" >&2; exit 1; }

mapfile -t kconfigs < <(cd "$TOP" && git ls-files -co --exclude-standard \
	'Kconfig' '*/Kconfig' | grep -v '^tests/results/' | sort)
mapfile -t opts < <(cd "$TOP" && sed -nE 's/^(menu)?config[[:space:]]+([A-Z0-9_]+).*/\2/p' \
	"${kconfigs[@]}" | sort -u)
[ ${#opts[@]} -gt 0 ] || { echo "check-kconfig: no options found" >&2; exit 1; }

# What the options depend on, outside ktgt: stubbed with the value the
# distribution kernel has (y, m, or absent: n).
mapfile -t deps < <(cd "$TOP" && sed -nE 's/^[[:space:]]*depends on[[:space:]]+//p' \
	"${kconfigs[@]}" | grep -oE '[A-Z][A-Z0-9_]+' | sort -u |
	grep -vxF -f <(printf '%s\n' "${opts[@]}") || true)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/drivers"
ln -s "$TOP" "$tmp/drivers/ktgt"
{
	echo 'mainmenu "ktgt Kconfig check"'
	printf 'config MODULES\n\tdef_bool y\n\tmodules\n'
	for d in "${deps[@]}"; do
		[ "$d" = MODULES ] && continue
		v=$(sed -nE "s/^CONFIG_$d=([ym])$/\\1/p" "$kcfg")
		case "$v" in
		y) printf 'config %s\n\tdef_bool y\n' "$d" ;;
		m) printf 'config %s\n\tdef_tristate m\n' "$d" ;;
		*) printf 'config %s\n\tbool\n' "$d" ;;
		esac
	done
	echo 'source "drivers/ktgt/Kconfig"'
} > "$tmp/Kconfig"
printf 'CONFIG_%s=m\n' "${opts[@]}" > "$tmp/.config"
if ! (cd "$tmp" && srctree=$tmp "$conf" --olddefconfig Kconfig) > "$tmp/conf.log" 2>&1; then
	err "conf failed:"
	cat "$tmp/conf.log" >&2
	exit 1
fi
if grep -qiE 'warning|error' "$tmp/conf.log"; then
	err "conf warns:"
	cat "$tmp/conf.log" >&2
fi
for o in "${opts[@]}"; do
	grep -qx "CONFIG_$o=m" "$tmp/.config" ||
		err "CONFIG_$o cannot be m on $kver: $(grep -E "CONFIG_$o[= ]" "$tmp/.config" || echo unset)"
done

# Kbuild files: every obj-$(CONFIG_X) is a ktgt option.
while read -r f x; do
	printf '%s\n' "${opts[@]}" | grep -qx "$x" ||
		err "$f: obj-\$(CONFIG_$x): no such option in any Kconfig"
done < <(cd "$TOP" && git ls-files -co --exclude-standard 'Kbuild' '*/Kbuild' |
	xargs grep -oHE 'obj-\$\(CONFIG_[A-Z0-9_]+\)' |
	sed -E 's/^([^:]+):obj-\$\(CONFIG_([A-Z0-9_]+)\)$/\1 \2/')

# The Makefile's out-of-tree list is exactly the options, each =m.
mk=$(sed -n '/^KTGT_KCONFIG[[:space:]]*:=/,/^[[:space:]]*$/p' "$TOP/Makefile" |
	grep -oE 'CONFIG_[A-Z0-9_]+=[a-z]+' | sort -u)
want=$(printf 'CONFIG_%s=m\n' "${opts[@]}" | sort -u)
if [ "$mk" != "$want" ]; then
	err "Makefile KTGT_KCONFIG differs from the Kconfig options:"
	diff <(echo "$want") <(echo "$mk") | sed 's/^/    /' >&2 || true
fi

if [ $bad -gt 0 ]; then
	echo "check-kconfig: $bad problem(s)" >&2
	exit 1
fi
echo "check-kconfig: ${#opts[@]} options, ${#kconfigs[@]} Kconfig files, all buildable as m on $kver"
