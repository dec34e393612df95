#!/bin/sh
# Starts sshd in the foreground, logging to stderr (kubectl logs), with the host keys of the mounted Secret.
set -eu
umask 022
docroot="${DOCROOT:-/var/www/html}"
mkdir -p /run/sshd
chmod 0755 /run/sshd
set --
for key in /etc/ssh/host-keys/ssh_host_*_key; do
  [ -f "$key" ] && set -- "$@" -h "$key"
done
if [ "$#" -eq 0 ]; then
  echo "web-ssh-server: no host key in /etc/ssh/host-keys: create the server's host-key Secret (see the WebSshServer README)" >&2
  exit 1
fi
# A fresh export or folder owned by root is handed to web; an NFS export with root_squash must be prepared on the NAS.
if [ -d "$docroot" ] && [ "$(stat -c %u "$docroot")" = 0 ]; then
  chown web:web "$docroot" || echo "web-ssh-server: could not give $docroot to web (uid 1000); uploads will fail until the NAS does" >&2
fi
exec /usr/sbin/sshd -D -e -p "${SSH_PORT:-22}" "$@"
