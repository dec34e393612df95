#!/usr/bin/env bash
# Measures the backups of one server (ResticBackup) on a docroot of 1 GiB in 10,000 files: the first backup (with its
# check of a seventh of the data), a second after 1 % of the files changed, the restore drill (restore, read back,
# compare), a whole restore into an empty docroot, and the repository's size after each backup; then the same server
# with a database of DB_ROWS rows (on a MariaDB 11.8 of the same image, on the loopback): a backup that dumps it
# (the docroot unchanged) and a drill that loads the dump into its scratch MariaDB. It runs the restic
# image the node tier builds from packages/storage/images/restic (Debian 13's restic 0.18 and the jobs' script), as
# uid 1000 with the docroot and the backup folder bind-mounted as the pods mount them (buildah run, runc), so the
# figures are the jobs' own, without a kubelet's start-up.
#
#   bash scripts/bench-backup.sh        (FILES=10000 SIZE_MIB=1024 DB_ROWS=200000 by default; the files are random
#                                        bytes, the worst case for compression and deduplication; each row ~400 bytes)
# Needs root; builds the images first (scripts/node/build-images.sh, cached).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
FILES=${FILES:-10000}
SIZE_MIB=${SIZE_MIB:-1024}
DB_ROWS=${DB_ROWS:-200000}
DB_PORT=${DB_PORT:-13306}
log() { printf '[bench-backup] %s\n' "$*" >&2; }
# shellcheck source=cluster/env.sh
. "$repo/scripts/cluster/env.sh"
# shellcheck source=node/env.sh
. "$repo/scripts/node/env.sh"
bash "$repo/scripts/node/build-images.sh" >/dev/null
image="$LAB_REGISTRY/restic:v1"
work=$(mktemp -d /var/tmp/vserver-bench-backup.XXXXXX)
ctr=''
db=''
dbctr=''
cleanup() {
  [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/docroot" "$work/backup" "$work/restored" "$work/secret" "$work/dbsecret" "$work/dbdata"
log "writing $FILES files of random bytes, $SIZE_MIB MiB in all, into the docroot"
size=$(( SIZE_MIB * 1024 * 1024 / FILES ))
per=$(( (FILES + 99) / 100 ))
n=0
for d in $(seq -w 1 100); do
  mkdir -p "$work/docroot/d$d"
  for f in $(seq -w 1 "$per"); do
    [ "$n" -lt "$FILES" ] || break
    head -c "$size" /dev/urandom > "$work/docroot/d$d/f$f.bin"
    n=$((n + 1))
  done
done
openssl rand -base64 30 | tr -d '/+=' > "$work/secret/password"
openssl rand -base64 30 | tr -d '/+=' > "$work/dbsecret/password"
chown -R 1000:1000 "$work/docroot" "$work/backup" "$work/restored" "$work/secret" "$work/dbsecret" "$work/dbdata"
chmod 0400 "$work/secret/password" "$work/dbsecret/password"

# one job of the image, as its CronJob runs it: uid 1000, the folders where the pods mount them, /tmp in memory; a
# container of its own each time, as a pod has (buildah keeps a tmpfs's mode on the first run of a container only)
job() { # docroot task [VAR=value...]
  local docroot=$1 task=$2 status=0; shift 2
  ctr=$(buildah from --quiet --pull=never "$image")
  local env=(--env SERVER=myweb --env SOURCE=/docroot --env RESTIC_REPOSITORY=/backup/.restic --env RESTIC_PASSWORD_FILE=/etc/restic/password
    --env KEEP_DAILY=7 --env KEEP_WEEKLY=4 --env KEEP_MONTHLY=6 --env CHECK_SHARE=7 --env CUSTOMER_COPY=/backup)
  local e network=none; for e in "$@"; do env+=(--env "$e"); done
  # the dump reaches the bench's MariaDB on the loopback
  case " $* " in *" DATABASE_HOST="*) network=host ;; esac
  buildah run --user 1000:1000 --network "$network" "${env[@]}" \
    --volume "$docroot:/docroot" --volume "$work/backup:/backup" --volume "$work/secret:/etc/restic:ro" --volume "$work/dbsecret:/etc/database:ro" \
    --mount type=tmpfs,destination=/tmp,tmpfs-mode=1777 --mount type=tmpfs,destination=/scratch,tmpfs-size=4g,tmpfs-mode=1777 \
    "$ctr" -- /usr/local/bin/vserver-backup "$task" || status=$?
  buildah rm "$ctr" >/dev/null; ctr=''
  return "$status"
}
# A MariaDB of the same image on the loopback, as uid 1000, with the database bench of DB_ROWS rows; then a backup that
# dumps it (the docroot as it is) and a drill that loads the dump.
database() {
  dbctr=$(buildah from --quiet --pull=never "$image")
  buildah run --user 1000:1000 --network host --volume "$work/dbdata:/dbdata" \
    --mount type=tmpfs,destination=/tmp,tmpfs-mode=1777 "$dbctr" -- sh -c '
      mariadb-install-db --no-defaults --datadir=/dbdata --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
      exec mariadbd --no-defaults --datadir=/dbdata --socket=/tmp/db.sock --port='"$DB_PORT"' --bind-address=127.0.0.1 \
        --innodb-buffer-pool-size=256M' > "$work/mariadb.log" 2>&1 &
  db=$!
  # (this runs in the figures' subshell: its own trap stops the server, whatever happens)
  trap stop_database EXIT
  sql() { buildah run --user 1000:1000 --network host "$dbctr" -- mariadb --no-defaults -h 127.0.0.1 -P "$DB_PORT" -uroot "$@"; }
  for _ in $(seq 1 60); do sql -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
  sql -e "CREATE DATABASE bench; CREATE USER bench@'%' IDENTIFIED BY '$(cat "$work/dbsecret/password")'; GRANT ALL ON bench.* TO bench@'%';
    USE bench; CREATE TABLE posts (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(200) NOT NULL, body TEXT NOT NULL) ENGINE=InnoDB;
    INSERT INTO posts (title, body) SELECT CONCAT('post ', seq), REPEAT(MD5(seq), 12) FROM seq_1_to_$DB_ROWS;" >&2
  timed dbbackup job "$work/docroot" backup DATABASE=bench DATABASE_HOST=127.0.0.1 "DATABASE_PORT=$DB_PORT" DATABASE_USER=bench \
    DATABASE_PASSWORD_FILE=/etc/database/password
  timed dbdrill job "$work/docroot" drill DATABASE=bench
  stop_database
  trap - EXIT
}
stop_database() {
  [ -n "$db" ] || return 0
  buildah run --user 1000:1000 --network host "$dbctr" -- mariadb-admin --no-defaults -h 127.0.0.1 -P "$DB_PORT" -uroot shutdown >/dev/null 2>&1 \
    || kill "$db" 2>/dev/null || true
  wait "$db" 2>/dev/null || true
  buildah rm "$dbctr" >/dev/null 2>&1 || true
  db='' dbctr=''
}
timed() { # label command...
  local label=$1 start end; shift
  start=$(date +%s.%N)
  "$@" > "$work/$label.log" 2>&1 || { cat "$work/$label.log" >&2; log "$label failed"; exit 1; }
  end=$(date +%s.%N)
  awk -v l="$label" -v a="$start" -v b="$end" 'BEGIN { printf "%s %.1f\n", l, b - a }'
}
repository() { du -sm "$work/backup/.restic" | cut -f1; }
copy() { du -sm --exclude=.restic "$work/backup" | cut -f1; }

declare -A secs
while read -r label s; do secs[$label]=$s; done < <(
  timed first job "$work/docroot" backup
  echo "repo1 $(repository)"
  # 1 % of the files changed: each rewritten with new random bytes of the same size
  find "$work/docroot" -name '*.bin' | sort | awk 'NR % 100 == 0' | while read -r f; do head -c "$size" /dev/urandom > "$f"; done
  timed second job "$work/docroot" backup
  echo "repo2 $(repository)"
  echo "copy $(copy)"
  timed drill job "$work/docroot" drill
  timed restore job "$work/restored" restore
  database
  echo "dump $(grep -o 'database bench, [0-9]* bytes dumped' "$work/dbbackup.log" | grep -o '[0-9][0-9]*')"
  echo "repo3 $(repository)"
)
for k in first repo1 second repo2 copy drill restore dbbackup dbdrill dump repo3; do [ -n "${secs[$k]:-}" ] || { log "no figure for $k"; exit 1; }; done
grep -h '^vserver-backup: snapshot' "$work/first.log" "$work/second.log" | sed 's/^/  /' >&2
restored=$(find "$work/restored" -type f | wc -l)
[ "$restored" -eq "$FILES" ] || { log "the restore gave $restored files, not $FILES"; exit 1; }
dump_mib=$(awk -v b="${secs[dump]}" 'BEGIN { printf "%.0f", b / 1048576 }')
cat <<EOF
| what ($FILES files, $SIZE_MIB MiB of random bytes) | seconds | repository after (MiB) |
| --- | --- | --- |
| first backup, with its check (a seventh of the data read back) and the customer's copy | ${secs[first]} | ${secs[repo1]} |
| second backup after 1 % of the files changed (same) | ${secs[second]} | ${secs[repo2]} |
| restore drill: the newest snapshot restored, read back against its hashes, compared | ${secs[drill]} | |
| whole restore into an empty docroot | ${secs[restore]} | |
| the customer's copy on the backup folder (MiB) | | ${secs[copy]} |
| a backup with a database of $DB_ROWS rows ($dump_mib MiB dumped; the docroot unchanged) | ${secs[dbbackup]} | ${secs[repo3]} |
| the drill with the database: the docroot as above, and the dump loaded into a scratch MariaDB, each table checked | ${secs[dbdrill]} | |
EOF
grep -h 'database bench' "$work/dbbackup.log" "$work/dbdrill.log" | sed 's/^/  /' >&2
