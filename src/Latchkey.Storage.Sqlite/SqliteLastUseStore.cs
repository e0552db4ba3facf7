using Latchkey.Core.Stores;
using Latchkey.Storage.Stores;
using Microsoft.Data.Sqlite;

namespace Latchkey.Storage.Sqlite;

/// <summary>
/// Last-use writes on SQLite without EF Core: per transaction of <see cref="LastUseBatches.RowsPerTransaction"/> rows,
/// one statement prepared and run for each row. A transaction (begun IMMEDIATE) is one disk flush for many uses, and
/// short, so that a login's write waits little for it.
/// </summary>
/// <remarks>
/// Note: Microsoft.Data.Sqlite is synchronous underneath its async methods, so the writes run synchronously. Ids are
/// the uppercase text and instants the UTC ticks EF Core writes (SqliteLatchkeyDbContext).
/// </remarks>
internal sealed class SqliteLastUseStore(string connectionString, int busyTimeoutSeconds) : ILastUseStore
{
    // Note: later uses only: an older batch must not win.
    internal const string SessionUseSql = "UPDATE api_user_key SET last_used_at = $at WHERE id = $id AND last_used_at < $at";

    internal const string UserUseSql = "UPDATE users SET last_used_at = $at WHERE id = $id AND (last_used_at IS NULL OR last_used_at < $at)";

    public Task RecordSessionUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken)
    {
        Record(SessionUseSql, uses);
        return Task.CompletedTask;
    }

    public Task RecordUserUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken)
    {
        Record(UserUseSql, uses);
        return Task.CompletedTask;
    }

    private void Record(string sql, IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses)
    {
        foreach (var chunk in LastUseBatches.InIdOrder(uses))
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                // Note: as SqliteBusyTimeout does for EF Core: SQLite waits for the write lock itself, in short steps.
                pragma.CommandText = $"PRAGMA busy_timeout = {busyTimeoutSeconds * 1000};";
                pragma.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var at = command.Parameters.Add("$at", SqliteType.Integer);
            command.Prepare();
            foreach (var (key, when) in chunk)
            {
                id.Value = key.ToString().ToUpperInvariant();
                at.Value = when.UtcTicks;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }
}
