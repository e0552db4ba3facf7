using Latchkey.Core.Stores;
using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>The PostgreSQL server's clock, which every instance on the database reads alike.</summary>
internal sealed class PostgresDatabaseClock(NpgsqlDataSource dataSource) : IDatabaseClock
{
    // Note: statement_timestamp() rather than now(): the same outside a transaction, and still the current instant if
    // a caller ever reads it inside one (now() is the transaction's start).
    public async ValueTask<DateTimeOffset?> NowAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT statement_timestamp()");
        var now = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc));
    }
}
