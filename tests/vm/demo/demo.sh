#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# What 'make demo' runs inside the VM. For now ktgt has no dev handler or
# target driver yet, so the demo loads the core and shows its management
# trees; exporting LUNs to an initiator arrives with the core engine.
. "$KTGT_REPO/tests/lib/guest.sh"

log "kernel $(uname -r), $(nproc) vCPUs"
ktgt_load
log "ktgt_core loaded: $(cat "$KTGT_SYSFS/version")"
log "configfs tree ($KTGT_CFS):"
find "$KTGT_CFS" | sed 's/^/    /'
log "sysfs tree ($KTGT_SYSFS):"
find "$KTGT_SYSFS" | sed 's/^/    /'
log "This build has no dev handler or target driver yet: no LUN is served."
rmmod ktgt_core || fail "rmmod ktgt_core"
log "ktgt_core unloaded cleanly"
pass
