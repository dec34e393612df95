#!/usr/bin/env bash
# Runs a real cluster on this one machine, the reference site's shape, and the given command against it:
#
#   LAN 192.168.1.0/24, a bridge that exists only inside the tier's network namespaces (no route out):
#     master  192.168.1.10  etcd, kube-apiserver, controller-manager, scheduler (and the command, as a LAN client)
#     node0   192.168.1.20  a router: kube-proxy (iptables mode); the site's VIPs come to one of the two routers by
#     node4   192.168.1.24  a router too       a real VRRP election (Debian's keepalived, started by the tests)
#     node1-3 192.168.1.21-23  workers (role=worker): containerd + runc + CNI bridge, kubelet, kube-proxy;
#                              pods in 10.244.<n>.0/24
#
# The command runs in the master's namespace with KUBECONFIG set and VSERVER_NODE_STATE naming the folder with
# each node's sockets and logs (scripts/node/with-nodes.sh). Runs are serialized by a lock; every process,
# mount, network namespace and cgroup made here is removed at the end, also on failure, and the host sysctls
# kubelet changes are restored.
#
#   scripts/node/with-site.sh kubectl get nodes
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../cluster/env.sh
. "$repo/scripts/cluster/env.sh"
# shellcheck source=env.sh
. "$repo/scripts/node/env.sh"
log() { printf '[site] %s\n' "$*" >&2; }

exec 9>/run/lock/vserver-node-tier.lock
flock -w 600 9 || { log "another run of the node tier holds /run/lock/vserver-node-tier.lock"; exit 1; }

state=$(mktemp -d "${TMPDIR:-/tmp}/vserver-site.XXXXXX")
# Host sysctls kubelet sets (its "kernel defaults"); restored at the end.
SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"
for key in $SYSCTLS; do echo "$key=$(sysctl -n "$key")"; done > "$state/sysctls"
# (none yet on a machine where no network namespace was ever made: /run/netns does not exist)
netns_names() { { find /run/netns -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null || true; } | sort; }
netns_names > "$state/netns-before"

# shellcheck disable=SC2317 # runs from the EXIT trap
teardown() {
  local rc=$?
  set +e
  # Whatever with-nodes.sh left (it stops its own processes; this is for an interrupted run): every process in
  # one of the tier's network namespaces (daemons, containerd's shims), then every process in a node's cgroups.
  local inodes="" ns p
  for ns in vsn-master vsn-node0 vsn-node1 vsn-node2 vsn-node3 vsn-node4; do
    [ -e "/run/netns/$ns" ] && inodes="$inodes $(stat -L -c %i "/run/netns/$ns")"
  done
  for p in /proc/[0-9]*; do
    case " $inodes " in *" $(stat -L -c %i "$p/ns/net" 2>/dev/null) "*) kill -9 "${p#/proc/}" 2>/dev/null ;; esac
  done
  for cg in /sys/fs/cgroup/*/vserver-node*; do
    [ -d "$cg" ] || continue
    # shellcheck disable=SC2038 # what goes to xargs are pids, not file names
    find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
  done
  sleep 0.5
  # Mounts under the state folder (containerd's rootfs snapshots, kubelet's Secret tmpfs), deepest first.
  grep -o " ${state}[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  # Pod network namespaces containerd made, then the tier's own.
  netns_names | comm -13 "$state/netns-before" - | while read -r ns; do ip netns del "$ns" 2>/dev/null; done
  find /sys/fs/cgroup/*/vserver-node* -depth -type d -exec rmdir {} + 2>/dev/null
  while IFS= read -r line; do sysctl -q -w "$line" >/dev/null 2>&1; done < "$state/sysctls"
  if [ -n "${VSERVER_KEEP_LOGS:-}" ]; then
    for d in "$state"/nodes/node*; do [ -d "$d" ] && mkdir -p "$VSERVER_KEEP_LOGS/$(basename "$d")" && cp "$d"/*.log "$VSERVER_KEEP_LOGS/$(basename "$d")/"; done
  fi
  rm -rf "$state"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }

# The LAN: a bridge in the master's namespace, one veth per other host. No default route anywhere.
ip netns add vsn-master
in_ns vsn-master ip link set lo up
in_ns vsn-master ip link add lan type bridge
in_ns vsn-master ip addr add 192.168.1.10/24 dev lan
in_ns vsn-master ip link set lan up
for n in 0 1 2 3 4; do
  ns=vsn-node$n
  ip netns add "$ns"
  in_ns "$ns" ip link set lo up
  in_ns "$ns" ip link add eth0 type veth peer name "lan-node$n" netns /run/netns/vsn-master
  in_ns "$ns" ip addr add "192.168.1.2$n/24" dev eth0
  in_ns "$ns" ip link set eth0 up
  in_ns vsn-master ip link set "lan-node$n" master lan up
  in_ns "$ns" sysctl -q -w net.ipv4.ip_forward=1
done
# Pod subnets are reached through their worker, from every host of the LAN.
for host in master node0 node1 node2 node3 node4; do
  for n in 1 2 3; do
    [ "$host" = "node$n" ] || in_ns "vsn-$host" ip route add "10.244.$n.0/24" via "192.168.1.2$n"
  done
done
# Service addresses are routed to the LAN side (as a node's default route would), where kube-proxy's rules take
# them; no host has a default route, so nothing leaves the namespaces.
for n in 0 1 2 3 4; do in_ns "vsn-node$n" ip route add 10.96.0.0/16 dev eth0; done
# No VIP is placed here: the tests start keepalived on both routers with the VRRP settings of the site's backend, and
# the VRRP master adds the VIPs to its interface (kube-proxy's externalIPs rules forward them).

# Credentials of the node agents, known to the API server from its start.
mkdir -p "$state/nodes"
: > "$state/tokens.csv"
for n in 1 2 3; do
  echo "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'),system:node:node$n,system:node:node$n,system:nodes" >> "$state/tokens.csv"
done
echo "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'),system:kube-proxy,system:kube-proxy" >> "$state/tokens.csv"

log "LAN up in network namespaces vsn-master, vsn-node0..4; starting the control plane on 192.168.1.10"
set +e
in_ns vsn-master env VSERVER_CP_ADDRESS=192.168.1.10 VSERVER_EXTRA_TOKENS="$state/tokens.csv" \
  VSERVER_NODE_STATE="$state/nodes" \
  bash "$repo/scripts/cluster/with-control-plane.sh" bash "$repo/scripts/node/with-nodes.sh" "$@" 9>&-
rc=$?
set -e
exit "$rc"
