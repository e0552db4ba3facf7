using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EmbeddingHost;

/// <summary>
/// Fills the session table for the bench: <c>Bench:SeedSessions</c> live and <c>Bench:SeedExpired</c> expired sessions,
/// all of one seeded user of a tenant of its own, inserted by the database itself (a recursive CTE on SQLite,
/// <c>generate_series</c> on PostgreSQL) in one transaction. Their keys are never presented: the rows are
/// there so that the table, and its indexes, have the size being measured.
/// </summary>
internal static class SessionSeeder
{
    public static async Task SeedAsync(IConfiguration configuration, ILogger logger)
    {
        var live = configuration.GetValue<long>("Bench:SeedSessions");
        var expired = configuration.GetValue<long>("Bench:SeedExpired");
        if (live + expired <= 0)
        {
            return;
        }

        var postgres = string.Equals(configuration["Latchkey:Storage:Provider"], "postgres", StringComparison.OrdinalIgnoreCase);
        var connectionString = configuration.GetConnectionString("Latchkey")
            ?? throw new InvalidOperationException("Seeding needs ConnectionStrings:Latchkey.");
        var clock = Stopwatch.StartNew();
        await using DbConnection connection = postgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        await connection.OpenAsync();
        if (!postgres)
        {
            // Note: room for the indexes' pages in memory while a million rows go in (256 MiB, this connection only).
            await ExecuteAsync(connection, null, "PRAGMA cache_size = -262144");
        }

        await using var transaction = await connection.BeginTransactionAsync();
        var now = DateTimeOffset.UtcNow;
        var tenantId = Guid.NewGuid();
        var userId = Guid.NewGuid();
        await ExecuteAsync(connection, transaction,
            "INSERT INTO tenants (id, name, contact_email, created_at) VALUES (@tenant, 'Seeded sessions', NULL, @now)",
            ("tenant", Id(tenantId)), ("now", Instant(now)));
        // Note: kind 0 is a human, role 0 a member; "!" is no password hash, so nobody can log in as this user.
        await ExecuteAsync(connection, transaction,
            "INSERT INTO users (id, tenant_id, kind, login, name, secret_verifier, role, scopes, disabled, credential_version, created_at, last_used_at) "
            + "VALUES (@user, @tenant, 0, @login, NULL, '!', 0, '', FALSE, 0, @now, NULL)",
            ("user", Id(userId)), ("tenant", Id(tenantId)), ("login", $"seeded-{userId:N}@bench.invalid"), ("now", Instant(now)));
        if (expired > 0)
        {
            await InsertSessionsAsync("expired", 0, expired, lastUsedAt: now.AddDays(-2), expiresAt: now.AddDays(-1));
        }

        if (live > 0)
        {
            await InsertSessionsAsync("live", 1, live, lastUsedAt: now, expiresAt: now.AddDays(30));
        }

        await transaction.CommitAsync();
        if (!postgres)
        {
            // Note: the rows went through the write-ahead log; left there, a gigabyte of log would be searched on every
            // page read until the next restart. A server that has run a while has them in the database file instead.
            await ExecuteAsync(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)");
        }

        logger.LogWarning("Seeded {Live} live and {Expired} expired sessions in {Seconds:F1} s", live, expired, clock.Elapsed.TotalSeconds);

        object Id(Guid id) => postgres ? id : id.ToString().ToUpperInvariant();

        // Note: the SQLite provider stores instants as UTC ticks (SqliteLatchkeyDbContext), PostgreSQL as timestamptz.
        object Instant(DateTimeOffset at) => postgres ? at : at.UtcTicks;

        // Note: ids and key ids count up, expired rows first, as Latchkey's time-ordered (version 7) ids would have
        // them: older sessions expire first. Inserting in index order also keeps a million rows to seconds.
        Task InsertSessionsAsync(string kind, int block, long count, DateTimeOffset lastUsedAt, DateTimeOffset expiresAt) =>
            ExecuteAsync(connection, transaction, postgres
                    ? "INSERT INTO api_user_key (id, user_id, tenant_id, app_id, app_name, key_id, key_digest, credential_version, created_at, created_ip, last_used_at, expires_at) "
                      + "SELECT (lpad(to_hex(@block), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, @user, @tenant, @kind || '-' || i, NULL, "
                      + "'seed' || left(@kind, 1) || lpad(to_hex(i), 27, '0'), sha256(int8send(i)), 0, @now, NULL, @last_used, @expires "
                      + "FROM generate_series(1, @count) AS i"
                    : "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count) "
                      + "INSERT INTO api_user_key (id, user_id, tenant_id, app_id, app_name, key_id, key_digest, credential_version, created_at, created_ip, last_used_at, expires_at) "
                      + "SELECT printf('%08X-0000-7000-8000-%012X', @block, i), @user, @tenant, @kind || '-' || i, NULL, "
                      + "'seed' || substr(@kind, 1, 1) || printf('%027x', i), randomblob(32), 0, @now, NULL, @last_used, @expires FROM n",
                ("block", block), ("user", Id(userId)), ("tenant", Id(tenantId)), ("kind", kind), ("count", count),
                ("now", Instant(now)), ("last_used", Instant(lastUsedAt)), ("expires", Instant(expiresAt)));
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        // Note: a million rows take longer than the default 30 s command timeout on a slow disk.
        command.CommandTimeout = 0;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}
