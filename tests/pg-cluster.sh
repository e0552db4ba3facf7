#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, in a directory of its own, on a free loopback port, with a password.
#   tests/pg-cluster.sh create DIR   initdb + start; prints the Npgsql connection string (also kept in DIR/connection)
#   tests/pg-cluster.sh stop DIR     stops the server (fast shutdown), keeps its data
#   tests/pg-cluster.sh start DIR    starts it again, on the same port
#   tests/pg-cluster.sh remove DIR   stops it (immediate shutdown) and deletes DIR
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user of Debian's package.
set -euo pipefail

command=${1:?usage: pg-cluster.sh create|stop|start|remove DIR}
dir=${2:?usage: pg-cluster.sh create|stop|start|remove DIR}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bin/pg_ctl" ] || { echo "pg-cluster.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  # Note: the socket goes in the cluster's own directory, so nothing is shared with a system PostgreSQL.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o "$(cat "$dir/options")" start >/dev/null
}

case "$command" in
  create)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    (umask 077; echo "$password" >"$dir/pwfile")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" -A scram-sha-256 -E UTF8 --no-locale >"$dir/initdb.log"
    rm -f "$dir/pwfile"
    # Note: a random port, tried until one is free: 5432 may belong to a system PostgreSQL. fsync and friends are off
    # because the cluster is thrown away: the tests kill Latchkey, never the machine.
    for _ in $(seq 1 30); do
      port=$((20000 + RANDOM % 30000))
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
      echo "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >"$dir/options"
      if start 2>/dev/null; then
        (umask 077; echo "Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres" >"$dir/connection")
        cat "$dir/connection"
        exit 0
      fi
    done
    echo "pg-cluster.sh: could not start PostgreSQL (see $dir/log)" >&2
    exit 1
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  start)
    start
    ;;
  remove)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-cluster.sh create|stop|start|remove DIR" >&2
    exit 2
    ;;
esac
