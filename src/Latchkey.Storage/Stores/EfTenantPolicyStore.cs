using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfTenantPolicyStore(LatchkeyDbContext db) : ITenantPolicyStore
{
    private static readonly string[] TenantFilter = [LatchkeyDbContext.TenantFilter];

    public async Task<TenantPolicy> FindAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await db.TenantPolicies.IgnoreQueryFilters(TenantFilter).AsNoTracking()
            .FirstOrDefaultAsync(p => p.TenantId == tenantId, cancellationToken)
        ?? new TenantPolicy { TenantId = tenantId };

    public async Task SetAsync(TenantPolicy policy, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        await db.TenantPolicies.Where(p => p.TenantId == policy.TenantId).ExecuteDeleteAsync(cancellationToken);
        if (!policy.IsEmpty)
        {
            var row = policy.Copy();
            db.TenantPolicies.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            finally
            {
                db.Entry(row).State = EntityState.Detached;
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
