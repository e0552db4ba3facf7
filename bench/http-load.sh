#!/usr/bin/env bash
# The HTTP load bench of issue 9, in one run: wrk on 127.0.0.1 against Release builds of
#   - bench/hosts/EmbeddingHost: a minimal app embedding Latchkey (AddLatchkey + UseLatchkey + MapLatchkeyApi) with
#     constant endpoints GET /anon (anonymous), GET /auth (RequireAuthorization(), Latchkey's scheme) and GET /noop
#     (a scheme whose handler succeeds without reading the request: ASP.NET Core's own floor);
#   - bench/peers/IdentityPeer: ASP.NET Core Identity (MapIdentityApi bearer tokens on SQLite), GET /anon and /auth.
# Measured, each after a short warm-up, with wrk -t2 -c64 --latency for <seconds> (default 10):
#   1. SQLite, one embedding host with 1,000 seeded live sessions, alternating with the Identity peer: anonymous, no-op
#      floor (a third host whose default scheme is the no-op one, Bench__Floor=true), API key + X-App-Id, machine token; Identity anonymous and bearer. The API key again on a second host with
#      the credential cache off (Latchkey__CredentialCache__MaxEntries=0).
#   2. Logins with distinct users (200 signed up through the API, production Argon2id) round-robin from new app ids:
#      once one at a time (wrk -c1: the time of one login, which bounds the verify time from above) and once with 4
#      logins in flight per core.
#   3. A host seeded with 1,000,000 live and 1,000,000 expired sessions: /auth before the purge, during the purge of
#      the expired rows (the CLI's purge-expired, run from outside while wrk runs; wrk stops when it returns), after.
#   4. PostgreSQL (a throw-away cluster, tests/pg-cluster.sh): two embedding hosts on one database, two wrk -t1 -c32 at
#      once (one per host), summed, for /auth with the API key and for /anon.
# Prints the figures and the ratios issue 9's targets name, and rewrites the part of docs/benchmarks.md between
# <!-- http-load:begin --> and <!-- http-load:end --> with them, the machine, the date and the command.
# Note: wrk and the servers share this machine's cores: figures are for the pair, and only comparable within a run.
# Usage: bench/http-load.sh [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
warmup=3
threads=2
connections=64
users=200
password="correct horse battery staple"
command="bench/http-load.sh${1:+ $1}"
work=$(mktemp -d /tmp/latchkey-http-load.XXXXXX)
cluster=""
declare -A pid_of=()
cleanup() {
  local p
  for p in "${pid_of[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pid_of[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$cluster" ] && tests/pg-cluster.sh remove "$cluster" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

