using Latchkey.Core.Stores;
using Latchkey.Storage.Stores;
using Npgsql;
using NpgsqlTypes;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// Last-use writes on PostgreSQL without EF Core, on the request path's own pool (<see cref="PostgresRequestPath"/>):
/// per transaction of <see cref="LastUseBatches.RowsPerTransaction"/> rows, one prepared statement over the ids and
/// instants as arrays, one round trip.
/// </summary>
/// <remarks>
/// Note: one statement rather than one per row: in bench/cluster.sh's uniform workload, where nearly every request
/// records a first use, a statement per row cost PostgreSQL about as much CPU as the lookups themselves. The rows are
/// still locked in the order of the ids, as on every instance: the join is driven by the sorted array (a nested loop
/// over the primary key, or on a table of a few rows a scan in the table's order, the same for every writer).
/// </remarks>
internal sealed class PostgresLastUseStore(PostgresRequestPath requestPath) : ILastUseStore
{
    // Note: later uses only: instances record the same busy credentials, and an older batch must not win.
    internal const string SessionUseSql = """
        UPDATE api_user_key AS s SET last_used_at = u.at
        FROM unnest($1, $2) AS u(id, at)
        WHERE s.id = u.id AND s.last_used_at < u.at
        """;

    internal const string UserUseSql = """
        UPDATE users AS s SET last_used_at = u.at
        FROM unnest($1, $2) AS u(id, at)
        WHERE s.id = u.id AND (s.last_used_at IS NULL OR s.last_used_at < u.at)
        """;

    public Task RecordSessionUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
        RecordAsync(SessionUseSql, uses, cancellationToken);

    public Task RecordUserUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
        RecordAsync(UserUseSql, uses, cancellationToken);

    private async Task RecordAsync(string sql, IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken)
    {
        foreach (var chunk in LastUseBatches.InIdOrder(uses))
        {
            var ids = new Guid[chunk.Length];
            var instants = new DateTimeOffset[chunk.Length];
            for (var i = 0; i < chunk.Length; i++)
            {
                (ids[i], instants[i]) = (chunk[i].Key, chunk[i].Value.ToUniversalTime());
            }

            // Note: a statement is its own transaction; autocommit spares the BEGIN and COMMIT round trips.
            await using var connection = await requestPath.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>
            {
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, TypedValue = instants,
            });
            await command.PrepareAsync(cancellationToken);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
