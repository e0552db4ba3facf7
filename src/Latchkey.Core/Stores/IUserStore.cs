using Latchkey.Core.Credentials;
using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// Users' authentication data. Every method is confined to the scope's <see cref="TenantContext"/> except the ones
/// marked cross-tenant, which serve login and the background writers.
/// </summary>
internal interface IUserStore
{
    /// <summary>Cross-tenant: login needs no tenant, so the user is found by its globally unique login.</summary>
    Task<User?> FindByLoginAsync(string normalizedLogin, CancellationToken cancellationToken);

    Task<User?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for the metrics: machine users whose token expires after <paramref name="from"/> and by <paramref name="until"/>.</summary>
    Task<int> CountMachineTokensExpiringAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>False when the login is taken (in any tenant).</summary>
    Task<bool> CreateAsync(User user, CancellationToken cancellationToken);

    /// <summary>A page of the tenant's users of <paramref name="kind"/>, newest first.</summary>
    Task<IReadOnlyList<User>> ListAsync(Guid tenantId, UserKind kind, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for imports: which of <paramref name="normalizedLogins"/> some user already has.</summary>
    Task<IReadOnlySet<string>> FindTakenLoginsAsync(IReadOnlyCollection<string> normalizedLogins, CancellationToken cancellationToken);

    /// <summary>
    /// Creates all of <paramref name="newUsers"/> with their audit entries in one statement batch; false (and nothing
    /// stored) when any login is taken.
    /// </summary>
    Task<bool> CreateManyAsync(IReadOnlyCollection<User> newUsers, IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the tenant's human users, newest first, each with the latest use of any of its sessions (null without
    /// one) and its second factors; with <paramref name="loginContains"/> (a normalised login or part of one), only the
    /// users whose login contains it.
    /// </summary>
    Task<IReadOnlyList<UserSummary>> ListHumansAsync(Guid tenantId, string? loginContains, PageRequest page, CancellationToken cancellationToken);

    Task<IReadOnlyList<UserSummary>> ListHumansAsync(Guid tenantId, PageRequest page, CancellationToken cancellationToken) =>
        ListHumansAsync(tenantId, null, page, cancellationToken);

    /// <summary>One human user of the tenant as <see cref="ListHumansAsync"/> describes it; null when there is none.</summary>
    Task<UserSummary?> FindHumanSummaryAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken);

    /// <summary>
    /// Cross-tenant, for login only: replaces the verifier after a rehash of a password just verified for the user
    /// found by its login, only if the stored verifier is still <paramref name="verified"/> (compare-and-set): a
    /// password changed in the meantime is never overwritten by a rehash of the old one. False otherwise.
    /// </summary>
    Task<bool> UpdateVerifierAsync(Guid userId, string verified, string verifier, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the verifier, bumps the user's credential version, and ends every session of the user but
    /// <paramref name="keepSessionId"/> (which moves to the new version), in one transaction: a changed password (or
    /// a rotated token) must not leave a stolen session alive, nor one that a concurrent login is still opening. The
    /// ended sessions (and a machine user's old token) leave tombstones that say <paramref name="reason"/>.
    /// </summary>
    /// <remarks>
    /// With <paramref name="chosenByPerson"/> (their own password change, a reset they completed from the e-mail), the
    /// user's <see cref="User.MustChangePassword"/> is cleared in the same statement; a password an admin or operator
    /// sets leaves it as it was.
    /// </remarks>
    Task<bool> ChangeSecretAsync(
        Guid userId, string verifier, Guid? keepSessionId, CredentialEndReason reason, bool chosenByPerson, CancellationToken cancellationToken);

    Task<bool> ChangeSecretAsync(Guid userId, string verifier, Guid? keepSessionId, CredentialEndReason reason, CancellationToken cancellationToken) =>
        ChangeSecretAsync(userId, verifier, keepSessionId, reason, chosenByPerson: false, cancellationToken);

    /// <summary>
    /// A machine user's new token: replaces the verifier and the token's expiry, bumps the credential version and
    /// buries the old token (<c>token_rotated</c>), in one transaction. With <paramref name="previousUntil"/>, the old
    /// token stays valid until then as the one previous token (replacing any earlier one); without, it ends now.
    /// False when the machine user is not found in the tenant.
    /// </summary>
    Task<bool> RotateMachineTokenAsync(Guid userId, string verifier, DateTimeOffset? expiresAt, DateTimeOffset? previousUntil, CancellationToken cancellationToken);

    /// <summary>
    /// Sets a machine user's scopes (space-separated) and announces the change, since scopes are part of the cached
    /// caller: a narrowed grant holds on every instance from the next request. False when the machine user is not found
    /// in the tenant.
    /// </summary>
    Task<bool> SetScopesAsync(Guid tenantId, Guid userId, string scopes, CancellationToken cancellationToken);

    /// <summary>Ends a machine user's previous token now (its grace period); false when it had none.</summary>
    Task<bool> EndGraceAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the user's role and whether it is disabled, only if they are still <paramref name="seen"/> (compare-and-set:
    /// the caller's role rules were checked against what it read); disabling bumps the credential version and deletes
    /// every session of the user in the same transaction. Refused with <see cref="UserChange.Conflict"/> when the user
    /// changed since it was read, and with <see cref="UserChange.LastOwner"/> when the tenant would be left without an
    /// enabled owner.
    /// </summary>
    Task<UserChange> UpdateAccessAsync(Guid tenantId, Guid userId, UserAccess seen, UserAccess access, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the user and its sessions, only if its role is still <paramref name="seenRole"/>; refused with
    /// <see cref="UserChange.Conflict"/> when it is not, and with <see cref="UserChange.LastOwner"/> when it is the
    /// tenant's last enabled owner.
    /// </summary>
    Task<UserChange> DeleteAsync(Guid tenantId, Guid userId, TenantRole seenRole, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: the background writer records last use of machine users of every tenant.</summary>
    Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken);
}

/// <summary>What an owner or admin changes of a user: its role and whether it is disabled.</summary>
internal readonly record struct UserAccess(TenantRole Role, bool Disabled)
{
    public static UserAccess Of(User user) => new(user.Role, user.Disabled);
}

/// <summary>
/// A user as an admin sees it in a list: the latest use of its sessions, whether it has a confirmed authenticator app
/// and how many passkeys, and (filled in by the service, not the store) its failed-login state.
/// </summary>
internal sealed record UserSummary(User User, DateTimeOffset? LastSessionUseAt, bool HasTotp = false, int Passkeys = 0)
{
    public LoginLockState Lock { get; init; } = LoginLockState.None;
}

/// <summary>What a change to a user came to.</summary>
internal enum UserChange
{
    Done,
    NotFound,

    /// <summary>Refused: at least one enabled owner always remains.</summary>
    LastOwner,

    /// <summary>
    /// Refused: the user's role or state is no longer what the caller read (and checked its rules against); nothing
    /// was changed.
    /// </summary>
    Conflict,
}
