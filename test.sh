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

logs=$(mktemp -d)
cluster=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
lanes=()
cleanup() {
  # Note: an interrupted run stops its lanes' test runs too (by parent id), then the lanes.
  for lane in "${lanes[@]}"; do pkill -TERM -P "$lane" 2>/dev/null || true; kill "$lane" 2>/dev/null || true; done
  wait 2>/dev/null || true
  tests/pg-cluster.sh remove "$cluster" >/dev/null 2>&1 || true
  rm -rf "$logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LATCHKEY_TEST_POSTGRES=$(tests/pg-cluster.sh create "$cluster")
export LATCHKEY_TEST_POSTGRES
echo "PostgreSQL test cluster in $cluster"

# One test project, already built; its output goes to the lane's log, and a line with its wall time follows it.
run() {
  local log=$1 name=$2 project=$3 started rc=0
  shift 3
  started=$(date +%s)
  env "$@" dotnet test "$project" --no-build --nologo >>"$log" 2>&1 || rc=$?
  echo "$name: $(( $(date +%s) - started )) s" | tee -a "$log"
  return $rc
}

# Note: built once (the projects share most of their dependencies), then the test projects run in two lanes side by
# side, each project after the other within its lane. Most of a project's time is spent waiting (on fsync, on
# PostgreSQL, on server processes and Chromium), so two lanes keep both cores busy; more lanes than that made the
# browser and multi-process tests compete with every assembly for the CPU. The lanes are balanced by measured time,
# and the heaviest load generators (the multi-instance tests) never run beside the browser tests.
started=$(date +%s)
status=0
dotnet build Latchkey.slnx --nologo -v q 2>&1 | tee "$logs/build" || status=$?
echo "build: $(( $(date +%s) - started )) s"
if [ $status -eq 0 ]; then
  (
    rc=0
    run "$logs/a" "Latchkey.Web.Tests" tests/Latchkey.Web.Tests || rc=1
    run "$logs/a" "Latchkey.AspNetCore.Tests on SQLite" tests/Latchkey.AspNetCore.Tests || rc=1
    run "$logs/a" "Latchkey.Server.Tests" tests/Latchkey.Server.Tests || rc=1
    exit $rc
  ) & lanes+=($!)
  (
    rc=0
    run "$logs/b" "Latchkey.AspNetCore.Tests on PostgreSQL" tests/Latchkey.AspNetCore.Tests LATCHKEY_TEST_PROVIDER=postgres || rc=1
    # Note: every other test project of the solution, a new one included.
    for project in $(grep -o 'Path="tests/[^"]*\.csproj"' Latchkey.slnx | sed 's/^Path="//; s/"$//' |
        grep -v -e Latchkey.Web.Tests -e Latchkey.AspNetCore.Tests -e Latchkey.Server.Tests); do
      run "$logs/b" "$(basename "$project" .csproj)" "$project" || rc=1
    done
    # The Node.js resource server (samples/node-resource-server): its own dependencies from its lockfile (npm ci,
    # nothing global), then its test, which starts the Latchkey.Server and latchkey tool built above and Express.
    echo "Node.js resource server sample" >> "$logs/b"
    (cd samples/node-resource-server && npm ci --no-audit --no-fund && npm test) >> "$logs/b" 2>&1 || rc=1
    exit $rc
  ) & lanes+=($!)
  for lane in "${lanes[@]}"; do wait "$lane" || status=1; done
  lanes=()
  # Note: each lane's output in one piece, so a failure reads as its project printed it.
  cat "$logs/a" "$logs/b" 2>/dev/null || true
fi
echo "total: $(( $(date +%s) - started )) s"

# Note: dotnet test prints one summary per test project, node --test "# pass N" / "# fail N"; add them up into the
# plain closing line CI reads.
cat "$logs"/* | awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
     }
     /^# pass [0-9]+$/ { p += $3 }
     /^# fail [0-9]+$/ { f += $3 }
     END { printf "%d passed, %d failed\n", p, f }'
exit $status
