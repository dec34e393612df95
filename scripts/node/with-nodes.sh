#!/usr/bin/env bash
# Starts the site's nodes against the running control plane (KUBECONFIG), runs the given command, and stops every
# process it started. Called by scripts/node/with-site.sh inside the master's network namespace; each node runs
# in its own namespace (vsn-node<n>):
#   node1-3: containerd (own root, state and socket; CRI with the CNI bridge plugin, 10.244.<n>.0/24), the
#            project's images imported by name, kubelet (role=worker) and kube-proxy (iptables mode);
#            containerd and kubelet share a mount namespace of the node's own, in which kubelet's fixed
#            pod log folders /var/log/pods and /var/log/containers are the node's log/pods and log/containers:
#            kubelet 1.20's container GC deletes every pod log folder of a pod it does not run, so on one shared
#            /var/log/pods the workers would delete each other's pod logs;
#   node0, node4: kube-proxy only: the two routers, one of which holds the VIPs (keepalived, started by the tests).
# Per node, VSERVER_NODE_STATE/node<n>/ holds containerd.sock, log/, kubelet.pid, *.log; mnt-ns/node<n> keeps
# the node's mount namespace.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../cluster/env.sh
. "$repo/scripts/cluster/env.sh"
# shellcheck source=env.sh
. "$repo/scripts/node/env.sh"
log() { printf '[nodes] %s\n' "$*" >&2; }
: "${VSERVER_NODE_STATE:?run through scripts/node/with-site.sh}" "${VSERVER_EXTRA_TOKENS:?}" "${KUBECONFIG:?}"

root=$VSERVER_NODE_STATE
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')

