#!/usr/bin/env bash
# Issue 21's login figures, side by side in one run, on Release builds at default settings (SQLite files in a temporary
# directory, 127.0.0.1; the per-address limits of Latchkey lifted, as all load comes from one client):
#   1. <connections> (default 16) parallel correct logins to ONE account, for <seconds> (default 10) after a 3 s
#      warm-up: src/Latchkey.Server (POST /v1/login, Argon2id m=19456 KiB t=2 p=1, each login from a new app id) and
#      bench/peers/IdentityPeer (ASP.NET Core Identity's POST /login, PBKDF2), alternating, <rounds> (default 2) times
#      each. Target: Latchkey's p99 ≤ 1.2 × Identity's (the median of each side's rounds is compared).
#   2. Logins with distinct users (200 signed up), one at a time (wrk -c1: the time of one login) and with 4 in flight
#      per core. Target: logins/s ≥ 0.9 × (cores ÷ one Argon2id verification), the verification timed by the server's
#      hashing gate (latchkey.hashing.duration) in the one-at-a-time run; the whole login's time is given beside it.
# Prints a Markdown section. Note: wrk and the servers share the cores: figures are only comparable within a run.
# Usage: bench/login-one-account.sh [seconds=10] [connections=16] [rounds=2]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-16}
rounds=${3:-2}
users=200
password="correct horse battery staple"
peer_password="Bench-passw0rd!"
work=$(mktemp -d /tmp/latchkey-login-one.XXXXXX)
declare -A pid_of=() url_of=()
cleanup() {
  local p
  for p in "${pid_of[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pid_of[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
command -v wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

echo "Building src/Latchkey.Server and bench/peers/IdentityPeer in Release" >&2
for project in src/Latchkey.Server bench/peers/IdentityPeer; do
  dotnet build -c Release "$project" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
start() { # start NAME PROBE_PATH DLL [VAR=value...]
  local name=$1 probe=$2 dll=$3
  shift 3
  url_of[$name]="http://127.0.0.1:$(free_port)"
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="${url_of[$name]}" Logging__LogLevel__Default=Warning "$@" \
    dotnet "$dll" >"$work/$name.log" 2>&1 &
  pid_of[$name]=$!
  for _ in $(seq 240); do curl -sf -o /dev/null "${url_of[$name]}$probe" && return; sleep 0.5; done
  echo "$name did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}
start lk /healthz/live src/Latchkey.Server/bin/Release/net10.0/Latchkey.Server.dll \
  ConnectionStrings__Latchkey="Data Source=$work/latchkey.db" \
  Latchkey__Network__CredentialRequestsPerMinute=100000000 Latchkey__Network__FailureBurst=100000 Latchkey__Metrics__Prometheus=true
start peer /anon bench/peers/IdentityPeer/bin/Release/net10.0/IdentityPeer.dll ConnectionStrings__Peer="Data Source=$work/peer.db"

curl -sf -o /dev/null "${url_of[lk]}/v1/signup" -H 'Content-Type: application/json' \
  -d "{\"tenant\":\"Bench\",\"login\":\"owner@bench.invalid\",\"password\":\"$password\"}"
curl -sf -o /dev/null "${url_of[peer]}/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"owner@bench.invalid\",\"password\":\"$peer_password\"}"

: >"$work/results"
# measure NAME TITLE URL latchkey|identity LOGIN PASSWORD: a warm-up, the measured run, one line of results.
measure() {
  local name=$1 title=$2 url=$3
  shift 3
  wrk -t2 -c"$connections" -d3s --timeout 10s -s bench/login-one-account.lua "$url" -- "$@" >/dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s bench/login-one-account.lua "$url" -- "$@" >"$work/$name.txt"
  awk -v name="$name" -v title="$title" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v * 60000 }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
    /^Logins:/ { sub(/^Logins: /, ""); statuses = $0 }
    END { printf "%s\t%s\t%.1f\t%.0f\t%.0f\t%s\n", name, title, rps, p50, p99, statuses }' "$work/$name.txt" >>"$work/results"
  tail -1 "$work/results" | awk -F'\t' '{ printf "  %-46s %6s/s  p50 %5d ms  p99 %5d ms  (%s)\n", $2, $3, $4, $5, $6 }' >&2
}

echo "== $connections parallel correct logins to one account, $rounds rounds" >&2
for round in $(seq "$rounds"); do
  measure "lk$round" "Latchkey, round $round" "${url_of[lk]}/v1/login" latchkey owner@bench.invalid "$password"
  measure "id$round" "Identity, round $round" "${url_of[peer]}/login" identity owner@bench.invalid "$peer_password"
done
kill "${pid_of[peer]}"; wait "${pid_of[peer]}" 2>/dev/null || true; unset "pid_of[peer]"

echo "== logins with distinct users" >&2
seq 0 $((users - 1)) | xargs -P 2 -I{} curl -sf -o /dev/null -X POST "${url_of[lk]}/v1/signup" \
  -H 'Content-Type: application/json' -d "{\"tenant\":\"Bench {}\",\"login\":\"user{}@bench.invalid\",\"password\":\"$password\"}"
# hashing: the server's latchkey.hashing.duration histogram, "sum count" (seconds, slots given back) so far.
hashing() {
  curl -s "${url_of[lk]}/metrics" | awk '$1 ~ /^latchkey_hashing_duration_seconds_sum/ { s += $NF } $1 ~ /^latchkey_hashing_duration_seconds_count/ { n += $NF } END { print s + 0, n + 0 }'
}
# mean_ms BEFORE AFTER: the mean hashing time between two readings, in ms.
mean_ms() { echo "$1 $2" | awk '{ printf "%.1f", ($4 > $2) ? ($3 - $1) / ($4 - $2) * 1000 : 0 }'; }
before=$(hashing)
wrk -t1 -c1 -d"${seconds}s" --timeout 10s --latency -s bench/http-load-login.lua "${url_of[lk]}/v1/login" -- "$users" "$password" 1 one >"$work/one.txt"
after=$(hashing)
one_ms=$(awk '/^ +Latency +[0-9]/ { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else v = v * 1000; print v }' "$work/one.txt")
# Note: issue 21's bound is cores ÷ one Argon2id verification, timed by the server's hashing gate while one login at a
# time runs (nothing else competes for the core); the whole login's time is kept beside it.
verify_ms=$(mean_ms "$before" "$after")
distinct=$((4 * $(nproc)))
before=$(hashing)
wrk -t2 -c"$distinct" -d"${seconds}s" --timeout 10s --latency -s bench/http-load-login.lua "${url_of[lk]}/v1/login" \
  -- "$users" "$password" 2 many >"$work/many.txt"
after=$(hashing)
loaded_ms=$(mean_ms "$before" "$after")
rate=$(sed -nE 's/^Logins created: [0-9]+ \(([0-9.]+)\/s\).*/\1/p' "$work/many.txt")

cores=$(nproc)
{
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) (load average $(cut -d' ' -f1-3 /proc/loadavg)) by \`bench/login-one-account.sh $seconds $connections $rounds\`,"
  echo "$cores cores, wrk -t2 -c$connections for $seconds s after a 3 s warm-up; Latchkey and Identity alternate."
  echo
  echo "| $connections parallel correct logins to one account | logins/s | p50 | p99 | answers |"
  echo "|---|---:|---:|---:|---|"
  awk -F'\t' '{ printf "| %s | %s | %d ms | %d ms | %s |\n", $2, $3, $4, $5, $6 }' "$work/results"
  echo
  awk -F'\t' -v cores="$cores" -v one="$one_ms" -v verify="$verify_ms" -v loaded="$loaded_ms" -v rate="$rate" -v distinct="$distinct" '
    function median(list, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (list[j] < list[i]) { t = list[i]; list[i] = list[j]; list[j] = t }
      return n % 2 ? list[(n + 1) / 2] : (list[n / 2] + list[n / 2 + 1]) / 2 }
    $1 ~ /^lk/ { lk[++l] = $5 } $1 ~ /^id/ { id[++d] = $5 }
    END {
      a = median(lk, l); b = median(id, d); bound = cores / (one / 1000)
      print "| target (issue 21) | wanted | measured | |"
      print "|---|---:|---:|---|"
      printf "| p99 of one account'"'"'s parallel logins, Latchkey / Identity (medians: %d ms / %d ms) | ≤ 1.2 | %.2f | %s |\n", a, b, a / b, (a <= 1.2 * b ? "met" : "**not met**")
      hashes = cores / (verify / 1000)
      printf "| distinct logins/s (-c%d) / (%d cores ÷ %.1f ms, one Argon2id verification alone) | ≥ 0.9 | %.2f (%s/s of %.0f/s) | %s |\n", distinct, cores, verify, rate / hashes, rate, hashes, (rate >= 0.9 * hashes ? "met" : "**not met**")
      printf "| (beside it) distinct logins/s / (%d cores ÷ %.1f ms, one whole login at a time) | | %.2f (%.0f/s) | |\n", cores, one, rate / bound, bound
      printf "| (beside it) one verification with %d logins in flight | | %.1f ms (%.2f × alone) | |\n", distinct, loaded, loaded / verify

    }' "$work/results"
} >"$work/section.md"
echo
cat "$work/section.md"
