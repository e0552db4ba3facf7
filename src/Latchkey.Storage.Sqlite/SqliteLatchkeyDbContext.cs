using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Latchkey.Storage.Sqlite;

internal sealed class SqliteLatchkeyDbContext(DbContextOptions<SqliteLatchkeyDbContext> options) : LatchkeyDbContext(options)
{
    public override async Task<IAsyncDisposable> EnterMigrationAsync(CancellationToken cancellationToken)
    {
        // Note: write-ahead logging lets readers (every authenticated request) proceed while a login writes; the mode
        // is stored in the file, so setting it once is enough. synchronous stays FULL: a 201 means the row is on disk.
        // Processes that start together on one file take turns through EF's own migration lock (__EFMigrationsLock).
        await Database.OpenConnectionAsync(cancellationToken);
        await Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        return new ClosesConnection(this);
    }

    private sealed class ClosesConnection(DbContext db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await db.Database.CloseConnectionAsync();
    }

    // Note: nothing to do: Microsoft.Data.Sqlite begins every transaction IMMEDIATE, which takes the database's write
    // lock at once, so writers already take turns for the whole file, tenant row included.
    public override Task LockTenantAsync(Guid tenantId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc cref="LockTenantAsync"/>
    public override Task LockUserAsync(Guid userId, CancellationToken cancellationToken) => Task.CompletedTask;

    // Note: the transaction began IMMEDIATE holds the write lock, so no other sender claims the same rows meanwhile.
    public override Task<List<Guid>> LockDueEmailsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        EmailOutbox.Where(m => m.State == Core.Model.OutboxState.Pending && m.DueAt <= now)
            .OrderBy(m => m.DueAt).Take(limit).Select(m => m.Id).ToListAsync(cancellationToken);

    /// <inheritdoc cref="LockDueEmailsAsync"/>
    public override async Task<Guid?> LockNextPasswordResetRequestAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await PasswordResetRequests.Where(r => r.DueAt <= now).OrderBy(r => r.DueAt).Select(r => (Guid?)r.Id)
            .Take(1).ToListAsync(cancellationToken)).FirstOrDefault();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Note: SQLite has no date type; stored as UTC ticks (a 64-bit integer) instants stay comparable and
        // orderable in SQL whatever offset a caller used, which expiry checks and the sweeper need.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks, ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}
