using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfInvitationStore(LatchkeyDbContext db) : IInvitationStore
{
    private static readonly string[] TenantFilter = [LatchkeyDbContext.TenantFilter];

    public async Task AddAsync(Invitation invitation, CancellationToken cancellationToken)
    {
        db.Invitations.Add(invitation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(invitation).State = EntityState.Detached;
        }
    }

    public async Task<IReadOnlyList<Invitation>> ListPendingAsync(Guid tenantId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Invitations.AsNoTracking()
            .Where(i => i.TenantId == tenantId && i.EndedAt == null && i.ExpiresAt > now)
            .OrderByDescending(i => i.CreatedAt).ToListAsync(cancellationToken);

    public async Task<bool> RevokeAsync(Guid tenantId, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Invitations.Where(i => i.Id == id && i.TenantId == tenantId && i.EndedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(i => i.SetProperty(x => x.EndedAt, now), cancellationToken) == 1;

    // Note: cross-tenant: whoever holds the link has no session; the row says which tenant to enter.
    public Task<Invitation?> FindPendingByDigestAsync(byte[] digest, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Invitations.IgnoreQueryFilters(TenantFilter).AsNoTracking()
            .FirstOrDefaultAsync(i => i.Digest == digest && i.EndedAt == null && i.ExpiresAt > now, cancellationToken);

    public async Task<bool> AcceptAsync(Guid id, Guid userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Invitations.IgnoreQueryFilters(TenantFilter).Where(i => i.Id == id && i.EndedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(i => i.SetProperty(x => x.EndedAt, now).SetProperty(x => x.AcceptedUserId, userId), cancellationToken) == 1;
}
