using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfLoginThrottleStore(LatchkeyDbContext db) : ILoginThrottleStore
{
    public Task<LoginThrottleState?> FindAsync(string loginDigest, CancellationToken cancellationToken) =>
        db.LoginThrottles.AsNoTracking().FirstOrDefaultAsync(t => t.LoginDigest == loginDigest, cancellationToken);

    public async Task<bool> TryCountAttemptAsync(
        string loginDigest, int seenFailures, DateTimeOffset nextAttemptAt, Guid attemptId, CancellationToken cancellationToken)
    {
        if (seenFailures == 0)
        {
            // Note: the primary key decides between concurrent first failures: one insert wins, the rest re-read.
            var state = new LoginThrottleState
            {
                LoginDigest = loginDigest, Failures = 1, NextAttemptAt = nextAttemptAt, LastAttemptId = attemptId,
            };
            db.LoginThrottles.Add(state);
            var inserted = await db.TrySaveUniqueAsync(cancellationToken);
            db.Entry(state).State = EntityState.Detached;
            return inserted;
        }

        return await db.LoginThrottles
            .Where(t => t.LoginDigest == loginDigest && t.Failures == seenFailures)
            .ExecuteUpdateAsync(t => t
                .SetProperty(x => x.Failures, seenFailures + 1)
                .SetProperty(x => x.NextAttemptAt, nextAttemptAt)
                .SetProperty(x => x.LastAttemptId, attemptId), cancellationToken) == 1;
    }

    public async Task<bool> TryUncountAttemptAsync(
        string loginDigest, Guid attemptId, int previousFailures, DateTimeOffset? previousNextAttemptAt, CancellationToken cancellationToken)
    {
        var counted = db.LoginThrottles.Where(t => t.LoginDigest == loginDigest && t.LastAttemptId == attemptId);
        return previousFailures == 0 || previousNextAttemptAt is not { } previous
            ? await counted.ExecuteDeleteAsync(cancellationToken) == 1
            : await counted.ExecuteUpdateAsync(t => t
                .SetProperty(x => x.Failures, previousFailures)
                .SetProperty(x => x.NextAttemptAt, previous)
                .SetProperty(x => x.LastAttemptId, Guid.Empty), cancellationToken) == 1;
    }

    public Task ResetAsync(string loginDigest, Guid? attemptId, CancellationToken cancellationToken) =>
        db.LoginThrottles
            .Where(t => t.LoginDigest == loginDigest && (attemptId == null || t.LastAttemptId == attemptId))
            .ExecuteDeleteAsync(cancellationToken);

    public Task<int> DeleteStaleAsync(DateTimeOffset before, int belowFailures, int batchSize, CancellationToken cancellationToken) =>
        db.LoginThrottles
            .Where(t => t.Failures < belowFailures && t.NextAttemptAt < before)
            .OrderBy(t => t.LoginDigest)
            .Take(batchSize)
            .ExecuteDeleteAsync(cancellationToken);
}
