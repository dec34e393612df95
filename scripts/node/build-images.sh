#!/usr/bin/env bash
# Builds the images the real node tier runs, from the project's own Dockerfiles, with no registry but Debian's:
#   1. the Debian base the Dockerfiles' FROM names (debian:13.x-slim), made by mmdebstrap from Debian's mirror;
#   2. httpd and sshd from packages/web-ssh-server/images/, with buildah, named <lab registry>/<name>:v1 (each node
#      also tags it v2: the same build under two references, for a real rollout between two tags), the Apache
#      exporter beside httpd, php-fpm (PHP 8.4), MariaDB and restic from packages/storage/images/, the log collector from packages/monitoring/images/,
#      the shared entry (haproxy) from packages/vip/images/, and keepalived and haproxy from
#      packages/control-plane/images/ (the node tier runs them with the lab's control-plane files);
#   3. the outside auditors, testssl.sh and ssh-audit from Debian 13 (scripts/node/auditors), unpacked into a folder,
#      and WordPress's files from Debian 13's package (scripts/node/wordpress), for the PHP test to upload;
#   4. the pod sandbox image (pause), from the pause program prepare.sh built from the Kubernetes source.
# It first installs what the node tier needs from Debian (buildah, mmdebstrap, containerd, runc, CNI plugins,
# iptables, conntrack, the OpenSSH client, curl, openssl, Pebble, Let's Encrypt's test ACME server, with its DNS, and
# Debian's docker-registry with htpasswd, for a private registry that asks for credentials, and rsyslog, the lab's
# syslog server the log collectors send to).
# Each image is written as a docker-archive into $VSERVER_IMAGES (a node's containerd imports them by name).
# Results are cached by a hash of the Dockerfiles' folders, so an unchanged image is not rebuilt.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../cluster/env.sh
. "$repo/scripts/cluster/env.sh"
# shellcheck source=env.sh
. "$repo/scripts/node/env.sh"
log() { printf '[node-images] %s\n' "$*" >&2; }
# A folder's content, as the cache key of what is built from it.
folder_hash() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

# What the node tier runs, all from Debian: image builds, a container runtime, pod networking, and the clients.
# shellcheck source=../tier-tools.sh
. "$repo/scripts/tier-tools.sh"
install_tier_tools node
mkdir -p "$VSERVER_IMAGES"
images="$repo/packages/web-ssh-server/images"
base=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$images/httpd/Dockerfile" | head -1)
[ "$base" = "$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$images/sshd/Dockerfile" | head -1)" ] \
  || { log "httpd and sshd must build FROM the same base"; exit 1; }
mirror=$(debian_uri debian)
[ -n "$mirror" ] || { log "no Debian mirror in the system's apt sources"; exit 1; }
security=$(debian_uri debian-security)
# The release the FROM line names (debian:<major>.<point>-slim), by its codename.
case "$base" in
  debian:12.*-slim) suite=bookworm ;;
  debian:13.*-slim) suite=trixie ;;
  *) log "the Dockerfiles build FROM $base: this script makes debian:12.x-slim (bookworm) or debian:13.x-slim (trixie) bases only"; exit 1 ;;
esac
start=$(date +%s)

# 1. The base: the release's minbase without docs, man pages and locales (what Docker's -slim images leave out),
#    with its security updates. mmdebstrap keeps its own apt state, so the host's release does not matter; Debian's
#    keyring on the host verifies the newer release's archive.
if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  log "making $base with mmdebstrap from $mirror"
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  # shellcheck disable=SC2016 # the hook's $1 is mmdebstrap's, expanded when it runs the hook
  mmdebstrap --quiet --mode=root --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    "$suite" "$work/rootfs.tar" "deb $mirror $suite main" "deb $mirror $suite-updates main" \
    ${security:+"deb $security $suite-security main"} >&2
  ctr=$(buildah from scratch)
  buildah add --quiet "$ctr" "$work/rootfs.tar" / >/dev/null
  buildah config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
  log "$base is Debian $(buildah run "$(buildah from --quiet "$base")" cat /etc/debian_version 2>/dev/null || echo '?')"
  buildah rm --all >/dev/null
  rm -rf "$work"; trap - EXIT
