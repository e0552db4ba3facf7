using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// People's second factors (TOTP, recovery codes), the pending second steps of logins, and what sessions record of
/// them. Note: every method is keyed by a user id (unique across tenants) that the caller took from a verified login,
/// from the authenticated caller, or from a user it has just found in the caller's tenant; the methods marked
/// cross-tenant serve login, before any tenant is entered.
/// </summary>
internal interface ISecondFactorStore
{
    /// <summary>Cross-tenant, for login's second step: the user by id, or null.</summary>
    Task<User?> FindUserAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for login: the user's confirmed TOTP factor, or null (none, or only a pending one).</summary>
    Task<TotpFactor?> FindTotpAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for login: the roles (space-separated) the user's tenant requires a second factor of.</summary>
    Task<string> FindMfaPolicyAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>The pending (unconfirmed) TOTP factor of the user, or null.</summary>
    Task<TotpFactor?> FindPendingTotpAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="factor"/> as the user's pending factor, replacing an earlier pending one; false (nothing
    /// stored) when the user already has a confirmed factor.
    /// </summary>
    Task<bool> SavePendingTotpAsync(TotpFactor factor, CancellationToken cancellationToken);

    /// <summary>
    /// Confirms the pending factor with the step of the code that confirmed it, stores <paramref name="codes"/> as the
    /// user's recovery codes (replacing any), and lets the user's enrolment-only sessions do everything, in one
    /// transaction. False when there is no pending factor (confirmed meanwhile, or never started).
    /// </summary>
    Task<bool> ConfirmTotpAsync(Guid userId, long step, DateTimeOffset confirmedAt, IReadOnlyCollection<RecoveryCode> codes, CancellationToken cancellationToken);

    /// <summary>
    /// Accepts a code's time step: moves the stored last step to <paramref name="step"/> only if it is later
    /// (compare-and-set, one statement). False when a code of this step or a later one was accepted already: a replay.
    /// </summary>
    Task<bool> AcceptTotpStepAsync(Guid userId, long step, CancellationToken cancellationToken);

    /// <summary>Replaces all the user's recovery codes by <paramref name="codes"/>.</summary>
    Task ReplaceRecoveryCodesAsync(Guid userId, IReadOnlyCollection<RecoveryCode> codes, CancellationToken cancellationToken);

    /// <summary>How many unused recovery codes the user has left.</summary>
    Task<int> CountRecoveryCodesAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for login: uses up the recovery code with <paramref name="digest"/>; false when there is none (any more).</summary>
    Task<bool> UseRecoveryCodeAsync(Guid userId, byte[] digest, CancellationToken cancellationToken);

    /// <summary>
    /// Removes every second factor of the user (authenticator app pending or confirmed, recovery codes, passkeys) and
    /// the pending steps of its logins; false when it had none.
    /// </summary>
    Task<bool> DeleteAllAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Removes the user's authenticator app (pending or confirmed) and recovery codes, not its passkeys; false when it had none.</summary>
    Task<bool> DeleteTotpAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for login: stores a login's pending second step.</summary>
    Task CreateChallengeAsync(MfaChallenge challenge, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for login: the challenge whose token has <paramref name="tokenDigest"/>, or null.</summary>
    Task<MfaChallenge?> FindChallengeAsync(byte[] tokenDigest, CancellationToken cancellationToken);

    /// <summary>
    /// Cross-tenant: counts a wrong code against the challenge, and deletes it when it has reached
    /// <paramref name="maxFailures"/>.
    /// </summary>
    Task CountChallengeFailureAsync(Guid challengeId, int maxFailures, CancellationToken cancellationToken);

    /// <summary>
    /// Cross-tenant: uses the challenge up (deletes it) if it has fewer than <paramref name="maxFailures"/> wrong codes;
    /// false when another request used it first or it is dead: single use, across instances.
    /// </summary>
    Task<bool> ConsumeChallengeAsync(Guid challengeId, int maxFailures, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: deletes at most <paramref name="batchSize"/> expired challenges; returns how many.</summary>
    Task<int> DeleteExpiredChallengesAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken);

    /// <summary>The session's last authentication: when, and how (<see cref="AuthenticationMethods"/>); null when it is gone.</summary>
    Task<(DateTimeOffset AuthTime, string Amr)?> FindSessionAuthenticationAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>Records a re-authentication of the session (and of it only); false when it is gone.</summary>
    Task<bool> ReauthenticateSessionAsync(Guid userId, Guid sessionId, DateTimeOffset authTime, string amr, CancellationToken cancellationToken);

    /// <summary>Sets the roles (space-separated) the tenant requires a second factor of.</summary>
    Task<bool> SetMfaPolicyAsync(Guid tenantId, string roles, CancellationToken cancellationToken);
}
