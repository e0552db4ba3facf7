using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfTenantStore(LatchkeyDbContext db, IStorageErrorClassifier errors) : ITenantStore
{
    // Note: inserts are not filtered; sign-up creates the tenant before anyone acts in it. The login's uniqueness is
    // the unique index's to decide, across tenants.
    public async Task<bool> CreateWithOwnerAsync(Tenant tenant, User owner, AuditEntry? signup, CancellationToken cancellationToken)
    {
        db.Tenants.Add(tenant);
        db.Users.Add(owner);
        if (signup is not null)
        {
            // Note: one SaveChanges, one transaction: a sign-up is never committed without its entry, and a failure
            // leaves no tenant behind for a retry to collide with.
            db.AuditEntries.Add(signup);
        }

        return await db.TrySaveUniqueAsync(errors, cancellationToken);
    }

    public Task<Tenant?> FindAsync(Guid tenantId, CancellationToken cancellationToken) =>
        db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tenantId, cancellationToken);

    public async Task<IReadOnlyList<Tenant>> ListAllAsync(CancellationToken cancellationToken) =>
        await db.Tenants.IgnoreQueryFilters([LatchkeyDbContext.TenantFilter]).AsNoTracking()
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.Id).ToListAsync(cancellationToken);

    public async Task<bool> UpdateAsync(Guid tenantId, string name, string? contactEmail, CancellationToken cancellationToken) =>
        await db.Tenants.Where(t => t.Id == tenantId)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Name, name).SetProperty(x => x.ContactEmail, contactEmail), cancellationToken) == 1;
}
