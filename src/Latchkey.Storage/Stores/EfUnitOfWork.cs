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
            ? new StoreTransaction(await db.Database.BeginTransactionAsync(cancellationToken))
            : new StoreTransaction(null);
}

internal sealed class StoreTransaction(IDbContextTransaction? owned) : IStorageTransaction
{
    public Task CommitAsync(CancellationToken cancellationToken) => owned?.CommitAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => owned?.DisposeAsync() ?? ValueTask.CompletedTask;
}
