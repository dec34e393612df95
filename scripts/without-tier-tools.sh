#!/usr/bin/env bash
# Runs a command with a PATH that lacks every tool a tier of the suite installs (scripts/tier-tools.sh): the unit
# tier runs under it, so a unit test that needs one of them fails on every machine, not only on one that never
# ran the later tiers.
#   bash scripts/without-tier-tools.sh jest --ci
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tier-tools.sh
. "$here/tier-tools.sh"
hidden=" "
for tier in lint node; do
  while read -r tool _; do hidden+="${tool##*/} "; done <<< "$(tier_tools "$tier")"
done
bin=$(mktemp -d "${TMPDIR:-/tmp}/without-tier-tools.XXXXXX")
trap 'rm -rf "$bin"' EXIT
# every other executable of PATH, the first of each name, as a link in one folder
declare -A seen=()
IFS=: read -ra dirs <<< "$PATH"
for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || continue
  links=()
  for f in "$dir"/*; do
    name=${f##*/}
    [ -n "${seen[$name]:-}" ] && continue
    case "$hidden" in *" $name "*) continue ;; esac
    [ -x "$f" ] && [ ! -d "$f" ] && { seen[$name]=1; links+=("$f"); }
  done
  [ ${#links[@]} -eq 0 ] || ln -s -t "$bin" "${links[@]}"
done
# (the unit tier's own test of this guard reads VSERVER_WITHOUT_TIER_TOOLS)
PATH=$bin VSERVER_WITHOUT_TIER_TOOLS=1 "$@"
