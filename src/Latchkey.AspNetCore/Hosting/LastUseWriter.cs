using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>Writes pending last-use times in the background, so no authenticated request waits on a write.</summary>
internal sealed class LastUseWriter(LastUseRecorder recorder, IServiceScopeFactory scopes, ILogger<LastUseWriter> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await recorder.WaitAsync(stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ISessionStore>().RecordLastUseAsync(recorder.TakeSessions(), stoppingToken);
                await scope.ServiceProvider.GetRequiredService<IUserStore>().RecordLastUseAsync(recorder.TakeUsers(), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Note: a lost last-use time only makes idle expiry come sooner; it never grants access.
                logger.LogWarning(e, "Could not record last use of sessions");
            }
        }
    }
}
