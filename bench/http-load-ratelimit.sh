#!/usr/bin/env bash
# What a per-credential rate limit costs a request (issue 21's target: throughput with the limit on ≥ 0.9 of without),
# on a Release build of bench/hosts/EmbeddingHost (SQLite, credential cache on, the per-address limits lifted: all
# load comes from one client). With one API key, wrk -t2 -c<connections> --latency for <seconds> (default 10) after a
# 3 s warm-up, alternating, <rounds> (default 2) times each:
#   GET /auth     RequireAuthorization()
#   GET /limited  the same, with RequireRateLimit(int.MaxValue per minute): every request counted, none refused, and
#                 the RateLimit and RateLimit-Policy headers on every answer
# Note: on SQLite the window is counted in memory; on PostgreSQL an instance leases blocks of a tenth of the limit per
# expected instance, so the database is asked at most about ten times per instance and window, whatever the rate.
# Note: wrk and the server share this machine's cores: figures are only comparable within a run.
# Usage: bench/http-load-ratelimit.sh [seconds=10] [connections=32] [rounds=2]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
rounds=${3:-2}
source bench/embedding-host.sh
start_embedding_host http-ratelimit
headers=(-H "Authorization: Bearer $key" -H "X-App-Id: bench-app")
curl -sf -D - -o /dev/null "${headers[@]}" "$base/limited" | grep -i '^ratelimit' >"$work/headers" || true
[ -s "$work/headers" ] || { echo "GET /limited answered without RateLimit headers" >&2; exit 1; }

rate() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p() { awk -v q="$2%" '$1 == q { print $2 }' "$1"; }
echo "| round | GET /auth req/s | p50 | p99 | GET /limited req/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
sum_auth=0; sum_limited=0
for round in $(seq "$rounds"); do
  for path in auth limited; do
    wrk -t2 -c"$connections" -d3s "${headers[@]}" "$base/$path" >/dev/null
    wrk -t2 -c"$connections" -d"${seconds}s" --latency "${headers[@]}" "$base/$path" >"$work/$path.out"
  done
  non2xx=$(cat "$work/auth.out" "$work/limited.out" | awk '/Non-2xx/ { n += $NF } END { print n + 0 }')
  echo "| $round | $(rate "$work/auth.out") | $(p "$work/auth.out" 50) | $(p "$work/auth.out" 99) | $(rate "$work/limited.out") | $(p "$work/limited.out" 50) | $(p "$work/limited.out" 99) | $non2xx |"
  sum_auth=$(python3 -c "print($sum_auth + $(rate "$work/auth.out"))")
  sum_limited=$(python3 -c "print($sum_limited + $(rate "$work/limited.out"))")
done
echo
python3 -c "print(f'limited / unlimited = {$sum_limited / $sum_auth:.2f} over {$rounds} rounds (target >= 0.9)')"
echo "headers on /limited: $(tr -d '\r' <"$work/headers" | paste -sd ';' -)"
echo "machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), command: bench/http-load-ratelimit.sh $seconds $connections $rounds"
