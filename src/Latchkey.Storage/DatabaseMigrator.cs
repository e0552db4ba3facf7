namespace Latchkey.Storage;

/// <summary>
/// Applies pending migrations, with what the provider needs around them (SQLite: write-ahead logging; PostgreSQL: an
/// advisory lock, so that instances starting together migrate once).
/// </summary>
internal sealed class DatabaseMigrator(LatchkeyDbContext db)
{
    public Task MigrateAsync(CancellationToken cancellationToken) => db.MigrateAsync(cancellationToken);
}
