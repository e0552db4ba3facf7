#!/usr/bin/env bash
# Peak memory of the server under a burst of parallel logins at the default Argon2id parameters
# (m=19456 KiB, t=2, p=1). Starts a Release build on a temporary SQLite file on 127.0.0.1, signs up N users,
# resets the kernel's peak-RSS mark, fires N logins at once with curl, and prints the peak RSS and the statuses.
# Usage: bench/login-burst.sh [N=300]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
port=5099
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build -c Release src/Latchkey.Server -v q --nologo >/dev/null
export ASPNETCORE_URLS="http://127.0.0.1:$port"
export ConnectionStrings__Latchkey="Data Source=$work/latchkey.db"
# Note: one client address sends everything here, so the per-IP limit is lifted for the measurement.
export Latchkey__Network__CredentialRequestsPerMinute=1000000
dotnet src/Latchkey.Server/bin/Release/net10.0/Latchkey.Server.dll >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

password="correct horse battery staple"
seq "$n" | xargs -P 2 -I{} curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/v1/signup" \
  -H 'Content-Type: application/json' -d "{\"tenant\":\"t{}\",\"login\":\"user{}@example.com\",\"password\":\"$password\"}"
idle_kib=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo 5 > /proc/$pid/clear_refs   # reset VmHWM: measure the burst alone

start=$(date +%s.%N)
seq "$n" | xargs -P "$n" -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST "http://127.0.0.1:$port/v1/login" \
  -H 'Content-Type: application/json' -d "{\"login\":\"user{}@example.com\",\"password\":\"$password\",\"appId\":\"burst-app-{}\"}" \
  > "$work/statuses"
end=$(date +%s.%N)
peak_kib=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)

echo "logins: $n in parallel, default Argon2id (m=19456 KiB, t=2, p=1), $(nproc) cores"
echo "statuses: $(sort "$work/statuses" | uniq -c | awk '{printf "%s×%s ", $2, $1}')"
printf 'wall time: %.1f s\n' "$(echo "$end - $start" | bc)"
echo "RSS before the burst: $((idle_kib / 1024)) MiB"
echo "peak RSS during the burst: $((peak_kib / 1024)) MiB"
