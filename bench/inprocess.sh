#!/usr/bin/env bash
# The in-process benchmarks (BenchmarkDotNet, bench/Latchkey.Benchmarks) on SQLite and on a throw-away PostgreSQL
# cluster: starts the cluster (tests/pg-cluster.sh, as ./test.sh does), names it in LATCHKEY_BENCH_POSTGRES, runs
# every benchmark in Release, and removes the cluster on exit (also on failure or interrupt). Reports land in
# BenchmarkDotNet.Artifacts/; docs/benchmarks.md reads them.
#   bench/inprocess.sh                                       every benchmark (--filter '*')
#   bench/inprocess.sh --filter '*RequestAuthentication*'    BenchmarkDotNet's own arguments instead
set -euo pipefail
cd "$(dirname "$0")/.."

# Note: only the server binaries of Debian's postgresql package are used, not its system service.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing postgresql with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

cluster=$(mktemp -d /tmp/latchkey-bench-pg.XXXXXX)
trap 'tests/pg-cluster.sh remove "$cluster" >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM

LATCHKEY_BENCH_POSTGRES=$(tests/pg-cluster.sh create "$cluster")
export LATCHKEY_BENCH_POSTGRES
echo "PostgreSQL benchmark cluster in $cluster"

[ $# -gt 0 ] || set -- --filter '*'
dotnet run -c Release --project bench/Latchkey.Benchmarks -- "$@"
