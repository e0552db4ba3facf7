using Latchkey.Core.Credentials;
using Latchkey.Core.Email;
using Latchkey.Core.Stores;
using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// What <c>/healthz/ready</c> adds to the storage check: the instance is not stopping, the database's schema is the
/// one this build expects (no pending migration), the credential change feed is current, so the cache of verified
/// credentials may be trusted, and the e-mail outbox is not stuck (no message has been due, unclaimed by any sender,
/// longer than <see cref="LatchkeyEmailOptions.ReadyMaxOutboxAge"/>).
/// </summary>
internal sealed class ReadinessHealthCheck(
    ShutdownDrain drain, ICredentialChangeFeed feed, CredentialCache cache, MigrationState migrations, LatchkeyDbContext db,
    IEmailOutboxStore outbox, IOptionsMonitor<LatchkeyEmailOptions> email, TimeProvider time)
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
        if (!feed.IsCurrent && cache.Enabled)
        {
            return HealthCheckResult.Unhealthy("The credential change feed is not current yet.");
        }

        // Note: "stuck" is a due message no sender has claimed (a claim moves it a lease ahead): every instance's sender
        // has stopped. Without delivery configured nothing is sent by design, which /healthz reports as Degraded.
        var options = email.CurrentValue;
        if (EmailConfiguration.IsConfigured(options) && options.ReadyMaxOutboxAge > TimeSpan.Zero
            && await outbox.OldestDueAsync(time.GetUtcNow(), cancellationToken) is { } due
            && time.GetUtcNow() - due > options.ReadyMaxOutboxAge)
        {
            return HealthCheckResult.Unhealthy(
                $"The e-mail outbox is stuck: a message has waited for a sender longer than Latchkey:Email:ReadyMaxOutboxAge ({options.ReadyMaxOutboxAge}).");
        }

        return HealthCheckResult.Healthy();
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
