using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfSessionStore(LatchkeyDbContext db, TimeProvider time, ILastUseStore lastUse) : ISessionStore
{
    private static readonly string[] TenantFilter = [LatchkeyDbContext.TenantFilter];

    public async Task<IReadOnlyList<AppSession>> ReplaceAsync(
        AppSession session, int maxLivePerUser, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        // Note: cross-tenant: login runs before any tenant is entered; the user id comes from the user whose password
        // login has just verified.
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);

        // Note: on READ COMMITTED two logins of one app instance at once would both delete (neither sees the other's
        // uncommitted row) and both insert, and the unique index would refuse the second. Locking the user's row first
        // makes them take turns: the second deletes what the first committed. (SQLite's write lock does so anyway.)
        // The same turn-taking keeps the bound on live sessions exact: the second login counts the first's session.
        await db.LockUserAsync(session.UserId, cancellationToken);
        var ofUser = db.Sessions.IgnoreQueryFilters(TenantFilter).Where(s => s.UserId == session.UserId);
        var sameApp = ofUser.Where(s => s.AppId == session.AppId);
        await db.BuryAsync(sameApp, CredentialEndReason.Replaced, session.CreatedAt, cancellationToken);
        var replaced = await sameApp.ExecuteDeleteAsync(cancellationToken);
        var evicted = await EvictAsync(ofUser, session.CreatedAt, idleTimeout, maxLivePerUser - 1, cancellationToken);
        if (replaced > 0 || evicted.Count > 0)
        {
            // Note: the app instance's old key, and any evicted one, end here, so cached copies of them must go too.
            await db.CredentialsChangedAsync(session.UserId, cancellationToken);
        }

        // Note: the person's latest sign-in, for admins (GET /v1/users): every sign-in opens a session here, and the
        // user's row is locked already, so this costs one more statement in the same transaction.
        await db.Users.IgnoreQueryFilters(TenantFilter).Where(u => u.Id == session.UserId)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.LastSignInAt, session.CreatedAt), cancellationToken);
        db.Sessions.Add(session);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            db.Entry(session).State = EntityState.Detached;
        }

        return evicted;
    }

    /// <summary>Deletes the least recently used of the live sessions in <paramref name="ofUser"/> beyond <paramref name="keep"/>.</summary>
    private async Task<IReadOnlyList<AppSession>> EvictAsync(
        IQueryable<AppSession> ofUser, DateTimeOffset now, TimeSpan idleTimeout, int keep, CancellationToken cancellationToken)
    {
        var live = Live(ofUser, now, idleTimeout);
        var excess = await live.CountAsync(cancellationToken) - keep;
        if (excess <= 0)
        {
            return [];
        }

        // Note: an expired session is already refused and left to the sweeper; only live ones take a place.
        var evicted = await live.AsNoTracking().OrderBy(s => s.LastUsedAt).ThenBy(s => s.Id).Take(excess).ToListAsync(cancellationToken);
        var ids = evicted.Select(s => s.Id).ToList();
        await db.BuryAsync(ofUser.Where(s => ids.Contains(s.Id)), CredentialEndReason.SessionEvicted, now, cancellationToken);
        await ofUser.Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken);
        return evicted;
    }

    private static IQueryable<AppSession> Live(IQueryable<AppSession> sessions, DateTimeOffset now, TimeSpan idleTimeout)
    {
        var idleSince = now - idleTimeout;
        return sessions.Where(s => s.ExpiresAt > now && s.LastUsedAt > idleSince);
    }

    // Note: cross-tenant: this read is what establishes the caller's tenant.
    // Note: compiled once: this lookup runs on every authenticated request, and translating the LINQ each time cost
    // more than the query itself (docs/benchmarks.md).
    private static readonly CompiledPerModel<Func<LatchkeyDbContext, string, CancellationToken, Task<SessionCredential?>>> FindByKeyId =
        new(() => EF.CompileAsyncQuery((LatchkeyDbContext db, string keyId, CancellationToken _) =>
            db.Sessions.IgnoreQueryFilters(TenantFilter).AsNoTracking()
                .Where(s => s.KeyId == keyId)
                .Join(db.Users.IgnoreQueryFilters(TenantFilter), s => s.UserId, u => u.Id, (s, u) => new { s, u })
                // Note: the tenant's policy rides along in the same read (a left join on its primary key), so a stricter
                // policy holds on every request without a second query.
                .LeftJoin(db.TenantPolicies.IgnoreQueryFilters(TenantFilter), x => x.s.TenantId, p => p.TenantId, (x, p) => new SessionCredential(
                    x.s.Id, x.s.AppId, x.s.KeyDigest, x.s.LastUsedAt, x.s.ExpiresAt,
                    x.u.Id, x.u.TenantId, x.u.Login, x.u.Kind, x.u.Role, x.u.Scopes, x.u.Disabled, x.s.CredentialVersion != x.u.CredentialVersion,
                    x.s.EnrolmentOnly, x.s.Amr, x.s.AuthTime, x.s.CreatedAt,
                    p == null ? null : p.SessionAbsoluteLifetimeSeconds, p == null ? null : p.SessionIdleTimeoutSeconds,
                    x.u.MustChangePassword))
                .FirstOrDefault()));

    public Task<SessionCredential?> FindByKeyIdAsync(string keyId, CancellationToken cancellationToken) =>
        FindByKeyId.For(db)(db, keyId, cancellationToken);

    public async Task<IReadOnlyList<AppSession>> ListAsync(
        Guid userId, DateTimeOffset now, TimeSpan idleTimeout, PageRequest page, CancellationToken cancellationToken) =>
        await Live(db.Sessions.AsNoTracking().Where(s => s.UserId == userId), now, idleTimeout).NewestFirst(page)
            .ToListAsync(cancellationToken);

    public async Task<bool> DeleteAsync(Guid userId, Guid sessionId, CredentialEndReason reason, CancellationToken cancellationToken) =>
        await EndAsync(db.Sessions.Where(s => s.Id == sessionId && s.UserId == userId), userId, reason, cancellationToken) == 1;

    public Task<int> DeleteAllAsync(Guid userId, CredentialEndReason reason, CancellationToken cancellationToken) =>
        EndAsync(db.Sessions.Where(s => s.UserId == userId), userId, reason, cancellationToken);

    public async Task<IReadOnlyList<AppSession>> ListInTenantAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await db.Sessions.AsNoTracking().Where(s => s.TenantId == tenantId)
            .OrderByDescending(s => s.CreatedAt).ToListAsync(cancellationToken);

    public Task<int> DeleteAllInTenantAsync(Guid tenantId, CancellationToken cancellationToken) =>
        EndAsync(db.Sessions.Where(s => s.TenantId == tenantId), tenantId, CredentialEndReason.RevokedByAdmin, cancellationToken);

    /// <summary>
    /// Deletes <paramref name="ended"/>, leaving tombstones that say <paramref name="reason"/>, and announces that
    /// <paramref name="subject"/>'s credentials changed.
    /// </summary>
    private async Task<int> EndAsync(IQueryable<AppSession> ended, Guid subject, CredentialEndReason reason, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.BuryAsync(ended, reason, time.GetUtcNow(), cancellationToken);
        var count = await ended.ExecuteDeleteAsync(cancellationToken);

        // Note: announced even when nothing was left to end: the call may be the retry of one whose commit went through
        // unheard (or whose caller died before waiting), and it must not return before that change holds everywhere.
        // Waiting for this announcement does that, since every instance applies announcements in commit order.
        await db.CredentialsChangedAsync(subject, cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    public async Task<int> EndBeyondLimitsAsync(
        Guid tenantId, SessionLimits before, SessionLimits after, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var inTenant = db.Sessions.IgnoreQueryFilters(TenantFilter).Where(s => s.TenantId == tenantId);
        var createdSince = now - before.AbsoluteLifetime;
        var usedSince = now - before.IdleTimeout;

        // Note: only sessions live under the old limits: one that had already expired or gone idle keeps that reason.
        // A policy change is rare and the rows are four columns, so the choice is made here rather than in SQL.
        var live = await inTenant.AsNoTracking()
            .Where(s => s.ExpiresAt > now && s.CreatedAt > createdSince && s.LastUsedAt > usedSince)
            .Select(s => new { s.Id, s.UserId, s.CreatedAt, s.LastUsedAt })
            .ToListAsync(cancellationToken);
        var ended = live.Where(s => s.CreatedAt + after.AbsoluteLifetime <= now || s.LastUsedAt + after.IdleTimeout <= now)
            .Select(s => s.Id).ToHashSet();
        foreach (var person in live.Where(s => !ended.Contains(s.Id)).GroupBy(s => s.UserId))
        {
            foreach (var excess in person.OrderByDescending(s => s.LastUsedAt).ThenByDescending(s => s.Id).Skip(after.MaxPerUser))
            {
                ended.Add(excess.Id);
            }
        }

        foreach (var chunk in ended.Chunk(500))
        {
            var ids = chunk.ToList();
            await db.BuryAsync(inTenant.Where(s => ids.Contains(s.Id)), CredentialEndReason.TenantPolicy, now, cancellationToken);
            await inTenant.Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        await db.CredentialsChangedAsync(tenantId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ended.Count;
    }

    // Note: the background writer's statements, without EF Core (ILastUseStore): after a cold start there is one per
    // credential in use.
    public Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
        lastUse.RecordSessionUsesAsync(uses, cancellationToken);

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, TimeSpan idleTimeout, int batchSize, CancellationToken cancellationToken)
    {
        // Note: cross-tenant: the sweeper keeps the whole table small; expiry is the only condition. Each swept key
        // leaves a tombstone, so its holder still hears "expired" or "idle" after the row is gone.
        var idleSince = now - idleTimeout;
        var all = db.Sessions.IgnoreQueryFilters(TenantFilter);
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var batch = await all.AsNoTracking()
            .Where(s => s.ExpiresAt <= now || s.LastUsedAt <= idleSince)
            .OrderBy(s => s.Id)
            .Take(batchSize)
            .Select(s => new { s.Id, s.ExpiresAt })
            .ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        var expired = batch.Where(s => s.ExpiresAt <= now).Select(s => s.Id).ToList();
        var idle = batch.Where(s => s.ExpiresAt > now).Select(s => s.Id).ToList();
        await db.BuryAsync(all.Where(s => expired.Contains(s.Id)), CredentialEndReason.Expired, now, cancellationToken);
        await db.BuryAsync(all.Where(s => idle.Contains(s.Id)), CredentialEndReason.Idle, now, cancellationToken);
        var ids = batch.Select(s => s.Id).ToList();
        var deleted = await all.Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }
}
