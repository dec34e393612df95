# shellcheck shell=bash
# Versions and cache locations shared by the cluster-tier scripts (sourced, not run).
_home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
VSERVER_CACHE=${VSERVER_CACHE:-${XDG_CACHE_HOME:-$_home/.cache}/cdk8s-vserver}
K8S_DEB_VERSION=${K8S_DEB_VERSION:-1.20.5+really1.20.2-1.1+deb12u1}
K8S_GIT_VERSION=v1.20.2
PYK8S_VERSION=${PYK8S_VERSION:-30.1.0-2}
# Our patches to that source (scripts/cluster/patches): part of the cache key, so a new patch rebuilds.
K8S_PATCHES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/patches"
K8S_PATCHES_ID=$(cat "$K8S_PATCHES"/*.patch | sha256sum | cut -c1-8)
K8S_BIN="$VSERVER_CACHE/kubernetes-$K8S_DEB_VERSION-$K8S_PATCHES_ID/bin"
K8S_BINARIES="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"
OPENAPI_JSON="$VSERVER_CACHE/openapi/kubernetes-1.30-swagger.json"
export VSERVER_CACHE K8S_DEB_VERSION K8S_GIT_VERSION K8S_PATCHES PYK8S_VERSION K8S_BIN K8S_BINARIES OPENAPI_JSON
# The URI of the system's Debian mirror for one archive ("debian" or "debian-security"), read from its apt sources
# (one-line and deb822 formats), or nothing.
debian_uri() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v '^ *#' \
    | grep -oE "https?://[^ ]+/$1/?( |\$)" | head -1 | tr -d ' ' || true
}
