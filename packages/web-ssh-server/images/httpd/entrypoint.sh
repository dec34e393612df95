#!/bin/sh
# Starts apache2 in the foreground with Debian's envvars; its run and lock folders (/var/run and /var/lock
# link to /run) are made in /run, an emptyDir. With HTTPS on, a watcher beside it reloads apache2 gracefully
# (requests in flight finish, listeners stay open) whenever the served certificate changes: a renewed Secret
# (kubelet swaps the mounted files) or a certificate mod_md staged in its store.
#
# Environment (set by the WebSshServer construct): HTTP_PORT, HTTPS_PORT, DOCROOT, SERVER_NAMES (space-separated
# hostnames), TLS (none, acme or files), HTTP_TO_HTTPS (true or false), HSTS (the Strict-Transport-Security
# header's value, or empty), ACME_DIRECTORY, ACME_EMAIL, TLS_WATCH_SECONDS, STATUS_PORT (Apache's status page on
# 127.0.0.1, for the metrics exporter; empty: none), CONTENT_TYPE_NOSNIFF (true or false), REFERRER_POLICY and
# FRAME_OPTIONS (each header's value, or empty: not sent), PHP (fpm: hand *.php to php-fpm's socket in /run/php-fpm;
# empty: none), PHP_FRONT_CONTROLLER (true: a missing path goes to /index.php), PROXY_HTTP_PORT and PROXY_HTTPS_PORT
# (listeners for a shared entry's connections, which start with a PROXY protocol v2 header; empty: none).
set -e
# shellcheck source=/dev/null # Debian apache2's, in the image only (it reads unset variables: before set -u)
. /etc/apache2/envvars
set -uf # no globbing: a wildcard hostname ("*.example.org") is a word, not a pattern
export HTTP_PORT="${HTTP_PORT:-8080}" HTTPS_PORT="${HTTPS_PORT:-8443}" DOCROOT="${DOCROOT:-/var/www/html}"
export SERVER_NAMES="${SERVER_NAMES:-}" TLS="${TLS:-none}" HSTS="${HSTS:-}"
export ACME_DIRECTORY="${ACME_DIRECTORY:-}" ACME_EMAIL="${ACME_EMAIL:-}"
export REFERRER_POLICY="${REFERRER_POLICY:-}" FRAME_OPTIONS="${FRAME_OPTIONS:-}"
fail() { echo "web-ssh-server: $*" >&2; exit 1; }
# The server's own name (ServerName, and where HTTP_TO_HTTPS sends a request for a name that is not the server's):
# the first hostname that is not a wildcard, else the first without its "*.".
SERVER_NAME=localhost
for name in $SERVER_NAMES; do
  case "$name" in
    \*.*) [ "$SERVER_NAME" != localhost ] || SERVER_NAME=${name#\*.} ;;
    *) SERVER_NAME=$name; break ;;
  esac
done
# The hostnames as one case-insensitive regular expression for mod_rewrite (dots literal, "*." one label).
# shellcheck disable=SC2086 # one word per hostname (globbing is off)
SERVER_NAMES_PATTERN=$(printf '%s\n' $SERVER_NAMES | sed -e 's/\./\\./g' -e 's/^\*/[a-z0-9-]+/' | paste -sd '|' -)
export SERVER_NAME SERVER_NAMES_PATTERN
[ "$(id -u)" != 0 ] || fail "httpd runs as www-data (or any uid but root): set the container's runAsUser (the WebSshServer construct does)"
set -- -D FOREGROUND
[ -n "$SERVER_NAMES" ] && set -- "$@" -D SERVER_NAMES
[ -n "${STATUS_PORT:-}" ] && set -- "$@" -D STATUS
case "$TLS" in
  none) ;;
  acme)
    [ -n "$SERVER_NAMES" ] || fail "TLS=acme needs SERVER_NAMES (the hostnames the certificate covers)"
    if [ -z "$ACME_DIRECTORY" ] || [ -z "$ACME_EMAIL" ]; then fail "TLS=acme needs ACME_DIRECTORY and ACME_EMAIL"; fi
    [ -d /var/lib/web-ssh-server/md ] || fail "TLS=acme needs the ACME store mounted at /var/lib/web-ssh-server/md"
    [ -w /var/lib/web-ssh-server/md ] || fail "the ACME store is not writable by uid $(id -u) (it belongs to uid $(stat -c %u /var/lib/web-ssh-server/md)): on the NAS, give the server's ACME folder to uid $(id -u) (chown $(id -u):$(id -g))"
    set -- "$@" -D TLS -D TLS_ACME
    [ -f /etc/web-ssh-server/acme-ca/ca.crt ] && set -- "$@" -D ACME_CA_FILE
    [ -f /etc/web-ssh-server/acme-eab/eab.json ] && set -- "$@" -D ACME_EAB ;;
  files)
    if [ ! -f /etc/web-ssh-server/tls/tls.crt ] || [ ! -f /etc/web-ssh-server/tls/tls.key ]; then
      fail "TLS=files needs tls.crt and tls.key mounted at /etc/web-ssh-server/tls (a kubernetes.io/tls Secret)"
    fi
    set -- "$@" -D TLS -D TLS_FILES ;;
  *) fail "TLS must be none, acme or files, got '$TLS'" ;;
