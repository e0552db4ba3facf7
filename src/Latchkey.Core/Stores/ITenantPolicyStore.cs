using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>The tenants' own rules (<see cref="TenantPolicy"/>).</summary>
internal interface ITenantPolicyStore
{
    /// <summary>
    /// Cross-tenant (login and password changes read it before any tenant is entered): the tenant's policy, or an
    /// empty one (the server's rules) when it has set none.
    /// </summary>
    Task<TenantPolicy> FindAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="policy"/> in place of the tenant's previous one (an empty one deletes it).</summary>
    Task SetAsync(TenantPolicy policy, CancellationToken cancellationToken);
}
