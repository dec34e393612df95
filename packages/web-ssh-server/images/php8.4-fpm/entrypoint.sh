#!/bin/sh
# php-fpm for WebSshServer, or one of the server's cron jobs:
#   web-ssh-server-php              php-fpm in the foreground, its socket in /run/php-fpm (an emptyDir httpd mounts too)
#   web-ssh-server-php cron '<cmd>' the customer's command, by /bin/sh in the docroot, as php-fpm's user
# Environment (set by the WebSshServer construct): DOCROOT, PHP_MEMORY_LIMIT, PHP_UPLOAD_MAX_SIZE, PHP_POST_MAX_SIZE,
# PHP_TIMEZONE, PHP_MAX_CHILDREN (php.ini's sizes: 128M, 16M); with a database DB_HOST, DB_PORT, DB_NAME, DB_USER and
# DB_PASSWORD, which PHP reads with getenv().
set -eu
fail() { echo "web-ssh-server-php: $*" >&2; exit 1; }
export DOCROOT="${DOCROOT:-/var/www/html}" PHP_MEMORY_LIMIT="${PHP_MEMORY_LIMIT:-128M}" PHP_UPLOAD_MAX_SIZE="${PHP_UPLOAD_MAX_SIZE:-16M}"
export PHP_POST_MAX_SIZE="${PHP_POST_MAX_SIZE:-17M}" PHP_TIMEZONE="${PHP_TIMEZONE:-UTC}" PHP_MAX_CHILDREN="${PHP_MAX_CHILDREN:-4}"
export PHP_SESSION_PATH="$DOCROOT/.php/sessions"
[ "$(id -u)" != 0 ] || fail "PHP runs as web (or any uid but root): set the container's runAsUser (the WebSshServer construct does)"
# files PHP writes (WordPress's uploads) are readable by httpd, as those uploaded over SSH are
umask 022
[ -d "$DOCROOT" ] || fail "no docroot at $DOCROOT"
case "${1:-fpm}" in
  fpm)
    mkdir -p /run/php-fpm
    if ! mkdir -p "$PHP_SESSION_PATH" 2>/dev/null || [ ! -w "$PHP_SESSION_PATH" ]; then
      fail "cannot make $PHP_SESSION_PATH as uid $(id -u) (the docroot belongs to uid $(stat -c %u "$DOCROOT")): on the NAS, give the server's folder to uid $(id -u)"
    fi
    exec php-fpm8.4 --nodaemonize --fpm-config /etc/php/8.4/fpm/php-fpm.conf ;;
  cron)
    [ $# -eq 2 ] || fail "usage: web-ssh-server-php cron '<command>'"
    cd "$DOCROOT"
    exec /bin/sh -c "$2" ;;
  *) fail "unknown command '$1' (fpm or cron)" ;;
esac
