using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfMachineUserRateLimitStore(LatchkeyDbContext db) : IMachineUserRateLimitStore
{
    public Task<MachineUserRateLimit?> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        db.MachineUserRateLimits.IgnoreQueryFilters([LatchkeyDbContext.TenantFilter]).AsNoTracking()
            .FirstOrDefaultAsync(l => l.UserId == userId, cancellationToken);

    public async Task SetAsync(MachineUserRateLimit limit, CancellationToken cancellationToken)
    {
        // Note: update first, insert if there was nothing to update; two admins setting one limit at once both end
        // with a row (the primary key turns the second insert into a conflict, answered by the update on retry).
        var updated = await db.MachineUserRateLimits.Where(l => l.UserId == limit.UserId && l.TenantId == limit.TenantId)
            .ExecuteUpdateAsync(l => l
                .SetProperty(x => x.Permits, limit.Permits)
                .SetProperty(x => x.WindowSeconds, limit.WindowSeconds)
                .SetProperty(x => x.UpdatedAt, limit.UpdatedAt), cancellationToken);
        if (updated == 0)
        {
            db.MachineUserRateLimits.Add(limit);
            await db.SaveChangesAsync(cancellationToken);
            db.Entry(limit).State = EntityState.Detached;
        }
    }

    public async Task<bool> ClearAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        await db.MachineUserRateLimits.Where(l => l.UserId == userId && l.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken) > 0;
}
