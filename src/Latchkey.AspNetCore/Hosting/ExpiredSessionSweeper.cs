using Latchkey.Core;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Deletes expired sessions in small batches. Expiry itself is enforced on every request; this only keeps the table
/// small, and short statements keep the database lock brief.
/// </summary>
internal sealed class ExpiredSessionSweeper(
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<LatchkeySessionOptions> options,
    ILogger<ExpiredSessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.CleanupInterval, time, stoppingToken);
                var deleted = await SweepAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} expired sessions", deleted);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not delete expired sessions");
            }
        }
    }

    /// <summary>Deletes every expired session, one batch per statement; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var total = 0;
        int deleted;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            var sessions = scope.ServiceProvider.GetRequiredService<ISessionStore>();
            deleted = await sessions.DeleteExpiredAsync(time.GetUtcNow(), settings.IdleTimeout, settings.CleanupBatchSize, cancellationToken);
            total += deleted;
        }
        while (deleted == settings.CleanupBatchSize);

        return total;
    }
}
