using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage;

/// <summary>Applies pending migrations; the SQLite file is created on first run.</summary>
internal sealed class DatabaseMigrator(LatchkeyDbContext db)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (db.Database.GetDbConnection() is SqliteConnection)
        {
            // Note: write-ahead logging lets readers (every authenticated request) proceed while a login writes;
            // the mode is stored in the file, so setting it once is enough. synchronous stays FULL: a 201 means
            // the row is on disk.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
    }
}
