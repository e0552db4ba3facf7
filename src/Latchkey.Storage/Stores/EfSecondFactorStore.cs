using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfSecondFactorStore(LatchkeyDbContext db) : ISecondFactorStore
{
    private static readonly string[] TenantFilter = [LatchkeyDbContext.TenantFilter];

    // Note: cross-tenant for login's second step; the id comes from a challenge that a right password created.
    public Task<User?> FindUserAsync(Guid userId, CancellationToken cancellationToken) =>
        db.Users.IgnoreQueryFilters(TenantFilter).AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);

    // Note: cross-tenant: login asks this before any tenant is entered, for a user whose password it has verified.
    public Task<TotpFactor?> FindTotpAsync(Guid userId, CancellationToken cancellationToken) =>
        db.TotpFactors.IgnoreQueryFilters(TenantFilter).AsNoTracking()
            .FirstOrDefaultAsync(f => f.UserId == userId && f.ConfirmedAt != null, cancellationToken);

    public async Task<string> FindMfaPolicyAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await db.TenantMfaPolicies.IgnoreQueryFilters(TenantFilter).AsNoTracking()
            .Where(p => p.TenantId == tenantId).Select(p => p.RequiredFor).FirstOrDefaultAsync(cancellationToken) ?? "";

    public Task<TotpFactor?> FindPendingTotpAsync(Guid userId, CancellationToken cancellationToken) =>
        db.TotpFactors.AsNoTracking().FirstOrDefaultAsync(f => f.UserId == userId && f.ConfirmedAt == null, cancellationToken);

    public async Task<bool> SavePendingTotpAsync(TotpFactor factor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.LockUserAsync(factor.UserId, cancellationToken);
        if (await db.TotpFactors.AnyAsync(f => f.UserId == factor.UserId && f.ConfirmedAt != null, cancellationToken))
        {
            return false;
        }

        await db.TotpFactors.Where(f => f.UserId == factor.UserId).ExecuteDeleteAsync(cancellationToken);
        db.TotpFactors.Add(factor);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(factor).State = EntityState.Detached;
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> ConfirmTotpAsync(
        Guid userId, long step, DateTimeOffset confirmedAt, IReadOnlyCollection<RecoveryCode> codes, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var confirmed = await db.TotpFactors.Where(f => f.UserId == userId && f.ConfirmedAt == null)
            .ExecuteUpdateAsync(f => f.SetProperty(x => x.ConfirmedAt, confirmedAt).SetProperty(x => x.LastStep, step), cancellationToken);
        if (confirmed != 1)
        {
            return false;
        }

        await ReplaceRecoveryCodesAsync(userId, codes, cancellationToken);

        // Note: the policy's restriction ends with the enrolment, on every session of the person; the cached copies
        // of those sessions carry the restriction, so they must go.
        if (await db.Sessions.Where(s => s.UserId == userId && s.EnrolmentOnly)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EnrolmentOnly, false), cancellationToken) > 0)
        {
            await db.CredentialsChangedAsync(userId, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    // Note: the WHERE is the compare-and-set: one statement, atomic on every provider, so of two instances that
    // accept the same code at once only one moves the step.
    public async Task<bool> AcceptTotpStepAsync(Guid userId, long step, CancellationToken cancellationToken) =>
        await db.TotpFactors.IgnoreQueryFilters(TenantFilter)
            .Where(f => f.UserId == userId && f.ConfirmedAt != null && (f.LastStep == null || f.LastStep < step))
            .ExecuteUpdateAsync(f => f.SetProperty(x => x.LastStep, step), cancellationToken) == 1;

    public async Task ReplaceRecoveryCodesAsync(Guid userId, IReadOnlyCollection<RecoveryCode> codes, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.RecoveryCodes.IgnoreQueryFilters(TenantFilter).Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        db.RecoveryCodes.AddRange(codes);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            foreach (var code in codes)
            {
                db.Entry(code).State = EntityState.Detached;
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task<int> CountRecoveryCodesAsync(Guid userId, CancellationToken cancellationToken) =>
        db.RecoveryCodes.CountAsync(c => c.UserId == userId, cancellationToken);

    // Note: deleting is the use: of two requests with the same code only one deletes the row.
    public async Task<bool> UseRecoveryCodeAsync(Guid userId, byte[] digest, CancellationToken cancellationToken) =>
        await db.RecoveryCodes.IgnoreQueryFilters(TenantFilter)
            .Where(c => c.UserId == userId && c.Digest == digest).ExecuteDeleteAsync(cancellationToken) == 1;

    public async Task<bool> DeleteAllAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var had = await DeleteTotpCoreAsync(userId, cancellationToken);
        had |= await db.Passkeys.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken) > 0;
        await db.WebAuthnCeremonies.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.MfaChallenges.IgnoreQueryFilters(TenantFilter).Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return had;
    }

    public async Task<bool> DeleteTotpAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var had = await DeleteTotpCoreAsync(userId, cancellationToken);

        // Note: a login's pending second step may have offered the app; it must start over.
        await db.MfaChallenges.IgnoreQueryFilters(TenantFilter).Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return had;
    }

    private async Task<bool> DeleteTotpCoreAsync(Guid userId, CancellationToken cancellationToken)
    {
        var had = await db.TotpFactors.Where(f => f.UserId == userId && f.ConfirmedAt != null).AnyAsync(cancellationToken);
        await db.TotpFactors.Where(f => f.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.RecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        return had;
    }

    public async Task CreateChallengeAsync(MfaChallenge challenge, CancellationToken cancellationToken)
    {
        db.MfaChallenges.Add(challenge);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(challenge).State = EntityState.Detached;
        }
    }

    public Task<MfaChallenge?> FindChallengeAsync(byte[] tokenDigest, CancellationToken cancellationToken) =>
        db.MfaChallenges.IgnoreQueryFilters(TenantFilter).AsNoTracking().FirstOrDefaultAsync(c => c.TokenDigest == tokenDigest, cancellationToken);

    public async Task CountChallengeFailureAsync(Guid challengeId, int maxFailures, CancellationToken cancellationToken)
    {
        var challenges = db.MfaChallenges.IgnoreQueryFilters(TenantFilter);
        await challenges.Where(c => c.Id == challengeId)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.Failures, x => x.Failures + 1), cancellationToken);
        await challenges.Where(c => c.Id == challengeId && c.Failures >= maxFailures).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<bool> ConsumeChallengeAsync(Guid challengeId, int maxFailures, CancellationToken cancellationToken) =>
        await db.MfaChallenges.IgnoreQueryFilters(TenantFilter)
            .Where(c => c.Id == challengeId && c.Failures < maxFailures).ExecuteDeleteAsync(cancellationToken) == 1;

    public Task<int> DeleteExpiredChallengesAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        db.MfaChallenges.IgnoreQueryFilters(TenantFilter)
            .Where(c => c.ExpiresAt <= now).OrderBy(c => c.Id).Take(batchSize).ExecuteDeleteAsync(cancellationToken);

    public async Task<(DateTimeOffset AuthTime, string Amr)?> FindSessionAuthenticationAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var found = await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId)
            .Select(s => new { s.AuthTime, s.Amr }).FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : (found.AuthTime, found.Amr);
    }

    public async Task<bool> ReauthenticateSessionAsync(Guid userId, Guid sessionId, DateTimeOffset authTime, string amr, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var updated = await db.Sessions.Where(s => s.Id == sessionId && s.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.AuthTime, authTime).SetProperty(x => x.Amr, amr), cancellationToken) == 1;
        if (updated)
        {
            // Note: cached callers carry amr and authTime (GET /v1/me shows them); the copies must go.
            await db.CredentialsChangedAsync(userId, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return updated;
    }

    public async Task<bool> SetMfaPolicyAsync(Guid tenantId, string roles, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.TenantMfaPolicies.Where(p => p.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken);
        if (roles.Length > 0)
        {
            var policy = new TenantMfaPolicy { TenantId = tenantId, RequiredFor = roles };
            db.TenantMfaPolicies.Add(policy);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            finally
            {
                db.Entry(policy).State = EntityState.Detached;
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
