namespace Latchkey.Core.Stores;

/// <summary>
/// Groups the writes of several stores into one transaction: a change and the audit entry that records it commit
/// together or not at all. Store methods called inside join it instead of opening their own.
/// </summary>
internal interface IUnitOfWork
{
    Task<IStorageTransaction> BeginAsync(CancellationToken cancellationToken);
}

/// <summary>An open transaction; disposing it without <see cref="CommitAsync"/> rolls everything back.</summary>
internal interface IStorageTransaction : IAsyncDisposable
{
    Task CommitAsync(CancellationToken cancellationToken);
}
