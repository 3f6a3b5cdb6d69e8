#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 300
#
# The multicast groups "events" of the generic netlink families ktgt and
# ktgt_iscsi name initiators, targets and LUNs: only CAP_NET_ADMIN may
# join them. Joining as uid 65534 is refused (EPERM), for both; root
# joins both and, on the core's, receives the event of a new local
# session. The core's group had no flag at all, and the iSCSI one
# GENL_UNS_ADMIN_PERM, which is a flag of operations that multicast
# groups ignore: any user received every login event.
. "$KTGT_REPO/tests/lib/guest.sh"
. "$KTGT_REPO/tests/lib/ktgt.sh"

ktgt_load ktgt_vdisk ktgt_local ktgt_iscsi
ktgt_initiator_load

cat > /tmp/nlperm.py <<'EOF'
import os, socket, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import *

mode = sys.argv[1]
for name in ("ktgt", "ktgt_iscsi"):
    g = Genl(os.environ["KTGT_REPO"], name)
    if mode == "nobody":
        pid = os.fork()
        if pid == 0:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                g.listener()
            except PermissionError:
                os._exit(0)
            except OSError as e:
                print("%s: joining as uid 65534: %r" % (name, e), flush=True)
                os._exit(2)
            print("%s: uid 65534 joined the events group" % name, flush=True)
            os._exit(1)
        _, st = os.waitpid(pid, 0)
        if os.WEXITSTATUS(st):
            sys.exit(1)
        print("%s: uid 65534 refused (EPERM)" % name, flush=True)
    else:
        g.listener()
        print("%s: root joined" % name, flush=True)
EOF
run_ok "uid 65534 may not join" python3 /tmp/nlperm.py nobody
run_ok "root joins" python3 /tmp/nlperm.py root

# A positive control of the core's group: the event of a new session.
cat > /tmp/nlroot.py <<'EOF'
import os, socket, sys, subprocess
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KTGT_REPO"] + "/tests/lib")
from ktgt_genl import *

g = Genl(os.environ["KTGT_REPO"], "ktgt")
sk = g.listener()
sk.settimeout(20)
open("/tmp/nl-ready", "w").close()
msg = Genl.recv_msg(sk)
print("root received an event of %d bytes" % len(msg), flush=True)
EOF
rm -f /tmp/nl-ready
python3 /tmp/nlroot.py > /tmp/nlroot.out 2>&1 &
lpid=$!
for ((i = 0; i < 100; i++)); do [ -e /tmp/nl-ready ] && break; sleep 0.1; done
[ -e /tmp/nl-ready ] || fail "listener not ready: $(cat /tmp/nlroot.out)"
ktgt_mkdev vdisk_nullio/ev size=$((1 << 20))
ktgt_mktarget local/ev
ktgt_maplun local/ev 0 vdisk_nullio/ev
ktgt_enable local/ev
ended $lpid 30 || fail "no event as root: $(cat /tmp/nlroot.out)"
log "$(cat /tmp/nlroot.out)"

ktgt_cleanup || fail "cleanup"
ktgt_unload_all
pass
