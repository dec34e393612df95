#!/bin/sh
# Starts apache2 in the foreground with Debian's envvars; its run and lock folders (/var/run and /var/lock
# link to /run) are made in /run, an emptyDir.
set -e
# shellcheck source=/dev/null # Debian apache2's, in the image only
. /etc/apache2/envvars
export HTTP_PORT="${HTTP_PORT:-80}" DOCROOT="${DOCROOT:-/var/www/html}"
mkdir -p /run/lock "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR"
exec /usr/sbin/apache2 -D FOREGROUND
