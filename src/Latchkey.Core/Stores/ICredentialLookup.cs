using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// The one read a cache miss makes on the request path, cross-tenant (it is what establishes the caller's tenant).
/// Each provider implements it without an EF Core context: a prepared command per physical connection, the columns
/// the check needs and nothing else, read into a struct. A singleton; safe to call concurrently.
/// </summary>
internal interface ICredentialLookup
{
    /// <summary>The app session whose key id is <paramref name="keyId"/>, with its user's authentication columns.</summary>
    ValueTask<SessionRow?> FindSessionAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>The machine user whose login (its token's public part) is <paramref name="login"/>.</summary>
    ValueTask<MachineUserRow?> FindMachineUserAsync(string login, CancellationToken cancellationToken);

    /// <summary>Reads made so far (a diagnostic: tests count the database reads of a burst with it).</summary>
    long Reads { get; }
}

/// <summary>
/// What the check of an API key needs: the session's columns, its user's and its tenant's policy limits (null where the
/// tenant keeps the server's), from one join.
/// </summary>
internal readonly record struct SessionRow(
    Guid SessionId,
    string AppId,
    byte[] KeyDigest,
    DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt,
    string Amr,
    DateTimeOffset AuthTime,
    bool EnrolmentOnly,
    Guid UserId,
    Guid TenantId,
    string Login,
    UserKind Kind,
    TenantRole Role,
    string Scopes,
    bool Disabled,
    bool Superseded,
    long? PolicyAbsoluteLifetimeSeconds,
    long? PolicyIdleTimeoutSeconds,
    bool MustChangePassword);

/// <summary>What the check of a machine token needs: the user's columns, the previous token of a rotation included.</summary>
internal readonly record struct MachineUserRow(
    Guid UserId,
    Guid TenantId,
    string Login,
    TenantRole Role,
    string Scopes,
    bool Disabled,
    string SecretVerifier,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? TokenExpiresAt,
    string? PreviousSecretVerifier,
    DateTimeOffset? PreviousSecretSince,
    DateTimeOffset? PreviousSecretUntil);
