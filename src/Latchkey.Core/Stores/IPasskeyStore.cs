using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// People's passkeys and the pending WebAuthn ceremonies. Note: the methods marked cross-tenant serve login, before any
/// tenant is entered; they are keyed by a credential id the authenticator presented or a user id a verified step gave.
/// </summary>
internal interface IPasskeyStore
{
    /// <summary>Cross-tenant: the user's passkeys, oldest first.</summary>
    Task<IReadOnlyList<Passkey>> ListAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for login: whether the user has a passkey.</summary>
    Task<bool> AnyAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, for login: the passkey with this credential id, or null.</summary>
    Task<Passkey?> FindByCredentialIdAsync(byte[] credentialId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a newly registered passkey and lets the user's enrolment-only sessions do everything (a passkey is a
    /// second factor), in one transaction; false when the credential id is registered already.
    /// </summary>
    Task<bool> AddAsync(Passkey passkey, CancellationToken cancellationToken);

    /// <summary>Removes one of the user's passkeys; false when the user has none with that id.</summary>
    Task<bool> RemoveAsync(Guid userId, Guid passkeyId, CancellationToken cancellationToken);

    /// <summary>
    /// Cross-tenant: records a verified assertion: moves the counter from <paramref name="expectedSignCount"/> to
    /// <paramref name="signCount"/> (compare-and-set, one statement), stores the backup state and the time of use.
    /// False when another assertion moved the counter first (a replay or a clone racing this one).
    /// </summary>
    Task<bool> RecordUseAsync(
        Guid passkeyId, long expectedSignCount, long signCount, bool backedUp, DateTimeOffset usedAt, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: stores a pending ceremony.</summary>
    Task CreateCeremonyAsync(WebAuthnCeremony ceremony, CancellationToken cancellationToken);

    /// <summary>
    /// Cross-tenant: takes (reads and deletes) the ceremony with <paramref name="id"/> if it has not expired; null when it
    /// is unknown, expired, or another request took it first: single use, across instances.
    /// </summary>
    Task<WebAuthnCeremony?> TakeCeremonyAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: deletes at most <paramref name="batchSize"/> expired ceremonies; returns how many.</summary>
    Task<int> DeleteExpiredCeremoniesAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken);
}
