#!/usr/bin/env bash
# The whole test suite, on a machine that has only the .NET SDK: installs what the tests need from Debian's
# packages, starts a throw-away PostgreSQL cluster, runs every test project (the HTTP suite on SQLite and on
# PostgreSQL), removes the cluster, and prints one closing line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the suite uses: argon2 (the reference Argon2 tool, for the interoperability test), chromium
# (the browser the web UI's tests drive through Playwright; nothing is downloaded at test time) and postgresql (the
# server the PostgreSQL provider's tests run on; only its binaries are used, not its system service).
packages=()
command -v argon2 >/dev/null 2>&1 || packages+=(argon2)
[ -x /usr/bin/chromium ] || packages+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
# The import tests make foreign password hashes with the original systems' tools: htpasswd -B (apache2-utils) for
# bcrypt, and Python's hashlib (python3) for Django's format.
command -v htpasswd >/dev/null 2>&1 || packages+=(apache2-utils)
command -v python3 >/dev/null 2>&1 || packages+=(python3)
# The README's second-factor walk-through computes TOTP codes with oathtool; a test runs that command.
command -v oathtool >/dev/null 2>&1 || packages+=(oathtool)
# The Node.js resource server sample and its test (samples/node-resource-server) need node and npm.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing ${packages[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

log=$(mktemp)
cluster=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
cleanup() {
  tests/pg-cluster.sh remove "$cluster" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LATCHKEY_TEST_POSTGRES=$(tests/pg-cluster.sh create "$cluster")
export LATCHKEY_TEST_POSTGRES
echo "PostgreSQL test cluster in $cluster"

status=0
# Note: built once, then the test projects run one after another (-m:1): run side by side on 2 cores, the browser
# and multi-process tests competed with every other assembly for the CPU and a page could miss its 30 s timeout.
dotnet build Latchkey.slnx --nologo -v q 2>&1 | tee -a "$log" || status=$?
dotnet test Latchkey.slnx --no-build --nologo -m:1 2>&1 | tee -a "$log" || status=$?
echo "HTTP suite again, on PostgreSQL"
LATCHKEY_TEST_PROVIDER=postgres dotnet test tests/Latchkey.AspNetCore.Tests --no-build --nologo 2>&1 | tee -a "$log" || status=$?

# The Node.js resource server (samples/node-resource-server): its own dependencies from its lockfile (npm ci, nothing
# global), then its test, which starts the Latchkey.Server and latchkey tool built above and the Express server.
echo "Node.js resource server sample"
(cd samples/node-resource-server && npm ci --no-audit --no-fund && npm test) 2>&1 | tee -a "$log" || status=$?

# Note: dotnet test prints one summary per test project, node --test "# pass N" / "# fail N"; add them up into the
# plain closing line CI reads.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
     }
     /^# pass [0-9]+$/ { p += $3 }
     /^# fail [0-9]+$/ { f += $3 }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
exit $status
