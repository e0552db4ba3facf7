using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>Tenants' own data. The authentication path never calls this store.</summary>
internal interface ITenantStore
{
    /// <summary>
    /// Creates the tenant with its first owner, and its first audit entry when given, in one transaction; false (and
    /// nothing stored) when the owner's login is taken.
    /// </summary>
    Task<bool> CreateWithOwnerAsync(Tenant tenant, User owner, AuditEntry? signup, CancellationToken cancellationToken);

    Task<Tenant?> FindAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for operators only (the command-line tool): every tenant, oldest first.</summary>
    Task<IReadOnlyList<Tenant>> ListAllAsync(CancellationToken cancellationToken);

    /// <summary>Sets the name and contact e-mail (null clears it). False when no such tenant is in scope.</summary>
    Task<bool> UpdateAsync(Guid tenantId, string name, string? contactEmail, CancellationToken cancellationToken);
}
