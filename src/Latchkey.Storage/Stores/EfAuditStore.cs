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
        Guid tenantId, AuditFilter filter, Guid? before, int limit, CancellationToken cancellationToken)
    {
        var entries = db.AuditEntries.AsNoTracking().Where(e => e.TenantId == tenantId);
        if (filter.Event is { } eventName)
        {
            entries = entries.Where(e => e.Event == eventName);
        }

        if (filter.Actor is { } actor)
        {
            entries = entries.Where(e => e.ActorUserId == actor);
        }

        if (filter.From is { } from)
        {
            entries = entries.Where(e => e.At >= from);
        }

        if (filter.To is { } to)
        {
            entries = entries.Where(e => e.At < to);
        }

        if (before is { } cursor)
        {
            // Note: the cursor is looked up under the same tenant filter, so another tenant's entry id pages nothing.
            entries = entries.Where(e => e.Sequence < db.AuditEntries
                .Where(c => c.Id == cursor && c.TenantId == tenantId).Select(c => c.Sequence).FirstOrDefault());
        }

        return await entries.OrderByDescending(e => e.Sequence).Take(limit).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> AppNamesAsync(
        Guid tenantId, IReadOnlyCollection<string> appIds, CancellationToken cancellationToken)
    {
        if (appIds.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        // Note: one app id has one live session per person, but several people may share an app instance (a shared
        // browser profile): the newest session's name is the one shown.
        var named = await db.Sessions.AsNoTracking()
            .Where(s => s.TenantId == tenantId && appIds.Contains(s.AppId) && s.AppName != null)
            .OrderByDescending(s => s.CreatedAt)
            .Select(s => new { s.AppId, s.AppName })
            .ToListAsync(cancellationToken);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var session in named)
        {
            names.TryAdd(session.AppId, session.AppName!);
        }

        return names;
    }
}
