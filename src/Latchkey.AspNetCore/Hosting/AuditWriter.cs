using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>Writes the audit entries queued off the response path (failed logins), batched in one transaction.</summary>
internal sealed class AuditWriter(AuditQueue queue, IServiceScopeFactory scopes, ILogger<AuditWriter> logger) : BackgroundService
{
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await queue.WaitAsync(stoppingToken);
                await WriteAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not write queued audit entries");
            }
        }

        // Note: what is still queued at shutdown is written once more, so a stopping instance loses no entry it can save.
        try
        {
            await WriteAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not write queued audit entries at shutdown");
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var dropped = queue.TakeDropped();
        if (dropped > 0)
        {
            logger.LogWarning("Dropped {Count} audit entries: the queue was full", dropped);
        }

        for (var batch = queue.Take(BatchSize); batch.Count > 0; batch = queue.Take(BatchSize))
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IAuditStore>().AppendAsync(batch, cancellationToken);
        }
    }
}
