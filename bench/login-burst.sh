#!/usr/bin/env bash
# Login storms against a Release build at default settings (Argon2id m=19456 KiB, t=2, p=1; default hashing gate and
# per-address limits), on a temporary SQLite file on 127.0.0.1. Prints the statuses, the wall time and the server's
# peak RSS during the burst (the kernel's VmHWM, reset just before it).
#
#   bench/login-burst.sh [N=300]     N different users log in at once from one address (127.0.0.1). A client answered
#                                    503 waits its Retry-After and tries again (at most 3 times), as a client should.
#   bench/login-burst.sh spray [N=300]
#                                    127.0.0.1 sprays wrong passwords at N different logins (16 at a time); during the
#                                    attack a colleague logs in correctly from the same address while its allowance of
#                                    failures lasts, and one of the targeted users logs in correctly from another
#                                    address (127.0.0.3) once the attacker is refused.
#
# Users are signed up from 127.0.0.2 first, so that the sign-ups count against another address than the burst.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=burst
if [[ ${1:-} == spray ]]; then mode=spray; shift; fi
n=${1:-300}
port=5099
base="http://127.0.0.1:$port"
work=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

dotnet build -c Release src/Latchkey.Server -v q --nologo >/dev/null
export ASPNETCORE_URLS="$base"
export ConnectionStrings__Latchkey="Data Source=$work/latchkey.db"
dotnet src/Latchkey.Server/bin/Release/net10.0/Latchkey.Server.dll >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

password="correct horse battery staple"
seq 0 "$n" | xargs -P 2 -I{} curl -sf -o /dev/null --interface 127.0.0.2 -X POST "$base/v1/signup" \
  -H 'Content-Type: application/json' -d "{\"tenant\":\"t{}\",\"login\":\"user{}@example.com\",\"password\":\"$password\"}"
idle_kib=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo 5 > /proc/$pid/clear_refs   # reset VmHWM: measure the burst alone

# One login: prints "<attempt> <status> <retry-after>" per answer; retries a 503 after its Retry-After (at most 3 times).
login() { # login <from-address> <login> <password> <app id> [<first attempt number>]
  local attempt=${5:-0} out status wait
  while :; do
    out=$(curl -s -o /dev/null -D - -w '%{http_code}' --interface "$1" -X POST "$base/v1/login" -H 'Content-Type: application/json' \
      -d "{\"login\":\"$2\",\"password\":\"$3\",\"appId\":\"$4\"}")
    status=${out: -3}
    wait=$(grep -i '^retry-after:' <<<"$out" | tr -dc 0-9 || true)
    echo "$attempt $status ${wait:--}"
    [[ $status == 503 && -n $wait && $attempt -lt 3 ]] || break
    sleep "$wait"
    attempt=$((attempt + 1))
  done
}
export -f login
export base password

# The burst itself comes from a few curl processes with up to 250 transfers each (--parallel), not from N processes:
# starting a thousand clients at once would take more CPU than the server gets.
burst_configs() {
  mkdir -p "$work/headers"
  for ((first = 1; first <= n; first += 250)); do
    for ((i = first; i <= n && i < first + 250; i++)); do
      ((i > first)) && echo next
      cat <<CFG
url = "$base/v1/login"
interface = "127.0.0.1"
header = "Content-Type: application/json"
data = "{\\"login\\":\\"user$i@example.com\\",\\"password\\":\\"$password\\",\\"appId\\":\\"burst-app-$i\\"}"
output = "/dev/null"
dump-header = "$work/headers/$i"
write-out = "$i %{http_code}\\n"
CFG
    done > "$work/burst-$first.cfg"
  done
}

summary() { sort | uniq -c | awk '{printf "%s×%s ", $2, $1}'; }

start=$(date +%s.%N)
if [[ $mode == burst ]]; then
  burst_configs
  start=$(date +%s.%N)
  {
    for config in "$work"/burst-*.cfg; do
      stdbuf -oL curl -s --parallel --parallel-immediate --parallel-max 250 -K "$config" 2>/dev/null &
    done
    wait
  } | {
    while read -r i status; do
      wait=$(grep -i '^retry-after:' "$work/headers/$i" | tr -dc 0-9 || true)
      echo "0 $status ${wait:--}"
      if [[ $status == 503 && -n $wait ]]; then
        (sleep "$wait"; login 127.0.0.1 "user$i@example.com" "$password" "burst-app-$i" 1) &
      fi
    done
    wait
  } > "$work/answers"
else
  # Note: user0 is the colleague, user{1..N} the attacker's targets, user1 also the one logging in from elsewhere.
  seq "$n" | xargs -P 16 -I{} bash -c 'login 127.0.0.1 user{}@example.com "not the right passphrase" spray-app-{}' \
    > "$work/answers" &
  spray=$!
  # The colleague logs in while the attacker has used only part of the address's allowance of failures.
  until [[ $(wc -l < "$work/answers") -ge 10 ]]; do sleep 0.05; done
  colleague=$(login 127.0.0.1 user0@example.com "$password" colleague-app-1 | tail -1)
  until grep -q ' 429 ' "$work/answers"; do sleep 0.05; done
  elsewhere=$(login 127.0.0.3 user1@example.com "$password" elsewhere-app-1 | tail -1)
  colleague_late=$(login 127.0.0.1 user0@example.com "$password" colleague-app-2 | tail -1)
  wait "$spray"
fi
end=$(date +%s.%N)
peak_kib=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
# Note: the server writes one summary line per 10 s window of 503s; let the last window close.
if grep -q ' 503 ' "$work/answers"; then sleep 11; fi

echo "mode: $mode, N=$n, default settings, Argon2id m=19456 KiB t=2 p=1, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $mode == burst ]]; then
  echo "first answers: $(awk '$1 == 0 {print $2}' "$work/answers" | summary)"
  echo "Retry-After on 503s: $(awk '$2 == 503 {print $3}' "$work/answers" | sort -n | uniq -c | awk '{printf "%ss×%s ", $2, $1}')"
  echo "retries: $(awk '$1 > 0' "$work/answers" | wc -l); answers to retries: $(awk '$1 > 0 {print $2}' "$work/answers" | summary)"
  # Note: a client's last line is its final answer (a 503 after 3 retries would be final too).
  echo "final answers: $(awk '$2 != 503 || $1 == 3 {print $2}' "$work/answers" | summary)"
else
  echo "spray answers in order of arrival: $(awk '{print $2}' "$work/answers" | uniq -c | awk '{printf "%s×%s ", $2, $1}')"
  echo "Retry-After on 429s: $(awk '$2 == 429 {print $3}' "$work/answers" | sort -n | uniq -c | awk '{printf "%ss×%s ", $2, $1}')"
  echo "colleague, same address, during the spray (before the block): ${colleague#* }"
  echo "correct login from another address after the block: ${elsewhere#* }"
  echo "colleague, same address, after the block: ${colleague_late#* }"
fi
printf 'wall time: %.1f s\n' "$(echo "$end - $start" | bc)"
echo "RSS before the burst: $((idle_kib / 1024)) MiB"
echo "peak RSS during the burst: $((peak_kib / 1024)) MiB"
echo "server log: errors: $(grep -c '^fail:' "$work/server.log" || true); 503 summaries:"
grep -A2 '^fail:' "$work/server.log" | head -9 || true
grep -o 'Password hashing at capacity.*' "$work/server.log" || true
