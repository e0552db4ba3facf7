using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>Users' authentication data. Every query that an admin can reach is scoped by tenant.</summary>
internal interface IUserStore
{
    Task<User?> FindByLoginAsync(string normalizedLogin, CancellationToken cancellationToken);

    Task<User?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken);

    /// <summary>False when the login is taken.</summary>
    Task<bool> CreateAsync(User user, CancellationToken cancellationToken);

    Task<IReadOnlyList<User>> ListAsync(Guid tenantId, UserKind kind, CancellationToken cancellationToken);

    /// <summary>Replaces the verifier, e.g. after a rehash on login. False when the user is gone.</summary>
    Task<bool> UpdateVerifierAsync(Guid userId, string verifier, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the verifier and ends every session of the user but <paramref name="keepSessionId"/>, in one
    /// transaction: a changed password must not leave a stolen session alive.
    /// </summary>
    Task<bool> ChangeSecretAsync(Guid userId, string verifier, Guid? keepSessionId, CancellationToken cancellationToken);

    /// <summary>Deletes the user and its sessions. False when no such user is in the tenant.</summary>
    Task<bool> DeleteAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken);

    Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken);
}
