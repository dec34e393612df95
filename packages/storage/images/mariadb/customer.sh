#!/bin/sh
# A customer's database and user, made or brought up to date (idempotent; run by the customer's Job):
#   customer <host> <database> <user>
# with the admin's password at /etc/mysql/admin/password and the customer's at /etc/mysql/customer/password (two
# Secrets). The user may use its own database only (every privilege on it, none elsewhere), from any address.
set -eu
fail() { echo "site-database customer: $*" >&2; exit 1; }
[ $# -eq 3 ] || fail "usage: customer <host> <database> <user>"
host=$1 database=$2 user=$3
# names as the construct checked them; never quoted by the shell into SQL otherwise
printf '%s' "$database$user" | grep -Eq '^[a-z0-9_]+$' || fail "database and user must be [a-z0-9_]"
password=$(cat /etc/mysql/customer/password)
[ -n "$password" ] || fail "the customer's password is empty"
case "$password" in *"'"*|*\\*) fail "the customer's password may not hold a quote or a backslash" ;; esac
MYSQL_PWD=$(cat /etc/mysql/admin/password)
export MYSQL_PWD
# the server may still be starting: the Job's retries wait for it
mariadb --host="$host" --user=admin --connect-timeout=10 --batch <<SQL
CREATE DATABASE IF NOT EXISTS \`$database\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$password';
ALTER USER '$user'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`$database\`.* TO '$user'@'%';
SQL
echo "database $database and user $user are ready on $host"
