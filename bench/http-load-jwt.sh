#!/usr/bin/env bash
# The HTTP load bench of issue 19's JWT verification target: a .NET resource server that verifies Latchkey's JWTs
# locally with AddLatchkeyJwtBearer(authority) (bench/hosts/JwtResourceHost: no database, keys from the authority's
# JWKS) against the same server whose endpoint sits behind a no-op scheme instead (Bench:Floor: ASP.NET Core's own
# authentication and authorization middleware around a handler that reads nothing). Release builds; the authority is
# bench/hosts/EmbeddingHost on SQLite, which issues the JWT (POST /v1/token) and serves the JWKS, and takes no part in
# the measured requests. wrk -t2 -c<connections> --latency for <seconds> (default 10) after a 3 s warm-up each:
#   1. the floor: GET /resource on the resource server started with Bench:Floor=true;
#   2. GET /resource with Authorization: Bearer <JWT> on the same server started without it.
# Prints both rates and their ratio (issue 19's target: JWT verification ≥ 0.9 × the no-op floor).
# Note: wrk and the server share this machine's cores: figures are for the pair, and only comparable within a run.
# Usage: bench/http-load-jwt.sh [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
password="correct horse battery staple"
work=$(mktemp -d /tmp/latchkey-http-jwt.XXXXXX)
pids=()
stop() { for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
cleanup() {
  stop "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
echo "Building bench/hosts/EmbeddingHost and bench/hosts/JwtResourceHost in Release"
for host in EmbeddingHost JwtResourceHost; do
  dotnet build -c Release "bench/hosts/$host" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done

wait_for() { for _ in $(seq 240); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; cat "$2" >&2; exit 1; }

# The authority: Latchkey, whose Latchkey:PublicBaseUrl is the issuer and the resource server's authority.
port=$((20000 + RANDOM % 15000))
authority="http://127.0.0.1:$port"
env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$authority" Latchkey__PublicBaseUrl="$authority" \
  ConnectionStrings__Latchkey="Data Source=$work/latchkey.db" \
  Latchkey__Network__CredentialRequestsPerMinute=100000000 Latchkey__Network__FailureBurst=100000 \
  dotnet bench/hosts/EmbeddingHost/bin/Release/net10.0/EmbeddingHost.dll >"$work/authority.log" 2>&1 &
pids+=($!)
wait_for "$authority/anon" "$work/authority.log"

field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
post() { curl -sf "$1" -H 'Content-Type: application/json' -d "$2" "${@:3}"; }
post "$authority/v1/signup" "{\"tenant\":\"Bench\",\"login\":\"owner@bench.invalid\",\"password\":\"$password\"}" >/dev/null
key=$(post "$authority/v1/login" "{\"login\":\"owner@bench.invalid\",\"password\":\"$password\",\"appId\":\"bench-app\"}" | field apiKey)
# Note: a JWT lives Latchkey:Jwt:Lifetime (5 minutes): enough for both runs of up to two minutes each.
jwt=$(curl -sf -X POST "$authority/v1/token" -H "Authorization: Bearer $key" -H "X-App-Id: bench-app" | field access_token)

# One resource server at a time, on its own port, so the two runs do not share the cores with each other.
resource() {
  local floor=$1 out=$2 rport=$((35000 + RANDOM % 15000)) pid
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$rport" Bench__Authority="$authority" Bench__Floor="$floor" \
    dotnet bench/hosts/JwtResourceHost/bin/Release/net10.0/JwtResourceHost.dll >"$work/resource-$floor.log" 2>&1 &
  pid=$!
  pids+=($pid)
  wait_for "http://127.0.0.1:$rport/resource" "$work/resource-$floor.log"
  local url="http://127.0.0.1:$rport/resource"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $jwt" "$url")" = 200 ] || { echo "the resource server refused the JWT" >&2; cat "$work/resource-$floor.log" >&2; exit 1; }
  wrk -t2 -c"$connections" -d3s -H "Authorization: Bearer $jwt" "$url" >/dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $jwt" "$url" >"$out"
  stop "$pid"
}
resource true "$work/floor.out"
resource false "$work/jwt.out"

rate() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
latency() { echo "p50 $(awk '/ 50%/ { print $2 }' "$1"), p99 $(awk '/ 99%/ { print $2 }' "$1")"; }
errors() { grep -E 'Non-2xx|Socket errors' "$1" || true; }
floor=$(rate "$work/floor.out")
verified=$(rate "$work/jwt.out")
echo "no-op floor:                 $floor req/s ($(latency "$work/floor.out")) $(errors "$work/floor.out")"
echo "AddLatchkeyJwtBearer (JWT):  $verified req/s ($(latency "$work/jwt.out")) $(errors "$work/jwt.out")"
python3 -c "print(f'JWT verification / no-op floor = {float($verified) / float($floor):.2f} (target >= 0.9)')"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d), command: bench/http-load-jwt.sh $seconds $connections"
