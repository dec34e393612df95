#!/usr/bin/env bash
# How long the API is unreachable through the API VIP when the master holding it fails: the lab's redundant control
# plane, run from dist/lab/control-plane/ by scripts/cluster/ha-control-plane.sh (three etcd members, three API
# servers, controller-managers and schedulers, Debian's keepalived and haproxy as their static Pods run them), RUNS
# times (default 3), then each negative control once. Prints a Markdown table.
#
#   npx projen synth && bash scripts/bench-control-plane-failover.sh
# Needs root; installs and builds what it needs once (scripts/cluster/prepare.sh cluster).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
bash "$repo/scripts/cluster/prepare.sh" cluster
# dist/lab/control-plane/ as the declaration says now
(cd "$repo" && npx projen synth lab > /dev/null)
printf '| scenario | run | GETs after the cut | failed | first answer after the cut (s) | longest without an answer (s) | last failure after the cut (s) | VIP then on | controller-manager leader |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n'
row() { # scenario run
  local json
  json=$(bash "$repo/scripts/cluster/ha-control-plane.sh" "$1" | tail -1)
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e 'const f = JSON.parse(process.argv[1]); const v = (x) => (x === null ? "never" : x);
    console.log(`| ${f.scenario} | ${process.argv[2]} | ${f.requestsAfterCut} | ${f.failed} | ${v(f.firstAnswerAfterCutS)} | ${v(f.longestGapS)} | ${v(f.lastFailureAfterCutS)} | ${f.vipHolderAfter || "nobody"} | ${f.leaderAfter ? `${f.leaderBefore} -> ${f.leaderAfter}` : "-"} |`)' "$json" "$2"
}
for run in $(seq 1 "$RUNS"); do row failover "$run"; done
row single-holder 1
row no-health-check 1
