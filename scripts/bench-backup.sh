#!/usr/bin/env bash
# Measures the backups of one server (ResticBackup) on a docroot of 1 GiB in 10,000 files: the first backup (with its
# check of a seventh of the data), a second after 1 % of the files changed, the restore drill (restore, read back,
# compare), a whole restore into an empty docroot, and the repository's size after each backup. It runs the restic
# image the node tier builds from packages/storage/images/restic (Debian 13's restic 0.18 and the jobs' script), as
# uid 1000 with the docroot and the backup folder bind-mounted as the pods mount them (buildah run, runc), so the
# figures are the jobs' own, without a kubelet's start-up.
#
#   bash scripts/bench-backup.sh        (FILES=10000 SIZE_MIB=1024 by default; the files are random bytes, the
#                                        worst case for compression and deduplication)
# Needs root; builds the images first (scripts/node/build-images.sh, cached).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
FILES=${FILES:-10000}
SIZE_MIB=${SIZE_MIB:-1024}
log() { printf '[bench-backup] %s\n' "$*" >&2; }
# shellcheck source=cluster/env.sh
. "$repo/scripts/cluster/env.sh"
# shellcheck source=node/env.sh
. "$repo/scripts/node/env.sh"
bash "$repo/scripts/node/build-images.sh" >/dev/null
image="$LAB_REGISTRY/restic:v1"
work=$(mktemp -d /var/tmp/vserver-bench-backup.XXXXXX)
ctr=''
cleanup() { [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/docroot" "$work/backup" "$work/restored" "$work/secret"
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
chown -R 1000:1000 "$work/docroot" "$work/backup" "$work/restored" "$work/secret"
chmod 0400 "$work/secret/password"

# one job of the image, as its CronJob runs it: uid 1000, the folders where the pods mount them, /tmp in memory; a
# container of its own each time, as a pod has (buildah keeps a tmpfs's mode on the first run of a container only)
job() { # docroot task [VAR=value...]
  local docroot=$1 task=$2 status=0; shift 2
  ctr=$(buildah from --quiet --pull=never "$image")
  local env=(--env SERVER=myweb --env SOURCE=/docroot --env RESTIC_REPOSITORY=/backup/.restic --env RESTIC_PASSWORD_FILE=/etc/restic/password
    --env KEEP_DAILY=7 --env KEEP_WEEKLY=4 --env KEEP_MONTHLY=6 --env CHECK_SHARE=7 --env CUSTOMER_COPY=/backup)
  local e; for e in "$@"; do env+=(--env "$e"); done
  buildah run --user 1000:1000 --network none "${env[@]}" \
    --volume "$docroot:/docroot" --volume "$work/backup:/backup" --volume "$work/secret:/etc/restic:ro" \
    --mount type=tmpfs,destination=/tmp,tmpfs-mode=1777 --mount type=tmpfs,destination=/scratch,tmpfs-size=4g,tmpfs-mode=1777 \
    "$ctr" -- /usr/local/bin/vserver-backup "$task" || status=$?
  buildah rm "$ctr" >/dev/null; ctr=''
  return "$status"
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
)
for k in first repo1 second repo2 copy drill restore; do [ -n "${secs[$k]:-}" ] || { log "no figure for $k"; exit 1; }; done
grep -h '^vserver-backup: snapshot' "$work/first.log" "$work/second.log" | sed 's/^/  /' >&2
restored=$(find "$work/restored" -type f | wc -l)
[ "$restored" -eq "$FILES" ] || { log "the restore gave $restored files, not $FILES"; exit 1; }
cat <<EOF
| what ($FILES files, $SIZE_MIB MiB of random bytes) | seconds | repository after (MiB) |
| --- | --- | --- |
| first backup, with its check (a seventh of the data read back) and the customer's copy | ${secs[first]} | ${secs[repo1]} |
| second backup after 1 % of the files changed (same) | ${secs[second]} | ${secs[repo2]} |
| restore drill: the newest snapshot restored, read back against its hashes, compared | ${secs[drill]} | |
| whole restore into an empty docroot | ${secs[restore]} | |
| the customer's copy on the backup folder (MiB) | | ${secs[copy]} |
EOF
