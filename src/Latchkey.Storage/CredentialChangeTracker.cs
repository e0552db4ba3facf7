using Latchkey.Core.Credentials;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Latchkey.Storage;

/// <summary>
/// The credential changes of one unit of work: each is announced inside its transaction (so the announcement commits
/// or rolls back with it), and applied to this process's cache, then awaited on the other instances, once it commits.
/// </summary>
internal sealed class CredentialChangeTracker(CredentialCache cache, ICredentialChangeFeed feed)
{
    private List<Guid>? _pending;
    private long _lastAnnouncement;

    /// <summary>Inside the transaction that changes the credentials of <paramref name="subject"/>.</summary>
    public async Task NoteAsync(LatchkeyDbContext db, Guid subject, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("A credential change must be made inside a transaction.");
        _lastAnnouncement = await feed.AnnounceAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), subject, cancellationToken);
        (_pending ??= []).Add(subject);
    }

    /// <summary>Whether changes were announced in the open transaction.</summary>
    public bool HasPending => _pending is not null;

    /// <summary>
    /// Once the transaction has committed, or may have (its commit threw): returns when no instance can accept what it
    /// revoked.
    /// </summary>
    public async Task CommittedAsync()
    {
        if (_pending is not { } pending)
        {
            return;
        }

        _pending = null;
        foreach (var subject in pending)
        {
            cache.Invalidate(subject);
        }

        // Note: not cancellable: the change has committed, and the caller must not hear "done" before it holds
        // everywhere; the wait is bounded by the lease.
        await feed.AwaitAppliedAsync(_lastAnnouncement, CancellationToken.None);
    }

    public void RolledBack() => _pending = null;
}
