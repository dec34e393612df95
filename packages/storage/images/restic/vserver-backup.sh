#!/bin/sh
# One server's backups with restic (ResticBackup's jobs run it):
#   vserver-backup backup    back the docroot up, forget what the retention no longer keeps, check a share of the data
#   vserver-backup prune     forget and prune (frees the space of forgotten snapshots), then check the structure
#   vserver-backup drill     restore the newest snapshot into a scratch folder and compare it with the snapshot's
#                            listing and, for a sample of files unchanged since, with the docroot itself
#   vserver-backup restore   put a snapshot (SNAPSHOT, default latest) back into the docroot, or one path of it
#                            (RESTORE_PATH), and for a whole server with a database, the dump of the same backup run
#                            into it (unless RESTORE_DATABASE=0); with DRY_RUN=1 only say what it would write
#   vserver-backup snapshots list the snapshots
# Settings from the environment (the construct sets them): RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, SERVER (the
# snapshots' host name), SOURCE (the docroot's mount), KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY, CHECK_SHARE (each backup
# reads 1/CHECK_SHARE of the data, a different share each day), SCRATCH (the drill's folder), SAMPLE (files hashed),
# CUSTOMER_COPY (where each backup unpacks its snapshot for the customer; none when empty). For a server with a
# database: DATABASE (its name), DATABASE_HOST, DATABASE_PORT, DATABASE_USER, DATABASE_PASSWORD_FILE: each backup then
# saves a consistent dump of it (mariadb-dump --single-transaction, tag database), which the drill loads into a scratch
# MariaDB of its own. PUSHGATEWAY_URL (and PUSH_NAMESPACE): each backup, prune and drill pushes its result there
# (vserver_backup_success 1 or 0, its time and duration, and what it counted), for Prometheus and its alerts.
# Every failure exits non-zero with the reason on stderr: the Job fails, and so does the check that watches it.
set -eu
log() { echo "vserver-backup: $*"; }
fail() { echo "vserver-backup: $*" >&2; exit 1; }
: "${RESTIC_REPOSITORY:?}" "${RESTIC_PASSWORD_FILE:?}" "${SERVER:?}" "${SOURCE:=/docroot}"
: "${KEEP_DAILY:=7}" "${KEEP_WEEKLY:=4}" "${KEEP_MONTHLY:=6}" "${CHECK_SHARE:=7}" "${SCRATCH:=/scratch}" "${SAMPLE:=20}"
export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-/tmp/cache}" TMPDIR="${TMPDIR:-/tmp}"
TAG=docroot
DB_TAG=database
TASK=${1:-}
STARTED=$(date +%s)
# another job of this server may hold the repository's lock (a prune while a backup runs): wait for it
restic() { command restic --retry-lock 30m "$@"; }

