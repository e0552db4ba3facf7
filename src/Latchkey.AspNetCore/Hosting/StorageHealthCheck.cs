using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>Healthy when the database answers a query against Latchkey's own schema; never cached.</summary>
internal sealed class StorageHealthCheck(LatchkeyDbContext db, IStorageErrorClassifier errors) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await db.Sessions.AnyAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (errors.Classify(e) is not null)
        {
            return HealthCheckResult.Unhealthy(errors.Classify(e) == StorageErrorKind.Unavailable
                ? "The database does not answer." : "The database answers with an error.");
        }
    }
}
