#!/usr/bin/env bash
# Storage figures for docs/deploy.md's capacity plan, on a throw-away PostgreSQL cluster: bytes on disk per session,
# per user and per audit entry (table + indexes), and the authentication lookup's throughput under pgbench, from 1 to
# 64 clients.
#   bench/postgres/run.sh [tenants (default 20000)] [seconds per pgbench run (default 20)]
set -euo pipefail
cd "$(dirname "$0")/../.."
tenants=${1:-20000}
seconds=${2:-20}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cluster=$(mktemp -d /tmp/latchkey-bench-pg.XXXXXX)
trap 'tests/pg-cluster.sh remove "$cluster" >/dev/null 2>&1 || true' EXIT
admin=$(tests/pg-cluster.sh create "$cluster")
port=$(sed 's/.*Port=\([0-9]*\).*/\1/' <<<"$admin")
export PGPASSWORD=$(sed 's/.*Password=\([^;]*\).*/\1/' <<<"$admin") PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
"$bin/psql" -q -d postgres -c "CREATE DATABASE latchkey"

dotnet build src/Latchkey.Server -c Release --nologo -v q >/dev/null
Latchkey__Storage__Provider=postgres ConnectionStrings__Latchkey="${admin/Database=postgres/Database=latchkey}" \
  dotnet src/Latchkey.Server/bin/Release/net10.0/Latchkey.Server.dll --migrate-only >/dev/null
"$bin/psql" -q -d latchkey -v tenants="$tenants" -f bench/postgres/seed.sql

"$bin/psql" -d latchkey -At -F ' ' <<'SQL'
SELECT 'bytes per row (table + indexes):', relname, n, pg_total_relation_size(relid) / n AS bytes_per_row,
       pg_relation_size(relid) / n AS heap_bytes_per_row
FROM (SELECT relid, relname, (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM ' || relname, false, true, '')))[1]::text::bigint AS n
      FROM pg_stat_user_tables WHERE relname IN ('users', 'api_user_key', 'audit_log', 'tenants')) t
ORDER BY relname;
SQL

users=$((tenants * 10))
# Note: up to 64 clients, as many as bench/cluster.sh's instances kept in flight before their lookups had a pool of
# their own (Latchkey:Storage:LookupConnections): the throughput falls as clients outnumber the cores.
for clients in 1 2 4 8 32 64; do
  echo "pgbench lookup, $clients client(s), ${seconds}s:"
  "$bin/pgbench" -n -d latchkey -f bench/postgres/lookup.sql -D users="$users" -c "$clients" -j "$clients" -T "$seconds" -M prepared 2>/dev/null \
    | grep -E "^(tps|latency average)"
done
echo "cores: $(nproc) (shared by the server and pgbench); PostgreSQL $("$bin/postgres" --version | awk '{print $3}')"
