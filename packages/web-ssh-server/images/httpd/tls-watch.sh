#!/bin/sh
# Reloads apache2 (pid $1) gracefully when the certificate it should serve changes, checking every $3 seconds:
#   TLS=files: the mounted Secret's tls.crt and tls.key (kubelet replaces them when the Secret changes);
#   TLS=acme:  the certificates in mod_md's store, staged (a renewal, activated by the reload) or active (a
#              certificate another replica activated in the shared store); and a replica that does not drive
#              ACME takes over the store's driver lock once the driver is gone (see entrypoint.sh).
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
# Reloads apache2 gracefully, then takes the state after it as the one seen (the reload activates a staged
# certificate, which changes the store again).
reload() {
  echo "web-ssh-server: $1; reloading apache2 gracefully" >&2
  kill -USR1 "$pid" 2>/dev/null || exit 0
  sleep 2
  seen=$(state)
}
# TLS=acme: a replica that does not drive ACME takes over when the driver's lock is free (the driver is gone).
driving() { grep -q auto /run/web-ssh-server/md-renew-mode.conf; }
seen=$(state)
while kill -0 "$pid" 2>/dev/null; do
  sleep "$interval"
  if [ "$mode" = acme ] && ! driving; then
    exec 8>>/var/lib/web-ssh-server/md/driver.lock
    if flock -n 8; then
      echo 'MDRenewMode auto' > /run/web-ssh-server/md-renew-mode.conf
      reload "the replica that drove ACME is gone; this one drives it now"
      continue
    fi
    exec 8>&-
  fi
  [ "$(state)" = "$seen" ] || reload "the certificate changed"
done
