#!/usr/bin/env bash
# Debian's shellcheck over every shell script of the repository (settings: .shellcheckrc), at zero findings.
# Installs shellcheck from Debian when it is missing (scripts/tier-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tier-tools.sh
. scripts/tier-tools.sh
install_tier_tools lint
mapfile -t scripts < <({ git ls-files -- '*.sh' .ci/run 2>/dev/null || find . -name '*.sh' -not -path './node_modules/*'; } | sort -u)
[ "${#scripts[@]}" -gt 0 ] || { echo "[lint] no shell script found" >&2; exit 1; }
shellcheck "${scripts[@]}"
echo "[lint] shellcheck: ${#scripts[@]} scripts, no findings"
