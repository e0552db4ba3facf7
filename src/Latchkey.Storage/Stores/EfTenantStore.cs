using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfTenantStore(LatchkeyDbContext db) : ITenantStore
{
    public async Task<bool> CreateWithOwnerAsync(Tenant tenant, User owner, CancellationToken cancellationToken)
    {
        db.Tenants.Add(tenant);
        db.Users.Add(owner);
        return await db.TrySaveUniqueAsync(cancellationToken);
    }

    public Task<Tenant?> FindAsync(Guid tenantId, CancellationToken cancellationToken) =>
        db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tenantId, cancellationToken);
}
