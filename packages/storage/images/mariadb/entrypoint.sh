#!/bin/sh
# MariaDB for SiteDatabase, as uid 999 on the data volume (/var/lib/mysql):
#   site-database            the server; on a volume without data, first the system tables and the site's admin
#   site-database customer   (the customer's Job) see /usr/local/lib/site-database/customer
# The admin's password is read from /etc/mysql/admin/password (a Secret); it is written into no file but the one
# mariadb-install-db reads once, in /run/mysqld (in memory), removed before the server starts.
set -eu
fail() { echo "site-database: $*" >&2; exit 1; }
[ "$(id -u)" != 0 ] || fail "MariaDB runs as mysql (uid 999), never root: set the container's runAsUser (the SiteDatabase construct does)"
if [ "${1:-}" = customer ]; then shift; exec /usr/local/lib/site-database/customer "$@"; fi
data=/var/lib/mysql
[ -w "$data" ] || fail "the data volume at $data is not writable by uid $(id -u) (it belongs to uid $(stat -c %u "$data")): give it to uid 999"
mkdir -p /run/mysqld
if [ ! -d "$data/mysql" ]; then
  secret=/etc/mysql/admin/password
  [ -s "$secret" ] || fail "a new database needs its admin's password at $secret (the Secret the operator creates)"
  password=$(cat "$secret")
  case "$password" in *"'"*|*\\*) fail "the admin's password may not hold a quote or a backslash" ;; esac
  echo "site-database: no data in $data: making the system tables and the admin account" >&2
  init=/run/mysqld/init.sql
  # one statement a line; mariadb-install-db runs it in bootstrap mode, where grants need FLUSH PRIVILEGES first
  printf '%s\n' 'FLUSH PRIVILEGES;' "CREATE USER 'admin'@'%' IDENTIFIED BY '$password';" \
    "GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION;" > "$init"
  mariadb-install-db --datadir="$data" --skip-name-resolve --auth-root-authentication-method=socket --skip-test-db --extra-file="$init" >&2 \
    || { rm -f "$init"; fail "mariadb-install-db failed"; }
  rm -f "$init"
fi
exec mariadbd
