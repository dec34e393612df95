#!/usr/bin/env bash
# Debian's shellcheck over every shell script of the repository (settings: .shellcheckrc), at zero findings.
# Installs shellcheck from Debian when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { echo "test:lint needs shellcheck (Debian's package 'shellcheck'); install it, or run the tests on Debian 12" >&2; exit 1; }
  echo "[lint] installing Debian's shellcheck" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >&2
fi
mapfile -t scripts < <({ git ls-files -- '*.sh' .ci/run 2>/dev/null || find . -name '*.sh' -not -path './node_modules/*'; } | sort -u)
[ "${#scripts[@]}" -gt 0 ] || { echo "[lint] no shell script found" >&2; exit 1; }
shellcheck "${scripts[@]}"
echo "[lint] shellcheck: ${#scripts[@]} scripts, no findings"
