using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// The durable queue between <c>POST /v1/password-reset</c> and its worker. Cross-tenant: a request names a login,
/// not a tenant.
/// </summary>
internal interface IPasswordResetRequestStore
{
    /// <summary>The request path's one write, the same whatever the login.</summary>
    Task AddAsync(QueuedPasswordReset request, CancellationToken cancellationToken);

    /// <summary>
    /// Inside the caller's transaction: the oldest request due at <paramref name="now"/>, locked until the transaction
    /// ends so that no other worker takes it (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>; SQLite: one writer at a time).
    /// </summary>
    Task<QueuedPasswordReset?> LockNextDueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Handled: joins the caller's transaction, so the request goes with the token and message it caused.</summary>
    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Its handling failed: looked at again from <paramref name="dueAt"/>.</summary>
    Task PostponeAsync(Guid id, DateTimeOffset dueAt, CancellationToken cancellationToken);

    /// <summary>Deletes requests made before <paramref name="before"/> (never handled, e.g. failing each time); returns how many.</summary>
    Task<int> DeleteOlderThanAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>How many requests wait (tests and metrics).</summary>
    Task<int> CountAsync(CancellationToken cancellationToken);
}
