#!/usr/bin/env bash
# Operates a synthesized app on a cluster with kubectl only. Each subcommand prints the kubectl command it runs.
#
#   scripts/site.sh preflight [DIR]           the server is a Kubernetes version the output supports (1.21-1.30);
#                                             with DIR, it also serves the custom resources DIR holds (MetalLB's),
#                                             and every namespace DIR uses exists or is created by DIR
#   scripts/site.sh diff DIR                  what an apply of DIR would change (exit 1 when something would)
#   scripts/site.sh deploy DIR APP            apply DIR, and prune the app's objects that DIR no longer has
#   scripts/site.sh wait APP [SELECTOR]       wait until every Deployment and DaemonSet of the app has rolled out
#   scripts/site.sh uninstall APP             delete every object of the app, and nothing else
#
# An app's objects carry `app.kubernetes.io/part-of=APP` (ownershipLabels() in @cdk8s-vserver/core). Prune and
# uninstall select on that label and on an explicit list of kinds, so objects of other apps, objects made by hand
# (the SSH Secrets) and the namespaces Kubernetes owns are never touched. Prune never deletes a
# PersistentVolume, a PersistentVolumeClaim or a Namespace: removing a server from the site keeps its data.
set -euo pipefail

# Supported: policy/v1 PodDisruptionBudgets need 1.21; the strict schema check runs against 1.30.
MIN_MINOR=${VSERVER_MIN_K8S_MINOR:-21}
MAX_TESTED_MINOR=30
WAIT_TIMEOUT=${VSERVER_WAIT_TIMEOUT:-300s}

run() {
  printf '+ %s\n' "$*" >&2
  "$@"
}

part_of() { echo "app.kubernetes.io/part-of=$1"; }

# What the server serves (`kubectl api-versions`), read once by the commands that need it.
API_VERSIONS=""

# The kinds prune may delete: every kind this library emits, except PersistentVolume, PersistentVolumeClaim and
# Namespace (data and namespaces go only through uninstall). PodDisruptionBudget and CronJob in the version the
# server has; MetalLB's configuration where MetalLB is installed (a kind the server does not serve cannot be named).
# One line each: "<resource as kubectl get names it> <group/version/Kind for --prune-allowlist> <namespaced|cluster>".
prune_kinds() {
  local pdb=policy/v1 cronjob=batch/v1
  grep -qx policy/v1 <<< "$API_VERSIONS" || pdb=policy/v1beta1
  kubectl get --raw /apis/batch/v1 | grep -q '"kind":"CronJob"' || cronjob=batch/v1beta1
  cat <<EOF
configmaps core/v1/ConfigMap namespaced
secrets core/v1/Secret namespaced
services core/v1/Service namespaced
serviceaccounts core/v1/ServiceAccount namespaced
deployments.apps apps/v1/Deployment namespaced
daemonsets.apps apps/v1/DaemonSet namespaced
poddisruptionbudgets.policy $pdb/PodDisruptionBudget namespaced
cronjobs.batch $cronjob/CronJob namespaced
roles.rbac.authorization.k8s.io rbac.authorization.k8s.io/v1/Role namespaced
rolebindings.rbac.authorization.k8s.io rbac.authorization.k8s.io/v1/RoleBinding namespaced
clusterroles.rbac.authorization.k8s.io rbac.authorization.k8s.io/v1/ClusterRole cluster
clusterrolebindings.rbac.authorization.k8s.io rbac.authorization.k8s.io/v1/ClusterRoleBinding cluster
EOF
  if grep -qx metallb.io/v1beta1 <<< "$API_VERSIONS"; then
    printf '%s\n' 'ipaddresspools.metallb.io metallb.io/v1beta1/IPAddressPool namespaced' \
      'l2advertisements.metallb.io metallb.io/v1beta1/L2Advertisement namespaced'
  fi
}
PRUNE_KINDS=""

# From PRUNE_KINDS: kubectl apply's --prune-allowlist flags, and the kinds of a scope as one kubectl get/delete list.
prune_allowlist() { awk '{ printf "--prune-allowlist=%s ", $2 }' <<< "$PRUNE_KINDS"; }
prune_kinds_of() { awk -v scope="$1" '$3 == scope { print $1 }' <<< "$PRUNE_KINDS" | paste -sd, -; }

# "apiVersion kind name [namespace]" of every object in the YAML files of DIR, read as the synth writes them
# (top-level apiVersion and kind, metadata.name and metadata.namespace at two spaces), without asking the server.
objects_in() {
  awk 'FNR == 1 || /^---/ { if (kind != "") print api, kind, name, ns; api = ""; kind = ""; name = ""; ns = ""; meta = 0 }
    /^apiVersion: / { api = $2 } /^kind: / { kind = $2 } /^metadata:/ { meta = 1; next } /^[^ ]/ { meta = 0 }
    meta && /^  name: / { name = $2 } meta && /^  namespace: / { ns = $2 }
    END { if (kind != "") print api, kind, name, ns }' "$1"/*.yaml
}

need() { [ -n "${1:-}" ] || { echo "usage: scripts/site.sh $2" >&2; exit 2; }; }

