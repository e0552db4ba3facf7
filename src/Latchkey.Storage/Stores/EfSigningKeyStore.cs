using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfSigningKeyStore(LatchkeyDbContext db, IStorageErrorClassifier errors) : ISigningKeyStore
{
    public async Task<IReadOnlyList<SigningKey>> ListAsync(DateTimeOffset retiredAfter, CancellationToken cancellationToken) =>
        await db.SigningKeys.AsNoTracking().Where(k => k.RetiresAt > retiredAfter).OrderBy(k => k.Generation)
            .ToListAsync(cancellationToken);

    public async Task<bool> TryAddAsync(SigningKey key, CancellationToken cancellationToken)
    {
        db.SigningKeys.Add(key);
        try
        {
            return await db.TrySaveUniqueAsync(errors, cancellationToken);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    public async Task<int> RetireSigningAsync(DateTimeOffset at, TimeSpan keyLifetime, CancellationToken cancellationToken)
    {
        // Note: the current key(s) stop signing now; successors, published early enough to be in every cached JWKS,
        // start now instead of at their scheduled time, for one key lifetime.
        var retired = await db.SigningKeys.Where(k => k.ActivatesAt <= at && k.RetiresAt > at)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.RetiresAt, at), cancellationToken);
        var moved = await db.SigningKeys.Where(k => k.ActivatesAt > at)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.ActivatesAt, at).SetProperty(x => x.RetiresAt, at + keyLifetime), cancellationToken);
        return retired + moved;
    }

    public Task<int> DeleteRetiredAsync(DateTimeOffset retiredBefore, CancellationToken cancellationToken) =>
        db.SigningKeys.Where(k => k.RetiresAt <= retiredBefore).ExecuteDeleteAsync(cancellationToken);
}