esac
if [ "${HTTP_TO_HTTPS:-false}" = true ]; then
  [ "$TLS" != none ] || fail "HTTP_TO_HTTPS=true needs TLS"
  set -- "$@" -D HTTP_TO_HTTPS
fi
if [ -n "$HSTS" ]; then
  [ "$TLS" != none ] || fail "HSTS needs TLS"
  set -- "$@" -D HSTS
fi
[ "${CONTENT_TYPE_NOSNIFF:-true}" = true ] && set -- "$@" -D CONTENT_TYPE_NOSNIFF
[ -n "$REFERRER_POLICY" ] && set -- "$@" -D REFERRER_POLICY
[ -n "$FRAME_OPTIONS" ] && set -- "$@" -D FRAME_OPTIONS
case "${PHP:-}" in
  '') [ "${PHP_FRONT_CONTROLLER:-false}" != true ] || fail "PHP_FRONT_CONTROLLER=true needs PHP=fpm" ;;
  fpm)
    [ -d /run/php-fpm ] || fail "PHP=fpm needs php-fpm's socket folder mounted at /run/php-fpm"
    set -- "$@" -D PHP
    [ "${PHP_FRONT_CONTROLLER:-false}" = true ] && set -- "$@" -D PHP_FRONT_CONTROLLER ;;
  *) fail "PHP must be fpm or empty, got '$PHP'" ;;
esac
if [ -n "${PROXY_HTTP_PORT:-}" ]; then
  [ "$TLS" = none ] || [ -n "${PROXY_HTTPS_PORT:-}" ] || fail "PROXY_HTTP_PORT with TLS needs PROXY_HTTPS_PORT (the entry passes HTTPS through)"
  set -- "$@" -D PROXY_PROTOCOL
fi
mkdir -p /run/lock "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" /run/web-ssh-server
if [ "$TLS" = acme ]; then
  # Elect the replica that drives ACME: the one that holds the store's driver lock (kept open on fd 9 by this
  # process, then by apache2 and the watcher, for the container's life). The others serve; their watcher takes
  # over the lock when the driver goes. A replica that is not the driver waits for the driver to set up a fresh
  # store, so two replicas never create it at once.
  store=/var/lib/web-ssh-server/md
  exec 9>>"$store/driver.lock"
  if flock -n 9; then
    echo 'MDRenewMode auto' > /run/web-ssh-server/md-renew-mode.conf
    echo "web-ssh-server: this replica drives ACME for $SERVER_NAMES" >&2
  else
    exec 9>&-
    echo 'MDRenewMode manual' > /run/web-ssh-server/md-renew-mode.conf
    echo "web-ssh-server: another replica drives ACME for $SERVER_NAMES; this one serves its certificate" >&2
    waited=0
    while [ ! -s "$store/md_store.json" ] && [ "$waited" -lt 30 ]; do sleep 1; waited=$((waited + 1)); done
  fi
fi
if [ "$TLS" != none ]; then
  # The watcher is this shell's child; once the shell execs apache2 it is apache2's, and $$ is apache2's pid.
  /usr/local/lib/web-ssh-server/tls-watch "$$" "$TLS" "${TLS_WATCH_SECONDS:-5}" &
fi
exec /usr/sbin/apache2 "$@"
