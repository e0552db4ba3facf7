using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Writes pending last-use times in the background, so no authenticated request waits on a write: at most one round of
/// writes each <see cref="Pace"/>, and what is pending when the host stops.
/// </summary>
internal sealed class LastUseWriter(LastUseRecorder recorder, IServiceScopeFactory scopes, ILogger<LastUseWriter> logger)
    : BackgroundService
{
    /// <summary>
    /// The least time between two rounds of writes. Note: uses are recorded once per <c>LastUsedResolution</c> (a minute
    /// by default), so a tenth of a second later changes nothing a user sees; written as soon as they came, under a
    /// stream of first uses (every cache miss records one), each round was a statement of a few rows, and those
    /// statements cost PostgreSQL about as much as the lookups themselves (docs/benchmarks.md, issue 21's (b)).
    /// A real delay, not the TimeProvider's: it paces the database's work and has no meaning in the product's time.
    /// </summary>
    internal static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan FinalWriteTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await recorder.WaitAsync(stoppingToken);
                await WriteAsync(stoppingToken);
                await Task.Delay(Pace, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Note: a lost last-use time only makes idle expiry come sooner; it never grants access.
                logger.LogWarning(e, "Could not record last use of sessions");
            }
        }

        // Note: the uses of the last round, for a few seconds at most: storage that is down must not hold the shutdown.
        try
        {
            using var bounded = new CancellationTokenSource(FinalWriteTimeout);
            await WriteAsync(bounded.Token);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not record last use of sessions");
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var sessions = recorder.TakeSessions();
        var users = recorder.TakeUsers();
        if (sessions.Count == 0 && users.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ISessionStore>().RecordLastUseAsync(sessions, cancellationToken);
        await scope.ServiceProvider.GetRequiredService<IUserStore>().RecordLastUseAsync(users, cancellationToken);
    }
}
