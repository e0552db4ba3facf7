using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfAuditStore(LatchkeyDbContext db) : IAuditStore
{
    public async Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }

        db.AuditEntries.AddRange(entries);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            foreach (var entry in entries)
            {
                db.Entry(entry).State = EntityState.Detached;
            }
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(
        Guid tenantId, string? eventName, Guid? before, int limit, CancellationToken cancellationToken)
    {
        var entries = db.AuditEntries.AsNoTracking().Where(e => e.TenantId == tenantId);
        if (eventName is not null)
        {
            entries = entries.Where(e => e.Event == eventName);
        }

        if (before is { } cursor)
        {
            // Note: the cursor is looked up under the same tenant filter, so another tenant's entry id pages nothing.
            entries = entries.Where(e => e.Sequence < db.AuditEntries
                .Where(c => c.Id == cursor && c.TenantId == tenantId).Select(c => c.Sequence).FirstOrDefault());
        }

        return await entries.OrderByDescending(e => e.Sequence).Take(limit).ToListAsync(cancellationToken);
    }
}