# The run's result for Prometheus: what a task counted (metric NAME VALUE), pushed when the script exits, success or
# not. A success replaces the run's group (PUT), so its counts are the last good run's; a failure replaces only the
# series it sends (POST), so the last success's time stays. A push that fails fails nothing: the alert on a stale
# backup (the CronJob's last success) still watches.
: > "$TMPDIR/metrics"
metric() { printf 'vserver_backup_%s %s\n' "$1" "$2" >> "$TMPDIR/metrics"; }
# the repository's size, where it is a folder (a bucket's is the provider's to tell)
repository_size() { case "$RESTIC_REPOSITORY" in /*) metric repository_bytes "$(du -sb "$RESTIC_REPOSITORY" | cut -f1)" ;; esac; }
report() {
  [ -n "${PUSHGATEWAY_URL:-}" ] || return 0
  now=$(date +%s)
  {
    if [ "$1" -eq 0 ]; then echo "vserver_backup_success 1"; else echo "vserver_backup_success 0"; fi
    echo "vserver_backup_last_run_timestamp_seconds $now"
    echo "vserver_backup_duration_seconds $((now - STARTED))"
    if [ "$1" -eq 0 ]; then echo "vserver_backup_last_success_timestamp_seconds $now"; cat "$TMPDIR/metrics"; fi
  } > "$TMPDIR/push"
  method=POST
  [ "$1" -ne 0 ] || method=PUT
  curl -fsS --max-time 20 -X "$method" --data-binary @"$TMPDIR/push" \
    "$PUSHGATEWAY_URL/metrics/job/vserver-backup/namespace/${PUSH_NAMESPACE:-default}/server/$SERVER/task/$TASK" \
    || echo "vserver-backup: the result could not be pushed to $PUSHGATEWAY_URL" >&2
}
on_exit() {
  status=$1
  # the drill's scratch MariaDB, if it runs
  if [ -n "${DRILL_SERVER:-}" ]; then kill "$DRILL_SERVER" 2>/dev/null || true; wait "$DRILL_SERVER" 2>/dev/null || true; fi
  report "$status" || true
  exit "$status"
}
case "$TASK" in backup|prune|drill) trap 'on_exit $?' EXIT ;; esac

[ -s "$RESTIC_PASSWORD_FILE" ] || fail "no repository password in $RESTIC_PASSWORD_FILE (the Secret's key 'password')"

# The repository, made on the first backup. A folder that holds something else is never made a repository.
ensure_repository() {
  case "$RESTIC_REPOSITORY" in
    /*)
      if [ ! -f "$RESTIC_REPOSITORY/config" ]; then
        if [ -d "$RESTIC_REPOSITORY" ] && [ -n "$(ls -A "$RESTIC_REPOSITORY")" ]; then
          fail "$RESTIC_REPOSITORY holds files but no restic repository: move them away or point the backup elsewhere"
        fi
        restic init --quiet
        log "made the repository $RESTIC_REPOSITORY"
      fi ;;
    *) restic cat config >/dev/null 2>&1 || { restic init --quiet; log "made the repository $RESTIC_REPOSITORY"; } ;;
  esac
}

# The id of the newest snapshot of the docroot (or, with a second argument, of that tag), or of the one named (a
# prefix of its id, 8 or more hex digits).
snapshot_id() {
  want=${1:-latest} tag=${2:-$TAG}
  if [ "$want" = latest ]; then
    id=$(restic snapshots --json --latest 1 --host "$SERVER" --tag "$tag" | jq -r '.[-1].id // empty')
    [ -n "$id" ] || fail "no snapshot of $SERVER's $tag in $RESTIC_REPOSITORY yet"
  else
    printf '%s' "$want" | grep -Eq '^[0-9a-f]{8,64}$' || fail "snapshot \"$want\" is no snapshot id (8 to 64 hex digits, or latest)"
    id=$(restic snapshots --json --host "$SERVER" --tag "$tag" | jq -r --arg w "$want" '[.[] | select(.id | startswith($w))] | if length == 1 then .[0].id else empty end')
    [ -n "$id" ] || fail "no single snapshot of $SERVER's $tag starts with $want: vserver-backup snapshots lists them"
  fi
  echo "$id"
}

backup() {
  { [ -d "$SOURCE" ] && [ -r "$SOURCE" ] && [ -x "$SOURCE" ]; } || fail "cannot read the docroot $SOURCE: nothing backed up"
  # Whatever the backup's user cannot read would be missing from the snapshot: fail instead, naming it.
  find "$SOURCE" ! -readable > "$TMPDIR/unreadable" 2>&1 || true
  if [ -s "$TMPDIR/unreadable" ]; then
    fail "cannot read $(wc -l < "$TMPDIR/unreadable") entries of the docroot (first: $(head -n 3 "$TMPDIR/unreadable" | tr '\n' ' ')): nothing backed up; they must be readable by uid $(id -u)"
  fi
  [ -n "$(find "$SOURCE" -mindepth 1 -maxdepth 1 -print)" ] \
    || fail "the docroot $SOURCE is empty: nothing backed up (an empty snapshot would look like a backup)"
  ensure_repository
  status=0
  restic backup --json --host "$SERVER" --tag "$TAG" "$SOURCE" > "$TMPDIR/backup.json" 2> "$TMPDIR/backup.err" || status=$?
  cat "$TMPDIR/backup.err" >&2
  id=$(jq -r 'select(.message_type == "summary") | .snapshot_id // empty' "$TMPDIR/backup.json" 2>/dev/null || true)
  if [ "$status" -ne 0 ] && grep -q 'repository could be damaged\|ciphertext verification failed' "$TMPDIR/backup.err"; then
    [ -z "$id" ] || restic forget --quiet "$id"
    fail "the repository has errors (found while backing up: the last snapshot's data does not read back): see restic's words above; nothing backed up"
  fi
  if [ "$status" -eq 3 ]; then
    # restic saved a snapshot without what it could not read: take it back
    [ -z "$id" ] || restic forget --quiet "$id"
    fail "restic could not read part of the docroot: the incomplete snapshot is forgotten ($(jq -r 'select(.message_type == "error") | .item' "$TMPDIR/backup.err" 2>/dev/null | head -n 3 | tr '\n' ' '))"
  fi
  { [ "$status" -eq 0 ] && [ -n "$id" ]; } || fail "restic backup failed (exit $status)"
  log "$(jq -r 'select(.message_type == "summary") | "snapshot \(.snapshot_id[0:8]): \(.total_files_processed) files, \(.total_bytes_processed) bytes, \(.files_new) new, \(.files_changed) changed, \(.data_added_packed) bytes added to the repository"' "$TMPDIR/backup.json")"
  jq -r 'select(.message_type == "summary") | "vserver_backup_snapshot_files \(.total_files_processed)\nvserver_backup_snapshot_bytes \(.total_bytes_processed)\nvserver_backup_added_bytes \(.data_added_packed)"' \
    "$TMPDIR/backup.json" >> "$TMPDIR/metrics"
  [ -z "${DATABASE:-}" ] || backup_database
  # each tag is a group of its own (host and path): the policy keeps as many of each
  restic forget --quiet --host "$SERVER" --tag "$TAG" --tag "$DB_TAG" \
    --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY"
  share=$(( $(date -u +%s) / 86400 % CHECK_SHARE + 1 ))
  restic check --quiet --read-data-subset="$share/$CHECK_SHARE" \
    || fail "the repository has errors (share $share/$CHECK_SHARE of its data read): see restic's words above; the backup is not verified"
  log "verified: the repository's structure and share $share/$CHECK_SHARE of its data read back without error"
  repository_size
  [ -z "${CUSTOMER_COPY:-}" ] || customer_copy "$id"
}

# The client's settings for the database (the password never on a command line, where ps would show it).
database_client() {
  : "${DATABASE_HOST:?}" "${DATABASE_PORT:=3306}" "${DATABASE_USER:=$DATABASE}" "${DATABASE_PASSWORD_FILE:?}"
  [ -s "$DATABASE_PASSWORD_FILE" ] || fail "no password of database $DATABASE in $DATABASE_PASSWORD_FILE (the Secret's key 'password')"
  (umask 077; printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\n' "$DATABASE_HOST" "$DATABASE_PORT" "$DATABASE_USER" \
    "$(cat "$DATABASE_PASSWORD_FILE")" > "$TMPDIR/client.cnf")
}

# A consistent dump of the database (one transaction: InnoDB tables as of its start, no lock on the site), saved as
# /<database>.sql with the tag database. A dump that fails saves nothing (restic's --stdin-from-command).
backup_database() {
  database_client
  status=0
  restic backup --json --host "$SERVER" --tag "$DB_TAG" --stdin-filename "$DATABASE.sql" --stdin-from-command -- \
    mariadb-dump --defaults-extra-file="$TMPDIR/client.cnf" --single-transaction --quick --routines --triggers --events \
    --hex-blob --no-tablespaces --skip-dump-date "$DATABASE" > "$TMPDIR/dump.json" 2> "$TMPDIR/dump.err" || status=$?
  cat "$TMPDIR/dump.err" >&2
  # (not $id: the docroot's snapshot, which the customer's copy unpacks)
  DATABASE_SNAPSHOT=$(jq -r 'select(.message_type == "summary") | .snapshot_id // empty' "$TMPDIR/dump.json" 2>/dev/null || true)
  { [ "$status" -eq 0 ] && [ -n "$DATABASE_SNAPSHOT" ]; } \
    || fail "the dump of database $DATABASE on $DATABASE_HOST:$DATABASE_PORT failed (restic exit $status, mariadb-dump's words above): the docroot is saved, the database is not"
  log "$(jq -r --arg db "$DATABASE" 'select(.message_type == "summary") | "snapshot \(.snapshot_id[0:8]): database \($db), \(.total_bytes_processed) bytes dumped, \(.data_added_packed) bytes added to the repository"' "$TMPDIR/dump.json")"
  metric database_dump_bytes "$(jq -r 'select(.message_type == "summary") | .total_bytes_processed' "$TMPDIR/dump.json")"
}

# The customer's own "yesterday": the verified snapshot unpacked in CUSTOMER_COPY/<date>/ (one day, renamed from the
# last one and brought up to date: only what changed is written, what is gone is deleted), which sshd shows read-only.
customer_copy() {
  day=$(date -u +%F)
  mkdir -p "$CUSTOMER_COPY"
  last=$(find "$CUSTOMER_COPY" -mindepth 1 -maxdepth 1 -type d -name '????-??-??' -printf '%f\n' | sort | tail -n 1)
  if [ -n "$last" ] && [ "$last" != "$day" ]; then mv "$CUSTOMER_COPY/$last" "$CUSTOMER_COPY/$day"; fi
  restic restore --quiet "$1:$SOURCE" --target "$CUSTOMER_COPY/$day" --overwrite if-changed --delete > /dev/null \
    || fail "the backup is verified, but the customer's copy in $CUSTOMER_COPY/$day could not be written"
  # the days before (a copy left by a run that stopped half-way); nothing else of the folder (the repository is in it)
  find "$CUSTOMER_COPY" -mindepth 1 -maxdepth 1 -type d -name '????-??-??' ! -name "$day" -exec rm -rf {} +
  log "the customer's copy of snapshot ${1%"${1#????????}"} is /backups/$day/ over SFTP (read-only)"
  [ -n "${DATABASE_SNAPSHOT:-}" ] || return 0
  # and the database's dump beside it, /backups/<database>-<date>.sql
  restic dump "$DATABASE_SNAPSHOT" "/$DATABASE.sql" > "$CUSTOMER_COPY/.$DATABASE-$day.sql" \
    || fail "the backup is verified, but the customer's copy of the database's dump could not be written"
  mv "$CUSTOMER_COPY/.$DATABASE-$day.sql" "$CUSTOMER_COPY/$DATABASE-$day.sql"
  find "$CUSTOMER_COPY" -mindepth 1 -maxdepth 1 -type f -name "$DATABASE-????-??-??.sql" ! -name "$DATABASE-$day.sql" -delete
  log "the customer's copy of database $DATABASE is /backups/$DATABASE-$day.sql over SFTP (read-only)"
}

prune() {
  ensure_repository
  restic forget --prune --host "$SERVER" --tag "$TAG" --tag "$DB_TAG" \
    --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY"
  restic check --quiet || fail "the repository has errors after the prune: see restic's words above"
  kept=$(restic snapshots --json --host "$SERVER" --tag "$TAG" --tag "$DB_TAG" | jq length)
  metric snapshots "$kept"
  repository_size
  log "pruned; $kept snapshots kept"
}

drill() {
  id=$(snapshot_id latest)
  into="$SCRATCH/restore"
  rm -rf "$into"; mkdir -p "$into"
  # --verify reads every restored file back and checks it against the snapshot's blob hashes
  restic restore --quiet "$id:$SOURCE" --target "$into" --verify || fail "restoring snapshot ${id%"${id#????????}"} failed"
  # What the snapshot lists against what came back: type, path and (for files) size of every entry.
  restic ls --json "$id" | jq -r --arg root "$SOURCE" 'select(.struct_type == "node" and (.path | startswith($root + "/")))
    | "\(.type[0:1]) \(.path | ltrimstr($root)) \(if .type == "file" then .size else "" end)"' \
    | sed 's/^s /l /' | LC_ALL=C sort > "$TMPDIR/listed"
  (cd "$into" && find . -mindepth 1 -printf '%y /%P %s\n') | sed 's/^\([dl] .*\) [0-9]*$/\1 /' | LC_ALL=C sort > "$TMPDIR/restored"
  if ! cmp -s "$TMPDIR/listed" "$TMPDIR/restored"; then
    diff "$TMPDIR/listed" "$TMPDIR/restored" | head -n 10 >&2
    fail "snapshot ${id%"${id#????????}"} restored differs from its own listing (above: < listed, > restored)"
  fi
  files=$(grep -c '^f ' "$TMPDIR/listed" || true)
  bytes=$(awk '$1 == "f" { s += $NF } END { print s + 0 }' "$TMPDIR/listed")
  # A sample of files, hashed: those the docroot still has unchanged (same size and modification second) must be equal.
  restic ls --json "$id" | jq -r --arg root "$SOURCE" 'select(.struct_type == "node" and .type == "file" and (.path | startswith($root + "/")))
    | "\(.mtime | sub("\\.[0-9]+"; "") | sub("Z$"; "+00:00") | sub("(?<h>[+-][0-9]{2}):(?<m>[0-9]{2})$"; "\(.h)\(.m)") | strptime("%Y-%m-%dT%H:%M:%S%z") | mktime) \(.size) \(.path | ltrimstr($root))"' \
    | shuf -n "$SAMPLE" > "$TMPDIR/sample" || true
  compared=0
  while read -r mtime size path; do
    live="$SOURCE$path"
    if [ ! -f "$live" ] || [ "$(stat -c '%s %Y' "$live")" != "$size $mtime" ]; then continue; fi
    [ "$(sha256sum < "$into$path")" = "$(sha256sum < "$live")" ] \
      || fail "$path restored from snapshot ${id%"${id#????????}"} differs from the docroot's, which is unchanged since (same size and time)"
    compared=$((compared + 1))
  done < "$TMPDIR/sample"
  rm -rf "$into"
  metric restored_files "$files"
  metric restored_bytes "$bytes"
  log "drill of snapshot ${id%"${id#????????}"}: $files files, $bytes bytes restored and read back; the listing matches; $compared of $(wc -l < "$TMPDIR/sample") sampled files equal to the docroot's (the others changed since)"
  [ -z "${DATABASE:-}" ] || drill_database
}

# The dump of the database in snapshot $2, written to $1, and whole: mariadb-dump writes its last line, "-- Dump
# completed", only when it dumped everything.
dump_to() {
  restic dump "$2" "/$DATABASE.sql" > "$1" || fail "the dump in snapshot ${2%"${2#????????}"} does not read back"
  tail -n 1 "$1" | grep -q '^-- Dump completed' \
    || fail "the dump of $DATABASE in snapshot ${2%"${2#????????}"} is incomplete (its last line is not mariadb-dump's \"-- Dump completed\"): nothing loaded"
}

# The newest dump of the database, loaded into a scratch MariaDB of the drill's own (no network: a socket in the
# pod), then every table it creates checked.
drill_database() {
  id=$(snapshot_id latest "$DB_TAG")
  short=${id%"${id#????????}"}
  data="$SCRATCH/mysql" socket="$TMPDIR/drill.sock" dump="$SCRATCH/$DATABASE.sql"
  rm -rf "$data"; mkdir -p "$data"
  dump_to "$dump" "$id"
  tables=$(grep -c '^CREATE TABLE ' "$dump" || true)
  # no name lookups (--force: not even the check of its own host name): the scratch server knows only its socket, and
  # a pod without DNS has no name to look up
  mariadb-install-db --no-defaults --datadir="$data" --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve --force > "$TMPDIR/install.log" 2>&1 \
    || { cat "$TMPDIR/install.log" >&2; fail "the drill's scratch MariaDB could not be made in $data"; }
  mariadbd --no-defaults --datadir="$data" --socket="$socket" --pid-file="$TMPDIR/drill.pid" --skip-networking --skip-name-resolve \
    --innodb-buffer-pool-size=64M --log-error="$TMPDIR/drill-mariadb.log" 2>> "$TMPDIR/drill-mariadb.log" &
  DRILL_SERVER=$!
  up=0
  for _ in $(seq 1 60); do
    if mariadb-admin --no-defaults --socket="$socket" -uroot ping > /dev/null 2>&1; then up=1; break; fi
    sleep 1
  done
  [ "$up" = 1 ] || { tail -n 20 "$TMPDIR/drill-mariadb.log" >&2; fail "the drill's scratch MariaDB did not start"; }
  sql() { mariadb --no-defaults --socket="$socket" -uroot --batch --skip-column-names "$@"; }
  sql -e "CREATE DATABASE \`$DATABASE\`"
  sql "$DATABASE" < "$dump" || fail "the dump of $DATABASE in snapshot $short does not load into a scratch MariaDB (its words above)"
  loaded=$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$DATABASE' AND table_type = 'BASE TABLE'")
  [ "$loaded" = "$tables" ] || fail "the dump of $DATABASE in snapshot $short creates $tables tables, the scratch database has $loaded"
  rows=0
  for table in $(sql -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$DATABASE' AND table_type = 'BASE TABLE'"); do
    check=$(sql "$DATABASE" -e "CHECK TABLE \`$table\`" | awk '$3 == "status" { print $4 }')
    [ "$check" = OK ] || fail "table $table of the dump in snapshot $short loads, but CHECK TABLE says: $check"
    rows=$((rows + $(sql "$DATABASE" -e "SELECT COUNT(*) FROM \`$table\`")))
  done
  mariadb-admin --no-defaults --socket="$socket" -uroot shutdown
  wait "$DRILL_SERVER" || true
  DRILL_SERVER=
  metric database_tables "$tables"
  metric database_rows "$rows"
  rm -rf "$data" "$dump"
  log "drill of snapshot $short: database $DATABASE's dump loads into a scratch MariaDB, $tables tables ($rows rows), each CHECK TABLE OK"
}

restore() {
  id=$(snapshot_id "${SNAPSHOT:-latest}")
  set -- --target "$SOURCE" --overwrite if-changed
  if [ -n "${RESTORE_PATH:-}" ]; then
    case "$RESTORE_PATH" in /*) ;; *) fail "RESTORE_PATH must start with / (a path in the docroot, e.g. /wp-content/uploads)" ;; esac
    set -- "$@" --include "$RESTORE_PATH"
  fi
  what="snapshot ${id%"${id#????????}"} of $SERVER's docroot${RESTORE_PATH:+ (only $RESTORE_PATH)}"
  # a whole server's restore brings its database back too, from the dump of the same backup run
  dump=
  if [ -n "${DATABASE:-}" ] && [ -z "${RESTORE_PATH:-}" ] && [ "${RESTORE_DATABASE:-1}" = 1 ]; then dump=$(dump_of "$id"); fi
  if [ "${DRY_RUN:-}" = 1 ]; then
    log "would restore $what; it would overwrite (changed since) or write (missing):"
    restic restore "$id:$SOURCE" "$@" --dry-run --verbose=2 | sed -n -e 's/^updated  */  overwrite /p' -e 's/^restored  */  write /p'
    [ -z "$dump" ] || log "would load database $DATABASE from snapshot ${dump%"${dump#????????}"} ($(restic snapshots --json "$dump" \
      | jq -r '.[0] | "\(.summary.total_bytes_processed // "?") bytes, dumped \(.time[0:19])"')): every table the dump has is replaced; tables made since stay"
    return
  fi
  restic restore "$id:$SOURCE" "$@" --verbose=1
  log "restored $what"
  [ -z "$dump" ] || restore_database "$dump"
}

