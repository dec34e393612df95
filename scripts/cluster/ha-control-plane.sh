#!/usr/bin/env bash
# A redundant control plane, run for real from the files the synth wrote, and the failure of the master that holds
# the API VIP, measured. Prints one JSON line of figures.
#
#   bash scripts/cluster/ha-control-plane.sh failover          # the site as written
#   bash scripts/cluster/ha-control-plane.sh single-holder     # negative control: keepalived + haproxy on the first master only
#   bash scripts/cluster/ha-control-plane.sh no-health-check   # negative control: haproxy.cfg without its health checks
#
# What runs, in network namespaces of their own with no route out (a bridge, one namespace per master, a client):
#   - per master, an etcd member of one three-member cluster (Debian's etcd), kube-apiserver on <address>:6443 with a
#     certificate whose SANs are kubeadm-config.yaml's certSANs and the node's address, kube-controller-manager and
#     kube-scheduler with leader election, each against its own node's API server (as kubeadm's stacked control plane),
#     the controller-manager with kubeadm-config.yaml's extraArgs (the node monitor grace period);
#   - per master, Debian's haproxy and keepalived as their static Pods run them: each static Pod's args, haproxy as
#     uid 65534, its hostPath files (the node's etc/haproxy and etc/keepalived folders from dist/<app>/control-plane/)
#     mounted where the Pod mounts them, and a private /run (the Pod's emptyDir);
#   - a client on the LAN: an HTTPS GET of /readyz at the API endpoint every 100 ms, each with a 1 s bound,
#     verifying the API server's certificate against the cluster's CA (the VIP must be one of its SANs).
# The first master takes the VIP; 2 s into the loop its link is cut (the node is gone, as a power loss looks to the
# LAN). The loop runs WINDOW seconds more (default 15). In the failover scenario the controller-manager's Lease must then
# move to another master and a Deployment created through the VIP must get its ReplicaSet and pods.
#
# Reads the lab's declaration (lib/lab/site.js) for the LAN, and dist/lab/control-plane/ for everything else: run
# `npx projen synth` first. Needs root, iproute2, util-linux, curl, openssl, etcd, keepalived, haproxy, kubectl and the
# Kubernetes binaries scripts/cluster/prepare.sh builds.
set -euo pipefail
scenario=${1:?usage: ha-control-plane.sh failover|single-holder|no-health-check}
case "$scenario" in failover|single-holder|no-health-check) ;; *) echo "unknown scenario: $scenario" >&2; exit 2 ;; esac
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=env.sh
. "$repo/scripts/cluster/env.sh"
files=${VSERVER_CONTROL_PLANE_DIR:-$repo/dist/lab/control-plane}
# The prefix of its network namespaces: runs with different prefixes are apart (a LAN, a bridge each) and may run at once.
P=${VSERVER_HA_PREFIX:-vcp}
WINDOW=${WINDOW:-15}
log() { printf '[ha-control-plane] %3ds %s\n' "$SECONDS" "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (network namespaces)"; exit 1; }
[ -f "$files/kubeadm-config.yaml" ] || { log "$files/kubeadm-config.yaml is missing: run npx projen synth first"; exit 1; }
for b in etcd keepalived haproxy kubectl curl openssl unshare setpriv ip; do
  command -v "$b" >/dev/null || { log "$b is missing: run scripts/cluster/prepare.sh cluster"; exit 1; }
done

