using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Latchkey.Storage.Stores;

internal sealed class EfUnitOfWork(LatchkeyDbContext db) : IUnitOfWork
{
    public async Task<IStorageTransaction> BeginAsync(CancellationToken cancellationToken) =>
        await db.BeginOrJoinTransactionAsync(cancellationToken);
}

internal static class StoreTransactions
{
    /// <summary>
    /// A transaction of the store's own, or the caller's when one is open (a unit of work): then committing is the
    /// caller's business, and a store method's writes commit or roll back with the rest.
    /// </summary>
    public static async Task<StoreTransaction> BeginOrJoinTransactionAsync(this LatchkeyDbContext db, CancellationToken cancellationToken) =>
        db.Database.CurrentTransaction is null
            ? new StoreTransaction(await db.Database.BeginTransactionAsync(cancellationToken), db.Changes)
            : new StoreTransaction(null, null);
}

/// <summary>
/// A transaction of a store or a unit of work. The one that owns the database transaction also finishes the credential
/// changes made in it: applied here and awaited elsewhere after the commit (or after a commit that failed, since it may
/// have committed), dropped on a rollback.
/// </summary>
internal sealed class StoreTransaction(IDbContextTransaction? owned, CredentialChangeTracker? changes) : IStorageTransaction
{
    private bool _committed;

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (owned is null)
        {
            return;
        }

        try
        {
            await owned.CommitAsync(cancellationToken);
        }
        catch when (changes is { HasPending: true })
        {
            // Note: a commit that throws may have committed all the same (the connection broke after the server
            // committed, before its answer came), and the caller may retry or report a failure: the credential changes
            // are applied here and awaited elsewhere as if it had, so that no copy outlives a change that did commit.
            _committed = true;
            await changes.CommittedAsync();
            throw;
        }

        _committed = true;
        if (changes is not null)
        {
            await changes.CommittedAsync();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (owned is null)
        {
            return ValueTask.CompletedTask;
        }

        if (!_committed)
        {
            changes?.RolledBack();
        }

        return owned.DisposeAsync();
    }
}