# The dump of the database saved by the same backup run as the docroot's snapshot $1: the first one after it, before
# the next docroot snapshot.
dump_of() {
  restic snapshots --json --host "$SERVER" > "$TMPDIR/all.json"
  dump=$(jq -r --arg id "$1" --arg tag "$TAG" --arg dbtag "$DB_TAG" '
    (map(select(.id == $id))[0].time) as $t
    | ([.[] | select((.tags // []) | index($tag)) | select(.time > $t) | .time] | min // "9999") as $next
    | [.[] | select((.tags // []) | index($dbtag)) | select(.time > $t and .time < $next)] | sort_by(.time) | .[0].id // empty' "$TMPDIR/all.json")
  [ -n "$dump" ] || fail "snapshot ${1%"${1#????????}"} has no dump of database $DATABASE from the same backup run: restore the files alone (RESTORE_DATABASE=0, the operator's --files-only)"
  echo "$dump"
}

# The dump of snapshot $1 loaded into the server's database as its own user: each table of the dump dropped and made
# again (mariadb-dump's DROP TABLE IF EXISTS); a table made since the dump stays.
restore_database() {
  database_client
  dump_to "$TMPDIR/restore.sql" "$1"
  mariadb --defaults-extra-file="$TMPDIR/client.cnf" "$DATABASE" < "$TMPDIR/restore.sql" \
    || fail "loading the dump of $DATABASE from snapshot ${1%"${1#????????}"} failed (mariadb's words above): the database may be half restored; run the restore again"
  rm -f "$TMPDIR/restore.sql"
  log "restored database $DATABASE from snapshot ${1%"${1#????????}"}"
}

snapshots() { restic snapshots --host "$SERVER" --tag "$TAG"; }

case "${1:-}" in
  backup|prune|drill|restore|snapshots) "$1" ;;
  *) fail "usage: vserver-backup backup|prune|drill|restore|snapshots" ;;
esac
