namespace Latchkey.Core.Stores;

/// <summary>
/// The tenant one unit of work (a request's scope) acts in. Storage confines every query on users, sessions and audit
/// entries to it, and matches nothing while none has been entered: code that forgets a tenant check finds nothing
/// rather than another tenant's rows. The authentication handler enters the caller's tenant.
/// </summary>
internal sealed class TenantContext
{
    public Guid? TenantId { get; private set; }

    /// <summary>Confines this scope to <paramref name="tenantId"/>; a scope never changes tenant once entered.</summary>
    public void Enter(Guid tenantId)
    {
        if (TenantId is { } current && current != tenantId)
        {
            throw new InvalidOperationException("This scope already acts in another tenant.");
        }

        TenantId = tenantId;
    }
}
