#!/usr/bin/env bash
# The whole test suite, on a machine that has only the .NET SDK: installs what the tests need from Debian's
# packages, runs every test project, and prints one closing line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the suite uses: argon2 (the reference Argon2 tool, for the interoperability test) and chromium
# (the browser the web UI's tests drive through Playwright; nothing is downloaded at test time).
packages=()
command -v argon2 >/dev/null 2>&1 || packages+=(argon2)
[ -x /usr/bin/chromium ] || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing ${packages[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Latchkey.slnx --nologo 2>&1 | tee "$log" || status=$?

# Note: dotnet test prints one summary per test project; add them up into the plain closing line CI reads.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
     } END { printf "%d passed, %d failed\n", p, f }' "$log"
exit $status
