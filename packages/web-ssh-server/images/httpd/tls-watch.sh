#!/bin/sh
# Reloads apache2 (pid $1) gracefully when the certificate it should serve changes, checking every $3 seconds:
#   TLS=files: the mounted Secret's tls.crt and tls.key (kubelet replaces them when the Secret changes);
#   TLS=acme:  the certificates in mod_md's store, staged (a renewal, activated by the reload) or active (a
#              certificate another replica activated in the shared store).
# It compares checksums only: no certificate or key is ever printed.
set -u
pid=$1 mode=$2 interval=$3
state() {
  if [ "$mode" = files ]; then
    cat /etc/web-ssh-server/tls/tls.crt /etc/web-ssh-server/tls/tls.key 2>/dev/null | cksum
  else
    cat /var/lib/web-ssh-server/md/staging/*/pubcert.pem /var/lib/web-ssh-server/md/domains/*/pubcert.pem 2>/dev/null | cksum
  fi
}
seen=$(state)
while kill -0 "$pid" 2>/dev/null; do
  sleep "$interval"
  now=$(state)
  [ "$now" = "$seen" ] && continue
  echo "web-ssh-server: the certificate changed; reloading apache2 gracefully" >&2
  kill -USR1 "$pid" 2>/dev/null || exit 0
  # The reload activates a staged certificate, which changes the store again: the state after it is the one seen.
  sleep 2
  seen=$(state)
done
