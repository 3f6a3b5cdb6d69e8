#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kver.sh: print the newest installed kernel release that has both an
# image in /boot and a kbuild tree (linux-headers). ktgt builds against it
# and the test VM boots it, so the two always match.

for v in $(ls -1 /lib/modules 2>/dev/null | sort -rV); do
	if [ -r "/boot/vmlinuz-$v" ] && [ -f "/lib/modules/$v/build/Makefile" ]; then
		echo "$v"
		exit 0
	fi
done
exit 1
