namespace Latchkey.Core.Credentials;

/// <summary>
/// How an instance learns of credential changes that other processes commit to the shared database, and how a change
/// committed here waits until the others have applied it. Each storage provider brings its own: PostgreSQL's
/// <c>LISTEN/NOTIFY</c>, SQLite's change counter. The guarantee it serves (docs/security.md): no instance accepts a
/// revoked credential after the revoking call has returned.
/// </summary>
internal interface ICredentialChangeFeed
{
    /// <summary>
    /// True while this process's cache may be trusted: its feed has confirmed, within the lease, that it has seen every
    /// change committed up to a moment less than one lease ago. False whenever the feed is not running or has lost its
    /// connection; the request path then reads the database.
    /// </summary>
    bool IsCurrent { get; }

    /// <summary>
    /// Whether the feed is running and in contact with the database now (PostgreSQL: listening on its connection;
    /// SQLite: looking at the change counter). For the metrics.
    /// </summary>
    bool IsListening { get; }

    /// <summary>How much longer the cache stays trusted without further contact; zero when it is not. For the metrics.</summary>
    TimeSpan LeaseRemaining { get; }

    /// <summary>Runs until <paramref name="stoppingToken"/> fires, applying changes made elsewhere to the cache.</summary>
    Task RunAsync(CancellationToken stoppingToken);

    /// <summary>
    /// Called inside the transaction that changes credentials of <paramref name="subject"/> (a user, a tenant, or
    /// <see cref="Guid.Empty"/> for all), on its connection, so that the announcement commits or rolls back with it.
    /// Returns the number to pass to <see cref="AwaitAppliedAsync"/>.
    /// </summary>
    Task<long> AnnounceAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, Guid subject,
        CancellationToken cancellationToken);

    /// <summary>
    /// After the announcing transaction committed: returns once every live instance has applied the change
    /// <paramref name="announcement"/> (the last one of the transaction), or has stopped trusting its cache, which
    /// takes at most one lease.
    /// </summary>
    Task AwaitAppliedAsync(long announcement, CancellationToken cancellationToken);
}
