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
        ListAsync(tenantId, new AuditFilter(), before, limit, cancellationToken);

    /// <summary>As above, only entries of the event <paramref name="eventName"/> when given.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(Guid tenantId, string? eventName, Guid? before, int limit, CancellationToken cancellationToken) =>
        ListAsync(tenantId, new AuditFilter(eventName), before, limit, cancellationToken);

    /// <summary>As above, only entries that match every part of <paramref name="filter"/> that is given.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(Guid tenantId, AuditFilter filter, Guid? before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The names the tenant's live sessions give the app instances <paramref name="appIds"/> (a device's name, "Firefox on
    /// Linux"); an app id without a live session is left out.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> AppNamesAsync(Guid tenantId, IReadOnlyCollection<string> appIds, CancellationToken cancellationToken);
}

/// <summary>
/// Which audit entries to read: of the event <paramref name="Event"/>, done by the user <paramref name="Actor"/>, at or
/// after <paramref name="From"/> and before <paramref name="To"/>; a part left null does not filter.
/// </summary>
internal sealed record AuditFilter(string? Event = null, Guid? Actor = null, DateTimeOffset? From = null, DateTimeOffset? To = null);
