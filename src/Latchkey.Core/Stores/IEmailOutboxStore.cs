using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// The transactional outbox of e-mails. <see cref="AddAsync"/> joins the caller's unit of work, so a message commits
/// with its cause or not at all; the other methods serve the background sender and are cross-tenant.
/// </summary>
internal interface IEmailOutboxStore
{
    Task AddAsync(OutboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending messages due at <paramref name="now"/> for this sender: each is moved
    /// to be due again at <paramref name="leaseUntil"/> and its attempts counted, in one short transaction. Two senders
    /// never claim the same message (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>; SQLite: one writer at a time).
    /// </summary>
    Task<IReadOnlyList<OutboxMessage>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The due time of the pending message that has been due longest at <paramref name="now"/> without a sender claiming
    /// it (a claim moves it one lease ahead); null when none is due.
    /// </summary>
    Task<DateTimeOffset?> OldestDueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Delivered: the row, body and all, goes.</summary>
    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    Task RetryAsync(Guid id, DateTimeOffset dueAt, string error, CancellationToken cancellationToken);

    /// <summary>Given up: the body goes, the row stays (for operators) until <see cref="PurgeAsync"/>.</summary>
    Task FailAsync(Guid id, string error, CancellationToken cancellationToken);

    /// <summary>Marks failed every pending message past its expiry (its body goes); returns how many.</summary>
    Task<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes failed messages created before <paramref name="before"/>.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>Single-use e-mailed tokens (address verification, password reset), kept as digests only.</summary>
internal interface IEmailTokenStore
{
    /// <summary>Adds <paramref name="token"/> and voids every earlier unused token of the same user and purpose.</summary>
    Task AddReplacingAsync(EmailToken token, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="token"/> beside the user's others of its purpose.</summary>
    Task AddAsync(EmailToken token, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: the unused, unexpired token of <paramref name="purpose"/> with this digest.</summary>
    Task<EmailToken?> FindAsync(byte[] digest, EmailTokenPurpose purpose, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Uses the token, once: false when another request used it first (compare-and-set).</summary>
    Task<bool> ConsumeAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Voids every unused token of the user for <paramref name="purpose"/>.</summary>
    Task ConsumeAllAsync(Guid userId, EmailTokenPurpose purpose, CancellationToken cancellationToken);

    /// <summary>How many tokens of <paramref name="purpose"/> the user was sent since <paramref name="since"/>.</summary>
    Task<int> CountSinceAsync(Guid userId, EmailTokenPurpose purpose, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Cross-tenant, by a token's user: sets the user's address and whether it is verified.</summary>
    Task<bool> SetUserEmailAsync(Guid userId, string? email, bool verified, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: the user a token names.</summary>
    Task<User?> FindUserAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: the name of the user's tenant, for the messages.</summary>
    Task<string?> FindTenantNameAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Cross-tenant: the verified addresses of the tenant's enabled human owners.</summary>
    Task<IReadOnlyList<string>> FindOwnerAddressesAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Whether the user has a live session from <paramref name="appId"/> (a sign-in from it is no new device).</summary>
    Task<bool> HasSessionFromAsync(Guid userId, string appId, CancellationToken cancellationToken);

    /// <summary>Deletes tokens that expired and were created before <paramref name="before"/>.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