packages=()
command -v wrk >/dev/null 2>&1 || packages+=(wrk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing ${packages[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

echo "Building in Release"
for project in bench/hosts/EmbeddingHost bench/peers/IdentityPeer src/Latchkey.Cli; do
  dotnet build -c Release "$project" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
host_dll=bench/hosts/EmbeddingHost/bin/Release/net10.0/EmbeddingHost.dll
peer_dll=bench/peers/IdentityPeer/bin/Release/net10.0/IdentityPeer.dll
cli_dll=src/Latchkey.Cli/bin/Release/net10.0/latchkey.dll

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# launch NAME DLL [VAR=value...] [-- arguments...]: starts a host on a free port (its URL in url_of[NAME]).
declare -A url_of=() args_of=()
launch() {
  local name=$1 dll=$2 port vars=()
  args_of[$name]=$(printf '%q ' "$@")
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  port=$(free_port)
  url_of[$name]="http://127.0.0.1:$port"
  # Note: the sweeper would otherwise purge expired rows on its own 5-minute schedule, in the middle of some other run;
  # the one purge measured is started explicitly. One client address sends everything here, so the per-address
  # limits on credential requests are lifted.
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="${url_of[$name]}" \
    Latchkey__Sessions__CleanupInterval=1.00:00:00 \
    Latchkey__Network__CredentialRequestsPerMinute=100000000 Latchkey__Network__FailureBurst=100000 \
    "${vars[@]}" dotnet "$dll" "$@" >"$work/$name.log" 2>&1 &
  pid_of[$name]=$!
}

# ready NAME: waits (seeding a million rows takes a while) until the host answers GET /anon.
ready() {
  local name=$1 retries=3
  for _ in $(seq 1200); do
    curl -sf -o /dev/null "${url_of[$name]}/anon" && return
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
      # Note: the port was free when picked, but others on this machine pick ports too; start again, afresh, on another.
      grep -q 'address already in use' "$work/$name.log" && [ $((retries -= 1)) -gt 0 ] || break
      rm -f "$work/$name.db" "$work/$name.db-wal" "$work/$name.db-shm"
      eval "launch ${args_of[$name]}"
    fi
    sleep 0.5
  done
  echo "$name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

stop() {
  local name
  for name in "$@"; do
    kill "${pid_of[$name]}" 2>/dev/null || true
    wait "${pid_of[$name]}" 2>/dev/null || true
    unset "pid_of[$name]"
  done
}

post() { # post URL JSON [curl arguments...]: prints the body; fails on a non-2xx answer
  local url=$1 json=$2
  shift 2
  curl -sf -X POST "$url" -H 'Content-Type: application/json' -d "$json" "$@"
}
field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/"; }

# login_key NAME LOGIN: signs the login up (a tenant of its own) and logs it in from one app id; prints the API key.
login_key() {
  local base=${url_of[$1]}
  post "$base/v1/signup" "{\"tenant\":\"Bench $2\",\"login\":\"$2\",\"password\":\"$password\"}" >/dev/null
  post "$base/v1/login" "{\"login\":\"$2\",\"password\":\"$password\",\"appId\":\"bench-app\",\"appName\":\"wrk\"}" | field apiKey
}

expect_ok() { # expect_ok URL [curl arguments...]: nothing is measured on a path that does not answer 200
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' "$@")
  [ "$status" = 200 ] || { echo "GET $1 answered $status, not 200; nothing to measure." >&2; exit 1; }
}

# record NAME TITLE FILE...: one wrk output (or two run side by side: req/s summed, the larger p50 and p99) to results.
record() {
  local name=$1 title=$2
  shift 2
  awk -v name="$name" -v title="$title" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v * 60000 }
    /^ +50%/ { v = ms($2); if (v > p50) p50 = v }
    /^ +99%/ { v = ms($2); if (v > p99) p99 = v }
    /^Requests\/sec:/ { rps += $2 }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%s\t%s\t%.0f\t%.2f\t%.2f\t%d\n", name, title, rps, p50, p99, bad }' "$@" >>"$work/results"
  tail -1 "$work/results" | awk -F'\t' '{ printf "  %-52s %9s req/s   p50 %7.2f ms   p99 %7.2f ms%s\n", $2, $3, $4, $5, ($6 > 0 ? "   (" $6 " non-2xx or errors!)" : "") }'
}

# measure NAME TITLE URL [wrk arguments...]: a warm-up, then the measured run.
measure() {
  local name=$1 title=$2 url=$3
  shift 3
  wrk -t"$threads" -c"$connections" -d"${warmup}s" "$@" "$url" >/dev/null
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 5s --latency "$@" "$url" >"$work/$name.txt"
  record "$name" "$title" "$work/$name.txt"
}

# measure_pair NAME TITLE URL1 URL2 [wrk arguments...]: one wrk -t1 -c32 per URL, at the same time.
measure_pair() {
  local name=$1 title=$2 first=$3 second=$4 a b
  shift 4
  wrk -t1 -c$((connections / 2)) -d"${warmup}s" "$@" "$first" >/dev/null & a=$!
  wrk -t1 -c$((connections / 2)) -d"${warmup}s" "$@" "$second" >/dev/null & b=$!
  wait "$a" "$b"
  wrk -t1 -c$((connections / 2)) -d"${seconds}s" --timeout 5s --latency "$@" "$first" >"$work/$name.1.txt" & a=$!
  wrk -t1 -c$((connections / 2)) -d"${seconds}s" --timeout 5s --latency "$@" "$second" >"$work/$name.2.txt" & b=$!
  wait "$a" "$b"
  record "$name" "$title" "$work/$name.1.txt" "$work/$name.2.txt"
  echo "    (per host: $(awk '/^Requests\/sec:/ { printf "%.0f ", $2 }' "$work/$name.1.txt" "$work/$name.2.txt")req/s)"
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
started=$(date -u +%Y-%m-%dT%H:%MZ)
load_at_start=$(load_average)
: >"$work/results"
: >"$work/notes"

echo "== 1. SQLite: the embedding host (1,000 seeded live sessions) and the Identity peer, alternating"
launch lk "$host_dll" ConnectionStrings__Latchkey="Data Source=$work/lk.db" -- --seed-sessions 1000
launch uncached "$host_dll" ConnectionStrings__Latchkey="Data Source=$work/uncached.db" Latchkey__CredentialCache__MaxEntries=0
launch floor "$host_dll" ConnectionStrings__Latchkey="Data Source=$work/floor.db" Bench__Floor=true
launch peer "$peer_dll" ConnectionStrings__Peer="Data Source=$work/peer.db"
ready lk; ready uncached; ready peer
key=$(login_key lk owner@bench.invalid)
auth_key=(-H "Authorization: Bearer $key" -H "X-App-Id: bench-app")
token=$(post "${url_of[lk]}/v1/machine-users" '{"name":"bench","scopes":[]}' "${auth_key[@]}" | field token)
uncached_key=$(login_key uncached owner@bench.invalid)
post "${url_of[peer]}/register" '{"email":"bench@example.com","password":"Bench-passw0rd!"}' >/dev/null
bearer=$(post "${url_of[peer]}/login" '{"email":"bench@example.com","password":"Bench-passw0rd!"}' | field accessToken)
expect_ok "${url_of[lk]}/auth" "${auth_key[@]}"
expect_ok "${url_of[lk]}/auth" -H "Authorization: Bearer $token"
expect_ok "${url_of[floor]}/noop"
expect_ok "${url_of[uncached]}/auth" -H "Authorization: Bearer $uncached_key" -H "X-App-Id: bench-app"
expect_ok "${url_of[peer]}/auth" -H "Authorization: Bearer $bearer"

# Note: a first pass over every endpoint, so that no measurement is the one that pays for the JIT's tiering.
for url in "${url_of[lk]}/anon" "${url_of[floor]}/noop" "${url_of[peer]}/anon"; do wrk -t"$threads" -c"$connections" -d3s "$url" >/dev/null; done
wrk -t"$threads" -c"$connections" -d3s "${auth_key[@]}" "${url_of[lk]}/auth" >/dev/null
wrk -t"$threads" -c"$connections" -d3s -H "Authorization: Bearer $token" "${url_of[lk]}/auth" >/dev/null
wrk -t"$threads" -c"$connections" -d3s -H "Authorization: Bearer $bearer" "${url_of[peer]}/auth" >/dev/null
measure lk_anon "Latchkey host, GET /anon (anonymous)" "${url_of[lk]}/anon"
measure id_anon "Identity peer, GET /anon (anonymous)" "${url_of[peer]}/anon"
measure lk_noop "floor host (no-op default scheme), GET /noop" "${url_of[floor]}/noop"
measure lk_key "Latchkey host, GET /auth, API key + X-App-Id" "${url_of[lk]}/auth" "${auth_key[@]}"
measure id_bearer "Identity peer, GET /auth, bearer token" "${url_of[peer]}/auth" -H "Authorization: Bearer $bearer"
measure lk_machine "Latchkey host, GET /auth, machine token" "${url_of[lk]}/auth" -H "Authorization: Bearer $token"
measure lk_uncached "Latchkey host, cache off, GET /auth, API key" "${url_of[uncached]}/auth" \
  -H "Authorization: Bearer $uncached_key" -H "X-App-Id: bench-app"
stop uncached peer

echo "== 2. Logins with distinct users (production Argon2id), on the same host"
seq 0 $((users - 1)) | xargs -P "$(nproc)" -I{} curl -sf -o /dev/null -X POST "${url_of[lk]}/v1/signup" \
  -H 'Content-Type: application/json' -d "{\"tenant\":\"Bench {}\",\"login\":\"user{}@bench.invalid\",\"password\":\"$password\"}"
lua=bench/http-load-login.lua
wrk -t1 -c1 -d"${seconds}s" --timeout 10s --latency -s "$lua" "${url_of[lk]}/v1/login" -- "$users" "$password" 1 one >"$work/login_one.txt"
one_login_ms=$(awk '/^ +Latency +[0-9]/ { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else v = v * 1000; print v }' "$work/login_one.txt")
grep -q 'refused 503: 0, other: 0' "$work/login_one.txt" || { echo "Single logins did not all succeed:" >&2; cat "$work/login_one.txt" >&2; exit 1; }
echo "  one login at a time: ${one_login_ms} ms each (mean of $(awk '/requests in/ { print $1 }' "$work/login_one.txt"))"
echo 5 >"/proc/${pid_of[lk]}/clear_refs" 2>/dev/null || true # Note: resets VmHWM, so the peak below is the burst's
# Note: 4 logins in flight per core keep every hashing slot busy with a short queue; at 64 connections each login
# would wait about a second in the queue, and a run of a few seconds would spend much of itself filling it.
login_connections=$((4 * $(nproc)))
wrk -t"$threads" -c"$login_connections" -d"${seconds}s" --timeout 10s --latency -s "$lua" "${url_of[lk]}/v1/login" \
  -- "$users" "$password" "$threads" many >"$work/login_many.txt"
peak_mib=$(awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/${pid_of[lk]}/status")
login_rate=$(sed -nE 's/^Logins created: [0-9]+ \(([0-9.]+)\/s\).*/\1/p' "$work/login_many.txt")
record logins "Latchkey host, POST /v1/login, distinct users, -c$login_connections (logins/s)" "$work/login_many.txt"
# Note: wrk counts every answer; a login's figure is the logins that created a session (201).
awk -F'\t' -v rate="$login_rate" 'BEGIN { OFS = "\t" } $1 == "logins" { $3 = sprintf("%.0f", rate) } { print }' \
  "$work/results" >"$work/results.new" && mv "$work/results.new" "$work/results"
sed -n 's/^Logins created/  logins created/p' "$work/login_many.txt"
echo "  peak RSS during the logins: $peak_mib MiB"
echo "one_login_ms $one_login_ms" >>"$work/notes"
echo "login_peak_mib $peak_mib" >>"$work/notes"
stop lk

echo "== 3. SQLite, 1,000,000 live + 1,000,000 expired sessions seeded (this takes a minute)"
launch big "$host_dll" ConnectionStrings__Latchkey="Data Source=$work/big.db" -- --seed-sessions 1000000 --seed-expired 1000000
ready big
big_key=$(login_key big owner@bench.invalid)
big_auth=(-H "Authorization: Bearer $big_key" -H "X-App-Id: bench-app")
expect_ok "${url_of[big]}/auth" "${big_auth[@]}"
wrk -t"$threads" -c"$connections" -d3s "${url_of[big]}/anon" >/dev/null
measure purge_before "1M live + 1M expired, GET /auth, API key" "${url_of[big]}/auth" "${big_auth[@]}"
# Note: wrk runs until the purge returns, then stops on SIGINT and prints what it measured over exactly that span.
wrk -t"$threads" -c"$connections" -d3600s --timeout 5s --latency "${big_auth[@]}" "${url_of[big]}/auth" >"$work/purge.txt" &
purge_wrk=$!
sleep 1
purge_start=$(date +%s.%N)
dotnet "$cli_dll" purge-expired --connection "Data Source=$work/big.db" >"$work/purge.log"
purge_seconds=$(echo "$(date +%s.%N) - $purge_start" | bc)
kill -INT "$purge_wrk"
wait "$purge_wrk" || true
record purge "during the purge of 1M expired rows, GET /auth" "$work/purge.txt"
printf '  purge: %s (CLI purge-expired, %.1f s)\n' "$(cat "$work/purge.log")" "$purge_seconds"
echo "purge_seconds $purge_seconds" >>"$work/notes"
measure lk_1m "1M live sessions (after the purge), GET /auth, API key" "${url_of[big]}/auth" "${big_auth[@]}"
stop big

echo "== 4. PostgreSQL: two embedding hosts on one database"
cluster=$(mktemp -d /tmp/latchkey-http-load-pg.XXXXXX)
admin=$(tests/pg-cluster.sh create "$cluster")
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPASSWORD=$(sed 's/.*Password=\([^;]*\).*/\1/' <<<"$admin") "$pg_bin/psql" -q -h 127.0.0.1 \
  -p "$(sed 's/.*Port=\([0-9]*\).*/\1/' <<<"$admin")" -U postgres -d postgres -c "CREATE DATABASE latchkey"
pg=(Latchkey__Storage__Provider=postgres ConnectionStrings__Latchkey="${admin/Database=postgres/Database=latchkey}")
launch pg1 "$host_dll" "${pg[@]}"
ready pg1 # Note: the first one migrates; the second finds nothing left to do
launch pg2 "$host_dll" "${pg[@]}"
ready pg2
pg_key=$(login_key pg1 owner@bench.invalid)
pg_auth=(-H "Authorization: Bearer $pg_key" -H "X-App-Id: bench-app")
expect_ok "${url_of[pg1]}/auth" "${pg_auth[@]}"
expect_ok "${url_of[pg2]}/auth" "${pg_auth[@]}"
measure_pair pg_anon "2 hosts on PostgreSQL, GET /anon, summed" "${url_of[pg1]}/anon" "${url_of[pg2]}/anon"
measure_pair pg_key "2 hosts on PostgreSQL, GET /auth, API key, summed" "${url_of[pg1]}/auth" "${url_of[pg2]}/auth" "${pg_auth[@]}"
stop pg1 pg2

# The report: the figures, then the ratios of issue 9's targets, as Markdown for the terminal and the docs alike.
cores=$(nproc)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
sdk=$(dotnet --version)
awk -F'\t' -v cores="$cores" -v one_ms="$one_login_ms" -v peak="$peak_mib" -v purge_s="$purge_seconds" '
  { rps[$1] = $3; p50[$1] = $4; p99[$1] = $5; bad[$1] = $6; order[++n] = $1; title[$1] = $2 }
  function ratio(label, target, value, met) {
    printf "| %s | %s | %.2f | %s |\n", label, target, value, met ? "met" : "**not met**"
  }
  END {
    print "| measurement | req/s | p50 | p99 | non-2xx or errors |"
    print "|---|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) { k = order[i]; printf "| %s | %s | %.2f ms | %.2f ms | %d |\n", title[k], rps[k], p50[k], p99[k], bad[k] }
    print ""
    bound = cores / (one_ms / 1000)
    print "| target (issue 9) | wanted | measured | |"
    print "|---|---:|---:|---|"
    ratio("API key / Identity bearer (req/s)", "≥ 1.3", rps["lk_key"] / rps["id_bearer"], rps["lk_key"] >= 1.3 * rps["id_bearer"])
    ratio("machine token / Identity bearer (req/s)", "≥ 1.3", rps["lk_machine"] / rps["id_bearer"], rps["lk_machine"] >= 1.3 * rps["id_bearer"])
    ratio("cached API key / no-op floor (req/s)", "≥ 0.97", rps["lk_key"] / rps["lk_noop"], rps["lk_key"] >= 0.97 * rps["lk_noop"])
    ratio("cached machine token / no-op floor (req/s)", "≥ 0.97", rps["lk_machine"] / rps["lk_noop"], rps["lk_machine"] >= 0.97 * rps["lk_noop"])
    ratio("cached API key / anonymous (req/s)", "≥ 0.87", rps["lk_key"] / rps["lk_anon"], rps["lk_key"] >= 0.87 * rps["lk_anon"])
    ratio("uncached on SQLite / anonymous (req/s)", "≥ 0.7", rps["lk_uncached"] / rps["lk_anon"], rps["lk_uncached"] >= 0.7 * rps["lk_anon"])
    ratio("2 instances on PostgreSQL: API key / anonymous (req/s)", "≥ 0.85", rps["pg_key"] / rps["pg_anon"], rps["pg_key"] >= 0.85 * rps["pg_anon"])
    ratio("p99 with 1M live sessions / with 1k", "≤ 1.2", p99["lk_1m"] / p99["lk_key"], p99["lk_1m"] <= 1.2 * p99["lk_key"])
    ratio("p99 during the purge / before it", "≤ 2", p99["purge"] / p99["purge_before"], p99["purge"] <= 2 * p99["purge_before"])
    ratio(sprintf("logins/s / (%d cores / %.1f ms per login)", cores, one_ms), "≥ 0.9", rps["logins"] / bound, rps["logins"] >= 0.9 * bound)
    print ""
    printf "Logins: %s/s created with distinct users against a bound of %.0f/s (%d cores / %.1f ms, the mean time of one login made one at a time, Argon2id at the defaults plus the request); peak RSS during them %s MiB. ", rps["logins"], bound, cores, one_ms, peak
    printf "The purge (`latchkey purge-expired` from outside, on the same SQLite file) deleted 1,000,000 expired rows in %.1f s, which is the span of its wrk run.\n", purge_s
  }' "$work/results" >"$work/report.md"

{
  echo "Measured $started (load average at the start: $load_at_start) by \`$command\`, $seconds s per measurement after a $warmup s warm-up,"
  echo "wrk -t$threads -c$connections --latency on 127.0.0.1 (PostgreSQL: two wrk -t1 -c$((connections / 2)), one per host)."
  echo
  echo "| machine | |"
  echo "|---|---|"
  echo "| CPU | $cpu, $cores cores (\`nproc\`) |"
  echo "| OS | $os |"
  echo "| .NET | SDK $sdk (\`dotnet --version\`) |"
  echo
  cat "$work/report.md"
} >"$work/section.md"

echo
echo "== Results"
cat "$work/section.md"
if grep -q '<!-- http-load:begin -->' docs/benchmarks.md; then
  awk -v section="$work/section.md" '
    /<!-- http-load:begin -->/ { print; while ((getline line < section) > 0) print line; skipping = 1; next }
    /<!-- http-load:end -->/ { skipping = 0 }
    !skipping' docs/benchmarks.md >"$work/benchmarks.md"
  cp "$work/benchmarks.md" docs/benchmarks.md
  echo "(written to docs/benchmarks.md)"
fi
