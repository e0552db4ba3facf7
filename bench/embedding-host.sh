# Sourced by the HTTP benches that need one Release bench/hosts/EmbeddingHost on SQLite with an owner signed in
# (bench/http-load-verify.sh, bench/http-load-ratelimit.sh).
# start_embedding_host NAME [NAME=VALUE...]: makes a work directory (/tmp/latchkey-NAME.*) and removes it, and stops the
# host, when the script exits; builds the host, starts it on 127.0.0.1 with a database in that directory, the
# per-address limits lifted (all load comes from one client) and the given settings, waits until it answers, signs an
# owner up and logs in. Sets work, pid, base (its address) and key (the owner's API key for app id bench-app); defines
# field (one field of a JSON body on stdin) and post (a JSON POST).
start_embedding_host() {
  work=$(mktemp -d "/tmp/latchkey-$1.XXXXXX")
  pid=""
  trap stop_embedding_host EXIT
  trap 'exit 130' INT TERM
  shift
  command -v wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
  echo "Building bench/hosts/EmbeddingHost in Release"
  dotnet build -c Release bench/hosts/EmbeddingHost --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }

  local port=$((20000 + RANDOM % 30000))
  base="http://127.0.0.1:$port"
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$base" \
    ConnectionStrings__Latchkey="Data Source=$work/latchkey.db" \
    Latchkey__Network__CredentialRequestsPerMinute=100000000 Latchkey__Network__FailureBurst=100000 \
    "$@" dotnet bench/hosts/EmbeddingHost/bin/Release/net10.0/EmbeddingHost.dll >"$work/host.log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do curl -sf -o /dev/null "$base/anon" && break; sleep 0.5; done
  curl -sf -o /dev/null "$base/anon" || { cat "$work/host.log" >&2; exit 1; }

  local password="correct horse battery staple"
  post "$base/v1/signup" "{\"tenant\":\"Bench\",\"login\":\"owner@bench.invalid\",\"password\":\"$password\"}" >/dev/null
  key=$(post "$base/v1/login" "{\"login\":\"owner@bench.invalid\",\"password\":\"$password\",\"appId\":\"bench-app\"}" | field apiKey)
}

stop_embedding_host() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}

field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
post() { curl -sf "$1" -H 'Content-Type: application/json' -d "$2" "${@:3}"; }
