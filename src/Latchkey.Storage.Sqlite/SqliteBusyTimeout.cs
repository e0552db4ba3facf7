using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Latchkey.Storage.Sqlite;

/// <summary>
/// Lets SQLite itself wait for the write lock (<c>PRAGMA busy_timeout</c>), in steps of a few milliseconds, rather
/// than Microsoft.Data.Sqlite's own retry, which sleeps 150 ms at a time: under concurrent logins that sleep made
/// every contended write cost a tenth of a second or more (a 16-way login burst ran 5× slower).
/// </summary>
internal sealed class SqliteBusyTimeout(int timeoutSeconds) : DbConnectionInterceptor
{
    // Note: the setting belongs to the native connection, which Microsoft.Data.Sqlite pools across opens, so it is
    // set once per native connection rather than on every open of the request path.
    private static readonly ConditionalWeakTable<object, object> Configured = [];

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is SqliteConnection { Handle: { } handle } && !Configured.TryGetValue(handle, out _))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {timeoutSeconds * 1000};";
            await command.ExecuteNonQueryAsync(cancellationToken);
            Configured.AddOrUpdate(handle, handle);
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        ConnectionOpenedAsync(connection, eventData).GetAwaiter().GetResult();
}
