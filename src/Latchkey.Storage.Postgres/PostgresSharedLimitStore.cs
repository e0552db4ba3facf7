using Latchkey.Core.Stores;
using Npgsql;
using NpgsqlTypes;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// The limits every instance shares, each counted by one atomic statement (<c>INSERT … ON CONFLICT DO UPDATE …
/// RETURNING</c>) on the process's <see cref="NpgsqlDataSource"/>, without an EF Core context: these run on the request
/// path. Times are the server's (<c>statement_timestamp()</c>), so instances whose clocks differ still refill one bucket
/// alike, unless the caller gives its own instant (where the process clock is the shared one, as in tests).
/// </summary>
internal sealed class PostgresSharedLimitStore(PostgresRequestPath requestPath) : ISharedLimitStore
{
    // Note: the bucket is refilled up to the burst, then charged; it may go below zero (a burst of failures already
    // past the check buys a longer wait, not more guesses).
    internal const string ChargeSql = """
        INSERT INTO client_failure_allowance AS a (client, tokens, updated_at) VALUES ($1, $2 - 1, COALESCE($4, statement_timestamp()))
        ON CONFLICT (client) DO UPDATE
        SET tokens = LEAST($2, a.tokens + EXTRACT(EPOCH FROM COALESCE($4, statement_timestamp()) - a.updated_at)::double precision / 60 * $3) - 1,
            updated_at = COALESCE($4, statement_timestamp())
        RETURNING tokens
        """;

    internal const string LeftSql = """
        SELECT LEAST($2, tokens + EXTRACT(EPOCH FROM COALESCE($4, statement_timestamp()) - updated_at)::double precision / 60 * $3)
        FROM client_failure_allowance WHERE client = $1
        """;

    // Note: RETURNING sees the row as this statement left it, so the grant is what fitted under the limit of the block
    // just added. A used-up window is not written again (WHERE), so a flood of refused requests writes nothing.
    internal const string LeaseSql = """
        INSERT INTO rate_limit_window AS w (key, window_start, window_end, used) VALUES ($1, $2, $3, $4)
        ON CONFLICT (key, window_start) DO UPDATE SET used = w.used + $4 WHERE w.used < $5
        RETURNING used
        """;

    internal const string PurgeWindowsSql = """
        DELETE FROM rate_limit_window WHERE ctid IN (SELECT ctid FROM rate_limit_window WHERE window_end < $1 LIMIT $2)
        """;

    internal const string PurgeAllowancesSql = """
        DELETE FROM client_failure_allowance WHERE ctid IN (
            SELECT ctid FROM client_failure_allowance
            WHERE tokens + EXTRACT(EPOCH FROM COALESCE($4, statement_timestamp()) - updated_at)::double precision / 60 * $2 >= $1 LIMIT $3)
        """;

    public double ChargeFailure(string client, double burst, double perMinute, DateTimeOffset? now)
    {
        using var connection = requestPath.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(ChargeSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Varchar, TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = burst });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = perMinute });
        command.Parameters.Add(Instant(now));
        return (double)command.ExecuteScalar()!;
    }

    public async ValueTask<double?> FailuresLeftAsync(
        string client, double burst, double perMinute, DateTimeOffset? now, CancellationToken cancellationToken)
    {
        await using var connection = await requestPath.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(LeftSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Varchar, TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = burst });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = perMinute });
        command.Parameters.Add(Instant(now));
        return await command.ExecuteScalarAsync(cancellationToken) is double left ? left : null;
    }

    public async ValueTask<(int Granted, long Used)> LeaseAsync(
        string key, long windowStart, long windowEnd, int block, int permits, CancellationToken cancellationToken)
    {
        await using var connection = await requestPath.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(LeaseSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Varchar, TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = windowStart });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = windowEnd });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = block });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = permits });
        await command.PrepareAsync(cancellationToken);
        if (await command.ExecuteScalarAsync(cancellationToken) is not long used)
        {
            return (0, permits);
        }

        return ((int)Math.Clamp(permits - (used - block), 0, block), used);
    }

    public async Task<int> PurgeAsync(
        long nowSeconds, double burst, double perMinute, DateTimeOffset? now, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await requestPath.DataSource.OpenConnectionAsync(cancellationToken);
        await using var windows = new NpgsqlCommand(PurgeWindowsSql, connection);
        windows.Parameters.Add(new NpgsqlParameter<long> { TypedValue = nowSeconds });
        windows.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        var deleted = await windows.ExecuteNonQueryAsync(cancellationToken);
        await using var allowances = new NpgsqlCommand(PurgeAllowancesSql, connection);
        allowances.Parameters.Add(new NpgsqlParameter<double> { TypedValue = burst });
        allowances.Parameters.Add(new NpgsqlParameter<double> { TypedValue = perMinute });
        allowances.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        allowances.Parameters.Add(Instant(now));
        return deleted + await allowances.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Instant(DateTimeOffset? now) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now is { } at ? at.ToUniversalTime() : DBNull.Value };
}
