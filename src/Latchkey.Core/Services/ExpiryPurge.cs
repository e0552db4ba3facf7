using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>
/// Deletes expired sessions and forgotten short runs of failed logins, one small batch per statement (and scope), so the
/// database lock stays brief. Expiry itself is enforced on every request; this only keeps the tables small. The
/// server runs it on a timer, operators with <c>latchkey purge-expired</c>.
/// </summary>
internal sealed class ExpiryPurge(IServiceScopeFactory scopes, TimeProvider time, IOptions<LatchkeySessionOptions> options)
{
    /// <summary>Deletes every expired session and stale counter; returns how many of each.</summary>
    public async Task<(int Sessions, int Throttles)> PurgeAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var sessions = await InBatchesAsync(sp => sp.GetRequiredService<ISessionStore>()
            .DeleteExpiredAsync(time.GetUtcNow(), settings.IdleTimeout, settings.CleanupBatchSize, cancellationToken));
        var throttles = await InBatchesAsync(sp => sp.GetRequiredService<LoginThrottle>()
            .ForgetStaleAsync(settings.CleanupBatchSize, cancellationToken));

        // Note: a login's second step that never came; counted with the sessions, which it would have become.
        sessions += await InBatchesAsync(sp => sp.GetRequiredService<ISecondFactorStore>()
            .DeleteExpiredChallengesAsync(time.GetUtcNow(), settings.CleanupBatchSize, cancellationToken));
        sessions += await InBatchesAsync(sp => sp.GetRequiredService<IPasskeyStore>()
            .DeleteExpiredCeremoniesAsync(time.GetUtcNow(), settings.CleanupBatchSize, cancellationToken));

        // Note: not counted: a tombstone is what is left of a credential already counted when it ended.
        await InBatchesAsync(sp => sp.GetRequiredService<ICredentialTombstoneStore>()
            .PurgeAsync(time.GetUtcNow() - settings.TombstoneLifetime, settings.CleanupBatchSize, cancellationToken));
        return (sessions, throttles);

        async Task<int> InBatchesAsync(Func<IServiceProvider, Task<int>> deleteBatch)
        {
            var total = 0;
            int deleted;
            do
            {
                await using var scope = scopes.CreateAsyncScope();
                deleted = await deleteBatch(scope.ServiceProvider);
                total += deleted;
            }
            while (deleted == settings.CleanupBatchSize);

            return total;
        }
    }
}
