using Latchkey.Core.Credentials;
using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// What <c>/healthz/ready</c> adds to the storage check: the instance is not stopping, the database's schema is the
/// one this build expects (no pending migration), and the credential change feed is current, so the cache of verified
/// credentials may be trusted.
/// </summary>
internal sealed class ReadinessHealthCheck(
    ShutdownDrain drain, ICredentialChangeFeed feed, CredentialCache cache, MigrationState migrations, LatchkeyDbContext db)
    : IHealthCheck
{
    public const string Name = "readiness";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (drain.IsDraining)
        {
            return HealthCheckResult.Unhealthy("The instance is shutting down.");
        }

        if (!await migrations.AreCurrentAsync(db, cancellationToken))
        {
            return HealthCheckResult.Unhealthy("The database has pending migrations: run the server once with --migrate-only.");
        }

        // Note: with the cache off (MaxEntries 0) every request reads the database and the feed's state does not matter.
        return feed.IsCurrent || !cache.Enabled
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The credential change feed is not current yet.");
    }
}

/// <summary>Remembers that the schema was found current: it cannot fall behind this build again.</summary>
internal sealed class MigrationState
{
    private volatile bool _current;

    public async Task<bool> AreCurrentAsync(LatchkeyDbContext db, CancellationToken cancellationToken)
    {
        if (!_current)
        {
            _current = !(await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any();
        }

        return _current;
    }
}
