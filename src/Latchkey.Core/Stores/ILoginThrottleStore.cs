using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// Failure counters per login, shared by every instance through the database. Each change is one atomic statement,
/// so instances need no lock of their own.
/// </summary>
internal interface ILoginThrottleStore
{
    Task<LoginThrottleState?> FindAsync(string loginDigest, CancellationToken cancellationToken);

    /// <summary>The counters of those of <paramref name="loginDigests"/> that have one (an admin's list of users).</summary>
    Task<IReadOnlyList<LoginThrottleState>> FindManyAsync(IReadOnlyCollection<string> loginDigests, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one attempt as failed (until it ends) and in flight, if the counter still holds what the caller saw:
    /// <paramref name="seen"/> null means no row yet. One compare-and-set; false when another attempt got there first.
    /// </summary>
    Task<bool> TryBeginAttemptAsync(
        string loginDigest, LoginThrottleState? seen, int pending, DateTimeOffset nextAttemptAt, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>
    /// An attempt failed: it stays counted and is no longer in flight. One atomic statement; returns true when it left no
    /// attempt in flight with at least <paramref name="lockAt"/> failures: this failure locked the login (true once per lock).
    /// </summary>
    Task<bool> EndFailedAsync(string loginDigest, int lockAt, CancellationToken cancellationToken);

    /// <summary>
    /// An attempt succeeded: the run of failures ends. Attempts still in flight stay counted until they end.
    /// </summary>
    Task EndSucceededAsync(string loginDigest, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// An attempt ended without being verified (the server was too busy, the client left): its count is taken back,
    /// and a delay it alone caused is lifted.
    /// </summary>
    Task EndUnverifiedAsync(string loginDigest, int freeAttempts, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>An admin's unlock: forgets every failure of the login.</summary>
    Task ResetAsync(string loginDigest, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> counters below <paramref name="belowFailures"/> whose next attempt
    /// was allowed before <paramref name="before"/>; returns how many.
    /// </summary>
    Task<int> DeleteStaleAsync(DateTimeOffset before, int belowFailures, int batchSize, CancellationToken cancellationToken);
}
