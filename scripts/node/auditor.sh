#!/usr/bin/env bash
# Runs one of the outside auditors (testssl.sh or ssh-audit) from the Debian 13 root scripts/node/build-images.sh
# unpacked (scripts/node/auditors/Dockerfile), in the caller's network namespace (in the node tier: the master, a
# client on the LAN), with FOLDER mounted at /work inside the root (a CA to trust, the reports it writes). The
# mounts are in a mount namespace of their own and end with the command.
#
#   scripts/node/auditor.sh FOLDER ssh-audit -P "Hardened OpenSSH Server v9.9 (version 1)" -p 22 192.168.1.31
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 FOLDER COMMAND [ARG...]" >&2; exit 2; }
_home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
images=${VSERVER_IMAGES:-${VSERVER_CACHE:-${XDG_CACHE_HOME:-$_home/.cache}/cdk8s-vserver}/images}
root="$images/auditors/root"
[ -x "$root/usr/bin/ssh-audit" ] || { echo "no auditors at $root: run scripts/node/build-images.sh" >&2; exit 1; }
folder=$(cd "$1" && pwd)
shift
# shellcheck disable=SC2016 # the inner script's variables are its own
exec unshare --mount --propagation private sh -c '
  root=$1 folder=$2; shift 2
  mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" && mount --bind "$folder" "$root/work" && exec chroot "$root" "$@"
' auditor "$root" "$folder" "$@"
