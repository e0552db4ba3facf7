using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfPasskeyStore(LatchkeyDbContext db) : IPasskeyStore
{
    private static readonly string[] TenantFilter = [LatchkeyDbContext.TenantFilter];

    private IQueryable<Passkey> AllPasskeys => db.Passkeys.IgnoreQueryFilters(TenantFilter).AsNoTracking();

    public async Task<IReadOnlyList<Passkey>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
        await AllPasskeys.Where(p => p.UserId == userId).OrderBy(p => p.Id).ToListAsync(cancellationToken);

    public Task<bool> AnyAsync(Guid userId, CancellationToken cancellationToken) =>
        AllPasskeys.AnyAsync(p => p.UserId == userId, cancellationToken);

    public Task<Passkey?> FindByCredentialIdAsync(byte[] credentialId, CancellationToken cancellationToken) =>
        AllPasskeys.FirstOrDefaultAsync(p => p.CredentialId == credentialId, cancellationToken);

    public async Task<bool> AddAsync(Passkey passkey, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.LockUserAsync(passkey.UserId, cancellationToken);
        if (await AllPasskeys.AnyAsync(p => p.CredentialId == passkey.CredentialId, cancellationToken))
        {
            return false;
        }

        db.Passkeys.Add(passkey);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(passkey).State = EntityState.Detached;
        }

        // Note: as with a confirmed authenticator app: the policy's restriction ends with the enrolment, and the cached
        // copies of those sessions carry it, so they must go.
        if (await db.Sessions.Where(s => s.UserId == passkey.UserId && s.EnrolmentOnly)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EnrolmentOnly, false), cancellationToken) > 0)
        {
            await db.CredentialsChangedAsync(passkey.UserId, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> RemoveAsync(Guid userId, Guid passkeyId, CancellationToken cancellationToken) =>
        await db.Passkeys.Where(p => p.Id == passkeyId && p.UserId == userId).ExecuteDeleteAsync(cancellationToken) == 1;

    // Note: the WHERE on the old counter is the compare-and-set: of two assertions verified against the same stored
    // counter (a replayed or cloned authenticator racing on two instances), one moves it and the other is refused.
    public async Task<bool> RecordUseAsync(
        Guid passkeyId, long expectedSignCount, long signCount, bool backedUp, DateTimeOffset usedAt, CancellationToken cancellationToken) =>
        await db.Passkeys.IgnoreQueryFilters(TenantFilter)
            .Where(p => p.Id == passkeyId && p.SignCount == expectedSignCount)
            .ExecuteUpdateAsync(p => p.SetProperty(x => x.SignCount, signCount).SetProperty(x => x.BackedUp, backedUp)
                .SetProperty(x => x.LastUsedAt, usedAt), cancellationToken) == 1;

    public async Task CreateCeremonyAsync(WebAuthnCeremony ceremony, CancellationToken cancellationToken)
    {
        db.WebAuthnCeremonies.Add(ceremony);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(ceremony).State = EntityState.Detached;
        }
    }

    // Note: deleting is the taking: of two requests with the same ceremony only one deletes the row, and only it goes on.
    public async Task<WebAuthnCeremony?> TakeCeremonyAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ceremony = await db.WebAuthnCeremonies.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (ceremony is null || await db.WebAuthnCeremonies.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken) != 1)
        {
            return null;
        }

        return now < ceremony.ExpiresAt ? ceremony : null;
    }

    public Task<int> DeleteExpiredCeremoniesAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        db.WebAuthnCeremonies.Where(c => c.ExpiresAt <= now).OrderBy(c => c.Id).Take(batchSize).ExecuteDeleteAsync(cancellationToken);
}
