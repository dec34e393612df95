#!/bin/sh
# Starts sshd in the foreground as the container's user, logging to stderr (kubectl logs), with the host keys of
# the mounted Secret.
#
# Environment (set by the WebSshServer construct): SSH_PORT (2222), DOCROOT (/var/www/html), SSH_PENALTY_EXEMPT
# (comma-separated addresses and CIDRs that OpenSSH's per-source penalties never refuse; "none" for none),
# SSH_SFTP_ONLY (true: SFTP and scp only, no shell and no command).
set -eu
umask 022
docroot="${DOCROOT:-/var/www/html}"
exempt="${SSH_PENALTY_EXEMPT:-10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,127.0.0.0/8,fc00::/7,fe80::/10,::1}"
fail() { echo "web-ssh-server: $*" >&2; exit 1; }
[ "$(id -u)" != 0 ] || fail "sshd runs as the user web, never as root: set the container's runAsUser (the WebSshServer construct does)"
# Under a uid the image does not know (OpenShift's restricted-v2), `web` is that uid: nss_wrapper serves a passwd
# and group of our own, written in /run (the root filesystem is read-only).
if [ "$(id -un 2>/dev/null)" != web ]; then
  mkdir -p /run/sshd/nss
  grep -v '^web:' /etc/passwd > /run/sshd/nss/passwd
  echo "web:x:$(id -u):$(id -g):web:$docroot:/bin/bash" >> /run/sshd/nss/passwd
  cp /etc/group /run/sshd/nss/group
  export LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=/run/sshd/nss/passwd NSS_WRAPPER_GROUP=/run/sshd/nss/group
  echo "web-ssh-server: running as uid $(id -u), which is the user web here" >&2
fi
mkdir -p /run/sshd
# RSA first, then Ed25519 (the order sshd offers them in, and ssh-audit's hardened policy's), then any other.
set --
for key in /etc/ssh/host-keys/ssh_host_rsa_key /etc/ssh/host-keys/ssh_host_ed25519_key /etc/ssh/host-keys/ssh_host_*_key; do
  case " $* " in *" $key "*) continue ;; esac
  [ -f "$key" ] && set -- "$@" -h "$key"
done
if [ "$#" -eq 0 ]; then
  fail "no host key in /etc/ssh/host-keys: create the server's host-key Secret (see the WebSshServer README)"
fi
if [ ! -r "$2" ]; then
  fail "cannot read the host key $2 as uid $(id -u): the pod's fsGroup must be a group of this user (the WebSshServer construct sets it)"
fi
# sshd cannot chown the docroot: on the NAS, the server's folder must belong to this user (chown 1000:1000).
if [ -d "$docroot" ] && [ ! -w "$docroot" ]; then
  echo "web-ssh-server: $docroot is not writable by uid $(id -u) (it belongs to uid $(stat -c %u "$docroot")): uploads fail until the NAS gives the server's folder to uid $(id -u) (chown $(id -u):$(id -g) on the export)" >&2
fi
[ "$exempt" = none ] || set -- "$@" -o "PerSourcePenaltyExemptList=$exempt"
if [ "${SSH_SFTP_ONLY:-false}" = true ]; then
  set -- "$@" -o "ForceCommand=internal-sftp -u 0022" -o PermitTTY=no
fi
exec /usr/sbin/sshd -D -e -p "${SSH_PORT:-2222}" "$@"
