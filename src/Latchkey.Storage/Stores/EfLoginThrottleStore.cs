using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfLoginThrottleStore(LatchkeyDbContext db) : ILoginThrottleStore
{
    public Task<LoginThrottleState?> FindAsync(string loginDigest, CancellationToken cancellationToken) =>
        db.LoginThrottles.AsNoTracking().FirstOrDefaultAsync(t => t.LoginDigest == loginDigest, cancellationToken);

    public async Task<IReadOnlyList<LoginThrottleState>> FindManyAsync(IReadOnlyCollection<string> loginDigests, CancellationToken cancellationToken) =>
        await db.LoginThrottles.AsNoTracking().Where(t => loginDigests.Contains(t.LoginDigest)).ToListAsync(cancellationToken);

    public async Task<bool> TryBeginAttemptAsync(
        string loginDigest, LoginThrottleState? seen, int pending, DateTimeOffset nextAttemptAt, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (seen is null)
        {
            // Note: the primary key decides between concurrent first attempts: one row is inserted, the others insert
            // nothing and re-read. ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike) makes losing that race a
            // normal outcome rather than an error the provider would log under every burst.
            return await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO login_throttle (login_digest, failures, pending, next_attempt_at, last_attempt_at)
                VALUES ({loginDigest}, 1, {pending}, {ToColumn(nameof(LoginThrottleState.NextAttemptAt), nextAttemptAt)},
                        {ToColumn(nameof(LoginThrottleState.LastAttemptAt), now)})
                ON CONFLICT (login_digest) DO NOTHING
                """, cancellationToken) == 1;
        }

        return await db.LoginThrottles
            .Where(t => t.LoginDigest == loginDigest && t.Failures == seen.Failures && t.Pending == seen.Pending
                && t.LastAttemptAt == seen.LastAttemptAt)
            .ExecuteUpdateAsync(t => t
                .SetProperty(x => x.Failures, seen.Failures + 1)
                .SetProperty(x => x.Pending, pending)
                .SetProperty(x => x.NextAttemptAt, nextAttemptAt)
                .SetProperty(x => x.LastAttemptAt, now), cancellationToken) == 1;
    }

    // Note: UPDATE … RETURNING (SQLite 3.35+, PostgreSQL) reads the row as this statement left it, so of concurrent
    // failures exactly the one that takes the last attempt in flight off a locked count sees the lock begin.
    public async Task<bool> EndFailedAsync(string loginDigest, int lockAt, CancellationToken cancellationToken) =>
        (await db.Database.SqlQuery<int>(
            $"""
            UPDATE login_throttle SET pending = pending - 1
            WHERE login_digest = {loginDigest} AND pending > 0
            RETURNING CASE WHEN pending = 0 AND failures >= {lockAt} THEN 1 ELSE 0 END AS "Value"
            """).ToListAsync(cancellationToken)).SingleOrDefault() == 1;

    public Task EndSucceededAsync(string loginDigest, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.LoginThrottles.Where(t => t.LoginDigest == loginDigest)
            .ExecuteUpdateAsync(t => t
                .SetProperty(x => x.Failures, x => x.Pending > 0 ? x.Pending - 1 : 0)
                .SetProperty(x => x.Pending, x => x.Pending > 0 ? x.Pending - 1 : 0)
                .SetProperty(x => x.NextAttemptAt, now), cancellationToken);

    public Task EndUnverifiedAsync(string loginDigest, int freeAttempts, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.LoginThrottles.Where(t => t.LoginDigest == loginDigest && t.Pending > 0)
            .ExecuteUpdateAsync(t => t
                .SetProperty(x => x.Failures, x => x.Failures - 1)
                .SetProperty(x => x.Pending, x => x.Pending - 1)
                .SetProperty(x => x.NextAttemptAt, x => x.Failures - 1 < freeAttempts ? now : x.NextAttemptAt), cancellationToken);

    public Task ResetAsync(string loginDigest, CancellationToken cancellationToken) =>
        db.LoginThrottles.Where(t => t.LoginDigest == loginDigest).ExecuteDeleteAsync(cancellationToken);

    public Task<int> DeleteStaleAsync(DateTimeOffset before, int belowFailures, int batchSize, CancellationToken cancellationToken) =>
        db.LoginThrottles
            .Where(t => t.Failures < belowFailures && t.NextAttemptAt < before && t.LastAttemptAt < before)
            .OrderBy(t => t.LoginDigest)
            .Take(batchSize)
            .ExecuteDeleteAsync(cancellationToken);

    // Note: raw SQL bypasses EF's value conversion; the provider's own converter (UTC ticks on SQLite) is applied here.
    private object ToColumn(string property, DateTimeOffset value) =>
        db.Model.FindEntityType(typeof(LoginThrottleState))!.FindProperty(property)!.GetTypeMapping().Converter?.ConvertToProvider(value)
        ?? value;
}
