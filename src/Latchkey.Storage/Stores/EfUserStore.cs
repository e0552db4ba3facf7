using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfUserStore(LatchkeyDbContext db, IStorageErrorClassifier errors, TimeProvider time, ILastUseStore lastUse) : IUserStore
{
    private static readonly string[] TenantFilter = [LatchkeyDbContext.TenantFilter];

    // Note: cross-tenant on purpose: a login is unique across the service and login happens before any tenant is known.
    // Note: compiled once: machine tokens are looked up by login on every request they make.
    private static readonly CompiledPerModel<Func<LatchkeyDbContext, string, CancellationToken, Task<User?>>> FindByLogin =
        new(() => EF.CompileAsyncQuery((LatchkeyDbContext db, string login, CancellationToken _) =>
            db.Users.IgnoreQueryFilters(TenantFilter).AsNoTracking().FirstOrDefault(u => u.Login == login)));

    public Task<User?> FindByLoginAsync(string normalizedLogin, CancellationToken cancellationToken) =>
        FindByLogin.For(db)(db, normalizedLogin, cancellationToken);

    public Task<int> CountMachineTokensExpiringAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken) =>
        db.Users.IgnoreQueryFilters(TenantFilter).AsNoTracking()
            .CountAsync(u => u.Kind == UserKind.Machine && u.TokenExpiresAt > from && u.TokenExpiresAt <= until, cancellationToken);

    public Task<User?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.TenantId == tenantId, cancellationToken);

    public async Task<bool> CreateAsync(User user, CancellationToken cancellationToken)
    {
        db.Users.Add(user);
        return await db.TrySaveUniqueAsync(errors, cancellationToken);
    }

    public async Task<IReadOnlyList<User>> ListAsync(Guid tenantId, UserKind kind, PageRequest page, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking()
            .Where(u => u.TenantId == tenantId && u.Kind == kind)
            .NewestFirst(page)
            .ToListAsync(cancellationToken);

    // Note: cross-tenant, since logins are unique across the service.
    public async Task<IReadOnlySet<string>> FindTakenLoginsAsync(IReadOnlyCollection<string> normalizedLogins, CancellationToken cancellationToken) =>
        (await db.Users.IgnoreQueryFilters(TenantFilter).AsNoTracking()
            .Where(u => normalizedLogins.Contains(u.Login)).Select(u => u.Login)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);

    public async Task<bool> CreateManyAsync(IReadOnlyCollection<User> newUsers, IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken)
    {
        db.Users.AddRange(newUsers);
        db.AuditEntries.AddRange(entries);
        var saved = await db.TrySaveUniqueAsync(errors, cancellationToken);

        // Note: an import adds thousands of rows through one context; tracking them would slow every later batch.
        db.ChangeTracker.Clear();
        return saved;
    }

    public async Task<IReadOnlyList<UserSummary>> ListHumansAsync(
        Guid tenantId, string? loginContains, PageRequest page, CancellationToken cancellationToken)
    {
        var humans = db.Users.AsNoTracking().Where(u => u.TenantId == tenantId && u.Kind == UserKind.Human);
        if (!string.IsNullOrEmpty(loginContains))
        {
            // Note: logins are stored normalised (NFKC, case-folded), and so is the search, so an ordinal substring
            // match is the case-insensitive one on both providers. Contains becomes instr (SQLite) or strpos (PostgreSQL),
            // not LIKE, so % and _ in a search match themselves.
            humans = humans.Where(u => u.Login.Contains(loginContains));
        }

        return await Summaries(humans.NewestFirst(page)).ToListAsync(cancellationToken);
    }

    public Task<UserSummary?> FindHumanSummaryAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        Summaries(db.Users.AsNoTracking().Where(u => u.Id == userId && u.TenantId == tenantId && u.Kind == UserKind.Human))
            .FirstOrDefaultAsync(cancellationToken);

    private IQueryable<UserSummary> Summaries(IQueryable<User> users) =>
        users.Select(u => new UserSummary(
            u,
            db.Sessions.Where(s => s.UserId == u.Id).Max(s => (DateTimeOffset?)s.LastUsedAt),
            db.TotpFactors.Any(f => f.UserId == u.Id && f.ConfirmedAt != null),
            db.Passkeys.Count(p => p.UserId == u.Id)));

    // Note: cross-tenant for login's rehash; the id comes from the lookup by login whose password was just verified.
    // The WHERE on the old verifier is the compare-and-set: one statement, atomic on every provider.
    public async Task<bool> UpdateVerifierAsync(Guid userId, string verified, string verifier, CancellationToken cancellationToken) =>
        await db.Users.IgnoreQueryFilters(TenantFilter).Where(u => u.Id == userId && u.SecretVerifier == verified)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.SecretVerifier, verifier), cancellationToken) == 1;

    public async Task<bool> ChangeSecretAsync(
        Guid userId, string verifier, Guid? keepSessionId, CredentialEndReason reason, bool chosenByPerson, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var old = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Kind, u.Login, u.SecretVerifier }).FirstOrDefaultAsync(cancellationToken);
        if (old is { Kind: UserKind.Machine })
        {
            // Note: the machine user keeps its login; the tombstone is told apart from the new token by its digest.
            await db.BuryMachineTokenAsync(old.Login, old.SecretVerifier, reason, now, now, cancellationToken);
        }

        var updated = await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(x => x.SecretVerifier, verifier)
                .SetProperty(x => x.PreviousSecretVerifier, (string?)null)
                .SetProperty(x => x.PreviousSecretSince, (DateTimeOffset?)null)
                .SetProperty(x => x.PreviousSecretUntil, (DateTimeOffset?)null)
                .SetProperty(x => x.MustChangePassword, x => x.MustChangePassword && !chosenByPerson)
                .SetProperty(x => x.CredentialVersion, x => x.CredentialVersion + 1), cancellationToken);
        if (updated == 1)
        {
            // Note: the bump ends every session issued before it, including one a concurrent login inserts after the
            // delete below; the session that made the change moves to the new version and lives on.
            await db.BuryAsync(db.Sessions.Where(s => s.UserId == userId && s.Id != keepSessionId), reason, now, cancellationToken);
            await db.Sessions.Where(s => s.UserId == userId && s.Id != keepSessionId).ExecuteDeleteAsync(cancellationToken);
            if (keepSessionId is { } keep)
            {
                var version = await db.Users.Where(u => u.Id == userId).Select(u => u.CredentialVersion).FirstAsync(cancellationToken);
                await db.Sessions.Where(s => s.Id == keep && s.UserId == userId)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.CredentialVersion, version), cancellationToken);
            }

            await db.CredentialsChangedAsync(userId, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return updated == 1;
    }

    public async Task<bool> RotateMachineTokenAsync(
        Guid userId, string verifier, DateTimeOffset? expiresAt, DateTimeOffset? previousUntil, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var old = await db.Users.AsNoTracking().Where(u => u.Id == userId && u.Kind == UserKind.Machine)
            .Select(u => new { u.Login, u.SecretVerifier }).FirstOrDefaultAsync(cancellationToken);
        if (old is null)
        {
            return false;
        }

        // Note: the tombstone is written now even when a grace period follows: the request path checks the previous
        // verifier before it looks for a tombstone, so it is heard only once the grace has ended.
        await db.BuryMachineTokenAsync(old.Login, old.SecretVerifier, CredentialEndReason.TokenRotated, now, now, cancellationToken);
        var previous = previousUntil is null ? null : old.SecretVerifier;
        var since = previousUntil is null ? (DateTimeOffset?)null : now;
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(x => x.SecretVerifier, verifier)
                .SetProperty(x => x.TokenExpiresAt, expiresAt)
                .SetProperty(x => x.PreviousSecretVerifier, previous)
                .SetProperty(x => x.PreviousSecretSince, since)
                .SetProperty(x => x.PreviousSecretUntil, previousUntil)
                .SetProperty(x => x.TokenIssuedAt, now)
                .SetProperty(x => x.CredentialVersion, x => x.CredentialVersion + 1), cancellationToken);
        await db.CredentialsChangedAsync(userId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> SetScopesAsync(Guid tenantId, Guid userId, string scopes, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var updated = await OfUser(tenantId, userId).Where(u => u.Kind == UserKind.Machine)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Scopes, scopes), cancellationToken);
        if (updated == 1)
        {
            // Note: the scopes are part of the cached caller, so a withdrawn scope ends cached copies as a revocation does.
            await db.CredentialsChangedAsync(userId, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return updated == 1;
    }

    public async Task<bool> EndGraceAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var ended = await db.Users.Where(u => u.Id == userId && u.Kind == UserKind.Machine && u.PreviousSecretVerifier != null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(x => x.PreviousSecretVerifier, (string?)null)
                .SetProperty(x => x.PreviousSecretSince, (DateTimeOffset?)null)
                .SetProperty(x => x.PreviousSecretUntil, (DateTimeOffset?)null), cancellationToken);

        // Note: announced like any revocation, so that no instance goes on accepting the previous token.
        await db.CredentialsChangedAsync(userId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ended == 1;
    }

    public async Task<UserChange> UpdateAccessAsync(
        Guid tenantId, Guid userId, UserAccess seen, UserAccess access, CancellationToken cancellationToken)
    {
        var (role, disabled) = access;

        // Note: the preconditions are part of the UPDATE (and DELETE) statement itself, and the tenant's row is locked
        // first (SQLite: the write lock of BEGIN IMMEDIATE; PostgreSQL: FOR UPDATE), so two owners demoting each other
        // at once take turns and the second sees the first's change; and an admin's change, checked against a member,
        // cannot land on the owner that user became meanwhile.
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.LockTenantAsync(tenantId, cancellationToken);
        var target = AsSeen(tenantId, userId, seen);
        if (role != TenantRole.Owner || disabled)
        {
            target = LeavingAnEnabledOwner(target, tenantId, userId);
        }

        var updated = await target.ExecuteUpdateAsync(u => u
                .SetProperty(x => x.Role, role)
                .SetProperty(x => x.Disabled, disabled)
                .SetProperty(x => x.CredentialVersion, x => disabled && !x.Disabled ? x.CredentialVersion + 1 : x.CredentialVersion),
                cancellationToken);
        if (updated == 0)
        {
            return await WhyUnchangedAsync(tenantId, userId, seen, cancellationToken);
        }

        if (disabled)
        {
            // Note: the rows go, not just a flag: re-enabling the user must not bring its old keys back.
            await db.BuryAsync(db.Sessions.Where(s => s.UserId == userId), CredentialEndReason.UserDisabled, time.GetUtcNow(), cancellationToken);
            await db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        }

        // Note: a role is part of the cached caller, so a change of role ends cached copies as a disabling does.
        await db.CredentialsChangedAsync(userId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return UserChange.Done;
    }

    public async Task<UserChange> DeleteAsync(Guid tenantId, Guid userId, TenantRole seenRole, CancellationToken cancellationToken)
    {
        // Note: the tenant's row is locked first, as in UpdateAccessAsync, for the same rules.
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.LockTenantAsync(tenantId, cancellationToken);
        var gone = await OfUser(tenantId, userId).AsNoTracking()
            .Select(u => new { u.Kind, u.Login, u.SecretVerifier }).FirstOrDefaultAsync(cancellationToken);

        // Note: buried before the user's row goes, since the foreign key's cascade may take the sessions with it; a
        // refused delete returns without committing, and the tombstones roll back with it.
        var now = time.GetUtcNow();
        await db.BuryAsync(db.Sessions.Where(s => s.UserId == userId), CredentialEndReason.UserDeleted, now, cancellationToken);
        if (gone is { Kind: UserKind.Machine })
        {
            await db.BuryMachineTokenAsync(gone.Login, gone.SecretVerifier, CredentialEndReason.UserDeleted, now, now, cancellationToken);
        }

        var deleted = await LeavingAnEnabledOwner(OfUser(tenantId, userId).Where(u => u.Role == seenRole), tenantId, userId)
            .ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            var role = await OfUser(tenantId, userId).Select(u => (TenantRole?)u.Role).FirstOrDefaultAsync(cancellationToken);
            return role is null ? UserChange.NotFound : role != seenRole ? UserChange.Conflict : UserChange.LastOwner;
        }

        // Note: explicit rather than trusting the cascade, which SQLite applies only with foreign keys enabled.
        await db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.CredentialsChangedAsync(userId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return UserChange.Done;
    }

    // Note: the background writer's statements, without EF Core (ILastUseStore): after a cold start there is one per
    // credential in use.
    public Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
        lastUse.RecordUserUsesAsync(uses, cancellationToken);

    private IQueryable<User> OfUser(Guid tenantId, Guid userId) => db.Users.Where(u => u.Id == userId && u.TenantId == tenantId);

    private IQueryable<User> AsSeen(Guid tenantId, Guid userId, UserAccess seen)
    {
        var (role, disabled) = seen;
        return OfUser(tenantId, userId).Where(u => u.Role == role && u.Disabled == disabled);
    }

    /// <summary>
    /// The last-owner rule, in the one place it is written: the user stays in <paramref name="users"/> only if it is no
    /// enabled owner, or another enabled owner of the tenant remains. Part of the changing statement's WHERE, under the
    /// tenant's lock.
    /// </summary>
    private IQueryable<User> LeavingAnEnabledOwner(IQueryable<User> users, Guid tenantId, Guid userId) =>
        users.Where(u => !(u.Role == TenantRole.Owner && !u.Disabled)
            || db.Users.Any(o => o.TenantId == tenantId && o.Id != userId && o.Role == TenantRole.Owner && !o.Disabled));

    /// <summary>Why a change under the tenant's lock touched no row: the user is gone, changed since it was read, or the last owner.</summary>
    private async Task<UserChange> WhyUnchangedAsync(Guid tenantId, Guid userId, UserAccess seen, CancellationToken cancellationToken)
    {
        var now = await OfUser(tenantId, userId).Select(u => new { u.Role, u.Disabled }).FirstOrDefaultAsync(cancellationToken);
        return now is null ? UserChange.NotFound
            : new UserAccess(now.Role, now.Disabled) != seen ? UserChange.Conflict
            : UserChange.LastOwner;
    }
}
