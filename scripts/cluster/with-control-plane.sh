#!/usr/bin/env bash
# Starts a real, single-machine Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) with every listener on 127.0.0.1, runs the given command with KUBECONFIG pointing at it,
# and stops every process it started when the command ends, also on failure or interrupt.
#
#   scripts/cluster/with-control-plane.sh kubectl get --raw /readyz
#
# There is no kubelet: pods are scheduled but stay Pending. Extra flags for the controller-manager can be
# passed in KCM_EXTRA_FLAGS (space-separated). The real node tier (scripts/node/with-site.sh) runs it inside a
# network namespace with VSERVER_CP_ADDRESS (the address the API server listens on and advertises, default
# 127.0.0.1) and VSERVER_EXTRA_TOKENS (a file of more token lines: its kubelets and kube-proxies).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
. "$here/env.sh"
log() { printf '[control-plane] %s\n' "$*" >&2; }

for b in kube-apiserver kube-controller-manager kube-scheduler; do
  [ -x "$K8S_BIN/$b" ] || { log "$K8S_BIN/$b is missing: run scripts/cluster/prepare.sh"; exit 1; }
done
command -v etcd >/dev/null || { log "etcd is missing: run scripts/cluster/prepare.sh"; exit 1; }

address=${VSERVER_CP_ADDRESS:-127.0.0.1}
state=$(mktemp -d "${TMPDIR:-/tmp}/vserver-control-plane.XXXXXX")
pids=()
# shellcheck disable=SC2317 # runs from the EXIT trap
stop() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] && [ -d "$state/logs" ]; then
    for f in "$state"/logs/*.log; do log "last lines of $(basename "$f"):"; tail -n 15 "$f" >&2 || true; done
  fi
  # VSERVER_KEEP_LOGS=<folder> keeps every component's log there (for a failure seen on CI).
  if [ -n "${VSERVER_KEEP_LOGS:-}" ]; then mkdir -p "$VSERVER_KEEP_LOGS/control-plane" && cp "$state"/logs/*.log "$VSERVER_KEEP_LOGS/control-plane/"; fi
  rm -rf "$state"
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

# A free port below the kernel's ephemeral range, and not one picked before: a port the kernel hands out (listen on
# port 0) can be taken by a component's outgoing connection between the pick and the bind ("address already in use").
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
picked=()
pick_port() { # variable name: sets it to the port
  local -n into=$1
  into=$(node -e 'const net = require("net"); const [low, ...taken] = process.argv.slice(1).map(Number);
    (function pick() {
      const port = 10000 + Math.floor(Math.random() * (low - 10000));
      if (taken.includes(port)) return pick();
      const s = net.createServer().once("error", pick);
      s.listen(port, "127.0.0.1", () => { console.log(port); s.close(); });
    })();' "$ephemeral_low" "${picked[@]}")
  picked+=("$into")
}
wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$what did not come up within ${seconds}s"; return 1
}

mkdir -p "$state/logs" "$state/pki" "$state/etcd"
# (pick_port sets each through a nameref)
etcd_port='' etcd_peer='' api_port='' kcm_port='' sched_port=''
for port in etcd_port etcd_peer api_port kcm_port sched_port; do pick_port "$port"; done

# Credentials: static tokens (token auth), a service-account signing key.
admin_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
kcm_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
sched_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$state/pki/tokens.csv" <<CSV
$admin_token,vserver-admin,vserver-admin,system:masters
$kcm_token,system:kube-controller-manager,system:kube-controller-manager
$sched_token,system:kube-scheduler,system:kube-scheduler
CSV
if [ -n "${VSERVER_EXTRA_TOKENS:-}" ]; then cat "$VSERVER_EXTRA_TOKENS" >> "$state/pki/tokens.csv"; fi
openssl genrsa -out "$state/pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$state/pki/sa.key" -pubout -out "$state/pki/sa.pub" 2>/dev/null

kubeconfig() { # file token
  cat > "$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: vserver
  cluster:
    server: https://$address:$api_port
    certificate-authority: $state/pki/apiserver.crt
users:
- name: user
  user:
    token: $2
contexts:
- name: vserver
  context: { cluster: vserver, user: user, namespace: default }
current-context: vserver
YAML
}
kubeconfig "$state/admin.kubeconfig" "$admin_token"
kubeconfig "$state/kcm.kubeconfig" "$kcm_token"
kubeconfig "$state/scheduler.kubeconfig" "$sched_token"

log "etcd on 127.0.0.1:$etcd_port"
etcd --name vserver --data-dir "$state/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "vserver=http://127.0.0.1:$etcd_peer" --listen-metrics-urls '' \
  > "$state/logs/etcd.log" 2>&1 &
pids+=($!)
wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

log "kube-apiserver on $address:$api_port"
"$K8S_BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address "$address" --advertise-address "$address" --secure-port "$api_port" --insecure-port 0 \
  --cert-dir "$state/pki" --token-auth-file "$state/pki/tokens.csv" \
  --authorization-mode Node,RBAC --allow-privileged=true \
  --kubelet-preferred-address-types InternalIP \
  --service-cluster-ip-range 10.96.0.0/16 \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key" \
  --profiling=false \
  > "$state/logs/kube-apiserver.log" 2>&1 &
pids+=($!)
wait_for kube-apiserver 60 kubectl --kubeconfig "$state/admin.kubeconfig" get --raw /readyz

log "kube-controller-manager and kube-scheduler"
# shellcheck disable=SC2086
"$K8S_BIN/kube-controller-manager" \
  --kubeconfig "$state/kcm.kubeconfig" \
  --authentication-kubeconfig "$state/kcm.kubeconfig" --authorization-kubeconfig "$state/kcm.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$kcm_port" --port 0 --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file "$state/pki/sa.key" --root-ca-file "$state/pki/apiserver.crt" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --pvclaimbinder-sync-period 2s \
  --profiling=false \
  ${KCM_EXTRA_FLAGS:-} \
  > "$state/logs/kube-controller-manager.log" 2>&1 &
pids+=($!)
"$K8S_BIN/kube-scheduler" \
  --kubeconfig "$state/scheduler.kubeconfig" \
  --authentication-kubeconfig "$state/scheduler.kubeconfig" --authorization-kubeconfig "$state/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$sched_port" --port 0 --leader-elect=false \
  --profiling=false \
  > "$state/logs/kube-scheduler.log" 2>&1 &
pids+=($!)
wait_for kube-controller-manager 60 curl -sfk "https://127.0.0.1:$kcm_port/healthz"
wait_for kube-scheduler 60 curl -sfk "https://127.0.0.1:$sched_port/healthz"
# The default ServiceAccount appears once the controllers run; pods cannot be admitted before it.
wait_for "the default ServiceAccount" 60 kubectl --kubeconfig "$state/admin.kubeconfig" -n default get serviceaccount default

log "ready: $("$K8S_BIN/kube-apiserver" --version) at https://$address:$api_port"
export KUBECONFIG="$state/admin.kubeconfig" VSERVER_CONTROL_PLANE_LOGS="$state/logs"
set +e
"$@"
rc=$?
set -e
exit "$rc"
