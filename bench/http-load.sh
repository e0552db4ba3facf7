#!/usr/bin/env bash
# Requests/s and latency percentiles of the authenticated request path over HTTP, measured with wrk on loopback.
# Builds and starts a Release server on 127.0.0.1 with a temporary SQLite file, signs up and logs in one user with
# curl, then runs wrk (2 threads, keep-alive) against GET /v1/me with that API key and its X-App-Id, and against
# GET /healthz (one storage query, no authentication). Each run is bounded (a 5 s warm-up, then the measured
# duration); the server is stopped and the files removed on exit. During each measured run dotnet-counters (a local
# tool, dotnet-tools.json) samples the server's allocation rate, from which the managed bytes per request follow.
# Note: wrk and the server share this machine's cores, so the figures are for the pair, not the server alone; the
# server's own CPU use during each run is printed so the split can be seen.
# Usage: bench/http-load.sh [seconds=20] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-32}
duration="${seconds}s"
threads=2
port=5098
base="http://127.0.0.1:$port"
work=$(mktemp -d)
pid=""
counters_pid=""
cleanup() {
  for p in $counters_pid $pid; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing wrk with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

if curl -s -o /dev/null "$base/"; then
  echo "Something already listens on 127.0.0.1:$port; stop it first." >&2
  exit 1
fi

dotnet tool restore >/dev/null
dotnet build -c Release src/Latchkey.Server -v q --nologo >/dev/null
export ASPNETCORE_URLS="$base"
export ConnectionStrings__Latchkey="Data Source=$work/latchkey.db"
# Note: one client address sends everything here, so the per-IP limit on sign-up and login is lifted.
export Latchkey__Network__CredentialRequestsPerMinute=1000000
dotnet src/Latchkey.Server/bin/Release/net10.0/Latchkey.Server.dll >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 150); do curl -sf -o /dev/null "$base/healthz" && break; sleep 0.2; done
if ! curl -sf -o /dev/null "$base/healthz"; then
  echo "The server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

password="correct horse battery staple"
app_id="wrk-load-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
curl -sf -o /dev/null -X POST "$base/v1/signup" -H 'Content-Type: application/json' \
  -d "{\"tenant\":\"Load\",\"login\":\"load@example.com\",\"password\":\"$password\"}"
key=$(curl -sf -X POST "$base/v1/login" -H 'Content-Type: application/json' \
  -d "{\"login\":\"load@example.com\",\"password\":\"$password\",\"appId\":\"$app_id\",\"appName\":\"wrk\"}" \
  | sed -E 's/.*"apiKey":"([^"]+)".*/\1/')
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/me" -H "Authorization: Bearer $key" -H "X-App-Id: $app_id")
if [ "$status" != 200 ]; then
  echo "GET /v1/me with the new key answered $status, not 200; nothing to measure." >&2
  exit 1
fi

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hms() { printf '%02d:%02d:%02d' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }

# run NAME URL [wrk header arguments...]
run() {
  local name=$1 url=$2
  shift 2
  wrk -t"$threads" -c"$connections" -d5s --timeout 2s "$@" "$url" >/dev/null
  local cpu0 start cpu1 end
  # Note: the collection spans the measured run with a margin; the idle server allocates a few KB/s, noise here.
  dotnet tool run dotnet-counters collect -p "$pid" --counters System.Runtime --format csv -o "$work/$name.csv" \
    --refresh-interval 1 --duration "$(hms $((seconds + 4)))" >/dev/null 2>&1 &
  counters_pid=$!
  sleep 2
  cpu0=$(cpu_ticks)
  start=$(date +%s.%N)
  wrk -t"$threads" -c"$connections" -d"$duration" --timeout 2s --latency "$@" "$url" | tee "$work/$name.txt"
  end=$(date +%s.%N)
  cpu1=$(cpu_ticks)
  wait "$counters_pid" || true
  counters_pid=""
  local allocated requests
  allocated=$(awk -F, '$3 ~ /^dotnet.gc.heap.total_allocated/ { sum += $5 } END { printf "%.0f", sum }' "$work/$name.csv" 2>/dev/null || echo 0)
  requests=$(awk '/requests in/ { print $1 }' "$work/$name.txt")
  if grep -q 'Non-2xx' "$work/$name.txt"; then
    echo "WARNING: $name had non-2xx answers; its figures do not measure the success path." >&2
  fi
  awk -v name="$name" -v n="$(nproc)" -v cores="$(printf '%.2f' "$(echo "scale=4; ($cpu1 - $cpu0) / $ticks / ($end - $start)" | bc)")" \
    -v per_request="$(( requests > 0 ? allocated / requests : 0 ))" '
    /^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 } /^Requests\/sec:/ { rps = $2 }
    END { printf "%-8s %s req/s, p50 %s, p90 %s, p99 %s; server: %s of %d cores, %.1f KB allocated per request\n",
          name, rps, p50, p90, p99, cores, n, per_request / 1024 }' \
    "$work/$name.txt" >>"$work/summary"
  echo
}

echo "wrk -t$threads -c$connections -d$duration --latency on 127.0.0.1; $(nproc) cores shared by wrk and the server"
echo "== GET /v1/me (API key + X-App-Id)"
run me "$base/v1/me" -H "Authorization: Bearer $key" -H "X-App-Id: $app_id"
echo "== GET /healthz"
run healthz "$base/healthz"
echo "== Summary ($(nproc) cores, wrk -t$threads -c$connections -d$duration, $(date -u +%Y-%m-%dT%H:%MZ))"
cat "$work/summary"
