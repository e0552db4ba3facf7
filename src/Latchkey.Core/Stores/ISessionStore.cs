using Latchkey.Core.Credentials;
using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// App sessions (seed 1's api_user_key table). Every method is confined to the scope's <see cref="TenantContext"/>
/// except the ones marked cross-tenant, which serve login, request authentication and the background jobs.
/// </summary>
internal interface ISessionStore
{
    /// <summary>
    /// Cross-tenant, for login: stores <paramref name="session"/>, replacing the user's previous session for the same
    /// app id in the same transaction: one live key per app instance. When the user already has
    /// <paramref name="maxLivePerUser"/> live sessions (live at the session's creation, within
    /// <paramref name="idleTimeout"/> of their last use), the least recently used ones end in the same transaction, so
    /// that exactly that many are live afterwards however many logins of the user run at once; they are returned.
    /// </summary>
    Task<IReadOnlyList<AppSession>> ReplaceAsync(
        AppSession session, int maxLivePerUser, TimeSpan idleTimeout, CancellationToken cancellationToken);

    /// <summary>
    /// Cross-tenant: the request path's one read, the session by key id with what the caller's identity needs from its
    /// user. The tenant is not known until this read has found it.
    /// </summary>
    Task<SessionCredential?> FindByKeyIdAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the user's sessions live at <paramref name="now"/> (neither past their absolute expiry nor unused for
    /// <paramref name="idleTimeout"/>), newest first; expired ones are not shown even before the sweeper removes them.
    /// </summary>
    Task<IReadOnlyList<AppSession>> ListAsync(
        Guid userId, DateTimeOffset now, TimeSpan idleTimeout, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Ends the session (its holder is told <paramref name="reason"/>); false when it is not one of <paramref name="userId"/>'s.</summary>
    Task<bool> DeleteAsync(Guid userId, Guid sessionId, CredentialEndReason reason, CancellationToken cancellationToken);

    /// <summary>Ends every session of the user; their holders are told <paramref name="reason"/>.</summary>
    Task<int> DeleteAllAsync(Guid userId, CredentialEndReason reason, CancellationToken cancellationToken);

    /// <summary>Every session of the tenant's users, newest first.</summary>
    Task<IReadOnlyList<AppSession>> ListInTenantAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Ends every session of the tenant's users (<c>revoked_by_admin</c>); returns how many.</summary>
    Task<int> DeleteAllInTenantAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Ends the tenant's sessions that were live under <paramref name="before"/> and are not under
    /// <paramref name="after"/> (past the shorter lifetimes, or beyond the smaller number per person, least recently
    /// used first); their holders are told <c>tenant_policy</c>. Announces a change of the whole tenant even when none
    /// ended, since cached sessions must now be checked against the new limits. Returns how many ended.
    /// </summary>
    Task<int> EndBeyondLimitsAsync(Guid tenantId, SessionLimits before, SessionLimits after, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: the background writer records last use of sessions of every tenant.</summary>
    Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken);

    /// <summary>
    /// Cross-tenant: deletes at most <paramref name="batchSize"/> sessions past their absolute or idle expiry, of any
    /// tenant, leaving a tombstone for each (<c>expired</c> or <c>idle</c>); returns how many.
    /// </summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, TimeSpan idleTimeout, int batchSize, CancellationToken cancellationToken);
}

/// <summary>
/// A session joined with the parts of its user that authentication needs; never the tenant's data.
/// <paramref name="Superseded"/>: the user's credentials changed after the session was issued.
/// <paramref name="EnrolmentOnly"/>: the session may only enrol a second factor (the tenant's MFA policy).
/// <paramref name="MustChangePassword"/>: the user must choose their own password before anything else.
/// <paramref name="PolicyAbsoluteLifetimeSeconds"/>, <paramref name="PolicyIdleTimeoutSeconds"/>: the tenant's own
/// (shorter) session lifetimes, when it has set them (<see cref="Model.TenantPolicy"/>).
/// </summary>
internal sealed record SessionCredential(
    Guid SessionId,
    string AppId,
    byte[] KeyDigest,
    DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt,
    Guid UserId,
    Guid TenantId,
    string Login,
    UserKind Kind,
    TenantRole Role,
    string Scopes,
    bool Disabled,
    bool Superseded,
    bool EnrolmentOnly = false,
    string Amr = AuthenticationMethods.Password,
    DateTimeOffset AuthTime = default,
    DateTimeOffset? CreatedAt = null,
    long? PolicyAbsoluteLifetimeSeconds = null,
    long? PolicyIdleTimeoutSeconds = null,
    bool MustChangePassword = false);

/// <summary>The limits a tenant's sessions live under: the server's, or the tenant's policy where stricter.</summary>
internal readonly record struct SessionLimits(TimeSpan AbsoluteLifetime, TimeSpan IdleTimeout, int MaxPerUser);
