using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfLoginThrottleStore(LatchkeyDbContext db) : ILoginThrottleStore
{
    public Task<LoginThrottleState?> FindAsync(string login, CancellationToken cancellationToken) =>
        db.LoginThrottles.AsNoTracking().FirstOrDefaultAsync(t => t.Login == login, cancellationToken);

    public async Task<bool> TryCountAttemptAsync(string login, int seenFailures, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        if (seenFailures == 0)
        {
            // Note: the primary key decides between concurrent first failures: one insert wins, the rest re-read.
            var state = new LoginThrottleState { Login = login, Failures = 1, NextAttemptAt = nextAttemptAt };
            db.LoginThrottles.Add(state);
            var inserted = await db.TrySaveUniqueAsync(cancellationToken);
            db.Entry(state).State = EntityState.Detached;
            return inserted;
        }

        return await db.LoginThrottles
            .Where(t => t.Login == login && t.Failures == seenFailures)
            .ExecuteUpdateAsync(t => t
                .SetProperty(x => x.Failures, seenFailures + 1)
                .SetProperty(x => x.NextAttemptAt, nextAttemptAt), cancellationToken) == 1;
    }

    public Task ResetAsync(string login, CancellationToken cancellationToken) =>
        db.LoginThrottles.Where(t => t.Login == login).ExecuteDeleteAsync(cancellationToken);
}