fi

# 2. httpd, sshd, the Apache exporter and php-fpm; the site's MariaDB; the log collector; keepalived and haproxy, the API VIP's holders of a redundant control plane (from the same base).
for folder in "$images/httpd" "$images/sshd" "$images/apache-exporter" "$images/php8.4-fpm" "$repo/packages/storage/images/mariadb" \
    "$repo/packages/storage/images/restic" \
    "$repo/packages/monitoring/images/log-collector" "$repo/packages/vip/images/entry" \
    "$repo/packages/control-plane/images/keepalived" "$repo/packages/control-plane/images/haproxy"; do
  name=$(basename "$folder")
  [ "$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$folder/Dockerfile" | head -1)" = "$base" ] || { log "$folder/Dockerfile must build FROM $base"; exit 1; }
  out="$VSERVER_IMAGES/$name-$(folder_hash "$folder")"
  if [ ! -s "$out/image.tar" ]; then
    log "building $LAB_REGISTRY/$name from $folder"
    buildah bud --quiet --pull=never --network=host --layers -t "$LAB_REGISTRY/$name:v1" "$folder" >&2
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    buildah push --quiet "$LAB_REGISTRY/$name:v1" "docker-archive:$out.tmp/image.tar:$LAB_REGISTRY/$name:v1" >&2
    rm -rf "$out"; mv "$out.tmp" "$out"
  fi
  ln -sfn "$(basename "$out")" "$VSERVER_IMAGES/$name"
done

# 3. Folders taken out of a throwaway image of the same base (images the nodes never run), each cached by its folder's
#    hash: unpack <name> <path in the image> <folder under the cache> <test: -x, -f> <a file that must pass it>.
unpack() {
  local name=$1 from=$2 into=$3 test=$4 check=$5 folder out ctr
  folder="$repo/scripts/node/$name"
  out="$VSERVER_IMAGES/$name-$(folder_hash "$folder")"
  if ! test "$test" "$out/$into/$check"; then
    log "taking $name out of an image built from $folder"
    buildah bud --quiet --pull=never --network=host --layers -t "localhost/vserver/$name:latest" "$folder" >&2
    ctr=$(buildah from --quiet "localhost/vserver/$name:latest")
    rm -rf "$out.tmp"; mkdir -p "$out.tmp/$into"
    cp -a "$(buildah mount "$ctr")$from/." "$out.tmp/$into/"
    buildah umount "$ctr" >/dev/null; buildah rm "$ctr" >/dev/null
    test "$test" "$out.tmp/$into/$check" || { log "$name: no $check in the image"; exit 1; }
    rm -rf "$out"; mv "$out.tmp" "$out"
  fi
  ln -sfn "$(basename "$out")" "$VSERVER_IMAGES/$name"
}
# The outside auditors (testssl.sh, ssh-audit), the whole root, which scripts/node/auditor.sh runs them from.
unpack auditors '' root -x usr/bin/ssh-audit
# WordPress's files (Debian 13's package and its default theme, every link resolved), which the PHP test uploads as
# a customer would.
unpack wordpress /wordpress wordpress -f wp-admin/install.php

# 4. The pod sandbox image.
if [ ! -s "$VSERVER_IMAGES/pause.tar" ]; then
  log "making $PAUSE_IMAGE from $K8S_BIN/pause"
  ctr=$(buildah from scratch)
  buildah copy --quiet "$ctr" "$K8S_BIN/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  buildah commit --quiet --rm "$ctr" "$PAUSE_IMAGE" >/dev/null
  buildah push --quiet "$PAUSE_IMAGE" "docker-archive:$VSERVER_IMAGES/pause.tar.tmp:$PAUSE_IMAGE" >&2
  mv "$VSERVER_IMAGES/pause.tar.tmp" "$VSERVER_IMAGES/pause.tar"
fi
log "images ready in $VSERVER_IMAGES ($(( $(date +%s) - start )) s)"