# What the synth wrote, read with a YAML parser and the files' own lines:
#   NODES "name=address ..." (haproxy.cfg's servers), ENDPOINT, VIP, SANS (certSANs), KCM_ARGS (extraArgs),
#   IFACE (keepalived.conf's interface), LAN (the lab's), CLIENT (the LAN's last host address).
NODES='' ENDPOINT='' VIP='' SANS='' KCM_ARGS='' IFACE='' BITS='' CLIENT=''
# shellcheck disable=SC2016 # JavaScript, not shell
eval "$(cd "$repo" && node -e '
  const fs = require("fs"); const path = require("path"); const { parseAllDocuments } = require("yaml");
  const dir = process.argv[1];
  const docs = parseAllDocuments(fs.readFileSync(path.join(dir, "kubeadm-config.yaml"), "utf-8")).map((d) => d.toJS());
  const cluster = docs.find((d) => d.kind === "ClusterConfiguration");
  const first = fs.readdirSync(dir).filter((f) => /^1-/.test(f) && !f.endsWith("-after-init"))[0];
  const cfg = fs.readFileSync(path.join(dir, first, "etc/haproxy/haproxy.cfg"), "utf-8");
  const nodes = [...cfg.matchAll(/^\s+server (\S+) (\S+):6443/gm)].map((m) => `${m[1]}=${m[2]}`);
  const iface = /^\s+interface (\S+)$/m.exec(fs.readFileSync(path.join(dir, first, "etc/keepalived/keepalived.conf"), "utf-8"))[1];
  const [vip] = cluster.controlPlaneEndpoint.split(":");
  const { LAB } = require(path.resolve("lib/lab/site.js"));
  const [net, bits] = LAB.facts.lanSubnet.text.split("/");
  const n = net.split(".").reduce((a, o) => a * 256 + Number(o), 0) + 2 ** (32 - Number(bits)) - 2;
  const client = [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
  const args = (cluster.controllerManager?.extraArgs ?? []).map((a) => `--${a.name}=${a.value}`);
  console.log(`NODES="${nodes.join(" ")}"\nENDPOINT=${cluster.controlPlaneEndpoint}\nVIP=${vip}`
    + `\nSANS="${(cluster.apiServer?.certSANs ?? []).join(" ")}"\nKCM_ARGS="${args.join(" ")}"\nIFACE=${iface}\nBITS=${bits}\nCLIENT=${client}`);
' "$files")"
read -r -a nodes <<< "$NODES"
[ ${#nodes[@]} -ge 2 ] || { log "dist's control plane has ${#nodes[@]} master(s); the failover needs at least two"; exit 1; }

state=$(mktemp -d "${TMPDIR:-/tmp}/vserver-ha.XXXXXX")
pids=()
namespaces=("$P-lan" "$P-client")
for i in "${!nodes[@]}"; do namespaces+=("${P}-m$((i + 1))"); done
# shellcheck disable=SC2317 # runs from the EXIT trap
stop() {
  local rc=$?
  # nothing here keeps state worth a graceful stop (a cut master's API server would wait seconds on its etcd)
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then for f in "$state"/logs/*.log; do log "last lines of $(basename "$f"):"; tail -n 8 "$f" >&2 || true; done; fi
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$state"
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM
mkdir -p "$state/logs" "$state/pki"
wait_for() { # what seconds command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$what did not come up within ${seconds}s"; return 1
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
bg() { # log-name ns command... (in the background, its pid kept)
  local name=$1 ns=$2; shift 2
  ip netns exec "$ns" "$@" > "$state/logs/$name.log" 2>&1 &
  pids+=($!)
}

# The LAN.
for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
ip netns add "${P}-lan"
ip -n "${P}-lan" link add br0 type bridge
ip -n "${P}-lan" link set br0 up
hosts=("$P-client=$CLIENT")
for i in "${!nodes[@]}"; do hosts+=("${P}-m$((i + 1))=${nodes[$i]#*=}"); done
k=0
for host in "${hosts[@]}"; do
  ns=${host%%=*} address=${host#*=} k=$((k + 1))
  ip netns add "$ns"
  dev=eth0; [ "$ns" = "$P-client" ] || dev=$IFACE
  ip link add "$P$k" netns "${P}-lan" type veth peer name "$dev" netns "$ns"
  ip -n "${P}-lan" link set "$P$k" master br0 up
  ip -n "$ns" addr add "$address/$BITS" dev "$dev"
  ip -n "$ns" link set "$dev" up
  ip -n "$ns" link set lo up
done

# The cluster's CA, one serving certificate per API server (its address, the loopback and the certSANs kubeadm would add).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kubernetes-ca" -keyout "$state/pki/ca.key" -out "$state/pki/ca.crt" 2>/dev/null
openssl genrsa -out "$state/pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$state/pki/sa.key" -pubout -out "$state/pki/sa.pub" 2>/dev/null
admin_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
kcm_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
sched_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$admin_token,vserver-admin,vserver-admin,system:masters" \
  "$kcm_token,system:kube-controller-manager,system:kube-controller-manager" \
  "$sched_token,system:kube-scheduler,system:kube-scheduler" > "$state/pki/tokens.csv"
kubeconfig() { # file server token
  printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: %s\n    certificate-authority: %s\nusers:\n- name: u\n  user:\n    token: %s\ncontexts:\n- name: c\n  context: { cluster: c, user: u }\ncurrent-context: c\n' \
    "$2" "$state/pki/ca.crt" "$3" > "$1"
}
kubeconfig "$state/admin-vip.kubeconfig" "https://$ENDPOINT" "$admin_token"

initial=()
for i in "${!nodes[@]}"; do initial+=("${nodes[$i]%%=*}=http://${nodes[$i]#*=}:2380"); done
initial_cluster=$(IFS=,; echo "${initial[*]}")
for i in "${!nodes[@]}"; do
  name=${nodes[$i]%%=*} address=${nodes[$i]#*=} ns=${P}-m$((i + 1))
  sans="IP:$address,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default"
  for san in $SANS; do sans="$sans,IP:$san"; done
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$state/pki/$name.key" -out "$state/pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$state/pki/$name.csr" -CA "$state/pki/ca.crt" -CAkey "$state/pki/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName=%s\n' "$sans") -out "$state/pki/$name.crt" 2>/dev/null
  kubeconfig "$state/$name-kcm.kubeconfig" "https://$address:6443" "$kcm_token"
  kubeconfig "$state/$name-scheduler.kubeconfig" "https://$address:6443" "$sched_token"
  mkdir -p "$state/etcd-$name"
  bg "etcd-$name" "$ns" etcd --name "$name" --data-dir "$state/etcd-$name" \
    --listen-client-urls "http://$address:2379,http://127.0.0.1:2379" --advertise-client-urls "http://$address:2379" \
    --listen-peer-urls "http://$address:2380" --initial-advertise-peer-urls "http://$address:2380" \
    --initial-cluster "$initial_cluster" --initial-cluster-state new --listen-metrics-urls ''
done
for i in "${!nodes[@]}"; do wait_for "etcd on ${nodes[$i]%%=*}" 60 in_ns "${P}-m$((i + 1))" curl -sf http://127.0.0.1:2379/health; done
log "etcd: ${#nodes[@]} members"

for i in "${!nodes[@]}"; do
  name=${nodes[$i]%%=*} address=${nodes[$i]#*=}
  bg "apiserver-$name" "${P}-m$((i + 1))" "$K8S_BIN/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
    --bind-address 0.0.0.0 --advertise-address "$address" --secure-port 6443 --insecure-port 0 \
    --tls-cert-file "$state/pki/$name.crt" --tls-private-key-file "$state/pki/$name.key" \
    --token-auth-file "$state/pki/tokens.csv" --authorization-mode Node,RBAC \
    --service-cluster-ip-range 10.96.0.0/16 --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key" --profiling=false
done
for i in "${!nodes[@]}"; do
  wait_for "kube-apiserver on ${nodes[$i]%%=*}" 90 in_ns "${P}-m$((i + 1))" curl -sf --cacert "$state/pki/ca.crt" "https://${nodes[$i]#*=}:6443/readyz"
done
log "kube-apiserver on every master"

# Controller-manager and scheduler per master, each named after its node (its own UTS namespace: the leader's
# identity starts with the hostname). The first master's controller-manager leads from the start.
start_controllers() { # index
  local i=$1 name=${nodes[$1]%%=*} ns=${P}-m$(($1 + 1))
  # shellcheck disable=SC2086,SC2016 # KCM_ARGS: the flags kubeadm-config.yaml gives it; $0 and $@ are the inner shell's
  bg "kcm-$name" "$ns" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$name" "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$state/$name-kcm.kubeconfig" --authentication-kubeconfig "$state/$name-kcm.kubeconfig" \
    --authorization-kubeconfig "$state/$name-kcm.kubeconfig" --bind-address 127.0.0.1 --secure-port 10257 --port 0 \
    --leader-elect=true --use-service-account-credentials=true --service-account-private-key-file "$state/pki/sa.key" \
    --root-ca-file "$state/pki/ca.crt" --service-cluster-ip-range 10.96.0.0/16 --profiling=false $KCM_ARGS
  # shellcheck disable=SC2016 # the inner shell's $0 and $@
  bg "scheduler-$name" "$ns" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$name" "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$state/$name-scheduler.kubeconfig" --authentication-kubeconfig "$state/$name-scheduler.kubeconfig" \
    --authorization-kubeconfig "$state/$name-scheduler.kubeconfig" --bind-address 127.0.0.1 --secure-port 10259 --port 0 \
    --leader-elect=true --profiling=false
}
kubeconfig "$state/m1-admin.kubeconfig" "https://${nodes[0]#*=}:6443" "$admin_token"
kcm_leader() { # kubeconfig
  in_ns "$2" kubectl --kubeconfig "$1" -n kube-system get lease kube-controller-manager -o 'jsonpath={.spec.holderIdentity}' 2>/dev/null | cut -d_ -f1
}
start_controllers 0
first=${nodes[0]%%=*}
wait_for "the controller-manager of $first as leader" 60 sh -c "[ \"\$(ip netns exec '${P}-m1' kubectl --kubeconfig '$state/m1-admin.kubeconfig' -n kube-system get lease kube-controller-manager -o 'jsonpath={.spec.holderIdentity}' | cut -d_ -f1)\" = '$first' ]"
for i in "${!nodes[@]}"; do [ "$i" = 0 ] || start_controllers "$i"; done
log "controller-manager and scheduler on every master; $first leads"

# The API VIP's holders, as their static Pods run them.
pod_args() { # manifest: the container's args, one per line
  (cd "$repo" && node -e 'const { parse } = require("yaml"); const pod = parse(require("fs").readFileSync(process.argv[1], "utf-8"));
    console.log(pod.spec.containers[0].args.join("\n"))' "$1")
}
holders=("${!nodes[@]}")
[ "$scenario" = single-holder ] && holders=(0)
for i in "${holders[@]}"; do
  name=${nodes[$i]%%=*} ns=${P}-m$((i + 1)) dir="$files/$((i + 1))-$name"
  mkdir -p "$state/$name-etc"
  cp -a "$dir/etc/haproxy" "$dir/etc/keepalived" "$state/$name-etc/"
  if [ "$scenario" = no-health-check ]; then
    # the negative control: the same file without any health check
    sed -i -e 's/^\(  default-server\) check check-ssl verify none/\1/' -e '/option httpchk/d' -e '/http-check expect/d' "$state/$name-etc/haproxy/haproxy.cfg"
    if grep -q check-ssl "$state/$name-etc/haproxy/haproxy.cfg"; then log "haproxy.cfg's health check is not where this control expects it"; exit 1; fi
  fi
  chmod 755 "$state" "$state/$name-etc"
  mapfile -t haproxy_args < <(pod_args "$dir/etc/kubernetes/manifests/haproxy.yaml")
  mapfile -t keepalived_args < <(pod_args "$dir/etc/kubernetes/manifests/keepalived.yaml")
  mkdir -p /etc/haproxy /etc/keepalived
  # shellcheck disable=SC2016 # expanded by the inner shell
  bg "haproxy-$name" "$ns" unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/haproxy && exec setpriv --reuid 65534 --regid 65534 --clear-groups haproxy "$@"' \
    "$state/$name-etc/haproxy" "${haproxy_args[@]}"
  # shellcheck disable=SC2016
  bg "keepalived-$name" "$ns" unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/keepalived && mount -t tmpfs run /run && exec keepalived "$@"' \
    "$state/$name-etc/keepalived" "${keepalived_args[@]}"
  if [ "$i" = 0 ]; then
    wait_for "the API VIP on $name" 30 sh -c "ip -n $ns -4 addr show dev $IFACE | grep -q ' $VIP/'"
    wait_for "the API through the VIP" 30 in_ns "${P}-client" curl -sf --cacert "$state/pki/ca.crt" "https://$ENDPOINT/readyz"
  fi
done
sleep 2
log "the API VIP $VIP is on $first; ${#holders[@]} master(s) hold it: cutting $first's link 2 s into the loop"

# The client: one GET every 100 ms, bounded to 1 s; "<ms since start> OK|FAIL".
# (started directly, not through in_ns: a function in the background is a subshell, and $! would be that subshell's
# pid, not the loop's, which would then outlive the run)
# shellcheck disable=SC2016 # the inner shell's variables
ip netns exec "${P}-client" bash -c 'start=$(date +%s%N); echo "start $start"; while :; do
    t=$(( ($(date +%s%N) - start) / 1000000 ))
    if curl -sf -m 1 -o /dev/null --cacert "$1" "https://$2/readyz"; then echo "$t OK"; else echo "$t FAIL"; fi
    sleep 0.1; done' client "$state/pki/ca.crt" "$ENDPOINT" > "$state/client.log" 2>/dev/null &
client=$!
pids+=("$client")
sleep 2
cut_ns=$(date +%s%N)
ip -n "${P}-m1" link set "$IFACE" down
leader_after='' replica_set=0 pods=0
if [ "$scenario" = failover ]; then
  # the controller-manager's leader moves, and a Deployment made through the VIP after the failure gets its pods
  wait_for "a new controller-manager leader" 60 sh -c "l=\$(ip netns exec '${P}-client' kubectl --kubeconfig '$state/admin-vip.kubeconfig' --request-timeout=2s -n kube-system get lease kube-controller-manager -o 'jsonpath={.spec.holderIdentity}' | cut -d_ -f1); [ -n \"\$l\" ] && [ \"\$l\" != '$first' ]"
  leader_after=$(kcm_leader "$state/admin-vip.kubeconfig" "${P}-client")
  wait_for "a Deployment through the VIP" 30 in_ns "${P}-client" kubectl --kubeconfig "$state/admin-vip.kubeconfig" --request-timeout=3s create deployment after-failover --image=registry.test/none:v1 --replicas=2
  wait_for "its ReplicaSet and 2 pods" 60 sh -c "[ \"\$(ip netns exec '${P}-client' kubectl --kubeconfig '$state/admin-vip.kubeconfig' --request-timeout=3s get pods -l app=after-failover -o name | wc -l)\" = 2 ]"
  replica_set=$(in_ns "${P}-client" kubectl --kubeconfig "$state/admin-vip.kubeconfig" get replicasets -l app=after-failover -o name | wc -l)
  pods=$(in_ns "${P}-client" kubectl --kubeconfig "$state/admin-vip.kubeconfig" get pods -l app=after-failover -o name | wc -l)
fi
while [ $(( ($(date +%s%N) - cut_ns) / 1000000000 )) -lt "$WINDOW" ]; do sleep 0.2; done
kill "$client" 2>/dev/null || true
wait "$client" 2>/dev/null || true
holder_after=''
for i in "${!nodes[@]}"; do ip -n "${P}-m$((i + 1))" -4 addr show dev "$IFACE" | grep -q " $VIP/" && [ "$i" != 0 ] && holder_after=${nodes[$i]%%=*}; done
cut_ms=$(( (cut_ns - $(awk '$1 == "start" { print $2; exit }' "$state/client.log")) / 1000000 ))
awk -v cut="$cut_ms" -v scenario="$scenario" -v holder="$holder_after" -v leader_before="$first" -v leader_after="$leader_after" \
    -v rs="$replica_set" -v pods="$pods" -v window="$WINDOW" '
  $1 == "start" { next }
  { n++ }
  $2 == "OK" && $1 < cut { last_ok_before = $1 }
  $1 >= cut { after++ }
  $2 == "FAIL" && $1 >= cut { failed++; last_fail = $1 - cut }
  $2 == "OK" && $1 >= cut { ok_after++; if (first_ok == "") first_ok = $1 - cut }
  $2 == "FAIL" && $1 >= cut + 8000 { late++ }
  END {
    gap = (first_ok == "" ? "null" : sprintf("%.2f", (first_ok + cut - last_ok_before) / 1000))
    printf "{\"scenario\":\"%s\",\"requests\":%d,\"requestsAfterCut\":%d,\"failed\":%d,\"okAfterCut\":%d,", scenario, n, after, failed, ok_after
    printf "\"firstAnswerAfterCutS\":%s,\"longestGapS\":%s,\"lastFailureAfterCutS\":%s,\"failuresLaterThan8s\":%d,", (first_ok == "" ? "null" : sprintf("%.2f", first_ok / 1000)), gap, (last_fail == "" ? "null" : sprintf("%.2f", last_fail / 1000)), late
    printf "\"windowS\":%d,\"vipHolderAfter\":\"%s\",\"leaderBefore\":\"%s\",\"leaderAfter\":\"%s\",\"replicaSets\":%d,\"pods\":%d}\n", window, holder, leader_before, leader_after, rs, pods
  }' "$state/client.log"