cmd=${1:-}
shift || true
case "$cmd" in
  preflight)
    # The server's own /version (kubectl version would add a client-skew warning).
    minor=$(kubectl get --raw /version | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).minor.replace(/\D/g,"")))')
    if [ "$minor" -lt "$MIN_MINOR" ]; then
      echo "preflight: the server is Kubernetes 1.$minor; the site needs 1.$MIN_MINOR or newer (its PodDisruptionBudgets are policy/v1). Upgrade the cluster before applying." >&2
      exit 1
    fi
    [ "$minor" -le "$MAX_TESTED_MINOR" ] || echo "preflight: the server is Kubernetes 1.$minor; the manifests are checked against 1.$MAX_TESTED_MINOR, newer is untested" >&2
    echo "preflight: Kubernetes 1.$minor is supported (1.$MIN_MINOR-1.$MAX_TESTED_MINOR)"
    if [ -n "${1:-}" ]; then
      API_VERSIONS=$(kubectl api-versions)
      listing=$(objects_in "$1")
      # Custom resources need their CRDs first; the site's come with MetalLB's own install.
      while read -r api; do
        if ! grep -qx "$api" <<< "$API_VERSIONS"; then
          echo "preflight: $1 holds $api objects, which the server does not serve. Install MetalLB first (README, \"Moving off archived components\"): kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml" >&2
          exit 1
        fi
        echo "preflight: the server serves $api"
      done < <(awk '$1 ~ /\..*\// && $1 !~ /k8s\.io\// { print $1 }' <<< "$listing" | sort -u)
      # Every namespace the objects live in exists, or DIR creates it (MetalLB's comes with MetalLB's install).
      created=$(awk '$2 == "Namespace" { print $3 }' <<< "$listing")
      while read -r ns; do
        grep -qx "$ns" <<< "$created" && continue
        if ! kubectl get namespace "$ns" >/dev/null 2>&1; then
          echo "preflight: $1 puts objects in namespace $ns, which neither exists nor is created by $1$([ "$ns" = metallb-system ] && echo ": install MetalLB first (README, \"Moving off archived components\")")" >&2
          exit 1
        fi
        echo "preflight: namespace $ns exists"
      done < <(awk 'NF == 4 { print $4 }' <<< "$listing" | sort -u)
    fi
    ;;
  diff)
    need "${1:-}" 'diff DIR'
    run kubectl diff -f "$1"
    ;;
  deploy)
    need "${2:-}" 'deploy DIR APP'
    API_VERSIONS=$(kubectl api-versions)
    PRUNE_KINDS=$(prune_kinds)
    # shellcheck disable=SC2046
    run kubectl apply -f "$1" --prune -l "$(part_of "$2")" $(prune_allowlist)
    # kubectl prunes only in the namespaces DIR applies to. The app's objects left in a namespace DIR no longer uses
    # (kube-keepalived-vip's in kube-system, after a move to MetalLB) are deleted too: the same kinds, the same label.
    used=$(objects_in "$1" | awk 'NF == 4 { print $4 }' | sort -u)
    kinds=$(prune_kinds_of namespaced)
    for ns in $(kubectl get "$kinds" -A -l "$(part_of "$2")" -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}' | sort -u); do
      grep -qx "$ns" <<< "$used" || run kubectl delete "$kinds" -n "$ns" -l "$(part_of "$2")" --wait=false
    done
    ;;
  wait)
    need "${1:-}" 'wait APP [SELECTOR]'
    selector=$(part_of "$1")${2:+,$2}
    objects=$(kubectl get deployments,daemonsets -A -l "$selector" -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.kind}{"/"}{.metadata.name}{"\n"}{end}')
    [ -n "$objects" ] || { echo "wait: no Deployment or DaemonSet has the labels $selector" >&2; exit 1; }
    while read -r ns object; do
      run kubectl rollout status -n "$ns" "$object" --timeout="$WAIT_TIMEOUT"
    done <<< "$objects"
    ;;
  uninstall)
    need "${1:-}" 'uninstall APP'
    # Namespaced and cluster-scoped objects first, the app's own namespaces last (a namespace deletes what is in it).
    API_VERSIONS=$(kubectl api-versions)
    PRUNE_KINDS=$(prune_kinds)
    # The kinds prune may delete (MetalLB's too, where MetalLB is installed), and the claims and volumes.
    run kubectl delete "$(prune_kinds_of namespaced),persistentvolumeclaims" -A -l "$(part_of "$1")" --ignore-not-found --wait=false
    run kubectl delete "$(prune_kinds_of cluster),persistentvolumes" -l "$(part_of "$1")" --ignore-not-found --wait=false
    # A namespace the app created goes too, unless something that is not the app's is in it (a Secret made by
    # hand, another app's objects): deleting the namespace would delete those.
    for ns in $(kubectl get namespaces -l "$(part_of "$1")" -o jsonpath='{.items[*].metadata.name}'); do
      others=$( {
        kubectl get deployments,statefulsets,daemonsets,services,persistentvolumeclaims -n "$ns" -l "app.kubernetes.io/part-of!=$1" -o name
        kubectl get configmaps -n "$ns" -l "app.kubernetes.io/part-of!=$1" --field-selector metadata.name!=kube-root-ca.crt -o name
        kubectl get secrets -n "$ns" -l "app.kubernetes.io/part-of!=$1" --field-selector type!=kubernetes.io/service-account-token -o name
      } | tr '\n' ' ' | sed 's/ *$//')
      if [ -n "$others" ]; then
        echo "uninstall: namespace $ns is kept: it holds objects that are not the app's ($others); delete them, then: kubectl delete namespace $ns" >&2
      else
        run kubectl delete namespace "$ns" --wait=false
      fi
    done
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