# shellcheck disable=SC2317 # runs from the EXIT trap
stop() {
  local rc=$?
  set +e
  # every daemon asked to stop at once, and given 5 s in all (not each) before it is killed
  local pids=() pidfile pid alive
  for pidfile in "$root"/*/*.pid; do [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")") && rm -f "$pidfile"; done
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null
    for _ in $(seq 50); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1 && break; done
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    kill -9 "${pids[@]}" 2>/dev/null
  fi
  for ns in "$root"/mnt-ns/*; do [ -e "$ns" ] && umount "$ns" 2>/dev/null; done
  mountpoint -q "$root/mnt-ns" && umount "$root/mnt-ns"
  if [ "$rc" -ne 0 ]; then
    for f in "$root"/*/*.log; do [ -f "$f" ] && { log "last lines of $f:"; tail -n 12 "$f" >&2; }; done
  fi
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

kubeconfig() { # file user token
  cat > "$1" <<YAML
apiVersion: v1
kind: Config
clusters: [{ name: site, cluster: { server: "$server", certificate-authority: "$ca" } }]
users: [{ name: "$2", user: { token: "$3" } }]
contexts: [{ name: site, context: { cluster: site, user: "$2" } }]
current-context: site
YAML
}
token_of() { grep ",$1," "$VSERVER_EXTRA_TOKENS" | head -1 | cut -d, -f1; }

# Runs a node's daemon in the node's namespaces (its mount namespace too, once mount_ns made it), in the
# background, with its pid and log in the node's folder (nsenter execs the daemon, so the pid is the daemon's own).
daemon() { # node name command...
  local node=$1 name=$2; shift 2
  local mnt=()
  [ -e "$root/mnt-ns/$node" ] && mnt=(--mount="$root/mnt-ns/$node")
  nsenter --net="/run/netns/vsn-$node" "${mnt[@]}" "$@" > "$root/$node/$name.log" 2>&1 &
  echo $! > "$root/$node/$name.pid"
}

# The node's own mount namespace, kept by a bind mount on mnt-ns/<node>: the host's mounts as they are (later
# host mounts propagate in, none of the node's propagate out), with the node's log/pods and log/containers on
# kubelet's fixed /var/log/pods and /var/log/containers. (A namespace can be kept only on a mount that does not
# propagate, so mnt-ns/ is a private bind mount of its own; a node's namespace does not keep its copy of it.)
mkdir -p "$root/mnt-ns"
mount --bind "$root/mnt-ns" "$root/mnt-ns"
mount --make-private "$root/mnt-ns"
mount_ns() { # node
  local dir=$root/$1
  mkdir -p "$dir/log/pods" "$dir/log/containers" /var/log/pods /var/log/containers
  : > "$root/mnt-ns/$1"
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
  unshare --mount="$root/mnt-ns/$1" --propagation slave \
    sh -c 'umount -l "$2" && mount --bind "$1/log/pods" /var/log/pods && mount --bind "$1/log/containers" /var/log/containers' \
    sh "$dir" "$root/mnt-ns"
}

start_proxy() { # node address
  local node=$1 address=$2
  mkdir -p "$root/$node"
  kubeconfig "$root/$node/kube-proxy.kubeconfig" system:kube-proxy "$(token_of system:kube-proxy)"
  # No conntrack or OOM-score changes: they are host-wide settings (and the OOM score needs CAP_SYS_RESOURCE).
  daemon "$node" kube-proxy "$K8S_BIN/kube-proxy" --kubeconfig "$root/$node/kube-proxy.kubeconfig" \
    --hostname-override "$node" --bind-address "$address" --cluster-cidr 10.244.0.0/16 --proxy-mode iptables \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
    --oom-score-adj 0 --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 \
    --iptables-min-sync-period 0s
}

start_worker() { # n
  local n=$1 node=node$1 address=192.168.1.2$1 dir="$root/node$1"
  mkdir -p "$dir/cni/net.d" "$dir/cni/ipam" "$dir/kubelet" "$dir/containerd"
  # A cgroup parent of its own in every hierarchy, so three kubelets never share /kubepods.
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h" ] || continue
    mkdir -p "$h/vserver-$node"
    [ -f "$h/cpuset.cpus" ] && cat "$h/cpuset.cpus" > "$h/vserver-$node/cpuset.cpus" && cat "$h/cpuset.mems" > "$h/vserver-$node/cpuset.mems"
  done
  cat > "$dir/cni/net.d/10-site.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "site",
  "plugins": [
    { "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$dir/cni/ipam", "ranges": [[{ "subnet": "10.244.$n.0/24" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "loopback" }
  ]
}
JSON
  cat > "$dir/containerd/config.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  # This machine's root cannot lower OOM scores (no CAP_SYS_RESOURCE): without this every sandbox fails.
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$root/registry/certs.d"
TOML
  mount_ns "$node"
  daemon "$node" containerd containerd --config "$dir/containerd/config.toml"
  for _ in $(seq 100); do [ -S "$dir/containerd.sock" ] && break; sleep 0.1; done
  # The images the site runs, by the names its manifests use (the registry master.test:5000 is not needed).
  for tar in "$VSERVER_IMAGES/pause.tar" "$VSERVER_IMAGES"/httpd/image.tar "$VSERVER_IMAGES"/sshd/image.tar \
      "$VSERVER_IMAGES"/apache-exporter/image.tar "$VSERVER_IMAGES"/php8.4-fpm/image.tar "$VSERVER_IMAGES"/mariadb/image.tar \
      "$VSERVER_IMAGES"/log-collector/image.tar "$VSERVER_IMAGES"/entry/image.tar "$VSERVER_IMAGES"/restic/image.tar; do
    ctr --address "$dir/containerd.sock" -n k8s.io images import --no-unpack "$tar" >/dev/null
  done
  # v2: the same build under a second tag, so a rollout v1 -> v2 replaces every pod.
  for name in httpd sshd apache-exporter php8.4-fpm; do
    ctr --address "$dir/containerd.sock" -n k8s.io images tag "$LAB_REGISTRY/$name:v1" "$LAB_REGISTRY/$name:v2" >/dev/null
  done
  echo "nameserver 127.0.0.1" > "$dir/resolv.conf"
  kubeconfig "$dir/kubelet.kubeconfig" "system:node:$node" "$(token_of "system:node:$node")"
  cat > "$dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $address
readOnlyPort: 0
healthzPort: 0
# Inside the tier's namespaces only: the API server reaches kubelet for logs and exec without a client certificate.
authentication: { anonymous: { enabled: true }, webhook: { enabled: false } }
authorization: { mode: AlwaysAllow }
cgroupDriver: cgroupfs
cgroupRoot: /vserver-$node
kernelMemcgNotification: false
failSwapOn: false
resolvConf: $dir/resolv.conf
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 100Mi }
# Heartbeats every 2 s, so the controller-manager's short grace period (8 s) sees a dead node quickly.
nodeStatusUpdateFrequency: 2s
nodeLeaseDurationSeconds: 8
syncFrequency: 5s
serializeImagePulls: false
volumePluginDir: $dir/kubelet/volume-plugins
YAML
  local kubelet=("$K8S_BIN/kubelet" --config "$dir/kubelet.yaml" --kubeconfig "$dir/kubelet.kubeconfig"
    --hostname-override "$node" --node-ip "$address" --node-labels role=worker
    --container-runtime remote --container-runtime-endpoint "unix://$dir/containerd.sock"
    --pod-infra-container-image "$PAUSE_IMAGE" --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki")
  daemon "$node" kubelet "${kubelet[@]}"
  # The same kubelet again, for a test that stopped it to bring its node back for the tests after it (kubelet.pid
  # names the new one; its log goes on).
  {
    echo '#!/usr/bin/env bash'
    printf 'nsenter --net=/run/netns/vsn-%s --mount=%q' "$node" "$root/mnt-ns/$node"
    printf ' %q' "${kubelet[@]}"
    printf ' >> %q 2>&1 &\necho $! > %q\n' "$root/$node/kubelet.log" "$root/$node/kubelet.pid"
  } > "$dir/kubelet.restart"
  start_proxy "$node" "$address"
}

start=$(date +%s)
start_proxy node0 192.168.1.20
start_proxy node4 192.168.1.24
# The workers start side by side (most of it is importing images); each records its daemons' pids itself.
workers=()
# The LAN's private registry (a test starts Debian's docker-registry on the master, with TLS and basic auth): its
# CA, which every worker's containerd trusts for that address, as a cluster's nodes trust their registry's.
mkdir -p "$root/registry/certs.d/$LAN_REGISTRY_ADDRESS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=lab registry CA" \
  -keyout "$root/registry/ca.key" -out "$root/registry/ca.crt" 2>/dev/null
cat > "$root/registry/certs.d/$LAN_REGISTRY_ADDRESS/hosts.toml" <<TOML
server = "https://$LAN_REGISTRY_ADDRESS"
[host."https://$LAN_REGISTRY_ADDRESS"]
  capabilities = ["pull", "resolve"]
  ca = "$root/registry/ca.crt"
TOML
for n in 1 2 3; do start_worker "$n" & workers+=($!); done
for pid in "${workers[@]}"; do wait "$pid" || { log "a worker failed to start"; exit 1; }; done
log "waiting for node1-3 to be Ready"
for _ in $(seq 120); do
  ready=$(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}' 2>/dev/null || true)
  [ "$(echo "$ready" | grep -o '=True' | wc -l)" = 3 ] && break
  sleep 1
done
[ "$(echo "$ready" | grep -o '=True' | wc -l)" = 3 ] || { log "nodes not Ready after 120 s: $ready"; exit 1; }
log "nodes Ready in $(( $(date +%s) - start )) s: $ready"

set +e
"$@"
rc=$?
set -e
exit "$rc"
