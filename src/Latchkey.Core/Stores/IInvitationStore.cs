using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>Invitations: confined to the scope's tenant except <see cref="FindPendingByDigestAsync"/>.</summary>
internal interface IInvitationStore
{
    Task AddAsync(Invitation invitation, CancellationToken cancellationToken);

    /// <summary>The tenant's invitations neither accepted, revoked nor expired, newest first.</summary>
    Task<IReadOnlyList<Invitation>> ListPendingAsync(Guid tenantId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Revokes a pending invitation of the tenant; false when there is none with this id.</summary>
    Task<bool> RevokeAsync(Guid tenantId, Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: the pending, unexpired invitation whose token has this digest.</summary>
    Task<Invitation?> FindPendingByDigestAsync(byte[] digest, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Spends the invitation for <paramref name="userId"/>, once (compare-and-set); false when it was spent meanwhile.</summary>
    Task<bool> AcceptAsync(Guid id, Guid userId, DateTimeOffset now, CancellationToken cancellationToken);
}
