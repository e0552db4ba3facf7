#!/usr/bin/env bash
# The HTTP load bench of issue 19: introspection against an authenticated GET /v1/me, in the same run, on a Release
# build of bench/hosts/EmbeddingHost (SQLite, credential cache on, the default configuration but the per-caller and
# per-address limits lifted: all load comes from one client). wrk -t2 -c<connections> --latency for <seconds>
# (default 10) after a 3 s warm-up each:
#   1. GET /v1/me with an API key and its X-App-Id;
#   2. POST /v1/introspect of that key (form: token, app_id), authenticated by a machine token with
#      latchkey:introspect: the caller's token and the introspected key are both answered from the cache.
# Prints both rates and their ratio (issue 19's target: introspection ≥ 0.8 × GET /v1/me).
# Note: wrk and the server share this machine's cores: figures are for the pair, and only comparable within a run.
# Usage: bench/http-load-verify.sh [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
source bench/embedding-host.sh
start_embedding_host http-verify Latchkey__Introspection__RequestsPerSecond=100000000
machine=$(post "$base/v1/machine-users" '{"name":"introspector","scopes":["latchkey:introspect"]}' \
  -H "Authorization: Bearer $key" -H "X-App-Id: bench-app" | field token)

rate() { awk '/^Requests\/sec:/ { print $2 }'; }
wrk -t2 -c"$connections" -d3s -H "Authorization: Bearer $key" -H "X-App-Id: bench-app" "$base/v1/me" >/dev/null
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $key" -H "X-App-Id: bench-app" "$base/v1/me" >"$work/me.out"
wrk -t2 -c"$connections" -d3s -s bench/http-load-verify.lua "$base/v1/introspect" -- "$machine" "$key" bench-app >/dev/null
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/http-load-verify.lua "$base/v1/introspect" -- "$machine" "$key" bench-app >"$work/introspect.out"

me=$(rate <"$work/me.out")
introspect=$(rate <"$work/introspect.out")
echo "GET /v1/me:          $me req/s (p50 $(awk '/ 50%/ { print $2 }' "$work/me.out"), p99 $(awk '/ 99%/ { print $2 }' "$work/me.out"))"
echo "POST /v1/introspect: $introspect req/s (p50 $(awk '/ 50%/ { print $2 }' "$work/introspect.out"), p99 $(awk '/ 99%/ { print $2 }' "$work/introspect.out")); $(grep 'not active' "$work/introspect.out")"
python3 -c "print(f'introspection / GET /v1/me = {float($introspect) / float($me):.2f} (target >= 0.8)')"
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%d), command: bench/http-load-verify.sh $seconds $connections"
