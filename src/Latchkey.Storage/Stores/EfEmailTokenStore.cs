using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfEmailTokenStore(LatchkeyDbContext db) : IEmailTokenStore
{
    private static readonly string[] TenantFilter = [LatchkeyDbContext.TenantFilter];

    public async Task AddReplacingAsync(EmailToken token, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await ConsumeAllAsync(token.UserId, token.Purpose, cancellationToken);
        await AddAsync(token, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task AddAsync(EmailToken token, CancellationToken cancellationToken)
    {
        db.EmailTokens.Add(token);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(token).State = EntityState.Detached;
        }
    }

    // Note: looked up by the digest itself: the token is 256 random bits, so an index match reveals nothing a guess
    // could use, and the stored digest opens nothing.
    public Task<EmailToken?> FindAsync(byte[] digest, EmailTokenPurpose purpose, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.EmailTokens.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Digest == digest && t.Purpose == purpose && !t.Consumed && t.ExpiresAt > now, cancellationToken);

    // Note: the WHERE on Consumed is the compare-and-set: of two requests with one token, one changes the row.
    public async Task<bool> ConsumeAsync(Guid id, CancellationToken cancellationToken) =>
        await db.EmailTokens.Where(t => t.Id == id && !t.Consumed)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Consumed, true), cancellationToken) == 1;

    public Task ConsumeAllAsync(Guid userId, EmailTokenPurpose purpose, CancellationToken cancellationToken) =>
        db.EmailTokens.Where(t => t.UserId == userId && t.Purpose == purpose && !t.Consumed)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Consumed, true), cancellationToken);

    public Task<int> CountSinceAsync(Guid userId, EmailTokenPurpose purpose, DateTimeOffset since, CancellationToken cancellationToken) =>
        db.EmailTokens.CountAsync(t => t.UserId == userId && t.Purpose == purpose && t.CreatedAt > since, cancellationToken);

    public async Task<bool> SetUserEmailAsync(Guid userId, string? email, bool verified, CancellationToken cancellationToken) =>
        await db.Users.IgnoreQueryFilters(TenantFilter).Where(u => u.Id == userId)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Email, email).SetProperty(x => x.EmailVerified, verified), cancellationToken) == 1;

    public Task<User?> FindUserAsync(Guid userId, CancellationToken cancellationToken) =>
        db.Users.IgnoreQueryFilters(TenantFilter).AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);

    public Task<string?> FindTenantNameAsync(Guid tenantId, CancellationToken cancellationToken) =>
        db.Tenants.IgnoreQueryFilters(TenantFilter).Where(t => t.Id == tenantId).Select(t => (string?)t.Name).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> FindOwnerAddressesAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await db.Users.IgnoreQueryFilters(TenantFilter).AsNoTracking()
            .Where(u => u.TenantId == tenantId && u.Kind == UserKind.Human && u.Role == TenantRole.Owner && !u.Disabled
                && u.EmailVerified && u.Email != null)
            .OrderBy(u => u.Id).Select(u => u.Email!).Take(100).ToListAsync(cancellationToken);

    public Task<bool> HasSessionFromAsync(Guid userId, string appId, CancellationToken cancellationToken) =>
        db.Sessions.IgnoreQueryFilters(TenantFilter).AnyAsync(s => s.UserId == userId && s.AppId == appId, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        db.EmailTokens.Where(t => t.ExpiresAt < before && t.CreatedAt < before).ExecuteDeleteAsync(cancellationToken);
}
