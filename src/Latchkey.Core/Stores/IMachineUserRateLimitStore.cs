using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>Machine users' own rate limits.</summary>
internal interface IMachineUserRateLimitStore
{
    /// <summary>The machine user's own limit, whatever its tenant (the request path knows only the authenticated id).</summary>
    Task<MachineUserRateLimit?> FindAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Sets (inserts or replaces) the limit; the caller has checked that the user is a machine of the tenant.</summary>
    Task SetAsync(MachineUserRateLimit limit, CancellationToken cancellationToken);

    /// <summary>Clears the limit; false when it had none.</summary>
    Task<bool> ClearAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken);
}
