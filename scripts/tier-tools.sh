# shellcheck shell=bash
# What each tier of the test suite takes from Debian, kept once (sourced, not run): the tiers install their own
# (install_tier_tools), and the unit tier runs without any of them (scripts/without-tier-tools.sh), so no test
# depends on what an earlier tier or an earlier run installed.
#
# One line per tool: what proves it is there (a command on PATH, or an absolute path), then Debian's package.
# kubectl is not here: it is the machine's (1.21 or newer; Debian 12's kubernetes-client is 1.20, too old for the
# operator), and a tier that needs it says so in one line when it is missing.
tier_tools() { # lint|schema|cluster|node
  case "$1" in
    lint) echo "shellcheck shellcheck" ;;
    schema)
      # Graphviz renders each app's picture; promtool tests every alert rule
      echo "dot graphviz"
      echo "promtool prometheus"
      # the shared entry's configuration, checked by haproxy -c
      echo "haproxy haproxy" ;;
    cluster)
      tier_tools schema
      # Kubernetes built from Debian's source: Go, the source unpacker, patch, a static libc for pause
      echo "/usr/lib/go/bin/go golang-go"
      echo "dpkg-source dpkg-dev"
      echo "patch patch"
      echo "gcc gcc"
      echo "/usr/lib/$(uname -m)-linux-gnu/libc.a libc6-dev"
      echo "etcd etcd-server"
      echo "rsync rsync"
      echo "curl curl"
      echo "openssl openssl"
      # the operator's Secret commands, run as printed (a host key made with ssh-keygen)
      echo "ssh-keygen openssh-client"
      # a redundant control plane's API VIP, run from the synth's files; the node tier's routers
      echo "keepalived keepalived"
      echo "ip iproute2"
      echo "nsenter util-linux"
      echo "setpriv util-linux"
      echo "flock util-linux" ;;
    node)
      tier_tools cluster
      # image builds, a container runtime and pod networking
      echo "buildah buildah"
      echo "mmdebstrap mmdebstrap"
      echo "containerd containerd"
      echo "ctr containerd"
      echo "runc runc"
      echo "/usr/lib/cni/bridge containernetworking-plugins"
      echo "iptables iptables"
      echo "conntrack conntrack"
      # the clients and the LAN's own servers: Let's Encrypt's test ACME server with its DNS, a private registry
      # that asks for credentials, the syslog server the log collectors send to
      echo "ssh openssh-client"
      echo "pebble pebble"
      echo "pebble-challtestsrv pebble"
      echo "docker-registry docker-registry"
      echo "htpasswd apache2-utils"
      echo "rsyslogd rsyslog"
      # the Pushgateway beside the lab's Prometheus, where the backups push each run's result
      echo "prometheus-pushgateway prometheus-pushgateway"
      # Debian 12's restic (0.14), which reads the backups' repositories from outside the pods (the NAS's view)
      echo "restic restic"
      # the outside auditors' root (scripts/node/auditor.sh) gets mounts of its own
      echo "unshare util-linux" ;;
    *) echo "tier_tools: unknown tier '$1' (lint, schema, cluster or node)" >&2; return 2 ;;
  esac
}

# Is this tool (a command, or an absolute path) here?
tool_present() { case "$1" in /*) [ -e "$1" ] ;; *) command -v "$1" >/dev/null 2>&1 ;; esac; }

# Installs the tier's missing tools from Debian (VSERVER_APT_GET names apt-get, for tests), waiting for apt's lock
# rather than failing while another install runs; then checks each again: a tool still missing fails the tier with
# one line naming it and its package.
install_tier_tools() { # tier
  local tier=$1 apt_get=${VSERVER_APT_GET:-apt-get} tool pkg need=() lines
  lines=$(tier_tools "$tier") || return 2
  while read -r tool pkg; do
    tool_present "$tool" && continue
    case " ${need[*]} " in *" $pkg "*) ;; *) need+=("$pkg") ;; esac
  done <<< "$lines"
  if [ ${#need[@]} -gt 0 ]; then
    printf '[%s] installing Debian packages: %s\n' "$tier" "${need[*]}" >&2
    local as_root=()
    [ "$(id -u)" = 0 ] || as_root=(sudo)
    "${as_root[@]}" "$apt_get" -o DPkg::Lock::Timeout=600 update -qq >&2
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$apt_get" -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
  while read -r tool pkg; do
    tool_present "$tool" || { printf 'the %s tier needs %s (Debian package %s), still missing after installing it\n' "$tier" "$tool" "$pkg" >&2; return 1; }
  done <<< "$lines"
}
