using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Latchkey.Storage.Postgres;

internal sealed class PostgresLatchkeyDbContext(DbContextOptions<PostgresLatchkeyDbContext> options) : LatchkeyDbContext(options)
{
    /// <summary>
    /// The advisory lock that instances take around migrations: an arbitrary 64-bit number, the same in every
    /// Latchkey version, scoped to the database it is taken in.
    /// </summary>
    public const long MigrationLock = 0x4c6174636b6579; // "Latckey" in ASCII

    public override async Task<IAsyncDisposable> EnterMigrationAsync(CancellationToken cancellationToken)
    {
        // Note: N instances starting together would each see the same pending migrations; the session-level advisory
        // lock makes them take turns, and whoever comes second finds nothing left to do. The lock belongs to the
        // connection, so the connection stays open until the unlock (and the lock goes if the process dies).
        await Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLock})", cancellationToken);

            // Note: EF's PostgreSQL migrator reads the history table before it creates it; on a fresh database that
            // read fails, and EF logs the failed command (a warning here, an error by EF's default) before it carries
            // on. A new user's first start would open with a failure in the log, so the table is created first, with
            // EF's own script, and the read finds it.
            await Database.ExecuteSqlRawAsync(this.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
        }
        catch
        {
            await Database.CloseConnectionAsync();
            throw;
        }

        return new Unlocks(this);
    }

    private sealed class Unlocks(DbContext db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLock})");
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Note: timestamptz stores an instant; Npgsql writes only offset-zero values, so any offset a caller used is
        // turned into UTC on the way in (for parameters of queries too), and instants compare as instants.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(v => v.ToUniversalTime(), v => v);

    // Note: FOR NO KEY UPDATE, not FOR UPDATE: it excludes the other lockers all the same, but not the KEY SHARE locks
    // that inserting a row which references the tenant (or user) takes, so unrelated writes do not queue behind it.
    public override Task LockTenantAsync(Guid tenantId, CancellationToken cancellationToken) =>
        Database.ExecuteSqlAsync($"SELECT 1 FROM tenants WHERE id = {tenantId} FOR NO KEY UPDATE", cancellationToken);

    // Note: SKIP LOCKED: another sender's claimed rows are passed over, not waited for, so senders share the outbox.
    public override Task<List<Guid>> LockDueEmailsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        Database.SqlQuery<Guid>($"""
            SELECT id AS "Value" FROM email_outbox WHERE state = 0 AND due_at <= {now.ToUniversalTime()}
            ORDER BY due_at LIMIT {limit} FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);

    /// <inheritdoc cref="LockDueEmailsAsync"/>
    public override async Task<Guid?> LockNextPasswordResetRequestAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await Database.SqlQuery<Guid>($"""
            SELECT id AS "Value" FROM password_reset_requests WHERE due_at <= {now.ToUniversalTime()}
            ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken)).Select(id => (Guid?)id).FirstOrDefault();

    public override Task LockUserAsync(Guid userId, CancellationToken cancellationToken) =>
        Database.ExecuteSqlAsync($"SELECT 1 FROM users WHERE id = {userId} FOR NO KEY UPDATE", cancellationToken);
}
