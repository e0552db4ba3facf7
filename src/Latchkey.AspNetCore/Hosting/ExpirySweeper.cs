using Latchkey.Core;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Every <c>Latchkey:Sessions:CleanupInterval</c>, deletes expired sessions and forgotten short runs of failed
/// logins, in small batches. Expiry itself is enforced on every request; this only keeps the tables small, and short
/// statements keep the database lock brief.
/// </summary>
internal sealed class ExpirySweeper(
    ExpiryPurge purge,
    TimeProvider time,
    IOptions<LatchkeySessionOptions> options,
    IOptions<LatchkeyNetworkOptions> network,
    ILogger<ExpirySweeper> logger,
    ISharedLimitStore? shared = null,
    IDatabaseClock? clock = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.CleanupInterval, time, stoppingToken);
                var (sessions, throttles) = await SweepAsync(stoppingToken);
                if (sessions + throttles > 0)
                {
                    logger.LogInformation("Deleted {Sessions} expired sessions and {Throttles} stale failed-login counters", sessions, throttles);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not delete expired rows");
            }
        }
    }

    /// <summary>Deletes every expired session and stale counter, one batch per statement; returns how many of each.</summary>
    public async Task<(int Sessions, int Throttles)> SweepAsync(CancellationToken cancellationToken)
    {
        var (sessions, throttles) = await purge.PurgeAsync(cancellationToken);
        if (shared is not null)
        {
            // Note: ended rate-limit windows and failure allowances whole again carry nothing; counted with the throttles.
            var batch = options.Value.CleanupBatchSize;
            int deleted;
            do
            {
                deleted = await shared.PurgeAsync(time.GetUtcNow().ToUnixTimeSeconds(), network.Value.FailureBurst,
                    network.Value.FailuresPerMinute, clock is { ReadsTheServer: false } ? time.GetUtcNow() : null, batch, cancellationToken);
                throttles += deleted;
            }
            while (deleted >= batch);
        }

        return (sessions, throttles);
    }
}
