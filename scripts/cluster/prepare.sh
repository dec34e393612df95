#!/usr/bin/env bash
# usage: prepare.sh schema|cluster
# Installs and builds what a tier needs, once, into a cache outside the repository (keyed by version, so later
# runs take seconds). The schema tier needs only the first three items; the cluster and node tiers need all of them:
#   - the official Kubernetes OpenAPI v2 document (1.30), from Debian trixie's python-kubernetes source;
#   - the tier's tools from Debian, as scripts/tier-tools.sh lists them (for the schema tier Graphviz, which renders
#     each app's picture, and Prometheus, whose promtool tests every alert rule);
#   - kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kube-proxy, built offline from
#     Debian bookworm's kubernetes source package with Debian's golang-go, and the pod sandbox's `pause`
#     program from the same source (build/pause/linux/pause.c), since no pause image can be downloaded;
#     with the fixes in scripts/cluster/patches applied (each says which upstream fix it carries);
#   - kubectl is the machine's own (1.21 or newer).
# Sources come through a private apt state directory; the system's apt configuration is never modified.
set -euo pipefail
what=${1:?usage: prepare.sh schema|cluster}
case "$what" in schema|cluster) ;; *) echo "prepare.sh: unknown tier '$what' (schema or cluster)" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
. "$here/env.sh"

log() { printf '[cluster-prepare] %s\n' "$*" >&2; }

# shellcheck source=../tier-tools.sh
. "$here/../tier-tools.sh"
install_tier_tools "$what"
if [ "$what" = cluster ]; then
  command -v kubectl >/dev/null 2>&1 \
    || { echo "the cluster tier needs kubectl 1.21 or newer on PATH (Debian 12's kubernetes-client is 1.20, too old)" >&2; exit 1; }
fi

# A private apt state that only knows source packages; mirrors are taken from the system's own sources.
apt_state="$VSERVER_CACHE/apt"
private_apt() {
  mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial"
  local list="$apt_state/sources.list" main_uri sec_uri
  main_uri=$(debian_uri debian)
  sec_uri=$(debian_uri debian-security)
  [ -n "$main_uri" ] || { log "no Debian mirror found in the system's apt sources"; exit 1; }
  {
    echo "deb-src $main_uri bookworm main"
    echo "deb-src $main_uri bookworm-updates main"
    [ -n "$sec_uri" ] && echo "deb-src $sec_uri bookworm-security main"
    echo "deb-src $main_uri trixie main"
  } > "$list"
  local opts=(-o "Dir::Etc::SourceList=$list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$apt_state/lists"
              -o "Dir::Cache=$apt_state/cache" -o "APT::Get::Only-Source=true" -o "Debug::NoLocking=true" -o "APT::Sandbox::User=root")
  if [ ! -f "$apt_state/updated" ]; then
    apt-get "${opts[@]}" update -qq >&2
    touch "$apt_state/updated"
  fi
  apt-get "${opts[@]}" "$@"
}

# 1. The OpenAPI document.
if [ ! -s "$OPENAPI_JSON" ]; then
  log "fetching python-kubernetes $PYK8S_VERSION source for the Kubernetes OpenAPI document"
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  # Only the upstream tarball is needed; a mirror that lacks the Debian packaging files is fine.
  (cd "$work" && private_apt source --download-only "python-kubernetes=$PYK8S_VERSION" >&2) || true
  if ! ls "$work"/python-kubernetes_30.*.orig.tar.* >/dev/null 2>&1; then
    log "python-kubernetes $PYK8S_VERSION is gone from the mirror; trying trixie's current 30.x"
    (cd "$work" && private_apt source --download-only python-kubernetes/trixie >&2) || true
  fi
  tarball=$(find "$work" -maxdepth 1 -name 'python-kubernetes_30.*.orig.tar.*' | sort | head -1)
  [ -n "$tarball" ] || { log "could not download the python-kubernetes $PYK8S_VERSION source tarball"; exit 1; }
  mkdir -p "$(dirname "$OPENAPI_JSON")"
  member=$(tar -tf "$tarball" | grep -E '(^|/)kubernetes/swagger.json.unprocessed$' | head -1)
  tar -xOf "$tarball" "$member" > "$OPENAPI_JSON.tmp"
  mv "$OPENAPI_JSON.tmp" "$OPENAPI_JSON"
  rm -rf "$work"; trap - EXIT
fi
log "OpenAPI document: $OPENAPI_JSON"
[ "$what" = schema ] && exit 0

# 2. The Kubernetes binaries, and pause.
missing=0
for b in $K8S_BINARIES pause; do [ -x "$K8S_BIN/$b" ] || missing=1; done
if [ "$missing" = 1 ]; then
  log "building $K8S_BINARIES and pause $K8S_GIT_VERSION from Debian source (one time, a few minutes)"
  src="$VSERVER_CACHE/src-$K8S_DEB_VERSION"
  if [ ! -d "$src/tree" ]; then
    rm -rf "$src"; mkdir -p "$src"
    # A stale private package list is refreshed once before giving up.
    (cd "$src" && private_apt source "kubernetes=$K8S_DEB_VERSION" >&2) \
      || { rm -f "$apt_state/updated"; rm -rf "${src:?}"/*; (cd "$src" && private_apt source "kubernetes=$K8S_DEB_VERSION" >&2); }
    dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -1)
    for p in "$K8S_PATCHES"/*.patch; do
      log "applying $(basename "$p")"
      patch -d "$dir" -p1 --forward --quiet < "$p"
    done
    mv "$dir" "$src/tree"
  fi
  export PATH="/usr/lib/go/bin:$PATH"
  start=$(date +%s)
  what=""
  for b in $K8S_BINARIES; do what="$what cmd/$b"; done
  (
    cd "$src/tree"
    export CGO_ENABLED=0 GOPROXY=off GOFLAGS="" GO111MODULE=off
    export KUBE_GIT_VERSION="$K8S_GIT_VERSION" KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
    make WHAT="${what# }" >&2
  )
  mkdir -p "$K8S_BIN.tmp"
  for b in $K8S_BINARIES; do
    cp "$(find "$src/tree/_output" -type f -name "$b" -perm -u+x | head -1)" "$K8S_BIN.tmp/$b"
  done
  # The pod sandbox's process, static, as upstream builds it for its pause image.
  gcc -Os -Wall -Werror -static -DVERSION="v$K8S_GIT_VERSION-vserver" -o "$K8S_BIN.tmp/pause" "$src/tree/build/pause/linux/pause.c"
  rm -rf "$K8S_BIN"; mv "$K8S_BIN.tmp" "$K8S_BIN"
  log "built in $(( $(date +%s) - start )) s"
  rm -rf "$src"
  # Builds of other versions or patch sets are never used again.
  find "$VSERVER_CACHE" -mindepth 1 -maxdepth 1 -name 'kubernetes-*' ! -path "$(dirname "$K8S_BIN")" -exec rm -rf {} +
fi
log "Kubernetes binaries: $K8S_BIN ($("$K8S_BIN/kube-apiserver" --version))"
