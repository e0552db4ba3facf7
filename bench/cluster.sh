#!/usr/bin/env bash
# The load-balanced bench of issue 21: a throw-away PostgreSQL (tests/pg-cluster.sh), <instances> Release builds of
# bench/hosts/EmbeddingHost on it (Latchkey embedded as an API's owner would: AddLatchkey, UseLatchkey,
# MapLatchkeyApi, and GET /auth and GET /anon, which answer the same constant text, behind Latchkey and anonymous)
# and bench/hosts/Balancer (YARP, round-robin, health checks, retry of idempotent requests) in front, all on
# 127.0.0.1; wrk drives the balancer with GET /auth and one seeded credential per request.
# Note: not the server's GET /v1/me, which reads the person's e-mail address besides (PersonEmailCache, a minute per
# person and instance): with credentials spread over a million sessions that is a second, EF Core, read per miss, and
# the endpoint's work, not authentication's.
# Seeding is bulk: bench/cluster/seed.py generates tokens in Latchkey's exact format (digests as the server verifies
# them) and COPY loads them; the tokens go to a file that bench/cluster/credentials.lua picks from.
# Workloads, each <seconds> (default 10) after a 3 s warm-up, wrk -t<threads> -c<connections> --latency (one thread by
# default: wrk runs each thread's init, the token file's load, after starting the threads before it and starts its clock
# only after the last, so with two threads the first sent alone, unclocked, while the second loaded: at a million
# credentials wrk then reported about four times the rate the instances answered):
#   floor  anonymous through the balancer (GET /anon): the same requests through the same wrk script, the credential
#          in headers nothing reads (X-Bench-Credential), so wrk's Lua work per request, which takes a share of the
#          cores the servers run on, is the same on both sides of each ratio
#   (a')   the same Zipf draw as (a), over all credentials, folded onto the <hot> first (default 10,000: all of them in
#          every cache), so that wrk's work per request is the same on both sides of the ratio
#   (a)    Zipf s=1.1 over all credentials, default cache size (Latchkey:CredentialCache:MaxEntries)
#   (b)    uniform over all credentials (mostly misses)
#   (c)    (a) with a revocation every 100 ms (bench/cluster/revoke-check.py, on sessions wrk never uses): a request
#          accepted on any instance after its credential's revoke returned is counted
#   (d)    (a) with instance 2 killed (SIGKILL) at a third of the run and started again at two thirds: 5xx counted
# Per workload: req/s (wrk's, and the instances' own count of answered requests beside it), p50/p99, statuses, cache hit rate, credential reads from the database and cache misses per second (the
# instances' /metrics: latchkey_credential_cache_* counters, summed) and CPU per instance (/proc/PID/stat, in cores).
# Then: an instance's cache filled (directly, uniform over the first MaxEntries credentials) for its peak RSS (VmHWM)
# and bytes per cache entry (RSS growth / entries), and one SQLite instance: cache off against anonymous.
# Writes a Markdown section (to stdout, and to $LK_REPORT if set) to paste into docs/benchmarks.md.
# Note: wrk, YARP, PostgreSQL and the instances share this machine's cores: ratios are only comparable within a run.
#
# Usage: bench/cluster.sh [seconds=10]
# Environment: LK_SESSIONS (1000000), LK_MACHINES (10000), LK_INSTANCES (3), LK_HOT (10000), LK_CONNECTIONS (64),
#   LK_THREADS (1), LK_ROUNDS (3: rounds of each compared pair), LK_WARMUP_SECONDS (20, of each kind, first), LK_CACHE_ENTRIES (unset: the default), LK_FILL_SECONDS (120), LK_REPORT (a file for the section),
#   LK_KEEP (1: keep the work directory), LK_ONLY (a regular expression of the workloads to run, for a trial: floor,
#   hot, zipf, uniform, revoke, kill, sqlite_anon, sqlite_uncached), LK_FILL_SECONDS=0 skips the memory fill
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
sessions=${LK_SESSIONS:-1000000}
machines=${LK_MACHINES:-10000}
instances=${LK_INSTANCES:-3}
hot=${LK_HOT:-10000}
connections=${LK_CONNECTIONS:-64}
threads=${LK_THREADS:-1}
fill_seconds=${LK_FILL_SECONDS:-120}
rounds=${LK_ROUNDS:-3}
warmup_seconds=${LK_WARMUP_SECONDS:-20}
warmup=3
path=/auth
anonymous=/anon
victims=$(( (seconds * 10 + 50) ))
command="bench/cluster.sh${1:+ $1}"
work=$(mktemp -d /tmp/latchkey-cluster.XXXXXX)
# Note: a directory of its own: as root the cluster runs as postgres, which may not enter the work directory.
cluster=$(mktemp -d /tmp/latchkey-cluster-pg.XXXXXX)
declare -A pid_of=() url_of=()
cleanup() {
  local p
  for p in "${pid_of[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pid_of[@]}"; do wait "$p" 2>/dev/null || true; done
  tests/pg-cluster.sh remove "$cluster" >/dev/null 2>&1 || true
  if [ "${LK_KEEP:-0}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
command -v wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

log "Building src/Latchkey.Server (for its --migrate-only), bench/hosts/EmbeddingHost and bench/hosts/Balancer in Release"
for project in src/Latchkey.Server bench/hosts/EmbeddingHost bench/hosts/Balancer; do
  dotnet build -c Release "$project" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
server_dll=src/Latchkey.Server/bin/Release/net10.0/Latchkey.Server.dll
host_dll=bench/hosts/EmbeddingHost/bin/Release/net10.0/EmbeddingHost.dll
balancer_dll=bench/hosts/Balancer/bin/Release/net10.0/Balancer.dll

log "PostgreSQL: a throw-away cluster on 127.0.0.1"
admin=$(tests/pg-cluster.sh create "$cluster")
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
export PGPASSWORD=$(sed 's/.*Password=\([^;]*\).*/\1/' <<<"$admin") PGHOST=127.0.0.1 PGUSER=postgres
export PGPORT=$(sed 's/.*Port=\([0-9]*\).*/\1/' <<<"$admin")
psql() { "$pg_bin/psql" -q -v ON_ERROR_STOP=1 "$@"; }
# Note: room for the million sessions' table and indexes (about 500 MB) in PostgreSQL's own buffers, as a production
# server would have.
psql -d postgres -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "CREATE DATABASE latchkey"
tests/pg-cluster.sh stop "$cluster" && tests/pg-cluster.sh start "$cluster"
# Note: a pool per instance small enough that all of them (and their LISTEN connections) fit in max_connections.
connection="${admin/Database=postgres/Database=latchkey};Maximum Pool Size=64${LK_CONNECTION_EXTRA:-}"
Latchkey__Storage__Provider=postgres ConnectionStrings__Latchkey="$connection" dotnet "$server_dll" --migrate-only >"$work/migrate.log"

log "Seeding $sessions sessions and $machines machine tokens (+ $victims sessions for the revocation check)"
started_seed=$(date +%s.%N)
python3 bench/cluster/seed.py "$work" "$sessions" "$machines" "$victims"
psql -d latchkey \
  -c "\\copy tenants (id, name, contact_email, created_at) FROM '$work/tenants.copy'" \
  -c "\\copy users (id, tenant_id, kind, login, name, secret_verifier, role, scopes, disabled, credential_version, created_at) FROM '$work/users.copy'" \
  -c "\\copy api_user_key (id, user_id, tenant_id, app_id, app_name, key_id, key_digest, credential_version, created_at, last_used_at, expires_at, amr, auth_time) FROM '$work/api_user_key.copy'" \
  -c "VACUUM ANALYZE"
# Note: and the tables and indexes in those buffers before the first workload, as on a server that has run a while: the
# page cache is no place to keep them, as this machine's memory manager reclaims cold page cache in the background
# (uniform reads then waited on the disk: PostgreSQL and the instances idle, a third of the rate).
psql -d latchkey -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
  -c "SELECT count(pg_prewarm(c.oid)) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')" >/dev/null
seed_seconds=$(echo "$(date +%s.%N) - $started_seed" | bc)
rm -f "$work"/*.copy
log "Seeded in $(printf %.0f "$seed_seconds") s"
credentials=$(wc -l <"$work/tokens.txt")

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# instance NAME [PORT]: starts (or starts again, on the same port) one Latchkey server on the cluster's database.
declare -A port_of=()
instance() {
  local name=$1
  port_of[$name]=${2:-${port_of[$name]:-$(free_port)}}
  url_of[$name]="http://127.0.0.1:${port_of[$name]}"
  # Note: one client address (the balancer's) sends everything, so the per-address limits are lifted; the sweeper
  # would purge on its own schedule in the middle of a run; request logging at Information would be measured too.
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="${url_of[$name]}" \
    Latchkey__Storage__Provider=postgres ConnectionStrings__Latchkey="$connection" \
    Latchkey__Sessions__CleanupInterval=1.00:00:00 Latchkey__Metrics__Prometheus=true \
    Latchkey__Network__CredentialRequestsPerMinute=100000000 Latchkey__Network__FailureBurst=100000 \
    Logging__LogLevel__Default=Warning \
    ${LK_CACHE_ENTRIES:+Latchkey__CredentialCache__MaxEntries=$LK_CACHE_ENTRIES} \
    dotnet "$host_dll" >>"$work/$name.log" 2>&1 &
  pid_of[$name]=$!
  # Note: also in a file, for the snapshot that a background watcher takes while a hook may start an instance again.
  echo "$!" >"$work/$name.pid"
}
ready() { # ready NAME URL: waits until GET URL answers
  for _ in $(seq 240); do
    curl -sf -o /dev/null "$2" && return
    kill -0 "${pid_of[$1]}" 2>/dev/null || break
    sleep 0.5
  done
  echo "$1 did not start:" >&2; tail -50 "$work/$1.log" >&2; exit 1
}

names=()
for i in $(seq "$instances"); do names+=("lk$i"); instance "lk$i"; ready "lk$i" "${url_of[lk$i]}/healthz/live"; done
destinations=$(for n in "${names[@]}"; do printf '%s,' "${url_of[$n]}"; done)
url_of[lb]="http://127.0.0.1:$(free_port)"
env ASPNETCORE_URLS="${url_of[lb]}" dotnet "$balancer_dll" --destinations "${destinations%,}" >"$work/lb.log" 2>&1 &
pid_of[lb]=$!
echo "$!" >"$work/lb.pid"
ready lb "${url_of[lb]}/healthz/live"
log "$instances instances and the balancer at ${url_of[lb]}"

# A credential of each kind must answer 200 through the balancer, or nothing is worth measuring.
for line in "$(grep -m1 ' bench-app-' "$work/tokens.txt")" "$(grep -m1 ' -$' "$work/tokens.txt")"; do
  set -- $line
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" ${2:+$([ "$2" != - ] && echo "-H X-App-Id:$2")} "${url_of[lb]}$path")
  [ "$status" = 200 ] || { echo "A seeded credential answered $status, not 200, through the balancer" >&2; tail -30 "$work/lk1.log" >&2; exit 1; }
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# pg_ticks: PostgreSQL's CPU time, the postmaster's with its children's: the live ones' own, the ended ones' as the
# postmaster's reaped time (fields 16 and 17).
pg_ticks() {
  local pm
  pm=$(head -1 "$cluster/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat" 2>/dev/null
    for c in $(pgrep -P "$pm"); do cpu_ticks "$c"; done; } | awk '{ s += $1 } END { print s + 0 }'
}
hz=$(getconf CLK_TCK)

# snapshot FILE: every instance's process id, CPU time and counters now.
snapshot() {
  local n page
  {
    echo "time - $(date +%s.%N)"
    echo "pgcpu - $(pg_ticks)"
    echo "lbcpu - $(cpu_ticks "$(cat "$work/lb.pid" 2>/dev/null)")"
    for n in "${names[@]}"; do
      page=$(curl -s --max-time 5 "${url_of[$n]}/metrics" || true)
      # Note: each instance's own moment: a scrape under load can take a while, and the next instance is read later.
      echo "at $n $(date +%s.%N)"
      local pid=$(cat "$work/$n.pid")
      echo "pid $n $pid"
      echo "cpu $n $(cpu_ticks "$pid")"
      echo "hits $n $(counter latchkey_credential_cache_hits_total <<<"$page")"
      echo "misses $n $(counter latchkey_credential_cache_misses_total <<<"$page")"
      echo "reads $n $(counter latchkey_credential_cache_miss_answers_total 'source="database"' <<<"$page")"
      echo "served $n $(served <<<"$page")"
    done
  } >"$1"
}
counter() { awk -v name="$1" -v filter="${2:-}" '$1 ~ "^" name "({|$)" && index($1, filter) { sum += $NF } END { printf "%.0f", sum + 0 }'; }
# Note: requests to a route (the workloads'), from ASP.NET Core's own counter; a scrape of /metrics has no route.
served() { counter http_server_request_duration_seconds_count 'http_route="/'; }
# wait_for_requests: returns once the instances answer a load again: 100 routed requests or more in a fifth of a
# second (the balancer's health checks are a few a second), at most 120 s.
wait_for_requests() {
  local n last now
  last=$(for n in "${names[@]}"; do curl -s --max-time 2 "${url_of[$n]}/metrics" | served; echo; done | awk '{ s += $1 } END { print s + 0 }')
  for _ in $(seq 600); do
    sleep 0.2
    now=$(for n in "${names[@]}"; do curl -s --max-time 2 "${url_of[$n]}/metrics" | served; echo; done | awk '{ s += $1 } END { print s + 0 }')
    [ "$now" -ge $((last + 100)) ] && return 0
    last=$now
  done
}

: >"$work/results"
# record NAME TITLE WRK_OUTPUT BEFORE AFTER [NOTE]: one line of results. Note: an instance that was started again
# during the run (another process id) counts from zero: its counters after the run are its whole share, and its CPU
# is the new process's alone (marked *).
record() {
  local name=$1 title=$2 out=$3 before=$4 after=$5 note=${6:-}
  awk -F'\t' -v name="$name" -v title="$title" -v note="$note" -v before="$before" -v after="$after" -v hz="$hz" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v * 60000 }
    FILENAME == before { split($0, f, " "); b[f[1], f[2]] = f[3]; if (f[1] == "pid") order[++n] = f[2]; next }
    FILENAME == after { split($0, f, " "); a[f[1], f[2]] = f[3]; next }
    /^ +50%/ { split($0, f, " "); p50 = ms(f[2]) } /^ +99%/ { split($0, f, " "); p99 = ms(f[2]) }
    /^Requests\/sec:/ { split($0, f, " "); rps = f[2] }
    /^Statuses:/ { statuses = $0; sub(/^Statuses: /, "", statuses) }
    /Socket errors:/ { line = $0; gsub(",", "", line); split(line, f, " "); errors = f[4] + f[6] + f[8] + f[10] }
    # Note: a count that went down is a new process too: a snapshot reads the process id before the counters, and the
    # restart can fall between the two.
    function same(i) { return a["pid", i] == b["pid", i] && a["served", i] >= b["served", i] }
    function delta(what, i) { return same(i) ? a[what, i] - b[what, i] : a[what, i] }
    END {
      dt = a["time", "-"] - b["time", "-"]
      for (j = 1; j <= n; j++) {
        i = order[j]; di = a["at", i] - b["at", i]
        hits += delta("hits", i); misses += delta("misses", i)
        reads += delta("reads", i) / di; missrate += delta("misses", i) / di; served += delta("served", i) / di
        cpus = cpus sprintf("%.2f%s ", delta("cpu", i) / hz / di, same(i) ? "" : "*")
      }
      others = sprintf("%.2f %.2f", (a["pgcpu", "-"] - b["pgcpu", "-"]) / hz / dt, (a["lbcpu", "-"] - b["lbcpu", "-"]) / hz / dt)
      hit = hits + misses > 0 ? sprintf("%.1f %%", 100 * hits / (hits + misses)) : "-"
      printf "%s\t%s\t%.0f\t%.2f\t%.2f\t%s%s\t%s\t%.0f of %.0f\t%s\t%s\t%.0f\t%s\n", name, title, rps, p50, p99, statuses,
        errors ? ", socket errors " errors : "", hit, reads, missrate, cpus, note, served, others
    }' "$before" "$after" "$out" >>"$work/results"
  tail -1 "$work/results" | awk -F'\t' '{ printf "  %-40s %8s req/s (answered %s/s)  p50 %7.2f ms  p99 %7.2f ms  hits %s  db reads/s of misses/s %s  cpu %s| PostgreSQL, balancer %s | %s %s\n", $2, $3, $11, $4, $5, $7, $8, $9, $12, $6, $10 }' >&2
}

# fill COUNT SECONDS NAME...: requests each of the first COUNT credentials of the token file in turn on each named
# instance directly, until every one holds COUNT cache entries (the gauge, at 99 %) or SECONDS have passed.
fill() {
  local count=$1 limit=$2 n w entries done_all
  shift 2
  local pids=()
  # Note: a few connections per instance suffice: each request is a miss, and the instances share the cores.
  for n in "$@"; do
    wrk -t1 -c8 -d"${limit}s" -s "$lua" "${url_of[$n]}$path" -- "$work/tokens.txt" "$path" sequential "$count" >/dev/null &
    pids+=($!)
  done
  local until=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$until" ]; do
    done_all=1
    for n in "$@"; do
      entries=$(curl -s "${url_of[$n]}/metrics" | counter latchkey_credential_cache_entries)
      [ "$entries" -ge $((count * 99 / 100)) ] || done_all=0
    done
    [ "$done_all" = 1 ] && break
    sleep 0.5
  done
  for w in "${pids[@]}"; do kill -INT "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true; done
}

# run NAME TITLE URL_PATH [lua arguments...]: a warm-up, then the measured run (wrk's output in $work/NAME.txt).
# With HOOK set, that command runs alongside the measured run and its output is the note.
lua=bench/cluster/credentials.lua
run() {
  local name=$1 title=$2 url=${url_of[lb]}$3 request_path=$3 note=""
  [ -z "${LK_ONLY:-}" ] || [[ $name =~ ^($LK_ONLY)[0-9]*$ ]] || return 0
  shift 3
  local script=()
  [ $# -gt 0 ] && script=(-s "$lua" -- ${ANONYMOUS:+anonymous} "${TOKENS:-$work/tokens.txt}" "$request_path" "$@")
  wrk -t"$threads" -c"$connections" -d"${warmup}s" "${script[@]:0:2}" "$url" "${script[@]:2}" >/dev/null
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency "${script[@]:0:2}" "$url" "${script[@]:2}" >"$work/$name.txt" &
  local w=$!
  # Note: wrk loads its script and token file before it sends anything (a million lines take it tens of seconds);
  # the snapshot and the hook wait for the requests, else the rates were taken over that idle time too (several times
  # too low) and a revocation or a kill meant for the middle of the run came before it.
  wait_for_requests
  snapshot "$work/$name.before"
  # Note: the second snapshot the moment wrk has finished (exited, not yet reaped), not when the hook has: a revocation
  # check or a restart may outlast the run, and the rates would be taken over that idle time too.
  # Note: without a process started per look (an awk and a sleep twenty times a second took a tenth of the machine,
  # seen in a perf profile): the state read by the shell itself, and the pause a read that times out on a pipe that
  # stays open and empty.
  ( exec {tick}<> <(:)
    while read -r _ _ state _ 2>/dev/null <"/proc/$w/stat" && [ "$state" != Z ]; do read -r -t 0.05 -u "$tick" _ || true; done
    snapshot "$work/$name.after" ) &
  local watcher=$!
  if [ -n "${HOOK:-}" ]; then
    # Note: in this shell, not a subshell: the hook may start an instance again, whose process id must be known here.
    eval "$HOOK" >"$work/$name.note"
    note=$(cat "$work/$name.note")
  fi
  wait "$w"
  wait "$watcher"
  record "$name" "$title" "$work/$name.txt" "$work/$name.before" "$work/$name.after" "$note"
}

# kill_and_restart: instance 2 is killed at a third of the run and started again (same port) at two thirds.
kill_and_restart() {
  local victim=lk2
  sleep "$(echo "$seconds / 3" | bc -l)"
  kill -KILL "${pid_of[$victim]}"; wait "${pid_of[$victim]}" 2>/dev/null || true
  local killed_at=$(date +%s.%N)
  sleep "$(echo "$seconds / 3" | bc -l)"
  instance "$victim"
  local started=$(date +%s.%N)
  for _ in $(seq 120); do curl -sf -o /dev/null "${url_of[$victim]}/healthz/live" && break; sleep 0.25; done
  printf 'killed %s (SIGKILL) at %.1f s; started again after %.1f s down, answering %.1f s later' "$victim" \
    "$(echo "$seconds / 3" | bc -l)" "$(echo "$started - $killed_at" | bc)" "$(echo "$(date +%s.%N) - $started" | bc)"
}

started=$(date -u +%Y-%m-%dT%H:%MZ)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "Workloads, ${seconds} s each"
rss_idle_kib=$(awk '/VmRSS/ { print $2 }' "/proc/${pid_of[lk1]}/status")
entries_idle=$(curl -s "${url_of[lk1]}/metrics" | counter latchkey_credential_cache_entries)
# Note: the default of Latchkey:CredentialCache:MaxEntries.
max_entries=${LK_CACHE_ENTRIES:-250000}
# Note: the processes' code is compiled again, optimised, after its first tens of seconds of use (tiered compilation):
# a first measurement before that ran at a third of the rate of a later one. So a load of each kind first, unmeasured.
log "Warming up (${warmup_seconds} s anonymous, ${warmup_seconds} s with the hot credentials)"
if [ "$warmup_seconds" -gt 0 ]; then
  wrk -t"$threads" -c"$connections" -d"${warmup_seconds}s" "${url_of[lb]}$anonymous" >/dev/null
  wrk -t"$threads" -c"$connections" -d"${warmup_seconds}s" -s "$lua" "${url_of[lb]}$path" -- "$work/tokens.txt" "$path" uniform "$hot" >/dev/null
fi
# Note: each compared pair in alternating rounds, the target taken from the medians: on this shared machine one
# 10 s figure moves by a third from run to run (the anonymous floor most), more than some targets' margins.
# Note: a cache that has served this Zipf load for hours holds about its most used credentials (the first lines of the
# token file), the more so with a frequency-based eviction policy, which also keeps them against one-off credentials;
# a few seconds of the load cannot get it there (a credential of rank 50,000 comes once in ~300,000 requests). So
# every instance's cache is filled with them first, before the uniform runs, whose one-off credentials would compete
# for the room; the measured hit rate shows whether the cache keeps them.
if [ -z "${LK_ONLY:-}" ] || [[ hot =~ ^($LK_ONLY)$ || zipf =~ ^($LK_ONLY)$ ]]; then
  log "Filling every instance's cache with the $(( max_entries < credentials ? max_entries : credentials )) most used credentials"
  fill "$(( max_entries < credentials ? max_entries : credentials ))" 600 "${names[@]}"
  # Note: the fill recorded a first use of each of those credentials on each instance, hundreds of thousands of row
  # versions at once, which autovacuum then worked off during the measured runs (PostgreSQL at 0.14–0.38 cores where
  # it takes 0.05): a server that has run a while has no such backlog. The instances' last writes go out within 0.1 s.
  sleep 1
  log "Vacuuming the sessions table after the fill"
  psql -d latchkey -c "VACUUM (ANALYZE) api_user_key"
fi
for r in $(seq "$rounds"); do
  run "hot$r" "(a') the Zipf draw of (a) folded onto $hot credentials (all cached), round $r" "$path" zipf 1.1 "$hot"
  run "zipf$r" "(a) Zipf s=1.1 over $credentials credentials, round $r" "$path" zipf 1.1
done
HOOK="python3 bench/cluster/revoke-check.py ${url_of[lb]} $(IFS=,; for n in "${names[@]}"; do printf '%s,' "${url_of[$n]}"; done | sed 's/,$//') $work/victims.txt 0.1 $seconds $path" \
  run revoke "(c) (a) with a revocation every 100 ms" "$path" zipf 1.1
HOOK=kill_and_restart run kill "(d) (a) with instance 2 killed and restarted" "$path" zipf 1.1
for r in $(seq "$rounds"); do
  ANONYMOUS=1 run "floor$r" "anonymous through the balancer (floor), round $r" "$anonymous" uniform
  run "uniform$r" "(b) uniform over $credentials credentials, round $r" "$path" uniform
done

log "Filling lk1's cache directly (each of its first MaxEntries credentials in turn, at most $fill_seconds s)"
[ "$fill_seconds" -gt 0 ] && fill "$(( max_entries < credentials ? max_entries : credentials ))" "$fill_seconds" lk1
entries=$(curl -s "${url_of[lk1]}/metrics" | counter latchkey_credential_cache_entries)
rss_full_kib=$(awk '/VmRSS/ { print $2 }' "/proc/${pid_of[lk1]}/status")
hwm_kib=$(awk '/VmHWM/ { print $2 }' "/proc/${pid_of[lk1]}/status")
bytes_per_entry=$(( (rss_full_kib - rss_idle_kib) * 1024 / (entries - entries_idle > 0 ? entries - entries_idle : 1) ))
log "lk1: $entries entries, RSS $((rss_full_kib / 1024)) MiB (idle $((rss_idle_kib / 1024)) MiB), peak $((hwm_kib / 1024)) MiB"
for n in "${names[@]}" lb; do kill "${pid_of[$n]}" 2>/dev/null || true; wait "${pid_of[$n]}" 2>/dev/null || true; unset "pid_of[$n]"; done
tests/pg-cluster.sh remove "$cluster" >/dev/null 2>&1 || true

log "SQLite: one instance, credential cache off, against anonymous"
sqlite_url="http://127.0.0.1:$(free_port)"
env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$sqlite_url" ConnectionStrings__Latchkey="Data Source=$work/sqlite.db" \
  Latchkey__CredentialCache__MaxEntries=0 Latchkey__Metrics__Prometheus=true Latchkey__Sessions__CleanupInterval=1.00:00:00 \
  Latchkey__Network__CredentialRequestsPerMinute=100000000 Latchkey__Network__FailureBurst=100000 \
  Logging__LogLevel__Default=Warning dotnet "$host_dll" >"$work/sqlite.log" 2>&1 &
pid_of[sqlite]=$!
echo "$!" >"$work/sqlite.pid"
names=(sqlite); url_of[sqlite]=$sqlite_url; url_of[lb]=$sqlite_url
ready sqlite "$sqlite_url/healthz/live"
password="correct horse battery staple"
curl -sf -o /dev/null "$sqlite_url/v1/signup" -H 'Content-Type: application/json' \
  -d "{\"tenant\":\"Bench\",\"login\":\"owner@bench.invalid\",\"password\":\"$password\"}"
key=$(curl -sf "$sqlite_url/v1/login" -H 'Content-Type: application/json' \
  -d "{\"login\":\"owner@bench.invalid\",\"password\":\"$password\",\"appId\":\"bench-app\"}" | sed -E 's/.*"apiKey":"([^"]+)".*/\1/')
echo "$key bench-app" >"$work/sqlite-tokens.txt"
if [ "$warmup_seconds" -gt 0 ]; then
  wrk -t"$threads" -c"$connections" -d"${warmup_seconds}s" "$sqlite_url$anonymous" >/dev/null
  wrk -t"$threads" -c"$connections" -d"${warmup_seconds}s" -s "$lua" "$sqlite_url$path" -- "$work/sqlite-tokens.txt" "$path" uniform >/dev/null
fi
for r in $(seq "$rounds"); do
  ANONYMOUS=1 TOKENS=$work/sqlite-tokens.txt run "sqlite_anon$r" "SQLite, one instance: anonymous, round $r" "$anonymous" uniform
  TOKENS=$work/sqlite-tokens.txt run "sqlite_uncached$r" "SQLite, one instance: API key, cache off, round $r" "$path" uniform
done
kill "${pid_of[sqlite]}"; wait "${pid_of[sqlite]}" 2>/dev/null || true; unset "pid_of[sqlite]"

# The report.
cores=$(nproc)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
  echo "Measured $started (load average at the start: $load_at_start) by \`$command\`"
  echo "(LK_SESSIONS=$sessions LK_MACHINES=$machines LK_INSTANCES=$instances${LK_CACHE_ENTRIES:+ LK_CACHE_ENTRIES=$LK_CACHE_ENTRIES}),"
  echo "$seconds s per workload after a $warmup s warm-up ($warmup_seconds s of each kind first), wrk -t$threads -c$connections --latency through bench/hosts/Balancer (YARP, round-robin)"
  echo "to $instances instances of bench/hosts/EmbeddingHost (Latchkey embedded) on one PostgreSQL (tests/pg-cluster.sh: fsync off),"
  echo "GET $path against GET $anonymous; $cores cores ($cpu) shared by all of them; pairs compared in $rounds alternating rounds."
  echo "Seeding $credentials credentials (bulk COPY): $(printf %.0f "$seed_seconds") s."
  echo
  echo "| workload | req/s (wrk) | answered/s (instances) | p50 | p99 | statuses | cache hits | db reads/s of misses/s | CPU per instance (cores) | CPU of PostgreSQL, balancer | |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s | %.2f ms | %.2f ms | %s | %s | %s | %s | %s | %s |\n", $2, $3, $11, $4, $5, $6, $7, $8, $9, $12, $10 }' "$work/results"
  echo
  echo "| target (issue 21) | wanted | measured | |"
  echo "|---|---:|---:|---|"
  awk -F'\t' '
    { statuses[$1] = $6; note[$1] = $10; base = $1; sub(/[0-9]+$/, "", base); rps[base, ++rounds[base]] = $3 + 0 }
    function median(base,   k, j, n, v, t) {
      n = rounds[base]; if (!n) return ""
      for (k = 1; k <= n; k++) v[k] = rps[base, k]
      for (k = 2; k <= n; k++) for (j = k; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function ratio(label, target, xb, yb, least,   x, y) {
      x = median(xb); y = median(yb)
      if (x == "" || y == "") { printf "| %s | %s | - | not run |\n", label, target; return }
      printf "| %s | %s | %.0f / %.0f = %.2f | %s |\n", label, target, x, y, x / y, (x >= least * y) ? "met" : "**not met**"
    }
    function count(name, field) { s = statuses[name]; if (match(s, field " [0-9]+")) return substr(s, RSTART + length(field) + 1, RLENGTH - length(field) - 1) + 0; return 0 }
    END {
      ratio("(a) Zipf / (a'"'"') all cached (req/s, medians of the rounds)", "≥ 0.8", "zipf", "hot", 0.8)
      ratio("(b) uniform on PostgreSQL / anonymous through the balancer (medians)", "≥ 0.5", "uniform", "floor", 0.5)
      ratio("SQLite, one instance: uncached / anonymous (medians)", "≥ 0.7", "sqlite_uncached", "sqlite_anon", 0.7)
      # Note: a workload left out of a trial (LK_ONLY) is "not run", never met or not met.
      if (!("revoke" in statuses)) printf "| (c) requests accepted after their revoke returned | 0 | - | not run |\n"
      else {
        match(note["revoke"], /accepted after revoke: [0-9]+/); accepted = substr(note["revoke"], RSTART + 23, RLENGTH - 23) + 0
        printf "| (c) requests accepted after their revoke returned | 0 | %d | %s |\n", accepted, accepted == 0 && RSTART ? "met" : "**not met**"
      }
      if (!("kill" in statuses)) printf "| (d) 5xx answers with an instance killed and restarted | 0 (retried) | - | not run |\n"
      else printf "| (d) 5xx answers with an instance killed and restarted | 0 (retried) | %d | %s |\n", count("kill", "5xx"), count("kill", "5xx") == 0 ? "met" : "**not met**"
    }' "$work/results"
  echo
  echo "Memory: instance 1 with $entries credentials in its cache (filled directly, uniform): RSS $((rss_full_kib / 1024)) MiB, peak (VmHWM over the"
  echo "whole run) $((hwm_kib / 1024)) MiB, against $((rss_idle_kib / 1024)) MiB with $entries_idle entries before the workloads:"
  echo "about $bytes_per_entry bytes per cache entry (RSS growth / entries; includes the GC's headroom). The cache holds at most"
  echo "Latchkey:CredentialCache:MaxEntries ($max_entries) entries, so the bound is about $(( bytes_per_entry * max_entries / 1048576 )) MiB above the idle RSS."
} >"$work/section.md"
echo
cat "$work/section.md"
[ -n "${LK_REPORT:-}" ] && cp "$work/section.md" "$LK_REPORT"
exit 0
