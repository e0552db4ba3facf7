using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfUserStore(LatchkeyDbContext db) : IUserStore
{
    public Task<User?> FindByLoginAsync(string normalizedLogin, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Login == normalizedLogin, cancellationToken);

    public Task<User?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.TenantId == tenantId, cancellationToken);

    public async Task<bool> CreateAsync(User user, CancellationToken cancellationToken)
    {
        db.Users.Add(user);
        return await db.TrySaveUniqueAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<User>> ListAsync(Guid tenantId, UserKind kind, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking()
            .Where(u => u.TenantId == tenantId && u.Kind == kind)
            .OrderBy(u => u.Id)
            .ToListAsync(cancellationToken);

    public async Task<bool> UpdateVerifierAsync(Guid userId, string verifier, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.SecretVerifier, verifier), cancellationToken) == 1;

    public async Task<bool> ChangeSecretAsync(Guid userId, string verifier, Guid? keepSessionId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var updated = await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.SecretVerifier, verifier), cancellationToken);
        await db.Sessions.Where(s => s.UserId == userId && s.Id != keepSessionId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return updated == 1;
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.Users.Where(u => u.Id == userId && u.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 1)
        {
            // Note: explicit rather than trusting the cascade, which SQLite applies only with foreign keys enabled.
            await db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    public async Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken)
    {
        if (uses.Count == 0)
        {
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (id, at) in uses)
        {
            await db.Users.Where(u => u.Id == id && (u.LastUsedAt == null || u.LastUsedAt < at))
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.LastUsedAt, at), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
