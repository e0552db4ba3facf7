using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>The tenants' audit logs: appended to, and read newest first. Entries are never changed.</summary>
internal interface IAuditStore
{
    /// <summary>Appends the entries in one transaction, in the order given.</summary>
    Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// At most <paramref name="limit"/> entries of the tenant, newest first, older than the entry
    /// <paramref name="before"/> when given (empty when that entry is not the tenant's).
    /// </summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(Guid tenantId, Guid? before, int limit, CancellationToken cancellationToken) =>
        ListAsync(tenantId, null, before, limit, cancellationToken);

    /// <summary>As above, only entries of the event <paramref name="eventName"/> when given.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(Guid tenantId, string? eventName, Guid? before, int limit, CancellationToken cancellationToken);
}
