#!/usr/bin/env bash
# Runs one of the tiers that need more than node_modules, after installing (once, cached) what it needs:
#   schema   every object of dist/<app>/ against the official Kubernetes 1.30 OpenAPI document
#   cluster  dist/<app>/ applied to a real kube-apiserver with its controllers
#   node     dist/lab run on real kubelets (scripts/node/with-site.sh) from the images our Dockerfiles build
# Locally, VSERVER_SKIP_CLUSTER_TIER=1 skips the cluster and node tiers (loudly). On CI (CI=true) nothing is skipped.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tier=${1:?usage: run-tier.sh schema|cluster|node [jest args...]}
shift
cd "$repo"

if [ "$tier" != schema ] && [ "${VSERVER_SKIP_CLUSTER_TIER:-}" = 1 ]; then
  if [ "${CI:-}" = true ]; then
    echo "VSERVER_SKIP_CLUSTER_TIER=1 is set on CI: the real $tier tier is never skipped there" >&2
    exit 1
  fi
  printf '\n%s\n%s\n%s\n\n' \
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' \
    "!!! SKIPPED: the real $tier tier (VSERVER_SKIP_CLUSTER_TIER=1). dist/ was NOT applied to a kube-apiserver." \
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2
  # the line scripts/closing-line.sh counts: a skipped tier is never a silent pass
  echo "Tier skipped: $tier"
  exit 0
fi

# Every tier below takes what it needs from Debian (sources through apt, packages, Kubernetes built from source).
apt_get=${VSERVER_APT_GET:-apt-get}
if ! command -v "$apt_get" >/dev/null 2>&1; then
  echo "the $tier tier needs Debian's apt ($apt_get): it fetches the Kubernetes OpenAPI document from Debian's python-kubernetes source$([ "$tier" = schema ] || echo ", installs etcd, Go, containerd and buildah, and builds Kubernetes from Debian's source"); run the tests on Debian 12 (bookworm)" >&2
  exit 1
fi
# How long the tier took, in one line at its end (docs/testing.md lists each tier's time from these)
# shellcheck disable=SC2034 # read by the EXIT trap
started=$SECONDS
trap 'echo "[$tier] the $tier tier took $(( SECONDS - started )) s" >&2' EXIT

if [ "$tier" = schema ]; then bash scripts/cluster/prepare.sh schema; else bash scripts/cluster/prepare.sh cluster; fi
# shellcheck source=cluster/env.sh
. scripts/cluster/env.sh
# The tiers' tests are kept out of the unit run by the jest config; name them explicitly here. One file at a time:
# on two cores the tiers are bound by CPU, and files side by side only slowed each other (docs/testing.md, "Time").
jest=(npx jest --ci --runInBand --verbose --testPathIgnorePatterns '/node_modules/' --roots "<rootDir>/test/$tier" "$@")
# Short node monitoring for both real tiers, so a dead node turns NotReady in seconds instead of 40 s (the
# failover tests read it).
export VSERVER_NODE_MONITOR_GRACE_SECONDS=${VSERVER_NODE_MONITOR_GRACE_SECONDS:-8}
export KCM_EXTRA_FLAGS="--node-monitor-period=1s --node-monitor-grace-period=${VSERVER_NODE_MONITOR_GRACE_SECONDS}s ${KCM_EXTRA_FLAGS:-}"
case "$tier" in
  schema) OPENAPI_JSON="$OPENAPI_JSON" "${jest[@]}" ;;
  cluster) bash scripts/cluster/with-control-plane.sh "${jest[@]}" ;;
  node)
    bash scripts/node/build-images.sh
    bash scripts/node/with-site.sh "${jest[@]}" ;;
  *) echo "unknown tier: $tier (schema, cluster or node)" >&2; exit 2 ;;
esac
