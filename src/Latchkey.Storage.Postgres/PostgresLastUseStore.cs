using Latchkey.Core.Stores;
using Latchkey.Storage.Stores;
using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// Last-use writes on PostgreSQL without EF Core, on the request path's own pool (<see cref="PostgresRequestPath"/>):
/// per transaction of <see cref="LastUseBatches.RowsPerTransaction"/> rows, one batch of prepared statements, one
/// round trip. The rows are locked in the order of the ids, as on every instance (one <c>UPDATE … FROM unnest()</c>
/// would lock them in whatever order its plan joins them).
/// </summary>
internal sealed class PostgresLastUseStore(PostgresRequestPath requestPath) : ILastUseStore
{
    // Note: later uses only: instances record the same busy credentials, and an older batch must not win.
    internal const string SessionUseSql = "UPDATE api_user_key SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2";

    internal const string UserUseSql = "UPDATE users SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)";

    public Task RecordSessionUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
        RecordAsync(SessionUseSql, uses, cancellationToken);

    public Task RecordUserUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
        RecordAsync(UserUseSql, uses, cancellationToken);

    private async Task RecordAsync(string sql, IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken)
    {
        foreach (var chunk in LastUseBatches.InIdOrder(uses))
        {
            await using var connection = await requestPath.DataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var (id, at) in chunk)
            {
                var statement = new NpgsqlBatchCommand(sql);
                statement.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                statement.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
                batch.BatchCommands.Add(statement);
            }

            await batch.PrepareAsync(cancellationToken);
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }
}
