#!/usr/bin/env bash
# The suite's one closing line, read from the log of `npx projen test`: every jest run's "Tests:" line added up,
# and every tier that was skipped (run-tier.sh's "Tier skipped: <tier>") counted as skipped, so a skipped tier is
# never a silent pass.
#   bash scripts/closing-line.sh test.log   ->   812 passed, 0 failed, 0 skipped
set -euo pipefail
awk '/^Tests: / {
  for (i = 2; i <= NF; i++) { n = $i + 0; w = $(i + 1); sub(/,/, "", w)
    if (w == "passed") p += n; else if (w == "failed") f += n; else if (w == "skipped") s += n }
}
/^Tier skipped: / { s += 1; tiers = tiers " " $3 }
END {
  if (tiers != "") printf "skipped tiers:%s (each counted as one skipped below)\n", tiers
  printf "%d passed, %d failed, %d skipped\n", p, f, s
}' "${1:?usage: closing-line.sh LOG}"
