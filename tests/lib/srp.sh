# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the SRP tests (srp*.sh): Soft-RoCE set-up and Linux's SRP
# initiator (ib_srp). Sourced after ktgt.sh.

# srp_rxe_setup: rdma_rxe (device rxe0) on a dummy interface ksrp0 with
# 10.251.0.1/24. The RDMA CM does not route to 127.0.0.1 over rxe: the
# dummy interface has an address of its own, which rxe loops back.
# Skips the test where the kernel has no rxe or RDMA CM.
srp_rxe_setup() {
	modprobe rdma_rxe || skip "no rdma_rxe"
	modprobe rdma_cm || skip "no rdma_cm"
	ip link add ksrp0 type dummy || fail "ip link add ksrp0"
	ip addr add 10.251.0.1/24 dev ksrp0 || fail "ip addr add"
	ip link set ksrp0 up || fail "ip link set ksrp0 up"
	rdma link add rxe0 type rxe netdev ksrp0 || skip "rdma link add rxe0 failed"
}

# srp_initiator_setup: load ib_srp; set ADD to rxe0's add_target file.
srp_initiator_setup() {
	ktgt_initiator_load
	modprobe ib_srp || skip "no ib_srp"
	ADD=/sys/class/infiniband_srp/srp-rxe0-1/add_target
	[ -e "$ADD" ] || fail "no $ADD"
}

# srp_login ID [OPTS]: add an ib_srp target port for target port id ID,
# at $DEST, through $ADD.
SRP_PORT=5555
DEST=10.251.0.1:$SRP_PORT
srp_login() {
	local id=$1
	shift
	ktgt_try_write "$ADD" "id_ext=${id:0:16},ioc_guid=${id:16:16},dest=$DEST,ch_count=1${1:+,$1}"
}

# srp_relogin ID [OPTS]: srp_login, retried for up to 10 s while
# ib_srp still has the port the last logout deleted ("Already connected").
srp_relogin() {
	local i
	for ((i = 0; i < 20; i++)); do
		srp_login "$@" && return 0
		sleep 0.5
	done
	return 1
}

# srp_host: the SCSI host number of ib_srp's only host.
srp_host() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat "$h/proc_name" 2>/dev/null)" = ib_srp ] && { echo "${h##*host}"; return 0; }
	done
	return 1
}

# srp_logout: delete every ib_srp remote port; wait for the target's
# channels to close.
srp_logout() {
	local p i
	for p in /sys/class/srp_remote_ports/port-*; do
		[ -e "$p" ] || continue
		echo 1 > "$p/delete" || fail "delete $p"
	done
	for ((i = 0; i < 300; i++)); do
		[ -z "$(ls /sys/class/srp_remote_ports 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	fail "ib_srp remote ports still there: $(ls /sys/class/srp_remote_ports)"
}
